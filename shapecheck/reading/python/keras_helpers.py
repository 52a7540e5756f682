"""Keras's own helper functions that its application builders call
(``imagenet_utils.obtain_input_shape``, ``correct_pad``...): the reader does not read
Keras's source, so each is written here after it, as a function of the values it gets."""

from __future__ import annotations

import ast

from .graph import Tensor, ancestors
from .keras_api import bind, shape_of, tensors_of
from .values import Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter


def _obtain_input_shape(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    """keras/src/applications/imagenet_utils.obtain_input_shape (channels_last)."""
    p = bind(
        ("input_shape", "default_size", "min_size", "data_format", "require_flatten", "weights"), args, kwargs
    )
    input_shape, size = p.get("input_shape"), p.get("default_size")
    weights, flatten = p.get("weights"), p.get("require_flatten")
    if isinstance(input_shape, Unknown) or isinstance(size, Unknown):
        return Unknown(why="an input shape the reader cannot know")
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        default = (size, size, input_shape[-1])
    else:
        default = (size, size, 3)
    if weights == "imagenet" and flatten:
        return default
    if input_shape:
        return tuple(input_shape)
    return default if flatten else (None, None, 3)


def _correct_pad(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    """imagenet_utils.correct_pad: the zero padding before a strided convolution."""
    p = bind(("inputs", "kernel_size"), args, kwargs)
    shape = shape_of(interp, p.get("inputs"))
    kernel = p.get("kernel_size")
    if not isinstance(shape, tuple) or len(shape) < 3:
        return Unknown(why="correct_pad of a tensor the reader cannot analyse")
    kernel = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
    size = shape[1:3]
    if size[0] is None or not isinstance(size[0], int) or not isinstance(size[1], int):
        adjust = (1, 1)
    else:
        adjust = (1 - size[0] % 2, 1 - size[1] % 2)
    correct = (kernel[0] // 2, kernel[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def _source_inputs(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    """operation_utils.get_source_inputs: the inputs a tensor comes from."""
    tensors = tensors_of(args[0] if args else kwargs.get("tensor"))
    if tensors is None:
        return Unknown()
    return [Tensor(n) for n in ancestors(tensors) if n.layer is None]


def _nothing(interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    return None


KERAS_HELPERS = {
    "obtain_input_shape": _obtain_input_shape,
    "_obtain_input_shape": _obtain_input_shape,  # Keras 2.1-2.3's name, which application ports import
    "correct_pad": _correct_pad,
    "get_source_inputs": _source_inputs,
    "validate_activation": _nothing,
}
