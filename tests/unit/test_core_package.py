"""The core package as a whole: its public names and its independence from ACME."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import acme_swc_plugin.core as core

ROOT = Path(__file__).resolve().parents[2]


def test_every_public_name_is_exported() -> None:
    for name in core.__all__:
        assert getattr(core, name) is not None, name


def test_core_imports_nothing_from_acme() -> None:
    probe = (
        "import sys, acme_swc_plugin.core;"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'acmecse');"
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_core_source_mentions_acmecse_imports() -> None:
    for source in (ROOT / "acme_swc_plugin" / "core").glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "import acmecse" not in text and "from acmecse" not in text, source.name
