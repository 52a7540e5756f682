"""The layer kinds ``infer-config`` knows, by Keras class and by the snake-case keys Keras
derives from class names, and what the weights of each never record."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from ..reading.weights_h5 import StoredWeight

RNN_BY_GATES = {4: "LSTM", 3: "GRU", 1: "SimpleRNN"}
RNN_TYPES = frozenset(RNN_BY_GATES.values())
CONV = {f"Conv{n}D": n for n in (1, 2, 3)}
CONV_T = {f"Conv{n}DTranspose": n for n in (1, 2, 3)}
# Depthwise and separable convolutions: spatial like CONV (a valid window shortens each axis)
DEPTHWISE = {f"{kind}Conv{n}D": n for kind in ("Depthwise", "Separable") for n in (1, 2)}
MODELS = ("Sequential", "Functional")
# The classes infer-config knows, by Keras 3's snake-case key (``keras.src.utils.naming``).
BY_KEY = {
    "dense": "Dense", "embedding": "Embedding", "lstm": "LSTM", "gru": "GRU", "simple_rnn": "SimpleRNN",
    "bidirectional": "Bidirectional", "time_distributed": "TimeDistributed",
    "batch_normalization": "BatchNormalization", "layer_normalization": "LayerNormalization",
    "sequential": "Sequential", "functional": "Functional",
    **{f"conv{n}d": f"Conv{n}D" for n in (1, 2, 3)},
    **{f"conv{n}d_transpose": f"Conv{n}DTranspose" for n in (1, 2, 3)},
    **{f"depthwise_conv{n}d": f"DepthwiseConv{n}D" for n in (1, 2)},
    **{f"separable_conv{n}d": f"SeparableConv{n}D" for n in (1, 2)},
}
SUPPORTED = frozenset(BY_KEY.values())


@lru_cache(maxsize=1)
def keras_by_snake() -> dict[str, str]:
    """Every Keras layer class by the snake-case name Keras derives from it (the key of
    a Keras 3 weights group, and the auto-name of a layer)."""
    from ..rules.keras_names import KERAS_LAYERS, snake_case

    return {**{snake_case(c): c for c in sorted(KERAS_LAYERS)}, **BY_KEY}


# The parts of Keras layers made of layers (MultiHeadAttention's EinsumDense projections):
# a legacy layer whose weights sit under these scopes is not a model of layers.
COMPOSITE_PARTS = frozenset({"query", "key", "value", "attention_output", "query_dense", "key_dense",
                              "value_dense", "output_dense"})
SAFE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")

# What weights never record, per layer type: (argument, the value written, why).
_ACT = ("activation", "Keras's default (linear)", "a function of the outputs; it has no weights")
_RNN_ACT = ("activation", "Keras's default (tanh)", "a function of the outputs; it has no weights")
_REC_ACT = ("recurrent_activation", "Keras's default (sigmoid)", "a function of the gates; it has no weights")
_SPATIAL = (
    ("strides", "Keras's default (1)", "the stride changes the output size, not the kernel"),
    ("padding", "Keras's default (valid)", "padding changes the output size, not the kernel"),
    ("dilation_rate", "Keras's default (1)", "dilation spreads the kernel over the input; its shape "
     "is the same"),
    ("data_format", "Keras's default (channels_last)", "the kernel is laid out the same for "
     "channels-first inputs"),
)
NOT_IN_WEIGHTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "Dense": (_ACT,),
    "Embedding": (("mask_zero", "Keras's default (false)", "a mask changes no shape or weight"),),
    "LSTM": (_RNN_ACT, _REC_ACT),
    "GRU": (_RNN_ACT, _REC_ACT),
    "SimpleRNN": (_RNN_ACT,),
    "BatchNormalization": (("axis", "Keras's default (-1)", "the vectors are as long as the normalized "
                            "axis, whichever axis it is"),),
    "LayerNormalization": (("axis", "Keras's default (-1)", "the vectors are as long as the normalized "
                            "axis, whichever axis it is"),),
    **{t: (_ACT, *_SPATIAL) for t in CONV},
    **{t: (_ACT, *_SPATIAL) for t in DEPTHWISE},
    **{t: (_ACT, *_SPATIAL, ("output_padding", "Keras's default (None)", "it changes the output "
                             "size, not the kernel")) for t in CONV_T},
}
RNN_FLAGS = (
    ("return_state", "Keras's default (false)", "the states are outputs, not weights"),
    ("go_backwards", "Keras's default (false)", "the direction of the scan changes no weight"),
    ("stateful", "Keras's default (false)", "state kept between batches is not a weight"),
)


def safe_name(name: str | None) -> str | None:
    if not name:
        return None
    if SAFE_NAME.match(name):
        return name
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)[:100]
    if not cleaned or not (cleaned[0].isalpha() or cleaned[0] == "_"):
        cleaned = f"layer_{cleaned}"[:100]
    return cleaned


def class_of(key: str) -> str:
    """The class a Keras 3 key names: ``conv2d_transpose_3`` -> Conv2DTranspose; a key
    that names no Keras class (a custom layer's) is returned as it is."""
    base = re.sub(r"_\d+$", "", key)
    return keras_by_snake().get(base, base)


def named_class(name: str | None) -> str | None:
    """The Keras class a layer's auto-name says it is (``lstm_3``: LSTM), if any."""
    return keras_by_snake().get(re.sub(r"_\d+$", "", name or ""))


def shapes_text(ws: Iterable[StoredWeight]) -> str:
    return ", ".join(str(w.shape) for w in ws) or "none"
