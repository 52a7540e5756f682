"""Wrapper details checked against Keras 3: ``trainable: false`` on a wrapper leaves the
wrapped layer's variables trainable (and the model counts them so), and Bidirectional
wraps an RNN of cells."""

from __future__ import annotations

import copy

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

from differential import assert_no_mismatch, compare_report, expected_facts  # noqa: E402

import shapecheck  # noqa: E402

CASES = [
    {"inputs": {"x": [None, 5, 3]}, "layers": [
        {"type": "Bidirectional", "trainable": False, "layer": {"type": "LSTM", "units": 4}}]},
    {"inputs": {"x": [None, 5, 3]}, "layers": [
        {"type": "TimeDistributed", "trainable": False, "layer": {"type": "Dense", "units": 2}}]},
    {"inputs": {"x": [None, 5, 3]}, "layers": [
        {"type": "Bidirectional", "layer": {"type": "LSTM", "units": 4, "trainable": False}}]},
    {"inputs": {"x": [None, 6]}, "layers": [
        {"type": "SpectralNormalization", "trainable": False, "layer": {"type": "Dense", "units": 2}}]},
    {"inputs": {"x": [None, 5, 3]}, "layers": [
        {"type": "Bidirectional", "layer": {"type": "RNN", "cell": {"type": "LSTMCell", "units": 4}}}]},
    {"inputs": {"x": [None, 5, 3]}, "layers": [
        {"type": "Bidirectional", "merge_mode": "sum", "layer": {
            "type": "RNN", "return_sequences": True,
            "cell": [{"type": "GRUCell", "units": 3}, {"type": "GRUCell", "units": 3}]}}]},
    {"inputs": {"x": [None, 6]}, "layers": [
        {"type": "Dense", "units": 2, "trainable": False}]},
]


@pytest.mark.parametrize("spec", CASES, ids=range(len(CASES)))
def test_wrapper_matches_keras(spec):
    report = shapecheck.analyze(copy.deepcopy(spec)).to_dict()
    assert report["ok"], report["diagnostics"]
    assert_no_mismatch(spec, compare_report(report, expected_facts(spec)))
