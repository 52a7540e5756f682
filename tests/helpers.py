"""Small helpers shared by the table tests."""

from __future__ import annotations

import shapecheck


def one_layer(layer: dict, shape: list, **kw):
    """Analyse one layer (named ``l``) on one input of ``shape``: (report, its layer)."""
    spec = {"inputs": {"x": shape}, "layers": [{"name": "l", **layer}], **kw}
    report = shapecheck.analyze(spec)
    return report, report.layers["l"]


def run(layer: dict, *shapes: list, dims: dict | None = None):
    """One layer ``l`` called on inputs ``x0, x1, ...`` (a list when there are several):
    (report, its layer or None)."""
    names = [f"x{i}" for i in range(len(shapes))]
    entry = {"name": "l", **layer}
    if len(shapes) > 1:
        entry["inputs"] = names
    spec = {"inputs": dict(zip(names, shapes)), "layers": [entry]}
    if dims:
        spec["dims"] = dims
    report = shapecheck.analyze(spec)
    return report, report.layers.get("l")
