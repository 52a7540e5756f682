"""``shapecheck graph``: the picture says every edge's shape and every layer's type,
params and weight shapes; errors are red; Mermaid output is parsed by Mermaid itself.

The SVG and PNG tests need Graphviz's ``dot`` and the Mermaid test needs npm: both
skip on a machine without them, except under CI (``CI`` set), where ``.ci/run``
installs Graphviz and a skip would hide a broken picture, so they fail instead."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from npm_tools import need as _need
from npm_tools import node_modules

from shapecheck.api import analyze, analyze_file
from shapecheck.cli import main
from shapecheck.output.picture import edge_label, nodes, to_dot, to_mermaid

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "specs").glob("*.yaml"))

SHARED = """\
model: siamese
inputs:
  left: [?, t, 8]
  right: [?, s, 8]
layers:
  - {name: encoder, type: LSTM, units: 16, inputs: left}
  - {reuse: encoder, inputs: right}
  - {name: both, type: Concatenate, inputs: [encoder, encoder@1]}
outputs: [both]
"""
FAULTY = """\
model: faulty
inputs:
  x: [?, t, 12]
layers:
  - {name: l1, type: LSTM, units: 8}
  - {name: l2, type: LSTM, units: 4}
  - {name: d, type: Dense, units: 2}
outputs: [d]
"""


@pytest.fixture
def shared_spec(tmp_path) -> Path:
    path = tmp_path / "siamese.yaml"
    path.write_text(SHARED)
    return path


@pytest.fixture
def faulty_spec(tmp_path) -> Path:
    path = tmp_path / "faulty.yaml"
    path.write_text(FAULTY)
    return path


def _svg_text(path: Path) -> str:
    """All the text an SVG shows, one <text> element per line."""
    tree = ET.parse(path)
    return "\n".join("".join(t.itertext()) for t in tree.iter("{http://www.w3.org/2000/svg}text"))


def _shows(shown: str, text: str) -> bool:
    # Graphviz pads edge labels with the spaces we give them and may swap a space for
    # a no-break space; compare with spaces normalised.
    return text in shown.replace("\xa0", " ")


# --- what the picture holds, format-independent ----------------------------------

def test_edges_carry_the_shapes_the_engine_computed():
    report = analyze_file(str(ROOT / "specs" / "seq2seq.yaml"))
    labels = [(e.source, e.target, edge_label(e)) for e in report.edges]
    assert labels == [
        ("src", "enc", "(None, s, 32)"),
        ("tgt", "dec", "(None, t, 16)"),
        ("enc", "dec", "initial_state: [1] (None, 256)"),
        ("enc", "dec", "initial_state: [2] (None, 256)"),
        ("dec", "logits", "(None, t, 256)"),
        ("logits", "(output)", "(None, t, 1000)"),  # the model's output shape, on its own arrow
    ]


def test_a_shared_layers_later_call_is_its_own_box(shared_spec):
    report = analyze_file(str(shared_spec))
    boxes = {n.id: n for n in nodes(report)}
    assert list(boxes) == ["left", "right", "encoder", "both", "encoder@1", "(output)"]
    assert boxes["(output)"].state == "output"
    assert boxes["encoder@1"].title == "encoder@1: LSTM"
    assert [(e.source, e.target, edge_label(e)) for e in report.edges] == [
        ("left", "encoder", "(None, t, 8)"),
        ("right", "encoder@1", "(None, s, 8)"),
        ("encoder", "both", "(None, 16)"),
        ("encoder@1", "both", "(None, 16)"),
        ("both", "(output)", "(None, 32)"),
    ]


def test_error_layers_are_red_and_what_follows_is_grey(faulty_spec):
    report = analyze_file(str(faulty_spec))
    states = {n.id: (n.state, n.lines) for n in nodes(report)}
    assert states["l2"] == ("error", ("SC301: rank mismatch",))
    assert states["d"][0] == "skipped"
    assert states["l1"][0] == "ok"
    dot = to_dot(report)
    assert '"l2" [label="l2: LSTM\\nSC301: rank mismatch", color="#c62828"' in dot
    assert '"l2" -> "d" [label=" ? ", color="#9e9e9e"' in dot


def test_weight_shapes_and_params_are_in_each_box():
    report = analyze_file(str(ROOT / "specs" / "seed_bilstm.yaml"))
    box = {n.id: n for n in nodes(report)}["bilstm"]
    assert box.lines == (
        "params: 1,219,584",
        "forward_lstm/lstm_cell/kernel (12, 1536)",
        "forward_lstm/lstm_cell/recurrent_kernel (384, 1536)",
        "forward_lstm/lstm_cell/bias (1536,)",
        "backward_lstm/lstm_cell/kernel (12, 1536)",
        "backward_lstm/lstm_cell/recurrent_kernel (384, 1536)",
        "backward_lstm/lstm_cell/bias (1536,)",
    )
    mha = analyze({"inputs": {"q": ["?", 5, 16]},
                   "layers": [{"name": "mha", "type": "MultiHeadAttention", "num_heads": 2, "key_dim": 4,
                               "inputs": ["q", "q"]}], "outputs": ["mha"]})
    lines = {n.id: n for n in nodes(mha)}["mha"].lines
    assert lines[0] == "params: 552" and len(lines) == 8 and lines[-1] == "... 2 more weights"


def test_names_that_are_markup_are_escaped():
    """Keras configs may name layers anything; quotes, brackets and pipes must not end
    a label early in DOT or Mermaid."""
    name = 'a"b<c>|d\\e`'
    report = analyze({"inputs": {"x": ["?", 4]},
                      "layers": [{"name": name, "type": "Dense", "units": 3, "inputs": "x"}],
                      "outputs": [name]})
    assert report.ok
    dot = to_dot(report)
    assert '"a\\"b<c>|d\\\\e`" [label="a\\"b<c>|d\\\\e`: Dense' in dot
    mermaid = to_mermaid(report)
    assert "a#quot;b#lt;c#gt;#124;d\\e#96;: Dense" in mermaid
    assert '"' not in mermaid.split('["', 1)[1].split('"]', 1)[0].replace("#quot;", "")


# --- the command ------------------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_svg_shows_every_edge_shape_and_weight(spec, tmp_path, capsys):
    _need("dot")
    out = tmp_path / "model.svg"
    assert main(["graph", str(spec), "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().err
    shown = _svg_text(out)
    report = analyze_file(str(spec))
    assert report.edges
    for edge in report.edges:
        assert _shows(shown, edge_label(edge)), (edge, shown)
    for node in nodes(report):
        for line in (node.title, *node.lines):
            assert _shows(shown, line), (line, shown)


def test_svg_of_a_faulty_model_is_drawn_and_exits_1(faulty_spec, tmp_path, capsys):
    _need("dot")
    out = tmp_path / "faulty.svg"
    assert main(["graph", str(faulty_spec), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{faulty_spec}:6:5: SC301" in err
    svg = out.read_text()
    assert "SC301: rank mismatch" in _svg_text(out)
    assert 'fill="#ffebee" stroke="#c62828"' in svg


def test_png(tmp_path):
    _need("dot")
    out = tmp_path / "model.png"
    assert main(["graph", str(ROOT / "specs" / "seed_bilstm.yaml"), "-o", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dot_needs_no_graphviz(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot anywhere
    out = tmp_path / "model.dot"
    assert main(["graph", str(ROOT / "specs" / "seed_bilstm.yaml"), "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith('digraph "seed_bilstm" {') and '"x" -> "bilstm" [label=" (None, t, 12) "];' in text
    assert main(["graph", str(ROOT / "specs" / "seed_bilstm.yaml")]) == 0
    assert capsys.readouterr().out == text


def test_without_graphviz_svg_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "model.svg"
    assert main(["graph", str(ROOT / "specs" / "seed_bilstm.yaml"), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "needs Graphviz's `dot` program" in err and "apt install graphviz" in err
    assert "brew install graphviz" in err and "--mermaid" in err
    assert not out.exists()


def test_mermaid_to_stdout_and_markdown(tmp_path, capsys):
    spec = str(ROOT / "specs" / "seed_bilstm.yaml")
    assert main(["graph", spec, "--mermaid"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("flowchart TD\n")
    assert '  n0 -->|"(None, t, 12)"| n1' in text.splitlines()
    out = tmp_path / "model.md"
    assert main(["graph", spec, "-o", str(out)]) == 0
    assert out.read_text() == f"```mermaid\n{text}```\n"


@pytest.mark.parametrize("argv, message", [
    (["graph", "specs/seed_bilstm.yaml", "-o", "model.jpg"], "unknown picture type .jpg"),
    (["graph", "specs/seed_bilstm.yaml", "--mermaid", "-o", "model.svg"], "--mermaid writes Mermaid"),
    (["graph", "no/such.yaml"], "no/such.yaml: no such file"),
    (["graph", "specs/seed_bilstm.yaml", "--dim", "t=x"], "expected NAME=INT"),
    (["graph"], "required: FILE"),
])
def test_usage_errors_exit_2(argv, message, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_a_file_that_holds_no_model_draws_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("layers: [\n")
    out = tmp_path / "bad.dot"
    assert main(["graph", str(bad), "-o", str(out)]) == 1
    assert "SC101" in capsys.readouterr().err
    assert not out.exists()


def test_dim_binding_reaches_the_picture(capsys):
    assert main(["graph", str(ROOT / "specs" / "seed_bilstm.yaml"), "--dim", "t=4995"]) == 0
    # bilstm has no consumer: its shape is on the arrow to the model's output
    assert '"bilstm" -> "(output)" [label=" (None, 4995, 768) "];' in capsys.readouterr().out
    assert main(["graph", str(ROOT / "specs" / "seq2seq.yaml"), "--dim", "t=7"]) == 0
    assert '"dec" -> "logits" [label=" (None, 7, 256) "];' in capsys.readouterr().out


def test_graph_runs_in_a_fresh_process_without_tensorflow(tmp_path):
    code = ("import sys; from shapecheck.cli import main; rc = main(['graph', sys.argv[1], '--mermaid']); "
            "assert not any(m.split('.')[0] in ('tensorflow', 'keras', 'torch') for m in sys.modules); "
            "sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code, str(ROOT / "specs" / "seq2seq.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("flowchart TD")


# --- Mermaid's own parser ---------------------------------------------------------

PARSE_JS = """\
import { JSDOM } from "jsdom";
import { readFileSync } from "fs";
const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window; globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });
const results = {};
for (const f of process.argv.slice(2)) {
  try { results[f] = (await mermaid.parse(readFileSync(f, "utf8"))).diagramType; }
  catch (e) { results[f] = "error: " + String(e.message || e); }
}
console.log(JSON.stringify(results));
"""


@pytest.fixture(scope="module")
def mermaid_parser() -> Path:
    """Mermaid 11, run under jsdom (it expects a browser's window)."""
    _need("node")
    script = node_modules("mermaid", "mermaid@11", "jsdom@26") / "parse.mjs"
    script.write_text(PARSE_JS)
    return script


def test_mermaid_parses_with_mermaid_itself(mermaid_parser, tmp_path, shared_spec, faulty_spec):
    corpus = json.loads((ROOT / "tests" / "fixtures" / "keras_configs.json").read_text())["configs"]
    sources = [*SPECS, shared_spec, faulty_spec]
    for k, config in enumerate(list(corpus.values())[:12]):
        path = tmp_path / f"keras_{k}.json"
        path.write_text(json.dumps(config))
        sources.append(path)
    files = []
    for k, source in enumerate(sources):
        report = analyze_file(str(source))
        if not report.layers:
            continue
        path = tmp_path / f"{k}.mmd"
        path.write_text(to_mermaid(report))
        files.append(str(path))
    # A broken chart must fail, or the check proves nothing.
    broken = tmp_path / "broken.mmd"
    broken.write_text('flowchart TD\n  n0["a"] -->|"x| n1\n')
    files.append(str(broken))
    done = subprocess.run(["node", str(mermaid_parser), *files], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert results.pop(str(broken)).startswith("error:")
    assert len(results) >= len(SPECS) + 2
    assert set(results.values()) == {"flowchart-v2"}, results


def test_keras_files_get_no_index_on_single_output_arrows():
    configs = json.loads((ROOT / "tests" / "fixtures" / "keras_configs.json").read_text())["configs"]
    seen = 0
    for name, config in configs.items():
        report = analyze(config)
        for e in report.edges:
            seen += 1
            label = edge_label(e)
            produced = report.layers.get(e.source)
            several = produced is not None and produced.output_shapes and len(produced.output_shapes) > 1
            assert several or not label.removeprefix("initial_state: ").startswith("["), (name, label)
    assert seen > 50
