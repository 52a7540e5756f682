"""The exceptions the library raises, all for misuse by the caller; a faulty model
is never an exception, it is a report with diagnostics."""

from __future__ import annotations


class ShapecheckError(Exception):
    """Base class: ``except shapecheck.ShapecheckError`` catches every one."""


class UsageError(ShapecheckError, TypeError):
    """An argument of the wrong kind: ``analyze(123)``, ``dims={"t": "x"}``."""


class FileError(ShapecheckError, OSError):
    """The path cannot be opened (missing, a folder, no permission)."""


class MissingFileError(FileError, FileNotFoundError):
    """The path does not exist."""
