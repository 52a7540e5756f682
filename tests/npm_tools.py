"""Tools from the npm registry that some tests check our output with: Mermaid's own
parser, and the official SARIF 2.1.0 JSON Schema as Microsoft's SARIF matchers ship
it. Each is fetched once per machine into a cache folder and never committed.

On a machine without npm these tests skip, except under CI (``CI`` set), where a
skip would hide a broken output, so they fail instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import cache_lock
import pytest

CACHE = Path(os.environ.get("SHAPECHECK_NPM_CACHE", Path.home() / ".cache" / "shapecheck-tests"))
IN_CI = bool(os.environ.get("CI"))
# @microsoft/jest-sarif (MIT) carries the SARIF 2.1.0 schema in its final (rtm.5) form.
SARIF_PACKAGE = "@microsoft/jest-sarif@1.0.0-beta.0"
SARIF_SCHEMA = "package/lib/schemas/sarif-2.1.0-rtm.5.json"


def need(program: str) -> None:
    if shutil.which(program) is None:
        if IN_CI:
            pytest.fail(f"{program} is not installed; .ci/run installs it")
        pytest.skip(f"{program} is not installed")


def _npm(args: list[str], cwd: Path) -> None:
    need("npm")
    done = subprocess.run(["npm", *args, "--no-audit", "--no-fund"], cwd=cwd, capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        pytest.fail(f"npm {' '.join(args)} failed: {done.stderr[-2000:]}")


def node_modules(folder: str, *packages: str) -> Path:
    """A folder with these packages installed (``npm install``), reused across runs."""
    home = CACHE / folder

    def installed() -> bool:
        return all((home / "node_modules" / p.rsplit("@", 1)[0]).is_dir() for p in packages)

    if not installed():
        with cache_lock.locked(home):
            if not installed():
                home.mkdir(parents=True, exist_ok=True)
                (home / "package.json").write_text(f'{{"name": "shapecheck-{folder}", "private": true}}')
                _npm(["install", *packages], home)
    return home


def sarif_schema() -> Path:
    """The SARIF 2.1.0 JSON Schema file, from its npm package."""
    home = CACHE / "sarif-schema"
    schema = home / SARIF_SCHEMA
    if not schema.is_file():
        with cache_lock.locked(home):
            if not schema.is_file():
                home.mkdir(parents=True, exist_ok=True)
                _npm(["pack", SARIF_PACKAGE], home)
                [tgz] = home.glob("*.tgz")
                with tarfile.open(tgz) as tar:
                    tar.extract(SARIF_SCHEMA, home, filter="data")
    return schema
