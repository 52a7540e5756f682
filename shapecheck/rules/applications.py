"""Keras's own layer classes that keras.applications defines but Keras does not export
as layers: a saved ConvNeXt or InceptionResNetV2 names them by module
(``keras.src.applications.convnext.LayerScale``), so they are registered under those
names only, never the bare class name a user's own class may also have.

References: keras/src/applications/{convnext,inception_resnet_v2}.py and their tf_keras
twins (tf_keras/src/applications/...).
"""

from __future__ import annotations

from .checks import broadcast_shapes
from .registry import Axis, LayerCall, Output, Weight, float_arg, int_arg, rule

_WHERE = ("keras.src.applications", "tf_keras.src.applications")


@rule(*(f"{m}.convnext.LayerScale" for m in _WHERE),
      args=(int_arg("projection_dim", doc="the length of gamma: the input's last axis"),
            float_arg("init_values", 1e-6, lo=0.0, hi=1e9, doc="no shape change")),
      family="applications")
def layer_scale(call: LayerCall) -> Output:
    """ConvNeXt's ``x * gamma``: gamma has ``projection_dim`` entries, one per channel
    (Keras 3 names the variable ``variable``, tf.keras ``gamma``)."""
    dim = call["projection_dim"]
    path = "gamma" if call.dialect in ("keras2", "tfjs") else "variable"
    gamma = Weight(path, (Axis(dim, "projection_dim", f"one scale per channel (projection_dim={dim}), "
                                                      "multiplying the input's last axis"),))
    return Output((call.shape,), (gamma,), why=("x * gamma: the input's shape",))


@rule(*(f"{m}.inception_resnet_v2.CustomScaleLayer" for m in _WHERE),
      args=(float_arg("scale", lo=-1e9, hi=1e9, doc="no shape change"),), inputs=2,
      family="applications")
def custom_scale_layer(call: LayerCall) -> Output:
    """InceptionResNetV2's ``inputs[0] + inputs[1] * scale``: the two broadcast."""
    return Output((broadcast_shapes(call, call.inputs),), why=("inputs[0] + inputs[1] * scale",))
