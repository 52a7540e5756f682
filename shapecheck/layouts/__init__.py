"""Weight layouts in other frameworks: each Keras layer of a report as PyTorch's
equivalent module (``state_dict()`` names and shapes) or ONNX's operator (its weight
inputs), with the parameter count there, the gate order, and the exact transform from
Keras's arrays. Pure functions of a ``Report``: nothing is imported from Keras, PyTorch
or ONNX.

    from shapecheck import analyze
    from shapecheck.layouts import layout, total_params

    report = analyze("specs/seed_bilstm.yaml")
    layers = layout(report, "pytorch")
    layers[1].module          # 'nn.LSTM(12, 384, batch_first=True, bidirectional=True)'
    layers[1].weights[0]      # FrameworkWeight('weight_ih_l0', (1536, 12), ..., 'kernel.T', ...)
    total_params(layers)      # 1222656: PyTorch's count, with its second bias

A layer with no equivalent there, or whose layout shapecheck does not know, gets no
weights, ``params`` None and a diagnostic (SC501, SC503); one whose weights map
exactly but whose module needs an extra operation gets SC502. docs/weight-layouts.md
explains the transforms.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..dims import Dim, total
from ..errors import UsageError
from ..records import replace
from ..report import LayerReport, Report
from . import onnx as _onnx  # noqa: F401  (registers the ONNX rules)
from . import pytorch as _pytorch  # noqa: F401  (registers the PyTorch rules)
from .base import FRAMEWORKS, RULES, Ctx, FrameworkWeight, LayerLayout, args_of, run, source_names

__all__ = ["FRAMEWORKS", "FrameworkWeight", "LayerLayout", "layer_layout", "layout", "relayout",
           "source_names", "total_params"]


def layer_layout(layer: LayerReport, framework: str) -> LayerLayout:
    """``layer`` as ``framework`` ("pytorch" or "onnx") holds it."""
    if framework not in FRAMEWORKS:
        raise UsageError(f"framework must be one of {', '.join(FRAMEWORKS)}, got {framework!r}")
    if layer.status != "ok" or layer.output_shapes is None or layer.config is None:
        # Not analysed (its own diagnostic says why), or a model input: nothing to map.
        params = 0 if layer.status == "ok" and not layer.weights else None
        return LayerLayout(layer.name, layer.type, framework, None, (), params)
    if not layer.weights:
        return LayerLayout(layer.name, layer.type, framework, None, (), 0)
    ctx = Ctx(layer.name, layer.config, args_of(layer.config), layer.weights, layer.input_shapes,
              framework)
    return run(ctx, layer.location, RULES.get((framework, layer.type)))


def layout(report: Report, framework: str) -> tuple[LayerLayout, ...]:
    """Every layer of ``report``, in its order, as ``framework`` holds it."""
    return tuple(layer_layout(layer, framework) for layer in report.layers.values())


def total_params(layouts: Iterable[LayerLayout]) -> Dim:
    """The framework's parameter count of the model: None if a layer has no layout."""
    return total(lay.params for lay in layouts)


def relayout(report: Report, framework: str) -> Report:
    """``report`` counted as ``framework`` counts: each layer's params and the totals
    are the framework's (PyTorch's BiLSTM has a second bias; BatchNorm's running
    statistics are buffers, not parameters), each layer's layout is attached, and the
    layouts' diagnostics join the report's. A layer whose Keras weights are all
    frozen has its framework parameters counted as frozen too."""
    lays = layout(report, framework)
    layers = {}
    for lay, (name, layer) in zip(lays, report.layers.items()):
        frozen = isinstance(layer.trainable_params, int) and layer.trainable_params == 0
        layers[name] = replace(layer, params=lay.params,
                               trainable_params=None if lay.params is None else 0 if frozen else lay.params)
    diagnostics = sorted([*report.diagnostics, *(d for lay in lays for d in lay.diagnostics)],
                         key=lambda d: (d.location.line or 0, d.location.column or 0))
    return replace(report, layers=layers, diagnostics=tuple(diagnostics),
                   total_params=total_params(lays),
                   trainable_params=total(lay.trainable_params for lay in layers.values()),
                   layout=framework, layer_layouts={lay.layer: lay for lay in lays})
