"""The spec format, read from a (possibly located) dict into a ``ModelSpec``.

Every problem becomes a diagnostic; whatever can still be read is kept, so one
typo does not hide the rest of the report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from ..diagnostics import Diagnostic, Location, did_you_mean, make
from ..dims import (
    MAX_RANK,
    MAX_SIZE,
    Dim,
    DimFacts,
    DimInfo,
    DimSyntaxError,
    fmt_big,
    is_symbolic,
    parse_dim,
    too_large,
)
from ..rules.keras_names import snake_case
from ..spec import InputSpec, LayerConfig, LayerSpec, ModelSpec, Ref
from .located import EntryLocations, value_where, where, where_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

TOP_KEYS = ("model", "dims", "inputs", "layers", "outputs", "custom_layers")
# Keys of a layer entry that are not constructor arguments.
LAYER_KEYS = ("name", "type", "inputs", "recorded_shapes", "recorded_from", "inside")
# A call's tensor arguments (references), and its plain values, kept on the layer's entry.
CALL_ARGS = ("initial_state", "mask", "attention_mask")
CALL_VALUES = ("return_attention_scores", "use_causal_mask")
# Constructor arguments that hold a whole layer (wrappers, and RNN's cell).
NESTED_ARGS = ("layer", "backward_layer", "cell")
# Constructor arguments that hold a list of layers (StackedRNNCells' cells), read into
# the nested configs ``cells[0]``, ``cells[1]``...
NESTED_LISTS = ("cells",)
# An entry's keys that are not its layer's arguments.
_NOT_ARGS = frozenset(LAYER_KEYS + CALL_ARGS)

# The most layer entries a model (or a nested model) may have: far more than any real
# one, few enough that reading and checking them stays in minutes.
MAX_LAYERS = 100_000

# name or name[k]; name(k) is what the YAML reader turns name[k] into inside flow sequences.
_REF = re.compile(r"^\s*([^\[\]()@\s]+)(?:@(\d+))?\s*(?:[\[(]\s*(-?\d+)\s*[\])])?\s*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _split_top(text: str) -> list[str]:
    """Split "None, min(t, 5), 12" at the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


class _Namer:
    """Keras's auto-naming: per base name, ``lstm``, ``lstm_1``, ``lstm_2`` in order
    of creation."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def __call__(self, type_name: str) -> str:
        base = snake_case(re.split(r"[.>]", type_name)[-1])  # mypkg.layers.Scale is a Scale
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"


class _Reader:
    def __init__(self, path: str | None, bindings: Mapping[str, int], dialect: str = "spec",
                 custom: Mapping[str, Any] | None = None) -> None:
        self.custom = dict(custom or {})
        self.dialect = dialect
        self.path = path
        self.bindings = dict(bindings)
        self.found: list[Diagnostic] = []
        self.namer = _Namer()
        self.suggestions = 20  # "did you mean" for the first few bad references only
        self.names_seen: set[str] = set()  # the named sizes the spec reads

    def err(self, code: str, message: str, loc: Location, hint: str | None = None,
            layer: str | None = None) -> None:
        self.found.append(make(code, message, loc, layer, hint))

    # -- top level ---------------------------------------------------------------
    def read(self, data: Any, fmt: str) -> ModelSpec | None:
        top = where(data, default=Location(self.path, 1, 1))
        if not isinstance(data, dict) or "layers" not in data:
            what = "a mapping without `layers:`" if isinstance(data, dict) else \
                "a list" if isinstance(data, list) else "empty" if data is None else \
                f"a single value ({type(data).__name__})"
            self.err("SC102", f"not a model spec: the document is {what}", top,
                     hint="a spec is a mapping with `inputs:` and `layers:`; see docs/spec-format.md")
            return None
        if isinstance(data["layers"], list) and len(data["layers"]) > MAX_LAYERS:
            self.err("SC102", f"the model has {len(data['layers']):,} layer entries; shapecheck reads at "
                     f"most {MAX_LAYERS:,}", where(data, "layers"),
                     hint="split the model, or check a smaller version of it")
            return None
        for key in data:
            if key not in TOP_KEYS:
                guess = did_you_mean(str(key), TOP_KEYS)
                self.err("SC105", f"unknown top-level key {key!r}", where(data, key),
                         hint=f"did you mean {guess!r}?" if guess else
                         f"the spec's keys are {', '.join(TOP_KEYS)}")
        model = data.get("model")
        facts = self.read_dims(data)
        inputs = self.read_inputs(data, facts)
        layers, more_inputs = self.read_layers(data, inputs, facts)
        inputs += more_inputs
        if not inputs:
            self.err("SC104", "the model has no inputs", where(data, default=Location(self.path, 1, 1)),
                     hint="add e.g. `inputs: {x: [?, t, 12]}` (batch axis included), or an "
                     "InputLayer as the first layer")
        outputs = self.read_outputs(data, layers)
        self.unused_bindings(data, fmt, top)
        return ModelSpec(self.path, fmt, None if model is None else str(model), facts,
                         inputs, layers, outputs, self.bindings, self.read_custom(data))

    def unused_bindings(self, data: dict, fmt: str, top: Location) -> None:
        """A --dim for a name the model does not have does nothing: say so (a typo of
        ``t``, a model that takes concrete sizes only). The Python reader uses its own."""
        if fmt == "python" or not self.bindings:
            return
        declared = set(data.get("dims") or ()) if isinstance(data.get("dims"), dict) else set()
        known = self.names_seen | {str(n) for n in declared}
        for name in sorted(set(self.bindings) - known):
            guess = did_you_mean(name, sorted(known)) if known else None
            self.err("SC117", f"--dim {name}={self.bindings[name]}: the model has no size named {name!r}, "
                     "so the binding does nothing", top,
                     hint=f"did you mean {guess!r}?" if guess else
                     "its sizes are " + (", ".join(sorted(known)) if known else "all concrete"))

    def read_custom(self, data: dict) -> dict[str, Any]:
        """The spec's own custom-layer rules, over those given by the configuration."""
        rules = dict(self.custom)
        if "custom_layers" in data:
            from ..rules.custom import compile_rules

            decls = data["custom_layers"]
            own, found = compile_rules(decls, self.path or "<spec>", lambda at: where_path(decls, at))
            self.found += found
            rules.update(own)
        return rules

    def read_dims(self, data: dict) -> DimFacts:
        infos: dict[str, DimInfo] = {}
        dims = data.get("dims") or {}
        if not isinstance(dims, dict):
            self.err("SC104", f"`dims:` must be a mapping of names, got {dims!r}", where(data, "dims"))
            return DimFacts()
        for name, spec in dims.items():
            loc = where(dims, name)
            if not isinstance(name, str) or not _IDENT.match(name):
                self.err("SC104", f"dim name {name!r} is not an identifier", loc)
                continue
            if isinstance(spec, int) and not isinstance(spec, bool):
                # `t: 4995` fixes the size, like `--dim t=4995` (which wins).
                self.bindings.setdefault(name, spec)
                spec = {}
            if spec is None:
                spec = {}
            if not isinstance(spec, dict):
                self.err("SC104", f"dim {name!r} must be a mapping (min, max, multiple_of) "
                         f"or an int, got {spec!r}", loc)
                continue
            kw = {}
            for k, v in spec.items():
                if k not in ("min", "max", "multiple_of"):
                    guess = did_you_mean(str(k), ("min", "max", "multiple_of"))
                    self.err("SC104", f"dim {name!r}: unknown field {k!r}", where(spec, k),
                             hint=f"did you mean {guess!r}?" if guess else "use min, max or multiple_of")
                elif not isinstance(v, int) or isinstance(v, bool) or v < 1 or too_large(v):
                    self.err("SC104", f"dim {name!r}: {k} must be a positive integer up to 2**40, got {v!r}",
                             where(spec, k))
                else:
                    kw[k] = v
            infos[name] = DimInfo(name, **kw)
        for name, value in self.bindings.items():
            info = infos.get(name)
            if info:
                broken = info.violations(value)
                if broken:
                    self.err("SC106", f"{name}={value} breaks dims assumption {', '.join(broken)}",
                             where(dims, name), hint=f"bind {name} to a value that satisfies dims:")
        return DimFacts(infos)

    def read_inputs(self, data: dict, facts: DimFacts) -> tuple[InputSpec, ...]:
        raw = data.get("inputs")
        if raw is None:
            return ()
        if not isinstance(raw, dict):
            self.err("SC104", f"`inputs:` must map names to shapes, got {raw!r}", where(data, "inputs"),
                     hint="write e.g. `inputs: {x: [?, t, 12]}`")
            return ()
        out = []
        for name, value in raw.items():
            loc = where(raw, name)
            if not isinstance(name, str):
                # YAML 1.1 reads on/off/yes/no as booleans and 1 as an int.
                self.err("SC104", f"input name {name!r} is not a string", loc,
                         hint="quote it: YAML 1.1 reads on, off, yes, no as true/false")
                continue
            dtype, constant = "float32", False
            if isinstance(value, dict) and "shape" in value:
                for key in value:
                    if key not in ("shape", "dtype", "constant"):
                        guess = did_you_mean(str(key), ("shape", "dtype", "constant"))
                        self.err("SC104", f"input {name!r}: unknown field {key!r}", where(value, key),
                                 hint=f"did you mean {guess!r}?" if guess else "use shape and dtype")
                if not isinstance(value.get("constant", False), bool):
                    self.err("SC104", f"input {name!r}: constant must be true or false, got "
                             f"{value['constant']!r}", where(value, "constant"))
                dtype = str(value.get("dtype", "float32"))
                constant = value.get("constant") is True
                value = value["shape"]
            shape = self.read_shape(value, facts, loc, f"input {name!r}")
            # A shape that could not be read is kept as None: the name still exists, and
            # the layers after it are skipped rather than reported as given no input.
            out.append(InputSpec(str(name), shape, dtype, loc, constant))
        return tuple(out)

    def read_shape(self, value: Any, facts: DimFacts, loc: Location | Callable[[], Location], what: str
                   ) -> tuple | None:
        """``loc`` may be a function that finds the location: only a finding needs it, and
        finding the positions of a Keras config's recorded shapes was a sixth of reading it."""
        if isinstance(value, list) and 0 < len(value) <= MAX_RANK \
                and all(d is None or d.__class__ is int and 0 <= d <= MAX_SIZE for d in value):
            return tuple(value)  # what the loop below makes of sizes and ?s: a Keras config's shapes

        def here(i: int | None = None) -> Location:
            at = loc() if callable(loc) else loc
            return at if i is None else where(value, i, at)

        items: list[Any]
        if isinstance(value, str):
            text = value.strip()
            if text[:1] in "([" and text[-1:] in ")]":
                text = text[1:-1]
            items = _split_top(text)
            if items and items[-1] == "":  # "(None,)"
                items.pop()
        elif isinstance(value, list):
            items = list(value)
        else:
            self.err("SC104", f"{what}: a shape is a list such as [?, t, 12], got {value!r}", here())
            return None
        if not items:
            self.err("SC104", f"{what}: the shape is empty; it needs at least the batch axis", here())
            return None
        if len(items) > MAX_RANK:
            self.err("SC104", f"{what}: a shape of {len(items):,} axes; shapecheck reads at most "
                     f"{MAX_RANK}", here(), hint="a tensor has a few axes, not hundreds")
            return None
        dims: list[Dim] = []
        for i, item in enumerate(items):
            try:
                d = self.read_dim(item, facts)
            except DimSyntaxError as e:
                self.err("SC104", f"{what}: axis {i}: {e}", here(i),
                         hint="a size is an int, ? (unknown), a name such as t, or an "
                         "expression such as 2*t")
                return None
            if too_large(d):
                self.err("SC310", f"{what}: axis {i}: {fmt_big(d)} is larger than any size "
                         f"shapecheck reads (2**40 = {MAX_SIZE:,})", here(i),
                         hint="no tensor axis has a trillion elements; the file is damaged or hostile")
                return None
            if is_symbolic(d):
                whole = d.is_integer
                if whole is None:
                    whole = facts.is_integer(d)
                if whole is False:
                    self.err("SC104", f"{what}: axis {i}: {d} is never a whole size", here(i))
                    return None
                if whole is None:
                    self.err("SC304", f"{what}: axis {i}: {d} is a size only if it is whole",
                             here(i), hint="state it in dims:, e.g. multiple_of, or use floor()")
            dims.append(d)
        return tuple(dims)

    def read_dim(self, item: Any, facts: DimFacts) -> Dim:
        # YAML reads a bare `?` in a flow sequence as the mapping {None: None}.
        if item is None or item == {None: None}:
            return None
        if isinstance(item, bool):
            raise DimSyntaxError(f"{item!r} is not a size")
        if isinstance(item, int):
            if item < 0:
                raise DimSyntaxError(f"{item} is negative")
            return item
        if isinstance(item, str):
            if item.strip() in ("?", "None", "null", "~", ""):
                return None
            self.names_seen.update(_names(item))
            value = parse_dim(item, facts, self.bindings)
            if isinstance(value, int) and value < 0:
                raise DimSyntaxError(f"{item!r} is negative")
            return value
        raise DimSyntaxError(f"{item!r} is not a size")

    # -- layers ------------------------------------------------------------------
    def read_layers(self, data: dict, inputs: tuple[InputSpec, ...], facts: DimFacts
                    ) -> tuple[tuple[LayerSpec, ...], tuple[InputSpec, ...]]:
        raw = data.get("layers")
        if not isinstance(raw, list):
            self.err("SC102", f"`layers:` must be a list of layers, got {type(raw).__name__}",
                     where(data, "layers"), hint="write each layer as `- type: ...`")
            return (), ()
        out: list[LayerSpec] = []
        more_inputs: list[InputSpec] = []
        previous: tuple[Ref, ...] = tuple(Ref(i.name, None, i.location) for i in inputs)
        calls: dict[str, list[LayerSpec]] = {}
        for i, entry in enumerate(raw):
            loc = where(raw, i)
            if isinstance(entry, dict) and entry.get("type") == "InputLayer":
                inp = self.read_input_layer(entry, loc, facts)
                more_inputs.append(inp)
                previous = (Ref(inp.name, None, loc),)
                continue
            if isinstance(entry, dict) and "reuse" in entry:
                # `- {reuse: enc, inputs: b}` calls layer enc again: same weights.
                first = calls.get(entry["reuse"]) if isinstance(entry["reuse"], str) else None
                if first is None:
                    guess = None
                    if self.suggestions > 0 and len(calls) <= 20_000:  # each costs O(len(calls))
                        self.suggestions -= 1
                        guess = did_you_mean(str(entry["reuse"])[:200], list(calls))
                    self.err("SC201", f"reuse: {entry['reuse']!r} names no earlier layer",
                             value_where(entry, "reuse"),
                             hint=f"did you mean {guess!r}?" if guess else "reuse a layer defined above")
                    continue
                for key in entry:
                    if key not in ("reuse", "inputs", "recorded_shapes", "recorded_from", *CALL_ARGS):
                        self.err("SC104", f"a `reuse:` entry takes only inputs and call arguments, "
                                 f"not {key!r}", where(entry, key), hint="configure the layer "
                                 "where it is defined")
                config = first[0].config
                spec = LayerSpec(config, self.read_call_inputs(entry, previous, config.name),
                                 self.read_call_args(entry, config.name), len(first), loc,
                                 *self.read_recorded(entry, facts, config.name))
                first.append(spec)
                out.append(spec)
                previous = (Ref(config.name, None, loc, spec.call),)
                continue
            config = self.read_config(entry, loc, f"layers[{i}]")
            if config is None:
                continue
            spec = LayerSpec(config, self.read_call_inputs(entry, previous, config.name),
                             self.read_call_args(entry, config.name), 0, None,
                             *self.read_recorded(entry, facts, config.name),
                             self.read_inside(entry, config.name) if "inside" in entry else None)
            calls.setdefault(config.name, [spec])
            out.append(spec)
            previous = (Ref(config.name, None, loc),)
        return tuple(out), tuple(more_inputs)

    def read_inside(self, entry: dict, layer: str) -> str | None:
        """``inside: enc``: the layer is also one of the nested model enc's (the same
        object, as Python code builds it), whose weights already count it."""
        host = entry["inside"]
        if not isinstance(host, str) or not host:
            self.err("SC104", f"`inside:` names the nested model that holds the layer, got {str(host)[:60]}",
                     value_where(entry, "inside"), layer=layer, hint="e.g. `inside: encoder`")
            return None
        return host

    def read_recorded(self, entry: dict, facts: DimFacts, layer: str
                      ) -> tuple[tuple[tuple | None, ...] | None, str | None]:
        """``recorded_shapes: [[?, 4], null]``: the output shapes the file records for
        this call (one per output, null where none is), and ``recorded_from``, what
        recorded them."""
        raw = entry.get("recorded_shapes")
        if raw is None:
            return None, None
        if not isinstance(raw, list) or len(raw) > MAX_RANK:
            self.err("SC104", f"recorded_shapes must be a list of shapes, got {str(raw)[:60]}",
                     value_where(entry, "recorded_shapes"),
                     layer=layer)
            return None, None
        shapes = tuple(None if s is None else () if s == [] else  # a scalar, as a reduction to one
                       self.read_shape(s, facts,
                                       lambda i=i: where(raw, i, value_where(entry, "recorded_shapes")),
                                       f"{layer!r} recorded_shapes[{i}]")
                       for i, s in enumerate(raw))
        source = entry.get("recorded_from")
        return shapes, source if isinstance(source, str) else None

    def read_call_inputs(self, entry: dict, previous: tuple[Ref, ...], layer: str) -> tuple[Ref, ...]:
        if "inputs" in entry:
            return self.read_refs(entry["inputs"], value_where(entry, "inputs"), layer)
        return previous

    def read_call_args(self, entry: dict, layer: str) -> dict[str, tuple[Ref, ...]]:
        return {
            key: self.read_refs(entry[key], value_where(entry, key), layer)
            for key in CALL_ARGS
            if key in entry and entry[key] is not None
        }

    def read_input_layer(self, entry: dict, loc: Location, facts: DimFacts) -> InputSpec:
        """``- type: InputLayer`` (Sequential style) is a model input: ``batch_shape``, or
        ``shape`` without the batch axis plus ``batch_size``, as keras.Input takes them."""
        name = entry.get("name")
        if name is not None and (not isinstance(name, str) or not name):
            self.err("SC104", f"`name:` must be a non-empty string, got {name!r}", where(entry, "name"))
            name = None
        name = name or self.namer("InputLayer")
        dtype = str(entry.get("dtype") or "float32")
        if entry.get("shape") is not None and entry.get("batch_shape") is not None:
            self.err("SC403", "InputLayer takes `shape:` or `batch_shape:`, not both (Keras "
                     "raises)", where(entry, "batch_shape"), layer=name,
                     hint="keep batch_shape, which includes the batch axis")
        for key in entry:
            if key not in ("type", "name", "shape", "batch_shape", "batch_size", "dtype", "sparse",
                           "ragged", "optional"):
                self.err("SC402", f"InputLayer has no argument {key!r}", where(entry, key), layer=name,
                         hint="give `shape:` (without the batch axis) or `batch_shape:`")
        if entry.get("batch_shape") is not None:
            shape = self.read_shape(entry["batch_shape"], facts, value_where(entry, "batch_shape"),
                                    f"InputLayer {name!r}")
        elif entry.get("shape") is not None:
            batch = entry.get("batch_size")
            body = entry["shape"]
            if isinstance(body, list):
                body = [batch, *body]
            elif isinstance(body, str):
                body = f"({'None' if batch is None else batch}, {body.strip('()[] ')})"
            shape = self.read_shape(body, facts, value_where(entry, "shape"), f"InputLayer {name!r}")
        else:
            self.err("SC404", "InputLayer needs `shape:` or `batch_shape:`", loc, layer=name,
                     hint="e.g. `shape: [t, 12]` (without the batch axis)")
            shape = None
        return InputSpec(name, shape, dtype, loc)

    def read_config(self, entry: Any, loc: Location, what: str, nested_in: bool = False
                    ) -> LayerConfig | None:
        if not isinstance(entry, dict):
            self.err("SC102", f"{what}: a layer is a mapping with `type:`, got {entry!r}", loc)
            return None
        type_name = entry.get("type")
        if not isinstance(type_name, str) or not type_name:
            self.err("SC104", f"{what}: the layer has no `type:`", loc,
                     hint="give the Keras class name, e.g. `type: LSTM`")
            return None
        if nested_in:
            for key in (*LAYER_KEYS[2:], *CALL_ARGS):
                if key in entry:
                    self.err("SC104", f"{what}: a wrapped layer takes no `{key}:`; give it to "
                             f"the wrapper", where(entry, key), hint=f"move `{key}:` up one level")
        nested = {}
        for key in NESTED_ARGS:
            sub = entry.get(key)
            if key == "cell" and isinstance(sub, list):
                # RNN(cell=[...]) wraps the list in a StackedRNNCells, created after the cells.
                sub = {"type": "StackedRNNCells", "cells": sub}
            if isinstance(sub, dict):
                # Python evaluates `Bidirectional(LSTM(...))` inside out, so the wrapped
                # layer takes its auto-name first.
                cfg = self.read_config(sub, where(entry, key), f"{what}.{key}", nested_in=True)
                if cfg is not None:
                    nested[key] = cfg
        for key in NESTED_LISTS:
            subs = entry.get(key)
            if isinstance(subs, list) and subs and all(isinstance(s, dict) for s in subs):
                for i, sub in enumerate(subs):
                    cfg = self.read_config(sub, where(subs, i, where(entry, key)), f"{what}.{key}[{i}]",
                                           nested_in=True)
                    if cfg is not None:
                        nested[f"{key}[{i}]"] = cfg
        lists = {k for k in NESTED_LISTS if any(n.startswith(f"{k}[") for n in nested)}
        name = entry.get("name")
        if name is None:
            name = self.namer(type_name)
        elif not isinstance(name, str) or not name:
            self.err("SC104", f"{what}: `name:` must be a non-empty string, got {name!r}",
                     where(entry, "name"))
            name = self.namer(type_name)
        args = dict(entry)
        if not _all_text(entry):  # YAML's 1, yes, null as keys
            for k in entry:
                if not isinstance(k, str):
                    self.err("SC104", f"{what}: argument name {k!r} is not a string", where(entry, k),
                             hint="quote it: YAML reads 1, yes, no and null as numbers, booleans and null",
                             layer=name)
                    del args[k]
        for k in args.keys() & _NOT_ARGS:
            del args[k]
        for k in (*nested, *lists):
            args.pop(k, None)
        for k, v in args.items() if self.bindings else ():
            # a size argument written as a name (`units: n_classes`, `target_shape: [t, 4]`):
            # --dim binds it
            if isinstance(v, str) and v in self.bindings:
                args[k] = self.bindings[v]
                self.names_seen.add(v)
            elif isinstance(v, list) and any(isinstance(d, str) and d in self.bindings for d in v):
                args[k] = [self.bindings.get(d, d) if isinstance(d, str) else d for d in v]
                self.names_seen.update(d for d in v if isinstance(d, str) and d in self.bindings)
        arg_locs = EntryLocations(entry, where)
        value_locs = EntryLocations(entry, value_where)
        return LayerConfig(name, type_name, args, where(entry, default=loc), arg_locs, nested,
                           value_locs, self.dialect)

    def read_refs(self, value: Any, loc: Location, layer: str) -> tuple[Ref, ...]:
        items = value if isinstance(value, list) else [value]
        refs = []
        for i, item in enumerate(items):
            iloc = where(value, i, loc) if isinstance(value, list) else loc
            m = _REF.match(item) if isinstance(item, str) else None
            if not m:
                self.err("SC104", f"a reference is a name or name[k], got {item!r}", iloc, layer=layer,
                         hint="e.g. `inputs: enc` or `initial_state: [enc[1], enc[2]]`")
                continue
            index = None if m.group(3) is None else int(m.group(3))
            refs.append(Ref(m.group(1), index, iloc, int(m.group(2) or 0)))
        return tuple(refs)

    def read_outputs(self, data: dict, layers: tuple[LayerSpec, ...]) -> tuple[Ref, ...]:
        if data.get("outputs") is None:
            if not layers:
                return ()
            last = layers[-1]
            return (Ref(last.name, None, last.config.location),)
        return self.read_refs(data["outputs"], value_where(data, "outputs"), None)


def _all_text(d: dict) -> bool:
    """Every key a string, asked in C (a layer's dozens of keys, read by the thousand)."""
    try:
        "".join(d)
    except TypeError:
        return False
    return True


def read_spec(
    data: Any,
    path: str | None = None,
    fmt: str = "dict",
    bindings: Mapping[str, int] | None = None,
    dialect: str = "spec",
    custom: Mapping[str, Any] | None = None,
) -> tuple[ModelSpec | None, list[Diagnostic]]:
    """Read a spec (data from ``reading.text.load`` or a converted Keras config).
    ``custom`` holds custom-layer rules declared outside it (``[tool.shapecheck]``)."""
    reader = _Reader(path, bindings or {}, dialect, custom)
    spec = reader.read(data, fmt)
    return spec, reader.found


__all__ = ["read_spec"]


def _names(text: str) -> set[str]:
    """The names a size expression reads; none when it does not parse (reported there)."""
    from ..dims import dim_names

    try:
        return dim_names(text)
    except DimSyntaxError:
        return set()
