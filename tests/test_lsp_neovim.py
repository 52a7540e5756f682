"""``shapecheck lsp`` in a real editor: headless Neovim with its built-in LSP client
(``vim.lsp.start_client``, nothing else configured) opens a faulty spec, a faulty
``.py`` and the seed model, and sees the SC301 finding at the right line and the hover
that explains every weight. Neovim 0.7 has no inlay-hint API; tests/test_lsp.py checks
those through pytest-lsp."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_lsp import SEED_PY, STACKED_PY, STACKED_SPEC

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).parent / "nvim_lsp.lua"

pytest.importorskip("pygls")


@pytest.fixture(scope="module")
def nvim() -> str:
    found = shutil.which("nvim")
    if found is None:
        if os.environ.get("CI"):  # .ci/run installs it: missing is a broken install, not a skip
            pytest.fail("nvim is not installed (apt-get install neovim)")
        pytest.skip("nvim is not installed")
    return found


def test_neovim_shows_diagnostics_and_hover(nvim, tmp_path):
    (tmp_path / "stacked.yaml").write_text(STACKED_SPEC)
    (tmp_path / "stacked.py").write_text(STACKED_PY)
    (tmp_path / "seed_model.py").write_text(SEED_PY)
    seed_line = SEED_PY.split("\n")[4]
    cases = [
        {"path": "stacked.yaml", "diagnostics": 1, "hover": [5, 6]},
        {"path": "stacked.py", "diagnostics": 2, "hover": [4, 6]},
        {"path": "seed_model.py", "diagnostics": 0, "hover": [4, seed_line.index("Bidirectional")]},
    ]
    out = tmp_path / "seen.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SHAPECHECK_NVIM_CASES": json.dumps(cases),
           "SHAPECHECK_NVIM_OUT": str(out),
           "SHAPECHECK_LSP_CMD": json.dumps([sys.executable, "-m", "shapecheck", "lsp"]),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.run([nvim, "--headless", "--clean", "-n", "-c", f"luafile {SCRIPT}"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    assert out.exists(), f"nvim wrote nothing (exit {proc.returncode}): {proc.stdout} {proc.stderr}"
    seen = json.loads(out.read_text())
    assert "error" not in seen, seen
    files = seen["files"]

    spec = files["stacked.yaml"]
    (d,) = spec["diagnostics"]
    assert d["lnum"] == 5 and d["severity"] == 1 and d["code"] == "SC301"
    assert "expected ndim=3, found ndim=2" in d["message"] and "return_sequences" in d["message"]
    assert "**dec** (LSTM)" in spec["hover"]

    py = files["stacked.py"]
    by_code = {d["code"]: d for d in py["diagnostics"]}
    assert by_code["SC301"]["lnum"] == 5 and by_code["SC301"]["col"] == 4
    assert "**lstm** (LSTM)" in py["hover"] and "output `(None, 64)`" in py["hover"]
    assert "lstm/lstm_cell/kernel  (12, 256)" in py["hover"] and "256 = 4*units" in py["hover"]

    seed = files["seed_model.py"]
    assert seed["published"] and seed["diagnostics"] == []
    assert "**bilstm** (Bidirectional)" in seed["hover"] and "(None, 4995, 768)" in seed["hover"]
    assert "12 = input_dim" in seed["hover"] and "1536 = 4*units" in seed["hover"]
