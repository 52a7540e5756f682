"""Table cases for the merge, normalization, reshaping and activation families:
layer config and input shapes -> output shapes, weight shapes and params (Keras 3's
numbers; tests/test_differential_layers.py re-derives them from Keras)."""

from __future__ import annotations

import pytest
from helpers import run  # noqa: E402

from shapecheck.dims import fmt_shape

N = None




CASES = [
    # (id, layer, input shapes, output shape, {weight path: (shape, trainable)}, params)
    ("add", {"type": "Add"}, [[N, 3, 4], [N, 3, 4]], (N, 3, 4), {}, 0),
    ("add-broadcast-1", {"type": "Add"}, [[N, 1, 4], [N, 3, 1]], (N, 3, 4), {}, 0),
    ("add-rank-broadcast", {"type": "Multiply"}, [[N, 5, 3, 4], [N, 4]], (N, 5, 3, 4), {}, 0),
    ("add-unknown-beats-1", {"type": "Maximum"}, [[N, N, 4], [N, 1, 4]], (N, N, 4), {}, 0),
    ("add-unknown-beats-known", {"type": "Minimum"}, [[N, N, 4], [N, 3, 4]], (N, N, 4), {}, 0),
    ("average-3", {"type": "Average"}, [[N, 2], [N, 2], [N, 2]], (N, 2), {}, 0),
    ("subtract", {"type": "Subtract"}, [[N, 2], [N, 2]], (N, 2), {}, 0),
    ("concat-last", {"type": "Concatenate"}, [[N, 3, 4], [N, 3, 5]], (N, 3, 9), {}, 0),
    ("concat-axis1", {"type": "Concatenate", "axis": 1}, [[N, 3, 4], [N, 2, 4], [N, 1, 4]],
     (N, 6, 4), {}, 0),
    ("concat-unknown", {"type": "Concatenate", "axis": -2}, [[N, N, 4], [N, 2, 4]], (N, N, 4), {}, 0),
    ("concat-first-wins", {"type": "Concatenate"}, [[N, N, 4], [N, 3, 4]], (N, N, 8), {}, 0),
    ("dot-last", {"type": "Dot", "axes": -1}, [[N, 5, 4], [N, 6, 4]], (N, 5, 6), {}, 0),
    ("dot-pair", {"type": "Dot", "axes": [1, 2]}, [[N, 4, 5], [N, 3, 4]], (N, 5, 3), {}, 0),
    ("dot-2d", {"type": "Dot", "axes": 1, "normalize": True}, [[N, 4], [N, 4]], (N, 1), {}, 0),
    ("batchnorm", {"type": "BatchNormalization"}, [[N, 5, 8]], (N, 5, 8),
     {"l/gamma": ((8,), True), "l/beta": ((8,), True), "l/moving_mean": ((8,), False),
      "l/moving_variance": ((8,), False)}, 32),
    ("batchnorm-axis1-noscale", {"type": "BatchNormalization", "axis": 1, "scale": False},
     [[N, 3, 7, 7]], (N, 3, 7, 7),
     {"l/beta": ((3,), True), "l/moving_mean": ((3,), False), "l/moving_variance": ((3,), False)}, 9),
    ("batchnorm-renorm", {"type": "BatchNormalization", "renorm": True, "center": False}, [[N, 2]],
     (N, 2), {"l/gamma": ((2,), True), "l/moving_mean": ((2,), False),
              "l/moving_variance": ((2,), False), "l/moving_stddev": ((2,), False),
              "l/renorm_mean": ((2,), False), "l/renorm_stddev": ((2,), False)}, 12),
    ("layernorm", {"type": "LayerNormalization"}, [[N, 5, 8]], (N, 5, 8),
     {"l/gamma": ((8,), True), "l/beta": ((8,), True)}, 16),
    ("layernorm-axes", {"type": "LayerNormalization", "axis": [-1, 1]}, [[N, 5, 8]], (N, 5, 8),
     {"l/gamma": ((8, 5), True), "l/beta": ((8, 5), True)}, 80),
    ("layernorm-rms", {"type": "LayerNormalization", "rms_scaling": True}, [[N, 6]], (N, 6),
     {"l/gamma": ((6,), True)}, 6),
    ("groupnorm", {"type": "GroupNormalization", "groups": 4}, [[N, 5, 8]], (N, 5, 8),
     {"l/gamma": ((8,), True), "l/beta": ((8,), True)}, 16),
    ("groupnorm-all", {"type": "GroupNormalization", "groups": -1, "center": False}, [[N, 3]], (N, 3),
     {"l/gamma": ((3,), True)}, 3),
    ("unitnorm", {"type": "UnitNormalization", "axis": [1, 2]}, [[N, 3, 4]], (N, 3, 4), {}, 0),
    ("rescaling", {"type": "Rescaling", "scale": 0.5, "offset": 1}, [[N, 3]], (N, 3), {}, 0),
    ("normalization", {"type": "Normalization"}, [[N, 5, 3]], (N, 5, 3),
     {"l/mean": ((3,), False), "l/variance": ((3,), False), "l/count": ((), False)}, 7),
    ("normalization-axes", {"type": "Normalization", "axis": [2, 1]}, [[N, 5, 3]], (N, 5, 3),
     {"l/mean": ((5, 3), False), "l/variance": ((5, 3), False), "l/count": ((), False)}, 31),
    ("normalization-scalar", {"type": "Normalization", "axis": None}, [[N, 5]], (N, 5),
     {"l/mean": ((), False), "l/variance": ((), False), "l/count": ((), False)}, 3),
    ("normalization-given", {"type": "Normalization", "mean": 0.0, "variance": 1.0}, [[N, 5]],
     (N, 5), {}, 0),
    ("permute", {"type": "Permute", "dims": [2, 3, 1]}, [[N, 4, 5, 6]], (N, 5, 6, 4), {}, 0),
    ("crop1d", {"type": "Cropping1D", "cropping": [1, 2]}, [[N, 10, 3]], (N, 7, 3), {}, 0),
    ("crop1d-default", {"type": "Cropping1D"}, [[N, N, 3]], (N, N, 3), {}, 0),
    ("crop2d", {"type": "Cropping2D", "cropping": [[1, 0], [2, 2]]}, [[N, 8, 9, 3]], (N, 7, 5, 3),
     {}, 0),
    ("crop2d-cf", {"type": "Cropping2D", "cropping": [1, 2], "data_format": "channels_first"},
     [[N, 3, 8, 9]], (N, 3, 6, 5), {}, 0),
    ("crop3d", {"type": "Cropping3D"}, [[N, 4, 5, 6, 2]], (N, 2, 3, 4, 2), {}, 0),
    ("pad1d", {"type": "ZeroPadding1D", "padding": 3}, [[N, 10, 3]], (N, 16, 3), {}, 0),
    ("pad2d", {"type": "ZeroPadding2D", "padding": [[1, 0], [0, 2]]}, [[N, 8, N, 3]], (N, 9, N, 3),
     {}, 0),
    ("pad3d-cf", {"type": "ZeroPadding3D", "padding": 2, "data_format": "channels_first"},
     [[N, 2, 4, 5, 6]], (N, 2, 8, 9, 10), {}, 0),
    ("up1d", {"type": "UpSampling1D", "size": 3}, [[N, 10, 3]], (N, 30, 3), {}, 0),
    ("up2d", {"type": "UpSampling2D", "size": [2, 3], "interpolation": "bilinear"}, [[N, 4, 5, 3]],
     (N, 8, 15, 3), {}, 0),
    ("up3d-cf", {"type": "UpSampling3D", "data_format": "channels_first"}, [[N, 2, 4, N, 6]],
     (N, 2, 8, N, 12), {}, 0),
    ("relu", {"type": "ReLU", "max_value": 6}, [[N, 3]], (N, 3), {}, 0),
    ("leaky", {"type": "LeakyReLU", "negative_slope": 0.1}, [[N, 3]], (N, 3), {}, 0),
    ("elu", {"type": "ELU"}, [[N, 3]], (N, 3), {}, 0),
    ("softmax", {"type": "Softmax", "axis": 1}, [[N, 3, 2]], (N, 3, 2), {}, 0),
    ("identity", {"type": "Identity"}, [[N, 3]], (N, 3), {}, 0),
    ("prelu", {"type": "PReLU"}, [[N, 4, 3]], (N, 4, 3), {"l/alpha": ((4, 3), True)}, 12),
    ("prelu-shared", {"type": "PReLU", "shared_axes": [1, 2]}, [[N, N, N, 3]], (N, N, N, 3),
     {"l/alpha": ((1, 1, 3), True)}, 3),
    ("spatial-dropout2d", {"type": "SpatialDropout2D", "rate": 0.2}, [[N, 4, 4, 3]], (N, 4, 4, 3),
     {}, 0),
    ("gaussian-noise", {"type": "GaussianNoise", "stddev": 0.1}, [[N, 3]], (N, 3), {}, 0),
    ("gaussian-dropout", {"type": "GaussianDropout", "rate": 0.1}, [[N, 3]], (N, 3), {}, 0),
    ("alpha-dropout", {"type": "AlphaDropout", "rate": 0.1}, [[N, 3]], (N, 3), {}, 0),
    ("activity-reg", {"type": "ActivityRegularization", "l1": 0.01}, [[N, 3]], (N, 3), {}, 0),
]


@pytest.mark.parametrize("layer,shapes,output,weights,params", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_layer_table(layer, shapes, output, weights, params):
    report, got = run(layer, *shapes)
    assert report.ok, report.diagnostics
    assert got.output_shapes == (output,)
    assert {w.path: (w.shape, w.trainable) for w in got.weights} == weights
    assert got.params == params


ERRORS = [
    # (id, layer, input shapes, code, text in the message)
    ("add-clash", {"type": "Add"}, [[N, 3], [N, 4]], "SC306", "incompatible"),
    ("subtract-three", {"type": "Subtract"}, [[N, 3], [N, 3], [N, 3]], "SC206", "exactly 2"),
    ("concat-clash", {"type": "Concatenate"}, [[N, 3, 4], [N, 2, 4]], "SC306", "axis 1 is 3"),
    ("concat-rank", {"type": "Concatenate"}, [[N, 3, 4], [N, 4]], "SC301", "ranks"),
    ("dot-clash", {"type": "Dot", "axes": 1}, [[N, 3], [N, 4]], "SC306", "3 (at axis 1) != 4"),
    ("dot-unknown-vs-known", {"type": "Dot", "axes": 1}, [[N, N], [N, 4]], "SC306", "None"),
    ("dot-batch", {"type": "Dot", "axes": 0}, [[N, 3], [N, 3]], "SC403", "batch"),
    ("batchnorm-unknown", {"type": "BatchNormalization"}, [[N, 3, N]], "SC302", "undefined"),
    ("batchnorm-axis", {"type": "BatchNormalization", "axis": 3}, [[N, 3, 2]], "SC301", "out of bounds"),
    ("groupnorm-divide", {"type": "GroupNormalization", "groups": 3}, [[N, 8]], "SC306", "divide"),
    ("groupnorm-more", {"type": "GroupNormalization"}, [[N, 8]], "SC306", "more than"),
    ("crop-too-much", {"type": "Cropping1D", "cropping": [3, 2]}, [[N, 5, 1]], "SC306", "leaves 0"),
    ("crop2d-rank", {"type": "Cropping2D"}, [[N, 5, 1]], "SC301", "ndim=4"),
    ("permute-bad", {"type": "Permute", "dims": [1, 3]}, [[N, 5, 1]], "SC403", "consecutive"),
    ("permute-rank", {"type": "Permute", "dims": [2, 1]}, [[N, 5, 1, 2]], "SC301", "ndim=3"),
    ("prelu-unknown", {"type": "PReLU"}, [[N, N, 3]], "SC302", "shared_axes"),
    ("spatial-rank", {"type": "SpatialDropout1D", "rate": 0.1}, [[N, 3]], "SC301", "ndim=3"),
]


@pytest.mark.parametrize("layer,shapes,code,text", [c[1:] for c in ERRORS],
                         ids=[c[0] for c in ERRORS])
def test_layer_errors(layer, shapes, code, text):
    report, _ = run(layer, *shapes)
    assert not report.ok
    found = [d for d in report.diagnostics if d.code == code]
    assert found, report.diagnostics
    assert text.lower() in (found[0].message + (found[0].hint or "")).lower()


def _out(report, name="l"):
    return fmt_shape(report.layers[name].output_shapes[0])


def test_symbolic_merge_states_the_condition():
    report, got = run({"type": "Add"}, [N, "t", 4], [N, "s", 4])
    assert report.ok
    [d] = report.diagnostics
    assert d.code == "SC304" and "t == s" in d.message
    report, got = run({"type": "Add"}, [N, "t", 4], [N, 3, 4])
    assert _out(report) == "(None, 3, 4)" and report.diagnostics[0].code == "SC304"
    report, got = run({"type": "Add"}, [N, "t", 4], [N, "t", 1])
    assert _out(report) == "(None, t, 4)" and not report.diagnostics


def test_symbolic_concat_and_dot():
    report, _ = run({"type": "Concatenate", "axis": 1}, [N, "t", 4], [N, "2*t", 4])
    assert _out(report) == "(None, 3*t, 4)" and not report.diagnostics
    report, _ = run({"type": "Concatenate"}, [N, "t", 4], [N, "t + 1", 4])
    assert not report.ok and report.diagnostics[0].code == "SC306"
    report, _ = run({"type": "Dot", "axes": [1, 1]}, [N, "t", 4], [N, "t", 5])
    assert _out(report) == "(None, 4, 5)" and not report.diagnostics


def test_symbolic_cropping_needs_a_large_enough_axis():
    report, _ = run({"type": "Cropping1D", "cropping": [1, 2]}, [N, "t", 3])
    assert _out(report) == "(None, t - 3, 3)"
    [d] = report.diagnostics
    assert d.code == "SC304" and "t > 3" in d.message
    report, _ = run({"type": "Cropping1D", "cropping": [1, 2]}, [N, "t", 3],
                    dims={"t": {"min": 4}})
    assert report.ok and not report.diagnostics
    report, _ = run({"type": "Cropping1D", "cropping": [1, 2]}, [N, "t", 3],
                    dims={"t": {"min": 1, "max": 3}})
    assert not report.ok and report.diagnostics[0].code == "SC306"


def test_symbolic_groups_and_padding():
    report, _ = run({"type": "GroupNormalization", "groups": 4}, [N, 5, "c"])
    assert report.ok and report.diagnostics[0].code == "SC304"
    report, _ = run({"type": "GroupNormalization", "groups": 4}, [N, 5, "c"],
                    dims={"c": {"multiple_of": 4}})
    assert report.ok and not report.diagnostics
    report, _ = run({"type": "UpSampling2D", "size": 2}, [N, "h", "w", 3])
    assert _out(report) == "(None, 2*h, 2*w, 3)"
    report, _ = run({"type": "ZeroPadding1D"}, [N, "t", 3])
    assert _out(report) == "(None, t + 2, 3)"


def test_weight_axes_are_explained():
    for layer, shape in (({"type": "BatchNormalization"}, [N, 4]), ({"type": "PReLU"}, [N, 2, 4]),
                         ({"type": "Normalization"}, [N, 4]),
                         ({"type": "LayerNormalization", "axis": [1, 2]}, [N, 2, 4])):
        _, got = run(layer, shape)
        for w in got.weights:
            assert all(a.formula and a.why for a in w.axes), (layer, w)


def test_trainable_false_freezes_batchnorm():
    report, got = run({"type": "BatchNormalization", "trainable": False}, [N, 3])
    assert report.trainable_params == 0 and report.non_trainable_params == got.params == 12
