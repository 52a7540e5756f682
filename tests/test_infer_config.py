"""``shapecheck infer-config``: from stored weight shapes back to a spec.

Round trips: small models are built in Keras 3 (and tf_keras), saved as a Keras 3
``.weights.h5``, a ``.keras`` archive, a Keras 3 legacy ``.h5`` and tf_keras ``.h5``
files (whole model and save_weights); the inferred layers must have the original's type
and inferable arguments, account for exactly the weights Keras lists, and list what
weights cannot tell; shapecheck on the written YAML must give exactly the stored shapes.
Hostile files give a diagnostic and exit 1, never a traceback.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.keras
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras")
h5py = pytest.importorskip("h5py")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import shapecheck  # noqa: E402
from shapecheck.commands.infer_config import main  # noqa: E402
from shapecheck.diagnostics import CATALOGUE  # noqa: E402
from shapecheck.infer_config import Inference, InferredLayer, infer_file, to_spec_yaml  # noqa: E402

_RNN = ("LSTM", "GRU", "SimpleRNN")


# --------------------------------------------------------------------------- models


def recurrent_model(K):
    L = K.layers
    x = K.Input((6, 5))
    h = L.LSTM(4, return_sequences=True)(x)
    h = L.LSTM(3, use_bias=False, return_sequences=True)(h)
    h = L.GRU(3, reset_after=True, return_sequences=True)(h)
    h = L.GRU(2, reset_after=False, return_sequences=True)(h)
    h = L.GRU(2, use_bias=False, return_sequences=True)(h)
    h = L.SimpleRNN(3, return_sequences=True)(h)
    h = L.Bidirectional(L.LSTM(2, return_sequences=True))(h)
    h = L.Bidirectional(L.LSTM(2, return_sequences=True),
                        backward_layer=L.GRU(3, return_sequences=True, go_backwards=True))(h)
    h = L.SimpleRNN(2, use_bias=False)(h)
    return K.Model(x, L.Dense(2, activation="relu")(h))


def conv_model(K):
    L = K.layers
    a = K.Input((9, 9, 4))
    y = L.Conv2D(4, 3)(a)
    y = L.Conv2D(6, (2, 1), use_bias=False, groups=2, strides=2)(y)
    y = L.Conv2DTranspose(3, 2, padding="same")(y)
    y = L.BatchNormalization()(y)
    y = L.BatchNormalization(center=False)(y)
    b = K.Input((10, 4))
    z = L.Conv1D(5, 3, activation="relu")(b)
    z = L.Conv1DTranspose(2, 2)(z)
    z = L.BatchNormalization(center=False, scale=False)(z)
    c = K.Input((5, 5, 5, 2))
    v = L.Conv3D(2, 2)(c)
    v = L.Conv3DTranspose(3, (1, 2, 3), use_bias=False)(v)
    return K.Model([a, b, c], [y, z, v])


def embedding_model(K):
    L = K.layers
    ids = K.Input((7,), dtype="int32")
    h = L.Embedding(20, 6)(ids)
    h = L.LSTM(5, return_sequences=True)(h)
    h = L.TimeDistributed(L.Dense(3))(h)
    h = L.LayerNormalization(scale=False)(h)
    h = L.Dropout(0.1)(h)
    h = L.Dense(4, use_bias=False)(h)
    h = L.LayerNormalization()(h)
    return K.Model(ids, h)


def separable_model(K):
    L = K.layers
    a = K.Input((12, 12, 3))
    y = L.DepthwiseConv2D(3, depth_multiplier=2)(a)
    y = L.SeparableConv2D(5, (3, 2), strides=2, depth_multiplier=3)(y)
    y = L.SeparableConv2D(4, 1, use_bias=False, padding="same")(y)
    y = L.DepthwiseConv2D((2, 1), use_bias=False)(y)
    b = K.Input((16, 4))
    z = L.DepthwiseConv1D(3, depth_multiplier=1)(b)
    z = L.SeparableConv1D(6, 5, depth_multiplier=2, dilation_rate=2)(z)
    return K.Model([a, b], [y, z])


MODELS = {"recurrent": recurrent_model, "conv": conv_model, "embedding": embedding_model,
          "separable": separable_model}


def _save(model, flavor: str, variant: str, path: Path) -> Path:
    """weights: save_weights (Keras 3's .weights.h5, tf_keras's .h5); keras: the .keras
    archive; h5: the legacy whole-model file."""
    suffix = {"weights": ".weights.h5" if flavor == "k3" else ".h5", "keras": ".keras", "h5": ".h5"}[variant]
    path = path.with_suffix(suffix)
    if variant == "weights":
        model.save_weights(path)
    else:
        model.save(path)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each model, built with Keras 3 and tf_keras, saved in each variant:
    {(model, flavor): (model, {variant: path})}."""
    root = tmp_path_factory.mktemp("infer")
    out = {}
    flavors = [("k3", keras, ("weights", "keras", "h5"))]
    try:
        import tf_keras

        flavors.append(("k2", tf_keras, ("weights", "h5")))
    except ImportError:
        pass
    for flavor, K, variants in flavors:
        for name, build in MODELS.items():
            model = build(K)
            out[(name, flavor)] = (model, {v: _save(model, flavor, v, root / f"{name}-{flavor}-{v}")
                                           for v in variants})
    return out


CASES = [(m, "k3", v) for m in MODELS for v in ("weights", "keras", "h5")] + \
    [(m, "k2", v) for m in MODELS for v in ("weights", "h5")]


# --------------------------------------------------------------------------- checks


def _norm(value):
    if isinstance(value, (list, tuple)):
        return tuple(_norm(v) for v in value)
    return value


def _whats(layer: InferredLayer) -> set[str]:
    return {a.what for a in layer.ambiguities}


def _check_args(inferred: dict, config: dict, skip: set[str], prefix: str = "") -> None:
    """Each argument inferred (not one an ambiguity names) equals the original's."""
    for key, value in inferred.items():
        if f"{prefix}{key}" in skip or key == "type":
            continue
        if key == "name" and prefix and value in (f"forward_{config[key]}", f"backward_{config[key]}") or \
                key == "name" and prefix == "layer." and config[key] == f"forward_{value}":
            # Keras 3 saves a Bidirectional's forward copy, named forward_<name>; tf_keras
            # renames a backward_layer backward_<name>
            continue
        if key in ("layer", "backward_layer"):
            sub = config[key]
            assert value["type"] == sub["class_name"], (key, value, sub)
            _check_args(value, sub["config"], skip, f"{key}.")
        else:
            assert _norm(value) == _norm(config[key]), (prefix + key, value, config[key])


def check_layer(inferred: InferredLayer, layer) -> None:
    assert inferred.type == type(layer).__name__, (inferred.name, inferred.type, type(layer).__name__)
    _check_args(inferred.args, layer.get_config(), _whats(inferred))
    # exactly the weights Keras lists, in its order
    assert [w.shape for w in inferred.weights] == [tuple(v.shape) for v in layer.weights], inferred.name
    features = layer.input.shape[-1]
    if inferred.type == "Embedding":
        assert inferred.in_features is None
    elif "groups" in _whats(inferred):
        assert inferred.in_features * layer.get_config()["groups"] == features
    else:
        assert inferred.in_features == features, inferred.name
    # what weights cannot tell is listed, not guessed
    whats = _whats(inferred)
    if inferred.graph is not None:  # a model as a layer: its layers are checked one by one
        assert "inner connections" in whats
        return
    expected = {
        "Dense": {"activation"}, "Embedding": {"mask_zero"},
        "LSTM": {"activation", "return_sequences", "return_state"}, "GRU": {"return_sequences"},
        "SimpleRNN": {"return_sequences"},
        "Bidirectional": {"merge_mode", "layer.return_sequences", "layer.activation"},
        "Conv1D": {"strides", "padding", "dilation_rate", "groups", "activation"},
        "Conv2D": {"strides", "padding", "groups"}, "Conv3D": {"strides", "padding"},
        "Conv1DTranspose": {"strides", "padding", "output_padding"},
        "Conv2DTranspose": {"output_padding"}, "Conv3DTranspose": {"output_padding"},
        "BatchNormalization": {"axis"}, "LayerNormalization": {"axis"},
        "TimeDistributed": {"layer.activation"},
        **{f"{kind}Conv{n}D": {"strides", "padding", "dilation_rate", "activation"}
           for kind in ("Depthwise", "Separable") for n in (1, 2)},
    }[inferred.type]
    assert expected <= whats, (inferred.name, expected - whats)
    if inferred.type == "GRU" and not inferred.args["use_bias"]:
        assert "reset_after" in whats


def check_spec(inference: Inference) -> None:
    """shapecheck on the YAML written gives exactly the stored shapes, layer by layer."""
    # SC118 (info): the file holds its config too (a whole-model .h5, a .keras archive)
    assert inference.ok and all(d.code == "SC118" for d in inference.diagnostics), \
        [d.message for d in inference.diagnostics]
    text = to_spec_yaml(inference)
    assert text.startswith("# Inferred by `shapecheck infer-config`")
    report = shapecheck.api.analyze_bytes(text.encode(), "inferred.yaml")
    # SC307: Keras's static shape of a Bidirectional whose directions differ in width is
    # wrong; shapecheck says so for the original model too
    assert all(d.code == "SC307" for d in report.diagnostics), [d.message for d in report.diagnostics]
    for layer in inference.layers:
        assert [w.shape for w in report.layers[layer.name].weights] == [w.shape for w in layer.weights]
    assert "connections" in {a.what for a in inference.ambiguities}


def _flatten(layers):
    for layer in layers:
        yield layer
        if layer.graph is not None:
            yield from _flatten(layer.graph.layers)


def check_round_trip(inference: Inference, model) -> None:
    check_spec(inference)
    by_name = {layer.name: layer for layer in _flatten(inference.layers)}
    originals = [layer for layer in model.layers if layer.weights]
    assert sorted(by_name) == sorted(layer.name for layer in originals)
    for layer in originals:
        check_layer(by_name[layer.name], layer)


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("model_name,flavor,variant", CASES, ids=["-".join(c) for c in CASES])
def test_round_trip(built, model_name, flavor, variant):
    if (model_name, flavor) not in built:
        pytest.skip("tf_keras is not installed")
    model, paths = built[(model_name, flavor)]
    inference = infer_file(paths[variant])
    assert inference.layout == ("keras3" if flavor == "k3" and variant != "h5" else "legacy")
    check_round_trip(inference, model)
    assert any(d.code == "SC118" for d in inference.diagnostics) == (variant in ("keras", "h5"))
    whats = {a.what for a in inference.ambiguities}
    assert ("layer order" in whats) == (inference.layout == "keras3")
    if model_name == "embedding":  # Dropout has no weights: left out, and said
        assert any("dropout" in name for name in inference.omitted)


def test_legacy_files_keep_the_order_and_the_chain(built):
    """A legacy file records the layer order, so a chain of layers comes back as one,
    with return_sequences set where the next layer needs a sequence."""
    if ("recurrent", "k2") not in built:
        pytest.skip("tf_keras is not installed")
    model, paths = built[("recurrent", "k2")]
    inference = infer_file(paths["h5"])
    names = [layer.name for layer in model.layers if layer.weights]
    assert [layer.name for layer in inference.layers] == names
    assert len(inference.graph.inputs) == 1
    for previous, layer in zip(inference.layers, inference.layers[1:]):
        assert layer.inputs == (previous.name,)
    by_name = {layer.name: layer for layer in inference.layers}
    for layer in model.layers[1:-2]:  # every recurrent layer but the last returns sequences
        args = by_name[layer.name].args
        args = args["layer"] if "layer" in args else args
        assert args.get("return_sequences") is True, layer.name


def test_bidirectional_backward_layer_and_merge_mode(built):
    model, paths = built[("recurrent", "k3")]
    inference = infer_file(paths["weights"])
    bis = [layer for layer in inference.layers if layer.type == "Bidirectional"]
    assert len(bis) == 2
    plain, mixed = sorted(bis, key=lambda b: "backward_layer" in b.args)
    assert "backward_layer" not in plain.args and plain.out_features == 4
    assert mixed.args["backward_layer"]["type"] == "GRU" and mixed.out_features == 5
    for b in bis:
        [merge] = [a for a in b.ambiguities if a.what == "merge_mode"]
        assert merge.chosen == "Keras's default (concat)" and merge.keras_default == "concat"


@pytest.mark.parametrize("mode", ["ave", "sum", "mul"])
def test_merge_mode_is_told_by_the_next_layers_width(tmp_path, mode):
    L = keras.layers
    x = keras.Input((5, 3))
    h = L.Bidirectional(L.GRU(4, return_sequences=True), merge_mode=mode)(x)
    h = L.Bidirectional(L.LSTM(2), merge_mode="concat")(h)
    model = keras.Model(x, L.Dense(6)(h))
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    inference = infer_file(path)
    check_round_trip(inference, model)
    first, second = [layer for layer in inference.layers if layer.type == "Bidirectional"]
    [merge] = [a for a in first.ambiguities if a.what == "merge_mode"]
    assert first.args["merge_mode"] == "sum" and first.out_features == 4
    assert merge.chosen == "sum" and "sum, ave or mul" in merge.why
    assert "merge_mode" not in second.args and second.out_features == 4  # the Dense takes both: concat
    assert [layer.inputs for layer in inference.graph.layers][1:] == [(first.name,), (second.name,)]


def test_gru_reset_after_from_the_bias(built):
    model, paths = built[("recurrent", "k3")]
    inference = infer_file(paths["keras"])
    grus = {layer.name: layer for layer in inference.layers if layer.type == "GRU"}
    originals = {layer.name: layer.get_config() for layer in model.layers if type(layer).__name__ == "GRU"}
    for name, config in originals.items():
        if config["use_bias"]:
            assert grus[name].args["reset_after"] == config["reset_after"]
        else:
            assert "reset_after" not in grus[name].args and "reset_after" in _whats(grus[name])


def test_keras3_order_within_a_class_is_numeric(tmp_path):
    """Keras 3 numbers a class's groups in model order; HDF5 lists dense_10 before
    dense_2. Twelve Dense layers of distinct widths come back as the original chain."""
    widths = list(range(3, 15))
    model = keras.Sequential([keras.Input((2,))] + [keras.layers.Dense(w) for w in widths])
    model.save_weights(path := tmp_path / "m.weights.h5")
    with h5py.File(path) as f:
        assert list(f["layers"])[:3] == ["dense", "dense_1", "dense_10"]  # alphabetical
    inference = infer_file(path)
    assert [layer.args["units"] for layer in inference.layers] == widths
    assert len(inference.graph.inputs) == 1  # one chain
    check_round_trip(inference, model)


def test_tracked_creation_order_is_used(tmp_path):
    path = tmp_path / "tracked.weights.h5"
    with h5py.File(path, "w") as f:
        layers = f.create_group("layers", track_order=True)
        for key, shapes in (("lstm", [(3, 8), (2, 8), (8,)]), ("dense", [(2, 4), (4,)])):
            target = layers.create_group(key)
            if key == "lstm":
                target.create_group("vars")
                target = target.create_group("cell")
            v = target.create_group("vars")
            for i, shape in enumerate(shapes):
                v.create_dataset(str(i), shape=shape, dtype="f4")
    inference = infer_file(path)
    assert [layer.type for layer in inference.layers] == ["LSTM", "Dense"]
    assert inference.layers[1].inputs == ("lstm",)
    [order] = [a for a in inference.ambiguities if a.what == "layer order"]
    assert "creation order" in order.chosen
    check_spec(inference)


def test_nested_model(tmp_path):
    inner = keras.Sequential([keras.Input((8, 3)), keras.layers.Conv1D(4, 3), keras.layers.LSTM(2)],
                             name="inner")
    x = keras.Input((8, 3))
    model = keras.Model(x, keras.layers.Dense(1)(inner(x)))
    model.save_weights(path := tmp_path / "nested.weights.h5")
    inference = infer_file(path)
    nested = [layer for layer in inference.layers if layer.graph is not None]
    assert [n.name for n in nested] == ["inner"]
    assert [layer.type for layer in nested[0].graph.layers] == ["Conv1D", "LSTM"]
    check_spec(inference)
    by_name = {layer.name: layer for layer in _flatten(inference.layers)}
    for layer in inner.layers:
        check_layer(by_name[layer.name], layer)


def _legacy_file(path: Path, layers: dict[str, list[tuple[str, tuple[int, ...]]]]) -> Path:
    """A legacy save_weights layout written by hand: layer_names, weight_names, datasets."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [n.encode() for n in layers]
        for name, weights in layers.items():
            g = f.create_group(name)
            g.attrs["weight_names"] = [f"{name}/{w}:0".encode() for w, _ in weights]
            for w, shape in weights:
                g.create_dataset(f"{name}/{w}:0", shape=shape, dtype="f4")
    return path


def test_a_transpose_is_told_by_its_bias_or_listed(tmp_path):
    """A user-named legacy convolution: kernel (k, a, b) is a Conv1D of b filters or a
    Conv1DTranspose of a filters; the bias says which, unless a == b."""
    path = _legacy_file(tmp_path / "w.h5", {
        "up": [("kernel", (3, 2, 4)), ("bias", (2,))],  # only a transpose has 2 filters here
        "same": [("kernel", (3, 4, 4)), ("bias", (4,))],  # either
    })
    up, same = infer_file(path).layers
    assert (up.type, up.args["filters"], up.in_features) == ("Conv1DTranspose", 2, 4)
    [typ] = [a for a in up.ambiguities if a.what == "type"]
    assert "does not record the class" in typ.why
    assert same.type == "Conv1D"
    [typ] = [a for a in same.ambiguities if a.what == "type"]
    assert "Conv1DTranspose too" in typ.why


def test_legacy_nested_model_takes_its_place_in_the_chain(tmp_path):
    tf_keras = pytest.importorskip("tf_keras")
    L = tf_keras.layers
    inner = tf_keras.Sequential([L.Conv1D(4, 3, input_shape=(8, 6)), L.LSTM(2)], name="encoder")
    x = tf_keras.Input((8, 5))
    model = tf_keras.Model(x, L.Dense(1)(inner(L.Dense(6)(x))))
    model.save(path := tmp_path / "nested.h5")
    inference = infer_file(path)
    assert [layer.type for layer in inference.layers] == ["Dense", "Sequential", "Dense"]
    assert len(inference.graph.inputs) == 1 and inference.graph.inputs[0].shape == (None, "t", 5)
    first, encoder, last = inference.layers
    assert encoder.inputs == (first.name,) and last.inputs == (encoder.name,)
    assert dict(inference.dims)["t"] >= 3  # the encoder's Conv1D needs t >= 3
    check_spec(inference)
    by_name = {layer.name: layer for layer in _flatten(inference.layers)}
    for layer in [*model.layers[1:], *inner.layers]:
        check_layer(by_name[layer.name], layer)


# --------------------------------------------------------------------------- generated stacks


@st.composite
def stacks(draw):
    """A Sequential stack on a (6, f) sequence (or int ids) that keeps the sequence
    axis: recurrent layers return sequences, convolutions pad 'same'."""
    units = st.integers(1, 5)
    flag = st.booleans()
    layers = []
    if draw(st.booleans()):
        layers.append(("Embedding", {"input_dim": draw(st.integers(2, 30)), "output_dim": draw(units)}))
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["Dense", "LSTM", "GRU", "SimpleRNN", "Conv1D", "Conv1DTranspose",
                                     "Bidirectional", "TimeDistributed", "BatchNormalization",
                                     "LayerNormalization"]))
        if kind in ("Dense", "TimeDistributed"):
            layers.append((kind, {"units": draw(units), "use_bias": draw(flag)}))
        elif kind in _RNN:
            args = {"units": draw(units), "use_bias": draw(flag), "return_sequences": True}
            if kind == "GRU":
                args["reset_after"] = draw(flag)
            layers.append((kind, args))
        elif kind in ("Conv1D", "Conv1DTranspose"):
            layers.append((kind, {"filters": draw(units), "kernel_size": draw(st.integers(1, 3)),
                                  "use_bias": draw(flag), "padding": "same"}))
        elif kind == "Bidirectional":
            layers.append((kind, {"rnn": draw(st.sampled_from(_RNN)), "units": draw(units),
                                  "use_bias": draw(flag)}))
        else:  # a LayerNormalization without center and scale has no weights: left out
            center = draw(flag)
            scale = draw(flag) or (kind == "LayerNormalization" and not center)
            layers.append((kind, {"center": center, "scale": scale}))
    return draw(st.integers(1, 5)), layers


def build_stack(K, features: int, layers: list):
    L = K.layers
    first = K.Input((6,), dtype="int32") if layers[0][0] == "Embedding" else K.Input((6, features))
    made = [first]
    for kind, args in layers:
        if kind == "Bidirectional":
            made.append(L.Bidirectional(getattr(L, args["rnn"])(args["units"], use_bias=args["use_bias"],
                                                                return_sequences=True)))
        elif kind == "TimeDistributed":
            made.append(L.TimeDistributed(L.Dense(**args)))
        else:
            made.append(getattr(L, kind)(**args))
    return K.Sequential(made)


STACK_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                 HealthCheck.too_slow])


@STACK_SETTINGS
@given(stack=stacks())
def test_generated_keras3_stacks(tmp_path, stack):
    features, layers = stack
    model = build_stack(keras, features, layers)
    model.save_weights(path := tmp_path / "stack.weights.h5")
    check_round_trip(infer_file(path), model)


@settings(STACK_SETTINGS, max_examples=15)
@given(stack=stacks())
def test_generated_tf_keras_stacks_come_back_as_one_chain(tmp_path, stack):
    tf_keras = pytest.importorskip("tf_keras")
    features, layers = stack
    model = build_stack(tf_keras, features, layers)
    model.save_weights(path := tmp_path / "stack.h5")
    inference = infer_file(path)
    check_round_trip(inference, model)
    assert [layer.name for layer in inference.layers] == [layer.name for layer in model.layers]
    assert len(inference.graph.inputs) == 1


# --------------------------------------------------------------------------- the command


def test_command_writes_yaml_and_json(built, tmp_path, capsys):
    model, paths = built[("embedding", "k3")]
    assert main([str(paths["keras"]), "-o", str(out := tmp_path / "spec.yaml")]) == 0
    text = out.read_text()
    assert text.startswith("#") and "\nlayers:\n" in text
    report = shapecheck.analyze(out)
    assert report.ok and not report.diagnostics
    capsys.readouterr()
    assert main([str(paths["weights"]), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["layout"] == "keras3" and data["diagnostics"] == []
    assert {"layer", "what", "chosen", "why"} <= set(data["ambiguities"][0])
    report = shapecheck.analyze(data["spec"])  # JSON is a spec too
    assert report.ok and not report.diagnostics


@pytest.mark.parametrize("argv", [[], ["a", "b"], ["--format", "xml", "x.h5"]])
def test_usage_errors_exit_2(argv, capsys):
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path, capsys):
    assert main([str(tmp_path / "nope.h5")]) == 2
    assert "no such file" in capsys.readouterr().err


# --------------------------------------------------------------------------- hostile files


def _zip(members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _h5(tmp_path: Path, fill) -> Path:
    path = tmp_path / "hostile.h5"
    with h5py.File(path, "w") as f:
        fill(f)
    return path


def _dense_file(f):
    v = f.create_group("layers/dense/vars")
    v.create_dataset("0", shape=(3, 2), dtype="f4")
    v.create_dataset("1", shape=(2,), dtype="f4")


def _external(f):
    _dense_file(f)
    f["layers/dense/vars/2"] = h5py.ExternalLink("/etc/passwd", "/x")


def _huge(f):
    f.create_dataset("layers/dense/vars/0", shape=(2 ** 41, 2), dtype="f4", chunks=(16, 2))


def _cycle(f):
    _dense_file(f)
    f["layers/dense/loop"] = f["layers"]  # a hard link back to an ancestor


def _fan_out(f):
    _dense_file(f)
    f["layers/dense/a"] = f["layers"]  # two links back: 2**depth paths if walked blindly
    f["layers/dense/b"] = f["layers"]


def _unknown(f):
    f.create_dataset("layers/my_layer/vars/0", shape=(3, 3, 3, 3, 3, 3), dtype="f4")


def _file(name: str, data: bytes):
    def make(tmp: Path) -> Path:
        (tmp / name).write_bytes(data)
        return tmp / name

    return make


HOSTILE = {
    "text": (_file("x.h5", b"not weights\n"), "SC101"),
    "truncated-hdf5": (_file("t.h5", b"\x89HDF\r\n\x1a\n" + b"\0" * 40), "SC101"),
    "zip-without-weights": (_file("m.keras", _zip({"config.json": b"{}", "metadata.json": b"{}"})),
                            "SC114"),
    "zip-escaping-member": (_file("m.keras", _zip({"model.weights.h5": b"x", "../../evil": b"x"})),
                            "SC108"),
    "zip-weights-not-hdf5": (_file("m.keras", _zip({"model.weights.h5": b"hello"})), "SC101"),
    "external-link": (lambda tmp: _h5(tmp, _external), "SC108"),
    "huge-axis": (lambda tmp: _h5(tmp, _huge), "SC310"),
    "hard-link-cycle": (lambda tmp: _h5(tmp, _cycle), "SC108"),
    "hard-link-fan-out": (lambda tmp: _h5(tmp, _fan_out), "SC108"),
    "empty-hdf5": (lambda tmp: _h5(tmp, lambda f: f.create_group("other")), "SC114"),
    "unknown-layer-only": (lambda tmp: _h5(tmp, _unknown), "SC114"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_gives_a_diagnostic_and_exit_1(tmp_path, capsys, case):
    make, code = HOSTILE[case]
    path = make(tmp_path)
    assert main([str(path)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.out == ""
    lines = [line for line in captured.err.splitlines() if not line.startswith("    ")]
    assert any(line.startswith(f"{path}:1:1: {code} ") for line in lines), captured.err
    for line in lines:
        assert line.split(": ")[1].split()[0] in CATALOGUE


def test_unknown_layer_is_left_out_with_a_warning(tmp_path, capsys):
    def fill(f):
        _dense_file(f)
        _unknown(f)

    path = _h5(tmp_path, fill)
    assert main([str(path)]) == 0
    captured = capsys.readouterr()
    assert f"{path}:1:1: SC113 (warning) layer 'my_layer': its group key 'my_layer' names no Keras " \
        "layer class (a custom layer?); it is left out of the spec (stored weights: (3, 3, 3, 3, 3, 3))" \
        in captured.err
    assert "type: Dense" in captured.out
    # the header claims no more than the spec holds
    assert "exactly those shapes for every layer but the 1 left out" in captured.out
    assert "my_layer." in captured.out and "gives exactly those shapes.\n" not in captured.out


def test_legacy_names_decide_the_class_where_keras_made_them(tmp_path):
    """A legacy file records no classes: an auto-name says one (an EinsumDense, whose
    rank-3 kernel and bias would fit a Conv1D, is left out, not taken for one); a name
    the user chose says nothing, and the class taken from the shapes is an ambiguity."""
    tf_keras = pytest.importorskip("tf_keras")
    L = tf_keras.layers
    x = tf_keras.Input((4, 3))
    h = L.EinsumDense("abc,cde->abde", output_shape=(None, 2, 5), bias_axes="e")(x)
    h = L.Reshape((4, 10))(h)
    h = L.MultiHeadAttention(2, 3, name="mha")(h, h)
    y = L.Dense(6, name="classifier")(h)
    model = tf_keras.Model(x, y)
    model.save(path := tmp_path / "legacy.h5")
    inference = infer_file(path)
    left_out = {d.layer: d.message for d in inference.diagnostics if d.code == "SC113"}
    assert set(left_out) == {"einsum_dense", "mha"}, left_out
    assert "EinsumDense" in left_out["einsum_dense"] and "attention" in left_out["mha"]
    [dense] = inference.layers
    assert dense.type == "Dense" and dense.args == {"units": 6, "use_bias": True}
    [typ] = [a for a in dense.ambiguities if a.what == "type"]
    assert "does not record the class" in typ.why
    check_layer(dense, model.get_layer("classifier"))


def test_compressed_weights_member_is_read_in_memory(built, tmp_path):
    """Keras stores model.weights.h5 uncompressed (read in place); a deflated one is
    inflated in memory under a cap."""
    model, paths = built[("recurrent", "k3")]
    with zipfile.ZipFile(paths["keras"]) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
        assert z.getinfo("model.weights.h5").compress_type == zipfile.ZIP_STORED
    (path := tmp_path / "deflated.keras").write_bytes(_zip(members, zipfile.ZIP_DEFLATED))
    check_round_trip(infer_file(path), model)
