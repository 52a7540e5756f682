"""shapecheck: static shapes and weight explanations for Keras models, without TensorFlow.

    >>> import shapecheck
    >>> report = shapecheck.analyze("specs/seed_bilstm.yaml")
    >>> report.layers["bilstm"].output_shapes
"""

from __future__ import annotations

from .api import analyze
from .errors import FileError, MissingFileError, ShapecheckError, UsageError
from .report import LayerReport, Report
from .version import __version__

__all__ = ["analyze", "Report", "LayerReport", "ShapecheckError", "UsageError", "FileError",
           "MissingFileError", "__version__"]
