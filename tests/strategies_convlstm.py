"""Hypothesis strategies for ConvLSTM1D/2D/3D: one-layer spec dicts that Keras 3 builds.

``convlstm_specs(ltype)`` draws ``(spec, bindings)``. ``bindings`` is None for a
concrete spec, else a list of ``{name: value}`` to substitute: the time axis may be
named ``t`` (``t``, ``2*t`` or ``t + 1``) and one spatial axis ``H`` (``H``, ``2*H``
or ``H + 1``, declared in ``dims:`` with the smallest value whose window fits). The
generator computes output lengths itself (plain Python, Keras's formulas) only to keep
every window inside its input and to give ``initial_state`` inputs their shape; what is
compared is shapecheck against Keras.

ConvLSTM3D is kept tiny (spatial sides <= 4, filters <= 2) so Keras builds fast.
"""

from __future__ import annotations

from hypothesis import strategies as st

RANK = {"ConvLSTM1D": 1, "ConvLSTM2D": 2, "ConvLSTM3D": 3}
TYPES = tuple(RANK)
MAX_SIDE = {1: 9, 2: 6, 3: 4}
MAX_FILTERS = {1: 4, 2: 3, 3: 2}
FORMS = {"": lambda v: v, "2*": lambda v: 2 * v, " + 1": lambda v: v + 1}


def window_len(n: int, k: int, s: int, d: int, padding: str) -> int:
    if padding == "valid":
        return (n - ((k - 1) * d + 1)) // s + 1
    return -(-n // s)


def _tuple(draw, rank: int, lo: int, hi: int):
    vals = tuple(draw(st.integers(lo, hi)) for _ in range(rank))
    if len(set(vals)) == 1 and draw(st.booleans()):
        return vals[0], vals  # Keras takes an int for all axes
    return list(vals), vals


def _named(draw, name: str) -> tuple[str, object]:
    form = draw(st.sampled_from(["", "", "2*", " + 1"]))
    text = f"2*{name}" if form == "2*" else f"{name}{form}"
    return text, FORMS[form]


def _flag(draw, layer: dict, key: str, p_true: int = 3) -> bool:
    """Sets ``key`` true about 1 in ``p_true`` draws; sometimes writes the default."""
    value = draw(st.integers(0, p_true - 1)) == 0
    if value or draw(st.integers(0, 3)) == 0:
        layer[key] = value
    return value


@st.composite
def convlstm_specs(draw, ltype: str):
    rank = RANK[ltype]
    layer: dict = {"type": ltype}
    fmt = draw(st.sampled_from(["channels_last", "channels_last", "channels_first", None, "omit"]))
    if fmt != "omit":
        layer["data_format"] = fmt
    first = fmt == "channels_first"
    layer["filters"] = filters = draw(st.integers(1, MAX_FILTERS[rank]))
    spec_k, k = _tuple(draw, rank, 1, 3)
    layer["kernel_size"] = spec_k
    s, dil = (1,) * rank, (1,) * rank
    if draw(st.integers(0, 3)) == 0:  # Keras rejects strides > 1 with dilation_rate > 1
        spec_d, dil = _tuple(draw, rank, 1, 3)
        layer["dilation_rate"] = spec_d
        if draw(st.booleans()):
            layer["strides"] = 1
    else:
        spec_s, s = _tuple(draw, rank, 1, 3)
        if s != (1,) * rank or draw(st.booleans()):
            layer["strides"] = spec_s
    padding = draw(st.sampled_from(["valid", "same"]))
    if padding != "valid" or draw(st.booleans()):
        layer["padding"] = padding if draw(st.integers(0, 4)) else padding.upper()
    if draw(st.integers(0, 3)) == 0:
        layer["use_bias"] = False
    _flag(draw, layer, "return_sequences", 2)
    _flag(draw, layer, "return_state")
    _flag(draw, layer, "go_backwards")
    stateful = _flag(draw, layer, "stateful", 5)
    if draw(st.integers(0, 5)) == 0:
        layer["unit_forget_bias"] = draw(st.booleans())
    if draw(st.integers(0, 5)) == 0:
        layer["dropout"] = draw(st.sampled_from([0.0, 0.25, 0.5]))
        layer["recurrent_dropout"] = draw(st.sampled_from([0.0, 0.1]))
        layer["seed"] = 1

    channels = draw(st.integers(1, 3))
    batch = draw(st.integers(1, 3)) if stateful or draw(st.integers(0, 5)) == 0 else None

    # time: concrete, unknown or named
    bindings_t = None
    time_kind = draw(st.sampled_from(["int", "int", "none", "named"]))
    if time_kind == "int":
        time: object = draw(st.integers(1, 4))
    elif time_kind == "none":
        time = None
    else:
        time, _ = _named(draw, "t")
        bindings_t = (1, 3, 2)
    if time is not None and draw(st.integers(0, 4)) == 0:
        layer["unroll"] = True  # Keras needs the number of timesteps to unroll

    side = MAX_SIDE[rank]
    spatial: list[object] = [draw(st.integers(1, side)) for _ in range(rank)]

    def fits(sp) -> bool:
        return all(window_len(n, k[i], s[i], dil[i], padding) >= 1 for i, n in enumerate(sp))

    # widen the windows' inputs until every one fits (shrink-friendly)
    for i in range(rank):
        while not fits(spatial) and spatial[i] < 3 * side:
            spatial[i] += 1
    bindings_h = None
    if draw(st.integers(0, 2)) == 0:
        axis = draw(st.integers(0, rank - 1))
        text, value = _named(draw, "H")

        def with_h(h):
            return [value(h) if i == axis else n for i, n in enumerate(spatial)]

        lo = next(h for h in range(1, 4 * side) if fits(with_h(h)))
        spatial[axis] = text
        bindings_h = (lo, lo + 1, lo + 4)
        layer_dims = {"H": {"min": lo}}
    else:
        layer_dims = None

    body = [channels, *spatial] if first else [*spatial, channels]
    spec: dict = {"inputs": {"x": [batch, time, *body]}, "layers": [layer]}
    if layer_dims:
        spec["dims"] = layer_dims

    # initial_state, from model inputs shaped like one step's output (concrete sizes only:
    # the oracle cannot write a floor() into a Keras Input)
    if bindings_h is None and draw(st.integers(0, 3)) == 0:
        out = [window_len(n, k[i], s[i], dil[i], padding) for i, n in enumerate(spatial)]
        st_shape = [batch, filters, *out] if first else [batch, *out, filters]
        spec["inputs"].update({"h0": st_shape, "c0": list(st_shape)})
        layer["inputs"] = "x"
        layer["initial_state"] = ["h0", "c0"]

    bindings = None
    if bindings_t or bindings_h:
        bindings = []
        for j in range(3):
            b = {}
            if bindings_t:
                b["t"] = bindings_t[j]
            if bindings_h:
                b["H"] = bindings_h[j]
            bindings.append(b)
    return spec, bindings
