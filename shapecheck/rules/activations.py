"""Activation layers and the shape-preserving noise and regularization layers:
ReLU, LeakyReLU, PReLU, ELU, Softmax, Identity, SpatialDropout1D/2D/3D,
GaussianDropout, GaussianNoise, AlphaDropout, ActivityRegularization.

References: keras/src/layers/activations/*.py, keras/src/layers/core/identity.py,
keras/src/layers/regularization/*.py. Only PReLU has a weight: one alpha per input
element (without the batch axis), shared along ``shared_axes``.
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import fmt, fmt_shape
from .checks import need_rank
from .core import same_shape
from .registry import REQUIRED, Arg, Axis, LayerCall, Output, Weight, choice_arg, float_arg, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _any(v: Any) -> Any:
    return v


def _number(name: str, default: Any, doc: str = "no shape change") -> Arg:
    def check(v: Any) -> Any:
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise ValueError(f"expected a number, got {v!r}")
        return v

    return Arg(name, check, default, doc, "float")


rule("ReLU", args=(_number("max_value", None), _number("negative_slope", 0.0),
                   _number("threshold", 0.0)))(same_shape)
rule("LeakyReLU", args=(_number("negative_slope", 0.3),), accepts=("alpha",))(same_shape)
rule("ELU", args=(_number("alpha", 1.0),))(same_shape)
# tf.keras 2 (and Keras 2) only: Keras 3 dropped it for ReLU(threshold=...).
rule("ThresholdedReLU", args=(_number("theta", 1.0),))(same_shape)
rule("Softmax", args=(Arg("axis", _any, -1, doc="the axis summed to 1; no shape change",
                          kind="int | [int]"),))(same_shape)
rule("Identity")(same_shape)
rule("GaussianDropout", args=(float_arg("rate", doc="no shape change"),), accepts=("seed",))(same_shape)
rule("AlphaDropout", args=(float_arg("rate", doc="no shape change"),),
     accepts=("noise_shape", "seed"))(same_shape)
rule("GaussianNoise", args=(_number("stddev", REQUIRED, doc="no shape change"),),
     accepts=("seed",))(same_shape)
rule("ActivityRegularization", args=(_number("l1", 0.0), _number("l2", 0.0)))(same_shape)


def _spatial_dropout(ndim: int):
    def fn(call: LayerCall) -> Output:
        need_rank(call, call.shape, ndim=ndim)
        return Output((call.shape,))

    fn.__doc__ = (f"No shape change; the input must have rank {ndim} (whole feature maps are "
                  "dropped).")
    return fn


for _n in (1, 2, 3):
    _args = (float_arg("rate", doc="no shape change"),)
    if _n > 1:
        _args += (choice_arg("data_format", ("channels_last", "channels_first", None), None,
                             doc="which axis holds the channels; no shape change"),)
    rule(f"SpatialDropout{_n}D", args=_args, accepts=("seed",))(_spatial_dropout(_n + 2))


def _shared(v: Any) -> tuple[int, ...]:
    if v is None:
        return ()
    items = v if isinstance(v, (list, tuple)) else [v]
    if not all(isinstance(a, int) and not isinstance(a, bool) and a >= 1 for a in items):
        raise ValueError(f"expected axis numbers >= 1 (the batch axis is 0), got {v!r}")
    return tuple(items)


@rule("PReLU", args=(Arg("shared_axes", _shared, None, doc="axes along which alpha is shared "
                         "(size 1 in alpha), e.g. [1, 2] for images", kind="[int] | null"),),
      accepts=("alpha_initializer", "alpha_regularizer", "alpha_constraint"))
def prelu(call: LayerCall) -> Output:
    """No shape change; alpha has one slope per input element without the batch
    axis, with size 1 on each of ``shared_axes``."""
    shape = call.shape
    shared = call["shared_axes"] or ()
    for a in shared:
        if a >= len(shape):
            raise Finding("SC301", f"PReLU shared_axes={list(shared)}: axis {a} is out of range for "
                          f"the input {fmt_shape(shape)}", arg="shared_axes")
    axes = []
    for i in range(1, len(shape)):
        if i in shared:
            axes.append(Axis(1, "1", f"shared along input axis {i} (shared_axes)"))
            continue
        d = shape[i]
        if d is None:
            raise Finding("SC302", f"axis {i} of the input to PReLU \"{call.name}\" is undefined: "
                          f"{fmt_shape(shape)}; alpha needs it",
                          hint=f"give that axis a size, or add {i} to shared_axes")
        axes.append(Axis(d, f"input[{i}]", f"one slope per position on input axis {i} "
                         f"({fmt(d)})"))
    return Output((shape,), (Weight("alpha", tuple(axes)),))
