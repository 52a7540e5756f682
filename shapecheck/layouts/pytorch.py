"""PyTorch's layouts: each Keras layer as the ``torch.nn`` module that computes the same
function, its ``state_dict()`` names and shapes, and how to get them from Keras's arrays.

References: the torch.nn docs of Linear, Embedding, Conv*d, ConvTranspose*d, BatchNorm*d,
LayerNorm, GroupNorm, RMSNorm, RNN/LSTM/GRU and MultiheadAttention (PyTorch 2.13), and
every rule here is checked against PyTorch itself in tests/test_layouts_torch.py.
Parameters are PyTorch's ``sum(p.numel() for p in module.parameters())``: the running
statistics and ``num_batches_tracked`` of BatchNorm are buffers, not parameters.
"""

from __future__ import annotations

from ..dims import Dim, compare, fmt, fmt_shape, mul
from .base import (
    Ctx,
    Mapped,
    NoEquivalent,
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
from .recurrent import RECURRENT_TYPES, RnnCell, RnnStack, rnn_stack

# Keras activation -> what to apply after the PyTorch module (None: nothing).
_ACT = {"linear": None, "relu": "torch.relu", "sigmoid": "torch.sigmoid", "tanh": "torch.tanh",
        "softmax": "torch.softmax(dim=-1)", "gelu": "F.gelu", "elu": "F.elu", "selu": "F.selu",
        "softplus": "F.softplus", "softsign": "F.softsign", "silu": "F.silu", "swish": "F.silu",
        "relu6": "F.relu6", "leaky_relu": "F.leaky_relu(negative_slope=0.2)",
        # hard_sigmoid is left out: Keras 2's (0.2x + 0.5) is not Keras 3's (F.hardsigmoid).
        "hard_silu": "F.hardswish", "hard_swish": "F.hardswish",
        "mish": "F.mish", "exponential": "torch.exp", "log_softmax": "F.log_softmax(dim=-1)"}


def _then(ctx: Ctx, op: str) -> str:
    return then_activation(ctx, op, _ACT)


def _tuple(values: tuple) -> str:
    return str(values[0]) if len(values) == 1 else f"({', '.join(map(str, values))})"


# --- recurrent ------------------------------------------------------------------------------

_TORCH = {"LSTM": "nn.LSTM", "GRU": "nn.GRU", "SimpleRNN": "nn.RNN"}
# The PyTorch gate order, and the Keras blocks it takes, in Keras's letters.
_ORDER = {"LSTM": ("i,f,g,o (Keras's i,f,c,o: the same blocks in the same order; g is Keras's "
                   "c, the cell candidate)", None),
          "GRU": ("r,z,n (Keras's z,r,h with the first two blocks swapped; n is Keras's h, the "
                  "candidate)", "zrh->rzh"),
          "SimpleRNN": (None, None)}


def _reorder(x: str, cell: RnnCell, axis: int) -> str:
    return gate_reorder(x, _ORDER[cell.kind][1], axis)


def _check_cells(ctx: Ctx, st: RnnStack) -> RnnCell:
    cells = st.cells
    first = cells[0]
    kinds = {c.kind for c in cells}
    if len(kinds) > 1:
        raise NoEquivalent(f"{ctx.type} \"{ctx.name}\" mixes {' and '.join(sorted(kinds))} cells; "
                           f"PyTorch's {', '.join(_TORCH.values())} each run one kind",
                           hint="use one PyTorch module per cell")
    if st.bidirectional and len(st.directions[0]) > 1:
        raise NoEquivalent(f"Bidirectional \"{ctx.name}\" runs a stack of {len(st.directions[0])} "
                           "cells in each direction, each direction on its own; a multi-layer "
                           f"bidirectional {_TORCH[first.kind]} feeds both directions of layer 1 "
                           "into layer 2", hint="use one bidirectional PyTorch module per cell only "
                           "if the Keras model stacks Bidirectional layers")
    if len({c.units for c in cells}) > 1:
        raise NoEquivalent(f"{ctx.type} \"{ctx.name}\" has cells of different widths "
                           f"({', '.join(str(c.units) for c in cells)}); {_TORCH[first.kind]} has "
                           "one hidden_size", hint="use one PyTorch module per cell")
    if len({c.bias is None for c in cells}) > 1:
        raise NoEquivalent(f"{ctx.type} \"{ctx.name}\" has cells with and without a bias; "
                           f"{_TORCH[first.kind]}'s bias= is one flag")
    for c in cells:
        if c.kind == "GRU" and not c.reset_after:
            raise NoEquivalent(
                "GRU(reset_after=False) has no PyTorch equivalent: nn.GRU applies the reset gate "
                "after the recurrent matmul, r * (W_hn h + b_hn), which is Keras's reset_after=True; "
                "reset_after=False computes (r * h) W_hn",
                hint="build the Keras layer with reset_after=True (Keras 3's default) to port it "
                "to PyTorch; ONNX's GRU with linear_before_reset=0 is this layer")
        want = ("tanh", "relu") if c.kind == "SimpleRNN" else ("tanh",)
        if c.activation not in want:
            raise NoEquivalent(f"{c.type} with activation={c.activation or 'custom'!r} has no "
                               f"PyTorch equivalent: {_TORCH[c.kind]} uses "
                               f"{' or '.join(want)}", hint="PyTorch's recurrent modules have "
                               "fixed activations")
        if c.kind != "SimpleRNN" and c.recurrent_activation != "sigmoid":
            raise NoEquivalent(f"{c.type} with recurrent_activation="
                               f"{c.recurrent_activation or 'custom'!r} has no PyTorch equivalent: "
                               f"{_TORCH[c.kind]}'s gates use sigmoid",
                               hint="PyTorch's recurrent modules have fixed activations")
    return first


def _cell_weights(cell: RnnCell, suffix: str) -> list:
    n, u, g = cell.input_dim, cell.units, max(len(cell.gates), 1)
    order = _ORDER[cell.kind][0]
    out = [fw(f"weight_ih{suffix}", (mul(g, u), n), [cell.kernel], _reorder("{0}", cell, 1) + ".T",
              order),
           fw(f"weight_hh{suffix}", (mul(g, u), u), [cell.recurrent],
              _reorder("{0}", cell, 1) + ".T", order)]
    if cell.bias is None:
        return out
    b = cell.bias
    if cell.cudnn:  # the input bias, then the recurrent bias
        ih, hh = f"{{0}}[:{g * u}]", f"{{0}}[{g * u}:]"
    elif cell.kind == "GRU":  # reset_after=True: row 0 input, row 1 recurrent
        ih, hh = "{0}[0]", "{0}[1]"
    else:
        ih, hh = "{0}", None
    out.append(fw(f"bias_ih{suffix}", (g * u,), [b], _reorder(ih, cell, 0), order))
    if hh is None:  # Keras has one bias: it is b_ih + b_hh, so one of them is zero
        out.append(fw(f"bias_hh{suffix}", (g * u,), [], zeros(g * u), order))
    else:
        out.append(fw(f"bias_hh{suffix}", (g * u,), [b], _reorder(hh, cell, 0), order))
    return out


@layout_rule("pytorch", *RECURRENT_TYPES)
def recurrent(ctx: Ctx) -> Mapped:
    st = rnn_stack(ctx)
    cell = _check_cells(ctx, st)
    weights = []
    layers = len(st.directions[0])
    for layer in range(layers):
        for d, cells in enumerate(st.directions):
            weights += _cell_weights(cells[layer], f"_l{layer}" + ("_reverse" if d else ""))
    args = [fmt(cell.input_dim), str(cell.units)]
    if cell.kind == "SimpleRNN" and cell.activation == "relu":
        args.append("nonlinearity='relu'")
    if layers > 1:
        args.append(f"num_layers={layers}")
    if cell.bias is None:
        args.append("bias=False")
    args.append("batch_first=True")
    if st.bidirectional:
        args.append("bidirectional=True")
    module = f"{_TORCH[cell.kind]}({', '.join(args)})"
    notes = []
    if cell.kind == "LSTM":
        notes.append("Keras's LSTM has one bias per gate; PyTorch adds bias_ih and bias_hh, so "
                     "bias_ih is Keras's bias and bias_hh is zeros (any split with the same sum "
                     "is equivalent; back to Keras: bias = bias_ih + bias_hh)")
    if cell.kind == "SimpleRNN" and cell.bias is not None:
        notes.append("Keras's SimpleRNN has one bias; PyTorch's bias_ih + bias_hh is it, so "
                     "bias_hh is zeros (back to Keras: bias = bias_ih + bias_hh)")
    if cell.kind == "GRU" and cell.bias is not None:
        notes.append("Keras's GRU bias row 0 is PyTorch's bias_ih, row 1 its bias_hh (both r,z,n)")
    u = cell.units
    if st.bidirectional and st.merge_mode == "concat":
        notes.append(f"output features 0:{u} are the forward direction, {u}:{2 * u} the backward, "
                     "as Keras's merge_mode='concat'")
    if not st.return_sequences:
        last = "torch.cat([h_n[-2], h_n[-1]], dim=-1)" if st.bidirectional else "h_n[-1]"
        notes.append(f"return_sequences=False: Keras returns the last step only: PyTorch's {last}")
    warnings = []
    if st.bidirectional and st.merge_mode != "concat":
        a, b = f"y[..., :{u}]", f"y[..., {u}:]"
        how = {"sum": f"{a} + {b}", "mul": f"{a} * {b}", "ave": f"({a} + {b}) / 2",
               None: f"{a} and {b} apart"}[st.merge_mode]
        warnings.append(("SC502", f"Bidirectional merge_mode={st.merge_mode!r} has no equivalent in "
                         f"{module}: it always concatenates the two directions",
                         f"the weights are exact; merge its output y yourself: {how}"))
    if st.go_backwards:
        warnings.append(("SC502", f"{ctx.type}(go_backwards=True) has no equivalent in {module}: it "
                         "reads the sequence forwards", "the weights are exact; run it on "
                         "x.flip(1): Keras returns the steps in that reversed order too"))
    return Mapped(module, tuple(weights), tuple(notes), tuple(warnings))


# --- core -------------------------------------------------------------------------------------


@layout_rule("pytorch", "Dense")
def dense(ctx: Ctx) -> Mapped:
    if ctx.args.get("lora_rank"):
        raise NoEquivalent(f"Dense with LoRA (lora_rank={ctx.args['lora_rank']}) has no nn.Linear "
                           "equivalent", hint="merge it first: kernel + lora_kernel_a @ "
                           "lora_kernel_b * (lora_alpha / lora_rank); its .T is nn.Linear's weight")
    k = ctx.need("kernel")
    b = ctx.weight("bias")
    n, u = k.shape
    weights = [fw("weight", (u, n), [k], "{0}.T")]
    if b is not None:
        weights.append(fw("bias", (u,), [b], "{0}"))
    module = f"nn.Linear({fmt(n)}, {fmt(u)}{'' if b is not None else ', bias=False'})"
    notes = ("nn.Linear acts on the last axis of any rank, as Dense does",) if len(ctx.shape) > 2 else ()
    return Mapped(_then(ctx, module), tuple(weights), notes)


@layout_rule("pytorch", "Embedding")
def embedding(ctx: Ctx) -> Mapped:
    if ctx.args.get("lora_rank"):
        raise NoEquivalent("Embedding with LoRA has no nn.Embedding equivalent",
                           hint="merge it first: embeddings + lora_embeddings_a @ lora_embeddings_b "
                           "* (lora_alpha / lora_rank)")
    e = ctx.need("embeddings")
    notes = ("mask_zero=True masks id 0 in the layers after it; nn.Embedding has no mask "
             "(padding_idx=0 only freezes that row)",) if ctx.args.get("mask_zero") else ()
    return Mapped(f"nn.Embedding({fmt(e.shape[0])}, {fmt(e.shape[1])})",
                  (fw("weight", e.shape, [e], "{0}"),), notes)


# --- convolutions ------------------------------------------------------------------------------


def _window(ctx: Ctx, rank: int) -> list[str]:
    args = [f"kernel_size={_tuple(ctx.args['kernel_size'])}"]
    strides, dil = ctx.args["strides"], ctx.args["dilation_rate"]
    if any(s != 1 for s in strides):
        args.append(f"stride={_tuple(strides)}")
    if ctx.args["padding"] == "same" and all(s == 1 for s in strides):
        args.append("padding='same'")
    if any(d != 1 for d in dil):
        args.append(f"dilation={_tuple(dil)}")
    return args


def _conv_notes(ctx: Ctx, rank: int) -> list[str]:
    notes = []
    if ctx.args.get("data_format", "channels_last") == "channels_last":
        notes.append(f"PyTorch takes channels first: permute Keras's channels_last input "
                     f"(N, {', '.join('spatial' for _ in range(rank))}, C) to "
                     f"(N, C, {', '.join('spatial' for _ in range(rank))}) and the output back")
    pad, strides = ctx.args["padding"], ctx.args["strides"]
    if pad == "same" and any(s != 1 for s in strides):
        notes.append("padding='same' with strides > 1: nn.Conv has no such padding; pad the input "
                     "first as TF does, per spatial axis total = max((ceil(n/s) - 1)*s + (k - 1)*d + 1 "
                     "- n, 0), total//2 before and the rest after (F.pad)")
    if pad == "causal":
        k, d = ctx.args["kernel_size"][0], ctx.args["dilation_rate"][0]
        notes.append(f"padding='causal': pad (k - 1)*d = {(k - 1) * d} steps before the sequence "
                     f"only, F.pad(x, ({(k - 1) * d}, 0)), then convolve without padding")
    return notes


def _to_torch(rank: int) -> str:
    """Keras's kernel (k..., a, b) -> (b, a, k...)."""
    return perm(rank + 1, rank, *range(rank))


@layout_rule("pytorch", "Conv1D", "Conv2D", "Conv3D")
def conv(ctx: Ctx) -> Mapped:
    k = ctx.need("kernel")
    b = ctx.weight("bias")
    rank = len(k.shape) - 2
    cin_g, filters = k.shape[-2], k.shape[-1]
    groups = ctx.args["groups"]
    cin = mul(cin_g, groups)
    weights = [fw("weight", (filters, cin_g, *k.shape[:rank]), [k], "{0}." + _to_torch(rank))]
    if b is not None:
        weights.append(fw("bias", (filters,), [b], "{0}"))
    args = [fmt(cin), fmt(filters), *_window(ctx, rank)]
    if groups != 1:
        args.append(f"groups={groups}")
    if b is None:
        args.append("bias=False")
    return Mapped(_then(ctx, f"nn.Conv{rank}d({', '.join(args)})"), tuple(weights),
                  tuple(_conv_notes(ctx, rank)))


@layout_rule("pytorch", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose")
def conv_transpose(ctx: Ctx) -> Mapped:
    k = ctx.need("kernel")
    b = ctx.weight("bias")
    rank = len(k.shape) - 2
    filters, cin = k.shape[-2], k.shape[-1]
    # Keras (k..., filters, in) and PyTorch (in, filters, k...) are both the kernel of the
    # convolution this one is the gradient of: the same numbers, no spatial flip.
    weights = [fw("weight", (cin, filters, *k.shape[:rank]), [k], "{0}." + _to_torch(rank))]
    if b is not None:
        weights.append(fw("bias", (filters,), [b], "{0}"))
    ks, st, dil, op = (ctx.args[a] for a in ("kernel_size", "strides", "dilation_rate",
                                             "output_padding"))
    args = [fmt(cin), fmt(filters), f"kernel_size={_tuple(ks)}"]
    if any(s != 1 for s in st):
        args.append(f"stride={_tuple(st)}")
    notes = _conv_notes(ctx, rank)[:1]
    if ctx.args["padding"] == "valid":
        # Keras's valid size is (n - 1)*s + max(k_eff, s): PyTorch's (n - 1)*s + k_eff + p.
        pads = tuple(op[i] if op is not None else max(st[i] - ((ks[i] - 1) * dil[i] + 1), 0)
                     for i in range(rank))
        if any(pads):
            args.append(f"output_padding={_tuple(pads)}")
    else:
        notes.append("padding='same': nn.ConvTranspose has no such padding; with padding=0, per "
                     "spatial axis t = (k - 1)*d + 1 - s: crop t//2 from the start of the output and "
                     "the rest from the end, or with t < 0 set output_padding=-t (output_padding "
                     "given: see Keras's compute_conv_transpose_padding)")
    if any(d != 1 for d in dil):
        args.append(f"dilation={_tuple(dil)}")
    if b is None:
        args.append("bias=False")
    return Mapped(_then(ctx, f"nn.ConvTranspose{rank}d({', '.join(args)})"), tuple(weights),
                  tuple(notes))


@layout_rule("pytorch", "DepthwiseConv1D", "DepthwiseConv2D")
def depthwise(ctx: Ctx) -> Mapped:
    k = ctx.need("kernel")
    b = ctx.weight("bias")
    rank = len(k.shape) - 2
    w, c, m = depthwise_kernel(k, rank, "weight")
    weights = [w]
    if b is not None:
        weights.append(fw("bias", b.shape, [b], "{0}"))
    args = [fmt(c), fmt(mul(c, m)), *_window(ctx, rank), f"groups={fmt(c)}"]
    if b is None:
        args.append("bias=False")
    return Mapped(_then(ctx, f"nn.Conv{rank}d({', '.join(args)})"), tuple(weights),
                  tuple(_conv_notes(ctx, rank)))


@layout_rule("pytorch", "SeparableConv1D", "SeparableConv2D")
def separable(ctx: Ctx) -> Mapped:
    dk, pk = ctx.need("depthwise_kernel"), ctx.need("pointwise_kernel")
    b = ctx.weight("bias")
    rank = len(dk.shape) - 2
    w, c, m = depthwise_kernel(dk, rank, "0.weight")
    filters = pk.shape[-1]
    weights = [w, fw("1.weight", (filters, mul(c, m), *(1,) * rank), [pk], "{0}." + _to_torch(rank))]
    if b is not None:
        weights.append(fw("1.bias", (filters,), [b], "{0}"))
    dw = [fmt(c), fmt(mul(c, m)), *_window(ctx, rank), f"groups={fmt(c)}", "bias=False"]
    no_bias = "" if b is not None else ", bias=False"
    pw = f"nn.Conv{rank}d({fmt(mul(c, m))}, {fmt(filters)}, kernel_size=1{no_bias})"
    module = f"nn.Sequential(nn.Conv{rank}d({', '.join(dw)}), {pw})"
    return Mapped(_then(ctx, module), tuple(weights),
                  ("PyTorch has no separable convolution: a depthwise nn.Conv (groups=channels) "
                   "then a 1x1 nn.Conv is the same function", *_conv_notes(ctx, rank)))


# --- normalization ---------------------------------------------------------------------------------


@layout_rule("pytorch", "BatchNormalization")
def batch_norm(ctx: Ctx) -> Mapped:
    if ctx.args.get("renorm"):
        raise NoEquivalent("BatchNormalization(renorm=True) has no PyTorch equivalent: nn.BatchNorm "
                           "has no batch renormalization")
    scale, center = ctx.args.get("scale", True), ctx.args.get("center", True)
    if scale != center:
        raise NoEquivalent(f"BatchNormalization with scale={scale} and center={center} has no "
                           "nn.BatchNorm equivalent: its affine= gives both weight and bias or "
                           "neither", hint="use affine=True and fix the missing one (weight at 1 or "
                           "bias at 0) with requires_grad=False; its count then differs")
    mean, var = ctx.need("moving_mean"), ctx.need("moving_variance")
    rank = len(ctx.shape)
    if rank not in (2, 3, 4, 5):
        raise NoEquivalent(f"BatchNormalization on a rank-{rank} input has no nn.BatchNorm "
                           "equivalent (BatchNorm1d/2d/3d take rank 2 to 5)")
    c = mean.shape[0]
    weights = []
    if scale:
        weights += [fw("weight", (c,), [ctx.need("gamma")], "{0}"),
                    fw("bias", (c,), [ctx.need("beta")], "{0}")]
    weights += [fw("running_mean", (c,), [mean], "{0}", is_parameter=False),
                fw("running_var", (c,), [var], "{0}", is_parameter=False),
                fw("num_batches_tracked", (), [], "np.array(0)", is_parameter=False)]
    eps, momentum = ctx.raw("epsilon", 1e-3), ctx.raw("momentum", 0.99)
    args = [fmt(c), f"eps={literal(eps)}"]
    if isinstance(momentum, (int, float)):
        args.append(f"momentum={literal(1 - momentum)}")
    if not scale:
        args.append("affine=False")
    notes = ["PyTorch's momentum weighs the new batch (1 - Keras's momentum); the running "
             "statistics are buffers, not parameters, and num_batches_tracked has no Keras "
             "counterpart (0 is right: PyTorch reads it only with momentum=None)"]
    axis = ctx.args.get("axis", -1) % rank
    if axis != 1:
        notes.append(f"PyTorch normalizes axis 1; Keras normalizes axis {axis} of "
                     f"{fmt_shape(ctx.shape)}: move that axis to position 1 and back")
    return Mapped(f"nn.BatchNorm{max(rank - 2, 1)}d({', '.join(args)})", tuple(weights),
                  tuple(notes))


def _trailing(ctx: Ctx, axes: list[int], what: str) -> tuple[Dim, ...]:
    """The sizes of normalized axes that must be the input's last ones, in Keras's order."""
    rank = len(ctx.shape)
    norm = [a % rank for a in axes]
    if norm != list(range(rank - len(axes), rank)):
        raise NoEquivalent(f"{ctx.type} over axes {axes} of {fmt_shape(ctx.shape)} has no {what} "
                           f"equivalent: it normalizes over the last axes only",
                           hint="move the normalized axes last (a permute) before porting")
    return tuple(ctx.shape[a] for a in norm)


@layout_rule("pytorch", "LayerNormalization")
def layer_norm(ctx: Ctx) -> Mapped:
    if ctx.args.get("rms_scaling"):
        raise NoEquivalent("LayerNormalization(rms_scaling=True) has no nn.LayerNorm equivalent",
                           hint="Keras 3 deprecates it for RMSNormalization (nn.RMSNorm)")
    scale, center = ctx.args.get("scale", True), ctx.args.get("center", True)
    if center and not scale:
        raise NoEquivalent("LayerNormalization(scale=False, center=True) has no nn.LayerNorm "
                           "equivalent: its bias comes only with a weight")
    shape = _trailing(ctx, sorted(ctx.args.get("axis", (-1,))), "nn.LayerNorm")
    weights = []
    if scale:
        weights.append(fw("weight", shape, [ctx.need("gamma")], "{0}"))
    if center:
        weights.append(fw("bias", shape, [ctx.need("beta")], "{0}"))
    args = [_tuple(tuple(fmt(s) for s in shape)),
            f"eps={literal(ctx.raw('epsilon', 1e-3))}"]
    if not scale:
        args.append("elementwise_affine=False")
    elif not center:
        args.append("bias=False")
    return Mapped(f"nn.LayerNorm({', '.join(args)})", tuple(weights))


@layout_rule("pytorch", "RMSNormalization")
def rms_norm(ctx: Ctx) -> Mapped:
    shape = _trailing(ctx, sorted(ctx.args.get("axis", (-1,))), "nn.RMSNorm")
    s = ctx.need("scale")
    dims = _tuple(tuple(fmt(d) for d in shape))
    return Mapped(f"nn.RMSNorm({dims}, eps={literal(ctx.raw('epsilon', 1e-6))})",
                  (fw("weight", shape, [s], "{0}"),))


@layout_rule("pytorch", "GroupNormalization")
def group_norm(ctx: Ctx) -> Mapped:
    scale, center = ctx.args.get("scale", True), ctx.args.get("center", True)
    if scale != center:
        raise NoEquivalent(f"GroupNormalization with scale={scale} and center={center} has no "
                           "nn.GroupNorm equivalent: its affine= gives both weight and bias or "
                           "neither")
    rank = len(ctx.shape)
    axis = ctx.args.get("axis", -1) % rank
    c = ctx.shape[axis]
    groups = ctx.args.get("groups", 32)
    weights = () if not scale else (fw("weight", (c,), [ctx.need("gamma")], "{0}"),
                                     fw("bias", (c,), [ctx.need("beta")], "{0}"))
    args = [fmt(c) if groups == -1 else str(groups), fmt(c), f"eps={literal(ctx.raw('epsilon', 1e-3))}"]
    if not scale:
        args.append("affine=False")
    notes = () if axis == 1 else (f"PyTorch's channels are axis 1; Keras's are axis {axis} of "
                                  f"{fmt_shape(ctx.shape)}: move that axis to position 1 and back",)
    return Mapped(f"nn.GroupNorm({', '.join(args)})", weights, notes)


# --- attention ----------------------------------------------------------------------------------


@layout_rule("pytorch", "MultiHeadAttention")
def multi_head_attention(ctx: Ctx) -> Mapped:
    q = ctx.inputs[0]
    v = ctx.inputs[1] if len(ctx.inputs) > 1 else q
    k = ctx.inputs[2] if len(ctx.inputs) > 2 else v
    heads, kd = ctx.args["num_heads"], ctx.args["key_dim"]
    vd = ctx.args.get("value_dim") or kd
    e = q[-1]
    why = None
    if len(q) != 3:
        why = f"its inputs are rank {len(q)}; nn.MultiheadAttention takes (batch, positions, features)"
    elif ctx.args.get("use_gate"):
        why = "use_gate=True adds a gate projection nn.MultiheadAttention does not have"
    elif vd != kd:
        why = f"value_dim={vd} differs from key_dim={kd}; PyTorch's heads are one width"
    elif compare(e, heads * kd) is not True:
        why = (f"num_heads*key_dim = {heads}*{kd} = {heads * kd} is not the query's width {fmt(e)}; "
               "PyTorch's heads split embed_dim")
    elif ctx.args.get("output_shape") not in (None, (e,)):
        why = f"output_shape={list(ctx.args['output_shape'])} is not the query's width {fmt(e)}"
    if why:
        raise NoEquivalent(f"this MultiHeadAttention has no nn.MultiheadAttention equivalent: {why}")
    if ctx.args.get("attention_axes") not in (None, (1,), (-2,)):
        raise NoEquivalent("MultiHeadAttention with attention_axes="
                           f"{list(ctx.args['attention_axes'])} has no nn.MultiheadAttention "
                           "equivalent: PyTorch attends over axis 1")
    w = {n: ctx.need(f"{n}/kernel") for n in ("query", "key", "value", "attention_output")}
    has_bias = ctx.args.get("use_bias", True)
    b = {n: ctx.need(f"{n}/bias") for n in w} if has_bias else {}
    kdim, vdim = k[-1], v[-1]
    packed = compare(kdim, e) is True and compare(vdim, e) is True
    proj = "{{{}}}.reshape(-1, " + str(heads * kd) + ").T"
    weights = []
    if packed:
        weights.append(fw("in_proj_weight", (3 * heads * kd, e), [w["query"], w["key"], w["value"]],
                          "np.concatenate([" + ", ".join(proj.format(i) for i in range(3)) + "])"))
    else:
        for i, (n, d) in enumerate((("q", e), ("k", kdim), ("v", vdim))):
            src = w[("query", "key", "value")[i]]
            weights.append(fw(f"{n}_proj_weight", (heads * kd, d), [src], proj.format(0)))
    if has_bias:
        weights.append(fw("in_proj_bias", (3 * heads * kd,), [b["query"], b["key"], b["value"]],
                          "np.concatenate([{0}.reshape(-1), {1}.reshape(-1), {2}.reshape(-1)])"))
    weights.append(fw("out_proj.weight", (e, heads * kd), [w["attention_output"]],
                      "{0}.reshape(" + str(heads * kd) + ", -1).T"))
    if has_bias:
        weights.append(fw("out_proj.bias", (e,), [b["attention_output"]], "{0}"))
    args = [fmt(e), str(heads)]
    if not has_bias:
        args.append("bias=False")
    if not packed:
        args += [f"kdim={fmt(kdim)}", f"vdim={fmt(vdim)}"]
    args.append("batch_first=True")
    notes = ("Keras calls mha(query, value, key); PyTorch mha(query, key, value) and returns "
             "(output, weights): Keras's output is [0] (need_weights=False)",
             "a head's columns are contiguous in both: Keras's (d, num_heads, key_dim) kernel "
             "reshaped to (d, num_heads*key_dim) is PyTorch's projection transposed")
    return Mapped(f"nn.MultiheadAttention({', '.join(args)})", tuple(weights), notes)


# --- wrappers -----------------------------------------------------------------------------------


layout_rule("pytorch", "TimeDistributed")(time_distributed_rule(
    "pytorch", ("TimeDistributed: PyTorch's module runs on every step as one batch: reshape "
            "(N, T, ...) to (N*T, ...) before it and back after; the weights are shared by the steps")))
