"""``isinstance()`` of the objects the reader makes for Keras's: a script that asks
``isinstance(backbone.layers[-1], layers.MaxPooling2D)`` (a U-Net choosing its centre
block) takes the branch Python takes. Keras 3's public layer classes subclass private
bases, and only a few subclass another public one (``SUBCLASSES``, from the installed
Keras: ``issubclass`` over ``keras.layers``); for tf.keras 2 and the file's own
subclasses only the class itself is decided."""

from __future__ import annotations

from ...rules.keras_names import ALIASES, KERAS_LAYERS
from .graph import Layer, Model
from .keras_api import keras_path, last

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: Keras 3's public layer classes that subclass other public ones (aliases aside).
SUBCLASSES = {
    "AdditiveAttention": ("Attention",), "ConvLSTM1D": ("RNN",), "ConvLSTM2D": ("RNN",),
    "ConvLSTM3D": ("RNN",), "GRU": ("RNN",), "LSTM": ("RNN",), "SimpleRNN": ("RNN",),
    "ReversibleEmbedding": ("Embedding",), "SpatialDropout1D": ("Dropout",),
    "SpatialDropout2D": ("Dropout",), "SpatialDropout3D": ("Dropout",),
    "SpectralNormalization": ("Wrapper",), "TimeDistributed": ("Wrapper",), "FlaxLayer": ("JaxLayer",),
}
_MODELS = {"Functional": ("Model", "Functional"), "Sequential": ("Model", "Sequential")}


def keras_isinstance(value: Any, target: Any, dialect: str) -> bool | None:
    """Whether ``value`` (a layer or a model the reader made) is an instance of the Keras
    class ``target`` names; None where the reader cannot tell."""
    path = keras_path(target)
    if path is None or not isinstance(value, (Layer, Model)) or \
            len(path) != 1 and path[:1] not in (("layers",), ("models",)):  # keras.Model, layers.Dense
        return None
    written = last(path)
    name = ALIASES.get(written, written)
    if name == "Layer":
        return True
    if isinstance(value, Model):
        if value.cls not in _MODELS:  # a Model subclass of the file: a Model, and what else is its own
            return True if name == "Model" else None
        return name in _MODELS[value.cls] if name in ("Model", "Functional", "Sequential") else \
            False if written in KERAS_LAYERS else None
    if value.cls not in KERAS_LAYERS or written not in KERAS_LAYERS and name not in ("Model", "Sequential"):
        return None  # the file's own class, or a class the reader does not know
    mine = ALIASES.get(value.cls, value.cls)
    if mine == name:
        return True
    return name in SUBCLASSES.get(mine, ()) if dialect != "keras2" else None
