"""``ds.map(fn)`` of a tf.data pipeline: TensorFlow traces ``fn`` once, on tensors of the
element spec's shapes (``fn(*element)`` for a tuple, ``fn(element)`` otherwise), and the
element spec of what it returns is the new dataset's. The reader follows ``fn`` the same
way, as it follows a Lambda's function, on tensors of the spec's shapes (None where the
spec leaves a size open): keras.io's ``lambda img, label: (data_augmentation(img),
label)`` and ``vectorize_text`` keep the element known, so fit() is checked on it. The
following leaves no trace (no node, no finding), and what it cannot follow makes the
element unknown, as before."""

from __future__ import annotations

import ast

from ...records import replace
from .datasets import Dataset, Part
from .graph import Tensor
from .keras_api import shape_of
from .lambdas import leave_no_trace
from .limits import MAX_STEPS, OutOfBudget
from .values import Unknown
from .variables import tensor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter

#: the parts an element may have for its map() to be followed
MAX_PARTS = 64


def mapped(interp: Interpreter, ds: Dataset, args: list[Any], kwargs: dict[str, Any], node: ast.AST
           ) -> Dataset:
    """The dataset ``ds.map(fn)`` makes: the element ``fn`` returns, its count ``ds``'s."""
    fn = args[0] if args else kwargs.get("map_func")
    element = ds.element
    if fn is None or isinstance(element, Unknown) or not _plain(element, MAX_PARTS):
        return replace(ds, element=Unknown(why="what map() makes of each element"))
    state = (len(interp.found), len(interp.graph.nodes), len(interp.refusals))
    interp.following += 1
    made: Any = Unknown(why="what map() makes of each element")
    try:
        given = [_tensors(interp, e, node) for e in element] if isinstance(element, tuple) \
            else [_tensors(interp, element, node)]
        made = _element(interp, interp.call(fn, given, {}, node))
    except OutOfBudget:
        if interp.steps > MAX_STEPS:
            raise  # the file's budget is spent: the reader stops
    finally:
        interp.following -= 1
        refused = leave_no_trace(interp, state[0], state[1], state[2])
    if refused is not None or isinstance(made, Unknown):
        why = f"map() of code Keras 3 refuses ({refused.message})" if refused is not None else \
            "what map() makes of each element" + (f" ({made.why})" if made.why else "")
        return replace(ds, element=Unknown(why=why))
    return replace(ds, element=made)


def _plain(element: Any, budget: int) -> bool:
    """An element of Parts of known or open sizes only (a size from data the file names
    would have to be a size of the graph the function is followed in)."""
    if isinstance(element, Part):
        return all(d is None or d.__class__ is int for d in element.shape)
    items = list(element.values()) if isinstance(element, dict) else element if isinstance(element, tuple) \
        else None
    return items is not None and len(items) <= budget and all(_plain(e, budget) for e in items)


def _tensors(interp: Interpreter, element: Any, node: ast.AST) -> Any:
    """The element as the tensors the function is traced on, its structure kept."""
    if isinstance(element, Part):
        return tensor(interp, element.shape, "map_element", node, constant=False)
    if isinstance(element, dict):
        return {k: _tensors(interp, v, node) for k, v in element.items()}
    return tuple(_tensors(interp, e, node) for e in element)


def _element(interp: Interpreter, value: Any) -> Any:
    """What the function returns as an element: a Part per tensor, of the shape the engine
    gives it (a size it leaves open is known per element only when the graph runs)."""
    if isinstance(value, Tensor):
        shape = shape_of(interp, value)
        if not isinstance(shape, tuple) or not all(d is None or d.__class__ is int for d in shape):
            return Unknown(why="a tensor of a shape the reader cannot know")
        return Part(shape, tuple(Unknown(why="a size map() leaves open") if d is None else d for d in shape))
    if isinstance(value, (tuple, list, dict)) and value and len(value) <= MAX_PARTS:
        keys = list(value) if isinstance(value, dict) else range(len(value))
        if all(isinstance(k, (str, int)) for k in keys):
            parts = {k: _element(interp, value[k]) for k in keys}
            unknown = next((p for p in parts.values() if isinstance(p, Unknown)), None)
            if unknown is not None:
                return unknown
            return parts if isinstance(value, dict) else tuple(parts.values())
    return value if isinstance(value, Unknown) else Unknown(why="a value that is no tensor")
