"""shapecheck: static shapes and weight explanations for Keras models, without TensorFlow.

    >>> import shapecheck
    >>> report = shapecheck.analyze("specs/seed_bilstm.yaml")
    >>> report.layers["bilstm"].output_shapes
"""

from __future__ import annotations

from .api import analyze
from .errors import FileError, MissingFileError, ShapecheckError, UsageError
from .report import LayerReport, Report, show_with
from .version import __version__


# A Report shows itself in Jupyter as the HTML summary (or Markdown where HTML is not
# shown); report.py sits below the output formats, so they are handed to it here. They
# are imported when first shown: every run imports this package, few display a report.
def _html(report: Report) -> str:
    from .output.html import render_report

    return render_report(report)


def _markdown(report: Report) -> str:
    from .output.markdown import render_report

    return "\n".join(render_report(report))


show_with(_html, _markdown)

__all__ = ["analyze", "Report", "LayerReport", "ShapecheckError", "UsageError", "FileError",
           "MissingFileError", "__version__"]
