"""What Keras does when a model file calls it, for the Python reader: which module paths
name a layer class, ``Input``, ``Model``/``Sequential`` or an op; building layer objects
from constructor arguments (positional ones named by Keras's signatures); calling
layers, models and ops on tensors; the attributes a file reads back (``x.shape``,
``model.output``, ``model.layers``). TensorFlow's functions on tensors are tf_calls.py's,
Python's builtins builtins.py's. Nothing is imported: a module is its path.
"""

from __future__ import annotations

import ast

from ...rules.keras_names import TFA_LAYERS
from ..spec_reader import CALL_ARGS, CALL_VALUES
from . import (
    applications,
    argparse_calls,
    arrays,
    dataset_map,
    datasets,
    fitting,
    instances,
    layer_subclasses,
    project,
    variables,
)
from .builtins import Builtin, namedtuple, python_method, stdlib
from .graph import Layer, Model, Tensor, held_layers, model_layers, nested_like
from .keras_api import (
    MERGE_FUNCTIONS,
    MODELS,
    add_to_sequential,
    bind,
    follow_pending,
    is_tensor,
    keras_path,
    last,
    layer_class,
    layer_tensor,
    make_input,
    make_layer,
    make_model,
    model_layer,
    op_name,
    output,
    output_count,
    rebuild,
    shape_of,
    tensors_of,
)
from .keras_backend import as_op as backend_op
from .keras_helpers import KERAS_HELPERS
from .keras_keywords import (
    KERAS3_BACKEND,
    backend_attribute,
    keras2_backend,
    no_such_layer,
    no_tensor_method,
    refuse_optimizer,
)
from .lambdas import follow_lambda
from .limits import MAX_ITEMS
from .lookups import ADAPTED, adapted
from .op_calls import call_op
from .tf_calls import LOSSES, add_kept, call_backend, call_loss, call_tf
from .values import (
    ClassDef,
    Instance,
    Method,
    Module,
    Multi,
    Named,
    NamedType,
    Namespace,
    Partial,
    Super,
    Unknown,
    known,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter

# --- calls ------------------------------------------------------------------------------


def call(interp: Interpreter, func: Any, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    if isinstance(func, Builtin):
        return func.fn(interp, args, kwargs, node)
    if isinstance(func, Layer):
        return call_layer(interp, func, args, kwargs, node)
    if isinstance(func, Model):
        return call_model(interp, func, args, kwargs, node)
    if isinstance(func, Method):
        return call_method(interp, func, args, kwargs, node)
    if isinstance(func, Module):
        return call_module(interp, func, args, kwargs, node)
    if isinstance(func, NamedType):
        return func.make(args, kwargs)
    if isinstance(func, Unknown) and func.why:  # its result is unknown for the same reason
        return Unknown(why=func.why)
    return Unknown(why="a call of something the reader does not know")


def call_module(
    interp: Interpreter, func: Module, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    path = keras_path(func)
    dotted = func.dotted
    if func.path[-1] in arrays.EAGER and not interp.following \
            and (made := arrays.eager(func.path, args, kwargs)):
        return made  # tf.zeros((1, 28, 28, 1)) at the file's level: data of that shape
    if func.path[:2] == ("tensorflow_addons", "layers") and (cls := addons_class(func.path)):
        return make_layer(interp, cls, args, kwargs, node)
    if path is not None:
        name = last(path)
        if name in ("Input",) or path[-2:] == ("layers", "Input"):
            return make_input(
                interp,
                bind(
                    ("shape", "batch_size", "dtype", "sparse", "ragged", "batch_shape", "name"), args, kwargs
                ),
                node,
            )
        if name in MODELS and (
            len(path) == 1 or path[-2] in ("models", "engine", "training", "sequential", "functional")
        ):
            return make_model(interp, MODELS[name], args, kwargs, node)
        cls = layer_class(func)
        if cls is not None:
            return make_layer(interp, cls, args, kwargs, node)
        if name in MERGE_FUNCTIONS and len(path) >= 2 and path[-2] in ("layers", "merge"):
            inputs = args[0] if args else kwargs.pop("inputs", [])
            layer = make_layer(interp, MERGE_FUNCTIONS[name], [], {k: v for k, v in kwargs.items()}, node)
            return call_layer(interp, layer, [inputs], {}, node)
        if path[:1] == ("ops",) and name == "shape" and len(args) == 1 and is_tensor(args[0]):
            return shape_of(interp, args[0])  # Keras's static shape: None where unknown
        if path[:1] == ("random",) and name in layer_subclasses.RANDOM and interp.following:
            return layer_subclasses.random(interp, name, args, kwargs, node)
        if path[:1] == ("backend",) and name in layer_subclasses.BACKEND_RANDOM and interp.following:
            return layer_subclasses.random(interp, layer_subclasses.BACKEND_RANDOM[name], args, kwargs, node)
        if path[:1] == ("ops",) or path[:2] == ("src", "ops"):
            return call_op(interp, name, args, kwargs, node)
        if path[:1] == ("backend",) and name == "get_uid" and args and isinstance(args[0], str):
            return interp.graph.names.uid(args[0])
        if path[:-1] in (("backend",), ("legacy", "backend")) and name == "int_shape" and args:
            return shape_of(interp, args[0])
        if path[:1] == ("backend",) and name not in KERAS3_BACKEND and \
                any(tensors_of(a) is not None for a in [*args, *kwargs.values()]):  # K.sum(h, 1)
            keras2 = interp.graph.dialect == "keras2"
            if keras2 and not interp.following:  # on a model's tensors: tf_keras's TFOpLambda layers
                return call_backend(interp, name, args, kwargs, node)
            op = backend_op(name, args, kwargs)  # the Keras 3 op of its shape
            if not keras2 and not (interp.following and func.path[:2] == ("tensorflow", "keras")):
                keras2_backend(interp, func, name, op and op[0], node)  # Keras 3 refuses it here
            return call_op(interp, *op, node) if op else Unknown(why=f"{dotted} is not followed")
        if path[:1] in (("losses",), ("metrics",)) and name in LOSSES and interp.graph.dialect == "keras2" \
                and not interp.following and any(map(is_tensor, (*args, *kwargs.values()))):
            return call_loss(interp, name, args, kwargs, node)  # mse(x, x_decoded): tf_keras's layers
        if path[:1] == ("datasets",) and name == "load_data" and len(path) >= 2:
            return arrays.load_data(path[-2])
        if name == "to_categorical":
            return arrays.to_categorical(args, kwargs)
        if name in datasets.KERAS_UTILS and path[:1] in (("utils",), ("preprocessing",)):
            return datasets.keras_util(name, args, kwargs)
        if name == "pad_sequences":
            return arrays.pad_sequences(args, kwargs)
        if path[:1] in (("backend",), ("config",)) and name == "image_data_format":
            return "channels_last"
        if path[:1] in (("backend",), ("utils",)) and name == "is_keras_tensor" and len(args) == 1:
            return is_tensor(args[0])  # the applications' builders ask it of input_tensor
        helper = KERAS_HELPERS.get(name)
        if helper is not None and path[-2:-1] in (
            ("imagenet_utils",),
            ("operation_utils",),
            ("layer_utils",),
            ("utils",),
        ):
            return helper(interp, args, kwargs, node)
        if path[:1] == ("applications",) and len(path) in (2, 3):  # followed in Keras's own source
            return applications.call(interp, path, args, kwargs, node)
        if path[:1] == ("initializers",) and len(path) == 2 and interp.following:
            return variables.initializer(f"keras.initializers.{name}")  # called by a followed layer
        if path[:1] == ("losses",) and (made := fitting.loss_object(path)) is not None:
            return made  # keras.losses.CategoricalCrossentropy(): what compile() is given
        if path[:1] == ("optimizers",) and interp.graph.dialect != "keras2":
            refuse_optimizer(interp, name, kwargs, node)
            return Unknown(why=f"{dotted} is not followed")
        if name == "VersionAwareLayers":  # tf_keras's applications: ``layers = VersionAwareLayers()``
            return Module(func.path[:-1])
        if name in ("keras_export",):  # the decorator Keras's own files use
            return Builtin("keras_export", lambda i, a, k, n: Builtin("identity", lambda i, a, k, n: a[0]))
        if path[:1] == ("layers",) and len(path) == 2 and name[:1].isupper() \
                and interp.graph.dialect != "keras2":
            return no_such_layer(interp, func, name, node)
        return Unknown(why=f"{dotted} is not followed")
    if func.path[:2] == ("tensorflow", "data"):
        return datasets.tf_data(func.path[2:], args, kwargs)
    if interp.following and (made := layer_subclasses.tensorflow_in_call(interp, func.path, args, kwargs,
                                                                          node)) is not None:
        return made
    if (
        func.path[:1] == ("tensorflow",)
        and any(is_tensor(a) for a in [*args, *kwargs.values()])
        or func.path[:1] == ("tensorflow",)
        and args
        and isinstance(args[0], list)
        and any(map(is_tensor, args[0]))
    ):
        return call_tf(interp, ".".join(func.path[1:]), args, kwargs, node)
    if func.path == ("argparse", "ArgumentParser"):
        return argparse_calls.Parser()
    if func.path == ("argparse", "Namespace") and not args:
        return Namespace(dict(kwargs))
    if func.path[:1] == ("functools",) and last(func.path) == "partial" and args:
        return Partial(args[0], tuple(args[1:]), dict(kwargs))
    if func.path[:1] == ("numpy",):
        return arrays.numpy_call(last(func.path), args, kwargs)
    if len(func.path) == 2 and func.path[0] in ("math", "copy") and not kwargs:
        return stdlib(func.path, args, dotted)
    if func.path == ("collections", "namedtuple"):
        return namedtuple(args, kwargs)
    return project.path_call(interp, func.path, args, dotted, node)  # sys.path, os.path; else unknown


def addons_class(path: tuple[str, ...]) -> str | None:
    """The registered name of a TensorFlow Addons layer class (``tfa.layers.GELU``, or
    from its own module, ``tensorflow_addons.layers.gelu.GELU``), the name its rule has."""
    cls = f"Addons>{path[-1]}"
    return cls if cls in TFA_LAYERS else None


_BUILDS_SUBLAYERS = ("MultiHeadAttention", "GroupedQueryAttention", "GroupQueryAttention")


def call_layer(
    interp: Interpreter, layer: Layer, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    if "model" in layer.code and args:  # a Model subclass called on data: built on its shape
        args = [layer_subclasses.on_data(interp, layer, args[0], node), *args[1:]]
    inputs: list[Tensor] = []
    # a followed subclass called on more than one tensor, ``TransformerDecoder()(x, encoded)``:
    # each positional tensor is an input of its call, as Keras records the call
    more = list(args[1:]) if layer.subclass_followed and all(is_tensor(a) for a in args[1:]) else []
    for a in (
        args[:1] + more
        if layer.cls not in ("MultiHeadAttention", "GroupedQueryAttention", "Attention", "AdditiveAttention")
        else args
    ):
        tensors = tensors_of(a)
        if tensors is None:  # an unknown value's own reason is the one to say
            return Unknown(why=a.why if isinstance(a, Unknown) and a.why else
                           f"{layer.name} called on something that is not a tensor")
        inputs += tensors
    for key in ("inputs", "query", "value", "key"):
        if key in kwargs:
            tensors = tensors_of(kwargs.pop(key))
            if tensors is None:
                return Unknown()
            inputs += tensors
    call_kw: dict[str, list[Tensor]] = {}
    values: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key in CALL_ARGS:
            tensors = tensors_of(value)
            if tensors:
                call_kw[key] = tensors
            elif value is not None:
                interp.note(
                    "SC602",
                    f"{key}= of {layer.name!r} is not a tensor the reader follows; the "
                    "call is checked without it",
                    node,
                )
        elif key in CALL_VALUES and isinstance(value, bool):
            values[key] = value
    if layer.cls in _BUILDS_SUBLAYERS and not layer.calls and interp.graph.dialect != "keras2":
        # Keras 3 builds its attention layers at their first call: a Softmax and a Dropout
        # each, named from the same counters as the file's own (the next Dropout is dropout_1)
        interp.graph.names("softmax")
        interp.graph.names("dropout")
    if layer.code and args:
        follow_lambda(interp, layer, args[0], node, more, kwargs)
        if layer.subclass_followed and "output_shape" not in layer.args:
            why = f" ({layer.code['why']})" if "why" in layer.code else ""
            if "refused" not in layer.code:  # else Keras fails there, and that is said (SC605)
                interp.note("SC601", f"{layer.cls}.call() is code the reader cannot follow here{why}, so "
                            "what it builds is not checked", node, hint=f"declare what {layer.cls} does to "
                            "shapes under custom_layers (docs/custom-layers.md)")
            return Unknown(why=f"{layer.cls}.call() " + ("fails in Keras 3" if "refused" in layer.code
                                                         else "not followed"))
    n = interp.graph.node(layer, inputs, interp.loc(node), call_kw, values)
    count = output_count(layer, values)
    if count > 1:
        made = (Tensor(n, i) for i in range(count))
        nesting = layer.code.get("nesting")  # its call() returned them nested: so does Keras's
        return nested_like(nesting, made) if nesting is not None else list(made)
    return Tensor(n)


def _follow_pending(interp: Interpreter, model: Model, node: ast.AST) -> str | None:
    """A Sequential built now: its Layer subclasses followed; the call() that is not, if any."""
    declined = follow_pending(interp, model, node)
    if declined is None:
        return None
    model.abandoned, model.input_shape = True, None
    interp.note("SC601", f"{declined.cls}.call() is code the reader cannot follow here, so the Sequential "
                f"{model.name!r} is not checked", node)
    return f"{declined.cls}.call()"


def _build_sequential(interp: Interpreter, model: Model, shape: Any, node: ast.AST) -> None:
    """A Sequential with no input yet, built on ``shape`` (batch axis included): by build(),
    or by fit() and the like on data of that shape, as Keras builds it."""
    if isinstance(shape, (list, tuple)) and not any(isinstance(d, (list, tuple)) for d in shape):
        model.input_shape = tuple(shape)
        model.input_name = model.input_name or interp.graph.names.input()
        rebuild(interp, model)  # as its first call builds it (a private Functional's name)
        _follow_pending(interp, model, node)


def _build_model(interp: Interpreter, layer: Layer, method: str, args: list[Any], kwargs: dict[str, Any],
                 node: ast.AST) -> Any:
    """``build(shape)``, or fit() and the like on data, of a Model subclass: its first call,
    on placeholders of that shape (tf_keras's build; Keras's trace on the data)."""
    if method == "build":
        placeholder = layer_subclasses.build_model(interp, layer, args, kwargs, node)
    else:
        placeholder = layer_subclasses.data_inputs(interp, layer, method, args, kwargs, node)
    if placeholder is not None:
        call_layer(interp, layer, [placeholder], {}, node)
    return None if method == "build" else Unknown(why=f"what {method}() returns")


def call_model(
    interp: Interpreter, model: Model, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    given = args[0] if args else kwargs.get("inputs")
    if isinstance(given, dict) and model.input_keys is not None and set(given) == set(model.input_keys):
        given = [given[key] for key in model.input_keys]
    tensors = tensors_of(given)
    if model.abandoned:  # holds what the reader cannot follow: said where it was added
        return Unknown(why=f"the model {model.name!r} is not checked (said where it is made)")
    if model.cls == "Sequential" and model.input_shape is None and tensors and len(tensors) == 1:
        # Keras builds a Sequential that has no input yet on its first call, for that shape
        shape = shape_of(interp, tensors[0])
        if isinstance(shape, tuple) and shape:
            model.input_shape = shape
            rebuild(interp, model)  # built now, as Keras 3 builds it: a private Functional's name
            if (declined := _follow_pending(interp, model, node)) is not None:
                return Unknown(why=f"{declined} not followed")
    layer = model_layer(interp, model)
    if tensors is None or layer.args["graph"] is None:
        return Unknown(why="a model called on something the reader cannot follow")
    if model.calls:  # the same model object called again: its node is the layer's next call
        layer.calls = model.calls
    model.calls += 1
    n = interp.graph.node(layer, tensors, interp.loc(node))
    outs = len(model.outputs) if model.cls == "Functional" else 1
    return [Tensor(n, i) for i in range(outs)] if outs > 1 else Tensor(n)


def call_method(
    interp: Interpreter, method: Method, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    owner, name = method.owner, method.name
    if isinstance(owner, arrays.Array):
        return arrays.method(owner, name, args, kwargs)
    if isinstance(owner, Unknown):  # x.reshape(...) of data the reader cannot know
        return arrays.reshape_unknown(tuple(args) if len(args) != 1 else args[0]) if not kwargs \
            else Unknown(why="a reshape the reader cannot follow")
    if isinstance(owner, argparse_calls.Parser):
        return argparse_calls.method(interp, owner, name, args, kwargs, node)
    if isinstance(owner, datasets.Dataset):
        if name == "map":  # the function traced on the element
            return dataset_map.mapped(interp, owner, args, kwargs, node)
        return datasets.method(owner, name, args, kwargs)
    if isinstance(owner, Tensor) and name == "get_shape":  # tf_keras's, a TensorShape
        shape = shape_of(interp, owner)
        return list(shape) if isinstance(shape, tuple) else shape
    if isinstance(owner, Model):
        if name == "add" and args:
            add_to_sequential(interp, owner, args[0], node)
            rebuild(interp, owner)
            return None
        if name == "build" and owner.cls == "Sequential":
            shape = args[0] if args else kwargs.get("input_shape")
            if owner.input_shape is None:
                _build_sequential(interp, owner, shape, node)
            return None
        if name in layer_subclasses.BUILT_BY_DATA:
            built_now = owner.cls == "Sequential" and owner.input_shape is None
            if built_now:  # built by the data, then its labels checked
                shape = layer_subclasses.data_shapes(interp, name, args, kwargs, node)
                _build_sequential(interp, owner, shape, node)
            fitting.check(interp, owner, name, args, kwargs, node, built_now)
            return Unknown(why=f"what {name}() returns")
        if name == "compile":  # the loss fit()'s labels are checked with
            fitting.compiled(interp, owner, args, kwargs)
            return None
        if name == "pop" and owner.layers:
            return owner.layers.pop()
        if name == "get_layer":
            return _get_layer(owner, args, kwargs)
        if name in ("add_loss", "add_metric") and (args or kwargs):
            return add_kept(interp, owner, name, args, kwargs, node)
        return Unknown(why=f"model.{name}() is not followed")
    if isinstance(owner, (list, dict, str)):  # Python's own: list.append, str.format...
        return python_method(owner, name, args, kwargs)
    return Unknown(why=f".{name}() is not followed")


def _get_layer(model: Model, args: list[Any], kwargs: dict[str, Any]) -> Any:
    name = args[0] if args else kwargs.get("name")
    for layer in model_layers(model):
        if layer.name == name:
            return layer
    for tensor in model.inputs if model.cls == "Functional" else ():
        if tensor.node.layer is None and tensor.node.id == name:  # its InputLayer: the tensor it holds
            return Layer("InputLayer", {}, name, tensor.node.loc, code={"tensor": tensor})
    return Unknown(why=f"get_layer({name!r})")


# --- attributes, items ------------------------------------------------------------------


def attribute(interp: Interpreter, owner: Any, name: str, node: ast.AST) -> Any:
    if isinstance(owner, Module):
        if owner.path == ("keras", "backend"):
            backend_attribute(interp, owner, name, node)
        return owner.attr(name)
    if isinstance(owner, arrays.Array):
        if name in arrays.METHODS:
            return Method(owner, name)
        return arrays.attribute(owner, name)
    if isinstance(owner, argparse_calls.Parser):
        return Method(owner, name)
    if isinstance(owner, datasets.Dataset):
        return Method(owner, name) if name in datasets.METHODS else Unknown(why=f"dataset.{name}")
    if isinstance(owner, (Instance, Super)):
        return instances.attribute(interp, owner, name)
    if isinstance(owner, ClassDef) and instances.plain(owner):
        return instances.class_attribute(interp, owner, name)
    if isinstance(owner, Namespace):
        return argparse_calls.attribute(owner, name)
    if isinstance(owner, Tensor):
        if name == "shape":
            return shape_of(interp, owner)
        if name == "get_shape":  # tf_keras's tensors have it, Keras 3's do not
            keras2 = interp.graph.dialect == "keras2"
            return Method(owner, name) if keras2 else no_tensor_method(interp, name, node)
        return Unknown(why=f"tensor.{name}")
    if isinstance(owner, Model):
        if name in ("output", "outputs", "input", "inputs"):
            if owner.cls == "Functional":
                tensors = owner.outputs if name.startswith("output") else owner.inputs
                return tensors if name.endswith("s") else (tensors[0] if len(tensors) == 1 else list(tensors))
            return Unknown(why=f"a Sequential's .{name}")
        if name in ("output_shape", "input_shape") and owner.cls == "Functional":  # Keras 3's properties
            shapes = [shape_of(interp, t) for t in (owner.outputs if name[0] == "o" else owner.inputs)]
            if all(isinstance(s, tuple) for s in shapes):
                return shapes[0] if len(shapes) == 1 else shapes
            return Unknown(why=f"model.{name}")
        if name == "layers":
            return model_layers(owner)
        if name == "name":
            return owner.name
        return Method(owner, name)
    if isinstance(owner, Layer):
        if name == "name":
            return owner.name
        if owner.cls == "InputLayer" and name in ("output", "input") and "tensor" in owner.code:
            # its output is the input tensor; its input too in tf_keras, none in Keras 3 ([])
            return owner.code["tensor"] if name == "output" or interp.graph.dialect == "keras2" else []
        if name in ("output", "input"):  # resnet50.get_layer("conv4_block6_2_relu").output
            return layer_tensor(interp, owner, name)
        if owner.cls in ADAPTED and name in ("adapt", "vocabulary_size", "get_vocabulary"):
            return Builtin(name, lambda i, a, k, n: adapted(i, owner, name, n, k))
        if "model" in owner.code and (name == "build" or name in layer_subclasses.BUILT_BY_DATA):
            # a Model subclass: built as Keras builds it
            return Builtin(name, lambda i, a, k, n: _build_model(i, owner, name, a, k, n))
        return Unknown(why=f"layer.{name}")
    if isinstance(owner, Named) and name in owner.fields:  # built.model
        return owner[owner.fields.index(name)]
    if isinstance(owner, list) and name == "layers" and interp.graph.dialect == "keras2" and owner \
            and all(isinstance(v, (Layer, Model)) for v in owner):
        return list(owner)  # tf_keras's ListWrapper, a list set as a layer's attribute: its layers
    if isinstance(owner, (list, dict, str)):
        return Method(owner, name)
    if isinstance(owner, Unknown):
        if name == "reshape":  # data, reshaped: an array of the shape given
            return Method(owner, name)
        if not owner.name:
            return Unknown(None, owner.why)
        dotted = f"{owner.name}.{name}"  # --dim x_train.shape=(60000, 28, 28) binds it
        if dotted in interp.bindings:
            return interp.bindings[dotted]
        return Unknown(dotted, owner.why, version=owner.version)
    if isinstance(owner, project.SourceModule):  # a module of the project: rare, so last
        return project.attribute(owner, name)
    return Unknown(why=f".{name} of a value the reader does not model")


def set_attribute(interp: Interpreter, owner: Any, name: str, value: Any, node: ast.AST) -> None:
    if isinstance(owner, Layer) and name == "trainable" and isinstance(value, bool):
        owner.args["trainable"] = value
    if isinstance(owner, Model) and name == "trainable" and isinstance(value, bool):  # every layer it holds
        for layer in held_layers(owner).values():
            layer.args["trainable"] = value
    if isinstance(owner, Instance) and len(owner.attrs) < MAX_ITEMS:
        owner.attrs[name] = value
        variables.track(interp, owner.attrs, value)


def subscript(interp: Interpreter, owner: Any, key: Any, node: ast.AST) -> Any:
    if isinstance(owner, arrays.Array):
        return arrays.index(owner, key)
    if isinstance(owner, Tensor):
        return getitem(interp, owner, key, node)
    if isinstance(owner, Multi):
        return output(owner, key) if isinstance(key, int) else Unknown()
    if isinstance(owner, (list, tuple, str)) and (isinstance(key, (int, slice))):
        try:
            value = owner[key]
        except (IndexError, TypeError):
            return Unknown(why="an index out of range")
        return list(value) if isinstance(owner, list) and isinstance(key, slice) else value
    if isinstance(owner, dict) and known(key):
        try:
            return (
                owner.get(key, Unknown(why=f"key {key!r} not set"))
                if not isinstance(key, list)
                else Unknown()
            )
        except TypeError:
            return Unknown()
    if isinstance(owner, Unknown):
        if key.__class__ is int and arrays.is_shape(owner):
            return arrays.shape_item(interp, owner, key)
        if isinstance(key, list) and key and all(k.__class__ is str for k in key):  # df[["user", "movie"]]
            return arrays.columns(len(key))
        return Unknown(None, owner.why, owner.name or owner.part_of)
    return Unknown(why="an item of a value the reader does not model")


def getitem(interp: Interpreter, tensor: Tensor, key: Any, node: ast.AST) -> Any:
    items = list(key) if isinstance(key, tuple) else [key]
    out: list[Any] = []
    for k in items:
        if k is Ellipsis:
            out.append({"class_name": "__ellipsis__", "config": {}})
        elif isinstance(k, slice):
            out.append(
                {"class_name": "__slice__", "config": {"start": k.start, "stop": k.stop, "step": k.step}}
            )
        elif k is None or isinstance(k, int) and not isinstance(k, bool):
            out.append(k)
        else:
            return Unknown(why="a tensor index the reader cannot know")
    if interp.graph.dialect == "keras2":
        spec = [o["config"] if isinstance(o, dict) and o.get("class_name") == "__slice__" else o for o in out]
        layer = Layer(
            "tf.__operators__.getitem",
            {"slice_spec": spec},
            op_name(interp, "tf.__operators__.getitem"),
            interp.loc(node),
        )
    else:
        layer = Layer("ops.GetItem", {"key": out}, op_name(interp, "get_item"), interp.loc(node))
    return Tensor(interp.graph.node(layer, [tensor], interp.loc(node)))
