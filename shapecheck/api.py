"""The library API: ``analyze(source)`` returns a Report; it never prints or exits,
and a faulty spec gives a report with diagnostics rather than an exception."""

from __future__ import annotations

import os
from typing import Any, Mapping

from .diagnostics import Location, make
from .reading.spec import read_spec
from .report import Report


def analyze(source: Any, dims: Mapping[str, int] | None = None) -> Report:
    """Analyse a model.

    ``source`` is a path to a spec file (YAML or JSON) or a dict in spec form.
    ``dims`` binds named sizes for this run (``{"t": 4995}``), like ``--dim``.
    Raises ``FileNotFoundError`` only when the path does not exist.
    """
    if isinstance(source, Mapping):
        return analyze_data(dict(source), None, "dict", dims)
    path = os.fspath(source)
    with open(path, "rb") as fh:
        raw = fh.read()
    return analyze_bytes(raw, path, dims)


def analyze_bytes(raw: bytes, path: str, dims: Mapping[str, int] | None = None) -> Report:
    fmt = "json" if path.lower().endswith(".json") else "yaml"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return _unreadable(path, fmt, make("SC101", f"not UTF-8 text: {e.reason} at byte {e.start}",
                                           Location(path, 1, 1), hint="save the spec as UTF-8"))
    from .reading.yaml_spec import load

    data, found = load(text, path)
    if data is None and found:
        return _unreadable(path, fmt, *found)
    return analyze_data(data, path, fmt, dims, found)


def analyze_data(data: Any, path: str | None, fmt: str, dims: Mapping[str, int] | None = None,
                 found: list | None = None) -> Report:
    from .engine import run

    spec, spec_found = read_spec(data, path, fmt, dims)
    found = list(found or ()) + spec_found
    if spec is None:
        return _unreadable(path, fmt, *found)
    return run(spec, found)


def _unreadable(path: str | None, fmt: str, *diags) -> Report:
    return Report(path, fmt, None, {}, (), {}, tuple(diags), None, None)
