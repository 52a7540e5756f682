"""Hypothesis strategies producing *valid* shapecheck spec dicts.

Every spec built here must also build as a Keras 3 Functional model (see
``keras_oracle.build_keras_model``); the generator tracks tensor shapes itself
only to decide which layers are valid next, and predicts Keras's auto-names
(per snake_case class counters, a wrapped layer created before its wrapper,
explicit names consuming no counter) so later layers can reference earlier ones.

Families: ``core_specs``, ``recurrent_specs``, ``bidirectional_specs``,
``bidirectional_diff_units_specs``, ``timedistributed_specs``; each takes a
``time`` strategy for the time axis.  ``symbolic_specs`` uses a symbolic time
axis ``t`` (``"t"``, ``"2*t"`` or ``"t + 1"``) and declares ``dims: {t: {min: 1}}``.
``appended_random_layer_specs`` (fuzz) ends a valid model with one layer whose
arguments are random and often invalid; Keras decides.

Sizes are kept small (units 1..16, dims 1..10) so Keras builds fast.
"""

from __future__ import annotations

import sympy
from hypothesis import strategies as st

SNAKE = {
    "Dense": "dense",
    "Embedding": "embedding",
    "Dropout": "dropout",
    "Activation": "activation",
    "Masking": "masking",
    "Flatten": "flatten",
    "Reshape": "reshape",
    "RepeatVector": "repeat_vector",
    "SimpleRNN": "simple_rnn",
    "LSTM": "lstm",
    "GRU": "gru",
    "Bidirectional": "bidirectional",
    "TimeDistributed": "time_distributed",
}
RNN_TYPES = ("SimpleRNN", "LSTM", "GRU")
N_STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}
MERGE_MODES = ("concat", "sum", "mul", "ave", None)
ACTIVATIONS = ("linear", "relu", "tanh", "sigmoid", "softmax")

T = sympy.Symbol("t")

#: time axis: None (unknown) or a concrete size
CONCRETE_TIME = st.one_of(st.none(), st.integers(1, 10), st.integers(1, 10))
#: symbolic time axis: t, 2*t or t + 1
SYMBOLIC_TIME = st.sampled_from([T, T, 2 * T, T + 1])
#: sizes substituted for t in the symbolic tests
SYMBOL_SIZES = (1, 3, 7)


# --------------------------------------------------------------------------- dims
def _norm(d):
    if d is None or isinstance(d, int):
        return d
    d = sympy.sympify(d)
    return int(d) if d.is_Integer else d


def _prod(dims):
    if any(d is None for d in dims):
        return None
    r = sympy.Integer(1)
    for d in dims:
        r *= d
    return _norm(r)


def dim_to_spec(d):
    d = _norm(d)
    if d is None or isinstance(d, int):
        return d
    return str(d)


def _is_symbolic(d) -> bool:
    return d is not None and not isinstance(d, int)


def _mentions(layer: dict, name: str) -> bool:
    refs = []
    for key in ("inputs", "initial_state"):
        v = layer.get(key)
        refs += [v] if isinstance(v, str) else list(v or [])
    return any(r == name or r.startswith(name + "[") for r in refs)


def _divisors(n: int) -> list[int]:
    return [k for k in range(1, n + 1) if n % k == 0]


# --------------------------------------------------------------------------- generator
class _Gen:
    """Mutable state of one spec being drawn."""

    def __init__(self, draw, symbolic: bool = False):
        self.draw = draw
        self.symbolic = symbolic
        self.inputs: dict[str, list] = {}
        self.layers: list[dict] = []
        self.counters: dict[str, int] = {}
        self.n_explicit = 0
        self.outs: dict[str, list[tuple]] = {}  # name -> output shapes
        self.prev: str | None = None  # default input of the next layer

    # -- draws
    def coin(self) -> bool:
        return self.draw(st.booleans())

    def rare(self) -> bool:  # ~25 %
        return self.draw(st.integers(0, 3)) == 0

    def int(self, lo, hi) -> int:
        return self.draw(st.integers(lo, hi))

    def pick(self, seq):
        return self.draw(st.sampled_from(list(seq)))

    def maybe(self, d: dict, key, value, default):
        """Set d[key]=value when it differs from the Keras default, and sometimes
        spell out the default too."""
        if value != default or self.coin():
            d[key] = value

    # -- names and references
    def new_name(self, ltype: str, explicit: bool | None = None, prefix: str = "my_"):
        if explicit is None:
            explicit = self.rare()
        if explicit:
            self.n_explicit += 1
            return f"{prefix}{SNAKE[ltype]}{self.n_explicit}", True
        snake = SNAKE[ltype]
        c = self.counters.get(snake, 0)
        self.counters[snake] = c + 1
        return (snake if c == 0 else f"{snake}_{c}"), False

    @staticmethod
    def named(ltype: str, name: str, explicit: bool, **kw) -> dict:
        d = {"name": name} if explicit else {}
        d["type"] = ltype
        d.update(kw)
        return d

    def ref(self, name: str, idx: int = 0) -> str:
        return name if len(self.outs[name]) == 1 and idx == 0 else f"{name}[{idx}]"

    def add_input(self, name: str, shape) -> tuple[str, tuple]:
        shape = tuple(_norm(d) for d in shape)
        self.inputs[name] = [dim_to_spec(d) for d in shape]
        self.outs[name] = [shape]
        if self.prev is None:
            self.prev = name
        return name, shape

    def add(self, layer: tuple, src: str, initial_state: list[str] | None = None):
        """Append a layer made by one of the ``*_layer`` methods, fed from ``src``.
        Returns (ref of output 0, its shape, layer name)."""
        d, name, outs = layer
        # with several model inputs the default input of the first layer is
        # ambiguous (shapecheck feeds all of them), so name it explicitly
        default_ok = (src == self.prev and len(self.outs[self.prev]) == 1
                      and not (self.prev in self.inputs and len(self.inputs) > 1))
        if not default_ok or self.rare():
            d["inputs"] = [src] if self.rare() else src
        if initial_state:
            d["initial_state"] = list(initial_state)
        self.layers.append(d)
        self.outs[name] = [tuple(_norm(x) for x in o) for o in outs]
        self.prev = name
        return self.ref(name), self.outs[name][0], name

    def spec(self, outputs: list[str] | None = None) -> dict:
        s = {}
        if self.rare():
            s["model"] = "m"
        if self.symbolic:
            s["dims"] = {"t": {"min": 1}}
        layers = self.layers
        if len(self.inputs) == 1 and self.rare() and self.rare():
            # Sequential style: the input as an InputLayer entry of `layers`
            ((name, shape),) = self.inputs.items()
            entry = {"type": "InputLayer"}
            if any(_mentions(l, name) for l in layers) or self.coin():
                entry["name"] = name  # else Keras auto-names it "input_layer"
            if self.coin():
                entry["batch_shape"] = list(shape)
            else:
                entry["shape"] = list(shape[1:])
                if shape[0] is not None or self.coin():
                    entry["batch_size"] = shape[0]
            layers = [entry] + layers
        else:
            s["inputs"] = dict(self.inputs)
        s["layers"] = layers
        if outputs is not None:
            s["outputs"] = outputs
        return s

    def default_outputs(self) -> list[str] | None:
        """Outputs: explicit indices for a multi-output last layer; otherwise
        usually the default (last layer), sometimes an extra earlier output."""
        name = self.prev
        n = len(self.outs[name])
        if n > 1:
            idx = sorted(set(self.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n))))
            return [f"{name}[{i}]" for i in idx]
        if self.rare():
            singles = [k for k, v in self.outs.items() if len(v) == 1 and k not in self.inputs and k != name]
            if singles:
                return [self.pick(singles), name]
            return [name]
        return None

    # -- dims
    def batch(self, concrete: bool | None = None):
        if concrete is None:
            concrete = self.coin()
        return self.int(1, 4) if concrete else None

    def axis(self, lo=1, hi=10, none_ok=True):
        if none_ok and self.rare():
            return None
        return self.int(lo, hi)

    # ------------------------------------------------------------------ layers
    # Each returns (dict, name, [output shapes]) for input shape s.
    def dense_layer(self, s):
        units = self.int(1, 16)
        name, ex = self.new_name("Dense")
        d = self.named("Dense", name, ex, units=units)
        if self.rare():
            d["activation"] = self.pick(ACTIVATIONS)
        self.maybe(d, "use_bias", self.coin() or self.coin(), True)
        if self.rare():
            d["lora_rank"] = self.int(1, 4)
        return d, name, [s[:-1] + (units,)]

    def embedding_layer(self, s):
        out = self.int(1, 8)
        name, ex = self.new_name("Embedding")
        d = self.named("Embedding", name, ex, input_dim=self.int(1, 10), output_dim=out)
        self.maybe(d, "mask_zero", self.coin(), False)
        return d, name, [s + (out,)]

    def identity_layer(self, s, ltype=None):
        ltype = ltype or self.pick(["Dropout", "Activation", "Masking"])
        name, ex = self.new_name(ltype)
        if ltype == "Dropout":
            d = self.named(ltype, name, ex, rate=self.pick([0.0, 0.1, 0.5]))
        elif ltype == "Activation":
            d = self.named(ltype, name, ex, activation=self.pick(ACTIVATIONS))
        else:
            d = self.named(ltype, name, ex)
            self.maybe(d, "mask_value", self.pick([0.0, 0.0, -1.0]), 0.0)
        return d, name, [s]

    def flatten_layer(self, s):
        name, ex = self.new_name("Flatten")
        return self.named("Flatten", name, ex), name, [(s[0], _prod(s[1:]))]

    def reshape_layer(self, s):
        rest = s[1:]
        total = _prod(rest)
        if total is None:
            known = [d for d in rest if d is not None]
            coeff = int(sympy.sympify(_prod(known) if known else 1).as_content_primitive()[0])
            sym = None
        else:
            c, sym = sympy.sympify(total).as_content_primitive()  # 6*t + 6 -> (6, t + 1)
            coeff = int(c)
        k = self.int(0, 2)
        factors, rem = [], coeff
        for _ in range(k):
            f = self.pick(_divisors(rem))
            factors.append(f)
            rem //= f
        need_minus_one = total is None or sym != 1
        if need_minus_one or self.coin():
            pos = self.int(0, len(factors))
            target = factors[:pos] + [-1] + factors[pos:]
            fill = None if total is None else _norm(rem * sym)
            out = tuple(fill if t == -1 else t for t in target)
        else:
            target = factors + [rem]
            out = tuple(target)
        name, ex = self.new_name("Reshape")
        return self.named("Reshape", name, ex, target_shape=target), name, [(s[0],) + out]

    def repeat_layer(self, s):
        n = self.int(1, 5)
        name, ex = self.new_name("RepeatVector")
        return self.named("RepeatVector", name, ex, n=n), name, [(s[0], n, s[1])]

    def rnn_layer(self, s, ltype=None, *, units=None, seq=None, state=None,
                  stateful_ok=True, name_prefix="my_", explicit=None, backwards=None):
        ltype = ltype or self.pick(RNN_TYPES)
        units = units or self.int(1, 16)
        name, ex = self.new_name(ltype, explicit=explicit, prefix=name_prefix)
        d = self.named(ltype, name, ex, units=units)
        seq = self.coin() if seq is None else seq
        state = self.rare() if state is None else state
        self.maybe(d, "return_sequences", seq, False)
        self.maybe(d, "return_state", state, False)
        gb = self.rare() if backwards is None else backwards
        self.maybe(d, "go_backwards", gb, False)
        self.maybe(d, "use_bias", not self.rare(), True)
        if ltype == "GRU":
            self.maybe(d, "reset_after", not self.rare(), True)
        if stateful_ok and isinstance(s[0], int) and self.rare():
            d["stateful"] = True
        if self.rare():  # arguments that change no shape or weight
            extra = self.pick([
                {"dropout": 0.1}, {"recurrent_dropout": 0.2}, {"activation": "relu"},
                {"kernel_initializer": "zeros"}, {"recurrent_initializer": "orthogonal"},
            ] + ([{"recurrent_activation": "hard_sigmoid"}] if ltype != "SimpleRNN" else []))
            d.update(extra)
        main = (s[0], s[1], units) if seq else (s[0], units)
        outs = [main] + ([(s[0], units)] * N_STATES[ltype] if state else [])
        return d, name, outs

    def bidirectional_layer(self, s, *, state=None, stateful_ok=True, merge="any",
                            diff_units=False, ltype=None, units=None, seq=None):
        ltype = ltype or self.pick(RNN_TYPES)
        units = units or self.int(1, 12)
        state = self.rare() if state is None else state
        seq = self.coin() if seq is None else seq
        # Keras 3.15 bug: Bidirectional(stateful=True, return_state=True) raises
        # TypeError in Bidirectional.compute_mask, so never generate it
        stateful = stateful_ok and not state and isinstance(s[0], int) and self.rare()
        # the wrapped layer is created first (auto-name), sometimes named
        # "forward_..." to exercise Keras's removeprefix logic
        prefix = self.pick(["my_", "forward_"])
        fwd, fname, _ = self.rnn_layer(s, ltype, units=units, seq=seq, state=state,
                                       stateful_ok=False, name_prefix=prefix, backwards=False)
        if stateful:
            fwd["stateful"] = True
        bunits = units
        if diff_units or self.rare():
            if diff_units:  # only valid with merge_mode="concat"
                bunits = self.pick([u for u in range(1, 13) if u != units])
            bwd, _, _ = self.rnn_layer(s, ltype, units=bunits, seq=seq, state=state,
                                       stateful_ok=False, backwards=True)
            bwd["go_backwards"] = True
            if stateful:
                bwd["stateful"] = True
        else:
            bwd = None
        name, ex = self.new_name("Bidirectional")
        d = self.named("Bidirectional", name, ex)
        mm = self.pick(MERGE_MODES) if merge == "any" else merge
        self.maybe(d, "merge_mode", mm, "concat")
        d["layer"] = fwd
        if bwd is not None:
            d["backward_layer"] = bwd

        def main(u):
            return (s[0], s[1], u) if seq else (s[0], u)

        if mm == "concat":
            y = main(_norm(units + bunits))
            mains = [y]
        elif mm is None:
            mains = [main(units), main(bunits)]
        else:
            mains = [main(units)]
        states = []
        if state:
            states = [(s[0], units)] * N_STATES[ltype] + [(s[0], bunits)] * N_STATES[ltype]
        return d, name, mains + states

    def td_layer(self, s):
        """TimeDistributed around a layer valid for the per-step shape."""
        inner = (s[0],) + s[2:]
        opts = ["identity", "flatten", "reshape"]
        if inner[-1] is not None:
            opts += ["dense", "dense"]
        if len(inner) <= 3:
            opts.append("embedding")
        if len(inner) == 2:
            opts.append("repeat")
        if len(inner) == 3 and inner[-1] is not None:
            opts += ["rnn", "bidirectional"]
        if len(inner) >= 3 and inner[-1] is not None:
            opts.append("td")
        kind = self.pick(opts)
        if kind == "rnn":
            layer = self.rnn_layer((None,) + inner[1:], state=False, stateful_ok=False)
        elif kind == "bidirectional":
            layer = self.bidirectional_layer((None,) + inner[1:], state=False, stateful_ok=False,
                                             merge=self.pick(["concat", "sum", "mul", "ave"]))
        elif kind == "td":
            layer = self.td_layer((None,) + inner[1:])
        else:
            layer = getattr(self, f"{kind}_layer")((None,) + inner[1:])
        d_in, _, outs = layer
        name, ex = self.new_name("TimeDistributed")
        d = self.named("TimeDistributed", name, ex, layer=d_in)
        return d, name, [(s[0], s[1]) + outs[0][1:]]

    def core_layer(self, s, *, allow_td=False):
        """A random valid core layer for input shape s."""
        opts = ["identity", "flatten", "reshape"]
        if len(s) >= 2 and s[-1] is not None:
            opts += ["dense", "dense"]
        if len(s) <= 3:
            opts.append("embedding")
        if len(s) == 2:
            opts.append("repeat")
        if allow_td and len(s) >= 3:
            opts += ["td", "td"]
        return getattr(self, f"{self.pick(opts)}_layer")(s)


@st.composite
def focused_core_specs(draw, focus: str):
    """A small model guaranteed to contain the core layer ``focus``, so that every
    core layer type is compared in enough models (the mixed family draws the rarer
    ones less often)."""
    g = _Gen(draw, False)
    rank = 2 if focus == "RepeatVector" else g.int(2, 3)
    shape = [g.batch()] + [g.axis(1, 6) for _ in range(rank - 1)]
    shape[-1] = g.int(1, 6)
    ref, s = g.add_input("x", shape)
    if focus in ("Dropout", "Activation", "Masking"):
        layer = g.identity_layer(s, focus)
    else:
        layer = getattr(g, f"{focus.lower().replace('repeatvector', 'repeat')}_layer")(s)
    ref, s, _ = g.add(layer, ref)
    for _ in range(g.int(0, 2)):
        ref, s, _ = g.add(g.core_layer(s), ref)
    return g.spec(g.default_outputs())


@st.composite
def focused_rnn_specs(draw, ltype: str, time=CONCRETE_TIME):
    """One recurrent layer of type ``ltype`` (with its arguments drawn) on a sequence,
    optionally followed by core layers."""
    g = _Gen(draw, time is SYMBOLIC_TIME)
    ref, s = g.add_input("x", (g.batch(), _time(draw, time), g.int(1, 10)))
    ref, s, _ = g.add(g.rnn_layer(s, ltype), ref)
    if g.coin():
        ref, s, _ = g.add(g.core_layer(s), ref)
    return g.spec(g.default_outputs())


def _time(draw, time):
    return _norm(draw(time))


# --------------------------------------------------------------------------- families
@st.composite
def core_specs(draw, time=CONCRETE_TIME):
    """Dense/Embedding/Dropout/Activation/Masking/Flatten/Reshape/RepeatVector on
    inputs of rank 2..4 with unknown axes."""
    symbolic = time is SYMBOLIC_TIME
    g = _Gen(draw, symbolic)
    rank = g.int(2, 4) if symbolic or not g.rare() else 1
    t = _time(draw, time)
    shape = [g.batch()] + [g.axis(1, 6) for _ in range(rank - 1)]
    if rank > 1:
        pos = g.pick(range(1, rank)) if (symbolic and g.rare()) else 1
        shape[pos] = t
    if rank == 2 and not symbolic and g.coin():
        shape[1] = g.axis(1, 10, none_ok=False)
    ref, s = g.add_input(g.pick(["x", "x", "features"]), shape)
    for _ in range(g.int(1, 5)):
        ref, s, _ = g.add(g.core_layer(s), ref)
    return g.spec(g.default_outputs())


@st.composite
def recurrent_specs(draw, time=CONCRETE_TIME):
    """Stacks of SimpleRNN/LSTM/GRU (return_sequences/state, go_backwards,
    use_bias, reset_after, stateful with a concrete batch), Embedding front
    ends, RepeatVector bridges, encoder/decoder with initial_state."""
    symbolic = time is SYMBOLIC_TIME
    g = _Gen(draw, symbolic)
    b = g.batch()
    mode = g.pick(["stack", "stack", "embed", "seq2seq"])
    if mode == "seq2seq":
        enc_ref, enc_s = g.add_input("enc_in", (b, _time(draw, time), g.int(1, 10)))
        dec_ref, dec_s = g.add_input("dec_in", (b, g.pick([_time(draw, time), g.int(1, 5)]), g.int(1, 10)))
        etype = g.pick(RNN_TYPES)
        units = g.int(1, 12)
        _, _, enc = g.add(g.rnn_layer(enc_s, etype, units=units, state=True, stateful_ok=False), enc_ref)
        # an LSTM decoder needs [h, c]; GRU/SimpleRNN take [h]
        dtype_ = g.pick(RNN_TYPES if etype == "LSTM" else ("GRU", "SimpleRNN"))
        nst = N_STATES[dtype_]
        first_state = len(g.outs[enc]) - N_STATES[etype]
        init = [f"{enc}[{first_state + k}]" for k in range(nst)]
        ref, s, _ = g.add(g.rnn_layer(dec_s, dtype_, units=units, seq=True, state=False,
                                      stateful_ok=False), dec_ref, initial_state=init)
    else:
        if mode == "embed":
            ref, s = g.add_input("tokens", (b, _time(draw, time)))
            ref, s, _ = g.add(g.embedding_layer(s), ref)
        else:
            ref, s = g.add_input("x", (b, _time(draw, time), g.int(1, 10)))
        n = g.int(1, 3)
        prev_rnn = None  # (name, type, units) of an RNN with return_state
        for k in range(n):
            if len(s) == 2:  # bridge back to a sequence
                ref, s, _ = g.add(g.repeat_layer(s), ref)
            if g.rare():
                ref, s, _ = g.add(g.pick([g.identity_layer, g.dense_layer])(s), ref)
            init = None
            ltype, units = g.pick(RNN_TYPES), None
            if prev_rnn is not None and g.coin():
                pname, ptype, punits = prev_rnn
                if N_STATES[ltype] > N_STATES[ptype]:
                    ltype = ptype
                units = punits
                first = len(g.outs[pname]) - N_STATES[ptype]
                init = [f"{pname}[{first + j}]" for j in range(N_STATES[ltype])]
            layer = g.rnn_layer(s, ltype, units=units, seq=(True if k < n - 1 and g.coin() else None),
                                stateful_ok=init is None)
            ref, s, name = g.add(layer, ref, initial_state=init)
            d = layer[0]
            prev_rnn = (name, ltype, d["units"]) if d.get("return_state") else None
    if g.coin():
        if len(s) == 3 and g.coin():
            dn, dname, douts = g.dense_layer((s[0],) + s[2:])
            name, ex = g.new_name("TimeDistributed")
            ref, s, _ = g.add((g.named("TimeDistributed", name, ex, layer=dn), name,
                               [(s[0], s[1]) + douts[0][1:]]), ref)
        else:
            ref, s, _ = g.add(g.dense_layer(s), ref)
    return g.spec(g.default_outputs())


@st.composite
def bidirectional_specs(draw, time=CONCRETE_TIME):
    """Bidirectional(SimpleRNN|LSTM|GRU) with every merge mode, return_state,
    stateful, optional backward_layer (same units), initial_state chaining."""
    symbolic = time is SYMBOLIC_TIME
    g = _Gen(draw, symbolic)
    b = g.batch()
    ref, s = g.add_input("x", (b, _time(draw, time), g.int(1, 10)))
    if g.rare():
        ref, s, _ = g.add(g.pick([g.identity_layer, g.dense_layer])(s), ref)
    n = g.int(1, 2)
    prev = None  # (name, type, units, n_main) of a Bidirectional with states
    for k in range(n):
        if len(s) == 2:
            ref, s, _ = g.add(g.repeat_layer(s), ref)
        init, ltype, units = None, None, None
        if prev is not None and g.coin():
            pname, ltype, units, n_main = prev
            nst = 2 * N_STATES[ltype]
            init = [f"{pname}[{n_main + j}]" for j in range(nst)]
        layer = g.bidirectional_layer(s, ltype=ltype, units=units, stateful_ok=init is None,
                                      seq=(True if k < n - 1 and g.coin() else None))
        ref, s, name = g.add(layer, ref, initial_state=init)
        d = layer[0]
        fwd = d["layer"]
        if "merge_mode" in d and d["merge_mode"] is None and g.coin():
            ref, s = f"{name}[1]", g.outs[name][1]  # continue from the backward output
        if fwd.get("return_state"):
            n_main = 2 if ("merge_mode" in d and d["merge_mode"] is None) else 1
            prev = (name, fwd["type"], fwd["units"], n_main)
        else:
            prev = None
    if g.rare() and s[-1] is not None:
        ref, s, _ = g.add(g.dense_layer(s), ref)
    return g.spec(g.default_outputs())


@st.composite
def bidirectional_diff_units_specs(draw, time=CONCRETE_TIME):
    """Bidirectional whose backward_layer has *different* units, merge concat, as
    the model's last layer.  Keras's static shape for this is wrong (it doubles
    the forward units); the tests compare with the shapes of an eager run."""
    g = _Gen(draw, time is SYMBOLIC_TIME)
    ref, s = g.add_input("x", (g.batch(), _time(draw, time), g.int(1, 10)))
    if g.rare():
        ref, s, _ = g.add(g.dense_layer(s), ref)
    g.add(g.bidirectional_layer(s, merge="concat", diff_units=True), ref)
    return g.spec(g.default_outputs())


@st.composite
def timedistributed_specs(draw, time=CONCRETE_TIME):
    """TimeDistributed wrapping Dense/Dropout/Activation/Masking/Flatten/Reshape/
    RepeatVector/Embedding/RNNs/Bidirectional/TimeDistributed on rank 3..4."""
    symbolic = time is SYMBOLIC_TIME
    g = _Gen(draw, symbolic)
    rank = g.int(3, 4)
    shape = [g.batch(), _time(draw, time)] + [g.axis(1, 6) for _ in range(rank - 2)]
    if shape[-1] is None and g.coin():
        shape[-1] = g.int(1, 6)
    ref, s = g.add_input("x", shape)
    for _ in range(g.int(1, 4)):
        if len(s) >= 3 and (g.coin() or g.coin()):
            layer = g.td_layer(s)
        else:
            layer = g.core_layer(s)
        ref, s, _ = g.add(layer, ref)
    return g.spec(g.default_outputs())


FAMILIES = {
    "core": core_specs,
    "recurrent": recurrent_specs,
    "bidirectional": bidirectional_specs,
    "timedistributed": timedistributed_specs,
}


def symbolic_specs():
    """Specs of every family with a symbolic time axis ``t`` (or ``2*t``, ``t + 1``)."""
    return st.one_of(*(f(time=SYMBOLIC_TIME) for f in FAMILIES.values()))


def all_specs():
    return st.one_of(*(f() for f in FAMILIES.values()), bidirectional_diff_units_specs())


# --------------------------------------------------------------------------- fuzz
def _wild_size(g: _Gen) -> int:
    return 0 if g.rare() and g.rare() and g.rare() else g.int(1, 8)


def _wild_rnn(g: _Gen, ltype=None, units=None) -> tuple[dict, str]:
    ltype = ltype or g.pick(RNN_TYPES)
    name, ex = g.new_name(ltype)
    d = g.named(ltype, name, ex, units=_wild_size(g) if units is None else units)
    for key in ("return_sequences", "return_state", "go_backwards", "stateful", "use_bias"):
        if g.coin():
            d[key] = g.coin()
    if ltype == "GRU" and g.coin():
        d["reset_after"] = g.coin()
    return d, name


def _wild_layer(g: _Gen, s, depth: int = 0) -> tuple[dict, str]:
    kinds = ["Dense", "Embedding", "Flatten", "Reshape", "RepeatVector", "Dropout", "Masking",
             "SimpleRNN", "LSTM", "GRU", "Bidirectional", "TimeDistributed"]
    if depth > 0 and s is not None:
        # Inside TimeDistributed, Keras 3.15 never checks the wrapped layer's
        # input rank (TimeDistributed(GRU) on rank 3 or 5 and
        # TimeDistributed(RepeatVector) on rank 4 build, with a wrong shape or a
        # kernel sized by the batch axis, and fail only when run), so only
        # layers that fit the per-step rank are wrapped; their arguments stay wild.
        kinds = ["Dense", "Embedding", "Flatten", "Reshape", "Dropout", "Masking"]
        if len(s) == 2:
            kinds.append("RepeatVector")
        if len(s) == 3:
            kinds += ["SimpleRNN", "LSTM", "GRU", "Bidirectional"]
        if len(s) >= 3 and depth < 2:
            kinds.append("TimeDistributed")
    kind = g.pick(kinds)
    if kind in RNN_TYPES:
        return _wild_rnn(g, kind)
    if kind == "Bidirectional":
        if g.rare() and g.rare():  # not a recurrent layer: Keras refuses
            inner, _ = _wild_layer(g, None, depth + 1)
        else:
            inner, _ = _wild_rnn(g)
        bwd = None
        if inner["type"] in RNN_TYPES and g.rare():
            # same type and units (other units give a Keras static shape that is
            # wrong, see bidirectional_diff_units_specs); flags may disagree
            bwd, _ = _wild_rnn(g, inner["type"], inner["units"])
        name, ex = g.new_name("Bidirectional")
        d = g.named("Bidirectional", name, ex)
        if g.coin():
            d["merge_mode"] = g.pick(MERGE_MODES)
        d["layer"] = inner
        if bwd is not None:
            d["backward_layer"] = bwd
        return d, name
    if kind == "TimeDistributed":
        step = (s[0],) + tuple(s[2:]) if s is not None and len(s) >= 2 else None
        inner, _ = _wild_layer(g, step, depth + 1)
        inner.pop("stateful", None)  # stateful inside TimeDistributed: not modelled
        name, ex = g.new_name("TimeDistributed")
        return g.named("TimeDistributed", name, ex, layer=inner), name
    name, ex = g.new_name(kind)
    if kind == "Dense":
        d = g.named(kind, name, ex, units=_wild_size(g))
        if g.rare():
            d["lora_rank"] = g.int(0, 3)
    elif kind == "Embedding":
        d = g.named(kind, name, ex, input_dim=_wild_size(g), output_dim=_wild_size(g))
    elif kind == "Reshape":
        target = g.draw(st.lists(st.sampled_from([1, 2, 3, 4, 6, -1]), min_size=1, max_size=3))
        if s is not None and any(d is None for d in s[1:]) and -1 not in target:
            target[g.int(0, len(target) - 1)] = -1  # Keras accepts any target here
        d = g.named(kind, name, ex, target_shape=target)
    elif kind == "RepeatVector":
        d = g.named(kind, name, ex, n=_wild_size(g))
    elif kind == "Dropout":
        d = g.named(kind, name, ex, rate=0.5)
    else:
        d = g.named(kind, name, ex)
    return d, name


def _keras_bug(d: dict) -> bool:
    """Specs on which Keras 3.15 itself is wrong, excluded from the fuzz."""
    if d.get("type") == "Bidirectional":
        inner = d.get("layer") or {}
        bw = d.get("backward_layer") or {}
        # TypeError in Bidirectional.compute_mask
        if (inner.get("stateful") or bw.get("stateful")) and (inner.get("return_state") or bw.get("return_state")):
            return True
    return any(_keras_bug(v) for v in d.values() if isinstance(v, dict))


@st.composite
def appended_random_layer_specs(draw):
    """A short valid model plus one layer with unchecked random arguments (units
    0, ranks that do not fit, mismatched Bidirectional flags, stateful without a
    batch size, ...).  Keras decides whether it is valid; no initial_state,
    since Keras does not check initial_state at build time."""
    g = _Gen(draw)
    rank = g.pick([3, 3, 3, 1, 2, 4])  # rank 3 first: recurrent layers fit there
    shape = [g.batch()] + [g.axis(1, 6) for _ in range(rank - 1)]
    ref, s = g.add_input("x", shape)
    for _ in range(g.int(0, 2)):
        ref, s, _ = g.add(g.core_layer(s, allow_td=True), ref)
    d, name = _wild_layer(g, s)
    g.add((d, name, [s]), ref)
    spec = g.spec(None)
    if _keras_bug(d):
        from hypothesis import reject

        reject()
    return spec
