"""keras.applications models (weights=None, default input size) read from their
Keras JSON configs: every layer's output shapes, weight shapes and params must equal
what Keras builds. Models with layers shapecheck has no rule for yet are listed apart."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

from differential import assert_no_mismatch, compare_report  # noqa: E402
from keras_oracle import keras_facts, keras_model_facts  # noqa: E402

import shapecheck  # noqa: E402

SUPPORTED = ["VGG16", "ResNet50", "ResNet50V2", "MobileNetV2", "MobileNetV3Small", "DenseNet121",
             "EfficientNetB0", "EfficientNetV2B0", "InceptionV3", "Xception", "NASNetMobile"]


@pytest.mark.parametrize("name", SUPPORTED)
def test_application_matches_keras(name, tmp_path):
    keras.backend.clear_session(free_memory=False)
    model = getattr(keras.applications, name)(weights=None)
    path = tmp_path / f"{name}.json"
    path.write_text(model.to_json())
    report = shapecheck.analyze(path)
    assert report.ok, [d.message for d in report.errors]
    facts = keras_facts(model)
    for layer, f in facts.items():
        # NASNet builds blocks inside backend.name_scope(...): a prefix of the variable
        # paths that the config does not record. The path from the layer name on is.
        f["weights"] = [(p[p.find(f"{layer}/"):] if f"{layer}/" in p else p, *rest)
                        for p, *rest in f["weights"]]
    got = report.to_dict()
    # Keras ops in the config (MobileNetV3's hard-sigmoid arithmetic) are graph nodes,
    # not layers of model.layers; the report lists them as type ops.<Op>.
    got["layers"] = [entry for entry in got["layers"] if not entry["type"].startswith("ops.")]
    expected = {"layers": facts, "model": keras_model_facts(model)}
    assert_no_mismatch({}, compare_report(got, expected), name)


def test_convnext_custom_layer_is_reported_not_run(tmp_path):
    """ConvNeXt's LayerScale is a class of keras.applications, not a layer Keras exports:
    reported (SC408), never imported; declarative custom rules come with the coverage issue."""
    keras.backend.clear_session(free_memory=False)
    model = keras.applications.ConvNeXtTiny(weights=None)
    path = tmp_path / "convnext.json"
    path.write_text(model.to_json())
    report = shapecheck.analyze(path)
    codes = {d.code for d in report.errors}
    assert codes == {"SC408"}
    assert any("LayerScale" in d.message for d in report.errors)
