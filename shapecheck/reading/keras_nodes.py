"""The tensors of a Keras config's graph: each layer's ``inbound_nodes`` name the tensors a
call takes by history (``[layer, node, tensor]``), in Keras 3's form (``__keras_tensor__``
objects, which also record each tensor's shape) or Keras 2's (nested lists, with a
tf.keras TFOpLambda's call as one bare history); the shapes a config records; and
whether a config is a subclassed model's (no graph at all)."""

from __future__ import annotations

from ..rules.keras_names import KERAS_LAYERS
from ..rules.registry import CODE_LAYERS, REGISTRY  # families load on a lookup, not here

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MODEL_CLASSES = ("Functional", "Sequential", "Model")


def node_offsets(config: dict) -> dict[str, int]:
    """tf.keras 2 counts a nested model's own construction as its node 0 but does not
    serialize it, so references to the model's calls are one higher than the position
    of the call in its ``inbound_nodes``. Found where a reference points past the end."""
    counts = {}
    for obj in config.get("layers") or ():
        if isinstance(obj, dict) and obj.get("class_name") in MODEL_CLASSES:
            cfg = obj.get("config") if isinstance(obj.get("config"), dict) else {}
            nodes = obj.get("inbound_nodes")
            name = hashable(cfg.get("name") or obj.get("name"))
            counts[name] = len(nodes) if isinstance(nodes, list) else 0
    if not counts:
        return {}
    offsets: dict[str, int] = {}
    histories = keras2_tensors([obj.get("inbound_nodes") for obj in config.get("layers") or ()
                                 if isinstance(obj, dict)])
    histories += history_list(config.get("output_layers"))
    for h in histories:
        if h[0] in counts and isinstance(h[1], int) and h[1] >= counts[h[0]]:
            offsets[h[0]] = 1
    return offsets


def keras3_tensors(value: Any) -> list[list]:
    """The ``keras_history`` of every ``__keras_tensor__`` in a Keras 3 call's argument,
    in order (a layer's every call has its arguments searched: one list for all)."""
    out: list[list] = []
    if isinstance(value, (dict, list)):
        _add_tensors(value, out)
    return out


def _add_tensors(value: dict | list, out: list[list]) -> None:
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            config = value.get("config")
            history = config.get("keras_history") if isinstance(config, dict) else None
            if isinstance(history, list) and len(history) >= 3:
                out.append(history)
            return
        value = value.values()
    for v in value:
        if isinstance(v, (dict, list)):  # an argument is mostly scalars: no call for each
            _add_tensors(v, out)


def keras3_tensor_objects(value: Any, depth: int = 0) -> list[dict]:
    """The ``config`` of every ``__keras_tensor__`` in a Keras 3 node, in order."""
    out: list[dict] = []
    if depth > 32:
        return out
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            config = value.get("config")
            history = config.get("keras_history") if isinstance(config, dict) else None
            if isinstance(history, list) and len(history) >= 3:
                out.append(config)
        else:
            for v in value.values():
                out += keras3_tensor_objects(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            out += keras3_tensor_objects(v, depth + 1)
    return out


def flat_node(node: Any) -> Any:
    """tf.keras writes a TFOpLambda's call as one bare history, ``["x", 0, 0, {...}]``,
    where other layers have a list of them."""
    if isinstance(node, list) and len(node) >= 3 and isinstance(node[0], str) and isinstance(node[1], int):
        return [node]
    return node


def is_size(d: Any) -> bool:
    return isinstance(d, int) and not isinstance(d, bool) and d >= 0


def keras2_tensors(value: Any) -> list[list]:
    if isinstance(value, list) and len(value) >= 3 and isinstance(value[0], str) \
            and isinstance(value[1], int):
        return [value]
    if isinstance(value, list):
        return [h for v in value for h in keras2_tensors(v)]
    return []


def history_list(value: Any, depth: int = 0) -> list[list]:
    """``[name, node, tensor]`` or a list of them (Keras 3 writes a single one bare), or
    nested lists of them (an RNN's stacked states as model outputs), flattened in order."""
    if isinstance(value, list) and value and isinstance(value[0], str):
        return [value]
    out: list[list] = []
    for v in value if isinstance(value, list) and depth < 32 else ():
        if isinstance(v, list):
            out += history_list(v, depth + 1)
    return out


def hashable(name: Any) -> Any:
    """A name as a dict key: a list or mapping where a name is due becomes its text (the
    spec reader then reports a name that is not a string)."""
    try:
        hash(name)
    except TypeError:
        return str(name)[:80]
    return name


def by_call(recorded: dict[tuple[Any, int, int], tuple[list, str]]
            ) -> dict[tuple[Any, int], dict[int, tuple[list, str]]]:
    """``recorded_shapes`` by (layer, call), then output index: a converter looks them up
    per layer call (a scan of every record per layer was quadratic)."""
    out: dict[tuple[Any, int], dict[int, tuple[list, str]]] = {}
    for (name, call, index), rec in recorded.items():
        out.setdefault((name, call), {})[index] = rec
    return out


def recorded_shapes(config: dict, offsets: dict[str, int]) -> dict[tuple[Any, int, int], tuple[list, str]]:
    """Every tensor shape the config records, by (layer, call, output index), with
    the layer that records it: Keras 3 writes each input tensor's shape in its
    consumer's ``inbound_nodes``; tf.keras 2.13+ a layer's input shape in its
    ``build_config`` (for its first call)."""
    out: dict[tuple[Any, int, int], tuple[list, str]] = {}

    def put(history: list, shape: Any, consumer: Any) -> None:
        if not isinstance(shape, list) or not all(d is None or is_size(d) for d in shape):
            return
        name, node, index = history[0], history[1], history[2]
        # A name that is not a string is a broken reference, which the spec reader reports.
        if isinstance(name, str) and isinstance(node, int) and isinstance(index, int):
            node -= offsets.get(name, 0)
            out.setdefault((name, node, index), (shape, str(consumer)))

    for obj in config.get("layers") or ():
        if not isinstance(obj, dict) or not isinstance(obj.get("inbound_nodes"), list):
            continue
        cfg = obj.get("config") if isinstance(obj.get("config"), dict) else {}
        consumer = cfg.get("name") or obj.get("name")
        for node in obj["inbound_nodes"]:
            if isinstance(node, dict):
                for tensor in keras3_tensor_objects(node):
                    put(tensor["keras_history"], tensor.get("shape"), consumer)
        build = obj.get("build_config")
        shape = build.get("input_shape") if isinstance(build, dict) else None
        first = obj["inbound_nodes"][0] if obj["inbound_nodes"] else None
        if shape is None or first is None or isinstance(first, dict):
            continue
        histories = keras2_tensors(flat_node(first))
        if len(histories) == 1:
            put(histories[0], shape, consumer)
        elif isinstance(shape, list) and len(shape) == len(histories):
            for history, one in zip(histories, shape):
                put(history, one, consumer)
    return out


# The most outputs a layer's recorded shapes are read for: a layer has a few (an RNN
# with its states), and a hostile file's output index 10**9 would make a list that long.
_MAX_OUTPUTS = 64


class Records:
    """The shapes a config records (``recorded_shapes``), put on the spec entries of the
    layers that may need them: the engine stands them in for a layer without a rule
    (SC411). A layer with a rule never reads them, so its entry goes without, and a config
    whose every layer has a rule is never searched for them (a twentieth of reading the
    keras.applications)."""

    __slots__ = ("config", "offsets", "found")

    def __init__(self, config: dict, offsets: dict[str, int]) -> None:
        self.config, self.offsets = config, offsets
        self.found: dict[tuple[Any, int], dict[int, tuple[list, str]]] | None = None

    def attach(self, target: dict, name: Any, call: int, type_name: Any) -> None:
        """The output shapes recorded for call ``call`` of layer ``name``, on ``target``."""
        if isinstance(type_name, str) and _has_rule(type_name):
            return
        if self.found is None:
            self.found = by_call(recorded_shapes(self.config, self.offsets))
        found = self.found.get((name, call)) if isinstance(name, str) else None
        if not found or max(found) > _MAX_OUTPUTS:
            return
        target["recorded_shapes"] = [found[i][0] if i in found else None for i in range(max(found) + 1)]
        consumers = sorted({rec[1] for rec in found.values()})
        target["recorded_from"] = f"recorded in the file as the input of {', '.join(map(repr, consumers))}"


def _has_rule(type_name: str) -> bool:
    """Whether the engine has a rule for ``type_name`` whatever the model declares (a layer
    that runs code may be declared by its name instead)."""
    return type_name not in CODE_LAYERS and type_name in REGISTRY


def subclassed_class(data: Any) -> str | None:
    """The class of a subclassed ``keras.Model`` (or custom layer) saved by Keras: a
    config with the class's own name and constructor arguments, and no layers."""
    if not isinstance(data, dict) or not isinstance(data.get("class_name"), str):
        return None
    cls, config = data["class_name"], data.get("config")
    if cls in MODEL_CLASSES or cls in KERAS_LAYERS or not isinstance(config, dict) or "layers" in config:
        return None
    if not any(k in data for k in ("build_config", "registered_name", "module")):
        return None
    return cls[:80]
