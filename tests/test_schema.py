"""The JSON schemas in shapecheck/schema/ are valid, every spec we ship fits
spec.schema.json, and what `--format json` prints fits report.schema.json, for good
models and for broken ones."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

import shapecheck
from shapecheck.cli import main
from shapecheck.reading.text import load

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = Path(shapecheck.__file__).resolve().parent / "schema"
SPECS = sorted((ROOT / "specs").glob("*.yaml"))
DOC = ROOT / "docs" / "spec-format.md"


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def spec_validator() -> Draft202012Validator:
    return Draft202012Validator(_schema("spec.schema.json"))


@pytest.fixture(scope="module")
def report_validator() -> Draft202012Validator:
    return Draft202012Validator(_schema("report.schema.json"))


def _errors(validator: Draft202012Validator, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator.iter_errors(instance)]


def _yaml(text: str):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        # `initial_state: [enc[1], enc[2]]` is not YAML, but the reader accepts it by
        # reading `name[k]` as `name(k)`; validate what the reader sees.
        data, found = load(text)
        assert data is not None, found
        return data


def _report(capsys, *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.mark.parametrize("name", ["spec.schema.json", "report.schema.json"])
def test_schema_is_valid(name):
    Draft202012Validator.check_schema(_schema(name))


def test_there_are_specs():
    assert SPECS, "specs/ has no *.yaml"


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_shipped_spec_fits_spec_schema(path, spec_validator):
    assert _errors(spec_validator, _yaml(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_report_of_shipped_spec_fits_report_schema(path, capsys, report_validator):
    code, doc = _report(capsys, str(path))
    assert _errors(report_validator, doc) == []
    assert code == (0 if doc["files"][0]["ok"] else 1)


def test_report_with_bound_dims_fits(capsys, report_validator):
    code, doc = _report(capsys, str(ROOT / "specs" / "seed_bilstm.yaml"), "--dim", "t=4995")
    assert code == 0
    assert _errors(report_validator, doc) == []
    assert doc["files"][0]["outputs"] == [[None, 4995, 768]]


PYTHON_MODELS = """import keras
from keras import layers

vocab_size = len(tokenizer.word_index) + 1
inputs = keras.Input((20,))
model = keras.Model(inputs, layers.Dense(2)(layers.Embedding(vocab_size, 8)(inputs)))
named = keras.Sequential([keras.Input((4,)), layers.Dense(1)], name="head")


def build_mlp(width=8):
    return keras.Sequential([keras.Input((4,)), layers.Dense(width)])
"""


def test_report_of_python_source_fits_and_names_each_model_as_the_file_does(tmp_path, capsys,
                                                                          report_validator):
    path = tmp_path / "models.py"
    path.write_text(PYTHON_MODELS)
    code, doc = _report(capsys, str(path))
    assert code == 0 and _errors(report_validator, doc) == []
    files = doc["files"]
    assert [f["format"] for f in files] == ["python"] * 3
    # the variable, name= when given, the builder nobody calls; Keras's own name beside
    assert [(f["model"], f.get("keras_name")) for f in files] == [
        ("model", "functional"), ("head", None), ("build_mlp", "sequential")]
    assert files[0]["total_params"] == "8*vocab_size + 18"


# Broken models: the report must keep its form when layers fail or are skipped.
FAILING = {
    "unknown_type": """
        inputs: {x: [?, t, 12]}
        layers:
          - {type: LTSM, units: 8}
          - {type: Dense, units: 3}
        """,
    "rank_error": """
        inputs: {x: [?, t, 12]}
        layers:
          - {type: LSTM, units: 8}
          - {type: LSTM, units: 4}
        """,
    "bad_reference": """
        inputs: {x: [?, t, 12]}
        layers:
          - {name: enc, type: LSTM, units: 8}
          - {type: Dense, units: 4, inputs: encc}
        outputs: [dense, "missing[0]"]
        """,
    "bad_index": """
        inputs: {x: [?, t, 12]}
        layers:
          - {name: enc, type: LSTM, units: 8}
          - {type: Dense, units: 4, inputs: "enc[2]"}
        """,
    "not_a_model": """
        - just
        - a list
        """,
    "not_yaml": """
        inputs: {x: [?, t, 12]
        layers: [
        """,
    "symbolic_weights": """
        dims: {d: {min: 1}}
        inputs: {x: [?, t, d]}
        layers:
          - {type: Bidirectional, layer: {type: GRU, units: 8, return_state: true}}
        """,
}


def _dedent(text: str) -> str:
    return textwrap.dedent(text).strip() + "\n"


@pytest.mark.parametrize("name", list(FAILING))
def test_report_of_broken_spec_fits_report_schema(name, tmp_path, capsys, report_validator):
    path = tmp_path / f"{name}.yaml"
    path.write_text(_dedent(FAILING[name]), encoding="utf-8")
    code, doc = _report(capsys, str(path))
    assert _errors(report_validator, doc) == []
    (file,) = doc["files"]
    assert code == (0 if file["ok"] else 1)
    if name != "symbolic_weights":
        assert not file["ok"] and file["diagnostics"]


def test_failed_layer_has_null_outputs(tmp_path, capsys):
    path = tmp_path / "rank.yaml"
    path.write_text(_dedent(FAILING["rank_error"]), encoding="utf-8")
    _, doc = _report(capsys, str(path))
    layers = {layer["name"]: layer for layer in doc["files"][0]["layers"]}
    assert layers["lstm_1"]["output_shapes"] is None
    assert layers["lstm_1"]["params"] is None
    assert [d["code"] for d in doc["files"][0]["diagnostics"]] == ["SC301"]


def test_many_files_in_one_document(tmp_path, capsys, report_validator):
    paths = []
    for name, text in FAILING.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(_dedent(text), encoding="utf-8")
        paths.append(str(path))
    code, doc = _report(capsys, *(str(p) for p in SPECS), *paths)
    assert code == 1
    assert _errors(report_validator, doc) == []
    assert len(doc["files"]) == len(SPECS) + len(FAILING)


def test_weight_axes_match_weight_shape(capsys):
    """One axis explanation per axis, in order: a schema cannot say this."""
    _, doc = _report(capsys, *(str(p) for p in SPECS))
    for file in doc["files"]:
        for layer in file["layers"]:
            for w in layer["weights"]:
                assert [a["size"] for a in w["axes"]] == w["shape"], w["path"]


def test_schema_rejects_drift(report_validator, spec_validator):
    """additionalProperties: false catches a key added to the output but not the schema."""
    doc = {"version": 1, "files": [{
        "path": "a.yaml", "format": "yaml", "model": None, "ok": True, "inputs": {},
        "outputs": [], "total_params": 0, "trainable_params": 0, "non_trainable_params": 0,
        "layers": [], "diagnostics": [],
    }]}
    assert _errors(report_validator, doc) == []
    doc["files"][0]["extra"] = 1
    assert _errors(report_validator, doc)
    assert _errors(spec_validator, {"inputs": {"x": [None, 3]}, "layers": [{"units": 3}]})
    assert _errors(spec_validator, {"inputs": {"x": []}, "layers": []})


def _doc_specs() -> list[str]:
    if not DOC.exists():
        return []
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("text", _doc_specs())
def test_doc_examples_fit_both_schemas(text, tmp_path, capsys, spec_validator, report_validator):
    """Every YAML example in docs/spec-format.md is a whole spec that the schema
    accepts and that shapecheck checks without findings."""
    assert _errors(spec_validator, _yaml(text)) == []
    path = tmp_path / "example.yaml"
    path.write_text(text, encoding="utf-8")
    code, doc = _report(capsys, str(path))
    assert _errors(report_validator, doc) == []
    assert code == 0 and doc["files"][0]["diagnostics"] == [], doc["files"][0]["diagnostics"]
