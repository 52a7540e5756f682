"""Sizes of tensor axes.

A size (``Dim``) is a Python ``int`` when it is known, ``None`` when it is unknown
(Keras's ``None``: the batch axis, a ``?`` in a spec) and a sympy expression only
when it depends on a named size such as ``t``; a name alone is a ``NamedSize``, which
stands for its sympy symbol. Keeping concrete sizes as ints and bare names as
``NamedSize`` means sympy is imported only by runs that compute with a name.

Expressions in specs (``"2*t"``, ``"floor(t/2)"``) go through a small parser of our
own, never through ``sympy.sympify``: sympify evaluates Python, and a spec is
untrusted input.

Why one module: every operation on sizes (arithmetic, comparison under ``DimFacts``,
formatting, parsing) decides in the same place whether an int or a ``NamedSize``
suffices or sympy must be imported; split apart, each piece would need that decision
again, and the rules would import from several places what is one idea, a size.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable
from functools import lru_cache

from .records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Union

    import sympy

    Dim = Union[int, None, sympy.Expr]
else:
    Dim = object  # a name for annotations (never evaluated: postponed), imported by the rules
Shape = tuple  # tuple[Dim, ...]; a type alias kept loose for sympy's sake

# The largest size read from a model (an axis, a layer's units, a kernel...): 2**40 is
# over a trillion, far beyond any real tensor axis; a larger one is a finding, so no
# size can grow past what Python formats (4,300 digits) through a model's layers.
MAX_SIZE = 2**40
# The most axes a shape read from a model may have (NumPy 2's own limit is 64).
MAX_RANK = 64
# A size expression ("floor((t - 3)/2) + 1") longer than this many tokens, or with
# parentheses nested deeper, is not a size; the parser recurses per level.
MAX_EXPR_TOKENS = 256
MAX_EXPR_PARENS = 32
# A size name ("t", "n_frames") longer than this is refused: a name is printed in
# every shape it reaches.
MAX_NAME = 64


def too_large(d: Any) -> bool:
    """An int size above MAX_SIZE (or below -MAX_SIZE)."""
    return isinstance(d, int) and not isinstance(d, bool) and abs(d) > MAX_SIZE


def within_bounds(dims: Any) -> bool:
    """Every item None or a plain int within MAX_SIZE: the common case of the size
    checks, decided in one pass (a sympy size, a bool or a bigger int is for
    ``too_large`` to judge, one by one)."""
    return all(d is None or d.__class__ is int and -MAX_SIZE <= d <= MAX_SIZE for d in dims)


def fmt_big(n: int) -> str:
    """An int of any size for a message: its digits up to 10**40, else its magnitude
    (Python refuses to format more than 4,300 digits)."""
    if type(n) is not int:  # the reader's HugeInt shows its length
        return str(n)
    if abs(n) < 10**40:
        return f"{n:,}"
    return f"{'-' if n < 0 else ''}about 2**{abs(n).bit_length() - 1}"


def is_symbolic(d: Dim) -> bool:
    return d is not None and not isinstance(d, int)


def _sympy():
    import sympy

    return sympy


# Symbolic arithmetic is cached: a model repeats the same few sizes (t, t + 2, t/2...)
# layer after layer, and one sympy floor, expansion or assumption query costs as much
# as checking a whole layer. Keys are exact (typed), results immutable.
_CACHE_SIZE = 4096


class NamedSize:
    """A named size (``t``) as read, before any arithmetic: the seed's ``[?, t, 12]``
    passes through a model untouched, and sympy (a fifth of a second to import) is
    loaded only when a name enters arithmetic or a question only sympy answers. Then
    it is the sympy symbol ``DimFacts`` makes (integer, positive): every operator and
    sympy function converts it (``_sympy_``), and it equals that symbol.

    Its hash is its own (sympy's hashes its assumptions): a set mixing it with the
    equal sympy symbol keeps both, so ``canonical`` turns sympy's bare symbols back
    into named sizes."""

    __slots__ = ("name",)
    is_integer = True  # what sympy says of the symbol, asked without sympy
    is_Integer = False
    is_Number = False
    is_Symbol = True

    def __init__(self, name: str) -> None:
        self.name = name

    def _sympy_(self):
        return _symbol(self.name)

    def __getattr__(self, attr: str) -> Any:
        """sympy's methods and properties (``subs``, ``free_symbols``...), the symbol's:
        a library user holds a sympy size either way."""
        if attr.startswith("_"):  # copy, pickle and the like ask for these: ours
            raise AttributeError(attr)
        return getattr(_symbol(self.name), attr)

    def __str__(self) -> str:
        return self.name

    __repr__ = __str__

    def __hash__(self) -> int:
        return hash((NamedSize, self.name))

    def __eq__(self, other: Any) -> bool:
        if other.__class__ is NamedSize:
            return self.name == other.name
        sp = sys.modules.get("sympy")  # not loaded: other is no sympy expression
        return sp is not None and isinstance(other, sp.Basic) and _symbol(self.name) == other


def _through_sympy(op: str, identity: int | None = None):
    """NamedSize's operator ``op``: its sympy symbol's, but with the identity (t + 0,
    t * 1) the named size itself, sympy left unloaded."""
    def method(self: NamedSize, *other: Any) -> Any:
        if identity is not None and other[0].__class__ is int and other[0] == identity:
            return self
        return getattr(_symbol(self.name), op)(*other)
    method.__name__ = op
    return method


for _op, _identity in (("__add__", 0), ("__radd__", 0), ("__sub__", 0), ("__mul__", 1), ("__rmul__", 1),
                       ("__rsub__", None), ("__truediv__", None), ("__rtruediv__", None),
                       ("__floordiv__", None), ("__rfloordiv__", None), ("__mod__", None),
                       ("__rmod__", None), ("__pow__", None), ("__rpow__", None), ("__neg__", None),
                       ("__pos__", None), ("__abs__", None), ("__lt__", None), ("__le__", None),
                       ("__gt__", None), ("__ge__", None)):
    setattr(NamedSize, _op, _through_sympy(_op, _identity))
del _op, _identity


@lru_cache(maxsize=_CACHE_SIZE)
def _symbol(name: str):
    """The model's symbol for a name: integer and positive, as sizes are. sympy caches
    symbols by name and assumptions, so every model's ``t`` is one symbol."""
    return _sympy().Symbol(name, integer=True, positive=True)


def _as_sympy(d: Any) -> Any:
    return _symbol(d.name) if d.__class__ is NamedSize else d


def canonical(value: Any) -> Dim:
    """A sympy result back as an int when it is a plain number, and as a named size
    when it is a bare name."""
    if value is None or isinstance(value, int) or value.__class__ is NamedSize:
        return value
    if value.is_Integer:
        return int(value)
    if value.is_Symbol and value.is_integer and value.is_positive:
        return NamedSize(value.name)
    return value


def mul(*dims: Dim) -> Dim:
    """Product of sizes; unknown if any factor is unknown (as Keras does)."""
    if None in dims:
        return None
    return canonical(math.prod(dims))  # 1 * d0 * d1...: in C, each size's own operator


def add(*dims: Dim) -> Dim:
    if None in dims:
        return None
    return canonical(sum(dims))  # 0 + d0 + d1...


def product(dims: Iterable[Dim]) -> Dim:
    return mul(*dims)


def total(values: Iterable[Dim]) -> Dim:
    return add(*values)


def floor_div(n: Dim, s: int) -> Dim:
    """floor(n / s): an int for an int, an exact sympy floor for a named size."""
    if n is None or isinstance(n, int):
        return None if n is None else n // s
    return _floor_div(n, s) if s != 1 else n


@lru_cache(maxsize=_CACHE_SIZE, typed=True)
def _floor_div(n: Any, s: int) -> Dim:
    sp = _sympy()
    return canonical(sp.floor(n * sp.Rational(1, s)))


def ceil_div(n: Dim, s: int) -> Dim:
    """ceil(n / s), like floor_div."""
    if n is None or isinstance(n, int):
        return None if n is None else -(-n // s)
    return _ceil_div(n, s) if s != 1 else n


@lru_cache(maxsize=_CACHE_SIZE, typed=True)
def _ceil_div(n: Any, s: int) -> Dim:
    sp = _sympy()
    return canonical(sp.ceiling(n * sp.Rational(1, s)))


def exact_div(n: Dim, k: Dim, facts: DimFacts | None = None) -> tuple[Dim, bool | None]:
    """``n / k`` and whether it is a whole number (True, False, or None: undecided)."""
    if n is None or k is None:
        return None, None
    if isinstance(n, int) and isinstance(k, int):
        return (n // k, True) if n % k == 0 else (None, False)
    q, whole = _quotient(n, k)
    if whole is None and facts is not None:
        whole = facts.is_integer(q)
    return canonical(q), whole


@lru_cache(maxsize=_CACHE_SIZE, typed=True)
def _quotient(n: Any, k: Any) -> tuple[Any, bool | None]:
    sp = _sympy()
    q = sp.Mul(n, sp.Pow(k, -1))
    return q, q.is_integer


def compare(a: Dim, b: Dim, facts: DimFacts | None = None) -> bool | None:
    """True if the sizes are provably equal, False if provably different, None if
    it cannot be decided (an unknown size, or symbols the facts don't relate)."""
    if a is None or b is None:
        return None
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    if a.__class__ is NamedSize and b.__class__ is NamedSize and a.name == b.name:
        return True
    diff, decided = _difference(a, b)
    if decided is not None:
        return decided
    if facts is not None:
        return facts.decide_zero(diff)
    return None


def solve_size(dim: Dim, size: int, bound: dict[str, int]) -> bool:
    """Whether a size of the model can be ``size``, a size someone met (a shape Keras
    printed): a named size is bound on first use (``t = 4995``, into ``bound``) and must
    then agree; an expression of one name (``2*t``) is solved for a positive integer."""
    if dim is None or isinstance(dim, int):
        return dim == size
    sp = _sympy()
    expr = _as_sympy(dim).subs({_symbol(k): v for k, v in bound.items()})
    if expr.is_Integer:
        return int(expr) == size
    free = list(expr.free_symbols)
    if len(free) != 1:
        return False
    roots = [r for r in sp.solve(sp.Eq(expr, size), free[0]) if r.is_Integer and r > 0]
    if len(roots) != 1:
        return False
    bound[free[0].name] = int(roots[0])
    return True


@lru_cache(maxsize=_CACHE_SIZE, typed=True)
def _difference(a: Any, b: Any) -> tuple[Any, bool | None]:
    """``a - b`` expanded, and whether it is zero when sympy alone can tell."""
    sp = _sympy()
    diff = sp.expand(sp.sympify(a) - sp.sympify(b))
    if diff == 0:
        return diff, True
    if diff.is_zero is False or diff.is_nonzero:
        return diff, False
    return diff, None


def to_json(d: Dim) -> int | str | None:
    if d is None or isinstance(d, int):
        return d
    return _shown(d)


def fmt(d: Dim) -> str:
    return "None" if d is None else _shown(d)


_SHOWN: dict[tuple[type, Any], str] = {}


def _shown(d: Any) -> str:
    """``str(d)``, remembered for sympy sizes: sympy's printer takes longer than
    checking a layer, and a report prints the same few sizes thousands of times."""
    if isinstance(d, int):
        return str(d)
    key = (d.__class__, d)
    try:
        text = _SHOWN.get(key)
    except TypeError:  # not hashable: not a size, printed as it is
        return str(d)
    if text is None:
        if len(_SHOWN) >= _CACHE_SIZE:
            _SHOWN.clear()
        text = _SHOWN[key] = str(d)
    return text


def fmt_shape(shape: Shape) -> str:
    inner = ", ".join(fmt(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def fmt_count(n: Dim) -> str:
    """Parameter counts as Keras prints them: 1,219,584."""
    if isinstance(n, int):
        return f"{n:,}"
    return "?" if n is None else fmt(n)


# --- named sizes and what is known of them ------------------------------------------


@record
class DimInfo:
    """What a spec's ``dims:`` says of one named size."""

    name: str
    min: int = 1
    max: int | None = None
    multiple_of: int | None = None

    def violations(self, value: int) -> list[str]:
        out = []
        if value < self.min:
            out.append(f"min {self.min}")
        if self.max is not None and value > self.max:
            out.append(f"max {self.max}")
        if self.multiple_of is not None and value % self.multiple_of:
            out.append(f"multiple_of {self.multiple_of}")
        return out


class DimFacts:
    """The symbols of one model, created integer and positive as sizes are, with the
    assumptions from ``dims:``. Used to decide equality and divisibility; when the
    facts don't decide, callers report the condition instead of guessing."""

    def __init__(self, infos: dict[str, DimInfo] | None = None) -> None:
        self.infos: dict[str, DimInfo] = dict(infos or {})
        self._symbols: dict[str, Any] = {}
        # (question, expression) -> answer: each is asked once per model, not per layer
        self._answers: dict[tuple[str, Any], Any] = {}

    def _ask(self, question: str, expr: Any, decide) -> Any:
        expr = _as_sympy(expr)
        key = (question, expr)
        try:
            return self._answers[key]
        except KeyError:
            pass
        except TypeError:  # not hashable
            return decide(expr)
        answer = self._answers[key] = decide(expr)
        return answer

    def symbol(self, name: str) -> NamedSize:
        s = self._symbols.get(name)
        if s is None:
            s = self._symbols[name] = NamedSize(name)
        return s

    def _shifted(self, expr, bound: str):
        """``expr`` with each symbol written ``min + u`` (or ``max - u``), ``u >= 0``:
        every admissible value is one such, so a sign sympy proves for the shifted
        expression holds for all of them. None when a symbol has no such bound."""
        sp = _sympy()
        subs = {}
        for s in expr.free_symbols:
            info = self.infos.get(str(s), DimInfo(str(s)))
            u = sp.Symbol(f"{s}_u", integer=True, nonnegative=True)
            if bound == "min":
                subs[s] = info.min + u
            elif info.max is not None:
                subs[s] = info.max - u
            else:
                return None
        return sp.expand(expr.subs(subs))

    def sign(self, expr) -> int | None:
        """1 if ``expr`` > 0 for every admissible size, -1 if < 0 for every one, 0 if
        it is 0 for every one, None if it depends. Never decided from samples."""
        return self._ask("sign", expr, self._sign)

    def _sign(self, expr) -> int | None:
        if not getattr(expr, "free_symbols", None):
            v = int(expr)
            return (v > 0) - (v < 0)
        syms = expr.free_symbols
        if all((i := self.infos.get(str(s))) and i.max is not None and i.max == i.min for s in syms):
            v = int(expr.subs({s: self.infos[str(s)].min for s in syms}))
            return (v > 0) - (v < 0)
        for bound in ("min", "max"):
            shifted = self._shifted(expr, bound)
            if shifted is not None:
                if shifted.is_positive:
                    return 1
                if shifted.is_negative:
                    return -1
        return None

    def positive(self, size) -> bool | None:
        """Is an integer size >= 1 for every admissible value (True), <= 0 for every
        one (False), or does it depend (None)?"""
        return self._ask("positive", size, self._positive)

    def _positive(self, size) -> bool | None:
        if not getattr(size, "free_symbols", None):
            return int(size) >= 1
        low = self._shifted(size - 1, "min")
        if low is not None and low.is_nonnegative:
            return True
        high = self._shifted(size, "max")
        if high is not None and high.is_nonpositive:
            return False
        return None

    def decide_zero(self, diff) -> bool | None:
        """Is ``diff`` zero for every admissible assignment (True), for none (False), or
        does it depend (None)?"""
        sign = self.sign(diff)
        return None if sign is None else sign == 0

    def is_integer(self, q) -> bool | None:
        """Decide whether ``q`` is whole, using ``multiple_of`` facts."""
        return self._ask("is_integer", q, self._is_integer)

    def _is_integer(self, q) -> bool | None:
        sp = _sympy()
        subs = {}
        for s in q.free_symbols:
            info = self.infos.get(str(s))
            if info and info.multiple_of:
                subs[s] = info.multiple_of * sp.Symbol(f"{s}_k", integer=True, positive=True)
        if not subs:
            return None
        return sp.expand(q.subs(subs)).is_integer


# --- the safe expression parser ------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(\d+)|([A-Za-z_][A-Za-z0-9_]*)|(//|[-+*/%(),]))")
_FUNCS = ("floor", "ceil", "min", "max")


class DimSyntaxError(ValueError):
    pass


def parse_dim(text: str, facts: DimFacts, bindings: dict[str, int] | None = None) -> Dim:
    """Parse ``"2*t"``, ``"floor((t - 3)/2) + 1"``, ``"12"`` into a Dim.

    Only integers, names, ``+ - * / // %``, parentheses and floor/ceil/min/max are
    allowed; anything else is a DimSyntaxError. Names become the model's symbols,
    or their bound values.
    """
    tokens = _tokenize(text)
    bindings = bindings or {}
    free = [v for k, v in tokens if k == "name" and v not in _FUNCS and v not in bindings]
    symbolic = any(not isinstance(bindings[v], int) for k, v in tokens if k == "name" and v in bindings)
    # With no free names the arithmetic is exact in Fractions and sympy stays unloaded.
    return _Parser(tokens, facts if free or symbolic else None, bindings, text).parse()


def dim_names(text: str) -> set[str]:
    """The names a size expression reads (not its functions); a DimSyntaxError if it
    is not one, checked without evaluating anything."""
    tokens = _tokenize(text)
    names = {v for k, v in tokens if k == "name" and v not in _FUNCS}
    _Syntax(tokens, None, dict.fromkeys(names, 0), text).parse()
    return names


def _tokenize(text: str) -> list[tuple[str, str]]:
    out = []
    pos = 0
    text = text.rstrip()
    depth = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise DimSyntaxError(f"unexpected {text[pos:].strip()[:10]!r} in {_short(text)}")
        num, name, op = m.groups()
        if num and (len(num.lstrip("0")) > 13 or int(num.lstrip("0") or "0") > MAX_SIZE):
            raise DimSyntaxError(f"the number {_short(num)} is larger than any size (2**40)")
        if name and len(name) > MAX_NAME:
            raise DimSyntaxError(f"the name {_short(name)} is too long for a size name "
                                 f"(at most {MAX_NAME} characters)")
        depth += op == "("
        depth -= op == ")"
        if depth > MAX_EXPR_PARENS or len(out) >= MAX_EXPR_TOKENS:
            raise DimSyntaxError(f"{_short(text)} is too long or too deeply nested to be a size "
                                 f"(at most {MAX_EXPR_TOKENS} tokens, {MAX_EXPR_PARENS} parentheses deep)")
        out.append(("num", num.lstrip("0") or "0") if num else ("name", name) if name else ("op", op))
        pos = m.end()
    return out


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else f"{text[:40]!r}... ({len(text):,} characters)"


class _Parser:
    """Recursive descent over ``expr := term (('+'|'-') term)*`` and so on; with
    ``facts`` None every operand is an int and the arithmetic is Python's."""

    def __init__(self, tokens, facts, bindings, text):
        self.toks = tokens
        self.i = 0
        self.facts = facts
        self.bindings = bindings
        self.text = text

    def parse(self) -> Dim:
        if not self.toks:
            raise DimSyntaxError("empty size")
        v = self.expr()
        if self.i != len(self.toks):
            raise DimSyntaxError(f"unexpected {self.toks[self.i][1]!r} in {_short(self.text)}")
        fractions = sys.modules.get("fractions")  # imported by '/' (below), 2 ms of a start
        if fractions is not None and isinstance(v, fractions.Fraction):
            if v.denominator != 1:
                raise DimSyntaxError(f"{_short(self.text)} is not a whole size ({v})")
            return int(v)
        return canonical(v)

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self, op=None):
        tok = self.peek()
        if op is not None and tok != ("op", op):
            raise DimSyntaxError(f"expected {op!r} in {_short(self.text)}")
        self.i += 1
        return tok

    def expr(self):
        v = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            rhs = self.term()
            v = v + rhs if op == "+" else v - rhs
        return v

    def term(self):
        v = self.unary()
        while self.peek() in (("op", "*"), ("op", "/"), ("op", "//"), ("op", "%")):
            op = self.take()[1]
            rhs = self.unary()
            v = self._binop(op, v, rhs)
        return v

    def _binop(self, op, a, b):
        if op == "*":
            return a * b
        if isinstance(b, int) and b == 0:
            raise DimSyntaxError(f"division by zero in {_short(self.text)}")
        if self.facts is None:
            if op == "/":
                from fractions import Fraction

                return Fraction(a, 1) / b
            return a // b if op == "//" else a % b
        sp = _sympy()
        if op == "/":
            return sp.Mul(a, sp.Pow(b, -1))
        if op == "//":
            return sp.floor(sp.Mul(a, sp.Pow(b, -1)))
        return sp.Mod(a, b)

    def unary(self):
        if self.peek() == ("op", "-"):
            self.take()
            return -self.unary()
        if self.peek() == ("op", "+"):
            self.take()
            return self.unary()
        return self.atom()

    def atom(self):
        kind, val = self.take()
        if kind == "num":
            return int(val)
        if kind == "name":
            if val in _FUNCS and self.peek() == ("op", "("):
                self.take("(")
                args = [self.expr()]
                while self.peek() == ("op", ","):
                    self.take()
                    args.append(self.expr())
                self.take(")")
                want = 1 if val in ("floor", "ceil") else 2
                if len(args) != want:
                    raise DimSyntaxError(f"{val}() takes {want} argument(s) in {_short(self.text)}")
                return self._call(val, args)
            if val in self.bindings:
                return self.bindings[val]
            if self.facts is None:  # pragma: no cover - tokens said there was no name
                raise DimSyntaxError(val)
            return self.facts.symbol(val)
        if (kind, val) == ("op", "("):
            v = self.expr()
            self.take(")")
            return v
        raise DimSyntaxError(f"unexpected {val!r} in {_short(self.text)}")

    def _call(self, fn, args):
        if self.facts is None:
            return {"floor": math.floor, "ceil": math.ceil, "min": min, "max": max}[fn](*args)
        sp = _sympy()
        return {"floor": sp.floor, "ceil": sp.ceiling, "min": sp.Min, "max": sp.Max}[fn](*args)


class _Syntax(_Parser):
    """The parser with every value 0: accepts exactly what ``_Parser`` accepts,
    computes nothing, so no size can make a well-formed expression fail here."""

    def _binop(self, op, a, b):
        return 0

    def _call(self, fn, args):
        return 0
