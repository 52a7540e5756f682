"""Table cases for the preprocessing layers, the adaptive poolings, RMSNormalization,
RNN with cells, SpectralNormalization and ReversibleEmbedding: layer config and input
shapes -> output shapes, weight shapes and params (Keras 3.15.1's numbers;
tests/test_differential_preprocessing.py re-derives them from Keras), the errors, and
the warnings where Keras's static shape is not what the layer returns when it runs."""

from __future__ import annotations

import pytest
from helpers import run  # noqa: E402

import shapecheck
import shapecheck.rules.preprocessing  # noqa: F401  (registers the rules if the package does not yet)
import shapecheck.rules.rnn_cells  # noqa: F401
from shapecheck.dims import fmt_shape

N = None




LSTM4 = {"type": "LSTMCell", "units": 4}
CASES = [
    # (id, layer, input shapes, output shapes, {weight path: (shape, trainable)}, params)
    ("adaptive-avg1d", {"type": "AdaptiveAveragePooling1D", "output_size": 4}, [[N, 9, 3]],
     [(N, 4, 3)], {}, 0),
    ("adaptive-max2d-up", {"type": "AdaptiveMaxPooling2D", "output_size": [5, 2]}, [[N, 3, 3, 2]],
     [(N, 5, 2, 2)], {}, 0),
    ("adaptive-avg2d-cf", {"type": "AdaptiveAveragePooling2D", "output_size": 3,
                           "data_format": "channels_first"}, [[N, 2, N, 7]], [(N, 2, 3, 3)], {}, 0),
    ("adaptive-max3d", {"type": "AdaptiveMaxPooling3D", "output_size": [2, 3, 1]},
     [[N, 4, 5, 6, 2]], [(N, 2, 3, 1, 2)], {}, 0),
    ("rms", {"type": "RMSNormalization"}, [[N, 5, 8]], [(N, 5, 8)], {"l/scale": ((8,), True)}, 8),
    ("rms-axes-sorted", {"type": "RMSNormalization", "axis": [-1, 1]}, [[N, 4, 5]], [(N, 4, 5)],
     {"l/scale": ((5, 4), True)}, 20),
    ("resizing", {"type": "Resizing", "height": 4, "width": 5}, [[N, 8, 8, 3]], [(N, 4, 5, 3)], {}, 0),
    ("resizing-cf", {"type": "Resizing", "height": 4, "width": 5, "data_format": "channels_first"},
     [[N, 3, N, 8]], [(N, 3, 4, 5)], {}, 0),
    ("resizing-one-image", {"type": "Resizing", "height": 4, "width": 5}, [[N, 8, 3]], [(4, 5, 3)],
     {}, 0),
    ("center-crop-up", {"type": "CenterCrop", "height": 12, "width": 5}, [[N, 8, 8, 3]],
     [(N, 12, 5, 3)], {}, 0),
    ("random-crop-same", {"type": "RandomCrop", "height": 8, "width": 8}, [[N, 8, 8, 3]],
     [(N, 8, 8, 3)], {}, 0),
    ("flip", {"type": "RandomFlip"}, [[N, 8, 8, 3]], [(N, 8, 8, 3)], {}, 0),
    ("rotation", {"type": "RandomRotation", "factor": 0.2}, [[N, N, N, 1]], [(N, N, N, 1)], {}, 0),
    ("grayscale-keeps-3-channels", {"type": "RandomGrayscale"}, [[N, 8, 8, 3]], [(N, 8, 8, 3)], {}, 0),
    ("grayscale-1-channel", {"type": "RandomGrayscale", "data_format": "channels_first"},
     [[N, 1, 8, 8]], [(N, 1, 8, 8)], {}, 0),
    ("hue-cf", {"type": "RandomHue", "factor": 0.1, "data_format": "channels_first"},
     [[N, 3, 8, 8]], [(N, 3, 8, 8)], {}, 0),
    ("jitter-brightness-4ch", {"type": "RandomColorJitter", "brightness_factor": 0.2},
     [[N, 8, 8, 4]], [(N, 8, 8, 4)], {}, 0),
    ("augmix-unbatched", {"type": "AugMix"}, [[8, 8, 3]], [(8, 8, 3)], {}, 0),
    ("clahe", {"type": "ContrastLimitedAdaptiveHistogramEqualization"}, [[N, 16, 16, 1]],
     [(N, 16, 16, 1)], {}, 0),
    ("category-multi-hot", {"type": "CategoryEncoding", "num_tokens": 4}, [[N, 3]], [(N, 4)], {}, 0),
    ("category-one-hot", {"type": "CategoryEncoding", "num_tokens": 4, "output_mode": "one_hot"},
     [[N, 3]], [(N, 3, 4)], {}, 0),
    ("category-one-hot-drops-1", {"type": "CategoryEncoding", "num_tokens": 4,
                                  "output_mode": "one_hot"}, [[N, 1]], [(N, 4)], {}, 0),
    ("category-rank1-count", {"type": "CategoryEncoding", "num_tokens": 4, "output_mode": "count"},
     [[N]], [(4,)], {}, 0),
    ("hashing-int", {"type": "Hashing", "num_bins": 4}, [[N, 3]], [(N, 3)], {}, 0),
    ("hashing-count", {"type": "Hashing", "num_bins": 4, "output_mode": "count"}, [[N, 3]],
     [(N, 4)], {}, 0),
    ("crossing-int", {"type": "HashedCrossing", "num_bins": 4}, [[N, 3], [N, 3]], [(N, 3)], {}, 0),
    ("crossing-one-hot-1", {"type": "HashedCrossing", "num_bins": 4, "output_mode": "one_hot"},
     [[N, 1], [N, 1]], [(N, 4)], {}, 0),
    ("crossing-one-hot", {"type": "HashedCrossing", "num_bins": 4, "output_mode": "one_hot"},
     [[N, 5, 3], [N, 3]], [(N, 5, 3, 4)], {}, 0),
    ("discretization-int", {"type": "Discretization", "num_bins": 3}, [[N, 3]], [(N, 3)], {}, 0),
    ("discretization-count-axis1", {"type": "Discretization", "bin_boundaries": [0.0, 1.0],
                                    "output_mode": "count"}, [[N, 5, 3]], [(N, 3, 3)], {}, 0),
    ("discretization-one-hot", {"type": "Discretization", "num_bins": 4, "output_mode": "one_hot"},
     [[N, 5, 1]], [(N, 5, 4)], {}, 0),
    ("string-lookup-int", {"type": "StringLookup", "vocabulary": ["a", "b"]}, [[N, 3]], [(N, 3)], {}, 0),
    ("string-lookup-multi-hot", {"type": "StringLookup", "vocabulary": ["a", "b", "c"],
                                 "output_mode": "multi_hot"}, [[N, 5]], [(N, 4)], {}, 0),
    ("string-lookup-specials-first", {"type": "StringLookup", "vocabulary": ["[UNK]", "a", "b"],
                                      "output_mode": "one_hot"}, [[N, 5]], [(N, 5, 3)], {}, 0),
    ("string-lookup-two-oov", {"type": "StringLookup", "vocabulary": ["a", "b"], "num_oov_indices": 2,
                               "output_mode": "count"}, [[N, 5]], [(N, 4)], {}, 0),
    ("integer-lookup-padded", {"type": "IntegerLookup", "max_tokens": 9, "pad_to_max_tokens": True,
                               "output_mode": "tf_idf"}, [[N, 3]], [(N, 9)], {}, 0),
    ("integer-lookup-recorded", {"type": "IntegerLookup", "vocabulary_size": 6,
                                 "output_mode": "binary"}, [[N, 3]], [(N, 6)], {}, 0),
    ("lookup-vocabulary-file", {"type": "StringLookup", "vocabulary": "/no/such/vocab.txt",
                                "output_mode": "multi_hot"}, [[N, 3]], [(N, N)], {}, 0),
    ("lookup-adapted-later", {"type": "StringLookup", "output_mode": "one_hot"}, [[N, 3]],
     [(N, 3, N)], {}, 0),
    ("text-int", {"type": "TextVectorization", "output_sequence_length": 7}, [[N]], [(N, 7)], {}, 0),
    ("text-int-unknown-length", {"type": "TextVectorization"}, [[N, 1]], [(N, N)], {}, 0),
    ("text-count", {"type": "TextVectorization", "vocabulary": ["a", "b"], "output_mode": "count"},
     [[N]], [(N, 3)], {}, 0),
    ("text-one-hot", {"type": "TextVectorization", "vocabulary": ["a", "b"], "output_mode": "one_hot"},
     [[N]], [(N, N, 3)], {}, 0),
    ("text-no-split", {"type": "TextVectorization", "vocabulary": ["a", "b"], "split": None,
                       "output_mode": "multi_hot"}, [[N, 4]], [(N, 3)], {}, 0),
    ("mel", {"type": "MelSpectrogram", "fft_length": 16, "sequence_stride": 4, "num_mel_bins": 5},
     [[N, 16]], [(N, 5, 5)], {}, 0),
    ("mel-one-clip", {"type": "MelSpectrogram", "fft_length": 16, "sequence_stride": 4,
                      "num_mel_bins": 5}, [[20]], [(5, 6)], {}, 0),
    ("mel-unknown", {"type": "MelSpectrogram"}, [[N, N]], [(N, 128, N)], {}, 0),
    ("stft", {"type": "STFTSpectrogram", "frame_length": 8}, [[N, 32, 1]], [(N, 7, 5)],
     {"l/real_kernel": ((8, 1, 5), True), "l/imag_kernel": ((8, 1, 5), True)}, 80),
    ("stft-stft-mode", {"type": "STFTSpectrogram", "frame_length": 8, "frame_step": 3,
                        "fft_length": 16, "mode": "stft"}, [[N, 32, 2]], [(N, 9, 36)],
     {"l/real_kernel": ((8, 1, 9), True), "l/imag_kernel": ((8, 1, 9), True)}, 144),
    ("stft-same-real-expand", {"type": "STFTSpectrogram", "frame_length": 8, "frame_step": 3,
                               "padding": "same", "mode": "real", "expand_dims": True},
     [[N, 31, 2]], [(N, 11, 5, 2)], {"l/real_kernel": ((8, 1, 5), True)}, 40),
    ("stft-cf", {"type": "STFTSpectrogram", "frame_length": 8, "frame_step": 3, "mode": "imag",
                 "data_format": "channels_first"}, [[N, 2, 31]], [(N, 10, 8)],
     {"l/imag_kernel": ((8, 1, 5), True)}, 40),
    ("rnn-lstm-cell", {"type": "RNN", "cell": LSTM4}, [[N, 5, 3]], [(N, 4)],
     {"l/lstm_cell/kernel": ((3, 16), True), "l/lstm_cell/recurrent_kernel": ((4, 16), True),
      "l/lstm_cell/bias": ((16,), True)}, 128),
    ("rnn-lstm-states", {"type": "RNN", "cell": LSTM4, "return_sequences": True, "return_state": True},
     [[N, 5, 3]], [(N, 5, 4), (N, 4), (N, 4)],
     {"l/lstm_cell/kernel": ((3, 16), True), "l/lstm_cell/recurrent_kernel": ((4, 16), True),
      "l/lstm_cell/bias": ((16,), True)}, 128),
    ("rnn-gru-cell-named", {"type": "RNN", "cell": {"type": "GRUCell", "units": 2, "name": "g",
                                                     "reset_after": False}}, [[N, N, 3]], [(N, 2)],
     {"l/g/kernel": ((3, 6), True), "l/g/recurrent_kernel": ((2, 6), True), "l/g/bias": ((6,), True)},
     36),
    ("rnn-stacked", {"type": "RNN", "return_state": True, "cell": {
        "type": "StackedRNNCells", "cells": [{"type": "SimpleRNNCell", "units": 4},
                                             {"type": "LSTMCell", "units": 2, "use_bias": False}]}},
     [[N, 5, 3]], [(N, 2), (N, 4), (N, 2), (N, 2)],
     {"l/stacked_rnn_cells/simple_rnn_cell/kernel": ((3, 4), True),
      "l/stacked_rnn_cells/simple_rnn_cell/recurrent_kernel": ((4, 4), True),
      "l/stacked_rnn_cells/simple_rnn_cell/bias": ((4,), True),
      "l/stacked_rnn_cells/lstm_cell/kernel": ((4, 8), True),
      "l/stacked_rnn_cells/lstm_cell/recurrent_kernel": ((2, 8), True)}, 80),
    ("rnn-cell-list", {"type": "RNN", "cell": [LSTM4, {"type": "GRUCell", "units": 2}]},
     [[N, 5, 3]], [(N, 2)],
     {"l/stacked_rnn_cells/lstm_cell/kernel": ((3, 16), True),
      "l/stacked_rnn_cells/lstm_cell/recurrent_kernel": ((4, 16), True),
      "l/stacked_rnn_cells/lstm_cell/bias": ((16,), True),
      "l/stacked_rnn_cells/gru_cell/kernel": ((4, 6), True),
      "l/stacked_rnn_cells/gru_cell/recurrent_kernel": ((2, 6), True),
      "l/stacked_rnn_cells/gru_cell/bias": ((2, 6), True)}, 176),
    ("spectral-dense", {"type": "SpectralNormalization", "layer": {"type": "Dense", "units": 4}},
     [[N, 3]], [(N, 4)], {"l/dense/kernel": ((3, 4), True), "l/vector_u": ((1, 4), False),
                          "l/dense/bias": ((4,), True)}, 20),
    ("spectral-conv-transpose", {"type": "SpectralNormalization",
                                 "layer": {"type": "Conv2DTranspose", "filters": 4, "kernel_size": 3}},
     [[N, 8, 8, 3]], [(N, 10, 10, 4)],
     {"l/conv2d_transpose/kernel": ((3, 3, 4, 3), True), "l/vector_u": ((1, 3), False),
      "l/conv2d_transpose/bias": ((4,), True)}, 115),
    ("spectral-embedding", {"type": "SpectralNormalization",
                            "layer": {"type": "Embedding", "input_dim": 10, "output_dim": 4}},
     [[N, 3]], [(N, 3, 4)], {"l/embedding/embeddings": ((10, 4), True), "l/vector_u": ((1, 4), False)},
     44),
    ("reversible", {"type": "ReversibleEmbedding", "input_dim": 10, "output_dim": 4}, [[N, 3]],
     [(N, 3, 4)], {"l/embeddings": ((10, 4), True)}, 40),
    ("reversible-lora", {"type": "ReversibleEmbedding", "input_dim": 5, "output_dim": 3, "lora_rank": 2},
     [[N, 4]], [(N, 4, 3)], {"l/embeddings": ((5, 3), False), "l/lora_embeddings_a": ((5, 2), True),
                             "l/lora_embeddings_b": ((2, 3), True)}, 31),
    ("reversible-untied", {"type": "ReversibleEmbedding", "input_dim": 10, "output_dim": 4,
                           "tie_weights": False}, [[N, 3]], [(N, 3, 4)],
     {"l/embeddings": ((10, 4), True), "l/reverse_embeddings": ((4, 10), True)}, 80),
]


@pytest.mark.parametrize("layer,shapes,outputs,weights,params", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_layer_table(layer, shapes, outputs, weights, params):
    report, got = run(layer, *shapes)
    assert report.ok, report.diagnostics
    assert got.output_shapes == tuple(outputs)
    assert {w.path: (w.shape, w.trainable) for w in got.weights} == weights
    assert got.params == params


def test_weight_order_follows_keras():
    """Keras lists the wrapped kernel first (the wrapper tracks it), then vector_u; with
    LoRA the kernel is a computed tensor and vector_u comes first."""
    _, got = run({"type": "SpectralNormalization", "layer": {"type": "Dense", "units": 4}}, [N, 3])
    assert [w.path for w in got.weights] == ["l/dense/kernel", "l/vector_u", "l/dense/bias"]
    _, got = run({"type": "SpectralNormalization",
                  "layer": {"type": "Dense", "units": 4, "lora_rank": 2}}, [N, 3])
    assert [(w.path, w.trainable) for w in got.weights] == [
        ("l/vector_u", False), ("l/dense/kernel", False), ("l/dense/bias", True),
        ("l/dense/lora_kernel_a", True), ("l/dense/lora_kernel_b", True)]


ERRORS = [
    # (id, layer, input shapes, code, text in the message or hint)
    ("adaptive-rank", {"type": "AdaptiveMaxPooling1D", "output_size": 4}, [[N, 7]], "SC301", "ndim=3"),
    ("adaptive-size-0", {"type": "AdaptiveAveragePooling1D", "output_size": 0}, [[N, 7, 2]],
     "SC403", ">= 1"),
    ("adaptive-size-list", {"type": "AdaptiveAveragePooling2D", "output_size": [2, 2, 2]},
     [[N, 7, 7, 2]], "SC403", "2 integers"),
    ("rms-axis", {"type": "RMSNormalization", "axis": 3}, [[N, 4, 5]], "SC301", "out of bounds"),
    ("rms-unknown", {"type": "RMSNormalization"}, [[N, 4, N]], "SC302", "undefined"),
    ("resize-rank", {"type": "Resizing", "height": 2, "width": 2}, [[N, 2, 8, 8, 3]], "SC301", "rank 3"),
    ("resize-both-ratios", {"type": "Resizing", "height": 2, "width": 2, "crop_to_aspect_ratio": True,
                            "pad_to_aspect_ratio": True}, [[N, 8, 8, 3]], "SC403", "only one"),
    ("crop-missing-width", {"type": "CenterCrop", "height": 2}, [[N, 8, 8, 3]], "SC404", "width"),
    ("flip-rank", {"type": "RandomFlip"}, [[N, 8, 3]], "", ""),  # rank 3 is one image: fine
    ("hue-4-channels", {"type": "RandomHue", "factor": 0.2}, [[N, 8, 8, 4]], "SC306", "3 channels"),
    ("saturation-cf", {"type": "RandomSaturation", "factor": 0.2, "data_format": "channels_first"},
     [[N, 8, 8, 3]], "SC306", "axis 1"),
    ("grayscale-4", {"type": "RandomGrayscale"}, [[N, 8, 8, 4]], "SC306", "1 or 3"),
    ("degeneration-1", {"type": "RandomColorDegeneration", "factor": 0.2}, [[N, 8, 8, 1]], "SC306",
     "when it builds"),
    ("jitter-hue-cf", {"type": "RandomColorJitter", "hue_factor": 0.2, "data_format": "channels_first"},
     [[N, 3, 8, 8]], "SC306", "last axis"),
    ("randaugment-2", {"type": "RandAugment"}, [[N, 8, 8, 2]], "SC306", "1 or 3"),
    ("rotation-factor-missing", {"type": "RandomRotation"}, [[N, 8, 8, 3]], "SC404", "factor"),
    ("flip-unknown-arg", {"type": "RandomFlip", "factor": 0.5}, [[N, 8, 8, 3]], "SC402", "factor"),
    ("category-no-tokens", {"type": "CategoryEncoding"}, [[N, 3]], "SC404", "num_tokens"),
    ("category-mode", {"type": "CategoryEncoding", "num_tokens": 3, "output_mode": "int"}, [[N, 3]],
     "SC403", "output_mode"),
    ("hashing-float-int", {"type": "Hashing", "num_bins": 3, "dtype": "float32"}, [[N, 3]], "SC403",
     "integer type"),
    ("crossing-clash", {"type": "HashedCrossing", "num_bins": 3}, [[N, 3], [N, 2]], "SC306",
     "identical"),
    ("crossing-none", {"type": "HashedCrossing", "num_bins": 3}, [[N, 3], [N, N]], "SC306", "identical"),
    ("crossing-one", {"type": "HashedCrossing", "num_bins": 3}, [[N, 3]], "SC206", "2 input"),
    ("discretization-both", {"type": "Discretization", "num_bins": 3, "bin_boundaries": [0.0]},
     [[N, 3]], "SC403", "both"),
    ("discretization-none", {"type": "Discretization"}, [[N, 3]], "SC404", "either"),
    ("lookup-repeated", {"type": "IntegerLookup", "vocabulary": [1, 2, 2]}, [[N, 3]], "SC403",
     "repeated"),
    ("lookup-empty", {"type": "StringLookup", "vocabulary": []}, [[N, 3]], "SC403", "empty"),
    ("lookup-too-big", {"type": "StringLookup", "vocabulary": ["a", "b", "c"], "max_tokens": 3},
     [[N, 3]], "SC403", "larger than the maximum"),
    ("lookup-mask-inside", {"type": "StringLookup", "vocabulary": ["a", ""], "mask_token": ""},
     [[N, 3]], "SC403", "reserved"),
    ("lookup-invert-one-hot", {"type": "StringLookup", "invert": True, "output_mode": "one_hot"},
     [[N, 3]], "SC403", "invert"),
    ("lookup-pad-no-max", {"type": "StringLookup", "pad_to_max_tokens": True,
                           "output_mode": "count"}, [[N, 3]], "SC403", "max_tokens"),
    ("lookup-tf-idf-no-weights", {"type": "StringLookup", "vocabulary": ["a"], "output_mode": "tf_idf"},
     [[N, 3]], "SC403", "idf_weights"),
    ("lookup-idf-length", {"type": "StringLookup", "vocabulary": ["a"], "output_mode": "tf_idf",
                           "idf_weights": [1.0, 1.0]}, [[N, 3]], "SC403", "same length"),
    ("lookup-size-disagrees", {"type": "StringLookup", "vocabulary": ["a"], "vocabulary_size": 5,
                               "output_mode": "count"}, [[N, 3]], "SC403", "disagrees"),
    ("integer-lookup-dtype", {"type": "IntegerLookup", "vocabulary_dtype": "int32"}, [[N, 3]],
     "SC403", "int64"),
    ("text-2-strings", {"type": "TextVectorization"}, [[N, 2]], "SC306", "last shape dimension"),
    ("text-length-not-int", {"type": "TextVectorization", "output_mode": "count",
                             "output_sequence_length": 4}, [[N]], "SC403", "must not be set"),
    ("mel-short", {"type": "MelSpectrogram", "fft_length": 16}, [[N, 8]], "SC308", "more than"),
    ("mel-fft", {"type": "MelSpectrogram", "fft_length": 8, "sequence_length": 16}, [[N, 80]],
     "SC403", "fft_length"),
    ("mel-window", {"type": "MelSpectrogram", "window": "blackman"}, [[N, 8000]], "SC403", "hann"),
    ("stft-rank", {"type": "STFTSpectrogram"}, [[N, 300]], "SC301", "ndim=3"),
    ("stft-short", {"type": "STFTSpectrogram", "frame_length": 8}, [[N, 5, 2]], "SC308", "does not fit"),
    ("stft-channels", {"type": "STFTSpectrogram", "frame_length": 8}, [[N, 32, N]], "SC302", "channel"),
    ("stft-step", {"type": "STFTSpectrogram", "frame_length": 8, "frame_step": 9}, [[N, 32, 1]],
     "SC403", "frame_step"),
    ("stft-length-1", {"type": "STFTSpectrogram", "frame_length": 1}, [[N, 32, 1]], "SC403",
     "frame_step"),
    ("stft-fft", {"type": "STFTSpectrogram", "frame_length": 8, "fft_length": 4}, [[N, 32, 1]],
     "SC403", "fft_length"),
    ("rnn-no-cell", {"type": "RNN"}, [[N, 5, 3]], "SC404", "cell"),
    ("rnn-layer-as-cell", {"type": "RNN", "cell": {"type": "LSTM", "units": 4}}, [[N, 5, 3]], "SC405",
     "LSTMCell"),
    ("rnn-rank", {"type": "RNN", "cell": LSTM4}, [[N, 5]], "SC301", "ndim=3"),
    ("rnn-features-unknown", {"type": "RNN", "cell": LSTM4}, [[N, 5, N]], "SC302", "undefined"),
    ("rnn-stateful-batch", {"type": "RNN", "cell": LSTM4, "stateful": True}, [[N, 5, 3]], "SC403",
     "batch size"),
    ("rnn-empty-stack", {"type": "RNN", "cell": {"type": "StackedRNNCells", "cells": []}},
     [[N, 5, 3]], "SC403", "at least one cell"),
    ("rnn-dense-in-stack", {"type": "RNN", "cell": [LSTM4, {"type": "Dense", "units": 2}]},
     [[N, 5, 3]], "SC405", "recurrent cells"),
    ("cell-alone", LSTM4, [[N, 3]], "SC405", "inside an RNN"),
    ("stack-alone", {"type": "StackedRNNCells", "cells": [LSTM4]}, [[N, 3]], "SC405", "RNN"),
    ("spectral-no-kernel", {"type": "SpectralNormalization", "layer": {"type": "LSTM", "units": 2}},
     [[N, 5, 3]], "SC405", "'kernel' nor 'embeddings'"),
    ("spectral-separable", {"type": "SpectralNormalization",
                            "layer": {"type": "SeparableConv2D", "filters": 2, "kernel_size": 3}},
     [[N, 8, 8, 3]], "SC405", "'kernel'"),
    ("spectral-no-layer", {"type": "SpectralNormalization"}, [[N, 3]], "SC404", "layer"),
    ("spectral-power", {"type": "SpectralNormalization", "layer": {"type": "Dense", "units": 2},
                        "power_iterations": 0}, [[N, 3]], "SC403", ">= 1"),
    ("reversible-untied-lora", {"type": "ReversibleEmbedding", "input_dim": 5, "output_dim": 3,
                                "tie_weights": False, "lora_rank": 2}, [[N, 4]], "SC403", "lora_rank"),
    ("spectral-inner-error", {"type": "SpectralNormalization", "layer": {"type": "Dense", "units": 2}},
     [[N, N]], "SC302", "undefined"),
]


@pytest.mark.parametrize("layer,shapes,code,text", [c[1:] for c in ERRORS],
                         ids=[c[0] for c in ERRORS])
def test_layer_errors(layer, shapes, code, text):
    report, _ = run(layer, *shapes)
    if not code:
        assert report.ok, report.diagnostics
        return
    assert not report.ok
    found = [d for d in report.diagnostics if d.code == code]
    assert found, report.diagnostics
    assert text.lower() in (found[0].message + (found[0].hint or "")).lower()


def _out(report, name="l", k=0):
    return fmt_shape(report.layers[name].output_shapes[k])


def _codes(report):
    return [d.code for d in report.diagnostics]


WARNINGS = [
    # (id, layer, input shapes, the shape at run time the SC307 warning gives)
    ("random-crop-inference", {"type": "RandomCrop", "height": 4, "width": 5}, [[N, 8, 8, 3]],
     "(None, 8, 8, 3)"),
    ("category-count-rank3", {"type": "CategoryEncoding", "num_tokens": 4, "output_mode": "count"},
     [[N, 3, 5]], "(None, 5, 4)"),
    ("hashing-one-hot", {"type": "Hashing", "num_bins": 4, "output_mode": "one_hot"}, [[N, 3]],
     "(None, 3, 4)"),
    ("lookup-multi-hot-rank3", {"type": "IntegerLookup", "vocabulary": [3, 4],
                                "output_mode": "multi_hot"}, [[N, 2, 5]], "(None, 5, 3)"),
    ("text-squeezed", {"type": "TextVectorization", "vocabulary": ["a"], "output_mode": "count"},
     [[N, 1]], "(None, 2)"),
    ("text-no-split-rank1", {"type": "TextVectorization", "vocabulary": ["a"], "split": None,
                             "output_mode": "multi_hot"}, [[N]], "(2,)"),
    ("mel-frames", {"type": "MelSpectrogram", "fft_length": 16, "sequence_stride": 4,
                    "num_mel_bins": 5}, [[N, 23]], "(None, 5, 6)"),
    ("mel-rank3", {"type": "MelSpectrogram", "fft_length": 4, "sequence_stride": 2,
                   "num_mel_bins": 5}, [[N, 6, 10]], "(None, 6, 5, 6)"),
]


@pytest.mark.parametrize("layer,shapes,runtime", [c[1:] for c in WARNINGS], ids=[c[0] for c in WARNINGS])
def test_runtime_shape_warnings(layer, shapes, runtime):
    report, _ = run(layer, *shapes)
    assert report.ok
    [d] = [d for d in report.diagnostics if d.code == "SC307"]
    assert f"returns {runtime} when it runs" in d.message and "static" in d.message


def test_no_warning_when_static_and_runtime_agree():
    for layer, shape in (({"type": "RandomCrop", "height": 8, "width": 8}, [N, 8, 8, 3]),
                         ({"type": "CategoryEncoding", "num_tokens": 4, "output_mode": "count"}, [N, 3]),
                         ({"type": "TextVectorization", "vocabulary": ["a"], "output_mode": "count"}, [N]),
                         ({"type": "MelSpectrogram", "fft_length": 16, "sequence_stride": 4}, [N, 16])):
        report, _ = run(layer, shape)
        assert report.ok and not report.diagnostics, (layer, report.diagnostics)


def test_equalization_warns_that_functional_models_fail():
    report, got = run({"type": "Equalization"}, [N, 8, 8, 3])
    assert report.ok and got.output_shapes == ((N, 8, 8, 3),)
    [d] = report.diagnostics
    assert d.code == "SC307" and "cycle" in d.message


def test_symbolic_image_sizes():
    report, _ = run({"type": "Resizing", "height": 4, "width": 5}, [N, "h", "w", 3])
    assert _out(report) == "(None, 4, 5, 3)" and not report.diagnostics
    report, _ = run({"type": "RandomZoom", "height_factor": 0.2}, [N, "h", "2*w", 3])
    assert _out(report) == "(None, h, 2*w, 3)" and not report.diagnostics
    report, _ = run({"type": "AdaptiveAveragePooling2D", "output_size": 2}, [N, "h", "h + 1", "c"])
    assert _out(report) == "(None, 2, 2, c)" and not report.diagnostics


def test_symbolic_channels_state_the_condition():
    report, _ = run({"type": "RandomHue", "factor": 0.2}, [N, 8, 8, "c"])
    assert report.ok and _codes(report) == ["SC304"] and "c to be 3" in report.diagnostics[0].message
    report, _ = run({"type": "RandomHue", "factor": 0.2}, [N, 8, 8, "c"], dims={"c": {"min": 3, "max": 3}})
    assert report.ok and not report.diagnostics
    report, _ = run({"type": "RandomHue", "factor": 0.2}, [N, 8, 8, "c"], dims={"c": {"min": 4}})
    assert not report.ok and _codes(report) == ["SC306"]


def test_symbolic_one_hot_last_axis():
    report, _ = run({"type": "CategoryEncoding", "num_tokens": 3, "output_mode": "one_hot"}, [N, "t"])
    assert _out(report) == "(None, t, 3)" and _codes(report) == ["SC304"]
    assert "whether t is 1" in report.diagnostics[0].message
    report, _ = run({"type": "CategoryEncoding", "num_tokens": 3, "output_mode": "one_hot"},
                    [N, "t + 1"])
    assert _out(report) == "(None, t + 1, 3)" and not report.diagnostics
    report, _ = run({"type": "CategoryEncoding", "num_tokens": 3, "output_mode": "one_hot"}, [N, "t"],
                    dims={"t": {"min": 2}})
    assert not report.diagnostics


def test_symbolic_spectrograms():
    report, _ = run({"type": "STFTSpectrogram", "frame_length": 8, "frame_step": 4}, [N, "t", 2])
    assert _out(report) == "(None, floor(t/4) - 1, 10)"  # floor((t - 8)/4) + 1
    assert _codes(report) == ["SC304"]  # t >= 8 for a frame
    report, _ = run({"type": "STFTSpectrogram", "frame_length": 8, "frame_step": 4}, [N, "t", 2],
                    dims={"t": {"min": 8}})
    assert report.ok and not report.diagnostics
    report, _ = run({"type": "STFTSpectrogram", "frame_length": 8, "frame_step": 4, "padding": "same"},
                    [N, "4*t", 2])
    assert _out(report) == "(None, t, 10)" and not report.diagnostics
    report, _ = run({"type": "MelSpectrogram", "fft_length": 16, "sequence_stride": 4,
                     "num_mel_bins": 5}, [N, "4*t + 8"])
    assert _out(report) == "(None, 5, t + 3)"  # Keras: floor((4t + 8 + 5) / 4) = t + 3
    # when it runs: 1 + floor((4t + 8) / 4) = t + 3 too; t >= 1 gives 12 > 8 samples
    assert report.ok and not report.diagnostics
    report, _ = run({"type": "MelSpectrogram", "fft_length": 16, "sequence_stride": 4}, [N, "t"])
    assert "SC304" in _codes(report) and "t > 8" in report.diagnostics[0].message


def test_symbolic_rnn_and_state_checks():
    report, _ = run({"type": "RNN", "cell": LSTM4, "return_sequences": True}, [N, "t", 3])
    assert _out(report) == "(None, t, 4)" and not report.diagnostics
    spec = {"inputs": {"x": [N, 5, 3], "h": [N, 4], "c": [N, "k"]},
            "layers": [{"name": "l", "type": "RNN", "cell": LSTM4, "inputs": "x",
                        "initial_state": ["h", "c"]}]}
    report = shapecheck.analyze(spec)
    assert report.ok and _codes(report) == ["SC304"] and "k == 4" in report.diagnostics[0].message
    spec["inputs"]["c"] = [N, 3]
    assert _codes(shapecheck.analyze(spec)) == ["SC305"]
    spec["layers"][0]["initial_state"] = ["h"]
    report = shapecheck.analyze(spec)
    assert _codes(report) == ["SC305"] and "takes 2" in report.diagnostics[0].message


def test_weight_axes_are_explained():
    for layer, shape in (({"type": "RMSNormalization"}, [N, 4]),
                         ({"type": "STFTSpectrogram", "frame_length": 4}, [N, 9, 1]),
                         ({"type": "RNN", "cell": [LSTM4, {"type": "GRUCell", "units": 2}]}, [N, 3, 2]),
                         ({"type": "SpectralNormalization", "layer": {"type": "Dense", "units": 2}},
                          [N, 3]),
                         ({"type": "ReversibleEmbedding", "input_dim": 5, "output_dim": 2,
                           "tie_weights": False}, [N, 3])):
        _, got = run(layer, shape)
        assert got.weights
        for w in got.weights:
            assert all(a.formula and a.why for a in w.axes), (layer, w)


def test_nested_cells_get_keras_auto_names():
    """Python builds the cells first, then the StackedRNNCells, then the RNN."""
    spec = {"inputs": {"x": [N, 5, 3]},
            "layers": [{"type": "RNN", "cell": [LSTM4, LSTM4], "inputs": "x"},
                       {"type": "RNN", "cell": {"type": "LSTMCell", "units": 2}, "inputs": "x"}],
            "outputs": ["rnn", "rnn_1"]}
    report = shapecheck.analyze(spec)
    assert report.ok, report.diagnostics
    paths = [w.path for layer in report.layers.values() for w in layer.weights if w.path.endswith("/kernel")
             and "recurrent" not in w.path]
    assert paths == ["rnn/stacked_rnn_cells/lstm_cell/kernel", "rnn/stacked_rnn_cells/lstm_cell_1/kernel",
                     "rnn_1/lstm_cell_2/kernel"]


def test_a_wrong_cell_argument_is_reported_even_when_the_input_is_unknown():
    spec = {"inputs": {"x": [N, 5, 3]},
            "layers": [{"type": "Reshape", "target_shape": [7]},
                       {"type": "RNN", "cell": {"type": "LSTMCell", "unit": 4}}]}
    report = shapecheck.analyze(spec)
    assert "SC402" in _codes(report)


@pytest.mark.keras
def test_keras_configs_with_cells_and_wrappers_are_read():
    """A model's own config (RNN with a StackedRNNCells, SpectralNormalization,
    preprocessing layers) gives the weights Keras builds."""
    keras = pytest.importorskip("keras")
    layers = keras.layers
    keras.backend.clear_session(free_memory=False)
    x = keras.Input((6, 3))
    y = layers.RNN(layers.StackedRNNCells([layers.LSTMCell(4), layers.GRUCell(2)]),
                   return_sequences=True)(x)
    y = layers.RNN([layers.SimpleRNNCell(3), layers.LSTMCell(2)], return_state=True)(y)
    z = layers.SpectralNormalization(layers.Dense(5))(y[0])
    z = layers.RMSNormalization()(z)
    words = keras.Input((1,), dtype="string")
    v = layers.TextVectorization(vocabulary=["a", "b"], output_mode="count")(words)
    img = keras.Input((9, 9, 3))
    i = layers.RandomFlip()(img)
    i = layers.Resizing(4, 4)(i)
    i = layers.AdaptiveAveragePooling2D(2)(i)
    model = keras.Model([x, words, img], [z, *y[1:], v, i])
    report = shapecheck.analyze(model)
    assert report.ok, report.diagnostics
    want = {v.path: (tuple(v.shape), v.trainable) for v in model.weights}
    got = {w.path: (w.shape, w.trainable) for layer in report.layers.values() for w in layer.weights}
    assert got == want
    assert report.total_params == model.count_params()
    assert [tuple(o.shape) for o in model.outputs][:4] == list(report.outputs)[:4]
