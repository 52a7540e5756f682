"""Size arguments given as names (``units: u``, ``Embedding(vocab_size, 128)`` in Python
source, where the value comes from data): the report is symbolic, and once the name has
a value it is exactly the report of that value, which the differential suites check
against Keras. Each row is a layer whose size arguments are marked ``symbolic``."""

from __future__ import annotations

import json

import pytest

import shapecheck
from shapecheck.output.text import render

VALUE = 7


def _rows() -> list[tuple[list, dict]]:
    rows: list[tuple[list, dict]] = []
    for rnn in ("LSTM", "GRU", "SimpleRNN"):
        for seq in (True, False):
            rows.append(([None, 5, 3], {"type": rnn, "units": "u", "return_sequences": seq}))
            rows.append(([None, 5, 3], {"type": "Bidirectional",
                                        "layer": {"type": rnn, "units": "u", "return_sequences": seq}}))
        rows.append(([None, 5, 3], {"type": rnn, "units": "u", "return_state": True}))
    rows.append(([None, 5, 3], {"type": "GRU", "units": "u", "reset_after": False}))
    for conv, shape in (("Conv1D", [None, 9, 3]), ("Conv2D", [None, 9, 9, 3]), ("Conv3D", [None, 6, 6, 6, 3]),
                        ("Conv1DTranspose", [None, 9, 3]), ("Conv2DTranspose", [None, 9, 9, 3]),
                        ("Conv3DTranspose", [None, 5, 5, 5, 2])):
        rows.append((shape, {"type": conv, "filters": "u", "kernel_size": 3}))
        rows.append((shape, {"type": conv, "filters": "u", "kernel_size": 2, "strides": 2, "use_bias": False}))
    rows.append(([None, 5, 3], {"type": "Dense", "units": "u"}))
    rows.append(([None, 5], {"type": "Embedding", "input_dim": "u", "output_dim": 4}))
    rows.append(([None, 5], {"type": "Embedding", "input_dim": 50, "output_dim": "u"}))
    rows.append(([None, VALUE, 4], {"type": "Reshape", "target_shape": ["u", 4]}))
    rows.append(([None, VALUE, 4], {"type": "Reshape", "target_shape": ["u", -1]}))
    rows.append(([None, VALUE, 4], {"type": "Reshape", "target_shape": [2, "u", 2]}))
    return rows


def _spec(shape: list, layer: dict) -> dict:
    source = "l[0]" if layer.get("return_state") else "l"
    return {"inputs": {"x": shape},
            "layers": [dict(layer, name="l"), {"type": "Dense", "units": 2, "name": "d", "inputs": source}]}


def _at(d, value: int):
    if d is None or isinstance(d, int):
        return d
    return int(d.subs({s: value for s in d.free_symbols}))


@pytest.mark.parametrize("shape, layer", _rows(), ids=lambda v: json.dumps(v) if isinstance(v, dict) else None)
def test_a_named_size_argument_is_its_value_once_bound(shape, layer):
    named = shapecheck.analyze(_spec(shape, layer))
    given = shapecheck.analyze(json.loads(json.dumps(_spec(shape, layer)).replace('"u"', str(VALUE))))
    assert named.ok and given.ok, (named.errors, given.errors)
    for name in ("l", "d"):
        ours, theirs = named.layers[name], given.layers[name]
        assert [tuple(_at(d, VALUE) for d in s) for s in ours.output_shapes] == list(theirs.output_shapes)
        assert [tuple(_at(d, VALUE) for d in w.shape) for w in ours.weights] == [w.shape for w in theirs.weights]
        assert [w.path for w in ours.weights] == [w.path for w in theirs.weights]
        assert _at(ours.params, VALUE) == theirs.params
    assert "u" in str(named.layers["l"].weights[0].shape if named.layers["l"].weights
                      else named.layers["l"].output_shapes)
    if named.layers["l"].weights:  # every axis explained in words, symbolic
        assert any(f"= {a}" in render(named) for a in ("units", "filters", "input_dim", "output_dim"))
    bound = shapecheck.analyze(_spec(shape, layer), dims={"u": VALUE})
    assert bound.total_params == given.total_params and not bound.diagnostics


def test_groups_must_divide_a_named_filter_count():
    spec = {"inputs": {"x": [None, 9, 9, 4]}, "layers": [{"type": "Conv2D", "filters": "f", "kernel_size": 3,
                                                          "groups": 2}]}
    (note,) = shapecheck.analyze(spec).diagnostics
    assert note.code == "SC304" and note.message == "Conv2D requires filters=f to be divisible by groups=2"
    assert not shapecheck.analyze({**spec, "dims": {"f": {"multiple_of": 2}}}).diagnostics
