"""The file's own modules (shapecheck/reading/python/project.py): a script that builds its
model with functions of its project (``from model import build_model``, a package with
relative imports) is read with those modules, as Python imports them, and matches what
Keras builds when it runs the script; findings in a module are located there. Modules
that are not the project's, or that cannot be read, are never followed or run."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

import shapecheck.api as api
from shapecheck.reading.python import project, read


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))


def keras_facts(keras, root: Path, main: str) -> dict:
    """Keras running ``main`` in the project at ``root`` (its directory first on sys.path,
    as ``python main`` has it, and the current one, with ``__file__`` set): each layer's
    output shapes and params, the total."""
    script = root / main
    before, path, cwd = set(sys.modules), list(sys.path), os.getcwd()
    sys.path.insert(0, str(script.parent))
    os.chdir(script.parent)
    try:
        keras.backend.clear_session(free_memory=False)
        scope = {"__file__": str(script), "__name__": "__main__"}
        exec(compile(script.read_text(), str(script), "exec"), scope)  # noqa: S102 (the oracle)
        model = scope["model"]
        return {"name": model.name, "total": model.count_params(), "layers": {
            layer.name: ([tuple(t.shape) for t in layer._inbound_nodes[0].output_tensors], layer.count_params())
            for layer in model.layers if type(layer).__name__ != "InputLayer"}}
    finally:
        sys.path[:] = path
        os.chdir(cwd)
        for name in set(sys.modules) - before:  # the project's modules, imported from root
            if str(getattr(sys.modules[name], "__file__", "") or "").startswith(str(root)):
                del sys.modules[name]


def ours(report) -> dict:
    return {layer.name: ([tuple(s) for s in layer.output_shapes], layer.params)
            for layer in report.layers.values() if layer.type != "InputLayer"}


# A script beside its model module, the commonest split: the builder takes the sizes the
# script gives (an image size it names, a class count), and calls a block function.
FLAT = {
    "model.py": """\
        from tensorflow.keras import layers, models


        def conv_block(x, filters):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
            x = layers.BatchNormalization()(x)
            return layers.MaxPooling2D()(x)


        def build_model(input_shape, num_classes):
            inputs = layers.Input(shape=input_shape)
            x = conv_block(inputs, 32)
            x = conv_block(x, 64)
            x = layers.GlobalAveragePooling2D()(x)
            outputs = layers.Dense(num_classes, activation="softmax")(x)
            return models.Model(inputs, outputs)
        """,
    "train.py": """\
        from model import build_model

        IMG = 64
        model = build_model((IMG, IMG, 3), 10)
        """,
}

# A package: __init__ re-exports, a relative import of a sibling's constants and of a
# function, ``import pkg.module as m`` and ``from pkg import module``.
PACKAGE = {
    "nets/__init__.py": "from .rnn import make_tagger\n",
    "nets/config.py": "HIDDEN = 48\nTAGS = 7\n",
    "nets/blocks.py": """\
        from keras import layers

        from . import config


        def recurrent(units=config.HIDDEN):
            return layers.Bidirectional(layers.LSTM(units, return_sequences=True))
        """,
    "nets/rnn.py": """\
        import keras
        from keras import layers

        from .blocks import recurrent
        from .config import *


        def make_tagger(steps, features):
            return keras.Sequential([
                keras.Input((steps, features)),
                recurrent(),
                recurrent(HIDDEN // 2),
                layers.Dense(TAGS, activation="softmax"),
            ])
        """,
    "train.py": """\
        import nets.rnn as rnn
        from nets import config, make_tagger

        tagger = make_tagger(30, 8)
        model = rnn.make_tagger(12, config.TAGS)
        """,
}


@pytest.mark.keras
@pytest.mark.parametrize("name", ["flat", "package"])
def test_a_model_built_by_the_projects_modules_matches_keras(name, tmp_path):
    keras = pytest.importorskip("keras")
    _write(tmp_path, {"flat": FLAT, "package": PACKAGE}[name])
    expected = keras_facts(keras, tmp_path, "train.py")
    reports = api.analyze_python(str(tmp_path / "train.py"))
    assert all(r.ok and not r.errors for r in reports), [d.message for r in reports for d in r.diagnostics]
    report = next(r for r in reports if r.model == expected["name"])
    assert ours(report) == expected["layers"]
    assert report.total_params == expected["total"]


def test_a_finding_in_a_module_is_located_there(tmp_path):
    # the bug is in nets/rnn.py; the script that imports it is what was checked
    _write(tmp_path, {**PACKAGE, "nets/rnn.py": PACKAGE["nets/rnn.py"].replace(
        "recurrent(HIDDEN // 2)", "layers.LSTM(HIDDEN // 2)").replace(
        "layers.Dense(TAGS", "layers.LSTM(4),\n                layers.Dense(TAGS")})
    reports = api.analyze_python(str(tmp_path / "train.py"))
    (error, *_) = reports[0].errors
    lines = [line.strip() for line in (tmp_path / "nets/rnn.py").read_text().splitlines()]
    assert error.code == "SC301"
    assert (error.location.path, error.location.line) == (
        str(tmp_path / "nets" / "rnn.py"), lines.index("layers.LSTM(4),") + 1)
    assert "set `return_sequences=True` on 'lstm_1' (line 12)" in error.hint  # the same module: no path


def test_a_hint_names_the_file_of_a_layer_in_another(tmp_path):
    _write(tmp_path, {"heads.py": "from keras import layers\n\n\ndef head(x):\n    return layers.LSTM(8)(x)\n",
                      "train.py": "import keras\nfrom heads import head\n\ninputs = keras.Input((20, 4))\n"
                                  "x = keras.layers.LSTM(16)(inputs)\nmodel = keras.Model(inputs, head(x))\n"})
    (report,) = api.analyze_python(str(tmp_path / "train.py"))
    (error,) = report.errors
    assert (error.code, Path(error.location.path).name, error.location.line) == ("SC301", "heads.py", 5)
    assert error.hint.startswith(f"set `return_sequences=True` on 'lstm' ({tmp_path / 'train.py'}, line 5)")


def test_a_module_is_shown_as_the_file_is_given(tmp_path, monkeypatch):
    _write(tmp_path, {"proj/model.py": FLAT["model.py"].replace("GlobalAveragePooling2D", "Reshape"),
                      "proj/train.py": FLAT["train.py"]})
    monkeypatch.chdir(tmp_path)
    (report,) = api.analyze_python("proj/train.py")
    (error,) = report.errors
    assert (error.code, error.location.path, error.location.line) == ("SC404", "proj/model.py", 14)


def test_a_module_that_is_not_valid_python_is_said_there_once(tmp_path):
    _write(tmp_path, {"model.py": "import keras\ndef build(:\n    pass\n",
                      "train.py": "from model import build\nimport model\nm = build()\n"})
    found = [d for r in api.analyze_python(str(tmp_path / "train.py")) for d in r.diagnostics]
    assert [(d.code, Path(d.location.path).name, d.location.line) for d in found] == [("SC101", "model.py", 2)]


def test_what_is_not_the_projects_is_not_read(tmp_path):
    # a copy of a library in the project is not what `import keras` means; a relative
    # import above the script's folder, and a module's __main__ block, are not read
    _write(tmp_path, {
        "keras/__init__.py": "raise SystemExit('read')\n",
        "outside.py": "UNITS = 5\n",
        "app/helpers.py": "UNITS = 3\nif __name__ == '__main__':\n    UNITS = 99\n",
        "app/train.py": """\
            import keras
            from helpers import UNITS
            from ..outside import UNITS as OTHER

            model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(UNITS), keras.layers.Dense(OTHER)])
            """,
    })
    (report,) = api.analyze_python(str(tmp_path / "app" / "train.py"))
    assert [(layer.name, str(layer.output_shapes)) for layer in report.layers.values()][1:] == [
        ("dense", "((None, 3),)"), ("dense_1", "((None, OTHER),)")]
    proj = project.Project(str(tmp_path / "app" / "train.py"))
    assert proj.find("keras") is None and proj.find("os") is None
    assert proj.find("outside", 2, str(tmp_path / "app" / "train.py")) is None


def test_an_import_cycle_and_a_missing_name_leave_values_unknown(tmp_path):
    # a imports b, which imports a half-made (Python's partly initialised module)
    _write(tmp_path, {
        "a.py": "import b\nX = 3\n\n\ndef f():\n    return b.Y\n",
        "b.py": "import a\nY = a.X\n",
        "train.py": "import keras\nimport a\nfrom b import Z\n"
                    "model = keras.Sequential([keras.Input((a.X,)), keras.layers.Dense(a.f()), keras.layers.Dense(Z)])\n",
    })
    (report,) = api.analyze_python(str(tmp_path / "train.py"))
    assert [str(layer.output_shapes) for layer in report.layers.values()] == [
        "((None, 3),)", "((None, X),)", "((None, Z),)"]


def test_the_modules_read_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(project, "MAX_MODULES", 3)
    files = {f"m{i}.py": f"from m{i + 1} import N\n" for i in range(5)}
    files["m5.py"] = "N = 8\n"
    files["train.py"] = "import keras\nfrom m0 import N\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(N)])\n"
    _write(tmp_path, files)
    (report,) = api.analyze_python(str(tmp_path / "train.py"))
    (said,) = [d for d in report.diagnostics if d.code == "SC602"]
    assert said.location.path.endswith("m2.py") and said.location.line == 1
    assert said.message.endswith("not read: more than 3 of the project's modules are read for one file")
    assert str(report.layers["dense"].output_shapes) == "((None, N),)"


def test_the_dialect_is_the_programs(tmp_path):
    # the script names no Keras; its module is Keras 2 code (keras.layers.core), so the
    # program is, and Keras 2 names the input input_1
    _write(tmp_path, {"model.py": "from keras.layers.core import Dense\nfrom keras.layers import Input\n"
                                  "from keras.models import Model\n\n\ndef build():\n"
                                  "    x = Input((4,))\n    return Model(x, Dense(2)(x))\n",
                      "train.py": "from model import build\nmodel = build()\n"})
    ((_, spec),), _ = read((tmp_path / "train.py").read_text(), str(tmp_path / "train.py"))
    assert list(spec["inputs"]) == ["input_1"]
    (report,) = api.analyze_python(str(tmp_path / "train.py"))  # the command's path, the same
    assert list(report.layers)[0] == "input_1"


def test_module_code_that_builds_nothing_leaves_no_warning(tmp_path):
    # the training loop and the logging set-up of the project are not the model's: what
    # the reader cannot decide there is not said here; in the builder it is
    _write(tmp_path, {
        "utils.py": """\
            import os

            if os.environ.get("DEBUG"):
                LEVEL = 10


            def train(model, data, epochs):
                for batch in data:
                    while model.stop_training is False:
                        model.train_on_batch(*batch)
            """,
        "model.py": """\
            import keras


            def build(kernel):
                x = keras.Input((32, 3))
                return keras.Model(x, keras.layers.Conv1D(8, kernel)(x))
            """,
        "train.py": """\
            import json

            from model import build
            from utils import train

            config = json.load(open("config.json"))
            model = build(config["kernel"])
            train(model, config["data"], 3)
            """,
    })
    (report,) = api.analyze_python(str(tmp_path / "train.py"))
    said = [(d.code, Path(d.location.path).name, d.location.line) for d in report.diagnostics]
    # kernel_size, the model's, in its module: so the model is not checked
    assert said == [("SC602", "model.py", 6), ("SC601", "model.py", 6)], said


def test_a_module_is_read_as_python_decodes_it(tmp_path):
    # a byte-order mark, and a coding line
    (tmp_path / "sizes.py").write_bytes(b"\xef\xbb\xbfUNITS = 6\n")
    (tmp_path / "more.py").write_bytes("# -*- coding: latin-1 -*-\nNOTE = 'é'\nWIDTH = 5\n".encode("latin-1"))
    (tmp_path / "train.py").write_text("import keras\nfrom sizes import UNITS\nfrom more import WIDTH\n"
                                       "model = keras.Sequential([keras.Input((WIDTH,)), keras.layers.Dense(UNITS)])\n")
    (report,) = api.analyze_python(str(tmp_path / "train.py"))
    assert report.ok and not report.diagnostics and report.total_params == 36


def test_each_module_is_parsed_and_run_once(tmp_path, monkeypatch):
    # twenty blocks, each importing the same constants; the script imports them all
    files = {"common.py": "UNITS = 4\n"}
    files.update({f"block{i}.py": f"import keras\nfrom common import UNITS\n\n\ndef block{i}(x):\n"
                  f"    return keras.layers.Dense(UNITS)(x)\n" for i in range(20)})
    files["train.py"] = "import keras\nimport common\n" + "".join(
        f"from block{i} import block{i}\n" for i in range(20)) + "x = keras.Input((4,))\nh = x\n" + "".join(
        f"h = block{i}(h)\n" for i in range(20)) + "model = keras.Model(x, h)\n"
    _write(tmp_path, files)
    parsed = []
    real_parse = project._parse
    monkeypatch.setattr(project, "_parse", lambda path: parsed.append(Path(path).name) or real_parse(path))
    (report,) = api.analyze_python(str(tmp_path / "train.py"))
    assert sorted(parsed) == sorted(name for name in files if name != "train.py")
    assert len(report.layers) == 21 and report.total_params == 20 * 20


# Scripts and notebooks in a folder of their own reach the project's package through
# sys.path: a path the file computes from __file__, or ".." from a notebook's folder
ABOVE = {
    "pyproject.toml": "",
    "src/__init__.py": "",
    "src/models/__init__.py": "",
    "src/models/net.py": """\
        import keras
        from keras import layers


        def build(width=32):
            x = keras.Input((10, 4))
            return keras.Model(x, layers.Dense(3)(layers.LSTM(width)(x)))
        """,
    "scripts/train.py": """\
        import os
        import sys

        sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
        from src.models.net import build

        model = build(16)
        """,
}


@pytest.mark.keras
def test_a_script_reaches_its_package_through_sys_path(tmp_path):
    keras = pytest.importorskip("keras")
    _write(tmp_path, ABOVE)
    expected = keras_facts(keras, tmp_path, "scripts/train.py")
    (report,) = api.analyze_python(str(tmp_path / "scripts" / "train.py"))
    assert report.ok and not report.diagnostics, report.diagnostics
    assert ours(report) == expected["layers"] and report.total_params == expected["total"]


@pytest.mark.parametrize("entry", ['"."', "os.getcwd()", 'os.path.abspath(".")'])
def test_a_relative_sys_path_is_taken_from_where_the_script_runs(entry, tmp_path, monkeypatch):
    """``sys.path.append(".")`` in ``scripts/train.py`` names the folder Python runs in: the
    project's top when the check runs there (as ``python scripts/train.py`` does), the
    script's own folder when the check runs outside the project."""
    _write(tmp_path, {**ABOVE, "scripts/train.py": f"import os\nimport sys\n\nsys.path.append({entry})\n"
                      "from src.models.net import build\n\nmodel = build(16)\n"})
    monkeypatch.chdir(tmp_path)
    (report,) = api.analyze_python("scripts/train.py")
    assert report.ok and not report.diagnostics, [d.line() for d in report.diagnostics]
    assert report.total_params == 16 * 4 * (4 + 16 + 1) + 17 * 3  # LSTM(16) on 4 features, Dense(3)
    # inside the project, src/ holds no src.models; outside it, the script's folder holds
    # none either: the builder is not found, and no model is built
    for cwd in (tmp_path / "src", tmp_path.parent):
        monkeypatch.chdir(cwd)
        (report,) = api.analyze_python(str(tmp_path / "scripts" / "train.py"))
        (said,) = report.diagnostics
        assert said.code == "SC102" and said.hint.startswith(
            "the file calls build() of src.models.net, a module the reader did not find in the project")


def test_a_notebook_reaches_its_package_through_sys_path(tmp_path):
    _write(tmp_path, ABOVE)
    cells = ["import sys\nsys.path.append('..')\nsys.path.append('/usr/lib')",
             "from src.models.net import build\nmodel = build(16)"]
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "explore.ipynb").write_text(json.dumps({"cells": [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": c} for c in cells],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    (report,) = api.analyze_python(str(tmp_path / "notebooks" / "explore.ipynb"))
    assert report.total_params == 16 * 4 * (4 + 16 + 1) + 17 * 3  # LSTM(16) on 4 features, Dense(3)
    (said,) = report.diagnostics  # a folder outside the project is not read
    assert said.code == "SC602" and said.message.startswith("sys.path gets '/usr/lib', a folder outside the project")


def test_import_through_a_namespace_package(tmp_path):
    # `import src.models.net as net` where src/ and src/models/ have no __init__.py
    _write(tmp_path, {"src/models/net.py": ABOVE["src/models/net.py"],
                      "train.py": "import src.models.net as net\nimport src.models.net\n\n"
                                  "model = net.build(16)\nother = src.models.net.build(8)\n"})
    reports = api.analyze_python(str(tmp_path / "train.py"))
    assert [r.total_params for r in reports] == [16 * 4 * (4 + 16 + 1) + 17 * 3, 8 * 4 * (4 + 8 + 1) + 9 * 3]


@pytest.mark.keras
def test_a_model_chosen_by_name_through_importlib(tmp_path):
    # research code's registry of models: the module named by an option's default
    keras = pytest.importorskip("keras")
    _write(tmp_path, {
        "models/__init__.py": "",
        "models/small.py": "import keras\n\n\ndef build():\n"
                           "    x = keras.Input((6,))\n    return keras.Model(x, keras.layers.Dense(2)(x))\n",
        "models/wide.py": "import keras\n\n\ndef build():\n"
                          "    x = keras.Input((6,))\n    return keras.Model(x, keras.layers.Dense(64)(x))\n",
        "train.py": "import argparse\nimport importlib\n\nparser = argparse.ArgumentParser()\n"
                    "parser.add_argument('--arch', default='wide')\nargs = parser.parse_args([])\n"
                    "model = importlib.import_module('models.' + args.arch).build()\n"
                    "same = importlib.import_module('.wide', 'models')\n",
    })
    expected = keras_facts(keras, tmp_path, "train.py")
    (report,) = api.analyze_python(str(tmp_path / "train.py"))
    assert ours(report) == expected["layers"] and report.total_params == expected["total"] == 6 * 64 + 64


# A folder, or the pre-commit hook's batch, judges a .py by whether it imports Keras. The
# script that builds the model with its project's module may not, and a data loader that
# imports TensorFlow builds none.
FOLDER = {
    "proj/model.py": """\
        from tensorflow.keras import Input, Model, layers


        def build(units):
            inputs = Input((10, 8))
            x = layers.LSTM(units)(inputs)
            x = layers.LSTM(units)(x)
            return Model(inputs, x)
        """,
    "proj/train.py": "from model import build\n\nmodel = build(32)\nmodel.summary()\n",
    "proj/data.py": "import tensorflow as tf\n\n\ndef load():\n    return tf.data.Dataset.range(3)\n",
    "proj/run.py": "from data import load\n\nprint(load())\n",
    "proj/plots.py": "import matplotlib.pyplot as plt\n\nplt.plot([1, 2])\n",
}


def test_a_folder_checks_the_script_that_builds_with_a_module(tmp_path, monkeypatch, capsys):
    from shapecheck.cli import main

    _write(tmp_path, FOLDER)
    for name, line in [("explore", "from model import build\nmodel = build(16)"), ("look", "from data import load")]:
        (tmp_path / "proj" / f"{name}.ipynb").write_text(json.dumps({"cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": line}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    monkeypatch.chdir(tmp_path)
    for given, checked in [(["proj"], ["proj/explore.ipynb", "proj/model.py", "proj/train.py"]),
                           (["--only-models", "proj/train.py", "proj/run.py", "proj/plots.py"], ["proj/train.py"]),
                           (["--only-models", "proj/data.py", "proj/run.py"], [])]:
        assert main([*given, "--format", "json"]) == (1 if checked else 0)
        assert [f["path"] for f in json.loads(capsys.readouterr().out)["files"]] == checked
    # named without --only-models, a file that builds no model is still a finding
    assert main(["-q", "proj/data.py"]) == 1 and "SC102" in capsys.readouterr().out


def test_a_folder_reads_each_module_once_to_judge_its_scripts(tmp_path, monkeypatch):
    """Judging 40 scripts that import the same modules (none of them Keras) reads each
    module once, and walks their imports once."""
    from shapecheck.cli import main

    for i in range(6):
        _write(tmp_path, {f"lib/m{i}.py": f"import os\nfrom lib import m{(i + 1) % 6}\n\n\ndef f(x):\n    return x\n"})
    _write(tmp_path, {"lib/__init__.py": "", **{f"s{i}.py": "from lib import m0, m3\nprint(1)\n" for i in range(40)}})
    parsed = []
    real = project._parse
    monkeypatch.setattr(project, "_parse", lambda path: parsed.append(path) or real(path))
    assert main([str(tmp_path), "--jobs", "1", "-q"]) == 0
    assert sorted(Path(p).name for p in parsed) == ["__init__.py"] + [f"m{i}.py" for i in range(6)]


@pytest.mark.parametrize("fmt", ["text", "quiet", "github", "sarif"])
def test_a_finding_two_checked_files_reach_is_said_once(fmt, tmp_path, monkeypatch, capsys):
    from shapecheck.cli import main

    _write(tmp_path, FOLDER)
    monkeypatch.chdir(tmp_path)
    args = ["-q"] if fmt == "quiet" else [] if fmt == "text" else ["--format", fmt]
    assert main(["proj/train.py", "proj/model.py", *args]) == 1
    out = capsys.readouterr().out
    if fmt == "sarif":
        results = json.loads(out)["runs"][0]["results"]
        said = [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in results]
        assert said == [("SC301", 7), ("SC604", 6)]
        return
    assert out.count("SC301") == 1 and out.count("SC604") == 1
    # said where it is first reached: train.py builds it with units=32
    where = "file=proj/model.py,line=7,col=9" if fmt == "github" else "proj/model.py:7:9: SC301"
    assert where in out and "Full shape received: (None, 32)" in out
    if fmt != "github":
        assert out.rstrip().splitlines()[-1] == "1 error in 1 of 2 files"


def test_json_output_keeps_every_report_whole(tmp_path, monkeypatch, capsys):
    from shapecheck.cli import main

    _write(tmp_path, FOLDER)
    monkeypatch.chdir(tmp_path)
    assert main(["proj/train.py", "proj/model.py", "--format", "json"]) == 1
    files = json.loads(capsys.readouterr().out)["files"]
    assert [[d["code"] for d in f["diagnostics"]] for f in files] == [["SC301"], ["SC604", "SC301"]]
