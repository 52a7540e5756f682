"""Read a YAML (or JSON, which is YAML) document keeping where every value came from.

Mappings become ``LocDict`` and sequences ``LocList``: plain containers that also
carry the 1-based line and column of the node and of each key, so a diagnostic can
point at ``spec.yaml:9:5``. Only PyYAML's safe constructors run: no tags that build
Python objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, MutableMapping
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


class LazyLocations(MutableMapping):
    """key -> Location, each made from its offset in the text when first read: a
    layer's config has a dozen keys, and a diagnostic points at one of them, if any.

    The offsets themselves may be found only when first needed (``entries``, ``part``
    1 for the keys, 2 for the values), with the key set known up front (``keys``), so
    that asking whether a key is there, or setting one, finds nothing in the text.
    ``copy()`` stays lazy (``dict(...)`` would make every Location)."""

    __slots__ = ("_at", "_data", "_entries", "_part", "_keys", "_set")

    def __init__(self, at: Callable[[int], Location], data: dict[Any, Any] | None = None,
                 entries: Callable[[], list] | None = None, part: int = 1, keys: frozenset = frozenset(),
                 set_: dict[Any, Any] | None = None) -> None:
        self._at = at
        self._data = data  # key -> offset (an int) or Location; None: not found yet
        self._entries = entries
        self._part = part
        self._keys = keys  # the keys the entries will have
        self._set = set_ or {}  # set before the entries were found

    def _found(self) -> dict[Any, Any]:
        data = self._data
        if data is None:
            part = self._part
            data = self._data = {span[0]: span[part] for span in self._entries()}
            data.update(self._set)
            self._entries, self._set = None, {}
        return data

    def __getitem__(self, key: Any) -> Location:
        data = self._data
        if data is None:
            if key in self._set:
                data = self._set
            elif key not in self._keys:
                raise KeyError(key)
            else:
                data = self._found()
        value = data[key]
        if value.__class__ is int:
            value = data[key] = self._at(value)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def __contains__(self, key: object) -> bool:
        if self._data is None:
            return key in self._set or key in self._keys
        return key in self._data

    def __setitem__(self, key: Any, value: Location) -> None:
        if self._data is None:
            self._set[key] = value
        else:
            self._data[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._found()[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._found())

    def __len__(self) -> int:
        return len(self._found())

    def copy(self) -> LazyLocations:
        if self._data is None:
            return LazyLocations(self._at, None, self._entries, self._part, self._keys, dict(self._set))
        return LazyLocations(self._at, dict(self._data))

    def __repr__(self) -> str:
        return repr(dict(self.items()))


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

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        # Python refuses to convert more than 4,300 digits (and would take quadratic
        # time below that); no size or argument of a model is that long.
        significant = node.value.replace("_", "").lstrip("+-").lstrip("0xb")  # 0x00ff is ff
        if len(significant) > MAX_INT_CHARS:
            return HugeInt(len(significant))
        return super().construct_yaml_int(node)  # type: ignore[misc]

    def construct_yaml_str(self, node: yaml.ScalarNode) -> str:
        value = self.construct_scalar(node)
        # "\ud800" is a valid escape to PyYAML but no character: libyaml refuses it, and
        # no output could print it.
        if not value.isascii() and _SURROGATE.search(value):
            raise yaml.constructor.ConstructorError(
                None, None, "found a lone surrogate (\\ud800-\\udfff), which is not a character",
                node.start_mark)
        return value

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        """YAML merge keys (``<<: *defaults``), each merged key taken once. PyYAML's
        own flattening copies every merged pair, so merges of merges of merges grow
        exponentially (a "billion laughs" of merge keys)."""
        if id(node) in self._flattening:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found a recursive merge",
                node.start_mark)
        self._flattening.add(id(node))
        try:
            merged: list = []
            own: list = []
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else \
                        [value_node]
                    for sub in sources:
                        if not isinstance(sub, yaml.MappingNode):
                            raise yaml.constructor.ConstructorError(
                                "while constructing a mapping", node.start_mark,
                                f"expected a mapping or list of mappings for merging, but found {sub.id}",
                                sub.start_mark)
                        self.flatten_mapping(sub)
                        merged.append(sub.value)
                else:
                    if key_node.tag == "tag:yaml.org,2002:value":
                        key_node.tag = "tag:yaml.org,2002:str"
                    own.append((key_node, value_node))
            if not merged:
                return
            # The mapping's own keys win, then the first source that has a key.
            seen = {_key_id(k) for k, _ in own}
            first: list = []
            for pairs in merged:
                for key_node, value_node in pairs:
                    k = _key_id(key_node)
                    if k not in seen:
                        seen.add(k)
                        first.append((key_node, value_node))
            node.value = first + own
        finally:
            self._flattening.discard(id(node))

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

    def construct_loc_omap(self, node: yaml.Node):
        """``!!omap``: a mapping, or (as YAML defines it) a list of one-pair mappings."""
        if isinstance(node, yaml.SequenceNode):
            pairs = []
            for sub in node.value:
                if not isinstance(sub, yaml.MappingNode) or len(sub.value) != 1:
                    raise yaml.constructor.ConstructorError(
                        "while constructing an ordered map", node.start_mark,
                        "expected a mapping of one pair", sub.start_mark)
                pairs.append(sub.value[0])
            node = yaml.MappingNode("tag:yaml.org,2002:map", pairs, node.start_mark, node.end_mark)
        elif not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, "an ordered map is a list of one-pair mappings", node.start_mark)
        yield from self.construct_loc_mapping(node)

    def construct_loc_sequence(self, node: yaml.SequenceNode) -> LocList:
        out = LocList()
        out.loc = self._loc(node)
        out.item_locs = [self._loc(n) for n in node.value]
        yield out
        out.extend(self.construct_object(n, deep=True) for n in node.value)


_SURROGATE = re.compile("[\ud800-\udfff]")
LINE_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # what YAML counts as a new line


def _key_id(node: yaml.Node) -> Any:
    return (node.tag, node.value) if isinstance(node, yaml.ScalarNode) else id(node)


class HugeInt(int):
    """An integer literal too long to convert (``MAX_INT_CHARS``): it compares as
    10**100, far above any size (``dims.MAX_SIZE``), and shows its length, never
    its digits."""

    digits: int

    def __new__(cls, digits: int) -> HugeInt:
        out = super().__new__(cls, 10**100)
        out.digits = digits
        return out

    def __repr__(self) -> str:
        return f"<an integer of {self.digits:,} digits>"

    __str__ = __repr__


class _Loader(_Located, yaml.SafeLoader):
    """For specs: PyYAML's Python parser, which (unlike libyaml) reads the bare `?` in
    `[?, t, 12]` that people write for an unknown size."""

    what = "YAML"


_CLoader = getattr(yaml, "CSafeLoader", None) or type("_NoCLoader", (), {})


class _JsonLoader(_Located, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """For JSON, libyaml's parser where PyYAML has it: Keras configs run to megabytes.
    JSON is YAML, except that YAML 1.1 reads JSON's 1e-05 (no dot) as a string."""

    what = "JSON"


for _cls in (_Loader, _JsonLoader):
    _cls.add_constructor("tag:yaml.org,2002:map", _Located.construct_loc_mapping)
    _cls.add_constructor("tag:yaml.org,2002:seq", _Located.construct_loc_sequence)
    _cls.add_constructor("tag:yaml.org,2002:omap", _Located.construct_loc_omap)
    _cls.add_constructor("tag:yaml.org,2002:int", _Located.construct_yaml_int)
    _cls.add_constructor("tag:yaml.org,2002:str", _Located.construct_yaml_str)


_JsonLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?[eE][-+]?[0-9]+$"),
    list("-0123456789"),
)
# Python's json module writes NaN, Infinity and -Infinity; they are floats, not names.
_JsonLoader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^(?:NaN|-?Infinity)$"),
                                  list("NI-"))


# `initial_state: [enc[1], enc[2]]` is how people write references, but YAML forbids
# `[` inside a plain scalar in a flow sequence. When a document fails to parse, it is
# read again with `name[k]` written `name(k)`: the same length, so every line and
# column stays right, and the reference reader accepts both spellings.
_FLOW_REF = re.compile(r"(?<=[A-Za-z0-9_])\[(-?\d+)\]")


# Far deeper than any model or spec; a parser recursing through 200,000 brackets
# would crash the process (libyaml) or exhaust Python's stack.
MAX_DEPTH = 500
# Integer literals longer than this are not converted (see HugeInt).
MAX_INT_CHARS = 100
# Nodes that aliases (``*a``) may add to a document when expanded: a few kilobytes of
# nested aliases can stand for billions of nodes (a "billion laughs"), which any walk
# over the data would visit.
MAX_ALIAS_NODES = 1_000_000
_BRACKETS = re.compile(r'[\[\]{}]|"(?:[^"\\]|\\.)*"')


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest bracket nesting, strings skipped; stops counting past ``limit``.
    A quick estimate: a quote inside a plain or single-quoted scalar can hide
    brackets from it (``_parsed_depth`` is exact)."""
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


def _parsed_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest nesting as libyaml parses it; stops counting past ``limit``. Its
    parser is iterative, but its composer recurses in C without a limit, so a
    document must be measured before it is composed there. A document that does not
    parse is measured up to its error, where the composer stops too."""
    depth = deepest = 0
    parser = _CLoader(text)
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > deepest:
                    deepest = depth
                    if deepest > limit:
                        break
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        pass
    finally:
        parser.dispose()
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
    cls = _JsonLoader if json else _Loader
    if issubclass(cls, _CLoader) and _parsed_depth(text) > MAX_DEPTH:
        return None, _too_deep(what, path)
    data, found = _load(cls, text, path)
    if data is None and found and found[0].code == "SC101" and _FLOW_REF.search(text):
        retry, refound = _load(cls, _FLOW_REF.sub(r"(\1)", text), path)
        if retry is not None:
            return retry, refound
    return data, found


def _expanded_size(root: yaml.Node) -> tuple[int, int]:
    """(nodes, nodes with every alias expanded) of a composed document, in one pass
    over its distinct nodes; the expanded count saturates at 2**62. A recursive alias
    counts once (the constructor rejects it)."""
    cap = 1 << 62
    size: dict[int, int] = {}
    started: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        children = () if isinstance(node, yaml.ScalarNode) else \
            [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
        if done:
            size[id(node)] = min(cap, 1 + sum(size.get(id(c), 1) for c in children))
            continue
        if id(node) in started:
            continue
        started.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in started)
    return len(size), size[id(root)]


def _load(cls: type, text: str, path: str | None) -> tuple[Any, list[Diagnostic]]:
    loader = None
    try:
        loader = cls(text)
        loader.path = path
        loader.found = []
        loader._flattening = set()
        node = loader.get_single_node()
        if node is None:
            return None, []
        if "*" in text:  # no alias without an asterisk
            distinct, expanded = _expanded_size(node)
            if expanded - distinct > MAX_ALIAS_NODES:
                return None, [make(
                    "SC101", f"not a model: its aliases (*name) expand it to {expanded:,} nodes "
                    f"from {distinct:,}; more than {MAX_ALIAS_NODES:,} added nodes is refused",
                    Location(path, 1, 1), hint="a spec uses an alias a few times, not nested "
                    "into billions of copies")]
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        loc = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path, 1, 1)
        problem = e.problem or e.context or "syntax error"
        if e.problem and e.context and not e.context.startswith("while "):
            # e.g. context "found duplicate anchor 'x'; first occurrence", problem "second occurrence"
            problem = e.context.split(";")[0]
            if e.context_mark and e.problem_mark and e.context_mark.line != e.problem_mark.line:
                problem += f" (first at line {e.context_mark.line + 1})"
        return None, [
            make("SC101", f"not valid {cls.what}: {problem}", loc,
                 hint="check the brackets and quotes at this position" if cls is _JsonLoader
                 else "check the indentation and brackets at this position")
        ]
    except yaml.reader.ReaderError as e:  # a character YAML does not allow, e.g. NUL
        at = min(max(e.position, 0), len(text))
        breaks = [m.end() for m in LINE_BREAK.finditer(text, 0, at)]
        line, column = len(breaks) + 1, at - (breaks[-1] if breaks else 0) + 1
        char = f"#x{e.character:04x}" if isinstance(e.character, int) else repr(e.character)
        return None, [make("SC101", f"not valid {cls.what}: the character {char} is not allowed in "
                           "a YAML or JSON file", Location(path, line, column),
                           hint="the file is binary or damaged; a spec or config is plain text")]
    except yaml.YAMLError as e:  # e.g. more than one document
        return None, [make("SC101", f"not valid {cls.what}: {e}", Location(path, 1, 1))]
    finally:
        if loader is not None:
            loader.dispose()
    return data, loader.found
