"""Differential tests for the convolution and pooling families against Keras 3.

Per layer class, hypothesis draws single-layer and small stacked models
(``strategies_conv.py``), concrete and symbolic. A symbolic spec (a spatial size
``H``, ``2*H`` or ``H + 1``) is analysed once and compared, with ``H`` substituted,
against Keras built at several sizes; then with ``dims=`` bound; then against Keras
built with the axis unknown.

SHAPECHECK_CONV_EXAMPLES=<n> overrides the number of examples per class (100).
"""

from __future__ import annotations

import copy

import pytest
import sympy

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

import strategies_conv as S  # noqa: E402
from differential import analyze_dict as analyze  # noqa: E402
from differential import assert_no_mismatch, compare_report, expected_facts  # noqa: E402
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis_profiles import examples  # noqa: E402

MAX_EXAMPLES = examples(100, "SHAPECHECK_CONV_EXAMPLES")

SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.large_base_example],
    print_blob=True,
)



_FUNCS = {"floor": sympy.floor, "ceiling": sympy.ceiling, "Mod": sympy.Mod, "Min": sympy.Min,
          "Max": sympy.Max}


def _dim(d, h):
    """A report dim with ``H`` substituted, exactly. ``differential.parse_dim_expr`` turns
    every identifier into a Symbol, so it cannot read ``floor(H/2 - 1/2) + 1``; here the
    functions stay functions. With ``h`` None a symbolic dim becomes the marker ``"H"``,
    which the unbound comparison accepts for a Keras None (it checks only that the dim is
    symbolic where Keras's is unknown)."""
    if not isinstance(d, str):
        return d
    expr = sympy.sympify(d, locals={"H": sympy.Symbol("H"), **_FUNCS})
    if h is None:
        return "H" if expr.free_symbols else int(expr)
    value = expr.subs(sympy.Symbol("H"), h)
    assert value.is_Integer, (d, h, value)
    return int(value)


def _substituted(rep: dict, h) -> dict:
    rep = copy.deepcopy(rep)
    for layer in rep.get("layers") or []:
        layer["output_shapes"] = [[_dim(d, h) for d in s] for s in layer.get("output_shapes") or []]
        for w in layer.get("weights") or []:
            w["shape"] = [_dim(d, h) for d in w["shape"]]
        layer["params"] = _dim(layer.get("params"), h)
    rep["outputs"] = [[_dim(d, h) for d in s] for s in rep.get("outputs") or []]
    for key in ("total_params", "trainable_params", "non_trainable_params"):
        rep[key] = _dim(rep.get(key), h)
    return rep


def check(spec, sizes) -> None:
    if sizes is None:
        assert_no_mismatch(spec, compare_report(analyze(spec), expected_facts(spec)))
        return
    symbolic = analyze(spec)
    for h in sizes:
        expected = expected_facts(spec, {"H": h})
        assert_no_mismatch(spec, compare_report(_substituted(symbolic, h), expected),
                           f"symbolic report, H={h} substituted")
        assert_no_mismatch(spec, compare_report(analyze(spec, dims={"H": h}), expected),
                           f"analyze(spec, dims={{'H': {h}}})")
    assert_no_mismatch(spec, compare_report(_substituted(symbolic, None), expected_facts(spec),
                                            unbound=True),
                       "Keras with H=None")


@pytest.mark.parametrize("ltype", S.TYPES)
def test_conv_family_matches_keras(ltype):
    @SETTINGS
    @given(S.conv_family_specs(ltype))
    def run(drawn):
        spec, sizes = drawn
        event(f"{len(spec['layers'])} layer(s), {'concrete' if sizes is None else 'symbolic'}")
        check(spec, sizes)

    run()


EXAMPLES = {
    "vgg_block_symbolic": ({
        "dims": {"H": {"min": 6}},
        "inputs": {"x": [None, "H", "2*H", 3]},
        "layers": [
            {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same"},
            {"type": "Conv2D", "filters": 4, "kernel_size": 3, "strides": 2},
            {"type": "MaxPooling2D"},
            {"type": "GlobalAveragePooling2D"},
        ]}, (6, 7, 12)),
    "causal_dilated_tcn": ({
        "inputs": {"x": [None, 16, 2]},
        "layers": [
            {"type": "Conv1D", "filters": 3, "kernel_size": 2, "padding": "causal", "dilation_rate": 4},
            {"type": "SeparableConv1D", "filters": 2, "kernel_size": 3, "depth_multiplier": 2},
            {"type": "Conv1DTranspose", "filters": 2, "kernel_size": 3, "strides": 2,
             "output_padding": 1},
            {"type": "GlobalMaxPooling1D", "keepdims": True},
        ]}, None),
    "channels_first_3d": ({
        "inputs": {"x": [None, 2, 4, 5, 6]},
        "layers": [
            {"type": "Conv3D", "filters": 4, "kernel_size": [1, 2, 3], "groups": 2,
             "data_format": "channels_first"},
            {"type": "AveragePooling3D", "pool_size": 2, "padding": "same",
             "data_format": "channels_first"},
            {"type": "Conv3DTranspose", "filters": 1, "kernel_size": 2, "strides": 2,
             "padding": "same", "data_format": "channels_first"},
        ]}, None),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_matches_keras(name):
    spec, sizes = EXAMPLES[name]
    check(spec, sizes)
