"""``shapecheck FILE...``: exit 0 when no file has errors, 1 when one has findings
(errors, or a file that is not a valid model), 2 when the command itself failed
(a bad flag, a missing file)."""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
from typing import Sequence

from . import __version__
from .dims import MAX_SIZE

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github", "markdown")


class CommandLineError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would exit; main() decides the code
        raise CommandLineError(message)


def _parser() -> Parser:
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
    p.add_argument("--version", action="version", version=f"shapecheck {__version__}")
    return p


def add_model_options(p: argparse.ArgumentParser) -> None:
    """The options every command that analyses a model shares."""
    p.add_argument("--dim", action="append", default=[], metavar="NAME=VALUE",
                   help="bind a named size for this run, e.g. --dim t=4995 (repeatable)")
    p.add_argument("--config", metavar="PYPROJECT",
                   help="read [tool.shapecheck] from this file (default: the nearest pyproject.toml "
                   "at or above the current folder that has one)")
    p.add_argument("--no-config", action="store_true", help="ignore pyproject.toml")


def load_model(args, prog: str):
    """Analyse the one model a subcommand is given (``args.file``), with the
    configuration and ``--dim`` bindings: (report, its findings as text lines), or
    an exit code after printing why the command failed."""
    from .output.text import Style, diagnostic_line

    try:
        dims = _bindings(args.dim)
    except CommandLineError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if not os.path.isfile(args.file):
        print(f"{prog}: error: {args.file}: no such file", file=sys.stderr)
        return EXIT_USAGE
    config = _config(args)
    if isinstance(config, str):
        print(f"{prog}: error: {config}", file=sys.stderr)
        return EXIT_USAGE
    from dataclasses import replace

    from .api import analyze_file

    custom = config.custom_layers
    if custom is not None:
        custom = replace(custom, found=())
    try:
        report = analyze_file(args.file, {**config.dims, **dims}, custom)
    except OSError as e:
        print(f"{prog}: error: {args.file}: {e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE
    if config.severity:
        from .config import apply_severity

        report = apply_severity(report, config.severity)
    lines = [diagnostic_line(d, config.path, Style(False)) for d in config.found]
    lines += [diagnostic_line(d, report.path, Style(False)) for d in report.diagnostics]
    return report, lines


# The subcommands, by the name that selects them: ``shapecheck graph FILE``. A file
# of that name is still checked when written as a path (``./graph``).
SUBCOMMANDS = {"graph": "graph", "explain": "explain", "infer-config": "infer_config"}


def use_color(choice: str, stream) -> bool:
    """Colour on a terminal unless NO_COLOR is set to anything non-empty (no-color.org);
    ``--color always|never`` wins over both."""
    if choice != "auto":
        return choice == "always"
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


def _bindings(items: list[str]) -> dict[str, int]:
    out = {}
    for item in items:
        m = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\d+)\s*", item)
        if not m:
            raise CommandLineError(f"--dim {item[:80]!r}: expected NAME=INT, e.g. --dim t=4995")
        digits = m.group(2).lstrip("0") or "0"
        if len(digits) > 13 or int(digits) > MAX_SIZE:
            raise CommandLineError(f"--dim {m.group(1)}: larger than any size (2**40 = {MAX_SIZE:,})")
        out[m.group(1)] = int(digits)
    return out


def _files(given: list[str], only_models: bool) -> list[str]:
    """The files to check, in order: each given file, and each folder's model files
    (by extension, then by content), sorted, hidden folders left out."""
    from .api import MODEL_SUFFIXES, is_model_file

    out = []
    for item in given:
        if os.path.isdir(item):
            found = []
            for root, dirs, names in os.walk(item):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [os.path.normpath(os.path.join(root, n)) for n in names
                          if n.lower().endswith(MODEL_SUFFIXES) and not n.startswith(".")]
            out += [f for f in sorted(found) if is_model_file(f)]
        elif not only_models or is_model_file(item):
            out.append(item)
    return out


def _config(args):
    """The project's [tool.shapecheck], or an error message for a --config that is missing."""
    from . import config

    if args.no_config:
        return config.Config()
    path = args.config
    if path is None:
        path = config.find(".")
        if path is None:
            return config.Config()
    elif not os.path.isfile(path):
        return f"--config {path}: no such file"
    try:
        return config.load(path)
    except OSError as e:
        return f"{path}: {e.strerror or e}"


def main(argv: Sequence[str] | None = None, *, exiting: bool = False) -> int:
    """Run the command line; ``exiting`` when the process ends with it (the console
    script), so the cyclic collector need not come back on for the report's objects."""
    try:
        return _main(argv, exiting)
    except BrokenPipeError:  # `shapecheck ... | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        print("shapecheck: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug of ours outside any one file: one line, no traceback
        print(f"shapecheck: internal error: {type(e).__name__}: {_clip(str(e))} "
              "(this is a shapecheck bug; please report it)", file=sys.stderr)
        return EXIT_USAGE


def _write(out, text: str) -> None:
    """Print, with what the terminal's encoding cannot show escaped (a name in Greek on
    a Latin-1 terminal) rather than failing."""
    try:
        print(text, file=out)
    except UnicodeEncodeError:
        encoding = getattr(out, "encoding", None) or "utf-8"
        print(text.encode(encoding, "backslashreplace").decode(encoding), file=out)


def _clip(text: str, n: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "..."


def entry() -> int:
    """The console script and ``python -m shapecheck``."""
    return main(exiting=True)


def _main(argv: Sequence[str] | None, exiting: bool = False) -> int:
    out, err = sys.stdout, sys.stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        import importlib

        return importlib.import_module(f".commands.{SUBCOMMANDS[argv[0]]}", __package__).main(argv[1:])
    try:
        args = _parser().parse_args(argv)
        dims = _bindings(args.dim)
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

    from .api import analyze_file

    reports = []
    config = _config(args)
    if isinstance(config, str):
        print(f"shapecheck: error: {config}", file=err)
        return EXIT_USAGE
    if config.found:  # the configuration's own problems, reported once as its own file
        from .report import Report

        reports.append(Report(config.path, "pyproject", None, {}, (), {}, config.found, None, None))
    dims = {**config.dims, **dims}
    custom = config.custom_layers
    if custom is not None:
        from dataclasses import replace

        custom = replace(custom, found=())
    severity = config.severity
    fmt = args.format or config.format or "text"
    crashed = False
    # The analysis makes no reference cycles to free: the cyclic collector was a fifth of
    # the time on large configs, for nothing. Turned back on, it would walk every object
    # the analysis kept at the next allocation (a tenth of a run on 14 configs): a
    # process that ends with the report leaves it off.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for path in _files(args.files, args.only_models):
            try:
                reports.append(analyze_file(path, dims, custom))
            except OSError as e:
                print(f"shapecheck: error: {path}: {e.strerror or e}", file=err)
                return EXIT_USAGE
            except Exception as e:  # a bug of ours: say so plainly, keep checking the rest
                crashed = True
                print(f"shapecheck: internal error on {path}: {type(e).__name__}: {_clip(str(e))} "
                      "(this is a shapecheck bug; please report it with the file)", file=err)
    finally:
        if collecting and not exiting:  # main() called in a longer-lived process (tests)
            gc.enable()
    if args.layout != "keras":
        from .layouts import relayout

        reports = [relayout(r, args.layout) if r.layers else r for r in reports]
    if severity:
        from .config import apply_severity

        reports = [apply_severity(r, severity) for r in reports]
    if fmt == "json":
        from .output.json_format import render as render_json

        text = render_json(reports)
    elif fmt in ("sarif", "github", "markdown"):
        import importlib

        text = importlib.import_module(f".output.{fmt}", __package__).render(reports)
    else:
        from .output.text import render, summary

        color = use_color(args.color, out)
        if args.quiet:
            from .output.text import Style, diagnostic_line

            parts = ["\n".join(diagnostic_line(d, r.path, Style(color)) for d in r.diagnostics)
                     for r in reports if r.diagnostics]
        else:
            parts = [render(report, color=color, explain=not args.no_explain) for report in reports]
        text = "\n\n".join(parts + [summary(reports)])
    _write(out, text)  # rendered whole first: a failure leaves no half-written report
    if crashed:
        return EXIT_USAGE
    return EXIT_OK if all(r.ok for r in reports) else EXIT_FINDINGS
