"""The suite for ACME's own test runner states the protocol values the plugin uses.

`tests/acme/testSWC.py` runs inside ACME's `tests/` folder, where it cannot rely on this
package, so it repeats the type code and enumeration values as constants. This test
reads them without importing the module (it needs ACME's `init.py`) and compares them
with `init/softwareCampaign.{rtp,ep}`, so that a change of a provisional value there
cannot leave that suite testing the old one.
"""

import ast
from pathlib import Path

from acme_swc_plugin.protocol import load

SUITE = Path(__file__).parents[1] / "acme" / "testSWC.py"


def _constants() -> dict[str, object]:
    """Module-level `NAME = literal` assignments of the suite."""
    found = {}
    for node in ast.parse(SUITE.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def test_the_suite_uses_the_plugins_type_code_and_enumerations() -> None:
    protocol = load()
    constants = _constants()

    assert constants["SWC"] == protocol.campaign.code
    for operation in protocol.operation:
        assert constants[f"swop{operation.name}"] == operation.value, operation.name
    for status in protocol.status:
        assert constants[f"swst{status.name}"] == status.value, status.name
