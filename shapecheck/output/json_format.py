"""The JSON format, version 1 (schema: ``shapecheck/schema/report.schema.json``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring_ascii as _string

from ..dims import to_json
from ..report import Report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

VERSION = 1


def document(reports: list[Report]) -> dict:
    return {"version": VERSION, "files": [r.to_dict() for r in reports]}


def render(reports: list[Report]) -> str:
    return from_entries([file_entry(r) for r in reports])


def file_entry(report: Report) -> str:
    """One report's entry in ``files``, as ``render`` writes it (indented for its
    place): made where the report is, so a pool's workers send text, not reports.
    Its layers are written from the report itself (``_layers``), the rest as data."""
    members = [f"{_string(key)}: " + (_layers(report, 3) if key == "layers" else dumps(value, 3))
               for key, value in report.to_dict(layers=False).items()]
    return _object(members, 2)


def from_entries(entries: list[str]) -> str:
    """The document of the reports whose ``file_entry`` these are: ``dumps(document(...))``."""
    return "".join(pieces(entries))


def pieces(entries: list[str]) -> list[str]:
    """``from_entries``'s document in pieces, the entries themselves among them, to be
    written one by one (``commands.common.write_pieces``)."""
    if not entries:
        return [dumps(document([]))]
    out = [f'{{\n  "version": {VERSION},\n  "files": [\n    ']
    for entry in entries:
        out += (entry, ",\n    ")
    out[-1] = "\n  ]\n}"
    return out


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


def _scalar(v: Any) -> str | None:
    """A scalar's text as ``json.dumps`` writes it; None for anything else."""
    tv = v.__class__
    if tv is str:
        return _string(v)
    if tv is int:
        return _int(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if tv is float:
        return _float_text(v)
    return None


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

    def scalar(v: object) -> bool:
        text = _scalar(v)
        if text is None:
            return False
        add(text)
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
                elif not scalar(v):
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
                elif not scalar(v):
                    container(v, inner)
            add(nl + "]")
        else:
            raise _Unusual

    try:
        if not scalar(value):
            container(value, "\n" + "  " * depth)
    except (_Unusual, RecursionError):
        text = json.dumps(value, indent=2)
        return text.replace("\n", "\n" + "  " * depth) if depth else text
    return "".join(out)


# --- a report's layers, written from the report ------------------------------------------
# What ``dumps(report.to_dict()["layers"])`` writes, byte for byte
# (``tests/test_perf_guard.py`` compares them), without making the dicts first, and with
# each weight's axes and each shape object written once (``_once``): the engine shares
# equal axes between layers, and they are a quarter of a report's text. A JSON run of the
# 14 keras.applications spent a sixth of its time making and writing these dicts; this
# takes half as long.

_NL = tuple("\n" + "  " * depth for depth in range(12))  # a report's layers take levels 3 to 9


def _layers(report: Report, depth: int) -> str:
    if not report.layers:
        return "[]"
    written: dict[tuple, tuple[str, Any]] = {}  # see _once
    return _array([_layer(report, layer, depth + 1, written) for layer in report.layers.values()], depth)


def _layer(report: Report, layer: Any, depth: int, written: dict) -> str:
    if layer.calls or report.layer_layouts.get(layer.name) is not None:
        return dumps(report._layer_dict(layer), depth)  # a shared layer's calls, a layout: rare
    loc = layer.location
    return _object([
        '"name": ' + _text(layer.name),
        '"type": ' + _text(layer.type),
        '"input_shapes": ' + _shapes(layer.input_shapes, depth + 1, written),
        '"output_shapes": ' + ("null" if layer.output_shapes is None
                               else _shapes(layer.output_shapes, depth + 1, written)),
        '"params": ' + _text(to_json(layer.params)),
        '"location": ' + (_object(['"line": ' + _text(loc.line), '"column": ' + _text(loc.column)], depth + 1)
                          if loc.cell is None else dumps(loc.to_dict(), depth + 1)),
        '"weights": ' + _weights(layer.weights, depth + 1, written),
        '"status": ' + _text(layer.status),
    ], depth)


def _weights(weights: tuple, depth: int, written: dict) -> str:
    if not weights:
        return "[]"
    out = []
    for w in weights:
        members = ['"path": ' + _text(w.path),
                   '"shape": ' + _once(w.axes, depth + 2, written, _axes_shape),
                   '"trainable": ' + _text(w.trainable),
                   '"axes": ' + _once(w.axes, depth + 2, written, _axes)]
        if w.tf_keras_path:
            members.append('"tf_keras_path": ' + _text(w.tf_keras_path))
        out.append(_object(members, depth + 1))
    return _array(out, depth)


def _once(value: tuple, depth: int, written: dict, write: Callable[[tuple, int], str]) -> str:
    """``write(value, depth)``, once per object: an output shape is the next layer's input
    shape, and equal axes are one object (see ``_layers``). The object is kept in
    ``written`` with its text, so that its id is not another's while the report is written."""
    key = (id(value), depth, write)
    got = written.get(key)
    if got is None:
        got = written[key] = (write(value, depth), value)
    return got[0]


def _axes(axes: tuple, depth: int) -> str:
    return _array([_object(['"size": ' + _size(a.size), '"formula": ' + _text(a.formula),
                            '"why": ' + _text(a.why)], depth + 1) for a in axes], depth)


def _axes_shape(axes: tuple, depth: int) -> str:
    return _array([_size(a.size) for a in axes], depth)


def _shapes(shapes: tuple, depth: int, written: dict) -> str:
    return _array([_once(s, depth + 1, written, _shape) for s in shapes], depth)


def _shape(shape: tuple, depth: int) -> str:
    return _array(list(map(_size, shape)), depth)


def _size(d: Any) -> str:
    if d is None:
        return "null"
    return _int(d) if d.__class__ is int else _text(to_json(d))


def _text(v: Any) -> str:
    text = _scalar(v)
    return dumps(v) if text is None else text


def _array(items: list[str], depth: int) -> str:
    if not items:
        return "[]"
    inner = _NL[depth + 1]
    return "[" + inner + ("," + inner).join(items) + _NL[depth] + "]"


def _object(members: list[str], depth: int) -> str:
    inner = _NL[depth + 1]
    return "{" + inner + ("," + inner).join(members) + _NL[depth] + "}"
