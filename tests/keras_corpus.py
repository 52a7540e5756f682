"""A corpus of small real Keras models saved in every file format shapecheck reads.

Only the test suite imports this module; shapecheck itself never imports Keras.

    entries = build_corpus(tmp_dir)     # [CorpusEntry, ...] one per (source, model, variant)
    for e in entries:
        rep = shapecheck.analyze(e.path).to_dict()
        problems = compare_entry(rep, e)   # [] when shapecheck agrees with Keras

Every model is built twice from the same builder function: once with Keras 3
(``import keras``, source "k3") and once with tf_keras (Keras 2, source "k2").
``K`` in a builder is the Keras module.  Each model is saved in every *variant*:

  k3-json        ``model.to_json()``                               -> keras-json
  k3-serialized  ``json.dumps(keras.saving.serialize_keras_object(model))`` -> keras-json
  k3-archive     ``model.save("m.keras")``                          -> keras-archive
  k3-tfjs-wrapped / k3-tfjs-direct   TF.js layers-model ``model.json`` around the
                 Keras 3 config (``modelTopology: {"model_config": cfg, ...}`` or
                 ``modelTopology: cfg``)                            -> tfjs
  k2-json        tf_keras ``model.to_json()``                      -> keras2-json
  k2-h5          tf_keras ``model.save("m.h5")``                   -> keras-h5
  k2-tfjs-wrapped  what ``tensorflowjs_converter --input_format keras`` writes:
                 ``modelTopology`` is ``{"keras_version", "backend", "model_config"}``
                 with the h5 file's ``model_config``               -> tfjs
  k2-tfjs-direct   what tfjs-layers' ``model.save()`` writes: ``modelTopology`` is the
                 ``{"class_name", "config", "keras_version", "backend"}`` object -> tfjs

and more variants, real files a user may have (EXTRA_VARIANTS):

  k3-h5          Keras 3 ``model.save("m.h5")`` (legacy h5, Keras 3 style config without
                 ``module`` keys)                                  -> keras-h5
  k2-archive     tf_keras ``model.save("m.keras")`` (a zip whose config.json is
                 Keras 2 style: ``batch_input_shape``, list inbound_nodes) -> keras-archive

Expected facts come from the in-memory model right after building it:
``keras_oracle.keras_facts`` for Keras 3 (with Sequential's InputLayer added and the
``<model name>/`` prefix that Sequential.build gives variable paths removed), and
``tf_keras_facts`` below for tf_keras (weights by position, since tf_keras names
them ``lstm/lstm_cell/kernel:0`` and shapecheck reports Keras 3 paths).
"""

from __future__ import annotations

import base64
import copy
import json
import marshal
import os
import types
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from differential import compare_report  # noqa: E402
from keras_oracle import keras_facts, keras_model_facts  # noqa: E402

#: report.format for each variant
VARIANT_FORMAT = {
    "k3-json": "keras-json",
    "k3-serialized": "keras-json",
    "k3-archive": "keras-archive",
    "k3-tfjs-wrapped": "tfjs",
    "k3-tfjs-direct": "tfjs",
    "k3-h5": "keras-h5",
    "k2-json": "keras2-json",
    "k2-h5": "keras-h5",
    "k2-tfjs-wrapped": "tfjs",
    "k2-tfjs-direct": "tfjs",
    "k2-archive": "keras-archive",
    "k2-yaml": "keras2-yaml",
    "k2-savedmodel": "keras-savedmodel",
}
K3_VARIANTS = ("k3-json", "k3-serialized", "k3-archive", "k3-tfjs-wrapped", "k3-tfjs-direct")
K2_VARIANTS = ("k2-json", "k2-h5", "k2-tfjs-wrapped", "k2-tfjs-direct")
#: Keras 3 legacy .h5 and tf_keras .keras
EXTRA_VARIANTS = ("k3-h5", "k2-archive", "k2-yaml", "k2-savedmodel")
ALL_VARIANTS = K3_VARIANTS + K2_VARIANTS + EXTRA_VARIANTS

TFJS_CONVERTER = "TensorFlow.js Converter v4.22.0"
TFJS_LAYERS = "TensorFlow.js tfjs-layers v4.22.0"


# =========================================================================== models
# Each builder takes the Keras module (keras or tf_keras) and returns a built model.
# Keep them tiny: the corpus is built once per session, in both Keras versions.

def stacked_rnn(K):
    """SimpleRNN -> GRU (reset_after=False) -> LSTM -> Dense, variable time axis."""
    x = K.Input((None, 3), name="x")
    h = K.layers.SimpleRNN(5, return_sequences=True, name="srnn")(x)
    h = K.layers.GRU(4, return_sequences=True, reset_after=False, name="gru_v1")(h)
    h = K.layers.LSTM(6, name="lstm")(h)
    y = K.layers.Dense(2, activation="softmax", name="out")(h)
    return K.Model(x, y, name="stacked_rnn")


def bidir_merge_modes(K):
    """Bidirectional with every merge mode, an explicit backward_layer, and
    return_state (5 outputs); auto-named layers too."""
    x = K.Input((7, 3), name="x")
    outs = []
    for mode in ("concat", "sum", "mul", "ave"):
        outs.append(K.layers.Bidirectional(K.layers.LSTM(4, return_sequences=True),
                                           merge_mode=mode, name=f"bi_{mode}")(x))
    outs += list(K.layers.Bidirectional(K.layers.GRU(3), merge_mode=None, name="bi_none")(x))
    fw = K.layers.SimpleRNN(2, return_sequences=True, name="fw_rnn")
    bw = K.layers.SimpleRNN(2, return_sequences=True, go_backwards=True, name="bw_rnn")
    outs.append(K.layers.Bidirectional(fw, backward_layer=bw, name="bi_explicit")(x))
    outs += list(K.layers.Bidirectional(K.layers.LSTM(2, return_state=True))(x))  # auto-named
    return K.Model(x, outs, name="bidir_merge_modes")


def gru_variants(K):
    """GRU reset_after True/False, plain and inside Bidirectional."""
    x = K.Input((None, 4), name="x")
    a = K.layers.GRU(5, return_sequences=True, reset_after=True, name="gru_v3")(x)
    b = K.layers.GRU(3, return_sequences=True, reset_after=False, name="gru_v1")(a)
    c = K.layers.Bidirectional(K.layers.GRU(2, reset_after=False), name="bigru_v1")(b)
    d = K.layers.Bidirectional(K.layers.GRU(2, reset_after=True, return_sequences=True),
                               name="bigru_v3")(b)
    return K.Model(x, [c, d], name="gru_variants")


def time_distributed(K):
    """TimeDistributed(Dense) before and after an LSTM; the second is auto-named."""
    x = K.Input((6, 5), name="frames")
    h = K.layers.TimeDistributed(K.layers.Dense(4, activation="relu"), name="td_in")(x)
    h = K.layers.LSTM(3, return_sequences=True, name="lstm")(h)
    y = K.layers.TimeDistributed(K.layers.Dense(2, activation="softmax"))(h)
    return K.Model(x, y, name="td_model")


def seq2seq(K):
    """Encoder-decoder: LSTM initial_state=[h, c], GRU initial_state=h (a bare tensor),
    Bidirectional initial_state=[h, c, h, c]; two model inputs."""
    enc_in = K.Input((None, 5), name="enc_in")
    dec_in = K.Input((None, 4), name="dec_in")
    _, h, c = K.layers.LSTM(6, return_state=True, name="encoder")(enc_in)
    dec = K.layers.LSTM(6, return_sequences=True, name="decoder")(dec_in, initial_state=[h, c])
    _, gh = K.layers.GRU(3, return_state=True, name="genc")(enc_in)
    gdec = K.layers.GRU(3, return_sequences=True, name="gdec")(dec_in, initial_state=gh)
    bi = K.layers.Bidirectional(K.layers.LSTM(6, return_sequences=True),
                                name="bidec")(dec_in, initial_state=[h, c, h, c])
    y = K.layers.TimeDistributed(K.layers.Dense(7, activation="softmax"), name="proj")(dec)
    return K.Model([enc_in, dec_in], [y, gdec, bi], name="seq2seq")


def siamese(K):
    """One LSTM shared by two inputs; one Dense shared by three calls whose *second
    and third* calls have other shapes (output_shapes must be the first call's)."""
    left = K.Input((8, 3), name="left")
    right = K.Input((8, 3), name="right")
    shared = K.layers.LSTM(5, name="shared_lstm")
    hl, hr = shared(left), shared(right)
    seq = K.layers.LSTM(5, return_sequences=True, name="seq_lstm")(right)
    head = K.layers.Dense(2, name="head")
    return K.Model([left, right], [head(hl), head(hr), head(seq)], name="siamese")


def multi_output_states(K):
    """return_state outputs of LSTM, GRU and SimpleRNN are all model outputs."""
    x = K.Input((None, 3), name="x")
    seq, h, c = K.layers.LSTM(4, return_sequences=True, return_state=True, name="lstm")(x)
    g, gh = K.layers.GRU(2, return_state=True, name="gru")(seq)
    s, sh = K.layers.SimpleRNN(3, return_sequences=True, return_state=True, name="srnn")(seq)
    return K.Model(x, [seq, h, c, g, gh, s, sh], name="states")


def sequential_input(K):
    """Sequential starting with an Input; auto-named layers."""
    return K.Sequential([
        K.Input((7, 3)),
        K.layers.Masking(0.0),
        K.layers.LSTM(4, return_sequences=True),
        K.layers.Dropout(0.2),
        K.layers.TimeDistributed(K.layers.Dense(2)),
        K.layers.Activation("softmax"),
    ], name="seq_input")


def sequential_built(K):
    """Sequential without an Input, built with model.build((None, 7, 3))."""
    m = K.Sequential([
        K.layers.Bidirectional(K.layers.GRU(4, return_sequences=True)),
        K.layers.SimpleRNN(3),
        K.layers.Dense(2),
    ], name="seq_built")
    m.build((None, 7, 3))
    return m


def embedding_front(K):
    """int tokens -> frozen Embedding(mask_zero) -> Bidirectional LSTM -> Dense ->
    Activation (non-trainable params)."""
    x = K.Input((None,), dtype="int32", name="tokens")
    e = K.layers.Embedding(50, 8, mask_zero=True, trainable=False, name="embed")(x)
    h = K.layers.Bidirectional(K.layers.LSTM(4), name="bilstm")(e)
    h = K.layers.Dropout(0.1)(h)
    h = K.layers.Dense(3, name="logits")(h)
    y = K.layers.Activation("softmax", name="probs")(h)
    return K.Model(x, y, name="embedding_front")


def reshape_flatten_repeat(K):
    """Reshape (with -1), Flatten, RepeatVector around recurrent layers."""
    x = K.Input((12,), name="flat")
    h = K.layers.Reshape((4, 3), name="to_seq")(x)
    h = K.layers.LSTM(5, name="lstm")(h)
    h = K.layers.RepeatVector(3, name="repeat")(h)
    h = K.layers.SimpleRNN(2, return_sequences=True, name="srnn")(h)
    h = K.layers.Flatten(name="flatten")(h)
    h = K.layers.Reshape((-1, 2), name="back")(h)
    y = K.layers.Dense(1, name="out")(h)
    return K.Model(x, y, name="reshape_flatten_repeat")


def explicit_mask(K):
    """A mask passed as a call argument and ``training=True``: Keras 3 writes them in
    the node's ``kwargs``; tf_keras as ``[["x", 0, 0, {"mask": ["m", 0, 0]}]]``."""
    x = K.Input((5, 3), name="x")
    m = K.Input((5,), dtype="bool", name="m")
    h = K.layers.LSTM(4, return_sequences=True, name="lstm")(x, mask=m)
    h = K.layers.Dropout(0.3, name="drop")(h, training=True)
    y = K.layers.GRU(2, name="gru")(h, mask=m)
    return K.Model([x, m], y, name="explicit_mask")


MODELS: dict[str, Callable] = {
    f.__name__: f
    for f in (stacked_rnn, bidir_merge_modes, gru_variants, time_distributed, seq2seq, siamese,
              multi_output_states, sequential_input, sequential_built, embedding_front,
              reshape_flatten_repeat, explicit_mask)
}


def nested_sequential(K):
    """A Sequential used as a layer of a Functional model (not supported yet)."""
    inner = K.Sequential([K.layers.LSTM(4, return_sequences=True), K.layers.Dense(2)],
                         name="inner")
    x = K.Input((5, 3), name="x")
    y = K.layers.Dense(3, name="head")(inner(x))
    return K.Model(x, y, name="nested")


def unsupported_middle(K):
    """A Lambda (code shapecheck never runs, so its output is unknown) between supported layers."""
    x = K.Input((6, 6, 3), name="x")
    h = K.layers.Dense(4, name="lstm")(x)
    h = K.layers.Lambda(lambda t: t * 2.0, name="conv")(h)
    y = K.layers.Dense(1, name="out")(h)
    return K.Model(x, y, name="unsupported_middle")


# =========================================================================== entries
@dataclass
class CorpusEntry:
    model: str
    variant: str
    path: Path
    expected: dict  # {"layers": ..., "model": ...} in keras_oracle's form
    flavor: str  # "k3": compare weight paths; "k2": compare weights by position
    drop_input_layers: bool = False  # the file has no InputLayer: don't compare them
    #: entries of the file's ``layers`` that are not Keras layers: Keras 3 records
    #: the mask op of ``Embedding(mask_zero=True)`` as a ``NotEqual`` node
    #: (module ``keras.src.ops.numpy``) that ``model.layers`` does not list; the
    #: report may list them or not
    op_nodes: tuple[str, ...] = ()

    @property
    def format(self) -> str:
        return VARIANT_FORMAT[self.variant]

    @property
    def id(self) -> str:
        return f"{self.model}-{self.variant}"


@dataclass
class Corpus:
    root: Path
    entries: dict[tuple[str, str], CorpusEntry] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # source -> why not built

    def get(self, model: str, variant: str) -> CorpusEntry:
        return self.entries[(model, variant)]


# =========================================================================== facts
def _strip_prefix(path: str, model_name: str) -> str:
    prefix = model_name + "/"
    return path[len(prefix):] if path.startswith(prefix) else path


def keras3_expected(model) -> dict:
    """keras_facts/keras_model_facts of a Keras 3 model, made comparable with a report
    of its saved file: a Sequential's InputLayer (``model.layers`` hides it; the
    file has it) is added first, and variable paths lose the ``<model>/`` prefix
    that ``Sequential.build`` adds (a reloaded model has none)."""
    import keras

    facts = keras_facts(model)
    if isinstance(model, keras.Sequential):
        first = model._layers[0]
        assert isinstance(first, keras.layers.InputLayer), first
        facts = {first.name: {"type": "InputLayer", "output_shapes": [tuple(first.batch_shape)],
                              "weights": [], "params": 0}, **facts}
        for f in facts.values():
            f["weights"] = [(_strip_prefix(p, model.name), s, t) for p, s, t in f["weights"]]
    return {"layers": facts, "model": keras_model_facts(model)}


def tf_keras_facts(model) -> dict:
    """The tf_keras counterpart of keras_oracle's facts, in the same form.

    ``{"layers": {name: {"type", "output_shapes", "weights", "params"}}, "model": {...}}``
    with the layers in the file's order (a Sequential's InputLayer included),
    output shapes of each layer's first call, and weights as
    ``("#<i>", shape, trainable)`` in tf_keras's order (names differ from Keras 3).
    """
    import tensorflow as tf
    import tf_keras

    layers = list(model.layers)
    if isinstance(model, tf_keras.Sequential):
        first = model._self_tracked_trackables[0]
        if isinstance(first, tf_keras.layers.InputLayer):
            layers = [first] + layers
        elif model._input_layers:  # built without an Input: an auto InputLayer
            layers = list(model._input_layers) + layers

    def shape(t):
        return tuple(None if d is None else int(d) for d in t.shape.as_list())

    facts = {}
    for layer in layers:
        outs = tf.nest.flatten(layer.inbound_nodes[0].outputs)
        ws = layer.weights
        facts[layer.name] = {
            "type": type(layer).__name__,
            "output_shapes": [shape(t) for t in outs],
            # tf_keras: a frozen layer's variables still say trainable=True; what
            # counts is whether the layer lists them in trainable_weights
            "weights": [(f"#{i}", tuple(int(d) for d in w.shape),
                         any(w is t for t in layer.trainable_weights))
                        for i, w in enumerate(ws)],
            "params": int(layer.count_params()) if ws else 0,
        }

    def numel(w):
        n = 1
        for d in w.shape:
            n *= int(d)
        return n

    trainable = sum(numel(w) for w in model.trainable_weights)
    non_trainable = sum(numel(w) for w in model.non_trainable_weights)
    return {
        "layers": facts,
        "model": {
            "inputs": [shape(t) for t in model.inputs],
            "outputs": [shape(t) for t in model.outputs],
            "total_params": int(model.count_params()),
            "trainable_params": trainable,
            "non_trainable_params": non_trainable,
        },
    }


def positional_weights(rep: dict) -> dict:
    """A copy of a report dict whose weight paths are ``#0, #1, ...`` per layer, to
    compare with tf_keras_facts (shapes, trainable and order still compared)."""
    rep = copy.deepcopy(rep)
    for layer in rep.get("layers") or []:
        for i, w in enumerate(layer.get("weights") or []):
            w["path"] = f"#{i}"
    return rep


def compare_entry(rep: dict, entry: CorpusEntry) -> list[str]:
    """Differences between a report dict of ``entry.path`` and Keras's facts."""
    problems = []
    if rep.get("format") != entry.format:
        problems.append(f"format: expected {entry.format!r}, report says {rep.get('format')!r}")
    if entry.flavor == "k2":
        rep = positional_weights(rep)
    expected = entry.expected
    if entry.op_nodes:
        rep = dict(rep, layers=[l for l in rep.get("layers") or [] if l.get("name") not in entry.op_nodes])
    if entry.drop_input_layers:
        rep = copy.deepcopy(rep)
        rep["layers"] = [l for l in rep.get("layers") or [] if l.get("type") != "InputLayer"]
        expected = {"layers": {n: f for n, f in expected["layers"].items() if f["type"] != "InputLayer"},
                    "model": expected["model"]}
    return problems + compare_report(rep, expected, unbound=True)


def format_entry_failure(entry: CorpusEntry, problems: list[str], rep: dict | None = None) -> str:
    text = (f"shapecheck disagrees with {'Keras 3' if entry.flavor == 'k3' else 'tf_keras'} on "
            f"{entry.id} ({entry.path}):\n  " + "\n  ".join(problems[:30]))
    if rep is not None and rep.get("diagnostics"):
        text += "\ndiagnostics: " + json.dumps(rep["diagnostics"], default=str)[:2000]
    return text


# =========================================================================== writers
def tfjs_model_json(config: dict, *, wrapped: bool, keras_version: str, weights: list[dict],
                    backend: str = "tensorflow") -> dict:
    """A TF.js layers-model ``model.json`` around a Keras model config.

    ``wrapped``: as ``tensorflowjs_converter --input_format keras`` writes it
    (``modelTopology = {"keras_version", "backend", "model_config"}``); else as
    tfjs-layers' ``model.save()`` writes it (``modelTopology`` is the config object
    itself plus ``keras_version``/``backend``).
    """
    if wrapped:
        topology = {"keras_version": keras_version, "backend": backend, "model_config": config}
        generated, converted = f"keras v{keras_version}", TFJS_CONVERTER
    else:
        topology = {**config, "keras_version": "tfjs-layers 4.22.0", "backend": "tensor_flow.js"}
        generated, converted = TFJS_LAYERS, None
    return {
        "format": "layers-model",
        "generatedBy": generated,
        "convertedBy": converted,
        "modelTopology": topology,
        "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": weights}],
    }


def _manifest(model, name_of) -> list[dict]:
    return [{"name": name_of(w), "shape": [int(d) for d in w.shape], "dtype": "float32"}
            for w in model.weights]


def _write_json(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _target(root: Path, variant: str, model: str, ext: str) -> Path:
    if "tfjs" in variant:  # TF.js artifacts are a directory with a model.json
        p = root / variant / model / "model.json"
    else:
        p = root / variant / f"{model}{ext}"
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def save_keras3(model, root: Path, name: str, variants=K3_VARIANTS + ("k3-h5",)) -> dict[str, Path]:
    import keras

    out = {}
    config = json.loads(model.to_json())
    if "k3-json" in variants:
        out["k3-json"] = _write_json(_target(root, "k3-json", name, ".json"), config)
    if "k3-serialized" in variants:
        ser = keras.saving.serialize_keras_object(model)
        out["k3-serialized"] = _write_json(_target(root, "k3-serialized", name, ".json"), ser)
    if "k3-archive" in variants:
        p = _target(root, "k3-archive", name, ".keras")
        model.save(p)
        out["k3-archive"] = p
    manifest = _manifest(model, lambda w: w.path)
    for variant, wrapped in (("k3-tfjs-wrapped", True), ("k3-tfjs-direct", False)):
        if variant in variants:
            data = tfjs_model_json(config, wrapped=wrapped, keras_version=keras.__version__,
                                   weights=manifest)
            out[variant] = _write_json(_target(root, variant, name, ".json"), data)
    if "k3-h5" in variants:
        p = _target(root, "k3-h5", name, ".h5")
        model.save(p)
        out["k3-h5"] = p
    return out


def save_tf_keras(model, root: Path, name: str,
                  variants=K2_VARIANTS + ("k2-archive", "k2-yaml", "k2-savedmodel")) -> dict[str, Path]:
    import h5py
    import tf_keras
    import yaml

    out = {}
    if "k2-yaml" in variants:  # Keras 2's to_yaml(): yaml.dump(self._updated_config())
        p = _target(root, "k2-yaml", name, ".yaml")
        p.write_text(yaml.dump(model._updated_config()), encoding="utf-8")
        out["k2-yaml"] = p
    if "k2-json" in variants:
        p = _target(root, "k2-json", name, ".json")
        p.write_text(model.to_json(), encoding="utf-8")
        out["k2-json"] = p
    h5 = _target(root, "k2-h5", name, ".h5")
    model.save(h5)
    if "k2-h5" in variants:
        out["k2-h5"] = h5
    with h5py.File(h5, "r") as f:
        h5_config = json.loads(f.attrs["model_config"])
    manifest = _manifest(model, lambda w: w.name.removesuffix(":0"))
    for variant, wrapped in (("k2-tfjs-wrapped", True), ("k2-tfjs-direct", False)):
        if variant in variants:
            cfg = h5_config if wrapped else json.loads(model.to_json())
            if not wrapped:
                cfg = {"class_name": cfg["class_name"], "config": cfg["config"]}
            data = tfjs_model_json(cfg, wrapped=wrapped, keras_version=tf_keras.__version__,
                                   weights=manifest)
            out[variant] = _write_json(_target(root, variant, name, ".json"), data)
    if "k2-savedmodel" in variants:
        p = root / "k2-savedmodel" / name
        model.save(p, save_format="tf")
        out["k2-savedmodel"] = p
    if "k2-archive" in variants:
        p = _target(root, "k2-archive", name, ".keras")
        model.save(p)
        out["k2-archive"] = p
    if "k2-h5" not in variants:
        h5.unlink()
    return out


def build_keras3(builder: Callable):
    import keras

    keras.backend.clear_session(free_memory=False)  # auto names restart at lstm, dense ...
    return builder(keras)


def build_tf_keras(builder: Callable):
    import tf_keras

    tf_keras.backend.clear_session()
    return builder(tf_keras)


def strip_input_layer(config: dict) -> dict:
    """A Keras 3 Sequential config without its InputLayer: what shapecheck must read
    through ``build_input_shape`` / ``build_config.input_shape`` alone."""
    config = copy.deepcopy(config)
    layers = config["config"]["layers"]
    assert layers[0]["class_name"] == "InputLayer", layers[0]
    del layers[0]
    assert config["config"].get("build_input_shape") or config.get("build_config", {}).get("input_shape")
    return config


def op_nodes(config: dict, expected: dict) -> tuple[str, ...]:
    """Names of the file's ``layers`` entries that Keras does not list as layers."""
    return tuple(l["name"] for l in config["config"]["layers"]
                 if "name" in l and l["name"] not in expected["layers"])


def build_corpus(root: Path, models: dict[str, Callable] | None = None) -> Corpus:
    """Build every model in both Keras versions and save each in every variant.

    tf_keras missing: only the Keras 3 entries are built (``corpus.skipped``).
    """
    import keras  # noqa: F401  (the Keras 3 part is required)

    root = Path(root)
    corpus = Corpus(root)
    models = MODELS if models is None else models
    for name, builder in models.items():
        model = build_keras3(builder)
        expected = keras3_expected(model)
        ops = op_nodes(json.loads(model.to_json()), expected)
        for variant, path in save_keras3(model, root, name).items():
            corpus.entries[(name, variant)] = CorpusEntry(name, variant, path, expected, "k3",
                                                          op_nodes=ops)
        if name == "sequential_built":
            stripped = strip_input_layer(json.loads(model.to_json()))
            path = _write_json(root / "k3-json" / "sequential_built_no_input.json", stripped)
            corpus.entries[("sequential_built_no_input", "k3-json")] = CorpusEntry(
                "sequential_built_no_input", "k3-json", path, expected, "k3", drop_input_layers=True)
    try:
        import tf_keras  # noqa: F401
    except ImportError as e:
        corpus.skipped["k2"] = f"tf_keras not importable: {e}"
        return corpus
    for name, builder in models.items():
        model = build_tf_keras(builder)
        expected = tf_keras_facts(model)
        for variant, path in save_tf_keras(model, root, name).items():
            corpus.entries[(name, variant)] = CorpusEntry(name, variant, path, expected, "k2")
    return corpus


# =========================================================================== hostile payloads
def marker_code(marker: Path) -> types.CodeType:
    """The code object of ``lambda x: (open(<marker>, 'w').write('pwned'), x)[1]``:
    executing it (as a Lambda layer does when a model is loaded unsafely) creates the
    marker file.  The marker's path is a constant inside the bytecode."""
    fn = eval(f"lambda x: (open({str(marker)!r}, 'w').write('pwned'), x)[1]")  # noqa: S307
    return fn.__code__


def marker_lambda(marker: Path):
    return types.FunctionType(marker_code(marker), {"open": open}, "<lambda>")


def keras3_lambda_config(marker: Path, name: str = "evil_lambda") -> dict:
    """A Keras 3 Lambda layer entry (Functional ``layers`` item) whose serialized
    function, if deserialized and called, writes ``marker``.  This is exactly the
    form ``keras.layers.Lambda(lambda ...).get_config()`` produces."""
    code = base64.b64encode(marshal.dumps(marker_code(marker))).decode("ascii")
    return {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": {"module": "keras", "class_name": "DTypePolicy",
                      "config": {"name": "float32"}, "registered_name": None},
            "function": {"class_name": "__lambda__",
                         "config": {"code": code, "defaults": None, "closure": None}},
            "arguments": {},
        },
        "registered_name": None,
        "name": name,
        "inbound_nodes": [_k3_node("x", (None, 7, 3))],
    }


def _k3_tensor(layer: str, shape, node: int = 0, index: int = 0) -> dict:
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(shape), "dtype": "float32", "keras_history": [layer, node, index]}}


def _k3_node(layer: str, shape, **kwargs) -> dict:
    return {"args": [_k3_tensor(layer, shape)], "kwargs": kwargs}


def write_keras_zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    """A .keras-style zip with exactly these members (names not sanitised,
    duplicates allowed)."""
    import warnings

    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on duplicate names
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
    return path


# =========================================================================== reload (self-test)
def load_with_keras(entry: CorpusEntry):
    """Load ``entry.path`` back with the Keras that wrote it (to check the corpus
    itself: the file is a valid model and its facts are the expected ones)."""
    v, path = entry.variant, entry.path
    text = path.read_text(encoding="utf-8") if path.suffix == ".json" else None
    if v.startswith("k3"):
        import keras

        if v == "k3-json":
            return keras.models.model_from_json(text)
        if v == "k3-serialized":
            return keras.saving.deserialize_keras_object(json.loads(text))
        if v in ("k3-archive", "k3-h5"):
            return keras.saving.load_model(path, compile=False)
        topo = json.loads(text)["modelTopology"]
        cfg = topo.get("model_config", topo)
        cfg = {k: val for k, val in cfg.items() if k not in ("keras_version", "backend")}
        return keras.models.model_from_json(json.dumps(cfg))
    import tf_keras

    if v == "k2-json":
        return tf_keras.models.model_from_json(text)
    if v == "k2-yaml":  # tf_keras has no model_from_yaml any more; its tuples as lists
        import yaml

        class TupleLoader(yaml.SafeLoader):
            pass

        TupleLoader.add_constructor("tag:yaml.org,2002:python/tuple",
                                    lambda loader, node: loader.construct_sequence(node))
        cfg = yaml.load(path.read_text(encoding="utf-8"), Loader=TupleLoader)
        return tf_keras.models.model_from_json(json.dumps({k: cfg[k] for k in ("class_name", "config")}))
    if v in ("k2-h5", "k2-archive", "k2-savedmodel"):
        return tf_keras.models.load_model(path, compile=False)
    topo = json.loads(text)["modelTopology"]
    cfg = topo.get("model_config", topo)
    cfg = {k: val for k, val in cfg.items() if k not in ("keras_version", "backend")}
    return tf_keras.models.model_from_json(json.dumps(cfg))


def _plain(x):
    return json.loads(json.dumps(x))


def reload_problems(entry: CorpusEntry) -> list[str]:
    """Differences between the facts of the reloaded file and ``entry.expected``."""
    model = load_with_keras(entry)
    got = keras3_expected(model) if entry.flavor == "k3" else tf_keras_facts(model)
    want = entry.expected
    got, want = _plain(got), _plain(want)
    # Weights by position: a Keras 3 model *reloaded* from a config names the
    # variables of a wrapped layer without the wrapper ("forward_lstm/lstm_cell/kernel"
    # instead of "bilstm/forward_lstm/lstm_cell/kernel"); the built model's paths
    # (entry.expected) are the reference.
    for d in (got, want):
        for f in d["layers"].values():
            f["weights"] = [[f"#{i}", s, t] for i, (_, s, t) in enumerate(f["weights"])]
    if entry.drop_input_layers:
        for d in (got, want):
            d["layers"] = {n: f for n, f in d["layers"].items() if f["type"] != "InputLayer"}
    problems = []
    if list(got["layers"]) != list(want["layers"]):
        problems.append(f"layer names: reloaded {list(got['layers'])} built {list(want['layers'])}")
    for name in set(got["layers"]) & set(want["layers"]):
        if got["layers"][name] != want["layers"][name]:
            problems.append(f"{name}: reloaded {got['layers'][name]} built {want['layers'][name]}")
    if got["model"] != want["model"]:
        problems.append(f"model: reloaded {got['model']} built {want['model']}")
    return problems
