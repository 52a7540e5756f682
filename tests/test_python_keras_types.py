"""isinstance() of the reader's layers and models (shapecheck/reading/python/keras_types.py)
against Keras 3's own classes: every pair of its public layer classes, and the models."""

from __future__ import annotations

import inspect

import pytest

from shapecheck.diagnostics import Location
from shapecheck.reading.python.graph import Layer, Model
from shapecheck.reading.python.keras_types import keras_isinstance
from shapecheck.reading.python.values import Module
from shapecheck.rules.keras_names import KERAS_LAYERS

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

PUBLIC = {name: cls for name, cls in vars(keras.layers).items()
          if inspect.isclass(cls) and issubclass(cls, keras.layers.Layer) and name in KERAS_LAYERS}


def test_every_pair_of_public_layer_classes_is_decided_as_keras_decides():
    assert len(PUBLIC) > 120
    wrong = []
    for mine, mine_cls in PUBLIC.items():
        layer = Layer(mine, {}, "x", Location())
        for theirs, theirs_cls in [*PUBLIC.items(), ("Layer", keras.layers.Layer)]:
            said = keras_isinstance(layer, Module(("keras", "layers", theirs)), "keras3")
            if said is not issubclass(mine_cls, theirs_cls):
                wrong.append((mine, theirs, said))
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("cls", ["Functional", "Sequential"])
def test_models(cls):
    model = Model(cls, "m", Location())
    x = keras.Input((2,))
    real = keras.Sequential() if cls == "Sequential" else keras.Model(x, keras.layers.Dense(1)(x))
    for target in ("Model", "Sequential", "Layer", "Dense"):
        where = ("keras", target) if target in ("Model", "Sequential") else ("keras", "layers", target)
        expected = isinstance(real, getattr(keras, target, None) or getattr(keras.layers, target))
        assert keras_isinstance(model, Module(where), "keras3") is expected, target


def test_a_model_subclass_of_the_file_is_a_model():
    model = Model("Subclassed", "my_model", Location())
    assert keras_isinstance(model, Module(("keras", "Model")), "keras3") is True
    assert keras_isinstance(model, Module(("keras", "Sequential")), "keras3") is None


def test_what_the_reader_cannot_tell_stays_undecided():
    mine = Layer("MyConv", {}, "x", Location())  # the file's own subclass
    assert keras_isinstance(mine, Module(("keras", "layers", "Conv2D")), "keras3") is None
    lstm = Layer("LSTM", {}, "x", Location())  # tf.keras 2's hierarchy is not Keras 3's
    assert keras_isinstance(lstm, Module(("tensorflow", "keras", "layers", "RNN")), "keras2") is None
    assert keras_isinstance(lstm, Module(("tensorflow", "keras", "layers", "LSTM")), "keras2") is True
    assert keras_isinstance(lstm, Module(("numpy", "ndarray")), "keras3") is None
