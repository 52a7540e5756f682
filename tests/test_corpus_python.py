"""The Python reader against Keras on real model-building code (tests/corpus/python): each
corpus file is read statically by shapecheck, and every model Keras built from it when
the oracle ran it (tests/corpus/python/expected.json, kept true by
test_corpus_python_oracle.py) must come out the same, layer by layer and in total; a file
on which Keras raised must be flagged at the line it raised at.

Files the reader does not match yet are KNOWN_GAPS (strict xfail, with the cause): a fix
must remove the entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import python_oracle as oracle

import shapecheck.api as api

CORPUS = Path(__file__).resolve().parent / "corpus" / "python"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
MANIFEST = oracle.load_manifest()

KNOWN_GAPS: dict[str, str] = {
    'keras-2.3.1/antirectifier':
        "line 22: not followed (NameError: name 'keras_base' is not ",
    'keras-2.3.1/mnist_siamese':
        'line 59: the reader cannot tell what this loop runs over; its body is not checked',
    'keras-2.3.1/variational_autoencoder':
        'line 135: keras.Input with a shape the reader cannot know; the model it feeds is not check',
    'keras-2.3.1/variational_autoencoder_deconv':
        'line 137: keras.Input with a shape the reader cannot know; the model it feeds is not check',
    'keras-2.3.1/mnist_acgan':
        'line 129: the reader cannot decide this condition; it follows the first branch, and the ot',
    'keras-2.3.1/cnn_seq2seq':
        "('model', ['conv1d', 'conv1d_1', 'conv1d_2', 'conv1d_3', 'conv1d_4', 'conv1d_5', 'conv1d_6",
    'keras-2.2.4/cifar10_cnn_capsule':
        "line 51: not followed (NameError: name 'keras_base' is not ",
    'keras-2.3.1/antirectifier@keras3':
        "line 22: not followed (NameError: name 'keras_base' is not ",
    'keras-2.3.1/mnist_siamese@keras3':
        'line 59: the reader cannot tell what this loop runs over; its body is not checked',
    'keras-2.3.1/lstm_stateful@keras3':
        "Keras raises at line 146: Unrecognized keyword arguments passed to LSTM: {'batch_size': 1}",
    'keras-2.3.1/functional-api-guide':
        'line 128: a keras.Model whose inputs or outputs the reader cannot follow; it is not checke',
    'keras-2.3.1/sequential-model-guide@keras3':
        "line 268: the Sequential 'sequential_9' is never given an input shape, so Keras never buil",
    'keras-2.3.1/functional-api-guide@keras3':
        'line 128: a keras.Model whose inputs or outputs the reader cannot follow; it is not checke',
    'keras-3.15.1/applications/convnext':
        "line 141: not followed (NameError: name 'keras_base' is not ",
    'tf_keras-2.21.0/applications/xception':
        'line 339: a keras.Model whose inputs or outputs the reader cannot follow; it is not checke',
    'tf_keras-2.21.0/applications/mobilenet':
        'line 307: a keras.Model whose inputs or outputs the reader cannot follow; it is not checke',
    'tf_keras-2.21.0/applications/resnet_v2':
        "Keras builds 'resnet50v2'; shapecheck found [None]",
    'tf_keras-2.21.0/applications/regnet':
        "('regnetx002', ['1_head_gap', '1head_dense', 'dense', 'global_average_pooling2d'])",
    'keras-unet-0.1.2/custom_unet_attention@tf.keras':
        'line 48: filters=below_filters: the reader cannot know this value (it comes from data or ',
    'keras-unet-0.1.2/custom_unet_attention@keras3':
        'line 48: filters=below_filters: the reader cannot know this value (it comes from data or ',
    'keras-tcn-3.5.7/compiled_tcn':
        "line 34: not followed (NameError: name 'keras_base' is not ",
    'keras-tcn-3.5.7/compiled_tcn@keras3':
        "line 34: not followed (NameError: name 'keras_base' is not ",
    'd2l-1.0.3/tensorflow':
        "line 114: not followed (NameError: name 'keras_base' is not ",
}


def _dialect(entry: dict) -> str:
    return "keras3" if entry["flavour"] == "keras3" else "keras2"


def read_entry(entry: dict, tmp_path: Path) -> list:
    job = oracle._job(entry, require=True)
    source = job["source"]
    if job["call"]:
        source += f"\n__model__ = {job['call']}\n"
    path = tmp_path / (Path(job["path"]).name if job["path"].endswith(".py") else "model.py")
    path.write_text(source, encoding="utf-8")
    return api.analyze_python(str(path), dims=None, dialect=_dialect(entry), bindings=job["values"])


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
        out.append((l.name, l.type, shapes, l.params))
    return out


def check(entry: dict, tmp_path: Path) -> None:
    expected = EXPECTED[entry["id"]]
    reports = read_entry(entry, tmp_path)
    if expected["error"] is not None and entry.get("bug"):
        lines = {entry["bug"]["line"], entry["bug"].get("cause_line")}
        flagged = [d for r in reports for d in r.errors if d.location.line in lines]
        assert flagged, (
            f"Keras raises at line {entry['bug']['line']}: {expected['error']['message'][:200]}; "
            f"shapecheck: {[(d.code, d.location.line, d.message[:100]) for r in reports for d in r.diagnostics]}"
        )
        return
    built = [m for m in expected["models"] if m["built"] and m["class"] in ("Functional", "Sequential")]
    by_name = {r.model: r for r in reports}
    for model in built:
        report = by_name.get(model["name"])
        assert report is not None, f"Keras builds {model['name']!r}; shapecheck found {list(by_name)}"
        assert report.ok, [f"{d.code} {d.message}" for d in report.errors]
        # by name: Keras lists a functional model's layers by graph depth, the report in
        # the order the file creates them
        ours, theirs = {l[0]: l for l in _ours(report)}, {l[0]: l for l in _layers(model["layers"])}
        assert set(ours) == set(theirs), (model["name"], sorted(set(ours) ^ set(theirs))[:10])
        wrong = [(ours[n], theirs[n]) for n in theirs if ours[n] != theirs[n]]
        assert not wrong, (model["name"], wrong[:5])
        assert report.total_params == model["total_params"], model["name"]


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
