"""The real pre-commit tool installs the hook from this repository's commit and runs it
in a repository full of other YAML and JSON: clean passes, a faulty spec fails naming
its file and line."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("pre-commit") is None or not (ROOT / ".git").exists(),
                                reason="needs the pre-commit tool and this repository's git history")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_hook_checks_models_only(tmp_path):
    rev = git(ROOT, "rev-parse", "HEAD").strip()
    repo = tmp_path / "repo"
    (repo / "models").mkdir(parents=True)
    (repo / ".github" / "workflows").mkdir(parents=True)
    git(repo, "init", "-q")
    (repo / "models" / "seed.yaml").write_text((ROOT / "specs" / "seed_bilstm.yaml").read_text())
    (repo / ".github" / "workflows" / "ci.yml").write_text("name: ci\non: push\njobs: {}\n")
    (repo / "package.json").write_text('{"name": "demo", "version": "1.0.0", "layers": 2}\n')
    (repo / "config.yaml").write_text("layers_of_cake: 3\nservices: {web: {image: nginx}}\n")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks: [{{id: shapecheck}}]\n")
    git(repo, "add", "-A")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1"}

    def run():
        return subprocess.run(["pre-commit", "run", "--all-files", "--color", "never"], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=900)

    clean = run()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout

    (repo / "models" / "bad.yaml").write_text(
        "inputs: {x: [?, t, 12]}\nlayers:\n  - {type: LSTM, units: 64}\n  - {type: LSTM, units: 32}\n")
    git(repo, "add", "-A")
    faulty = run()
    assert faulty.returncode == 1, faulty.stdout + faulty.stderr
    assert "Failed" in faulty.stdout
    assert "models/bad.yaml:4:5: SC301" in faulty.stdout
    assert "package.json" not in faulty.stdout and "ci.yml" not in faulty.stdout
