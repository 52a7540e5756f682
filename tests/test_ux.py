"""What a new user tripped on (issue 19): each a message or a format that did not fit,
checked here as it reads now."""

from __future__ import annotations

import json

import pytest

import shapecheck
from shapecheck.cli import main
from shapecheck.config import _code_guess


def test_bidirectional_initial_state_count_names_both_directions():
    spec = {"inputs": {"x": [None, 5, 3], "h": [None, 4]},
            "layers": [{"type": "Bidirectional", "layer": {"type": "LSTM", "units": 4}, "inputs": "x",
                        "initial_state": ["h", "h", "h"]}]}
    (error,) = shapecheck.analyze(spec).errors
    assert error.code == "SC305"
    assert error.message == "Bidirectional(LSTM) takes 4 initial state tensors (h, c forward; h, c backward), got 3"


def test_wrong_input_count_hint_uses_the_files_own_names():
    spec = {"inputs": {"x": [None, 5, 3]},
            "layers": [{"name": "encoder", "type": "LSTM", "units": 4, "return_state": True},
                       {"type": "Dense", "units": 2}]}
    (error,) = shapecheck.analyze(spec).errors
    assert error.code == "SC206" and "`inputs: encoder[0]`" in error.hint and "enc[0]" not in error.hint


def test_a_dicts_hints_do_not_say_line_none():
    spec = {"inputs": {"x": [None, 5, 3]}, "layers": [{"type": "LSTM", "units": 4}, {"type": "LSTM", "units": 2}]}
    (error,) = shapecheck.analyze(spec).errors
    assert "line None" not in error.hint and "return_sequences" in error.hint


def test_an_unknown_severity_code_suggests_only_a_near_miss():
    assert _code_guess("SC999") is None
    assert _code_guess("sc301") == "SC301"
    assert _code_guess("SC3O1") == "SC301"


def test_a_dim_the_model_does_not_have_is_said(tmp_path, capsys):
    assert main(["specs/seed_bilstm.yaml", "--dim", "tt=5", "--no-explain"]) == 0
    out = capsys.readouterr().out
    assert "SC117" in out and "did you mean 't'?" in out


def test_dim_zero_is_refused(capsys):
    assert main(["specs/seed_bilstm.yaml", "--dim", "t=0"]) == 2
    assert "positive" in capsys.readouterr().err


def test_json_layers_say_their_status(capsys):
    spec = {"inputs": {"x": [None, 5, 3]},
            "layers": [{"type": "LSTM", "units": 4}, {"type": "LSTM", "units": 2}, {"type": "Dense", "units": 1}]}
    layers = shapecheck.analyze(spec).to_dict()["layers"]
    assert [layer["status"] for layer in layers] == ["ok", "ok", "failed", "skipped"]
    assert json.dumps(layers)


def test_str_of_a_diagnostic_is_the_command_lines_line():
    spec = {"inputs": {"x": [None, 5, 3]}, "layers": [{"type": "LSTM", "units": 4}, {"type": "LSTM", "units": 2}]}
    (error,) = shapecheck.analyze(spec).errors
    first = str(error).split("\n")[0]
    assert first.startswith("<dict>:1:1: SC301 Input 0 of layer") and first.endswith("[lstm_1]")
    assert str(error).split("\n")[1].startswith("    hint: ")


# ---- issue 19, item 8: cosmetics
def test_a_report_without_a_table_starts_with_its_findings(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("layers: [\n")
    assert main([str(bad), "--no-explain"]) == 1
    assert capsys.readouterr().out.split("\n")[0].startswith(f"{bad}:")


def test_an_unnamed_model_is_not_named_after_its_file(tmp_path, capsys):
    spec = tmp_path / "dims.yaml"
    spec.write_text("inputs:\n  x: [?, 4]\nlayers:\n  - {type: Dense, units: 2}\n")
    assert main([str(spec), "--no-explain"]) == 0
    assert capsys.readouterr().out.split("\n")[0] == f"Model: (unnamed)  ({spec})"


def test_weights_that_disagree_name_only_the_differing_ones():
    from shapecheck.api import _with_weight_check

    report = shapecheck.analyze({"inputs": {"x": [None, 4]}, "layers": [{"type": "Dense", "units": 3}]})
    same_count = _with_weight_check(report, {"dense": [("kernel", (5, 3)), ("bias", (3,))]})
    (d,) = same_count.errors
    assert d.code == "SC109" and "bias" not in d.message
    assert "the file stores kernel (5, 3), its config implies dense/kernel (4, 3)" in d.message
    (d,) = _with_weight_check(report, {"dense": [("kernel", (4, 3))]}).errors
    assert "stores 1 weight(s)" in d.message and "implies 2" in d.message


# ---- issue 19, item 1: a way past a Lambda
LAMBDA_SPEC = {
    "inputs": {"a": [None, 8], "b": [None, 8]},
    "layers": [{"type": "Dense", "units": 4, "inputs": "a", "name": "da"},
               {"type": "Dense", "units": 4, "inputs": "b", "name": "db"},
               {"type": "Lambda", "name": "distance", "inputs": ["da", "db"], "arguments": {"k": 3}},
               {"type": "Dense", "units": 1, "inputs": "distance"}],
}


def test_a_lambda_is_declared_by_its_layer_name():
    (undeclared, _) = shapecheck.analyze(LAMBDA_SPEC).diagnostics
    assert undeclared.code == "SC408" and "custom_layers: {distance: {output: ...}}" in undeclared.hint
    declared = shapecheck.analyze(LAMBDA_SPEC, custom_layers={
        "distance": {"inputs": 2, "output": ["inputs[0][0]", "k"]}})
    assert declared.ok and declared.layers["distance"].output_shapes == ((None, 3),)
    assert declared.layers["distance"].type == "Lambda"
    assert [d.code for d in declared.diagnostics] == ["SC410"]
    (refused,) = shapecheck.analyze(LAMBDA_SPEC, custom_layers={"Lambda": {"output": "input"}}).diagnostics[:1]
    assert refused.code == "SC409" and "by the layer's name" in refused.hint


def test_a_keras_3_lambda_says_what_the_file_holds():
    keras = pytest.importorskip("keras")
    x = keras.Input((3,))
    model = keras.Model(x, keras.layers.Lambda(lambda t: t * 2, output_shape=(3,))(x))
    report = shapecheck.analyze(json.loads(model.to_json()))
    (note,) = [d for d in report.diagnostics if d.code == "SC111"]
    assert "None." not in note.message and "holds a Python lambda as compiled bytecode" in note.message


# ---- issue 19, item 5: layouts say whose count and which weight
def test_a_layout_says_whose_count_and_which_direction(capsys):
    assert main(["specs/seed_bilstm.yaml", "--layout", "pytorch"]) == 0
    out = capsys.readouterr().out
    assert "Total params (PyTorch's count): 1,222,656" in out
    assert "= bias  (forward_lstm/lstm_cell/bias)" in out and "= bias  (backward_lstm/lstm_cell/bias)" in out
    assert main(["specs/seed_bilstm.yaml", "--layout", "onnx", "--format", "markdown"]) == 0
    assert "Total params (ONNX's count): 1,222,656" in capsys.readouterr().out
    assert main(["specs/seed_bilstm.yaml", "--no-explain"]) == 0
    assert "Total params: 1,219,584" in capsys.readouterr().out


# ---- issue 19, item 9: summary parity with Keras (params' memory, "Connected to")
def test_the_summary_says_what_keras_summary_says(capsys, monkeypatch):
    keras = pytest.importorskip("keras")
    monkeypatch.setenv("COLUMNS", "300")  # rich would cut Keras's table to the terminal's width
    L = keras.layers
    keras.backend.clear_session()
    src, tgt = keras.Input((None, 32), name="src"), keras.Input((None, 16), name="tgt")
    _, h, c = L.LSTM(256, return_state=True, name="enc")(src)
    dec = L.LSTM(256, return_sequences=True, name="dec")(tgt, initial_state=[h, c])
    model = keras.Model([src, tgt], L.TimeDistributed(L.Dense(1000), name="logits")(dec), name="seq2seq")
    lines: list[str] = []
    model.summary(line_length=250, print_fn=lambda text, **kw: lines.extend(text.splitlines()))
    theirs = {}
    for row in lines:
        cells = [c.strip() for c in row.strip("│ ").split("│")]
        if len(cells) == 4 and "(" in cells[0] and cells[0] != "Layer (type)":
            theirs[cells[0].split(" ")[0]] = cells[3]
    totals = [row.strip() for row in lines if "params:" in row]
    assert main(["specs/seq2seq.yaml", "--no-explain"]) == 0
    out = capsys.readouterr().out
    ours = {}
    for row in out.splitlines():
        name = row.split(" ")[0]
        if name in theirs:
            ours[name] = row[row.index(" ", 80):].strip() if len(row) > 80 else "-"
    assert ours == theirs and len(theirs) == 5, (ours, theirs)
    assert [t.replace(" ", "") for t in totals] == \
        [row.replace(" ", "") for row in out.splitlines() if "params:" in row]


def test_one_line_json_positions_give_the_key_path(tmp_path, capsys):
    configs = json.loads(open("tests/fixtures/keras_configs.json").read())["configs"]
    config = json.loads(json.dumps(next(c for n, c in configs.items() if n.startswith("k3"))))
    k = next(i for i, layer in enumerate(config["config"]["layers"]) if layer["class_name"] == "Dense")
    config["config"]["layers"][k]["config"]["units"] = -3
    one_line, indented = tmp_path / "model.json", tmp_path / "indented.json"
    one_line.write_text(json.dumps(config))
    indented.write_text(json.dumps(config, indent=2))
    assert main([str(one_line), "--quiet"]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert ": SC403 " in first and first.endswith(f"(at config.layers[{k}].config.units)")
    report = shapecheck.analyze(str(one_line))
    assert report.errors[0].to_dict()["json_path"] == f"config.layers[{k}].config.units"
    assert shapecheck.analyze(str(indented)).errors[0].location.json_path is None  # lines say it


def test_a_subclassed_model_saved_by_keras_is_said_to_be_one(tmp_path):
    keras = pytest.importorskip("keras")

    class Tagger(keras.Model):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.dense = keras.layers.Dense(3)

        def call(self, x):
            return self.dense(x)

    model = Tagger()
    model(keras.ops.zeros((1, 4)))
    model.save(tmp_path / "tagger.keras")
    (tmp_path / "tagger.json").write_text(model.to_json())
    for name in ("tagger.keras", "tagger.json"):
        (error,) = shapecheck.analyze(str(tmp_path / name)).errors
        assert error.code == "SC102" and error.message.startswith("a subclassed model (Tagger): its config "
                                                                  "holds no layers"), error.message
    # a Keras layer's own config is not called a subclassed model
    dense = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2}, "registered_name": None}
    assert "subclassed" not in shapecheck.analyze(dense).diagnostics[0].message
