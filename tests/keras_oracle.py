"""Build a real Keras 3 Functional model from a shapecheck spec dict (the oracle).

Only the test suite imports this module; shapecheck itself never imports Keras.

    model = build_keras_model(spec, dims={"t": 7})
    facts = keras_facts(model)          # per layer: output_shapes, weights, params
    mfacts = keras_model_facts(model)   # model outputs and parameter totals

Reference conventions understood here (same as the spec format):
  * ``"enc"`` is the output of layer (or model input) ``enc``; for a
    multi-output layer a bare name means output 0 when used as a layer input,
    and *all* outputs when listed under the spec's ``outputs``;
  * ``"enc[1]"`` is output 1 of ``enc``.
"""

from __future__ import annotations

import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import sympy  # noqa: E402

#: Spec keys that are call arguments with plain (non-tensor) values: passed to the call.
CALL_VALUE_KEYS = ("return_attention_scores", "use_causal_mask")
#: Spec keys that are not constructor arguments.
NON_CTOR_KEYS = frozenset({"name", "type", "inputs", "initial_state", "mask", *CALL_VALUE_KEYS})
#: Layers whose call takes its input tensors as separate arguments, ``mha(query, value,
#: key)``, where the spec's ``inputs: [q, v, k]`` lists them in that order.
POSITIONAL_INPUT_TYPES = frozenset({"MultiHeadAttention", "GroupQueryAttention"})
#: Constructor arguments whose value is itself a layer spec (``cell`` and ``cells`` may
#: also be a list of them: RNN's stacked cells, StackedRNNCells).
NESTED_LAYER_KEYS = ("layer", "backward_layer", "cell", "cells")

_REF_RE = re.compile(r"^\s*(?P<name>.+?)\s*\[\s*(?P<idx>-?\d+)\s*\]\s*$")
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


def _keras():
    import keras

    return keras


# --------------------------------------------------------------------------- dims
#: Functions a report's dims use (``floor(H/2 - 1/2) + 1``); they stay functions.
_DIM_FUNCS = {"floor": sympy.floor, "ceiling": sympy.ceiling, "Mod": sympy.Mod, "Min": sympy.Min,
              "Max": sympy.Max}


def parse_dim_expr(text: str) -> sympy.Expr:
    """Parse a dim expression such as ``"t"``, ``"2*t"`` or ``"floor(t/2) + 1"``; every
    other identifier is a plain Symbol (so names like ``N``, ``S`` or ``E`` are not sympy
    builtins)."""
    local = {n: _DIM_FUNCS.get(n) or sympy.Symbol(n) for n in _IDENT_RE.findall(text)}
    return sympy.sympify(text, locals=local)


def resolve_dim(dim, dims: dict[str, int] | None):
    """A spec dim (int / None / symbol expression) to an int, or None if unbound."""
    if dim is None:
        return None
    if isinstance(dim, bool):
        raise TypeError(f"bad dim {dim!r}")
    if isinstance(dim, int):
        return dim
    expr = parse_dim_expr(str(dim))
    if dims:
        expr = expr.subs({sympy.Symbol(k): v for k, v in dims.items()})
    if expr.free_symbols:
        return None
    if not expr.is_integer:
        raise ValueError(f"dim {dim!r} with {dims} is not an integer: {expr}")
    return int(expr)


# --------------------------------------------------------------------------- build
def parse_ref(ref: str) -> tuple[str, int | None]:
    m = _REF_RE.match(ref)
    if m:
        return m.group("name"), int(m.group("idx"))
    return ref.strip(), None


def _ctor_value(key, value):
    if key == "target_shape" and isinstance(value, list):
        return tuple(value)
    return value


def make_layer(lspec: dict):
    """Instantiate one layer; nested layers (``layer`` then ``backward_layer``) are
    created before the wrapper so Keras's auto-names match the spec's convention."""
    keras = _keras()
    ltype = lspec["type"]
    cls = getattr(keras.layers, ltype)
    kwargs = {}
    for key in NESTED_LAYER_KEYS:  # creation order: layer, backward_layer, wrapper
        if key in lspec and lspec[key] is not None:
            value = lspec[key]
            kwargs[key] = [make_layer(v) for v in value] if isinstance(value, list) else make_layer(value)
    for key, value in lspec.items():
        if key in NON_CTOR_KEYS or key in NESTED_LAYER_KEYS:
            continue
        kwargs[key] = _ctor_value(key, value)
    if "name" in lspec and lspec["name"] is not None:
        kwargs["name"] = lspec["name"]
    return cls(**kwargs)


def build_keras_model(spec: dict, dims: dict[str, int] | None = None, *, clear: bool = True):
    """Build the Functional model described by ``spec``.

    Symbolic input dims are bound from ``dims``; unbound ones become None.
    ``keras.backend.clear_session`` is called first (``clear=True``) so that
    auto-generated layer names restart at ``dense``, ``lstm`` ...
    """
    keras = _keras()
    if clear:
        # free_memory=False skips gc.collect(), which costs ~0.2 s per call;
        # the name counters are reset either way (checked in test_keras_oracle).
        keras.backend.clear_session(free_memory=False)

    tensors: dict[str, list] = {}
    model_inputs = []
    for name, shape in (spec.get("inputs") or {}).items():
        dtype = None
        if isinstance(shape, dict):  # {shape: [...], dtype: string}
            shape, dtype = shape["shape"], shape.get("dtype")
        batch_shape = tuple(resolve_dim(d, dims) for d in shape)
        t = keras.Input(batch_shape=batch_shape, name=name, dtype=dtype)
        tensors[name] = [t]
        model_inputs.append(t)

    def one(ref: str):
        name, idx = parse_ref(ref)
        if name not in tensors:
            raise KeyError(f"unknown reference {ref!r}; known: {sorted(tensors)}")
        outs = tensors[name]
        return outs[0 if idx is None else idx]

    def many(refs):
        if isinstance(refs, str):
            return one(refs)
        if not refs:
            raise ValueError("layer has no inputs")
        refs = list(refs)
        if len(refs) == 1:
            return one(refs[0])
        return [one(r) for r in refs]

    # default input of the first layer: the model input, or all model inputs
    # when there are several (shapecheck's reading)
    spec_inputs = list(spec.get("inputs") or {})
    previous = spec_inputs if len(spec_inputs) > 1 else (spec_inputs[0] if spec_inputs else None)
    last = None
    for lspec in spec["layers"]:
        if lspec["type"] == "InputLayer":  # a model input declared among the layers
            shape = lspec.get("batch_shape")
            if shape is None:
                shape = [lspec.get("batch_size")] + list(lspec["shape"])
            t = keras.Input(
                batch_shape=tuple(resolve_dim(d, dims) for d in shape),
                name=lspec.get("name"),  # None: Keras auto-names it input_layer, ...
            )
            name = t._keras_history.operation.name
            tensors[name] = [t]
            model_inputs.append(t)
            previous = name
            continue
        layer = make_layer(lspec)
        x = many(lspec.get("inputs", previous))
        call_kwargs = {}
        if lspec.get("initial_state") is not None:
            st = lspec["initial_state"]
            call_kwargs["initial_state"] = [one(st)] if isinstance(st, str) else [one(r) for r in st]
        if lspec.get("mask") is not None:
            call_kwargs["mask"] = many(lspec["mask"])
        for key in CALL_VALUE_KEYS:
            if key in lspec:
                call_kwargs[key] = lspec[key]
        if lspec["type"] in POSITIONAL_INPUT_TYPES and isinstance(x, list):
            out = layer(*x, **call_kwargs)
        else:
            out = layer(x, **call_kwargs)
        # flattened, as Keras numbers a layer's outputs (RNN's stacked states are nested)
        outs = keras.tree.flatten(out) if isinstance(out, (list, tuple)) else [out]
        if layer.name in tensors:
            raise ValueError(f"duplicate layer name {layer.name!r}")
        tensors[layer.name] = outs
        previous = last = layer.name

    out_refs = spec.get("outputs") or [last]
    if isinstance(out_refs, str):
        out_refs = [out_refs]
    model_outputs = []
    for ref in out_refs:
        name, idx = parse_ref(ref)
        if idx is None:
            model_outputs.extend(tensors[name])
        else:
            model_outputs.append(tensors[name][idx])
    return keras.Model(inputs=model_inputs, outputs=model_outputs, name=spec.get("model") or None)


# --------------------------------------------------------------------------- facts
def _shape(t) -> tuple:
    return tuple(None if d is None else int(d) for d in t.shape)


def layer_output_tensors(layer) -> list:
    """Output tensors of the layer's first call (its first inbound node)."""
    nodes = getattr(layer, "_inbound_nodes", None)
    if nodes:
        return list(nodes[0].output_tensors)
    out = layer.output
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def keras_facts(model) -> dict:
    """``{layer_name: {"type", "output_shapes", "weights", "params"}}`` in model order.

    ``weights`` is ``[(variable.path, shape tuple, trainable), ...]`` in Keras's
    order; ``params`` is ``layer.count_params()`` (0 for unbuilt/weightless).
    """
    facts = {}
    for layer in model.layers:
        facts[layer.name] = {
            "type": type(layer).__name__,
            "output_shapes": [_shape(t) for t in layer_output_tensors(layer)],
            "weights": [(v.path, tuple(int(d) for d in v.shape), bool(v.trainable)) for v in layer.weights],
            "params": int(layer.count_params()) if layer.weights else 0,
        }
    return facts


def keras_model_facts(model) -> dict:
    trainable = sum(_numel(v.shape) for v in model.trainable_weights)
    non_trainable = sum(_numel(v.shape) for v in model.non_trainable_weights)
    return {
        "inputs": [_shape(t) for t in model.inputs],
        "outputs": [_shape(t) for t in model.outputs],
        "total_params": int(model.count_params()),
        "trainable_params": trainable,
        "non_trainable_params": non_trainable,
    }


def runtime_output_shapes(model, layer_names, batch_size: int = 2) -> dict:
    """Execute the model eagerly on zeros and return the *actual* output shapes of
    the given layers (unknown axes, including an unknown batch, become
    ``batch_size``).  Used where Keras's static shape inference is known to be
    wrong (Bidirectional with a backward_layer of different units)."""
    import numpy as np

    keras = _keras()
    by_name = {l.name: l for l in model.layers}
    probe_outs, index = [], {}
    for name in layer_names:
        outs = layer_output_tensors(by_name[name])
        index[name] = (len(probe_outs), len(outs))
        probe_outs.extend(outs)
    probe = keras.Model(inputs=model.inputs, outputs=probe_outs)
    feeds = [
        np.zeros(tuple(batch_size if d is None else d for d in t.shape), dtype="float32")
        for t in model.inputs
    ]
    values = probe(feeds)
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    return {
        name: [tuple(int(d) for d in values[i].shape) for i in range(start, start + n)]
        for name, (start, n) in index.items()
    }
