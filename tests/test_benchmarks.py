"""The README quotes the benchmark's targets table as the last full run wrote it
(``python -m benchmarks`` refreshes both): the two cannot drift."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import runner  # noqa: E402


def test_readme_quotes_the_targets_of_results_md():
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    readme = (ROOT / "README.md").read_text()
    table = runner.targets_table(results)
    assert table[0] == runner.TABLE_HEADER
    block = readme.split(runner.README_START, 1)[1].split(runner.README_END, 1)[0]
    assert block.strip().splitlines()[:len(table)] == table
    # Every target of issue 20 has its row, with the floor beside it; a target missed is
    # said so (the figure is the figure).
    rows = [row.split(" | ")[0].lstrip("| ") for row in table[2:]]
    assert [r[:3] for r in rows] == ["(a)", "(b)", "(b)", "(c)", "(c)", "(d)", "(d)", "(e)", "(e)", "(f)"], rows
    assert all(row.endswith(("| **met** |", "| **not met** |")) for row in table[2:]), table
    assert "(quick mode" not in results


def test_refreshing_the_readme_replaces_only_the_block():
    results = (f"# Benchmarks\n\n## Targets\n\n{runner.TABLE_HEADER}\n|---|---|---|---|---|\n"
               "| (a) | x | 9x | 2x | **met** |\n\n## (a)\n")
    readme = f"intro\n{runner.README_START}\nold\n{runner.README_END}\n\n## Docs\n"
    info = {"date": "2026-11-24 08:00 UTC", "cpu": "CPU", "cores": 2, "keras": "3", "tensorflow": "2"}
    out = runner.readme_with_targets(readme, results, info)
    assert out.startswith("intro\n") and out.endswith(f"{runner.README_END}\n\n## Docs\n")
    assert "old" not in out and "| (a) | x | 9x | 2x | **met** |" in out and "2026-11-24" in out
    assert runner.readme_with_targets(out, results, info) == out
