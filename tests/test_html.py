"""The HTML format, what a Report shows in a notebook: parsed with ``html.parser`` into a
tree, so the tests check the structure (rows, cells, details blocks), not substrings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import markdown as pymarkdown
import pytest
from html_tree import cells, parse, summary_rows

import shapecheck
from shapecheck.api import analyze_bytes, analyze_python
from shapecheck.cli import main
from shapecheck.layouts import relayout
from shapecheck.output import html, markdown, text

ROOT = Path(__file__).resolve().parent.parent


def test_the_seed_model_as_a_table():
    report = shapecheck.analyze("specs/seed_bilstm.yaml")
    root = parse(html.render_report(report))
    fragment = root.kids("div")[0]
    assert "shapecheck" in fragment.classes()
    assert fragment.all("p")[0].text() == 'Model: "seed_bilstm" (specs/seed_bilstm.yaml) ok'
    table = next(t for t in root.all("table") if "summary" in t.classes())
    assert cells(table.kids("thead")[0].kids("tr")[0]) == ["Layer (type)", "Output Shape", "Param #"]
    assert summary_rows(root) == [["x (InputLayer)", "(None, t, 12)", "0"],
                                  ["bilstm (Bidirectional)", "(None, t, 768)", "1,219,584"]]
    totals = next(p for p in root.all("p") if p.text().startswith("Total params"))
    assert totals.text() == ("Total params: 1,219,584 (4.65 MB)\nTrainable params: 1,219,584 (4.65 MB)\n"
                             "Non-trainable params: 0 (0.00 B)")
    assert not any(h.text().startswith("Findings") for h in root.all("h4"))


def _text_rows(report) -> list[list[str]]:
    """The text format's table, cut into its columns (``text._COLS``)."""
    a, b, c = text._COLS
    lines = text.render(report, explain=False).splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("─")]
    out = []
    for line in lines[rules[1] + 1:rules[2]]:
        label, shape, params, connected = line[:a], line[a + 1:a + b + 1], line[a + b + 2:a + b + c + 2], \
            line[a + b + c + 3:]
        if not label.strip():  # a further output shape of the row above
            out[-1][1] += "\n" + line[a + 1:].strip()
            continue
        out.append([label.strip(), shape.strip(), params.strip()] + ([connected.strip()] if connected else []))
    return out


SHARED = {"model": "siamese", "dims": {"t": {"min": 1}, "s": {"min": 1}},
          "inputs": {"left": ["?", "t", 8], "right": ["?", "s", 8]},
          "layers": [{"name": "encoder", "type": "LSTM", "units": 16, "inputs": "left"},
                     {"reuse": "encoder", "inputs": "right"},
                     {"name": "score", "type": "Dense", "units": 1, "inputs": "encoder@1"}],
          "outputs": ["encoder", "score"]}


@pytest.mark.parametrize("source", ["specs/seed_bilstm.yaml", "specs/seq2seq.yaml", "specs/gru_tagger.yaml",
                                    SHARED], ids=["seed", "seq2seq", "gru_tagger", "shared"])
def test_the_rows_are_the_text_formats(source):
    report = shapecheck.analyze(source)
    ours = [[c.replace("\xa0", " ").strip() for c in row] for row in summary_rows(parse(html.render_report(report)))]
    theirs = _text_rows(report)
    # the text format cuts a long cell with "…" (the HTML never does), and leaves out a later
    # call's empty cells
    ours, theirs = [_trimmed(r) for r in ours], [_trimmed(r) for r in theirs]
    assert len(ours) == len(theirs) and all(
        o == t or (len(o) == len(t) and all(x == y or (y.endswith("…") and x.startswith(y[:-1]))
                                            for x, y in zip(o, t)))
        for o, t in zip(ours, theirs)), (ours, theirs)


def _trimmed(row: list[str]) -> list[str]:
    while row and not row[-1]:
        row = row[:-1]
    return row


def test_a_model_that_is_not_a_chain_says_what_each_layer_is_connected_to():
    root = parse(html.render_report(shapecheck.analyze("specs/seq2seq.yaml")))
    table = next(t for t in root.all("table") if "summary" in t.classes())
    assert cells(table.kids("thead")[0].kids("tr")[0])[-1] == "Connected to"
    rows = {r[0]: r for r in summary_rows(root)}
    assert rows["dec (LSTM)"][3] == "tgt[0][0], enc[0][1], enc[0][2]"


def test_a_shared_layers_later_call_has_its_own_row_and_its_details():
    report = shapecheck.analyze(SHARED)
    root = parse(html.render_report(report))
    labels = [r[0].replace("\xa0", " ") for r in summary_rows(root)]
    assert "  encoder@1 (call 2)" in labels
    encoder = next(d for d in root.all("details") if d.kids("summary")[0].text().startswith("encoder "))
    assert "call 2 (encoder@1): input (None, s, 8), output (None, 16)" in encoder.text()


def test_each_layer_is_a_details_block_with_its_weights_explained_axis_by_axis():
    report = shapecheck.analyze("specs/seed_bilstm.yaml")
    root = parse(html.render_report(report))
    blocks = root.all("details")
    assert [b.kids("summary")[0].text() for b in blocks] == \
        ["x (InputLayer) → (None, t, 12)", "bilstm (Bidirectional) → (None, t, 768)"]
    assert not any("open" in b.attrs for b in blocks)  # nothing wrong: all closed
    bilstm = blocks[1]
    body = bilstm.kids("div")[0]
    assert body.kids("p")[0].text() == "input: (None, t, 12)\noutput: (None, t, 768)"
    assert [li.text() for li in body.all("li")] == list(report.layers["bilstm"].why)
    weights = body.kids("table")
    layer = report.layers["bilstm"]
    assert len(weights) == len(layer.weights) == 6
    for table, weight in zip(weights, layer.weights):
        caption = table.kids("caption")[0].text()
        assert caption.startswith(f"{weight.path} ") and f"{weight.count:,} params" in caption
        assert [cells(r) for r in table.kids("tbody")[0].kids("tr")] == \
            [[str(a.size), f"= {a.formula}", a.why] for a in weight.axes]
    kernel = cells(weights[0].kids("tbody")[0].kids("tr")[1])
    assert kernel[:2] == ["1536", "= 4*units"] and "4 gates (input, forget, cell, output)" in kernel[2]


def test_findings_are_a_table_and_the_failing_layer_opens():
    spec = {"model": "m", "inputs": {"x": ["?", 4]}, "layers": [{"name": "d", "type": "Dense", "units": -3},
                                                                 {"name": "e", "type": "Dense", "units": 2}]}
    report = shapecheck.analyze(spec)
    root = parse(html.render_report(report))
    assert root.all("p")[0].text().endswith(" errors")
    findings = next(t for t in root.all("table") if "findings" in t.classes())
    assert cells(findings.kids("thead")[0].kids("tr")[0]) == ["Where", "Code", "Severity", "Layer", "Finding",
                                                            "Hint"]
    assert [d.code for d in report.diagnostics] == ["SC403", "SC207"]
    assert [cells(r) for r in findings.kids("tbody")[0].kids("tr")] == [
        ["<dict>:1:1", "SC403", "error", "d", "Dense argument units: expected an integer >= 1, got -3",
         "output width: the last axis of the output"],
        ["<dict>:1:1", "SC207", "info", "e",
         "'e' is not checked: its input comes from 'd', which could not be analysed", ""]]
    assert [c.attrs.get("class") for c in findings.all("td")[1:3]] == ["error", "error"]
    blocks = {b.kids("summary")[0].text().split(" ")[0]: b for b in root.all("details")}
    assert "open" in blocks["d"].attrs and "open" not in blocks["e"].attrs
    assert blocks["d"].kids("div")[0].all("table")[0].classes() == {"findings"}
    assert summary_rows(root)[1:] == [["d (Dense)", "(failed)", "?"], ["e (Dense)", "(skipped)", "?"]]


def test_a_file_that_cannot_be_read_shows_its_finding_and_no_table():
    report = analyze_bytes(b"model: m\nlayers: [", "bad.yaml")
    root = parse(html.render_report(report))
    assert not report.layers and not root.all("details")
    assert [t.classes() for t in root.all("table")] == [{"findings"}]
    row = cells(root.all("table")[0].kids("tbody")[0].kids("tr")[0])
    assert row[:3] == ["bad.yaml:2:10", "SC101", "error"] and row[4].startswith("not valid YAML")


NAUGHTY = "<script>alert('x')</script>"


def test_every_string_from_the_model_is_escaped():
    spec = {"model": "<b>bold</b>", "inputs": {"x": ["?", 4]},
            "layers": [{"name": NAUGHTY, "type": "Dense", "units": 3},
                       {"name": "<img src=x onerror=alert(1)>", "type": "Dense", "units": -1}]}
    report = shapecheck.analyze(spec)
    document = html.render_report(report)
    root = parse(document)
    assert not any(root.all(tag) for tag in ("script", "b", "img"))
    assert "<script>" not in document and "&lt;script&gt;" in document
    assert root.all("p")[0].text().startswith('Model: "<b>bold</b>"')
    assert [r[0] for r in summary_rows(root)][1:] == \
        [f"{NAUGHTY} (Dense)", "<img src=x onerror=alert(1)> (Dense)"]
    findings = next(t for t in root.all("table") if "findings" in t.classes())
    assert cells(findings.kids("tbody")[0].kids("tr")[0])[3] == "<img src=x onerror=alert(1)>"


def test_a_layout_shows_the_frameworks_arrays():
    report = relayout(shapecheck.analyze("specs/seed_bilstm.yaml"), "pytorch")
    root = parse(html.render_report(report))
    assert next(p for p in root.all("p") if p.text().startswith("Total params")).text().startswith(
        "Total params (PyTorch's count): 1,222,656")
    bilstm = root.all("details")[1].kids("div")[0]
    lay = report.layer_layouts["bilstm"]
    assert bilstm.kids("p")[1].text() == f"PyTorch: {lay.module}"
    assert [cells(r)[0] for r in bilstm.kids("table")[0].all("tr")] == [w.name for w in lay.weights]


def test_a_report_displays_itself_in_a_notebook():
    report = shapecheck.analyze("specs/seed_bilstm.yaml")
    assert report._repr_html_() == html.render_report(report)
    assert report._repr_markdown_() == "\n".join(markdown.render_report(report))
    assert "| bilstm (Bidirectional) | `(None, t, 768)` | 1,219,584 |" in report._repr_markdown_().splitlines()


def test_the_renderers_load_when_a_report_is_first_shown():
    # every run imports the package; only a notebook displays a report
    code = ("import sys, shapecheck; before = 'shapecheck.output.html' in sys.modules; "
            "shapecheck.analyze('specs/seed_bilstm.yaml')._repr_html_(); "
            "print(before, 'shapecheck.output.html' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.stdout.split() == ["False", "True"], done.stderr


def test_each_model_of_a_python_file_displays_itself(tmp_path):
    # docs/notebooks.md: display(*analyze_python("models.py"))
    source = tmp_path / "models.py"
    source.write_text("import keras\n\n"
                      'a = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="d3")], name="a")\n'
                      'b = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2, name="d2")], name="b")\n')
    shown = [parse(r._repr_html_()) for r in analyze_python(str(source))]
    assert [summary_rows(root)[1] for root in shown] == [["d3 (Dense)", "(None, 3)", "15"],
                                                         ["d2 (Dense)", "(None, 2)", "12"]]
    assert [root.all("strong")[0].text() for root in shown] == ['Model: "a"', 'Model: "b"']


def test_several_reports_make_a_page():
    reports = [shapecheck.analyze("specs/seed_bilstm.yaml"), shapecheck.analyze("specs/seq2seq.yaml")]
    page = html.render(reports)
    assert page.startswith("<!DOCTYPE html>")
    root = parse(page.removeprefix("<!DOCTYPE html>"))
    body = root.kids("html")[0].kids("body")[0]
    assert [d.all("strong")[0].text() for d in body.kids("div")] == ['Model: "seed_bilstm"', 'Model: "seq2seq"']
    assert body.kids("p")[-1].text() == "ok: 2 files checked, no findings"


def test_the_command_line_writes_the_page(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("inputs:\n  x: [?, 4]\nlayers:\n  - {name: d, type: Dense, units: -3}\n")
    assert main(["specs/seed_bilstm.yaml", "--format", "html"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("<!DOCTYPE html>") and out.endswith("</html>\n")
    assert summary_rows(parse(out.removeprefix("<!DOCTYPE html>")))[1] == \
        ["bilstm (Bidirectional)", "(None, t, 768)", "1,219,584"]
    assert main(["specs/seed_bilstm.yaml", str(bad), "--format", "html"]) == 1
    body = parse(capsys.readouterr().out.removeprefix("<!DOCTYPE html>")).kids("html")[0].kids("body")[0]
    assert len(body.kids("div")) == 2 and body.kids("p")[-1].text() == "1 error in 1 of 2 files"
    findings = body.kids("div")[1].all("table")[1]
    assert cells(findings.kids("tbody")[0].kids("tr")[0])[:3] == [f"{bad}:4:35", "SC403", "error"]


def test_the_markdown_escapes_html_in_names_and_messages():
    report = shapecheck.analyze({"model": "m", "inputs": {"x": ["?", 4]},
                                 "layers": [{"name": NAUGHTY, "type": "Dense", "units": -3}]})
    shown = report._repr_markdown_()
    assert "<script>" not in shown
    assert "| &lt;script>alert('x')&lt;/script> (Dense) | failed | ? |" in shown.splitlines()
    # as a Markdown renderer shows it (Python-Markdown, which the docs site uses): the name, no script
    root = parse(pymarkdown.markdown(shown, extensions=["tables"]))
    assert not root.all("script")
    assert [cells(r) for r in root.all("table")[0].kids("tbody")[0].kids("tr")][1] == \
        [f"{NAUGHTY} (Dense)", "failed", "?"]
