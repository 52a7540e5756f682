"""``shapecheck FILE...``, the main command: check every model file (or folder of them)
and print the reports in one format."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

from ..version import __version__
from . import files
from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    CommandLineError,
    Parser,
    add_model_options,
    bindings,
    project_config,
    use_color,
    write,
    write_pieces,
)

FORMATS = ("text", "json", "sarif", "github", "markdown", "html")


def parser() -> Parser:
    p = Parser(prog="shapecheck", description="Check a Keras model's shapes statically and "
                "explain every weight, without TensorFlow.",
                epilog="other commands: `shapecheck graph FILE -o model.svg` draws the model with its "
                "shapes; `shapecheck explain FILE --shape 384,12` says where a tensor of that shape "
                "comes from; `shapecheck infer-config weights.h5` writes a spec from stored weights. "
                "Each takes --help.")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="model files (specs, Keras/TF.js configs, .keras, .h5) or folders of them")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: text, or [tool.shapecheck] format)")
    p.add_argument("--only-models", action="store_true",
                   help="skip files that hold no model, judged by content (the pre-commit hook's "
                   "mode: other YAML and JSON pass untouched)")
    add_model_options(p)
    p.add_argument("-q", "--quiet", action="store_true",
                   help="text format: the findings and the summary only (the hook's mode)")
    p.add_argument("--layout", choices=("keras", "pytorch", "onnx"), default="keras",
                   help="report the weights as this framework holds the equivalent layers (names, "
                   "shapes, gate order, the transform from Keras's arrays) and count params as it does")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                   help="text format: colour the codes and titles (auto: only on a terminal, and not "
                   "when the NO_COLOR environment variable is set)")
    p.add_argument("--no-explain", action="store_true",
                   help="text format: the table and diagnostics only, no weight explanations")
    p.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                   help="check the files in N processes (default: the SHAPECHECK_JOBS environment "
                   "variable, else one per core, used only when there are enough files to pay for "
                   "it; 1: in this process). The output is the same")
    p.add_argument("--version", action="version", version=f"shapecheck {__version__}")
    return p


def files_to_check(given: list[str], only_models: bool) -> tuple[list[str], frozenset[str]]:
    """The files to check, in order: each given file, and each folder's files with a
    model's extension, sorted, hidden folders left out; and those of them that are
    checked only if their content holds a model (a folder's, or all with
    ``only_models``). That judgement reads each file, so it is made where the file is
    checked, on every core (``files.check_one``), not here, one file after another."""
    from ..api import MODEL_SUFFIXES

    out: list[str] = []
    judge: set[str] = set()
    for item in given:
        if os.path.isdir(item):
            from ..reading.saved_model import is_saved_model

            if is_saved_model(item):  # a TensorFlow SavedModel folder is one model
                out.append(item)
                continue
            found = []
            for root, dirs, names in os.walk(item):
                saved = sorted(d for d in dirs if is_saved_model(os.path.join(root, d)))
                found += [os.path.normpath(os.path.join(root, d)) for d in saved]
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in saved)
                found += [os.path.normpath(os.path.join(root, n)) for n in names
                          if n.lower().endswith(MODEL_SUFFIXES) and not n.startswith(".")]
            found.sort()
            out += found
            judge.update(found)
        else:
            out.append(item)
            if only_models:
                judge.add(item)
    return out, frozenset(judge)


def main(argv: Sequence[str], exiting: bool = False) -> int:
    out, err = sys.stdout, sys.stderr
    try:
        args = parser().parse_args(argv)
        dims = bindings(args.dim)
    except CommandLineError as e:
        print(f"shapecheck: error: {e}", file=err)
        print(f"usage: shapecheck FILE|FOLDER... [--format {'|'.join(FORMATS)}] [--dim NAME=VALUE]",
              file=err)
        return EXIT_USAGE
    except SystemExit as e:  # --help and --version
        return int(e.code or 0)

    missing = [f for f in args.files if not os.path.isfile(f) and not os.path.isdir(f)]
    if missing:
        for f in missing:
            print(f"shapecheck: error: {f}: no such file", file=err)
        return EXIT_USAGE

    reports: list = []
    config = project_config(args)
    if isinstance(config, str):
        print(f"shapecheck: error: {config}", file=err)
        return EXIT_USAGE
    if config.found:  # the configuration's own problems, reported once as its own file
        from ..report import Report

        reports.append(Report(config.path, "pyproject", None, {}, (), {}, config.found, None, None))
    dims = {**config.dims, **dims}
    custom = config.custom_layers
    if custom is not None:
        from ..records import replace

        custom = replace(custom, found=())
    fmt = args.format or config.format or "text"
    by_parts = fmt in ("text", "json")  # a part per report, made where it is analysed
    paths, judge = files_to_check(args.files, args.only_models)
    opts = files.Options(dims, custom, args.layout, dict(config.severity or {}), fmt,
                         by_parts and fmt == "text" and use_color(args.color, out),
                         not args.no_explain, args.quiet, judge)
    parts: list[files.Part] = []
    if by_parts:
        parts, reports = [files.part_of(r, opts) for r in reports], []
    crashed = False
    # The analysis makes no reference cycles to free: the cyclic collector was a fifth of
    # the time on large configs, for nothing. Turned back on, it would walk every object
    # the analysis kept at the next allocation (a tenth of a run on 14 configs): a
    # process that ends with the report leaves it off.
    collecting = gc.isenabled()
    gc.disable()
    try:
        if by_parts:
            for outcome in files.outcomes(paths, opts, files.job_count(args.jobs, paths)):
                if outcome.os_error:
                    print(outcome.os_error, file=err)
                    return EXIT_USAGE
                if outcome.crash:
                    crashed = True
                    print(outcome.crash, file=err)
                parts += outcome.parts
        else:
            for path in paths:
                got = files.check_one(path, opts, as_reports=True)
                if isinstance(got, list):
                    reports += got
                elif got.os_error:
                    print(got.os_error, file=err)
                    return EXIT_USAGE
                else:
                    crashed = True
                    print(got.crash, file=err)
    finally:
        if collecting and not exiting:  # main() called in a longer-lived process (tests)
            gc.enable()
    document: list[str] | None = None  # JSON: its files' entries, between the document's pieces
    lines: list[str] = []
    if fmt == "json":
        from ..output.json_format import pieces

        document = pieces(["\n".join(p.text) for p in parts if p.text is not None])
    elif fmt == "text":
        from ..output.text import summary_counts

        parts = files.without_repeats(parts)
        said = files.summary_of(parts, summary_counts)
        if args.quiet and args.only_models:
            # The hook's mode: pre-commit runs batches in parallel and shows every batch's
            # output when one fails; a clean batch's "ok: 12 files" would contradict the
            # failing one's count, so a clean batch says nothing and a failing one says
            # that its count is its own.
            said = "" if not any(p.has_findings for p in parts) else f"{said} (in this batch of files)"
        # the files' texts and the summary, a blank line apart: their lines, never joined whole
        for i, item in enumerate([p.text for p in parts if p.text is not None] + ([[said]] if said else [])):
            if i:
                lines.append("")
            lines += item or [""]
    else:
        reports = files.reports_without_repeats(reports)
        if args.layout != "keras":
            from ..layouts import relayout

            reports = [relayout(r, args.layout) if r.layers else r for r in reports]
        if config.severity:
            from ..config import apply_severity

            reports = [apply_severity(r, config.severity) for r in reports]
        import importlib

        lines = [importlib.import_module(f"..output.{fmt}", __package__).render(reports)]
    # rendered whole first: a failure leaves no half-written report
    if document is not None:
        write_pieces(out, document)
    elif len(lines) > 1 or lines and lines[0]:  # the hook's clean batch prints nothing at all
        write(out, lines)
    if crashed:
        return EXIT_USAGE
    return EXIT_OK if all(p.ok for p in parts) and all(r.ok for r in reports) else EXIT_FINDINGS
