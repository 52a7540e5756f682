"""Propagate shapes through the layer graph in topological order.

Each layer's rule runs once on the shapes its producers gave. A layer that fails
gets a diagnostic; the layers after it are skipped quietly (their inputs are
unknown), so one mistake yields one finding, not a cascade.

Why one module: the loop, what it checks around each rule (sizes, call arguments, Lambda
and declared shapes, a shared layer's later calls) and the nested-model rule, which runs
the loop again on the inner model, are one procedure; the rules themselves are apart
(``rules/``), and so is what the totals count once (``sharing.py``).
"""

from __future__ import annotations

import operator
from collections.abc import Mapping

from .diagnostics import Diagnostic, Finding, Location, Severity, make
from .dims import (
    MAX_RANK,
    MAX_SIZE,
    NamedSize,
    Shape,
    compare,
    fmt_big,
    fmt_shape,
    too_large,
    total,
    within_bounds,
)
from .graph import build
from .records import replace
from .report import Edge, LayerReport, Report
from .rules.keras_names import tf_keras_path
from .rules.recurrent import CELLS
from .rules.registry import (
    CODE_LAYERS,
    REGISTRY,
    Arg,
    Axis,
    LayerCall,
    Note,
    Output,
    Rule,
    Weight,
    apply,
    bool_arg,
    lookup,
    params_of,
    rule,
)
from .sharing import counted_once, counted_twice
from .spec import LayerConfig, LayerSpec, ModelSpec, Ref

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_FAILED = None
_SIZE = operator.attrgetter("size")
# Findings about a value point at the value, not at its key.
_AT_VALUE = frozenset({"SC403", "SC305"})
# Integer arguments that are values, not sizes (seeds, vocabulary ids, statistics...):
# exempt from the MAX_SIZE cap that every other integer argument is held to.
_NOT_SIZES = frozenset({
    "seed", "salt", "vocabulary", "idf_weights", "bin_boundaries", "mean", "variance", "weights",
    "mask_token", "oov_token", "mask_value", "fill_value", "value_range", "max_value", "threshold",
    "negative_slope", "scale", "offset", "stddev", "alpha", "epsilon", "momentum", "factor",
    "arguments",
})
# Argument values that hold no integer (a bool is one, but never a size).
_NO_INTS = frozenset({str, float, bool, type(None), dict})
# An argument holding more integers than this is not a list of sizes.
_MAX_ARG_INTS = 4 * MAX_RANK
# A Lambda with a literal output_shape gets it (the batch axis prepended, as Keras
# does); the layer is still reported, with this code, since its function never runs.
LAMBDA_CODE = "SC410"


def run(spec: ModelSpec, found: list[Diagnostic]) -> Report:
    graph, graph_found = build(spec)
    diags = list(found) + graph_found
    results: dict[str, tuple[Shape, ...] | None] = {}  # by graph node (layer call)
    layers: dict[str, LayerReport] = {}  # by layer name: its first call
    later: dict[str, list[tuple[tuple[Shape, ...], tuple[Shape, ...] | None]]] = {}
    failed: set[str] = set()  # nodes whose own rule failed (not merely skipped)
    seen: dict = {}  # what the layers' reports share (_once)

    for node_name in graph.order:
        node = graph.g.nodes[node_name]
        if node.kind == "input":
            inp = node.item
            results[node_name] = _FAILED if inp.shape is None else (inp.shape,)
            layers[node_name] = LayerReport(node_name, "InputLayer", (), results[node_name], (), 0, 0,
                                            inp.location,
                                            status="ok" if inp.shape is not None else "failed")
            continue
        layer: LayerSpec = node.item
        report = _call(layer, spec, results, graph, diags, failed, seen)
        results[node_name] = report.output_shapes
        if report.status == "failed":
            failed.add(node_name)
        if layer.call == 0:
            layers[layer.name] = report
            continue
        later.setdefault(layer.name, []).append((report.input_shapes, report.output_shapes))
        first = layers.get(layer.name)
        if first and first.weights and report.weights and \
                [w.shape for w in first.weights] != [w.shape for w in report.weights]:
            # A layer's weights are built once, on its first call; Keras rejects a later
            # call whose input would need other weight shapes.
            results[node_name] = _FAILED
            diags.append(make("SC306", f"layer {layer.name!r} is called again on "
                              f"{', '.join(fmt_shape(s) for s in report.input_shapes)}, but its "
                              f"weights were built for {', '.join(fmt_shape(s) for s in first.input_shapes)}",
                              layer.where, layer.name, hint="a shared layer needs inputs of the same "
                              "feature sizes at every call"))
    for name, calls in later.items():
        if name in layers:
            layers[name] = replace(layers[name], calls=tuple(calls))

    outputs: list[Shape] = []
    for ref in spec.outputs:
        shapes = results.get(ref.node)
        if shapes:
            picked = _pick(ref, shapes, diags, None)
            outputs.extend(picked or ())
    diags += _float_ids(spec, graph)
    diags = _followed_once_a_place(diags)
    counted = counted_once(spec.layers, layers, diags)
    twice, twice_trainable = counted_twice(spec.layers, layers, diags)
    trainable = total(r.trainable_params for r in counted)
    all_params = total(r.params for r in counted)
    if all_params is not None and trainable is not None:
        all_params, trainable = all_params - twice, trainable - twice_trainable
    diags.sort(key=lambda d: (d.location.line or 0, d.location.column or 0))
    return Report(
        path=spec.path, format=spec.format, model=spec.model,
        inputs={i.name: i.shape for i in spec.inputs if i.shape is not None},
        outputs=tuple(outputs), layers=layers,
        diagnostics=tuple(diags), total_params=all_params, trainable_params=trainable,
        edges=_edges(graph, results, spec.outputs),
    )


def _followed_once_a_place(diags: list[Diagnostic]) -> list[Diagnostic]:
    """SC410 once for the layers one place makes alike (a builder's loop in Python makes a
    Lambda or a Layer subclass at one line, once a block): said for the first, with how
    many more. A place with no line (a dict) is each layer's own."""
    kept: dict = {}
    out: list[Diagnostic] = []
    for d in diags:
        if d.code != LAMBDA_CODE or d.location.line is None:
            out.append(d)
            continue
        key = (d.location, d.message)
        if key in kept:
            kept[key][1] += 1
            continue
        kept[key] = [len(out), 0]
        out.append(d)
    for i, more in kept.values():
        if more:
            out[i] = replace(out[i], message=f"{out[i].message} (and {more} more "
                             f"layer{'s' if more > 1 else ''} made here)")
    return out


def _edges(graph, results, outputs: tuple[Ref, ...] = ()) -> tuple[Edge, ...]:
    """Every tensor passed, with the shapes it carried (for the picture), and each model
    output as an arrow to ``(output)`` (``(output 2)``... when there are several). Which
    output of its source an arrow is (``[1]``) is said only of a source with several."""
    edges = []

    def edge(ref: Ref, target: str, arg: str) -> Edge:
        produced = results.get(ref.node)
        index = ref.index
        if produced is not None and index is not None:
            index = index if len(produced) > 1 else None
            k = ref.index
            produced = (produced[k],) if -len(produced) <= k < len(produced) else None
        return Edge(ref.node, target, index, arg, produced)

    for node_name in graph.order:
        node = graph.g.nodes[node_name]
        if node.kind != "layer":
            continue
        layer: LayerSpec = node.item
        for arg, refs in (("inputs", layer.inputs), *layer.call_args.items()):
            for ref in refs:
                if ref.node in graph.g:
                    edges.append(edge(ref, node_name, arg))
    for k, ref in enumerate(outputs):
        if ref.node in graph.g:
            edges.append(edge(ref, "(output)" if len(outputs) == 1 else f"(output {k + 1})", "output"))
    return tuple(edges)


def _call(layer: LayerSpec, spec: ModelSpec, results, graph, diags, failed: set[str], seen: dict
          ) -> LayerReport:
    """Run one layer call: its report, with output_shapes None if it failed or was skipped."""
    cfg, name = layer.config, layer.name
    # With no model inputs at all (already reported), a layer fed by default is skipped.
    gathered = _gather(layer, results, diags) if layer.inputs or spec.inputs else None
    if not isinstance(gathered, tuple):
        if layer.call == 0:
            _check_config(cfg, diags, spec.custom)
        if isinstance(gathered, str) and gathered in failed:
            diags.append(make("SC207", f"{name!r} is not checked: its input comes from "
                              f"{gathered!r}, which could not be analysed", layer.where, name))
        return LayerReport(name, _shown(cfg), (), None, (), None, None, layer.where,
                           status="skipped", config=cfg)
    inputs, kwargs = gathered
    try:
        _check_sizes(cfg)
        declared = _lambda_output(cfg, inputs)
        if declared is not None:
            followed = cfg.args.get("output_shape_from")
            taken = f"followed {followed} as Keras would, without running it" if isinstance(followed, str) \
                else "never runs it, and takes its output_shape as given"
            shapes, a = ", ".join(fmt_shape(s) for s in declared), "an" if cfg.type[:1] in "AEIOU" else "a"
            diags.append(make(LAMBDA_CODE, f"{a} {cfg.type} layer runs code the model names; shapecheck "
                              f"{taken}: {shapes}", cfg.where("type"), name,
                              hint="Keras trusts output_shape too; check it against the function"
                              if not isinstance(followed, str) else None))
            shown = "the Lambda's output_shape" if cfg.type == "Lambda" else f"the shape {followed} gives"
            weights = tuple(w.under(name) for w in _followed_weights(cfg))
            return LayerReport(name, cfg.type, inputs, declared, weights, *params_of(weights), layer.where,
                               (f"{shown}, with the batch axis of its input",), config=cfg)
        sublayers = _sublayers(cfg)
        by_name = sublayers or _declared_by_name(cfg, spec.custom)
        _check_call_args(layer, spec.custom, by_name)
        out = apply(by_name or cfg, inputs, spec.facts, kwargs, spec.custom)
        if sublayers is not None:  # its own weights, then its sublayers'
            out = replace(out, weights=(*_followed_weights(cfg), *_tracked(cfg, out.weights, name, diags)))
        _check_output(cfg, out.shapes)
        if by_name is not None and sublayers is None:
            diags.append(make(LAMBDA_CODE, f"a {cfg.type} layer runs code the model names; shapecheck "
                              f"never runs it, and takes the shapes custom_layers declares for "
                              f"{name!r}", cfg.where("type"), name,
                              hint="Keras runs the code instead: check the declaration against it"))
    except Finding as f:
        where = (f.config or cfg).where(f.arg, value=f.code in _AT_VALUE)
        if layer.call:
            where = layer.where
        hint = f.hint
        if f.code == "SC301" and hint is None:
            hint = _rank_hint(layer, graph.g)
        if f.code == "SC408" and cfg.type in CODE_LAYERS:  # code, not a class: declared by name
            hint = (f"declare its shapes as data, keyed by the layer's name: `custom_layers: {{{name}: "
                    f"{{output: ...}}}}` in the spec, or [tool.shapecheck.custom_layers.{name}] in "
                    "pyproject.toml (docs/custom-layers.md)")
            fails = cfg.args.get("fails_in_keras3")  # the Python reader saw its function fail there
            if isinstance(fails, list) and len(fails) == 2 and all(isinstance(x, str) for x in fails):
                f = Finding("SC605", f"this Lambda's function fails in Keras 3 ({fails[0]}), which runs it "
                            "to know the output's shape: the model does not build", arg="type")
                hint = fails[1]
        if f.code == "SC206" and hint and "NAME[0]" in hint:
            # the user's own producer, not a made-up name
            source = next((r for r in layer.inputs if r.index is None), None)
            hint = hint.replace("NAME", str(source.node)) if source is not None else \
                "give the layer as many inputs as it takes"
        recorded = _recorded(layer) if f.code in _NO_RULE and f.config is None else None
        if recorded is not None:
            return _from_record(layer, inputs, recorded, f, where, hint, diags)
        diags.append(make(f.code, f.message, where, name, hint))
        return LayerReport(name, _shown(cfg), inputs, None, (), None, None, layer.where,
                           status="failed", config=cfg)
    for note in out.notes:
        diags.append(make(note.code, note.message, layer.where, name, note.hint))
    weights = tuple(w.under(name, _once(seen, w.axes, tuple(map(type, map(_SIZE, w.axes)))))
                    for w in out.weights)
    if cfg.dialect in ("keras2", "tfjs"):
        wrapped = cfg.nested.get("layer")
        weights = tuple(w if w.tf_keras_path else replace(w, tf_keras_path=tf_keras_path(
            cfg.type, wrapped.type if wrapped else None, w.path)) for w in weights)
    params, trainable = params_of(weights)
    return LayerReport(name, _shown(cfg), inputs, out.shapes, weights, params, trainable,
                       layer.where, _once(seen, out.why), config=cfg)


def _once(seen: dict, value: Any, types: Any = None) -> Any:
    """``value``, or the equal one an earlier layer's report holds: a model repeats its
    blocks, and each copy's axes (with their sentences) and explanations would
    otherwise be kept again (100,000 generated layers: a tenth of the memory).
    ``types`` keeps apart what is equal across types (the int 16, sympy's 16)."""
    return seen.setdefault((value, types), value)


_KERAS_OWN = ("keras.src.applications.", "tf_keras.src.applications.")


def _shown(cfg: LayerConfig) -> str:
    """The class a layer's report names. tf.keras's op layers are dispatched by the
    TensorFlow function they call (``tf.math.reduce_mean``), but their class is TFOpLambda
    (the function is the layer's name), SlicingOpLambda for ``x[...]``, TensorFlowOpLayer.
    A nested model made by a Model subclass is that class (``class_name``, as Keras's
    summary shows it)."""
    type_name = cfg.type
    if type_name in _NESTED:
        named = cfg.args.get("class_name")
        return named if isinstance(named, str) and named.isidentifier() else type_name
    if type_name.startswith(_KERAS_OWN):  # keras.applications' classes: Keras's class name
        return type_name.rsplit(".", 1)[-1]
    if not type_name.startswith("tf."):
        return type_name
    if type_name.startswith("tf.raw."):
        return "TensorFlowOpLayer"
    return "SlicingOpLambda" if type_name == "tf.__operators__.getitem" else "TFOpLambda"


_NESTED = frozenset(("Functional", "Sequential", "Model"))


# Findings that say shapecheck has no rule for the layer (not that the layer is wrong).
_NO_RULE = frozenset({"SC401", "SC406", "SC408"})
RECORDED_CODE = "SC411"


def _recorded(layer: LayerSpec) -> tuple[Shape, ...] | None:
    shapes = layer.recorded
    if not shapes or any(s is None for s in shapes):
        return None
    return tuple(shapes)


def _from_record(layer: LayerSpec, inputs: tuple[Shape, ...], shapes: tuple[Shape, ...], f: Finding,
                 where: Location, hint: str | None, diags: list[Diagnostic]) -> LayerReport:
    """A layer without a rule whose outputs the file records: those shapes stand for its
    outputs, so the layers after it are still checked. A custom class stays an error
    (Keras cannot build it without its code) and says so; a Keras op or layer shapecheck
    has no rule for is a warning. Its weights, if it has any, are unknown."""
    cfg = layer.config
    shown = ", ".join(fmt_shape(s) for s in shapes)
    source = layer.recorded_from or "recorded in the file"
    if f.code == "SC408":
        diags.append(make("SC408", f"{f.message}; the layers after it are checked with the output shape "
                          f"the file records, {shown} ({source})", where, cfg.name, f.hint))
    else:
        diags.append(make(RECORDED_CODE, f"shapecheck has no rule for {cfg.type}; its output shape "
                          f"{shown} is the one the file records ({source}), and the layers after it "
                          "are checked against it", where, cfg.name,
                          hint="the shape is Keras's own record for this file, not derived; "
                          "its weights, if any, are not counted"))
    op = cfg.type.startswith(("ops.", "tf."))  # operations have no weights
    return LayerReport(cfg.name, _shown(cfg), inputs, shapes, (), 0 if op else None,
                       0 if op else None,
                       layer.where, (f"the output shape the file records ({source})",), status="recorded",
                       config=cfg)


# Layers that move values without computing new ones: integer ids pass through them.
_MOVES_VALUES = frozenset({
    "Reshape", "Flatten", "Permute", "RepeatVector", "Identity", "Concatenate",
    *(f"{kind}{r}D" for kind in ("Cropping", "ZeroPadding", "UpSampling") for r in (1, 2, 3)),
})
# Rule families whose layers compute float values (their weights are floats).
_FLOAT_FAMILIES = frozenset({"conv", "conv_recurrent", "recurrent", "normalization", "attention",
                             "activations"})
_FLOAT_LAYERS = frozenset({"Dense", "EinsumDense", "Embedding", "Softmax", "Rescaling",
                           *(f"{g}AveragePooling{r}D" for g in ("", "Global") for r in (1, 2, 3))})
# Layers that index a table with their input.
_TAKES_IDS = frozenset({"Embedding"})


def _float_ids(spec: ModelSpec, graph) -> list[Diagnostic]:
    """An Embedding fed the float output of a Dense, a convolution, an RNN...: Keras casts
    the floats to int32 and looks those up, which runs but is almost never meant. Only
    values a layer is known to compute are flagged; a float Input is left alone (Keras's
    default Input dtype is float32, and ids stored as floats are common)."""
    if not any(layer.config.type in _TAKES_IDS for layer in spec.layers):
        return []
    computed: dict[str, LayerSpec | None] = {}  # node -> the layer that computed its floats
    found = []
    for node_name in graph.order:
        node = graph.g.nodes[node_name]
        if node.kind != "layer":
            computed[node_name] = None
            continue
        layer: LayerSpec = node.item
        t = layer.config.type
        source = next((s for s in (computed.get(ref.node) for ref in layer.inputs) if s), None)
        if t in _TAKES_IDS and source:
            found.append(make("SC309", f"{t} {layer.name!r} is fed float values computed by "
                              f"{source.name!r} ({source.config.type}); Keras casts them to int32 "
                              "and looks up the truncated values", layer.where, layer.name,
                              hint=f"feed {t} integer token ids (an input with dtype: int32, or a "
                              "lookup layer); to project float features, use Dense"))
        if t in _MOVES_VALUES:
            computed[node_name] = source
        else:
            rule = REGISTRY.get(t)
            floats = t in _FLOAT_LAYERS or (rule is not None and rule.family in _FLOAT_FAMILIES)
            computed[node_name] = layer if floats else None
    return found


def _check_config(cfg: LayerConfig, diags: list[Diagnostic], custom: Mapping[str, Rule]) -> None:
    """A layer whose inputs are unknown still gets its type and arguments checked, so
    one error early in the model does not hide typos after it."""
    try:
        _check_sizes(cfg)
        checked = _declared_by_name(cfg, custom) or cfg
        _, notes = lookup(checked.type, custom).check_args(checked)
    except Finding as f:
        diags.append(make(f.code, f.message, (f.config or cfg).where(f.arg), cfg.name, f.hint))
        return
    for sub in cfg.nested.values():
        _check_config(sub, diags, custom)


def _check_sizes(cfg: LayerConfig) -> None:
    """Every integer argument of the layer (and of the layers it wraps) that can be a
    size is at most MAX_SIZE, and a list of them is short: a hostile file's 10**5000
    units would otherwise reach Python's limit on formatting integers."""
    for key, value in cfg.args.items():
        kind = value.__class__
        if kind in _NO_INTS or kind is int and -MAX_SIZE <= value <= MAX_SIZE:
            continue  # most arguments: no integer in them, or one decided at once
        if key in _NOT_SIZES or not isinstance(value, (int, list, tuple)):
            continue  # not a size, or no integers in it (_ints would find none)
        if isinstance(value, (list, tuple)) and len(value) <= _MAX_ARG_INTS and within_bounds(value):
            continue  # a kernel_size, strides...: sizes, each within bounds
        ints = _ints(value, _MAX_ARG_INTS + 1)
        if len(ints) > _MAX_ARG_INTS:
            raise Finding("SC403", f"{cfg.type} argument {key}: more than {_MAX_ARG_INTS} integers; "
                          "no shape argument has that many", arg=key)
        big = next((v for v in ints if too_large(v)), None)
        if big is not None:
            raise Finding("SC310", f"{cfg.type} argument {key}: {fmt_big(big)} is larger than any "
                          f"size shapecheck reads (2**40 = {MAX_SIZE:,})", arg=key,
                          hint="no layer has a trillion units or a kernel that wide; the file is "
                          "damaged or hostile")
    for sub in cfg.nested.values():
        try:
            _check_sizes(sub)
        except Finding as f:
            if f.config is None:
                f.config = sub
            raise


def _ints(value, limit: int) -> list[int]:
    """The integers of an argument, itself or in (nested) lists; stops past ``limit``."""
    out: list[int] = []
    todo = [value]
    while todo and len(out) <= limit:
        v = todo.pop()
        if isinstance(v, int) and not isinstance(v, bool):
            out.append(v)
        elif isinstance(v, (list, tuple)):
            todo.extend(v[: limit + 1])
    return out


def _check_output(cfg: LayerConfig, shapes: tuple[Shape, ...]) -> None:
    """A computed output within the same bounds as a read one (sizes can double layer
    after layer, e.g. Concatenate([x, x]))."""
    for k, shape in enumerate(shapes):
        if len(shape) <= MAX_RANK and within_bounds(shape):
            continue  # most shapes: known sizes within bounds, each decided at once
        if len(shape) > MAX_RANK:
            raise Finding("SC310", f"{cfg.type} output {k} would have {len(shape):,} axes; shapecheck "
                          f"handles at most {MAX_RANK}", arg="type")
        for i, d in enumerate(shape):
            if too_large(d):
                raise Finding("SC310", f"{cfg.type} output {k} axis {i} would be {fmt_big(d)}, larger "
                              f"than any size shapecheck handles (2**40 = {MAX_SIZE:,})", arg="type")


def _declared_by_name(cfg: LayerConfig, custom: Mapping[str, Rule] | None) -> LayerConfig | None:
    """A Lambda (or another layer that runs code) has no class of its own to declare: a
    ``custom_layers`` entry keyed by the layer's name gives its shapes. The declaration
    reads the integers the function is given (``Lambda(f, arguments={"k": 2})``)."""
    if cfg.type not in CODE_LAYERS or not custom or cfg.name not in custom:
        return None
    given = cfg.args.get("arguments")
    args = {k: v for k, v in given.items() if isinstance(k, str) and isinstance(v, int)} \
        if isinstance(given, Mapping) else {}
    return replace(cfg, type=cfg.name, args=args, nested={})


def _lambda_output(cfg: LayerConfig, inputs: tuple[Shape, ...]) -> tuple[Shape, ...] | None:
    """The output shapes a Lambda (or a Python Layer subclass whose call() the reader
    followed: ``output_shape_from``) declares as data (``output_shape: [4]``, or a list of
    such) with the batch axis prepended as Keras does: the first size of its (flattened)
    input shapes. None when it declares none, or a function (Keras 2's ``output_shape_type``)."""
    # a followed Layer subclass with a graph runs its sublayers instead (_sublayers); a
    # layer without output_shape_from (all but a few) is decided by one look-up
    args = cfg.args
    if cfg.type != "Lambda" and ("output_shape_from" not in args or "graph" in args or not _followed(cfg)) \
            or args.get("output_shape_type", "raw") != "raw":
        return None
    declared = cfg.args.get("output_shape")
    # a followed subclass's size from data, by name: the named size of its inputs
    named = {str(d): d for s in inputs for d in s or () if isinstance(d, NamedSize)} if _followed(cfg) else {}
    if named and isinstance(declared, (list, tuple)):
        declared = [[named.get(d, d) for d in s] if isinstance(s, (list, tuple)) else named.get(s, s)
                    for s in declared]

    def is_shape(v) -> bool:
        return isinstance(v, (list, tuple)) and len(v) < MAX_RANK and all(
            d is None or isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= MAX_SIZE
            or isinstance(d, NamedSize) for d in v)

    if is_shape(declared):
        shapes = [declared]
    elif isinstance(declared, (list, tuple)) and declared and len(declared) <= MAX_RANK and \
            all(is_shape(s) and isinstance(s, (list, tuple)) for s in declared):
        shapes = list(declared)
    else:
        return None
    batch = next((s[0] for s in inputs if s), None)
    return tuple((batch, *s) for s in shapes)


def _followed(cfg: LayerConfig) -> bool:
    """A Python Layer subclass whose code the reader followed (``output_shape_from``),
    whatever its name: a file's own ``Attention`` class is not Keras's."""
    return cfg.type != "Lambda" and isinstance(cfg.args.get("output_shape_from"), str)


def _sublayers(cfg: LayerConfig) -> LayerConfig | None:
    """A Python Layer subclass whose call() calls layers of its own: the graph its call()
    makes (``graph``, as the reader followed it), run as a nested model is."""
    if "graph" not in cfg.args or not _followed(cfg):
        return None
    return replace(cfg, type="Functional", args={"graph": cfg.args["graph"]})


def _tracked(cfg: LayerConfig, weights: tuple[Weight, ...], name: str, diags: list) -> tuple[Weight, ...]:
    """A followed subclass's sublayers' weights, less those of the layers its call() calls
    without holding them (``untracked``: made in call(), or held elsewhere), which Keras
    does not count as the layer's; each that has some is said (SC609), where it is made."""
    loose = cfg.args.get("untracked")
    if not isinstance(loose, list) or not loose:
        return weights
    kept, lost = [], {}
    for w in weights:
        owner = w.path.split("/", 1)[0]
        if owner in loose:
            lost.setdefault(owner, []).append(w)
        else:
            kept.append(w)
    graph = cfg.args.get("graph")
    entries = {e.get("name"): e for e in graph.get("layers", ()) if isinstance(e, dict)} \
        if isinstance(graph, dict) else {}
    for owner, ws in lost.items():
        entry = entries.get(owner)
        where = getattr(entry, "loc", None) or cfg.where("type")  # a LocDict's: the line that makes it
        count = total([w.count for w in ws])
        diags.append(make("SC609", f"{owner} ({entry.get('type') if entry else 'a layer'}) is called in "
                          f"{cfg.type}.call() but is not one of its attributes, so Keras does not track its "
                          f"{fmt_big(count)} parameters: they are not counted, and not trained", where, name,
                          hint="make it in __init__ (self.dense = layers.Dense(...)) and call the attribute "
                          "in call()"))
    return tuple(kept)


def _followed_weights(cfg: LayerConfig) -> tuple[Weight, ...]:
    """The weights a Python Layer subclass's build() made (``followed_weights``, as the
    reader followed it: [name, shape, trainable] each); none for anything else."""
    made = cfg.args.get("followed_weights") if _followed(cfg) else None
    if not isinstance(made, list) or len(made) > MAX_RANK * MAX_RANK:
        return ()
    out = []
    for w in made:
        if not (isinstance(w, list) and len(w) in (3, 4) and isinstance(w[0], str) and isinstance(w[1], list)
                and len(w[1]) <= MAX_RANK and all(isinstance(d, int) and 0 <= d <= MAX_SIZE for d in w[1])):
            return ()
        maker = w[3] if len(w) == 4 and w[3] == "tf.Variable" else "add_weight"
        axes = tuple(Axis(d, maker, f"axis {i} of the shape {tuple(w[1])} the layer gives {maker}")
                     for i, d in enumerate(w[1]))
        out.append(Weight(w[0], axes, w[2] is not False))
    # Keras lists a layer's trainable weights first, each in the order it was made
    return tuple(sorted(out, key=lambda w: not w.trainable))


def _gather(layer: LayerSpec, results, diags) -> tuple[tuple[Shape, ...], dict] | str | None:
    """The shapes a layer receives, positional and by call argument; the node whose
    output is unknown, or None if a reference is bad (both already reported)."""
    refs = layer.inputs
    if not layer.call_args and len(refs) == 1 and refs[0].index is None:  # most calls: one whole input
        produced = results.get(refs[0].node, _FAILED)
        return refs[0].node if produced is _FAILED else (produced, {})
    args = {"inputs": refs, **layer.call_args}
    got: dict[str, tuple[Shape, ...]] = {}
    for arg, refs in args.items():
        shapes: list[Shape] = []
        for ref in refs:
            produced = results.get(ref.node, _FAILED)
            if produced is _FAILED:
                return ref.node
            picked = _pick(ref, produced, diags, layer.name)
            if picked is None:
                return None
            shapes.extend(picked)
        got[arg] = tuple(shapes)
    inputs = got.pop("inputs")
    return inputs, got


def _pick(ref: Ref, shapes: tuple[Shape, ...], diags, layer: str | None) -> tuple[Shape, ...] | None:
    if ref.index is None:
        return shapes
    k = ref.index
    if -len(shapes) <= k < len(shapes):
        return (shapes[k],)
    listing = ", ".join(f"{ref.name}[{i}] {fmt_shape(s)}" for i, s in enumerate(shapes))
    diags.append(make("SC204", f"{ref} asks for output {k} of {ref.name!r}, which has "
                      f"{len(shapes)}: {listing}", ref.location, layer,
                      hint="set return_state: true on it for its states" if len(shapes) == 1
                      else f"use an index from 0 to {len(shapes) - 1}"))
    return None


def _check_call_args(layer: LayerSpec, custom: Mapping[str, Rule], cfg: LayerConfig | None = None) -> None:
    rule = lookup((cfg or layer.config).type, custom)
    for key in layer.call_args:
        if key not in rule.call_args:
            raise Finding("SC402", f"a {layer.config.type} call takes no {key!r}",
                          hint=f"{key} is for recurrent layers" if key == "initial_state" else None,
                          arg=key)


def _rank_hint(layer: LayerSpec, g) -> str | None:
    """A rank mismatch after an RNN that drops the time axis is the most common Keras
    shape error: name the layer whose return_sequences fixes it. A first layer has no
    layer before it: what it gets is the model's input, of the data's rank."""
    for ref in layer.inputs:
        node = g.nodes.get(ref.node)
        if node and node.kind == "input" and len(layer.inputs) == 1:
            return (f"it takes the model's input {node.item.name!r} as it is: give the model data (or an "
                    "Input) of the rank this layer expects, or put a layer before it that makes that rank")
        if not node or node.kind != "layer":
            continue
        cfg = node.item.config
        rnn = cfg if cfg.type in CELLS else cfg.nested.get("layer") if cfg.type == "Bidirectional" \
            else None
        if rnn is not None and rnn.type in CELLS and not rnn.args.get("return_sequences", False):
            loc: Location = rnn.location
            where = f" ({loc.line_place()})" if loc.line or loc.cell else ""
            if where and loc.path != layer.config.location.path:  # a module of the project's
                where = f" ({loc.path}, {loc.line_place()})"
            # written as the file writes it: a keyword in Python source, a key elsewhere
            python = (loc.path or "").endswith((".py", ".ipynb"))
            written = "return_sequences=True" if python else "return_sequences: true"
            return (f"set `{written}` on {cfg.name!r}{where}: without it "
                    f"{rnn.type} returns only its last step and drops the time axis")
    return "check the output shape of the layer before this one"


# --- a model used as a layer ---------------------------------------------------------
# A Sequential inside a Functional (keras.applications' ConvNeXt does it): its own graph
# runs on the shapes it is called with, and its weights appear under its name, as
# Keras's summary shows them (``inner/lstm/lstm_cell/kernel``). Its rule is registered
# here, not among the layer families, because it runs the engine itself.


def conform_model_input(call: LayerCall, index: int, name: str, built: Shape,
                        given: Shape) -> tuple[Shape, tuple[Note, ...]]:
    """A model called as a layer checks each input against the shape it was built for
    (its InputSpec: batch axis free, a last axis of 1 may be squeezed on either side, the
    axes compared pairwise up to the shorter rank), then conforms the rank as
    ``Functional._adjust_input_rank`` does: a trailing 1 squeezed or added, any other
    rank difference refused by Keras 3 when the model runs (tf.keras passes it on).
    Called by fit() or predict() on data (``fitted``), Keras 3's Sequential has no
    InputSpec of its own: it conforms the rank, and each layer checks what it gets."""
    keras2 = call.dialect in ("keras2", "tfjs")
    fitted = call.args["fitted"]
    if fitted and built and given and given[0] is None:  # fit()'s batches are the size the model fixes
        given = (built[0], *given[1:])
    spec = (None, *built[1:]) if built else built
    a = spec[:-1] if spec and spec[-1] == 1 else spec
    b = given[:-1] if given and given[-1] == 1 else given
    checked = keras2 or not (fitted and call.type == "Sequential")
    if checked and any(x is not None and y is not None and compare(x, y, call.facts) is False
                       for x, y in zip(a, b)):
        if keras2:
            said = (f'Input {index} of layer "{call.name}" is incompatible with the layer: '
                    f"expected shape={fmt_shape(spec)}, found shape={fmt_shape(given)}")
        else:
            said = (f"Input {index} with name '{name}' of layer '{call.name}' is incompatible "
                    f"with the layer: expected shape={fmt_shape(spec)}, found shape={fmt_shape(b)}")
        raise Finding("SC301", said, hint=f"model {call.name!r} was built for inputs of shape "
                      f"{fmt_shape(built)}: give it a tensor of that shape, or build it for this one")
    if len(given) == len(built):
        return given, ()
    if len(given) == len(built) + 1 and given[-1] == 1:
        conformed = given[:-1]
    elif len(given) == len(built) - 1 and built[-1] == 1:
        if not keras2 and not fitted:  # Keras 3 builds the inner layers on the given rank, as it is
            return given, ()
        conformed = (*given, 1)
    elif keras2:
        return given, ()
    else:
        raise Finding("SC301", f"Invalid input shape for input {index} with name '{name}' of model "
                      f"'{call.name}'. Expected shape {fmt_shape(built)}, but input has incompatible "
                      f"shape {fmt_shape(given)}"
                      + ("" if fitted else " (Keras builds the call, and refuses it when it runs)"),
                      hint=f"model {call.name!r} was built for inputs of shape {fmt_shape(built)}")
    if keras2 or fitted:
        return conformed, ()
    # Keras 3 infers a nested model's static shape without conforming its input (the
    # summary shows the inner layers on the given rank); when it runs it conforms it.
    return conformed, (Note("SC307", f"Keras's static shape for \"{call.name}\" takes input {index} as "
                            f"{fmt_shape(given)}; when the model runs it becomes {fmt_shape(conformed)}, "
                            "the shape the model was built for, and that is what is reported"),)


def _built_already(call: LayerCall, built: Report, given: Report) -> None:
    """A model fitted on data runs layers built already: one whose weights the data would
    shape otherwise refuses it (its InputSpec, or the op on its weights), as Keras does."""
    for name, layer in given.layers.items():
        before = built.layers.get(name)
        if before is None or before.output_shapes is None:
            continue
        was = {w.path: w.shape for w in before.weights}
        for w in layer.weights:
            if w.path in was and was[w.path] != w.shape:
                raise Finding(
                    "SC301", f"inside model {call.name!r}, layer {name!r} was built for input "
                    f"{', '.join(map(fmt_shape, before.input_shapes))}, and gets "
                    f"{', '.join(map(fmt_shape, layer.input_shapes))}: "
                    f"its weight {w.path} is {fmt_shape(was[w.path])}, and this input would need "
                    f"{fmt_shape(w.shape)}",
                    hint=f"model {call.name!r} was built for inputs of shape "
                    f"{', '.join(fmt_shape(s) for s in built.inputs.values())}: give it data of that shape")


def _graph(v: Any) -> Any:
    if not isinstance(v, dict):
        raise ValueError("expected the nested model's config")
    return v


@rule("Functional", "Sequential", "Model",
      args=(Arg("graph", _graph, doc="the nested model, in spec form", kind="model"),
            bool_arg("fitted", False, "called by fit(), evaluate() or predict() on data, as the Python "
                     "reader checks what a model is given: Keras 3's Sequential then has no input spec "
                     "of its own")),
      accepts=("model", "class_name", "shares"), inputs=None, family="nested")
def nested_model(call: LayerCall) -> Output:
    """Runs the inner model's layers on the call's inputs; its outputs are the layer's."""
    from .reading.spec_reader import read_spec

    spec, found = read_spec(call["graph"], None, "dict", dialect=call.dialect)
    fed = [i for i in spec.inputs if not i.constant] if spec is not None else []
    if spec is None or len(fed) != len(call.inputs):
        raise Finding("SC206", f"model {call.name!r} takes {len(fed)} input(s), got {len(call.inputs)}: "
                      f"{', '.join(fmt_shape(s) for s in call.inputs)}")
    # The inner InputLayers' shapes are what the model was built for: the call must fit
    # them (Keras's input spec), and then decides the shapes the inner layers see. A
    # constant the model makes itself keeps its own shape.
    conformed = [
        (s, ()) if i.shape is None else conform_model_input(call, n, i.name, tuple(i.shape), s)
        for n, (i, s) in enumerate(zip(fed, call.inputs))
    ]
    given = iter(s for s, _ in conformed)
    inputs = tuple(i if i.constant else replace(i, shape=next(given)) for i in spec.inputs)
    built_for = spec
    spec = replace(spec, inputs=inputs, facts=call.facts, custom=call.custom)
    report = run(spec, found)
    errors = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    if errors:
        first = errors[0]
        raise Finding(first.code, f"inside model {call.name!r}, layer {first.layer!r}: {first.message}",
                      hint=first.hint)
    if call.args["fitted"] and any(i.shape is not None and tuple(i.shape[1:]) != tuple(b.shape[1:])
                                   for i, b in zip(inputs, built_for.inputs)):
        # its layers meet data of another shape than they were built on (Keras 3's
        # Sequential checks no input spec, tf_keras passes another rank on): each must
        # take what it gets, as it was built
        _built_already(call, run(replace(built_for, facts=call.facts, custom=call.custom), found), report)
    weights = tuple(w for layer in report.layers.values() for w in layer.weights)
    notes = tuple(n for _, ns in conformed for n in ns) + tuple(
        Note(d.code, f"inside model {call.name!r}: {d.message}", d.hint)
        for d in report.diagnostics if d.severity is Severity.WARNING)
    inner = ", ".join(f"{n} ({layer.type})" for n, layer in report.layers.items()
                      if layer.type != "InputLayer")
    return Output(report.outputs, weights, notes, (f"a model used as a layer: {inner}",))
