"""Audio preprocessing: MelSpectrogram and STFTSpectrogram, whose frames follow the
window arithmetic of a convolution (``conv.window_out``).

References: keras/src/layers/preprocessing/{mel_spectrogram,stft_spectrogram}.py.
"""

from __future__ import annotations

import math

from ..diagnostics import Finding
from ..dims import compare, floor_div, fmt, fmt_shape, mul
from .checks import need_rank
from .conv import check_positive, data_format_arg, window_out
from .preprocessing import any_arg, runtime_note
from .registry import (
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

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# --- spectrograms -------------------------------------------------------------------------


@rule("MelSpectrogram",
      args=(int_arg("fft_length", 2048, doc="the FFT size: frames are centred, padded by "
                    "fft_length // 2 on each side"),
            int_arg("sequence_stride", 512, doc="samples between frames"),
            opt_int_arg("sequence_length", doc="the window length (null: fft_length); not more "
                        "than fft_length"),
            int_arg("num_mel_bins", 128, doc="the mel bins: the output's axis -2"),
            any_arg("window", "hann", "'hann', 'hamming' or null")),
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
    notes += runtime_note(call, static, runtime)
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
