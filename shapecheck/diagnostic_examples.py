"""A minimal failing input for each diagnostic code, for docs/diagnostics.md.

Each example is run through the real command line when the page is generated, so
the output shown is the output shapecheck gives; a test checks that each example
yields its code and that the page is up to date. Only the docs generator and the
tests import this module.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

from .records import field, record


@record
class Example:
    text: str | None  # the file's text as shown; None when it is built by `build`
    filename: str = "model.yaml"
    args: tuple[str, ...] = ()  # extra command-line arguments
    files: dict[str, str] = field(default_factory=dict)  # other files next to it (pyproject.toml)
    build: Callable[[], bytes] | None = None  # binary inputs (archives)
    lang: str = "yaml"


def _keras_config(layer: dict) -> str:
    """A one-layer Keras 3 functional config, as Keras writes it (trimmed)."""
    tensor = {"class_name": "__keras_tensor__",
              "config": {"shape": [None, 3], "dtype": "float32", "keras_history": ["x", 0, 0]}}
    layers = [
        {"module": "keras.layers", "class_name": "InputLayer",
         "config": {"batch_shape": [None, 3], "dtype": "float32", "name": "x"},
         "name": "x", "inbound_nodes": []},
        {**layer, "name": layer["config"]["name"], "inbound_nodes": [{"args": [tensor], "kwargs": {}}]},
    ]
    name = layer["config"]["name"]
    config = {"module": "keras", "class_name": "Functional",
              "config": {"name": "m", "layers": layers, "input_layers": [["x", 0, 0]],
                         "output_layers": [[name, 0, 0]]}}
    return json.dumps(config, indent=1)


def _escaping_archive() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in (("config.json", "{}"), ("metadata.json", "{}"), ("../../outside.txt", "x")):
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


_DENSE = "inputs: {x: [?, 3]}\n"

EXAMPLES: dict[str, Example] = {
    "SC101": Example("inputs: {x: [?, 3]\nlayers: []\n"),
    "SC102": Example("- type: Dense\n  units: 4\n"),
    "SC103": Example(_DENSE + "layers:\n  - type: Dense\n    units: 2\n    units: 3\n"),
    "SC104": Example("inputs: {x: [?, 2.5]}\nlayers: [{type: Dense, units: 2}]\n"),
    "SC105": Example(_DENSE + "layer: []\nlayers: [{type: Dense, units: 2}]\n"),
    "SC106": Example("dims: {t: {multiple_of: 2}}\ninputs: {x: [?, t, 3]}\n"
                     "layers: [{type: LSTM, units: 2}]\n", args=("--dim", "t=3")),
    "SC108": Example(None, "model.keras", build=_escaping_archive),
    "SC111": Example(_keras_config({"module": "keras.layers", "class_name": "Dense", "config": {
        "name": "d", "units": 2, "activation": {"module": "os", "class_name": "system",
                                                "config": "touch /tmp/pwned"}}}),
        "model.json", lang="json"),
    "SC112": Example("inputs: {x: [?, 3]}\nlayers: [{type: Dense, units: 2}]\n",
                     files={"pyproject.toml": "[tool.shapecheck]\nformt = \"json\"\n"}),
    "SC201": Example(_DENSE + "layers:\n  - {name: a, type: Dense, units: 2, inputs: y}\n"),
    "SC202": Example(_DENSE + "layers:\n  - {name: a, type: Dense, units: 2, inputs: b}\n"
                     "  - {name: b, type: Dense, units: 2, inputs: a}\noutputs: [b]\n"),
    "SC203": Example(_DENSE + "layers:\n  - {name: a, type: Dense, units: 2}\n"
                     "  - {name: a, type: Dense, units: 2}\n"),
    "SC204": Example("inputs: {x: [?, 5, 3]}\nlayers:\n"
                     "  - {name: enc, type: LSTM, units: 4, return_state: true}\n"
                     "  - {type: Dense, units: 2, inputs: \"enc[3]\"}\n"),
    "SC205": Example(_DENSE + "layers:\n  - {name: a, type: Dense, units: 2}\n"
                     "  - {name: b, type: Dense, units: 2, inputs: x}\noutputs: [b]\n"),
    "SC206": Example("inputs: {x: [?, 5, 3]}\nlayers:\n"
                     "  - {name: enc, type: LSTM, units: 4, return_state: true}\n"
                     "  - {type: Dense, units: 2}\n"),
    "SC207": Example("inputs: {x: [?, 5, 3]}\nlayers:\n  - {name: a, type: Dense}\n"
                     "  - {name: b, type: Dense, units: 2}\n"),
    "SC301": Example("inputs: {x: [?, t, 12]}\nlayers:\n  - {type: LSTM, units: 64}\n"
                     "  - {type: LSTM, units: 32}\n"),
    "SC302": Example("inputs: {x: [?, 5, ?]}\nlayers: [{type: Dense, units: 2}]\n"),
    "SC303": Example("inputs: {x: [?, 12]}\nlayers: [{type: Reshape, target_shape: [5, 2]}]\n"),
    "SC304": Example("inputs: {x: [?, t, 3]}\nlayers: [{type: Reshape, target_shape: [-1, 2]}]\n"),
    "SC305": Example("inputs: {a: [?, 5, 3], b: [?, 4, 3]}\nlayers:\n"
                     "  - {name: enc, type: LSTM, units: 8, return_state: true, inputs: a}\n"
                     "  - {name: dec, type: LSTM, units: 4, inputs: b, initial_state: [enc[1], enc[2]]}\n"
                     "outputs: [dec]\n"),
    "SC306": Example("inputs: {a: [?, t, 4], b: [?, t + 2, 4]}\nlayers:\n"
                     "  - {type: Add, inputs: [a, b]}\n"),
    "SC307": Example("inputs: {x: [?, 5, 3]}\nlayers:\n  - type: Bidirectional\n"
                     "    layer: {type: LSTM, units: 4}\n"
                     "    backward_layer: {type: LSTM, units: 2, go_backwards: true}\n"),
    "SC308": Example("inputs: {x: [?, 4, 3]}\nlayers: [{type: Conv1D, filters: 8, kernel_size: 5}]\n"),
    "SC309": Example("inputs: {x: [?, 10]}\nlayers:\n  - {name: proj, type: Dense, units: 10}\n"
                     "  - {type: Reshape, target_shape: [10, 1]}\n"
                     "  - {type: Embedding, input_dim: 1000, output_dim: 8}\n"),
    "SC310": Example("inputs: {x: [?, 2000000000000]}\nlayers: [{type: Dense, units: 2}]\n"),
    "SC401": Example("inputs: {x: [?, 5, 3]}\nlayers: [{type: LSTMM, units: 4}]\n"),
    "SC402": Example(_DENSE + "layers:\n  - type: Dense\n    unit: 4\n"),
    "SC403": Example(_DENSE + "layers: [{type: Dense, units: 1e3}]\n"),
    "SC404": Example(_DENSE + "layers: [{type: Dense}]\n"),
    "SC405": Example("inputs: {x: [?, 5, 3]}\nlayers:\n"
                     "  - {type: Bidirectional, layer: {type: Dense, units: 2}}\n"),
    "SC406": Example("inputs: {x: [?, 5, 3]}\nlayers: [{type: Pipeline}]\n"),
    "SC407": Example(_keras_config({"module": "keras.layers", "class_name": "Dense", "config": {
        "name": "d", "units": 2, "future_option": True}}), "model.json", lang="json"),
    "SC408": Example(_DENSE + "layers:\n  - {type: mypkg.layers.Scale, factor: 2}\n"),
    "SC409": Example(_DENSE + "custom_layers:\n  Scale: {output: input, weight: {w: [1]}}\n"
                     "layers: [{type: Scale}]\n"),
    "SC410": Example("inputs: {x: [?, 6]}\nlayers:\n  - {type: Lambda, output_shape: [3, 2]}\n"
                     "  - {type: Dense, units: 4}\n"),
    "SC116": Example(json.dumps({"class_name": "Sequential", "keras_version": "1.2.2", "config": [
        {"class_name": "Dense", "config": {"name": "dense_1", "output_dim": 4, "init": "glorot_uniform",
                                           "batch_input_shape": [None, 3]}}]}, indent=1),
        "model.json", lang="json"),
    "SC117": Example("inputs: {x: [?, t, 12]}\nlayers: [{type: Dense, units: 4}]\n", args=("--dim", "tt=5")),
    "SC411": Example("inputs: {x: [?, 8, 8]}\nlayers:\n"
                     "  - type: ops.RFFT\n"
                     "    recorded_shapes: [[?, 8, 5]]\n"
                     "    recorded_from: \"recorded in the file as the input of 'dense'\"\n"
                     "  - {type: Dense, units: 4}\n"),
    "SC601": Example("import keras\n\n\nclass Tagger(keras.Model):\n    def call(self, x):\n"
                     "        return x\n\n\nmodel = Tagger()\n", "model.py", lang="python"),
    "SC602": Example("import keras\nfrom keras import layers\n\n"
                     "model = keras.Sequential([keras.Input(x_train.shape[1:]), layers.Dense(10)])\n",
                     "model.py", lang="python"),
    "SC604": Example("import keras\nfrom keras import layers\n\nvocab_size = len(tokenizer.word_index) + 1\n"
                     "model = keras.Sequential([keras.Input((20,)), layers.Embedding(vocab_size, 64)])\n",
                     "model.py", lang="python"),
    "SC605": Example("import keras\nfrom keras import layers\n\ninputs = keras.Input((8, 4))\n"
                     "width = inputs.get_shape().as_list()[-1]\n"
                     "model = keras.Model(inputs, layers.Dense(width)(inputs))\n", "model.py", lang="python"),
    "SC606": Example("import keras\nfrom keras import layers\n\n\nclass MyModel(keras.Model):\n"
                     "    def __init__(self):\n        super().__init__()\n"
                     "        self.dense = layers.Dense(10)\n\n"
                     "    def call(self, x):\n        return self.dense(x)\n\n\nmodel = MyModel()\n"
                     "model.build((None, 784))\n", "model.py", lang="python"),
    "SC607": Example("import keras\nfrom keras import layers\n\n"
                     "(x_train, y_train), _ = keras.datasets.mnist.load_data()\n"
                     "model = keras.Sequential([keras.Input((784,)), layers.Dense(10)])\n"
                     "model.compile(optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\")\n"
                     "model.fit(x_train, y_train, epochs=5)\n", "model.py", lang="python"),
    "SC608": Example("import keras\nimport tensorflow as tf\nfrom keras import layers\n\n\n"
                     "class Project(layers.Layer):\n    def __init__(self, units, **kwargs):\n"
                     "        super().__init__(**kwargs)\n        self.units = units\n\n"
                     "    def build(self, input_shape):\n"
                     "        self.w = tf.Variable(tf.random.normal((input_shape[-1], self.units)))\n\n"
                     "    def call(self, x):\n        return tf.matmul(x, self.w)\n\n\n"
                     "inputs = keras.Input((12,))\nmodel = keras.Model(inputs, Project(4)(inputs))\n",
                     "model.py", lang="python"),
    "SC609": Example("import keras\nfrom keras import layers\n\n\nclass Classifier(keras.Model):\n"
                     "    def __init__(self):\n        super().__init__()\n"
                     "        self.conv = layers.Conv2D(8, 3)\n\n"
                     "    def call(self, x):\n        x = layers.Flatten()(self.conv(x))\n"
                     "        return layers.Dense(10)(x)\n\n\n"
                     "inputs = keras.Input((28, 28, 1))\nmodel = keras.Model(inputs, Classifier()(inputs))\n",
                     "model.py", lang="python"),
    "SC603": Example("def deeper(n):\n    return deeper(n + 1)\n\n\ndeeper(0)\n", "model.py", lang="python"),
    "SC501": Example("inputs: {x: [?, t, 8]}\nlayers:\n  - {type: GRU, units: 4, reset_after: false}\n",
                     args=("--layout", "pytorch")),
    "SC502": Example("inputs: {x: [?, t, 8]}\nlayers:\n  - type: Bidirectional\n    merge_mode: sum\n"
                     "    layer: {type: LSTM, units: 4}\n", args=("--layout", "pytorch")),
    "SC503": Example(_DENSE + "layers:\n  - {type: PReLU}\n", args=("--layout", "onnx")),
}

# Codes an example cannot show in a page: they need a real HDF5 file or a missing package.
NO_EXAMPLE = {
    "SC109": "needs an .h5 file whose stored weights disagree with its config; "
             "tests/test_ux.py checks the message on stored shapes that differ",
    "SC110": "appears only when h5py is not installed and an .h5 file is read",
    "SC113": "comes from `shapecheck infer-config` (a weights file with a layer it cannot infer), "
             "which the examples here do not run; tests/test_infer_config.py builds one",
    "SC114": "comes from `shapecheck infer-config` (an archive or HDF5 file without Keras weights); "
             "tests/test_infer_config.py covers each case",
    "SC118": "comes from `shapecheck infer-config` on a file that also holds its model config "
             "(a whole-model .h5 or a .keras archive); tested in tests/test_infer_config.py",
    "SC115": "would mean a shapecheck bug: `infer-config` checks every spec it writes",
}
