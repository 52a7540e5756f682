"""The Python reader (shapecheck/reading/python): each construct it follows, as a small
program that Keras runs here (the oracle: exec in the test is fine, the product never
does) and shapecheck reads statically, layer by layer; and hostile sources, which must
end in a finding within seconds, never run, import or open anything they name."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

from helpers import TOKEN_AND_POSITION_EMBEDDING, TRANSFORMER_BLOCK, program_facts, run_program  # noqa: E402

import shapecheck  # noqa: E402
import shapecheck.api as api  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = "import keras\nfrom keras import layers, ops\n"

#: name -> a program that builds ``model``; each construct the reader follows.
PROGRAMS = {
    "sequential_list": """
        model = keras.Sequential([keras.Input(shape=(10, 4)), layers.LSTM(8, return_sequences=True),
                                  layers.LSTM(6), layers.Dense(3)])""",
    "model_add_chain": """
        model = keras.Sequential()
        model.add(keras.Input(shape=(28, 28, 1)))
        model.add(layers.Conv2D(8, 3, activation="relu"))
        model.add(layers.MaxPooling2D())
        model.add(layers.Flatten())
        model.add(layers.Dense(10))""",
    "star_imports": """
        # Keras's layers and models by star import (polyp-segmentation U-Nets write them so)
        from keras.layers import *
        from keras.models import *

        x = Input((16, 16, 3))
        y = concatenate([Conv2D(4, 3, padding="same")(x), MaxPool2D(1)(x)])
        model = Model(x, Dense(2)(GlobalAveragePooling2D()(y)))""",
    "list_methods_in_place": """
        # a U-Net's skips and sizes reversed in place for its decoder; sort, remove, clear
        sizes = [16, 8, 12]
        sizes.sort()
        sizes.remove(12)
        spare = [1, 2]
        spare.clear()
        x = inputs = keras.Input((32, 32, 3))
        skips = []
        for f in sizes:
            x = layers.Conv2D(f, 3, padding="same")(x)
            skips.append(x)
            x = layers.MaxPooling2D()(x)
        sizes.reverse()
        skips.reverse()
        for i, f in enumerate(sizes + spare):
            x = layers.UpSampling2D()(x)
            x = layers.Conv2D(f, 3, padding="same")(layers.Concatenate()([x, skips[i]]))
        model = keras.Model(inputs, x)""",
    "numpy_axes_and_indices": """
        # data shaped by numpy as keras.io's conv_lstm and attention MIL shape theirs: an
        # ellipsis, new axes, rows picked by a shuffled index list, axes swapped or moved
        import numpy as np

        dataset = np.zeros((200, 20, 16, 16), dtype="float32")[:100, ...][..., np.newaxis]
        indexes = np.arange(dataset.shape[0])
        np.random.shuffle(indexes)
        train = dataset[indexes[: int(0.9 * len(indexes))]]
        frames = keras.Input((None, *train.shape[2:]))
        bags = np.swapaxes(np.zeros((7, 3, 12, 5)), 0, 1)
        side = keras.Input(np.moveaxis(bags, -1, 1).transpose(0, 2, 1, 3)[[True, False, True], ..., None][0].shape)
        flat = layers.Flatten()(layers.Conv3D(2, 3, padding="same")(frames[:, 0:1]))
        model = keras.Model([frames, side], [flat, layers.Dense(2)(layers.Flatten()(side))])""",
    "tf_on_a_list_in_call": """
        # TensorFlow stacks a list of tensors given where it takes one (keras.io's attention
        # MIL: tf.math.softmax(instances, axis=0) over a bag's scores)
        import tensorflow as tf

        class Attention(layers.Layer):
            def call(self, inputs):
                alpha = tf.math.softmax(tf.math.tanh(inputs), axis=0)
                return alpha[0] + tf.reduce_sum(inputs, axis=0)

        bag = [keras.Input((1,)) for _ in range(3)]
        model = keras.Model(bag, layers.Dense(2)(Attention()(bag)))""",
    "lookup_vocabulary": """
        # a vocabulary the file gives: its size is known (keras.io's captcha OCR sizes its
        # softmax by len(char_to_num.get_vocabulary()) + 1)
        chars = layers.StringLookup(vocabulary=list("abc"), mask_token=None)
        masked = layers.StringLookup(vocabulary=["x", "y"], mask_token="", num_oov_indices=2)
        ints = layers.IntegerLookup(vocabulary=[3, 5, 7])
        words = layers.TextVectorization(vocabulary=["a", "b"])
        x = keras.Input((50, 8))
        sizes = [len(chars.get_vocabulary()) + 1, masked.vocabulary_size(), ints.vocabulary_size(),
                 len(words.get_vocabulary()), len(chars.get_vocabulary(include_special_tokens=False))]
        model = keras.Model(x, [layers.Dense(n)(x) for n in sizes])""",
    "call_returns_a_list": """
        # a Layer subclass whose call() returns tensors apart (keras.io's attention MIL layer
        # returns one score per instance), with sublayers of its own or without
        class Pair(layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.dense = layers.Dense(3)

            def call(self, inputs):
                return [self.dense(inputs[0]), inputs[1] * 2.0]

        class Halves(layers.Layer):
            def call(self, x):
                return [x * 0.5, x + 1.0]

        a, b = keras.Input((4,)), keras.Input((5,))
        p, q = Pair()([a, b])
        h1, h2 = Halves()(q)
        model = keras.Model([a, b], [p, layers.Add()([h1, h2])])""",
    "model_output_shape": """
        # keras-segmentation's get_segmentation_model: a model made to ask its output_shape
        x = keras.Input((24, 32, 3))
        o = layers.Conv2D(5, 3, padding="same")(x)
        o_shape = keras.Model(x, o).output_shape
        i_shape = keras.Model(x, o).input_shape
        o = layers.Reshape((o_shape[1] * o_shape[2], -1))(o)
        model = keras.Model(x, layers.Dense(i_shape[3])(layers.Activation("softmax")(o)))""",
    "introspection": """
        # what packages ask of their values: type(), callable(), eval() of a layer's name,
        # isinstance() of a layer (segmodels, keras-unet-collection, classification_models_3D)
        from keras.layers import ReLU

        def block(x, activation, strides=2):
            if type(strides) not in (tuple, list):
                strides = (strides, strides)
            name = activation.__name__ if callable(activation) else str(activation)
            x = layers.Conv2D(8, 3, strides=strides, padding="same", name=f"conv_{name}")(x)
            return eval(activation)()(x) if not callable(activation) else activation(x)

        x = inputs = keras.Input((32, 32, 3))
        x = block(x, "ReLU")
        x = block(x, "layers.ELU", strides=(1, 2))
        backbone = keras.Model(inputs, x)
        if isinstance(backbone.layers[-1], layers.MaxPooling2D):
            x = layers.Conv2D(99, 1)(x)
        if isinstance(backbone.layers[-1], (layers.ELU, layers.ReLU)) and isinstance(backbone, keras.Model):
            x = layers.Conv2D(4, 1)(x)
        model = keras.Model(inputs, x)""",
    "functional_two_inputs": """
        a = keras.Input(shape=(16,), name="a")
        b = keras.Input(shape=(8,), name="b")
        x = layers.concatenate([layers.Dense(4)(a), layers.Dense(4)(b)])
        model = keras.Model([a, b], layers.Dense(1)(x))""",
    "functional_called_on_a_dict": """
        inner_in = {"latent": keras.Input((4, 8), name="latent"), "data": keras.Input((6, 8), name="data")}
        attended = layers.Attention()([layers.Dense(8)(inner_in["latent"]), inner_in["data"]])
        inner = keras.Model(inputs=inner_in, outputs=layers.Add()([attended, inner_in["latent"]]))
        x, y = keras.Input((6, 8)), keras.Input((4, 8))
        model = keras.Model([x, y], inner({"data": x, "latent": y}))""",
    "tf_extract_patches_in_a_layer": """
        import tensorflow as tf

        class Patches(layers.Layer):  # keras.io's Perceiver (Keras 3 version)
            def __init__(self, patch_size):
                super().__init__()
                self.patch_size = patch_size

            def call(self, images):
                batch_size = tf.shape(images)[0]
                patches = tf.image.extract_patches(
                    images=images,
                    sizes=[1, self.patch_size, self.patch_size, 1],
                    strides=[1, self.patch_size, self.patch_size, 1],
                    rates=[1, 1, 1, 1],
                    padding="VALID",
                )
                patch_dims = patches.shape[-1]
                return tf.reshape(patches, [batch_size, -1, patch_dims])

        x = keras.Input((32, 32, 3))
        model = keras.Model(x, layers.Dense(4)(Patches(6)(x)))""",
    "fourier_ops": """
        class FNetLayer(layers.Layer):  # keras.io's MLP image classification (Keras 3 version)
            def __init__(self, embedding_dim, dropout_rate, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.ffn = keras.Sequential([layers.Dense(units=embedding_dim, activation="gelu"),
                                             layers.Dropout(rate=dropout_rate), layers.Dense(units=embedding_dim)])
                self.normalize1 = layers.LayerNormalization(epsilon=1e-6)
                self.normalize2 = layers.LayerNormalization(epsilon=1e-6)

            def call(self, inputs):
                real_part = inputs
                im_part = keras.ops.zeros_like(inputs)
                x = keras.ops.fft2((real_part, im_part))[0]
                x = x + inputs
                x = self.normalize1(x)
                x_ffn = self.ffn(x)
                x = x + x_ffn
                return self.normalize2(x)

        inputs = keras.Input((64, 32))
        x = FNetLayer(32, 0.2)(inputs)
        re, im = keras.ops.fft((x, x))
        model = keras.Model(inputs, layers.Dense(3)(keras.ops.ifft2((x, im))[1]))""",
    "sub_models_sharing_a_layer": """
        shared = layers.Dense(8)
        a_in = keras.Input((4,))
        a = keras.Model(a_in, shared(a_in), name="a")
        b_in = keras.Input((4,))
        b = keras.Model(b_in, layers.Dense(2)(shared(b_in)), name="b")
        x = keras.Input((4,))
        model = keras.Model(x, [a(x), b(x)], name="both")""",
    "shared_layer": """
        enc = layers.Dense(5)
        a, b = keras.Input((3,)), keras.Input((3,))
        model = keras.Model([a, b], layers.Add()([enc(a), enc(b)]))""",
    "return_state_unpacking": """
        x = keras.Input((7, 3))
        out, h, c = layers.LSTM(4, return_state=True)(x)
        y = layers.LSTM(4)(keras.Input((5, 2)), initial_state=[h, c])
        model = keras.Model(x, [out, h, c])""",
    "reflection_padding_layer": """
        class ReflectionPadding2D(layers.Layer):  # keras.io's CycleGAN
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
                return ops.pad(input_tensor, padding_tensor, mode="REFLECT")
        img_input = keras.Input(shape=(64, 64, 3))
        x = ReflectionPadding2D(padding=(3, 3))(img_input)
        x = layers.Conv2D(16, (7, 7), use_bias=False)(x)
        model = keras.Model(img_input, ReflectionPadding2D()(x))""",
    "namedtuple_results": """
        import collections
        from collections import namedtuple
        ModelFn = collections.namedtuple("ModelFn", ["model", "input_shape", "target_shape"])
        Spec = namedtuple("Spec", "units depth", defaults=(2,))
        def make(spec):
            inputs = keras.Input((3,))
            x = inputs
            for _ in range(spec.depth):
                x = layers.Dense(spec.units)(x)
            return ModelFn(keras.Model(inputs, x), (None, 3), (None, spec.units))
        built = make(Spec(8))
        inner, shape, target = built
        model = keras.Model(i := keras.Input(shape[1:]), built.model(i))""",
    "builder_passing_its_locals_on": """
        def stack(width=8, depth=2, name="m", **kwargs):
            x = inputs = keras.Input((width,))
            for i in range(depth):
                x = layers.Dense(width * 2, name=f"{name}_d{i}")(x)
            return keras.Model(inputs, x, name=name)

        def small(width=4, name="small", **kwargs):
            return stack(**locals(), **kwargs)

        model = small(depth=3)""",
    "sub_models_inner_layer_used_directly": """
        x = keras.Input((8,))
        hidden = layers.Dense(4)
        h = hidden(x)
        encoder = keras.Model(x, h, name="encoder")
        head = layers.Dense(2)(encoder(x))
        model = keras.Model(x, [head, layers.Dense(3)(h)])""",
    "sequential_sub_models_layer_used_directly": """
        shared = layers.Dense(5)
        tower = keras.Sequential([keras.Input((6,)), shared, layers.Dense(2)])
        x = keras.Input((6,))
        model = keras.Model(x, [tower(x), shared(x)])""",
    "argparse_defaults": """
        import argparse
        parser = argparse.ArgumentParser(description="a script's options")
        parser.add_argument("--units", type=int, default="16")
        group = parser.add_argument_group("shape")
        group.add_argument("-k", "--kernel-size", type=int, default=3)
        parser.add_argument("--deep", action="store_true")
        parser.add_argument("--no-bias", dest="bias", action="store_false")
        parser.set_defaults(filters=8)
        args = parser.parse_args()
        x = keras.Input((20, 4))
        y = layers.Conv1D(args.filters, args.kernel_size, use_bias=args.bias)(x)
        if args.deep:
            y = layers.Conv1D(99, 3)(y)
        model = keras.Model(x, layers.Dense(args.units)(y))""",
    "ops_split_into_sections": """
        x = keras.Input((6, 4))
        a, b = ops.split(x, 2, axis=1)
        c, d, e = ops.split(x, [1, 3], axis=-1)
        y = layers.Concatenate()([a, b, ops.repeat(c, 4, axis=-1)[:, :3]])
        model = keras.Model(x, [layers.Dense(3)(y), layers.Dense(2)(ops.concatenate([d, e], -1))])""",
    "weightless_layer_subclasses": """
        class Sampling(layers.Layer):  # keras.io's variational autoencoder
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.seed_generator = keras.random.SeedGenerator(1337)

            def call(self, inputs):
                z_mean, z_log_var = inputs
                batch = ops.shape(z_mean)[0]
                dim = ops.shape(z_mean)[1]
                epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
                return z_mean + ops.exp(0.5 * z_log_var) * epsilon

        class CenterAndScale(layers.Layer):
            def __init__(self, factor=2.0, axis=-1, **kwargs):
                super().__init__(**kwargs)
                self.factor, self.axis = factor, axis

            def _mean(self, x):
                return ops.mean(x, axis=self.axis, keepdims=True)

            def call(self, x):
                return (x - self._mean(x)) * self.factor

        x = keras.Input((28, 28, 1))
        h = layers.Flatten()(layers.Conv2D(8, 3, strides=2, padding="same")(x))
        z_mean, z_log_var = layers.Dense(2)(h), layers.Dense(2)(h)
        z = Sampling()([z_mean, z_log_var])
        scaled = CenterAndScale(axis=1, name="scaled")(layers.Reshape((14, 14, 8))(h))
        model = keras.Model(x, [layers.Dense(4)(z), layers.GlobalAveragePooling2D()(scaled)])""",
    "layer_subclasses_with_weights": """
        class Linear(layers.Layer):  # keras.io's guide to making new layers
            def __init__(self, units=32, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
                self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

            def call(self, inputs):
                return ops.matmul(inputs, self.w) + self.b

        class Offset(layers.Layer):  # a weight made in __init__, not trained
            def __init__(self, size, **kwargs):
                super().__init__(**kwargs)
                self.offset = self.add_weight(shape=(size,), initializer="zeros", trainable=False, name="offset")

            def call(self, inputs):
                return inputs + self.offset

        x = keras.Input((10, 6))
        h = Offset(8)(Linear(8)(x))
        model = keras.Model(x, layers.Dense(2)(Linear(units=4, name="last")(h)))""",
    "layer_subclass_with_sublayers": textwrap.indent(TRANSFORMER_BLOCK, " " * 8) + """
        class Residual(layers.Layer):  # one Dense called twice
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.proj = layers.Dense(32)

            def call(self, x):
                return x + self.proj(ops.relu(self.proj(x)))

        inputs = layers.Input(shape=(200,))
        x = layers.Embedding(20000, 32)(inputs)
        x = Residual(name="res")(TransformerBlock(32, 2, 32)(x))
        x = layers.Dropout(0.1)(layers.GlobalAveragePooling1D()(x))
        model = keras.Model(inputs, layers.Dense(2, activation="softmax")(layers.Dense(20)(x)))""",
    # keras.io's whole text classification model: positions made inside call(), a constant
    # tensor the nested graph makes itself; one reshaped before a layer takes it
    "layer_subclass_making_constant_tensors": textwrap.indent(TRANSFORMER_BLOCK + TOKEN_AND_POSITION_EMBEDDING,
                                                              " " * 8) + """
        class Steps(layers.Layer):  # a constant (3, 2) int32, embedded, summed over its rows
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.table = layers.Embedding(10, 4)

            def call(self, x):
                return ops.sum(self.table(ops.reshape(ops.arange(6), (3, 2))), axis=0) + x

        inputs = layers.Input(shape=(200,))
        x = TokenAndPositionEmbedding(200, 20000, 32)(inputs)
        x = TransformerBlock(32, 2, 32)(x)
        x = layers.GlobalAveragePooling1D()(x)
        x = layers.Dense(20, activation="relu")(layers.Dropout(0.1)(x))
        x = Steps(name="steps")(layers.Dense(4)(x))
        model = keras.Model(inputs, layers.Dense(2, activation="softmax")(layers.Dropout(0.1)(x)))""",
    # keras.io's English-to-Spanish TransformerDecoder, called on two positional tensors
    "layer_subclass_called_on_two_tensors": """
        class TransformerDecoder(layers.Layer):
            def __init__(self, embed_dim, latent_dim, num_heads, **kwargs):
                super().__init__(**kwargs)
                self.attention_1 = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
                self.attention_2 = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
                self.dense_proj = keras.Sequential([layers.Dense(latent_dim, activation="relu"),
                                                    layers.Dense(embed_dim)])
                self.layernorm_1 = layers.LayerNormalization()
                self.layernorm_2 = layers.LayerNormalization()
                self.layernorm_3 = layers.LayerNormalization()

            def call(self, inputs, encoder_outputs):
                out_1 = self.layernorm_1(inputs + self.attention_1(query=inputs, value=inputs, key=inputs))
                attention_output_2 = self.attention_2(query=out_1, value=encoder_outputs, key=encoder_outputs)
                out_2 = self.layernorm_2(out_1 + attention_output_2)
                return self.layernorm_3(out_2 + self.dense_proj(out_2))

        decoder_inputs = keras.Input(shape=(None, 64), name="decoder_inputs")
        encoded = keras.Input(shape=(7, 64), name="decoder_state_inputs")
        x = layers.Dropout(0.5)(TransformerDecoder(64, 128, 4)(decoder_inputs, encoded))
        model = keras.Model([decoder_inputs, encoded], layers.Dense(100, activation="softmax")(x))""",
    # keras.io's Vision Transformer: patches cut by keras.ops.image.extract_patches and
    # reshaped with the batch size ops.shape gives; positions embedded from ops.arange
    "vision_transformer_patches": """
        class Patches(layers.Layer):
            def __init__(self, patch_size):
                super().__init__()
                self.patch_size = patch_size

            def call(self, images):
                input_shape = ops.shape(images)
                batch_size, height, width, channels = (input_shape[0], input_shape[1], input_shape[2],
                                                       input_shape[3])
                num_patches_h = height // self.patch_size
                num_patches_w = width // self.patch_size
                patches = keras.ops.image.extract_patches(images, size=self.patch_size)
                return ops.reshape(patches, (batch_size, num_patches_h * num_patches_w,
                                             self.patch_size * self.patch_size * channels))

        class PatchEncoder(layers.Layer):
            def __init__(self, num_patches, projection_dim):
                super().__init__()
                self.num_patches = num_patches
                self.projection = layers.Dense(units=projection_dim)
                self.position_embedding = layers.Embedding(input_dim=num_patches, output_dim=projection_dim)

            def call(self, patch):
                positions = ops.expand_dims(ops.arange(start=0, stop=self.num_patches, step=1), axis=0)
                return self.projection(patch) + self.position_embedding(positions)

        inputs = keras.Input(shape=(72, 72, 3))
        encoded = PatchEncoder(144, 64)(Patches(6)(inputs))
        x = layers.MultiHeadAttention(num_heads=4, key_dim=64, dropout=0.1)(encoded, encoded)
        x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, encoded]))
        model = keras.Model(inputs, layers.Dense(100)(layers.Flatten()(x)))""",
    "layer_subclass_with_its_own_output_shape": """
        class Pick(layers.Layer):  # Keras 3 asks compute_output_shape, not call()
            def __init__(self, k=2, **kwargs):
                super().__init__(**kwargs)
                self.k = k

            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

            def call(self, x):
                return x[:, : self.k] * self.w

            def compute_output_shape(self, input_shape):
                return (input_shape[0], self.k, input_shape[-1])

        class Claims(layers.Layer):  # what it says wins, though call() gives (None, 3)
            def call(self, x):
                return x

            def compute_output_shape(self, input_shape):
                return (input_shape[0], 7)

        x = keras.Input((5, 3))
        model = keras.Model(x, [layers.Dense(2)(Pick(2)(x)), layers.Dense(2)(Claims()(x[:, 0]))])""",
    "attention_builds_a_softmax_and_a_dropout": """
        x = keras.Input((10, 8))
        h = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x)
        model = keras.Model(x, layers.Softmax()(layers.Dropout(0.1)(h)))""",
    "loop_over_range": """
        x = inp = keras.Input((32, 32, 3))
        for i in range(3):
            x = layers.Conv2D(4 * 2 ** i, 3, padding="same")(x)
            x = layers.MaxPooling2D()(x)
        model = keras.Model(inp, x)""",
    "loop_zip_enumerate_reversed": """
        widths, kernels = [8, 16], [3, 5]
        x = inp = keras.Input((20, 4))
        for i, (w, k) in enumerate(zip(reversed(widths), kernels)):
            x = layers.Conv1D(w + i, k)(x)
        model = keras.Model(inp, x)""",
    "helper_with_defaults_and_kwargs": """
        def block(x, filters, kernel=3, **kw):
            x = layers.Conv2D(filters, kernel, **kw)(x)
            return layers.BatchNormalization()(x)
        inp = keras.Input((16, 16, 3))
        model = keras.Model(inp, block(block(inp, 8, padding="same"), 4, kernel=1))""",
    "comprehension_and_constants": """
        UNITS = [2 ** k for k in range(3, 6)]
        model = keras.Sequential([keras.Input((12,))] + [layers.Dense(u) for u in UNITS])""",
    "alias_and_partial": """
        import functools
        RNN = layers.GRU
        Conv = functools.partial(layers.Conv1D, kernel_size=3, padding="same")
        x = inp = keras.Input((9, 2))
        x = RNN(5, return_sequences=True)(Conv(6)(x))
        model = keras.Model(inp, x)""",
    "if_on_known_value": """
        deep = False
        inp = keras.Input((6,))
        x = layers.Dense(4)(inp)
        if deep:
            x = layers.Dense(4)(x)
        else:
            x = layers.Dense(2)(x)
        model = keras.Model(inp, x)""",
    "slicing_and_ops": """
        inp = keras.Input((10, 8))
        h = layers.LSTM(4, return_sequences=True)(inp)
        last = h[:, -1]
        mean = ops.mean(h, axis=1)
        model = keras.Model(inp, layers.Dense(2)(ops.concatenate([last, mean], axis=-1) + 1.0))""",
    "tensor_shape_as_size": """
        inp = keras.Input((6, 5))
        x = layers.Dense(3)(inp)
        x = layers.Reshape((x.shape[1] * x.shape[2],))(x)
        model = keras.Model(inp, x)""",
    "bidirectional_time_distributed": """
        inp = keras.Input((4995, 12))
        x = layers.Bidirectional(layers.LSTM(384, return_sequences=True))(inp)
        model = keras.Model(inp, layers.TimeDistributed(layers.Dense(3))(x))""",
    "dataset_shapes": """
        import numpy as np
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
        num_classes = np.max(y_train) + 1
        y_train = keras.utils.to_categorical(y_train, num_classes)
        model = keras.Sequential([keras.Input(shape=x_train.shape[1:]), layers.Flatten(),
                                  layers.Dense(y_train.shape[-1])])""",
    "stdlib_and_py2_compat": """
        import copy, math
        from six.moves import range
        BLOCKS = [{"filters": 10, "repeats": 2}, {"filters": 20, "repeats": 1}]
        x = inp = keras.Input((16, 3))
        for i, args in enumerate(copy.deepcopy(BLOCKS)):
            for j in range(args.pop("repeats")):
                x = layers.Conv1D(int(math.ceil(args["filters"] * 1.1)), 3, padding="same",
                                  name=f"block{i + 1}{chr(j + 97)}_conv")(x)
        model = keras.Model(inp, x)""",
    "global_and_nonlocal": """
        lib = None
        def build(units):
            global lib
            lib = layers  # as tf_keras's applications set their module-level layers
            def block(x, n):
                nonlocal units
                units = units + n
                return lib.Dense(units)(x)
            inp = keras.Input((4,))
            return keras.Model(inp, block(block(inp, 1), 2))
        model = build(3)""",
    "names_keras_gives": """
        from keras import backend
        alpha = 0.5
        inp = keras.Input((8, 3))
        x = layers.Convolution1D(4, 3)(inp)  # an alias: Keras names it conv1d
        x = layers.Dense(2)(x)
        head = str(backend.get_uid("dense"))  # Keras's own counters: 2 after one dense
        x = layers.Dense(3, name=head + "_head")(x)
        x = layers.Dense(3)(x)
        model = keras.Model(inp, x, name=f"net_{alpha:0.2f}_{8!r}")""",
    "lambdas": """
        def dist_shape(shapes):
            a, b = shapes
            return (a[0], 1)

        def dist(v, scale=1.0):
            x, y = v
            return keras.ops.sqrt(keras.ops.sum(keras.ops.square(x - y), axis=1, keepdims=True)) * scale

        a, b = keras.Input((8,)), keras.Input((8,))
        d1 = layers.Lambda(dist, output_shape=dist_shape)([a, b])
        d2 = layers.Lambda(dist, arguments={"scale": 2.0})([a, b])
        d3 = layers.Lambda(lambda t: t[:, :4] * 2)(a)
        d4 = layers.Lambda(lambda t: keras.ops.expand_dims(t, -1))(a)
        out = layers.Dense(3)(layers.Concatenate()([d1, d2, d3, layers.Flatten()(d4)]))
        model = keras.Model([a, b], out)""",
    "nested_model": """
        inner = keras.Sequential([keras.Input((4,)), layers.Dense(3)], name="inner")
        inp = keras.Input((4,))
        model = keras.Model(inp, layers.Dense(1)(inner(inp)))""",
    # keras.io's tf.keras layers: sizes from tf.shape(x), a tensor, in arithmetic (the
    # traffic forecasting example's merged axes, a VAE's sampling, heads split)
    "tf_shape_sizes_in_call": """
        import tensorflow as tf

        class MergeAxes(layers.Layer):
            def call(self, inputs):
                shape = tf.shape(inputs)
                return tf.reshape(inputs, (shape[0] * shape[1], shape[2]))

        class Sampling(layers.Layer):
            def call(self, inputs):
                z_mean, z_log_var = inputs
                epsilon = tf.random.normal(shape=(tf.shape(z_mean)[0], tf.shape(z_mean)[1]))
                return z_mean + tf.exp(0.5 * z_log_var) * epsilon

        class Heads(layers.Layer):
            def call(self, x):
                s = tf.shape(x)
                y = tf.reshape(x, (s[0], s[1], 2, s[2] // 2))
                return tf.reshape(y, (-1, s[1] * 2, s[2] - s[2] // 2))

        inputs = keras.Input((6, 8))
        z = layers.Flatten()(inputs)
        sampled = Sampling()([layers.Dense(2)(z), layers.Dense(2)(z)])
        model = keras.Model(inputs, [sampled, Heads()(inputs), layers.Dense(3)(MergeAxes()(inputs))])""",
    "attention_call_arguments": """
        q, v = keras.Input((6, 8)), keras.Input((5, 8))
        m = keras.Input((6, 5), dtype="bool")
        a = layers.MultiHeadAttention(2, 4)(q, v, attention_mask=m, use_causal_mask=True)
        g = layers.GroupQueryAttention(4, 2, 1)(q, v, attention_mask=m)
        b = layers.Attention()([q, v], use_causal_mask=True)
        model = keras.Model([q, v, m], [a, g, b])""",
}


def _mnist():
    """mnist.load_data() without the download: zeros of its shapes, labels 0..9."""
    import numpy as np

    y = np.arange(70000) % 10
    return (np.zeros((60000, 28, 28), "uint8"), y[:60000]), (np.zeros((10000, 28, 28), "uint8"), y[60000:])


def _keras_facts(source: str, monkeypatch) -> dict:
    monkeypatch.setattr(keras.datasets.mnist, "load_data", _mnist)
    monkeypatch.setattr(sys, "argv", ["model.py"])  # a script's argparse, run with no arguments
    return program_facts(keras, source)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_each_construct_matches_keras(name, tmp_path, monkeypatch):
    source = PRELUDE + textwrap.dedent(PROGRAMS[name])
    expected = _keras_facts(source, monkeypatch)
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    reports = api.analyze_python(str(path))
    report = next((r for r in reports if r.model == expected["name"]), None)
    assert report is not None, (expected["name"], [r.model for r in reports],
                                [(d.code, d.message) for r in reports for d in r.diagnostics])
    assert report.ok, [f"{d.code} {d.message}" for d in report.errors]
    ours = {l.name: ([tuple(s) for s in l.output_shapes], l.params) for l in report.layers.values()
            if l.type != "InputLayer" and not l.type.startswith("ops.")}
    assert ours == expected["layers"]
    assert report.total_params == expected["total"]


# add_argument calls, each as a script declares an option; the reader's value for it must
# be what argparse itself gives with no command-line arguments.
ARGPARSE_OPTIONS = [
    '"--units", type=int, default=64', '"--rate", type=float, default="0.25"', '"--n", default="7"',
    '"-v", "--verbose", action="store_true"', '"--quiet", action="store_false"', '"--name-of-run"',
    '"-b", type=int, default=32', '"--act", dest="activation", default="relu", choices=["relu", "tanh"]',
    '"--sizes", nargs="+", type=int, default=[3, 5]', '"--count", action="count"',
    '"--opt", nargs="?", const="x"', '"maybe", nargs="?", default=4', '"many", nargs="*"',
    '"--flag", type=lambda s: s == "yes", default=True',
]


def test_argparse_options_are_what_argparse_gives_with_no_arguments():
    import ast

    from shapecheck.reading.python.interpreter import Interpreter
    from shapecheck.reading.python.values import Namespace

    lines = ["import argparse", "p = argparse.ArgumentParser()"]
    lines += [f"p.add_argument({option})" for option in ARGPARSE_OPTIONS]
    lines[2:2] = ['p.set_defaults(units=8, extra=1)']  # the parser's default wins, even over a later option's
    lines += ["p.set_defaults(n=9)", "args = p.parse_args()", "known, rest = p.parse_known_args()",
              "options = vars(p.parse_args())"]
    source = "\n".join(lines)
    expected = {}
    exec(compile(source.replace("parse_args()", "parse_args([])").replace("known_args()", "known_args([])"),
                 "<options>", "exec"), expected)
    interp = Interpreter("options.py", "keras3")
    interp.run(ast.parse(source))
    args, known = interp.globals.vars["args"], interp.globals.vars["known"]
    assert isinstance(args, Namespace) and args.values == vars(expected["args"])
    assert known.values == vars(expected["known"]) and interp.globals.vars["rest"] == []
    assert interp.globals.vars["options"] == expected["options"]


# a positional argument, a required one, a default the script's own function converts
@pytest.mark.parametrize("option", ['"path"', '"--data", required=True', '"--own", type=lambda s: s + "!", default="x"'])
def test_an_argument_the_script_needs_is_not_known(option):
    import ast

    from shapecheck.reading.python.interpreter import Interpreter
    from shapecheck.reading.python.values import Unknown

    interp = Interpreter("options.py", "keras3")
    interp.run(ast.parse(f"import argparse\np = argparse.ArgumentParser()\np.add_argument({option})\n"
                         "args = p.parse_args()\nvalue = args.data if hasattr(args, 'data') else args.path"))
    assert isinstance(interp.globals.vars["args"].values.popitem()[1], Unknown)


def test_the_seed_question_from_its_own_code(tmp_path):
    path = ROOT / "tests" / "corpus" / "python" / "own" / "seed_bilstm.py"
    (report,) = api.analyze_python(str(path))
    layer = report.layers["bilstm"]
    assert layer.output_shapes == ((None, 4995, 768),)
    kernel = layer.weights[0]
    assert kernel.shape == (12, 1536) and [a.formula for a in kernel.axes] == ["input_dim", "4*units"]


def test_attention_masks_are_followed(tmp_path):
    """``attention_mask=`` is a tensor of the call, checked against the scores, and
    ``use_causal_mask=`` reaches the rule, as in a spec."""
    path = tmp_path / "masks.py"
    path.write_text(PRELUDE + textwrap.dedent("""
        q, v = keras.Input((6, 8)), keras.Input((5, 8))
        m = keras.Input((4, 5), dtype="bool")
        a = layers.MultiHeadAttention(2, 4, name="mha")(q, v, attention_mask=m, use_causal_mask=True)
        model = keras.Model([q, v, m], a)"""))
    (report,) = api.analyze_python(str(path))
    assert report.layers["mha"].config.args["use_causal_mask"] is True
    (error,) = report.errors
    assert error.code == "SC306" and error.location.line == 6
    assert "attention_mask (None, 4, 5)" in error.message and "fails the first time it runs" in error.message


def test_a_layer_subclass_keeps_a_size_from_data_named(tmp_path):
    """A Layer subclass's call() on a size from data (keras.io's CTC layer after a Dense
    of the vocabulary's size) gives that named size back; --dim binds it, as Keras has it."""
    # Tap returns an input as it is, as keras.io's CTC layer returns its predictions
    model = ("class Scale(layers.Layer):\n    def call(self, x):\n        return x * 2.0\n\n\n"
             "class Tap(layers.Layer):\n    def call(self, labels, x):\n        return x\n\n\n"
             "x = keras.Input((7, n))\ny = Tap()(x, Scale()(layers.Dense(n)(x)))\n"
             "model = keras.Model(x, layers.Dense(3)(y))\n")
    path = tmp_path / "model.py"
    path.write_text(PRELUDE + "import numpy as np\n\nn = len(np.load('vocab.npy'))\n" + model)
    (report,) = api.analyze_python(str(path))
    assert report.ok and [d.code for d in report.diagnostics] == ["SC604", "SC410", "SC410"]
    assert str(report.layers["scale"].output_shapes[0]) == str(report.layers["tap"].output_shapes[0]) \
        == "(None, 7, n)"
    expected = program_facts(keras, PRELUDE + "n = 5\n" + model)
    (bound,) = api.analyze_python(str(path), dims={"n": 5})
    assert {name: ([tuple(s) for s in layer.output_shapes], layer.params) for name, layer in bound.layers.items()
            if layer.type != "InputLayer"} == expected["layers"]


def test_a_bug_is_flagged_at_its_line(tmp_path):
    path = tmp_path / "stacked.py"
    path.write_text(PRELUDE + "m = keras.Sequential([keras.Input((30, 8)),\n"
                    "    layers.LSTM(64),\n    layers.LSTM(32)])\n")
    (report,) = api.analyze_python(str(path))
    (error,) = report.errors
    assert error.code == "SC301" and error.location.line == 5
    assert error.hint.startswith("set `return_sequences=True` on 'lstm' (line 4)")  # Python's spelling


# Keras 2's backend functions in code Keras 3 runs to know a layer's output: keras.backend
# has none of them, so the model does not build (how Keras 3 says so, by the layer's kind).
KERAS2_BACKEND_IN_CODE = {
    "lambda": ("y = layers.Lambda(lambda t: K.mean(t, axis=-1, keepdims=True))(x)\n",
               NotImplementedError, "could not automatically infer the shape", "this Lambda's function"),
    "layer_subclass": ("class Mean(layers.Layer):\n    def call(self, t):\n        return K.mean(t, axis=-1)\n\n\n"
                       "y = Mean()(x)\n", AttributeError, "has no attribute 'mean'", "Mean.call()"),
}


@pytest.mark.parametrize("name", sorted(KERAS2_BACKEND_IN_CODE))
def test_keras2_backend_in_code_keras3_runs_fails_the_model(name, tmp_path):
    body, raised, says, who = KERAS2_BACKEND_IN_CODE[name]
    source = PRELUDE + "from keras import backend as K\n\nx = keras.Input((8,))\n" + body + \
        "model = keras.Model(x, y)\n"
    with pytest.raises(raised, match=says):
        run_program(keras, source)
    path = tmp_path / "model.py"
    path.write_text(source)
    (report,) = api.analyze_python(str(path))
    said = [d for d in report.errors if d.code == "SC605"]
    assert len(said) == 1 and said[0].location.line == source.splitlines().index(body.splitlines()[-1]) + 1
    assert said[0].message == (f"{who} fails in Keras 3 (module 'keras.backend' has no attribute 'mean'), which "
                               "runs it to know the output's shape: the model does not build")
    assert said[0].hint == "keras.ops.mean is Keras 3's"
    # said once (no SC408 for the Lambda as well); a subclass's model is then not checked
    assert [d.code for d in report.diagnostics] == (["SC605"] if name == "lambda" else ["SC605", "SC601"])


# Keras 3's Layer.__call__ binds the arguments of call() as Python binds them (CallSpec):
# keras.io's TransformerBlock, `def call(self, inputs, training)` called without
# `training`, fails there; tf.keras 2 filled `training` in.
UNBOUND_CALLS = {
    "training_without_default": ("def call(self, x, training):", "Block()(x)",
                                 "missing a required argument: 'training'"),
    "a_required_argument": ("def call(self, x, scale):", "Block()(x)", "missing a required argument: 'scale'"),
    "too_many": ("def call(self, x):", "Block()(x, x)", "too many positional arguments"),
    "unknown_keyword": ("def call(self, x):", "Block()(x, scale=2)", "got an unexpected keyword argument 'scale'"),
    "mask_not_taken": ("def call(self, x):", "Block()(x, mask=None)", "got an unexpected keyword argument 'mask'"),
    # what binds: Keras drops a training= the signature does not take; a default; **kwargs
    "training_dropped": ("def call(self, x):", "Block()(x, training=False)", None),
    "training_default": ("def call(self, x, training=None):", "Block()(x)", None),
    "training_given": ("def call(self, x, training):", "Block()(x, training=False)", None),
    "keyword_arguments": ("def call(self, x, **kwargs):", "Block()(x, scale=2)", None),
}


@pytest.mark.parametrize("name", sorted(UNBOUND_CALLS))
def test_a_layer_called_as_its_call_does_not_bind_fails_in_keras3(name, tmp_path):
    signature, called, says = UNBOUND_CALLS[name]
    source = PRELUDE + ("class Block(layers.Layer):\n    def __init__(self, **kwargs):\n"
                        "        super().__init__(**kwargs)\n        self.dense = layers.Dense(3)\n\n"
                        f"    {signature}\n        return self.dense(x)\n\n\n"
                        f"x = keras.Input((4,))\ny = {called}\nmodel = keras.Model(x, y)\n")
    path = tmp_path / "model.py"
    path.write_text(source)
    (report,) = api.analyze_python(str(path))
    if says is None:
        assert report.ok and not report.diagnostics
        assert report.total_params == program_facts(keras, source)["total"] == 15
        return
    with pytest.raises(TypeError, match=says):
        run_program(keras, source)
    said = [d for d in report.errors if d.code == "SC605"]
    assert len(said) == 1 and said[0].location.line == source.count("\n") - 1
    assert said[0].message == (f"Block.call() fails in Keras 3 (its Layer.__call__ binds the arguments of call() "
                               f"as Python does: {says}), which runs it to know the output's shape: the model "
                               "does not build")
    if name == "training_without_default":  # tf.keras 2 filled `training` in, and built it
        pytest.importorskip("tf_keras")
        legacy = source.replace(PRELUDE, "import tf_keras as keras\nfrom tf_keras import layers\n")
        scope: dict = {}
        exec(compile(legacy, "<program>", "exec"), scope)  # noqa: S102 (the oracle)
        assert scope["model"].count_params() == 15
        (kept,) = api.analyze_python(str(path), dialect="keras2")
        assert kept.ok and not kept.diagnostics and kept.total_params == 15


def test_an_input_layers_input_is_none_in_keras3(tmp_path):
    """keras.io's captcha OCR makes its inference model from
    model.get_layer("image").input: an InputLayer's input, which Keras 3 gives as [], and
    then refuses a model of no inputs; tf.keras 2 gave the input tensor. Its .output is the
    tensor in both."""
    body = ("image = keras.Input((20, 10, 1), name='image')\n"
            "out = layers.Dense(4, name='dense2')(layers.Conv2D(8, 3, name='conv')(image))\n"
            "model = keras.Model(image, out)\n"
            "{0} = keras.Model(model.get_layer(name='image').{1}, model.get_layer(name='dense2').output)\n")
    path = tmp_path / "ocr.py"
    path.write_text(PRELUDE + body.format("prediction", "input"))
    with pytest.raises(ValueError, match="`inputs` argument cannot be empty"):
        run_program(keras, PRELUDE + body.format("prediction", "input"))
    found = [d for r in api.analyze_python(str(path)) for d in r.diagnostics]
    assert [(d.code, d.message, d.location.line) for d in found] == [
        ("SC605", "`inputs` argument cannot be empty", 6)]
    # the tensor both give: checked, as Keras builds it
    path.write_text(PRELUDE + body.format("model", "output"))
    (report,) = [r for r in api.analyze_python(str(path)) if r.model == program_facts(
        keras, PRELUDE + body.format("model", "output"))["name"]]
    assert report.ok and report.total_params == 8 * 10 + 4 * 9
    # tf.keras 2: the input tensor
    path.write_text(PRELUDE + body.format("prediction", "input"))
    kept = api.analyze_python(str(path), dialect="keras2")
    assert all(r.ok for r in kept) and [r.total_params for r in kept] == [116, 116]
    pytest.importorskip("tf_keras")
    scope: dict = {}
    exec(compile("import tf_keras as keras\nfrom tf_keras import layers\n" + body.format("prediction", "input"),
                 "<program>", "exec"), scope)  # noqa: S102 (the oracle)
    assert scope["prediction"].count_params() == 116


# a '/' in a name: each Keras 3 Operation refuses it (aladdinpersson's GoogLeNet names its
# model "GoogLeNet/Inception-v1"); tf.keras 2 took it
SLASHED = {"input": 'x = keras.Input((8,), name="in/put")\n',
           "layer": 'x = keras.Input((8,))\ny = layers.Dense(4, name="block1/dense")(x)\n',
           "model": 'x = keras.Input((8,))\nm = keras.Model(x, layers.Dense(4)(x), name="GoogLeNet/Inception-v1")\n',
           "sequential": 'm = keras.Sequential([layers.Dense(4)], name="s/t")\n'}


@pytest.mark.parametrize("kind", sorted(SLASHED))
def test_a_slash_in_a_name_fails_in_keras3(kind, tmp_path):
    source = PRELUDE + SLASHED[kind]
    with pytest.raises(ValueError, match="cannot contain character `/`") as raised:
        run_program(keras, source)
    path = tmp_path / "model.py"
    path.write_text(source)
    found = [d for r in api.analyze_python(str(path)) for d in r.diagnostics if d.code == "SC605"]
    (said,) = found
    assert said.message == str(raised.value)
    line = source.splitlines()[said.location.line - 1]
    assert line[said.location.column - 1:].startswith("name=")
    # code in Keras 2 (tf_keras) takes it
    kept = api.analyze_python(str(path), dialect="keras2")
    assert not any(d.code == "SC605" for r in kept for d in r.diagnostics)


def test_one_keras2_function_in_two_lambdas_fails_each(tmp_path):
    # the second Lambda follows the same line again: the finding there is said once,
    # but Keras 3 fails at each Lambda (it stops at the first), and neither is checked
    source = PRELUDE + ("from keras import backend as K\n\n\ndef pool(t):\n    return K.mean(t, axis=1)\n\n\n"
                        "x = keras.Input((10, 4))\na = layers.Lambda(pool)(x)\nb = layers.Lambda(pool)(x)\n"
                        "model = keras.Model(x, layers.Concatenate()([a, b]))\n")
    with pytest.raises(NotImplementedError, match="could not automatically infer the shape"):
        run_program(keras, source)
    path = tmp_path / "model.py"
    path.write_text(source)
    (report,) = api.analyze_python(str(path))
    lines = source.splitlines()
    assert [(d.code, d.location.line) for d in report.errors] == [
        ("SC605", lines.index("a = layers.Lambda(pool)(x)") + 1), ("SC605", lines.index("b = layers.Lambda(pool)(x)") + 1)]
    assert report.layers["lambda_1"].status == "failed"


def test_a_layer_whose_init_reads_a_keras2_backend_function_fails_in_keras3(tmp_path):
    # keras.io's CAPTCHA OCR keeps keras.backend.ctc_batch_cost in its CTC layer: tf.keras
    # 2's backend has it, Keras 3's does not, and Python raises where __init__ reads it
    body = ("class CTCLayer(layers.Layer):\n    def __init__(self, name=None):\n"
            "        super().__init__(name=name)\n        self.loss_fn = keras.backend.ctc_batch_cost\n\n"
            "    def call(self, y_true, y_pred):\n        return y_pred\n\n\n"
            "x = keras.Input((8,))\nloss = CTCLayer(name='ctc_loss')\n")
    with pytest.raises(AttributeError, match="has no attribute 'ctc_batch_cost'"):
        run_program(keras, PRELUDE + body)
    path = tmp_path / "model.py"
    path.write_text(PRELUDE + body)
    found = [(d.code, d.location.line, d.message) for r in api.analyze_python(str(path)) for d in r.diagnostics]
    assert found[0] == ("SC605", (PRELUDE + body).count("\n"), "CTCLayer.__init__ fails in Keras 3 (module "
                        "'keras.backend' has no attribute 'ctc_batch_cost')"), found
    assert [code for code, _, _ in found] == ["SC605", "SC102"]  # and no model


def test_data_sizes_are_bound_with_dim(tmp_path):
    path = tmp_path / "text.py"
    path.write_text(PRELUDE + "vocab_size = len(tokenizer.word_index) + 1\n"
                    "model = keras.Sequential([keras.Input((20,)), layers.Embedding(vocab_size, 64)])\n")
    (unbound,) = api.analyze_python(str(path))
    (said,) = [d for d in unbound.diagnostics if d.code == "SC604"]
    assert said.location.line == 4 and said.hint == "bind it with --dim vocab_size=VALUE"
    assert unbound.ok and str(unbound.layers["embedding"].weights[0].shape) == "(vocab_size, 64)"
    (bound,) = api.analyze_python(str(path), dims={"vocab_size": 5000})
    assert bound.ok and bound.layers["embedding"].weights[0].shape == (5000, 64)
    assert not any(d.code == "SC604" for d in bound.diagnostics)


# A text classifier whose sizes come from its data: the reader keeps each as the name the
# file gives it. Keras runs the same program with values in their place.
DATA_SIZED = """
    vocab_size = len(tokenizer.word_index) + 1
    maxlen = x_train.shape[1]
    num_classes = len(set(y_train))
    inputs = keras.Input(shape=(maxlen,))
    x = layers.Embedding(vocab_size, 32, weights=[embedding_matrix], trainable=False)(inputs)
    x = layers.LSTM(16, return_sequences=True)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(num_classes)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
"""
DATA_VALUES = {"vocab_size": 5001, "maxlen": 40, "num_classes": 7}


def _at(value, values: dict):
    """A symbolic size or count with the named sizes given values."""
    if value is None or isinstance(value, int):
        return value
    return int(value.subs({s: values[s.name] for s in value.free_symbols}))


def test_data_sizes_stay_named_and_match_keras_once_given_values(tmp_path, monkeypatch):
    source = PRELUDE + textwrap.dedent(DATA_SIZED)
    path = tmp_path / "classifier.py"
    path.write_text(source)
    (report,) = api.analyze_python(str(path))
    assert report.ok, [f"{d.code} {d.message}" for d in report.errors]
    assert sorted(d.message.split("=")[0] for d in report.diagnostics if d.code == "SC604") == \
        ["input_dim", "shape", "units"]  # each name said once, where it first comes in
    emb = report.layers["embedding"]
    assert str(emb.output_shapes[0]) == "(None, maxlen, 32)" and str(emb.weights[0].shape) == "(vocab_size, 32)"
    assert [a.formula for a in emb.weights[0].axes] == ["input_dim", "output_dim"]
    assert str(report.layers["dense_1"].weights[0].shape) == "(num_classes, num_classes)"
    given = PRELUDE + "import numpy as np\n" + "".join(f"{k} = {v}\n" for k, v in DATA_VALUES.items()) \
        + "embedding_matrix = np.zeros((vocab_size, 32))\n" \
        + textwrap.dedent(DATA_SIZED).split("\n", 4)[4]
    expected = _keras_facts(given, monkeypatch)
    ours = {l.name: ([tuple(_at(d, DATA_VALUES) for d in s) for s in l.output_shapes],
                     _at(l.params, DATA_VALUES))
            for l in report.layers.values() if l.type != "InputLayer"}
    assert ours == expected["layers"]
    assert _at(report.total_params, DATA_VALUES) == expected["total"]
    (bound,) = api.analyze_python(str(path), dims=DATA_VALUES)
    assert bound.total_params == expected["total"]


MNIST_FROM_DATA = (PRELUDE + "(x_train, y_train), (x_test, y_test) = load_my_data()\n"
                   "model = keras.Sequential([keras.Input(x_train.shape[1:]), layers.Flatten(),\n"
                   "                          layers.Dense(len(set(y_train)))])\n")


def test_len_of_data_is_one_named_size_wherever_it_is_used(tmp_path, monkeypatch):
    body = ("model = keras.Sequential()\n"
            "model.add(layers.LSTM(16, input_shape=(40, len(chars))))\n"
            "model.add(layers.Dense(len(chars), activation='softmax'))\n")
    path = tmp_path / "textgen.py"
    path.write_text(PRELUDE + "chars = sorted(list(set(text)))\n" + body)
    (report,) = api.analyze_python(str(path))
    assert report.ok and str(report.layers["dense"].output_shapes[0]) == "(None, len_chars)"
    expected = _keras_facts(PRELUDE + "chars = list('abcdefghijklm')\n" + body, monkeypatch)
    values = {"len_chars": 13}
    assert {l.name: ([tuple(_at(d, values) for d in s) for s in l.output_shapes], _at(l.params, values))
            for l in report.layers.values() if l.type != "InputLayer"} == expected["layers"]
    (bound,) = api.analyze_python(str(path), dims=values)
    assert bound.total_params == expected["total"]


def test_a_datas_shape_is_bound_by_its_dotted_name(tmp_path, capsys):
    from shapecheck.cli import main

    path = tmp_path / "mnist.py"
    path.write_text(MNIST_FROM_DATA)
    assert main([str(path), "--no-explain"]) == 0  # a warning: the model is not checked
    out = capsys.readouterr().out
    assert "SC602" in out and "--dim 'x_train.shape=(...)'" in out and "SC102" not in out
    assert main([str(path), "--no-explain", "--dim", "x_train.shape=(60000, 28, 28)"]) == 0
    out = capsys.readouterr().out
    assert "(None, 28, 28)" in out and "(None, 784)" in out
    # the class count is a call of data the file does not name: named after the layer
    assert "SC604" in out and "units=dense_units" in out and "(None, dense_units)" in out
    (report,) = api.analyze_python(str(path), dims={"x_train.shape": (60000, 28, 28), "dense_units": 10})
    assert report.layers["dense"].output_shapes == ((None, 10),) and report.total_params == 7850


@pytest.mark.parametrize("given, said", [
    ("x_train.shape=(60000,28", "expected NAME=INT or NAME=(INT, ...)"),
    ("x_train.shape=(60000, 0)", "a size is a positive integer"),
    ("x.=3", "expected NAME=INT"),
])
def test_a_malformed_binding_is_a_usage_error(given, said, capsys):
    from shapecheck.cli import main

    assert main(["specs/seed_bilstm.yaml", "--dim", given]) == 2
    assert said in capsys.readouterr().err


def test_a_spec_names_a_size_argument_and_dim_binds_it():
    spec = {"inputs": {"x": [None, "t"]},
            "layers": [{"type": "Embedding", "input_dim": "vocab", "output_dim": 8},
                       {"type": "Dense", "units": "classes"}]}
    report = shapecheck.analyze(spec)
    assert report.ok and str(report.layers["dense"].output_shapes[0]) == "(None, t, classes)"
    assert str(report.total_params) == "9*classes + 8*vocab"
    bound = shapecheck.analyze(spec, dims={"vocab": 100, "classes": 3})
    assert bound.total_params == 827 and not bound.diagnostics  # no SC117: both names are used
    (error,) = shapecheck.analyze({**spec, "layers": [{"type": "Dense", "units": "3 classes"}]}).errors
    assert error.code == "SC403" and "a size's name" not in error.message


BUILDERS = """
    def conv_block(x, filters):
        x = layers.Conv2D(filters, 3, padding="same")(x)
        return layers.ReLU()(x)

    def create_model(num_classes, input_shape=(32, 32, 3), width=16):
        inputs = keras.Input(shape=input_shape)
        x = conv_block(inputs, width)
        x = layers.GlobalAveragePooling2D()(x)
        outputs = layers.Dense(num_classes, activation="softmax")(x)
        return keras.Model(inputs, outputs, name="cnn")

    def make_mlp(width=8):
        return keras.Sequential([keras.Input((4,)), layers.Dense(width), layers.Dense(1)], name="mlp")

    def unrelated(path):
        return open(path).read()

    clf = KerasClassifier(build_fn=create_model, epochs=3)
"""


def test_functions_never_called_are_called_with_their_defaults(tmp_path, monkeypatch):
    source = PRELUDE + textwrap.dedent(BUILDERS)
    path = tmp_path / "builders.py"
    path.write_text(source)
    reports = api.analyze_python(str(path), dims={"num_classes": 10})
    assert [r.model for r in reports] == ["cnn", "mlp"] and all(r.ok for r in reports)
    assert not [d for r in reports for d in r.diagnostics]  # conv_block, unrelated: no trace
    for report, call in zip(reports, ["create_model(10)", "make_mlp()"]):
        # each as a fresh process would build it: auto-names restart (dense, not dense_1)
        program = source.replace("clf = KerasClassifier(build_fn=create_model, epochs=3)", "")
        expected = _keras_facts(program + f"model = {call}\n", monkeypatch)
        ours = {l.name: ([tuple(s) for s in l.output_shapes], l.params) for l in report.layers.values()
                if l.type != "InputLayer"}
        assert ours == expected["layers"] and report.total_params == expected["total"]
    (unbound, _) = api.analyze_python(str(path))
    assert str(unbound.layers["dense"].weights[0].shape) == "(16, num_classes)"


@pytest.mark.parametrize("helper", [
    "def fib(n):\n    return fib(n - 1) + fib(n - 2) if n > 1 else n\n",
    "def serve(queue):\n    while True:\n        queue.get()\n",
])
def test_a_helper_that_never_ends_on_unknown_values_leaves_no_trace(helper, tmp_path):
    path = tmp_path / "helper.py"
    path.write_text(PRELUDE + helper + "model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])\n")
    (report,) = api.analyze_python(str(path))
    assert report.ok and not report.diagnostics and report.total_params == 10


TRAINING_LOOP = """
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    history = []
    for epoch in range(100):
        for step in range(50):
            loss = 0.5 * step + epoch
            history.append(loss)
    width = 3
    for i in range(40):
        width = width + 1
    head = keras.Sequential([keras.Input((2,)), layers.Dense(width)])
"""


def test_a_long_loop_that_builds_nothing_is_left_and_what_it_sets_is_unknown(tmp_path):
    import ast

    from shapecheck.reading.python.interpreter import Interpreter

    interp = Interpreter("train.py", "keras3")
    interp.run(ast.parse(PRELUDE + textwrap.dedent(TRAINING_LOOP)))
    assert interp.steps < 500  # 5,000 iterations not followed
    path = tmp_path / "train_loop.py"
    path.write_text(PRELUDE + textwrap.dedent(TRAINING_LOOP))
    model, head = api.analyze_python(str(path))
    assert model.ok and head.ok
    # `width` was set in a loop the reader left: a named size, never a guess
    assert str(head.layers["dense_1"].output_shapes[0]) == "(None, width)"


def test_subclassed_models_are_declined(tmp_path):
    path = tmp_path / "sub.py"
    path.write_text(PRELUDE + "class Tagger(keras.Model):\n    def call(self, x):\n        return x\n"
                    "model = Tagger()\n")
    (report,) = api.analyze_python(str(path))
    assert [d.code for d in report.diagnostics][:1] == ["SC601"]


# Layer subclasses whose call() alone does not say what Keras builds: a variable assigned
# (Keras checks the value's shape), or a call() the reader cannot follow. Each is SC601
# where it is made or called, and its model is not checked. (A layer made in call() is
# followed: tests/test_python_subclassed_models.py, MADE_IN_CALL.)
DECLINED_LAYERS = {
    "a_variable_assigned": ("""
        class Total(layers.Layer):
            def build(self, input_shape):
                self.total = self.add_weight(shape=(input_shape[-1],), trainable=False)
            def call(self, x):
                self.total.assign_add(ops.sum(x, axis=0))
                return x
        y = Total()(x)""", "Total subclasses"),
    "a_call_not_followed": ("""
        class Odd(layers.Layer):
            def call(self, x):
                return self.helper_the_class_lacks(x)
        y = Odd()(x)""", "Odd.call() is code the reader cannot follow here (self.helper_the_class_lacks)"),
    # its Sequential sublayer is never built, as the layer is not: no finding of its own
    "a_call_not_followed_with_a_sequential_sublayer": ("""
        class Odd(layers.Layer):
            def __init__(self):
                super().__init__()
                self.ffn = keras.Sequential([layers.Dense(4)])

            def call(self, x):
                return self.ffn(self.helper_the_class_lacks(x))
        y = Odd()(x)""", "Odd.call() is code the reader cannot follow"),
}


@pytest.mark.parametrize("name", sorted(DECLINED_LAYERS))
def test_layer_subclasses_the_reader_cannot_follow_are_said(name, tmp_path):
    body, said = DECLINED_LAYERS[name]
    path = tmp_path / f"{name}.py"
    path.write_text(PRELUDE + "x = keras.Input((5, 3))\n" + textwrap.dedent(body) + "\nmodel = keras.Model(x, y)\n")
    found = [(d.code, d.location.line, d.message) for d in api.analyze_file(str(path)).diagnostics]
    assert [(c, m.startswith(said)) for c, _, m in found] == [("SC601", True), ("SC601", False)], found
    assert "keras.Model" in found[1][2]


def test_a_layer_subclass_in_a_sequential_is_followed_where_keras_builds_it(tmp_path, monkeypatch):
    """Keras builds a Sequential whose input is known as it is made, calling each layer on
    the output of those before: the reader follows the subclass's call() there. Without
    an input shape, Keras builds nothing until the data comes, and the reader says it
    does not check that model."""
    body = textwrap.dedent("""\
        class Double(layers.Layer):
            def call(self, x):
                return x * 2.0
        model = keras.Sequential([keras.Input((4,)), Double(), layers.Dense(3)])
        """)
    path = tmp_path / "seq.py"
    path.write_text(PRELUDE + body, encoding="utf-8")
    (report,) = api.analyze_python(str(path))
    expected = _keras_facts(PRELUDE + body, monkeypatch)
    assert {l.name: ([tuple(s) for s in l.output_shapes], l.params) for l in report.layers.values()
            if l.type != "InputLayer"} == expected["layers"]
    assert [d.code for d in report.diagnostics] == ["SC410"]  # followed, as Keras traces it
    path.write_text(PRELUDE + body.replace("keras.Input((4,)), ", ""), encoding="utf-8")
    found = [(d.code, d.location.line, d.message) for d in api.analyze_file(str(path)).diagnostics]
    assert [(c, line) for c, line, _ in found] == [("SC601", 6)], found
    assert found[0][2].startswith("the Sequential 'sequential' is never given an input shape"), found


HOSTILE = {
    "while_true": "while True:\n    x = 1\n",
    "recursion": "def f(n):\n    return f(n + 1)\nf(0)\n",
    "huge_range": "for i in range(10**12):\n    pass\n",
    "huge_power": "x = 10**10**10\n",
    "huge_string": "s = 'a' * 10**10\n",
    "deep_expression": "x = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n",
    "long_sum": "x = " + " + ".join(["1"] * 100_000) + "\n",
    "exec_eval_open": "exec('import os; os.system(\"echo owned\")')\neval('1')\nopen('/etc/passwd').read()\n"
                      "__import__('os').system('echo owned')\nimport subprocess\nsubprocess.run(['echo'])\n",
    "own_modules": "import evil_module_that_must_not_be_imported\nfrom .sibling import thing\n",
    # eval() of a name is the name; of anything else, nothing
    "eval_names": "x = eval('__import__')('os')\ny = eval('open')('/etc/passwd')\nz = eval('os.system')\n"
                  "w = eval('a.__class__.__bases__')\nv = eval('1 if True else 2')\nu = eval('lambda: 0')\n",
    # each of these took gigabytes or minutes before the reader bounded what it builds
    "builtin_pow": "x = pow(10, 10**10)\n",
    "doubling_string": "s = 'a' * 100000\nfor i in range(40):\n    s = s + s\n",
    "format_widths": "s = '{:>2000000000}'.format(1)\nt = '%2000000000d' % 1\nu = '{:{}}'.format(1, 10**9)\n"
                     "v = '%*d' % (10**9, 1)\n",
    "replace_join": "s = 'a' * 100000\nt = s.replace('a', s)\nu = '-'.join([s] * 100000)\n",
    "shared_lists": "x = [[1] * 100000] * 100000\ny = sum(x, [])\nz = str(x)\nw = f'{x}'\nv = x + [1]\n",
    # code the reader follows on its own: a Lambda's function and output_shape function,
    # a builder nobody calls
    "lambda_code": "def f(x):\n    return f(x)\ndef g(s):\n    while True:\n        s = [s, s]\n"
                   "a = keras.Input((4,))\nmodel = keras.Model(a, [layers.Lambda(f)(a),\n"
                   "    layers.Lambda(lambda t: t, output_shape=g)(a)])\n",
    "uncalled_builders": "def build(n=10**10**10):\n    return n\ndef spin():\n    while True:\n"
                         "        pass\ndef deep(k=0):\n    return deep(k + 1)\n",
    # a Layer subclass's __init__ and call(), followed; argparse options by the million
    "layer_subclass_code": "class Spin(layers.Layer):\n    def __init__(self, **kw):\n        while True:\n"
                           "            self.x = [1] * 100000\nclass Deep(layers.Layer):\n    def call(self, x):\n"
                           "        return self.call(x + 1)\na = keras.Input((4,))\n"
                           "model = keras.Model(a, [Spin()(a), Deep()(a)])\n",
    "argparse_options": "import argparse\np = argparse.ArgumentParser()\nfor i in range(10**7):\n"
                        "    p.add_argument(f'--o{i}', default='x' * 10**6)\nargs = p.parse_args()\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_sources_end_in_a_finding(name, tmp_path):
    path = tmp_path / f"{name}.py"
    path.write_text(PRELUDE + HOSTILE[name])
    (tmp_path / "evil_module_that_must_not_be_imported.py").write_text("raise SystemExit(66)\n")
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        forbidden = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn")
        # importing shapecheck's own modules (and dataclasses) execs code; the file itself,
        # or a string it holds, is never compiled or run: only ast.parse reads the file
        def strange(event, args):
            if event == "exec":
                return getattr(args[0], "co_filename", "") == {str(path)!r}
            if event == "compile":
                src = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
                return "owned" in src and not src.startswith("import keras")
            return False
        def hook(event, args):
            if event in forbidden or event == "import" and args[0].startswith("evil_") or \\
                    strange(event, args) or event == "open" and "passwd" in str(args[0]):
                print("AUDIT", event, args[:1]); sys.stdout.flush(); import os; os._exit(99)
        import shapecheck.api as api
        sys.addaudithook(hook)
        reports = api.analyze_python({str(path)!r})
        print("codes", sorted({{d.code for r in reports for d in r.diagnostics}}))
    """)
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert time.monotonic() - start < 10
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "codes" in done.stdout and "AUDIT" not in done.stdout


def test_a_50_mb_file_is_refused_unread(tmp_path):
    path = tmp_path / "big.py"
    path.write_text(PRELUDE + "# " + "x" * (50 << 20) + "\n")
    start = time.monotonic()
    (report,) = api.analyze_python(str(path))
    assert time.monotonic() - start < 10
    assert [d.code for d in report.diagnostics] == ["SC108"]


#: A model called as a layer on a tensor: the shape it was built for against the one it
#: gets (Keras's InputSpec, then the rank conformed); each against Keras itself.
NESTED_CALLS = {
    "sequential_rank_plus_one": ("keras.Sequential([keras.Input((100,)), layers.Dense(3)])", "(1, 100)"),
    "functional_shape_clash": ("keras.Model(i := keras.Input((8,)), layers.Dense(3)(i))", "(9,)"),
    "sequential_shape_clash_same_rank": ("keras.Sequential([keras.Input((4, 8)), layers.Dense(3)])", "(4, 9)"),
    "trailing_one_squeezed": ("keras.Sequential([keras.Input((5,)), layers.Dense(3)])", "(5, 1)"),
    "trailing_one_added": ("keras.Model(i := keras.Input((6, 1)), layers.Conv1D(2, 3)(i))", "(6,)"),
    "free_axis": ("keras.Model(i := keras.Input((None, 4)), layers.LSTM(3)(i))", "(7, 4)"),
    "functional_rank_minus_one": ("keras.Model(i := keras.Input((6, 2)), layers.Flatten()(i))", "(12,)"),
}


def _clash(message: str) -> str:
    """Keras's words for the clash: ``expected shape=(None, 8), found shape=(None, 9)``."""
    import re

    found = re.search(r"expected shape=\(.*?\), found shape=\(.*?\)|Expected shape \(.*?\), but input has "
                      r"incompatible shape \(.*?\)", message)
    return found.group(0) if found else message


@pytest.mark.parametrize("name", sorted(NESTED_CALLS))
def test_a_model_called_as_a_layer_checks_its_input_like_keras(name, tmp_path, monkeypatch):
    import numpy as np

    inner, shape = NESTED_CALLS[name]
    source = PRELUDE + f"inner = {inner}\nx = keras.Input({shape})\nmodel = keras.Model(x, inner(x))\n"
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    reports = api.analyze_python(str(path))
    try:
        expected = _keras_facts(source, monkeypatch)
        # what the model gives when it runs (Keras 3's static shape may keep a trailing 1)
        scope: dict = {}
        exec(compile(PRELUDE + f"inner = {inner}\n", "<program>", "exec"), scope)  # noqa: S102 - the oracle
        ran = tuple(scope["inner"](np.zeros((2, *eval(shape)), "float32")).shape)[1:]  # noqa: S307
    except ValueError as e:
        errors = [d for r in reports for d in r.errors]
        assert errors and errors[0].code == "SC301" and errors[0].location.line == 5, errors
        if _clash(str(e)) != str(e):  # the model's own check; else an inner layer's, in our words
            assert _clash(errors[0].message) == _clash(str(e)), (errors[0].message, str(e))
        return
    report = next(r for r in reports if r.model == expected["name"])
    assert report.ok, [d.message for d in report.errors]
    assert report.total_params == expected["total"]
    (nested,) = [l for l in report.layers.values() if l.type in ("Sequential", "Functional")]
    assert nested.output_shapes[0][1:] == ran
    if nested.output_shapes[0] != expected["layers"][nested.name][0][0]:
        assert any(d.code == "SC307" for d in report.diagnostics)


SUBCLASS = """
class Scale(keras.layers.Layer):
    def __init__(self, units, factor=2, **kwargs):
        super().__init__(**kwargs)
        self.units, self.factor = units, factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")

    def call(self, x):
        return ops.tile(ops.matmul(x, self.w), [1, self.factor])

model = keras.Sequential([keras.Input((6,)), layers.Dense(4), Scale(3, name="first"), Scale(5, factor=3)])
"""


def test_a_declared_layer_subclass_is_followed_by_its_declaration(tmp_path, monkeypatch):
    source = PRELUDE + SUBCLASS
    expected = _keras_facts(source, monkeypatch)
    path = tmp_path / "sub.py"
    path.write_text(source)
    (undeclared,) = api.analyze_python(str(path))  # followed: build()'s add_weight, then call()
    assert [d.code for d in undeclared.diagnostics] == ["SC410", "SC410"]
    assert {l.name: ([tuple(s) for s in l.output_shapes], l.params) for l in undeclared.layers.values()
            if l.type != "InputLayer"} == expected["layers"]
    declared = {"Scale": {"output": ["input[0]", "units * factor"], "weights": {"w": ["input[-1]", "units"]}}}
    (report,) = api.analyze_python(str(path), custom_layers=declared)
    assert report.ok, [d.message for d in report.diagnostics]
    ours = {l.name: ([tuple(s) for s in l.output_shapes], l.params) for l in report.layers.values()
            if l.type != "InputLayer"}
    assert ours == expected["layers"] and report.total_params == expected["total"]
    assert report.layers["scale"].type == "Scale"


# What a loop the reader does not follow changes, each way a script changes it (keras.io's
# lstm_seq2seq fills a set of characters in a loop over a file's lines, then sizes a
# Dense by it): unknown afterwards, never the value it had before the loop.
CHANGED_IN_A_LOOP = {
    "set_add": ("chars = set()", "chars.add(line[0])", "len(chars)"),
    "list_append": ("names = []", "names.append(line)", "len(names)"),
    "list_extend": ("names = []", "names.extend(line.split())", "len(names)"),
    "dict_item": ("index = {}", "index[line] = 1", "len(index)"),
    "dict_update": ("index = {}", "index.update({line: 1})", "len(index)"),
    "counter": ("count = 1", "count += 1", "count"),
    "assigned": ("width = 1", "width = len(line)", "width"),
    "nested_item": ("table = {'a': []}", "table['a'].append(line)", "len(table['a'])"),
    # a module's function is no object of the file's: layers.add in the loop leaves layers
    "module_function": ("names = []", "names.append(line); y = layers.add([line, line])", "len(names)"),
}


@pytest.mark.parametrize("loop", ["for line in open('data.txt'):", "while next_line():"])
@pytest.mark.parametrize("name", sorted(CHANGED_IN_A_LOOP))
def test_what_a_loop_not_followed_changes_is_unknown_after_it(name, loop, tmp_path):
    before, body, size = CHANGED_IN_A_LOOP[name]
    if loop.startswith("while"):
        body = "line = next_line()\n    " + body
    path = tmp_path / f"{name}.py"
    path.write_text(PRELUDE + f"{before}\n{loop}\n    {body}\nunits = {size}\n"
                    "x = keras.Input((4,))\nmodel = keras.Model(x, layers.Dense(units)(x))\n")
    (report,) = api.analyze_python(str(path))
    assert report.ok, [d.line() for d in report.diagnostics]
    # a named size, after the variable the loop set, or the one the file sizes the layer by
    named = size if size.isidentifier() else "units"
    assert str(report.layers["dense"].output_shapes[0]) == f"(None, {named})"
    assert "SC604" in {d.code for d in report.diagnostics}


# A list changed in place in a way the reader does not follow: its items are unknown
# afterwards, never the ones it held before; its length is what Python gives.
CHANGED_IN_PLACE = {
    "sort_by_key": ("sizes.sort(key=lambda s: -s)", 2),
    "sort_of_tensors": ("sizes.append(x); sizes.sort()", 3),
    "pop_at_unknown": ("sizes.pop(n)", 1),
    "insert_at_unknown": ("sizes.insert(n, 4)", 3),
    "remove_unknown": ("sizes.remove(n)", 1),
}


@pytest.mark.parametrize("name", sorted(CHANGED_IN_PLACE))
def test_what_a_list_method_not_followed_changes_is_unknown(name, tmp_path):
    change, length = CHANGED_IN_PLACE[name]
    path = tmp_path / f"{name}.py"
    path.write_text(PRELUDE + f"n = int(input())\nx = keras.Input((4,))\nsizes = [8, 16]\n{change}\n"
                    "model = keras.Model(x, layers.Dense(len(sizes))(layers.Dense(sizes[0])(x)))\n")
    (report,) = api.analyze_python(str(path))
    assert report.ok, [d.line() for d in report.diagnostics]
    # the outer Dense is made first: "dense" has the length, "dense_1" the first item
    assert str(report.layers["dense_1"].output_shapes[0]) == "(None, dense_1_units)"
    assert report.layers["dense"].output_shapes[0] == (None, length)


def test_a_function_a_loop_defines_keeps_its_own_names(tmp_path):
    """The names inside a function, lambda or comprehension the loop body holds are theirs:
    the loop leaves the file's names as they were."""
    path = tmp_path / "defs.py"
    path.write_text(PRELUDE + "units = 3\nfor line in open('data.txt'):\n"
                    "    def f(units=1):\n        units = 2\n        return units\n"
                    "    g = lambda units: units\n    h = [units for units in range(5)]\n"
                    "x = keras.Input((4,))\nmodel = keras.Model(x, layers.Dense(units)(x))\n")
    (report,) = api.analyze_python(str(path))
    assert report.layers["dense"].output_shapes[0] == (None, 3)


ADAPTED_LOOKUPS = """
def encode(feature, data, is_string):  # keras.io's structured data classification, in small
    lookup_class = layers.StringLookup if is_string else layers.IntegerLookup
    lookup = lookup_class(output_mode="binary")
    lookup.adapt(data)
    return lookup(feature)

sex = keras.Input(shape=(1,), name="sex", dtype="int64")
thal = keras.Input(shape=(1,), name="thal", dtype="string")
age = keras.Input(shape=(1,), name="age")
merged = layers.concatenate([encode(sex, [1, 2, 3, 4, 4], False), encode(thal, ["a", "b", "c", "a"], True), age])
model = keras.Model([sex, thal, age], layers.Dense(1)(layers.Dense(32, activation="relu")(merged)))

vectorize = layers.TextVectorization(max_tokens=20000, output_mode="int", output_sequence_length=50)
vectorize.adapt(["the cat sat", "the dog"])
text = keras.Input(shape=(50,), dtype="int64")
texts = keras.Model(text, layers.Embedding(vectorize.vocabulary_size(), 16)(text), name="texts")
"""


def test_a_vocabulary_adapt_learns_is_a_named_size_of_each_layer(tmp_path):
    """What ``adapt()`` learns from data is a named size of the layer (two lookups never
    share one), and ``vocabulary_size()`` returns it; bound to what Keras learns from the
    same data, every layer and total is Keras's (Keras 3 runs the file)."""
    import python_oracle as oracle

    path = tmp_path / "lookups.py"
    path.write_text(PRELUDE + ADAPTED_LOOKUPS)
    reports = {r.model: r for r in api.analyze_python(str(path))}
    assert str(reports["functional"].total_params) == \
        "32*integer_lookup_vocabulary_size + 32*string_lookup_vocabulary_size + 97"
    assert str(reports["texts"].total_params) == "16*text_vectorization_vocabulary_size"
    # Keras's vocabularies: 4 integers and 3 strings with one OOV index each; 4 words with
    # the padding "" and "[UNK]"
    learnt = {"integer_lookup_vocabulary_size": 5, "string_lookup_vocabulary_size": 4,
              "text_vectorization_vocabulary_size": 6}
    bound = {r.model: r for r in api.analyze_python(str(path), dims=learnt)}
    facts = {m["name"]: m for m in oracle.run_file(path)["models"]}
    for name in ("functional", "texts"):
        theirs = {l["name"]: ([tuple(s) for s in l["output_shapes"]], l["params"]) for l in facts[name]["layers"]}
        ours = {l.name: ([tuple(s) for s in l.output_shapes], l.params) for l in bound[name].layers.values()}
        assert ours == theirs
        assert bound[name].total_params == facts[name]["total_params"]


def test_a_model_not_followed_says_what_the_reader_did_not_follow(tmp_path):
    """A keras.applications backbone the installed Keras does not have: the model's SC601
    names the backbone and why, not only the layer after it."""
    path = tmp_path / "backbone.py"
    path.write_text(PRELUDE + textwrap.dedent("""\
        backbone = keras.applications.MobileNetV9(weights="imagenet", include_top=False, input_shape=(224, 224, 3))
        inputs = layers.Input((224, 224, 3))
        x = layers.Dropout(0.3)(backbone(keras.applications.mobilenet_v2.preprocess_input(inputs)))
        model = keras.Model(inputs, layers.SeparableConv2D(34, 5)(x), name="keypoint_detector")
        """))
    (report,) = api.analyze_python(str(path))
    (d,) = report.diagnostics
    assert (d.code, d.location.line) == ("SC601", 6)
    assert d.message == ("a keras.Model whose outputs the reader cannot follow (keras.applications."
                         "MobileNetV9 is not followed: the installed keras has no such builder); it is not checked")


def test_a_sequential_of_layer_subclasses_is_built_where_it_is_first_called(tmp_path, monkeypatch):
    """keras.io's MLP-Mixer: ``keras.Sequential([MLPMixerLayer(...) for _ in range(n)])``
    called on the patches. Keras builds the Sequential there, each block on what the one
    before gives it, and the reader follows each block's call() then; a block it cannot
    follow declines the Sequential there (SC601), and the model it feeds with that reason:
    no error, no layer of type '?'."""
    body = textwrap.dedent("""\
        class Double(layers.Layer):
            def __init__(self, units):
                super().__init__()
                self.dense = layers.Dense(units)

            def call(self, x):
                return x + self.dense(x)


        blocks = keras.Sequential([Double(8) for _ in range(2)])
        inputs = keras.Input((5, 8))
        model = keras.Model(inputs, layers.Dense(2)(blocks(inputs)))
        """)
    path = tmp_path / "mixer.py"
    path.write_text(PRELUDE + body)
    reports = {r.model: r for r in api.analyze_python(str(path))}
    expected = _keras_facts(PRELUDE + body, monkeypatch)
    assert {l.name: ([tuple(s) for s in l.output_shapes], l.params) for l in reports[expected["name"]].layers.values()
            if l.type != "InputLayer"} == expected["layers"]
    assert reports["sequential"].total_params == 144
    built = body.replace("inputs = keras.Input", "blocks.build((None, 5, 8))\ninputs = keras.Input")
    path.write_text(PRELUDE + built)  # built by build(): the same, and Keras names the same
    reports = {r.model: r for r in api.analyze_python(str(path))}
    assert reports["sequential"].total_params == 144
    assert reports[_keras_facts(PRELUDE + built, monkeypatch)["name"]].total_params == expected["total"]
    path.write_text(PRELUDE + body.replace("return x + self.dense(x)", "return ops.frobnicate(self.dense(x))"))
    reports = api.analyze_python(str(path))
    found = [(d.code, d.severity.value, d.location.line) for r in reports for d in r.diagnostics]
    assert found == [("SC601", "warning", 14)], found  # once a line: the model there is said with it
    assert reports[-1].diagnostics[0].message.startswith("Double.call() is code the reader cannot follow here")


# Keras 2.1-2.3 exported imagenet_utils.obtain_input_shape as _obtain_input_shape, and
# application ports import it so (keras_squeezenet 0.4: SqueezeNet's 1,235,496 parameters);
# the reader follows it as tf_keras's obtain_input_shape computes
@pytest.mark.keras
@pytest.mark.parametrize("shape, kwargs", [
    (None, {"default_size": 227, "min_size": 48, "data_format": "channels_last", "require_flatten": True}),
    ((96, 128, 3), {"default_size": 227, "min_size": 48, "data_format": "channels_last", "require_flatten": False}),
    (None, {"default_size": 224, "min_size": 32, "data_format": "channels_last", "require_flatten": False,
            "weights": None}),
])
def test_keras2_private_obtain_input_shape(shape, kwargs, tmp_path):
    pytest.importorskip("tf_keras")
    from tf_keras.src.applications.imagenet_utils import obtain_input_shape

    expected = obtain_input_shape(shape, **kwargs)
    given = ", ".join([repr(shape), *(f"{k}={v!r}" for k, v in kwargs.items())])
    path = tmp_path / "squeeze.py"
    path.write_text("from keras.applications.imagenet_utils import _obtain_input_shape\n"
                    "from keras.layers import Input, Dense\nfrom keras.models import Model\n\n"
                    f"shape = _obtain_input_shape({given})\nx = Input(shape=shape)\nmodel = Model(x, Dense(2)(x))\n")
    (report,) = api.analyze_python(str(path), dialect="keras2")
    assert report.layers["input_1"].output_shapes[0] == (None, *expected)
