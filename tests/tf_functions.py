"""Generate ``shapecheck/reading/python/tf_functions.py`` from the installed TensorFlow and
tf_keras: for each TensorFlow function that tf.keras wraps in one TFOpLambda layer and that
shapecheck has a rule for, every name Python source may call it by (``tf.reduce_mean``,
``tf.math.reduce_mean``), the name tf.keras gives the layer (``math.reduce_mean``), and the
function's parameters in order. The tests compare the committed table with a fresh one
(tests/test_python_tf_functions.py); shapecheck itself never imports TensorFlow.

    python tests/tf_functions.py --write

The layer's name is found the way tf.keras finds it: the function is called on a symbolic
tensor, and the operation TensorFlow hands to tf.keras's dispatcher is named by
``get_canonical_name_for_symbol`` (``tf.transpose`` reaches ``compat.v1.transpose``). A
function is kept only when that operation is the function itself or its TF 1 form: one
that calls other operations (``reduce_logsumexp`` reaches ``reduce_max`` first, then more)
makes several layers, which this table cannot say.
"""

from __future__ import annotations

import inspect
import os
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "shapecheck" / "reading" / "python" / "tf_functions.py"
MODULES = ("", "math", "nn", "linalg", "image")


def table() -> tuple[dict[str, tuple[str, tuple[str, ...]]], dict[str, str]]:
    """(TensorFlow's name for each function -> (the layer's name, its parameters)), and
    (each other name it is called by -> TensorFlow's name)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    import tf_keras as keras
    from tensorflow.python.util.tf_export import get_canonical_name_for_symbol
    from tf_keras.src.engine.keras_tensor import KerasTensor
    from tf_keras.src.layers.core import tf_op_layer

    sys.path.insert(0, str(ROOT))
    from shapecheck.rules.registry import REGISTRY

    ruled = {t[3:] for t in REGISTRY if t.startswith("tf.")}
    reached: list = []

    class Reached(Exception):
        pass

    def handle(self, op, args, kwargs):
        if any(isinstance(v, KerasTensor) for v in tf.nest.flatten([args, kwargs])):
            reached.append(op)
            raise Reached
        return self.NOT_SUPPORTED

    x = keras.Input(shape=(4, 6))
    images = keras.Input(shape=(4, 6, 2))
    functions: dict[str, tuple[str, tuple[str, ...]]] = {}
    aliases: dict[str, str] = {}
    saved = tf_op_layer.KerasOpDispatcher.handle
    tf_op_layer.KerasOpDispatcher.handle = handle
    try:
        for prefix in MODULES:
            module = getattr(tf, prefix) if prefix else tf
            for name in sorted(dir(module)):
                fn = getattr(module, name, None)
                if name.startswith("_") or not callable(fn) or isinstance(fn, type):
                    continue
                try:
                    params = inspect.signature(fn).parameters.values()
                except (TypeError, ValueError):
                    continue
                if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
                    continue  # tf.einsum(equation, *inputs): not a tensor first, then arguments
                op = _reached(fn, x, images, reached, Reached)
                if op is None:
                    continue
                symbol = get_canonical_name_for_symbol(op, add_prefix_to_v1_names=True)
                own = get_canonical_name_for_symbol(fn, add_prefix_to_v1_names=True)
                if symbol in ruled and symbol in (own, f"compat.v1.{own}"):
                    functions[own] = (symbol, tuple(p.name for p in params))
                    called = f"{prefix}.{name}".lstrip(".")
                    if called != own:
                        aliases[called] = own
    finally:
        tf_op_layer.KerasOpDispatcher.handle = saved
    return dict(sorted(functions.items())), aliases


def _reached(fn, x, images, reached: list, stop: type) -> object | None:
    """The operation TensorFlow dispatches when ``fn`` is called on ``x`` (alone, in a
    list, or with more tensors as its next arguments), or on ``images`` as an image op
    takes them (extract_patches' sizes, strides, rates, padding), or None."""
    windows = (images, [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID")
    for args in ((x,), ([x, x],), (x, x), (x, x, x), windows):
        reached.clear()
        try:
            fn(*args)
        except stop:
            return reached[-1]
        except Exception:  # noqa: S112 - another way of calling it may reach the dispatcher
            continue
    return None


def source() -> str:
    import tensorflow as tf
    import tf_keras

    functions, aliases = table()
    lines = [
        f'"""TensorFlow {tf.__version__}\'s functions that tf.keras {tf_keras.__version__} wraps in one '
        "TFOpLambda layer",
        "and shapecheck has a rule for, as the Python reader needs them: ``tf.reshape(x, (-1, 4))``",
        "binds ``shape`` as tf.keras records it, and the layer is named as tf.keras names it",
        "(``tf.reduce_mean`` makes ``tf.math.reduce_mean``). Generated from the installed TensorFlow",
        "by tests/tf_functions.py, which a test runs again and compares.",
        "",
        "Why one module: it is data, a table generated from TensorFlow, one entry per function.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "#: A function by TensorFlow's name for it, after ``tf.`` -> (the layer's name after ``tf.``,",
        "#: the function's parameters in order).",
        "FUNCTIONS: dict[str, tuple[str, tuple[str, ...]]] = {",
    ]
    for own, (symbol, params) in functions.items():
        names = ", ".join(f'"{p}"' for p in params) + ("," if len(params) == 1 else "")
        entry = f'    "{own}": ("{symbol}", ({names})),'
        if len(entry) > 110:  # the parameters wrapped
            wrapped = textwrap.wrap(names, 100 - 12)
            entry = "\n".join([f'    "{own}": (', f'        "{symbol}",', "        (",
                               *(f"            {w}" for w in wrapped), "        ),", "    ),"])
        lines.append(entry)
    lines += ["}", "", "#: Another name a function is called by -> TensorFlow's name for it.",
              "ALIASES: dict[str, str] = {"]
    lines += [f'    "{called}": "{own}",' for called, own in sorted(aliases.items())]
    lines += ["}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        TARGET.write_text(source(), encoding="utf-8")
    else:
        sys.stdout.write(source())
