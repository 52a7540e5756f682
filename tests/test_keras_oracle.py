"""The Keras 3 facts the differential suite relies on, pinned (no shapecheck).

If one of these fails after a Keras upgrade, the oracle or the generators in
strategies.py (and maybe shapecheck's naming rules) need a look.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

import strategies as S  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from keras_oracle import (  # noqa: E402
    build_keras_model,
    keras_facts,
    keras_model_facts,
    runtime_output_shapes,
)

X = {"x": [None, 5, 3]}


def facts(layers, inputs=X, outputs=None, dims=None):
    spec = {"inputs": inputs, "layers": layers}
    if outputs:
        spec["outputs"] = outputs
    return keras_facts(build_keras_model(spec, dims))


def paths(f, name):
    return [(p, s, t) for p, s, t in f[name]["weights"]]


def test_clear_session_restarts_auto_names():
    spec = {"inputs": X, "layers": [{"type": "LSTM", "units": 2}, {"type": "Dense", "units": 1}]}
    for _ in range(2):  # clear_session(free_memory=False) inside build_keras_model
        assert list(keras_facts(build_keras_model(spec))) == ["x", "lstm", "dense"]


def test_wrapped_layer_is_named_before_its_wrapper_and_explicit_names_use_no_counter():
    f = facts([
        {"type": "Bidirectional", "layer": {"type": "LSTM", "units": 2, "return_sequences": True}},
        {"type": "LSTM", "units": 2, "return_sequences": True},
        {"name": "dense", "type": "TimeDistributed", "layer": {"type": "Dense", "units": 2}},
        {"type": "Dense", "units": 2, "name": "my"},
    ])
    assert list(f) == ["x", "bidirectional", "lstm_1", "dense", "my"]
    assert [p for p, _, _ in f["dense"]["weights"]] == ["dense/dense/kernel", "dense/dense/bias"]


def test_bidirectional_weight_paths():
    f = facts([{"type": "Bidirectional", "layer": {"type": "LSTM", "units": 8}}])
    assert paths(f, "bidirectional") == [
        ("bidirectional/forward_lstm/lstm_cell/kernel", (3, 32), True),
        ("bidirectional/forward_lstm/lstm_cell/recurrent_kernel", (8, 32), True),
        ("bidirectional/forward_lstm/lstm_cell/bias", (32,), True),
        ("bidirectional/backward_lstm/lstm_cell/kernel", (3, 32), True),
        ("bidirectional/backward_lstm/lstm_cell/recurrent_kernel", (8, 32), True),
        ("bidirectional/backward_lstm/lstm_cell/bias", (32,), True),
    ]


def test_forward_prefix_and_backward_layer_names():
    f = facts([
        {"name": "bi", "type": "Bidirectional", "layer": {"name": "forward_foo", "type": "SimpleRNN", "units": 2}},
        {"type": "Bidirectional", "inputs": "x",
         "layer": {"type": "GRU", "units": 2},
         "backward_layer": {"type": "GRU", "units": 2, "go_backwards": True}},
    ], outputs=["bi", "bidirectional"])
    # forward_ is not doubled; the backward copy only strips "backward_"
    assert {p.split("/")[1] for p, _, _ in f["bi"]["weights"]} == {"forward_foo", "backward_forward_foo"}
    # a given backward_layer is used as is: its own auto-name (gru_1), no prefix
    assert {p.split("/")[1] for p, _, _ in f["bidirectional"]["weights"]} == {"forward_gru", "gru_1"}


def test_timedistributed_paths_and_nesting():
    f = facts([{"type": "TimeDistributed", "layer": {"type": "TimeDistributed",
                                                     "layer": {"type": "Dense", "units": 3}}}],
              inputs={"x": [None, 2, 3, 5]})
    assert list(f) == ["x", "time_distributed_1"]
    assert paths(f, "time_distributed_1") == [
        ("time_distributed_1/time_distributed/dense/kernel", (5, 3), True),
        ("time_distributed_1/time_distributed/dense/bias", (3,), True),
    ]
    assert f["time_distributed_1"]["output_shapes"] == [(None, 2, 3, 3)]


def test_gru_bias_shapes():
    f = facts([
        {"type": "GRU", "units": 4, "return_sequences": True},
        {"type": "GRU", "units": 4, "reset_after": False, "return_sequences": True},
        {"type": "GRU", "units": 4, "use_bias": False},
    ])
    assert paths(f, "gru")[2] == ("gru/gru_cell/bias", (2, 12), True)
    assert paths(f, "gru_1")[2] == ("gru_1/gru_cell/bias", (12,), True)
    assert len(paths(f, "gru_2")) == 2


def test_stateful_adds_no_weights_and_no_params():
    spec = {"inputs": {"x": [3, 5, 4]}, "layers": [{"type": "LSTM", "units": 4, "stateful": True}]}
    model = build_keras_model(spec)
    layer = model.get_layer("lstm")
    assert [v.path for v in layer.weights] == [
        "lstm/lstm_cell/kernel", "lstm/lstm_cell/recurrent_kernel", "lstm/lstm_cell/bias"]
    assert layer.count_params() == 4 * 4 * (4 + 4 + 1)
    # the states are untracked non-trainable variables, both named rnn_state
    assert [(s.path, tuple(s.shape), s.trainable) for s in layer.states] == [
        ("lstm/rnn_state", (3, 4), False), ("lstm/rnn_state", (3, 4), False)]
    assert "rnn_state" not in " ".join(v.path for v in model.variables)
    with pytest.raises(ValueError, match="batch size must be static"):
        build_keras_model({"inputs": {"x": [None, 5, 4]},
                           "layers": [{"type": "LSTM", "units": 4, "stateful": True}]})


def test_lora_rank():
    spec = {"inputs": {"x": [None, 5]}, "layers": [
        {"type": "Dense", "units": 4, "lora_rank": 2},
        {"type": "Dense", "units": 3, "lora_rank": 0},  # 0: no LoRA, accepted
    ]}
    model = build_keras_model(spec)
    f = keras_facts(model)
    assert paths(f, "dense") == [
        ("dense/kernel", (5, 4), False),
        ("dense/bias", (4,), True),
        ("dense/lora_kernel_a", (5, 2), True),
        ("dense/lora_kernel_b", (2, 4), True),
    ]
    assert f["dense"]["params"] == 20 + 4 + 10 + 8
    assert paths(f, "dense_1") == [("dense_1/kernel", (4, 3), True), ("dense_1/bias", (3,), True)]
    m = keras_model_facts(model)
    assert (m["total_params"], m["trainable_params"], m["non_trainable_params"]) == (57, 37, 20)


@pytest.mark.parametrize("shape", [[None, 5, 6, 3], [None, 3]])
def test_rnn_needs_rank_3(shape):
    with pytest.raises(ValueError, match="expected ndim=3"):
        facts([{"type": "LSTM", "units": 2}], inputs={"x": shape})


def test_backward_layer_with_other_units_static_shape_is_wrong():
    spec = {"inputs": X, "layers": [{
        "type": "Bidirectional",
        "layer": {"type": "LSTM", "units": 8, "return_sequences": True, "return_state": True},
        "backward_layer": {"type": "LSTM", "units": 3, "return_sequences": True,
                           "return_state": True, "go_backwards": True}}]}
    model = build_keras_model(spec)
    static = keras_facts(model)["bidirectional"]["output_shapes"]
    assert static == [(None, 5, 16), (None, 8), (None, 8), (None, 8), (None, 8)]
    real = runtime_output_shapes(model, ["bidirectional"])["bidirectional"]
    assert real == [(2, 5, 11), (2, 8), (2, 8), (2, 3), (2, 3)]


def test_keras_bug_bidirectional_stateful_with_return_state():
    # strategies.py never generates this combination because of this bug
    with pytest.raises(TypeError):
        facts([{"type": "Bidirectional",
                "layer": {"type": "GRU", "units": 2, "stateful": True, "return_state": True}}],
              inputs={"x": [2, 5, 3]})


def test_keras_does_not_check_initial_state_at_build_time():
    # why the fuzz test never generates initial_state: Keras accepts anything
    f = facts([{"name": "h", "type": "GRU", "units": 3},
               {"type": "LSTM", "units": 4, "inputs": "x", "initial_state": ["h"]}],
              outputs=["lstm"])
    assert f["lstm"]["output_shapes"] == [(None, 4)]


def test_flatten_of_rank_1_adds_an_axis():
    f = facts([{"type": "Flatten"}], inputs={"x": [None]})
    assert f["flatten"]["output_shapes"] == [(None, 1)]


def test_sequential_style_input_layer():
    f = facts([{"type": "InputLayer", "shape": [5, 3], "batch_size": 2},
               {"type": "Dense", "units": 1}], inputs=None)
    assert list(f) == ["input_layer", "dense"]
    assert f["dense"]["output_shapes"] == [(2, 5, 1)]


# every generated spec must be valid Keras (the generators are the oracle's input)
SMOKE = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("family", sorted(S.FAMILIES) + ["bidirectional_diff_units"])
def test_generated_specs_build_in_keras(family):
    strat = (S.bidirectional_diff_units_specs() if family == "bidirectional_diff_units"
             else S.FAMILIES[family]())

    @SMOKE
    @given(strat)
    def run(spec):
        build_keras_model(spec)

    run()


@SMOKE
@given(S.symbolic_specs())
def test_generated_symbolic_specs_build_in_keras(spec):
    for n in S.SYMBOL_SIZES:
        build_keras_model(spec, {"t": n})
