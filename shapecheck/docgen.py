"""Docs generated from the code, so they cannot drift: ``docs/layers.md`` from the rule
registry. ``python -m shapecheck.docgen`` rewrites it; a test fails when the file
differs from what this module would write."""

from __future__ import annotations

import sys
from pathlib import Path

from .rules import REGISTRY
from .rules.registry import REQUIRED, Rule

FAMILIES = {
    "core": "Core layers",
    "recurrent": "Recurrent layers",
    "wrappers": "Wrappers",
    "nested": "Models used as layers",
    "ops": "Keras operations in configs",
}


def _default(value: object) -> str:
    if value is REQUIRED:
        return "required"
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value!r}`" if isinstance(value, str) else f"`{value}`"


def _rules() -> list[Rule]:
    seen: dict[int, Rule] = {}
    for r in REGISTRY.values():
        seen.setdefault(id(r), r)
    return list(seen.values())


def layers_md() -> str:
    rules = _rules()
    by_family: dict[str, list[Rule]] = {}
    for r in rules:
        by_family.setdefault(r.family, []).append(r)
    out = [
        "# Supported layers",
        "",
        "Generated from the rule registry by `python -m shapecheck.docgen`; do not edit.",
        "Each rule lists the constructor arguments that change a shape or a weight, with",
        "Keras's defaults; the other arguments it accepts do not change shapes. A Keras",
        "layer not listed here is reported as `SC406` (not supported yet).",
        "",
    ]
    order = [f for f in FAMILIES if f in by_family] + sorted(set(by_family) - set(FAMILIES))
    for family in order:
        out += [f"## {FAMILIES.get(family, family.capitalize())}", ""]
        for r in sorted(by_family[family], key=lambda r: r.types[0]):
            names = ", ".join(f"`{t}`" for t in r.types)
            out += [f"### {names}", ""]
            if r.doc:
                out += [" ".join(r.doc.split()), ""]
            if r.args:
                out += ["| argument | values | default | effect |", "|---|---|---|---|"]
                for a in r.args.values():
                    kind = (a.kind or "any").replace("|", "\\|")
                    out.append(f"| `{a.name}` | {kind} | {_default(a.default)} | "
                               f"{a.doc.replace('|', chr(92) + '|')} |")
                out.append("")
            if r.call_args:
                out += [f"Call arguments: {', '.join(f'`{c}`' for c in r.call_args)}.", ""]
            if r.accepts:
                out += [f"Also accepted, no shape effect: {', '.join(f'`{a}`' for a in sorted(r.accepts))}.",
                        ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    root = Path(argv[0]) if argv else Path.cwd()
    (root / "docs" / "layers.md").write_text(layers_md(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
