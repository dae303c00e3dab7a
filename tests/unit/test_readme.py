"""The README documents every setting with its real default."""

import re
from pathlib import Path

from acme_swc_plugin import settings

README = Path(__file__).parents[2] / "README.md"


def test_every_setting_is_in_the_readme_table_with_its_default() -> None:
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", README.read_text(), re.MULTILINE))
    for setting in settings.DECLARED:
        assert setting.key in rows, f"{setting.key} is not documented"
        documented = rows[setting.key].strip()
        expected = f"`{setting.default}`" if setting.default else "(empty)"
        assert documented == expected, f"{setting.key}: README says {documented}"
