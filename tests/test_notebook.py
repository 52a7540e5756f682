"""Issue 18, done when "a notebook shows the report as a table": a real notebook, run by
nbclient on an IPython kernel, builds the seed model with Keras and shows
``shapecheck.analyze(model)``; its output must hold the HTML table."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import nbformat
import pytest
from html_tree import cells, parse, summary_rows
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent

CELLS = [
    "import shapecheck\nimport keras\nprint(shapecheck.__file__)",
    # The seed model (specs/seed_bilstm.yaml) with its time axis fixed, as it is built in practice.
    'inputs = keras.Input((4995, 12), name="x")\n'
    'outputs = keras.layers.Bidirectional(keras.layers.LSTM(384, return_sequences=True), name="bilstm")(inputs)\n'
    'model = keras.Model(inputs, outputs, name="seed_bilstm")',
    "shapecheck.analyze(model)",
]


def _kernel(tmp_path: Path) -> str:
    """A kernelspec that runs this interpreter with this checkout first on its path. The
    ``python3`` kernel could be another interpreter (a user's own kernelspec wins over
    the venv's) and would import whichever shapecheck is installed there;
    JUPYTER_PATH is searched before every other place."""
    folder = tmp_path / "jupyter" / "kernels" / "shapecheck-test"
    folder.mkdir(parents=True)
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    folder.joinpath("kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "shapecheck test", "language": "python",
        "env": {"PYTHONPATH": path, "TF_CPP_MIN_LOG_LEVEL": "3"}}))
    return str(tmp_path / "jupyter")


def test_a_notebook_shows_the_report_as_a_table(tmp_path, monkeypatch):
    pytest.importorskip("keras")
    monkeypatch.setenv("JUPYTER_PATH", _kernel(tmp_path))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(nb, kernel_name="shapecheck-test", timeout=180, startup_timeout=120,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    printed = "".join(o.text for o in nb.cells[0].outputs if o.output_type == "stream" and o.name == "stdout")
    assert Path(printed.strip().splitlines()[-1]).resolve() == ROOT / "shapecheck" / "__init__.py"
    [shown] = [o for o in nb.cells[2].outputs if o.output_type == "execute_result"]
    assert {"text/html", "text/markdown", "text/plain"} <= set(shown.data)
    root = parse(shown.data["text/html"])
    assert summary_rows(root) == [["x (InputLayer)", "(None, 4995, 12)", "0"],
                                  ["bilstm (Bidirectional)", "(None, 4995, 768)", "1,219,584"]]
    assert root.all("p")[0].text() == 'Model: "seed_bilstm" (<Functional seed_bilstm>) ok'
    bilstm = root.all("details")[1]
    kernel = bilstm.kids("div")[0].kids("table")[0]
    assert kernel.kids("caption")[0].text() == "bilstm/forward_lstm/lstm_cell/kernel (12, 1536) 18,432 params"
    assert [cells(r)[:2] for r in kernel.all("tr")] == [["12", "= input_dim"], ["1536", "= 4*units"]]
    assert "| bilstm (Bidirectional) | `(None, 4995, 768)` | 1,219,584 |" in shown.data["text/markdown"]
