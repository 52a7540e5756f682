"""The file's own modules. A training script builds its model with a function of the
project (``from model import build_model``, ``from .blocks import conv_block``); Python
finds that module beside the script, or in the package the file is part of. The reader
finds it the same way and reads it as it reads the file: parsed and walked, never
imported or run (``load``, which ``import`` statements call).

Only files of the project are read: under the script's directory, or (a module of a
package checked alone) under the directory that holds its top package. A module the
reader knows itself (Keras, TensorFlow, NumPy, ...) or the standard library's is never
looked for there, so a copy of Keras's own source in the project is still Keras. The
number of modules and each one's size are bounded; a module that cannot be read is a
value the reader does not know, with the reason."""

from __future__ import annotations

import ast
import os
import re
import sys

from ...diagnostics import Location, make
from .values import SourceModule, Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from .interpreter import Interpreter

#: Modules read for one file, at most: a project's model code is a few of them.
MAX_MODULES = 64
#: Larger modules are not read (the file itself has the same bound).
MAX_MODULE_BYTES = 8 * 1024 * 1024

# Top-level names the reader models (or that are libraries, not the project's code):
# a directory of that name in the project is not what ``import keras`` means here.
_LIBRARIES = frozenset((
    "keras", "tensorflow", "tf_keras", "tf", "numpy", "pandas", "sklearn", "scipy", "matplotlib",
    "torch", "jax", "h5py", "PIL", "cv2", "tensorflow_hub", "tensorflow_addons", "tensorflow_datasets",
    "keras_cv", "keras_nlp", "keras_hub", "transformers", "six", "future", "past", "absl", "tqdm",
    "seaborn", "yaml", "pytest",
)) | frozenset(getattr(sys, "stdlib_module_names", ()))


class Project:
    """Where the modules of the file at ``path`` are, and their parsed source, each read
    once (``tree``). ``path`` None (source without a file) has no project."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.roots: list[str] = []
        here = os.path.dirname(os.path.realpath(path)) if path else ""
        self.home = here  # the file's folder: modules are shown from it
        self.top = _top(here) if here else ""  # the folder of the project, for sys.path
        self.cwd = _run_from(path, here, self.top) if here else ""  # where relative paths start
        if here and os.path.isdir(here):  # an editor's unsaved file too: its folder is there
            self.roots.append(here)  # sys.path[0] of `python path`
            top = here
            while os.path.isfile(os.path.join(top, "__init__.py")) and os.path.dirname(top) != top:
                top = os.path.dirname(top)
            if top != here:  # the file is a package's module: its package is importable
                self.roots.append(top)
        # by real path: the tree, or why not (a SyntaxError: where Python says it is)
        self.trees: dict[str, ast.Module | str | SyntaxError] = {}
        self.texts: dict[str, str] = {}  # by real path: the source of each tree
        # module -> a function of it the program called, for modules neither the project's
        # nor a library the reader knows (``from src.net import build`` not found): why a
        # file that builds its model there builds none here
        self.unfound: dict[str, str] = {}

    def find(self, name: str, level: int = 0, importer: str | None = None) -> str | None:
        """The file of module ``name`` (``a.b``; ``level`` dots before it, relative to the
        package of the module at ``importer``), when it is the project's: its real path."""
        parts = [p for p in name.split(".") if p] if name else []
        if level:
            if importer is None or not self.roots:
                return None
            base = os.path.dirname(os.path.realpath(importer))
            for _ in range(level - 1):
                base = os.path.dirname(base)
            return self._inside(self._module_file(base, parts)) if parts else self._inside(
                _file(os.path.join(base, "__init__.py")))
        if not parts or parts[0] in _LIBRARIES:
            return None
        for root in self.roots:
            found = self._inside(self._module_file(root, parts))
            if found is not None:
                return found
        return None

    def namespace(self, name: str) -> str | None:
        """The folder of ``name`` when it is a namespace package of the project (a folder
        without ``__init__.py``, which ``import pkg.module`` passes through)."""
        for root in self.roots:
            folder = os.path.join(root, *name.split("."))
            if name.split(".")[0] not in _LIBRARIES and os.path.isdir(folder) and self._inside(folder):
                return os.path.realpath(folder)
        return None

    def _module_file(self, base: str, parts: list[str]) -> str | None:
        where = os.path.join(base, *parts)
        return _file(where + ".py") or _file(os.path.join(where, "__init__.py"))

    def _inside(self, path: str | None) -> str | None:
        if path is None:
            return None
        real = os.path.realpath(path)
        return real if any(real.startswith(root + os.sep) for root in self.roots) else None

    def shown(self, path: str) -> str:
        """A module's path as the file's is given (``proj/train.py`` -> ``proj/model.py``)."""
        if not self.path or not self.roots:
            return path
        relative = os.path.relpath(path, self.home)
        return os.path.normpath(os.path.join(os.path.dirname(self.path), relative))

    def tree(self, path: str) -> ast.Module | str | SyntaxError:
        """The module's parsed source, or why it is not read."""
        got = self.trees.get(path)
        if got is None:
            if len(self.trees) >= MAX_MODULES:
                got = f"more than {MAX_MODULES} of the project's modules are read for one file"
            else:
                got = _parse(path)
                if isinstance(got, tuple):
                    self.texts[path], got = got
            self.trees[path] = got
        return got

    def imported(self, tree: ast.Module | None, path: str | None, text: str) -> Iterator[str]:
        """The source of the project's modules that the file's top-level imports reach,
        and theirs, each once: the program's, for its dialect. A file whose imports are
        all libraries' (most) is told by its text, not walked; ``tree`` None: the text is
        parsed when it must be."""
        if not self.roots or not _may_import_project(text):
            return
        if tree is None:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return  # the reader says so
        todo, seen = [(tree, path)], set()
        while todo:
            module, at = todo.pop()
            for node in _top_imports(module):
                for name, level in _names(node):
                    found = self.find(name, level, at)
                    if found is None or found in seen:
                        continue
                    seen.add(found)
                    got = self.tree(found)
                    if isinstance(got, ast.Module):
                        yield self.texts[found]
                        todo.append((got, found))


def _may_import_project(text: str) -> bool:
    return any(dots or (name or names).split(".")[0].strip() not in _LIBRARIES
               for dots, name, names in _IMPORT_LINE.findall(text)
               for names in (names.split(",") if names else [""]))


def reaches(path: str, text: str, pattern: re.Pattern) -> bool:
    """Does the file at ``path`` (its source ``text``) import, at the top level of it or of
    the project's modules it imports, a module of its project whose text ``pattern``
    matches (a ``train.py`` whose ``model.py`` imports Keras)? For a folder's files, each
    module is read once in the process however many files import it (``_judged``), and
    one whose imports were all walked without a match is not walked again (``_clean``)."""
    project = Project(path)
    if not project.roots or not _may_import_project(text):
        return False
    roots = tuple(project.roots)
    todo, seen = [(path, _imports_of(text))], {os.path.realpath(path)}
    seen_keys: list[tuple] = []
    while todo:
        at, imports = todo.pop()
        for name, level in imports:
            where = (roots, name, level, os.path.dirname(at) if level else "")
            if where not in _found:
                _found[where] = project.find(name, level, at)
            found = _found[where]
            if found is None or found in seen:
                continue
            if len(seen) > MAX_MODULES:
                return False  # as the reader, which reads no more of them
            seen.add(found)
            try:
                stat = os.stat(found)
            except OSError:
                continue
            key = (found, stat.st_mtime_ns, stat.st_size, pattern.pattern)  # a module edited since: again
            if (roots, key) in _clean:
                continue
            got = _judged.get(key)
            if got is None:
                parsed = _parse(found)
                got = _judged[key] = (bool(pattern.search(parsed[0])), _imports_of(parsed[1])) \
                    if isinstance(parsed, tuple) else (False, [])
            if got[0]:
                return True
            todo.append((found, got[1]))
            seen_keys.append(key)
    # every module reached was walked: none of them reaches a match, from these roots
    _clean.update((roots, key) for key in seen_keys)
    return False


# by real path, time and size of the module, and the pattern: whether the module's text
# matched, and the modules it imports (``reaches``); and those that reach no match
_judged: dict[tuple, tuple[bool, list[tuple[str, int]]]] = {}
_clean: set[tuple] = set()
# (the roots, a module's name and level, the importer's folder for a relative one) -> its file
_found: dict[tuple, str | None] = {}


def _imports_of(source: str | ast.Module) -> list[tuple[str, int]]:
    if isinstance(source, str):
        try:
            source = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return []
    return [got for node in _top_imports(source) for got in _names(node)]


# an import statement's module, as the text writes it: `from ..x import y` (dots, name),
# `import a.b, c` (the names)
_IMPORT_LINE = re.compile(r"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import\b|import[ \t]+([\w. \t,]+))", re.M)


def _run_from(path: str, here: str, top: str) -> str:
    """The folder the program runs in, from which Python takes a relative path
    (``sys.path.append(".")``, ``os.path.abspath("data")``): a notebook's own folder, as
    Jupyter runs it; for a script, the folder the check runs in (a script in
    ``scripts/`` is run from the project's top, as the check is) when it is inside the
    file's project, else the file's folder."""
    if path.endswith(".ipynb"):
        return here
    try:
        cwd = os.path.realpath(os.getcwd())
    except OSError:  # the folder was removed under the process
        return here
    return cwd if cwd == top or cwd.startswith(top + os.sep) else here


def _top(here: str) -> str:
    """The project's folder: the nearest one up from ``here`` that a repository or a
    package configuration marks, else ``here`` itself."""
    folder = here
    while True:
        if any(os.path.exists(os.path.join(folder, marker)) for marker in _MARKERS):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return here
        folder = parent


_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg", ".hg")


def _file(path: str) -> str | None:
    return path if os.path.isfile(path) else None


def _parse(path: str) -> tuple[str, ast.Module] | str | SyntaxError:
    try:
        if os.path.getsize(path) > MAX_MODULE_BYTES:
            return f"it is over {MAX_MODULE_BYTES:,} bytes"
        with open(path, "rb") as f:
            data = f.read()
        # as Python imports it: bytes, so a BOM or a coding line is honoured
        return data.decode("utf-8", "replace"), ast.parse(data, filename=path)
    except SyntaxError as e:
        return e
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, MemoryError) as e:
        return f"it cannot be read ({type(e).__name__})"


def _top_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports a module runs when it is imported: at its top level, and in its
    top-level ``if``/``try`` blocks (``try: from .fast import f``)."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()  # in any order: what matters is which modules they reach
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.If, ast.Try)):
            todo.extend(node.body + node.orelse + getattr(node, "finalbody", []) + [
                s for h in getattr(node, "handlers", []) for s in h.body])


def _names(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, int]]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name, 0
        return
    yield node.module or "", node.level
    for alias in node.names:  # `from pkg import module`
        if alias.name != "*":
            yield f"{node.module}.{alias.name}" if node.module else alias.name, node.level


# --- reading them, as ``import`` runs them -----------------------------------------------

_NONE = object()


def import_names(interp: Interpreter, node: ast.Import, scope: Any) -> list[ast.alias]:
    """``import model``, ``import pkg.blocks as blocks``: binds the project's modules
    among them as Python does; gives the other names, for the caller to bind."""
    rest = []
    for alias in node.names:
        parts = alias.name.split(".")
        chain = _load_chain(interp, parts, node)
        if chain is None:
            rest.append(alias)
        elif alias.asname:
            scope.set(alias.asname, chain[-1])
        else:
            scope.set(parts[0], chain[0])
    return rest


def import_from(interp: Interpreter, node: ast.ImportFrom, scope: Any) -> bool:
    """``from model import build_model``, ``from .blocks import *``: whether the module
    is the project's, its names then bound (a name it lacks may be a submodule)."""
    name = node.module or ""
    importer = interp.source_file()
    path = interp.project.find(name, node.level, importer)
    if path is None and not (node.level and name == ""):
        return False  # not the project's (a namespace package's `from . import x`: below)
    shown = "." * node.level + name
    owner = load(interp, path, shown, node) if path is not None else None
    for alias in node.names:
        if alias.name == "*":
            if isinstance(owner, SourceModule):
                for key, value in _public(owner):
                    scope.set(key, value)
            continue
        bound = alias.asname or alias.name
        value = owner.scope.vars.get(alias.name, _NONE) if isinstance(owner, SourceModule) else _NONE
        if value is _NONE:  # `from pkg import module`
            sub = interp.project.find(f"{name}.{alias.name}" if name else alias.name, node.level, importer)
            if sub is not None:
                value = load(interp, sub, f"{shown}.{alias.name}" if name else shown + alias.name, node)
            elif isinstance(owner, Unknown):  # the module was not read: said where it was met
                value = Unknown(bound, owner.why)
            else:
                value = Unknown(bound, f"{alias.name} is not in the project's module {shown}")
        scope.set(bound, value)
    return True


def load(interp: Interpreter, path: str, name: str, node: ast.AST) -> SourceModule | Unknown:
    """The project's module at ``path``, run once, as Python imports it: its top level
    walked in a scope of its own (a module being read, imported again in a cycle, is
    given as it stands, as Python gives a partly initialised module)."""
    got = interp.sources.get(path)
    if got is not None:
        return got
    tree, shown = interp.project.tree(path), interp.project.shown(path)
    if not isinstance(tree, ast.Module):  # said once, where the first import meets it
        if isinstance(tree, SyntaxError):  # Python raises there: said at the module's line
            interp.found.append(make(
                "SC101", f"not valid Python: {tree.msg}", Location(shown, tree.lineno, tree.offset),
                hint="a module the file imports from its project, read as Python would import it: "
                "fix the syntax first"))
        else:
            said = len(interp.found)
            interp.note("SC602", f"{shown} is the project's module this imports, and it is not read: "
                        f"{tree}", node)
            interp.lasting.update((id(d), d) for d in interp.found[said:])  # what the models miss: said
        interp.sources[path] = Unknown(name, f"the project's module {name} is not read")
        return interp.sources[path]
    module = SourceModule(name, path, interp.scope_in(None, shown))
    module.scope.set("__name__", name.lstrip("."))
    module.scope.set("__file__", path)  # absolute, as Python gives it
    interp.sources[path] = module
    saved, interp.source = interp.source, shown
    start, before = len(interp.found), interp.progress()
    try:
        interp.block(tree.body, module.scope)
    finally:
        interp.source = saved
        interp.idle(start, before)
    return module


def attribute(module: SourceModule, name: str) -> Any:
    value = module.scope.vars.get(name, _NONE)
    if value is _NONE:
        return Unknown(name, f"{name} is not in the project's module {module.name}")
    return value


def _load_chain(interp: Interpreter, parts: list[str], node: ast.Import) -> list[Any] | None:
    """``import a.b.c``: modules a, a.b and a.b.c, each set on the one before (None when
    ``a`` is not the project's)."""
    importer = interp.source_file()
    chain: list[Any] = []
    for i in range(len(parts)):
        dotted = ".".join(parts[:i + 1])
        path = interp.project.find(dotted, 0, importer)
        if path is None and i < len(parts) - 1 and (folder := interp.project.namespace(dotted)):
            if folder not in interp.sources:  # a namespace package: its submodules only
                interp.sources[folder] = SourceModule(dotted, folder, interp.scope_in(None, folder))
            chain.append(interp.sources[folder])
            if i and isinstance(chain[-2], SourceModule):
                chain[-2].scope.set(parts[i], chain[-1])
            continue
        if path is None:
            if not chain:
                return None
            chain.append(Unknown(parts[i], f"{'.'.join(parts[:i + 1])} is not in the project"))
            break
        chain.append(load(interp, path, dotted, node))
        if i and isinstance(chain[-2], SourceModule):
            chain[-2].scope.set(parts[i], chain[-1])
    return chain


def _public(module: SourceModule) -> list[tuple[str, Any]]:
    names = module.scope.vars.get("__all__")
    if isinstance(names, (list, tuple)) and all(isinstance(n, str) for n in names):
        return [(n, attribute(module, n)) for n in names]
    return [(k, v) for k, v in module.scope.vars.items() if not k.startswith("_")]


# --- sys.path and os.path, as scripts find their project ---------------------------------

_OS_PATH = {"join": os.path.join, "dirname": os.path.dirname, "basename": os.path.basename,
            "normpath": os.path.normpath, "split": os.path.split}


def path_call(interp: Interpreter, path: tuple[str, ...], args: list[Any], dotted: str, node: ast.AST) -> Any:
    """``sys.path.append(os.path.join(os.path.dirname(__file__), ".."))``: what a script does
    to import its project's modules from a folder above it (a notebook in ``notebooks/``:
    ``sys.path.append("..")``). The ``os.path`` functions work on the strings alone;
    ``abspath``, ``realpath`` and ``sys.path`` take a relative path from the folder the
    program runs in (``Project.cwd``). A folder outside the project is not read."""
    project = interp.project
    if path[:2] == ("os", "path") and len(path) == 3 and args and all(isinstance(a, str) for a in args):
        name = path[2]
        if name in _OS_PATH:
            return _OS_PATH[name](*args) if name in ("join",) or len(args) == 1 else Unknown(why=dotted)
        if name in ("abspath", "realpath") and len(args) == 1 and project.cwd:
            return os.path.normpath(os.path.join(project.cwd, args[0]))
    if path == ("os", "getcwd") and not args and project.cwd:
        return project.cwd
    if path == ("importlib", "import_module") and args and isinstance(args[0], str):
        # importlib.import_module("models." + args.arch): a registry of models by name
        level = len(args[0]) - len(args[0].lstrip("."))
        package = args[1] if len(args) > 1 and isinstance(args[1], str) else None
        if level > 1 or level and package is None:
            return Unknown(why=f"{dotted} of {args[0]!r} in a package the reader does not know")
        absolute = f"{package}.{args[0][1:]}" if level else args[0]
        found = project.find(absolute, 0, interp.source_file())
        return load(interp, found, absolute, node) if found else \
            Unknown(why=f"{dotted}({args[0]!r}) is not the project's module")
    if path in (("sys", "path", "append"), ("sys", "path", "insert")) and project.cwd:
        folder = args[-1] if len(args) == (1 if path[2] == "append" else 2) else None
        if isinstance(folder, str):
            real = os.path.realpath(os.path.join(project.cwd, folder))
            inside = real == project.top or real.startswith(project.top + os.sep)
            if not inside:
                interp.note("SC602", f"sys.path gets {folder!r}, a folder outside the project "
                            f"({project.top}): its modules are not read", node)
            elif os.path.isdir(real) and real not in project.roots:
                at = args[0] if path[2] == "insert" and isinstance(args[0], int) else len(project.roots)
                project.roots.insert(max(0, min(at, len(project.roots))), real)
            return None
    if len(path) > 1 and path[0] not in _LIBRARIES and project.roots:
        project.unfound.setdefault(".".join(path[:-1]), path[-1])
    return Unknown(why=f"{dotted} is not followed")
