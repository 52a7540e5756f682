"""Reverse lookup: where can a tensor of a given shape come from in this model?

"I see a (384, 12) weight in an LSTM implementation; which of my model's weights is
it?" Each weight is listed as each framework stores it (Keras's own, and PyTorch's
and ONNX's for the equivalent layers), together with the arrays that are part of it:
one gate's block of a stacked recurrent kernel, one direction of a bidirectional
layer, one head of an attention kernel, the heads merged into a matrix, and the
transposes of the matrices. A query matches every view of that shape, each with a
sentence that says how the view is taken.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from .dims import Dim, Shape, fmt_shape, solve_size
from .records import record
from .report import LAYOUT_NAMES, LayerReport, Report
from .rules.recurrent import CELLS

LAYOUTS = ("keras", "pytorch", "onnx")
MAX_NEAREST = 5


@record
class Stacking:
    """Equal blocks side by side along one axis of an array: LSTM gates on the columns
    of a kernel, heads on an attention kernel's middle axis, directions on ONNX's
    first axis."""

    axis: int
    parts: tuple[str, ...]  # the blocks, in stored order
    kind: str  # "gate", "head", "direction", "bias": what one block is
    sliced: bool = False  # one block is an index along the axis (the axis goes), not a range
    note: str = ""  # said when a view takes one block: what the block's size means


@record
class Array:
    """One stored array of the model, in one framework's layout."""

    path: str
    layout: str
    layer: str
    shape: Shape
    what: str  # what the array holds, axis by axis
    stacks: tuple[Stacking, ...] = ()
    origin: str = ""  # another framework's array: which Keras arrays it is made from, and how


@record
class Match:
    path: str
    layout: str
    layer: str
    relation: str  # "weight", "transpose", "gate block", "gate block, transposed", ...
    shape: Shape  # the view's shape (the query's)
    of_shape: Shape  # the stored array's shape
    explanation: str

    def to_dict(self) -> dict:
        from .dims import to_json

        return {"path": self.path, "layout": self.layout, "layer": self.layer,
                "relation": self.relation, "shape": [to_json(d) for d in self.shape],
                "stored_shape": [to_json(d) for d in self.of_shape], "explanation": self.explanation}


@record
class Lookup:
    query: tuple[int | None, ...]
    matches: tuple[Match, ...]
    nearest: tuple[Match, ...]  # the closest views when nothing matches
    layouts: tuple[str, ...] = LAYOUTS  # the layouts searched

    def to_dict(self) -> dict:
        return {"query": list(self.query), "matches": [m.to_dict() for m in self.matches],
                "nearest": [m.to_dict() for m in self.nearest]}


# --- views ------------------------------------------------------------------------

@record
class _View:
    shape: Shape
    steps: tuple[str, ...]  # how it is taken, in order: "one gate's block", "transposed"
    kinds: tuple[str, ...]  # the relation's words
    details: tuple[str, ...]  # a sentence per step: what the blocks are


def _parts(parts: tuple[str, ...]) -> str:
    return ", ".join(parts) if len(parts) <= 4 else f"{parts[0]} ... {parts[-1]}"


def views(array: Array) -> Iterator[_View]:
    """The array, each block of each stacking (and blocks of blocks: ONNX's one
    direction's one gate), merged heads, and the transpose of every matrix among them."""
    def blocks(view: _View, stacks: tuple[Stacking, ...], shape_axes: list[int]) -> Iterator[_View]:
        yield view
        for k, s in enumerate(stacks):
            if s.axis not in shape_axes:
                continue
            axis = shape_axes.index(s.axis)
            size, n = view.shape[axis], len(s.parts)
            if not isinstance(size, int) or n < 2 or size % n:
                continue
            if s.sliced:
                shape = view.shape[:axis] + view.shape[axis + 1:]
                axes = shape_axes[:axis] + shape_axes[axis + 1:]
            else:
                shape = view.shape[:axis] + (size // n,) + view.shape[axis + 1:]
                axes = shape_axes
            piece = "slice" if s.sliced else "block"
            step = f"one {s.kind}'s {piece}"
            plural = s.kind + ("es" if s.kind.endswith("s") else "s")
            detail = (f"Axis {s.axis} holds {n} {plural} ({_parts(s.parts)}) "
                      f"{'one after another' if s.sliced else 'side by side'}, so one {s.kind}'s "
                      f"{'slice' if s.sliced else 'block'} is {fmt_shape(shape)}"
                      + (f"; {s.note}." if s.note else "."))
            yield from blocks(_View(shape, view.steps + (step,), view.kinds + (f"{s.kind} {piece}",),
                                    view.details + (detail,)), stacks[k + 1:], axes)

    axes = list(range(len(array.shape)))
    found = list(blocks(_View(array.shape, (), (), ()), array.stacks, axes))
    for head in (s for s in array.stacks if s.kind == "head" and s.sliced):
        # Heads side by side as one matrix: how PyTorch's in_proj and most code hold them.
        a = head.axis
        at = a - 1 if a == len(array.shape) - 1 else a
        if at < 0 or not all(isinstance(d, int) for d in array.shape[at:at + 2]):
            continue
        shape = array.shape[:at] + (array.shape[at] * array.shape[at + 1],) + array.shape[at + 2:]
        found.append(_View(shape, ("heads merged",), ("heads merged",),
                           (f"Axes {at} and {at + 1} merged: the {len(head.parts)} heads side by side, "
                            "as most implementations (and PyTorch's in_proj) hold them.",)))
    for view in list(found):
        if len(view.shape) == 2 and view.shape[0] != view.shape[1]:
            found.append(_View(view.shape[::-1], view.steps + ("transposed",),
                               view.kinds + ("transposed",), view.details))
    yield from found


def _relation(view: _View) -> str:
    if not view.kinds:
        return "weight"
    if view.kinds == ("transposed",):
        return "transpose"
    return ", ".join(view.kinds)


def _explain(array: Array, view: _View) -> str:
    stored = f"{array.path} {fmt_shape(array.shape)}"
    if not view.steps:
        return " ".join([f"{stored} itself.", array.what, array.origin]).strip()
    taken = [s for s in view.steps if s != "transposed"]
    if view.kinds[0] == "heads merged":
        head = f"{fmt_shape(view.shape)} is {stored} with its heads merged into one axis"
    else:
        head = f"{fmt_shape(view.shape)} is " + (" within ".join(reversed(taken)) if taken else
                                                 "the transpose") + f" of {stored}"
    if taken and view.steps[-1] == "transposed":
        head += ", transposed"
    return " ".join([head + ".", *view.details, *(() if taken else (array.what,)),
                     *((array.origin,) if array.origin else ())]).strip()


# --- the arrays of a model ----------------------------------------------------------

def keras_arrays(report: Report) -> list[Array]:
    out: list[Array] = []
    for layer in report.layers.values():
        for w in layer.weights:
            out.append(Array(w.path, "keras", layer.name, w.shape, _keras_what(w),
                             _keras_stacks(layer, w.path, w.shape)))
    return out


def _keras_what(weight) -> str:
    parts = [f"{a.size} = {a.formula} ({a.why})" if a.formula != str(a.size) else f"{a.size} ({a.why})"
             for a in weight.axes]
    return "Its axes: " + "; ".join(parts) + "." if parts else "A scalar."


def _recurrent_config(layer: LayerReport, path: str):
    """The recurrent layer (LSTM, GRU...) a weight belongs to, if any."""
    cfg = layer.config
    if cfg is None:
        return None
    if cfg.type in ("Bidirectional", "TimeDistributed"):
        backward = cfg.nested.get("backward_layer")
        cfg = backward if backward is not None and "/backward_" in path else cfg.nested.get("layer")
    if cfg is not None and cfg.type == "RNN":
        return None  # cells stacked inside: their own names
    return cfg if cfg is not None and (cfg.type in CELLS or cfg.type.startswith("ConvLSTM")) else None


def _gates(cfg) -> tuple[str, ...]:
    if cfg.type.startswith("ConvLSTM"):
        return CELLS["LSTM"].gates
    return CELLS[cfg.type].gates


def _keras_stacks(layer: LayerReport, path: str, shape: Shape) -> tuple[Stacking, ...]:
    leaf = path.rsplit("/", 1)[-1]
    rnn = _recurrent_config(layer, path)
    if rnn is not None and leaf in ("kernel", "recurrent_kernel", "bias"):
        gates = _gates(rnn)
        if not gates:
            return ()
        units = rnn.args.get("units", rnn.args.get("filters"))
        width = "units" if "units" in rnn.args else "filters"
        note = f"each is {width}={units} wide"
        if leaf == "kernel":
            note += (f": {units} is the hidden width, and nothing partitions the input: every step "
                     "multiplies the whole x_t by each gate's block")
        stacks = [Stacking(len(shape) - 1, gates, "gate", note=note)]
        if leaf == "bias" and len(shape) == 2:  # GRU reset_after: input and recurrent biases
            stacks.insert(0, Stacking(0, ("input bias", "recurrent bias"), "bias", sliced=True))
        return tuple(stacks)
    if layer.type in ("MultiHeadAttention", "GroupedQueryAttention", "GroupQueryAttention") and \
            leaf == "kernel" and len(shape) >= 3:
        heads = shape[0] if "attention_output" in path else shape[1]
        if isinstance(heads, int) and heads > 1:
            axis = 0 if "attention_output" in path else 1
            return (Stacking(axis, tuple(f"head {k}" for k in range(heads)), "head", sliced=True,
                             note=f"each of the {heads} heads has its own slice"),)
    return ()


def arrays(report: Report, layouts: Iterable[str] = LAYOUTS) -> list[Array]:
    out: list[Array] = []
    for layout in layouts:
        if layout == "keras":
            out += keras_arrays(report)
        else:
            out += framework_arrays(report, layout)
    return out


def framework_arrays(report: Report, framework: str) -> list[Array]:
    """The arrays of ``report`` as PyTorch's modules or ONNX's operators hold them
    (shapecheck.layouts), with the blocks they stack: gates on PyTorch's rows, ONNX's
    directions then gates, the query/key/value projections and heads of PyTorch's
    MultiheadAttention."""
    from .layouts import layout

    out: list[Array] = []
    kind = LAYOUT_NAMES[framework]
    for lay, layer in zip(layout(report, framework), report.layers.values()):
        for w in lay.weights:
            path = f"{lay.layer}.{w.name}" if framework == "pytorch" else f"{lay.layer}:{w.name}"
            origin = (f"In {kind}'s {lay.module} it is "
                      + (f"made from Keras's {', '.join(w.sources)} as {w.transform}" if w.sources else
                         f"{w.transform}, with no Keras counterpart") + ".")
            what = f"{kind} holds it as {w.name}" + (f", gates {w.gate_order}" if w.gate_order else "") + "."
            out.append(Array(path, framework, lay.layer, w.shape, what,
                             _framework_stacks(framework, layer, w), origin))
    return out


def _framework_stacks(framework: str, layer: LayerReport, w) -> tuple[Stacking, ...]:
    stacks: list[Stacking] = []
    gates = tuple(w.gate_order.split(" ", 1)[0].split(",")) if w.gate_order else ()

    def gate_stack(axis: int, per: int) -> Stacking:
        size = w.shape[axis]
        hidden = size // per if isinstance(size, int) and size % per == 0 else None
        return Stacking(axis, gates, "gate", note=f"each is hidden_size={hidden} wide" if hidden else "")

    if framework == "onnx" and len(w.shape) >= 2 and w.name in ("W", "R", "B"):
        if w.shape[0] == 2:
            stacks.append(Stacking(0, ("forward", "reverse"), "direction", sliced=True))
        if w.name == "B":
            stacks.append(Stacking(1, ("Wb", "Rb"), "bias"))
        if gates:
            stacks.append(gate_stack(1, len(gates) * (2 if w.name == "B" else 1)))
    elif framework == "pytorch" and gates:
        stacks.append(gate_stack(0, len(gates)))
    elif framework == "pytorch" and layer.type == "MultiHeadAttention" and layer.config is not None:
        heads = layer.config.args.get("num_heads")
        names = tuple(f"head {k}" for k in range(heads)) if isinstance(heads, int) else ()
        if w.name.startswith("in_proj_"):
            stacks.append(Stacking(0, ("query", "key", "value"), "projection"))
        if w.name in ("in_proj_weight", "in_proj_bias", "q_proj_weight", "k_proj_weight", "v_proj_weight"):
            stacks.append(Stacking(0, names, "head", note="heads side by side on the rows"))
        elif w.name == "out_proj.weight":
            stacks.append(Stacking(1, names, "head", note="heads side by side on the columns"))
    return tuple(stacks)


# --- the lookup -------------------------------------------------------------------

def _bind(dim: Dim, size: int | None, bound: dict[str, int]) -> bool:
    """Whether an axis of the model can be ``size`` from a printed shape (None: Keras's
    unknown, which only an unknown axis is; a size given where the model has None is a
    batch size)."""
    if size is None or dim is None:
        return dim is None
    return solve_size(dim, size, bound)


def activations(report: Report, query: tuple[int | None, ...]) -> list[Match]:
    """The model's tensors (each input, each layer's outputs) that a printed shape can
    be: ``(None, 4995, 768)`` is ``bilstm``'s ``(None, t, 768)`` with t = 4995."""
    out = []
    for layer in report.layers.values():
        for k, shape in enumerate(layer.output_shapes or ()):
            bound: dict[str, int] = {}
            if len(shape) != len(query) or not all(_bind(d, q, bound) for d, q in zip(shape, query)):
                continue
            nth = f" {k}" if len(layer.output_shapes) > 1 else ""
            which = "the input" if layer.type == "InputLayer" else \
                f"the output{nth} of {layer.name} ({layer.class_name})"
            batch = " (a batch size where the model has None)" if shape and shape[0] is None and \
                query[0] is not None else ""
            binding = f", with {', '.join(f'{n} = {v}' for n, v in bound.items())}" if bound else ""
            path = layer.name if layer.type == "InputLayer" else \
                f"{layer.name}:output{f'[{k}]' if len(layer.output_shapes) > 1 else ''}"
            out.append(Match(path, "keras", layer.name, "activation", tuple(query), tuple(shape),
                             f"{fmt_shape(query)} is {which}, {fmt_shape(shape)} in the model{binding}"
                             f"{batch}: an activation, not a weight."))
    return out


def lookup(report: Report, query: tuple[int | None, ...], layouts: Iterable[str] = LAYOUTS) -> Lookup:
    acts = activations(report, query) if "keras" in layouts else []
    if any(d is None for d in query):  # a printed activation shape: no weight has a None axis
        return Lookup(query, tuple(acts), (), tuple(layouts))
    # sizes only (384,12): a weight's shape first; an activation whose batch axis the
    # query fills in only when no weight has that shape
    batched = [m for m in acts if m.of_shape and m.of_shape[0] is None]
    matches: list[Match] = [m for m in acts if m not in batched]
    candidates: list[tuple[float, Match]] = []
    for array in arrays(report, layouts):
        seen: set[tuple] = set()
        for view in views(array):
            key = (view.shape, view.kinds)
            if key in seen:
                continue
            seen.add(key)
            match = Match(array.path, array.layout, array.layer, _relation(view), view.shape,
                          array.shape, _explain(array, view))
            if tuple(view.shape) == query:
                matches.append(match)
            else:
                candidates.append((_distance(view.shape, query), match))
    if not [m for m in matches if m.relation != "activation"]:
        matches += batched
    nearest: tuple[Match, ...] = ()
    if not matches:
        candidates.sort(key=lambda c: c[0])
        picked, shapes = [], set()
        for _, m in candidates:
            if (m.shape, m.layout) not in shapes:
                shapes.add((m.shape, m.layout))
                picked.append(m)
            if len(picked) == MAX_NEAREST:
                break
        nearest = tuple(picked)
    return Lookup(query, tuple(matches), nearest, tuple(layouts))


def _distance(shape: Shape, query: tuple[int, ...]) -> float:
    """How far a shape is from the query: rank first, then the sizes' log ratios."""
    if not all(isinstance(d, int) and d > 0 for d in shape):
        return math.inf
    rank = abs(len(shape) - len(query)) * 100.0
    sizes = sum(abs(math.log(a / b)) for a, b in zip(sorted(shape), sorted(query)))
    return rank + sizes


def summary(result: Lookup, report: Report) -> str:
    """One sentence first: is it a whole Keras weight, or only part of one?"""
    q = fmt_shape(result.query)
    keras_whole = [m for m in result.matches if m.layout == "keras" and m.relation == "weight"]
    acts = [m for m in result.matches if m.relation == "activation"]
    if acts and not keras_whole:
        also = f" (and {len(acts) - 1} more tensors of that shape below)" if len(acts) > 1 else ""
        return f"{_clause(acts[0]).split(':')[0]}{also}: an activation, not a weight."
    if not result.matches:
        where = "in any layout" if result.layouts == LAYOUTS else \
            "in " + " or ".join(f"{LAYOUT_NAMES[k]}'s layout" for k in result.layouts)
        return f"No tensor of shape {q} arises from this model's weights, {where}."
    if keras_whole:
        return f"{q} is a Keras weight of this model: " + ", ".join(m.path for m in keras_whole) + "."
    keras = [m for m in result.matches if m.layout == "keras"]
    elsewhere = []
    for layout in LAYOUTS[1:]:
        there = [m for m in result.matches if m.layout == layout]
        if there:
            elsewhere.append(f" In {LAYOUT_NAMES[layout]}'s layout it is {_clause(there[0])}.")
    if keras:
        more = f" (and {len(keras) - 1} more like it below)" if len(keras) > 1 else ""
        return f"No Keras weight is {q}; it is {_clause(keras[0])}{more}." + "".join(elsewhere)
    if "keras" not in result.layouts:
        return "".join(elsewhere).strip()
    return f"No Keras weight is {q}, nor any part of one." + "".join(elsewhere)


def _clause(match: Match) -> str:
    """The first sentence of a match's explanation, after "(384, 12) is"."""
    first = match.explanation.split(". ", 1)[0]
    return first.split(" is ", 1)[1] if " is " in first else first


__all__ = ["Array", "Lookup", "Match", "Stacking", "arrays", "keras_arrays", "lookup", "summary",
           "views", "LAYOUTS"]
