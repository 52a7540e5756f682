"""keras.applications' builders called in a file (shapecheck/reading/python/applications.py):
the reader follows the builder in the installed Keras's own source, never importing it,
and the backbone and the model around it must be what Keras builds, layer by layer, with
the backbone frozen or not. Keras runs each program with ``weights=None`` (the same
shapes, no download); the reader reads it as written, ``weights="imagenet"``."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

import python_oracle as oracle  # noqa: E402
from helpers import run_program  # noqa: E402

import shapecheck.api as api  # noqa: E402
from shapecheck.reading.python import applications  # noqa: E402

# keras.io's "Transfer learning & fine-tuning" guide (keras-team/keras-io,
# guides/transfer_learning.py; Apache-2.0): an end-to-end example on Xception.
XCEPTION = '''
import keras

base_model = keras.applications.Xception(
    weights="imagenet",  # Load weights pre-trained on ImageNet.
    input_shape=(150, 150, 3),
    include_top=False,
)  # Do not include the ImageNet classifier at the top.

# Freeze the base_model
base_model.trainable = False

# Create new model on top
inputs = keras.Input(shape=(150, 150, 3))

# Pre-trained Xception weights requires that input be scaled
# from (0, 255) to a range of (-1., +1.), the rescaling layer
# outputs: `(inputs * scale) + offset`
scale_layer = keras.layers.Rescaling(scale=1 / 127.5, offset=-1)
x = scale_layer(inputs)

# The base model contains batchnorm layers. We want to keep them in inference mode
# when we unfreeze the base model for fine-tuning, so we make sure that the
# base_model is running in inference mode here.
x = base_model(x, training=False)
x = keras.layers.GlobalAveragePooling2D()(x)
x = keras.layers.Dropout(0.2)(x)  # Regularize with dropout
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
'''

# keras.io's "Keypoint detection with transfer learning" (Keras 3; Apache-2.0): a frozen
# MobileNetV2 behind its own preprocess_input, in a builder function.
KEYPOINTS = '''
import keras
from keras import layers

IMG_SIZE = 224
NUM_KEYPOINTS = 24 * 2


def get_model():
    # Load the pre-trained weights of MobileNetV2 and freeze the weights
    backbone = keras.applications.MobileNetV2(
        weights="imagenet",
        include_top=False,
        input_shape=(IMG_SIZE, IMG_SIZE, 3),
    )
    backbone.trainable = False

    inputs = layers.Input((IMG_SIZE, IMG_SIZE, 3))
    x = keras.applications.mobilenet_v2.preprocess_input(inputs)
    x = backbone(x)
    x = layers.Dropout(0.3)(x)
    x = layers.SeparableConv2D(
        NUM_KEYPOINTS, kernel_size=5, strides=1, activation="relu"
    )(x)
    outputs = layers.SeparableConv2D(
        NUM_KEYPOINTS, kernel_size=3, strides=1, activation="sigmoid"
    )(x)

    return keras.Model(inputs, outputs, name="keypoint_detector")


model = get_model()
'''

# A backbone's own tensors as the model's: keras.Model(base.input, ...) holds every one of
# its layers.
FLATTENED = '''
import keras
from keras import layers

base = keras.applications.VGG16(include_top=False, weights="imagenet", input_shape=(64, 64, 3))
for layer in base.layers[:-4]:
    layer.trainable = False
x = layers.GlobalAveragePooling2D()(base.output)
model = keras.Model(base.input, layers.Dense(3, activation="softmax")(x))
'''


# An inner layer's output as the head's input (feature extraction), as keras.io's
# DeepLabV3+ and many fine-tuning scripts take it.
INNER = '''
import keras
from keras import layers

base = keras.applications.VGG16(include_top=False, weights="imagenet", input_shape=(96, 96, 3))
features = base.get_layer("block4_pool").output
x = layers.Conv2D(64, 1, activation="relu")(features)
x = layers.GlobalMaxPooling2D()(x)
model = keras.Model(inputs=base.input, outputs=layers.Dense(10)(x))
'''


# A backbone built on the model's own tensor (input_tensor=): its layers begin at the
# file's Input, the rescaling included, as Keras's builder takes get_source_inputs.
INPUT_TENSOR = '''
import keras
from keras import layers

inputs = keras.Input(shape=(128, 128, 3))
x = layers.Rescaling(1.0 / 255)(inputs)
base = keras.applications.ResNet50(include_top=False, weights="imagenet", input_tensor=x)
base.trainable = False
y = layers.GlobalAveragePooling2D()(base.output)
model = keras.Model(inputs, layers.Dense(3)(y))
'''


def _keras3(source: str) -> dict:
    scope = run_program(keras, source.replace('weights="imagenet"', "weights=None"))
    model = scope["model"]
    layers = {}
    for layer in model.layers:
        if type(layer).__name__ != "InputLayer":
            outs = layer._inbound_nodes[0].output_tensors
            layers[layer.name] = ([tuple(t.shape) for t in outs], layer.count_params())
    trainable = sum(int(v.numpy().size) for v in model.trainable_weights)
    return {"name": model.name, "layers": layers, "total": model.count_params(), "trainable": trainable}


@pytest.mark.parametrize("name, source", [("xception", XCEPTION), ("keypoints", KEYPOINTS),
                                          ("flattened", FLATTENED), ("inner", INNER),
                                          ("input_tensor", INPUT_TENSOR)])
def test_a_model_on_a_keras_applications_backbone_matches_keras(name, source, tmp_path):
    expected = _keras3(source)
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    reports = {r.model: r for r in api.analyze_python(str(path))}
    report = reports[expected["name"]]
    assert report.ok and not report.diagnostics, [f"{d.code} {d.message}" for d in report.diagnostics]
    ours = {l.name: ([tuple(s) for s in l.output_shapes], l.params) for l in report.layers.values()
            if l.type != "InputLayer" and not l.type.startswith("ops.")}
    assert ours == expected["layers"]
    assert (report.total_params, report.trainable_params) == (expected["total"], expected["trainable"])


def test_a_backbone_is_a_model_of_its_own_standing_at_the_call(tmp_path):
    path = tmp_path / "xception.py"
    path.write_text(XCEPTION)
    keras.backend.clear_session(free_memory=False)
    base = keras.applications.Xception(weights=None, input_shape=(150, 150, 3), include_top=False)
    reports = {r.model: r for r in api.analyze_python(str(path))}
    report = reports[base.name]
    assert len(report.layers) == len(base.layers) and report.total_params == base.count_params()
    assert report.trainable_params == 0  # base_model.trainable = False
    call_line = XCEPTION.splitlines().index("base_model = keras.applications.Xception(") + 1
    assert {layer.location.line for layer in report.layers.values()} == {call_line}


def test_tf_keras_applications_are_read_in_tf_keras(tmp_path):
    source = textwrap.dedent('''
        from tensorflow import keras
        from tensorflow.keras.applications import ResNet50V2, EfficientNetB0
        from tensorflow.keras.applications.resnet_v2 import preprocess_input

        base = ResNet50V2(include_top=False, weights=None, input_shape=(224, 224, 3))
        base.trainable = False
        inputs = keras.Input(shape=(224, 224, 3))
        x = preprocess_input(inputs)
        x = base(x, training=False)
        x = keras.layers.GlobalAveragePooling2D()(x)
        outputs = keras.layers.Dense(5, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        classifier = EfficientNetB0(include_top=True, weights=None, classes=10)
    ''')
    path = tmp_path / "model.py"
    path.write_text(source)
    facts = {m["name"]: m for m in oracle.run_file(path, flavour="tf.keras")["models"]}
    reports = {r.model: r for r in api.analyze_python(str(path), dialect="keras2")}
    assert set(reports) == set(facts) == {"resnet50v2", "model", "efficientnetb0"}
    for name, report in reports.items():
        assert report.ok, name
        assert (report.total_params, report.trainable_params) == \
            (facts[name]["total_params"], facts[name]["trainable_params"]), name
    # tf_keras's TFOpLambda layers of preprocess_input, and the nested backbone
    assert {l["name"]: (l["output_shapes"], l["params"]) for l in facts["model"]["layers"]} == \
        {l.name: ([list(s) for s in l.output_shapes], l.params) for l in reports["model"].layers.values()}


def test_without_keras_installed_the_backbone_is_not_followed_and_that_is_said(tmp_path, monkeypatch):
    monkeypatch.setattr(applications, "_folder", lambda package: None)
    path = tmp_path / "xception.py"
    path.write_text(XCEPTION)
    (report,) = api.analyze_python(str(path))
    (said,) = [d for d in report.diagnostics if d.code == "SC601"]
    assert "keras.applications.Xception is not followed: shapecheck reads it in the keras installed " \
        "beside it, and there is none" in said.message


def test_reading_a_backbone_imports_no_keras(tmp_path):
    path = tmp_path / "xception.py"
    path.write_text(XCEPTION)
    code = ("import sys\nfrom shapecheck import api\nreports = api.analyze_python(sys.argv[1])\n"
            "assert len(reports) == 2 and all(r.ok for r in reports)\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow', 'tf_keras'))\n"
            "assert not loaded, loaded\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
