"""Recurrent layers: SimpleRNN, LSTM, GRU.

References: keras/src/layers/rnn/{rnn,simple_rnn,lstm,gru}.py. The input is
(batch, timesteps, features); at each step the cell sees one (batch, features)
slice x_t, whole. Its kernel maps x_t to every gate at once, so the gates are
stacked side by side along the kernel's last axis: that is where ``4*units`` (LSTM)
and ``3*units`` (GRU) come from.
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import Shape, compare, fmt, fmt_shape
from ..records import record
from .checks import input_dim_axis, need_rank
from .registry import Axis, LayerCall, Note, Output, Weight, bool_arg, float_arg, int_arg, rule


@record
class Cell:
    """What distinguishes one recurrent layer from another."""

    cell_name: str  # Keras names the cell sublayer this, so weight paths read lstm/lstm_cell/kernel
    gates: tuple[str, ...]  # in Keras's column order within the stacked kernel
    states: tuple[str, ...]  # what return_state returns after the output, in order


SIMPLE_RNN = Cell("simple_rnn_cell", (), ("h (the last hidden state)",))
LSTM = Cell("lstm_cell", ("input", "forget", "cell", "output"),
            ("h (the last hidden state)", "c (the last cell state)"))
GRU = Cell("gru_cell", ("update z", "reset r", "candidate h"), ("h (the last hidden state)",))
# Keras names the cell sublayer conv_lstm_cell whatever the rank:
# conv_lstm2d/conv_lstm_cell/kernel.
CONV_LSTM = Cell("conv_lstm_cell", LSTM.gates, LSTM.states)
# Recurrent layers are known by their CELLS entry: Bidirectional wraps them, a Keras 2
# config's [x, h, c] inputs are read as x plus initial_state, and a rank error after
# one suggests return_sequences. Every recurrent class is here, ConvLSTM's too: the
# engine and the explanations read it for layers whose rule module is not loaded.
CELLS = {"SimpleRNN": SIMPLE_RNN, "LSTM": LSTM, "GRU": GRU}

_COMMON = (
    int_arg("units", doc="hidden width: the size of h (and c), not a slice of the input", symbolic=True),
    bool_arg("use_bias", True, doc="adds the bias"),
    bool_arg("return_sequences", False, doc="output every step (batch, timesteps, units), "
             "not just the last (batch, units)"),
    bool_arg("return_state", False, doc="also return the final states, each (batch, units)"),
    bool_arg("go_backwards", False, doc="reads the sequence in reverse; no shape change"),
    bool_arg("stateful", False, doc="keeps states across batches; needs a fixed batch size"),
    bool_arg("unroll", False, doc="unrolls the loop; needs a known number of timesteps"),
    float_arg("dropout", 0.0, doc="no shape change"),
    float_arg("recurrent_dropout", 0.0, doc="no shape change"),
)
_ACCEPTS = ("activation", "kernel_initializer", "recurrent_initializer", "bias_initializer",
            "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
            "recurrent_constraint", "bias_constraint", "seed", "zero_output_for_mask")
_GATED = ("recurrent_activation", "use_cudnn")


def _gate_axis(cell: Cell, units: int, what: str) -> Axis:
    if not cell.gates:
        return Axis(units, "units", f"{what}, one per hidden unit (units={units})")
    n = len(cell.gates)
    return Axis(n * units, f"{n}*units",
                f"{what} for {n} gates ({', '.join(cell.gates)}) stacked side by side, "
                f"each units={units} wide")


def cell_weights(cell: Cell, call: LayerCall, shape: Shape) -> tuple[Weight, ...]:
    """The cell's kernel, recurrent kernel and bias for one direction; ``shape`` is the
    sequence (batch, timesteps, features), the cell is built on its last axis."""
    units = call["units"]
    x_t = input_dim_axis(call, shape, "features of one timestep x_t")
    x_t = Axis(x_t.size, x_t.formula,
               f"{x_t.why}; every step multiplies the whole x_t by the kernel, the input "
               "is never cut into pieces")
    h = Axis(units, "units", f"the previous hidden state h_(t-1), units={units} wide")
    gates = _gate_axis(cell, units, "columns")
    prefix = f"{cell.cell_name}/" if cell.cell_name else ""
    weights = [Weight(f"{prefix}kernel", (x_t, gates)), Weight(f"{prefix}recurrent_kernel", (h, gates))]
    if not cell.cell_name:  # Keras 2's CuDNN layers: input and recurrent biases in one vector
        n = len(cell.gates)
        weights.append(Weight("bias", (Axis(2 * n * units, f"{2 * n}*units",
                                            f"the input bias then the recurrent bias (CuDNN's "
                                            f"layout), each for {n} gates ({', '.join(cell.gates)}) "
                                            f"of units={units}"),)))
    elif call["use_bias"]:
        if cell is GRU and call["reset_after"]:
            # reset_after=True keeps the input and the recurrent biases apart (CuDNN's layout).
            rows = Axis(2, "2", "row 0 is the input bias, row 1 the recurrent bias "
                        "(reset_after=True applies the reset gate after the matmul)")
            weights.append(Weight(f"{cell.cell_name}/bias", (rows, _gate_axis(cell, units, "biases"))))
        else:
            weights.append(Weight(f"{cell.cell_name}/bias", (_gate_axis(cell, units, "biases"),)))
    return tuple(weights)


def output_shapes(cell: Cell, call: LayerCall, shape: Shape) -> tuple[Shape, ...]:
    """``RNN.compute_output_shape``: the output, then one (batch, units) per state."""
    batch, steps, units = shape[0], shape[1], call["units"]
    out = (batch, steps, units) if call["return_sequences"] else (batch, units)
    if not call["return_state"]:
        return (out,)
    return (out, *((batch, units) for _ in cell.states))


def check_recurrent_input(call: LayerCall, shape: Shape) -> None:
    need_rank(call, shape, ndim=3)
    if call["stateful"] and shape[0] is None:
        raise Finding("SC403", f"stateful=True needs a fixed batch size; the input is {fmt_shape(shape)}",
                      hint="give the batch axis a size in `inputs:`, e.g. [32, t, 12]", arg="stateful")
    if call["unroll"] and shape[1] is None:
        raise Finding("SC403", f"unroll=True needs a known number of timesteps; the input is "
                      f"{fmt_shape(shape)}", hint="give the time axis a size or a name", arg="unroll")


def check_initial_state(cell: Cell, call: LayerCall, states: tuple[Shape, ...],
                        direction: str = "") -> tuple[Note, ...]:
    """``initial_state`` must be one (batch, units) tensor per state. Keras 3 builds a
    model with wrong widths and fails only when it runs, so this is checked here."""
    units = call["units"]
    if len(states) != len(cell.states):
        names = ", ".join(s.split(" ")[0] for s in cell.states)
        raise Finding("SC305", f"{call.type}{direction} takes {len(cell.states)} initial state "
                      f"tensor(s) ({names}), got {len(states)}",
                      hint=f"pass [{names}] each of shape (batch, {units})", arg="initial_state")
    notes = []
    for i, s in enumerate(states):
        if len(s) != 2:
            raise Finding("SC305", f"initial state {i} of {call.type}{direction} must be "
                          f"(batch, {units}), got {fmt_shape(s)}", arg="initial_state")
        same = compare(s[1], units, call.facts)
        if same is False:
            raise Finding("SC305", f"initial state {i} of {call.type}{direction} has width "
                          f"{fmt(s[1])}, but units={units}",
                          hint=f"make the encoder's units {units}, or this layer's units "
                          f"{fmt(s[1])}", arg="initial_state")
        if same is None and s[1] is not None:
            notes.append(Note("SC304", f"initial state {i} requires {fmt(s[1])} == {units}"))
    return tuple(notes)


def recurrent(cell: Cell, call: LayerCall) -> Output:
    shape = call.shape
    check_recurrent_input(call, shape)
    notes = ()
    if "initial_state" in call.kwargs:
        notes = check_initial_state(cell, call, call.kwargs["initial_state"])
    return Output(output_shapes(cell, call, shape), cell_weights(cell, call, shape), notes,
                  output_why(cell, call, shape))


def output_why(cell: Cell, call: LayerCall, shape: Shape) -> tuple[str, ...]:
    units = call["units"]
    if call["return_sequences"]:
        why = [f"return_sequences=True: h at every one of the {fmt(shape[1])} steps, each "
               f"units={units} wide"]
    else:
        why = [f"return_sequences=False: only the last step's h, units={units} wide; the time "
               "axis is gone"]
    if call["return_state"]:
        why.append("return_state=True: then the final " + " and ".join(cell.states))
    return tuple(why)


@rule("SimpleRNN", args=_COMMON, accepts=_ACCEPTS, call_args=("initial_state", "mask"))
def simple_rnn(call: LayerCall) -> Output:
    """h_t = activation(x_t W + h_(t-1) U + b)."""
    return recurrent(SIMPLE_RNN, call)


@rule("LSTM", args=_COMMON, accepts=_ACCEPTS + _GATED + ("unit_forget_bias",),
      call_args=("initial_state", "mask"))
def lstm(call: LayerCall) -> Output:
    """Four gates (input, forget, cell, output) share one stacked kernel."""
    return recurrent(LSTM, call)


@rule("GRU", args=_COMMON + (bool_arg("reset_after", True, doc="bias (2, 3*units) if true, "
                                      "(3*units,) if false"),),
      accepts=_ACCEPTS + _GATED, call_args=("initial_state", "mask"))
def gru(call: LayerCall) -> Output:
    """Three gates (update, reset, candidate) share one stacked kernel."""
    return recurrent(GRU, call)


# Keras 2.0-2.2's CuDNN layers, still found in old .h5 and JSON files: an LSTM/GRU
# without a cell sublayer, and two bias vectors (input and recurrent) per gate.
CUDNN_LSTM = Cell("", LSTM.gates, LSTM.states)
CUDNN_GRU = Cell("", GRU.gates, GRU.states)
_CUDNN_ARGS = (
    int_arg("units", doc="hidden width"),
    bool_arg("return_sequences", False, doc="output every step"),
    bool_arg("return_state", False, doc="also return the final states"),
    bool_arg("go_backwards", False, doc="no shape change"),
    bool_arg("stateful", False, doc="needs a fixed batch size"),
)
_CUDNN_ACCEPTS = ("kernel_initializer", "recurrent_initializer", "bias_initializer",
                  "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                  "kernel_constraint", "recurrent_constraint", "bias_constraint", "unit_forget_bias")


def cudnn(cell: Cell, call: LayerCall) -> Output:
    shape = call.shape
    need_rank(call, shape, ndim=3)
    return Output(output_shapes(cell, call, shape), cell_weights(cell, call, shape),
                  (), output_why(cell, call, shape))


@rule("CuDNNLSTM", args=_CUDNN_ARGS, accepts=_CUDNN_ACCEPTS)
def cudnn_lstm(call: LayerCall) -> Output:
    """Keras 2's CuDNNLSTM: bias (8*units,)."""
    return cudnn(CUDNN_LSTM, call)


@rule("CuDNNGRU", args=_CUDNN_ARGS, accepts=_CUDNN_ACCEPTS)
def cudnn_gru(call: LayerCall) -> Output:
    """Keras 2's CuDNNGRU: bias (6*units,)."""
    return cudnn(CUDNN_GRU, call)


CELLS.update({"CuDNNLSTM": CUDNN_LSTM, "CuDNNGRU": CUDNN_GRU,
              **dict.fromkeys(("ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"), CONV_LSTM)})
