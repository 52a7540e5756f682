"""``shapecheck explain``: the reverse lookup from a shape to the weights it can be.

The Keras-layout answers are checked against the arrays Keras itself builds (the
block or slice named is taken from the real weight with numpy and has the query's
shape); the PyTorch and ONNX answers against the layouts module, which
tests/test_layouts_torch.py proves against PyTorch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shapecheck.api import analyze, analyze_file
from shapecheck.cli import main
from shapecheck.explain import lookup, summary, views

ROOT = Path(__file__).resolve().parent.parent
SEED = str(ROOT / "specs" / "seed_bilstm.yaml")


def _mha_gru():
    return analyze({"inputs": {"q": ["?", 5, 16]},
                    "layers": [{"name": "mha", "type": "MultiHeadAttention", "num_heads": 2, "key_dim": 8,
                                "inputs": ["q", "q"]},
                               {"name": "g", "type": "GRU", "units": 3, "inputs": "mha"}],
                    "outputs": ["g"]})


def _keras(report, query):
    return [(m.path, m.relation) for m in lookup(report, query, ("keras",)).matches]


def test_the_seed_question():
    report = analyze_file(SEED)
    result = lookup(report, (384, 12), ("keras",))
    assert [(m.path, m.relation) for m in result.matches] == [
        ("bilstm/forward_lstm/lstm_cell/kernel", "gate block, transposed"),
        ("bilstm/backward_lstm/lstm_cell/kernel", "gate block, transposed"),
    ]
    text = result.matches[0].explanation
    assert text.startswith("(384, 12) is one gate's block of bilstm/forward_lstm/lstm_cell/kernel "
                           "(12, 1536), transposed.")
    assert "4 gates (input, forget, cell, output) side by side" in text
    assert "384 is the hidden width, and nothing partitions the input" in text
    assert summary(result, report).startswith("No Keras weight is (384, 12); it is one gate's block of "
                                              "bilstm/forward_lstm/lstm_cell/kernel (12, 1536), transposed")


@pytest.mark.parametrize("query, expected", [
    ((12, 1536), [("bilstm/forward_lstm/lstm_cell/kernel", "weight"),
                  ("bilstm/backward_lstm/lstm_cell/kernel", "weight")]),
    ((1536, 12), [("bilstm/forward_lstm/lstm_cell/kernel", "transpose"),
                  ("bilstm/backward_lstm/lstm_cell/kernel", "transpose")]),
    ((384, 384), [("bilstm/forward_lstm/lstm_cell/recurrent_kernel", "gate block"),
                  ("bilstm/backward_lstm/lstm_cell/recurrent_kernel", "gate block")]),
    ((384,), [("bilstm/forward_lstm/lstm_cell/bias", "gate block"),
              ("bilstm/backward_lstm/lstm_cell/bias", "gate block")]),
    ((12, 384), [("bilstm/forward_lstm/lstm_cell/kernel", "gate block"),
                 ("bilstm/backward_lstm/lstm_cell/kernel", "gate block")]),
])
def test_seed_views(query, expected):
    assert _keras(analyze_file(SEED), query) == expected


@pytest.mark.parametrize("query, expected", [
    ((16, 8), [("mha/query/kernel", "head slice"), ("mha/key/kernel", "head slice"),
               ("mha/value/kernel", "head slice"), ("mha/attention_output/kernel", "head slice, transposed")]),
    ((16, 16), [("mha/query/kernel", "heads merged"), ("mha/key/kernel", "heads merged"),
                ("mha/value/kernel", "heads merged"), ("mha/attention_output/kernel", "heads merged")]),
    ((2, 9), [("g/gru_cell/bias", "weight")]),
    ((9,), [("g/gru_cell/bias", "bias slice")]),
    ((3,), [("g/gru_cell/bias", "bias slice, gate block")]),
    ((3, 3), [("g/gru_cell/recurrent_kernel", "gate block")]),
])
def test_attention_heads_and_gru_biases(query, expected):
    assert _keras(_mha_gru(), query) == expected


def test_views_take_real_blocks_of_keras_arrays():
    """Each view's description, applied with numpy to the array Keras builds, gives an
    array of the view's shape (and no view claims an impossible split)."""
    keras = pytest.importorskip("keras")
    import numpy as np

    inp = keras.Input((5, 16))
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=8, name="mha")
    gru = keras.layers.GRU(3, name="g")
    keras.Model(inp, gru(mha(inp, inp)))
    real = {w.path: np.asarray(w.numpy()) for w in [*mha.weights, *gru.weights]}
    report = _mha_gru()
    from shapecheck.explain import keras_arrays

    for array in keras_arrays(report):
        value = real[array.path]
        assert value.shape == array.shape
        for view in views(array):
            taken = value
            for stack in array.stacks:
                kind = f"{stack.kind} {'slice' if stack.sliced else 'block'}"
                if kind in view.kinds:
                    # take the first block or slice along the (remaining) axis
                    axis = stack.axis - sum(1 for s in array.stacks if s.sliced and s.axis < stack.axis
                                            and f"{s.kind} slice" in view.kinds)
                    n = len(stack.parts)
                    taken = np.take(taken, 0, axis) if stack.sliced else \
                        np.split(taken, n, axis=axis)[0]
            if "heads merged" in view.kinds:
                taken = value.reshape(view.shape if "transposed" not in view.kinds else view.shape[::-1])
            if "transposed" in view.kinds:
                taken = taken.T
            assert taken.shape == tuple(view.shape), (array.path, view)


def test_no_match_gives_the_nearest_shapes():
    report = analyze_file(SEED)
    result = lookup(report, (385, 12), ("keras",))
    assert result.matches == ()
    assert summary(result, report) == "No tensor of shape (385, 12) arises from this model's weights, in any layout."
    assert [m.shape for m in result.nearest][:2] == [(12, 384), (384, 12)]


# --- the command ------------------------------------------------------------------

def test_command_text(capsys):
    assert main(["explain", SEED, "--shape", "384,12", "--layout", "keras"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{SEED}: where a (384, 12) tensor comes from\n\nNo Keras weight is (384, 12);")
    assert "  bilstm/forward_lstm/lstm_cell/kernel (12, 1536): gate block, transposed\n" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_command_json(capsys):
    assert main(["explain", SEED, "--shape", "(384, 12)", "--layout", "keras", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["query"] == [384, 12] and doc["nearest"] == []
    first = doc["matches"][0]
    assert first == {"path": "bilstm/forward_lstm/lstm_cell/kernel", "layout": "keras", "layer": "bilstm",
                     "relation": "gate block, transposed", "shape": [384, 12], "stored_shape": [12, 1536],
                     "explanation": first["explanation"]}


@pytest.mark.parametrize("argv, message", [
    (["explain", SEED], "required: --shape"),
    (["explain", SEED, "--shape", "a,b"], "expected sizes separated by commas"),
    (["explain", SEED, "--shape", "99999999999999,1"], "expected sizes"),
    (["explain", "no/such.yaml", "--shape", "1"], "no such file"),
    (["explain", SEED, "--shape", "1", "--layout", "jax"], "invalid choice"),
])
def test_command_usage_errors(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_command_on_a_file_without_a_model(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("layers: [\n")
    assert main(["explain", str(bad), "--shape", "1,2"]) == 1
    assert "SC101" in capsys.readouterr().err
