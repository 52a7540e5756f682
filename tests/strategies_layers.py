"""Hypothesis strategies for the merge, normalization, reshaping and activation
families: one strategy per Keras class, each drawing a one-layer spec that Keras 3
builds. ``layer_specs(cls)`` gives ``(spec, symbolic)``; a symbolic spec names the
size ``t`` on some axes and is valid in Keras for every t >= 1."""

from __future__ import annotations

from functools import partial

from hypothesis import strategies as st

SYM = st.sampled_from(["t", "t", "2*t", "t + 1"])
MERGES = ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")
SHAPE_PRESERVING = ("ReLU", "LeakyReLU", "ELU", "Softmax", "Identity", "GaussianDropout",
                    "GaussianNoise", "AlphaDropout", "ActivityRegularization")


def _size(draw, sym: bool, none: bool = True):
    """An axis: a concrete size, sometimes unknown, sometimes named."""
    if sym and draw(st.booleans()):
        return draw(SYM)
    if none and draw(st.integers(0, 4)) == 0:
        return None
    return draw(st.integers(1, 6))


def _body(draw, rank: int, sym: bool, none: bool = True) -> list:
    return [_size(draw, sym, none) for _ in range(rank - 1)]


def _single(layer: dict, shape: list) -> dict:
    return {"inputs": {"x": [None, *shape]}, "layers": [layer]}


def _multi(layer: dict, bodies: list[list]) -> dict:
    names = [f"x{i}" for i in range(len(bodies))]
    return {"inputs": {n: [None, *b] for n, b in zip(names, bodies)},
            "layers": [{**layer, "inputs": names}]}


# --------------------------------------------------------------------------- merges
def _merge(draw, cls: str, sym: bool) -> dict:
    rank = draw(st.integers(2, 4))
    base = _body(draw, rank, sym)
    n = 2 if cls == "Subtract" else draw(st.integers(2, 3))
    bodies = []
    for _ in range(n):
        b = list(base)
        if draw(st.integers(0, 3)) == 0:  # a lower rank broadcasts from the right
            b = b[draw(st.integers(0, len(b))):]
        # 1 broadcasts against anything; None makes Keras's result unknown
        b = [draw(st.sampled_from([d, d, 1, None])) for d in b]
        bodies.append(b)
    return _multi({"type": cls}, bodies)


def _concatenate(draw, sym: bool) -> dict:
    rank = draw(st.integers(2, 4))
    pos = draw(st.integers(1, rank - 1))
    axis = draw(st.sampled_from([pos, pos - rank]))
    base = _body(draw, rank, sym)
    bodies = []
    for _ in range(draw(st.integers(2, 3))):
        b = [draw(st.sampled_from([d, None])) if d is not None else None for d in base]
        b[pos - 1] = _size(draw, sym)
        bodies.append(b)
    layer = {"type": "Concatenate"}
    if axis != -1 or draw(st.booleans()):
        layer["axis"] = axis
    return _multi(layer, bodies)


def _dot(draw, sym: bool) -> dict:
    ra, rb = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    a, b = _body(draw, ra, sym), _body(draw, rb, sym)
    pa, pb = draw(st.integers(1, ra - 1)), draw(st.integers(1, rb - 1))
    b[pb - 1] = a[pa - 1]  # Keras compares the contracted sizes with != (None == None only)
    if pa == pb and draw(st.booleans()):
        axes = draw(st.sampled_from([pa, pa - ra])) if ra == rb else pa
    else:
        axes = [draw(st.sampled_from([pa, pa - ra])), draw(st.sampled_from([pb, pb - rb]))]
    layer = {"type": "Dot", "axes": axes}
    if draw(st.booleans()):
        layer["normalize"] = draw(st.booleans())
    return _multi(layer, [a, b])


# --------------------------------------------------------------------------- normalization
def _known_axis(draw, rank: int):
    """A non-batch axis number, positive or negative."""
    pos = draw(st.integers(1, rank - 1))
    return pos, draw(st.sampled_from([pos, pos - rank]))


def _flags(draw, layer: dict, *names: str) -> dict:
    for n in names:
        if draw(st.booleans()):
            layer[n] = draw(st.booleans())
    return layer


def _batchnorm(draw, sym: bool) -> dict:
    rank = draw(st.integers(2, 5))
    body = _body(draw, rank, sym)
    pos, axis = _known_axis(draw, rank)
    if body[pos - 1] is None:
        body[pos - 1] = draw(st.integers(1, 6))
    layer = _flags(draw, {"type": "BatchNormalization"}, "center", "scale", "renorm")
    if axis != -1 or draw(st.booleans()):
        layer["axis"] = axis
    return _single(layer, body)


def _layernorm(draw, sym: bool) -> dict:
    rank = draw(st.integers(2, 4))
    body = _body(draw, rank, sym)
    picks = draw(st.lists(st.integers(1, rank - 1), min_size=1, max_size=rank - 1, unique=True))
    axes = [draw(st.sampled_from([p, p - rank])) for p in picks]
    for p in picks:
        if body[p - 1] is None:
            body[p - 1] = draw(st.integers(1, 6))
    layer = _flags(draw, {"type": "LayerNormalization"}, "center", "scale", "rms_scaling")
    layer["axis"] = axes[0] if len(axes) == 1 and draw(st.booleans()) else axes
    return _single(layer, body)


def _groupnorm(draw, sym: bool) -> dict:
    rank = draw(st.integers(2, 4))
    body = _body(draw, rank, sym)
    pos, axis = _known_axis(draw, rank)
    groups = draw(st.integers(1, 4))
    body[pos - 1] = groups * draw(st.integers(1, 3))  # Keras needs it known and divisible
    layer = _flags(draw, {"type": "GroupNormalization", "groups": draw(st.sampled_from([groups, -1]))},
                   "center", "scale")
    if axis != -1 or draw(st.booleans()):
        layer["axis"] = axis
    return _single(layer, body)


def _unitnorm(draw, sym: bool) -> dict:
    rank = draw(st.integers(2, 4))
    picks = draw(st.lists(st.integers(1, rank - 1), min_size=1, max_size=rank - 1, unique=True))
    return _single({"type": "UnitNormalization", "axis": picks if len(picks) > 1 else picks[0]},
                   _body(draw, rank, sym))


def _rescaling(draw, sym: bool) -> dict:
    layer = {"type": "Rescaling", "scale": draw(st.sampled_from([1 / 255, 2.0, 0.5]))}
    if draw(st.booleans()):
        layer["offset"] = draw(st.sampled_from([0.0, -1.0]))
    return _single(layer, _body(draw, draw(st.integers(2, 4)), sym))


def _normalization(draw, sym: bool) -> dict:
    rank = draw(st.integers(2, 4))
    body = _body(draw, rank, sym)
    picks = draw(st.lists(st.integers(1, rank - 1), max_size=rank - 1, unique=True))
    for p in picks:
        if body[p - 1] is None:
            body[p - 1] = draw(st.integers(1, 6))
    axes = [draw(st.sampled_from([p, p - rank])) for p in picks]
    layer = {"type": "Normalization"}
    if not axes:
        layer["axis"] = None
    elif len(axes) == 1 and draw(st.booleans()):
        if axes[0] != -1 or draw(st.booleans()):
            layer["axis"] = axes[0]
    else:
        layer["axis"] = axes
    if draw(st.integers(0, 5)) == 0:
        layer["mean"], layer["variance"] = 0.0, 1.0
    return _single(layer, body)


# --------------------------------------------------------------------------- reshaping
def _permute(draw, sym: bool) -> dict:
    rank = draw(st.integers(2, 5))
    dims = draw(st.permutations(list(range(1, rank))))
    return _single({"type": "Permute", "dims": list(dims)}, _body(draw, rank, sym))


def _spatial_layout(draw, n: int, sym: bool):
    layer = {}
    first = False
    if n > 1 and draw(st.booleans()):
        layer["data_format"] = draw(st.sampled_from(["channels_last", "channels_first"]))
        first = layer["data_format"] == "channels_first"
    body = _body(draw, n + 2, sym)
    spatial = list(range(1, n + 1)) if first else list(range(0, n))
    return layer, body, spatial


def _pair_arg(draw, n: int, hi: int):
    """Keras's forms: one int, n ints, or n pairs (1D: an int or one pair)."""
    pairs = [(draw(st.integers(0, hi)), draw(st.integers(0, hi))) for _ in range(n)]
    form = draw(st.integers(0, 2))
    if form == 0:
        v = draw(st.integers(0, hi))
        return v, [(v, v)] * n
    if form == 1 and n > 1:
        vs = [p[0] for p in pairs]
        return vs, [(v, v) for v in vs]
    if n == 1:
        return list(pairs[0]), pairs
    return [list(p) for p in pairs], pairs


def _cropping(draw, n: int, sym: bool) -> dict:
    layer, body, spatial = _spatial_layout(draw, n, sym)
    value, pairs = _pair_arg(draw, n, 3)
    for ax, (a, b) in zip(spatial, pairs):
        d = body[ax]
        if isinstance(d, str):  # named: keep at least t after cropping, for every t
            body[ax] = f"{d} + {a + b}" if a + b else d
        elif d is not None and d <= a + b:
            body[ax] = a + b + draw(st.integers(1, 3))
    layer = {"type": f"Cropping{n}D", **layer}
    if draw(st.integers(0, 5)):
        layer["cropping"] = value
    elif n == 2:
        pass  # default ((0, 0), (0, 0))
    else:
        layer["cropping"] = value
    return _single(layer, body)


def _padding(draw, n: int, sym: bool) -> dict:
    layer, body, _ = _spatial_layout(draw, n, sym)
    value, _ = _pair_arg(draw, n, 3)
    layer = {"type": f"ZeroPadding{n}D", **layer}
    if draw(st.integers(0, 5)):
        layer["padding"] = value
    return _single(layer, body)


def _upsampling(draw, n: int, sym: bool) -> dict:
    layer, body, _ = _spatial_layout(draw, n, sym)
    layer = {"type": f"UpSampling{n}D", **layer}
    if draw(st.integers(0, 5)):
        sizes = [draw(st.integers(1, 3)) for _ in range(n)]
        layer["size"] = sizes[0] if n == 1 or draw(st.booleans()) else sizes
    if n == 2 and draw(st.booleans()):
        layer["interpolation"] = draw(st.sampled_from(["nearest", "bilinear"]))
    return _single(layer, body)


# --------------------------------------------------------------------------- activations
def _prelu(draw, sym: bool) -> dict:
    rank = draw(st.integers(2, 4))
    body = _body(draw, rank, sym)
    shared = draw(st.lists(st.integers(1, rank - 1), max_size=rank - 1, unique=True))
    for i, d in enumerate(body, start=1):
        if d is None and i not in shared:
            body[i - 1] = draw(st.integers(1, 5))
    layer = {"type": "PReLU"}
    if shared or draw(st.booleans()):
        layer["shared_axes"] = shared[0] if len(shared) == 1 and draw(st.booleans()) else \
            (shared or None)
    return _single(layer, body)


def _plain(draw, cls: str, sym: bool) -> dict:
    layer: dict = {"type": cls}
    if cls == "ReLU" and draw(st.booleans()):
        layer["max_value"] = draw(st.sampled_from([6.0, 1.0]))
    if cls == "LeakyReLU" and draw(st.booleans()):
        layer["negative_slope"] = 0.1
    if cls == "ELU" and draw(st.booleans()):
        layer["alpha"] = 0.5
    if cls in ("GaussianDropout", "AlphaDropout"):
        layer["rate"] = draw(st.sampled_from([0.1, 0.5]))
    if cls == "GaussianNoise":
        layer["stddev"] = 0.1
    if cls == "ActivityRegularization":
        layer["l1"] = 0.01
    rank = draw(st.integers(2, 4))
    if cls == "Softmax" and draw(st.booleans()):
        layer["axis"] = draw(st.integers(1, rank - 1))
    return _single(layer, _body(draw, rank, sym))


def _spatial_dropout(draw, n: int, sym: bool) -> dict:
    layer = {"type": f"SpatialDropout{n}D", "rate": draw(st.sampled_from([0.1, 0.5]))}
    if n > 1 and draw(st.booleans()):
        layer["data_format"] = draw(st.sampled_from(["channels_last", "channels_first"]))
    return _single(layer, _body(draw, n + 2, sym))


BUILDERS = {
    **{c: partial(_merge, cls=c) for c in MERGES},
    "Concatenate": _concatenate,
    "Dot": _dot,
    "BatchNormalization": _batchnorm,
    "LayerNormalization": _layernorm,
    "GroupNormalization": _groupnorm,
    "UnitNormalization": _unitnorm,
    "Rescaling": _rescaling,
    "Normalization": _normalization,
    "Permute": _permute,
    **{f"Cropping{n}D": partial(_cropping, n=n) for n in (1, 2, 3)},
    **{f"ZeroPadding{n}D": partial(_padding, n=n) for n in (1, 2, 3)},
    **{f"UpSampling{n}D": partial(_upsampling, n=n) for n in (1, 2, 3)},
    "PReLU": _prelu,
    **{c: partial(_plain, cls=c) for c in SHAPE_PRESERVING},
    **{f"SpatialDropout{n}D": partial(_spatial_dropout, n=n) for n in (1, 2, 3)},
}


def _mentions_symbol(spec: dict) -> bool:
    return any(isinstance(d, str) for shape in spec["inputs"].values() for d in shape)


def specs_for(builders: dict):
    """A strategy of ``(spec, symbolic)`` for a class of ``builders``: about a third of
    the specs name the size t."""

    @st.composite
    def layer_specs(draw, cls: str):
        sym = draw(st.integers(0, 2)) == 0
        spec = builders[cls](draw, sym=sym)
        return spec, _mentions_symbol(spec)

    return layer_specs


layer_specs = specs_for(BUILDERS)
