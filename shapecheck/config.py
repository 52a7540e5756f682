"""``[tool.shapecheck]`` in ``pyproject.toml``: settings for every run in a project.

    [tool.shapecheck]
    format = "text"               # like --format (the command line wins)

    [tool.shapecheck.severity]
    SC205 = "off"                 # unused layers are fine here; also "error", "warning", "info"

    [tool.shapecheck.dims]
    t = 4995                      # like --dim t=4995 (the command line wins)

    [tool.shapecheck.custom_layers.LayerScale]
    output = "input"
    weights = { gamma = ["projection_dim"] }

The file is found from the current folder upwards, like other Python tools find
theirs; ``--config PATH`` names one. It is read with ``tomllib`` (data only).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from .diagnostics import CATALOGUE, Diagnostic, Location, did_you_mean, make
from .records import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

KEYS = ("format", "severity", "dims", "custom_layers")
FORMATS = ("text", "json", "sarif", "github", "markdown", "html")
LEVELS = ("error", "warning", "info", "off")
FILENAME = "pyproject.toml"
MAX_BYTES = 4 * 1024 * 1024


@record
class Config:
    path: str | None = None
    dims: Mapping[str, int] = field(default_factory=dict)
    custom_layers: Any = None  # rules.custom.CustomLayers, or None when none are declared
    format: str | None = None
    severity: Mapping[str, str] = field(default_factory=dict)  # code -> error|warning|info|off
    found: tuple[Diagnostic, ...] = ()  # problems in the file itself

    @property
    def ok(self) -> bool:
        return not any(d.severity.value == "error" for d in self.found)


def find(start: str = ".") -> str | None:
    """The nearest ``pyproject.toml`` at or above ``start`` that has ``[tool.shapecheck]``."""
    here = os.path.abspath(start)
    while True:
        candidate = os.path.join(here, FILENAME)
        if os.path.isfile(candidate) and _mentions_us(candidate):
            rel = os.path.relpath(candidate)  # shown in findings: short when it is close
            return rel if not rel.startswith("..") else candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _mentions_us(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return b"tool.shapecheck" in f.read(MAX_BYTES)
    except OSError:
        return False


def load(path: str) -> Config:
    """Read ``[tool.shapecheck]`` from ``path``; problems become diagnostics (SC112)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    with open(path, "rb") as f:
        raw = f.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        return Config(path, found=(make("SC112", f"{path} is larger than {MAX_BYTES} bytes",
                                        Location(path, 1, 1)),))
    try:
        text = raw.decode("utf-8")
        data = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        loc = Location(path, int(m.group(1)), int(m.group(2))) if m else Location(path, 1, 1)
        return Config(path, found=(make("SC112", f"not valid TOML: {re.sub(r' [(]at line.*', '', str(e))}",
                                        loc),))
    section = data.get("tool", {}).get("shapecheck", {})
    lines = text.splitlines()
    found: list[Diagnostic] = []
    if not isinstance(section, dict):
        section = {}
    for key in section:
        if key not in KEYS:
            guess = did_you_mean(key, KEYS)
            found.append(make("SC112", f"unknown setting {key!r} in [tool.shapecheck]",
                              _locate(path, lines, (key,)),
                              hint=f"did you mean {guess!r}?" if guess else f"the settings are "
                              f"{', '.join(KEYS)}"))
    fmt = section.get("format")
    if fmt is not None and fmt not in FORMATS:
        found.append(make("SC112", f"format must be one of {', '.join(FORMATS)}, got {fmt!r}",
                          _locate(path, lines, ("format",))))
        fmt = None
    severity: dict[str, str] = {}

    raw_severity = section.get("severity") or {}
    if not isinstance(raw_severity, dict):
        found.append(make("SC112", "[tool.shapecheck.severity] must map codes to levels",
                          _locate(path, lines, ("severity",))))
        raw_severity = {}
    for code, level in raw_severity.items():
        if code not in CATALOGUE:
            guess = _code_guess(str(code))
            found.append(make("SC112", f"[tool.shapecheck.severity] {code}: no such code",
                              _locate(path, lines, ("severity", code)),
                              hint=f"did you mean {guess!r}?" if guess else "see docs/diagnostics.md"))
        elif level not in LEVELS:
            found.append(make("SC112", f"[tool.shapecheck.severity] {code} must be one of "
                              f"{', '.join(LEVELS)}, got {level!r}",
                              _locate(path, lines, ("severity", code))))
        else:
            severity[code] = level
    dims: dict[str, int] = {}
    for name, value in (section.get("dims") or {}).items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 1 or \
                not re.fullmatch(r"[A-Za-z_]\w*", name):
            found.append(make("SC112", f"[tool.shapecheck.dims] {name} must be a positive integer, "
                              f"got {value!r}", _locate(path, lines, ("dims", name))))
        else:
            dims[name] = value
    custom = None
    if "custom_layers" in section:
        from .rules.custom import declare

        custom = declare(section["custom_layers"], path,
                         lambda at: _locate(path, lines, ("custom_layers", *at)))
        found += custom.found
    return Config(path, dims, custom, format=fmt, severity=severity, found=tuple(found))


def apply_severity(report, severity: Mapping[str, str]):
    """The report with each listed code's diagnostics at the configured level ("off"
    drops them); ``ok`` follows, since it is "no errors"."""
    from .diagnostics import Severity
    from .records import replace

    diags = tuple(replace(d, severity=Severity(severity[d.code])) if d.code in severity else d
                  for d in report.diagnostics if severity.get(d.code) != "off")
    return replace(report, diagnostics=diags)


def _locate(path: str, lines: list[str], at: tuple[str, ...]) -> Location:
    """The line of the deepest part of ``at`` written as a table header or a key
    (tomllib keeps no positions)."""
    best = Location(path, 1, 1)
    start = 0
    for i, line in enumerate(lines):
        if re.match(r"\s*\[+\s*tool\.shapecheck\b", line):
            best, start = Location(path, i + 1, 1), i
            break
    for part in at:
        key = re.escape(part)
        pattern = re.compile(rf"(^\s*\[+[^\]]*\b{key}\b)|(^\s*\"?{key}\"?\s*=)|([{{,]\s*\"?{key}\"?\s*=)")
        for i in range(start, len(lines)):
            m = pattern.search(lines[i])
            if m:
                col = (m.start(3) + len(m.group(3)) - len(m.group(3).lstrip("{, "))) if m.group(3) else \
                    len(lines[i]) - len(lines[i].lstrip())
                best, start = Location(path, i + 1, col + 1), i
                break
    return best


def _code_guess(code: str) -> str | None:
    """A code one typo away (a digit swapped, a letter case, a missing zero): a code is
    not a word, and difflib would offer any code that shares its digits."""
    upper = code.upper().replace(" ", "")
    if upper in CATALOGUE:
        return upper
    close = [c for c in CATALOGUE if len(c) == len(upper) and sum(a != b for a, b in zip(c, upper)) == 1]
    return close[0] if len(close) == 1 else None
