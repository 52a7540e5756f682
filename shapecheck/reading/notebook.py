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
    cells.tree                                 # the ast of every code cell, positions of the file
"""

from __future__ import annotations

import ast
import bisect
import re

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
    """A notebook's code cells as one program. ``tree`` holds every cell that is valid
    Python, its nodes placed where the notebook file has them; ``source`` is the
    program's text (for what the reader judges on the text: the Keras dialect)."""

    path: str | None
    source: str
    tree: ast.Module
    # the file line of each of its lines -> [(first file column, cell, cell line, first
    # cell column)], so a position of the file names its cell (``cell_at``)
    cells_by_line: dict

    def location(self, line: int | None, column: int | None) -> Location:
        """The notebook location of a 1-based file line and column (the tree's)."""
        return Location(self.path, line, column, cell=self.cell_at(line, column))

    def cell_at(self, line: int | None, column: int | None) -> tuple[int, int, int] | None:
        """(cell number, line in the cell, column in it), each 1-based; cells counted as
        the notebook shows them, Markdown ones too."""
        spans = self.cells_by_line.get(line)
        if not spans:
            return None
        column = column or 1
        i = max(0, bisect.bisect_right([s[0] for s in spans], column) - 1)
        start, cell, cell_line, cell_column = spans[i]
        return cell, cell_line, cell_column + max(0, column - start)


def read(text: str, path: str | None) -> tuple[Cells | None, list[Diagnostic]]:
    """The notebook's code cells (None, and why, for a file that is no notebook)."""
    data, found = located_text.load(text, path, json=True)
    if data is None:
        return None, found
    cells = _cells(data)
    if cells is None:
        return None, [make("SC101", "not a Jupyter notebook: no `cells` list (nbformat 4) or "
                           "`worksheets` (3)", Location(path, 1, 1),
                           hint="is this the notebook file? shapecheck reads the .ipynb files "
                           "Jupyter writes")]
    code_size = sum(len(value) for _, pieces in cells for value, _ in pieces)
    if code_size > MAX_SOURCE_BYTES:
        return None, [make("SC108", f"the notebook's code cells hold {code_size:,} characters, over the "
                           f"{MAX_SOURCE_BYTES:,} a model's code may have; it was not read",
                           Location(path, 1, 1))]
    starts = [0] + [m.end() for m in _BREAK.finditer(text)]
    lines: list[str] = []  # the program, line by line
    places: list[tuple[int, list[int]]] = []  # each line's cell number and characters' file offsets
    body: list[ast.stmt] = []
    for number, pieces in cells:
        cell_lines = _lines(text, pieces, starts)
        _unmagic(cell_lines)
        try:
            cell_tree = ast.parse("".join(line for line, _ in cell_lines), filename=path or "<notebook>")
        except SyntaxError as e:
            line, column = e.lineno or 1, e.offset or 1
            found.append(make("SC101", f"not valid Python: {e.msg}; the cell is skipped",
                              _where(cell_lines, line, column, starts, path, number),
                              hint="Jupyter runs the other cells and so does shapecheck; fix the syntax"))
            continue
        except (RecursionError, MemoryError, ValueError):
            found.append(make("SC101", "the cell is nested too deeply to parse; it is skipped",
                              _where(cell_lines, 1, 1, starts, path, number)))
            continue
        ast.increment_lineno(cell_tree, len(lines))
        body.extend(cell_tree.body)
        lines.extend(line if line.endswith(("\n", "\r")) else line + "\n" for line, _ in cell_lines)
        places.extend((number, offsets) for _, offsets in cell_lines)
    tree = ast.Module(body=body, type_ignores=[])
    return Cells(path, "".join(lines), tree, _place(tree, lines, places, starts)), found


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


def _lines(text: str, pieces: list[tuple[str, Any]], starts: list[int]) -> list[tuple[str, list[int]]]:
    """The cell's code split into lines (each keeping its line break), each with the
    file offset of every character (a piece the reader gave no place: the file's start)."""
    out: list[tuple[str, list[int]]] = []
    line, offsets = "", []  # type: ignore[var-annotated]
    for value, at in pieces:
        where = [0] * len(value) if at is None else \
            _char_offsets(text, starts[at[0] - 1] + at[1] - 1, len(value))
        begin = 0
        for m in _BREAK.finditer(value):
            out.append((line + value[begin:m.end()], offsets + where[begin:m.end()]))
            line, offsets, begin = "", [], m.end()
        line, offsets = line + value[begin:], offsets + where[begin:]
    if line:
        out.append((line, offsets))
    return out


def _char_offsets(text: str, quote: int, count: int) -> list[int]:
    """The file offset of each of the ``count`` characters a JSON string literal
    starting at ``quote`` decodes to: escapes take 2 or 6 characters of the file (12
    for a surrogate pair)."""
    if text[quote:quote + 1] != '"':  # not where a string starts: the reader's place
        return [quote] * count
    end = text.find('"', quote + 1)
    if end >= 0 and "\\" not in text[quote + 1:end] and end - quote - 1 == count:
        return list(range(quote + 1, end))
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


def _unmagic(lines: list[tuple[str, list[int]]]) -> None:
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


def _file_position(offsets: list[int], index: int, starts: list[int]) -> tuple[int, int]:
    """The 1-based file line and column of character ``index`` of a program line (past
    its end: as far past its last character)."""
    if not offsets:
        return 1, 1
    at = offsets[index] if index < len(offsets) else offsets[-1] + index - len(offsets) + 1
    line = bisect.bisect_right(starts, at)
    return line, at - starts[line - 1] + 1


def _where(cell_lines: list[tuple[str, list[int]]], line: int, column: int, starts: list[int],
           path: str | None, number: int) -> Location:
    """The Location of a cell's 1-based line and column."""
    offsets = cell_lines[min(line, len(cell_lines)) - 1][1] if cell_lines else []
    return Location(path, *_file_position(offsets, column - 1, starts), cell=(number, line, column))


def _place(tree: ast.Module, lines: list[str], places: list[tuple[int, list[int]]],
           starts: list[int]) -> dict:
    """Move every node of ``tree`` from its program position to the file's (columns
    stored 0-based, as ast stores them); returns ``Cells.cells_by_line``."""
    by_line: dict[int, list[tuple[int, int, int, int]]] = {}
    previous, cell_line = None, 0
    for number, offsets in places:
        cell_line = cell_line + 1 if number == previous else 1
        previous = number
        # a run of characters the file holds side by side is one span; an escape (\")
        # starts another, so a column after it still finds its cell column
        for i, at in enumerate(offsets):
            if i == 0 or at != offsets[i - 1] + 1:
                line, column = _file_position(offsets, i, starts)
                by_line.setdefault(line, []).append((column, number, cell_line, i + 1))
    for spans in by_line.values():
        spans.sort()

    def moved(lineno: int, byte: int) -> tuple[int, int]:
        k = min(max(lineno - 1, 0), len(lines) - 1)
        line, column = _file_position(places[k][1], _column(lines[k], byte), starts)
        return line, column - 1

    for node in ast.walk(tree):
        if getattr(node, "lineno", None) is not None:
            node.lineno, node.col_offset = moved(node.lineno, node.col_offset)
            if getattr(node, "end_lineno", None) is not None:
                node.end_lineno, node.end_col_offset = moved(node.end_lineno, node.end_col_offset)
    return by_line
