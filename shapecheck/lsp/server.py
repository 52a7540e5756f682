"""The language server: pygls features over one store of analyses, one per open document.

Analysis runs in one worker thread, so the editor's requests are answered while a
document is analysed; a change is analysed after a pause in typing (``DEBOUNCE``), an
open or a save at once. Hover, inlay hints and code actions analyse first when the
text they are asked about has not been analysed yet, so they always answer for the text
the editor has. An exception in analysis is a bug of ours: it becomes a logged message
(window/logMessage) and the server keeps serving, as python-lsp-server does.

A Jupyter notebook comes as a notebook document whose cells are text documents of
their own (LSP 3.17's notebookDocument/*): its Python cells are analysed together, as
one program run top to bottom, and each cell gets its own findings, hover, hints and
quick fixes."""

from __future__ import annotations

import asyncio
import os
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import ServerTextPosition, ServerTextRange

from ..version import __version__
from . import convert
from .document import NOTEBOOK_SUFFIX, SUFFIXES, Analysis, Settings, analyze_document, analyze_notebook
from .spans import Span

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Seconds of quiet after a change before it is analysed: typing does not queue analyses.
DEBOUNCE = 0.25

Analyze = Callable[[str, str, Settings], Analysis]


class ShapecheckServer(LanguageServer):
    def __init__(self, analyze: Analyze = analyze_document) -> None:
        super().__init__("shapecheck", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         notebook_document_sync=types.NotebookDocumentSyncOptions(notebook_selector=[
                             types.NotebookDocumentFilterWithCells(
                                 cells=[types.NotebookCellLanguage("python")], notebook="*")]))
        self.analyze = analyze
        self.settings = Settings()
        self.analyses: dict[str, Analysis] = {}
        # a notebook's analysis: the cells it was made from (uri, number, text), and the
        # cells' uris its findings were published to (a deleted cell's are cleared)
        self.notebooks: dict[str, tuple[tuple, dict[str, Analysis]]] = {}
        self.published: dict[str, set[str]] = {}
        self.pending: dict[str, asyncio.Task] = {}
        # One worker: analyses of one document follow each other, and the reader's caches
        # are never shared between threads.
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shapecheck-analysis")

    def log(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        self.window_log_message(types.LogMessageParams(kind, message))

    def path_of(self, uri: str) -> str | None:
        path = to_fs_path(uri)
        return path if path and path.lower().endswith(SUFFIXES) else None

    def notebook_path(self, uri: str) -> str | None:
        """The path of a notebook the server reads, by its uri, or None."""
        path = to_fs_path(uri) if uri in self.workspace.notebook_documents else None
        return path if path and path.lower().endswith(NOTEBOOK_SUFFIX) else None

    def cells(self, notebook_uri: str) -> tuple:
        """The notebook's Python cells as they are now: (uri, number, text) each, the
        number counting every cell from the top, as Jupyter shows them."""
        notebook = self.workspace.get_notebook_document(notebook_uri=notebook_uri)
        out = []
        for number, cell in enumerate(notebook.cells if notebook else (), 1):
            if cell.kind != types.NotebookCellKind.Code:
                continue
            doc = self.workspace.text_documents.get(cell.document)
            if doc is not None and (doc.language_id or "python") == "python":
                out.append((cell.document, number, doc.source))
        return tuple(out)

    async def current_notebook(self, notebook_uri: str) -> dict[str, Analysis] | None:
        """Each Python cell's analysis, by the cell's uri, for the notebook as it is now."""
        path = self.notebook_path(notebook_uri)
        if path is None:
            return None
        cells = self.cells(notebook_uri)
        done = self.notebooks.get(notebook_uri)
        if done is not None and done[0] == cells:
            return done[1]
        settings = self.settings
        try:
            by_number = await asyncio.get_running_loop().run_in_executor(
                self.worker, analyze_notebook, [(n, text) for _, n, text in cells], path, settings)
        except Exception as e:
            self.log(f"shapecheck: analysing {path} failed: {type(e).__name__}: {e} (this is a "
                     f"shapecheck bug; please report it)\n{traceback.format_exc()}")
            return None
        analyses = {uri: by_number[n] for uri, n, _ in cells}
        self.notebooks[notebook_uri] = (cells, analyses)
        return analyses

    async def refresh_notebook(self, notebook_uri: str, delay: float = 0.0) -> None:
        """Analyse a notebook (after ``delay`` seconds of quiet) and publish each cell's findings."""
        if delay:
            await asyncio.sleep(delay)
        analyses = await self.current_notebook(notebook_uri)
        if analyses is None or self.notebooks[notebook_uri][0] != self.cells(notebook_uri):
            return  # failed, or edited meanwhile: the refresh that change scheduled publishes
        for uri, analysis in analyses.items():
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri, convert.diagnostics(analysis, uri, self.to_range(uri)),
                self.workspace.get_text_document(uri).version))
        for uri in self.published.get(notebook_uri, set()) - set(analyses):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))
        self.published[notebook_uri] = set(analyses)

    def close_notebook(self, notebook_uri: str) -> None:
        task = self.pending.pop(notebook_uri, None)
        if task is not None:
            task.cancel()
        self.notebooks.pop(notebook_uri, None)
        for uri in self.published.pop(notebook_uri, set()):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

    async def current(self, uri: str) -> Analysis | None:
        """The analysis of the document's text as it is now (analysed now if needed);
        None for a document the server does not read, or when analysis failed. A
        notebook's cell: the cell's part of the notebook's analysis."""
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        if notebook is not None:
            analyses = await self.current_notebook(notebook.uri)
            return None if analyses is None else analyses.get(uri)
        path = self.path_of(uri)
        if path is None:
            return None
        text = self.workspace.get_text_document(uri).source
        done = self.analyses.get(uri)
        if done is not None and done.text == text:
            return done
        settings = self.settings
        try:
            analysis = await asyncio.get_running_loop().run_in_executor(
                self.worker, self.analyze, text, path, settings)
        except Exception as e:
            self.log(f"shapecheck: analysing {path} failed: {type(e).__name__}: {e} (this is a "
                     f"shapecheck bug; please report it)\n{traceback.format_exc()}")
            return None
        self.analyses[uri] = analysis
        return analysis

    async def refresh(self, uri: str, delay: float = 0.0) -> None:
        """Analyse a document (after ``delay`` seconds of quiet) and publish its findings."""
        if delay:
            await asyncio.sleep(delay)
        version = self.workspace.get_text_document(uri).version
        analysis = await self.current(uri)
        if analysis is None:
            return
        doc = self.workspace.get_text_document(uri)
        if doc.source != analysis.text:
            return  # edited meanwhile: the refresh that change scheduled publishes
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri, convert.diagnostics(analysis, uri, self.to_range(uri)), version))

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        """Analyse a document, or a notebook (by its uri), and publish its findings."""
        notebook = self.notebook_path(uri) is not None
        if not notebook and self.path_of(uri) is None:
            return
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        work = self.refresh_notebook(uri, delay) if notebook else self.refresh(uri, delay)
        task = asyncio.get_running_loop().create_task(work)
        self.pending[uri] = task
        task.add_done_callback(lambda t: self._finished(uri, t))

    def read_again(self, saved: str) -> None:
        """A document saved: the others whose analysis read it as a module of their
        project (``from model import build``) are analysed again, since the reader reads
        modules from disk."""
        path = self.path_of(saved)
        real = os.path.realpath(path) if path else None
        for uri, analysis in list(self.analyses.items()):
            if uri != saved and real in analysis.sources:
                del self.analyses[uri]
                self.schedule(uri)
        for uri, (_, analyses) in list(self.notebooks.items()):  # a notebook: its cells share one
            if any(real in analysis.sources for analysis in analyses.values()):
                del self.notebooks[uri]
                self.schedule(uri)

    def _finished(self, uri: str, task: asyncio.Task) -> None:
        if self.pending.get(uri) is task:
            del self.pending[uri]
        if not task.cancelled() and task.exception() is not None:
            e = task.exception()
            self.log(f"shapecheck: publishing findings failed: {type(e).__name__}: {e}")

    def to_range(self, uri: str) -> Callable[[Span], types.Range]:
        doc = self.workspace.get_text_document(uri)

        def convert_span(span: Span) -> types.Range:
            return doc.range_to_client_units(ServerTextRange(
                ServerTextPosition(span.start_line, span.start_char),
                ServerTextPosition(span.end_line, span.end_char)))

        return convert_span

    def configure(self, raw: Any) -> None:
        settings, problems = Settings.from_client(raw)
        for problem in problems:
            self.log(f"shapecheck settings: {problem}", types.MessageType.Warning)
        self.settings = settings
        self.analyses.clear()  # analysed under the old settings
        self.notebooks.clear()


def build(analyze: Analyze = analyze_document) -> ShapecheckServer:
    """The server with its features; ``analyze`` is the analysis it runs (the tests give
    one that fails, to see the server survive it)."""
    server = ShapecheckServer(analyze)

    @server.feature(types.INITIALIZE)
    def initialize(ls: ShapecheckServer, params: types.InitializeParams) -> None:
        ls.configure(params.initialization_options)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: ShapecheckServer, params: types.DidChangeConfigurationParams) -> None:
        if params.settings:  # some clients send null and expect a pull; keep what we have
            ls.configure(params.settings)
        for uri in [*ls.workspace.text_documents, *ls.workspace.notebook_documents]:
            if ls.workspace.get_notebook_document(cell_uri=uri) is None:  # a cell: with its notebook
                ls.schedule(uri)
        workspace = ls.client_capabilities.workspace
        hints = workspace.inlay_hint if workspace else None
        if hints and hints.refresh_support:  # the shapes shown may have changed (dims, on/off)
            ls.workspace_inlay_hint_refresh(None)

    def analysed_on(method: str, document: str, delay: float = 0.0) -> None:
        """``method`` (a document or a notebook opened, changed, saved) schedules its analysis."""
        @server.feature(method)
        def schedule(ls: ShapecheckServer, params: Any) -> None:
            ls.schedule(getattr(params, document).uri, delay)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ShapecheckServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.schedule(uri)
        ls.read_again(uri)

    for method, document, delay in (
            (types.TEXT_DOCUMENT_DID_OPEN, "text_document", 0.0),
            (types.TEXT_DOCUMENT_DID_CHANGE, "text_document", DEBOUNCE),
            (types.NOTEBOOK_DOCUMENT_DID_OPEN, "notebook_document", 0.0),
            (types.NOTEBOOK_DOCUMENT_DID_CHANGE, "notebook_document", DEBOUNCE),
            (types.NOTEBOOK_DOCUMENT_DID_SAVE, "notebook_document", 0.0)):
        analysed_on(method, document, delay)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ShapecheckServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.analyses.pop(uri, None)
        if ls.path_of(uri) is not None:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_did_close(ls: ShapecheckServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.close_notebook(params.notebook_document.uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: ShapecheckServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        analysis = await ls.current(uri)
        if analysis is None:
            return None
        at = ls.workspace.get_text_document(uri).position_from_client_units(params.position)
        try:
            return convert.hover(analysis, at.line, at.character, ls.to_range(uri))
        except Exception as e:
            ls.log(f"shapecheck: hover failed: {type(e).__name__}: {e}\n{traceback.format_exc()}")
            return None

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT)
    async def inlay_hint(ls: ShapecheckServer, params: types.InlayHintParams) -> list[types.InlayHint]:
        uri = params.text_document.uri
        if not ls.settings.inlay_hints:
            return []
        analysis = await ls.current(uri)
        if analysis is None:
            return []
        doc = ls.workspace.get_text_document(uri)
        try:
            return convert.inlay_hints(
                analysis, params.range.start.line, params.range.end.line,
                lambda line, char: doc.position_to_client_units(types.Position(line, char)))
        except Exception as e:
            ls.log(f"shapecheck: inlay hints failed: {type(e).__name__}: {e}\n{traceback.format_exc()}")
            return []

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    async def code_action(ls: ShapecheckServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        analysis = await ls.current(uri)
        if analysis is None:
            return []
        notebook = ls.workspace.get_notebook_document(cell_uri=uri)
        done = ls.notebooks.get(notebook.uri) if notebook is not None else None
        cells = {a.cell: (u, a, ls.to_range(u)) for u, a in done[1].items()} if done else None
        try:
            return convert.code_actions(analysis, uri, params.range, ls.to_range(uri), cells)
        except Exception as e:
            ls.log(f"shapecheck: code actions failed: {type(e).__name__}: {e}\n{traceback.format_exc()}")
            return []

    return server


def serve() -> None:
    """Serve over stdin and stdout until the client says exit."""
    build().start_io()
