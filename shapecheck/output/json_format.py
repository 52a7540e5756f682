"""The JSON format, version 1 (schema: ``shapecheck/schema/report.schema.json``)."""

from __future__ import annotations

import json

from ..report import Report

VERSION = 1


def document(reports: list[Report]) -> dict:
    return {"version": VERSION, "files": [r.to_dict() for r in reports]}


def render(reports: list[Report]) -> str:
    return json.dumps(document(reports), indent=2)
