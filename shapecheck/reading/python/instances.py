"""Objects of the file's own plain classes, for the Python reader. A script often keeps its
model in one (``class StockPredictor: def train(self): self.model = Sequential() ...``):
the reader makes the object as Python would, never running anything: the class body's
plain values, then ``__init__`` followed; a method read from it is bound to it, and a
call of it is followed as any function of the file is.

Only classes Python alone makes are followed: no base but the file's own plain classes
(or ``object``), no decorator (``@dataclass`` writes an ``__init__`` the file does not
show), no metaclass, and none of the methods that change how an object is made or read
(``__new__``, ``__getattr__``...). Any other class's objects stay unknown, as before."""

from __future__ import annotations

import ast

from .builtins import Builtin
from .graph import Model
from .keras_api import make_model
from .values import ClassDef, Instance, Method, Partial, Super, Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter

# Methods that make Python's object model the class's own: such a class is not followed.
_OWN_MODEL = frozenset(("__new__", "__getattr__", "__getattribute__", "__setattr__", "__init_subclass__",
                        "__class_getitem__", "__set_name__"))


def method(cls: ClassDef, name: str, depth: int = 0) -> tuple[ast.FunctionDef, ClassDef] | None:
    """The method ``name`` of ``cls``, its own or its bases' (the file's classes, in order),
    with the class that defines it."""
    own = next((f for f in cls.node.body if isinstance(f, ast.FunctionDef) and f.name == name), None)
    if own is not None or depth > _MAX_BASES:
        return (own, cls) if own is not None else None
    return next((m for b in cls.bases if isinstance(b, ClassDef) and (m := method(b, name, depth + 1))), None)


_MAX_BASES = 32  # classes deep: no file has more


def plain(cls: ClassDef, depth: int = 0) -> bool:
    """Whether Python alone makes ``cls``'s objects: see the module's docstring."""
    node = cls.node
    if cls.keras_base or node.decorator_list or node.keywords or depth > _MAX_BASES:
        return False
    if any(isinstance(f, ast.FunctionDef) and f.name in _OWN_MODEL for f in node.body):
        return False
    return all(isinstance(b, ClassDef) and plain(b, depth + 1)
               or isinstance(b, Unknown) and b.name == "object" for b in cls.bases)


def make(interp: Interpreter, cls: ClassDef, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    """``cls(*args, **kwargs)``: the object, its class attributes set, ``__init__`` followed."""
    instance = Instance(cls)
    _class_attributes(interp, cls, instance.attrs, 0)
    init = method(cls, "__init__")
    if init is not None:
        function = interp.method(init[0], init[1], f"{cls.name}.__init__")
        interp.call(function, [instance, *args], kwargs, node)
    return instance


def _class_attributes(interp: Interpreter, cls: ClassDef, into: dict[str, Any], depth: int) -> None:
    """The plain values the class body assigns (``units = 64``), its bases' first."""
    for base in cls.bases:
        if isinstance(base, ClassDef) and depth < _MAX_BASES:
            _class_attributes(interp, base, into, depth + 1)
    scope = interp.scope_in(cls.scope)  # the class body's: sees where it is defined, keeps its own
    for stmt in cls.node.body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            interp.tick(stmt)
            value = interp.expr(stmt.value, scope)
            for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                if isinstance(target, ast.Name):
                    scope.set(target.id, value)
                    into[target.id] = value


def class_attribute(interp: Interpreter, cls: ClassDef, name: str) -> Any:
    """``Class.name``: a classmethod bound to the class, a function, or a class attribute."""
    found = method(cls, name)
    if found is not None:
        function = interp.method(found[0], found[1], f"{cls.name}.{name}")
        return Partial(function, (cls,), {}) if "classmethod" in _decorators(found[0]) else function
    values: dict[str, Any] = {}
    _class_attributes(interp, cls, values, 0)
    return values.get(name, Unknown(why=f"{cls.name}.{name}"))


def attribute(interp: Interpreter, instance: Instance | Super, name: str) -> Any:
    """``obj.name``: what ``__init__`` (or a method) set, else a method bound to the object
    (a property read, a staticmethod unbound), else unknown. ``super().name``: the same,
    from the bases of the class whose method asks."""
    if isinstance(instance, Super):
        return _super_attribute(interp, instance, name)
    if name in instance.attrs:
        return instance.attrs[name]
    found = method(instance.cls, name)
    if found is None and isinstance(instance.attrs.get(KERAS_MODEL), Model):  # self.add(layer)
        return Method(instance.attrs[KERAS_MODEL], name)
    if found is None:
        return Unknown(why=f"self.{name}")
    return _bound(interp, found, instance, name)


def _bound(interp: Interpreter, found: tuple[ast.FunctionDef, ClassDef], instance: Any, name: str) -> Any:
    function = interp.method(found[0], found[1], f"{found[1].name}.{name}")
    decorators = _decorators(found[0])
    if "staticmethod" in decorators:
        return function
    if "property" in decorators:
        return interp.call(function, [instance], {}, found[0])
    if "classmethod" in decorators:
        return Partial(function, (found[1],), {})
    return Partial(function, (instance,), {})  # bound to the object, as Python binds it


def _decorators(node: ast.FunctionDef) -> set[str]:
    return {d.id for d in node.decorator_list if isinstance(d, ast.Name)}


# Where a Layer or Model subclass's __init__ leaves the name Keras's Layer.__init__ gave it
KERAS_NAME = "__keras_name__"


def _super_attribute(interp: Interpreter, sup: Super, name: str) -> Any:
    cls, obj = sup.cls, sup.instance
    if cls.keras_base and isinstance(obj, Instance):  # Keras's Layer (or Model) itself
        if name == "__init__":
            return Builtin("__init__", lambda i, a, k, n: keras_init(i, obj, a, k, n))
        return Unknown(why=f"super().{name} of Keras's {cls.keras_base}")
    for base in cls.bases:
        found = method(base, name) if isinstance(base, ClassDef) else None
        if found is not None:
            return _bound(interp, found, obj, name)
    if name == "__init__":  # object's: nothing to do
        return Builtin("__init__", lambda i, a, k, n: None)
    return Unknown(why=f"super().{name}")


def keras_init(interp: Interpreter, obj: Instance, args: list[Any], kwargs: dict[str, Any],
                node: ast.AST) -> None:
    """``super().__init__(name=..., **kwargs)`` in a Layer subclass: Keras names the layer
    there, from the file's counters when no name is given. A Model subclass given inputs
    and outputs there (``super().__init__(inputs=x, outputs=y)``) is a functional model
    of that graph, made there as Keras makes it, and a Sequential subclass is a Sequential
    (``self.add()`` adds to it): the object keeps it (KERAS_MODEL)."""
    name = kwargs.get("name")
    if KERAS_NAME not in obj.attrs:
        given = isinstance(name, str) and name
        obj.attrs[KERAS_NAME] = name if given else interp.graph.names.layer(obj.cls.name)
    named = {**kwargs, "name": obj.attrs[KERAS_NAME]}
    if obj.cls.keras_base == "Sequential":  # its layers, and those self.add() adds
        obj.attrs[KERAS_MODEL] = make_model(interp, "Sequential", list(args), named, node)
    elif obj.cls.keras_base == "Model" and (args or "inputs" in kwargs or "outputs" in kwargs):
        obj.attrs[KERAS_MODEL] = make_model(interp, "Functional", list(args), named, node)
    if isinstance(obj.attrs.get(KERAS_MODEL), Model):
        obj.attrs[KERAS_MODEL].class_name = obj.cls.name


# The Sequential or functional model Keras's Model.__init__ made of a subclass's object
# (super().__init__(layers), super().__init__(inputs, outputs)): self.add() adds to it
KERAS_MODEL = "__keras_model__"
