"""Convolutional recurrent layers (ConvLSTM1D/2D/3D).

References: keras/src/layers/rnn/conv_lstm{,1d,2d,3d}.py. The input is a sequence of
images, (batch, time, spatial..., channels) or, channels_first, (batch, time,
channels, spatial...). At each step the cell convolves the image x_t (window
arithmetic as Conv) and the previous hidden state h_(t-1) (same kernel size, stride 1,
'same' padding, so h keeps its size); the four LSTM gates are stacked along the
kernels' last axis, hence ``4*filters``. Both states h and c have the shape of one
step's output.
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import Shape, compare, fmt, fmt_shape
from .checks import channel_axis, need_rank, spatial_axes
from .conv import check_positive, data_format_arg, padding_arg, tuple_arg, window_out
from .recurrent import CONV_LSTM
from .registry import Arg, Axis, LayerCall, Note, Output, Weight, bool_arg, int_arg, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _rate_arg(name: str) -> Arg:
    def check(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"expected a number, got {v!r}")
        return v

    # ConvLSTMCell clips it: min(1.0, max(0.0, v)); any number is accepted.
    return Arg(name, check, 0.0, "no shape change (Keras clips it to [0, 1])", "float")


def _args(rank: int) -> tuple[Arg, ...]:
    return (
        # Keras builds filters=0 (zero-size kernels), then its convolution fails when it runs.
        int_arg("filters", doc="channels of h, c and the output; each gate has this many"),
        tuple_arg("kernel_size", rank, doc="the window of both the input and the recurrent "
                  "convolutions"),
        # Keras accepts strides=0 when it constructs the layer, then fails when it is called.
        tuple_arg("strides", rank, 1, doc="step of the input convolution's window (the recurrent "
                  "convolution always uses 1)"),
        padding_arg(("valid", "same")),
        data_format_arg(),
        tuple_arg("dilation_rate", rank, 1, doc="spacing of the input convolution's kernel taps"),
        bool_arg("use_bias", True, doc="adds a bias, 4*filters wide"),
        bool_arg("return_sequences", False, doc="output every step (the time axis stays), not "
                 "just the last"),
        bool_arg("return_state", False, doc="also return the final states h and c, each shaped "
                 "like one step's output"),
        bool_arg("go_backwards", False, doc="reads the sequence in reverse; no shape change"),
        bool_arg("stateful", False, doc="keeps states across batches; needs a fixed batch size"),
        bool_arg("unroll", False, doc="unrolls the loop; needs a known number of timesteps"),
        _rate_arg("dropout"),
        _rate_arg("recurrent_dropout"),
    )


_ACCEPTS = ("activation", "recurrent_activation", "kernel_initializer", "recurrent_initializer",
            "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
            "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
            "seed", "zero_output_for_mask")


def _check_input(call: LayerCall, rank: int) -> None:
    shape, fmt_ = call.shape, call["data_format"]
    need_rank(call, shape, ndim=rank + 3)
    st, dil = call["strides"], call["dilation_rate"]
    if max(st) > 1 and max(dil) > 1:
        raise Finding("SC403", f"{call.type}: Specifying `strides > 1` is not compatible with "
                      f"`dilation_rate > 1`. Received: strides={st} and dilation_rate={dil}",
                      hint="set strides=1 or dilation_rate=1", arg="dilation_rate")
    step = (shape[0], *shape[2:])
    if any(step[a] is None for a in spatial_axes(rank, fmt_)):
        raise Finding("SC302", f"ConvLSTM layers only support static input shapes for the spatial "
                      f"dimension; the input to {call.type} \"{call.name}\" is {fmt_shape(shape)} "
                      f"(data_format={fmt_})", hint="give every spatial axis a size in `inputs:` "
                      "(or a name); only the batch and time axes may be unknown")
    if step[channel_axis(fmt_)] is None:
        raise Finding("SC302", f"the channel axis of the input to {call.type} \"{call.name}\" is "
                      f"undefined: {fmt_shape(shape)} (data_format={fmt_}); its kernel needs it",
                      hint="give that axis a size in `inputs:` (or a name)")
    if call["stateful"] and shape[0] is None:
        raise Finding("SC403", f"When using `stateful=True` in a RNN, the batch size must be static; "
                      f"the input is {fmt_shape(shape)}",
                      hint="give the batch axis a size in `inputs:`, e.g. [8, t, 32, 32, 3]",
                      arg="stateful")
    if call["unroll"] and shape[1] is None:
        raise Finding("SC403", f"unroll=True needs a known number of timesteps; the input is "
                      f"{fmt_shape(shape)}", hint="give the time axis a size or a name", arg="unroll")


def _step_output(call: LayerCall, rank: int) -> tuple[Shape, tuple[str, ...], tuple[Note, ...]]:
    """``ConvLSTMCell.compute_output_shape`` on one step (batch, spatial..., channels):
    each spatial axis by the conv window, the channel axis becomes filters."""
    shape, fmt_ = call.shape, call["data_format"]
    ks, st, dil, pad = call["kernel_size"], call["strides"], call["dilation_rate"], call["padding"]
    filters = call["filters"]
    sizes, why, notes = [], [], []
    for i, a in enumerate(spatial_axes(rank, fmt_)):
        axis = a + 1  # in the sequence, after the time axis
        out, text = window_out(shape[axis], ks[i], st[i], dil[i], pad)
        note = check_positive(call, axis, out, text, shape)
        if note:
            notes.append(note)
        sizes.append(out)
        why.append(f"axis {axis} ({pad}): {text} = {fmt(out)}")
    batch = shape[0]
    step = (batch, *sizes, filters) if fmt_ == "channels_last" else (batch, filters, *sizes)
    why.append(f"channels: filters={filters}")
    return step, tuple(why), tuple(notes)


def _gates(filters: int, what: str) -> Axis:
    n = len(CONV_LSTM.gates)
    return Axis(n * filters, f"{n}*filters",
                f"{what} for {n} gates ({', '.join(CONV_LSTM.gates)}) stacked side by side, each "
                f"filters={filters} wide: {n} gates x filters {filters}")


def _weights(call: LayerCall, rank: int) -> tuple[Weight, ...]:
    shape, fmt_, ks, filters = call.shape, call["data_format"], call["kernel_size"], call["filters"]
    c = (shape[0], *shape[2:])[channel_axis(fmt_)]  # of one step x_t
    prefix = f"{CONV_LSTM.cell_name}/"
    window = tuple(Axis(ks[i], f"kernel_size[{i}]", f"the input convolution's window along spatial "
                        f"axis {i} (kernel_size[{i}]={ks[i]})") for i in range(rank))
    rwindow = tuple(Axis(ks[i], f"kernel_size[{i}]", f"the recurrent convolution over h_(t-1) uses "
                         f"the same window (kernel_size[{i}]={ks[i]}), with stride 1 and 'same' "
                         "padding so h keeps its size") for i in range(rank))
    cin = Axis(c, "input_channels", f"the channels of one step x_t ({fmt(c)}); each gate's "
               "convolution sees all of them")
    h = Axis(filters, "filters", f"the channels of the previous hidden state h_(t-1), "
             f"filters={filters}")
    weights = [Weight(f"{prefix}kernel", (*window, cin, _gates(filters, "output channels"))),
               Weight(f"{prefix}recurrent_kernel", (*rwindow, h, _gates(filters, "output channels")))]
    if call["use_bias"]:
        weights.append(Weight(f"{prefix}bias", (_gates(filters, "biases"),)))
    return tuple(weights)


def check_initial_state(call: LayerCall, states: tuple[Shape, ...], state: Shape) -> tuple[Note, ...]:
    """``initial_state`` must be [h, c], each shaped like one step's output. Keras builds
    the model with any shapes and fails only when it runs (or, where a size 1
    broadcasts, on backends whose loop needs a fixed state shape), so it is checked here."""
    want = fmt_shape(("batch", *(fmt(d) for d in state[1:])))
    if len(states) != len(CONV_LSTM.states):
        raise Finding("SC305", f"{call.type} takes 2 initial state tensors (h, c), got {len(states)}",
                      hint=f"pass [h, c] each of shape {want}", arg="initial_state")
    notes = []
    for i, s in enumerate(states):
        if len(s) != len(state):
            raise Finding("SC305", f"initial state {i} of {call.type} must be {want}, got "
                          f"{fmt_shape(s)}", arg="initial_state")
        for axis in range(1, len(state)):
            same = compare(s[axis], state[axis], call.facts)
            if same is False:
                raise Finding("SC305", f"initial state {i} of {call.type} is {fmt_shape(s)}, but "
                              f"the states are {want}: axis {axis} is {fmt(s[axis])}, not "
                              f"{fmt(state[axis])}", arg="initial_state",
                              hint="a state has the shape of one step's output: the output's "
                              "spatial sizes and filters channels")
            if same is None and s[axis] is not None:
                notes.append(Note("SC304", f"initial state {i} requires {fmt(s[axis])} == "
                                  f"{fmt(state[axis])} (axis {axis})"))
    return tuple(notes)


def conv_lstm(call: LayerCall, rank: int) -> Output:
    shape = call.shape
    _check_input(call, rank)
    step, why, notes = _step_output(call, rank)
    if "initial_state" in call.kwargs:
        notes += check_initial_state(call, call.kwargs["initial_state"], step)
    if call["return_sequences"]:
        out = (shape[0], shape[1], *step[1:])
        why += (f"return_sequences=True: h at every one of the {fmt(shape[1])} steps, each "
                f"{fmt_shape(step[1:])}",)
    else:
        out = step
        why += (f"return_sequences=False: only the last step's h {fmt_shape(step[1:])}; the time "
                "axis is gone",)
    shapes: tuple[Shape, ...] = (out,)
    if call["return_state"]:
        shapes += (step, step)
        why += ("return_state=True: then the final " + " and ".join(CONV_LSTM.states) +
                f", each {fmt_shape(step)}",)
    return Output(shapes, _weights(call, rank), notes, why)


def _conv_lstm_rule(name: str, rank: int) -> None:
    def fn(call: LayerCall) -> Output:
        return conv_lstm(call, rank)

    fn.__doc__ = (f"An LSTM whose input and recurrent transformations are {rank}D convolutions; "
                  "each spatial axis: valid floor((n - ((k - 1)*d + 1))/s) + 1, same ceil(n/s); "
                  "channels become filters; kernels stack the 4 gates (4*filters).")
    fn.__module__ = __name__
    rule(name, args=_args(rank), accepts=_ACCEPTS, call_args=("initial_state", "mask"))(fn)


_conv_lstm_rule("ConvLSTM1D", 1)
_conv_lstm_rule("ConvLSTM2D", 2)
_conv_lstm_rule("ConvLSTM3D", 3)
