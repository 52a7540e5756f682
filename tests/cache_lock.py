"""One writer at a time for the per-machine caches the tests fill (corpus archives,
npm tools, generated files).

The suite runs in several processes (pytest-xdist, ``-n auto`` in pyproject.toml). On a
fresh machine two of them may need the same missing archive or npm folder at once; the
second must wait for the first and then find the file, not download it beside the first
one, or ``npm install`` into a half-written ``node_modules``."""

from __future__ import annotations

import contextlib
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no xdist-safe lock; one process there is safe anyway
    fcntl = None


@contextlib.contextmanager
def locked(path: Path):
    """Hold an exclusive lock named after ``path`` (``<path>.lock``) until the block ends.
    Check for the cached file again inside the block: another process may have made it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as f:
        if fcntl is not None:
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(f, fcntl.LOCK_UN)
