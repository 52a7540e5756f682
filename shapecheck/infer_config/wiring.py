"""Wiring the inferred layers into a model: weights never record which layer feeds which,
so each layer takes the one before it when the widths and ranks fit (choosing
``return_sequences`` where a sequence is needed), and an input of its own otherwise."""

from __future__ import annotations

from collections.abc import Callable

from ..records import replace
from .kinds import CONV, CONV_T, DEPTHWISE, RNN_TYPES
from .result import Ambiguity, InferredLayer, SpecGraph, SpecInput


def wire(layers: list[InferredLayer], unique: Callable[[str], str],
         nested_mins: dict[str, dict[str, int]]) -> tuple[SpecGraph, dict[str, int]]:
    """Chain the layers where widths and ranks allow, give every other layer an input
    of its own, and pick return_sequences where a sequence is needed."""
    layers = _merge_modes(layers)
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
            heads = [SpecInput(unique(f"{head.name}_input"), gi.shape, gi.dtype)
                     for gi in head.graph.inputs]
        elif head.type == "Embedding":
            heads = [SpecInput(unique(f"{head.name}_input"), (None, *axes_names(in_ranks[0] - 1)),
                               "int32")]
        else:
            assert head.in_features is not None
            heads = [SpecInput(unique(f"{head.name}_input"),
                               (None, *axes_names(in_ranks[0] - 2), head.in_features))]
        for inp in heads:
            inputs.append(inp)
            _note_sizes(inp.shape, mins)
        previous = tuple(i.name for i in heads)
        for layer, rank, seq in zip(segment, in_ranks, seqs):
            layer = _with_sequences(layer, seq)
            if layer.graph is not None:
                for size, low in nested_mins.get(layer.name, {}).items():
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


def _merge_modes(layers: list[InferredLayer]) -> list[InferredLayer]:
    """A Bidirectional's merge mode is in no weight, but the layer after it can tell: one
    that takes one direction's width (not both) follows a sum, ave or mul merge."""
    out = list(layers)
    for i, (prev, layer) in enumerate(zip(layers, layers[1:])):
        if prev.type != "Bidirectional" or layer.type == "Embedding" or layer.graph is not None:
            continue
        units = prev.args["layer"].get("units")
        back = prev.args.get("backward_layer", {}).get("units", units)
        if units is None or units != back or layer.in_features != units or prev.out_features != 2 * units:
            continue
        note = Ambiguity(prev.name, "merge_mode", "sum", f"the next layer, {layer.name}, takes {units} "
                         f"features, one direction's width, so the directions are merged by sum, ave or "
                         f"mul (concat would give {2 * units}); every one stores the same weights")
        notes = tuple(note if a.what == "merge_mode" else a for a in prev.ambiguities)
        out[i] = replace(prev, args={**prev.args, "merge_mode": "sum"}, ambiguities=notes, out_features=units)
    return out


def _links(prev: InferredLayer, layer: InferredLayer) -> bool:
    return layer.type != "Embedding" and prev.out_features is not None and \
        prev.out_features == layer.in_features


def _inner_type(layer: InferredLayer) -> str:
    return layer.args["layer"]["type"] if layer.type in ("TimeDistributed", "Bidirectional") else layer.type


def _fixed_rank(typ: str) -> int | None:
    """The input rank a layer type requires; None for any rank >= 2."""
    if typ in CONV:
        return CONV[typ] + 2
    if typ in CONV_T:
        return CONV_T[typ] + 2
    if typ in DEPTHWISE:
        return DEPTHWISE[typ] + 2
    if typ in RNN_TYPES or typ == "Bidirectional":
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
    if typ in RNN_TYPES or typ == "Bidirectional":
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
        seqs[i] = need == 3 and (layer.type in RNN_TYPES or layer.type == "Bidirectional")
        ins[i] = got  # type: ignore[assignment]
        need = got  # type: ignore[assignment]
    ranks: list[int] = []
    rank = ins[0] if ins[0] is not None else (3 if segment[0].type == "TimeDistributed" else 2)
    for layer, seq in zip(segment, seqs):
        ranks.append(rank)
        if layer.graph is not None:
            rank = layer.graph.output_ranks[0] if len(layer.graph.output_ranks) == 1 else 0
        elif layer.type in RNN_TYPES or layer.type == "Bidirectional":
            rank = 3 if seq else 2
        elif layer.type == "Embedding":
            rank = rank + 1
    return ranks, seqs, rank


def _with_sequences(layer: InferredLayer, seq: bool) -> InferredLayer:
    """Write return_sequences, and say why: true only where the next layer needs a sequence."""
    if layer.type not in RNN_TYPES and layer.type != "Bidirectional":
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


def axes_names(count: int) -> tuple[str, ...]:
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
    spatial = CONV.get(typ) or DEPTHWISE.get(typ)
    if not spatial:
        return
    args = layer.args["layer"] if layer.type == "TimeDistributed" else layer.args
    names = axes_names(rank - 2)[-spatial:]
    for axis, k in zip(names, args["kernel_size"]):
        mins[axis] = mins.get(axis, 1) + k - 1
