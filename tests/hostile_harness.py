"""Run shapecheck on untrusted files in a child process that watches what it does.

Shared by tests/test_hostile_files.py (hostile Keras files) and
tests/test_hostile_specs.py (hostile specs and configs).  Each file is analysed three
ways in the child: ``shapecheck.analyze(path)``, ``cli.main([path, "--format",
"json"])`` and ``cli.main([path])`` (text), each timed, under an audit hook
(``sys.addaudithook``) armed only around those calls, with the child's address
space capped (``resource.setrlimit(RLIMIT_AS)``) when asked.

What the hook records (any record fails the test):

* always: an open for writing, a process spawn (``os.system``, ``os.exec*``,
  ``os.spawn*``, ``os.posix_spawn``, ``os.fork``, ``subprocess.*``), ``marshal.loads``
  and ``code.__new__`` outside the import system (a record class, made when its module
  is imported, copies a compiled ``__init__``), ``pickle.find_class``, ``socket.*``,
  ``ctypes.*``, ``shutil.*``, ``tempfile.*``, ``http.*``, ``urllib.Request``, file
  removal or renaming, and any import of Keras, TensorFlow, torch, jax, dill,
  cloudpickle or the booby-trapped module ``shapecheck_evil_mod``;
* with ``strict=True`` also: ``exec`` and ``compile`` outside the import system
  (``eval`` raises ``exec``), and the import of any module that was not already
  imported when the hook was armed, except shapecheck's own lazy modules and
  standard-library modules that load nothing from the input (not ``pickle``,
  ``marshal``, ``subprocess``, ``socket``, ``ctypes``, ``multiprocessing``, ``code``,
  ``runpy``, ``shelve``...), and more submodules of a third-party package already
  loaded (SymPy loads parts of itself lazily; running anything they hold would still
  show as exec, compile or one of the events above).  Before arming, the child imports shapecheck, its CLI,
  every rule family, PyYAML, NetworkX and SymPy, and analyses a small spec with a
  named size, so a lazy import during the analysis is rare and always visible.

A child that dies (a crash, a segfault, a timeout) on a case is reported on that
case, and a new child carries on with the rest.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r'''
import io, json, os, re, sys, time, traceback
from contextlib import redirect_stderr, redirect_stdout

spec = json.loads(sys.argv[1])
STRICT = spec.get("strict", False)
FORBIDDEN_MODULES = {"keras", "tensorflow", "tf_keras", "tensorflowjs", "torch", "jax",
                     "shapecheck_evil_mod", "dill", "cloudpickle"}
# Standard-library modules that never belong in reading a model, even lazily.
DANGEROUS_STDLIB = {"pickle", "_pickle", "pickletools", "marshal", "subprocess", "_posixsubprocess",
                    "socket", "_socket", "ssl", "ctypes", "_ctypes", "multiprocessing", "code", "codeop",
                    "runpy", "shelve", "dbm", "http", "urllib", "ftplib", "smtplib", "telnetlib",
                    "webbrowser", "pty", "tempfile", "shutil", "importlib", "zipimport", "pdb",
                    "cProfile", "profile", "trace", "asyncio", "concurrent", "threading"}
BAD_EVENTS = {"os.system", "os.fork", "os.forkpty", "os.kill", "os.killpg", "pty.spawn",
              "pickle.find_class", "os.remove", "os.unlink", "os.rename", "os.replace",
              "os.rmdir", "os.mkdir", "os.symlink", "os.link", "os.truncate", "os.chmod",
              "os.chown", "os.utime", "os.putenv", "os.unsetenv", "os.chdir", "urllib.Request",
              "webbrowser.open"}
BAD_PREFIXES = ("os.exec", "os.spawn", "os.posix_spawn", "subprocess.", "socket.", "ctypes.",
                "shutil.", "tempfile.", "http.", "ftplib.", "smtplib.", "winreg.")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
state = {"armed": False, "events": [], "known": set()}


def in_import_system():
    f = sys._getframe(2)
    while f is not None:
        if "importlib" in f.f_code.co_filename:
            return True
        f = f.f_back
    return False


def import_allowed(name):
    top = name.split(".")[0]
    if top in FORBIDDEN_MODULES:
        return False
    if not STRICT or name in state["known"] or top == "shapecheck":
        return True
    if top in state["known"] and top not in sys.stdlib_module_names:
        return True  # more of a dependency already loaded (sympy.combinatorics...)
    return top in sys.stdlib_module_names and top not in DANGEROUS_STDLIB


def failure():
    """The traceback, formatted with the hook off (3.11 compiles source for its carets)."""
    armed, state["armed"] = state["armed"], False
    try:
        return traceback.format_exc()[-3000:]
    finally:
        state["armed"] = armed


def hook(event, args):
    if not state["armed"]:
        return
    try:
        if event == "open":
            path, mode, flags = (list(args) + [None, None, None])[:3]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                mode is None and isinstance(flags, int) and flags & WRITE_FLAGS)
            if writing:
                state["events"].append(f"open for writing: {path!r} mode={mode!r} flags={flags!r}")
        elif event == "import":
            if not import_allowed(str(args[0])):
                state["events"].append(f"import {args[0]}")
        elif event in ("marshal.loads", "marshal.load", "code.__new__"):
            if not in_import_system():
                state["events"].append(f"{event} called from {sys._getframe(1).f_code.co_filename}")
        elif STRICT and event in ("exec", "compile"):
            if not in_import_system():
                state["events"].append(f"{event} called from {sys._getframe(1).f_code.co_filename}:"
                                       f"{sys._getframe(1).f_lineno}")
        elif event in BAD_EVENTS or event.startswith(BAD_PREFIXES):
            state["events"].append(f"{event} {str(args)[:200]}")
    except Exception as e:  # never let the hook itself break the analysis
        state["events"].append(f"hook error on {event}: {e!r}")


def maxrss_mb():
    try:
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    except Exception:
        return 0.0


import shapecheck  # noqa: E402
import shapecheck.cli  # noqa: E402
import shapecheck.output.json_format  # noqa: E402
import shapecheck.output.text  # noqa: E402
import shapecheck.rules  # noqa: E402
for name in ("h5py", "numpy", "zipfile", "yaml", "sympy", "networkx", "difflib"):
    try:
        __import__(name)
    except ImportError:
        pass
shapecheck.analyze({"inputs": {"x": [None, 3]}, "layers": [{"type": "Dense", "units": 2}]})  # warm up
shapecheck.analyze({"inputs": {"x": [None, "t", 3]}, "layers": [{"type": "LSTM", "units": 2}]})

if spec.get("memory_cap_mb"):
    try:
        import resource
        with open("/proc/self/status") as fh:
            vm = [int(l.split()[1]) * 1024 for l in fh if l.startswith("VmSize:")][0]
        cap = vm + spec["memory_cap_mb"] * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except Exception as e:
        print("@@NOTE no memory cap: " + repr(e), flush=True)

DIAG_LINE = re.compile(r"^(.*):(\d+):(\d+): (SC\d{3}) ")
state["known"] = set(sys.modules)
sys.addaudithook(hook)
for name, path in spec["cases"]:
    print("@@START " + name, flush=True)
    res = {"name": name, "exception": None, "cli_exception": None}
    rss0 = maxrss_mb()
    state["events"] = []
    state["armed"] = True
    t0 = time.perf_counter()
    try:
        rep = shapecheck.analyze(path)
        d = rep.to_dict()
        res.update(ok=rep.ok, format=d["format"], outputs=d.get("outputs"),
                   diagnostics=[{k: x[k] for k in ("severity", "code", "message", "layer", "line", "column")}
                                for x in d["diagnostics"]][:200])
    except BaseException:
        res["exception"] = failure()
    res["seconds"] = time.perf_counter() - t0
    out, err = io.StringIO(), io.StringIO()
    t1 = time.perf_counter()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            res["cli_code"] = shapecheck.cli.main([path, "--format", "json"])
        doc = json.loads(out.getvalue())
        res["cli_ok"] = [f["ok"] for f in doc["files"]]
    except BaseException:
        res["cli_exception"] = failure()
    res["cli_seconds"] = time.perf_counter() - t1
    res["cli_stderr"] = err.getvalue()[-2000:]
    if spec.get("text_cli"):
        out, err = io.StringIO(), io.StringIO()
        t2 = time.perf_counter()
        try:
            with redirect_stdout(out), redirect_stderr(err):
                res["text_code"] = shapecheck.cli.main([path])
            lines = [l for l in out.getvalue().splitlines() if l.startswith(path + ":")]
            res["text_diag_lines"] = [l[:300] for l in lines[:20]]
            res["text_diag_lines_ok"] = all(DIAG_LINE.match(l) for l in lines)
        except BaseException:
            res["cli_exception"] = (res["cli_exception"] or "") + failure()
        res["text_seconds"] = time.perf_counter() - t2
        res["text_stderr"] = err.getvalue()[-2000:]
    state["armed"] = False
    res["events"] = state["events"][:50]
    res["rss_growth_mb"] = maxrss_mb() - rss0
    res["forbidden_modules"] = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN_MODULES)
    print("@@RESULT " + json.dumps(res, default=str), flush=True)
print("@@DONE", flush=True)
'''


def run_child(cases: list[tuple[str, Path]], workdir: Path, evil_dir: Path | None = None, *, timeout: float,
              memory_cap_mb: int | None = None, strict: bool = False, text_cli: bool = False
              ) -> dict[str, dict]:
    """Analyse ``cases`` in a child process; {name: result}.  When the child dies
    (a crash, a timeout) on a case, that case's result says so and a new child
    carries on with the rest.  ``evil_dir`` goes first on the child's PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*([str(evil_dir)] if evil_dir else []), str(REPO),
                                         env.get("PYTHONPATH", "")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["NO_COLOR"] = "1"
    results: dict[str, dict] = {}
    todo = list(cases)
    while todo:
        spec = {"cases": [[n, str(p)] for n, p in todo], "memory_cap_mb": memory_cap_mb, "strict": strict,
                "text_cli": text_cli}
        try:
            proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(spec)], cwd=workdir, env=env,
                                  capture_output=True, text=True, timeout=timeout)
            stdout, stderr, why = proc.stdout, proc.stderr, f"child exited with {proc.returncode}"
        except subprocess.TimeoutExpired as e:
            stdout = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            stderr = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
            why = f"child timed out after {timeout} s"
        started = None
        for line in stdout.splitlines():
            if line.startswith("@@START "):
                started = line[8:]
            elif line.startswith("@@RESULT "):
                r = json.loads(line[9:])
                results[r["name"]] = r
        names = [n for n, _ in todo]
        if started is None or started not in names or started in results:
            for n in names:  # died before or after every case: report it on all left
                results.setdefault(n, {"name": n, "exception": f"{why}; stderr: {stderr[-3000:]}",
                                       "events": [], "forbidden_modules": []})
            break
        results[started] = {"name": started, "events": [], "forbidden_modules": [],
                            "exception": f"{why} while analysing this file; stderr: {stderr[-3000:]}"}
        todo = [(n, p) for n, p in todo if n not in results]
    return results


def snapshot(root: Path) -> dict[str, tuple]:
    """Every file and folder under ``root`` with its mode, size and mtime."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            try:
                st = p.lstat()
            except FileNotFoundError:
                continue
            out[str(p.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return out


_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\s+File \".*\", line \d+", re.M)


def check_common(r: dict) -> list[str]:
    """What no file may cause: an exception out of analyze or the CLI, a forbidden
    action, a forbidden import, an internal error or a traceback on stderr."""
    problems = []
    if r.get("exception"):
        problems.append(f"analyze raised:\n{r['exception']}")
    if r.get("cli_exception"):
        problems.append(f"cli.main raised:\n{r['cli_exception']}")
    if r.get("events"):
        problems.append(f"forbidden actions during the analysis: {r['events']}")
    if r.get("forbidden_modules"):
        problems.append(f"imported: {r['forbidden_modules']}")
    for key in ("cli_stderr", "text_stderr"):
        text = r.get(key) or ""
        if "internal error" in text or _TRACEBACK.search(text):
            problems.append(f"{key}: {text}")
    return problems
