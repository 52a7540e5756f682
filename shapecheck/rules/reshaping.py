"""Reshaping layers that move or resize axes: Permute, Cropping1D/2D/3D,
ZeroPadding1D/2D/3D, UpSampling1D/2D/3D.

References: keras/src/layers/reshaping/{permute,cropping*,zero_padding*,up_sampling*}.py.
Spatial axes are 1..n for ``channels_last`` and 2..n+1 for ``channels_first``; an
unknown spatial size stays unknown, a named one stays symbolic.
"""

from __future__ import annotations

from collections.abc import Callable

from ..diagnostics import Finding
from ..dims import Dim, add, fmt, fmt_shape, mul
from .checks import need_rank, spatial_axes
from .registry import Arg, LayerCall, Note, Output, choice_arg, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_FORMAT = choice_arg("data_format", ("channels_last", "channels_first", None), None,
                     doc="where the channels axis is; null means channels_last")


def _is_int(v: Any, lo: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= lo


def _pairs(n: int, lo: int, what: str) -> Callable[[Any], tuple[tuple[int, int], ...]]:
    """Keras's forms: one int for every side, n ints (symmetric per axis), or n pairs."""

    def check(v: Any) -> tuple[tuple[int, int], ...]:
        if _is_int(v, lo):
            return ((v, v),) * n
        if isinstance(v, (list, tuple)) and len(v) == n:
            if all(_is_int(x, lo) for x in v):
                if n == 1:  # Cropping1D/ZeroPadding1D: a pair is (before, after)
                    pass
                else:
                    return tuple((x, x) for x in v)
            elif all(isinstance(x, (list, tuple)) and len(x) == 2 and all(_is_int(y, lo) for y in x)
                     for x in v):
                return tuple((x[0], x[1]) for x in v)
        if n == 1 and isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_int(x, lo) for x in v):
            return ((v[0], v[1]),)
        form = "an int or [before, after]" if n == 1 else \
            f"an int, {n} ints, or {n} pairs [before, after]"
        raise ValueError(f"expected {form} of integers >= {lo} ({what}), got {v!r}")

    return check


def _sizes(n: int) -> Callable[[Any], tuple[int, ...]]:
    def check(v: Any) -> tuple[int, ...]:
        if _is_int(v, 1):
            return (v,) * n
        if n > 1 and isinstance(v, (list, tuple)) and len(v) == n and all(_is_int(x, 1) for x in v):
            return tuple(v)
        form = "an integer >= 1" if n == 1 else f"an integer >= 1 or {n} of them"
        raise ValueError(f"expected {form}, got {v!r}")

    return check


def _spatial(call: LayerCall, n: int) -> tuple[int, ...]:
    need_rank(call, call.shape, ndim=n + 2)
    return spatial_axes(n, call.args.get("data_format") or "channels_last")


def _positive(call: LayerCall, d: Dim, before: Dim, crop: tuple[int, int], axis: int,
              notes: list[Note]) -> None:
    """A cropped size must stay >= 1: provably not is SC306, undecided is SC304."""
    if d is None or crop == (0, 0):
        return
    if isinstance(d, int):
        if d <= 0:
            raise Finding("SC306", f"{call.type}: cropping {crop[0]}+{crop[1]} from axis {axis} of "
                          f"size {fmt(before)} leaves {d}; `cropping` must be smaller than the "
                          f"input size. Received: input_shape={fmt_shape(call.shape)}, "
                          f"cropping={list(call['cropping'])}", arg="cropping",
                          hint=f"crop less than {fmt(before)} in total on axis {axis}")
        return
    fits = call.facts.positive(d)
    if fits:
        return
    if fits is False:
        raise Finding("SC306", f"{call.type}: cropping {crop[0]}+{crop[1]} from axis {axis} of size "
                      f"{fmt(before)} leaves {fmt(d)} <= 0 for every allowed size",
                      arg="cropping")
    notes.append(Note("SC304", f"{call.type} requires {fmt(before)} > {crop[0] + crop[1]} "
                      f"(axis {axis} keeps {fmt(d)})",
                      hint=f"state it in dims:, e.g. min: {crop[0] + crop[1] + 1}"))


def _crop(n: int):
    def fn(call: LayerCall) -> Output:
        shape = list(call.shape)
        notes: list[Note] = []
        for axis, crop in zip(_spatial(call, n), call["cropping"]):
            before = shape[axis]
            shape[axis] = add(before, -crop[0], -crop[1])
            _positive(call, shape[axis], before, crop, axis, notes)
        return Output((tuple(shape),), notes=tuple(notes),
                      why=("each spatial axis loses its cropping before and after",))

    fn.__doc__ = f"Each of the {n} spatial axes shrinks by its cropping before and after."
    return fn


def _pad(n: int):
    def fn(call: LayerCall) -> Output:
        shape = list(call.shape)
        for axis, pad in zip(_spatial(call, n), call["padding"]):
            shape[axis] = add(shape[axis], pad[0], pad[1])
        return Output((tuple(shape),), why=("each spatial axis gains its padding before and "
                                            "after",))

    fn.__doc__ = f"Each of the {n} spatial axes grows by its padding before and after."
    return fn


def _upsample(n: int):
    def fn(call: LayerCall) -> Output:
        shape = list(call.shape)
        for axis, k in zip(_spatial(call, n), call["size"]):
            shape[axis] = mul(k, shape[axis])
        return Output((tuple(shape),), why=("each spatial axis is repeated size times",))

    fn.__doc__ = f"Each of the {n} spatial axes is multiplied by its size."
    return fn


_CROP_DEFAULT = {1: ((1, 1),), 2: ((0, 0), (0, 0)), 3: ((1, 1), (1, 1), (1, 1))}
_PAD_DEFAULT = {1: ((1, 1),), 2: ((1, 1), (1, 1)), 3: ((1, 1), (1, 1), (1, 1))}
_SIZE_DEFAULT = {1: (2,), 2: (2, 2), 3: (2, 2, 2)}

for _n in (1, 2, 3):
    _fmt = () if _n == 1 else (_FORMAT,)
    rule(f"Cropping{_n}D", args=(Arg("cropping", _pairs(_n, 0, "cropping"), _CROP_DEFAULT[_n],
                                     doc="how much to cut from each end of each spatial axis",
                                     kind="int | [int] | [[int, int]]"), *_fmt))(_crop(_n))
    rule(f"ZeroPadding{_n}D", args=(Arg("padding", _pairs(_n, 0, "padding"), _PAD_DEFAULT[_n],
                                        doc="zeros added at each end of each spatial axis",
                                        kind="int | [int] | [[int, int]]"), *_fmt))(_pad(_n))
    rule(f"UpSampling{_n}D", args=(Arg("size", _sizes(_n), _SIZE_DEFAULT[_n],
                                       doc="repetitions along each spatial axis",
                                       kind="int" if _n == 1 else "int | [int]"), *_fmt),
         accepts=("interpolation",) if _n == 2 else ())(_upsample(_n))


def _dims(v: Any) -> tuple[int, ...]:
    if not isinstance(v, (list, tuple)) or not v or not all(_is_int(x, 1) for x in v):
        raise ValueError(f"expected a permutation of 1..n such as [2, 1], got {v!r}")
    if sorted(v) != list(range(1, len(v) + 1)):
        raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set of "
                         f"indices in `dims` must be consecutive and start from 1. "
                         f"Received dims={list(v)}")
    return tuple(v)


@rule("Permute", args=(Arg("dims", _dims, doc="the new order of the axes after the batch, "
                           "numbered from 1", kind="[int]"),))
def permute(call: LayerCall) -> Output:
    """Keeps the batch axis and reorders the others by ``dims`` (1-based)."""
    shape = call.shape
    need_rank(call, shape, ndim=len(call["dims"]) + 1)
    return Output(((shape[0], *(shape[d] for d in call["dims"])),),
                  why=(f"output axis i is input axis dims[i-1]; dims={list(call['dims'])}",))


