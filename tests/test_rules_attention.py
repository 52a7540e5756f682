"""Table cases for Attention, AdditiveAttention, MultiHeadAttention, GroupQueryAttention
and EinsumDense: layer config and input shapes -> output shapes, weight paths and shapes,
params (Keras 3.15.1's numbers; tests/test_differential_attention.py re-derives them from
Keras), the errors Keras raises (or meets when the model first runs), named sizes, and
the ways a model calls these layers, in a spec and in a Keras JSON config."""

from __future__ import annotations

import json

import pytest
import sympy
from helpers import run  # noqa: E402

import shapecheck
from shapecheck.reading import keras_config

N = None




MHA = {"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4}
GQA = {"type": "GroupQueryAttention", "head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}

CASES = [
    # (id, layer, input shapes, output shapes, {weight path: (shape, trainable)}, params)
    ("attention", {"type": "Attention"}, [[N, 5, 8], [N, 7, 8]], [(N, 5, 8)], {}, 0),
    ("attention-key-scores", {"type": "Attention", "return_attention_scores": True},
     [[N, 5, 8], [N, 7, 6], [N, 7, 8]], [(N, 5, 6), (N, 5, 7)], {}, 0),
    ("attention-scale-concat", {"type": "Attention", "use_scale": True, "score_mode": "concat"},
     [[N, 5, 8], [N, 7, 8]], [(N, 5, 8)], {"l/scale": ((), True), "l/concat_score_weight": ((), True)},
     2),
    ("attention-concat-broadcast", {"type": "Attention", "score_mode": "concat"},
     [[N, 5, 1], [N, 7, 6], [N, 7, 4]], [(N, 5, 6)], {"l/concat_score_weight": ((), True)}, 1),
    ("attention-rank4", {"type": "Attention", "return_attention_scores": True},
     [[N, 3, 5, 4], [N, 3, 7, 4]], [(N, 3, 5, 4), (N, 3, 5, 7)], {}, 0),
    ("attention-rank2", {"type": "Attention", "return_attention_scores": True}, [[N, 4], [N, 4]],
     [(N, 4), (N, N)], {}, 0),
    ("additive", {"type": "AdditiveAttention"}, [[N, 5, 8], [N, 7, 8]], [(N, 5, 8)],
     {"l/scale": ((8,), True)}, 8),
    ("additive-key-noscale", {"type": "AdditiveAttention", "use_scale": False,
                              "return_attention_scores": True},
     [[N, 5, 4], [N, 7, 6], [N, 7, 1]], [(N, 5, 6), (N, 5, 7)], {}, 0),
    ("mha-self", MHA, [[N, 5, 8], [N, 5, 8]], [(N, 5, 8)],
     {"l/query/kernel": ((8, 2, 4), True), "l/query/bias": ((2, 4), True),
      "l/key/kernel": ((8, 2, 4), True), "l/key/bias": ((2, 4), True),
      "l/value/kernel": ((8, 2, 4), True), "l/value/bias": ((2, 4), True),
      "l/attention_output/kernel": ((2, 4, 8), True), "l/attention_output/bias": ((8,), True)}, 288),
    ("mha-cross-key-value-dim-output-shape",
     {**MHA, "value_dim": 3, "output_shape": [2, 5], "return_attention_scores": True},
     [[N, 5, 8], [N, 7, 6], [N, 7, 3]], [(N, 5, 2, 5), (N, 2, 5, 7)],
     {"l/query/kernel": ((8, 2, 4), True), "l/query/bias": ((2, 4), True),
      "l/key/kernel": ((3, 2, 4), True), "l/key/bias": ((2, 4), True),
      "l/value/kernel": ((6, 2, 3), True), "l/value/bias": ((2, 3), True),
      "l/attention_output/kernel": ((2, 3, 2, 5), True), "l/attention_output/bias": ((2, 5), True)},
     216),
    ("mha-no-bias-gate", {**MHA, "use_bias": False, "use_gate": True, "output_shape": 3},
     [[N, 5, 8], [N, 7, 6]], [(N, 5, 3)],
     {"l/query/kernel": ((8, 2, 4), True), "l/key/kernel": ((6, 2, 4), True),
      "l/gate/kernel": ((8, 2, 4), True), "l/value/kernel": ((6, 2, 4), True),
      "l/attention_output/kernel": ((2, 4, 3), True)}, 248),
    ("mha-rank4-default-axes", {**MHA, "return_attention_scores": True},
     [[N, 5, 6, 4], [N, 7, 8, 4]], [(N, 5, 6, 4), (N, 2, 5, 6, 7, 8)],
     {"l/query/kernel": ((4, 2, 4), True), "l/query/bias": ((2, 4), True),
      "l/key/kernel": ((4, 2, 4), True), "l/key/bias": ((2, 4), True),
      "l/value/kernel": ((4, 2, 4), True), "l/value/bias": ((2, 4), True),
      "l/attention_output/kernel": ((2, 4, 4), True), "l/attention_output/bias": ((4,), True)}, 156),
    ("mha-rank4-axes", {**MHA, "attention_axes": [2, 1], "return_attention_scores": True},
     [[N, 5, 6, 4], [N, 7, 8, 4]], [(N, 5, 6, 4), (N, 2, 6, 5, 8, 7)], None, 156),
    ("mha-rank4-axis-negative", {**MHA, "attention_axes": -2, "return_attention_scores": True},
     [[N, 5, 6, 4], [N, 5, 8, 4]], [(N, 5, 6, 4), (N, 5, 2, 6, 8)], None, 156),
    ("mha-axes-heads", {**MHA, "attention_axes": 2, "return_attention_scores": True},
     [[N, 5, 8], [N, 5, 8]], [(N, 5, 8), (N, 5, 2, 2)], None, 288),
    ("mha-axes-ignored-when-fused", {**MHA, "attention_axes": [0, 2]}, [[N, 5, 8], [N, 7, 8]],
     [(N, 5, 8)], None, 288),
    ("mha-axes-batch", {**MHA, "attention_axes": -3, "return_attention_scores": True},
     [[N, 5, 8], [N, 5, 8]], [(N, 5, 8), (5, 2, N, N)], None, 288),
    ("gqa", GQA, [[N, 5, 8], [N, 7, 8]], [(N, 5, 8)],
     {"l/query/kernel": ((8, 4, 3), True), "l/query/bias": ((4, 3), True),
      "l/key/kernel": ((8, 2, 3), True), "l/key/bias": ((2, 3), True),
      "l/value/kernel": ((8, 2, 3), True), "l/value/bias": ((2, 3), True),
      "l/attention_output/kernel": ((4, 3, 8), True), "l/attention_output/bias": ((8,), True)}, 320),
    ("gqa-key-gate-scores", {**GQA, "use_gate": True, "use_bias": False,
                             "return_attention_scores": True},
     [[N, 5, 8], [N, 7, 8], [N, 7, 2]], [(N, 5, 8), (N, 4, 5, 7)],
     {"l/query/kernel": ((8, 4, 3), True), "l/key/kernel": ((2, 2, 3), True),
      "l/gate/kernel": ((8, 4, 3), True), "l/value/kernel": ((8, 2, 3), True),
      "l/attention_output/kernel": ((4, 3, 8), True)}, 348),
    ("einsum-dense", {"type": "EinsumDense", "equation": "ab,bc->ac", "output_shape": 64,
                      "bias_axes": "c"}, [[N, 32]], [(N, 64)],
     {"l/kernel": ((32, 64), True), "l/bias": ((64,), True)}, 2112),
    ("einsum-sequence-none", {"type": "EinsumDense", "equation": "abc,cd->abd",
                              "output_shape": [None, 64], "bias_axes": "d"}, [[N, 32, 128]],
     [(N, N, 64)], {"l/kernel": ((128, 64), True), "l/bias": ((64,), True)}, 8256),
    ("einsum-sequence-given", {"type": "EinsumDense", "equation": "abc,cd->abd",
                               "output_shape": [32, 64], "bias_axes": "bd"}, [[N, 32, 128]],
     [(N, 32, 64)], {"l/kernel": ((128, 64), True), "l/bias": ((32, 64), True)}, 10240),
    ("einsum-heads", {"type": "EinsumDense", "equation": "abc,cde->abde",
                      "output_shape": [None, 2, 6], "bias_axes": "e"}, [[N, 3, 4]],
     [(N, N, 2, 6)], {"l/kernel": ((4, 2, 6), True), "l/bias": ((6,), True)}, 54),
    ("einsum-bias-first-to-end", {"type": "EinsumDense", "equation": "abc,cde->abed",
                                  "output_shape": [3, 6, 2], "bias_axes": "b"}, [[N, 3, 4]],
     [(N, 3, 6, 2)], {"l/kernel": ((4, 2, 6), True), "l/bias": ((3, 1, 1), True)}, 51),
    ("einsum-left-ellipsis", {"type": "EinsumDense", "equation": "...x,xy->...y",
                              "output_shape": 5, "bias_axes": "y"}, [[N, 7, 3]], [(N, 7, 5)],
     {"l/kernel": ((3, 5), True), "l/bias": ((5,), True)}, 20),
    ("einsum-right-ellipsis", {"type": "EinsumDense", "equation": "abc...,bcd->ad...",
                               "output_shape": 7, "bias_axes": "d"}, [[N, 3, 4, 5]], [(N, 7, 5)],
     {"l/kernel": ((3, 4, 7), True), "l/bias": ((7, 1), True)}, 91),
    ("einsum-lora", {"type": "EinsumDense", "equation": "abc,cde->abde", "output_shape": [N, 2, 6],
                     "bias_axes": "de", "lora_rank": 3}, [[N, 3, 4]], [(N, N, 2, 6)],
     {"l/kernel": ((4, 2, 6), False), "l/bias": ((2, 6), True), "l/lora_kernel_a": ((4, 2, 3), True),
      "l/lora_kernel_b": ((3, 6), True)}, 102),
]


@pytest.mark.parametrize("layer,shapes,outputs,weights,params", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_layer_table(layer, shapes, outputs, weights, params):
    report, got = run(layer, *shapes)
    assert report.ok, report.diagnostics
    assert [d.code for d in report.diagnostics if d.code != "SC307"] == [], report.diagnostics
    assert got.output_shapes == tuple(outputs)
    if weights is not None:
        assert {w.path: (w.shape, w.trainable) for w in got.weights} == weights
        assert [w.path for w in got.weights] == list(weights)  # Keras's order
    assert got.params == params


ERRORS = [
    # (id, layer, input shapes, code, text in the message)
    ("attention-one-input", {"type": "Attention"}, [[N, 5, 8]], "SC206", "length 2 or 3"),
    ("attention-four-inputs", {"type": "Attention"}, [[N, 5, 8]] * 4, "SC206", "length: 4"),
    ("attention-dot-widths", {"type": "Attention"}, [[N, 5, 4], [N, 7, 6], [N, 7, 3]], "SC306",
     "fails the first time it runs"),
    ("attention-key-value-positions", {"type": "Attention"}, [[N, 5, 4], [N, 7, 6], [N, 8, 4]],
     "SC306", "same number of positions"),
    ("attention-batch", {"type": "Attention"}, [[2, 5, 4], [3, 7, 4]], "SC306", "neither equal nor 1"),
    ("attention-rank1", {"type": "Attention"}, [[N], [N, 4]], "SC301", "rank 1"),
    ("additive-widths", {"type": "AdditiveAttention"}, [[N, 5, 4], [N, 7, 6], [N, 7, 3]], "SC306",
     "4 and 3 are neither equal nor 1"),
    ("additive-scale-unknown", {"type": "AdditiveAttention"}, [[N, 5, N], [N, 7, 4]], "SC302",
     "undefined"),
    ("mha-one-input", MHA, [[N, 5, 8]], "SC206", "2 or 3 tensors"),
    ("mha-key-value-positions", MHA, [[N, 5, 4], [N, 7, 4], [N, 6, 4]], "SC306",
     "All dimensions of `value` and `key`, except the last one, must be equal"),
    ("mha-key-unknown-positions", MHA, [[N, 5, 4], [N, 7, 4], [N, N, 4]], "SC306", "!="),
    ("mha-query-width-unknown", MHA, [[N, 5, N], [N, 7, 4]], "SC302", "query"),
    ("mha-value-width-unknown", MHA, [[N, 5, 4], [N, 7, N]], "SC302", "value"),
    ("mha-rank2", MHA, [[N, 4], [N, 4]], "SC301", "rank >= 3"),
    ("mha-ranks-differ", MHA, [[N, 5, 4], [N, 7, 8, 4]], "SC301", "one rank"),
    ("mha-batch", MHA, [[2, 5, 4], [3, 7, 4]], "SC306", "batch"),
    ("mha-unattended-axis", {**MHA, "attention_axes": [1]}, [[N, 5, 6, 4], [N, 7, 8, 4]], "SC306",
     "not attended over"),
    ("mha-unattended-axis-rank3", {**MHA, "attention_axes": [0], "dropout": 0.1},
     [[N, 5, 4], [N, 7, 4]], "SC306", "not attended over"),
    ("mha-axes-range", {**MHA, "attention_axes": 3, "dropout": 0.1}, [[N, 5, 4], [N, 5, 4]], "SC403",
     "3 is out of range"),
    ("mha-axes-build", {**MHA, "attention_axes": 4}, [[N, 5, 4], [N, 5, 4]], "SC403",
     "when it builds the layer"),
    ("mha-axes-repeated", {**MHA, "attention_axes": [1, 1]}, [[N, 5, 6, 4], [N, 5, 6, 4]], "SC403",
     "repeated"),
    ("mha-flash-dropout", {**MHA, "flash_attention": True, "dropout": 0.1}, [[N, 5, 4], [N, 5, 4]],
     "SC403", "Dropout is not supported"),
    ("mha-flash-scores", {**MHA, "flash_attention": True, "return_attention_scores": True},
     [[N, 5, 4], [N, 5, 4]], "SC403", "Returning attention scores"),
    ("mha-output-shape-none", {**MHA, "output_shape": [None, 3]}, [[N, 5, 4], [N, 5, 4]], "SC403",
     "output_shape"),
    ("mha-num-heads-zero", {**MHA, "num_heads": 0}, [[N, 5, 4], [N, 5, 4]], "SC403", ">= 1"),
    ("gqa-divisible", {**GQA, "num_key_value_heads": 3}, [[N, 5, 8], [N, 7, 8]], "SC403",
     "must be divisible"),
    ("gqa-widths", GQA, [[N, 5, 8], [N, 7, 6]], "SC306",
     "The last dimension of `query_shape` and `value_shape` must be equal"),
    ("gqa-width-unknown", GQA, [[N, 5, 8], [N, 7, N]], "SC306", "must be equal"),
    ("gqa-rank4", GQA, [[N, 5, 6, 8], [N, 7, 6, 8]], "SC301", "expected ndim=3"),
    ("gqa-key-positions", GQA, [[N, 5, 8], [N, 7, 8], [N, 6, 8]], "SC306", "except the last one"),
    ("einsum-bad-equation", {"type": "EinsumDense", "equation": "abc, cd -> abd",
                             "output_shape": [N, 6]}, [[N, 3, 4]], "SC403", "Invalid einsum equation"),
    ("einsum-middle-ellipsis", {"type": "EinsumDense", "equation": "a...c,cd->a...d",
                                "output_shape": 6}, [[N, 3, 4]], "SC403", "Invalid einsum equation"),
    ("einsum-shared-mismatch", {"type": "EinsumDense", "equation": "abc,cd->abd",
                                "output_shape": [31, 64]}, [[N, 32, 128]], "SC306",
     "do not match at shared dimension 'b'"),
    ("einsum-shared-unknown-input", {"type": "EinsumDense", "equation": "abc,cd->abd",
                                     "output_shape": [3, 6]}, [[N, N, 4]], "SC306", "shared dimension"),
    ("einsum-kernel-unknown", {"type": "EinsumDense", "equation": "abc,cd->abd",
                               "output_shape": [N, 6]}, [[N, 3, N]], "SC302", "letter 'c'"),
    ("einsum-kernel-none-output", {"type": "EinsumDense", "equation": "abc,cbd->abd",
                                   "output_shape": [N, 6]}, [[N, 3, 4]], "SC302", "output_shape[0]"),
    ("einsum-bias-none", {"type": "EinsumDense", "equation": "abc,cd->abd",
                          "output_shape": [N, 6], "bias_axes": "bd"}, [[N, 3, 4]], "SC302",
     "bias axis for letter 'b'"),
    ("einsum-bias-letter", {"type": "EinsumDense", "equation": "abc,cd->abd",
                            "output_shape": [N, 6], "bias_axes": "c"}, [[N, 3, 4]], "SC403",
     "Bias dimension 'c' was requested"),
    ("einsum-output-letter", {"type": "EinsumDense", "equation": "abc,cd->abe",
                              "output_shape": [N, 6]}, [[N, 3, 4]], "SC403", "Dimension 'e'"),
    ("einsum-weight-letter", {"type": "EinsumDense", "equation": "abc,ce->abd",
                              "output_shape": [N, 6]}, [[N, 3, 4]], "SC403", "Dimension 'd'"),
    ("einsum-rank", {"type": "EinsumDense", "equation": "ab,bc->ac", "output_shape": 6},
     [[N, 3, 4]], "SC301", "names 2 axes"),
    ("einsum-output-shape-short", {"type": "EinsumDense", "equation": "abc,cd->abd",
                                   "output_shape": [6]}, [[N, 3, 4]], "SC403", "too short"),
    ("einsum-lora-constraint", {"type": "EinsumDense", "equation": "ab,bc->ac", "output_shape": 6,
                                "lora_rank": 2, "kernel_constraint": "max_norm"}, [[N, 3]], "SC403",
     "Lora is incompatible with kernel constraints"),
]


@pytest.mark.parametrize("layer,shapes,code,text", [c[1:] for c in ERRORS],
                         ids=[c[0] for c in ERRORS])
def test_layer_errors(layer, shapes, code, text):
    report, _ = run(layer, *shapes)
    assert not report.ok
    found = [d for d in report.diagnostics if d.code == code]
    assert found, report.diagnostics
    assert text.lower() in (found[0].message + (found[0].hint or "")).lower(), found[0]


# --- Keras's static shape is wrong: the computed shape, and SC307 ------------------------------


def test_mha_scores_use_the_key_length_where_keras_repeats_the_query_length():
    report, got = run({**MHA, "return_attention_scores": True}, [N, 5, 8], [N, 7, 8])
    assert got.output_shapes[1] == (N, 2, 5, 7)
    [d] = report.diagnostics
    assert d.code == "SC307" and "(None, 2, 5, 5)" in d.message and report.ok
    report, got = run({**MHA, "return_attention_scores": True}, [N, "t", 8], [N, "t", 8])
    assert got.output_shapes[1] == (N, 2, sympy.Symbol("t", integer=True, positive=True),
                                    sympy.Symbol("t", integer=True, positive=True))
    assert not report.diagnostics


def test_einsum_left_ellipsis_keeps_the_order_keras_reverses():
    report, got = run({"type": "EinsumDense", "equation": "...x,xy->...y", "output_shape": 64},
                      [N, 3, 4, 128])
    assert got.output_shapes == ((N, 3, 4, 64),)
    [d] = report.diagnostics
    assert d.code == "SC307" and "(None, 4, 3, 64)" in d.message
    report, got = run({"type": "EinsumDense", "equation": "...x,xy->...y", "output_shape": 64},
                      [N, 3, 3, 128])
    assert got.output_shapes == ((N, 3, 3, 64),) and not report.diagnostics


def test_einsum_static_shape_right_only_for_some_sizes_says_when():
    """Reversed, (t, 1) under '...' is (1, t): Keras's static shape is right only if
    t == 1. The report holds the computed shape and says so (found by hypothesis)."""
    report, got = run({"type": "EinsumDense", "equation": "...bcde,bc->...de", "output_shape": [None, None]},
                      [N, "t", 1, 1, 1, "t", N])
    assert [str(d) for d in got.output_shapes[0]] == ["None", "t", "1", "t", "None"]
    [d] = report.diagnostics
    assert d.code == "SC307" and "(None, 1, t, None, None)" in d.message and "agree only if 1 == t" in d.message


def test_einsum_output_shape_too_long_and_attention_rank2_causal():
    report, got = run({"type": "EinsumDense", "equation": "abc,cd->abd", "output_shape": [3, 6, 5]},
                      [N, 3, 4])
    assert got.output_shapes == ((N, 3, 6),)
    assert [d.code for d in report.diagnostics] == ["SC307"]
    report, got = run({"type": "Attention", "use_causal_mask": True}, [N, 4], [N, 4])
    assert got.output_shapes == ((1, N, 4),)
    assert [d.code for d in report.diagnostics] == ["SC307"]


# --- named sizes ------------------------------------------------------------------------------


def _sym(name):
    return sympy.Symbol(name, integer=True, positive=True)


def test_named_lengths_propagate():
    t, s = _sym("t"), _sym("s")
    _, got = run({"type": "Attention", "return_attention_scores": True}, [N, "t", 8], [N, "s", 8])
    assert got.output_shapes == ((N, t, 8), (N, t, s))
    _, got = run({**GQA, "return_attention_scores": True}, [N, "2*t", 8], [N, "s + 1", 8])
    assert got.output_shapes == ((N, 2 * t, 8), (N, 4, 2 * t, s + 1))
    _, got = run({**MHA, "output_shape": 3}, [N, "t", 8], [N, "s", 6])
    assert got.output_shapes == ((N, t, 3),)
    report, got = run({"type": "EinsumDense", "equation": "...x,xy->...y", "output_shape": 5},
                      [N, "t", 4])
    assert got.output_shapes == ((N, t, 5),) and not report.diagnostics


def test_named_widths_make_named_weights():
    d = _sym("d")
    report, got = run(MHA, [N, 5, "d"], [N, 7, "d"])
    assert report.ok
    assert dict((w.path, w.shape) for w in got.weights)["l/query/kernel"] == (d, 2, 4)
    assert got.params == sympy.expand(3 * (d * 8 + 8) + 8 * d + d)
    _, got = run({"type": "EinsumDense", "equation": "abc,cd->abd", "output_shape": [N, 6]},
                 [N, 3, "d"])
    assert got.weights[0].shape == (d, 6)
    assert "input axis 2" in got.weights[0].axes[0].formula


def test_undecided_sizes_are_stated_conditions():
    report, _ = run({"type": "Attention"}, [N, 5, "d"], [N, 7, 6], [N, 7, "e"])
    assert report.ok
    [d] = report.diagnostics
    assert d.code == "SC304" and "d == e" in d.message
    report, _ = run(MHA, [N, 5, 4], [N, "t", 4], [N, "s", 4])
    assert report.ok and [d.code for d in report.diagnostics] == ["SC304"]
    assert "t == s" in report.diagnostics[0].message
    report, _ = run(MHA, [N, 5, 4], [N, "t", 4], [N, "t", 4])
    assert report.ok and not report.diagnostics
    report, _ = run({"type": "EinsumDense", "equation": "abc,cd->abd", "output_shape": [5, 6]},
                    [N, "t", 4])
    assert report.ok and [d.code for d in report.diagnostics] == ["SC304"]
    assert "t == 5" in report.diagnostics[0].message
    report, _ = run({"type": "EinsumDense", "equation": "abc,cd->abd", "output_shape": [5, 6]},
                    [N, "t", 4], dims={"t": 4})
    assert not report.ok and report.diagnostics[0].code == "SC306"


# --- explanations, trainable ------------------------------------------------------------------


def test_every_weight_axis_is_explained():
    for layer, shapes in ((MHA, ([N, 5, 8], [N, 7, 6])), ({**GQA, "use_gate": True}, ([N, 5, 8], [N, 7, 8])),
                          ({"type": "AdditiveAttention"}, ([N, 5, 8], [N, 7, 8])),
                          ({"type": "EinsumDense", "equation": "abc,cde->abed", "output_shape": [3, 6, 2],
                            "bias_axes": "b", "lora_rank": 2}, ([N, 3, 4],))):
        _, got = run(layer, *shapes)
        for w in got.weights:
            assert all(a.formula and a.why for a in w.axes), (layer, w)
    _, got = run({**MHA, "num_heads": 8, "key_dim": 64}, [N, 5, 512], [N, 5, 512])
    kernel = got.weights[0]
    assert [a.formula for a in kernel.axes] == ["query[-1]", "num_heads", "key_dim"]
    assert "512" in kernel.axes[0].why and "num_heads=8" in kernel.axes[1].why
    assert "key_dim=64" in kernel.axes[2].why


def test_trainable_false_freezes_every_weight():
    report, got = run({**MHA, "trainable": False}, [N, 5, 8], [N, 5, 8])
    assert report.trainable_params == 0 and report.non_trainable_params == got.params == 288


def test_group_query_attention_is_registered_under_both_names():
    _, got = run({**GQA, "type": "GroupedQueryAttention"}, [N, 5, 8], [N, 7, 8])
    assert got.output_shapes == ((N, 5, 8),) and got.params == 320


# --- call conventions: spec and Keras JSON ----------------------------------------------------


SPEC = """
dims: {t: {min: 1}, s: {min: 1}}
inputs:
  q: [?, t, 8]
  v: [?, s, 6]
  k: [?, s, 3]
layers:
  - {name: mha, type: MultiHeadAttention, num_heads: 2, key_dim: 4, inputs: [q, v, k],
     return_attention_scores: true}
  - {name: att, type: Attention, inputs: [q, q], return_attention_scores: true}
  - {name: out, type: Dense, units: 3, inputs: "mha[0]"}
outputs: [out, "mha[1]", att]
"""


def test_spec_calls_with_inputs_in_call_order(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(SPEC)
    report = shapecheck.analyze(str(path))
    assert report.ok, report.diagnostics
    t, s = _sym("t"), _sym("s")
    mha = report.layers["mha"]
    assert mha.input_shapes == ((N, t, 8), (N, s, 6), (N, s, 3))
    assert mha.output_shapes == ((N, t, 8), (N, 2, t, s))
    assert report.outputs == ((N, t, 3), (N, 2, t, s), (N, t, 8), (N, t, t))
    assert [d.code for d in report.diagnostics] == ["SC307"]  # Keras says (None, 2, t, t)


def _keras():
    return pytest.importorskip("keras")


def _save(tmp_path, build) -> tuple[str, list]:
    k = _keras()
    k.backend.clear_session(free_memory=False)
    inputs, outputs = build(k.layers, lambda name, d, t=7: k.Input(batch_shape=(N, t, d), name=name))
    model = k.Model(inputs, outputs)
    path = tmp_path / "m.json"
    path.write_text(model.to_json())
    return str(path), [tuple(o.shape) for o in model.outputs]


def mha_positional(L, I):
    q, v = I("q", 8, 5), I("v", 6)
    return [q, v], L.MultiHeadAttention(2, 4, name="l")(q, v)


def mha_positional_key(L, I):
    q, v, k = I("q", 8, 5), I("v", 6), I("k", 3)
    return [q, v, k], L.MultiHeadAttention(2, 4, name="l")(q, v, k)


def additive_list_key(L, I):
    q, v, k = I("q", 8, 5), I("v", 6), I("k", 8)
    return [q, v, k], L.AdditiveAttention(name="l")([q, v, k])


def einsum(L, I):
    x = I("x", 8, 5)
    return [x], L.EinsumDense("abc,cd->abd", (N, 3), bias_axes="d", name="l")(x)


def mha_keywords(L, I):
    q, v, k = I("q", 8, 5), I("v", 6), I("k", 3)
    return [q, v, k], L.MultiHeadAttention(2, 4, name="l")(query=q, key=k, value=v)


def mha_mixed_scores(L, I):
    q, v = I("q", 8, 5), I("v", 6)
    return [q, v], list(L.MultiHeadAttention(2, 4, name="l")(q, value=v, return_attention_scores=True))


def gqa_keywords(L, I):
    q, v = I("q", 8, 5), I("v", 8)
    return [q, v], L.GroupQueryAttention(3, 4, 2, name="l")(query=q, value=v)


def attention_list_scores(L, I):
    q, v = I("q", 8, 5), I("v", 8)
    return [q, v], list(L.Attention(name="l")([q, v], return_attention_scores=True))


# The reader keeps only initial_state and mask of a call's keyword arguments: query=,
# value=, key= and return_attention_scores are lost until it learns them.
_needs_reader = pytest.mark.xfail(
    not hasattr(keras_config, "INPUT_KWARGS"), strict=True,
    reason="shapecheck/reading/keras_config.py does not read query=/value=/key= or "
    "return_attention_scores from a call")

JSON_CASES = [
    mha_positional, mha_positional_key, additive_list_key, einsum,
    *(pytest.param(f, marks=_needs_reader)
      for f in (mha_keywords, mha_mixed_scores, gqa_keywords, attention_list_scores)),
]


@pytest.mark.keras
@pytest.mark.parametrize("build", JSON_CASES)
def test_keras_json_call_styles(tmp_path, build):
    """Each way of calling these layers, saved by Keras with model.to_json(): shapecheck
    reads the same inputs and finds Keras's outputs (the scores as Keras computes them)."""
    path, outputs = _save(tmp_path, build)
    report = shapecheck.analyze(path)
    assert report.ok, report.diagnostics
    data = json.loads(open(path).read())
    layer = next(layer for layer in data["config"]["layers"] if layer["config"]["name"] == "l")
    ins = [tuple(data_in["config"]["batch_shape"]) for data_in in data["config"]["layers"]
           if data_in["class_name"] == "InputLayer"]
    assert len(report.layers["l"].input_shapes) == len(ins), layer["inbound_nodes"]
    got = list(report.layers["l"].output_shapes)
    if report.layers["l"].type == "MultiHeadAttention" and len(got) == 2:
        outputs[1] = (N, 2, 5, 7)  # Keras's static (None, 2, 5, 5) repeats the query length (SC307)
    assert got == outputs


# ---- attention_mask as a call argument (issue 19): against Keras running the layer once
MASK_CASES = {
    # name: (query, value, attention_mask, MultiHeadAttention options)
    "mask_bts": ([2, 6, 8], [2, 4, 8], [2, 6, 4], {}),
    "mask_ts": ([2, 6, 8], [2, 4, 8], [6, 4], {}),
    "mask_b1s": ([2, 6, 8], [2, 4, 8], [2, 1, 4], {}),
    "mask_wrong_query_len": ([2, 6, 8], [2, 4, 8], [2, 5, 4], {}),
    "mask_wrong_key_len": ([2, 6, 8], [2, 4, 8], [2, 6, 3], {}),
    "mask_wrong_batch": ([2, 6, 8], [2, 4, 8], [3, 6, 4], {}),
    "mask_unknown_batch": ([None, 6, 8], [None, 4, 8], [None, 6, 4], {}),
    "mask_and_causal": ([2, 6, 8], [2, 6, 8], [2, 6, 6], {"use_causal_mask": True}),
    "mask_against_causal": ([2, 6, 8], [2, 6, 8], [2, 5, 6], {"use_causal_mask": True}),
    "mask_against_window": ([2, 6, 8], [2, 6, 8], [2, 6, 5], {"sliding_window": 2}),
    "mask_scores_wrong_key_len": ([2, 6, 8], [2, 4, 8], [2, 6, 3], {"return_attention_scores": True}),
    "mask_scores_ts": ([2, 6, 8], [2, 4, 8], [6, 4], {"return_attention_scores": True}),
    "mask_dropout_wrong_query_len": ([2, 6, 8], [2, 4, 8], [2, 5, 4], {"dropout": 0.1}),
    "mask_rank4": ([2, 3, 6, 8], [2, 3, 4, 8], [2, 3, 6, 4], {"attention_axes": [2]}),
    "mask_rank4_wrong": ([2, 3, 6, 8], [2, 3, 4, 8], [2, 3, 5, 4], {"attention_axes": [2]}),
    "mask_rank4_two_axes": ([2, 3, 6, 8], [2, 3, 4, 8], [2, 3, 6, 3, 4], {}),
    "mask_rank4_two_axes_too_short": ([2, 3, 6, 8], [2, 3, 4, 8], [6, 4], {}),
    "mask_more_axes_than_scores": ([2, 6, 8], [2, 4, 8], [1, 2, 2, 6, 4], {}),
}


# GroupQueryAttention's attention_mask: rank-3 inputs, one attended axis, scores (batch,
# num_query_heads, Tq, Tk); the MultiHeadAttention cases that apply.
GQA_MASK_CASES = {name: case for name, case in MASK_CASES.items()
                  if len(case[0]) == 3 and "attention_axes" not in case[3]}
# The layer's own arguments, the same in Keras and in the spec.
MASKED_LAYERS = {"MultiHeadAttention": {"num_heads": 2, "key_dim": 4},
                 "GroupQueryAttention": {"head_dim": 4, "num_query_heads": 2, "num_key_value_heads": 1}}


@pytest.mark.parametrize("kind, name", [("MultiHeadAttention", n) for n in sorted(MASK_CASES)]
                         + [("GroupQueryAttention", n) for n in sorted(GQA_MASK_CASES)])
def test_attention_mask_fails_where_keras_fails_when_it_runs(kind, name):
    keras = pytest.importorskip("keras")
    import numpy as np

    q, v, m, options = MASK_CASES[name]
    call_options = {k: options[k] for k in ("use_causal_mask", "return_attention_scores") if k in options}
    layer = getattr(keras.layers, kind)(**MASKED_LAYERS[kind],
                                        **{k: o for k, o in options.items() if k not in call_options})
    ones = lambda shape: np.ones([d or 2 for d in shape], "float32")  # noqa: E731
    try:  # Keras builds every one of these; a bad mask fails the first call
        layer(ones(q), ones(v), attention_mask=ones(m).astype(bool), training=True, **call_options)
        keras_runs = True
    except Exception:  # noqa: BLE001 - Keras's error types differ by path (TF op, Softmax, NumPy axis)
        keras_runs = False
    spec = {"inputs": {"q": q, "v": v, "m": m},
            "layers": [{"type": kind, "name": "l", **MASKED_LAYERS[kind],
                        "inputs": ["q", "v"], "attention_mask": "m", **options}]}
    if options.get("return_attention_scores"):
        spec["outputs"] = ["l[0]"]
    report = shapecheck.analyze(spec)
    assert report.ok == keras_runs, [d.message for d in report.diagnostics]
    if not keras_runs:
        (error,) = report.errors
        assert error.code in ("SC306", "SC403") and "fails the first time it runs" in error.message
        assert error.message.startswith(kind)
