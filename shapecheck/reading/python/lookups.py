"""The vocabulary of Keras's lookup layers (``StringLookup``, ``IntegerLookup``,
``TextVectorization``), whose size is the depth of what they give: learnt from data by
``adapt()`` (a named size of the layer's own), or the file's own list, counted as Keras
counts it with its special tokens."""

from __future__ import annotations

from .keras_api import keep_named
from .values import Unknown, known

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ast
    from typing import Any

    from .graph import Layer
    from .interpreter import Interpreter


# Lookup layers whose vocabulary adapt() learns from data: its size is their depth.
ADAPTED = ("StringLookup", "IntegerLookup", "TextVectorization")


def adapted(interp: Interpreter, layer: Layer, method: str, node: ast.AST,
            kwargs: dict[str, Any] | None = None) -> Any:
    """``lookup.adapt(data)``: the vocabulary comes from data, so its size is a named size
    of the layer's own (``string_lookup_1_vocabulary_size``: two lookups never share
    one), which ``lookup.vocabulary_size()`` returns too. A vocabulary the code gives
    stays what decides."""
    size = f"{layer.name}_vocabulary_size"
    vocabulary = layer.args.get("vocabulary")
    if method != "adapt" and isinstance(vocabulary, list) and known(vocabulary):
        # the file's own vocabulary: what Keras's vocabulary_size() and get_vocabulary() give
        special = (kwargs or {}).get("include_special_tokens", True) is not False
        words = (_special_tokens(layer) if special else []) + vocabulary
        return len(words) if method == "vocabulary_size" else words
    if "vocabulary" in layer.args or "vocabulary_size" in layer.args:
        return None if method == "adapt" else Unknown(size, "the vocabulary's size")
    if method == "vocabulary_size":
        return Unknown(size, "what adapt() learns from data")
    layer.args["vocabulary_size"] = keep_named(interp, "vocabulary_size", size, node)
    return None


def _special_tokens(layer: Layer) -> list:
    """A lookup layer's tokens before its vocabulary: the mask token, if any, then one OOV
    token per OOV index (TextVectorization: "" and "[UNK]")."""
    args = layer.args
    if layer.cls == "TextVectorization":
        return ["", "[UNK]"]
    string = layer.cls == "StringLookup"
    mask = args.get("mask_token")
    oov = args.get("num_oov_indices", 1)
    token = args.get("oov_token", "[UNK]" if string else -1)
    return ([] if mask is None else [mask]) + [token] * (oov if isinstance(oov, int) else 1)
