"""The device agent's settings in `[plugin.swc]`: defaults, accepted values, clear errors."""

from __future__ import annotations

import configparser

import pytest

from acme_swc_plugin import settings
from acme_swc_plugin.settings import SettingsError


def read(**values: str) -> settings.Settings:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keep the keys' case, as in acme.ini
    parser.read_dict({settings.SECTION: values})
    return settings.read(parser)


def test_defaults() -> None:
    s = read()
    assert (s.agent_mode, s.agent_delay, s.agent_failure_rate, s.agent_seed) == (
        "simulate",
        1.0,
        0.0,
        None,
    )


def test_agent_settings_are_declared_with_their_defaults() -> None:
    declared = {s.key: s.default for s in settings.DECLARED}
    assert declared["agentMode"] == "simulate"
    assert declared["agentDelay"] == "1.0"
    assert declared["agentFailureRate"] == "0.0"
    assert declared["agentSeed"] == ""


def test_values_are_read_with_their_types() -> None:
    s = read(agentDelay="0.2", agentFailureRate="0.5", agentSeed="42")
    assert (s.agent_delay, s.agent_failure_rate, s.agent_seed) == (0.2, 0.5, 42)
    assert read(agentDelay="0", agentFailureRate="1").agent_failure_rate == 1.0


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("agentMode", "dream", "agentMode must be one of simulate"),
        ("agentDelay", "soon", "agentDelay must be a number"),
        ("agentDelay", "-1", "agentDelay must be 0 or more"),
        ("agentDelay", "inf", "agentDelay must be 0 or more"),
        ("agentFailureRate", "half", "agentFailureRate must be a number"),
        ("agentFailureRate", "1.5", "between 0 and 1"),
        ("agentFailureRate", "-0.1", "between 0 and 1"),
        ("agentSeed", "abc", "agentSeed must be an integer"),
        ("agentSeed", "1.5", "agentSeed must be an integer"),
    ],
)
def test_unusable_values_are_rejected_naming_the_key(key: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        read(**{key: value})
