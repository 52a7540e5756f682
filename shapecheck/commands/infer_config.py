"""``shapecheck infer-config weights.h5``: a spec inferred from the weight shapes of a
Keras weights file (``.weights.h5``, ``.keras``, legacy ``.h5``), with what the weights
do not record listed as comments. Exit 0 when a spec was written, 1 when the file holds
no weights a spec could be inferred from (the findings say why), 2 for a usage error or
a file that cannot be opened."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .common import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, CommandLineError, Parser

PROG = "shapecheck infer-config"


def parser() -> Parser:
    p = Parser(prog=PROG, description="Infer a model spec from the weight shapes stored in a Keras "
               "weights file: each Dense, Conv (depthwise and separable too), Embedding, recurrent, "
               "Bidirectional and normalization layer's configuration. What weights do not record "
               "(activations, strides, padding, return_sequences, merge_mode, sequence lengths, "
               "connections) is listed with the value written; running shapecheck on the spec gives "
               "exactly the stored shapes of every layer it writes (a layer it cannot tell is left "
               "out, and said).")
    p.add_argument("file", metavar="FILE", help="a .weights.h5 (model.save_weights), a .keras archive "
                   "or a legacy .h5")
    p.add_argument("-o", "--output", metavar="OUT", help="write the spec to OUT (default: standard output)")
    p.add_argument("--format", choices=("yaml", "json"), default="yaml",
                   help="yaml: the spec, ambiguities as comments (default); json: the spec, the "
                   "ambiguities, each layer's stored weights and the findings")
    return p


def main(argv: Sequence[str]) -> int:
    out, err = sys.stdout, sys.stderr
    try:
        args = parser().parse_args(list(argv))
    except CommandLineError as e:
        print(f"{PROG}: error: {e}", file=err)
        print(f"usage: {PROG} FILE [-o OUT.yaml] [--format yaml|json]", file=err)
        return EXIT_USAGE
    except SystemExit as e:  # --help
        return int(e.code or 0)
    if not os.path.isfile(args.file):
        print(f"{PROG}: error: {args.file}: no such file", file=err)
        return EXIT_USAGE

    from ..infer_config import infer_file, to_json, to_spec_yaml
    from ..output.text import diagnostic_line

    try:
        inference = infer_file(args.file)
    except OSError as e:
        print(f"{PROG}: error: {args.file}: {e.strerror or e}", file=err)
        return EXIT_USAGE
    for d in inference.diagnostics:
        print(diagnostic_line(d, args.file), file=err)
    if not inference.layers:
        return EXIT_FINDINGS
    text = to_json(inference) if args.format == "json" else to_spec_yaml(inference)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as e:
            print(f"{PROG}: error: {args.output}: {e.strerror or e}", file=err)
            return EXIT_USAGE
    else:
        out.write(text)
    return EXIT_OK
