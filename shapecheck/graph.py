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


def build(spec: ModelSpec) -> tuple[Graph, list[Diagnostic]]:
    found: list[Diagnostic] = []
    g = nx.DiGraph()
    for i, inp in enumerate(spec.inputs):
        g.add_node(inp.name, kind="input", item=inp, pos=i)
    for i, layer in enumerate(spec.layers, start=len(spec.inputs)):
        name = layer.name
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
        if layer.name != name or g.nodes[name]["item"] is not layer:
            continue
        for arg, refs in (("inputs", layer.inputs), *((k, v) for k, v in layer.call_args.items())):
            for pos, ref in enumerate(refs):
                if ref.name not in g:
                    found.append(_unknown_ref(ref, g, layer.name))
                    continue
                if not g.has_edge(ref.name, name):
                    g.add_edge(ref.name, name, tensors=[])
                g.edges[ref.name, name]["tensors"].append((ref.index, arg, pos))

    bad: set[str] = set()
    for comp in nx.strongly_connected_components(g):
        if len(comp) > 1 or any(g.has_edge(n, n) for n in comp):
            names = sorted(comp, key=lambda n: g.nodes[n]["pos"])
            first = g.nodes[names[0]]["item"]
            found.append(make("SC202", "these layers feed each other in a cycle: "
                              + " -> ".join(names + [names[0]]), first.config.location, names[0],
                              hint="a model is acyclic: check the `inputs:` of these layers"))
            bad |= comp
    dag = g.subgraph(n for n in g if n not in bad)
    order = tuple(nx.lexicographical_topological_sort(dag, key=lambda n: g.nodes[n]["pos"]))

    used: set[str] = set()
    for ref in spec.outputs:
        if ref.name not in g:
            found.append(_unknown_ref(ref, g, None))
        elif ref.name not in used:
            used.add(ref.name)
            used |= nx.ancestors(g, ref.name)
    for name in order:
        if name not in used and g.nodes[name]["kind"] == "layer" and spec.outputs:
            layer = g.nodes[name]["item"]
            found.append(make("SC205", f"layer {name!r} does not feed any model output",
                              layer.config.location, name,
                              hint="add it to `outputs:`, feed it to a later layer, or remove it"))
    return Graph(g, order, frozenset(used)), found


def _unknown_ref(ref: Ref, g: nx.DiGraph, layer: str | None) -> Diagnostic:
    guess = did_you_mean(ref.name, list(g))
    return make("SC201", f"{ref} names no layer or input", ref.location, layer,
                hint=f"did you mean {guess!r}?" if guess else
                f"known names: {', '.join(list(g)[:8])}")


__all__ = ["Graph", "build"]
