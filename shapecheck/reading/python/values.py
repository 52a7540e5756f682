"""The values the Python reader computes with: Python's own (numbers, strings, lists...)
where the file makes them, and these where Keras or the unknown comes in. Nothing here
runs the file's code: a function is its ``ast`` and the scope it was defined in."""

from __future__ import annotations

import ast

from ...records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


#: What a slice with bounds the reader cannot know (``x[:n]`` of ``n`` from data) is: on
#: data it keeps its axis, of a size the reader cannot know either (arrays.index)
UNKNOWN_BOUNDS = "a slice of unknown bounds"


@record
class Unknown:
    """A value the file gets from outside (data, a module not read, a call the reader
    does not follow). ``name`` is what the file calls it (``vocab_size``), when it does:
    used as a size, it is a named size that ``--dim`` can bind."""

    name: str | None = None
    why: str = ""
    # the named value it is a part of (``x_train.shape`` for ``x_train.shape[1:]``): what
    # ``--dim`` binds to know it
    part_of: str | None = None
    # ``name`` made by the reader (``len_chars`` for ``len(chars)``): assigned, the value
    # takes the variable's name
    derived: bool = False
    # which of the values assigned to ``name`` this is (0: one the file never assigns, a
    # parameter or a name it does not define); ``x.shape[1]`` of two are two sizes
    version: int = 0


class Dynamic:
    """A size TensorFlow knows only when the graph runs: ``tf.shape(x)[0]`` of the batch
    axis, a tensor in call(). Arithmetic on it is another (``s[0] * s[1]``); given as a
    size (``tf.reshape(x, (s[0] * s[1], 26))``), the static shape leaves it open (None)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Dynamic()"


DYNAMIC = Dynamic()


@record
class Module:
    """A module or a name in one (``keras.layers``, ``tf.math.reduce_mean``), by path."""

    path: tuple[str, ...]

    def attr(self, name: str) -> Module:
        return module((*self.path, name))

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


# TensorFlow's compat.v2 is the TF 2 API itself, the same objects: tf.keras names an op
# layer after its function's canonical name (``math.multiply``, never
# ``compat.v2.math.multiply``), and tf.compat.v2.keras is tf.keras.
_TF2 = ("tensorflow", "compat", "v2")


def module(path: tuple[str, ...]) -> Module:
    """The module or name at ``path``, TensorFlow's compat.v2 read as TensorFlow."""
    return Module(("tensorflow", *path[3:]) if path[:3] == _TF2 else path)


@record(mutable=True)
class Function:
    """A function the file defines (``def`` or ``lambda``), with the scope it closes over."""

    node: ast.FunctionDef | ast.Lambda
    scope: Any  # the Scope it was defined in
    name: str
    defaults: list[Any] = field(default_factory=list)
    kw_defaults: dict[str, Any] = field(default_factory=dict)
    owner: Any = None  # the ClassDef it is a method of: super() in it is (owner, self)


@record(mutable=True)
class SourceModule:
    """A module of the project, read as the file is (``project``): its top-level names."""

    name: str
    path: str
    scope: Any  # its globals, a Scope


@record(mutable=True)
class Partial:
    """``functools.partial(f, *args, **kwargs)``."""

    func: Any
    args: tuple
    kwargs: dict


@record(mutable=True)
class Method:
    """A bound method of a value the reader models (``model.add``, ``list.append``)."""

    owner: Any
    name: str


@record(mutable=True)
class ClassDef:
    """A class the file defines. A subclass of a Keras Model or Layer is code the reader
    does not follow (its ``call``); its instances are unknown."""

    name: str
    bases: tuple[Any, ...]
    node: ast.ClassDef
    keras_base: str | None  # "Model", "Sequential", "Layer" or None
    scope: Any = None  # where the class is defined: the names its methods see (a Scope)


class Named(tuple):
    """A namedtuple's value (``Built(model, (None, 3))``): a tuple whose items have names."""

    fields: tuple[str, ...] = ()


@record
class NamedType:
    """``collections.namedtuple("Built", ["model", "input_shape"])``: calling it makes a
    ``Named`` of those fields (the last ones may have defaults)."""

    name: str
    fields: tuple[str, ...]
    defaults: tuple[Any, ...] = ()

    def make(self, args: list[Any], kwargs: dict[str, Any]) -> Any:
        given = dict(zip(self.fields[len(self.fields) - len(self.defaults):], self.defaults))
        given.update(zip(self.fields, args))
        given.update((k, v) for k, v in kwargs.items() if k in self.fields)
        if len(args) > len(self.fields) or set(kwargs) - set(self.fields) or set(self.fields) - set(given):
            return Unknown(why=f"{self.name}() with arguments Python would refuse")
        value = Named(given[f] for f in self.fields)
        value.fields = self.fields
        return value


@record
class Super:
    """``super()`` in a method of ``cls`` called on ``instance``: its bases' attributes."""

    cls: ClassDef
    instance: Any


class Namespace:
    """What argparse's ``parse_args()`` returns (argparse_calls): the options by name."""

    __slots__ = ("values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values


class Instance:
    """An object of a Layer subclass the file defines, made by following its
    ``__init__``: the attributes it set (``self.rate = rate``)."""

    __slots__ = ("cls", "attrs")

    def __init__(self, cls: ClassDef) -> None:
        self.cls = cls
        self.attrs: dict[str, Any] = {}


@record(mutable=True)
class Multi:
    """What a layer call with several outputs returns (``return_state``): indexing and
    unpacking give each output."""

    node: Any
    count: int | None


_PLAIN = (int, float, str, bool, type(None))


def known(value: Any, budget: int = 1_000_000) -> bool:
    """A value the file computes without data: no Unknown inside. A value too large to
    look through (a list holding a 100,000-item list 100,000 times) counts as unknown."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, _PLAIN):
            continue
        if isinstance(v, (list, tuple)):
            budget -= len(v) + 1
            stack.extend(v)
        elif isinstance(v, dict):
            budget -= 2 * len(v) + 1
            stack.extend(v.keys())
            stack.extend(v.values())
        else:
            return False
        if budget < 0:
            return False
    return True
