"""Docs must match the code: the generated pages match their generators, the
hand-written pages' examples match what shapecheck really prints, the command-line
page names every option, and the site builds with ``mkdocs build --strict``."""

from __future__ import annotations

import doctest
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shapecheck.diagnostic_examples import EXAMPLES, NO_EXAMPLE
from shapecheck.diagnostics import CATALOGUE
from shapecheck.docgen import diagnostics_md, layers_md, run_example
from shapecheck.rules import REGISTRY

ROOT = Path(__file__).resolve().parent.parent


def test_layers_md_is_up_to_date():
    assert (ROOT / "docs" / "layers.md").read_text(encoding="utf-8") == layers_md(), \
        "docs/layers.md is stale: run `python -m shapecheck.docgen`"


def test_every_registered_layer_is_documented():
    text = layers_md()
    assert all(f"`{name}`" in text for name in REGISTRY)


def test_diagnostics_md_is_up_to_date():
    assert (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8") == diagnostics_md(), \
        "docs/diagnostics.md is stale: run `python -m shapecheck.docgen`"


def test_every_code_has_an_example_or_a_reason():
    assert set(EXAMPLES) | set(NO_EXAMPLE) == set(CATALOGUE)
    assert not set(EXAMPLES) & set(NO_EXAMPLE)


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_example_yields_its_code(code):
    exit_code, lines = run_example(EXAMPLES[code])
    assert f": {code} " in lines, lines
    codes = re.findall(r": (SC\d+) ", lines)
    assert exit_code == (1 if any(CATALOGUE[c].severity.value == "error" for c in codes) else 0)


# --------------------------------------------------------------- hand-written pages

# The hand-written pages (every page but the two generated ones) have their examples run:
# - a ```console block is a terminal session: each `$ shapecheck ...` line runs the
#   command, and the lines up to the next `$` are what it must print (stdout, then
#   stderr); `$ echo $?` prints the exit code of the command before it. A command
#   with no lines after it, last in its block, prints the ```mermaid block that
#   follows (its stdout only: that is what one pastes);
# - a ```pycon block is a doctest;
# - a ```yaml or ```toml block whose first line is `# NAME` is written to NAME first.
# Each page runs in order in its own scratch folder holding a copy of specs/.
GENERATED = ("layers.md", "diagnostics.md")
PAGES = sorted(p.name for p in (ROOT / "docs").glob("*.md") if p.name not in GENERATED)
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
FILE_NAME = re.compile(r"#\s*([\w./-]+\.(?:ya?ml|toml))\s*$")
# Lines only shapecheck's own output has: they belong in a checked ```console block.
OUTPUT_LINE = re.compile(r'^(Model: "|ok: \d+ files? checked|\d+ errors? in |\S+:\d+:\d+: SC\d{3} )', re.M)


def _read(page: str) -> str:
    return (ROOT / "docs" / page).read_text(encoding="utf-8")


def _blocks(page: str) -> list[tuple[str, str, int]]:
    """(language, body, line) of each fenced block at the start of a line."""
    text = _read(page)
    return [(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1) for m in FENCE.finditer(text)]


def _session(body: str) -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:].strip(), []))
        else:
            assert steps, f"output before any `$ ` command: {line!r}"
            steps[-1][1].append(line)
    return steps


def _same(text: str) -> str:
    """Compared without trailing spaces and trailing blank lines, which editors drop."""
    return "\n".join(line.rstrip() for line in text.splitlines()).rstrip("\n")


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_are_real(page, tmp_path, monkeypatch, capsys):
    from shapecheck.cli import main

    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    blocks, globs, ran = _blocks(page), {}, 0
    for k, (lang, body, line) in enumerate(blocks):
        where = f"docs/{page}:{line}"
        name = FILE_NAME.fullmatch(body.split("\n", 1)[0])
        if lang in ("yaml", "toml") and name:
            (tmp_path / name.group(1)).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name.group(1)).write_text(body, encoding="utf-8")
        elif lang == "pycon":
            test = doctest.DocTestParser().get_doctest(body, globs, where, page, line)
            report: list[str] = []
            runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
            runner.run(test, out=report.append, clear_globs=False)
            globs = test.globs  # a page's pycon blocks are one session
            assert runner.failures == 0, "".join(report)
            ran += 1
        elif lang == "console":
            steps, code = _session(body), None
            for i, (command, expected) in enumerate(steps):
                if command == "echo $?":
                    assert code is not None, f"{where}: `echo $?` before any command"
                    actual = str(code)
                else:
                    argv = shlex.split(command)
                    assert argv[0] == "shapecheck", f"{where}: only shapecheck runs in a console block"
                    code = main(argv[1:])
                    out, err = capsys.readouterr()
                    actual = out + err
                    if not expected and i == len(steps) - 1 and k + 1 < len(blocks) and \
                            blocks[k + 1][0] == "mermaid":
                        expected, actual = blocks[k + 1][1].splitlines(), out
                assert _same(actual) == _same("\n".join(expected)), f"{where}: `{command}` prints otherwise"
                ran += 1
        elif lang in ("text", ""):
            assert not OUTPUT_LINE.search(body), \
                f"{where}: shapecheck output belongs in a ```console block with its command, to be checked"
    if any(lang in ("console", "pycon") for lang, _, _ in blocks):
        assert ran, page


def test_getting_started_runs_its_commands():
    commands = [c for lang, body, _ in _blocks("getting-started.md") if lang == "console"
                for c, _ in _session(body)]
    assert "shapecheck specs/seed_bilstm.yaml" in commands
    assert len(commands) >= 4


def _option_words(parser) -> list[str]:
    words = []
    for action in parser._actions:
        words += action.option_strings
        words += [f"`{choice}`" for choice in action.choices or ()]
    return words


def _missing(words: list[str], text: str) -> list[str]:
    return [w for w in words if not re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


def test_cli_md_documents_every_option():
    """Every option of the main command (and every value of those with choices) is
    named in docs/cli.md, so the page cannot fall behind the parser."""
    from shapecheck.commands.check import parser as _parser

    assert _missing(_option_words(_parser()), _read("cli.md")) == []


@pytest.mark.parametrize("command", ["graph", "explain", "infer-config"])
def test_cli_md_documents_every_subcommand_option(command):
    import importlib

    parser = importlib.import_module(f"shapecheck.commands.{command.replace('-', '_')}").parser
    text = _read("cli.md")
    assert f"`shapecheck {command}`" in text
    assert _missing(_option_words(parser()), text) == []


# --------------------------------------------------------------------------- site

def test_site_builds_strict(tmp_path):
    """`mkdocs build --strict` fails on any warning: a broken link or anchor, a page
    left out of the nav, a docstring mkdocstrings cannot read."""
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's banner about MkDocs 2.0
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    for page in ("index.html", "getting-started/index.html", "cli/index.html", "api/index.html",
                 "diagnostics/index.html", "layers/index.html", "ci/index.html"):
        assert (site / page).is_file(), page
    import shapecheck

    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert shapecheck.analyze.__doc__.strip().splitlines()[0] in api  # read from the docstring
    assert "MissingFileError" in api


def test_ci_runs_the_readme_test_command_and_fails_when_it_fails():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = next(line.strip() for line in readme.splitlines() if "pytest" in line and "pip install" in line)
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    line = next(line for line in script.splitlines() if line.startswith(command))
    # set -e spares a failure before the last &&: without `|| exit` a failed install
    # would skip the tests and the script would end "passed"
    assert line.strip() == f"{command} || exit 1"
