"""tf.keras 2's TFOpLambda and SlicingOpLambda layers: a TensorFlow function called on
a symbolic tensor, typed ``tf.<function>`` (``tf.math.reduce_mean``). Each rule is
TensorFlow's static shape inference for the op, on the shape helpers of ``ops`` (Keras
3's ops); where they differ, TensorFlow's way is noted (TensorFlow merges a known size
into an unknown one, reduces each axis once, reads a null argmax axis as 0).
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import add, canonical, ceil_div, compare, floor_div, fmt, fmt_shape, mul
from .ops import (
    KEEPDIMS,
    any_arg,
    any_int_arg,
    axis_list,
    broadcast_operands,
    einsum_shape,
    equal_pieces,
    equation_arg,
    expand_to,
    flag_arg,
    getitem_shape,
    join,
    key_arg,
    matmul_shape,
    need_tensors,
    norm_axis,
    padded,
    reduce_shape,
    repeats_arg,
    reshape_to,
    sizes_arg,
    squeeze_axes,
    transpose_to,
    with_axis,
)
from .registry import Arg, LayerCall, Note, Output, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# tf.keras's TFOpLambda functions that broadcast their tensor operands.
TF_ELEMENTWISE = (
    "__operators__.add", "math.add", "math.subtract", "math.multiply", "math.truediv", "math.divide",
    "math.floordiv", "math.pow", "math.maximum", "math.minimum", "math.squared_difference",
    "math.equal", "math.not_equal", "math.greater", "math.greater_equal", "math.less",
    "math.less_equal", "math.logical_and", "math.logical_or", "math.divide_no_nan", "math.floormod",
    "__operators__.eq", "__operators__.ne", "math.multiply_no_nan",
    "math.negative", "math.abs", "math.sqrt", "math.rsqrt", "math.square", "math.exp", "math.log",
    "math.log1p", "math.sigmoid", "math.tanh", "math.sign", "math.reciprocal", "math.sin",
    "math.cos", "math.floor", "math.ceil", "math.round", "math.erf", "math.softplus",
    "math.logical_not", "math.is_nan", "nn.relu", "nn.relu6", "nn.sigmoid", "nn.tanh", "nn.elu",
    "nn.selu", "nn.silu", "nn.swish", "nn.gelu", "nn.leaky_relu", "nn.softmax", "nn.log_softmax",
    "nn.softplus", "math.softmax", "cast", "identity", "clip_by_value", "stop_gradient",
    "math.scalar_mul", "math.l2_normalize", "convert_to_tensor",
    # the losses' own: tf_keras's backend function, dispatched whole (binary_crossentropy)
    "keras.backend.binary_crossentropy",
)


# TensorFlow's names for a constant operand of the element-wise functions.
_TF_OPERANDS = ("y", "x", "clip_value_min", "clip_value_max", "scalar")


_TF_REDUCTIONS = ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any",
                  "reduce_all", "reduce_std", "reduce_variance", "reduce_logsumexp", "reduce_euclidean_norm")


@rule(*(f"tf.{name}" for name in TF_ELEMENTWISE), inputs=None,
      args=tuple(any_arg(n, doc="a constant operand: a number or a list (broadcast)") for n in _TF_OPERANDS),
      accepts=("dtype", "axis", "alpha", "approximate", "features", "logits", "t", "epsilon", "dim",
               "dtype_hint", "from_logits"))
def tf_elementwise(call: LayerCall) -> Output:
    """TensorFlow's broadcasting of the operands, constants included."""
    return broadcast_operands(call, tuple(call[n] for n in _TF_OPERANDS))


@rule(*(f"tf.math.{n}" for n in _TF_REDUCTIONS), *(f"tf.{n}" for n in _TF_REDUCTIONS),
      args=(Arg("axis", axis_list, None, "the reduced axes (null: all)", "int | [int] | null"), KEEPDIMS,
            flag_arg("keep_dims", "TensorFlow 1's name of keepdims")))
def tf_reduction(call: LayerCall) -> Output:
    """As NumPy, each axis once."""
    (x,) = need_tensors(call, 1)
    axis = call["axis"]
    if axis is not None:
        axis = tuple(sorted({norm_axis(call, a, len(x)) for a in axis}))
    return Output((reduce_shape(call, x, axis, call["keepdims"] or call["keep_dims"]),))


@rule("tf.math.argmax", "tf.math.argmin", "tf.argmax", "tf.argmin",
      args=(any_int_arg("axis", None, "the reduced axis (TensorFlow reads null as 0)"),),
      accepts=("output_type",))
def tf_argmax(call: LayerCall) -> Output:
    (x,) = need_tensors(call, 1)
    axis = call["axis"] or 0
    return Output((reduce_shape(call, x, (norm_axis(call, axis, len(x)),), False),))


@rule("tf.reshape", args=(Arg("shape", sizes_arg, doc="the new shape, batch axis included; one -1",
                             kind="[int]"),))
def tf_reshape(call: LayerCall) -> Output:
    (x,) = need_tensors(call, 1)
    return reshape_to(call, x, call["shape"], "shape")


@rule("tf.transpose", "tf.compat.v1.transpose", "tf.linalg.transpose",
      args=(Arg("perm", axis_list, None, "the new order of the axes (null: reversed)"),),
      accepts=("conjugate",))
def tf_transpose(call: LayerCall) -> Output:
    (x,) = need_tensors(call, 1)
    return transpose_to(call, x, call["perm"])


@rule("tf.expand_dims", "tf.compat.v1.expand_dims",
      args=(any_int_arg("axis", doc="where the new axis of size 1 goes"),), accepts=("dim",))
def tf_expand_dims(call: LayerCall) -> Output:
    (x,) = need_tensors(call, 1)
    return expand_to(call, x, (call["axis"],))


@rule("tf.squeeze", "tf.compat.v1.squeeze",
      args=(Arg("axis", axis_list, None, "the axes of size 1 to drop (null: all)"),),
      accepts=("squeeze_dims",))
def tf_squeeze(call: LayerCall) -> Output:
    (x,) = need_tensors(call, 1)
    return squeeze_axes(call, x, call["axis"], unknown_ok=call["axis"] is not None)


@rule("tf.concat", args=(any_int_arg("axis", doc="the axis to join along"),), inputs=None)
def tf_concat(call: LayerCall) -> Output:
    return join(call, need_tensors(call), call["axis"], stack=False, merge_known=True)


def _splits(v: Any) -> int | tuple[int, ...]:
    if isinstance(v, int) and not isinstance(v, bool) and v > 0:
        return v
    if isinstance(v, (list, tuple)) and v and all(isinstance(d, int) and not isinstance(d, bool) and d >= -1
                                                  for d in v) and list(v).count(-1) <= 1:
        return tuple(v)
    raise ValueError(f"expected a number of pieces or a list of sizes (one may be -1), got {v!r}")


@rule("tf.split", args=(Arg("num_or_size_splits", _splits, doc="how many equal pieces, or each piece's "
                            "size along the axis (one may be -1: the rest)", kind="int | [int]"),
                        any_int_arg("axis", 0, "the axis to cut"), any_arg("num", doc="unused here")))
def tf_split(call: LayerCall) -> Output:
    """One output per piece: the axis cut into equal pieces (its size must divide) or
    into the sizes given (they must add up to it); an unknown size gives unknown pieces."""
    (x,) = need_tensors(call, 1)
    axis = norm_axis(call, call["axis"], len(x))
    size, splits = x[axis], call["num_or_size_splits"]
    if isinstance(splits, int):
        refused = (f"tf.split: axis {axis} of {fmt_shape(x)} ({fmt(size)}) does not split into {splits} "
                   "equal pieces (TensorFlow: Dimension size must be evenly divisible)")
        piece, notes = equal_pieces(call, size, splits, refused, "num_or_size_splits")
        return Output(tuple(with_axis(x, axis, piece) for _ in range(splits)), notes=notes)
    known = sum(d for d in splits if d != -1)
    if -1 in splits:
        rest = None if size is None else add(size, -known)
        if isinstance(rest, int) and rest < 0:
            raise Finding("SC306", f"tf.split: the sizes {list(splits)} add up to more than axis {axis}'s "
                          f"{fmt(size)}", arg="num_or_size_splits")
        sizes = [rest if d == -1 else d for d in splits]
    else:
        sizes = list(splits)
        same = None if size is None else compare(size, known, call.facts)
        if same is False:
            raise Finding("SC306", f"tf.split: the sizes {list(splits)} add up to {known}, not axis {axis}'s "
                          f"{fmt(size)}", arg="num_or_size_splits")
        if same is None and size is not None:
            return Output(tuple(with_axis(x, axis, d) for d in sizes), notes=(Note(
                "SC304", f"{call.type} \"{call.name}\" requires {fmt(size)} == {known}"),))
    return Output(tuple(with_axis(x, axis, d) for d in sizes))


@rule("tf.stack", args=(any_int_arg("axis", 0, "where the new axis goes"),), inputs=None)
def tf_stack(call: LayerCall) -> Output:
    return join(call, need_tensors(call), call["axis"], stack=True, merge_known=True)


@rule("tf.tile", args=(Arg("multiples", repeats_arg, doc="repetitions per axis, one per axis"),))
def tf_tile(call: LayerCall) -> Output:
    (x,) = need_tensors(call, 1)
    reps = call["multiples"]
    if len(reps) != len(x):
        raise Finding("SC403", f"tf.tile: multiples {list(reps)} must have one entry per axis of "
                      f"{fmt_shape(x)}", arg="multiples")
    return Output((tuple(None if d is None else mul(d, r) for d, r in zip(x, reps)),))

def paddings_arg(v: Any) -> tuple[tuple[int, int], ...]:
    if not isinstance(v, (list, tuple)) or not all(
            isinstance(p, (list, tuple)) and len(p) == 2
            and all(isinstance(d, int) and not isinstance(d, bool) for d in p) for p in v):
        raise ValueError(f"expected one [before, after] per axis, got {v!r}")
    return tuple((p[0], p[1]) for p in v)


@rule("tf.pad", "tf.compat.v1.pad", args=(Arg("paddings", paddings_arg, doc="[before, after] for each axis",
                                              kind="[[int, int]]"),
                                          any_arg("mode", "CONSTANT", "CONSTANT, REFLECT or SYMMETRIC: "
                                                  "no shape changes"),
                                          any_arg("constant_values", 0, "the value padded with")))
def tf_pad(call: LayerCall) -> Output:
    """TensorFlow's Pad and MirrorPad shape functions: each axis grows by its ``before +
    after``; an unknown size stays unknown (how far REFLECT may reach is checked only when
    the op runs)."""
    (x,) = need_tensors(call, 1)
    widths = call["paddings"]
    if len(widths) != len(x):
        raise Finding("SC403", f"tf.pad: paddings {[list(w) for w in widths]} must have one [before, after] "
                      f"per axis of {fmt_shape(x)}", arg="paddings")
    if any(d < 0 for w in widths for d in w):
        raise Finding("SC403", f"tf.pad: paddings must be non-negative: {[list(w) for w in widths]}",
                      arg="paddings")
    return Output((padded(x, widths),))



def _four_ints(v: Any) -> tuple[int, ...]:
    """TensorFlow's ``list(int) >= 4`` attribute (its shape function then wants exactly 4)."""
    if not isinstance(v, (list, tuple)) or len(v) < 4 or any(
            isinstance(d, bool) or not isinstance(d, int) for d in v):
        raise ValueError(f"expected [1, rows, cols, 1], got {v!r}")
    return tuple(v)


def _tf_padding(v: Any) -> str:
    if v not in ("VALID", "SAME"):
        raise ValueError(f"expected 'VALID' or 'SAME' (TensorFlow's spelling), got {v!r}")
    return v


@rule("tf.image.extract_patches",
      args=(Arg("sizes", _four_ints, doc="[1, rows, cols, 1]: the patch's extent", kind="[int]"),
            Arg("strides", _four_ints, doc="[1, rows, cols, 1]: the step between patches", kind="[int]"),
            Arg("rates", _four_ints, doc="[1, rows, cols, 1]: the spacing of a patch's samples",
                kind="[int]"),
            Arg("padding", _tf_padding, doc="VALID or SAME", kind="str")))
def tf_extract_patches(call: LayerCall) -> Output:
    """TensorFlow's ExtractImagePatches shape function: each patch, rows x cols samples
    ``rates`` apart, is a pixel of ``rows * cols * depth`` values. Only the row and column
    entries of sizes, strides and rates count here (the others must be 1 when the op runs).
    VALID gives ``(n - k_eff + s) / s`` rounded toward zero (0 for a patch that just does
    not fit), where ``k_eff = k + (k - 1) * (rate - 1)``, and refuses a negative one; SAME
    gives ``ceil(n / s)``. An unknown row or column size leaves both unknown."""
    (x,) = need_tensors(call, 1)
    if len(x) != 4:
        raise Finding("SC301", f"tf.image.extract_patches takes images of rank 4, got {fmt_shape(x)}")
    for name in ("sizes", "strides", "rates"):
        if len(call[name]) != 4:
            raise Finding("SC403", f"tf.image.extract_patches: {name}={list(call[name])} must have 4 values",
                          arg=name)
    sizes, strides, rates = call["sizes"], call["strides"], call["rates"]
    depth = None if x[3] is None else mul(x[3], sizes[1] * sizes[2])
    if x[1] is None or x[2] is None:
        return Output(((x[0], None, None, depth),))
    spatial, notes = [], []
    for i, axis in ((1, "rows"), (2, "cols")):
        n, k, s = x[i], sizes[i] + (sizes[i] - 1) * (rates[i] - 1), strides[i]
        if s <= 0:
            raise Finding("SC403", f"tf.image.extract_patches: the {axis} stride must be > 0, got {s}",
                          arg="strides")
        if call["padding"] == "SAME":
            spatial.append(ceil_div(n, s))
            continue
        if isinstance(n, int):
            if n - k + s <= -s:  # negative even rounded toward zero
                raise Finding("SC308", f"tf.image.extract_patches: the {axis} would be ({n} - {k} + {s}) / "
                              f"{s}, negative: a patch {k} wide does not fit {n}", arg="sizes")
            spatial.append(max(0, n - k + s) // s)
            continue
        if not call.facts.positive(add(n, s - k + 1)):
            notes.append(Note("SC304", f"tf.image.extract_patches requires {fmt(n)} >= {k - s} ({axis})"))
        spatial.append(canonical(floor_div(add(n, s - k), s)))
    return Output(((x[0], *spatial, depth),), notes=tuple(notes))


@rule("tf.math.cumsum", "tf.cumsum", "tf.math.cumprod", args=(any_int_arg("axis", 0, "the axis"),),
      accepts=("exclusive", "reverse"))
def tf_cumsum(call: LayerCall) -> Output:
    (x,) = need_tensors(call, 1)
    norm_axis(call, call["axis"], len(x))
    return Output((x,))


@rule("tf.linalg.matmul", "tf.matmul", "tf.compat.v1.matmul", inputs=2,
      args=(flag_arg("transpose_a"), flag_arg("transpose_b"), flag_arg("adjoint_a"), flag_arg("adjoint_b")),
      accepts=("a_is_sparse", "b_is_sparse", "output_type"))
def tf_matmul(call: LayerCall) -> Output:
    a, b = need_tensors(call, 2)
    if len(a) < 2 or len(b) < 2:
        raise Finding("SC301", f"tf.linalg.matmul needs tensors of rank 2 or more: {fmt_shape(a)}, "
                      f"{fmt_shape(b)}")
    if call["transpose_a"] or call["adjoint_a"]:
        a = (*a[:-2], a[-1], a[-2])
    if call["transpose_b"] or call["adjoint_b"]:
        b = (*b[:-2], b[-1], b[-2])
    return Output((matmul_shape(call, a, b),))


@rule("tf.einsum", "tf.linalg.einsum", args=(Arg("equation", equation_arg, doc="the einsum equation"),),
      inputs=None)
def tf_einsum(call: LayerCall) -> Output:
    if not call.inputs:  # what tf.keras 2 saves: the equation alone, its operands (*inputs) dropped
        wanted = len(str(call["equation"]).split("->")[0].split(","))
        raise Finding("SC206", f'Got 0 inputs for equation "{call["equation"]}", expecting {wanted} (Keras, '
                      "loading this file)", hint="tf.keras 2 saves tf.einsum without its operands; rebuild "
                      "it with keras.layers.EinsumDense, or tf.einsum inside a Lambda")
    return Output((einsum_shape(call, call["equation"], need_tensors(call)),))


@rule("tf.__operators__.getitem",
      args=(Arg("slice_spec", key_arg, doc="the index: ints, slices, ..., null", kind="key"),),
      accepts=("var",))
def tf_getitem(call: LayerCall) -> Output:
    """tf.keras's SlicingOpLambda: ``x[:, -1]``."""
    (x,) = need_tensors(call, 1)
    notes: list[Note] = []
    return Output((getitem_shape(call, x, call["slice_spec"], notes),), notes=tuple(notes))
