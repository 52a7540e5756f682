"""Core layers: Dense, Embedding, the shape-preserving layers, and the reshapers.

References: keras/src/layers/core/{dense,embedding,masking}.py, tf_keras's
engine/base_layer.py (AddLoss, AddMetric),
keras/src/layers/reshaping/{flatten,reshape,repeat_vector}.py and
``operation_utils.compute_reshape_output_shape``.
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import NamedSize, compare, exact_div, fmt, fmt_shape, product
from .checks import input_dim_axis, need_rank
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
    named_size,
    opt_int_arg,
    rule,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _lora(call: LayerCall, rows: Axis, cols: Axis, a: str, b: str) -> tuple[Weight, ...]:
    """LoRA adds two low-rank factors and freezes the full matrix (``enable_lora``)."""
    rank = call["lora_rank"]
    r = Axis(rank, "lora_rank", f"the LoRA rank (lora_rank={rank})")
    return (Weight(a, (rows, r)), Weight(b, (r, cols)))


@rule(
    "Dense",
    args=(
        int_arg("units", doc="output width: the last axis of the output", symbolic=True),
        bool_arg("use_bias", True, doc="adds the bias vector of shape (units,)"),
        opt_int_arg("lora_rank", min=0, doc="adds lora_kernel_a/b and freezes the kernel "
                    "(0 or null: no LoRA)"),
    ),
    accepts=("activation", "kernel_initializer", "bias_initializer", "kernel_regularizer",
             "bias_regularizer", "kernel_constraint", "bias_constraint", "lora_alpha",
             "quantization_config"),
)
def dense(call: LayerCall) -> Output:
    """Replaces the last axis with ``units``; works on any rank >= 2 (the kernel is
    applied to the last axis only)."""
    shape = call.shape
    need_rank(call, shape, min_ndim=2)
    units = call["units"]
    rows = input_dim_axis(call, shape, "input features")
    cols = Axis(units, "units", f"one column per output unit (units={units})")
    weights = [Weight("kernel", (rows, cols), trainable=not call["lora_rank"])]
    if call["use_bias"]:
        weights.append(Weight("bias", (cols,)))
    if call["lora_rank"]:
        weights += _lora(call, rows, cols, "lora_kernel_a", "lora_kernel_b")
    return Output((shape[:-1] + (units,),), tuple(weights))


@rule(
    "Embedding",
    args=(
        int_arg("input_dim", doc="vocabulary size: token ids are 0..input_dim-1", symbolic=True),
        int_arg("output_dim", doc="length of each embedding vector", symbolic=True),
        bool_arg("mask_zero", False, doc="id 0 is padding; no shape change"),
        opt_int_arg("lora_rank", min=0, doc="adds lora_embeddings_a/b and freezes embeddings "
                    "(0 or null: no LoRA)"),
    ),
    accepts=("embeddings_initializer", "embeddings_regularizer", "embeddings_constraint",
             "weights", "lora_alpha", "quantization_config", "input_length"),
)
def embedding(call: LayerCall) -> Output:
    """Appends ``output_dim``: each integer id becomes a vector."""
    vocab, width = call["input_dim"], call["output_dim"]
    rows = Axis(vocab, "input_dim", f"one row per token id 0..{vocab - 1} (input_dim={vocab})")
    cols = Axis(width, "output_dim", f"the vector each id is mapped to (output_dim={width})")
    weights = [Weight("embeddings", (rows, cols), trainable=not call["lora_rank"])]
    if call["lora_rank"]:
        weights += _lora(call, rows, cols, "lora_embeddings_a", "lora_embeddings_b")
    return Output((call.shape + (width,),), tuple(weights))


def same_shape(call: LayerCall) -> Output:
    """The output is shaped like the input."""
    return Output((call.shape,))


rule("Dropout", args=(float_arg("rate", doc="fraction of units dropped; no shape change"),),
     accepts=("noise_shape", "seed"))(same_shape)
rule("Activation", args=(Arg("activation", lambda v: v, doc="no shape change"),))(same_shape)
rule("Masking", accepts=("mask_value",))(same_shape)
# tf.keras 2 inserts these into a functional model for ``model.add_loss(tensor)`` and
# ``model.add_metric(tensor)`` (tf_keras's engine/base_layer.py): each passes its input
# through and keeps it as a loss or a metric; no output of the model needs them.
rule("AddLoss", args=(bool_arg("unconditional", False, doc="a loss that does not depend on the "
                               "inputs; no shape change"),))(same_shape)
rule("AddMetric", args=(choice_arg("aggregation", ("mean", None), None, doc="how the metric is "
                                   "aggregated; no shape change"),),
     accepts=("metric_name",))(same_shape)


@rule("Flatten", args=(choice_arg("data_format", ("channels_last", "channels_first", None), None,
                                  doc="changes the order of elements, not the count"),))
def flatten(call: LayerCall) -> Output:
    """Keeps the batch axis and multiplies the rest; unknown if any of them is."""
    shape = call.shape
    need_rank(call, shape, min_ndim=1)
    return Output(((shape[0], product(shape[1:])),))


def _target_shape(v: Any) -> tuple[Any, ...]:
    if isinstance(v, str) or not isinstance(v, (list, tuple)):
        raise ValueError(f"expected a list of sizes such as [4, -1], got {v!r}")
    # a size's name (x.shape[1] of a named size, in Python source) is that named size
    v = [named_size(d) or d for d in v]
    for d in v:
        if d.__class__ is NamedSize:
            continue
        if isinstance(d, bool) or not isinstance(d, int) or (d < 1 and d != -1):
            raise ValueError(f"sizes must be positive integers, names or -1, got {d!r} in {list(v)}")
    if sum(1 for d in v if isinstance(d, int) and d == -1) > 1:
        raise ValueError(f"there must be at most one -1, got {list(v)}")
    return tuple(v)


@rule("Reshape", args=(Arg("target_shape", _target_shape, doc="the new shape without the batch "
                                                           "axis; one -1 is inferred", kind="[int]"),))
def reshape(call: LayerCall) -> Output:
    """Keeps the batch axis; one ``-1`` is inferred from the element count. Keras can
    only check the count when every axis is known; with named sizes we check it
    symbolically and state the condition when it depends on them."""
    shape, target = call.shape, call["target_shape"]
    body = shape[1:]
    if any(d is None for d in body):
        return Output(((shape[0], *(None if d == -1 else d for d in target)),))
    size = product(body)
    known = product(d for d in target if d != -1)
    notes = []
    if -1 not in target:
        same = compare(size, known, call.facts)
        if same is False:
            raise Finding("SC303", f"Reshape to {tuple(target)} needs {fmt(known)} elements per sample; "
                          f"the input {fmt_shape(shape)} has {fmt(size)}",
                          hint=f"make target_shape multiply out to {fmt(size)}, or use -1 for one axis")
        if same is None:
            notes.append(Note("SC304", f"Reshape to {tuple(target)} requires {fmt(size)} == {fmt(known)}",
                              hint="add dims: assumptions that fix the size, or use -1"))
        return Output(((shape[0], *target),), notes=tuple(notes))
    inferred, whole = exact_div(size, known, call.facts)
    if whole is False:
        raise Finding("SC303", f"Reshape to {tuple(target)}: the input {fmt_shape(shape)} has "
                      f"{fmt(size)} elements per sample, not divisible by {fmt(known)}",
                      hint=f"make the known sizes of target_shape divide {fmt(size)}")
    if whole is None:
        notes.append(Note("SC304", f"Reshape to {tuple(target)} requires {fmt(size)} to be divisible "
                          f"by {fmt(known)}", hint="state it in dims:, e.g. multiple_of"))
    return Output(((shape[0], *(inferred if d == -1 else d for d in target)),), notes=tuple(notes))


@rule("RepeatVector", args=(int_arg("n", doc="number of repetitions: the new axis 1"),))
def repeat_vector(call: LayerCall) -> Output:
    """(batch, features) -> (batch, n, features)."""
    shape = call.shape
    need_rank(call, shape, ndim=2)
    return Output(((shape[0], call["n"], shape[1]),))
