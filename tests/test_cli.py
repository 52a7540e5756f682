"""The command line: golden output for the seed, exit codes, and the promise that the
analysis path never imports TensorFlow or Keras."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shapecheck.cli import main

ROOT = Path(__file__).resolve().parent.parent
SEED = str(ROOT / "specs" / "seed_bilstm.yaml")
GOLDEN = Path(__file__).parent / "golden"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SHAPECHECK_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"output differs from {path}; rerun with SHAPECHECK_UPDATE_GOLDEN=1"


def test_seed_text_golden(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = run(capsys, "specs/seed_bilstm.yaml")
    assert code == 0 and err == ""
    _golden("seed_bilstm.txt", out)
    assert "(None, t, 768)" in out and "1,219,584" in out
    assert all(len(line) <= 80 for line in out.splitlines())


def test_seed_bound_golden(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = run(capsys, "specs/seed_bilstm.yaml", "--dim", "t=4995", "--no-explain")
    assert code == 0
    _golden("seed_bilstm_4995.txt", out)


def test_seed_json_golden(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, _ = run(capsys, "specs/seed_bilstm.yaml", "--format", "json")
    assert code == 0
    _golden("seed_bilstm.json", out)
    doc = json.loads(out)
    assert doc["version"] == 1
    [f] = doc["files"]
    assert f["outputs"] == [[None, "t", 768]] and f["total_params"] == 1219584
    bilstm = f["layers"][1]
    assert bilstm["location"] == {"line": 9, "column": 5}
    kernel = bilstm["weights"][0]
    assert kernel["path"] == "bilstm/forward_lstm/lstm_cell/kernel"
    assert [(a["size"], a["formula"]) for a in kernel["axes"]] == [(12, "input_dim"), (1536, "4*units")]


def test_exit_codes(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("inputs: {x: [?, t, 12]}\nlayers:\n  - {type: LSTM, units: 4}\n"
                   "  - {type: LSTM, units: 4}\n")
    code, out, _ = run(capsys, str(bad))
    assert code == 1
    assert f"{bad}:4:5: SC301 " in out and "1 error in 1 of 1 file" in out
    assert run(capsys, SEED, str(bad))[0] == 1
    notmodel = tmp_path / "ci.yaml"
    notmodel.write_text("on: push\njobs: {}\n")
    assert run(capsys, str(notmodel))[0] == 1
    code, _, err = run(capsys, str(tmp_path / "missing.yaml"))
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, SEED, "--bogus")
    assert code == 2 and "unrecognized arguments" in err
    code, _, err = run(capsys, SEED, "--dim", "t=x")
    assert code == 2 and "NAME=INT" in err
    assert run(capsys, "--version")[0] == 0


def test_warnings_alone_exit_zero(capsys, tmp_path):
    spec = tmp_path / "w.yaml"
    spec.write_text("inputs: {x: [?, t, 3]}\nlayers: [{type: Reshape, target_shape: [-1, 2]}]\n")
    code, out, _ = run(capsys, str(spec))
    assert code == 0 and "SC304 (warning)" in out


def test_no_tensorflow_and_no_sympy_for_concrete_specs(tmp_path):
    spec = tmp_path / "c.yaml"
    spec.write_text("inputs: {x: [?, 10, 12]}\nlayers:\n  - {type: LSTM, units: 4}\n")
    code = (
        "import sys\n"
        "from shapecheck.cli import main\n"
        f"rc = main([{str(spec)!r}, '--format', 'json'])\n"
        "heavy = [m for m in ('tensorflow', 'keras', 'sympy', 'torch') if m in sys.modules]\n"
        "sys.stderr.write(repr(heavy))\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == "[]"


def test_checking_never_imports_typing(tmp_path):
    """``typing`` was a tenth of a cold start (its import, and ``contextlib``'s): type names
    come from ``collections.abc`` or stay under ``TYPE_CHECKING``, and records replaced
    ``NamedTuple``. A spec, a folder of specs, a Keras JSON, a Python model file, and
    every output format but the language server's."""
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "m.yaml").write_text(Path(SEED).read_text())
    keras_json = tmp_path / "m.json"
    keras_json.write_text(json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 8], "name": "x"}},
        {"class_name": "Dense", "config": {"units": 4, "name": "d"}}]}}))
    runs = [[SEED], [str(folder), "-q", "--only-models"], [str(keras_json), "--format", "json"],
            [str(ROOT / "tests" / "corpus" / "python" / "own" / "seed_bilstm.py"), "--format", "sarif"],
            [SEED, "--format", "markdown"], [SEED, "--format", "github"], [SEED, "--format", "html"]]
    code = (
        "import sys\n"
        "from shapecheck.cli import main\n"
        f"codes = [main(argv) for argv in {runs!r}]\n"
        "sys.stderr.write(repr((codes, [m for m in ('typing', 'dataclasses') if m in sys.modules])))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stderr.strip().splitlines()[-1] == repr(([0] * len(runs), [])), proc.stderr


def test_the_hooks_quiet_run_never_imports_textwrap():
    """The pre-commit hook's mode prints findings only, never a wrapped sentence: each
    batch of files starts a process, and textwrap was 3% of its start."""
    code = ("import sys\n"
            "from shapecheck.cli import main\n"
            f"rc = main(['-q', '--only-models', {SEED!r}, {str(ROOT / 'pyproject.toml')!r}])\n"
            "sys.stderr.write(repr((rc, 'textwrap' in sys.modules)))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stderr.strip().splitlines()[-1] == "(0, False)", proc.stderr


def test_symbolic_spec_never_imports_keras():
    code = ("import sys, shapecheck\n"
            f"shapecheck.analyze({SEED!r})\n"
            "sys.stderr.write(repr([m for m in sys.modules if m.split('.')[0] in "
            "('tensorflow', 'keras')]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and proc.stderr.strip() == "[]", proc.stderr


@pytest.mark.parametrize("argv", [["-m", "shapecheck", SEED], ["-m", "shapecheck", SEED, "--format", "json"]])
def test_module_entry_point(argv):
    proc = subprocess.run([sys.executable, *argv], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr


def test_cyclic_collector_left_off_only_by_the_console_script(monkeypatch, capsys):
    """In-process callers (tests, tools) get the collector back after the analysis; the
    console script, whose process ends with the report, does not pay for it (a
    collection over every object the reports keep: a tenth of a run on 14 configs)."""
    import gc

    from shapecheck import cli

    assert gc.isenabled()
    assert main([SEED]) == 0 and gc.isenabled()
    monkeypatch.setattr(sys, "argv", ["shapecheck", SEED])
    monkeypatch.setattr(cli.os, "_exit", lambda code: sys.exit(code))  # the test's process goes on
    try:
        with pytest.raises(SystemExit) as ended:
            cli.entry()
        assert ended.value.code == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
    capsys.readouterr()


def test_console_script_skips_the_teardown_but_writes_everything(tmp_path):
    """The process ends with ``os._exit`` once its output is flushed: a big output
    through a pipe arrives whole, a reader that leaves early is not an error, and
    nothing of Python's own exit (its "Exception ignored" messages) shows."""
    spec = tmp_path / "deep.yaml"
    spec.write_text("inputs: {x: [?, 16]}\nlayers:\n" + "  - {type: Dense, units: 16}\n" * 400)
    argv = [sys.executable, "-m", "shapecheck", "--format", "json", "--no-config", str(spec)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # the output buffered
    for small in (False, True):  # a write straight through, and one that only the flush sends
        args = argv[:3] + [SEED] if small else argv
        whole = subprocess.run(args, capture_output=True, timeout=120, cwd=ROOT, env=env)
        assert whole.returncode == 0 and whole.stderr == b""
        assert whole.stdout.decode() == _in_process(args[3:])
    assert len(whole.stdout) < 4096 < 1 << 16 < len(_in_process(argv[3:]))  # a pipe holds 64 KiB
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env) as early:
        early.stdout.read(100)
        early.stdout.close()  # the reader leaves, as `| head -c 100` does
        said = early.stderr.read()
    assert early.returncode == 0 and said == b"", said


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("buffered", [True, False])
def test_an_output_the_system_refuses_is_an_error_not_a_bug(buffered):
    """A full disk under the output fails the command (exit 2) with the system's reason,
    whether the write fails at once or only when the console script flushes."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED" or not buffered}
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "shapecheck", SEED], stdout=full, stderr=subprocess.PIPE,
                              text=True, env=env, timeout=120, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr == "shapecheck: error: No space left on device\n"


def test_a_closed_standard_output_is_no_crash():
    import shlex

    done = subprocess.run(shlex.join([sys.executable, "-m", "shapecheck", SEED]) + " >&-", shell=True,
                          capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0 and done.stderr == ""


def _in_process(argv: list[str]) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(argv)
    return out.getvalue()


def test_readme_shows_the_real_seed_output():
    readme = (ROOT / "README.md").read_text()
    assert (GOLDEN / "seed_bilstm.txt").read_text() in readme


def _on_a_terminal(argv: list[str], env: dict[str, str]) -> str:
    """Run the CLI with its standard output on a pseudo-terminal; what it printed."""
    import pty

    main_fd, child_fd = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "shapecheck", *argv], stdout=child_fd,
                              stderr=subprocess.PIPE, env=env, timeout=120, cwd=ROOT)
        os.close(child_fd)
        chunks = []
        while True:
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(main_fd)
    assert done.returncode == 1, done.stderr
    return b"".join(chunks).decode()


@pytest.mark.parametrize("argv, no_color, coloured", [
    ([], None, True),
    ([], "1", False),
    ([], "", True),  # NO_COLOR counts only when set to something (no-color.org)
    (["--color", "never"], None, False),
    (["--color", "always"], "1", True),
])
def test_colour_only_on_a_terminal_and_never_with_no_color(argv, no_color, coloured, tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("inputs: {x: [?, t, 12]}\nlayers:\n  - {type: LSTM, units: 8}\n  - {type: LSTM, units: 4}\n")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    if no_color is not None:
        env["NO_COLOR"] = no_color
    shown = _on_a_terminal([str(spec), "--no-config", *argv], env)
    assert "SC301" in shown
    assert ("\x1b[31mSC301\x1b[0m" in shown) is coloured
    assert ("\x1b[" in shown) is coloured


def test_no_colour_when_piped_unless_asked(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("inputs: {x: [?, t, 12]}\nlayers:\n  - {type: LSTM, units: 8}\n  - {type: LSTM, units: 4}\n")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    for argv, coloured in (([], False), (["--color", "always"], True)):
        done = subprocess.run([sys.executable, "-m", "shapecheck", str(spec), "--no-config", *argv],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 1
        assert ("\x1b[" in done.stdout) is coloured
