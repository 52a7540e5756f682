"""keras.io examples read whole, as they are written, against Keras 3 running the same code.

CycleGAN (keras-team/keras-io, examples/generative/cyclegan.py, the Keras 3 version in
keras-team/keras-core's examples/keras_io; Apache-2.0): its model-building code, verbatim
but for the prose between the code blocks and the imports of its data and plotting. Its
ReflectionPadding2D layer pads with ``ops.pad`` of ``ops.convert_to_tensor`` (mode
"reflect") in its call(), and GroupNormalization takes ``groups=x.shape[-1]``.

EANet (keras-team/keras-io, examples/vision/eanet.py, its Keras 3 version in keras-core's
examples/keras_io; Apache-2.0): its code up to the model, verbatim but for the prose and
the plotting import. Its Lambda divides by ``ops.convert_to_tensor(1e-9) + ops.sum(...)``,
its patch layer reshapes by ``ops.shape(x)[0]``, and a builder makes a Lambda at one line
for each of 8 blocks."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

from helpers import run_program  # noqa: E402

import shapecheck.api as api  # noqa: E402

CYCLEGAN = '''
import numpy as np
import keras as keras
from keras import layers
from keras import ops

orig_img_size = (286, 286)
# Size of the random crops to be used during training.
input_img_size = (256, 256, 3)
# Weights initializer for the layers.
kernel_init = keras.initializers.RandomNormal(mean=0.0, stddev=0.02)
# Gamma initializer for instance normalization.
gamma_init = keras.initializers.RandomNormal(mean=0.0, stddev=0.02)

class ReflectionPadding2D(layers.Layer):
    """Implements Reflection Padding as a layer.

    Args:
        padding(tuple): Amount of padding for the
        spatial dimensions.

    Returns:
        A padded tensor with the same type as the input tensor.
    """

    def __init__(self, padding=(1, 1), **kwargs):
        self.padding = tuple(padding)
        super().__init__(**kwargs)

    def call(self, input_tensor, mask=None):
        padding_width, padding_height = self.padding
        padding_tensor = [
            [0, 0],
            [padding_height, padding_height],
            [padding_width, padding_width],
            [0, 0],
        ]
        return ops.pad(
            input_tensor, ops.convert_to_tensor(padding_tensor), mode="reflect"
        )


def residual_block(
    x,
    activation,
    kernel_initializer=kernel_init,
    kernel_size=(3, 3),
    strides=(1, 1),
    padding="valid",
    gamma_initializer=gamma_init,
    use_bias=False,
):
    dim = x.shape[-1]
    input_tensor = x

    x = ReflectionPadding2D()(input_tensor)
    x = layers.Conv2D(
        dim,
        kernel_size,
        strides=strides,
        kernel_initializer=kernel_initializer,
        padding=padding,
        use_bias=use_bias,
    )(x)
    x = layers.GroupNormalization(
        groups=x.shape[-1], gamma_initializer=gamma_initializer
    )(x)
    x = activation(x)

    x = ReflectionPadding2D()(x)
    x = layers.Conv2D(
        dim,
        kernel_size,
        strides=strides,
        kernel_initializer=kernel_initializer,
        padding=padding,
        use_bias=use_bias,
    )(x)
    x = layers.GroupNormalization(
        groups=x.shape[-1], gamma_initializer=gamma_initializer
    )(x)
    x = layers.add([input_tensor, x])
    return x


def downsample(
    x,
    filters,
    activation,
    kernel_initializer=kernel_init,
    kernel_size=(3, 3),
    strides=(2, 2),
    padding="same",
    gamma_initializer=gamma_init,
    use_bias=False,
):
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        kernel_initializer=kernel_initializer,
        padding=padding,
        use_bias=use_bias,
    )(x)
    x = layers.GroupNormalization(
        groups=x.shape[-1], gamma_initializer=gamma_initializer
    )(x)
    if activation:
        x = activation(x)
    return x


def upsample(
    x,
    filters,
    activation,
    kernel_size=(3, 3),
    strides=(2, 2),
    padding="same",
    kernel_initializer=kernel_init,
    gamma_initializer=gamma_init,
    use_bias=False,
):
    x = layers.Conv2DTranspose(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        kernel_initializer=kernel_initializer,
        use_bias=use_bias,
    )(x)
    x = layers.GroupNormalization(
        groups=x.shape[-1], gamma_initializer=gamma_initializer
    )(x)
    if activation:
        x = activation(x)
    return x


def get_resnet_generator(
    filters=64,
    num_downsampling_blocks=2,
    num_residual_blocks=9,
    num_upsample_blocks=2,
    gamma_initializer=gamma_init,
    name=None,
):
    img_input = layers.Input(shape=input_img_size, name=name + "_img_input")
    x = ReflectionPadding2D(padding=(3, 3))(img_input)
    x = layers.Conv2D(
        filters, (7, 7), kernel_initializer=kernel_init, use_bias=False
    )(x)
    x = layers.GroupNormalization(
        groups=x.shape[-1], gamma_initializer=gamma_initializer
    )(x)
    x = layers.Activation("relu")(x)

    # Downsampling
    for _ in range(num_downsampling_blocks):
        filters *= 2
        x = downsample(x, filters=filters, activation=layers.Activation("relu"))

    # Residual blocks
    for _ in range(num_residual_blocks):
        x = residual_block(x, activation=layers.Activation("relu"))

    # Upsampling
    for _ in range(num_upsample_blocks):
        filters //= 2
        x = upsample(x, filters, activation=layers.Activation("relu"))

    # Final block
    x = ReflectionPadding2D(padding=(3, 3))(x)
    x = layers.Conv2D(3, (7, 7), padding="valid")(x)
    x = layers.Activation("tanh")(x)

    model = keras.models.Model(img_input, x, name=name)
    return model


def get_discriminator(
    filters=64, kernel_initializer=kernel_init, num_downsampling=3, name=None
):
    img_input = layers.Input(shape=input_img_size, name=name + "_img_input")
    x = layers.Conv2D(
        filters,
        (4, 4),
        strides=(2, 2),
        padding="same",
        kernel_initializer=kernel_initializer,
    )(img_input)
    x = layers.LeakyReLU(0.2)(x)

    num_filters = filters
    for num_downsample_block in range(3):
        num_filters *= 2
        if num_downsample_block < 2:
            x = downsample(
                x,
                filters=num_filters,
                activation=layers.LeakyReLU(0.2),
                kernel_size=(4, 4),
                strides=(2, 2),
            )
        else:
            x = downsample(
                x,
                filters=num_filters,
                activation=layers.LeakyReLU(0.2),
                kernel_size=(4, 4),
                strides=(1, 1),
            )

    x = layers.Conv2D(
        1,
        (4, 4),
        strides=(1, 1),
        padding="same",
        kernel_initializer=kernel_initializer,
    )(x)

    model = keras.models.Model(inputs=img_input, outputs=x, name=name)
    return model


# Get the generators
gen_G = get_resnet_generator(name="generator_G")
gen_F = get_resnet_generator(name="generator_F")

# Get the discriminators
disc_X = get_discriminator(name="discriminator_X")
disc_Y = get_discriminator(name="discriminator_Y")
'''


def _layers(model) -> list:
    """Each layer's class, output shapes and parameters, in order (the generators the file
    builds first take names from the same counters, so names are not compared)."""
    return [(type(layer).__name__, [tuple(t.shape) for t in layer._inbound_nodes[0].output_tensors],
             layer.count_params()) for layer in model.layers if type(layer).__name__ != "InputLayer"]


GENERATORS = 'gen_G = get_resnet_generator(name="generator_G")\ngen_F = get_resnet_generator(name="generator_F")\n'


def test_cyclegan_discriminators_match_keras_and_its_generators_fail_in_keras_3(tmp_path):
    """Keras 3 traces ReflectionPadding2D.call() in a graph, where the padding made by
    ops.convert_to_tensor is a symbolic tensor whose len() Keras's Pad asks for: building
    a generator fails (TypeError). The reader does not follow that call() (SC601), and
    checks the discriminators, which Keras builds."""
    assert GENERATORS in CYCLEGAN
    with pytest.raises(TypeError, match="len is not well defined for a symbolic Tensor"):
        run_program(keras, CYCLEGAN)
    scope = run_program(keras, CYCLEGAN.replace(GENERATORS, ""))
    path = tmp_path / "cyclegan.py"
    path.write_text(CYCLEGAN)
    reports = {r.model: r for r in api.analyze_python(str(path))}
    assert set(reports) == {"discriminator_X", "discriminator_Y"}
    for variable in ("disc_X", "disc_Y"):
        model = scope[variable]
        report = reports[model.name]
        ours = [(l.type, [tuple(s) for s in l.output_shapes], l.params) for l in report.layers.values()
                if l.type != "InputLayer"]
        assert ours == _layers(model), variable
        assert report.total_params == model.count_params(), variable
    said = [d for r in reports.values() for d in r.diagnostics if d.code == "SC601"]
    assert said and said[0].message.startswith("ReflectionPadding2D.call() is code the reader cannot follow")


EANET = '''
import keras as keras
from keras import layers
from keras import ops


num_classes = 100
input_shape = (32, 32, 3)

(x_train, y_train), (x_test, y_test) = keras.datasets.cifar100.load_data()
y_train = keras.utils.to_categorical(y_train, num_classes)
y_test = keras.utils.to_categorical(y_test, num_classes)
print(f"x_train shape: {x_train.shape} - y_train shape: {y_train.shape}")
print(f"x_test shape: {x_test.shape} - y_test shape: {y_test.shape}")


weight_decay = 0.0001
learning_rate = 0.001
label_smoothing = 0.1
validation_split = 0.2
batch_size = 128
num_epochs = 50
patch_size = 2  # Size of the patches to be extracted from the input images.
num_patches = (input_shape[0] // patch_size) ** 2  # Number of patch
embedding_dim = 64  # Number of hidden units.
mlp_dim = 64
dim_coefficient = 4
num_heads = 4
attention_dropout = 0.2
projection_dropout = 0.2
num_transformer_blocks = 8  # Number of repetitions of the transformer layer

print(f"Patch size: {patch_size} X {patch_size} = {patch_size ** 2} ")
print(f"Patches per image: {num_patches}")


data_augmentation = keras.Sequential(
    [
        layers.Normalization(),
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(factor=0.1),
        layers.RandomContrast(factor=0.1),
        layers.RandomZoom(height_factor=0.2, width_factor=0.2),
    ],
    name="data_augmentation",
)
# Compute the mean and the variance of the training data for normalization.
data_augmentation.layers[0].adapt(x_train)


class PatchExtract(layers.Layer):
    def __init__(self, patch_size, **kwargs):
        super().__init__(**kwargs)
        self.patch_size = patch_size

    def call(self, x):
        B, C = ops.shape(x)[0], ops.shape(x)[-1]
        x = ops.image.extract_patches(x, self.patch_size)
        x = ops.reshape(x, (B, -1, self.patch_size * self.patch_size * C))
        return x


class PatchEmbedding(layers.Layer):
    def __init__(self, num_patch, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.num_patch = num_patch
        self.proj = layers.Dense(embed_dim)
        self.pos_embed = layers.Embedding(
            input_dim=num_patch, output_dim=embed_dim
        )

    def call(self, patch):
        pos = ops.arange(start=0, stop=self.num_patch, step=1)
        return self.proj(patch) + self.pos_embed(pos)


def external_attention(
    x,
    dim,
    num_heads,
    dim_coefficient=4,
    attention_dropout=0,
    projection_dropout=0,
):
    _, num_patch, channel = x.shape
    assert dim % num_heads == 0
    num_heads = num_heads * dim_coefficient

    x = layers.Dense(dim * dim_coefficient)(x)
    # create tensor [batch_size, num_patches, num_heads, dim*dim_coefficient//num_heads]
    x = ops.reshape(
        x, (-1, num_patch, num_heads, dim * dim_coefficient // num_heads)
    )
    x = ops.transpose(x, axes=[0, 2, 1, 3])
    # a linear layer M_k
    attn = layers.Dense(dim // dim_coefficient)(x)
    # normalize attention map
    attn = layers.Softmax(axis=2)(attn)
    # dobule-normalization
    attn = layers.Lambda(
        lambda attn: ops.divide(
            attn,
            ops.convert_to_tensor(1e-9) + ops.sum(attn, axis=-1, keepdims=True),
        )
    )(attn)
    attn = layers.Dropout(attention_dropout)(attn)
    # a linear layer M_v
    x = layers.Dense(dim * dim_coefficient // num_heads)(attn)
    x = ops.transpose(x, axes=[0, 2, 1, 3])
    x = ops.reshape(x, [-1, num_patch, dim * dim_coefficient])
    # a linear layer to project original dim
    x = layers.Dense(dim)(x)
    x = layers.Dropout(projection_dropout)(x)
    return x


def mlp(x, embedding_dim, mlp_dim, drop_rate=0.2):
    x = layers.Dense(mlp_dim, activation=ops.gelu)(x)
    x = layers.Dropout(drop_rate)(x)
    x = layers.Dense(embedding_dim)(x)
    x = layers.Dropout(drop_rate)(x)
    return x


def transformer_encoder(
    x,
    embedding_dim,
    mlp_dim,
    num_heads,
    dim_coefficient,
    attention_dropout,
    projection_dropout,
    attention_type="external_attention",
):
    residual_1 = x
    x = layers.LayerNormalization(epsilon=1e-5)(x)
    if attention_type == "external_attention":
        x = external_attention(
            x,
            embedding_dim,
            num_heads,
            dim_coefficient,
            attention_dropout,
            projection_dropout,
        )
    elif attention_type == "self_attention":
        x = layers.MultiHeadAttention(
            num_heads=num_heads,
            key_dim=embedding_dim,
            dropout=attention_dropout,
        )(x, x)
    x = layers.add([x, residual_1])
    residual_2 = x
    x = layers.LayerNormalization(epsilon=1e-5)(x)
    x = mlp(x, embedding_dim, mlp_dim)
    x = layers.add([x, residual_2])
    return x


def get_model(attention_type="external_attention"):
    inputs = layers.Input(shape=input_shape)
    # Image augment
    x = data_augmentation(inputs)
    # Extract patches.
    x = PatchExtract(patch_size)(x)
    # Create patch embedding.
    x = PatchEmbedding(num_patches, embedding_dim)(x)
    # Create Transformer block.
    for _ in range(num_transformer_blocks):
        x = transformer_encoder(
            x,
            embedding_dim,
            mlp_dim,
            num_heads,
            dim_coefficient,
            attention_dropout,
            projection_dropout,
            attention_type,
        )

    x = layers.GlobalAveragePooling1D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    return model


model = get_model(attention_type="external_attention")

'''


def _cifar100():
    """keras.datasets.cifar100's arrays, by shape (nothing is downloaded)."""
    x, y = np.zeros((50, 32, 32, 3), "uint8"), np.arange(50).reshape(50, 1) % 100
    return (x, y), (x[:10], y[:10])


def test_eanet_matches_keras(tmp_path, monkeypatch):
    monkeypatch.setattr(keras.datasets.cifar100, "load_data", _cifar100)
    model = run_program(keras, EANET)["model"]
    path = tmp_path / "eanet.py"
    path.write_text(EANET)
    reports = {r.model: r for r in api.analyze_python(str(path))}
    report = reports[model.name]
    ours = [(l.type, [tuple(s) for s in l.output_shapes], l.params) for l in report.layers.values()
            if l.type != "InputLayer" and not l.type.startswith("ops.")]
    assert ours == _layers(model)
    assert report.total_params == model.count_params() == 361387
    # the Lambda of each block is followed once a place: one SC410 for the 8 made at its line
    (said,) = [d for d in report.diagnostics if d.layer == "lambda"]
    assert said.code == "SC410" and said.message.endswith("(and 7 more layers made here)")
    assert not [d for d in report.diagnostics if d.code == "SC410" and d.layer.startswith("lambda_")]
