"""The campaign procedure: waiting, driving targets, tracking and writing statuses."""

from .engine import CampaignEngine

__all__ = ["CampaignEngine"]
