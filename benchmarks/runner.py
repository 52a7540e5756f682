"""``python -m benchmarks``: shapecheck and Keras side by side on this machine (issues 7
and 20), with the floor beside every workload: a bare Python that starts and parses the
same inputs (``json``, PyYAML's C loader, ``ast``), measured in the same rounds.

Sections (all by default; ``--sections a,c`` picks some):

a. cold start on the seed model: shapecheck (spec, Keras JSON, Python source) vs Keras
   building the model from its JSON and printing its summary, and vs running the
   seed's Python file with Keras, each in a fresh process;
b. throughput: 14 keras.applications configs in one shapecheck call (JSON and text
   output) vs Keras building them in one process; and per model, in warm processes;
c. scaling: generated specs of 1,000 to 100,000 layers (chains; wide graphs with many
   merges), over a symbolic time axis: time, peak memory, growth per 10x layers;
d. many files: 500 small specs on every core vs in one process, one call and through
   pre-commit's batches; a folder of 100 against its floor;
e. Python source: a keras.io-sized example and a generated 5,000-layer model file vs
   running each with Keras;
f. the language server: re-analysis of the (e) example after an edit, warm, with the
   diagnostics and inlay hints it sends;
g. import time of shapecheck (``-X importtime``), with the heaviest imports named.

Every comparison is a ratio of medians over interleaved rounds (``harness``). The
report goes to ``benchmarks/RESULTS.md`` with a log-log plot of time against layers.
Inputs are generated under ``benchmarks/.cache/`` (ignored by git).
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from . import generate
from .harness import ROOT, Contest, child_env, child_python, run

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
PY = child_python(CACHE / "venv")
SEED_SPEC = ROOT / "specs" / "seed_bilstm.yaml"

KERAS_SUMMARY = ("import sys, keras\n"
                 "with open(sys.argv[1]) as f:\n"
                 "    keras.models.model_from_json(f.read()).summary()")
KERAS_BUILD = ("import sys, keras\n"
               "for path in sys.argv[1:]:\n"
               "    keras.backend.clear_session()\n"
               "    with open(path) as f:\n"
               "        keras.models.model_from_json(f.read())")

# Running a model file with Keras. A functional model thousands of layers deep is
# deeper than Keras's recursive graph walk can go with Python's default limits: the
# file runs in a thread with a large stack and a high recursion limit.
KERAS_RUN = ("import runpy, sys, threading\n"
             "sys.setrecursionlimit(100_000)\n"
             "threading.stack_size(512 * 2**20)\n"
             "failed = []\n"
             "def main():\n"
             "    try:\n"
             "        runpy.run_path(sys.argv[1], run_name='__main__')\n"
             "    except BaseException as e:\n"
             "        failed.append(e)\n"
             "        raise\n"
             "thread = threading.Thread(target=main)\n"
             "thread.start()\n"
             "thread.join()\n"
             "sys.exit(1 if failed else 0)")

# The floor: a bare Python that starts and parses the same inputs, nothing else.
FLOOR_JSON = ("import sys, json\n"
              "for path in sys.argv[1:]:\n"
              "    with open(path, 'rb') as f:\n"
              "        json.loads(f.read())")
# libyaml refuses a bare `?` in a flow sequence (`[?, t, 12]`, which PyYAML's Python
# parser reads as {None: None}): the floor reads it as `null`, the same document.
FLOOR_YAML = ("import sys, yaml\n"
              "loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)\n"
              "for path in sys.argv[1:]:\n"
              "    with open(path, encoding='utf-8') as f:\n"
              "        yaml.load(f.read().replace('[?,', '[null,'), Loader=loader)")
FLOOR_AST = ("import sys, ast\n"
             "for path in sys.argv[1:]:\n"
             "    with open(path, 'rb') as f:\n"
             "        ast.parse(f.read())")

# The targets of issue 20.
TARGET_COLD = 50  # Keras / shapecheck
TARGET_THROUGHPUT = 50
TARGET_FLOOR = 2.5  # shapecheck / floor, on the 14 applications and a folder of 100 specs
TARGET_GROWTH = 10.5
TARGET_PEAK_MIB = 400
TARGET_CORES = 1.7  # one process / every core, on 500 specs
TARGET_EXAMPLE_S = 0.2
TARGET_GENERATED_S = 3.0
TARGET_LSP_MS = 100  # the language server's re-analysis after an edit, warm
PY_SEED = ROOT / "tests" / "corpus" / "python" / "own" / "seed_bilstm.py"
GENERATED_LAYERS = 5_000


class Settings:
    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.cold_rounds = 3 if quick else 7
        self.throughput_rounds = 2 if quick else 5
        self.sizes = (1_000, 10_000) if quick else (1_000, 10_000, 100_000)
        self.scaling_rounds = 3 if quick else 5  # every size of a kind, interleaved
        self.files = 100 if quick else 500
        # two short runs' ratio on a shared machine: medians of 7 rounds moved by 0.05
        self.files_rounds = 3 if quick else 15
        self.import_rounds = 3 if quick else 7
        self.folder_small = 100
        self.python_rounds = 3 if quick else 7
        self.generated_rounds = 1 if quick else 3
        self.lsp_rounds = 10 if quick else 40


def sc(*args: str | Path) -> list[str]:
    """shapecheck as a fresh process: the console script, as a user runs it."""
    return [str(Path(PY).parent / "shapecheck"), *map(str, args)]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --- inputs ---------------------------------------------------------------------------

def keras_inputs() -> tuple[Path, list[Path]]:
    """The seed's and the applications' Keras JSON, generated once by Keras itself."""
    out = CACHE / "keras"
    seed = out / "seed_bilstm.json"
    apps = [out / "apps" / f"{name}.json" for name in generate.APPLICATIONS]
    if not seed.exists() or not all(p.exists() for p in apps):
        log("generating the Keras configs with Keras (weights=None)...")
        run([PY, "-m", "benchmarks.generate", "keras", str(out)])
    return seed, apps


def custom_layers_config() -> Path:
    """ConvNeXt's LayerScale and InceptionResNetV2's CustomScaleLayer are classes of
    keras.applications, not Keras layers: declared as docs/custom-layers.md gives them."""
    text = (ROOT / "docs" / "custom-layers.md").read_text()
    block = re.findall(r"```toml\n(.*?)```", text, re.S)[0]
    # Not named pyproject.toml: shapecheck finds that name in the folders above the one it
    # runs in, and the runs of (d), in a repository inside the cache, read it as their
    # project's configuration (a TOML parse and custom-layer rules in every process).
    path = CACHE / "custom-layers.toml"
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / "pyproject.toml").unlink(missing_ok=True)  # where earlier runs wrote it
    if not path.exists() or path.read_text() != block:
        path.write_text(block)
    return path


# --- sections ---------------------------------------------------------------------------

def cold_start(s: Settings) -> dict:
    seed_json, _ = keras_inputs()
    contest = Contest({
        "shapecheck seed_bilstm.yaml": sc(SEED_SPEC),
        "shapecheck seed_bilstm.json": sc(seed_json),
        "shapecheck seed_bilstm.py": sc(PY_SEED),
        "Keras: model_from_json + summary": [PY, "-c", KERAS_SUMMARY, str(seed_json)],
        "Keras: python seed_bilstm.py": [PY, str(PY_SEED)],
        "floor: parse seed_bilstm.yaml": [PY, "-c", FLOOR_YAML, str(SEED_SPEC)],
        "floor: parse seed_bilstm.json": [PY, "-c", FLOOR_JSON, str(seed_json)],
        "floor: parse seed_bilstm.py": [PY, "-c", FLOOR_AST, str(PY_SEED)],
        "python -c pass": [PY, "-c", "pass"],
    }, s.cold_rounds).measure(progress="cold start")
    keras, run_py = "Keras: model_from_json + summary", "Keras: python seed_bilstm.py"
    out = {"contest": contest}
    for kind, slow in (("yaml", keras), ("json", keras), ("py", run_py)):
        mine = f"shapecheck seed_bilstm.{kind}"
        out[f"ratio_{kind}"] = contest.ratio(slow, mine)
        out[f"floor_{kind}"] = contest.ratio(mine, f"floor: parse seed_bilstm.{kind}")
    return out


def throughput(s: Settings) -> dict:
    _, apps = keras_inputs()
    config = custom_layers_config()
    keras, floor = "Keras, 14 models built in one process", "floor: parse the 14 configs"
    contest = Contest({
        "shapecheck, 14 configs in one call, JSON output": sc("--config", config, "--format", "json", *apps),
        "shapecheck, 14 configs in one call, text output": sc("--config", config, *apps),
        keras: [PY, "-c", KERAS_BUILD, *map(str, apps)],
        floor: [PY, "-c", FLOOR_JSON, *map(str, apps)],
    }, s.throughput_rounds).measure(progress="throughput")
    ratios = {kind: contest.ratio(keras, f"shapecheck, 14 configs in one call, {kind} output")
              for kind in ("JSON", "text")}
    floors = {kind: contest.ratio(f"shapecheck, 14 configs in one call, {kind} output", floor)
              for kind in ("JSON", "text")}
    # Per model, in warm processes (imports done): where each side spends its time.
    per_sc: dict[str, list[float]] = {}
    per_keras: dict[str, list[float]] = {}
    for r in range(max(2, s.throughput_rounds // 2)):
        log(f"  throughput per model: round {r + 1}")
        for times, cmd in ((per_sc, [PY, "-m", "benchmarks.child", "shapecheck", "--config", str(config)]),
                           (per_keras, [PY, "-m", "benchmarks.child", "keras"])):
            got = json.loads(run(cmd + [str(p) for p in apps], capture=True).stdout.splitlines()[-1])
            for path, t in got.items():
                times.setdefault(Path(path).stem, []).append(t)
    models = [{"model": p.stem, "kib": p.stat().st_size / 1024,
               "sc": statistics.median(per_sc[p.stem]), "keras": statistics.median(per_keras[p.stem])}
              for p in apps]
    return {"contest": contest, "ratios": ratios, "floors": floors, "models": models,
            "mib": sum(p.stat().st_size for p in apps) / 2**20}


def scaling(s: Settings) -> dict:
    """Each kind's sizes in the same interleaved rounds, so that a growth (time at 10n /
    time at n) is the median of the two sizes' ratios within each round: the runs of a
    100,000-layer spec take minutes, long enough for the shared machine's speed to
    change between sizes measured one after the other."""
    specs = generate.write_scaling_specs(CACHE / "scaling", s.sizes)
    rows, growth = [], []
    for kind in ("chain", "wide"):
        paths = {n: path for (k, n), path in sorted(specs.items()) if k == kind}
        sizes = list(paths)
        log(f"  scaling: {kind} " + ", ".join(f"{n:,} layers ({p.stat().st_size / 2**20:.1f} MiB)"
                                             for n, p in paths.items()) + f", {s.scaling_rounds} rounds")
        for n in sizes[:-1]:  # compiled, in the page cache; the largest is too slow to run twice
            run(sc(paths[n]))
        contest = Contest({f"{what} {n}": cmd for n, p in paths.items()
                           for what, cmd in (("cli", sc(p)), ("floor", [PY, "-c", FLOOR_YAML, str(p)]))},
                          s.scaling_rounds).measure(warmup=False, progress=f"scaling {kind}")
        inner: dict[int, list[float]] = {n: [] for n in sizes}
        for r in range(s.scaling_rounds):
            for n in sizes if r % 2 == 0 else reversed(sizes):
                out = run([PY, "-m", "benchmarks.child", "shapecheck", str(paths[n])], capture=True)
                inner[n].append(json.loads(out.stdout.splitlines()[-1])[str(paths[n])])
        for n, path in paths.items():
            rows.append({"kind": kind, "layers": n, "mib": path.stat().st_size / 2**20,
                         "wall": contest.median(f"cli {n}"), "peak_mib": contest.peak_mib(f"cli {n}"),
                         "floor": contest.median(f"floor {n}"),
                         "floor_ratio": contest.ratio(f"cli {n}", f"floor {n}"),
                         "analysis": statistics.median(inner[n]), "spread": contest.spread(f"cli {n}")})
        for a, b in zip(sizes, sizes[1:]):
            growth.append({"kind": kind, "from": a, "to": b, "wall": contest.ratio(f"cli {b}", f"cli {a}"),
                           "analysis": statistics.median(y / x for x, y in zip(inner[a], inner[b]))})
    return {"rows": rows, "growth": growth}


def many_files(s: Settings) -> dict:
    folder = CACHE / "small"
    if folder.exists():
        shutil.rmtree(folder)
    paths = generate.write_small_specs(folder, s.files)
    repo = precommit_repo(paths)
    hook_env = child_env(PRE_COMMIT_HOME=str(CACHE / "pre-commit-home"))
    hook_env.pop("SHAPECHECK_JOBS", None)
    # On the PATH, or beside the runner's Python (a virtual environment not activated).
    beside = str(Path(sys.executable).parent)
    precommit = shutil.which("pre-commit") or shutil.which("pre-commit", path=beside)
    n = len(paths)
    every, one = f"shapecheck, {n} specs in one call (every core)", f"shapecheck --jobs 1, {n} specs"
    commands = {every: sc("models"), one: sc("--jobs", "1", "models")}
    if precommit:
        commands[f"pre-commit run --all-files ({n} specs)"] = [precommit, "run", "--all-files"]
        commands[NOOP] = [precommit, "run", "--all-files", "--config", NOOP_CONFIG]
    commands[f"floor: parse the {n} specs"] = [PY, "-c", FLOOR_YAML, *map(str, paths)]
    small = paths[:s.folder_small]
    (repo / "hundred").mkdir()
    for p in small:
        shutil.copy(p, repo / "hundred" / p.name)
    hundred = f"shapecheck, a folder of {len(small)} specs"
    hundred_floor = f"floor: parse the {len(small)} specs"
    commands[hundred] = sc("hundred")
    commands[hundred_floor] = [PY, "-c", FLOOR_YAML, *(str(repo / "hundred" / p.name) for p in small)]
    contest = Contest(commands, s.files_rounds, env=hook_env, cwd=repo).measure(progress="many files")
    out = {"contest": contest, "count": n, "small": len(small), "has_precommit": bool(precommit),
           "cores": contest.ratio(one, every),
           "floor_all": contest.ratio(every, f"floor: parse the {n} specs"),
           "floor_small": contest.ratio(hundred, hundred_floor)}
    if precommit:
        hook = f"pre-commit run --all-files ({n} specs)"
        out["hook"] = contest.ratio(one, hook)
        out["noop"] = contest.median(NOOP)
        # What the batches themselves take: the run less pre-commit's own, round by round.
        out["hook_net"] = statistics.median(
            o.wall / max(h.wall - q.wall, 1e-3)
            for o, h, q in zip(contest.samples[one], contest.samples[hook], contest.samples[NOOP]))
    return out


def python_source(s: Settings) -> dict:
    """A keras.io-sized example, cold, and a generated 5,000-layer file; each beside
    running it with Keras (import TensorFlow/Keras, build the model) and its floor."""
    files = generate.write_python_sources(CACHE / "python", GENERATED_LAYERS)
    out = {}
    for key, rounds in (("example", s.python_rounds), ("generated", s.generated_rounds)):
        path = files[key]
        mine, keras = f"shapecheck {path.name}", f"Keras: python {path.name}"
        floor = f"floor: parse {path.name}"
        contest = Contest({mine: sc(path), keras: [PY, "-c", KERAS_RUN, str(path)],
                           floor: [PY, "-c", FLOOR_AST, str(path)]},
                          rounds, cwd=path.parent).measure(warmup=key == "example",
                                                           progress=f"python source ({key})")
        out[key] = {"contest": contest, "name": mine, "time": contest.median(mine),
                    "keras": contest.ratio(keras, mine), "floor": contest.ratio(mine, floor),
                    "lines": path.read_text().count("\n")}
    return out


# (f) in one warm process, as the server's worker runs: the document's text is edited
# (a number changed, as a user types), analysed again and turned into what the editor
# is sent (diagnostics, inlay hints); the floor parses the same text with ast.
LSP_EDITS = r"""
import ast, json, re, statistics, sys, time
from shapecheck.lsp import convert
from shapecheck.lsp.document import reanalyze
path, rounds = sys.argv[1], int(sys.argv[2])
text = open(path).read()
first = reanalyze(text, path)  # warm: imports done, caches filled
number = re.compile(r"\b(\d+)\b")
ours, floor = [], []
for i in range(rounds):
    edited = number.sub(lambda m: str(int(m.group(1)) + (i % 2)), text, count=1)
    start = time.perf_counter()
    analysis = reanalyze(edited, path)
    convert.diagnostics(analysis, "file://" + path)
    convert.inlay_hints(analysis, 0, edited.count("\n") + 1)
    ours.append(time.perf_counter() - start)
    start = time.perf_counter()
    ast.parse(edited)
    floor.append(time.perf_counter() - start)
print(json.dumps({"ours": ours, "floor": floor, "layers": sum(len(r.layers) for r in first.reports),
                  "models": len(first.reports)}))
"""


def language_server(s: Settings) -> dict:
    """(f): re-analysis of the keras.io-sized example after an edit, warm, as the
    language server's worker does it, with the diagnostics and inlay hints made."""
    files = generate.write_python_sources(CACHE / "python", GENERATED_LAYERS)
    path = files["example"]
    proc = subprocess.run([PY, "-c", LSP_EDITS, str(path), str(s.lsp_rounds)], env=child_env(),
                          capture_output=True, text=True, check=True)
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    ours, floor = statistics.median(data["ours"]), statistics.median(data["floor"])
    return {"median": ours, "max": max(data["ours"]), "min": min(data["ours"]), "floor": floor,
            "ratio": statistics.median(a / b for a, b in zip(data["ours"], data["floor"])),
            "rounds": len(data["ours"]), "layers": data["layers"], "models": data["models"],
            "name": path.name}


NOOP_CONFIG = ".pre-commit-noop.yaml"
NOOP = "pre-commit run --all-files, the hook doing nothing"


def precommit_repo(paths: list[Path]) -> Path:
    """A git repository of the small specs and a few unrelated YAML/JSON files, with the
    hook of .pre-commit-hooks.yaml as a local hook (the console script of ``child_python``)."""
    import yaml

    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    entry = hook["entry"].split()
    assert entry[0] == "shapecheck", hook["entry"]
    repo = CACHE / "precommit-repo"
    if repo.exists():
        shutil.rmtree(repo)
    (repo / "models").mkdir(parents=True)
    for p in paths:
        shutil.copy(p, repo / "models" / p.name)
    (repo / "package.json").write_text('{"name": "demo", "version": "1.0.0"}\n')
    (repo / "ci.yaml").write_text("on: push\njobs:\n  test: {runs-on: ubuntu-latest}\n")
    config = {"repos": [{"repo": "local", "hooks": [{
        "id": hook["id"], "name": hook["name"], "entry": " ".join([*sc(), *entry[1:]]),
        "language": "system", "files": hook["files"], "types": hook["types"],
    }]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    # The same hook doing nothing: what pre-commit itself takes (its start, git, the batches).
    config["repos"][0]["hooks"][0]["entry"] = "true"
    (repo / NOOP_CONFIG).write_text(yaml.safe_dump(config, sort_keys=False))
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "models"]):
        subprocess.run(git + cmd, cwd=repo, check=True, stdout=subprocess.DEVNULL)
    return repo


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def import_time(s: Settings) -> dict:
    """``-X importtime`` of the CLI module and of a whole run on the seed: the total, the
    time per top-level package, the heaviest single modules."""
    out = {}
    # A spec that computes with its named size (a valid Conv1D shortens t): sympy's import.
    conv = CACHE / "conv_t.yaml"
    CACHE.mkdir(parents=True, exist_ok=True)
    conv.write_text("inputs: {x: [?, t, 16]}\nlayers:\n  - {type: Conv1D, filters: 8, kernel_size: 3}\n")
    for label, cmd in (("import shapecheck.cli", [PY, "-X", "importtime", "-c", "import shapecheck.cli"]),
                       ("shapecheck specs/seed_bilstm.yaml",
                        [PY, "-X", "importtime", *sc(SEED_SPEC)]),
                       ("shapecheck conv_t.yaml (a Conv1D computes t - 2)",
                        [PY, "-X", "importtime", *sc(conv)])):
        totals, by_package, by_module = [], {}, {}
        for _ in range(s.import_rounds):
            err = subprocess.run(cmd, cwd=ROOT, env=child_env(), capture_output=True, text=True).stderr
            total, packages, modules = 0, {}, {}
            for line in err.splitlines():
                m = _IMPORT_LINE.match(line)
                if not m:
                    continue
                own, name = int(m.group(1)), m.group(4)
                total += own
                top = name.split(".")[0]
                packages[top] = packages.get(top, 0) + own
                modules[name] = own
            totals.append(total / 1e6)
            for k, v in packages.items():
                by_package.setdefault(k, []).append(v / 1e6)
            for k, v in modules.items():
                by_module.setdefault(k, []).append(v / 1e6)
        med = {k: statistics.median(v + [0.0] * (s.import_rounds - len(v))) for k, v in by_package.items()}
        mods = {k: statistics.median(v + [0.0] * (s.import_rounds - len(v))) for k, v in by_module.items()}
        out[label] = {"total": statistics.median(totals),
                      "packages": sorted(med.items(), key=lambda kv: -kv[1])[:8],
                      "modules": sorted(mods.items(), key=lambda kv: -kv[1])[:6]}
    return out


# --- the report --------------------------------------------------------------------------

def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kib / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        pass

    def version(*dists: str) -> str:
        for d in dists:
            try:
                return metadata.version(d)
            except metadata.PackageNotFoundError:
                continue
        return "not installed"

    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram": ram, "load": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
        "python": platform.python_version(), "shapecheck": _shapecheck_version(),
        "keras": version("keras"), "tensorflow": version("tensorflow-cpu", "tensorflow"),
        "sympy": version("sympy"), "networkx": version("networkx"), "pyyaml": version("PyYAML"),
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "commit": _git("rev-parse", "--short", "HEAD"), "dirty": bool(_git("status", "--porcelain",
                                                                           "--", "shapecheck")),
    }


def _shapecheck_version() -> str:
    m = re.search(r'__version__ = "([^"]+)"', (ROOT / "shapecheck" / "version.py").read_text())
    return m.group(1) if m else "?"


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def _times(c: Contest, digits: int = 3) -> list[str]:
    rows = ["| command | median (s) | min-max (s) | peak RSS (MiB) |", "|---|---:|---:|---:|"]
    for name in c.commands:
        rows.append(f"| {name} | {c.median(name):.{digits}f} | {c.spread(name)} | {c.peak_mib(name):.0f} |")
    return rows


def render(results: dict, info: dict, settings: Settings, plot: str | None) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `python -m benchmarks` (see `benchmarks/runner.py`); do not edit by hand.",
        "Every comparison is measured in one run, the sides interleaved round by round; a",
        "ratio is the median over the rounds of (one side's time / the other's), and times",
        "are medians. The machine is shared, so absolute times are noisy; the ratios are the",
        "result. Every side runs as installed packages do: byte-compiled (the runner compiles",
        "shapecheck's work tree first), in a virtual environment that sees the runner's",
        "packages but not an editable install's import hook, with shapecheck's console script",
        "as pip writes it (`harness.child_python`). The *floor* of a workload is a bare Python",
        "that starts and parses the same inputs and does nothing else (`json`, PyYAML's C loader, `ast`):",
        "shapecheck / floor says how much its own work adds to what no tool can avoid.",
        "A child's peak RSS counts the pages it shared with the runner before it started",
        "its program, so a small process reads at least the runner's own size (19 MiB at",
        "the start, more later); the large figures are the children's own.",
        "",
        f"- machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM "
        f"(load average at start {info['load']}, at the end {info.get('load_end', '?')})",
        f"- versions: Python {info['python']}, shapecheck {info['shapecheck']} (commit {info['commit']}"
        f"{', with uncommitted changes' if info['dirty'] else ''}), Keras {info['keras']}, "
        f"TensorFlow {info['tensorflow']}, sympy {info['sympy']}, networkx {info['networkx']}, "
        f"PyYAML {info['pyyaml']}",
        f"- date: {info['date']}{' (quick mode: fewer rounds and sizes)' if settings.quick else ''}",
        "",
    ]
    summary: list[tuple[str, str, str, str, str]] = []
    if "a" in results:
        r = results["a"]
        lines += ["## (a) Cold start: the seed model in a fresh process", "",
                  f"{settings.cold_rounds} interleaved rounds after a warm-up run of each. The seed's "
                  "Python file (`tests/corpus/python/own/seed_bilstm.py`) builds the model and prints "
                  "its summary when Keras runs it.", "", *_times(r["contest"]), "",
                  f"- Keras / shapecheck: spec **{r['ratio_yaml']:.1f}x**, Keras JSON "
                  f"**{r['ratio_json']:.1f}x**, Python source (vs running it) **{r['ratio_py']:.1f}x** "
                  f"(target >= {TARGET_COLD}x)",
                  f"- shapecheck / floor: spec {r['floor_yaml']:.1f}x, JSON {r['floor_json']:.1f}x, "
                  f"Python {r['floor_py']:.1f}x", ""]
        worst = min(r["ratio_yaml"], r["ratio_json"], r["ratio_py"])
        summary.append(("(a) cold start vs Keras: seed spec / seed JSON / seed .py", f">= {TARGET_COLD}x",
                        f"{r['ratio_yaml']:.1f}x / {r['ratio_json']:.1f}x / {r['ratio_py']:.1f}x",
                        f"{r['floor_yaml']:.1f}x / {r['floor_json']:.1f}x / {r['floor_py']:.1f}x",
                        _met(worst >= TARGET_COLD)))
    if "b" in results:
        r = results["b"]
        lines += ["## (b) Throughput: 14 keras.applications configs", "",
                  f"{len(r['models'])} configs, {r['mib']:.1f} MiB of JSON (weights=None, generated by "
                  f"Keras {info['keras']}); {settings.throughput_rounds} interleaved rounds, each side "
                  "one fresh process for all 14. shapecheck gets the custom-layer declarations of "
                  "docs/custom-layers.md (`--config`).", "", *_times(r["contest"], 2), "",
                  f"- Keras / shapecheck: JSON output **{r['ratios']['JSON']:.1f}x**, text output "
                  f"**{r['ratios']['text']:.1f}x** (target >= {TARGET_THROUGHPUT}x)",
                  f"- shapecheck / floor: JSON output **{r['floors']['JSON']:.1f}x**, text output "
                  f"**{r['floors']['text']:.1f}x** (aim <= {TARGET_FLOOR}x)", "",
                  "Per model, inside warm processes (imports done; shapecheck's time is the whole "
                  "CLI run on the file: read, convert, check, render the report):", "",
                  "| model | JSON (KiB) | shapecheck (ms) | Keras model_from_json (ms) | ratio |",
                  "|---|---:|---:|---:|---:|"]
        for m in r["models"]:
            lines.append(f"| {m['model']} | {m['kib']:.0f} | {m['sc'] * 1e3:.0f} | {m['keras'] * 1e3:.0f} "
                         f"| {m['keras'] / m['sc']:.1f}x |")
        tot_sc = sum(m["sc"] for m in r["models"])
        tot_k = sum(m["keras"] for m in r["models"])
        lines += [f"| all | {r['mib'] * 1024:.0f} | {tot_sc * 1e3:.0f} | {tot_k * 1e3:.0f} | "
                  f"{tot_k / tot_sc:.1f}x |", ""]
        floors = f"{r['floors']['JSON']:.1f}x / {r['floors']['text']:.1f}x"
        summary.append(("(b) 14 applications vs Keras, JSON / text output", f">= {TARGET_THROUGHPUT}x",
                        f"{r['ratios']['JSON']:.1f}x / {r['ratios']['text']:.1f}x", floors,
                        _met(min(r["ratios"].values()) >= TARGET_THROUGHPUT)))
        summary.append(("(b) 14 applications, shapecheck / floor", f"<= {TARGET_FLOOR}x", floors, floors,
                        _met(max(r["floors"].values()) <= TARGET_FLOOR)))
    if "c" in results:
        r = results["c"]
        lines += ["## (c) Scaling: generated specs", "",
                  "Chains (Dense, ZeroPadding1D, Conv1D valid and same, LayerNormalization, "
                  "Activation, Dropout, repeated) and wide graphs (blocks of two branches, Add, a "
                  "Concatenate of three with a long skip, Dense), over `x: [?, t, 16]` with `t` "
                  "symbolic. *wall* is `shapecheck FILE` in a fresh process (text report with "
                  "explanations to /dev/null); *analysis* is the same run inside a process whose "
                  "imports are done; peak is the process's maximum RSS; *floor* is PyYAML's C loader "
                  "reading the spec in a fresh process. A kind's sizes run in the same "
                  f"{settings.scaling_rounds} interleaved rounds (wall and floor, then the analysis).", "",
                  "| spec | layers | YAML (MiB) | wall (s) | analysis (s) | peak RSS (MiB) "
                  "| wall min-max (s) | floor (s) | shapecheck / floor |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for row in r["rows"]:
            lines.append(f"| {row['kind']} | {row['layers']:,} | {row['mib']:.1f} | {row['wall']:.2f} | "
                         f"{row['analysis']:.2f} | {row['peak_mib']:.0f} | {row['spread']} | "
                         f"{row['floor']:.2f} | {row['floor_ratio']:.1f}x |")
        lines += ["", "Growth per 10x layers (time at 10n / time at n, the median of that ratio "
                  "within each round):", "",
                  "| spec | layers | wall | analysis |", "|---|---|---:|---:|"]
        for g in r["growth"]:
            lines.append(f"| {g['kind']} | {g['from']:,} -> {g['to']:,} | {g['wall']:.1f}x | "
                         f"{g['analysis']:.1f}x |")
        worst = max(max(g["wall"], g["analysis"]) for g in r["growth"])
        big = [row for row in r["rows"] if row["layers"] == 100_000]
        peak = max((row["peak_mib"] for row in big), default=None)
        big_floor = " / ".join(f"{row['floor_ratio']:.1f}x" for row in big) or "-"
        lines += ["", f"Worst growth per 10x: **{worst:.2f}x** (target <= {TARGET_GROWTH}x)"
                  + (f"; peak at 100,000 layers: **{peak:.0f} MiB** (target <= {TARGET_PEAK_MIB} MiB)"
                     if peak is not None else ""), ""]
        if plot:
            lines += [f"![time against layers, log-log]({plot})", ""]
        summary.append(("(c) growth per 10x layers (1k -> 10k -> 100k)", f"<= {TARGET_GROWTH}x",
                        f"{worst:.2f}x", big_floor, _met(worst <= TARGET_GROWTH)))
        if peak is not None:
            summary.append(("(c) peak memory at 100,000 layers", f"<= {TARGET_PEAK_MIB} MiB",
                            f"{peak:.0f} MiB", "-", _met(peak <= TARGET_PEAK_MIB)))
    if "d" in results:
        r = results["d"]
        lines += [f"## (d) Many files: {r['count']} small specs", "",
                  "Recurrent taggers, small convnets, MLPs and embedding classifiers, 3 to 6 layers "
                  "each, in a folder. shapecheck checks them on every core (the command and "
                  "forked workers, the output in the order of the files) or, with `--jobs 1`, in one "
                  "process. The pre-commit run is a git repository of them (and two unrelated "
                  "YAML/JSON files) with the hook of `.pre-commit-hooks.yaml` as a local hook "
                  "(`shapecheck --only-models --quiet`, run as its console script); pre-commit "
                  "splits the files into batches over the cores. The same hook with `true` as its "
                  "command is what pre-commit itself takes (its start and its git calls); the "
                  "batches' own time is the run less that. "
                  f"{settings.files_rounds} interleaved rounds.", "", *_times(r["contest"], 2), "",
                  f"- one process / every core: one call **{r['cores']:.2f}x**"
                  + (f", pre-commit's batches **{r['hook_net']:.2f}x**: their own time, the run "
                     f"less pre-commit alone (the hook doing nothing: {r['noop']:.2f} s) round by "
                     f"round; the whole pre-commit run {r['hook']:.2f}x" if "hook" in r
                     else " (pre-commit is not installed: its run was skipped)")
                  + f" (target >= {TARGET_CORES}x)",
                  f"- shapecheck / floor: {r['count']} specs on every core {r['floor_all']:.1f}x; "
                  "a folder of "
                  f"{r['small']} **{r['floor_small']:.1f}x** (aim <= {TARGET_FLOOR}x)", ""]
        # pre-commit's batches are judged on their own time: pre-commit's start and its
        # git calls (the no-op hook's run) are the same whatever the hook does.
        hook = f" / {r['hook_net']:.2f}x (whole run {r['hook']:.2f}x)" if "hook" in r else ""
        summary.append((f"(d) {r['count']} specs, one process / every core: one call / pre-commit's "
                        "batches", f">= {TARGET_CORES}x", f"{r['cores']:.2f}x{hook}",
                        f"{r['floor_all']:.1f}x",
                        _met(min(r["cores"], r.get("hook_net", r["cores"])) >= TARGET_CORES)))
        summary.append((f"(d) a folder of {r['small']} specs, shapecheck / floor", f"<= {TARGET_FLOOR}x",
                        f"{r['floor_small']:.1f}x", f"{r['floor_small']:.1f}x",
                        _met(r["floor_small"] <= TARGET_FLOOR)))
    if "e" in results:
        r = results["e"]
        lines += ["## (e) Python source", "",
                  "`example.py` is a keras.io-sized example written for the benchmark (about 100 "
                  "lines: a residual convnet built by functions with loops, and a small transformer "
                  f"classifier); `chain_{GENERATED_LAYERS}.py` a generated model file of "
                  f"{GENERATED_LAYERS:,} layers, one statement each. *Keras* runs the file (imports "
                  "TensorFlow/Keras and builds the models); the floor parses it with `ast`. "
                  f"{settings.python_rounds} and {settings.generated_rounds} interleaved rounds.", ""]
        for key in ("example", "generated"):
            lines += [*_times(r[key]["contest"]), ""]
        ex, gen = r["example"], r["generated"]
        lines += [f"- the example, cold: **{ex['time']:.3f} s** (target <= {TARGET_EXAMPLE_S} s); "
                  f"Keras / shapecheck {ex['keras']:.1f}x; shapecheck / floor {ex['floor']:.1f}x",
                  f"- {GENERATED_LAYERS:,} layers: **{gen['time']:.2f} s** "
                  f"(target <= {TARGET_GENERATED_S:.0f} s); "
                  f"Keras / shapecheck {gen['keras']:.1f}x; shapecheck / floor {gen['floor']:.1f}x", ""]
        summary.append(("(e) keras.io-sized example, cold", f"<= {TARGET_EXAMPLE_S} s",
                        f"{ex['time']:.3f} s ({ex['keras']:.0f}x Keras)", f"{ex['floor']:.1f}x",
                        _met(ex["time"] <= TARGET_EXAMPLE_S)))
        summary.append((f"(e) generated {GENERATED_LAYERS:,}-layer model file",
                        f"<= {TARGET_GENERATED_S:.0f} s",
                        f"{gen['time']:.2f} s ({gen['keras']:.0f}x Keras)", f"{gen['floor']:.1f}x",
                        _met(gen["time"] <= TARGET_GENERATED_S)))
    if "f" in results:
        r = results["f"]
        lines += ["## (f) Language server", "",
                  f"`{r['name']}` (the (e) example: {r['models']} models, {r['layers']} layers), in one "
                  "warm process as the server's analysis worker runs: a number in the text changed, "
                  "the text analysed again (`lsp.document.reanalyze`) and turned into the "
                  f"diagnostics and inlay hints the editor is sent; {r['rounds']} edits. The floor "
                  "parses the same text with `ast`. The server waits for a pause in typing "
                  "(0.25 s) before it analyses; that wait is not counted.", "",
                  f"- re-analysis after an edit: **{r['median'] * 1e3:.1f} ms** median "
                  f"({r['min'] * 1e3:.1f}-{r['max'] * 1e3:.1f} ms; target <= {TARGET_LSP_MS} ms); "
                  f"shapecheck / floor {r['ratio']:.1f}x", ""]
        summary.append(("(f) language server: re-analysis after an edit, warm", f"<= {TARGET_LSP_MS} ms",
                        f"{r['median'] * 1e3:.1f} ms", f"{r['ratio']:.1f}x",
                        _met(r["median"] * 1e3 <= TARGET_LSP_MS)))
    if "g" in results:
        lines += ["## (g) Import time", "",
                  f"`python -X importtime`, medians of {settings.import_rounds} runs: the sum of every "
                  "module's own import time, by top-level package, and the heaviest single modules.", ""]
        for label, r in results["g"].items():
            pk = ", ".join(f"{name} {t * 1e3:.0f}" for name, t in r["packages"])
            md = ", ".join(f"{name} {t * 1e3:.0f}" for name, t in r["modules"])
            lines += [f"- `{label}`: **{r['total'] * 1e3:.0f} ms** of imports", f"  - by package (ms): {pk}",
                      f"  - heaviest modules (ms, own time): {md}"]
        lines.append("")
    if summary:  # after the header, before the first section
        table = ["## Targets", "", TABLE_HEADER, "|---|---|---|---|---|"]
        table += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in summary]
        first = next(i for i, line in enumerate(lines) if line.startswith("## ("))
        lines[first:first] = table + [""]
    return "\n".join(lines) + "\n"


def make_plot(rows: list[dict], path: Path) -> str | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed: no plot (pip install matplotlib, then run again)")
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for kind, marker, colour in (("chain", "o", "tab:blue"), ("wide", "s", "tab:green")):
        mine = [r for r in rows if r["kind"] == kind]
        xs = [r["layers"] for r in mine]
        ax.plot(xs, [r["wall"] for r in mine], marker=marker, color=colour,
                label=f"{kind}: wall (fresh process)")
        ax.plot(xs, [r["analysis"] for r in mine], marker=marker, color=colour, linestyle="--",
                label=f"{kind}: analysis (imports done)")
    xs = sorted({r["layers"] for r in rows})
    base = min(r["analysis"] for r in rows if r["layers"] == xs[0])
    ax.plot(xs, [base * x / xs[0] for x in xs], color="grey", linestyle=":", label="linear")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("layers")
    ax.set_ylabel("seconds")
    ax.set_title("shapecheck: time against layers")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    p.add_argument("--sections", default=SECTIONS, help="which sections to run, e.g. ac (default: all)")
    p.add_argument("--quick", action="store_true", help="fewer rounds, sizes up to 10,000 layers")
    p.add_argument("--output", default=str(HERE / "RESULTS.md"), help="where to write the Markdown")
    args = p.parse_args(argv)
    settings = Settings(args.quick)
    # Installed packages (Keras's, or shapecheck's from PyPI) are byte-compiled at install;
    # the work tree is not, and compiling it in every process would be timed.
    compileall.compile_dir(ROOT / "shapecheck", quiet=1)
    info = machine()
    sections = {"a": cold_start, "b": throughput, "c": scaling, "d": many_files, "e": python_source,
                "f": language_server, "g": import_time}
    results = {}
    for key in (k for k in SECTIONS if k in args.sections.replace(",", "")):
        log(f"section ({key}): {sections[key].__name__.replace('_', ' ')}")
        results[key] = sections[key](settings)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    info["load_end"] = f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    plot = make_plot(results["c"]["rows"], HERE / "scaling.png") if "c" in results else None
    text = render(results, info, settings, plot)
    Path(args.output).write_text(text)
    print(text)
    log(f"written: {args.output}")
    full = not settings.quick and set(SECTIONS) <= set(results)
    if full and Path(args.output).resolve() == (HERE / "RESULTS.md").resolve():
        readme = ROOT / "README.md"
        readme.write_text(readme_with_targets(readme.read_text(), text, info))
        log(f"refreshed the targets table in {readme}")
    return 0


SECTIONS = "abcdefg"
TABLE_HEADER = "| target | wanted | measured | shapecheck / floor | |"
README_START = "<!-- benchmarks: written by python -m benchmarks -->"
README_END = "<!-- /benchmarks -->"


def targets_table(results_md: str) -> list[str]:
    """The rows of RESULTS.md's targets table (header included)."""
    lines = results_md.splitlines()
    start = lines.index("## Targets") + 2
    end = lines.index("", start)
    return lines[start:end]


def readme_with_targets(readme: str, results_md: str, info: dict) -> str:
    """The README with its block between the markers replaced by the targets table of
    a full run: the README quotes the ratios, and cannot drift from RESULTS.md
    (tests/test_benchmarks.py)."""
    head, rest = readme.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    block = [README_START, "", *targets_table(results_md), "",
             f"Measured on {info['date'][:10]}: {info['cpu']}, {info['cores']} cores, Keras {info['keras']}, "
             f"TensorFlow {info['tensorflow']}.", README_END]
    return head + "\n".join(block) + tail
