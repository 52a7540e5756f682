"""From weights to a model: ``shapecheck infer-config weights.h5``.

A weights file stores each layer's variables and their shapes, and from the shapes
alone much of a layer's configuration follows: a Dense kernel ``(a, b)`` is
``units=b`` on ``a`` input features, a recurrent kernel ``(u, k*u)`` is ``k`` gates of
``units=u`` (k = 4 LSTM, 3 GRU, 1 SimpleRNN), a GRU bias ``(2, 3u)`` is
``reset_after=True``... What the shapes cannot tell (activations, strides, padding,
``return_sequences``, ``merge_mode``, sequence lengths, which layer feeds which, and in a
Keras 3 file the order of layers of different classes) is never guessed silently: each
is an :class:`Ambiguity` that names the value written into the spec and why weights
cannot tell. The result is a spec in shapecheck's format that reproduces every stored
shape, which :func:`infer_file` checks by running shapecheck on it.

The stages, one module each: ``classify`` matches each stored layer's weights to a
layer kind (``kinds`` lists those it knows), ``wiring`` chains the layers into a model,
``writing`` writes the spec; ``result`` holds the data they pass on. Everything is pure
data in, data out; reading the file is ``shapecheck.reading.weights_h5``, which never
reads a weight's values.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from ..diagnostics import Diagnostic, Location, Severity, make
from ..reading.weights_h5 import StoredWeight, WeightsFile
from ..records import replace
from .classify import Classifier
from .kinds import safe_name
from .result import Ambiguity, Inference, InferredLayer, SpecGraph, SpecInput
from .wiring import wire
from .writing import to_json, to_spec, to_spec_yaml

__all__ = ["Ambiguity", "InferredLayer", "SpecInput", "SpecGraph", "Inference", "StoredWeight",
           "infer_file", "infer_weights", "to_spec", "to_spec_yaml", "to_json", "verify"]


def infer_file(path: str | os.PathLike, check: bool = True) -> Inference:
    """Infer a spec from the weight shapes in ``path`` (a Keras 3 ``.weights.h5``, a
    ``.keras`` archive or a legacy ``.h5``). Raises OSError only when the file cannot
    be opened; anything wrong inside it is a diagnostic. With ``check`` (the default)
    the spec is run through shapecheck, and a stored shape it does not reproduce is a
    ``SC115`` warning."""
    from ..reading import weights_h5

    path = os.fspath(path)
    with open(path, "rb") as fh:
        stored, found = weights_h5.read(fh, path)
    if stored is None:
        return _empty(path, None, found)
    inference = infer_weights(stored, path, found)
    if _holds_config(path):
        note = make("SC118", "this file also holds the model's config; infer-config reads only its "
                    "weight shapes, as it does for any weights file", Location(path, 1, 1),
                    hint=f"`shapecheck {path}` reads the exact model from that config")
        inference = replace(inference, diagnostics=(note, *inference.diagnostics))
    if check and inference.layers:
        inference = replace(inference, diagnostics=inference.diagnostics + verify(inference))
    return inference


def _holds_config(path: str) -> bool:
    """A legacy whole-model .h5 (a ``model_config`` attribute) or a .keras archive (a
    config.json member): read as no more than that, never parsed here."""
    import zipfile

    from ..reading.h5 import HDF5_SIGNATURE, holds_model

    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                return "config.json" in z.namelist()
        with open(path, "rb") as fh:
            hdf5 = fh.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE
        return hdf5 and holds_model(path)
    except (OSError, zipfile.BadZipFile):
        return False


def _empty(path: str, layout: str | None, found: Iterable[Diagnostic]) -> Inference:
    """No spec: the file could not be read (``found`` says why)."""
    return Inference(path, layout, None, SpecGraph((), (), ()), (), (), tuple(found))


def infer_weights(stored: WeightsFile, path: str = "<weights>",
                  found: Iterable[Diagnostic] = ()) -> Inference:
    """Infer a spec from weights already read (pure: no file is touched)."""
    state = Classifier(path, stored.layout)
    layers, omitted = state.infer_all(stored.layers, depth=0)
    found = list(found) + state.found
    here = Location(path, 1, 1)
    if not layers:
        held = sum(1 for n in stored.layers if n.all_weights())
        why = (f"none of the {held} layer(s) with weights could be inferred" if held else
               "the file holds no layer with weights")
        found.append(make("SC114", f"{why}; no spec was written", here,
                          hint="see the SC113 findings for the layers left out" if held else
                          "give the file written by model.save_weights or model.save"))
        return Inference(path, stored.layout, stored.model_name, SpecGraph((), (), ()), (), (),
                         tuple(found), tuple(omitted))
    graph, mins = wire(layers, state.unique, state.nested_mins)
    model_level = _model_ambiguities(stored, graph, mins, omitted)
    model_name = safe_name(stored.model_name) if stored.model_name else None
    return Inference(path, stored.layout, model_name, graph, tuple(sorted(mins.items(), key=_dim_order)),
                     tuple(model_level), tuple(found), tuple(omitted))


def _dim_order(item: tuple[str, int]) -> tuple[int, str]:
    order = ("t", "d", "h", "w")
    return (order.index(item[0]) if item[0] in order else len(order), item[0])


def _model_ambiguities(stored: WeightsFile, graph: SpecGraph, mins: dict[str, int],
                       omitted: list[str]) -> list[Ambiguity]:
    out = []
    if stored.layout == "keras3" and not stored.ordered:
        out.append(Ambiguity(None, "layer order", "class by class in alphabetical order, the layers of "
                             "one class in their recorded order",
                             "Keras 3 keys each layer's group by its class, numbered in model order "
                             "within the class (dense, dense_1...), and HDF5 lists the groups "
                             "alphabetically: the order across classes is not recorded"))
    elif stored.layout == "keras3":
        out.append(Ambiguity(None, "layer order", "the file's creation order",
                             "the layers group tracks creation order (Keras itself does not)"))
    out.append(Ambiguity(None, "connections", "each layer takes the output of the layer before it in "
                         "this list when that output's last axis is as wide as the layer's input "
                         "(setting return_sequences where a sequence is needed); otherwise an input "
                         "of its own", "weights do not record which layer feeds which"))
    named = f", named sizes {', '.join(mins)} (at least as large as the kernels need)" if mins else ""
    out.append(Ambiguity(None, "sizes", f"batch ?{named}", "the batch size, sequence lengths and "
                         "spatial sizes are not in any weight"))
    if any(i.dtype == "int32" for i in graph.inputs):
        out.append(Ambiguity(None, "Embedding inputs", "int32 ids of shape [?, t]",
                             "an Embedding's weights say nothing of its ids' rank or length"))
    if omitted:
        out.append(Ambiguity(None, "layers without weights", "left out: " + ", ".join(omitted),
                             "they hold no weights, so neither their arguments nor their place can be "
                             "read; some (Flatten, pooling, Reshape) change the shapes between layers"))
    return out


# Findings on the inferred spec that would be infer-config's fault: an error, or a
# condition on the named sizes (whose minimums it writes). Other warnings belong to the
# model (SC307: Keras's static shape of a Bidirectional with unequal directions).
_OWN_FAULT = ("SC304",)


def verify(inference: Inference) -> tuple[Diagnostic, ...]:
    """Run shapecheck on the inferred spec: each layer must get exactly its stored
    shapes, in order, with no error. A miss is ``SC115``."""
    from ..api import analyze_bytes

    report = analyze_bytes(to_spec_yaml(inference).encode(), "<inferred spec>")
    here = Location(inference.path, 1, 1)
    out = []
    for d in report.diagnostics:
        if d.severity is not Severity.ERROR and d.code not in _OWN_FAULT:
            continue
        out.append(make("SC115", f"the inferred spec gives {d.code} {d.message}", here, d.layer,
                        hint="this is a shapecheck bug; please report it"))
    for layer in inference.layers:
        got = report.layers.get(layer.name)
        mine = [w.shape for w in got.weights] if got is not None else None
        stored = [w.shape for w in layer.weights]
        if mine != stored:
            out.append(make("SC115", f"layer {layer.name!r}: the file stores {stored}; the inferred "
                            f"spec gives {mine}", here, layer.name,
                            hint="this is a shapecheck bug; please report it"))
    return tuple(out)
