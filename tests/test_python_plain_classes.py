"""The file's own plain classes (shapecheck/reading/python/instances.py): a script that
keeps its model in an object (``self.model = Sequential()`` in a method) is read as
Python runs it, and the model matches what Keras builds; classes whose objects Python
alone does not make (a dataclass, a metaclass, ``__getattr__``) stay unknown."""

from __future__ import annotations

import textwrap

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

from helpers import program_facts  # noqa: E402

import shapecheck.api as api  # noqa: E402

# A forecaster kept in an object, as stock-price scripts write it: class attributes, an
# inherited __init__ replaced, a property, a staticmethod, a classmethod, the model built
# into self.model by one method and returned by another.
FORECASTER = '''
import keras
from keras.layers import LSTM, Dense, Dropout, Input


class Base:
    units = 32
    width = units * 2

    def __init__(self, steps):
        self.steps = steps


class Forecaster(Base):
    def __init__(self, steps, features=3):
        self.steps = steps
        self.features = features
        self.model = None

    @property
    def shape(self):
        return (self.steps, self.features)

    @staticmethod
    def head(n):
        return Dense(n)

    @classmethod
    def default(cls):
        return cls(60, features=5)

    def build(self, dropout=0.2):
        self.model = keras.Sequential()
        self.model.add(Input(self.shape))
        self.model.add(LSTM(self.units, return_sequences=True))
        self.model.add(Dropout(dropout))
        self.model.add(LSTM(self.width))
        self.model.add(self.head(1))

    def get(self):
        self.build()
        return self.model


model = Forecaster.default().get()
'''


# super() in a plain class: the base's __init__ and methods, on the same object.
INHERITED = '''
import keras
from keras import layers


class Builder:
    def __init__(self, width, depth=2):
        self.width = width
        self.depth = depth

    def body(self, x):
        for _ in range(self.depth):
            x = layers.Dense(self.width, activation="relu")(x)
        return x


class Classifier(Builder):
    def __init__(self, width, classes):
        super().__init__(width, depth=3)
        self.classes = classes

    def body(self, x):
        x = super().body(x)
        return layers.Dense(self.classes, activation="softmax")(x)

    def build(self):
        inputs = keras.Input(shape=(20,))
        return keras.Model(inputs, self.body(inputs))


model = Classifier(32, 4).build()
'''



@pytest.mark.parametrize("name", ["forecaster", "inherited"])
def test_a_model_built_by_objects_of_the_files_classes_matches_keras(name, tmp_path):
    source = {"forecaster": FORECASTER, "inherited": INHERITED}[name]
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    expected = program_facts(keras, source)
    (report,) = api.analyze_python(str(path))
    assert report.ok and not report.diagnostics, [f"{d.code} {d.message}" for d in report.diagnostics]
    assert report.model == expected["name"]
    ours = {l.name: ([tuple(s) for s in l.output_shapes], l.params) for l in report.layers.values()
            if l.type != "InputLayer"}
    assert ours == expected["layers"]
    assert report.total_params == expected["total"]


# Classes the reader does not make objects of: what the object gives is unknown, so the
# Dense takes a named size, never a wrong number (the dataclass's class default is 64,
# the object's 8).
@pytest.mark.parametrize("cls", [
    "from dataclasses import dataclass\n@dataclass\nclass Config:\n    units: int = 64\n",
    "class Meta(type):\n    pass\nclass Config(metaclass=Meta):\n    units = 64\n"
    "    def __init__(self, units):\n        self.units = units\n",
    "class Config:\n    units = 64\n    def __getattr__(self, name):\n        return 8\n"
    "    def __init__(self, units):\n        self.units = units\n",
    "class Config(dict):\n    units = 64\n    def __init__(self, units):\n        self.units = units\n",
])
def test_objects_python_alone_does_not_make_stay_unknown(cls, tmp_path):
    path = tmp_path / "model.py"
    path.write_text("import keras\n" + cls + "config = Config(units=8)\n"
                    "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(config.units)])\n")
    (report,) = api.analyze_python(str(path))
    assert str(report.layers["dense"].output_shapes[0]) == "(None, dense_units)"


def test_an_object_that_makes_itself_forever_ends_in_a_finding(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(textwrap.dedent("""
        class Node:
            def __init__(self):
                self.child = Node()

        Node()
    """))
    said = [d.code for r in api.analyze_python(str(path)) for d in r.diagnostics]
    assert "SC603" in said
