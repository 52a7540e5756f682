"""What Keras 1-2 and tf.keras write in a config that Keras 3 does not: older class names,
arguments Keras 3 dropped, and arguments a layer inherits from its base class without
reading them; and the names tf.keras 2 gives TensorFlow Addons' layers. ``keras_config``
reads a config into the spec form with these."""

from __future__ import annotations

from ..rules.keras_names import TFA_LAYERS

# Keras 1/2 class names for what Keras 3 calls otherwise.
LEGACY_CLASSES = {
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "Convolution2DTranspose": "Conv2DTranspose", "Convolution3DTranspose": "Conv3DTranspose",
    "AtrousConvolution1D": "Conv1D", "AtrousConvolution2D": "Conv2D",
    "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
    "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D",
    "AvgPool3D": "AveragePooling3D",
}
# Keras 2's own classes that Keras 3 does not have; AddLoss and AddMetric are what a
# functional model's add_loss / add_metric insert (tf_keras's engine/base_layer.py).
LEGACY_LAYERS = ("CuDNNLSTM", "CuDNNGRU", "ThresholdedReLU", "AddLoss", "AddMetric")
# Keras 2 arguments that Keras 3 dropped; they do not change shapes.
LEGACY_ARGS = ("implementation", "input_dtype", "batch_input_shape", "batch_size", "input_length",
               "name")
# What tf.keras writes of a convolution's base class (its Conv) that the layer itself never
# reads, its build and call being its own: Conv's `groups` (1 unless given) and, for the
# separable ones, Conv's kernel_* arguments, for a kernel they do not have. Keras 3's
# classes take neither; a Keras 2 file's are skipped (a groups other than 1 is left to
# the rule, which warns that it ignores it).
_GROUPS = frozenset({"groups"})
CONV_INHERITED = {
    **{f"Conv{r}DTranspose": _GROUPS for r in (1, 2, 3)},
    **{f"DepthwiseConv{r}D": _GROUPS for r in (1, 2)},
    **{f"SeparableConv{r}D": _GROUPS | {"kernel_initializer", "kernel_regularizer", "kernel_constraint"}
       for r in (1, 2)},
}


_TFA_CLASSES = frozenset(name.split(">", 1)[1] for name in TFA_LAYERS)


def addons_class(obj: dict, cls: str) -> str | None:
    """The registered name of a TensorFlow Addons layer (``Addons>InstanceNormalization``):
    tf.keras before 2.13 writes it as the class name, 2.13-2.15 write the class with
    tfa's module and the registered name beside it. Read with tfa's rules, not as a
    custom class: these are known classes, whose config is all the rules need."""
    if cls not in _TFA_CLASSES:  # most layers: one look-up (this runs for every layer read)
        return cls if cls in TFA_LAYERS else None  # "Addons>GELU", as the class name
    module, registered = obj.get("module"), obj.get("registered_name")
    tfa = isinstance(module, str) and module.split(".", 1)[0] == "tensorflow_addons"
    return f"Addons>{cls}" if tfa or registered == f"Addons>{cls}" else None
