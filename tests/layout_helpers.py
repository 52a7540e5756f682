"""The transforms of docs/weight-layouts.md, run: a layout's ``transform`` strings are
evaluated on Keras's arrays exactly as the doc defines them, so the tests check the
strings a user reads, not a second implementation of the conversion.

    arrays = {v.path: v.numpy() for v in model.weights}
    value = apply(weight, arrays)   # weight: a shapecheck.layouts.FrameworkWeight
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np


def gates(x: np.ndarray, spec: str, axis: int) -> np.ndarray:
    """``gates(x, 'zrh->rzh', axis)``: x cut into len('zrh') equal blocks along axis,
    labelled by the letters before ->, joined in the order after it."""
    src, dst = (s.strip() for s in spec.split("->"))
    assert sorted(src) == sorted(dst) and len(set(src)) == len(src), spec
    blocks = dict(zip(src, np.split(x, len(src), axis=axis)))
    return np.concatenate([blocks[g] for g in dst], axis=axis)


def _ident(part: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "_", part)
    return f"_{name}" if name[:1].isdigit() else name


def names(paths) -> list[str]:
    """The doc's rule: each source is written as the shortest tail of its path that no
    other source of the same weight ends with, / read as ., non-name characters as _."""
    split = [p.split("/") for p in paths]
    out = []
    for i, parts in enumerate(split):
        for k in range(1, len(parts) + 1):
            if k == len(parts) or all(other[-k:] != parts[-k:] for j, other in enumerate(split) if j != i):
                break
        out.append(".".join(_ident(p) for p in parts[-k:]))
    return out


def _namespace(bindings: dict[str, np.ndarray]) -> dict:
    ns: dict = {}
    for dotted, value in bindings.items():
        head, *rest = dotted.split(".")
        if not rest:
            ns[head] = value
            continue
        node = ns.setdefault(head, SimpleNamespace())
        for part in rest[:-1]:
            if not hasattr(node, part):
                setattr(node, part, SimpleNamespace())
            node = getattr(node, part)
        setattr(node, rest[-1], value)
    return ns


def apply(weight, arrays: dict[str, np.ndarray]) -> np.ndarray:
    """Evaluate ``weight.transform`` on the Keras arrays named by ``weight.sources``."""
    bound = dict(zip(names(weight.sources), (np.asarray(arrays[p]) for p in weight.sources)))
    scope = {"np": np, "gates": gates, **_namespace(bound)}
    value = np.asarray(eval(weight.transform, {"__builtins__": {}}, scope))  # noqa: S307
    assert value.shape == tuple(weight.shape), (weight.name, weight.transform, value.shape, weight.shape)
    return value


def random_weights(layer, seed: int = 0) -> None:
    """Give a built Keras layer random values (biases and statistics included, which
    Keras initialises to 0 and 1), variances positive."""
    rng = np.random.default_rng(seed)
    values = []
    for v in layer.weights:
        x = rng.normal(0, 0.5, size=tuple(v.shape))
        if "variance" in v.path:
            x = np.abs(x) + 0.5
        values.append(x.astype(v.dtype if isinstance(v.dtype, str) else "float32"))
    layer.set_weights(values)
