"""Summarise a py-spy raw profile of a CSE: where the time goes, ACME's or the plugin's.

Reads the collapsed stacks that `campaign_scale.py --profile DIR` records
(`py-spy record --gil --format raw`: one line per distinct stack, frames separated by
`;`, the sample count last) and prints:

- self time by owner: the innermost frame that belongs to ACME (`acmecse/`), to this
  project (`acme_swc_plugin/`, split into engine, agent, seam, resource, core) or to a
  third-party package decides; standard library frames count for their caller;
- the share of samples whose stack passes through the project's code at all, by the
  outermost project function (the entry point that caused the work);
- the functions with the most inclusive time.

    /tmp/venv/bin/python benchmarks/profile_summary.py /tmp/prof/plugin-1000.txt
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^()]*?)(?::(?P<line>\d+))?\)$")
_SITE = ("site-packages/", "dist-packages/")


def parse(path: Path) -> list[tuple[list[tuple[str, str]], int]]:
    """The stacks of a raw py-spy file, outermost frame first, as (function, path)."""
    stacks = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = []
        for frame in stack.split(";"):
            match = _FRAME.match(frame)
            frames.append((match["function"], match["path"]) if match else (frame, ""))
        stacks.append((frames, int(count)))
    return stacks


def owner(path: str) -> str | None:
    """Who a frame's file belongs to; None for the standard library."""
    if "acme_swc_plugin/" in path:
        part = path.split("acme_swc_plugin/", 1)[1]
        return "plugin:" + (part.split("/", 1)[0] if "/" in part else part.removesuffix(".py"))
    if "acmecse/" in path:
        return "acme"
    top = path.split("site-packages/")[-1].split("/", 1)[0].removesuffix(".py")
    if "/" in path and not path.startswith("<") and top not in sys.stdlib_module_names:
        return "third-party:" + top
    return None


def summarise(stacks, top: int = 30) -> str:
    total = sum(count for _, count in stacks)
    self_owner: Counter[str] = Counter()
    self_function: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    through_plugin: Counter[str] = Counter()
    plugin_leaf_in: Counter[str] = Counter()

    for frames, count in stacks:
        owned = [(f, p, owner(p)) for f, p in frames]
        innermost = next((o for _, _, o in reversed(owned) if o), "stdlib-only")
        self_owner[innermost] += count
        leaf_function, leaf_path = frames[-1]
        self_function[f"{leaf_function} ({_short(leaf_path)})"] += count
        for name in {f"{f} ({_short(p)})" for f, p in frames}:
            inclusive[name] += count
        plugin_frames = [(f, p) for f, p, o in owned if o and o.startswith("plugin:")]
        if plugin_frames:
            outer_function, outer_path = plugin_frames[0]
            through_plugin[f"{outer_function} ({_short(outer_path)})"] += count
            plugin_leaf_in[innermost] += count

    lines = [f"{total} samples (GIL held, 100 Hz: {total / 100:.1f} s of CPU)", ""]
    lines.append("Self time by owner of the innermost non-stdlib frame:")
    lines += _table(self_owner, total)
    plugin_total = sum(through_plugin.values())
    lines.append("")
    lines.append(
        f"Stacks through the project's code: {plugin_total} ({100 * plugin_total / total:.1f}%)"
        ", by outermost project function:"
    )
    lines += _table(through_plugin, total, top)
    lines.append("  ... of which the innermost owner is:")
    lines += _table(plugin_leaf_in, total, indent="    ")
    lines.append("")
    lines.append(f"Top {top} functions by inclusive time:")
    lines += _table(inclusive, total, top)
    lines.append("")
    lines.append(f"Top {top} functions by self time:")
    lines += _table(self_function, total, top)
    return "\n".join(lines)


def _short(path: str) -> str:
    for marker in ("acme_swc_plugin/", "acmecse/", *_SITE):
        if marker in path:
            return (marker if marker.startswith("acme") else "") + path.split(marker, 1)[1]
    return path


def _table(counter: Counter, total: int, top: int | None = None, indent: str = "  ") -> list:
    return [
        f"{indent}{100 * count / total:5.1f}%  {count:6d}  {name}"
        for name, count in counter.most_common(top)
    ]


def callers(stacks, function: str, depth: int = 4, top: int = 12) -> str:
    """Who calls `function` (its outermost occurrence), `depth` frames up."""
    total = sum(count for _, count in stacks)
    chains: Counter[str] = Counter()
    for frames, count in stacks:
        names = [f for f, _ in frames]
        if function in names:
            at = names.index(function)
            chains[" < ".join(reversed(names[max(0, at - depth) : at]))] += count
    return "\n".join([f"Callers of {function}:", *_table(chains, total, top)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path, help="raw py-spy output (collapsed stacks)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--callers",
        action="append",
        default=[],
        metavar="FUNCTION",
        help="also show who calls FUNCTION (as py-spy names it, e.g. getCSE); repeatable",
    )
    args = parser.parse_args()
    stacks = parse(args.profile)
    print(summarise(stacks, args.top))
    for function in args.callers:
        print()
        print(callers(stacks, function))


if __name__ == "__main__":
    main()
