"""Hypothesis strategies for the convolution and pooling families: valid spec dicts
(every one builds in Keras 3) with one focus layer, sometimes followed by a pooling,
a convolution and a global pooling of the same rank.

``conv_family_specs(ltype)`` draws ``(spec, sizes)``: ``sizes`` is None for a concrete
spec, or the values to substitute for the named spatial size ``H`` (declared in
``dims:`` with the smallest value for which every layer's output is >= 1). The
generator computes the lengths itself (plain Python, Keras's formulas) only to keep
every window inside its input; what is compared is shapecheck against Keras.
"""

from __future__ import annotations

from hypothesis import strategies as st

RANK = {
    "Conv1D": 1, "Conv2D": 2, "Conv3D": 3,
    "Conv1DTranspose": 1, "Conv2DTranspose": 2, "Conv3DTranspose": 3,
    "SeparableConv1D": 1, "SeparableConv2D": 2, "DepthwiseConv1D": 1, "DepthwiseConv2D": 2,
    "MaxPooling1D": 1, "MaxPooling2D": 2, "MaxPooling3D": 3,
    "AveragePooling1D": 1, "AveragePooling2D": 2, "AveragePooling3D": 3,
    "GlobalMaxPooling1D": 1, "GlobalMaxPooling2D": 2, "GlobalMaxPooling3D": 3,
    "GlobalAveragePooling1D": 1, "GlobalAveragePooling2D": 2, "GlobalAveragePooling3D": 3,
}
TYPES = tuple(RANK)
MAX_SIDE = {1: 12, 2: 9, 3: 5}  # keeps tensors small: Keras builds in ~15 ms


def window_len(n, k, s, d, padding):
    if n is None:
        return None
    if padding == "valid":
        return (n - ((k - 1) * d + 1)) // s + 1
    return -(-n // s)


def transpose_len(n, k, s, d, padding, op):
    if n is None:
        return None
    eff = (k - 1) * d + 1
    if padding == "valid":
        return (n - 1) * s + (max(eff, s) if op is None else eff + op)
    return n * s if op is None else (n - 1) * s + eff % 2 + op


class _Layer:
    """One drawn layer: its spec dict and how it maps (spatial sizes, channels)."""

    def __init__(self, spec: dict, fn):
        self.spec, self.fn = spec, fn


def _tuple(draw, rank, lo, hi, force_one=False):
    if force_one:
        return 1, (1,) * rank
    vals = tuple(draw(st.integers(lo, hi)) for _ in range(rank))
    if len(set(vals)) == 1 and draw(st.booleans()):
        return vals[0], vals  # Keras takes an int for all axes
    return list(vals), vals


def _draw_layer(draw, ltype: str, channels: int) -> _Layer:
    rank = RANK[ltype]
    d: dict = {"type": ltype}
    fmt = draw(st.sampled_from(["channels_last", "channels_last", "channels_first", None]))
    if fmt is not None:
        d["data_format"] = fmt
    if ltype.startswith("Global"):
        keep = draw(st.booleans())
        if keep or draw(st.booleans()):
            d["keepdims"] = keep
        return _Layer(d, lambda sp, c: ((1,) * rank if keep else None, c))
    if "Pooling" in ltype:
        spec_pool, pool = _tuple(draw, rank, 1, 3)
        if ltype.startswith("Average") or pool != (2,) * rank or draw(st.booleans()):
            d["pool_size"] = spec_pool
        strides = pool
        if draw(st.booleans()):
            spec_st, strides = _tuple(draw, rank, 1, 3)
            d["strides"] = spec_st
        padding = draw(st.sampled_from(["valid", "valid", "same"]))
        if padding != "valid" or draw(st.booleans()):
            d["padding"] = padding
        return _Layer(d, lambda sp, c: (tuple(window_len(n, pool[i], strides[i], 1, padding)
                                              for i, n in enumerate(sp)), c))
    transpose = ltype.endswith("Transpose")
    depthwise = ltype.startswith("Depthwise")
    separable = ltype.startswith("Separable")
    spec_k, k = _tuple(draw, rank, 1, 3)
    d["kernel_size"] = spec_k
    spec_s, s = _tuple(draw, rank, 1, 3)
    dilate = draw(st.integers(0, 3)) == 0
    # Conv and ConvTranspose reject strides > 1 with dilation > 1; Keras 3.15's
    # depthwise and separable convolutions accept it.
    if dilate and not (depthwise or separable):
        s = (1,) * rank
    else:
        if s != (1,) * rank or draw(st.booleans()):
            d["strides"] = spec_s
    dil = (1,) * rank
    if dilate:
        spec_d, dil = _tuple(draw, rank, 1, 3)
        d["dilation_rate"] = spec_d
    paddings = ["valid", "same"] + (["causal"] if ltype == "Conv1D" else [])
    padding = draw(st.sampled_from(paddings))
    if padding != "valid" or draw(st.booleans()):
        d["padding"] = padding if draw(st.integers(0, 4)) else padding.upper()
    padding = padding if padding != "causal" else "same"
    if not depthwise:
        d["filters"] = draw(st.integers(1, 4))
    if depthwise or separable:
        dm = draw(st.integers(1, 3))
        if dm != 1 or draw(st.booleans()):
            d["depth_multiplier"] = dm
    if not draw(st.integers(0, 3)):
        d["use_bias"] = False
    op = None
    if transpose and draw(st.booleans()):
        op = tuple(draw(st.integers(0, si - 1)) for si in s)
        d["output_padding"] = list(op)
    if ltype in ("Conv1D", "Conv2D", "Conv3D") and draw(st.integers(0, 2)) == 0:
        groups = [g for g in (2, 3) if channels % g == 0]
        if groups:
            g = draw(st.sampled_from(groups))
            d["groups"] = g
            d["filters"] = g * draw(st.integers(1, 2))

    def fn(sp, c):
        if transpose:
            out = tuple(transpose_len(n, k[i], s[i], dil[i], padding, None if op is None else op[i])
                        for i, n in enumerate(sp))
        else:
            out = tuple(window_len(n, k[i], s[i], dil[i], padding) for i, n in enumerate(sp))
        return out, (c * dm if depthwise else d["filters"])

    return _Layer(d, fn)


def _fmt(layer: _Layer) -> str:
    return layer.spec.get("data_format") or "channels_last"


def _run(layers, spatial, channels):
    """Spatial sizes after each layer, or None when some window does not fit."""
    sp, c = spatial, channels
    for layer in layers:
        sp, c = layer.fn(sp, c)
        if sp is None:
            return True  # a global pooling ends the spatial axes
        if any(n is not None and n < 1 for n in sp):
            return False
    return True


def _shape(layer: _Layer, spatial, channels):
    return [None, *spatial, channels] if _fmt(layer) == "channels_last" else [None, channels, *spatial]


@st.composite
def conv_family_specs(draw, ltype: str):
    rank = RANK[ltype]
    channels = draw(st.integers(1, 4)) * draw(st.sampled_from([1, 1, 2, 3]))
    first = _draw_layer(draw, ltype, channels)
    layers = [first]
    fmt = _fmt(first)
    stack = not ltype.startswith("Global") and draw(st.integers(0, 2)) == 0
    if stack:
        # a pooling, then a convolution, then maybe a global pooling, all in the same layout
        c = channels
        for nxt in (f"MaxPooling{rank}D", f"Conv{rank}D", f"GlobalAveragePooling{rank}D"):
            if nxt.startswith("Global") and draw(st.booleans()):
                break
            layer = _draw_layer(draw, nxt, c)
            if fmt == "channels_last":
                layer.spec.pop("data_format", None)
            else:
                layer.spec["data_format"] = "channels_first"
            if "filters" in layer.spec:
                layer.spec.pop("groups", None)
            layers.append(layer)
    symbolic = draw(st.integers(0, 2)) == 0
    side = MAX_SIDE[rank]
    spatial = [draw(st.one_of(st.none(), st.integers(1, side), st.integers(1, side)))
               for _ in range(rank)]
    sizes = None
    if symbolic:
        axis = draw(st.integers(0, rank - 1))
        form = draw(st.sampled_from(["H", "H", "2*H", "H + 1"]))
        value = {"H": lambda h: h, "2*H": lambda h: 2 * h, "H + 1": lambda h: h + 1}[form]

        def with_h(h):
            return [value(h) if i == axis else n for i, n in enumerate(spatial)]

        lo = next((h for h in range(1, 3 * side) if all(_run(layers, with_h(v), channels)
                                                         for v in range(h, h + 8))), None)
        if lo is None:
            symbolic = False
        else:
            spatial[axis] = form
            sizes = (lo, lo + 1, lo + 5)
    if not symbolic:
        # shrink-friendly: draw sizes until the windows fit, else widen them
        for i in range(rank):
            if spatial[i] is None:
                continue
            while not _run(layers, spatial, channels) and spatial[i] < 3 * side:
                spatial[i] += 1
        if not _run(layers, spatial, channels):
            spatial = [None if n is not None else None for n in spatial]
    spec = {"inputs": {"x": _shape(first, spatial, channels)}, "layers": [l.spec for l in layers]}
    if sizes:
        spec["dims"] = {"H": {"min": sizes[0]}}
    return spec, sizes
