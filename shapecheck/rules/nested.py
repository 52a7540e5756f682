"""A model used as a layer (a Sequential inside a Functional, as keras.applications'
ConvNeXt does): its own graph runs on the shapes it is called with, and its weights
appear under its name, as Keras's summary shows them (``inner/lstm/lstm_cell/kernel``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..diagnostics import Finding, Severity
from ..dims import fmt_shape
from .registry import Arg, LayerCall, Note, Output, rule


def _graph(v: Any) -> Any:
    if not isinstance(v, dict):
        raise ValueError("expected the nested model's config")
    return v


@rule("Functional", "Sequential", "Model",
      args=(Arg("graph", _graph, doc="the nested model, in spec form", kind="model"),),
      accepts=("model",), inputs=None)
def nested_model(call: LayerCall) -> Output:
    """Runs the inner model's layers on the call's inputs; its outputs are the layer's."""
    from ..engine import run
    from ..reading.spec import read_spec

    spec, found = read_spec(call["graph"], None, "dict", lenient=True)
    if spec is None or len(spec.inputs) != len(call.inputs):
        want = 0 if spec is None else len(spec.inputs)
        raise Finding("SC206", f"model {call.name!r} takes {want} input(s), got {len(call.inputs)}: "
                      f"{', '.join(fmt_shape(s) for s in call.inputs)}")
    # The inner InputLayers' shapes are what the model was built for; the call decides.
    spec = replace(spec, inputs=tuple(replace(i, shape=s) for i, s in zip(spec.inputs, call.inputs)),
                   facts=call.facts, custom=call.custom)
    report = run(spec, found)
    errors = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        raise Finding(first.code, f"inside model {call.name!r}, layer {first.layer!r}: {first.message}",
                      hint=first.hint)
    weights = tuple(w for layer in report.layers.values() for w in layer.weights)
    notes = tuple(Note(d.code, f"inside model {call.name!r}: {d.message}", d.hint)
                  for d in report.diagnostics if d.severity is Severity.WARNING)
    inner = ", ".join(f"{n} ({layer.type})" for n, layer in report.layers.items()
                      if layer.type != "InputLayer")
    return Output(report.outputs, weights, notes, (f"a model used as a layer: {inner}",))
