"""The language server: pygls features over one store of analyses, one per open document.

Analysis runs in one worker thread, so the editor's requests are answered while a
document is analysed; a change is analysed after a pause in typing (``DEBOUNCE``), an
open or a save at once. Hover, inlay hints and code actions analyse first when the
text they are asked about has not been analysed yet, so they always answer for the text
the editor has. An exception in analysis is a bug of ours: it becomes a logged message
(window/logMessage) and the server keeps serving, as python-lsp-server does."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import ServerTextPosition, ServerTextRange

from ..version import __version__
from . import convert
from .document import SUFFIXES, Analysis, Settings, analyze_document
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
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.analyze = analyze
        self.settings = Settings()
        self.analyses: dict[str, Analysis] = {}
        self.pending: dict[str, asyncio.Task] = {}
        # One worker: analyses of one document follow each other, and the reader's caches
        # are never shared between threads.
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shapecheck-analysis")

    def log(self, message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        self.window_log_message(types.LogMessageParams(kind, message))

    def path_of(self, uri: str) -> str | None:
        path = to_fs_path(uri)
        return path if path and path.lower().endswith(SUFFIXES) else None

    async def current(self, uri: str) -> Analysis | None:
        """The analysis of the document's text as it is now (analysed now if needed);
        None for a document the server does not read, or when analysis failed."""
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
        if self.path_of(uri) is None:
            return
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        task = asyncio.get_running_loop().create_task(self.refresh(uri, delay))
        self.pending[uri] = task
        task.add_done_callback(lambda t: self._finished(uri, t))

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
        for uri in list(ls.workspace.text_documents):
            ls.schedule(uri)
        workspace = ls.client_capabilities.workspace
        hints = workspace.inlay_hint if workspace else None
        if hints and hints.refresh_support:  # the shapes shown may have changed (dims, on/off)
            ls.workspace_inlay_hint_refresh(None)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ShapecheckServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ShapecheckServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ShapecheckServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ShapecheckServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.analyses.pop(uri, None)
        if ls.path_of(uri) is not None:
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri, []))

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
        try:
            return convert.code_actions(analysis, uri, params.range, ls.to_range(uri))
        except Exception as e:
            ls.log(f"shapecheck: code actions failed: {type(e).__name__}: {e}\n{traceback.format_exc()}")
            return []

    return server


def serve() -> None:
    """Serve over stdin and stdout until the client says exit."""
    build().start_io()
