"""What a Python file builds when Keras runs it, as data: layer objects (created once,
called any number of times), the tensors their calls make, and the models that gather
them; then each model in the spec form the spec reader takes, every entry located at the
line of the Python call that made it.

Names are Keras's auto-names, given in creation order across the file as a fresh Keras
process gives them: ``dense``, ``dense_1``...; Keras 3 names inputs ``input_layer``,
``input_layer_1`` and functional models ``functional``, tf.keras 2 ``input_1`` and ``model``.
"""

from __future__ import annotations

from ...diagnostics import Location
from ...records import field, record, replace
from ...rules.keras_names import snake_case
from ..located import LocDict, LocList

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Namer:
    """Keras's per-name counters (``backend.get_uid``): the first ``dense`` is ``dense``,
    then ``dense_1``... A name given explicitly does not count."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.counts: dict[str, int] = {}

    def __call__(self, base: str, start_at_one: bool = False) -> str:
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        if start_at_one:  # tf.keras's input_1, input_2
            return f"{base}_{n + 1}"
        return base if n == 0 else f"{base}_{n}"

    def layer(self, cls: str) -> str:
        return self(snake_case(cls))

    def uid(self, prefix: str) -> int:
        """``backend.get_uid(prefix)``: the same counters, from 1."""
        self.counts[prefix] = self.counts.get(prefix, 0) + 1
        return self.counts[prefix]

    def input(self) -> str:
        return self("input", start_at_one=True) if self.dialect == "keras2" else self("input_layer")

    def model(self, cls: str) -> str:
        if cls == "Sequential":
            return self("sequential")
        return self("model") if self.dialect == "keras2" else self("functional")


@record(mutable=True)
class Layer:
    """A Keras layer object: its class, constructor arguments and name; each call adds a
    graph node (``name``, then ``name@1``...)."""

    cls: str
    args: dict[str, Any]
    name: str
    loc: Location
    nested: dict[str, Layer] = field(default_factory=dict)
    calls: int = 0
    # A Lambda's code, by argument (function, output_shape, arguments): what the reader
    # may follow, without running it, for the output shape Keras would infer.
    code: dict[str, Any] = field(default_factory=dict)
    model: Model | None = None  # the model a model-as-layer stands for

    @property
    def subclass_followed(self) -> bool:
        """A Layer subclass of the file whose code the reader follows at its first call
        (layer_subclasses), which a Lambda's function is not."""
        return self.cls != "Lambda" and "function" in self.code


@record(mutable=True)
class Node:
    """One call of a layer (or an input, or an op): what the spec's entry is made of."""

    id: str  # the graph node: a layer's name, name@k for its later calls
    layer: Layer | None  # None for an input
    inputs: list[Tensor]
    kwargs: dict[str, list[Tensor]]
    values: dict[str, Any]  # call arguments with plain values (return_attention_scores...)
    loc: Location
    order: int
    shape: tuple | None = None  # an input's batch shape
    dtype: str = "float32"
    # a constant tensor a followed layer's call() makes (a list of numbers given to a
    # layer, ``ops.arange(maxlen)``): an input of its nested graph that no caller feeds
    constant: bool = False


@record(mutable=True)
class Tensor:
    """Output ``index`` of a node (None: the node's only output, as Keras hands it)."""

    node: Node
    index: int | None = None

    def ref(self) -> str:
        return self.node.id if self.index is None else f"{self.node.id}[{self.index}]"


@record(mutable=True)
class Model:
    """``keras.Model(inputs, outputs)`` or a Sequential (layers added in order)."""

    cls: str  # Functional, Sequential or Subclassed (a Model subclass of the file)
    name: str
    loc: Location
    inputs: list[Tensor] = field(default_factory=list)
    outputs: list[Tensor] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)  # a Sequential's; a Subclassed one's layer
    input_shape: tuple | None = None  # a Sequential's, from input_shape=, an Input or build()
    input_name: str | None = None
    input_dtype: str = "float32"
    input_keys: tuple | None = None  # a functional model given its inputs as a dict: their keys, in order
    class_name: str | None = None  # a functional model made by a Model subclass of the file: the class
    calls: int = 0
    abandoned: bool = False  # something added could not be followed (and was said)
    # made inside a Layer subclass the reader follows (its __init__ or call()): a sublayer,
    # built when that layer is, and not reported as never built when the layer is not
    sublayer: bool = False
    # The Python name the file knows it by, when the code gives it no name= (Keras then
    # calls it functional_1...): the variable it is bound to, or the builder making it.
    variable: str | None = None
    named: bool = False  # name= given
    # tf.keras 2's add_loss / add_metric of a tensor: the AddLoss (AddMetric) layer's
    # output, which the model keeps besides its outputs, with the layers it needs.
    kept: list[Tensor] = field(default_factory=list)
    # a Model subclass of the file: the graph of its sublayers that its first call made
    # (layer_subclasses), as the spec's model
    spec: Any = None

    @property
    def label(self) -> str:
        return self.name


class Graph:
    """Everything one file builds, in creation order."""

    def __init__(self, path: str | None, dialect: str) -> None:
        self.path = path
        self.names = Namer(dialect)
        self.dialect = dialect
        self.nodes: list[Node] = []
        self.models: list[Model] = []

    def node(
        self,
        layer: Layer | None,
        inputs: list[Tensor],
        loc: Location,
        kwargs: dict[str, list[Tensor]] | None = None,
        values: dict[str, Any] | None = None,
    ) -> Node:
        if layer is None:
            raise ValueError("an input node is made by input()")
        node_id = layer.name if layer.calls == 0 else f"{layer.name}@{layer.calls}"
        layer.calls += 1
        node = Node(
            node_id, layer, list(inputs), dict(kwargs or {}), dict(values or {}), loc, len(self.nodes)
        )
        self.nodes.append(node)
        return node

    def input(self, shape: tuple, name: str | None, dtype: str, loc: Location, constant: bool = False
              ) -> Tensor:
        node = Node(name or self.names.input(), None, [], {}, {}, loc, len(self.nodes), tuple(shape), dtype,
                    constant)
        self.nodes.append(node)
        return Tensor(node)


# --- the spec form --------------------------------------------------------------------


def flat_tensors(value: Any, depth: int = 0) -> list[Tensor] | None:
    """The tensors of a nested structure of them (lists and tuples: a call() returning
    ``x, [skip1, skip2]``), in Keras's flattening order; None for anything else."""
    if isinstance(value, Tensor):
        return [value]
    if not isinstance(value, (list, tuple)) or not value or depth > 8:
        return None
    out: list[Tensor] = []
    for item in value:
        inner = flat_tensors(item, depth + 1)
        if inner is None:
            return None
        out += inner
    return out


def nested_like(template: Any, tensors: Any) -> Any:
    """``tensors`` (an iterator) put back in the nesting of ``template``, which
    ``flat_tensors`` flattened."""
    if isinstance(template, (list, tuple)):
        items = [nested_like(t, tensors) for t in template]
        return tuple(items) if isinstance(template, tuple) else items
    return next(tensors)


def _located(loc: Location) -> LocDict:
    d = LocDict()
    d.loc, d.key_locs, d.value_locs = loc, {}, {}
    return d


def _shape_list(shape: tuple) -> list:
    return [None if d is None else d for d in shape]


def layer_entry(layer: Layer, loc: Location) -> LocDict:
    entry = _located(loc)
    entry["name"] = layer.name
    entry["type"] = layer.cls
    for key, value in layer.args.items():
        entry[key] = value
    for key, inner in layer.nested.items():
        entry[key] = layer_entry(inner, inner.loc)
    return entry


def ancestors(outputs: list[Tensor]) -> list[Node]:
    """The nodes the outputs depend on, in creation order."""
    seen: dict[int, Node] = {}
    todo = [t.node for t in outputs]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        todo += [t.node for t in node.inputs]
        todo += [t.node for ts in node.kwargs.values() for t in ts]
    return sorted(seen.values(), key=lambda n: n.order)


def cut(out: Tensor, known: dict) -> Tensor:
    """``out`` in a copy of its graph where each tensor whose shape is known already (an
    earlier ``x.shape``: ``known`` maps (id of its node, index) to (the tensor, its shape))
    is an input of that shape, so that the engine runs only the layers after it: a model
    that reads ``x.shape`` in every block is analysed once, not once a block. Only a layer's
    output of sizes that are numbers or None is cut; ``out`` itself when nothing is."""
    def stop(t: Tensor) -> bool:
        hit = known.get((id(t.node), t.index))
        return hit is not None and t.node.layer is not None and all(d is None or d.__class__ is int
                                                                    for d in hit[1])

    seen: dict[int, Node] = {}
    todo, cuts = [out.node], 0
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        for t in (*node.inputs, *(t for ts in node.kwargs.values() for t in ts)):
            if stop(t):
                cuts += 1
            else:
                todo.append(t.node)
    if not cuts:
        return out
    clones: dict[int, Node] = {}
    fed: dict[tuple, Node] = {}

    def sub(t: Tensor) -> Tensor:
        if not stop(t):
            return Tensor(clones[id(t.node)], t.index)
        key = (id(t.node), t.index)
        if key not in fed:
            fed[key] = Node(f"__known_{len(fed)}", None, [], {}, {}, t.node.loc, t.node.order,
                            known[key][1])
        return Tensor(fed[key])

    for node in sorted(seen.values(), key=lambda n: n.order):
        clones[id(node)] = replace(node, inputs=[sub(t) for t in node.inputs],
                                   kwargs={k: [sub(t) for t in ts] for k, ts in node.kwargs.items()})
    return Tensor(clones[id(out.node)], out.index)


def own_layers(model: Model) -> list[Layer]:
    """The layer objects of the model's calls, in order (a layer called twice twice), its
    kept losses' included; a Sequential's as added."""
    if model.cls == "Sequential":
        return list(model.layers)
    return [n.layer for n in ancestors(model.outputs + model.kept) if n.layer is not None]


def model_layers(model: Model) -> list[Layer]:
    """``model.layers``: each layer once, by name (a Sequential's as added)."""
    if model.cls == "Sequential":
        return list(model.layers)
    seen: dict[str, Layer] = {}
    for layer in own_layers(model):
        seen.setdefault(layer.name, layer)
    return list(seen.values())


def held_layers(model: Model) -> dict[int, Layer]:
    """Every layer object the model holds, by id: its own, and those of the models it
    calls as layers, at any depth."""
    held: dict[int, Layer] = {}
    todo = [model]
    while todo:
        for layer in own_layers(todo.pop()):
            if id(layer) not in held:
                held[id(layer)] = layer
                if layer.model is not None:
                    todo.append(layer.model)
    return held


def functional_spec(model: Model) -> LocDict:
    """A functional model's spec: its inputs and the layer calls its outputs depend on.
    A layer called in several models appears in each under its name, the first of its
    calls there the layer itself and the others ``reuse:`` of it (Keras's model.layers
    holds the layer object once per model)."""
    spec = _located(model.loc)
    spec["model"] = model.name
    inputs = _located(model.loc)
    layers = LocList()
    layers.loc, layers.item_locs = model.loc, []
    local: dict[int, str] = {}  # node -> its id in this spec
    calls: dict[str, int] = {}  # layer name -> its calls in this spec so far

    def ref(t: Tensor) -> str:
        head = local.get(id(t.node), t.node.id)
        return head if t.index is None else f"{head}[{t.index}]"

    nodes = ancestors(model.outputs + model.kept)
    # a layer that a model called here as a layer holds too: its weights are counted there
    holders = {id(layer): node.layer.name for node in nodes if node.layer is not None and node.layer.model
               for layer in held_layers(node.layer.model).values()}
    shares = _shared(nodes)
    for node in nodes:
        if node.layer is None:
            inputs[node.id] = {"shape": _shape_list(node.shape or ()), "dtype": node.dtype}
            if node.constant:
                inputs[node.id]["constant"] = True
            inputs.key_locs[node.id] = node.loc
            local[id(node)] = node.id
            continue
        name = node.layer.name
        k = calls.get(name, 0)
        calls[name] = k + 1
        local[id(node)] = name if k == 0 else f"{name}@{k}"
        if k == 0:
            entry = layer_entry(node.layer, node.loc)
            entry.update(node.values)
            if id(node.layer) in holders:
                entry["inside"] = holders[id(node.layer)]
            if name in shares and shares[name]:
                entry["shares"] = shares[name]
        else:
            entry = _located(node.loc)
            entry["reuse"] = name
        entry["inputs"] = [ref(t) for t in node.inputs]
        for key, tensors in node.kwargs.items():
            entry[key] = [ref(t) for t in tensors]
        layers.append(entry)
        layers.item_locs.append(node.loc)
    spec["inputs"] = inputs
    spec["layers"] = layers
    spec["outputs"] = [ref(t) for t in model.outputs]
    return spec


def _shared(nodes: list[Node]) -> dict[str, dict[str, str]]:
    """For each model called here as a layer, the layers of its own that a model called
    before it holds too (two encoders sharing an embedding): {their name: that model}.
    Keras counts such a layer's weights once; a model called as a layer is the same one
    at every call."""
    first: dict[tuple, str] = {}
    shares: dict[str, dict[str, str]] = {}
    for node in nodes:
        outer = node.layer
        if outer is None or outer.model is None or outer.name in shares:
            continue
        mine = shares[outer.name] = {}
        for inner in own_layers(outer.model):
            key = ("model", id(inner.model)) if inner.model is not None else ("layer", id(inner))
            host = first.setdefault(key, outer.name)
            if host != outer.name:
                mine[inner.name] = host
    return shares


def sequential_spec(model: Model) -> LocDict | None:
    """A Sequential: its input (an Input, ``input_shape=`` on the first layer, or
    ``build()``) and its layers in order; None when it was never given an input shape."""
    if model.input_shape is None:
        return None
    spec = _located(model.loc)
    spec["model"] = model.name
    inputs = _located(model.loc)
    name = model.input_name or "input_layer"
    inputs[name] = {"shape": _shape_list(model.input_shape), "dtype": model.input_dtype}
    inputs.key_locs[name] = model.loc
    layers = LocList()
    layers.loc, layers.item_locs = model.loc, []
    for layer in model.layers:
        layers.append(layer_entry(layer, layer.loc))
        layers.item_locs.append(layer.loc)
    spec["inputs"] = inputs
    spec["layers"] = layers
    return spec
