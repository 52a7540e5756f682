"""Differential tests for the merge, normalization, reshaping and activation
families: for each Keras class, generated one-layer specs are built in Keras 3
and compared with shapecheck's report axis by axis (outputs, weight paths, shapes,
trainable flags, params). Symbolic specs are analysed once and compared, with t
substituted, against Keras built at several sizes, and against Keras built with
the named axes unknown.

SHAPECHECK_LAYER_EXAMPLES=<n> overrides the number of examples per class (100).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

import strategies_layers as L  # noqa: E402
from differential import analyze_dict as analyze  # noqa: E402
from differential import assert_no_mismatch, compare_report, expected_facts  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis_profiles import examples  # noqa: E402

EXAMPLES = examples(100, "SHAPECHECK_LAYER_EXAMPLES")
SIZES = (1, 4)  # t substituted; with "t + 1" and "2*t" that covers sizes 1..8

LAYER_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.filter_too_much])



def check(spec: dict, symbolic: bool) -> None:
    if not symbolic:
        assert_no_mismatch(spec, compare_report(analyze(spec), expected_facts(spec)))
        return
    report = analyze(spec)
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


@pytest.mark.parametrize("cls", sorted(L.BUILDERS))
def test_layer_matches_keras(cls):
    @LAYER_SETTINGS
    @given(L.layer_specs(cls))
    def run(case):
        spec, symbolic = case
        check(spec, symbolic)

    run()


def test_every_new_class_is_registered():
    from shapecheck.rules import REGISTRY

    assert set(L.BUILDERS) <= set(REGISTRY)
