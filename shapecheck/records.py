"""Records: the value classes of shapecheck (shapes' facts, weights, diagnostics,
reports), each what ``@dataclass(frozen=True, slots=True)`` would make.

Why not ``dataclasses`` itself: start-up. A cold ``shapecheck model.yaml`` makes
some thirty of these classes before it reads a byte. On Python 3.11 a dataclass
compiles six methods from source text (about a millisecond a class on a shared
machine), and ``import dataclasses`` imports ``inspect``, and with it ``ast``,
``dis`` and ``tokenize``: together, half of a cold run. A record compiles nothing:
its ``__init__`` is a copy of one compiled with ``record_inits``, its parameters
renamed; its equality, hash, repr and refusal to change are shared functions over
one ``operator.attrgetter`` of its fields. At most 18 fields, none named ``self``.

A record is declared as a dataclass is: annotated fields in order, a default as a
class attribute or a ``field(...)``. ``record`` gives it ``__slots__``, and a
``mutable`` record (the Python reader's interpreter values) is compared by identity,
as ``@dataclass(eq=False)`` is. ``replace`` is ``dataclasses.replace``.
"""

from __future__ import annotations

from _thread import get_ident
from collections.abc import Callable
from operator import attrgetter
from types import FunctionType

from .record_inits import FACTORIES, PLAIN

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")
_MISSING: Any = object()


class FrozenInstanceError(AttributeError):
    """A field of a frozen record was assigned to (or deleted)."""


class Field:
    __slots__ = ("default", "default_factory", "compare", "repr")

    def __init__(self, default: Any, default_factory: Any, compare: bool, repr: bool) -> None:
        self.default, self.default_factory, self.compare, self.repr = default, default_factory, compare, repr


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] = _MISSING,
          compare: bool = True, repr: bool = True) -> Any:
    """A field's options, as ``dataclasses.field`` takes them."""
    if default is not _MISSING and default_factory is not _MISSING:
        raise ValueError("a field takes a default or a default_factory, not both")
    return Field(default, default_factory, compare, repr)


def record(cls: type[T] | None = None, /, *, mutable: bool = False, order: bool = False) -> Any:
    """Make ``cls`` a record: ``@record`` (frozen), ``@record(order=True)`` (frozen,
    ordered by its fields in turn) or ``@record(mutable=True)``."""
    if cls is None:
        return lambda c: _make(c, mutable, order)
    return _make(cls, mutable, order)


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record ``obj`` with ``changes`` to its fields."""
    cls = obj.__class__
    for name in cls.__record_fields__:  # type: ignore[attr-defined]
        if name not in changes:
            changes[name] = getattr(obj, name)
    return cls(**changes)


def _make(cls: type, mutable: bool, order: bool) -> type:
    names: list[str] = []
    options: dict[str, Field] = {}
    for name, kind in cls.__dict__.get("__annotations__", {}).items():
        if isinstance(kind, str) and kind.startswith(("ClassVar", "typing.ClassVar")):
            continue
        names.append(name)
        value = cls.__dict__.get(name, _MISSING)
        options[name] = value if isinstance(value, Field) else Field(value, _MISSING, True, True)
    namespace = {k: v for k, v in cls.__dict__.items()
                 if k not in options and k not in ("__dict__", "__weakref__")}
    namespace["__slots__"] = tuple(names)
    namespace["__record_fields__"] = tuple(names)
    namespace["__match_args__"] = tuple(names)
    shown = tuple(n for n in names if options[n].repr)
    namespace["__repr__"] = _repr(shown)
    if not mutable:
        compared = [n for n in names if options[n].compare]
        key = _key(compared)
        namespace["__eq__"] = _compare(key, "__eq__")
        if order:
            for method in ("__lt__", "__le__", "__gt__", "__ge__"):
                namespace[method] = _compare(key, method)
        namespace["__hash__"] = lambda self: hash(key(self))
        namespace["__setattr__"] = _refuse_set
        namespace["__delattr__"] = _refuse_delete
        # pickle and copy make a frozen record again by its __init__, from its fields (they
        # would restore a slotted object's state by setattr, which a frozen one refuses):
        # a C call a field, not a Python loop (the workers of a folder's check send theirs)
        every = key if len(compared) == len(names) else _key(names)
        namespace["__reduce__"] = lambda self: (self.__class__, every(self))
    made = type(cls)(cls.__name__, cls.__bases__, namespace)
    made.__init__ = _init(made, cls.__qualname__, names, options)
    return made


def _init(made: type, qualname: str, names: list[str], options: dict[str, Field]) -> Callable:
    """``__init__``: a copy of the compiled ``record_inits`` function of as many fields,
    its parameters renamed to the fields (compiling one from text, as dataclasses do,
    was a tenth of importing shapecheck). A generic one (``*args``) would cost every
    record made several times as much. Each field is set through its slot's own
    descriptor (``_sK(self, value)``): a third faster than ``object.__setattr__``,
    which looks each name up first, and a model makes records by the hundred thousand.
    (A mutable record has no ``__setattr__`` of its own: the descriptor is what
    ``self.name = value`` calls.)"""
    if len(names) >= len(PLAIN) or "self" in names:
        raise TypeError(f"{qualname}: a record has at most {len(PLAIN) - 1} fields, none named 'self'")
    env: dict[str, Any] = {"_MISSING": _MISSING}
    defaults: list[Any] = []
    templates = PLAIN
    for k, name in enumerate(names):
        opt = options[name]
        env[f"_s{k}"] = getattr(made, name).__set__
        if opt.default_factory is not _MISSING:
            env[f"_f{k}"] = opt.default_factory
            defaults.append(_MISSING)
            templates = FACTORIES
        elif opt.default is not _MISSING:
            defaults.append(opt.default)
        elif defaults:
            raise TypeError(f"{qualname}: non-default argument {name!r} follows default argument")
    code = templates[len(names)].__code__.replace(co_varnames=("self", *names), co_name="__init__",
                                                  co_qualname=f"{qualname}.__init__")
    return FunctionType(code, env, "__init__", tuple(defaults) or None)


def _key(names: list[str]) -> Callable[[Any], tuple]:
    if len(names) == 1:  # attrgetter of one name gives the value, not a tuple
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    if not names:
        return lambda self: ()
    return attrgetter(*names)


def _compare(key: Callable[[Any], tuple], method: str) -> Callable[[Any, Any], Any]:
    """``method`` (``__eq__``, ``__lt__``...): the records' fields compared as tuples, as
    dataclasses' are; a record and anything else are not compared."""
    op = getattr(tuple, method)

    def compare(self, other):
        if other.__class__ is self.__class__:
            return op(key(self), key(other))
        return NotImplemented
    compare.__name__ = method
    return compare


_repr_running: set[tuple[int, int]] = set()


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self):
        # The Python reader's values can reach themselves (a layer's node names the layer).
        me = (id(self), get_ident())
        if me in _repr_running:
            return "..."
        _repr_running.add(me)
        try:
            inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in names)
        finally:
            _repr_running.discard(me)
        return f"{self.__class__.__qualname__}({inner})"
    return __repr__


def _refuse_set(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _refuse_delete(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


