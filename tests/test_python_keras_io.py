"""keras.io examples read whole, as they are written, against Keras 3 running the same code.

CycleGAN (keras-team/keras-io, examples/generative/cyclegan.py, the Keras 3 version in
keras-team/keras-core's examples/keras_io; Apache-2.0): its model-building code, verbatim
but for the prose between the code blocks and the imports of its data and plotting. Its
ReflectionPadding2D layer pads with ``ops.pad`` of ``ops.convert_to_tensor`` (mode
"reflect") in its call(), and GroupNormalization takes ``groups=x.shape[-1]``."""

from __future__ import annotations

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
