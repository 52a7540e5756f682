"""Shape rules, one module per layer family; importing this package registers them all."""

from . import (  # noqa: F401  (registration)
    activations,
    conv,
    core,
    merge,
    nested,
    normalization,
    ops,
    pooling,
    recurrent,
    reshaping,
    wrappers,
)
from .registry import REGISTRY, Axis, LayerCall, Note, Output, Weight, apply, lookup, rule

__all__ = ["REGISTRY", "Axis", "LayerCall", "Note", "Output", "Weight", "apply", "lookup", "rule"]
