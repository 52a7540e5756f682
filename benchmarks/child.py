"""Timings taken inside one process, after its imports: what shapecheck's analysis and
Keras's model building cost without the interpreter's start-up and imports.

    python -m benchmarks.child shapecheck [--config PYPROJECT] FILE...
    python -m benchmarks.child keras FILE...

print one JSON object: {file: seconds}.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time


def shapecheck_times(args: list[str]) -> dict[str, float]:
    import sympy  # noqa: F401  imported up front: the timings are of the analysis

    import shapecheck.engine  # noqa: F401
    import shapecheck.output.text  # noqa: F401
    from shapecheck import cli

    opts = args[:2] if args[:1] == ["--config"] else []
    files = args[len(opts):]
    out = {}
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        for path in files:
            start = time.perf_counter()
            code = cli.main([*opts, path])
            out[path] = time.perf_counter() - start
            if code not in (0, 1):
                raise SystemExit(f"shapecheck exited {code} on {path}")
    return out


def keras_times(files: list[str]) -> dict[str, float]:
    import keras

    out = {}
    for path in files:
        keras.backend.clear_session()
        start = time.perf_counter()
        with open(path) as fh:
            keras.models.model_from_json(fh.read())
        out[path] = time.perf_counter() - start
    return out


if __name__ == "__main__":
    mode, rest = sys.argv[1], sys.argv[2:]
    times = shapecheck_times(rest) if mode == "shapecheck" else keras_times(rest)
    print(json.dumps(times))
