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
    assert summary(result, report) == "No tensor of shape (385, 12) arises from this model's weights, in Keras's layout."
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


# --- PyTorch's and ONNX's layouts -------------------------------------------------

def test_the_seed_question_in_every_layout():
    report = analyze_file(SEED)
    result = lookup(report, (384, 12))
    assert [(m.layout, m.path, m.relation) for m in result.matches] == [
        ("keras", "bilstm/forward_lstm/lstm_cell/kernel", "gate block, transposed"),
        ("keras", "bilstm/backward_lstm/lstm_cell/kernel", "gate block, transposed"),
        ("pytorch", "bilstm.weight_ih_l0", "gate block"),
        ("pytorch", "bilstm.weight_ih_l0_reverse", "gate block"),
        ("onnx", "bilstm:W", "direction slice, gate block"),
    ]
    torch_match = result.matches[2]
    assert "Axis 0 holds 4 gates (i, f, g, o) side by side, so one gate's block is (384, 12); each is " \
           "hidden_size=384 wide" in torch_match.explanation
    assert "made from Keras's bilstm/forward_lstm/lstm_cell/kernel as kernel.T" in torch_match.explanation
    onnx_match = result.matches[4]
    assert "2 directions (forward, reverse)" in onnx_match.explanation
    assert "4 gates (i, o, f, c)" in onnx_match.explanation
    headline = summary(result, report)
    assert "In PyTorch's layout it is one gate's block of bilstm.weight_ih_l0 (1536, 12)." in headline


@pytest.mark.parametrize("query, expected", [
    ((1536, 12), [("keras", "transpose"), ("keras", "transpose"), ("pytorch", "weight"),
                  ("pytorch", "weight"), ("onnx", "direction slice")]),
    ((2, 3072), [("onnx", "weight")]),
    ((1536,), [("keras", "weight"), ("keras", "weight"), ("pytorch", "weight"), ("pytorch", "weight"),
               ("pytorch", "weight"), ("pytorch", "weight"), ("onnx", "direction slice, bias block")]),
])
def test_seed_shapes_across_layouts(query, expected):
    result = lookup(analyze_file(SEED), query)
    assert [(m.layout, m.relation) for m in result.matches] == expected


def test_pytorch_attention_projections_and_heads():
    report = _mha_gru()
    rel = {(m.path, m.relation) for m in lookup(report, (8, 16), ("pytorch",)).matches}
    assert ("mha.in_proj_weight", "projection block, head block") in rel
    rel = {(m.path, m.relation) for m in lookup(report, (48, 16), ("pytorch",)).matches}
    assert rel == {("mha.in_proj_weight", "weight")}


def test_views_of_framework_arrays_match_torch_state_dict():
    """PyTorch's own arrays: every stacking the lookup describes splits them evenly."""
    torch = pytest.importorskip("torch")
    from shapecheck.explain import framework_arrays

    report = analyze_file(SEED)
    module = torch.nn.LSTM(12, 384, batch_first=True, bidirectional=True)
    state = {f"bilstm.{k}": tuple(v.shape) for k, v in module.state_dict().items()}
    arrays = framework_arrays(report, "pytorch")
    assert {a.path: tuple(a.shape) for a in arrays} == state
    for array in arrays:
        [gates] = array.stacks
        assert gates.axis == 0 and gates.parts == ("i", "f", "g", "o")
        assert state[array.path][0] == 4 * 384


def test_main_command_layout_pytorch_json(capsys):
    import jsonschema

    assert main([SEED, "--layout", "pytorch", "--format", "json", "--no-config"]) == 0
    doc = json.loads(capsys.readouterr().out)
    schema = json.loads((ROOT / "shapecheck" / "schema" / "report.schema.json").read_text())
    jsonschema.validate(doc, schema)
    [file] = doc["files"]
    assert file["layout"] == "pytorch"
    assert file["total_params"] == 1_222_656 and file["trainable_params"] == 1_222_656
    bilstm = file["layers"][1]
    assert bilstm["params"] == 1_222_656
    assert bilstm["layout"]["module"] == "nn.LSTM(12, 384, batch_first=True, bidirectional=True)"
    assert [(w["name"], w["shape"]) for w in bilstm["layout"]["weights"]][:4] == [
        ("weight_ih_l0", [1536, 12]), ("weight_hh_l0", [1536, 384]), ("bias_ih_l0", [1536]),
        ("bias_hh_l0", [1536])]


def test_main_command_layout_text_and_no_equivalent(tmp_path, capsys):
    spec = tmp_path / "gru.yaml"
    spec.write_text("inputs: {x: [?, t, 8]}\nlayers:\n  - {name: g, type: GRU, units: 4, reset_after: false}\n")
    assert main([str(spec), "--layout", "pytorch", "--no-config"]) == 0  # a warning, not an error
    out = capsys.readouterr().out
    assert f"{spec}:3:5: SC501 (warning)" in out
    assert "g (GRU)                            (None, 4)                                   ?" in out
    assert main([SEED, "--layout", "onnx", "--no-config"]) == 0
    out = capsys.readouterr().out
    assert "bilstm (Bidirectional) -> LSTM(hidden_size=384, direction='bidirectional')" in out
    assert "  W  (2, 1536, 12)  36,864 params" in out


def test_readme_shows_the_real_explain_output(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["explain", "specs/seed_bilstm.yaml", "--shape", "384,12"]) == 0
    head = "\n".join(capsys.readouterr().out.split("\n")[:8])
    assert f"```text\n{head}\n```" in (ROOT / "README.md").read_text()


# --- generated models ---------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

GATES = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}


@st.composite
def recurrent_models(draw):
    kind = draw(st.sampled_from(sorted(GATES)))
    units = draw(st.integers(1, 64))
    features = draw(st.integers(1, 64))
    layer = {"type": kind, "units": units, "return_sequences": True}
    if draw(st.booleans()):
        layer = {"type": "Bidirectional", "layer": layer}
    dense = draw(st.integers(1, 32))
    spec = {"inputs": {"x": ["?", "t", features]},
            "layers": [{"name": "rnn", **layer}, {"name": "out", "type": "Dense", "units": dense}],
            "outputs": ["out"]}
    return kind, units, features, spec


@settings(max_examples=60, deadline=None)
@given(recurrent_models())
def test_every_weight_and_gate_block_is_found(model):
    kind, units, features, spec = model
    report = analyze(spec)
    assert report.ok
    for layer in report.layers.values():
        for w in layer.weights:
            found = {(m.path, m.relation) for m in lookup(report, tuple(w.shape), ("keras",)).matches}
            assert (w.path, "weight") in found
            if len(w.shape) == 2 and w.shape[0] != w.shape[1]:
                found = {(m.path, m.relation) for m in lookup(report, tuple(w.shape[::-1]), ("keras",)).matches}
                assert (w.path, "transpose") in found
    n = GATES[kind]
    kernels = [w.path for w in report.layers["rnn"].weights if w.path.endswith("/kernel")]
    block = {(m.path, m.relation) for m in lookup(report, (units, features), ("keras",)).matches}
    for path in kernels:
        relation = "gate block, transposed" if n > 1 else "transpose"
        if units == features and n == 1:
            relation = "weight"
        assert (path, relation) in block or (units == features and (path, "gate block") in block)
    # PyTorch: each state_dict entry is found whole; each weight_ih's gate block is (units, features)
    torch_found = lookup(report, (units, features), ("pytorch",)).matches
    weight_ih = [m for m in torch_found if ".weight_ih_l0" in m.path]
    assert len(weight_ih) == len(kernels)
    assert all(m.relation == ("gate block" if n > 1 else "weight") for m in weight_ih)


# ---- issue 19, item 9: a shape as Keras prints it, an activation's
@pytest.mark.parametrize("text", ["(None, 4995, 768)", "None,4995,768", "?, 4995, 768"])
def test_an_activation_shape_as_keras_prints_it(text, capsys):
    assert main(["explain", str(ROOT / "specs" / "seed_bilstm.yaml"), "--shape", text]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "the output of bilstm (Bidirectional), (None, t, 768) in the model, with t = 4995" in out
    assert "an activation, not a weight" in out


def test_activation_lookup_solves_and_checks_named_sizes():
    report = analyze({"dims": {"t": {"min": 1}}, "inputs": {"x": [None, "2*t", 3]},
                      "layers": [{"type": "Dense", "units": 5}]})
    (m,) = [m for m in lookup(report, (None, 8, 5)).matches if m.relation == "activation"]
    assert m.layer == "dense" and "t = 4" in m.explanation
    assert not [m for m in lookup(report, (None, 7, 5)).matches if m.relation == "activation"]  # 2*t is even
    (m,) = [m for m in lookup(report, (32, 8, 3)).matches if m.relation == "activation"]
    assert m.layer == "x" and "a batch size where the model has None" in m.explanation
    assert "activation" in summary(lookup(report, (None, 8, 5)), report)
