"""What a built model is given by ``fit()``, ``evaluate()`` and ``predict()``, checked as
Keras checks it: the data's shape (arrays or a tf.data pipeline, layer_subclasses.
data_shapes) against the model's inputs, conformed as the model conforms it when it
runs, and then through its layers. The engine does the checking, on a probe that calls
the model as a layer on the data (the library API hands it to the reader as
``interp.shapes``); what it finds is said at the call, the line to fix (SC607). The
labels are checked against what the model outputs on that data, by the loss
``compile()`` gave it, as Keras 3's and tf.keras 2's losses check them (``labels``)."""

from __future__ import annotations

import ast

from ...dims import fmt_shape
from . import datasets
from .arrays import Array
from .graph import Model, Node, Tensor, functional_spec
from .keras_api import bind, model_layer
from .layer_subclasses import data_shapes
from .values import Module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter


def check(interp: Interpreter, model: Model, method: str, args: list[Any], kwargs: dict[str, Any],
          node: ast.AST, built_now: bool = False) -> None:
    """``model.fit(x, ...)`` of a built functional or Sequential model: SC607 when Keras
    would refuse x or y, and then fit()'s ``validation_data``, which Keras runs the model on
    at the end of the first epoch, and refuses there. Data of sizes the reader cannot know,
    or a structure other than one array per input, is left to Keras. A Sequential the call
    ``built_now`` on x says what its layers refuse in its own report."""
    built = model.cls == "Functional" or model.cls == "Sequential" and model.input_shape is not None
    if not built or model.abandoned or interp.shapes is None:
        return
    if _check(interp, model, method, f"{method}()", args, kwargs, node, built_now) or method != "fit":
        return
    given = kwargs.get("validation_data", args[7] if len(args) > 7 else None)
    if isinstance(given, (tuple, list)) and 2 <= len(given) <= 3:  # (x, y) or (x, y, sample_weight)
        _check(interp, model, method, "fit()'s validation_data", list(given[:2]), {}, node)
    elif isinstance(given, datasets.Dataset):
        _check(interp, model, method, "fit()'s validation_data", [given], {}, node)


def _check(interp: Interpreter, model: Model, method: str, what: str, args: list[Any], kwargs: dict[str, Any],
           node: ast.AST, built_now: bool = False) -> bool:
    """SC607 when Keras would refuse x or y of this call (``what`` it is); whether it said so."""
    shapes = data_shapes(interp, method, args, kwargs, node, named=False)
    if shapes is None:
        return False
    shapes = shapes if isinstance(shapes, list) else [shapes]
    if len(shapes) != (len(model.inputs) if model.cls == "Functional" else 1):
        return False
    outputs, errors = _probe(interp, model, method, shapes, node)
    if errors and (built_now or _probe(interp, model, method, _built_for(model), node)[1]):
        return False  # the model refuses its own inputs too: said where it is built
    if errors:
        first = errors[0]
        interp.note("SC607", f"{what} gives {model.name!r} data of shape "
                    f"{', '.join(fmt_shape(s) for s in shapes)}, which it does not take: {first.message}",
                    node, hint=first.hint)
        return True
    loss = interp.losses.get(id(model), (None, None))[1]  # compiled()
    if loss is None or not outputs:
        return False
    names = _output_names(model, len(outputs))
    losses = [loss] * len(names) if isinstance(loss, str) else _per_output(loss, names)
    given = _per_output(_labels(method, args, kwargs), names)
    for i, (y, out, each) in enumerate(zip(given, outputs, losses)):
        if not isinstance(y, tuple) or not isinstance(each, str):
            continue
        clash = labels(interp.graph.dialect == "keras2", each, y, tuple(out))
        if clash is not None:
            said, hint = clash
            which = "its output" if len(outputs) == 1 else f"its output {names[i]!r}"
            interp.note("SC607", f"{what} gives {model.name!r} labels of shape {fmt_shape(y)} for {which} "
                        f"{fmt_shape(tuple(out))}, which its loss {each} does not take: {said}",
                        node, hint=hint)
            return True
    return False


def _output_names(model: Model, count: int) -> list[str]:
    """The model's outputs by the names Keras keys them by: the layers that make them."""
    if model.cls != "Functional" or len(model.outputs) != count:
        return [model.name] * count
    return [t.node.layer.name if t.node.layer is not None else t.node.id for t in model.outputs]


def _per_output(value: Any, names: list[str]) -> list[Any]:
    """One value for each output: a list's by position, a dict's by the output's name, a
    single one for a single output; None where none is known."""
    if isinstance(value, list) and len(value) == len(names):
        return value
    if isinstance(value, dict):
        return [value.get(name) for name in names]
    return [value] if len(names) == 1 else [None] * len(names)


def compiled(interp: Interpreter, model: Model, args: list[Any], kwargs: dict[str, Any]) -> None:
    """``model.compile(optimizer, loss, ...)``: the loss fit()'s labels are checked with,
    kept by the model (the model kept too, so its id is its own)."""
    interp.losses[id(model)] = (model, loss_of(bind(("optimizer", "loss"), args, kwargs).get("loss")))


def _probe(interp: Interpreter, model: Model, method: str, shapes: list[tuple], node: ast.AST) -> tuple:
    """The engine's (outputs, errors) for the model called, as fit() calls it, on inputs of
    these shapes."""
    loc = interp.loc(node)
    layer = model_layer(interp, model)
    layer.args["fitted"] = True
    data = [Tensor(Node(f"{method}_x" if len(shapes) == 1 else f"{method}_x{i}", None, [], {}, {}, loc, i,
                        shape)) for i, shape in enumerate(shapes)]
    called = Tensor(Node(model.name, layer, data, {}, {}, loc, len(data)))
    return interp.shapes(functional_spec(Model("Functional", f"{method}_data", loc, data, [called])),
                         errors=True)


def _built_for(model: Model) -> list[tuple]:
    """The shapes of the inputs the model was built for."""
    if model.cls == "Sequential":
        return [tuple(model.input_shape)]
    return [tuple(t.node.shape or ()) for t in model.inputs]


def _labels(method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """The shape of the labels (y) the call gives, its batch axis None (a list or a dict of
    them, one per output); None when unknown."""
    if method not in ("fit", "evaluate", "train_on_batch", "test_on_batch"):
        return None
    bound = bind(("x", "y"), args, kwargs)
    x, y = bound.get("x"), bound.get("y")
    return _shaped(datasets.fitted_on(x, 1) if isinstance(x, datasets.Dataset) else y)


def _shaped(y: Any) -> Any:
    if isinstance(y, (list, tuple)) and 1 < len(y) <= MAX_OUTPUTS:
        return [_shaped(v) for v in y]
    if isinstance(y, dict) and 0 < len(y) <= MAX_OUTPUTS:
        return {k: _shaped(v) for k, v in y.items()}
    shape = y.shape if isinstance(y, (Array, datasets.Part)) else None
    if not shape or not all(d is None or d.__class__ is int for d in shape):
        return None
    return (None, *shape[1:])


#: the outputs whose labels are checked one by one, at most
MAX_OUTPUTS = 64


# compile()'s loss, as a string, a function of keras.losses or an object of its class:
# the name the check goes by
_LOSSES = {
    **dict.fromkeys(("categorical_crossentropy", "CategoricalCrossentropy"), "categorical_crossentropy"),
    **dict.fromkeys(("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"),
                    "sparse_categorical_crossentropy"),
    **dict.fromkeys(("binary_crossentropy", "BinaryCrossentropy"), "binary_crossentropy"),
    **dict.fromkeys(("mse", "MSE", "mean_squared_error", "MeanSquaredError"), "mean_squared_error"),
    **dict.fromkeys(("mae", "MAE", "mean_absolute_error", "MeanAbsoluteError"), "mean_absolute_error"),
    **dict.fromkeys(("categorical_hinge", "CategoricalHinge"), "categorical_hinge"),
    **dict.fromkeys(("kl_divergence", "kld", "KLD", "kullback_leibler_divergence", "KLDivergence"),
                    "kl_divergence"),
}
#: losses that compute elementwise on y_true and y_pred, broadcasting one against the other
_BROADCAST = frozenset(("mean_squared_error", "mean_absolute_error", "categorical_hinge", "kl_divergence"))


class LossObject:
    """``keras.losses.CategoricalCrossentropy(...)``: an object of a loss class, by name."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def loss_object(path: tuple[str, ...]) -> LossObject | None:
    """The object a loss class of keras.losses makes, for compile(); None for another."""
    return LossObject(path[-1]) if path[-1] in _LOSSES and path[-1][:1].isupper() else None


def loss_of(value: Any) -> Any:
    """compile()'s ``loss=``, as the check names it (a list or a dict of them, one per
    output); None for one it does not check."""
    if isinstance(value, (list, tuple)) and 1 < len(value) <= MAX_OUTPUTS:
        return [loss_of(v) for v in value]
    if isinstance(value, dict) and 0 < len(value) <= MAX_OUTPUTS:
        return {k: loss_of(v) for k, v in value.items()}
    if isinstance(value, str):
        name = value
    elif isinstance(value, Module) and value.path[-2:-1] == ("losses",):
        name = value.path[-1]
    elif isinstance(value, LossObject):
        name = value.name
    else:
        return None
    return _LOSSES.get(name)


def labels(keras2: bool, loss: str, y: tuple, out: tuple) -> tuple[str, str] | None:
    """Keras's refusal of labels of shape ``y`` for an output ``out`` under ``loss`` (its
    words, and a hint); None when Keras takes them, or when the reader cannot decide
    (an elementwise loss on ranks that differ broadcasts by the batch's size)."""
    y, out = (tuple(d if d.__class__ is int else None for d in s) for s in (y, out))  # named sizes: open
    if keras2:  # tf_keras's data adapter makes 1-D labels a column first
        y = (*y, 1) if len(y) == 1 else y
    y, out = _same_rank(y, out, keras2)
    if loss == "sparse_categorical_crossentropy":
        target = y[:-1] if len(y) == len(out) and y[-1] == 1 else y
        ranked = len(target) == len(out) - 1
        if not ranked or _differ(target, out[:-1]):
            said = "Argument `output` must have rank (ndim) `target.ndim - 1`" if not ranked \
                else "Arguments `target` and `output` must have the same shape up until the last dimension"
            return (f"{said}. Received: target.shape={fmt_shape(target)}, output.shape={fmt_shape(out)}",
                    "labels with a class axis are one-hot: use loss=\"categorical_crossentropy\", or give "
                    "class ids (np.argmax(y, axis=-1))" if len(target) == len(out) else
                    "give sparse_categorical_crossentropy one class id per sample")
        return None
    strict = loss == "categorical_crossentropy" or loss == "binary_crossentropy" and not keras2
    if strict:
        if len(y) != len(out) or _differ(y, out):
            said = f"Shapes {fmt_shape(y)} and {fmt_shape(out)} are incompatible" if keras2 else \
                ("Arguments `target` and `output` must have the same rank (ndim)" if len(y) != len(out) else
                 "Arguments `target` and `output` must have the same shape") + \
                f". Received: target.shape={fmt_shape(y)}, output.shape={fmt_shape(out)}"
            ids = loss == "categorical_crossentropy" and out[-1] != 1 and (y[-1] == 1 or len(y) < len(out))
            classes = "num_classes" if out[-1] is None else out[-1]
            return said, ("the labels are class ids: use loss=\"sparse_categorical_crossentropy\", or "
                          f"one-hot them with keras.utils.to_categorical(y, {classes})" if ids else
                          f"the model outputs {out[-1]} values per sample and the labels have {y[-1]}: make "
                          "the last layer's units the labels' width")
        return None
    if (loss in _BROADCAST or loss == "binary_crossentropy") and len(y) == len(out):
        if any(a is not None and b is not None and a != b and 1 not in (a, b)
               for a, b in zip(y[1:], out[1:])):
            return (f"Dimensions must be equal: the labels {fmt_shape(y)} and the output {fmt_shape(out)} "
                    "do not broadcast", f"the model outputs {out[-1]} values per sample and the labels have "
                    f"{y[-1]}: make the last layer's units the labels' width")
    return None


def _same_rank(y: tuple, out: tuple, keras2: bool) -> tuple[tuple, tuple]:
    """The losses' squeeze_or_expand_to_same_rank (Keras 3), squeeze_or_expand_dimensions
    (tf_keras): a trailing 1 squeezed (Keras 3 adds one to 1-D labels instead)."""
    if len(y) == len(out) + 1 and y[-1] == 1:
        return (y, (*out, 1)) if len(out) == 1 and not keras2 else (y[:-1], out)
    if len(out) == len(y) + 1 and out[-1] == 1:
        return ((*y, 1), out) if len(y) == 1 and not keras2 else (y, out[:-1])
    return y, out


def _differ(a: tuple, b: tuple) -> bool:
    return any(x is not None and y is not None and x != y for x, y in zip(a, b))


