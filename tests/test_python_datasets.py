"""tf.data pipelines in model files (reading/python/datasets.py): the element spec and the
cardinality the reader gives each pipeline must be TensorFlow's, and the sizes of the
elements a loop gets must be those TensorFlow yields, wherever the reader says it knows
them. Then models built by what they are fitted with, and sized by a batch taken from a
dataset, as Keras builds them."""

from __future__ import annotations

import ast
import math
import struct
import textwrap
import zlib

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")
tf = pytest.importorskip("tensorflow")

from helpers import run_program  # noqa: E402

import shapecheck.api as api  # noqa: E402
from shapecheck.reading.python import datasets  # noqa: E402
from shapecheck.reading.python.interpreter import Interpreter  # noqa: E402
from shapecheck.reading.python.values import Unknown  # noqa: E402

PRELUDE = "import numpy as np\nimport tensorflow as tf\nimport keras\nfrom keras import layers\n"

#: name -> (a pipeline that makes ``ds``, whether the reader knows every element's sizes)
PIPELINES = {
    "slices_padded_batch": ("ds = tf.data.Dataset.from_tensor_slices((np.zeros((64, 8)), np.zeros((64, 8))))"
                            ".padded_batch(32)", True),
    "batch_drop_remainder": ("ds = tf.data.Dataset.from_tensor_slices((np.zeros((70, 8)), np.zeros(70)))"
                             ".batch(32, drop_remainder=True)", True),
    "batch_short_last": ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((70, 8, 3))).batch(32)", True),
    "shuffle_then_batch": ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((70, 8))).shuffle(70).batch(32)"
                           ".prefetch(tf.data.AUTOTUNE)", True),
    "batch_then_shuffle": ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((70, 8))).batch(32).shuffle(3)",
                           False),
    "even_batches_shuffled_repeated": ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((64, 8))).batch(32)"
                                       ".shuffle(2).repeat().take(5)", True),
    "repeat_then_batch": ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((10, 2))).repeat(3).batch(4)", True),
    "uneven_batches_repeated": ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((10, 2))).batch(4).repeat()",
                                False),
    "dict_of_arrays": ("ds = tf.data.Dataset.from_tensor_slices({'b': np.zeros((20,)), 'a': np.zeros((20, 8))})"
                       ".batch(16)", True),
    "python_list": ("ds = tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4], [5, 6]])", True),
    "strings": ("ds = tf.data.Dataset.from_tensor_slices(['a', 'b', 'c']).batch(2)", True),
    "from_tensors": ("ds = tf.data.Dataset.from_tensors((np.zeros((5, 3)), np.zeros(5))).repeat(2)", True),
    "range_batched": ("ds = tf.data.Dataset.range(5).batch(2)", True),
    "skip_and_take": ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((70, 8))).batch(32).skip(1).take(4)", True),
    "unbatch": ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((64, 8))).batch(4).unbatch()", True),
    "concatenate_same": ("a = tf.data.Dataset.from_tensor_slices(np.zeros((5, 4)))\n"
                         "ds = a.concatenate(tf.data.Dataset.from_tensor_slices(np.zeros((3, 4)))).batch(3)", True),
    "batch_of_batches": ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((64, 8))).batch(4).batch(3)", True),
    "zip": ("a = tf.data.Dataset.from_tensor_slices(np.zeros((9, 4))).batch(4)\n"
            "b = tf.data.Dataset.from_tensor_slices(np.zeros((12, 2))).batch(4)\n"
            "ds = tf.data.Dataset.zip((a, b))", True),
    "zip_arguments": ("a = tf.data.Dataset.from_tensor_slices(np.zeros((9, 4)))\n"
                      "ds = tf.data.Dataset.zip(a, a.take(3)).batch(2)", True),
    "enumerate": ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((5, 4))).enumerate().batch(3)", True),
    "concatenate": ("a = tf.data.Dataset.from_tensor_slices(np.zeros((5, 4)))\n"
                    "ds = a.concatenate(tf.data.Dataset.from_tensor_slices(np.zeros((3, 6))))", False),
    "filter": ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((5, 4))).filter(lambda x: True).batch(2)", False),
    "padded_shapes": ("ds = tf.data.Dataset.from_tensor_slices((np.zeros((6, 3)), np.zeros((6, 2))))"
                      ".padded_batch(4, padded_shapes=([None], [5]))", True),
    "timeseries_with_targets": ("ds = keras.utils.timeseries_dataset_from_array(np.zeros((2000, 7)), "
                                "np.zeros((2000, 1)), sequence_length=120, sampling_rate=6, batch_size=256)",
                                True),
    "timeseries_unbatched": ("ds = keras.utils.timeseries_dataset_from_array(np.zeros((40, 3)), None, "
                             "sequence_length=12, batch_size=None).take(5)", True),
    "timeseries_stride_and_range": ("ds = keras.utils.timeseries_dataset_from_array(np.zeros((500, 2, 3)), "
                                    "np.zeros(500), 20, sequence_stride=7, sampling_rate=2, batch_size=8, "
                                    "start_index=10, end_index=400, shuffle=True)", True),
    # map(): the function traced once on the element spec's tensors (sizes it leaves open
    # are known per element only when it runs)
    "map_rescale_and_expand": ("ds = tf.data.Dataset.from_tensor_slices((np.zeros((70, 28, 28)), np.zeros(70)))"
                               ".batch(32).map(lambda x, y: (tf.expand_dims(tf.cast(x, tf.float32) / 255.0, -1), y))",
                               False),
    "map_layers_on_images": ("aug = keras.Sequential([layers.RandomFlip('horizontal'), layers.Rescaling(1 / 255)])\n"
                             "ds = tf.data.Dataset.from_tensor_slices((np.zeros((8, 12, 12, 3)), np.zeros((8, 2))))"
                             ".batch(4).map(lambda x, y: (aug(x, training=True), y))", False),
    "map_function_to_dict": ("def split(x):\n    return {'left': x[:, :3], 'right': tf.reduce_mean(x, axis=1, keepdims=True)}\n"
                             "ds = tf.data.Dataset.from_tensor_slices(np.zeros((9, 8))).batch(4).map(split)",
                             False),
    "map_unbatched_then_batch": ("ds = tf.data.Dataset.from_tensor_slices(np.zeros((10, 6))).map("
                                 "lambda x: tf.reshape(x, (2, 3))).batch(4)", True),
    "timeseries_targets_shorter": ("ds = keras.utils.timeseries_dataset_from_array(np.zeros((100, 3)), "
                                   "np.zeros((30, 2)), 10, batch_size=7)", True),
}


def _flat(structure):
    """A dataset element's tensors in tf.nest's order (a dict's by sorted key)."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in _flat(structure[key])]
    if isinstance(structure, tuple):
        return [leaf for item in structure for leaf in _flat(item)]
    return [structure]


def _tensorflow(source: str):
    scope: dict = {}
    exec(compile(PRELUDE + source, "<pipeline>", "exec"), scope)
    ds = scope["ds"]
    spec = [tuple(s.shape) for s in tf.nest.flatten(ds.element_spec)]
    count = int(ds.cardinality())
    count = {-1: math.inf, -2: None}.get(count, count)
    elements = [[tuple(t.shape) for t in tf.nest.flatten(e)] for e in ds] if count is not None \
        and count <= datasets.MAX_LOOPED else None
    return spec, count, elements


def _shapes(spec_data, errors=False):
    """The engine, as the library API hands it to the reader (what a map() function makes)."""
    from shapecheck.engine import run
    from shapecheck.reading.spec_reader import read_spec

    spec, found = read_spec(spec_data, "pipeline.py", "python", None, "python", None)
    return None if spec is None else run(spec, found).outputs


def _reader(source: str):
    interp = Interpreter("pipeline.py", "keras3", None, _shapes)
    interp.run(ast.parse(PRELUDE + source))
    ds = interp.globals.vars["ds"]
    assert isinstance(ds, datasets.Dataset), ds
    return ds, [p.shape for p in _flat(ds.element)]


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_a_pipelines_element_spec_and_count_are_tensorflows(name):
    source, exact = PIPELINES[name]
    spec, count, elements = _tensorflow(source)
    ds, ours = _reader(source)
    assert ours == spec
    assert ds.count == count
    looped = datasets.elements(ds)
    if elements is None:
        assert looped is None
        return
    assert looped is not None and len(looped) == len(elements)
    for got, want in zip(looped, elements):
        shapes = [a.shape for a in _flat(got)]
        for g, w in zip(shapes, want):
            assert len(g) == len(w)
            assert all(x == y or not exact and isinstance(x, Unknown) for x, y in zip(g, w)), (g, w)
    if not exact:  # said unknown where TensorFlow's batches differ, never a wrong size
        assert any(isinstance(d, Unknown) for e in looped for a in _flat(e) for d in a.shape)


def _png(path, width, height):
    """A tiny grey RGB PNG, written by hand (no imaging library needed)."""
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def images(tmp_path, monkeypatch):
    """A directory of two classes of three images each, the working directory."""
    for cls in ("cats", "dogs"):
        (tmp_path / "images" / cls).mkdir(parents=True)
        for i in range(3):
            _png(tmp_path / "images" / cls / f"{i}.png", 7, 5)
    monkeypatch.chdir(tmp_path)
    return tmp_path


DIRECTORY_CALLS = [
    "",
    "label_mode='categorical', class_names=['dogs', 'cats']",
    "label_mode='binary', image_size=(10, 12), color_mode='grayscale', batch_size=4",
    "label_mode=None, color_mode='rgba'",
    "batch_size=None, image_size=(9, 9)",
    "'inferred', 'categorical', ['cats', 'dogs'], 'grayscale', 4, (6, 5)",
    "data_format='channels_first', image_size=(8, 10)",
]


@pytest.mark.parametrize("arguments", DIRECTORY_CALLS)
def test_a_directorys_images_have_the_spec_keras_gives_them(arguments, images):
    source = f"ds = keras.utils.image_dataset_from_directory('images', {arguments})"
    spec, _, _ = _tensorflow(source)
    ds, ours = _reader(source)
    assert ours == spec
    assert ds.count is None  # the files are never listed


def test_a_directorys_classes_found_there_are_unknown(images):
    source = "ds = keras.utils.image_dataset_from_directory('images', label_mode='categorical')"
    ds, ours = _reader(source)
    assert ours == [(None, 256, 256, 3), (None, None)]
    assert isinstance(datasets.loop(ds, once=True)[0][0][1].shape[1], Unknown)


def test_both_subsets_are_two_datasets(images):
    source = ("train, val = keras.utils.image_dataset_from_directory('images', validation_split=0.5, "
              "subset='both', seed=1, image_size=(8, 8))\nds = val")
    spec, _, _ = _tensorflow(source)
    assert _reader(source)[1] == spec


NET = """
        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.d = layers.Dense(3)

            def call(self, inputs):
                return self.d(inputs)
"""

#: name -> a program that builds ``model`` from a dataset or from data it is fitted with
PROGRAMS = {
    # keras.io's NER example: a Model subclass built only by fit() on a padded_batch pipeline
    "subclass_fitted_on_a_dataset": """
        class Tagger(keras.Model):
            def __init__(self, num_tags, vocab_size):
                super().__init__()
                self.emb = layers.Embedding(vocab_size, 16)
                self.out = layers.Dense(num_tags, activation="softmax")

            def call(self, inputs):
                return self.out(self.emb(inputs))

        x = np.zeros((64, 8), dtype="int64")
        train = tf.data.Dataset.from_tensor_slices((x, x)).shuffle(64).padded_batch(32)
        model = Tagger(10, 100)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(train, epochs=1, verbose=0)""",
    "subclass_fitted_on_whole_batches": NET + """
        ds = tf.data.Dataset.from_tensor_slices((np.zeros((70, 5)), np.zeros((70, 3)))).batch(16, drop_remainder=True)
        model = Net()
        model.compile(optimizer="adam", loss="mse")
        model.fit(ds, epochs=1, verbose=0)""",
    "subclass_predicts_a_dataset": NET + """
        model = Net()
        model.predict(tf.data.Dataset.from_tensor_slices(np.zeros((20, 5))).batch(32), verbose=0)""",
    "sequential_built_by_fit": """
        x, y = np.zeros((100, 12)), np.zeros((100,))
        model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=1, verbose=0)""",
    "sequential_built_by_predict": """
        model = keras.Sequential([layers.Dense(8), layers.Dense(1)])
        model.predict(np.zeros((100, 12)), verbose=0)""",
    "sequential_built_by_train_on_batch": """
        model = keras.Sequential([layers.Dense(8), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.train_on_batch(np.zeros((10, 12)), np.zeros((10, 1)))""",
    "sequential_built_by_a_dataset": """
        model = keras.Sequential([layers.Conv1D(4, 3), layers.GlobalMaxPooling1D(), layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        ds = tf.data.Dataset.from_tensor_slices((np.zeros((40, 10, 2)), np.zeros(40))).batch(8)
        model.fit(ds, validation_data=ds, epochs=1, verbose=0)""",
    # map(): the function traced on the element spec's tensors, as keras.io's examples
    # rescale, augment and vectorize what they fit with
    "subclass_fitted_on_a_mapped_dataset": NET + """
        ds = tf.data.Dataset.from_tensor_slices((np.zeros((40, 5), "uint8"), np.zeros((40, 3)))).batch(8)
        ds = ds.map(lambda x, y: (tf.cast(x, "float32") / 255.0, y))
        model = Net()
        model.compile(optimizer="adam", loss="mse")
        model.fit(ds, epochs=1, verbose=0)""",
    "sequential_built_by_augmented_images": """
        augment = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomRotation(0.1)])
        ds = tf.data.Dataset.from_tensor_slices((np.zeros((16, 20, 20, 3)), np.zeros(16))).batch(8)
        ds = ds.map(lambda img, label: (augment(img, training=True), label), num_parallel_calls=tf.data.AUTOTUNE)
        model = keras.Sequential([layers.Rescaling(1.0 / 255), layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(2)])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(ds.prefetch(2), epochs=1, verbose=0)""",
    "sequential_built_by_vectorized_text": """
        texts = tf.data.Dataset.from_tensor_slices((["a b c", "b c d", "c d e a"], [0, 1, 0])).batch(2)
        vectorize_layer = layers.TextVectorization(max_tokens=50, output_mode="int", output_sequence_length=12)
        vectorize_layer.adapt(texts.map(lambda x, y: x))

        def vectorize_text(text, label):
            text = tf.expand_dims(text, -1)
            return vectorize_layer(text), label

        train_ds = texts.map(vectorize_text)
        model = keras.Sequential([layers.Embedding(50, 8), layers.GlobalAveragePooling1D(), layers.Dense(1)])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(train_ds, epochs=1, verbose=0)""",
    # keras.io's weather forecasting example: sizes read from the first batch
    "sized_by_a_batch_taken": """
        x = np.zeros((2000, 7), dtype="float32")
        y = np.zeros((2000, 1), dtype="float32")
        ds = keras.utils.timeseries_dataset_from_array(x, y, sequence_length=120, sampling_rate=6, batch_size=256)
        for batch in ds.take(1):
            inputs, targets = batch

        inputs = keras.layers.Input(shape=(inputs.shape[1], inputs.shape[2]))
        outputs = keras.layers.Dense(targets.shape[1])(keras.layers.LSTM(32)(inputs))
        model = keras.Model(inputs=inputs, outputs=outputs)""",
    "sized_by_next_of_iter": """
        a = tf.data.Dataset.from_tensor_slices(np.zeros((50, 6, 4)))
        b = tf.data.Dataset.from_tensor_slices(np.zeros((50, 3)))
        it = iter(tf.data.Dataset.zip((a, b)).batch(8))
        first = next(it)
        x, y = next(it)
        sizes = [xb.shape[0] for xb, yb in tf.data.Dataset.zip((a, b)).shuffle(50).batch(16)]
        inputs = keras.Input(x.shape[1:])
        h = layers.Dense(sum(sizes) + len(sizes) + first[0].shape[0])(layers.Flatten()(inputs))
        model = keras.Model(inputs, layers.Dense(y.shape[-1])(h))""",
}


def _facts(source: str) -> dict:
    """What Keras has of ``model`` after the program ran: each layer's output shapes (of its
    first call; a Model subclass's layers, summary()'s, from the shapes they were built
    with) and parameters."""
    model = run_program(keras, source)["model"]
    layers = {}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        if layer._inbound_nodes:
            shapes = [tuple(t.shape) for t in layer._inbound_nodes[0].output_tensors]
        else:
            shapes = [tuple(layer.compute_output_shape(**layer._build_shapes_dict))]
        layers[layer.name] = (shapes, layer.count_params())
    return {"name": model.name, "layers": layers, "total": model.count_params()}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_model_built_from_a_dataset_matches_keras(name, tmp_path):
    source = PRELUDE + textwrap.dedent(PROGRAMS[name])
    expected = _facts(source)
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    reports = api.analyze_python(str(path))
    report = next((r for r in reports if r.model == expected["name"]), None)
    assert report is not None, (expected["name"], [(r.model, [d.message for d in r.diagnostics]) for r in reports])
    assert report.ok and not [d for d in report.diagnostics if d.code in ("SC601", "SC602")], report.diagnostics
    ours = {l.name: ([tuple(s) for s in l.output_shapes], l.params) for l in report.layers.values()
            if l.type != "InputLayer"}
    assert ours == expected["layers"]
    assert report.total_params == expected["total"]


def test_a_batch_peeked_from_a_directory_assumes_the_directory_has_images(images, tmp_path):
    source = PRELUDE + textwrap.dedent("""
        train_ds = keras.utils.image_dataset_from_directory("images", image_size=(32, 48), batch_size=4)
        for images, labels in train_ds:
            print(images.shape)
            break
        inputs = keras.Input(images.shape[1:])
        model = keras.Model(inputs, layers.Conv2D(4, 3)(inputs))""")
    expected = _facts(source)
    path = tmp_path / "peek.py"
    path.write_text(source)
    (report,) = api.analyze_python(str(path))
    assert {l.name: ([tuple(s) for s in l.output_shapes], l.params) for l in report.layers.values()
            if l.type != "InputLayer"} == expected["layers"]
    (said,) = [d for d in report.diagnostics if d.code == "SC602"]
    assert "as if there is one" in said.message and said.location.line == 7


def test_a_training_loop_over_a_whole_dataset_is_not_followed(tmp_path):
    path = tmp_path / "loop.py"
    path.write_text(PRELUDE + textwrap.dedent("""
        ds = tf.data.Dataset.from_tensor_slices(np.zeros((6400, 8))).batch(32)
        model = keras.Sequential([keras.Input((8,)), layers.Dense(2)])
        for step, x in enumerate(ds):
            loss = model(x)
        """))
    (report,) = api.analyze_python(str(path))
    (said,) = [d for d in report.diagnostics if d.code == "SC602"]
    assert said.location.line == 8  # 200 batches: the reader does not run the model 200 times


def test_a_subclass_fitted_on_what_map_makes_says_why_it_is_not_checked(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(PRELUDE + textwrap.dedent(NET) + textwrap.dedent("""
        ds = tf.data.Dataset.from_tensor_slices((np.zeros((8, 5)), np.zeros(8))).batch(4)
        model = Net()
        model.fit(ds.map(lambda x, y: (tf.image.resize(x, (4, 4)), y)))
        """))
    (said,) = [d for r in api.analyze_python(str(path)) for d in r.diagnostics if d.code == "SC601"]
    assert "fit() is given a dataset whose elements the reader cannot know (what map() makes" in said.message


def test_huge_or_malformed_pipelines_end_without_a_traceback(tmp_path):
    path = tmp_path / "hostile.py"
    path.write_text(PRELUDE + textwrap.dedent("""
        ds = tf.data.Dataset.range(10**30).batch(1).repeat(10**20)
        n = len(ds)
        for x in ds.take(3):
            pass
        it = iter(ds)
        for i in range(3):
            y = next(it)
        t = keras.utils.timeseries_dataset_from_array(np.zeros((10**12, 3)), None, 10**9, batch_size=10**6)
        for z in t:
            pass
        d = tf.data.Dataset.from_tensor_slices((np.zeros((5, 3)), np.zeros((6, 3))))
        e = d.padded_batch(2, padded_shapes=(5, [None, None]))
        f = tf.data.Dataset.zip(1, 2)
        g = d.batch(0).take("x").skip(None).repeat("y").shuffle()
        h = tf.data.Dataset.range(5, 1, 0)
        model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
        model.fit(d, epochs=1)
        model.fit(e)
        model.fit(tf.data.Dataset.from_tensor_slices({"a": np.zeros((4, 3))}).batch(2))
        """))
    (report,) = api.analyze_python(str(path))
    assert report.ok and not [d for d in report.diagnostics if "shapecheck bug" in (d.hint or "")]
    assert len(report.layers) == 2


def test_a_size_from_data_stays_named_through_a_pipeline(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(PRELUDE + textwrap.dedent(NET) + textwrap.dedent("""
        x = np.load("x.npy")
        x = x.reshape((x.shape[0], x.shape[1], 1))
        model = Net()
        model.fit(tf.data.Dataset.from_tensor_slices((x, x)).batch(32))
        """))
    (report,) = api.analyze_python(str(path), dims={"x_shape_1": 7})
    assert report.layers["dense"].output_shapes == ((None, 7, 3),) and report.total_params == 6


def test_what_map_makes_is_checked_where_the_model_is_fitted_with_it(tmp_path):
    """Grey images given a channel axis by map(), to a model built for colour: Keras
    refuses them at fit(), and so does shapecheck, at that line."""
    source = PRELUDE + textwrap.dedent("""
        inputs = keras.Input((28, 28, 3))
        model = keras.Model(inputs, layers.Dense(1)(layers.Flatten()(inputs)))
        model.compile(optimizer="adam", loss="mse")
        ds = tf.data.Dataset.from_tensor_slices((np.zeros((8, 28, 28)), np.zeros(8))).batch(4)
        model.fit(ds.map(lambda x, y: (tf.expand_dims(x, -1), y)), epochs=1, verbose=0)
        """)
    with pytest.raises(ValueError):
        run_program(keras, source)
    path = tmp_path / "train.py"
    path.write_text(source)
    (report,) = api.analyze_python(str(path))
    (said,) = report.errors
    assert said.code == "SC607" and said.location.line == 10 and "(None, 28, 28, 1)" in said.message
