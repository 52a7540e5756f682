"""Python's builtins the reader evaluates (``len``, ``range``, ``zip``...), and the pure
functions of ``math`` and ``copy``, on the values it knows; on anything else they give an
unknown value."""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Iterator

from . import datasets
from .arrays import Array
from .graph import Layer, Model, Tensor
from .keras_types import keras_isinstance
from .limits import MAX_ITEMS, safe_str_method, text_size
from .values import ClassDef, Function, Instance, Module, NamedType, Namespace, Partial, Unknown, known

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter


class Builtin:
    def __init__(self, name: str, fn: Any) -> None:
        self.name, self.fn = name, fn


def _pure(fn):
    def run(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        if not (known(list(args)) and known(kwargs)):
            return Unknown(why="a builtin on unknown values")
        # sum() of lists concatenates them, str() of a list writes every item: what goes
        # in bounds what comes out
        if text_size([args, kwargs], 10 * MAX_ITEMS) > 10 * MAX_ITEMS:
            return Unknown(why="a builtin on values too large to follow")
        try:
            return fn(*args, **kwargs)
        except Exception:  # noqa: BLE001
            return Unknown(why="a builtin Python would refuse")

    return run


def _len(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    if args and isinstance(args[0], (list, tuple, str, dict, range)):
        return len(args[0])
    if args and isinstance(args[0], Array) and args[0].shape:
        return args[0].shape[0]
    if args and isinstance(args[0], datasets.Dataset) and args[0].count.__class__ is int:
        return args[0].count  # TensorFlow's len() of a dataset of a known, finite count
    if args and isinstance(args[0], Unknown) and args[0].name:
        # len(chars), used as a size twice, is one named size both times: len_chars
        # (assigned, `n = len(chars)`, it takes the variable's name instead)
        name = f"len_{args[0].name}".replace(".", "_")
        return Unknown(name, f"len({args[0].name})", derived=True)
    return Unknown(why="len() of an unknown value")


def _range(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    if args and all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        try:
            return range(*args)
        except (TypeError, ValueError):
            pass
    return Unknown(why="a range of unknown bounds")


def _seq(fn):
    def run(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        items = [interp.iterate(a, node) for a in args]
        if any(i is None for i in items):
            return Unknown(why="an iteration over unknown values")
        return fn(*items, **kwargs)

    return run


def _isinstance(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    if len(args) == 2 and isinstance(args[1], Module) and args[1].path[:1] == ("builtins",):
        return Unknown()
    if len(args) == 2 and isinstance(args[1], Module) and args[1].path == ("numpy", "ndarray") \
            and isinstance(args[0], (Array, Tensor)):  # Keras's preprocess_input asks: data or tensor
        return isinstance(args[0], Array)
    kinds = {
        "int": int,
        "float": (int, float),
        "str": str,
        "list": list,
        "tuple": tuple,
        "dict": dict,
        "bool": bool,
    }
    if len(args) == 2:
        value = args[0]
        target = args[1] if isinstance(args[1], tuple) else (args[1],)
        if isinstance(value, (Layer, Model)) and all(isinstance(t, Module) for t in target):
            said = [keras_isinstance(value, t, interp.graph.dialect) for t in target]
            return True if True in said else False if all(s is False for s in said) else Unknown()
        types = [kinds.get(t.name) for t in target if isinstance(t, Builtin)]
        if types and all(types) and not isinstance(value, Unknown):
            return isinstance(value, tuple(x for t in types for x in (t if isinstance(t, tuple) else (t,))))
    return Unknown()


def _pow(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    if len(args) == 2 and not kwargs:  # the ** operator, with its bounds
        return interp.binop(ast.Pow(), args[0], args[1], node)
    return Unknown(why="pow() with a modulus")


def _print(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    return None


def _partial(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    return Partial(args[0], tuple(args[1:]), dict(kwargs)) if args else Unknown()


def _callable(value: Any) -> Any:
    """``callable(activation)``: a string or a number is not; the file's functions and
    classes, a partial, a layer or a model are; anything else the reader cannot tell."""
    if value is None or isinstance(value, (bool, int, float, str, tuple, list, dict)):
        return False
    if isinstance(value, (Builtin, Partial, Layer, Model, Function, ClassDef)):
        return True
    return Unknown(why="callable() of a value the reader does not know")


def _hasattr(interp: Any, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    """``hasattr(self, "downsample")`` on an object of the file's class: True for what its
    code has set (``__init__`` and ``build()`` have run), False for a name its methods set
    on ``self`` only in a branch not taken; anything else (a name Keras's Layer may have
    of its own) the reader cannot tell."""
    if len(args) != 2 or kwargs or not isinstance(args[1], str) or not isinstance(args[0], Instance):
        return Unknown(why="hasattr() of a value the reader does not know")
    obj, name = args
    if name in obj.attrs:
        return True
    for cls in _classes(obj.cls):
        for item in ast.walk(cls.node):
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and item.name == name \
                    and item is not cls.node:
                return True  # a method (or a class attribute below)
            if isinstance(item, ast.Assign) and item in cls.node.body and any(
                    isinstance(t, ast.Name) and t.id == name for t in item.targets):
                return True
    said = any(isinstance(t, ast.Attribute) and t.attr == name and isinstance(t.value, ast.Name)
               and t.value.id == "self" for cls in _classes(obj.cls) for item in ast.walk(cls.node)
               if isinstance(item, (ast.Assign, ast.AnnAssign, ast.AugAssign))
               for t in (item.targets if isinstance(item, ast.Assign) else [item.target]))
    return False if said else Unknown(why=f"hasattr() of {name!r}, which the file never sets")


def _classes(cls: ClassDef) -> list[ClassDef]:
    """The class and its bases the file defines, nearest first."""
    out, todo = [], [cls]
    while todo and len(out) < 64:
        c = todo.pop(0)
        if isinstance(c, ClassDef) and c not in out:
            out.append(c)
            todo.extend(c.bases)
    return out


def _type(args: list[Any]) -> Any:
    """``type(x) in (tuple, list)``: the builtin class of a value the reader knows. Not of a
    list: the reader's sets are lists too."""
    value = args[0]
    for kind in (bool, int, float, str, tuple, dict):  # bool first: it is an int
        if type(value) is kind:
            return BUILTINS[kind.__name__]
    return Unknown(why="type() of a value the reader does not know")


def _vars(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    # vars(parser.parse_args()): the options as a dict
    return dict(args[0].values) if len(args) == 1 and isinstance(args[0], Namespace) else Unknown()


def _iter(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    """``iter(x)``: a dataset's iterator (its elements one by one), or Python's over the
    items of what the reader can iterate."""
    if len(args) != 1 or kwargs:
        return Unknown(why="iter() with a sentinel")
    if isinstance(args[0], datasets.Dataset):
        return datasets.Iter(args[0])
    items = interp.iterate(args[0], node)
    return iter(items) if items is not None else Unknown(why="an iterator over what the reader cannot count")


def _next(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    if not 1 <= len(args) <= 2 or kwargs:
        return Unknown(why="next() with arguments Python would refuse")
    if isinstance(args[0], datasets.Iter):
        return args[0].next()
    if isinstance(args[0], Iterator):
        return next(args[0], args[1] if len(args) == 2 else Unknown(why="StopIteration"))
    return Unknown(why="next() of an iterator the reader does not model")


BUILTINS: dict[str, Builtin] = {
    name: Builtin(name, fn)
    for name, fn in {
        "len": _len,
        "range": _range,
        "print": _print,
        "isinstance": _isinstance,
        "partial": _partial,
        "int": _pure(int),
        "float": _pure(float),
        "str": _pure(str),
        "bool": _pure(bool),
        "abs": _pure(abs),
        "round": _pure(round),
        "min": _pure(min),
        "max": _pure(max),
        "sum": _pure(sum),
        "divmod": _pure(divmod),
        "sorted": _pure(sorted),
        "any": _pure(any),
        "all": _pure(all),
        "pow": _pow,
        "chr": _pure(chr),
        "ord": _pure(ord),
        "list": _seq(lambda *a: list(a[0]) if a else []),
        "tuple": _seq(lambda *a: tuple(a[0]) if a else ()),
        "set": _seq(lambda *a: list(dict.fromkeys(a[0])) if a else []),
        "dict": lambda interp, args, kwargs, node: (
            dict(kwargs) if not args else (dict(args[0]) if isinstance(args[0], (dict, list)) else Unknown())
        ),
        "zip": _seq(lambda *a: list(zip(*a))),
        "enumerate": _seq(lambda a, start=0: list(enumerate(a, start))),
        "iter": _iter,
        "next": _next,
        "reversed": _seq(lambda a: list(reversed(a))),
        "vars": _vars,
        "callable": lambda interp, args, kwargs, node: _callable(args[0]) if len(args) == 1 else Unknown(),
        "hasattr": _hasattr,
        "type": lambda interp, args, kwargs, node: _type(args) if len(args) == 1 else Unknown(),
        # the interpreter answers locals() and eval("name") itself, in the scope of the call (e_Call)
        "locals": lambda interp, args, kwargs, node: Unknown(why="locals() with arguments"),
        "eval": lambda interp, args, kwargs, node: Unknown(why="eval() of code"),
    }.items()
}


# Pure functions of the standard library that model code sizes its layers with; each
# is bounded on any argument (no factorial, no pow of unbounded size).
_MATH = {name: getattr(math, name) for name in (
    "ceil", "floor", "trunc", "sqrt", "isqrt", "gcd", "log", "log2", "log10", "exp", "fabs")}


def _plain_copy(value: Any, levels: int) -> Any:
    """``copy.copy`` (one level) or ``copy.deepcopy`` (32) of the containers the reader
    builds: lists, tuples and dicts are new, what they hold (tensors, layers, numbers) is
    shared, as nothing mutates it."""
    if levels <= 0:
        return value
    if isinstance(value, list):
        return [_plain_copy(v, levels - 1) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain_copy(v, levels - 1) for v in value)
    if isinstance(value, dict):
        return {k: _plain_copy(v, levels - 1) for k, v in value.items()}
    return value


def namedtuple(args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``collections.namedtuple(typename, field_names, defaults=...)``, its names checked
    as Python checks them (identifiers, no keyword, none twice), never evaluated."""
    name = args[0] if args else kwargs.get("typename")
    fields = args[1] if len(args) > 1 else kwargs.get("field_names")
    if isinstance(fields, str):
        fields = fields.replace(",", " ").split()
    defaults = kwargs.get("defaults") or ()
    names = fields if isinstance(fields, (list, tuple)) and len(fields) <= MAX_ITEMS else None
    if not isinstance(name, str) or names is None or not isinstance(defaults, (list, tuple)) \
            or not all(isinstance(f, str) and f.isidentifier() and not keyword.iskeyword(f)
                       and not f.startswith("_") for f in names) \
            or len(set(names)) != len(names) or len(defaults) > len(names):
        return Unknown(why="a namedtuple the reader cannot make")
    return NamedType(name, tuple(fields), tuple(defaults))


def stdlib(path: tuple[str, ...], args: list[Any], dotted: str) -> Any:
    if path[0] == "copy" and path[1] in ("copy", "deepcopy") and len(args) == 1:
        return _plain_copy(args[0], 32 if path[1] == "deepcopy" else 1)
    fn = _MATH.get(path[1])
    if fn is not None and args and all(
        isinstance(a, (int, float)) and not isinstance(a, bool) and abs(a) < 1e300 for a in args
    ):
        try:
            return fn(*args)
        except (ValueError, TypeError, OverflowError):
            return Unknown(why=f"{dotted} of {args}")
    return Unknown(why=f"{dotted} is not followed")


def _plain(value: Any) -> bool:
    return isinstance(value, (int, float, str)) and not isinstance(value, bool) or value is None


# The list methods that change the list in place, and by how many items, for a call the
# reader cannot follow (``sort(key=...)``, ``pop(i)`` of an unknown ``i``).
_CHANGES_LENGTH = {"sort": 0, "reverse": 0, "pop": -1, "remove": -1, "insert": 1}


def _unfollowed_change(owner: list, name: str, change: int) -> Unknown:
    """A list changed in place in a way the reader cannot follow: its length is what Python
    gives, its items are no longer known. Left as it was, the list would say what the
    program no longer holds (``sizes.sort(key=...)``, then ``sizes[0]``)."""
    if not owner and change < 0:
        return Unknown(why=f".{name}() of an empty list")  # Python raises
    why = f"an item of a list after .{name}(), which the reader does not follow"
    owner[:] = [Unknown(why=why)] * (len(owner) + change)
    return Unknown(why=why)


def python_method(owner: Any, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """A method of a list, dict or str the file makes (``names.append(x)``,
    ``"{}_{}".format(...)``), as Python runs it, within the reader's bounds."""
    if isinstance(owner, list):
        if name == "append" and args:
            owner.append(args[0])
            return None
        if name == "extend" and args and isinstance(args[0], (list, tuple, range, str, dict)):
            owner.extend(args[0])
            return None
        at = args[0] if args else -1
        if name == "pop" and isinstance(at, int) and -len(owner) <= at < len(owner):
            return owner.pop(at)
        if name == "insert" and len(args) == 2 and isinstance(args[0], int):
            owner.insert(args[0], args[1])
            return None
        if name == "reverse" and not args:
            owner.reverse()
            return None
        if name == "clear" and not args:
            owner.clear()
            return None
        if name == "remove" and len(args) == 1:  # the first equal value, as Python; a tensor: itself
            at = next((i for i, v in enumerate(owner) if v is args[0] or _plain(v) and v == args[0]), None)
            if at is not None:
                del owner[at]
                return None
        if name == "sort" and not args and set(kwargs) <= {"reverse"} and all(map(_plain, owner)) and \
                isinstance(kwargs.get("reverse", False), bool):
            try:
                owner.sort(reverse=kwargs.get("reverse", False))
                return None
            except TypeError:  # Python raises too (1 < "a")
                pass
        if name == "index" and args and args[0] in owner:
            return owner.index(args[0])
        if name in ("copy", "as_list"):  # as_list: a TensorShape's
            return list(owner)
        if name in _CHANGES_LENGTH:
            return _unfollowed_change(owner, name, _CHANGES_LENGTH[name])
    if isinstance(owner, dict):
        if name == "get" and args:
            return owner.get(args[0], args[1] if len(args) > 1 else None)
        if name in ("keys", "values", "items"):
            return list(getattr(owner, name)())
        if name == "update" and args and isinstance(args[0], dict):
            owner.update(args[0])
            return None
        if name == "setdefault" and args:
            return owner.setdefault(args[0], args[1] if len(args) > 1 else None)
        if name == "pop" and args:
            return owner.pop(args[0], args[1] if len(args) > 1 else None)
    if isinstance(owner, str) and name in (
        "format",
        "join",
        "upper",
        "lower",
        "replace",
        "split",
        "strip",
        "startswith",
        "endswith",
    ):
        if known(list(args)) and known(kwargs):
            if not safe_str_method(owner, name, args, kwargs):
                return Unknown(why=f"a string too long to build (.{name})")
            try:
                return getattr(owner, name)(*args, **kwargs)
            except Exception:  # noqa: BLE001
                return Unknown()
    return Unknown(why=f".{name}() is not followed")
