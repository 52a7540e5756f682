"""One document's analysis for the editor: its text (never the file on disk), the
project's ``[tool.shapecheck]`` and the editor's settings, in; the reports and the
spans to place them, out. The same library call as the command line makes
(``api.analyze_text``), so the editor and ``shapecheck FILE`` cannot disagree."""

from __future__ import annotations

import os
from collections.abc import Mapping

from .. import config as project
from ..api import analyze_notebook_cells, analyze_text
from ..diagnostics import Diagnostic
from ..dims import MAX_SIZE
from ..reading.notebook import python_of
from ..records import field, record, replace
from ..report import LayerReport, Report
from .spans import Spans

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Extensions the server analyses; other documents an editor opens get no diagnostics.
SUFFIXES = (".py", ".yaml", ".yml", ".json")
# Notebooks the server analyses, their code cells sent by the editor as cells
# (notebookDocument/*), each cell a document of its own.
NOTEBOOK_SUFFIX = ".ipynb"


@record
class Settings:
    """What the editor sets (initializationOptions, workspace/configuration): ``dims``
    win over the project's ``[tool.shapecheck.dims]``; ``inlay_hints`` off hides the
    shapes at the line ends; ``use_pyproject`` off ignores pyproject.toml."""

    dims: Mapping[str, Any] = field(default_factory=dict)
    inlay_hints: bool = True
    use_pyproject: bool = True

    @classmethod
    def from_client(cls, raw: Any) -> tuple[Settings, list[str]]:
        """Settings from the client's JSON (``{"dims": {"t": 4995}, "inlayHints": false}``,
        or the same under ``"shapecheck"``), and what was ignored in it, said in words."""
        if isinstance(raw, Mapping) and isinstance(raw.get("shapecheck"), Mapping):
            raw = raw["shapecheck"]
        if not isinstance(raw, Mapping):
            return cls(), [] if raw is None else [f"settings must be an object, got {type(raw).__name__}"]
        problems = []
        dims: dict[str, Any] = {}
        given = raw.get("dims") or {}
        if not isinstance(given, Mapping):
            problems.append("dims must map names to sizes")
            given = {}
        for name, value in given.items():
            # what `--dim` takes: a size, or for Python source a dotted name bound to a tuple
            # of sizes (`x_train.shape`), which the client sends as a list
            if isinstance(value, list) and value and all(map(_size, value)):
                value = tuple(value)
            if isinstance(name, str) and all(part.isidentifier() for part in name.split(".")) and \
                    (_size(value) or isinstance(value, tuple)):
                dims[name] = value
            else:
                problems.append(f"dims: {name}={value!r} ignored (a name and a size from 1 to 2**40, "
                                "or a list of sizes)")
        hints = raw.get("inlayHints", True)
        pyproject = raw.get("pyproject", True)
        return cls(dims, hints is not False, pyproject is not False), problems


def _size(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_SIZE


@record
class Analysis:
    """A document's reports, its findings once each (a Python file building several
    models reports a file-wide finding in each), and the spans of its text. A
    notebook's cell is a document of its own (``cell``, its number): the reports are
    the notebook's, the findings and layers the cell's."""

    text: str
    path: str
    reports: tuple[Report, ...]
    diagnostics: tuple[tuple[Report, Diagnostic], ...]
    config_path: str | None
    config_found: tuple[Diagnostic, ...]
    spans: Spans
    cell: int | None = None
    # the modules of the project read with it (real paths): saving one reads it again
    sources: frozenset[str] = frozenset()

    def holds(self, loc: Any) -> bool:
        """Is ``loc`` in this document (in a notebook: in this cell)?"""
        return self.cell is None or (loc.cell or (None,))[0] == self.cell

    def layers(self) -> list[tuple[Report, LayerReport]]:
        """Every layer of every report, each place once, in the document's order."""
        seen, out = set(), []
        for report in self.reports:
            for layer in report.layers.values():
                key = (layer.location.line, layer.location.column, layer.name)
                if layer.location.line and key not in seen and self.holds(layer.location):
                    seen.add(key)
                    out.append((report, layer))
        return sorted(out, key=lambda rl: (rl[1].location.line, rl[1].location.column))


def project_config(path: str, settings: Settings) -> project.Config:
    """``[tool.shapecheck]`` of the nearest pyproject.toml above the document."""
    if not settings.use_pyproject:
        return project.Config()
    found = project.find(os.path.dirname(os.path.abspath(path)))
    if found is None:
        return project.Config()
    try:
        return project.load(found)
    except OSError:
        return project.Config()


def analyze_document(text: str, path: str, settings: Settings = Settings(),
                     config: project.Config | None = None) -> Analysis:
    """Analyse a document's text as the file ``path`` (which is not read); ``config`` is
    the project's, found from ``path`` when not given."""
    config = project_config(path, settings) if config is None else config
    custom = config.custom_layers
    if custom is not None:
        custom = replace(custom, found=())  # said once, against pyproject.toml, not per model
    reports = analyze_text(text, path, {**config.dims, **settings.dims}, custom)
    if config.severity:
        reports = [project.apply_severity(r, config.severity) for r in reports]
    seen, diags = set(), []
    for report in reports:
        for d in report.diagnostics:
            if d not in seen:
                seen.add(d)
                diags.append((report, d))
    sources = frozenset(p for r in reports for p in r.sources)
    return Analysis(text, path, tuple(reports), tuple(diags), config.path, config.found,
                    Spans(text, path.endswith(".py")), sources=sources)


def analyze_notebook(cells: list[tuple[int, str]], path: str, settings: Settings = Settings(),
                     config: project.Config | None = None) -> dict[int, Analysis]:
    """A notebook's code cells, (cell number, text) each, analysed as one program: an
    Analysis per cell. A finding of the notebook as a whole (no model built) is the
    first cell's."""
    config = project_config(path, settings) if config is None else config
    custom = config.custom_layers
    if custom is not None:
        custom = replace(custom, found=())
    reports = analyze_notebook_cells(cells, path, {**config.dims, **settings.dims}, custom)
    if config.severity:
        reports = [project.apply_severity(r, config.severity) for r in reports]
    first = cells[0][0] if cells else None
    seen, by_cell = set(), {}  # type: ignore[var-annotated]
    for report in reports:
        for d in report.diagnostics:
            if d not in seen:
                seen.add(d)
                by_cell.setdefault(d.location.cell[0] if d.location.cell else first, []).append((report, d))
    # a cell's spans from its Python (IPython's magics made pass): the lines and columns
    # of its code are the cell's
    sources = frozenset(p for r in reports for p in r.sources)
    return {number: Analysis(text, path, tuple(reports), tuple(by_cell.get(number, ())), config.path,
                             config.found if number == first else (), Spans(python_of(text), True), number,
                             sources)
            for number, text in cells}


def reanalyze(text: str, path: str, dims: Mapping[str, int] | None = None) -> Analysis:
    """One re-analysis of an edited document, as the server does after a change, without
    the project lookup: the function a benchmark times."""
    from ..config import Config

    return analyze_document(text, path, Settings(dict(dims or {})), Config())
