"""The library API: ``analyze(source)`` returns a Report; it never prints or exits,
and a faulty spec gives a report with diagnostics rather than an exception."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping, Sequence

from .diagnostics import Location, make
from .errors import FileError, MissingFileError, UsageError
from .reading.spec_reader import read_spec
from .records import replace
from .report import Report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def analyze(source: Any, dims: Mapping[str, int] | None = None, custom_layers: Any = None) -> Report:
    """Analyse a model.

    ``source`` is a path to a model file (a spec, a Keras or TF.js config, a .keras
    archive, an .h5), a dict in spec form or a Keras config dict, or a live
    ``keras.Model`` (its config is read, not its weights). ``dims`` binds named sizes for
    this run (``{"t": 4995}``), like ``--dim``. ``custom_layers`` declares the shape
    rules of custom layer classes as data (docs/custom-layers.md), like the spec's
    ``custom_layers:`` (which wins for a class both declare).

    A faulty model gives a report with diagnostics. Misuse raises
    ``shapecheck.UsageError`` (an argument of the wrong kind) or
    ``shapecheck.FileError`` (a path that cannot be opened; ``MissingFileError`` when it
    does not exist), both ``shapecheck.ShapecheckError``.
    """
    from .rules.custom import CustomLayers, declare

    dims = _check_dims(dims)
    if custom_layers is not None and not isinstance(custom_layers, (Mapping, CustomLayers)):
        raise UsageError(f"custom_layers must map class names to rules, got {type(custom_layers).__name__}")
    custom = None if custom_layers is None else declare(custom_layers)
    if isinstance(source, Mapping):
        return analyze_data(dict(source), None, "dict", size_dims(dims), custom_layers=custom)
    if isinstance(source, (str, bytes, os.PathLike)):
        path = os.fsdecode(source)
        try:
            return analyze_file(path, dims, custom)
        except FileNotFoundError as e:
            raise MissingFileError(e.errno, e.strerror, path) from None
        except OSError as e:
            raise FileError(e.errno, e.strerror or str(e), path) from None
    if callable(getattr(source, "to_json", None)):
        # A model object the caller built in this process: its own to_json() is the
        # config Keras would save. Nothing else of it is used.
        try:
            text = source.to_json()
        except Exception as e:
            raise UsageError(f"{type(source).__name__}.to_json() failed: {e}") from None
        if not isinstance(text, str):
            raise UsageError(f"{type(source).__name__}.to_json() returned {type(text).__name__}, not text")
        name = getattr(source, "name", None)
        return _analyze_text(text, f"<{type(source).__name__} {name}>", size_dims(dims), "keras-json", custom)
    raise UsageError(f"analyze() takes a path, a dict or a keras.Model, got {type(source).__name__}")


def _check_dims(dims: Any) -> dict[str, Any] | None:
    if dims is None:
        return None
    if not isinstance(dims, Mapping):
        raise UsageError(f"dims must map names to sizes, got {type(dims).__name__}")
    from .dims import MAX_SIZE

    def size(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_SIZE

    for name, value in dims.items():
        if not isinstance(name, str) or not all(part.isidentifier() for part in name.split(".")):
            raise UsageError(f"dims: {name!r} is not a name")
        if not size(value) and not (isinstance(value, (tuple, list)) and all(map(size, value))):
            raise UsageError(f"dims: {name} must be an integer from 1 to 2**40 (or, for Python source, "
                             f"a tuple of them), got {value!r}")
    return {k: tuple(v) if isinstance(v, list) else v for k, v in dims.items()}


def size_dims(dims: Mapping[str, Any] | None) -> dict[str, int] | None:
    """The named sizes among ``dims``: a value a Python file gets from data
    (``x_train.shape=(60000, 28, 28)``) binds nothing in a model file or spec."""
    if dims is None:
        return None
    return {k: v for k, v in dims.items() if isinstance(v, int) and k.isidentifier()}


# Text formats (specs, JSON configs) larger than this are refused unread: the largest
# keras.applications config is a few MB.
MAX_TEXT_BYTES = 64 * 1024 * 1024
# Files read as Python source, each possibly building several models: scripts, and
# Jupyter notebooks (their code cells).
PYTHON_SUFFIXES = (".py", ".ipynb")


def analyze_file(path: str, dims: Mapping[str, int] | None = None, custom_layers: Any = None) -> Report:
    """Analyse a file without reading more of it than its format needs: archives and
    HDF5 files are opened in place (their weights are never loaded), text is read
    only below a size cap."""
    if path.endswith(PYTHON_SUFFIXES):
        reports = analyze_python(path, dims, custom_layers)
        return reports[-1]
    dims = size_dims(dims)
    if os.path.isdir(path):  # the SavedModel and HDF5 readers are imported when needed
        from .reading import saved_model

        if saved_model.is_saved_model(path):
            config, found = saved_model.read(path)
            if config is None:
                return _unreadable(path, "keras-savedmodel", *found)
            return analyze_data(config, path, "keras-savedmodel", dims, found, custom_layers)
    with open(path, "rb") as fh:
        head = fh.read(4104)
        size = os.fstat(fh.fileno()).st_size
        if head[:4] == b"PK\x03\x04":
            from .reading.archive import read_config_text

            text, found = read_config_text(fh, path)
            if text is None:
                return _unreadable(path, "keras-archive", *found)
            return _analyze_text(text, path, dims, "keras-archive", custom_layers)
        if (h5 := _hdf5(head)) is not None:
            model, found = h5.read(fh, path)
            if model is None:
                return _unreadable(path, "keras-h5", *found)
            return _with_weight_check(_analyze_text(model.config_text, path, dims, "keras-h5", custom_layers),
                                      model.weights)
        # no more than the cap, even where the size lies (a device, a growing file)
        raw = _read_up_to(fh, MAX_TEXT_BYTES + 1, head) if size <= MAX_TEXT_BYTES else head
        if size > MAX_TEXT_BYTES or len(raw) > MAX_TEXT_BYTES:
            return _unreadable(path, _spec_format(path), make(
                "SC108", f"the file is {max(size, len(raw)):,} bytes or more, over the "
                f"{MAX_TEXT_BYTES:,} a model config or spec may have; it was not read",
                Location(path, 1, 1)))
    # Neither a zip nor HDF5 (its head said so): text, decoded here so that the bytes,
    # a copy of the file, are not kept while it is analysed.
    text = _decoded(raw, path)
    del raw, head
    if isinstance(text, Report):
        return text
    return _analyze_text(text, path, dims, None, custom_layers)


def analyze_python(path: str, dims: Mapping[str, int] | None = None, custom_layers: Any = None,
                   dialect: str | None = None, bindings: Mapping[str, Any] | None = None) -> list[Report]:
    """Every model a Python file or a Jupyter notebook (``.ipynb``: its code cells, in
    order) builds, one report each, read statically (the file is never run). A file
    that builds none gives one report that says why."""
    from .reading import python

    # a notebook keeps its outputs (plots, as base64) beside the code
    cap = MAX_TEXT_BYTES if path.endswith(".ipynb") else python.MAX_SOURCE_BYTES
    with open(path, "rb") as fh:
        raw = fh.read(cap + 1)
    if len(raw) > cap and path.endswith(".ipynb"):
        return [_unreadable(path, "python", make(
            "SC108", f"the notebook is over {cap:,} bytes; it was not read", Location(path, 1, 1),
            hint="clear its outputs (Jupyter: Edit > Clear Outputs of All Cells)"))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return [_unreadable(path, "python", _not_utf8(raw, e, path))]
    return _python_reports(text, path, dims, custom_layers, dialect, bindings)


def analyze_text(text: str, path: str, dims: Mapping[str, int] | None = None,
                 custom_layers: Any = None) -> list[Report]:
    """Analyse a document's text as if it were the file at ``path``, which is never
    opened: an editor's unsaved buffer. A ``.py`` path is read as Python source (one
    report per model it builds, as ``analyze_python``; a ``.ipynb`` one as a notebook),
    anything else as a spec or a Keras/TF.js config decided by content (one report)."""
    dims = _check_dims(dims)
    if path.endswith(PYTHON_SUFFIXES):
        return _python_reports(text, path, dims, custom_layers)
    dims = size_dims(dims)
    if len(text) > MAX_TEXT_BYTES:  # the cap analyze_file applies to a file on disk
        return [_unreadable(path, _spec_format(path), make(
            "SC108", f"the document is {len(text):,} characters, over the {MAX_TEXT_BYTES:,} a model "
            "config or spec may have; it was not read", Location(path, 1, 1)))]
    return [_analyze_text(text, path, dims, None, custom_layers)]


def analyze_notebook_cells(cells: Sequence[tuple[int, str]], path: str, dims: Mapping[str, int] | None = None,
                           custom_layers: Any = None) -> list[Report]:
    """A notebook's code cells as an editor holds them, (cell number, text) each, in
    order: one report per model they build, each location at its cell's own line and
    column (``Location.cell`` names the cell)."""
    from .reading import notebook

    cells_read, found = notebook.from_cells(cells, path)
    if cells_read is None:
        return [_unreadable(path, "python", *found)]
    return _python_reports(cells_read.source, path, _check_dims(dims), custom_layers,
                           cells=cells_read, cells_found=found)


def _python_reports(text: str, path: str, dims: Mapping[str, int] | None, custom_layers: Any,
                    dialect: str | None = None, bindings: Mapping[str, Any] | None = None,
                    cells: Any = None, cells_found: Sequence[Any] = ()) -> list[Report]:
    from .engine import run
    from .reading import python
    from .reading.spec_reader import read_spec

    given = {**(dims or {}), **(bindings or {})}  # sizes, and values from data (x_train.shape)
    dims = size_dims(dims)
    if cells is None and path.endswith(".ipynb"):
        from .reading import notebook

        cells, cells_found = notebook.read(text, path)
        if cells is None:
            return [_unreadable(path, "python", *cells_found)]
    if cells is not None:
        text = cells.source
    # TensorFlow's own test of whether tf.keras is tf_keras (Keras 2) rather than Keras 3
    legacy = os.environ.get("TF_USE_LEGACY_KERAS") in ("true", "True", "1")
    project = python.Project(path)  # the project's modules, each read once for both
    reading_dialect = dialect or python.dialect_of_program(text, project, legacy)

    def shapes(spec_data: Any, errors: bool = False) -> Any:
        """x.shape while reading: the engine on the graph so far; with ``errors``, also the
        errors it finds (what a model is fitted with, checked where fit() is called)."""
        spec, spec_found = read_spec(spec_data, path, "python", dims,
                                     "keras2" if reading_dialect == "keras2" else "python",
                                     custom.rules if custom else None)
        report = None if spec is None else run(spec, spec_found)
        if not errors:
            return None if report is None else report.outputs
        return (None, spec_found) if report is None else (report.outputs, report.errors)

    custom = None
    if custom_layers is not None:
        from .rules.custom import declare

        custom = declare(custom_layers)
    models, found = python.read(text, path, reading_dialect, given, shapes,
                                custom.rules if custom else (), cells, project)
    found = [*cells_found, *found]
    sources = tuple(project.texts)  # the modules read (parsed) with the file
    if not models:
        return [replace(_unreadable(path, "python", *found), sources=sources)]
    reports = []
    keras2 = reading_dialect == "keras2"
    for i, (variable, spec_data) in enumerate(models):
        notes = found if i == len(models) - 1 else []  # the file's own findings, once
        spec, spec_found = read_spec(spec_data, path, "python", dims, "keras2" if keras2 else "python",
                                     custom.rules if custom else None)
        if spec is None:
            reports.append(replace(_unreadable(path, "python", *notes, *spec_found), sources=sources))
            continue
        report = run(spec, list(notes) + spec_found)
        reports.append(replace(report, variable=variable, sources=sources) if variable or sources else report)
    return reports


def analyze_bytes(raw: bytes, path: str, dims: Mapping[str, int] | None = None,
                  custom_layers: Any = None) -> Report:
    """Analyse a file's content; the format is decided by content, not by extension:
    a zip is a .keras archive, an HDF5 file a legacy .h5, JSON with Keras's keys a
    Keras or TF.js config, anything else a spec."""
    if raw[:4] == b"PK\x03\x04":
        from .reading.archive import read_config_text

        text, found = read_config_text(io.BytesIO(raw), path)
        if text is None:
            return _unreadable(path, "keras-archive", *found)
        return _analyze_text(text, path, dims, "keras-archive", custom_layers)
    if (h5 := _hdf5(raw[:4104])) is not None:
        model, found = h5.read(io.BytesIO(raw), path)
        if model is None:
            return _unreadable(path, "keras-h5", *found)
        report = _analyze_text(model.config_text, path, dims, "keras-h5", custom_layers)
        return _with_weight_check(report, model.weights)
    text = _decoded(raw, path)
    if isinstance(text, Report):
        return text
    return _analyze_text(text, path, dims, None, custom_layers)


def _decoded(raw: bytes, path: str) -> str | Report:
    """A model file's text, or the report that it is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return _unreadable(path, _spec_format(path), _not_utf8(raw, e, path))


def _hdf5(head: bytes):
    """The HDF5 reader when ``head`` starts an HDF5 file, else None: the reader is
    imported only for one (its signature starts with these four bytes)."""
    if b"\x89HDF" not in head:
        return None
    from .reading import h5

    return h5 if h5.is_hdf5(head) else None


def _not_utf8(raw: bytes, e: UnicodeDecodeError, path: str | None):
    """Where the first byte that is not UTF-8 is, and what the file likely is."""
    from .reading.located import line_column

    start = raw[:e.start].decode("utf-8-sig", "replace")
    line, column = line_column(start, len(start))
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or raw[:4] in (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00"):
        what = "UTF-16 or UTF-32 text (it starts with a byte-order mark)"
    elif b"\x00" in raw[:4096]:
        what = "binary, or UTF-16/32 text without a byte-order mark"
    else:
        what = f"not UTF-8 text: {e.reason} (byte 0x{raw[e.start]:02x})"
    return make("SC101", f"{what}; a spec or config is UTF-8", Location(path, line, column),
                hint="save the file as UTF-8" if "text" in what else
                "is this the model file? a spec or config is UTF-8 text")


def _spec_format(path: str | None) -> str:
    return "json" if path and path.lower().endswith(".json") else "yaml"


def _analyze_text(text: str, path: str, dims: Mapping[str, int] | None, container: str | None,
                  custom_layers: Any = None) -> Report:
    from .reading.text import load

    as_json = container is not None or text.lstrip()[:1] in ("{", "[")
    try:
        data, found = load(text, path, json=as_json)
    except RecursionError:
        return _unreadable(path, container or _spec_format(path), _too_deep(path))
    if data is None and found:
        return _unreadable(path, container or _spec_format(path), *found)
    # A Keras config read from YAML text is Keras 2's model.to_yaml() (keras2-yaml); a spec
    # keeps the format its extension names.
    fmt = container or ("yaml-text" if not as_json else _spec_format(path))
    report = analyze_data(data, path, fmt, dims, found, custom_layers)
    return _with_json_paths(report, text) if as_json else report


# A JSON document on so few lines that line:col says little (Keras's to_json is one line).
_FEW_LINES, _LONG_LINE = 3, 200


def _with_json_paths(report: Report, text: str) -> Report:
    """Each finding in a JSON file written on one line also gives the key path of its
    position (``layers[12].config.axis``), as ``path:1:1192`` alone does not say much."""
    lines = text.split("\n")
    if len(lines) > _FEW_LINES or max(map(len, lines)) < _LONG_LINE:
        return report

    from .reading.located_json import json_path_at

    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def located(d):
        loc = d.location
        if not loc.line or not loc.column or loc.line > len(lines) or loc.path not in (None, report.path):
            return d
        where = json_path_at(text, starts[loc.line - 1] + loc.column - 1)
        return replace(d, location=replace(loc, json_path=where)) if where else d

    return replace(report, diagnostics=tuple(located(d) for d in report.diagnostics))


def analyze_data(data: Any, path: str | None, fmt: str, dims: Mapping[str, int] | None = None,
                 found: list | None = None, custom_layers: Any = None) -> Report:
    from .engine import run

    dialect = "spec"
    kind = subclassed = None
    # Keras's configs, and a subclassed model's, name a class at the top (or wrap it, TF.js's):
    # a spec names none, and its run never imports the Keras readers.
    if isinstance(data, dict) and ("class_name" in data or "modelTopology" in data):
        from .reading.keras_config import looks_like_keras
        from .reading.keras_nodes import subclassed_class

        kind = looks_like_keras(data)
        subclassed = subclassed_class(data) if kind is None else None
    if subclassed is not None:
        return _unreadable(path, fmt if fmt.startswith("keras") else "keras-json", *(found or ()), make(
            "SC102", f"a subclassed model ({subclassed}): its config holds no layers, only the "
            "arguments its own __init__ takes; what it builds is its call() code, which "
            "shapecheck never runs", Location(path, 1, 1),
            hint="check the Python file that defines and builds it (`shapecheck model.py`), or save "
            "a functional or Sequential model"))
    if kind is not None:
        from .reading.keras_config import dialect_of, to_spec

        try:
            dialect = dialect_of(data, kind)
            data, converted = to_spec(data, path, kind)
        except RecursionError:
            return _unreadable(path, kind, _too_deep(path))
        found = list(found or ()) + converted
        # A .keras or .h5 container says what the file is; the config inside is Keras 3 or 2.
        # Keras 2's model.to_yaml() wrote the same config as YAML.
        fmt = fmt if fmt in ("keras-archive", "keras-h5", "keras-savedmodel") else \
            kind.replace("-json", "-yaml") if fmt == "yaml-text" else kind
        if data is None:
            return _unreadable(path, fmt, *found)
    elif fmt == "yaml-text":
        fmt = _spec_format(path)
    elif fmt in ("keras-archive", "keras-h5", "keras-savedmodel"):
        return _unreadable(path, fmt, *(found or ()), make(
            "SC102", "the file holds no Keras model config", Location(path, 1, 1)))
    custom = None
    if custom_layers is not None:
        from .rules.custom import declare

        custom = declare(custom_layers)
    try:
        spec, spec_found = read_spec(data, path, fmt, dims, dialect, custom.rules if custom else None)
        found = list(found or ()) + list(custom.found if custom else ()) + spec_found
        if spec is None:
            return _unreadable(path, fmt, *found)
        return run(spec, found)
    except RecursionError:  # models in models in models...: bounded by MAX_DEPTH, but not by much
        return _unreadable(path, fmt, _too_deep(path))


def _with_weight_check(report: Report, stored: dict) -> Report:
    """Compare the weight shapes an .h5 file stores with those derived from its config:
    a config and a weights file that disagree would fail to load."""
    from .records import replace

    extra = []
    for name, weights in stored.items():
        layer = report.layers.get(name)
        if layer is None or layer.output_shapes is None:
            continue
        derived = [(w.path, w.shape) for w in layer.weights]
        shapes = [s for _, s in weights]
        if shapes != [s for _, s in derived]:
            if len(shapes) == len(derived):  # name only the weights that differ
                said = "; ".join(f"the file stores {n} {tuple(s)}, its config implies {p} {tuple(d)}"
                                 for (n, s), (p, d) in zip(weights, derived) if tuple(s) != tuple(d))
            else:
                listing = ", ".join(f"{n} {s}" for n, s in weights) or "none"
                mine = ", ".join(f"{p} {s}" for p, s in derived) or "none"
                said = (f"the file stores {len(weights)} weight(s) ({listing}); its config implies "
                        f"{len(derived)} ({mine})")
            extra.append(make("SC109", f"layer {name!r}: {said}", layer.location, name,
                              hint="the weights were saved from another model; re-save both together"))
    if not extra:
        return report
    return replace(report, diagnostics=report.diagnostics + tuple(extra))


def _too_deep(path: str | None):
    return make("SC101", "the document is nested too deeply to be a model", Location(path, 1, 1),
                hint="a Keras config or a spec nests a few levels, not thousands")


def _unreadable(path: str | None, fmt: str, *diags) -> Report:
    return Report(path, fmt, None, {}, (), {}, tuple(diags), None, None)


# Extensions a folder is searched for; other files are never opened.
MODEL_SUFFIXES = (".yaml", ".yml", ".json", ".keras", ".h5", ".hdf5", ".py", ".ipynb")
# A Python file is a model file when it imports Keras (or TensorFlow, whose tf.keras it is).
# Patterns (re compiles each when first used): a folder of specs needs one of them.
_PY_KERAS = rb"(?m)^\s*(?:import|from)\s+(?:keras|tensorflow|tf_keras|keras_core)\b"
# ... and a notebook's code cell: the line is a JSON string, after a quote or a "\n".
_IPYNB_KERAS = rb'(?:"|\\n)[ \t]*(?:import|from)[ \t]+(?:keras|tensorflow|tf_keras|keras_core)\b'
_SPEC_TOP = rb"(?m)^layers[ \t]*:"
# A Keras 2 / tf.keras ``model.to_yaml()`` file: the model's class at the top level.
_KERAS_YAML_TOP = rb"(?m)^class_name[ \t]*:[ \t]*['\"]?(?:Sequential|Functional|Model)\b"


def _imports_keras_code(head: bytes, path: str) -> bool:
    """Does a Python file or notebook that never imports Keras build its model with a
    module of its project that does (``from model import build_model``)? Its imports
    are followed as the reader follows them, never run."""
    if b"import" not in head:
        return False
    from .reading.python.project import reaches

    text = head.decode("utf-8", "replace")
    if path.endswith(".ipynb"):
        from .reading import notebook

        cells, _ = notebook.read(text, path)
        if cells is None:
            return False
        text = cells.source
    return reaches(path, text, re.compile(_PY_KERAS.decode()))


def _read_up_to(fh: Any, limit: int, data: bytes = b"") -> bytes:
    """``data``, what was read of ``fh`` already, and the rest of it, ``limit`` bytes in
    all at most; its size asked first: ``read(n)`` allocates n bytes at once (64 MiB to
    judge a 1 KB spec, a third of the judging's time). One byte more than the size says
    tells whether it lied (a device, a growing file): then on, up to the limit."""
    size = os.fstat(fh.fileno()).st_size
    if len(data) <= size:
        data += fh.read(min(size + 1, limit) - len(data))
    if size < len(data) < limit:
        data += fh.read(limit - len(data))
    return data


def is_model_file(path: str) -> bool:
    """Does the file hold a model, judged by content (for folders and the pre-commit
    hook, which see CI workflows, package.json and other configs too)? A spec has a
    top-level ``layers:``; a Keras or TF.js config has Keras's keys; a .keras archive
    is a zip, an .h5 model an HDF5 file. Only a bounded head of the file is read."""
    from .reading import h5, saved_model

    if saved_model.is_saved_model(path):
        return True
    if path.endswith(PYTHON_SUFFIXES):
        pattern, limit = (_PY_KERAS, 1 << 20) if path.endswith(".py") else (_IPYNB_KERAS, MAX_TEXT_BYTES)
        try:
            with open(path, "rb") as fh:
                head = _read_up_to(fh, limit)
        except OSError:
            return True
        return bool(re.search(pattern, head)) or _imports_keras_code(head, path)
    try:
        with open(path, "rb") as fh:
            head = _read_up_to(fh, MAX_TEXT_BYTES + 1)
    except OSError:
        return True  # let the analysis report it
    if head[:4] == b"PK\x03\x04":
        return path.lower().endswith((".keras", ".h5", ".hdf5"))
    if h5.is_hdf5(head):
        # weights alone (model.save_weights, a .weights.h5) are not a model to check
        return path.lower().endswith((".keras", ".h5", ".hdf5")) and h5.holds_model(path)
    if len(head) > MAX_TEXT_BYTES:
        return True  # too big to judge: the analysis reports the size
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"{", b"["):
        import json  # here: a folder of YAML specs never needs these

        from .reading.keras_config import looks_like_keras

        try:
            data = json.loads(head.decode("utf-8-sig"))
        except (ValueError, RecursionError):
            return False  # not JSON a model could be in
        return isinstance(data, dict) and (isinstance(data.get("layers"), list)
                                           or looks_like_keras(data) is not None)
    return bool(re.search(_SPEC_TOP, head) or re.search(_KERAS_YAML_TOP, head))
