"""Keras 2's backend functions (``K.mean(t, axis=1)``) inside a Lambda's function, as the
Keras 3 op of the same shape: a Lambda's output is what its function gives on symbolic
tensors, and Keras 2 code writes that function with the backend. Each entry is the
backend function's parameters in order (tf_keras 2's signatures) with its defaults where
they are not the op's (``K.concatenate`` joins on the last axis, ``ops.concatenate`` on the
first; ``K.argmax`` takes the last axis, ``ops.argmax`` none), and the op's name for each.
A parameter that changes no shape (``K.relu``'s ``alpha``) maps to None and is dropped.
Only functions whose op has a rule are here (not ``l2_normalize`` or ``repeat_elements``:
``ops.normalize`` and ``ops.repeat`` have none yet); tests/test_python_tf_functions.py
checks every entry's shapes against tf_keras.
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
}


def as_op(name: str, args: list[Any], kwargs: dict[str, Any]) -> tuple[str, list[Any], dict[str, Any]] | None:
    """``K.<name>(*args, **kwargs)`` as (the op, its arguments by name), or None for a
    function not in the table or a call Python would refuse (too many arguments, an
    unknown keyword, a required one missing)."""
    entry = BACKEND.get(name)
    if entry is None or len(args) > len(entry[1]):
        return None
    op, params = entry
    names = [p for p, _, _ in params]
    if any(k not in names for k in kwargs):
        return None
    given = {**dict(zip(names, args)), **kwargs}
    first, out = None, {}
    for i, (param, target, default) in enumerate(params):
        value = given.get(param, default)
        if value is _REQUIRED:
            return None
        if i == 0:
            first = value
        elif target is not None:
            out[target] = value
    return op, [first], out
