"""The HTML format: what a ``Report`` shows in a notebook (``Report._repr_html_``).

One self-contained fragment per model, no script and no external style sheet, so it
renders the same in Jupyter, VS Code and a saved notebook: the summary table (the
text format's rows, from ``text.rows``), the totals, the findings, and a collapsible
``<details>`` per layer with its shapes, why its output has that shape, its findings
and each weight explained axis by axis (the formulas and sentences the rules attached
to every ``Axis``). Every string from the model (layer names, paths, messages) is
escaped: a layer may be called ``<script>`` in a file someone else wrote.
"""

from __future__ import annotations

from html import escape

from ..diagnostics import Diagnostic, Severity
from ..dims import Shape, fmt, fmt_count, fmt_shape
from ..report import LAYOUT_NAMES, LayerReport, Report
from ..rules.registry import Weight
from .text import rows, summary, with_memory

TYPE_CHECKING = False
if TYPE_CHECKING:  # only with --layout: the layouts are not imported on every run
    from ..layouts.base import LayerLayout

# Scoped under the fragment's class, so a notebook's other outputs keep their look; the
# colours are the frontend's own (``currentColor``), which works in light and dark themes.
_STYLE = """<style>
.shapecheck table{border-collapse:collapse;margin:.4em 0}
.shapecheck th,.shapecheck td{padding:.15em .6em;text-align:left;vertical-align:top}
.shapecheck thead th{border-bottom:1px solid currentColor}
.shapecheck td.num,.shapecheck th.num{text-align:right;font-variant-numeric:tabular-nums}
.shapecheck .shape{font-family:monospace;white-space:pre}
.shapecheck .error{color:#c62828}.shapecheck .warning{color:#b26a00}
.shapecheck details{margin:.2em 0}.shapecheck summary{cursor:pointer}
.shapecheck details>div{margin-left:1.2em}.shapecheck caption{text-align:left}
</style>"""


def render(reports: list[Report]) -> str:
    """A whole page for ``reports`` (a file that builds several models, a folder)."""
    body = "\n".join(render_report(r) for r in reports)
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>shapecheck</title></head>\n"
            f"<body>\n{body}\n<p><strong>{escape(summary(reports))}</strong></p>\n</body></html>")


def render_report(report: Report) -> str:
    """One model as an HTML fragment: what a notebook cell shows."""
    out = ['<div class="shapecheck">', _STYLE, _title(report)]
    if report.layers:
        out += _summary_table(report)
        counted = "" if report.layout == "keras" else \
            f" ({LAYOUT_NAMES.get(report.layout, report.layout)}'s count)"
        out.append(f"<p>Total params{escape(counted)}: {escape(with_memory(report.total_params))}<br>"
                   f"Trainable params: {escape(with_memory(report.trainable_params))}<br>"
                   f"Non-trainable params: {escape(with_memory(report.non_trainable_params))}</p>")
    if report.diagnostics:
        out.append(f"<h4>Findings ({len(report.diagnostics)})</h4>")
        out += _findings(report.diagnostics, report.path)
    if report.layers:
        out.append("<h4>Layers</h4>")
        for layer in report.layers.values():
            out += _layer(report, layer)
    out.append("</div>")
    return "\n".join(out)


def _title(report: Report) -> str:
    status = "ok" if report.ok and not report.diagnostics else "findings" if report.ok else "errors"
    name = f"Model: &quot;{escape(report.model)}&quot;" if report.model else "Model: (unnamed)"
    kind = {"ok": "", "findings": ' class="warning"', "errors": ' class="error"'}[status]
    return (f"<p><strong>{name}</strong> <code>({escape(report.path or 'dict')})</code> "
            f"<span{kind}>{status}</span></p>")


def _summary_table(report: Report) -> list[str]:
    table = rows(report)
    connected = any(row.connected is not None for row in table)
    head = "<th>Layer (type)</th><th>Output Shape</th><th class=\"num\">Param #</th>" + \
        ("<th>Connected to</th>" if connected else "")
    out = ['<table class="summary">', f"<thead><tr>{head}</tr></thead>", "<tbody>"]
    for row in table:
        label = f"&nbsp;&nbsp;{escape(row.label)}" if row.call else escape(row.label)
        shapes = "<br>".join(escape(s) for s in row.shapes)
        cells = [f"<td>{label}</td>", f'<td class="shape">{shapes}</td>',
                 f'<td class="num">{escape(row.params or "")}</td>']
        if connected:
            cells.append(f"<td>{escape(row.connected or '')}</td>")
        out.append(f"<tr>{''.join(cells)}</tr>")
    out += ["</tbody>", "</table>"]
    return out


def _where(d: Diagnostic, path: str | None) -> str:
    """The text format's ``path:line:col``, and the key path of a one-line JSON file or
    a notebook's cell."""
    loc = d.location
    where = f"{loc.path or path or '<dict>'}:{loc.line or 1}:{loc.column or 1}"
    return where + (f" (at {place})" if (place := loc.place()) else "")


def _findings(diagnostics: tuple[Diagnostic, ...], path: str | None) -> list[str]:
    out = ['<table class="findings">',
           "<thead><tr><th>Where</th><th>Code</th><th>Severity</th><th>Layer</th><th>Finding</th>"
           "<th>Hint</th></tr></thead>", "<tbody>"]
    for d in diagnostics:
        out.append(f"<tr><td><code>{escape(_where(d, path))}</code></td>"
                   f'<td class="{d.severity.value}">{escape(d.code)}</td>'
                   f'<td class="{d.severity.value}">{d.severity.value}</td>'
                   f"<td>{escape(d.layer or '')}</td><td>{escape(d.message)}</td>"
                   f"<td>{escape(d.hint or '')}</td></tr>")
    out += ["</tbody>", "</table>"]
    return out


def _shapes(shapes: tuple[Shape, ...]) -> str:
    return ", ".join(f'<span class="shape">{escape(fmt_shape(s))}</span>' for s in shapes) or "none"


def _layer(report: Report, layer: LayerReport) -> list[str]:
    """A layer's ``<details>``, open when it has an error: the layer to look at first."""
    found = [d for d in report.diagnostics if d.layer == layer.name]
    opened = " open" if any(d.severity is Severity.ERROR for d in found) else ""
    result = f"({layer.status})" if layer.output_shapes is None else \
        " + ".join(fmt_shape(s) for s in layer.output_shapes)
    outputs = escape(result) if layer.output_shapes is None else _shapes(layer.output_shapes)
    out = [f'<details class="layer"{opened}>',
           f"<summary><strong>{escape(layer.name)}</strong> ({escape(layer.class_name)}) "
           f'&rarr; <span class="shape">{escape(result)}</span></summary>', "<div>",
           f"<p>input: {_shapes(layer.input_shapes)}<br>output: {outputs}</p>"]
    for k, (ins, outs) in enumerate(layer.calls, start=1):
        out.append(f"<p>call {k + 1} ({escape(layer.name)}@{k}): input {_shapes(ins)}, output "
                   f"{'(failed)' if outs is None else _shapes(outs)}</p>")
    if layer.why:
        out.append("<ul>" + "".join(f"<li>{escape(why)}</li>" for why in layer.why) + "</ul>")
    if found:
        out += _findings(tuple(found), report.path)
    lay = report.layer_layouts.get(layer.name)
    if report.layout != "keras" and lay is not None and lay.module is not None:
        out += _layout(lay)
    else:
        for w in layer.weights:
            out += _weight(w)
    out += ["</div>", "</details>"]
    return out


def _weight(w: Weight) -> list[str]:
    """A weight and its axes: each size, the formula it comes from, and why."""
    frozen = "" if w.trainable else ", non-trainable"
    out = ['<table class="weight">',
           f'<caption><code>{escape(w.path)}</code> '
           f'<span class="shape">{escape(fmt_shape(w.shape))}</span> '
           f"{escape(fmt_count(w.count))} params{frozen}</caption>", "<tbody>"]
    for axis in w.axes:
        out.append(f'<tr><td class="num shape">{escape(fmt(axis.size))}</td>'
                   f"<td>= {escape(axis.formula)}</td><td>{escape(axis.why)}</td></tr>")
    out += ["</tbody>", "</table>"]
    return out


def _layout(lay: LayerLayout) -> list[str]:
    """The layer as another framework holds it (``--layout``): its module, each array
    with the transform from Keras's arrays, and the notes."""
    framework = LAYOUT_NAMES.get(lay.framework, lay.framework)
    out = [f"<p>{escape(framework)}: <code>{escape(lay.module or '')}</code></p>",
           '<table class="weight">', "<tbody>"]
    for w in lay.weights:
        kind = "params" if w.is_parameter else "values, a buffer"
        gates = f" (gates {w.gate_order})" if w.gate_order else ""
        out.append(f"<tr><td><code>{escape(w.name)}</code></td>"
                   f'<td class="shape">{escape(fmt_shape(w.shape))}</td>'
                   f'<td class="num">{escape(fmt_count(w.count))} {kind}</td>'
                   f"<td>= {escape(w.transform)}{escape(gates)}</td></tr>")
    out += ["</tbody>", "</table>"]
    if lay.notes:
        out.append("<ul>" + "".join(f"<li>{escape(note)}</li>" for note in lay.notes) + "</ul>")
    return out
