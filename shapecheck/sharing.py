"""Layers that a model holds twice: called in it directly, and held by a model it calls
as a layer (a Python file that takes a sub-model's inner tensor, as a variational
autoencoder's loss takes the encoder's ``z_mean``), or held by two models it calls as
layers (two encoders sharing an embedding). The spec says so with ``inside:`` on the
layer, ``shares:`` on the second model; Keras counts each variable once, so the total
counts such a layer's weights once, with the first model's.
"""

from __future__ import annotations

from collections.abc import Iterable

from .diagnostics import make
from .dims import Dim, fmt_shape
from .records import replace
from .report import LayerReport
from .rules.registry import Weight, params_of
from .spec import LayerSpec

NESTED_MODELS = ("Functional", "Sequential", "Model")


def counted_once(specs: tuple[LayerSpec, ...], layers: dict[str, LayerReport], diags: list
                 ) -> Iterable[LayerReport]:
    """The reports whose weights the model's totals count: all but the layers a nested
    model of the spec holds too (``inside:``), each checked against the model's weights
    (the same layer object has the same weights), its report saying so."""
    inside = [layer for layer in specs if layer.inside is not None]
    held = _held_elsewhere(inside, layers, diags) if inside else ()
    return [r for n, r in layers.items() if n not in held] if held else layers.values()


def _held_elsewhere(inside: list[LayerSpec], layers: dict[str, LayerReport], diags: list) -> set[str]:
    held: set[str] = set()
    for layer in inside:
        name, host = layer.name, layer.inside
        own, model = layers.get(name), layers.get(host)
        if own is None:  # a name used twice, already said (SC203)
            continue
        if model is None or model.type not in NESTED_MODELS:
            diags.append(make("SC201", f"inside: {host!r} names no nested model of this spec",
                              layer.config.where("inside", value=True), name,
                              hint="name the model-as-layer entry that holds this layer"))
            continue
        if own.output_shapes is None or model.output_shapes is None:
            continue  # what failed is said; its weights are not known
        theirs = [w for w in model.weights if w.path.startswith(f"{host}/") and f"/{name}/" in w.path]
        if [w.shape for w in theirs] != [w.shape for w in own.weights]:
            diags.append(make("SC306", f"layer {name!r} is the layer of that name inside model {host!r}, "
                              f"whose weights are {', '.join(fmt_shape(w.shape) for w in theirs) or 'none'}; "
                              f"this call would need {', '.join(fmt_shape(w.shape) for w in own.weights)}",
                              layer.where, name, hint="a shared layer needs inputs of the same "
                              "feature sizes at every call"))
            continue
        held.add(name)
        if own.weights:
            layers[name] = replace(own, why=(*own.why, f"the same layer as {name!r} inside model {host!r}: "
                                             "its weights are counted once, with that model's"))
    return held


def counted_twice(specs: tuple[LayerSpec, ...], layers: dict[str, LayerReport], diags: list
                  ) -> tuple[Dim, Dim]:
    """The parameters (all, trainable) that the reports of the models called here as layers
    hold twice: each layer of one that ``shares:`` names as another's (whose weights it
    must have: the same layer object has the same weights; SC306 if not)."""
    twice: list[Weight] = []
    for layer in specs:
        if layer.config.type not in NESTED_MODELS or layer.call:
            continue
        shares, mine = layer.config.args.get("shares"), layers.get(layer.config.name)
        if not isinstance(shares, dict) or mine is None or mine.output_shapes is None:
            continue
        for inner, host in shares.items():
            theirs = layers.get(host) if isinstance(host, str) else None
            if not isinstance(inner, str) or theirs is None or theirs.output_shapes is None:
                continue  # what failed is said; its weights are not known
            own = [w for w in mine.weights if w.path.startswith(f"{layer.name}/{inner}/")]
            held = [w for w in theirs.weights if w.path.startswith(f"{host}/{inner}/")]
            if [w.shape for w in own] != [w.shape for w in held]:
                shapes = [", ".join(fmt_shape(w.shape) for w in ws) or "none" for ws in (held, own)]
                diags.append(make("SC306", f"layer {inner!r} inside model {layer.name!r} is the layer of "
                                  f"that name inside model {host!r}, whose weights are {shapes[0]}; here it "
                                  f"would need {shapes[1]}", layer.where, layer.name,
                                  hint="a shared layer needs inputs of the same feature sizes at every call"))
                continue
            twice += own
    return params_of(twice) if twice else (0, 0)
