"""``shapecheck lsp``: a language server over stdio for Python model code, Jupyter
notebooks, specs and Keras configs (docs/editors.md). It needs the ``lsp`` extra (pygls, lsprotocol), which
is imported only here, when the server starts: neither the analysis nor the command
line's start-up loads it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

MISSING = ("shapecheck lsp: the language server needs pygls and lsprotocol, which are not installed; "
           "install them with: pip install 'keras-shapecheck[lsp]'")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server until the client says exit: 0, or 2 when it cannot start."""
    p = argparse.ArgumentParser(prog="shapecheck lsp", description=(
        "A Language Server Protocol server over stdin/stdout: diagnostics, hover with every "
        "weight explained, inlay hints with output shapes and quick fixes, for .py model "
        "code, notebooks, specs and Keras JSON configs. Editors start it; see docs/editors.md."))
    p.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default and only way)")
    try:
        p.parse_args(list(argv or ()))
    except SystemExit as e:  # --help, or a flag it does not take
        return 0 if e.code == 0 else 2
    try:
        from .server import serve
    except ImportError as e:
        if (e.name or "").split(".")[0] not in ("pygls", "lsprotocol", "cattrs", "attrs"):
            raise
        print(MISSING, file=sys.stderr)
        return 2

    serve()
    return 0
