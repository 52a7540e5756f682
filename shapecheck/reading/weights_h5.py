"""The stored weight shapes of a Keras weights file, for ``shapecheck infer-config``.

Three layouts are read, through h5py, for their structure and dataset shapes only
(never a weight's values):

- Keras 3 weights (``model.save_weights("m.weights.h5")``, and ``model.weights.h5``
  inside a ``.keras`` archive): ``layers/<key>/vars/0..n``, where ``<key>`` is the
  layer's *class* in snake case, numbered per class in model order (``dense``,
  ``dense_1``; Keras's ``saving_lib._save_container_state``), ``vars`` carries the
  layer's name as an attribute and sub-objects sit under their attribute names
  (``cell``, ``forward_layer``, ``backward_layer``, ``layer``, ``layers``). Variables
  are numbered, not named: which is the kernel is told by count and shape.
- legacy ``.h5`` (tf.keras 2, or Keras 3's ``save("m.h5")``), whole model
  (``model_weights/...``) or ``save_weights``: ``layer_names`` lists the layers in
  model order and each layer's ``weight_names`` its variables, named
  (``bi/forward_lstm/lstm_cell/kernel:0``).

Order: HDF5 lists a group's members alphabetically unless the group was created with
link creation order tracked, and Keras does not track it; so a Keras 3 file records the
order of the layers of one class (their numbers) but not across classes. A legacy file
records the whole order in ``layer_names``.

A file with an external link, external storage or a virtual dataset is refused (each
would make HDF5 open other files), as are files with more groups and datasets than a
model has; a ``.keras`` archive is checked as ``archive.py`` checks it, and its
``model.weights.h5`` is read in place when stored uncompressed (as Keras writes it) or
inflated in memory up to a cap.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile

from ..diagnostics import Diagnostic, Location, make
from ..records import record
from .archive import open_checked
from .h5 import _unsafe_object, is_hdf5

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

MAX_LINKS = 100_000  # groups and datasets in one file; the largest keras.applications model has ~3,000
MAX_DEPTH = 24  # layers inside layers inside layers...
MAX_NAMES = 100_000  # entries of layer_names / weight_names
MAX_NAME_CHARS = 1_000  # a longer name is cut (names are shown, never used to find anything)
MAX_INFLATED = 512 * 1024 * 1024  # a compressed model.weights.h5 is inflated in memory up to this
MAX_RANK = 64
MAX_SIZE = 2 ** 40  # as shapecheck.dims.MAX_SIZE: no real axis is larger

WEIGHTS_MEMBER = "model.weights.h5"
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader


@record
class StoredWeight:
    """One stored variable: where it is in the file, its shape, and its name when the
    file records one (legacy ``kernel``, ``bias``...; None for Keras 3's numbers)."""

    path: str
    shape: tuple[int, ...]
    role: str | None = None


@record
class StoredNode:
    """A layer, or a part of one (a cell, one direction of a Bidirectional), as
    stored: its key in the file, its name when recorded, its own variables and its
    parts, each in Keras's order."""

    key: str
    name: str | None
    weights: tuple[StoredWeight, ...] = ()
    children: tuple[StoredNode, ...] = ()

    def all_weights(self) -> tuple[StoredWeight, ...]:
        out = list(self.weights)
        for c in self.children:
            out += c.all_weights()
        return tuple(out)


@record
class WeightsFile:
    """The top-level layers of a weights file. ``layout`` is ``keras3`` or ``legacy``;
    ``ordered`` says whether the file records the layers' order (see the module doc)."""

    layout: str
    model_name: str | None
    layers: tuple[StoredNode, ...]
    ordered: bool


class _Window(io.RawIOBase):
    """A read-only view of ``size`` bytes of ``fh`` from ``start``: an archive member
    stored uncompressed, read in place (h5py seeks around; nothing is copied)."""

    def __init__(self, fh: BinaryIO, start: int, size: int) -> None:
        super().__init__()
        self._fh, self._start, self._size, self._pos = fh, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the member")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer: Any) -> int:
        n = max(0, min(len(buffer), self._size - self._pos))
        if n == 0:
            return 0
        self._fh.seek(self._start + self._pos)
        data = self._fh.read(n)
        buffer[:len(data)] = data
        self._pos += len(data)
        return len(data)


def read(fh: BinaryIO, path: str) -> tuple[WeightsFile | None, list[Diagnostic]]:
    """The weights in the file open in ``fh``: a Keras 3 or legacy HDF5 file, or a
    ``.keras`` archive (its ``model.weights.h5``)."""
    here = Location(path, 1, 1)
    head = fh.read(4104)
    fh.seek(0)
    if head[:4] == b"PK\x03\x04":
        inner, found = _archive_member(fh, path)
        if inner is None:
            return None, found
        return _read_h5(inner, path, f"{WEIGHTS_MEMBER} in the archive")
    if is_hdf5(head):
        return _read_h5(fh, path, "the file")
    return None, [make("SC101", "not an HDF5 weights file or a .keras archive (it starts with neither "
                       "signature)", here, hint="give the .weights.h5, .h5 or .keras file Keras wrote")]


def _archive_member(fh: BinaryIO, path: str) -> tuple[BinaryIO | None, list[Diagnostic]]:
    here = Location(path, 1, 1)
    zf, found = open_checked(fh, path)
    if zf is None:
        return None, found
    with zf:
        try:
            info = zf.getinfo(WEIGHTS_MEMBER)
        except KeyError:
            names = ", ".join(sorted(i.filename for i in zf.infolist())[:8]) or "none"
            return None, [make("SC114", f"the archive has no {WEIGHTS_MEMBER} (members: {names}); "
                               "there are no weights to infer a model from", here,
                               hint="save the model with model.save('m.keras') or "
                               "model.save_weights('m.weights.h5')")]
        if info.flag_bits & 0x1:
            return None, [make("SC108", f"{WEIGHTS_MEMBER} is encrypted", here)]
        if info.compress_type == zipfile.ZIP_STORED:
            return _stored_member(fh, info, path)
        if info.file_size > MAX_INFLATED:
            return None, [make("SC108", f"{WEIGHTS_MEMBER} is compressed and declares "
                               f"{info.file_size:,} bytes; infer-config inflates at most "
                               f"{MAX_INFLATED:,} in memory", here,
                               hint="re-save with Keras, which stores it uncompressed")]
        try:
            with zf.open(info) as member:
                data = member.read(MAX_INFLATED + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as e:
            return None, [make("SC101", f"{WEIGHTS_MEMBER} cannot be read from the archive: {e}", here)]
        if len(data) > MAX_INFLATED:
            return None, [make("SC108", f"{WEIGHTS_MEMBER} inflates past {MAX_INFLATED:,} bytes: "
                               "a zip bomb", here)]
        return io.BytesIO(data), []


def _stored_member(fh: BinaryIO, info: zipfile.ZipInfo,
                   path: str) -> tuple[BinaryIO | None, list[Diagnostic]]:
    """The member's bytes in place: its local header says where they start."""
    here = Location(path, 1, 1)
    try:
        end = fh.seek(0, 2)
        fh.seek(info.header_offset)
        raw = fh.read(_LOCAL_HEADER.size)
        if len(raw) != _LOCAL_HEADER.size:
            raise ValueError("truncated local header")
        fields = _LOCAL_HEADER.unpack(raw)
        if fields[0] != b"PK\x03\x04":
            raise ValueError("bad local header signature")
        name_len, extra_len = fields[10], fields[11]
        start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
        if start + info.file_size > end or info.compress_size != info.file_size:
            raise ValueError("the member runs past the end of the file")
    except (OSError, ValueError, struct.error) as e:
        return None, [make("SC101", f"{WEIGHTS_MEMBER} cannot be located in the archive: {e}", here)]
    return _Window(fh, start, info.file_size), []


def _read_h5(fh: BinaryIO, path: str, what: str) -> tuple[WeightsFile | None, list[Diagnostic]]:
    here = Location(path, 1, 1)
    try:
        import h5py
    except ImportError:
        return None, [make("SC110", "reading weights needs h5py, which is not installed", here,
                           hint="pip install 'keras-shapecheck[h5]'")]
    head = fh.read(4104)
    fh.seek(0)
    if not is_hdf5(head):
        return None, [make("SC101", f"{what} is not an HDF5 file", here)]
    try:
        f = h5py.File(fh, "r")
    except Exception as e:  # h5py raises OSError and others for damaged files
        return None, [make("SC101", f"{what} is not a readable HDF5 file: {e}", here)]
    with f:
        try:
            problem = _unsafe_object(f, h5py, MAX_LINKS)
        except Exception as e:  # a damaged link table
            return None, [make("SC101", f"{what} cannot be walked: {e}", here)]
        if problem:
            return None, [make("SC108", f"{problem}; shapecheck refuses HDF5 files that reach outside "
                               "themselves or are larger than a model", here,
                               hint="re-save the weights with keras")]
        walker = _Walker(h5py, path)
        try:
            if isinstance(f.get("layers", getlink=True), h5py.HardLink) and \
                    isinstance(f.get("layers"), h5py.Group):
                result = walker.keras3(f)
            else:
                root = f.get("model_weights") if "layer_names" not in f.attrs else f
                if isinstance(root, h5py.Group) and "layer_names" in root.attrs:
                    result = walker.legacy(root)
                else:
                    return None, [make("SC114", f"{what} has neither Keras 3's `layers` group nor a "
                                       "legacy `layer_names` list: it holds no Keras weights", here,
                                       hint="give the file written by model.save_weights or model.save")]
        except _Refused as e:
            return None, [e.diagnostic]
        except Exception as e:  # a damaged object inside: h5py raises many kinds
            return None, [make("SC101", f"{what} cannot be read: {type(e).__name__}: {e}", here)]
    return result, []


class _Refused(Exception):
    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


_SUFFIX = re.compile(r"^(.*?)(?:_(\d+))?$")
# The parts of a layer, in the order Keras lists their weights.
_PART_ORDER = ("cell", "layer", "forward_layer", "backward_layer", "layers")


def _numbered(key: str) -> tuple[str, int]:
    """``dense_3`` -> ("dense", 3); ``dense`` -> ("dense", 0): Keras 3's per-class keys."""
    m = _SUFFIX.match(key)
    assert m is not None
    return (m.group(1), int(m.group(2))) if m.group(2) is not None and m.group(1) else (key, 0)


class _Walker:
    def __init__(self, h5py: Any, path: str) -> None:
        self.h5py = h5py
        self.here = Location(path, 1, 1)
        self.budget = MAX_LINKS  # groups visited and weights looked up, in all
        self.seen: set[Any] = set()

    def _spend(self, where: str) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise _Refused(make("SC108", f"{where}: the file has more than {MAX_LINKS:,} groups and "
                                "weights to read; no model has that many", self.here))

    def _visit(self, group: Any, where: str) -> None:
        """Each group once: a hard link back to a group already read (a loop, or a
        structure shared to multiply the work) is refused."""
        self._spend(where)
        info = self.h5py.h5o.get_info(group.id)
        token = (info.fileno, info.addr)
        if token in self.seen:
            raise _Refused(make("SC108", f"{where} is a group already read through another link; Keras "
                                "never links one group twice", self.here,
                                hint="re-save the weights with keras"))
        self.seen.add(token)

    # -- Keras 3 ------------------------------------------------------------------

    def keras3(self, f: Any) -> WeightsFile:
        group = f["layers"]
        ordered = self._tracks_order(group)
        layers = tuple(self._k3_node(group[k], k, f"layers/{k}", 1)
                       for k in self._k3_keys(group, ordered))
        return WeightsFile("keras3", self._attr_name(f.get("vars")), layers, ordered)

    def _tracks_order(self, group: Any) -> bool:
        try:
            flags = group.id.get_create_plist().get_link_creation_order()
        except Exception:
            return False
        return bool(flags & self.h5py.h5p.CRT_ORDER_TRACKED)

    def _k3_keys(self, group: Any, ordered: bool) -> list[str]:
        """The sub-groups (hard links only), in model order within each class; h5py
        lists them in creation order when the group tracks it."""
        keys = [k for k in group if self._is_group(group, k)]
        return keys if ordered else sorted(keys, key=_numbered)

    def _is_group(self, group: Any, key: str) -> bool:
        return isinstance(group.get(key, getlink=True), self.h5py.HardLink) and \
            isinstance(group.get(key), self.h5py.Group)

    def _k3_node(self, group: Any, key: str, where: str, depth: int) -> StoredNode:
        if depth > MAX_DEPTH:
            raise _Refused(make("SC108", f"{where}: layers nest more than {MAX_DEPTH} deep", self.here))
        self._visit(group, where)
        weights: list[StoredWeight] = []
        vars_ = group.get("vars") if self._is_group(group, "vars") else None
        if vars_ is not None:
            numbered = []
            for k in vars_:
                self._spend(where)
                if not k.isdigit() or len(k) > 9:
                    continue  # Keras numbers its variables; anything else is not one
                obj = vars_.get(k) if isinstance(vars_.get(k, getlink=True), self.h5py.HardLink) else None
                if isinstance(obj, self.h5py.Dataset):
                    numbered.append((int(k), self._weight(obj, f"{where}/vars/{k}", None)))
            weights = [w for _, w in sorted(numbered)]
        parts = [k for k in group if k != "vars" and not k.startswith("seed_generator")
                 and self._is_group(group, k)]
        parts.sort(key=lambda k: (_PART_ORDER.index(k) if k in _PART_ORDER else len(_PART_ORDER), k))
        children = []
        for k in parts:
            if k == "layers":  # a model used as a layer: its layers, keyed by class
                sub = group[k]
                self._visit(sub, f"{where}/layers")
                inner = tuple(self._k3_node(sub[c], c, f"{where}/layers/{c}", depth + 1)
                              for c in self._k3_keys(sub, self._tracks_order(sub)))
                children.append(StoredNode("layers", None, (), inner))
            else:
                children.append(self._k3_node(group[k], k, f"{where}/{k}", depth + 1))
        return StoredNode(key, self._attr_name(vars_), tuple(weights), tuple(children))

    def _attr_name(self, group: Any) -> str | None:
        if group is None or "name" not in group.attrs:
            return None
        value = self._small_attr(group, "name")
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        return value[:MAX_NAME_CHARS] if isinstance(value, str) else None

    def _small_attr(self, obj: Any, key: str) -> Any:
        """An attribute, read only when it is small: a count of at most MAX_NAMES
        entries (each a string of bounded storage, or a variable-length string)."""
        try:
            aid = obj.attrs.get_id(key)
            shape = aid.shape
            count = 1
            for d in shape or ():
                count *= d
            if count > MAX_NAMES or aid.get_storage_size() > MAX_NAMES * 4096:
                raise _Refused(make("SC108", f"attribute {key!r} of {obj.name} holds {count:,} entries; "
                                    "no model has that many", self.here))
            return obj.attrs[key]
        except _Refused:
            raise
        except Exception:
            return None

    def _weight(self, dset: Any, where: str, role: str | None) -> StoredWeight:
        shape = dset.shape
        if shape is None:
            raise _Refused(make("SC101", f"dataset {where} has no shape (a null dataspace)", self.here))
        if len(shape) > MAX_RANK or any(int(d) > MAX_SIZE for d in shape):
            raise _Refused(make("SC310", f"dataset {where} has shape {tuple(shape)}: more than "
                                f"{MAX_RANK} axes or an axis above 2**40", self.here,
                                hint="the file is damaged or hostile"))
        return StoredWeight(where, tuple(int(d) for d in shape), role)

    # -- legacy -----------------------------------------------------------------

    def legacy(self, root: Any) -> WeightsFile:
        layers = []
        for name in self._names(root, "layer_names"):
            if not self._is_group(root, name):
                continue
            group = root[name]
            entries = []
            for wname in self._names(group, "weight_names"):
                self._spend(f"{root.name}/{name}")
                try:
                    dset = group.get(wname)
                except Exception:
                    dset = None
                if isinstance(dset, self.h5py.Dataset):
                    entries.append((wname, self._weight(dset, f"{root.name.rstrip('/')}/{name}/{wname}"
                                                        .lstrip("/"), None)))
            layers.append(self._legacy_tree(name, entries))
        return WeightsFile("legacy", None, tuple(layers), True)

    def _names(self, group: Any, key: str) -> list[str]:
        values = self._small_attr(group, key)
        if values is None:
            return []
        try:
            items = list(values) if not isinstance(values, (str, bytes)) else [values]
        except TypeError:
            return []
        out = []
        for v in items:
            if isinstance(v, bytes):
                v = v.decode("utf-8", "replace")
            if isinstance(v, str):
                out.append(v[:MAX_NAME_CHARS])
        return out

    def _legacy_tree(self, layer: str, entries: list[tuple[str, StoredWeight]]) -> StoredNode:
        """A layer's named weights as a tree: ``bi/forward_lstm/lstm_cell/kernel:0``
        is the kernel of the part ``lstm_cell`` of the part ``forward_lstm``. The first
        component is the layer's own scope when every weight shares it."""
        split = []
        for wname, w in entries:
            parts = [p for p in re.sub(r":\d+$", "", wname).split("/") if p]
            if not parts:
                continue
            split.append((parts, w))
        firsts = {tuple(p[:1]) for p, _ in split if len(p) > 1}
        if len(firsts) == 1 and all(len(p) > 1 for p, _ in split):
            split = [(p[1:], w) for p, w in split]
        return self._legacy_node(layer, layer, split, 1)

    def _legacy_node(self, key: str, name: str, split: list, depth: int) -> StoredNode:
        if depth > MAX_DEPTH:
            raise _Refused(make("SC108", f"layer {name!r}: weights nest more than {MAX_DEPTH} deep",
                                self.here))
        own = []
        groups: dict[str, list] = {}
        for parts, w in split:
            if len(parts) == 1:
                own.append(StoredWeight(w.path, w.shape, parts[0]))
            else:
                groups.setdefault(parts[0], []).append((parts[1:], w))
        children = tuple(self._legacy_node(k, k, sub, depth + 1) for k, sub in groups.items())
        return StoredNode(key, name, tuple(own), children)
