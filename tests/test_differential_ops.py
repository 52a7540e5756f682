"""Differential tests for the op rules (shapecheck/rules/ops.py): hypothesis draws an op, its
input shapes and arguments; Keras 3 calls the op on KerasTensors (``keras.ops.<op>``) and
saves the model, and tf_keras calls the TensorFlow function (a TFOpLambda layer) and saves
its model: shapecheck's report of each file must give the op's output shape exactly, and
an error exactly where Keras (or TensorFlow) refuses the call. Symbolic cases are spec
files with a named size ``t``, checked against Keras at several sizes.

SHAPECHECK_OPS_EXAMPLES=<n> overrides the number of examples per op rule (50).
"""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.keras
keras = pytest.importorskip("keras")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis_profiles import examples  # noqa: E402

import shapecheck  # noqa: E402
from shapecheck.rules.keras_names import snake_case  # noqa: E402
from shapecheck.rules.ops import BINARY, FIRST_SHAPE, REDUCTIONS, UNARY  # noqa: E402

EXAMPLES = examples(50, "SHAPECHECK_OPS_EXAMPLES")
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
SIZES = (2, 3, 5)  # t substituted (dims: t >= 2)

# Ops whose Keras function is not the snake-case class name, or that need a float input.
_FUNCTION = {"GetItem": None, "TrueDivide": "true_divide", "Absolute": "absolute", "FFT": "fft", "FFT2": "fft2",
             "IFFT2": "ifft2"}
# Unary ops to draw from (a few need a float; all these take one).
_UNARY = [u for u in UNARY if u not in ("Cast", "Clip", "NanToNum", "Real", "Imag", "Conj", "ConvertToTensor",
                                         "StopGradient", "Copy", "LogicalNot")]


def _size(draw, none_ok=True):
    return draw(st.sampled_from([None, 1, 2, 3, 4, 5] if none_ok else [1, 2, 3, 4, 5]))


@st.composite
def shapes(draw, min_rank=1, max_rank=4):
    rank = draw(st.integers(min_rank, max_rank))
    return [None] + [_size(draw) for _ in range(rank - 1)]


@st.composite
def broadcastable(draw, n=2):
    base = draw(shapes(1, 4))
    out = []
    for _ in range(n):
        s = list(base[draw(st.integers(0, len(base) - 1)):]) if draw(st.booleans()) else list(base)
        s = [1 if (d is not None and draw(st.integers(0, 4)) == 0) else d for d in s]
        if draw(st.integers(0, 6)) == 0 and s:  # now and then, a clash
            i = draw(st.integers(0, len(s) - 1))
            s[i] = (s[i] or 2) + 1
        out.append(s)
    return out


# --- one case = (op type, input shapes, arguments) ---------------------------------

@st.composite
def cases(draw, rule):
    if rule == "first_shape":
        return draw(st.sampled_from(FIRST_SHAPE)), draw(broadcastable(2)), {}
    if rule == "elementwise":
        if draw(st.booleans()):
            op = draw(st.sampled_from(BINARY))
            ins = draw(broadcastable(2))
            if draw(st.integers(0, 3)) == 0:
                return op, ins[:1], {"x2": 2.0}
            return op, ins, {}
        if draw(st.integers(0, 4)) == 0:  # bitwise: the first operand's shape, ints only
            return draw(st.sampled_from(FIRST_SHAPE)), draw(broadcastable(2)), {}
        return draw(st.sampled_from(_UNARY)), [draw(shapes())], {}
    if rule == "reduction":
        x = draw(shapes(1, 4))
        axis = draw(st.one_of(st.none(), st.integers(-len(x) - 1, len(x)),
                              st.lists(st.integers(-len(x), len(x) - 1), min_size=1, max_size=2, unique=True)))
        return draw(st.sampled_from(REDUCTIONS[:9])), [x], {"axis": axis, "keepdims": draw(st.booleans())}
    if rule == "argmax":
        x = draw(shapes(1, 4))
        return draw(st.sampled_from(["Argmax", "Argmin"])), [x], {
            "axis": draw(st.one_of(st.none(), st.integers(-len(x), len(x) - 1))), "keepdims": draw(st.booleans())}
    if rule == "reshape":
        x = draw(shapes(1, 4))
        if draw(st.booleans()):
            x = [None if i == 0 else (d or 2) for i, d in enumerate(x)]
        size = 1
        for d in x[1:]:
            size *= d or 1
        target = [-1] + [d for d in draw(st.permutations(x[1:])) if d]
        if draw(st.booleans()) and target[1:]:
            target = [-1, size * (draw(st.integers(1, 2)))]
        if draw(st.integers(0, 3)) == 0:  # the batch size a layer's call() reads: known when it runs
            target = [None, *target[1:]] if draw(st.booleans()) or len(target) < 2 else [None, *target]
        return "Reshape", [x], {"newshape": target}
    if rule == "transpose":
        x = draw(shapes(1, 4))
        axes = draw(st.one_of(st.none(), st.permutations(list(range(len(x))))))
        if axes is not None and draw(st.integers(0, 5)) == 0:
            axes = axes[:-1]
        return "Transpose", [x], {"axes": list(axes) if axes is not None else None}
    if rule == "expand_dims":
        x = draw(shapes(1, 3))
        return "ExpandDims", [x], {"axis": draw(st.integers(-len(x) - 2, len(x) + 1))}
    if rule == "squeeze":
        x = [d if draw(st.booleans()) else 1 for d in draw(shapes(1, 4))]
        x[0] = None
        axis = draw(st.one_of(st.none(), st.integers(-len(x), len(x) - 1)))
        return "Squeeze", [x], {"axis": axis}
    if rule in ("concatenate", "stack"):
        x = draw(shapes(1, 4))
        n = draw(st.integers(1, 3))
        ins = []
        for _ in range(n):
            s = list(x)
            if draw(st.integers(0, 4)) == 0:
                i = draw(st.integers(0, len(s) - 1))
                s[i] = _size(draw)
            ins.append(s)
        axis = draw(st.integers(-len(x) - (1 if rule == "stack" else 0), len(x) - 1 + (1 if rule == "stack" else 0)))
        return ("Concatenate" if rule == "concatenate" else "Stack"), ins, {"axis": axis}
    if rule == "tile":
        x = draw(shapes(1, 3))
        return "Tile", [x], {"repeats": draw(st.lists(st.integers(1, 3), min_size=1, max_size=4))}
    if rule == "pad":
        x = draw(shapes(1, 4))
        kind = draw(st.integers(0, 3))
        if kind == 0:  # an int for every side of every axis
            width = draw(st.integers(0, 3))
        elif kind == 1:  # one (before, after) for every axis
            width = [draw(st.integers(0, 3)), draw(st.integers(0, 3))]
        else:  # one pair (or one number) per axis; now and then one too many
            n = len(x) + (draw(st.integers(0, 5)) == 0)
            width = [[draw(st.integers(0, 3)) for _ in range(kind - 1)] for _ in range(n)]
        return "Pad", [x], {"pad_width": width, "mode": draw(st.sampled_from(["constant", "reflect", "symmetric"]))}
    if rule == "repeat":
        x = draw(shapes(1, 3))
        axis = draw(st.one_of(st.none(), st.integers(-len(x), len(x) - 1)))
        size = (None if None in x else __import__("math").prod(x)) if axis is None else x[axis]
        if draw(st.booleans()) or size is None or size > 6:
            repeats = draw(st.integers(0, 3))
        else:  # one count per element; now and then one too many
            repeats = draw(st.lists(st.integers(0, 3), min_size=size + draw(st.sampled_from([0, 0, 1])),
                                    max_size=size + 1))
        return "Repeat", [x], {"repeats": repeats, "axis": axis}
    if rule == "split":
        x = draw(shapes(1, 3))
        axis = draw(st.integers(-len(x), len(x) - 1))
        if draw(st.booleans()):
            return "Split", [x], {"indices_or_sections": draw(st.integers(1, 4)), "axis": axis}
        cut = sorted(draw(st.lists(st.integers(0, 6), min_size=0, max_size=3)))
        return "Split", [x], {"indices_or_sections": cut, "axis": axis}
    if rule == "dot":
        k = _size(draw, none_ok=False)
        a = draw(shapes(1, 3))[:-1] + [k]
        b = draw(st.sampled_from([[k], [k, _size(draw)], [None, k, _size(draw)], [2, k, 3]]))
        if draw(st.integers(0, 5)) == 0:
            b[-1 if len(b) == 1 else -2] = k + 1
        return "Dot", [a, b], {}
    if rule == "cumsum":
        x = draw(shapes(1, 3))
        return draw(st.sampled_from(["Cumsum", "Cumprod"])), [x], {
            "axis": draw(st.one_of(st.none(), st.integers(-len(x), len(x) - 1)))}
    if rule == "matmul":
        k = _size(draw, none_ok=False)
        a = draw(shapes(2, 4))[:-1] + [k]
        b = [None] * draw(st.integers(0, max(0, len(a) - 2))) + [k if draw(st.integers(0, 5)) else k + 1,
                                                                  _size(draw, none_ok=False)]
        if len(b) > 2:
            b = a[:len(b) - 2] + b[-2:]
        return "Matmul", [a, b], {}
    if rule == "einsum":
        eq, ins = draw(st.sampled_from([
            ("bij,bjk->bik", ([None, 3, 4], [None, 4, 5])),
            ("bi,bi->b", ([None, 4], [None, 4])),
            ("...ij,jk->...ik", ([None, 2, 3, 4], [4, 5])),
            ("bij->bji", ([None, 2, 3],)),
            ("bij,bkj->bik", ([None, 2, 3], [None, 5, 3])),
            ("abc,cd->abd", ([None, 2, 3], [3, 7])),
            ("bij,bjk", ([None, 3, 4], [None, 4, 5])),
        ]))
        ins = [list(s) for s in ins]
        if draw(st.integers(0, 4)) == 0:
            ins[-1][-1] = (ins[-1][-1] or 1) + 1
        return "Einsum", ins, {"subscripts": eq}
    if rule == "get_item":
        x = draw(shapes(1, 4))
        items = []
        for _ in range(draw(st.integers(1, len(x) + 1))):
            kind = draw(st.sampled_from(["int", "slice", "slice", "none", "ellipsis"]))
            if kind == "int":
                items.append(draw(st.integers(-4, 4)))
            elif kind == "slice":
                items.append(slice(draw(st.one_of(st.none(), st.integers(-5, 5))),
                                   draw(st.one_of(st.none(), st.integers(-5, 5))),
                                   draw(st.sampled_from([None, None, 1, 2, -1]))))
            elif kind == "none":
                items.append(None)
            else:
                items.append(Ellipsis)
        return "GetItem", [x], {"key": items}
    if rule == "extract_patches":  # keras.ops.image: images (rank 4, or 3 unbatched) or volumes
        volumes = draw(st.integers(0, 4)) == 0
        rank = 3 if volumes else 2
        spatial = [draw(st.integers(1, 9)) for _ in range(rank)]
        batched = draw(st.booleans()) or volumes
        first = draw(st.booleans())
        x = ([None] if batched else []) + ([3] + spatial if first else spatial + [draw(st.integers(1, 3))])
        size = draw(st.integers(1, 4)) if not volumes and draw(st.booleans()) else \
            [draw(st.integers(1, 4)) for _ in range(rank)]
        args = {"size": size, "padding": draw(st.sampled_from(["valid", "same"])),
                "data_format": "channels_first" if first else "channels_last"}
        if draw(st.booleans()):
            args["strides"] = draw(st.integers(1, 3))
        return "ExtractPatches", [x], args
    if rule == "tensordot":  # an int, or two axis lists that now and then do not match
        a, b = draw(shapes(1, 4)), draw(shapes(1, 4))
        if draw(st.booleans()):
            return "Tensordot", [a, b], {"axes": draw(st.integers(-1, 3))}
        n = draw(st.integers(1, min(len(a), len(b))))
        left = draw(st.lists(st.integers(-len(a), len(a) - 1), min_size=n, max_size=n, unique=True))
        right = draw(st.lists(st.integers(-len(b), len(b) - 1), min_size=n, max_size=n, unique=True))
        for i, j in zip(left, right):  # matching sizes, unless drawn otherwise
            if draw(st.integers(0, 4)):
                b[j] = a[i]
        return "Tensordot", [a, b], {"axes": [left, right]}
    if rule == "fourier":  # a (real, imaginary) pair; now and then the parts differ, or rank 1
        x = draw(shapes(1, 4))
        y = list(x) if draw(st.integers(0, 5)) else [*x[:-1], (x[-1] or 1) + 1]
        return draw(st.sampled_from(["FFT", "FFT2", "IFFT2"])), [x, y], {}
    raise AssertionError(rule)


RULES = ["elementwise", "first_shape", "reduction", "argmax", "reshape", "transpose", "expand_dims", "squeeze",
         "concatenate", "stack", "tile", "repeat", "split", "cumsum", "matmul", "dot", "einsum", "get_item",
         "extract_patches", "pad", "fourier", "tensordot"]


# --- Keras's answer --------------------------------------------------------------------

def _call(op: str, tensors, args: dict):
    ops = keras.ops
    if op == "GetItem":
        key = tuple(args["key"])
        return tensors[0][key]
    fn = getattr(ops, _FUNCTION.get(op) or snake_case(op), None)
    if op in ("Concatenate", "Stack"):
        return fn(tensors, axis=args["axis"])
    if op == "Einsum":
        return fn(args["subscripts"], *tensors)
    if op == "ExtractPatches":
        return ops.image.extract_patches(tensors[0], **args)
    if op in ("FFT", "FFT2", "IFFT2"):
        return list(fn((tensors[0], tensors[1])))
    if op in BINARY and "x2" in args:
        return fn(tensors[0], args["x2"])
    kwargs = {k: v for k, v in args.items()}
    return fn(*tensors, **kwargs)


def keras_model(op: str, ins: list, args: dict):
    """The model, and the op's output shapes (ops.split gives several)."""
    keras.backend.clear_session(free_memory=False)
    tensors = [keras.Input(batch_shape=tuple(s), name=f"in{i}") for i, s in enumerate(ins)]
    out = _call(op, tensors, args)
    return keras.Model(tensors, out), tuple(tuple(o.shape) for o in (out if isinstance(out, list) else [out]))


def _key_json(items: list) -> list:
    out = []
    for k in items:
        if isinstance(k, slice):
            out.append({"class_name": "__slice__", "config": {"start": k.start, "stop": k.stop, "step": k.step}})
        elif k is Ellipsis:
            out.append({"class_name": "__ellipsis__", "config": {}})
        else:
            out.append(k)
    return out


def runtime_fails(model, ins: list) -> bool:
    import numpy as np

    try:
        model([np.ones([2 if d is None else d for d in s], dtype="float32") for s in ins])
    except Exception:  # noqa: BLE001 - any failure to run
        return True
    return False


def _spec(op: str, ins: list, args: dict, sym: dict | None = None) -> dict:
    args = dict(args)
    if op == "GetItem":
        args["key"] = _key_json(args["key"])
    inputs = {f"in{i}": [d if not (sym and (i, j) in sym) else sym[(i, j)] for j, d in enumerate(s)]
              for i, s in enumerate(ins)}
    spec = {"inputs": inputs, "layers": [{"name": "op", "type": f"ops.{op}", **args, "inputs": list(inputs)}]}
    if sym:
        # t is not 1: broadcasting a named size against an unknown one is then decided
        spec["dims"] = {"t": {"min": 2}}
    return spec


def check(rule: str, case) -> None:
    op, ins, args = case
    try:
        model, expected = keras_model(op, ins, args)
    except Exception as e:  # noqa: BLE001 - Keras refusing the call is an answer
        report = shapecheck.analyze(_spec(op, ins, args))
        assert not report.ok, f"Keras refuses ({type(e).__name__}: {str(e)[:200]}); shapecheck reports " \
                              f"{report.layers['op'].output_shapes} for {op} {ins} {args}"
        return
    # the file Keras writes
    data = json.loads(model.to_json())
    report = shapecheck.analyze(data)
    if not report.ok:  # Keras builds it; then it must fail the first time it runs
        assert runtime_fails(model, ins), [f"{d.code} {d.message}" for d in report.errors] + [op, ins, args]
        return
    node = list(report.layers.values())[-1]  # the op (keras.ops.abs writes the class Absolute)
    assert node.type.startswith("ops.") and node.output_shapes == expected, \
        (op, ins, args, expected, node.type, node.output_shapes)
    assert not [d for d in report.diagnostics if d.code == "SC411"], (op, "fell back to recorded shapes")
    # the same op in a spec, a known size named t
    concrete = [(i, j) for i, s in enumerate(ins) for j, d in enumerate(s) if d is not None and d > 1]
    if not concrete:
        return
    i, j = concrete[0]
    d = ins[i][j]
    sym = {(a, b): "t" for a, b in concrete if ins[a][b] == d}
    report = shapecheck.analyze(_spec(op, ins, args, sym))
    if not report.ok or any(x.code == "SC304" for x in report.diagnostics):
        return  # a condition on t, or an error shapecheck cannot rule out: checked concretely above
    got = report.layers["op"].output_shapes
    for n in SIZES:
        sized = [[n if (a, b) in sym else v for b, v in enumerate(s)] for a, s in enumerate(ins)]
        try:
            _, want = keras_model(op, sized, args)
        except Exception as e:  # noqa: BLE001
            raise AssertionError(f"shapecheck finds {op} {ins} {args} valid for every t, Keras refuses "
                                 f"t={n}: {str(e)[:200]}") from None
        assert tuple(tuple(_subs(x, n) for x in shape) for shape in got) == want, (op, ins, args, n, got, want)


def _subs(d, n):
    if d is None or isinstance(d, int):
        return d
    v = d.subs("t", n) if hasattr(d, "subs") else d
    import sympy

    v = sympy.sympify(v).subs(sympy.Symbol("t", integer=True, positive=True), n)
    return int(v) if getattr(v, "is_Integer", False) else v


@pytest.mark.parametrize("rule", RULES)
def test_keras_op_matches_keras(rule):
    @SETTINGS
    @given(cases(rule))
    def run(case):
        check(rule, case)

    run()


# --- TensorFlow's functions in tf.keras (TFOpLambda) -----------------------------------

TF_CASES = {
    "reduce": lambda tf, x, a: tf.math.reduce_mean(x, axis=a["axis"], keepdims=a["keepdims"]),
    "reshape": lambda tf, x, a: tf.reshape(x, a["newshape"]),
    "transpose": lambda tf, x, a: tf.transpose(x, perm=a["axes"]),
    "concat": lambda tf, x, a: tf.concat([x, x], axis=a["axis"]),
    "add": lambda tf, x, a: x + 1.0,
    "getitem": lambda tf, x, a: x[tuple(a["key"])],
    "expand": lambda tf, x, a: tf.expand_dims(x, a["axis"]),
    "split": lambda tf, x, a: tf.split(x, a["splits"], axis=a["axis"])[-1],  # one layer, several outputs
    "pad": lambda tf, x, a: tf.pad(x, a["paddings"], mode=a["mode"]),
    "extract_patches": lambda tf, x, a: tf.image.extract_patches(x, a["sizes"], a["strides"], a["rates"],
                                                                 a["padding"]),
}


@st.composite
def tf_cases(draw, kind):
    x = draw(shapes(2, 4))
    if kind == "reduce":
        axis = draw(st.one_of(st.none(), st.integers(-len(x), len(x) - 1),
                              st.lists(st.integers(-len(x), len(x) - 1), min_size=1, max_size=2, unique=True)))
        return x, {"axis": axis, "keepdims": draw(st.booleans())}
    if kind == "reshape":
        x = [None] + [d or 2 for d in x[1:]]
        return x, {"newshape": [-1, *reversed([d for d in x[1:]])]}
    if kind == "transpose":
        return x, {"axes": draw(st.one_of(st.none(), st.permutations(list(range(len(x))))))}
    if kind == "concat":
        return x, {"axis": draw(st.integers(-len(x), len(x) - 1))}
    if kind == "getitem":
        return x, {"key": [slice(None), draw(st.integers(-1, 0)), *([slice(1, None)] if len(x) > 2 else [])]}
    if kind == "expand":
        return x, {"axis": draw(st.integers(-len(x) - 1, len(x)))}
    if kind == "split":
        axis = draw(st.integers(-len(x), len(x) - 1))
        size = x[axis]
        if size is None or draw(st.booleans()):
            return x, {"splits": draw(st.integers(1, 3)), "axis": axis}
        sizes = draw(st.lists(st.integers(0, size), min_size=1, max_size=3))
        sizes[-1] = max(0, size - sum(sizes[:-1]))
        if draw(st.booleans()):
            sizes[draw(st.integers(0, len(sizes) - 1))] = -1
        return x, {"splits": sizes, "axis": axis}
    if kind == "pad":  # now and then one pair too few, or a negative width
        paddings = [[draw(st.integers(-1 if draw(st.integers(0, 9)) == 0 else 0, 3)) for _ in range(2)]
                    for _ in range(len(x) - (draw(st.integers(0, 6)) == 0))]
        return x, {"paddings": paddings, "mode": draw(st.sampled_from(["CONSTANT", "REFLECT", "SYMMETRIC"]))}
    if kind == "extract_patches":  # now and then an unknown size, or a patch wider than the image
        x = [None, *(draw(st.one_of(st.none(), st.integers(1, 9))) if draw(st.integers(0, 5)) == 0
                     else draw(st.integers(1, 9)) for _ in range(2)), draw(st.integers(1, 3))]

        def four(low, high):
            return [draw(st.integers(1, 2)), draw(st.integers(low, high)), draw(st.integers(low, high)),
                    draw(st.integers(1, 2))]
        return x, {"sizes": four(1, 4), "strides": four(1, 3), "rates": four(1, 2),
                   "padding": draw(st.sampled_from(["VALID", "SAME"]))}
    return x, {}


# tf.image.extract_patches calls TensorFlow refuses, each with the finding shapecheck gives:
# the arguments replace valid ones in the tf.keras model's config.
REFUSED_PATCHES = {
    "a patch wider than the image": (([1, 9, 9, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID"), "SC308"),
    "a dilated patch wider than the image": (([1, 3, 3, 1], [1, 1, 1, 1], [1, 4, 1, 1], "VALID"), "SC308"),
    "a stride of 0": (([1, 2, 2, 1], [1, 0, 1, 1], [1, 1, 1, 1], "VALID"), "SC403"),
    "three sizes": (([1, 2, 2], [1, 1, 1, 1], [1, 1, 1, 1], "VALID"), "SC403"),
    "five strides": (([1, 2, 2, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1], "VALID"), "SC403"),
    "padding in lower case": (([1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "valid"), "SC403"),
}


@pytest.mark.parametrize("name", sorted(REFUSED_PATCHES))
def test_tf_extract_patches_refuses_what_tensorflow_refuses(name):
    tf_keras = pytest.importorskip("tf_keras")
    import tensorflow as tf

    (sizes, strides, rates, padding), code = REFUSED_PATCHES[name]
    tf_keras.backend.clear_session()
    inp = tf_keras.Input(shape=(7, 7, 2), name="x")
    with pytest.raises(ValueError):
        tf.image.extract_patches(inp, sizes, strides, rates, padding)
    model = tf_keras.Model(inp, tf.image.extract_patches(inp, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID"))
    config = json.loads(model.to_json())
    (op,) = [l for l in config["config"]["layers"] if l["class_name"] == "TFOpLambda"]
    op["inbound_nodes"][0][3] = {"sizes": sizes, "strides": strides, "rates": rates, "padding": padding}
    report = shapecheck.analyze(config)
    assert [d.code for d in report.errors] == [code], [f"{d.code} {d.message}" for d in report.diagnostics]


@pytest.mark.parametrize("kind", sorted(TF_CASES))
def test_tensorflow_op_layer_matches_tf_keras(kind, tmp_path):
    tf_keras = pytest.importorskip("tf_keras")
    import tensorflow as tf

    @SETTINGS
    @given(tf_cases(kind))
    def run(case):
        x, args = case
        tf_keras.backend.clear_session()
        inp = tf_keras.Input(batch_shape=tuple(x), name="x")
        try:
            out = TF_CASES[kind](tf, inp, args)
        except Exception:  # noqa: BLE001 - TensorFlow refusing the call: nothing to save
            return
        out = tf_keras.layers.Activation("linear", name="after")(out)
        model = tf_keras.Model(inp, out)
        report = shapecheck.analyze(json.loads(model.to_json()))
        assert report.ok, [f"{d.code} {d.message}" for d in report.errors]
        op = [l for l in report.layers.values() if l.type in ("TFOpLambda", "SlicingOpLambda")][-1]
        want = tuple(model.get_layer("after").output.shape)
        outputs = op.output_shapes[-1:] if kind == "split" else op.output_shapes
        assert outputs == (want,), (kind, x, args, op.output_shapes, want)
        assert not [d for d in report.diagnostics if d.code == "SC411"], (kind, "fell back")

    run()


def test_every_op_rule_is_tested():
    """Each op rule of shapecheck/rules/ops.py has a generator here."""
    from shapecheck.rules import REGISTRY

    keras_ops = {r.fn.__name__ for n, r in REGISTRY.items() if n.startswith("ops.")}
    assert keras_ops - {"where"} <= set(RULES), keras_ops - set(RULES)
