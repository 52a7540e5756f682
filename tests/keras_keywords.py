"""Generate ``shapecheck/reading/python/keywords.py`` from the installed Keras 3: the keyword
arguments each layer and optimizer constructor takes. The tests compare the committed table
with a fresh one (tests/test_python_keywords.py); shapecheck itself never imports Keras.

    python tests/keras_keywords.py --write

A constructor takes what its ``__init__`` names, what it pops from ``**kwargs``
(``Embedding``'s ``input_length``), and, while each ``__init__`` passes ``**kwargs`` on,
what its base classes take, up to ``Layer`` (which pops ``input_dim`` and ``input_shape``
and refuses the rest) or the optimizers' base (which pops ``decay``).
"""

from __future__ import annotations

import inspect
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "shapecheck" / "reading" / "python" / "keywords.py"
_POPPED = re.compile(r"kwargs\.pop\(\s*[\"'](\w+)[\"']")
_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def accepted(cls: type) -> tuple[frozenset[str], bool]:
    """The keyword names ``cls(...)`` takes, and whether an unknown one reaches a base
    that refuses it with a message (False: ``__init__`` has no ``**kwargs``, a TypeError)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        params = inspect.signature(init).parameters.values()
        names |= {p.name for p in params if p.kind in _NAMED} - {"self"}
        try:
            names |= set(_POPPED.findall(inspect.getsource(init)))
        except (OSError, TypeError):
            pass
        if klass.__name__ in ("Layer", "BaseOptimizer"):  # refuses what is left, by name
            return frozenset(names), True
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
            return frozenset(names), False
    return frozenset(names), True


def tables() -> tuple[dict[str, str], dict[str, str]]:
    import keras

    layers: dict[str, str] = {}
    base, _ = accepted(keras.layers.Layer)
    for name in sorted(dir(keras.layers)):
        cls = getattr(keras.layers, name)
        if not (isinstance(cls, type) and issubclass(cls, keras.layers.Layer)) or name == "Layer":
            continue
        names, refuses = accepted(cls)
        # an __init__ without **kwargs takes its own names only, Layer's not included
        layers[name] = " ".join(sorted(names - base)) if refuses else "! " + " ".join(sorted(names))
    optimizers: dict[str, str] = {}
    for name in sorted(dir(keras.optimizers)):
        cls = getattr(keras.optimizers, name)
        if isinstance(cls, type) and issubclass(cls, keras.optimizers.Optimizer) and name != "Optimizer":
            names, _ = accepted(cls)
            optimizers[name] = " ".join(sorted(names))
    layers["Layer"] = " ".join(sorted(base))
    return layers, optimizers


def _literal(name: str, table: dict[str, str], doc: str) -> str:
    lines = [f"#: {doc}", f"{name}: dict[str, str] = {{"]
    for key, value in table.items():
        parts = textwrap.wrap(value, 110 - 12 - len(key) if len(key) > 20 else 76, break_on_hyphens=False) or [""]
        head = f'    "{key}": '
        for i, part in enumerate(parts):
            more = " " if i < len(parts) - 1 else ""
            lines.append(f'{head if i == 0 else " " * 8}"{part}{more}"' + ("," if i == len(parts) - 1 else ""))
    lines.append("}")
    return "\n".join(lines)


def source() -> str:
    import keras

    layers, optimizers = tables()
    return "\n".join([
        f'"""The keyword arguments Keras {keras.__version__}\'s layer and optimizer constructors take, as the',
        "Python reader needs them: Keras 3 refuses any other (``LSTM(batch_size=1)``, a Keras 2 habit:",
        "``Unrecognized keyword arguments passed to LSTM``; ``SGD(lr=0.01)``). Generated from the",
        "installed Keras by tests/keras_keywords.py, which a test runs again and compares.",
        "",
        "Why one module: it is data, a table generated from Keras, one entry per class.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        _literal("LAYERS", layers, "Layer class -> the names its constructor takes beyond ``Layer``'s own (the "
                 "entry\n#: ``Layer``), space-separated; a leading ``!`` marks an ``__init__`` without "
                 "``**kwargs``\n#: (Python's TypeError for any other name)."),
        "",
        _literal("OPTIMIZERS", optimizers, "Optimizer class -> every name its constructor takes."),
        "",
    ])


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        TARGET.write_text(source(), encoding="utf-8")
    else:
        sys.stdout.write(source())
