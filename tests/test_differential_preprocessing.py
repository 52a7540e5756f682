"""Differential tests for the preprocessing layers, the adaptive poolings,
RMSNormalization, RNN with cells, SpectralNormalization and ReversibleEmbedding: for
each Keras class, generated one-layer specs are built in Keras 3 and compared with
shapecheck's report axis by axis (outputs, weight paths, order, shapes, trainable
flags, params). Symbolic specs are analysed once and compared, with t substituted,
against Keras built at several sizes, and against Keras built with t unknown.

Keras's static shapes are the reference (the layers after one are built from them);
where a layer returns another shape when it runs, shapecheck warns (SC307) and the
table tests check the warning.

SHAPECHECK_PREPROCESSING_EXAMPLES=<n> overrides the number of examples per class (100).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

import strategies_preprocessing as P  # noqa: E402
from differential import analyze_dict as analyze  # noqa: E402
from differential import assert_no_mismatch, compare_report, expected_facts, norm_dim  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis_profiles import examples  # noqa: E402
from keras_oracle import make_layer, resolve_dim  # noqa: E402

import shapecheck  # noqa: E402
import shapecheck.rules.preprocessing  # noqa: E402,F401  (registers the rules if the package does not yet)
import shapecheck.rules.rnn_cells  # noqa: E402,F401

EXAMPLES = examples(100, "SHAPECHECK_PREPROCESSING_EXAMPLES")
SIZES = (1, 4)  # t substituted; with "t + 1" and "2*t" that covers sizes 1..8

LAYER_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.filter_too_much])



def layer_only_problems(spec: dict, report: dict, dims: dict | None) -> list[str]:
    """For a layer Keras cannot build into a model (Equalization's symbolic output is its
    input tensor itself, a cycle): its own compute_output_spec, and no weights."""
    keras.backend.clear_session(free_memory=False)
    (shape,) = spec["inputs"].values()
    layer = make_layer(spec["layers"][0])
    x = keras.KerasTensor(tuple(resolve_dim(d, dims) for d in shape))
    layer.build(x.shape)
    want = tuple(layer.compute_output_spec(x).shape)
    (got,) = report["layers"][-1]["output_shapes"]
    got = tuple(norm_dim(d, dims) for d in got)
    problems = []
    if len(got) != len(want) or any(w is not None and w != g for w, g in zip(want, got)):
        problems.append(f"output: keras={want} shapecheck={got}")
    if layer.weights or report["layers"][-1]["weights"]:
        problems.append(f"weights: keras={layer.weights} shapecheck={report['layers'][-1]['weights']}")
    if not report["ok"]:
        problems.append(f"report not ok: {report['diagnostics']}")
    return problems


def check(spec: dict, symbolic: bool) -> None:
    cls = spec["layers"][0]["type"]
    report = analyze(spec)
    if cls in P.LAYER_ONLY:
        for dims in ({"t": n} for n in SIZES) if symbolic else (None,):
            assert_no_mismatch(spec, layer_only_problems(spec, report, dims), f"layer alone, {dims}")
        return
    if not symbolic:
        assert_no_mismatch(spec, compare_report(report, expected_facts(spec)))
        return
    for n in SIZES:
        expected = expected_facts(spec, {"t": n})
        assert_no_mismatch(spec, compare_report(report, expected, subs={"t": n}),
                           f"symbolic report, t={n} substituted")
    # With t unknown Keras cannot build a weight over it; otherwise Keras's None must
    # meet a symbolic size (or the same None) in the report.
    try:
        expected = expected_facts(spec)
    except ValueError:
        return
    assert_no_mismatch(spec, compare_report(report, expected, unbound=True), "Keras with t=None")


@pytest.mark.parametrize("cls", sorted(P.BUILDERS))
def test_layer_matches_keras(cls):
    @LAYER_SETTINGS
    @given(P.layer_specs(cls))
    def run(case):
        spec, symbolic = case
        check(spec, symbolic)

    run()


def test_every_class_is_registered():
    from shapecheck.rules import REGISTRY

    assert set(P.BUILDERS) <= set(REGISTRY)
