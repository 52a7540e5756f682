"""A fast reader for the YAML that specs are written in, recording where every value is,
as the YAML reader does (``pyyaml_loader``).

PyYAML's pure-Python parser (needed for the bare ``?`` of ``[?, t, 12]``, which libyaml
refuses) reads about 100 KB a second: a spec of 100,000 layers took a minute. This
reads the common subset line by line: block mappings and sequences indented with
spaces, keys that are plain words, one-line flow lists and mappings (``?`` included),
plain scalars of a safe alphabet (sizes, names, expressions such as ``floor(t/2) + 1``)
and quoted strings without escapes, comments. Anything else (tabs, anchors, aliases,
tags, block scalars, multi-line scalars or flow collections, escapes, duplicate keys,
non-ASCII text, documents markers...) gives None, and the YAML reader judges the
document, with its own diagnostics.

Where it answers, the data and every line:col are the YAML reader's: plain scalars are
resolved and built by PyYAML's own resolver and constructors (``yes`` is true, ``1e3``
a string, ``0x1F`` 31), and ``tests/test_perf_guard.py`` compares the two readers.
"""

from __future__ import annotations

import bisect
import re
from array import array

from ..diagnostics import Location
from .located import LazyLocations, LocDict, LocList

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .pyyaml_loader import Loader

# Printable ASCII and line feeds only: no tab, no carriage return, no control character.
_ASCII_PLAIN = bytes(range(0x20, 0x7F)) + b"\n"
# A mapping's key (a plain word, group 1, or a quoted string without escapes, group 2
# with its quotes) and its colon; group 3 is the space after it. YAML wants a key within
# 1,024 characters of its colon; these are far shorter.
_KEY = re.compile(r"""(?:([A-Za-z_][A-Za-z0-9_.-]{0,200})|("[^"\\\n]{0,200}"|'[^'\n]{0,200}'(?!'))):( +|$)""",
                  re.M)
# A plain scalar of the safe alphabet: no indicator at its start, no colon or "#"
# inside, and in brackets no comma or bracket either (in a block, ``enc[1]`` and
# ``a, b`` are plain scalars). Trailing spaces are not part of it (YAML drops them).
_PLAIN_FLOW = re.compile(r"(?:[A-Za-z0-9_.(~$+/]|-(?=[0-9A-Za-z.]))[A-Za-z0-9_.()*/+%$~@ -]*")
_PLAIN_BLOCK = re.compile(r"(?:[A-Za-z0-9_.(~$+/]|-(?=[0-9A-Za-z.]))[A-Za-z0-9_.()*/+%$~@ \[\]{},-]*")
_DOUBLE = re.compile(r'"[^"\\\n]*"')
_SINGLE = re.compile(r"'[^'\n]*'(?!')")
_SPACES = re.compile(r" *")
# What may follow a value on its line: spaces, then the end or a comment.
_LINE_END = re.compile(r" *(?:$| #[^\n]*$)", re.M)
_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp"))
_MAX_CACHE = 50_000


_UNSEEN = object()


class _NotPlain(Exception):
    pass


class _Located:
    """``loc`` made when first read from the offset the reader gave (``_at`` is the
    reader's, shared): a spec of 100,000 layers has as many mappings, and few of their
    locations are ever read."""

    __slots__ = ()

    @property
    def loc(self) -> Location:
        loc = self._loc
        if loc.__class__ is int:
            loc = self._loc = self._at(loc)
        return loc

    @loc.setter
    def loc(self, value: Location) -> None:
        self._loc = value


class _Map(_Located, LocDict):
    __slots__ = ("_at", "_loc", "key_locs", "value_locs")


class _Seq(_Located, LocList):
    __slots__ = ("_at", "_loc", "item_locs")


class _Spans:
    """A mapping's keys, in order, and each one's offset and its value's, two to a key in
    one array of ints: a dict of offsets for each was a third of what a spec of 100,000
    layers kept in memory. Called, the (key, key offset, value offset) LazyLocations asks for."""

    __slots__ = ("keys", "offsets")

    def __init__(self, keys: tuple, offsets: array) -> None:
        self.keys, self.offsets = keys, offsets

    def __call__(self) -> list[tuple[Any, int, int]]:
        o = self.offsets
        return [(k, o[2 * i], o[2 * i + 1]) for i, k in enumerate(self.keys)]

    def offset_of(self, key: Any, part: int) -> int:
        """The offset of ``key`` (part 1) or of its value (part 2), without the others':
        a layer's entry is asked where one of its keys is, at most."""
        return self.offsets[2 * self.keys.index(key) + part - 1]


class _Offsets(list):
    """A sequence's ``item_locs``: offsets, each made a Location when read."""

    __slots__ = ("_at",)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        value = list.__getitem__(self, i)
        if value.__class__ is int:
            value = self._at(value)
            list.__setitem__(self, i, value)
        return value

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def load(text: str, path: str | None) -> Any | None:
    """The document as ``text.load(text, path)`` reads it (its data, with no
    diagnostics), or None when only the YAML reader can say."""
    if not text.isascii() or text.encode("ascii").translate(None, _ASCII_PLAIN):
        return None
    try:
        # A line break after the end spares every look-ahead a bounds check.
        return _Reader(text + "\n", path).read()
    except (_NotPlain, RecursionError, IndexError):
        return None


class _Line:
    """One line with content: its indentation, where its content starts (after a
    sequence dash, if any) and that dash's column (-1: none)."""

    __slots__ = ("indent", "col", "dash", "start", "number")

    def __init__(self, indent: int, col: int, dash: int, start: int, number: int) -> None:
        self.indent, self.col, self.dash, self.start, self.number = indent, col, dash, start, number


class _Reader:
    def __init__(self, text: str, path: str | None) -> None:
        self.text = text
        self.path = path
        # each line's offset, as machine ints: a spec of 100,000 layers has 400,000 lines
        self.starts = array("q")
        self.lines: list[_Line] = []
        self.located = self.at  # one bound method for every lazy location
        # Each plain scalar's text and value, and each quoted string, kept once: a spec
        # repeats its keys, types and names thousands of times.
        self.plain: dict[str, Any] = {}
        self.strings: dict[str, str] = {}
        self.last: tuple[int, Location | None] = (-1, None)
        self.line = 1  # the line of the last location made
        self._scan()

    def _scan(self) -> None:
        text, lines, starts = self.text, self.lines, self.starts
        offset = 0
        for number, raw in enumerate(text.split("\n"), start=1):
            starts.append(offset)
            stripped = raw.lstrip(" ")
            indent = len(raw) - len(stripped)
            if stripped and stripped[0] != "#":
                col, dash = indent, -1
                if stripped[0] == "-" and stripped[1:2] in (" ", ""):
                    rest = stripped[1:].lstrip(" ")
                    if not rest or rest[0] in "-#":
                        raise _NotPlain  # a dash alone, nested dashes, a comment after a dash
                    dash, col = indent, len(raw) - len(rest)
                lines.append(_Line(indent, col, dash, offset + col, number))
            offset += len(raw) + 1

    def at(self, offset: int) -> Location:
        last = self.last
        if last[0] == offset:  # a list item and its mapping start at one place: asked in turn
            return last[1]
        # Locations are asked for mostly in the order of the text: on the line of the last
        # one, or the next; a search of 400,000 line starts (an array: each probe makes an
        # int) only otherwise.
        starts, line = self.starts, self.line
        count = len(starts)  # line k spans starts[k - 1] up to starts[k], the last one to the end
        if starts[line - 1] <= offset and (line == count or offset < starts[line]):
            pass
        elif line < count and starts[line] <= offset and (line + 1 == count or offset < starts[line + 1]):
            line += 1
        else:
            line = bisect.bisect_right(starts, offset)
        self.line = line
        loc = Location(self.path, line, offset - starts[line - 1] + 1)
        self.last = (offset, loc)
        return loc

    def scalar(self, raw: str) -> Any:
        value = self.plain.get(raw, _UNSEEN)
        if value is _UNSEEN:
            value = self.plain[raw] = _scalar(raw)
        return value

    def key(self, m: re.Match) -> Any:
        return self.scalar(m.group(1)) if m.group(1) else self.quoted(m.group(2)[1:-1])

    def quoted(self, text: str) -> str:
        return self.strings.setdefault(text, text)

    def locate(self, out: _Map, offsets: array) -> None:
        """Give a mapping its key and value locations, found from ``offsets`` when asked."""
        spans = _Spans(tuple(out), offsets)
        out.key_locs = LazyLocations(self.located, None, spans, 1, spans.keys)
        out.value_locs = LazyLocations(self.located, None, spans, 2, spans.keys)

    def offsets(self) -> _Offsets:
        out = _Offsets()
        out._at = self.located
        return out

    def read(self) -> Any:
        if not self.lines or self.lines[0].dash >= 0:
            raise _NotPlain  # empty, or a list at the top: not a spec
        value, i = self.mapping(0, self.lines[0].indent)
        if i != len(self.lines):
            raise _NotPlain
        # The document's locations outlive the reading (every mapping's are found from
        # ``starts`` when asked for); its lines and its text do not: an object a line,
        # a tenth of what a large spec keeps in memory, and a copy of the file.
        self.lines, self.text = [], ""
        return value

    # -- block collections ---------------------------------------------------------
    def mapping(self, i: int, indent: int) -> tuple[LocDict, int]:
        """The block mapping whose first key starts line ``i`` at column ``indent``
        (after a dash, for a list item's mapping)."""
        lines, text = self.lines, self.text
        out = _Map()
        first = lines[i]
        out._at, out._loc = self.located, first.start
        offsets = array("q")  # each key's offset and its value's, in turn
        while i < len(lines):
            line = lines[i]
            if line is not first and (line.indent != indent or line.dash >= 0):
                if line.indent > indent or line.indent == indent:
                    raise _NotPlain  # deeper than a sibling key, or a dash among keys
                break
            m = _KEY.match(text, line.start)
            if m is None:
                raise _NotPlain
            key = self.key(m)
            if key in out:
                raise _NotPlain  # a duplicate: the YAML reader reports it
            offsets.append(line.start)
            after = m.end()
            if after >= len(text) or text[after] in "\n#":
                # Nothing on the line after the colon (a comment at most): a block below, or null.
                nxt = lines[i + 1] if i + 1 < len(lines) else None
                if nxt is not None and (nxt.indent > indent or nxt.indent == indent and nxt.dash >= 0):
                    if nxt.dash >= 0:
                        offsets.append(nxt.indent + self.starts[nxt.number - 1])
                        value, i = self.sequence(i + 1, nxt.indent)
                    else:
                        offsets.append(nxt.start)
                        value, i = self.mapping(i + 1, nxt.indent)
                else:
                    value, i = None, i + 1
                    offsets.append(m.end(1 if m.group(1) else 2) + 1)  # just after the colon
            else:
                value, at = self.inline(after)
                offsets.append(at)
                i += 1
            out[key] = value
        self.locate(out, offsets)
        return out, i

    def sequence(self, i: int, indent: int) -> tuple[LocList, int]:
        """The block sequence whose dashes are at column ``indent`` from line ``i``."""
        lines, text = self.lines, self.text
        out = _Seq()
        out._at, out._loc = self.located, lines[i].indent + self.starts[lines[i].number - 1]
        out.item_locs = self.offsets()
        while i < len(lines):
            line = lines[i]
            if line.indent != indent or line.dash < 0:
                if line.indent > indent:
                    raise _NotPlain
                break
            out.item_locs.append(line.start)
            if _KEY.match(text, line.start):
                value, i = self.mapping(i, line.col)
            else:
                value, _ = self.inline(line.start)
                i += 1
                if i < len(lines) and lines[i].indent > indent:
                    raise _NotPlain  # a multi-line scalar, or worse
            out.append(value)
        return out, i

    # -- one line ---------------------------------------------------------------------
    def inline(self, pos: int) -> tuple[Any, int]:
        """The value starting at ``pos`` and filling the rest of its line (a comment
        may follow): (value, its offset)."""
        pos = _SPACES.match(self.text, pos).end()
        value, end = self.flow(pos, block=True)
        if _LINE_END.match(self.text, end) is None:
            raise _NotPlain
        return value, pos

    def flow(self, pos: int, block: bool = False) -> tuple[Any, int]:
        """A value at ``pos``: (value, the offset after it)."""
        text = self.text
        ch = text[pos] if pos < len(text) else "\n"
        if ch == "[":
            return self.flow_list(pos)
        if ch == "{":
            return self.flow_map(pos)
        if ch == '"':
            m = _DOUBLE.match(text, pos)
        elif ch == "'":
            m = _SINGLE.match(text, pos)
        else:
            m = (_PLAIN_BLOCK if block else _PLAIN_FLOW).match(text, pos)
            if m is None:
                raise _NotPlain
            raw = m.group().rstrip(" ")
            end = pos + len(raw)
            nxt = text[m.end()] if m.end() < len(text) else "\n"
            if nxt not in ("\n#" if block else "],}"):
                # ":", a quote, a bracket inside; in a block, YAML reads "a, b" as one
                # scalar; in brackets, a line break or comment goes on to the next line
                raise _NotPlain
            if nxt == "#" and text[m.end() - 1] != " ":
                raise _NotPlain  # "a#b" is one scalar to YAML
            return self.scalar(raw), end
        if m is None:
            raise _NotPlain
        return self.quoted(m.group()[1:-1]), m.end()

    def flow_list(self, pos: int) -> tuple[LocList, int]:
        text = self.text
        out = _Seq()
        out._at, out._loc = self.located, pos
        out.item_locs = self.offsets()
        pos = _SPACES.match(text, pos + 1).end()
        if text[pos:pos + 1] == "]":
            return out, pos + 1
        while True:
            out.item_locs.append(pos)
            if text[pos] == "?":  # `[?, t, 12]`: a mapping of one empty pair, to YAML
                after = _SPACES.match(text, pos + 1).end()
                if text[after:after + 1] not in (",", "]"):
                    raise _NotPlain
                empty = _Map({None: None})
                empty.loc = self.at(pos)
                empty.key_locs = {None: self.at(pos + 1)}
                empty.value_locs = {None: self.at(after)}
                value, end = empty, after
            else:
                value, end = self.flow(pos)
            out.append(value)
            end = _SPACES.match(text, end).end()
            ch = text[end:end + 1]
            if ch == "]":
                return out, end + 1
            if ch != ",":
                raise _NotPlain
            pos = _SPACES.match(text, end + 1).end()
            if text[pos:pos + 1] in ("]", ",", "\n", ""):
                raise _NotPlain  # a trailing comma, an empty item, a line break

    def flow_map(self, pos: int) -> tuple[LocDict, int]:
        text = self.text
        out = _Map()
        out._at, out._loc = self.located, pos
        offsets = array("q")
        pos = _SPACES.match(text, pos + 1).end()
        if text[pos:pos + 1] != "}":
            while True:
                m = _KEY.match(text, pos)
                if m is None or not m.group(3):
                    raise _NotPlain
                key = self.key(m)
                if key in out:
                    raise _NotPlain
                vpos = m.end()
                if text[vpos:vpos + 1] in ("?", ",", "}", "\n", "#", ""):
                    raise _NotPlain
                offsets.append(pos)
                offsets.append(vpos)
                out[key], end = self.flow(vpos)
                end = _SPACES.match(text, end).end()
                ch = text[end:end + 1]
                if ch == "}":
                    pos = end
                    break
                if ch != ",":
                    raise _NotPlain
                pos = _SPACES.match(text, end + 1).end()
                if text[pos:pos + 1] in ("}", ",", "\n", ""):
                    raise _NotPlain
        self.locate(out, offsets)
        return out, pos + 1


_resolved: dict[str, Any] = {}
_loader: Loader | None = None


# What YAML 1.1's resolver reads as a bool or null among words that start with a letter
# (its int, float and timestamp forms start with a digit, a sign or a dot).
_WORDS = {**dict.fromkeys("yes Yes YES true True TRUE on On ON".split(), True),
          **dict.fromkeys("no No NO false False FALSE off Off OFF".split(), False),
          **dict.fromkeys("null Null NULL".split())}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_DECIMAL = re.compile(r"(?:0|[1-9][0-9]{0,17})\Z")
# A float as YAML 1.1 writes one most often (a dropout rate): its resolver's first form,
# which its constructor reads as Python's float() does.
_POINT = re.compile(r"[0-9]{1,20}\.[0-9]{1,20}\Z")


def _scalar(raw: str) -> Any:
    """A plain scalar as the YAML reader builds it (its resolver's tag, its
    constructor), cached: a spec repeats its few words thousands of times. A name
    (``Dense``, ``t``), a plain decimal or ``0.25`` is read here: a spec made of nothing else
    never imports PyYAML (a sixth of a small run's start)."""
    global _loader
    try:
        return _resolved[raw]
    except KeyError:
        pass
    if _IDENTIFIER.match(raw):
        return _WORDS[raw] if raw in _WORDS else raw
    if _DECIMAL.match(raw):
        return int(raw)
    if _POINT.match(raw):
        return float(raw)
    if _loader is None:
        from .pyyaml_loader import Loader

        _loader = Loader("")
    import yaml

    tag = _loader.resolve(yaml.ScalarNode, raw, (True, False))
    if tag not in _TAGS:
        raise _NotPlain
    try:
        value = _loader.yaml_constructors[tag](_loader, yaml.ScalarNode(tag, raw))
    except Exception:
        raise _NotPlain from None  # e.g. a date that is no date: the YAML reader says
    if len(_resolved) >= _MAX_CACHE:
        _resolved.clear()
    _resolved[raw] = value
    return value
