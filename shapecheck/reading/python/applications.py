"""keras.applications' builders called in a file (``keras.applications.MobileNetV2(
include_top=False, input_shape=(160, 160, 3))``, ``mobilenet_v2.preprocess_input(x)``).
The reader reads the builder's own source in the Keras installed beside shapecheck
(``keras/src/applications/``; tf_keras's for tf.keras 2 code) as text, found without
importing Keras, and follows it as it follows the file: the backbone is the model Keras
builds, layer for layer, as the corpus's own tests of those files show. Every layer and
finding of it stands at the line of the file that calls the builder; what the reader
would say about Keras's own code there is not said. Without Keras installed, or for a
builder it does not have, the model is not followed (SC601 names why)."""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from pathlib import Path

from .values import Function, Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter

# The package whose applications a dialect's code builds (tf.keras 2 is tf_keras's).
_PACKAGE = {"keras3": "keras", "keras2": "tf_keras"}
# keras.applications' public modules whose source has another name (resnet50 is resnet's).
_PUBLIC = {"resnet50": "resnet"}
_MAX_SOURCE = 2 * 1024 * 1024  # bytes: Keras's largest application file is under 100 KiB
_DEF = re.compile(r"^def ([A-Za-z_]\w*)\(", re.M)


@functools.cache
def _folder(package: str) -> Path | None:
    """``<package>/src/applications``, found as Python's import system would find the
    package, without importing it (a top-level package's spec runs none of its code)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    places = list(spec.submodule_search_locations or ()) if spec is not None else []
    folder = Path(places[0]) / "src" / "applications" if places else None
    return folder if folder is not None and folder.is_dir() else None


@functools.cache
def _modules(folder: Path) -> dict[str, str]:
    """Each function the folder's modules define at their top level -> its module."""
    out: dict[str, str] = {}
    for file in sorted(folder.glob("*.py")):
        if file.stem.endswith("_test"):  # Keras 3 ships its tests beside the builders
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for name in _DEF.findall(text):
            out.setdefault(name, file.stem)
    return out


@functools.cache
def _tree(file: Path) -> ast.Module | None:
    try:
        if file.stat().st_size > _MAX_SOURCE:
            return None
        return ast.parse(file.read_text(encoding="utf-8"), str(file))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def call(interp: Interpreter, path: tuple[str, ...], args: list[Any], kwargs: dict[str, Any], node: ast.AST
         ) -> Any:
    """``keras.applications[.module].name(*args, **kwargs)``, followed in Keras's source."""
    name, dotted = path[-1], "keras." + ".".join(path)
    package = _PACKAGE.get(interp.graph.dialect, "keras")
    folder = _folder(package)
    if folder is None:
        return Unknown(why=f"{dotted} is not followed: shapecheck reads it in the {package} installed "
                       f"beside it, and there is none")
    # keras.applications.MobileNetV2: a builder, found in its module (mobilenet_v2)
    module = _PUBLIC.get(path[-2], path[-2]) if len(path) > 2 else \
        _modules(folder).get(name) if name[:1].isupper() else None
    pinned, said = interp.pinned, len(interp.found)
    interp.pinned = pinned or interp.loc(node)  # what it builds stands at the call
    try:
        function = _function(interp, folder, module, name) if module else None
        if function is None:
            return Unknown(why=f"{dotted} is not followed: the installed {package} has no such builder")
        return interp.call(function, args, kwargs, node)
    finally:
        interp.pinned = pinned
        del interp.found[said:]  # about Keras's code, not the file's


def _function(interp: Interpreter, folder: Path, module: str, name: str) -> Function | None:
    """The function ``name`` of the application module, its module run once per file."""
    scope = interp.modules.get((folder, module))
    if scope is None:
        file = folder / f"{module}.py"
        tree = _tree(file) if file.is_file() else None
        if tree is None:
            return None
        scope = interp.scope_in(None)
        scope.set("__name__", f"{folder.parent.parent.name}.src.applications.{module}")
        interp.modules[(folder, module)] = scope
        interp.block(tree.body, scope)
    function = scope.get(name)
    return function if isinstance(function, Function) else None
