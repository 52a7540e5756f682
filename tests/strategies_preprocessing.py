"""Hypothesis strategies for the preprocessing layers, the adaptive poolings,
RMSNormalization, RNN with cells, SpectralNormalization and ReversibleEmbedding: one
strategy per Keras class, each drawing a one-layer spec that Keras 3 builds.
``layer_specs(cls)`` gives ``(spec, symbolic)``; a symbolic spec names the size ``t``
on some axes and is valid in Keras for every t >= 1."""

from __future__ import annotations

from functools import partial

from hypothesis import strategies as st
from strategies_layers import specs_for

SYM = st.sampled_from(["t", "t", "2*t", "t + 1"])
# Sizes that are never 1 (a one_hot encoder drops a last axis of 1).
SYM_NOT_ONE = st.sampled_from(["2*t", "t + 1"])


def _size(draw, sym: bool, none: bool = True, lo: int = 1, hi: int = 6):
    if sym and draw(st.booleans()):
        return draw(SYM)
    if none and draw(st.integers(0, 4)) == 0:
        return None
    return draw(st.integers(lo, hi))


def _single(layer: dict, shape: list) -> dict:
    return {"inputs": {"x": [None, *shape]}, "layers": [layer]}


def _format(draw, layer: dict) -> bool:
    """Maybe set data_format; True for channels_first."""
    if draw(st.booleans()):
        layer["data_format"] = draw(st.sampled_from(["channels_last", "channels_first"]))
    return layer.get("data_format") == "channels_first"


# --------------------------------------------------------------------------- pooling, norm
def _adaptive(draw, cls: str, n: int, sym: bool) -> dict:
    size = [draw(st.integers(1, 4)) for _ in range(n)]
    layer = {"type": cls, "output_size": draw(st.sampled_from([size[0], size]))}
    _format(draw, layer)
    return _single(layer, [_size(draw, sym) for _ in range(n + 1)])


def _rms(draw, sym: bool) -> dict:
    rank = draw(st.integers(2, 4))
    body = [_size(draw, sym) for _ in range(rank - 1)]
    picks = draw(st.lists(st.integers(1, rank - 1), min_size=1, max_size=rank - 1, unique=True))
    for p in picks:
        if body[p - 1] is None:
            body[p - 1] = draw(st.integers(1, 6))
    axes = [draw(st.sampled_from([p, p - rank])) for p in picks]
    layer = {"type": "RMSNormalization"}
    if axes != [-1] or draw(st.booleans()):
        layer["axis"] = axes[0] if len(axes) == 1 and draw(st.booleans()) else axes
    return _single(layer, body)


# --------------------------------------------------------------------------- images
def _image_body(draw, layer: dict, sym: bool, channels=None) -> list:
    """A batch of images (rank 4) or, sometimes, one image (rank 3: no batch axis)."""
    first = _format(draw, layer)
    c = draw(st.sampled_from(channels)) if channels else _size(draw, False, lo=1, hi=4)
    h, w = _size(draw, sym), _size(draw, sym)
    if draw(st.integers(0, 5)) == 0:  # one image: Keras reads axis 0 as an image axis
        return {"shape": [c, h, w] if first else [h, w, c], "unbatched": True}
    return {"shape": [c, h, w] if first else [h, w, c], "unbatched": False}


def _image_spec(layer: dict, body: dict) -> dict:
    shape = body["shape"]
    if body["unbatched"]:
        return {"inputs": {"x": shape}, "layers": [layer]}
    return _single(layer, shape)


def _resize(draw, cls: str, sym: bool) -> dict:
    layer = {"type": cls, "height": draw(st.integers(1, 6)), "width": draw(st.integers(1, 6))}
    if cls == "Resizing":
        flag = draw(st.sampled_from([None, "crop_to_aspect_ratio", "pad_to_aspect_ratio"]))
        if flag:
            layer[flag] = True
        if draw(st.booleans()):
            layer["interpolation"] = draw(st.sampled_from(["nearest", "bilinear"]))
    if cls == "RandomCrop" and draw(st.booleans()):
        layer["seed"] = 3
    return _image_spec(layer, _image_body(draw, layer, sym))


# class -> (constructor arguments to draw from, the channels it can take)
RGB, ANY = (3, None), None
AUGMENT = {
    "RandomFlip": ({"mode": ["horizontal", "vertical", "horizontal_and_vertical"]}, ANY),
    "RandomRotation": ({"factor!": [0.1, 0.5, [-0.2, 0.3]], "fill_mode": ["reflect", "constant"]}, ANY),
    "RandomZoom": ({"height_factor!": [0.2, [-0.3, 0.2]], "width_factor": [0.1, None]}, ANY),
    "RandomTranslation": ({"height_factor!": [0.2, [-0.1, 0.1]], "width_factor!": [0.1, 0.3]}, ANY),
    "RandomContrast": ({"factor!": [0.2, 0.5]}, ANY),
    "RandomBrightness": ({"factor!": [0.2, [-0.1, 0.3]], "value_range": [[0, 1], [0, 255]]}, ANY),
    "RandomHue": ({"factor!": [0.2, 0.5]}, RGB),
    "RandomSaturation": ({"factor!": [0.2, 0.5]}, RGB),
    "RandomSharpness": ({"factor!": [0.2, 0.5]}, ANY),
    "RandomShear": ({"x_factor": [0.1, 0.3], "y_factor": [0.2]}, ANY),
    "RandomGrayscale": ({"factor": [0.5, 1.0]}, (1, 3, None)),
    "RandomInvert": ({"factor": [0.5, 1.0]}, ANY),
    "RandomPosterization": ({"factor!": [4, 8]}, ANY),
    "RandomColorDegeneration": ({"factor!": [0.2, 0.5]}, RGB),
    "RandomColorJitter": ({"brightness_factor": [0.2], "contrast_factor": [0.2]}, ANY),
    "RandomErasing": ({"factor": [0.5, 1.0], "scale": [[0.02, 0.33]]}, ANY),
    "RandomGaussianBlur": ({"factor": [0.5, 1.0], "kernel_size": [3, 5]}, ANY),
    "RandomElasticTransform": ({"factor": [0.5, 1.0], "scale": [0.5, 1.0]}, ANY),
    "RandomPerspective": ({"factor": [0.5, 1.0], "scale": [0.5, 1.0]}, ANY),
    "AutoContrast": ({"value_range": [[0, 1], [0, 255]]}, ANY),
    "Equalization": ({"bins": [64, 256]}, ANY),
    "Solarization": ({"addition_factor": [0.1, 0.5], "threshold_factor": [0.2]}, ANY),
    "AugMix": ({"num_chains": [1, 3], "chain_depth": [1, 2]}, (1, 3, None)),
    "CutMix": ({"factor": [0.5, 1.0]}, ANY),
    "MixUp": ({"alpha": [0.2, 0.5]}, ANY),
    "RandAugment": ({"num_ops": [1, 2], "factor": [0.3, 0.5]}, (1, 3, None)),
    "ContrastLimitedAdaptiveHistogramEqualization": ({"clip_limit": [2.0, 4.0]}, ANY),
}
# Checked as a layer alone: Keras 3.15.1 cannot build it into a model (its symbolic
# output is its input tensor itself, which Keras then finds "part of a cycle").
LAYER_ONLY = frozenset({"Equalization"})


def _augment(draw, cls: str, sym: bool) -> dict:
    options, channels = AUGMENT[cls]
    layer = {"type": cls}
    for key, values in options.items():
        required = key.endswith("!")
        if required or draw(st.booleans()):
            layer[key.rstrip("!")] = draw(st.sampled_from(values))
    if cls == "RandomColorJitter" and draw(st.booleans()):
        layer["hue_factor"] = 0.2  # needs 3 channels on the last axis, whatever data_format
        body = _image_body(draw, layer, sym, channels=RGB)
        if layer.get("data_format") == "channels_first":
            shape = body["shape"]
            body["shape"] = [shape[0], shape[1], 3]
        return _image_spec(layer, body)
    return _image_spec(layer, _image_body(draw, layer, sym, channels=channels))


# --------------------------------------------------------------------------- encoders
def _tokens_body(draw, sym: bool, one_hot: bool) -> list:
    rank = draw(st.integers(1, 3))
    body = [_size(draw, sym) for _ in range(rank - 1)]
    if one_hot and body and isinstance(body[-1], str):
        body[-1] = draw(SYM_NOT_ONE)
    if body and draw(st.integers(0, 3)) == 0:
        body[-1] = 1
    return body


def _mode(draw, layer: dict, modes: list, default: str) -> str:
    mode = draw(st.sampled_from(modes))
    if mode != default or draw(st.booleans()):
        layer["output_mode"] = mode
    return {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(mode, mode)


def _category_encoding(draw, sym: bool) -> dict:
    layer = {"type": "CategoryEncoding", "num_tokens": draw(st.integers(1, 6))}
    mode = _mode(draw, layer, ["one_hot", "multi_hot", "count", "binary"], "multi_hot")
    return _single(layer, _tokens_body(draw, sym, mode == "one_hot"))


def _hashing(draw, sym: bool) -> dict:
    layer = {"type": "Hashing", "num_bins": draw(st.integers(1, 6))}
    _mode(draw, layer, ["int", "one_hot", "multi_hot", "count"], "int")
    if draw(st.booleans()):
        layer["salt"] = draw(st.sampled_from([7, [1, 2]]))
    return _single(layer, _tokens_body(draw, sym, False))


def _hashed_crossing(draw, sym: bool) -> dict:
    layer = {"type": "HashedCrossing", "num_bins": draw(st.integers(1, 6))}
    mode = _mode(draw, layer, ["int", "one_hot"], "int")
    body = _tokens_body(draw, sym, mode == "one_hot")
    other = list(body)
    if other and draw(st.booleans()):
        other = other[-1:]  # Keras compares the last axes only
    return {"inputs": {"a": [None, *body], "b": [None, *other]},
            "layers": [{**layer, "inputs": ["a", "b"]}]}


def _discretization(draw, sym: bool) -> dict:
    layer = {"type": "Discretization"}
    if draw(st.booleans()):
        layer["bin_boundaries"] = sorted(draw(st.lists(st.floats(-2, 2, width=32), max_size=4)))
    else:
        layer["num_bins"] = draw(st.integers(0, 5))
    mode = _mode(draw, layer, ["int", "one_hot", "multi_hot", "count"], "int")
    return _single(layer, _tokens_body(draw, sym, mode == "one_hot"))


def _vocabulary(draw, layer: dict, cls: str, mode: str) -> None:
    """A vocabulary list (sometimes with the special tokens first), a recorded size,
    max_tokens with padding, or nothing (size unknown)."""
    source = draw(st.sampled_from(["list", "list", "size", "pad", "none"]))
    if cls == "IntegerLookup":
        words = draw(st.lists(st.integers(2, 50), min_size=1, max_size=5, unique=True))
        oov = -1
    else:
        words = draw(st.lists(st.sampled_from(["a", "b", "cat", "dog", "x", "y"]), min_size=1,
                              max_size=5, unique=True))
        oov = "[UNK]"
    n_oov = layer.get("num_oov_indices", 1)
    if source == "list":
        if cls != "TextVectorization" and mode != "int" and draw(st.booleans()):
            words = [oov] * n_oov + words
        layer["vocabulary"] = words
        if mode == "tf_idf":
            layer["idf_weights"] = [1.0] * len(words)
    elif source == "size":
        if mode == "tf_idf":
            return
        layer["vocabulary_size"] = draw(st.integers(1, 8))
    elif source == "pad":
        layer["max_tokens"] = draw(st.integers(max(2, n_oov + 1), 9))
        layer["pad_to_max_tokens"] = True


def _lookup(draw, cls: str, sym: bool) -> dict:
    layer = {"type": cls}
    if draw(st.booleans()):
        layer["num_oov_indices"] = draw(st.integers(0, 2))
    mode = _mode(draw, layer, ["int", "one_hot", "multi_hot", "count", "tf_idf", "binary", "tf-idf"],
                 "int")
    if cls == "StringLookup" and draw(st.integers(0, 3)) == 0 and mode == "int":
        layer["mask_token"] = ""
    if mode == "int" and draw(st.integers(0, 3)) == 0:
        layer["invert"] = True
    _vocabulary(draw, layer, cls, mode)
    if "vocabulary" in layer and layer.get("mask_token") == "" and mode == "int" and draw(st.booleans()):
        layer["vocabulary"] = ["", *(["[UNK]"] * layer.get("num_oov_indices", 1)), *layer["vocabulary"]]
    return _single(layer, _tokens_body(draw, sym, mode == "one_hot"))


def _text_vectorization(draw, sym: bool) -> dict:
    layer = {"type": "TextVectorization"}
    mode = _mode(draw, layer, ["int", "one_hot", "multi_hot", "count", "tf_idf"], "int")
    if mode == "int" and draw(st.booleans()):
        layer["output_sequence_length"] = draw(st.integers(1, 8))
    split = draw(st.sampled_from(["whitespace", "whitespace", "character", None]))
    if split != "whitespace":
        layer["split"] = split
    if draw(st.booleans()):
        layer["ngrams"] = draw(st.sampled_from([2, None]))
    _vocabulary(draw, layer, "TextVectorization", mode)
    if split is None:
        body = _tokens_body(draw, sym, mode == "one_hot")
    else:
        body = draw(st.sampled_from([[], [1]]))  # one string per sample
    return _single(layer, body)


# --------------------------------------------------------------------------- audio
def _mel(draw, sym: bool) -> dict:
    fft = draw(st.sampled_from([8, 9, 16]))
    layer = {"type": "MelSpectrogram", "fft_length": fft, "sequence_stride": draw(st.integers(1, 6)),
             "num_mel_bins": draw(st.integers(1, 8))}
    if draw(st.booleans()):
        layer["sequence_length"] = draw(st.integers(2, fft))
    if draw(st.booleans()):
        layer["sampling_rate"] = 8000
    pad = fft // 2
    n = f"t + {pad}" if sym and draw(st.booleans()) else \
        draw(st.sampled_from([None, pad + draw(st.integers(1, 20))]))
    return _single(layer, [n])


def _stft(draw, sym: bool) -> dict:
    length = draw(st.integers(2, 8))
    layer = {"type": "STFTSpectrogram", "frame_length": length}
    if draw(st.booleans()):
        layer["frame_step"] = draw(st.integers(1, length))
    if draw(st.booleans()):
        layer["fft_length"] = draw(st.sampled_from([length, 8, 16]))
        layer["fft_length"] = max(layer["fft_length"], length)
    for key, values in (("mode", ["log", "magnitude", "psd", "real", "imag", "angle", "stft"]),
                        ("padding", ["valid", "same"]), ("expand_dims", [True, False]),
                        ("window", ["hann", "hamming", None])):
        if draw(st.booleans()):
            layer[key] = draw(st.sampled_from(values))
    first = _format(draw, layer)
    c = draw(st.integers(1, 3))
    n = f"t + {length - 1}" if sym and draw(st.booleans()) else \
        draw(st.sampled_from([None, length + draw(st.integers(0, 12))]))
    return _single(layer, [c, n] if first else [n, c])


# --------------------------------------------------------------------------- rnn, wrappers
def _cell(draw, units=None) -> dict:
    cls = draw(st.sampled_from(["LSTMCell", "GRUCell", "SimpleRNNCell"]))
    cell = {"type": cls, "units": units or draw(st.integers(1, 5))}
    if draw(st.booleans()):
        cell["use_bias"] = draw(st.booleans())
    if cls == "GRUCell" and draw(st.booleans()):
        cell["reset_after"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        cell["name"] = f"my_{cls.lower()}"
    return cell


def _rnn(draw, sym: bool) -> dict:
    form = draw(st.sampled_from(["one", "one", "stacked", "list"]))
    if form == "one":
        cell = _cell(draw)
    else:
        cells = [_cell(draw) for _ in range(draw(st.integers(1, 3)))]
        names = [c.get("name") for c in cells if c.get("name")]
        if len(names) != len(set(names)):
            for c in cells:
                c.pop("name", None)
        cell = {"type": "StackedRNNCells", "cells": cells} if form == "stacked" else cells
    layer = {"type": "RNN", "cell": cell}
    for flag in ("return_sequences", "return_state", "go_backwards"):
        if draw(st.booleans()):
            layer[flag] = draw(st.booleans())
    steps = draw(SYM) if sym and draw(st.booleans()) else draw(st.sampled_from([None, 1, 3, 5]))
    return _single(layer, [steps, draw(st.integers(1, 5))])


def _spectral(draw, sym: bool) -> dict:
    kind = draw(st.sampled_from(["Dense", "Dense", "Conv1D", "Conv2D", "Embedding", "EinsumDense",
                                 "DepthwiseConv2D", "Conv2DTranspose"]))
    if kind == "Dense":
        inner = {"type": "Dense", "units": draw(st.integers(1, 5))}
        if draw(st.booleans()):
            inner["use_bias"] = draw(st.booleans())
        if draw(st.integers(0, 3)) == 0:
            inner["lora_rank"] = draw(st.integers(1, 3))
        body = [_size(draw, sym) for _ in range(draw(st.integers(0, 2)))] + [draw(st.integers(1, 5))]
    elif kind in ("Conv1D", "Conv2D", "Conv2DTranspose", "DepthwiseConv2D"):
        n = 1 if kind == "Conv1D" else 2
        inner = {"type": kind, "kernel_size": draw(st.integers(1, 3))}
        if kind != "DepthwiseConv2D":
            inner["filters"] = draw(st.integers(1, 4))
        elif draw(st.booleans()):
            inner["depth_multiplier"] = draw(st.integers(1, 3))
        spatial = [f"t + {inner['kernel_size']}" if sym and draw(st.booleans()) else
                   draw(st.integers(inner["kernel_size"], 6)) for _ in range(n)]
        body = spatial + [draw(st.integers(1, 4))]
    elif kind == "Embedding":
        inner = {"type": "Embedding", "input_dim": draw(st.integers(1, 8)),
                 "output_dim": draw(st.integers(1, 5))}
        body = [_size(draw, sym)]
    else:
        inner = {"type": "EinsumDense", "equation": "ab,bc->ac", "output_shape": draw(st.integers(1, 5))}
        if draw(st.booleans()):
            inner["bias_axes"] = "c"
        body = [draw(st.integers(1, 5))]
    layer = {"type": "SpectralNormalization", "layer": inner}
    if draw(st.booleans()):
        layer["power_iterations"] = draw(st.integers(1, 3))
    return _single(layer, body)


def _reversible(draw, sym: bool) -> dict:
    layer = {"type": "ReversibleEmbedding", "input_dim": draw(st.integers(1, 8)),
             "output_dim": draw(st.integers(1, 5))}
    for flag in ("tie_weights", "mask_zero"):
        if draw(st.booleans()):
            layer[flag] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0 and layer.get("tie_weights", True):
        layer["lora_rank"] = draw(st.integers(1, 3))  # untied + LoRA: Keras fails to build it
    return _single(layer, [_size(draw, sym) for _ in range(draw(st.integers(0, 2)))])


BUILDERS = {
    **{f"Adaptive{kind}Pooling{n}D": partial(_adaptive, cls=f"Adaptive{kind}Pooling{n}D", n=n)
       for kind in ("Average", "Max") for n in (1, 2, 3)},
    "RMSNormalization": _rms,
    **{c: partial(_resize, cls=c) for c in ("Resizing", "CenterCrop", "RandomCrop")},
    **{c: partial(_augment, cls=c) for c in AUGMENT},
    "CategoryEncoding": _category_encoding,
    "Hashing": _hashing,
    "HashedCrossing": _hashed_crossing,
    "Discretization": _discretization,
    "IntegerLookup": partial(_lookup, cls="IntegerLookup"),
    "StringLookup": partial(_lookup, cls="StringLookup"),
    "TextVectorization": _text_vectorization,
    "MelSpectrogram": _mel,
    "STFTSpectrogram": _stft,
    "RNN": _rnn,
    "SpectralNormalization": _spectral,
    "ReversibleEmbedding": _reversible,
}


layer_specs = specs_for(BUILDERS)
