"""Layer subclasses a file defines, for the Python reader: an instance of one the project
declares under ``custom_layers`` is a layer of that class (the declaration is its rule).
Otherwise, one without layers of its own is what Keras makes of it at its first call:
``build(input_shape)`` (the weights ``add_weight`` makes, their shapes and whether they
train), then ``call()`` on symbolic tensors for its output. The reader follows both the
same way, as it follows a Lambda's function, never running them; its ``__init__`` first,
for the attributes they read (``self.units``) and the weights made there.

Anything else (sublayers, its own ``compute_output_shape``, a variable it assigns) stays
unfollowed: SC601 says so where it is made, and ``custom_layers`` can declare it.
"""

from __future__ import annotations

import ast

from .builtins import Builtin
from .graph import Layer, Tensor
from .keras_api import bind, make_layer, shape_of, tensors_of
from .limits import MAX_STEPS, OutOfBudget
from .values import ClassDef, Instance, Module, Partial, Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter

# What gives it shapes of its own, or checks them where following call() would not see:
# a variable's assign* checks the value's shape against the variable's.
_OWN_STATE = frozenset({"compute_output_shape", "compute_output_spec", "add_variable", "assign", "assign_add",
                        "assign_sub"})
# Classes a weightless layer may make: keras.random's seed state counts no parameter.
_NOT_LAYERS = frozenset({"SeedGenerator"})


def method(cls: ClassDef, name: str) -> ast.FunctionDef | None:
    return next((f for f in cls.node.body if isinstance(f, ast.FunctionDef) and f.name == name), None)


def _followable(cls: ClassDef) -> bool:
    """Its bases are Keras's own, it defines call(), and nothing in it names what gives it
    shapes of its own, nor a class (``layers.Dense(...)``: a sublayer)."""
    if method(cls, "call") is None or not all(isinstance(b, Module) for b in cls.bases):
        return False
    for node in ast.walk(cls.node):
        if isinstance(node, (ast.FunctionDef, ast.Attribute)) and \
                (node.name if isinstance(node, ast.FunctionDef) else node.attr) in _OWN_STATE:
            return False
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called[:1].isupper() and called not in _NOT_LAYERS:
                return False
    return True


def follow(interp: Interpreter, cls: ClassDef, args: list[Any], kwargs: dict[str, Any], node: ast.AST
           ) -> Layer | None:
    """A layer of ``cls`` whose call() the reader follows when it is called, or None."""
    if not _followable(cls):
        return None
    instance = Instance(cls)
    instance.attrs["add_weight"] = Builtin("add_weight", lambda i, a, k, n: _add_weight(i, instance, a, k, n))
    init = method(cls, "__init__")
    state = (len(interp.found), dict(interp.graph.names.counts), len(interp.graph.nodes), interp.made)
    interp.following += 1
    try:
        if init is not None:
            interp.call(interp.function(init, interp.globals, "__init__"), [instance, *args], kwargs, node)
    except OutOfBudget:
        if interp.steps > MAX_STEPS:
            raise
        return None
    finally:
        interp.following -= 1
        del interp.found[state[0]:]
        interp.graph.names.counts = state[1]
        del interp.graph.nodes[state[2]:]
    if interp.made != state[3]:  # it made a layer after all
        return None
    name = kwargs.get("name")
    name = name if isinstance(name, str) and name else interp.graph.names.layer(cls.name)
    layer = Layer(cls.name, {}, name, interp.loc(node))
    call = Partial(interp.function(method(cls, "call"), interp.globals, f"{cls.name}.call"), (instance,), {})
    build = method(cls, "build")

    def build_then_call(i: Interpreter, a: list[Any], k: dict[str, Any], n: ast.AST) -> Any:
        """Keras's first call: build(input_shape), then call(); the weights are the layer's."""
        if build is not None and a:
            shapes = [shape_of(i, t) for t in tensors_of(a[0]) or ()]
            given = shapes[0] if isinstance(a[0], Tensor) else shapes
            i.call(interp.function(build, interp.globals, f"{cls.name}.build"), [instance, given], {}, n)
        made = instance.attrs.pop(_WEIGHTS, [])
        if any(w is None for w in made):
            return Unknown(why=f"{cls.name} makes a weight of a shape the reader cannot know")
        if made:
            layer.args["followed_weights"] = made
        return i.call(call, a, k, n)

    layer.code["function"] = Builtin(f"{cls.name}.call", build_then_call)
    return layer


_WEIGHTS = "__weights__"  # the weights add_weight made so far, in the object's attributes


def _add_weight(interp: Interpreter, instance: Instance, args: list[Any], kwargs: dict[str, Any],
                node: ast.AST) -> Any:
    """``self.add_weight(shape=..., name=..., trainable=...)``: a weight of the layer, and a
    tensor of its shape for call() to compute with."""
    # the positional order differs: Keras 3's add_weight(shape, initializer...), tf_keras's (name, shape...)
    order = ("shape", "initializer", "dtype", "trainable") if interp.graph.dialect != "keras2" else \
        ("name", "shape", "dtype", "initializer", "regularizer", "trainable")
    bound = bind(order, args, kwargs)
    shape, name, trainable = bound.get("shape"), bound.get("name"), bound.get("trainable", True)
    shape = (shape,) if isinstance(shape, int) else shape
    made = instance.attrs.setdefault(_WEIGHTS, [])
    if not isinstance(shape, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d for d in shape) \
            or not isinstance(trainable, bool) or name is not None and not isinstance(name, str):
        made.append(None)  # a weight the reader cannot size: the layer is not followed
        return Unknown(why="a weight of a shape the reader cannot know")
    made.append([name or "variable", list(shape), trainable])
    return interp.graph.input(tuple(shape), None, "float32", interp.loc(node))


def instantiate(
    interp: Interpreter, cls: ClassDef, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    if cls.keras_base and cls.name in interp.custom:
        return declared_layer(interp, cls, args, kwargs, node)
    if cls.keras_base == "Layer":
        layer = follow(interp, cls, args, kwargs, node)
        if layer is not None:
            return layer
    if cls.keras_base:
        interp.note(
            "SC601",
            f"{cls.name} subclasses Keras's {cls.keras_base}: its call() is code the "
            "reader does not follow, so what it builds is not checked",
            node,
            hint=f"declare what {cls.name} does to shapes under custom_layers (pyproject.toml's "
            "[tool.shapecheck.custom_layers], or analyze(..., custom_layers=...)), or build it "
            "with the functional API",
        )
    return Unknown(why=f"an instance of {cls.name}")


def declared_layer(interp: Interpreter, cls: ClassDef, args: list[Any], kwargs: dict[str, Any],
                   node: ast.AST) -> Any:
    """An instance of a Layer subclass the project declares under ``custom_layers``: a
    layer of that class, its constructor's arguments bound by ``__init__``'s parameters
    (the declaration's rule reads them by name); neither ``__init__`` nor ``call`` runs."""
    init = method(cls, "__init__")
    if init is None:
        return make_layer(interp, cls.name, [], dict(kwargs), node)
    spec = init.args
    bound = interp.bind(interp.function(init, interp.globals, "__init__"), [None, *args], kwargs)
    for self_param in [*spec.posonlyargs, *spec.args][:1]:
        bound.pop(self_param.arg, None)
    if spec.vararg is not None:
        bound.pop(spec.vararg.arg)
    if spec.kwarg is not None:  # name=..., the base Layer's arguments
        bound.update(bound.pop(spec.kwarg.arg))
    return make_layer(interp, cls.name, [], bound, node)


# keras.random's functions that make a tensor of the shape they are given.
RANDOM = ("normal", "uniform", "truncated_normal")


def random(interp: Interpreter, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    """``keras.random.normal(shape=(batch, dim))`` in code the reader follows (a Layer
    subclass's call(), a Lambda's function): a tensor of that shape, standing where the
    values will be (the following leaves no node behind)."""
    shape = bind(("shape",), args[:1], {k: v for k, v in kwargs.items() if k == "shape"}).get("shape")
    if not isinstance(shape, (list, tuple)) or not all(
            d is None or isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        return Unknown(why=f"keras.random.{name} of a shape the reader cannot know")
    return interp.graph.input(tuple(shape), None, "float32", interp.loc(node))
