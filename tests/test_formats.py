"""Where users meet it: the github, markdown and sarif formats (goldens), folders and
the hook's --only-models/--quiet mode, [tool.shapecheck] format and severity, and the
.pre-commit-hooks.yaml entry."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
import yaml
from npm_tools import sarif_schema

from shapecheck.cli import main
from shapecheck.diagnostics import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"

BAD = "inputs: {x: [?, t, 12]}\nlayers:\n  - {type: LSTM, units: 64}\n  - {type: LSTM, units: 32}\n"
WARN = "inputs: {x: [?, 3]}\nlayers:\n  - {name: a, type: Dense, units: 2}\n" \
       "  - {name: b, type: Dense, units: 2, inputs: x}\noutputs: [b]\n"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A repository with model specs among unrelated YAML and JSON."""
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "seed.yaml").write_text((ROOT / "specs" / "seed_bilstm.yaml").read_text())
    (tmp_path / "models" / "bad.yaml").write_text(BAD)
    (tmp_path / "models" / "warn.yaml").write_text(WARN)
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text("name: ci\non: push\njobs: {}\n")
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0", "layers": 3}\n')
    (tmp_path / "tsconfig.json").write_text('{"compilerOptions": {}}\n')
    (tmp_path / "docker-compose.yml").write_text("services: {web: {image: nginx}}\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv):
    code = main(["--no-config", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SHAPECHECK_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"output differs from {path}; rerun with SHAPECHECK_UPDATE_GOLDEN=1"


def test_github_golden(repo, capsys):
    code, out, err = run(capsys, "models", "--format", "github")
    assert (code, err) == (1, "")
    _golden("models.github.txt", out)
    assert out.startswith("::error file=models/bad.yaml,line=4,col=5,title=SC301 rank mismatch::")
    assert "::warning file=models/warn.yaml,line=3,col=5," in out


def test_markdown_golden(repo, capsys):
    code, out, _ = run(capsys, "models", "--format", "markdown")
    assert code == 1
    _golden("models.md", out)
    assert "| bilstm (Bidirectional) | `(None, t, 768)` | 1,219,584 |" in out


def test_sarif(repo, capsys):
    code, out, _ = run(capsys, "models", "--format", "sarif")
    assert code == 1
    doc = json.loads(out)
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    [run_] = doc["runs"]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CATALOGUE)
    results = run_["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("SC301", "error"), ("SC205", "warning")]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        [loc] = r["locations"]
        phys = loc["physicalLocation"]
        assert phys["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert phys["region"]["startLine"] >= 1 and phys["region"]["startColumn"] >= 1
    assert results[0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "models/bad.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4, "startColumn": 5}}


def test_sarif_is_valid_against_the_sarif_2_1_0_schema(repo, capsys, tmp_path):
    """The official schema, on the findings of every diagnostic example (each code)
    and on a clean run; the schema rejects a broken document, or the check is void."""
    import jsonschema

    from shapecheck.diagnostic_examples import EXAMPLES

    schema = json.loads(sarif_schema().read_text())
    validator = jsonschema.Draft4Validator(schema)
    docs = {"models": json.loads(run(capsys, "models", "--format", "sarif")[1]),
            "clean": json.loads(run(capsys, "models/seed.yaml", "--format", "sarif")[1])}
    for code, example in EXAMPLES.items():
        folder = tmp_path / code
        folder.mkdir()
        for name, text in example.files.items():
            (folder / name).write_text(text)
        data = example.build() if example.build else example.text.encode()
        (folder / example.filename).write_bytes(data)
        os.chdir(folder)
        config = () if example.files else ("--no-config",)
        main([example.filename, "--format", "sarif", *config, *example.args])
        docs[code] = json.loads(capsys.readouterr().out)
    seen = set()
    for name, doc in docs.items():
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]
        assert not errors, (name, errors[:5])
        seen |= {r["ruleId"] for r in doc["runs"][0]["results"]}
    assert seen >= set(EXAMPLES)
    broken = json.loads(json.dumps(docs["models"]))
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert not validator.is_valid(broken)


def test_folder_finds_models_by_content_and_sums_up(repo, capsys):
    code, out, _ = run(capsys, ".", "-q")
    assert code == 1
    # package.json's "layers" is no list of layers: not a spec, so not checked.
    assert out.splitlines()[-1] == "1 error, 1 warning in 1 of 3 files"
    assert ".github" not in out and "tsconfig" not in out and "docker-compose" not in out


def test_only_models_passes_other_files_untouched(repo, capsys):
    code, out, _ = run(capsys, "--only-models", "-q", ".github/workflows/ci.yml", "tsconfig.json",
                       "docker-compose.yml", "models/seed.yaml")
    # the hook's mode: a clean batch says nothing (pre-commit shows every batch's output
    # when one fails, and a clean batch's "ok" would contradict it)
    assert (code, out) == (0, "")
    code, out, _ = run(capsys, "--only-models", "-q", "models/bad.yaml", "models/seed.yaml", "tsconfig.json")
    assert code == 1 and out.splitlines()[-1] == "1 error in 1 of 2 files (in this batch of files)"
    code, out, _ = run(capsys, "-q", "models/seed.yaml")  # --quiet alone keeps its summary
    assert out == "ok: 1 file checked, no findings\n"
    code, out, _ = run(capsys, "-q", "tsconfig.json")  # named without the flag: a finding
    assert code == 1 and "SC102" in out


def test_quiet_prints_findings_and_summary_only(repo, capsys):
    code, out, _ = run(capsys, "-q", "models/bad.yaml", "models/seed.yaml")
    assert code == 1
    assert out == ("models/bad.yaml:4:5: SC301 Input 0 of layer \"lstm_1\" (LSTM) is incompatible with "
                   "the layer: expected ndim=3, found ndim=2. Full shape received: (None, 64) [lstm_1]\n"
                   "    hint: set `return_sequences: true` on 'lstm' (line 3): without it LSTM returns "
                   "only its last step and drops the time axis\n\n1 error in 1 of 2 files\n")


def test_config_format_and_severity(repo, capsys):
    (repo / "pyproject.toml").write_text(textwrap.dedent("""\
        [tool.shapecheck]
        format = "github"

        [tool.shapecheck.severity]
        SC301 = "warning"
        SC205 = "off"
        """))
    code, out, _ = run_with_config(capsys, "models")
    assert code == 0  # the only error is now a warning
    assert out.startswith("::warning file=models/bad.yaml,line=4")
    assert "SC205" not in out
    code, out, _ = run_with_config(capsys, "models", "--format", "json")  # the command line wins
    assert json.loads(out)["files"][0]["diagnostics"][0]["severity"] == "warning"
    (repo / "pyproject.toml").write_text('[tool.shapecheck]\nformat = "xml"\n[tool.shapecheck.severity]\n'
                                         'SC999 = "off"\nSC301 = "loud"\n')
    code, out, _ = run_with_config(capsys, "models", "-q")
    assert code == 1
    assert "pyproject.toml:2:1: SC112 format must be one of" in out
    assert "pyproject.toml:4:1: SC112 [tool.shapecheck.severity] SC999: no such code" in out
    assert "pyproject.toml:5:1: SC112 [tool.shapecheck.severity] SC301 must be one of" in out


def run_with_config(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_pre_commit_hooks_file():
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "shapecheck" and hook["language"] == "python"
    assert not hook.get("require_serial")
    assert hook["entry"].split()[0] == "shapecheck" and "--only-models" in hook["entry"]
    import re

    pattern = re.compile(hook["files"])
    assert all(pattern.search(f) for f in ("m.yaml", "m.yml", "m.json", "m.keras", "m.h5", "m.py"))
    assert not pattern.search("m.txt")


def test_python_files_are_models_only_when_they_import_keras(tmp_path):
    from shapecheck.api import is_model_file

    (tmp_path / "train.py").write_text("import tensorflow as tf\nmodel = tf.keras.Sequential()\n")
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    assert is_model_file(str(tmp_path / "train.py")) and not is_model_file(str(tmp_path / "setup.py"))


def test_judging_a_file_reads_what_it_has_up_to_the_limit(tmp_path):
    """``is_model_file`` asks the size first (read(n) allocates n bytes: 64 MiB a spec),
    and goes on reading where the size lies: a pipe says 0."""
    from shapecheck.api import _read_up_to

    data = b"layers:\n  - {type: Dense, units: 3}\n" * 50
    (tmp_path / "m.yaml").write_bytes(data)
    with open(tmp_path / "m.yaml", "rb") as fh:
        assert _read_up_to(fh, 1 << 20) == data
    with open(tmp_path / "m.yaml", "rb") as fh:
        assert _read_up_to(fh, 100) == data[:100]
    for limit in (1 << 20, 100):
        read, write = os.pipe()
        os.write(write, data)
        os.close(write)
        with os.fdopen(read, "rb") as fh:
            assert os.fstat(fh.fileno()).st_size == 0 and _read_up_to(fh, limit) == data[:limit]


# --- many files on every core -------------------------------------------------------------

def _many(folder: Path, n: int) -> None:
    """Specs that pass, fail and warn, a Python model, and YAML that is no model."""
    folder.mkdir()
    for k in range(n):
        text = (BAD, WARN, (ROOT / "specs" / "seed_bilstm.yaml").read_text())[k % 3]
        (folder / f"m{k:03d}.yaml").write_text(text)
    (folder / "build.py").write_text("import keras\nx = keras.Input((None, 12))\n"
                                     "m = keras.Model(x, keras.layers.LSTM(4)(x))\n")
    (folder / "ci.yml").write_text("on: push\n")


@pytest.mark.parametrize("argv", [(), ("--format", "json"), ("--only-models", "-q"), ("-q", "--no-explain"),
                                  ("--layout", "pytorch"), ("--format", "markdown")])
def test_a_pool_of_processes_gives_the_output_of_one(tmp_path, capsys, monkeypatch, argv):
    from shapecheck.commands import files

    _many(tmp_path / "models", 40)
    monkeypatch.chdir(tmp_path)
    assert files.job_count(2, files_to_check(["models"])) == 2  # enough files: a pool, if asked
    one = run(capsys, "models", "--jobs", "1", *argv)
    two = run(capsys, "models", "--jobs", "2", *argv)
    assert one == two and one[0] == 1 and one[1]
    monkeypatch.setenv("SHAPECHECK_JOBS", "2")
    assert run(capsys, "models", *argv) == one


def _watch_checks(monkeypatch, log: Path, die_in_workers: bool = False) -> None:
    """Each file checked writes its process id to ``log``; a worker may die instead, as
    one the system kills would."""
    from shapecheck.commands import files

    parent, check = os.getpid(), files.check_one

    def watched(path, opts, as_reports=False):
        if die_in_workers and os.getpid() != parent:
            os._exit(3)
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return check(path, opts, as_reports)

    monkeypatch.setattr(files, "check_one", watched)


def test_the_command_and_its_workers_share_the_files(tmp_path, capsys, monkeypatch):
    _many(tmp_path / "models", 60)
    monkeypatch.chdir(tmp_path)
    one = run(capsys, "models", "--jobs", "1")
    _watch_checks(monkeypatch, tmp_path / "pids")
    assert run(capsys, "models", "--jobs", "3") == one
    pids = (tmp_path / "pids").read_text().split()
    assert len(pids) == len(files_to_check(["models"])) and str(os.getpid()) in pids and len(set(pids)) >= 2


def test_a_folders_files_are_judged_where_they_are_checked(tmp_path, capsys, monkeypatch):
    """Whether a folder's file holds a model is read from the file, so it is judged in
    the process that checks it (on every core), and a file that holds none is neither
    reported nor counted, as when the listing judged it."""
    from shapecheck import api

    _many(tmp_path / "models", 40)
    monkeypatch.chdir(tmp_path)
    one = run(capsys, "models", "--jobs", "1")
    assert "ci.yml" not in one[1] and "41 files" in one[1]  # 40 specs and build.py
    log, judged = tmp_path / "judged", api.is_model_file

    def watched(path):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()} {path}\n")
        return judged(path)

    monkeypatch.setattr(api, "is_model_file", watched)
    assert run(capsys, "models", "--jobs", "2") == one
    seen = [line.split() for line in log.read_text().splitlines()]
    assert sorted(p for _, p in seen) == files_to_check(["models"])  # each once, ci.yml too
    assert len({pid for pid, _ in seen}) == 2


def test_few_files_are_shared_the_biggest_first(tmp_path, capsys, monkeypatch):
    """A file a chunk (few files, so big ones): the biggest are drawn first, so no big
    file drawn last keeps one process busy while the others wait; the output is still
    in the order of the files."""
    from shapecheck.commands import files

    monkeypatch.chdir(tmp_path)
    paths = []
    for k, n in enumerate((1, 40, 3, 200, 10)):  # LSTMs, the seed's block repeated n times
        body = "".join(f"  - {{type: LSTM, units: 8, return_sequences: true, name: l{i}}}\n" for i in range(n))
        (tmp_path / f"m{k}.yaml").write_text(f"inputs:\n  x: [?, 5, 8]\nlayers:\n{body}")
        paths.append(f"m{k}.yaml")
    chunks = [[p] for p in paths]
    assert list(files.largest_first(chunks)) == [3, 1, 4, 2, 0]
    assert list(files.largest_first([["missing.yaml"], ["m3.yaml"]])) == [1, 0]  # unreadable: empty
    monkeypatch.setattr(files, "MIN_FILES", 2)
    one = run(capsys, *paths, "--jobs", "1")
    assert run(capsys, *paths, "--jobs", "2") == one and "5 files" in one[1]


@pytest.mark.parametrize("sizes", [(40, 200, 1, 10), (40, 200, 10, 1)])
def test_few_files_the_smallest_is_checked_before_the_fork(tmp_path, capsys, monkeypatch, sizes):
    """The file this process checks before forking is the smallest (the other cores
    wait for it), wherever it is among the files; its part keeps its place."""
    from shapecheck.commands import files

    monkeypatch.chdir(tmp_path)
    paths = []
    for k, n in enumerate(sizes):
        body = "".join(f"  - {{type: LSTM, units: 8, return_sequences: true, name: l{i}}}\n" for i in range(n))
        (tmp_path / f"m{k}.yaml").write_text(f"inputs:\n  x: [?, 5, 8]\nlayers:\n{body}")
        paths.append(f"m{k}.yaml")
    log, checked = tmp_path / "checked", files.check_one

    def watched(path, *args, **kwargs):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()} {path}\n")
        return checked(path, *args, **kwargs)

    monkeypatch.setattr(files, "MIN_FILES", 2)
    one = run(capsys, *paths, "--jobs", "1")
    monkeypatch.setattr(files, "check_one", watched)
    for fmt in ((), ("--format", "json")):
        assert run(capsys, *paths, "--jobs", "2", *fmt) == run(capsys, *paths, "--jobs", "1", *fmt)
    assert run(capsys, *paths, "--jobs", "2") == one
    first = log.read_text().splitlines()[0].split()
    assert first == [str(os.getpid()), paths[sizes.index(min(sizes))]]


def test_the_json_document_is_written_in_pieces_as_one():
    """The document's pieces (its files' entries among them, never copied into one
    string) print as ``from_entries`` makes it, and a stream that cannot encode a
    character gets it escaped, as ``write`` does."""
    import io

    from shapecheck.commands.common import write_pieces
    from shapecheck.output.json_format import from_entries, pieces

    entries = ['{\n      "path": "a.yaml"\n    }', '{\n      "path": "b.yaml"\n    }']
    for some in ([], entries[:1], entries):
        out = io.StringIO()
        write_pieces(out, pieces(some))
        assert out.getvalue() == from_entries(some) + "\n"
        assert json.loads(out.getvalue()) == {"version": 1, "files": [json.loads(e) for e in some]}
    latin = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    write_pieces(latin, ["a ", "\u03b1", " b"])
    latin.flush()
    assert latin.buffer.getvalue() == b"a \\u03b1 b\n"


def test_a_workers_outcomes_are_read_back_chunk_by_chunk():
    """A worker appends a pickle a chunk; each is read with a fresh memo (one unpickler
    for all of them would resolve a later pickle's references to its own objects, its
    classes and repeated strings, into the first one's)."""
    from shapecheck.commands import files

    def chunk(k):
        part = files.Part([f"m{k}.yaml:1:1: SC301 ...", "    hint: same hint"], 1, 0, True, False)
        return [files.Outcome((part, part)), files.Outcome(crash=f"crash {k}"), files.Outcome((part,))]

    memory = os.memfd_create("test-outcomes")
    try:
        for k in (3, 0, 7):
            files.append_outcomes(memory, k, chunk(k))
        assert files.outcomes_in(memory) == {k: chunk(k) for k in (3, 0, 7)}
    finally:
        os.close(memory)


def test_files_of_a_worker_that_dies_are_checked_by_the_command(tmp_path, capsys, monkeypatch):
    _many(tmp_path / "models", 40)
    monkeypatch.chdir(tmp_path)
    one = run(capsys, "models", "--jobs", "1")
    _watch_checks(monkeypatch, tmp_path / "pids", die_in_workers=True)
    assert run(capsys, "models", "--jobs", "3") == one
    assert set((tmp_path / "pids").read_text().split()) == {str(os.getpid())}


def test_a_pool_only_where_it_pays(tmp_path, monkeypatch):
    from shapecheck.commands import files

    _many(tmp_path / "models", 30)
    many = files_to_check([str(tmp_path / "models")])
    monkeypatch.delenv("SHAPECHECK_JOBS", raising=False)
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    assert files.job_count(1, many) == 1 and files.job_count(None, many[:5]) == 1
    monkeypatch.setenv("SHAPECHECK_JOBS", "1")
    assert files.job_count(None, many) == 1
    # Under pre-commit, whose batches run side by side already: one process a batch,
    # unless asked for more.
    monkeypatch.delenv("SHAPECHECK_JOBS")
    monkeypatch.setenv("PRE_COMMIT", "1")
    assert files.job_count(None, many) == 1 and files.job_count(2, many) == 2
    monkeypatch.delenv("PRE_COMMIT")
    cores = len(os.sched_getaffinity(0))
    assert files.job_count(None, many) == (min(cores, len(many)) if cores > 1 else 1)
    big = tmp_path / "big.json"  # one file: nothing to share; two big ones: worth a pool
    big.write_text(" " * files.MIN_BYTES)
    assert files.job_count(2, [str(big)]) == 1 and files.job_count(2, [str(big), str(big)]) == 2


def files_to_check(given: list[str]) -> list[str]:
    """The files the command hands to ``check_one``: a folder's are judged there."""
    from shapecheck.commands.check import files_to_check as listed

    return listed(given, only_models=False)[0]


@pytest.mark.parametrize("fmt,quiet", [("text", False), ("text", True), ("json", False)])
def test_a_part_keeps_its_lines_until_the_report_is_gone(fmt, quiet):
    """A file's part holds its text in lines, joined only when written: a large report,
    its lines and their join are never held at once. Joined, they are what the
    formats render."""
    from shapecheck.api import analyze_bytes
    from shapecheck.commands import files
    from shapecheck.output import json_format, text

    report = analyze_bytes(BAD.encode(), "bad.yaml")
    part = files.part_of(report, files.Options({}, None, "keras", {}, fmt, False, True, quiet))
    assert isinstance(part.text, list) and part.errors == 1
    if fmt == "json":
        assert part.text == [json_format.file_entry(report)]
    elif quiet:
        assert part.text == [text.diagnostic_line(d, "bad.yaml") for d in report.diagnostics]
    else:
        assert "\n".join(part.text) == text.render(report) and len(part.text) > 3


def test_lines_are_written_as_their_join_a_slice_at_a_time():
    import io

    from shapecheck.commands.common import _SLICE, write

    lines = [f"line {i}" if i % 7 else "" for i in range(2 * _SLICE + 5)] + ["Γ"]
    out = io.StringIO()
    write(out, lines)
    assert out.getvalue() == "\n".join(lines) + "\n"
    latin = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    write(latin, lines)  # what the encoding cannot show is escaped, in that slice only
    latin.flush()
    assert latin.buffer.getvalue().decode("latin-1") == "\n".join(lines[:-1]) + "\n\\u0393\n"
