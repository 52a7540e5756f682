"""``argparse`` for the Python reader: a script's parser gives what running it with no
command-line arguments gives, each option's default, as the reader calls a function the
file never calls with its defaults. ``args.units`` in ``Dense(args.units)`` is then the
default the script declares (Keras 2's examples size their layers this way); an option
with no default is None, as argparse makes it, and one the run would need (a positional
argument, ``required=True``) is not known.
"""

from __future__ import annotations

import ast

from .builtins import Builtin
from .values import Namespace, Unknown, known

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter

# What an action stores when its option is not given.
_ACTION_DEFAULTS = {"store_true": False, "store_false": True}
_TYPES = {"int": int, "float": float, "str": str}


class Parser:
    """An ``argparse.ArgumentParser``: its options (flags and keywords, by dest) and its
    own defaults (``set_defaults``), kept as argparse keeps them until it parses."""

    __slots__ = ("options", "defaults")

    def __init__(self) -> None:
        self.options: dict[str, tuple[list[Any], dict[str, Any]]] = {}
        self.defaults: dict[str, Any] = {}

    def parsed(self) -> dict[str, Any]:
        """What ``parse_args([])`` gives: each option's default (converted by its type
        when a string), then the parser's defaults for the other names."""
        values = {dest: _default(flags, kwargs) if known(kwargs.get("default"))
                  else Unknown(why="a default the reader cannot know")
                  for dest, (flags, kwargs) in self.options.items()}
        return {**values, **{k: v for k, v in self.defaults.items() if k not in values}}


def _dest(flags: list[Any], kwargs: dict[str, Any]) -> str | None:
    if isinstance(kwargs.get("dest"), str):
        return kwargs["dest"]
    names = [f for f in flags if isinstance(f, str) and f]
    if len(names) != len(flags) or not names:
        return None
    long = [f for f in names if f.startswith("--")]
    chosen = long[0] if long else names[0]
    return chosen.lstrip("-").replace("-", "_")


def _default(flags: list[Any], kwargs: dict[str, Any]) -> Any:
    positional = all(isinstance(f, str) and not f.startswith("-") for f in flags)
    if positional and kwargs.get("nargs") not in ("?", "*") or kwargs.get("required") is True:
        return Unknown(why="a command-line argument the script needs")
    if "default" in kwargs:
        value = kwargs["default"]
        kind = kwargs.get("type")
        # argparse converts a default given as a string with the option's type
        if isinstance(value, str) and kind is not None:
            if not (isinstance(kind, Builtin) and kind.name in _TYPES):
                return Unknown(why="a default converted by the script's own function")
            try:
                return _TYPES[kind.name](value)
            except ValueError:
                return Unknown(why=f"a default argparse cannot convert: {value[:40]!r}")
        return value
    if positional and kwargs.get("nargs") == "*":
        return []  # argparse's value for a '*' positional given nothing
    action = kwargs.get("action")
    if isinstance(action, str) and action in _ACTION_DEFAULTS:
        return _ACTION_DEFAULTS[action]
    return None


def method(interp: Interpreter, owner: Parser, name: str, args: list[Any], kwargs: dict[str, Any],
           node: ast.AST) -> Any:
    if name == "add_argument":
        dest = _dest(args, kwargs)
        if dest is not None:
            if "default" not in kwargs and dest in owner.defaults:  # the parser's, given earlier
                kwargs = {**kwargs, "default": owner.defaults[dest]}
            owner.options[dest] = (list(args), dict(kwargs))
        return None
    if name in ("add_argument_group", "add_mutually_exclusive_group"):
        return owner  # their options are the parser's
    if name == "set_defaults":  # also the default of the options given already
        owner.defaults.update(kwargs)
        for dest, value in kwargs.items():
            if dest in owner.options:
                owner.options[dest][1]["default"] = value
        return None
    # no arguments: sys.argv[1:] of a run without any; or an empty list (notebooks pass [])
    if name in ("parse_args", "parse_known_args") and args in ([], [[]], [()]) and not kwargs.get("args"):
        namespace = Namespace(owner.parsed())
        return namespace if name == "parse_args" else (namespace, [])
    if name in ("print_help", "print_usage"):
        return None
    return Unknown(why=f"argparse's {name}() is not followed")


def attribute(owner: Namespace, name: str) -> Any:
    return owner.values.get(name, Unknown(why=f"args.{name}: no such option"))
