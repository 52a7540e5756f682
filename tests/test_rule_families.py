"""The registry loads a rule family when its model first uses it: the generated table of
which module holds which class is complete, and a lookup through it finds the rule that
loading every family registers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import rule_families  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_the_table_is_the_rules():
    assert rule_families.TARGET.read_text(encoding="utf-8") == rule_families.source(), \
        "run `python tests/rule_families.py --write`"


def _fresh(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    return out.stdout


def test_every_name_is_found_lazily_as_loading_all_finds_it():
    got = _fresh(
        "from shapecheck.rules.families import FAMILY_OF\n"
        "from shapecheck.rules.registry import REGISTRY\n"
        "lazy = {}\n"
        "for name in FAMILY_OF:\n"
        "    r = REGISTRY.get(name)\n"
        "    lazy[name] = None if r is None else (r.types, r.fn.__module__, r.fn.__name__)\n"
        "full = {n: (r.types, r.fn.__module__, r.fn.__name__) for n, r in REGISTRY.items()}\n"
        "print(lazy == full, len(full), sorted(set(full) ^ set(lazy))[:5])\n")
    assert got.split()[0] == "True", got
    assert int(got.split()[1]) > 400


def test_a_run_loads_only_the_families_its_model_uses():
    got = _fresh(
        "import sys, shapecheck\n"
        "r = shapecheck.analyze('specs/seed_bilstm.yaml')\n"
        "print(r.ok, sorted(m.rsplit('.', 1)[1] for m in sys.modules\n"
        "                   if m.startswith('shapecheck.rules.') and m != 'shapecheck.rules.families'))\n")
    ok, loaded = got.split(" ", 1)
    assert ok == "True"
    assert "spectrograms" not in loaded and "image_preprocessing" not in loaded, loaded
    assert "wrappers" in loaded and "recurrent" in loaded, loaded


def test_membership_and_iteration_load_what_they_need():
    got = _fresh(
        "from shapecheck.rules import REGISTRY\n"
        "print('ops.Abs' in REGISTRY, 'NotALayer' in REGISTRY, REGISTRY.get('NotALayer', 7),\n"
        "      'MelSpectrogram' in list(REGISTRY), len(REGISTRY) > 400)\n")
    assert got.split() == ["True", "False", "7", "True", "True"]
