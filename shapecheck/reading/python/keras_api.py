"""Keras's API as the Python reader sees it: which module paths are Keras and which name
a layer class, ``Input``, ``Model`` or ``Sequential``; building layer objects from
constructor arguments (positional ones named by Keras's signatures), inputs and models;
the tensors a value holds; a tensor's shape."""

from __future__ import annotations

import ast
import keyword
import re

from ...diagnostics import Finding
from ...dims import NamedSize
from ...records import replace
from ...rules.keras_names import ALIASES, KERAS_ACTIVATIONS, KERAS_LAYERS, TFA_LAYERS
from ...rules.registry import Rule, lookup
from .graph import Layer, Model, Node, Tensor, cut, flat_tensors, functional_spec, sequential_spec
from .keras_keywords import refuse, slash_name
from .limits import MAX_ITEMS
from .signatures import LAYERS
from .values import DYNAMIC, Module, Multi, Unknown, known

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter


# Module paths that are Keras: Keras 3, tf.keras (Keras 3 in TF 2.16+, or tf_keras) and
# tf_keras itself; a path under one of them names Keras's own objects.
KERAS_ROOTS = (
    ("keras",),
    ("tensorflow", "keras"),
    ("tensorflow", "python", "keras"),
    ("tf_keras",),
    ("keras_core",),
)


MODELS = {"Model": "Functional", "Functional": "Functional", "Sequential": "Sequential"}


RNN_STATES = {"LSTM": 2, "GRU": 1, "SimpleRNN": 1, "ConvLSTM1D": 2, "ConvLSTM2D": 2, "ConvLSTM3D": 2}


# Constructor arguments that say the model's input shape (on a Sequential's first layer).
INPUT_ARGS = ("input_shape", "batch_input_shape", "batch_shape", "input_dim", "input_length", "batch_size")


def keras_path(value: Any) -> tuple[str, ...] | None:
    """The path below a Keras root (``layers.Dense``; Keras's own ``keras.src.layers...``
    the same), None for a module outside Keras."""
    if not isinstance(value, Module):
        return None
    for root in KERAS_ROOTS:
        if value.path[: len(root)] == root:
            path = value.path[len(root) :]
            return path[1:] if path[:1] == ("src",) else path
    return None


def last(path: tuple[str, ...]) -> str:
    return path[-1] if path else ""


def layer_class(value: Any) -> str | None:
    path = keras_path(value)
    if not path:
        return None
    name = last(path)
    if name in LAYERS or name in KERAS_LAYERS or name in ("CuDNNLSTM", "CuDNNGRU", "ThresholdedReLU"):
        if name in ("Input", "InputLayer") and path[0] != "layers":
            return None
        return name
    return None


#: Keras's functional forms of its merge layers (``layers.concatenate([a, b])``), and
#: the layer each makes
MERGE_FUNCTIONS = {
    "concatenate": "Concatenate", "add": "Add", "subtract": "Subtract", "multiply": "Multiply",
    "average": "Average", "maximum": "Maximum", "minimum": "Minimum", "dot": "Dot",
}
# What ``from keras.models import *`` binds, in Keras 3 and tf.keras alike
_MODELS_MODULE = frozenset(
    ("Model", "Sequential", "load_model", "save_model", "model_from_json", "clone_model"))


def star_member(owner: Module, name: str) -> Module | None:
    """``name`` as ``from <owner> import *`` binds it, where the reader knows the module's
    names (Keras's layers, its classes and merge functions, and its models); None where
    it does not have it, or the reader does not know."""
    path = keras_path(owner)
    if path is None:
        return None
    member = Module((*owner.path, name))
    if path[:1] == ("layers",) and (layer_class(member) or name in MERGE_FUNCTIONS or name == "Input"):
        return member
    return member if path == ("models",) and name in _MODELS_MODULE else None


def keras_base(value: Any) -> str | None:
    """ "Model", "Sequential" or "Layer" when ``value`` is one of Keras's classes of that kind
    (a base class)."""
    path = keras_path(value)
    if path and last(path) == "Sequential":
        return "Sequential"
    if path and last(path) in ("Model", "Functional"):
        return "Model"
    if path and last(path) == "Layer":
        return "Layer"
    return None


def is_tensor(value: Any) -> bool:
    return isinstance(value, Tensor)


def size_name(value: Any) -> str | None:
    """The name of a size the reader cannot know but the file names (``vocab_size =
    len(tokenizer.word_index) + 1``), or of a named size of a tensor's shape: the spec
    holds it as that name, a named size."""
    if not (isinstance(value, Unknown) or value.__class__ is NamedSize):
        return None
    name = value.name
    return name if name and name.isidentifier() and not keyword.iskeyword(name) else None


def keep_named(interp: Interpreter, key: str, name: str, node: ast.AST) -> str:
    """``name`` kept as a named size for the argument ``key``, said once per name."""
    if name not in interp.named_sizes and name not in interp.bindings:
        interp.named_sizes.add(name)
        _, said = interp.shape_sizes.get(name, (0, name))  # x_train.shape[1] for x_train_shape_1
        whole = said.partition("[")[0]
        interp.note(
            "SC604",
            f"{key}={said}: the reader cannot know this value (it comes from data or from code "
            f"not read), so it stays the named size {name}",
            node,
            hint=f"bind it with --dim {name}=VALUE"
            + (f", or the data's whole shape with --dim '{whole}=(...)'" if said != name else ""),
            once=False,
        )
    return name


#: keras.ops functions whose operation class is not their name in CamelCase (``fft2`` is
#: FFT2); each returns a (real, imaginary) pair.
OP_CLASSES = {"fft": "FFT", "fft2": "FFT2", "ifft2": "IFFT2"}


def op_class(fn: str) -> str:
    """The Keras operation class of ``keras.ops.<fn>`` (``get_item`` is GetItem)."""
    return OP_CLASSES.get(fn) or "".join(part.capitalize() for part in fn.split("_"))


def op_name(interp: Interpreter, base: str) -> str:
    """An operation's name: from the file's counters, as Keras names the op layers of a
    model (``add``, ``add_1``); inside a layer's call() the reader follows, one of its own,
    since Keras traces call() without making op layers, and the next Add is ``add``."""
    if interp.following:
        return f"{base}_in_call_{len(interp.graph.nodes)}"
    return interp.graph.names(base)


def plain(interp: Interpreter, value: Any, key: str, node: ast.AST) -> Any:
    """A constructor argument as the spec holds it, or ``DROP`` for what does not change
    shapes and cannot be data (an initializer object, a custom activation function)."""
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    if value is DYNAMIC:  # tf.shape(x)[0] given as a size: the static shape leaves it open
        return None
    if key in INPUT_ARGS or key in ("shape", "batch_shape"):
        name = size_name(value)
        if name is not None:  # an input's size from data: the model's named size
            return keep_named(interp, key, name, node)
    if isinstance(value, (list, tuple)):
        items = [plain(interp, v, key, node) for v in value]
        if any(i is UNKNOWN for i in items):  # an unknown inside: the whole value is
            return UNKNOWN
        return DROP if any(i is DROP for i in items) else items
    if isinstance(value, dict):
        out = {str(k): plain(interp, v, key, node) for k, v in value.items()}
        if any(v is UNKNOWN for v in out.values()):
            return UNKNOWN
        return DROP if any(v is DROP for v in out.values()) else out
    if isinstance(value, Module):
        name = last(value.path)
        if key in ("activation", "recurrent_activation"):
            return name if name in KERAS_ACTIVATIONS else DROP
        return DROP
    if isinstance(value, Unknown) and _NO_SHAPE.search(key):
        return DROP  # an initializer, a regularizer... the reader need not know: no shape changes
    if isinstance(value, Unknown):
        said = interp.shape_sizes.get(value.name, (0, value.name))[1] if value.name else None
        interp.note(
            "SC602",
            f"{key}={said or 'an unknown value'}: the reader cannot know this "
            "value (it comes from data or from code not read)",
            node,
            hint=f"bind it with --dim {value.name}=VALUE" if value.name else None,
        )
        return UNKNOWN
    if value.__class__ is NamedSize:
        return value.name  # a tensor's named size (x.shape[1]): the rule says if it takes one
    if hasattr(value, "free_symbols") and not _NO_SHAPE.search(key):  # x.shape[-1] // 2 of a named size
        interp.note("SC602", f"{key}={value}: a size computed from named sizes; this argument "
                    "takes a number or a size's name, so the layer is not checked", node,
                    hint="bind the names it depends on with --dim NAME=VALUE")
        return UNKNOWN
    return DROP


DROP = object()
# Arguments that never change a shape or a weight's shape: an unknown value there is fine.
_NO_SHAPE = re.compile(r"(initializer|regularizer|constraint|activation|^name|^dtype|^seed|^trainable"
                       r"|dropout|^momentum|^epsilon|^alpha|^beta|^gamma|^mask_value|^stddev|^rate"
                       r"|^weights)$")


UNKNOWN = object()


def bind(params: tuple[str, ...], args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    out = dict(zip(params, args))
    out.update(kwargs)
    return out


def make_input(interp: Interpreter, params: dict[str, Any], node: ast.AST) -> Any:
    if "name" in params:
        slash_name(interp, params, node)
    batch_shape = params.get("batch_shape")
    shape = params.get("shape")
    if batch_shape is None and shape is not None:
        if isinstance(shape, int):
            shape = (shape,)
        batch_shape = (params.get("batch_size"), *shape) if isinstance(shape, (list, tuple)) else None
    if isinstance(batch_shape, (list, tuple)):
        batch_shape = tuple(keep_named(interp, "shape", n, node) if (n := size_name(d)) else d
                            for d in batch_shape)
    if batch_shape is None or not known(list(batch_shape)):
        part_of = shape.part_of if isinstance(shape, Unknown) else None
        interp.note(
            "SC602",
            "keras.Input with a shape the reader cannot know; the model it feeds is not checked",
            node,
            hint=f"bind it with --dim '{part_of}=(...)', the data's shape (e.g. (60000, 28, 28))"
            if part_of else "bind the sizes it depends on with --dim NAME=VALUE",
        )
        return Unknown(why="an input of a shape the reader cannot know")
    name = params.get("name")
    dtype = params.get("dtype")
    return interp.graph.input(
        tuple(batch_shape),
        name if isinstance(name, str) else None,
        dtype if isinstance(dtype, str) else "float32",
        interp.loc(node),
    )


def _rule(cls: str) -> Rule | None:
    try:
        return lookup(ALIASES.get(cls, cls))
    except Finding:
        return None


# tf.keras's convolutions that take ``groups`` (its base class Conv's).
_GROUPED = frozenset({"Conv1D", "Conv2D", "Conv3D"})


def make_layer(interp: Interpreter, cls: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    if interp.graph.dialect != "keras2":
        kwargs = refuse(interp, cls, kwargs, node, keep=INPUT_ARGS)
    params = bind(LAYERS.get(cls) or TFA_LAYERS.get(cls, ()), args, kwargs)
    nested: dict[str, Layer] = {}
    values: dict[str, Any] = {}
    rule = None
    code: dict[str, Any] = {}
    unnamed: list[str] = []  # size arguments from data the file does not name
    for key, value in params.items():
        if isinstance(value, Layer):
            nested[key] = value
            continue
        if isinstance(value, Model) and key == "layer":
            nested[key] = model_layer(interp, value)
            continue
        if key in ("name",):
            continue
        if cls == "Lambda" and (key == "arguments" or key in ("function", "output_shape")
                                and not known(value)):
            code[key] = value  # followed at its call (follow_lambda)
            continue
        if isinstance(value, (Unknown, NamedSize)):
            rule = rule or _rule(cls)
            arg = rule.args.get(key) if rule is not None else None
            if arg is not None and arg.symbolic:  # the rule computes with a named size
                name = size_name(value)
                if name is None:
                    unnamed.append(key)
                else:
                    values[key] = keep_named(interp, key, name, node)
                continue
        v = plain(interp, value, key, node)
        if v is UNKNOWN:
            return Unknown(why=f"a {cls} with an argument the reader cannot know")
        if v is not DROP:
            values[key] = v
    cls = ALIASES.get(cls, cls)  # keras.layers.Convolution1D is Conv1D: Keras reports that
    if interp.graph.dialect == "keras2" and cls in _GROUPED and "groups" in values and not values["groups"]:
        values["groups"] = 1  # tf.keras's Conv takes `groups or 1`: RegNetX080's builder passes 0
    name = params.get("name")
    if name == "" and interp.following:  # Keras keeps it, and a layer's sublayers may share it:
        name = interp.graph.names("unnamed")  # a name for the spec, off Keras's counters
    name = name if isinstance(name, str) else interp.graph.names.layer(cls)
    for key in unnamed:  # named after the layer and argument: dense_units
        values[key] = keep_named(interp, key, f"{name}_{key}" if name.isidentifier() else key, node)
    interp.made += 1
    return Layer(cls, values, name, interp.loc(node), nested, code=code)


def model_layer(interp: Interpreter, model: Model) -> Layer:
    """A model called as a layer: a layer of its class holding its graph."""
    spec = functional_spec(model) if model.cls == "Functional" else sequential_spec(model)
    args = {"graph": spec} if model.class_name is None else {"graph": spec, "class_name": model.class_name}
    return Layer(model.cls, args, model.name, model.loc, model=model)


def split_outputs(node: Node, split: Any, cuts: bool, what: str) -> Any:
    """The tensors a split returns (``tf.split``, ``keras.ops.split``): ``split`` equal
    pieces, or one per size in it, or with ``cuts`` one more than the indices in it."""
    count = split if isinstance(split, int) and not isinstance(split, bool) else \
        len(split) + cuts if isinstance(split, (list, tuple)) else None
    if count is None or not 0 < count <= MAX_ITEMS:
        return Unknown(why=f"{what} into pieces the reader cannot count")
    return [Tensor(node, i) for i in range(count)]


def layer_tensor(interp: Interpreter, layer: Layer, which: str) -> Any:
    """``layer.output`` or ``layer.input``: of its first call (Keras 3's; tf_keras refuses
    either for a layer called more than once)."""
    nodes = [n for n in interp.graph.nodes if n.layer is layer]
    if not nodes or len(nodes) > 1 and interp.graph.dialect == "keras2":
        return Unknown(why=f"layer.{which} of a layer called {len(nodes)} times")
    node = nodes[0]
    if which == "input":
        return node.inputs[0] if len(node.inputs) == 1 else list(node.inputs)
    count = output_count(layer, node.values)
    return Tensor(node) if count == 1 else [Tensor(node, i) for i in range(count)]


def output_count(layer: Layer, values: dict[str, Any]) -> int:
    """How many tensors a call of the layer returns."""
    cfg = layer.args
    declared = cfg.get("output_shape")
    if "output_shape_from" in cfg and layer.cls != "Lambda" and isinstance(declared, list) and declared \
            and all(isinstance(s, list) for s in declared):  # a subclass's call() returning a list
        return len(declared)
    if layer.cls in RNN_STATES and cfg.get("return_state"):
        return 1 + RNN_STATES[layer.cls]
    inner = layer.nested.get("layer")
    if layer.cls == "Bidirectional" and inner is not None:
        # merge_mode=None returns the forward and backward outputs apart, then the states
        outs = 2 if "merge_mode" in cfg and cfg["merge_mode"] is None else 1
        return outs + (2 * RNN_STATES.get(inner.cls, 1) if inner.args.get("return_state") else 0)
    if layer.cls == "MultiHeadAttention" and values.get("return_attention_scores"):
        return 2
    if layer.cls == "Addons>CRF":  # the decoded tags, the potentials, the lengths, the transitions
        return 4
    return 2 if layer.cls == "Addons>MultiHeadAttention" and cfg.get("return_attn_coef") else 1


def tensors_of(value: Any) -> list[Tensor] | None:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, Multi):
        return [output(value, 0)]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, Tensor) for v in value):
        return list(value)
    return None


def _why_unknown(value: Any, depth: int = 0) -> str:
    """Why the first value the reader does not know in ``value`` is unknown, if it says."""
    if isinstance(value, Unknown):
        return value.why
    if isinstance(value, (list, tuple)) and depth < 3:
        return next((w for v in value if (w := _why_unknown(v, depth + 1))), "")
    if isinstance(value, dict) and depth < 3:
        return next((w for v in value.values() if (w := _why_unknown(v, depth + 1))), "")
    return ""


def make_model(interp: Interpreter, cls: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    if "name" in kwargs:
        slash_name(interp, kwargs, node)
    name = kwargs.get("name")
    if cls == "Sequential":
        params = bind(("layers", "trainable", "name"), args, kwargs)
        model = Model(
            "Sequential",
            params["name"] if isinstance(params.get("name"), str) else interp.graph.names.model("Sequential"),
            interp.loc(node),
        )
        model.named = isinstance(params.get("name"), str)
        model.sublayer = interp.following > 0
        interp.graph.models.append(model)
        items = params.get("layers") or ()
        if not isinstance(items, (list, tuple)):
            interp.note("SC601", "a Sequential of layers the reader cannot follow; it is not checked", node)
            items = [Unknown()]
        for item in items:
            add_to_sequential(interp, model, item, node)
        rebuild(interp, model)
        return model
    params = bind(("inputs", "outputs", "name"), args, kwargs)
    inputs, outputs = tensors_of(params.get("inputs")), tensors_of(params.get("outputs"))
    outputs = outputs or flat_tensors(params.get("outputs"))  # nested: Keras flattens them
    for which in ("inputs", "outputs"):
        given = params.get(which)
        if isinstance(given, (list, tuple)) and not given and interp.graph.dialect != "keras2":
            # Keras 3's Function refuses it
            interp.note("SC605", f"`{which}` argument cannot be empty", node,
                        hint="an InputLayer's .input is [] in Keras 3: its .output is the input tensor "
                        "(model.get_layer(name).output), as is model.input" if which == "inputs"
                        else "give the model the tensors it outputs")
            return Unknown(why=f"a model with no {which}, which Keras 3 refuses")
    if isinstance(params.get("inputs"), dict) or isinstance(params.get("outputs"), dict):
        inputs = (
            tensors_of(list(params["inputs"].values())) if isinstance(params.get("inputs"), dict) else inputs
        )
        outputs = (
            tensors_of(list(params["outputs"].values()))
            if isinstance(params.get("outputs"), dict)
            else outputs
        )
    if inputs is None or outputs is None:
        which = "inputs" if inputs is None else "outputs"
        why = _why_unknown(params.get(which))
        interp.note(
            "SC601",
            f"a keras.Model whose {which} the reader cannot follow"
            + (f" ({why})" if why else "") + "; it is not checked",
            node,
            hint="build it from keras.Input and layer calls",
        )
        return Unknown(why="a model not followed")
    model = Model(
        "Functional",
        name if isinstance(name, str) else interp.graph.names.model("Functional"),
        interp.loc(node),
        inputs,
        outputs,
    )
    model.named = isinstance(name, str)
    if isinstance(params.get("inputs"), dict):  # called on a dict, each tensor goes to its key's input
        model.input_keys = tuple(params["inputs"])
    interp.graph.models.append(model)
    return model


def rebuild(interp: Interpreter, model: Model) -> None:
    """Keras 3 builds a Sequential whose input is known into a private Functional,
    again after each add(): each build takes a ``functional`` name, so the next
    keras.Model a file makes is ``functional_1``..."""
    if interp.graph.dialect != "keras2" and model.input_shape is not None and model.layers:
        interp.graph.names("functional")


def add_to_sequential(interp: Interpreter, model: Model, item: Any, node: ast.AST) -> None:
    if isinstance(item, Tensor) and item.node.layer is None and not model.layers:
        model.input_shape = item.node.shape
        model.input_name = item.node.id
        model.input_dtype = item.node.dtype
        return
    if isinstance(item, Layer) and item.cls == "InputLayer" and not model.layers:
        shape = input_shape_of(item) or (
            tuple([item.args.get("batch_size"), *item.args["shape"]])
            if isinstance(item.args.get("shape"), (list, tuple))
            else None
        )
        model.input_shape = shape
        model.input_name = item.name
        return
    if isinstance(item, Model):
        item = model_layer(interp, item)
    # a Layer subclass whose call() is followed where it is called on tensors: here, on one
    # of the shape the layers before give it, when the Sequential's input is known; else
    # where Keras builds the Sequential, on its first call (follow_pending)
    followed_only_on_tensors = isinstance(item, Layer) and item.subclass_followed \
        and model.input_shape is not None and not _followed_in(interp, model, item, node)
    if not isinstance(item, Layer) or followed_only_on_tensors:
        if followed_only_on_tensors:
            interp.note("SC601", f"{item.cls} is a Layer subclass of the file, which the reader follows "
                        "only where it is called on tensors; this Sequential is not checked", node,
                        hint="call it on a tensor (the functional API), or declare it under custom_layers")
        elif not (isinstance(item, Unknown) and "cannot know" in item.why):  # else said where it arose
            interp.note(
                "SC601",
                "something the reader cannot follow is added to this Sequential; the model is not checked",
                node,
            )
        model.abandoned = True
        model.input_shape = None
        model.layers.append(Layer("?", {}, "?", interp.loc(node)))
        return
    if not model.layers and model.input_shape is None:
        shape = input_shape_of(item, interp.graph.dialect)
        if shape is not None:
            model.input_shape = shape
            if interp.graph.dialect == "keras2":
                model.input_name = f"{item.name}_input"
            else:
                model.input_name = interp.graph.names.input()
    for key in INPUT_ARGS:
        if not (key == "input_dim" and item.cls == "Embedding"):  # there, the vocabulary
            item.args.pop(key, None)
    model.layers.append(item)


def follow_pending(interp: Interpreter, model: Model, node: ast.AST) -> Layer | None:
    """A Sequential made without an input, now built (its first call, ``build()``): each
    Layer subclass in it followed on what the layers before give it, as Keras builds them
    then. The first the reader cannot follow, or None."""
    for i, layer in enumerate(model.layers):
        if layer.subclass_followed and "output_shape" not in layer.args \
                and not _followed_in(interp, replace(model, layers=model.layers[:i]), layer, node):
            return layer  # given what the layers before it give
    return None


def _followed_in(interp: Interpreter, model: Model, layer: Layer, node: ast.AST) -> bool:
    """Whether a Layer (or Model) subclass added to ``model`` is followed there: Keras builds
    it on the output of the layers before, and the reader follows its call() on a tensor
    of that shape."""
    if "output_shape" in layer.args:  # followed at an earlier call
        return True
    if model.input_shape is None or model.abandoned or interp.shapes is None:
        return False
    spec = sequential_spec(model) if model.layers else None
    shapes = interp.shapes(spec) if spec is not None else [model.input_shape]
    if not shapes or len(shapes) != 1 or not all(d is None or isinstance(d, int) for d in shapes[0]):
        return False
    given = interp.graph.input(tuple(shapes[0]), f"{layer.name}_input", model.input_dtype, interp.loc(node))
    interp.follow_layer(layer, given, node)
    return "output_shape" in layer.args


def input_shape_of(layer: Layer, dialect: str = "keras2") -> tuple | None:
    """The batch input shape a first layer's arguments give a Sequential."""
    args = layer.args
    if args.get("batch_input_shape") is not None:
        return tuple(args["batch_input_shape"])
    if args.get("batch_shape") is not None:
        return tuple(args["batch_shape"])
    if args.get("input_shape") is not None:
        shape = args["input_shape"]
        shape = [shape] if isinstance(shape, int) else list(shape)
        return (args.get("batch_size"), *shape)
    if layer.cls == "Embedding" and dialect == "keras2":
        return (None, args.get("input_length"))
    if args.get("input_dim") is not None:
        if layer.cls == "Embedding":
            # tf.keras's Embedding always gives itself input_shape (input_length,), None by
            # default; Keras 3 ignores input_length and builds nothing
            return (None, args.get("input_length")) if dialect == "keras2" else None
        length = args.get("input_length")
        return (None, args["input_dim"]) if length is None else (None, length, args["input_dim"])
    return None


def shape_of(interp: Interpreter, value: Any) -> Any:
    """A tensor's shape, as the engine computes it for the graph built so far (the
    library API hands the engine to the reader as ``interp.shapes``)."""
    if not isinstance(value, Tensor):
        return Unknown(why="the shape of a value the reader does not model")
    if value.node.layer is None:
        return tuple(value.node.shape or ())
    if interp.shapes is None:
        return Unknown(why="a tensor's shape (no engine given)")
    key = (id(value.node), value.index)
    if key in interp.known_shapes:
        return interp.known_shapes[key][1]
    probe = Model("Functional", "probe", value.node.loc, [], [cut(value, interp.known_shapes)])
    shapes = interp.shapes(functional_spec(probe))
    if not shapes or len(shapes) != 1:
        return Unknown(why="the shape of a tensor the reader could not analyse")
    interp.known_shapes[key] = (value, tuple(shapes[0]))  # the tensor kept: its node's id stays its own
    return interp.known_shapes[key][1]


def output(multi: Multi, index: int) -> Tensor:
    return Tensor(multi.node, index)
