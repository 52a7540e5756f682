"""TensorFlow functions called on tf.keras tensors in Python source: the reader's table
(shapecheck/reading/python/tf_functions.py) is the installed TensorFlow's, generated again
here, and a program that calls them with positional arguments reads as tf.keras builds it
(tf_keras, run by the oracle in a process of its own): each TFOpLambda layer's name, its
output shape and the parameter count. Keras 2's backend functions in a Lambda's function
(``Lambda(lambda t: K.mean(t, axis=1))``) give the Lambda the output shape tf_keras gives it,
and on the model's tensors the TFOpLambda layers tf_keras makes. Keras 3 refuses both on
its tensors outside a Lambda, at the line shapecheck flags (SC605)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

pytest.importorskip("tf_keras")

import python_oracle as oracle  # noqa: E402
import tf_functions  # noqa: E402
from helpers import TOKEN_AND_POSITION_EMBEDDING, TRANSFORMER_BLOCK  # noqa: E402

import shapecheck.api as api  # noqa: E402

pytestmark = pytest.mark.keras


def test_the_table_is_the_installed_tensorflow():
    assert tf_functions.TARGET.read_text(encoding="utf-8") == tf_functions.source(), \
        "run `python tests/tf_functions.py --write`"


# Every later argument positional, as tf.keras code writes them: tf.keras records each by
# its parameter's name (shape, perm, axis, keepdims, y, transpose_b...), and names the
# layer after the operation TensorFlow dispatched (tf.transpose: tf.compat.v1.transpose).
# tf.einsum takes its equation first, then its operands.
PROGRAM = """\
import tensorflow as tf
from tensorflow import keras

inputs = keras.Input(shape=(784,))
other = keras.Input(shape=(26, 8))
x = tf.reshape(inputs, (-1, 28, 28, 1))
x = keras.layers.Conv2D(8, 3)(x)
x = tf.transpose(x, [0, 3, 1, 2])
x = tf.reduce_mean(x, 1)
x = tf.reduce_sum(x, [2], True)
x = tf.squeeze(x, [2])
x = tf.expand_dims(x, -1)
x = tf.tile(x, [1, 1, 8])
x = tf.math.multiply(x, 2.0)
x = tf.add(x, other)
x = tf.nn.softmax(x, -1)
x = tf.clip_by_value(x, 0.0, 1.0)
x = tf.cast(x, "float32")
y = tf.concat([x, other], -1)
z = tf.stack([x, other], 1)
w = tf.matmul(x, other, False, True)
v = tf.argmax(y, 2)
u = tf.math.cumsum(y, 1, False, True)
t = tf.reshape(inputs, (-1, 28, 28), name="r")
e = tf.einsum("bij,bkj->bik", x, other)
f = tf.linalg.einsum("bij->bji", other)
g = tf.pad(other, [[0, 0], [1, 2], [0, 1]], "REFLECT")
images = tf.reshape(inputs, (-1, 28, 28, 1))
h = tf.image.extract_patches(images, [1, 3, 3, 1], [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
i = tf.image.extract_patches(images=images, sizes=[1, 7, 7, 1], strides=[1, 7, 7, 1], rates=[1, 1, 1, 1],
                             padding="VALID")
model = keras.Model([inputs, other], [y, z, w, v, u, t, e, f, g, h, i])
"""


def test_positional_arguments_of_tensorflow_functions_read_as_tf_keras_builds_them(tmp_path):
    path = tmp_path / "tf_functions.py"
    path.write_text(textwrap.dedent(PROGRAM), encoding="utf-8")
    facts = oracle.run_file(path, flavour="tf.keras")
    (model,) = [m for m in facts["models"] if m["built"]]
    theirs = {l["name"]: (l["class"], [tuple(s) for s in l["output_shapes"]], l["params"])
              for l in model["layers"]}
    (report,) = api.analyze_python(str(path), dialect="keras2")
    assert report.ok, [f"{d.code} {d.message}" for d in report.diagnostics]
    assert not report.diagnostics, [f"{d.code} {d.message}" for d in report.diagnostics]
    ours = {l.name: (l.type, list(l.output_shapes), l.params) for l in report.layers.values()}
    assert ours == theirs
    assert report.total_params == model["total_params"]
    assert sum(1 for c, _, _ in theirs.values() if c == "TFOpLambda") == 24


# Keras 2's backend functions in Lambdas, each entry of keras_backend.BACKEND at least
# once, its defaults included (K.concatenate on the last axis, K.argmax too).
BACKEND_PROGRAM = """\
from keras.layers import Input, Lambda
from keras.models import Model
from keras import backend as K

t = Input(shape=(6, 4))
u = Input(shape=(6, 4))
calls = [
    lambda a: K.mean(a, axis=1), lambda a: K.sum(a, 1, True), lambda a: K.max(a, axis=-1),
    lambda a: K.min(a, axis=[1, 2]), lambda a: K.prod(a, axis=2, keepdims=True), lambda a: K.std(a, axis=1),
    lambda a: K.var(a, 2), lambda a: K.any(a, axis=1), lambda a: K.all(a, 2, True),
    lambda a: K.square(a), lambda a: K.sqrt(a), lambda a: K.exp(a), lambda a: K.log(a), lambda a: K.abs(a),
    lambda a: K.sigmoid(a), lambda a: K.tanh(a), lambda a: K.softplus(a),
    lambda a: K.expand_dims(a), lambda a: K.expand_dims(a, 1), lambda a: K.squeeze(K.expand_dims(a, 1), 1),
    lambda a: K.reshape(a, (-1, 24)), lambda a: K.permute_dimensions(a, (0, 2, 1)),
    lambda a: K.softmax(a), lambda a: K.softmax(a, axis=1), lambda a: K.relu(a, alpha=0.1, max_value=6.0),
    lambda a: K.elu(a, 0.5), lambda a: K.tile(a, (1, 2, 3)),
    lambda a: K.cast(a, "float16"), lambda a: K.argmax(a),
    lambda a: K.argmin(a, axis=1), lambda a: K.cumsum(a, axis=1), lambda a: K.pow(a, 2),
    lambda a: K.clip(a, 0.0, 1.0), lambda a: K.l2_normalize(a, axis=1), lambda a: K.flatten(a),
    lambda a: K.repeat_elements(a, 2, axis=1), lambda a: K.dot(a, K.permute_dimensions(a, (0, 2, 1))),
]
pairs = [
    lambda ab: K.concatenate(ab), lambda ab: K.concatenate(ab, axis=1), lambda ab: K.stack(ab, axis=1),
    lambda ab: K.maximum(ab[0], ab[1]), lambda ab: K.minimum(ab[0], ab[1]),
    lambda ab: K.dot(ab[0][:, 0], K.permute_dimensions(ab[1], (0, 2, 1))),
]
outs = [Lambda(f)(t) for f in calls] + [Lambda(f)([t, u]) for f in pairs]
model = Model([t, u], outs)
"""


def test_keras_2_backend_functions_in_lambdas_read_as_tf_keras_builds_them(tmp_path):
    from shapecheck.reading.python.keras_backend import BACKEND

    path = tmp_path / "backend.py"
    path.write_text(BACKEND_PROGRAM, encoding="utf-8")
    facts = oracle.run_file(path, flavour="keras2")
    (model,) = [m for m in facts["models"] if m["built"]]
    theirs = {l["name"]: [tuple(s) for s in l["output_shapes"]] for l in model["layers"] if l["class"] == "Lambda"}
    (report,) = api.analyze_python(str(path), dialect="keras2")
    ours = {l.name: list(l.output_shapes or ()) for l in report.layers.values() if l.type == "Lambda"}
    assert len(theirs) == 43 and ours == theirs
    assert {d.code for d in report.diagnostics} == {"SC410"}  # each Lambda followed, and said so
    assert all(f"K.{name}(" in BACKEND_PROGRAM for name in BACKEND)


# The same functions on the model's tensors, outside a Lambda, as tf.keras code calls
# them (``K.sum(h * a, axis=1)``): each the TFOpLambda layers tf_keras makes of the
# TensorFlow calls inside it (K.sqrt two, K.any a cast first), named as tf_keras names
# them, every entry of keras_backend.TF_STEPS at least once and each of their branches.
BACKEND_ON_TENSORS = """\
from keras.layers import Input
from keras.models import Model
from keras import backend as K

t = Input(shape=(6, 4))
u = Input(shape=(6, 4))
v = Input(shape=())
outs = [
    K.mean(t, axis=1), K.sum(t, 1, True), K.max(t, axis=-1), K.min(t, axis=[1, 2]),
    K.prod(t, axis=2, keepdims=True), K.std(t, axis=1), K.var(t, 2), K.any(t, axis=1), K.all(t, 2, True),
    K.square(t), K.sqrt(t), K.exp(t), K.log(t), K.abs(t), K.sigmoid(t), K.tanh(t), K.softplus(t),
    K.expand_dims(t), K.expand_dims(t, 1), K.squeeze(K.expand_dims(t, 1), 1),
    K.reshape(t, (-1, 24)), K.permute_dimensions(t, (0, 2, 1)), K.softmax(t), K.softmax(t, axis=1),
    K.relu(t), K.relu(t, alpha=0.1), K.relu(t, max_value=6), K.relu(t, max_value=3.0), K.elu(t),
    K.tile(t, (1, 2, 3)), K.tile(v, 2), K.cast(t, "float16"), K.argmax(t), K.argmin(t, axis=1),
    K.cumsum(t, axis=1), K.pow(t, 2), K.clip(t, 0.0, 1.0), K.clip(t, 1.0, 0.5),
    K.concatenate([t, u]), K.concatenate([t, u], axis=1), K.stack([t, u], axis=1),
    K.maximum(t, u), K.minimum(t, 2.0), K.l2_normalize(t, axis=-1), K.l2_normalize(t), K.flatten(t),
    K.repeat_elements(t, 2, -1), K.binary_crossentropy(t, u), K.binary_crossentropy(t, u, True),
]
model = Model([t, u, v], outs)
"""


def test_keras_2_backend_functions_on_tensors_read_as_tf_keras_builds_them(tmp_path):
    from shapecheck.reading.python.keras_backend import TF_STEPS

    path = tmp_path / "backend_on_tensors.py"
    path.write_text(BACKEND_ON_TENSORS, encoding="utf-8")
    facts = oracle.run_file(path, flavour="keras2")
    (model,) = [m for m in facts["models"] if m["built"]]
    theirs = {l["name"]: (l["class"], [tuple(s) for s in l["output_shapes"]], l["params"])
              for l in model["layers"]}
    (report,) = api.analyze_python(str(path), dialect="keras2")
    assert not report.diagnostics, [f"{d.code} {d.message}" for d in report.diagnostics]
    ours = {l.name: (l.type, list(l.output_shapes), l.params) for l in report.layers.values()}
    assert ours == theirs
    assert len(theirs) == 58  # 3 inputs, 55 TFOpLambda layers (tf.split and tf.concat for repeat_elements)
    assert all(f"K.{name}(" in BACKEND_ON_TENSORS for name in TF_STEPS)
    listed = (Path(__file__).resolve().parents[1] / "docs" / "python-source.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in listed for name in TF_STEPS), "docs/python-source.md lists what is followed"


def test_a_backend_function_on_tensors_not_followed_is_said_where_it_is_called(tmp_path):
    """K.elu with an alpha other than 1 (a tf.where of three layers in tf_keras), a backend
    function outside the table: SC601 at each call, and at the model they leave unchecked."""
    path = tmp_path / "not_followed.py"
    path.write_text(textwrap.dedent("""\
        from keras.layers import Input, Dense
        from keras.models import Model
        from keras import backend as K

        t = Input(shape=(6, 4))
        a = K.elu(t, 0.5)
        b = K.batch_dot(t, t, axes=2)
        c = Dense(3)(K.relu(t, alpha=0.1, max_value=6.0))
        d = K.mean(t, axis=1)
        model = Model(t, [a, b, c, d])
        """), encoding="utf-8")
    (report,) = api.analyze_python(str(path), dialect="keras2")
    said = [(d.code, d.location.line, d.message.split(" on ")[0]) for d in report.diagnostics]
    assert said == [("SC601", 6, "keras.backend.elu"), ("SC601", 7, "keras.backend.batch_dot"),
                    ("SC601", 8, "keras.backend.relu"),
                    ("SC601", 10, "a keras.Model whose outputs the reader cannot follow (keras.backend.elu is "
                     "not followed (said where it is called)); it is not checked")]


# Keras 3 (tf.keras since TensorFlow 2.16) refuses TensorFlow functions and Keras 2's
# backend on its tensors, outside a Lambda's function: each file below fails in Keras 3
# at its line 6, and shapecheck says so there (SC605). Inside a Lambda's function they
# work, and the fixed file (keras.ops, as the hint says) builds.
KERAS3_HEAD = """\
import tensorflow as tf
import keras
from keras import backend as K
from tensorflow.keras import backend as TK
inputs = keras.Input(shape=(30, 8))
"""
KERAS3_TAIL = """\
x = keras.layers.Dense(3)(x)
model = keras.Model(inputs, x)
"""
_REFUSED = "A KerasTensor cannot be used as input to a TensorFlow function"
# file -> (its line 6, Keras's error, shapecheck's message): Keras's words where they do
# not depend on the backend function's own code (K.mean fails on the tensor's dtype first)
KERAS3_REFUSED = {
    "tf_function.py": ("x = tf.reduce_mean(inputs, 1)\n", _REFUSED, _REFUSED),
    "keras_backend.py": ("x = K.mean(inputs, axis=1)\n", *["module 'keras.backend' has no attribute 'mean'"] * 2),
    "tf_keras_backend.py": ("x = TK.squeeze(inputs[:, :1], 1)\n", _REFUSED,
                            "tf.keras.backend.squeeze is Keras 2's, made of TensorFlow functions, which Keras 3 "
                            "refuses on its tensors"),
}
KERAS3_WORKS = {
    "fixed.py": "x = keras.ops.mean(inputs, axis=1)\n",
    "normalized.py": "x = keras.ops.normalize(inputs, order=1)[:, 0]\n",
    "in_lambdas.py": "x = keras.layers.Lambda(lambda t: TK.mean(tf.reduce_max(t, 2, True), axis=2))(inputs)\n",
}


def test_keras_3_refuses_tensorflow_functions_on_its_tensors_where_keras_does(tmp_path):
    files = {name: KERAS3_HEAD + line + KERAS3_TAIL for name, (line, _, _) in KERAS3_REFUSED.items()}
    files.update({name: KERAS3_HEAD + line + KERAS3_TAIL for name, line in KERAS3_WORKS.items()})
    for name, source in files.items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    facts = oracle.run_files([tmp_path / name for name in files], flavour="keras3")
    for name, (_, theirs, ours) in KERAS3_REFUSED.items():
        error = facts[name]["error"]
        assert error["line"] == 6 and error["message"].startswith(theirs), (name, error)
        (report,) = api.analyze_python(str(tmp_path / name))
        said = [(d.code, d.location.line) for d in report.diagnostics]
        assert said == [("SC605", 6)] and report.diagnostics[0].message.startswith(ours), (name, said)
        # the layers after the call are checked, with the shape the call gives
        assert list(report.layers["dense"].output_shapes) == [(None, 3)] and report.total_params == 27
    for name in KERAS3_WORKS:
        assert facts[name]["error"] is None, facts[name]["error"]
        (model,) = [m for m in facts[name]["models"] if m["built"]]
        (report,) = api.analyze_python(str(tmp_path / name))
        assert [d.code for d in report.diagnostics if d.code != "SC410"] == [], name
        ours = {l.name: list(l.output_shapes) for l in report.layers.values()}
        theirs = {l["name"]: [tuple(s) for s in l["output_shapes"]] for l in model["layers"] + model["ops"]}
        assert ours == theirs, name


def test_keras_3s_backend_is_the_installed_keras():
    import keras

    from shapecheck.reading.python.keras_keywords import KERAS3_BACKEND

    assert KERAS3_BACKEND == {n for n in dir(keras.backend) if not n.startswith("_")}


def test_tf_keras_is_tf_keras_where_tensorflow_is_told_so(tmp_path, monkeypatch):
    """TF_USE_LEGACY_KERAS=1 makes TensorFlow's tf.keras tf_keras (Keras 2): a tf.keras file
    is then read as tf_keras builds it (its TFOpLambda, its names), not refused as Keras 3."""
    path = tmp_path / "legacy.py"
    path.write_text("import tensorflow as tf\nfrom tensorflow import keras\n\n"
                    "inputs = keras.Input(shape=(30, 8))\nx = tf.reduce_mean(inputs, 1)\n"
                    "x = keras.layers.Dense(3)(x)\nmodel = keras.Model(inputs, x)\n", encoding="utf-8")
    (keras3,) = api.analyze_python(str(path))
    assert [(d.code, d.location.line) for d in keras3.diagnostics] == [("SC605", 5)]
    monkeypatch.setenv("TF_USE_LEGACY_KERAS", "1")
    facts = oracle.run_file(path, flavour="tf.keras")  # TensorFlow's tf.keras, told so
    (model,) = [m for m in facts["models"] if m["built"]]
    (report,) = api.analyze_python(str(path))
    assert not report.diagnostics, [f"{d.code} {d.message}" for d in report.diagnostics]
    ours = {l.name: (l.type, list(l.output_shapes), l.params) for l in report.layers.values()}
    assert ours == {l["name"]: (l["class"], [tuple(s) for s in l["output_shapes"]], l["params"])
                    for l in model["layers"]}
    assert "tf.math.reduce_mean" in ours and "input_1" in ours


def test_a_tensorflow_function_given_an_unknown_argument_is_not_said_to_miss_it(tmp_path):
    """tf.reshape(x, shape) with a shape from code the reader does not read: SC602 says
    so, and no layer is made without it (it would say the argument is missing)."""
    path = tmp_path / "unknown_arg.py"
    path.write_text("import tensorflow as tf\nimport tf_keras as keras\nfrom helpers import target_shape\n\n"
                    "inputs = keras.Input(shape=(30, 8))\nx = tf.reshape(inputs, target_shape(inputs))\n"
                    "model = keras.Model(inputs, keras.layers.Dense(3)(x))\n", encoding="utf-8")
    (report,) = api.analyze_python(str(path))
    assert [(d.code, d.location.line) for d in report.diagnostics] == [("SC602", 6), ("SC601", 7)]


# tf.keras 2 code that computes a loss on its model's tensors and adds it to the model
# (Keras 2's variational autoencoders): the loss functions run, each TensorFlow call in
# them a layer (K.binary_crossentropy takes two tf.convert_to_tensor names before tf_keras
# dispatches it whole), and add_loss / add_metric add those layers to the model, the
# encoder's inner ones included, their weights counted once.
LOSSES_ON_TENSORS = """\
from keras.layers import Input, Dense
from keras.models import Model
from keras.losses import binary_crossentropy, mse, mae
from keras import backend as K
import tensorflow as tf

x = Input(shape=(8,))
h = Dense(6, activation="relu")(x)
z_mean, z_log_var = Dense(2, name="z_mean")(h), Dense(2, name="z_log_var")(h)
encoder = Model(x, [z_mean, z_log_var], name="encoder")
decoded = Dense(8, activation="sigmoid", name="decoded")(encoder(x)[0])
vae = Model(x, decoded, name="vae")
a = binary_crossentropy(x, decoded)
b = mse(K.flatten(x), K.flatten(decoded))
c = mae(x, decoded, )
d = K.binary_crossentropy(x, decoded, from_logits=True)
e = tf.convert_to_tensor(decoded)
kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
vae.add_loss(K.mean(a + kl))
vae.add_loss([K.mean(b), lambda: 0.0])
vae.add_metric(K.mean(c), name="mae", aggregation="mean")
vae.add_metric(K.mean(d), "bce")
others = Model(x, [d, e])
"""


def test_losses_on_tensors_and_add_loss_read_as_tf_keras_builds_them(tmp_path):
    path = tmp_path / "vae.py"
    path.write_text(LOSSES_ON_TENSORS, encoding="utf-8")
    facts = oracle.run_file(path, flavour="keras2")
    assert facts["error"] is None, facts["error"]
    reports = {r.model: r for r in api.analyze_python(str(path), dialect="keras2")}
    for model in facts["models"]:
        report = reports[model["name"]]
        assert not report.diagnostics, [f"{d.code} {d.message}" for d in report.diagnostics]
        theirs = {l["name"]: (l["class"], [tuple(s) for s in l["output_shapes"]], l["params"])
                  for l in model["layers"]}
        ours = {l.name: (l.type, list(l.output_shapes), l.params) for l in report.layers.values()}
        assert ours == theirs, model["name"]
        assert report.total_params == model["total_params"], model["name"]
    vae = next(m for m in facts["models"] if m["name"] == "vae")
    assert {l["class"] for l in vae["layers"]} >= {"AddLoss", "AddMetric", "Dense", "TFOpLambda"}
    assert vae["total_params"] == 106  # the encoder (82) once, though its layers are the vae's too, and decoded


@pytest.mark.parametrize("call, words", [
    ("model.add_loss(ops.mean(ops.square(h)))", "NotImplementedError"),
    ("model.add_metric(ops.mean(h), name='m')", "Layer `add_metric()` method is deprecated"),
])
def test_keras_3_refuses_add_loss_and_add_metric_where_keras_does(call, words, tmp_path):
    path = tmp_path / "vae3.py"
    path.write_text(textwrap.dedent("""\
        import keras
        from keras import layers, ops
        x = keras.Input(shape=(8,))
        h = layers.Dense(4)(x)
        model = keras.Model(x, layers.Dense(2)(h))
        """) + call + "\n", encoding="utf-8")
    facts = oracle.run_file(path, flavour="keras3")
    assert facts["error"]["type"] == "NotImplementedError" and facts["error"]["line"] == 6
    assert words in f"NotImplementedError {facts['error']['message']}"
    (report,) = api.analyze_python(str(path), dialect="keras3")
    said = [(d.code, d.location.line) for d in report.diagnostics]
    assert said == [("SC605", 6)] and words in report.diagnostics[0].message


def test_a_tf_keras_layer_subclass_with_build_and_add_weight_is_followed(tmp_path):
    """tf.keras 2 code's own layer: build() makes its weights with add_weight on the
    TensorShape it is given, call() computes with them (TensorFlow and backend functions
    inside it are no layers of the model)."""
    path = tmp_path / "linear.py"
    path.write_text(textwrap.dedent("""\
        from keras.layers import Input, Dense, Layer
        from keras.models import Model
        from keras import backend as K
        import tensorflow as tf

        class Linear(Layer):
            def __init__(self, units=32, **kwargs):
                self.units = units
                super(Linear, self).__init__(**kwargs)

            def build(self, input_shape):
                self.w = self.add_weight(name="w", shape=(input_shape[-1], self.units), initializer="normal")
                self.b = self.add_weight(name="b", shape=(self.units,), initializer="zeros")
                super(Linear, self).build(input_shape)

            def call(self, x):
                return K.relu(tf.matmul(x, self.w) + self.b)

        class Attention(Layer):  # the attention layer of countless tf.keras 2 tutorials
            def build(self, input_shape):
                self.W = self.add_weight(name="att_weight", shape=(input_shape[-1], 1), initializer="normal")
                self.b = self.add_weight(name="att_bias", shape=(input_shape[1], 1), initializer="zeros")
                super(Attention, self).build(input_shape)

            def call(self, x):
                e = K.tanh(K.dot(x, self.W) + self.b)
                a = K.softmax(e, axis=1)
                return K.sum(x * a, axis=1)

        class Scale(Layer):  # tf_keras's add_weight(name, shape, ...) by position
            def build(self, input_shape):
                self.g = self.add_weight("gain", (input_shape[-1],), initializer="ones")

            def call(self, x):
                return x * self.g

            def compute_output_shape(self, input_shape):  # tf_keras traces call() instead
                return (input_shape[0], 99)

        x = Input(shape=(6,))
        model = Model(x, Dense(2)(Scale()(Linear(8)(Linear(5)(x)))))
        t = Input(shape=(20, 8))
        tagger = Model(t, Dense(1)(Attention()(LSTM(16, return_sequences=True)(t))))
        """).replace("Dense, Layer", "Dense, Layer, LSTM"), encoding="utf-8")
    models = oracle.run_file(path, flavour="keras2")["models"]
    reports = {r.model: r for r in api.analyze_python(str(path), dialect="keras2")}
    for model in models:
        report = reports[model["variables"][0]] if model["variables"][0] in reports else reports[model["name"]]
        theirs = {l["name"]: (l["class"], [tuple(s) for s in l["output_shapes"]], l["params"]) for l in model["layers"]}
        assert {l.name: (l.type, list(l.output_shapes), l.params) for l in report.layers.values()} == theirs
        assert report.total_params == model["total_params"]
        assert {d.code for d in report.diagnostics} == {"SC410"}
    assert [m["total_params"] for m in models] == [6 * 5 + 5 + 5 * 8 + 8 + 8 + 8 * 2 + 2, 1600 + (16 + 20) + 17]


def test_a_tf_keras_layer_subclass_with_sublayers_is_followed(tmp_path):
    """keras.io's TransformerBlock as tf.keras 2 code: its sublayers (attention, a
    Sequential, normalizations, dropouts) are made in __init__, named from the file's
    counters, and their weights are the layer's."""
    path = tmp_path / "transformer.py"
    path.write_text(textwrap.dedent("""\
        from tensorflow import keras
        from tensorflow.keras import layers

        """) + TRANSFORMER_BLOCK + textwrap.dedent("""\
        inputs = layers.Input(shape=(200,))
        x = TransformerBlock(32, 2, 32)(layers.Embedding(20000, 32)(inputs))
        x = layers.Dropout(0.1)(layers.GlobalAveragePooling1D()(x))
        model = keras.Model(inputs, layers.Dense(2)(x))
        """), encoding="utf-8")
    (model,) = [m for m in oracle.run_file(path, flavour="tf.keras")["models"] if m["name"] == "model"]
    (report,) = [r for r in api.analyze_python(str(path), dialect="keras2") if r.model == "model"]
    theirs = {l["name"]: (l["class"], [tuple(s) for s in l["output_shapes"]], l["params"]) for l in model["layers"]}
    assert {l.name: (l.type, list(l.output_shapes), l.params) for l in report.layers.values()} == theirs
    assert report.total_params == model["total_params"] == 640000 + 10656 + 66


def test_the_tf_keras_token_and_position_embedding_is_followed(tmp_path):
    """The older keras.io TokenAndPositionEmbedding (tf.keras 2): ``tf.shape(x)[-1]`` and
    ``tf.range`` inside its call() make the positions it embeds, a constant tensor of its
    own; the whole text classifier as tf_keras builds it."""
    path = tmp_path / "embedding.py"
    path.write_text(textwrap.dedent("""\
        import tensorflow as tf
        from tensorflow import keras
        from tensorflow.keras import layers

        """) + TOKEN_AND_POSITION_EMBEDDING.replace("ops.shape(x)", "tf.shape(x)").replace(
        "ops.arange(start=0, stop=maxlen, step=1)", "tf.range(start=0, limit=maxlen, delta=1)") + \
        TRANSFORMER_BLOCK + textwrap.dedent("""\
        inputs = layers.Input(shape=(200,))
        x = TokenAndPositionEmbedding(200, 20000, 32)(inputs)
        x = TransformerBlock(32, 2, 32)(x)
        x = layers.Dropout(0.1)(layers.GlobalAveragePooling1D()(x))
        model = keras.Model(inputs, layers.Dense(2)(layers.Dense(20)(x)))
        """), encoding="utf-8")
    assert "tf.shape(x)[-1]" in path.read_text() and "tf.range(start=0" in path.read_text()
    (model,) = [m for m in oracle.run_file(path, flavour="tf.keras")["models"] if m["name"] == "model"]
    (report,) = [r for r in api.analyze_python(str(path), dialect="keras2") if r.model == "model"]
    assert report.ok and not report.diagnostics, [d.line() for d in report.diagnostics]
    theirs = {l["name"]: (l["class"], [tuple(s) for s in l["output_shapes"]], l["params"]) for l in model["layers"]}
    assert {l.name: (l.type, list(l.output_shapes), l.params) for l in report.layers.values()} == theirs
    assert report.layers["token_and_position_embedding"].params == 20000 * 32 + 200 * 32
    assert report.total_params == model["total_params"]


def test_the_tf_keras_vae_sampling_layer_is_followed(tmp_path):
    """keras.io's variational autoencoder as tf.keras 2 code: Sampling's call() draws
    ``tf.keras.backend.random_normal(shape=(batch, dim))`` with ``batch = tf.shape(z)[0]``;
    the encoder and decoder as tf_keras builds them."""
    path = tmp_path / "vae.py"
    path.write_text(textwrap.dedent("""\
        import tensorflow as tf
        from tensorflow import keras
        from tensorflow.keras import layers


        class Sampling(layers.Layer):
            def call(self, inputs):
                z_mean, z_log_var = inputs
                batch = tf.shape(z_mean)[0]
                dim = tf.shape(z_mean)[1]
                epsilon = tf.keras.backend.random_normal(shape=(batch, dim))
                return z_mean + tf.exp(0.5 * z_log_var) * epsilon


        latent_dim = 2
        encoder_inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(32, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
        x = layers.Conv2D(64, 3, activation="relu", strides=2, padding="same")(x)
        x = layers.Flatten()(x)
        x = layers.Dense(16, activation="relu")(x)
        z_mean = layers.Dense(latent_dim, name="z_mean")(x)
        z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
        z = Sampling()([z_mean, z_log_var])
        encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

        latent_inputs = keras.Input(shape=(latent_dim,))
        x = layers.Dense(7 * 7 * 64, activation="relu")(latent_inputs)
        x = layers.Reshape((7, 7, 64))(x)
        x = layers.Conv2DTranspose(64, 3, activation="relu", strides=2, padding="same")(x)
        x = layers.Conv2DTranspose(32, 3, activation="relu", strides=2, padding="same")(x)
        decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
        decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")
        """), encoding="utf-8")
    facts = {m["name"]: m for m in oracle.run_file(path, flavour="tf.keras")["models"]}
    reports = {r.model: r for r in api.analyze_python(str(path), dialect="keras2")}
    assert set(reports) == set(facts) == {"encoder", "decoder"}
    for name, model in facts.items():
        report = reports[name]
        assert report.ok and [d.code for d in report.diagnostics] == (["SC410"] if name == "encoder" else [])
        theirs = {l["name"]: (l["class"], [tuple(s) for s in l["output_shapes"]], l["params"])
                  for l in model["layers"]}
        assert {l.name: (l.type, list(l.output_shapes), l.params) for l in report.layers.values()} == theirs
        assert report.total_params == model["total_params"]


# A layer's weights made with tf.Variable, as TensorFlow-era layers make them (keras.io's
# traffic forecasting GraphConv): in __init__ and in build(), of an initializer called
# directly, tf.zeros and tf.random.normal, one not trainable and named, a list of them.
VARIABLES = """\
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


class GraphConv(layers.Layer):
    def __init__(self, in_feat, out_feat, **kwargs):
        super().__init__(**kwargs)
        self.weight = tf.Variable(
            initial_value=keras.initializers.glorot_uniform()(shape=(in_feat, out_feat), dtype="float32"),
            trainable=True,
        )
        self.scale = tf.Variable(tf.ones((out_feat,)), trainable=False, name="scale")
        self.activation = layers.Activation("relu")

    def build(self, input_shape):
        self.bias = tf.Variable(tf.zeros((input_shape[1], 1)))
        self.mix = [tf.Variable(tf.random.normal((2, 2))) for _ in range(2)]

    def call(self, features):
        return self.activation(tf.matmul(features, self.weight) * self.scale + self.bias)


inputs = keras.Input((26, 12))
model = keras.Model(inputs, layers.Dense(3)(GraphConv(12, 10)(inputs)))
"""


@pytest.mark.parametrize("flavour", ["tf.keras", "keras3"])
def test_weights_made_with_tf_variable_are_tf_keras_s_and_not_keras_3_s(flavour, tmp_path):
    """tf_keras takes each tf.Variable set as a layer's attribute as one of its weights,
    trainable ones first; Keras 3 computes with them but takes none (0 parameters), and
    shapecheck says so at each (SC608)."""
    path = tmp_path / "graph_conv.py"
    path.write_text(VARIABLES, encoding="utf-8")
    (model,) = [m for m in oracle.run_file(path, flavour=flavour)["models"] if m["built"]]
    dialect = "keras2" if flavour == "tf.keras" else None
    (report,) = api.analyze_python(str(path), dialect=dialect)
    theirs = {l["name"]: (l["class"], [tuple(s) for s in l["output_shapes"]], l["params"]) for l in model["layers"]}
    assert {l.name: (l.type, list(l.output_shapes), l.params) for l in report.layers.values()} == theirs
    assert report.total_params == model["total_params"]
    (conv,) = [l for l in model["layers"] if l["class"] == "GraphConv"]
    assert [(list(w.shape), w.trainable) for w in report.layers["graph_conv"].weights] == \
        [(w["shape"], w["trainable"]) for w in conv["weights"]]
    said = sorted(d.location.line for d in report.diagnostics if d.code == "SC608")
    assert said == ([] if flavour == "tf.keras" else [9, 13, 17, 18])
    assert report.ok
