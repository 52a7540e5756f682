"""The recurrent layers as the layout rules see them: directions, each a stack of cells,
each cell its kernel, recurrent kernel and bias. LSTM, GRU, SimpleRNN, Keras 2's
CuDNNLSTM/CuDNNGRU, RNN over a cell or a StackedRNNCells, and Bidirectional over any
of them all come down to this.

Gate letters are Keras's: LSTM ``ifco`` (input, forget, cell candidate, output), GRU
``zrh`` (update, reset, candidate). References: keras/src/layers/rnn/{lstm,gru}.py
(``ops.split(kernel, 4, axis=1)``), PyTorch's nn.LSTM/nn.GRU docs, ONNX's LSTM/GRU/RNN
operators.
"""

from __future__ import annotations

from ..dims import Dim
from ..records import record
from ..rules.registry import Weight
from ..spec import LayerConfig
from .base import Ctx, NotKnown, activation_name, args_of

KIND = {"LSTM": "LSTM", "LSTMCell": "LSTM", "CuDNNLSTM": "LSTM",
        "GRU": "GRU", "GRUCell": "GRU", "CuDNNGRU": "GRU",
        "SimpleRNN": "SimpleRNN", "SimpleRNNCell": "SimpleRNN"}
GATES = {"LSTM": "ifco", "GRU": "zrh", "SimpleRNN": ""}
RECURRENT_TYPES = ("LSTM", "GRU", "SimpleRNN", "CuDNNLSTM", "CuDNNGRU", "RNN", "Bidirectional")


@record
class RnnCell:
    kind: str  # LSTM, GRU or SimpleRNN
    type: str  # the Keras class (LSTM, LSTMCell, CuDNNLSTM...)
    units: int
    kernel: Weight
    recurrent: Weight
    bias: Weight | None
    # reset_after for GRU (CuDNNGRU is reset_after=True); True elsewhere, unused
    reset_after: bool
    # CuDNN's bias holds the input then the recurrent bias (8*units or 6*units)
    cudnn: bool
    activation: str | None  # None: not a Keras name (custom code)
    recurrent_activation: str | None

    @property
    def input_dim(self) -> Dim:
        return self.kernel.shape[0]

    @property
    def gates(self) -> str:
        return GATES[self.kind]


@record
class RnnStack:
    directions: tuple[tuple[RnnCell, ...], ...]  # forward, then backward if bidirectional
    merge_mode: str | None  # Bidirectional's; "concat" otherwise
    return_sequences: bool
    go_backwards: bool  # a single-direction layer that reads the sequence reversed

    @property
    def cells(self) -> tuple[RnnCell, ...]:
        return tuple(c for d in self.directions for c in d)

    @property
    def bidirectional(self) -> bool:
        return len(self.directions) == 2


def _leaf_cells(cfg: LayerConfig) -> list[LayerConfig]:
    """The cells of a recurrent layer, in the order Keras lists their weights."""
    if cfg.type in KIND and cfg.type != "RNN":
        return [cfg]
    if cfg.type == "StackedRNNCells":
        out = []
        i = 0
        while f"cells[{i}]" in cfg.nested:
            out += _leaf_cells(cfg.nested[f"cells[{i}]"])
            i += 1
        return out
    if cfg.type == "RNN" and "cell" in cfg.nested:
        return _leaf_cells(cfg.nested["cell"])
    raise NotKnown(f"the layout of a recurrent layer over {cfg.type} is not known to shapecheck")


def _groups(weights: tuple[Weight, ...]) -> list[tuple[str, list[Weight]]]:
    """Consecutive weights with the same parent path: one cell each."""
    out: list[tuple[str, list[Weight]]] = []
    for w in weights:
        parent = w.path.rsplit("/", 1)[0]
        if out and out[-1][0] == parent:
            out[-1][1].append(w)
        else:
            out.append((parent, [w]))
    return out


def _cell(cfg: LayerConfig, weights: list[Weight]) -> RnnCell:
    args = args_of(cfg)
    by_name = {w.path.rsplit("/", 1)[-1]: w for w in weights}
    if set(by_name) - {"kernel", "recurrent_kernel", "bias"} or len(by_name) != len(weights) or \
            "kernel" not in by_name or "recurrent_kernel" not in by_name:
        raise NotKnown(f"the weights of {cfg.type} \"{cfg.name}\" are not a kernel, a recurrent "
                       f"kernel and a bias: {', '.join(w.path for w in weights)}")
    kind = KIND[cfg.type]
    cudnn = cfg.type.startswith("CuDNN")
    act, rec = "tanh", ("sigmoid" if kind != "SimpleRNN" else None)
    if not cudnn:
        act = activation_name(cfg.args.get("activation"), "tanh")
        if kind != "SimpleRNN":
            rec = activation_name(cfg.args.get("recurrent_activation"), "sigmoid")
    return RnnCell(kind, cfg.type, args["units"], by_name["kernel"], by_name["recurrent_kernel"],
                   by_name.get("bias"), cudnn or bool(args.get("reset_after", True)), cudnn, act, rec)


def rnn_stack(ctx: Ctx) -> RnnStack:
    """The directions and cells of a recurrent layer, each with its weights."""
    if ctx.type == "Bidirectional":
        fw = ctx.cfg.nested.get("layer")
        if fw is None:
            raise NotKnown("Bidirectional without its layer")
        bw = ctx.cfg.nested.get("backward_layer", fw)
        configs = [_leaf_cells(fw), _leaf_cells(bw)]
        inner = args_of(fw)
        merge = ctx.args.get("merge_mode", "concat")
        go_backwards = False
    else:
        configs = [_leaf_cells(ctx.cfg)]
        inner = ctx.args
        merge = "concat"
        go_backwards = bool(inner.get("go_backwards"))
    groups = _groups(ctx.weights)
    if len(groups) != sum(map(len, configs)):
        raise NotKnown(f"{ctx.type} \"{ctx.name}\" has {len(groups)} groups of weights for "
                       f"{sum(map(len, configs))} cells")
    directions = []
    it = iter(groups)
    for cells in configs:
        directions.append(tuple(_cell(cfg, next(it)[1]) for cfg in cells))
    return RnnStack(tuple(directions), merge, bool(inner.get("return_sequences")), go_backwards)
