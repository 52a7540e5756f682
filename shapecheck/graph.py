"""The layer graph: one node per model input and per layer call, an edge from each
producer to each call that takes one of its tensors (which tensor, and for which
argument, the call's references say: ``LayerSpec.inputs`` and ``call_args``).

Dangling references, duplicate names and cycles become diagnostics; the nodes they
touch are left out of the order, so analysis goes on for the rest.

The graph is plain dicts, sorted with Kahn's algorithm in linear time; networkx is
imported only when that sort finds a cycle, to name the layers in it.
"""

from __future__ import annotations

from collections.abc import Iterator

from .diagnostics import Diagnostic, did_you_mean, make
from .records import record
from .spec import LayerSpec, ModelSpec, Ref

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class _Node:
    """A node's attributes (``node.kind``), readable as networkx's dicts too
    (``node["kind"]``), in slots: a model of 100,000 layers has as many nodes, and a dict
    each was a fifth of the memory an analysis takes while it runs."""

    __slots__ = ("kind", "item", "pos")

    def __init__(self, kind: str, item: Any, pos: int) -> None:
        self.kind, self.item, self.pos = kind, item, pos

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def items(self) -> Iterator[tuple[str, Any]]:
        return ((k, getattr(self, k)) for k in self.__slots__)


class LayerGraph:
    """A directed graph with the read API of a networkx ``DiGraph`` that the engine
    uses: ``g.nodes[name]`` (the node's attributes ``kind``, ``item``, ``pos``), ``name in g``,
    iteration and ``len`` in insertion order, ``has_edge``, ``predecessors`` and
    ``successors``. ``to_networkx()`` gives the real one. An edge is its two ends, in
    ``succ`` and ``pred``, and no object of its own: which tensors it carries is in the
    layers' references (a model of 100,000 layers: an edge object each was a tenth of
    the memory its analysis takes)."""

    __slots__ = ("nodes", "succ", "pred")

    def __init__(self) -> None:
        self.nodes: dict[str, _Node] = {}
        self.succ: dict[str, list[str]] = {}
        self.pred: dict[str, list[str]] = {}

    def add_node(self, name: str, kind: str, item: Any, pos: int) -> None:
        self.nodes[name] = _Node(kind, item, pos)
        self.succ[name] = []
        self.pred[name] = []

    def add_edge(self, u: str, v: str) -> None:
        """The edge from ``u`` to ``v``, once (the caller knows it is new)."""
        self.succ[u].append(v)
        self.pred[v].append(u)

    def has_edge(self, u: str, v: str) -> bool:
        return v in self.succ.get(u, ())

    def successors(self, name: str) -> Iterator[str]:
        return iter(self.succ[name])

    def predecessors(self, name: str) -> Iterator[str]:
        return iter(self.pred[name])

    def __contains__(self, name: object) -> bool:
        return name in self.nodes

    def __iter__(self) -> Iterator[str]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    def to_networkx(self):
        import networkx as nx

        g = nx.DiGraph()
        for name, attrs in self.nodes.items():
            g.add_node(name, **dict(attrs.items()))
        g.add_edges_from((u, v) for u, vs in self.succ.items() for v in vs)
        return g


@record
class Graph:
    g: LayerGraph
    order: tuple[str, ...]  # topological, spec order where free
    used: frozenset[str]  # nodes some model output depends on


# tf.keras 2's layers for a functional model's add_loss and add_metric: the model keeps
# them for what they record, not for an output.
KEPT_BY_THE_MODEL = frozenset({"AddLoss", "AddMetric"})

# Each "did you mean" compares a name with every other; a file of thousands of bad
# references gets suggestions for the first few only, so the cost stays linear.
MAX_SUGGESTIONS = 20
MAX_SUGGEST_AMONG = 20_000


def build(spec: ModelSpec) -> tuple[Graph, list[Diagnostic]]:
    found: list[Diagnostic] = []
    budget = [MAX_SUGGESTIONS]
    g = LayerGraph()
    for i, inp in enumerate(spec.inputs):
        g.add_node(inp.name, kind="input", item=inp, pos=i)
    for i, layer in enumerate(spec.layers, start=len(spec.inputs)):
        name = layer.node
        if name in g:
            kind = g.nodes[name].kind
            first = g.nodes[name].item
            line = (first.location if kind == "input" else first.config.location).line
            found.append(make("SC203", f"the name {name!r} is already used by the {kind} at "
                              f"line {line}", layer.config.location, name,
                              hint="give this layer another `name:`"))
            continue
        g.add_node(name, kind="layer", item=layer, pos=i)

    linked: set[tuple[str, str]] = set()  # while building only
    for name, data in list(g.nodes.items()):
        if data.kind != "layer":
            continue
        layer: LayerSpec = data.item
        for refs in (layer.inputs, *layer.call_args.values()):
            for ref in refs:
                source = ref.node
                if source not in g:
                    found.append(_unknown_ref(ref, g, layer.name, budget))
                    continue
                if (source, name) not in linked:  # a layer may take one tensor twice (x + x)
                    linked.add((source, name))
                    g.add_edge(source, name)

    order = _sorted(g)
    if order is None:
        order = _cycles(g, found)

    used: set[str] = set()
    for ref in spec.outputs:
        if ref.node not in g:
            found.append(_unknown_ref(ref, g, None, budget))
        elif ref.node not in used:
            used.add(ref.node)
            _add_ancestors(g, ref.node, used)
    # A shared layer is used when any of its calls is.
    used_layers = {g.nodes[n].item.name for n in used if g.nodes[n].kind == "layer"}
    nodes = g.nodes
    unused = [n for n in order if (x := nodes[n]).kind == "layer" and x.item.name not in used_layers]
    kept = [n for n in unused if nodes[n].item.config.type in KEPT_BY_THE_MODEL]
    if kept:  # a loss or a metric the model keeps is used, and what it is computed from
        used.update(kept)
        for n in kept:
            _add_ancestors(g, n, used)
        used_layers = {nodes[n].item.name for n in used if nodes[n].kind == "layer"}
    for name in unused:
        node = nodes[name]
        if node.item.call == 0 and node.item.name not in used_layers and spec.outputs:
            layer = node.item
            found.append(make("SC205", f"layer {name!r} does not feed any model output",
                              layer.where, layer.name,
                              hint="add it to `outputs:`, feed it to a later layer, or remove it"))
    return Graph(g, order, frozenset(used)), found


def _sorted(g: LayerGraph, among: set[str] | None = None) -> tuple[str, ...] | None:
    """The nodes (of ``among``, default all) in topological order, the one earliest in
    the spec first whenever several are free (networkx's lexicographical topological
    sort keyed by position); None if they hold a cycle."""
    if among is None and _in_spec_order(g):
        return tuple(g.nodes)
    import heapq  # here: most files are written in order, and never come this far

    pos = {n: d.pos for n, d in g.nodes.items() if among is None or n in among}
    waiting = {n: sum(1 for p in g.pred[n] if p in pos) for n in pos}
    free = [(pos[n], n) for n, k in waiting.items() if k == 0]
    heapq.heapify(free)
    order = []
    while free:
        _, n = heapq.heappop(free)
        order.append(n)
        for m in g.succ[n]:
            if m in waiting:
                waiting[m] -= 1
                if waiting[m] == 0:
                    heapq.heappush(free, (pos[m], m))
    return tuple(order) if len(order) == len(pos) else None


def _in_spec_order(g: LayerGraph) -> bool:
    """Whether every node comes after its inputs, in the order the nodes were added
    (their positions'). Then that order is the sort's, since the earliest node left is
    always free, and it costs no heap (the log factor, in time and memory, of a spec's
    hundred thousand layers): how almost every file is written."""
    nodes, pred = g.nodes, g.pred
    last = -1
    for n, d in nodes.items():
        if d.pos < last:
            return False
        last = d.pos
        for p in pred[n]:
            if nodes[p].pos >= d.pos:
                return False
    return True


def _cycles(g: LayerGraph, found: list[Diagnostic]) -> tuple[str, ...]:
    """Report each cycle (networkx names its strongly connected components) and sort
    the rest."""
    import networkx as nx

    nxg = g.to_networkx()
    bad: set[str] = set()
    for comp in nx.strongly_connected_components(nxg):
        if len(comp) > 1 or any(nxg.has_edge(n, n) for n in comp):
            names = sorted(comp, key=lambda n: g.nodes[n].pos)
            first = g.nodes[names[0]].item
            found.append(make("SC202", "these layers feed each other in a cycle: "
                              + " -> ".join(names + [names[0]]), first.where, first.name,
                              hint="a model is acyclic: check the `inputs:` of these layers"))
            bad |= comp
    order = _sorted(g, {n for n in g if n not in bad})
    assert order is not None  # every cycle is in a reported component
    return order


def _add_ancestors(g: LayerGraph, node: str, seen: set[str]) -> None:
    """Every node with a path to ``node``, added to ``seen`` (nodes already there are
    not walked again)."""
    todo = [p for p in g.pred[node] if p not in seen]
    seen.update(todo)
    while todo:
        n = todo.pop()
        for p in g.pred[n]:
            if p not in seen:
                seen.add(p)
                todo.append(p)


def _unknown_ref(ref: Ref, g: LayerGraph, layer: str | None, budget: list[int]) -> Diagnostic:
    guess = None
    if budget[0] > 0 and len(ref.name) <= 200 and len(g) <= MAX_SUGGEST_AMONG:
        budget[0] -= 1
        guess = did_you_mean(ref.name, list(g))
    return make("SC201", f"{ref} names no layer or input", ref.location, layer,
                hint=f"did you mean {guess!r}?" if guess else
                f"known names: {', '.join(list(g)[:8])}")


__all__ = ["Graph", "LayerGraph", "build"]
