"""TensorFlow Addons' layers (shapecheck/rules/addons.py) against what tfa builds.

tfa's last release needs TensorFlow 2.15, older than the test environment's, so its
answers are recorded (tests/addons_oracle.py, tests/fixtures/addons_truth.json): each
case's output shapes and weights (names, shapes, trainability, in ``layer.weights``
order) or the error tfa raised, and a model of its layers saved by tf.keras 2
(tests/fixtures/addons_model.json) with its layers' facts. Each rule must give the same,
on the same cases; the Keras-file reader must read the saved model as tf.keras built it,
in both ways tf.keras writes tfa's classes; the Python reader must read the program that
built it the same way.
"""

from __future__ import annotations

import json

import addons_oracle
import pytest
from helpers import run

from shapecheck.api import analyze_python, analyze_text

RECORD = json.loads(addons_oracle.TRUTH.read_text(encoding="utf-8"))
CASES = {c["id"]: c for c in RECORD["cases"]}

# The finding each case tfa refuses gets (tfa's message is quoted in it where tfa has one).
ERRORS = {
    "group/not-a-divisor": "SC306", "group/more-than-channels": "SC306", "group/unknown-channels": "SC302",
    "group/batch-axis": "SC403", "group/axis-out-of-range": "SC301", "instance/unknown-channels": "SC302",
    "frn/rank-3": "SC301", "frn/unknown-height": "SC302", "frn/other-axes": "SC403",
    "frn/unknown-channels": "SC302", "tlu/unknown-axis": "SC302", "maxout/not-a-divisor": "SC306",
    "stochastic/mismatch": "SC306", "stochastic/one-input": "SC206", "adaptive-avg-1d/uneven": "SC306",
    "adaptive-max-2d/uneven": "SC306", "adaptive-max-3d/uneven": "SC306", "weightnorm/no-kernel": "SC405",
    "weightnorm/conv-transpose": "SC306", "spectralnorm/power-iterations-0": "SC403",
    "spectralnorm/no-kernel": "SC405", "spectralnorm/depthwise": "SC405", "mha/key-value-mismatch": "SC306",
    "mha/one-input": "SC206", "mha/output-size-0": "SC403", "mha/unknown-features": "SC302",
    "crf/no-kernel-mismatch": "SC306", "crf/rank-2": "SC301", "noisy/sequence-no-bias": "SC403",
    "noisy/unknown-features": "SC302", "poly/projection-too-big": "SC403", "poly/one-input": "SC206",
}


def _weights(facts: list[dict], layer: str) -> list[tuple]:
    """tfa's weights as (path under the layer, shape, trainable); a variable made outside
    the layer's name scope (Snake's) has no layer name in front."""
    return [(w["name"].removeprefix(f"{layer}/").removesuffix(":0"), tuple(w["shape"]), w["trainable"])
            for w in facts]


def _ours(layer) -> list[tuple]:
    return [(w.path.split("/", 1)[1], tuple(w.shape), w.trainable) for w in layer.weights]


def test_the_record_is_of_these_cases():
    assert [(c["id"], c["layer"], c["inputs"]) for c in RECORD["cases"]] == \
        [(cid, layer, shapes) for cid, layer, shapes in addons_oracle.CASES]
    assert set(ERRORS) == {cid for cid, c in CASES.items() if "error" in c["truth"]}
    assert "tensorflow-addons 0.23.0" in RECORD["made_by"]


@pytest.mark.parametrize("cid", list(CASES))
def test_rule_gives_what_tfa_builds(cid):
    case = CASES[cid]
    truth = case["truth"]
    layer = {**case["layer"], "type": f"Addons>{case['layer']['type']}"}
    report, got = run(layer, *case["inputs"])
    errors = [d for d in report.diagnostics if d.severity.value == "error"]
    if "error" in truth:
        assert [d.code for d in errors] == [ERRORS[cid]], (truth["error"], report.diagnostics)
        return
    assert not errors, (truth, errors)
    assert [list(s) for s in got.output_shapes] == truth["outputs"]
    assert _ours(got) == _weights(truth["weights"], _layer_name(truth))
    assert got.params == truth["params"]


def _layer_name(truth: dict) -> str:
    """The name tfa's layer had in the oracle (its auto-name): the prefix of its weights."""
    names = [w["name"] for w in truth["weights"] if "/" in w["name"]]
    return names[0].split("/", 1)[0] if names else ""


def test_messages_say_what_tfa_says():
    """Where tfa has words of its own, the finding uses them: a user searching for the
    error finds it."""
    for cid in ("group/not-a-divisor", "group/more-than-channels", "group/batch-axis", "frn/rank-3",
                "maxout/not-a-divisor", "stochastic/one-input", "weightnorm/no-kernel", "spectralnorm/no-kernel",
                "mha/key-value-mismatch", "mha/output-size-0", "poly/projection-too-big", "poly/one-input"):
        case = CASES[cid]
        report, _ = run({**case["layer"], "type": f"Addons>{case['layer']['type']}"}, *case["inputs"])
        said = case["truth"]["error"].split(": ", 1)[1]
        assert said in report.diagnostics[0].message, (said, report.diagnostics[0].message)


# --- models of tfa's layers, saved by tf.keras 2 and built by their programs -----------------


def _facts_of(report) -> list[tuple]:
    return [(name, [list(s) for s in layer.output_shapes], layer.params, _ours(layer))
            for name, layer in report.layers.items() if layer.type != "InputLayer"]


def _truth_of(program: str) -> list[tuple]:
    return [(layer["name"], layer["output_shapes"], layer["params"], _weights(layer["weights"], layer["name"]))
            for layer in RECORD["models"][program]["layers"] if layer["class"] != "InputLayer"]


@pytest.mark.parametrize("program", list(addons_oracle.PROGRAMS))
def test_keras_file_of_tfa_layers_reads_as_tf_keras_built_it(program):
    """tf.keras 2.13-2.15 write a tfa layer's class with tfa's module beside it."""
    text = addons_oracle.saved(program).read_text(encoding="utf-8")
    assert '"module": "tensorflow_addons.layers' in text
    [report] = analyze_text(text, "model.json")
    assert report.ok and not report.diagnostics, report.diagnostics
    assert _facts_of(report) == _truth_of(program)
    assert report.total_params == RECORD["models"][program]["params"]


@pytest.mark.parametrize("program", list(addons_oracle.PROGRAMS))
def test_older_keras_file_names_the_class_by_its_registered_name(program):
    """tf.keras before 2.13 writes the registered name as the class name
    (``Addons>InstanceNormalization``), with no module."""
    config = json.loads(addons_oracle.saved(program).read_text(encoding="utf-8"))
    for layer in config["config"]["layers"]:
        if str(layer.get("module", "")).startswith("tensorflow_addons"):
            layer["class_name"] = layer.pop("registered_name")
            del layer["module"]
    text = json.dumps(config)
    assert '"class_name": "Addons>' in text and "tensorflow_addons" not in text
    [report] = analyze_text(text, "model.json")
    assert report.ok and not report.diagnostics, report.diagnostics
    assert _facts_of(report) == _truth_of(program)


@pytest.mark.parametrize("program", list(addons_oracle.PROGRAMS))
def test_python_source_with_tfa_layers_reads_as_tf_keras_built_it(program, tmp_path):
    """The program that built the saved model: ``import tensorflow_addons`` makes the file
    tf.keras 2 code (tfa runs on nothing newer), and tfa.layers.X is tfa's layer (the CRF's
    call, four tensors)."""
    path = tmp_path / f"{program}.py"
    path.write_text(addons_oracle.PROGRAMS[program], encoding="utf-8")
    [report] = analyze_python(str(path))
    assert report.ok and not report.diagnostics, report.diagnostics
    assert report.model == RECORD["models"][program]["name"]
    assert _facts_of(report) == _truth_of(program)


def test_a_tfa_layer_without_a_rule_is_named_as_one(tmp_path):
    report, _ = run({"type": "Addons>ESN", "units": 4}, [None, 5, 8])
    [d] = report.diagnostics
    assert d.code == "SC406" and "TensorFlow Addons' ESN" in d.message
    path = tmp_path / "esn.py"
    path.write_text("import tensorflow as tf\nimport tensorflow_addons as tfa\n\n"
                    "inp = tf.keras.Input((5, 8))\nout = tfa.layers.ESN(4)(inp)\n"
                    "model = tf.keras.Model(inp, out)\n", encoding="utf-8")
    [report] = analyze_python(str(path))
    assert [d.code for d in report.diagnostics] == ["SC406"], report.diagnostics
    assert report.diagnostics[0].location.line == 5
