"""Data arrays, by shape only: what ``keras.datasets.<name>.load_data()`` returns (the
datasets' documented shapes), and what NumPy and Keras's utilities make of them
(``reshape``, ``astype``, ``expand_dims``, ``to_categorical``, ``x.shape[1:]``...). Model
code sizes its inputs from them (``input_shape = x_train.shape[1:]``), and its outputs
from their labels (``num_classes = np.max(y_train) + 1``): the reader knows both without
any data. Nothing is loaded or downloaded."""

from __future__ import annotations

import math

from ...records import record
from .limits import MAX_ITEMS
from .values import UNKNOWN_BOUNDS, Module, Unknown, known

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter


@record
class Array:
    """An array of ``shape`` (its first axis may be a sample count); ``classes``: for
    class labels, how many there are (ids 0..classes-1)."""

    shape: tuple
    classes: int | None = None


#: keras.datasets: (x train, y train, x test, y test shapes, classes); x of the text
#: datasets is a list of sequences of varying length (one axis here).
DATASETS = {
    "mnist": ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,), 10),
    "fashion_mnist": ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,), 10),
    "cifar10": ((50000, 32, 32, 3), (50000, 1), (10000, 32, 32, 3), (10000, 1), 10),
    "cifar100": ((50000, 32, 32, 3), (50000, 1), (10000, 32, 32, 3), (10000, 1), 100),
    "imdb": ((25000,), (25000,), (25000,), (25000,), 2),
    "reuters": ((8982,), (8982,), (2246,), (2246,), 46),
    "boston_housing": ((404, 13), (404,), (102, 13), (102,), None),
    "california_housing": ((16512, 8), (16512,), (4128, 8), (4128,), None),
}


def load_data(name: str) -> Any:
    spec = DATASETS.get(name)
    if spec is None:
        return Unknown(why=f"keras.datasets.{name}")
    xtr, ytr, xte, yte, classes = spec
    return ((Array(xtr), Array(ytr, classes)), (Array(xte), Array(yte, classes)))


def reshape(a: Array, shape: Any) -> Any:
    if isinstance(shape, int):
        shape = (shape,)
    if not isinstance(shape, (list, tuple)) or not all(isinstance(d, int) for d in (*a.shape, *shape)):
        return reshape_unknown(shape)  # sizes of data on either side: the rank and sizes given
    size = math.prod(a.shape)
    if shape.count(-1) == 1:
        known = math.prod(d for d in shape if d != -1)
        if known == 0 or size % known:
            return Unknown(why="a reshape that does not fit")
        shape = tuple(size // known if d == -1 else d for d in shape)
    if math.prod(shape) != size:
        return Unknown(why="a reshape that does not fit")
    return Array(tuple(shape), a.classes)


def columns(count: int) -> Array:
    """``df[["user", "movie"]]`` of a table the reader cannot know (pandas'): its rows are
    the data's, its columns those named; ``.values`` and ``.to_numpy()`` are that array."""
    return Array((Unknown(why="the rows of a table of data"), count))


def made(shape: Any) -> Any:
    """An array numpy makes of the shape it is given (a size, or a sequence of them)."""
    shape = shape if isinstance(shape, (list, tuple)) else (shape,)
    if not all(d.__class__ is int and 0 <= d for d in shape) or len(shape) > MAX_RANK:
        return Unknown(why="an array of a shape the reader cannot know")
    return Array(tuple(shape))


MAX_RANK = 64  # as a tensor (SC310): beyond, no real array


def reshape_unknown(shape: Any) -> Any:
    """An array the reader cannot know, reshaped (``x.reshape((x.shape[0], x.shape[1], 1))``,
    ``x.reshape(-1, 28, 28, 1)``): its rank is the new shape's, and each size is the one
    given, a number or a size of the data (a named size: ``x_shape_1``). What ``-1``
    stands for, the reader cannot know."""
    if isinstance(shape, int):
        shape = (shape,)
    if not isinstance(shape, (list, tuple)) or sum(1 for d in shape if d == -1 and d.__class__ is int) > 1:
        return Unknown(why="a reshape the reader cannot follow")
    dims: list[Any] = []
    for d in shape:
        if d.__class__ is int and d >= 0:
            dims.append(d)
        elif d.__class__ is int and d == -1:
            dims.append(Unknown(why="the -1 of a reshape, which the data decides"))
        elif isinstance(d, Unknown):
            dims.append(d)
        else:
            return Unknown(why="a reshape the reader cannot follow")
    return Array(tuple(dims))


def shape_item(interp: Interpreter, shape: Unknown, key: Any) -> Any:
    """``x.shape[1]`` of data the reader cannot know (``shape`` is ``x.shape``): a named
    size, ``x_shape_1``, that ``--dim`` binds. It is the same size wherever the file
    writes it, but two arrays the file assigns to one name have two sizes (``x_shape_1``,
    then ``x_2_shape_1``): the reader does not merge them."""
    base = shape.name[: -len(".shape")].replace(".", "_")
    axis = str(key) if key >= 0 else f"minus_{-key}"
    said = f"{shape.name}[{key}]"
    for n in range(1, MAX_VERSIONS):
        name = f"{base}_shape_{axis}" if n == 1 else f"{base}_{n}_shape_{axis}"
        version, _ = interp.shape_sizes.setdefault(name, (shape.version, said))
        if version == shape.version:
            return Unknown(name, shape.why, shape.name, derived=True, version=shape.version)
    return Unknown(why=said)


MAX_VERSIONS = 100  # arrays assigned to one name whose shapes give sizes, beyond: unknown


def is_shape(value: Any) -> bool:
    """Whether ``value`` is ``x.shape`` of data the reader cannot know."""
    return isinstance(value, Unknown) and bool(value.name) and value.name.endswith(".shape") \
        and value.name[: -len(".shape")].replace(".", "_").isidentifier()


def expand_dims(a: Array, axis: Any) -> Any:
    if not isinstance(axis, int):
        return Unknown()
    rank = len(a.shape) + 1
    if not -rank <= axis < rank:
        return Unknown()
    shape = list(a.shape)
    shape.insert(axis % rank, 1)
    return Array(tuple(shape), a.classes)


def _newaxis(k: Any) -> bool:
    return k is None or isinstance(k, Module) and k.path == ("numpy", "newaxis")


def index(a: Array, key: Any) -> Any:
    """``a[i]``, ``a[:n]``, ``a[i, j]``... on the leading axes; ``...`` stands for the axes
    no other item takes, ``None`` (``np.newaxis``) makes an axis of 1."""
    items = list(key) if isinstance(key, tuple) else [key]
    if items.count(Ellipsis) > 1:
        return Unknown(why="an index with two ellipses, which numpy refuses")
    if Ellipsis in items:
        at, taken = items.index(Ellipsis), sum(1 for k in items if k is not Ellipsis and not _newaxis(k))
        items[at:at + 1] = [slice(None)] * max(0, len(a.shape) - taken)
    shape = list(a.shape)
    out: list[Any] = []
    for k in items:
        if _newaxis(k):
            out.append(1)
            continue
        if not shape:
            return Unknown()
        n = shape.pop(0)
        if isinstance(k, int):
            continue
        if isinstance(k, Array) and len(k.shape) == 1 and sum(isinstance(i, Array) for i in items) == 1:
            # the rows an index or a mask picks: numpy keeps the axis, of their count
            out.append(Unknown(why="the rows an index array picks"))
            continue
        if isinstance(k, list) and (all(type(i) is int for i in k) or isinstance(n, int) and len(k) != n
                                    and all(isinstance(i, Unknown) or type(i) is int for i in k)):
            # rows picked by a list of indices; of items unknown, a mask would have one per row
            out.append(len(k))
            continue
        if isinstance(k, list) and k and all(type(i) is bool for i in k) and len(k) == n:  # a mask
            out.append(sum(k))
            continue
        if isinstance(k, slice) and not isinstance(n, int):  # a size of data: kept whole
            out.append(n if k == slice(None) else Unknown(why="a slice of a size of data"))
            continue
        if isinstance(k, Unknown) and k.why == UNKNOWN_BOUNDS:  # x[:n], n from data: the axis, resized
            out.append(Unknown(why="a slice of data by a size from data"))
            continue
        if isinstance(k, slice):
            out.append(len(range(*k.indices(n))))
            continue
        return Unknown(why="an index the reader cannot follow")
    return Array((*out, *shape), a.classes)


#: an array's methods the reader follows (``method``); any other attribute is ``attribute``'s
METHODS = frozenset(("reshape", "astype", "copy", "squeeze", "max", "min", "to_numpy", "transpose",
                     "swapaxes", "numpy"))


def method(a: Array, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    if name == "reshape":
        return reshape(a, tuple(args) if len(args) != 1 else args[0])
    if name == "squeeze" and not all(isinstance(d, int) for d in a.shape):
        return Unknown(why="a squeeze of sizes of data, which may be 1")
    if name in ("astype", "copy", "squeeze", "to_numpy", "numpy") and not (name == "squeeze" and args):
        return a if name != "squeeze" else Array(tuple(d for d in a.shape if d != 1), a.classes)
    if name in ("max", "min"):
        return numpy(name, [a, *args], kwargs)
    if name in _AXES:
        return numpy(name, [a, *(args if name != "transpose" or len(args) < 2 else [tuple(args)])], kwargs)
    return Unknown(why=f"array.{name}()")


def _axes_order(name: str, rank: int, args: list[Any], kwargs: dict[str, Any]) -> list[int] | None:
    """Where each axis of the result comes from, for numpy's functions that move axes."""
    bound = dict(zip(_AXES[name], args))
    bound.update(kwargs)
    if set(bound) - set(_AXES[name]):
        return None
    order = list(range(rank))
    if name == "transpose":
        axes = bound.get("axes")
        if axes is None or not rank:
            return order[::-1] if axes is None or not axes else None
        if not isinstance(axes, (list, tuple)) or sorted(d % rank if type(d) is int else -1
                                                         for d in axes) != order:
            return None
        return [d % rank for d in axes]
    if name == "swapaxes":
        i, j = bound.get("axis1"), bound.get("axis2")
        if type(i) is not int or type(j) is not int or not (-rank <= i < rank and -rank <= j < rank):
            return None
        order[i], order[j] = order[j], order[i]
        return order
    src, dst = bound.get("source"), bound.get("destination")  # moveaxis, one axis
    if type(src) is not int or type(dst) is not int or not (-rank <= src < rank and -rank <= dst < rank):
        return None
    order.remove(src % rank)
    order.insert(dst % rank, src % rank)
    return order


# numpy's functions (and methods) that move axes, with their parameters after the array
_AXES = {"transpose": ("axes",), "swapaxes": ("axis1", "axis2"), "moveaxis": ("source", "destination")}


def attribute(a: Array, name: str) -> Any:
    if name == "shape":
        return a.shape
    if name == "ndim":
        return len(a.shape)
    if name == "size":
        return math.prod(a.shape) if all(isinstance(d, int) for d in a.shape) else Unknown(why="array.size")
    if name == "T":
        return Array(tuple(reversed(a.shape)), a.classes)
    if name == "values":  # a table's, as numpy's array
        return a
    return Unknown(why=f"array.{name}")


# numpy functions that make an array of data the reader cannot know, or of a size of it,
# or of a shape they are given
OF_DATA = ("reshape", "permutation", "zeros", "ones", "empty", "full", "rand", "randn", "random", "eye",
           "identity", "randint")


def numpy(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """What numpy.<name> gives an array, where the shapes say it."""
    a = args[0] if args else None
    if name == "permutation" and len(args) == 1 and not kwargs:  # a shuffled index, or copy
        if isinstance(a, Array):
            return a
        return Array((a,)) if isinstance(a, Unknown) or a.__class__ is int and a >= 0 else Unknown()
    if name in ("zeros", "ones", "empty", "full", "random"):  # np.zeros((2, 28, 28, 1))
        return made(args[0] if args else kwargs.get("shape", kwargs.get("size")))
    if name in ("rand", "randn") and not kwargs:  # np.random.rand(2, 28, 28, 1)
        return made(args)
    if name == "randint":  # np.random.randint(2, size=(1000, 1)): class ids, 0 up to low (or high from 0)
        bound = dict(zip(("low", "high", "size"), args), **kwargs)
        if bound.get("size") is None:
            return Unknown(why="a random integer")
        low, high = bound.get("low"), bound.get("high")
        ids = made(bound["size"])
        classes = low if high is None else high if low == 0 else None
        return Array(ids.shape, classes if classes.__class__ is int and classes > 0 else None) \
            if isinstance(ids, Array) else ids
    if name in ("eye", "identity"):  # one-hot rows: np.eye(3)[labels]
        n = args[0] if args else kwargs.get("N", kwargs.get("n"))
        m = args[1] if name == "eye" and len(args) > 1 else kwargs.get("M")
        return made((n, n if m is None else m))
    if name == "reshape" and isinstance(a, Unknown):
        return reshape_unknown(args[1] if len(args) > 1 else kwargs.get("newshape", kwargs.get("shape")))
    if not isinstance(a, Array):
        return Unknown(why=f"numpy.{name}")
    if name in ("max", "amax") and a.classes is not None and "axis" not in kwargs and len(args) == 1:
        return a.classes - 1
    if name in ("min", "amin") and a.classes is not None and "axis" not in kwargs and len(args) == 1:
        return 0
    if name == "unique" and a.classes is not None:
        return Array((a.classes,))
    if name == "expand_dims":
        return expand_dims(a, args[1] if len(args) > 1 else kwargs.get("axis"))
    if name == "reshape":
        return reshape(a, args[1] if len(args) > 1 else kwargs.get("newshape", kwargs.get("shape")))
    if name in ("asarray", "array", "float32", "copy"):
        return a
    if name in _AXES:
        order = _axes_order(name, len(a.shape), args[1:], kwargs)
        if order is None:
            return Unknown(why=f"numpy.{name} with axes the reader cannot follow")
        return Array(tuple(a.shape[d] for d in order))
    return Unknown(why=f"numpy.{name}")


def to_categorical(args: list[Any], kwargs: dict[str, Any]) -> Any:
    y = args[0] if args else kwargs.get("y")
    n = args[1] if len(args) > 1 else kwargs.get("num_classes")
    if not isinstance(y, Array):
        return Unknown(why="to_categorical of unknown labels")
    if n is None:
        n = y.classes
    if not isinstance(n, int):
        return Unknown(why="to_categorical of an unknown class count")
    lead = y.shape[:-1] if y.shape and y.shape[-1] == 1 else y.shape
    return Array((*lead, n))


def pad_sequences(args: list[Any], kwargs: dict[str, Any]) -> Any:
    seqs = args[0] if args else kwargs.get("sequences")
    maxlen = kwargs.get("maxlen", args[1] if len(args) > 1 else None)
    if isinstance(seqs, Array) and isinstance(maxlen, int):
        return Array((seqs.shape[0], maxlen))
    return Unknown(why="pad_sequences of unknown length")


def numpy_call(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``numpy.<name>(*args, **kwargs)``: an array's shape, or the numbers it makes."""
    if args and (isinstance(args[0], Array) or name in OF_DATA):
        return numpy(name, args, kwargs)
    if name == "shuffle" and len(args) == 1 and isinstance(args[0], list):  # np.random.shuffle, in place
        args[0][:] = [Unknown(why="an item of a list np.random.shuffle permuted")] * len(args[0])
        return None
    if name == "prod" and args and known(args[0]) and isinstance(args[0], (list, tuple)):
        return math.prod(args[0])
    numbers = [*args, *kwargs.values()]
    if name in ("linspace", "arange") and numbers and all(
        isinstance(a, (int, float)) and not isinstance(a, bool) and abs(a) <= MAX_ITEMS for a in numbers
    ):
        # schedules (ConvNeXt's drop rates): a list the loop that follows can read
        if name == "linspace":
            bound = {"num": 50, **dict(zip(("start", "stop", "num"), args)), **kwargs}
            start, stop, num = bound.get("start"), bound.get("stop"), bound["num"]
            if isinstance(num, int) and 0 <= num and start is not None and stop is not None \
                    and set(bound) <= {"start", "stop", "num"}:
                step = (stop - start) / (num - 1) if num > 1 else 0.0
                return [float(start + i * step) if i < num - 1 else float(stop) for i in range(num)]
        elif not kwargs and 1 <= len(args) <= 3 and all(isinstance(a, int) for a in args):
            r = range(*args)
            if len(r) <= MAX_ITEMS:
                return list(r)
    return Unknown(why=f"numpy.{name} is not followed")


# Functions of TensorFlow and Keras that make a tensor of the shape they are given; at the
# file's level (not in a call() the reader follows) it is data of that shape, as
# ``model(tf.zeros((1, 28, 28, 1)))`` builds a subclassed model on it.
EAGER = frozenset(("zeros", "ones", "normal", "uniform"))
_EAGER = {("tensorflow", "zeros"), ("tensorflow", "ones"), ("tensorflow", "random", "normal"),
          ("tensorflow", "random", "uniform"), ("keras", "ops", "zeros"), ("keras", "ops", "ones"),
          ("keras", "random", "normal"), ("keras", "random", "uniform")}


def eager(path: tuple[str, ...], args: list[Any], kwargs: dict[str, Any]) -> Any:
    """The array ``tf.zeros(shape)``, ``keras.random.normal(shape)``... makes, or None."""
    if path not in _EAGER:
        return None
    array = made(args[0] if args else kwargs.get("shape"))
    return array if isinstance(array, Array) else None
