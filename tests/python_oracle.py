"""The oracle for the Python front-end: run a corpus entry with real Keras and report the
facts of every model it builds.

Only the test suite uses this module; shapecheck itself never imports Keras.

    entries = load_manifest()                    # tests/corpus/python/MANIFEST.json
    path = source_path(entry)                    # the file a static reader reads
    facts = run_entries(entries)                 # {id: facts}, one subprocess per flavour
    facts = run_file("train.py", flavour="keras3")   # any file
    python tests/python_oracle.py --write        # regenerate tests/corpus/python/expected.json
    python tests/python_oracle.py --show ID      # print one entry's facts
    python tests/python_oracle.py --check-fresh  # each entry in its own process == batched run?

Where an entry's file comes from (tests/corpus/python/README.md has the fields): our own
files (``package: "own"``) live in tests/corpus/python/own/; every other file is
fetched from the package registry that publishes it by tests/corpus_sources.py
(cached, sha256 checked). An entry with ``lines`` (or ``blocks``, the fenced
```` ```python ```` blocks of a Markdown file) runs an excerpt: every other line is
blanked, so line numbers stay those of the published file; the excerpt is written to
the cache (``derived/<id>.py``), and that file is what a static reader reads too. A
Jupyter notebook (``.ipynb``) runs as Jupyter runs its code cells top to bottom
(``notebook_script``), each code line on its own line of the notebook file; its
excerpt (``lines``) is a notebook whose other source lines are empty
(``derived/<id>.ipynb``), which the static reader reads as a notebook.

Each entry runs in a subprocess (this module, ``--worker``): Keras 3 for flavour
"keras3" (``keras_core``, Keras 3's pre-release name, aliased to ``keras``); tf_keras
for "tf.keras" and "keras2", with ``TF_USE_LEGACY_KERAS=1`` (so ``tensorflow.keras`` is
tf_keras) and ``keras`` / ``keras.*`` aliased to ``tf_keras`` / ``tf_keras.*``. For
"keras2" (code written for Keras 2.0-2.3) the old module paths that tf_keras flattened
(``keras.layers.recurrent``, ``keras.utils.data_utils``, ... see ``KERAS2_MODULES``)
are the public modules that hold the same names now, and ``keras.optimizers.X`` is
tf_keras's legacy optimizer (it still takes ``lr=`` and ``decay=``). One worker runs
every entry of a flavour, each in a fresh ``__main__`` namespace, with
``keras.backend.clear_session()`` before each so that auto-names restart at ``dense``,
``dense_1`` as in a fresh process (``--check-fresh`` verifies that). Flavour "tfa" (tf.keras
2 code with TensorFlow Addons layers) runs in another environment, TensorFlow 2.15 with
tensorflow-addons 0.23, whose tf.keras is the Keras 2.15 package itself: its python is
``SHAPECHECK_TFA_PYTHON``. Without it, those entries are not re-run, and ``--write``
keeps their stored facts (``rerunnable``).

Before a file runs:

* ``Model.fit/evaluate/predict/compile/summary/save/save_weights/load_weights`` (and
  tf_keras's ``*_generator``/``*_on_batch``, Keras 2's ``predict_classes``/
  ``predict_proba``) are no-ops (``predict`` returns zeros of the outputs' shapes,
  ``fit`` an empty History), ``keras.utils.plot_model`` is a no-op and
  ``keras.utils.get_file`` raises (an entry whose file needs the network runs an
  excerpt instead);
* the standard datasets' ``load_data`` return arrays of the real datasets' shapes and
  dtypes: x all zeros (imdb and reuters: lists of one token each), y the class ids
  ``0, 1, ..., classes-1, 0, 1, ...`` (so ``np.max(y_train) + 1`` is the real number of
  classes; see ``DATASETS``);
* packages in ``STUBBED_PACKAGES`` (matplotlib, sklearn, pandas, PIL, IPython, ...) import
  as stubs whose every attribute is a no-op callable, installed or not;
* the entry's ``modules`` (``{"keras_unet": {"TF": true}}``) are importable as modules
  with those attributes (a package's ``__init__`` that the entry's file imports a
  flag from);
* the entry's ``bindings`` are bound as globals: ``{"value": v}`` (any JSON value) or
  ``{"zeros": [shape], "dtype": ...}`` (a zero array) or ``{"module": "keras"}`` (an
  imported module: a snippet that relies on an earlier snippet's import). A binding with ``"expr"`` and
  ``"line"`` also replaces that exact expression on that line by the binding's name in
  the executed source (a data-derived size: ``len(input_characters)`` becomes
  ``num_encoder_tokens``); the file on disk stays as published.

After it ran, the entry's ``call`` (e.g. ``"ResNet50(weights=None)"``) is evaluated in its
namespace. Every model whose ``__init__`` started is captured, in creation order, with
the file line and function it was created from and the global names bound to it
(Keras 3's private Functional inside a Sequential is not a model the file builds and is
skipped).

Facts per entry: ``{"flavour", "models": [...], "error": null | {"type", "message",
"line", "function"}}``; per model: ``name``, ``class``, ``created_at`` {line, function},
``variables``, ``complete`` (its ``__init__`` returned), ``built``, ``inputs``,
``outputs`` (shapes, ``null`` for an unknown axis), ``layers`` (``model.layers`` as Keras
lists them: ``name``, ``class``, ``output_shapes`` of the layer's first call, ``weights``
[``name``, ``shape``, ``trainable``] with Keras 3's ``variable.path`` / tf_keras's
``variable.name``, ``params``), ``total_params``, ``trainable_params``,
``non_trainable_params``; for Keras 3 also ``ops``: graph operations that are not layers
(``x += residual``, ``keras.ops.*`` on KerasTensors), which tf_keras instead lists as
``TFOpLambda`` layers. An error's ``line`` is the last traceback frame in the entry's
file (the statement Keras raised at); messages have ``0x...`` addresses,
``keras_tensor_<n>`` names and file paths (the entry's file by its name, installed code
as ``<site-packages>/...``) normalised.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import corpus_sources  # noqa: E402

CORPUS_DIR = HERE / "corpus" / "python"
MANIFEST = CORPUS_DIR / "MANIFEST.json"
EXPECTED = CORPUS_DIR / "expected.json"
#: Excerpts (``lines``/``blocks`` entries) are written here, named by entry id.
DERIVED = corpus_sources.CACHE / "derived" / "python"

FLAVOURS = ("keras3", "tf.keras", "keras2", "tfa")
#: Packages a corpus file may import for plotting, evaluation or image I/O only; stubbed
#: when they are not installed (every attribute is a no-op callable).
STUBBED_PACKAGES = ("matplotlib", "matplotlib_inline", "pylab", "sklearn", "pandas", "seaborn", "IPython",
                    "pydot", "graphviz", "gdown", "PIL", "imageio", "cairocffi", "editdistance", "cv2", "tqdm",
                    "imgaug")
#: Seconds a single file may run inside a worker.
FILE_TIMEOUT = 60

#: name -> (train x shape, train y shape, test x shape, test y shape, x dtype, y dtype,
#: classes); x of imdb/reuters is a list of int lists (one token each); y cycles through
#: the class ids (zeros when ``classes`` is None: a regression target).
DATASETS = {
    "mnist": ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,), "uint8", "uint8", 10),
    "fashion_mnist": ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,), "uint8", "uint8", 10),
    "cifar10": ((50000, 32, 32, 3), (50000, 1), (10000, 32, 32, 3), (10000, 1), "uint8", "uint8", 10),
    "cifar100": ((50000, 32, 32, 3), (50000, 1), (10000, 32, 32, 3), (10000, 1), "uint8", "int64", 100),
    "imdb": ((25000,), (25000,), (25000,), (25000,), "object", "int64", 2),
    "reuters": ((8982,), (8982,), (2246,), (2246,), "object", "int64", 46),
    "boston_housing": ((404, 13), (404,), (102, 13), (102,), "float64", "float64", None),
}

#: Keras 2.x module paths that tf_keras no longer has -> the public module that holds
#: the same names (flavour "keras2" only).
KERAS2_MODULES = {
    "keras.layers.core": "tf_keras.layers",
    "keras.layers.convolutional": "tf_keras.layers",
    "keras.layers.convolutional_recurrent": "tf_keras.layers",
    "keras.layers.recurrent": "tf_keras.layers",
    "keras.layers.embeddings": "tf_keras.layers",
    "keras.layers.merge": "tf_keras.layers",
    "keras.layers.pooling": "tf_keras.layers",
    "keras.layers.normalization": "tf_keras.layers",
    "keras.layers.noise": "tf_keras.layers",
    "keras.layers.wrappers": "tf_keras.layers",
    "keras.layers.advanced_activations": "tf_keras.layers",
    "keras.layers.local": "tf_keras.layers",
    "keras.engine.topology": "tf_keras.layers",
    "keras.utils.data_utils": "tf_keras.utils",
    "keras.utils.generic_utils": "tf_keras.utils",
    "keras.utils.np_utils": "tf_keras.utils",
    "keras.utils.vis_utils": "tf_keras.utils",
}


def load_manifest() -> list[dict]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def _ranges(spec: str) -> set[int]:
    """``"1-40,52,60-75"`` -> the line numbers."""
    keep: set[int] = set()
    for part in spec.split(","):
        a, _, b = part.strip().partition("-")
        keep.update(range(int(a), int(b or a) + 1))
    return keep


_FENCE = re.compile(r"^\s*```+\s*(\w*)")


def excerpt(text: str, lines: str | None = None, blocks: list[int] | None = None) -> str:
    """The text with every line outside ``lines`` (``"1-40,52-75"``) or outside the
    chosen fenced ```` ```python ```` ``blocks`` (1-based, in order) blanked: line numbers
    stay those of the original."""
    src = text.splitlines()
    keep = set(range(1, len(src) + 1))
    if blocks is not None:
        keep, n, inside = set(), 0, False
        for i, line in enumerate(src, 1):
            m = _FENCE.match(line)
            if m and not inside:
                inside = True
                if m.group(1) == "python":
                    n += 1
                take = m.group(1) == "python" and n in blocks
            elif m and inside:
                inside = False
            elif inside and take:
                keep.add(i)
    if lines:
        keep &= _ranges(lines)
    return "".join((line if i in keep else "") + "\n" for i, line in enumerate(src, 1))


# A notebook line IPython runs as a magic or a shell command (and ``x = !ls``, which
# assigns one's output); the oracle's own reading, written apart from shapecheck's.
_MAGIC = re.compile(r"^(\s*)[%!]")
_MAGIC_VALUE = re.compile(r"^(\s*[A-Za-z_][\w.]*\s*=\s*)[%!]")


def notebook_script(text: str) -> str:
    """A Jupyter notebook's code cells as the script Jupyter runs top to bottom, each
    code line on the notebook file's own line (every other line blank), so a line the
    script names is the file's. Only the layout Jupyter writes (nbformat 4, a source
    line a JSON string a file line) is accepted. Magics, shell lines and help
    (``obj?``) do nothing (``pass``; an assignment of one gets None); a ``%%time``/``%%capture`` cell runs its
    body, any other cell magic's cell is left out."""
    cells = [c for c in json.loads(text)["cells"] if c["cell_type"] == "code"]
    file_lines = text.split("\n")
    out = [""] * len(file_lines)
    at = 0  # where the search for the next cell's source starts
    for cell in cells:
        source = cell["source"] if isinstance(cell["source"], list) else [cell["source"]]
        if not source:
            continue
        first = next(i for i in range(at, len(file_lines))
                     if file_lines[i].strip().startswith('"source": [')
                     and json.loads(file_lines[i + 1].strip().rstrip(",")) == source[0])
        code = [json.loads(file_lines[first + 1 + k].strip().rstrip(",")) for k in range(len(source))]
        if code != source:
            raise ValueError("not the layout Jupyter writes: a source line a file line")
        at = first + 1 + len(source)
        magic = code[0].startswith("%%")
        skip_cell = magic and code[0][2:].split()[0] not in ("time", "timeit", "capture")
        for k, line in enumerate(code):
            line = line.rstrip("\n")
            if skip_cell or k == 0 and magic:
                line = ""
            elif (m := _MAGIC_VALUE.match(line)):
                line = m.group(1) + "None"
            elif (m := _MAGIC.match(line)) or line.rstrip().endswith("?"):  # or help: obj?
                line = line[:len(line) - len(line.lstrip())] + "pass"
            out[first + 1 + k] = line
    return "\n".join(out) + "\n"


_JSON_STRING_LINE = re.compile(r'^(\s*)"((?:[^"\\]|\\.)*)"(,?)\s*$')


def notebook_excerpt(text: str, lines: str) -> str:
    """A notebook with every source line outside ``lines`` (file lines, ``"1-40,52-75"``)
    made empty, its line break kept: every other line, and so every line number, stays
    the file's. Only Jupyter's layout (a source line a file line) is cut so."""
    keep = _ranges(lines)
    out = []
    for i, line in enumerate(text.split("\n"), 1):
        m = _JSON_STRING_LINE.match(line)
        if m and i not in keep:
            empty = "\\n" if m.group(2).endswith("\\n") else ""  # the line break, written as JSON writes it
            line = f'{m.group(1)}"{empty}"{m.group(3)}'
        out.append(line)
    return "\n".join(out)


def runnable(path: Path) -> str:
    """What the oracle runs of a file: its text, or a notebook's script."""
    text = path.read_text(encoding="utf-8")
    return notebook_script(text) if path.suffix == ".ipynb" else text


def source_path(entry: dict, require: bool = False) -> Path:
    """The file an entry runs (and a static reader reads): our own file, the fetched
    registry file, the excerpt of it written to the cache, or a project's driver.

    ``require``: inside a test, skip (fail under CI) when the registry is unreachable."""
    if entry["package"] == "own":
        return CORPUS_DIR / entry["member"]
    fetch = corpus_sources.require_source if require else corpus_sources.fetch_source
    if "members" in entry:
        return _project(entry, fetch)
    path = fetch(entry["package"], entry["member"], entry["sha256"])
    if not entry.get("lines") and entry.get("blocks") is None:
        return path
    if path.suffix == ".ipynb":  # a notebook stays one, for the reader of notebooks
        text = notebook_excerpt(path.read_text(encoding="utf-8"), entry["lines"])
        out = DERIVED / f"{entry['id']}.ipynb"
    else:
        text = excerpt(path.read_text(encoding="utf-8"), entry.get("lines"), entry.get("blocks"))
        out = DERIVED / f"{entry['id']}.py"
    if not out.is_file() or out.read_text(encoding="utf-8") != text:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    return out


def _project(entry: dict, fetch) -> Path:
    """A project entry's tree in the cache (``projects/<id>/``): its ``members`` (every
    module of the package that Python may import on the way, fetched and checked), laid
    out below ``root`` as the archive has them, and ``driver.py`` beside the package, the
    entry's ``driver`` statements: a script that imports the builder and builds."""
    tree = DERIVED / "projects" / entry["id"]
    root = entry["root"].rstrip("/") + "/" if entry["root"] else ""
    for member, sha256 in entry["members"].items():
        data = fetch(entry["package"], member, sha256).read_bytes()
        out = tree / member[len(root):]
        if not out.is_file() or out.read_bytes() != data:
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(out.name + f".{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, out)
    driver = tree / "driver.py"
    if not driver.is_file() or driver.read_text(encoding="utf-8") != entry["driver"]:
        tmp = driver.with_name(f"driver.py.{os.getpid()}.tmp")
        tmp.write_text(entry["driver"], encoding="utf-8")
        os.replace(tmp, driver)
    return driver


def _apply_bindings(source: str, bindings: dict, where: str) -> str:
    """Replace each binding's ``expr`` on its ``line`` (an int or a list) by the
    binding's name."""
    lines = source.split("\n")
    for name, b in bindings.items():
        expr = b.get("expr")
        if not expr:
            continue
        for n in b["line"] if isinstance(b["line"], list) else [b["line"]]:
            if expr not in lines[n - 1]:
                raise ValueError(f"{where}: binding {name}: {expr!r} is not on line {n}: {lines[n - 1]!r}")
            lines[n - 1] = lines[n - 1].replace(expr, name)
    return "\n".join(lines)


def _job(entry: dict, require: bool = False) -> dict:
    path = source_path(entry, require)
    bindings = entry.get("bindings") or {}
    source = _apply_bindings(runnable(path), bindings, entry["id"])
    return {
        "id": entry["id"],
        "path": str(path),
        "source": source,
        "flavour": entry["flavour"],
        "values": {k: b["value"] for k, b in bindings.items() if "value" in b},
        "arrays": {k: {"shape": b["zeros"], "dtype": b.get("dtype", "float32")}
                   for k, b in bindings.items() if "zeros" in b},
        "imports": {k: b["module"] for k, b in bindings.items() if "module" in b},
        "call": entry.get("call"),
        "modules": entry.get("modules") or {},
        # a project's driver imports the package beside it, as `python driver.py` would
        "sys_path": str(path.parent) if "members" in entry else None,
    }


def _run_worker(flavour: str, jobs: list[dict]) -> dict:
    """One subprocess running every job of one flavour; returns {id: facts}."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    env["KERAS_BACKEND"] = "tensorflow"
    env["PYTHONHASHSEED"] = "0"
    env["CUDA_VISIBLE_DEVICES"] = ""
    python = sys.executable
    if flavour == "keras3":
        env.pop("TF_USE_LEGACY_KERAS", None)
    elif flavour == "tfa":  # TensorFlow 2.15 with tfa, whose tf.keras is Keras 2.15 itself
        env.pop("TF_USE_LEGACY_KERAS", None)
        python = tfa_python()
    else:
        env["TF_USE_LEGACY_KERAS"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        job_file = Path(tmp) / "jobs.json"
        out_file = Path(tmp) / "facts.json"
        job_file.write_text(json.dumps(jobs))
        proc = subprocess.run(
            [python, str(Path(__file__).resolve()), "--worker", flavour, str(job_file), str(out_file)],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=FILE_TIMEOUT * len(jobs) + 120,
        )
        if proc.returncode != 0 or not out_file.exists():
            raise RuntimeError(
                f"oracle worker ({flavour}) failed with code {proc.returncode}:\n{proc.stderr[-4000:]}"
            )
        return json.loads(out_file.read_text())


#: The interpreter that runs the "tfa" flavour: one with tensorflow-addons 0.23 (its last
#: release) and TensorFlow 2.15, which the test environment's TensorFlow is too new for.
TFA_PYTHON = "SHAPECHECK_TFA_PYTHON"


def tfa_python() -> str:
    python = os.environ.get(TFA_PYTHON)
    if not python:
        raise RuntimeError(f"the tfa flavour runs in an environment with tensorflow-addons: set {TFA_PYTHON} "
                           "to its python (tests/addons_oracle.py says how to make one)")
    return python


def rerunnable(entries: list[dict]) -> list[dict]:
    """The entries this environment can run: the tfa flavour's only where its python is given."""
    return [e for e in entries if e["flavour"] != "tfa" or os.environ.get(TFA_PYTHON)]


def run_entries(entries: list[dict], require: bool = False) -> dict:
    """Facts of manifest entries, one subprocess per flavour; {id: facts}."""
    by_flavour: dict[str, list[dict]] = {}
    for e in entries:
        by_flavour.setdefault(e["flavour"], []).append(_job(e, require))
    out = {}
    for flavour in FLAVOURS:
        if flavour in by_flavour:
            out.update(_run_worker(flavour, by_flavour[flavour]))
    return {e["id"]: out[e["id"]] for e in entries}


def run_entry(entry: dict, require: bool = False) -> dict:
    """Facts of one manifest entry (a subprocess of its own)."""
    return run_entries([entry], require)[entry["id"]]


def run_file(path, flavour: str = "keras3", values: dict | None = None, call: str | None = None) -> dict:
    """Facts of the models any file builds (a subprocess of its own); ``values`` are
    bound as globals first."""
    return run_files([path], flavour, values, call)[Path(path).name]


def run_files(paths, flavour: str = "keras3", values: dict | None = None, call: str | None = None) -> dict:
    """``run_file`` for several files, in one subprocess: {file name: facts}."""
    jobs = []
    for path in map(Path, paths):
        path = path.resolve()
        jobs.append({"id": path.name, "path": str(path), "source": runnable(path),
                     "flavour": flavour, "values": dict(values or {}), "arrays": {}, "imports": {},
                     "call": call, "modules": {}})
    return _run_worker(flavour, jobs)


# =========================================================================== worker
def _worker_main(flavour: str, job_file: str, out_file: str) -> None:
    import contextlib
    import gc
    import inspect
    import io
    import linecache
    import re
    import signal
    import threading
    import time
    import traceback
    import types

    jobs = json.loads(Path(job_file).read_text())

    import importlib
    import importlib.abc
    import importlib.util

    class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        """``alias`` and ``alias.x.y`` are the modules ``target`` and ``target.x.y``."""

        def __init__(self, alias, target, overrides=None):
            self.alias, self.target = alias, target
            self.overrides = overrides or {}

        def find_spec(self, fullname, path=None, target=None):
            if fullname == self.alias or fullname.startswith(self.alias + "."):
                return importlib.util.spec_from_loader(fullname, self)
            return None

        def create_module(self, spec):
            if spec.name in self.overrides:
                return importlib.import_module(self.overrides[spec.name])
            return importlib.import_module(self.target + spec.name[len(self.alias):])

        def exec_module(self, module):
            pass

    class _Anything:
        """What a stubbed module's attributes are: callable, subscriptable, iterable
        (empty), usable as a context manager; every attribute is another one."""

        def __call__(self, *args, **kwargs):
            return _Anything()

        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return _Anything()

        def __getitem__(self, key):
            return _Anything()

        def __iter__(self):
            return iter(())

        def __len__(self):
            return 0

        def __bool__(self):
            return False

        def _arith(self, *args):
            return _Anything()

        __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _arith
        __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _arith
        __neg__ = __pow__ = _arith

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    class _StubModule(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            return _Anything()

    class _Stubs(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        """Plotting/analysis packages a corpus file may import: always stubbed, installed
        or not (they build no model), so every environment runs the files alike."""

        def find_spec(self, fullname, path=None, target=None):
            if fullname.split(".")[0] in STUBBED_PACKAGES:
                return importlib.util.spec_from_loader(fullname, self, is_package=True)
            return None

        def create_module(self, spec):
            return _StubModule(spec.name)

        def exec_module(self, module):
            module.__path__ = []

    legacy = flavour != "keras3"
    if flavour == "tfa":
        # TensorFlow 2.15: tf.keras is the Keras 2.15 package itself, ``keras``
        import keras as K
        import tensorflow as tf  # noqa: F401
        import tensorflow_addons as _tfa  # noqa: F401  (imported once, before the files run)
        from keras.src.engine import functional as _functional
        from keras.src.engine import sequential as _sequential
        from keras.src.engine import training as _training

        model_classes = [_training.Model, _functional.Functional, _sequential.Sequential]
        dataset_modules = ["keras.datasets.{}", "tensorflow.keras.datasets.{}", "keras.src.datasets.{}"]
        util_modules = ["keras.utils", "tensorflow.keras.utils", "keras.src.utils.vis_utils"]
    elif legacy:
        import tf_keras as K

        sys.modules["keras"] = K
        sys.meta_path.insert(0, _Alias("keras", "tf_keras", KERAS2_MODULES if flavour == "keras2" else None))
        import tensorflow as tf  # noqa: F401  (tf.keras is tf_keras now)
        from tf_keras.src.engine import functional as _functional
        from tf_keras.src.engine import sequential as _sequential
        from tf_keras.src.engine import training as _training

        model_classes = [_training.Model, _functional.Functional, _sequential.Sequential]
        if flavour == "keras2":
            # Keras 2.0-2.3's optimizers took lr= and decay=; tf_keras's legacy ones still do.
            for _name in ("SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam"):
                setattr(K.optimizers, _name, getattr(K.optimizers.legacy, _name))
            # ``from keras.layers import recurrent`` looks the old module up as an attribute.
            for _old, _new in KERAS2_MODULES.items():
                _parent, _, _attr = _old.rpartition(".")
                try:
                    _parent_mod = importlib.import_module("tf_keras" + _parent[len("keras"):])
                except ImportError:  # keras.engine: no tf_keras.engine to hang it on
                    continue
                if not hasattr(_parent_mod, _attr):
                    setattr(_parent_mod, _attr, importlib.import_module(_new))
            # numpy 2 removed the aliases np.float, np.int, np.bool that Keras 2 era code used.
            import numpy as _np

            for _name, _type in (("float", float), ("int", int), ("bool", bool), ("object", object)):
                if _name not in _np.__dict__:
                    setattr(_np, _name, _type)
        dataset_modules = ["tf_keras.datasets.{}", "tensorflow.keras.datasets.{}", "keras.datasets.{}"]
        util_modules = ["tf_keras.utils", "tensorflow.keras.utils", "tf_keras.src.utils.vis_utils"]
    else:
        import keras as K

        # keras_core is Keras 3's pre-release name (keras-team/keras examples/keras_io/).
        sys.modules["keras_core"] = K
        sys.meta_path.insert(0, _Alias("keras_core", "keras"))
        import tensorflow as tf  # noqa: F401
        from keras.src.models import functional as _functional
        from keras.src.models import model as _model
        from keras.src.models import sequential as _sequential

        model_classes = [_model.Model, _functional.Functional, _sequential.Sequential]
        dataset_modules = ["keras.datasets.{}", "keras.src.datasets.{}", "tensorflow.keras.datasets.{}"]
        util_modules = ["keras.utils", "keras.src.utils", "tensorflow.keras.utils"]

    import numpy as np

    def _import(name):
        import importlib

        try:
            return importlib.import_module(name)
        except Exception:
            return None

    # ------------------------------------------------------------- datasets
    def _fake_loader(ds):
        xtr, ytr, xte, yte, xdt, ydt, classes = DATASETS[ds]

        def _x(shape):
            if xdt == "object":
                arr = np.empty(shape, dtype=object)
                for i in range(shape[0]):
                    arr[i] = [1]
                return arr
            return np.zeros(shape, dtype=xdt)

        def _y(shape):
            if classes is None:
                return np.zeros(shape, dtype=ydt)
            return (np.arange(shape[0]) % classes).astype(ydt).reshape(shape)

        def load_data(*args, **kwargs):
            return (_x(xtr), _y(ytr)), (_x(xte), _y(yte))

        return load_data

    for ds in DATASETS:
        loader = _fake_loader(ds)
        for pattern in dataset_modules:
            mod = _import(pattern.format(ds))
            if mod is not None and hasattr(mod, "load_data"):
                mod.load_data = loader

    def _no_network(*args, **kwargs):
        raise RuntimeError("python_oracle: get_file() needs the network; excerpt this file instead")

    def _noop(*args, **kwargs):
        return None

    for name in util_modules:
        mod = _import(name)
        if mod is None:
            continue
        if hasattr(mod, "plot_model"):
            mod.plot_model = _noop
        if hasattr(mod, "get_file"):
            mod.get_file = _no_network
    for name in ("keras.utils.data_utils", "tf_keras.src.utils.data_utils", "keras.src.utils.file_utils",
                 "keras.src.utils.data_utils"):
        mod = _import(name)
        if mod is not None and hasattr(mod, "get_file"):
            mod.get_file = _no_network

    # ------------------------------------------------------------- Model methods
    base_model = model_classes[0]

    class _Metrics(dict):
        """A stubbed fit's History.history: every metric has an empty list."""

        def __missing__(self, key):
            return []

    def _history(*args, **kwargs):
        h = K.callbacks.History()
        h.history = _Metrics()
        return h

    def _predict(self, x=None, *args, **kwargs):
        first = x
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        if isinstance(first, dict):
            first = next(iter(first.values()))
        n = len(first) if hasattr(first, "__len__") else 1
        outs = [np.zeros((n,) + tuple(1 if d is None else int(d) for d in o.shape[1:]), "float32")
                for o in self.outputs]
        return outs[0] if len(outs) == 1 else outs

    def _predict_classes(self, x=None, *args, **kwargs):
        out = _predict(self, x)
        out = out[0] if isinstance(out, list) else out
        # Keras 2: argmax over the last axis, or proba > 0.5 for a single unit
        return np.zeros(out.shape[:-1] if out.shape[-1] > 1 else out.shape, "int64")

    def _evaluate(*args, **kwargs):
        return [0.0, 0.0]

    for meth, repl in (("fit", _history), ("fit_generator", _history), ("evaluate", _evaluate),
                       ("evaluate_generator", _evaluate), ("predict", _predict),
                       ("predict_generator", _predict), ("predict_classes", _predict_classes),
                       ("predict_proba", _predict), ("compile", _noop), ("summary", _noop),
                       ("save", _noop), ("save_weights", _noop), ("load_weights", _noop),
                       ("train_on_batch", _evaluate), ("test_on_batch", _evaluate),
                       ("predict_on_batch", _predict)):
        if hasattr(base_model, meth) or meth in ("predict_classes", "predict_proba"):
            setattr(base_model, meth, repl)

    # ------------------------------------------------------------- model capture
    state = threading.local()
    state.created = []  # [model, created_at, complete-flag dict]
    state.seen = set()
    state.path = None

    def _origin():
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_filename == state.path:
                return {"line": frame.f_lineno, "function": frame.f_code.co_name}
            frame = frame.f_back
        return None

    _SEQUENTIAL_INTERNAL = os.path.join("keras", "src", "models", "sequential.py")

    def _wrap_init(cls):
        orig = cls.__dict__["__init__"]

        def __init__(self, *args, **kwargs):
            rec = None
            caller = sys._getframe(1).f_code.co_filename
            if caller.endswith(_SEQUENTIAL_INTERNAL):
                # Keras 3's Sequential keeps a private Functional (rebuilt on every
                # add()); it is not a model the file builds.
                state.seen.add(id(self))
            if id(self) not in state.seen:
                state.seen.add(id(self))
                rec = {"model": self, "created_at": _origin(), "complete": False}
                state.created.append(rec)
            orig(self, *args, **kwargs)
            if rec is not None:
                rec["complete"] = True

        # Keras 3 reads __init__'s signature (inspect.signature *and* getfullargspec)
        # to record a layer's config: show it the original one.
        __init__.__signature__ = inspect.signature(orig)
        __init__.__name__ = orig.__name__
        __init__.__qualname__ = orig.__qualname__
        cls.__init__ = __init__

    for cls in model_classes:
        _wrap_init(cls)

    # ------------------------------------------------------------- facts
    def _shape(t):
        try:
            s = t.shape
        except Exception:
            return None
        if s is None:
            return None
        try:
            dims = list(s)
        except (TypeError, ValueError):
            return None
        return [None if d is None else int(d) for d in dims]

    def _flat(x):
        if x is None:
            return []
        if isinstance(x, dict):
            return [v for k in x for v in _flat(x[k])]
        if isinstance(x, (list, tuple)):
            return [v for item in x for v in _flat(item)]
        return [x]

    def _first_outputs(layer):
        try:
            nodes = layer._inbound_nodes if not legacy else layer.inbound_nodes
        except Exception:
            return None
        if not nodes:
            return None
        node = nodes[0]
        outs = node.output_tensors if not legacy else node.outputs
        return [_shape(t) for t in _flat(outs)]

    def _weights(layer):
        # trainable: among the layer's trainable weights, which is what its counts are of
        # (tfa's WeightNormalization holds a frozen copy of its layer whose variables say
        # trainable=True)
        trainable = {id(v) for v in layer.trainable_weights}
        out = []
        for v in layer.weights:
            out.append({
                "name": v.path if not legacy else v.name,
                "shape": [int(d) for d in v.shape],
                "trainable": id(v) in trainable,
            })
        return out

    def _numel(shape):
        n = 1
        for d in shape:
            n *= int(d)
        return n

    def _safe(fn, default=None):
        try:
            return fn()
        except Exception:
            return default

    def _model_facts(rec, ns):
        m = rec["model"]
        facts = {
            "name": _safe(lambda: m.name),
            "class": type(m).__name__,
            "created_at": rec["created_at"],
            "variables": sorted(k for k, v in ns.items() if v is m and not k.startswith("__")),
            "complete": rec["complete"],
            "built": bool(_safe(lambda: m.built, False)),
            "inputs": _safe(lambda: [_shape(t) for t in _flat(m.inputs)]),
            "outputs": _safe(lambda: [_shape(t) for t in _flat(m.outputs)]),
            "layers": [],
        }
        for layer in _safe(lambda: list(m.layers), []):
            facts["layers"].append({
                "name": layer.name,
                "class": type(layer).__name__,
                "output_shapes": _first_outputs(layer),
                "weights": _safe(lambda layer=layer: _weights(layer), []),
                "params": _safe(lambda layer=layer: int(layer.count_params()) if layer.weights else 0, 0),
            })
        if not legacy:
            # Keras 3 records ops applied to KerasTensors (x += residual, keras.ops.*) as
            # graph operations that are not layers; tf_keras makes them TFOpLambda layers.
            facts["ops"] = [
                {"name": op.name, "class": type(op).__name__, "output_shapes": _first_outputs(op)}
                for op in _safe(lambda: list(m.operations), [])
                if not isinstance(op, K.layers.Layer)
            ]
        tw = _safe(lambda: sum(_numel(v.shape) for v in m.trainable_weights))
        nw = _safe(lambda: sum(_numel(v.shape) for v in m.non_trainable_weights))
        facts["total_params"] = None if tw is None or nw is None else tw + nw
        facts["trainable_params"] = tw
        facts["non_trainable_params"] = nw
        return facts

    _ADDR = re.compile(r"0x[0-9a-fA-F]+")
    _KT = re.compile(r"keras_tensor_\d+")

    _SITE = re.compile(r"[^\s\"']*/(?:site|dist)-packages/")

    def _normalise(msg, path):
        # No machine-dependent text: the entry's file by its name, installed code by
        # its path inside site-packages.
        msg = msg.replace(path, os.path.basename(path))
        msg = _SITE.sub("<site-packages>/", msg)
        return _KT.sub("keras_tensor_N", _ADDR.sub("0x...", msg))

    class _Timeout(Exception):
        pass

    def _alarm(signum, frame):
        raise _Timeout(f"file ran longer than {FILE_TIMEOUT} s")

    signal.signal(signal.SIGALRM, _alarm)

    # After Keras is imported: Keras probes for sklearn itself.
    # First, so the oracle does not depend on what else is installed: ipykernel (the
    # notebook test's) brings the real IPython and matplotlib_inline, whose import of a
    # stubbed matplotlib then failed (d2l's `from matplotlib_inline import backend_inline`).
    sys.meta_path.insert(0, _Stubs())

    results = {}
    for job in jobs:
        path = job["path"]
        source = job["source"]
        started = time.perf_counter()
        K.backend.clear_session()
        # A file may change global settings that clear_session keeps.
        K.backend.set_image_data_format("channels_last")
        K.backend.set_floatx("float32")
        K.backend.set_epsilon(1e-7)
        gc.collect()
        np.random.seed(0)
        state.created = []
        state.seen = set()
        state.path = path
        linecache.checkcache(path)
        ns = {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__}
        ns.update(job["values"])
        for name, spec in job["arrays"].items():
            ns[name] = np.zeros(tuple(spec["shape"]), dtype=spec.get("dtype", "float32"))
        for name, mod_name in job["imports"].items():
            ns[name] = importlib.import_module(mod_name)
        error = None
        sink = io.StringIO()
        module = types.ModuleType("__main__")
        saved_main = sys.modules.get("__main__")
        saved_argv = sys.argv
        sys.argv = [path]
        fake_modules = {}
        if job.get("sys_path"):
            sys.path.insert(0, job["sys_path"])
        for mod_name, attrs in job["modules"].items():
            fake = types.ModuleType(mod_name)
            fake.__dict__.update(attrs)
            fake_modules[mod_name] = sys.modules.get(mod_name)
            sys.modules[mod_name] = fake
        signal.alarm(FILE_TIMEOUT)
        try:
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                module.__dict__.update(ns)
                ns = module.__dict__
                sys.modules["__main__"] = module
                code = compile(source, path, "exec", dont_inherit=True)
                exec(code, ns)
                if job["call"]:
                    ns["__oracle_result__"] = eval(compile(job["call"], path + ":call", "eval", dont_inherit=True), ns)
        except BaseException as exc:  # noqa: BLE001  (a bug file raises; record it)
            if isinstance(exc, KeyboardInterrupt):
                raise
            frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
            last = frames[-1] if frames else None
            error = {
                "type": type(exc).__name__,
                "message": _normalise(str(exc), path),
                "line": last.lineno if last else None,
                "function": last.name if last else None,
            }
        finally:
            signal.alarm(0)
            sys.argv = saved_argv
            if job.get("sys_path"):  # the project's modules are the next project's to import
                sys.path.remove(job["sys_path"])
                for mod_name in [m for m, mod in sys.modules.items()
                                 if str(getattr(mod, "__file__", "") or "").startswith(job["sys_path"] + os.sep)]:
                    del sys.modules[mod_name]
            for mod_name, saved in fake_modules.items():
                if saved is None:
                    sys.modules.pop(mod_name, None)
                else:
                    sys.modules[mod_name] = saved
            if saved_main is not None:
                sys.modules["__main__"] = saved_main
        models = [_model_facts(rec, ns) for rec in state.created]
        if os.environ.get("PYTHON_ORACLE_TIMES"):  # seconds per entry, for trimming the corpus
            with open(os.environ["PYTHON_ORACLE_TIMES"], "a") as f:
                f.write(f"{time.perf_counter() - started:.1f} {job['id']}\n")
        results[job["id"]] = {"flavour": job["flavour"], "models": models, "error": error}
        state.created = []
        ns.clear()
    Path(out_file).write_text(json.dumps(results))


def dumps(facts) -> str:
    """JSON with one level of indentation per nesting level, but shapes and other
    lists of scalars on one line (expected.json stays readable and diffable)."""

    def scalar(v):
        return v is None or isinstance(v, (bool, int, float, str))

    def enc(v, depth):
        pad, inner = " " * depth, " " * (depth + 1)
        if isinstance(v, dict):
            if not v:
                return "{}"
            if all(scalar(x) or (isinstance(x, list) and all(scalar(y) for y in x)) for x in v.values()):
                return json.dumps(v, sort_keys=True, ensure_ascii=False)
            items = [f"{inner}{json.dumps(k)}: {enc(v[k], depth + 1)}" for k in sorted(v)]
            return "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(v, list):
            if all(scalar(x) for x in v) or all(
                isinstance(x, list) and all(scalar(y) for y in x) for x in v
            ):
                return json.dumps(v)
            return "[\n" + ",\n".join(inner + enc(x, depth + 1) for x in v) + "\n" + pad + "]"
        return json.dumps(v, ensure_ascii=False)

    return enc(facts, 0) + "\n"


# =========================================================================== CLI
def main(argv: list[str]) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--write", action="store_true", help="regenerate expected.json from every manifest entry")
    p.add_argument("--show", metavar="ID", help="print the facts of one manifest entry")
    p.add_argument("--path", metavar="ID", help="print the path of the file an entry runs")
    p.add_argument("--check-fresh", action="store_true",
                   help="run each entry in its own process and compare with the batched run")
    p.add_argument("--worker", nargs=3, metavar=("FLAVOUR", "JOBS", "OUT"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        _worker_main(*a.worker)
        return 0
    entries = load_manifest()
    by_id = {e["id"]: e for e in entries}
    if a.show:
        print(dumps(run_entry(by_id[a.show])), end="")
        return 0
    if a.path:
        print(source_path(by_id[a.path]))
        return 0
    if a.write:
        kept = json.loads(EXPECTED.read_text(encoding="utf-8")) if EXPECTED.exists() else {}
        ran = run_entries(rerunnable(entries))
        facts = {e["id"]: ran[e["id"]] if e["id"] in ran else kept[e["id"]] for e in entries}
        EXPECTED.write_text(dumps(facts), encoding="utf-8")
        print(f"wrote {EXPECTED} ({len(facts)} entries)")
        return 0
    if a.check_fresh:
        entries = rerunnable(entries)
        batched = run_entries(entries)
        bad = 0
        for e in entries:
            fresh = run_entry(e)
            if fresh != batched[e["id"]]:
                bad += 1
                print(f"DIFFERS: {e['id']}")
        print(f"{len(entries) - bad} of {len(entries)} entries give the same facts alone and batched")
        return 1 if bad else 0
    p.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
