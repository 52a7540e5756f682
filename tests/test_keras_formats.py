"""shapecheck reads real Keras model files and agrees with Keras layer by layer.

The corpus (``keras_corpus.py``, built once per session by the ``corpus`` fixture)
is every model of ``keras_corpus.MODELS`` built with Keras 3 and with tf_keras and
saved in every variant: Keras 3 JSON (``to_json`` and ``serialize_keras_object``),
``.keras`` archive, TF.js ``model.json`` (wrapped and direct topology), tf_keras
JSON, tf_keras ``.h5``, tf_keras TF.js.  For each file ``shapecheck.analyze(path)``
must be ok, name the right ``format``, and match Keras's layer names, types,
output shapes (first call of a shared layer), weights, params and totals; weights
are compared by Keras 3 path for Keras 3 files and by position for tf_keras files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

import keras_corpus as KC  # noqa: E402

import shapecheck  # noqa: E402
from shapecheck.cli import main  # noqa: E402

CONTRACT_CASES = [(m, v) for m in KC.MODELS for v in KC.K3_VARIANTS + KC.K2_VARIANTS]
CONTRACT_CASES.append(("sequential_built_no_input", "k3-json"))
# Keras 3 legacy .h5 and tf_keras .keras: not in the first list of formats, but real
# files a user may have (and the readers handle them)
EXTRA_CASES = [(m, v) for m in KC.MODELS for v in KC.EXTRA_VARIANTS]


def _entry(corpus, model: str, variant: str) -> KC.CorpusEntry:
    if variant.startswith("k2"):
        pytest.importorskip("tf_keras")
    try:
        return corpus.get(model, variant)
    except KeyError:
        pytest.skip(f"{model}/{variant} not in corpus ({corpus.skipped})")


def _analyze_dict(path) -> dict:
    return shapecheck.analyze(path).to_dict()


def _assert_matches(entry: KC.CorpusEntry, path=None):
    rep = _analyze_dict(path or entry.path)
    problems = KC.compare_entry(rep, entry)
    assert not problems, KC.format_entry_failure(entry, problems, rep)


# --------------------------------------------------------------------------- the corpus itself
_SOME = ("seq2seq", "sequential_built", "siamese")
RELOAD_SUBSET = {
    "k2-h5": _SOME, "k2-tfjs-wrapped": _SOME, "k2-tfjs-direct": _SOME, "k2-archive": _SOME,
    # Keras 3.15 cannot load its own legacy .h5 of a mask_zero Embedding model: the
    # config has a ``NotEqual`` op node and the legacy format drops its ``module``
    # ("Unknown layer: 'NotEqual'").
    "k3-h5": tuple(m for m in KC.MODELS if m != "embedding_front"),
}

@pytest.mark.parametrize("variant", KC.ALL_VARIANTS)
def test_corpus_files_reload_with_keras(corpus, variant):
    """Only Keras: every corpus file loads back with the Keras that wrote it and gives
    the facts the shapecheck tests expect (so a mismatch below is shapecheck's)."""
    if variant.startswith("k2"):
        pytest.importorskip("tf_keras")
    entries = [e for (m, v), e in corpus.entries.items() if v == variant]
    assert len(entries) >= len(KC.MODELS), sorted(corpus.entries)
    if variant in RELOAD_SUBSET:  # tf_keras rebuilds a model in ~0.8 s: k2-json does all
        entries = [e for e in entries if e.model in RELOAD_SUBSET[variant]]
    bad = {e.id: p for e in entries if (p := KC.reload_problems(e))}
    assert not bad, json.dumps(bad, indent=1, default=str)[:5000]


def test_corpus_covers_the_contract(corpus):
    ids = {(m, v) for (m, v) in corpus.entries}
    missing = [c for c in CONTRACT_CASES if c not in ids]
    if corpus.skipped:
        missing = [c for c in missing if not c[1].startswith("k2")]
    assert not missing
    kinds = {KC.VARIANT_FORMAT[v] for _, v in ids}
    assert kinds >= {"keras-json", "keras-archive", "tfjs"} | ({"keras2-json", "keras-h5"}
                                                               if not corpus.skipped else set())


# --------------------------------------------------------------------------- shapecheck vs Keras
@pytest.mark.parametrize(("model", "variant"), CONTRACT_CASES, ids=[f"{m}-{v}" for m, v in CONTRACT_CASES])
def test_file_matches_keras(corpus, model, variant):
    _assert_matches(_entry(corpus, model, variant))


@pytest.mark.parametrize(("model", "variant"), EXTRA_CASES, ids=[f"{m}-{v}" for m, v in EXTRA_CASES])
def test_extra_format_matches_keras(corpus, model, variant):
    _assert_matches(_entry(corpus, model, variant))


def test_shared_layer_reports_first_call(corpus):
    """``head`` is called on (None, 5), (None, 5) and (None, 8, 5): its output_shapes
    is the first call's; the model outputs are all three calls'."""
    rep = _analyze_dict(corpus.get("siamese", "k3-json").path)
    head = {l["name"]: l for l in rep["layers"]}["head"]
    assert head["output_shapes"] == [[None, 2]], head
    assert rep["outputs"] == [[None, 2], [None, 2], [None, 8, 2]], rep["outputs"]
    assert [l["name"] for l in rep["layers"]].count("head") == 1


# --------------------------------------------------------------------------- detection by content
WRONG_EXTENSIONS = (".txt", ".yaml", ".json", ".keras", ".h5", ".zip", "")


@pytest.mark.parametrize("variant", KC.K3_VARIANTS + KC.K2_VARIANTS)
def test_format_detected_by_content(corpus, variant, tmp_path):
    """The same bytes under a misleading name give the same report."""
    entry = _entry(corpus, "seq2seq", variant)
    failures = []
    for ext in WRONG_EXTENSIONS:
        if ext == entry.path.suffix:
            continue
        copy = tmp_path / f"renamed{ext}"
        shutil.copyfile(entry.path, copy)
        rep = _analyze_dict(copy)
        problems = KC.compare_entry(rep, entry)
        if problems:
            failures.append(f"as {copy.name!r}: " + "; ".join(problems[:5])
                            + f" diagnostics={json.dumps(rep.get('diagnostics'))[:400]}")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------- the CLI
@pytest.mark.parametrize("variant", KC.K3_VARIANTS + KC.K2_VARIANTS)
def test_cli_json_on_every_file_of_a_format(corpus, variant, capsys):
    entries = [e for (m, v), e in corpus.entries.items() if v == variant]
    if variant.startswith("k2"):
        pytest.importorskip("tf_keras")
    assert entries
    code = main([str(e.path) for e in entries] + ["--format", "json"])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    files = doc["files"]
    assert [f["format"] for f in files] == [KC.VARIANT_FORMAT[variant]] * len(entries), err
    not_ok = {f["path"]: f["diagnostics"] for f in files if not f["ok"]}
    assert code == 0 and not not_ok, f"exit {code}; stderr={err[-2000:]}; not ok: {not_ok}"


@pytest.mark.parametrize("variant", KC.K3_VARIANTS + KC.K2_VARIANTS)
def test_cli_text_on_a_file(corpus, variant, capsys):
    entry = _entry(corpus, "bidir_merge_modes", variant)
    code = main([str(entry.path)])
    out, err = capsys.readouterr()
    assert code == 0, out[-3000:] + err[-2000:]
    assert "bi_concat" in out and "Bidirectional" in out


@pytest.mark.parametrize("variant", KC.K3_VARIANTS + KC.K2_VARIANTS)
def test_report_fits_schema(corpus, variant, capsys):
    from jsonschema import Draft202012Validator

    schema = json.loads((Path(shapecheck.__file__).parent / "schema" / "report.schema.json")
                        .read_text(encoding="utf-8"))
    entry = _entry(corpus, "seq2seq", variant)
    main([str(entry.path), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in Draft202012Validator(schema).iter_errors(doc)]
    assert not errors


# --------------------------------------------------------------------------- findings, not crashes
def _errors(rep: dict) -> list[dict]:
    return [d for d in rep["diagnostics"] if d["severity"] == "error"]


def _assert_codes(rep: dict):
    assert all(str(d["code"]).startswith("SC") for d in rep["diagnostics"]), rep["diagnostics"]


@pytest.fixture(scope="module")
def unsupported_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("unsupported")
    out = {}
    model = KC.build_keras3(KC.unsupported_middle)
    out.update({v: (p, KC.keras3_expected(model), "k3")
                for v, p in KC.save_keras3(model, root, "unsupported", ("k3-json", "k3-archive")).items()})
    try:
        import tf_keras  # noqa: F401
    except ImportError:
        return out
    model = KC.build_tf_keras(KC.unsupported_middle)
    out.update({v: (p, KC.tf_keras_facts(model), "k2")
                for v, p in KC.save_tf_keras(model, root, "unsupported", ("k2-json", "k2-h5")).items()})
    return out


@pytest.mark.parametrize("variant", ["k3-json", "k3-archive", "k2-json", "k2-h5"])
def test_unsupported_layer_is_a_finding_and_the_rest_is_analysed(unsupported_files, variant):
    """A Lambda cannot be analysed: an error for that layer, the layers before it
    still analysed and matching Keras."""
    if variant not in unsupported_files:
        pytest.skip("tf_keras not installed")
    path, expected, flavor = unsupported_files[variant]
    rep = _analyze_dict(path)
    assert rep["format"] == KC.VARIANT_FORMAT[variant]
    assert rep["ok"] is False
    _assert_codes(rep)
    errs = _errors(rep)
    assert any(d["layer"] == "conv" and d["code"] == "SC408" for d in errs), errs
    before = {n: f for n, f in expected["layers"].items() if n in ("x", "lstm")}
    entry = KC.CorpusEntry("unsupported", variant, path, {"layers": before, "model": expected["model"]},
                           flavor)
    rep_before = dict(rep, layers=[l for l in rep["layers"] if l["name"] in before])
    problems = [p for p in KC.compare_entry(rep_before, entry)
                if p.startswith(("x:", "lstm:", "layers missing", "format"))]
    assert not problems, KC.format_entry_failure(entry, problems, rep)


@pytest.fixture(scope="module")
def custom_layer_files(tmp_path_factory):
    """A Keras 3 model with a registered custom layer (``Custom>LayerScale``)."""
    root = tmp_path_factory.mktemp("custom")

    @keras.saving.register_keras_serializable(package="Custom")
    class LayerScale(keras.layers.Layer):
        def __init__(self, init=0.1, **kw):
            super().__init__(**kw)
            self.init = init

        def build(self, input_shape):
            self.gamma = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="gamma")

        def call(self, x):
            return x * self.gamma

        def get_config(self):
            return {**super().get_config(), "init": self.init}

    def build(K):
        x = K.Input((5, 3), name="x")
        h = K.layers.LSTM(4, return_sequences=True, name="lstm")(x)
        h = LayerScale(name="scale")(h)
        return K.Model(x, K.layers.Dense(2, name="out")(h), name="custom")

    model = KC.build_keras3(build)
    files = KC.save_keras3(model, root, "custom", ("k3-json", "k3-archive", "k3-tfjs-wrapped"))
    cfg = json.loads(files["k3-json"].read_text())
    scale = [l for l in cfg["config"]["layers"] if l["name"] == "scale"][0]
    assert scale["registered_name"] == "Custom>LayerScale", scale
    return files, KC.keras3_expected(model)


@pytest.mark.parametrize("variant", ["k3-json", "k3-archive", "k3-tfjs-wrapped"])
def test_custom_layer_is_a_finding_naming_the_class(custom_layer_files, variant):
    files, expected = custom_layer_files
    rep = _analyze_dict(files[variant])
    assert rep["ok"] is False
    _assert_codes(rep)
    assert any("LayerScale" in d["message"] for d in _errors(rep)), rep["diagnostics"]
    lstm = {l["name"]: l for l in rep["layers"]}.get("lstm")
    assert lstm and lstm["output_shapes"] == [[None, 5, 4]], rep["layers"]


def test_tfjs_graph_model_is_a_finding(tmp_path):
    """A TF.js *graph* model has a GraphDef, not a Keras config: a finding, not a crash."""
    doc = {
        "format": "graph-model",
        "generatedBy": "2.15.0",
        "convertedBy": "TensorFlow.js Converter v4.22.0",
        "signature": {"inputs": {"x:0": {"name": "x:0", "dtype": "DT_FLOAT",
                                         "tensorShape": {"dim": [{"size": "-1"}, {"size": "3"}]}}}},
        "modelTopology": {
            "node": [
                {"name": "x", "op": "Placeholder",
                 "attr": {"dtype": {"type": "DT_FLOAT"},
                          "shape": {"shape": {"dim": [{"size": "-1"}, {"size": "3"}]}}}},
                {"name": "dense/MatMul", "op": "MatMul", "input": ["x", "dense/kernel"],
                 "attr": {"T": {"type": "DT_FLOAT"}}},
            ],
            "library": {},
            "versions": {"producer": 1482},
        },
        "weightsManifest": [{"paths": ["group1-shard1of1.bin"],
                             "weights": [{"name": "dense/kernel", "shape": [3, 2], "dtype": "float32"}]}],
    }
    path = tmp_path / "model.json"
    path.write_text(json.dumps(doc))
    rep = _analyze_dict(path)
    assert rep["ok"] is False and _errors(rep)
    _assert_codes(rep)


# --------------------------------------------------------------------------- later
@pytest.mark.parametrize("variant", ["k3-json", "k3-archive", "k2-json", "k2-h5"])
def test_nested_model(variant, tmp_path):
    if variant.startswith("k2"):
        pytest.importorskip("tf_keras")
        model = KC.build_tf_keras(KC.nested_sequential)
        path = KC.save_tf_keras(model, tmp_path, "nested", (variant,))[variant]
        entry = KC.CorpusEntry("nested", variant, path, KC.tf_keras_facts(model), "k2")
    else:
        model = KC.build_keras3(KC.nested_sequential)
        path = KC.save_keras3(model, tmp_path, "nested", (variant,))[variant]
        entry = KC.CorpusEntry("nested", variant, path, KC.keras3_expected(model), "k3")
    _assert_matches(entry)


def test_live_model_gives_the_same_report_as_its_json(tmp_path):
    """shapecheck.analyze(model) reads a live keras.Model's config (not its weights)."""
    import json

    from differential import assert_no_mismatch, compare_report
    from keras_oracle import keras_facts, keras_model_facts

    import shapecheck

    x = keras.Input(shape=(9, 4), name="x")
    h = keras.layers.Bidirectional(keras.layers.LSTM(6, return_sequences=True), name="bi")(x)
    y = keras.layers.TimeDistributed(keras.layers.Dense(2), name="td")(h)
    model = keras.Model(x, y, name="live")
    live = shapecheck.analyze(model)
    assert live.ok and live.format == "keras-json"
    path = tmp_path / "live.json"
    path.write_text(model.to_json())
    from_file = shapecheck.analyze(path).to_dict()
    as_dict = live.to_dict()
    for key in ("outputs", "total_params", "trainable_params", "layers"):
        assert json.dumps(as_dict[key], default=str) == json.dumps(from_file[key], default=str)
    expected = {"layers": keras_facts(model), "model": keras_model_facts(model)}
    assert_no_mismatch({}, compare_report(as_dict, expected))
