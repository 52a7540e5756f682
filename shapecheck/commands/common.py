"""What every command shares: exit codes, the argument parser that reports instead of
exiting, the options of commands that analyse a model (``--dim``, ``--config``), and
loading that model with the project's configuration."""

from __future__ import annotations

import argparse
import os
import re
import sys

from ..dims import MAX_SIZE

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class CommandLineError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would exit; main() decides the code
        raise CommandLineError(message)

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse makes a formatter for every argument added, to check that it formats,
        # and sizes it to the terminal through shutil, whose import (its archive modules)
        # is 3 ms of a start: the width, as shutil.get_terminal_size finds it, from os.
        return self.formatter_class(prog=self.prog, width=_columns() - 2)


def _columns() -> int:
    try:
        if int(os.environ["COLUMNS"]) > 0:
            return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


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
    from ..output.text import Style, diagnostic_line

    try:
        dims = bindings(args.dim)
    except CommandLineError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    if not os.path.isfile(args.file):
        print(f"{prog}: error: {args.file}: no such file", file=sys.stderr)
        return EXIT_USAGE
    config = project_config(args)
    if isinstance(config, str):
        print(f"{prog}: error: {config}", file=sys.stderr)
        return EXIT_USAGE
    from ..api import analyze_file
    from ..records import replace

    custom = config.custom_layers
    if custom is not None:
        custom = replace(custom, found=())
    try:
        report = analyze_file(args.file, {**config.dims, **dims}, custom)
    except OSError as e:
        print(f"{prog}: error: {args.file}: {e.strerror or e}", file=sys.stderr)
        return EXIT_USAGE
    if config.severity:
        from ..config import apply_severity

        report = apply_severity(report, config.severity)
    lines = [diagnostic_line(d, config.path, Style(False)) for d in config.found]
    lines += [diagnostic_line(d, report.path, Style(False)) for d in report.diagnostics]
    return report, lines


def use_color(choice: str, stream) -> bool:
    """Colour on a terminal unless NO_COLOR is set to anything non-empty (no-color.org);
    ``--color always|never`` wins over both."""
    if choice != "auto":
        return choice == "always"
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and not os.environ.get("NO_COLOR")


# Patterns, compiled (by re) only for a run given --dim.
_BINDING = r"\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*=\s*(.*?)\s*"
_SIZES = r"[(\[]\s*(\d+(?:\s*,\s*\d+)*)?\s*,?\s*[)\]]"


def bindings(items: list[str]) -> dict[str, int | tuple[int, ...]]:
    """``--dim NAME=VALUE``: a named size (``t=4995``), or for Python source a value the
    file gets from data, by the name the file uses (``x_train.shape=(60000, 28, 28)``)."""
    out: dict[str, int | tuple[int, ...]] = {}
    for item in items:
        m = re.fullmatch(_BINDING, item)
        if not m:
            raise CommandLineError(f"--dim {item[:80]!r}: expected NAME=INT, e.g. --dim t=4995")
        name, value = m.groups()
        if value.isdigit():
            out[name] = _size(name, value)
            continue
        sizes = re.fullmatch(_SIZES, value)
        if not sizes:
            raise CommandLineError(f"--dim {item[:80]!r}: expected NAME=INT or NAME=(INT, ...), "
                                   "e.g. --dim t=4995 or --dim x_train.shape=(60000,28,28)")
        out[name] = tuple(_size(name, d.strip()) for d in (sizes.group(1) or "").split(",") if d.strip())
    return out


def _size(name: str, digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    if digits == "0":
        raise CommandLineError(f"--dim {name}=0: a size is a positive integer")
    if len(digits) > 13 or int(digits) > MAX_SIZE:
        raise CommandLineError(f"--dim {name}: larger than any size (2**40 = {MAX_SIZE:,})")
    return int(digits)


def project_config(args):
    """The project's [tool.shapecheck], or an error message for a --config that is missing."""
    from .. import config

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


def write(out, text: str | list[str]) -> None:
    """Print ``text``, or its lines (a slice of them joined at a time: a large report's
    text is not held again whole, joined and then encoded), with what the terminal's
    encoding cannot show escaped (a name in Greek on a Latin-1 terminal) rather than
    failing."""
    lines = [text] if isinstance(text, str) else text
    for i in range(0, len(lines), _SLICE):
        _print(out, "\n".join(lines[i:i + _SLICE]))


def write_pieces(out, pieces: list[str]) -> None:
    """Print the text these pieces make, and a line break, writing them one by one: a
    document made of large pieces is never copied whole, joined and then encoded (the
    JSON of 14 keras.applications: 5 MB, copied three times, was a twentieth of its run,
    in the part of it no second core can share)."""
    for piece in pieces:
        _print(out, piece, "")
    _print(out, "")


def _print(out, text: str, end: str = "\n") -> None:
    try:
        print(text, file=out, end=end)
    except UnicodeEncodeError:
        encoding = getattr(out, "encoding", None) or "utf-8"
        print(text.encode(encoding, "backslashreplace").decode(encoding), file=out, end=end)


_SLICE = 2048  # lines written at once (a layer's explanation is one)


def clip(text: str, n: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "..."
