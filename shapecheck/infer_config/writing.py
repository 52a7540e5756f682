"""Writing an inference out: the spec as data, as YAML with the ambiguities as comments
at the top, and the whole inference as JSON."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable

from .result import Ambiguity, Inference, InferredLayer, SpecGraph

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _graph_dict(graph: SpecGraph) -> dict[str, Any]:
    inputs: dict[str, Any] = {}
    for i in graph.inputs:
        inputs[i.name] = list(i.shape) if i.dtype == "float32" else {"shape": list(i.shape), "dtype": i.dtype}
    layers = []
    for layer in graph.layers:
        entry: dict[str, Any] = {"name": layer.name, "type": layer.type, **layer.args}
        if layer.inputs:
            entry["inputs"] = layer.inputs[0] if len(layer.inputs) == 1 else list(layer.inputs)
        if layer.graph is not None:
            entry["graph"] = _graph_dict(layer.graph)
        layers.append(entry)
    return {"inputs": inputs, "layers": layers, "outputs": list(graph.outputs)}


def to_spec(inference: Inference) -> dict[str, Any]:
    """The spec as data (``?`` is None), in shapecheck's spec format."""
    spec: dict[str, Any] = {}
    if inference.model_name:
        spec["model"] = inference.model_name
    if inference.dims:
        spec["dims"] = {name: {"min": low} for name, low in inference.dims}
    spec.update(_graph_dict(inference.graph))
    return spec


def _scalar(value: Any) -> str:
    if value is None:
        return "?"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _YAML11_WORDS:
        return text
    return json.dumps(text)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _block(spec: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    out = []
    for key, value in spec.items():
        if key in ("dims", "inputs"):
            out.append(f"{pad}{key}:")
            out += [f"{pad}  {_scalar(k)}: {_flow(v)}" for k, v in value.items()]
        elif key == "layers":
            out.append(f"{pad}layers:")
            for entry in value:
                flat = _flow(entry)
                if "graph" not in entry and len(flat) + indent + 4 <= 110:
                    out.append(f"{pad}  - {flat}")
                    continue
                first = True
                for k, v in entry.items():
                    lead = f"{pad}  - " if first else f"{pad}    "
                    first = False
                    if k == "graph":
                        out.append(f"{lead}graph:")
                        out += _block(v, indent + 6)
                    else:
                        out.append(f"{lead}{_scalar(k)}: {_flow(v)}")
        else:
            out.append(f"{pad}{key}: {_flow(value)}")
    return out


def to_spec_yaml(inference: Inference) -> str:
    """The spec as YAML, the ambiguities as comments at the top: what the weights do not
    record, and the value written for each. An inference without layers (its
    diagnostics say why) has no spec: ValueError."""
    if not inference.layers:
        raise ValueError(f"no layer was inferred from {inference.path}; see its diagnostics")
    source = os.path.basename(inference.path)
    what = {"keras3": "Keras 3 weights", "legacy": "legacy Keras .h5 weights"}.get(inference.layout or "",
                                                                                  "weights")
    dropped = [d.layer for d in inference.diagnostics if d.code == "SC113" and d.layer]
    lines = [f"# Inferred by `shapecheck infer-config` from the weight shapes in {source} ({what})."]
    if dropped:  # never claim more than the spec holds
        import textwrap

        said = " ".join((f"Running shapecheck on this spec gives exactly those shapes for every layer "
                         f"but the {len(dropped)} left out (SC113: infer-config cannot tell their "
                         f"configuration from their weights): {', '.join(dropped)}.").split())
        lines += textwrap.wrap(said, 100, initial_indent="# ", subsequent_indent="# ",
                               break_long_words=True, break_on_hyphens=False)
    else:
        lines.append("# Running shapecheck on this spec gives exactly those shapes.")
    if inference.layout == "legacy":
        lines.append("# The layers are in the order the file records (its layer_names).")
    lines.append("# The weights do not record what follows; each is written as the value shown:")
    for text in _comment_items(inference.all_ambiguities()):
        lines += _wrap_comment(text)
    lines += _block(to_spec(inference), 0)
    return "\n".join(lines) + "\n"


def _comment_items(ambiguities: Iterable[Ambiguity]) -> list[str]:
    """One item per ambiguity, except that a layer's Keras defaults share one item (their
    reasons are in the JSON output): activations, strides and the like have no weights."""
    items: list[str] = []
    defaults: dict[str, list[str]] = {}
    slot: dict[str, int] = {}
    for a in ambiguities:
        value = a.keras_default
        if a.layer is None or value is None:
            items.append(a.text())
            continue
        if a.layer not in defaults:
            defaults[a.layer] = []
            slot[a.layer] = len(items)
            items.append("")
        defaults[a.layer].append(f"{a.what} {value}")
    for layer, values in defaults.items():
        items[slot[layer]] = f"{layer}: Keras's defaults, which no weight records: {', '.join(values)}"
    return items


def _wrap_comment(text: str, width: int = 100) -> list[str]:
    import textwrap

    text = " ".join(text.split())  # no line breaks can come from the file's names
    return textwrap.wrap(text, width, initial_indent="#   - ", subsequent_indent="#     ",
                         break_long_words=True, break_on_hyphens=False)


def to_json(inference: Inference) -> str:
    """The inference as JSON: the spec (JSON is YAML, so it is a spec too), the
    ambiguities and the diagnostics, and each layer's stored weights."""

    def layer(entry: InferredLayer) -> dict[str, Any]:
        out = {"name": entry.name, "type": entry.type, "in_features": entry.in_features,
               "out_features": entry.out_features,
               "weights": [{"path": w.path, "shape": list(w.shape)} for w in entry.weights]}
        if entry.graph is not None:
            out["layers"] = [layer(e) for e in entry.graph.layers]
        return out

    data = {
        "file": inference.path,
        "layout": inference.layout,
        "spec": to_spec(inference) if inference.layers else None,
        "ambiguities": [{"layer": a.layer, "what": a.what, "chosen": a.chosen, "why": a.why}
                        for a in inference.all_ambiguities()],
        "layers": [layer(e) for e in inference.layers],
        "omitted": list(inference.omitted),
        "diagnostics": [d.to_dict() for d in inference.diagnostics],
    }
    return json.dumps(data, indent=1) + "\n"
