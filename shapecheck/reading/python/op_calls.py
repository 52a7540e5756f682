"""Keras 3's ops on tensors, for the Python reader: ``keras.ops.<fn>(...)`` as an op node
named and parameterised as Keras records it, and Python's operators on tensors
(``x + y``, ``-x``) as the op Keras 3 writes for them, or tf.keras's function."""

from __future__ import annotations

import ast

from ...rules.keras_names import snake_case
from . import layer_subclasses
from .graph import Layer, Tensor
from .keras_api import (
    DROP,
    OP_CLASSES,
    UNKNOWN,
    is_tensor,
    op_class,
    op_name,
    plain,
    split_outputs,
    tensors_of,
)
from .signatures import OPS
from .tf_calls import call_tf
from .values import Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter

# Ops Keras 3 writes for Python's operators on KerasTensors, and tf.keras's functions.
_OPERATORS = {
    "Add": ("Add", "__operators__.add"),
    "Sub": ("Subtract", "math.subtract"),
    "Mult": ("Multiply", "math.multiply"),
    "Div": ("TrueDivide", "math.truediv"),
    "FloorDiv": ("FloorDivide", "math.floordiv"),
    "Mod": ("Mod", "math.floormod"),
    "Pow": ("Power", "math.pow"),
    "MatMult": ("Matmul", "linalg.matmul"),
}



def call_op(interp: Interpreter, fn: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    """``keras.ops.<fn>`` on tensors: a Keras 3 op node, its class the function's name in
    CamelCase (``get_item`` is GetItem); constants become its arguments by name."""
    params = OPS.get(fn, ())
    cls = op_class(fn)
    tensors: list[Tensor] = []
    values: dict[str, Any] = {}
    bound = dict(kwargs)
    names = [p for p in params if not p.startswith("*")]
    if params and params[0].startswith("*"):  # einsum(subscripts, *operands) has no leading star
        names = []
    for i, a in enumerate(args):
        key = names[i] if i < len(names) else (params[-1].lstrip("*") if params else f"arg{i}")
        bound.setdefault(key, a) if i >= len(names) else bound.__setitem__(key, a)
    # the tensors in the op's parameter order, however they were given (``dot(x1, x2=b)``)
    order = {name: i for i, name in enumerate(names)}
    bound = dict(sorted(bound.items(), key=lambda kv: order.get(kv[0], len(order))))
    for key, value in bound.items():
        ts = tensors_of(value)
        if ts is not None:
            tensors += ts
            continue
        v = plain(interp, value, key, node)
        if v is UNKNOWN:
            return Unknown(why=f"keras.ops.{fn} with an argument the reader cannot know")
        if v is not DROP:
            values[key] = v
    if not tensors and fn == "arange" and interp.following:
        return layer_subclasses.arange(interp, values, node)
    if not tensors and fn == "convert_to_tensor" and isinstance(values.get("x"), list):
        # numbers as a tensor; in a call() Keras 3 traces, a symbolic one whose len() fails
        return Unknown(why="a tensor of numbers made in call()") if interp.following else values["x"]
    if not tensors and fn == "convert_to_tensor" and values.get("x").__class__ in (int, float):
        return values["x"]  # a scalar: what it broadcasts with is shaped as by the number
    if not tensors:
        return Unknown(why=f"keras.ops.{fn} on values that are not tensors")
    layer = Layer(f"ops.{cls}", values, op_name(interp, snake_case(cls)), interp.loc(node))
    made = interp.graph.node(layer, tensors, interp.loc(node))
    if fn == "split":
        return split_outputs(made, values.get("indices_or_sections"), True, "keras.ops.split")
    return (Tensor(made, 0), Tensor(made, 1)) if fn in OP_CLASSES else Tensor(made)


def tensor_binop(interp: Interpreter, op: str, a: Any, b: Any, node: ast.AST) -> Any:
    keras3, tf_fn = _OPERATORS.get(op, (None, None))
    if keras3 is None:
        return Unknown()
    if interp.graph.dialect == "keras2":
        x, y = (a, b) if is_tensor(a) else (b, a)
        return call_tf(interp, tf_fn, [x], {"y": y}, node)
    return call_op(interp, snake_case(keras3), [a, b], {}, node)


def tensor_unary(interp: Interpreter, op: str, value: Any, node: ast.AST) -> Any:
    if op == "USub":
        if interp.graph.dialect == "keras2":
            return call_tf(interp, "math.negative", [value], {}, node)
        return call_op(interp, "negative", [value], {}, node)
    return Unknown()
