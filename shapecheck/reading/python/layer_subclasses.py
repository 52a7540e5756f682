"""Layer subclasses a file defines, for the Python reader: an instance of one the project
declares under ``custom_layers`` is a layer of that class (the declaration is its rule).
Otherwise, one that makes no weights (no ``build``, no ``add_weight``, no layers of its
own) is what its ``call()`` computes: Keras infers its output by calling ``call()`` on
symbolic tensors, and the reader follows it on its tensors the same way, as it follows a
Lambda's function, never running it. Its ``__init__`` is followed first, for the
attributes ``call()`` reads (``self.rate``).

Anything else (weights, sublayers, its own ``compute_output_shape``) stays unfollowed:
SC601 says so where it is made, and ``custom_layers`` can declare it.
"""

from __future__ import annotations

import ast

from .graph import Layer
from .keras_api import bind, make_layer
from .limits import MAX_STEPS, OutOfBudget
from .values import ClassDef, Instance, Module, Partial, Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter

# What makes weights or shapes of its own, which following call() would not see.
_OWN_STATE = frozenset({"build", "add_weight", "add_variable", "compute_output_shape", "compute_output_spec"})
# Classes a weightless layer may make: keras.random's seed state counts no parameter.
_NOT_LAYERS = frozenset({"SeedGenerator"})


def method(cls: ClassDef, name: str) -> ast.FunctionDef | None:
    return next((f for f in cls.node.body if isinstance(f, ast.FunctionDef) and f.name == name), None)


def _stateless(cls: ClassDef) -> bool:
    """Its bases are Keras's own, it defines call(), and nothing in it names what makes
    weights or shapes of its own, nor a class (``layers.Dense(...)``: a sublayer)."""
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
    if not _stateless(cls):
        return None
    instance = Instance(cls)
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
    call = Partial(interp.function(method(cls, "call"), interp.globals, f"{cls.name}.call"), (instance,), {})
    return Layer(cls.name, {}, name, interp.loc(node), code={"function": call})


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
