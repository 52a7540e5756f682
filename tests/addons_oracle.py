"""The oracle for TensorFlow Addons' layers: what tfa builds for each case of ``CASES``.

TensorFlow Addons (``tensorflow_addons``, tfa) ended with 0.23.0, which needs TensorFlow
2.13-2.15, whose tf.keras is Keras 2; the test environment's TensorFlow is newer, so tfa
cannot run there. Its answers are recorded instead, by running this file in an
environment that has it, and the tests compare shapecheck's rules with the record:

    python3.11 -m venv /tmp/tfa-venv
    /tmp/tfa-venv/bin/pip install tensorflow-cpu==2.15.1 tensorflow-addons==0.23.0 pytest
    /tmp/tfa-venv/bin/python tests/addons_oracle.py --write   # tests/fixtures/addons_truth.json

(pytest: the same environment runs the Python corpus's "tfa" entries, whose oracle,
tests/python_oracle.py, imports it; ``SHAPECHECK_TFA_PYTHON=/tmp/tfa-venv/bin/python``.)

Each case is one tfa layer, made from its spec-form entry (``type`` without the
``Addons>`` prefix; a nested ``layer`` is a tf.keras layer by class name), called on
``tf.keras.Input``s of the case's shapes (the first axis is the batch axis). The record
holds, per case, the output shapes and the layer's weights in ``layer.weights`` order,
each trainable when it is among ``layer.trainable_weights`` (WeightNormalization's
data-init copy of the wrapped layer has variables that say trainable and are not), or
the error tfa raised. This module imports nothing beyond the standard library unless
it runs (``--write``): the tests import ``CASES`` from it to see that the record is of
the same cases.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

TRUTH = Path(__file__).parent / "fixtures" / "addons_truth.json"

N = None  # the batch axis, and any axis of unknown size

# (id, spec-form layer, input shapes)
CASES: list[tuple[str, dict, list[list]]] = [
    # GroupNormalization: groups must divide the channels, and be at most as many
    ("group/2-of-6", {"type": "GroupNormalization", "groups": 2}, [[N, 8, 6]]),
    ("group/default-32", {"type": "GroupNormalization"}, [[N, 4, 64]]),
    ("group/not-a-divisor", {"type": "GroupNormalization", "groups": 4}, [[N, 10, 6]]),
    ("group/more-than-channels", {"type": "GroupNormalization", "groups": 8}, [[N, 10, 6]]),
    ("group/axis-1", {"type": "GroupNormalization", "groups": 2, "axis": 1}, [[N, 6, 5]]),
    ("group/no-center-no-scale", {"type": "GroupNormalization", "groups": 4, "center": False,
                                  "scale": False}, [[N, 4, 8]]),
    ("group/unknown-channels", {"type": "GroupNormalization", "groups": 2}, [[N, 4, N]]),
    ("group/batch-axis", {"type": "GroupNormalization", "axis": 0}, [[N, 4, 8]]),
    ("group/minus-one", {"type": "GroupNormalization", "groups": -1}, [[N, 3, 5]]),
    ("group/rank-5", {"type": "GroupNormalization", "groups": 2}, [[N, 8, 8, 3, 4]]),
    ("group/axis-out-of-range", {"type": "GroupNormalization", "groups": 2, "axis": 3}, [[N, 4, 8]]),
    # InstanceNormalization: a group per channel, whatever groups= says
    ("instance/image", {"type": "InstanceNormalization"}, [[N, 16, 16, 3]]),
    ("instance/axis-1", {"type": "InstanceNormalization", "axis": 1}, [[N, 3, 8, 8]]),
    ("instance/no-center", {"type": "InstanceNormalization", "center": False}, [[N, 8, 5]]),
    ("instance/unknown-channels", {"type": "InstanceNormalization"}, [[N, 8, N]]),
    ("instance/groups-ignored", {"type": "InstanceNormalization", "groups": 4}, [[N, 8, 6]]),
    ("instance/unknown-spatial", {"type": "InstanceNormalization"}, [[N, N, N, 32]]),
    ("instance/epsilon", {"type": "InstanceNormalization", "epsilon": 1e-5, "scale": False}, [[N, 8, 8, 4]]),
    # FilterResponseNormalization: images only, height and width known
    ("frn/image", {"type": "FilterResponseNormalization"}, [[N, 8, 8, 16]]),
    ("frn/learned-epsilon", {"type": "FilterResponseNormalization", "learned_epsilon": True},
     [[N, 8, 8, 16]]),
    ("frn/rank-3", {"type": "FilterResponseNormalization"}, [[N, 8, 16]]),
    ("frn/unknown-height", {"type": "FilterResponseNormalization"}, [[N, N, 8, 4]]),
    ("frn/other-axes", {"type": "FilterResponseNormalization", "axis": [1, 3]}, [[N, 8, 8, 4]]),
    ("frn/unknown-channels", {"type": "FilterResponseNormalization"}, [[N, 8, 8, N]]),
    # elementwise
    ("gelu/exact", {"type": "GELU", "approximate": False}, [[N, 5, 7]]),
    ("gelu/unknown", {"type": "GELU"}, [[N, N]]),
    ("sparsemax/vector", {"type": "Sparsemax"}, [[N, 10]]),
    ("sparsemax/axis-1", {"type": "Sparsemax", "axis": 1}, [[N, 4, 6]]),
    ("poincare/axes", {"type": "PoincareNormalize", "axis": [1, 2]}, [[N, 5, 3]]),
    ("snake/vector", {"type": "Snake"}, [[N, 6]]),
    ("tlu/sequence", {"type": "TLU"}, [[N, 5, 3]]),
    ("tlu/affine", {"type": "TLU", "affine": True}, [[N, 4]]),
    ("tlu/unknown-axis", {"type": "TLU"}, [[N, N, 3]]),
    # Maxout: the axis becomes num_units
    ("maxout/last", {"type": "Maxout", "num_units": 4}, [[N, 12]]),
    ("maxout/axis-1", {"type": "Maxout", "num_units": 3, "axis": 1}, [[N, 6, 5]]),
    ("maxout/not-a-divisor", {"type": "Maxout", "num_units": 5}, [[N, 12]]),
    ("maxout/unknown-features", {"type": "Maxout", "num_units": 2}, [[N, 8, N]]),
    ("maxout/image", {"type": "Maxout", "num_units": 8}, [[N, 4, 4, 32]]),
    # StochasticDepth: [shortcut, residual], added
    ("stochastic/same", {"type": "StochasticDepth", "survival_probability": 0.8}, [[N, 8, 4], [N, 8, 4]]),
    ("stochastic/broadcast", {"type": "StochasticDepth"}, [[N, 8, 4], [N, 1, 4]]),
    ("stochastic/mismatch", {"type": "StochasticDepth"}, [[N, 8, 4], [N, 8, 5]]),
    ("stochastic/one-input", {"type": "StochasticDepth"}, [[N, 8, 4]]),
    # adaptive pooling: tf.split into output_size equal parts
    ("adaptive-avg-1d/even", {"type": "AdaptiveAveragePooling1D", "output_size": 4}, [[N, 12, 3]]),
    ("adaptive-avg-1d/uneven", {"type": "AdaptiveAveragePooling1D", "output_size": 4}, [[N, 10, 3]]),
    ("adaptive-avg-1d/unknown", {"type": "AdaptiveAveragePooling1D", "output_size": 4}, [[N, N, 3]]),
    ("adaptive-max-1d/channels-first", {"type": "AdaptiveMaxPooling1D", "output_size": [3],
                                        "data_format": "channels_first"}, [[N, 5, 12]]),
    ("adaptive-max-2d/even", {"type": "AdaptiveMaxPooling2D", "output_size": [2, 3]}, [[N, 8, 9, 5]]),
    ("adaptive-max-2d/uneven", {"type": "AdaptiveMaxPooling2D", "output_size": 2}, [[N, 7, 8, 5]]),
    ("adaptive-avg-2d/channels-first", {"type": "AdaptiveAveragePooling2D", "output_size": [2, 3],
                                        "data_format": "channels_first"}, [[N, 5, 8, 9]]),
    ("adaptive-avg-2d/unknown", {"type": "AdaptiveAveragePooling2D", "output_size": 7}, [[N, N, N, 64]]),
    ("adaptive-avg-3d/even", {"type": "AdaptiveAveragePooling3D", "output_size": 2}, [[N, 4, 6, 8, 3]]),
    ("adaptive-max-3d/uneven", {"type": "AdaptiveMaxPooling3D", "output_size": [2, 2, 3]},
     [[N, 4, 6, 8, 3]]),
    ("adaptive-avg-2d/rank-3", {"type": "AdaptiveAveragePooling2D", "output_size": 2}, [[N, 8, 8]]),
    # SpatialPyramidPooling2D: one row per bin cell, concatenated
    ("spp/square-bins", {"type": "SpatialPyramidPooling2D", "bins": [1, 2, 4]}, [[N, 32, 32, 16]]),
    ("spp/pair-bins", {"type": "SpatialPyramidPooling2D", "bins": [[1, 2], [3, 3]]}, [[N, 12, 12, 8]]),
    ("spp/channels-first", {"type": "SpatialPyramidPooling2D", "bins": [1, 2],
                            "data_format": "channels_first"}, [[N, 8, 12, 12]]),
    ("spp/unknown-size", {"type": "SpatialPyramidPooling2D", "bins": [1, 2]}, [[N, N, N, 8]]),
    ("spp/uneven", {"type": "SpatialPyramidPooling2D", "bins": [3]}, [[N, 10, 10, 8]]),
    # WeightNormalization: g, the layer's weights, a flag, and (data_init) a frozen copy
    ("weightnorm/dense", {"type": "WeightNormalization", "layer": {"type": "Dense", "units": 5}},
     [[N, 7]]),
    ("weightnorm/conv-no-data-init", {"type": "WeightNormalization", "data_init": False,
                                      "layer": {"type": "Conv2D", "filters": 4, "kernel_size": 3}},
     [[N, 8, 8, 6]]),
    ("weightnorm/dense-no-bias", {"type": "WeightNormalization",
                                  "layer": {"type": "Dense", "units": 5, "use_bias": False}}, [[N, 3, 7]]),
    ("weightnorm/lstm", {"type": "WeightNormalization", "data_init": False,
                         "layer": {"type": "LSTM", "units": 4}}, [[N, 5, 3]]),
    ("weightnorm/conv1d-relu", {"type": "WeightNormalization",
                                "layer": {"type": "Conv1D", "filters": 6, "kernel_size": 3,
                                          "activation": "relu"}}, [[N, 10, 2]]),
    ("weightnorm/no-kernel", {"type": "WeightNormalization", "layer": {"type": "MaxPooling2D"}},
     [[N, 8, 8, 3]]),
    ("weightnorm/conv-transpose", {"type": "WeightNormalization",
                                   "layer": {"type": "Conv2DTranspose", "filters": 4, "kernel_size": 3}},
     [[N, 8, 8, 6]]),
    ("weightnorm/lstm-data-init", {"type": "WeightNormalization",
                                   "layer": {"type": "LSTM", "units": 2, "return_sequences": True}},
     [[N, 5, 3]]),
    ("weightnorm/frozen", {"type": "WeightNormalization", "trainable": False,
                           "layer": {"type": "Dense", "units": 3}}, [[N, 4]]),
    ("weightnorm/simple-rnn", {"type": "WeightNormalization", "data_init": False,
                               "layer": {"type": "SimpleRNN", "units": 3, "return_sequences": True}},
     [[N, 5, 2]]),
    # SpectralNormalization: the layer's weights and u, one row over the kernel's last axis
    ("spectralnorm/dense", {"type": "SpectralNormalization", "layer": {"type": "Dense", "units": 5}},
     [[N, 7]]),
    ("spectralnorm/conv", {"type": "SpectralNormalization",
                           "layer": {"type": "Conv2D", "filters": 4, "kernel_size": 3}}, [[N, 8, 8, 6]]),
    ("spectralnorm/embedding", {"type": "SpectralNormalization",
                                "layer": {"type": "Embedding", "input_dim": 100, "output_dim": 8}},
     [[N, 12]]),
    ("spectralnorm/conv-transpose", {"type": "SpectralNormalization",
                                     "layer": {"type": "Conv2DTranspose", "filters": 4, "kernel_size": 3}},
     [[N, 8, 8, 6]]),
    ("spectralnorm/power-iterations-0", {"type": "SpectralNormalization", "power_iterations": 0,
                                         "layer": {"type": "Dense", "units": 5}}, [[N, 7]]),
    ("spectralnorm/no-kernel", {"type": "SpectralNormalization", "layer": {"type": "MaxPooling2D"}},
     [[N, 8, 8, 3]]),
    ("spectralnorm/depthwise", {"type": "SpectralNormalization",
                                "layer": {"type": "DepthwiseConv2D", "kernel_size": 3}}, [[N, 8, 8, 3]]),
    ("spectralnorm/power-iterations-3", {"type": "SpectralNormalization", "power_iterations": 3,
                                         "layer": {"type": "Conv1D", "filters": 2, "kernel_size": 5,
                                                   "use_bias": False}}, [[N, 9, 4]]),
    # tfa's own MultiHeadAttention: [query, key(, value)], weights per head
    ("mha/self", {"type": "MultiHeadAttention", "head_size": 8, "num_heads": 2}, [[N, 5, 16], [N, 5, 16]]),
    ("mha/query-key-value", {"type": "MultiHeadAttention", "head_size": 4, "num_heads": 3, "output_size": 6},
     [[N, 5, 10], [N, 7, 12], [N, 7, 9]]),
    ("mha/attention-coefficients", {"type": "MultiHeadAttention", "head_size": 4, "num_heads": 3,
                                    "return_attn_coef": True}, [[N, 5, 10], [N, 7, 10]]),
    ("mha/no-bias", {"type": "MultiHeadAttention", "head_size": 4, "num_heads": 2,
                     "use_projection_bias": False}, [[N, 5, 10], [N, 7, 12]]),
    ("mha/key-value-mismatch", {"type": "MultiHeadAttention", "head_size": 4, "num_heads": 2},
     [[N, 5, 10], [N, 7, 12], [N, 6, 9]]),
    ("mha/one-input", {"type": "MultiHeadAttention", "head_size": 4, "num_heads": 2}, [[N, 5, 10]]),
    ("mha/output-size-0", {"type": "MultiHeadAttention", "head_size": 4, "num_heads": 2, "output_size": 0},
     [[N, 5, 10], [N, 5, 10]]),
    ("mha/unknown-features", {"type": "MultiHeadAttention", "head_size": 4, "num_heads": 2},
     [[N, 5, N], [N, 5, 10]]),
    ("mha/rank-4", {"type": "MultiHeadAttention", "head_size": 4, "num_heads": 2},
     [[N, 3, 5, 8], [N, 3, 7, 8]]),
    ("mha/unknown-lengths", {"type": "MultiHeadAttention", "head_size": 4, "num_heads": 2},
     [[N, N, 8], [N, N, 8]]),
    # CRF: the tags' potentials, their Viterbi decoding, the lengths and the transitions
    ("crf/tagger", {"type": "CRF", "units": 5}, [[N, 7, 12]]),
    ("crf/no-boundary", {"type": "CRF", "units": 5, "use_boundary": False}, [[N, 7, 12]]),
    ("crf/no-kernel", {"type": "CRF", "units": 5, "use_kernel": False}, [[N, 7, 5]]),
    ("crf/no-kernel-mismatch", {"type": "CRF", "units": 5, "use_kernel": False}, [[N, 7, 6]]),
    ("crf/rank-2", {"type": "CRF", "units": 5}, [[N, 12]]),
    ("crf/unknown-length", {"type": "CRF", "units": 3}, [[N, N, 4]]),
    # NoisyDense: a Dense of mean and scale weights, and the noise, not trainable
    ("noisy/vector", {"type": "NoisyDense", "units": 4}, [[N, 6]]),
    ("noisy/sequence-no-bias", {"type": "NoisyDense", "units": 4, "use_bias": False,
                                "use_factorised": False}, [[N, 3, 6]]),
    ("noisy/sequence", {"type": "NoisyDense", "units": 4, "use_factorised": False, "activation": "relu"},
     [[N, 3, 6]]),
    ("noisy/unknown-features", {"type": "NoisyDense", "units": 4}, [[N, N]]),
    # PolynomialCrossing: [x0, x], a cross of the two
    ("poly/full", {"type": "PolynomialCrossing"}, [[N, 8], [N, 8]]),
    ("poly/projection", {"type": "PolynomialCrossing", "projection_dim": 2, "use_bias": False},
     [[N, 8], [N, 8]]),
    ("poly/projection-too-big", {"type": "PolynomialCrossing", "projection_dim": 5}, [[N, 8], [N, 8]]),
    ("poly/one-input", {"type": "PolynomialCrossing"}, [[N, 8]]),
    ("poly/broadcast", {"type": "PolynomialCrossing"}, [[N, 1], [N, 8]]),
]


def _make(tf, tfa, layer: dict):
    args = {k: v for k, v in layer.items() if k != "type"}
    if isinstance(args.get("layer"), dict):
        inner = dict(args["layer"])
        args["layer"] = getattr(tf.keras.layers, inner.pop("type"))(**inner)
    return getattr(tfa.layers, layer["type"])(**args)


def _said(e: Exception) -> str:
    """The error as one line; of an error inside the layer's call(), which tf.keras wraps
    with its traceback, the error itself."""
    text = " ".join(str(e).split())
    inner = re.findall(r"(\w+Error): (.*?)(?= Call arguments received|$)", text)
    if "in user code:" in text and inner:
        return ": ".join(inner[-1])[:300]
    return f"{type(e).__name__}: {text}"[:300]


def _truth(tf, tfa, layer: dict, shapes: list[list]) -> dict:
    tf.keras.backend.clear_session()
    try:
        made = _make(tf, tfa, layer)
        inputs = [tf.keras.Input(shape=s[1:], batch_size=s[0]) for s in shapes]
        out = made(inputs if len(inputs) > 1 else inputs[0])
    except Exception as e:  # noqa: BLE001 - what tfa raises is the record
        return {"error": _said(e)}
    outs = out if isinstance(out, (list, tuple)) else [out]
    trainable = {id(w) for w in made.trainable_weights}
    return {
        "outputs": [list(o.shape) for o in outs],
        "weights": [{"name": w.name, "shape": list(w.shape), "trainable": id(w) in trainable}
                    for w in made.weights],
        "params": made.count_params(),
    }


# Programs that build models of tfa's layers; each model, saved by tf.keras 2
# (``model.to_json()``, tests/fixtures/addons_<name>.json), is what the Keras-file reader is
# given, and its facts are recorded beside it.
PROGRAMS = {
    "model": """
import tensorflow as tf
import tensorflow_addons as tfa
from tensorflow.keras import layers

inp = tf.keras.Input((32, 32, 3), name="image")
x = layers.Conv2D(16, 3, padding="same")(inp)
x = tfa.layers.InstanceNormalization()(x)
x = layers.ReLU()(x)
x = tfa.layers.SpectralNormalization(layers.Conv2D(32, 3, strides=2, padding="same"))(x)
x = tfa.layers.GroupNormalization(groups=8)(x)
x = tfa.layers.FilterResponseNormalization(learned_epsilon=True)(x)
y = tfa.layers.WeightNormalization(layers.Conv2D(32, 1), data_init=False)(x)
x = tfa.layers.StochasticDepth(0.9)([x, y])
x = tfa.layers.GELU()(x)
x = tfa.layers.AdaptiveAveragePooling2D((4, 4))(x)
x = tfa.layers.Maxout(8)(x)
x = layers.Flatten()(x)
x = tfa.layers.WeightNormalization(layers.Dense(10))(x)
out = tfa.layers.Sparsemax()(x)
model = tf.keras.Model(inp, out, name="addons_model")
""",
    "tagger": """
import tensorflow as tf
import tensorflow_addons as tfa
from tensorflow.keras import layers

tokens = tf.keras.Input((12,), name="tokens")
x = layers.Embedding(1000, 32)(tokens)
x = tfa.layers.MultiHeadAttention(head_size=8, num_heads=4)([x, x])
x = tfa.layers.NoisyDense(16)(x)
cross = tfa.layers.PolynomialCrossing(projection_dim=4)([x, x])
decoded, potentials, lengths, transitions = tfa.layers.CRF(5)(cross)
model = tf.keras.Model(tokens, potentials, name="tagger")
""",
}


def saved(name: str) -> Path:
    return TRUTH.with_name(f"addons_{name}.json")


def _model_facts(tf, program: str) -> tuple[str, dict]:
    tf.keras.backend.clear_session()
    scope: dict = {}
    exec(program, scope)  # the oracle's own program, run to record what tf.keras builds
    model = scope["model"]
    layers = []
    for layer in model.layers:
        trainable = {id(w) for w in layer.trainable_weights}
        outputs = layer.output if isinstance(layer.output, list) else [layer.output]
        layers.append({"name": layer.name, "class": type(layer).__name__,
                       "output_shapes": [list(o.shape) for o in outputs], "params": layer.count_params(),
                       "weights": [{"name": w.name, "shape": list(w.shape), "trainable": id(w) in trainable}
                                   for w in layer.weights]})
    return model.to_json(indent=1), {"name": model.name, "params": model.count_params(), "layers": layers}


def record() -> dict:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import warnings

    warnings.filterwarnings("ignore")
    import keras
    import tensorflow as tf
    import tensorflow_addons as tfa

    models = {}
    for name, program in PROGRAMS.items():
        text, models[name] = _model_facts(tf, program)
        saved(name).write_text(text + "\n")
    return {
        "models": models,
        "made_by": f"tensorflow {tf.__version__}, tensorflow-addons {tfa.__version__}, "
                   f"keras {keras.__version__}",
        "cases": [{"id": cid, "layer": layer, "inputs": shapes, "truth": _truth(tf, tfa, layer, shapes)}
                  for cid, layer, shapes in CASES],
    }


def main(argv: list[str]) -> int:
    got = record()
    text = json.dumps(got, indent=1) + "\n"
    if "--write" in argv:
        TRUTH.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
