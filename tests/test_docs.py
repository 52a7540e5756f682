"""Generated docs must match the code that generates them."""

from __future__ import annotations

from pathlib import Path

from shapecheck.docgen import layers_md
from shapecheck.rules import REGISTRY

ROOT = Path(__file__).resolve().parent.parent


def test_layers_md_is_up_to_date():
    assert (ROOT / "docs" / "layers.md").read_text(encoding="utf-8") == layers_md(), \
        "docs/layers.md is stale: run `python -m shapecheck.docgen`"


def test_every_registered_layer_is_documented():
    text = layers_md()
    assert all(f"`{name}`" in text for name in REGISTRY)
