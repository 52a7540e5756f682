"""Comparison of a shapecheck report (``Report.to_dict()``) with Keras facts.

    expected = expected_facts(spec, dims)          # builds the Keras model
    problems = compare_report(rep_dict, expected, subs={"t": 7})
    assert_no_mismatch(spec, problems, "t=7")

Dims in a report are ints, None, or strings that sympy parses ("t", "12*t");
``subs`` substitutes symbol values into them before comparing.  With
``unbound=True`` (Keras built with the symbol left as None) a Keras ``None``
matches any symbolic shapecheck dim.
"""

from __future__ import annotations

import copy
import json

import sympy
from keras_oracle import (
    build_keras_model,
    keras_facts,
    keras_model_facts,
    parse_dim_expr,
    parse_ref,
    runtime_output_shapes,
)

MAX_SHOWN = 25


class Sym:
    """Marker wrapper for a dim that stays symbolic after substitution."""

    def __init__(self, expr):
        self.expr = expr

    def __eq__(self, other):
        return isinstance(other, Sym) and sympy.simplify(self.expr - other.expr) == 0

    def __repr__(self):
        return repr(str(self.expr))


def norm_dim(d, subs: dict[str, int] | None = None):
    """int / None stay; a string is parsed, substituted, and becomes an int when
    it evaluates to an integer, else ``Sym``.  Anything else is returned as is
    (and will not compare equal to a Keras int)."""
    if d is None or (isinstance(d, int) and not isinstance(d, bool)):
        return d
    if isinstance(d, str):
        try:
            expr = parse_dim_expr(d)
        except Exception:  # noqa: BLE001 - report unparsable dims as mismatches
            return ("unparsable", d)
        if subs:
            expr = expr.subs({sympy.Symbol(k): v for k, v in subs.items()})
        expr = sympy.simplify(expr)
        if expr.is_Integer:
            return int(expr)
        return Sym(expr)
    return ("bad-dim", d)


def dims_match(keras_dim, sc_dim, *, unbound: bool) -> bool:
    if keras_dim is None:
        return sc_dim is None or (unbound and isinstance(sc_dim, Sym))
    return isinstance(sc_dim, int) and sc_dim == keras_dim


def _fmt(shape) -> str:
    if isinstance(shape, (list, tuple)):
        return "(" + ", ".join(repr(d) for d in shape) + ")"
    return repr(shape)


def compare_shape(where: str, keras_shape, sc_shape, subs, unbound, out: list):
    if not isinstance(sc_shape, (list, tuple)):
        out.append(f"{where}: keras={_fmt(keras_shape)} shapecheck={sc_shape!r} (not a list)")
        return
    sc = [norm_dim(d, subs) for d in sc_shape]
    if len(sc) != len(keras_shape):
        out.append(f"{where}: rank differs: keras={_fmt(keras_shape)} shapecheck={_fmt(sc)}")
        return
    bad = [i for i, (k, s) in enumerate(zip(keras_shape, sc)) if not dims_match(k, s, unbound=unbound)]
    if bad:
        out.append(f"{where}: axis {bad}: keras={_fmt(keras_shape)} shapecheck={_fmt(sc)}")


# --------------------------------------------------------------------------- expected
def _needs_runtime(lspec: dict) -> bool:
    bw = lspec.get("backward_layer")
    return (
        lspec.get("type") == "Bidirectional"
        and isinstance(bw, dict)
        and bw.get("units") != lspec.get("layer", {}).get("units")
    )


def expected_facts(spec: dict, dims: dict[str, int] | None = None) -> dict:
    """Build the spec in Keras and collect what shapecheck must reproduce.

    For a Bidirectional whose backward_layer has different units, Keras's static
    output shape is wrong (``compute_output_shape`` doubles the forward units and
    gives every state the forward size); there the known axes come from an eager
    run of the model instead.
    """
    model = build_keras_model(spec, dims)
    facts = keras_facts(model)
    mfacts = keras_model_facts(model)
    fix = [l.get("name") for l in spec["layers"] if _needs_runtime(l)]
    if fix:
        if any(n is None for n in fix):
            names = [n for n, f in facts.items() if f["type"] == "Bidirectional"]
            fix = names  # unnamed: re-run every Bidirectional (cheap, tiny models)
        real = runtime_output_shapes(model, fix)
        for name in fix:
            static = facts[name]["output_shapes"]
            facts[name]["output_shapes"] = [
                tuple(None if s is None else r for s, r in zip(st, rt))
                for st, rt in zip(static, real[name])
            ]
        mfacts["outputs"] = _model_outputs_from_facts(spec, facts, mfacts["outputs"])
    return {"layers": facts, "model": mfacts}


def _model_outputs_from_facts(spec, facts, fallback):
    refs = spec.get("outputs") or [next(reversed(facts))]
    shapes = []
    for ref in refs:
        name, idx = parse_ref(ref)
        if name not in facts:
            return fallback
        outs = facts[name]["output_shapes"]
        shapes.extend(outs if idx is None else [outs[idx]])
    return shapes


# --------------------------------------------------------------------------- compare
def compare_report(rep: dict, expected: dict, *, subs: dict[str, int] | None = None,
                   unbound: bool = False, check_ok: bool = True) -> list[str]:
    """All differences between a shapecheck report dict and Keras facts."""
    out: list[str] = []
    facts, mfacts = expected["layers"], expected["model"]
    if check_ok and not rep.get("ok", False):
        out.append(f"report not ok; diagnostics: {json.dumps(rep.get('diagnostics'), default=str)[:1500]}")
    sc_layers = {}
    for l in rep.get("layers") or []:
        sc_layers[l.get("name")] = l
    missing = [n for n in facts if n not in sc_layers]
    extra = [n for n in sc_layers if n not in facts]
    if missing:
        out.append(f"layers missing from report: {missing} (report has {list(sc_layers)})")
    if extra:
        out.append(f"layers in report but not in Keras: {extra} (keras has {list(facts)})")

    for name, kf in facts.items():
        sl = sc_layers.get(name)
        if sl is None:
            continue
        if sl.get("type") != kf["type"]:
            out.append(f"{name}: type keras={kf['type']} shapecheck={sl.get('type')!r}")
        # output shapes
        sc_outs = sl.get("output_shapes")
        if sc_outs is None:
            out.append(f"{name}: no output_shapes in report")
        elif len(sc_outs) != len(kf["output_shapes"]):
            out.append(
                f"{name}: {len(kf['output_shapes'])} outputs in keras {[_fmt(s) for s in kf['output_shapes']]}, "
                f"{len(sc_outs)} in shapecheck {sc_outs}"
            )
        else:
            for i, (ks, ss) in enumerate(zip(kf["output_shapes"], sc_outs)):
                compare_shape(f"{name}: output_shapes[{i}]", ks, ss, subs, unbound, out)
        # weights
        if kf["type"] == "InputLayer" and "weights" not in sl:
            sc_w = []
        else:
            sc_w = sl.get("weights")
        if sc_w is None:
            out.append(f"{name}: no weights in report")
        else:
            sc_by_path = {}
            for w in sc_w:
                if w.get("path") in sc_by_path:
                    out.append(f"{name}: duplicate weight path {w.get('path')!r} in report")
                sc_by_path[w.get("path")] = w
            k_by_path = {p: (shape, tr) for p, shape, tr in kf["weights"]}
            miss = [p for p in k_by_path if p not in sc_by_path]
            extra_w = [p for p in sc_by_path if p not in k_by_path]
            if miss or extra_w:
                out.append(f"{name}: weight paths differ: missing={miss} extra={extra_w}")
            k_order = [p for p, _, _ in kf["weights"]]
            sc_order = [w.get("path") for w in sc_w]
            if not miss and not extra_w and k_order != sc_order:
                out.append(f"{name}: weight order differs: keras={k_order} shapecheck={sc_order}")
            for p, (kshape, ktr) in k_by_path.items():
                w = sc_by_path.get(p)
                if w is None:
                    continue
                compare_shape(f"{name}: weight {p}", kshape, w.get("shape"), subs, unbound, out)
                if bool(w.get("trainable")) != ktr or "trainable" not in w:
                    out.append(f"{name}: weight {p}: trainable keras={ktr} shapecheck={w.get('trainable')!r}")
        # params
        _compare_count(f"{name}: params", kf["params"], sl.get("params"), subs, unbound, out)

    for key in ("total_params", "trainable_params", "non_trainable_params"):
        _compare_count(key, mfacts[key], rep.get(key), subs, unbound, out)

    sc_model_outs = rep.get("outputs")
    if sc_model_outs is None or len(sc_model_outs) != len(mfacts["outputs"]):
        out.append(f"model outputs: keras={[_fmt(s) for s in mfacts['outputs']]} shapecheck={sc_model_outs}")
    else:
        for i, (ks, ss) in enumerate(zip(mfacts["outputs"], sc_model_outs)):
            compare_shape(f"model outputs[{i}]", ks, ss, subs, unbound, out)
    return out


def _compare_count(where, keras_n, sc_n, subs, unbound, out):
    v = norm_dim(sc_n, subs)
    if isinstance(v, int) and v == keras_n:
        return
    if unbound and isinstance(v, Sym):
        return  # Keras built with unknown sizes cannot count a symbolic weight
    out.append(f"{where}: keras={keras_n} shapecheck={sc_n!r}" + (f" (-> {v!r} with {subs})" if subs else ""))


def format_failure(spec: dict, problems: list[str], context: str = "") -> str:
    shown = problems[:MAX_SHOWN]
    more = f"\n  ... and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
    return (
        f"shapecheck disagrees with Keras{(' (' + context + ')') if context else ''}:\n  "
        + "\n  ".join(shown)
        + more
        + "\nspec = "
        + json.dumps(spec)
    )


def assert_no_mismatch(spec: dict, problems: list[str], context: str = "") -> None:
    if problems:
        raise AssertionError(format_failure(spec, problems, context))


def analyze_dict(spec: dict, **kwargs) -> dict:
    """shapecheck's report on a copy of ``spec`` (the reader may keep what it is given),
    as its JSON dict: the form ``compare_report`` reads."""
    import shapecheck

    return shapecheck.analyze(copy.deepcopy(spec), **kwargs).to_dict()
