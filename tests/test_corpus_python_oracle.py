"""The corpus of real model-building Python code (tests/corpus/python/) and its oracle.

The Python front-end (`shapecheck train.py`) will be tested against these entries.
The repository keeps only our own files (tests/corpus/python/own/: the seed question's
model and minimal reproductions of reported shape bugs, written by us); every other
entry names a file that a package registry publishes (Keras 2 example scripts and guides
in the Keras sdists, application builders of keras and tf_keras, ...), fetched at test
time by tests/corpus_sources.py and checked by sha256. MANIFEST.json describes each
entry (tests/corpus/python/README.md), expected.json holds what real Keras builds from
each (`python tests/python_oracle.py --write`); this test re-runs the oracle and
requires the same facts, so the corpus and the oracle stay reproducible.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus" / "python"
OWN = CORPUS / "own"
MANIFEST = CORPUS / "MANIFEST.json"
EXPECTED = CORPUS / "expected.json"

FLAVOURS = {"keras3", "tf.keras", "keras2", "tfa"}
REQUIRED_KEYS = {"id", "package", "member", "sha256", "licence", "flavour", "what", "bug"}
OPTIONAL_KEYS = {"reported_at", "lines", "blocks", "bindings", "modules", "call", "custom_layers", "members", "root",
                 "driver"}
#: Licences of the registry files the tests fetch (never committed). MIT-0 is the
#: "modified MIT" of the d2l sample code.
REGISTRY_LICENCES = {"MIT", "MIT-0", "Apache-2.0", "BSD-3-Clause"}
#: Our own files are the project's: Apache-2.0.
OWN_LICENCE = "Apache-2.0"
MIN_REGISTRY_ENTRIES = 40
MIN_SHAPE_BUGS = 8
_PACKAGE = re.compile(r"^(own|installed:[\w.-]+==[\w.+!-]+|pypi-(sdist|wheel):[\w.-]+==[\w.+!-]+|npm:@?[\w./-]+@[\w.+-]+)$")
_REPORT_URL = re.compile(r"^https://(github\.com/[^/]+/[^/]+/(issues|pull)/\d+|stackoverflow\.com/questions/\d+)")
_LINES = re.compile(r"^\d+(-\d+)?(,\d+(-\d+)?)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _manifest() -> list[dict]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def _expected() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def test_manifest_entries_are_complete():
    entries = _manifest()
    ids = [e.get("id") for e in entries]
    assert len(ids) == len(set(ids)), "an id is listed twice"
    for e in entries:
        where = e.get("id")
        assert REQUIRED_KEYS <= set(e), f"{where}: missing {REQUIRED_KEYS - set(e)}"
        assert set(e) <= REQUIRED_KEYS | OPTIONAL_KEYS, f"{where}: unknown keys {set(e) - REQUIRED_KEYS - OPTIONAL_KEYS}"
        assert isinstance(where, str) and re.fullmatch(r"[\w.@+/-]+", where), where
        assert _PACKAGE.match(e["package"]), f"{where}: package {e['package']!r}"
        assert _SHA256.match(e["sha256"]), f"{where}: sha256"
        assert e["flavour"] in FLAVOURS, where
        assert isinstance(e["what"], str) and e["what"], where
        if e["package"] == "own":
            assert e["licence"] == OWN_LICENCE, where
            assert e["member"].startswith("own/") and (CORPUS / e["member"]).is_file(), where
        else:
            assert e["licence"] in REGISTRY_LICENCES, f"{where}: licence {e['licence']!r}"
            assert "reported_at" not in e, f"{where}: reported_at is for our own reproductions"
        if "lines" in e:
            assert _LINES.match(e["lines"]), f"{where}: lines {e['lines']!r}"
        if "blocks" in e:
            assert e["member"].endswith(".md"), f"{where}: blocks are for Markdown files"
            assert all(isinstance(b, int) and b >= 1 for b in e["blocks"]), where
        for name, d in (e.get("custom_layers") or {}).items():
            assert isinstance(d.get("doc"), str) and d["doc"], f"{where}: custom layer {name} must say what it does"
        for name, b in (e.get("bindings") or {}).items():
            assert name.isidentifier(), f"{where}: binding {name}"
            assert isinstance(b.get("why"), str) and b["why"], f"{where}: binding {name} must say why"
            assert len({"value", "zeros", "module"} & set(b)) == 1, f"{where}: binding {name}: value, zeros or module"
            if "expr" in b:
                lines = b["line"] if isinstance(b["line"], list) else [b["line"]]
                assert all(isinstance(n, int) and n >= 1 for n in lines), f"{where}: binding {name}: line"
        if "members" in e:  # a project: the package's modules, and our driver script
            assert {"root", "driver"} <= set(e) and not {"lines", "blocks", "call"} & set(e), where
            assert e["member"] in e["members"] and e["members"][e["member"]] == e["sha256"], where
            assert all(m.startswith(e["root"]) and m.endswith(".py") and _SHA256.match(h)
                       for m, h in e["members"].items()), f"{where}: members"
            compile(e["driver"], "driver.py", "exec")
        for mod, attrs in (e.get("modules") or {}).items():
            assert mod.isidentifier() and isinstance(attrs, dict), f"{where}: module {mod}"
        bug = e["bug"]
        if bug is not None:
            assert set(bug) <= {"line", "cause_line", "kind", "keras_error"}, where
            assert isinstance(bug.get("line"), int) and bug["line"] >= 1, f"{where}: bug line"
            assert bug.get("cause_line") is None or isinstance(bug["cause_line"], int), where
            assert bug.get("kind") in {"shape", "api"}, where
            assert isinstance(bug.get("keras_error"), str) and bug["keras_error"], f"{where}: keras_error"


def test_only_our_own_code_is_committed():
    """No third-party code in the repository: every file of tests/corpus/python/ is the
    manifest, README, expected.json or one of our own files, each listed."""
    entries = _manifest()
    own = {e["member"] for e in entries if e["package"] == "own"}
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()
               and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(CORPUS).parts)}
    assert on_disk - own == {"MANIFEST.json", "README.md", "expected.json"}, on_disk - own
    assert own <= on_disk
    for e in entries:
        if e["package"] == "own":
            text = (CORPUS / e["member"]).read_text(encoding="utf-8")
            sha = hashlib.sha256((CORPUS / e["member"]).read_bytes()).hexdigest()
            assert sha == e["sha256"], f"{e['id']}: update its sha256 (and bug line)"
            assert "Written for shapecheck" in text or e["id"] == "own/seed_bilstm", f"{e['id']}: mark it as ours"
            if e["bug"] is not None:
                assert _REPORT_URL.match(e.get("reported_at", "")), f"{e['id']}: cite the report it reproduces"
                assert e["reported_at"] in text, f"{e['id']}: the file names the report"


def test_corpus_is_big_and_has_enough_real_shape_bugs():
    entries = _manifest()
    assert sum(e["package"] != "own" for e in entries) >= MIN_REGISTRY_ENTRIES
    bugs = [e for e in entries if e["bug"] and e["bug"]["kind"] == "shape"]
    assert len(bugs) >= MIN_SHAPE_BUGS
    assert all(e["id"] != "own/seed_bilstm" for e in bugs)


def test_sources_are_fetched_and_bug_lines_hold_code():
    """Every file is where the manifest says (registry files: fetched, sha256 checked),
    and a bug's lines are lines of code the entry runs."""
    import python_oracle

    for e in _manifest():
        path = python_oracle.source_path(e, require=True)
        lines = path.read_text(encoding="utf-8").splitlines()
        for name, b in (e.get("bindings") or {}).items():
            for n in [b["line"]] if isinstance(b.get("line"), int) else b.get("line", []):
                assert b["expr"] in lines[n - 1], f"{e['id']}: binding {name}: line {n}"
        if e["bug"] is not None:
            for key in ("line", "cause_line"):
                n = e["bug"].get(key)
                if n is not None:
                    assert n <= len(lines) and lines[n - 1].strip(), f"{e['id']}: bug {key} {n} is blank"


def test_expected_agrees_with_manifest():
    entries, expected = _manifest(), _expected()
    assert sorted(expected) == sorted(e["id"] for e in entries), "regenerate: python tests/python_oracle.py --write"
    for e in entries:
        facts = expected[e["id"]]
        assert facts["flavour"] == e["flavour"], e["id"]
        if e["bug"] is None:
            assert facts["error"] is None, f"{e['id']}: Keras raised {facts['error']}"
            assert facts["models"], f"{e['id']}: no model captured"
        else:
            assert facts["error"] is not None, f"{e['id']}: Keras no longer raises"
            assert facts["error"]["line"] == e["bug"]["line"], f"{e['id']}: raised at line {facts['error']['line']}"


def _diff(path, got, want, out, limit=20):
    if len(out) >= limit:
        return
    if isinstance(got, dict) and isinstance(want, dict):
        for k in sorted(set(got) | set(want)):
            _diff(f"{path}.{k}", got.get(k, "<missing>"), want.get(k, "<missing>"), out, limit)
    elif isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        for i, (g, w) in enumerate(zip(got, want)):
            _diff(f"{path}[{i}]", g, w, out, limit)
    elif got != want:
        out.append(f"{path}: got {got!r}, expected {want!r}")


@pytest.mark.keras
def test_oracle_reproduces_expected():
    """Every entry re-run (one subprocess per flavour) gives exactly the stored facts."""
    pytest.importorskip("keras")
    pytest.importorskip("tf_keras")
    import python_oracle

    # the tfa flavour needs TensorFlow 2.15 (SHAPECHECK_TFA_PYTHON): recorded, re-run where given
    entries, expected = python_oracle.rerunnable(_manifest()), _expected()
    facts = python_oracle.run_entries(entries, require=True)
    problems = []
    for e in entries:
        _diff(e["id"], facts[e["id"]], expected[e["id"]], problems)
    assert not problems, "oracle facts differ from expected.json:\n" + "\n".join(problems)
