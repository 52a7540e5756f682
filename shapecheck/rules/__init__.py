"""Shape rules, one module per layer family; importing this package registers them all."""

from . import (  # noqa: F401  (registration)
    activations,
    applications,
    attention,
    conv,
    conv_recurrent,
    core,
    einsum_dense,
    image_preprocessing,
    merge,
    normalization,
    ops,
    pooling,
    preprocessing,
    recurrent,
    reshaping,
    rnn_cells,
    spectrograms,
    tf_ops,
    wrappers,
)
from .keras_names import ALIASES
from .registry import REGISTRY, Axis, LayerCall, Note, Output, Weight, apply, lookup, rule

for _alias, _name in ALIASES.items():
    if _name in REGISTRY:
        REGISTRY.setdefault(_alias, REGISTRY[_name])

__all__ = ["REGISTRY", "Axis", "LayerCall", "Note", "Output", "Weight", "apply", "lookup", "rule"]
