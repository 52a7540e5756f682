"""``shapecheck explain FILE --shape 384,12``: every way a tensor of that shape arises
from the model's weights, in Keras's layout and in PyTorch's and ONNX's, each with
the sentence that explains it; the nearest shapes when none does."""

from __future__ import annotations

import json
import re
import sys
import textwrap
from collections.abc import Sequence

from ..dims import MAX_RANK, MAX_SIZE, fmt_shape
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    CommandLineError,
    Parser,
    add_model_options,
    load_model,
)

WIDTH = 80


def parser() -> Parser:
    p = Parser(prog="shapecheck explain", description="Say where a tensor of a given shape comes "
               "from in a model: a whole weight, its transpose, one gate's block of a stacked "
               "recurrent kernel, one direction, one attention head; in Keras's, PyTorch's and "
               "ONNX's layouts.")
    p.add_argument("file", metavar="FILE", help="a model file (spec, Keras/TF.js config, .keras, .h5)")
    p.add_argument("--shape", required=True, metavar="D0,D1,...",
                   help="the shape to look up, e.g. 384,12, '(384, 12)', or an activation's shape as "
                   "Keras prints it, '(None, 4995, 768)'")
    p.add_argument("--layout", choices=("all", "keras", "pytorch", "onnx"), default="all",
                   help="which frameworks' layouts to search (default: all)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    add_model_options(p)
    return p


def parse_shape(text: str) -> tuple[int | None, ...]:
    """``384,12``, ``384x12``, or a shape as Keras prints it: ``(None, 4995, 768)``."""
    body = text.strip().strip("()[]").strip()
    parts = [p for p in re.split(r"\s*[,x×]\s*|\s+", body) if p]
    unknown = ("None", "?", "null")
    if not parts or len(parts) > MAX_RANK or \
            not all(p in unknown or p.isdigit() and len(p) <= 13 for p in parts):
        raise CommandLineError(f"--shape {text[:80]!r}: expected sizes separated by commas, e.g. 384,12 "
                               "or (None, 4995, 768)")
    shape = tuple(None if p in unknown else int(p) for p in parts)
    if any(d is not None and d > MAX_SIZE for d in shape):
        raise CommandLineError(f"--shape {text[:80]!r}: a size is larger than any (2**40)")
    return shape


def main(argv: Sequence[str]) -> int:
    out, err = sys.stdout, sys.stderr
    try:
        args = parser().parse_args(argv)
        query = parse_shape(args.shape)
    except CommandLineError as e:
        print(f"shapecheck explain: error: {e}", file=err)
        print("usage: shapecheck explain FILE --shape 384,12 [--layout all|keras|pytorch|onnx] "
              "[--format text|json]", file=err)
        return EXIT_USAGE
    except SystemExit as e:  # --help
        return int(e.code or 0)
    loaded = load_model(args, "shapecheck explain")
    if isinstance(loaded, int):
        return loaded
    report, finding_lines = loaded
    if not report.layers:
        for line in finding_lines:
            print(line, file=err)
        return EXIT_FINDINGS

    from ..explain import LAYOUTS, lookup, summary

    layouts = LAYOUTS if args.layout == "all" else (args.layout,)
    result = lookup(report, query, layouts)
    if args.format == "json":
        out.write(json.dumps({"path": report.path, "summary": summary(result, report),
                              **result.to_dict()}, indent=2) + "\n")
    else:
        out.write(render(report.path, result, summary(result, report)) + "\n")
    if not report.ok:  # the lookup covers the layers that could be analysed
        print(f"(the model has errors, and the layers they stop are not searched; run "
              f"`shapecheck {report.path}` for them)", file=err)
    return EXIT_OK


def render(path: str | None, result, headline: str) -> str:
    lines = [f"{path}: where a {fmt_shape(result.query)} tensor comes from", ""]
    lines += textwrap.wrap(headline, WIDTH)
    shown = result.matches or result.nearest
    if result.nearest:
        lines += ["", "Nearest shapes:"]
    layout = None
    for m in shown:
        if m.layout != layout:
            layout = m.layout
            lines += ["", f"{layout}:"]
        lines.append(f"  {m.path} {fmt_shape(m.of_shape)}: {m.relation}"
                     + (f" -> {fmt_shape(m.shape)}" if result.nearest else ""))
        text = m.explanation.split(". ", 1)[0] + "." if result.nearest else m.explanation
        lines += textwrap.wrap(text, WIDTH, initial_indent="      ", subsequent_indent="      ")
    return "\n".join(lines)
