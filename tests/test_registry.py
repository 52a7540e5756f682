"""The registry against Keras's own list of layers: every alias keras.layers exports
is the class its rule is registered for, and analyses the same."""

from __future__ import annotations

import inspect
import re

import pytest

import shapecheck
from shapecheck.rules import REGISTRY
from shapecheck.rules.keras_names import ALIASES, KERAS_LAYERS


def test_aliases_are_keras_names():
    assert set(ALIASES) <= KERAS_LAYERS and set(ALIASES.values()) <= KERAS_LAYERS | {"GroupedQueryAttention"}


@pytest.mark.keras
def test_aliases_match_keras():
    keras = pytest.importorskip("keras")
    exported = {n: c.__name__ for n in dir(keras.layers)
                if inspect.isclass(c := getattr(keras.layers, n)) and c.__name__ != n}
    assert exported == ALIASES


# The convolutions and poolings: one input, a few arguments (GroupQueryAttention, the
# other alias, is a rule registered under both names and tested with the attention layers).
@pytest.mark.parametrize("alias", sorted(a for a in ALIASES if ALIASES[a] in REGISTRY and "Attention" not in a))
def test_alias_analyses_like_its_class(alias):
    cls = ALIASES[alias]
    assert REGISTRY[alias] is REGISTRY[cls]
    args = {"filters": 2, "kernel_size": 1} if "Conv" in cls else \
        {"pool_size": 2} if cls.startswith("AveragePooling") else {}
    rank = int(re.search(r"(\d)D", cls).group(1))
    spec = {"inputs": {"x": [None, *[4] * rank, 3]}, "layers": [{"name": "l", "type": alias, **args}]}
    report = shapecheck.analyze(spec)
    same = shapecheck.analyze({**spec, "layers": [{"name": "l", "type": cls, **args}]})
    assert report.ok, [d.message for d in report.diagnostics]
    assert report.layers["l"].output_shapes == same.layers["l"].output_shapes
    assert [w.shape for w in report.layers["l"].weights] == [w.shape for w in same.layers["l"].weights]
