"""shapecheck: static shapes and weight explanations for Keras models, without TensorFlow.

    >>> import shapecheck
    >>> report = shapecheck.analyze("specs/seed_bilstm.yaml")
    >>> report.layers["bilstm"].output_shapes
"""

from __future__ import annotations

from .api import analyze
from .errors import FileError, MissingFileError, ShapecheckError, UsageError
from .output import html as _html
from .output import markdown as _markdown
from .report import LayerReport, Report, show_with
from .version import __version__

# A Report shows itself in Jupyter as the HTML summary (or Markdown where HTML is not
# shown); report.py sits below the output formats, so they are handed to it here.
show_with(_html.render_report, lambda report: "\n".join(_markdown.render_report(report)))

__all__ = ["analyze", "Report", "LayerReport", "ShapecheckError", "UsageError", "FileError",
           "MissingFileError", "__version__"]
