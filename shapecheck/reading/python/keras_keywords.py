"""Names Keras 3 refuses. A layer class it does not have (``layers.Densse``), or a keyword
argument a layer or optimizer constructor does not take, fails where the file calls it:
``LSTM(64, batch_size=1)``, Keras 2's habit (``Unrecognized keyword arguments passed to
LSTM``); ``SGD(lr=0.01)``; a misspelt ``retrun_sequences=True``. Keras 2 took some of
these, so code read as Keras 2 is not checked; the table is Keras 3's (``keywords``).
Keras 2's backend functions (``K.mean``) are not Keras 3's either, on its tensors."""

from __future__ import annotations

import ast

from ...diagnostics import did_you_mean
from ...records import record
from .keras_backend import BACKEND
from .keywords import LAYERS, OPTIMIZERS
from .values import Module, Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter

_LAYER_BASE = frozenset(LAYERS["Layer"].split())
# Keras 2 took the batch on any first layer; Keras 3 on the model's input only
_BATCH = ("batch_input_shape", "batch_size", "batch_shape")


def layer_keywords(cls: str) -> tuple[frozenset[str], bool] | None:
    """The names ``cls(...)`` takes, and whether its ``__init__`` names them all (no
    ``**kwargs``: Python's TypeError for another); None for a class not in Keras 3."""
    entry = LAYERS.get(cls)
    if entry is None or cls == "Layer":
        return None
    closed = entry.startswith("!")
    names = frozenset(entry.lstrip("!").split())
    return (names if closed else names | _LAYER_BASE), closed


def refuse(interp: Interpreter, cls: str, kwargs: dict[str, Any], node: ast.AST, keep: tuple[str, ...] = ()
           ) -> dict[str, Any]:
    """``kwargs`` without the names Keras 3's ``cls`` refuses, each said (SC402) at its
    keyword (Keras names them all in one message; one finding each is one fix each);
    ``keep`` are still used (an input shape the rest of the file relies on)."""
    if "name" in kwargs:
        slash_name(interp, kwargs, node)
    taken = layer_keywords(cls)
    if taken is None:
        return kwargs
    names, closed = taken
    unknown = [k for k in kwargs if k not in names]
    for name in unknown:
        if closed:
            message = f"{cls}.__init__() got an unexpected keyword argument {name!r}"
        else:
            message = f"Unrecognized keyword arguments passed to {cls}: {_shown(kwargs, [name])}"
        _note(interp, name, message, _keyword(node, name), _hint(cls, name, names))
    return {k: v for k, v in kwargs.items() if k not in unknown or k in keep}


def slash_name(interp: Interpreter, kwargs: dict[str, Any], node: ast.AST) -> None:
    """``name="GoogLeNet/Inception-v1"``: every layer and model of Keras 3 is an Operation,
    whose __init__ refuses a ``/`` in its name (tf.keras 2 took one). Called only where a
    ``name`` is given (most layers have none), so it costs a call per named layer."""
    name = kwargs["name"]
    try:
        slashed = "/" in name  # most names: one test, no call
    except TypeError:  # a value the reader does not know
        return
    if slashed and isinstance(name, str) and interp.graph.dialect != "keras2":
        interp.note("SC605", f"Argument `name` must be a string and cannot contain character `/`. Received: "
                    f"name={name} (of type <class 'str'>)", _keyword(node, "name"),
                    hint=f"Keras 3 refuses a '/' in a layer's or a model's name (tf.keras 2 took one): "
                    f"name={name.replace('/', '_')!r}")


def refuse_optimizer(interp: Interpreter, cls: str, kwargs: dict[str, Any], node: ast.AST) -> None:
    entry = OPTIMIZERS.get(cls)
    if entry is None:
        return
    names = frozenset(entry.split())
    for name in (k for k in kwargs if k not in names):
        hint = "Keras 3's optimizers take learning_rate=" if name == "lr" else _hint(cls, name, names)
        message = f"Argument(s) not recognized: {_shown(kwargs, [name])}"
        _note(interp, name, message, _keyword(node, name), hint)


def _note(interp: Interpreter, name: str, message: str, at: ast.AST, hint: str) -> None:
    """Once per keyword written: a builder called twice refuses it twice."""
    key = (f"SC402 {name} {getattr(at, 'col_offset', 0)}", interp.source, getattr(at, "lineno", 0))
    if key not in interp.reported:
        interp.reported.add(key)
        interp.note("SC402", message, at, hint=hint, once=False)


def _hint(cls: str, name: str, names: frozenset[str]) -> str:
    if name in _BATCH:
        return ("Keras 3 takes the batch on the model's input, keras.Input(shape, batch_size=...); "
                "Keras 2 took it on any layer")
    import difflib  # only for a refused keyword: a fiftieth of a start

    close = difflib.get_close_matches(name, sorted(names), n=1, cutoff=0.8)
    if close:
        return f"did you mean {close[0]!r}?"
    return (f"Keras 3 (tf.keras since TensorFlow 2.16) refuses a keyword {cls} does not take; "
            "Keras 2 code may use one it removed")


def _shown(kwargs: dict[str, Any], names: list[str]) -> str:
    """As Keras prints the dict it refuses: the values the reader knows, ``...`` else."""
    def value(v: Any) -> str:
        text = repr(v) if isinstance(v, (int, float, str, bool, tuple, list)) or v is None else "..."
        return text if len(text) <= 40 else "..."
    return "{" + ", ".join(f"{k!r}: {value(kwargs[k])}" for k in names) + "}"


def _keyword(node: ast.AST, name: str) -> ast.AST:
    """The ``name=`` keyword of the call ``node``, where the fix goes; else the call."""
    for keyword in getattr(node, "keywords", ()):
        if keyword.arg == name:
            return keyword
    return node


def no_such_layer(interp: Interpreter, func: Module, name: str, node: ast.AST) -> Unknown:
    """``layers.Densse(3)``: Keras 3 has no such layer, and the file fails there."""
    guess = did_you_mean(name, sorted(LAYERS))
    interp.note("SC401", f"module '{'.'.join(func.path[:-1])}' has no attribute '{name}'", node,
                hint=f"did you mean {guess!r}?" if guess else "Keras 3's layers are listed in docs/layers.md")
    return Unknown(why=f"a layer the reader cannot know ({name})")


def no_tensor_method(interp: Interpreter, name: str, node: ast.AST) -> Unknown:
    """``x.get_shape()``: TensorFlow's, which a Keras 3 tensor does not have."""
    interp.note("SC605", f"'KerasTensor' object has no attribute {name!r}", node,
                hint="Keras 3's tensors give their shape as x.shape (or keras.ops.shape(x)); "
                "get_shape() was TensorFlow's")
    return Unknown(why=f"a tensor method the reader cannot know ({name})")


#: ``keras.backend`` in Keras 3 (tests/test_python_tf_functions.py compares it with the
#: installed Keras): Keras 2's other backend functions are gone from it.
KERAS3_BACKEND = frozenset((
    "backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format", "is_float_dtype",
    "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon", "set_floatx", "set_image_data_format",
    "standardize_dtype",
))


def backend_attribute(interp: Interpreter, module: Module, name: str, node: ast.AST) -> None:
    """``keras.backend.mean`` read in Keras 3 code: its keras.backend has a few functions
    (``KERAS3_BACKEND``), and Python raises where the file reads another."""
    if name not in KERAS3_BACKEND and interp.graph.dialect != "keras2" and not name.startswith("__"):
        keras2_backend(interp, module.attr(name), name, BACKEND.get(name, (None,))[0], node)


def keras2_backend(interp: Interpreter, func: Module, name: str, op: str | None, node: ast.AST) -> None:
    """``K.mean(h, 1)`` on a Keras 3 tensor. ``keras.backend`` has no ``mean``; tf.keras's
    backend (``keras._tf_keras``) still has Keras 2's, written with TensorFlow functions,
    which refuse a KerasTensor (outside a Lambda's function)."""
    instead = f"keras.ops.{op} is Keras 3's" if op else "Keras 3 has keras.ops where Keras 2 had its backend"
    if func.path[:2] == ("tensorflow", "keras"):
        interp.note("SC605", f"tf.keras.backend.{name} is Keras 2's, made of TensorFlow functions, which "
                    "Keras 3 refuses on its tensors (tf.keras is Keras 3 since TensorFlow 2.16)", node,
                    hint=f"{instead}; in a Lambda's function, tf.keras.backend.{name} works")
    else:
        refusal = Refusal(f"module 'keras.backend' has no attribute '{name}'", instead)
        interp.refusals.append(refusal)
        interp.note("SC605", refusal.message, node, hint=refusal.hint)


@record
class Refusal:
    """Where Python raises in Keras 3 for good (an AttributeError), whatever the shapes:
    code that reaches it, followed as Keras runs it, fails there (lambdas.keras3_refusal)."""

    message: str
    hint: str
