"""Small helpers shared by the table tests."""

from __future__ import annotations

import shapecheck


def one_layer(layer: dict, shape: list, **kw):
    """Analyse one layer (named ``l``) on one input of ``shape``: (report, its layer)."""
    spec = {"inputs": {"x": shape}, "layers": [{"name": "l", **layer}], **kw}
    report = shapecheck.analyze(spec)
    return report, report.layers["l"]
