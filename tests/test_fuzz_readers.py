"""Fuzzing the readers (issue 5): whatever the bytes, ``shapecheck.api.analyze_bytes``
returns a report, never raises; every diagnostic's code is in the catalogue, and
every location is inside the file (line <= lines + 1, column <= that line's
length + 1, lines as YAML counts them).

Four properties, each SHAPECHECK_FUZZ_EXAMPLES examples (default 1,000):

* random bytes, and random text over YAML's and JSON's special characters;
* the specs in specs/ and the YAML examples in docs/, mutated by line and token
  (delete, duplicate and swap lines, change numbers, insert ``[ { & * !! <<:``...,
  flip a value's type, truncate, insert raw bytes);
* small Keras 3, Keras 2 and TF.js configs (tests/fixtures/keras_configs.json, made
  once by tests/fixtures/make_keras_configs.py, so no Keras is needed here),
  mutated as text and as JSON values (NaN, huge and negative sizes, booleans,
  deep lists, strings where lists are due, keys removed);
* generated graphs of Dense, LSTM, GRU, Add, Concatenate... over random inputs:
  analysed without an exception, ok or with well-placed diagnostics; a sample also
  through ``cli.main``, which exits 0 or 1 with nothing on stderr.
"""

from __future__ import annotations

import copy
import io
import json
import math
import re
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples  # noqa: E402

from shapecheck.api import analyze_bytes
from shapecheck.diagnostics import CATALOGUE

REPO = Path(__file__).resolve().parent.parent
MAX_EXAMPLES = examples(1000, "SHAPECHECK_FUZZ_EXAMPLES")
FUZZ = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much, HealthCheck.large_base_example])

_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")


def check_report(raw: bytes, path: str = "fuzz.yaml"):
    """Analyse ``raw``; assert the promises; return the report."""
    report = analyze_bytes(raw, path)
    lines = _BREAK.split(raw.decode("utf-8-sig", "replace"))
    for d in report.diagnostics:
        assert d.code in CATALOGUE, d
        assert d.location.path in (None, path), d
        line, col = d.location.line or 1, d.location.column or 1
        assert 1 <= line <= len(lines) + 1, (d, len(lines))
        width = len(lines[line - 1]) if line <= len(lines) else 0
        assert 1 <= col <= width + 1, (d, width)
    if not report.ok:
        assert any(d.severity.value == "error" for d in report.diagnostics), report.diagnostics
    report.to_dict()  # what the JSON output serializes
    return report


# =========================================================================== (a) random input
YAML_CHARS = "[]{}:,-?&*!|>'\"#%@`<= \t\n\r\\0123456789.eE+_abcdnuxyzTNItruefalsyesnoLDMSG~\x85\u2028\x00\ufeff\xe9"
TOKENS = ["inputs:", "layers:", "outputs:", "dims:", "type:", "Dense", "LSTM", "units:", "name:", "null", "?",
          "&a", "*a", "<<:", "!!python/object:os.system", "!!binary", "!!omap", "---", "...", "- ", "\n  ",
          "[", "]", "{", "}", "'", '"', "NaN", "Infinity", "9" * 40, "-1", "2*t", "t", "reuse:",
          "initial_state:", "custom_layers:", "Lambda", "output_shape:", "\\u0000", "\\ud800"]


@FUZZ
@given(st.one_of(
    st.binary(max_size=2000),
    st.text(alphabet=YAML_CHARS, max_size=400).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from(TOKENS + list(" \n:,[]{}-")), max_size=80).map(lambda t: "".join(t).encode()),
))
def test_random_bytes(raw):
    check_report(raw)


# =========================================================================== (b) mutated specs
def _spec_seeds() -> list[str]:
    seeds = [p.read_text() for p in sorted((REPO / "specs").glob("*.yaml"))]
    for doc in sorted((REPO / "docs").glob("*.md")):
        for block in re.findall(r"```ya?ml\n(.*?)```", doc.read_text(), re.S):
            if "layers:" in block:
                seeds.append(block)
    return seeds


SPEC_SEEDS = _spec_seeds()
INSERTS = ["[", "]", "{", "}", "&a ", "*a", "!!", "!!python/object/apply:os.system ['x'] ", "<<: ", "<<: *a",
           "? ", "- ", "\t", "'", '"', "#", ": ", ",", "*", "&", "!foo ", "|", ">", "%YAML 1.1\n", "---\n",
           "\x00", "\ufeff", "\u2028", "\r", "9" * 5000, "nan", ".inf", "-.inf", "true", "~", "0x" + "f" * 200,
           "1:2:3:4:5", "'(((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))'"]
NUMBERS = ["0", "-1", "-3", "1", "2", str(2**40), str(2**40 + 1), str(2**63), "9" * 5000, ".nan", ".inf",
           "-.inf", "1e3", "1.5", "true", "null", "?", "'?'", "t", "2*t", "t//0", "'12'", "[]", "{}",
           "[1, [2, [3]]]", "yes", "0o17", "0b101", "1_000"]


def _lines(text: str) -> list[str]:
    return text.split("\n")


@st.composite
def mutations(draw, text: str, numbers: list[str] = NUMBERS) -> str:
    """Apply one to four random edits to ``text``."""
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "number", "insert", "flip", "truncate",
                                   "bytes", "indent"]))
        lines = _lines(text)
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, max(0, len(lines) - 1)))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "indent":
            lines[i] = draw(st.sampled_from(["  ", "\t", " ", ""])) + lines[i].lstrip(" ")
        text = "\n".join(lines)
        if op == "number":
            spots = [m.span() for m in re.finditer(r"-?\d+", text)]
            if spots:
                a, b = draw(st.sampled_from(spots))
                text = text[:a] + draw(st.sampled_from(numbers)) + text[b:]
        elif op == "insert":
            k = draw(st.integers(0, len(text)))
            text = text[:k] + draw(st.sampled_from(INSERTS)) + text[k:]
        elif op == "flip":  # a value of another type: `units: 4` -> `units: [4]`, `{}`, `"x"`, `null`...
            spots = [m.span(1) for m in re.finditer(r":[ ]+([^\s\[\]{},#][^\n,\]}]*)", text)]
            if spots:
                a, b = draw(st.sampled_from(spots))
                value = text[a:b]
                text = text[:a] + draw(st.sampled_from([f"[{value}]", "{}", f"'{value}'", "null", "true",
                                                         f"{{k: {value}}}", "*a", f"&a {value}", "[[[]]]",
                                                         "-1", "!!str 3"])) + text[b:]
        elif op == "truncate":
            text = text[:draw(st.integers(0, len(text)))]
        elif op == "bytes":
            k = draw(st.integers(0, len(text)))
            text = text[:k] + draw(st.binary(min_size=1, max_size=8)).decode("latin-1") + text[k:]
    return text


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@FUZZ
@given(st.sampled_from(range(len(SPEC_SEEDS))).flatmap(lambda i: mutations(SPEC_SEEDS[i])))
def test_mutated_specs(text):
    check_report(_encode(text))


def test_spec_seeds():
    """The seeds: the example specs (all valid) and the docs' examples (valid or not)."""
    assert len(SPEC_SEEDS) >= 10
    for p in sorted((REPO / "specs").glob("*.yaml")):
        assert check_report(p.read_bytes()).ok, p
    for s in SPEC_SEEDS:
        check_report(_encode(s))


# =========================================================================== (c) mutated Keras configs
KERAS = json.loads((REPO / "tests" / "fixtures" / "keras_configs.json").read_text())["configs"]
KERAS_NAMES = sorted(KERAS)
JSON_VALUES = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 2**40 + 1, 2**63, "@@BIG@@", math.nan, math.inf, -math.inf, 1.5,
                     "", "x", "Lambda", "os.system", "__lambda__", [], {}, [None], [None, 3], [[[[[1]]]]],
                     {"class_name": "Lambda", "config": {}}, {"module": "os", "class_name": "system"},
                     {"class_name": "__keras_tensor__", "config": {"keras_history": ["nope", 0, 0]}},
                     ["x", 0, 0], [["x", 0, 0, {}]], [None] * 100]),
    st.integers(-(2**70), 2**70), st.text(max_size=20),
    st.recursive(st.integers(-3, 10) | st.none(), lambda c: st.lists(c, max_size=4), max_leaves=20),
)


def _paths(value, at=()):
    yield at
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*at, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*at, i))


@st.composite
def mutated_config(draw) -> bytes:
    data = json.loads(json.dumps(KERAS[draw(st.sampled_from(KERAS_NAMES))]))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(data))
        path = draw(st.sampled_from(paths[1:]))
        parent = data
        for k in path[:-1]:
            parent = parent[k]
        op = draw(st.sampled_from(["replace", "replace", "delete", "duplicate"]))
        if op == "replace":
            parent[path[-1]] = copy.deepcopy(draw(JSON_VALUES))  # the sampled values stay pristine
        elif op == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.insert(path[-1], json.loads(json.dumps(parent[path[-1]])))
    # NaN and Infinity as Python writes them; "@@BIG@@" a 5,000-digit integer (past what
    # Python formats).
    text = json.dumps(data).replace('"@@BIG@@"', "9" * 5000)
    if draw(st.booleans()):
        text = draw(mutations(text, NUMBERS + ["NaN", "Infinity", "-Infinity", '"3"', "[3]"]))
    return _encode(text)


def _broken_history(name: str, value) -> bytes:
    """``name``'s config with every tensor reference naming ``value`` instead of a layer."""
    text = json.dumps(KERAS[name])
    text = text.replace('"keras_history": ["x", 0, 0]', f'"keras_history": [{json.dumps(value)}, 0, 0]')
    text = text.replace('[["x", 0, 0, {}]]', f'[[{json.dumps(value)}, 0, 0, {{}}]]')
    assert text != json.dumps(KERAS[name])
    return _encode(text)


@FUZZ
@given(mutated_config())
# Found by the derandomized CI run: a list where a layer name is due crashed the
# recorded-shape index (a dict key) of a model with a nested model.
@example(_broken_history("k3_nested", []))
@example(_broken_history("k3_nested", {"a": 1}))
@example(_broken_history("k2_nested", []))
def test_mutated_keras_configs(raw):
    check_report(raw, "fuzz.json")


def test_keras_seeds_are_valid():
    for name, cfg in KERAS.items():
        rep = check_report(json.dumps(cfg).encode(), "fuzz.json")
        assert rep.ok, (name, rep.diagnostics)


# =========================================================================== (d) generated graphs
@st.composite
def graph_specs(draw) -> dict:
    """A random DAG over 1-3 inputs: each layer takes the tensors before it."""
    n_in = draw(st.integers(1, 3))
    seq = draw(st.sampled_from([None, 4, "t"]))
    feat = draw(st.integers(1, 6))
    inputs = {f"in{i}": [None, seq, feat] if draw(st.booleans()) else [None, feat] for i in range(n_in)}
    names = list(inputs)
    layers = []
    for k in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["Dense", "LSTM", "GRU", "SimpleRNN", "Add", "Concatenate", "Multiply",
                                     "Average", "Dropout", "Flatten", "Bidirectional", "TimeDistributed",
                                     "RepeatVector", "Activation"]))
        name = f"l{k}"
        src = draw(st.sampled_from(names))
        if kind in ("Add", "Concatenate", "Multiply", "Average"):
            layer = {"type": kind, "inputs": draw(st.lists(st.sampled_from(names), min_size=2, max_size=3))}
            if kind == "Concatenate" and draw(st.booleans()):
                layer["axis"] = draw(st.sampled_from([-1, 1, 2]))
        elif kind in ("LSTM", "GRU", "SimpleRNN"):
            layer = {"type": kind, "units": draw(st.integers(1, 5)), "inputs": src,
                     "return_sequences": draw(st.booleans())}
        elif kind == "Bidirectional":
            layer = {"type": kind, "inputs": src, "layer": {"type": draw(st.sampled_from(["LSTM", "GRU"])),
                                                             "units": draw(st.integers(1, 4)),
                                                             "return_sequences": draw(st.booleans())}}
        elif kind == "TimeDistributed":
            layer = {"type": kind, "inputs": src, "layer": {"type": "Dense", "units": draw(st.integers(1, 4))}}
        elif kind == "RepeatVector":
            layer = {"type": kind, "inputs": src, "n": draw(st.integers(1, 4))}
        elif kind == "Dropout":
            layer = {"type": kind, "inputs": src, "rate": 0.5}
        elif kind == "Activation":
            layer = {"type": kind, "inputs": src, "activation": "relu"}
        elif kind == "Flatten":
            layer = {"type": kind, "inputs": src}
        else:
            layer = {"type": kind, "inputs": src, "units": draw(st.integers(1, 8))}
        layers.append({"name": name, **layer})
        names.append(name)
    spec = {"model": "fuzz", "inputs": inputs, "layers": layers}
    if draw(st.booleans()):
        spec["outputs"] = draw(st.lists(st.sampled_from(names[n_in:]), min_size=1, max_size=2, unique=True))
    if seq == "t" and draw(st.booleans()):
        spec["dims"] = {"t": {"min": draw(st.integers(1, 3))}}
    return spec


@FUZZ
@given(graph_specs(), st.sampled_from(["yaml", "json"]), st.integers(0, 9), st.data())
def test_generated_graphs(spec, fmt, sample, data):
    text = yaml.safe_dump(spec, sort_keys=False) if fmt == "yaml" else json.dumps(spec, indent=data.draw(
        st.sampled_from([None, 1])))
    raw = text.encode()
    check_report(raw, f"fuzz.{fmt}")
    if sample == 0:  # one in ten also through the command
        _check_cli(raw, fmt)


_TMP: dict[str, Path] = {}


def _check_cli(raw: bytes, fmt: str) -> None:
    from shapecheck.cli import main

    path = _TMP["dir"] / f"graph.{fmt}"
    path.write_bytes(raw)
    for args in ([str(path), "--no-config"], [str(path), "--no-config", "--format", "json"]):
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(args)
        assert code in (0, 1), (code, err.getvalue())
        assert err.getvalue() == "", err.getvalue()


@pytest.fixture(autouse=True, scope="module")
def _tmp_dir(tmp_path_factory):
    _TMP["dir"] = tmp_path_factory.mktemp("fuzz_cli")
    yield
