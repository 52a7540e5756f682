"""Checking many files, on every core: each file's part of the output is made where the
file is analysed (a report is too big to send between processes: pickling the 14
keras.applications' reports took longer than analysing them), and the parts are put
together in the order of the files, so the output and the exit code are those of one
process.

Forked workers are used only where they pay: on Linux (``fork``: the workers start with
everything imported), with more than one core allowed, and for enough work
(``MIN_FILES`` files, or ``MIN_BYTES`` of them), and not inside pre-commit, whose
batches already run on every core. ``--jobs N`` or ``SHAPECHECK_JOBS=N`` sets the
number of processes, this one included; 1 checks every file in this one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence

from ..records import record
from .common import clip

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: At least this many files, or this many bytes of them, before a pool is worth its start.
MIN_FILES = 24
MIN_BYTES = 1 << 20
JOBS_ENV = "SHAPECHECK_JOBS"


@record
class Options:
    """What making a file's part of the output needs besides the file."""

    dims: dict
    custom: Any
    layout: str
    severity: dict
    fmt: str  # "text" or "json"
    color: bool
    explain: bool
    quiet: bool
    judge: frozenset[str] = frozenset()  # checked only if their content holds a model


@record
class Part:
    """One report, made into its part of the output: the text in lines, joined when
    written (None when it prints nothing: quiet and clean), and what the summary and
    the exit code count."""

    text: list[str] | None
    errors: int
    warnings: int
    has_findings: bool
    ok: bool
    # text output: each finding's place and severity, in the order of its line among the
    # text's last lines (``without_repeats``)
    said: tuple[tuple[Any, str], ...] = ()


@record
class Outcome:
    """What checking one file gave: its parts, or why it could not be read (the command
    stops there) or crashed (the command goes on, and exits 2)."""

    parts: tuple[Part, ...] = ()
    os_error: str | None = None
    crash: str | None = None


def part_of(report: Any, opts: Options) -> Part:
    """The report after ``--layout`` and the severities, made into its part."""
    from ..diagnostics import Severity

    if opts.layout != "keras" and report.layers:
        from ..layouts import relayout

        report = relayout(report, opts.layout)
    if opts.severity:
        from ..config import apply_severity

        report = apply_severity(report, opts.severity)
    if opts.fmt == "json":
        from ..output.json_format import file_entry

        text: list[str] | None = [file_entry(report)]
    elif opts.quiet:
        from ..output.text import Style, diagnostic_line

        text = [diagnostic_line(d, report.path, Style(opts.color)) for d in report.diagnostics] \
            if report.diagnostics else None
    else:
        from ..output.text import render_lines

        text = render_lines(report, color=opts.color, explain=opts.explain)
    warnings = sum(1 for d in report.diagnostics if d.severity is Severity.WARNING)
    said = tuple((finding_key(d, report.path), d.severity.value) for d in report.diagnostics) \
        if opts.fmt == "text" else ()
    return Part(text, len(report.errors), warnings, bool(report.diagnostics), report.ok, said)


def finding_key(d: Any, path: str | None) -> tuple | None:
    """What makes two findings one: the place and the code. A module that two checked files
    import (``train.py`` and ``model.py`` itself) gives its finding in both reports, its
    values perhaps differing (``units`` there, 32 here); the line to fix is one."""
    loc = d.location
    if loc.line is None:
        return None
    return os.path.normpath(loc.path or path or ""), loc.line, loc.column, d.code


def _first_said(keys: Sequence[tuple | None], seen: set) -> list[bool]:
    """For each finding's key, whether it is said here for the first time (a finding
    without a place always is); ``seen`` takes the new ones."""
    fresh = []
    for key in keys:
        fresh.append(key is None or key not in seen)
        seen.add(key)
    return fresh


def without_repeats(parts: Sequence[Part]) -> list[Part]:
    """The parts with each finding said once, where it is first said: a later part drops
    the lines of findings said before (its last lines) and counts only the rest."""
    seen: set = set()
    out = []
    for part in parts:
        fresh = _first_said([key for key, _ in part.said], seen)
        if all(fresh):
            out.append(part)
            continue
        text = part.text or []  # it has findings, so it has their lines
        start = len(text) - len(part.said)
        lines = text[:start] + [line for line, new in zip(text[start:], fresh) if new]
        kept = tuple(said for said, new in zip(part.said, fresh) if new)
        if not kept and lines and lines[-1] == "":  # the blank line before the findings
            lines.pop()
        errors = sum(1 for _, s in kept if s == "error")
        warnings = sum(1 for _, s in kept if s == "warning")
        out.append(Part(lines or None, errors, warnings, bool(kept), not errors, kept))
    return out


def reports_without_repeats(reports: Sequence[Any]) -> list:
    """``without_repeats`` for the formats written from the reports themselves."""
    from ..records import replace

    seen: set = set()
    out = []
    for report in reports:
        fresh = _first_said([finding_key(d, report.path) for d in report.diagnostics], seen)
        if not all(fresh):
            report = replace(report, diagnostics=tuple(d for d, new in zip(report.diagnostics, fresh) if new))
        out.append(report)
    return out


def check_one(path: str, opts: Options, as_reports: bool = False) -> Outcome | list:
    """Analyse one file: an ``Outcome`` of parts, or (``as_reports``) the reports
    themselves, for the formats that are written from all of them at once."""
    from ..api import PYTHON_SUFFIXES, analyze_file, analyze_python, is_model_file

    try:
        if path in opts.judge and not is_model_file(path):
            return [] if as_reports else Outcome()  # not a model: no part, not counted
        if path.endswith(PYTHON_SUFFIXES):  # a file may build several models: a report each
            reports = analyze_python(path, opts.dims, opts.custom)
            if path in opts.judge:
                reports = _models_only(reports)
        else:
            reports = [analyze_file(path, opts.dims, opts.custom)]
        if as_reports:
            return reports
        return Outcome(tuple(part_of(r, opts) for r in reports))
    except OSError as e:
        return Outcome(os_error=f"shapecheck: error: {path}: {e.strerror or e}")
    except Exception as e:  # a bug of ours: say so plainly, keep checking the rest
        return Outcome(crash=f"shapecheck: internal error on {path}: {type(e).__name__}: {clip(str(e))} "
                       "(this is a shapecheck bug; please report it with the file)")


def _models_only(reports: list) -> list:
    """A Python file in a folder or a hook's batch is judged by whether it imports Keras;
    one that does and builds no model (a data loader, a training loop) is no model file:
    its SC102 is dropped, and with nothing else to say it is not counted, as a file
    without Keras is not."""
    from ..records import replace

    out = []
    for report in reports:
        if not report.layers and any(d.code == "SC102" for d in report.diagnostics):
            report = replace(report, diagnostics=tuple(d for d in report.diagnostics if d.code != "SC102"))
            if not report.diagnostics:
                continue
        out.append(report)
    return out


def job_count(asked: int | None, paths: Sequence[str]) -> int:
    """How many processes check ``paths``: 1 unless a pool pays (see the module)."""
    if asked is None:
        env = os.environ.get(JOBS_ENV, "").strip()
        if not env and os.environ.get("PRE_COMMIT") == "1":
            # pre-commit already runs its batches of files on every core, one process
            # each: a pool inside each batch only competes with the others (measured
            # slower on 500 specs).
            return 1
        asked = int(env) if env.isdigit() else 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    jobs = min(asked or cores, cores if not asked else asked, len(paths))
    if jobs <= 1 or not sys.platform.startswith("linux"):
        return 1
    if len(paths) >= MIN_FILES:
        return jobs
    return jobs if _bytes(paths) >= MIN_BYTES else 1


def _bytes(paths: Sequence[str]) -> int:
    """The files' sizes added up; one that cannot be read counts as empty (its error
    comes when it is checked)."""
    total = 0
    for p in paths:
        try:
            total += os.path.getsize(p)
        except OSError:
            pass
    return total


def outcomes(paths: list[str], opts: Options, jobs: int) -> Iterator[Outcome]:
    """Each file's outcome, in the order of ``paths``; with ``jobs`` > 1 from this process
    and ``jobs - 1`` forked ones, which share runs of neighbouring files between them."""
    if jobs <= 1:
        for p in paths:
            yield check_one(p, opts)  # type: ignore[misc]
        return
    # Small chunks: whoever draws the last one keeps the others waiting for it, and a
    # chunk costs one read from a pipe. Small runs: a big file and a small one balance out.
    per = max(1, min(8, (len(paths) - 1) // (jobs * 16)), -(-(len(paths) - 1) // _MAX_CHUNKS))
    # One file is checked here, before the fork: what analysing needs is imported once
    # (the readers, the rules, sympy: a fifth of a second), not once in every process.
    # Few files (a file a chunk, see job_count) are big ones, weighed anyway to be drawn
    # the biggest first: the smallest is the one, as the others wait for it (14
    # keras.applications: VGG16's 21 KB, not ConvNeXtTiny's 134 KB: 5% of the run).
    first = min(range(len(paths)), key=lambda i: _bytes([paths[i]])) if per == 1 else 0
    ahead = check_one(paths[first], opts)
    rest = paths[:first] + paths[first + 1:]
    chunks = [rest[i:i + per] for i in range(0, len(rest), per)]
    got = _shared(chunks, opts, jobs, largest_first(chunks) if per == 1 else range(len(chunks)))
    done = [got.get(k) for k in range(len(chunks))]
    # its place among the files: a chunk a file, or (chunks of several) the first
    chunks.insert(first, [paths[first]])
    done.insert(first, [ahead])  # type: ignore[list-item]
    for chunk, outs in zip(chunks, done):
        yield from outs if outs is not None else (check_one(p, opts) for p in chunk)  # type: ignore[misc]


# The queue of chunk numbers is written whole into a pipe before anyone reads it: it
# must fit the pipe's buffer (64 KiB on Linux), 4 bytes a chunk.
_MAX_CHUNKS = 8192


def _shared(chunks: list[list[str]], opts: Options, jobs: int, order: Sequence[int]
            ) -> dict[int, list[Outcome]]:
    """Check the chunks in this process and ``jobs - 1`` forked ones; each takes the next
    chunk number, in ``order``, from one pipe (a read of 4 bytes from a pipe is never
    split between readers), so a process that drew small files takes more.

    A worker appends each chunk's outcomes, pickled, to a memory file as it finishes the
    chunk (its pickling is done while this process still checks files), then writes one
    byte into a pipe of its own. This process reads the outcomes when the byte comes,
    while the worker's exit (the system freeing its memory) goes on beside it. A worker
    that died closes its pipe without the byte and leaves its chunks out of the result:
    the caller checks them itself. Without multiprocessing: its import and its pool's
    threads cost more than 500 small specs take to check on a second core, and its
    parent only waits."""
    queue_out, queue_in = os.pipe()
    os.write(queue_in, b"".join(i.to_bytes(4, "little") for i in order))
    os.close(queue_in)  # an empty queue reads as its end
    running: list[tuple[int, int, int]] = []  # (pid, its memory file, the pipe its byte comes by)
    fds = [queue_out]
    try:
        for _ in range(jobs - 1):
            try:
                memory = os.memfd_create("shapecheck-outcomes")
                fds.append(memory)
                done_out, done_in = os.pipe()
                fds.append(done_out)
                pid = os.fork()
            except OSError:  # no more processes or files allowed: fewer workers
                break
            if pid == 0:  # the worker: nothing of the parent's runs on its way out
                code = 1
                try:
                    _drain(queue_out, chunks, opts, memory)
                    os.write(done_in, b"\1")
                    code = 0
                finally:
                    os._exit(code)
            os.close(done_in)
            running.append((pid, memory, done_out))
        if running:  # to read their outcomes: imported while they work, not after
            _pickle()
        got = _drain(queue_out, chunks, opts)
        while running:
            pid, memory, done = running[0]
            if os.read(done, 1):  # its byte; nothing if it died first
                got.update(outcomes_in(memory))
            running.pop(0)  # done or dead: it exits by itself, and is no longer one to kill
            os.waitpid(pid, 0)
        return got
    finally:
        for pid, _, _ in running:  # interrupted: no worker outlives the command
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        for fd in fds:
            os.close(fd)


def largest_first(chunks: list[list[str]]) -> list[int]:
    """The chunks' numbers, the most bytes first: a big file drawn last would keep one
    process working while the others wait (the 14 keras.applications end with two of
    the biggest)."""
    sizes = [_bytes(c) for c in chunks]
    return sorted(range(len(chunks)), key=lambda i: -sizes[i])


def _drain(queue: int, chunks: list[list[str]], opts: Options, memory: int | None = None
           ) -> dict[int, list[Outcome]]:
    """Check the chunks whose numbers this process draws from ``queue``: their outcomes
    by number, or (a worker's, ``memory`` given) none, each chunk's appended to
    ``memory`` as it is done."""
    done: dict[int, list[Outcome]] = {}
    while (number := os.read(queue, 4)):
        i = int.from_bytes(number, "little")
        got = [check_one(p, opts) for p in chunks[i]]
        if memory is None:
            done[i] = got  # type: ignore[assignment]
        else:
            append_outcomes(memory, i, got)  # type: ignore[arg-type]
    return done


def append_outcomes(memory: int, number: int, outcomes: list[Outcome]) -> None:
    _write_all(memory, _pickle().dumps((number, outcomes), -1))  # -1: the highest protocol


def outcomes_in(memory: int) -> dict[int, list[Outcome]]:
    """The outcomes ``append_outcomes`` wrote into ``memory``, by chunk number. Each
    pickle is read with an unpickler of its own: one unpickler reading them all would
    keep the first one's memo, and a later pickle's references to its own objects
    would find the first one's."""
    import io

    data, load = _read_all(memory), _pickle().load
    stream = io.BytesIO(data)
    got = {}
    while stream.tell() < len(data):
        number, outcomes = load(stream)
        got[number] = outcomes
    return got


def _pickle():
    """pickle's C functions. ``import pickle`` runs its pure-Python twin's module too (2 ms,
    against 0.6 for ``_pickle`` alone), in the command and in every worker, while they
    share the files (500 specs: the run 0.9 ms shorter, in 190)."""
    try:
        import _pickle as pickle
    except ImportError:  # a Python without the C module
        import pickle  # type: ignore[no-redef]
    return pickle


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_all(fd: int) -> bytes:
    """The file's bytes, read at once (its size asked first): not in pieces then joined,
    a second copy of megabytes of outcomes, made while the command's output waits."""
    size, parts, at = os.fstat(fd).st_size, [], 0
    while at < size and (part := os.pread(fd, size - at, at)):
        parts.append(part)
        at += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def summary_of(parts: Sequence[Part], summary: Callable[[int, int, int, int], str]) -> str:
    errors = sum(p.errors for p in parts)
    warnings = sum(p.warnings for p in parts)
    bad = sum(1 for p in parts if p.errors or (not errors and p.has_findings))
    return summary(errors, warnings, bad, len(parts))
