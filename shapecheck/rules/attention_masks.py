"""MultiHeadAttention's masks, as Keras 3 builds them in ``_compute_attention_mask`` and
``_compute_attention``: the causal and sliding-window masks (1, Tq, Tv), a call's
``attention_mask``, and how each is expanded and broadcast against the attention scores
(GroupedQueryAttention's ``attention_mask`` alike).
Keras builds a model whatever its masks; a mask that does not fit fails the first call,
which is what these checks report (RUNTIME)."""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import Shape, compare, fmt, fmt_shape
from .registry import LayerCall, Note

RUNTIME = "Keras builds this model, but it fails the first time it runs"


def scores_shape(q: Shape, k: Shape, axes: tuple[int, ...], heads: int) -> Shape:
    """``_build_attention_equation``: the projected query (batch, ..., heads, key_dim) keeps
    its batch axes (the heads among them), then its attended axes, then the key's."""
    pq, pk = (*q[:-1], heads), (*k[:-1], heads)
    batch = [i for i in range(len(pq)) if i not in axes]
    return tuple([pq[i] for i in batch] + [pq[i] for i in axes] + [pk[i] for i in axes])


def given_axes(call: LayerCall, axes: tuple[int, ...]) -> str:
    given = call["attention_axes"]
    return str(list(given)) if given is not None else f"{list(axes)} (the default)"


def mha_masks(call: LayerCall, q: Shape, v: Shape, k: Shape, axes: tuple[int, ...],
               notes: list[Note]) -> None:
    """Off the fused rank-3 path (scores returned, dropout, or inputs of rank > 3) the causal
    and sliding-window masks are built as (1, query axis 1, value axis 1), whatever
    attention_axes says, then expanded at axis -2*len(attention_axes)-1 up to the scores'
    rank, and Softmax wants each mask axis 1 or the scores' axis there."""
    fused = len(q) == 3 and not call["dropout"] and not call["return_attention_scores"]
    kinds = [kind for kind, on in (("causal", call["use_causal_mask"]),
                             ("sliding-window", call["sliding_window"] is not None)) if on]
    if fused or not kinds:
        return
    what = " and ".join(kinds) + " mask" + ("s" if len(kinds) > 1 else "")
    if len(axes) > 1:
        raise Finding("SC403", f"MultiHeadAttention attention_axes={given_axes(call, axes)} "
                      f"with the {what}: Keras builds the mask as (1, Tq, Tv) and expands it at axis "
                      f"{-2 * len(axes) - 1}, which is out of bounds for an array with dimension 4 "
                      f"({RUNTIME})", arg="attention_axes",
                      hint="a causal or sliding-window mask works with one attention axis: give "
                      "attention_axes a single axis (inputs of rank > 3 need it, the default attends "
                      "over all of them)")
    a = axes[0]
    for mask_dim, score_dim, side in ((q[1], q[a], "query"), (v[1], k[a], "key")):
        if a == 1 or mask_dim is None or score_dim is None or mask_dim == 1:
            continue
        same = compare(mask_dim, score_dim, call.facts)
        clash = (f"the {what} spans axis 1 of the {side.replace('key', 'value')} "
                 f"({fmt(mask_dim)}) but the scores attend over its axis {a} ({fmt(score_dim)})")
        if same is False:
            raise Finding("SC306", f"MultiHeadAttention: {clash}: the mask is not broadcastable to "
                          f"the scores ({RUNTIME})", arg="attention_axes",
                          hint="attend over axis 1 (attention_axes=[1]), or drop the mask")
        if same is None:
            notes.append(Note("SC304", f'MultiHeadAttention "{call.name}" requires '
                              f"{fmt(mask_dim)} == {fmt(score_dim)} ({clash})",
                              hint="name both axes with the same size, or state it in dims:"))


def attention_mask(call: LayerCall, q: Shape, v: Shape, k: Shape, axes: tuple[int, ...],
                    notes: list[Note], heads: int) -> None:
    """``mha(q, v, attention_mask=m)``, as Keras builds it: ``m`` is and-ed with the causal
    or sliding-window mask (1, Tq, Tv) when there is one (broadcasting), then given axes
    at -2*len(attention_axes)-1 up to the scores' rank, (batch, heads, Tq, Tk) for
    rank-3 inputs, and broadcast against them. Keras builds the model whatever the mask
    (its static shape ignores it); a clash of known sizes fails the first call.
    GroupedQueryAttention does the same with one attended axis and its query heads."""
    given = call.kwargs.get("attention_mask")
    if not given:
        return
    if len(given) != 1:
        raise Finding("SC206", f"attention_mask is one tensor; got {len(given)}", arg="attention_mask")
    mask = original = tuple(given[0])
    scores = scores_shape(q, k, axes, heads)
    kinds = [kind for kind, on in (("causal", call["use_causal_mask"]),
                             ("sliding-window", call["sliding_window"] is not None)) if on]
    if kinds:
        mask = mask_broadcast(call, mask, (1, q[1], v[1]), f"the {' and '.join(kinds)} mask",
                               original, notes)
    if len(mask) > len(scores):
        raise Finding("SC403", f"{call.type} attention_mask {fmt_shape(original)} has more axes "
                      f"than the attention scores {fmt_shape(scores)} ({RUNTIME})", arg="attention_mask",
                      hint="the mask is (batch, query positions, key positions)")
    at = -2 * len(axes) - 1
    while len(mask) < len(scores):
        pos = len(mask) + 1 + at
        if pos < 0:
            raise Finding("SC403", f"{call.type} expands attention_mask {fmt_shape(original)} at "
                          f"axis {at}, out of bounds for an array with dimension {len(mask) + 1} "
                          f"({RUNTIME})",
                          arg="attention_mask", hint="give the mask the query's and the key's attended "
                          "axes, after the batch")
        mask = (*mask[:pos], 1, *mask[pos:])
    mask_broadcast(call, mask, scores, "the attention scores (batch, heads, query positions, key "
                    "positions)", original, notes)


def mask_broadcast(call: LayerCall, a: Shape, b: Shape, what: str, original: Shape,
                    notes: list[Note]) -> Shape:
    """NumPy broadcasting of a mask with ``what``; a provable clash is an error, an
    undecided one a condition (SC304)."""
    rank = max(len(a), len(b))
    a2, b2 = (1,) * (rank - len(a)) + tuple(a), (1,) * (rank - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(a2, b2)):
        if x == 1 or y is None:
            out.append(y if x == 1 else x)
            continue
        if y == 1 or x is None:
            out.append(x if y == 1 else y)
            continue
        same = compare(x, y, call.facts)
        clash = f"axis {i - rank} is {fmt(x)} in the mask and {fmt(y)} in {what.split(' (')[0]}"
        if same is False:
            raise Finding("SC306", f"{call.type} attention_mask {fmt_shape(original)} does not "
                          f"broadcast to {what} {fmt_shape(b)}: {clash} ({RUNTIME})", arg="attention_mask",
                          hint="the mask is (batch, query positions, key positions), or 1 where it "
                          "is the same for all")
        if same is None:
            notes.append(Note("SC304", f'{call.type} "{call.name}" requires {fmt(x)} == '
                              f"{fmt(y)} (attention_mask: {clash})",
                              hint="name both axes with the same size, or state it in dims:"))
        out.append(x)
    return tuple(out)
