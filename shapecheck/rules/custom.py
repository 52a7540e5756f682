"""Declarative rules for custom layers users own.

A custom layer class is Python code, and shapecheck never imports or runs code named
in a model. Its owner can instead declare what it does to shapes, as data, in a
spec's ``custom_layers:`` or in ``pyproject.toml``'s ``[tool.shapecheck.custom_layers]``::

    LayerScale:                        # matches type LayerScale and any module's *.LayerScale
      output: input                    # the output has the input's shape
      weights:
        gamma: [projection_dim]        # a weight named gamma, one axis of size projection_dim

    CustomScaleLayer:
      inputs: 2                        # called on two tensors
      output: inputs[0]

    PatchMerge:
      output: [input[0], input[1] // 2, 2 * units]
      weights:
        kernel: [input[-1], units]
        moving_stat: {shape: [units], trainable: false}

An axis is an integer, ``null`` (unknown), or an expression of the layer's integer
arguments and the input axes (``input[i]`` is axis i of the first input,
``inputs[k][i]`` of input k), with ``+ - * / // %``, parentheses and
floor/ceil/min/max; a list item ``input[1:]`` splices those axes. The expressions go
through the same safe parser as a spec's sizes: nothing is evaluated as Python.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from ..diagnostics import Diagnostic, Finding, Location, did_you_mean, make
from ..dims import Dim, DimSyntaxError, dim_names, fmt_shape, parse_dim
from ..records import record
from ..spec import LayerConfig
from .registry import CODE_LAYERS, REGISTRY, Axis, LayerCall, Output, Rule, Weight

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FIELDS = ("inputs", "output", "outputs", "weights", "doc")

# input[i], inputs[k][i]: one axis of one input.
# In a YAML flow list ``[input[0], 5]`` the reader sees ``input(0)``: both are accepted.
_O, _C = r"\s*[\[(]\s*", r"\s*[\])]"
_AXIS_REF = re.compile(rf"\binputs?{_O}(-?\d+){_C}(?:{_O}(-?\d+){_C})?")
# input, inputs[k]: a whole shape; input[a:b], inputs[k][a:b]: a run of axes.
_WHOLE = re.compile(rf"^\s*(input|inputs{_O}(-?\d+){_C})\s*$")
_SPLICE = re.compile(rf"^\s*(?:input|inputs{_O}(-?\d+){_C}){_O}(-?\d*)\s*:\s*(-?\d*){_C}\s*$")


@record
class AxisExpr:
    """One axis of a declared shape: an expression over arguments and input axes."""

    text: str
    parsed: str  # with each input axis replaced by a name the parser accepts
    refs: tuple[tuple[str, int, int], ...]  # (name in parsed, input k, axis i)
    args: tuple[str, ...]  # layer arguments the expression reads


@record
class Splice:
    """A run of one input's axes, ``input[a:b]``."""

    text: str
    input: int
    start: int | None
    stop: int | None


@record
class Whole:
    """A whole input's shape, ``input`` or ``inputs[k]``."""

    text: str
    input: int


if TYPE_CHECKING:
    Item = Any  # int | None | AxisExpr | Splice
    ShapeDecl = Any  # Whole | tuple[Item, ...]


@record
class Declaration:
    name: str
    inputs: int | None  # None: any number of tensors
    outputs: tuple[ShapeDecl, ...]
    weights: tuple[tuple[str, tuple[Item, ...], bool], ...]
    source: str  # where it was declared, for the report's explanations
    doc: str = ""


class CustomRule(Rule):
    """A declared rule: any argument is accepted (the class is the user's), and
    the ones the expressions read must be integers."""

    __slots__ = ()

    def check_args(self, cfg: LayerConfig) -> tuple[dict[str, Any], tuple]:
        return dict(cfg.args), ()


# --- reading declarations -------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, message: str, where: tuple[str, ...], hint: str | None = None):
        super().__init__(message)
        self.message, self.where, self.hint = message, where, hint


@record
class CustomLayers:
    """Compiled declarations: the rules, and a diagnostic for each malformed one."""

    rules: Mapping[str, Rule]
    found: tuple[Diagnostic, ...] = ()


def declare(decls: Any, source: str = "custom_layers",
            locate: Callable[[tuple[str, ...]], Location] | None = None) -> CustomLayers:
    """Compile declarations given as data (the library's ``custom_layers=``)."""
    if isinstance(decls, CustomLayers):
        return decls
    rules, found = compile_rules(decls, source, locate or (lambda at: Location(source)))
    return CustomLayers(rules, tuple(found))


def compile_rules(decls: Any, source: str, locate: Callable[[tuple[str, ...]], Location]
                  ) -> tuple[dict[str, Rule], list[Diagnostic]]:
    """Turn declarations (a mapping of class name to declaration) into rules, with a
    diagnostic (SC409) for each one that is malformed; a malformed one is left out."""
    from .keras_names import KERAS_LAYERS

    rules: dict[str, Rule] = {}
    found: list[Diagnostic] = []
    if not isinstance(decls, Mapping):
        found.append(make("SC409", f"custom_layers must map class names to rules, got {decls!r}",
                          locate(()), hint="e.g. `custom_layers: {LayerScale: {output: input}}`"))
        return rules, found
    for name, body in decls.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][\w.]*", name):
            found.append(make("SC409", f"custom layer name {name!r} is not a class name",
                              locate((str(name),))))
            continue
        if name in REGISTRY or name in KERAS_LAYERS:
            found.append(make("SC409", f"custom rule {name!r} would replace Keras's own {name}",
                              locate((name,)), hint=f"a {name} layer runs code, not a class: key its "
                              "declaration by the layer's name (e.g. `lambda_1: {output: input}`)"
                              if name in CODE_LAYERS else "custom rules are for classes Keras does not "
                              "define; name the class as its config does (e.g. mypkg.layers.Dense)"))
            continue
        try:
            decl = _declaration(name, body, source, locate)
        except _Bad as e:
            loc = locate((name, *e.where))
            found.append(make("SC409", f"custom rule {name!r}: {e.message}", loc, hint=e.hint))
            # The layers of this class are then "not checked", not "unknown".
            rules[name] = CustomRule((name,), _broken(name, f"{source}:{loc.line}" if loc.line else source),
                                     {}, frozenset(), "custom", None)
            continue
        rules[name] = CustomRule((name,), _runner(decl), {}, frozenset(), "custom", decl.inputs,
                                 (), decl.doc or f"declared in {source}")
    return rules, found


def _declaration(name: str, body: Any, source: str, locate) -> Declaration:
    if not isinstance(body, Mapping):
        raise _Bad(f"expected a mapping with output: and weights:, got {body!r}", ())
    for key in body:
        if key not in FIELDS:
            guess = did_you_mean(str(key), FIELDS)
            raise _Bad(f"unknown field {key!r}", (str(key),),
                       f"did you mean {guess!r}?" if guess else f"the fields are {', '.join(FIELDS)}")
    inputs = body.get("inputs", 1)
    if inputs == "any":
        inputs = None
    elif not isinstance(inputs, int) or isinstance(inputs, bool) or inputs < 1:
        raise _Bad(f"inputs must be a positive integer or 'any', got {inputs!r}", ("inputs",))
    if ("output" in body) == ("outputs" in body):
        raise _Bad("give exactly one of output: (one tensor) or outputs: (a list)", (),
                   "`output: input` keeps the input's shape")
    if "output" in body:
        outputs = (_shape(body["output"], ("output",)),)
    else:
        raw = body["outputs"]
        if not isinstance(raw, list) or not raw:
            raise _Bad("outputs must be a non-empty list of shapes", ("outputs",))
        outputs = tuple(_shape(s, ("outputs",)) for s in raw)
    weights = []
    raw_weights = body.get("weights") or {}
    if not isinstance(raw_weights, Mapping):
        raise _Bad(f"weights must map weight names to shapes, got {raw_weights!r}", ("weights",))
    for wname, wdecl in raw_weights.items():
        at = ("weights", str(wname))
        if not isinstance(wname, str) or not re.fullmatch(r"[A-Za-z_][\w/]*", wname):
            raise _Bad(f"weight name {wname!r} is not a name", at)
        trainable = True
        if isinstance(wdecl, Mapping):
            extra = set(wdecl) - {"shape", "trainable"}
            if extra or "shape" not in wdecl:
                raise _Bad(f"weight {wname!r}: expected {{shape: [...], trainable: ...}}", at)
            trainable = wdecl.get("trainable", True)
            if not isinstance(trainable, bool):
                raise _Bad(f"weight {wname!r}: trainable must be true or false", at)
            wdecl = wdecl["shape"]
        shape = _shape(wdecl, at)
        if isinstance(shape, Whole):
            raise _Bad(f"weight {wname!r}: list its axes, e.g. [{shape.text}[-1]]", at)
        weights.append((wname, shape, trainable))
    doc = body.get("doc", "")
    if not isinstance(doc, str):
        raise _Bad("doc must be a string", ("doc",))
    loc = locate((name,))
    where = f"{source}:{loc.line}" if loc.line else source
    return Declaration(name, inputs, outputs, tuple(weights), where, doc)


def _shape(raw: Any, at: tuple[str, ...]) -> ShapeDecl:
    if isinstance(raw, str):
        m = _WHOLE.match(raw)
        if not m:
            raise _Bad(f"{raw!r} is not a shape", at, "write `input`, `inputs[1]`, or a list of axes")
        return Whole(raw.strip(), int(m.group(2) or 0))
    if not isinstance(raw, list):
        raise _Bad(f"expected a list of axes, got {raw!r}", at)
    return tuple(_item(v, at) for v in raw)


def _item(v: Any, at: tuple[str, ...]) -> Item:
    if v is None:
        return None
    if isinstance(v, bool) or isinstance(v, float):
        raise _Bad(f"axis {v!r} is not a size", at)
    if isinstance(v, int):
        if v < 0:
            raise _Bad(f"axis {v} is negative", at)
        return v
    if not isinstance(v, str):
        raise _Bad(f"axis {v!r} is not a size", at)
    if v.strip() in ("?", "null", "None"):  # TOML has no null
        return None
    m = _SPLICE.match(v)
    if m:
        k, a, b = m.groups()
        return Splice(v.strip(), int(k or 0), int(a) if a else None, int(b) if b else None)
    refs = []

    def name_it(m: re.Match) -> str:
        k, i = (int(m.group(1)), int(m.group(2))) if m.group(2) is not None else (0, int(m.group(1)))
        if m.group(0).lstrip().startswith("inputs") and m.group(2) is None:
            raise _Bad(f"{m.group(0)!r} is a whole tensor; name one axis, e.g. {m.group(0)}[-1]", at)
        ref = f"_in{k}_{'m' if i < 0 else ''}{abs(i)}"
        refs.append((ref, k, i))
        return ref

    parsed = _AXIS_REF.sub(name_it, v)
    text = _AXIS_REF.sub(_written, v).strip()
    try:
        names = dim_names(parsed)
    except DimSyntaxError as e:
        raise _Bad(f"axis {v!r}: {e}", at) from None
    args = tuple(sorted(n for n in names if not n.startswith("_in")))
    return AxisExpr(text, parsed, tuple(dict.fromkeys(refs)), args)


def _written(m: re.Match) -> str:
    """An axis reference as the docs write it, ``input[-1]``, whichever brackets were read."""
    head = "inputs" if m.group(0).lstrip().startswith("inputs") else "input"
    return f"{head}[{m.group(1)}]" + (f"[{m.group(2)}]" if m.group(2) is not None else "")


# --- running a declaration ------------------------------------------------------------


def _broken(name: str, where: str) -> Callable[[LayerCall], Output]:
    def run(call: LayerCall) -> Output:
        raise Finding("SC207", f"{call.name!r} is not checked: the custom rule for {name} ({where}) "
                      "is malformed", hint="fix the rule; its error is reported where it is declared")

    return run


def _runner(decl: Declaration) -> Callable[[LayerCall], Output]:
    def run(call: LayerCall) -> Output:
        return _run(decl, call)

    run.__doc__ = decl.doc
    return run


def _run(decl: Declaration, call: LayerCall) -> Output:
    outputs = tuple(_eval_shape(decl, call, s) for s in decl.outputs)
    why_axes = f"custom rule, {decl.source}"
    weights = tuple(
        Weight(wname, tuple(Axis(size, text, why_axes) for size, text in _eval_axes(decl, call, shape,
                                                                                  weight=wname)),
               trainable)
        for wname, shape, trainable in decl.weights
    )
    return Output(outputs, weights, (), (f"{decl.name}'s shapes come from its custom rule "
                                         f"({decl.source})",))


def _eval_shape(decl: Declaration, call: LayerCall, shape: ShapeDecl) -> tuple:
    if isinstance(shape, Whole):
        return _input(decl, call, shape.input, shape.text)
    return tuple(size for size, _ in _eval_axes(decl, call, shape))


def _eval_axes(decl: Declaration, call: LayerCall, items: tuple, weight: str | None = None
               ) -> list[tuple[Dim, str]]:
    out: list[tuple[Dim, str]] = []
    for item in items:
        if isinstance(item, Splice):
            src = _input(decl, call, item.input, item.text)
            for i in range(len(src))[item.start:item.stop]:
                out.append((src[i], f"{'input' if item.input == 0 else f'inputs[{item.input}]'}[{i}]"))
        elif isinstance(item, AxisExpr):
            out.append((_eval_axis(decl, call, item, weight), item.text))
        else:
            out.append((item, "null" if item is None else str(item)))
    return out


def _input(decl: Declaration, call: LayerCall, k: int, text: str) -> tuple:
    if not -len(call.inputs) <= k < len(call.inputs):
        raise Finding("SC206", f"the custom rule for {decl.name} reads {text}, but the layer got "
                      f"{len(call.inputs)} input(s)", hint=f"check `inputs:` in its rule ({decl.source})")
    return call.inputs[k]


def _eval_axis(decl: Declaration, call: LayerCall, item: AxisExpr, weight: str | None) -> Dim:
    bindings: dict[str, Any] = {}
    for arg in item.args:
        if arg not in call.args:
            raise Finding("SC404", f"{decl.name} needs the argument {arg!r}: its custom rule's "
                          f"{item.text!r} reads it", hint=f"give the layer `{arg}: ...`, or fix the "
                          f"rule ({decl.source})")
        v = call.args[arg]
        if not isinstance(v, int) or isinstance(v, bool):
            raise Finding("SC403", f"{decl.name} argument {arg}: its custom rule reads it as a size, "
                          f"got {v!r}", arg=arg)
        bindings[arg] = v
    unknown = None
    for ref, k, i in item.refs:
        shape = _input(decl, call, k, item.text)
        if not -len(shape) <= i < len(shape):
            raise Finding("SC301", f"the custom rule for {decl.name} reads axis {i} of a rank-"
                          f"{len(shape)} input {fmt_shape(shape)} in {item.text!r}",
                          hint=f"fix the rule ({decl.source}) or the layer's input")
        size = shape[i]
        if size is None:
            unknown = ref
        bindings[ref] = size
    if unknown is not None:
        if weight is not None:
            raise Finding("SC302", f"{decl.name}'s weight {weight!r} is built over {item.text!r}, an "
                          "axis of unknown size (None)", hint="give that input axis a size")
        return None
    try:
        value = parse_dim(item.parsed, call.facts, bindings)
    except DimSyntaxError as e:
        raise Finding("SC403", f"the custom rule for {decl.name}: {item.text!r}: {e}") from None
    if isinstance(value, int) and value < 0:
        raise Finding("SC308", f"the custom rule for {decl.name} gives {item.text!r} = {value}",
                      hint="a size must be zero or more")
    return value
