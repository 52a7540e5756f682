"""Model sizes that come from data: ``keras.Input(shape=(x_train.shape[1], x_train.shape[2]))``,
``x = x.reshape((x.shape[0], x.shape[1], 1))`` then ``input_shape=x.shape[1:]``. The
reader never loads the data; each size of it the model uses is a named size
(``x_train_shape_1``), the same wherever the file writes it, that ``--dim`` binds.

keras.io's time-series and structured-data examples (the Keras 3 versions in
keras-team/keras-core, examples/keras_io; Apache-2.0) are read as they are written, and
Keras runs the same lines on data of the shapes the examples' own datasets have: the
reader's named sizes, given those values, must be Keras's sizes, layer by layer."""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")

from helpers import program_facts  # noqa: E402

import shapecheck.api as api  # noqa: E402

PRELUDE = "import numpy as np\nimport keras\nfrom keras import layers\n"

# keras.io "Timeseries classification from scratch" (FordA): a loader function of the
# file, a reshape that adds the channel axis, a shuffle, and a builder given x.shape[1:].
FORDA_DATA = '''
def readucr(filename):
    data = np.loadtxt(filename, delimiter="\\t")
    y = data[:, 0]
    x = data[:, 1:]
    return x, y.astype(int)


root_url = "https://raw.githubusercontent.com/hfawaz/cd-diagram/master/FordA/"

x_train, y_train = readucr(root_url + "FordA_TRAIN.tsv")
x_test, y_test = readucr(root_url + "FordA_TEST.tsv")

x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))

num_classes = len(np.unique(y_train))

idx = np.random.permutation(len(x_train))
x_train = x_train[idx]
y_train = y_train[idx]

y_train[y_train == -1] = 0
y_test[y_test == -1] = 0
'''

FORDA = FORDA_DATA + '''

def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)

    conv1 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(
        input_layer
    )
    conv1 = keras.layers.BatchNormalization()(conv1)
    conv1 = keras.layers.ReLU()(conv1)

    conv2 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(
        conv1
    )
    conv2 = keras.layers.BatchNormalization()(conv2)
    conv2 = keras.layers.ReLU()(conv2)

    conv3 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(
        conv2
    )
    conv3 = keras.layers.BatchNormalization()(conv3)
    conv3 = keras.layers.ReLU()(conv3)

    gap = keras.layers.GlobalAveragePooling1D()(conv3)

    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)

    return keras.models.Model(inputs=input_layer, outputs=output_layer)


model = make_model(input_shape=x_train.shape[1:])
'''

# keras.io "Timeseries classification with a Transformer model": the same data, encoder
# blocks whose Conv1D takes filters=inputs.shape[-1], a builder given x_train.shape[1:].
FORDA_TRANSFORMER = FORDA_DATA.replace("num_classes", "n_classes") + '''

def transformer_encoder(inputs, head_size, num_heads, ff_dim, dropout=0):
    # Attention and Normalization
    x = layers.MultiHeadAttention(
        key_dim=head_size, num_heads=num_heads, dropout=dropout
    )(inputs, inputs)
    x = layers.Dropout(dropout)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    res = x + inputs

    # Feed Forward Part
    x = layers.Conv1D(filters=ff_dim, kernel_size=1, activation="relu")(res)
    x = layers.Dropout(dropout)(x)
    x = layers.Conv1D(filters=inputs.shape[-1], kernel_size=1)(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
    return x + res


def build_model(
    input_shape,
    head_size,
    num_heads,
    ff_dim,
    num_transformer_blocks,
    mlp_units,
    dropout=0,
    mlp_dropout=0,
):
    inputs = keras.Input(shape=input_shape)
    x = inputs
    for _ in range(num_transformer_blocks):
        x = transformer_encoder(x, head_size, num_heads, ff_dim, dropout)

    x = layers.GlobalAveragePooling1D(data_format="channels_first")(x)
    for dim in mlp_units:
        x = layers.Dense(dim, activation="relu")(x)
        x = layers.Dropout(mlp_dropout)(x)
    outputs = layers.Dense(n_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)


input_shape = x_train.shape[1:]

model = build_model(
    input_shape,
    head_size=256,
    num_heads=4,
    ff_dim=4,
    num_transformer_blocks=4,
    mlp_units=[128],
    mlp_dropout=0.4,
    dropout=0.25,
)
'''

# keras.io "Timeseries anomaly detection using an Autoencoder": sequences stacked by a
# loop the reader does not follow, then Input(shape=(x_train.shape[1], x_train.shape[2])).
ANOMALY = '''
TIME_STEPS = 288


# Generated training sequences for use in the model.
def create_sequences(values, time_steps=TIME_STEPS):
    output = []
    for i in range(len(values) - time_steps + 1):
        output.append(values[i : (i + time_steps)])
    return np.stack(output)


x_train = create_sequences(df_training_value.values)
print("Training input shape: ", x_train.shape)

model = keras.Sequential(
    [
        layers.Input(shape=(x_train.shape[1], x_train.shape[2])),
        layers.Conv1D(
            filters=32,
            kernel_size=7,
            padding="same",
            strides=2,
            activation="relu",
        ),
        layers.Dropout(rate=0.2),
        layers.Conv1D(
            filters=16,
            kernel_size=7,
            padding="same",
            strides=2,
            activation="relu",
        ),
        layers.Conv1DTranspose(
            filters=16,
            kernel_size=7,
            padding="same",
            strides=2,
            activation="relu",
        ),
        layers.Dropout(rate=0.2),
        layers.Conv1DTranspose(
            filters=32,
            kernel_size=7,
            padding="same",
            strides=2,
            activation="relu",
        ),
        layers.Conv1DTranspose(filters=1, kernel_size=7, padding="same"),
    ]
)
'''

# keras.io "Timeseries forecasting for weather prediction": the batch a loop takes from a
# dataset, then an Input sized by it (the name `inputs` is reused for the Input).
WEATHER = '''
for batch in dataset_train.take(1):
    inputs, targets = batch

print("Input shape:", inputs.numpy().shape)
print("Target shape:", targets.numpy().shape)

inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
lstm_out = keras.layers.LSTM(32)(inputs)
outputs = keras.layers.Dense(1)(lstm_out)

model = keras.Model(inputs=inputs, outputs=outputs)
'''

# keras.io "Imbalanced classification: credit card fraud detection": features sliced,
# divided in place, then input_shape=(train_features.shape[-1],).
FRAUD = '''
features = np.array(all_features, dtype="float32")
targets = np.array(all_targets, dtype="uint8")
print("features.shape:", features.shape)
print("targets.shape:", targets.shape)

num_val_samples = int(len(features) * 0.2)
train_features = features[:-num_val_samples]
train_targets = targets[:-num_val_samples]
val_features = features[-num_val_samples:]
val_targets = targets[-num_val_samples:]

mean = np.mean(train_features, axis=0)
train_features -= mean
val_features -= mean
std = np.std(train_features, axis=0)
train_features /= std
val_features /= std

model = keras.Sequential(
    [
        keras.layers.Dense(
            256, activation="relu", input_shape=(train_features.shape[-1],)
        ),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
)
'''


def _forda(*args, **kwargs):
    data = np.zeros((3601, 501))
    data[:, 0] = np.where(np.arange(3601) % 2, 1, -1)  # FordA's labels: -1 and 1
    return data


# name -> (program, what Keras is given in place of the data, the named sizes the reader
# keeps, with the values they have on that data)
EXAMPLES = {
    "forda_classifier": (FORDA, {}, {"x_train_shape_1": 500, "num_classes": 2}),
    "forda_transformer": (FORDA_TRANSFORMER, {}, {"x_train_shape_1": 500, "n_classes": 2}),
    "anomaly_autoencoder": (ANOMALY, {"df_training_value": "_Data(np.zeros((4032, 1)))"},
                            {"x_train_shape_1": 288, "x_train_shape_2": 1}),
    "weather_lstm": (WEATHER, {"dataset_train": "_Batches(keras.ops.zeros((256, 120, 7)), keras.ops.zeros((256, 1)))"},
                     {"inputs_shape_1": 120, "inputs_shape_2": 7}),
    "fraud_classifier": (FRAUD, {"all_features": "np.arange(284807 * 30.0).reshape(284807, 30).tolist()", "all_targets": "[[0]] * 284807"},
                         {"train_features_shape_minus_1": 30}),
}


def _at(value, values: dict):
    """A symbolic size or count with the named sizes given values."""
    if value is None or isinstance(value, int):
        return value
    assert {s.name for s in value.free_symbols} <= set(values), value
    return int(value.subs({s: values[s.name] for s in value.free_symbols}))


def _keras(program: str, data: dict, monkeypatch) -> dict:
    monkeypatch.setattr(np, "loadtxt", _forda)
    given = "".join(f"{name} = {expr}\n" for name, expr in data.items())
    return program_facts(keras, PRELUDE + _HELPERS + given + program)


# what the examples' data is, to Keras: a DataFrame's .values, a dataset's take()
_HELPERS = '''
class _Data:
    def __init__(self, values):
        self.values = values


class _Batches:
    def __init__(self, *arrays):
        self.arrays = arrays

    def take(self, n):
        return [self.arrays]


'''


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_keras_io_models_sized_by_their_data_match_keras(name, tmp_path, monkeypatch):
    program, data, values = EXAMPLES[name]
    path = tmp_path / f"{name}.py"
    path.write_text(PRELUDE + program)
    (report,) = api.analyze_python(str(path))
    assert report.ok, [f"{d.code} {d.message}" for d in report.errors]
    # each named size said once, where it first comes in
    said = [d.message.rsplit(" ", 1)[1] for d in report.diagnostics if d.code == "SC604"]
    assert sorted(said) == sorted(values)
    expected = _keras(program, data, monkeypatch)
    ours = {l.name: ([tuple(_at(d, values) for d in s) for s in l.output_shapes], _at(l.params, values))
            for l in report.layers.values() if l.type != "InputLayer" and not l.type.startswith("ops.")}
    assert ours == expected["layers"]
    assert _at(report.total_params, values) == expected["total"]
    (bound,) = api.analyze_python(str(path), dims=values)  # --dim NAME=VALUE for each
    assert bound.ok and bound.total_params == expected["total"]
    assert not any(d.code == "SC604" for d in bound.diagnostics)


# What the reader makes of data it cannot know, construct by construct: the program (x
# and y come from data), and each layer's output shape as the report prints it.
READER_CASES = {
    "kept on an object": ("""
        # keras.io's traffic forecasting: GraphInfo(num_nodes=adjacency.shape[0])
        class GraphInfo:
            def __init__(self, num_nodes):
                self.num_nodes = num_nodes

        adjacency = np.load("w.npy")
        graph = GraphInfo(num_nodes=adjacency.shape[0])
        model = keras.Sequential([keras.Input((12, graph.num_nodes)), layers.Dense(4)])""",
        {"input_layer": "(None, 12, adjacency_shape_0)", "dense": "(None, 12, 4)"}),
    "one name wherever it is written": ("""
        x = np.load("x.npy")
        model = keras.Sequential([keras.Input((x.shape[1], x.shape[2])), layers.LSTM(8),
                                  layers.Dense(x.shape[2])])""",
        {"lstm": "(None, 8)", "dense": "(None, x_shape_2)"}),
    "a negative index is its own size": ("""
        x = np.load("x.npy")
        model = keras.Sequential([keras.Input((x.shape[-1],)), layers.Dense(4)])""",
        {"dense": "(None, 4)", "input_layer": "(None, x_shape_minus_1)"}),
    "two arrays assigned to one name are two sizes": ("""
        x = np.load("a.npy")
        a = keras.Input((x.shape[1],))
        x = np.load("b.npy")
        b = keras.Input((x.shape[1],))
        model = keras.Model([a, b], layers.Concatenate()([a, b]))""",
        {"concatenate": "(None, x_2_shape_1 + x_shape_1)"}),
    "a name given to the same array is the same size": ("""
        x = np.load("x.npy")
        data = x
        a, b = keras.Input((x.shape[1],)), keras.Input((data.shape[1],))
        model = keras.Model([a, b], layers.Add()([a, b]))""",
        {"add": "(None, x_shape_1)"}),
    "data a function returns takes the caller's name": ("""
        def load(path):
            values = np.load(path)
            return values[:, 1:], values[:, 0]
        x_train, y_train = load("train.npy")
        model = keras.Sequential([keras.Input((x_train.shape[1],)), layers.Dense(3)])""",
        {"input_layer": "(None, x_train_shape_1)"}),
    "a reshape with -1 keeps the sizes it gives": ("""
        x = np.load("x.npy").reshape(-1, 28, 28, 1)
        model = keras.Sequential([keras.Input(x.shape[1:]), layers.Conv2D(4, 3)])""",
        {"conv2d": "(None, 26, 26, 4)"}),
    "numpy's reshape, with len() of the data": ("""
        x = np.load("x.npy")
        x = np.reshape(x, (len(x), 20, 3))
        model = keras.Sequential([keras.Input(x.shape[1:]), layers.GRU(5)])""",
        {"gru": "(None, 5)"}),
    "a shuffle keeps the shape": ("""
        x = np.load("x.npy")
        x = x.reshape((x.shape[0], x.shape[1], 1))
        x = x[np.random.permutation(len(x))]
        model = keras.Sequential([keras.Input(x.shape[1:]), layers.Conv1D(2, 3)])""",
        {"conv1d": "(None, x_shape_1 - 2, 2)"}),
    "one-hot labels from np.eye": ("""
        x, labels = np.load("x.npy"), np.load("y.npy").reshape(-1)
        y = np.eye(3)[labels]
        model = keras.Sequential([keras.Input((x.shape[1],)), layers.Dense(y.shape[1])])""",
        {"dense": "(None, 3)"}),
    "arrays numpy makes have their shapes": ("""
        x = np.zeros((100, 12)) + np.random.rand(100, 12)
        z = np.ones(shape=(5, 8))
        model = keras.Sequential([keras.Input((np.identity(4).shape[0], z.shape[1])), layers.Dense(2)])""",
        {"dense": "(None, 4, 2)"}),
    "the labels' width sizes the output": ("""
        x, y = np.load("x.npy"), np.load("y.npy")
        model = keras.Sequential([keras.Input((x.shape[1],)), layers.Dense(y.shape[1])])""",
        {"dense": "(None, y_shape_1)"}),
}


@pytest.mark.parametrize("name", sorted(READER_CASES))
def test_the_reader_names_each_size_of_data(name, tmp_path):
    program, shapes = READER_CASES[name]
    path = tmp_path / "model.py"
    path.write_text(PRELUDE + textwrap.dedent(program))
    (report,) = api.analyze_python(str(path))
    assert report.ok, [f"{d.code} {d.message}" for d in report.diagnostics]
    assert {n: str(report.layers[n].output_shapes[0]) for n in shapes} == shapes


@pytest.mark.parametrize("program, why", [
    ("x = np.load('x.npy')\nmodel = keras.Sequential([keras.Input(x.shape[1:]), layers.Dense(2)])",
     "--dim 'x.shape=(...)'"),  # its rank is unknown
    ("x = np.load('x.npy').reshape(-1, 4, 1)\nx = x.squeeze()\n"
     "model = keras.Sequential([keras.Input(x.shape[1:]), layers.Dense(2)])",
     "--dim 'x.shape=(...)'"),  # a squeeze of a size that may be 1
    ("x = np.load('x.npy')\nmodel = keras.Sequential([keras.Input((None, *x.shape[2:])), layers.Dense(2)])",
     "--dim 'x.shape=(...)'"),  # starred: how many sizes it gives is unknown (keras.io's conv_lstm)
])
def test_data_of_a_rank_the_reader_cannot_know_leaves_the_model_unchecked(program, why, tmp_path):
    path = tmp_path / "model.py"
    path.write_text(PRELUDE + program + "\n")
    (report,) = api.analyze_python(str(path))
    (said,) = [d for d in report.diagnostics if d.code == "SC602" and "keras.Input" in d.message]
    assert why in said.hint


def test_a_size_of_data_says_where_it_comes_from_and_dim_binds_it(tmp_path, capsys):
    from shapecheck.cli import main

    path = tmp_path / "lstm.py"
    path.write_text(PRELUDE + "X_train = np.load('x.npy')\nmodel = keras.Sequential()\n"
                    "model.add(layers.LSTM(50, input_shape=(X_train.shape[1], X_train.shape[2])))\n"
                    "model.add(layers.Dense(1))\n")
    (report,) = api.analyze_python(str(path))
    first = next(d for d in report.diagnostics if d.code == "SC604")
    assert first.message.startswith("input_shape=X_train.shape[1]: the reader cannot know this value")
    assert first.message.endswith("stays the named size X_train_shape_1") and first.location.line == 6
    assert first.hint == ("bind it with --dim X_train_shape_1=VALUE, or the data's whole shape with "
                          "--dim 'X_train.shape=(...)'")
    assert str(report.layers["lstm"].weights[0].shape) == "(X_train_shape_2, 200)"
    for dims in (["X_train.shape=(3000, 60, 12)"], ["X_train_shape_1=60", "X_train_shape_2=12"]):
        assert main([str(path), "--no-explain", *(a for d in dims for a in ("--dim", d))]) == 0
        out = capsys.readouterr().out
        assert "(None, 50)" in out and "SC604" not in out
        assert "12,600" in out  # 4 gates * 50 units * (12 inputs + 50 recurrent + 1 bias)
