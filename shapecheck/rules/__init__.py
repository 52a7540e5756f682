"""Shape rules, one module per layer family; importing this package registers them all."""

from . import core, nested, ops, recurrent, wrappers  # noqa: F401  (registration)
from .registry import REGISTRY, Axis, LayerCall, Note, Output, Weight, apply, lookup, rule

__all__ = ["REGISTRY", "Axis", "LayerCall", "Note", "Output", "Weight", "apply", "lookup", "rule"]
