"""The real agent's pure rules: reading a package URL, directory names, archive members."""

from __future__ import annotations

import pytest

from acme_swc_plugin.agent.package_rules import (
    PackageError,
    archive_kind,
    check_component,
    member_problem,
    parse_source,
)

HEX = "ab" * 32


def test_a_url_with_a_checksum_fragment_is_split() -> None:
    source = parse_source(f"http://127.0.0.1:8000/pkg/app-1.0.tar.gz#sha256={HEX.upper()}")

    assert source.url == "http://127.0.0.1:8000/pkg/app-1.0.tar.gz"
    assert source.sha256 == HEX
    assert source.kind == "tar"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://example.org/a.tgz", "tar"),
        ("http://h/a.ZIP", "zip"),
        ("http://h/a.tar.gz?token=1", "tar"),
    ],
)
def test_a_url_without_fragment_has_no_checksum(url: str, kind: str) -> None:
    source = parse_source(url)
    assert (source.sha256, source.kind) == (None, kind)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://h/a.tar.gz", "not an http:// or https:// URL"),
        ("file:///tmp/a.tar.gz", "not an http:// or https:// URL"),
        ("http:///a.tar.gz", "with a host"),
        ("http://h/a.tar.gz#md5=00", "sha256=<64 hex digits>"),
        ("http://h/a.tar.gz#sha256=abc", "sha256=<64 hex digits>"),
        ("http://h/a.rar", "does not name an archive"),
        (None, "not an http"),
    ],
)
def test_unusable_urls_are_refused_with_the_reason(url, message: str) -> None:
    with pytest.raises(PackageError, match=message):
        parse_source(url)


def test_archive_kind_comes_from_the_ending() -> None:
    assert archive_kind("/x/app.tar.gz") == "tar"
    assert archive_kind("/x/app.tar") is None


@pytest.mark.parametrize("name", ["app", "app-1.0", "1.0.2+build7", "Ä"])
def test_plain_names_are_directory_names(name: str) -> None:
    assert check_component(name, "version") == name


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "a/b", "a\\b", ".hidden", "current", 7])
def test_names_that_are_no_single_directory_are_refused(name) -> None:
    with pytest.raises(PackageError, match="cannot be used as a directory name"):
        check_component(name, "softwareName")


@pytest.mark.parametrize("name", ["a.txt", "bin/run", "./x", "a/../b", "dir/"])
def test_members_inside_the_package_are_accepted(name: str) -> None:
    assert member_problem(name) is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("/etc/passwd", "absolute path"),
        ("\\windows\\x", "absolute path"),
        ("C:/x", "absolute path"),
        ("../x", "climbs out"),
        ("a/../../x", "climbs out"),
        ("a\\..\\..\\x", "climbs out"),
        ("", "empty"),
    ],
)
def test_members_outside_the_package_are_refused(name: str, problem: str) -> None:
    assert problem in member_problem(name)


def test_symbolic_links_are_resolved_from_their_folder() -> None:
    assert member_problem("a/b/link", "../c") is None
    assert member_problem("a/link", "../../etc") is not None
    assert "absolute path" in member_problem("link", "/etc/passwd")


def test_hard_links_are_resolved_from_the_top() -> None:
    assert member_problem("a/b/link", "a/file", hard_link=True) is None
    assert member_problem("a/b/link", "../file", hard_link=True) is not None
