"""What ``infer-config`` finds: each layer as the weights show it, the model wired from
them, and what the weights cannot tell (an ``Ambiguity`` each). Plain frozen data."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..diagnostics import Diagnostic, Severity
from ..reading.weights_h5 import StoredWeight
from ..records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class Ambiguity:
    """Something the weights do not record: ``what`` (an argument, or a property of the
    model such as the layer order), the value written into the spec, and why the weights
    cannot tell. ``layer`` is None for the model as a whole."""

    layer: str | None
    what: str
    chosen: str
    why: str

    def text(self) -> str:
        head = f"{self.layer}: " if self.layer else ""
        return " ".join(f"{head}{self.what} = {self.chosen}: {self.why}".split())

    @property
    def keras_default(self) -> str | None:
        """The value, when the one written is Keras's default: ``tanh`` for ``Keras's
        default (tanh)``."""
        m = re.fullmatch(r"Keras's default \((.*)\)", self.chosen)
        return m.group(1) if m else None


@record
class InferredLayer:
    """One layer as the weights show it: its Keras class, the constructor arguments the
    spec gives it (inferred, plus the values chosen for what its ``ambiguities`` name),
    the stored weights it accounts for, in Keras's order, the width of its input's last
    axis (None for an Embedding, which takes ids) and of its output. ``inputs`` is what
    the spec feeds it; ``graph`` is the inner model of a model used as a layer."""

    name: str
    type: str
    args: dict[str, Any]
    ambiguities: tuple[Ambiguity, ...]
    weights: tuple[StoredWeight, ...]
    in_features: int | None
    out_features: int | None
    inputs: tuple[str, ...] = ()
    graph: SpecGraph | None = None


@record
class SpecInput:
    name: str
    shape: tuple[int | str | None, ...]  # None is `?`; a string a named size
    dtype: str = "float32"


@record
class SpecGraph:
    """A model as the spec writes it: its inputs, its layers in call order (each with
    the references it is fed) and its outputs, with the rank of each output."""

    inputs: tuple[SpecInput, ...]
    layers: tuple[InferredLayer, ...]
    outputs: tuple[str, ...]
    output_ranks: tuple[int, ...] = ()


@record
class Inference:
    """What ``infer-config`` found: the spec (``graph`` and the named sizes' minimums
    ``dims``), the ambiguities of the model as a whole (each layer's are on the layer),
    and the diagnostics. ``layers`` are the top-level layers in spec order; a file whose
    weights yield no layer has none, and an error diagnostic says why."""

    path: str
    layout: str | None
    model_name: str | None
    graph: SpecGraph
    dims: tuple[tuple[str, int], ...]
    ambiguities: tuple[Ambiguity, ...]
    diagnostics: tuple[Diagnostic, ...]
    omitted: tuple[str, ...] = ()  # layers without weights, left out

    @property
    def layers(self) -> tuple[InferredLayer, ...]:
        return self.graph.layers

    @property
    def ok(self) -> bool:
        return bool(self.graph.layers) and not any(d.severity is Severity.ERROR for d in self.diagnostics)

    def all_ambiguities(self) -> tuple[Ambiguity, ...]:
        """The model's ambiguities, then each layer's (nested models' layers too), in order."""
        out = list(self.ambiguities)

        def walk(layers: Iterable[InferredLayer]) -> None:
            for layer in layers:
                out.extend(layer.ambiguities)
                if layer.graph is not None:
                    walk(layer.graph.layers)

        walk(self.graph.layers)
        return tuple(out)
