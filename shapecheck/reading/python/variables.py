"""Weights a followed layer makes without ``add_weight``, as TensorFlow-era layers write
them: ``self.w = tf.Variable(keras.initializers.glorot_uniform()(shape=(a, b)))``, with
an initializer called directly or ``tf.zeros(shape)`` for the initial value.

tf_keras's Layer tracks a tf.Variable set as its attribute (its ``__setattr__`` adds it to
the layer's weights, in the order they are set, beside those ``add_weight`` made), so the
reader adds its weight when ``self.x = ...`` holds one. Keras 3 tracks only its own
variables: the layer computes with a tf.Variable, but it is none of its weights, so it is
not trained, not saved and not counted. The reader says so where it is made (SC608) and
counts no weight, as Keras 3's summary() does."""

from __future__ import annotations

import ast

from .arrays import Array
from .builtins import Builtin
from .graph import Tensor
from .keras_api import bind, shape_of
from .values import DYNAMIC, Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter

#: the weights a followed layer made so far, a key of its Instance's attributes:
#: [name, shape, trainable, maker] each, or None for one the reader cannot size
WEIGHTS = "__weights__"

# tf.Variable's parameters, in order, as far as the reader reads them
_VARIABLE = ("initial_value", "trainable", "validate_shape", "caching_device", "name", "variable_def",
             "dtype", "import_scope", "constraint", "synchronization", "aggregation", "shape")


def constant(interp: Interpreter, what: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST,
             label: str | None = None) -> Any:
    """A tensor of the ``shape`` given (the first argument, or by name), standing where the
    values will be (``keras.random.normal(shape)``, ``tf.zeros(shape)``, an initializer's
    call): a constant of the graph the followed code makes."""
    shape = bind(("shape",), args[:1], {k: v for k, v in kwargs.items() if k == "shape"}).get("shape")
    if isinstance(shape, (list, tuple)):  # tf.shape(x)[0]: the static shape leaves it open
        shape = [None if d is DYNAMIC else d for d in shape]
    if not isinstance(shape, (list, tuple)) or not all(
            d is None or isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        return Unknown(why=f"{what} of a shape the reader cannot know")
    return tensor(interp, tuple(shape), label or "".join(c if c.isalnum() else "_" for c in what), node)


def tensor(interp: Interpreter, shape: tuple, label: str, node: ast.AST, dtype: str = "float32",
           constant: bool = True) -> Tensor:
    """A tensor followed code stands on (a constant it makes, a weight, what it is traced
    on), named apart: one graph may hold those made by __init__, build() and call(), and a
    name taken by a node gone since may come back."""
    interp.constants += 1
    return interp.graph.input(shape, f"{label}_{interp.constants}", dtype, interp.loc(node),
                              constant=constant)


def initializer(name: str) -> Builtin:
    """``keras.initializers.GlorotUniform()`` (``tf.random_normal_initializer()``...) in
    followed code: called with a shape (and a dtype), it gives a tensor of that shape."""
    return Builtin(f"{name}()", lambda i, a, k, n: constant(i, name, a, k, n))


def variable(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    """``tf.Variable(initial_value, trainable=...)`` in a layer the reader follows: a
    tensor of the initial value's shape, whose weight (``interp.variables``) a tf_keras
    layer takes when it is set as its attribute. Keras 3 takes none: SC608."""
    given = bind(_VARIABLE, args, kwargs)
    value, trainable, name = given.get("initial_value"), given.get("trainable", True), given.get("name")
    shape = value.shape if isinstance(value, Array) else \
        shape_of(interp, value) if isinstance(value, Tensor) else None
    if not isinstance(shape, tuple) or not all(type(d) is int and d >= 0 for d in shape) \
            or not isinstance(trainable, (bool, type(None))) or not isinstance(name, (str, type(None))):
        return Unknown(why="a tf.Variable of a value the reader cannot know")
    if interp.graph.dialect != "keras2":
        interp.note("SC608", f"Keras 3 does not track a tf.Variable as a layer's weight: this {shape} "
                    "variable is not trained, not saved by model.save() and not counted by summary()", node,
                    hint="make it with self.add_weight(shape=..., initializer=...), which Keras 3 tracks")
    made = tensor(interp, shape, "variable", node)
    interp.variables[id(made.node)] = [name or "Variable", list(shape), trainable is not False, "tf.Variable"]
    return made


def track(interp: Interpreter, attrs: dict[str, Any], value: Any) -> None:
    """``self.x = value`` on a followed layer: tf_keras's Layer takes each tf.Variable in
    the value (a list of them too) as its weight, once, in the order they are set."""
    if interp.graph.dialect != "keras2" or not interp.variables:
        return
    items = value if isinstance(value, (list, tuple)) else (value,)
    for item in items:
        weight = interp.variables.get(id(item.node)) if isinstance(item, Tensor) else None
        made = attrs.setdefault(WEIGHTS, []) if weight is not None else ()
        if weight is not None and not any(w is weight for w in made):
            made.append(weight)
