"""Keras models read straight from the Python source that builds them, statically: the
file is parsed with ``ast`` and walked by an abstract interpreter (``interpreter``), which
records what Keras would build (``keras_calls``, ``graph``); each model found comes out
in the spec form, every layer located at the call that made it. Nothing in the file is
imported, executed or evaluated.

    models, found = read(text, "train.py")     # [(variable, spec dict)], diagnostics
"""

from __future__ import annotations

import ast
import re

from ...diagnostics import Diagnostic, Location, make
from .graph import functional_spec, sequential_spec
from .interpreter import Interpreter
from .project import Project

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Larger files are refused unread: a model file is kilobytes.
MAX_SOURCE_BYTES = 8 * 1024 * 1024
# Keras 2's own module paths: a file that uses them is Keras 2 code.
_KERAS2 = re.compile(
    r"^[ \t]*(?:from|import)\s+(?:keras\.(?:layers\.(?:core|recurrent|convolutional|merge|"
    r"wrappers|normalization|embeddings|pooling|advanced_activations)|engine|legacy)"
    r"|tf_keras)\b",
    re.M,
)


# tf.keras, however the file reaches it: ``from tensorflow.keras...``, ``from tensorflow
# import keras``, ``import tensorflow.keras``, ``tf.keras.layers...``.
_TF_KERAS = re.compile(
    r"^[ \t]*(?:from\s+tensorflow(?:\.keras\b|\s+import\s+keras\b)|import\s+tensorflow\.keras\b)"
    r"|\btf\.keras\.",
    re.M,
)


# TensorFlow Addons: its last release needs TensorFlow 2.15 at most, whose tf.keras is
# Keras 2, and its layers do not work with Keras 3. A file that imports it is Keras 2 code.
_ADDONS = re.compile(r"^[ \t]*(?:from|import)\s+tensorflow_addons\b", re.M)


def dialect_of(text: str, legacy_tf_keras: bool = False) -> str:
    """ "keras2" for code written against Keras 2 / tf_keras (its module paths, or
    TensorFlow Addons), else "keras3": ``import keras`` and ``tf.keras`` are Keras 3 since
    TensorFlow 2.16, unless TensorFlow is told to make tf.keras tf_keras
    (``legacy_tf_keras``: the environment's ``TF_USE_LEGACY_KERAS``), and the file uses
    tf.keras."""
    if _KERAS2.search(text) or _ADDONS.search(text) or legacy_tf_keras and _TF_KERAS.search(text):
        return "keras2"
    return "keras3"


def dialect_of_program(text: str, project: Project, legacy_tf_keras: bool = False) -> str:
    """``dialect_of`` the program: the file, and the project's modules it imports at their
    top level (one Keras runs them all); ``project`` (of the file) keeps what it parses,
    for ``read`` to be given."""
    return dialect_of("\n".join([text, *project.imported(None, project.path, text)]), legacy_tf_keras)


def read(
    text: str,
    path: str | None,
    dialect: str | None = None,
    bindings: dict[str, Any] | None = None,
    shapes: Any = None,
    custom: Any = (),
    cells: Any = None,
    project: Project | None = None,
) -> tuple[list[tuple[str, Any]], list[Diagnostic]]:
    """Every model the file builds, in the order it builds them, as (the Python name the
    file knows it by when the code gives it no ``name=``, else None; spec form).
    ``shapes`` (spec form -> output shapes) lets the reader know ``x.shape``; ``custom``
    names the Layer subclasses the project declares (custom_layers). A notebook's
    ``cells`` (``notebook.read``) are read instead of parsing ``text``, their program."""
    here = Location(path, 1, 1)
    if cells is not None:
        return _read_tree(cells.tree, text, path, dialect, bindings, shapes, custom, cells, project)
    if len(text) > MAX_SOURCE_BYTES:
        return [], [
            make(
                "SC108",
                f"the file is over {MAX_SOURCE_BYTES:,} characters; a model file is "
                "kilobytes, and it was not read",
                here,
            )
        ]
    try:
        tree = ast.parse(text, filename=path or "<source>")
    except SyntaxError as e:
        return [], [
            make(
                "SC101",
                f"not valid Python: {e.msg}",
                Location(path, e.lineno, e.offset),
                hint="shapecheck reads the file as Python would; fix the syntax first",
            )
        ]
    except (RecursionError, MemoryError, ValueError):
        return [], [make("SC101", "the file is nested too deeply to parse", here)]
    return _read_tree(tree, text, path, dialect, bindings, shapes, custom, project=project)


def _read_tree(tree: ast.Module, text: str, path: str | None, dialect: str | None, bindings: Any,
               shapes: Any, custom: Any, cells: Any = None, project: Project | None = None
               ) -> tuple[list[tuple[str, Any]], list[Diagnostic]]:
    here = Location(path, 1, 1)
    project = project or Project(path)
    # one Keras runs the program: the dialect of the file and of the project's modules it imports
    dialect = dialect or dialect_of("\n".join([text, *project.imported(tree, path, text)]))
    interp = Interpreter(path, dialect, bindings, shapes, custom, cells, project)
    try:
        interp.run(tree)
    except RecursionError:
        interp.found.append(make("SC603", "an expression is nested too deeply to follow", here))
    models = []
    for model in interp.graph.models:
        if model.cls == "Subclassed":
            spec = model.spec
        else:
            spec = functional_spec(model) if model.cls == "Functional" else sequential_spec(model)
        # its own weights: no layer of its call()'s graph would hold them (build_then_call)
        if spec is None and model.cls == "Subclassed" and "followed_weights" in model.layers[0].args \
                and "graph" in model.layers[0].args:
            interp.found.append(make(
                "SC601", f"{model.layers[0].cls} makes weights of its own (add_weight) beside its "
                "sublayers: they are counted where it is a layer, but it is not checked as a model of "
                "its own", model.loc, hint="call it in a functional model to check it as a layer: "
                "keras.Model(inputs, model(inputs))"))
            continue
        if spec is None and (model.abandoned or model.sublayer):
            continue
        if spec is None and model.cls == "Subclassed":
            cls = model.layers[0].cls
            given = model.layers[0].code.get("unbuilt")
            interp.found.append(make(
                "SC601", f"{cls} subclasses keras.Model, and this file never builds {model.name!r} on "
                "inputs the reader knows (a call on a tensor or on data, fit() or predict() on data"
                + (f"; {given}" if given else "") + "): it is not checked",
                model.loc, hint=f"build it where the file makes it: {model.name}(keras.Input("
                "shape=...)), the shape without the batch axis"))
            continue
        if spec is None:
            interp.found.append(
                make(
                    "SC601",
                    f"the Sequential {model.name!r} is never given an input shape the reader "
                    "knows (keras.Input, input_shape=, build(), a call on a tensor, or fit() or "
                    "predict() on data): it is not checked",
                    model.loc,
                    hint="add keras.Input(shape=...) first, or call model.build(shape)",
                )
            )
            continue
        models.append((None if model.named else model.variable, spec))
    # a model built but not checked has been reported where it was given up (SC601/SC602)
    if not models and not interp.graph.models and not any(d.code in ("SC101", "SC601") for d in interp.found):
        hint = "models built at the top level are read, and by each function the file never calls, " \
            "called with its defaults"
        if project.unfound:  # `from src.net import build` with src/ not where the reader looks
            calls = ", ".join(f"{name}() of {module}" for module, name in list(project.unfound.items())[:3])
            hint = f"the file calls {calls}, a module the reader did not find in the project (it looks in " \
                f"{', '.join(project.roots)}) nor a library it knows; {hint}"
        interp.found.append(make("SC102", "no Keras model is built in this file (keras.Model, Sequential)",
                                 here, hint=hint))
    return models, interp.found
