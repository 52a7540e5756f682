"""Keras operations that appear as nodes in Keras 3 configs (``module:
keras.src.ops.*``), such as the ``NotEqual`` that computes an Embedding's mask.
They are read as type ``ops.<Class>``; element-wise ones broadcast like NumPy.

Reference: keras/src/ops/operation_utils.py ``broadcast_shapes``.
"""

from __future__ import annotations

from .checks import broadcast_shapes
from .registry import LayerCall, Output, rule

ELEMENTWISE = (
    "Add", "Subtract", "Multiply", "Divide", "TrueDivide", "FloorDivide", "Power", "Mod",
    "Maximum", "Minimum", "Equal", "NotEqual", "Greater", "GreaterEqual", "Less", "LessEqual",
    "LogicalAnd", "LogicalOr", "LogicalXor", "LogicalNot", "Negative", "Abs", "Absolute",
    "Sqrt", "Square", "Exp", "Log", "Sign", "Cast", "Sigmoid", "Relu", "Tanh",
)


@rule(*(f"ops.{name}" for name in ELEMENTWISE), inputs=None,
      accepts=("dtype",))
def elementwise(call: LayerCall) -> Output:
    """The broadcast of the tensor operands (constant operands do not change it)."""
    return Output((broadcast_shapes(call, call.inputs),))
