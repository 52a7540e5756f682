"""An abstract interpreter over Python's ``ast``: it walks a model file's statements as
Python would run them, computing with the values it can know (numbers, strings, lists,
functions the file defines) and recording what Keras would build (``keras_calls``). It
never imports, executes or evaluates anything: an import binds a name to a module path,
a call of something unknown gives an unknown value.

Every loop, call and container is bounded (``Budget``): a ``while True``, a recursive
builder, ``range(10**12)``, ``10**10**10`` or ``"a" * 10**10`` ends in a finding, never
in a hang.

Why one module: the handlers, one per node type (``s_If``, ``e_Call``...) as pyflakes'
checker has them, share the scopes, the budget and each other; what Keras does is apart,
in ``keras_calls``.
"""

from __future__ import annotations

import ast
import keyword
import operator
import os
from collections.abc import Iterator

from ...diagnostics import Diagnostic, Location, Severity, make
from ...records import replace
from . import datasets, keras_calls, layer_subclasses, op_calls, project
from .arrays import Array, is_shape
from .builtins import BUILTINS, Builtin
from .graph import Graph, Layer, Model, Tensor
from .keras_api import is_tensor, keras_base, output, star_member
from .lambdas import follow_lambda
from .limits import (
    IDLE_ITERATIONS,
    LONG_LOOP,
    MAX_DEPTH,
    MAX_INT_BITS,
    MAX_ITEMS,
    MAX_STEPS,
    OutOfBudget,
    safe_format,
)
from .project import Project
from .values import (
    DYNAMIC,
    UNKNOWN_BOUNDS,
    ClassDef,
    Function,
    Instance,
    Method,
    Module,
    Multi,
    Partial,
    SourceModule,
    Super,
    Unknown,
    known,
    module,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


_SUPER = "__super__"  # in a method's scope: what super() is there (call_function)


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class Scope:
    # a module's ``from keras.layers import *``: the modules whose names it has, in order
    stars: tuple = ()

    def __init__(self, parent: Scope | None = None, source: str | None = None) -> None:
        self.vars: dict[str, Any] = {}
        self.parent = parent
        # the project's module whose code this is (None: the file read): where it is located
        self.source = parent.source if parent is not None else source
        self.elsewhere: dict[str, Scope] = {}  # names declared global or nonlocal here

    def get(self, name: str) -> Any:
        scope: Scope | None = self.elsewhere.get(name, self)
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        return _MISSING

    def set(self, name: str, value: Any) -> None:
        self.elsewhere.get(name, self).vars[name] = value

    def replace(self, name: str, value: Any) -> None:
        """Bind ``name`` where it is bound now (an enclosing scope's list, changed in place
        here, is that scope's), else here."""
        scope: Scope | None = self.elsewhere.get(name, self)
        while scope is not None and name not in scope.vars:
            scope = scope.parent
        (scope or self).vars[name] = value

    def declare(self, name: str, nonlocal_: bool) -> None:
        """``global name`` (the module's scope) or ``nonlocal name`` (the nearest
        enclosing function's scope that has it)."""
        target: Scope = self
        while target.parent is not None:
            target = target.parent
            if nonlocal_ and name in target.vars and target.parent is not None:
                break
        if target is not self:
            self.elsewhere[name] = target


_MISSING = object()
# what a class (type(x), int) is tested by: identity, equality, membership
_CLASS_TESTS = frozenset((ast.Is, ast.IsNot, ast.Eq, ast.NotEq, ast.In, ast.NotIn))

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
    ast.MatMult: None,
}
_COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


# Python 2/3 compatibility modules whose names are the builtins Keras 2's examples use
# (``from six.moves import range``).
BUILTIN_MODULES = {("builtins",), ("six", "moves"), ("future", "builtins"), ("past", "builtins"),
                   ("__builtin__",), ("six", "moves", "builtins")}
PY2_NAMES = {"xrange": "range", "izip": "zip", "imap": "map", "ifilter": "filter"}


class Interpreter:
    def __init__(
        self, path: str | None, dialect: str, bindings: dict[str, Any] | None = None, shapes: Any = None,
        custom: Any = (), cells: Any = None, project: Project | None = None,
    ) -> None:
        self.path = path
        # the project's modules the file imports (``project``): where, and those read, by
        # path; ``source`` is the one whose code runs now (None: the file's own)
        self.project = project or Project(None)
        self.sources: dict[str, SourceModule | Unknown] = {}
        self.source: str | None = None
        # findings that code which built nothing keeps, by id (held: an id is not reused)
        self.lasting: dict[int, Diagnostic] = {}
        # a notebook's cells (``notebook.Cells``): positions are the file's, and each
        # location names its cell too
        self.cells = cells
        # Layer subclasses the project declares (custom_layers), by class name
        self.custom = frozenset(name.rsplit(".", 1)[-1] for name in custom)
        # spec form -> the model's output shapes, or None: how ``x.shape`` is known. The
        # library API passes the engine in; the reader itself never runs it.
        self.shapes = shapes
        self.graph = Graph(path, dialect)
        self.found: list[Diagnostic] = []
        # where Keras 3 fails for good (keras_keywords.Refusal), kept apart from ``found``:
        # a finding said once per line is not repeated, but each followed call fails again
        self.refusals: list = []
        self.steps = 0
        self.line = 1  # of the statement or expression read last
        self.depth = 0
        self.bindings = dict(bindings or {})
        self.globals = Scope()
        # the file is read as the script it is: ``if __name__ == "__main__":`` holds
        self.globals.set("__name__", "__main__")
        if path and cells is None:  # absolute, as Python 3.9+ gives a script's; a notebook has none
            self.globals.set("__file__", os.path.abspath(path))
        self.reported: set[tuple[str, str | None, int]] = set()
        # the values from data kept as named sizes (SC604 says so once per name)
        self.named_sizes: set[str] = set()
        # id(model) -> (the model, compile()'s loss: a name, a list or a dict of them; fitting.loss_of)
        self.losses: dict[int, tuple[Any, Any]] = {}
        self.variables: dict[int, list] = {}  # id(tf.Variable's node) -> its weight (variables.py)
        self.constants = 0  # constant tensors followed code made, each named apart (variables.constant)
        self.assigned = 0  # unknown values assigned to a name so far (Unknown.version)
        # a named size of an unknown array's shape (x_shape_1) -> (the array's version,
        # what the file writes: "x.shape[1]")
        self.shape_sizes: dict[str, tuple[int, str]] = {}
        self.called: set[int] = set()  # the functions called, by id
        self.made = 0  # layer objects made so far (a loop that makes none is idle)
        self.following = 0  # Lambda functions being followed (lambdas.follow_lambda), nested
        # keras.applications' modules read so far, by (folder, module): their globals
        self.modules: dict[tuple, Scope] = {}
        self.pinned: Location | None = None  # where what Keras's own code builds stands
        # the shapes x.shape gave, by (id of the tensor's node, index): (the tensor, its shape)
        self.known_shapes: dict[tuple, tuple] = {}

    # --- bookkeeping -------------------------------------------------------------------
    def follow_layer(self, layer: Layer, given: Tensor, node: ast.AST) -> None:
        """A Layer subclass's first call, on ``given`` (a Sequential builds it there)."""
        follow_lambda(self, layer, given, node)

    @staticmethod
    def scope_in(parent: Scope | None, source: str | None = None) -> Scope:
        """A scope of its own that sees ``parent``'s names (a class body's); with None, a
        module's globals (of the project's module at ``source``, where its code is located)."""
        return Scope(parent, source)

    def source_file(self) -> str | None:
        """The file whose code runs now: the file read, or a module of its project."""
        return self.source or self.path

    def loc(self, node: ast.AST) -> Location:
        if self.pinned is not None:  # inside Keras's own code (applications): the file's call
            return self.pinned
        return self.at(getattr(node, "lineno", None),
                       getattr(node, "col_offset", -1) + 1 if hasattr(node, "col_offset") else None)

    def at(self, line: int | None, column: int | None) -> Location:
        """The Location of a 1-based line and column of the source read (a notebook's
        program: mapped to the notebook file and the cell; a module of the project's)."""
        if self.source is not None:
            return Location(self.source, line, column)
        if self.cells is not None:
            return self.cells.location(line, column)
        return Location(self.path, line, column)

    def line_of(self, node: ast.AST) -> str:
        """Where ``node`` is, for a message: "line 12", or a notebook's "cell 3, line 2"."""
        return self.loc(node).line_place()

    def note(
        self, code: str, message: str, node: ast.AST, hint: str | None = None, once: bool = True
    ) -> None:
        key = (code, self.source, getattr(node, "lineno", 0))
        if once and key in self.reported:
            return
        self.reported.add(key)
        self.found.append(make(code, message, self.loc(node), None, hint))

    def tick(self, node: ast.AST) -> None:
        self.line = getattr(node, "lineno", self.line)
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise OutOfBudget(
                f"the file takes more than {MAX_STEPS:,} steps to read (at {self.line_of(node)}); "
                "a loop or a recursion that does not end?"
            )

    # --- statements --------------------------------------------------------------------
    def run(self, tree: ast.Module) -> None:
        try:
            self.block(tree.body, self.globals)
            self.call_builders(tree)
        except OutOfBudget as e:
            self.found.append(
                make(
                    "SC603",
                    str(e),
                    self.at(self.line, 1),
                    hint="the models built before that point are still reported",
                )
            )
        except (_Return, _Break, _Continue):
            pass

    def call_builders(self, tree: ast.Module) -> None:
        """Each function of the module that nothing calls (a builder the file leaves to
        its user, ``KerasClassifier(build_fn=create_model)``), called as a fresh process
        that imports the file would call it first: with its defaults, and ``--dim``'s
        value for a parameter of that name (else the parameter is a named size). What
        it builds is reported; a function that builds no model leaves no trace."""
        called_in_file = {
            n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        for stmt in tree.body:
            func = self.globals.vars.get(stmt.name) if isinstance(stmt, ast.FunctionDef) else None
            if not isinstance(func, Function) or func.node is not stmt or id(func) in self.called \
                    or stmt.name in called_in_file:
                continue
            state = (len(self.graph.models), len(self.found), dict(self.graph.names.counts),
                     set(self.reported), set(self.named_sizes))
            params = [a.arg for a in (*stmt.args.posonlyargs, *stmt.args.args, *stmt.args.kwonlyargs)]
            given = {p: self.bindings[p] for p in params if p in self.bindings}
            try:
                self.call_function(func, [], given, stmt)
            except (_Break, _Continue):
                pass
            except OutOfBudget:
                if len(self.graph.models) > state[0]:
                    raise
                # no model, no trace: a helper that loops or recurses on a value it was not
                # given (fib(n), `while not done`); the budget it spent stays spent
            for model in self.graph.models[state[0]:]:
                model.variable = model.variable or stmt.name
            if len(self.graph.models) == state[0]:
                del self.found[state[1]:]
                self.reported, self.named_sizes = state[3:]
            self.graph.names.counts = state[2]  # the next one is called first too
            if self.steps > MAX_STEPS:
                break

    def block(self, body: list[ast.stmt], scope: Scope) -> None:
        for stmt in body:
            self.stmt(stmt, scope)

    def stmt(self, node: ast.stmt, scope: Scope) -> None:
        self.tick(node)
        handler = getattr(self, f"s_{type(node).__name__}", None)
        if handler is None:
            return
        try:
            handler(node, scope)
        except (_Return, _Break, _Continue, OutOfBudget, RecursionError):
            raise
        except Exception as e:  # a statement the reader fails on: said, and the next one read
            self.note(
                "SC601",
                f"the reader could not follow this statement ({type(e).__name__}: "
                f"{str(e)[:120]}); what it builds is not checked",
                node,
                hint="this is a shapecheck bug; please report it with the file",
            )

    def s_Expr(self, node: ast.Expr, scope: Scope) -> None:
        self.expr(node.value, scope)

    def s_Assign(self, node: ast.Assign, scope: Scope) -> None:
        value = self.expr(node.value, scope)
        for target in node.targets:
            self.assign(target, value, scope)

    def s_AnnAssign(self, node: ast.AnnAssign, scope: Scope) -> None:
        if node.value is not None:
            self.assign(node.target, self.expr(node.value, scope), scope)

    def s_AugAssign(self, node: ast.AugAssign, scope: Scope) -> None:
        current = self.expr(node.target, scope)  # the evaluator reads a Store target as a Load
        value = self.binop(node.op, current, self.expr(node.value, scope), node)
        self.assign(node.target, value, scope)

    def assign(self, target: ast.expr, value: Any, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            if isinstance(value, Unknown) and (value.name is None or value.derived):
                self.assigned += 1  # data the file names: a named size
                value = Unknown(target.id, value.why, version=self.assigned)
            bound = self.bindings.get(target.id, _MISSING)
            if isinstance(value, Unknown) and bound is not _MISSING:
                value = bound
            if isinstance(value, Model) and value.variable is None and scope is self.globals:
                value.variable = target.id
            scope.set(target.id, value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = self.unpack(value, len(target.elts), target)
            for t, v in zip(target.elts, items):
                if isinstance(t, ast.Starred):
                    self.assign(t.value, v, scope)
                else:
                    self.assign(t, v, scope)
        elif isinstance(target, ast.Subscript):
            container = self.expr(target.value, scope)
            key = self.expr(target.slice, scope)
            if isinstance(container, (list, dict)) and known(key):
                try:
                    container[key] = value
                except (IndexError, TypeError, KeyError):
                    pass
        elif isinstance(target, ast.Attribute):
            owner = self.expr(target.value, scope)
            # self.X_train = data: named so; a size the reader named (self.n = x.shape[0]:
            # x_shape_0) keeps its name, which --dim binds (`self.n` is none)
            if isinstance(value, Unknown) and value.name is None and isinstance(target.value, ast.Name):
                self.assigned += 1
                value = Unknown(f"{target.value.id}.{target.attr}", value.why, version=self.assigned)
            keras_calls.set_attribute(self, owner, target.attr, value, target)

    def unpack(self, value: Any, n: int, node: ast.AST) -> list[Any]:
        if isinstance(value, Multi):
            return [output(value, i) for i in range(n)]
        if isinstance(value, (list, tuple)) and len(value) == n:
            return list(value)
        if isinstance(value, (list, tuple, str)):
            starred = [i for i, e in enumerate(getattr(node, "elts", ())) if isinstance(e, ast.Starred)]
            if starred and len(value) >= n - 1:
                i = starred[0]
                rest = len(value) - (n - 1)
                return [*value[:i], list(value[i : i + rest]), *value[i + rest :]]
        return [Unknown() for _ in range(n)]

    def s_FunctionDef(self, node: ast.FunctionDef, scope: Scope) -> None:
        scope.set(node.name, self.function(node, scope, node.name))

    s_AsyncFunctionDef = s_FunctionDef

    def function(self, node: ast.FunctionDef | ast.Lambda, scope: Scope, name: str, owner: Any = None
                 ) -> Function:
        args = node.args
        defaults = [self.expr(d, scope) for d in args.defaults]
        kw_defaults = {
            a.arg: self.expr(d, scope) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None
        }
        return Function(node, scope, name, defaults, kw_defaults, owner)

    def method(self, node: ast.FunctionDef, cls: ClassDef, name: str) -> Function:
        """A method of ``cls``: it sees the names where the class is defined, and super()."""
        return self.function(node, cls.scope, name, cls)

    def s_ClassDef(self, node: ast.ClassDef, scope: Scope) -> None:
        bases = tuple(self.expr(b, scope) for b in node.bases)
        base_kind = None
        for b in bases:  # a subclass of the file's own Layer subclass is a Layer subclass too
            kind = b.keras_base if isinstance(b, ClassDef) else keras_base(b)
            if kind:
                base_kind = kind
        scope.set(node.name, ClassDef(node.name, bases, node, base_kind, scope))

    def s_Return(self, node: ast.Return, scope: Scope) -> None:
        raise _Return(self.expr(node.value, scope) if node.value is not None else None)

    def s_Break(self, node: ast.Break, scope: Scope) -> None:
        raise _Break()

    def s_Continue(self, node: ast.Continue, scope: Scope) -> None:
        raise _Continue()

    def s_If(self, node: ast.If, scope: Scope) -> None:
        cond = self.truth(self.expr(node.test, scope))
        if cond is None:
            self.note(
                "SC602",
                "the reader cannot decide this condition; it follows the first branch, "
                "and the other is not checked",
                node,
                hint="bind the value it depends on with --dim NAME=VALUE",
            )
            cond = True
        self.block(node.body if cond else node.orelse, scope)

    def s_For(self, node: ast.For, scope: Scope) -> None:
        value = self.expr(node.iter, scope)
        if isinstance(value, (datasets.Dataset, datasets.Iter)):
            items, assumed = datasets.loop(value, isinstance(node.body[-1], ast.Break))
            if assumed:
                self.note("SC602", "the reader cannot count this dataset's elements; it follows this loop "
                          "for the first, as if there is one", node,
                          hint="its sizes are the element's; the batch axis stays unknown")
        else:
            items = self.iterate(value, node)
        if items is None:
            self.note(
                "SC602",
                "the reader cannot tell what this loop runs over; its body is not checked",
                node,
                hint="loop over a literal, a range or a list the file builds",
            )
            self.forget(node, scope, "set in a loop the reader could not follow")
            return
        start = self.progress()
        try:
            for i, item in enumerate(items):
                if i >= IDLE_ITERATIONS and len(items) > LONG_LOOP and self.progress() == start:
                    self.leave_loop(node, scope)
                    break
                self.tick(node)
                self.assign(node.target, item, scope)
                try:
                    self.block(node.body, scope)
                except _Continue:
                    continue
            else:
                self.block(node.orelse, scope)
        except _Break:
            pass

    def idle(self, start: int, before: tuple[int, int, int]) -> None:
        """Code of the project's modules that built nothing of Keras's (a training loop, a
        logging set-up) leaves no warning: what the reader could not decide there is the
        module's own report's. An error (Python or Keras would fail) stays."""
        if self.progress() == before:
            self.found[start:] = [d for d in self.found[start:]
                                  if d.severity is Severity.ERROR or id(d) in self.lasting]

    def progress(self) -> tuple[int, int, int]:
        """What the file has built of Keras's so far: calls, models, layer objects."""
        return len(self.graph.nodes), len(self.graph.models), self.made

    def leave_loop(self, node: ast.For | ast.While, scope: Scope) -> None:
        """Stop following a long loop that builds nothing (LONG_LOOP): each name it
        assigns is unknown from here, as the reader did not see its last value."""
        self.forget(node, scope, "set in a long loop the reader left, as it built nothing")

    def forget(self, node: ast.For | ast.While, scope: Scope, why: str) -> None:
        """A loop the reader does not follow (to its end) may have run any number of
        times: each name it assigns, and each container it changes in place
        (``chars.add(c)``, ``counts[k] = v``), is unknown from here. A list it fills is
        not an empty list: ``len(target_characters)`` is not 0."""
        assigned, changed = _changed_names([node])
        for name in assigned:
            self.assigned += 1
            scope.set(name, Unknown(name, why, version=self.assigned))
        for name in changed - assigned:  # a module's function (layers.add) changes no object of the file
            if isinstance(scope.get(name), (list, dict, set)):
                self.assigned += 1
                scope.replace(name, Unknown(name, why, version=self.assigned))

    def s_While(self, node: ast.While, scope: Scope) -> None:
        start, rounds = self.progress(), 0
        try:
            while True:
                rounds += 1
                if rounds > LONG_LOOP and self.progress() == start:
                    self.leave_loop(node, scope)
                    self.note("SC602", f"this loop ran {LONG_LOOP} rounds building nothing of Keras's; "
                              "the reader left it, and what it assigns is unknown", node)
                    return
                self.tick(node)
                cond = self.truth(self.expr(node.test, scope))
                if cond is None:
                    self.note(
                        "SC602",
                        "the reader cannot decide this loop's condition; the loop is not followed",
                        node,
                    )
                    self.forget(node, scope, "set in a loop the reader could not follow")
                    return
                if not cond:
                    break
                try:
                    self.block(node.body, scope)
                except _Continue:
                    continue
        except _Break:
            pass

    def s_With(self, node: ast.With, scope: Scope) -> None:
        for item in node.items:
            value = self.expr(item.context_expr, scope)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, value, scope)
        self.block(node.body, scope)

    def s_Try(self, node: ast.Try, scope: Scope) -> None:
        self.block(node.body, scope)
        self.block(node.orelse, scope)
        self.block(node.finalbody, scope)

    def s_Global(self, node: ast.Global, scope: Scope) -> None:
        for name in node.names:
            scope.declare(name, nonlocal_=False)

    def s_Nonlocal(self, node: ast.Nonlocal, scope: Scope) -> None:
        for name in node.names:
            scope.declare(name, nonlocal_=True)

    def s_Import(self, node: ast.Import, scope: Scope) -> None:
        for alias in project.import_names(self, node, scope):
            path = tuple(alias.name.split("."))
            if alias.asname:
                scope.set(alias.asname, module(path))
            else:
                scope.set(path[0], Module(path[:1]))

    def s_ImportFrom(self, node: ast.ImportFrom, scope: Scope) -> None:
        if project.import_from(self, node, scope):  # a module of the project, read
            return
        if node.level:  # the user's own package, not found
            for alias in node.names:
                scope.set(
                    alias.asname or alias.name,
                    Unknown(alias.asname or alias.name, "imported from the file's own package"),
                )
            return
        base = tuple((node.module or "").split("."))
        for alias in node.names:
            if alias.name == "*":
                scope.stars = (*scope.stars, module(base))
                continue
            builtin = BUILTINS.get(PY2_NAMES.get(alias.name, alias.name)) if base in BUILTIN_MODULES else None
            scope.set(alias.asname or alias.name, builtin or module((*base, alias.name)))

    # --- expressions -------------------------------------------------------------------
    def expr(self, node: ast.expr | None, scope: Scope) -> Any:
        if node is None:
            return None
        self.tick(node)
        handler = getattr(self, f"e_{type(node).__name__}", None)
        if handler is None:
            return Unknown(why=f"a {type(node).__name__} expression")
        return handler(node, scope)

    def e_Constant(self, node: ast.Constant, scope: Scope) -> Any:
        value = node.value
        if isinstance(value, str) and len(value) > MAX_ITEMS:
            return Unknown(why="a very long string")
        return value

    def e_Name(self, node: ast.Name, scope: Scope) -> Any:
        value = scope.get(node.id)
        if value is _MISSING:
            if node.id in self.bindings:
                return self.bindings[node.id]
            root = scope
            while root.parent is not None:
                root = root.parent
            for owner in reversed(root.stars):  # the last star import binds it last
                member = star_member(owner, node.id)
                if member is not None:
                    return member
            builtin = BUILTINS.get(node.id)
            if builtin is not None:
                return builtin
            return Unknown(node.id, "not defined in the file")
        return value

    def e_Attribute(self, node: ast.Attribute, scope: Scope) -> Any:
        owner = self.expr(node.value, scope)
        return keras_calls.attribute(self, owner, node.attr, node)

    def e_Tuple(self, node: ast.Tuple, scope: Scope) -> Any:
        items = self.sequence(node.elts, scope)
        return tuple(items) if isinstance(items, list) else items

    def e_List(self, node: ast.List, scope: Scope) -> Any:
        return self.sequence(node.elts, scope)

    def e_Set(self, node: ast.Set, scope: Scope) -> Any:
        return self.sequence(node.elts, scope)

    def sequence(self, elts: list[ast.expr], scope: Scope) -> list[Any] | Unknown:
        out: list[Any] = []
        for e in elts:
            if isinstance(e, ast.Starred):
                value = self.expr(e.value, scope)
                items = self.iterate(value, e)
                if items is None:  # how many items it gives is unknown: so is the whole
                    return Unknown(why="a starred value the reader cannot count", part_of=value.name
                                   if is_shape(value) else getattr(value, "part_of", None))
                out += items
            else:
                out.append(self.expr(e, scope))
            if len(out) > MAX_ITEMS:
                raise OutOfBudget(f"a list of more than {MAX_ITEMS:,} items ({self.line_of(e)})")
        return out

    def e_Dict(self, node: ast.Dict, scope: Scope) -> Any:
        out: dict[Any, Any] = {}
        for k, v in zip(node.keys, node.values):
            if k is None:
                extra = self.expr(v, scope)
                if isinstance(extra, dict):
                    out.update(extra)
                continue
            key = self.expr(k, scope)
            try:
                out[key] = self.expr(v, scope)
            except TypeError:
                pass
        return out

    def e_JoinedStr(self, node: ast.JoinedStr, scope: Scope) -> Any:
        parts = []
        for v in node.values:
            value = self.expr(v.value, scope) if isinstance(v, ast.FormattedValue) else self.expr(v, scope)
            spec = self.expr(v.format_spec, scope) if getattr(v, "format_spec", None) is not None else ""
            if not known(value) or not isinstance(spec, str):
                return Unknown(why="a string made of unknown values")
            if not safe_format(spec, value):
                return Unknown(why="a string too long to build")
            conversion = getattr(v, "conversion", -1)
            value = {ord("r"): repr, ord("a"): ascii, ord("s"): str}.get(conversion, lambda x: x)(value)
            try:
                parts.append(format(value, spec))  # f"{alpha:0.2f}", as mobilenet names its model
            except (ValueError, TypeError):
                return Unknown(why="a format Python would refuse")
        return "".join(parts)[:MAX_ITEMS]

    def e_FormattedValue(self, node: ast.FormattedValue, scope: Scope) -> Any:
        return self.expr(node.value, scope)

    def e_IfExp(self, node: ast.IfExp, scope: Scope) -> Any:
        cond = self.truth(self.expr(node.test, scope))
        if cond is None:
            self.note("SC602", "the reader cannot decide this condition; it takes the first value", node)
            cond = True
        return self.expr(node.body if cond else node.orelse, scope)

    def e_Lambda(self, node: ast.Lambda, scope: Scope) -> Any:
        return self.function(node, scope, "<lambda>")

    def e_NamedExpr(self, node: ast.NamedExpr, scope: Scope) -> Any:
        value = self.expr(node.value, scope)
        self.assign(node.target, value, scope)
        return value

    def e_Starred(self, node: ast.Starred, scope: Scope) -> Any:
        return self.expr(node.value, scope)

    def e_Slice(self, node: ast.Slice, scope: Scope) -> Any:
        parts = [self.expr(p, scope) for p in (node.lower, node.upper, node.step)]
        if all(p is None or isinstance(p, int) for p in parts):
            return slice(*parts)
        return Unknown(why=UNKNOWN_BOUNDS)

    def e_Subscript(self, node: ast.Subscript, scope: Scope) -> Any:
        owner = self.expr(node.value, scope)
        key = self.expr(node.slice, scope)
        return keras_calls.subscript(self, owner, key, node)

    def e_BinOp(self, node: ast.BinOp, scope: Scope) -> Any:
        return self.binop(node.op, self.expr(node.left, scope), self.expr(node.right, scope), node)

    def binop(self, op: ast.operator, a: Any, b: Any, node: ast.AST) -> Any:
        if is_tensor(a) or is_tensor(b):
            return op_calls.tensor_binop(self, type(op).__name__, a, b, node)
        if isinstance(op, ast.Add) and type(a) is type(b) and isinstance(a, (list, tuple, str)):
            if len(a) + len(b) > MAX_ITEMS:
                raise OutOfBudget(f"a list or string of more than {MAX_ITEMS:,} items")
            return a + b  # lists of layers, tensors...: concatenated whatever they hold
        if isinstance(op, ast.Mod) and isinstance(a, str) and not safe_format(a, b):
            return Unknown(why="a string too long to build")
        if isinstance(a, Array) or isinstance(b, Array):  # element-wise on data: its shape
            arr = a if isinstance(a, Array) else b
            other = b if arr is a else a
            if isinstance(other, (int, float)) or isinstance(other, Array) and other.shape == arr.shape:
                return Array(arr.shape)
            return Unknown(why="arithmetic on arrays the reader cannot follow")
        if a is DYNAMIC or b is DYNAMIC:  # tf.shape(x)[0] * n: a size known when the graph runs
            sized = all(v is DYNAMIC or v.__class__ is int for v in (a, b))
            return DYNAMIC if sized and isinstance(op, _SIZE_OPS) else \
                Unknown(why="arithmetic on a tensor's size")
        fn = _BINOPS.get(type(op))
        if fn is None or not (known(a) and known(b)):
            return Unknown(why="arithmetic on an unknown value")
        if (
            isinstance(op, ast.Pow)
            and isinstance(a, int)
            and isinstance(b, int)
            and (b < 0 or abs(a) > 1 and b * max(abs(a), 2).bit_length() > MAX_INT_BITS)
        ):
            return Unknown(why="a power too large for a size")
        if isinstance(op, ast.LShift) and isinstance(b, int) and b > MAX_INT_BITS:
            return Unknown(why="a shift too large for a size")
        if (
            isinstance(op, ast.Mult)
            and isinstance(a, (str, list, tuple))
            and isinstance(b, int)
            or isinstance(op, ast.Mult)
            and isinstance(b, (str, list, tuple))
            and isinstance(a, int)
        ):
            seq, times = (a, b) if isinstance(b, int) else (b, a)
            if len(seq) * max(times, 0) > MAX_ITEMS:
                return Unknown(why="a sequence too long to build")
        try:
            value = fn(a, b)
        except Exception:  # noqa: BLE001 - 1/0, "a" - 1: what Python would raise, not a value
            return Unknown(why="an operation Python would refuse")
        if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
            return Unknown(why="an integer too large for a size")
        return value

    def e_UnaryOp(self, node: ast.UnaryOp, scope: Scope) -> Any:
        value = self.expr(node.operand, scope)
        if isinstance(node.op, ast.Not):
            truth = self.truth(value)
            return Unknown() if truth is None else not truth
        if is_tensor(value):
            return op_calls.tensor_unary(self, type(node.op).__name__, value, node)
        if not known(value):
            return Unknown()
        try:
            return {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}[
                type(node.op)
            ](value)
        except Exception:  # noqa: BLE001
            return Unknown()

    def e_BoolOp(self, node: ast.BoolOp, scope: Scope) -> Any:
        value: Any = None
        for v in node.values:
            value = self.expr(v, scope)
            truth = self.truth(value)
            if truth is None:
                return Unknown()
            if isinstance(node.op, ast.And) and not truth or isinstance(node.op, ast.Or) and truth:
                return value
        return value

    def e_Compare(self, node: ast.Compare, scope: Scope) -> Any:
        left = self.expr(node.left, scope)
        for op, right_node in zip(node.ops, node.comparators):
            right = self.expr(right_node, scope)
            if isinstance(op, (ast.Is, ast.IsNot)) and (left is None or right is None):
                result = (
                    (left is right) == isinstance(op, ast.Is)
                    if known(left)
                    and known(right)
                    or (left is None) != (right is None)
                    and not isinstance(left or right, Unknown)
                    else None
                )
                if result is None:
                    return Unknown()
            elif isinstance(left, Builtin) and all(isinstance(r, Builtin) for r in (
                    right if isinstance(right, (tuple, list)) else [right])):  # type(x) in (tuple, list)
                result = _COMPARE[type(op)](left, right) if type(op) in _CLASS_TESTS and (
                    isinstance(right, (tuple, list)) == isinstance(op, (ast.In, ast.NotIn))) else None
                if result is None:
                    return Unknown()
            elif not (known(left) and known(right)):
                return Unknown()
            else:
                try:
                    result = _COMPARE[type(op)](left, right)
                except Exception:  # noqa: BLE001
                    return Unknown()
            if not result:
                return False
            left = right
        return True

    def comprehension(
        self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp, scope: Scope
    ) -> list[Any] | dict | Unknown:
        inner = Scope(scope)
        out: list[Any] = []

        def walk(generators: list[ast.comprehension]) -> bool:
            if not generators:
                if isinstance(node, ast.DictComp):
                    out.append((self.expr(node.key, inner), self.expr(node.value, inner)))
                else:
                    out.append(self.expr(node.elt, inner))
                if len(out) > MAX_ITEMS:
                    raise OutOfBudget(
                        f"a comprehension of more than {MAX_ITEMS:,} items ({self.line_of(node)})"
                    )
                return True
            gen = generators[0]
            items = self.iterate(self.expr(gen.iter, inner), gen.iter)
            if items is None:
                return False
            for item in items:
                self.tick(node)
                self.assign(gen.target, item, inner)
                conds = [self.truth(self.expr(c, inner)) for c in gen.ifs]
                if any(c is None for c in conds):
                    return False
                if all(conds) and not walk(generators[1:]):
                    return False
            return True

        if not walk(node.generators):
            return Unknown(why="a comprehension over unknown values")
        if isinstance(node, ast.DictComp):
            return dict(out)
        return out

    e_ListComp = comprehension
    e_GeneratorExp = comprehension
    e_SetComp = comprehension
    e_DictComp = comprehension

    def e_Call(self, node: ast.Call, scope: Scope) -> Any:
        func = self.expr(node.func, scope)
        if isinstance(node.func, ast.Name) and node.func.id == "super" and not node.args \
                and scope.get("super") is _MISSING and (bound := scope.get(_SUPER)) is not _MISSING:
            return bound  # super() in a method: its class's bases, on its object
        if isinstance(func, Builtin):
            if func.name == "locals" and not node.args and not node.keywords:
                # the names the function binds so far, its parameters first (``f(**locals())``)
                return dict(scope.vars)
            if func.name == "eval" and len(node.args) == 1 and not node.keywords:
                return self.eval_name(self.expr(node.args[0], scope), node, scope)
        args: list[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                items = self.iterate(self.expr(a.value, scope), a)
                if items is None:
                    return Unknown(why="a call with *args of unknown length")
                args += items
            else:
                args.append(self.expr(a, scope))
        kwargs: dict[str, Any] = {}
        for k in node.keywords:
            value = self.expr(k.value, scope)
            if k.arg is None:
                if isinstance(value, dict):
                    kwargs.update({str(key): v for key, v in value.items()})
                else:
                    return Unknown(why="a call with **kwargs of unknown keys")
            else:
                kwargs[k.arg] = value
        return self.call(func, args, kwargs, node)

    def eval_name(self, text: Any, node: ast.Call, scope: Scope) -> Any:
        """``eval("ReLU")``: a string that is a name (or a dotted one) is what the name is
        where eval runs (keras-unet-collection makes its activation layers so). Nothing
        is evaluated; any other string is code the reader does not run."""
        if not isinstance(text, str) or not all(
                part.isidentifier() and not keyword.iskeyword(part) for part in text.split(".")):
            return Unknown(why="eval() of code")
        head, *rest = text.split(".")
        value = self.e_Name(ast.copy_location(ast.Name(id=head, ctx=ast.Load()), node), scope)
        for name in rest:
            value = keras_calls.attribute(self, value, name, node)
        return value

    def call(self, func: Any, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        if isinstance(func, Function):
            return self.call_function(func, args, kwargs, node)
        if isinstance(func, Partial):
            return self.call(func.func, [*func.args, *args], {**func.kwargs, **kwargs}, node)
        if isinstance(func, ClassDef):
            return layer_subclasses.instantiate(self, func, args, kwargs, node)
        return keras_calls.call(self, func, args, kwargs, node)

    @staticmethod
    def bind(func: Function, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Each parameter of ``func`` with its value for a call, as Python binds them:
        positional, by keyword, default; ``*args`` a tuple, ``**kwargs`` a dict; a
        parameter given nothing is unknown."""
        kwargs = dict(kwargs)
        out: dict[str, Any] = {}
        spec = func.node.args
        params = [*spec.posonlyargs, *spec.args]
        defaults = dict(zip([p.arg for p in params[len(params) - len(func.defaults) :]], func.defaults))
        for i, p in enumerate(params):
            if i < len(args):
                out[p.arg] = args[i]
            elif p.arg in kwargs:
                out[p.arg] = kwargs.pop(p.arg)
            elif p.arg in defaults:
                out[p.arg] = defaults[p.arg]
            else:
                out[p.arg] = Unknown(p.arg, "a parameter given no value")
        if spec.vararg is not None:
            out[spec.vararg.arg] = tuple(args[len(params) :])
        for a in spec.kwonlyargs:
            out[a.arg] = kwargs.pop(a.arg, func.kw_defaults.get(a.arg, Unknown(a.arg)))
        if spec.kwarg is not None:
            out[spec.kwarg.arg] = kwargs
        return out

    def call_function(self, func: Function, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        if func.scope.source != self.source:  # code of another module: located there
            saved, self.source = self.source, func.scope.source
            start, before = len(self.found), self.progress()
            try:
                return self.call_function(func, args, kwargs, node)
            finally:
                self.source = saved
                if func.scope.source is not None:
                    self.idle(start, before)
        self.called.add(id(func))
        if self.depth >= MAX_DEPTH:
            raise OutOfBudget(
                f"functions call each other more than {MAX_DEPTH} deep (at {self.line_of(node)}); "
                "a recursion that does not end?"
            )
        scope = Scope(func.scope)
        for name, value in self.bind(func, args, kwargs).items():
            scope.set(name, value)
        if func.owner is not None and args:  # super() in it (a method's first argument is self)
            scope.set(_SUPER, Super(func.owner, args[0]))
        self.depth += 1
        try:
            if isinstance(func.node, ast.Lambda):
                return self.expr(func.node.body, scope)
            self.block(func.node.body, scope)
        except _Return as r:
            return _returned(r.value, scope)
        finally:
            self.depth -= 1
        return None

    # --- helpers -----------------------------------------------------------------------
    def truth(self, value: Any) -> bool | None:
        if known(value):
            return bool(value)
        if isinstance(value, (Tensor, Layer, Model, Function, Module, Method, Multi, Instance)):
            return True
        return None

    def iterate(self, value: Any, node: ast.AST) -> list[Any] | None:
        if isinstance(value, range):
            if len(value) > MAX_ITEMS:
                raise OutOfBudget(f"a loop of {len(value):,} steps ({self.line_of(node)})")
            return list(value)
        if isinstance(value, (list, tuple, str)):
            return list(value)
        if isinstance(value, dict):
            return list(value)
        if isinstance(value, Iterator):
            return list(value)
        if isinstance(value, datasets.Dataset):
            return datasets.elements(value)
        if isinstance(value, datasets.Iter):
            return value.rest()
        return None  # a model, a layer, a tensor, data: nothing the reader can count


def _returned(value: Any, scope: Scope) -> Any:
    """A function's result, as its caller sees it: data the function named by a local name
    (``x`` in ``return x, y``) is the caller's to name (``x_train, y_train = load()``)."""
    if isinstance(value, Unknown) and value.name in scope.vars and not value.derived:
        return replace(value, derived=True)
    if isinstance(value, tuple) and any(isinstance(v, Unknown) for v in value):
        return tuple(_returned(v, scope) for v in value)
    return value


# Python's operators on a tf.shape() size that TensorFlow's shape arithmetic gives a size of
_SIZE_OPS = (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod)

# Methods that change their object in place (list, set, dict): a loop the reader does
# not follow leaves such an object unknown.
_IN_PLACE = frozenset(("append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "add",
                       "discard", "update", "setdefault", "popitem", "difference_update",
                       "intersection_update", "symmetric_difference_update"))


def _changed_names(nodes: list[ast.AST]) -> tuple[set[str], set[str]]:
    """The names the statements assign, and the names of the objects they may change in
    place, not looking into the functions, classes and comprehensions they define
    (their names are their own)."""
    out: set[str] = set()
    changed_in_place: set[str] = set()
    todo = list(nodes)
    while todo:
        n = todo.pop()
        changed = None  # the expression whose object the statement changes
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            out.add(n.id)
        elif isinstance(n, (ast.Subscript, ast.Attribute)) and isinstance(n.ctx, (ast.Store, ast.Del)):
            changed = n.value
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in _IN_PLACE:
            changed = n.func.value  # ``table["a"].append(x)`` changes ``table``
        while isinstance(changed, (ast.Subscript, ast.Attribute)):
            changed = changed.value
        if isinstance(changed, ast.Name):
            changed_in_place.add(changed.id)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
            continue
        if isinstance(n, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        todo.extend(ast.iter_child_nodes(n))
    return out, changed_in_place
