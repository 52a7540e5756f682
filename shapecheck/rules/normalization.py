"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization, RMSNormalization,
UnitNormalization, Normalization, and Rescaling.

References: keras/src/layers/normalization/{batch,layer,group,unit,rms}_normalization.py
and keras/src/layers/preprocessing/{normalization,rescaling}.py. None of them changes
the shape; their weights are vectors over the normalized axis (or axes), so that axis
must be known when the layer is built.
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import Shape, exact_div, fmt, fmt_shape
from .registry import Arg, Axis, LayerCall, Note, Output, Weight, bool_arg, int_arg, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"expected an integer axis, got {v!r}")
    return v


def _axes(v: Any) -> tuple[int, ...]:
    if isinstance(v, bool):
        raise ValueError(f"expected an axis or a list of axes, got {v!r}")
    if isinstance(v, int):
        return (v,)
    if isinstance(v, (list, tuple)) and v and all(isinstance(a, int) and not isinstance(a, bool)
                                                   for a in v):
        return tuple(v)
    raise ValueError(f"expected an axis or a list of axes such as [-2, -1], got {v!r}")


def _opt_axes(v: Any) -> tuple[int, ...]:
    return () if v is None else _axes(v)


def _axis(call: LayerCall, shape: Shape, axis: int, role: str) -> Axis:
    """The weight axis over input axis ``axis``: in range and known."""
    rank = len(shape)
    if not -rank <= axis < rank:
        raise Finding("SC301", f"Axis {axis} is out of bounds for input shape {fmt_shape(shape)}. "
                      f"Received: axis={call['axis']}", arg="axis")
    d = shape[axis]
    if d is None:
        raise Finding("SC302", f"axis {axis} of the input to {call.type} \"{call.name}\" is "
                      f"undefined: {fmt_shape(shape)}; its weights need it",
                      hint="give that axis a size in `inputs:` (or a name such as c)")
    return Axis(d, f"input[{axis}]", f"{role}: axis {axis} of the input {fmt_shape(shape)} "
                f"({fmt(d)})")


_NORM_ACCEPTS = ("epsilon", "beta_initializer", "gamma_initializer", "beta_regularizer",
                 "gamma_regularizer", "beta_constraint", "gamma_constraint")


@rule("BatchNormalization",
      args=(Arg("axis", _int, -1, doc="the features axis; one weight entry per feature",
                kind="int"),
            bool_arg("center", True, doc="adds beta (the learned offset)"),
            bool_arg("scale", True, doc="adds gamma (the learned scale)"),
            bool_arg("renorm", False, doc="adds moving_stddev, renorm_mean, renorm_stddev")),
      accepts=(*_NORM_ACCEPTS, "momentum", "moving_mean_initializer",
               "moving_variance_initializer", "renorm_clipping", "renorm_momentum",
               "synchronized"))
def batch_normalization(call: LayerCall) -> Output:
    """No shape change; gamma and beta (trainable) and the moving statistics
    (non-trainable) are each one entry per feature on ``axis``."""
    shape = call.shape
    c = _axis(call, shape, call["axis"], "one entry per feature")
    weights = []
    if call["scale"]:
        weights.append(Weight("gamma", (c,)))
    if call["center"]:
        weights.append(Weight("beta", (c,)))
    weights += [Weight("moving_mean", (c,), trainable=False),
                Weight("moving_variance", (c,), trainable=False)]
    if call["renorm"]:
        weights += [Weight(n, (c,), trainable=False)
                    for n in ("moving_stddev", "renorm_mean", "renorm_stddev")]
    return Output((shape,), tuple(weights))


@rule("LayerNormalization",
      args=(Arg("axis", _axes, (-1,), doc="the axis or axes normalized over; the weights span "
                "them", kind="int | [int]"),
            bool_arg("center", True, doc="adds beta (not with rms_scaling)"),
            bool_arg("scale", True, doc="adds gamma"),
            bool_arg("rms_scaling", False, doc="deprecated in Keras 3: gamma only, no beta")),
      accepts=_NORM_ACCEPTS)
def layer_normalization(call: LayerCall) -> Output:
    """No shape change; gamma and beta span the normalized axes, in sorted order of
    the axis numbers as written (Keras sorts ``axis`` before building, so [-1, 1]
    stays in that order)."""
    shape = call.shape
    axes = sorted(call["axis"])
    w = tuple(_axis(call, shape, a, "one entry per position of a normalized axis") for a in axes)
    weights = []
    if call["scale"] or call["rms_scaling"]:
        weights.append(Weight("gamma", w))
    if call["center"] and not call["rms_scaling"]:
        weights.append(Weight("beta", w))
    return Output((shape,), tuple(weights))


@rule("GroupNormalization",
      args=(int_arg("groups", 32, min=-1, doc="channels are split into this many groups; must "
                    "divide the channels (-1: one group per channel)"),
            Arg("axis", _int, -1, doc="the channels axis", kind="int"),
            bool_arg("center", True, doc="adds beta"),
            bool_arg("scale", True, doc="adds gamma")),
      accepts=_NORM_ACCEPTS)
def group_normalization(call: LayerCall) -> Output:
    """No shape change; ``groups`` must divide the channels; gamma and beta are one
    entry per channel."""
    shape = call.shape
    c = _axis(call, shape, call["axis"], "one entry per channel")
    groups = call["groups"]
    if groups == 0:
        raise Finding("SC403", "GroupNormalization groups must be >= 1 or -1, got 0", arg="groups")
    return grouped(call, c, groups, f"Number of groups ({groups}) cannot be more than the number of "
                   f"channels ({c.size}). Input: {fmt_shape(shape)}",
                   f"GroupNormalization: groups={groups} does not divide the {fmt(c.size)} channels of "
                   f"{fmt_shape(shape)}")


def grouped(call: LayerCall, c: Axis, groups: int, more: str, undivided: str) -> Output:
    """A group normalization's check and weights (Keras's, and TensorFlow Addons'): the
    channels ``c`` in ``groups`` (-1: one a channel), at least as many and a multiple;
    gamma and beta one entry per channel. ``more`` and ``undivided`` say the refusals,
    in the words of the Keras that refuses."""
    notes = []
    if groups != -1:
        if isinstance(c.size, int) and c.size < groups:
            raise Finding("SC306", more, arg="groups", hint=f"use a divisor of {c.size}")
        _, whole = exact_div(c.size, groups, call.facts)
        if whole is False:
            raise Finding("SC306", undivided, arg="groups", hint="use a divisor of the channel count")
        if whole is None:
            notes.append(Note("SC304", f"{call.type} requires {fmt(c.size)} to be divisible "
                              f"by groups={groups} (and >= {groups})",
                              hint=f"state it in dims:, e.g. multiple_of: {groups}"))
    weights = []
    if call["scale"]:
        weights.append(Weight("gamma", (c,)))
    if call["center"]:
        weights.append(Weight("beta", (c,)))
    return Output((call.shape,), tuple(weights), notes=tuple(notes))


@rule("UnitNormalization", args=(Arg("axis", _axes, (-1,), doc="no shape change",
                                     kind="int | [int]"),))
def unit_normalization(call: LayerCall) -> Output:
    """No shape change and no weights."""
    shape = call.shape
    for a in call["axis"]:
        if not -len(shape) <= a < len(shape):
            raise Finding("SC301", f"UnitNormalization axis {a} is out of range for "
                          f"{fmt_shape(shape)}", arg="axis")
    return Output((shape,))


@rule("Rescaling", args=(Arg("scale", lambda v: v, doc="no shape change"),),
      accepts=("offset",))
def rescaling(call: LayerCall) -> Output:
    """No shape change and no weights."""
    return Output((call.shape,))


@rule("Normalization",
      args=(Arg("axis", _opt_axes, (-1,), doc="the axes kept: mean and variance have one entry "
                "per position on them (null: scalar statistics)", kind="int | [int] | null"),
            Arg("mean", lambda v: v, None, doc="given statistics: no weights are created"),
            Arg("variance", lambda v: v, None, doc="given with mean")),
      accepts=("invert",))
def normalization(call: LayerCall) -> Output:
    """No shape change. Unless ``mean`` is given, Keras 3 creates non-trainable mean
    and variance shaped by the kept axes (sorted) and an integer ``count`` scalar."""
    shape = call.shape
    rank = len(shape)
    for a in call["axis"]:
        if not -rank <= a < rank:
            raise Finding("SC301", "All `axis` values must be in the range [-ndim, ndim). Received "
                          f"inputs with ndim={rank}, while axis={list(call['axis'])}", arg="axis")
    if call["mean"] is not None:
        return Output((shape,))
    keep = sorted({a % rank for a in call["axis"]})
    axes = tuple(_axis(call, shape, a, "one statistic per position of a kept axis") for a in keep)
    weights = (Weight("mean", axes, trainable=False), Weight("variance", axes, trainable=False),
               Weight("count", (), trainable=False))
    return Output((shape,), weights)




@rule("RMSNormalization",
      args=(Arg("axis", _axes, (-1,), doc="the axis or axes normalized over; the scale spans them",
                kind="int | [int]"),),
      accepts=("epsilon",))
def rms_normalization(call: LayerCall) -> Output:
    """No shape change; one trainable ``scale`` over the normalized axes, in sorted order
    of the axis numbers as written (Keras sorts a list ``axis`` before building)."""
    shape = call.shape
    axes = sorted(call["axis"])
    w = tuple(_axis(call, shape, a, "one scale entry per position of a normalized axis")
              for a in axes)
    return Output((shape,), (Weight("scale", w),))
