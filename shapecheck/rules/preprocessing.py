"""Preprocessing layers whose output shape follows from the config: the encoders and
lookups (CategoryEncoding, Hashing, HashedCrossing, Discretization, IntegerLookup,
StringLookup, TextVectorization), and the helpers the image and spectrogram modules
(``image_preprocessing``, ``spectrograms``) share with them.

References: keras/src/layers/preprocessing/; each rule follows the layer's
``compute_output_shape`` (or ``compute_output_spec``), the shape Keras builds the layers
after it from. Where the layer returns another shape when it runs (TensorFlow backend),
the rule still reports Keras's static shape, so weights and parameter counts downstream
match what Keras builds, and an SC307 warning gives the shape at run time. Where a run
always fails, the rule reports an error: Keras builds such a model and fails only when
it trains or predicts.

A vocabulary given as a file path is never opened: its size is then unknown (None)
unless the config records ``vocabulary_size`` (Keras writes it when it saves a model).
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import Dim, Shape, compare, fmt, fmt_shape
from .registry import (
    REQUIRED,
    Arg,
    LayerCall,
    Note,
    Output,
    bool_arg,
    choice_arg,
    int_arg,
    opt_int_arg,
    rule,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def any_arg(name: str, default: Any = REQUIRED, doc: str = "no shape change") -> Arg:
    return Arg(name, lambda v: v, default, doc, "any")


def differs(a: Shape, b: Shape, call: LayerCall) -> bool:
    """Provably different shapes (another rank, or an axis provably another size)."""
    return len(a) != len(b) or any(compare(x, y, call.facts) is False for x, y in zip(a, b))


def runtime_note(call: LayerCall, static: Shape, runtime: Shape | None, when: str = "") -> tuple[Note, ...]:
    """An SC307 warning when the layer returns another shape than Keras's static one."""
    if runtime is None or not differs(static, runtime, call):
        return ()
    return (Note("SC307", f"{call.type} returns {fmt_shape(runtime)} when it runs{when}, but Keras's "
                 f"static output shape is {fmt_shape(static)}; shapecheck reports the static shape, "
                 "which Keras builds the layers after it from",
                 hint="layers after it that depend on the differing axes fail when the model runs"),)


def is_one(call: LayerCall, d: Dim, notes: list[Note], what: str) -> bool:
    """Whether an axis is 1 (Keras's one_hot drops a last axis of 1); a named size that
    may or may not be 1 is taken as not 1, with a note."""
    same = compare(d, 1, call.facts)
    if same is None and d is not None:
        notes.append(Note("SC304", f"{call.type}'s output rank depends on whether {fmt(d)} is 1 "
                          f"({what}); assumed it is not",
                          hint=f"state it in dims:, e.g. min: 2 for {fmt(d)}"))
    return bool(same)



# --- encoders -----------------------------------------------------------------------------

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_ALIASES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


def _mode_arg(modes: tuple[str, ...], default: str, doc: str) -> Arg:
    options = modes + tuple(a for a, m in _ALIASES.items() if m in modes)

    def check(v: Any) -> str:
        if v not in options:
            raise ValueError(f"expected one of {', '.join(map(repr, options))}, got {v!r}")
        return _ALIASES.get(v, v)

    return Arg("output_mode", check, default, doc, " | ".join(map(repr, options)))


def _one_hot(call: LayerCall, shape: Shape, depth: Dim, notes: list[Note],
             drop_rank1: bool = False) -> Shape:
    """Keras's one_hot shape: a new last axis of ``depth``, except that a last axis of
    1 is replaced (when the rank is above 1, or always with ``drop_rank1``)."""
    if shape and (len(shape) > 1 or drop_rank1) and is_one(call, shape[-1], notes, "a last axis of "
                                                            "1 is replaced, not kept"):
        return (*shape[:-1], depth)
    return (*shape, depth)


def _reduced(shape: Shape, depth: Dim) -> Shape:
    """multi_hot / count / tf_idf as compute_output_shape has it: the last axis holds
    the tokens of one sample and becomes ``depth``."""
    return (*shape[:-1], depth)


def _reduced_runtime(shape: Shape, depth: Dim) -> Shape:
    """What the TensorFlow backend returns: bincount over the last axis up to rank 2;
    from rank 3 keras.ops.multi_hot reduces axis 1 instead."""
    if len(shape) >= 3:
        return (shape[0], *shape[2:], depth)
    return (*shape[:-1], depth)


def _encode(call: LayerCall, shape: Shape, mode: str, depth: Dim, what: str) -> Output:
    """The output of an encoder whose compute_output_shape is the common one."""
    notes: list[Note] = []
    if mode == "int":
        return Output((shape,), (), (), ("output_mode='int': one integer per input value; the shape "
                                         "is the input's",))
    if mode == "one_hot":
        out = _one_hot(call, shape, depth, notes)
        why = f"output_mode='one_hot': each value becomes a vector of {what}"
        return Output((out,), (), tuple(notes), (why,))
    out = _reduced(shape, depth)
    notes += runtime_note(call, out, _reduced_runtime(shape, depth))
    why = (f"output_mode={mode!r}: the last axis (the values of one sample) becomes one vector of "
           f"{what}")
    return Output((out,), (), tuple(notes), (why,))


@rule("CategoryEncoding",
      args=(int_arg("num_tokens", doc="the number of categories: the length of each encoded vector"),
            _mode_arg(("one_hot", "multi_hot", "count"), "multi_hot",
                      "one_hot adds an axis (replaces a last axis of 1); multi_hot and count "
                      "replace the last axis")),
      accepts=("sparse",))
def category_encoding(call: LayerCall) -> Output:
    """The last axis becomes num_tokens (multi_hot, count); one_hot adds an axis of
    num_tokens, replacing a last axis of 1."""
    shape, n = call.shape, call["num_tokens"]
    if not shape:
        return Output(((n,),))
    return _encode(call, shape, call["output_mode"], n, f"num_tokens={n}")


def _dtype_name(v: Any) -> str | None:
    if isinstance(v, str):
        return v
    if isinstance(v, dict):  # a serialized DTypePolicy
        cfg = v.get("config")
        if isinstance(cfg, dict) and isinstance(cfg.get("name"), str):
            return cfg["name"]
    return None


@rule("Hashing",
      args=(int_arg("num_bins", doc="the number of hash bins: the encoded vectors' length"),
            _mode_arg(("int", "one_hot", "multi_hot", "count"), "int",
                      "int keeps the shape; the others replace the last axis with num_bins")),
      accepts=("mask_value", "salt", "sparse"))
def hashing(call: LayerCall) -> Output:
    """output_mode int: no shape change; otherwise the last axis becomes num_bins
    (Keras's static shape treats one_hot as multi_hot; a warning gives the shape at run
    time when it differs)."""
    shape, n, mode = call.shape, call["num_bins"], call["output_mode"]
    dtype = _dtype_name(call.args.get("dtype"))
    if mode == "int" and dtype is not None and dtype not in ("int32", "int64"):
        raise Finding("SC403", "When `output_mode=\"int\"`, `dtype` should be an integer type, 'int32' "
                      f"or 'in64'. Received: dtype={dtype}", arg="dtype")
    if mode == "int":
        return Output((shape,), (), (), ("output_mode='int': one bin index per input value",))
    if not shape:
        return Output(((n,),))
    out = _reduced(shape, n)
    notes: list[Note] = []
    runtime = _one_hot(call, shape, n, []) if mode == "one_hot" else _reduced_runtime(shape, n)
    notes += runtime_note(call, out, runtime)
    return Output((out,), (), tuple(notes), (f"output_mode={mode!r}: the last axis becomes num_bins={n}",))


@rule("HashedCrossing",
      args=(int_arg("num_bins", doc="the number of hash bins"),
            _mode_arg(("int", "one_hot"), "int", "int keeps the first input's shape; one_hot adds "
                      "num_bins (replacing a last axis of 1)")),
      accepts=("sparse",), inputs=2)
def hashed_crossing(call: LayerCall) -> Output:
    """Crosses two features of the same last axis: int keeps the first input's shape;
    one_hot adds an axis of num_bins, or replaces a last axis of 1."""
    a, b = call.inputs
    if not a or not b:
        raise Finding("SC301", f"HashedCrossing crosses two tensors of rank >= 1, got {fmt_shape(a)} and "
                      f"{fmt_shape(b)}")
    notes: list[Note] = []
    same = compare(a[-1], b[-1], call.facts)
    if (a[-1] is None) != (b[-1] is None) or same is False:
        raise Finding("SC306", "Expected the two input tensors to have identical shapes. Received "
                      f"input_shape={[fmt_shape(a), fmt_shape(b)]}",
                      hint="Keras compares their last axes: give both the same size")
    if same is None and a[-1] is not None:
        notes.append(Note("SC304", f"HashedCrossing requires {fmt(a[-1])} == {fmt(b[-1])} (the last axes "
                          "of its two inputs)"))
    n = call["num_bins"]
    if call["output_mode"] == "int":
        return Output((a,), (), tuple(notes), ("output_mode='int': shaped like the first input",))
    out = _one_hot(call, a, n, notes, drop_rank1=True)
    return Output((out,), (), tuple(notes), (f"output_mode='one_hot': vectors of num_bins={n}",))


def _boundaries(v: Any) -> list | None:
    if v is None:
        return None
    if isinstance(v, (list, tuple)) and all(isinstance(x, (int, float)) and not isinstance(x, bool)
                                            for x in v):
        return list(v)
    raise ValueError(f"expected a list of numbers, got {v!r}")


@rule("Discretization",
      args=(Arg("bin_boundaries", _boundaries, None, doc="len(bin_boundaries) + 1 bins",
                kind="[float] | null"),
            opt_int_arg("num_bins", min=0, doc="the number of bins (learned by adapt)"),
            _mode_arg(("int", "one_hot", "multi_hot", "count"), "int",
                      "int keeps the shape; the others encode into the bins")),
      accepts=("epsilon", "sparse"))
def discretization(call: LayerCall) -> Output:
    """int: no shape change. one_hot adds an axis of bins (replacing a last axis of
    1); multi_hot and count give (batch, axes 2..., bins), axis 1 reduced."""
    shape, mode = call.shape, call["output_mode"]
    bounds, num = call["bin_boundaries"], call["num_bins"]
    if num is not None and bounds is not None:
        raise Finding("SC403", "Both `num_bins` and `bin_boundaries` should not be set. Received: "
                      f"`num_bins={num}` and `bin_boundaries={bounds}`", arg="num_bins")
    if num is None and bounds is None:
        raise Finding("SC404", "You need to set either `num_bins` or `bin_boundaries`.",
                      hint="add `num_bins: ...` or `bin_boundaries: [...]`")
    if mode == "int":
        return Output((shape,), (), (), ("output_mode='int': one bin index per input value",))
    depth = len(bounds) + 1 if bounds is not None else num
    what = f"len(bin_boundaries) + 1 = {depth}" if bounds is not None else f"num_bins={depth}"
    notes: list[Note] = []
    if mode == "one_hot":
        out = _one_hot(call, shape, depth, notes)
    elif len(shape) >= 2:
        out = (shape[0], *shape[2:], depth)
    else:
        out = (depth,)
    return Output((out,), (), tuple(notes), (f"output_mode={mode!r}: {what} bins",))


# --- lookups ------------------------------------------------------------------------------


def _vocab_size(call: LayerCall, mode: str, mask: Any, oov: Any, num_oov: int,
                invert: bool = False) -> tuple[Dim, str]:
    """The vocabulary size Keras records (``_frozen_vocab_size``), validated as
    ``IndexLookup.set_vocabulary`` does; None when only adapt() or a file gives it."""
    vocab, recorded, max_tokens = call["vocabulary"], call["vocabulary_size"], call["max_tokens"]
    oov_start = 1 if mask is not None and mode == "int" else 0
    token_start = oov_start + num_oov
    if isinstance(vocab, (list, tuple)):
        vocab = list(vocab)
        if not vocab:
            raise Finding("SC403", f"Cannot set an empty vocabulary. Received: vocabulary={vocab}",
                          arg="vocabulary")
        special = [mask] * oov_start + [oov] * num_oov
        tokens = vocab[token_start:] if vocab[:token_start] == special else vocab
        try:
            repeated = sorted({t for t in tokens if tokens.count(t) > 1}, key=repr)
        except TypeError:
            raise Finding("SC403", f"vocabulary terms must be strings or integers, got {vocab!r}",
                          arg="vocabulary") from None
        if repeated:
            raise Finding("SC403", "The passed vocabulary has at least one repeated term. Please "
                          f"uniquify your dataset. The repeated terms are: {repeated}", arg="vocabulary")
        if mask is not None and mask in tokens or invert and oov is not None and oov in tokens:
            token = mask if mask is not None and mask in tokens else oov
            raise Finding("SC403", f"Found reserved token {token!r} at unexpected location in "
                          "`vocabulary`", arg="vocabulary",
                          hint=f"remove the mask and OOV tokens, or put them first in this order: "
                          f"{special}")
        size = token_start + len(tokens)
        if max_tokens is not None and size > max_tokens:
            raise Finding("SC403", "Attempted to set a vocabulary larger than the maximum vocab size. "
                          f"Received vocabulary size is {size}; `max_tokens` is {max_tokens}.",
                          arg="vocabulary")
        idf = call["idf_weights"]
        if idf is not None and isinstance(idf, (list, tuple)) and len(idf) != len(vocab):
            raise Finding("SC403", "`idf_weights` must be the same length as vocabulary. "
                          f"len(idf_weights) is {len(idf)}; len(vocabulary) is {len(vocab)}",
                          arg="idf_weights")
        if recorded is not None and recorded != size and mode != "int" and not call["pad_to_max_tokens"]:
            raise Finding("SC403", f"vocabulary_size={recorded} disagrees with the vocabulary given "
                          f"({size} with the OOV indices)", arg="vocabulary_size")
        parts = f"{num_oov} OOV index(es) + " if num_oov else ""
        return size, f"{parts}{len(tokens)} vocabulary terms = {size}"
    if recorded is not None:
        return recorded, f"vocabulary_size={recorded}, " + (
            "as the config records it" if isinstance(recorded, int) else "what adapt() learns from data")
    if isinstance(vocab, str):
        return None, "the vocabulary is a file, which shapecheck never opens: its size is unknown"
    return None, "no vocabulary in the config (adapt() sets it): its size is unknown"


def _lookup_args(mode_doc: str) -> tuple[Arg, ...]:
    return (
        opt_int_arg("max_tokens", min=0, doc="the vocabulary's maximum size (> 1), OOV and mask "
                    "included; the depth with pad_to_max_tokens"),
        _mode_arg(_MODES, "int", mode_doc),
        bool_arg("pad_to_max_tokens", False, doc="the encoded depth is max_tokens"),
        any_arg("vocabulary", None, "a list (its length gives the depth) or a file path (never "
             "opened: the depth is unknown unless vocabulary_size is given)"),
        any_arg("idf_weights", None, "tf_idf only; as long as the vocabulary"),
        opt_int_arg("vocabulary_size", doc="the vocabulary size Keras records in a saved config, or a "
                    "named size (what adapt() learns from data); the depth when there is no vocabulary "
                    "list", symbolic=True),
        bool_arg("sparse", False, doc="no shape change (not with output_mode int)"),
    )


def _check_lookup(call: LayerCall, mode: str, invert: bool = False) -> None:
    max_tokens = call["max_tokens"]
    if max_tokens is not None and max_tokens <= 1:
        raise Finding("SC403", f"If set, `max_tokens` must be greater than 1. Received: "
                      f"max_tokens={max_tokens}", arg="max_tokens")
    if call["pad_to_max_tokens"] and max_tokens is None:
        raise Finding("SC403", "If pad_to_max_tokens is True, must set `max_tokens`. Received: "
                      "max_tokens=None", arg="pad_to_max_tokens")
    if invert and mode != "int":
        raise Finding("SC403", f"`output_mode` must be `'int'` when `invert` is true. Received: "
                      f"output_mode={mode}", arg="invert")
    if call["sparse"] and mode == "int":
        raise Finding("SC403", "`sparse` may only be true if `output_mode` is `'one_hot'`, "
                      "`'multi_hot'`, `'count'` or `'tf_idf'`.", arg="sparse")
    if call["idf_weights"] is not None and mode != "tf_idf":
        raise Finding("SC403", "`idf_weights` should only be set if `output_mode` is `'tf_idf'`. "
                      f"Received: output_mode={mode}", arg="idf_weights")
    if mode == "tf_idf" and call["vocabulary"] is not None and call["idf_weights"] is None:
        raise Finding("SC403", "When specifying the `vocabulary` argument, in TF-IDF output mode, the "
                      "`idf_weights` argument must also be provided.", arg="idf_weights")


def _lookup(call: LayerCall) -> Output:
    mode, invert = call["output_mode"], call["invert"]
    _check_lookup(call, mode, invert)
    mask, oov, num_oov = call["mask_token"], call["oov_token"], call["num_oov_indices"]
    size, what = _vocab_size(call, mode, mask, oov, num_oov, invert)
    depth, what = (call["max_tokens"], f"max_tokens={call['max_tokens']} (pad_to_max_tokens)") \
        if call["pad_to_max_tokens"] else (size, what)
    out = _encode(call, call.shape, mode, depth, what)
    if mode == "int" and invert:
        out = Output(out.shapes, (), (), ("invert=True: one token per index; the shape is the input's",))
    return out


_LOOKUP_MODE_DOC = ("int keeps the shape (so does invert); one_hot adds an axis of the vocabulary "
                    "size; multi_hot, count and tf_idf replace the last axis with it")


@rule("IntegerLookup",
      args=(*_lookup_args(_LOOKUP_MODE_DOC),
            int_arg("num_oov_indices", 1, min=0, doc="indices for out-of-vocabulary values, part of "
                    "the depth"),
            any_arg("mask_token", None, "counted in the vocabulary size only in output_mode int"),
            any_arg("oov_token", -1, "no shape change"),
            bool_arg("invert", False, doc="maps indices back to values (output_mode int only)"),
            choice_arg("vocabulary_dtype", ("int64",), "int64", doc="only int64")),
      accepts=("oov_method", "salt"))
def integer_lookup(call: LayerCall) -> Output:
    """int: no shape change; the encodings use the vocabulary size (OOV indices +
    terms), or max_tokens with pad_to_max_tokens."""
    return _lookup(call)


@rule("StringLookup",
      args=(*_lookup_args(_LOOKUP_MODE_DOC),
            int_arg("num_oov_indices", 1, min=0, doc="indices for out-of-vocabulary values, part of "
                    "the depth"),
            any_arg("mask_token", None, "counted in the vocabulary size only in output_mode int"),
            any_arg("oov_token", "[UNK]", "no shape change"),
            bool_arg("invert", False, doc="maps indices back to strings (output_mode int only)")),
      accepts=("encoding", "oov_method", "salt"))
def string_lookup(call: LayerCall) -> Output:
    """int: no shape change; the encodings use the vocabulary size (OOV indices +
    terms), or max_tokens with pad_to_max_tokens."""
    return _lookup(call)


@rule("TextVectorization",
      args=(*_lookup_args("int: (batch, output_sequence_length); the others give vectors of the "
                          "vocabulary size"),
            opt_int_arg("output_sequence_length", min=0, doc="output_mode int: the length of each "
                        "sequence (null: unknown, the longest in the batch)"),
            any_arg("split", "whitespace", "null: the input values are the tokens already (no new axis)"),
            bool_arg("ragged", False, doc="output_mode int only; no static shape change")),
      accepts=("standardize", "ngrams", "encoding"))
def text_vectorization(call: LayerCall) -> Output:
    """int: (batch, output_sequence_length). Otherwise the strings are split into a new
    axis of tokens (unless split is null) and encoded as the inner StringLookup (mask
    "", one OOV index "[UNK]") does; Keras's static shape keeps a last axis of 1 that
    the layer squeezes when it runs (a warning says so)."""
    shape, mode = call.shape, call["output_mode"]
    length = call["output_sequence_length"]
    if mode != "int" and length is not None:
        raise Finding("SC403", "`output_sequence_length` must not be set if `output_mode` is not "
                      f"'int'. Received output_sequence_length={length}.", arg="output_sequence_length")
    if call["ragged"] and mode != "int":
        raise Finding("SC403", "`ragged` must not be true if `output_mode` is not `'int'`.",
                      arg="ragged")
    _check_lookup(call, mode)
    if not shape:
        raise Finding("SC301", "TextVectorization takes strings of rank >= 1, got a scalar")
    split = call["split"] is not None
    notes: list[Note] = []
    if split and len(shape) > 1:
        last = compare(shape[-1], 1, call.facts)
        if last is False:
            raise Finding("SC306", "When using `TextVectorization` to tokenize strings, the input rank "
                          f"must be 1 or the last shape dimension must be 1. Received: inputs.shape="
                          f"{fmt_shape(shape)}", hint="give one string per sample, (batch,) or (batch, 1); "
                          "or set split: null if the values are tokens already")
        if last is None and shape[-1] is not None:
            notes.append(Note("SC304", f"TextVectorization requires the last axis {fmt(shape[-1])} to "
                              "be 1 (one string per sample, split into tokens)"))
    if mode == "int":
        out = (shape[0], length)
        return Output((out,), (), tuple(notes), (
            f"output_mode='int': (batch, output_sequence_length={fmt(length)})"
            + ("; null: the longest sequence in the batch, unknown" if length is None else ""),))
    size, what = _vocab_size(call, mode, "", "[UNK]", 1)
    depth, what = (call["max_tokens"], f"max_tokens={call['max_tokens']} (pad_to_max_tokens)") \
        if call["pad_to_max_tokens"] else (size, what)
    tokens = (*shape, None) if split else (*shape, 1) if len(shape) <= 1 else shape
    if mode == "one_hot":
        out = _one_hot(call, tokens, depth, notes)
    else:
        out = _reduced(tokens, depth)
    runtime = None
    if split and (len(shape) == 1 or len(shape) == 2 and compare(shape[-1], 1) is True):
        base = shape[:1]  # the (batch, 1) strings are squeezed before they are split
        runtime = (*base, None, depth) if mode == "one_hot" else (*base, depth)
    elif not split and len(shape) == 1 and mode != "one_hot":
        runtime = (depth,)  # the whole batch is one sample's tokens
    notes += runtime_note(call, out, runtime)
    how = "split into a new axis of tokens, then " if split else ""
    return Output((out,), (), tuple(notes), (f"output_mode={mode!r}: {how}encoded over the vocabulary "
                                             f"size: {what}",))
