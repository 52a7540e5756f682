"""Named sizes (``dims.NamedSize``): a name passes through a model without sympy, and
behaves as sympy's integer, positive symbol wherever arithmetic or a question needs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shapecheck.dims import (
    DimFacts,
    DimInfo,
    NamedSize,
    add,
    canonical,
    ceil_div,
    compare,
    exact_div,
    floor_div,
    fmt,
    mul,
    parse_dim,
    to_json,
)

ROOT = Path(__file__).resolve().parent.parent


def test_the_seed_never_loads_sympy():
    """The seed's t goes from input to output untouched: no arithmetic, no sympy
    (a fifth of a second of its start-up), and the report is the same."""
    code = ("import sys\n"
            "from shapecheck.cli import main\n"
            "rc = main(['specs/seed_bilstm.yaml'])\n"
            "sys.stderr.write(repr('sympy' in sys.modules))\n"
            "sys.exit(rc)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and proc.stderr.strip() == "False", proc.stderr
    assert "(None, t, 768)" in proc.stdout


def test_a_spec_with_arithmetic_on_a_name_does_load_sympy(tmp_path):
    spec = tmp_path / "conv.yaml"
    spec.write_text("dims: {t: {min: 3}}\ninputs: {x: [?, t, 4]}\n"
                    "layers:\n  - {type: Conv1D, filters: 2, kernel_size: 3}\n")
    code = ("import sys, shapecheck\n"
            f"r = shapecheck.analyze({str(spec)!r})\n"
            "print([l.output_shapes for l in r.layers.values()][-1], 'sympy' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stdout.split() == ["((None,", "t", "-", "2,", "2),)", "True"], proc.stdout + proc.stderr


def test_a_named_size_is_the_sympy_symbol():
    import sympy

    t = DimFacts().symbol("t")
    sym = sympy.Symbol("t", integer=True, positive=True)
    assert isinstance(t, NamedSize) and str(t) == fmt(t) == to_json(t) == "t"
    assert t == sym and sym == t and not t != sym
    assert t == NamedSize("t") and t != NamedSize("u") and t != 1 and t is not None and t != "t"
    assert hash(t) == hash(NamedSize("t"))
    assert sympy.sympify(t) is sym or sympy.sympify(t) == sym
    assert t.is_integer is sym.is_integer and t.is_Integer is sym.is_Integer


@pytest.mark.parametrize("op, expected", [
    (lambda t: t + 0, "t"), (lambda t: 0 + t, "t"), (lambda t: t * 1, "t"), (lambda t: 1 * t, "t"),
    (lambda t: t - 0, "t"),
    (lambda t: t + 2, "t + 2"), (lambda t: 2 + t, "t + 2"), (lambda t: t - 3, "t - 3"), (lambda t: 3 - t, "3 - t"),
    (lambda t: 2 * t, "2*t"), (lambda t: t * 2, "2*t"), (lambda t: -t, "-t"), (lambda t: +t, "t"),
    (lambda t: abs(t), "t"), (lambda t: t / 2, "t/2"), (lambda t: 2 / t, "2/t"), (lambda t: t // 2, "floor(t/2)"),
    (lambda t: t % 3, "Mod(t, 3)"), (lambda t: t ** 2, "t**2"), (lambda t: t + t, "2*t"),
    (lambda t: t > 0, "True"), (lambda t: t >= 1, "True"), (lambda t: t < 0, "False"), (lambda t: t <= 0, "False"),
])
def test_arithmetic_is_sympys(op, expected):
    import sympy

    t = NamedSize("t")
    sym = sympy.Symbol("t", integer=True, positive=True)
    got = op(t)
    assert str(got) == expected
    assert got == op(sym)


def test_helpers_give_named_sizes_back_for_bare_names():
    import sympy

    t = NamedSize("t")
    sym = sympy.Symbol("t", integer=True, positive=True)
    assert canonical(sym).__class__ is NamedSize and canonical(sym + 2 - 2).__class__ is NamedSize
    assert canonical(sympy.Symbol("k")) == sympy.Symbol("k")  # not one of a model's sizes
    assert mul(t, 1).__class__ is NamedSize and add(t, 0).__class__ is NamedSize
    assert add(t, 2, -2).__class__ is NamedSize
    assert str(mul(t, 4)) == "4*t" and mul(t, None) is None
    assert floor_div(t, 1) is t and ceil_div(t, 1) is t
    assert str(floor_div(t, 2)) == "floor(t/2)" and str(ceil_div(t, 2)) == "ceiling(t/2)"
    assert exact_div(mul(t, 6), 3)[0] == mul(t, 2) and exact_div(mul(t, 6), 3)[1] is True


def test_compare_and_facts_decide_as_for_the_symbol():
    facts = DimFacts({"t": DimInfo("t", min=4), "u": DimInfo("u")})
    t, u = facts.symbol("t"), facts.symbol("u")
    assert facts.symbol("t") is t
    assert compare(t, t) is True and compare(t, NamedSize("t")) is True
    assert compare(t, u) is None and compare(t, u, facts) is None
    assert compare(t, 3, facts) is False  # t >= 4
    assert compare(t, 4, facts) is None
    assert compare(t, t + 1) is False
    assert compare(t, (t + 2) - 2) is True
    assert facts.positive(t) is True and facts.positive(t - 3) is True and facts.positive(t - 4) is None
    assert facts.sign(t) == 1


def test_parsed_names_are_named_sizes_and_expressions_sympy():
    facts = DimFacts()
    assert parse_dim("t", facts).__class__ is NamedSize
    assert parse_dim("(t)", facts).__class__ is NamedSize
    assert parse_dim("t + 1 - 1", facts).__class__ is NamedSize
    assert str(parse_dim("floor((t - 3)/2) + 1", facts)) == "floor(t/2 - 3/2) + 1"
    assert parse_dim("2*t", facts, {"t": 5}) == 10


def test_a_library_user_holds_a_sympy_size_either_way():
    """The API's sizes are sympy's (docs/api.md): a bare name answers sympy's methods
    and survives copying and pickling."""
    import copy
    import pickle

    import sympy

    import shapecheck

    t = shapecheck.analyze(str(ROOT / "specs" / "seed_bilstm.yaml")).layers["bilstm"].output_shapes[0][1]
    assert t.__class__ is NamedSize
    assert t.subs(t, 4995) == 4995 and t.free_symbols == {sympy.Symbol("t", integer=True, positive=True)}
    assert t.is_positive is True
    assert copy.deepcopy(t) == t and pickle.loads(pickle.dumps(t)) == t
    with pytest.raises(AttributeError):
        t._private  # noqa: B018
