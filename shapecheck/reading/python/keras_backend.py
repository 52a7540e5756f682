"""Keras 2's backend functions (``K.mean(t, axis=1)``), which Keras 2 code calls in two
places. Inside a Lambda's function, as the Keras 3 op of the same shape: a Lambda's
output is what its function gives on symbolic tensors. Each entry of ``BACKEND`` is the
backend function's parameters in order (tf_keras 2's signatures) with its defaults where
they are not the op's (``K.concatenate`` joins on the last axis, ``ops.concatenate`` on the
first; ``K.argmax`` takes the last axis, ``ops.argmax`` none), and the op's name for each.
A parameter that changes no shape (``K.relu``'s ``alpha``) maps to None and is dropped.
On a tf.keras model's tensors, outside a Lambda, as the TensorFlow calls tf_keras makes
(``TF_STEPS``), each a TFOpLambda layer. Only functions whose op has a rule are here;
``repeat_elements`` and ``binary_crossentropy`` on tensors are tf_calls' (tf_keras splits
the tensor into one piece per element, and dispatches binary_crossentropy whole);
tests/test_python_tf_functions.py checks every entry's shapes against
tf_keras, and the layers made outside a Lambda too.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_REQUIRED = object()

# backend function -> (Keras 3 op, ((its parameter, the op's parameter, its default), ...))
BACKEND: dict[str, tuple[str, tuple[tuple[str, str | None, Any], ...]]] = {
    **{name: (name, (("x", "x", _REQUIRED), ("axis", "axis", None), ("keepdims", "keepdims", False)))
       for name in ("mean", "sum", "max", "min", "prod", "std", "var", "any", "all")},
    **{name: (name, (("x", "x", _REQUIRED),))
       for name in ("square", "sqrt", "exp", "log", "abs", "sigmoid", "tanh", "softplus")},
    "concatenate": ("concatenate", (("tensors", "xs", _REQUIRED), ("axis", "axis", -1))),
    "expand_dims": ("expand_dims", (("x", "x", _REQUIRED), ("axis", "axis", -1))),
    "squeeze": ("squeeze", (("x", "x", _REQUIRED), ("axis", "axis", _REQUIRED))),
    "reshape": ("reshape", (("x", "x", _REQUIRED), ("shape", "newshape", _REQUIRED))),
    "permute_dimensions": ("transpose", (("x", "x", _REQUIRED), ("pattern", "axes", _REQUIRED))),
    "stack": ("stack", (("x", "x", _REQUIRED), ("axis", "axis", 0))),
    "softmax": ("softmax", (("x", "x", _REQUIRED), ("axis", "axis", -1))),
    "relu": ("relu", (("x", "x", _REQUIRED), ("alpha", None, 0.0), ("max_value", None, None),
                      ("threshold", None, 0.0))),
    "elu": ("elu", (("x", "x", _REQUIRED), ("alpha", "alpha", 1.0))),
    "tile": ("tile", (("x", "x", _REQUIRED), ("n", "repeats", _REQUIRED))),
    "cast": ("cast", (("x", "x", _REQUIRED), ("dtype", "dtype", _REQUIRED))),
    "argmax": ("argmax", (("x", "x", _REQUIRED), ("axis", "axis", -1))),
    "argmin": ("argmin", (("x", "x", _REQUIRED), ("axis", "axis", -1))),
    "cumsum": ("cumsum", (("x", "x", _REQUIRED), ("axis", "axis", 0))),
    "maximum": ("maximum", (("x", "x1", _REQUIRED), ("y", "x2", _REQUIRED))),
    "minimum": ("minimum", (("x", "x1", _REQUIRED), ("y", "x2", _REQUIRED))),
    "pow": ("power", (("x", "x1", _REQUIRED), ("a", "x2", _REQUIRED))),
    "clip": ("clip", (("x", "x", _REQUIRED), ("min_value", "x_min", _REQUIRED),
                      ("max_value", "x_max", _REQUIRED))),
    # over every axis by default, ops.normalize over the last: the same shape
    "l2_normalize": ("normalize", (("x", "x", _REQUIRED), ("axis", None, None))),
    # a parameter named with "_" is the op's own, never the function's (bind refuses it)
    "flatten": ("reshape", (("x", "x", _REQUIRED), ("_shape", "newshape", (-1,)))),
    "repeat_elements": ("repeat", (("x", "x", _REQUIRED), ("rep", "repeats", _REQUIRED),
                                   ("axis", "axis", _REQUIRED))),
    "dot": ("dot", (("x", "x1", _REQUIRED), ("y", "x2", _REQUIRED))),
}


def bind(name: str, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """``K.<name>(*args, **kwargs)``'s arguments by its parameters' names, its defaults
    filled in; None for a function not in the table or a call Python would refuse (too
    many arguments, an unknown keyword, a required one missing)."""
    entry = BACKEND.get(name)
    if entry is None:
        return None
    names = [p for p, _, _ in entry[1] if not p.startswith("_")]
    if len(args) > len(names) or any(k not in names for k in kwargs):
        return None
    given = {**dict(zip(names, args)), **kwargs}
    bound = {p: given.get(p, default) for p, _, default in entry[1]}
    return None if any(v is _REQUIRED for v in bound.values()) else bound


def as_op(name: str, args: list[Any], kwargs: dict[str, Any]) -> tuple[str, list[Any], dict[str, Any]] | None:
    """``K.<name>(*args, **kwargs)`` as (the op, its arguments by name), or None (see
    ``bind``)."""
    bound = bind(name, args, kwargs)
    if bound is None:
        return None
    op, params = BACKEND[name]
    return op, [bound[params[0][0]]], {target: bound[p] for p, target, _ in params[1:] if target is not None}


# --- outside a Lambda ----------------------------------------------------------------------
# tf.keras code also calls the backend on its model's tensors directly (``K.sum(h * a,
# axis=1)``). TensorFlow then dispatches each TensorFlow function the backend function
# calls to a TFOpLambda layer: K.sum is one layer, tf.math.reduce_sum; K.sqrt two
# (tf.math.maximum with 0, then tf.math.sqrt); K.any casts to bool first. Each entry gives
# those calls for a call's arguments (tf_keras 2's backend.py): the TensorFlow function,
# its arguments after the tensor, its keywords; the first call takes the backend
# function's first argument, each later one the call before's result. None where the
# backend builds more than the reader follows (K.elu with an alpha other than 1 is a
# tf.where of three layers). K.mean, K.std and K.var cast a boolean tensor to floats
# first, one layer more: the reader takes a tensor to be of floats, as a layer's output
# is. K.concatenate records a negative axis counted from the front (-1 is 2 for a tensor
# of rank 3), the same shapes.
Step = tuple[str, list, dict]


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _reduce(function: str) -> Any:
    return lambda b: [(function, [b["axis"], b["keepdims"]], {})]


def _by_keywords(function: str) -> Any:
    return lambda b: [(function, [], {"axis": b["axis"], "keepdims": b["keepdims"]})]


def _cast_then_reduce(function: str) -> Any:
    return lambda b: [("cast", ["bool"], {}), (function, [b["axis"], b["keepdims"]], {})]


def _one(function: str) -> Any:
    return lambda b: [(function, [], {})]


def _relu(b: dict[str, Any]) -> list[Step] | None:
    alpha, top, threshold = b["alpha"], b["max_value"], b["threshold"]
    if not (_number(alpha) and _number(threshold) and (top is None or _number(top))):
        return None
    if threshold != 0 or alpha != 0 and top is not None:
        return None  # x less its negative part, clipped: five layers and more
    if alpha != 0:
        return [("nn.leaky_relu", [], {"alpha": alpha})]
    if top is None:
        return [("nn.relu", [], {})]
    if top == 6:
        return [("nn.relu6", [], {})]
    return [("nn.relu", [], {}), ("clip_by_value", [0.0, top], {})]


def _clip(b: dict[str, Any]) -> list[Step] | None:
    low, high = b["min_value"], b["max_value"]
    if not (_number(low) and _number(high)):
        return None  # None is an infinity; an unknown bound could be either
    return [("clip_by_value", [low, max(low, high)], {})]  # a maximum under the minimum is it


TF_STEPS: dict[str, Any] = {
    **{name: _reduce(f"math.reduce_{name}") for name in ("mean", "sum", "max", "min", "prod")},
    "std": _by_keywords("math.reduce_std"),
    "var": _by_keywords("math.reduce_variance"),
    "any": _cast_then_reduce("math.reduce_any"),
    "all": _cast_then_reduce("math.reduce_all"),
    **{name: _one(f"math.{name}") for name in ("square", "exp", "log", "abs", "sigmoid", "tanh", "softplus")},
    "sqrt": lambda b: [("math.maximum", [0.0], {}), ("math.sqrt", [], {})],
    "concatenate": lambda b: [("concat", [b["axis"]], {})],
    "expand_dims": lambda b: [("expand_dims", [b["axis"]], {})],
    "squeeze": lambda b: [("squeeze", [[b["axis"]]], {})],
    "reshape": lambda b: [("reshape", [b["shape"]], {})],
    "permute_dimensions": lambda b: [("transpose", [], {"perm": b["pattern"]})],
    "stack": lambda b: [("stack", [], {"axis": b["axis"]})],
    "softmax": lambda b: [("nn.softmax", [], {"axis": b["axis"]})] if isinstance(b["axis"], int) else None,
    "relu": _relu,
    "elu": lambda b: [("nn.elu", [], {})] if b["alpha"] == 1 else None,
    "tile": lambda b: [("tile", [[b["n"]] if isinstance(b["n"], int) else b["n"]], {})],
    "cast": lambda b: [("cast", [b["dtype"]], {})],
    "argmax": lambda b: [("math.argmax", [b["axis"]], {})],
    "argmin": lambda b: [("math.argmin", [b["axis"]], {})],
    "cumsum": lambda b: [("math.cumsum", [], {"axis": b["axis"]})],
    "maximum": lambda b: [("math.maximum", [b["y"]], {})],
    "minimum": lambda b: [("math.minimum", [b["y"]], {})],
    "pow": lambda b: [("math.pow", [b["a"]], {})],
    "clip": _clip,
    "l2_normalize": lambda b: [("math.l2_normalize", [], {"axis": b["axis"]})],
    "flatten": lambda b: [("reshape", [[-1]], {})],
}


def as_tf(name: str, args: list[Any], kwargs: dict[str, Any]) -> tuple[Any, list[Step]] | None:
    """``K.<name>(*args, **kwargs)`` on tf.keras tensors as (its first argument, the
    TensorFlow calls it makes; see above), or None where the reader does not follow it."""
    bound = bind(name, args, kwargs)
    steps = TF_STEPS[name](bound) if bound is not None and name in TF_STEPS else None
    return None if steps is None else (bound[BACKEND[name][1][0][0]], steps)
