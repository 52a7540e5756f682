"""Layouts without PyTorch: tables of ONNX and PyTorch names, shapes and counts, the
diagnostics (no equivalent, an extra operation, not known), symbolic sizes, and ONNX's
recurrent operators run in NumPy from their spec (onnx/docs/Operators.md) on weights
converted from Keras, against Keras's output."""

from __future__ import annotations

import re

import numpy as np
import pytest
from helpers import one_layer
from layout_helpers import apply, names

import shapecheck
from shapecheck.dims import DimFacts
from shapecheck.layouts import layer_layout, layout, source_names, total_params

SEED = "specs/seed_bilstm.yaml"


def _table(lay) -> dict:
    return {w.name: w.shape for w in lay.weights}


def _codes(lay) -> list[str]:
    return [d.code for d in lay.diagnostics]


def _lay(layer: dict, shape: list, framework: str, **kw):
    report, got = one_layer(layer, shape, **kw)
    assert report.ok, report.diagnostics
    return layer_layout(got, framework)


# --- the seed -----------------------------------------------------------------------------------


def test_seed_pytorch():
    report = shapecheck.analyze(SEED)
    x, lay = layout(report, "pytorch")
    assert (x.module, x.weights, x.params) == (None, (), 0)
    assert lay.module == "nn.LSTM(12, 384, batch_first=True, bidirectional=True)"
    assert _table(lay) == {
        "weight_ih_l0": (1536, 12), "weight_hh_l0": (1536, 384), "bias_ih_l0": (1536,),
        "bias_hh_l0": (1536,), "weight_ih_l0_reverse": (1536, 12),
        "weight_hh_l0_reverse": (1536, 384), "bias_ih_l0_reverse": (1536,),
        "bias_hh_l0_reverse": (1536,)}
    assert lay.params == 1_222_656 == total_params((x, lay))
    assert report.total_params == 1_219_584
    w = {w.name: w for w in lay.weights}
    assert w["weight_ih_l0"].sources == ("bilstm/forward_lstm/lstm_cell/kernel",)
    assert w["weight_ih_l0"].transform == "kernel.T"
    assert w["weight_ih_l0_reverse"].sources == ("bilstm/backward_lstm/lstm_cell/kernel",)
    assert w["bias_hh_l0"].transform == "np.zeros(1536)" and w["bias_hh_l0"].sources == ()
    assert w["weight_hh_l0"].gate_order.startswith("i,f,g,o")
    assert not lay.diagnostics


def test_seed_onnx():
    report = shapecheck.analyze(SEED)
    lay = layout(report, "onnx")[1]
    assert lay.module == "LSTM(hidden_size=384, direction='bidirectional')"
    assert _table(lay) == {"W": (2, 1536, 12), "R": (2, 1536, 384), "B": (2, 3072)}
    assert lay.params == 1_222_656
    assert lay.weights[0].transform == (
        "np.stack([gates(forward_lstm.lstm_cell.kernel, 'ifco->iofc', axis=1).T, "
        "gates(backward_lstm.lstm_cell.kernel, 'ifco->iofc', axis=1).T])")
    assert lay.weights[0].gate_order.startswith("i,o,f,c")


def test_one_gate_block_transposed_is_384_by_12():
    """The seed question's (384, 12): one gate's block of the (12, 1536) kernel, transposed."""
    report = shapecheck.analyze(SEED)
    kernel = np.arange(12 * 1536, dtype=float).reshape(12, 1536)
    w = layout(report, "pytorch")[1].weights[0]
    weight_ih = apply(w, {w.sources[0]: kernel})
    for gate in range(4):
        block = weight_ih[gate * 384:(gate + 1) * 384]
        assert block.shape == (384, 12)
        np.testing.assert_array_equal(block, kernel[:, gate * 384:(gate + 1) * 384].T)


# --- tables ------------------------------------------------------------------------------------------

ROWS = [
    # (layer, input shape, framework, module, {name: shape}, params)
    ({"type": "GRU", "units": 4}, [None, 5, 3], "pytorch", "nn.GRU(3, 4, batch_first=True)",
     {"weight_ih_l0": (12, 3), "weight_hh_l0": (12, 4), "bias_ih_l0": (12,), "bias_hh_l0": (12,)}, 108),
    ({"type": "GRU", "units": 4}, [None, 5, 3], "onnx", "GRU(hidden_size=4, linear_before_reset=1)",
     {"W": (1, 12, 3), "R": (1, 12, 4), "B": (1, 24)}, 108),
    ({"type": "GRU", "units": 4, "reset_after": False}, [None, 5, 3], "onnx", "GRU(hidden_size=4)",
     {"W": (1, 12, 3), "R": (1, 12, 4), "B": (1, 24)}, 108),
    ({"type": "SimpleRNN", "units": 4, "activation": "relu"}, [None, 5, 3], "pytorch",
     "nn.RNN(3, 4, nonlinearity='relu', batch_first=True)",
     {"weight_ih_l0": (4, 3), "weight_hh_l0": (4, 4), "bias_ih_l0": (4,), "bias_hh_l0": (4,)}, 36),
    ({"type": "SimpleRNN", "units": 4}, [None, 5, 3], "onnx", "RNN(hidden_size=4)",
     {"W": (1, 4, 3), "R": (1, 4, 4), "B": (1, 8)}, 36),
    ({"type": "LSTM", "units": 2, "use_bias": False, "go_backwards": True}, [None, 5, 3], "onnx",
     "LSTM(hidden_size=2, direction='reverse')", {"W": (1, 8, 3), "R": (1, 8, 2)}, 40),
    ({"type": "RNN", "cell": [{"type": "LSTMCell", "units": 2}, {"type": "LSTMCell", "units": 2}]},
     [None, 5, 3], "pytorch", "nn.LSTM(3, 2, num_layers=2, batch_first=True)",
     {"weight_ih_l0": (8, 3), "weight_hh_l0": (8, 2), "bias_ih_l0": (8,), "bias_hh_l0": (8,),
      "weight_ih_l1": (8, 2), "weight_hh_l1": (8, 2), "bias_ih_l1": (8,), "bias_hh_l1": (8,)}, 104),
    ({"type": "RNN", "cell": [{"type": "GRUCell", "units": 2}, {"type": "GRUCell", "units": 3}]},
     [None, 5, 3], "onnx", "GRU(hidden_size=2, linear_before_reset=1) -> GRU(hidden_size=3, "
     "linear_before_reset=1)", {"l0.W": (1, 6, 3), "l0.R": (1, 6, 2), "l0.B": (1, 12),
                                "l1.W": (1, 9, 2), "l1.R": (1, 9, 3), "l1.B": (1, 18)}, 105),
    ({"type": "CuDNNLSTM", "units": 2}, [None, 5, 3], "pytorch", "nn.LSTM(3, 2, batch_first=True)",
     {"weight_ih_l0": (8, 3), "weight_hh_l0": (8, 2), "bias_ih_l0": (8,), "bias_hh_l0": (8,)}, 56),
    ({"type": "Dense", "units": 4}, [None, 3], "pytorch", "nn.Linear(3, 4)",
     {"weight": (4, 3), "bias": (4,)}, 16),
    ({"type": "Dense", "units": 4, "use_bias": False, "activation": "relu"}, [None, 3], "onnx",
     "Gemm(transB=1), then Relu", {"B": (4, 3)}, 12),
    ({"type": "Dense", "units": 4}, [None, 7, 3], "onnx", "MatMul -> Add",
     {"MatMul.B": (3, 4), "Add.B": (4,)}, 16),
    ({"type": "Embedding", "input_dim": 10, "output_dim": 3}, [None, 7], "onnx", "Gather(axis=0)",
     {"data": (10, 3)}, 30),
    ({"type": "Conv2D", "filters": 8, "kernel_size": 3, "groups": 2, "padding": "same"},
     [None, 9, 9, 4], "pytorch", "nn.Conv2d(4, 8, kernel_size=(3, 3), padding='same', groups=2)",
     {"weight": (8, 2, 3, 3), "bias": (8,)}, 152),
    ({"type": "Conv2D", "filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"},
     [None, 9, 9, 4], "onnx", "Conv(kernel_shape=[3, 3], strides=[2, 2], dilations=[1, 1], "
     "auto_pad='SAME_UPPER')", {"W": (8, 4, 3, 3), "B": (8,)}, 296),
    ({"type": "Conv1DTranspose", "filters": 5, "kernel_size": 2, "strides": 3}, [None, 9, 4],
     "pytorch", "nn.ConvTranspose1d(4, 5, kernel_size=2, stride=3, output_padding=1)",
     {"weight": (4, 5, 2), "bias": (5,)}, 45),
    ({"type": "DepthwiseConv2D", "kernel_size": 3, "depth_multiplier": 2}, [None, 9, 9, 4], "onnx",
     "Conv(kernel_shape=[3, 3], strides=[1, 1], dilations=[1, 1], group=4)",
     {"W": (8, 1, 3, 3), "B": (8,)}, 80),
    ({"type": "SeparableConv1D", "filters": 6, "kernel_size": 3}, [None, 9, 4], "pytorch",
     "nn.Sequential(nn.Conv1d(4, 4, kernel_size=3, groups=4, bias=False), "
     "nn.Conv1d(4, 6, kernel_size=1))", {"0.weight": (4, 1, 3), "1.weight": (6, 4, 1), "1.bias": (6,)},
     42),
    ({"type": "BatchNormalization"}, [None, 9, 9, 4], "pytorch",
     "nn.BatchNorm2d(4, eps=0.001, momentum=0.01)",
     {"weight": (4,), "bias": (4,), "running_mean": (4,), "running_var": (4,),
      "num_batches_tracked": ()}, 8),
    ({"type": "BatchNormalization", "center": False, "scale": False}, [None, 4], "pytorch",
     "nn.BatchNorm1d(4, eps=0.001, momentum=0.01, affine=False)",
     {"running_mean": (4,), "running_var": (4,), "num_batches_tracked": ()}, 0),
    ({"type": "BatchNormalization", "center": False}, [None, 4], "onnx",
     "BatchNormalization(epsilon=0.001, momentum=0.99)",
     {"scale": (4,), "B": (4,), "input_mean": (4,), "input_var": (4,)}, 4),
    ({"type": "LayerNormalization", "axis": [-2, -1]}, [None, 5, 4], "pytorch",
     "nn.LayerNorm((5, 4), eps=0.001)", {"weight": (5, 4), "bias": (5, 4)}, 40),
    ({"type": "LayerNormalization", "center": False}, [None, 5, 4], "onnx",
     "LayerNormalization(axis=-1, epsilon=0.001)", {"Scale": (4,)}, 4),
    ({"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4, "inputs": ["x", "x"]}, [None, 5, 8],
     "pytorch", "nn.MultiheadAttention(8, 2, batch_first=True)",
     {"in_proj_weight": (24, 8), "in_proj_bias": (24,), "out_proj.weight": (8, 8),
      "out_proj.bias": (8,)}, 288),
    ({"type": "TimeDistributed", "layer": {"type": "Dense", "units": 2}}, [None, 5, 3], "pytorch",
     "nn.Linear(3, 2)", {"weight": (2, 3), "bias": (2,)}, 8),
]


@pytest.mark.parametrize("layer, shape, framework, module, weights, params", ROWS,
                         ids=[f"{r[0]['type']}-{r[2]}-{i}" for i, r in enumerate(ROWS)])
def test_table(layer, shape, framework, module, weights, params):
    lay = _lay(layer, shape, framework)
    assert not lay.diagnostics, lay.diagnostics
    assert lay.module == module
    assert _table(lay) == weights and [w.name for w in lay.weights] == list(weights)
    assert lay.params == params
    rng = np.random.default_rng(0)
    report, got = one_layer(layer, shape)
    arrays = {w.path: rng.normal(size=w.shape) for w in got.weights}
    for w in lay.weights:  # every transform runs on Keras's shapes and gives its own shape
        apply(w, arrays)


def test_mha_with_other_key_and_value_widths_uses_separate_projections():
    report = shapecheck.analyze({"inputs": {"q": [None, 5, 6], "v": [None, 4, 3], "k": [None, 4, 2]},
                                 "layers": [{"name": "l", "type": "MultiHeadAttention", "num_heads": 3,
                                             "key_dim": 2, "inputs": ["q", "v", "k"]}]})
    lay = layer_layout(report.layers["l"], "pytorch")
    assert lay.module == "nn.MultiheadAttention(6, 3, kdim=2, vdim=3, batch_first=True)"
    assert _table(lay) == {"q_proj_weight": (6, 6), "k_proj_weight": (6, 2), "v_proj_weight": (6, 3),
                           "in_proj_bias": (18,), "out_proj.weight": (6, 6), "out_proj.bias": (6,)}


# --- diagnostics ------------------------------------------------------------------------------------


def test_gru_reset_after_false_has_no_pytorch_equivalent(tmp_path):
    spec = tmp_path / "gru.yaml"
    spec.write_text("inputs: {x: [?, 5, 3]}\nlayers:\n  - {name: l, type: GRU, units: 4, reset_after: false}\n")
    lay = layout(shapecheck.analyze(str(spec)), "pytorch")[1]
    assert _codes(lay) == ["SC501"]
    assert (lay.module, lay.weights, lay.params) == (None, (), None)
    d = lay.diagnostics[0]
    assert d.severity.value == "warning" and d.layer == "l"
    assert (d.location.path, d.location.line, d.location.column) == (str(spec), 3, 5)
    assert "reset_after=False" in d.message and "linear_before_reset=0" in d.hint
    # ONNX has it: linear_before_reset=0 with the recurrent bias zero.
    onnx = _lay({"type": "GRU", "units": 4, "reset_after": False}, [None, 5, 3], "onnx")
    assert not onnx.diagnostics
    assert onnx.weights[2].transform == "np.concatenate([bias, np.zeros(12)])[None]"


def test_bidirectional_sum_is_exact_weights_plus_a_warning():
    layer = {"type": "Bidirectional", "merge_mode": "sum", "layer": {"type": "LSTM", "units": 3}}
    lay = _lay(layer, [None, 5, 2], "pytorch")
    assert _codes(lay) == ["SC502"]
    assert lay.module == "nn.LSTM(2, 3, batch_first=True, bidirectional=True)"
    assert len(lay.weights) == 8 and lay.params == 2 * (12 * 2 + 12 * 3 + 24)
    assert "concatenates" in lay.diagnostics[0].message
    assert "y[..., :3] + y[..., 3:]" in lay.diagnostics[0].hint
    assert not _lay(layer, [None, 5, 2], "onnx").diagnostics  # ONNX's Y keeps the directions apart


@pytest.mark.parametrize("layer, shape, framework, code, words", [
    ({"type": "LSTM", "units": 3, "activation": "relu"}, [None, 5, 2], "pytorch", "SC501", "activation"),
    ({"type": "LSTM", "units": 3, "go_backwards": True}, [None, 5, 2], "pytorch", "SC502", "flip"),
    ({"type": "Bidirectional", "layer": {"type": "RNN", "cell": [
        {"type": "LSTMCell", "units": 2}, {"type": "LSTMCell", "units": 2}]}}, [None, 5, 2], "pytorch",
     "SC501", "each direction"),
    ({"type": "RNN", "cell": [{"type": "LSTMCell", "units": 2}, {"type": "GRUCell", "units": 2}]},
     [None, 5, 2], "pytorch", "SC501", "mixes"),
    ({"type": "Dense", "units": 3, "lora_rank": 2}, [None, 4], "pytorch", "SC501", "LoRA"),
    ({"type": "BatchNormalization", "center": False}, [None, 4], "pytorch", "SC501", "affine"),
    ({"type": "BatchNormalization", "renorm": True}, [None, 4], "onnx", "SC501", "renorm"),
    ({"type": "LayerNormalization", "axis": 1}, [None, 5, 4], "pytorch", "SC501", "last axes"),
    ({"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 3, "inputs": ["x", "x"]}, [None, 5, 8],
     "pytorch", "SC501", "2*3 = 6"),
    ({"type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4, "inputs": ["x", "x"]}, [None, 5, 8],
     "onnx", "SC501", "Attention"),
    ({"type": "PReLU"}, [None, 4], "pytorch", "SC503", "not known"),
    ({"type": "ConvLSTM1D", "filters": 2, "kernel_size": 3}, [None, 5, 7, 3], "onnx", "SC503", "not known"),
    ({"type": "TimeDistributed", "layer": {"type": "PReLU"}}, [None, 5, 4], "pytorch", "SC503",
     "PReLU"),
])
def test_diagnostics(layer, shape, framework, code, words):
    lay = _lay(layer, shape, framework)
    assert _codes(lay) == [code]
    assert words in lay.diagnostics[0].message + (lay.diagnostics[0].hint or "")
    if code != "SC502":
        assert (lay.weights, lay.params) == ((), None)
    else:
        assert lay.weights and lay.params


def test_layers_without_weights_and_failed_layers_map_to_nothing():
    report = shapecheck.analyze({"inputs": {"x": [None, 5, 3]}, "layers": [
        {"name": "d", "type": "Dropout", "rate": 0.5},
        {"name": "bad", "type": "LSTM", "units": 2, "inputs": "d"},
        {"name": "worse", "type": "LSTM", "units": 2, "inputs": "bad"}]})
    lays = {lay.layer: lay for lay in layout(report, "pytorch")}
    assert (lays["d"].module, lays["d"].params, lays["d"].diagnostics) == (None, 0, ())
    assert lays["bad"].module is not None
    assert (lays["worse"].module, lays["worse"].params, lays["worse"].diagnostics) == (None, None, ())
    assert total_params(lays.values()) is None


def test_unknown_framework_is_a_usage_error():
    report = shapecheck.analyze(SEED)
    with pytest.raises(shapecheck.UsageError):
        layout(report, "tensorflow")


# --- symbolic sizes and names ------------------------------------------------------------------------


def test_symbolic_sizes_stay_symbolic():
    report = shapecheck.analyze({"dims": {"c": {"min": 1}}, "inputs": {"x": [None, "t", "c"]},
                                 "layers": [{"name": "l", "type": "LSTM", "units": 4}]})
    lay = layer_layout(report.layers["l"], "pytorch")
    c = DimFacts().symbol("c")
    assert lay.weights[0].shape == (16, c)
    assert lay.module == "nn.LSTM(c, 4, batch_first=True)"
    assert (lay.params - (16 * c + 64 + 32)).expand() == 0
    onnx = layer_layout(report.layers["l"], "onnx")
    assert onnx.weights[0].shape == (1, 16, c)


def test_source_names_are_the_shortest_distinct_tails():
    paths = ["m/forward_lstm/lstm_cell/kernel", "m/backward_lstm/lstm_cell/kernel", "m/query/kernel"]
    assert source_names(paths) == ("forward_lstm.lstm_cell.kernel", "backward_lstm.lstm_cell.kernel",
                                   "query.kernel")
    assert source_names(["m/lstm-1/kernel", "m/1x/kernel"]) == ("lstm_1.kernel", "_1x.kernel")
    assert list(source_names(paths)) == names(paths)


# --- ONNX's recurrent operators, run from their spec -----------------------------------------------------


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


_ACTS = {"Sigmoid": _sigmoid, "Tanh": np.tanh, "Relu": lambda x: np.maximum(x, 0)}


def onnx_recurrent(op: str, x, w, r, b, hidden_size: int, direction: str = "forward",
                   linear_before_reset: int = 0, activations=None):
    """ONNX's LSTM, GRU and RNN (default layout=0): X (seq, batch, input) ->
    Y (seq, num_directions, batch, hidden) and Y_h (num_directions, batch, hidden)."""
    seq, batch, _ = x.shape
    dirs = w.shape[0]
    acts = [_ACTS[a] for a in (activations or {"LSTM": ["Sigmoid", "Tanh", "Tanh"],
                                               "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}[op])]
    y = np.zeros((seq, dirs, batch, hidden_size))
    y_h = np.zeros((dirs, batch, hidden_size))
    for d in range(dirs):
        backwards = direction == "reverse" or (direction == "bidirectional" and d == 1)
        wb, rb = np.split(b[d], 2) if b is not None else (0, 0)
        h = np.zeros((batch, hidden_size))
        c = np.zeros((batch, hidden_size))
        for t in (range(seq - 1, -1, -1) if backwards else range(seq)):
            if op == "LSTM":
                f, g, hh = acts
                i_, o_, f_, c_ = np.split(x[t] @ w[d].T + h @ r[d].T + wb + rb, 4, axis=-1)
                c = f(f_) * c + f(i_) * g(c_)
                h = f(o_) * hh(c)
            elif op == "GRU":
                f, g = acts
                wz, wr, wh = np.split(w[d], 3)
                rz, rr, rh = np.split(r[d], 3)
                (wbz, wbr, wbh), (rbz, rbr, rbh) = ((np.split(v, 3) if b is not None else (0, 0, 0))
                                                    for v in (wb, rb))
                z = f(x[t] @ wz.T + h @ rz.T + wbz + rbz)
                rr_ = f(x[t] @ wr.T + h @ rr.T + wbr + rbr)
                if linear_before_reset:
                    n = g(x[t] @ wh.T + rr_ * (h @ rh.T + rbh) + wbh)
                else:
                    n = g(x[t] @ wh.T + (rr_ * h) @ rh.T + rbh + wbh)
                h = (1 - z) * n + z * h
            else:
                h = acts[0](x[t] @ w[d].T + h @ r[d].T + wb + rb)
            y[t, d] = h
        y_h[d] = h
    return y, y_h


def _attrs(op_text: str) -> tuple[str, dict]:
    op, inner = re.fullmatch(r"(\w+)\((.*)\)", op_text).groups()
    return op, eval(f"dict({inner})")  # noqa: S307


RECURRENT_CASES = [
    ({"type": "LSTM", "units": 3, "return_sequences": True}, False),
    ({"type": "LSTM", "units": 2, "use_bias": False}, False),
    ({"type": "LSTM", "units": 2, "return_sequences": True, "go_backwards": True}, False),
    ({"type": "GRU", "units": 3, "return_sequences": True}, False),
    ({"type": "GRU", "units": 3, "return_sequences": True, "reset_after": False}, False),
    ({"type": "SimpleRNN", "units": 3, "return_sequences": True, "activation": "relu"}, False),
    ({"type": "LSTM", "units": 3, "return_sequences": True}, True),
    ({"type": "GRU", "units": 2, "reset_after": False}, True),
    ({"type": "SimpleRNN", "units": 2, "return_sequences": True}, True),
    ({"type": "RNN", "return_sequences": True, "cell": [{"type": "GRUCell", "units": 2},
                                                       {"type": "GRUCell", "units": 3}]}, False),
]


@pytest.mark.keras
@pytest.mark.parametrize("layer, bidirectional", RECURRENT_CASES,
                         ids=[f"{c[0]['type']}-{i}" for i, c in enumerate(RECURRENT_CASES)])
def test_onnx_recurrent_operators_match_keras(layer, bidirectional):
    pytest.importorskip("keras")
    from keras_oracle import build_keras_model
    from layout_helpers import random_weights

    entry = {"type": "Bidirectional", "layer": layer} if bidirectional else layer
    spec = {"inputs": {"x": [None, 4, 3]}, "layers": [{"name": "l", **entry}]}
    report = shapecheck.analyze(spec)
    lay = layer_layout(report.layers["l"], "onnx")
    assert not lay.diagnostics
    model = build_keras_model(spec)
    random_weights(model.get_layer("l"))
    arrays = {v.path: v.numpy() for v in model.weights}
    x = np.random.default_rng(3).normal(size=(2, 4, 3)).astype("float32")
    want = np.asarray(model(x))
    values = {w.name: apply(w, arrays) for w in lay.weights}
    seq = np.transpose(x, (1, 0, 2)).astype(float)
    for i, op_text in enumerate(lay.module.split(" -> ")):
        op, attrs = _attrs(op_text)
        prefix = f"l{i}." if any(n.startswith("l0.") for n in values) else ""
        y, y_h = onnx_recurrent(op, seq, values[f"{prefix}W"], values[f"{prefix}R"],
                                values.get(f"{prefix}B"), **attrs)
        seq = y[:, 0] if y.shape[1] == 1 else None  # a stack feeds Y to the next operator
    rs = layer.get("return_sequences", False)
    if rs:
        got = np.transpose(y, (2, 0, 1, 3)).reshape(2, 4, -1)  # (batch, seq, dirs*hidden)
        if layer.get("go_backwards"):
            got = got[:, ::-1]
    else:
        got = np.concatenate(list(y_h), axis=-1)
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-4)
