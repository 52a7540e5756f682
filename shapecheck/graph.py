"""The layer graph: one node per model input and per layer call, an edge for every
tensor passed, labelled with the output index taken and the argument it feeds.

Dangling references, duplicate names and cycles become diagnostics; the nodes they
touch are left out of the order, so analysis goes on for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from .diagnostics import Diagnostic, did_you_mean, make
from .reading.spec import LayerSpec, ModelSpec, Ref


@dataclass(frozen=True, slots=True)
class Graph:
    g: nx.DiGraph
    order: tuple[str, ...]  # topological, spec order where free
    used: frozenset[str]  # nodes some model output depends on


# Each "did you mean" compares a name with every other; a file of thousands of bad
# references gets suggestions for the first few only, so the cost stays linear.
MAX_SUGGESTIONS = 20
MAX_SUGGEST_AMONG = 20_000


def build(spec: ModelSpec) -> tuple[Graph, list[Diagnostic]]:
    found: list[Diagnostic] = []
    budget = [MAX_SUGGESTIONS]
    g = nx.DiGraph()
    for i, inp in enumerate(spec.inputs):
        g.add_node(inp.name, kind="input", item=inp, pos=i)
    for i, layer in enumerate(spec.layers, start=len(spec.inputs)):
        name = layer.node
        if name in g:
            kind = g.nodes[name]["kind"]
            first = g.nodes[name]["item"]
            line = (first.location if kind == "input" else first.config.location).line
            found.append(make("SC203", f"the name {name!r} is already used by the {kind} at "
                              f"line {line}", layer.config.location, name,
                              hint="give this layer another `name:`"))
            continue
        g.add_node(name, kind="layer", item=layer, pos=i)

    for name, data in list(g.nodes(data=True)):
        if data["kind"] != "layer":
            continue
        layer: LayerSpec = data["item"]
        for arg, refs in (("inputs", layer.inputs), *((k, v) for k, v in layer.call_args.items())):
            for pos, ref in enumerate(refs):
                if ref.node not in g:
                    found.append(_unknown_ref(ref, g, layer.name, budget))
                    continue
                if not g.has_edge(ref.node, name):
                    g.add_edge(ref.node, name, tensors=[])
                g.edges[ref.node, name]["tensors"].append((ref.index, arg, pos))

    bad: set[str] = set()
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1 or any(g.has_edge(n, n) for n in comp):
            names = sorted(comp, key=lambda n: g.nodes[n]["pos"])
            first = g.nodes[names[0]]["item"]
            found.append(make("SC202", "these layers feed each other in a cycle: "
                              + " -> ".join(names + [names[0]]), first.where, first.name,
                              hint="a model is acyclic: check the `inputs:` of these layers"))
            bad |= comp
    dag = g.subgraph(n for n in g if n not in bad)
    order = tuple(nx.lexicographical_topological_sort(dag, key=lambda n: g.nodes[n]["pos"]))

    used: set[str] = set()
    for ref in spec.outputs:
        if ref.node not in g:
            found.append(_unknown_ref(ref, g, None, budget))
        elif ref.node not in used:
            used.add(ref.node)
            used |= nx.ancestors(g, ref.node)
    # A shared layer is used when any of its calls is.
    used_layers = {g.nodes[n]["item"].name for n in used if g.nodes[n]["kind"] == "layer"}
    for name in order:
        node = g.nodes[name]
        if node["kind"] == "layer" and node["item"].call == 0 and \
                node["item"].name not in used_layers and spec.outputs:
            layer = node["item"]
            found.append(make("SC205", f"layer {name!r} does not feed any model output",
                              layer.where, layer.name,
                              hint="add it to `outputs:`, feed it to a later layer, or remove it"))
    return Graph(g, order, frozenset(used)), found


def _unknown_ref(ref: Ref, g: nx.DiGraph, layer: str | None, budget: list[int]) -> Diagnostic:
    guess = None
    if budget[0] > 0 and len(ref.name) <= 200 and len(g) <= MAX_SUGGEST_AMONG:
        budget[0] -= 1
        guess = did_you_mean(ref.name, list(g))
    return make("SC201", f"{ref} names no layer or input", ref.location, layer,
                hint=f"did you mean {guess!r}?" if guess else
                f"known names: {', '.join(list(g)[:8])}")


__all__ = ["Graph", "build"]
