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

Everything here is pure data in, data out; reading the file is
``shapecheck.reading.weights_h5``, which never reads a weight's values.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import Any, Iterable

from .diagnostics import Diagnostic, Location, Severity, make
from .reading.weights_h5 import StoredNode, StoredWeight, WeightsFile

__all__ = ["Ambiguity", "InferredLayer", "SpecInput", "SpecGraph", "Inference", "StoredWeight",
           "infer_file", "infer_weights", "to_spec", "to_spec_yaml", "to_json", "verify"]

_RNN = {4: "LSTM", 3: "GRU", 1: "SimpleRNN"}
_RNN_TYPES = frozenset(_RNN.values())
_CONV = {f"Conv{n}D": n for n in (1, 2, 3)}
_CONV_T = {f"Conv{n}DTranspose": n for n in (1, 2, 3)}
_MODELS = ("Sequential", "Functional")
# The classes infer-config knows, by Keras 3's snake-case key (``keras.src.utils.naming``).
_BY_KEY = {
    "dense": "Dense", "embedding": "Embedding", "lstm": "LSTM", "gru": "GRU", "simple_rnn": "SimpleRNN",
    "bidirectional": "Bidirectional", "time_distributed": "TimeDistributed",
    "batch_normalization": "BatchNormalization", "layer_normalization": "LayerNormalization",
    "sequential": "Sequential", "functional": "Functional",
    **{f"conv{n}d": f"Conv{n}D" for n in (1, 2, 3)},
    **{f"conv{n}d_transpose": f"Conv{n}DTranspose" for n in (1, 2, 3)},
}
_SUPPORTED = frozenset(_BY_KEY.values())


@lru_cache(maxsize=1)
def _keras_by_snake() -> dict[str, str]:
    """Every Keras layer class by the snake-case name Keras derives from it (the key of
    a Keras 3 weights group, and the auto-name of a layer)."""
    from .reading.spec import snake_case
    from .rules.keras_names import KERAS_LAYERS

    return {**{snake_case(c): c for c in sorted(KERAS_LAYERS)}, **_BY_KEY}


# The parts of Keras layers made of layers (MultiHeadAttention's EinsumDense projections):
# a legacy layer whose weights sit under these scopes is not a model of layers.
_COMPOSITE_PARTS = frozenset({"query", "key", "value", "attention_output", "query_dense", "key_dense",
                              "value_dense", "output_dense"})
_SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}

# What weights never record, per layer type: (argument, the value written, why).
_ACT = ("activation", "Keras's default (linear)", "a function of the outputs; it has no weights")
_RNN_ACT = ("activation", "Keras's default (tanh)", "a function of the outputs; it has no weights")
_REC_ACT = ("recurrent_activation", "Keras's default (sigmoid)", "a function of the gates; it has no weights")
_SPATIAL = (
    ("strides", "Keras's default (1)", "the stride changes the output size, not the kernel"),
    ("padding", "Keras's default (valid)", "padding changes the output size, not the kernel"),
    ("dilation_rate", "Keras's default (1)", "dilation spreads the kernel over the input; its shape "
     "is the same"),
    ("data_format", "Keras's default (channels_last)", "the kernel is laid out the same for "
     "channels-first inputs"),
)
_NOT_IN_WEIGHTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Dense": (_ACT,),
    "Embedding": (("mask_zero", "Keras's default (false)", "a mask changes no shape or weight"),),
    "LSTM": (_RNN_ACT, _REC_ACT),
    "GRU": (_RNN_ACT, _REC_ACT),
    "SimpleRNN": (_RNN_ACT,),
    "BatchNormalization": (("axis", "Keras's default (-1)", "the vectors are as long as the normalized "
                            "axis, whichever axis it is"),),
    "LayerNormalization": (("axis", "Keras's default (-1)", "the vectors are as long as the normalized "
                            "axis, whichever axis it is"),),
    **{t: (_ACT, *_SPATIAL) for t in _CONV},
    **{t: (_ACT, *_SPATIAL, ("output_padding", "Keras's default (None)", "it changes the output "
                             "size, not the kernel")) for t in _CONV_T},
}
_RNN_FLAGS = (
    ("return_state", "Keras's default (false)", "the states are outputs, not weights"),
    ("go_backwards", "Keras's default (false)", "the direction of the scan changes no weight"),
    ("stateful", "Keras's default (false)", "state kept between batches is not a weight"),
)


@dataclass(frozen=True, slots=True)
class Ambiguity:
    """Something the weights do not record: ``what`` (an argument, or a property of the
    model such as the layer order), the value written into the spec, and why the weights
    cannot tell. ``layer`` is None for the model as a whole."""

    layer: str | None
    what: str
    chosen: str
    why: str

    def text(self) -> str:
        head = f"{self.layer}: " if self.layer else ""
        return " ".join(f"{head}{self.what} = {self.chosen}: {self.why}".split())

    @property
    def keras_default(self) -> str | None:
        """The value, when the one written is Keras's default: ``tanh`` for ``Keras's
        default (tanh)``."""
        m = re.fullmatch(r"Keras's default \((.*)\)", self.chosen)
        return m.group(1) if m else None


@dataclass(frozen=True, slots=True)
class InferredLayer:
    """One layer as the weights show it: its Keras class, the constructor arguments the
    spec gives it (inferred, plus the values chosen for what its ``ambiguities`` name),
    the stored weights it accounts for, in Keras's order, the width of its input's last
    axis (None for an Embedding, which takes ids) and of its output. ``inputs`` is what
    the spec feeds it; ``graph`` is the inner model of a model used as a layer."""

    name: str
    type: str
    args: dict[str, Any]
    ambiguities: tuple[Ambiguity, ...]
    weights: tuple[StoredWeight, ...]
    in_features: int | None
    out_features: int | None
    inputs: tuple[str, ...] = ()
    graph: SpecGraph | None = None


@dataclass(frozen=True, slots=True)
class SpecInput:
    name: str
    shape: tuple[int | str | None, ...]  # None is `?`; a string a named size
    dtype: str = "float32"


@dataclass(frozen=True, slots=True)
class SpecGraph:
    """A model as the spec writes it: its inputs, its layers in call order (each with
    the references it is fed) and its outputs, with the rank of each output."""

    inputs: tuple[SpecInput, ...]
    layers: tuple[InferredLayer, ...]
    outputs: tuple[str, ...]
    output_ranks: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Inference:
    """What ``infer-config`` found: the spec (``graph`` and the named sizes' minimums
    ``dims``), the ambiguities of the model as a whole (each layer's are on the layer),
    and the diagnostics. ``layers`` are the top-level layers in spec order; a file whose
    weights yield no layer has none, and an error diagnostic says why."""

    path: str
    layout: str | None
    model_name: str | None
    graph: SpecGraph
    dims: tuple[tuple[str, int], ...]
    ambiguities: tuple[Ambiguity, ...]
    diagnostics: tuple[Diagnostic, ...]
    omitted: tuple[str, ...] = ()  # layers without weights, left out

    @property
    def layers(self) -> tuple[InferredLayer, ...]:
        return self.graph.layers

    @property
    def ok(self) -> bool:
        return bool(self.graph.layers) and not any(d.severity is Severity.ERROR for d in self.diagnostics)

    def all_ambiguities(self) -> tuple[Ambiguity, ...]:
        """The model's ambiguities, then each layer's (nested models' layers too), in order."""
        out = list(self.ambiguities)

        def walk(layers: Iterable[InferredLayer]) -> None:
            for layer in layers:
                out.extend(layer.ambiguities)
                if layer.graph is not None:
                    walk(layer.graph.layers)

        walk(self.graph.layers)
        return tuple(out)


# -- from a file ----------------------------------------------------------------


def infer_file(path: str | os.PathLike, check: bool = True) -> Inference:
    """Infer a spec from the weight shapes in ``path`` (a Keras 3 ``.weights.h5``, a
    ``.keras`` archive or a legacy ``.h5``). Raises OSError only when the file cannot
    be opened; anything wrong inside it is a diagnostic. With ``check`` (the default)
    the spec is run through shapecheck, and a stored shape it does not reproduce is a
    ``SC115`` warning."""
    from .reading import weights_h5

    path = os.fspath(path)
    with open(path, "rb") as fh:
        stored, found = weights_h5.read(fh, path)
    if stored is None:
        return _empty(path, None, found)
    inference = infer_weights(stored, path, found)
    if check and inference.layers:
        inference = replace(inference, diagnostics=inference.diagnostics + verify(inference))
    return inference


def _empty(path: str, layout: str | None, found: Iterable[Diagnostic]) -> Inference:
    """No spec: the file could not be read (``found`` says why)."""
    return Inference(path, layout, None, SpecGraph((), (), ()), (), (), tuple(found))


def infer_weights(stored: WeightsFile, path: str = "<weights>",
                  found: Iterable[Diagnostic] = ()) -> Inference:
    """Infer a spec from weights already read (pure: no file is touched)."""
    state = _State(path, stored.layout)
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
    graph, mins = state.wire(layers)
    model_level = _model_ambiguities(stored, graph, mins, omitted)
    model_name = _safe(stored.model_name) if stored.model_name else None
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


# -- one layer ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Fit:
    type: str
    args: dict[str, Any]
    in_features: int | None
    out_features: int
    notes: tuple[tuple[str, str, str], ...] = ()  # ambiguities beyond _NOT_IN_WEIGHTS


def _roles(ws: tuple[StoredWeight, ...], *expected: str) -> bool:
    """Legacy files name their variables: they must be the ones expected, in order."""
    return all(w.role is None or w.role == e for w, e in zip(ws, expected))


def _positive(ws: Iterable[StoredWeight]) -> bool:
    return all(d >= 1 for w in ws for d in w.shape)


def _fit_dense(ws: tuple[StoredWeight, ...]) -> _Fit | None:
    if not 1 <= len(ws) <= 2 or len(ws[0].shape) != 2 or not _roles(ws, "kernel", "bias"):
        return None
    a, b = ws[0].shape
    if len(ws) == 2 and ws[1].shape != (b,):
        return None
    return _Fit("Dense", {"units": b, "use_bias": len(ws) == 2}, a, b)


def _fit_embedding(ws: tuple[StoredWeight, ...]) -> _Fit | None:
    if len(ws) != 1 or len(ws[0].shape) != 2 or not _roles(ws, "embeddings"):
        return None
    vocab, dim = ws[0].shape
    return _Fit("Embedding", {"input_dim": vocab, "output_dim": dim}, None, dim)


def _fit_conv(ws: tuple[StoredWeight, ...], n: int, transpose: bool) -> _Fit | None:
    if not 1 <= len(ws) <= 2 or len(ws[0].shape) != n + 2 or not _roles(ws, "kernel", "bias"):
        return None
    k = ws[0].shape
    filters, channels = (k[-2], k[-1]) if transpose else (k[-1], k[-2])
    if len(ws) == 2 and ws[1].shape != (filters,):
        return None
    args = {"filters": filters, "kernel_size": list(k[:n]), "use_bias": len(ws) == 2}
    if transpose:
        return _Fit(f"Conv{n}DTranspose", args, channels, filters)
    groups = ("groups", f"1 (input channels {channels})",
              f"the kernel has {channels} input channels per group: an input of {channels}*g "
              f"channels with groups=g stores the same kernel")
    return _Fit(f"Conv{n}D", args, channels, filters, (groups,))


def _fit_norm(ws: tuple[StoredWeight, ...], batch: bool) -> _Fit | None:
    if not ws or any(len(w.shape) != 1 or w.shape != ws[0].shape for w in ws):
        return None
    size = ws[0].shape[0]
    typ = "BatchNormalization" if batch else "LayerNormalization"
    own = len(ws) - 2 if batch else len(ws)  # gamma and beta, if any; then BN's moving statistics
    if own < 0 or own > 2:
        return None
    roles = [w.role for w in ws]
    if batch and not _roles(ws[own:], "moving_mean", "moving_variance"):
        return None
    named = roles[:own]
    if any(r is not None for r in named) and named not in (["gamma", "beta"], ["gamma"], ["beta"]):
        return None
    notes: tuple[tuple[str, str, str], ...] = ()
    if own == 2:
        scale = center = True
    elif own == 0:
        scale = center = False
    elif named[0] is None:  # Keras 3: one unnamed vector, gamma or beta
        scale, center = True, False
        why = "one vector of the two is stored, and gamma and beta have the same shape"
        notes = (("scale", "true (gamma stored)", why), ("center", "false", why))
    else:
        scale, center = named[0] == "gamma", named[0] == "beta"
    return _Fit(typ, {"center": center, "scale": scale}, size, size, notes)


def _fit_cell(ws: tuple[StoredWeight, ...]) -> _Fit | None:
    """A recurrent cell: kernel (in, k*u), recurrent kernel (u, k*u), bias (k*u,) or,
    for a GRU with reset_after, (2, 3u): two biases, one inside the reset gate."""
    if not 2 <= len(ws) <= 3 or not _roles(ws, "kernel", "recurrent_kernel", "bias"):
        return None
    kernel, rec = ws[0].shape, ws[1].shape
    if len(kernel) != 2 or len(rec) != 2 or rec[0] < 1 or rec[1] % rec[0] or kernel[1] != rec[1]:
        return None
    units, k = rec[0], rec[1] // rec[0]
    if k not in _RNN:
        return None
    typ = _RNN[k]
    args: dict[str, Any] = {"units": units, "use_bias": len(ws) == 3}
    notes: tuple[tuple[str, str, str], ...] = ()
    if len(ws) == 3:
        bias = ws[2].shape
        if bias == (k * units,):
            if typ == "GRU":
                args["reset_after"] = False
        elif typ == "GRU" and bias == (2, 3 * units):
            args["reset_after"] = True
        else:
            return None
    elif typ == "GRU":
        notes = (("reset_after", "Keras's default (true)", "it only changes the bias, and "
                  "use_bias is false"),)
    return _Fit(typ, args, kernel[0], units, notes)


# Layers with weights of their own only, in the order preferred when shapes fit several.
_SIMPLE = (
    _fit_dense,
    _fit_embedding,
    *(partial(_fit_conv, n=n, transpose=False) for n in (1, 2, 3)),
    *(partial(_fit_conv, n=n, transpose=True) for n in (1, 2, 3)),
    partial(_fit_norm, batch=True),
    partial(_fit_norm, batch=False),
)


def _safe(name: str | None) -> str | None:
    if not name:
        return None
    if _SAFE_NAME.match(name):
        return name
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)[:100]
    if not cleaned or not (cleaned[0].isalpha() or cleaned[0] == "_"):
        cleaned = f"layer_{cleaned}"[:100]
    return cleaned


def _class_of(key: str) -> str:
    """The class a Keras 3 key names: ``conv2d_transpose_3`` -> Conv2DTranspose; a key
    that names no Keras class (a custom layer's) is returned as it is."""
    base = re.sub(r"_\d+$", "", key)
    return _keras_by_snake().get(base, base)


def _named_class(name: str | None) -> str | None:
    """The Keras class a layer's auto-name says it is (``lstm_3``: LSTM), if any."""
    return _keras_by_snake().get(re.sub(r"_\d+$", "", name or ""))


def _shapes(ws: Iterable[StoredWeight]) -> str:
    return ", ".join(str(w.shape) for w in ws) or "none"


class _State:
    def __init__(self, path: str, layout: str) -> None:
        self.here = Location(path, 1, 1)
        self.layout = layout
        self.found: list[Diagnostic] = []
        self.used: set[str] = set()
        self.nested_mins: dict[str, dict[str, int]] = {}

    def unique(self, base: str) -> str:
        name, n = base, 0
        while name in self.used:
            n += 1
            name = f"{base}_{n}"
        self.used.add(name)
        return name

    # -- classifying ------------------------------------------------------------

    def infer_all(self, nodes: Iterable[StoredNode], depth: int) -> tuple[list[InferredLayer], list[str]]:
        layers, omitted = [], []
        for node in nodes:
            display = node.name or node.key
            if not node.all_weights():
                if re.sub(r"_\d+$", "", node.key) != "input_layer" and not \
                        (self.layout == "legacy" and display.startswith("input")):
                    shown = _safe(display) or "layer"
                    cls = _class_of(node.key) if self.layout == "keras3" else None
                    omitted.append(f"{shown} ({_safe(cls)})" if cls else shown)
                continue
            layer = self.layer(node, depth)
            if layer is not None:
                layers.append(layer)
        return layers, omitted

    def layer(self, node: StoredNode, depth: int) -> InferredLayer | None:
        raw = node.name or node.key
        safe = _safe(raw) or "layer"
        name = self.unique(safe)
        notes: list[Ambiguity] = []
        if name != raw:
            notes.append(Ambiguity(name, "name", name, f"the stored name {raw[:60]!r} is not a plain "
                                   "identifier, or repeats one"))
        if self.layout == "keras3":
            cls, strong = _class_of(node.key), True
            result = self.classify(node, cls, strong, name, depth)
        else:  # a legacy file records no class: a name Keras made up says it, a user's does not
            cls, strong = _named_class(raw), False
            if cls is not None and cls not in _SUPPORTED:
                result = f"its name says it is a {cls}, whose configuration infer-config does not read"
            else:
                result = self.classify(node, cls, strong, name, depth)
        if isinstance(result, str):
            label = f"{name!r} ({cls})" if cls and cls != name else repr(name)
            self.found.append(make("SC113", f"layer {label}: {result}; it is left out of the spec (stored "
                                   f"weights: {_shapes(node.all_weights())})", self.here, name,
                                   hint="infer-config knows Dense, Conv1D/2D/3D and their transposes, "
                                   "Embedding, LSTM, GRU, SimpleRNN, Bidirectional, TimeDistributed, "
                                   "BatchNormalization, LayerNormalization and models of them"))
            return None
        return replace(result, ambiguities=tuple(notes) + result.ambiguities)

    def classify(self, node: StoredNode, cls: str | None, strong: bool, name: str,
                 depth: int) -> InferredLayer | str:
        if strong and cls not in _SUPPORTED:
            if cls not in _keras_by_snake().values():
                return f"its group key {node.key!r} names no Keras layer class (a custom layer?)"
            return f"{cls} is not a layer whose configuration infer-config reads from weights"
        weights = node.all_weights()
        # A model used as a layer (Keras 3 keeps its layers under `layers`).
        if node.children and node.children[-1].key == "layers" and not node.weights:
            if strong and cls not in _MODELS:
                return f"a {cls} does not hold layers of its own"
            return self.nested(node.children[-1].children, cls if cls in _MODELS else "Sequential",
                               name, weights, depth)
        if not node.children:
            return self.simple(node.weights, cls, strong, name)
        if node.weights:
            return "it holds weights of its own and of its parts, as no layer infer-config knows does"
        parts = node.children
        own = self.recurrent(node)
        if own is not None:
            if strong and cls != own.type:
                return f"its weights are a {own.type}'s ({_shapes(weights)}), not a {cls}'s"
            return self.rnn_layer(name, own, weights)
        rnn = [self.recurrent(p) for p in parts]
        if len(parts) == 2 and rnn[0] is not None and rnn[1] is not None and \
                (cls == "Bidirectional" or self._directions(parts)):
            return self.bidirectional(name, parts, (rnn[0], rnn[1]), weights)
        if strong and cls == "Bidirectional":
            return "its two directions are not recurrent layers infer-config knows"
        if len(parts) == 1 and cls == "TimeDistributed":
            part = parts[0]
            hint = _named_class(part.name)
            inner = self.simple(part.weights, hint, False, name) if not part.children else \
                "it wraps a layer with parts"
            if isinstance(inner, str):
                return f"the wrapped layer: {inner}"
            return self.time_distributed(name, inner, part.name, weights)
        if strong:
            return f"its parts ({', '.join(p.key for p in parts)}) are not those of a {cls}"
        if any(p.key in _COMPOSITE_PARTS for p in parts):
            return f"its parts ({', '.join(p.key for p in parts)}) are those of an attention layer"
        # Legacy: weights under several scopes: a model used as a layer.
        return self.nested(parts, "Sequential", name, weights, depth)

    @staticmethod
    def _directions(parts: tuple[StoredNode, ...]) -> bool:
        """Keras 3 keys a Bidirectional's parts by attribute; a legacy file by the layers'
        names, and the forward one is always ``forward_<name>``."""
        keys = [p.key for p in parts]
        return keys == ["forward_layer", "backward_layer"] or keys[0].startswith("forward_")

    @staticmethod
    def recurrent(node: StoredNode) -> _Fit | None:
        """An RNN layer: no weights of its own, one part (its cell) with the cell's."""
        if node.weights or len(node.children) != 1:
            return None
        cell = node.children[0]
        if cell.children:
            return None
        fit = _fit_cell(cell.weights)
        return fit if fit is not None and _positive(cell.weights) else None

    def simple(self, ws: tuple[StoredWeight, ...], cls: str | None, strong: bool,
               name: str) -> InferredLayer | str:
        if not _positive(ws):
            return f"a stored shape has a zero axis ({_shapes(ws)})"
        if cls == "TimeDistributed":  # a legacy file keeps the wrapped layer's weights as its own
            if strong:
                return "a TimeDistributed keeps its weights under `layer`"
            inner = self.simple(ws, None, False, name)
            return inner if isinstance(inner, str) else self.time_distributed(name, inner, None, ws)
        fits = [f for f in (fit(ws) for fit in _SIMPLE) if f is not None]
        want = cls
        if strong and want is not None:
            chosen = [f for f in fits if f.type == want]
            if not chosen:
                return f"its weights ({_shapes(ws)}) do not fit a {want}"
            fit, others = chosen[0], []
        else:
            if not fits:
                return f"its weights ({_shapes(ws)}) fit no layer infer-config knows"
            hinted = [f for f in fits if f.type == want]
            fit = hinted[0] if hinted else fits[0]
            others = [] if hinted else [f.type for f in fits[1:]]
        notes = []
        if others:
            notes.append(Ambiguity(name, "type", fit.type, f"the weights fit a {' or a '.join(others)} "
                                   "too, and the file does not record the class"))
        elif not strong and want != fit.type:
            said = f"its name says {want}, but " if want else ""
            notes.append(Ambiguity(name, "type", fit.type, f"the file does not record the class; "
                                   f"{said}only a {fit.type} has these weights ({_shapes(ws)})"))
        return self._layer(name, fit, ws, notes)

    def _layer(self, name: str, fit: _Fit, ws: tuple[StoredWeight, ...],
               extra: list[Ambiguity] | None = None) -> InferredLayer:
        notes = list(extra or [])
        notes += [Ambiguity(name, *n) for n in fit.notes]
        notes += [Ambiguity(name, *n) for n in _NOT_IN_WEIGHTS.get(fit.type, ())]
        return InferredLayer(name, fit.type, {**fit.args}, tuple(notes), ws, fit.in_features,
                             fit.out_features)

    def rnn_layer(self, name: str, fit: _Fit, weights: tuple[StoredWeight, ...]) -> InferredLayer:
        notes = [Ambiguity(name, *n) for n in fit.notes]
        notes += [Ambiguity(name, *n) for n in _NOT_IN_WEIGHTS[fit.type] + _RNN_FLAGS]
        return InferredLayer(name, fit.type, {**fit.args}, tuple(notes), weights, fit.in_features,
                             fit.out_features)

    def bidirectional(self, name: str, parts: tuple[StoredNode, ...],
                      rnn: tuple[_Fit, _Fit], weights: tuple[StoredWeight, ...]) -> InferredLayer | str:
        fwd, bwd = rnn
        if fwd.in_features != bwd.in_features:
            return (f"its forward layer takes {fwd.in_features} features and its backward layer "
                    f"{bwd.in_features}; a Bidirectional gives both the same input")
        fname, bname = parts[0].name or parts[0].key, parts[1].name or parts[1].key
        inner = fname[len("forward_"):] if fname.startswith("forward_") else None
        layer: dict[str, Any] = {"type": fwd.type}
        if inner and _SAFE_NAME.match(inner):
            layer["name"] = inner
        layer.update(fwd.args)
        args: dict[str, Any] = {"layer": layer}
        copied = inner is not None and bname == f"backward_{inner}" and bwd.type == fwd.type and \
            bwd.args == fwd.args
        if not copied:
            back: dict[str, Any] = {"type": bwd.type}
            if _safe(bname) == bname:
                back["name"] = bname
            back.update(bwd.args)
            back["go_backwards"] = True
            args["backward_layer"] = back
        notes = [Ambiguity(name, "merge_mode", "Keras's default (concat)", "how the two directions' "
                           "outputs are joined: every merge mode stores the same weights")]
        notes += [Ambiguity(name, f"layer.{a}", c, w) for a, c, w in fwd.notes]
        if not copied:
            notes += [Ambiguity(name, f"backward_layer.{a}", c, w) for a, c, w in bwd.notes]
        notes += [Ambiguity(name, f"layer.{a}", c, w)
                  for a, c, w in _NOT_IN_WEIGHTS[fwd.type] + _RNN_FLAGS[:1]]
        return InferredLayer(name, "Bidirectional", args, tuple(notes), weights, fwd.in_features,
                             fwd.out_features + bwd.out_features)

    def time_distributed(self, name: str, inner: InferredLayer, inner_name: str | None,
                         weights: tuple[StoredWeight, ...]) -> InferredLayer:
        layer: dict[str, Any] = {"type": inner.type}
        if inner_name and _SAFE_NAME.match(inner_name):
            layer["name"] = inner_name
        layer.update(inner.args)
        notes = tuple(replace(a, what=f"layer.{a.what}") for a in inner.ambiguities)
        return InferredLayer(name, "TimeDistributed", {"layer": layer}, notes, weights,
                             inner.in_features, inner.out_features)

    def nested(self, parts: Iterable[StoredNode], typ: str, name: str, weights: tuple[StoredWeight, ...],
               depth: int) -> InferredLayer | str:
        from .reading.weights_h5 import MAX_DEPTH

        if depth >= MAX_DEPTH:
            return "models nest too deeply"
        count = len(self.found)
        inner, omitted = self.infer_all(parts, depth + 1)
        if len(self.found) != count or not inner:
            return "some of the layers of this model used as a layer could not be inferred" if inner \
                else "this model used as a layer holds no layer infer-config reads"
        graph, mins = self.wire(inner)
        self.nested_mins[name] = mins
        notes = [Ambiguity(name, "inner connections", "as for the model: each layer takes the one "
                           "before it when the widths fit", "weights do not record them")]
        if omitted:
            notes.append(Ambiguity(name, "inner layers without weights", "left out: " + ", ".join(omitted),
                                   "they hold no weights"))
        # One input and one output: it can take its place in a chain, as a layer would.
        single = len(graph.inputs) == 1 and len(graph.outputs) == 1 and graph.inputs[0].dtype == "float32"
        by_name = {layer.name: layer for layer in graph.layers}
        in_features = graph.inputs[0].shape[-1] if single else None
        out_features = by_name[graph.outputs[0]].out_features if single else None
        return InferredLayer(name, "Functional" if len(graph.inputs) > 1 else typ, {}, tuple(notes),
                             weights, in_features if isinstance(in_features, int) else None,
                             out_features, graph=graph)

    # -- wiring -----------------------------------------------------------------

    def wire(self, layers: list[InferredLayer]) -> tuple[SpecGraph, dict[str, int]]:
        """Chain the layers where widths and ranks allow, give every other layer an input
        of its own, and pick return_sequences where a sequence is needed."""
        chains: list[_Chain] = []
        for layer in layers:
            if not (chains and _links(chains[-1].layers[-1], layer) and chains[-1].extend(layer)):
                chains.append(_Chain(layer))
        segments = [c.layers for c in chains]
        inputs: list[SpecInput] = []
        wired: list[InferredLayer] = []
        outputs: list[str] = []
        ranks: list[int] = []
        mins: dict[str, int] = {}
        for segment in segments:
            head = segment[0]
            plan = _plan(segment)
            assert plan is not None
            in_ranks, seqs, out_rank = plan
            if head.graph is not None:  # a model as a layer: inputs shaped as its own
                heads = [SpecInput(self.unique(f"{head.name}_input"), gi.shape, gi.dtype)
                         for gi in head.graph.inputs]
            elif head.type == "Embedding":
                heads = [SpecInput(self.unique(f"{head.name}_input"), (None, *_axes(in_ranks[0] - 1)),
                                   "int32")]
            else:
                assert head.in_features is not None
                heads = [SpecInput(self.unique(f"{head.name}_input"),
                                   (None, *_axes(in_ranks[0] - 2), head.in_features))]
            for inp in heads:
                inputs.append(inp)
                _note_sizes(inp.shape, mins)
            previous = tuple(i.name for i in heads)
            for layer, rank, seq in zip(segment, in_ranks, seqs):
                layer = _with_sequences(layer, seq)
                if layer.graph is not None:
                    for size, low in self.nested_mins.get(layer.name, {}).items():
                        mins[size] = mins.get(size, 1) + low - 1  # its kernels come after ours
                else:
                    _conv_mins(layer, rank, mins)
                wired.append(replace(layer, inputs=previous))
                previous = (layer.name,)
            outputs.append(segment[-1].name)
            ranks.append(out_rank)
        return SpecGraph(tuple(inputs), tuple(wired), tuple(outputs), tuple(ranks)), mins


class _Chain:
    """Layers that feed each other, with the output rank each must have for the next
    (None: any). Extending a chain revisits only the layers whose requirement changes,
    and each changes at most once (from any to a rank), so wiring stays linear."""

    def __init__(self, layer: InferredLayer) -> None:
        self.layers = [layer]
        self.outs: list[int | None] = [None]

    def extend(self, layer: InferredLayer) -> bool:
        need = _input_rank(layer, None)
        changes = []
        i = len(self.layers) - 1
        while i >= 0 and need != self.outs[i]:
            got = _input_rank(self.layers[i], need)
            if got is False:
                return False
            changes.append((i, need))
            need = got  # type: ignore[assignment]
            i -= 1
        for i, out in changes:
            self.outs[i] = out
        self.layers.append(layer)
        self.outs.append(None)
        return True


def _links(prev: InferredLayer, layer: InferredLayer) -> bool:
    return layer.type != "Embedding" and prev.out_features is not None and \
        prev.out_features == layer.in_features


def _inner_type(layer: InferredLayer) -> str:
    return layer.args["layer"]["type"] if layer.type in ("TimeDistributed", "Bidirectional") else layer.type


def _fixed_rank(typ: str) -> int | None:
    """The input rank a layer type requires; None for any rank >= 2."""
    if typ in _CONV:
        return _CONV[typ] + 2
    if typ in _CONV_T:
        return _CONV_T[typ] + 2
    if typ in _RNN_TYPES or typ == "Bidirectional":
        return 3
    return None


def _input_rank(layer: InferredLayer, out: int | None) -> int | None | bool:
    """The input rank that makes ``layer`` output rank ``out`` (None: any); None when
    any rank >= its minimum does; False when it cannot output ``out``."""
    typ = layer.type
    if layer.graph is not None:  # a model as a layer: the ranks it was built for
        inner = layer.graph
        fits = out is None or (len(inner.output_ranks) == 1 and out == inner.output_ranks[0])
        return len(inner.inputs[0].shape) if fits and inner.inputs else False
    if typ == "Embedding":
        if out is None:
            return 2
        return out - 1 if out >= 2 else False
    if typ == "TimeDistributed":
        fixed = _fixed_rank(_inner_type(layer))
        if fixed is not None:
            return fixed + 1 if out in (None, fixed + 1) else False
        return 3 if out is None else out if out >= 3 else False
    if typ in _RNN_TYPES or typ == "Bidirectional":
        return 3 if out in (None, 2, 3) else False
    fixed = _fixed_rank(typ)
    if fixed is not None:
        return fixed if out in (None, fixed) else False
    return out if out is None or out >= 2 else False


def _plan(segment: list[InferredLayer]) -> tuple[list[int], list[bool], int] | None:
    """Each layer's input rank and whether it returns sequences, for a chain, and the
    rank of its output; None when no choice of return_sequences makes the ranks fit."""
    need: int | None = None  # the rank the next layer needs
    ins: list[int | None] = [None] * len(segment)
    seqs = [False] * len(segment)
    for i in range(len(segment) - 1, -1, -1):
        layer = segment[i]
        got = _input_rank(layer, need)
        if got is False:
            return None
        seqs[i] = need == 3 and (layer.type in _RNN_TYPES or layer.type == "Bidirectional")
        ins[i] = got  # type: ignore[assignment]
        need = got  # type: ignore[assignment]
    ranks: list[int] = []
    rank = ins[0] if ins[0] is not None else (3 if segment[0].type == "TimeDistributed" else 2)
    for layer, seq in zip(segment, seqs):
        ranks.append(rank)
        if layer.graph is not None:
            rank = layer.graph.output_ranks[0] if len(layer.graph.output_ranks) == 1 else 0
        elif layer.type in _RNN_TYPES or layer.type == "Bidirectional":
            rank = 3 if seq else 2
        elif layer.type == "Embedding":
            rank = rank + 1
    return ranks, seqs, rank


def _with_sequences(layer: InferredLayer, seq: bool) -> InferredLayer:
    """Write return_sequences, and say why: true only where the next layer needs a sequence."""
    if layer.type not in _RNN_TYPES and layer.type != "Bidirectional":
        return layer
    chosen = "true (the next layer takes a sequence)" if seq else "Keras's default (false)"
    why = "it changes the output's rank, not the weights"
    if layer.type == "Bidirectional":
        args = {**layer.args, "layer": {**layer.args["layer"]}}
        if seq:
            args["layer"]["return_sequences"] = True
            if "backward_layer" in args:
                args["backward_layer"] = {**args["backward_layer"], "return_sequences": True}
        note = Ambiguity(layer.name, "layer.return_sequences", chosen, why)
    else:
        args = {**layer.args, **({"return_sequences": True} if seq else {})}
        note = Ambiguity(layer.name, "return_sequences", chosen, why)
    return replace(layer, args=args, ambiguities=layer.ambiguities + (note,))


def _axes(count: int) -> tuple[str, ...]:
    """Named sizes for the axes between batch and features: t for a sequence, h and w
    for an image, d, h and w for a volume."""
    return {0: (), 1: ("t",), 2: ("h", "w"), 3: ("d", "h", "w")}.get(count) or \
        tuple(f"s{i}" for i in range(1, count + 1))


def _note_sizes(shape: tuple[int | str | None, ...], mins: dict[str, int]) -> None:
    for item in shape:
        if isinstance(item, str):
            mins.setdefault(item, 1)


def _conv_mins(layer: InferredLayer, rank: int, mins: dict[str, int]) -> None:
    """A valid convolution shortens each spatial axis by kernel - 1: the named sizes must
    be large enough for every such kernel (a generous bound: all of them added up)."""
    typ = _inner_type(layer)
    if typ not in _CONV:
        return
    args = layer.args["layer"] if layer.type == "TimeDistributed" else layer.args
    names = _axes(rank - 2)[-_CONV[typ]:]
    for axis, k in zip(names, args["kernel_size"]):
        mins[axis] = mins.get(axis, 1) + k - 1


# -- the spec -------------------------------------------------------------------


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
    lines = [f"# Inferred by `shapecheck infer-config` from the weight shapes in {source} ({what}).",
             "# Running shapecheck on this spec gives exactly those shapes."]
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


# Findings on the inferred spec that would be infer-config's fault: an error, or a
# condition on the named sizes (whose minimums it writes). Other warnings belong to the
# model (SC307: Keras's static shape of a Bidirectional with unequal directions).
_OWN_FAULT = ("SC304",)


def verify(inference: Inference) -> tuple[Diagnostic, ...]:
    """Run shapecheck on the inferred spec: each layer must get exactly its stored
    shapes, in order, with no error. A miss is ``SC115``."""
    from .api import analyze_bytes

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

