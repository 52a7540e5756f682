"""The text format: a table like Keras's ``model.summary()``, then every weight with
each axis explained, then the diagnostics as ``path:line:col: CODE message`` so
editors can jump to them. Fits 80 columns."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from ..diagnostics import Diagnostic, Severity
from ..dims import fmt, fmt_count, fmt_shape
from ..records import record
from ..report import LAYOUT_NAMES, LayerReport, Report

WIDTH = 80
_COLS = (34, 28, 16)  # layer (type) | output shape | params: 78 with the separators
_CONNECTED = 28  # Keras's "Connected to", for a model that is not a chain
_RED, _YELLOW, _BOLD, _RESET = "\033[31m", "\033[33m", "\033[1m", "\033[0m"


class Style:
    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text


def render(report: Report, color: bool = False, explain: bool = True) -> str:
    return "\n".join(render_lines(report, color, explain))


def render_lines(report: Report, color: bool = False, explain: bool = True) -> list[str]:
    """``render``'s text in lines (a layer's explanation is one), not yet joined: the
    command joins them once the report is gone, so that a large report, its lines and
    their join are not all held at once (100,000 layers: 40 MB of text)."""
    st = Style(color)
    lines: list[str] = []
    if report.layers:
        title = f'Model: "{report.model}"' if report.model else "Model: (unnamed)"
        lines.append(st(_BOLD, f"{title}  ({report.path or 'dict'})"))
        lines += _table(rows(report), not sequential_like(report))
        counted = "" if report.layout == "keras" else \
            f" ({LAYOUT_NAMES.get(report.layout, report.layout)}'s count)"
        lines.append(f"Total params{counted}: {with_memory(report.total_params)}")
        lines.append(f" Trainable params: {with_memory(report.trainable_params)}")
        lines.append(f" Non-trainable params: {with_memory(report.non_trainable_params)}")
        # A layer's explanation joined at once: a line a string was the largest part of
        # the memory a model of 100,000 layers takes (a dozen lines each).
        if explain and report.layout != "keras":
            for layer in report.layers.values():
                said = _explain_layout(layer, report.layer_layouts.get(layer.name), st)
                if said:
                    lines.append("\n".join(said))
        elif explain:
            written: dict = {}
            for layer in report.layers.values():
                said = _explain(layer, st, written)
                if said:
                    lines.append("\n".join(said))
    if report.diagnostics:
        if lines:  # a file with no table starts with its findings, not a blank line
            lines.append("")
        lines += [diagnostic_line(d, report.path, st) for d in report.diagnostics]
    return lines


def _cell(text: str, width: int, right: bool = False) -> str:
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.rjust(width) if right else text.ljust(width)


def with_memory(n) -> str:
    """A count as Keras's summary prints it: ``1,219,584 (4.65 MB)``, float32 weights
    (Keras's readable_memory_size); a symbolic or unknown count has no size."""
    if not isinstance(n, int):
        return fmt_count(n)
    size = n * 4.0
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{n:,} ({size:.2f} {unit})"
        size /= 1024
    return f"{n:,} ({size:.2f} PB)"


def sequential_like(report: Report) -> bool:
    """Keras's summary adds a "Connected to" column unless the model is a chain: one
    input, each layer called once on one tensor, no tensor used twice."""
    inputs = [n for n, layer in report.layers.items() if layer.type == "InputLayer"]
    sources = [e.source for e in report.edges if e.arg != "output"]
    targets = [e.target for e in report.edges if e.arg != "output"]
    outputs = [e for e in report.edges if e.arg == "output"]
    return len(inputs) <= 1 and len(outputs) <= 1 and len(set(sources)) == len(sources) and \
        len(set(targets)) == len(targets) and not any(layer.calls for layer in report.layers.values())


def connections(report: Report) -> dict[str, str]:
    """Each layer's inbound tensors, as Keras writes them: ``enc[0][1], tgt[0][0]``
    (layer, call, output); ``-`` for an input."""
    out: dict[str, list[str]] = {}
    for e in report.edges:
        if e.arg == "output":
            continue
        name, _, call = e.source.rpartition("@") if "@" in e.source else (e.source, "", "0")
        target = e.target.rpartition("@")[0] if "@" in e.target else e.target
        out.setdefault(target, []).append(f"{name}[{call or 0}][{e.index or 0}]")
    return {layer: ", ".join(c) for layer, c in out.items()}


@record
class Row:
    """One row of the summary table before it is laid out, so the text and HTML tables
    show the same rows and numbers: a layer, or a shared layer's later call."""

    label: str  # ``bilstm (Bidirectional)``, or ``bilstm@1 (call 2)`` for a later call
    shapes: tuple[str, ...]  # its output shapes, or ``(failed)``/``(skipped)`` when unknown
    params: str | None = None  # None on a later call: its weights are the layer's
    connected: str | None = None  # Keras's "Connected to", when the model is not a chain
    call: int = 0  # 0 for the layer's row, k for its k-th later call


def rows(report: Report) -> list[Row]:
    connected = None if sequential_like(report) else connections(report)
    out = []
    for layer in report.layers.values():
        shapes = (f"({layer.status})",) if layer.output_shapes is None else \
            tuple(fmt_shape(s) for s in layer.output_shapes)
        out.append(Row(f"{layer.name} ({layer.class_name})", shapes,
                       "?" if layer.params is None else fmt_count(layer.params),
                       None if connected is None else connected.get(layer.name, "-")))
        for k, (_, outs) in enumerate(layer.calls, start=1):
            again = ("(failed)",) if outs is None else tuple(fmt_shape(s) for s in outs)
            out.append(Row(f"{layer.name}@{k} (call {k + 1})", again, call=k))
    return out


def _table(table: Iterable[Row], connected: bool) -> list[str]:
    a, b, c = _COLS
    d = _CONNECTED if connected else 0
    rule = "─" * (a + b + c + 2 + (d + 1 if d else 0))
    head = f"{_cell('Layer (type)', a)} {_cell('Output Shape', b)} {_cell('Param #', c, True)}"
    out = [rule, head + (f" {'Connected to'}" if d else ""), rule]
    for row in table:
        if row.call:
            out.append(f"{_cell(f'  {row.label}', a)} {row.shapes[0]}".rstrip())
        else:
            line = f"{_cell(row.label, a)} {_cell(row.shapes[0], b)} {_cell(row.params or '', c, True)}"
            out.append(line + (f" {row.connected}" if row.connected is not None else ""))
        out += [f"{'':{a}} {more}" for more in row.shapes[1:]]
    out.append(rule)
    return out


@functools.lru_cache(maxsize=4096)
def _wrapped(text: str, width: int, first: str, rest: str) -> tuple[str, ...]:
    # Large models repeat the same sentences layer after layer; wrapping is the cost.
    # textwrap is imported at the first sentence: the hook's quiet runs print none.
    import textwrap

    return tuple(textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest))


def _wrap(text: str, indent: int) -> list[str]:
    return list(_wrapped(text, WIDTH, " " * indent, " " * (indent + 2))) or [""]


def _explain(layer: LayerReport, st: Style, written: dict | None = None) -> list[str]:
    """``written``: the axes already explained in this report, by identity (the engine
    shares equal axes between layers), with their shape's and count's text."""
    if not layer.weights and not layer.why:
        return []
    shapes = " + ".join(fmt_shape(s) for s in layer.output_shapes or ())
    out = ["", st(_BOLD, f"{layer.name} ({layer.class_name}) -> {shapes}")]
    for why in layer.why:
        out += _wrap(why, 2)
    written = {} if written is None else written
    for w in layer.weights:
        got = written.get(id(w.axes))
        if got is None:  # the axes kept too: their id is no other's while they are in there
            got = written[id(w.axes)] = (fmt_shape(w.shape), fmt_count(w.count), _axes_lines(w.axes), w.axes)
        frozen = "" if w.trainable else ", non-trainable"
        out.append(f"  {w.path}  {got[0]}  {got[1]} params{frozen}")
        out += got[2]
    return out


def _axes_lines(axes: tuple) -> list[str]:
    out = []
    for axis in axes:
        head = f"{fmt(axis.size)} = {axis.formula}"
        pad = max(len(head), 16)
        body = list(_wrapped(axis.why, WIDTH - 6 - pad, "", "")) or [""]
        out.append(f"    {head:>{pad}}  {body[0]}")
        out += [f"    {'':{pad}}  {more}" for more in body[1:]]
    return out


def explanation(layer: LayerReport) -> list[str]:
    """The lines the text format prints under the table for one layer (its shapes'
    reasons, each weight axis by axis), without colour: the editor's hover shows them."""
    return _explain(layer, Style(False))[1:]  # without the blank line that separates layers


def _explain_layout(layer: LayerReport, lay, st: Style) -> list[str]:
    """A layer as another framework holds it: the module, each array with its shape,
    count, gate order and the transform from Keras's arrays, and the notes."""
    if lay is None or lay.module is None:
        return []
    from ..layouts import source_names  # only with --layout: not on every run's start-up path

    out = ["", st(_BOLD, f"{layer.name} ({layer.class_name}) -> {lay.module}")]
    # A transform names its Keras weights by their shortest tail (``bias``); where the
    # layer has two of that name (a Bidirectional's forward and backward), say which.
    paths: dict[str, set[str]] = {}
    for w in lay.weights:
        for short, path in zip(source_names(w.sources), w.sources):
            paths.setdefault(short, set()).add(path)
    gates = None
    for w in lay.weights:
        if w.gate_order and w.gate_order != gates:  # said once while it stays the same
            gates = w.gate_order
            out += _wrap(f"gates {gates}", 2)
        kind = "params" if w.is_parameter else "values, a buffer"
        out.append(f"  {w.name}  {fmt_shape(w.shape)}  {fmt_count(w.count)} {kind}")
        which = [path.removeprefix(f"{layer.name}/")
                 for short, path in zip(source_names(w.sources), w.sources) if len(paths[short]) > 1]
        out += _wrap(f"= {w.transform}" + (f"  ({', '.join(which)})" if which else ""), 6)
    for note in lay.notes:
        out += _wrap(note, 2)
    return out


def diagnostic_line(d: Diagnostic, path: str | None, st: Style | None = None) -> str:
    st = st or Style(False)
    colour = _RED if d.severity is Severity.ERROR else _YELLOW
    return d.line(path, st(colour, d.code))


def summary(reports: list[Report]) -> str:
    errors = sum(len(r.errors) for r in reports)
    warnings = sum(1 for r in reports for d in r.diagnostics if d.severity is Severity.WARNING)
    bad = sum(1 for r in reports if r.errors or (not errors and r.diagnostics))
    return summary_counts(errors, warnings, bad, len(reports))


def summary_counts(errors: int, warnings: int, bad: int, n: int) -> str:
    """The summary line, from the counts (``bad``: files with errors, or with any
    finding when none has errors)."""
    if not errors and not warnings:
        return f"ok: {n} file{'s' * (n != 1)} checked, no findings"
    parts = [f"{errors} error{'s' * (errors != 1)}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return f"{', '.join(parts)} in {bad} of {n} file{'s' * (n != 1)}"
