"""Quick fixes: findings whose hint is a concrete edit, as pure functions from a report,
one of its diagnostics and the document's spans to text edits. No editor is needed to
test them: apply the edits to the text and analyse it again.

- SC301 after a recurrent layer without ``return_sequences`` (the stacked-LSTM mistake):
  turn it on where the layer is built (``return_sequences=True`` in Python, ``true`` in a
  spec or config), on the wrapped layer of a Bidirectional.
- SC402, an argument name that is one typo from one the layer takes, and SC401, a layer
  type one typo from a known class: the name the hint offers, in a spec or config.
- SC407 in Python source, a keyword argument the rule does not know that is very close
  to one it takes (``retrun_sequences=``): Python code is read leniently, as a file Keras
  wrote, so the finding is a warning; the fix is offered, not preferred.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from ..diagnostics import Diagnostic, Finding, Location
from ..records import record
from ..report import Report
from ..rules.recurrent import CELLS
from ..spec import LayerConfig
from .spans import Span, Spans


@record
class Edit:
    span: Span
    new_text: str


@record
class Fix:
    title: str
    edits: tuple[Edit, ...]
    preferred: bool = True  # the editor may apply a preferred fix without asking which


def fixes(report: Report, diag: Diagnostic, spans: Spans,
          holds: Callable[[Location], bool] = lambda loc: True) -> tuple[Fix, ...]:
    """The quick fixes for one finding of ``report``; none when its hint is no edit, or
    when the layer to edit is not in the document ``spans`` covers (``holds``: another
    cell of a notebook is a document of its own)."""
    if diag.code == "SC301":
        found = [fix for cfg in recurrent_producers(report, diag.layer)
                 if holds(cfg.location) and (fix := return_sequences_fix(cfg, spans)) is not None]
        return tuple(found[:1])
    if diag.code in ("SC401", "SC402") and spans.python:
        fix = keyword_typo_fix(diag, spans) if diag.code == "SC402" else class_typo_fix(diag, spans)
        return () if fix is None else (fix,)
    if diag.code in ("SC401", "SC402"):
        fix = typo_fix(report, diag, spans)
        return () if fix is None else (fix,)
    if diag.code == "SC407" and spans.python:
        return python_keyword_fixes(report, diag, spans)
    return ()


def recurrent_producers(report: Report, layer: str | None) -> list[LayerConfig]:
    """The recurrent layers (wrapped ones too) without ``return_sequences`` that feed
    ``layer``: the ones the engine's SC301 hint names."""
    if not layer:
        return []
    out = []
    for edge in report.edges:
        if edge.target.split("@")[0] != layer:
            continue
        source = report.layers.get(edge.source.split("@")[0])
        cfg = source.config if source is not None else None
        if cfg is None:
            continue
        rnn = cfg if cfg.type in CELLS else cfg.nested.get("layer") if cfg.type == "Bidirectional" else None
        if rnn is not None and rnn.type in CELLS and not rnn.args.get("return_sequences", False):
            out.append(rnn)
    return out


def return_sequences_fix(rnn: LayerConfig, spans: Spans) -> Fix | None:
    title = f"Set return_sequences on {rnn.name!r} ({rnn.type}): keep the time axis"
    true = "True" if spans.python else "true"
    if "return_sequences" in rnn.value_locations and not spans.python:
        # Written as false (Keras's configs always write it): the value is the edit.
        return Fix(title, (Edit(spans.of(rnn.value_locations["return_sequences"]), true),))
    if spans.python:
        call = _constructor(rnn, spans)
        if call is None:
            return None
        written = next((k for k in call.keywords if k.arg == "return_sequences"), None)
        if written is not None:
            return Fix(title, (Edit(_node(spans, written.value), true),))
        if call.args or call.keywords:
            last = max([*call.args, *call.keywords], key=lambda n: (n.end_lineno, n.end_col_offset))
            end = _node(spans, last)
            return Fix(title, (Edit(Span(end.end_line, end.end_char, end.end_line, end.end_char),
                                    ", return_sequences=True"),))
        whole = _node(spans, call)  # LSTM(): inside the parentheses
        return Fix(title, (Edit(Span(whole.end_line, whole.end_char - 1, whole.end_line, whole.end_char - 1),
                                "return_sequences=True"),))
    entry = spans.layer(rnn.location)
    opening = spans.line_text(entry.start_line)[entry.start_char:entry.start_char + 1]
    if opening == "{":  # a flow mapping: before its closing brace
        at = Span(entry.end_line, entry.end_char - 1, entry.end_line, entry.end_char - 1)
        return Fix(title, (Edit(at, ", return_sequences: true"),))
    if opening == "[" or spans.line_text(0).lstrip().startswith(("{", "[")):
        return None  # JSON without the key: Keras never writes one
    at = Span(entry.end_line, entry.end_char, entry.end_line, entry.end_char)
    return Fix(title, (Edit(at, "\n" + " " * entry.start_char + "return_sequences: true"),))


def _constructor(rnn: LayerConfig, spans: Spans) -> ast.Call | None:
    """The call that builds ``rnn`` at (or inside) the node its location points at:
    ``layers.LSTM(64)`` in ``layers.LSTM(64)(x)`` or ``Bidirectional(LSTM(64))``."""
    tops = spans.nodes_at(rnn.location)
    for top in tops:
        for node in ast.walk(top):
            if isinstance(node, ast.Call) and _called_name(node.func) == rnn.type:
                return node
    # `first = layers.LSTM(64)` then `x = first(inputs)`: the location is the call of the
    # object; its constructor is the last assignment to that name before it.
    named = [t.func.id for t in tops if isinstance(t, ast.Call) and isinstance(t.func, ast.Name)]
    if not named or spans.tree is None:
        return None
    built = [node.value for node in ast.walk(spans.tree)
             if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
             and _called_name(node.value.func) == rnn.type and node.lineno <= (rnn.location.line or 0)
             and any(isinstance(t, ast.Name) and t.id == named[0] for t in node.targets)]
    return max(built, key=lambda n: n.lineno) if built else None


def _called_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _node(spans: Spans, node: ast.AST) -> Span:
    return spans.node_span(node)


# The engine's hint for a name one typo away: "did you mean 'units'?"
_GUESS = re.compile(r"did you mean '([A-Za-z_][\w.>]*)'\?")


def typo_fix(report: Report, diag: Diagnostic, spans: Spans) -> Fix | None:
    """Replace a misspelt argument name (SC402, at its key) or layer type (SC401, at its
    value) with the one the hint offers, when the text there is the misspelt name."""
    m = _GUESS.search(diag.hint or "")
    layer = report.layers.get(diag.layer or "")
    if m is None or layer is None or layer.config is None or spans.python:
        return None
    cfg, guess = layer.config, m.group(1)
    if diag.code == "SC401":
        loc, wrong = cfg.where("type", value=True), cfg.type
    else:
        loc = diag.location
        span = spans.of(loc)
        wrong = spans.line_text(span.start_line)[span.start_char:span.end_char].strip("\"'")
        if wrong not in cfg.args:
            return None
    span = spans.of(loc)
    written = spans.line_text(span.start_line)[span.start_char:span.end_char]
    if written.strip("\"'") != wrong:
        return None
    quote = written[0] if written[:1] in ("'", '"') else ""
    return Fix(f"Change {wrong!r} to {guess!r}", (Edit(span, f"{quote}{guess}{quote}"),))


def keyword_typo_fix(diag: Diagnostic, spans: Spans) -> Fix | None:
    """A keyword argument Keras 3 refuses (SC402 in Python source, at the keyword) that is
    a typo of one the constructor takes: the hint's guess, offered, not preferred."""
    m = _GUESS.search(diag.hint or "")
    keyword = next((n for n in spans.nodes_at(diag.location) if isinstance(n, ast.keyword) and n.arg), None)
    if m is None or keyword is None:
        return None
    at = spans.node_span(keyword)
    span = Span(at.start_line, at.start_char, at.start_line, at.start_char + len(keyword.arg))
    return Fix(f"Change {keyword.arg!r} to {m.group(1)!r}", (Edit(span, m.group(1)),), preferred=False)


def class_typo_fix(diag: Diagnostic, spans: Spans) -> Fix | None:
    """``layers.Densse(3)`` (SC401 in Python source, at the call): the class the hint
    names, written where the misspelt one is."""
    m = _GUESS.search(diag.hint or "")
    call = next((n for n in spans.nodes_at(diag.location)  # layers.X(3), not layers.X(3)(x)
                 if isinstance(n, ast.Call) and isinstance(n.func, (ast.Attribute, ast.Name))), None)
    if m is None or call is None:
        return None
    end = spans.node_span(call.func)
    wrong = _called_name(call.func) or ""
    span = Span(end.end_line, end.end_char - len(wrong), end.end_line, end.end_char)
    return Fix(f"Change {wrong!r} to {m.group(1)!r}", (Edit(span, m.group(1)),))


# How close a keyword must be to one the rule takes to be called a typo: a Keras argument
# the rule does not read (SC407's usual cause) is rarely this close to one it does.
_KEYWORD_CUTOFF = 0.85


def python_keyword_fixes(report: Report, diag: Diagnostic, spans: Spans) -> tuple[Fix, ...]:
    import difflib

    from ..rules.registry import BASE_ACCEPTS, lookup

    layer = report.layers.get(diag.layer or "")
    cfg = layer.config if layer is not None else None
    if cfg is None:
        return ()
    try:
        rule = lookup(cfg.type)
    except Finding:  # no rule for the class: nothing to compare the name with
        return ()
    known = [*rule.args, *rule.accepts, *BASE_ACCEPTS]
    call = _constructor(cfg, spans)
    if call is None:
        return ()
    out = []
    for keyword in call.keywords:
        if keyword.arg is None or keyword.arg in known or f"{keyword.arg!r}" not in diag.message:
            continue
        close = difflib.get_close_matches(keyword.arg, known, n=1, cutoff=_KEYWORD_CUTOFF)
        if close:
            start = spans.node_span(keyword)
            out.append(Fix(f"Change {keyword.arg!r} to {close[0]!r}", (Edit(Span(
                start.start_line, start.start_char, start.start_line, start.start_char + len(keyword.arg)),
                close[0]),), preferred=False))
    return tuple(out)
