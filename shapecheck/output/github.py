"""The ``github`` format: GitHub Actions workflow commands, one per finding, so each
shows as an annotation on the pull request's diff
(``::error file=model.yaml,line=4,col=5,title=SC301 rank mismatch::...``)."""

from __future__ import annotations

from ..diagnostics import CATALOGUE, Severity
from ..report import Report

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    # The escaping GitHub's runner undoes (actions/toolkit, command.ts).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(reports: list[Report]) -> str:
    lines = []
    for report in reports:
        for d in report.diagnostics:
            props = []
            path = d.location.path or report.path
            if path:
                props.append(f"file={_prop(path)}")
            if d.location.line:
                props.append(f"line={d.location.line}")
                if d.location.column:
                    props.append(f"col={d.location.column}")
            props.append(f"title={_prop(f'{d.code} {CATALOGUE[d.code].title}')}")
            text = d.message + (f" [{d.layer}]" if d.layer else "") + (f"\nhint: {d.hint}" if d.hint else "")
            lines.append(f"::{_COMMAND[d.severity]} {','.join(props)}::{_data(text)}")
    return "\n".join(lines)
