"""The budget of the Python reader, and the size checks that keep a value the file
builds from outgrowing it: a hostile file must end in a diagnostic, never in a hang or
an allocation of gigabytes (``s = s + s`` forty times, ``pow(10, 10**10)``,
``"{:>2000000000}".format(1)``, ``s.replace("a", s)``)."""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_STEPS = 2_000_000  # expressions and statements evaluated, in all
MAX_DEPTH = 60  # nested calls of the file's functions
MAX_ITEMS = 100_000  # elements of a list, a range, a string
# A loop longer than this whose first IDLE_ITERATIONS build nothing of Keras's (a training
# loop over epochs and batches) is left there, what it assigns unknown: following it to
# the end costs the editor its keystroke, and a model is built before it or after it.
LONG_LOOP = 16
IDLE_ITERATIONS = 2
MAX_INT_BITS = 256


class OutOfBudget(Exception):
    """The file takes more than the reader allows; ``line`` is where it gave up."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def text_size(value: Any, cap: int = MAX_ITEMS) -> int:
    """About how many characters ``str(value)`` has, counted only until it passes
    ``cap`` (so a list holding itself 100,000 times costs 100,000 steps, not 10**10)."""
    total = 0
    stack = [value]
    while stack and total <= cap:
        v = stack.pop()
        if isinstance(v, str):
            total += len(v) + 2
        elif isinstance(v, (list, tuple, set, frozenset, range)):
            total += 2 * len(v) + 2  # a separator per item, counted before the items
            if total <= cap and not isinstance(v, range):
                stack.extend(v)
        elif isinstance(v, dict):
            total += 4 * len(v) + 2
            if total <= cap:
                stack.extend(v.keys())
                stack.extend(v.values())
        elif isinstance(v, int):
            total += v.bit_length() // 3 + 1
        else:
            total += 24  # a float, None, or a value of the reader's own
    return total


# A width or precision in a format string: more than five digits is more than MAX_ITEMS.
_WIDE = re.compile(r"\d{6,}")
# A width taken from the arguments: "{:{}}" or "%*d".
_INDIRECT = re.compile(r"\{[^{}]*\{|%[^a-zA-Z%]*\*")


def safe_format(template: str, args: Any) -> bool:
    """Whether formatting ``args`` into ``template`` (``str.format`` or ``%``) stays small."""
    return (
        len(template) <= MAX_ITEMS
        and not _WIDE.search(template)
        and not _INDIRECT.search(template)
        and text_size(args) <= MAX_ITEMS
    )


def safe_str_method(owner: str, name: str, args: list[Any], kwargs: dict[str, Any]) -> bool:
    """Whether ``owner.<name>(*args)`` gives a string no longer than MAX_ITEMS."""
    if name == "format":
        return safe_format(owner, [args, kwargs])
    if name == "join":
        items = args[0] if args else ()
        if not isinstance(items, (list, tuple)):
            return text_size(items) <= MAX_ITEMS
        return len(owner) * len(items) + text_size(items) <= MAX_ITEMS
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        count = owner.count(args[0]) if args[0] else len(owner) + 1
        return len(owner) + count * len(args[1]) <= MAX_ITEMS
    return True
