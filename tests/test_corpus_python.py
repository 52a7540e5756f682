"""The Python reader against Keras on real model-building code (tests/corpus/python): each
corpus file is read statically by shapecheck, and every model Keras built from it when
the oracle ran it (tests/corpus/python/expected.json, kept true by
test_corpus_python_oracle.py) must come out the same, layer by layer and in total; a file
on which Keras raised must be flagged at the line it raised at.

Files the reader does not match yet are KNOWN_GAPS (strict xfail, with the cause): a fix
must remove the entry."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import python_oracle as oracle

import shapecheck.api as api
from shapecheck.reading.python.arrays import Array
from shapecheck.reading.python.values import Module

CORPUS = Path(__file__).resolve().parent / "corpus" / "python"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
MANIFEST = oracle.load_manifest()

KNOWN_GAPS: dict[str, str] = {
    'keras-2.2.4/cifar10_cnn_capsule':
        "Capsule is a Layer subclass the file defines; Keras raises inside its call() (line 178)",
    'keras-tcn-3.5.7/compiled_tcn@keras3':
        "TCN is a Layer subclass the file defines (SC601)",
    'd2l-1.0.3/tensorflow':
        "ResNeXtBlock is a Model subclass the file defines (SC601)",
    'stockPricePredictor-1.0.3/stockpricepredictor':
        "create_sequences() fills its windows in a loop of 1,167 rounds that builds nothing, which the "
        "reader leaves: X.shape[1] stays the named size self_X_train_shape_1 where Keras has 60 (the "
        "model, built in a method into self.model, has Keras's 30,651 parameters)",
}


def _dialect(entry: dict) -> str:
    return "keras3" if entry["flavour"] == "keras3" else "keras2"


def read_entry(entry: dict, tmp_path: Path) -> list:
    job = oracle._job(entry, require=True)
    if job["path"].endswith(".ipynb"):  # read as the notebook it is (the oracle ran its cells)
        assert not job["call"] and not job["values"] and not job["imports"], entry["id"]
        return api.analyze_python(job["path"], dialect=_dialect(entry), custom_layers=entry.get("custom_layers"))
    if job["sys_path"]:  # a project: its driver, read with the package's modules beside it
        return api.analyze_python(job["path"], dialect=_dialect(entry), custom_layers=entry.get("custom_layers"))
    source = job["source"]
    if job["call"]:
        source += f"\n__model__ = {job['call']}\n"
    path = tmp_path / (Path(job["path"]).name if job["path"].endswith(".py") else "model.py")
    path.write_text(source, encoding="utf-8")
    # a module the oracle binds (a guide that uses ``keras.`` before the block importing it)
    # is the reader's module value: the file's own ``import`` would give the same
    modules = {name: Module(tuple(mod.split("."))) for name, mod in job["imports"].items()}
    # the data the oracle gives Keras (np.zeros of a shape) is, to the reader, an array of
    # that shape, as keras.datasets' are
    data = {name: Array(tuple(spec["shape"])) for name, spec in job["arrays"].items()}
    # the declarations a project would write for the Layer subclasses a file defines
    return api.analyze_python(str(path), dims=None, dialect=_dialect(entry),
                              bindings={**job["values"], **modules, **data}, custom_layers=entry.get("custom_layers"))


def _layers(facts_layers: list) -> list:
    return [
        (l["name"], l["class"], [tuple(s) for s in l["output_shapes"] or []], l["params"])
        for l in facts_layers
        if l["class"] != "InputLayer"
    ]


def _ours(report) -> list:
    out = []
    for l in report.layers.values():
        if l.type == "InputLayer" or l.type.startswith("ops."):
            continue
        shapes = [
            tuple(d if d is None or isinstance(d, int) else str(d) for d in s)
            for s in (l.output_shapes or [])
        ]
        # a TensorFlow Addons layer's type is its registered name (Addons>GroupNormalization);
        # Keras's facts have its class
        out.append((l.name, l.type.removeprefix("Addons>"), shapes, l.params))
    return out


def check(entry: dict, tmp_path: Path) -> None:
    expected = EXPECTED[entry["id"]]
    reports = read_entry(entry, tmp_path)
    if expected["error"] is not None and entry.get("bug"):
        # Keras names the statement's first line; a finding anywhere in that statement
        # (at the keyword it refuses, say) is at the failing statement
        lines = {entry["bug"]["line"], entry["bug"].get("cause_line")}
        tree = ast.parse(oracle._job(entry, require=True)["source"])
        lines |= {n for s in ast.walk(tree) if isinstance(s, ast.stmt) and s.lineno in lines
                  and not isinstance(s, (ast.FunctionDef, ast.ClassDef, ast.If, ast.For, ast.While, ast.With))
                  for n in range(s.lineno, (s.end_lineno or s.lineno) + 1)}
        flagged = [d for r in reports for d in r.errors if d.location.line in lines]
        assert flagged, (
            f"Keras raises at line {entry['bug']['line']}: {expected['error']['message'][:200]}; "
            f"shapecheck: {[(d.code, d.location.line, d.message[:100]) for r in reports for d in r.diagnostics]}"
        )
        return
    # a functional model, or a Model subclass that is one (super().__init__(inputs, outputs)):
    # Keras has its inputs
    built = [m for m in expected["models"] if m["built"] and _functional(m)]
    by_name = {r.model: r for r in reports}
    for model in built:
        report = by_name.get(model["name"])
        assert report is not None, f"Keras builds {model['name']!r}; shapecheck found {list(by_name)}"
        # the oracle stubs fit() and the like, so it cannot judge the data they are given
        # (SC607: tests/test_python_fit_data.py runs Keras on that); the model itself it can
        assert not [d for d in report.errors if d.code != "SC607"], [f"{d.code} {d.message}" for d in report.errors]
        # by name: Keras lists a functional model's layers by graph depth, the report in
        # the order the file creates them
        ours, theirs = {l[0]: l for l in _ours(report)}, {l[0]: l for l in _layers(model["layers"])}
        assert set(ours) == set(theirs), (model["name"], sorted(set(ours) ^ set(theirs))[:10])
        wrong = [(ours[n], theirs[n]) for n in theirs if ours[n] != theirs[n]]
        assert not wrong, (model["name"], wrong[:5])
        assert report.total_params == model["total_params"], model["name"]
    # a Model subclass Keras built: the reader reports it too where the file builds it (one
    # made inside another layer is that layer's part), its layers with Keras's parameters
    # (the oracle has no output shapes for them: Keras keeps no node of a call inside call())
    for model in expected["models"]:
        report = by_name.get(model["name"])
        if model["built"] and not _functional(model) and report is not None:
            ours = {l.name: l.params for l in report.layers.values() if l.type != "InputLayer"}
            assert ours == {l["name"]: l["params"] for l in model["layers"]}, model["name"]
            assert report.total_params == model["total_params"], model["name"]


def _functional(model: dict) -> bool:
    return model["class"] in ("Functional", "Sequential") or bool(model.get("inputs"))


def _params():
    out = []
    for entry in MANIFEST:
        marks = (
            [pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[entry["id"]])]
            if entry["id"] in KNOWN_GAPS
            else []
        )
        out.append(pytest.param(entry, id=entry["id"], marks=marks))
    return out


@pytest.mark.parametrize("entry", _params())
def test_python_file_matches_keras(entry, tmp_path):
    check(entry, tmp_path)
