"""What real Keras files hold that our own saves never did: tf.keras's one-element
lists, Keras 2's YAML, activation names Keras rejects, weights-only files in a folder.
Each case is checked against the Keras that wrote (or would refuse) the file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

import keras_corpus as KC  # noqa: E402
from differential import compare_report  # noqa: E402

import shapecheck  # noqa: E402
from shapecheck.cli import main  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _tf_keras():
    return pytest.importorskip("tf_keras")


@pytest.mark.parametrize("axis", [[3], [-1], [1]])
def test_tf_keras_batch_norm_axis_list(tmp_path, axis):
    """tf.keras writes BatchNormalization's axis as a list; Keras 3 would refuse it, the
    Keras that wrote it reads it."""
    K = _tf_keras()
    K.backend.clear_session()
    x = K.Input((6, 5, 3))
    y = K.layers.Conv2D(4, 3)(x)
    y = K.layers.BatchNormalization(axis=axis)(y)
    model = K.Model(x, y)
    text = model.to_json()
    assert json.loads(text)["config"]["layers"][-1]["config"]["axis"] == [a % 4 for a in axis]
    path = tmp_path / "m.json"
    path.write_text(text)
    rep = shapecheck.analyze(path).to_dict()
    assert compare_report(KC.positional_weights(rep), KC.tf_keras_facts(model)) == []


def _tf_keras_convolutions(K):
    """Every convolution tf.keras writes its base Conv's ``groups`` for (the separable ones
    also Conv's kernel_* arguments), though its own build and call never read them."""
    x = K.Input((12, 12, 4))
    y = K.layers.Conv2DTranspose(6, 3)(x)
    y = K.layers.DepthwiseConv2D(3, depth_multiplier=2)(y)
    y = K.layers.SeparableConv2D(6, 3)(y)
    z = K.layers.Reshape((100, 6))(y)
    z = K.layers.Conv1DTranspose(6, 3)(z)
    z = K.layers.DepthwiseConv1D(3)(z)
    z = K.layers.SeparableConv1D(6, 3)(z)
    v = K.layers.Reshape((4, 5, 5, 4))(K.layers.Dense(400)(K.layers.Flatten()(z)))
    v = K.layers.Conv3DTranspose(6, 2)(v)
    return K.Model(x, v)


def test_tf_keras_convolutions_base_class_arguments(tmp_path):
    """tf.keras writes Conv's ``groups`` for transposed, depthwise and separable convolutions,
    and Conv's kernel_* arguments for the separable ones: read as the layers it wrote,
    without a warning for each (a tf.keras MobileNet had one per depthwise layer)."""
    K = _tf_keras()
    K.backend.clear_session()
    model = _tf_keras_convolutions(K)
    configs = {layer["class_name"]: layer["config"] for layer in json.loads(model.to_json())["config"]["layers"]}
    assert all(c.get("groups") == 1 for name, c in configs.items() if "Conv" in name)
    assert "kernel_initializer" in configs["SeparableConv2D"]
    path = tmp_path / "m.json"
    path.write_text(model.to_json())
    report = shapecheck.analyze(path)
    assert report.diagnostics == ()
    assert compare_report(KC.positional_weights(report.to_dict()), KC.tf_keras_facts(model)) == []


def test_tf_keras_convolution_groups_other_than_one_are_warned():
    """A groups other than 1 on those layers, which tf.keras accepts and ignores, is still
    said to be ignored (SC407): the file asked for something the layer does not do."""
    K = _tf_keras()
    K.backend.clear_session()
    x = K.Input((12, 12, 4))
    model = K.Model(x, K.layers.Conv2DTranspose(6, 3, groups=2)(x))
    config = json.loads(model.to_json())
    report = shapecheck.analyze(config)
    assert [d.code for d in report.diagnostics] == ["SC407"]
    assert report.layers["conv2d_transpose"].output_shapes == tuple(
        tuple(s) for s in [model.layers[-1].output_shape])


def _yaml(body: str, tmp_path) -> Path:
    path = tmp_path / "model.yaml"
    path.write_text(body)
    return path


# What TF 2.2-2.5's model.to_yaml() wrote: tuples tagged, tracked lists as ListWrapper.
TF_YAML = """\
backend: tensorflow
class_name: Sequential
config:
  layers:
  - class_name: Conv2D
    config:
      activation: relu
      batch_input_shape: !!python/tuple [null, 28, 28, 1]
      filters: 8
      kernel_size: !!python/tuple [3, 3]
      name: conv2d
      strides: !!python/tuple [1, 1]
  - class_name: BatchNormalization
    config:
      axis: !!python/object/apply:tensorflow.python.training.tracking.data_structures.ListWrapper
      - - 3
      name: batch_normalization
  name: sequential
keras_version: 2.4.0
"""


def test_to_yaml_tags_read_as_lists(tmp_path):
    K = _tf_keras()
    K.backend.clear_session()
    model = K.Sequential([K.layers.Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)),
                          K.layers.BatchNormalization(axis=[3])])
    rep = shapecheck.analyze(_yaml(TF_YAML, tmp_path)).to_dict()
    assert rep["format"] == "keras2-yaml"
    assert compare_report(KC.positional_weights(rep), KC.tf_keras_facts(model)) == []


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system ['echo owned']",
    "!!python/object/new:subprocess.Popen [['echo', 'owned']]",
    "!!python/name:os.system",
    "!!python/object/apply:tensorflow.python.training.tracking.data_structures.ListWrapper "
    "[[1], {'x': !!python/object/apply:os.system ['echo owned']}]",
])
def test_python_object_tags_are_refused_never_built(tmp_path, tag):
    text = TF_YAML.replace("name: conv2d", f"name: {tag}")
    code = ("import sys, shapecheck\n"
            "sys.addaudithook(lambda e, a: e in ('os.system', 'subprocess.Popen') and sys.exit(99))\n"
            f"r = shapecheck.analyze({str(_yaml(text, tmp_path))!r})\n"
            "print(r.ok, [d.code for d in r.diagnostics])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False ['SC101']"


@pytest.mark.parametrize("name", ["relu7", "softmax_v2", "Relu", "hard_silu"])
def test_unknown_activation_names_fail_as_in_keras(tmp_path, name):
    """Keras 3 rejects names it does not know when it builds the layer; so does tf.keras
    (``softmax_v2`` is what TF 2.x wrote for tf.nn.softmax, and cannot load)."""
    spec = {"inputs": {"x": [None, 4]}, "layers": [{"type": "Dense", "units": 2, "activation": name}]}
    rep = shapecheck.analyze(spec)
    k3_fails = True
    try:
        keras.layers.Dense(2, activation=name)
    except ValueError:
        pass
    else:
        k3_fails = False
    assert (not rep.ok) == k3_fails
    if not rep.ok:
        assert rep.errors[0].code == "SC403" and name in rep.errors[0].message
    # the same name in a file tf.keras wrote
    K = _tf_keras()
    K.backend.clear_session()
    cfg = json.loads(K.Sequential([K.layers.Dense(2, input_shape=(4,))]).to_json())
    cfg["config"]["layers"][-1]["config"]["activation"] = name
    path = tmp_path / "m.json"
    path.write_text(json.dumps(cfg))
    try:
        K.models.model_from_json(json.dumps(cfg))
        tf_fails = False
    except (ValueError, TypeError):  # tf_keras wraps the ValueError in a TypeError
        tf_fails = True
    assert (not shapecheck.analyze(path).ok) == tf_fails


def test_keras_3_serialized_activation_function_is_read():
    layer = keras.layers.Dense(2, activation="gelu")
    cfg = keras.saving.serialize_keras_object(layer)["config"]
    spec = {"inputs": {"x": [None, 4]},
            "layers": [{"type": "Dense", "units": 2, "activation": {"module": "keras.activations",
                                                                     "class_name": "function",
                                                                     "config": "gelu"}}]}
    assert cfg["activation"] == "gelu"
    assert shapecheck.analyze(spec).ok
    spec["layers"][0]["activation"]["config"] = "gelu7"
    assert not shapecheck.analyze(spec).ok


def test_weights_only_h5_passes_the_hook_untouched(tmp_path, capsys):
    h5py = pytest.importorskip("h5py")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    weights = tmp_path / "m.weights.h5"
    model.save_weights(weights)
    legacy = tmp_path / "legacy_weights.h5"
    with h5py.File(legacy, "w") as f:
        f.attrs["layer_names"] = [b"dense"]
        f.create_group("dense").attrs["weight_names"] = [b"dense/kernel:0"]
    whole = tmp_path / "m.h5"
    model.save(whole)
    assert main(["--only-models", "-q", str(weights), str(legacy)]) == 0
    assert main([str(tmp_path), "-q"]) == 0  # a folder: the model is checked, weights left alone
    out = capsys.readouterr().out
    assert "1 file checked" in out
    assert main([str(weights), "-q"]) == 1  # named directly: not a model, and said so
    assert "SC102" in capsys.readouterr().out


def test_tf_keras_weight_names_are_reported(tmp_path):
    """A file tf.keras wrote: each weight also carries the name tf.keras gives it, which
    differs from Keras 3's path beyond ':0' for DepthwiseConv, TimeDistributed and the
    layers of a nested model."""
    K = _tf_keras()
    K.backend.clear_session()
    inner = K.Sequential([K.layers.Dense(3, input_shape=(4,))], name="inner")
    x = K.Input((5, 6, 6, 2), name="x")
    y = K.layers.TimeDistributed(K.layers.DepthwiseConv2D(3), name="td")(x)
    y = K.layers.TimeDistributed(K.layers.Flatten())(y)
    y = K.layers.Bidirectional(K.layers.GRU(4))(y)
    y = K.layers.Dense(4)(y)
    y = inner(y)
    model = K.Model(x, y)
    path = tmp_path / "m.json"
    path.write_text(model.to_json())
    rep = shapecheck.analyze(path).to_dict()
    ours = [w["tf_keras_path"] for layer in rep["layers"] for w in layer["weights"]]
    theirs = [w.name for layer in model.layers for w in layer.weights]
    assert ours == theirs
    assert "td/depthwise_kernel:0" in ours and "dense/kernel:0" in ours  # inner: no model prefix
    keras_paths = [w["path"] for layer in rep["layers"] for w in layer["weights"]]
    assert "td/depthwise_conv2d/kernel" in keras_paths and "inner/dense/kernel" in keras_paths


def _without_ops(rep: dict) -> dict:
    rep = dict(rep)
    rep["layers"] = [l for l in rep["layers"] if not l["type"].startswith("ops.")]
    return rep


def test_keras3_ops_without_rules_use_the_recorded_shapes(tmp_path):
    """Keras 3 writes each keras.ops call as a node, and each tensor's shape where it is
    consumed: an op shapecheck has no rule for takes that shape (SC411), and the layers
    after it are checked exactly."""
    from keras_oracle import keras_facts, keras_model_facts

    keras.backend.clear_session(free_memory=False)
    x = keras.Input((10, 8), name="x")
    h = keras.layers.LSTM(4, return_sequences=True)(keras.layers.Masking()(x))
    y = keras.ops.rfft(h)[0]  # no rule: a real-valued FFT's half spectrum, (None, 10, 3)
    y = keras.layers.Dense(3)(keras.ops.reshape(y, (-1, 30)))
    model = keras.Model(x, y)
    path = tmp_path / "m.json"
    path.write_text(model.to_json())
    report = shapecheck.analyze(path)
    assert report.ok
    recorded = [d for d in report.diagnostics if d.code == "SC411"]
    assert recorded and all("recorded in the file as the input of" in d.message for d in recorded)
    assert {report.layers[d.layer].status for d in recorded} == {"recorded"}
    expected = {"layers": keras_facts(model), "model": keras_model_facts(model)}
    assert compare_report(_without_ops(report.to_dict()), expected) == []
    # Only a layer without a rule carries the file's record; a config whose every layer
    # has one is not searched for it.
    from shapecheck.reading import keras_config, keras_nodes, text

    spec, _ = keras_config.to_spec(text.load(path.read_text(), str(path), json=True)[0], str(path), "keras-json")
    carried = {entry["type"] for entry in spec["layers"] if "recorded_shapes" in entry}
    assert carried == {"ops.RFFT"}  # not the Reshape op, nor the layers, which have rules
    searched = []
    real = keras_nodes.recorded_shapes
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keras_nodes, "recorded_shapes", lambda *a: searched.append(1) or real(*a))
        ruled = keras.Model(x, keras.layers.Dense(3)(h))
        assert shapecheck.analyze(json.loads(ruled.to_json())).ok and searched == []
        assert shapecheck.analyze(path).ok and searched == [1]


def test_tf_keras_op_layers_use_build_config_shapes(tmp_path):
    """tf.keras 2.13+ writes each layer's input shape in its build_config: a TFOpLambda's
    output shape is its consumer's input shape. The op layers are reported as the class
    tf_keras gives them."""
    K = _tf_keras()
    import tensorflow as tf

    K.backend.clear_session()
    x = K.Input((10, 8), name="x")
    h = K.layers.LSTM(4, return_sequences=True)(x)
    y = K.layers.Dense(3)(tf.math.reduce_mean(h, axis=1) + 1.0)
    model = K.Model(x, y)
    path = tmp_path / "m.json"
    path.write_text(model.to_json())
    rep = shapecheck.analyze(path).to_dict()
    assert rep["ok"]
    assert [l["type"] for l in rep["layers"]][2:4] == ["TFOpLambda", "TFOpLambda"]
    assert compare_report(KC.positional_weights(rep), KC.tf_keras_facts(model)) == []


def test_tf_keras_add_loss_layers_and_constant_operands(tmp_path):
    """A functional model given add_loss / add_metric (a variational autoencoder) is saved
    with its AddLoss and AddMetric layers and the loss's TFOpLambda layers, which no output
    needs; ``1 + t`` records its constant where a tensor would be (``_CONSTANT_VALUE``).
    Keras builds what the file says: the encoder's inner layers the loss uses are layers of
    the model too, loaded as layers of their own, so their weights count twice."""
    K = _tf_keras()
    import tensorflow as tf  # noqa: F401  (tf_keras's dispatch)

    K.backend.clear_session()
    x = K.Input((8,))
    h = K.layers.Dense(6)(x)
    z_mean, z_log_var = K.layers.Dense(2, name="z_mean")(h), K.layers.Dense(2, name="z_log_var")(h)
    encoder = K.Model(x, [z_mean, z_log_var], name="encoder")
    decoded = K.layers.Dense(8, activation="sigmoid")(encoder(x)[0])
    vae = K.Model(x, decoded)
    kl = -0.5 * K.backend.sum(1 + z_log_var - K.backend.square(z_mean) - K.backend.exp(z_log_var), axis=-1)
    vae.add_loss(K.backend.mean(K.losses.binary_crossentropy(x, decoded) + kl))
    vae.add_metric(K.backend.mean(kl), name="kl", aggregation="mean")
    text = vae.to_json()
    assert '"_CONSTANT_VALUE"' in text and '"AddMetric"' in text
    path = tmp_path / "vae.json"
    path.write_text(text)
    rep = shapecheck.analyze(path).to_dict()
    loaded = K.models.model_from_json(text)
    assert compare_report(KC.positional_weights(rep), KC.tf_keras_facts(loaded)) == []
    assert rep["total_params"] == loaded.count_params() == vae.count_params() + encoder.count_params()


def test_tf_keras_einsum_saved_without_its_operands_fails_as_keras_loading_it(tmp_path):
    """tf.einsum(equation, *inputs): tf.keras 2 records the equation where the first tensor
    would be and drops the operands, so the file it writes cannot be loaded."""
    K = _tf_keras()
    import tensorflow as tf

    K.backend.clear_session()
    a, b = K.Input((3, 4)), K.Input((4, 5))
    text = K.Model([a, b], tf.einsum("bij,bjk->bik", a, b)).to_json()
    with pytest.raises(ValueError, match='Got 0 inputs for equation "bij,bjk->bik", expecting 2'):
        K.models.model_from_json(text)
    path = tmp_path / "einsum.json"
    path.write_text(text)
    (found,) = shapecheck.analyze(path).errors
    assert found.code == "SC206" and found.layer == "tf.einsum"
    assert found.message.startswith('Got 0 inputs for equation "bij,bjk->bik", expecting 2')


def test_a_custom_class_stays_an_error_but_the_rest_is_checked(tmp_path):
    """Keras cannot build a custom class without its code (SC408); the shape the file
    records still lets shapecheck check the layers after it, and a mistake there."""
    cfg = json.loads(keras.Sequential([keras.Input((6,)), keras.layers.Dense(5),
                                       keras.layers.Dense(2)]).to_json())
    layers = cfg["config"]["layers"]
    cfg = {"module": "keras", "class_name": "Functional", "config": {
        "name": "m", "input_layers": [["x", 0, 0]], "output_layers": [["d2", 0, 0]], "layers": [
            {"module": "keras.layers", "class_name": "InputLayer", "name": "x",
             "config": {"batch_shape": [None, 6], "dtype": "float32", "name": "x"}, "inbound_nodes": []},
            {"module": "mypkg.layers", "class_name": "Scale", "name": "scale", "config": {"name": "scale"},
             "inbound_nodes": [{"args": [KC._k3_tensor("x", [None, 6])], "kwargs": {}}]},
            {**layers[1], "name": "d2", "config": {**layers[1]["config"], "name": "d2"},
             "inbound_nodes": [{"args": [KC._k3_tensor("scale", [None, 6])], "kwargs": {}}]},
        ]}}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(cfg))
    rep = shapecheck.analyze(path)
    assert [d.code for d in rep.errors] == ["SC408"]
    assert "(None, 6)" in rep.errors[0].message
    assert rep.layers["d2"].output_shapes == ((None, 5),) and rep.layers["d2"].params == 35


def _pb_field(number: int, payload: bytes) -> bytes:
    def varint(n: int) -> bytes:
        out = b""
        while True:
            byte, n = n & 0x7F, n >> 7
            out += bytes([byte | (0x80 if n else 0)])
            if not n:
                return out
    return varint(number << 3 | 2) + varint(len(payload)) + payload


@pytest.mark.parametrize("name, data, code", [
    ("garbage", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "SC101"),
    ("length past the end", b"\x0a\xff\xff\xff\x7f" + b"x" * 10, "SC101"),
    ("no root", _pb_field(1, _pb_field(3, b"root.layer-0")), "SC102"),
    ("root not JSON", _pb_field(1, _pb_field(3, b"root") + _pb_field(5, b"{not json")), "SC101"),
    ("subclassed", _pb_field(1, _pb_field(3, b"root") + _pb_field(5, b'{"class_name": "MyModel"}')), "SC102"),
    ("empty", b"", "SC102"),
])
def test_damaged_saved_models_are_findings(tmp_path, name, data, code):
    folder = tmp_path / "sm"
    folder.mkdir()
    (folder / "saved_model.pb").write_bytes(b"")
    (folder / "keras_metadata.pb").write_bytes(data)
    report = shapecheck.analyze(folder)
    assert report.format == "keras-savedmodel" and [d.code for d in report.errors] == [code]


def test_saved_model_without_keras_metadata(tmp_path, capsys):
    folder = tmp_path / "models" / "graph_only"
    folder.mkdir(parents=True)
    (folder / "saved_model.pb").write_bytes(b"\x08\x01")
    assert [d.code for d in shapecheck.analyze(folder).errors] == ["SC102"]
    K = _tf_keras()
    K.backend.clear_session()
    model = K.Sequential([K.layers.Dense(3, input_shape=(4,))])
    model.save(tmp_path / "models" / "nested" / "sm", save_format="tf")
    # a folder of models: each SavedModel is one model, its inner files are not walked
    assert main([str(tmp_path / "models"), "-q"]) == 1
    out = capsys.readouterr().out
    assert "graph_only" in out and "of 2 files" in out


# A Keras 1 model as Keras 1.2 saved it, and the same model written by hand in Keras 2's
# names: Keras 2 loaded the first as the second (its legacy interfaces).
KERAS1 = {"class_name": "Model", "keras_version": "1.2.2", "config": {
    "name": "k1", "input_layers": [["img", 0, 0]], "output_layers": [["out", 0, 0]], "layers": [
        {"class_name": "InputLayer", "name": "img", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 3, 32, 32], "name": "img", "input_dtype": "float32"}},
        {"class_name": "Convolution2D", "name": "c1", "inbound_nodes": [[["img", 0, 0]]],
         "config": {"name": "c1", "nb_filter": 8, "nb_row": 3, "nb_col": 5, "border_mode": "same",
                    "subsample": [2, 2], "dim_ordering": "th", "init": "glorot_uniform", "bias": True,
                    "W_regularizer": None, "activation": "relu"}},
        {"class_name": "Convolution2D", "name": "c2", "inbound_nodes": [[["img", 0, 0]]],
         "config": {"name": "c2", "nb_filter": 8, "nb_row": 1, "nb_col": 1, "border_mode": "valid",
                    "subsample": [2, 2], "dim_ordering": "th", "activation": "linear"}},
        {"class_name": "Merge", "name": "m", "inbound_nodes": [[["c1", 0, 0], ["c2", 0, 0]]],
         "config": {"name": "m", "mode": "concat", "concat_axis": 1, "output_shape": None,
                    "mode_type": "raw"}},
        {"class_name": "MaxPooling2D", "name": "p", "inbound_nodes": [[["m", 0, 0]]],
         "config": {"name": "p", "pool_size": [2, 2], "border_mode": "valid", "dim_ordering": "th"}},
        {"class_name": "Flatten", "name": "f", "inbound_nodes": [[["p", 0, 0]]], "config": {"name": "f"}},
        {"class_name": "Dropout", "name": "d", "inbound_nodes": [[["f", 0, 0]]], "config": {"name": "d", "p": 0.5}},
        {"class_name": "Dense", "name": "out", "inbound_nodes": [[["d", 0, 0]]],
         "config": {"name": "out", "output_dim": 10, "init": "glorot_uniform", "activation": "softmax"}},
    ]}}


def test_keras1_configs_read_as_keras2_read_them(tmp_path):
    K = _tf_keras()
    K.backend.clear_session()
    img = K.Input(batch_shape=(None, 3, 32, 32), name="img")
    c1 = K.layers.Conv2D(8, (3, 5), strides=2, padding="same", data_format="channels_first",
                         activation="relu", name="c1")(img)
    c2 = K.layers.Conv2D(8, 1, strides=2, data_format="channels_first", name="c2")(img)
    m = K.layers.Concatenate(axis=1, name="m")([c1, c2])
    p = K.layers.MaxPooling2D(2, data_format="channels_first", name="p")(m)
    out = K.layers.Dense(10, activation="softmax", name="out")(K.layers.Dropout(0.5, name="d")(
        K.layers.Flatten(name="f")(p)))
    model = K.Model(img, out)
    path = tmp_path / "k1.json"
    path.write_text(json.dumps(KERAS1))
    report = shapecheck.analyze(path)
    assert report.ok and [d.code for d in report.diagnostics] == ["SC116"]
    rep = report.to_dict()
    assert compare_report(KC.positional_weights(rep), KC.tf_keras_facts(model)) == []
