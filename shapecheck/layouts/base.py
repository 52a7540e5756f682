"""The data of a layout and what every framework's rules share: the context a rule
sees, the naming of Keras weights inside a transform, activations, and the driver
that turns a rule's result (or its refusal) into a ``LayerLayout``.

A transform is a NumPy expression over the Keras arrays it comes from, exact enough
to run: ``np.`` is NumPy, ``gates(x, 'zrh->rzh', axis)`` cuts ``x`` into as many
equal blocks along ``axis`` as there are letters before ``->`` (Keras's gates, in
Keras's order) and joins them again in the order after it. Each Keras weight is
written as the shortest tail of its path that tells it apart from the other
weights the same framework weight comes from, ``/`` read as ``.`` (``kernel``,
``query.kernel``, ``forward_lstm.lstm_cell.kernel``); a character that cannot be in
a Python name reads as ``_``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from ..diagnostics import Diagnostic, Finding, Location, make
from ..dims import Dim, Shape, fmt, fmt_shape, mul, product, to_json, total
from ..records import record
from ..rules.registry import Weight, lookup
from ..spec import LayerConfig

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FRAMEWORKS = ("pytorch", "onnx")


@record
class FrameworkWeight:
    """One weight as the other framework holds it: its name there (relative to the
    module: a key of PyTorch's ``module.state_dict()``, an input of the ONNX
    operator), its shape, the Keras weights it is computed from and how."""

    name: str
    shape: Shape
    sources: tuple[str, ...]  # Keras weight paths, as in the report; () for constants
    transform: str  # a NumPy expression over the sources (see the module docstring)
    gate_order: str | None = None  # the framework's gate order, for recurrent weights
    # False for what the framework does not count as a parameter: PyTorch's buffers
    # (running statistics, num_batches_tracked), ONNX constants that stand for a
    # weight Keras does not have.
    is_parameter: bool = True

    @property
    def count(self) -> Dim:
        return product(self.shape)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "shape": [to_json(d) for d in self.shape],
                "sources": list(self.sources), "transform": self.transform,
                "gate_order": self.gate_order, "is_parameter": self.is_parameter}


@record
class LayerLayout:
    """One Keras layer as the framework holds the equivalent module or operator.
    ``module`` is None when there is nothing to hold (no weights) or no layout (see
    ``diagnostics``); ``params`` counts only ``is_parameter`` weights, None when
    there is no layout."""

    layer: str
    type: str  # the Keras class
    framework: str
    module: str | None
    weights: tuple[FrameworkWeight, ...]
    params: Dim
    diagnostics: tuple[Diagnostic, ...] = ()
    notes: tuple[str, ...] = ()  # what else to do to get Keras's result (permutes, padding)

    def to_dict(self) -> dict[str, Any]:
        return {"layer": self.layer, "type": self.type, "framework": self.framework,
                "module": self.module, "params": to_json(self.params),
                "weights": [w.to_dict() for w in self.weights], "notes": list(self.notes),
                "diagnostics": [d.to_dict() for d in self.diagnostics]}


# --- what a rule sees and returns --------------------------------------------------------


class NoEquivalent(Exception):
    """The framework has no module or operator that computes this layer (SC501)."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


class NotKnown(Exception):
    """This configuration of the layer has no layout in shapecheck (SC503)."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


@record
class Mapped:
    module: str
    weights: tuple[FrameworkWeight, ...]
    notes: tuple[str, ...] = ()
    # (code, message, hint): the weights are exact but the module alone does not give
    # Keras's output (SC502).
    warnings: tuple[tuple[str, str, str | None], ...] = ()


@record
class Ctx:
    """One Keras layer (or the layer a wrapper wraps) as a layout rule sees it."""

    name: str  # the report's layer name: its weights' paths start with it
    cfg: LayerConfig
    args: Mapping[str, Any]  # the rule's arguments with Keras's defaults filled in
    weights: tuple[Weight, ...]  # with full paths
    inputs: tuple[Shape, ...]
    framework: str

    @property
    def type(self) -> str:
        return self.cfg.type

    @property
    def shape(self) -> Shape:
        return self.inputs[0]

    def raw(self, key: str, default: Any = None) -> Any:
        """An argument the shape rule does not validate (activation, epsilon...)."""
        return self.cfg.args.get(key, default)

    def weight(self, tail: str) -> Weight | None:
        """The layer's weight whose path ends with ``/tail``; None if it has none."""
        found = [w for w in self.weights if w.path.endswith("/" + tail)]
        if len(found) > 1:
            raise NotKnown(f"{self.type} \"{self.name}\" has {len(found)} weights named {tail!r}")
        return found[0] if found else None

    def need(self, tail: str) -> Weight:
        w = self.weight(tail)
        if w is None:
            raise NotKnown(f"{self.type} \"{self.name}\" has no weight {tail!r} where its layout "
                           "expects one")
        return w

    def inner(self, cfg: LayerConfig, inputs: tuple[Shape, ...]) -> Ctx:
        """The context of a wrapped layer: its own arguments, the same weights."""
        return Ctx(self.name, cfg, args_of(cfg), self.weights, inputs, self.framework)


def args_of(cfg: LayerConfig) -> Mapping[str, Any]:
    """The validated arguments with Keras's defaults, as the shape rule saw them. The
    layer was analysed already, so they check; a layer with no rule has none."""
    try:
        return lookup(cfg.type).check_args(cfg)[0]
    except Finding:
        return {}


Rule = Callable[[Ctx], Mapped]
RULES: dict[tuple[str, str], Rule] = {}


def time_distributed_rule(framework: str, note: str) -> Rule:
    """TimeDistributed in either framework: the wrapped layer's layout, run on one step's
    shape, with ``note`` saying how the steps are folded into the batch."""
    kind = "PyTorch" if framework == "pytorch" else "ONNX"

    def rule(ctx: Ctx) -> Mapped:
        inner = ctx.cfg.nested.get("layer")
        if inner is None:
            raise NotKnown("TimeDistributed without its layer")
        wrapped = RULES.get((framework, inner.type))
        if wrapped is None:
            raise NotKnown(f"the {kind} layout of {inner.type} (in TimeDistributed) is not known to "
                           "shapecheck")
        shape = ctx.shape
        got = wrapped(ctx.inner(inner, ((shape[0], *shape[2:]),)))
        return Mapped(got.module, got.weights, (note, *got.notes), got.warnings)

    return rule


def layout_rule(framework: str, *types: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for t in types:
            RULES[(framework, t)] = fn
        return fn

    return register


# --- transforms ---------------------------------------------------------------------------

_NOT_IDENT = re.compile(r"[^A-Za-z0-9_]")


def _ident(part: str) -> str:
    name = _NOT_IDENT.sub("_", part)
    return f"_{name}" if name[:1].isdigit() else name


def source_names(paths: Sequence[str]) -> tuple[str, ...]:
    """How each of ``paths`` is written in a transform: its shortest tail that no other
    path ends with, ``/`` as ``.``."""
    split = [p.split("/") for p in paths]
    out = []
    for i, parts in enumerate(split):
        k = 1
        while k < len(parts) and any(j != i and other[-k:] == parts[-k:] for j, other in enumerate(split)):
            k += 1
        out.append(".".join(_ident(p) for p in parts[-k:]))
    return tuple(out)


def fw(name: str, shape: Iterable[Dim], sources: Sequence[Weight], template: str,
       gate_order: str | None = None, is_parameter: bool = True) -> FrameworkWeight:
    """A framework weight; ``template`` writes its sources as {0}, {1}..."""
    paths = tuple(w.path for w in sources)
    return FrameworkWeight(name, tuple(shape), paths, template.format(*source_names(paths)),
                           gate_order, is_parameter)


def zeros(n: Dim) -> str:
    return f"np.zeros({fmt(n)})"


def perm(*axes: int) -> str:
    return f"transpose({', '.join(map(str, axes))})"


# --- activations ---------------------------------------------------------------------------


def activation_name(value: Any, default: str | None = "linear") -> str | None:
    """Keras's activation as written in a config: a name, or a serialized function
    (``{"config": "relu", ...}``); None for anything else (custom code)."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, Mapping) and isinstance(value.get("config"), str):
        return value["config"].lower()
    return None


# --- pieces both frameworks' rules use ------------------------------------------------------


def literal(v: object) -> str:
    """A config value as written into a module or operator string."""
    return repr(round(v, 12)) if isinstance(v, float) else str(v)


def gate_reorder(x: str, order: str | None, axis: int) -> str:
    """The transform that reorders a stacked kernel's gate blocks (``'ifco->iofc'``)."""
    return f"gates({x}, '{order}', axis={axis})" if order else x


def then_activation(ctx: Ctx, op: str, table: Mapping[str, str | None]) -> str:
    """The module or operator, then the layer's activation as the framework names it."""
    name = activation_name(ctx.raw("activation"))
    if name is None:
        return f"{op}, then the layer's own activation (not a Keras name)"
    act = table.get(name, f"Keras's {name!r} activation")
    return op if act is None else f"{op}, then {act}"


def depthwise_kernel(k: Weight, rank: int, name: str) -> tuple:
    """Keras's (k..., c, m) -> (c*m, 1, k...), PyTorch's and ONNX's grouped convolution
    weight: output channel c*m + j is Keras's channel c, multiplier j, the same order.
    Returns the weight, c and m."""
    c, m = k.shape[-2], k.shape[-1]
    ks = ", ".join(fmt(s) for s in k.shape[:rank])
    t = "{0}" + f".reshape({ks}, -1)." + perm(rank, *range(rank)) + "[:, None]"
    return fw(name, (mul(c, m), 1, *k.shape[:rank]), [k], t), c, m


# --- the driver ----------------------------------------------------------------------------


def run(ctx: Ctx, location: Location, rule: Rule | None) -> LayerLayout:
    """Apply ``rule`` to ``ctx``: its layout, or the diagnostic that says why there is none."""
    kind = "PyTorch" if ctx.framework == "pytorch" else "ONNX"

    def refused(code: str, message: str, hint: str | None) -> LayerLayout:
        return LayerLayout(ctx.name, ctx.type, ctx.framework, None, (), None,
                           (make(code, message, location, ctx.name, hint),))

    if rule is None:
        return refused("SC503", f"the {kind} layout of {ctx.type} is not known to shapecheck; "
                       f"its Keras weights are {_listing(ctx.weights)}",
                       "no layout is guessed: convert this layer's weights by hand")
    try:
        mapped = rule(ctx)
    except NoEquivalent as e:
        return refused("SC501", e.message, e.hint)
    except NotKnown as e:
        return refused("SC503", e.message, e.hint or "no layout is guessed: convert this layer's "
                       "weights by hand")
    used = {p for w in mapped.weights for p in w.sources}
    left = [w for w in ctx.weights if w.path not in used]
    if left:  # a weight the rule does not place: never a partial layout
        return refused("SC503", f"the {kind} layout of this {ctx.type} is not known to shapecheck: "
                       f"it does not place {_listing(left)}", "no layout is guessed: convert this "
                       "layer's weights by hand")
    params = total(w.count for w in mapped.weights if w.is_parameter)
    diags = tuple(make(code, msg, location, ctx.name, hint) for code, msg, hint in mapped.warnings)
    return LayerLayout(ctx.name, ctx.type, ctx.framework, mapped.module, mapped.weights, params,
                       diags, mapped.notes)


def _listing(weights: Sequence[Weight]) -> str:
    return ", ".join(f"{w.path} {fmt_shape(w.shape)}" for w in weights)

