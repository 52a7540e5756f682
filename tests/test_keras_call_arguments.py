"""Call arguments in files Keras writes: a MultiHeadAttention's ``attention_mask`` tensor
and ``use_causal_mask`` flag, as Keras 3 writes them (the node's ``kwargs``) and tf_keras
(``[["q", 0, 0, {"value": [...], "attention_mask": [...], "use_causal_mask": true}]]``).
The reader keeps both, so a mask that cannot fit the scores is found in the file, as
Keras finds it: the model loads, and its first call fails."""

from __future__ import annotations

import copy
import json

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

import shapecheck  # noqa: E402


def _masked(K, gqa: bool):
    q, v = K.Input((6, 8), name="q"), K.Input((5, 8), name="v")
    m = K.Input((6, 5), dtype="bool", name="m")
    outs = [K.layers.MultiHeadAttention(2, 4, name="mha")(q, v, attention_mask=m, use_causal_mask=True),
            K.layers.Attention(name="att")([q, v], use_causal_mask=True)]
    if gqa:  # Keras 3 only
        outs.append(K.layers.GroupQueryAttention(4, 2, 1, name="gqa")(q, v, attention_mask=m))
    return K.Model([q, v, m], outs, name="masked")


def _config(dialect: str) -> tuple[dict, list]:
    if dialect == "keras3":
        model = _masked(keras, gqa=True)
    else:
        tf_keras = pytest.importorskip("tf_keras")
        model = _masked(tf_keras, gqa=False)
    return json.loads(model.to_json()), [tuple(o.shape) for o in model.outputs]


@pytest.mark.parametrize("dialect", ["keras3", "tf_keras"])
def test_the_mask_and_the_causal_flag_are_read(dialect):
    config, keras_outputs = _config(dialect)
    report = shapecheck.analyze(config)
    assert report.ok, [d.message for d in report.diagnostics]
    assert list(report.outputs) == keras_outputs
    masked = [name for name in ("mha", "gqa") if name in report.layers]
    assert {(e.source, e.target, e.arg) for e in report.edges if e.arg == "attention_mask"} == \
        {("m", name, "attention_mask") for name in masked}
    assert report.layers["mha"].config.args["use_causal_mask"] is True
    assert report.layers["att"].config.args["use_causal_mask"] is True


def _mask_rows(config: dict, rows: int) -> dict:
    """The config with the mask input given ``rows`` query positions instead of 6."""
    edited = copy.deepcopy(config)
    (mask,) = [layer for layer in edited["config"]["layers"] if layer["config"]["name"] == "m"]
    mask["config"]["batch_shape"] = [None, rows, 5]
    return edited


def test_a_mask_that_cannot_fit_is_found_as_keras_fails_its_first_call():
    import numpy as np

    config, _ = _config("keras3")
    edited = _mask_rows(config, 4)
    model = keras.models.model_from_json(json.dumps(edited))  # Keras loads it
    with pytest.raises(Exception):  # noqa: B017 - the backend's error type
        model([np.ones((2, 6, 8), "float32"), np.ones((2, 5, 8), "float32"), np.ones((2, 4, 5), bool)])
    report = shapecheck.analyze(edited)
    assert {(d.code, d.layer) for d in report.errors} == {("SC306", "mha"), ("SC306", "gqa")}
    assert all("fails the first time it runs" in d.message for d in report.errors)
    # the unedited file runs
    model = keras.models.model_from_json(json.dumps(config))
    model([np.ones((2, 6, 8), "float32"), np.ones((2, 5, 8), "float32"), np.ones((2, 6, 5), bool)])
