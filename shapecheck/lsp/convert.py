"""An analysis in the Language Server Protocol's terms: diagnostics, hover Markdown,
inlay hints and code actions (lsprotocol types). Positions are computed in code points
(``spans``); ``to_range`` turns a span into the client's units (the server passes its
document's converter, tests may pass the identity)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from lsprotocol import types

from ..diagnostics import Diagnostic, Severity
from ..dims import fmt_count, fmt_shape
from ..output.text import explanation
from ..report import LayerReport, Report
from .actions import fixes, recurrent_producers, return_sequences_fix
from .document import Analysis
from .spans import Span

ToRange = Callable[[Span], types.Range]

SEVERITY = {Severity.ERROR: types.DiagnosticSeverity.Error,
            Severity.WARNING: types.DiagnosticSeverity.Warning,
            Severity.INFO: types.DiagnosticSeverity.Information}


def plain_range(span: Span) -> types.Range:
    """A span as a range, counting code points (UTF-16 units agree outside the astral planes)."""
    return types.Range(types.Position(span.start_line, span.start_char),
                       types.Position(span.end_line, span.end_char))


def diagnostic_span(analysis: Analysis, d: Diagnostic) -> Span:
    if d.location.path not in (None, analysis.path) or not d.location.line:
        return Span(0, 0, 0, 0)  # a finding elsewhere (pyproject.toml): at the top
    return analysis.spans.of(d.location)


def diagnostic(analysis: Analysis, report: Report, d: Diagnostic, uri: str,
               to_range: ToRange = plain_range) -> types.Diagnostic:
    """One finding: the message (with the layer, as the command line says it) and the
    hint on a line of its own, so every editor shows the fix beside the problem."""
    message = d.message + (f" [{d.layer}]" if d.layer else "") + (f"\nhint: {d.hint}" if d.hint else "")
    if d.location.path not in (None, analysis.path) and d.location.line:  # in a module it imports
        message = f"{d.location.path}:{d.location.line}:{d.location.column or 1}: {message}"
    related = []
    if d.code == "SC301":
        for rnn in recurrent_producers(report, d.layer):
            if not analysis.holds(rnn.location):  # in another cell of the notebook: its own document
                continue
            related.append(types.DiagnosticRelatedInformation(
                types.Location(uri, to_range(analysis.spans.layer(rnn.location))),
                f"{rnn.name!r} ({rnn.type}) returns only its last step: return_sequences is off"))
    return types.Diagnostic(
        range=to_range(diagnostic_span(analysis, d)), message=message, severity=SEVERITY[d.severity],
        code=d.code, source="shapecheck", related_information=related or None)


def diagnostics(analysis: Analysis, uri: str, to_range: ToRange = plain_range) -> list[types.Diagnostic]:
    out = [diagnostic(analysis, report, d, uri, to_range) for report, d in analysis.diagnostics]
    for d in analysis.config_found:  # [tool.shapecheck] problems: at the top, naming the file
        out.append(types.Diagnostic(
            range=to_range(Span(0, 0, 0, 0)), severity=SEVERITY[d.severity], code=d.code,
            source="shapecheck", message=f"{analysis.config_path}:{d.location.line or 1}: {d.message}"
            + (f"\nhint: {d.hint}" if d.hint else "")))
    return out


def layer_at(analysis: Analysis, line: int, char: int) -> tuple[Report, LayerReport] | None:
    """The innermost layer whose entry holds the position."""
    best = None
    for report, layer in analysis.layers():
        span = analysis.spans.layer(layer.location)
        if span.contains(line, char) and (best is None or span.size < best[0].size):
            best = (span, report, layer)
    return None if best is None else best[1:]


def hover_markdown(report: Report, layer: LayerReport) -> str:
    """The layer's shapes and params, then the explanation the text format prints."""
    ins = ", ".join(f"`{fmt_shape(s)}`" for s in layer.input_shapes) or "none"
    if layer.output_shapes is None:
        outs = f"not computed ({layer.status})"
    else:
        outs = " + ".join(f"`{fmt_shape(s)}`" for s in layer.output_shapes)
    params = "?" if layer.params is None else fmt_count(layer.params)
    lines = [f"**{layer.name}** ({layer.class_name})", "",
             f"input {ins} → output {outs}", "", f"params: {params}"]
    found = [d for d in report.diagnostics if d.layer == layer.name]
    for d in found:
        lines += ["", f"**{d.code}** {d.message}" + (f"  \nhint: {d.hint}" if d.hint else "")]
    explained = explanation(layer) if layer.output_shapes is not None else []
    if explained:
        lines += ["", "```text", *explained, "```"]
    return "\n".join(lines)


def hover(analysis: Analysis, line: int, char: int, to_range: ToRange = plain_range) -> types.Hover | None:
    """The hover at (line, char), in code points."""
    found = layer_at(analysis, line, char)
    if found is None:
        return None
    report, layer = found
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, hover_markdown(report, layer)),
                       range=to_range(analysis.spans.layer(layer.location)))


def inlay_hints(analysis: Analysis, first_line: int, last_line: int,
                to_position: Callable[[int, int], types.Position] | None = None) -> list[types.InlayHint]:
    """``-> (None, t, 768)`` at the end of each layer's entry (the call's last line), one
    hint a line (layers built on one line are chained: ``-> (None, 64) -> (None, 1)``)."""
    by_line: dict[int, list[str]] = {}
    for _report, layer in analysis.layers():
        if layer.output_shapes is None:
            continue
        span = analysis.spans.layer(layer.location)
        if _whole_document(analysis, span):
            continue  # a config's input placed at the model itself: no one line is its own
        line = span.start_line if not analysis.spans.python and \
            analysis.spans.line_text(span.start_line)[span.start_char:span.start_char + 1] not in ("{", "[") \
            else span.end_line
        if first_line <= line <= last_line:
            by_line.setdefault(line, []).append(" + ".join(fmt_shape(s) for s in layer.output_shapes))
    out = []
    for line, shapes in sorted(by_line.items()):
        char = len(analysis.spans.line_text(line).rstrip())
        position = to_position(line, char) if to_position else types.Position(line, char)
        out.append(types.InlayHint(position=position, label="-> " + " -> ".join(shapes),
                                   kind=types.InlayHintKind.Type, padding_left=True))
    return out


def _whole_document(analysis: Analysis, span: Span) -> bool:
    lines = analysis.spans.lines
    last = max((i for i, text in enumerate(lines) if text.strip()), default=0)
    return not analysis.spans.python and (span.start_line, span.start_char) == (0, 0) and \
        span.end_line >= last and last > 0


def code_actions(analysis: Analysis, uri: str, wanted: types.Range,
                 to_range: ToRange = plain_range,
                 cells: Mapping[int, tuple[str, Analysis, ToRange]] | None = None) -> list[types.CodeAction]:
    """Quick fixes for the findings that touch ``wanted`` (the editor's selection or cursor).
    In a notebook, ``cells`` (cell number -> its uri, analysis and ranges) lets a fix edit
    the cell where the layer to change is: the LSTM two cells up."""
    out = []
    for report, d in analysis.diagnostics:
        where = to_range(diagnostic_span(analysis, d))
        if (where.end.line, where.end.character) < (wanted.start.line, wanted.start.character) or \
                (where.start.line, where.start.character) > (wanted.end.line, wanted.end.character):
            continue
        for fix in fixes(report, d, analysis.spans, analysis.holds):
            edits = [types.TextEdit(to_range(e.span), e.new_text) for e in fix.edits]
            out.append(types.CodeAction(
                title=fix.title, kind=types.CodeActionKind.QuickFix, is_preferred=fix.preferred,
                diagnostics=[diagnostic(analysis, report, d, uri, to_range)],
                edit=types.WorkspaceEdit(changes={uri: edits})))
        if d.code == "SC301" and cells:
            out += _in_other_cells(analysis, report, d, uri, to_range, cells)
    return out


def _in_other_cells(analysis: Analysis, report: Report, d: Diagnostic, uri: str, to_range: ToRange,
                    cells: Mapping[int, tuple[str, Analysis, ToRange]]) -> list[types.CodeAction]:
    """SC301's fix where the recurrent layer is in another cell of the notebook: the edit
    is that cell's."""
    for rnn in recurrent_producers(report, d.layer):
        number = rnn.location.cell[0] if rnn.location.cell else None
        if analysis.holds(rnn.location) or number not in cells:
            continue
        cell_uri, cell, cell_range = cells[number]
        fix = return_sequences_fix(rnn, cell.spans)
        if fix is not None:
            return [types.CodeAction(
                title=f"{fix.title} (cell {number})", kind=types.CodeActionKind.QuickFix,
                is_preferred=fix.preferred, diagnostics=[diagnostic(analysis, report, d, uri, to_range)],
                edit=types.WorkspaceEdit(changes={cell_uri: [
                    types.TextEdit(cell_range(e.span), e.new_text) for e in fix.edits]}))]
    return []
