"""Convolutions: Conv1D/2D/3D, their transposes, SeparableConv1D/2D, DepthwiseConv1D/2D.

References: keras/src/layers/convolutional/base_{conv,conv_transpose,separable_conv,
depthwise_conv}.py, ``operation_utils.compute_conv_output_shape`` and
``backend_utils.compute_conv_transpose_output_shape``. Each spatial axis is computed
on its own from the window (kernel, stride, dilation) and the padding; the channel
axis becomes ``filters`` (or ``channels*depth_multiplier``). Keras puts -1 in place of
an unknown size and then None back; we keep named sizes exact instead.
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import Dim, canonical, ceil_div, exact_div, floor_div, fmt, fmt_shape, mul
from .checks import channel_axis, need_rank, spatial_axes
from .registry import REQUIRED, Arg, Axis, LayerCall, Note, Output, Weight, bool_arg, int_arg, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# --- arguments shared with pooling ----------------------------------------------------


def tuple_arg(name: str, rank: int, default: Any = REQUIRED, min: int = 1, doc: str = "",
              optional: bool = False) -> Arg:
    """An int or a list of ``rank`` ints, as Keras's ``standardize_tuple``; always a tuple."""

    def check(v: Any) -> tuple[int, ...] | None:
        if v is None and optional:
            return None
        items = [v] * rank if isinstance(v, int) and not isinstance(v, bool) else v
        if isinstance(items, str) or not isinstance(items, (list, tuple)) or len(items) != rank or \
                any(isinstance(i, bool) or not isinstance(i, int) for i in items):
            raise ValueError(f"expected an integer or a list of {rank} integers, got {v!r}")
        if any(i < min for i in items):
            raise ValueError(f"every value must be >= {min}, got {v!r}")
        return tuple(items)

    kind = f"int >= {min} | [int] * {rank}" + (" | null" if optional else "")
    # Defaults are not checked by the registry, so store them already as tuples.
    return Arg(name, check, default if default is REQUIRED else check(default), doc, kind)


def padding_arg(choices: tuple[str, ...], lower: bool = True) -> Arg:
    """Conv layers lower-case ``padding`` (``standardize_padding``); pooling layers don't."""

    def check(v: Any) -> str:
        got = v.lower() if lower and isinstance(v, str) else v
        if got not in choices:
            raise ValueError(f"expected one of {', '.join(map(repr, choices))}, got {v!r}")
        return got

    docs = {"valid": "no padding", "same": "pads so that size = ceil(n/strides)",
            "causal": "pads on the left only (Conv1D)"}
    return Arg("padding", check, "valid", "; ".join(f"{c}: {docs[c]}" for c in choices),
               " | ".join(repr(c) for c in choices))


def data_format_arg() -> Arg:
    def check(v: Any) -> str:
        got = v.lower() if isinstance(v, str) else v  # standardize_data_format lower-cases
        if got not in ("channels_last", "channels_first", None):
            raise ValueError(f"expected 'channels_last', 'channels_first' or null, got {v!r}")
        return got or "channels_last"  # Keras's image_data_format() default

    # null means Keras's image_data_format(), channels_last unless a keras.json says otherwise.
    return Arg("data_format", check, "channels_last", "where the channel axis is: last (default) or "
               "right after the batch axis", "'channels_last' | 'channels_first' | null")


# --- exact window arithmetic -----------------------------------------------------------


def window_out(n: Dim, k: int, s: int, d: int, padding: str) -> tuple[Dim, str]:
    """One spatial axis of ``compute_conv_output_shape`` / ``compute_pooling_output_shape``,
    and the formula with the numbers in it."""
    eff = (k - 1) * d + 1
    if padding == "valid":
        out = None if n is None else canonical(floor_div(n - eff, s) + 1)
        return out, (f"floor((n - ((k - 1)*d + 1)) / s) + 1 = "
                     f"floor(({fmt(n)} - (({k} - 1)*{d} + 1)) / {s}) + 1")
    out = ceil_div(n, s)
    return out, f"ceil(n / s) = ceil({fmt(n)} / {s})"


def transpose_out(n: Dim, k: int, s: int, d: int, padding: str, op: int | None) -> tuple[Dim, str]:
    """``backend_utils._get_output_shape_given_tf_padding``."""
    eff = (k - 1) * d + 1
    if padding == "valid":
        if op is None:
            text = f"(n - 1)*s + max(k_eff, s) = ({fmt(n)} - 1)*{s} + max({eff}, {s})"
            return (None if n is None else canonical((n - 1) * s + max(eff, s))), text
        text = f"(n - 1)*s + k_eff + output_padding = ({fmt(n)} - 1)*{s} + {eff} + {op}"
        return (None if n is None else canonical((n - 1) * s + eff + op)), text
    if op is None:
        return (None if n is None else canonical(n * s)), f"n*s = {fmt(n)}*{s}"
    text = (f"(n - 1)*s + k_eff % 2 + output_padding = ({fmt(n)} - 1)*{s} + {eff} % 2 + {op}")
    return (None if n is None else canonical((n - 1) * s + eff % 2 + op)), text


def check_positive(call: LayerCall, axis: int, out: Dim, formula: str, shape: tuple) -> Note | None:
    """A concrete size <= 0 is SC308; a named one that may be is stated as a condition."""
    if out is None:
        return None
    if isinstance(out, int):
        if out <= 0:
            raise Finding("SC308", f"{call.type} output axis {axis} would be {formula} = {out}: the "
                          f"window does not fit the input {fmt_shape(shape)}",
                          hint="use padding='same', a smaller kernel/pool size, or a larger input")
        return None
    if call.facts.positive(out):
        return None
    return Note("SC304", f"{call.type} output axis {axis} is {fmt(out)}, which must be >= 1",
                hint="state the input size's minimum in dims:, e.g. min")


def _channels(call: LayerCall, shape: tuple, data_format: str) -> Dim:
    c = shape[channel_axis(data_format)]
    if c is None:
        raise Finding("SC302", f"the channel axis of the input to {call.type} \"{call.name}\" is "
                      f"undefined: {fmt_shape(shape)} (data_format={data_format}); its kernel "
                      "needs it", hint="give that axis a size in `inputs:` (or a name)")
    return c


def _spatial(call: LayerCall, rank: int, transpose: bool = False) -> tuple[tuple, tuple, tuple]:
    """The output's spatial sizes, their explanations and the notes on symbolic sizes."""
    shape, fmt_ = call.shape, call["data_format"]
    ks, st, dil = call["kernel_size"], call["strides"], call["dilation_rate"]
    sizes, why, notes = [], [], []
    for i, axis in enumerate(spatial_axes(rank, fmt_)):
        if transpose:
            op = call["output_padding"]
            out, text = transpose_out(shape[axis], ks[i], st[i], dil[i], call["padding"],
                                      None if op is None else op[i])
        else:
            out, text = window_out(shape[axis], ks[i], st[i], dil[i], call["padding"])
        note = check_positive(call, axis, out, text, shape)
        if note:
            notes.append(note)
        sizes.append(out)
        why.append(f"axis {axis} ({call['padding']}): {text} = {fmt(out)}")
    return tuple(sizes), tuple(why), tuple(notes)


def _place(shape: tuple, data_format: str, spatial: tuple, channels: Dim) -> tuple:
    if data_format == "channels_last":
        return (shape[0], *spatial, channels)
    return (shape[0], channels, *spatial)


def _kernel_axes(call: LayerCall, rank: int) -> tuple[Axis, ...]:
    ks = call["kernel_size"]
    return tuple(Axis(ks[i], f"kernel_size[{i}]", f"the window's extent along spatial axis {i} "
                      f"(kernel_size[{i}]={ks[i]})") for i in range(rank))


def _no_stride_and_dilation(call: LayerCall) -> None:
    if max(call["strides"]) > 1 and max(call["dilation_rate"]) > 1:
        raise Finding("SC403", f"{call.type}: `strides > 1` not supported in conjunction with "
                      f"`dilation_rate > 1`. Received: strides={call['strides']} and "
                      f"dilation_rate={call['dilation_rate']}",
                      hint="set strides=1 or dilation_rate=1", arg="dilation_rate")


# --- the layers --------------------------------------------------------------------------

_ACCEPTS = ("activation", "kernel_initializer", "bias_initializer", "kernel_regularizer",
            "bias_regularizer", "kernel_constraint", "bias_constraint")
_DW_ACCEPTS = ("activation", "depthwise_initializer", "bias_initializer", "depthwise_regularizer",
               "bias_regularizer", "depthwise_constraint", "bias_constraint")
_SEP_ACCEPTS = _DW_ACCEPTS + ("pointwise_initializer", "pointwise_regularizer",
                              "pointwise_constraint")


def _window_args(rank: int, paddings: tuple[str, ...]) -> tuple[Arg, ...]:
    return (
        tuple_arg("kernel_size", rank, doc="the window's size along each spatial axis"),
        tuple_arg("strides", rank, 1, doc="step of the window; divides the output size"),
        padding_arg(paddings),
        data_format_arg(),
        tuple_arg("dilation_rate", rank, 1, doc="spacing of the kernel taps; the window spans "
                  "(k - 1)*d + 1"),
        bool_arg("use_bias", True, doc="adds a bias vector, one per output channel"),
    )


def conv(call: LayerCall, rank: int) -> Output:
    """``BaseConv``: kernel ``kernel_size + (channels/groups, filters)``."""
    shape = call.shape
    need_rank(call, shape, ndim=rank + 2)
    filters, groups, fmt_ = call["filters"], call["groups"], call["data_format"]
    _no_stride_and_dilation(call)
    notes: list[Note] = []
    whole_filters = exact_div(filters, groups, call.facts)[1]
    if whole_filters is False:
        raise Finding("SC403", f"{call.type}: the number of filters must be evenly divisible by the "
                      f"number of groups. Received: groups={groups}, filters={filters}",
                      hint="make filters a multiple of groups", arg="groups")
    if whole_filters is None:  # filters a named size
        notes.append(Note("SC304", f"{call.type} requires filters={filters} to be divisible by "
                          f"groups={groups}", hint="state it in dims: (multiple_of)"))
    c = _channels(call, shape, fmt_)
    per_group, whole = exact_div(c, groups, call.facts)
    if whole is False:
        raise Finding("SC403", f"{call.type}: the number of input channels must be evenly divisible "
                      f"by the number of groups. Received groups={groups}, but the input has "
                      f"{fmt(c)} channels (full input shape is {fmt_shape(shape)})",
                      hint=f"use a groups value that divides {fmt(c)}", arg="groups")
    if whole is None:
        notes.append(Note("SC304", f"{call.type} requires the {fmt(c)} input channels to be "
                          f"divisible by groups={groups}", hint="state it in dims: (multiple_of)"))
    spatial, why, size_notes = _spatial(call, rank)
    cin = Axis(per_group, "input_channels/groups" if groups > 1 else "input_channels",
               f"each filter sees the input's {fmt(c)} channels" +
               (f" of its group only ({fmt(c)}/groups={groups})" if groups > 1 else ""))
    cout = Axis(filters, "filters", f"one kernel per output channel (filters={filters})")
    weights = [Weight("kernel", (*_kernel_axes(call, rank), cin, cout))]
    if call["use_bias"]:
        weights.append(Weight("bias", (cout,)))
    return Output((_place(shape, fmt_, spatial, filters),), tuple(weights),
                  tuple(notes) + size_notes, why + (f"channels: filters={filters}",))


def _conv_rule(name: str, rank: int, paddings: tuple[str, ...]) -> None:
    args = (int_arg("filters", doc="output channels", symbolic=True),) + _window_args(rank, paddings) + (
        int_arg("groups", 1, doc="splits the channels into groups; the kernel sees channels/groups"),)

    def fn(call: LayerCall) -> Output:
        return conv(call, rank)

    fn.__doc__ = (f"Each of the {rank} spatial axes: valid floor((n - ((k - 1)*d + 1))/s) + 1, "
                  "same ceil(n/s)" + (", causal like same" if "causal" in paddings else "") +
                  "; the channel axis becomes filters.")
    fn.__module__ = __name__
    rule(name, args=args, accepts=_ACCEPTS)(fn)


_conv_rule("Conv1D", 1, ("valid", "same", "causal"))
_conv_rule("Conv2D", 2, ("valid", "same"))
_conv_rule("Conv3D", 3, ("valid", "same"))


def conv_transpose(call: LayerCall, rank: int) -> Output:
    """``BaseConvTranspose``: kernel ``kernel_size + (filters, channels)`` (in and out
    swapped: it is the gradient of a convolution)."""
    shape = call.shape
    need_rank(call, shape, ndim=rank + 2)
    filters, fmt_, op, st = call["filters"], call["data_format"], call["output_padding"], \
        call["strides"]
    if op is not None:
        for i, (p, s) in enumerate(zip(op, st)):
            if p >= s:
                raise Finding("SC403", f"{call.type}: `output_padding` must be strictly less than "
                              f"`strides` for all dimensions. At dimension {i}, `output_padding` "
                              f"is {p} but `strides` is {s}", arg="output_padding",
                              hint="output_padding picks one of the strides possible sizes: "
                              "0..strides-1")
    _no_stride_and_dilation(call)
    c = _channels(call, shape, fmt_)
    spatial, why, notes = _spatial(call, rank, transpose=True)
    cout = Axis(filters, "filters", f"one output channel per filter (filters={filters})")
    cin = Axis(c, "input_channels", f"the input's {fmt(c)} channels; a transposed kernel is "
               "stored (…, out, in), the reverse of Conv's")
    weights = [Weight("kernel", (*_kernel_axes(call, rank), cout, cin))]
    if call["use_bias"]:
        weights.append(Weight("bias", (cout,)))
    return Output((_place(shape, fmt_, spatial, filters),), tuple(weights), notes,
                  why + (f"channels: filters={filters}",))


def _transpose_rule(name: str, rank: int) -> None:
    args = (int_arg("filters", doc="output channels", symbolic=True),) \
        + _window_args(rank, ("valid", "same")) + (
        tuple_arg("output_padding", rank, None, min=0, optional=True,
                  doc="extra size on one side, < strides; null lets Keras choose"),)

    def fn(call: LayerCall) -> Output:
        return conv_transpose(call, rank)

    fn.__doc__ = ("Each spatial axis grows: valid (n - 1)*s + max(k_eff, s), same n*s; with "
                  "output_padding p, (n - 1)*s + k_eff + p (valid) or (n - 1)*s + k_eff % 2 + p "
                  "(same), k_eff = (k - 1)*d + 1.")
    fn.__module__ = __name__
    rule(name, args=args, accepts=_ACCEPTS)(fn)


_transpose_rule("Conv1DTranspose", 1)
_transpose_rule("Conv2DTranspose", 2)
_transpose_rule("Conv3DTranspose", 3)


def _depthwise_axes(call: LayerCall, c: Dim) -> tuple[Axis, Axis, Dim]:
    dm = call["depth_multiplier"]
    cin = Axis(c, "input_channels", f"one filter per input channel ({fmt(c)}); channels are "
               "never mixed in this kernel")
    mult = Axis(dm, "depth_multiplier", f"output channels made from each input channel "
                f"(depth_multiplier={dm})")
    return cin, mult, mul(c, dm)


def depthwise(call: LayerCall, rank: int) -> Output:
    """``BaseDepthwiseConv``: kernel ``kernel_size + (channels, depth_multiplier)``; the
    output has channels*depth_multiplier channels. Keras 3.15 allows strides > 1 with
    dilation_rate > 1 here (the TensorFlow backend decomposes it)."""
    shape = call.shape
    need_rank(call, shape, ndim=rank + 2)
    fmt_ = call["data_format"]
    c = _channels(call, shape, fmt_)
    spatial, why, notes = _spatial(call, rank)
    cin, mult, cout = _depthwise_axes(call, c)
    weights = [Weight("kernel", (*_kernel_axes(call, rank), cin, mult))]
    if call["use_bias"]:
        weights.append(Weight("bias", (Axis(cout, "input_channels*depth_multiplier",
                                            f"one per output channel ({fmt(c)}*"
                                            f"{call['depth_multiplier']})"),)))
    return Output((_place(shape, fmt_, spatial, cout),), tuple(weights), notes,
                  why + (f"channels: input_channels*depth_multiplier = {fmt(cout)}",))


def separable(call: LayerCall, rank: int) -> Output:
    """``BaseSeparableConv``: a depthwise kernel ``kernel_size + (channels, depth_multiplier)``
    then a 1x1 pointwise kernel ``(1,)*rank + (channels*depth_multiplier, filters)``."""
    shape = call.shape
    need_rank(call, shape, ndim=rank + 2)
    fmt_, filters = call["data_format"], call["filters"]
    c = _channels(call, shape, fmt_)
    spatial, why, notes = _spatial(call, rank)
    cin, mult, mid = _depthwise_axes(call, c)
    ones = tuple(Axis(1, "1", f"the pointwise kernel is 1 wide along spatial axis {i}")
                 for i in range(rank))
    mid_axis = Axis(mid, "input_channels*depth_multiplier", f"the depthwise step's "
                    f"{fmt(c)}*{call['depth_multiplier']} channels")
    cout = Axis(filters, "filters", f"one output channel per filter (filters={filters})")
    weights = [Weight("depthwise_kernel", (*_kernel_axes(call, rank), cin, mult)),
               Weight("pointwise_kernel", (*ones, mid_axis, cout))]
    if call["use_bias"]:
        weights.append(Weight("bias", (cout,)))
    return Output((_place(shape, fmt_, spatial, filters),), tuple(weights), notes,
                  why + (f"channels: filters={filters}",))


def _depthwise_rule(name: str, rank: int, fn_: Any, filters: bool) -> None:
    args = ((int_arg("filters", doc="output channels of the pointwise step"),) if filters else ()) \
        + _window_args(rank, ("valid", "same")) + (
        int_arg("depth_multiplier", 1, doc="output channels per input channel of the depthwise step"),)

    def fn(call: LayerCall) -> Output:
        return fn_(call, rank)

    fn.__doc__ = fn_.__doc__
    fn.__module__ = __name__
    rule(name, args=args, accepts=_SEP_ACCEPTS if filters else _DW_ACCEPTS)(fn)


_depthwise_rule("DepthwiseConv1D", 1, depthwise, False)
_depthwise_rule("DepthwiseConv2D", 2, depthwise, False)
_depthwise_rule("SeparableConv1D", 1, separable, True)
_depthwise_rule("SeparableConv2D", 2, separable, True)


# --- keras.ops.image.extract_patches: a convolution's windows, unrolled --------------------

def _patch_sizes(v: Any) -> int | tuple[int, ...]:
    """One positive int (every spatial axis), or 2 or 3 of them (images, volumes)."""
    if isinstance(v, int) and not isinstance(v, bool) and v >= 1:
        return v
    if not isinstance(v, (list, tuple)) or len(v) not in (2, 3) or any(
            isinstance(d, bool) or not isinstance(d, int) or d < 1 for d in v):
        raise ValueError(f"expected a positive integer or 2 or 3 of them, got {v!r}")
    return tuple(v)


def _patch_steps(v: Any) -> int | tuple[int, ...] | None:
    return None if v is None else _patch_sizes(v)


def _per_axis(v: int | tuple[int, ...], rank: int, name: str) -> tuple[int, ...]:
    if isinstance(v, int):
        return (v,) * rank
    if len(v) != rank:
        raise Finding("SC403", f"extract_patches: {name}={v} has {len(v)} sizes for {rank} spatial axes",
                      arg=name)
    return v


@rule("ops.ExtractPatches",
      args=(Arg("size", _patch_sizes, doc="the patch's extent: one int (a square) or 2 (3: volumes)",
                kind="int | [int]"),
            Arg("strides", _patch_steps, None, "the step between patches (null: the size: patches do "
                "not overlap)", "int | [int] | null"),
            Arg("dilation_rate", _patch_sizes, 1, "spacing inside a patch", "int | [int]"),
            padding_arg(("valid", "same")),
            data_format_arg()))
def extract_patches(call: LayerCall) -> Output:
    """keras/src/ops/image.py ExtractPatches.compute_output_spec: each patch a convolution
    window (``compute_conv_output_shape``) of size*size*channels values, on the channel
    axis; an unbatched image (rank 3, rank 4 for volumes) stays unbatched."""
    size, fmt_ = call["size"], call["data_format"]
    size = (size, size) if isinstance(size, int) else size  # an int is a square patch
    rank = len(size)
    steps = _per_axis(call["strides"] if call["strides"] is not None else size, rank, "strides")
    dil = _per_axis(call["dilation_rate"], rank, "dilation_rate")
    shape = call.shape
    if len(shape) not in (rank + 1, rank + 2):
        raise Finding("SC301", f"extract_patches with size={tuple(size)} takes images of rank {rank + 1} "
                      f"or {rank + 2}, got {fmt_shape(shape)}")
    batched = shape if len(shape) == rank + 2 else (1, *shape)
    channels = batched[channel_axis(fmt_)]
    if channels is None:
        raise Finding("SC302", f"the channel axis of the images given to extract_patches is undefined: "
                      f"{fmt_shape(shape)}; the patch's depth needs it")
    spatial, why, notes = [], [], []
    for i, axis in enumerate(spatial_axes(rank, fmt_)):
        out, formula = window_out(batched[axis], size[i], steps[i], dil[i], call["padding"])
        note = check_positive(call, i, out, formula, shape)
        notes += [note] if note else []
        spatial.append(out)
        why.append(f"spatial axis {i}: {formula}")
    depth = canonical(mul(product_of(size), channels))
    why.append(f"each patch holds size {'*'.join(map(str, size))} * {fmt(channels)} channels = {fmt(depth)} "
               "values")
    out_shape = _place(batched, fmt_, tuple(spatial), depth)
    return Output((out_shape if len(shape) == rank + 2 else out_shape[1:],), (), tuple(notes), tuple(why))


def product_of(sizes: tuple[int, ...]) -> int:
    out = 1
    for s in sizes:
        out *= s
    return out
