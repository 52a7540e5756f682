"""``shapecheck lsp`` end to end, with a real client over stdio (pytest-lsp drives the
server exactly as an editor does): initialize, open, diagnostics, hover, inlay hints, a
quick fix applied and sent back as a change, settings, a crash in analysis, shutdown.
The quick fixes and ranges are also checked as pure functions on text."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

from shapecheck.lsp import actions, convert  # noqa: E402
from shapecheck.lsp.document import Settings, analyze_document, reanalyze  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
# Generous: a guard against a hang on a loaded machine, not a speed assertion.
WAIT = 120.0

# docs/python-source.md's seed model, word for word (the test reads it from the page).
SEED_PY = re.search(r"```python\n# seed_model.py\n(.*?)```", (ROOT / "docs" / "python-source.md").read_text(),
                    re.S).group(1)

STACKED_PY = """\
import keras
from keras import layers

inputs = keras.Input(shape=(None, 12))
x = layers.LSTM(64)(inputs)
x = layers.LSTM(32)(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
"""

STACKED_SPEC = """\
dims:
  t: {min: 1}
inputs: {x: [?, t, 12]}
layers:
  - {name: enc, type: LSTM, units: 64}
  - name: dec
    type: LSTM
    units: 32
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "shapecheck", "lsp"],
                                              server_env=ENV))
async def client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


# A server whose analysis fails: what a bug of ours in the analysis looks like to the editor.
FAILING = ("from shapecheck.lsp.server import build\n"
           "def analyze(text, path, settings):\n"
           "    raise RuntimeError('boom: a bug in the analysis')\n"
           "build(analyze).start_io()\n")


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-c", FAILING], server_env=ENV))
async def failing_client(lsp_client: LanguageClient):
    yield
    await lsp_client.shutdown_session()


async def start(client: LanguageClient, options: dict | None = None, root: Path | None = None):
    await client.initialize_session(types.InitializeParams(
        capabilities=types.ClientCapabilities(),
        initialization_options=options,
        root_uri=root.as_uri() if root else None))


def open_doc(client: LanguageClient, path: Path, text: str, language: str = "python") -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)))
    return uri


async def diagnostics_when(client: LanguageClient, uri: str, ready) -> list[types.Diagnostic]:
    """The document's published diagnostics once ``ready`` holds of them."""
    async def poll():
        while uri not in client.diagnostics or not ready(client.diagnostics[uri]):
            await asyncio.sleep(0.05)
        return list(client.diagnostics[uri])

    return await asyncio.wait_for(poll(), WAIT)


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """A workspace edit's text edits applied to a document, as an editor applies them."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(p: types.Position) -> int:
        return starts[p.line] + p.character

    for e in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[:offset(e.range.start)] + e.new_text + text[offset(e.range.end):]
    return text


def whole(text: str) -> types.Range:
    return types.Range(types.Position(0, 0), types.Position(len(text.split("\n")), 0))


@pytest.mark.asyncio
async def test_seed_model_shows_shapes_and_explains_its_weights(client: LanguageClient, tmp_path):
    await start(client)
    uri = open_doc(client, tmp_path / "seed_model.py", SEED_PY)
    assert await diagnostics_when(client, uri, lambda d: True) == []

    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(uri), whole(SEED_PY)))
    lines = SEED_PY.split("\n")
    by_line = {h.position.line: h.label for h in hints}
    assert by_line == {3: "-> (None, 4995, 12)", 4: "-> (None, 4995, 768)"}
    assert all(h.position.character == len(lines[h.position.line]) for h in hints)

    at = lines[4].index("Bidirectional")
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(4, at)))
    text = hover.contents.value
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "**bilstm** (Bidirectional)" in text and "output `(None, 4995, 768)`" in text
    assert "params: 1,219,584" in text
    assert "bilstm/forward_lstm/lstm_cell/kernel  (12, 1536)" in text
    assert "12 = input_dim" in text and "1536 = 4*units" in text
    assert hover.range.start.line == 4


@pytest.mark.asyncio
async def test_stacked_lstm_quick_fix_clears_sc301(client: LanguageClient, tmp_path):
    await start(client)
    uri = open_doc(client, tmp_path / "stacked.py", STACKED_PY)
    found = await diagnostics_when(client, uri, lambda d: len(d) > 0)
    sc301 = [d for d in found if d.code == "SC301"]
    assert len(sc301) == 1
    d = sc301[0]
    assert d.severity == types.DiagnosticSeverity.Error and d.source == "shapecheck"
    # the call that fails: `layers.LSTM(32)(x)` on line 6 (0-based 5)
    assert (d.range.start.line, d.range.start.character, d.range.end.character) == (5, 4, 22)
    assert "expected ndim=3, found ndim=2" in d.message and "\nhint: set `return_sequences" in d.message
    # the layer to change, as related information: the first LSTM on line 5
    (related,) = d.related_information
    assert related.location.uri == uri and related.location.range.start.line == 4
    assert "'lstm' (LSTM)" in related.message

    acts = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), d.range, types.CodeActionContext(diagnostics=[d])))
    (act,) = acts
    assert act.kind == types.CodeActionKind.QuickFix and "return_sequences" in act.title
    fixed = apply(STACKED_PY, act.edit.changes[uri])
    assert "x = layers.LSTM(64, return_sequences=True)(inputs)" in fixed

    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        [types.TextDocumentContentChangeWholeDocument(text=fixed)]))
    after = await diagnostics_when(client, uri, lambda d: not any(x.code == "SC301" for x in d))
    assert after == []
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(uri), whole(fixed)))
    assert [h.label for h in hints] == ["-> (None, None, 12)", "-> (None, None, 64)", "-> (None, 32)",
                                        "-> (None, 1)"]


@pytest.mark.asyncio
async def test_spec_quick_fix_hover_and_symbolic_hints(client: LanguageClient, tmp_path):
    await start(client)
    uri = open_doc(client, tmp_path / "stacked.yaml", STACKED_SPEC, "yaml")
    (d,) = await diagnostics_when(client, uri, lambda d: len(d) > 0)
    assert d.code == "SC301" and d.range.start.line == 5  # the `- name: dec` entry
    assert d.related_information[0].location.range.start.line == 4

    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(uri), whole(STACKED_SPEC)))
    assert [(h.position.line, h.label) for h in hints] == [(2, "-> (None, t, 12)"), (4, "-> (None, 64)")]

    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(6, 6)))  # on `type: LSTM` of dec
    assert "**dec** (LSTM)" in hover.contents.value and "SC301" in hover.contents.value

    (act,) = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(uri), d.range, types.CodeActionContext(diagnostics=[d])))
    fixed = apply(STACKED_SPEC, act.edit.changes[uri])
    assert "  - {name: enc, type: LSTM, units: 64, return_sequences: true}\n" in fixed
    # incremental changes, as editors send them: the edit itself
    edit = act.edit.changes[uri][0]
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        [types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text)]))
    assert await diagnostics_when(client, uri, lambda d: len(d) == 0) == []
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(uri), whole(fixed)))
    assert [h.label for h in hints] == ["-> (None, t, 12)", "-> (None, t, 64)", "-> (None, 32)"]


@pytest.mark.asyncio
async def test_settings_bind_dims_and_turn_hints_off(client: LanguageClient, tmp_path):
    await start(client, {"dims": {"t": 4995}, "inlayHints": True})
    uri = open_doc(client, tmp_path / "stacked.yaml", STACKED_SPEC.replace("units: 32", "units: 32\n"
                                                                            "    return_sequences: true")
                   .replace("units: 64}", "units: 64, return_sequences: true}"), "yaml")
    assert await diagnostics_when(client, uri, lambda d: True) == []
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(99, 0))))
    assert hints[-1].label == "-> (None, 4995, 32)"

    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"shapecheck": {"inlayHints": False}}))
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(99, 0))))
    assert list(hints) == []
    # the dims setting went with the new settings: t is symbolic again
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(5, 6)))
    assert "output `(None, t, 32)`" in hover.contents.value


@pytest.mark.asyncio
async def test_pyproject_settings_apply(client: LanguageClient, tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.shapecheck.dims]\nt = 100\n\n[tool.shapecheck.severity]\nSC301 = \"warning\"\n")
    (tmp_path / "models").mkdir()
    await start(client, root=tmp_path)
    uri = open_doc(client, tmp_path / "models" / "stacked.yaml", STACKED_SPEC, "yaml")
    (d,) = await diagnostics_when(client, uri, lambda d: len(d) > 0)
    assert d.code == "SC301" and d.severity == types.DiagnosticSeverity.Warning
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(uri), whole(STACKED_SPEC)))
    assert hints[0].label == "-> (None, 100, 12)"


@pytest.mark.asyncio
async def test_typing_is_debounced_to_the_last_text(client: LanguageClient, tmp_path):
    await start(client)
    uri = open_doc(client, tmp_path / "m.yaml", STACKED_SPEC, "yaml")
    await diagnostics_when(client, uri, lambda d: len(d) == 1)
    text = STACKED_SPEC
    for version, units in enumerate(("3", "33", "333"), start=2):  # three quick keystrokes
        text = text.replace("units: 64}", f"units: 64{units[-1]}}}") if version == 2 else \
            text.replace("units: 64" + units[:-1] + "}", "units: 64" + units + "}")
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            [types.TextDocumentContentChangeWholeDocument(text=text)]))
    assert "units: 64333}" in text
    (d,) = await diagnostics_when(client, uri, lambda d: d and "(None, 64333)" in d[0].message)
    assert d.code == "SC301"


@pytest.mark.asyncio
async def test_a_crash_in_analysis_is_logged_and_the_server_keeps_serving(failing_client: LanguageClient,
                                                                          tmp_path):
    client = failing_client
    await start(client)
    uri = open_doc(client, tmp_path / "seed_model.py", SEED_PY)

    async def logged():
        while not any("boom" in m.message for m in client.log_messages):
            await asyncio.sleep(0.05)

    await asyncio.wait_for(logged(), WAIT)
    (msg,) = [m for m in client.log_messages if "boom" in m.message]
    assert msg.type == types.MessageType.Error and "RuntimeError" in msg.message
    # still answering: a request after the crash gets its (empty) answer
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(4, 12)))
    assert hover is None
    assert client.error is None


@pytest.mark.asyncio
async def test_other_documents_are_left_alone(client: LanguageClient, tmp_path):
    await start(client)
    uri = open_doc(client, tmp_path / "notes.txt", "layers: nothing here", "plaintext")
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(0, 1)))
    assert hover is None and uri not in client.diagnostics


def open_notebook(client: LanguageClient, path: Path, cells: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """A notebook as VS Code opens one (notebookDocument/didOpen, a text document a
    cell): ``cells`` are ("code" | "markdown", text). The notebook's uri, each cell's."""
    uri = path.as_uri()
    uris = [f"vscode-notebook-cell:{path}#C{i}" for i in range(len(cells))]
    client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        types.NotebookDocument(uri=uri, notebook_type="jupyter-notebook", version=1, cells=[
            types.NotebookCell(types.NotebookCellKind.Code if kind == "code" else types.NotebookCellKind.Markup,
                               cell_uri) for (kind, _), cell_uri in zip(cells, uris)]),
        [types.TextDocumentItem(cell_uri, "python" if kind == "code" else "markdown", 1, text)
         for (kind, text), cell_uri in zip(cells, uris)]))
    return uri, uris


NOTEBOOK_CELLS = [
    ("markdown", "# Two LSTMs"),
    ("code", "%pip install -q keras\nimport keras\nfrom keras import layers"),
    ("code", "inputs = keras.Input(shape=(None, 12))\nx = layers.LSTM(64)(inputs)\nx = layers.LSTM(32)(x)\n"
             "outputs = layers.Dense(1)(x)\nmodel = keras.Model(inputs, outputs)\n!echo built"),
    ("code", "model.summary()"),
]


@pytest.mark.asyncio
async def test_a_notebooks_cells_are_analysed_together_each_with_its_findings(client: LanguageClient, tmp_path):
    await start(client)
    nb, (_, imports, model_cell, summary) = open_notebook(client, tmp_path / "rnn.ipynb", NOTEBOOK_CELLS)
    found = await diagnostics_when(client, model_cell, lambda d: len(d) > 0)
    (d,) = [x for x in found if x.code == "SC301"]
    # the failing call in the cell itself: `layers.LSTM(32)(x)`, its line 3 (0-based 2), the
    # cell's shell line notwithstanding
    assert (d.range.start.line, d.range.start.character, d.range.end.character) == (2, 4, 22)
    assert "set `return_sequences=True` on 'lstm' (cell 3, line 2)" in d.message
    (related,) = d.related_information
    assert related.location.uri == model_cell and related.location.range.start.line == 1
    await diagnostics_when(client, imports, lambda d: not d)
    await diagnostics_when(client, summary, lambda d: not d)

    # the imports come from another cell: hover and hints in the model's cell
    hover = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(model_cell), types.Position(1, 8)))
    assert "**lstm** (LSTM)" in hover.contents.value and "output `(None, 64)`" in hover.contents.value
    text = NOTEBOOK_CELLS[2][1]
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(model_cell), whole(text)))
    assert [(h.position.line, h.label) for h in hints][:2] == [(0, "-> (None, None, 12)"), (1, "-> (None, 64)")]

    acts = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(model_cell), d.range, types.CodeActionContext(diagnostics=[d])))
    (act,) = acts
    fixed = apply(text, act.edit.changes[model_cell])
    assert "x = layers.LSTM(64, return_sequences=True)(inputs)" in fixed

    # the fix, typed into the cell: notebookDocument/didChange with the cell's new text
    client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
        types.VersionedNotebookDocumentIdentifier(version=2, uri=nb),
        types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(text_content=[
            types.NotebookDocumentCellContentChanges(
                types.VersionedTextDocumentIdentifier(version=2, uri=model_cell),
                [types.TextDocumentContentChangeWholeDocument(fixed)])]))))
    await diagnostics_when(client, model_cell, lambda d: not d)

    client.notebook_document_did_close(types.DidCloseNotebookDocumentParams(
        types.NotebookDocumentIdentifier(nb), [types.TextDocumentIdentifier(u) for u in (imports, model_cell)]))


@pytest.mark.asyncio
async def test_a_layer_to_fix_in_another_cell_is_fixed_in_that_cell(client: LanguageClient, tmp_path):
    await start(client)
    cells = [("code", "import keras\nfrom keras import layers\ninputs = keras.Input(shape=(None, 12))\n"
                      "x = layers.LSTM(64)(inputs)"),
             ("code", "x = layers.LSTM(32)(x)\nmodel = keras.Model(inputs, x)")]
    _, (first, second) = open_notebook(client, tmp_path / "split.ipynb", cells)
    (d,) = await diagnostics_when(client, second, lambda d: len(d) > 0)
    assert d.code == "SC301" and (d.range.start.line, d.range.start.character) == (0, 4)
    assert "on 'lstm' (cell 1, line 4)" in d.message and not d.related_information
    await diagnostics_when(client, first, lambda d: not d)
    # the fix, offered where the finding is, edits the cell where the first LSTM is
    (act,) = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(second), d.range, types.CodeActionContext(diagnostics=[d])))
    assert act.title.endswith("(cell 1)") and list(act.edit.changes) == [first]
    fixed = apply(cells[0][1], act.edit.changes[first])
    assert fixed.endswith("x = layers.LSTM(64, return_sequences=True)(inputs)")


# --- without a client: the command, its imports, the fixes as functions -------------------

def test_lsp_without_pygls_says_so_and_exits_2():
    code = ("import sys\n"
            "sys.modules['pygls'] = None\n"  # what an environment without the lsp extra looks like
            "from shapecheck.cli import main\n"
            "sys.exit(main(['lsp']))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=ENV,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    assert "pip install 'keras-shapecheck[lsp]'" in proc.stderr and "Traceback" not in proc.stderr


def test_checking_never_imports_the_language_server():
    code = ("import sys\n"
            "from shapecheck.cli import main\n"
            f"rc = main([{str(ROOT / 'specs' / 'seed_bilstm.yaml')!r}, '--format', 'json'])\n"
            "import shapecheck.api\n"
            "sys.stderr.write(repr(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pygls', 'lsprotocol', 'cattrs') or m.startswith('shapecheck.lsp'))))\n"
            "sys.exit(rc)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=ENV)
    assert proc.returncode == 0 and proc.stderr.strip() == "[]", proc.stderr


def fixed_by_quick_fix(text: str, path: str, code: str) -> str:
    """The text after the one quick fix offered for the finding ``code``."""
    analysis = reanalyze(text, path)
    (report, d), = [(r, d) for r, d in analysis.diagnostics if d.code == code]
    (fix,) = actions.fixes(report, d, analysis.spans)
    edits = [types.TextEdit(convert.plain_range(e.span), e.new_text) for e in fix.edits]
    return apply(text, edits)


@pytest.mark.parametrize("path, before, after", [
    ("a.py", "x = layers.LSTM(64)(inputs)", "x = layers.LSTM(64, return_sequences=True)(inputs)"),
    ("a.py", "x = layers.LSTM(64, return_sequences=False)(inputs)",
     "x = layers.LSTM(64, return_sequences=True)(inputs)"),
    ("a.py", "x = layers.LSTM(units=64,)(inputs)", "x = layers.LSTM(units=64, return_sequences=True,)(inputs)"),
    ("a.py", "x = layers.Bidirectional(layers.GRU(\n    64))(inputs)",
     "x = layers.Bidirectional(layers.GRU(\n    64, return_sequences=True))(inputs)"),
])
def test_return_sequences_fix_in_python(path, before, after):
    text = STACKED_PY.replace("x = layers.LSTM(64)(inputs)", before)
    fixed = fixed_by_quick_fix(text, path, "SC301")
    assert fixed == text.replace(before, after)
    assert not reanalyze(fixed, path).diagnostics


def test_return_sequences_fix_when_the_layer_is_built_apart():
    text = STACKED_PY.replace("x = layers.LSTM(64)(inputs)", "first = layers.LSTM(64)\nx = first(inputs)")
    fixed = fixed_by_quick_fix(text, "a.py", "SC301")
    assert "first = layers.LSTM(64, return_sequences=True)\n" in fixed
    assert not reanalyze(fixed, "a.py").diagnostics


@pytest.mark.parametrize("entry, fixed_entry", [
    ("  - {name: enc, type: LSTM, units: 64}\n", "  - {name: enc, type: LSTM, units: 64, return_sequences: true}\n"),
    ("  - {name: enc, type: LSTM, units: 64, return_sequences: false}\n",
     "  - {name: enc, type: LSTM, units: 64, return_sequences: true}\n"),
    ("  - name: enc\n    type: LSTM\n    units: 64\n",
     "  - name: enc\n    type: LSTM\n    units: 64\n    return_sequences: true\n"),
    ("  - name: enc\n    type: Bidirectional\n    layer: {type: GRU, units: 8}\n",
     "  - name: enc\n    type: Bidirectional\n    layer: {type: GRU, units: 8, return_sequences: true}\n"),
])
def test_return_sequences_fix_in_a_spec(entry, fixed_entry):
    text = STACKED_SPEC.replace("  - {name: enc, type: LSTM, units: 64}\n", entry)
    fixed = fixed_by_quick_fix(text, "m.yaml", "SC301")
    assert fixed == text.replace(entry, fixed_entry)
    assert not reanalyze(fixed, "m.yaml").diagnostics


KERAS_JSON = (
    '{"class_name": "Sequential", "config": {"name": "s", "layers": ['
    '{"class_name": "InputLayer", "config": {"batch_shape": [null, 10, 12], "name": "x"}}, '
    '{"class_name": "LSTM", "config": {"name": "lstm", "units": 8, "return_sequences": false}}, '
    '{"class_name": "LSTM", "config": {"name": "lstm_1", "units": 4, "return_sequences": false}}]}}')


def test_return_sequences_fix_in_a_keras_config():
    fixed = fixed_by_quick_fix(KERAS_JSON, "model.json", "SC301")
    assert fixed == KERAS_JSON.replace('"units": 8, "return_sequences": false', '"units": 8, "return_sequences": true')
    assert reanalyze(fixed, "model.json").layers and not reanalyze(fixed, "model.json").diagnostics


@pytest.mark.parametrize("code, before, after", [
    ("SC402", "  - {name: enc, type: LSTM, unitz: 64}\n", "  - {name: enc, type: LSTM, units: 64}\n"),
    ("SC401", "  - {name: enc, type: LSTMM, units: 64}\n", "  - {name: enc, type: LSTM, units: 64}\n"),
    ("SC401", '  - {name: enc, type: "Densse", units: 64}\n', '  - {name: enc, type: "Dense", units: 64}\n'),
])
def test_typo_fixes(code, before, after):
    text = STACKED_SPEC.replace("  - {name: enc, type: LSTM, units: 64}\n", before)
    assert fixed_by_quick_fix(text, "m.yaml", code) == text.replace(before, after)


def test_no_fix_where_the_hint_is_no_edit():
    text = STACKED_SPEC.replace("type: LSTM\n    units: 32", "type: Dense\n    units: 0")
    analysis = reanalyze(text, "m.yaml")
    assert analysis.diagnostics
    assert all(actions.fixes(r, d, analysis.spans) == () for r, d in analysis.diagnostics)


def test_settings_from_the_client():
    assert Settings.from_client({"shapecheck": {"dims": {"t": 7}, "inlayHints": False}}) == \
        (Settings({"t": 7}, False, True), [])
    settings, problems = Settings.from_client({"dims": {"t": 0, "1x": 3, "n": 5, "x_train.shape": [60000, 28, 28]}})
    assert settings.dims == {"n": 5, "x_train.shape": (60000, 28, 28)} and len(problems) == 2
    assert Settings.from_client(None) == (Settings(), [])


def test_a_document_is_analysed_from_its_text_not_the_disk(tmp_path):
    path = tmp_path / "never_written.py"
    analysis = analyze_document(SEED_PY, str(path), Settings())
    assert not path.exists()
    assert [layer.name for _, layer in analysis.layers()] == ["x", "bilstm"]


@pytest.mark.asyncio
async def test_saving_a_module_reads_the_documents_that_import_it_again(client: LanguageClient, tmp_path):
    await start(client)
    heads = tmp_path / "heads.py"
    heads.write_text("from keras import layers\n\n\ndef head(x):\n    return layers.LSTM(8)(x)\n")
    text = "import keras\nfrom heads import head\n\ninputs = keras.Input((20, 4))\n" \
        "x = keras.layers.LSTM(16, return_sequences=True)(inputs)\nx = keras.layers.LSTM(16)(x)\n" \
        "model = keras.Model(inputs, head(x))\n"
    uri = open_doc(client, tmp_path / "train.py", text)
    found = await diagnostics_when(client, uri, lambda d: len(d) > 0)
    assert [d.code for d in found] == ["SC301"] and str(heads) in found[0].message
    # the module is fixed and saved (its head takes the last step itself)
    fixed = "from keras import layers\n\n\ndef head(x):\n    return layers.Dense(8)(x)\n"
    heads.write_text(fixed)
    heads_uri = open_doc(client, heads, fixed)
    client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(heads_uri)))
    assert await diagnostics_when(client, uri, lambda d: not d) == []


@pytest.mark.asyncio
async def test_saving_a_module_reads_a_notebook_that_imports_it_again(client: LanguageClient, tmp_path):
    await start(client)
    heads = tmp_path / "heads.py"
    heads.write_text("from keras import layers\n\n\ndef head(x):\n    return layers.LSTM(8)(x)\n")
    _, uris = open_notebook(client, tmp_path / "explore.ipynb", [
        ("code", "import keras\nfrom heads import head"),
        ("code", "inputs = keras.Input((20, 4))\nx = keras.layers.LSTM(16)(inputs)\n"
                 "model = keras.Model(inputs, head(x))")])
    # a finding in the module: at the top of the notebook's first cell, naming its place
    found = await diagnostics_when(client, uris[0], lambda d: len(d) > 0)
    assert [d.code for d in found] == ["SC301"] and found[0].message.startswith(str(heads))
    fixed = "from keras import layers\n\n\ndef head(x):\n    return layers.Dense(8)(x)\n"
    heads.write_text(fixed)
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        types.TextDocumentIdentifier(open_doc(client, heads, fixed))))
    assert await diagnostics_when(client, uris[0], lambda d: not d) == []


def test_a_finding_in_a_module_the_document_imports_says_where(tmp_path):
    # the document is not on disk yet; the module it imports is, beside it
    (tmp_path / "heads.py").write_text("from keras import layers\n\n\ndef head(x):\n    return layers.LSTM(8)(x)\n")
    text = "import keras\nfrom heads import head\n\ninputs = keras.Input((20, 4))\n" \
        "x = keras.layers.LSTM(16)(inputs)\nmodel = keras.Model(inputs, head(x))\n"
    analysis = analyze_document(text, str(tmp_path / "train.py"), Settings())
    (d,) = [convert.diagnostic(analysis, r, d, "file:///train.py") for r, d in analysis.diagnostics
            if d.code == "SC301"]
    assert d.message.startswith(f"{tmp_path / 'heads.py'}:5:12: Input 0 of layer")
    assert (d.range.start.line, d.range.start.character) == (0, 0)  # at the top: it is not in this document


def test_ranges_count_characters_not_bytes():
    """ast counts UTF-8 bytes; editors count characters (the server then converts to the
    client's units)."""
    text = STACKED_PY.replace("x = layers.LSTM(32)(x)", "ü = layers.LSTM(32)(x)").replace("Dense(1)(x)",
                                                                                           "Dense(1)(ü)")
    analysis = reanalyze(text, "a.py")
    (d,) = [convert.diagnostic(analysis, r, d, "file:///a.py") for r, d in analysis.diagnostics
            if d.code == "SC301"]
    assert (d.range.start.character, d.range.end.character) == (4, 22)


def test_python_keyword_typo_fix():
    text = STACKED_PY.replace("x = layers.LSTM(64)(inputs)", "x = layers.LSTM(64, retrun_sequences=True)(inputs)")
    analysis = reanalyze(text, "a.py")
    # Keras 3 refuses the name (SC402, at the keyword)
    (report, d), = [(r, d) for r, d in analysis.diagnostics if d.code == "SC402"]
    (fix,) = actions.fixes(report, d, analysis.spans)
    assert not fix.preferred and fix.title == "Change 'retrun_sequences' to 'return_sequences'"
    edits = [types.TextEdit(convert.plain_range(e.span), e.new_text) for e in fix.edits]
    fixed = apply(text, edits)
    assert "x = layers.LSTM(64, return_sequences=True)(inputs)" in fixed
    assert not reanalyze(fixed, "a.py").diagnostics


def test_python_layer_class_typo_fix():
    text = STACKED_PY.replace("x = layers.LSTM(32)(x)", "x = layers.LSTMM(32)(x)")
    analysis = reanalyze(text, "a.py")
    (report, d), = [(r, d) for r, d in analysis.diagnostics if d.code == "SC401"]
    assert d.message == "module 'keras.layers' has no attribute 'LSTMM'"
    (fix,) = actions.fixes(report, d, analysis.spans)
    assert fix.title == "Change 'LSTMM' to 'LSTM'"
    fixed = apply(text, [types.TextEdit(convert.plain_range(e.span), e.new_text) for e in fix.edits])
    assert fixed == STACKED_PY


def test_no_keyword_fix_for_a_name_far_from_any_argument():
    text = STACKED_PY.replace("x = layers.LSTM(64)(inputs)", "x = layers.LSTM(64, colour='red')(inputs)")
    analysis = reanalyze(text, "a.py")
    (report, d), = [(r, d) for r, d in analysis.diagnostics if d.code == "SC402"]
    assert actions.fixes(report, d, analysis.spans) == ()


def test_a_keras_config_written_over_many_lines():
    """json.dump(indent=2) of a Keras config: each layer's object is its range; the fix
    edits the value Keras wrote; no hint sits on the model's closing brace."""
    import json

    text = json.dumps(json.loads(KERAS_JSON), indent=2)
    analysis = reanalyze(text, "model.json")
    (d,) = convert.diagnostics(analysis, "file:///model.json")
    lines = text.split("\n")
    assert d.code == "SC301" and lines[d.range.start.line].strip() == "{"
    assert '"name": "lstm_1"' in "\n".join(lines[d.range.start.line:d.range.end.line + 1])
    hints = convert.inlay_hints(analysis, 0, len(lines))
    assert [h.label for h in hints] == ["-> (None, 8)"]
    assert lines[hints[0].position.line].strip() == "},"
    fixed = fixed_by_quick_fix(text, "model.json", "SC301")
    assert not reanalyze(fixed, "model.json").diagnostics


SEQUENTIAL_PY = """\
import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(10, 3)),
    layers.Bidirectional(layers.LSTM(8)),
    layers.LSTM(4),
])
"""


def test_return_sequences_fix_in_sequential_models():
    """model.add(...) (the corpus's own keras#2721 reproduction) and a Sequential list."""
    added = (ROOT / "tests" / "corpus" / "python" / "own" / "stacked_lstm_no_return_sequences.py").read_text()
    fixed = fixed_by_quick_fix(added, "forecast.py", "SC301")
    assert fixed == added.replace("forecaster.add(layers.LSTM(64))",
                                  "forecaster.add(layers.LSTM(64, return_sequences=True))")
    assert not reanalyze(fixed, "forecast.py").diagnostics
    fixed = fixed_by_quick_fix(SEQUENTIAL_PY, "seq.py", "SC301")
    assert fixed == SEQUENTIAL_PY.replace("LSTM(8)", "LSTM(8, return_sequences=True)")
    assert not reanalyze(fixed, "seq.py").diagnostics
