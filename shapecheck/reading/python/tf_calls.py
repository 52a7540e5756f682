"""TensorFlow functions on a tf.keras model's tensors, for the Python reader: tf.keras 2
wraps each call (``tf.reduce_mean(h, 1)``, and each TensorFlow call a Keras 2 backend
function or loss function makes, ``K.mean(h, 1)``, ``mse(x, y)``) in a TFOpLambda layer,
named as tf.keras names it; ``model.add_loss(t)`` adds the layers a loss needs to the
model (the variational autoencoders' way)."""

from __future__ import annotations

import ast

from .graph import Layer, Model, Tensor, ancestors
from .keras_api import DROP, UNKNOWN, bind, op_name, plain, shape_of, split_outputs, tensors_of
from .keras_backend import as_tf
from .limits import MAX_ITEMS
from .tf_functions import ALIASES as TF_ALIASES
from .tf_functions import FUNCTIONS as TF_FUNCTIONS
from .values import Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter


# TensorFlow's functions that take a list of tensors as such
_TAKE_LISTS = frozenset(("concat", "stack", "add_n", "math.add_n", "einsum", "linalg.einsum", "meshgrid",
                         "dynamic_stitch", "identity_n", "group", "tuple"))


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
        layer = Layer("tf.einsum", {"equation": args[0]}, op_name(interp, "tf.einsum"), interp.loc(node))
        return Tensor(interp.graph.node(layer, [t[0] for t in operands], interp.loc(node)))
    known = TF_FUNCTIONS.get(TF_ALIASES.get(function, function))
    if not args and known is not None and known[1][0] in kwargs:  # tf.image.extract_patches(images=x, ...)
        kwargs = dict(kwargs)
        args = [kwargs.pop(known[1][0])]
    tensors = tensors_of(args[0]) if args else None
    if tensors is None:
        return Unknown(why=f"tf.{function} on values that are not tensors")
    if interp.following and isinstance(args[0], (list, tuple)) and function not in _TAKE_LISTS \
            and len(tensors) == len(args[0]):
        # TensorFlow makes a list of tensors one tensor (tf.convert_to_tensor stacks them:
        # tf.math.softmax([a, b], axis=0), keras.io's attention MIL); in a layer's call()
        packed = call_tf(interp, "stack", [list(args[0])], {"axis": 0}, node)
        if not isinstance(packed, Tensor):
            return packed
        args, tensors = [packed, *args[1:]], [packed]
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
    layer = Layer(f"tf.{function}", values, op_name(interp, f"tf.{function}"), interp.loc(node))
    made = interp.graph.node(layer, tensors, interp.loc(node))
    if function == "split":
        return split_outputs(made, values.get("num_or_size_splits"), False, "tf.split")
    return Tensor(made)


def call_backend(
    interp: Interpreter, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    """``K.<name>(...)`` on tensors outside a Lambda: the TensorFlow calls tf_keras makes
    (``keras_backend.TF_STEPS``), each on the one before's result. One the reader does
    not follow is said where it is called (SC601), besides at the model it leaves
    unchecked."""
    if name == "binary_crossentropy":
        return _backend_binary_crossentropy(interp, args, kwargs, node)
    if name == "repeat_elements":
        return _repeat_elements(interp, args, kwargs, node)
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


def _single(value: Any) -> Tensor | None:
    tensors = tensors_of(value)
    return tensors[0] if tensors is not None and len(tensors) == 1 else None


def _backend_binary_crossentropy(
    interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    """``K.binary_crossentropy(target, output)``: tf_keras runs its body first, which
    makes two ``tf.convert_to_tensor`` layers (their names taken, the layers in no model)
    before it fails on the symbolic tensor; the whole function is then one layer."""
    bound = bind(("target", "output", "from_logits"), args, kwargs)
    target, output = _single(bound.get("target")), _single(bound.get("output"))
    logits = bound.get("from_logits", False)
    if target is None or output is None or not isinstance(logits, bool) or len(bound) > 3:
        interp.note("SC601", "keras.backend.binary_crossentropy on a model's tensors is not followed "
                    "with these arguments", node, hint="give it two tensors, and from_logits True or False")
        return Unknown(why="keras.backend.binary_crossentropy is not followed (said where it is called)")
    for _ in range(2 if not interp.following else 0):
        interp.graph.names("tf.convert_to_tensor")
    return call_tf(interp, "keras.backend.binary_crossentropy", [target, output], {"from_logits": logits},
                   node)


def _repeat_elements(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    """``K.repeat_elements(x, rep, axis)`` where the axis has a size: tf_keras cuts the
    tensor into one piece per element along it (``tf.split``) and joins ``rep`` copies of
    each (``K.concatenate``). An axis of unknown size takes other TensorFlow calls."""
    bound = bind(("x", "rep", "axis"), args, kwargs)
    x, rep, axis = _single(bound.get("x")), bound.get("rep"), bound.get("axis")
    shape = shape_of(interp, x) if x is not None else None
    ok = isinstance(rep, int) and not isinstance(rep, bool) and isinstance(axis, int) and len(bound) == 3 \
        and isinstance(shape, tuple) and -len(shape) <= axis < len(shape)
    size = shape[axis] if ok else None
    if not (isinstance(size, int) and 0 < size * max(rep, 1) <= MAX_ITEMS):
        interp.note("SC601", "keras.backend.repeat_elements on a model's tensors is not followed here", node,
                    hint="tf_keras cuts the axis into one piece per element: it needs a known size")
        return Unknown(why="keras.backend.repeat_elements is not followed (said where it is called)")
    pieces = call_tf(interp, "split", [x], {"num_or_size_splits": size, "axis": axis}, node)
    if not isinstance(pieces, list):
        return pieces
    copies = [piece for piece in pieces for _ in range(rep)]
    return call_backend(interp, "concatenate", [copies], {"axis": axis}, node)


# keras.losses' functions (also as keras.metrics.) on tf.keras 2 tensors: tf_keras runs
# the function (losses.py), and each TensorFlow call in it is a layer: y_pred converted,
# y_true cast to its dtype, the loss per element, then its mean over ``axis``.
LOSSES = {
    **dict.fromkeys(("mean_squared_error", "mse", "MSE"), "squared"),
    **dict.fromkeys(("mean_absolute_error", "mae", "MAE"), "absolute"),
    "binary_crossentropy": "crossentropy",
}


def call_loss(interp: Interpreter, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    kind = LOSSES[name]
    params = ("y_true", "y_pred", "from_logits", "label_smoothing", "axis") if kind == "crossentropy" \
        else ("y_true", "y_pred")
    bound = bind(params, args, kwargs)
    y_true, y_pred = _single(bound.get("y_true")), _single(bound.get("y_pred"))
    logits, axis = bound.get("from_logits", False), bound.get("axis", -1)
    smoothing = bound.get("label_smoothing", 0)
    # label smoothing makes more layers (y_true * (1 - s) + s / 2), unless it is 0
    if y_true is None or y_pred is None or set(bound) - set(params) or not isinstance(logits, bool) \
            or smoothing != 0 or not isinstance(axis, int):
        interp.note("SC601", f"keras.losses.{name} on a model's tensors is not followed with these arguments",
                    node, hint="what is built from it is not checked; docs/python-source.md says which "
                    "loss functions the reader follows")
        return Unknown(why=f"keras.losses.{name} is not followed (said where it is called)")
    y_pred = call_tf(interp, "convert_to_tensor", [y_pred], {}, node)
    y_true = call_tf(interp, "cast", [y_true, "float32"], {}, node)
    if kind == "squared":
        each = call_tf(interp, "math.squared_difference", [y_pred, y_true], {}, node)
    elif kind == "absolute":
        difference = call_tf(interp, "math.subtract", [y_pred], {"y": y_true}, node)  # y_pred - y_true
        each = call_tf(interp, "math.abs", [difference], {}, node)
    else:
        each = _backend_binary_crossentropy(interp, [y_true, y_pred], {"from_logits": logits}, node)
    return call_backend(interp, "mean", [each], {"axis": axis}, node)


def add_kept(interp: Interpreter, model: Model, method: str, args: list[Any], kwargs: dict[str, Any],
             node: ast.AST) -> None:
    """``model.add_loss(t)`` (``add_metric``) on a tf.keras 2 functional model: an AddLoss
    (AddMetric) layer on the tensor, which the model keeps, with every layer between its
    inputs and the tensor, the inner layers of a model it calls included (tf_keras's
    ``_graph_network_add_loss``). A loss that is a function (``lambda: ...``) makes none.
    Keras 3's functional models refuse a tensor."""
    value = args[0] if args else kwargs.get("losses" if method == "add_loss" else "value")
    tensors = [t for t in (value if isinstance(value, (list, tuple)) else [value]) if isinstance(t, Tensor)]
    keras3 = interp.graph.dialect != "keras2"
    if keras3 and method == "add_metric":  # Keras's words: refused whatever it is given
        interp.note("SC605", "Layer `add_metric()` method is deprecated. Add your metric in "
                    "`Model.compile(metrics=[...])`", node, hint="or make a metric tracker and call its "
                    "update_state() in train_step")
        return
    if not tensors:
        return
    if keras3:
        said = "Functional.add_loss raises NotImplementedError in Keras 3: it takes no symbolic tensor" \
            if model.cls == "Functional" else \
            "`add_loss()` can only be called from inside `build()` or `call()`, on a tensor input"
        interp.note("SC605", said, node, hint="compute the loss in the model's train_step or "
                    "compute_loss, or in a layer's call() with self.add_loss")
        return
    inputs = {id(t.node) for t in model.inputs}
    if model.cls != "Functional" or any(n.layer is None and id(n) not in inputs for n in ancestors(tensors)):
        interp.note("SC601", f"model.{method} is not followed: " + (
            "on a Sequential" if model.cls != "Functional" else
            "the tensor needs an input the model does not take (tf.keras raises: Graph disconnected)"), node)
        return
    if method == "add_loss":
        config: dict[str, Any] = {"unconditional": False}
    else:  # add_metric(value, name=None, aggregation=None): tf_keras wants the name
        bound = bind(("value", "name"), args, kwargs)
        name, aggregation = bound.get("name"), bound.get("aggregation")
        if not isinstance(name, str) or aggregation not in ("mean", None) or len(bound) > 3:
            interp.note("SC601", "model.add_metric is not followed without a name the reader knows", node)
            return
        config = {"aggregation": aggregation, "metric_name": name}
    cls = "AddLoss" if method == "add_loss" else "AddMetric"
    for tensor in tensors:
        layer = Layer(cls, dict(config), interp.graph.names.layer(cls), interp.loc(node))
        model.kept.append(Tensor(interp.graph.node(layer, [tensor], interp.loc(node))))
