"""Pure parts of the operator tools: resource IDs to URL paths, counting statuses."""

from __future__ import annotations

import pytest

from acme_swc_plugin.tools import view
from acme_swc_plugin.tools.onem2m import Client


@pytest.mark.parametrize(
    ("cse_url", "resource_id", "path"),
    [
        ("http://h:1/~/id-in/cse-in", "cse-in/camp", "/~/id-in/cse-in/camp"),
        ("http://h:1/~/id-in/cse-in", "swc123", "/~/id-in/swc123"),
        ("http://h:1/~/id-in/cse-in", "/id-mn/nod1", "/~/id-mn/nod1"),
        ("http://h:1/~/id-in/cse-in", "//sp.example/id-in/x", "/_/sp.example/id-in/x"),
        ("http://h:1/cse-in", "cse-in/camp", "/cse-in/camp"),
    ],
)
def test_resource_ids_become_url_paths_of_the_http_binding(
    cse_url: str, resource_id: str, path: str
) -> None:
    assert Client(cse_url, "CAdmin").path_of(resource_id) == path


@pytest.mark.parametrize("url", ["127.0.0.1:8080/~/id-in/cse-in", "ftp://h/x", "http://h"])
def test_a_url_that_is_no_cse_base_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="is not the URL of a CSEBase"):
        Client(url, "CAdmin")


def test_counts_and_finished_targets() -> None:
    installed, error, running = (
        int(view.STATUS.INSTALLED),
        int(view.STATUS.ERROR),
        int(view.STATUS.IN_PROGRESS),
    )
    campaign = {"agss": running, "inss": [{"swst": installed}, {"swst": error}, {"swst": running}]}

    assert view.counts(campaign) == {"INSTALLED": 1, "ERROR": 1, "IN_PROGRESS": 1}
    assert view.finished_targets(campaign) == 2
    assert not view.is_finished(campaign)
    assert view.is_finished({**campaign, "agss": error})
    assert view.status_name(99) == "unknown (99)"
