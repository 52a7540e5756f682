"""PyYAML's parsers, made to record where every value is: the reader of last resort for
any YAML or JSON the fast loaders (``located_json``, ``located_yaml``) step aside for,
and the judge of what is invalid, with its diagnostics.

Only PyYAML's safe constructors run: no tag builds a Python object. Duplicate keys are
reported instead of silently keeping the last one; merge keys, huge integers, lone
surrogates and alias bombs are bounded.
"""

from __future__ import annotations

import re

import yaml

from ..diagnostics import Diagnostic, Location, make
from .located import MAX_ALIAS_NODES, MAX_DEPTH, MAX_INT_CHARS, HugeInt, LocDict, LocList, line_column

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


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

    def construct_keras_tuple(self, node: yaml.Node):
        """``!!python/tuple [3, 3]``, as Keras 2 and tf.keras's ``model.to_yaml()`` write
        every tuple: read as the list it holds. No Python object is constructed."""
        if not isinstance(node, yaml.SequenceNode):
            raise yaml.constructor.ConstructorError(
                None, None, "a !!python/tuple is a sequence", node.start_mark)
        yield from self.construct_loc_sequence(node)

    def construct_python_object(self, suffix: str, node: yaml.Node):
        """``!!python/object/apply:...ListWrapper [[3]]``: tf.keras's tracked list, which
        its ``to_yaml()`` writes for list arguments; read as the list it wraps. Any other
        Python object tag is code, which shapecheck never constructs."""
        if suffix.rsplit(".", 1)[-1] == "ListWrapper" and suffix.startswith("tensorflow.") and \
                isinstance(node, yaml.SequenceNode) and len(node.value) == 1 and \
                isinstance(node.value[0], yaml.SequenceNode):
            yield from self.construct_loc_sequence(node.value[0])
            return
        raise yaml.constructor.ConstructorError(
            None, None, f"the tag !!python/object/apply:{suffix[:80]} asks to construct a Python "
            "object; shapecheck reads data only", node.start_mark)

    def construct_loc_sequence(self, node: yaml.SequenceNode) -> LocList:
        out = LocList()
        out.loc = self._loc(node)
        out.item_locs = [self._loc(n) for n in node.value]
        yield out
        out.extend(self.construct_object(n, deep=True) for n in node.value)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _key_id(node: yaml.Node) -> Any:
    return (node.tag, node.value) if isinstance(node, yaml.ScalarNode) else id(node)



class Loader(_Located, yaml.SafeLoader):
    """For specs: PyYAML's Python parser, which (unlike libyaml) reads the bare `?` in
    `[?, t, 12]` that people write for an unknown size."""

    what = "YAML"


CLoader = getattr(yaml, "CSafeLoader", None) or type("_NoCLoader", (), {})


class JsonLoader(_Located, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """For JSON, libyaml's parser where PyYAML has it: Keras configs run to megabytes.
    JSON is YAML, except that YAML 1.1 reads JSON's 1e-05 (no dot) as a string."""

    what = "JSON"


for _cls in (Loader, JsonLoader):
    _cls.add_constructor("tag:yaml.org,2002:map", _Located.construct_loc_mapping)
    _cls.add_constructor("tag:yaml.org,2002:seq", _Located.construct_loc_sequence)
    _cls.add_constructor("tag:yaml.org,2002:omap", _Located.construct_loc_omap)
    _cls.add_constructor("tag:yaml.org,2002:int", _Located.construct_yaml_int)
    _cls.add_constructor("tag:yaml.org,2002:str", _Located.construct_yaml_str)
    _cls.add_constructor("tag:yaml.org,2002:python/tuple", _Located.construct_keras_tuple)
    _cls.add_multi_constructor("tag:yaml.org,2002:python/object/apply:", _Located.construct_python_object)


JsonLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?[eE][-+]?[0-9]+$"),
    list("-0123456789"),
)
# Python's json module writes NaN, Infinity and -Infinity; they are floats, not names.
JsonLoader.add_implicit_resolver("tag:yaml.org,2002:float", re.compile(r"^(?:NaN|-?Infinity)$"),
                                  list("NI-"))


def parsed_depth(text: str, limit: int = MAX_DEPTH) -> int:
    """The deepest nesting as libyaml parses it; stops counting past ``limit``. Its
    parser is iterative, but its composer recurses in C without a limit, so a
    document must be measured before it is composed there. A document that does not
    parse is measured up to its error, where the composer stops too."""
    depth = deepest = 0
    parser = CLoader(text)
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


def load_with(cls: type, text: str, path: str | None) -> tuple[Any, list[Diagnostic]]:
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
                 hint="do not load this file with Keras or PyYAML's unsafe loader unless you trust "
                 "its author" if "reads data only" in problem else
                 "check the brackets and quotes at this position" if cls is JsonLoader
                 else "check the indentation and brackets at this position")
        ]
    except yaml.reader.ReaderError as e:  # a character YAML does not allow, e.g. NUL
        at = min(max(e.position, 0), len(text))
        line, column = line_column(text, at)
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

