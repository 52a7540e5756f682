"""TensorFlow functions on a tf.keras model's tensors, for the Python reader: tf.keras 2
wraps each call (``tf.reduce_mean(h, 1)``, and each TensorFlow call a Keras 2 backend
function makes, ``K.mean(h, 1)``) in a TFOpLambda layer, named as tf.keras names it."""

from __future__ import annotations

import ast

from .graph import Layer, Tensor
from .keras_api import DROP, UNKNOWN, plain, tensors_of
from .keras_backend import as_tf
from .tf_functions import ALIASES as TF_ALIASES
from .tf_functions import FUNCTIONS as TF_FUNCTIONS
from .values import Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter


def call_tf(
    interp: Interpreter, function: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    """A TensorFlow function on tensors: tf.keras 2 wraps it in a TFOpLambda layer named
    after the function (``tf.math.reduce_mean``, ``_1``...); its first argument holds the
    tensors, the rest are its arguments by keyword. Keras 3 refuses it outside a Lambda's
    function (SC605); the layers after it are still checked, with the shape the call gives
    (the shape it keeps once in a Lambda or a layer's call())."""
    if interp.graph.dialect != "keras2" and not interp.following:
        interp.note("SC605", "A KerasTensor cannot be used as input to a TensorFlow function", node,
                    hint=f"tf.{function}: Keras 3 (tf.keras since TensorFlow 2.16) takes only its layers "
                    "and keras.ops on a model's tensors; use keras.ops, or call it in a layer")
    if function in ("einsum", "linalg.einsum") and args and isinstance(args[0], str) and not kwargs:
        # tf.einsum(equation, *inputs): the equation first, then every operand a tensor
        operands = [tensors_of(a) for a in args[1:]]
        if not operands or any(t is None or len(t) != 1 for t in operands):
            return Unknown(why="tf.einsum on values that are not tensors")
        layer = Layer("tf.einsum", {"equation": args[0]}, interp.graph.names("tf.einsum"), interp.loc(node))
        return Tensor(interp.graph.node(layer, [t[0] for t in operands], interp.loc(node)))
    tensors = tensors_of(args[0]) if args else None
    if tensors is None:
        return Unknown(why=f"tf.{function} on values that are not tensors")
    known = TF_FUNCTIONS.get(TF_ALIASES.get(function, function))
    if known is not None and len(args) <= len(known[1]):
        # tf.keras records the later positional arguments by their names (``tf.reshape(x,
        # (-1, 4))``: shape), and names the layer after the operation TensorFlow dispatched.
        function, params = known
        kwargs = {**dict(zip(params[1:], args[1:])), **kwargs}
        args = args[:1]
    values: dict[str, Any] = {}
    for key, value in kwargs.items():
        ts = tensors_of(value)
        if ts is not None:
            tensors += ts
            continue
        if key == "name":  # the op's name, not the layer's: tf.keras drops it
            continue
        v = plain(interp, value, key, node)
        if v is UNKNOWN:  # said where it is (SC602); a layer without it would say it is missing
            return Unknown(why=f"tf.{function} with an argument the reader cannot know")
        if v is not DROP:
            values[key] = v
    rest = []
    for a in args[1:]:  # a tensor among them is an input too (``tf.math.multiply(x, gate)``)
        ts = tensors_of(a)
        if ts is not None:
            tensors += ts
        elif (v := plain(interp, a, "arg", node)) is UNKNOWN:
            return Unknown(why=f"tf.{function} with an argument the reader cannot know")
        else:
            rest.append(v)
    if rest:
        values.setdefault("_positional", rest)
    layer = Layer(f"tf.{function}", values, interp.graph.names(f"tf.{function}"), interp.loc(node))
    return Tensor(interp.graph.node(layer, tensors, interp.loc(node)))


def call_backend(
    interp: Interpreter, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    """``K.<name>(...)`` on tensors outside a Lambda: the TensorFlow calls tf_keras makes
    (``keras_backend.TF_STEPS``), each on the one before's result. One the reader does
    not follow is said where it is called (SC601), besides at the model it leaves
    unchecked."""
    got = as_tf(name, args, kwargs)
    if got is None:
        interp.note("SC601", f"keras.backend.{name} on a model's tensors is not followed", node,
                    hint="what is built from it is not checked; docs/python-source.md lists the "
                    "backend functions the reader follows, with their arguments")
        return Unknown(why=f"keras.backend.{name} is not followed (said where it is called)")
    value, steps = got
    for function, rest, keywords in steps:
        value = call_tf(interp, function, [value, *rest], keywords, node)
        if isinstance(value, Unknown):
            break
    return value
