"""The start-up self-check of the seam: does the installed ACME have what the seam uses?"""

from __future__ import annotations

import pytest

from acme_swc_plugin import ACME_VERSION
from acme_swc_plugin.seam import check
from acme_swc_plugin.seam.check import SeamError, verify

MISSING_ATTRIBUTE = ("acmecse.etc.Types", "ResourceTypes._no_such_map_")
MISSING_MODULE = ("acmecse.no_such_module", "Thing")


def test_the_installed_acme_has_every_expected_structure() -> None:
    assert check.missing_structures() == []
    assert verify() == ""


def test_a_missing_structure_names_itself_and_the_acme_version() -> None:
    with pytest.raises(SeamError) as refused:
        verify(expected=(*check.EXPECTED, MISSING_ATTRIBUTE))

    message = str(refused.value)
    assert "acmecse.etc.Types.ResourceTypes._no_such_map_" in message
    assert check.installed_acme_version() in message
    assert ACME_VERSION in message
    assert f"acmecse=={ACME_VERSION}" in message


def test_every_missing_structure_is_listed_and_present_ones_are_not() -> None:
    with pytest.raises(SeamError) as refused:
        verify(expected=(MISSING_MODULE, ("acmecse.etc.Types", "ResourceTypes"), MISSING_ATTRIBUTE))

    message = str(refused.value)
    assert "acmecse.no_such_module.Thing" in message
    assert "ResourceTypes._no_such_map_" in message
    assert "acmecse.etc.Types.ResourceTypes," not in message


def test_a_seam_error_is_a_value_error_so_acme_stops_with_one_log_line() -> None:
    assert issubclass(SeamError, ValueError)


def test_another_acme_release_with_every_structure_only_warns(monkeypatch) -> None:
    monkeypatch.setattr(check, "installed_acme_version", lambda: "2099.1.1")

    warning = verify()

    assert "2099.1.1" in warning and ACME_VERSION in warning


def test_a_missing_structure_on_another_release_names_that_release(monkeypatch) -> None:
    monkeypatch.setattr(check, "installed_acme_version", lambda: "2099.1.1")

    with pytest.raises(SeamError, match=r"acmecse 2099\.1\.1"):
        verify(expected=(MISSING_ATTRIBUTE,))
