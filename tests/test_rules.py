"""Table-driven cases per rule: layer config and input shape -> output shapes, weight
shapes and params. The numbers are Keras 3's (the differential suite re-derives them
from Keras itself); these tables keep each rule's contract readable and fast."""

from __future__ import annotations

import pytest
from helpers import one_layer

import shapecheck

N = None


CASES = [
    # (id, layer, input shape, output shapes, {weight path: shape}, params)
    ("dense-2d", {"type": "Dense", "units": 4}, [N, 3], [(N, 4)],
     {"l/kernel": (3, 4), "l/bias": (4,)}, 16),
    ("dense-3d", {"type": "Dense", "units": 4}, [N, 7, 3], [(N, 7, 4)],
     {"l/kernel": (3, 4), "l/bias": (4,)}, 16),
    ("dense-4d-nobias", {"type": "Dense", "units": 2, "use_bias": False}, [5, 2, 3, 6],
     [(5, 2, 3, 2)], {"l/kernel": (6, 2)}, 12),
    ("dense-lora", {"type": "Dense", "units": 8, "lora_rank": 2}, [N, 5], [(N, 8)],
     {"l/kernel": (5, 8), "l/bias": (8,), "l/lora_kernel_a": (5, 2), "l/lora_kernel_b": (2, 8)}, 74),
    ("embedding", {"type": "Embedding", "input_dim": 100, "output_dim": 8}, [N, 20], [(N, 20, 8)],
     {"l/embeddings": (100, 8)}, 800),
    ("embedding-mask", {"type": "Embedding", "input_dim": 10, "output_dim": 3, "mask_zero": True},
     [N, N], [(N, N, 3)], {"l/embeddings": (10, 3)}, 30),
    ("dropout", {"type": "Dropout", "rate": 0.5}, [N, 4, 2], [(N, 4, 2)], {}, 0),
    ("activation", {"type": "Activation", "activation": "relu"}, [N, 3], [(N, 3)], {}, 0),
    ("masking", {"type": "Masking", "mask_value": 0.0}, [N, 5, 3], [(N, 5, 3)], {}, 0),
    ("flatten", {"type": "Flatten"}, [N, 4, 5, 6], [(N, 120)], {}, 0),
    ("flatten-unknown", {"type": "Flatten"}, [N, N, 5], [(N, N)], {}, 0),
    ("flatten-rank1", {"type": "Flatten"}, [N], [(N, 1)], {}, 0),
    ("reshape", {"type": "Reshape", "target_shape": [3, 4]}, [N, 12], [(N, 3, 4)], {}, 0),
    ("reshape-infer", {"type": "Reshape", "target_shape": [-1, 4]}, [N, 6, 2], [(N, 3, 4)], {}, 0),
    ("reshape-unknown", {"type": "Reshape", "target_shape": [-1, 4]}, [N, N, 2], [(N, N, 4)], {}, 0),
    ("repeat", {"type": "RepeatVector", "n": 3}, [N, 5], [(N, 3, 5)], {}, 0),
    ("simple-rnn", {"type": "SimpleRNN", "units": 4}, [N, 7, 3], [(N, 4)],
     {"l/simple_rnn_cell/kernel": (3, 4), "l/simple_rnn_cell/recurrent_kernel": (4, 4),
      "l/simple_rnn_cell/bias": (4,)}, 32),
    ("lstm-seq", {"type": "LSTM", "units": 384, "return_sequences": True}, [N, 4995, 12],
     [(N, 4995, 384)], {"l/lstm_cell/kernel": (12, 1536), "l/lstm_cell/recurrent_kernel": (384, 1536),
                        "l/lstm_cell/bias": (1536,)}, 609792),
    ("lstm-state", {"type": "LSTM", "units": 5, "return_state": True}, [N, 2, 3],
     [(N, 5), (N, 5), (N, 5)], {"l/lstm_cell/kernel": (3, 20), "l/lstm_cell/recurrent_kernel": (5, 20),
                                "l/lstm_cell/bias": (20,)}, 180),
    ("lstm-nobias", {"type": "LSTM", "units": 2, "use_bias": False}, [N, N, 3], [(N, 2)],
     {"l/lstm_cell/kernel": (3, 8), "l/lstm_cell/recurrent_kernel": (2, 8)}, 40),
    ("gru-reset-after", {"type": "GRU", "units": 4}, [N, 6, 3], [(N, 4)],
     {"l/gru_cell/kernel": (3, 12), "l/gru_cell/recurrent_kernel": (4, 12),
      "l/gru_cell/bias": (2, 12)}, 108),
    ("gru-reset-before", {"type": "GRU", "units": 4, "reset_after": False, "return_state": True,
                          "return_sequences": True}, [N, 6, 3], [(N, 6, 4), (N, 4)],
     {"l/gru_cell/kernel": (3, 12), "l/gru_cell/recurrent_kernel": (4, 12),
      "l/gru_cell/bias": (12,)}, 96),
    ("bidirectional-concat", {"type": "Bidirectional", "layer": {"type": "LSTM", "units": 384,
                                                                  "return_sequences": True}},
     [N, 4995, 12], [(N, 4995, 768)],
     {"l/forward_lstm/lstm_cell/kernel": (12, 1536),
      "l/forward_lstm/lstm_cell/recurrent_kernel": (384, 1536),
      "l/forward_lstm/lstm_cell/bias": (1536,),
      "l/backward_lstm/lstm_cell/kernel": (12, 1536),
      "l/backward_lstm/lstm_cell/recurrent_kernel": (384, 1536),
      "l/backward_lstm/lstm_cell/bias": (1536,)}, 1219584),
    ("bidirectional-last", {"type": "Bidirectional", "layer": {"type": "LSTM", "units": 384}},
     [N, 4995, 12], [(N, 768)], None, 1219584),
    ("bidirectional-sum", {"type": "Bidirectional", "merge_mode": "sum",
                           "layer": {"type": "GRU", "units": 3}}, [N, 5, 2], [(N, 3)], None, 126),
    ("bidirectional-none-state", {"type": "Bidirectional", "merge_mode": None,
                                  "layer": {"type": "LSTM", "units": 3, "return_state": True}},
     [N, 5, 2], [(N, 3), (N, 3), (N, 3), (N, 3), (N, 3), (N, 3)], None, 144),
    ("bidirectional-concat-state", {"type": "Bidirectional",
                                    "layer": {"type": "GRU", "units": 3, "return_state": True}},
     [N, 5, 2], [(N, 6), (N, 3), (N, 3)], None, 126),
    ("bidirectional-backward", {"type": "Bidirectional",
                                "layer": {"type": "SimpleRNN", "units": 2, "name": "f"},
                                "backward_layer": {"type": "SimpleRNN", "units": 2,
                                                   "go_backwards": True, "name": "b"}},
     [N, 5, 3], [(N, 4)],
     {"l/forward_f/simple_rnn_cell/kernel": (3, 2), "l/forward_f/simple_rnn_cell/recurrent_kernel": (2, 2),
      "l/forward_f/simple_rnn_cell/bias": (2,), "l/b/simple_rnn_cell/kernel": (3, 2),
      "l/b/simple_rnn_cell/recurrent_kernel": (2, 2), "l/b/simple_rnn_cell/bias": (2,)}, 24),
    ("time-distributed", {"type": "TimeDistributed", "layer": {"type": "Dense", "units": 3}},
     [N, 5, 3, 2], [(N, 5, 3, 3)], {"l/dense/kernel": (2, 3), "l/dense/bias": (3,)}, 9),
    ("time-distributed-flatten", {"type": "TimeDistributed", "layer": {"type": "Flatten"}},
     [N, 5, 3, 2], [(N, 5, 6)], {}, 0),
]


@pytest.mark.parametrize("layer,shape,outputs,weights,params",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_table(layer, shape, outputs, weights, params):
    report, got = one_layer(layer, shape)
    assert report.ok, report.diagnostics
    assert got.output_shapes == tuple(outputs)
    if weights is not None:
        assert {w.path: w.shape for w in got.weights} == weights
    assert got.params == params


def test_trainable_false_freezes_every_weight():
    report, got = one_layer({"type": "LSTM", "units": 2, "trainable": False}, [None, 3, 4])
    assert got.weights and not any(w.trainable for w in got.weights)
    assert report.trainable_params == 0 and report.non_trainable_params == got.params == 56


def test_lora_freezes_the_full_kernel_only():
    _, got = one_layer({"type": "Dense", "units": 8, "lora_rank": 2}, [None, 5])
    assert {w.path: w.trainable for w in got.weights} == {
        "l/kernel": False, "l/bias": True, "l/lora_kernel_a": True, "l/lora_kernel_b": True}


def test_every_axis_says_where_it_comes_from():
    _, got = one_layer({"type": "LSTM", "units": 384}, [None, 4995, 12])
    kernel = {w.path: w for w in got.weights}["l/lstm_cell/kernel"]
    assert [(a.size, a.formula) for a in kernel.axes] == [(12, "input_dim"), (1536, "4*units")]
    assert "input, forget, cell, output" in kernel.axes[1].why
    assert "never cut" in kernel.axes[0].why


def test_gru_bias_rows_are_explained():
    _, got = one_layer({"type": "GRU", "units": 4}, [None, 6, 3])
    bias = {w.path: w for w in got.weights}["l/gru_cell/bias"]
    assert bias.axes[0].formula == "2" and "recurrent bias" in bias.axes[0].why
    assert bias.axes[1].formula == "3*units"


def test_default_names_follow_keras():
    spec = {"inputs": {"x": [None, 5, 3]},
            "layers": [{"type": "LSTM", "units": 2, "return_sequences": True},
                       {"type": "Bidirectional", "layer": {"type": "LSTM", "units": 2,
                                                            "return_sequences": True}},
                       {"type": "SimpleRNN", "units": 2, "return_sequences": True},
                       {"type": "TimeDistributed", "layer": {"type": "Dense", "units": 1}}]}
    report = shapecheck.analyze(spec)
    assert list(report.layers) == ["x", "lstm", "bidirectional", "simple_rnn", "time_distributed"]
    paths = [w.path for layer in report.layers.values() for w in layer.weights]
    assert "bidirectional/forward_lstm_1/lstm_cell/kernel" in paths
    assert "bidirectional/backward_lstm_1/lstm_cell/kernel" in paths
    assert "time_distributed/dense/kernel" in paths


def test_encoder_decoder_states():
    spec = {"inputs": {"src": [None, "s", 32], "tgt": [None, "t", 16]},
            "layers": [
                {"name": "enc", "type": "LSTM", "units": 64, "return_state": True, "inputs": "src"},
                {"name": "dec", "type": "LSTM", "units": 64, "return_sequences": True,
                 "inputs": "tgt", "initial_state": ["enc[1]", "enc[2]"]},
                {"type": "Dense", "units": 10}]}
    report = shapecheck.analyze(spec)
    assert report.ok, report.diagnostics
    assert [str(d) for d in report.layers["dense"].output_shapes[0]] == ["None", "t", "10"]
    assert report.outputs == report.layers["dense"].output_shapes


def test_symbolic_sizes_flow_through():
    spec = {"dims": {"t": {"min": 1}}, "inputs": {"x": [None, "t", 12]},
            "layers": [{"type": "Flatten"}, {"type": "Dense", "units": 2}]}
    report = shapecheck.analyze(spec)
    flat = report.layers["flatten"].output_shapes[0]
    assert str(flat[1]) == "12*t"
    dense = report.layers["dense"]
    assert str(dense.params) == "24*t + 2"
    bound = shapecheck.analyze(spec, dims={"t": 5})
    assert bound.layers["flatten"].output_shapes == ((None, 60),)
    assert bound.total_params == 122


def test_expression_inputs():
    report = shapecheck.analyze({"inputs": {"x": "(None, 2*t, 12)"},
                                 "layers": [{"type": "Reshape", "target_shape": [-1, 24]}]})
    assert report.ok
    assert str(report.layers["reshape"].output_shapes[0][1]) == "t"


def test_reshape_condition_on_symbols_is_stated_not_guessed():
    report = shapecheck.analyze({"inputs": {"x": [None, "t", 3]},
                                 "layers": [{"type": "Reshape", "target_shape": [-1, 2]}]})
    assert report.ok
    [d] = report.diagnostics
    assert d.code == "SC304" and "divisible by 2" in d.message
    facts = shapecheck.analyze({"dims": {"t": {"multiple_of": 2}}, "inputs": {"x": [None, "t", 3]},
                                "layers": [{"type": "Reshape", "target_shape": [-1, 2]}]})
    assert facts.ok and not facts.diagnostics


@pytest.mark.parametrize("entry,shape", [
    ({"type": "InputLayer", "shape": ["t", 12]}, "(None, t, 12)"),
    ({"type": "InputLayer", "shape": [5, 12], "batch_size": 8}, "(8, 5, 12)"),
    ({"type": "InputLayer", "batch_shape": [None, None, 3]}, "(None, None, 3)"),
    ({"type": "InputLayer", "shape": "(t, 12)"}, "(None, t, 12)"),
])
def test_input_layer_as_first_layer(entry, shape):
    from shapecheck.dims import fmt_shape

    report = shapecheck.analyze({"layers": [entry, {"type": "Dense", "units": 2}]})
    assert report.ok, report.diagnostics
    assert list(report.layers) == ["input_layer", "dense"]
    assert fmt_shape(report.layers["input_layer"].output_shapes[0]) == shape


def test_nested_model_runs_its_graph_on_the_call_shapes():
    inner = {"inputs": {"i": [None, 5, 2]},
             "layers": [{"type": "LSTM", "units": 4, "return_sequences": True},
                        {"type": "Dense", "units": 3}]}
    spec = {"inputs": {"x": [None, "t", 2]},
            "layers": [{"name": "inner", "type": "Sequential", "graph": inner},
                       {"type": "Dense", "units": 1}]}
    report = shapecheck.analyze(spec)
    assert report.ok, report.diagnostics
    got = report.layers["inner"]
    assert [str(d) for d in got.output_shapes[0]] == ["None", "t", "3"]  # the call's t, not 5
    assert [w.path for w in got.weights] == [
        "inner/lstm/lstm_cell/kernel", "inner/lstm/lstm_cell/recurrent_kernel",
        "inner/lstm/lstm_cell/bias", "inner/dense/kernel", "inner/dense/bias"]
    assert got.params == 127 and report.total_params == 131


def test_a_nested_models_constant_keeps_its_own_shape_and_is_not_fed():
    """keras.io's TokenAndPositionEmbedding as the Python reader writes it: the positions
    ``ops.arange(200)`` makes are a constant input of the nested graph, (200,) int32."""
    inner = {"inputs": {"i": [None, 200], "positions": {"shape": [200], "dtype": "int32", "constant": True}},
             "layers": [{"name": "pos", "type": "Embedding", "input_dim": 200, "output_dim": 32,
                         "inputs": "positions"},
                        {"name": "tok", "type": "Embedding", "input_dim": 20000, "output_dim": 32, "inputs": "i"},
                        {"name": "add", "type": "ops.Add", "inputs": ["tok", "pos"]}],
             "outputs": ["add"]}
    spec = {"inputs": {"x": [None, 200]},
            "layers": [{"name": "emb", "type": "TokenAndPositionEmbedding", "graph": inner}]}
    report = shapecheck.analyze({**spec, "layers": [{**spec["layers"][0], "type": "Functional"}]})
    assert report.ok, report.diagnostics
    assert report.layers["emb"].output_shapes == ((None, 200, 32),)
    assert report.layers["emb"].params == 646_400
    # a constant that is not true or false is said, and a caller never feeds one
    found = shapecheck.analyze({"inputs": {"x": {"shape": [None, 2], "constant": "yes"}},
                                "layers": [{"type": "Dense", "units": 1}]})
    assert [(d.code, d.message) for d in found.diagnostics] == [
        ("SC104", "input 'x': constant must be true or false, got 'yes'")]
    two = shapecheck.analyze({"inputs": {"x": [None, 200], "y": [200]},
                              "layers": [{"type": "Functional", "graph": inner, "inputs": ["x", "y"]}]})
    assert [d.code for d in two.errors] == ["SC206"] and "takes 1 input(s), got 2" in two.errors[0].message


@pytest.mark.parametrize("ltype,kernel,bias", [("CuDNNLSTM", (3, 16), (32,)), ("CuDNNGRU", (3, 12), (24,))])
def test_keras2_cudnn_layers(ltype, kernel, bias):
    """Keras 2.2's cudnn_recurrent.py: no cell sublayer; bias holds the input and the
    recurrent biases (8*units for LSTM, 6*units for GRU)."""
    _, got = one_layer({"type": ltype, "units": 4, "return_sequences": True}, [None, 7, 3])
    assert got.output_shapes == ((None, 7, 4),)
    assert {w.path: w.shape for w in got.weights} == {
        "l/kernel": kernel, "l/recurrent_kernel": (4, kernel[1]), "l/bias": bias}
