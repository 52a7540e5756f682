"""The ``sarif`` format: SARIF 2.1.0, the format GitHub code scanning reads. The rules
are the diagnostic catalogue; each finding's location is its file, line and column,
so it shows on the pull request's diff."""

from __future__ import annotations

import json
import os

from ..diagnostics import CATALOGUE, Severity
from ..report import Report
from ..version import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(path: str) -> dict:
    """A relative path is relative to the checkout (%SRCROOT%), which code scanning maps
    to the repository; an absolute one becomes a file: URI."""
    if os.path.isabs(path):
        return {"uri": "file://" + path.replace(os.sep, "/")}
    return {"uri": path.replace(os.sep, "/"), "uriBaseId": "%SRCROOT%"}


def document(reports: list[Report]) -> dict:
    codes = list(CATALOGUE)
    rules = [{
        "id": c.code,
        "name": "".join(w.capitalize() for w in c.title.replace("'", "").split()),
        "shortDescription": {"text": c.title},
        "fullDescription": {"text": c.explanation},
        "defaultConfiguration": {"level": _LEVEL[c.severity]},
        "properties": {"tags": ["shapes" if c.code.startswith("SC3") else "spec"]},
    } for c in CATALOGUE.values()]
    results = []
    for report in reports:
        for d in report.diagnostics:
            path = d.location.path or report.path
            text = d.message + (f" (layer {d.layer})" if d.layer else "") + \
                (f". Hint: {d.hint}" if d.hint else "")
            result = {"ruleId": d.code, "ruleIndex": codes.index(d.code), "level": _LEVEL[d.severity],
                      "message": {"text": text}}
            if path:
                physical: dict = {"artifactLocation": _uri(path)}
                if d.location.line:
                    region = {"startLine": d.location.line}
                    if d.location.column:
                        region["startColumn"] = d.location.column
                    physical["region"] = region
                result["locations"] = [{"physicalLocation": physical}]
            results.append(result)
    artifacts = [{"location": _uri(r.path)} for r in reports if r.path]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "shapecheck", "version": __version__,
                                "semanticVersion": __version__,
                                "informationUri": "https://pypi.org/project/keras-shapecheck/",
                                "rules": rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": _srcroot()}},
            "artifacts": artifacts,
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def _srcroot() -> str:
    return "file://" + os.getcwd().replace(os.sep, "/").rstrip("/") + "/"


def render(reports: list[Report]) -> str:
    return json.dumps(document(reports), indent=2)
