"""Differential tests for ConvLSTM1D/2D/3D against Keras 3.

Per class, hypothesis draws one-layer specs (``strategies_convlstm.py``): every
padding, strides or dilation, both data formats, return_sequences/return_state,
stateful (a fixed batch), unroll, use_bias, initial_state from model inputs, and an
unknown, concrete or named (``t``) time axis and a named spatial size (``H``). Each
spec is built in Keras and compared with shapecheck's report axis by axis (outputs,
weight paths, order, shapes, trainable flags, params). A symbolic spec is analysed
once and compared, with its names substituted, against Keras built at several sizes;
then with ``dims=`` bound; then, when only ``t`` is named, against Keras built with
the time axis unknown (Keras needs static spatial sizes, so an unbound ``H`` must fail
to build there).

SHAPECHECK_CONVLSTM_EXAMPLES=<n> overrides the number of examples per class (100).
"""

from __future__ import annotations

import copy

import pytest
import sympy

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

import strategies_convlstm as S  # noqa: E402
from differential import analyze_dict as analyze  # noqa: E402
from differential import assert_no_mismatch, compare_report, expected_facts  # noqa: E402
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis_profiles import examples  # noqa: E402
from keras_oracle import build_keras_model  # noqa: E402

import shapecheck  # noqa: E402

MAX_EXAMPLES = examples(100, "SHAPECHECK_CONVLSTM_EXAMPLES")

SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much, HealthCheck.large_base_example],
    print_blob=True,
)

_NAMES = ("t", "H")
_FUNCS = {"floor": sympy.floor, "ceiling": sympy.ceiling, "Mod": sympy.Mod, "Min": sympy.Min,
          "Max": sympy.Max}



def _dim(d, binding):
    """A report dim with the names substituted, exactly (floor and ceiling stay functions,
    which ``differential.parse_dim_expr`` would read as symbols). With ``binding`` None a
    symbolic dim becomes the marker ``"t"``, which the unbound comparison accepts for a
    Keras None."""
    if not isinstance(d, str):
        return d
    expr = sympy.sympify(d, locals={**{n: sympy.Symbol(n) for n in _NAMES}, **_FUNCS})
    if binding is None:
        return "t" if expr.free_symbols else int(expr)
    value = expr.subs({sympy.Symbol(k): v for k, v in binding.items()})
    assert value.is_Integer, (d, binding, value)
    return int(value)


def _substituted(rep: dict, binding) -> dict:
    rep = copy.deepcopy(rep)
    for layer in rep.get("layers") or []:
        layer["output_shapes"] = [[_dim(d, binding) for d in s] for s in layer.get("output_shapes") or []]
        for w in layer.get("weights") or []:
            w["shape"] = [_dim(d, binding) for d in w["shape"]]
        layer["params"] = _dim(layer.get("params"), binding)
    rep["outputs"] = [[_dim(d, binding) for d in s] for s in rep.get("outputs") or []]
    for key in ("total_params", "trainable_params", "non_trainable_params"):
        rep[key] = _dim(rep.get(key), binding)
    return rep


def check(spec, bindings) -> None:
    if bindings is None:
        assert_no_mismatch(spec, compare_report(analyze(spec), expected_facts(spec)))
        return
    symbolic = analyze(spec)
    for binding in bindings:
        expected = expected_facts(spec, binding)
        assert_no_mismatch(spec, compare_report(_substituted(symbolic, binding), expected),
                           f"symbolic report, {binding} substituted")
        assert_no_mismatch(spec, compare_report(analyze(spec, dims=binding), expected),
                           f"analyze(spec, dims={binding})")
    if "H" in bindings[0]:
        with pytest.raises(ValueError, match="static input shapes for the spatial dimension"):
            build_keras_model(spec)
        return
    assert_no_mismatch(spec, compare_report(_substituted(symbolic, None), expected_facts(spec),
                                            unbound=True), "Keras with t=None")


@pytest.mark.parametrize("ltype", S.TYPES)
def test_convlstm_matches_keras(ltype):
    @SETTINGS
    @given(S.convlstm_specs(ltype))
    def run(drawn):
        spec, bindings = drawn
        names = sorted(bindings[0]) if bindings else []
        event(f"named: {', '.join(names) or 'none'}")
        event("initial_state" if "initial_state" in spec["layers"][0] else "no initial_state")
        check(spec, bindings)

    run()


EXAMPLES = {
    "encoder_decoder_2d": ({
        "inputs": {"src": [None, 5, 8, 8, 3], "tgt": [None, 3, 8, 8, 2]},
        "layers": [
            {"name": "enc", "type": "ConvLSTM2D", "filters": 4, "kernel_size": 3, "padding": "same",
             "return_state": True, "inputs": "src"},
            {"name": "dec", "type": "ConvLSTM2D", "filters": 4, "kernel_size": 3, "padding": "same",
             "return_sequences": True, "inputs": "tgt", "initial_state": ["enc[1]", "enc[2]"]},
            {"type": "ConvLSTM2D", "filters": 2, "kernel_size": 2, "strides": 2},
        ],
        "outputs": ["conv_lstm2d"]}, None),
    "stacked_symbolic_1d": ({
        "dims": {"H": {"min": 5}},
        "inputs": {"x": [None, "t", "H", 2]},
        "layers": [
            {"type": "ConvLSTM1D", "filters": 3, "kernel_size": 3, "return_sequences": True},
            {"type": "ConvLSTM1D", "filters": 2, "kernel_size": 2, "strides": 2, "padding": "same",
             "return_sequences": True, "go_backwards": True},
            {"type": "ConvLSTM1D", "filters": 1, "kernel_size": 1, "return_state": True},
        ]}, [{"t": 1, "H": 5}, {"t": 4, "H": 6}, {"t": 2, "H": 11}]),
    "channels_first_3d": ({
        "inputs": {"x": [2, 2, 1, 3, 4, 4]},
        "layers": [
            {"type": "ConvLSTM3D", "filters": 2, "kernel_size": [1, 2, 2], "data_format": "channels_first",
             "stateful": True, "return_sequences": True},
            {"type": "ConvLSTM3D", "filters": 1, "kernel_size": 2, "data_format": "channels_first",
             "padding": "same", "use_bias": False, "unroll": True},
        ]}, None),
    "bidirectional_concat_2d": ({
        "inputs": {"x": [None, 4, 6, 5, 2]},
        "layers": [{"type": "Bidirectional", "layer": {"type": "ConvLSTM2D", "filters": 3, "kernel_size": 3,
                                                       "return_sequences": True}}]}, None),
    "bidirectional_channels_first_state": ({
        "inputs": {"x": [None, 3, 2, 6, 5]},
        # Keras concatenates on the last axis, which is a spatial one here, and says so statically
        "layers": [{"type": "Bidirectional", "layer": {"type": "ConvLSTM2D", "filters": 3, "kernel_size": 2,
                                                       "data_format": "channels_first",
                                                       "return_state": True}}]}, None),
    "bidirectional_sum_symbolic_1d": ({
        "inputs": {"x": [None, "t", 7, 2]},
        "layers": [{"type": "Bidirectional", "merge_mode": "sum",
                    "layer": {"type": "ConvLSTM1D", "filters": 2, "kernel_size": 2, "strides": 2}}]},
        [{"t": 1}, {"t": 5}]),
}


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_matches_keras(name):
    spec, bindings = EXAMPLES[name]
    check(spec, bindings)


@pytest.mark.parametrize("spec", [EXAMPLES["encoder_decoder_2d"][0], EXAMPLES["channels_first_3d"][0]])
def test_a_live_keras_model_reads_like_its_spec(spec):
    """``analyze(model)`` reads the model's own config (kernel_size as a list, every
    default spelled out): the same report as the spec."""
    model = build_keras_model(spec)
    assert_no_mismatch(spec, compare_report(shapecheck.analyze(model).to_dict(), expected_facts(spec)))


def test_a_keras_2_h5_with_initial_state(tmp_path):
    """tf.keras 2 writes ``dec(x, initial_state=[h, c])`` as the inputs [x, h, c]; a
    ConvLSTM is read as a recurrent layer, so h and c become its initial_state."""
    tf_keras = pytest.importorskip("tf_keras")
    L = tf_keras.layers
    src, tgt = tf_keras.Input(batch_shape=(None, 5, 8, 8, 3)), tf_keras.Input(batch_shape=(None, 3, 8, 8, 2))
    _, h, c = L.ConvLSTM2D(4, 3, padding="same", return_state=True)(src)
    y = L.ConvLSTM2D(4, 3, padding="same", return_sequences=True)(tgt, initial_state=[h, c])
    y = L.ConvLSTM2D(2, 3)(y)
    model = tf_keras.Model([src, tgt], y)
    path = tmp_path / "encoder_decoder.h5"
    model.save(path)
    report = shapecheck.analyze(str(path))
    assert report.ok and not report.diagnostics, report.diagnostics
    assert [layer.output_shapes for layer in report.layers.values()][2:] == [
        ((None, 8, 8, 4),) * 3, ((None, 3, 8, 8, 4),), ((None, 6, 6, 2),)]
    assert report.total_params == model.count_params()
