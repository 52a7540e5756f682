"""The generic RNN layer and its cells (LSTMCell, GRUCell, SimpleRNNCell,
StackedRNNCells), SpectralNormalization, and ReversibleEmbedding.

References: keras/src/layers/rnn/{rnn,stacked_rnn_cells,lstm,gru,simple_rnn}.py,
keras/src/layers/normalization/spectral_normalization.py and
keras/src/layers/core/reversible_embedding.py.

``RNN(cell)`` runs its cell over axis 1 as the LSTM/GRU/SimpleRNN layers do; the cell
is built on one timestep ``(batch, features)`` and owns the weights, so they read
``rnn/lstm_cell/kernel``, and under a StackedRNNCells
``rnn/stacked_rnn_cells/lstm_cell/kernel``. A cell's rule is one step: its shapes are
the step's output then its states; it runs only inside an RNN (which passes the
``states`` marker), as a Keras cell cannot be called on a tensor by itself. The
weights come from recurrent.py's ``cell_weights``, so an RNN(LSTMCell) and an LSTM
explain their kernels in the same words.
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import Shape, compare, fmt, fmt_shape
from ..records import replace
from ..spec import LayerConfig
from .checks import need_rank
from .core import embedding
from .recurrent import GRU, LSTM, SIMPLE_RNN, Cell, cell_weights, check_recurrent_input
from .registry import (
    Arg,
    Axis,
    LayerCall,
    Note,
    Output,
    Weight,
    apply,
    bool_arg,
    int_arg,
    lookup,
    opt_int_arg,
    rule,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# The call argument an RNN passes to its cell; a cell without it was called on a tensor.
_STEP = "states"
CELL_TYPES = {"LSTMCell": LSTM, "GRUCell": GRU, "SimpleRNNCell": SIMPLE_RNN}
LAYER_OF = {"LSTMCell": "LSTM", "GRUCell": "GRU", "SimpleRNNCell": "SimpleRNN"}


def _nested_only(v: Any) -> Any:
    # Reached only when the value was not a layer mapping (or a list of them).
    raise ValueError(f"expected a layer mapping such as {{type: LSTMCell, units: 64}}, got {v!r}")


def _not_alone(call: LayerCall) -> None:
    if _STEP not in call.kwargs:
        other = LAYER_OF.get(call.type)
        raise Finding("SC405", f"{call.type} is a recurrent cell: it runs one timestep inside an "
                      "RNN layer and cannot be called on a tensor by itself",
                      hint=f"wrap it: `{{type: RNN, cell: {{type: {call.type}, ...}}}}`"
                      + (f", or use the {other} layer" if other else ""))


# --- cells ------------------------------------------------------------------------------

_CELL_ACCEPTS = ("activation", "kernel_initializer", "recurrent_initializer", "bias_initializer",
                 "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                 "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
                 "recurrent_dropout", "seed")
_CELL_ARGS = (
    int_arg("units", doc="hidden width: the size of h (and c), and of the step's output"),
    bool_arg("use_bias", True, doc="adds the bias"),
)


def step(cell: Cell, call: LayerCall) -> Output:
    """One timestep: (batch, features) -> (batch, units), and one (batch, units) per state."""
    _not_alone(call)
    shape = call.shape
    need_rank(call, shape, min_ndim=2)
    # cell_weights names them as the LSTM layer's cell sublayer (lstm_cell/kernel); here
    # the cell is the layer that owns them, and the RNN puts them under its name.
    weights = tuple(replace(w, path=w.path.split("/", 1)[-1]) for w in cell_weights(cell, call, shape))
    h = (*shape[:-1], call["units"])
    return Output((h, *(h for _ in cell.states)), weights)


@rule("LSTMCell", args=_CELL_ARGS, accepts=_CELL_ACCEPTS + ("recurrent_activation",
                                                           "unit_forget_bias", "implementation"))
def lstm_cell(call: LayerCall) -> Output:
    """One LSTM step inside an RNN: kernel (features, 4*units), recurrent_kernel
    (units, 4*units), bias (4*units,); states h and c, each (batch, units)."""
    return step(LSTM, call)


@rule("GRUCell", args=_CELL_ARGS + (bool_arg("reset_after", True, doc="bias (2, 3*units) if true, "
                                             "(3*units,) if false"),),
      accepts=_CELL_ACCEPTS + ("recurrent_activation", "implementation"))
def gru_cell(call: LayerCall) -> Output:
    """One GRU step inside an RNN: kernel (features, 3*units), recurrent_kernel
    (units, 3*units); state h (batch, units)."""
    return step(GRU, call)


@rule("SimpleRNNCell", args=_CELL_ARGS, accepts=_CELL_ACCEPTS)
def simple_rnn_cell(call: LayerCall) -> Output:
    """One SimpleRNN step inside an RNN: kernel (features, units), recurrent_kernel
    (units, units), bias (units,); state h (batch, units)."""
    return step(SIMPLE_RNN, call)


def nested_list(call: LayerCall, key: str) -> list[LayerConfig]:
    out = []
    while f"{key}[{len(out)}]" in call.nested:
        out.append(call.nested[f"{key}[{len(out)}]"])
    return out


def _cells_only(v: Any) -> Any:
    # Reached only when the value was not a non-empty list of layer mappings.
    if isinstance(v, (list, tuple)) and not v:
        raise ValueError("expected at least one cell, got []")
    raise ValueError(f"expected a list of cells such as [{{type: LSTMCell, units: 64}}], got {v!r}")


@rule("StackedRNNCells",
      args=(Arg("cells", _cells_only, None, doc="the cells, run one after the other at each "
                "timestep", kind="[layer]"),))
def stacked_rnn_cells(call: LayerCall) -> Output:
    """Inside an RNN, each cell's step output is the next cell's input; the output
    is the last cell's, the states are every cell's in order."""
    _not_alone(call)
    cells = nested_list(call, "cells")
    if not cells:
        raise Finding("SC404", "StackedRNNCells needs its cells: `cells: [{type: LSTMCell, "
                      "units: 64}, ...]`", arg="cells")
    x, states, weights = call.shape, [], []
    for cfg in cells:
        _check_cell(call, cfg, "cells")
        out = apply(cfg, (x,), call.facts, {_STEP: ()}, call.custom)
        weights += [w.under(cfg.name) for w in out.weights]
        states += out.shapes[1:]
        x = out.shapes[0]  # Keras builds the next cell on (batch, output_size)
    return Output((x, *states), tuple(weights))


def _check_cell(call: LayerCall, cfg: LayerConfig, arg: str) -> None:
    """A Keras layer that is not a cell (an LSTM layer, a Dense) cannot be a cell; a
    declared custom rule is taken as a cell."""
    if cfg.type in CELL_TYPES or cfg.type == "StackedRNNCells" or \
            lookup(cfg.type, call.custom).family == "custom":
        return
    what = "a recurrent cell" if arg == "cell" else "recurrent cells"
    raise Finding("SC405", f"{call.type}'s {arg} must be {what} (LSTMCell, GRUCell, "
                  f"SimpleRNNCell, StackedRNNCells); got {cfg.type}",
                  hint=f"use {cfg.type}Cell" if f"{cfg.type}Cell" in CELL_TYPES else
                  "give the cell's type, e.g. `{type: LSTMCell, units: 64}`", arg=arg)


# --- RNN ----------------------------------------------------------------------------------


@rule(
    "RNN",
    args=(
        Arg("cell", _nested_only, None, doc="the cell run at each timestep; a list of cells is "
            "a StackedRNNCells", kind="layer | [layer]"),
        bool_arg("return_sequences", False, doc="output every step (batch, timesteps, units), "
                 "not just the last (batch, units)"),
        bool_arg("return_state", False, doc="also return the final states, each (batch, size)"),
        bool_arg("go_backwards", False, doc="reads the sequence in reverse; no shape change"),
        bool_arg("stateful", False, doc="keeps states across batches; needs a fixed batch size"),
        bool_arg("unroll", False, doc="unrolls the loop; needs a known number of timesteps"),
    ),
    accepts=("zero_output_for_mask",),
    call_args=("initial_state", "mask"),
)
def rnn(call: LayerCall) -> Output:
    """Runs ``cell`` over axis 1: the cell is built on one step (batch, features) and
    its weights appear under its name (rnn/lstm_cell/kernel). The output is the cell's
    output size; return_state adds every state of every cell, flattened in order."""
    cell = call.nested.get("cell")
    if cell is None:
        raise Finding("SC404", "RNN needs the cell it runs: `cell:`",
                      hint="add `cell: {type: LSTMCell, units: 64}`")
    _check_cell(call, cell, "cell")
    shape = call.shape
    check_recurrent_input(call, shape)
    out = apply(cell, ((shape[0], *shape[2:]),), call.facts, {_STEP: ()}, call.custom)
    if not out.shapes:
        raise Finding("SC405", f"the cell {cell.type} of RNN \"{call.name}\" has no output",
                      arg="cell")
    units, states = out.shapes[0][-1], out.shapes[1:]
    batch, steps = shape[0], shape[1]
    notes: tuple[Note, ...] = out.notes
    if "initial_state" in call.kwargs:
        notes += _check_initial_state(call, states, call.kwargs["initial_state"])
    if call["return_sequences"]:
        y = (batch, steps, units)
        why = [f"return_sequences=True: the cell's output at every one of the {fmt(steps)} steps, "
               f"each {fmt(units)} wide"]
    else:
        y = (batch, units)
        why = [f"return_sequences=False: only the last step's output, {fmt(units)} wide; the time "
               "axis is gone"]
    outputs: tuple[Shape, ...] = (y,)
    if call["return_state"]:
        outputs += tuple((batch, s[-1]) for s in states)
        why.append(f"return_state=True: then the final states of {cell.type}, in order: "
                   + ", ".join(fmt_shape((batch, s[-1])) for s in states))
    weights = tuple(w.under(cell.name) for w in out.weights)
    return Output(outputs, weights, notes, tuple(why))


def _check_initial_state(call: LayerCall, states: tuple[Shape, ...],
                         given: tuple[Shape, ...]) -> tuple[Note, ...]:
    """One (batch, size) tensor per state of the cell(s), as the LSTM layer checks."""
    widths = ", ".join(fmt(s[-1]) for s in states)
    if len(given) != len(states):
        raise Finding("SC305", f"RNN \"{call.name}\" takes {len(states)} initial state tensor(s) "
                      f"(widths {widths}), got {len(given)}", arg="initial_state",
                      hint=f"pass one (batch, width) tensor per state, widths {widths}")
    notes = []
    for i, (s, want) in enumerate(zip(given, states)):
        if len(s) != 2:
            raise Finding("SC305", f"initial state {i} of RNN \"{call.name}\" must be (batch, "
                          f"{fmt(want[-1])}), got {fmt_shape(s)}", arg="initial_state")
        same = compare(s[1], want[-1], call.facts)
        if same is False:
            raise Finding("SC305", f"initial state {i} of RNN \"{call.name}\" has width {fmt(s[1])}, "
                          f"but the cell's state {i} is {fmt(want[-1])} wide", arg="initial_state")
        if same is None and s[1] is not None:
            notes.append(Note("SC304", f"initial state {i} requires {fmt(s[1])} == {fmt(want[-1])}"))
    return tuple(notes)


# --- SpectralNormalization ----------------------------------------------------------------


@rule(
    "SpectralNormalization",
    args=(
        Arg("layer", _nested_only, None, doc="the layer whose kernel (or embeddings) is "
            "normalized: Dense, EinsumDense, Conv*, Conv*Transpose, DepthwiseConv*, Embedding",
            kind="layer"),
        int_arg("power_iterations", 1, doc="no shape change"),
    ),
    freezes=False,
)
def spectral_normalization(call: LayerCall) -> Output:
    """The wrapped layer's shapes and weights (under its name), plus a non-trainable
    ``vector_u`` of shape (1, the kernel's last axis). Keras tracks the kernel itself
    as the wrapper's, so it is listed first, then vector_u, then the layer's other
    weights; with LoRA the kernel is a computed tensor and vector_u comes first."""
    inner = call.nested.get("layer")
    if inner is None:
        raise Finding("SC404", "SpectralNormalization needs the layer it wraps: `layer:`",
                      hint="add `layer: {type: Dense, units: 64}`")
    need_rank(call, call.shape, min_ndim=1)
    out = apply(inner, call.inputs, call.facts, custom=call.custom)
    weights = [w.under(inner.name) for w in out.weights]
    paths = [w.path for w in out.weights]
    found = next((p for p in ("kernel", "embeddings") if p in paths), None)
    if found is None:
        raise Finding("SC405", f"{inner.type} object has no attribute 'kernel' nor 'embeddings'",
                      hint="SpectralNormalization wraps a layer with a kernel: Dense, EinsumDense, "
                      "a convolution or its transpose, DepthwiseConv, Embedding", arg="layer")
    i = paths.index(found)
    kernel = weights[i]
    last = kernel.axes[-1]
    u = Weight("vector_u", (Axis(1, "1", "one row: the power iteration's estimate of the kernel's "
                                 "leading singular vector"),
                            Axis(last.size, f"{kernel.path}[-1]",
                                 f"the kernel's last axis ({fmt(last.size)}): the kernel is read as "
                                 f"a matrix of that many columns")), trainable=False)
    if inner.args.get("lora_rank"):
        ordered = [u, *weights]  # the kernel is kernel + a*b, a tensor the wrapper does not track
    else:
        ordered = [kernel, u, *weights[:i], *weights[i + 1:]]
    why = out.why + (f"the output is {inner.type}'s; the wrapper adds vector_u {fmt_shape(u.shape)}",)
    return Output(out.shapes, tuple(ordered), out.notes, why)


# --- ReversibleEmbedding ------------------------------------------------------------------


@rule(
    "ReversibleEmbedding",
    args=(
        int_arg("input_dim", doc="vocabulary size: token ids are 0..input_dim-1"),
        int_arg("output_dim", doc="length of each embedding vector"),
        bool_arg("tie_weights", True, doc="false adds reverse_embeddings (output_dim, input_dim)"),
        bool_arg("mask_zero", False, doc="id 0 is padding; no shape change"),
        opt_int_arg("lora_rank", min=0, doc="adds lora_embeddings_a/b and freezes embeddings "
                    "(0 or null: no LoRA)"),
    ),
    accepts=("embeddings_initializer", "embeddings_regularizer", "embeddings_constraint",
             "reverse_dtype", "logit_soft_cap", "lora_alpha", "quantization_config"),
)
def reversible_embedding(call: LayerCall) -> Output:
    """Called forwards, an Embedding: appends ``output_dim``. With tie_weights=false it
    also owns reverse_embeddings (output_dim, input_dim), trainable. (A call with
    ``reverse=True``, which maps (..., output_dim) to (..., input_dim) logits, cannot be
    written in a spec: its calls are analysed as forward calls.)"""
    if call["lora_rank"] and not call["tie_weights"]:
        raise Finding("SC403", "ReversibleEmbedding with tie_weights=false cannot take lora_rank: LoRA "
                      "locks the layer's weights before reverse_embeddings is added, and Keras fails "
                      "to build it (`ValueError: None`)", arg="lora_rank",
                      hint="drop lora_rank, or keep tie_weights: true")
    out = embedding(call)
    if call["tie_weights"]:
        return out
    vocab, width = call["input_dim"], call["output_dim"]
    rev = Weight("reverse_embeddings", (
        Axis(width, "output_dim", f"one row per embedding component (output_dim={width})"),
        Axis(vocab, "input_dim", f"one column per token id: the logits of the reverse call "
             f"(input_dim={vocab})")))
    return replace(out, weights=out.weights + (rev,))
