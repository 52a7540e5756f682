"""Checks shared by rules, with Keras's own wording so users recognise the error."""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import Shape, compare, fmt, fmt_shape
from .registry import Axis, LayerCall


def spatial_axes(rank: int, data_format: str) -> tuple[int, ...]:
    return tuple(range(1, rank + 1)) if data_format == "channels_last" else \
        tuple(range(2, rank + 2))


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1


def need_rank(call: LayerCall, shape: Shape, ndim: int | None = None, min_ndim: int | None = None,
              index: int = 0) -> None:
    """Keras's InputSpec check: ``expected ndim=3, found ndim=2``."""
    rank = len(shape)
    if ndim is not None and rank != ndim:
        want = f"ndim={ndim}"
    elif min_ndim is not None and rank < min_ndim:
        want = f"min_ndim={min_ndim}"
    else:
        return
    raise Finding(
        "SC301",
        f'Input {index} of layer "{call.name}" ({call.type}) is incompatible with the layer: '
        f"expected {want}, found ndim={rank}. Full shape received: {fmt_shape(shape)}",
    )


def input_dim_axis(call: LayerCall, shape: Shape, role: str) -> Axis:
    """The weight axis that is the input's last axis (``input_dim``); it must be known,
    because Keras allocates the weight from it."""
    d = shape[-1]
    if d is None:
        raise Finding(
            "SC302",
            f"the last axis of the input to {call.type} \"{call.name}\" is undefined: "
            f"{fmt_shape(shape)}; its weights need it",
            hint="give that axis a size in `inputs:` (or a name such as d), or fix the layer "
            "before it so the axis is known",
        )
    return Axis(d, "input_dim", f"{role}: the last axis of the input {fmt_shape(shape)} "
                f"(input_dim={fmt(d)})")


def broadcast_shapes(call: LayerCall, shapes: tuple[Shape, ...]) -> Shape:
    """NumPy broadcasting, right-aligned: sizes must be equal or 1; unknown sizes are
    taken on trust as Keras does, and a provable clash is an error."""
    if not shapes:
        raise Finding("SC206", f"{call.type} got no tensor")
    rank = max(len(s) for s in shapes)
    out = []
    for axis in range(rank):
        sizes = [s[len(s) - rank + axis] for s in shapes if len(s) - rank + axis >= 0]
        known = [d for d in sizes if d != 1]
        result = known[0] if known else 1
        for d in known[1:]:
            same = compare(result, d, call.facts)
            if same is False:
                raise Finding("SC306", f"{call.type} cannot broadcast "
                              f"{' and '.join(fmt_shape(s) for s in shapes)}: axis {axis - rank} "
                              f"is {fmt(result)} in one and {fmt(d)} in another")
            if result is None:
                result = d
        out.append(result)
    return tuple(out)
