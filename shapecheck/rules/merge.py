"""Merging layers: the elementwise merges, Concatenate and Dot.

References: keras/src/layers/merging/{base_merge,subtract,concatenate,dot}.py.
Keras's functional output shape for all of them is ``compute_output_shape``
(``Merge.compute_output_spec`` calls it), so that is what these rules mirror,
quirks included: an elementwise merge gives ``None`` wherever any input is
``None``, and Concatenate and Dot take every other axis from their first input.
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import Dim, Shape, add, compare, fmt, fmt_shape
from .registry import Arg, LayerCall, Note, Output, bool_arg, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _shapes(call: LayerCall) -> str:
    return ", ".join(fmt_shape(s) for s in call.inputs)


def _need_inputs(call: LayerCall, n: int | None = None) -> None:
    if n is not None and len(call.inputs) != n:
        raise Finding("SC206", f"{call.type} takes exactly {n} input tensors, got "
                      f"{len(call.inputs)}: {_shapes(call)}",
                      hint="give it `inputs: [a, b]`" if n == 2 else None)
    if not call.inputs:
        raise Finding("SC206", f"{call.type} got no tensor", hint="give it `inputs: [a, b]`")
    for i, s in enumerate(call.inputs):
        if len(s) < 1:
            raise Finding("SC301", f'Input {i} of layer "{call.name}" ({call.type}) is a scalar; '
                          "merge layers need a batch axis")


def _batch(call: LayerCall) -> Dim:
    """Keras's Merge: the one known batch size, if the inputs agree on one."""
    sizes = {s[0] for s in call.inputs if s[0] is not None}
    if len(sizes) > 1:
        raise Finding("SC306", f"Cannot merge tensors with different batch sizes. Received "
                      f"tensors with shapes {_shapes(call)}")
    return next(iter(sizes)) if len(sizes) == 1 else None


def _elementwise(call: LayerCall, a: Shape, b: Shape, notes: list[Note]) -> Shape:
    """``Merge._compute_elemwise_op_output_shape``: right-aligned broadcasting of the
    axes after the batch; unknown if either size is unknown (even against a 1)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b):
        if i is None or j is None:
            out.append(None)
        elif i == 1:
            out.append(j)
        elif j == 1:
            out.append(i)
        else:
            same = compare(i, j, call.facts)
            if same is False:
                raise Finding("SC306", f"{call.type}: Inputs have incompatible shapes. Received "
                              f"{_shapes(call)}: {fmt(i)} and {fmt(j)} are neither equal nor 1",
                              hint="make the sizes equal, or 1 on the axis to broadcast")
            if same is None:
                notes.append(Note("SC304", f"{call.type} of {_shapes(call)} requires "
                                  f"{fmt(i)} == {fmt(j)} (or one of them == 1)",
                                  hint="name both axes with the same size, or state it in dims:"))
            # Under the stated condition the size is i unless i is 1; a symbolic i that
            # could be 1 while j is an int > 1 makes j the safer statement.
            out.append(j if isinstance(j, int) and not isinstance(i, int) else i)
    return tuple(out)


def _merge(call: LayerCall) -> Output:
    _need_inputs(call, 2 if call.type == "Subtract" else None)
    batch = _batch(call)
    notes: list[Note] = []
    body = call.inputs[0][1:]
    for s in call.inputs[1:]:
        body = _elementwise(call, body, s[1:], notes)
    why = (f"{call.type} combines the inputs element by element; axes after the batch are "
           "broadcast right-aligned (equal sizes, or 1), and an unknown size stays unknown",)
    return Output(((batch, *body),), notes=tuple(notes), why=why)


for _name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"):
    rule(_name, inputs=None)(_merge)


def _int(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"expected an integer axis, got {v!r}")
    return v


@rule("Concatenate", args=(Arg("axis", _int, -1, doc="the axis to join along; negative counts "
                                                   "from the end", kind="int"),), inputs=None)
def concatenate(call: LayerCall) -> Output:
    """Sums the sizes on ``axis``; every other axis must match (unknown sizes are
    taken on trust, as Keras does) and is taken from the first input."""
    _need_inputs(call)
    axis = call["axis"]
    ranks = {len(s) for s in call.inputs}
    first = call.inputs[0]
    if len(ranks) != 1:
        raise Finding("SC301", "A `Concatenate` layer requires inputs with matching shapes except "
                      f"for the concatenation axis. Received: input_shape=[{_shapes(call)}] "
                      f"(ranks {sorted(ranks)})")
    rank = len(first)
    if not -rank <= axis < rank:
        raise Finding("SC301", f"Concatenate axis={axis} is out of range for inputs of rank {rank}: "
                      f"{_shapes(call)}", arg="axis")
    pos = axis % rank
    notes = []
    for k in range(rank):
        if k == pos:
            continue
        sizes = [s[k] for s in call.inputs if s[k] is not None]
        for d in sizes[1:]:
            same = compare(sizes[0], d, call.facts)
            if same is False:
                raise Finding("SC306", "A `Concatenate` layer requires inputs with matching shapes "
                              f"except for the concatenation axis. Received: input_shape="
                              f"[{_shapes(call)}]: axis {k} is {fmt(sizes[0])} in one and "
                              f"{fmt(d)} in another", hint=f"concatenate along axis {k}, or make "
                              "that axis equal")
            if same is None:
                notes.append(Note("SC304", f"Concatenate of {_shapes(call)} requires "
                                  f"{fmt(sizes[0])} == {fmt(d)} (axis {k})",
                                  hint="name both axes with the same size, or state it in dims:"))
    joined = add(*(s[pos] for s in call.inputs))
    out = first[:pos] + (joined,) + first[pos + 1:]
    return Output((out,), notes=tuple(notes),
                  why=(f"axis {pos} is the sum of the inputs' sizes there; the others are the "
                       "first input's",))


def _axes(v: Any) -> tuple[int, int]:
    if isinstance(v, bool):
        raise ValueError(f"expected an integer or a pair of integers, got {v!r}")
    if isinstance(v, int):
        return (v, v)
    if isinstance(v, (list, tuple)) and len(v) == 2 and all(
            isinstance(a, int) and not isinstance(a, bool) for a in v):
        return (v[0], v[1])
    raise ValueError(f"expected an integer or a pair of integers such as [1, 2], got {v!r}")


@rule("Dot", args=(Arg("axes", _axes, doc="the axis of each input to contract; one int for both, "
                       "negative counts from the end", kind="int | [int, int]"),
                   bool_arg("normalize", False, doc="L2-normalizes first; no shape change")),
      inputs=None)
def dot(call: LayerCall) -> Output:
    """Batched dot product: drops the contracted axis of each input and joins what is
    left of the first with what is left of the second after its batch axis; a result
    of rank 1 gets a trailing 1 (``Dot.compute_output_shape``)."""
    _need_inputs(call, 2)
    a, b = call.inputs
    picked = []
    for shape, ax, i in ((a, call["axes"][0], 0), (b, call["axes"][1], 1)):
        if not -len(shape) <= ax < len(shape):
            raise Finding("SC301", f"Dot axes={list(call['axes'])}: axis {ax} is out of range for "
                          f"input {i} {fmt_shape(shape)}", arg="axes")
        pos = ax % len(shape)
        if pos == 0:
            raise Finding("SC403", f"Dot cannot contract the batch axis (axes={list(call['axes'])})",
                          arg="axes", hint="use axes >= 1")
        picked.append(pos)
    da, db = a[picked[0]], b[picked[1]]
    notes = []
    # Keras compares the two sizes with !=, so one unknown against a known size is an error too.
    if (da is None) != (db is None):
        raise Finding("SC306", f"Dot: Incompatible input shapes: axis values {fmt(da)} (at axis "
                      f"{picked[0]}) != {fmt(db)} (at axis {picked[1]}). Full input shapes: "
                      f"{fmt_shape(a)}, {fmt_shape(b)}",
                      hint="Keras needs both contracted axes known, or both unknown")
    same = compare(da, db, call.facts)
    if same is False:
        raise Finding("SC306", f"Dot: Incompatible input shapes: axis values {fmt(da)} (at axis "
                      f"{picked[0]}) != {fmt(db)} (at axis {picked[1]}). Full input shapes: "
                      f"{fmt_shape(a)}, {fmt_shape(b)}", arg="axes")
    if same is None and da is not None:
        notes.append(Note("SC304", f"Dot of {fmt_shape(a)} and {fmt_shape(b)} requires "
                          f"{fmt(da)} == {fmt(db)}", hint="state it in dims:"))
    out = a[:picked[0]] + a[picked[0] + 1:] + (b[1:picked[1]] + b[picked[1] + 1:])
    if len(out) == 1:
        out += (1,)
    return Output((out,), notes=tuple(notes),
                  why=(f"contracts axis {picked[0]} of the first input with axis {picked[1]} of "
                       "the second; the remaining axes follow in order",))
