"""What a built model is given by ``fit()``, ``evaluate()`` and ``predict()``, checked as
Keras checks it: the data's shape (arrays or a tf.data pipeline, layer_subclasses.
data_shapes) against the model's inputs, conformed as the model conforms it when it
runs, and then through its layers. The engine does the checking, on a probe that calls
the model as a layer on the data (the library API hands it to the reader as
``interp.shapes``); what it finds is said at the call, the line to fix (SC607)."""

from __future__ import annotations

import ast

from .graph import Model, Node, Tensor, functional_spec
from .keras_api import model_layer
from .layer_subclasses import data_shapes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter


def check(interp: Interpreter, model: Model, method: str, args: list[Any], kwargs: dict[str, Any],
          node: ast.AST) -> None:
    """``model.fit(x, ...)`` of a built functional or Sequential model: SC607 when Keras
    would refuse x. Data of sizes the reader cannot know, or a structure other than one
    array per input, is left to Keras."""
    built = model.cls == "Functional" or model.cls == "Sequential" and model.input_shape is not None
    if not built or model.abandoned or interp.shapes is None:
        return
    shapes = data_shapes(interp, method, args, kwargs, node, named=False)
    if shapes is None:
        return
    shapes = shapes if isinstance(shapes, list) else [shapes]
    if len(shapes) != (len(model.inputs) if model.cls == "Functional" else 1):
        return
    loc = interp.loc(node)
    layer = model_layer(interp, model)
    layer.args["fitted"] = True
    data = [Tensor(Node(f"{method}_x" if len(shapes) == 1 else f"{method}_x{i}", None, [], {}, {}, loc, i,
                        shape)) for i, shape in enumerate(shapes)]
    called = Tensor(Node(model.name, layer, data, {}, {}, loc, len(data)))
    probe = Model("Functional", f"{method}_data", loc, data, [called])
    _, errors = interp.shapes(functional_spec(probe), errors=True)
    if errors:
        first = errors[0]
        interp.note("SC607", f"{method}() gives {model.name!r} data of shape "
                    f"{', '.join(_fmt(s) for s in shapes)}, which it does not take: {first.message}",
                    node, hint=first.hint)


def _fmt(shape: tuple) -> str:
    sizes = ", ".join("None" if d is None else str(d) for d in shape)
    return f"({sizes},)" if len(shape) == 1 else f"({sizes})"
