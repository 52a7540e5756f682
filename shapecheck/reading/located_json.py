"""A fast reader for plain JSON that records where every value is, as the YAML reader
does (``pyyaml_loader``), for the megabyte Keras configs.

It accepts only strict JSON that the YAML reader reads the same way: anything else
(tabs, comments, NaN, duplicate keys, surrogate escapes, characters YAML refuses or
counts as line breaks, integers too long to convert, nesting past ``MAX_DEPTH``...)
gives None, and the YAML reader judges the document, with its own diagnostics. Where
it answers, the data and every line:col are the YAML reader's:
``tests/test_perf_guard.py`` compares the two.

The values come from Python's C JSON decoder. Positions are found only when asked for
(``LocDict.loc``, ``key_locs``...): a config has hundreds of thousands of values and
few of their positions are ever read. One pass over the text's brackets pairs them, so
the entries of one mapping or list are found by stepping over the values in between,
never by reading them again.
"""

from __future__ import annotations

import bisect
import gc
import itertools
import json
import operator
import re
from collections.abc import Iterable
from functools import cache
from json.decoder import scanstring

from ..diagnostics import Location
from .located import MAX_DEPTH, MAX_INT_CHARS, LazyLocations, LocDict, LocList

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# What the YAML reader treats otherwise than JSON: characters it refuses (YAML's
# non-printable ones), those it counts as line breaks inside a string (NEL, LS, PS), a
# byte-order mark inside the text, and tabs (libyaml refuses some outside brackets).
_NOT_PLAIN = "[^\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
# Escapes of such characters, and of UTF-16 surrogates (JSON joins a pair into one
# character, YAML refuses each half). An escaped backslash before "u..." matches too,
# which only sends the document to the YAML reader.
_RISKY_ESCAPE = re.compile(r"\\u(?:00[01]|007f|00[89]|202[89]|d[89a-f]|feff|fff[ef])", re.I)
# An integer the YAML reader would not convert (HugeInt); digits in a string match too.
_LONG_DIGITS = re.compile(f"[0-9]{{{MAX_INT_CHARS + 1},}}")
# YAML wants a key and its colon on one line, at most 1,024 characters apart
# (libyaml's "simple key"); JSON does not care. A key of 160 characters is at most 962
# with escapes, and fewer than 40 spaces may follow it.
_KEY_APART = re.compile(r'"(?:[ \r\n]*[\r\n][ \r\n]*| {40,}):')
_MAX_KEY = 160
_ASCII_PLAIN = bytes(range(0x20, 0x7F)) + b"\n\r"
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0000000000")
_LONG_ZEROS = b"0" * (MAX_INT_CHARS + 1)
try:  # possessive quantifiers (Python 3.11) never backtrack into a string
    _BRACKET = re.compile(r'[^"\[\]{}]*+(?:"[^"\\]*+(?:\\.[^"\\]*+)*+"[^"\[\]{}]*+)*+(?:([\[{])|(\})|(\]))')
except re.error:  # the same matches on valid JSON, more slowly
    _BRACKET = re.compile(r'[^"\[\]{}]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^"\[\]{}]*)*(?:([\[{])|(\})|(\]))')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_AS_NUL = bytes.maketrans(b"[]{}", b"\0\0\0\0")
_BRACKET_KIND = bytes.maketrans(b"[{}]", b"\1\1\2\3")  # _BRACKET's groups
_SPACE = re.compile(r"[ \n\r]*")
_BREAK = re.compile(r"\r\n?|\n")
# A key and its colon; a scalar, or the space after a container, then a comma (group 1)
# or the closing bracket.
_KEY = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*")[ \n\r]*:[ \n\r]*')
_AFTER_SCALAR = re.compile(r'(?:"[^"\\]*(?:\\.[^"\\]*)*"|[-+.0-9eE]+|true|false|null)'
                           r'[ \n\r]*(?:(,)[ \n\r]*)?')
_AFTER = re.compile(r"[ \n\r]*(?:(,)[ \n\r]*)?")


def load(text: str, path: str | None) -> Any | None:
    """The document as ``text.load(text, path, json=True)`` reads it (its data,
    with no diagnostics), or None when only the YAML reader can say."""
    start = _SPACE.match(text).end()
    raw = text.encode("ascii") if text.isascii() else None
    if text[start:start + 1] not in ("{", "[") or not _plain(text, raw):
        return None
    doc = _Document(text, path)
    # A config is hundreds of thousands of new objects, none garbage yet: the cyclic
    # collector would walk them over and over (a third of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        data = json.JSONDecoder(object_pairs_hook=doc.mapping, parse_constant=_refuse).decode(text)
    except (ValueError, RecursionError, _NotPlain):
        return None
    finally:
        if collecting:
            gc.enable()
    if not doc.pair_brackets(raw, int(data.__class__ is list)):
        return None
    if data.__class__ is list:
        data = doc.sequence(data, start)
    return data


def _plain(text: str, raw: bytes | None) -> bool:
    """No character, escape or integer the YAML reader reads otherwise (the checks
    above); on ASCII text, as byte translations, ten times faster than the regexes."""
    # A key apart from its colon needs a line break or 40 spaces: Keras writes its configs
    # on one line, and the search costs a tenth of reading them.
    apart = ("\n" in text or "\r" in text or " " * 40 in text) and _KEY_APART.search(text)
    if apart or "\\" in text and _RISKY_ESCAPE.search(text):  # no backslash: no escape
        return False
    if raw is not None:  # the text, ASCII
        return not raw.translate(None, _ASCII_PLAIN) and raw.translate(_DIGITS_AS_ZERO).find(_LONG_ZEROS) < 0
    return not ("\t" in text or _not_plain().search(text) or _LONG_DIGITS.search(text))


@cache
def _not_plain() -> re.Pattern:
    return re.compile(_NOT_PLAIN)  # only for text that is not ASCII: 5 ms to compile


def source_text(data: Any) -> str | None:
    """The JSON text ``data`` was read from by ``load``, or None."""
    lazy = data._lazy if isinstance(data, (_LazyDict, _LazyList)) else None
    return lazy[0].text if lazy else None


class _NotPlain(Exception):
    pass


def _refuse(name: str):
    raise _NotPlain(name)  # NaN, Infinity: the YAML reader's float resolver reads them


class _Document:
    """One text: its containers' positions, found when asked for."""

    __slots__ = ("text", "path", "starts", "count", "lists", "dict_opens", "close_of")

    def __init__(self, text: str, path: str | None) -> None:
        self.text = text
        self.path = path
        self.starts: list[int] | None = None
        self.count = itertools.count()  # the mappings decoded
        self.lists = 0  # the lists made located lists
        self.dict_opens: list[int] = []  # the n-th mapping closed opens here
        self.close_of: dict[int, int] = {}  # bracket -> its partner

    # -- while decoding ----------------------------------------------------------
    def mapping(self, pairs: list) -> LocDict:
        """The decoder's hook, called as each mapping closes (so in the order of the
        closing braces): the mapping, its lists made located lists."""
        out = _LazyDict(pairs)
        if len(out) != len(pairs):
            raise _NotPlain("duplicate key")  # the YAML reader reports it
        n = next(self.count)
        out._lazy = (self, n)
        for key, value in pairs:
            if value.__class__ is list:
                out[key] = self.sequence(value, ("d", n, key))
            if len(key) > _MAX_KEY:
                raise _NotPlain("long key")
        return out

    def sequence(self, items: list, where: Any) -> LocList:
        """A located list: ``where`` is its offset, or how to find it: ("d", n, key)
        the value of ``key`` in the n-th mapping, ("l", where, i) item i of a list.
        Never the parent itself: a reference back would make every config a cycle,
        which only the cyclic collector frees (and slowly)."""
        out = _LazyList(items)
        out._lazy = (self, where)
        self.lists += 1
        for i, value in enumerate(items):
            if value.__class__ is list:
                out[i] = self.sequence(value, ("l", where, i))
        return out

    def locate(self, where: Any) -> int:
        """The offset of the list ``where`` describes (see ``sequence``)."""
        if where.__class__ is int:
            return where
        tag, parent, part = where
        base = self.dict_opens[parent] if tag == "d" else self.locate(parent)
        spans = self.entries(base)
        if tag == "d":
            return next(at for key, _, at in spans if key == part)
        return spans[part][2]

    def pair_brackets(self, raw: bytes | None, more_lists: int = 0) -> bool:
        """Pair every bracket outside strings; False past MAX_DEPTH (the YAML reader
        reports that). Called once the text is decoded; ``raw`` is the text when ASCII,
        and ``more_lists`` the lists not yet made located (the document itself)."""
        stack: list[int] = []
        close_of, dict_opens = self.close_of, self.dict_opens
        push, pop = stack.append, stack.pop
        for kind, at in self._brackets(raw, more_lists):
            if kind == 1:
                push(at)
                if len(stack) > MAX_DEPTH:
                    return False
            else:
                opened = pop()
                close_of[opened] = at
                if kind == 2:
                    dict_opens.append(opened)
        return True

    def _brackets(self, raw: bytes | None, more_lists: int) -> Iterable[tuple[int, int]]:
        """(kind, offset) of each bracket outside strings, in order: 1 opens, 2 closes a
        mapping, 3 a list. When the text holds as many brackets of each kind as the
        decoder made containers, none is inside a string: they are found by byte
        translations and a split, a third of the time of the regex that steps over
        strings (as many matches as brackets, each a match object)."""
        if raw is None:
            return self._regex_brackets()
        kinds = raw.translate(None, _NOT_BRACKET)
        dicts, lists = next(self.count), self.lists + more_lists  # the count's next: how many it made
        if not (kinds.count(b"{") == kinds.count(b"}") == dicts
                and kinds.count(b"[") == kinds.count(b"]") == lists):
            return self._regex_brackets()
        # the k-th bracket ends the k-th piece between brackets (no NUL in plain text)
        offsets = map(operator.add, itertools.accumulate(map(len, raw.translate(_BRACKET_AS_NUL)
                                                             .split(b"\0"))), itertools.count())
        return zip(kinds.translate(_BRACKET_KIND), offsets)

    def _regex_brackets(self) -> Iterable[tuple[int, int]]:
        return ((m.lastindex, m.start(m.lastindex)) for m in _BRACKET.finditer(self.text))

    # -- when a position is asked for ---------------------------------------------
    def at(self, offset: int) -> Location:
        if self.starts is None:  # NEL, LS and PS are not in the text (_NOT_PLAIN)
            text = self.text
            self.starts = [0] + [m.end() for m in _BREAK.finditer(text)] \
                if "\n" in text or "\r" in text else [0]
        line = bisect.bisect_right(self.starts, offset)
        return Location(self.path, line, offset - self.starts[line - 1] + 1)

    def entries(self, offset: int) -> list[tuple[Any, int, int]]:
        """(key, key offset, value offset) of the mapping at ``offset``; (None, -1,
        value offset) for the items of a list. Values that are containers are stepped
        over with the bracket pairs; a scalar with the separator after it is one match."""
        text, close_of = self.text, self.close_of
        is_dict = text[offset] == "{"
        pos = _SPACE.match(text, offset + 1).end()
        out: list[tuple[Any, int, int]] = []
        if text[pos] in "}]":
            return out
        key_match, after_scalar, after_container = _KEY.match, _AFTER_SCALAR.match, _AFTER.match
        while True:
            if is_dict:
                m = key_match(text, pos)
                raw = m.group(1)
                key = raw[1:-1] if "\\" not in raw else scanstring(text, pos + 1)[0]
                out.append((key, pos, m.end()))
                pos = m.end()
            else:
                out.append((None, -1, pos))
            if text[pos] in "{[":
                m = after_container(text, close_of[pos] + 1)
            else:
                m = after_scalar(text, pos)
            if m.group(1) is None:
                return out
            pos = m.end()

    def dict_offset(self, n: int) -> int:
        return self.dict_opens[n]


def _place(items: list, spans: list[tuple[Any, int, int]]) -> None:
    """Give the lists among a list's items the offsets just found."""
    for value, (_, _, at) in zip(items, spans):
        if value.__class__ is _LazyList and value._lazy[1].__class__ is not int:
            value._lazy = (value._lazy[0], at)


class _Made:
    """An attribute made when first read (``make(obj)``) and kept in the slot of its name
    with a leading underscore; a reader may also set it. A data descriptor, not a
    ``__getattr__`` hook: with that hook every method call on a config's mappings
    (``get``, ``items``...: hundreds of thousands) took Python's slow path."""

    def __init__(self, make: Any) -> None:
        self.make = make

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = getattr(owner, f"_{name}")

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        try:
            return self.slot.__get__(obj, owner)
        except AttributeError:
            value = self.make(obj)
            self.slot.__set__(obj, value)
            return value

    def __set__(self, obj: Any, value: Any) -> None:
        self.slot.__set__(obj, value)


def _dict_start(d: _LazyDict) -> Location:
    doc, n = d._lazy
    return doc.at(doc.dict_offset(n))


def _dict_locations(d: _LazyDict, part: int) -> LazyLocations:
    """Where its keys (part 1) or values (part 2) are; both are made at once, from one
    search of its entries."""
    made = _fresh_locations(d)
    for p, slot in ((1, "_key_locs"), (2, "_value_locs")):
        if not hasattr(d, slot):
            setattr(d, slot, made[p - 1])
    return d._key_locs if part == 1 else d._value_locs


def _fresh_locations(d: _LazyDict) -> tuple[LazyLocations, LazyLocations]:
    doc, n = d._lazy
    entries, keys = _Entries(doc, doc.dict_offset(n)), frozenset(d)
    return LazyLocations(doc.at, None, entries, 1, keys), LazyLocations(doc.at, None, entries, 2, keys)


class _LazyDict(LocDict):
    """A LocDict whose locations are made when first read. Slots: a config has tens of
    thousands of mappings, and an instance dictionary each is a fifth of reading it."""

    __slots__ = ("_lazy", "_loc", "_key_locs", "_value_locs")

    loc = _Made(_dict_start)
    key_locs = _Made(lambda d: _dict_locations(d, 1))
    value_locs = _Made(lambda d: _dict_locations(d, 2))

    def locations_copy(self) -> tuple[dict, dict]:
        """Its locations for a mapping made from it (a layer's spec entry from its
        config), made apart from its own, which stay unmade until asked for."""
        if hasattr(self, "_key_locs") or hasattr(self, "_value_locs"):
            return self.key_locs.copy(), self.value_locs.copy()  # what was set on it, kept
        return _fresh_locations(self)


def _list_offset(items: _LazyList) -> int:
    doc, offset = items._lazy
    if offset.__class__ is not int:
        offset = doc.locate(offset)
        items._lazy = (doc, offset)
    return offset


def _item_locations(items: _LazyList) -> list[Location]:
    doc = items._lazy[0]
    spans = doc.entries(_list_offset(items))
    _place(items, spans)
    return [doc.at(at) for _, _, at in spans]


class _LazyList(LocList):
    """A LocList whose locations are made when first read (see _LazyDict)."""

    __slots__ = ("_lazy", "_loc", "_item_locs")

    loc = _Made(lambda items: items._lazy[0].at(_list_offset(items)))
    item_locs = _Made(_item_locations)


class _Entries:
    """The entries of one container, found in the text when first needed (and shared
    by its key and value locations). It holds the document, never the container."""

    __slots__ = ("doc", "offset", "spans")

    def __init__(self, doc: _Document, offset: int) -> None:
        self.doc, self.offset = doc, offset
        self.spans: list[tuple[Any, int, int]] | None = None

    def __call__(self) -> list[tuple[Any, int, int]]:
        if self.spans is None:
            self.spans = self.doc.entries(self.offset)
        return self.spans

    def offset_of(self, key: Any, part: int) -> int:
        """The offset of ``key`` (part 1) or of its value (part 2)."""
        return next(span[part] for span in self() if span[0] == key)


def json_path_at(text: str, offset: int) -> str | None:
    """The key path of the value or key at ``offset`` in a JSON document
    (``layers[12].config.axis``), by one pass over the text up to it: strings skipped, a
    stack of the objects and arrays open there. None outside any container."""
    stack: list[list] = []  # [kind, key or index, expecting a key]
    key: str | None = None
    at_key = None  # the key that starts at, or spans, the offset
    i = 0
    while i < offset and i < len(text):
        ch = text[i]
        if ch == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            is_key = bool(stack) and stack[-1][0] == "obj" and stack[-1][2]
            if is_key:
                key = text[i + 1:j]
            if j >= offset:  # the offset is inside this string
                at_key = key if is_key else None
                break
            i = j + 1
            continue
        if ch in "{[":
            stack.append(["obj" if ch == "{" else "arr", 0, ch == "{"])
        elif ch in "}]" and stack:
            stack.pop()
        elif ch == ":" and stack and stack[-1][0] == "obj":
            stack[-1][1], stack[-1][2] = key, False
        elif ch == "," and stack:
            if stack[-1][0] == "arr":
                stack[-1][1] += 1
            else:
                stack[-1][2] = True
        i += 1
    else:
        if stack and stack[-1][0] == "obj" and stack[-1][2] and text[offset:offset + 1] == '"':
            end = text.find('"', offset + 1)
            at_key = text[offset + 1:end] if end > 0 else None
    if not stack:
        return None
    parts = []
    for kind, part, expecting_key in stack:
        if kind == "arr":
            parts.append(f"[{part}]")
        elif not expecting_key and isinstance(part, str):
            parts.append(f".{part}")
    if at_key is not None:
        parts.append(f".{at_key}")
    return "".join(parts).lstrip(".") or None
