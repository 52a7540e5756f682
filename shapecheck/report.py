"""The report of one analysed model: what the library API returns and every output
format reads. Plain frozen data; formatting lives in ``shapecheck.output``."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .diagnostics import Diagnostic, Location, Severity
from .dims import Dim, Shape, add, mul, to_json
from .records import field, record
from .rules.registry import Weight
from .spec import LayerConfig

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class LayerReport:
    name: str
    type: str
    input_shapes: tuple[Shape, ...]
    output_shapes: tuple[Shape, ...] | None  # None: the layer could not be analysed
    weights: tuple[Weight, ...]
    params: Dim
    trainable_params: Dim
    location: Location
    why: tuple[str, ...] = ()
    # "failed": its rule raised a finding; "skipped": an input is unknown; "recorded": no rule,
    # its outputs are the shapes the file records (SC411)
    status: str = "ok"
    # A shared layer's later calls: (input shapes, output shapes or None) each.
    calls: tuple[tuple[tuple[Shape, ...], tuple[Shape, ...] | None], ...] = ()
    # The layer object as read (type, arguments, wrapped layers), for what is derived
    # from a report later (other frameworks' layouts, explanations); None for inputs.
    config: LayerConfig | None = field(default=None, compare=False, repr=False)

    @property
    def non_trainable_params(self) -> Dim:
        return params_diff(self.params, self.trainable_params)

    @property
    def class_name(self) -> str:
        """The class alone, as Keras's summary prints it; ``type`` keeps a custom class's
        module or registered package (``mypkg.layers.Scale``, ``Custom>Scale``).
        Keras's ops keep their family (``ops.GetItem``)."""
        name = self.type.rsplit(">", 1)[-1]
        return name if name.startswith(("ops.", "tf.")) else name.rsplit(".", 1)[-1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "input_shapes": [_shape(s) for s in self.input_shapes],
            "output_shapes": None if self.output_shapes is None
            else [_shape(s) for s in self.output_shapes],
            "params": to_json(self.params),
            "location": self.location.to_dict(),
            "weights": [_weight(w) for w in self.weights],
            "status": self.status,
            **({"calls": [{"input_shapes": [_shape(s) for s in ins],
                           "output_shapes": None if outs is None else [_shape(s) for s in outs]}
                          for ins, outs in self.calls]} if self.calls else {}),
        }


@record
class Edge:
    """One tensor passed from a node to a layer call: the picture's arrow."""

    source: str  # an input, a layer, or ``name@c`` for a shared layer's later call
    target: str
    index: int | None  # which output of the source; None: all of them
    arg: str  # "inputs", or the call argument it feeds (initial_state, value...)
    shapes: tuple[Shape, ...] | None  # None: the source could not be analysed


# How the reports name the layouts a count can be in (``Report.layout``).
LAYOUT_NAMES = {"keras": "Keras", "pytorch": "PyTorch", "onnx": "ONNX"}


@record
class Report:
    path: str | None
    format: str
    model: str | None
    inputs: Mapping[str, Shape]
    outputs: tuple[Shape, ...]
    layers: Mapping[str, LayerReport]
    diagnostics: tuple[Diagnostic, ...]
    total_params: Dim = 0
    trainable_params: Dim = 0
    edges: tuple[Edge, ...] = ()
    # "keras", or the framework whose layout the params count (``--layout pytorch``):
    # then each layer's LayerLayout, by name (shapecheck.layouts.relayout).
    layout: str = "keras"
    layer_layouts: Mapping[str, Any] = field(default_factory=dict)
    # Python source: the variable (or builder function) the file binds the model to,
    # when the code gives it no name= and Keras names it functional_1...
    variable: str | None = None
    # Python source: the modules of the file's project that were read with it (real paths),
    # for an editor to read the file again when one of them changes
    sources: tuple[str, ...] = ()

    @property
    def non_trainable_params(self) -> Dim:
        return params_diff(self.total_params, self.trainable_params)

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    # Jupyter shows a report as a table (issue 18). The formats live in ``output/``, a stage
    # above this one, and no stage imports a higher one, not even inside a function
    # (tests/test_architecture.py). So the package's ``__init__`` hands the renderers down
    # with ``show_with``; it runs before any ``shapecheck.*`` module, so every Report can
    # show itself. Returning None makes IPython fall back to the plain repr.
    def _repr_html_(self) -> str | None:
        show = _DISPLAY.get("text/html")
        return None if show is None else show(self)

    def _repr_markdown_(self) -> str | None:
        show = _DISPLAY.get("text/markdown")
        return None if show is None else show(self)

    def to_dict(self, layers: bool = True) -> dict[str, Any]:
        """The report as JSON data (``schema/report.schema.json``); with ``layers`` False,
        ``layers`` is None, for a writer that writes them itself (``output.json_format``)."""
        return {
            "path": self.path,
            "format": self.format,
            # the name a reader of the file knows the model by; Keras's own beside it
            "model": self.variable or self.model,
            **({"keras_name": self.model} if self.variable else {}),
            "ok": self.ok,
            "inputs": {k: _shape(v) for k, v in self.inputs.items()},
            "outputs": [_shape(s) for s in self.outputs],
            "total_params": to_json(self.total_params),
            "trainable_params": to_json(self.trainable_params),
            "non_trainable_params": to_json(self.non_trainable_params),
            "layers": [self._layer_dict(layer) for layer in self.layers.values()] if layers else None,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            **({"layout": self.layout} if self.layout != "keras" else {}),
        }

    def _layer_dict(self, layer: LayerReport) -> dict[str, Any]:
        out = layer.to_dict()
        lay = self.layer_layouts.get(layer.name)
        if lay is not None:
            out["layout"] = {"module": lay.module, "weights": [w.to_dict() for w in lay.weights],
                             "notes": list(lay.notes)}
        return out


#: The renderers ``Report._repr_html_`` and ``_repr_markdown_`` call, by MIME type.
_DISPLAY: dict[str, Callable[[Report], str]] = {}


def show_with(html: Callable[[Report], str], markdown: Callable[[Report], str]) -> None:
    """Set how a Report displays itself in a notebook (called once, by ``shapecheck/__init__.py``)."""
    _DISPLAY.update({"text/html": html, "text/markdown": markdown})


def params_diff(all_params: Dim, trainable: Dim) -> Dim:
    return add(all_params, mul(trainable, -1))


def _shape(shape: Shape) -> list:
    return [to_json(d) for d in shape]


def _weight(w: Weight) -> dict[str, Any]:
    return {
        "path": w.path,
        "shape": _shape(w.shape),
        "trainable": w.trainable,
        "axes": [{"size": to_json(a.size), "formula": a.formula, "why": a.why} for a in w.axes],
        **({"tf_keras_path": w.tf_keras_path} if w.tf_keras_path else {}),
    }
