"""Docs generated from the code, so they cannot drift: ``docs/layers.md`` from the rule
registry, ``docs/diagnostics.md`` from the diagnostic catalogue and its examples (run
through the real command line). ``python -m shapecheck.docgen`` rewrites both; a test
fails when a file differs from what this module would write."""

from __future__ import annotations

import sys
from pathlib import Path

from . import engine  # noqa: F401  (registers the nested-model rule)
from .rules import REGISTRY
from .rules.registry import REQUIRED, Rule

FAMILIES = {  # the order of docs/layers.md's sections
    "core": "Core layers",
    "einsum_dense": "EinsumDense",
    "activations": "Activations",
    "attention": "Attention",
    "conv": "Convolution",
    "pooling": "Pooling",
    "normalization": "Normalization",
    "reshaping": "Reshaping",
    "merge": "Merge",
    "recurrent": "Recurrent layers",
    "conv_recurrent": "Convolutional recurrent layers",
    "rnn_cells": "RNN with cells",
    "wrappers": "Wrappers",
    "nested": "Models used as layers",
    "preprocessing": "Preprocessing: encoders and lookups",
    "image_preprocessing": "Image preprocessing and augmentation",
    "spectrograms": "Spectrograms",
    "applications": "keras.applications' own layers",
    "addons": "TensorFlow Addons (tfa.layers, tf.keras 2 only)",
    "ops": "Keras operations in configs",
    "tf_ops": "TensorFlow operations in tf.keras files (TFOpLambda)",
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
            aliases = [a for a, other in REGISTRY.items() if other is r and a not in r.types]
            if aliases:
                out += [f"Also written {', '.join(f'`{a}`' for a in sorted(aliases))}.", ""]
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


def run_example(example) -> tuple[int, str]:
    """Run one diagnostic example through ``shapecheck`` in a scratch folder: the exit
    code and the diagnostic lines it prints (the table is left out)."""
    import contextlib
    import io
    import os
    import tempfile

    from .cli import main as cli

    with tempfile.TemporaryDirectory() as tmp:
        for name, text in example.files.items():
            Path(tmp, name).write_text(text, encoding="utf-8")
        data = example.build() if example.build else example.text.encode()
        Path(tmp, example.filename).write_bytes(data)
        out = io.StringIO()
        here = os.getcwd()
        os.chdir(tmp)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                config = () if example.files else ("--no-config",)
                code = cli([example.filename, "--no-explain", *config, *example.args])
        finally:
            os.chdir(here)
    keep, lines = [], out.getvalue().splitlines()
    for i, line in enumerate(lines):
        if line.startswith(tuple(example.files) + (example.filename + ":",)) or \
                line.startswith("    ") and keep and keep[-1] == i - 1:
            keep.append(i)
    return code, "\n".join(lines[i] for i in keep)


def diagnostics_md() -> str:
    from .diagnostic_examples import EXAMPLES, NO_EXAMPLE
    from .diagnostics import CATALOGUE

    out = [
        "# Diagnostics",
        "",
        "Generated from the diagnostic catalogue by `python -m shapecheck.docgen`; do not edit.",
        "Every finding has a stable code (`SC1xx` reading the input, `SC2xx` the graph and its",
        "references, `SC3xx` shapes, `SC4xx` layer arguments and rules, `SC5xx` layouts in",
        "other frameworks), a severity, the location `path:line:col`, the values that",
        "clashed and, where one exists, a hint.",
        "A code never changes meaning once released. Errors make `shapecheck` exit 1;",
        "warnings and infos alone leave it at 0.",
        "",
        "| code | severity | meaning |",
        "|---|---|---|",
    ]
    for c in CATALOGUE.values():
        out.append(f"| [`{c.code}`](#{c.code.lower()}) | {c.severity.value} | {c.title} |")
    out.append("")
    for c in CATALOGUE.values():
        out += [f"## {c.code}", "", f"**{c.title}** ({c.severity.value}). {c.explanation}", ""]
        example = EXAMPLES.get(c.code)
        if example is None:
            out += [f"No example here: it {NO_EXAMPLE[c.code]}.", ""]
            continue
        args = " ".join(example.args)
        shown = example.text if example.text is not None else \
            "(a .keras archive with a member named ../../outside.txt)"
        for name, text in example.files.items():
            out += [f"`{name}`:", "", "```toml", text.rstrip(), "```", ""]
        out += [f"`{example.filename}`:", ""]
        out += [f"```{example.lang}", shown.rstrip(), "```", ""] if example.text is not None else \
            [shown, ""]
        code, lines = run_example(example)
        out += [f"`shapecheck {example.filename}{' ' + args if args else ''}` (exit {code}):", "",
                "```text", lines, "```", ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    root = Path(argv[0]) if argv else Path.cwd()
    (root / "docs" / "layers.md").write_text(layers_md(), encoding="utf-8")
    (root / "docs" / "diagnostics.md").write_text(diagnostics_md(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
