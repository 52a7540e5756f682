"""Performance regression guard (issue 7), robust on a noisy machine: it counts work,
never wall-clock time.

* The fast readers (``reading/located_yaml.py`` for specs, ``reading/located_json.py``
  for Keras configs) answer for the inputs they are built for, and wherever they
  answer, the data and every line:col equal the YAML reader's (the slow path they
  stand in for); on mutated and generated documents they either agree or step aside.
* The work per layer stays constant as a model grows: the number of Python function
  calls (ours, sympy's, the readers') per layer is the same for a model ten times
  larger, for specs (a chain and a graph of merges, over a symbolic axis) and for a
  Keras config, and for Python files (one that reads ``x.shape`` in every block too);
  symbolic arithmetic is done once per distinct size, not per layer;
  networkx and PyYAML's parser are not used on these paths at all.
* A cold start compiles no text but the modules' own (when they have no ``.pyc``): no
  ``exec`` or ``compile`` from shapecheck's code, for a spec, a Keras config or a Python
  file (records copy a compiled ``__init__``; ``dataclasses`` and ``typing.NamedTuple``
  compile theirs from text).

Benchmarks with times are in ``benchmarks/`` (``python -m benchmarks``).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fuzz_readers import SPEC_SEEDS, mutations

from shapecheck.api import analyze_bytes, analyze_python
from shapecheck.reading import located_json, located_yaml
from shapecheck.reading.located import LocDict, LocList
from shapecheck.reading.pyyaml_loader import JsonLoader, Loader, load_with

REPO = Path(__file__).resolve().parent.parent
# The differential properties run SHAPECHECK_FUZZ_EXAMPLES examples each (as the fuzz
# tests do), a tenth of those here: this file stays under twenty seconds.
EXAMPLES = max(20, int(os.environ.get("SHAPECHECK_FUZZ_EXAMPLES", "1500")) // 10)
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def located(x) -> object:
    """Data with every location the readers record, comparable with ==."""
    if isinstance(x, LocDict):
        return ("map", x.loc, [(k, x.key_locs[k], x.value_locs[k], located(v)) for k, v in x.items()])
    if isinstance(x, LocList):
        return ("seq", x.loc, [(at, located(v)) for at, v in zip(x.item_locs, x)])
    return (type(x).__name__, repr(x))


def same_as_yaml_reader(text: str, json_: bool) -> bool:
    """The fast reader's answer equals the YAML reader's, or it gives none. True if it
    answered."""
    fast = (located_json if json_ else located_yaml).load(text, "f")
    if fast is None:
        return False
    slow, found = load_with(JsonLoader if json_ else Loader, text, "f")
    assert found == []
    assert located(fast) == located(slow)
    return True


# --- the fast readers answer, and agree ------------------------------------------------

def _keras_configs() -> list[str]:
    data = json.loads((REPO / "tests" / "fixtures" / "keras_configs.json").read_text())
    return [json.dumps(c) for c in data.values()] + [json.dumps(c, indent=2) for c in data.values()]


KERAS_CONFIGS = _keras_configs()


def test_fast_readers_answer_for_what_they_are_built_for():
    for text in SPEC_SEEDS:  # the specs, and the examples in docs/
        if load_with(Loader, text, "f")[1] == [] and "[enc[" not in text:  # valid, and YAML as it is
            assert same_as_yaml_reader(text, json_=False), text
    for text in KERAS_CONFIGS:
        assert same_as_yaml_reader(text, json_=True)
        assert same_as_yaml_reader(text.replace("\n", "\r\n"), json_=True)
    assert same_as_yaml_reader(chain(60), json_=False)
    assert same_as_yaml_reader(merges(60), json_=False)


@SETTINGS
@given(st.sampled_from(range(len(SPEC_SEEDS))).flatmap(lambda i: mutations(SPEC_SEEDS[i])))
def test_fast_yaml_reader_agrees_on_mutated_specs(text):
    same_as_yaml_reader(text, json_=False)


JSON_MUTATIONS = ["\\u00e9", "\\ud83d\\ude00", "\\ud800", "\\u0000", "\\/", "\\n", "\t", "\r\n", "\u2028",
                  "\x85", "\ufeff", "\xe9", "1e5", "-0", "-0.0", "1E+2", "NaN", "Infinity", "9" * 120, ",",
                  "[", "]", "{", "}", '"', ":", "#", "'", " ", "\n", "null", "true", '"a": 1, "a": 2',
                  '"' + "k" * 1030 + '": 1, ', '"' + "k" * 150 + '": 1, ', '"k"' + " " * 1030 + ': 1, ']


@SETTINGS
@given(st.sampled_from(range(len(KERAS_CONFIGS))), st.data())
def test_fast_json_reader_agrees_on_mutated_configs(i, data):
    text = KERAS_CONFIGS[i]
    for _ in range(data.draw(st.integers(1, 3))):
        k = data.draw(st.integers(0, len(text)))
        text = text[:k] + data.draw(st.sampled_from(JSON_MUTATIONS)) + text[k:]
    same_as_yaml_reader(text, json_=True)


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12), st.sampled_from(["?", "~", "yes", "1e3", "0x1F", "2001-12-14", "t", "2*t", "-.5"]))
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=25)


@SETTINGS
@given(st.dictionaries(st.text(max_size=6), _values, max_size=5), st.sampled_from([None, 1, 2, 4]),
       st.sampled_from([(", ", ": "), (",", ":"), (" ,  ", " :\n ")]), st.booleans(), st.booleans())
def test_fast_json_reader_agrees_on_generated_json(value, indent, separators, ascii_only, crlf):
    text = json.dumps(value, indent=indent, separators=separators, ensure_ascii=ascii_only)
    if crlf:
        text = text.replace("\n", "\r\n")
    same_as_yaml_reader(text, json_=True)


@SETTINGS
@given(st.dictionaries(st.text(alphabet="ab[]{}\\\"", max_size=4), _values, max_size=5),
       st.sampled_from([None, 2]), st.booleans())
def test_brackets_are_paired_alike_by_both_ways(value, indent, ascii_only):
    """The brackets found by byte translations (when none is inside a string) are the
    ones the regex that steps over strings finds, paired the same; with one inside a
    string, the regex answers."""
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    found = []
    for raw in (text.encode("ascii") if text.isascii() else None, None):
        doc = located_json._Document(text, "f")
        json.JSONDecoder(object_pairs_hook=doc.mapping).decode(text)
        assert doc.pair_brackets(raw)
        found.append((doc.close_of, doc.dict_opens))
    assert found[0] == found[1]
    assert len(doc.close_of) == len(doc.dict_opens) + doc.lists  # every container, once


_words = st.sampled_from(["a", "units", "type", "yes", "on", "null", "x_1", "B", "a-b", "x.y", "e-",
                          "k" * 1030, "'q'", '"dq"'])
_plain = st.sampled_from(["Dense", "16", "-3", "1.5", "1e3", "0x1F", "~", "yes", "t", "2*t", "floor(t/2) + 1",
                          "t - 3", "2001-12-14", ".inf", "+1", "a b", "'q'", '"dq"', "'it''s'", "x: y", "a,b",
                          "#c", "a #c", "&x", "*x", "!!str 1", "|", "[1, 2]", "[?, t, 12]", "{k: v}",
                          "{k: [1, {j: 2}]}", "[ ]", "{}", "[a, ]", "[enc[1]]", "é"])


@st.composite
def _yaml_docs(draw, depth: int = 0, indent: int = 0) -> str:
    """Block YAML: mappings and (possibly indentless) sequences of the scalars above,
    with comments, blank lines and odd spacing."""
    pad = " " * indent
    lines = []
    for key in draw(st.lists(_words, min_size=1, max_size=4)):
        kind = draw(st.sampled_from(["scalar", "scalar", "map", "seq", "seq_indentless", "empty"])) \
            if depth < 2 else "scalar"
        gap = draw(st.sampled_from([" ", "  "]))
        if kind == "scalar":
            comment = draw(st.sampled_from(["", "  # note", " #x"]))
            lines.append(f"{pad}{key}:{gap}{draw(_plain)}{comment}")
        elif kind == "empty":
            lines.append(f"{pad}{key}:")
        elif kind == "map":
            lines.append(f"{pad}{key}:{draw(st.sampled_from(['', '  # c']))}")
            lines.append(draw(_yaml_docs(depth + 1, indent + draw(st.sampled_from([1, 2, 4])))))
        else:
            lines.append(f"{pad}{key}:")
            dash = pad if kind == "seq_indentless" else pad + "  "
            for _ in range(draw(st.integers(1, 3))):
                if draw(st.booleans()):
                    lines.append(f"{dash}- {draw(_plain)}")
                else:
                    item = draw(_yaml_docs(depth + 1, len(dash) + 2)).lstrip(" ")
                    lines.append(f"{dash}-{draw(st.sampled_from([' ', '   ']))}{item}")
        if draw(st.integers(0, 5)) == 0:
            lines.append(draw(st.sampled_from(["", "# comment", "   ", "  # indented comment"])))
    return "\n".join(lines)


@SETTINGS
@given(_yaml_docs(), st.booleans())
def test_fast_yaml_reader_agrees_on_generated_yaml(text, newline):
    same_as_yaml_reader(text + ("\n" if newline else ""), json_=False)


# --- work per layer ----------------------------------------------------------------------

_CHAIN = [("Dense", "units: 16"), ("ZeroPadding1D", "padding: 1"), ("Conv1D", "filters: 16\n    kernel_size: 3"),
          ("LayerNormalization", ""), ("Conv1D", "filters: 16\n    kernel_size: 3\n    padding: same"),
          ("Dropout", "rate: 0.1")]


def chain(n: int) -> str:
    """n layers, each on the one before, over x: [?, t, 16] (t symbolic)."""
    out = ["dims:\n  t: {min: 8}\ninputs:\n  x: [?, t, 16]\nlayers:"]
    for i in range(n):
        kind, args = _CHAIN[i % len(_CHAIN)]
        out.append(f"  - name: l{i}\n    type: {kind}" + (f"\n    {args}" if args else ""))
    return "\n".join(out) + f"\noutputs: [l{n - 1}]\n"


def merges(n: int) -> str:
    """n layers in blocks of four: two branches, their sum, a concatenation with a
    block far back."""
    out = ["dims:\n  t: {min: 8}\ninputs:\n  x: [?, t, 16]\nlayers:"]
    heads = ["x"]
    for b in range(n // 4):
        h, far = heads[-1], heads[max(0, len(heads) - 1 - b % 7)]
        out += [f"  - {{name: b{b}a, type: Dense, units: 16, inputs: {h}}}",
                f"  - {{name: b{b}c, type: Conv1D, filters: 16, kernel_size: 3, padding: same, inputs: {h}}}",
                f"  - {{name: b{b}s, type: Add, inputs: [b{b}a, b{b}c]}}",
                f"  - {{name: b{b}o, type: Concatenate, inputs: [b{b}s, {far}]}}",
                f"  - {{name: b{b}d, type: Dense, units: 16, inputs: b{b}o}}"]
        heads.append(f"b{b}d")
    return "\n".join(out) + f"\noutputs: [{heads[-1]}]\n"


def keras_config(n: int) -> str:
    """A Keras 3 functional config of n layers (Dense and Add, with Keras's nested
    initializer objects), as model.to_json() writes it."""
    def tensor(name: str) -> dict:
        return {"class_name": "__keras_tensor__", "config": {"shape": [None, 8], "dtype": "float32",
                                                               "keras_history": [name, 0, 0]}}

    def init(cls: str) -> dict:
        return {"module": "keras.initializers", "class_name": cls, "config": {"seed": None},
                "registered_name": None}

    layers = [{"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
               "config": {"batch_shape": [None, 8], "dtype": "float32", "name": "x"}, "name": "x",
               "inbound_nodes": []}]
    prev = "x"
    for i in range(n):
        if i % 3 == 2:
            layer = {"class_name": "Add", "config": {"name": f"l{i}", "trainable": True, "dtype": "float32"},
                     "inbound_nodes": [{"args": [[tensor(prev), tensor(f"l{i - 2}")]], "kwargs": {}}]}
        else:
            layer = {"class_name": "Dense", "config": {
                "name": f"l{i}", "trainable": True, "dtype": "float32", "units": 8, "activation": "relu",
                "use_bias": True, "kernel_initializer": init("GlorotUniform"), "bias_initializer": init("Zeros"),
                "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None,
                "bias_constraint": None}, "inbound_nodes": [{"args": [tensor(prev)], "kwargs": {}}]}
        layer.update({"module": "keras.layers", "registered_name": None, "name": f"l{i}",
                      "build_config": {"input_shape": [None, 8]}})
        layers.append(layer)
        prev = f"l{i}"
    model = {"module": "keras", "class_name": "Functional", "registered_name": "Functional",
             "config": {"name": "m", "trainable": True, "layers": layers, "input_layers": [["x", 0, 0]],
                        "output_layers": [[prev, 0, 0]]}}
    return json.dumps(model)


def work(text: str | dict[str, str], path: str) -> dict[str, int]:
    """Python function calls made analysing ``text`` (or the file ``path`` of a project's
    files, by name), by area (deterministic counts), and of the functions that decide
    questions about symbolic sizes (by name)."""
    located_yaml._resolved.clear()  # each run resolves its own layer names
    if path.endswith((".py", ".ipynb")):  # the Python reader reads files: the file written first
        with tempfile.TemporaryDirectory() as tmp:
            for name, source in (text if isinstance(text, dict) else {path: text}).items():
                (Path(tmp) / name).write_text(source)
            profile = cProfile.Profile()
            profile.enable()
            report = analyze_python(str(Path(tmp) / path))[-1]
            profile.disable()
    else:
        profile = cProfile.Profile()
        profile.enable()
        report = analyze_bytes(text.encode(), path)
        profile.disable()
    assert report.ok, report.diagnostics[:3]
    counts = {"all": 0, "sympy": 0, "yaml": 0, "networkx": 0}
    for (filename, _, name), (_, calls, *_) in pstats.Stats(profile).stats.items():
        counts["all"] += calls
        if filename.endswith("dims.py") and name.startswith("_"):
            counts[name] = counts.get(name, 0) + calls
        for area in ("sympy", "yaml", "networkx"):
            if f"{os.sep}{area}{os.sep}" in filename:
                counts[area] += calls
    return counts


def python_chain(n: int) -> str:
    """A model file of n layers, one statement each (the chain above, as Keras code)."""
    calls = ["Dense(16, ", "ZeroPadding1D(1, ", "Conv1D(16, 3, ", "LayerNormalization(",
             "Conv1D(16, 3, padding='same', ", "Dropout(0.1, "]
    lines = ["import keras", "from keras import layers", "x = keras.Input(shape=(None, 16))", "h = x"]
    lines += [f"h = layers.{calls[i % len(calls)]}name='l{i}')(h)" for i in range(n)]
    return "\n".join(lines + ["model = keras.Model(x, h)", ""])


def python_loop(n: int) -> str:
    """A model file that builds n layers in a loop of residual blocks: the interpreter's
    work per iteration stays the same however many it runs."""
    return ("import keras\nfrom keras import layers\n\n\ndef block(h, x):\n    h = layers.Dense(16)(h)\n"
            "    h = layers.Conv1D(16, 3, padding='same')(h)\n    return layers.add([h, x])\n\n\n"
            f"x = keras.Input((None, 16))\nh = x\nfor i in range({n // 3}):\n    h = block(h, x)\n"
            "model = keras.Model(x, h)\n")


def python_shape_reads(n: int) -> str:
    """A model file whose every block reads its input's width (``h.shape[-1]``), as
    EfficientNet's builders do: each read analyses only the layers made since the last."""
    return ("import keras\nfrom keras import layers\n\n\ndef block(h):\n    width = h.shape[-1]\n"
            "    return layers.Dense(width)(layers.Conv1D(width, 3, padding='same')(h))\n\n\n"
            f"x = keras.Input((None, 16))\nh = x\nfor i in range({n // 2}):\n    h = block(h)\n"
            "model = keras.Model(x, h)\n")


def python_project(n: int) -> dict[str, str]:
    """``python_loop``'s blocks in a module of the project the script imports (with the
    module's own constants): following code of another module costs what the file's does."""
    return {"blocks.py": "from keras import layers\n\nWIDTH = 16\n\n\ndef block(h, x):\n"
                         "    h = layers.Dense(WIDTH)(h)\n    h = layers.Conv1D(WIDTH, 3, padding='same')(h)\n"
                         "    return layers.add([h, x])\n",
            "train.py": "import keras\nfrom blocks import WIDTH, block\n\n"
                        f"x = keras.Input((None, WIDTH))\nh = x\nfor i in range({n // 3}):\n    h = block(h, x)\n"
                        "model = keras.Model(x, h)\n"}


def python_notebook(n: int) -> str:
    """``python_chain`` as a notebook, five statements a cell, a Markdown cell between."""
    lines = python_chain(n).splitlines()
    cells = []
    for i in range(0, len(lines), 5):
        code = [line + "\n" for line in lines[i:i + 5]]
        code[-1] = code[-1].rstrip("\n")
        cells += [{"cell_type": "markdown", "metadata": {}, "source": [f"Step {i // 5}"]},
                  {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": code}]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


@pytest.mark.parametrize("make,path,small,large", [
    (chain, "chain.yaml", 150, 1500),
    (merges, "merges.yaml", 150, 1500),
    (keras_config, "model.json", 150, 1500),
    (python_chain, "chain.py", 150, 1500),
    (python_loop, "loop.py", 150, 1500),
    (python_shape_reads, "shapes.py", 150, 1500),
    (python_project, "train.py", 150, 1500),
    (python_notebook, "chain.ipynb", 150, 1500),
])
def test_work_per_layer_is_constant(make, path, small, large):
    work(make(30), path)  # imports done, the symbolic sizes of this model met once
    few, many = work(make(small), path), work(make(large), path)
    per_layer = {k: (few[k] / small, many[k] / large) for k in few}
    # Ten times the layers, at most 10% more calls per layer, in every area: nothing
    # quadratic, no search or sort whose cost per item grows with the model.
    for area in ("all", "sympy", "yaml", "networkx"):
        a, b = per_layer[area]
        assert b <= 1.10 * a + 0.5, (area, per_layer)
    # Symbolic arithmetic is remembered: the same few sizes recur layer after layer, so
    # what reaches sympy per layer is hashing them for the caches, not arithmetic (a
    # convolution over t recomputed is hundreds of calls). About 8 alone, 13 after the
    # whole suite has filled sympy's and our caches: the bound leaves room for that.
    assert per_layer["sympy"][1] <= 40, per_layer
    # The fast readers and the plain-dict graph: PyYAML only resolves each new scalar
    # (a layer's name), its parser idles (hundreds of calls a layer), networkx is unused.
    assert per_layer["yaml"][1] <= 8, per_layer
    assert many["networkx"] == 0, many


@pytest.mark.parametrize("make", [chain, merges])
def test_questions_about_sizes_are_decided_once(make):
    """A model of 1,500 layers over t meets a handful of distinct sizes (t, t + 2...):
    whether each is positive, or two are equal, is decided once per size, not once
    per layer (each decision is a sympy substitution and expansion)."""
    from shapecheck import dims

    for cached in (dims._floor_div, dims._ceil_div, dims._quotient, dims._difference):
        cached.cache_clear()
    counts = work(make(1500), "model.yaml")
    decided = {k: v for k, v in counts.items() if k in ("_positive", "_sign", "_is_integer", "_difference",
                                                         "_floor_div", "_ceil_div", "_quotient")}
    assert sum(decided.values()) <= 10, decided
    assert counts.get("_ask", 0) >= 250  # the questions were asked, layer after layer


def test_repeated_blocks_share_their_axes_and_explanations():
    """A report keeps each distinct weight's axes (with their sentences) and each
    distinct explanation once: a model of repeated blocks does not keep them again
    per copy. What is equal only across types (``16`` and sympy's ``16``) stays apart."""
    spec = ("inputs: {x: [?, t, 8]}\nlayers:\n"
            + "".join(f"  - {{name: d{i}, type: Conv1D, filters: 8, kernel_size: 3, padding: same}}\n"
                    for i in range(4))).encode()
    report = analyze_bytes(spec, "model.yaml")
    assert report.ok
    first, *rest = (report.layers[f"d{i}"] for i in range(4))
    for layer in rest:
        assert [w.path.split("/")[0] for w in layer.weights] == [layer.name] * 2
        assert all(a.axes is b.axes for a, b in zip(first.weights, layer.weights))
        assert layer.why is first.why
    assert first.why and first.weights

    import sympy

    from shapecheck.engine import _once
    from shapecheck.rules.registry import Axis

    seen: dict = {}
    plain, symbolic = (Axis(16, "units", "why"),), (Axis(sympy.Integer(16), "units", "why"),)
    assert plain == symbolic  # equal, and hashed alike: only the types keep them apart
    assert _once(seen, plain, (int,)) is plain
    assert _once(seen, symbolic, (sympy.Integer,)) is symbolic
    assert _once(seen, (Axis(16, "units", "why"),), (int,)) is plain


def test_graph_sort_is_linear():
    """Kahn's sort pushes each node once: a chain's order is the spec order."""
    from shapecheck.graph import _sorted, build
    from shapecheck.reading.spec_reader import read_spec
    from shapecheck.reading.text import load

    data, _ = load(merges(400), "m.yaml")
    spec, _ = read_spec(data, "m.yaml", "yaml")
    graph, found = build(spec)
    assert found == []
    assert len(graph.order) == len(spec.layers) + len(spec.inputs)
    assert graph.order == _sorted(graph.g)
    position = {n: i for i, n in enumerate(graph.order)}
    edges = [(u, v) for u, vs in graph.g.succ.items() for v in vs]
    assert len(edges) == len(set(edges)) > len(spec.layers)
    assert all(position[u] < position[v] for u, v in edges)
    assert sorted(graph.g.to_networkx().edges) == sorted(edges)
    assert all(graph.g.has_edge(u, v) and u in graph.g.pred[v] for u, v in edges)
    # a layer that takes one tensor twice has one edge from it
    data, _ = load("inputs: {x: [?, 4]}\nlayers:\n  - {name: twice, type: Add, inputs: [x, x]}\n", "t.yaml")
    graph, found = build(read_spec(data, "t.yaml", "yaml")[0])
    assert found == [] and graph.g.succ["x"] == ["twice"] and graph.g.pred["twice"] == ["x"]


@SETTINGS
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))))
def test_graph_sort_in_spec_order_or_not(graph_edges):
    """Whether the nodes come after their inputs (the fast path: the spec order itself)
    or not (Kahn's sort with a heap), the order is networkx's lexicographical
    topological sort by position, and None for a cycle."""
    import networkx as nx

    from shapecheck.graph import LayerGraph, _in_spec_order, _sorted

    n, edges = graph_edges
    g = LayerGraph()
    for i in range(n):
        g.add_node(f"n{i}", "layer", None, i)
    for u, v in dict.fromkeys(edges):
        g.add_edge(f"n{u}", f"n{v}")
    nxg = g.to_networkx()
    if not nx.is_directed_acyclic_graph(nxg):
        assert _sorted(g) is None
        return
    expected = tuple(nx.lexicographical_topological_sort(nxg, key=lambda name: g.nodes[name].pos))
    assert _sorted(g) == expected
    assert _in_spec_order(g) == all(u < v for u, v in edges)

@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["get", "in", "set", "item", "copy", "iter", "del"]),
                          st.sampled_from(["a", "b", "units", "zz"])), max_size=12))
def test_lazy_locations_behave_as_a_dict(ops):
    """A layer config's key and value locations are found in the text only when a
    diagnostic reads one; before that, asking for a key, setting one or copying must
    answer as the dict of Locations it stands for."""
    text = '{"a": 1, "units": [2, 3], "b": {"c": null}}'
    data = located_json.load(text, "f")
    lazy, plain = data.key_locs, dict(load_with(JsonLoader, text, "f")[0].key_locs)
    for op, key in ops:
        if op == "get":
            assert lazy.get(key) == plain.get(key)
        elif op == "in":
            assert (key in lazy) == (key in plain)
        elif op == "set":
            lazy[key] = plain[key] = located_json.Location("f", 9, 9)
        elif op == "item":
            assert (lazy[key] if key in lazy else None) == plain.get(key)
        elif op == "copy":
            lazy, plain = lazy.copy(), dict(plain)
        elif op == "del" and key in plain:
            del lazy[key], plain[key]
        else:
            assert list(lazy) == list(plain) and len(lazy) == len(plain)
    assert dict(lazy.items()) == plain


# --- the JSON report's encoder ------------------------------------------------------------

_json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4),
                            st.dictionaries(st.integers(0, 3), inner, max_size=2)),
    max_leaves=30)


@SETTINGS
@given(_json_values)
def test_the_json_encoder_writes_what_the_standard_library_writes(value):
    """``json_format.dumps`` stands in for ``json.dumps(value, indent=2)`` (pure Python
    there, two fifths of a JSON run): the same text for any value, whatever it falls
    back on (keys that are not strings, NaN...)."""
    from shapecheck.output.json_format import dumps

    assert dumps(value) == json.dumps(value, indent=2)


def test_the_json_encoder_on_a_whole_report():
    from shapecheck.output.json_format import document, dumps

    report = analyze_bytes(merges(200).encode(), "m.yaml")
    doc = document([report, analyze_bytes(b"inputs: {x: [?, 3]}\nlayers: [{type: LSTM, units: 2}]\n", "b.yaml")])
    assert dumps(doc) == json.dumps(doc, indent=2)
    assert len(doc["files"][0]["layers"]) == 251 and doc["files"][1]["diagnostics"]


def _entry_as_the_standard_library_writes(report) -> str:
    return json.dumps(report.to_dict(), indent=2).replace("\n", "\n    ")


def test_a_reports_layers_are_written_as_their_dicts_would_be():
    """``file_entry`` writes a report's layers from the report itself, each weight's
    axes once: the text is what ``json.dumps`` writes of ``to_dict()``, for specs, Keras
    configs of every dialect (tf.keras's variable names), failed and skipped layers,
    symbolic sizes, shared layers' calls and other frameworks' layouts."""
    from shapecheck.layouts import relayout
    from shapecheck.output.json_format import file_entry

    reports = [analyze_bytes(text.encode(), "s.yaml") for text in SPEC_SEEDS]
    reports += [analyze_bytes(text.encode(), "k.json") for text in KERAS_CONFIGS]
    reports += [analyze_bytes(merges(60).encode(), "m.yaml"), analyze_bytes(chain(60).encode(), "c.yaml")]
    keras2 = {"class_name": "Sequential", "keras_version": "2.13.1", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 5, 3], "name": "in"}},
        {"class_name": "Bidirectional", "config": {"name": "bi", "layer": {
            "class_name": "LSTM", "config": {"name": "lstm", "units": 4}}}}]}}
    reports.append(analyze_bytes(json.dumps(keras2).encode(), "k2.json"))
    reports += [relayout(r, layout) for r in reports[:40] if r.layers for layout in ("pytorch", "onnx")]
    for report in reports:
        assert file_entry(report) == _entry_as_the_standard_library_writes(report), report.path
    layers = [layer for r in reports for layer in r.layers.values()]
    assert any(layer.calls for layer in layers) and any(layer.output_shapes is None for layer in layers)
    assert any(w.tf_keras_path for layer in layers for w in layer.weights)
    assert any(r.layer_layouts for r in reports)


@SETTINGS
@given(st.sampled_from(range(len(SPEC_SEEDS))).flatmap(lambda i: mutations(SPEC_SEEDS[i])))
def test_a_mutated_specs_entry_is_what_its_dict_would_be(text):
    from shapecheck.output.json_format import file_entry

    report = analyze_bytes(text.encode(), "s.yaml")
    assert file_entry(report) == _entry_as_the_standard_library_writes(report)


def test_shared_axes_are_explained_once_and_alike():
    """The text format explains a weight's axes once per report when layers share them
    (a model's repeated blocks): the lines are those each layer's own explanation gives."""
    from shapecheck.output import text

    report = analyze_bytes(merges(60).encode(), "m.yaml")
    written: dict = {}
    shared = [text._explain(layer, text.Style(False), written) for layer in report.layers.values()]
    alone = [text._explain(layer, text.Style(False)) for layer in report.layers.values()]
    assert shared == alone
    weights = [w for layer in report.layers.values() for w in layer.weights]
    assert 0 < len(written) < len(weights) / 10


_COMPILES = """
import sys
seen = []


def hook(event, args):
    if event in ("compile", "exec"):
        caller = sys._getframe(1).f_code
        if "importlib" in caller.co_filename:
            return  # a module's own code, compiled from source (no .pyc) and run
        if caller.co_name == "parse" and caller.co_filename.endswith("ast.py"):
            return  # the Python reader parses a file into a tree; nothing of it is compiled
        seen.append(f"{event} from {caller.co_filename}:{sys._getframe(1).f_lineno}")


sys.addaudithook(hook)
from shapecheck.cli import main
for argv in sys.argv[1:]:
    main([argv, "--format", "json"])
sys.stderr.write(repr(seen))
"""


def test_a_cold_start_compiles_no_text(tmp_path):
    config = tmp_path / "m.json"
    config.write_text(json.dumps({"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 8], "name": "x"}},
        {"class_name": "Dense", "config": {"units": 4, "name": "d"}}]}}))
    files = [REPO / "specs" / "seed_bilstm.yaml", config, REPO / "tests" / "corpus" / "python" / "own" / "seed_bilstm.py"]
    proc = subprocess.run([sys.executable, "-c", _COMPILES, *map(str, files)], capture_output=True, text=True,
                          cwd=REPO)
    assert proc.stderr.strip().splitlines()[-1] == "[]", proc.stderr
