"""Bad specs give diagnostics with a stable code at the right line and column, never an
exception. Each case is YAML text -> the (code, line, column) findings expected."""

from __future__ import annotations

import textwrap

import pytest

import shapecheck
from shapecheck.diagnostics import CATALOGUE

CASES = [
    ("yaml-syntax", "inputs: [\n  - x\n", [("SC101", 2, 3)]),
    ("not-a-mapping", "- a\n- b\n", [("SC102", 1, 1)]),
    # PyYAML's reader refuses the character; its offset is made a line and column (\r\n is one break)
    ("control-character", "inputs:\r\n  x: [?, 2]\nlayers:\n  - {type: Dense, units: 3\x01}\n", [("SC101", 4, 27)]),
    ("no-layers", "inputs: {x: [?, 3]}\n", [("SC102", 1, 1)]),
    ("duplicate-key", """
        inputs: {x: [?, 3]}
        layers:
          - type: Dense
            units: 2
            units: 3
        """, [("SC103", 5, 5)]),
    ("bad-shape", """
        inputs: {x: [?, 2.5]}
        layers: [{type: Dense, units: 2}]
        """, [("SC104", 1, 17)]),
    ("unknown-top-key", """
        inputs: {x: [?, 3]}
        layer: []
        layers: [{type: Dense, units: 2}]
        """, [("SC105", 2, 1)]),
    ("dim-binding-breaks-assumption", """
        dims: {t: {multiple_of: 2}}
        inputs: {x: [?, t, 3]}
        layers: [{type: LSTM, units: 2}]
        """, [("SC106", 1, 8)]),
    ("unknown-ref", """
        inputs: {x: [?, 3]}
        layers:
          - {name: a, type: Dense, units: 2, inputs: y}
        """, [("SC201", 3, 46)]),
    ("cycle", """
        inputs: {x: [?, 3]}
        layers:
          - {name: a, type: Dense, units: 2, inputs: b}
          - {name: b, type: Dense, units: 2, inputs: a}
        outputs: [b]
        """, [("SC202", 3, 5)]),
    ("duplicate-name", """
        inputs: {x: [?, 3]}
        layers:
          - {name: a, type: Dense, units: 2}
          - {name: a, type: Dense, units: 2}
        """, [("SC203", 4, 5)]),
    ("index-out-of-range", """
        inputs: {x: [?, 5, 3]}
        layers:
          - {name: enc, type: LSTM, units: 4, return_state: true}
          - {type: Dense, units: 2, inputs: "enc[3]"}
        """, [("SC204", 4, 37)]),
    ("unused", """
        inputs: {x: [?, 3]}
        layers:
          - {name: a, type: Dense, units: 2}
          - {name: b, type: Dense, units: 2, inputs: x}
        outputs: [b]
        """, [("SC205", 3, 5)]),
    # an AddLoss layer (tf.keras's model.add_loss) is kept by the model, and so is what it needs
    ("loss-kept", """
        inputs: {x: [?, 3]}
        layers:
          - {name: a, type: Dense, units: 2}
          - {name: b, type: Dense, units: 2, inputs: x}
          - {name: m, type: tf.math.reduce_mean, inputs: a}
          - {name: add_loss, type: AddLoss, inputs: m}
        outputs: [b]
        """, []),
    # tf.split of a named size: what must hold, said (as ops.split says it)
    ("tf-split-equal-pieces-of-t", """
        inputs: {x: [?, t, 4]}
        layers:
          - {name: s, type: tf.split, num_or_size_splits: 2, axis: 1}
        """, [("SC304", 3, 5)]),
    ("tf-split-sizes-of-t", """
        inputs: {x: [?, t, 4]}
        layers:
          - {name: s, type: tf.split, num_or_size_splits: [1, 2], axis: 1}
        """, [("SC304", 3, 5)]),
    ("inside-no-model", """
        inputs: {x: [?, 3]}
        layers:
          - {name: a, type: Dense, units: 2, inside: b}
          - {name: b, type: Dense, units: 2, inputs: x}
        outputs: [a, b]
        """, [("SC201", 3, 46)]),
    ("inside-not-a-name", """
        inputs: {x: [?, 3]}
        layers:
          - {name: a, type: Dense, units: 2, inside: [b]}
        """, [("SC104", 3, 46)]),
    ("inside-other-weights", """
        inputs: {x: [?, 3]}
        layers:
          - {name: a, type: Dense, units: 5, inside: m}
          - name: m
            type: Functional
            inputs: x
            graph: {inputs: {i: [?, 3]}, layers: [{name: a, type: Dense, units: 2}]}
        outputs: [a, m]
        """, [("SC306", 3, 5)]),
    ("shares-other-weights", """
        inputs: {x: [?, 3]}
        layers:
          - name: m
            type: Functional
            graph: {inputs: {i: [?, 3]}, layers: [{name: a, type: Dense, units: 2}]}
          - name: n
            type: Functional
            inputs: x
            shares: {a: m}
            graph: {inputs: {i: [?, 3]}, layers: [{name: a, type: Dense, units: 5}]}
        outputs: [m, n]
        """, [("SC306", 6, 5)]),
    ("two-tensors-into-dense", """
        inputs: {x: [?, 5, 3]}
        layers:
          - {name: enc, type: LSTM, units: 4, return_state: true}
          - {type: Dense, units: 2}
        """, [("SC206", 4, 5)]),
    ("rank", """
        inputs: {x: [?, t, 12]}
        layers:
          - {type: LSTM, units: 64}
          - {type: LSTM, units: 32}
        """, [("SC301", 4, 5)]),
    ("undefined-last-axis", """
        inputs: {x: [?, 5, ?]}
        layers: [{type: Dense, units: 2}]
        """, [("SC302", 2, 10)]),
    ("reshape-count", """
        inputs: {x: [?, 12]}
        layers: [{type: Reshape, target_shape: [5, 2]}]
        """, [("SC303", 2, 10)]),
    ("reshape-symbolic-count", """
        inputs: {x: [?, t, 3]}
        layers: [{type: Reshape, target_shape: [-1, 2]}]
        """, [("SC304", 2, 10)]),
    ("initial-state-width", """
        inputs: {a: [?, 5, 3], b: [?, 4, 3]}
        layers:
          - {name: enc, type: LSTM, units: 8, return_state: true, inputs: a}
          - name: dec
            type: LSTM
            units: 4
            inputs: b
            initial_state: [enc[1], enc[2]]
        outputs: [dec]
        """, [("SC305", 8, 20)]),
    ("initial-state-count", """
        inputs: {a: [?, 5, 3], b: [?, 4, 3]}
        layers:
          - {name: enc, type: GRU, units: 4, return_state: true, inputs: a}
          - {name: dec, type: LSTM, units: 4, inputs: b, initial_state: ["enc[1]"]}
        outputs: [dec]
        """, [("SC305", 4, 65)]),
    ("unknown-type", """
        inputs: {x: [?, 5, 3]}
        layers: [{type: LSTMM, units: 4}]
        """, [("SC401", 2, 11)]),
    ("unknown-arg", """
        inputs: {x: [?, 3]}
        layers:
          - type: Dense
            unit: 4
        """, [("SC402", 4, 5)]),
    ("bool-units", """
        inputs: {x: [?, 3]}
        layers: [{type: Dense, units: true}]
        """, [("SC403", 2, 31)]),
    ("float-units", """
        inputs: {x: [?, 3]}
        layers: [{type: Dense, units: 3.7}]
        """, [("SC403", 2, 31)]),
    ("negative-units", """
        inputs: {x: [?, 3]}
        layers: [{type: Dense, units: -3}]
        """, [("SC403", 2, 31)]),
    ("yaml-1e3", """
        inputs: {x: [?, 3]}
        layers: [{type: Dense, units: 1e3}]
        """, [("SC403", 2, 31)]),
    ("yaml-no", """
        inputs: {x: [?, 5, 3]}
        layers: [{type: LSTM, units: 2, return_sequences: yes, go_backwards: 1}]
        """, [("SC403", 2, 70)]),
    ("missing-arg", """
        inputs: {x: [?, 3]}
        layers: [{type: Dense}]
        """, [("SC404", 2, 10)]),
    ("bidirectional-of-dense", """
        inputs: {x: [?, 5, 3]}
        layers: [{type: Bidirectional, layer: {type: Dense, units: 2}}]
        """, [("SC405", 2, 32)]),
    ("bidirectional-backward-mismatch", """
        inputs: {x: [?, 5, 3]}
        layers:
          - type: Bidirectional
            layer: {type: LSTM, units: 2, return_sequences: true}
            backward_layer: {type: LSTM, units: 2, go_backwards: true}
        """, [("SC405", 5, 5)]),
    ("time-distributed-rank", """
        inputs: {x: [?, 5]}
        layers: [{type: TimeDistributed, layer: {type: Dense, units: 2}}]
        """, [("SC301", 2, 10)]),
    ("not-supported-yet", """
        inputs: {x: [?, 5, 3]}
        layers: [{type: Pipeline}]
        """, [("SC406", 2, 11)]),
    ("stateful-needs-batch", """
        inputs: {x: [?, 5, 3]}
        layers: [{type: LSTM, units: 2, stateful: true}]
        """, [("SC403", 2, 43)]),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_findings(tmp_path, text, expected):
    path = tmp_path / "spec.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    report = shapecheck.analyze(path, dims={"t": 3} if "multiple_of" in text else None)
    got = [(d.code, d.location.line, d.location.column) for d in report.diagnostics]
    assert got == expected, [d.message for d in report.diagnostics]
    for d in report.diagnostics:
        assert d.severity == CATALOGUE[d.code].severity
        assert d.message and d.location.path == str(path)


def test_a_byte_that_is_not_utf8_is_pointed_at(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_bytes(b"inputs:\r\n  x: [?, 2]\r\n  \xff\n")
    [d] = shapecheck.analyze(path).diagnostics
    assert (d.code, d.location.line, d.location.column) == ("SC101", 3, 3) and "not UTF-8" in d.message


def test_rank_hint_names_the_layer_to_fix(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("inputs: {x: [?, t, 12]}\nlayers:\n  - {type: LSTM, units: 64}\n"
                    "  - {type: LSTM, units: 32}\n")
    [d] = shapecheck.analyze(path).diagnostics
    assert "expected ndim=3, found ndim=2" in d.message
    assert "return_sequences: true" in d.hint and "'lstm' (line 3)" in d.hint


def test_did_you_mean(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("inputs: {x: [?, 5, 3]}\nlayers:\n  - {type: LSTMM, units: 2}\n"
                    "  - {type: GRU, unit: 2, inputs: x}\n  - {type: Dense, units: 1, inputs: gru_}\n")
    hints = {d.code: d.hint for d in shapecheck.analyze(path).diagnostics}
    assert hints["SC401"] == "did you mean 'LSTM'?"
    assert hints["SC402"] == "did you mean 'units'?"
    assert hints["SC201"] == "did you mean 'gru'?"


def test_yaml_surprise_is_explained(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("inputs: {x: [?, 3]}\nlayers: [{type: Dense, units: 1e3}]\n")
    [d] = shapecheck.analyze(path).diagnostics
    assert "read '1e3' as a string; write 1000" in d.message


def test_undecidable_equality_is_a_warning_that_says_what_must_hold():
    spec = {"inputs": {"a": [None, 5, 3], "b": [None, 4, 3]},
            "layers": [{"name": "enc", "type": "Dense", "units": 4, "inputs": "a"},
                       {"name": "h", "type": "Reshape", "target_shape": [-1], "inputs": "enc"},
                       {"name": "dec", "type": "LSTM", "units": 4, "inputs": "b",
                        "initial_state": ["h", "h"]}],
            "outputs": ["dec"]}
    report = shapecheck.analyze(spec)
    assert [d.code for d in report.diagnostics] == ["SC305"]  # 20 != 4: provably different


def test_api_never_raises_on_garbage():
    for junk in ({}, {"layers": None}, {"layers": [1, "x", None]}, {"inputs": 3, "layers": []},
                 {"inputs": {"x": [None, {"a": 1}]}, "layers": [{"type": "Dense", "units": 1}]},
                 {"inputs": {"x": [None, "t**"]}, "layers": []},
                 {"inputs": {"x": [None, 3]}, "layers": [{"type": ["LSTM"]}]},
                 {"inputs": {"x": [None, 3]}, "layers": [{"type": "Dense", "units": 1,
                                                          "inputs": [["x"]]}]},
                 {"inputs": {"x": [None, 3]}, "layers": [{"type": "Bidirectional",
                                                          "layer": "LSTM"}]}):
        report = shapecheck.analyze(junk)
        assert not report.ok
        assert all(d.code in CATALOGUE for d in report.diagnostics)


@pytest.mark.parametrize("layers,warned", [
    ([{"name": "p", "type": "Dense", "units": 6}, {"type": "Embedding", "input_dim": 9, "output_dim": 2}], True),
    ([{"name": "p", "type": "Conv1D", "filters": 2, "kernel_size": 1}, {"type": "Flatten"},
      {"type": "Embedding", "input_dim": 9, "output_dim": 2}], True),
    ([{"type": "Embedding", "input_dim": 9, "output_dim": 2}], False),  # a float Input: ids as floats
    ([{"type": "Reshape", "target_shape": [12]}, {"type": "Embedding", "input_dim": 9, "output_dim": 2}],
     False),
    ([{"name": "e", "type": "Embedding", "input_dim": 9, "output_dim": 2}, {"type": "Flatten"},
      {"type": "Embedding", "input_dim": 9, "output_dim": 2}], True),
])
def test_embedding_fed_computed_floats(layers, warned):
    report = shapecheck.analyze({"inputs": {"x": [None, 6, 2]}, "layers": layers})
    codes = [d.code for d in report.diagnostics]
    assert codes == (["SC309"] if warned else []), [d.message for d in report.diagnostics]
    assert report.ok  # Keras builds and runs it: a warning


@pytest.mark.parametrize("call", [
    lambda: shapecheck.analyze(123),
    lambda: shapecheck.analyze(None),
    lambda: shapecheck.analyze({"layers": []}, dims={"t": "x"}),
    lambda: shapecheck.analyze({"layers": []}, dims={"t": True}),
    lambda: shapecheck.analyze({"layers": []}, dims={"t": 2**41}),
    lambda: shapecheck.analyze({"layers": []}, dims=[("t", 3)]),
    lambda: shapecheck.analyze({"layers": []}, custom_layers=["LayerScale"]),
    lambda: shapecheck.analyze(type("Broken", (), {"to_json": lambda self: 1 / 0})()),
])
def test_misuse_raises_the_librarys_own_exceptions(call):
    with pytest.raises(shapecheck.UsageError):
        call()


def test_unopenable_paths_raise_file_errors(tmp_path):
    with pytest.raises(shapecheck.MissingFileError):
        shapecheck.analyze(tmp_path / "missing.yaml")
    with pytest.raises(FileNotFoundError):  # still what callers catch today
        shapecheck.analyze(tmp_path / "missing.yaml")
    with pytest.raises(shapecheck.FileError):
        shapecheck.analyze(tmp_path)  # a folder
    assert issubclass(shapecheck.UsageError, shapecheck.ShapecheckError)
