"""What a built model is given by fit(), evaluate() and predict() (reading/python/
fitting.py): SC607 at the call exactly when Keras refuses the data, for Keras 3 and for
tf.keras 2 (tf_keras), each case run by Keras itself. The model is built with an Input,
and the data is numpy arrays or a tf.data pipeline of shapes the reader knows."""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")
tf_keras = pytest.importorskip("tf_keras")

import shapecheck.api as api  # noqa: E402

FUNCTIONAL = """
inputs = keras.Input({shape})
x = inputs
for layer in [{layers}]:
    x = layer(x)
model = keras.Model(inputs, x)
"""
SEQUENTIAL = "model = keras.Sequential([keras.Input({shape}), {layers}])\n"

#: name -> (model kind, its input shape, its layers, the data given (numpy or tf.data), the call)
CASES = {
    "flat_model_on_images": ("sequential", "(784,)", "layers.Dense(10)", "np.zeros((8, 28, 28))", "fit"),
    "flat_functional_on_images": ("functional", "(784,)", "layers.Dense(10)", "np.zeros((8, 28, 28))", "fit"),
    "images_of_another_size": ("functional", "(18, 18, 3)",
                               "layers.Conv2D(2, 3), layers.GlobalAveragePooling2D(), layers.Dense(1)",
                               "np.zeros((4, 25, 25, 3))", "fit"),
    # Keras 3's Sequential checks each layer, not its own input: pooled, the size does not matter
    "sequential_images_of_another_size": ("sequential", "(18, 18, 3)",
                                          "layers.Conv2D(2, 3), layers.GlobalAveragePooling2D(), layers.Dense(1)",
                                          "np.zeros((4, 25, 25, 3))", "fit"),
    "sequential_flattened_images_of_another_size": ("sequential", "(18, 18, 3)",
                                                    "layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(1)",
                                                    "np.zeros((4, 25, 25, 3))", "fit"),
    "features_12_for_10": ("functional", "(10,)", "layers.Dense(1)", "np.zeros((8, 12))", "predict"),
    "sequential_features_12_for_10": ("sequential", "(10,)", "layers.Dense(1)", "np.zeros((8, 12))", "predict"),
    "trailing_one_added": ("functional", "(10, 1)", "layers.Conv1D(2, 3), layers.Flatten(), layers.Dense(1)",
                           "np.zeros((8, 10))", "fit"),
    "sequential_trailing_one_added": ("sequential", "(10, 1)",
                                      "layers.Conv1D(2, 3), layers.Flatten(), layers.Dense(1)",
                                      "np.zeros((8, 10))", "fit"),
    "trailing_one_squeezed": ("sequential", "(10,)", "layers.Dense(1)", "np.zeros((8, 10, 1))", "evaluate"),
    "free_time_axis": ("functional", "(None, 5)", "layers.LSTM(3)", "np.zeros((8, 20, 5))", "fit"),
    "wrong_features_per_step": ("functional", "(None, 5)", "layers.LSTM(3)", "np.zeros((8, 20, 6))", "fit"),
    "sequential_wrong_features_per_step": ("sequential", "(None, 5)", "layers.LSTM(3)", "np.zeros((8, 20, 6))",
                                           "fit"),
    "flattened_for_images": ("functional", "(28, 28)", "layers.Flatten(), layers.Dense(1)", "np.zeros((8, 784))",
                             "fit"),
    "two_axes_too_many": ("functional", "(10,)", "layers.Dense(1)", "np.zeros((8, 10, 1, 1))", "predict"),
    "a_dataset_of_other_images": ("functional", "(18, 18, 3)",
                                  "layers.Conv2D(2, 3), layers.GlobalAveragePooling2D(), layers.Dense(1)",
                                  "tf.data.Dataset.from_tensor_slices((np.zeros((8, 25, 25, 3)), np.zeros(8)))"
                                  ".batch(4)", "fit"),
    "a_dataset_that_fits": ("functional", "(25, 25, 3)",
                            "layers.Conv2D(2, 3), layers.GlobalAveragePooling2D(), layers.Dense(1)",
                            "tf.data.Dataset.from_tensor_slices((np.zeros((8, 25, 25, 3)), np.zeros(8)))"
                            ".batch(4)", "fit"),
    "sequential_dataset_of_other_features": ("sequential", "(6,)", "layers.Dense(4), layers.Dense(1)",
                                             "tf.data.Dataset.from_tensor_slices((np.zeros((8, 7)), np.zeros(8)))"
                                             ".batch(4)", "evaluate"),
}


def _program(name: str, legacy: bool) -> str:
    kind, shape, layer_list, data, method = CASES[name]
    head = ("import numpy as np\nimport tensorflow as tf\n"
            + ("import tf_keras as keras\nlayers = keras.layers\n" if legacy
               else "import keras\nfrom keras import layers\n"))
    model = (SEQUENTIAL if kind == "sequential" else FUNCTIONAL).format(shape=shape, layers=layer_list)
    call = {"fit": "model.fit(data, {y}epochs=1, verbose=0)", "evaluate": "model.evaluate(data, {y}verbose=0)",
            "predict": "model.predict(data, verbose=0)"}[method]
    y = "" if data.startswith("tf.data") or method == "predict" else "np.zeros((len(data), 1)), "
    return head + model + 'model.compile(optimizer="sgd", loss="mse")\n' + f"data = {data}\n" \
        + call.format(y=y) + "\n"


def _keras_refuses(source: str, errors: type[Exception] = ValueError) -> bool:
    """Whether Keras raises running the program: data it refuses raises ValueError; labels
    a loss refuses, ValueError or TensorFlow's own errors (``errors=Exception``)."""
    try:
        exec(compile(source, "<program>", "exec"), {})  # noqa: S102 - the oracle runs Keras here
    except errors:
        return True
    return False


@pytest.mark.parametrize("legacy", [False, True], ids=["keras3", "tf_keras"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_data_the_model_does_not_take_is_said_where_keras_refuses_it(name, legacy, tmp_path):
    source = _program(name, legacy)
    refused = _keras_refuses(source)
    path = tmp_path / "train.py"
    path.write_text(source)
    reports = api.analyze_python(str(path))
    said = [d for r in reports for d in r.diagnostics if d.code == "SC607"]
    others = [d for r in reports for d in r.errors if d.code != "SC607"]
    assert not others, others
    last = source.rstrip().count("\n") + 1
    assert [d.location.line for d in said] == ([last] if refused else []), (refused, said)


def _validated(name: str, legacy: bool) -> str:
    """The fit() case ``name`` as validation_data: the model fitted on data of the shape it
    was built for (None a size of 3), and validated on the case's data."""
    kind, shape, layer_list, data, _ = CASES[name]
    fits = tuple(3 if d is None else d for d in eval(shape))  # noqa: S307 - the table's own literal
    source = _program(name, legacy).replace(f"data = {data}\n", f"data = {data}\nx = np.zeros((8, *{fits}))\n")
    given = "data" if data.startswith("tf.data") else "(data, np.zeros((len(data), 1)))"
    return source.replace("model.fit(data, np.zeros((len(data), 1)), ", "model.fit(data, ").replace(
        "model.fit(data, ", f"model.fit(x, np.zeros((8, 1)), validation_data={given}, ")


@pytest.mark.parametrize("legacy", [False, True], ids=["keras3", "tf_keras"])
@pytest.mark.parametrize("name", sorted(n for n, case in CASES.items() if case[4] == "fit"))
def test_validation_data_the_model_does_not_take_is_said_where_keras_refuses_it(name, legacy, tmp_path):
    """Keras runs the model on fit()'s validation_data at the end of the first epoch, and
    refuses it there: said at the fit() call, before the epoch is spent."""
    source = _validated(name, legacy)
    assert "validation_data=" in source
    refused = _keras_refuses(source)
    path = tmp_path / "train.py"
    path.write_text(source)
    reports = api.analyze_python(str(path))
    said = [d for r in reports for d in r.diagnostics if d.code == "SC607"]
    assert not [d for r in reports for d in r.errors if d.code != "SC607"]
    last = source.rstrip().count("\n") + 1
    assert [d.location.line for d in said] == ([last] if refused else []), (refused, said)
    assert all(d.message.startswith("fit()'s validation_data gives") for d in said)


def test_a_clash_names_the_shapes_and_what_to_give(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent("""\
        import keras
        from keras import layers

        (x_train, y_train), _ = keras.datasets.mnist.load_data()
        model = keras.Sequential([keras.Input((784,)), layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x_train, y_train, epochs=5)
        model.fit(x_train.reshape(-1, 784) / 255.0, y_train, epochs=5)
        """))
    (report,) = api.analyze_python(str(path))
    (said,) = report.errors
    assert said.code == "SC607" and said.location.line == 7
    assert "(None, 28, 28)" in said.message and "(None, 784)" in said.message
    assert "(None, 784)" in said.hint


def test_a_sequential_built_by_fit_has_its_labels_checked_too(tmp_path):
    source = textwrap.dedent("""\
        import numpy as np
        import keras
        from keras import layers

        x_train, y_train = np.zeros((64, 28, 28)), np.zeros(64)
        model = keras.Sequential([layers.Flatten(), layers.Dense(8, activation="relu"),
                                  layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(x_train, y_train, epochs=1, verbose=0)
        """)
    assert _keras_refuses(source)
    path = tmp_path / "train.py"
    path.write_text(source)
    (report,) = api.analyze_python(str(path))
    (said,) = report.errors
    assert said.code == "SC607" and said.location.line == 9 and "to_categorical(y, 10)" in said.hint
    assert report.layers["dense_1"].output_shapes == ((None, 10),)  # built on the data: (None, 28, 28)


def test_data_of_sizes_the_reader_cannot_know_is_left_to_keras(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent("""\
        import numpy as np
        import keras
        from keras import layers

        x = np.load("x.npy")
        model = keras.Sequential([keras.Input((784,)), layers.Dense(10)])
        model.fit(x, x, epochs=5)
        model.fit(x.reshape(len(x), -1, 2), x, epochs=5)
        """))
    (report,) = api.analyze_python(str(path))
    assert not [d for d in report.diagnostics if d.code == "SC607"]


#: losses (by compile()'s string), the model's output width, the labels' shape: each
#: combination run by Keras 3 and by tf_keras
LOSSES = ["categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy", "mse"]
LABELS = ["(8,)", "(8, 1)", "(8, 10)", "(8, 5)", "(8, 3, 1)"]


def _undecidable(legacy: bool, loss: str, width: int, labels: str) -> bool:
    """Keras 3's elementwise losses broadcast 1-D labels against a (batch, width) output:
    whether that fails depends on the size of each batch, which the reader does not judge."""
    return not legacy and loss == "mse" and labels == "(8,)" and width != 1


@pytest.mark.parametrize("legacy", [False, True], ids=["keras3", "tf_keras"])
@pytest.mark.parametrize("loss", LOSSES)
def test_labels_the_loss_does_not_take_are_said_where_keras_refuses_them(loss, legacy, tmp_path):
    head = "import numpy as np\n" + ("import tf_keras as keras\n" if legacy else "import keras\n")
    for width in (10, 1):
        for labels in LABELS:
            source = (head + f"model = keras.Sequential([keras.Input((4,)), keras.layers.Dense({width})])\n"
                      f"model.compile(optimizer='sgd', loss={loss!r})\n"
                      f"model.fit(np.zeros((8, 4)), np.zeros({labels}), epochs=1, verbose=0)\n")
            refused = _keras_refuses(source, Exception)
            path = tmp_path / "train.py"
            path.write_text(source)
            said = [d for r in api.analyze_python(str(path)) for d in r.diagnostics if d.code == "SC607"]
            case = (width, labels, refused, [d.message for d in said])
            if said:
                assert refused and said[0].location.line == 5, case
            elif not _undecidable(legacy, loss, width, labels):
                assert not refused, case


def test_a_loss_object_or_function_is_the_loss_it_names(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent("""\
        import numpy as np
        import keras

        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="softmax")])
        y = np.zeros(8)
        model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(from_logits=False))
        model.fit(np.zeros((8, 4)), y)
        model.compile(optimizer="adam", loss=keras.losses.categorical_crossentropy)
        model.fit(np.zeros((8, 4)), y)
        model.compile(optimizer="adam", loss=keras.losses.sparse_categorical_crossentropy)
        model.fit(np.zeros((8, 4)), y)
        model.compile(optimizer="adam", loss=my_loss)
        model.fit(np.zeros((8, 4)), y)
        """))
    (report,) = api.analyze_python(str(path))
    said = [d for d in report.diagnostics if d.code == "SC607"]
    assert [d.location.line for d in said] == [7, 9]
    assert "sparse_categorical_crossentropy" in said[0].hint and "to_categorical(y, 10)" in said[0].hint


def test_a_model_that_refuses_its_own_inputs_is_said_once_where_it_is_built(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(textwrap.dedent("""\
        import numpy as np
        import keras
        from keras import layers

        inputs = keras.Input((8,))
        model = keras.Model(inputs, layers.Dense(2)(layers.Reshape((3, 3))(inputs)))
        model.compile(loss="mse")
        model.fit(np.zeros((10, 8)), np.zeros((10, 2)))
        """))
    (report,) = api.analyze_python(str(path))
    assert [(d.code, d.location.line) for d in report.errors] == [("SC303", 6)]


@pytest.mark.parametrize("legacy", [False, True], ids=["keras3", "tf_keras"])
def test_validation_labels_the_loss_does_not_take_are_said_at_fit(legacy, tmp_path):
    """One-hot labels to train on, class ids to validate on: Keras trains an epoch, then
    refuses them."""
    source = ("import numpy as np\n" + ("import tf_keras as keras\n" if legacy else "import keras\n")
              + "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation='softmax')])\n"
              "model.compile(optimizer='sgd', loss='categorical_crossentropy')\n"
              "x, y = np.zeros((8, 4)), np.zeros((8, 10))\n"
              "model.fit(x, y, validation_data=(x, np.zeros(8)), epochs=1, verbose=0)\n")
    assert _keras_refuses(source, Exception)
    path = tmp_path / "train.py"
    path.write_text(source)
    (said,) = [d for r in api.analyze_python(str(path)) for d in r.diagnostics if d.code == "SC607"]
    assert said.location.line == 6 and said.message.startswith("fit()'s validation_data gives")
    assert "labels of shape (None,)" in said.message and "sparse_categorical_crossentropy" in said.hint


#: a two-output model's compile() loss and fit() labels: a single loss for both, a list
#: by position, a dict by output name
MULTI_OUTPUT = [
    ('["categorical_crossentropy", "mse"]', "[np.zeros((8, 10)), np.zeros((8, 1))]"),
    ('["categorical_crossentropy", "mse"]', "[np.zeros(8), np.zeros((8, 1))]"),
    ('"mse"', "[np.zeros((8, 5)), np.zeros((8, 1))]"),
    ('"mse"', "[np.zeros((8, 10)), np.zeros((8, 1))]"),
    ('{"cls": "sparse_categorical_crossentropy", "reg": "mse"}', '{"cls": np.zeros(8), "reg": np.zeros((8, 1))}'),
    ('{"cls": "sparse_categorical_crossentropy", "reg": "mse"}',
     '{"cls": np.zeros((8, 10)), "reg": np.zeros((8, 1))}'),
    ('{"cls": "categorical_crossentropy", "reg": "mse"}', '{"cls": np.zeros((8, 10)), "reg": np.zeros((8, 3))}'),
]


@pytest.mark.parametrize("legacy", [False, True], ids=["keras3", "tf_keras"])
def test_each_outputs_labels_are_checked_by_its_loss(legacy, tmp_path):
    head = "import numpy as np\n" + ("import tf_keras as keras\n" if legacy else "import keras\n") + (
        "inputs = keras.Input((4,))\nh = keras.layers.Dense(8)(inputs)\n"
        "a = keras.layers.Dense(10, activation='softmax', name='cls')(h)\n"
        "b = keras.layers.Dense(1, name='reg')(h)\nmodel = keras.Model(inputs, [a, b])\n")
    refusals = []
    for loss, y in MULTI_OUTPUT:
        source = head + f"model.compile(optimizer='sgd', loss={loss})\n" \
            f"model.fit(np.zeros((8, 4)), {y}, epochs=1, verbose=0)\n"
        refused = _keras_refuses(source, Exception)
        refusals.append(refused)
        path = tmp_path / "train.py"
        path.write_text(source)
        said = [d for r in api.analyze_python(str(path)) for d in r.diagnostics if d.code == "SC607"]
        assert [d.location.line for d in said] == ([9] if refused else []), (loss, y, refused, said)
    assert True in refusals and False in refusals


def test_a_first_layer_refusing_the_data_says_the_data_is_its_input(tmp_path):
    """A Sequential with no Input, built by fit() on grey images without a channel axis:
    Keras refuses them at its Conv2D, which has no layer before it to blame."""
    source = textwrap.dedent("""\
        import numpy as np
        import keras
        from keras import layers

        x_train, y_train = np.zeros((64, 28, 28)), np.zeros(64)
        model = keras.Sequential([layers.Conv2D(8, 3), layers.Flatten(), layers.Dense(10)])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x_train, y_train, epochs=1, verbose=0)
        """)
    assert _keras_refuses(source)
    path = tmp_path / "train.py"
    path.write_text(source)
    (report,) = api.analyze_python(str(path))
    (error,) = report.errors
    assert error.code == "SC301" and "expected ndim=4, found ndim=3" in error.message
    assert error.hint.startswith("it takes the model's input") and "layer before this one" not in error.hint
