"""Keyword arguments Keras 3 refuses, in Python source: the table the reader holds is the
installed Keras's (generated again here), and for each constructor and keyword below the
reader says SC402 exactly when Keras raises building it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras_keywords  # noqa: E402

import shapecheck.api as api  # noqa: E402

keras = pytest.importorskip("keras")


def test_the_table_is_the_installed_keras():
    assert keras_keywords.TARGET.read_text(encoding="utf-8") == keras_keywords.source(), \
        "run `python tests/keras_keywords.py --write`"


CALLS = ["Dense(2", "LSTM(2", "GRU(2", "SimpleRNN(2", "Conv2D(2, 3", "Conv1D(2, 3", "Embedding(5, 2",
         "Dropout(0.5", "SpatialDropout1D(0.2", "BatchNormalization(", "LayerNormalization(",
         "Bidirectional(layers.LSTM(2)", "TimeDistributed(layers.Dense(2)", "MultiHeadAttention(2, 2",
         "Flatten(", "Reshape((2,)", "MaxPooling2D(", "GlobalAveragePooling1D(", "Activation('relu'",
         "LeakyReLU(", "Concatenate(", "Add("]
KEYWORDS = ["batch_input_shape=(1, 2)", "batch_size=1", "input_length=3", "weights=None", "implementation=1",
            "trainable=False", "input_dim=3", "input_shape=(3,)", "name='n'", "dtype='float32'",
            "dynamic=False", "retrun_sequences=True", "unroll=True", "time_major=False", "alpha=0.3",
            "axis=-1", "kernel_initialiser='zeros'"]


def _keras_refuses(code: str) -> bool:
    from keras import layers

    try:
        eval(code, {"layers": layers})  # noqa: S307 -- the oracle, in a test
    except (TypeError, ValueError) as e:
        return "keyword" in str(e) or "not recognized" in str(e)
    return False


@pytest.mark.parametrize("call", CALLS)
def test_sc402_exactly_where_keras_refuses(call, tmp_path):
    wrong = []
    for keyword in KEYWORDS:
        code = f"layers.{call}, {keyword})" if not call.endswith("(") else f"layers.{call}{keyword})"
        path = tmp_path / "m.py"
        path.write_text(f"import keras\nfrom keras import layers\nlayer = {code}\n")
        (report,) = api.analyze_python(str(path))
        said = [d for d in report.diagnostics if d.code == "SC402"]
        if bool(said) != _keras_refuses(code):
            wrong.append((code, [d.message for d in said]))
        elif said:
            assert said[0].location.line == 3 and said[0].location.column == code.index(keyword.split("=")[0]) + 9
    assert not wrong


def test_code_written_for_keras_2_keeps_keras_2s_arguments(tmp_path):
    path = tmp_path / "old.py"
    path.write_text("from keras.models import Sequential\nfrom keras.layers.recurrent import LSTM\n"
                    "model = Sequential([LSTM(4, batch_input_shape=(1, 5, 3))])\n")
    (report,) = api.analyze_python(str(path))
    assert report.ok and not [d for d in report.diagnostics if d.code == "SC402"]
    assert report.layers["lstm"].output_shapes == ((1, 4),)


def test_a_layer_class_keras_does_not_have_is_said_at_its_call(tmp_path):
    path = tmp_path / "typo.py"
    path.write_text("import keras\nfrom keras import layers\n"
                    "model = keras.Sequential([keras.Input((4,)), layers.Densse(3)])\n")
    with pytest.raises(AttributeError) as raised:
        exec(compile(path.read_text(), str(path), "exec"), {})  # noqa: S102 -- the oracle
    (report,) = api.analyze_python(str(path))
    (error,) = report.errors
    assert (error.code, error.message, error.hint) == ("SC401", str(raised.value), "did you mean 'Dense'?")
    assert (error.location.line, error.location.column) == (3, 46)  # at `layers.Densse(3)`


def test_get_shape_is_tf_kerass_and_not_keras_3s(tmp_path):
    source = ("inputs = keras.Input((8, 4))\nwidth = inputs.get_shape().as_list()[-1]\n"
              "model = keras.Model(inputs, layers.Dense(width * 2)(inputs))\n")
    new, old = tmp_path / "new.py", tmp_path / "old.py"
    new.write_text("import keras\nfrom keras import layers\n" + source)
    old.write_text("import tf_keras as keras\nfrom tf_keras import layers\n" + source)
    with pytest.raises(AttributeError) as raised:
        exec(compile(new.read_text(), str(new), "exec"), {})  # noqa: S102 -- the oracle
    (report,) = api.analyze_python(str(new))
    (error,) = report.errors
    assert (error.code, error.message, error.location.line) == ("SC605", str(raised.value), 4)
    (report,) = api.analyze_python(str(old))
    assert report.ok and report.layers["dense"].output_shapes == ((None, 8, 8),)
