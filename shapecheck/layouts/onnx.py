"""ONNX's layouts: each Keras layer as the standard ONNX operator (default domain) that
computes it, the operator's weight inputs named as in the ONNX operator docs, and how
to get them from Keras's arrays.

References: onnx/docs/Operators.md (LSTM, GRU, RNN, Gemm, MatMul, Gather, Conv,
ConvTranspose, BatchNormalization, LayerNormalization, RMSNormalization,
GroupNormalization). A layout written as several operators names each input
``operator.input`` (``MatMul.B``) or ``part.input`` (``depthwise.W``). ONNX has no
parameters apart from initializers; ``params`` counts the initializers that hold
learned values (the moving statistics and the constants that stand for a weight
Keras does not have are not counted), so a layer counts as in PyTorch.
"""

from __future__ import annotations

from ..dims import Dim, fmt, fmt_shape, mul
from .base import (
    Ctx,
    Mapped,
    NoEquivalent,
    NotKnown,
    depthwise_kernel,
    fw,
    gate_reorder,
    layout_rule,
    literal,
    perm,
    then_activation,
    time_distributed_rule,
    zeros,
)
from .recurrent import RECURRENT_TYPES, RnnCell, rnn_stack

_ACT = {"linear": None, "relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh",
        "softmax": "Softmax(axis=-1)", "gelu": "Gelu", "elu": "Elu", "selu": "Selu",
        "softplus": "Softplus", "softsign": "Softsign", "exponential": "Exp",
        "leaky_relu": "LeakyRelu(alpha=0.2)",
        "log_softmax": "LogSoftmax(axis=-1)"}


def _then(ctx: Ctx, op: str) -> str:
    return then_activation(ctx, op, _ACT)


def _ints(values) -> str:
    return "[" + ", ".join(fmt(v) for v in values) + "]"


def _ones(shape: tuple) -> str:
    return f"np.ones({fmt(shape[0])})" if len(shape) == 1 else \
        f"np.ones(({', '.join(fmt(d) for d in shape)}))"


# --- recurrent ---------------------------------------------------------------------------------

_OP = {"LSTM": "LSTM", "GRU": "GRU", "SimpleRNN": "RNN"}
# ONNX's gate order, and the reorder from Keras's letters.
_ORDER = {"LSTM": ("i,o,f,c (Keras's i,f,c,o: forget and output move)", "ifco->iofc"),
          "GRU": ("z,r,h (Keras's order)", None), "SimpleRNN": (None, None)}
_ONNX_ACT = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "Relu"}


def _reorder(x: str, cell: RnnCell, axis: int) -> str:
    return gate_reorder(x, _ORDER[cell.kind][1], axis)


def _stack(parts: list[str]) -> str:
    """One direction's matrix gets the num_directions axis; two are stacked on it."""
    return f"{parts[0]}[None]" if len(parts) == 1 else f"np.stack([{', '.join(parts)}])"


def _activations(cell: RnnCell) -> list[str]:
    names = [cell.recurrent_activation, cell.activation, cell.activation] if cell.kind == "LSTM" \
        else [cell.recurrent_activation, cell.activation] if cell.kind == "GRU" else [cell.activation]
    default = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "SimpleRNN": ["Tanh"]}
    got = []
    for n in names:
        if n not in _ONNX_ACT:
            raise NotKnown(f"{cell.type} with the activation {n or 'custom'!r}: its ONNX "
                           "activations attribute is not known to shapecheck")
        got.append(_ONNX_ACT[n])
    return [] if got == default[cell.kind] else got


def _op(ctx: Ctx, cells: tuple[RnnCell, ...], prefix: str, direction: str):
    first = cells[0]
    for c in cells[1:]:
        if (c.kind, c.units, c.input_dim, c.bias is None, c.reset_after, c.activation,
                c.recurrent_activation) != (first.kind, first.units, first.input_dim,
                                            first.bias is None, first.reset_after,
                                            first.activation, first.recurrent_activation):
            raise NotKnown(f"Bidirectional \"{ctx.name}\" has a backward layer unlike its forward "
                           "one; one ONNX operator holds both directions with the same "
                           "attributes, and a layout of two operators is not known to shapecheck")
    g = max(len(first.gates), 1)
    u, n, d = first.units, first.input_dim, len(cells)
    order = _ORDER[first.kind][0]
    weights = [fw(f"{prefix}W", (d, g * u, n), [c.kernel for c in cells],
                  _stack([_reorder(f"{{{i}}}", first, 1) + ".T" for i in range(d)]), order),
               fw(f"{prefix}R", (d, g * u, u), [c.recurrent for c in cells],
                  _stack([_reorder(f"{{{i}}}", first, 1) + ".T" for i in range(d)]), order)]
    if first.bias is not None:
        parts = []
        for i, c in enumerate(cells):
            if c.cudnn:
                wb, rb = f"{{{i}}}[:{g * u}]", f"{{{i}}}[{g * u}:]"
            elif c.kind == "GRU" and c.reset_after:
                wb, rb = f"{{{i}}}[0]", f"{{{i}}}[1]"
            else:
                wb, rb = f"{{{i}}}", zeros(g * u)
            rb = rb if rb.startswith("np.") else _reorder(rb, c, 0)
            parts.append(f"np.concatenate([{_reorder(wb, c, 0)}, {rb}])")
        weights.append(fw(f"{prefix}B", (d, 2 * g * u), [c.bias for c in cells], _stack(parts),
                          order))
    attrs = [f"hidden_size={u}"]
    if direction != "forward":
        attrs.append(f"direction='{direction}'")
    acts = _activations(first)
    if acts:
        attrs.append(f"activations={acts}")
    if first.kind == "GRU" and first.reset_after:
        attrs.append("linear_before_reset=1")
    return f"{_OP[first.kind]}({', '.join(attrs)})", weights


@layout_rule("onnx", *RECURRENT_TYPES)
def recurrent(ctx: Ctx) -> Mapped:
    st = rnn_stack(ctx)
    if st.bidirectional and len(st.directions[0]) > 1:
        raise NotKnown(f"Bidirectional \"{ctx.name}\" runs a stack of cells in each direction; its "
                       "ONNX layout (an operator per cell and direction) is not known to shapecheck")
    if len({c.kind for c in st.cells}) > 1:
        raise NotKnown(f"{ctx.type} \"{ctx.name}\" mixes kinds of cells; its ONNX layout is not "
                       "known to shapecheck")
    notes = []
    if st.bidirectional:
        pairs = [(tuple(d[0] for d in st.directions), "")]
        direction = "bidirectional"
    else:
        cells = st.directions[0]
        pairs = [((c,), f"l{i}." if len(cells) > 1 else "") for i, c in enumerate(cells)]
        direction = "reverse" if st.go_backwards else "forward"
    ops, weights = [], []
    for cells, prefix in pairs:
        op, ws = _op(ctx, cells, prefix, direction)
        ops.append(op)
        weights += ws
    first = st.cells[0]
    if first.kind == "LSTM" or first.kind == "SimpleRNN":
        notes.append(f"ONNX's B holds Wb then Rb; Keras's {first.type} has one bias, so Wb is it and "
                     "Rb is zeros (back to Keras: bias = Wb + Rb)")
    if first.kind == "GRU":
        notes.append("reset_after=True is linear_before_reset=1 (B = Keras's bias rows 0 and 1); "
                     "reset_after=False is ONNX's default linear_before_reset=0 with Rb zeros")
    notes.append("X and Y are time-major by default (layout=0): X (seq, batch, input), Y (seq, "
                 "num_directions, batch, hidden); Keras's (batch, time, features) output is Y "
                 "transposed to (batch, seq, num_directions, hidden) and reshaped")
    if st.bidirectional:
        merge = {"concat": "reshaped to (batch, seq, 2*hidden)", "sum": "summed over num_directions",
                 "mul": "multiplied over num_directions", "ave": "averaged over num_directions",
                 None: "split over num_directions"}[st.merge_mode]
        notes.append(f"merge_mode={st.merge_mode!r}: the two directions of Y (or Y_h) "
                     f"{merge}")
    if st.go_backwards:
        notes.append("go_backwards=True is direction='reverse'; Keras returns the steps reversed, "
                     "so flip Y along the time axis")
    if not st.return_sequences:
        notes.append("return_sequences=False: Keras's output is Y_h (the last step of each "
                     "direction)")
    module = " -> ".join(ops)
    return Mapped(module, tuple(weights), tuple(notes))


# --- core -----------------------------------------------------------------------------------------


@layout_rule("onnx", "Dense")
def dense(ctx: Ctx) -> Mapped:
    if ctx.args.get("lora_rank"):
        raise NoEquivalent(f"Dense with LoRA (lora_rank={ctx.args['lora_rank']}) has no single ONNX "
                           "operator", hint="merge it first: kernel + lora_kernel_a @ lora_kernel_b "
                           "* (lora_alpha / lora_rank)")
    k = ctx.need("kernel")
    b = ctx.weight("bias")
    n, u = k.shape
    if len(ctx.shape) == 2:
        weights = [fw("B", (u, n), [k], "{0}.T")]
        if b is not None:
            weights.append(fw("C", (u,), [b], "{0}"))
        return Mapped(_then(ctx, "Gemm(transB=1)"), tuple(weights),
                      ("Gemm computes A B^T + C; with transB=0, B would be Keras's kernel as is",))
    weights = [fw("MatMul.B", (n, u), [k], "{0}")]
    if b is not None:
        weights.append(fw("Add.B", (u,), [b], "{0}"))
    op = "MatMul" + (" -> Add" if b is not None else "")
    return Mapped(_then(ctx, op), tuple(weights), (f"Gemm takes rank 2 only; the input is rank "
                                                   f"{len(ctx.shape)}, so MatMul on the last axis",))


@layout_rule("onnx", "Embedding")
def embedding(ctx: Ctx) -> Mapped:
    if ctx.args.get("lora_rank"):
        raise NoEquivalent("Embedding with LoRA has no single ONNX operator",
                           hint="merge it first: embeddings + lora_embeddings_a @ lora_embeddings_b "
                           "* (lora_alpha / lora_rank)")
    e = ctx.need("embeddings")
    return Mapped("Gather(axis=0)", (fw("data", e.shape, [e], "{0}"),),
                  ("the ids are Gather's indices input",))


# --- convolutions -----------------------------------------------------------------------------------


def _to_onnx(rank: int) -> str:
    return perm(rank + 1, rank, *range(rank))


def _conv_attrs(ctx: Ctx, rank: int, group: Dim = 1) -> list[str]:
    ks, st, dil = ctx.args["kernel_size"], ctx.args["strides"], ctx.args["dilation_rate"]
    attrs = [f"kernel_shape={_ints(ks)}", f"strides={_ints(st)}", f"dilations={_ints(dil)}"]
    if group != 1:
        attrs.append(f"group={fmt(group)}")
    pad = ctx.args["padding"]
    if pad == "same":
        attrs.append("auto_pad='SAME_UPPER'")
    elif pad == "causal":
        attrs.append(f"pads=[{(ks[0] - 1) * dil[0]}, 0]")
    return attrs


def _layout_note(ctx: Ctx, rank: int) -> tuple[str, ...]:
    if ctx.args.get("data_format", "channels_last") != "channels_last":
        return ()
    return ("ONNX's Conv takes channels first (N, C, spatial...): transpose Keras's channels_last "
            "input and output",)


def _conv_weights(ctx: Ctx) -> tuple[int, list]:
    """Conv's and ConvTranspose's W and B: Keras's (k..., a, b) kernel is (b, a, k...) in
    both, which is (out, in/groups, k...) for Conv and (in, out/groups, k...) for
    ConvTranspose, as ONNX wants each."""
    k = ctx.need("kernel")
    b = ctx.weight("bias")
    rank = len(k.shape) - 2
    weights = [fw("W", (k.shape[-1], k.shape[-2], *k.shape[:rank]), [k], "{0}." + _to_onnx(rank))]
    if b is not None:
        weights.append(fw("B", b.shape, [b], "{0}"))
    return rank, weights


@layout_rule("onnx", "Conv1D", "Conv2D", "Conv3D")
def conv(ctx: Ctx) -> Mapped:
    rank, weights = _conv_weights(ctx)
    op = f"Conv({', '.join(_conv_attrs(ctx, rank, ctx.args['groups']))})"
    return Mapped(_then(ctx, op), tuple(weights), _layout_note(ctx, rank))


@layout_rule("onnx", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")
def conv_transpose(ctx: Ctx) -> Mapped:
    rank, weights = _conv_weights(ctx)
    ks, st, dil, op = (ctx.args[a] for a in ("kernel_size", "strides", "dilation_rate",
                                             "output_padding"))
    attrs = [f"kernel_shape={_ints(ks)}", f"strides={_ints(st)}", f"dilations={_ints(dil)}"]
    if ctx.args["padding"] == "same":
        attrs.append("auto_pad='SAME_UPPER'")
        if op is not None:
            attrs.append(f"output_padding={_ints(op)}")
    else:
        pads = tuple(op[i] if op is not None else max(st[i] - ((ks[i] - 1) * dil[i] + 1), 0)
                     for i in range(rank))
        if any(pads):
            attrs.append(f"output_padding={_ints(pads)}")
    return Mapped(_then(ctx, f"ConvTranspose({', '.join(attrs)})"), tuple(weights),
                  _layout_note(ctx, rank))


@layout_rule("onnx", "DepthwiseConv1D", "DepthwiseConv2D")
def depthwise(ctx: Ctx) -> Mapped:
    k = ctx.need("kernel")
    b = ctx.weight("bias")
    rank = len(k.shape) - 2
    w, c, _ = depthwise_kernel(k, rank, "W")
    weights = [w] + ([fw("B", b.shape, [b], "{0}")] if b is not None else [])
    return Mapped(_then(ctx, f"Conv({', '.join(_conv_attrs(ctx, rank, c))})"), tuple(weights),
                  _layout_note(ctx, rank))


@layout_rule("onnx", "SeparableConv1D", "SeparableConv2D")
def separable(ctx: Ctx) -> Mapped:
    dk, pk = ctx.need("depthwise_kernel"), ctx.need("pointwise_kernel")
    b = ctx.weight("bias")
    rank = len(dk.shape) - 2
    w, c, m = depthwise_kernel(dk, rank, "depthwise.W")
    filters = pk.shape[-1]
    weights = [w, fw("pointwise.W", (filters, mul(c, m), *(1,) * rank), [pk], "{0}." + _to_onnx(rank))]
    if b is not None:
        weights.append(fw("pointwise.B", (filters,), [b], "{0}"))
    ones = _ints((1,) * rank)
    op = (f"Conv({', '.join(_conv_attrs(ctx, rank, c))}) -> "
          f"Conv(kernel_shape={ones}, strides={ones}, dilations={ones})")
    return Mapped(_then(ctx, op), tuple(weights), _layout_note(ctx, rank))


# --- normalization -------------------------------------------------------------------------------------


@layout_rule("onnx", "BatchNormalization")
def batch_norm(ctx: Ctx) -> Mapped:
    if ctx.args.get("renorm"):
        raise NoEquivalent("BatchNormalization(renorm=True) has no ONNX equivalent: "
                           "BatchNormalization has no batch renormalization")
    mean, var = ctx.need("moving_mean"), ctx.need("moving_variance")
    c = mean.shape[0]
    gamma, beta = ctx.weight("gamma"), ctx.weight("beta")
    # scale and B are required inputs: a missing Keras weight is its constant value.
    weights = [fw("scale", (c,), [gamma], "{0}") if gamma is not None else
               fw("scale", (c,), [], _ones((c,)), is_parameter=False),
               fw("B", (c,), [beta], "{0}") if beta is not None else
               fw("B", (c,), [], zeros(c), is_parameter=False),
               fw("input_mean", (c,), [mean], "{0}", is_parameter=False),
               fw("input_var", (c,), [var], "{0}", is_parameter=False)]
    eps, momentum = ctx.raw("epsilon", 1e-3), ctx.raw("momentum", 0.99)
    rank = len(ctx.shape)
    axis = ctx.args.get("axis", -1) % rank
    notes = ["ONNX's momentum is Keras's (the weight of the running value)"]
    if axis != 1:
        notes.append(f"ONNX normalizes axis 1; Keras normalizes axis {axis} of {fmt_shape(ctx.shape)}: "
                     "transpose that axis to position 1 and back")
    return Mapped(f"BatchNormalization(epsilon={literal(eps)}, momentum={literal(momentum)})",
                  tuple(weights), tuple(notes))


def _first_axis(ctx: Ctx, what: str) -> tuple[int, tuple[Dim, ...]]:
    rank = len(ctx.shape)
    axes = [a % rank for a in sorted(ctx.args.get("axis", (-1,)))]
    if axes != list(range(rank - len(axes), rank)):
        raise NoEquivalent(f"{ctx.type} over axes {list(ctx.args.get('axis'))} of "
                           f"{fmt_shape(ctx.shape)} has no ONNX {what} equivalent: it normalizes "
                           "from one axis to the last", hint="move the normalized axes last before "
                           "porting")
    return axes[0] - rank, tuple(ctx.shape[a] for a in axes)


@layout_rule("onnx", "LayerNormalization")
def layer_norm(ctx: Ctx) -> Mapped:
    if ctx.args.get("rms_scaling"):
        raise NoEquivalent("LayerNormalization(rms_scaling=True) has no ONNX LayerNormalization "
                           "equivalent", hint="Keras 3 deprecates it for RMSNormalization")
    axis, shape = _first_axis(ctx, "LayerNormalization")
    gamma, beta = ctx.weight("gamma"), ctx.weight("beta")
    weights = [fw("Scale", shape, [gamma], "{0}") if gamma is not None else
               fw("Scale", shape, [], _ones(shape), is_parameter=False)]
    if beta is not None:
        weights.append(fw("B", shape, [beta], "{0}"))
    return Mapped(f"LayerNormalization(axis={axis}, epsilon={literal(ctx.raw('epsilon', 1e-3))})",
                  tuple(weights), ("ONNX LayerNormalization is opset 17 or later",))


@layout_rule("onnx", "RMSNormalization")
def rms_norm(ctx: Ctx) -> Mapped:
    axis, shape = _first_axis(ctx, "RMSNormalization")
    return Mapped(f"RMSNormalization(axis={axis}, epsilon={literal(ctx.raw('epsilon', 1e-6))})",
                  (fw("scale", shape, [ctx.need("scale")], "{0}"),),
                  ("ONNX RMSNormalization is opset 23 or later",))


@layout_rule("onnx", "GroupNormalization")
def group_norm(ctx: Ctx) -> Mapped:
    rank = len(ctx.shape)
    axis = ctx.args.get("axis", -1) % rank
    c = ctx.shape[axis]
    groups = ctx.args.get("groups", 32)
    gamma, beta = ctx.weight("gamma"), ctx.weight("beta")
    weights = (fw("scale", (c,), [gamma], "{0}") if gamma is not None else
               fw("scale", (c,), [], _ones((c,)), is_parameter=False),
               fw("bias", (c,), [beta], "{0}") if beta is not None else
               fw("bias", (c,), [], zeros(c), is_parameter=False))
    notes = ["scale and bias are per channel from opset 21 (opset 18 had them per group)"]
    if axis != 1:
        notes.append(f"ONNX's channels are axis 1; Keras's are axis {axis} of {fmt_shape(ctx.shape)}")
    num = fmt(c) if groups == -1 else str(groups)
    return Mapped(f"GroupNormalization(num_groups={num}, epsilon={literal(ctx.raw('epsilon', 1e-3))})",
                  weights, tuple(notes))


# --- attention and wrappers -------------------------------------------------------------------------------


@layout_rule("onnx", "MultiHeadAttention")
def multi_head_attention(ctx: Ctx) -> Mapped:
    raise NoEquivalent("MultiHeadAttention has no standard ONNX operator that holds its weights: "
                       "ONNX's Attention (opset 23) takes Q, K, V already projected, and exporters "
                       "write the projections as MatMul/Add initializers named as they choose",
                       hint="see the PyTorch layout (nn.MultiheadAttention), which exporters start from")


layout_rule("onnx", "TimeDistributed")(time_distributed_rule(
    "onnx", ("TimeDistributed: reshape (N, T, ...) to (N*T, ...) before the operator and back after; "
            "the weights are shared by the steps")))
