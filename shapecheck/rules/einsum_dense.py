"""EinsumDense: a kernel and bias laid out by an einsum equation.

Reference: keras/src/layers/core/einsum_dense.py. Where Keras's static shape says
something the layer does not compute (a left ellipsis reverses the elided axes), the
computed shape is reported with SC307; where it merely leaves an axis unknown (``None``
in ``output_shape``), it is mirrored, so layers after it see what they see in Keras.
"""

from __future__ import annotations

import re

from ..diagnostics import Finding
from ..dims import Dim, compare, fmt, fmt_shape
from .attention import INIT, RUNTIME, agrees, named
from .registry import (
    Arg,
    Axis,
    LayerCall,
    Note,
    Output,
    Weight,
    opt_int_arg,
    rule,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# --- EinsumDense ---------------------------------------------------------------------------------

# ``_analyze_einsum_string``: "..." becomes "0", then three forms, matched at the start
# of the string (re.match) as Keras does.
_PLAIN = re.compile("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)")
_LEFT = re.compile("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)")
_RIGHT = re.compile("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0")


def parse_equation(equation: str) -> tuple[str, str, str, str]:
    """(input letters, kernel letters, output letters, form): form is "plain", "left"
    (``...ab,bc->...ac``) or "right" (``ab...,bc->ac...``)."""
    text = re.sub(r"\.\.\.", "0", equation)
    for form, pattern in (("plain", _PLAIN), ("left", _LEFT), ("right", _RIGHT)):
        m = pattern.match(text)
        if m:
            return m.group(1), m.group(2), m.group(3), form
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def _equation_arg(v: Any) -> str:
    if not isinstance(v, str):
        raise ValueError(f"expected an einsum equation such as 'abc,cd->abd', got {v!r}")
    parse_equation(v)
    return v


def _einsum_output_shape(v: Any) -> tuple[int | None, ...]:
    items = (v,) if isinstance(v, int) and not isinstance(v, bool) else v
    if isinstance(items, str) or not isinstance(items, (list, tuple)) or any(
            i is not None and (isinstance(i, bool) or not isinstance(i, int) or i < 1) for i in items):
        raise ValueError(f"expected an integer >= 1 or a list of integers >= 1 and nulls, got {v!r}")
    return tuple(items)


def _bias_axes(v: Any) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str) or not v:
        raise ValueError(f"expected output letters of the equation such as 'd', or null, got {v!r}")
    return v


@rule("EinsumDense",
      args=(
          Arg("equation", _equation_arg, doc="'ab,bc->ac', '...ab,bc->...ac' or 'ab...,bc->ac...': "
              "input, kernel and output letters", kind="str"),
          Arg("output_shape", _einsum_output_shape, doc="the output's sizes after the batch axis and "
              "the ellipsis; null: unknown (Keras leaves that axis None)", kind="int | [int | null]"),
          Arg("bias_axes", _bias_axes, None, "output letters that get a bias; the bias spans from "
              "the first of them to the end of the output, 1 on the others", "str | null"),
          opt_int_arg("lora_rank", min=0, doc="adds lora_kernel_a (kernel[:-1], rank) and "
                      "lora_kernel_b (rank, kernel[-1]) and freezes the kernel (0 or null: no LoRA)"),
      ),
      accepts=("activation", *INIT, "lora_alpha", "gptq_unpacked_column_size",
               "quantization_config"))
def einsum_dense(call: LayerCall) -> Output:
    """The kernel has one axis per kernel letter: an output letter takes its size from
    ``output_shape``, a contracted letter from the input. The output keeps the batch
    axis and the axes under ``...``; an output letter shared with the input keeps the
    input's size at run time, but Keras's static shape says None where
    ``output_shape`` does."""
    shape = call.shape
    inp, ker, out, form = parse_equation(call["equation"])
    partial = list(call["output_shape"])
    elided = len(shape) - len(inp)
    left = form == "left"
    if elided < 0 or form == "plain" and elided:
        raise Finding("SC301", f'Input 0 of layer "{call.name}" (EinsumDense) has rank {len(shape)}: '
                      f"{fmt_shape(shape)}, but the equation's input '{inp}' names {len(inp)} axes"
                      + (f" ({RUNTIME})" if elided > 0 else ""),
                      hint="give the equation one input letter per axis, or use '...' for the "
                      "leading or trailing axes")
    # The full static output, as _analyze_split_string builds it, each size with its source.
    full: list[tuple[Dim, str]] = [(shape[0], "input axis 0 (the batch axis)")]
    if left:
        for i in range(1, elided):
            full.insert(1, (shape[i], f"input axis {i} (under '...')"))
    full += [(d, f"output_shape[{j}]") for j, d in enumerate(partial)]
    if elided > 0 and not left:
        full += [(shape[i], f"input axis {i} (under '...')") for i in range(len(shape) - elided,
                                                                             len(shape))]
    if left:
        in_map = {c: i + elided for i, c in enumerate(inp)}
        out_map = {c: i + elided for i, c in enumerate(out)}
    else:
        in_map = {c: i for i, c in enumerate(inp)}
        out_map = {c: i for i, c in enumerate(out)}
    # One size per output letter after the batch axis (a left '...' holds the batch axis).
    want = len(out) - (0 if left and elided else 1)
    if len(partial) < want:
        raise Finding("SC403", f"EinsumDense output_shape={list(partial)} is too short for the "
                      f"equation '{call['equation']}' on {fmt_shape(shape)}: the output letters "
                      f"'{out}' need {want} sizes", arg="output_shape",
                      hint="one size (or null) per output letter after the batch axis")
    notes: list[Note] = []
    for c in inp:
        if c in out_map:
            o, i = full[out_map[c]][0], shape[in_map[c]]
            if o is None:
                continue
            msg = (f"Input shape and output shape do not match at shared dimension '{c}'. Input shape "
                   f"is {fmt(i)}, and output shape is {fmt(o)}.")
            same = None if i is None else compare(o, i, call.facts)
            if i is None or same is False:
                raise Finding("SC306", msg, arg="output_shape", hint=f"set output_shape for '{c}' "
                              f"to null or to the input's size" + (" (Keras compares with !=, so "
                                                                   "an unknown input size never "
                                                                   "matches)" if i is None else ""))
            if same is None:
                notes.append(Note("SC304", f"EinsumDense \"{call.name}\" requires {fmt(i)} == {fmt(o)} "
                                  f"(letter '{c}': the input's size and output_shape's)",
                                  hint="state it in dims:"))
    for c in out:
        if c not in inp and c not in ker:
            raise Finding("SC403", f"Dimension '{c}' was specified in the output '{out}' but has no "
                          f"corresponding dim in the input spec '{inp}' or weight spec '{ker}'",
                          arg="equation")
    kernel: list[Axis] = []
    for c in ker:
        if c in out_map:
            size, src = full[out_map[c]]
            axis = Axis(size, src, f"kernel letter '{c}' is an output letter: {src}")
        elif c in in_map:
            pos = in_map[c] if in_map[c] >= 0 else len(shape) + in_map[c]
            size, src = shape[in_map[c]], f"input axis {pos}"
            axis = Axis(size, src, f"kernel letter '{c}' is contracted with input axis {pos} of "
                        f"{fmt_shape(shape)}{named(size)}")
        else:
            raise Finding("SC403", f"Weight dimension '{c}' did not have a match in either the input "
                          f"spec '{inp}' or the output spec '{out}'. For this layer, the weight must "
                          "be fully specified.", arg="equation")
        if size is None:
            raise Finding("SC302", f"EinsumDense \"{call.name}\": the kernel's axis for letter '{c}' "
                          f"is unknown ({src} is None, input {fmt_shape(shape)}); Keras cannot create "
                          "a weight with an unknown size",
                          hint="give that size in output_shape" if src.startswith("output_shape")
                          else "give that input axis a size in `inputs:` (or a name such as d)",
                          arg="output_shape" if src.startswith("output_shape") else None)
        kernel.append(axis)
    lora = call["lora_rank"]
    weights = [Weight("kernel", tuple(kernel), trainable=not lora)]
    if call["bias_axes"] is not None:
        weights.append(Weight("bias", _einsum_bias(call, out, full, elided, left)))
    if lora:
        if call.args.get("kernel_constraint") is not None:
            raise Finding("SC403", "Lora is incompatible with kernel constraints. In order to enable "
                          "lora on this layer, remove the `kernel_constraint` argument.",
                          arg="lora_rank")
        r = Axis(lora, "lora_rank", f"the LoRA rank (lora_rank={lora})")
        weights += [Weight("lora_kernel_a", (*kernel[:-1], r)), Weight("lora_kernel_b", (r, kernel[-1]))]
    static = tuple(d for d, _ in full)
    # An output letter of the input keeps the input's size; where output_shape also gives
    # it, the two are equal (checked above, or stated as a condition).
    sizes = {c: kernel[ker.index(c)].size if c not in in_map else
             full[out_map[c]][0] if full[out_map[c]][0] is not None else shape[in_map[c]]
             for c in out}
    body = tuple(sizes[c] for c in out)
    if left:
        real = (*shape[:elided], *body)
    else:
        real = (*body, *(shape[len(shape) - elided:] if elided > 0 else ()))
    why = [f"'{call['equation']}' on {fmt_shape(shape)}: the output letters '{out}'"
           + (" after the axes under '...'" if left and elided else
              " then the axes under '...'" if form == "right" and elided else "")]
    if agrees(static, real, call):
        unknown = [i for i, (s, r) in enumerate(zip(static, real)) if s is None and r is not None]
        if unknown:
            why.append(f"axis {', '.join(map(str, unknown))}: output_shape says None there, so Keras's "
                       f"static shape leaves it unknown; at run time it is "
                       f"{', '.join(fmt(real[i]) for i in unknown)}, the input's size")
        return Output((static,), tuple(weights), tuple(notes), tuple(why))
    causes = ([f"output_shape has {len(partial)} sizes, the equation's output letters need {want}"]
              if len(partial) > want else []) + \
        (["Keras inserts the axes under a left '...' in reverse order"] if left and elided > 2 else [])
    causes = causes or ["Keras's static shape is built from output_shape, not from the equation"]
    # Sizes that may or may not be equal (1 and t): the static shape is right only if
    # they are; the computed shape is reported, and the condition said, not guessed.
    unless = list(dict.fromkeys(" == ".join(sorted((fmt(s), fmt(r)))) for s, r in zip(static, real)
                                if s is not None and r is not None and compare(s, r, call.facts) is None)) \
        if len(static) == len(real) else []
    condition = f" (they agree only if {' and '.join(unless)})" if unless else ""
    notes.append(Note("SC307", f"Keras's static output shape for \"{call.name}\" is {fmt_shape(static)}, "
                      f"but the einsum computes {fmt_shape(real)}{condition}: {'; '.join(causes)}",
                      hint="layers built after it in Keras see the static shape"
                      + ("; give output_shape one size per output letter" if len(partial) > want
                         else "")))
    return Output((real,), tuple(weights), tuple(notes), tuple(why))


def _einsum_bias(call: LayerCall, out: str, full: list[tuple[Dim, str]], elided: int,
                 left: bool) -> tuple[Axis, ...]:
    """The bias spans the output from its first bias letter to the end, size 1 on the
    letters not in bias_axes (and on the axes under a right '...')."""
    bias_axes = call["bias_axes"]
    for c in bias_axes:
        if c not in out:
            raise Finding("SC403", f"Bias dimension '{c}' was requested, but is not part of the output "
                          f"spec '{out}'", arg="bias_axes")
    offset = elided if left else 0
    first = min(out.find(c) for c in bias_axes)
    axes = []
    for i in range(first, len(out)):
        c = out[i]
        if c in bias_axes:
            size, src = full[i + offset]
            if size is None:
                raise Finding("SC302", f"EinsumDense \"{call.name}\": the bias axis for letter '{c}' is "
                              f"unknown ({src} is None); Keras cannot create a weight with an unknown "
                              "size", arg="output_shape",
                              hint=f"give '{c}' a size in output_shape, or leave it out of bias_axes")
            axes.append(Axis(size, src, f"bias letter '{c}': {src}"))
        else:
            axes.append(Axis(1, "1", f"output letter '{c}' is not in bias_axes: broadcast"))
    if not left:
        axes += [Axis(1, "1", "an axis under '...': broadcast")] * max(elided, 0)
    return tuple(axes)
