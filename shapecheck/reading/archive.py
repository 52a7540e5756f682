"""``.keras`` archives: a zip whose ``config.json`` holds the model config.

Only ``config.json`` is read, in memory, with caps: an archive is never extracted, a
member name that could escape a folder (``../``, an absolute path, a drive) or that
repeats is refused, and a member larger than its cap is not decompressed past it
(zip bombs declare small sizes and lie, so the read itself is bounded).
"""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath

from ..diagnostics import Diagnostic, Location, make

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

MAX_CONFIG_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 8 * 1024 * 1024 * 1024  # declared, all members: weights can be large
MAX_MEMBERS = 10_000


def _unsafe_name(name: str) -> str | None:
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    if "\\" in name:
        return "a backslash"
    if ".." in PurePosixPath(name).parts:
        return "a `..` component"
    return None


def check_members(zf: zipfile.ZipFile, path: str) -> Diagnostic | None:
    """SC108 for an archive no member of which should be read: too many members, a
    name that could escape a folder or that repeats, or a declared size over the cap."""
    here = Location(path, 1, 1)
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        return make("SC108", f"the archive has {len(infos)} members (more than {MAX_MEMBERS})", here)
    seen: set[str] = set()
    for info in infos:
        why = _unsafe_name(info.filename)
        if why:
            return make("SC108", f"archive member {info.filename!r} has {why}; shapecheck refuses "
                        "archives that could write outside a folder", here,
                        hint="re-save the model with keras; do not trust this file")
        if info.filename in seen:
            return make("SC108", f"archive member {info.filename!r} appears twice; which one is "
                        "read would depend on the tool", here, hint="re-save the model with keras")
        seen.add(info.filename)
    declared = sum(i.file_size for i in infos)
    if declared > MAX_TOTAL_BYTES:
        return make("SC108", f"the archive declares {declared:,} bytes uncompressed (cap "
                    f"{MAX_TOTAL_BYTES:,})", here)
    return None


def open_checked(fh: BinaryIO, path: str) -> tuple[zipfile.ZipFile | None, list[Diagnostic]]:
    """The .keras archive opened, after its member names and sizes are checked; or why not."""
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, ValueError, OSError) as e:
        return None, [make("SC101", f"not a valid .keras (zip) archive: {e}", Location(path, 1, 1),
                           hint="the file is truncated or not a Keras 3 archive")]
    unsafe = check_members(zf, path)
    if unsafe is not None:
        zf.close()
        return None, [unsafe]
    return zf, []


def read_config_text(fh: BinaryIO, path: str) -> tuple[str | None, list[Diagnostic]]:
    """``config.json`` of the archive open in ``fh`` (read from its central directory;
    nothing else is decompressed)."""
    here = Location(path, 1, 1)

    def refuse(message: str, hint: str | None = None) -> tuple[None, list[Diagnostic]]:
        return None, [make("SC108", message, here, hint=hint)]

    zf, found = open_checked(fh, path)
    if zf is None:
        return None, found
    with zf:
        seen = {i.filename for i in zf.infolist()}
        if "config.json" not in seen:
            return None, [make("SC102", "this zip has no config.json: not a Keras 3 .keras archive",
                               here)]
        info = zf.getinfo("config.json")
        if info.flag_bits & 0x1:
            return refuse("config.json is encrypted")
        if info.file_size > MAX_CONFIG_BYTES:
            return refuse(f"config.json declares {info.file_size:,} bytes (cap {MAX_CONFIG_BYTES:,})")
        try:
            with zf.open(info) as fh:
                data = fh.read(MAX_CONFIG_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as e:
            return None, [make("SC101", f"config.json cannot be read from the archive: {e}", here)]
        if len(data) > MAX_CONFIG_BYTES:
            return refuse(f"config.json inflates past {MAX_CONFIG_BYTES:,} bytes: a zip bomb")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as e:
        return None, [make("SC101", f"config.json is not UTF-8: {e.reason}", here)]
