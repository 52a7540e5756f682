"""Differential tests for Attention, AdditiveAttention, MultiHeadAttention,
GroupQueryAttention and EinsumDense: generated one-layer specs
(``strategies_attention.py``) are built in Keras 3, run once on zeros, and compared
with shapecheck's report axis by axis (outputs, weight paths and shapes, trainable
flags, params). Symbolic specs (t for query positions, s for key positions) are
analysed once and compared, with t and s substituted, against Keras built at several
sizes, then against Keras built with the named axes unknown.

Keras's static shape is the reference where it agrees with what the layer computes
(each axis unknown, or the computed size); where it does not (MultiHeadAttention's
scores, EinsumDense with a left '...' or a too long output_shape), the shape the
model computes when it runs is, as shapecheck reports it (with SC307).

A second test draws concrete specs, half of them broken in one place, and checks that
shapecheck finds an error exactly when Keras fails to build or to run the model.

SHAPECHECK_ATTENTION_EXAMPLES=<n> overrides the number of examples per class (100).
"""

from __future__ import annotations

import copy
import os

import pytest

# TensorFlow's oneDNN einsum corrupts the heap now and then on equations with '...'
# (seen with Keras 3.15.1 / TF 2.21); without it the same models run cleanly. This only
# helps when no other module imported TensorFlow first, so EinsumDense's run below
# uses NumPy's einsum instead of TensorFlow's.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

import numpy as np  # noqa: E402
import strategies_attention as A  # noqa: E402
from differential import analyze_dict as analyze  # noqa: E402
from differential import assert_no_mismatch, compare_report  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis_profiles import examples  # noqa: E402
from keras_oracle import build_keras_model, keras_facts, keras_model_facts, layer_output_tensors  # noqa: E402

import shapecheck  # noqa: E402

EXAMPLES = examples(100, "SHAPECHECK_ATTENTION_EXAMPLES")
# t and s substituted; with "2*t", "t + 1", "s + 1" that covers sizes 1..8, and t == s.
SIZES = ({"t": 1, "s": 3}, {"t": 4, "s": 2}, {"t": 2, "s": 2})
# An unknown axis is fed SENTINEL + its index when the model runs; every real size the
# strategies make is smaller, so a size >= SENTINEL in a result is an unknown one.
SENTINEL = 11

SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])



def _feed(shape) -> tuple:
    return tuple(SENTINEL + i if d is None else d for i, d in enumerate(shape))


def _known(shape) -> tuple:
    return tuple(None if d >= SENTINEL else d for d in shape)


def _einsum(layer) -> dict[str, list[tuple]]:
    """EinsumDense's call, ``einsum(equation, x, kernel) + bias``, in NumPy."""
    x = np.zeros(_feed(layer.input.shape), dtype="float32")
    y = np.einsum(layer.equation, x, np.zeros(tuple(layer.kernel.shape), dtype="float32"))
    if layer.bias is not None:
        y = y + np.zeros(tuple(layer.bias.shape), dtype="float32")
    return {layer.name: [_known(y.shape)]}


def _run(model) -> dict[str, list[tuple]]:
    """Every layer's outputs when the model runs, an unknown size as None again."""
    names = [layer.name for layer in model.layers if type(layer).__name__ != "InputLayer"]
    if len(names) == 1 and type(model.get_layer(names[0])).__name__ == "EinsumDense":
        return _einsum(model.get_layer(names[0]))
    outs, index = [], {}
    for name in names:
        tensors = layer_output_tensors(model.get_layer(name))
        index[name] = (len(outs), len(tensors))
        outs += tensors
    probe = keras.Model(inputs=model.inputs, outputs=outs)
    values = probe([np.zeros(_feed(t.shape), dtype="float32") for t in model.inputs])
    values = list(values) if isinstance(values, (list, tuple)) else [values]
    return {name: [_known(tuple(int(d) for d in values[i].shape)) for i in range(a, a + n)]
            for name, (a, n) in index.items()}


def _agrees(static: tuple, real: tuple) -> bool:
    return len(static) == len(real) and all(s is None or s == r for s, r in zip(static, real))


def expected(spec: dict, dims: dict | None = None, computed: bool = False) -> dict:
    """Keras's facts, each output shape Keras's static one where it agrees with the run
    (``computed``: always the one the run gives)."""
    model = build_keras_model(spec, dims)
    facts = keras_facts(model)
    for name, real in _run(model).items():
        # Keras exports and serializes the class GroupedQueryAttention as GroupQueryAttention.
        facts[name]["type"] = facts[name]["type"].replace("GroupedQuery", "GroupQuery")
        static = facts[name]["output_shapes"]
        facts[name]["output_shapes"] = [s if _agrees(s, r) and not computed else r
                                        for s, r in zip(static, real)]
    mfacts = keras_model_facts(model)
    mfacts["outputs"] = facts["l"]["output_shapes"]
    return {"layers": facts, "model": mfacts}


def check(spec: dict, symbolic: bool) -> None:
    report = analyze(spec)
    if not symbolic:
        assert_no_mismatch(spec, compare_report(report, expected(spec)))
        return
    text = str(spec["inputs"])
    # Where Keras's static shape agrees with the run only for some sizes, the report
    # holds the computed shape and says so (SC307 "they agree only if"): for those
    # sizes Keras's static shape is the other answer, and the report names it.
    conditional = any(d["code"] == "SC307" and "agree only if" in d["message"] for d in report["diagnostics"])
    for subs in SIZES:
        subs = {k: v for k, v in subs.items() if k in text}
        problems = compare_report(report, expected(spec, subs), subs=subs)
        if problems and conditional and \
                compare_report(report, expected(spec, subs, computed=True), subs=subs) == []:
            continue
        assert_no_mismatch(spec, problems, f"symbolic report, {subs} substituted")
    # Keras with t and s unknown: its None meets a symbolic size; a weight over a named
    # size cannot be built there at all. An all-None static shape agrees with any run, so
    # where it is wrong for every size (SC307), the report holds the computed shape.
    try:
        facts = expected(spec)
    except ValueError:
        return
    problems = compare_report(report, facts, unbound=True)
    if problems and compare_report(report, expected(spec, computed=True), unbound=True) == []:
        return
    assert_no_mismatch(spec, problems, "Keras with t, s = None")


@pytest.mark.parametrize("cls", A.CLASSES)
def test_layer_matches_keras(cls):
    @SETTINGS
    @given(A.layer_specs(cls))
    def run(case):
        spec, symbolic = case
        check(spec, symbolic)

    run()


def _keras_accepts(spec: dict) -> tuple[bool, str]:
    try:
        _run(build_keras_model(spec))
    except Exception as e:  # noqa: BLE001 - any failure to build or run
        return False, f"{type(e).__name__}: {str(e)[:300]}"
    return True, ""


@pytest.mark.parametrize("cls", A.CLASSES)
def test_errors_match_keras(cls):
    """shapecheck reports an error exactly when Keras cannot build or run the model."""

    @SETTINGS
    @given(A.mutated_specs(cls))
    def run(spec):
        report = shapecheck.analyze(copy.deepcopy(spec))
        ok, why = _keras_accepts(spec)
        errors = [f"{d.code} {d.message}" for d in report.errors]
        assert report.ok == ok, (f"Keras {'runs' if ok else 'fails: ' + why}; shapecheck "
                                 f"{errors or 'finds no error'}\nspec = {spec}")

    run()


def _mha(layer: dict, q: list, v: list) -> dict:
    return {"inputs": {"q": q, "v": v},
            "layers": [{"name": "l", "type": "MultiHeadAttention", **layer, "inputs": ["q", "v"]}]}


#: Counterexamples hypothesis found (issue 14's exploration runs), kept for good: each
#: must get shapecheck's verdict equal to Keras's, whatever the generators draw next.
ERROR_CASES = {
    # rank 3 ignores attention_axes, except when expanding the sliding-window mask
    "mha_sliding_window_two_axes": _mha({"num_heads": 1, "key_dim": 1, "attention_axes": [0, 0],
                                         "sliding_window": 1}, [2, 2, 1], [2, 1, 1]),
    "mha_sliding_window_three_axes": _mha({"num_heads": 1, "key_dim": 1, "attention_axes": [1, 0, 1],
                                           "sliding_window": 2}, [None, 3, 2], [None, 4, 2]),
    "mha_sliding_window_one_axis": _mha({"num_heads": 2, "key_dim": 1, "attention_axes": [0],
                                         "sliding_window": 1}, [2, 2, 1], [2, 1, 1]),
    "mha_causal_two_axes": _mha({"num_heads": 1, "key_dim": 1, "attention_axes": [0, 0],
                                 "use_causal_mask": True}, [2, 2, 1], [2, 2, 1]),
    # off the fused path the (1, Tq, Tv) mask meets the scores of the axes attended over
    "mha_causal_scores_batch_axis": _mha({"num_heads": 1, "key_dim": 1, "attention_axes": [0],
                                          "return_attention_scores": True, "use_causal_mask": True},
                                         [2, 3, 1], [2, 3, 1]),
    "mha_causal_rank4_default_axes": _mha({"num_heads": 2, "key_dim": 3, "use_causal_mask": True},
                                          [2, 5, 6, 4], [2, 5, 6, 4]),
    "mha_causal_rank4_axis2": _mha({"num_heads": 2, "key_dim": 3, "attention_axes": [2],
                                    "use_causal_mask": True}, [2, 5, 6, 4], [2, 5, 6, 4]),
    "mha_causal_rank4_axis1": _mha({"num_heads": 2, "key_dim": 3, "attention_axes": [1],
                                    "use_causal_mask": True}, [2, 5, 6, 4], [2, 5, 7, 4]),
    "mha_window_scores": _mha({"num_heads": 2, "key_dim": 3, "sliding_window": 2,
                               "return_attention_scores": True}, [2, 5, 4], [2, 7, 4]),
    "mha_window_dropout_axis0": _mha({"num_heads": 2, "key_dim": 3, "sliding_window": 2,
                                      "dropout": 0.1, "attention_axes": [0]}, [2, 5, 4], [2, 5, 4]),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_found_cases_match_keras(name):
    spec = ERROR_CASES[name]
    report = shapecheck.analyze(copy.deepcopy(spec))
    ok, why = _keras_accepts(spec)
    assert report.ok == ok, f"Keras {'runs' if ok else 'fails: ' + why}; shapecheck {report.errors}"


def test_every_class_is_registered():
    from shapecheck.rules import REGISTRY

    assert set(A.CLASSES) <= set(REGISTRY)
