"""Table cases for the ConvLSTM1D/2D/3D rules (numbers are Keras 3.15's; the
differential suite test_differential_convlstm.py re-derives them from Keras itself)."""

from __future__ import annotations

import pytest
import sympy
from helpers import check_row, one_layer

import shapecheck

N = None
K, RK, B = "l/conv_lstm_cell/kernel", "l/conv_lstm_cell/recurrent_kernel", "l/conv_lstm_cell/bias"


CASES = [
    # (id, layer, input shape, output shapes, {weight path: shape}, params)
    ("1d", {"type": "ConvLSTM1D", "filters": 4, "kernel_size": 3}, [N, 5, 8, 3], [(N, 6, 4)],
     {K: (3, 3, 16), RK: (3, 4, 16), B: (16,)}, 352),
    ("1d-same-strides-seq", {"type": "ConvLSTM1D", "filters": 2, "kernel_size": 4, "strides": 3,
                             "padding": "same", "return_sequences": True}, [N, 5, 9, 2], [(N, 5, 3, 2)],
     {K: (4, 2, 8), RK: (4, 2, 8), B: (8,)}, 136),
    ("1d-upper-case-padding", {"type": "ConvLSTM1D", "filters": 1, "kernel_size": 2, "padding": "SAME"},
     [N, 3, 4, 1], [(N, 4, 1)], {K: (2, 1, 4), RK: (2, 1, 4), B: (4,)}, 20),
    ("1d-stateful-unroll", {"type": "ConvLSTM1D", "filters": 2, "kernel_size": 2, "stateful": True,
                            "unroll": True, "go_backwards": True, "dropout": 0.5,
                            "recurrent_dropout": 0.25, "unit_forget_bias": False, "seed": 3},
     [4, 3, 5, 2], [(4, 4, 2)], {K: (2, 2, 8), RK: (2, 2, 8), B: (8,)}, 72),
    ("2d-return-state", {"type": "ConvLSTM2D", "filters": 4, "kernel_size": 3, "return_state": True},
     [N, 5, 8, 7, 3], [(N, 6, 5, 4), (N, 6, 5, 4), (N, 6, 5, 4)],
     {K: (3, 3, 3, 16), RK: (3, 3, 4, 16), B: (16,)}, 1024),
    ("2d-seq-and-state", {"type": "ConvLSTM2D", "filters": 4, "kernel_size": 3, "return_state": True,
                          "return_sequences": True}, [N, 5, 8, 7, 3],
     [(N, 5, 6, 5, 4), (N, 6, 5, 4), (N, 6, 5, 4)],
     {K: (3, 3, 3, 16), RK: (3, 3, 4, 16), B: (16,)}, 1024),
    ("2d-channels-first-seq", {"type": "ConvLSTM2D", "filters": 2, "kernel_size": [3, 2],
                               "data_format": "channels_first", "return_sequences": True},
     [N, 4, 3, 8, 7], [(N, 4, 2, 6, 6)], {K: (3, 2, 3, 8), RK: (3, 2, 2, 8), B: (8,)}, 248),
    ("2d-channels-first-state", {"type": "ConvLSTM2D", "filters": 4, "kernel_size": 3,
                                 "data_format": "channels_first", "return_state": True},
     [N, 5, 3, 8, 7], [(N, 4, 6, 5)] * 3, {K: (3, 3, 3, 16), RK: (3, 3, 4, 16), B: (16,)}, 1024),
    ("2d-dilated", {"type": "ConvLSTM2D", "filters": 1, "kernel_size": 3, "dilation_rate": 2},
     [N, 3, 9, 9, 1], [(N, 5, 5, 1)], {K: (3, 3, 1, 4), RK: (3, 3, 1, 4), B: (4,)}, 76),
    ("2d-no-bias-null-format", {"type": "ConvLSTM2D", "filters": 3, "kernel_size": 1, "strides": 2,
                                "use_bias": False, "data_format": None}, [N, N, 6, 6, 2],
     [(N, 3, 3, 3)], {K: (1, 1, 2, 12), RK: (1, 1, 3, 12)}, 60),
    ("2d-same-unknown-time", {"type": "ConvLSTM2D", "filters": 2, "kernel_size": [1, 3],
                              "strides": [2, 1], "padding": "same", "return_sequences": True},
     [N, N, 5, 5, 1], [(N, N, 3, 5, 2)], {K: (1, 3, 1, 8), RK: (1, 3, 2, 8), B: (8,)}, 80),
    ("3d", {"type": "ConvLSTM3D", "filters": 2, "kernel_size": 2}, [N, 2, 3, 4, 5, 2], [(N, 2, 3, 4, 2)],
     {K: (2, 2, 2, 2, 8), RK: (2, 2, 2, 2, 8), B: (8,)}, 264),
    ("3d-channels-first-same", {"type": "ConvLSTM3D", "filters": 1, "kernel_size": [1, 2, 3],
                                "strides": [1, 2, 2], "padding": "same", "data_format": "channels_first",
                                "return_sequences": True, "return_state": True},
     [N, 2, 1, 3, 4, 5], [(N, 2, 1, 3, 2, 3), (N, 1, 3, 2, 3), (N, 1, 3, 2, 3)],
     {K: (1, 2, 3, 1, 4), RK: (1, 2, 3, 1, 4), B: (4,)}, 52),
    ("3d-dilated-no-bias", {"type": "ConvLSTM3D", "filters": 1, "kernel_size": 2, "dilation_rate": [1, 2, 1],
                            "use_bias": False}, [N, 1, 2, 3, 2, 1], [(N, 1, 1, 1, 1)],
     {K: (2, 2, 2, 1, 4), RK: (2, 2, 2, 1, 4)}, 64),
]


@pytest.mark.parametrize("layer,shape,outputs,weights,params",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_table(layer, shape, outputs, weights, params):
    check_row(layer, shape, outputs, weights, params)


def test_named_sizes_give_exact_expressions():
    t, H, W = sympy.symbols("t H W", integer=True, positive=True)
    report, got = one_layer({"type": "ConvLSTM2D", "filters": 4, "kernel_size": 3, "strides": [2, 1],
                             "return_sequences": True, "return_state": True},
                            [None, "t", "H", "W", 3], dims={"H": {"min": 3}, "W": {"min": 3}})
    assert report.ok and not report.diagnostics, report.diagnostics
    seq, h, c = got.output_shapes
    assert seq == (None, t, sympy.floor((H - 3) / 2) + 1, W - 2, 4)
    assert h == c == (None, sympy.floor((H - 3) / 2) + 1, W - 2, 4)
    assert got.params == 3 * 3 * 3 * 16 + 3 * 3 * 4 * 16 + 16  # no symbol in any weight
    _, same = one_layer({"type": "ConvLSTM1D", "filters": 2, "kernel_size": 2, "strides": 3,
                         "padding": "same", "data_format": "channels_first"}, [None, 7, 5, "H"])
    assert same.output_shapes == ((None, 2, sympy.ceiling(H / 3)),)
    _, time_only = one_layer({"type": "ConvLSTM1D", "filters": 2, "kernel_size": 2,
                              "return_sequences": True}, [None, "2*t", 5, 1])
    assert time_only.output_shapes == ((None, 2 * t, 4, 2),)


def test_symbolic_sizes_substitute_like_keras():
    spec = {"inputs": {"x": [None, "t", "H", 10, 2]},
            "layers": [{"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3, "strides": 2,
                        "return_sequences": True},
                       {"type": "ConvLSTM2D", "filters": 1, "kernel_size": 2, "padding": "same",
                        "strides": 2}]}
    for h in (3, 4, 9, 20):
        for steps in (1, 6):
            bound = shapecheck.analyze(spec, dims={"H": h, "t": steps})
            assert bound.ok, bound.diagnostics
            first = (h - 3) // 2 + 1
            assert bound.layers["conv_lstm2d"].output_shapes == ((None, steps, first, 4, 2),)
            assert bound.layers["conv_lstm2d_1"].output_shapes == ((None, -(-first // 2), 2, 1),)


def test_named_size_without_a_minimum_is_a_stated_condition():
    report, _ = one_layer({"type": "ConvLSTM1D", "filters": 2, "kernel_size": 3}, [None, "t", "n", 3])
    assert report.ok
    [d] = report.diagnostics
    assert d.code == "SC304" and "n - 2" in d.message and ">= 1" in d.message
    ok, _ = one_layer({"type": "ConvLSTM1D", "filters": 2, "kernel_size": 3}, [None, "t", "n", 3],
                      dims={"n": {"min": 3}})
    assert ok.ok and not ok.diagnostics


@pytest.mark.parametrize("layer,shape,code,arg,text", [
    ({"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3}, [None, 5, 8, 3], "SC301", None,
     "expected ndim=5, found ndim=4"),
    ({"type": "ConvLSTM1D", "filters": 2, "kernel_size": 3}, [None, 8, 3], "SC301", None,
     "expected ndim=4, found ndim=3"),
    ({"type": "ConvLSTM3D", "filters": 2, "kernel_size": 3}, [None, 5, 8, 8, 3], "SC301", None,
     "expected ndim=6, found ndim=5"),
    ({"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2},
     [None, 3, 9, 9, 3], "SC403", "dilation_rate", "`strides > 1` is not compatible"),
    ({"type": "ConvLSTM1D", "filters": 2, "kernel_size": 3, "padding": "causal"}, [None, 3, 9, 3],
     "SC403", "padding", "causal"),
    ({"type": "ConvLSTM2D", "filters": 2, "kernel_size": [3, 3, 3]}, [None, 3, 9, 9, 3], "SC403",
     "kernel_size", "list of 2 integers"),
    ({"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3, "strides": 0}, [None, 3, 9, 9, 3], "SC403",
     "strides", ">= 1"),
    ({"type": "ConvLSTM2D", "kernel_size": 3}, [None, 3, 9, 9, 3], "SC404", None, "filters"),
    ({"type": "ConvLSTM2D", "units": 3, "filters": 2, "kernel_size": 3}, [None, 3, 9, 9, 3], "SC402",
     "units", "units"),
    ({"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3, "use_cudnn": True}, [None, 3, 9, 9, 3],
     "SC402", "use_cudnn", "use_cudnn"),
    ({"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3, "dropout": "0.5"}, [None, 3, 9, 9, 3],
     "SC403", "dropout", "number"),
    ({"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3}, [None, 3, None, 9, 3], "SC302", None,
     "static input shapes for the spatial dimension"),
    ({"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3, "data_format": "channels_first"},
     [None, 3, 2, 9, None], "SC302", None, "static input shapes"),
    ({"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3}, [None, 3, 9, 9, None], "SC302", None,
     "channel axis"),
    ({"type": "ConvLSTM3D", "filters": 2, "kernel_size": 3, "data_format": "channels_first"},
     [None, 3, None, 4, 4, 4], "SC302", None, "channel axis"),
    ({"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3, "stateful": True}, [None, 3, 9, 9, 3],
     "SC403", "stateful", "batch size must be static"),
    ({"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3, "unroll": True}, [None, None, 9, 9, 3],
     "SC403", "unroll", "timesteps"),
    ({"type": "ConvLSTM2D", "filters": 2, "kernel_size": 5}, [None, 3, 4, 9, 3], "SC308", None,
     "axis 2 would be floor((n - ((k - 1)*d + 1)) / s) + 1 = floor((4 - ((5 - 1)*1 + 1)) / 1) + 1 = 0"),
    ({"type": "ConvLSTM1D", "filters": 2, "kernel_size": 3, "dilation_rate": 4}, [None, 3, 8, 2],
     "SC308", None, "((3 - 1)*4 + 1)"),
])
def test_findings(layer, shape, code, arg, text):
    report, _ = one_layer(layer, shape)
    assert not report.ok
    [d] = [d for d in report.diagnostics if d.severity.value == "error"]
    assert d.code == code and text in d.message, d.message


def test_symbolic_window_that_never_fits_is_an_error_only_when_concrete():
    report, got = one_layer({"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3},
                            [None, "t", "H", 9, 3], dims={"H": {"min": 3}})
    assert report.ok and got.output_shapes[0][2] == 7
    bound = shapecheck.analyze({"inputs": {"x": [None, "t", "H", 9, 3]},
                                "layers": [{"name": "l", "type": "ConvLSTM2D", "filters": 2,
                                            "kernel_size": 3}]}, dims={"H": 2, "t": 4})
    assert not bound.ok and [d.code for d in bound.diagnostics] == ["SC308"]


def test_weight_axes_explain_themselves():
    _, got = one_layer({"type": "ConvLSTM2D", "filters": 8, "kernel_size": [3, 5]}, [None, 4, 9, 9, 6])
    w = {w.path: w for w in got.weights}
    assert [(a.size, a.formula) for a in w[K].axes] == [
        (3, "kernel_size[0]"), (5, "kernel_size[1]"), (6, "input_channels"), (32, "4*filters")]
    assert [(a.size, a.formula) for a in w[RK].axes] == [
        (3, "kernel_size[0]"), (5, "kernel_size[1]"), (8, "filters"), (32, "4*filters")]
    assert [(a.size, a.formula) for a in w[B].axes] == [(32, "4*filters")]
    assert all(a.why for weight in got.weights for a in weight.axes)
    assert "4 gates x filters 8" in w[K].axes[-1].why
    assert "input, forget, cell, output" in w[B].axes[0].why
    assert "stride 1 and 'same' padding" in w[RK].axes[0].why
    assert any("return_sequences=False" in s for s in got.why)


def test_default_names_follow_keras():
    report = shapecheck.analyze({"inputs": {"x": [None, 4, 8, 8, 3]}, "layers": [
        {"type": "ConvLSTM2D", "filters": 2, "kernel_size": 3, "return_sequences": True},
        {"type": "ConvLSTM2D", "filters": 2, "kernel_size": 1, "use_bias": False}]})
    assert report.ok, report.diagnostics
    paths = [w.path for layer in report.layers.values() for w in layer.weights]
    assert paths == ["conv_lstm2d/conv_lstm_cell/kernel", "conv_lstm2d/conv_lstm_cell/recurrent_kernel",
                     "conv_lstm2d/conv_lstm_cell/bias", "conv_lstm2d_1/conv_lstm_cell/kernel",
                     "conv_lstm2d_1/conv_lstm_cell/recurrent_kernel"]
    assert report.outputs == ((None, 6, 6, 2),)


def test_trainable_false_freezes_every_weight():
    report, got = one_layer({"type": "ConvLSTM1D", "filters": 2, "kernel_size": 2, "trainable": False},
                            [None, 3, 4, 1])
    assert report.ok and got.params == 2 * 1 * 8 + 2 * 2 * 8 + 8
    assert not any(w.trainable for w in got.weights)


def _encoder_decoder(state_refs, dec_input, **dec):
    return {"inputs": {"src": [None, 5, 8, 8, 3], "tgt": dec_input},
            "layers": [{"name": "enc", "type": "ConvLSTM2D", "filters": 4, "kernel_size": 3,
                        "padding": "same", "return_state": True, "inputs": "src"},
                       {"name": "dec", "type": "ConvLSTM2D", "filters": 4, "kernel_size": 3,
                        "padding": "same", "inputs": "tgt", "initial_state": state_refs, **dec}]}


def test_initial_state_from_an_encoder():
    report = shapecheck.analyze(_encoder_decoder(["enc[1]", "enc[2]"], [None, 3, 8, 8, 2]))
    assert report.ok and not report.diagnostics, report.diagnostics
    assert report.layers["dec"].output_shapes == ((None, 8, 8, 4),)


@pytest.mark.parametrize("refs,dec_input,dec,text", [
    (["enc[1]"], [None, 3, 8, 8, 2], {}, "takes 2 initial state tensors (h, c), got 1"),
    (["enc[1]", "enc[2]"], [None, 3, 8, 8, 2], {"filters": 5}, "axis 3 is 4, not 5"),
    (["enc[1]", "enc[2]"], [None, 3, 10, 8, 2], {}, "axis 1 is 8, not 10"),
    (["enc[1]", "enc[2]"], [None, 3, 8, 8, 2], {"padding": "valid"}, "axis 1 is 8, not 6"),
    (["enc[1]", "enc[2]"], [None, 3, 2, 8, 8], {"data_format": "channels_first"},
     "the states are (batch, 4, 8, 8): axis 1 is 8, not 4"),
    (["enc", "enc[1]"], [None, 3, 8, 8, 2], {}, "got 4"),
])
def test_initial_state_mismatch(refs, dec_input, dec, text):
    report = shapecheck.analyze(_encoder_decoder(refs, dec_input, **dec))
    assert not report.ok
    [d] = [d for d in report.diagnostics if d.severity.value == "error"]
    assert d.code == "SC305" and text in d.message, d.message


def test_initial_state_of_a_wrong_rank():
    spec = {"inputs": {"x": [None, 3, 8, 2], "h": [None, 4], "c": [None, 4]},
            "layers": [{"name": "l", "type": "ConvLSTM1D", "filters": 4, "kernel_size": 1,
                        "inputs": "x", "initial_state": ["h", "c"]}]}
    report = shapecheck.analyze(spec)
    [d] = report.diagnostics
    assert d.code == "SC305" and "must be (batch, 8, 4)" in d.message, d.message


def test_initial_state_with_named_sizes_is_a_condition():
    spec = {"inputs": {"x": [None, "t", "H", 2], "h": [None, "G", 3], "c": [None, "H", 3]},
            "layers": [{"name": "l", "type": "ConvLSTM1D", "filters": 3, "kernel_size": 1,
                        "inputs": "x", "initial_state": ["h", "c"]}]}
    report = shapecheck.analyze(spec)
    assert report.ok
    [d] = report.diagnostics
    assert d.code == "SC304" and "G == H" in d.message, d.message


def test_rank_error_after_a_conv_lstm_names_return_sequences():
    report = shapecheck.analyze({"inputs": {"x": [None, 4, 8, 8, 3]}, "layers": [
        {"name": "enc", "type": "ConvLSTM2D", "filters": 2, "kernel_size": 3},
        {"type": "ConvLSTM2D", "filters": 2, "kernel_size": 1}]})
    [d] = report.diagnostics
    assert d.code == "SC301" and "return_sequences: true" in d.hint and "'enc'" in d.hint


def test_bidirectional_wraps_a_conv_lstm():
    report, got = one_layer({"type": "Bidirectional", "layer": {"type": "ConvLSTM1D", "filters": 3,
                                                                "kernel_size": 2, "return_state": True}},
                            [None, 4, 6, 2])
    assert report.ok, report.diagnostics
    assert got.output_shapes == ((None, 5, 6),) + ((None, 5, 3),) * 4
    assert [w.path for w in got.weights][:3] == [
        "l/forward_conv_lstm1d/conv_lstm_cell/kernel", "l/forward_conv_lstm1d/conv_lstm_cell/recurrent_kernel",
        "l/forward_conv_lstm1d/conv_lstm_cell/bias"]
