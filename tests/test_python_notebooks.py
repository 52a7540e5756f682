"""Jupyter notebooks (.ipynb) read by the Python reader: the code cells in order, as
Jupyter runs them top to bottom, against what Keras builds when the same cells run
(the oracle's own script of them, ``python_oracle.notebook_script``); every position
both the notebook file's (``path:line:col``) and its cell's; IPython's magics, shell
lines and help; a cell that is not Python, alone; hostile and broken notebooks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import shapecheck.api as api  # noqa: E402
from shapecheck.cli import main  # noqa: E402
from shapecheck.reading import notebook  # noqa: E402


def write_notebook(path: Path, cells: list, ascii_only: bool = False, nbformat: int = 4) -> Path:
    """A notebook as Jupyter writes it (one JSON string a source line, indent 1);
    ``cells``: ("code" | "markdown", [lines]) or ("code", "one string")."""
    def cell(kind, source):
        if isinstance(source, list):  # Jupyter's lines: each but the last ends with "\n"
            source = [line + "\n" for line in source[:-1]] + source[-1:]
        out = {"cell_type": kind, "metadata": {}, "source" if nbformat == 4 else "input": source}
        if kind == "code":
            out.update({"execution_count": None, "outputs": []})
        return out

    made = [cell(kind, source) for kind, source in cells]
    doc = {"cells": made, "metadata": {}, "nbformat": 4, "nbformat_minor": 5} if nbformat == 4 else \
        {"worksheets": [{"cells": made, "metadata": {}}], "metadata": {}, "nbformat": 3, "nbformat_minor": 0}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=ascii_only) + "\n", encoding="utf-8")
    return path


# Keras 3, as a notebook is written: magics and shell lines, a %%time cell, a help line,
# a cell magic that is no Python, Markdown between, a string with quotes and a word
# that is not ASCII before a layer call on its line.
KERAS3_CELLS = [
    ("markdown", ["# A convnet and a tagger", "", "Built cell by cell."]),
    ("code", ["%matplotlib inline", "!pip install -q keras", "import numpy as np", "import keras",
              "from keras import layers"]),
    ("code", ["%%time", "inputs = keras.Input(shape=(28, 28, 1))",
              'x = layers.Conv2D(32, 3, activation="relu")(inputs)', "x = layers.MaxPooling2D()(x)",
              "for filters in (64, 128):", "    !echo building  # a shell line inside a block",
              '    x = layers.Conv2D(filters, 3, padding="same")(x)',
              "x = layers.GlobalAveragePooling2D()(x)",
              'outputs = layers.Dense(10, activation="softmax", name="probs")(x)',
              'model = keras.Model(inputs, outputs, name="convnet")']),
    ("code", ["model.summary()", "model?", "files = !ls"]),
    ("markdown", ["A tagger next."]),
    ("code", ["%%bash", 'echo "not Python: ("']),
    ("code", ["tokens = keras.Input((100,), dtype=\"int32\")",
              "h = layers.Embedding(1000, 16)(tokens)",
              'note = "a \\"quoted\\" réseau"; h = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(h)',
              "scores = layers.Dense(3)(h)",
              'tagger = keras.Model(tokens, scores, name="tagger")']),
]


def _facts_by_model(facts: dict) -> dict:
    return {m["name"]: m for m in facts["models"] if m["built"] and m["class"] in ("Functional", "Sequential")}


def _checked_against_keras(path: Path, flavour: str, dialect: str) -> list:
    import python_oracle as oracle

    facts = oracle.run_file(path, flavour=flavour)
    assert facts["error"] is None, facts["error"]
    theirs = _facts_by_model(facts)
    reports = api.analyze_python(str(path), dialect=dialect)
    assert {r.model for r in reports} == set(theirs)
    for report in reports:
        model = theirs[report.model]
        assert report.ok and not report.diagnostics, [d.line() for d in report.diagnostics]
        # a tf.keras Sequential does not list its InputLayer
        ours = {l.name: (l.type, [tuple(s) for s in l.output_shapes], l.params)
                for l in report.layers.values() if l.type != "InputLayer"}
        assert ours == {l["name"]: (l["class"], [tuple(s) for s in l["output_shapes"]], l["params"])
                        for l in model["layers"] if l["class"] != "InputLayer"}
        assert report.total_params == model["total_params"]
    return reports


def _assert_positions(path: Path, reports: list, ascii_only: bool) -> None:
    """Each layer's file line:col holds the code its cell line:col holds, as the JSON
    text writes it (escapes and all)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    cells = doc["cells"]
    file_lines = path.read_text(encoding="utf-8").split("\n")
    seen = 0
    for report in reports:
        for layer in report.layers.values():
            loc = layer.location
            number, line, column = loc.cell
            code = "".join(cells[number - 1]["source"]).split("\n")[line - 1][column - 1:]
            assert code.startswith(("keras.", "layers.")), (layer.name, code)
            written = json.dumps(code, ensure_ascii=ascii_only)[1:-1]
            assert file_lines[loc.line - 1][loc.column - 1:].startswith(written[:20]), (layer.name, loc)
            seen += 1
    assert seen >= 10


@pytest.mark.keras
@pytest.mark.parametrize("ascii_only", [False, True], ids=["utf-8", "ascii-escapes"])
def test_a_keras_3_notebook_reads_as_keras_runs_its_cells(tmp_path, ascii_only):
    pytest.importorskip("keras")
    path = write_notebook(tmp_path / "models.ipynb", KERAS3_CELLS, ascii_only)
    reports = _checked_against_keras(path, "keras3", "keras3")
    _assert_positions(path, reports, ascii_only)
    convnet = next(r for r in reports if r.model == "convnet")
    assert convnet.layers["probs"].location.cell == (3, 9, 11)
    # the line after the string with escapes and "é": the cell's column, and the file's
    bilstm = next(r for r in reports if r.model == "tagger").layers["bidirectional"]
    assert bilstm.location.cell == (7, 3, 35)


TF_KERAS_CELLS = [
    ("code", ["import tensorflow as tf", "from tensorflow.keras import layers, models"]),
    ("code", ["model = models.Sequential()", "model.add(layers.Input((32, 32, 3)))",
              "model.add(layers.Conv2D(16, (3, 3), activation='relu'))",
              "model.add(layers.Flatten())", "model.add(layers.Dense(10))"]),
    ("code", ["model.compile(optimizer='adam', loss='mse')", "model.summary()"]),
]


@pytest.mark.keras
def test_a_tf_keras_notebook_reads_as_tf_keras_runs_its_cells(tmp_path, monkeypatch):
    pytest.importorskip("tf_keras")
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    path = write_notebook(tmp_path / "tf.ipynb", TF_KERAS_CELLS)
    (report,) = _checked_against_keras(path, "tf.keras", "keras2")
    assert report.layers["dense"].location.cell == (2, 5, 11)


def test_a_shape_error_is_at_its_cell_and_the_notebook_file_line(tmp_path, capsys):
    path = write_notebook(tmp_path / "rnn.ipynb", [
        ("markdown", ["Two LSTMs"]),
        ("code", ["import keras", "from keras import layers"]),
        ("code", ["inputs = keras.Input((10, 8))", "x = layers.LSTM(16)(inputs)", "x = layers.LSTM(4)(x)",
                  "model = keras.Model(inputs, x)"]),
    ])
    assert main([str(path)]) == 1
    out = capsys.readouterr().out
    file_line = path.read_text().split("\n").index('    "x = layers.LSTM(4)(x)\\n",') + 1
    assert f"rnn.ipynb:{file_line}:10: SC301 " in out
    assert "(at cell 3, line 3, column 5)" in out
    # the hint names the cell of the LSTM to change, not a line of the JSON
    assert "set `return_sequences=True` on 'lstm' (cell 3, line 2)" in out
    assert main([str(path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    (d,) = data["files"][0]["diagnostics"]
    assert (d["line"], d["column"], d["cell"]) == (file_line, 10, {"cell": 3, "line": 3, "column": 5})
    assert data["files"][0]["layers"][1]["location"]["cell"] == {"cell": 3, "line": 2, "column": 5}


def _program(cells: list) -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = write_notebook(Path(tmp) / "n.ipynb", cells)
        got, found = notebook.read(path.read_text(), str(path))
    assert got is not None, found
    return got.source


@pytest.mark.parametrize("lines, program", [
    (["%matplotlib inline", "x = 1"], "pass\nx = 1\n"),
    (["!pip install keras", "!ls"], "pass\npass\n"),
    (["files = !ls", "a, b = %sx echo 1 2"], "files = None\na, b = None\n"),
    (["model.summary?", "??keras.Model", "keras.layers.Dense??"], "pass\npass\npass\n"),
    (["x = 1  # why?", "y = (10", "  % 3)"], "x = 1  # why?\ny = (10\n  % 3)\n"),  # not magics
    (["%%time", "x = 1"], "\nx = 1\n"),
    (["%%capture out", "x = 1"], "\nx = 1\n"),
    (["%%bash", "ls (", "echo"], "\n\n\n"),
    (["%%writefile model.py", "import keras"], "\n\n"),
    (["if True:", "    %time x = 1", "    y = 2"], "if True:\n    pass\n    y = 2\n"),
])
def test_ipython_syntax_reads_as_the_python_a_static_reader_follows(lines, program):
    assert _program([("code", lines)]) == program


def test_cells_are_joined_in_order_and_markdown_and_raw_cells_left_out():
    program = _program([("code", ["a = 1"]), ("markdown", ["x = 2"]), ("raw", ["y = 3"]),
                        ("code", "b = 2\nc = 3"), ("code", [])])
    assert program == "a = 1\nb = 2\nc = 3\n"


def test_a_cell_that_is_not_python_fails_alone(tmp_path):
    path = write_notebook(tmp_path / "n.ipynb", [
        ("code", ["import keras"]),
        ("code", ["def broken(:", "    pass"]),
        ("code", ["inputs = keras.Input((4,))", "model = keras.Model(inputs, keras.layers.Dense(2)(inputs))"]),
    ])
    (report,) = api.analyze_python(str(path))
    assert report.total_params == 10
    (d,) = report.diagnostics
    assert d.code == "SC101" and "the cell is skipped" in d.message
    assert d.location.cell[:2] == (2, 1)
    assert path.read_text().split("\n")[d.location.line - 1].strip().startswith('"def broken(:')


def test_nbformat_3_notebooks_and_one_string_sources(tmp_path):
    cells = [("code", ["import keras"]),
             ("code", "inputs = keras.Input((4,))\nmodel = keras.Model(inputs, keras.layers.Dense(2)(inputs))")]
    for nbformat in (3, 4):
        path = write_notebook(tmp_path / f"v{nbformat}.ipynb", cells, nbformat=nbformat)
        (report,) = api.analyze_python(str(path))
        assert report.ok and report.total_params == 10
        dense = report.layers["dense"]
        assert dense.location.cell == (2, 2, 29)
        # the one string's second line is on the file line of the string, after its "\n"
        line = path.read_text().split("\n")[dense.location.line - 1]
        assert line[dense.location.column - 1:].startswith("keras.layers.Dense(2)")


@pytest.mark.parametrize("text, words", [
    ("not json {", "not a Jupyter notebook"),  # YAML's plain string, as for any JSON file
    ('{"cells": [', "not valid JSON"),
    ('{"metadata": {}}', "not a Jupyter notebook"),
    ('[1, 2]', "not a Jupyter notebook"),
    # hyperas 0.4.1 ships one: a script named .ipynb
    ("import keras\n\ndef data():\n    return 1\n", "not a Jupyter notebook: the file is Python source"),
])
def test_a_file_that_is_no_notebook_is_said(tmp_path, text, words):
    path = tmp_path / "x.ipynb"
    path.write_text(text)
    (report,) = api.analyze_python(str(path))
    assert [d.code for d in report.diagnostics] == ["SC101"]
    assert words in report.diagnostics[0].message


def test_cells_of_the_wrong_shape_are_passed_over(tmp_path):
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps({"cells": [
        1, "code", {"cell_type": "code"}, {"cell_type": "code", "source": 7},
        {"cell_type": "code", "source": ["import keras\n", 3, "inputs = keras.Input((4,))\n"]},
        {"cell_type": "code", "source": "model = keras.Model(inputs, keras.layers.Dense(2)(inputs))"},
    ]}))
    (report,) = api.analyze_python(str(path))
    assert report.ok and report.total_params == 10


def test_a_notebook_whose_loop_never_ends_is_left_at_its_cell(tmp_path):
    path = write_notebook(tmp_path / "x.ipynb", [
        ("code", ["import keras", "inputs = keras.Input((4,))",
                  "model = keras.Model(inputs, keras.layers.Dense(2)(inputs))"]),
        ("code", ["while True:", "    pass"]),
    ])
    (report,) = api.analyze_python(str(path))
    assert report.total_params == 10
    (d,) = report.diagnostics
    assert d.code == "SC602" and d.location.cell == (2, 1, 1)


def test_a_notebook_over_the_cap_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr(api, "MAX_TEXT_BYTES", 1000)
    path = write_notebook(tmp_path / "x.ipynb", [("code", ["import keras"] + ["x = 1"] * 300)])
    (report,) = api.analyze_python(str(path))
    assert [d.code for d in report.diagnostics] == ["SC108"]


def test_a_folder_checks_the_notebooks_that_build_models(tmp_path, capsys):
    write_notebook(tmp_path / "model.ipynb", [("code", [
        "from tensorflow import keras", "inputs = keras.Input((4,))",
        "model = keras.Model(inputs, keras.layers.Dense(2)(inputs))"])])
    write_notebook(tmp_path / "plots.ipynb", [("code", ["import matplotlib.pyplot as plt", "plt.plot([1, 2])"])])
    assert main([str(tmp_path), "--only-models", "--format", "json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert [Path(f["path"]).name for f in files] == ["model.ipynb"]
    assert files[0]["total_params"] == 10


def test_a_hostile_notebook_ends_in_findings_and_runs_nothing(tmp_path):
    """IPython's ways to run things (shell lines, %run, cell magics, get_ipython()) and
    Python's, a loop that never ends and a cell nested too deeply: findings, in bounded
    time and memory, with nothing run, imported or spawned (an audit hook watches)."""
    import subprocess
    import textwrap
    import time

    path = write_notebook(tmp_path / "evil.ipynb", [
        ("code", ["import keras", "!rm -rf ~/owned", "%run evil_module_that_must_not_be_imported.py",
                  "files = !echo owned"]),
        ("code", ["%%bash", "echo owned > owned.txt"]),
        ("code", ["%%writefile evil_module_that_must_not_be_imported.py", "import os", "os.system('echo owned')"]),
        ("code", ["get_ipython().system('echo owned')", "exec('import os; os.system(\"echo owned\")')",
                  "__import__('evil_module_that_must_not_be_imported')"]),
        ("code", ["x = " + "(" * 10_000 + "1" + ")" * 10_000]),
        ("code", ["inputs = keras.Input((4,))", "model = keras.Model(inputs, keras.layers.Dense(2)(inputs))"]),
        ("code", ["while True:", "    s = [1] * 100000"]),
    ])
    (tmp_path / "evil_module_that_must_not_be_imported.py").write_text("raise SystemExit(66)\n")
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        forbidden = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn")
        # ast.parse of a cell is a "compile" of it under the notebook's name; anything
        # else compiled from the notebook's strings, or run, would be its code running
        def hook(event, args):
            if event in forbidden or event == "import" and args[0].startswith("evil_") or \\
                    event == "exec" and getattr(args[0], "co_filename", "").endswith((".ipynb", ">")) or \\
                    event == "compile" and "owned" in str(args[0]) and args[1] != {str(path)!r} or \\
                    event == "open" and len(args) > 1 and isinstance(args[1], str) and "w" in args[1]:
                print("AUDIT", event, args[:1]); sys.stdout.flush(); import os; os._exit(99)
        import shapecheck.api as api
        sys.addaudithook(hook)
        reports = api.analyze_python({str(path)!r})
        print("codes", sorted({{d.code for r in reports for d in r.diagnostics}}), reports[-1].total_params)
    """)
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**__import__("os").environ, "PYTHONPATH": str(Path(api.__file__).parent.parent)})
    assert time.monotonic() - start < 10
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "AUDIT" not in done.stdout
    assert "codes ['SC101', 'SC602'] 10" in done.stdout, done.stdout
    assert not (tmp_path / "owned.txt").exists()


def test_a_notebook_with_more_code_than_a_model_file_may_have_is_not_read(tmp_path, monkeypatch):
    from shapecheck.reading import python

    monkeypatch.setattr(notebook, "MAX_SOURCE_BYTES", 1000)
    path = write_notebook(tmp_path / "x.ipynb", [("code", ["import keras"] + ["x = 1"] * 300)])
    (report,) = api.analyze_python(str(path))
    assert [d.code for d in report.diagnostics] == ["SC108"]
    assert python.MAX_SOURCE_BYTES == 8 * 1024 * 1024  # what a notebook's code may have, as a .py


@pytest.mark.parametrize("fmt", ["markdown", "html", "sarif", "github"])
def test_every_format_says_where_in_the_notebook(fmt, capsys):
    """The file's line:col wherever a format has them (SARIF's region, GitHub's line=);
    the cell beside them where a person reads it."""
    root = Path(__file__).resolve().parent.parent
    assert main([str(root / "specs" / "stacked_lstm.ipynb"), "--format", fmt]) == 1
    out = capsys.readouterr().out
    if fmt == "sarif":
        result = json.loads(out)["runs"][0]["results"][0]
        assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 32, "startColumn": 10}
    elif fmt == "github":
        assert "stacked_lstm.ipynb,line=32,col=10,title=SC301" in out
    else:
        assert "stacked_lstm.ipynb:32:10 (at cell 3, line 3, column 5)" in out
