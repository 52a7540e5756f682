"""Jupyter notebooks (``.ipynb``): the code of their code cells, in order, read by the
Python reader as the one program a notebook run top to bottom is, every position
mapped back to the notebook file (``path:line:col`` of the JSON text, which editors
and CI annotations open) and to its cell (``cell 3, line 2``, what a person sees).

Nothing is run. IPython's own syntax is read as IPython runs it, so far as a static
reader can: a line magic or shell line (``%matplotlib inline``, ``!pip install``, ``x =
!ls``) does nothing the models depend on, and reads as ``pass`` (its assignment as a
value nobody knows); ``obj?`` help likewise. A cell magic whose body is Python
(``%%time``, ``%%capture``...) runs its body; any other (``%%bash``, ``%%writefile``)
is not Python, and its cell is skipped. A cell that is not valid Python fails alone,
as in Jupyter: SC101 at its line, and the other cells are read.

    cells, found = read(text, "train.ipynb")   # Cells, or None and why
    cells.tree                                 # the ast of every code cell that is Python
    cells.location(line, column)               # a place in it: the notebook file's and the cell's
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Sequence

from ..diagnostics import Diagnostic, Location, make
from ..records import record
from . import text as located_text
from .located import LocDict, LocList
from .python import MAX_SOURCE_BYTES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Cell magics whose body is Python that IPython runs (timed, captured, profiled).
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
# A line IPython runs as a magic, a shell command or help: ``%cd``, ``!ls``, ``obj?``,
# ``??obj`` (help asks for a name, not an expression: a comment ending in "?" is none).
_MAGIC_LINE = re.compile(r"[ \t]*(?:[%!]|\?\??[\w.*]+[ \t]*$|[\w.*]+\?\??[ \t]*$)")
# ``x = !ls`` / ``files = %sx ls``: IPython assigns the magic's result.
_MAGIC_VALUE = re.compile(r"([ \t]*[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*=[ \t]*)[%!]")
_BREAK = re.compile(r"\r\n?|\n")


@record
class Cells:
    """A notebook's code cells as one program: ``source`` and its ``tree`` (every cell
    that is valid Python), and for each of its lines where the notebook has it."""

    path: str | None
    source: str
    tree: ast.Module
    lines: list  # the program's lines
    places: list  # each line's (cell number, line in the cell, file offset of each character)
    starts: list | None  # where each line of the notebook file starts; None: no file (an editor's cells)

    def location(self, line: int | None, column: int | None) -> Location:
        """The Location of a 1-based line and column of the program (ast's: the column
        counts UTF-8 bytes): the notebook file's line:col, and the cell's (in an editor's
        cells, line:col are the cell's own, the column in bytes as ast counts it)."""
        if not line or not 0 < line <= len(self.lines):
            return Location(self.path, 1, 1)
        text = self.lines[line - 1]
        index = _column(text, (column or 1) - 1)
        number, cell_line, offsets = self.places[line - 1]
        if self.starts is None:
            return Location(self.path, cell_line, column or 1, cell=(number, cell_line, index + 1))
        return Location(self.path, *_file_position(offsets, index, self.starts),
                        cell=(number, cell_line, index + 1))


def read(text: str, path: str | None) -> tuple[Cells | None, list[Diagnostic]]:
    """The notebook's code cells (None, and why, for a file that is no notebook)."""
    data, found = located_text.load(text, path, json=True)
    if data is None and text.lstrip()[:1] not in ("{", "[") and _is_python(text):
        return None, [make("SC101", "not a Jupyter notebook: the file is Python source, not JSON",
                           Location(path, 1, 1), hint="rename it to .py; shapecheck reads it as the "
                           "script it is")]
    if data is None:
        return None, found
    cells = _cells(data)
    if cells is None:
        return None, [make("SC101", "not a Jupyter notebook: no `cells` list (nbformat 4) or "
                           "`worksheets` (3)", Location(path, 1, 1),
                           hint="is this the notebook file? shapecheck reads the .ipynb files "
                           "Jupyter writes")]
    return _program(cells, path, text, found)


def _is_python(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return False
    return True


def from_cells(cells: Sequence[tuple[int, str]], path: str | None) -> tuple[Cells | None, list[Diagnostic]]:
    """The code cells an editor holds, (cell number, text) each, as ``read`` makes a
    file's; each location is at its cell's own line and column."""
    return _program([(number, [(text, None)]) for number, text in cells], path, None, [])


def python_of(cell: str) -> str:
    """A cell's text as the Python the reader reads of it (magics made ``pass``...): its
    lines and the columns of every line of Python unchanged."""
    lines = _lines(None, [(cell, None)], None)
    _unmagic(lines)
    return "".join(line for line, _ in lines)


def _program(cells: list[tuple[int, list[tuple[str, Any]]]], path: str | None, text: str | None,
             found: list[Diagnostic]) -> tuple[Cells | None, list[Diagnostic]]:
    """The cells' pieces (``text``: the file they are strings of, None for none) as
    one program."""
    code_size = sum(len(value) for _, pieces in cells for value, _ in pieces)
    if code_size > MAX_SOURCE_BYTES:
        return None, [make("SC108", f"the notebook's code cells hold {code_size:,} characters, over the "
                           f"{MAX_SOURCE_BYTES:,} a model's code may have; it was not read",
                           Location(path, 1, 1))]
    starts = None if text is None else [0] + [m.end() for m in _BREAK.finditer(text)]
    lines: list[str] = []
    places: list[tuple[int, int, Sequence[int]]] = []
    spans: list[tuple[int, int]] = []  # each cell's first line and last line + 1
    for number, pieces in cells:
        cell_lines = _lines(text, pieces, starts)
        _unmagic(cell_lines)
        spans.append((len(lines), len(lines) + len(cell_lines)))
        lines += [line if line.endswith(("\n", "\r")) else line + "\n" for line, _ in cell_lines]
        places += [(number, k, offsets) for k, (_, offsets) in enumerate(cell_lines, 1)]
    cells_read = Cells(path, "", ast.Module(body=[], type_ignores=[]), lines, places, starts)
    try:  # one parse of the whole program; a cell that is not Python is rare
        tree = ast.parse("".join(lines), filename=path or "<notebook>")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        found += _skip_failing_cells(cells_read, spans)
        try:
            tree = ast.parse("".join(lines), filename=path or "<notebook>")
        except (SyntaxError, RecursionError, MemoryError, ValueError):  # cells fine alone, not together
            return None, found + [make("SC101", "the code cells, joined, are not valid Python",
                                       Location(path, 1, 1))]
    return Cells(path, "".join(lines), tree, lines, places, starts), found


def _skip_failing_cells(cells: Cells, spans: list[tuple[int, int]]) -> list[Diagnostic]:
    """SC101 for each cell that is not valid Python on its own, whose lines are blanked
    in ``cells.lines`` (Jupyter runs the others)."""
    found = []
    lines = cells.lines
    for first, end in spans:
        try:
            ast.parse("".join(lines[first:end]), filename=cells.path or "<notebook>")
            continue
        except SyntaxError as e:
            line, column = min(e.lineno or 1, end - first), e.offset or 1
            message = f"not valid Python: {e.msg}; the cell is skipped"
        except (RecursionError, MemoryError, ValueError):
            line, column, message = 1, 1, "the cell is nested too deeply to parse; it is skipped"
        # e.offset counts characters: the Location wants ast's bytes
        at = first + max(line, 1) - 1
        byte = len(lines[at][:column - 1].encode("utf-8")) + 1 if at < end else 1
        found.append(make("SC101", message, cells.location(at + 1, byte),
                          hint="Jupyter runs the other cells and so does shapecheck; fix the syntax"))
        lines[first:end] = ["\n"] * (end - first)
    return found


def _cells(data: Any) -> list[tuple[int, list[tuple[str, int]]]] | None:
    """Each code cell's number (1-based, every cell counted) and its source pieces:
    (text, file offset of the JSON string holding it)."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("cells"), list):
        cells, key = data["cells"], "source"
    elif isinstance(data.get("worksheets"), list):  # nbformat 3: the code is "input"
        cells = [c for ws in data["worksheets"] if isinstance(ws, dict) and isinstance(ws.get("cells"), list)
                 for c in ws["cells"]]
        key = "input"
    else:
        return None
    out = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get(key)
        if isinstance(source, str):
            out.append((number, [(source, _offset(cell, key))]))
        elif isinstance(source, list):
            pieces = [(s, _offset(source, i)) for i, s in enumerate(source) if isinstance(s, str)]
            out.append((number, pieces))
    return out


def _offset(node: Any, key: Any) -> tuple[int, int] | None:
    """The (line, column) the located reader gives a value (its opening quote)."""
    loc = None
    if isinstance(node, LocDict):
        loc = node.value_locs.get(key)
    elif isinstance(node, LocList) and isinstance(key, int) and key < len(getattr(node, "item_locs", ())):
        loc = node.item_locs[key]
    return (loc.line, loc.column) if loc is not None and loc.line else None


def _lines(text: str | None, pieces: list[tuple[str, Any]], starts: list[int] | None
           ) -> list[tuple[str, Sequence[int]]]:
    """The cell's code split into lines (each keeping its line break), each with the
    file offset of every character (none for a piece the reader gave no place, or with
    no file)."""
    out: list[tuple[str, Sequence[int]]] = []
    line, offsets = "", []  # type: ignore[var-annotated]
    for value, at in pieces:
        where = range(0) if at is None or text is None or starts is None else \
            _char_offsets(text, starts[at[0] - 1] + at[1] - 1, len(value))
        begin = 0
        for m in _BREAK.finditer(value):
            out.append((line + value[begin:m.end()], _joined(offsets, where[begin:m.end()])))
            line, offsets, begin = "", [], m.end()
        line, offsets = line + value[begin:], _joined(offsets, where[begin:])
    if line:
        out.append((line, offsets))
    return out


def _joined(offsets: Sequence[int], more: Sequence[int]) -> Sequence[int]:
    """A line's offsets so far and more: a range kept as it is when it is all (a line
    of one JSON string without escapes, the usual line: no list of its offsets)."""
    return more if not offsets else [*offsets, *more]


def _char_offsets(text: str, quote: int, count: int) -> Sequence[int]:
    """The file offset of each of the ``count`` characters a JSON string literal
    starting at ``quote`` decodes to: escapes take 2 or 6 characters of the file (12
    for a surrogate pair)."""
    if text[quote:quote + 1] != '"':  # not where a string starts: the reader's place
        return [quote] * count
    end = text.find('"', quote + 1)
    # the usual line: plain characters, perhaps its line break (\n) last
    if end >= 0 and "\\" not in text[quote + 1:end - 2] and \
            (text[end - 2:end] == "\\n" and end - quote - 2 == count or
             "\\" not in text[end - 2:end] and end - quote - 1 == count):
        return range(quote + 1, quote + 1 + count)
    out, i = [], quote + 1
    while len(out) < count and i < len(text):
        out.append(i)
        if text[i] != "\\":
            i += 1
        elif text[i + 1:i + 2] != "u":
            i += 2
        else:
            high = 0xD800 <= int(text[i + 2:i + 6], 16) <= 0xDBFF
            i += 12 if high and text[i + 6:i + 8] == "\\u" else 6
    return out + [i] * (count - len(out))


def _unmagic(lines: list[tuple[str, Sequence[int]]]) -> None:
    """IPython's own syntax, made the Python a static reader follows (see the module)."""
    if not lines:
        return
    first = lines[0][0]
    if first.startswith("%%"):
        magic = first[2:].split(None, 1)[0] if first[2:].strip() else ""
        if magic not in PYTHON_CELL_MAGICS:  # not Python: the cell is left out
            lines[:] = [(_kept_break(line, ""), offsets) for line, offsets in lines]
            return
        lines[0] = (_kept_break(first, ""), lines[0][1])  # its body runs
    depth = 0  # inside brackets, a line is part of a statement, never a magic
    for i, (line, offsets) in enumerate(lines):
        if depth == 0 and line.strip():
            value = _MAGIC_VALUE.match(line)
            if value:
                lines[i] = (_kept_break(line, value.group(1) + "None"), offsets)
            elif _MAGIC_LINE.match(line):
                indent = line[:len(line) - len(line.lstrip())]
                lines[i] = (_kept_break(line, indent + "pass"), offsets)
        depth = max(0, depth + _bracket_change(lines[i][0]))


def _kept_break(line: str, body: str) -> str:
    """``body`` with ``line``'s line break."""
    return body + line[len(line.rstrip("\r\n")):]


_BRACKETS = re.compile(r"""#.*|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|[(\[{]|[)\]}]""")


def _bracket_change(line: str) -> int:
    """How many more brackets the line opens than it closes (strings and comments
    skipped): a magic is only ever a line of its own."""
    change = 0
    for m in _BRACKETS.finditer(line):
        ch = m.group()
        change += 1 if ch in "([{" else -1 if ch in ")]}" else 0
    return change


def _column(line: str, byte: int) -> int:
    """The character index of a UTF-8 byte offset into ``line`` (ast counts bytes)."""
    return byte if line.isascii() else len(line.encode("utf-8")[:byte].decode("utf-8", "ignore"))


def _file_position(offsets: Sequence[int], index: int, starts: list[int]) -> tuple[int, int]:
    """The 1-based file line and column of character ``index`` of a program line (past
    its end: as far past its last character)."""
    if not offsets:
        return 1, 1
    at = offsets[index] if index < len(offsets) else offsets[-1] + index - len(offsets) + 1
    line = bisect.bisect_right(starts, at)
    return line, at - starts[line - 1] + 1
