"""Wrappers: Bidirectional and TimeDistributed. Both run the wrapped layer's own rule
(through ``apply``) instead of repeating it, then adjust its shapes and put its
weights under the wrapped layer's name.

References: keras/src/layers/rnn/{bidirectional,time_distributed}.py.
"""

from __future__ import annotations

from ..diagnostics import Finding
from ..dims import add, compare, fmt, fmt_shape, mul
from ..records import replace
from ..spec import LayerConfig
from .checks import need_rank
from .recurrent import CELLS
from .registry import Arg, LayerCall, Note, Output, apply, choice_arg, rule

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _nested_only(v: Any) -> Any:
    # Reached only when the value was not a mapping; a mapping is read as a nested layer.
    raise ValueError(f"expected a layer mapping such as {{type: LSTM, units: 64}}, got {v!r}")


def _wrapped(call: LayerCall, key: str = "layer") -> LayerConfig:
    cfg = call.nested.get(key)
    if cfg is None:
        raise Finding("SC404", f"{call.type} needs the layer it wraps: `{key}:`",
                      hint=f"add `{key}: {{type: LSTM, units: 64}}`")
    return cfg


def _removeprefix(name: str, prefix: str) -> str:
    return name[len(prefix):] if name.startswith(prefix) else name


MERGES = ("concat", "sum", "mul", "ave", None)


@rule(
    "Bidirectional",
    args=(
        choice_arg("merge_mode", MERGES, "concat", doc="concat doubles the last axis; sum/mul/ave "
                   "keep it; null returns both directions"),
        Arg("layer", _nested_only, None, doc="the recurrent layer to run in both directions",
            kind="layer"),
        Arg("backward_layer", _nested_only, None, doc="a separate layer for the backward "
            "direction (go_backwards: true)", kind="layer"),
    ),
    accepts=("weights",),
    call_args=("initial_state", "mask"),
    freezes=False,
)
def bidirectional(call: LayerCall) -> Output:
    """Runs a copy of the layer forwards (``forward_<name>``) and one backwards
    (``backward_<name>``) over the same input, then merges the two outputs."""
    inner = _wrapped(call)
    if inner.type not in CELLS and inner.type != "RNN":
        raise Finding("SC405", f"Bidirectional wraps a recurrent layer ({', '.join(CELLS)}, RNN); "
                      f"got {inner.type}", hint="wrap an LSTM, GRU, SimpleRNN or RNN", arg="layer")
    # Keras 3 does not prefix a name twice; tf.keras always prefixes (a Keras 1 file, which
    # saved the renamed copy, comes back as forward_forward_lstm_1).
    strip = _removeprefix if call.dialect not in ("keras2", "tfjs") else (lambda name, _prefix: name)
    fw_cfg = replace(inner, name=f"forward_{strip(inner.name, 'forward_')}")
    bw_cfg = call.nested.get("backward_layer")
    if bw_cfg is None:
        # Keras sets go_backwards=True on the copy; it does not flip the wrapped layer's value.
        bw_cfg = replace(inner, name=f"backward_{strip(inner.name, 'backward_')}",
                         args={**inner.args, "go_backwards": True})
    states = call.kwargs.get("initial_state")
    fw_kw = bw_kw = {}
    cell = CELLS.get(inner.type)
    if states is not None and cell is not None and len(states) != 2 * len(cell.states):
        # Keras gives the first half to the forward layer and the rest to the backward one
        names = ", ".join(st.split(" ")[0] for st in cell.states)
        raise Finding("SC305", f"Bidirectional({inner.type}) takes {2 * len(cell.states)} initial state "
                      f"tensors ({names} forward; {names} backward), got {len(states)}",
                      hint=f"pass [{names}] of the forward layer, then [{names}] of the backward layer",
                      arg="initial_state")
    if states is not None:
        half = len(states) // 2
        fw_kw, bw_kw = {"initial_state": states[:half]}, {"initial_state": states[half:]}
    fw = apply(fw_cfg, call.inputs, call.facts, fw_kw, call.custom)
    bw = apply(bw_cfg, call.inputs, call.facts, bw_kw, call.custom)
    _check_pair(fw_cfg, bw_cfg)

    merge = call["merge_mode"]
    fw_out, bw_out = fw.shapes[0], bw.shapes[0]
    notes = list(fw.notes + bw.notes)
    why = list(fw.why)
    if merge == "concat":
        out = (*fw_out[:-1], add(fw_out[-1], bw_out[-1]))
        if compare(fw_out[-1], bw_out[-1]) is False:
            # Keras's compute_output_shape doubles the forward width; the concat it runs
            # gives forward + backward. Report what runs, and say where Keras differs.
            notes.append(Note("SC307", f"Keras's static output shape for this layer is "
                              f"{fmt_shape((*fw_out[:-1], mul(fw_out[-1], 2)))}, but it computes "
                              f"{fmt_shape(out)}: the backward layer is "
                              f"{fmt(bw_out[-1])} wide, the forward {fmt(fw_out[-1])}",
                              hint="give backward_layer the same units; layers built after this "
                              "one in Keras use the wrong width"))
        why.append(f"merge_mode=concat: forward {fmt_shape(fw_out)} and backward "
                   f"{fmt_shape(bw_out)} joined on the last axis: {fmt(fw_out[-1])} + "
                   f"{fmt(bw_out[-1])} = {fmt(out[-1])}")
        outputs = (out,)
    elif merge is None:
        outputs = (fw_out, bw_out)
        why.append("merge_mode=None: the forward and the backward outputs are returned apart")
    else:
        if any(compare(a, b) is False for a, b in zip(fw_out, bw_out)):
            raise Finding("SC306", f"merge_mode={merge} combines the directions element-wise, "
                          f"but forward is {fmt_shape(fw_out)} and backward {fmt_shape(bw_out)}",
                          hint="give backward_layer the same units", arg="backward_layer")
        outputs = (fw_out,)
        why.append(f"merge_mode={merge}: the two directions are combined element-wise; "
                   "the shape stays")
    if len(fw.shapes) > 1:
        outputs += fw.shapes[1:] + bw.shapes[1:]
        why.append("return_state=True: then the forward states, then the backward states")
    weights = tuple(w.under(fw_cfg.name) for w in fw.weights) + \
        tuple(w.under(bw_cfg.name) for w in bw.weights)
    return Output(outputs, weights, tuple(notes), tuple(why))


def _check_pair(fw_cfg: LayerConfig, bw_cfg: LayerConfig) -> None:
    """Keras's ``_verify_layer_config``."""
    def flag(cfg: LayerConfig, key: str) -> Any:
        return cfg.args.get(key, False)

    if bool(flag(fw_cfg, "go_backwards")) == bool(flag(bw_cfg, "go_backwards")):
        raise Finding("SC405", "forward and backward layers must have different go_backwards; "
                      f"both are {bool(flag(fw_cfg, 'go_backwards'))}",
                      hint="leave go_backwards false on the wrapped layer (Keras sets it on the "
                      "backward copy)", arg="layer")
    for key in ("stateful", "return_sequences", "return_state"):
        if bool(flag(fw_cfg, key)) != bool(flag(bw_cfg, key)):
            raise Finding("SC405", f"forward and backward layers must agree on {key}: "
                          f"{flag(fw_cfg, key)} vs {flag(bw_cfg, key)}",
                          hint=f"set the same {key} on backward_layer", arg="backward_layer")


@rule(
    "TimeDistributed",
    args=(Arg("layer", _nested_only, None, doc="the layer applied to every timestep", kind="layer"),),
    freezes=False,
)
def time_distributed(call: LayerCall) -> Output:
    """Applies the wrapped layer to each slice along axis 1: its rule sees the shape
    without that axis, and the axis is put back after."""
    inner = _wrapped(call)
    shape = call.shape
    need_rank(call, shape, min_ndim=3)
    child = (shape[0], *shape[2:])
    out = apply(inner, (child,), call.facts, custom=call.custom)
    if len(out.shapes) != 1:
        raise Finding("SC405", f"TimeDistributed needs a layer with one output; {inner.type} "
                      f"returns {len(out.shapes)}", hint="set return_state: false", arg="layer")
    o = out.shapes[0]
    why = (f"{inner.type} is applied to each {fmt_shape(child)} slice; axis 1 "
           f"({shape[1]}) is kept",)
    return Output(((o[0], shape[1], *o[1:]),), tuple(w.under(inner.name) for w in out.weights),
                  out.notes, why)
