"""Generated Python programs against Keras: the model specs the differential tests draw
(tests/strategies.py: dense and recurrent stacks, Bidirectional with and without a
backward layer, TimeDistributed, encoder/decoder with ``initial_state``, return_state
unpacking) written as the Python a Keras user writes, in five styles:

- ``functional``: ``x = layers.LSTM(...)(x)``, states unpacked, ``keras.Model(...)``;
- ``sequential``: ``keras.Sequential([keras.Input(...), layers.Dense(...), ...])``;
- ``add_chain``: ``model.add(...)`` one layer at a time;
- ``loop``: ``for cls, kw in STACK: x = cls(**kw)(x)`` over a list of classes and dicts;
- ``helper``: ``x = block(x, layers.GRU, units=8)`` through a function with ``**kwargs``.

Keras runs each program (the oracle; exec is fine in a test, the product never does);
shapecheck reads it statically; every layer's output shapes and params and the total
must agree. Sequential-style programs are drawn only from single-chain specs.

SHAPECHECK_PROGRAM_EXAMPLES=<n> overrides the examples per style (25).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

import strategies as S  # noqa: E402
from helpers import program_facts  # noqa: E402
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis_profiles import examples  # noqa: E402

import shapecheck.api as api  # noqa: E402

EXAMPLES = examples(25, "SHAPECHECK_PROGRAM_EXAMPLES")
PROGRAMS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
STYLES = ("functional", "sequential", "add_chain", "loop", "helper")
CALL_ARGS = ("initial_state",)  # spec keys that are call arguments, not constructor ones


# --------------------------------------------------------------------------- spec -> Python
def _ref(ref: str) -> tuple[str, int | None]:
    name, _, rest = ref.partition("[")
    return name, (int(rest.rstrip("]")) if rest else None)


def _multi(entry: dict) -> bool:
    inner = entry.get("layer") if isinstance(entry.get("layer"), dict) else {}
    no_merge = entry["type"] == "Bidirectional" and "merge_mode" in entry and entry["merge_mode"] is None
    return bool(entry.get("return_state") or inner.get("return_state") or no_merge)


def _ctor(entry: dict) -> str:
    """``layers.Type(arg=value, ...)``, a wrapped layer written inline."""
    args = []
    for key, value in entry.items():
        if key in ("type", "inputs", *CALL_ARGS):
            continue
        args.append(f"{key}={_ctor(value) if isinstance(value, dict) else repr(value)}")
    return f"layers.{entry['type']}({', '.join(args)})"


def _input_entries(spec: dict) -> tuple[list[tuple[str, tuple]], list[dict]]:
    """The model's inputs as (variable, batch shape), and the layers after them."""
    layers = list(spec["layers"])
    if "inputs" in spec:
        return [(n, tuple(s)) for n, s in spec["inputs"].items()], layers
    first = layers.pop(0)
    shape = tuple(first["batch_shape"]) if "batch_shape" in first else (first.get("batch_size"), *first["shape"])
    return [(first.get("name", "input_layer"), shape)], layers


def _input(var: str, shape: tuple, named: bool) -> str:
    name = f", name={var!r}" if named else ""
    if shape[0] is None:
        return f"keras.Input(shape={tuple(shape[1:])!r}{name})"
    return f"keras.Input(batch_shape={tuple(shape)!r}{name})"


def _is_chain(spec: dict) -> bool:
    inputs, layers = _input_entries(spec)
    if len(inputs) != 1 or "outputs" in spec and [_ref(r)[0] for r in spec["outputs"]] != [_name_of(layers, -1)]:
        return False
    for i, entry in enumerate(layers):
        if any(k in entry for k in CALL_ARGS) or _multi(entry):
            return False
        src = entry.get("inputs")
        if src is not None:
            (ref,) = src if isinstance(src, list) else [src]
            want = inputs[0][0] if i == 0 else _name_of(layers, i - 1)
            if _ref(ref) != (want, None) and _ref(ref) != (want, 0):
                return False
    return bool(layers)


def _names(layers: list[dict]) -> list[str]:
    """Keras's names for the spec's layers (as the strategies predict them)."""
    counts: dict[str, int] = {}
    out = []
    for entry in layers:
        for inner in (entry.get("layer"), entry.get("backward_layer")):
            if isinstance(inner, dict) and "name" not in inner:
                base = S.SNAKE[inner["type"]]
                counts[base] = counts.get(base, 0) + 1
        if "name" in entry:
            out.append(entry["name"])
            continue
        base = S.SNAKE[entry["type"]]
        n = counts.get(base, 0)
        counts[base] = n + 1
        out.append(base if n == 0 else f"{base}_{n}")
    return out


def _name_of(layers: list[dict], i: int) -> str:
    return _names(layers)[i]


def functional(spec: dict) -> str:
    inputs, layers = _input_entries(spec)
    names = _names(layers)
    var = {name: f"in_{i}" for i, (name, _) in enumerate(inputs)}
    multi = {n for n, e in zip(names, layers) if _multi(e)}
    lines = [f"{var[n]} = {_input(n, s, len(inputs) > 1 or n != 'input_layer')}" for n, s in inputs]

    def use(ref: str) -> str:
        name, index = _ref(ref)
        v = var[name]
        return f"{v}[{index or 0}]" if name in multi else v

    prev = inputs[0][0]
    for i, (entry, name) in enumerate(zip(layers, names)):
        src = entry.get("inputs", prev)
        if isinstance(src, list):
            arg = use(src[0]) if len(src) == 1 else "[" + ", ".join(use(r) for r in src) + "]"
        else:
            arg = use(src)
        call = ", ".join([arg] + [f"{k}=[{', '.join(use(r) for r in entry[k])}]" for k in CALL_ARGS if k in entry])
        var[name] = f"h{i}"
        lines.append(f"h{i} = {_ctor(entry)}({call})")
        prev = name
    outs = [use(r) for r in spec.get("outputs", [names[-1]])]
    ins = [var[n] for n, _ in inputs]
    lines.append(f"model = keras.Model({ins[0] if len(ins) == 1 else '[' + ', '.join(ins) + ']'}, "
                 f"{outs[0] if len(outs) == 1 else '[' + ', '.join(outs) + ']'})")
    return "\n".join(lines)


def sequential(spec: dict) -> str:
    (name, shape), layers = _input_entries(spec)[0][0], _input_entries(spec)[1]
    items = [_input(name, shape, name != "input_layer")] + [_ctor(e) for e in layers]
    return "model = keras.Sequential([\n    " + ",\n    ".join(items) + ",\n])"


def add_chain(spec: dict) -> str:
    (name, shape), layers = _input_entries(spec)[0][0], _input_entries(spec)[1]
    lines = ["model = keras.Sequential()", f"model.add({_input(name, shape, name != 'input_layer')})"]
    lines += [f"model.add({_ctor(e)})" for e in layers]
    return "\n".join(lines)


def _kwargs(entry: dict) -> str:
    return "{" + ", ".join(f"{k!r}: {_ctor(v) if isinstance(v, dict) else repr(v)}"
                           for k, v in entry.items() if k not in ("type", "inputs")) + "}"


def loop(spec: dict) -> str:
    (name, shape), layers = _input_entries(spec)[0][0], _input_entries(spec)[1]
    stack = ",\n    ".join(f"(layers.{e['type']}, {_kwargs(e)})" for e in layers)
    return (f"STACK = [\n    {stack},\n]\n"
            f"inp = x = {_input(name, shape, name != 'input_layer')}\n"
            "for cls, kw in STACK:\n    x = cls(**kw)(x)\n"
            "model = keras.Model(inp, x)")


def helper(spec: dict) -> str:
    (name, shape), layers = _input_entries(spec)[0][0], _input_entries(spec)[1]
    lines = ["def block(x, cls, **kwargs):", "    return cls(**kwargs)(x)",
             f"inp = x = {_input(name, shape, name != 'input_layer')}"]
    for e in layers:
        kw = ", ".join(f"{k}={_ctor(v) if isinstance(v, dict) else repr(v)}"
                       for k, v in e.items() if k not in ("type", "inputs"))
        lines.append(f"x = block(x, layers.{e['type']}{', ' + kw if kw else ''})")
    lines.append("model = keras.Model(inp, x)")
    return "\n".join(lines)


WRITERS = {"functional": functional, "sequential": sequential, "add_chain": add_chain, "loop": loop,
           "helper": helper}


# --------------------------------------------------------------------------- the comparison
def check(source: str, tmp_path) -> None:
    expected = program_facts(keras, source)
    path = tmp_path / "program.py"
    path.write_text(source, encoding="utf-8")
    reports = api.analyze_python(str(path))
    report = next((r for r in reports if r.model == expected["name"]), None)
    assert report is not None, (source, [r.model for r in reports],
                                [(d.code, d.message) for r in reports for d in r.diagnostics])
    assert report.ok, (source, [f"{d.code} {d.message}" for d in report.diagnostics])
    ours = {l.name: ([tuple(s) for s in l.output_shapes], l.params) for l in report.layers.values()
            if l.type != "InputLayer"}
    assert ours == expected["layers"], source
    assert report.total_params == expected["total"], source


SPECS = st.one_of(S.core_specs(), S.recurrent_specs(), S.bidirectional_specs(), S.timedistributed_specs())


@pytest.mark.parametrize("style", STYLES)
@PROGRAMS
@given(spec=SPECS)
def test_generated_programs_match_keras(style, spec, tmp_path_factory):
    assume(style == "functional" or _is_chain(spec))
    source = "import keras\nfrom keras import layers\n\n" + WRITERS[style](spec) + "\n"
    check(source, tmp_path_factory.mktemp(style))
