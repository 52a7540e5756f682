"""Pooling: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D, the global poolings and the
adaptive poolings (AdaptiveAveragePooling1D/2D/3D, AdaptiveMaxPooling1D/2D/3D).

References: keras/src/layers/pooling/{base_pooling,base_global_pooling,base_adaptive_pooling}.py and
``operation_utils.compute_pooling_output_shape``. Max and average pooling share one
rule (as onnxruntime's MaxPool and AveragePool do): the window arithmetic is the
convolution's with dilation 1, the channels pass through, and there are no weights.
"""

from __future__ import annotations

from ..dims import fmt
from .checks import channel_axis, need_rank, spatial_axes
from .conv import check_positive, data_format_arg, padding_arg, tuple_arg, window_out
from .registry import REQUIRED, Arg, LayerCall, Output, bool_arg, rule


def pooling(call: LayerCall, rank: int) -> Output:
    shape = call.shape
    need_rank(call, shape, ndim=rank + 2)
    pool, fmt_ = call["pool_size"], call["data_format"]
    strides = call["strides"] or pool  # Keras: strides default to pool_size
    out, why, notes = list(shape), [], []
    for i, axis in enumerate(spatial_axes(rank, fmt_)):
        size, text = window_out(shape[axis], pool[i], strides[i], 1, call["padding"])
        note = check_positive(call, axis, size, text, shape)
        if note:
            notes.append(note)
        out[axis] = size
        why.append(f"axis {axis} ({call['padding']}, pool_size={pool[i]}, strides={strides[i]}): "
                   f"{text} = {fmt(size)}")
    return Output((tuple(out),), (), tuple(notes), tuple(why) + ("channels pass through",))


def _pool_rule(name: str, rank: int, default_pool: object) -> None:
    args: tuple[Arg, ...] = (
        tuple_arg("pool_size", rank, default_pool, doc="the window's size along each spatial axis"),
        tuple_arg("strides", rank, None, optional=True, doc="step of the window; null: pool_size"),
        padding_arg(("valid", "same"), lower=False),
        data_format_arg(),
    )

    def fn(call: LayerCall) -> Output:
        return pooling(call, rank)

    fn.__doc__ = ("Each spatial axis: valid floor((n - pool_size)/strides) + 1, same "
                  "ceil(n/strides); strides default to pool_size; channels unchanged; no weights.")
    rule(name, args=args)(fn)


# MaxPooling has a default window of 2; AveragePooling's pool_size is required.
for _rank in (1, 2, 3):
    _pool_rule(f"MaxPooling{_rank}D", _rank, 2)
    _pool_rule(f"AveragePooling{_rank}D", _rank, REQUIRED)


def global_pooling(call: LayerCall, rank: int) -> Output:
    shape = call.shape
    need_rank(call, shape, ndim=rank + 2)
    fmt_ = call["data_format"]
    c = shape[channel_axis(fmt_)]
    if call["keepdims"]:
        spatial = (1,) * rank
        out = (shape[0], *spatial, c) if fmt_ == "channels_last" else (shape[0], c, *spatial)
        why = ("keepdims=True: every spatial axis becomes 1",)
    else:
        out = (shape[0], c)
        why = ("keepdims=False: the spatial axes are reduced away; (batch, channels) remains",)
    return Output((out,), (), (), why)


def _global_rule(name: str, rank: int) -> None:
    def fn(call: LayerCall) -> Output:
        return global_pooling(call, rank)

    fn.__doc__ = ("Reduces every spatial axis: (batch, channels), or 1 per spatial axis with "
                  "keepdims; no weights.")
    rule(name, args=(data_format_arg(), bool_arg("keepdims", False, doc="keep the spatial axes "
                                                 "as size 1")))(fn)


for _rank in (1, 2, 3):
    _global_rule(f"GlobalMaxPooling{_rank}D", _rank)
    _global_rule(f"GlobalAveragePooling{_rank}D", _rank)


# --- adaptive pooling --------------------------------------------------------------------
# keras/src/layers/pooling/base_adaptive_pooling.py: the window is derived from the
# input, so every spatial axis becomes output_size whatever its size (larger, smaller,
# or unknown); only the rank must be right (the op rejects any other rank when it runs).


def adaptive_pooling(call: LayerCall, rank: int) -> Output:
    shape = call.shape
    need_rank(call, shape, ndim=rank + 2)
    size, fmt_ = call["output_size"], call["data_format"]
    c = shape[channel_axis(fmt_)]
    out = (shape[0], *size, c) if fmt_ == "channels_last" else (shape[0], c, *size)
    why = tuple(f"axis {axis}: output_size={size[i]}, whatever the input's {fmt(shape[axis])}; "
                "the window adapts to the input" for i, axis in enumerate(spatial_axes(rank, fmt_)))
    return Output((out,), (), (), why + ("channels pass through",))


def _adaptive_rule(name: str, rank: int) -> None:
    def fn(call: LayerCall) -> Output:
        return adaptive_pooling(call, rank)

    fn.__doc__ = ("Each spatial axis becomes output_size, whatever the input size (the window "
                  "adapts to it); channels unchanged; no weights.")
    rule(name, args=(tuple_arg("output_size", rank, doc="the size of each spatial axis of the output"),
                     data_format_arg()))(fn)


for _rank in (1, 2, 3):
    _adaptive_rule(f"AdaptiveAveragePooling{_rank}D", _rank)
    _adaptive_rule(f"AdaptiveMaxPooling{_rank}D", _rank)
