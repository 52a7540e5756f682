"""Generated docs must match the code that generates them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shapecheck.diagnostic_examples import EXAMPLES, NO_EXAMPLE
from shapecheck.diagnostics import CATALOGUE
from shapecheck.docgen import diagnostics_md, layers_md, run_example
from shapecheck.rules import REGISTRY

ROOT = Path(__file__).resolve().parent.parent


def test_layers_md_is_up_to_date():
    assert (ROOT / "docs" / "layers.md").read_text(encoding="utf-8") == layers_md(), \
        "docs/layers.md is stale: run `python -m shapecheck.docgen`"


def test_every_registered_layer_is_documented():
    text = layers_md()
    assert all(f"`{name}`" in text for name in REGISTRY)


def test_diagnostics_md_is_up_to_date():
    assert (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8") == diagnostics_md(), \
        "docs/diagnostics.md is stale: run `python -m shapecheck.docgen`"


def test_every_code_has_an_example_or_a_reason():
    assert set(EXAMPLES) | set(NO_EXAMPLE) == set(CATALOGUE)
    assert not set(EXAMPLES) & set(NO_EXAMPLE)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_example_yields_its_code(code):
    exit_code, lines = run_example(EXAMPLES[code])
    assert f": {code} " in lines, lines
    codes = re.findall(r": (SC\d+) ", lines)
    assert exit_code == (1 if any(CATALOGUE[c].severity.value == "error" for c in codes) else 0)
