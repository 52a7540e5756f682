"""The package's layering, checked on its source: no import circle, and no stage importing
a stage above it. Imports inside functions count too (a lazy import is still a
dependency). docs/architecture.md describes the stages this table encodes."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "shapecheck"

#: The stages, lowest first. A module may import its own stage and those below it.
#: A package name stands for every module in it.
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("errors", "record_inits", "records", "diagnostics", "dims", "version")),
    ("spec model", ("spec",)),
    ("rules", ("rules",)),
    ("readers", ("reading",)),
    ("graph", ("graph",)),
    ("report", ("report",)),
    ("engine", ("engine", "sharing")),
    ("library API", ("api", "config")),
    ("analyses on a report", ("layouts", "explain", "infer_config")),
    ("output formats", ("output",)),
    ("commands", ("commands",)),
    ("command line", ("cli", "__main__", "lsp")),
    ("the package's face", ("__init__",)),
    ("generated docs", ("docgen", "diagnostic_examples")),
]
#: Modules over this many lines say in their docstring why they are not split.
MAX_LINES = 600


def _modules() -> dict[str, Path]:
    out = {}
    for f in PACKAGE.rglob("*.py"):
        parts = f.relative_to(PACKAGE).with_suffix("").parts
        out[".".join(parts)] = f
    return out


MODULES = _modules()


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The package modules an import statement loads: ``from .x import y`` is ``x.y``
    when that is a module, else ``x`` (its ``__init__`` for a package)."""
    if isinstance(node, ast.Import):
        return [_known(a.name.split(".")[1:]) for a in node.names if a.name.split(".")[0] == "shapecheck"]
    package = module.split(".")[:-1]  # a/b.py and a/__init__.py are both in package a
    if node.level:
        base = package[: len(package) - (node.level - 1)]
    elif (node.module or "").split(".")[0] == "shapecheck":
        base = []
    else:
        return []
    names = (node.module or "").split(".") if node.level else (node.module or "").split(".")[1:]
    base = base + [n for n in names if n]
    out = []
    for alias in node.names:
        sub = _known([*base, alias.name])
        out.append(sub if sub in MODULES else _known(base))
    return out


def _known(parts: list[str]) -> str:
    """The module key of dotted ``parts``: a module, or a package's ``__init__``."""
    name = ".".join(parts)
    if name in MODULES:
        return name
    return f"{name}.__init__" if name else "__init__"


def _imports(tree: ast.AST):
    """Every import statement, those under ``if TYPE_CHECKING:`` left out: a type hint
    is not a dependency at run time."""
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            todo += node.orelse
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        todo += ast.iter_child_nodes(node)


def import_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for module, path in MODULES.items():
        g.add_node(module)
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _resolve(module, node):
                    if target != module and target in MODULES:
                        g.add_edge(module, target, line=node.lineno)
    return g


def stage_of(module: str) -> int:
    head = module.split(".")[0]
    for i, (_, names) in enumerate(STAGES):
        if head in names:
            return i
    raise AssertionError(f"shapecheck/{module.replace('.', '/')}.py belongs to no stage in "
                         "tests/test_architecture.py (and docs/architecture.md): add it")


def test_the_resolver_sees_relative_imports():
    g = import_graph()
    assert g.has_edge("engine", "graph")
    assert g.has_edge("reading.spec_reader", "spec")
    assert g.has_edge("rules.conv", "rules.registry")
    assert g.has_edge("__init__", "api")
    assert g.has_edge("rules.__init__", "rules.registry")
    assert g.has_edge("output.text", "report")


def test_every_module_has_a_stage():
    for module in MODULES:
        stage_of(module)


def test_no_import_circle():
    cycles = sorted(nx.simple_cycles(import_graph()), key=len)
    assert not cycles, "import circles:\n" + "\n".join(" -> ".join(c + c[:1]) for c in cycles[:10])


def test_no_stage_imports_a_higher_one():
    g = import_graph()
    wrong = []
    for a, b, data in g.edges(data=True):
        if stage_of(b) > stage_of(a):
            wrong.append(f"shapecheck/{a.replace('.', '/')}.py:{data['line']} imports {b} "
                         f"({STAGES[stage_of(a)][0]} -> {STAGES[stage_of(b)][0]})")
    assert not wrong, "lower stages import higher ones:\n" + "\n".join(sorted(wrong))


def test_the_rules_never_read_files():
    g = import_graph()
    for module in MODULES:
        if module.startswith("rules."):
            assert not any(t.startswith("reading") for t in g.successors(module)), module


@pytest.mark.parametrize("module", sorted(MODULES))
def test_long_modules_say_why(module):
    text = MODULES[module].read_text(encoding="utf-8")
    if text.count("\n") <= MAX_LINES:
        return
    doc = ast.get_docstring(ast.parse(text)) or ""
    assert "Why one module" in doc, (f"shapecheck/{module}.py has {text.count(chr(10))} lines: split it, "
                                     "or say in its docstring (a paragraph starting 'Why one module') "
                                     "why it is one")
