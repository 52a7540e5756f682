"""Legacy ``.h5`` models (tf.keras 2, or Keras 3's ``save("m.h5")``), through h5py.

Only metadata is read: the ``model_config`` attribute and the shapes of the weight
datasets, never their data. A file with an external link, external storage or a
virtual dataset is refused: each would make HDF5 open other files.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic, Location, make
from ..records import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def is_hdf5(raw: bytes) -> bool:
    # The superblock may follow a user block of 512, 1024, 2048... bytes.
    return any(raw[o:o + 8] == HDF5_SIGNATURE for o in (0, 512, 1024, 2048, 4096))


@record
class H5Model:
    config_text: str
    # layer name -> [(weight name, shape)] in the file's order
    weights: dict[str, list[tuple[str, tuple[int, ...]]]]


def read(fh: BinaryIO, path: str) -> tuple[H5Model | None, list[Diagnostic]]:
    """The model in the HDF5 file open in ``fh``: metadata only."""
    here = Location(path, 1, 1)
    try:
        import h5py
    except ImportError:
        return None, [make("SC110", "reading .h5 files needs h5py, which is not installed", here,
                           hint="pip install 'keras-shapecheck[h5]'")]
    try:
        f = h5py.File(fh, "r")
    except Exception as e:  # h5py raises OSError and others for damaged files
        return None, [make("SC101", f"not a readable HDF5 file: {e}", here)]
    with f:
        problem = _unsafe_object(f, h5py)
        if problem:
            return None, [make("SC108", f"{problem}; shapecheck refuses HDF5 files that reach "
                               "outside themselves", here, hint="re-save the model with keras")]
        config = f.attrs.get("model_config")
        if config is None:
            return None, [make("SC102", "this HDF5 file has no model_config attribute: it holds "
                               "weights only, not a model", here,
                               hint="save the whole model (model.save), not save_weights; or run "
                               "`shapecheck infer-config FILE` for a spec inferred from the weights")]
        if isinstance(config, bytes):
            config = config.decode("utf-8", "replace")
        return H5Model(str(config), _weights(f)), []


def holds_model(path: str) -> bool:
    """Whether the HDF5 file holds a model (a ``model_config`` attribute), not weights
    alone. A file that cannot be judged (no h5py, damaged, unsafe) counts as a model, so
    that the analysis reports it."""
    try:
        import h5py
    except ImportError:
        return True
    try:
        with open(path, "rb") as fh, h5py.File(fh, "r") as f:
            return "model_config" in f.attrs
    except Exception:  # noqa: BLE001 - h5py raises many kinds for damaged files
        return True


def _unsafe_object(f, h5py, max_links: int | None = None) -> str | None:
    """Why the file must not be read further: a link or dataset that reaches other
    files, or (with ``max_links``) more links than any model has."""
    found: list[str] = []
    count = [0]

    def visit(name, link):
        count[0] += 1
        if max_links is not None and count[0] > max_links:
            found.append(f"the file has more than {max_links:,} groups and datasets")
            return True
        if isinstance(link, h5py.ExternalLink):
            found.append(f"{name!r} is an external link to {link.filename!r}")
            return True
        if isinstance(link, h5py.HardLink):
            obj = f.get(name)
            if isinstance(obj, h5py.Dataset):
                if obj.is_virtual:
                    found.append(f"dataset {name!r} is a virtual dataset")
                    return True
                if obj.external:
                    found.append(f"dataset {name!r} keeps its data in external files")
                    return True
        return None

    f.visititems_links(visit)
    return found[0] if found else None


def _weights(f) -> dict[str, list[tuple[str, tuple[int, ...]]]]:
    group = f.get("model_weights", f)
    out: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    for layer in _names(group.attrs.get("layer_names")):
        sub = group.get(layer)
        if sub is None:
            continue
        shapes = []
        for wname in _names(sub.attrs.get("weight_names")):
            dset = sub.get(wname)
            if dset is not None and hasattr(dset, "shape"):
                shapes.append((wname, tuple(int(d) for d in dset.shape)))
        out[layer] = shapes
    return out


def _names(values) -> list[str]:
    if values is None:
        return []
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values]
