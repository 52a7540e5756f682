"""Timing child processes on a noisy, shared machine.

Each contestant is a command run in a fresh process; contestants that are compared
run interleaved, round after round (the order alternating), so a burst of load from
elsewhere hits both sides alike. Results are medians, and comparisons are ratios: the
median, over the rounds, of the ratio within each round.
"""

from __future__ import annotations

import os
import re
import site
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child_env(**extra: str) -> dict[str, str]:
    """The environment of every child: shapecheck importable from this work tree (the
    console script of an editable install may point elsewhere), TensorFlow's C++ logs
    off, no Python hash randomness in timings, and bytecode written: an installed
    package (Keras, or shapecheck from PyPI) is byte-compiled at install, and a machine
    that sets PYTHONDONTWRITEBYTECODE would otherwise have shapecheck's work tree
    compiled from source in every process (half its import time)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONHASHSEED"] = "0"
    env.update(extra)
    return env


# The console script pip writes for ``[project.scripts]`` (pip's own template).
_CONSOLE_SCRIPT = """#!{python}
# -*- coding: utf-8 -*-
import re
import sys
from {module} import {function}
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit({function}())
"""


def child_python(folder: Path) -> str:
    """The interpreter every child runs: this Python in a virtual environment of its own
    (``folder``) that sees the runner's installed packages through path lines only, with
    shapecheck's console script beside it. An editable install of shapecheck (``pip
    install -e``, the README's test set-up) adds an import hook to site-packages that
    every Python started there runs first (pathlib and more: 15 ms of a 25 ms ``python -c
    pass``); an installed shapecheck has none, and the children import shapecheck from
    the work tree anyway (``child_env``)."""
    python = folder / "bin" / "python"
    purelib = Path(sysconfig.get_paths(vars={"base": str(folder), "platbase": str(folder)})["purelib"])
    lines = "".join(f"{p}\n" for p in site.getsitepackages())
    pth = purelib / "_runner_packages.pth"
    if not python.exists() or not pth.exists() or pth.read_text() != lines:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--clear", str(folder)], check=True)
        purelib.mkdir(parents=True, exist_ok=True)
        pth.write_text(lines)
    target = re.search(r'^shapecheck\s*=\s*"([\w.]+):(\w+)"', (ROOT / "pyproject.toml").read_text(), re.M)
    assert target, "pyproject.toml declares the shapecheck console script"
    script = folder / "bin" / "shapecheck"
    script.write_text(_CONSOLE_SCRIPT.format(python=python, module=target[1], function=target[2]))
    script.chmod(0o755)
    return str(python)


@dataclass
class Sample:
    wall: float  # seconds
    peak_kib: int  # the child's peak resident set (ru_maxrss)
    code: int
    stdout: str = ""


def run(cmd: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None, capture: bool = False,
        ok_codes: tuple[int, ...] = (0,)) -> Sample:
    """Run ``cmd`` once: its wall time, its own peak memory (from wait4, so nothing else
    on the machine counts), its exit code. Output goes to /dev/null unless captured."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env or child_env(), stdin=subprocess.DEVNULL,
                                stdout=out if capture else subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read().decode(errors="replace") if capture else ""
        if proc.returncode not in ok_codes:
            tail = err.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(cmd)[:300]} exited {proc.returncode}:\n{tail}")
    return Sample(wall, usage.ru_maxrss, proc.returncode, text)


@dataclass
class Contest:
    """Several contestants, each a command, measured in interleaved rounds."""

    commands: dict[str, list[str]]
    rounds: int
    env: dict[str, str] | None = None
    cwd: Path = ROOT
    ok_codes: tuple[int, ...] = (0,)
    samples: dict[str, list[Sample]] = field(default_factory=dict)

    def measure(self, warmup: bool = True, progress: str = "") -> Contest:
        names = list(self.commands)
        if warmup:  # bytecode compiled, files in the page cache: what a second run sees
            for name in names:
                run(self.commands[name], self.cwd, self.env, ok_codes=self.ok_codes)
        self.samples = {name: [] for name in names}
        for r in range(self.rounds):
            for name in names if r % 2 == 0 else reversed(names):
                self.samples[name].append(run(self.commands[name], self.cwd, self.env,
                                              ok_codes=self.ok_codes))
            if progress:
                print(f"  {progress}: round {r + 1}/{self.rounds}", file=sys.stderr, flush=True)
        return self

    def median(self, name: str) -> float:
        return statistics.median(s.wall for s in self.samples[name])

    def peak_mib(self, name: str) -> float:
        return max(s.peak_kib for s in self.samples[name]) / 1024

    def ratio(self, slow: str, fast: str) -> float:
        """How many times ``fast`` is faster than ``slow``: the median of the ratios of
        the two within each round."""
        return statistics.median(a.wall / b.wall for a, b in zip(self.samples[slow], self.samples[fast]))

    def spread(self, name: str) -> str:
        walls = [s.wall for s in self.samples[name]]
        return f"{min(walls):.2f}-{max(walls):.2f}"


def median_of(values: list[float]) -> float:
    return statistics.median(values)
