"""``shapecheck FILE...``: exit 0 when no file has errors, 1 when one has findings
(errors, or a file that is not a valid model), 2 when the command itself failed
(a bad flag, a missing file)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Sequence

from . import __version__
from .dims import MAX_SIZE

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github", "markdown")


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would exit; main() decides the code
        raise _UsageError(message)


def _parser() -> _Parser:
    p = _Parser(prog="shapecheck", description="Check a Keras model's shapes statically and "
                "explain every weight, without TensorFlow.")
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="model files (specs, Keras/TF.js configs, .keras, .h5) or folders of them")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: text, or [tool.shapecheck] format)")
    p.add_argument("--only-models", action="store_true",
                   help="skip files that hold no model, judged by content (the pre-commit hook's "
                   "mode: other YAML and JSON pass untouched)")
    p.add_argument("--dim", action="append", default=[], metavar="NAME=VALUE",
                   help="bind a named size for this run, e.g. --dim t=4995 (repeatable)")
    p.add_argument("--config", metavar="PYPROJECT",
                   help="read [tool.shapecheck] from this file (default: the nearest pyproject.toml "
                   "at or above the current folder that has one)")
    p.add_argument("--no-config", action="store_true", help="ignore pyproject.toml")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="text format: the findings and the summary only (the hook's mode)")
    p.add_argument("--no-explain", action="store_true",
                   help="text format: the table and diagnostics only, no weight explanations")
    p.add_argument("--version", action="version", version=f"shapecheck {__version__}")
    return p


def _bindings(items: list[str]) -> dict[str, int]:
    out = {}
    for item in items:
        m = re.fullmatch(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\d+)\s*", item)
        if not m:
            raise _UsageError(f"--dim {item[:80]!r}: expected NAME=INT, e.g. --dim t=4995")
        digits = m.group(2).lstrip("0") or "0"
        if len(digits) > 13 or int(digits) > MAX_SIZE:
            raise _UsageError(f"--dim {m.group(1)}: larger than any size (2**40 = {MAX_SIZE:,})")
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


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
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


def _main(argv: Sequence[str] | None) -> int:
    out, err = sys.stdout, sys.stderr
    try:
        args = _parser().parse_args(argv)
        dims = _bindings(args.dim)
    except _UsageError as e:
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

        color = out.isatty() and not os.environ.get("NO_COLOR")
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
