"""Hostile specs and configs (the text side of issue 5): a finding, never a crash,
nothing executed or imported, nothing written, bounded time and memory.

Each file below is a small control model (x (None, 3) -> Dense(2), or the same as a
Keras 3 / Keras 2 config) with one hostile change: YAML and JSON alias bombs
("billion laughs", merge-key laughs, recursive aliases, duplicate anchors), nesting
30,000 deep (also hidden from a bracket count behind quotes and comments), NaN and
Infinity, 5,000-digit integers, sizes above 2**40 (read, given as arguments, or
computed by doubling), booleans where sizes are due, empty, blank, binary and
wrongly encoded files, NUL bytes, Python and custom YAML tags, 200,000 layers,
enormous names, thousands of bad references, Lambda layers with and without
``output_shape``.  The controls must be ok, so a finding on a hostile file comes
from its change.

The files are analysed in child processes (tests/hostile_harness.py, shared with
test_hostile_files.py) in strict mode: an audit hook fails the case on any import
not already done before it was armed (other than shapecheck's own lazy modules and
harmless standard-library ones), on exec, compile, marshal.loads, pickle, socket,
subprocess or any file opened for writing; the child's address space is capped
(RLIMIT_AS) and every case is timed.  Every case goes through ``shapecheck.analyze``
and through ``cli.main`` in JSON and text form: exit 1, nothing on stderr, each
finding printed as ``path:line:col: CODE message``, every line and column inside
the file.

Needs neither Keras nor TensorFlow: the Keras configs are written by hand in the
form Keras writes (the Lambda one by tests/keras_corpus.py's ``keras3_lambda_config``,
which test_hostile_files.py checks against real Keras output).
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import keras_corpus as KC
import pytest
from hostile_harness import check_common, run_child, snapshot

# =========================================================================== the cases


@dataclass(frozen=True)
class Case:
    kind: str  # "control": must be ok; "hostile": an error with one of ``codes``; "reported": ok,
    # with a warning of one of ``codes``; "bounded": ok or not
    codes: tuple[str, ...] = ()
    seconds: float = 10.0  # per analysis (analyze, the JSON CLI and the text CLI each)
    heavy: bool = False  # analysed in its own child with more memory and time
    outputs: tuple | None = None  # expected report outputs (JSON form), when it has any


SC101, SC102, SC104 = ("SC101",), ("SC102",), ("SC104",)
CASES: dict[str, Case] = {
    # controls
    "control_yaml": Case("control", outputs=([None, 2],)),
    "control_json_spec": Case("control", outputs=([None, 2],)),
    "control_k3_json": Case("control", outputs=([None, 7, 2],)),
    "control_k2_json": Case("control", outputs=([None, 7, 2],)),
    "control_utf8_bom": Case("control", outputs=([None, 2],)),
    "control_merge_keys": Case("control", outputs=([None, 4],)),
    "control_size_2_40": Case("control", outputs=([None, 2],)),
    "control_5000_leading_zeros": Case("control", outputs=([None, 2],)),
    "control_nested_sequential_100": Case("control", outputs=([None, 2],)),
    # aliases and anchors
    "yaml_billion_laughs": Case("hostile", SC101),
    "yaml_billion_laughs_as_layers": Case("hostile", SC101),
    "yaml_billion_laughs_as_key": Case("hostile", SC101),
    "yaml_merge_key_laughs": Case("hostile", SC101),
    "json_billion_laughs_in_k3_config": Case("hostile", SC101),
    "json_billion_laughs_in_inbound_nodes": Case("hostile", SC101),
    "yaml_cyclic_alias_list": Case("hostile", SC101),
    "yaml_cyclic_alias_mapping": Case("hostile", SC101),
    "yaml_cyclic_layers": Case("hostile", SC101),
    "yaml_recursive_merge": Case("hostile", SC101),
    "yaml_duplicate_anchor": Case("hostile", SC101),
    "yaml_undefined_alias": Case("hostile", SC101),
    "yaml_merge_non_mapping": Case("hostile", SC101),
    # nesting
    "yaml_nested_30000": Case("hostile", SC101),
    "json_nested_30000": Case("hostile", SC101),
    "json_nested_30000_behind_single_quote": Case("hostile", SC101),
    "json_nested_30000_behind_plain_quote": Case("hostile", SC101),
    "json_nested_30000_behind_comment": Case("hostile", SC101),
    "yaml_block_nested_1500": Case("hostile", SC101),
    "yaml_mapping_nested_1500": Case("hostile", SC101),
    "yaml_deep_layer_argument": Case("hostile", ("SC402",)),
    "k3_json_deep_units": Case("hostile", ("SC403",)),
    "yaml_wrappers_nested_300": Case("hostile", ("SC301",)),
    "yaml_size_expression_parens_100": Case("hostile", SC104),
    "yaml_size_expression_300_terms": Case("hostile", SC104),
    # numbers
    "yaml_nan_size": Case("hostile", SC104),
    "yaml_inf_sizes": Case("hostile", SC104),
    "yaml_nan_units": Case("hostile", ("SC403",)),
    "json_spec_nan_infinity": Case("hostile", ("SC104", "SC403")),
    "k3_json_nan_batch_shape": Case("hostile", SC104),
    "k3_json_infinity_units": Case("hostile", ("SC403",)),
    "yaml_string_infinity_units": Case("hostile", ("SC403",)),
    "yaml_5000_digit_size": Case("hostile", ("SC310",)),
    "yaml_5000_digit_units": Case("hostile", ("SC310",)),
    "yaml_5000_digit_hex_units": Case("hostile", ("SC310",)),
    "yaml_5000_digit_sexagesimal_units": Case("hostile", ("SC310",)),
    "yaml_5000_digit_string_size": Case("hostile", SC104),
    "yaml_5000_digit_dims_max": Case("hostile", SC104),
    "json_spec_5000_digit_units": Case("hostile", ("SC310",)),
    "k3_json_5000_digit_batch_shape": Case("hostile", ("SC310",)),
    "k3_json_5000_digit_units": Case("hostile", ("SC310",)),
    "k3_json_5000_digit_seed": Case("hostile", ("SC403",)),
    "yaml_size_above_2_40": Case("hostile", ("SC310",)),
    "yaml_units_above_2_40": Case("hostile", ("SC310",)),
    "yaml_kernel_size_above_2_40": Case("hostile", ("SC310",)),
    "yaml_wrapped_units_above_2_40": Case("hostile", ("SC310",)),
    "yaml_size_expression_above_2_40": Case("hostile", ("SC310",)),
    "k3_json_batch_shape_above_2_40": Case("hostile", ("SC310",)),
    "k2_json_batch_input_shape_above_2_40": Case("hostile", ("SC310",)),
    "k3_json_units_above_2_40": Case("hostile", ("SC310",)),
    "yaml_doubling_past_2_40": Case("hostile", ("SC310",)),
    "yaml_rank_100": Case("hostile", SC104),
    "yaml_target_shape_1000_axes": Case("hostile", ("SC403",)),
    "yaml_bool_size": Case("hostile", SC104),
    "yaml_bool_units": Case("hostile", ("SC403",)),
    "yaml_yes_units": Case("hostile", ("SC403",)),
    "k3_json_bool_units": Case("hostile", ("SC403",)),
    "k3_json_bool_batch_shape": Case("hostile", SC104),
    # not text, or not a model
    "empty": Case("hostile", SC102),
    "whitespace_only": Case("hostile", SC102),
    "comments_only": Case("hostile", SC102),
    "document_marker_only": Case("hostile", SC102),
    "a_list": Case("hostile", SC102),
    "a_number": Case("hostile", SC102),
    "two_documents": Case("hostile", SC101),
    "binary_garbage": Case("hostile", SC101),
    "binary_garbage_valid_utf8": Case("hostile", SC101),
    "utf16_with_bom": Case("hostile", SC101),
    "utf16_without_bom": Case("hostile", SC101),
    "utf32": Case("hostile", SC101),
    "latin1": Case("hostile", SC101),
    "nul_byte_yaml": Case("hostile", SC101),
    "nul_byte_json": Case("hostile", SC101),
    "control_characters": Case("hostile", SC101),
    "lone_surrogate_escape_json": Case("hostile", SC101),
    "lone_surrogate_escape_yaml": Case("hostile", SC101),
    "jsonpickle_object": Case("hostile", SC102),
    # tags
    "yaml_python_object_apply": Case("hostile", SC101),
    "yaml_python_object_new": Case("hostile", SC101),
    "yaml_python_name": Case("hostile", SC101),
    "yaml_python_module": Case("hostile", SC101),
    "yaml_custom_tag": Case("hostile", SC101),
    "yaml_local_tag_on_layer": Case("hostile", SC101),
    "json_python_tag": Case("hostile", SC101),
    "yaml_binary_set_omap_values": Case("hostile", ("SC402", "SC403")),
    # size of the model
    "yaml_200000_layers": Case("hostile", SC102, seconds=120, heavy=True),
    "json_200000_layers": Case("hostile", SC102, seconds=120, heavy=True),
    "yaml_5mb_layer_name": Case("bounded", seconds=30),
    "yaml_1mb_size_name": Case("hostile", SC104),
    "yaml_1mb_type": Case("hostile", ("SC401",)),
    "yaml_1mb_reference": Case("hostile", ("SC201",)),
    "yaml_5000_bad_references": Case("hostile", ("SC201",), seconds=60),
    "yaml_5000_bad_reuses": Case("hostile", ("SC201",), seconds=60),
    # code
    "yaml_lambda": Case("hostile", ("SC408",)),
    "yaml_lambda_output_shape": Case("reported", ("SC410",), outputs=([None, 2],)),
    "yaml_lambda_output_shapes_batch": Case("reported", ("SC410",), outputs=([5, 2],)),
    "yaml_lambda_output_shape_as_code": Case("hostile", ("SC408",)),
    "k3_json_lambda_output_shape": Case("hostile", ("SC408", "SC111"), outputs=([None, 7, 2],)),
    "k2_json_lambda_output_shape_raw": Case("hostile", ("SC111",), outputs=([None, 7, 2],)),
    "k2_json_lambda_output_shape_lambda": Case("hostile", ("SC408", "SC111")),
    "yaml_custom_layer_rule_with_code": Case("hostile", ("SC409",)),
}
CONTROLS = [n for n, c in CASES.items() if c.kind == "control"]
HOSTILE = [n for n, c in CASES.items() if c.kind != "control"]
LIGHT = [n for n, c in CASES.items() if not c.heavy]
HEAVY = [n for n, c in CASES.items() if c.heavy]

# =========================================================================== file builders
CONTROL_YAML = "model: control\ninputs: {x: [null, 3]}\nlayers:\n  - {type: Dense, units: 2, name: dense}\n"


def spec_yaml(layers: str = "  - {type: Dense, units: 2, name: dense}\n", inputs: str = "{x: [null, 3]}",
              head: str = "") -> str:
    return f"{head}model: hostile\ninputs: {inputs}\nlayers:\n{layers}"


def k3_config(extra: list[dict] | None = None, dense_config: dict | None = None,
              batch_shape: list | None = None) -> dict:
    """A Keras 3 ``model.to_json()`` of x (None, 7, 3) -> [extra...] -> Dense(2)."""
    shape = batch_shape if batch_shape is not None else [None, 7, 3]
    layers = [{"module": "keras.layers", "class_name": "InputLayer",
               "config": {"batch_shape": shape, "dtype": "float32", "sparse": False, "name": "x"},
               "registered_name": None, "name": "x", "inbound_nodes": []}]
    src = "x"
    for layer in extra or []:
        layer = json.loads(json.dumps(layer))
        layer["inbound_nodes"] = [KC._k3_node(src, (None, 7, 3))]
        layers.append(layer)
        src = layer["name"]
    dense = {"name": "dense", "trainable": True, "dtype": "float32", "units": 2, "activation": "linear",
             "use_bias": True, **(dense_config or {})}
    layers.append({"module": "keras.layers", "class_name": "Dense", "config": dense, "registered_name": None,
                   "build_config": {"input_shape": [None, 7, 3]}, "name": "dense",
                   "inbound_nodes": [KC._k3_node(src, (None, 7, 3))]})
    return {"module": "keras", "class_name": "Functional",
            "config": {"name": "hostile", "trainable": True, "layers": layers,
                       "input_layers": [["x", 0, 0]], "output_layers": [["dense", 0, 0]]},
            "registered_name": "Functional", "build_config": {"input_shape": None}}


def k2_config(extra: list[dict] | None = None, batch_shape: list | None = None) -> dict:
    """A tf_keras (Keras 2) ``model.to_json()`` of x (None, 7, 3) -> [extra...] -> Dense(2)."""
    layers = [{"class_name": "InputLayer", "config": {
        "batch_input_shape": batch_shape if batch_shape is not None else [None, 7, 3], "dtype": "float32",
        "sparse": False, "ragged": False, "name": "x"}, "name": "x", "inbound_nodes": []}]
    src = "x"
    for layer in extra or []:
        layer = json.loads(json.dumps(layer))
        layer["inbound_nodes"] = [[[src, 0, 0, {}]]]
        layers.append(layer)
        src = layer["name"]
    layers.append({"class_name": "Dense", "config": {"name": "dense", "trainable": True, "dtype": "float32",
                                                     "units": 2, "activation": "linear", "use_bias": True},
                   "name": "dense", "inbound_nodes": [[[src, 0, 0, {}]]]})
    return {"class_name": "Functional", "config": {"name": "hostile", "layers": layers,
                                                   "input_layers": [["x", 0, 0]],
                                                   "output_layers": [["dense", 0, 0]]},
            "keras_version": "2.15.0", "backend": "tensorflow"}


def laughs(levels: int = 9, width: int = 9, value: str = '"lol"', indent: str = "") -> list[str]:
    """Anchored lines a0 .. a{levels-1}, each ``width`` aliases of the one before."""
    out = [f'{indent}"a0": &a0 [{", ".join([value] * width)}]']
    for i in range(1, levels):
        out.append(f'{indent}"a{i}": &a{i} [{", ".join([f"*a{i - 1}"] * width)}]')
    return out


EVIL_MODULE = '''
from pathlib import Path
Path({marker!r}).write_text("imported")

def boom(*a, **k):
    Path({marker!r}).write_text("called")
'''


def build(root: Path) -> tuple[dict[str, Path], Path, Path, Path]:
    files_dir, markers, workdir, evil_dir = (root / d for d in ("files", "markers", "work", "evil"))
    for d in (files_dir, markers, workdir, evil_dir):
        d.mkdir(parents=True, exist_ok=True)
    (evil_dir / "shapecheck_evil_mod.py").write_text(EVIL_MODULE.format(marker=str(markers / "evil_module")))
    files: dict[str, Path] = {}

    def put(name: str, data: bytes | str, ext: str = ".yaml") -> None:
        p = files_dir / f"{name}{ext}"
        p.write_bytes(data.encode() if isinstance(data, str) else data)
        files[name] = p

    def put_json(name: str, data, ext: str = ".json") -> None:
        put(name, json.dumps(data), ext)

    n = 30_000
    rnd = random.Random(5)
    # ---- controls
    put("control_yaml", CONTROL_YAML)
    put_json("control_json_spec", {"model": "control", "inputs": {"x": [None, 3]},
                                   "layers": [{"type": "Dense", "units": 2}]})
    put_json("control_k3_json", k3_config())
    put_json("control_k2_json", k2_config())
    put("control_utf8_bom", b"\xef\xbb\xbf" + CONTROL_YAML.encode())
    put("control_merge_keys", spec_yaml("  - &d {type: Dense, units: 3, use_bias: true}\n"
                                        "  - {<<: *d, units: 4, name: second}\n"))
    put("control_size_2_40", spec_yaml(inputs=f"{{x: [null, {2**40}]}}"))
    zeros = "0" * 5000
    put("control_5000_leading_zeros", spec_yaml(f"  - {{type: Dense, units: 0x{zeros}2, name: d0}}\n"
                                                f"  - {{type: Dense, units: {zeros}2}}\n",
                                                inputs=f"{{x: [null, '{zeros}3']}}"))
    inner: dict = {"class_name": "Dense", "config": {"name": "d", "units": 2}}
    for i in range(100):
        inner = {"class_name": "Sequential", "config": {"name": f"s{i}", "layers": [
            {"class_name": "InputLayer", "config": {"name": f"in{i}", "batch_shape": [None, 3]}}, inner]}}
    put_json("control_nested_sequential_100", {"class_name": "Sequential", "config": {"name": "top", "layers": [
        {"class_name": "InputLayer", "config": {"name": "x", "batch_shape": [None, 3]}}, inner]}})

    # ---- aliases and anchors
    put("yaml_billion_laughs", "\n".join(laughs()) + "\n" + spec_yaml(
        "  - {type: Dense, units: 2, name: dense, kernel_initializer: *a8}\n"))
    put("yaml_billion_laughs_as_layers", "\n".join(laughs(7, 9, "{type: Dense, units: 2}")) + "\n"
        "model: hostile\ninputs: {x: [null, 3]}\nlayers: *a6\n")
    put("yaml_billion_laughs_as_key", "\n".join(laughs()) + "\n" + spec_yaml() + "? *a8\n: 1\n")
    merge = ["m0: &m0 {" + ", ".join(f"k{i}: {i}" for i in range(9)) + "}"]
    merge += [f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 9)}]}}" for i in range(1, 10)]
    put("yaml_merge_key_laughs", "\n".join(merge) + "\n" + spec_yaml(
        "  - {<<: *m9, type: Dense, units: 2, name: dense}\n"))
    cfg = "{" + ", ".join(laughs()) + ', "class_name": "Functional", "config": ' + json.dumps(
        k3_config()["config"])[:-1] + ', "extra": *a8}}'
    put("json_billion_laughs_in_k3_config", cfg, ".json")
    nodes = json.dumps(k3_config()).replace('"inbound_nodes": [{"args"', '"inbound_nodes": [*a8, {"args"', 1)
    put("json_billion_laughs_in_inbound_nodes", "{" + ", ".join(laughs()) + ", " + nodes[1:], ".json")
    put("yaml_cyclic_alias_list", "a: &a [*a]\n" + spec_yaml("  - {type: Dense, units: 2, foo: *a}\n"))
    put("yaml_cyclic_alias_mapping", "a: &a {b: *a}\n" + spec_yaml("  - {type: Dense, units: 2, foo: *a}\n"))
    put("yaml_cyclic_layers", "model: hostile\ninputs: {x: [null, 3]}\nlayers: &l [{type: Dense, units: 2, foo: *l}]\n")
    put("yaml_recursive_merge", "a: &a {k: 1, <<: *a}\n" + spec_yaml())
    put("yaml_duplicate_anchor", "a: &x 3\nb: &x 4\n" + spec_yaml(inputs="{x: [null, *x]}"))
    put("yaml_undefined_alias", spec_yaml(inputs="{x: [null, *nope]}"))
    put("yaml_merge_non_mapping", spec_yaml("  - {<<: 5, type: Dense, units: 2}\n"))

    # ---- nesting
    put("yaml_nested_30000", spec_yaml(f"  - {{type: Dense, units: 2, foo: {'[' * n}{']' * n}}}\n"))
    put("json_nested_30000", '{"inputs": {"x": [null, 3]}, "layers": ' + "[" * n + "]" * n + "}", ".json")
    put("json_nested_30000_behind_single_quote",
        '{"a": [\'"\', ' + "[" * n + "]" * n + ', \'"\'], "inputs": {"x": [null, 3]}, "layers": []}', ".json")
    put("json_nested_30000_behind_plain_quote",
        '{a: [x"y, ' + "[" * n + "]" * n + ', z"w], inputs: {x: [null, 3]}, layers: []}', ".json")
    put("json_nested_30000_behind_comment",
        '{"inputs": {"x": [null, 3]}, # "\n "layers": ' + "[" * n + "]" * n + '} # "\n', ".json")
    put("yaml_block_nested_1500", spec_yaml() + "extra:\n" + "".join("  " * (i + 1) + "-\n" for i in range(1500)))
    put("yaml_mapping_nested_1500", spec_yaml() + "extra:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(1500)))
    put("yaml_deep_layer_argument", spec_yaml(
        "  - {type: Dense, units: 2, foo: " + "{a: " * 200 + "1" + "}" * 200 + "}\n"))
    put_json("k3_json_deep_units", k3_config(dense_config={"units": json.loads("[" * 200 + "2" + "]" * 200)}))
    wrapped = "{type: Dense, units: 2}"
    for _ in range(300):
        wrapped = "{type: TimeDistributed, layer: " + wrapped + "}"
    put("yaml_wrappers_nested_300", spec_yaml(f"  - {wrapped}\n", inputs="{x: [null, 4, 3]}"))
    put("yaml_size_expression_parens_100", spec_yaml(inputs="{x: [null, '" + "(" * 100 + "3" + ")" * 100 + "']}"))
    put("yaml_size_expression_300_terms", spec_yaml(inputs="{x: [null, '" + "+".join(["1"] * 300) + "']}"))

    # ---- numbers
    big = "9" * 5000
    put("yaml_nan_size", spec_yaml(inputs="{x: [null, .nan]}"))
    put("yaml_inf_sizes", spec_yaml(inputs="{x: [null, .inf, -.inf]}"))
    put("yaml_nan_units", spec_yaml("  - {type: Dense, units: .NaN}\n"))
    put("json_spec_nan_infinity", '{"inputs": {"x": [null, NaN, Infinity]}, "layers": [{"type": "Dense", '
        '"units": -Infinity}, {"type": "Dense", "units": NaN}]}', ".json")
    put_json("k3_json_nan_batch_shape", k3_config(batch_shape=[None, float("nan"), 3]))
    put_json("k3_json_infinity_units", k3_config(dense_config={"units": float("inf")}))
    put("yaml_string_infinity_units", spec_yaml("  - {type: Dense, units: Infinity}\n  - {type: Dense, units: nan}\n"))
    put("yaml_5000_digit_size", spec_yaml(inputs=f"{{x: [null, {big}]}}"))
    put("yaml_5000_digit_units", spec_yaml(f"  - {{type: Dense, units: {big}}}\n"))
    put("yaml_5000_digit_hex_units", spec_yaml(f"  - {{type: Dense, units: 0x{'f' * 5000}}}\n"))
    put("yaml_5000_digit_sexagesimal_units", spec_yaml(f"  - {{type: Dense, units: 1{':59' * 2500}}}\n"))
    put("yaml_5000_digit_string_size", spec_yaml(inputs=f"{{x: [null, '2*{big}']}}"))
    put("yaml_5000_digit_dims_max", spec_yaml(inputs="{x: [null, t]}", head=f"dims: {{t: {{max: {big}}}}}\n"))
    put("json_spec_5000_digit_units", '{"inputs": {"x": [null, 3]}, "layers": [{"type": "Dense", "units": '
        + big + "}]}", ".json")
    put("k3_json_5000_digit_batch_shape", json.dumps(k3_config(batch_shape=[None, 7, 123456789]))
        .replace("123456789", big), ".json")
    put("k3_json_5000_digit_units", json.dumps(k3_config(dense_config={"units": 123456789}))
        .replace("123456789", big), ".json")
    # A seed may be any integer, but not one Python refuses to read: an error either way.
    put("k3_json_5000_digit_seed", json.dumps(k3_config(dense_config={"units": 0, "kernel_initializer": {
        "module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": 123456789},
        "registered_name": None}})).replace("123456789", big), ".json")
    put("yaml_size_above_2_40", spec_yaml(inputs=f"{{x: [null, {2**40 + 1}]}}"))
    put("yaml_units_above_2_40", spec_yaml(f"  - {{type: Dense, units: {2**41}}}\n"))
    put("yaml_kernel_size_above_2_40", spec_yaml(f"  - {{type: Conv1D, filters: 2, kernel_size: [{2**41}]}}\n",
                                                 inputs="{x: [null, 8, 3]}"))
    put("yaml_wrapped_units_above_2_40", spec_yaml(
        f"  - {{type: Bidirectional, layer: {{type: LSTM, units: {2**45}}}}}\n", inputs="{x: [null, 8, 3]}"))
    put("yaml_size_expression_above_2_40", spec_yaml(inputs=f"{{x: [null, '2*{2**40}']}}"))
    put_json("k3_json_batch_shape_above_2_40", k3_config(batch_shape=[None, 7, 2**50]))
    put_json("k2_json_batch_input_shape_above_2_40", k2_config(batch_shape=[None, 2**60, 3]))
    put_json("k3_json_units_above_2_40", k3_config(dense_config={"units": 2**63}))
    doubling = "".join(f"  - {{type: Concatenate, axis: 1, name: c{i}, inputs: [{'x' if i == 0 else f'c{i - 1}'}, "
                       f"{'x' if i == 0 else f'c{i - 1}'}]}}\n" for i in range(45))
    put("yaml_doubling_past_2_40", spec_yaml(doubling, inputs="{x: [null, 3]}"))
    put("yaml_rank_100", spec_yaml(inputs="{x: [null" + ", 1" * 100 + "]}"))
    put("yaml_target_shape_1000_axes", spec_yaml(f"  - {{type: Reshape, target_shape: [{', '.join(['2'] * 1000)}]}}\n"))
    put("yaml_bool_size", spec_yaml(inputs="{x: [null, true]}"))
    put("yaml_bool_units", spec_yaml("  - {type: Dense, units: false}\n"))
    put("yaml_yes_units", spec_yaml("  - {type: Dense, units: yes}\n"))
    put_json("k3_json_bool_units", k3_config(dense_config={"units": True}))
    put_json("k3_json_bool_batch_shape", k3_config(batch_shape=[None, True, 3]))

    # ---- not text, or not a model
    put("empty", b"")
    put("whitespace_only", b"   \n\n      \n")
    put("comments_only", b"# a spec\n   # with nothing in it\n")
    put("document_marker_only", b"---\n...\n")
    put("a_list", b"[1, 2, 3]\n")
    put("a_number", b"42\n")
    put("two_documents", CONTROL_YAML + "---\n" + CONTROL_YAML)
    put("binary_garbage", rnd.randbytes(8192), ".bin")
    put("binary_garbage_valid_utf8", "".join(chr(rnd.choice([rnd.randrange(0x20), rnd.randrange(0x20, 0x2FFF)]))
                                             for _ in range(4000)).encode("utf-8", "surrogatepass"))
    put("utf16_with_bom", CONTROL_YAML.encode("utf-16"))
    put("utf16_without_bom", CONTROL_YAML.encode("utf-16-le"))
    put("utf32", CONTROL_YAML.encode("utf-32"))
    put("latin1", ("model: caf\xe9 cr\xe8me\n" + CONTROL_YAML.split("\n", 1)[1]).encode("latin-1"))
    put("nul_byte_yaml", CONTROL_YAML.replace("units: 2", "units: \x002"))
    put("nul_byte_json", '{"inputs": {"x": [null, 3]}, "layers": [{"type": "Dense\x00", "units": 2}]}', ".json")
    put("control_characters", CONTROL_YAML.replace("model: control", "model: con\x07\x1btrol"))
    put("lone_surrogate_escape_json", '{"model": "\\ud800", "inputs": {"x": [null, 3]}}', ".json")
    put("lone_surrogate_escape_yaml", CONTROL_YAML.replace("model: control", 'model: "\\ud800"'))
    put_json("jsonpickle_object", {"py/object": "os.system", "py/reduce": [{"py/function": "os.system"},
                                                                          {"py/tuple": ["touch x"]}]})

    # ---- tags
    mark = markers / "tag"
    put("yaml_python_object_apply", spec_yaml(f"  - !!python/object/apply:os.system ['touch {mark}']\n"))
    put("yaml_python_object_new", spec_yaml(f"  - !!python/object/new:subprocess.Popen [['touch', '{mark}']]\n"))
    put("yaml_python_name", spec_yaml("  - {type: Dense, units: !!python/name:os.system }\n"))
    put("yaml_python_module", spec_yaml("  - {type: Dense, units: 2, foo: !!python/module:shapecheck_evil_mod }\n"))
    put("yaml_custom_tag", spec_yaml(inputs="!shape {x: [null, 3]}"))
    put("yaml_local_tag_on_layer", spec_yaml("  - !Dense {units: 2}\n"))
    put("json_python_tag", '{"inputs": {"x": [null, 3]}, "layers": [!!python/object/apply:os.system '
        f'["touch {mark}"]]}}', ".json")
    put("yaml_binary_set_omap_values", spec_yaml(
        "  - {type: Dense, units: !!binary aGVsbG8=, foo: !!set {a, b}, bar: !!omap [{a: 1}, {b: 2}]}\n"))

    # ---- size of the model
    put("yaml_200000_layers", "d: &d {type: Dense}\n" + "s: &s [" + ", ".join(["*d"] * 1000) + "]\n"
        "model: hostile\ninputs: {x: [null, 3]}\nlayers: [" + ", ".join(["*d"] * 200_000) + "]\n")
    put("json_200000_layers", '{"inputs": {"x": [null, 3]}, "layers": [' + ", ".join(['{"type": "Dense"}'] * 200_000)
        + "]}", ".json")
    put("yaml_5mb_layer_name", spec_yaml(f"  - {{type: Dense, units: 2, name: {'n' * 5_000_000}}}\n"))
    put("yaml_1mb_size_name", spec_yaml(inputs=f"{{x: [null, {'t' * 1_000_000}]}}"))
    put("yaml_1mb_type", spec_yaml(f"  - {{type: {'D' * 1_000_000}, units: 2}}\n"))
    put("yaml_1mb_reference", spec_yaml(f"  - {{type: Dense, units: 2, inputs: {'x' * 1_000_000}y}}\n"))
    put("yaml_5000_bad_references", spec_yaml("".join(
        f"  - {{type: Dense, units: 3, name: layer_number_{i}, inputs: lyer_numbr_{i}}}\n" for i in range(5000))))
    put("yaml_5000_bad_reuses", spec_yaml("".join(
        f"  - {{reuse: lyer_numbr_{i}}}\n  - {{type: Dense, units: 3, name: layer_number_{i}}}\n"
        for i in range(5000))))

    # ---- code
    put("yaml_lambda", spec_yaml("  - {type: Lambda, function: 'lambda t: t[:, :2]'}\n  - {type: Dense, units: 2}\n"))
    put("yaml_lambda_output_shape", spec_yaml(
        "  - {type: Lambda, function: 'lambda t: t[:, :4]', output_shape: [4]}\n  - {type: Dense, units: 2}\n"))
    put("yaml_lambda_output_shapes_batch", spec_yaml(
        "  - {type: Lambda, name: split, output_shape: [[4], [6, 3]]}\n  - {type: Dense, units: 2, inputs: 'split[0]'}\n",
        inputs="{x: [5, 3]}"))
    put("yaml_lambda_output_shape_as_code", spec_yaml(
        "  - {type: Lambda, output_shape: 'lambda s: (s[0], 4)'}\n  - {type: Dense, units: 2}\n"))
    lam3 = KC.keras3_lambda_config(markers / "k3_lambda", name="evil_lambda")
    lam3["config"]["output_shape"] = [7, 4]
    put_json("k3_json_lambda_output_shape", k3_config([lam3]))
    lam2 = {"class_name": "Lambda", "name": "evil_lambda", "config": {
        "name": "evil_lambda", "trainable": True, "dtype": "float32",
        "function": ["4wEAAAAAAAAA", None, None], "function_type": "lambda", "module": "__main__",
        "output_shape": [7, 4], "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}}
    put_json("k2_json_lambda_output_shape_raw", k2_config([lam2]))
    lam2b = json.loads(json.dumps(lam2))
    lam2b["config"].update(output_shape=["4wEAAAAAAAAA", None, None], output_shape_type="lambda")
    lam2b["config"]["function"] = {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA"}}
    put_json("k2_json_lambda_output_shape_lambda", k2_config([lam2b]))
    put("yaml_custom_layer_rule_with_code", spec_yaml(
        "  - {type: MyLayer}\n", head="custom_layers:\n  MyLayer:\n    output: [\"__import__('os').system('x')\"]\n"))
    assert set(files) == set(CASES), set(CASES) ^ set(files)
    return files, markers, workdir, evil_dir


# =========================================================================== the checks
_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")


def file_lines(raw: bytes) -> list[str]:
    """The file's lines as YAML counts them (\\r, \\n, NEL, LS, PS break a line)."""
    return _BREAK.split(raw.decode("utf-8-sig", "replace"))


def location_problems(raw: bytes, diagnostics: list[dict], path: str | None = None) -> list[str]:
    """A line and column inside the file: line <= lines + 1, column <= that line's
    length + 1 (a missing line or column prints as 1)."""
    lines = file_lines(raw)
    out = []
    for d in diagnostics:
        line, col = d.get("line") or 1, d.get("column") or 1
        if not 1 <= line <= len(lines) + 1:
            out.append(f"{d['code']} at line {line}: the file has {len(lines)} lines")
            continue
        width = len(lines[line - 1]) if line <= len(lines) else 0
        if not 1 <= col <= width + 1:
            out.append(f"{d['code']} at {line}:{col}: that line has {width} characters")
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_specs")
    files, markers, workdir, evil_dir = build(root)
    return {"root": root, "files": files, "markers": markers, "workdir": workdir, "evil": evil_dir}


@pytest.fixture(scope="module")
def results(hostile, tmp_path_factory):
    base = tmp_path_factory.getbasetemp()
    before = snapshot(base)
    t0 = time.perf_counter()
    res = run_child([(n, hostile["files"][n]) for n in LIGHT], hostile["workdir"], hostile["evil"], timeout=600,
                    memory_cap_mb=1024, strict=True, text_cli=True)
    for name in HEAVY:
        res.update(run_child([(name, hostile["files"][name])], hostile["workdir"], hostile["evil"], timeout=900,
                             memory_cap_mb=2048, strict=True, text_cli=True))
    after = snapshot(base)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {"cases": res, "changed": changed, "markers": sorted(os.listdir(hostile["markers"])),
            "workdir": sorted(os.listdir(hostile["workdir"])), "seconds": time.perf_counter() - t0}


def _problems(hostile, results, name: str) -> list[str]:
    case = CASES[name]
    r = results["cases"][name]
    path = hostile["files"][name]
    problems = check_common(r)
    if r.get("exception") or r.get("cli_exception"):
        return problems
    for key in ("seconds", "cli_seconds", "text_seconds"):
        if r.get(key, 1e9) > case.seconds:
            problems.append(f"{key}: {r.get(key):.1f} s, over {case.seconds} s")
    diags = r.get("diagnostics") or []
    problems += location_problems(path.read_bytes(), diags)
    errors = [d for d in diags if d["severity"] == "error"]
    if case.kind == "control":
        want_code = 0
        if not r.get("ok") or errors:
            problems.append(f"the control is not ok: {diags}")
    elif case.kind == "reported":
        want_code = 0
        if not r.get("ok") or not any(d["code"] in case.codes for d in diags):
            problems.append(f"expected ok with a warning {'/'.join(case.codes)}; diagnostics={diags}")
    elif case.kind == "hostile":
        want_code = 1
        if r.get("ok") is not False or not any(d["code"] in case.codes for d in errors):
            problems.append(f"expected an error {'/'.join(case.codes)}; ok={r.get('ok')} diagnostics={diags}")
    else:
        want_code = 0 if r.get("ok") else 1
    if case.outputs is not None and [list(o) for o in case.outputs] != r.get("outputs"):
        problems.append(f"outputs {r.get('outputs')}, expected {list(case.outputs)}")
    if r.get("cli_code") != want_code or r.get("text_code") != want_code:
        problems.append(f"exit codes {r.get('cli_code')} (json) {r.get('text_code')} (text), expected {want_code}")
    for key in ("cli_stderr", "text_stderr"):
        if r.get(key):
            problems.append(f"{key}: {r[key]!r}")
    if want_code == 1:
        lines = r.get("text_diag_lines") or []
        if not lines or not r.get("text_diag_lines_ok"):
            problems.append(f"the text output has no `path:line:col: CODE message` lines: {lines}")
    return problems


@pytest.mark.parametrize("name", CONTROLS)
def test_control_is_ok(hostile, results, name):
    problems = _problems(hostile, results, name)
    assert not problems, f"{name} ({hostile['files'][name]}):\n" + "\n".join(problems)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_is_a_finding(hostile, results, name):
    problems = _problems(hostile, results, name)
    assert not problems, f"{name} ({hostile['files'][name]}):\n" + "\n".join(problems)


def test_nothing_executed_or_written(hostile, results):
    """No marker (a YAML tag, a Lambda's bytecode, the evil module), nothing created,
    changed or removed under pytest's temporary tree, the working folder empty."""
    assert results["markers"] == [], f"payloads ran: {results['markers']}"
    assert results["workdir"] == [], results["workdir"]
    assert results["changed"] == [], f"files changed during the analyses: {results['changed'][:20]}"


def test_enough_cases():
    """Issue 5 asks for at least 40 hostile files; every bullet is covered above."""
    assert len(HOSTILE) >= 40


# =========================================================================== in-process checks
def test_lambda_payload_is_live(hostile):
    """The K3 Lambda file's function really writes its marker when run (so the check
    that it did not run means something)."""
    import base64
    import marshal
    import types

    data = json.loads(hostile["files"]["k3_json_lambda_output_shape"].read_text())
    lam = [l for l in data["config"]["layers"] if l["class_name"] == "Lambda"][0]
    code = marshal.loads(base64.b64decode(lam["config"]["function"]["config"]["code"]))
    marker = hostile["markers"] / "k3_lambda"
    types.FunctionType(code, {"open": open}, "<lambda>")(None)
    assert marker.exists()
    marker.unlink()


def test_device_file_is_read_only_up_to_the_cap():
    """``analyze("/dev/zero")``: a file whose size says 0 but never ends is read only
    up to the text cap, then refused (the CLI refuses non-files before that)."""
    import shapecheck
    from shapecheck.api import MAX_TEXT_BYTES

    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    t0 = time.perf_counter()
    rep = shapecheck.analyze("/dev/zero")
    assert time.perf_counter() - t0 < 20
    assert [d.code for d in rep.diagnostics] == ["SC108"], rep.diagnostics
    assert f"{MAX_TEXT_BYTES:,}" in rep.diagnostics[0].message


@pytest.mark.parametrize("arg", [f"t={'9' * 5000}", f"t={2**41}"])
def test_cli_dim_too_large_is_a_usage_error(arg, tmp_path):
    """A ``--dim`` over 2**40 (or over Python's 4,300-digit limit) is the command's
    own error: exit 2, one line, no traceback."""
    from shapecheck.cli import main

    spec = tmp_path / "s.yaml"
    spec.write_text(CONTROL_YAML)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main([str(spec), "--dim", arg])
    assert code == 2
    assert "larger than any size" in err.getvalue() and "Traceback" not in err.getvalue()


def test_cli_output_the_terminal_cannot_encode(tmp_path):
    """Names the terminal's encoding cannot show are escaped, not a crash: the real
    command, its stdout ASCII."""
    import subprocess
    import sys

    spec = tmp_path / "s.yaml"
    spec.write_text("model: caf\u00e9 \u4e2d\ninputs: {x: [null, 3]}\nlayers: [{type: Dense, units: 0, "
                    "name: \u03b4}]\n", encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.run([sys.executable, "-m", "shapecheck", str(spec)], capture_output=True, env=env,
                          timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == b""
    assert b"SC403" in proc.stdout and b"\\u03b4" in proc.stdout


def test_size_cap_boundaries():
    """2**40 is a size; 2**40 + 1 is not, as an input axis, a units argument or a
    size expression, in a spec and in a Keras config alike."""
    import shapecheck

    def codes(spec):
        return [d.code for d in shapecheck.analyze(spec).diagnostics if d.severity.value == "error"]

    assert codes({"inputs": {"x": [None, 2**40]}, "layers": [{"type": "Dense", "units": 2**40}]}) == []
    assert codes({"inputs": {"x": [None, 2**40 + 1]}, "layers": [{"type": "Dense", "units": 2}]}) == ["SC310"]
    assert codes({"inputs": {"x": [None, 3]}, "layers": [{"type": "Dense", "units": 2**40 + 1}]}) == ["SC310"]
    assert codes({"inputs": {"x": [None, f"{2**39}*2"]}, "layers": [{"type": "Dense", "units": 2}]}) == []
    assert codes({"inputs": {"x": [None, f"{2**40}+1"]}, "layers": [{"type": "Dense", "units": 2}]}) == ["SC310"]
    # seeds and the like are values, not sizes
    assert codes({"inputs": {"x": [None, 3]}, "layers": [{"type": "Dropout", "rate": 0.5, "seed": 2**62}]}) == []


def test_harness_catches_misdeeds(tmp_path):
    """The audit hook is live: a fake ``shapecheck`` (first on the child's path)
    whose analyze() does each forbidden thing is caught every time."""
    fake = tmp_path / "fake"
    pkg = fake / "shapecheck"
    (pkg / "output").mkdir(parents=True)
    (pkg / "rules").mkdir()
    for sub in ("output", "rules"):
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "output" / "json_format.py").write_text("")
    (pkg / "output" / "text.py").write_text("")
    (pkg / "cli.py").write_text("def main(argv):\n    print('{\"files\": []}')\n    return 0\n")
    out_file = tmp_path / "written"
    (pkg / "__init__.py").write_text(f'''
class _Rep:
    ok = True
    def to_dict(self):
        return {{"format": "yaml", "diagnostics": [], "outputs": []}}

def analyze(path):
    if isinstance(path, dict):
        return _Rep()
    what = open(path).read().strip()
    if what == "exec":
        exec("1")
    elif what == "eval":
        eval("1 + 1")
    elif what == "compile":
        compile("1", "x", "eval")
    elif what == "write":
        open({str(out_file)!r}, "w").close()
    elif what == "marshal":
        import marshal
        marshal.loads(marshal.dumps(1))
    elif what == "pickle":
        import pickle
        pickle.loads(pickle.dumps(_Rep))
    elif what == "socket":
        import socket
        socket.socket().close()
    elif what == "subprocess":
        import subprocess
        subprocess.run(["true"])
    elif what == "system":
        import os
        os.system("true")
    elif what == "import_third_party":
        import jsonschema  # noqa: F401
    return _Rep()
''')
    misdeeds = ["exec", "eval", "compile", "write", "marshal", "pickle", "socket", "subprocess", "system",
                "import_third_party"]
    cases = []
    for m in misdeeds:
        p = tmp_path / f"{m}.txt"
        p.write_text(m)
        cases.append((m, p))
    ok = tmp_path / "nothing.txt"
    ok.write_text("nothing")
    work = tmp_path / "work"
    work.mkdir()
    res = run_child(cases + [("nothing", ok)], work, fake, timeout=120, strict=True)
    assert not res["nothing"]["events"], res["nothing"]
    missed = [m for m in misdeeds if not res[m].get("events")]
    assert not missed, {m: res[m] for m in missed}
