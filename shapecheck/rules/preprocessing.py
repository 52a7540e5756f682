"""Preprocessing layers whose output shape follows from the config: the image layers
(Resizing, the crops, the shape-preserving augmentations), the encoders and lookups
(CategoryEncoding, Hashing, HashedCrossing, Discretization, IntegerLookup,
StringLookup, TextVectorization) and the spectrograms (MelSpectrogram, STFTSpectrogram).

References: keras/src/layers/preprocessing/ and its image_preprocessing/ folder; each
rule follows the layer's ``compute_output_shape`` (or ``compute_output_spec``), the
shape Keras builds the layers after it from. Where the layer returns another shape
when it runs (TensorFlow backend), the rule still reports Keras's static shape, so
weights and parameter counts downstream match what Keras builds, and an SC307
warning gives the shape at run time. Where a run always fails (a channel count a
colour op cannot take, an input rank the image ops reject), the rule reports an
error: Keras builds such a model and fails only when it trains or predicts.

A vocabulary given as a file path is never opened: its size is then unknown (None)
unless the config records ``vocabulary_size`` (Keras writes it when it saves a model).
"""

from __future__ import annotations

import math
from typing import Any

from ..diagnostics import Finding
from ..dims import Dim, Shape, compare, floor_div, fmt, fmt_shape, mul
from .checks import need_rank
from .conv import check_positive, data_format_arg, window_out
from .registry import (
    REQUIRED,
    Arg,
    Axis,
    LayerCall,
    Note,
    Output,
    Weight,
    bool_arg,
    choice_arg,
    int_arg,
    opt_int_arg,
    rule,
)


def _any(name: str, default: Any = REQUIRED, doc: str = "no shape change") -> Arg:
    return Arg(name, lambda v: v, default, doc, "any")


def _differs(a: Shape, b: Shape, call: LayerCall) -> bool:
    """Provably different shapes (another rank, or an axis provably another size)."""
    return len(a) != len(b) or any(compare(x, y, call.facts) is False for x, y in zip(a, b))


def _runtime(call: LayerCall, static: Shape, runtime: Shape | None, when: str = "") -> tuple[Note, ...]:
    """An SC307 warning when the layer returns another shape than Keras's static one."""
    if runtime is None or not _differs(static, runtime, call):
        return ()
    return (Note("SC307", f"{call.type} returns {fmt_shape(runtime)} when it runs{when}, but Keras's "
                 f"static output shape is {fmt_shape(static)}; shapecheck reports the static shape, "
                 "which Keras builds the layers after it from",
                 hint="layers after it that depend on the differing axes fail when the model runs"),)


def _is_one(call: LayerCall, d: Dim, notes: list[Note], what: str) -> bool:
    """Whether an axis is 1 (Keras's one_hot drops a last axis of 1); a named size that
    may or may not be 1 is taken as not 1, with a note."""
    same = compare(d, 1, call.facts)
    if same is None and d is not None:
        notes.append(Note("SC304", f"{call.type}'s output rank depends on whether {fmt(d)} is 1 "
                          f"({what}); assumed it is not",
                          hint=f"state it in dims:, e.g. min: 2 for {fmt(d)}"))
    return bool(same)


# --- image layers -------------------------------------------------------------------------


def _image(call: LayerCall) -> tuple[Shape, int, int, int]:
    """The input image (rank 3: one image, rank 4: a batch) and its height, width and
    channel axes for the layer's data_format."""
    shape = call.shape
    if len(shape) not in (3, 4):
        raise Finding("SC301", f"{call.type} \"{call.name}\" takes images of rank 3 (one image) or 4 "
                      f"(a batch of images), got rank {len(shape)}: {fmt_shape(shape)}",
                      hint="Keras builds it but its call fails: `Expected image tensor to have rank 3 "
                      "(single image) or 4 (batch of images)`")
    r = len(shape)
    if call["data_format"] == "channels_last":
        return shape, r - 3, r - 2, r - 1
    return shape, r - 2, r - 1, r - 3


def _unbatched(shape: Shape) -> tuple[str, ...]:
    if len(shape) == 3:
        return (f"a rank-3 tensor is one image without a batch axis, so axis 0 ({fmt(shape[0])}) is "
                "an image axis, as Keras reads it",)
    return ()


def _resized(call: LayerCall, verb: str) -> tuple[Shape, tuple[str, ...]]:
    shape, h, w, _ = _image(call)
    out = list(shape)
    out[h], out[w] = call["height"], call["width"]
    why = (f"{verb}: axis {h} (height) becomes height={call['height']} and axis {w} (width) becomes "
           f"width={call['width']} (data_format={call['data_format']})",) + _unbatched(shape)
    return tuple(out), why


_SIZE_ARGS = (int_arg("height", doc="the output's height"), int_arg("width", doc="the output's width"))


@rule("Resizing",
      args=(*_SIZE_ARGS,
            bool_arg("crop_to_aspect_ratio", False, doc="no shape change"),
            bool_arg("pad_to_aspect_ratio", False, doc="no shape change (not with crop_to_aspect_ratio)"),
            data_format_arg()),
      accepts=("interpolation", "fill_mode", "fill_value", "antialias"))
def resizing(call: LayerCall) -> Output:
    """Height and width become ``height`` and ``width`` whatever the input's; the
    channels and the batch pass through; no weights."""
    if call["crop_to_aspect_ratio"] and call["pad_to_aspect_ratio"]:
        raise Finding("SC403", "Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can be "
                      "`True`.", arg="pad_to_aspect_ratio")
    out, why = _resized(call, "resized")
    return Output((out,), (), (), why)


@rule("CenterCrop", args=(*_SIZE_ARGS, data_format_arg()))
def center_crop(call: LayerCall) -> Output:
    """Height and width become ``height`` and ``width`` (an input smaller than that is
    cropped to the aspect ratio and resized up); no weights."""
    out, why = _resized(call, "center-cropped")
    return Output((out,), (), (), why)


@rule("RandomCrop", args=(*_SIZE_ARGS, data_format_arg()), accepts=("seed",))
def random_crop(call: LayerCall) -> Output:
    """Height and width become ``height`` and ``width`` (Keras's static shape, and the
    shape in training); at inference Keras returns the input unchanged, which a
    warning points out unless the input already has that size."""
    out, why = _resized(call, "randomly cropped (in training)")
    notes = _runtime(call, out, call.shape, " at inference (training=False: the input unchanged)")
    return Output((out,), (), notes, why)


# The shape-preserving augmentations: (required arguments, other constructor arguments,
# the channels their colour ops take). Keras's compute_output_shape returns the input
# shape for each; RandomGrayscale too (it broadcasts the grey image back to the input's
# channels, so 3 channels stay 3).
_RGB = "rgb"  # exactly 3 channels, on the data_format's channel axis
_RGB_OR_GREY = "rgb-or-grey"  # 1 or 3 channels (rgb_to_grayscale)
_RGB_BUILD = "rgb-build"  # 3 channels, checked by Keras when it builds the layer
_JITTER = "jitter"  # 3 channels on the last axis when saturation or hue is jittered
_FILL = ("fill_mode", "interpolation", "fill_value", "seed")
AUGMENTATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str | None]] = {
    "RandomFlip": ((), ("mode", "seed"), None),
    "RandomRotation": (("factor",), _FILL, None),
    "RandomZoom": (("height_factor",), ("width_factor", *_FILL), None),
    "RandomTranslation": (("height_factor", "width_factor"), _FILL, None),
    "RandomContrast": (("factor",), ("value_range", "seed"), None),
    "RandomBrightness": (("factor",), ("value_range", "seed"), None),
    "RandomHue": (("factor",), ("value_range", "seed"), _RGB),
    "RandomSaturation": (("factor",), ("value_range", "seed"), _RGB),
    "RandomSharpness": (("factor",), ("value_range", "seed"), None),
    "RandomShear": ((), ("x_factor", "y_factor", *_FILL), None),
    "RandomGrayscale": ((), ("factor", "seed"), _RGB_OR_GREY),
    "RandomInvert": ((), ("factor", "value_range", "seed"), None),
    "RandomPosterization": (("factor",), ("value_range", "seed"), None),
    "RandomColorDegeneration": (("factor",), ("value_range", "seed"), _RGB_BUILD),
    "RandomColorJitter": ((), ("value_range", "brightness_factor", "contrast_factor",
                               "saturation_factor", "hue_factor", "seed"), _JITTER),
    "RandomErasing": ((), ("factor", "scale", "fill_value", "value_range", "seed"), None),
    "RandomGaussianBlur": ((), ("factor", "kernel_size", "sigma", "value_range", "seed"), None),
    "RandomElasticTransform": ((), ("factor", "scale", "interpolation", "fill_mode", "fill_value",
                                    "value_range", "seed"), None),
    "RandomPerspective": ((), ("factor", "scale", "interpolation", "fill_value", "seed"), None),
    "AutoContrast": ((), ("value_range",), None),
    "Equalization": ((), ("value_range", "bins"), None),
    "Solarization": ((), ("addition_factor", "threshold_factor", "value_range", "seed"), None),
    "AugMix": ((), ("value_range", "num_chains", "chain_depth", "factor", "alpha", "all_ops",
                    "interpolation", "seed"), _RGB_OR_GREY),
    "CutMix": ((), ("factor", "seed"), None),
    "MixUp": ((), ("alpha", "seed"), None),
    "RandAugment": ((), ("value_range", "num_ops", "factor", "interpolation", "seed"), _RGB_OR_GREY),
    "ContrastLimitedAdaptiveHistogramEqualization": ((), ("value_range", "clip_limit",
                                                          "tile_grid_size"), None),
}


def _channels(call: LayerCall, shape: Shape, axis: int, allowed: tuple[int, ...], why: str,
              at_build: bool = False) -> tuple[Note, ...]:
    c = shape[axis]
    if c is None:
        return ()
    results = [compare(c, a, call.facts) for a in allowed]
    if any(r is True for r in results):
        return ()
    want = " or ".join(map(str, allowed))
    if all(r is False for r in results):
        when = "Keras rejects it when it builds the layer" if at_build else \
            "Keras builds the model, but the layer fails when it runs in training"
        raise Finding("SC306", f"{call.type} {why}: it needs {want} channels on axis {axis}, got "
                      f"{fmt(c)} in {fmt_shape(shape)}; {when}",
                      hint="give the images RGB channels" + (", or set data_format" if axis != len(shape) - 1
                                                              else ""))
    return (Note("SC304", f"{call.type} requires the channels {fmt(c)} to be {want} ({why})",
                 hint=f"state it in dims:, e.g. min: 3, max: 3 for {fmt(c)}"),)


def _augmentation(name: str, required: tuple[str, ...], others: tuple[str, ...],
                  channels: str | None) -> None:
    def fn(call: LayerCall) -> Output:
        shape, _, _, c = _image(call)
        notes: tuple[Note, ...] = ()
        if channels == _RGB:
            notes = _channels(call, shape, c, (3,), "converts RGB to HSV")
        elif channels == _RGB_BUILD:
            notes = _channels(call, shape, c, (3,), "blends with the greyscale image", at_build=True)
        elif channels == _RGB_OR_GREY:
            notes = _channels(call, shape, c, (1, 3), "converts RGB to greyscale")
        elif channels == _JITTER and (call.args.get("saturation_factor") is not None
                                      or call.args.get("hue_factor") is not None):
            # Keras creates its RandomSaturation/RandomHue without data_format: channels_last.
            notes = _channels(call, shape, len(shape) - 1, (3,), "jitters saturation or hue in HSV, "
                              "always on the last axis (its inner layers ignore data_format)")
        if name == "Equalization":
            notes += (Note("SC307", "Keras 3.15.1's Equalization returns its input tensor itself as "
                           "its symbolic output, so Keras cannot trace it into a model graph: a "
                           "Functional model containing it fails to build (\"... is part of a cycle\")",
                           hint="apply it to the data outside the model, e.g. in a tf.data pipeline"),)
        return Output((shape,), (), notes, ("an augmentation: the output is shaped like the input",))

    fn.__doc__ = {
        _RGB: "No shape change; needs 3 channels (RGB to HSV) when it runs.",
        _RGB_BUILD: "No shape change; Keras requires 3 channels.",
        _RGB_OR_GREY: "No shape change (greyscale is broadcast back to the input's channels); "
                      "needs 1 or 3 channels when it runs.",
        _JITTER: "No shape change; saturation or hue jitter needs 3 channels on the last axis.",
    }.get(channels or "", "No shape change; no weights.")
    if name == "Equalization":
        fn.__doc__ += " Keras 3.15.1 cannot trace it into a Functional model (a warning says so)."
    args = (*(_any(a) for a in required), data_format_arg())
    rule(name, args=args, accepts=(*others, "bounding_box_format"))(fn)


for _name, (_required, _others, _channels_rule) in AUGMENTATIONS.items():
    _augmentation(_name, _required, _others, _channels_rule)


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
    if shape and (len(shape) > 1 or drop_rank1) and _is_one(call, shape[-1], notes, "a last axis of "
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
    notes += _runtime(call, out, _reduced_runtime(shape, depth))
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
    notes += _runtime(call, out, runtime)
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
        return recorded, f"vocabulary_size={recorded}, as the config records it"
    if isinstance(vocab, str):
        return None, "the vocabulary is a file, which shapecheck never opens: its size is unknown"
    return None, "no vocabulary in the config (adapt() sets it): its size is unknown"


def _lookup_args(mode_doc: str) -> tuple[Arg, ...]:
    return (
        opt_int_arg("max_tokens", min=0, doc="the vocabulary's maximum size (> 1), OOV and mask "
                    "included; the depth with pad_to_max_tokens"),
        _mode_arg(_MODES, "int", mode_doc),
        bool_arg("pad_to_max_tokens", False, doc="the encoded depth is max_tokens"),
        _any("vocabulary", None, "a list (its length gives the depth) or a file path (never "
             "opened: the depth is unknown unless vocabulary_size is given)"),
        _any("idf_weights", None, "tf_idf only; as long as the vocabulary"),
        opt_int_arg("vocabulary_size", min=0, doc="the vocabulary size Keras records in a saved "
                    "config; the depth when there is no vocabulary list"),
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
            _any("mask_token", None, "counted in the vocabulary size only in output_mode int"),
            _any("oov_token", -1, "no shape change"),
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
            _any("mask_token", None, "counted in the vocabulary size only in output_mode int"),
            _any("oov_token", "[UNK]", "no shape change"),
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
            _any("split", "whitespace", "null: the input values are the tokens already (no new axis)"),
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
    notes += _runtime(call, out, runtime)
    how = "split into a new axis of tokens, then " if split else ""
    return Output((out,), (), tuple(notes), (f"output_mode={mode!r}: {how}encoded over the vocabulary "
                                             f"size: {what}",))


# --- spectrograms -------------------------------------------------------------------------


@rule("MelSpectrogram",
      args=(int_arg("fft_length", 2048, doc="the FFT size: frames are centred, padded by "
                    "fft_length // 2 on each side"),
            int_arg("sequence_stride", 512, doc="samples between frames"),
            opt_int_arg("sequence_length", doc="the window length (null: fft_length); not more "
                        "than fft_length"),
            int_arg("num_mel_bins", 128, doc="the mel bins: the output's axis -2"),
            _any("window", "hann", "'hann', 'hamming' or null")),
      accepts=("sampling_rate", "min_freq", "max_freq", "power_to_db", "top_db", "mag_exp",
               "min_power", "ref_power"))
def mel_spectrogram(call: LayerCall) -> Output:
    """(batch, samples) -> (batch, num_mel_bins, frames); Keras's static frame count is
    floor((samples + stride + 1) / stride), while the centred STFT gives
    1 + floor((samples - fft_length % 2) / stride) when it runs (a warning when they
    differ). The run also needs samples > fft_length // 2 (reflection padding)."""
    shape = call.shape
    fft, stride = call["fft_length"], call["sequence_stride"]
    seq = call["sequence_length"] or fft
    if fft < seq:
        raise Finding("SC403", "`fft_length` must be greater than or equal to  `sequence_length`. "
                      f"Received: `sequence_length`={seq}, `fft_length`={fft}.", arg="sequence_length")
    if call["window"] not in ("hann", "hamming", None):
        raise Finding("SC403", "If a string is passed to `window`, it must be one of `\"hann\"`, "
                      f"`\"hamming\"`. Received: window={call['window']}", arg="window")
    if not shape:
        raise Finding("SC301", "MelSpectrogram takes audio of rank >= 1, (samples,) or (batch, samples)")
    axis = 0 if len(shape) == 1 else 1
    n = shape[axis]
    static_frames = None if n is None else floor_div(n + stride + 1, stride)
    static = (call["num_mel_bins"], static_frames) if len(shape) == 1 else \
        (shape[0], call["num_mel_bins"], static_frames)
    notes: list[Note] = []
    last, pad = shape[-1], fft // 2
    if last is not None:
        enough = call.facts.positive(last - pad) if not isinstance(last, int) else last > pad
        if enough is False:
            raise Finding("SC308", f"MelSpectrogram needs more than fft_length // 2 = {pad} samples on "
                          f"axis {len(shape) - 1} (the centred STFT pads them by reflection), got "
                          f"{fmt(last)} in {fmt_shape(shape)}; Keras builds the model, but it fails "
                          "when it runs", hint="use a smaller fft_length, or longer audio")
        if enough is None:
            notes.append(Note("SC304", f"MelSpectrogram requires {fmt(last)} > {pad} (fft_length // 2: "
                              "the centred STFT pads by reflection)",
                              hint=f"state it in dims:, e.g. min: {pad + 1} for {fmt(last)}"))
    frames = None if last is None else floor_div(last - fft % 2, stride) + 1
    runtime = (*shape[:-1], call["num_mel_bins"], frames)
    notes += _runtime(call, static, runtime)
    if len(shape) <= 2 and frames is not None and compare(static_frames, frames, call.facts) is None:
        notes.append(Note("SC307", f"MelSpectrogram returns 1 + floor(({fmt(last)} - {fft % 2}) / {stride}) "
                          f"= {fmt(frames)} frames when it runs, which differs from Keras's static count "
                          f"{fmt(static_frames)} for some values of {fmt(last)}; shapecheck reports the "
                          "static count, which Keras builds the layers after it from",
                          hint="layers after it that depend on the frame axis fail when the model runs "
                          "for those sizes"))
    why = (f"frames (Keras's static count): floor((n + stride + 1) / stride) = floor(({fmt(n)} + "
           f"{stride} + 1) / {stride}) = {fmt(static_frames)}",
           f"num_mel_bins={call['num_mel_bins']} mel bins, before the frames")
    return Output((static,), (), tuple(notes), why)


def _frame_step(v: Any) -> int | None:
    return None if v is None else int_arg("frame_step").check(v)


@rule("STFTSpectrogram",
      args=(choice_arg("mode", ("log", "magnitude", "psd", "real", "imag", "angle", "stft"), "log",
                       doc="stft doubles the frequency bins (real then imaginary); real and imag "
                       "build only their kernel"),
            int_arg("frame_length", 256, doc="the window: the kernels' first axis"),
            Arg("frame_step", _frame_step, None, doc="samples between frames (null: "
                "frame_length // 2); not more than frame_length", kind="int >= 1 | null"),
            opt_int_arg("fft_length", doc="null: the next power of two >= frame_length; "
                        "fft_length // 2 + 1 frequency bins"),
            choice_arg("padding", ("valid", "same"), "valid", doc="as a Conv1D's"),
            bool_arg("expand_dims", False, doc="keep the channels apart: (batch, time, bins, "
                     "channels) instead of (batch, time, bins * channels)"),
            data_format_arg()),
      accepts=("window", "periodic", "scaling"))
def stft_spectrogram(call: LayerCall) -> Output:
    """A Conv1D over each channel with stride frame_step: (batch, time, bins * channels)
    (or bins and channels apart with expand_dims). Weights real_kernel and imag_kernel,
    each (frame_length, 1, fft_length // 2 + 1)."""
    shape = call.shape
    need_rank(call, shape, ndim=3)
    length, fmt_ = call["frame_length"], call["data_format"]
    given_step, fft_given = call["frame_step"], call["fft_length"]
    if given_step is not None and given_step > length:
        raise Finding("SC403", "`frame_step` should be a positive integer not greater than "
                      f"`frame_length`. Received frame_step={given_step}, frame_length={length}",
                      arg="frame_step")
    if fft_given is not None and fft_given < length:
        raise Finding("SC403", "`fft_length` should be not less than `frame_length`. Received "
                      f"fft_length={fft_given}, frame_length={length}", arg="fft_length")
    step = given_step or length // 2
    if step < 1:
        raise Finding("SC403", f"frame_step defaults to frame_length // 2 = 0 for frame_length="
                      f"{length}", arg="frame_length", hint="give frame_step, or a frame_length >= 2")
    fft = fft_given or 2 ** int(math.ceil(math.log2(length)))
    bins = fft // 2 + 1
    out_bins = 2 * bins if call["mode"] == "stft" else bins
    c_axis, t_axis = (2, 1) if fmt_ == "channels_last" else (1, 2)
    c = shape[c_axis]
    if c is None:
        raise Finding("SC302", f"the channel axis of the input to STFTSpectrogram \"{call.name}\" is "
                      f"undefined: {fmt_shape(shape)}; Keras computes bins * channels from it",
                      hint="give that axis a size in `inputs:` (or a name)")
    time, text = window_out(shape[t_axis], length, step, 1, call["padding"])
    notes = []
    note = check_positive(call, t_axis, time, text, shape)
    if note:
        notes.append(note)
    if call["expand_dims"]:
        out = (shape[0], time, out_bins, c) if fmt_ == "channels_last" else (shape[0], c, time, out_bins)
    else:
        width = mul(out_bins, c)
        out = (shape[0], time, width) if fmt_ == "channels_last" else (shape[0], width, time)
    frames = Axis(length, "frame_length", f"one tap per sample of the window (frame_length={length})")
    one = Axis(1, "1", "each channel is convolved on its own")
    freq = Axis(bins, "fft_length // 2 + 1", f"one filter per frequency bin of the {fft}-point FFT")
    weights = []
    if call["mode"] != "imag":
        weights.append(Weight("real_kernel", (frames, one, freq)))
    if call["mode"] != "real":
        weights.append(Weight("imag_kernel", (frames, one, freq)))
    why = (f"time axis ({call['padding']}, frame_length={length}, frame_step={step}): {text} = "
           f"{fmt(time)}",
           f"{out_bins} frequency bins" + (" (real then imaginary)" if call["mode"] == "stft" else "")
           + (f" for each of the {fmt(c)} channels" if not call["expand_dims"] else ", channels apart"))
    return Output((out,), tuple(weights), tuple(notes), why)

