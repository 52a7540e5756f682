"""Declarative custom-layer rules (docs/custom-layers.md): in a spec, in
pyproject.toml and through the API; their shapes, weights and diagnostics; and real
custom Keras classes built in Keras, compared with their declared rules."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

import shapecheck
from shapecheck.cli import main
from shapecheck.dims import fmt_shape

REPO = Path(__file__).resolve().parent.parent
DOC = (REPO / "docs" / "custom-layers.md").read_text()


def doc_block(lang: str, index: int = 0) -> str:
    return re.findall(rf"```{lang}\n(.*?)```", DOC, re.S)[index]


def analyze_yaml(tmp_path, text: str, **kw):
    path = tmp_path / "spec.yaml"
    path.write_text(textwrap.dedent(text))
    return shapecheck.analyze(path, **kw)


def shapes(report) -> dict:
    return {n: [fmt_shape(s) for s in layer.output_shapes or ()] for n, layer in report.layers.items()}


# --- shapes and weights ---------------------------------------------------------------

CASES = [
    # (declaration, layer args, input shape, expected output shapes, expected weights)
    ({"output": "input", "weights": {"gamma": ["projection_dim"]}}, {"projection_dim": 12},
     [None, "t", 12], ["(None, t, 12)"], {"l/gamma": (12,)}),
    ({"output": ["input[0]", "input[1] // 2", "2 * units"], "weights": {"kernel": ["input[-1]", "units"]}},
     {"units": 5}, [None, "t", 12], ["(None, floor(t/2), 10)"], {"l/kernel": (12, 5)}),
    ({"output": ["input[0]", "input[1:-1]", "units"]}, {"units": 3}, [None, 4, 5, 6, 7],
     ["(None, 4, 5, 6, 3)"], {}),
    ({"output": ["input[:-1]", "ceil(input[-1] / 4)", "null"]}, {}, [None, "t", 9],
     ["(None, t, 3, None)"], {}),
    ({"outputs": ["input", ["input[0]", "units"]]}, {"units": 2}, [None, 7],
     ["(None, 7)", "(None, 2)"], {}),
    ({"output": "input", "weights": {"stat": {"shape": ["input[-1]"], "trainable": False}}}, {},
     [None, 3], ["(None, 3)"], {"l/stat": (3,)}),
    ({"output": ["input[0]", "min(input[1], units)"]}, {"units": 4}, [None, 9], ["(None, 4)"], {}),
]


@pytest.mark.parametrize("decl,args,shape,outs,weights", CASES)
def test_declared_rule(decl, args, shape, outs, weights):
    spec = {"inputs": {"x": shape}, "custom_layers": {"Mine": decl},
            "layers": [{"name": "l", "type": "Mine", **args}]}
    report = shapecheck.analyze(spec)
    assert report.ok, [d.message for d in report.diagnostics]
    layer = report.layers["l"]
    assert [fmt_shape(s) for s in layer.output_shapes] == outs
    assert {w.path: w.shape for w in layer.weights} == weights
    for w in layer.weights:
        assert all("custom rule" in a.why for a in w.axes)


def test_non_trainable_declared_weight_counts_apart():
    spec = {"inputs": {"x": [None, 3]}, "layers": [{"name": "l", "type": "Mine"}],
            "custom_layers": {"Mine": {"output": "input", "weights": {
                "a": [3, 2], "b": {"shape": [3], "trainable": False}}}}}
    report = shapecheck.analyze(spec)
    assert (report.total_params, report.trainable_params) == (9, 6)


def test_docs_yaml_example_runs(tmp_path):
    decl = doc_block("yaml")
    report = analyze_yaml(tmp_path, "inputs: {x: [?, t, 12]}\n" + decl +
                          "layers:\n  - {type: PatchMerge, units: 5, name: p}\n")
    assert report.ok, [d.message for d in report.diagnostics]
    assert shapes(report)["p"] == ["(None, floor(t/2), 10)"]
    assert [(w.path, w.shape, w.trainable) for w in report.layers["p"].weights] == [
        ("p/kernel", (12, 5), True), ("p/moving_stat", (5,), False)]


def test_flow_list_brackets_are_read(tmp_path):
    # In a YAML flow list, input[0] unquoted is re-read as input(0): accepted, and shown as input[0].
    report = analyze_yaml(tmp_path, """
        inputs: {x: [?, 6, 4]}
        custom_layers:
          Half: {output: [input[0], input[1] // 2, input[-1]], weights: {w: [input[-1], 2]}}
        layers: [{type: Half, name: h}]
        """)
    assert report.ok and shapes(report)["h"] == ["(None, 3, 4)"]
    assert [a.formula for a in report.layers["h"].weights[0].axes] == ["input[-1]", "2"]


def test_wrapped_and_nested_custom_layers():
    spec = {"inputs": {"x": [None, 5, 7]}, "custom_layers": {"Mine": {
                "output": ["input[0]", "units"], "weights": {"k": ["input[-1]", "units"]}}},
            "layers": [{"name": "td", "type": "TimeDistributed",
                        "layer": {"type": "Mine", "units": 3, "name": "mine"}}]}
    report = shapecheck.analyze(spec)
    assert report.ok, [d.message for d in report.diagnostics]
    assert shapes(report)["td"] == ["(None, 5, 3)"]
    assert [(w.path, w.shape) for w in report.layers["td"].weights] == [("td/mine/k", (7, 3))]


def test_spec_declaration_wins_over_api():
    spec = {"inputs": {"x": [None, 3]}, "layers": [{"name": "l", "type": "Mine"}],
            "custom_layers": {"Mine": {"output": ["input[0]", 1]}}}
    report = shapecheck.analyze(spec, custom_layers={"Mine": {"output": ["input[0]", 2]},
                                                     "Other": {"output": "input"}})
    assert shapes(report)["l"] == ["(None, 1)"]


def test_module_qualified_matching():
    def run(decl_name, type_name):
        spec = {"inputs": {"x": [None, 3]}, "layers": [{"name": "l", "type": type_name}],
                "custom_layers": {decl_name: {"output": "input"}}}
        return {d.code for d in shapecheck.analyze(spec).diagnostics}

    assert run("LayerScale", "otherlib.convnext.LayerScale") == set()
    assert run("mypkg.LayerScale", "mypkg.LayerScale") == set()
    assert run("mypkg.LayerScale", "otherpkg.LayerScale") == {"SC408"}


def test_undeclared_custom_layer_hint_points_at_declarations():
    spec = {"inputs": {"x": [None, 3]}, "layers": [{"name": "l", "type": "mypkg.Thing"}]}
    [d] = shapecheck.analyze(spec).diagnostics
    assert d.code == "SC408" and "custom_layers" in d.hint and "docs/custom-layers.md" in d.hint


# --- diagnostics ----------------------------------------------------------------------

BAD = [
    ("unknown-field", "Mine: {output: input, weight: {a: [1]}}", "SC409", (3, 25), "did you mean 'weights'"),
    ("no-output", "Mine: {weights: {a: [1]}}", "SC409", (3, 3), "exactly one of output"),
    ("both-outputs", "Mine: {output: input, outputs: [input]}", "SC409", (3, 3), "exactly one"),
    ("bad-expression", "Mine: {output: ['input[0]', 'units +']}", "SC409", (3, 10), "units +"),
    ("python-in-expression", "Mine: {output: ['__import__(\"os\")']}", "SC409", (3, 10), "unexpected"),
    ("not-a-shape", "Mine: {output: everything}", "SC409", (3, 10), "not a shape"),
    ("whole-tensor-as-axis", "Mine: {output: ['inputs[1]']}", "SC409", (3, 10), "a whole tensor"),
    ("shadows-keras", "Dense: {output: input}", "SC409", (3, 3), "Keras's own Dense"),
    ("bad-inputs", "Mine: {inputs: 0, output: input}", "SC409", (3, 10), "inputs must be"),
    ("weight-without-axes", "Mine: {output: input, weights: {w: input}}", "SC409", (3, 35), "list its axes"),
    ("float-axis", "Mine: {output: [1.5]}", "SC409", (3, 10), "not a size"),
]


@pytest.mark.parametrize("name,decl,code,at,text", BAD, ids=[b[0] for b in BAD])
def test_malformed_declaration(tmp_path, name, decl, code, at, text):
    report = analyze_yaml(tmp_path, f"inputs: {{x: [?, 3]}}\ncustom_layers:\n  {decl}\n"
                          "layers: [{type: Dense, units: 1}]\n")
    found = [d for d in report.diagnostics if d.code == code]
    assert found, [(d.code, d.message) for d in report.diagnostics]
    d = found[0]
    assert (d.location.line, d.location.column) == at, d
    assert text in d.message + (d.hint or "")


CALL_ERRORS = [
    ({"output": ["input[0]", "units"]}, {}, [None, 3], "SC404", "needs the argument 'units'"),
    ({"output": ["input[0]", "units"]}, {"units": "many"}, [None, 3], "SC403", "got 'many'"),
    ({"output": ["input[0]", "input[4]"]}, {}, [None, 3], "SC301", "axis 4 of a rank-2 input"),
    ({"output": "input", "weights": {"w": ["input[1]"]}}, {}, [None, None], "SC302", "unknown size"),
    ({"inputs": 2, "output": "input"}, {}, [None, 3], "SC206", "takes 2 input tensor"),
    ({"output": ["input[1] - 5"]}, {}, [None, 3], "SC308", "= -2"),
]


@pytest.mark.parametrize("decl,args,shape,code,text", CALL_ERRORS)
def test_declared_rule_errors(decl, args, shape, code, text):
    spec = {"inputs": {"x": shape}, "custom_layers": {"Mine": decl},
            "layers": [{"name": "l", "type": "Mine", **args}]}
    [d] = shapecheck.analyze(spec).diagnostics
    assert d.code == code and text in d.message, d


# --- pyproject.toml and the command line ----------------------------------------------

PYPROJECT = """\
[project]
name = "demo"

[tool.shapecheck.dims]
t = 7

[tool.shapecheck.custom_layers.Mine]
output = ["input[0]", "input[1]", "units"]
weights = { kernel = ["input[-1]", "units"] }
"""

SPEC = "inputs: {x: [?, t, 4]}\nlayers:\n  - {type: Mine, units: 3, name: m}\n"


def test_pyproject_is_found_from_the_current_folder(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.yaml").write_text(SPEC)
    monkeypatch.chdir(tmp_path / "models")
    assert main(["m.yaml", "--format", "json"]) == 0
    import json

    layer = json.loads(capsys.readouterr().out)["files"][0]["layers"][1]
    assert layer["output_shapes"] == [[None, 7, 3]]  # t bound by [tool.shapecheck.dims]
    assert main(["m.yaml", "--dim", "t=9", "--no-explain"]) == 0  # the command line wins
    assert "(None, 9, 3)" in capsys.readouterr().out
    assert main(["m.yaml", "--no-config"]) == 1
    assert "SC401 unknown layer type 'Mine'" in capsys.readouterr().out


def test_explicit_config_and_its_errors(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.yaml").write_text(SPEC)
    cfg = tmp_path / "conf.toml"
    cfg.write_text(PYPROJECT.replace('output = ["input[0]"', 'outptu = ["input[0]"'))
    assert main(["m.yaml", "--config", str(cfg)]) == 1
    out = capsys.readouterr().out
    assert f"{cfg}:8:1: SC409 custom rule 'Mine': unknown field 'outptu'" in out
    cfg.write_text("[tool.shapecheck]\ndims = {t = 0}\nformt = 'json'\n")
    assert main(["m.yaml", "--config", str(cfg)]) == 1
    out = capsys.readouterr().out
    assert f"{cfg}:3:1: SC112 unknown setting 'formt'" in out
    assert "SC112 [tool.shapecheck.dims] t must be a positive integer" in out
    cfg.write_text("[tool.shapecheck\n")
    assert main(["m.yaml", "--config", str(cfg)]) == 1
    assert f"{cfg}:1:" in capsys.readouterr().out
    assert main(["m.yaml", "--config", str(tmp_path / "nope.toml")]) == 2


# --- against Keras: real custom classes, declared ---------------------------------------


@pytest.mark.keras
@pytest.mark.parametrize("units,shape", [(3, (5, 4)), (1, (2, 9)), (6, (7, 1))])
def test_declared_rules_match_keras_custom_classes(tmp_path, units, shape):
    keras = pytest.importorskip("keras")
    from keras_oracle import keras_facts

    @keras.saving.register_keras_serializable(package="shapecheck_tests")
    class PatchMerge(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.kernel = self.add_weight(name="kernel", shape=(input_shape[-1], self.units))
            self.stat = self.add_weight(name="moving_stat", shape=(self.units,), trainable=False)

        def call(self, x):
            x = x[:, : (x.shape[1] // 2) * 2]
            b, t, d = keras.ops.shape(x)
            y = keras.ops.reshape(x, (b, t // 2, 2, d)) @ self.kernel
            return keras.ops.reshape(y, (b, t // 2, 2 * self.units))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    keras.backend.clear_session()
    x = keras.Input(shape)
    y = PatchMerge(units, name="p")(x)
    z = keras.layers.Dense(2, name="d")(y)
    model = keras.Model(x, z)
    model(keras.ops.ones((2, *shape)))  # the call really produces the declared shape
    custom = {"PatchMerge": {"output": ["input[0]", "input[1] // 2", "2 * units"],
                             "weights": {"kernel": ["input[-1]", "units"],
                                         "moving_stat": {"shape": ["units"], "trainable": False}}}}
    path = tmp_path / "m.json"
    path.write_text(model.to_json())
    report = shapecheck.analyze(path, custom_layers=custom)
    assert report.ok, [d.message for d in report.diagnostics]
    facts = keras_facts(model)
    for name in ("p", "d"):
        got = report.layers[name]
        assert [tuple(s) for s in got.output_shapes] == [tuple(s) for s in facts[name]["output_shapes"]]
        assert [(w.path, w.shape, w.trainable) for w in got.weights] == \
            [(p, tuple(s), t) for p, s, t, *_ in facts[name]["weights"]]
    assert report.total_params == model.count_params()
