"""Model subclasses of the file (``class MyModel(keras.Model)`` with its own ``call()``):
the reader follows ``__init__`` and, where the file builds the model, ``call()`` as
Keras's first call runs it, and reports the model as Keras has it: its layers, named as
Keras names them, with their output shapes and parameters. Where Keras leaves it unbuilt
(Keras 3's ``model.build(shape)`` without a build() of its own, or never called), the
reader says so instead. A training wrapper (a GAN's ``train_step`` around the models it
is given) is not a model of its own; ``CustomModel(inputs, outputs)`` is a functional one,
and so is a subclass whose ``__init__`` gives ``super().__init__`` a graph. fit() and
predict() build a model not built yet on their data, as Keras traces call() on it.

Keras 3 runs each program here (the oracle: exec in a test, never in the product);
tf_keras runs in a process of its own (tests/python_oracle.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

import python_oracle as oracle  # noqa: E402
from helpers import run_program  # noqa: E402

import shapecheck.api as api  # noqa: E402

# TensorFlow's "advanced quickstart" model (tensorflow/docs, site/en/tutorials/quickstart/
# advanced.ipynb; Apache-2.0), as Keras 3 code: its imports are Keras 3's.
QUICKSTART = '''
import numpy as np
import keras
from keras.layers import Dense, Flatten, Conv2D
from keras import Model


class MyModel(Model):
  def __init__(self):
    super().__init__()
    self.conv1 = Conv2D(32, 3, activation='relu')
    self.flatten = Flatten()
    self.d1 = Dense(128, activation='relu')
    self.d2 = Dense(10)

  def call(self, x):
    x = self.conv1(x)
    x = self.flatten(x)
    x = self.d1(x)
    return self.d2(x)

# Create an instance of the model
model = MyModel()
'''

# Subclassed models holding subclassed models, in a list, with a residual sum.
NESTED = '''
import keras
from keras import layers


class Block(keras.Model):
    def __init__(self, units):
        super().__init__()
        self.d1 = layers.Dense(units, activation="relu")
        self.d2 = layers.Dense(units)
        self.norm = layers.LayerNormalization()

    def call(self, x):
        return self.norm(x + self.d2(self.d1(x)))


class Net(keras.Model):
    def __init__(self, num_classes=10):
        super().__init__()
        self.proj = layers.Dense(64)
        self.blocks = [Block(64), Block(64)]
        self.head = layers.Dense(num_classes)

    def call(self, inputs):
        x = self.proj(inputs)
        for block in self.blocks:
            x = block(x)
        return self.head(x)


model = Net()
'''

# Two inputs, given to fit() as a list.
TWO_TOWER = '''
import numpy as np
import keras
from keras import layers


class TwoTower(keras.Model):
    def __init__(self):
        super().__init__()
        self.left = layers.Dense(8)
        self.right = layers.Dense(8)
        self.head = layers.Dense(1)

    def call(self, inputs):
        a, b = inputs
        return self.head(self.left(a) + self.right(b))


model = TwoTower()
model.compile(optimizer="adam", loss="mse")
'''

# A weight of its own (build()'s add_weight) used with its sublayers' outputs in call().
OWN_WEIGHT = '''
import numpy as np
import keras
from keras import layers, ops


class Scaled(keras.Model):
    def __init__(self, units):
        super().__init__()
        self.units = units
        self.dense = layers.Dense(units)

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(1, self.units), initializer="ones", name="scale")

    def call(self, x):
        return self.dense(x) * ops.expand_dims(self.scale, 0)


model = Scaled(8)
'''

# name -> (program, how the file builds the model, the variable)
BUILT = {
    # fit() and predict() trace call() on a batch of the data (the batch axis unknown)
    "built by fit() on data": (QUICKSTART, "model.compile(optimizer='adam', loss='mse')\n"
                               "model.fit(np.zeros((4, 28, 28, 1)), np.zeros((4, 10)), epochs=1, verbose=0)\n"),
    "built by predict() on data": (QUICKSTART, "model.predict(x=np.ones((2, 28, 28, 1)), verbose=0)\n"),
    # Keras 3's predict() traces its first batch: batch_size (32 unless given) or fewer
    "built by predict() on a first batch of 32": (QUICKSTART, "model.predict(np.ones((40, 28, 28, 1)))\n"),
    "built by predict() on a first batch of batch_size": (
        QUICKSTART, "model.predict(np.ones((40, 28, 28, 1)), 16, verbose=0)\n"),
    "built by evaluate() on data": (QUICKSTART, "model.compile(loss='mse')\n"
                                    "model.evaluate(np.zeros((3, 28, 28, 1)), np.zeros((3, 10)), verbose=0)\n"),
    "built by train_on_batch() on data": (QUICKSTART, "model.compile(optimizer='sgd', loss='mse')\n"
                                          "model.train_on_batch(np.zeros((3, 28, 28, 1)), np.zeros((3, 10)))\n"),
    "built by fit() on a list of data": (TWO_TOWER, "model.fit([np.zeros((4, 3)), np.zeros((4, 5))], "
                                         "np.zeros((4, 1)), epochs=1, verbose=0)\n"),
    "called on keras.Input": (QUICKSTART, "model(keras.Input(shape=(28, 28, 1)))\n"),
    "called on data": (QUICKSTART, "model(np.zeros((1, 28, 28, 1)))\n"),
    "called on a tensor keras.ops makes": (QUICKSTART, "model(keras.ops.zeros((2, 28, 28, 1)))\n"),
    "nested, called on keras.Input": (NESTED, "out = model(keras.Input(shape=(20,)))\n"),
}


def _keras3(source: str) -> dict:
    """What Keras 3 has of ``model`` after the program ran: its name, each layer's output
    shape (summary()'s, from the shapes the layer was built with) and parameters."""
    scope = run_program(keras, source)
    model = scope["model"]
    layers = {}
    for layer in model.layers:
        try:
            shape = tuple(layer.compute_output_shape(**layer._build_shapes_dict))
        except NotImplementedError:  # a subclassed model of its own: summary() shows "?"
            shape = None
        layers[layer.name] = (shape, layer.count_params())
    return {"name": model.name, "layers": layers, "total": model.count_params()}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_a_built_model_subclass_matches_keras(name, tmp_path):
    program, build = BUILT[name]
    source = program + build
    path = tmp_path / "model.py"
    path.write_text(source)
    expected = _keras3(source)
    reports = api.analyze_python(str(path))
    report = next(r for r in reports if r.model == expected["name"])
    assert report.ok and not report.diagnostics, [f"{d.code} {d.message}" for d in report.diagnostics]
    # the ops call() applies are in the report's trace, not among Keras's layers
    ours = {l.name: (l.output_shapes[0], l.params) for l in report.layers.values()
            if l.type != "InputLayer" and not l.type.startswith("ops.")}
    assert set(ours) == set(expected["layers"])
    for layer, (shape, params) in expected["layers"].items():
        assert ours[layer][1] == params, layer
        assert shape is None or ours[layer][0] == shape, layer
    assert report.total_params == expected["total"]


def test_a_model_subclass_with_weights_of_its_own_is_checked_as_a_layer(tmp_path):
    # its weight and its Dense's are the layer's, in the functional model that calls it; as a
    # model of its own, no layer of the report would hold its weight: said, not guessed
    source = OWN_WEIGHT + "inputs = keras.Input(shape=(5, 4))\nouter = keras.Model(inputs, model(inputs))\n"
    path = tmp_path / "model.py"
    path.write_text(source)
    outer = run_program(keras, source)["outer"]
    reports = api.analyze_python(str(path))
    (report,) = [r for r in reports if r.model == outer.name]
    assert report.layers["scaled"].params == outer.get_layer("scaled").count_params() == 48
    assert report.total_params == outer.count_params()
    (said,) = [d for r in reports for d in r.diagnostics]
    assert said.code == "SC601" and said.location.line == OWN_WEIGHT.count("\n")
    assert said.message.startswith("Scaled makes weights of its own (add_weight) beside its sublayers")


def test_super_init_names_a_subclass_as_keras_does(tmp_path):
    # Layer.__init__ names the layer: the name given to super().__init__, else one from the
    # counters, taken when super().__init__ runs (before the sublayers __init__ makes)
    source = textwrap.dedent('''
        import keras
        from keras import layers


        class Tower(keras.Model):
            def __init__(self, units, **kwargs):
                super().__init__(name="tower_of_" + str(units), **kwargs)
                self.dense = layers.Dense(units)

            def call(self, x):
                return self.dense(x)


        class Head(keras.layers.Layer):
            def __init__(self, units):
                super().__init__()
                self.dense = layers.Dense(units)

            def call(self, x):
                return self.dense(x)


        inputs = keras.Input(shape=(8,))
        x = Tower(16)(inputs)
        x = Head(4)(x)
        model = keras.Model(inputs, Head(2)(x))
    ''')
    path = tmp_path / "model.py"
    path.write_text(source)
    scope = run_program(keras, source)
    reports = {r.model: r for r in api.analyze_python(str(path))}
    ours = {l.name: l.params for l in reports["functional"].layers.values() if l.type != "InputLayer"}
    assert ours == {l.name: l.count_params() for l in scope["model"].layers if l.name != "input_layer"}
    assert set(ours) == {"tower_of_16", "head", "head_1"}
    assert reports["tower_of_16"].total_params == 144


def test_a_model_subclass_inside_a_functional_model_is_its_layer_and_a_model_of_its_own(tmp_path):
    source = QUICKSTART + "inputs = keras.Input(shape=(28, 28, 1))\n" \
        "outer = keras.Model(inputs, model(inputs), name='outer')\n"
    path = tmp_path / "model.py"
    path.write_text(source)
    scope = run_program(keras, source)
    outer = scope["outer"]
    reports = {r.model: r for r in api.analyze_python(str(path))}
    assert set(reports) == {"my_model", "outer"}
    layer = reports["outer"].layers["my_model"]
    assert layer.type == "MyModel" and layer.output_shapes == ((None, 10),)
    assert layer.params == outer.get_layer("my_model").count_params() == reports["my_model"].total_params
    assert reports["outer"].total_params == outer.count_params()


def test_keras3_build_leaves_a_model_subclass_unbuilt_and_the_reader_says_so(tmp_path):
    source = QUICKSTART + "model.build((None, 28, 28, 1))\n"
    keras.backend.clear_session(free_memory=False)
    scope: dict = {}
    with pytest.warns(UserWarning, match="does not have a `build\\(\\)` method"):
        exec(compile(source, "<program>", "exec"), scope)  # noqa: S102
    assert scope["model"].built and not any(layer.built for layer in scope["model"].layers)
    with pytest.raises(ValueError, match="isn't built"):
        scope["model"].layers[0].count_params()
    path = tmp_path / "model.py"
    path.write_text(source)
    (said,) = [d for r in api.analyze_python(str(path)) for d in r.diagnostics]
    assert said.code == "SC606" and said.location.line == source.count("\n")
    assert said.message.startswith("Keras 3's build() marks MyModel built without building its layers")
    assert said.hint.startswith("call it on a tensor to build it: my_model(keras.Input(shape=...))")


def test_tf_keras_builds_a_model_subclass_on_build(tmp_path):
    source = QUICKSTART.replace("import keras\n", "from tensorflow import keras\n") \
        .replace("from keras.layers", "from tensorflow.keras.layers").replace("from keras import", "from tensorflow.keras import") \
        + "model.build((None, 28, 28, 1))\n"
    path = tmp_path / "model.py"
    path.write_text(source)
    (facts,) = oracle.run_file(path, flavour="tf.keras")["models"]
    (report,) = api.analyze_python(str(path), dialect="keras2")  # tf_keras's, as TF before 2.16 has it
    assert report.ok and report.model == facts["name"] == "my_model"
    assert {l["name"]: l["params"] for l in facts["layers"]} == \
        {l.name: l.params for l in report.layers.values() if l.type != "InputLayer"}
    assert report.total_params == facts["total_params"]
    assert str(report.layers["dense"].output_shapes[0]) == "(None, 128)"  # tf_keras's summary: "multiple"


@pytest.mark.parametrize("build", [
    "model.compile(optimizer='adam', loss='mse')\nmodel.fit(np.zeros((4, 28, 28, 1)), np.zeros((4, 10)), verbose=0)\n",
    "model.predict(np.zeros((4, 28, 28, 1)), verbose=0)\n",
    "model.compile(optimizer='sgd', loss='mse')\nmodel.train_on_batch(np.zeros((3, 28, 28, 1)), np.zeros((3, 10)))\n",
], ids=["fit", "predict", "train_on_batch"])
def test_tf_keras_builds_a_model_subclass_on_its_data(build, tmp_path):
    source = QUICKSTART.replace("import keras\n", "from tensorflow import keras\n") \
        .replace("from keras.layers", "from tensorflow.keras.layers").replace("from keras import", "from tensorflow.keras import") \
        + build
    path = tmp_path / "model.py"
    path.write_text(source)
    # the oracle stubs fit() and predict(): tf_keras runs this one whole, in a process of its own
    shown = "import json; print(json.dumps([model.name, {l.name: l.count_params() for l in model.layers}, " \
        "model.count_params()]))"
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run([sys.executable, "-c", source + shown], env=env, capture_output=True, text=True,
                         timeout=600, check=True)
    name, params, total = json.loads(run.stdout.splitlines()[-1])
    (report,) = api.analyze_python(str(path), dialect="keras2")
    assert report.ok and not report.diagnostics and report.model == name == "my_model"
    assert params == {l.name: l.params for l in report.layers.values() if l.type != "InputLayer"}
    assert report.total_params == total


# keras.io's "Collaborative filtering for movie recommendations" (Keras 3 version; Apache-2.0):
# its model, fit() on two columns of a pandas table (the reader's), or on numpy data of
# that shape (Keras's: nothing is read from disk).
RECOMMENDER = '''
import numpy as np
import keras
from keras import layers, ops
{data}

class RecommenderNet(keras.Model):
    def __init__(self, num_users, num_movies, embedding_size, **kwargs):
        super().__init__(**kwargs)
        self.num_users = num_users
        self.num_movies = num_movies
        self.embedding_size = embedding_size
        self.user_embedding = layers.Embedding(
            num_users,
            embedding_size,
            embeddings_initializer="he_normal",
            embeddings_regularizer=keras.regularizers.l2(1e-6),
        )
        self.user_bias = layers.Embedding(num_users, 1)
        self.movie_embedding = layers.Embedding(
            num_movies,
            embedding_size,
            embeddings_initializer="he_normal",
            embeddings_regularizer=keras.regularizers.l2(1e-6),
        )
        self.movie_bias = layers.Embedding(num_movies, 1)

    def call(self, inputs):
        user_vector = self.user_embedding(inputs[:, 0])
        user_bias = self.user_bias(inputs[:, 0])
        movie_vector = self.movie_embedding(inputs[:, 1])
        movie_bias = self.movie_bias(inputs[:, 1])
        dot_user_movie = ops.tensordot(user_vector, movie_vector, 2)
        # Add all the components (including bias)
        x = dot_user_movie + user_bias + movie_bias
        # The sigmoid activation forces the rating to between 0 and 1
        return ops.nn.sigmoid(x)


model = RecommenderNet(num_users, num_movies, 50)
model.compile(loss=keras.losses.BinaryCrossentropy(), optimizer=keras.optimizers.Adam(learning_rate=0.001))
history = model.fit(x=x_train, y=y_train, batch_size=64, epochs=1, verbose=0)
'''
PANDAS = '''
import pandas as pd
df = pd.read_csv("ratings.csv")
num_users, num_movies = 7, 9
x = df[["user", "movie"]].values
y = df["rating"].values
train_indices = int(0.9 * df.shape[0])
x_train, y_train = x[:train_indices], y[:train_indices]
'''
NUMPY = "num_users, num_movies = 7, 9\nx_train, y_train = np.zeros((10, 2), 'int64'), np.zeros((10, 1))\n"


def test_a_model_subclass_fit_on_two_columns_of_a_table_matches_keras(tmp_path):
    scope = run_program(keras, RECOMMENDER.format(data=NUMPY))
    path = tmp_path / "recommender.py"
    path.write_text(RECOMMENDER.format(data=PANDAS))
    (report,) = api.analyze_python(str(path))
    assert report.model == scope["model"].name == "recommender_net"
    assert report.ok and not report.diagnostics, [f"{d.code} {d.message}" for d in report.diagnostics]
    ours = {l.name: l.params for l in report.layers.values() if l.type != "InputLayer" and not l.type.startswith("ops.")}
    assert ours == {l.name: l.count_params() for l in scope["model"].layers}
    assert report.total_params == scope["model"].count_params() == 51 * (7 + 9)


def test_a_model_subclass_fit_on_data_of_unknown_shape_is_said_where_it_is_made(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(QUICKSTART + "model.compile(optimizer='adam')\nmodel.fit(x_train, y_train)\n")
    (report,) = api.analyze_python(str(path))
    (said,) = report.diagnostics
    assert said.code == "SC601" and said.location.line == QUICKSTART.count("\n")
    assert said.message == ("MyModel subclasses keras.Model, and this file never builds 'my_model' on inputs the "
                            "reader knows (a call on a tensor or on data, fit() or predict() on data; fit() is "
                            "given data whose shape the reader cannot know (not defined in the file)): it is not "
                            "checked")


# keras.io "DCGAN to generate face images" (Keras 3, keras-team/keras-io, Apache-2.0): the
# GAN's train_step trains the discriminator and generator it is given.
GAN = '''
import keras
from keras import layers

latent_dim = 128
discriminator = keras.Sequential(
    [keras.Input(shape=(64, 64, 3)), layers.Conv2D(64, kernel_size=4, strides=2, padding="same"),
     layers.Flatten(), layers.Dense(1, activation="sigmoid")], name="discriminator")
generator = keras.Sequential(
    [keras.Input(shape=(latent_dim,)), layers.Dense(8 * 8 * 128), layers.Reshape((8, 8, 128))],
    name="generator")


class GAN(keras.Model):
    def __init__(self, discriminator, generator, latent_dim):
        super().__init__()
        self.discriminator = discriminator
        self.generator = generator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        batch_size = ops.shape(real_images)[0]
        return {"d_loss": 0.0, "g_loss": 0.0}


gan = GAN(discriminator=discriminator, generator=generator, latent_dim=latent_dim)
'''


def test_a_training_wrapper_is_quiet_and_the_models_it_trains_are_checked(tmp_path):
    path = tmp_path / "gan.py"
    path.write_text(GAN)
    reports = api.analyze_python(str(path))
    assert sorted(r.model for r in reports) == ["discriminator", "generator"]
    assert all(r.ok and not r.diagnostics for r in reports)


def test_a_model_subclass_made_of_inputs_and_outputs_is_functional(tmp_path):
    # keras.io "Customizing what happens in fit()": the class overrides train_step only
    source = textwrap.dedent('''
        import keras

        class CustomModel(keras.Model):
            def train_step(self, data):
                x, y = data
                return {"loss": 0.0}

        inputs = keras.Input(shape=(32,))
        outputs = keras.layers.Dense(1)(inputs)
        model = CustomModel(inputs, outputs)
        second = CustomModel(inputs=inputs, outputs=keras.layers.Dense(2)(inputs))
    ''')
    path = tmp_path / "model.py"
    path.write_text(source)
    scope = run_program(keras, source)
    reports = {r.model: r for r in api.analyze_python(str(path))}
    assert set(reports) == {scope["model"].name, scope["second"].name} == {"custom_model", "custom_model_1"}
    assert reports["custom_model"].total_params == scope["model"].count_params() == 33
    assert reports["custom_model_1"].total_params == scope["second"].count_params()


def test_a_model_subclass_whose_init_gives_super_a_graph_is_functional(tmp_path):
    # the graph __init__ builds on its own Input, given to super().__init__: a functional
    # model named and shown as its class, alone and inside another model
    source = textwrap.dedent('''
        import keras
        from keras import layers


        class Tower(keras.Model):
            def __init__(self, width, depth=2, **kwargs):
                inputs = keras.Input(shape=(width,))
                x = inputs
                for _ in range(depth):
                    x = layers.Dense(width * 2, activation="relu")(x)
                super().__init__(inputs, layers.Dense(1)(x), **kwargs)
                self.width = width


        tower = Tower(8)
        named = Tower(4, depth=1, name="small")
        inputs = keras.Input(shape=(8,))
        model = keras.Model(inputs, layers.Add()([tower(inputs), named(layers.Dense(4)(inputs))]))
    ''')
    path = tmp_path / "model.py"
    path.write_text(source)
    scope = run_program(keras, source)
    reports = {r.model: r for r in api.analyze_python(str(path))}
    assert set(reports) == {"tower", "small", scope["model"].name}
    for variable in ("tower", "named"):
        built = scope[variable]
        ours = {l.name: (l.output_shapes, l.params) for l in reports[built.name].layers.values()}
        assert ours == {l.name: ((tuple(l.output.shape),), l.count_params()) for l in built.layers}
    outer = reports[scope["model"].name]
    assert {l.name: (l.type, l.params) for l in outer.layers.values()} == \
        {l.name: (type(l).__name__, l.count_params()) for l in scope["model"].layers}
    assert outer.total_params == scope["model"].count_params()


def test_a_sequential_subclass_is_the_sequential_its_init_fills(tmp_path):
    # its layers given to super().__init__, or self.add()ed; named as its class, or by name=
    source = textwrap.dedent('''
        import keras
        from keras import layers


        class Classifier(keras.Sequential):
            def __init__(self, units, classes):
                super().__init__(name="classifier")
                self.add(keras.Input(shape=(16,)))
                self.add(layers.Dense(units, activation="relu"))
                self.add(layers.Dense(classes))


        class Stack(keras.Sequential):
            def __init__(self, widths):
                super().__init__([layers.Dense(w) for w in widths])


        model = Classifier(32, 10)
        stack = Stack([8, 4])
        inputs = keras.Input(shape=(10,))
        outer = keras.Model(inputs, stack(inputs))
    ''')
    path = tmp_path / "model.py"
    path.write_text(source)
    scope = run_program(keras, source)
    reports = {r.model: r for r in api.analyze_python(str(path))}
    for variable in ("model", "stack", "outer"):
        built = scope[variable]
        ours = {l.name: (l.type, l.params) for l in reports[built.name].layers.values() if l.type != "InputLayer"}
        assert ours == {l.name: (type(l).__name__, l.count_params()) for l in built.layers
                        if type(l).__name__ != "InputLayer"}, variable
        assert reports[built.name].total_params == built.count_params()
    assert reports[scope["outer"].name].layers["stack"].type == "Stack"


def test_subclasses_in_a_sequential_are_built_on_the_layers_before_them(tmp_path):
    source = textwrap.dedent('''
        import keras
        from keras import layers


        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.d = layers.Dense(2)

            def call(self, x):
                return self.d(x)


        class Scale(layers.Layer):
            def __init__(self, units):
                super().__init__()
                self.dense = layers.Dense(units)

            def call(self, x):
                return self.dense(x) * 2.0


        model = keras.Sequential([keras.Input((3,)), layers.Dense(5), Net(), Scale(4)])
        model.add(layers.Dense(1))
    ''')
    path = tmp_path / "model.py"
    path.write_text(source)
    scope = run_program(keras, source)
    model = scope["model"]
    reports = {r.model: r for r in api.analyze_python(str(path))}
    ours = {l.name: (l.output_shapes[0], l.params) for l in reports["sequential"].layers.values()
            if l.type != "InputLayer"}
    assert ours == {l.name: (tuple(l.output.shape), l.count_params()) for l in model.layers}
    assert reports["sequential"].total_params == model.count_params()


# Layers a subclass's call() calls without holding them as attributes: made in call() (a
# new one at every call), or made elsewhere. Keras tracks neither as the subclass's, so
# their weights are not counted (SC609 says so where they have some); weightless ones
# (a pooling, a padding made in call(), as TransUNet's ResNetV2 makes them) are just
# followed. Each program builds `model`, a functional model around the subclass; with its
# two lines of imports, the line each finding is expected at.
MADE_IN_CALL = {
    "a_dense_made_in_call": ('''
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = layers.Conv2D(8, 3)

    def call(self, x):
        x = self.conv(x)
        x = layers.MaxPool2D(2)(x)
        x = layers.Flatten()(x)
        return layers.Dense(4)(x)


inputs = keras.Input((16, 16, 3))
model = keras.Model(inputs, Net()(inputs))
''', [13]),
    "a_layer_made_elsewhere": ('''
head = layers.Dense(3)


class Block(layers.Layer):
    def __init__(self):
        super().__init__()
        self.norm = layers.LayerNormalization()

    def call(self, x):
        return head(self.norm(x))


inputs = keras.Input((6, 5))
model = keras.Model(inputs, Block()(inputs))
''', [13]),
    "weightless_layers_made_in_call": ('''
class Stem(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = layers.Conv2D(4, 3, strides=2, padding="same")

    def call(self, x):
        x = layers.MaxPool2D(pool_size=3, strides=2, padding="valid")(self.conv(x))
        return layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(x)


inputs = keras.Input((32, 32, 3))
model = keras.Model(inputs, Stem()(inputs))
''', []),
}


@pytest.mark.parametrize("flavour", ["keras3", "tf.keras"])
@pytest.mark.parametrize("name", sorted(MADE_IN_CALL))
def test_layers_a_call_makes_are_followed_and_their_weights_left_out_as_keras_does(name, flavour, tmp_path):
    program, said = MADE_IN_CALL[name]
    imports = "import keras\nfrom keras import layers\n" if flavour == "keras3" else \
        "from tensorflow import keras\nfrom tensorflow.keras import layers\n"
    path = tmp_path / "model.py"
    path.write_text(imports + program)
    (facts,) = [m for m in oracle.run_file(path, flavour=flavour)["models"] if m["class"] == "Functional"]
    report = next(r for r in api.analyze_python(str(path), dialect="keras3" if flavour == "keras3" else "keras2")
                  if r.model == facts["name"])
    assert report.ok
    assert [(l["name"], l["output_shapes"], l["params"]) for l in facts["layers"]] == \
        [(l.name, [list(s) for s in l.output_shapes], l.params) for l in report.layers.values()]
    assert report.total_params == facts["total_params"]
    # said at each layer whose weights Keras leaves out, on the line that calls it (of the
    # file, after its two lines of imports)
    assert [(d.code, d.location.line) for d in report.diagnostics] == [("SC609", line) for line in said]


# What real subclasses do in call() beyond calling their layers (TransUNet's ResNetV2 and
# its blocks, tests/corpus/python: transunet-1.0.3/resnet_v2, does all of it): return the
# output with a list of features, nested, which the functional model takes apart; ask
# hasattr() of a sublayer made only in one branch of __init__; hold sublayers named "",
# which Keras keeps (a layer's own sublayers need no names apart).
FOLLOWED_CALLS = {
    "nested_outputs": '''
class Encoder(keras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = [layers.Conv2D(8 * 2 ** i, 3, strides=2, padding="same") for i in range(3)]

    def call(self, x):
        skips = []
        for block in self.blocks:
            x = block(x)
            skips.append(x)
        return x, skips[::-1]


inputs = keras.Input((64, 64, 3))
bottom, skips = Encoder()(inputs)
merged = layers.Concatenate()([layers.UpSampling2D()(bottom), skips[1]])
model = keras.Model(inputs, [merged, skips])
''',
    "hasattr_and_unnamed_sublayers": '''
def conv(filters, stride=1, name=""):
    return layers.Conv2D(filters, 1, strides=stride, use_bias=False, name=name)


class Block(layers.Layer):
    def __init__(self, cin, cout, stride=1, **kwargs):
        super().__init__(**kwargs)
        self.conv1 = conv(cout, stride)
        self.norm = layers.LayerNormalization()
        if stride != 1 or cin != cout:
            self.downsample = conv(cout, stride)

    def call(self, x):
        residual = x
        if hasattr(self, "downsample"):
            residual = self.downsample(x)
        return layers.ReLU()(residual + self.norm(self.conv1(x)))


inputs = keras.Input((16, 16, 8))
x = Block(8, 8, name="same")(inputs)
model = keras.Model(inputs, Block(8, 16, stride=2, name="down")(x))
''',
}


@pytest.mark.parametrize("flavour", ["keras3", "tf.keras"])
@pytest.mark.parametrize("name", sorted(FOLLOWED_CALLS))
def test_calls_real_subclasses_make_are_followed_as_keras_runs_them(name, flavour, tmp_path):
    imports = "import keras\nfrom keras import layers\n" if flavour == "keras3" else \
        "from tensorflow import keras\nfrom tensorflow.keras import layers\n"
    path = tmp_path / "model.py"
    path.write_text(imports + FOLLOWED_CALLS[name])
    (facts,) = [m for m in oracle.run_file(path, flavour=flavour)["models"] if m["class"] == "Functional"]
    report = next(r for r in api.analyze_python(str(path), dialect="keras3" if flavour == "keras3" else "keras2")
                  if r.model == facts["name"])
    assert report.ok and not report.diagnostics, report.diagnostics
    assert [(l["name"], l["output_shapes"], l["params"]) for l in facts["layers"]] == \
        [(l.name, [list(s) for s in l.output_shapes], l.params) for l in report.layers.values()]
    assert report.total_params == facts["total_params"]
    assert [list(s) for s in report.outputs] == [list(s) for s in facts["outputs"]]
