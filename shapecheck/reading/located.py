"""Located values: what every reader of text (YAML, JSON) gives the spec reader.

Mappings are ``LocDict`` and sequences ``LocList``: plain containers that also carry
the 1-based line and column of the node and of each key, so a diagnostic can point at
``spec.yaml:9:5``. ``where``/``value_where`` ask any value where it was written (a
plain dict or list answers "nowhere"). The caps here bound every loader alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping

from ..diagnostics import Location

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Far deeper than any model or spec; a parser recursing through 200,000 brackets
# would crash the process (libyaml) or exhaust Python's stack.
MAX_DEPTH = 500
# Integer literals longer than this are not converted (see HugeInt).
MAX_INT_CHARS = 100
# Nodes that aliases (``*a``) may add to a document when expanded: a few kilobytes of
# nested aliases can stand for billions of nodes (a "billion laughs"), which any walk
# over the data would visit.
MAX_ALIAS_NODES = 1_000_000
# What YAML counts as a new line: a pattern, compiled (by re, once) by ``line_column``,
# which only a file that fails to read asks (its readers count lines their own way).
_LINE_BREAK = "\r\n|[\n\r\x85\u2028\u2029]"


def line_column(text: str, at: int) -> tuple[int, int]:
    """The 1-based line and column of offset ``at`` in ``text``, lines broken as YAML
    breaks them."""
    import re

    breaks = [m.end() for m in re.compile(_LINE_BREAK).finditer(text, 0, at)]
    return len(breaks) + 1, at - (breaks[-1] if breaks else 0) + 1


class LocDict(dict):
    """A dict with ``loc`` (where the mapping starts), ``key_locs`` (where each key is)
    and ``value_locs`` (where each value starts)."""

    loc: Location
    key_locs: dict
    value_locs: dict

    def where(self, key: Any) -> Location:
        return self.key_locs.get(key, self.loc)

    def locations_copy(self) -> tuple[dict, dict]:
        """Copies of ``key_locs`` and ``value_locs``, for a mapping made from this one."""
        return getattr(self, "key_locs", {}).copy(), getattr(self, "value_locs", {}).copy()


class LocList(list):
    loc: Location
    item_locs: list


class LazyLocations(MutableMapping):
    """key -> Location, each made from its offset in the text when first read: a
    layer's config has a dozen keys, and a diagnostic points at one of them, if any.

    The offsets themselves may be found only when first needed (``part`` 1 for the
    keys, 2 for the values), with the key set known up front (``keys``), so that asking
    whether a key is there, or setting one, finds nothing in the text. ``entries``, called,
    gives every (key, key offset, value offset); its ``offset_of(key, part)`` gives one
    key's alone, which is all a diagnostic asks. ``copy()`` stays lazy (``dict(...)``
    would make every Location)."""

    __slots__ = ("_at", "_data", "_entries", "_part", "_keys", "_set")

    def __init__(self, at: Callable[[int], Location], data: dict[Any, Any] | None = None,
                 entries: Callable[[], list] | None = None, part: int = 1, keys: frozenset = frozenset(),
                 set_: dict[Any, Any] | None = None) -> None:
        self._at = at
        self._data = data  # key -> offset (an int) or Location; None: not found yet
        self._entries = entries
        self._part = part
        self._keys = keys  # the keys the entries will have (a container)
        self._set = set_  # set before the entries were found (None: nothing, no dict yet)

    def _found(self) -> dict[Any, Any]:
        data = self._data
        if data is None:
            part = self._part
            data = self._data = {span[0]: span[part] for span in self._entries()}
            if self._set:
                data.update(self._set)
            self._entries, self._set = None, None
        return data

    def __getitem__(self, key: Any) -> Location:
        data = self._data
        if data is None:
            if self._set is not None and key in self._set:
                data = self._set
            elif key not in self._keys:
                raise KeyError(key)
            else:  # one key asked for: its offset found alone, not every entry's
                return self._at(self._entries.offset_of(key, self._part))
        value = data[key]
        if value.__class__ is int:
            value = data[key] = self._at(value)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def __contains__(self, key: object) -> bool:
        if self._data is None:
            return (self._set is not None and key in self._set) or key in self._keys
        return key in self._data

    def __setitem__(self, key: Any, value: Location) -> None:
        if self._data is None:
            if self._set is None:
                self._set = {}
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
            return LazyLocations(self._at, None, self._entries, self._part, self._keys,
                                 dict(self._set) if self._set else None)
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


class EntryLocations(Mapping):
    """Where each key of a layer entry is written (``where``) or its value starts
    (``value_where``), looked up when a diagnostic asks: a model has thousands of
    layers, each with a dozen keys, and few are ever pointed at."""

    __slots__ = ("entry", "find")

    def __init__(self, entry: Any, find: Any) -> None:
        self.entry = entry
        self.find = find

    def __getitem__(self, key: Any) -> Location:
        if key not in self.entry:
            raise KeyError(key)
        return self.find(self.entry, key)

    def get(self, key: Any, default: Any = None) -> Any:
        return self.find(self.entry, key) if key in self.entry else default

    def __contains__(self, key: object) -> bool:
        return key in self.entry

    def __iter__(self):
        return iter(self.entry)

    def __len__(self) -> int:
        return len(self.entry)

    def __repr__(self) -> str:
        return repr(dict(self.items()))


def where_path(node: Any, at: tuple[str, ...]) -> Location:
    """Where the key path ``at`` below ``node`` is written (the deepest part found)."""
    loc = where(node)
    for key in at:
        if not isinstance(node, dict) or key not in node:
            break
        loc = where(node, key)
        node = node[key]
    return loc
