"""A Lambda's output shape, as Keras infers it, without running the Lambda: Keras calls
its ``output_shape`` function on the input shapes, or else its function on symbolic
tensors. The reader does the same by abstract interpretation: the file's function is
walked with shapes (or the reader's tensors) for arguments, as any function of the file
is; nothing is executed. What it gives becomes the Lambda's ``output_shape`` as data (the
engine says so, SC410); a function the reader cannot follow leaves the Lambda unknown."""

from __future__ import annotations

import ast

from ...dims import NamedSize, to_json
from .builtins import Builtin
from .graph import Layer, Tensor, flat_tensors
from .keras_api import shape_of, tensors_of
from .limits import MAX_STEPS, OutOfBudget
from .values import Function, Partial, Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter
    from .keras_keywords import Refusal


def follow_lambda(interp: Interpreter, layer: Layer, given: Any, node: ast.AST,
                  more: list | None = None, kwargs: dict[str, Any] | None = None) -> None:
    """Give ``layer`` (a Lambda called on ``given``, a tensor or a list of them; a Layer
    subclass's call() also on the tensors ``more`` and the call's ``kwargs``) the output
    shape its code computes, when the reader can follow that code."""
    if "output_shape" in layer.args or not isinstance(layer.code, dict):
        return  # given as data, or followed at an earlier call
    tensors = tensors_of(given) or []
    shape_fn, fn = layer.code.get("output_shape"), layer.code.get("function")
    state = (len(interp.found), dict(interp.graph.names.counts), len(interp.graph.nodes),
             len(interp.refusals))
    out = None
    interp.following += 1
    try:
        if isinstance(shape_fn, (Function, Partial)):
            shapes = [shape_of(interp, t) for t in tensors]
            if not all(isinstance(s, tuple) for s in shapes) or not shapes:
                return
            out = interp.call(shape_fn, [shapes[0] if isinstance(given, Tensor) else shapes], {}, node)
            what = f"its output_shape function {_name(shape_fn)}"
        elif isinstance(fn, (Function, Partial, Builtin)):  # Builtin: a Layer subclass's build, then call
            arguments = layer.code.get("arguments")  # a Lambda's arguments=
            # a subclass's: the call's keywords; a tensor there (mask=) is not followed inside
            given_kw = dict(arguments) if isinstance(arguments, dict) else {
                key: Unknown(key, "a tensor given to call() by keyword") if tensors_of(value) else value
                for key, value in (kwargs or {}).items()} if isinstance(fn, Builtin) else {}
            result = interp.call(fn, [given, *(more or ())], given_kw, node)
            if isinstance(result, Tensor):
                out = shape_of(interp, result)
            elif not isinstance(fn, Function) and (flat := flat_tensors(result)):
                # a subclass's call() returning tensors apart, or nested (x, [skip1, skip2]):
                # Keras's node has them flat, its call gives them back in their nesting
                out = [shape_of(interp, r) for r in flat]
                if any(isinstance(r, (list, tuple)) for r in result):
                    layer.code["nesting"] = result
            if isinstance(result, Unknown) and result.why:  # what stopped it, for SC601
                layer.code["why"] = result.why
            what = f"its function {_name(fn)}" if layer.cls == "Lambda" else \
                f"{layer.cls}.{layer.code.get('method', 'call')}()"
        else:
            return
    except OutOfBudget:
        if interp.steps > MAX_STEPS:
            raise  # the file's budget is spent: the reader stops
        # a recursion that does not end: Keras would not end either; the Lambda stays unknown
    finally:
        interp.following -= 1
        # Keras 3 runs the code to know its output: where it fails, the model does not build
        refused = leave_no_trace(interp, state[0], state[2], state[3])
        # no auto-name taken either; but a Layer subclass's first call is Keras building it,
        # which names what it builds
        if layer.cls == "Lambda":
            interp.graph.names.counts = state[1]
    if refused is not None and fn is not None and shape_fn is None:
        if layer.cls == "Lambda":  # the layer's own finding (engine: what stands for SC408)
            layer.args["fails_in_keras3"] = [refused.message, refused.hint]
        else:
            interp.note("SC605", f"{layer.cls}.call() fails in Keras 3 ({refused.message}), which runs it "
                        "to know the output's shape: the model does not build", node, hint=refused.hint,
                        once=False)
        layer.code["refused"] = True
        return
    shapes = out if isinstance(out, list) else [out]  # a list: one shape per output
    if shapes and all(isinstance(s, tuple) and s and all(
            d is None or isinstance(d, int) and not isinstance(d, bool) and d >= 0 or isinstance(d, NamedSize)
            or isinstance(d, str) and d.isidentifier() for d in s) for s in shapes):
        # a size from data stays the named size it is (x * 2 of (None, n): (None, n)), by
        # its name, which the engine finds among the layer's inputs (engine._lambda_output);
        # an input call() returns as it is has it by name already
        declared = [[to_json(d) if isinstance(d, NamedSize) else d for d in s[1:]] for s in shapes]
        layer.args["output_shape"] = declared if isinstance(out, list) else declared[0]
        layer.args["output_shape_from"] = what


#: what following says that stands: a weight Keras 3 does not track is so however the
#: layer is followed (variables.py)
_SAID_FOLLOWING = frozenset(("SC608",))


def forget_found(interp: Interpreter, start: int) -> None:
    """Forget what following said since ``interp.found`` had ``start`` findings, except
    what stands (``_SAID_FOLLOWING``)."""
    interp.found[start:] = [d for d in interp.found[start:] if d.code in _SAID_FOLLOWING]


def leave_no_trace(interp: Interpreter, found: int, nodes: int, refusals: int) -> Refusal | None:
    """After following code: no finding since ``interp.found`` had ``found`` (but what
    stands), no node in the graph since it had ``nodes`` (a layer called inside is not a
    call of it); the first refusal of Keras 3 met since ``refusals``, forgotten too."""
    refused = keras3_refusal(interp, refusals)
    forget_found(interp, found)
    for made in interp.graph.nodes[nodes:]:
        if made.layer is not None:
            made.layer.calls -= 1
    del interp.graph.nodes[nodes:]
    return refused


def keras3_refusal(interp: Interpreter, start: int) -> Refusal | None:
    """The first place where Keras 3 fails for good (a Keras 2 backend function that its
    keras.backend lacks, keras_keywords.keras2_backend) met since ``interp.refusals`` had
    ``start`` of them, which are then forgotten: following leaves no trace."""
    refused = interp.refusals[start] if len(interp.refusals) > start else None
    del interp.refusals[start:]
    return refused


def _name(fn: Any) -> str:
    if isinstance(fn, Partial):
        return f"partial({_name(fn.func)})"
    return fn.name if fn.name != "<lambda>" else "(a lambda)"
