"""Hypothesis strategies for the attention layers and EinsumDense: one strategy per
Keras class, each drawing a one-layer spec that Keras 3 builds and runs.

``layer_specs(cls)`` gives ``(spec, symbolic)``; a symbolic spec names the sizes t
(query positions) and s (key and value positions) on some axes and is valid in
Keras for every t, s >= 1. ``mutated_specs(cls)`` gives specs with concrete sizes
only, about half of them broken by one change (a width, a length, a rank, an
argument), for comparing which models Keras builds and runs.
"""

from __future__ import annotations

from hypothesis import strategies as st

SYM_T = st.sampled_from(["t", "t", "2*t", "t + 1"])
SYM_S = st.sampled_from(["s", "s", "s + 1", "t"])
CLASSES = ("Attention", "AdditiveAttention", "MultiHeadAttention", "GroupQueryAttention",
           "EinsumDense")


def _rare(draw, n: int) -> bool:
    """True about once in ``n`` draws. (Hypothesis favours the ends of a range, so the
    value tested is one in the middle.)"""
    return draw(st.integers(0, n - 1)) == n // 2


def _size(draw, sym, none: bool = True, lo: int = 1, hi: int = 5):
    """An axis: a concrete size, sometimes unknown, sometimes named (``sym`` a strategy)."""
    kind = draw(st.integers(0, 3))
    if sym is not None and kind >= 2:
        return draw(sym)
    if none and kind == 1:
        return None
    return draw(st.integers(lo, hi))


def _flag(draw, layer: dict, name: str, p: int = 2) -> None:
    """Sets ``name`` to a drawn bool about 1/p of the time (else Keras's default)."""
    if _rare(draw, p):
        layer[name] = draw(st.booleans())


def _graph(layer: dict, q: list, v: list, k: list | None) -> dict:
    inputs = {"q": q, "v": v}
    refs = ["q", "v"]
    if k is not None:
        inputs["k"] = k
        refs.append("k")
    return {"inputs": inputs, "layers": [{"name": "l", **layer, "inputs": refs}]}


# --------------------------------------------------------------------------- Attention
def _attention(draw, cls: str, sym: bool, none: bool = True) -> dict:
    rank = draw(st.sampled_from([2, 3, 3, 3, 4]))
    lead = [None] + [_size(draw, None, none) for _ in range(rank - 3)]  # batch axes, shared
    tq = _size(draw, SYM_T if sym else None, none)
    tv = _size(draw, SYM_S if sym else None, none)
    layer: dict = {"type": cls}
    _flag(draw, layer, "use_scale")
    if cls == "Attention" and draw(st.booleans()):
        layer["score_mode"] = draw(st.sampled_from(["dot", "concat"]))
    concat = cls == "AdditiveAttention" or layer.get("score_mode") == "concat"
    scaled = layer.get("use_scale", cls == "AdditiveAttention")
    dq = _size(draw, None, none=none and not (cls == "AdditiveAttention" and scaled))
    dk = dq
    if concat and dq is not None and _rare(draw, 4):  # widths broadcast
        dq, dk = draw(st.sampled_from([(1, dq), (dq, 1)]))
    has_key = draw(st.booleans())
    dv = _size(draw, None, none) if has_key else dk  # without a key, the value is the key
    if rank == 2:  # the positions are the batch axis
        q, v, k = [None, dq], [None, dv], [None, dk]
    else:
        q, v, k = [*lead, tq, dq], [*lead, tv, dv], [*lead, tv, dk]
    _scores(draw, layer)
    if _rare(draw, 4):
        layer["use_causal_mask"] = True
    if _rare(draw, 5):
        layer["dropout"] = 0.1
    return _graph(layer, q, v, k if has_key else None)


def _scores(draw, layer: dict) -> None:
    """return_attention_scores: true about 2/5 of the time, sometimes written false."""
    pick = draw(st.integers(0, 4))
    if pick >= 3:
        layer["return_attention_scores"] = True
    elif pick == 1:
        layer["return_attention_scores"] = False


# --------------------------------------------------------------------------- MultiHeadAttention
def _mha(draw, sym: bool, none: bool = True) -> dict:
    rank = draw(st.sampled_from([3, 3, 3, 4, 4, 5]))
    positions = list(range(1, rank - 1))
    axes = None
    if _rare(draw, 3):
        # Keras also attends over the batch axis 0 and over rank-1, the heads' axis once projected.
        pool = positions + [0, rank - 1] if _rare(draw, 4) else positions
        picked = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(positions),
                               unique=True))
        axes = [draw(st.sampled_from([a, a - rank])) for a in picked]
    attended = positions if axes is None else [a % rank for a in axes]
    if rank + len(attended) > 5 and len(attended) == 1:
        # TensorFlow's oneDNN softmax over one axis takes at most rank 5 (a backend limit).
        return _mha(draw, sym, none)
    q, kv = [None], [None]
    for ax in positions:
        if ax in attended:
            q.append(_size(draw, SYM_T if sym else None, none))
            kv.append(_size(draw, SYM_S if sym else None, none))
        else:  # not attended over: query and key meet axis by axis
            d = _size(draw, SYM_T if sym else None, none)
            q.append(d)
            kv.append(d)
    dq, dv = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    q.append(dq)
    v = [*kv, dv]
    k = [*kv, draw(st.integers(1, 5))] if draw(st.booleans()) else None
    layer: dict = {"type": "MultiHeadAttention", "num_heads": draw(st.integers(1, 3)),
                   "key_dim": draw(st.integers(1, 4))}
    if draw(st.booleans()):
        layer["value_dim"] = draw(st.sampled_from([None, 1, 2, 3]))
    if draw(st.booleans()):
        layer["output_shape"] = draw(st.one_of(st.integers(1, 4),
                                               st.lists(st.integers(1, 3), min_size=1, max_size=2),
                                               st.just(None)))
    if axes is not None:
        layer["attention_axes"] = axes[0] if len(axes) == 1 and draw(st.booleans()) else axes
    _flag(draw, layer, "use_bias")
    _flag(draw, layer, "use_gate", 3)
    _scores(draw, layer)
    if _rare(draw, 5):
        layer["dropout"] = 0.1
    if rank == 3 and axes is None and _rare(draw, 4):
        layer["use_causal_mask"] = True
    if rank == 3 and axes is None and _rare(draw, 6):
        layer["sliding_window"] = draw(st.integers(1, 3))
    return _graph(layer, q, v, k)


# --------------------------------------------------------------------------- GroupQueryAttention
def _gqa(draw, sym: bool, none: bool = True) -> dict:
    kv_heads = draw(st.integers(1, 3))
    layer: dict = {"type": "GroupQueryAttention", "head_dim": draw(st.integers(1, 4)),
                   "num_query_heads": kv_heads * draw(st.integers(1, 3)),
                   "num_key_value_heads": kv_heads}
    d = draw(st.integers(1, 5))
    tq, tv = _size(draw, SYM_T if sym else None, none), _size(draw, SYM_S if sym else None, none)
    q, v = [None, tq, d], [None, tv, d]
    k = [None, tv, draw(st.integers(1, 5))] if draw(st.booleans()) else None
    _flag(draw, layer, "use_bias")
    _flag(draw, layer, "use_gate", 3)
    _scores(draw, layer)
    if _rare(draw, 5):
        layer["dropout"] = 0.1
    if _rare(draw, 4):
        layer["use_causal_mask"] = True
    return _graph(layer, q, v, k)


# --------------------------------------------------------------------------- EinsumDense
LETTERS = "bcdefghijklmnopqrstuvwxyz"


def _einsum(draw, sym: bool, none: bool = True) -> dict:
    """An equation from letter roles: kept (input and output), contracted (input and
    kernel), new (kernel and output), shared (all three), summed (input only)."""
    form = draw(st.sampled_from(["plain", "plain", "left", "right"]))
    roles = ["kept"] * draw(st.integers(0, 2)) + ["contracted"] * draw(st.integers(1, 2)) + \
        ["new"] * draw(st.integers(0, 2))
    if form == "plain" and _rare(draw, 5):
        # With '...', TensorFlow's einsum corrupts memory on a letter in all three operands.
        roles.append("shared")
    if _rare(draw, 6):
        roles.append("summed")
    roles = draw(st.permutations(roles))
    letters = draw(st.permutations(list(LETTERS)))[:len(roles)]
    role = dict(zip(letters, roles))
    size: dict = {}
    for c, r in role.items():
        if r == "kept":
            size[c] = _size(draw, SYM_T if sym else None, none)
        elif r in ("contracted", "summed"):
            size[c] = _size(draw, SYM_S if sym and draw(st.booleans()) else None, none=False)
        else:
            size[c] = draw(st.integers(1, 5))
    inp = [c for c in letters if role[c] in ("kept", "contracted", "shared", "summed")]
    ker = draw(st.permutations([c for c in letters if role[c] in ("contracted", "new", "shared")]))
    out = draw(st.permutations([c for c in letters if role[c] in ("kept", "new", "shared")]))
    if form == "left" and not out:  # Keras's left form needs an output letter
        return _einsum(draw, sym, none)
    elided = [_size(draw, SYM_T if sym else None, none) for _ in range(draw(st.integers(0, 3)))]
    i, k, o = "".join(inp), "".join(ker), "".join(out)
    if form == "plain":
        eq, shape = f"a{i},{k}->a{o}", [None, *(size[c] for c in inp)]
    elif form == "right":
        eq, shape = f"a{i}...,{k}->a{o}...", [None, *(size[c] for c in inp), *elided]
    else:
        eq, shape = f"...{i},{k}->...{o}", [None, *elided, *(size[c] for c in inp)]
    partial = []
    for c in out:
        if role[c] == "kept":
            known = isinstance(size[c], int)
            partial.append(size[c] if known and draw(st.booleans()) else None)
        else:  # new or shared: the kernel's size, which must be known
            partial.append(size[c])
    if _rare(draw, 10):
        partial.append(draw(st.integers(1, 3)))  # too long: Keras's static shape is wrong
    layer: dict = {"type": "EinsumDense", "equation": eq,
                   "output_shape": partial[0] if len(partial) == 1 and partial[0] is not None
                   and draw(st.booleans()) else partial}
    known_out = [c for c, p in zip(out, partial) if p is not None]
    if known_out and draw(st.booleans()):
        picked = draw(st.lists(st.sampled_from(known_out), min_size=1, max_size=len(known_out),
                               unique=True))
        layer["bias_axes"] = "".join(picked)
    if _rare(draw, 4):
        layer["lora_rank"] = draw(st.integers(0, 3))
    return {"inputs": {"x": shape}, "layers": [{"name": "l", **layer}]}


BUILDERS = {
    "Attention": lambda draw, sym, none=True: _attention(draw, "Attention", sym, none),
    "AdditiveAttention": lambda draw, sym, none=True: _attention(draw, "AdditiveAttention", sym, none),
    "MultiHeadAttention": _mha,
    "GroupQueryAttention": _gqa,
    "EinsumDense": _einsum,
}


def _mentions_symbol(spec: dict) -> bool:
    return any(isinstance(d, str) for shape in spec["inputs"].values() for d in shape)


@st.composite
def layer_specs(draw, cls: str):
    """``(spec, symbolic)``: about a third of the specs name the sizes t and s."""
    sym = _rare(draw, 2)
    spec = BUILDERS[cls](draw, sym=sym)
    return spec, _mentions_symbol(spec)


# --------------------------------------------------------------------------- mutations
def _bump(d):
    return None if d is None else d + 1 if d < 5 else d - 1


@st.composite
def mutated_specs(draw, cls: str):
    """A concrete spec (every size known, the batch axis 2), about half the time changed
    in one place: a width, a length, the rank of an input, or a batch size. (An unknown
    size would be taken on trust by shapecheck, rightly, but meet a definite size when
    Keras runs the model.)"""
    spec = BUILDERS[cls](draw, sym=False, none=False)
    inputs = spec["inputs"]
    for n in inputs:
        inputs[n] = [2, *inputs[n][1:]]
    if draw(st.booleans()):
        return spec
    name = draw(st.sampled_from(sorted(inputs)))
    shape = list(inputs[name])
    kind = draw(st.sampled_from(["axis", "axis", "rank", "batch"]))
    if kind == "axis" and len(shape) > 1:
        i = draw(st.integers(1, len(shape) - 1))
        shape[i] = _bump(shape[i]) if shape[i] is not None else draw(st.integers(1, 5))
    elif kind == "rank":
        shape = shape[:-1] if len(shape) > 2 and draw(st.booleans()) else \
            [*shape[:-1], draw(st.integers(1, 3)), shape[-1]]
    else:
        shape = [3, *shape[1:]]
    inputs[name] = shape
    if _rare(draw, 2):
        _mutate_arg(draw, spec["layers"][0], len(inputs["x" if "x" in inputs else "v"]))
    return spec


def _mutate_arg(draw, layer: dict, rank: int) -> None:
    """One argument changed: a size in EinsumDense's output_shape or a bias letter,
    GroupQueryAttention's key/value heads, MultiHeadAttention's attended axes,
    Attention's score mode."""
    kind = layer["type"]
    if kind == "EinsumDense":
        partial = layer["output_shape"]
        partial = [partial] if isinstance(partial, int) else list(partial)
        known = [i for i, p in enumerate(partial) if p is not None]
        if known and draw(st.booleans()):
            i = draw(st.sampled_from(known))
            partial[i] = _bump(partial[i])
            layer["output_shape"] = partial
        else:
            out = layer["equation"].split("->")[1].replace(".", "")
            layer["bias_axes"] = draw(st.sampled_from([out[-1], "Z" + out[-1]]))
    elif kind == "GroupQueryAttention":
        layer["num_key_value_heads"] += 1
    elif kind == "MultiHeadAttention" and rank <= 4:  # (the oneDNN softmax limit above)
        # Any axes, past both ends of what Keras builds (-(2*rank+1)..rank) too.
        layer["attention_axes"] = draw(st.lists(st.integers(-2 * rank - 2, rank + 1), min_size=1,
                                                max_size=2))
        if draw(st.booleans()):
            layer["return_attention_scores"] = True
    elif kind == "Attention":
        layer["score_mode"] = "dot" if layer.get("score_mode") == "concat" else "concat"
