"""Where a finding or a layer is in a document's text, as the editor counts: 0-based
lines and characters (code points; the server converts to the client's units).

A ``Location`` holds where something starts; an editor underlines a range. In Python
source the range is the node ``ast`` puts there (the whole call that builds a layer),
in a spec or a JSON config the token at the position (a key, a value, a flow mapping
``{...}``) or a block mapping's indented lines. Nothing here imports the language-server
packages, so every function is testable on plain text."""

from __future__ import annotations

import ast
import re

from ..diagnostics import Location
from ..records import record


@record(order=True)
class Span:
    start_line: int
    start_char: int
    end_line: int
    end_char: int

    def contains(self, line: int, char: int) -> bool:
        return (self.start_line, self.start_char) <= (line, char) <= (self.end_line, self.end_char)

    @property
    def size(self) -> tuple[int, int]:
        return (self.end_line - self.start_line, self.end_char - self.start_char)


# A run of one token in YAML or JSON: a key or a scalar, up to a delimiter.
_TOKEN = re.compile(r"[^\s,:{}\[\]]+")
# Bracket matching in a one-line JSON config scans at most this far (Keras's to_json
# of a large application is megabytes on one line; a range that long helps no one).
_MAX_SCAN = 200_000


class Spans:
    """The ranges of one document's text: built once per analysis (Python's ``ast`` is
    parsed once), asked for each finding and layer."""

    def __init__(self, text: str, python: bool) -> None:
        self.lines = text.split("\n")
        self.python = python
        self._nodes: dict[tuple[int, int], list[ast.AST]] = {}
        self.tree: ast.Module | None = None
        if python:
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                tree = None  # half-typed code: the reader reports it; ranges fall back to tokens
            self.tree = tree
            if tree is not None:
                for node in ast.walk(tree):
                    if isinstance(node, (ast.expr, ast.keyword)) and getattr(node, "end_lineno", None):
                        self._nodes.setdefault((node.lineno, node.col_offset), []).append(node)

    def line_text(self, line: int) -> str:
        return self.lines[line] if 0 <= line < len(self.lines) else ""

    def _char(self, line: int, byte_col: int) -> int:
        """ast's columns count UTF-8 bytes; the editor's count characters."""
        raw = self.line_text(line).encode("utf-8")
        return len(raw[:byte_col].decode("utf-8", "replace"))

    def node_span(self, node: ast.AST) -> Span:
        return Span(node.lineno - 1, self._char(node.lineno - 1, node.col_offset),
                    node.end_lineno - 1, self._char(node.end_lineno - 1, node.end_col_offset))

    def nodes_at(self, loc: Location) -> list[ast.AST]:
        """The Python nodes that start where ``loc`` points, outermost first."""
        if not loc.line or not loc.column:
            return []
        nodes = self._nodes.get((loc.line, loc.column - 1), [])
        return sorted(nodes, key=lambda n: (n.end_lineno, n.end_col_offset), reverse=True)

    def of(self, loc: Location) -> Span:
        """The range to underline for a finding at ``loc``."""
        line = (loc.line or 1) - 1
        col = (loc.column or 1) - 1
        if self.python:
            nodes = self.nodes_at(loc)
            keyword = next((n for n in nodes if isinstance(n, ast.keyword) and n.arg), None)
            if keyword is not None:  # an argument's name: `retrun_sequences=` is what to fix
                return Span(line, col, line, col + len(keyword.arg))
            if nodes:
                return self.node_span(nodes[0])
        return self._token(line, col)

    def layer(self, loc: Location) -> Span:
        """A layer's whole entry: the call that builds it, its flow mapping, or its block
        mapping's lines (the lines indented at least as far as its first key)."""
        span = self.of(loc)
        if self.python or span.end_line > span.start_line or span.start_line >= len(self.lines):
            return span
        text = self.line_text(span.start_line)
        if text[span.start_char:span.start_char + 1] in ("{", "["):
            return span
        end = span.start_line
        for i in range(span.start_line + 1, len(self.lines)):
            body = self.lines[i]
            if not body.strip():
                continue
            indent = len(body) - len(body.lstrip())
            if indent < span.start_char or body.lstrip().startswith("- ") and indent <= span.start_char:
                break
            end = i
        return Span(span.start_line, span.start_char, end, len(self.lines[end].rstrip()))

    def _token(self, line: int, col: int) -> Span:
        text = self.line_text(line)
        col = min(col, len(text))
        head = text[col:col + 1]
        if head in ("{", "["):
            end = _matching(self.lines, line, col)
            if end is not None:
                return Span(line, col, *end)
        if head in ('"', "'"):
            m = re.compile(rf"{head}(?:[^{head}\\]|\\.)*{head}").match(text, col)
            if m:
                return Span(line, col, line, m.end())
        m = _TOKEN.match(text, col)
        if m:
            return Span(line, col, line, m.end())
        stripped = len(text.rstrip())
        return Span(line, col, line, max(stripped, col))


def _matching(lines: list[str], line: int, col: int) -> tuple[int, int] | None:
    """The position after the bracket that closes the one at (line, col), skipping
    quoted strings; None past the scan limit."""
    depth, quote, seen = 0, None, 0
    for i in range(line, len(lines)):
        text = lines[i]
        j = col if i == line else 0
        while j < len(text):
            ch = text[j]
            seen += 1
            if seen > _MAX_SCAN:
                return None
            if quote:
                if ch == "\\":
                    j += 1
                elif ch == quote:
                    quote = None
            elif ch in "\"'":
                quote = ch
            elif ch in "{[":
                depth += 1
            elif ch in "}]":
                depth -= 1
                if depth == 0:
                    return i, j + 1
            j += 1
        quote = None if quote == "'" else quote  # YAML's single quotes end with the line here
    return None
