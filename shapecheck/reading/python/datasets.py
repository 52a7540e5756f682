"""tf.data pipelines, by shape only: what ``tf.data.Dataset.from_tensor_slices``, Keras's
``timeseries_dataset_from_array`` and ``image_dataset_from_directory`` make of data, and
what ``batch``, ``shuffle``, ``take``, ``zip``... make of a dataset. A model is built on
what it is fitted with (``model.fit(train_ds)`` of a Model subclass) and sized from a
batch of it (``for x, y in ds.take(1): ... x.shape[1]``): the reader knows both from the
element spec TensorFlow gives each pipeline, and from its element count, without data.
Nothing is read from disk: a directory's images have the size the call asks for, and
their count, like the classes found there, stays unknown."""

from __future__ import annotations

import math

from ...records import record, replace
from .arrays import Array
from .values import Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


@record
class Batch:
    """The batch axis of a dataset's elements: its ``rows`` (after ``start`` batches skipped)
    in batches of ``size``, the last one short; ``rows`` None when unknown, inf forever."""

    size: int | None
    rows: int | float | None
    start: int = 0

    def at(self, i: int) -> Any:
        """The size of the ith batch the dataset yields."""
        if self.size is None or self.rows is None:
            return Unknown(why="the size of a batch of data")
        return min(self.size, self.rows - (self.start + i) * self.size)

    @property
    def even(self) -> bool:
        """Every batch is of ``size``: the order of the batches does not change them."""
        return self.size is not None and self.rows is not None and (self.rows == math.inf
                                                                    or self.rows % self.size == 0)


@record
class Part:
    """One tensor of a dataset's element: ``shape`` as its element spec says (None: a size
    TensorFlow leaves open), ``sizes`` as each element has them (an int, an Unknown, or the
    batch axis, a Batch)."""

    shape: tuple
    sizes: tuple


@record
class Dataset:
    """A tf.data dataset: its element (a Part, or a tuple or dict of them), and how many
    elements it yields (None: unknown; inf: repeated forever)."""

    element: Any
    count: int | float | None
    # at most this many, when the count is unknown (``take(1)`` of a directory's images)
    bound: int | None = None


@record(mutable=True)
class Iter:
    """``iter(ds)`` (or ``ds.as_numpy_iterator()``): the elements of ``ds`` from ``at`` on."""

    ds: Dataset
    at: int = 0

    def next(self) -> Any:
        """``next(it)``: the element at ``at`` (unknown when the reader cannot tell there is
        one), the iterator moved on."""
        count = self.ds.count
        if count is None or self.at >= count or isinstance(self.ds.element, Unknown):
            return Unknown(why="the next element of a dataset the reader cannot count")
        self.at += 1
        return _element(self.ds, self.at - 1)

    def rest(self) -> list[Any] | None:
        """What a loop over the iterator gets (``elements``), the iterator then at its end."""
        left = elements(Dataset(_parts(self.ds.element, lambda p: _skipped(p, self.at)),
                                None if self.ds.count is None else self.ds.count - self.at))
        if left is not None:
            self.at += len(left)
        return left


#: the methods of a dataset the reader models (the others' results are unknown)
METHODS = frozenset(("prefetch", "cache", "with_options", "ignore_errors", "shuffle", "batch",
                     "padded_batch", "unbatch", "take", "skip", "repeat", "filter", "enumerate",
                     "concatenate", "map", "cardinality", "as_numpy_iterator"))

#: Keras's utilities that make a dataset (keras.utils, tf.keras.preprocessing)
KERAS_UTILS = frozenset(("timeseries_dataset_from_array", "image_dataset_from_directory",
                         "text_dataset_from_directory"))

#: element counts above which a loop over a dataset is not followed: a training loop over
#: a whole dataset runs the model once per batch, which the reader does not repeat
MAX_LOOPED = 16


def _parts(element: Any, fn: Any) -> Any:
    """``element`` with each Part replaced by ``fn(part)``: its structure kept."""
    if isinstance(element, Part):
        return fn(element)
    if isinstance(element, tuple):
        return tuple(_parts(e, fn) for e in element)
    if isinstance(element, dict):
        return {k: _parts(v, fn) for k, v in element.items()}
    return element


def _all_parts(element: Any) -> list[Part]:
    if isinstance(element, Part):
        return [element]
    items = element.values() if isinstance(element, dict) else element if isinstance(element, tuple) else ()
    return [p for e in items for p in _all_parts(e)]


def _sliced(value: Any) -> tuple[Any, Any]:
    """``from_tensor_slices(value)``: the element, and the count (the first axis, shared)."""
    if isinstance(value, Array):
        if not value.shape:
            return Unknown(why="from_tensor_slices of a scalar"), None
        first = value.shape[0]
        return _part(value.shape[1:]), first if first.__class__ is int else None
    if isinstance(value, (tuple, dict)) and value:
        items = list(value.values()) if isinstance(value, dict) else list(value)
        sliced = [_sliced(v) for v in items]
        counts = {c for _, c in sliced if c is not None}
        element = dict(zip(value, (e for e, _ in sliced))) if isinstance(value, dict) \
            else tuple(e for e, _ in sliced)
        return element, counts.pop() if len(counts) == 1 else None
    if isinstance(value, list):  # a Python list: one tensor, TensorFlow's conversion of it
        shape = _list_shape(value)
        if shape is None:
            return Unknown(why="from_tensor_slices of a list the reader cannot shape"), None
        return _part(shape[1:]), shape[0]
    return Unknown(why="from_tensor_slices of data the reader cannot know"), None


def _whole(value: Any) -> Any:
    """``from_tensors(value)``: one element, the value whole (a tuple or dict of tensors)."""
    if isinstance(value, (tuple, dict)) and value:
        items = list(value.values()) if isinstance(value, dict) else list(value)
        parts = [_whole(v) for v in items]
        return dict(zip(value, parts)) if isinstance(value, dict) else tuple(parts)
    shape = _list_shape(value)
    return _part(shape) if shape is not None else Unknown(why="from_tensors of data the reader cannot know")


def _list_shape(value: Any) -> tuple | None:
    """The shape of the tensor a nested Python list converts to; None if ragged or unknown."""
    if isinstance(value, Array):
        return value.shape
    if isinstance(value, (int, float, str, bool)):
        return ()
    if not isinstance(value, (list, tuple)) or not value:
        return (0,) if value == [] else None
    inner = {_list_shape(v) for v in value[:1000]}
    if len(inner) != 1 or None in inner or len(value) > 1000:
        return None
    return (len(value), *inner.pop())


def _part(shape: tuple) -> Part:
    """The Part of data of ``shape``: a size from data the file names (``x_train_shape_1``)
    stays that named size in the spec; any other unknown size is open."""
    return Part(tuple(d if d.__class__ is int or isinstance(d, Unknown) and d.name else None for d in shape),
                tuple(shape))


def tf_data(path: tuple[str, ...], args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``tf.data.<path>(...)``: a dataset, or unknown when the reader does not model it."""
    name = path[-1]
    if path[:1] == ("Dataset",) or len(path) == 1:
        if name == "from_tensor_slices" and len(args) == 1:
            element, count = _sliced(args[0])
            return Dataset(element, count)
        if name == "from_tensors" and len(args) == 1:
            return Dataset(_whole(args[0]), 1)
        if name == "range" and args and all(a.__class__ is int for a in args) and len(args) <= 3 \
                and (len(args) < 3 or args[2] != 0):
            return Dataset(Part((), ()), _steps(*args) if len(args) > 1 else _steps(0, args[0]))
        if name == "zip":
            return zipped(list(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else args)
    if name in ("TextLineDataset", "TFRecordDataset", "list_files"):  # a string per line, record, file
        return Dataset(Part((), ()), None)
    return Unknown(why=f"tf.data.{'.'.join(path)} is not followed")


def _steps(start: int, stop: int, step: int = 1) -> int:
    """``len(range(start, stop, step))``, for sizes of any magnitude (no C integer)."""
    span = stop - start if step > 0 else start - stop
    return max(0, -(-span // abs(step)))


def zipped(datasets: list[Any]) -> Any:
    if not datasets or not all(isinstance(d, Dataset) for d in datasets):
        return Unknown(why="zip of what the reader does not know as datasets")
    counts = [d.count for d in datasets]
    return Dataset(tuple(d.element for d in datasets), None if None in counts else min(counts))


def method(ds: Dataset, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``ds.<name>(...)``: the dataset it makes, as TensorFlow's element spec and
    cardinality say."""
    count = ds.count
    if name in ("prefetch", "cache", "with_options", "ignore_errors"):
        return ds
    if name == "shuffle":  # batches shuffled: the short one may come first
        return replace(ds, element=_parts(ds.element, _unordered))
    if name in ("batch", "padded_batch"):
        size = args[0] if args else kwargs.get("batch_size")
        drop = kwargs.get("drop_remainder", args[3] if name == "padded_batch" and len(args) > 3 else
                          args[1] if name == "batch" and len(args) > 1 else False)
        if not (size.__class__ is int and size > 0) or not isinstance(drop, bool):
            return Dataset(Unknown(why=f"{name}() of a size the reader cannot know"), None)
        padded = kwargs.get("padded_shapes", args[1] if name == "padded_batch" and len(args) > 1 else None)
        return batched(ds, size, drop, padded)
    if name == "unbatch":
        return _unbatched(ds)
    if name in ("take", "skip"):
        n = args[0] if args else kwargs.get("count")
        if n.__class__ is not int:
            return Dataset(ds.element, None)
        if name == "take":
            if count is None:
                return replace(ds, bound=n if n >= 0 and (ds.bound is None or n < ds.bound) else ds.bound)
            return Dataset(ds.element, count if n < 0 or count <= n else n)
        return Dataset(_parts(ds.element, lambda p: _skipped(p, n)),
                       None if count is None else max(count - n, 0) if n >= 0 else 0)
    if name == "repeat":
        n = args[0] if args else kwargs.get("count")
        if n is None or n.__class__ is int and n < 0:
            return Dataset(_parts(ds.element, _unordered), math.inf if count != 0 else 0)
        if n.__class__ is not int:
            return Dataset(_parts(ds.element, _unordered), None)
        return Dataset(_parts(ds.element, _unordered), None if count is None else count * n)
    if name == "filter":
        return Dataset(_parts(ds.element, _unordered), None)
    if name == "enumerate":
        return Dataset((Part((), ()), ds.element), count)
    if name == "concatenate" and args and isinstance(args[0], Dataset):
        other = args[0]
        total = None if count is None or other.count is None else count + other.count
        return Dataset(_merged(ds.element, other.element), total)
    if name == "as_numpy_iterator":
        return Iter(ds)
    if name == "cardinality":
        return Unknown(why="a dataset's cardinality, a tensor")
    return Unknown(why=f"dataset.{name}() is not followed")


def batched(ds: Dataset, size: int, drop: bool, padded: Any = None) -> Dataset:
    count = ds.count
    rows = count
    if count is None:
        batches = None
    elif count == math.inf:
        batches = math.inf
    else:
        batches = count // size if drop else -(-count // size)
    axis = Batch(size, size * batches if drop and batches not in (None, math.inf) else rows)

    def batch(part: Part) -> Part:
        # a batch of batches: the inner batches' sizes are one axis of each element now
        sizes = tuple(Unknown(why="the size of a batch of data") if isinstance(d, Batch) and not d.even else
                      d.size if isinstance(d, Batch) else d for d in part.sizes)
        return Part((size if drop else None, *part.shape), (axis, *sizes))

    element = _parts(ds.element, batch)
    if padded is not None:
        element = _padded(element, padded)
    return Dataset(element, batches)


def _padded(element: Any, padded: Any) -> Any:
    """padded_batch's ``padded_shapes``: each component of that shape (None or -1 pads to
    the batch's longest, a size known only per batch)."""
    if isinstance(element, Part) and isinstance(padded, (list, tuple)) and all(
            d is None or d.__class__ is int for d in padded):
        if len(padded) != len(element.shape) - 1:
            return Unknown(why="padded_shapes of another rank than the element")
        shape = tuple(None if d is None or d < 0 else d for d in padded)
        # padded to the batch's longest: the element's size, when every element has it
        sizes = tuple((own if own.__class__ is int else Unknown(why="a batch's longest element"))
                      if d is None else d for d, own in zip(shape, element.sizes[1:]))
        return Part((element.shape[0], *shape), (element.sizes[0], *sizes))
    if isinstance(element, tuple) and isinstance(padded, (tuple, list)) and len(padded) == len(element):
        return tuple(_padded(e, p) for e, p in zip(element, padded))
    if isinstance(element, dict) and isinstance(padded, dict) and set(padded) == set(element):
        return {k: _padded(v, padded[k]) for k, v in element.items()}
    return Unknown(why="padded_shapes the reader cannot follow")


def _unbatched(ds: Dataset) -> Dataset:
    """Each batch's rows, one by one; how many TensorFlow does not count (nor does the reader)."""
    parts = _all_parts(ds.element)
    if not parts or any(not p.shape for p in parts):
        return Dataset(Unknown(why="unbatch() of what has no batch axis"), None)
    return Dataset(_parts(ds.element, lambda p: Part(p.shape[1:], p.sizes[1:])), None)


def _unordered(part: Part) -> Part:
    """A Part whose batches may come in another order (shuffled, filtered, repeated): each
    batch's size is known only when all are the same."""
    return Part(part.shape, tuple(Batch(d.size, math.inf if d.even else None) if isinstance(d, Batch) else d
                                  for d in part.sizes))


def _skipped(part: Part, n: int) -> Part:
    return Part(part.shape, tuple(Batch(d.size, d.rows, d.start + max(n, 0)) if isinstance(d, Batch) else d
                                  for d in part.sizes))


def _merged(a: Any, b: Any) -> Any:
    """concatenate's element: each axis the size both have, or open."""
    if isinstance(a, Part) and isinstance(b, Part) and len(a.shape) == len(b.shape):
        return Part(tuple(x if x == y else None for x, y in zip(a.shape, b.shape)),
                    tuple(x if x == y else Unknown(why="a size of one of two datasets")
                          for x, y in zip(a.sizes, b.sizes)))
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b):
        return tuple(_merged(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict) and set(a) == set(b):
        return {k: _merged(v, b[k]) for k, v in a.items()}
    return Unknown(why="concatenate of datasets of other elements")


def elements(ds: Dataset) -> list[Any] | None:
    """The elements a loop over ``ds`` gets, as arrays of each element's sizes; None when
    their count is unknown or above MAX_LOOPED."""
    count = ds.count
    if count is None or count > MAX_LOOPED or isinstance(ds.element, Unknown):
        return None
    return [_element(ds, i) for i in range(int(count))]


def loop(value: Dataset | Iter, once: bool) -> tuple[list[Any] | None, bool]:
    """What a ``for`` over a dataset (or its iterator) runs on: its elements (only the
    first, when the loop's body ends in ``break``), and whether the reader assumes there is
    one: a dataset of unknown count (a directory's files) taken by ``take(k)`` or left by
    that ``break`` is followed for one element, as if it is not empty."""
    ds = value.ds if isinstance(value, Iter) else value
    at = value.at if isinstance(value, Iter) else 0
    if isinstance(ds.element, Unknown) or ds.count is None and not once and ds.bound is None:
        return None, False
    if not once and ds.count is not None:
        return (value.rest() if isinstance(value, Iter) else elements(ds)), False
    if ds.count is not None and at >= ds.count:
        return [], False
    if isinstance(value, Iter):
        value.at += 1
    return [_element(ds, at)], ds.count is None


def _element(ds: Dataset, i: int) -> Any:
    """The ith element of ``ds``: an array of its sizes for each Part."""
    return _parts(ds.element, lambda p: Array(tuple(d.at(i) if isinstance(d, Batch) else d for d in p.sizes)))


def fitted_on(ds: Dataset, which: int = 0) -> Any:
    """What ``fit(ds)`` is given: Keras unpacks an element as (x,), (x, y) or (x, y,
    sample_weight); the inputs (``which`` 0, a Part or a structure of them), or the labels
    (1; None when the element has none)."""
    element = ds.element
    if isinstance(element, tuple) and 1 <= len(element) <= 3:
        return element[which] if which < len(element) else None
    return element if which == 0 else None


# --- Keras's utilities that make datasets --------------------------------------------

_CHANNELS = {"rgb": 3, "grayscale": 1, "rgba": 4}


def keras_util(name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """keras.utils.<name>(...): the dataset (or the two, of ``subset="both"``) it makes."""
    if name == "timeseries_dataset_from_array":
        return _timeseries(args, kwargs)
    if name in _FROM_DIRECTORY:
        return _from_directory(name, dict(zip(_FROM_DIRECTORY[name], args), **kwargs))
    return Unknown(why=f"{name} is not followed")


# their positional parameters, as Keras 3 and tf_keras define them
_FROM_DIRECTORY = {
    "image_dataset_from_directory": ("directory", "labels", "label_mode", "class_names", "color_mode",
                                     "batch_size", "image_size"),
    "text_dataset_from_directory": ("directory", "labels", "label_mode", "class_names", "batch_size"),
}


_TIMESERIES = ("data", "targets", "sequence_length", "sequence_stride", "sampling_rate", "batch_size",
               "shuffle", "seed", "start_index", "end_index")


def _timeseries(args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Windows of ``sequence_length`` rows of data (TensorFlow leaves their length open in
    the spec: the windows are gathered), with the target at each window's start."""
    given = dict(zip(_TIMESERIES, args), **kwargs)
    data, targets = given.get("data"), given.get("targets")
    length = given.get("sequence_length")
    stride, rate = given.get("sequence_stride", 1), given.get("sampling_rate", 1)
    batch_size = given.get("batch_size", 128)
    start, end = given.get("start_index"), given.get("end_index")
    if not isinstance(data, Array) or not data.shape \
            or targets is not None and not isinstance(targets, Array) \
            or not all(v.__class__ is int and v > 0 for v in (length, stride, rate)) \
            or not (batch_size is None or batch_size.__class__ is int and batch_size > 0):
        return Unknown(why="timeseries_dataset_from_array of data or sizes the reader cannot know")
    rows = data.shape[0]
    count = None
    if rows.__class__ is int and all(v is None or v.__class__ is int for v in (start, end)):
        num = (end or rows) - (start or 0) - (length - 1) * rate
        if targets is not None:
            first = targets.shape[0] if targets.shape else None
            num = min(num, first) if first.__class__ is int else None
        count = None if num is None else _steps(0, num, stride)
    window = Part((None, *_part(data.shape[1:]).shape), (length, *data.shape[1:]))
    element: Any = window
    if targets is not None:
        element = (window, _part(targets.shape[1:]))
    ds = Dataset(element, count)
    return ds if batch_size is None else batched(ds, batch_size, False)


def _from_directory(name: str, kwargs: dict[str, Any]) -> Any:
    """Images (or texts) read from a directory, of the size asked; their labels."""
    labels, mode = kwargs.get("labels", "inferred"), kwargs.get("label_mode", "int")
    batch_size = kwargs.get("batch_size", 32)
    if kwargs.get("format", "tf") != "tf":
        return Unknown(why=f"{name} of another format than tf.data")
    if name == "image_dataset_from_directory":
        size, colors = kwargs.get("image_size", (256, 256)), kwargs.get("color_mode", "rgb")
        sized = isinstance(size, (tuple, list)) and len(size) == 2 and all(d.__class__ is int for d in size)
        if not sized or colors not in _CHANNELS or kwargs.get("data_format") not in (None, "channels_last",
                                                                                      "channels_first"):
            return Unknown(why=f"{name} of a size the reader cannot know")
        shape = (_CHANNELS[colors], *size) if kwargs.get("data_format") == "channels_first" \
            else (*size, _CHANNELS[colors])
        x = Part(shape, shape)
    else:
        x = Part((), ())
    if not (batch_size is None or batch_size.__class__ is int and batch_size > 0):
        return Unknown(why=f"{name} of a batch size the reader cannot know")
    element: Any = x
    if labels is not None and mode is not None:
        names = kwargs.get("class_names")
        classes = len(names) if isinstance(names, (list, tuple)) else Unknown(
            why="the number of classes found in the directory")
        y = {"int": Part((), ()), "binary": Part((1,), (1,)),
             "categorical": Part((classes if classes.__class__ is int else None,), (classes,))}.get(mode)
        if y is None:
            return Unknown(why=f"{name} with label_mode={mode!r}")
        element = (x, y)
    ds = Dataset(element, None)
    if batch_size is not None:
        ds = batched(ds, batch_size, False)
    return [ds, ds] if kwargs.get("subset") == "both" else ds
