"""The model as a picture: Graphviz DOT and Mermaid flowcharts of the layer graph,
each arrow labelled with the shapes it carries (symbolic where symbolic), each box
with the layer's type, parameter count and weight shapes; a layer with an error is
red, one left unchecked because of an earlier error is grey and dashed.

Both are built from the same ``Node`` list, so they cannot say different things.
"""

from __future__ import annotations

from ..diagnostics import CATALOGUE, Severity
from ..dims import fmt_count, fmt_shape
from ..records import record
from ..report import Edge, LayerReport, Report

# Past this many weights a box lists the first few and says how many more.
MAX_WEIGHT_LINES = 6
RED, GREY = "#c62828", "#9e9e9e"


@record
class Node:
    id: str  # the graph node: a layer, an input, or ``name@c`` for a later call
    title: str  # "bilstm: Bidirectional"
    lines: tuple[str, ...]  # params, weight shapes, or what went wrong
    state: str  # "ok", "error", "skipped", or "output" (a model output, not a layer)


def nodes(report: Report) -> list[Node]:
    """One box per model input and per layer call, in the report's order; a shared
    layer's later calls come after the layers, each naming its call."""
    erring: dict[str, list[str]] = {}  # layer -> its errors' codes and titles
    for d in report.diagnostics:
        if d.severity is Severity.ERROR and d.layer:
            known = CATALOGUE.get(d.code)
            erring.setdefault(d.layer, []).append(f"{d.code}: {known.title}" if known else d.code)
    out = [_node(layer, erring.get(layer.name, [])) for layer in report.layers.values()]
    seen = set(report.layers)
    for edge in report.edges:
        for node_id in (edge.source, edge.target):
            if node_id in seen:
                continue
            seen.add(node_id)
            if edge.arg == "output" and node_id == edge.target:  # the model's output: its shape on the arrow
                out.append(Node(node_id, node_id.strip("()"), (), "output"))
                continue
            name, _, call = node_id.rpartition("@")
            base = report.layers.get(name)
            if base is None:
                out.append(Node(node_id, node_id, (), "skipped"))
                continue
            k = int(call) if call.isdigit() else 0
            done = 0 < k <= len(base.calls) and base.calls[k - 1][1] is not None
            out.append(Node(node_id, f"{node_id}: {base.type}", (f"call {k + 1} of {name}, its weights",),
                            "ok" if done else "error" if name in erring else "skipped"))
    return out


def _node(layer: LayerReport, errors: list[str]) -> Node:
    title = f"{layer.name}: {layer.type}"
    if layer.type == "InputLayer":
        shapes = layer.output_shapes or ()
        return Node(layer.name, title, (*(fmt_shape(s) for s in shapes), *errors),
                    "ok" if layer.status == "ok" and not errors else "error")
    if layer.output_shapes is None:
        if layer.status == "failed" or errors:
            return Node(layer.name, title, tuple(errors) or ("not analysed",), "error")
        return Node(layer.name, title, ("not checked: an input is unknown",), "skipped")
    lines = [f"params: {fmt_count(layer.params)}"]
    rel = [(w.path.split("/", 1)[-1], w.shape) for w in layer.weights]
    lines += [f"{path} {fmt_shape(shape)}" for path, shape in rel[:MAX_WEIGHT_LINES]]
    if len(rel) > MAX_WEIGHT_LINES:
        lines.append(f"... {len(rel) - MAX_WEIGHT_LINES} more weights")
    return Node(layer.name, title, (*lines, *errors), "error" if errors else "ok")


def edge_label(edge: Edge) -> str:
    """The shapes an arrow carries, with which output it is (``[1]``) when the source
    has several, and the call argument it feeds when not the main input."""
    shapes = "?" if edge.shapes is None else ", ".join(fmt_shape(s) for s in edge.shapes)
    if edge.index is not None:
        shapes = f"[{edge.index}] {shapes}"
    return shapes if edge.arg in ("inputs", "output") else f"{edge.arg}: {shapes}"


# --- Graphviz DOT -----------------------------------------------------------------

def _dot_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(report: Report) -> str:
    title = report.model or report.path or "model"
    out = [f"digraph {_dot_str(title)} {{",
           "  rankdir=TB;",
           '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", '
           "fontsize=11];",
           '  edge [fontname="Helvetica", fontsize=10];']
    for node in nodes(report):
        label = "\\n".join(_dot_str(t)[1:-1] for t in (node.title, *node.lines))
        attrs = [f'label="{label}"']
        if node.state == "error":
            attrs += [f'color="{RED}"', f'fontcolor="{RED}"', 'fillcolor="#ffebee"', "penwidth=2"]
        elif node.state == "skipped":
            attrs += [f'color="{GREY}"', f'fontcolor="{GREY}"', 'style="rounded,dashed"']
        elif node.state == "output":
            attrs += ["shape=ellipse", 'style="filled"', 'fillcolor="#f5f5f5"']
        out.append(f"  {_dot_str(node.id)} [{', '.join(attrs)}];")
    for edge in report.edges:
        attrs = [f"label={_dot_str(' ' + edge_label(edge) + ' ')}"]
        if edge.shapes is None:
            attrs.append(f'color="{GREY}", fontcolor="{GREY}", style=dashed')
        out.append(f"  {_dot_str(edge.source)} -> {_dot_str(edge.target)} [{', '.join(attrs)}];")
    out.append("}")
    return "\n".join(out) + "\n"


# --- Mermaid ----------------------------------------------------------------------

def _mermaid_text(text: str) -> str:
    """Text inside a quoted Mermaid label: its own quote and markup characters as
    entity codes, which Mermaid decodes."""
    for ch, code in (("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"),
                     ("|", "#124;"), ("`", "#96;")):
        text = text.replace(ch, code)
    return text


def to_mermaid(report: Report) -> str:
    ids: dict[str, str] = {}
    out = ["flowchart TD"]
    for k, node in enumerate(nodes(report)):
        ids[node.id] = f"n{k}"
        label = "<br/>".join([f"<b>{_mermaid_text(node.title)}</b>",
                              *(_mermaid_text(t) for t in node.lines)])
        out.append(f'  n{k}(["{label}"])' if node.state == "output" else f'  n{k}["{label}"]')
        if node.state not in ("ok", "output"):
            out.append(f"  class n{k} {node.state}")
    for edge in report.edges:
        style = "-.->" if edge.shapes is None else "-->"
        out.append(f'  {ids[edge.source]} {style}|"{_mermaid_text(edge_label(edge))}"| {ids[edge.target]}')
    out.append(f"  classDef error stroke:{RED},stroke-width:2px,color:{RED}")
    out.append(f"  classDef skipped stroke:{GREY},stroke-dasharray:4 3,color:{GREY}")
    return "\n".join(out) + "\n"
