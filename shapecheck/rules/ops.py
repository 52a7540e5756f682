"""Operations on tensors that model files hold as nodes: Keras 3 writes every ``keras.ops``
call on a KerasTensor as one (``module: keras.src.ops.*``, typed ``ops.<Class>``: the
``NotEqual`` and ``Any`` of a Masking, ``x[:, -1]``'s ``GetItem``...), and tf.keras 2
every TensorFlow function as a ``TFOpLambda`` layer (typed ``tf.<function>``:
``tf.math.reduce_mean``, ``tf.__operators__.add``...).

Each rule follows the op's own static shape function: Keras's ``compute_output_spec``
(keras/src/ops/numpy.py, core.py, nn.py; shared arithmetic in operation_utils.py) for
``ops.*``, and for ``tf.*`` TensorFlow's shape inference of the op tf.keras records. A
constant operand (``x + 1.0``) is an argument, named as in the op's call signature.
An op without a rule takes the output shape the file records (SC411).

Why one module: the ops are one family, as Keras defines them in one module
(keras/src/ops/numpy.py), and their rules share the shape helpers (axes, broadcasting,
reshaping, joining, indexing) that tf_ops.py builds TensorFlow's rules from; split by op,
each part would import most of the others.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..diagnostics import Finding
from ..dims import Dim, Shape, add, canonical, compare, exact_div, fmt, fmt_shape, mul, product
from .checks import broadcast_shapes
from .registry import Arg, LayerCall, Note, Output, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def any_arg(name: str, default: Any = None, doc: str = "") -> Arg:
    return Arg(name, lambda v: v, default, doc, "any")


def axis_list(v: Any) -> tuple[int, ...] | None:
    """An axis, a list of axes, or null (every axis)."""
    if v is None:
        return None
    items = [v] if isinstance(v, int) and not isinstance(v, bool) else v
    if not isinstance(items, (list, tuple)) or any(isinstance(a, bool) or not isinstance(a, int)
                                                   for a in items):
        raise ValueError(f"expected an int, a list of ints or null, got {v!r}")
    return tuple(items)


def any_int_arg(name: str, default: Any = None, doc: str = "") -> Arg:
    def check(v: Any) -> int | None:
        if v is None and default is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"expected an integer, got {v!r}")
        return v

    return Arg(name, check, default, doc, "int")


def flag_arg(name: str, doc: str = "") -> Arg:
    def check(v: Any) -> bool:
        return bool(v)  # TensorFlow reads any truthy value; Keras passes booleans

    return Arg(name, check, False, doc, "bool")


KEEPDIMS = flag_arg("keepdims", "keeps each reduced axis as a 1")


def need_tensors(call: LayerCall, n: int | None = None, least: int = 1) -> tuple[Shape, ...]:
    shapes = call.inputs
    if (n is not None and len(shapes) != n) or len(shapes) < least:
        want = n if n is not None else f"at least {least}"
        raise Finding("SC206", f"{call.type} takes {want} tensor(s), got {len(shapes)}: "
                      f"{', '.join(fmt_shape(s) for s in shapes)}")
    return shapes


def norm_axis(call: LayerCall, axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise Finding("SC403", f"{call.type}: axis {axis} is out of bounds for a tensor of rank {rank}",
                      arg="axis", hint=f"use an axis from {-rank} to {rank - 1}")
    return axis % rank


def constant_shape(value: Any) -> Shape:
    """The shape of a constant operand: () for a number, a nested list's lengths."""
    shape: list[int] = []
    while isinstance(value, (list, tuple)):
        shape.append(len(value))
        value = value[0] if value else None
    return tuple(shape)


# --- element-wise ----------------------------------------------------------------------

UNARY = (
    "Negative", "Abs", "Absolute", "Fabs", "Sqrt", "Cbrt", "Square", "Exp", "Exp2", "Expm1", "Log", "Log1p",
    "Log2", "Log10", "Sign", "Signbit", "Cast", "Sigmoid", "Relu", "Relu6", "Tanh", "Sin", "Cos", "Tan",
    "Arcsin", "Arccos", "Arctan", "Arcsinh", "Arccosh", "Arctanh", "Sinh", "Cosh", "Sinc", "Floor", "Ceil",
    "Round", "Trunc", "Reciprocal", "Rsqrt", "Deg2rad", "Rad2deg", "LogicalNot", "Isnan", "Isinf",
    "Isfinite", "Isneginf", "Isposinf", "Softplus", "Softsign", "Silu", "Gelu", "Elu", "Selu", "Celu",
    "LeakyRelu", "HardSigmoid", "HardSilu", "HardTanh", "HardShrink", "SoftShrink", "TanhShrink",
    "Squareplus", "SparsePlus", "SparseSigmoid", "Threshold", "LogSigmoid", "Erf", "Erfc", "Erfinv", "Clip",
    "StopGradient", "ConvertToTensor", "Copy", "Conj", "Conjugate", "Real", "Imag", "NanToNum", "Softmax",
    "LogSoftmax", "Sparsemax", "OnesLike", "ZerosLike", "EmptyLike", "BitwiseNot", "BitwiseInvert",
    "Normalize",
)
BINARY = (
    "Add", "Subtract", "Multiply", "Divide", "TrueDivide", "FloorDivide", "DivideNoNan", "Power", "Mod",
    "Fmod", "Maximum", "Minimum", "Fmax", "Fmin", "Equal", "NotEqual", "Greater", "GreaterEqual", "Less",
    "LessEqual", "LogicalAnd", "LogicalOr", "LogicalXor", "Arctan2", "Hypot", "Heaviside", "Logaddexp",
    "Logaddexp2", "Nextafter", "Isclose", "Gcd", "Lcm", "Ldexp",
)
# Keras gives these the first operand's shape, without broadcasting.
FIRST_SHAPE = ("BitwiseAnd", "BitwiseOr", "BitwiseXor", "LeftShift", "RightShift")


def broadcast_operands(call: LayerCall, constants: Iterable[Any] = ()) -> Output:
    shapes = list(need_tensors(call))
    shapes += [constant_shape(c) for c in constants if isinstance(c, (list, tuple))]
    return Output((broadcast_shapes(call, tuple(shapes)),))


@rule(*(f"ops.{name}" for name in UNARY + BINARY), inputs=None,
      args=(any_arg("x1", doc="a constant first operand"), any_arg("x2", doc="a constant second operand")),
      accepts=("dtype", "axis", "x_min", "x_max", "negative_slope", "alpha", "approximate", "scale",
               "nan", "posinf", "neginf", "order", "epsilon"),
      positional=("x1", "x2"))
def elementwise(call: LayerCall) -> Output:
    """The broadcast of the operands (a constant number changes nothing; Keras accepts
    only numbers as constants, and Hypot and Heaviside none)."""
    _tensors_only(call, ("x1", "x2"))
    return broadcast_operands(call, (call["x1"], call["x2"]))


# Their compute_output_spec reads each operand's dtype: a Python number fails.
TENSORS_ONLY = frozenset({"Hypot", "Heaviside", *FIRST_SHAPE})


def _tensors_only(call: LayerCall, names: tuple[str, ...]) -> None:
    op = call.type.split(".", 1)[1]
    given = [n for n in names if call[n] is not None]
    if op in TENSORS_ONLY and given:
        raise Finding("SC403", f"{call.type} takes tensors only: the constant operand {given[0]}="
                      f"{call[given[0]]!r} has no dtype (Keras raises AttributeError)", arg=given[0],
                      hint="make the constant a tensor (keras.ops.convert_to_tensor)")


@rule(*(f"ops.{name}" for name in FIRST_SHAPE), inputs=None, args=(any_arg("x"), any_arg("y")),
      positional=("x", "y"))
def first_shape(call: LayerCall) -> Output:
    """The first operand's shape (Keras does not broadcast these)."""
    _tensors_only(call, ("x", "y"))
    return Output((need_tensors(call)[0],))


@rule("ops.Where", inputs=None, args=(any_arg("x1"), any_arg("x2")), positional=("condition", "x1", "x2"))
def where(call: LayerCall) -> Output:
    """``where(condition, x1, x2)``: the three broadcast (without x1 and x2 it returns the
    indices of the true elements, whose count is data)."""
    if len(call.inputs) + sum(isinstance(call[n], (int, float, list)) for n in ("x1", "x2")) < 3:
        raise Finding("SC406", "ops.Where without x1 and x2 returns the indices of the true elements; "
                      "their number depends on the data", arg="type")
    return broadcast_operands(call, (call["x1"], call["x2"]))


# --- reductions ------------------------------------------------------------------------

REDUCTIONS = ("Sum", "Mean", "Max", "Min", "Prod", "Any", "All", "Std", "Var", "Amax", "Amin",
              "Logsumexp", "Median", "Nansum", "Nanmean", "Nanmax", "Nanmin", "Nanprod", "Nanstd", "Nanvar",
              "Ptp", "CountNonzero")


def reduce_shape(call: LayerCall, shape: Shape, axis: tuple[int, ...] | None, keepdims: bool) -> Shape:
    """operation_utils.reduce_shape: every axis when axis is None; else each listed one
    removed (or kept as 1), Python's indexing for negative axes."""
    if axis is None:
        return (1,) * len(shape) if keepdims else ()
    axes = [norm_axis(call, a, len(shape)) for a in axis]
    out = list(shape)
    if keepdims:
        for a in axes:
            out[a] = 1
        return tuple(out)
    if len(set(axes)) != len(axes):  # Keras deletes each: the second one is out of range
        raise Finding("SC403", f"{call.type}: axis {list(axis)} names an axis twice (Keras raises "
                      "IndexError: list assignment index out of range)", arg="axis",
                      hint="list each axis once")
    for a in sorted(axes, reverse=True):
        del out[a]
    return tuple(out)


@rule(*(f"ops.{name}" for name in REDUCTIONS),
      args=(Arg("axis", axis_list, None, "the reduced axes (null: all)", "int | [int] | null"), KEEPDIMS),
      accepts=("ddof", "dtype", "initial", "correction"))
def reduction(call: LayerCall) -> Output:
    """Removes the reduced axes, or keeps them as 1 with ``keepdims``."""
    (x,) = need_tensors(call, 1)
    return Output((reduce_shape(call, x, call["axis"], call["keepdims"]),))


@rule("ops.Argmax", "ops.Argmin", args=(any_int_arg("axis", None, "the reduced axis (null: all)"), KEEPDIMS))
def argmax(call: LayerCall) -> Output:
    (x,) = need_tensors(call, 1)
    axis = call["axis"]
    return Output((reduce_shape(call, x, None if axis is None else (axis,), call["keepdims"]),))


# --- shape changes ---------------------------------------------------------------------

def sizes_arg(v: Any) -> tuple[int | None, ...]:
    """A new shape: sizes, one -1 at most, and null for a size known only when the model
    runs (``ops.shape(x)[0]``, the batch size, in a layer's call())."""
    items = [v] if isinstance(v, int) and not isinstance(v, bool) else v
    if not isinstance(items, (list, tuple)) or any(
            d is not None and (isinstance(d, bool) or not isinstance(d, int) or d < -1) for d in items):
        raise ValueError(f"expected a list of sizes (one may be -1), got {v!r}")
    if list(items).count(-1) > 1:
        raise ValueError(f"only one size may be -1, got {list(items)}")
    return tuple(items)


def reshape_to(call: LayerCall, shape: Shape, target: tuple[int, ...], what: str) -> Output:
    """operation_utils.compute_reshape_output_shape, batch axis included: with an unknown
    size in the input or the new shape the -1 stays unknown; otherwise the element counts
    must agree."""
    if any(d is None for d in shape) or any(d is None for d in target):
        return Output((tuple(None if d == -1 else d for d in target),))
    size = product(shape)
    known = product(d for d in target if d != -1)
    received = f"Received: input_shape={fmt_shape(shape)}, {what}={tuple(target)}"
    if -1 not in target:
        same = compare(size, known, call.facts)
        if same is False:
            raise Finding("SC303", f"The total size of the tensor must be unchanged. {received}")
        notes = () if same else (Note("SC304", f"{call.type} requires {fmt(size)} == {fmt(known)}"),)
        return Output((tuple(target),), notes=notes)
    inferred, whole = exact_div(size, known, call.facts)
    if whole is False or known == 0:
        raise Finding("SC303", "The total size of the tensor must be unchanged, however, the input size "
                      f"cannot by divided by the specified dimensions in {what}. {received}")
    notes = () if whole else (Note("SC304", f"{call.type} requires {fmt(size)} to be divisible by "
                                            f"{fmt(known)}"),)
    return Output((tuple(inferred if d == -1 else d for d in target),), notes=notes)


@rule("ops.Reshape", args=(Arg("newshape", sizes_arg, doc="the new shape, batch axis included; one -1; "
                               "null for a size known when the model runs", kind="[int | null]"),))
def reshape(call: LayerCall) -> Output:
    (x,) = need_tensors(call, 1)
    return reshape_to(call, x, call["newshape"], "newshape")


def transpose_to(call: LayerCall, shape: Shape, axes: tuple[int, ...] | None) -> Output:
    if axes is None:
        return Output((tuple(reversed(shape)),))
    if len(axes) != len(shape):
        raise Finding("SC403", f"axis must be a list of the same length as the input shape, expected "
                      f"{len(shape)}, but received {len(axes)}.", arg="axes")
    return Output((tuple(shape[norm_axis(call, a, len(shape))] for a in axes),))


@rule("ops.Transpose", args=(Arg("axes", axis_list, None, "the new order of the axes (null: reversed)"),))
def transpose(call: LayerCall) -> Output:
    (x,) = need_tensors(call, 1)
    return transpose_to(call, x, call["axes"])


def expand_to(call: LayerCall, shape: Shape, axis: tuple[int, ...]) -> Output:
    out_rank = len(shape) + len(axis)
    where = {norm_axis(call, a, out_rank) for a in axis}
    rest = iter(shape)
    return Output((tuple(1 if i in where else next(rest) for i in range(out_rank)),))


@rule("ops.ExpandDims", args=(Arg("axis", axis_list, doc="where the new axes of size 1 go"),))
def expand_dims(call: LayerCall) -> Output:
    (x,) = need_tensors(call, 1)
    return expand_to(call, x, call["axis"])


def squeeze_axes(call: LayerCall, shape: Shape, axis: tuple[int, ...] | None, unknown_ok: bool) -> Output:
    if axis is None:
        if any(d is None for d in shape) and not unknown_ok:
            # TensorFlow cannot tell which axes are 1: the result's rank is unknown.
            raise Finding("SC406", f"{call.type} without axis on {fmt_shape(shape)}: the rank of the "
                          "result depends on the unknown sizes", arg="type")
        return Output((tuple(d for d in shape if d != 1),))
    out = list(shape)
    for a in axis:
        if shape[norm_axis(call, a, len(shape))] != 1 and not (unknown_ok and shape[a] is None):
            raise Finding("SC306", f"Cannot squeeze axis {a}, because the dimension is not 1: "
                          f"{fmt_shape(shape)}", arg="axis")
    for a in sorted({norm_axis(call, a, len(shape)) for a in axis}, reverse=True):
        del out[a]
    return Output((tuple(out),))


@rule("ops.Squeeze", args=(Arg("axis", axis_list, None, "the axes of size 1 to drop (null: all)"),))
def squeeze(call: LayerCall) -> Output:
    """Keras removes the axes equal to 1; a named axis must be 1 (an unknown one is not)."""
    (x,) = need_tensors(call, 1)
    return squeeze_axes(call, x, call["axis"], unknown_ok=True if call["axis"] is None else False)


def join(call: LayerCall, shapes: tuple[Shape, ...], axis: int, stack: bool, merge_known: bool) -> Output:
    """Concatenate (stack: a new axis) the tensors: equal shapes off the axis, Keras's
    sizes taken from the first (TensorFlow's: the known one)."""
    first = shapes[0]
    rank = len(first) + (1 if stack else 0)
    a = norm_axis(call, axis, rank)
    out = list(first)
    for s in shapes[1:]:
        if len(s) != len(first):
            raise Finding("SC306", f"Every value must have the same rank: {fmt_shape(s)} and "
                          f"{fmt_shape(first)}")
        for i, (p, q) in enumerate(zip(first, s)):
            if i == a and not stack:
                continue
            if p is not None and q is not None and compare(p, q, call.facts) is False:
                what = "the same shape" if stack else "the same shape except on the `axis` dim"
                raise Finding("SC306", f"Every value must have {what}. But found element of shape "
                              f"{fmt_shape(s)}, which is different from the first element's shape "
                              f"{fmt_shape(first)}.")
            if merge_known and out[i] is None:
                out[i] = q
    if stack:
        out.insert(a, len(shapes))
    else:
        sizes = [s[a] for s in shapes]
        out[a] = None if any(d is None for d in sizes) else sum_dims(sizes)
    return Output((tuple(out),))


def sum_dims(sizes: list[Dim]) -> Dim:
    return add(*sizes)


@rule("ops.Concatenate", args=(any_int_arg("axis", 0, "the axis to join along"),), inputs=None)
def concatenate(call: LayerCall) -> Output:
    return join(call, need_tensors(call), call["axis"], stack=False, merge_known=False)


@rule("ops.Stack", args=(any_int_arg("axis", 0, "where the new axis goes"),), inputs=None)
def stack(call: LayerCall) -> Output:
    return join(call, need_tensors(call), call["axis"], stack=True, merge_known=False)


def repeats_arg(v: Any) -> tuple[int, ...]:
    items = [v] if isinstance(v, int) and not isinstance(v, bool) else v
    if not isinstance(items, (list, tuple)) or any(isinstance(d, bool) or not isinstance(d, int) or d < 0
                                                   for d in items):
        raise ValueError(f"expected a list of repetitions, got {v!r}")
    return tuple(items)


@rule("ops.Tile", args=(Arg("repeats", repeats_arg, doc="repetitions per axis, aligned right"),))
def tile(call: LayerCall) -> Output:
    """Repetitions and axes aligned right, the shorter padded with 1; an unknown size
    stays unknown."""
    (x,) = need_tensors(call, 1)
    reps = list(call["repeats"])
    shape = list(x)
    if len(shape) > len(reps):
        reps = [1] * (len(shape) - len(reps)) + reps
    else:
        shape = [1] * (len(reps) - len(shape)) + shape
    return Output((tuple(None if d is None else mul(d, r) for d, r in zip(shape, reps)),))

def padded(shape: Shape, widths: Iterable[tuple[int, int]]) -> Shape:
    """Each axis grown by its ``before + after``; an unknown size stays unknown (Keras's Pad
    and TensorFlow's Pad/MirrorPad alike)."""
    return tuple(None if d is None else add(d, a + b) for d, (a, b) in zip(shape, widths))


def pad_width_arg(v: Any) -> tuple[tuple[int, ...], ...]:
    """Keras's Pad._process_pad_width: an int, one ``(before, after)`` for every axis, or
    one pair (or one number, both sides) per axis, all of one length."""
    def ints(items: Any) -> bool:
        return isinstance(items, (list, tuple)) and bool(items) and all(
            isinstance(d, int) and not isinstance(d, bool) for d in items)

    if isinstance(v, int) and not isinstance(v, bool):
        return ((v, v),)
    if ints(v):
        return (tuple(v),)
    if not isinstance(v, (list, tuple)) or not v or not all(ints(pw) and len(pw) <= 2 for pw in v):
        raise ValueError(f"expected an int, a (before, after) pair or one pair per axis, got {v!r}")
    if len({len(pw) for pw in v}) > 1:
        raise ValueError(f"`pad_width` should be a list of tuples of length 1 or 2. Received: pad_width={v}")
    return tuple((pw[0], pw[0]) if len(pw) == 1 else tuple(pw) for pw in v)


@rule("ops.Pad", args=(Arg("pad_width", pad_width_arg, doc="(before, after) for every axis, or one pair "
                           "per axis", kind="int | [[int, int]]"),
                       any_arg("mode", "constant", "constant, reflect, symmetric...: no shape changes"),
                       any_arg("constant_values", None, "the value padded with (constant mode)")))
def pad(call: LayerCall) -> Output:
    """``keras.ops.pad``: each axis grows by its ``before + after``; an unknown size stays
    unknown (Keras's Pad.compute_output_spec)."""
    (x,) = need_tensors(call, 1)
    widths = call["pad_width"]
    if len(widths) == 1:
        widths = widths * len(x)
    elif len(widths) != len(x):
        raise Finding("SC403", "`pad_width` must have the same length as `x.shape`. Received: pad_width="
                      f"{[list(w) for w in widths]} (of length {len(widths)}) and x.shape={fmt_shape(x)} "
                      f"(of length {len(x)})", arg="pad_width")
    if any(len(w) != 2 for w in widths):  # (pad,): Keras reads its second item, and fails
        raise Finding("SC403", "pad_width=(pad,) for every axis: Keras's Pad reads a (before, after) pair "
                      "there and fails (tuple index out of range); give an int or a pair", arg="pad_width")
    return Output((padded(x, widths),))



@rule("ops.Repeat", args=(Arg("repeats", repeats_arg, doc="repetitions of each element: one number for "
                               "all, or one per element along the axis"),
                           any_int_arg("axis", None, "the axis (null: the flattened tensor)")))
def repeat(call: LayerCall) -> Output:
    """Each element along ``axis`` repeated: the axis grows ``repeats`` times, or becomes
    their sum when there is one per element (that count must be the axis's size). With
    no axis, the flattened tensor; an unknown size gives an unknown one, as in Keras."""
    (x,) = need_tensors(call, 1)
    reps, axis = call["repeats"], call["axis"]
    if axis is None:
        size = None if any(d is None for d in x) else product(x)
    else:
        axis = norm_axis(call, axis, len(x))
        size = x[axis]
    out = None if size is None else mul(size, reps[0]) if len(reps) == 1 else sum(reps)
    notes = ()
    if len(reps) > 1 and size is not None:
        same = compare(size, len(reps), call.facts)
        what = "the flattened tensor's size" if axis is None else f"the size of axis {axis}"
        if same is False:
            raise Finding("SC306", f"{call.type}: {len(reps)} repeats for {what}, {fmt(size)} "
                          "(Keras: Size of `repeats` and dimensions should be compatible)", arg="repeats",
                          hint="give one repetition count for all, or one per element")
        if same is None:
            notes = (Note("SC304", f"{call.type} \"{call.name}\" requires {what} {fmt(size)} == "
                          f"{len(reps)}"),)
    return Output(((out,) if axis is None else with_axis(x, axis, out),), notes=notes)


def with_axis(x: Shape, axis: int, size: Dim) -> Shape:
    """``x`` with axis ``axis`` of size ``size``."""
    return (*x[:axis], size, *x[axis + 1:])


def equal_pieces(call: LayerCall, size: Dim, n: int, refused: str, arg: str) -> tuple[Dim, tuple[Note, ...]]:
    """One of ``n`` equal pieces of ``size``: SC306 in the words ``refused`` where it
    does not divide, a condition (SC304) where that cannot be decided."""
    piece, whole = exact_div(size, n, call.facts)
    if whole is False:
        raise Finding("SC306", refused, arg=arg, hint="give the sizes of the pieces instead")
    if whole is None and size is not None:
        return piece, (Note("SC304", f"{call.type} \"{call.name}\" requires {fmt(size)} to be a multiple "
                            f"of {n}"),)
    return piece, ()


def _sections(v: Any) -> int | tuple[int, ...]:
    if isinstance(v, int) and not isinstance(v, bool) and v > 0:
        return v
    if isinstance(v, (list, tuple)) and all(isinstance(d, int) and not isinstance(d, bool) for d in v):
        return tuple(v)
    raise ValueError(f"expected a number of sections or a list of indices, got {v!r}")


@rule("ops.Split", args=(Arg("indices_or_sections", _sections, doc="how many equal sections, or the "
                             "indices to cut at", kind="int | [int]"),
                         any_int_arg("axis", 0, "the axis to cut")))
def split(call: LayerCall) -> Output:
    """One output per section: the axis cut into equal sections (they must divide its
    size) or at the indices given; an unknown size gives unknown sections."""
    (x,) = need_tensors(call, 1)
    axis = norm_axis(call, call["axis"], len(x))
    size, cut = x[axis], call["indices_or_sections"]
    notes: tuple[Note, ...] = ()
    if isinstance(cut, int):
        piece, notes = equal_pieces(call, size, cut, "ops.split: `x` size on given `axis` must be divisible "
                                    "by `indices_or_sections` when `indices_or_sections` is an int. But "
                                    f"received {fmt(size)} and {cut}", "indices_or_sections")
        sizes: list[Dim] = [piece] * cut
    else:
        bounds: list[Dim] = [0, *cut, size]
        sizes = [None if a is None or b is None else add(b, -a) for a, b in zip(bounds, bounds[1:])]
        # a section of negative size: Keras refuses it (a size of a named size t: t - 3 >= 0?)
        fits = [d >= 0 if isinstance(d, int) else None if d is None else call.facts.positive(add(d, 1))
                for d in sizes]
        if False in fits:
            raise Finding("SC308", f"ops.split: the indices {list(cut)} are not in order within axis "
                          f"{axis}'s {fmt(size)}: a section would have a negative size",
                          arg="indices_or_sections", hint="give sorted indices within the axis")
        if any(f is None and d is not None for f, d in zip(fits, sizes)):
            notes = (Note("SC304", f"{call.type} \"{call.name}\" requires {fmt(size)} >= {max(cut)}",
                          hint=f"state it in dims:, e.g. min: {max(cut)}"),)
    return Output(tuple(with_axis(x, axis, d) for d in sizes), notes=notes)


@rule("ops.Cumsum", "ops.Cumprod", args=(any_int_arg("axis", None, "the axis (null: the flattened tensor)"),),
      accepts=("dtype", "reverse"))
def cumsum(call: LayerCall) -> Output:
    (x,) = need_tensors(call, 1)
    if call["axis"] is None:
        return Output(((None if any(d is None for d in x) else product(x),),))
    norm_axis(call, call["axis"], len(x))
    return Output((x,))


# --- products --------------------------------------------------------------------------

def matmul_shape(call: LayerCall, a: Shape, b: Shape) -> Shape:
    """NumPy's matmul: a vector operand gains an axis that is dropped again; leading axes
    broadcast; the inner sizes must agree."""
    a2 = (1, a[0]) if len(a) == 1 else a
    b2 = (b[0], 1) if len(b) == 1 else b
    if not a or not b:
        raise Finding("SC301", f"{call.type} needs tensors of rank 1 or more: {fmt_shape(a)}, {fmt_shape(b)}")
    if a2[-1] is not None and b2[-2] is not None and compare(a2[-1], b2[-2], call.facts) is False:
        raise Finding("SC306", "Inner dimensions (`x1.shape[-1]` and `x2.shape[-2]`) must be equal, but "
                      f"received `x1.shape={fmt_shape(a)}` and `x2.shape={fmt_shape(b)}`.")
    lead = broadcast_shapes(call, (a2[:-2], b2[:-2])) if a2[:-2] or b2[:-2] else ()
    out = [*lead, a2[-2], b2[-1]]
    if len(a) == 1:
        del out[-2]
    if len(b) == 1:
        del out[-1]
    return tuple(out)


@rule("ops.FFT", "ops.FFT2", "ops.IFFT2", inputs=2)
def fourier(call: LayerCall) -> Output:
    """keras/src/ops/math.py FFT (FFT2, IFFT2).compute_output_spec: x is a pair (real,
    imaginary) of one shape, whose transformed axes (the last; the last two) are known;
    the output is such a pair, of the same shapes."""
    real, imag = need_tensors(call, 2)
    axes = 1 if call.type == "ops.FFT" else 2
    what = "its last dimension" if axes == 1 else "its (-2, -1) axes"
    # Keras compares the shapes' tuples: None against a size differs too
    clash = f"{call.type}: the real and imaginary parts should have the same shape, got " \
        f"{fmt_shape(real)} and {fmt_shape(imag)}"
    if len(real) != len(imag) or any((a is None) != (b is None) for a, b in zip(real, imag)):
        raise Finding("SC306", clash)
    notes = equal_sizes(call, zip(real, imag), clash)
    if len(real) < axes:
        raise Finding("SC301", f"{call.type}: the input should have rank >= {axes}, got {fmt_shape(real)}")
    if any(real[i] is None for i in range(-axes, 0)):
        raise Finding("SC302", f"{call.type}: the input should have {what} fully-defined, got "
                      f"{fmt_shape(real)}", hint="give those axes a size: Keras needs them to build the op")
    return Output((real, imag), notes=notes)


def equal_sizes(call: LayerCall, pairs: Iterable[tuple[Dim, Dim]], clash: str, hint: str | None = None,
                arg: str | None = None) -> tuple[Note, ...]:
    """Sizes that must be equal, pair by pair (None matches any): one provably different is
    SC306 (``clash``); one that may differ is a condition on the sizes (SC304)."""
    notes = []
    for x, y in pairs:
        same = None if x is None or y is None else compare(x, y, call.facts)
        if same is False:
            raise Finding("SC306", clash, hint=hint, arg=arg)
        if same is None and x is not None and y is not None:
            notes.append(Note("SC304", f"{call.type} \"{call.name}\" requires {fmt(x)} == {fmt(y)}"))
    return tuple(notes)


@rule("ops.Matmul", inputs=2)
def matmul(call: LayerCall) -> Output:
    a, b = need_tensors(call, 2)
    return Output((matmul_shape(call, a, b),))


@rule("ops.Dot", inputs=2)
def dot(call: LayerCall) -> Output:
    """NumPy's dot: x1's last axis against x2's only one, or its second to last (the
    other axes of both kept, in order); a scalar operand multiplies."""
    a, b = need_tensors(call, 2)
    if not a or not b:
        return Output((broadcast_shapes(call, (a, b)),))
    if len(a) == 1 and len(b) == 1:
        pairs, out = (a[-1], b[0]), ()
    elif len(b) == 1:
        pairs, out = (a[-1], b[0]), a[:-1]
    else:
        pairs, out = (a[-1], b[-2]), (*a[:-1], *b[:-2], b[-1])
    clash = f"ops.dot: the last axis of {fmt_shape(a)} ({fmt(pairs[0])}) does not match " \
        f"{'the axis' if len(b) == 1 else 'the second to last axis'} of {fmt_shape(b)} ({fmt(pairs[1])})"
    notes = equal_sizes(call, (pairs,), clash, hint="the summed axes must have the same size")
    return Output((out,), notes=notes)


def _tensordot_axes(v: Any) -> int | tuple[tuple[int, ...], tuple[int, ...]]:
    """An int (the last axes of x1 against the first of x2), or a pair of axis lists."""
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, (list, tuple)) and len(v) == 2 and all(
            isinstance(side, (list, tuple)) and all(isinstance(a, int) and not isinstance(a, bool)
                                                     for a in side) for side in v):
        return tuple(v[0]), tuple(v[1])
    raise ValueError(f"expected an int or a pair of axis lists, got {v!r}")


@rule("ops.Tensordot", args=(Arg("axes", _tensordot_axes, 2, "how many last axes of x1 meet the first of "
                                 "x2, or a pair of axis lists", "int | [[int], [int]]"),), inputs=2)
def tensordot(call: LayerCall) -> Output:
    """keras/src/ops/numpy.py Tensordot.compute_output_spec: with an int n, x1 without its
    last n axes then x2 without its first n (Keras compares no size; n <= 0 keeps both
    whole); with two axis lists, the sizes they pick must match (None matches any), and
    the other axes of x1, then of x2, remain."""
    a, b = need_tensors(call, 2)
    axes = call["axes"]
    if isinstance(axes, int):
        return Output(((*a, *b) if axes <= 0 else (*a[:-axes], *b[axes:]),))
    if any(not -len(s) <= ax < len(s) for s, side in ((a, axes[0]), (b, axes[1])) for ax in side):
        raise Finding("SC403", f"ops.tensordot: axes {[list(axes[0]), list(axes[1])]} name an axis "
                      f"{fmt_shape(a)} or {fmt_shape(b)} does not have", arg="axes")
    picked = [a[ax] for ax in axes[0]], [b[ax] for ax in axes[1]]
    clash = f"ops.tensordot: the axes of x1 {fmt_shape(tuple(picked[0]))} and of x2 " \
        f"{fmt_shape(tuple(picked[1]))} must match"
    if len(picked[0]) != len(picked[1]):
        raise Finding("SC306", clash, arg="axes")
    notes = equal_sizes(call, zip(*picked), clash, arg="axes")
    # Keras marks the summed axes and drops them: an axis named twice is dropped once
    kept = [d for i, d in enumerate(a) if i not in {ax % len(a) for ax in axes[0]}] + \
        [d for i, d in enumerate(b) if i not in {ax % len(b) for ax in axes[1]}]
    return Output((tuple(kept),), notes=notes)


def einsum_shape(call: LayerCall, equation: str, shapes: tuple[Shape, ...]) -> Shape:
    """The output letters' sizes (each letter one size across the operands, a 1 giving
    way); ``...`` is the broadcast of the operands' remaining axes."""
    text = equation.replace(" ", "")
    ins, arrow, out = text.partition("->")
    terms = ins.split(",")
    if len(terms) != len(shapes):
        raise Finding("SC206", f"einsum {equation!r} names {len(terms)} operand(s), got {len(shapes)}")
    sizes: dict[str, Dim] = {}
    ellipses: list[Shape] = []
    for term, shape in zip(terms, shapes):
        head, dots, tail = term.partition("...")
        letters = head + tail
        if len(letters) > len(shape) or (not dots and len(letters) != len(shape)):
            raise Finding("SC306", f"einsum {equation!r}: operand {term!r} does not fit {fmt_shape(shape)}")
        lead = shape[:len(head)]
        rest = shape[len(shape) - len(tail):] if tail else ()
        if dots:
            ellipses.append(shape[len(head):len(shape) - len(tail)])
        for ch, d in zip(head + tail, (*lead, *rest)):
            seen = sizes.get(ch)
            if ch not in sizes or seen == 1:
                sizes[ch] = d
            elif d != 1 and d is not None and seen is not None and compare(seen, d, call.facts) is False:
                raise Finding("SC306", f"einsum {equation!r}: {ch!r} is {fmt(seen)} in one operand and "
                              f"{fmt(d)} in another")
    broadcast = broadcast_shapes(call, tuple(ellipses)) if ellipses else ()
    if not arrow:  # implicit output: the letters seen once, in order
        out = "..." * bool(ellipses) + "".join(sorted(c for c in sizes if ins.count(c) == 1))
    head, dots, tail = out.partition("...")
    return (*(sizes[c] for c in head), *(broadcast if dots else ()), *(sizes[c] for c in tail))


def equation_arg(v: Any) -> str:
    if not isinstance(v, str) or not v:
        raise ValueError(f"expected an einsum equation such as 'bij,bjk->bik', got {v!r}")
    return v


@rule("ops.Einsum", args=(Arg("subscripts", equation_arg, doc="the einsum equation"),), inputs=None)
def einsum(call: LayerCall) -> Output:
    return Output((einsum_shape(call, call["subscripts"], need_tensors(call)),))


# --- indexing --------------------------------------------------------------------------

_ELLIPSIS = object()


def _key_item(item: Any) -> Any:
    """One index of a key as Keras 3 (``{"class_name": "__slice__", "config": {...}}``,
    ``__ellipsis__``) or tf.keras (``{"start", "stop", "step"}``) serializes it."""
    if isinstance(item, dict):
        cls = item.get("class_name")
        if cls == "__ellipsis__":
            return _ELLIPSIS
        cfg = item.get("config") if cls == "__slice__" else item
        if isinstance(cfg, dict) and set(cfg) <= {"start", "stop", "step"}:
            parts = [cfg.get(k) for k in ("start", "stop", "step")]
            if all(p is None or isinstance(p, int) and not isinstance(p, bool) for p in parts):
                if parts[2] == 0:
                    raise ValueError("slice step cannot be zero")
                return slice(*parts)
    if item is None or isinstance(item, int) and not isinstance(item, bool):
        return item
    if item == "...":
        return _ELLIPSIS
    raise ValueError(f"an index is an int, a slice, ..., or null (a new axis); got {item!r}")


def key_arg(v: Any) -> tuple:
    items = v if isinstance(v, list) else [v]
    return tuple(_key_item(i) for i in items)


def _slice_length(call: LayerCall, s: slice, n: Dim) -> Dim:
    """``len(range(*s.indices(n)))``; for a named size, where the slice keeps a fixed
    distance from either end."""
    if n is None:
        return None
    if isinstance(n, int):
        return len(range(*s.indices(n)))
    if s == slice(None):
        return n
    if (s.step in (None, 1)) and s.stop is None and isinstance(s.start, int) and s.start >= 0:
        return _nonneg(call, n - s.start, s, n)
    if (s.step in (None, 1)) and s.start is None and isinstance(s.stop, int) and s.stop < 0:
        return _nonneg(call, n + s.stop, s, n)
    if (s.step in (None, 1)) and s.stop is None and isinstance(s.start, int) and s.start < 0:
        return _fixed(call, -s.start, n)
    if (s.step in (None, 1)) and s.start is None and isinstance(s.stop, int) and s.stop >= 0:
        return _fixed(call, s.stop, n)
    raise Finding("SC406", f"{call.type}: the length of the slice {s} of an axis of size {fmt(n)} is not "
                  "worked out yet", arg="type", hint="bind the size with --dim")


def _nonneg(call: LayerCall, d: Dim, s: slice, n: Dim) -> Dim:
    """``n - k`` elements, or none when the axis is shorter than k."""
    import sympy

    return canonical(sympy.Max(0, sympy.sympify(d)))


def _fixed(call: LayerCall, k: int, n: Dim) -> Dim:
    """``k`` elements, or all of them when the axis is shorter."""
    import sympy

    return canonical(sympy.Min(k, sympy.sympify(n)))


def getitem_shape(call: LayerCall, shape: Shape, key: tuple, notes: list[Note]) -> Shape:
    """GetItem.compute_output_spec: an int drops its axis, a slice keeps it (its length
    where the size is known), None adds an axis of 1, ``...`` stands for the axes no
    other index takes; too many indices or an index out of range is an error."""
    remaining = list(key)
    if remaining.count(_ELLIPSIS) > 1:
        raise Finding("SC403", f"Slice should only have one ellipsis. Received: `{list(key)}`", arg="key")
    if _ELLIPSIS not in remaining:
        remaining.append(_ELLIPSIS)
    rest = list(shape)
    out: list[Dim] = []
    while remaining:
        sub = remaining.pop(0)
        if sub is _ELLIPSIS:
            needed = len(remaining) - remaining.count(None)
            used = len(rest) - needed
            out += rest[:used]
            rest = rest[used:]
            continue
        if sub is None:
            out.append(1)
            continue
        if not rest:
            raise Finding("SC301", f"Array has shape {fmt_shape(shape)} but slice has too many indices. "
                          f"Received: `{list(key)}`", arg="key")
        n = rest.pop(0)
        if isinstance(sub, int):
            if isinstance(n, int) and not -n <= sub < n:
                raise Finding("SC403", f"Array has shape {fmt_shape(shape)} but out-of-bounds index "
                              f"{sub} was requested.", arg="key")
            if n is not None and not isinstance(n, int):
                need = sub + 1 if sub >= 0 else -sub
                fits = call.facts.positive(add(n, 1 - need))  # n >= need
                if fits is False:
                    raise Finding("SC403", f"Array has shape {fmt_shape(shape)} but out-of-bounds index "
                                  f"{sub} was requested.", arg="key")
                if fits is None:
                    notes.append(Note("SC304", f"{call.type} {list(key)} on {fmt_shape(shape)} requires "
                                      f"{fmt(n)} >= {need}", hint=f"state it in dims:, e.g. min: {need}"))
        else:
            out.append(_slice_length(call, sub, n))
    return tuple(out)


@rule("ops.GetItem", args=(Arg("key", key_arg, doc="the index: ints, slices, ..., null", kind="key"),),
      positional=("x", "key"))
def get_item(call: LayerCall) -> Output:
    """``x[key]`` (``x[:, -1]``, ``x[..., 1:3]``)."""
    (x,) = need_tensors(call, 1)
    notes: list[Note] = []
    return Output((getitem_shape(call, x, call["key"], notes),), notes=tuple(notes))


