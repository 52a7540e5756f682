"""The JSON format, version 1 (schema: ``shapecheck/schema/report.schema.json``)."""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as _string

from ..report import Report

VERSION = 1


def document(reports: list[Report]) -> dict:
    return {"version": VERSION, "files": [r.to_dict() for r in reports]}


def render(reports: list[Report]) -> str:
    return from_entries([file_entry(r) for r in reports])


def file_entry(report: Report) -> str:
    """One report's entry in ``files``, as ``render`` writes it (indented for its
    place): made where the report is, so a pool's workers send text, not reports."""
    return dumps(report.to_dict(), depth=2)


def from_entries(entries: list[str]) -> str:
    """The document of the reports whose ``file_entry`` these are: ``dumps(document(...))``."""
    if not entries:
        return dumps(document([]))
    return (f'{{\n  "version": {VERSION},\n  "files": [\n    ' + ",\n    ".join(entries)
            + "\n  ]\n}")


class _Unusual(Exception):
    """A value the fast encoder leaves to the standard library's."""


_int = int.__repr__
_float = float.__repr__
_INF = float("inf")


def _float_text(x: float) -> str:
    if x != x:
        return "NaN"
    if x == _INF:
        return "Infinity"
    if x == -_INF:
        return "-Infinity"
    return _float(x)


def dumps(value: object, depth: int = 0) -> str:
    """``json.dumps(value, indent=2)``, byte for byte, about three times faster: with
    ``indent`` the standard library falls back to its pure-Python encoder (a generator per
    container), which was two fifths of a JSON run on the 14 keras.applications. This
    writes the same text into one list (strings through the same C escaper); anything
    but plain dicts with string keys, lists, tuples, strings, ints, floats, booleans and
    None goes to ``json.dumps`` whole, so the text never differs. ``depth``: the text
    for a value that many levels down in a document (its inner lines indented so)."""
    out: list[str] = []
    add = out.append

    def scalar(v: object, tv: type) -> bool:
        if tv is str:
            add(_string(v))  # type: ignore[arg-type]
        elif tv is int:
            add(_int(v))  # type: ignore[arg-type]
        elif v is None:
            add("null")
        elif v is True:
            add("true")
        elif v is False:
            add("false")
        elif tv is float:
            add(_float_text(v))  # type: ignore[arg-type]
        else:
            return False
        return True

    def container(o: object, nl: str) -> None:
        inner = nl + "  "
        if type(o) is dict:
            if not o:
                add("{}")
                return
            head = "{" + inner
            for k, v in o.items():
                if type(k) is not str:
                    raise _Unusual
                add(head + _string(k) + ": ")
                head = "," + inner
                tv = type(v)
                if tv is str:
                    add(_string(v))
                elif tv is int:
                    add(_int(v))
                elif not scalar(v, tv):
                    container(v, inner)
            add(nl + "}")
        elif type(o) is list or type(o) is tuple:
            if not o:
                add("[]")
                return
            head = "[" + inner
            for v in o:
                add(head)
                head = "," + inner
                tv = type(v)
                if tv is str:
                    add(_string(v))
                elif tv is int:
                    add(_int(v))
                elif not scalar(v, tv):
                    container(v, inner)
            add(nl + "]")
        else:
            raise _Unusual

    try:
        if not scalar(value, type(value)):
            container(value, "\n" + "  " * depth)
    except (_Unusual, RecursionError):
        text = json.dumps(value, indent=2)
        return text.replace("\n", "\n" + "  " * depth) if depth else text
    return "".join(out)
