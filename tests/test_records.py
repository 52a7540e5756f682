"""Records (shapecheck/records.py) behave as the frozen, slotted dataclasses they
replace: each class below is made both ways and every operation compared."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shapecheck.records import FrozenInstanceError, field, record, replace

ROOT = Path(__file__).resolve().parent.parent


def _both(make_namespace, **options):
    """The class ``make_namespace(field)`` builds, as a record and as a dataclass."""
    flags = {"order": options.get("order", False)}
    rec = record(**flags)(type("Thing", (), make_namespace(field)))
    dc = dataclasses.dataclass(frozen=True, slots=True, **flags)(type("Thing", (), make_namespace(dataclasses.field)))
    return rec, dc


def _plain(f):
    return {"__annotations__": {"a": "int", "b": "str", "c": "tuple", "d": "int | None"},
            "b": "x", "c": (), "d": None}


def _options(f):
    return {"__annotations__": {"a": "int", "hidden": "int", "items": "list", "note": "str"},
            "hidden": f(default=0, compare=False, repr=False),
            "items": f(default_factory=list), "note": f(default="n")}


def _one(f):
    return {"__annotations__": {"only": "int"}}


def _none(f):
    return {"__annotations__": {}}


# Pickle finds a class by its module and name: these are the module's own.
Plain, PlainDC = _both(_plain, order=True)
Plain.__qualname__ = Plain.__name__ = "Plain"
PlainDC.__qualname__ = PlainDC.__name__ = "PlainDC"
Options, OptionsDC = _both(_options)
One, OneDC = _both(_one)
Empty, EmptyDC = _both(_none)

ints = st.integers(-3, 3)
texts = st.sampled_from(["x", "y", "ü"])


def _shown(obj) -> str:
    return repr(obj).split("(", 1)[1]  # the class names differ


@given(ints, texts, st.tuples(ints), ints | st.none(), ints, texts, st.tuples(ints), ints | st.none())
def test_plain_records_compare_hash_and_show_as_dataclasses_do(a, b, c, d, a2, b2, c2, d2):
    r1, r2, d1, d2_ = Plain(a, b, c, d), Plain(a2, b2, c=c2, d=d2), PlainDC(a, b, c, d), PlainDC(a2, b2, c=c2, d=d2)
    assert (r1 == r2) == (d1 == d2_)
    assert (r1 != r2) == (d1 != d2_)
    assert hash(r1) == hash(d1)
    assert _shown(r1) == _shown(d1)
    for op in ("__lt__", "__le__", "__gt__", "__ge__"):
        assert getattr(r1, op)(r2) == getattr(d1, op)(d2_)
    assert replace(r1, a=a2) == Plain(a2, b, c, d)
    assert _shown(replace(r1, d=d2)) == _shown(dataclasses.replace(d1, d=d2))


@given(ints, ints, st.lists(ints, max_size=3), texts)
def test_field_options_as_dataclasses_take_them(a, hidden, items, note):
    r, d = Options(a, hidden, items, note), OptionsDC(a, hidden, items, note)
    assert _shown(r) == _shown(d)  # hidden not shown
    assert r == Options(a, hidden + 1, list(items), note)  # hidden not compared
    assert Options(a).items == [] and Options(a).items is not Options(a).items  # a fresh list each
    assert Options(a).note == "n" and Options(a).hidden == 0


def test_defaults_and_arguments():
    assert Plain(1) == Plain(1, "x", (), None) == Plain(a=1, b="x")
    assert One(3) == One(only=3) and One(3) != One(4) and hash(One(3)) == hash(OneDC(3))
    assert Empty() == Empty() and hash(Empty()) == hash(EmptyDC())
    assert Plain.__match_args__ == PlainDC.__match_args__ == ("a", "b", "c", "d")
    assert Plain.__record_fields__ == ("a", "b", "c", "d")
    for bad in (lambda: Plain(), lambda: Plain(1, zzz=2), lambda: replace(Plain(1), zzz=2)):
        with pytest.raises(TypeError):
            bad()
    assert Plain(1) != PlainDC(1) and Plain(1) != (1, "x", (), None)
    with pytest.raises(TypeError):
        Plain(1) < One(1)  # noqa: B015 - the comparison is the test
    with pytest.raises(ValueError):
        field(default=1, default_factory=list)


def test_the_init_templates_are_generated():
    import record_inits  # tests/, on the path as every test's folder

    assert record_inits.TARGET.read_text(encoding="utf-8") == record_inits.source(), \
        "run `python tests/record_inits.py --write`"


def test_what_a_record_cannot_be():
    """As dataclasses refuse it: a field without a default after one with; and beyond
    what the compiled ``__init__`` functions cover, said at once."""
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
        record(type("Bad", (), {"__annotations__": {"a": "int", "b": "int"}, "a": 1}))
    with pytest.raises(TypeError, match="non-default argument 'c' follows default argument"):
        record(type("Bad", (), {"__annotations__": {"a": "int", "b": "list", "c": "int"},
                                "b": field(default_factory=list)}))
    many = {f"f{k}": "int" for k in range(19)}
    with pytest.raises(TypeError, match="at most 18 fields"):
        record(type("Wide", (), {"__annotations__": many}))
    widest = record(type("Widest", (), {"__annotations__": dict(list(many.items())[:18])}))
    assert widest(*range(18)).f17 == 17 and widest.__init__.__qualname__ == "Widest.__init__"


def test_frozen_slotted_and_copyable():
    r = Plain(1, "y", (2,), 3)
    for attempt in (lambda: setattr(r, "a", 2), lambda: delattr(r, "a"), lambda: setattr(r, "new", 1)):
        with pytest.raises(AttributeError):
            attempt()
    with pytest.raises(FrozenInstanceError):
        r.a = 2
    assert not hasattr(r, "__dict__") and Plain.__slots__ == ("a", "b", "c", "d")
    assert pickle.loads(pickle.dumps(r)) == r
    assert copy.copy(r) == r and copy.deepcopy(r) == r


def test_mutable_records_are_compared_by_identity():
    @record(mutable=True)
    class Node:
        name: str
        parent: Node | None = None
        children: list = field(default_factory=list)

    root = Node("root")
    child = Node("c", root)
    root.children.append(child)
    root.name = "top"
    assert root.name == "top" and child.parent is root
    assert Node("x") != Node("x") and len({Node("x"), Node("x")}) == 2
    with pytest.raises(AttributeError):
        root.other = 1  # slotted: no attribute outside its fields
    # a value that reaches itself shows as "...", as dataclasses' repr does
    assert repr(root) == "Node(name='top', parent=None, children=[Node(name='c', parent=..., children=[])])"


def test_a_run_imports_neither_dataclasses_nor_inspect():
    """Half of a cold run was making dataclasses and importing ``inspect`` for them."""
    code = ("import sys\n"
            "from shapecheck.cli import main\n"
            "main(['specs/seed_bilstm.yaml']); main(['tests/corpus/python/own/seed_bilstm.py'])\n"
            "sys.stderr.write(repr([m for m in ('dataclasses', 'inspect') if m in sys.modules]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.stderr.strip() == "[]", proc.stderr
