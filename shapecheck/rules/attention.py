"""Attention layers: Attention, AdditiveAttention, MultiHeadAttention, GroupQueryAttention
(EinsumDense, which MultiHeadAttention's projections are, is ``einsum_dense``).

References: keras/src/layers/attention/{attention,additive_attention,
multi_head_attention,grouped_query_attention}.py and keras/src/layers/core/einsum_dense.py.

Keras builds these layers from ``build`` and ``compute_output_spec`` without tracing
``call``, so it accepts some models that fail the first time they run: a query and a
key of different widths, a key shorter than the value, query and value of different
ranks. Those are errors here too, and the message says that Keras itself only fails
when the model runs.

Where Keras's static shape says something the layer does not compute (the scores of
MultiHeadAttention use the query's length for the key's axis; EinsumDense with a
left ellipsis reverses the elided axes; Attention's matmuls broadcast leading axes
Keras's shape takes from the query alone), the computed shape is reported with SC307.
Where Keras's static shape merely leaves an axis unknown (EinsumDense's ``None`` in
``output_shape``), it is mirrored: layers after it see what they see in Keras.

Call arguments that are plain values (``return_attention_scores``,
``use_causal_mask``) are written on the layer's entry, like constructor arguments.
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import Dim, Shape, compare, fmt, fmt_shape, is_symbolic
from .attention_masks import RUNTIME, attention_mask, mha_masks, scores_shape
from .registry import (
    Arg,
    Axis,
    LayerCall,
    Note,
    Output,
    Weight,
    bool_arg,
    choice_arg,
    float_arg,
    int_arg,
    opt_int_arg,
    rule,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

INIT = ("kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
         "kernel_constraint", "bias_constraint")


# --- shared checks -----------------------------------------------------------------------


def _shapes(call: LayerCall) -> str:
    return ", ".join(fmt_shape(s) for s in call.inputs)


def _query_value_key(call: LayerCall, as_list: bool) -> tuple[Shape, Shape, Shape, bool]:
    """query, value, key (the value when not given), and whether a key was given."""
    n = len(call.inputs)
    if n not in (2, 3):
        if as_list:
            msg = (f"{call.type} layer accepts inputs list of length 2 or 3, namely [query, value] "
                   f"or [query, value, key]. Received length: {n}.")
        else:
            msg = (f"{call.type} is called on query, value and an optional key: 2 or 3 tensors, "
                   f"got {n}" + (f": {_shapes(call)}" if n else ""))
        raise Finding("SC206", msg, hint="give it `inputs: [query, value]` or "
                      "`inputs: [query, value, key]`")
    q, v = call.inputs[0], call.inputs[1]
    return q, v, (call.inputs[2] if n == 3 else v), n == 3


def _need_known(call: LayerCall, shape: Shape, role: str) -> Dim:
    """The last axis of ``shape``, which a weight is built from: it must be known."""
    d = shape[-1]
    if d is None:
        raise Finding("SC302", f"the last axis of the {role} of {call.type} \"{call.name}\" is "
                      f"undefined: {fmt_shape(shape)}; its weights need it",
                      hint="give that axis a size in `inputs:` (or a name such as d), or fix the "
                      "layer before it so the axis is known")
    return d


def _equal(call: LayerCall, a: Dim, b: Dim, what: str, notes: list[Note], *,
           runtime: bool = False, strict: bool = False, hint: str | None = None,
           message: str | None = None) -> None:
    """``a`` and ``b`` must be the same size. ``strict``: Keras compares them with !=,
    so one unknown against a known size is an error too. ``runtime``: Keras itself
    only fails when the model runs. ``message``: Keras's own words for the error."""
    tail = f" ({RUNTIME})" if runtime else ""
    error = message or f"{call.type}: {what}: {fmt(a)} != {fmt(b)}{tail}"
    if a is None or b is None:
        if strict and (a is None) != (b is None):
            raise Finding("SC306", error, hint=hint or "Keras compares the sizes with !=, so an "
                          "unknown size never equals a known one: make both known")
        return
    same = compare(a, b, call.facts)
    if same is False:
        raise Finding("SC306", error, hint=hint)
    if same is None:
        notes.append(Note("SC304", f"{call.type} \"{call.name}\" requires {fmt(a)} == {fmt(b)} "
                          f"({what})", hint="name both axes with the same size, or state it in dims:"))


def _broadcast(call: LayerCall, a: Dim, b: Dim, what: str, notes: list[Note]) -> None:
    """``a`` and ``b`` must broadcast: equal, or one of them 1 (checked when it runs)."""
    if a is None or b is None or a == 1 or b == 1:
        return
    same = compare(a, b, call.facts)
    if same is False:
        raise Finding("SC306", f"{call.type}: {what}: {fmt(a)} and {fmt(b)} are neither equal nor 1 "
                      f"({RUNTIME})")
    if same is None:
        notes.append(Note("SC304", f"{call.type} \"{call.name}\" requires {fmt(a)} == {fmt(b)} (or "
                          f"one of them == 1) ({what})",
                          hint="name both axes with the same size, or state it in dims:"))


def agrees(static: Shape, real: Shape, call: LayerCall) -> bool:
    """Keras's static shape is right about ``real`` if it has its rank and each axis is
    unknown there, or provably the computed size."""
    return len(static) == len(real) and all(
        s is None or r is not None and compare(s, r, call.facts) is True
        for s, r in zip(static, real))


def _ras_arg() -> Arg:
    return bool_arg("return_attention_scores", False,
                    doc="call argument, written on the layer: also return the attention scores "
                    "as a second output")


def _flash_arg() -> Arg:
    def check(v: Any) -> bool | None:
        if v is not None and not isinstance(v, bool):
            raise ValueError(f"expected true, false or null, got {v!r}")
        return v

    return Arg("flash_attention", check, None, "true cannot return the attention scores nor use "
               "dropout", "bool | null")


def named(d: Dim) -> str:
    """Said of a weight axis whose size is a named size (Keras builds it once bound)."""
    return f"; {fmt(d)} is a named size, so the weight's size follows it" if is_symbolic(d) else ""


def _heads_axis(n: int, name: str = "num_heads") -> Axis:
    return Axis(n, name, f"one slice per attention head ({name}={n})")


def _features(d: Dim, role: str, shape: Shape, extra: str = "") -> Axis:
    return Axis(d, f"{role}[-1]", f"{role} features: the last axis of the {role} {fmt_shape(shape)}"
                f"{extra}{named(d)}")


# --- Attention, AdditiveAttention ------------------------------------------------------------


_ATTENTION_ARGS = (
    float_arg("dropout", 0.0, doc="drops attention weights; no shape change"),
    _ras_arg(),
    bool_arg("use_causal_mask", False, doc="call argument; no shape change"),
)


def _bcast(call: LayerCall, a: Shape, b: Shape, what: str, notes: list[Note]) -> Shape:
    """NumPy broadcasting of two shapes, right-aligned, as the matmuls do it when the
    model runs: an unknown size is taken on trust, a provable clash is an error."""
    if len(a) < len(b):
        a, b = b, a
    out = list(a[: len(a) - len(b)])
    for x, y in zip(a[len(a) - len(b):], b):
        _broadcast(call, x, y, what, notes)
        if x == 1 or x is None and y != 1:
            out.append(y)
        elif y == 1 or y is None:
            out.append(x)
        else:  # equal under the condition stated; a known int is the better statement
            out.append(y if isinstance(y, int) and not isinstance(x, int) else x)
    return tuple(out)


def _dot_attention(call: LayerCall, additive: bool) -> Output:
    """What ``call`` computes: scores = query @ key^T (or sum(tanh(query + key))), their
    leading axes broadcast; the causal mask (1, Tq, Tv) broadcast onto them; then
    scores @ value. Keras's static shape is (*query[:-1], value[-1]) and
    (*query[:-1], key[-2])."""
    q, v, k, has_key = _query_value_key(call, as_list=True)
    masks = call.kwargs.get("mask")
    if masks is not None and len(masks) not in (2, 3):
        raise Finding("SC206", f"{call.type} layer accepts mask list of length 2 or 3, namely "
                      f"[query_mask, value_mask]; got {len(masks)}", arg="mask",
                      hint="pass `mask: [query_mask, value_mask]`")
    names = ("query", "value", "key") if has_key else ("query", "value")
    for i, (s, role) in enumerate(zip(call.inputs, names)):
        if len(s) < 2:
            raise Finding("SC301", f'Input {i} ({role}) of layer "{call.name}" ({call.type}) has rank '
                          f"{len(s)}: {fmt_shape(s)}; attention needs (batch..., positions, "
                          "features)")
    notes: list[Note] = []
    key_role = "key" if has_key else "value (the key, as no key is given)"
    if additive or call["score_mode"] == "concat":
        _broadcast(call, q[-1], k[-1], f"the scores add query features {fmt(q[-1])} to {key_role} "
                   f"features {fmt(k[-1])}", notes)
    else:
        _equal(call, q[-1], k[-1], f"the scores are query @ key^T, so the query's last axis must "
               f"equal the {key_role}'s last axis", notes, runtime=True,
               hint="project the query or the key to the same width (e.g. a Dense before it)")
    if has_key:
        _equal(call, k[-2], v[-2], f"the key {fmt_shape(k)} and the value {fmt_shape(v)} must have "
               "the same number of positions (axis -2)", notes, runtime=True)
    lead = _bcast(call, q[:-2], k[:-2], f"the leading axes of the query {fmt_shape(q)} and the "
                  f"{key_role} {fmt_shape(k)}", notes)
    if call["use_causal_mask"]:
        lead = _bcast(call, lead, (1,), "", notes)  # the causal mask is (1, Tq, Tv)
    scores = (*lead, q[-2], k[-2])
    out = (*_bcast(call, lead, v[:-2], f"the leading axes of the scores {fmt_shape(scores)} and the "
                   f"value {fmt_shape(v)}", notes), q[-2], v[-1])
    real: tuple[Shape, ...] = (out,)
    static: tuple[Shape, ...] = ((*q[:-1], v[-1]),)
    why = [f"each of the query's {fmt(q[-2])} positions gets a weighted sum of the value's vectors: "
           f"the query's axes but the last, then the value's width {fmt(v[-1])}"]
    if call["return_attention_scores"]:
        real += (scores,)
        static += ((*q[:-1], k[-2]),)
        why.append(f"return_attention_scores=True: then the scores, one weight per query position "
                   f"and key position ({fmt(k[-2])})")
    shapes = static
    if not all(agrees(s, r, call) for s, r in zip(static, real)):
        shapes = real
        notes.append(Note("SC307", f"Keras's static output shape for \"{call.name}\" is "
                          f"{' + '.join(map(fmt_shape, static))}, but it computes "
                          f"{' + '.join(map(fmt_shape, real))}: the matmuls broadcast the leading "
                          "axes of the query, the key, the value"
                          + (" and the (1, Tq, Tv) causal mask" if call["use_causal_mask"] else ""),
                          hint="give the query, the key and the value the same leading axes"))
    weights: list[Weight] = []
    if additive:
        if call["use_scale"]:
            d = _need_known(call, q, "query")
            weights.append(Weight("scale", (_features(d, "query", q, ": one scale per feature of "
                                                      "tanh(query + key)"),)))
    else:
        if call["use_scale"]:
            weights.append(Weight("scale", ()))
        if call["score_mode"] == "concat":
            weights.append(Weight("concat_score_weight", ()))
    return Output(shapes, tuple(weights), tuple(notes), tuple(why))


@rule("Attention",
      args=(bool_arg("use_scale", False, doc="adds a scalar weight `scale` ()"),
            choice_arg("score_mode", ("dot", "concat"), "dot",
                       doc="dot: query @ key^T (widths equal); concat: sum(tanh(query + key)) "
                       "(widths broadcast), adds the scalar `concat_score_weight`"),
            *_ATTENTION_ARGS),
      accepts=("seed", "causal"), inputs=None, call_args=("mask",))
def attention(call: LayerCall) -> Output:
    """Luong-style attention, called on ``[query, value]`` or ``[query, value, key]``
    ``(batch, Tq, dim)``, ``(batch, Tv, dim)``: the output is ``(batch, Tq, value_dim)``,
    the scores ``(batch, Tq, Tv)``."""
    return _dot_attention(call, additive=False)


@rule("AdditiveAttention",
      args=(bool_arg("use_scale", True, doc="adds the weight `scale` of shape (query features,)"),
            *_ATTENTION_ARGS),
      accepts=("seed", "score_mode", "causal"), inputs=None, call_args=("mask",))
def additive_attention(call: LayerCall) -> Output:
    """Bahdanau-style attention, called on ``[query, value]`` or ``[query, value, key]``;
    shapes as Attention, the scores summed over tanh(query + key)."""
    return _dot_attention(call, additive=True)


# --- MultiHeadAttention -----------------------------------------------------------------------


def _output_shape_arg(v: Any) -> tuple[int, ...] | None:
    """MultiHeadAttention's ``output_shape``: falsy means the query's width."""
    if not v:
        return None
    items = (v,) if isinstance(v, int) and not isinstance(v, bool) else v
    if isinstance(items, str) or not isinstance(items, (list, tuple)) or any(
            isinstance(i, bool) or not isinstance(i, int) or i < 1 for i in items):
        raise ValueError(f"expected an integer >= 1 or a list of them, got {v!r} (the output "
                         "projection is a weight, so every size must be known)")
    return tuple(items)


def _axes_arg(v: Any) -> tuple[int, ...] | None:
    if v is None:
        return None
    items = (v,) if isinstance(v, int) and not isinstance(v, bool) else v
    if isinstance(items, str) or not isinstance(items, (list, tuple)) or any(
            isinstance(i, bool) or not isinstance(i, int) for i in items):
        raise ValueError(f"expected an int, a list of ints or null, got {v!r}")
    return tuple(items)


def _attention_axes(call: LayerCall, rank: int) -> tuple[int, ...]:
    """``_build_attention``: by default every axis between the batch and the features; a
    negative axis counts from the input's rank. Keras also runs the batch axis 0 and
    axis rank-1, which is the heads' axis once the inputs are projected. Rank-3 inputs
    without dropout or returned scores take ``ops.dot_product_attention``, which
    attends over the positions whatever attention_axes says."""
    given = call["attention_axes"]
    default = tuple(range(1, rank - 1))
    if given is None:
        return default
    axes = tuple(a if a >= 0 else rank + a for a in given)
    outside = [g for g, a in zip(given, axes) if not -(rank + 1) <= a <= rank]
    if outside:  # np.delete in _build_attention_equation
        raise Finding("SC403", f"MultiHeadAttention attention_axes={list(given)} for inputs of rank "
                      f"{rank}: {outside[0]} is out of range (Keras raises when it builds the layer)",
                      arg="attention_axes", hint=f"list distinct axes among 1..{rank - 2}")
    if rank == 3 and not call["dropout"] and not call["return_attention_scores"]:
        if call["sliding_window"] is not None and len(given) > 1:
            # _compute_attention still expands the (1, T, S) window mask towards the
            # rank-4 scores at axis -2 * len(attention_axes) - 1, which the axes it
            # otherwise ignores push out of range.
            axis = -2 * len(given) - 1
            raise Finding("SC403", f"MultiHeadAttention attention_axes={list(given)} with "
                          f"sliding_window={call['sliding_window']} for inputs of rank 3: Keras "
                          f"expands the window mask at axis {axis}, which is out of bounds for an "
                          f"array with dimension 4 (Keras raises when the layer is called)",
                          arg="attention_axes",
                          hint="rank-3 inputs attend over their one position axis: drop "
                          "attention_axes, or give one axis")
        return default
    # A normalized axis still negative indexes Keras's einsum letters from the end.
    axes = tuple(a if a >= 0 else a + rank + 1 for a in axes)
    bad = [g for g, a in zip(given, axes) if not 0 <= a <= rank - 1]
    if not axes or bad or len(set(axes)) != len(axes):
        why = "it is empty" if not axes else f"{bad[0]} is out of range" if bad else \
            "an axis is repeated"
        raise Finding("SC403", f"MultiHeadAttention attention_axes={list(given)} for inputs of rank "
                      f"{rank}: {why} ({RUNTIME})", arg="attention_axes",
                      hint=f"list distinct axes among 1..{rank - 2} (the positions between the "
                      "batch and the features)")
    return axes


def _value_key(call: LayerCall, v: Shape, k: Shape, notes: list[Note]) -> None:
    """``build``/``compute_output_shape``: ``value_shape[1:-1] != key_shape[1:-1]`` raises."""
    msg = ("All dimensions of `value` and `key`, except the last one, must be equal. Received: "
           f"value_shape={fmt_shape(v)} and key_shape={fmt_shape(k)}")
    if len(v) != len(k):
        raise Finding("SC306", msg)
    for a, b in zip(v[1:-1], k[1:-1]):
        if (a is None) != (b is None) or compare(a, b, call.facts) is False:
            raise Finding("SC306", msg, hint="Keras compares the sizes with !=, so an unknown size "
                          "never equals a known one" if (a is None) != (b is None) else None)
        if a is not None and compare(a, b, call.facts) is None:
            notes.append(Note("SC304", f"{call.type} \"{call.name}\" requires {fmt(a)} == {fmt(b)} "
                              "(the value and the key have the same positions)",
                              hint="name both axes with the same size, or state it in dims:"))


def _flash_checks(call: LayerCall, dropout: float) -> None:
    if call["flash_attention"] and dropout > 0:
        raise Finding("SC403", "Dropout is not supported when flash attention is enabled. Please set "
                      "dropout to 0.0 to use flash attention.", arg="dropout")
    if call["flash_attention"] and call["return_attention_scores"]:
        raise Finding("SC403", "Returning attention scores is not supported when flash attention is "
                      f"enabled ({RUNTIME})", arg="return_attention_scores",
                      hint="set flash_attention: false to get the scores")


def _proj(prefix: str, d_in: Axis, heads: Axis, size: Axis, use_bias: bool) -> list[Weight]:
    out = [Weight(f"{prefix}/kernel", (d_in, heads, size))]
    if use_bias:
        out.append(Weight(f"{prefix}/bias", (heads, size)))
    return out


@rule("MultiHeadAttention",
      args=(
          int_arg("num_heads", doc="number of heads: an axis of every projection kernel"),
          int_arg("key_dim", doc="size of each head for query and key"),
          opt_int_arg("value_dim", doc="size of each head for value (null: key_dim)"),
          float_arg("dropout", 0.0, doc="no shape change"),
          bool_arg("use_bias", True, doc="adds a bias to each projection"),
          Arg("output_shape", _output_shape_arg, None, "the output's axes after the query's "
              "positions (null: the query's width); also the last axes of attention_output/kernel",
              "int | [int] | null"),
          Arg("attention_axes", _axes_arg, None, "the axes attended over (null: every axis between "
              "the batch and the features); changes the scores' shape", "int | [int] | null"),
          bool_arg("use_gate", False, doc="adds gate/kernel (query features, num_heads, value_dim) "
                   "and its bias"),
          _flash_arg(),
          opt_int_arg("sliding_window", doc="no shape change"),
          _ras_arg(),
          bool_arg("use_causal_mask", False, doc="call argument; no shape change"),
      ),
      accepts=(*INIT, "seed", "query_shape", "key_shape", "value_shape", "softmax_robust_masking"),
      inputs=None, call_args=("attention_mask",))
def multi_head_attention(call: LayerCall) -> Output:
    """Called as ``mha(query, value)`` or ``mha(query, value, key)`` (``inputs: [q, v]`` or
    ``[q, v, k]``). The output is the query's shape, its last axis replaced by
    ``output_shape`` when given; the scores are (batch, non-attended axes..., num_heads,
    query positions..., key positions...)."""
    q, v, k, has_key = _query_value_key(call, as_list=False)
    notes: list[Note] = []
    _value_key(call, v, k, notes)
    rank = len(v)
    if rank < 3:
        raise Finding("SC301", f'Input 1 (value) of layer "{call.name}" (MultiHeadAttention) has rank '
                      f"{rank}: {fmt_shape(v)}; it needs (batch, positions..., features), rank >= 3 "
                      f"({RUNTIME})")
    if len(q) != rank:
        raise Finding("SC301", f"MultiHeadAttention needs the query and the value of one rank; got "
                      f"query {fmt_shape(q)} and value {fmt_shape(v)} ({RUNTIME})")
    _flash_checks(call, call["dropout"])
    axes = _attention_axes(call, rank)
    mha_masks(call, q, v, k, axes, notes)
    attention_mask(call, q, v, k, axes, notes, call["num_heads"])
    dq = _need_known(call, q, "query")
    dk = _need_known(call, k, "key" if has_key else "value")
    dv = _need_known(call, v, "value")
    for ax in range(rank - 1):
        if ax not in axes:
            what = "the batch axes" if ax == 0 else f"axis {ax}, not attended over,"
            _equal(call, q[ax], k[ax], f"{what} of the query {fmt_shape(q)} and the key "
                   f"{fmt_shape(k)} must match", notes, runtime=True)
    if has_key and 0 not in axes:  # the value meets the key on every axis but the batch
        _equal(call, q[0], v[0], f"the batch axes of the query {fmt_shape(q)} and the value "
               f"{fmt_shape(v)}", notes, runtime=True)
    heads, kd = call["num_heads"], call["key_dim"]
    vd = call["value_dim"] or kd
    h_ax = _heads_axis(heads)
    key_ax = Axis(kd, "key_dim", f"each head's query and key vectors (key_dim={kd})")
    val_ax = Axis(vd, "value_dim", f"each head's value vectors (value_dim={vd}"
                  + (")" if call["value_dim"] else ", key_dim by default)"))
    q_ax = _features(dq, "query", q)
    use_bias = call["use_bias"]
    weights = _proj("query", q_ax, h_ax, key_ax, use_bias)
    weights += _proj("key", _features(dk, "key", k, "" if has_key else
                                      " (the value: no key was given)"), h_ax, key_ax, use_bias)
    if call["use_gate"]:
        weights += _proj("gate", q_ax, h_ax, val_ax, use_bias)
    weights += _proj("value", _features(dv, "value", v), h_ax, val_ax, use_bias)
    if call["output_shape"]:
        outs = tuple(Axis(o, f"output_shape[{i}]", f"output_shape={list(call['output_shape'])}")
                     for i, o in enumerate(call["output_shape"]))
    else:
        outs = (Axis(dq, "query[-1]", f"projects back to the query's width {fmt(dq)} (output_shape "
                     "not given)"),)
    weights.append(Weight("attention_output/kernel", (h_ax, val_ax, *outs)))
    if use_bias:
        weights.append(Weight("attention_output/bias", outs))
    out = (*q[:-1], *(a.size for a in outs))
    what = f"output_shape {fmt_shape(call['output_shape'])}" if call["output_shape"] else \
        f"the query's width {fmt(dq)}"
    why = [f"the query's axes but the last, then {what}: attention_output maps the "
           "num_heads*value_dim outputs of the heads there"]
    shapes: tuple[Shape, ...] = (out,)
    if call["return_attention_scores"]:
        scores, note = _mha_scores(call, q, k, axes, heads)
        shapes += (scores,)
        notes += note
        why.append(f"return_attention_scores=True: then the scores {fmt_shape(scores)}: the batch and "
                   f"the axes not attended over, num_heads={heads}, the query's attended axes "
                   f"{list(axes)}, then the key's")
    return Output(shapes, tuple(weights), tuple(notes), tuple(why))


def _mha_scores(call: LayerCall, q: Shape, k: Shape, axes: tuple[int, ...], heads: int
                ) -> tuple[Shape, list[Note]]:
    """The scores as computed (``scores_shape``), or Keras's static shape when they agree."""
    scores = scores_shape(q, k, axes, heads)
    static = (q[0], heads, q[1], q[1])  # compute_output_spec: the query's length twice
    if agrees(static, scores, call):
        return static, []
    return scores, [Note("SC307", f"Keras's static shape for the attention scores of \"{call.name}\" "
                         f"is {fmt_shape(static)} (num_heads, then the query's axis 1 twice), but it "
                         f"computes {fmt_shape(scores)}",
                         hint="layers built on the scores in Keras see the static shape")]


# --- GroupQueryAttention ------------------------------------------------------------------------


@rule("GroupQueryAttention", "GroupedQueryAttention",
      args=(
          int_arg("head_dim", doc="size of each attention head"),
          int_arg("num_query_heads", doc="heads of the query projection"),
          int_arg("num_key_value_heads", doc="heads of the key and value projections; must divide "
                  "num_query_heads"),
          float_arg("dropout", 0.0, doc="no shape change"),
          bool_arg("use_bias", True, doc="adds a bias to each projection"),
          bool_arg("use_gate", False, doc="adds gate/kernel (query features, num_query_heads, "
                   "head_dim) and its bias"),
          _flash_arg(),
          opt_int_arg("sliding_window", doc="no shape change"),
          _ras_arg(),
          bool_arg("use_causal_mask", False, doc="call argument; no shape change"),
      ),
      accepts=(*INIT, "seed"), inputs=None, call_args=("attention_mask",))
def group_query_attention(call: LayerCall) -> Output:
    """Called as ``gqa(query, value)`` or ``gqa(query, value, key)`` on (batch, positions,
    features) tensors; the output is the query's shape, the scores (batch,
    num_query_heads, query positions, key positions). Keras exports it as
    GroupQueryAttention (the class is GroupedQueryAttention)."""
    hq, hkv, hd = call["num_query_heads"], call["num_key_value_heads"], call["head_dim"]
    if hq % hkv:
        raise Finding("SC403", "`num_query_heads` must be divisible by `num_key_value_heads`. "
                      f"Received num_query_heads={hq}, num_key_value_heads={hkv}",
                      arg="num_key_value_heads", hint="each key/value head serves "
                      "num_query_heads / num_key_value_heads query heads")
    q, v, k, has_key = _query_value_key(call, as_list=False)
    for i, (s, role) in enumerate(zip(call.inputs, ("query", "value", "key"))):
        if len(s) != 3:
            raise Finding("SC301", f'Input {i} ({role}) of layer "{call.name}" ({call.type}) is '
                          f"incompatible with the layer: expected ndim=3, found ndim={len(s)}. Full "
                          f"shape received: {fmt_shape(s)}"
                          + ("" if len(s) < 3 else f" ({RUNTIME})"))
    notes: list[Note] = []
    _equal(call, q[-1], v[-1], "the query's and the value's last axes", notes, strict=True,
           message="The last dimension of `query_shape` and `value_shape` must be equal, but are "
           f"{fmt(q[-1])}, {fmt(v[-1])}. Received: query_shape={fmt_shape(q)}, "
           f"value_shape={fmt_shape(v)}")
    _value_key(call, v, k, notes)
    _flash_checks(call, call["dropout"])
    attention_mask(call, q, v, k, (1,), notes, hq)  # the scores: (batch, query heads, Tq, Tk)
    dq = _need_known(call, q, "query")
    dk = _need_known(call, k, "key" if has_key else "value")
    dv = _need_known(call, v, "value")
    for other, role in ((k, "key"), (v, "value")):
        _equal(call, q[0], other[0], f"the batch axes of the query {fmt_shape(q)} and the {role} "
               f"{fmt_shape(other)}", notes, runtime=True)
    qh, kvh = _heads_axis(hq, "num_query_heads"), _heads_axis(hkv, "num_key_value_heads")
    kvh = Axis(hkv, kvh.formula, f"{kvh.why}; each is repeated num_query_heads/num_key_value_heads="
               f"{hq // hkv} times to meet the query heads")
    hd_ax = Axis(hd, "head_dim", f"each head's vectors (head_dim={hd})")
    q_ax = _features(dq, "query", q)
    use_bias = call["use_bias"]
    weights = _proj("query", q_ax, qh, hd_ax, use_bias)
    weights += _proj("key", _features(dk, "key", k, "" if has_key else
                                      " (the value: no key was given)"), kvh, hd_ax, use_bias)
    if call["use_gate"]:
        weights += _proj("gate", q_ax, qh, hd_ax, use_bias)
    weights += _proj("value", _features(dv, "value", v), kvh, hd_ax, use_bias)
    back = Axis(dq, "query[-1]", f"projects back to the query's width {fmt(dq)}")
    weights.append(Weight("attention_output/kernel", (qh, hd_ax, back)))
    if use_bias:
        weights.append(Weight("attention_output/bias", (back,)))
    shapes: tuple[Shape, ...] = (q,)
    why = ["the output has the query's shape: attention_output maps the heads back to the query's "
           "width"]
    if call["return_attention_scores"]:
        shapes += (scores_shape(q, k, (1,), hq),)  # (batch, query heads, Tq, Tk), as the mask's
        why.append(f"return_attention_scores=True: then the scores {fmt_shape(shapes[1])}: "
                   f"num_query_heads={hq}, the query's positions, the key's positions")
    return Output(shapes, tuple(weights), tuple(notes), tuple(why))
