"""TensorFlow SavedModel folders that tf.keras 2 wrote (``model.save("dir")``): the model's
Keras config is JSON inside ``keras_metadata.pb``, a small protobuf. It is read here
without TensorFlow or the protobuf package: a ``SavedMetadata`` message holds repeated
``nodes`` (field 1), each a ``SavedObject`` whose ``node_path`` (field 3) is ``root`` for
the model and whose ``metadata`` (field 5) is JSON with the ``model_config``. Only those
two wire types are parsed (varints and length-delimited fields); the graph in
``saved_model.pb`` and the variables are never opened.
"""

from __future__ import annotations

import os

from ..diagnostics import Diagnostic, Location, make

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

METADATA = "keras_metadata.pb"
GRAPH = "saved_model.pb"
# keras_metadata.pb of the largest keras.applications model is a few megabytes.
MAX_BYTES = 64 * 1024 * 1024


def is_saved_model(path: str) -> bool:
    """A folder TensorFlow saved a model in (its ``saved_model.pb``)."""
    return os.path.isdir(path) and (os.path.isfile(os.path.join(path, GRAPH))
                                    or os.path.isfile(os.path.join(path, METADATA)))


class _Malformed(ValueError):
    pass


def _varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(data) or shift > 63:
            raise _Malformed("a varint runs past the end")
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def fields(data: bytes) -> list[tuple[int, Any]]:
    """The (field number, value) pairs of one message: ints for varints, bytes for
    length-delimited fields; fixed-width fields are skipped."""
    out: list[tuple[int, Any]] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            size, i = _varint(data, i)
            if size > len(data) - i:
                raise _Malformed(f"field {number} claims {size:,} bytes; {len(data) - i:,} remain")
            value, i = data[i:i + size], i + size
        elif wire in (1, 5):
            i += 8 if wire == 1 else 4
            if i > len(data):
                raise _Malformed("a fixed-width field runs past the end")
            continue
        else:
            raise _Malformed(f"wire type {wire} is not used by keras_metadata.pb")
        out.append((number, value))
    return out


def read(path: str) -> tuple[dict | None, list[Diagnostic]]:
    """The Keras model config of the SavedModel folder ``path``, as a ``to_json()``
    dict (``class_name``, ``config``, ``keras_version``, ``backend``)."""
    import json  # here, not at the top: a folder's walk imports this module for is_saved_model

    here = Location(os.path.join(path, METADATA), 1, 1)
    meta = os.path.join(path, METADATA)
    if not os.path.isfile(meta):
        return None, [make("SC102", "a TensorFlow SavedModel without keras_metadata.pb: it holds a "
                           "graph of TensorFlow ops, no Keras layers to check", Location(path),
                           hint="save the model with tf.keras (model.save), or check its Keras "
                           "config (model.to_json())")]
    with open(meta, "rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return None, [make("SC108", f"keras_metadata.pb is over {MAX_BYTES:,} bytes; it was not read", here)]
    try:
        for number, node in fields(data):
            if number != 1 or not isinstance(node, bytes):
                continue
            parts = dict(fields(node))
            if parts.get(3) == b"root" and isinstance(parts.get(5), bytes):
                root = json.loads(parts[5].decode("utf-8"))
                break
        else:
            return None, [make("SC102", "keras_metadata.pb has no root node: no Keras model is "
                               "described", here)]
    except (_Malformed, UnicodeDecodeError, ValueError, RecursionError) as e:
        return None, [make("SC101", f"keras_metadata.pb is not the protobuf tf.keras writes: {e}", here,
                           hint="the folder is damaged, or not a Keras SavedModel")]
    model = root.get("model_config") if isinstance(root, dict) else None
    if not isinstance(model, dict) or "class_name" not in model:
        what = root.get("class_name") if isinstance(root, dict) else None
        return None, [make("SC102", f"the SavedModel's root ({what or 'unknown'}) has no model config: "
                           "a subclassed model records no layers to check", here,
                           hint="a subclassed model's shapes exist only in its code")]
    model = _untagged(model)
    config = {"class_name": model.get("class_name"), "config": model.get("config"),
              "keras_version": root.get("keras_version", "2"), "backend": root.get("backend")}
    return config, []


def _untagged(value: Any, depth: int = 0) -> Any:
    """The metadata's JSON writes tuples and TensorShapes as tagged objects,
    ``{"class_name": "__tuple__", "items": [...]}``: read them as the lists they hold."""
    if depth > 200:
        raise RecursionError("nested too deeply")
    if isinstance(value, dict):
        if value.get("class_name") in ("__tuple__", "TensorShape") and isinstance(value.get("items"), list):
            return [_untagged(v, depth + 1) for v in value["items"]]
        return {k: _untagged(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_untagged(v, depth + 1) for v in value]
    return value
