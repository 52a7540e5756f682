"""The spec model: what every reader produces and the graph, the engine and the rules
consume. A model is its inputs, its layer calls and its outputs; a layer call names the
layer object it calls (its class and constructor arguments) and the tensors it is
given, by reference. Plain frozen data, each piece knowing where it was written, so a
finding can point at the line to fix.
"""

from __future__ import annotations

from collections.abc import Mapping

from .diagnostics import Location
from .dims import DimFacts
from .records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class Ref:
    """``name`` or ``name[k]``: output k of a layer or model input (None = all outputs);
    ``name@c[k]``: of the layer's call c (a shared layer called again)."""

    name: str
    index: int | None
    location: Location
    call: int = 0

    @property
    def node(self) -> str:
        return node_id(self.name, self.call)

    def __str__(self) -> str:
        head = self.node
        return head if self.index is None else f"{head}[{self.index}]"


def node_id(name: str, call: int) -> str:
    """The graph node of a layer call: its name for the first call, ``name@c`` after."""
    return name if call == 0 else f"{name}@{call}"


@record
class LayerConfig:
    """One layer object: its class, its name and the constructor arguments given."""

    name: str
    type: str
    args: Mapping[str, Any]
    location: Location
    arg_locations: Mapping[str, Location]
    nested: Mapping[str, LayerConfig] = field(default_factory=dict)
    value_locations: Mapping[str, Location] = field(default_factory=dict)
    # Who wrote it: "spec" (a person, in shapecheck's format), or the Keras that saved the
    # file: "keras3", "keras2" (Keras 1-2, tf.keras) or "tfjs" (TensorFlow.js layers).
    dialect: str = "spec"

    @property
    def lenient(self) -> bool:
        """Read from a Keras file: an argument unknown to the rule is ignored with a
        warning (Keras wrote it, so it is valid for some Keras version), not rejected."""
        return self.dialect != "spec"

    def where(self, arg: str | None, value: bool = False) -> Location:
        """Where ``arg`` is written (its value, with ``value=True``), else the layer."""
        if not arg:
            return self.location
        if value and arg in self.value_locations:
            return self.value_locations[arg]
        return self.arg_locations.get(arg, self.location)


@record
class LayerSpec:
    """One call of a layer in the model."""

    config: LayerConfig
    inputs: tuple[Ref, ...]
    call_args: Mapping[str, tuple[Ref, ...]]
    call: int = 0  # > 0: a shared layer called again (``reuse:``), weights from call 0
    location: Location | None = None  # of this call's entry, when it is a reuse
    # The output shapes the file records for this call (Keras 3 writes every tensor's
    # shape where it is consumed; tf.keras a layer's input shape in its build_config),
    # by output index, None where not recorded; with ``recorded_from`` saying where.
    # Used only for a layer shapecheck has no rule for, so the layers after it are checked.
    recorded: tuple[tuple | None, ...] | None = None
    recorded_from: str | None = None
    # The nested model of the same spec that holds this very layer too (``inside:``): a
    # Python file may use a sub-model's inner tensors, and Keras counts the weights once.
    inside: str | None = None

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def node(self) -> str:
        return node_id(self.config.name, self.call)

    @property
    def where(self) -> Location:
        return self.location or self.config.location


@record
class InputSpec:
    name: str
    shape: tuple | None
    dtype: str
    location: Location
    constant: bool = False  # made by the model itself: no caller feeds it (a nested model)


@record
class ModelSpec:
    path: str | None
    format: str
    model: str | None
    facts: DimFacts
    inputs: tuple[InputSpec, ...]
    layers: tuple[LayerSpec, ...]
    outputs: tuple[Ref, ...]
    bindings: Mapping[str, int]
    custom: Mapping[str, Any] = field(default_factory=dict)  # declared rules (rules.custom)
