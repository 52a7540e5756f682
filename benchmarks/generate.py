"""The benchmark inputs, generated into a cache folder (never committed).

- the seed model and 14 keras.applications models as Keras JSON, written by Keras
  itself in a child process (``python -m benchmarks.generate keras OUT``), so the
  runner never imports TensorFlow;
- large specs: chains and wide graphs with many merges, over a symbolic time axis;
- many small specs, for one call and for pre-commit's batching.

Every generator is deterministic: the same arguments give the same bytes.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

#: The throughput models (issue 7): a fixed list, from VGG's plain stack to NASNet's
#: and InceptionResNetV2's thousand-layer graphs.
APPLICATIONS = (
    "VGG16", "ResNet50", "ResNet50V2", "MobileNet", "MobileNetV2", "MobileNetV3Small",
    "DenseNet121", "EfficientNetB0", "EfficientNetV2B0", "InceptionV3", "Xception",
    "NASNetMobile", "ConvNeXtTiny", "InceptionResNetV2",
)


# --- Keras configs (run in a child process: this imports Keras) ----------------------

def keras_configs(out: Path) -> None:
    """``seed_bilstm.json`` and ``apps/<Model>.json``, each ``model.to_json()``."""
    import keras

    out.mkdir(parents=True, exist_ok=True)
    x = keras.Input(batch_shape=(None, 4995, 12), name="x")
    y = keras.layers.Bidirectional(keras.layers.LSTM(384, return_sequences=True), name="bilstm")(x)
    (out / "seed_bilstm.json").write_text(keras.Model(x, y, name="seed_bilstm").to_json())
    apps = out / "apps"
    apps.mkdir(exist_ok=True)
    for name in APPLICATIONS:
        keras.backend.clear_session()
        model = getattr(keras.applications, name)(weights=None)
        (apps / f"{name}.json").write_text(model.to_json())
        del model


# --- large specs -----------------------------------------------------------------

_HEADER = "model: {name}\ndims:\n  t: {{min: 8}}\ninputs:\n  x: [?, t, 16]\nlayers:\n"


def _entry(name: str, type_: str, inputs: str | None = None, **args) -> str:
    lines = [f"  - name: {name}", f"    type: {type_}"]
    lines += [f"    {k}: {json.dumps(v)}" for k, v in args.items()]
    if inputs is not None:
        lines.append(f"    inputs: {inputs}")
    return "\n".join(lines) + "\n"


# A chain's repeating unit: the time axis goes t -> t + 2 -> t through padding and a
# valid convolution, so every unit does symbolic arithmetic and the shapes stay bounded.
_CHAIN = (
    ("Dense", {"units": 16}),
    ("ZeroPadding1D", {"padding": 1}),
    ("Conv1D", {"filters": 16, "kernel_size": 3}),
    ("LayerNormalization", {}),
    ("Activation", {"activation": "relu"}),
    ("Conv1D", {"filters": 16, "kernel_size": 3, "padding": "same"}),
    ("Dropout", {"rate": 0.1}),
)


def chain_spec(n: int) -> str:
    """``n`` layers, each fed by the one before."""
    parts = [_HEADER.format(name=f"chain_{n}")]
    for i in range(n):
        type_, args = _CHAIN[i % len(_CHAIN)]
        parts.append(_entry(f"l{i}", type_, **args))
    parts.append(f"outputs: [l{n - 1}]\n")
    return "".join(parts)


def wide_spec(n: int) -> str:
    """``n`` layers in blocks of five: two branches, their sum, a concatenation with the
    block's input and with the output of a block far back (a long skip), and a Dense
    back to 16 features. Every block merges three times."""
    parts = [_HEADER.format(name=f"wide_{n}")]
    outs = ["x"]
    i = 0
    while i < n:
        h, b = outs[-1], len(outs)
        skip = outs[max(0, b - 1 - (b * 7919) % 17)]
        block = [
            (f"b{b}_a", "Dense", h, {"units": 16}),
            (f"b{b}_c", "Conv1D", h, {"filters": 16, "kernel_size": 3, "padding": "same"}),
            (f"b{b}_add", "Add", f"[b{b}_a, b{b}_c]", {}),
            (f"b{b}_cat", "Concatenate", f"[b{b}_add, {h}, {skip}]", {}),
            (f"b{b}_out", "Dense", f"b{b}_cat", {"units": 16}),
        ]
        for name, type_, inputs, args in block[: n - i]:
            parts.append(_entry(name, type_, inputs, **args))
            last = name
        i += len(block)
        outs.append(f"b{b}_out")
    parts.append(f"outputs: [{last}]\n")
    return "".join(parts)


# --- many small specs -----------------------------------------------------------------

def small_spec(k: int) -> str:
    """A small model, one of four families, sized by a seeded generator."""
    rng = random.Random(k)
    family = k % 4
    width = rng.choice((8, 16, 32, 64))
    if family == 0:  # a recurrent tagger over a symbolic time axis
        head = f"dims:\n  t: {{min: 1}}\ninputs:\n  x: [?, t, {rng.choice((12, 40, 80))}]\n"
        body = [_entry(f"rnn{j}", rng.choice(("LSTM", "GRU")), units=width, return_sequences=True)
                for j in range(rng.randint(1, 3))]
        body.append(_entry("out", "Dense", units=rng.randint(2, 20)))
    elif family == 1:  # a small convolutional classifier
        side = rng.choice((28, 32, 64))
        head = f"inputs:\n  img: [?, {side}, {side}, 3]\n"
        body = [_entry(f"conv{j}", "Conv2D", filters=width, kernel_size=3, padding="same")
                for j in range(rng.randint(1, 3))]
        body += [_entry("pool", "GlobalAveragePooling2D"), _entry("out", "Dense", units=10)]
    elif family == 2:  # an MLP
        head = f"inputs:\n  x: [?, {rng.randint(4, 300)}]\n"
        body = [_entry(f"d{j}", "Dense", units=width) for j in range(rng.randint(2, 5))]
    else:  # a sequence classifier with an embedding
        head = "dims:\n  t: {min: 1}\ninputs:\n  ids: {shape: [?, t], dtype: int32}\n"
        body = [_entry("emb", "Embedding", input_dim=rng.randint(100, 5000), output_dim=width),
                _entry("bi", "Bidirectional", layer={"type": "GRU", "units": width}),
                _entry("out", "Dense", units=1)]
    return f"model: small_{k}\n{head}layers:\n{''.join(body)}"


# --- Python source ------------------------------------------------------------------

#: A keras.io-sized example (about 100 lines: constants, a builder function with a loop of
#: residual blocks, a second model that reuses it, summaries), written for the benchmark.
EXAMPLE_PY = """\"\"\"Image classification from scratch, the size of a keras.io example: a small
residual convnet for 180x180 images, and a text classifier beside it.\"\"\"

import keras
from keras import layers

IMAGE_SIZE = (180, 180)
NUM_CLASSES = 2
VOCAB = 20000
MAXLEN = 200
EMBED = 64


def augment(x):
    x = layers.RandomFlip("horizontal")(x)
    x = layers.RandomRotation(0.1)(x)
    return x


def entry_flow(x, width):
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(width, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    return x


def residual_block(x, size):
    skip = x
    for _ in range(2):
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    residual = layers.Conv2D(size, 1, strides=2, padding="same")(skip)
    return layers.add([x, residual])


def make_model(input_shape, num_classes):
    inputs = keras.Input(shape=input_shape)
    x = augment(inputs)
    x = entry_flow(x, 128)
    for size in [256, 512, 728]:
        x = residual_block(x, size)
    x = layers.SeparableConv2D(1024, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    if num_classes == 2:
        units = 1
        activation = "sigmoid"
    else:
        units = num_classes
        activation = "softmax"
    x = layers.Dropout(0.25)(x)
    outputs = layers.Dense(units, activation=activation)(x)
    return keras.Model(inputs, outputs, name="small_xception")


def transformer_block(x, heads, ff_dim):
    attention = layers.MultiHeadAttention(num_heads=heads, key_dim=EMBED)(x, x)
    attention = layers.Dropout(0.1)(attention)
    x = layers.LayerNormalization(epsilon=1e-6)(x + attention)
    ff = layers.Dense(ff_dim, activation="relu")(x)
    ff = layers.Dense(EMBED)(ff)
    ff = layers.Dropout(0.1)(ff)
    return layers.LayerNormalization(epsilon=1e-6)(x + ff)


def make_text_model():
    inputs = keras.Input(shape=(MAXLEN,), dtype="int32")
    x = layers.Embedding(VOCAB, EMBED)(inputs)
    for _ in range(2):
        x = transformer_block(x, 2, 32)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.1)(x)
    x = layers.Dense(20, activation="relu")(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="text_transformer")


image_model = make_model(IMAGE_SIZE + (3,), NUM_CLASSES)
image_model.summary()
text_model = make_text_model()
text_model.summary()
"""


def python_chain(n: int) -> str:
    """A generated model file of ``n`` layers, one statement each (the chain of the
    scaling specs, as Keras code over ``(None, 16)`` inputs with a free length)."""
    lines = [f'"""A generated chain of {n} layers."""', "", "import keras", "from keras import layers", "",
             'x = keras.Input(shape=(None, 16), name="x")', "h = x"]
    for i in range(n):
        type_, args = _CHAIN[i % len(_CHAIN)]
        call = ", ".join([f"{k}={v!r}" for k, v in args.items()] + [f'name="l{i}"'])
        lines.append(f"h = layers.{type_}({call})(h)")
    lines += [f'model = keras.Model(x, h, name="chain_{n}")', ""]
    return "\n".join(lines)


def write_python_sources(folder: Path, layers: int) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {"example": folder / "example.py", "generated": folder / f"chain_{layers}.py"}
    _write_if_changed(out["example"], EXAMPLE_PY)
    _write_if_changed(out["generated"], python_chain(layers))
    return out


def write_small_specs(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(count):
        p = folder / f"model_{k:04d}.yaml"
        _write_if_changed(p, small_spec(k))
        paths.append(p)
    return paths


def write_scaling_specs(folder: Path, sizes: tuple[int, ...]) -> dict[tuple[str, int], Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for kind, make in (("chain", chain_spec), ("wide", wide_spec)):
        for n in sizes:
            p = folder / f"{kind}_{n}.yaml"
            _write_if_changed(p, make(n))
            out[kind, n] = p
    return out


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


if __name__ == "__main__":
    if sys.argv[1:2] == ["keras"] and len(sys.argv) == 3:
        keras_configs(Path(sys.argv[2]))
    else:
        sys.exit("usage: python -m benchmarks.generate keras OUT_FOLDER")
