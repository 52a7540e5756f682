"""Image preprocessing layers: Resizing, the crops, and the augmentations that keep the
shape (each checking the channels and rank its image ops take).

References: keras/src/layers/preprocessing/image_preprocessing/. Static shapes, SC307
and runtime failures are handled as in ``preprocessing`` (its docstring says how).
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import Shape, compare, fmt, fmt_shape
from .conv import data_format_arg
from .preprocessing import any_arg, runtime_note
from .registry import (
    LayerCall,
    Note,
    Output,
    bool_arg,
    int_arg,
    rule,
)

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
    notes = runtime_note(call, out, call.shape, " at inference (training=False: the input unchanged)")
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
    args = (*(any_arg(a) for a in required), data_format_arg())
    rule(name, args=args, accepts=(*others, "bounding_box_format"))(fn)


for _name, (_required, _others, _channels_rule) in AUGMENTATIONS.items():
    _augmentation(_name, _required, _others, _channels_rule)
