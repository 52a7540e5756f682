"""Any YAML or JSON text into located data (``located.LocDict``/``LocList``), by the
fastest reader that reads it exactly: ``located_json`` for plain JSON (the megabyte
Keras configs), ``located_yaml`` for the block YAML specs are written in, and PyYAML
(``pyyaml_loader``) for everything else, which also judges what is invalid.
"""

from __future__ import annotations

import re

from ..diagnostics import Diagnostic, Location, make
from .located import MAX_DEPTH

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# `initial_state: [enc[1], enc[2]]` is how people write references, but YAML forbids
# `[` inside a plain scalar in a flow sequence. When a document fails to parse, it is
# read again with `name[k]` written `name(k)`: the same length, so every line and
# column stays right, and the reference reader accepts both spellings.
_FLOW_REF = r"(?<=[A-Za-z0-9_])\[(-?\d+)\]"  # a pattern, compiled (by re) only when a document fails

_BRACKETS = re.compile(r'[\[\]{}]|"(?:[^"\\]|\\.)*"')


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest bracket nesting, strings skipped; stops counting past ``limit``.
    A quick estimate: a quote inside a plain or single-quoted scalar can hide
    brackets from it (``pyyaml_loader.parsed_depth`` is exact)."""
    depth = deepest = 0
    for m in _BRACKETS.finditer(text):
        ch = m.group()
        if ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif ch in "]}":
            depth -= 1
    return deepest


def _too_deep(what: str, path: str | None) -> list[Diagnostic]:
    return [make("SC101", f"not a model: {what} nested more than {MAX_DEPTH} levels deep",
                 Location(path, 1, 1), hint="a Keras config or a spec nests a few levels, not hundreds")]


def load(text: str, path: str | None = None, json: bool = False) -> tuple[Any, list[Diagnostic]]:
    """Parse one document (``json=True``: with JSON's number syntax). Returns
    (data or None, diagnostics). Plain JSON and the usual block YAML of specs are read
    by fast readers (``located_json``, ``located_yaml``) that give the same data and
    locations; whatever they step aside for, PyYAML reads."""
    if json:
        from . import located_json

        data = located_json.load(text, path)
        if data is not None:
            return data, []
    what = "JSON" if json else "YAML"
    if nesting_depth(text) > MAX_DEPTH:
        return None, _too_deep(what, path)
    if not json:
        from . import located_yaml

        data = located_yaml.load(text, path)
        if data is not None:
            return data, []
    from .pyyaml_loader import CLoader, JsonLoader, Loader, load_with, parsed_depth

    cls = JsonLoader if json else Loader
    if issubclass(cls, CLoader) and parsed_depth(text) > MAX_DEPTH:
        return None, _too_deep(what, path)
    data, found = load_with(cls, text, path)
    if data is None and found and found[0].code == "SC101" and re.search(_FLOW_REF, text):
        retry, refound = load_with(cls, re.sub(_FLOW_REF, r"(\1)", text), path)
        if retry is not None:
            return retry, refound
    return data, found

