"""Matching stored weights to layer kinds: a Dense kernel ``(a, b)`` is ``units=b`` on
``a`` features, a recurrent kernel ``(u, k*u)`` is ``k`` gates of ``units=u``, a GRU bias
``(2, 3u)`` is ``reset_after=True``... Each stored layer (a group of weights, or of parts
with weights) becomes an ``InferredLayer``, or an ``SC113`` finding saying why not."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial

from ..diagnostics import Diagnostic, Location, make
from ..reading.weights_h5 import StoredNode, StoredWeight
from ..records import record, replace
from .kinds import (
    COMPOSITE_PARTS,
    MODELS,
    NOT_IN_WEIGHTS,
    RNN_BY_GATES,
    RNN_FLAGS,
    SAFE_NAME,
    SUPPORTED,
    class_of,
    keras_by_snake,
    named_class,
    safe_name,
    shapes_text,
)
from .result import Ambiguity, InferredLayer
from .wiring import wire

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class _Fit:
    type: str
    args: dict[str, Any]
    in_features: int | None
    out_features: int
    notes: tuple[tuple[str, str, str], ...] = ()  # ambiguities beyond NOT_IN_WEIGHTS


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


def _fit_depthwise(ws: tuple[StoredWeight, ...], n: int) -> _Fit | None:
    """DepthwiseConv: a depthwise kernel (k..., channels, depth_multiplier) and a bias of
    channels * depth_multiplier."""
    # tf.keras names the kernel depthwise_kernel, Keras 3 kernel
    if not 1 <= len(ws) <= 2 or len(ws[0].shape) != n + 2 or not (
            _roles(ws, "depthwise_kernel", "bias") or _roles(ws, "kernel", "bias")):
        return None
    k = ws[0].shape
    channels, multiplier = k[-2], k[-1]
    if len(ws) == 2 and ws[1].shape != (channels * multiplier,):
        return None
    args = {"kernel_size": list(k[:n]), "depth_multiplier": multiplier, "use_bias": len(ws) == 2}
    return _Fit(f"DepthwiseConv{n}D", args, channels, channels * multiplier)


def _fit_separable(ws: tuple[StoredWeight, ...], n: int) -> _Fit | None:
    """SeparableConv: the depthwise kernel, then a pointwise kernel (1..., channels *
    depth_multiplier, filters), then a bias of filters."""
    if not 2 <= len(ws) <= 3 or not _roles(ws, "depthwise_kernel", "pointwise_kernel", "bias"):
        return None
    depth, point = ws[0].shape, ws[1].shape
    if len(depth) != n + 2 or len(point) != n + 2 or any(d != 1 for d in point[:n]):
        return None
    channels, multiplier, filters = depth[-2], depth[-1], point[-1]
    if point[-2] != channels * multiplier or len(ws) == 3 and ws[2].shape != (filters,):
        return None
    args = {"filters": filters, "kernel_size": list(depth[:n]), "depth_multiplier": multiplier,
            "use_bias": len(ws) == 3}
    return _Fit(f"SeparableConv{n}D", args, channels, filters)


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
    if k not in RNN_BY_GATES:
        return None
    typ = RNN_BY_GATES[k]
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
    *(partial(_fit_depthwise, n=n) for n in (1, 2)),
    *(partial(_fit_separable, n=n) for n in (1, 2)),
    partial(_fit_norm, batch=True),
    partial(_fit_norm, batch=False),
)




class Classifier:
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
                    shown = safe_name(display) or "layer"
                    cls = class_of(node.key) if self.layout == "keras3" else None
                    omitted.append(f"{shown} ({safe_name(cls)})" if cls else shown)
                continue
            layer = self.layer(node, depth)
            if layer is not None:
                layers.append(layer)
        return layers, omitted

    def layer(self, node: StoredNode, depth: int) -> InferredLayer | None:
        raw = node.name or node.key
        safe = safe_name(raw) or "layer"
        name = self.unique(safe)
        notes: list[Ambiguity] = []
        if name != raw:
            notes.append(Ambiguity(name, "name", name, f"the stored name {raw[:60]!r} is not a plain "
                                   "identifier, or repeats one"))
        if self.layout == "keras3":
            cls, strong = class_of(node.key), True
            result = self.classify(node, cls, strong, name, depth)
        else:  # a legacy file records no class: a name Keras made up says it, a user's does not
            cls, strong = named_class(raw), False
            if cls is not None and cls not in SUPPORTED:
                result = f"its name says it is a {cls}, whose configuration infer-config does not read"
            else:
                result = self.classify(node, cls, strong, name, depth)
        if isinstance(result, str):
            label = f"{name!r} ({cls})" if cls and cls != name else repr(name)
            self.found.append(make("SC113", f"layer {label}: {result}; it is left out of the spec (stored "
                                   f"weights: {shapes_text(node.all_weights())})", self.here, name,
                                   hint="infer-config knows Dense, Conv1D/2D/3D and their transposes, "
                                   "DepthwiseConv1D/2D, SeparableConv1D/2D, "
                                   "Embedding, LSTM, GRU, SimpleRNN, Bidirectional, TimeDistributed, "
                                   "BatchNormalization, LayerNormalization and models of them"))
            return None
        return replace(result, ambiguities=tuple(notes) + result.ambiguities)

    def classify(self, node: StoredNode, cls: str | None, strong: bool, name: str,
                 depth: int) -> InferredLayer | str:
        if strong and cls not in SUPPORTED:
            if cls not in keras_by_snake().values():
                return f"its group key {node.key!r} names no Keras layer class (a custom layer?)"
            return f"{cls} is not a layer whose configuration infer-config reads from weights"
        weights = node.all_weights()
        # A model used as a layer (Keras 3 keeps its layers under `layers`).
        if node.children and node.children[-1].key == "layers" and not node.weights:
            if strong and cls not in MODELS:
                return f"a {cls} does not hold layers of its own"
            return self.nested(node.children[-1].children, cls if cls in MODELS else "Sequential",
                               name, weights, depth)
        if not node.children:
            return self.simple(node.weights, cls, strong, name)
        if node.weights:
            return "it holds weights of its own and of its parts, as no layer infer-config knows does"
        parts = node.children
        own = self.recurrent(node)
        if own is not None:
            if strong and cls != own.type:
                return f"its weights are a {own.type}'s ({shapes_text(weights)}), not a {cls}'s"
            return self.rnn_layer(name, own, weights)
        rnn = [self.recurrent(p) for p in parts]
        if len(parts) == 2 and rnn[0] is not None and rnn[1] is not None and \
                (cls == "Bidirectional" or self._directions(parts)):
            return self.bidirectional(name, parts, (rnn[0], rnn[1]), weights)
        if strong and cls == "Bidirectional":
            return "its two directions are not recurrent layers infer-config knows"
        if len(parts) == 1 and cls == "TimeDistributed":
            part = parts[0]
            hint = named_class(part.name)
            inner = self.simple(part.weights, hint, False, name) if not part.children else \
                "it wraps a layer with parts"
            if isinstance(inner, str):
                return f"the wrapped layer: {inner}"
            return self.time_distributed(name, inner, part.name, weights)
        if strong:
            return f"its parts ({', '.join(p.key for p in parts)}) are not those of a {cls}"
        if any(p.key in COMPOSITE_PARTS for p in parts):
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
            return f"a stored shape has a zero axis ({shapes_text(ws)})"
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
                return f"its weights ({shapes_text(ws)}) do not fit a {want}"
            fit, others = chosen[0], []
        else:
            if not fits:
                return f"its weights ({shapes_text(ws)}) fit no layer infer-config knows"
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
                                   f"{said}only a {fit.type} has these weights ({shapes_text(ws)})"))
        return self._layer(name, fit, ws, notes)

    def _layer(self, name: str, fit: _Fit, ws: tuple[StoredWeight, ...],
               extra: list[Ambiguity] | None = None) -> InferredLayer:
        notes = list(extra or [])
        notes += [Ambiguity(name, *n) for n in fit.notes]
        notes += [Ambiguity(name, *n) for n in NOT_IN_WEIGHTS.get(fit.type, ())]
        return InferredLayer(name, fit.type, {**fit.args}, tuple(notes), ws, fit.in_features,
                             fit.out_features)

    def rnn_layer(self, name: str, fit: _Fit, weights: tuple[StoredWeight, ...]) -> InferredLayer:
        notes = [Ambiguity(name, *n) for n in fit.notes]
        notes += [Ambiguity(name, *n) for n in NOT_IN_WEIGHTS[fit.type] + RNN_FLAGS]
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
        if inner and SAFE_NAME.match(inner):
            layer["name"] = inner
        layer.update(fwd.args)
        args: dict[str, Any] = {"layer": layer}
        copied = inner is not None and bname == f"backward_{inner}" and bwd.type == fwd.type and \
            bwd.args == fwd.args
        if not copied:
            back: dict[str, Any] = {"type": bwd.type}
            if safe_name(bname) == bname:
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
                  for a, c, w in NOT_IN_WEIGHTS[fwd.type] + RNN_FLAGS[:1]]
        return InferredLayer(name, "Bidirectional", args, tuple(notes), weights, fwd.in_features,
                             fwd.out_features + bwd.out_features)

    def time_distributed(self, name: str, inner: InferredLayer, inner_name: str | None,
                         weights: tuple[StoredWeight, ...]) -> InferredLayer:
        layer: dict[str, Any] = {"type": inner.type}
        if inner_name and SAFE_NAME.match(inner_name):
            layer["name"] = inner_name
        layer.update(inner.args)
        notes = tuple(replace(a, what=f"layer.{a.what}") for a in inner.ambiguities)
        return InferredLayer(name, "TimeDistributed", {"layer": layer}, notes, weights,
                             inner.in_features, inner.out_features)

    def nested(self, parts: Iterable[StoredNode], typ: str, name: str, weights: tuple[StoredWeight, ...],
               depth: int) -> InferredLayer | str:
        from ..reading.weights_h5 import MAX_DEPTH

        if depth >= MAX_DEPTH:
            return "models nest too deeply"
        count = len(self.found)
        inner, omitted = self.infer_all(parts, depth + 1)
        if len(self.found) != count or not inner:
            return "some of the layers of this model used as a layer could not be inferred" if inner \
                else "this model used as a layer holds no layer infer-config reads"
        graph, mins = wire(inner, self.unique, self.nested_mins)
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
