"""The ``markdown`` format: per model, a summary table (layer, output shape, params)
and its findings, for pull-request comments and docs."""

from __future__ import annotations

from ..dims import fmt_count, fmt_shape
from ..report import LAYOUT_NAMES, Report
from .text import summary


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _text(text: str) -> str:
    """A cell of prose (a layer name, a message): Markdown passes HTML through, so a
    layer called ``<script>`` must be escaped to be shown rather than run (GitHub strips
    it, a notebook's Markdown output may not). Code spans need no escaping: their text
    is literal."""
    return _cell(text).replace("&", "&amp;").replace("<", "&lt;")


def render(reports: list[Report]) -> str:
    out: list[str] = []
    for report in reports:
        out += render_report(report)
    out.append(f"**{summary(reports)}**")
    return "\n".join(out)


def render_report(report: Report) -> list[str]:
    """One model's lines: its heading, table, totals and findings (``Report._repr_markdown_``)."""
    out: list[str] = []
    status = "ok" if report.ok and not report.diagnostics else \
        "findings" if report.ok else "errors"
    title = f" `{report.model}`" if report.model else ""
    out += [f"### `{report.path or 'dict'}`{title}: {status}", ""]
    if report.layers:
        out += ["| Layer (type) | Output shape | Params |", "|---|---|---:|"]
        for layer in report.layers.values():
            shapes = "failed" if layer.status == "failed" else "skipped" \
                if layer.output_shapes is None else \
                ", ".join(f"`{fmt_shape(s)}`" for s in layer.output_shapes)
            params = "?" if layer.params is None else fmt_count(layer.params)
            out.append(f"| {_text(layer.name)} ({_text(layer.class_name)}) | {shapes} | {params} |")
        counted = "" if report.layout == "keras" else \
            f" ({LAYOUT_NAMES.get(report.layout, report.layout)}'s count)"
        out += ["", f"Total params{counted}: {fmt_count(report.total_params)} "
                f"(trainable {fmt_count(report.trainable_params)}, "
                f"non-trainable {fmt_count(report.non_trainable_params)})", ""]
    if report.diagnostics:
        out += ["| Where | Code | Finding | Hint |", "|---|---|---|---|"]
        for d in report.diagnostics:
            where = f"{d.location.path or report.path or ''}:{d.location.line or ''}:" \
                    f"{d.location.column or ''}".rstrip(":")
            where += f" (at {place})" if (place := d.location.place()) else ""
            out.append(f"| `{_cell(where)}` | {d.code} {d.severity.value} | "
                       f"{_text(d.message)} | {_text(d.hint or '')} |")
        out.append("")
    return out
