"""Every keras.applications model (weights=None, default input size) read from its Keras
JSON config: every layer's output shapes, weight paths, shapes and trainable flags, and
the parameter counts must equal what Keras builds. ConvNeXt and InceptionResNetV2 use
classes of keras.applications that Keras does not export as layers; they run on
declared custom-layer rules. ResNet50, MobileNetV2 and EfficientNetB0 are also read
with symbolic spatial sizes and checked against Keras at several concrete sizes.

Models are built one at a time and released after each test (the largest,
ConvNeXtXLarge, holds 350M parameters)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

from differential import assert_no_mismatch, compare_report, norm_dim  # noqa: E402
from keras_oracle import keras_facts, keras_model_facts  # noqa: E402

import shapecheck  # noqa: E402

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent

#: Models made of Keras's own layers only.
PLAIN = [
    "DenseNet121", "DenseNet169", "DenseNet201",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3",
    "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3",
    "EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L",
    "InceptionV3", "MobileNet", "MobileNetV2", "MobileNetV3Small", "MobileNetV3Large",
    "NASNetMobile", "NASNetLarge",
    "ResNet50", "ResNet101", "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "VGG16", "VGG19", "Xception",
]

#: The classes of keras.applications that are not Keras layers, declared as data, as
#: docs/custom-layers.md gives them (so the page cannot drift from what works).
CUSTOM_LAYERS = tomllib.loads(re.findall(r"```toml\n(.*?)```", (ROOT / "docs" / "custom-layers.md")
                                         .read_text(), re.S)[0])["tool"]["shapecheck"]["custom_layers"]
CUSTOM = ["ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
          "InceptionResNetV2"]

SYMBOLIC = ["ResNet50", "MobileNetV2", "EfficientNetB0"]
#: (H, W): even and odd, square and not, one odd and large.
SIZES = [(32, 32), (33, 47), (64, 96), (75, 75), (129, 161)]


@pytest.fixture(autouse=True)
def _release_models():
    keras.backend.clear_session(free_memory=False)  # layer names restart at dense, conv2d...
    yield
    keras.backend.clear_session()  # and gc.collect(): the test's model is unreachable by now


def test_every_application_is_covered():
    names = {n for n in dir(keras.applications)
             if n[:1].isupper() and callable(getattr(keras.applications, n))}
    assert names == set(PLAIN) | set(CUSTOM)
    assert len(PLAIN) + len(CUSTOM) == len(names)


def _expected(model, custom_types=()) -> dict:
    facts = keras_facts(model)
    for layer, f in facts.items():
        # NASNet builds blocks inside backend.name_scope(...): a prefix of the variable
        # paths that the config does not record. The path from the layer name on is.
        weights = [(p[p.find(f"{layer}/"):] if f"{layer}/" in p else p, *rest)
                   for p, *rest in f["weights"]]
        if f["type"] in custom_types:
            # An unnamed variable is variable_N, N counting the session's earlier ones:
            # not something the config holds.
            weights = [(re.sub(r"/variable_\d+$", "/variable", p), *rest) for p, *rest in weights]
        f["weights"] = weights
    return {"layers": facts, "model": keras_model_facts(model)}


def _report_dict(report, custom_types=()) -> dict:
    got = report.to_dict()
    # Keras ops in the config (MobileNetV3's hard-sigmoid arithmetic, ConvNeXt's residual
    # `+`) are graph nodes, not layers of model.layers; the report lists them as ops.<Op>.
    got["layers"] = [entry for entry in got["layers"] if not entry["type"].startswith("ops.")]
    for entry in got["layers"]:
        # A custom class is reported with its module (keras.src.applications.convnext.
        # LayerScale); Keras's type(layer).__name__ is the bare class name.
        short = entry["type"].rsplit(".", 1)[-1]
        if short in custom_types:
            entry["type"] = short
    return got


@pytest.mark.parametrize("name", PLAIN)
def test_application_matches_keras(name, tmp_path):
    model = getattr(keras.applications, name)(weights=None)
    path = tmp_path / f"{name}.json"
    path.write_text(model.to_json())
    report = shapecheck.analyze(path)
    assert report.ok, [d.message for d in report.errors]
    assert_no_mismatch({}, compare_report(_report_dict(report), _expected(model)), name)


@pytest.mark.parametrize("name", CUSTOM)
def test_application_with_its_own_classes_needs_no_declaration(name, tmp_path):
    """ConvNeXt's LayerScale and InceptionResNetV2's CustomScaleLayer are Keras's own
    classes (keras.src.applications...): built in, reported by their class name."""
    model = getattr(keras.applications, name)(weights=None)
    path = tmp_path / f"{name}.json"
    path.write_text(model.to_json())
    report = shapecheck.analyze(path)
    assert report.ok and not report.diagnostics, [f"{d.code} {d.message}" for d in report.diagnostics]
    problems = compare_report(_report_dict(report), _expected(model, ("LayerScale",)))
    assert_no_mismatch({}, problems, name)


@pytest.mark.parametrize("name", ["ConvNeXtTiny", "InceptionResNetV2", "MobileNetV3Small", "Xception"])
def test_tf_keras_application(name, tmp_path):
    """tf.keras's own: ConvNeXt's and InceptionResNetV2's classes, MobileNetV3's depthwise
    and Xception's separable convolutions with the base Conv arguments tf.keras writes for
    them. No finding, and every shape and count as tf.keras builds them."""
    tf_keras = pytest.importorskip("tf_keras")
    import keras_corpus as KC

    tf_keras.backend.clear_session()
    model = getattr(tf_keras.applications, name)(weights=None)
    path = tmp_path / f"{name}.json"
    path.write_text(model.to_json())
    rep = shapecheck.analyze(path).to_dict()
    assert rep["ok"] and not rep["diagnostics"]
    assert_no_mismatch({}, compare_report(KC.positional_weights(rep), KC.tf_keras_facts(model)), name)


@pytest.mark.parametrize("name", CUSTOM)
def test_application_with_custom_layers_matches_keras(name, tmp_path):
    """The declarations docs/custom-layers.md shows for those two classes give the same
    report, on a config whose classes come from a module of the user's own."""
    model = getattr(keras.applications, name)(weights=None)
    path = tmp_path / f"{name}.json"
    path.write_text(model.to_json().replace('"module": "keras.src.applications.', '"module": "mylib.'))
    report = shapecheck.analyze(path, custom_layers=CUSTOM_LAYERS)
    assert report.ok, [d.message for d in report.errors]
    assert not report.diagnostics, [f"{d.code} {d.message}" for d in report.diagnostics]
    types = tuple(CUSTOM_LAYERS)
    problems = compare_report(_report_dict(report, types), _expected(model, types))
    assert_no_mismatch({}, problems, name)


def test_convnext_custom_layer_is_reported_not_run(tmp_path):
    """The same class from a module of the user's own, without a declared rule, is
    reported (SC408), never imported."""
    model = keras.applications.ConvNeXtTiny(weights=None)
    path = tmp_path / "convnext.json"
    path.write_text(model.to_json().replace('"module": "keras.src.applications.', '"module": "mylib.'))
    report = shapecheck.analyze(path)
    codes = {d.code for d in report.errors}
    assert codes == {"SC408"}
    assert any("LayerScale" in d.message for d in report.errors)


# --------------------------------------------------------------------------- symbolic
def _layer_configs(config: dict) -> list:
    """What a functional config says of its layers apart from tensor shapes: class and
    arguments (the InputLayer's shape left out)."""
    out = []
    for layer in config["config"]["layers"]:
        cfg = dict(layer["config"])
        if layer["class_name"] == "InputLayer":
            cfg.pop("batch_shape", None)
        out.append((layer["class_name"], cfg))
    return out


def _with_input(config: dict, batch_shape: list) -> dict:
    config = json.loads(json.dumps(config))
    inputs = [layer for layer in config["config"]["layers"] if layer["class_name"] == "InputLayer"]
    assert len(inputs) == 1
    inputs[0]["config"]["batch_shape"] = batch_shape
    return config


@pytest.mark.parametrize("name", SYMBOLIC)
def test_symbolic_spatial_sizes_match_keras_at_every_size(name):
    """The config of ``include_top=False, input_shape=(None, None, 3)`` read with its
    spatial axes named H and W: each layer's expressions, substituted, equal what Keras
    builds at that size.

    Keras's applications choose some paddings from the input size
    (imagenet_utils.correct_pad: at an unknown size it pads as for an even one), so the
    model built at an odd size can have other ZeroPadding2D paddings than the
    size-agnostic one. The expressions describe the size-agnostic model: where the two
    differ (only in those paddings), Keras rebuilds that model's config at the size."""
    app = getattr(keras.applications, name)
    model = app(weights=None, include_top=False, input_shape=(None, None, 3))
    config = json.loads(model.to_json())
    del model
    # Keras writes unknown sizes as null; naming them in the InputLayer's batch_shape
    # (any size a spec accepts) makes every layer's shape an expression of H and W.
    report = shapecheck.analyze(_with_input(config, [None, "H", "W", 3]))
    assert report.ok, [d.message for d in report.errors]
    got = _report_dict(report)
    longest = max((str(d) for entry in got["layers"] for shape in entry["output_shapes"]
                   for d in shape), key=len)
    assert len(longest) < 120, longest  # nested floors, not an explosion of terms
    last = got["layers"][-1]["output_shapes"][0]
    assert all(isinstance(d, str) and d.strip("() ") for d in last[1:3]), last  # symbolic, not None
    agnostic = _layer_configs(config)
    rebuilt = 0
    for h, w in SIZES:
        keras.backend.clear_session(free_memory=False)
        concrete = app(weights=None, include_top=False, input_shape=(h, w, 3))
        differs = [(a[1]["name"], a[0]) for a, b in zip(agnostic, _layer_configs(json.loads(concrete.to_json())))
                   if a != b]
        if differs:
            assert {cls for _, cls in differs} == {"ZeroPadding2D"}, differs
            del concrete
            keras.backend.clear_session(free_memory=False)
            concrete = keras.models.model_from_json(json.dumps(_with_input(config, [None, h, w, 3])))
            rebuilt += 1
        problems = compare_report(got, _expected(concrete), subs={"H": h, "W": w})
        assert_no_mismatch({}, problems, f"{name} at H={h}, W={w}")
        del concrete
    if name == "ResNet50":
        assert rebuilt == 0  # no size-dependent padding
    # The names bound for one run (like --dim) give the substituted sizes directly.
    h, w = SIZES[-1]
    bound = shapecheck.analyze(_with_input(config, [None, "H", "W", 3]), dims={"H": h, "W": w})
    assert bound.to_dict()["outputs"] == [[None, *(norm_dim(d, {"H": h, "W": w}) for d in got["outputs"][0][1:])]]


def test_symbolic_output_expressions_are_small():
    """The expressions stay readable: ResNet50's last feature map, from (None, H, W, 3)."""
    model = keras.applications.ResNet50(weights=None, include_top=False, input_shape=(None, None, 3))
    config = _with_input(json.loads(model.to_json()), [None, "H", "W", 3])
    report = shapecheck.analyze(config)
    out = report.to_dict()["outputs"][0]
    assert out[0] is None and out[3] == 2048
    for axis, sym in ((1, "H"), (2, "W")):
        assert sym in str(out[axis]) and len(str(out[axis])) < 80, out
        for size in (32, 33, 224, 225, 1000):
            # conv1 (7x7/2 after 3 padding), pool1 (3x3/2 after 1 padding), then three /2
            expected = (size + 6 - 7) // 2 + 1
            expected = (expected + 2 - 3) // 2 + 1
            for _ in range(3):
                expected = (expected - 1) // 2 + 1
            assert norm_dim(out[axis], {sym: size}) == expected
