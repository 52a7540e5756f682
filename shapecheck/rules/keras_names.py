"""Every layer class name that Keras 3.15.1 exports (``keras.layers``), so an
unknown ``type:`` can be told apart from a real Keras layer shapecheck has no rule
for yet, and misspellings get a "did you mean". Generated once from keras.layers;
the test suite checks it against the installed Keras. Also Keras's auto-names
(``snake_case``), which layer names and weight-file keys are made of.
"""

import re

KERAS_LAYERS = frozenset((
    'Activation',
    'ActivityRegularization',
    'AdaptiveAveragePooling1D',
    'AdaptiveAveragePooling2D',
    'AdaptiveAveragePooling3D',
    'AdaptiveMaxPooling1D',
    'AdaptiveMaxPooling2D',
    'AdaptiveMaxPooling3D',
    'Add',
    'AdditiveAttention',
    'AlphaDropout',
    'Attention',
    'AugMix',
    'AutoContrast',
    'Average',
    'AveragePooling1D',
    'AveragePooling2D',
    'AveragePooling3D',
    'AvgPool1D',
    'AvgPool2D',
    'AvgPool3D',
    'BatchNormalization',
    'Bidirectional',
    'CategoryEncoding',
    'CenterCrop',
    'Concatenate',
    'ContrastLimitedAdaptiveHistogramEqualization',
    'Conv1D',
    'Conv1DTranspose',
    'Conv2D',
    'Conv2DTranspose',
    'Conv3D',
    'Conv3DTranspose',
    'ConvLSTM1D',
    'ConvLSTM2D',
    'ConvLSTM3D',
    'Convolution1D',
    'Convolution1DTranspose',
    'Convolution2D',
    'Convolution2DTranspose',
    'Convolution3D',
    'Convolution3DTranspose',
    'Cropping1D',
    'Cropping2D',
    'Cropping3D',
    'CutMix',
    'Dense',
    'DepthwiseConv1D',
    'DepthwiseConv2D',
    'Discretization',
    'Dot',
    'Dropout',
    'ELU',
    'EinsumDense',
    'Embedding',
    'Equalization',
    'Flatten',
    'FlaxLayer',
    'GRU',
    'GRUCell',
    'GaussianDropout',
    'GaussianNoise',
    'GlobalAveragePooling1D',
    'GlobalAveragePooling2D',
    'GlobalAveragePooling3D',
    'GlobalAvgPool1D',
    'GlobalAvgPool2D',
    'GlobalAvgPool3D',
    'GlobalMaxPool1D',
    'GlobalMaxPool2D',
    'GlobalMaxPool3D',
    'GlobalMaxPooling1D',
    'GlobalMaxPooling2D',
    'GlobalMaxPooling3D',
    'GroupNormalization',
    'GroupQueryAttention',
    'HashedCrossing',
    'Hashing',
    'Identity',
    'InputLayer',
    'IntegerLookup',
    'JaxLayer',
    'LSTM',
    'LSTMCell',
    'Lambda',
    'Layer',
    'LayerNormalization',
    'LeakyReLU',
    'Masking',
    'MaxNumBoundingBoxes',
    'MaxPool1D',
    'MaxPool2D',
    'MaxPool3D',
    'MaxPooling1D',
    'MaxPooling2D',
    'MaxPooling3D',
    'Maximum',
    'MelSpectrogram',
    'Minimum',
    'MixUp',
    'MultiHeadAttention',
    'Multiply',
    'Normalization',
    'PReLU',
    'Permute',
    'Pipeline',
    'RMSNormalization',
    'RNN',
    'RandAugment',
    'RandomBrightness',
    'RandomColorDegeneration',
    'RandomColorJitter',
    'RandomContrast',
    'RandomCrop',
    'RandomElasticTransform',
    'RandomErasing',
    'RandomFlip',
    'RandomGaussianBlur',
    'RandomGrayscale',
    'RandomHue',
    'RandomInvert',
    'RandomPerspective',
    'RandomPosterization',
    'RandomRotation',
    'RandomSaturation',
    'RandomSharpness',
    'RandomShear',
    'RandomTranslation',
    'RandomZoom',
    'ReLU',
    'RepeatVector',
    'Rescaling',
    'Reshape',
    'Resizing',
    'ReversibleEmbedding',
    'STFTSpectrogram',
    'SeparableConv1D',
    'SeparableConv2D',
    'SeparableConvolution1D',
    'SeparableConvolution2D',
    'SimpleRNN',
    'SimpleRNNCell',
    'Softmax',
    'Solarization',
    'SpatialDropout1D',
    'SpatialDropout2D',
    'SpatialDropout3D',
    'SpectralNormalization',
    'StackedRNNCells',
    'StringLookup',
    'Subtract',
    'TFSMLayer',
    'TextVectorization',
    'TimeDistributed',
    'TorchModuleWrapper',
    'UnitNormalization',
    'UpSampling1D',
    'UpSampling2D',
    'UpSampling3D',
    'Wrapper',
    'ZeroPadding1D',
    'ZeroPadding2D',
    'ZeroPadding3D',
))

# Other names keras.layers exports for the same classes (keras.layers.MaxPool2D is
# MaxPooling2D). A Keras config records the class's own name; a spec may use either.
ALIASES = {
    "AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
    "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
    "Convolution1DTranspose": "Conv1DTranspose", "Convolution2DTranspose": "Conv2DTranspose",
    "Convolution3DTranspose": "Conv3DTranspose",
    "GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalAvgPool2D": "GlobalAveragePooling2D",
    "GlobalAvgPool3D": "GlobalAveragePooling3D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalMaxPool3D": "GlobalMaxPooling3D",
    "GroupQueryAttention": "GroupedQueryAttention",
    "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
    "SeparableConvolution1D": "SeparableConv1D", "SeparableConvolution2D": "SeparableConv2D",
}


# The activation names ``keras.activations.get`` accepts (Keras 3.15.1's ALL_OBJECTS_DICT),
# and the few older ones tf.keras 2 also takes; anything else Keras rejects when it builds
# the layer ("Could not interpret activation function identifier").
KERAS_ACTIVATIONS = frozenset((
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu",
    "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink",
    "threshold",
))
TF_KERAS_ACTIVATIONS = frozenset((
    "elu", "exponential", "gelu", "hard_sigmoid", "leaky_relu", "linear", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "softmax", "softplus", "softsign", "swish", "tanh",
))


# TensorFlow Addons' layers (tfa.layers of tensorflow-addons 0.23.0, its last release), by
# the registered name Keras 2 writes for them (``Addons>`` and the class), with their
# constructors' positional parameters (the first 8, from ``inspect.signature``), which the
# Python reader binds. The rules of those shapecheck has are in rules/addons.py; the
# others are reported as not supported yet.
TFA_LAYERS: dict[str, tuple[str, ...]] = {f"Addons>{name}": params for name, params in (
    ("AdaptiveAveragePooling1D", ("output_size", "data_format")),
    ("AdaptiveAveragePooling2D", ("output_size", "data_format")),
    ("AdaptiveAveragePooling3D", ("output_size", "data_format")),
    ("AdaptiveMaxPooling1D", ("output_size", "data_format")),
    ("AdaptiveMaxPooling2D", ("output_size", "data_format")),
    ("AdaptiveMaxPooling3D", ("output_size", "data_format")),
    ("CRF", ("units", "chain_initializer", "use_boundary", "boundary_initializer", "use_kernel")),
    ("CorrelationCost", ("kernel_size", "max_displacement", "stride_1", "stride_2", "pad", "data_format")),
    ("ESN", ("units", "connectivity", "leaky", "spectral_radius", "use_norm2", "use_bias", "activation",
             "kernel_initializer")),
    ("EmbeddingBag", ("input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
                      "embeddings_constraint", "mask_zero", "combiner")),
    ("FilterResponseNormalization", ("epsilon", "axis", "beta_initializer", "gamma_initializer",
                                     "beta_regularizer", "gamma_regularizer", "beta_constraint",
                                     "gamma_constraint")),
    ("GELU", ("approximate",)),
    ("GroupNormalization", ("groups", "axis", "epsilon", "center", "scale", "beta_initializer",
                            "gamma_initializer", "beta_regularizer")),
    ("InstanceNormalization", ()),
    ("MaxUnpooling2D", ("pool_size", "strides", "padding")),
    ("MaxUnpooling2DV2", ("output_size",)),
    ("Maxout", ("num_units", "axis")),
    ("MultiHeadAttention", ("head_size", "num_heads", "output_size", "dropout", "use_projection_bias",
                            "return_attn_coef", "kernel_initializer", "kernel_regularizer")),
    ("NoisyDense", ("units", "sigma", "use_factorised", "activation", "use_bias", "kernel_regularizer",
                    "bias_regularizer", "activity_regularizer")),
    ("PoincareNormalize", ("axis", "epsilon")),
    ("PolynomialCrossing", ("projection_dim", "diag_scale", "use_bias", "kernel_initializer",
                            "bias_initializer", "kernel_regularizer", "bias_regularizer")),
    ("Snake", ("frequency_initializer",)),
    ("Sparsemax", ("axis",)),
    ("SpatialPyramidPooling2D", ("bins", "data_format")),
    ("SpectralNormalization", ("layer", "power_iterations")),
    ("StochasticDepth", ("survival_probability",)),
    ("TLU", ("affine", "tau_initializer", "tau_regularizer", "tau_constraint", "alpha_initializer",
             "alpha_regularizer", "alpha_constraint")),
    ("WeightNormalization", ("layer", "data_init")),
)}


def tf_keras_path(layer_type: str, wrapped_type: str | None, path: str) -> str:
    """The name tf.keras 2 gives the variable Keras 3 calls ``path`` (the layer's own
    name first): ``:0`` added, a DepthwiseConv's ``kernel`` is its ``depthwise_kernel``,
    and a TimeDistributed builds its wrapped layer in its own name scope
    (``td/kernel:0`` for Keras 3's ``td/dense/kernel``)."""
    parts = path.split("/")
    if layer_type == "TimeDistributed" and len(parts) > 2:
        inner = tf_keras_path(wrapped_type or "", None, "/".join(parts[1:]))
        return f"{parts[0]}/{inner.split('/', 1)[1]}"
    if layer_type.startswith("DepthwiseConv") and parts[-1] == "kernel":
        parts[-1] = "depthwise_kernel"
    return "/".join(parts) + ":0"


def snake_case(name: str) -> str:
    """Keras's ``to_snake_case``, which its auto-names are built from; of a class's
    registered name (tfa's ``Addons>GELU``), of the class's own."""
    name = name.rpartition(">")[2]  # not a regex: ".*>" backtracks quadratically on a long name
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
