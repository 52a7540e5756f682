"""``shapecheck graph FILE -o model.svg``: the layer graph as a picture, each arrow
labelled with its shape. ``.dot`` and ``--mermaid`` need nothing; ``.svg`` and
``.png`` are drawn by Graphviz's ``dot`` program when it is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence

from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    CommandLineError,
    Parser,
    add_model_options,
    load_model,
)

# What each output suffix is written as; Graphviz draws the images.
_IMAGES = {".svg": "svg", ".png": "png"}
_TEXT = {".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".mermaid": "mermaid", ".md": "mermaid"}
DOT_TIMEOUT = 300  # seconds: a 10,000-layer graph takes dot about a minute
NO_DOT = ("drawing {suffix} needs Graphviz's `dot` program, which is not on PATH. Install Graphviz "
          "(Debian/Ubuntu: apt install graphviz; Fedora: dnf install graphviz; macOS: brew install "
          "graphviz; conda: conda install graphviz), or write `-o model.dot` and render it elsewhere, "
          "or use --mermaid, which needs nothing")


def parser() -> Parser:
    p = Parser(prog="shapecheck graph", description="Draw a model's layer graph with the shape on "
               "every arrow and each layer's type, params and weight shapes; errors in red.")
    p.add_argument("file", metavar="FILE", help="a model file (spec, Keras/TF.js config, .keras, .h5)")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="write to OUT: .svg or .png (drawn with Graphviz's dot), .dot, or .mmd/.md "
                   "(Mermaid); default: the DOT text (or Mermaid with --mermaid) on standard output")
    p.add_argument("--mermaid", action="store_true",
                   help="a Mermaid flowchart (for Markdown: GitHub renders ```mermaid blocks)")
    add_model_options(p)
    return p


def main(argv: Sequence[str]) -> int:
    out, err = sys.stdout, sys.stderr
    try:
        args = parser().parse_args(argv)
        kind = _kind(args.output, args.mermaid)
    except CommandLineError as e:
        print(f"shapecheck graph: error: {e}", file=err)
        print("usage: shapecheck graph FILE [-o OUT.svg|.png|.dot|.mmd] [--mermaid] [--dim NAME=VALUE]",
              file=err)
        return EXIT_USAGE
    except SystemExit as e:  # --help
        return int(e.code or 0)
    if kind in _IMAGES.values() and shutil.which("dot") is None:
        print(f"shapecheck graph: error: {NO_DOT.format(suffix='.' + kind)}", file=err)
        return EXIT_USAGE

    loaded = load_model(args, "shapecheck graph")
    if isinstance(loaded, int):
        return loaded
    report, finding_lines = loaded
    for line in finding_lines:
        print(line, file=err)
    if not report.layers:  # nothing to draw: the file held no model
        return EXIT_FINDINGS

    from ..output.picture import to_dot, to_mermaid

    text = to_mermaid(report) if kind == "mermaid" else to_dot(report)
    if kind in _IMAGES.values():
        try:
            drawn = subprocess.run(["dot", f"-T{kind}", "-o", args.output], input=text.encode(),
                                   capture_output=True, timeout=DOT_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as e:
            print(f"shapecheck graph: error: running dot: {e}", file=err)
            return EXIT_USAGE
        if drawn.returncode != 0:
            print(f"shapecheck graph: error: dot failed: "
                  f"{drawn.stderr.decode(errors='replace').strip()[:500]}", file=err)
            return EXIT_USAGE
    elif args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(f"```mermaid\n{text}```\n" if args.output.endswith(".md") else text)
        except OSError as e:
            print(f"shapecheck graph: error: {args.output}: {e.strerror or e}", file=err)
            return EXIT_USAGE
    else:
        out.write(text)
    if args.output:
        print(f"wrote {args.output}", file=err)
    return EXIT_OK if report.ok else EXIT_FINDINGS


def _kind(output: str | None, mermaid: bool) -> str:
    if output is None:
        return "mermaid" if mermaid else "dot"
    suffix = os.path.splitext(output)[1].lower()
    kind = _IMAGES.get(suffix) or _TEXT.get(suffix)
    if kind is None:
        raise CommandLineError(f"-o {output}: unknown picture type {suffix or '(none)'}; use .svg, .png, "
                         ".dot or .mmd")
    if mermaid and kind != "mermaid":
        raise CommandLineError(f"--mermaid writes Mermaid text, not {suffix}: use -o model.mmd or model.md")
    return kind
