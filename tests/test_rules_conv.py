"""Table cases for the convolution and pooling rules (numbers are Keras 3.15's; the
differential suite test_differential_conv.py re-derives them from Keras itself)."""

from __future__ import annotations

import pytest
import sympy
from helpers import check_row, one_layer

import shapecheck

N = None


CASES = [
    # (id, layer, input shape, output shapes, {weight path: shape}, params)
    ("conv1d", {"type": "Conv1D", "filters": 4, "kernel_size": 3}, [N, 10, 2], [(N, 8, 4)],
     {"l/kernel": (3, 2, 4), "l/bias": (4,)}, 28),
    ("conv1d-causal-dilated", {"type": "Conv1D", "filters": 4, "kernel_size": 3, "padding": "causal",
                               "dilation_rate": 2}, [N, 10, 3], [(N, 10, 4)],
     {"l/kernel": (3, 3, 4), "l/bias": (4,)}, 40),
    ("conv1d-same-stride", {"type": "Conv1D", "filters": 2, "kernel_size": 4, "strides": 3,
                            "padding": "same"}, [N, 10, 1], [(N, 4, 2)],
     {"l/kernel": (4, 1, 2), "l/bias": (2,)}, 10),
    ("conv2d", {"type": "Conv2D", "filters": 8, "kernel_size": 3, "strides": 2}, [N, 32, 28, 3],
     [(N, 15, 13, 8)], {"l/kernel": (3, 3, 3, 8), "l/bias": (8,)}, 224),
    ("conv2d-groups", {"type": "Conv2D", "filters": 6, "kernel_size": [1, 3], "groups": 3,
                       "use_bias": False}, [N, 5, 5, 9], [(N, 5, 3, 6)],
     {"l/kernel": (1, 3, 3, 6)}, 54),
    ("conv2d-channels-first", {"type": "Conv2D", "filters": 4, "kernel_size": 2,
                               "data_format": "channels_first"}, [N, 3, 6, 7], [(N, 4, 5, 6)],
     {"l/kernel": (2, 2, 3, 4), "l/bias": (4,)}, 52),
    ("conv2d-unknown-spatial", {"type": "Conv2D", "filters": 2, "kernel_size": 3}, [N, N, 5, 1],
     [(N, N, 3, 2)], {"l/kernel": (3, 3, 1, 2), "l/bias": (2,)}, 20),
    ("conv3d", {"type": "Conv3D", "filters": 2, "kernel_size": [1, 2, 3], "padding": "same",
                "strides": [1, 2, 2]}, [N, 4, 5, 6, 3], [(N, 4, 3, 3, 2)],
     {"l/kernel": (1, 2, 3, 3, 2), "l/bias": (2,)}, 38),
    ("conv1d-transpose", {"type": "Conv1DTranspose", "filters": 3, "kernel_size": 3, "strides": 2},
     [N, 5, 2], [(N, 11, 3)], {"l/kernel": (3, 3, 2), "l/bias": (3,)}, 21),
    ("conv2d-transpose-small-kernel", {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 1,
                                       "strides": 3}, [N, 4, 4, 1], [(N, 12, 12, 2)],
     {"l/kernel": (1, 1, 2, 1), "l/bias": (2,)}, 4),
    ("conv2d-transpose-output-padding", {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 3,
                                         "strides": 2, "padding": "same", "output_padding": [0, 1]},
     [N, 4, 4, 3], [(N, 7, 8, 2)], {"l/kernel": (3, 3, 2, 3), "l/bias": (2,)}, 56),
    ("conv3d-transpose", {"type": "Conv3DTranspose", "filters": 1, "kernel_size": 2,
                          "padding": "same", "strides": 2}, [N, 2, 3, 4, 2], [(N, 4, 6, 8, 1)],
     {"l/kernel": (2, 2, 2, 1, 2), "l/bias": (1,)}, 17),
    ("separable-conv2d", {"type": "SeparableConv2D", "filters": 4, "kernel_size": 3,
                          "depth_multiplier": 2}, [N, 8, 8, 6], [(N, 6, 6, 4)],
     {"l/depthwise_kernel": (3, 3, 6, 2), "l/pointwise_kernel": (1, 1, 12, 4), "l/bias": (4,)}, 160),
    ("separable-conv1d", {"type": "SeparableConv1D", "filters": 2, "kernel_size": 2,
                          "use_bias": False}, [N, 5, 3], [(N, 4, 2)],
     {"l/depthwise_kernel": (2, 3, 1), "l/pointwise_kernel": (1, 3, 2)}, 12),
    ("depthwise-conv2d", {"type": "DepthwiseConv2D", "kernel_size": 3, "depth_multiplier": 2,
                          "strides": 2, "dilation_rate": 2}, [N, 9, 9, 3], [(N, 3, 3, 6)],
     {"l/kernel": (3, 3, 3, 2), "l/bias": (6,)}, 60),
    ("depthwise-conv1d-cf", {"type": "DepthwiseConv1D", "kernel_size": 3, "depth_multiplier": 2,
                             "data_format": "channels_first"}, [N, 3, 8], [(N, 6, 6)],
     {"l/kernel": (3, 3, 2), "l/bias": (6,)}, 24),
    ("maxpool1d-default", {"type": "MaxPooling1D"}, [N, 7, 3], [(N, 3, 3)], {}, 0),
    ("maxpool2d-same", {"type": "MaxPooling2D", "pool_size": 3, "strides": 2, "padding": "same"},
     [N, 7, 8, 3], [(N, 4, 4, 3)], {}, 0),
    ("avgpool2d-cf", {"type": "AveragePooling2D", "pool_size": [2, 3],
                      "data_format": "channels_first"}, [N, 3, 7, 8], [(N, 3, 3, 2)], {}, 0),
    ("avgpool3d", {"type": "AveragePooling3D", "pool_size": 2, "strides": 1}, [N, 3, 4, 5, 2],
     [(N, 2, 3, 4, 2)], {}, 0),
    ("global-max1d", {"type": "GlobalMaxPooling1D"}, [N, 7, 3], [(N, 3)], {}, 0),
    ("global-avg2d-keepdims", {"type": "GlobalAveragePooling2D", "keepdims": True}, [N, 5, 5, 4],
     [(N, 1, 1, 4)], {}, 0),
    ("global-avg3d-cf", {"type": "GlobalAveragePooling3D", "data_format": "channels_first",
                         "keepdims": True}, [N, 4, 2, 3, 5], [(N, 4, 1, 1, 1)], {}, 0),
]


@pytest.mark.parametrize("layer,shape,outputs,weights,params",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_table(layer, shape, outputs, weights, params):
    check_row(layer, shape, outputs, weights, params)


def test_named_sizes_give_exact_expressions():
    H, W = sympy.symbols("H W", integer=True, positive=True)
    spec_dims = {"H": {"min": 3}, "W": {"min": 3}}
    report, got = one_layer({"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2},
                            [None, "H", "W", 3], dims=spec_dims)
    assert report.ok and not report.diagnostics
    (out,) = got.output_shapes
    assert out[0] is None and out[3] == 4
    assert out[1] == sympy.floor((H - 3) / 2) + 1
    assert out[2] == sympy.floor((W - 3) / 2) + 1
    _, same = one_layer({"type": "MaxPooling2D", "pool_size": 2, "padding": "same"}, [None, "H", None, 3])
    assert same.output_shapes[0][1] == sympy.ceiling(H / 2) and same.output_shapes[0][2] is None
    _, tr = one_layer({"type": "Conv1DTranspose", "filters": 2, "kernel_size": 3, "strides": 2},
                      [None, "H", 3])
    assert tr.output_shapes[0][1] == 2 * H + 1


def test_named_size_without_a_minimum_is_a_stated_condition():
    report, _ = one_layer({"type": "Conv1D", "filters": 2, "kernel_size": 3}, [None, "t", 3])
    assert report.ok
    [d] = report.diagnostics
    assert d.code == "SC304" and "t - 2" in d.message and ">= 1" in d.message
    ok, _ = one_layer({"type": "Conv1D", "filters": 2, "kernel_size": 3}, [None, "t", 3],
                      dims={"t": {"min": 3}})
    assert ok.ok and not ok.diagnostics
    same, _ = one_layer({"type": "Conv1D", "filters": 2, "kernel_size": 3, "padding": "same"},
                        [None, "t", 3])
    assert not same.diagnostics


def test_symbolic_sizes_substitute_like_keras():
    spec = {"inputs": {"x": [None, "H", 10, 2]},
            "layers": [{"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 2},
                       {"type": "MaxPooling2D", "padding": "same"}]}
    for h in (3, 4, 9, 20):
        bound = shapecheck.analyze(spec, dims={"H": h})
        conv = (h - 3) // 2 + 1
        assert bound.layers["conv2d"].output_shapes == ((None, conv, 4, 2),)
        assert bound.layers["max_pooling2d"].output_shapes == ((None, -(-conv // 2), 2, 2),)


@pytest.mark.parametrize("layer,shape,code,arg,text", [
    ({"type": "Conv2D", "filters": 2, "kernel_size": 5}, [None, 4, 9, 3], "SC308", None,
     "floor((4 - ((5 - 1)*1 + 1)) / 1) + 1 = 0"),
    ({"type": "MaxPooling1D", "pool_size": 4}, [None, 3, 2], "SC308", None,
     "floor((3 - ((4 - 1)*1 + 1)) / 4) + 1 = 0"),
    ({"type": "Conv1D", "filters": 2, "kernel_size": 3, "dilation_rate": 4}, [None, 8, 2], "SC308",
     None, "((3 - 1)*4 + 1)"),
    ({"type": "Conv2D", "filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2},
     [None, 9, 9, 3], "SC403", "dilation_rate", "strides > 1"),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 3}, [None, 9, 9, 3], "SC403",
     "groups", "filters"),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "groups": 2}, [None, 9, 9, 3], "SC403",
     "groups", "input channels"),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "causal"}, [None, 9, 9, 3],
     "SC403", "padding", "causal"),
    ({"type": "Conv2DTranspose", "filters": 4, "kernel_size": 3, "strides": 2,
      "output_padding": 2}, [None, 9, 9, 3], "SC403", "output_padding", "strictly less"),
    ({"type": "Conv2D", "filters": 4, "kernel_size": [3, 3, 3]}, [None, 9, 9, 3], "SC403",
     "kernel_size", "2 integers"),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3}, [None, 9, 3], "SC301", None, "ndim=4"),
    ({"type": "Conv2D", "filters": 4, "kernel_size": 3}, [None, 9, 9, None], "SC302", None,
     "channel axis"),
    ({"type": "AveragePooling2D"}, [None, 9, 9, 3], "SC404", None, "pool_size"),
    ({"type": "MaxPooling2D", "padding": "SAME"}, [None, 9, 9, 3], "SC403", "padding", "SAME"),
])
def test_findings(layer, shape, code, arg, text):
    report, _ = one_layer(layer, shape)
    assert not report.ok
    [d] = [d for d in report.diagnostics if d.severity.value == "error"]
    assert d.code == code and text in d.message, d.message


def test_weight_axes_explain_themselves():
    _, got = one_layer({"type": "Conv2D", "filters": 6, "kernel_size": [3, 5], "groups": 2},
                       [None, 9, 9, 4])
    kernel = {w.path: w for w in got.weights}["l/kernel"]
    assert [(a.size, a.formula) for a in kernel.axes] == [
        (3, "kernel_size[0]"), (5, "kernel_size[1]"), (2, "input_channels/groups"), (6, "filters")]
    assert all(a.why for a in kernel.axes)
    _, sep = one_layer({"type": "SeparableConv1D", "filters": 2, "kernel_size": 3,
                        "depth_multiplier": 3}, [None, 9, 4])
    pw = {w.path: w for w in sep.weights}["l/pointwise_kernel"]
    assert [(a.size, a.formula) for a in pw.axes] == [
        (1, "1"), (12, "input_channels*depth_multiplier"), (2, "filters")]


def test_default_names_follow_keras():
    report = shapecheck.analyze({"inputs": {"x": [None, 8, 8, 3]}, "layers": [
        {"type": "Conv2D", "filters": 2, "kernel_size": 3},
        {"type": "SeparableConv2D", "filters": 2, "kernel_size": 1},
        {"type": "DepthwiseConv2D", "kernel_size": 1},
        {"type": "Conv2DTranspose", "filters": 2, "kernel_size": 1},
        {"type": "MaxPooling2D"}, {"type": "GlobalAveragePooling2D"}]})
    assert report.ok, report.diagnostics
    paths = [w.path for layer in report.layers.values() for w in layer.weights]
    assert paths == ["conv2d/kernel", "conv2d/bias", "separable_conv2d/depthwise_kernel",
                     "separable_conv2d/pointwise_kernel", "separable_conv2d/bias",
                     "depthwise_conv2d/kernel", "depthwise_conv2d/bias",
                     "conv2d_transpose/kernel", "conv2d_transpose/bias"]
    assert report.outputs == ((None, 2),)
