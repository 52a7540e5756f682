"""Keras 1 configs, read as Keras 2 read them: Keras 2.0-2.2 kept a legacy interface for
every layer whose arguments Keras 1 named otherwise (``keras/legacy/interfaces.py``:
``nb_filter`` is ``filters``, ``nb_row``/``nb_col`` the ``kernel_size``, ``border_mode``
the ``padding``, ``subsample`` the ``strides``, ``dim_ordering`` "th" is
``channels_first``, ``output_dim`` a Dense's or RNN's ``units``...) and a legacy ``Merge``
layer, so a Keras 1 model file loaded in Keras 2 with these meanings. This module is that
translation, as a table; the reader says once per file that it applied it (SC116).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_WEIGHTS = {"init": "kernel_initializer", "W_regularizer": "kernel_regularizer",
            "b_regularizer": "bias_regularizer", "W_constraint": "kernel_constraint",
            "b_constraint": "bias_constraint", "bias": "use_bias"}
_CONV = {"nb_filter": "filters", "subsample": "strides", "border_mode": "padding",
         "dim_ordering": "data_format", **_WEIGHTS}
_POOL = {"border_mode": "padding", "dim_ordering": "data_format"}
_RNN = {"output_dim": "units", "init": "kernel_initializer", "inner_init": "recurrent_initializer",
        "inner_activation": "recurrent_activation", "W_regularizer": "kernel_regularizer",
        "b_regularizer": "bias_regularizer", "U_regularizer": "recurrent_regularizer",
        "dropout_W": "dropout", "dropout_U": "recurrent_dropout", "consume_less": "implementation"}

#: Keras 1 argument name -> Keras 2 name, per (Keras 2) class.
RENAMES: dict[str, dict[str, str]] = {
    "Dense": {"output_dim": "units", **_WEIGHTS},
    "Dropout": {"p": "rate"}, "GaussianDropout": {"p": "rate"}, "SpatialDropout1D": {"p": "rate"},
    "SpatialDropout2D": {"p": "rate", "dim_ordering": "data_format"},
    "SpatialDropout3D": {"p": "rate", "dim_ordering": "data_format"},
    "GaussianNoise": {"sigma": "stddev"},
    "Embedding": {"init": "embeddings_initializer", "W_regularizer": "embeddings_regularizer",
                  "W_constraint": "embeddings_constraint"},
    "PReLU": {"init": "alpha_initializer"},
    "SimpleRNN": _RNN, "LSTM": _RNN, "GRU": _RNN,
    "Conv1D": {"nb_filter": "filters", "filter_length": "kernel_size", "subsample_length": "strides",
               "border_mode": "padding", **_WEIGHTS},
    "Conv2D": _CONV, "Conv3D": _CONV, "Conv2DTranspose": _CONV,
    "SeparableConv2D": {k: v for k, v in _CONV.items() if k not in ("init", "W_regularizer", "W_constraint")},
    "MaxPooling1D": {"pool_length": "pool_size", "stride": "strides", "border_mode": "padding"},
    "AveragePooling1D": {"pool_length": "pool_size", "stride": "strides", "border_mode": "padding"},
    **{f"{kind}Pooling{n}D": _POOL for kind in ("Max", "Average") for n in (2, 3)},
    **{f"Global{kind}Pooling{n}D": {"dim_ordering": "data_format"} for kind in ("Max", "Average")
       for n in (2, 3)},
    "UpSampling1D": {"length": "size"},
    "UpSampling2D": {"dim_ordering": "data_format"}, "UpSampling3D": {"dim_ordering": "data_format"},
    "ZeroPadding2D": {"dim_ordering": "data_format"}, "ZeroPadding3D": {"dim_ordering": "data_format"},
    "Cropping2D": {"dim_ordering": "data_format"}, "Cropping3D": {"dim_ordering": "data_format"},
    "BatchNormalization": {"beta_init": "beta_initializer", "gamma_init": "gamma_initializer"},
}
#: Keras 1 class names Keras 2 renamed.
CLASSES = {"Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
           "Deconvolution2D": "Conv2DTranspose", "AtrousConvolution1D": "Conv1D",
           "AtrousConvolution2D": "Conv2D", "SeparableConvolution2D": "SeparableConv2D"}
_ORDERING = {"tf": "channels_last", "th": "channels_first", "default": None}
# Arguments Keras 2 dropped (Keras 1 only, or about how a layer ran), everywhere and per class.
_DROPPED = ("consume_less", "input_dtype", "forget_bias_init")
_DROPPED_BY_CLASS = {"BatchNormalization": ("mode",), "Embedding": ("dropout",),
                     "Conv2DTranspose": ("output_shape",)}
# Keras 1 argument names no Keras 2 layer has: a config holding them is Keras 1.
MARKERS = frozenset({"nb_filter", "nb_row", "nb_col", "border_mode", "subsample", "dim_ordering",
                     "output_dim", "init", "inner_init", "W_regularizer", "filter_length", "pool_length",
                     "atrous_rate", "consume_less", "dropout_W"})
# Merge(mode=...) -> the Keras 2 merge layer.
MERGE_MODES = {"concat": "Concatenate", "sum": "Add", "mul": "Multiply", "ave": "Average", "max": "Maximum",
               "dot": "Dot"}


def is_keras1(model: dict) -> bool:
    """A Keras 1 model: ``keras_version`` 1.x, or layers with Keras 1's argument names."""
    version = str(model.get("keras_version", ""))
    if version.startswith("1."):
        return True
    if version.startswith(("2.", "3.")):
        return False
    config = model.get("config")
    layers = config if isinstance(config, list) else \
        config.get("layers") if isinstance(config, dict) else None
    for obj in layers if isinstance(layers, list) else ():
        cfg = obj.get("config") if isinstance(obj, dict) else None
        if isinstance(cfg, dict) and MARKERS & set(cfg):
            return True
    return False


def translate(cls: str, config: dict) -> tuple[str, dict[str, Any]]:
    """The Keras 2 class and arguments Keras 2's legacy interfaces made of a Keras 1
    layer (a config that is not Keras 1 comes back as it is)."""
    if cls == "Merge":
        return _merge(config)
    atrous = cls.startswith("AtrousConvolution")
    cls = CLASSES.get(cls, cls)
    renames = RENAMES.get(cls, {})
    out: dict[str, Any] = {}
    for key, value in config.items():
        new = renames.get(key, key)
        if key == "dim_ordering":
            value = _ORDERING.get(value, value)
            new = "data_format"
        if key == "atrous_rate" and atrous:
            new = "dilation_rate"
        if new == key and (key in _DROPPED or key in _DROPPED_BY_CLASS.get(cls, ())):
            continue
        if new == "kernel_size" and isinstance(value, int) and cls == "Conv1D":
            value = [value]
        out[new] = value
    if "nb_row" in out or "nb_col" in out:  # Conv2D(nb_filter, nb_row, nb_col)
        out["kernel_size"] = [out.pop("nb_row", None), out.pop("nb_col", None)]
    if cls == "Conv3D" and {"kernel_dim1", "kernel_dim2", "kernel_dim3"} <= set(out):
        out["kernel_size"] = [out.pop("kernel_dim1"), out.pop("kernel_dim2"), out.pop("kernel_dim3")]
    return cls, out


def _merge(config: dict) -> tuple[str, dict[str, Any]]:
    mode = config.get("mode", "sum")
    cls = MERGE_MODES.get(mode if isinstance(mode, str) else "", "Merge")
    out: dict[str, Any] = {"name": config.get("name")}
    if cls == "Concatenate":
        out["axis"] = config.get("concat_axis", -1)
    elif cls == "Dot":
        out["axes"] = config.get("dot_axes", -1)
    return cls, out
