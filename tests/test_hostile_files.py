"""Malformed and hostile model files: a finding, never a crash, nothing executed,
nothing written, bounded time and memory.

Every file here is a harmless *control* model (x (None, 7, 3) -> Dense(2)) plus one
hostile change: a broken or path-escaping zip, a zip bomb, an HDF5 file reaching
outside itself, a Lambda whose serialized bytecode writes a marker file when run,
``module: os, class_name: system`` style entries, Keras's own "enable unsafe
deserialization" switch.  The controls must be ok, so "not ok" can only come from
the hostile change.

The analyses run in a child process (one for all files, one per bomb) with an audit
hook (``sys.addaudithook``) armed around ``shapecheck.analyze`` and
``shapecheck.cli.main`` (tests/hostile_harness.py, shared with test_hostile_specs.py):
it records any open for writing, process spawn, ``marshal.loads`` outside the import
system, ``pickle.find_class``, socket, ctypes, file removal, and any import of Keras,
TensorFlow or the booby-trapped module ``shapecheck_evil_mod``.  The child runs in an
empty folder, and the whole pytest temporary tree is compared before and after.
"""

from __future__ import annotations

import base64
import json
import marshal
import os
import random
import shutil
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.keras

import keras_corpus as KC  # noqa: E402
from hostile_harness import check_common as _check_common  # noqa: E402
from hostile_harness import run_child, snapshot  # noqa: E402


# =========================================================================== file builders
def zero_bomb_stream(n_mib: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``n_mib`` MiB of zeros, built without compressing
    them: after a full flush the compressor restarts, so one compressed MiB can be
    repeated.  Returns (stream, crc32 of the uncompressed data)."""
    mib = bytes(1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    stream = first + again * (n_mib - 1) + c.flush()
    crc = 0
    for _ in range(n_mib):
        crc = zlib.crc32(mib, crc)
    return stream, crc


def write_raw_zip(path: Path, members: list[tuple[str, bytes, int, int, int]]) -> Path:
    """A zip from (name, deflated data, crc, real size, declared size) members: the
    declared size may lie.  No zip64: sizes stay under 4 GiB."""
    out, central = bytearray(), bytearray()
    for name, data, crc, _real, declared in members:
        raw_name = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), declared,
                           len(raw_name), 0) + raw_name + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data),
                               declared, len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                       cd_offset, 0)
    path.write_bytes(bytes(out))
    return path


def deflated(data: bytes) -> tuple[bytes, int, int, int]:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    comp = c.compress(data) + c.flush()
    return comp, zlib.crc32(data), len(data), len(data)


def zip_members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def symlink_zip(path: Path, members: list[tuple[str, bytes]], link_name: str, target: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if name == link_name:
                continue
            z.writestr(name, data)
        info = zipfile.ZipInfo(link_name, date_time=(2024, 1, 1, 0, 0, 0))
        info.create_system = 3  # unix
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, target)
    return path


EVIL_MODULE = '''
from pathlib import Path
Path({marker!r}).write_text("imported")

class Boom:
    def __init__(self, *a, **k):
        Path({marker!r}).write_text("instantiated")
'''


# =========================================================================== the cases
@dataclass(frozen=True)
class Case:
    kind: str  # "control": must be ok; "hostile": must be a finding; "bomb": own child
    needs: str = "keras"  # "keras" or "tf_keras"
    names_class: str | None = None  # an error diagnostic must name this class
    expect_ok: bool | None = False  # bombs: None = ok or not, only bounded


CASES: dict[str, Case] = {
    # controls
    "control_k3_json": Case("control", expect_ok=True),
    "control_k3_keras": Case("control", expect_ok=True),
    "control_k3_rezipped": Case("control", expect_ok=True),
    "control_k2_json": Case("control", "tf_keras", expect_ok=True),
    "control_k2_h5": Case("control", "tf_keras", expect_ok=True),
    # broken or path-escaping archives
    "keras_truncated_half": Case("hostile"),
    "keras_truncated_tail": Case("hostile"),
    "keras_random_bytes": Case("hostile"),
    "keras_empty": Case("hostile"),
    "keras_no_config_member": Case("hostile"),
    "keras_config_not_json": Case("hostile"),
    "keras_config_not_utf8": Case("hostile"),
    "keras_config_deeply_nested": Case("hostile"),
    "keras_config_a_list": Case("hostile"),
    "keras_member_dotdot": Case("hostile"),
    "keras_member_dotdot_inside": Case("hostile"),
    "keras_member_absolute": Case("hostile"),
    "keras_duplicate_config": Case("hostile"),
    "keras_config_symlink": Case("hostile"),
    "json_deeply_nested": Case("hostile"),
    "json_nested_3000": Case("hostile"),
    # code and imports
    "lambda_k3_json": Case("hostile", names_class="Lambda"),
    "lambda_k3_keras": Case("hostile", names_class="Lambda"),
    "lambda_handwritten_k3_json": Case("hostile", names_class="Lambda"),
    "lambda_k2_json": Case("hostile", "tf_keras", names_class="Lambda"),
    "lambda_k2_h5": Case("hostile", "tf_keras", names_class="Lambda"),
    "lambda_k2_tfjs": Case("hostile", "tf_keras", names_class="Lambda"),
    "keras_enable_unsafe_deserialization_layer": Case("hostile", names_class="Lambda"),
    "keras_safe_mode_false_keys": Case("hostile", names_class="Lambda"),
    "json_os_system_layer": Case("hostile", names_class="system"),
    "keras_os_system_layer": Case("hostile", names_class="system"),
    "tfjs_os_system_layer": Case("hostile", names_class="system"),
    "k2_json_os_system_layer": Case("hostile", names_class="system"),
    "json_os_system_activation": Case("hostile"),
    "json_builtins_eval_initializer": Case("hostile"),
    "json_subprocess_popen_model": Case("hostile"),
    "json_evil_module_layer": Case("hostile", names_class="Boom"),
    "json_registered_custom_layer": Case("hostile", names_class="Evil"),
    "yaml_python_tag": Case("hostile"),
    # HDF5
    "h5_external_link": Case("hostile", "tf_keras"),
    "h5_virtual_dataset": Case("hostile", "tf_keras"),
    "h5_external_storage": Case("hostile", "tf_keras"),
    "h5_no_model_config": Case("hostile", "tf_keras"),
    "h5_model_config_not_json": Case("hostile", "tf_keras"),
    "h5_model_config_os_system": Case("hostile", "tf_keras", names_class="system"),
    "h5_truncated": Case("hostile", "tf_keras"),
    # bombs, each in its own child with time and memory measured
    "bomb_config_2gb": Case("bomb"),
    "bomb_config_2gb_lying_size": Case("bomb"),
    "bomb_weights_2gb": Case("bomb", expect_ok=None),
    "huge_sparse_json_2gb": Case("bomb"),
}
HOSTILE = [n for n, c in CASES.items() if c.kind == "hostile"]
CONTROLS = [n for n, c in CASES.items() if c.kind == "control"]
BOMBS = [n for n, c in CASES.items() if c.kind == "bomb"]
BOMB_MIB = 1907  # ~2 GB
BOMB_SECONDS = 10.0
BOMB_RSS_MB = 300.0


@dataclass
class Hostile:
    root: Path
    files: dict[str, Path]
    markers: Path
    workdir: Path
    evil_dir: Path
    unavailable: dict[str, str]
    lambda_files: dict[str, tuple[str, Path]]  # case -> (loader, path) to prove the payload is live


def _k3_node(src: str, shape=(None, 7, 3)) -> list[dict]:
    return [{"args": [{"class_name": "__keras_tensor__",
                       "config": {"shape": list(shape), "dtype": "float32", "keras_history": [src, 0, 0]}}],
             "kwargs": {}}]


def _insert_before_dense(config: dict, layer: dict, k2: bool = False) -> dict:
    """x -> layer -> dense: the hostile entry is on the path to the output."""
    config = json.loads(json.dumps(config))
    layers = config["config"]["layers"]
    i = [l["name"] if "name" in l else l["config"]["name"] for l in layers].index("dense")
    name = layer.get("name") or layer["config"]["name"]
    if k2:
        layers[i]["inbound_nodes"] = [[[name, 0, 0, {}]]]
    else:
        layers[i]["inbound_nodes"] = _k3_node(name)
    layers.insert(i, layer)
    return config


def _os_system(marker: Path, k2: bool = False) -> dict:
    layer = {"module": "os", "class_name": "system", "config": {"name": "sys", "command": f"touch {marker}"},
             "registered_name": "system", "name": "sys"}
    layer["inbound_nodes"] = [[["x", 0, 0, {}]]] if k2 else _k3_node("x")
    return layer


def _base_model(K):
    x = K.Input((7, 3), name="x")
    return K.Model(x, K.layers.Dense(2, name="dense")(x), name="hostile")


def _lambda_model(K, marker: Path):
    x = K.Input((7, 3), name="x")
    h = K.layers.Lambda(KC.marker_lambda(marker), name="evil_lambda")(x)
    return K.Model(x, K.layers.Dense(2, name="dense")(h), name="hostile_lambda")


def build_hostile(root: Path) -> Hostile:
    files_dir, markers, workdir, evil_dir = (root / d for d in ("files", "markers", "work", "evil"))
    for d in (files_dir, markers, workdir, evil_dir):
        d.mkdir(parents=True, exist_ok=True)
    (evil_dir / "shapecheck_evil_mod.py").write_text(EVIL_MODULE.format(marker=str(markers / "evil_module")))
    files: dict[str, Path] = {}
    unavailable: dict[str, str] = {}
    lambda_files: dict[str, tuple[str, Path]] = {}

    def put(name: str, data: bytes, ext: str) -> Path:
        p = files_dir / f"{name}{ext}"
        p.write_bytes(data)
        files[name] = p
        return p

    def put_json(name: str, data, ext: str = ".json") -> Path:
        return put(name, json.dumps(data).encode(), ext)

    def put_zip(name: str, members: list[tuple[str, bytes]]) -> Path:
        files[name] = KC.write_keras_zip(files_dir / f"{name}.keras", members)
        return files[name]

    # ---- Keras 3 base and Lambda files
    base = KC.build_keras3(_base_model)
    k3_cfg = json.loads(base.to_json())
    put_json("control_k3_json", k3_cfg)
    real_keras = files_dir / "control_k3_keras.keras"
    base.save(real_keras)
    files["control_k3_keras"] = real_keras
    members = zip_members(real_keras)
    put_zip("control_k3_rezipped", members)

    def with_config(cfg_bytes: bytes) -> list[tuple[str, bytes]]:
        return [(n, cfg_bytes if n == "config.json" else d) for n, d in members]

    raw = real_keras.read_bytes()
    put("keras_truncated_half", raw[: len(raw) // 2], ".keras")
    put("keras_truncated_tail", raw[:-30], ".keras")
    put("keras_random_bytes", random.Random(7).randbytes(4096), ".keras")
    put("keras_empty", b"", ".keras")
    put_zip("keras_no_config_member", [(n, d) for n, d in members if n != "config.json"])
    put_zip("keras_config_not_json", with_config(b'{"class_name": "Functional", "config": {'))
    put_zip("keras_config_not_utf8", with_config(b'{"class_name": "\xff\xfe\xfa"}'))
    put_zip("keras_config_deeply_nested", with_config(b"[" * 200_000 + b"]" * 200_000))
    put_zip("keras_config_a_list", with_config(b'["just", "a", "list"]'))
    put_zip("keras_member_dotdot", members + [("../evil_traversal", b"pwned")])
    put_zip("keras_member_dotdot_inside", members + [("assets/../../evil_traversal2", b"pwned")])
    put_zip("keras_member_absolute", members + [(str(root / "abs_evil"), b"pwned")])
    other = json.loads(json.dumps(k3_cfg))
    other["config"]["layers"][-1]["config"]["units"] = 99
    put_zip("keras_duplicate_config", members + [("config.json", json.dumps(other).encode())])
    files["keras_config_symlink"] = symlink_zip(files_dir / "keras_config_symlink.keras", members,
                                                "config.json", "/etc/passwd")
    put("json_nested_3000", b'{"class_name": "Functional", "config": ' + b"[" * 3000 + b"]" * 3000 + b"}",
        ".json")
    put("json_deeply_nested", b'{"class_name": "Functional", "config": ' + b"[" * 200_000 + b"]" * 200_000
        + b"}", ".json")

    mk = markers / "lambda_k3"
    lam = KC.build_keras3(lambda K: _lambda_model(K, mk))
    mk.unlink(missing_ok=True)  # building a Lambda model calls the function once
    lam_cfg = json.loads(lam.to_json())
    lambda_files["lambda_k3_json"] = ("k3-json", put_json("lambda_k3_json", lam_cfg))
    p = files_dir / "lambda_k3_keras.keras"
    lam.save(p)
    files["lambda_k3_keras"] = p
    lambda_files["lambda_k3_keras"] = ("k3-archive", p)
    mk.unlink(missing_ok=True)
    lam_members = zip_members(p)

    hand = _insert_before_dense(k3_cfg, KC.keras3_lambda_config(markers / "lambda_handwritten"))
    lambda_files["lambda_handwritten_k3_json"] = ("k3-json", put_json("lambda_handwritten_k3_json", hand))

    # CVE-2025-1550 shape: a "layer" that is Keras's own safe-mode switch, then a Lambda
    switch = {"module": "keras.config", "class_name": "enable_unsafe_deserialization", "config": {},
              "registered_name": "enable_unsafe_deserialization", "name": "switch", "inbound_nodes": []}
    unsafe = _insert_before_dense(k3_cfg, KC.keras3_lambda_config(markers / "unsafe_switch"))
    unsafe["config"]["layers"].insert(1, switch)
    put_zip("keras_enable_unsafe_deserialization_layer",
            [(n, json.dumps(unsafe).encode() if n == "config.json" else d) for n, d in members])
    flags = _insert_before_dense(k3_cfg, KC.keras3_lambda_config(markers / "safe_mode_keys"))
    flags.update({"safe_mode": False, "enable_unsafe_deserialization": True})
    flags["config"]["safe_mode"] = False
    put_zip("keras_safe_mode_false_keys",
            [(n, json.dumps(flags).encode() if n == "config.json" else d) for n, d in lam_members])

    sys_cfg = _insert_before_dense(k3_cfg, _os_system(markers / "os_system"))
    put_json("json_os_system_layer", sys_cfg)
    put_zip("keras_os_system_layer", with_config(json.dumps(sys_cfg).encode()))
    put_json("tfjs_os_system_layer", KC.tfjs_model_json(sys_cfg, wrapped=True, keras_version="3.15.1",
                                                          weights=[]))
    act = json.loads(json.dumps(k3_cfg))
    act["config"]["layers"][-1]["config"]["activation"] = {
        "module": "os", "class_name": "system", "config": {"command": f"touch {markers / 'activation'}"},
        "registered_name": None}
    put_json("json_os_system_activation", act)
    ini = json.loads(json.dumps(k3_cfg))
    ini["config"]["layers"][-1]["config"]["kernel_initializer"] = {
        "module": "builtins", "class_name": "eval",
        "config": {"source": f"__import__('os').system('touch {markers / 'eval'}')"}, "registered_name": None}
    put_json("json_builtins_eval_initializer", ini)
    put_json("json_subprocess_popen_model", {"module": "subprocess", "class_name": "Popen",
                                             "config": {"args": ["touch", str(markers / "popen")]},
                                             "registered_name": None})
    boom = {"module": "shapecheck_evil_mod", "class_name": "Boom", "config": {"name": "boom"},
            "registered_name": "Boom", "name": "boom", "inbound_nodes": _k3_node("x")}
    put_json("json_evil_module_layer", _insert_before_dense(k3_cfg, boom))
    custom = {"module": "evil.pkg", "class_name": "Evil", "config": {"name": "evil", "trainable": True},
              "registered_name": "Custom>Evil", "name": "evil", "inbound_nodes": _k3_node("x")}
    put_json("json_registered_custom_layer", _insert_before_dense(k3_cfg, custom))
    put("yaml_python_tag", (f"model: evil\ninputs: {{x: [null, 3]}}\nlayers:\n"
                            f"  - !!python/object/apply:os.system ['touch {markers / 'yaml'}']\n").encode(),
        ".yaml")

    # ---- bombs
    stream, crc = zero_bomb_stream(BOMB_MIB)
    size = BOMB_MIB << 20
    meta = deflated(dict(members)["metadata.json"])
    cfg_member = deflated(dict(members)["config.json"])
    files["bomb_config_2gb"] = write_raw_zip(files_dir / "bomb_config_2gb.keras",
                                             [("metadata.json", *meta), ("config.json", stream, crc, size, size)])
    files["bomb_config_2gb_lying_size"] = write_raw_zip(
        files_dir / "bomb_config_2gb_lying_size.keras",
        [("metadata.json", *meta), ("config.json", stream, crc, size, 1000)])
    files["bomb_weights_2gb"] = write_raw_zip(
        files_dir / "bomb_weights_2gb.keras",
        [("metadata.json", *meta), ("config.json", *cfg_member), ("model.weights.h5", stream, crc, size, size)])
    huge = files_dir / "huge_sparse_json_2gb.json"
    with open(huge, "wb") as fh:
        fh.truncate(2 << 30)
    files["huge_sparse_json_2gb"] = huge

    # ---- tf_keras based files
    try:
        import h5py
        import tf_keras
    except ImportError as e:
        for n, c in CASES.items():
            if c.needs == "tf_keras":
                unavailable[n] = f"needs tf_keras and h5py: {e}"
        return Hostile(root, files, markers, workdir, evil_dir, unavailable, lambda_files)

    k2 = KC.build_tf_keras(_base_model)
    k2_cfg = json.loads(k2.to_json())
    put_json("control_k2_json", k2_cfg)
    h5 = files_dir / "control_k2_h5.h5"
    k2.save(h5)
    files["control_k2_h5"] = h5
    put_json("k2_json_os_system_layer", _insert_before_dense(k2_cfg, _os_system(markers / "k2_os_system", True),
                                                            k2=True))

    mk2 = markers / "lambda_k2"
    lam2 = KC.build_tf_keras(lambda K: _lambda_model(K, mk2))
    mk2.unlink(missing_ok=True)
    lambda_files["lambda_k2_json"] = ("k2-json", put("lambda_k2_json", lam2.to_json().encode(), ".json"))
    p = files_dir / "lambda_k2_h5.h5"
    lam2.save(p)
    files["lambda_k2_h5"] = p
    lambda_files["lambda_k2_h5"] = ("k2-h5", p)
    with h5py.File(p, "r") as f:
        lam2_h5_cfg = json.loads(f.attrs["model_config"])
    put_json("lambda_k2_tfjs", KC.tfjs_model_json(lam2_h5_cfg, wrapped=True, keras_version=tf_keras.__version__,
                                                  weights=[]))
    lambda_files["lambda_k2_tfjs"] = ("k2-tfjs-wrapped", files["lambda_k2_tfjs"])
    mk2.unlink(missing_ok=True)

    def h5_variant(name: str, change) -> None:
        p = files_dir / f"{name}.h5"
        shutil.copyfile(h5, p)
        with h5py.File(p, "r+") as f:
            change(f)
        files[name] = p

    kernel = "model_weights/dense/dense/kernel:0"
    target = files_dir / "h5_link_target.h5"
    with h5py.File(target, "w") as f:
        f["data"] = [[0.0, 0.0]] * 3

    def external_link(f):
        del f[kernel]
        f[kernel] = h5py.ExternalLink(str(target), "/data")

    def virtual(f):
        del f[kernel]
        layout = h5py.VirtualLayout(shape=(3, 2), dtype="float32")
        layout[:] = h5py.VirtualSource(str(target), "data", shape=(3, 2))
        f["model_weights/dense/dense"].create_virtual_dataset("kernel:0", layout)

    def external_storage(f):
        raw_file = files_dir / "h5_external.raw"
        raw_file.write_bytes(bytes(3 * 2 * 4))
        del f[kernel]
        f["model_weights/dense/dense"].create_dataset("kernel:0", shape=(3, 2), dtype="float32",
                                                     external=[(str(raw_file), 0, 3 * 2 * 4)])

    def no_config(f):
        del f.attrs["model_config"]

    def config_not_json(f):
        f.attrs["model_config"] = '{"class_name": "Functional", "config": {'

    def config_os_system(f):
        f.attrs["model_config"] = json.dumps(
            _insert_before_dense({"class_name": k2_cfg["class_name"], "config": k2_cfg["config"]},
                                 _os_system(markers / "h5_os_system", True), k2=True))

    h5_variant("h5_external_link", external_link)
    h5_variant("h5_virtual_dataset", virtual)
    h5_variant("h5_external_storage", external_storage)
    h5_variant("h5_no_model_config", no_config)
    h5_variant("h5_model_config_not_json", config_not_json)
    h5_variant("h5_model_config_os_system", config_os_system)
    hb = h5.read_bytes()
    put("h5_truncated", hb[: len(hb) // 2], ".h5")
    return Hostile(root, files, markers, workdir, evil_dir, unavailable, lambda_files)


def _escapes(h: Hostile) -> list[str]:
    names = ("evil_traversal", "evil_traversal2", "abs_evil")
    places = [h.root, h.root.parent, h.workdir, h.workdir.parent, h.root / "files", Path("/tmp"), Path.cwd()]
    return [str(p / n) for p in places for n in names if (p / n).exists()]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Hostile:
    pytest.importorskip("keras")
    return build_hostile(tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def results(hostile, tmp_path_factory):
    """One child analyses every control and hostile file."""
    for m in hostile.markers.iterdir():  # from a failed payload check, if any
        m.unlink()
    base = tmp_path_factory.getbasetemp()
    before = snapshot(base)
    escapes_before = _escapes(hostile)
    names = [n for n in CONTROLS + HOSTILE if n not in hostile.unavailable]
    res = run_child([(n, hostile.files[n]) for n in names], hostile.workdir, hostile.evil_dir, timeout=150, strict=True, text_cli=True)
    after = snapshot(base)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {"cases": res, "changed": changed, "markers": sorted(os.listdir(hostile.markers)),
            "workdir": sorted(os.listdir(hostile.workdir)),
            "escapes": [e for e in _escapes(hostile) if e not in escapes_before]}


def _skip_unavailable(hostile: Hostile, name: str):
    if name in hostile.unavailable:
        pytest.skip(hostile.unavailable[name])


# =========================================================================== tests
@pytest.mark.parametrize("name", CONTROLS)
def test_control_is_ok(hostile, results, name):
    """Without its hostile change the same model is fine (so 'not ok' below means
    the change was caught)."""
    _skip_unavailable(hostile, name)
    r = results["cases"][name]
    problems = _check_common(r)
    if not r.get("ok"):
        problems.append(f"control not ok: {r.get('diagnostics')}")
    if r.get("cli_code") != 0:
        problems.append(f"cli exit {r.get('cli_code')}, stderr {r.get('cli_stderr')!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_is_a_finding(hostile, results, name):
    _skip_unavailable(hostile, name)
    r = results["cases"][name]
    case = CASES[name]
    problems = _check_common(r)
    if not r.get("exception"):
        diags = r.get("diagnostics") or []
        errors = [d for d in diags if d["severity"] == "error"]
        if r.get("ok") is not False or not errors:
            problems.append(f"expected not ok with an error diagnostic; ok={r.get('ok')} diagnostics={diags}")
        bad_codes = [d["code"] for d in diags if not str(d["code"]).startswith("SC")]
        if bad_codes:
            problems.append(f"codes not SCxxx: {bad_codes}")
        if case.names_class and not any(case.names_class in d["message"] for d in errors):
            problems.append(f"no error names the class {case.names_class!r}: {errors}")
    if not r.get("cli_exception") and r.get("cli_code") != 1:
        problems.append(f"cli exit {r.get('cli_code')} (expected 1: findings), stderr {r.get('cli_stderr')!r}")
    assert not problems, f"{name} ({hostile.files[name]}):\n" + "\n".join(problems)


def test_nothing_executed_or_written(hostile, results):
    """No marker file (Lambda bytecode, os.system, evil module import), no file
    created, changed or removed anywhere under pytest's temporary tree, the child's
    empty working folder still empty, no archive member written out."""
    assert results["markers"] == [], f"payloads ran: {results['markers']}"
    assert results["workdir"] == [], results["workdir"]
    assert results["changed"] == [], f"files changed during the analyses: {results['changed'][:20]}"
    assert results["escapes"] == [], results["escapes"]


@pytest.mark.parametrize("name", sorted({"lambda_k3_json", "lambda_k3_keras", "lambda_handwritten_k3_json",
                                         "lambda_k2_json", "lambda_k2_h5", "lambda_k2_tfjs"}))
def test_lambda_payload_is_live(hostile, name):
    """The Lambda files really are dangerous: Keras itself, loading them unsafely,
    runs the bytecode and the marker appears (tf_keras even does it for a legacy .h5
    without being asked: ``tf_keras.models.load_model(h5)`` builds the model and calls
    the Lambda).  Then the marker is removed."""
    _skip_unavailable(hostile, name)
    loader, path = hostile.lambda_files[name]
    before = set(os.listdir(hostile.markers))
    if loader.startswith("k3"):
        import keras
        from keras.src.saving.serialization_lib import SafeModeScope

        if loader == "k3-archive":
            keras.saving.load_model(path, safe_mode=False)
        else:
            with SafeModeScope(False):
                keras.models.model_from_json(path.read_text())
    else:
        import tf_keras
        from tf_keras.src.saving.serialization_lib import SafeModeScope

        with SafeModeScope(False):
            if loader == "k2-h5":
                tf_keras.models.load_model(path, compile=False)
            else:
                data = json.loads(path.read_text())
                cfg = data.get("modelTopology", {}).get("model_config", data)
                tf_keras.models.model_from_json(json.dumps(cfg))
    created = set(os.listdir(hostile.markers)) - before
    for m in created:
        (hostile.markers / m).unlink()
    assert created, f"loading {path} with Keras did not run the Lambda: the test payload is not live"


def test_handwritten_lambda_is_what_keras_writes(hostile):
    """keras_corpus.keras3_lambda_config has the form Keras 3 gives a Lambda."""
    got = json.loads(hostile.files["lambda_handwritten_k3_json"].read_text())
    real = json.loads(hostile.files["lambda_k3_json"].read_text())

    def lam(cfg):
        return [l for l in cfg["config"]["layers"] if l["class_name"] == "Lambda"][0]

    a, b = lam(got), lam(real)
    assert a.keys() - {"build_config"} == b.keys() - {"build_config"}
    assert a["config"].keys() == b["config"].keys()
    assert a["config"]["function"]["class_name"] == b["config"]["function"]["class_name"] == "__lambda__"
    code = marshal.loads(base64.b64decode(a["config"]["function"]["config"]["code"]))
    assert str(hostile.markers / "lambda_handwritten") in code.co_consts


def test_hostile_archives_are_what_they_claim(hostile):
    """The zips hold the names they should (zipfile keeps ``../`` and absolute names)."""
    def names(n):
        with zipfile.ZipFile(hostile.files[n]) as z:
            return z.namelist()

    assert "../evil_traversal" in names("keras_member_dotdot")
    assert any(n.startswith("/") and n.endswith("abs_evil") for n in names("keras_member_absolute"))
    assert names("keras_duplicate_config").count("config.json") == 2
    with zipfile.ZipFile(hostile.files["bomb_config_2gb"]) as z:
        info = z.getinfo("config.json")
        assert info.file_size == BOMB_MIB << 20 and info.compress_size < 4 << 20
        with z.open(info) as fh:
            assert fh.read(1 << 20) == bytes(1 << 20)
    with zipfile.ZipFile(hostile.files["bomb_config_2gb_lying_size"]) as z:
        assert z.getinfo("config.json").file_size == 1000
    assert hostile.files["huge_sparse_json_2gb"].stat().st_size == 2 << 30


@pytest.mark.parametrize("name", BOMBS)
def test_bomb_is_bounded(hostile, name):
    """~2 GB of zeros behind a few MB (or a sparse 2 GB file): the analysis stays
    under 10 s and under 300 MB more memory (the child's address space is capped at
    +1.5 GB, so inflating it all fails loudly), and says no unless ok is allowed."""
    r = run_child([(name, hostile.files[name])], hostile.workdir, hostile.evil_dir, timeout=90,
                  memory_cap_mb=1536)[name]
    problems = _check_common(r)
    if r.get("seconds", 1e9) > BOMB_SECONDS or r.get("cli_seconds", 1e9) > BOMB_SECONDS:
        problems.append(f"too slow: analyze {r.get('seconds')} s, cli {r.get('cli_seconds')} s")
    if r.get("rss_growth_mb", 1e9) > BOMB_RSS_MB:
        problems.append(f"memory grew by {r.get('rss_growth_mb'):.0f} MB")
    if CASES[name].expect_ok is False and not r.get("exception"):
        errors = [d for d in r.get("diagnostics") or [] if d["severity"] == "error"]
        if r.get("ok") is not False or not errors:
            problems.append(f"expected not ok; diagnostics={r.get('diagnostics')}")
        if r.get("cli_code") != 1:
            problems.append(f"cli exit {r.get('cli_code')}")
    assert not problems, f"{name}:\n" + "\n".join(problems)
