"""Read a YAML (or JSON, which is YAML) document keeping where every value came from.

Mappings become ``LocDict`` and sequences ``LocList``: plain containers that also
carry the 1-based line and column of the node and of each key, so a diagnostic can
point at ``spec.yaml:9:5``. Only PyYAML's safe constructors run: no tags that build
Python objects.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..diagnostics import Diagnostic, Location, make


class LocDict(dict):
    """A dict with ``loc`` (where the mapping starts), ``key_locs`` (where each key is)
    and ``value_locs`` (where each value starts)."""

    loc: Location
    key_locs: dict
    value_locs: dict

    def where(self, key: Any) -> Location:
        return self.key_locs.get(key, self.loc)


class LocList(list):
    loc: Location
    item_locs: list


def value_where(node: Any, key: Any, default: Location | None = None) -> Location:
    """Location of the value ``node[key]`` (where a wrong value should be pointed at)."""
    if isinstance(node, LocDict):
        return node.value_locs.get(key, node.where(key))
    return where(node, key, default)


def where(node: Any, key: Any = None, default: Location | None = None) -> Location:
    """Location of ``node[key]`` (or of ``node``) if it was read from a file."""
    if isinstance(node, LocDict):
        return node.where(key) if key is not None else node.loc
    if isinstance(node, LocList):
        if isinstance(key, int) and 0 <= key < len(node.item_locs):
            return node.item_locs[key]
        return node.loc
    return default or Location()


class _Located:
    """Constructors that record positions and report duplicate keys instead of
    silently keeping the last one (mixed into a PyYAML safe loader)."""

    path: str | None = None
    found: list[Diagnostic]

    def _loc(self, node: yaml.Node) -> Location:
        m = node.start_mark
        return Location(self.path, m.line + 1, m.column + 1)

    def construct_loc_mapping(self, node: yaml.MappingNode) -> LocDict:
        out = LocDict()
        out.loc = self._loc(node)
        out.key_locs = {}
        out.value_locs = {}
        yield out
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                key = str(key)
            if key in out:
                self.found.append(
                    make(
                        "SC103",
                        f"duplicate key {key!r}: first at line {out.key_locs[key].line}, "
                        "YAML would silently keep only the last value",
                        self._loc(key_node),
                        hint=f"remove one of the two {key!r} entries",
                    )
                )
            out[key] = self.construct_object(value_node, deep=True)
            out.key_locs[key] = self._loc(key_node)
            out.value_locs[key] = self._loc(value_node)

    def construct_loc_sequence(self, node: yaml.SequenceNode) -> LocList:
        out = LocList()
        out.loc = self._loc(node)
        out.item_locs = [self._loc(n) for n in node.value]
        yield out
        out.extend(self.construct_object(n, deep=True) for n in node.value)


class _Loader(_Located, yaml.SafeLoader):
    """For specs: PyYAML's Python parser, which (unlike libyaml) reads the bare `?` in
    `[?, t, 12]` that people write for an unknown size."""

    what = "YAML"


class _JsonLoader(_Located, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """For JSON, libyaml's parser where PyYAML has it: Keras configs run to megabytes.
    JSON is YAML, except that YAML 1.1 reads JSON's 1e-05 (no dot) as a string."""

    what = "JSON"


for _cls in (_Loader, _JsonLoader):
    _cls.add_constructor("tag:yaml.org,2002:map", _Located.construct_loc_mapping)
    _cls.add_constructor("tag:yaml.org,2002:seq", _Located.construct_loc_sequence)
    _cls.add_constructor("tag:yaml.org,2002:omap", _Located.construct_loc_mapping)


_JsonLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?[eE][-+]?[0-9]+$"),
    list("-0123456789"),
)


# `initial_state: [enc[1], enc[2]]` is how people write references, but YAML forbids
# `[` inside a plain scalar in a flow sequence. When a document fails to parse, it is
# read again with `name[k]` written `name(k)`: the same length, so every line and
# column stays right, and the reference reader accepts both spellings.
_FLOW_REF = re.compile(r"(?<=[A-Za-z0-9_])\[(-?\d+)\]")


# Far deeper than any model or spec; a parser recursing through 200,000 brackets
# would crash the process (libyaml) or exhaust Python's stack.
MAX_DEPTH = 500
_BRACKETS = re.compile(r'[\[\]{}]|"(?:[^"\\]|\\.)*"')


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest bracket nesting, strings skipped; stops counting past ``limit``."""
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


def load(text: str, path: str | None = None, json: bool = False) -> tuple[Any, list[Diagnostic]]:
    """Parse one document (``json=True``: with JSON's number syntax). Returns
    (data or None, diagnostics)."""
    what = "JSON" if json else "YAML"
    if nesting_depth(text) > MAX_DEPTH:
        return None, [make("SC101", f"not a model: {what} nested more than {MAX_DEPTH} levels deep",
                           Location(path, 1, 1),
                           hint="a Keras config or a spec nests a few levels, not hundreds")]
    cls = _JsonLoader if json else _Loader
    data, found = _load(cls, text, path)
    if data is None and found and found[0].code == "SC101" and _FLOW_REF.search(text):
        retry, refound = _load(cls, _FLOW_REF.sub(r"(\1)", text), path)
        if retry is not None:
            return retry, refound
    return data, found


def _load(cls: type, text: str, path: str | None) -> tuple[Any, list[Diagnostic]]:
    loader = cls(text)
    loader.path = path
    loader.found = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        loc = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        problem = e.problem or e.context or "syntax error"
        return None, [
            make("SC101", f"not valid {cls.what}: {problem}", loc,
                 hint="check the brackets and quotes at this position" if cls is _JsonLoader
                 else "check the indentation and brackets at this position")
        ]
    except yaml.YAMLError as e:  # e.g. more than one document
        return None, [make("SC101", f"not valid {cls.what}: {e}", Location(path, 1, 1))]
    finally:
        loader.dispose()
    return data, loader.found
