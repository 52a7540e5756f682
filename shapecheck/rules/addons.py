"""TensorFlow Addons' layers (``tensorflow_addons.layers``, tfa): its normalizations
(GroupNormalization, InstanceNormalization, FilterResponseNormalization), wrappers
(WeightNormalization, SpectralNormalization), poolings (adaptive, spatial pyramid),
elementwise layers (GELU, Sparsemax, Snake, TLU, Maxout, PoincareNormalize,
StochasticDepth), and its MultiHeadAttention, CRF, NoisyDense and PolynomialCrossing.

tfa registers its classes as ``Addons>Name``: the name Keras 2 writes in a file (older
tf.keras as the class name; 2.13-2.15 as ``registered_name``, beside the module), and
the name these rules have, since several are also Keras layers that work otherwise
(Keras 3's AdaptiveAveragePooling2D takes any size; tfa's splits the axis in equal
parts). tfa ended with 0.23.0, for TensorFlow 2.13-2.15: its layers run in tf.keras 2
only, and these rules are what they do there.

References: tensorflow_addons/layers/{normalizations,wrappers,spectral_normalization,
adaptive_pooling,spatial_pyramid_pooling,gelu,sparsemax,snake,tlu,maxout,poincare,
stochastic_depth,multihead_attention,crf,noisy_dense,polynomial}.py of tensorflow-addons
0.23.0. Shapes are those tf.keras 2 gets by
tracing each layer's ``call()``, and the messages are tfa's own.
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import Shape, compare, exact_div, fmt, fmt_shape
from ..records import replace
from .checks import broadcast_shapes, input_dim_axis, need_rank
from .conv import data_format_arg, tuple_arg
from .normalization import _int, grouped
from .registry import Arg, Axis, LayerCall, Note, Output, Weight, apply, bool_arg, float_arg, int_arg, rule
from .wrappers import _nested_only, _wrapped

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PREFIX = "Addons>"
_INITS = ("beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer",
          "beta_constraint", "gamma_constraint")


def _known_axis(call: LayerCall, shape: Shape, axis: int, said: str) -> Axis:
    """The size of ``axis``, which a weight is made of: in range, and known."""
    if not -len(shape) <= axis < len(shape):
        raise Finding("SC301", f"axis {axis} is out of range for the input {fmt_shape(shape)} of "
                      f"{call.type} \"{call.name}\" (tfa raises IndexError: tuple index out of range)",
                      arg="axis")
    d = shape[axis]
    if d is None:
        raise Finding("SC302", f"Axis {axis} of input tensor should have a defined dimension but the layer "
                      f"received an input with shape {fmt_shape(shape)}.",
                      hint="give that axis a size, or fix the layer before it so the axis is known")
    return Axis(d, f"input[{axis}]", f"{said}: axis {axis} of the input {fmt_shape(shape)} ({fmt(d)})")


# --- normalizations ------------------------------------------------------------------


def _groups(call: LayerCall, groups: int) -> Output:
    """tfa's GroupNormalization.build: the channels axis known, the groups at most as many
    and a divisor; gamma and beta one entry per channel."""
    shape = call.shape
    axis = call["axis"]
    if axis == 0:
        raise Finding("SC403", "You are trying to normalize your batch axis. Do you want to use "
                      "tf.layer.batch_normalization instead", arg="axis")
    c = _known_axis(call, shape, axis, "one entry per channel")
    # tfa's words, the second the wrong way round: the channels must be a multiple
    return grouped(call, c, groups, f"Number of groups ({groups}) cannot be more than the number of "
                   f"channels ({c.size}).", f"Number of groups ({groups}) must be a multiple of the number "
                   f"of channels ({fmt(c.size)}).")


_NORM_ARGS = (Arg("axis", _int, -1, doc="the channels axis; not 0", kind="int"),
              bool_arg("center", True, doc="adds beta"),
              bool_arg("scale", True, doc="adds gamma"))


@rule(f"{PREFIX}GroupNormalization",
      args=(int_arg("groups", 32, min=-1, doc="channels are split into this many groups; must divide "
                    "the channels (-1: one group per channel)"), *_NORM_ARGS),
      accepts=("epsilon", *_INITS))
def group_normalization(call: LayerCall) -> Output:
    """No shape change; ``groups`` must divide the channels and be at most as many; gamma
    and beta are one entry per channel, which must be known."""
    return _groups(call, call["groups"])


@rule(f"{PREFIX}InstanceNormalization", args=_NORM_ARGS, accepts=("epsilon", "groups", *_INITS))
def instance_normalization(call: LayerCall) -> Output:
    """GroupNormalization with a group per channel (tfa overwrites any ``groups``, and a
    file it wrote holds the channel count there): no shape change; gamma and beta one
    entry per channel."""
    return _groups(call, -1)


def _frn_axis(v: Any) -> list:
    if not isinstance(v, list):  # tfa: TypeError, "Expected a list of values"
        raise ValueError(f"Expected a list of values but got {type(v).__name__}")
    if v != [1, 2]:
        raise ValueError("FilterResponseNormalization operates on per-channel basis. Axis values should "
                         "be a list of spatial dimensions.")
    return v


@rule(f"{PREFIX}FilterResponseNormalization",
      args=(Arg("axis", _frn_axis, [1, 2], doc="the spatial axes; only [1, 2]", kind="[1, 2]"),
            bool_arg("learned_epsilon", False, doc="adds a learned epsilon of one entry")),
      accepts=("epsilon", "learned_epsilon_constraint", *_INITS))
def filter_response_normalization(call: LayerCall) -> Output:
    """Images only (N, H, W, C), H and W known; gamma and beta (1, 1, 1, C), after a
    learned epsilon (1,) when asked (made in the constructor, so it comes first)."""
    shape = call.shape
    if len(shape) != 4:
        raise Finding("SC301", "Only 4-D tensors (CNNs) are supported as of now.",
                      hint=f"{call.type} takes images (batch, height, width, channels); "
                      f"got {fmt_shape(shape)}")
    if shape[1] is None or shape[2] is None:
        raise Finding("SC302", f"Axis [1, 2] of input tensor should have a defined dimension but the layer "
                      f"received an input with shape {fmt_shape(shape)}.",
                      hint="give the height and width a size")
    c = shape[3]
    if c is None:  # tfa makes the weight of shape [1, 1, 1, None], and TensorFlow refuses it
        raise Finding("SC302", f"the channels of the input to {call.type} \"{call.name}\" are undefined: "
                      f"{fmt_shape(shape)}; gamma and beta need them (TensorFlow: Can't convert Python "
                      "sequence with mixed types to Tensor)",
                      hint="give the channels axis a size")
    one = Axis(1, "1", "tfa's weights broadcast over the batch, height and width")
    ch = Axis(c, "input[3]", f"one entry per channel: axis 3 of the input {fmt_shape(shape)} ({fmt(c)})")
    weights = [Weight("learned_epsilon", (Axis(1, "1", "one learned epsilon"),))] \
        if call["learned_epsilon"] else []
    weights += [Weight("gamma", (one, one, one, ch)), Weight("beta", (one, one, one, ch))]
    return Output((shape,), tuple(weights))


# --- elementwise ---------------------------------------------------------------------


def _same(call: LayerCall) -> Output:
    return Output((call.shape,), (), (), ("elementwise: the shape is unchanged",))


@rule(f"{PREFIX}GELU", accepts=("approximate",))
def gelu(call: LayerCall) -> Output:
    """Elementwise: no shape change, no weights."""
    return _same(call)


@rule(f"{PREFIX}Sparsemax", accepts=("axis",))
def sparsemax(call: LayerCall) -> Output:
    """Normalizes along ``axis``: no shape change, no weights."""
    return _same(call)


@rule(f"{PREFIX}PoincareNormalize", accepts=("axis", "epsilon"))
def poincare_normalize(call: LayerCall) -> Output:
    """Normalizes along ``axis``: no shape change, no weights."""
    return _same(call)


@rule(f"{PREFIX}Snake", accepts=("frequency_initializer",))
def snake(call: LayerCall) -> Output:
    """Elementwise: no shape change; one scalar weight, the frequency (tfa gives it no name,
    so TensorFlow calls it Variable)."""
    return Output((call.shape,), (Weight("Variable", ()),), (), ("elementwise: the shape is unchanged",))


@rule(f"{PREFIX}TLU", args=(bool_arg("affine", False, doc="adds alpha"),),
      accepts=("tau_initializer", "tau_regularizer", "tau_constraint", "alpha_initializer",
               "alpha_regularizer", "alpha_constraint"))
def tlu(call: LayerCall) -> Output:
    """No shape change; tau (and alpha when ``affine``) have the input's shape without the
    batch axis, every axis of which must be known."""
    shape = call.shape
    if any(d is None for d in shape[1:]):
        raise Finding("SC302", f"an axis of the input to {call.type} \"{call.name}\" is undefined: "
                      f"{fmt_shape(shape)}; tau has the shape of a sample, every axis known (TensorFlow: "
                      "Attempt to convert a value (None) with an unsupported type)",
                      hint="give every axis but the batch axis a size")
    axes = tuple(Axis(d, f"input[{i}]", f"one entry per element of a sample: axis {i} of the input "
                      f"{fmt_shape(shape)} ({fmt(d)})") for i, d in enumerate(shape[1:], 1))
    weights = [Weight("tau", axes)] + ([Weight("alpha", axes)] if call["affine"] else [])
    return Output((shape,), tuple(weights))


@rule(f"{PREFIX}Maxout",
      args=(int_arg("num_units", doc="the size of the axis after the maximum over its groups"),
            Arg("axis", _int, -1, doc="the axis of the features", kind="int")))
def maxout(call: LayerCall) -> Output:
    """The features axis, split into ``num_units`` groups, becomes ``num_units`` (the
    maximum of each group); a known size must be a multiple of it."""
    shape, units, axis = call.shape, call["num_units"], call["axis"]
    if not -len(shape) <= axis < len(shape):
        raise Finding("SC301", f"axis {axis} is out of range for the input {fmt_shape(shape)}", arg="axis")
    n = shape[axis]
    notes = []
    _, whole = exact_div(n, units, call.facts)
    if whole is False:
        raise Finding("SC306", f"number of features({fmt(n)}) is not a multiple of num_units({units})",
                      arg="num_units", hint=f"use a divisor of {fmt(n)}")
    if whole is None and n is not None:
        notes.append(Note("SC304", f"Maxout requires {fmt(n)} to be a multiple of num_units={units}",
                          hint=f"state it in dims:, e.g. multiple_of: {units}"))
    out = list(shape)
    out[axis] = units
    return Output((tuple(out),), (), tuple(notes),
                  (f"axis {axis % len(shape)}: {fmt(n)} features in {units} groups, the maximum of each",))


@rule(f"{PREFIX}StochasticDepth", args=(float_arg("survival_probability", 0.5),), inputs=None)
def stochastic_depth(call: LayerCall) -> Output:
    """Takes [shortcut, residual] and adds them (the residual scaled): the shapes
    broadcast; no weights."""
    if len(call.inputs) != 2:
        raise Finding("SC206", "input must be a list of length 2.",
                      hint="call it on [shortcut, residual]")
    return Output((broadcast_shapes(call, call.inputs),), (), (),
                  ("shortcut + survival_probability * residual",))


# --- poolings ------------------------------------------------------------------------


def _split_axis(call: LayerCall, n: Any, bins: int, axis: int) -> Note | None:
    """tf.split of ``axis`` into ``bins`` equal parts: a known size must divide."""
    _, whole = exact_div(n, bins, call.facts)
    if whole is False:
        raise Finding("SC306", f"Dimension size must be evenly divisible by {bins} but is {fmt(n)} "
                      f"(axis {axis} of {fmt_shape(call.shape)}: tfa's adaptive pooling splits it in "
                      "equal parts)", arg="output_size",
                      hint=f"make the axis a multiple of {bins}, or use Keras 3's {call.type[len(PREFIX):]}, "
                      "which takes any size")
    if whole is None and n is not None:
        return Note("SC304", f"{call.type} requires {fmt(n)} to be divisible by {bins}",
                    hint=f"state it in dims:, e.g. multiple_of: {bins}")
    return None


def _adaptive(call: LayerCall, rank: int) -> Output:
    """tfa splits each spatial axis into output_size parts with tf.split, stacks them and
    reduces; axes after the spatial ones pass through, as the channels do."""
    shape, size, first = call.shape, call["output_size"], call["data_format"] == "channels_first"
    start = 2 if first else 1
    need_rank(call, shape, min_ndim=rank + start)
    notes = [n for i in range(rank) if (n := _split_axis(call, shape[start + i], size[i], start + i))]
    out = (*shape[:start], *size, *shape[start + rank:])
    return Output((out,), (), tuple(notes),
                  tuple(f"axis {start + i}: {fmt(shape[start + i])} in {size[i]} equal parts, each reduced"
                        for i in range(rank)))


def _adaptive_rule(name: str, rank: int) -> None:
    def fn(call: LayerCall) -> Output:
        return _adaptive(call, rank)

    fn.__doc__ = ("Each spatial axis becomes output_size; tfa splits it in that many equal parts, so a "
                  "known size must be a multiple; channels unchanged; no weights.")
    rule(f"{PREFIX}{name}", args=(tuple_arg("output_size", rank, doc="the size of each spatial axis of "
                                            "the output"), data_format_arg()))(fn)


for _rank in (1, 2, 3):
    _adaptive_rule(f"AdaptiveAveragePooling{_rank}D", _rank)
    _adaptive_rule(f"AdaptiveMaxPooling{_rank}D", _rank)


def _bins(v: Any) -> tuple[tuple[int, int], ...]:
    if isinstance(v, (str, bytes)) or not isinstance(v, (list, tuple)) or not v:
        raise ValueError(f"expected a list of bins such as [1, 2, 4] or [[1, 2], [3, 3]], got {v!r}")
    out = []
    for b in v:
        pair = (b, b) if isinstance(b, int) and not isinstance(b, bool) else b
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or \
                any(isinstance(i, bool) or not isinstance(i, int) or i < 1 for i in pair):
            raise ValueError(f"each bin is an integer >= 1 or a pair of them, got {b!r}")
        out.append(tuple(pair))
    return tuple(out)


@rule(f"{PREFIX}SpatialPyramidPooling2D",
      args=(Arg("bins", _bins, doc="the grids to pool over: n (n x n) or [rows, columns]",
                kind="[int | [int, int]]"), data_format_arg()))
def spatial_pyramid_pooling(call: LayerCall) -> Output:
    """Pools the image over each grid of ``bins`` (cutting off what does not divide) and
    lists the cells: (batch, cells, channels), cells the sum of rows x columns over the
    bins; the channels must be known; no weights."""
    shape, bins, first = call.shape, call["bins"], call["data_format"] == "channels_first"
    need_rank(call, shape, ndim=4)
    c = shape[1 if first else -1]
    if c is None:
        raise Finding("SC302", f"the channels of the input to {call.type} \"{call.name}\" are undefined: "
                      f"{fmt_shape(shape)}; tfa reshapes each pooled grid with them",
                      hint="give the channels axis a size")
    cells = sum(r * k for r, k in bins)
    out = (shape[0], c, cells) if first else (shape[0], cells, c)
    return Output((out,), (), (), (f"{cells} cells = " + " + ".join(f"{r}x{k}" for r, k in bins),))


# --- wrappers ------------------------------------------------------------------------

# Keras classes that are RNNs (tfa asks isinstance(layer, tf.keras.layers.RNN)): their
# cell holds the kernels, and the recurrent kernel is the one normalized.
_RNNS = frozenset({"SimpleRNN", "LSTM", "GRU", "RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"})


def _kernel(weights: tuple[Weight, ...], names: tuple[str, ...], layer_type: str) -> Weight | None:
    """The layer's weight of one of ``names``, as tf.keras 2 names its attributes (a
    DepthwiseConv's kernel is its ``depthwise_kernel`` there, which tfa does not look for)."""
    if layer_type.startswith("DepthwiseConv"):
        names = tuple(n for n in names if n != "kernel")
    return next((w for name in names for w in weights if w.path.rsplit("/", 1)[-1] == name), None)


@rule(f"{PREFIX}WeightNormalization",
      args=(Arg("layer", _nested_only, None, doc="the layer whose kernel is normalized", kind="layer"),
            bool_arg("data_init", True, doc="adds a frozen copy of the layer, which initializes g from "
                     "data")),
      freezes=False)
def weight_normalization(call: LayerCall) -> Output:
    """The wrapped layer's output. Weights: g (one per column of the kernel), the layer's
    own, a flag ``initialized``, and with ``data_init`` a frozen copy of the layer's
    weights (``data_dep_init/...``). The layer needs a kernel (an RNN: its cell's
    recurrent kernel)."""
    inner = _wrapped(call)
    out = apply(inner, call.inputs, call.facts, custom=call.custom)
    rnn = inner.type in _RNNS
    kernel = _kernel(out.weights, ("recurrent_kernel",) if rnn else ("kernel",), inner.type)
    if kernel is None or not rnn and "/" in kernel.path:  # a kernel of the layer itself
        raise Finding("SC405", "`WeightNormalization` must wrap a layer that contains a `kernel` for weights",
                      arg="layer", hint="wrap a Dense, a convolution or an RNN")
    depth = kernel.axes[-1]
    if call["data_init"] and not rnn and len(out.shapes) == 1:
        _data_init(call, out, depth.size)
    g = Weight("g", (Axis(depth.size, depth.formula,
                          f"one per column of the kernel {fmt_shape(kernel.shape)}: {depth.why}"),))
    flag = Weight("initialized", (), trainable=False)
    # the kernel is the wrapper's own weight (tfa keeps it as ``self.v``), and the layer's
    # tracks it no more once the wrapper's call sets a normalized kernel in its place
    rest = tuple(w for w in out.weights if w is not kernel)
    copy = tuple(replace(w, path=f"data_dep_init/{w.path}", trainable=False) for w in out.weights) \
        if call["data_init"] else ()
    if call.args.get("trainable") is False:  # tf.keras 2: its own weights first, then its layers'
        own = (g, kernel, flag)
        weights = tuple(replace(w, trainable=False) for w in (*own, *rest, *copy))
    else:
        weights = (g, kernel, *(w for w in rest if w.trainable), flag, *(w for w in rest if not w.trainable),
                   *copy)
    return Output(out.shapes, weights, out.notes,
                  (f"{inner.type}'s output; its kernel is normalized column by column and scaled by g",))


def _data_init(call: LayerCall, out: Output, depth: Any) -> None:
    """tfa's data-dependent init scales g by one factor per output channel of the layer,
    tiled to g's size, and sets the bias to one per output channel: a layer whose kernel's
    columns are not its output channels (a transposed convolution's are its inputs) fails
    when first called."""
    o = out.shapes[0][-1]
    if o is None or depth is None or o == depth:
        return
    tiled = (depth // o) * o if isinstance(depth, int) and isinstance(o, int) else None
    has_bias = _kernel(out.weights, ("bias",), "") is not None
    if tiled != depth or has_bias:
        raise Finding("SC306", f"WeightNormalization's data-dependent init scales g ({fmt(depth)}: the "
                      f"kernel's last axis) by one factor per output channel ({fmt(o)}), and TensorFlow "
                      f"refuses it (Dimensions must be equal, but are {fmt(depth)} and "
                      f"{fmt(tiled) if tiled != depth else fmt(o)})", arg="data_init",
                      hint="set data_init=False")


def _power_iterations(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
        raise ValueError(f"`power_iterations` should be greater than zero, got `power_iterations={v}`")
    return v


@rule(f"{PREFIX}SpectralNormalization",
      args=(Arg("layer", _nested_only, None, doc="the layer whose kernel is normalized", kind="layer"),
            Arg("power_iterations", _power_iterations, 1, doc="iterations of the power method; >= 1",
                kind="int >= 1")),
      freezes=False)
def spectral_normalization(call: LayerCall) -> Output:
    """The wrapped layer's output. Weights: the layer's own, then u (1, the kernel's last
    axis), not trainable. The layer needs a ``kernel`` or ``embeddings``."""
    inner = _wrapped(call)
    out = apply(inner, call.inputs, call.facts, custom=call.custom)
    kernel = _kernel(out.weights, ("kernel", "embeddings"), inner.type) if inner.type not in _RNNS else None
    if kernel is None or "/" in kernel.path:
        raise Finding("SC405", f"{inner.type} object has no attribute 'kernel' nor 'embeddings'", arg="layer",
                      hint="wrap a Dense, a convolution or an Embedding")
    last = kernel.axes[-1]
    u = Weight("sn_u", (Axis(1, "1", "one row"), Axis(last.size, last.formula,
                                                       f"the kernel's last axis {fmt_shape(kernel.shape)}: "
                                                       f"{last.why}")), trainable=False)
    if call.args.get("trainable") is False:  # tf.keras 2: its own weights first, then its layer's
        weights = (u, *(replace(w, trainable=False) for w in out.weights))
    else:
        weights = (*(w for w in out.weights if w.trainable), u, *(w for w in out.weights if not w.trainable))
    return Output(out.shapes, weights, out.notes, (f"{inner.type}'s output; its kernel is divided by its "
                                                   "largest singular value",))



# --- attention, tagging, dense ---------------------------------------------------------


def _output_size(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"expected an integer or null, got {v!r}")
    if v < 1:
        raise ValueError("output_size must be a positive number")
    return v


def _features(call: LayerCall, shape: Shape, which: str) -> Axis:
    d = shape[-1]
    if d is None:  # tfa multiplies it into a weight's shape: a TypeError
        raise Finding("SC302", f"the last axis of the {which} given to {call.type} \"{call.name}\" is "
                      f"undefined: {fmt_shape(shape)}; its kernels need it",
                      hint="give that axis a size, or fix the layer before it so the axis is known")
    return Axis(d, f"{which}[-1]",
                f"{which} features: the last axis of the {which} {fmt_shape(shape)} ({fmt(d)})")


@rule(f"{PREFIX}MultiHeadAttention",
      args=(int_arg("head_size", doc="the size of each head's query, key and value"),
            int_arg("num_heads", doc="the number of heads"),
            Arg("output_size", _output_size, None, doc="the output's last axis; null: the value's",
                kind="int >= 1 | null"),
            bool_arg("use_projection_bias", True, doc="adds projection_bias"),
            bool_arg("return_attn_coef", False, doc="also returns the attention coefficients")),
      accepts=("dropout", "kernel_initializer", "kernel_regularizer", "kernel_constraint", "bias_initializer",
               "bias_regularizer", "bias_constraint"),
      inputs=None)
def multi_head_attention(call: LayerCall) -> Output:
    """tfa's own attention (not Keras's), called on [query, key] or [query, key, value]:
    the query's shape with the last axis output_size (the value's features unless given);
    with return_attn_coef also (..., heads, query steps, key steps). Weights per head:
    query, key and value kernels (heads, features, head_size) and a projection
    (heads, head_size, output_size), plus its bias."""
    if len(call.inputs) not in (2, 3):
        raise Finding("SC206", f"{call.type} takes [query, key] or [query, key, value], got "
                      f"{len(call.inputs)} tensor(s) (tfa: TypeError)", hint="call it on a list of tensors")
    q, k = call.inputs[0], call.inputs[1]
    v = call.inputs[2] if len(call.inputs) == 3 else k
    fq, fk = _features(call, q, "query"), _features(call, k, "key")
    fv = _features(call, v, "value") if v is not k else fk
    if len(k) >= 2 and len(v) >= 2 and compare(k[-2], v[-2], call.facts) is False:
        raise Finding("SC306", "the number of elements in 'key' must be equal to the same as the number of "
                      f"elements in 'value' (key {fmt_shape(k)}, value {fmt_shape(v)})",
                      hint="give key and value the same number of steps")
    heads = Axis(call["num_heads"], "num_heads", f"one per head (num_heads={call['num_heads']})")
    size = Axis(call["head_size"], "head_size", f"each head's size (head_size={call['head_size']})")
    o = Axis(call["output_size"], "output_size", f"output_size={call['output_size']}") \
        if call["output_size"] is not None else replace(fv, why=f"the output's size, the value's: {fv.why}")
    weights = [Weight("query_kernel", (heads, fq, size)), Weight("key_kernel", (heads, fk, size)),
               Weight("value_kernel", (heads, fv, size)), Weight("projection_kernel", (heads, size, o))]
    if call["use_projection_bias"]:
        weights.append(Weight("projection_bias", (o,)))
    outs = [(*q[:-1], o.size)]
    if call["return_attn_coef"]:
        outs.append((*q[:-2], call["num_heads"], q[-2], k[-2]))
    return Output(tuple(outs), tuple(weights), (),
                  (f"the query's shape, its last axis the output size {fmt(o.size)}",))


@rule(f"{PREFIX}CRF",
      args=(int_arg("units", doc="the number of tags"),
            bool_arg("use_boundary", True, doc="adds left_boundary and right_boundary"),
            bool_arg("use_kernel", True, doc="a Dense of units makes the potentials; without it the input is "
                     "them")),
      accepts=("chain_initializer", "boundary_initializer"))
def crf(call: LayerCall) -> Output:
    """A tagger's conditional random field on (batch, steps, features): four outputs, the
    decoded tags (batch, steps), the potentials (batch, steps, units), the lengths
    (batch,) and the transitions (units, units). Weights: chain_kernel (units, units),
    the boundaries (units,), and the Dense that makes the potentials."""
    shape, units = call.shape, call["units"]
    if len(shape) != 3:  # tfa slices the potentials' third axis
        raise Finding("SC301", f"{call.type} takes (batch, steps, features), got {fmt_shape(shape)} "
                      "(TensorFlow: Index out of range using input dim 2)",
                      hint="give it a sequence: a 3-D tensor")
    u = Axis(units, "units", f"one per tag (units={units})")
    weights = [Weight("chain_kernel", (u, u))]
    if call["use_boundary"]:
        weights += [Weight("left_boundary", (u,)), Weight("right_boundary", (u,))]
    last: Any = units
    if call["use_kernel"]:
        f = input_dim_axis(call, shape, "the Dense's input features")
        weights += [Weight("dense/kernel", (f, u)), Weight("dense/bias", (u,))]
    elif compare(shape[-1], units, call.facts) is False:
        raise Finding("SC306", f"{call.type} without its kernel takes the input as the potentials of its "
                      f"{units} tags: the last axis of {fmt_shape(shape)} must be {units} (TensorFlow: "
                      f"Dimensions must be equal, but are {fmt(shape[-1])} and {units})", arg="units",
                      hint=f"set units={fmt(shape[-1])}, or use_kernel=True")
    elif not call["use_boundary"]:
        last = shape[-1]
    b, t = shape[0], shape[1]
    return Output(((b, t), (b, t, last), (b,), (units, units)), tuple(weights), (),
                  ("decoded tags, potentials, lengths and transitions",))


@rule(f"{PREFIX}NoisyDense",
      args=(int_arg("units", doc="the output's last axis"),
            bool_arg("use_bias", True, doc="adds the bias's mean, scale and noise; false fails in tfa"),
            bool_arg("use_factorised", True, doc="how the noise is made; no shape change")),
      accepts=("sigma", "activation", "kernel_regularizer", "bias_regularizer", "kernel_constraint",
               "bias_constraint"))
def noisy_dense(call: LayerCall) -> Output:
    """A Dense whose kernel and bias are a mean plus a scaled noise: mu and sigma of each
    (trainable), and the noise (not), in that order; the last axis becomes units."""
    shape, units = call.shape, call["units"]
    need_rank(call, shape, min_ndim=2)
    f = input_dim_axis(call, shape, "input features")
    if not call["use_bias"]:  # reset_noise, which build() calls, assigns to eps_bias all the same
        raise Finding("SC403", f"{call.type} with use_bias=False fails when it is built: tfa assigns "
                      "noise to its eps_bias, which it does not make (AttributeError: 'NoneType' object has "
                      "no attribute 'assign')", arg="use_bias", hint="keep use_bias=True")
    u = Axis(units, "units", f"one column per output unit (units={units})")
    weights = (Weight("sigma_kernel", (f, u)), Weight("mu_kernel", (f, u)), Weight("sigma_bias", (u,)),
               Weight("mu_bias", (u,)), Weight("eps_kernel", (f, u), trainable=False),
               Weight("eps_bias", (u,), trainable=False))
    return Output(((*shape[:-1], units),), weights, (), (f"the last axis becomes units={units}",))


def _projection(v: Any) -> int | None:
    if v is None or not isinstance(v, bool) and isinstance(v, int):
        return v
    raise ValueError(f"expected an integer or null, got {v!r}")


@rule(f"{PREFIX}PolynomialCrossing",
      args=(Arg("projection_dim", _projection, None, doc="a low-rank kernel of this rank; null: a full one",
                kind="int | null"),
            bool_arg("use_bias", True, doc="adds bias")),
      accepts=("diag_scale", "kernel_initializer", "bias_initializer", "kernel_regularizer",
               "bias_regularizer"),
      inputs=None)
def polynomial_crossing(call: LayerCall) -> Output:
    """A cross of [x0, x] (``x0 * (x @ kernel) + x``): the two shapes broadcast; the
    kernel is (d, d), or (d, projection_dim) and (projection_dim, d), d the last axis of x."""
    if len(call.inputs) != 2:
        raise Finding("SC206", "Input shapes must be a tuple or list of size 2, got "
                      f"{', '.join(fmt_shape(s) for s in call.inputs)}", hint="call it on [x0, x]")
    x = call.inputs[1]
    d = _features(call, x, "x")
    pd = call["projection_dim"]
    if pd is None:
        weights = [Weight("kernel", (d, d))]
    else:
        if pd < 0 or isinstance(d.size, int) and pd > d.size / 2:
            raise Finding("SC403", "`projection_dim` should be smaller than last_dim / 2 to improvethe model "
                          "efficiency, and should be positive. Got `projection_dim` "
                          f"{pd}, and last dimension of input {fmt(d.size)}", arg="projection_dim",
                          hint=f"use at most {fmt(d.size)} / 2")
        p = Axis(pd, "projection_dim", f"projection_dim={pd}")
        weights = [Weight("kernel_u", (d, p)), Weight("kernel_v", (p, d))]
    if call["use_bias"]:
        weights.append(Weight("bias", (d,)))
    return Output((broadcast_shapes(call, call.inputs),), tuple(weights), (), ("x0 * (x @ kernel) + x",))
