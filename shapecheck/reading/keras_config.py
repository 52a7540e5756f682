"""Keras model configs, read into the spec form so one reader and one engine serve all.

Handles Keras 3 (``model.to_json()``, ``serialize_keras_object``), Keras 2 / tf.keras
(``inbound_nodes: [[["input_1", 0, 0, {}]]]``, ``batch_input_shape``) and TF.js
``model.json`` (``modelTopology``). A config is data: class and module names are only
compared with Keras's own, never imported, and nothing in it is called.

The spec form built here keeps the file's locations: each layer entry points at the
layer's object in the JSON, each argument at its value.
"""

from __future__ import annotations

import re

from ..diagnostics import Diagnostic, Location, make
from ..rules.keras_names import KERAS_LAYERS
from .keras_legacy import CONV_INHERITED, LEGACY_ARGS, LEGACY_CLASSES, LEGACY_LAYERS, addons_class
from .keras_nodes import (
    MODEL_CLASSES,
    Records,
    flat_node,
    hashable,
    history_list,
    keras2_tensors,
    keras3_tensors,
    node_offsets,
)
from .located import LocDict, LocList, value_where, where
from .spec_reader import CALL_ARGS, CALL_VALUES, NESTED_ARGS, NESTED_LISTS  # the spec form's own names

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_KERAS_MODULES = ("keras", "tf_keras", "tensorflow")
# In a config's JSON text, what ``foreign_objects`` could flag: a module outside Keras,
# a serialized lambda or function, or an escape that could spell either (each looked for
# on its own: as one regex's alternatives, 4x slower). A text with none is not walked.
_FOREIGN_MODULE = re.compile(r'"module"\s*:\s*"(?!' + "|".join(_KERAS_MODULES) + ")")
# tf.keras's layers for TensorFlow functions called on symbolic tensors.
TF_OP_LAYERS = ("TFOpLambda", "SlicingOpLambda", "TensorFlowOpLayer")
_SPECIAL_ARGS = frozenset((*LEGACY_ARGS, "time_major", *NESTED_ARGS, *NESTED_LISTS))
# Call arguments that are the layer's input tensors, in the order of its call's signature:
# ``mha(query=q, value=v, key=k)`` and ``mha(q, key=k, value=v)`` read as ``mha(q, v, k)``.
INPUT_KWARGS = ("inputs", "query", "value", "key")


def _loc(node: Any, default: Location) -> Location:
    return where(node, default=default)


def looks_like_keras(data: Any) -> str | None:
    """``keras-json``, ``keras2-json`` or ``tfjs`` if ``data`` is such a config."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("modelTopology"), dict):
        return "tfjs"
    if data.get("class_name") in MODEL_CLASSES and isinstance(data.get("config"), (dict, list)):
        return "keras2-json" if _is_keras2(data) else "keras-json"
    return None


def dialect_of(data: dict, kind: str) -> str:
    """Which Keras wrote a config ``looks_like_keras`` recognised as ``kind``: "keras3",
    "keras2" (Keras 1-2 and tf.keras) or "tfjs" (TensorFlow.js layers, itself written in
    Keras 2's style: its own names, activations and defaults)."""
    if kind == "tfjs":
        topology = data.get("modelTopology") or {}
        inner = topology.get("model_config", topology)
        if not (isinstance(inner, dict) and _is_keras2(inner)):
            return "keras3"  # a Keras 3 config wrapped for TF.js
        version = str(topology.get("keras_version", data.get("generatedBy", "")))
        return "tfjs" if "tfjs" in version.lower() or "tensorflow.js" in version.lower() else "keras2"
    return "keras2" if kind == "keras2-json" else "keras3"


def _is_keras2(model: dict) -> bool:
    version = str(model.get("keras_version", ""))
    if version.startswith(("1.", "2.")):
        return True
    config = model.get("config")
    layers = config if isinstance(config, list) else (config or {}).get("layers") or []
    for layer in layers if isinstance(layers, list) else ():
        if not isinstance(layer, dict):
            continue
        nodes = layer.get("inbound_nodes")
        if nodes and isinstance(nodes, list) and isinstance(nodes[0], list):
            return True
        if isinstance(layer.get("config"), dict) and "batch_input_shape" in layer["config"]:
            return True
    return False


class _Converter:
    def __init__(self, path: str | None, fmt: str, text: str | None = None) -> None:
        # (a backslash first: one byte, found at memory speed; "\\u" is searched by its "u")
        self.may_name_code = text is None or "\\" in text and "\\u" in text or '"__lambda__"' in text \
            or '"function"' in text or _FOREIGN_MODULE.search(text) is not None
        self.offsets: dict[str, int] = {}
        self.recorded = Records({}, {})
        self.keras1: bool | None = None
        self.model_counts: dict[str, int] = {}
        self.path = path
        self.fmt = fmt
        self.found: list[Diagnostic] = []
        self.top = Location(path, 1, 1)

    def auto_name(self, cls: str) -> str:
        """The name Keras gives a model the file leaves unnamed (``sequential``,
        ``sequential_1``... in the order Keras creates them: the outer model first)."""
        from ..rules.keras_names import snake_case

        base = snake_case(cls)
        n = self.model_counts.get(base, 0)
        self.model_counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def err(self, code: str, message: str, loc: Location, layer: str | None = None,
            hint: str | None = None) -> None:
        self.found.append(make(code, message, loc, layer, hint))

    # -- the model ---------------------------------------------------------------
    def model(self, model: dict) -> LocDict | None:
        if self.keras1 is None:  # the outer model says which Keras wrote the file
            from .keras1 import is_keras1

            self.keras1 = is_keras1(model)
        cls = model.get("class_name")
        config = model.get("config")
        if cls == "Sequential" or isinstance(config, list):
            return self.sequential(model)
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            self.err("SC102", f"a {cls} config without `config.layers`", _loc(model, self.top))
            return None
        return self.functional(model)

    def _spec(self, model: dict, name: Any) -> LocDict:
        spec = LocDict()
        spec.loc = _loc(model, self.top)
        spec.key_locs, spec.value_locs = {}, {}
        spec["model"] = name
        return spec

    def functional(self, model: dict) -> LocDict:
        # A nested model is converted in the middle of its parent: its offsets and
        # recorded shapes are its own, and the parent's come back after it.
        outer = self.offsets, self.recorded
        try:
            return self._functional(model)
        finally:
            self.offsets, self.recorded = outer

    def _functional(self, model: dict) -> LocDict:
        config = model["config"]
        self.offsets = node_offsets(config)
        self.recorded = Records(config, self.offsets)
        spec = self._spec(model, config.get("name"))
        inputs, layers = _located_dict(config, "input_layers"), _located_list(config, "layers")
        calls: dict[str, int] = {}
        for obj in config["layers"]:
            if not isinstance(obj, dict):
                continue
            cls = obj.get("class_name")
            cfg = obj.get("config") if isinstance(obj.get("config"), dict) else {}
            name = hashable(cfg.get("name") or obj.get("name"))
            if cls == "InputLayer":
                inputs[name] = self.input_shape(cfg, obj)
                inputs.key_locs[name] = _loc(obj, self.top)
                continue
            entry = self.layer(obj)
            if entry is None:
                continue
            nodes = obj.get("inbound_nodes") or []
            if not isinstance(nodes, list):
                self.err("SC104", f"layer {name!r}: `inbound_nodes` is not a list", _loc(obj, self.top), name)
                nodes = []
            if not nodes:
                layers.append(entry)
                layers.item_locs.append(entry.loc)
                continue
            kind = str(entry.get("type", ""))
            first = "equation" if kind.endswith(".einsum") else "x"  # a constant first argument's name
            for k, node in enumerate(nodes):
                if kind.startswith("tf.") and not isinstance(node, dict):
                    refs, kwargs, values = self.tf_op_refs(node, first)
                else:
                    refs, kwargs, values = self.node_refs(node)
                    if kind.startswith("ops.") and isinstance(node, dict):
                        values.update(_op_constants(entry["type"], node))
                if len(refs) > 1 and not isinstance(node, dict) and _recurrent(entry):
                    # Keras 2 serializes `rnn(x, initial_state=[h, c])` as inputs [x, h, c].
                    refs, kwargs = refs[:1], {**kwargs, "initial_state": refs[1:]}
                target = entry if k == 0 else self._reuse(entry, name)
                self.recorded.attach(target, name, k, entry.get("type"))
                target["inputs"] = refs
                target.value_locs["inputs"] = _loc(node, entry.loc)
                for key, value in kwargs.items():
                    target[key] = value
                    target.value_locs[key] = _loc(node, entry.loc)
                if k == 0:  # a spec's later calls (reuse:) cannot give other values
                    for key, value in values.items():
                        entry[key] = value
                        entry.value_locs[key] = _loc(node, entry.loc)
                layers.append(target)
                layers.item_locs.append(entry.loc)
            calls[name] = len(nodes)
        spec["inputs"] = inputs
        spec["layers"] = layers
        outs = config.get("output_layers")
        if outs:
            spec["outputs"] = [self.ref(r) for r in history_list(outs)]
            spec.value_locs["outputs"] = value_where(config, "output_layers")
        return spec

    def _reuse(self, entry: LocDict, name: str) -> LocDict:
        again = LocDict()
        again.loc, again.key_locs, again.value_locs = entry.loc, {}, {}
        again["reuse"] = name
        return again

    def sequential(self, model: dict) -> LocDict | None:
        config = model.get("config")
        objs = config if isinstance(config, list) else \
            config.get("layers") if isinstance(config, dict) else None
        if not isinstance(objs, list):
            self.err("SC102", "a Sequential config without layers", _loc(model, self.top))
            return None
        name = None if isinstance(config, list) else config.get("name")
        if not isinstance(name, str) or not name:
            name = self.auto_name("Sequential")  # Keras 2.0 and tfjs-layers keep no name
        spec = self._spec(model, name)
        inputs, layers = LocDict(), LocList()
        inputs.loc = layers.loc = _loc(model, self.top)
        inputs.key_locs, inputs.value_locs, layers.item_locs = {}, {}, []
        for i, obj in enumerate(objs):
            if not isinstance(obj, dict):
                continue
            cfg = obj.get("config") if isinstance(obj.get("config"), dict) else {}
            if obj.get("class_name") == "InputLayer":
                if not inputs:
                    inputs[hashable(cfg.get("name", "input_layer"))] = self.input_shape(cfg, obj)
                continue
            if i == 0 and not inputs and ("batch_input_shape" in cfg or "batch_shape" in cfg):
                # Keras 2: the input shape is on the first layer, and the InputLayer Keras
                # makes for it is named after that layer (tf.keras and tfjs-layers alike).
                first = cfg.get("name")
                name = f"{first}_input" if isinstance(first, str) and first else "input_layer"
                inputs[name] = self.input_shape(cfg, obj)
            entry = self.layer(obj)
            if i == 0 and not inputs and entry is not None and isinstance(entry.get("graph"), dict):
                # A model first: Keras makes an InputLayer of the model's input shape, named
                # after the model, as for any first layer.
                for value in (entry["graph"].get("inputs") or {}).values():
                    inputs[f"{entry['name']}_input"] = value
                    break
            if entry is not None:
                layers.append(entry)
                layers.item_locs.append(entry.loc)
        if not inputs:
            build = model.get("build_config") or {}
            shape = build.get("input_shape") if isinstance(build, dict) else None
            if shape is None:
                self.err("SC104", "this Sequential model was saved before it was built: its config "
                         "has no input shape", _loc(model, self.top),
                         hint="build it (model.build(input_shape) or an Input first) and save again")
                return None
            inputs["input_layer"] = {"shape": shape}
        spec["inputs"] = inputs
        spec["layers"] = layers
        return spec

    def input_shape(self, cfg: dict, obj: dict) -> Any:
        shape = cfg.get("batch_shape", cfg.get("batch_input_shape"))
        if shape is None and cfg.get("shape") is not None:  # Keras 3 InputLayer(shape=...)
            shape = [cfg.get("batch_size"), *cfg["shape"]]
        if shape is None:
            self.err("SC104", f"InputLayer {cfg.get('name')!r} has no batch_shape",
                     _loc(obj, self.top))
        return {"shape": shape, "dtype": _dtype(cfg.get("dtype"))}

    # -- layers ------------------------------------------------------------------
    def layer(self, obj: dict) -> LocDict | None:
        """One layer object as a spec entry; None (with a finding) for what cannot be
        read: custom classes, nested models."""
        cls = obj.get("class_name")
        cfg = obj.get("config") if isinstance(obj.get("config"), dict) else LocDict()
        loc = _loc(obj, self.top)
        name = cfg.get("name") or obj.get("name")
        if name is None and cls in MODEL_CLASSES:
            name = self.auto_name(cls)  # a nested Sequential of Keras 2.0 or tfjs-layers
        if not isinstance(cls, str) or not isinstance(name, str):
            self.err("SC104", "a layer object needs `class_name` and `config.name`", loc)
            return None
        if cls in MODEL_CLASSES:
            return self.nested_model(obj, name, loc)
        if self.keras1 and isinstance(cls, str):
            from .keras1 import translate

            cls, cfg = translate(cls, dict(cfg))
        cls = LEGACY_CLASSES.get(cls, cls)
        addons = addons_class(obj, cls)
        if addons:
            cls = addons
        if cls in TF_OP_LAYERS:
            return self.tf_op(obj, cls, cfg, name, loc)
        module = obj.get("module")
        if isinstance(module, str) and module.startswith(("keras.src.ops", "keras.ops")) or \
                (module is None and cls not in KERAS_LAYERS and _is_op(cls)):
            cls = f"ops.{cls}"  # an operation node (e.g. the NotEqual of a mask)
            custom = None
        else:
            custom = None if addons else self.custom(obj, cls)
        entry = LocDict()
        entry.loc = loc
        entry.key_locs, entry.value_locs = cfg.locations_copy() if isinstance(cfg, LocDict) else ({}, {})
        entry["name"] = name
        entry["type"] = custom or cls
        if self.may_name_code:
            self.foreign_objects(cfg, name)
        if cls == "Lambda" and any(cfg.get(k) == "lambda" for k in ("function_type", "output_shape_type")):
            # Keras 2 stores a lambda as marshalled bytecode, and its loader runs it.
            self.err("SC111", f"layer {name!r} holds Python bytecode (a Keras 2 lambda); Keras would "
                     "unmarshal and run it when loading this file", _loc(obj, self.top), name,
                     hint="do not load this file with Keras unless you trust its author")
        if custom:
            # Kept as a layer so the graph and its dependants stay whole. Without a
            # declared rule the lookup reports it (SC408); a declared rule reads its
            # plain arguments (numbers, strings, lists of them), never its objects.
            for key, value in cfg.items():
                if key not in ("name", "type", "inputs") and _plain(value):
                    entry[key] = value
            return entry
        inherited = CONV_INHERITED.get(cls) if self.fmt != "keras-json" else None
        for key, value in cfg.items():
            if key not in _SPECIAL_ARGS:  # most of a layer's keys: one lookup each
                if inherited is None or key not in inherited or (key == "groups" and value != 1):
                    entry[key] = value
                continue
            if key in LEGACY_ARGS or (key == "time_major" and value is False):
                continue
            if key in NESTED_ARGS and isinstance(value, dict) and "class_name" in value:
                inner = self.layer(value)
                if inner is None:
                    return None
                entry[key] = inner
                continue
            if key in NESTED_LISTS and isinstance(value, list) and value and \
                    all(isinstance(v, dict) and "class_name" in v for v in value):
                inner_list = [self.layer(v) for v in value]
                if any(v is None for v in inner_list):
                    return None
                entry[key] = inner_list
                continue
            entry[key] = value
        return entry

    def tf_op(self, obj: dict, cls: str, cfg: dict, name: str, loc: Location) -> LocDict:
        """A tf.keras op layer: ``TFOpLambda``/``SlicingOpLambda`` (TF 2.4+) name the
        TensorFlow function they call (``math.reduce_mean``), typed ``tf.math.reduce_mean``;
        its arguments are in the call (``functional`` adds them). ``TensorFlowOpLayer``
        (TF 2.2-2.3) holds a graph NodeDef, typed ``tf.raw.<Op>``."""
        entry = LocDict()
        entry.loc, entry.key_locs, entry.value_locs = loc, {}, {}
        entry["name"] = name
        if cls == "TensorFlowOpLayer":
            node_def = cfg.get("node_def") if isinstance(cfg.get("node_def"), dict) else {}
            entry["type"] = f"tf.raw.{node_def.get('op', '?')}"
        else:
            function = cfg.get("function")
            entry["type"] = f"tf.{function}" if isinstance(function, str) and function else "tf.?"
        return entry

    def nested_model(self, obj: dict, name: str, loc: Location) -> LocDict | None:
        """A model used as a layer: the entry carries its whole graph in spec form."""
        graph = self.model(obj)
        if graph is None:
            return None
        entry = LocDict()
        entry.loc, entry.key_locs, entry.value_locs = loc, {}, {}
        entry["name"] = name
        # Keras loads a functional "Model" config as the class Functional.
        entry["type"] = "Sequential" if obj.get("class_name") == "Sequential" else "Functional"
        entry["graph"] = graph
        return entry

    def foreign_objects(self, value: Any, layer: str, depth: int = 0) -> None:
        """Serialized objects in a layer's arguments (initializers, activations...) that
        name code outside Keras: Keras's loader would import them (CVE-2025-1550);
        shapecheck never does, but the file is not a plain model and says so."""
        if depth > 50:
            return
        if isinstance(value, dict):
            module, cls = value.get("module"), value.get("class_name")
            if isinstance(cls, str) and (
                    isinstance(module, str) and not module.startswith(_KERAS_MODULES)
                    or cls in ("__lambda__", "function") and isinstance(value.get("config"), (dict, str))
                    and not str(module or "").startswith(_KERAS_MODULES)):
                if cls == "__lambda__":
                    said = ("holds a Python lambda as compiled bytecode; Keras would run it when "
                            "loading this file (with safe_mode off)")
                elif cls == "function":
                    said = (f"refers to the Python function {value.get('config')!s:.80} of module "
                            f"{module}, outside Keras; Keras would import and run it when loading this file")
                else:
                    said = (f"refers to {module}.{cls}, outside Keras; Keras would import it when "
                            "loading this file")
                self.err("SC111", f"layer {layer!r} {said}", _loc(value, self.top), layer,
                         hint="do not load this file with Keras unless you trust its author")
                return
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            return
        for v in children:
            if isinstance(v, (dict, list)):  # a config is mostly scalars: no call for each
                self.foreign_objects(v, layer, depth + 1)

    def custom(self, obj: dict, cls: str) -> str | None:
        """A class Keras does not define: reported, never imported."""
        module = obj.get("module")
        registered = obj.get("registered_name")
        foreign = isinstance(module, str) and not module.startswith(_KERAS_MODULES)
        own = isinstance(registered, str) and registered not in (cls, f"keras.layers.{cls}")
        if cls in MODEL_CLASSES:
            return None
        if foreign or own or (cls not in KERAS_LAYERS and cls not in LEGACY_LAYERS):
            if isinstance(module, str) and module:
                return f"{module}.{cls}"  # e.g. keras.src.applications.convnext.LayerScale
            return registered if isinstance(registered, str) and registered else cls
        return None

    # -- references --------------------------------------------------------------
    def ref(self, history: Any) -> str:
        if not isinstance(history, list) or len(history) < 3 or not isinstance(history[0], str):
            return f"<not a tensor reference: {str(history)[:60]}>"  # the spec reader reports it
        name, node, tensor = history[0], history[1], history[2]
        if isinstance(node, int):
            node -= self.offsets.get(name, 0)
        head = name if not node else f"{name}@{node}"
        return f"{head}[{tensor}]"

    def tf_op_refs(self, node: Any, first: str = "x"
                   ) -> tuple[list[str], dict[str, list[str]], dict[str, Any]]:
        """A tf.keras op layer's call, ``[[x, 0, 0, {"axis": 1, "y": [b, 0, 0]}], ...]``:
        the tensors it takes (positional, then those passed by keyword, as ``x + b``'s
        ``y``) and its constant arguments (``axis``, ``shape``, ``slice_spec``...), which
        become the entry's arguments."""
        refs: list[str] = []
        constants: dict[str, Any] = {}
        items = [i for i in flat_node(node) if isinstance(i, list) and len(i) >= 3 and isinstance(i[0], str)]
        for n, item in enumerate(items):
            if item[0] == "_CONSTANT_VALUE" and item[1] == -1:
                # a constant first argument (``1 + t``, ``-0.5 * t``; tf.einsum's equation): tf.keras
                # records its value where a tensor would be; TensorFlow names it x (``first``)
                constants[first] = item[2]
            else:
                refs.append(self.ref(item))
            extra = item[3] if len(item) > 3 and isinstance(item[3], dict) else {}
            for key, value in extra.items():
                if key == "name":
                    continue
                tensors = keras2_tensors(value)
                if tensors:
                    refs += [self.ref(h) for h in tensors]
                elif n == 0:
                    constants[key] = value
        return refs, {}, constants

    def node_refs(self, node: Any) -> tuple[list[str], dict[str, list[str]], dict[str, Any]]:
        """The tensors one call consumes: positional (with the inputs passed by keyword,
        INPUT_KWARGS, after them in the call's order), by keyword (initial_state...), and
        the CALL_VALUES given."""
        values: dict[str, Any] = {}
        if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
            refs = [self.ref(h) for h in keras3_tensors(node.get("args"))]
            given = node.get("kwargs") if isinstance(node.get("kwargs"), dict) else {}
            for key in INPUT_KWARGS if given else ():
                refs += [self.ref(h) for h in keras3_tensors(given.get(key))]
            kwargs = {}
            for key, value in given.items():
                tensors = [self.ref(h) for h in keras3_tensors(value)]
                if tensors and key in CALL_ARGS:
                    kwargs[key] = tensors
                if key in CALL_VALUES and isinstance(value, bool):
                    values[key] = value
            return refs, kwargs, values
        refs, kwargs, named = [], {}, {}
        node = flat_node(node)
        for item in node if isinstance(node, list) else ():  # Keras 2: [[name, node, tensor, kw]]
            if isinstance(item, list) and len(item) >= 3 and isinstance(item[0], str):
                refs.append(self.ref(item))
                extra = item[3] if len(item) > 3 and isinstance(item[3], dict) else {}
                for key in CALL_ARGS:
                    tensors = [self.ref(h) for h in keras2_tensors(extra.get(key))]
                    if tensors:
                        kwargs[key] = tensors
                for key in INPUT_KWARGS:  # tf.keras: mha(q, value=v) is [["q", 0, 0, {"value": ...}]]
                    tensors = [self.ref(h) for h in keras2_tensors(extra.get(key))]
                    if tensors:
                        named.setdefault(key, tensors)
                for key in CALL_VALUES:
                    if isinstance(extra.get(key), bool):
                        values[key] = extra[key]
        for key in INPUT_KWARGS:
            refs += named.get(key, [])
        return refs, kwargs, values


def _op_constants(type_name: str, node: dict) -> dict[str, Any]:
    """A Keras 3 op's constant operands (``x[:, -1]``'s key, ``x + 1.0``'s 1.0), named by
    the op rule's call parameters; tensors are its inputs."""
    from ..rules.registry import REGISTRY

    rule = REGISTRY.get(type_name)
    names = rule.positional if rule is not None else ()
    args = node.get("args") if isinstance(node.get("args"), list) else []
    out = {}
    for name, arg in zip(names, args):
        if not keras3_tensors(arg):
            out[name] = arg
    return out


def _is_op(cls: str) -> bool:
    """Legacy .h5 configs drop the module: an operation is known by its class alone."""
    from ..rules.registry import REGISTRY, lookup

    lookup("Dense")  # make sure every rule family is registered
    return f"ops.{cls}" in REGISTRY


def _recurrent(entry: LocDict) -> bool:
    from ..rules.recurrent import CELLS

    return entry.get("type") in CELLS or entry.get("type") == "Bidirectional"


def _dtype(value: Any) -> str:
    if isinstance(value, dict):  # Keras 3 DTypePolicy
        value = (value.get("config") or {}).get("name")
    return str(value or "float32")


def _located_dict(parent: Any, key: str) -> LocDict:
    out = LocDict()
    out.loc = where(parent, key, default=Location())
    out.key_locs, out.value_locs = {}, {}
    return out


def _located_list(parent: Any, key: str) -> LocList:
    out = LocList()
    out.loc = where(parent, key, default=Location())
    out.item_locs = []
    return out


def to_spec(data: dict, path: str | None, fmt: str) -> tuple[LocDict | None, list[Diagnostic]]:
    """A Keras/TF.js config (``looks_like_keras(data) == fmt``) in spec form."""
    from .located_json import source_text

    conv = _Converter(path, fmt, source_text(data))
    model = data
    if fmt == "tfjs":
        topology = data["modelTopology"]
        if "node" in topology:
            conv.err("SC102", "a TensorFlow.js graph model (modelTopology.node): it has no layers "
                     "to check, only ops", _loc(topology, conv.top),
                     hint="convert the Keras model as a layers model (tfjs_layers_model)")
            return None, conv.found
        model = topology.get("model_config", topology)
        if not isinstance(model, dict) or model.get("class_name") not in MODEL_CLASSES:
            conv.err("SC102", "modelTopology holds no Keras model config", _loc(topology, conv.top))
            return None, conv.found
    spec = conv.model(model)
    if conv.keras1:
        version = model.get("keras_version")
        which = f" (keras_version {version})" if version else ""
        conv.found.append(make("SC116", f"a Keras 1 config{which}: "
                               "its arguments are read as Keras 2's legacy interfaces read them "
                               "(nb_filter as filters, border_mode as padding, dim_ordering 'th' as "
                               "channels_first, output_dim as units, Merge as the merge layer of its "
                               "mode...)", conv.top,
                               hint="no installed Keras reads Keras 1 files; re-save the model with "
                               "Keras 2 or 3 to be sure of its meaning"))
    return spec, conv.found


def _plain(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return len(value) <= 64 and all(_plain(v) and not isinstance(v, (list, tuple)) for v in value)
    return value is None or isinstance(value, (bool, int, float, str))
