"""Layer subclasses a file defines, for the Python reader: an instance of one the project
declares under ``custom_layers`` is a layer of that class (the declaration is its rule).
Otherwise the reader follows what Keras does with it, never running it: its ``__init__``
(the attributes ``call()`` reads, the sublayers it makes, named from the file's counters
as Keras names them), then at its first call ``build(input_shape)`` (the weights
``add_weight`` makes) and ``call()`` on inputs of its own, as a Lambda's function is
followed. What ``call()`` makes of its sublayers is a graph apart, the layer's nested
model (``graph``), whose weights are the layer's; without sublayers its output shape is
data (``output_shape``), with the weights build() made.

Keras 3 takes a layer's own ``compute_output_shape`` for its output instead of tracing
``call()`` (tf_keras traces it still), and so does the reader. Anything else (a variable
it assigns, a layer made in ``call()``, sublayers mixed with tensors of its own) stays
unfollowed: SC601 says so, and ``custom_layers`` can declare it.

A ``keras.Model`` subclass is followed the same way, and once the file builds it (calls
it on a tensor or on data, or tf_keras's ``build(shape)``) it is also a model of the
report (a ``Subclassed`` model whose spec is that first call's graph). Keras 3's
``build(shape)`` on a class without a build() of its own leaves its layers unbuilt
(SC606). Keras also builds one not built yet on the data fit(), evaluate() or predict()
are given. A subclass that only overrides ``train_step`` trains the models it is given and
is none of its own; ``CustomModel(inputs, outputs)`` is a functional model, and so is a
subclass whose ``__init__`` gives ``super().__init__`` the graph it built.
"""

from __future__ import annotations

import ast

from ...dims import to_json
from . import datasets, instances, variables
from .arrays import Array
from .builtins import Builtin
from .graph import Layer, Model, Tensor, ancestors, flat_tensors, functional_spec
from .keras_api import bind, keep_named, make_layer, shape_of, size_name, tensors_of
from .keras_keywords import Refusal
from .lambdas import forget_found, keras3_refusal
from .limits import MAX_ITEMS, MAX_STEPS, OutOfBudget
from .values import DYNAMIC, ClassDef, Instance, Module, Partial, Unknown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .interpreter import Interpreter

# What gives it shapes of its own, or checks them where following call() would not see:
# a variable's assign* checks the value's shape against the variable's.
_OWN_STATE = frozenset({"compute_output_spec", "add_variable", "assign", "assign_add", "assign_sub"})
# Classes a weightless layer may make: keras.random's seed state counts no parameter.
_NOT_LAYERS = frozenset({"SeedGenerator"})


def method(cls: ClassDef, name: str) -> ast.FunctionDef | None:
    """The class's method ``name``, its own or a base's of the file (instances.method)."""
    found = instances.method(cls, name)
    return found[0] if found is not None else None


def _followable(cls: ClassDef) -> bool:
    """Its bases are Keras's own, it defines call(), and nothing in it names what gives it
    shapes of its own. (Layers its call() makes are followed as Keras runs them: a new
    one at every call, whose weights the layer does not track; ``untracked``.)"""
    call = method(cls, "call")
    if call is None or not all(isinstance(b, Module) for b in cls.bases):
        return False
    for node in ast.walk(cls.node):
        if isinstance(node, (ast.FunctionDef, ast.Attribute)) and \
                (node.name if isinstance(node, ast.FunctionDef) else node.attr) in _OWN_STATE:
            return False
    return True


def untracked(instance: Instance, nodes: list) -> list[str]:
    """The layers of ``nodes`` (a followed call's) that the instance does not hold: made
    inside call(), or taken from elsewhere. Keras tracks a layer's sublayers by the
    attributes they are set as (lists and dicts of them too), so these are called but
    their weights are not the layer's: Keras neither counts nor trains them."""
    held: set[int] = set()
    seen: set[int] = set()  # containers looked into: a list may hold itself
    todo = list(instance.attrs.values())
    while todo and len(seen) < MAX_ITEMS:
        v = todo.pop()
        if isinstance(v, (Layer, Model)):
            held.add(id(v))
        elif isinstance(v, (list, tuple, dict)) and id(v) not in seen:
            seen.add(id(v))
            todo.extend(v.values() if isinstance(v, dict) else v)
    names = [n.layer.name for n in nodes if id(n.layer) not in held and id(n.layer.model) not in held]
    return list(dict.fromkeys(names))


def follow(interp: Interpreter, cls: ClassDef, args: list[Any], kwargs: dict[str, Any], node: ast.AST
           ) -> Layer | Unknown | None:
    """A layer of ``cls`` whose call() the reader follows when it is called, or None; an
    unknown value when its ``__init__`` fails in Keras 3 (said)."""
    if not _followable(cls):
        return None
    instance = Instance(cls)
    instance.attrs["add_weight"] = Builtin("add_weight", lambda i, a, k, n: _add_weight(i, instance, a, k, n))
    init = method(cls, "__init__")
    # Keras names the layer in Layer.__init__, which its own __init__ calls first
    # (super().__init__(name=...), instances.keras_init), and then its sublayers as they
    # are made: their names are taken for good, as Keras takes them
    name = kwargs.get("name")
    name = name if isinstance(name, str) and name else None
    if init is None:
        name = name or interp.graph.names.layer(cls.name)
    state = (len(interp.found), len(interp.graph.nodes), len(interp.refusals))
    interp.following += 1
    try:
        if init is not None:
            interp.call(interp.method(init, cls, "__init__"), [instance, *args], kwargs, node)
        name = instance.attrs.pop(instances.KERAS_NAME, None) or name or interp.graph.names.layer(cls.name)
    except OutOfBudget:
        if interp.steps > MAX_STEPS:
            raise
        return None
    finally:
        interp.following -= 1
        refused = keras3_refusal(interp, state[2])
        forget_found(interp, state[0])
        del interp.graph.nodes[state[1]:]
    if refused is not None:  # Python raises in its __init__: there is no such layer
        interp.note("SC605", f"{cls.name}.__init__ fails in Keras 3 ({refused.message})", node,
                    hint=refused.hint, once=False)
        return Unknown(why=f"{cls.name}.__init__ fails in Keras 3")
    layer = Layer(cls.name, {}, name, interp.loc(node))
    # a Model subclass made at the file's level is a model the report lists once a call
    # builds it (one made inside a layer is that layer's sublayer)
    report = Model("Subclassed", name, layer.loc, layers=[layer], named=True) \
        if cls.keras_base == "Model" and not interp.following else None
    if report is not None:
        interp.graph.models.append(report)
    call = Partial(interp.method(method(cls, "call"), cls, f"{cls.name}.call"), (instance,), {})
    build = method(cls, "build")
    # Keras 3 takes a layer's own compute_output_shape for its output; tf_keras traces call()
    shape_method = method(cls, "compute_output_shape") if interp.graph.dialect != "keras2" else None
    if shape_method is not None:
        layer.code["method"] = "compute_output_shape"

    def build_then_call(i: Interpreter, a: list[Any], k: dict[str, Any], n: ast.AST) -> Any:
        """Keras's first call: build(input_shape), then call(); the weights are the layer's."""
        unbound = _unbound(call.func.node, a, k) if i.graph.dialect != "keras2" else None
        if unbound:  # Keras 3 raises a TypeError (tf_keras filled `training` in)
            default = "'training'" in unbound or "'mask'" in unbound
            i.refusals.append(Refusal(
                f"its Layer.__call__ binds the arguments of call() as Python does: {unbound}",
                "give it a default in call(), as `def call(self, inputs, training=None)`" if default
                else "call the layer as its call() is written"))
            return Unknown(why=f"{cls.name}.call(): {unbound}")
        if report is not None:
            report.abandoned = True  # called: reported if the call makes its graph, else said there
        if build is not None and a:
            shapes = [shape_of(i, t) for t in tensors_of(a[0]) or ()]
            given = shapes[0] if isinstance(a[0], Tensor) else shapes
            i.call(interp.method(build, cls, f"{cls.name}.build"), [instance, given], {}, n)
        made = instance.attrs.pop(variables.WEIGHTS, [])
        if any(w is None for w in made):
            return Unknown(why=f"{cls.name} makes a weight of a shape the reader cannot know")
        if made:
            layer.args["followed_weights"] = made
        if shape_method is not None:  # Keras 3 asks it instead of tracing call()
            return _declared_output(i, cls, instance, shape_method, layer, a, n)
        # call() on inputs of its own, so that what it calls is a graph apart: the layer's
        # sublayers, whose weights are the layer's (a nested model of the spec, run as one)
        given = tensors_of(a[0]) if a else None
        more = list(a[1:])  # more positional tensors: call_layer passes them only when all are
        shapes = [shape_of(i, t) for t in [*(given or ()), *more]]
        if not given or not all(isinstance(s, tuple) for s in shapes):
            if _holds_layers(instance):  # their weights would be lost
                return Unknown(why=f"{cls.name}.call() on inputs of shapes the reader does not know")
            return i.call(call, a, k, n)
        # a size from data by its name, as the spec writes it (engine sizes are not spec's)
        fresh = [i.graph.input(tuple(d if d is None or type(d) is int else to_json(d) for d in s),
                               f"{layer.name}_input_{j}", t.node.dtype, i.loc(n))
                 for j, (t, s) in enumerate(zip([*given, *more], shapes))]
        first, rest = fresh[:len(given)], fresh[len(given):]
        start = len(i.graph.nodes)
        out = i.call(call, [first[0] if isinstance(a[0], Tensor) else first, *rest], k, n)
        inner = [m for m in i.graph.nodes[start:] if m.layer is not None and not m.layer.cls.startswith(
            ("ops.", "tf."))]
        outs = flat_tensors(out)  # nested too: call() returning x, [skip1, skip2]
        if inner and outs is None:  # their weights would be lost
            return Unknown(why=f"{cls.name}.call() returns what the reader does not model")
        if inner:
            # a graph of its sublayers fed by its inputs and the constants it makes (inputs
            # no caller feeds); a tensor of another graph among them would be an input
            # the nested model is not given
            own = {id(t.node) for t in fresh}
            if any(m.layer is None and id(m) not in own and not m.constant for m in ancestors(outs)):
                return Unknown(why=f"{cls.name}.call() mixes its sublayers with tensors of its own")
            layer.args["graph"] = functional_spec(Model("Functional", layer.name, layer.loc, fresh, outs))
            loose = untracked(instance, inner)
            if loose:  # their weights are not the layer's (the engine says so where they have some)
                layer.args["untracked"] = loose
            # built by this call: a model of its own too, as Keras has it, unless it has weights
            # of its own, which no layer of the spec's model holds (said where it is made), or
            # calls layers whose weights Keras does not count as its own
            if report is not None and not made and not loose:
                report.spec = layer.args["graph"]
        return out

    layer.code["function"] = Builtin(f"{cls.name}.call", build_then_call)
    if cls.keras_base == "Model":
        layer.code["model"] = cls
        layer.code["report"] = report
    return layer


def build_model(interp: Interpreter, layer: Layer, args: list[Any], kwargs: dict[str, Any], node: ast.AST
                ) -> Tensor | None:
    """``model.build(input_shape)`` of a Model subclass the reader follows. tf_keras builds
    it as its first call would, on a placeholder of that shape; Keras 3 calls its build()
    only, and a class without one is marked built with its layers unbuilt (Keras warns,
    summary() shows 0 parameters): SC606 says so. Gives the placeholder tf_keras calls it
    on, or None."""
    cls, report = layer.code["model"], layer.code["report"]
    shape = bind(("input_shape",), args, kwargs).get("input_shape")
    if report is not None and interp.graph.dialect != "keras2":
        report.abandoned = True  # said here
        if method(cls, "build") is None:
            interp.note("SC606", f"Keras 3's build() marks {cls.name} built without building its layers: "
                        "the class has no build() of its own, so summary() lists them unbuilt, with 0 "
                        "parameters", node, hint=f"call it on a tensor to build it: {layer.name}(keras.Input("
                        "shape=...)), the shape without the batch axis")
        else:
            interp.note("SC601", f"{cls.name}.build() is code the reader does not follow, so what it "
                        "builds is not checked", node, hint=f"call it on a tensor to build it: "
                        f"{layer.name}(keras.Input(shape=...))")
        return None
    if not isinstance(shape, (list, tuple)) or not shape or not all(
            d is None or isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape):
        interp.note("SC602", f"{layer.name}.build() of a shape the reader cannot know; the model is not "
                    "checked", node, hint="bind the sizes it depends on with --dim NAME=VALUE")
        return None
    # the placeholder the model is then called on (keras_calls.call_layer)
    return interp.graph.input(tuple(shape), f"{layer.name}_build_input", "float32", interp.loc(node))


def _declared_output(interp: Interpreter, cls: ClassDef, instance: Instance, shape_method: ast.FunctionDef,
                     layer: Layer, args: list[Any], node: ast.AST) -> Any:
    """Keras 3's output of a layer that has its own compute_output_shape: the shape it
    gives for the input shapes, as a tensor standing for the output (its sublayers, never
    traced, would have no weights yet)."""
    given = tensors_of(args[0]) if args else None
    shapes = [shape_of(interp, t) for t in given or ()]
    if not given or _holds_layers(instance) or not all(isinstance(s, tuple) for s in shapes):
        return Unknown(why=f"{cls.name}.compute_output_shape() not followed")
    fn = interp.method(shape_method, cls, f"{cls.name}.compute_output_shape")
    out = interp.call(fn, [instance, shapes[0] if isinstance(args[0], Tensor) else shapes], {}, node)
    if not isinstance(out, (tuple, list)) or not all(
            d is None or isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in out):
        return Unknown(why=f"{cls.name}.compute_output_shape() gives no shape the reader knows")
    return interp.graph.input(tuple(out), f"{layer.name}_output", given[0].node.dtype, interp.loc(node))


def _unbound(call: ast.FunctionDef, args: list[Any], kwargs: dict[str, Any]) -> str | None:
    """Why Python's ``signature.bind`` refuses a call of ``call()`` (after ``self``), as
    Keras 3's Layer.__call__ binds it (``CallSpec``), in Python's words; None if it binds.
    Keras drops a ``training=`` the signature does not take (its only call-context
    argument); a ``mask=`` it passes on."""
    spec = call.args
    params = [p.arg for p in [*spec.posonlyargs, *spec.args][1:]]
    kwargs = {key: v for key, v in kwargs.items() if key in params or spec.kwarg is not None
              or key != "training"}
    if len(args) > len(params) and spec.vararg is None:
        return "too many positional arguments"
    required = params[:len(params) - len(spec.defaults)]
    kwonly = [a.arg for a, d in zip(spec.kwonlyargs, spec.kw_defaults) if d is None]
    if spec.kwarg is None:
        for name in kwargs:
            if name not in params and name not in {a.arg for a in spec.kwonlyargs}:
                return f"got an unexpected keyword argument {name!r}"
    for name in [*required[len(args):], *kwonly]:
        if name not in kwargs:
            return f"missing a required argument: {name!r}"
    return None


def _holds_layers(instance: Instance) -> bool:
    return any(isinstance(v, (Layer, Model)) or isinstance(v, (list, tuple)) and
               any(isinstance(x, (Layer, Model)) for x in v) for v in instance.attrs.values())


def _add_weight(interp: Interpreter, instance: Instance, args: list[Any], kwargs: dict[str, Any],
                node: ast.AST) -> Any:
    """``self.add_weight(shape=..., name=..., trainable=...)``: a weight of the layer, and a
    tensor of its shape for call() to compute with."""
    # the positional order differs: Keras 3's add_weight(shape, initializer...), tf_keras's (name, shape...)
    order = ("shape", "initializer", "dtype", "trainable") if interp.graph.dialect != "keras2" else \
        ("name", "shape", "dtype", "initializer", "regularizer", "trainable")
    bound = bind(order, args, kwargs)
    shape, name, trainable = bound.get("shape"), bound.get("name"), bound.get("trainable", True)
    shape = (shape,) if isinstance(shape, int) else shape
    made = instance.attrs.setdefault(variables.WEIGHTS, [])
    if not isinstance(shape, (list, tuple)) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d for d in shape) \
            or not isinstance(trainable, bool) or name is not None and not isinstance(name, str):
        made.append(None)  # a weight the reader cannot size: the layer is not followed
        return Unknown(why="a weight of a shape the reader cannot know")
    made.append([name or "variable", list(shape), trainable, "add_weight"])
    # named, so that no input's auto-name is taken (the node is gone once followed)
    return variables.tensor(interp, tuple(shape), "".join(c if c.isalnum() else "_" for c in
                                                          f"{instance.cls.name}_weight"), node)


def instantiate(
    interp: Interpreter, cls: ClassDef, args: list[Any], kwargs: dict[str, Any], node: ast.AST
) -> Any:
    if cls.keras_base and cls.name in interp.custom:
        return declared_layer(interp, cls, args, kwargs, node)
    if cls.keras_base in ("Model", "Sequential") and method(cls, "call") is None:
        made = _made_by_keras_init(interp, cls, args, kwargs, node)
        if made is not None:
            return made
    if cls.keras_base == "Model" and _training_wrapper(cls):
        # GAN(discriminator, generator), keras.io's VAE: the models it is given are checked
        # on their own, and Keras never calls it on a tensor
        return Unknown(why=f"{cls.name} trains the models it holds (train_step) and has no call()")
    if cls.keras_base:
        layer = follow(interp, cls, args, kwargs, node)
        if layer is not None:
            return layer
    elif instances.plain(cls):
        return instances.make(interp, cls, args, kwargs, node)
    if cls.keras_base:
        interp.note(
            "SC601",
            f"{cls.name} subclasses Keras's {cls.keras_base}: its call() is code the "
            "reader does not follow, so what it builds is not checked",
            node,
            hint=f"declare what {cls.name} does to shapes under custom_layers (pyproject.toml's "
            "[tool.shapecheck.custom_layers], or analyze(..., custom_layers=...)), or build it "
            "with the functional API",
        )
    return Unknown(why=f"an instance of {cls.name}")


def _made_by_keras_init(interp: Interpreter, cls: ClassDef, args: list[Any], kwargs: dict[str, Any],
                        node: ast.AST) -> Any:
    """The functional or Sequential model Keras's Model.__init__ makes of a subclass
    without call(): ``CustomModel(inputs, outputs)`` (keras.io's "customizing what happens
    in fit()"), a subclass whose ``__init__`` gives ``super().__init__`` the graph it built,
    a Sequential subclass's layers (given there, or ``self.add()``ed); None when it makes
    none (a GAN's training wrapper)."""
    if method(cls, "__init__") is not None:
        instance = instances.make(interp, cls, args, kwargs, node)
    elif cls.keras_base == "Sequential" or args or "inputs" in kwargs or "outputs" in kwargs:
        instance = Instance(cls)  # Python calls Keras's __init__ itself
        instances.keras_init(interp, instance, args, kwargs, node)
    else:
        return None
    return instance.attrs.get(instances.KERAS_MODEL)


#: Keras builds a Model subclass not built yet on the data they are given, as its first
#: call: call() traced on a batch of it
BUILT_BY_DATA = frozenset({"fit", "evaluate", "predict", "train_on_batch", "test_on_batch",
                           "predict_on_batch"})


def data_inputs(interp: Interpreter, layer: Layer, method: str, args: list[Any], kwargs: dict[str, Any],
                node: ast.AST) -> Any:
    """``model.fit(x_train, y_train)`` of a Model subclass not built yet: the input (or the
    list of inputs) its call() is traced on, of x's shape (data_shapes); None when the
    model is built already or x is data whose shape the reader does not know (the model is
    then said where it is made)."""
    report = layer.code["report"]
    if report is None or report.abandoned:
        return None
    shapes = data_shapes(interp, method, args, kwargs, node)
    if shapes is None:
        x = bind(("x",), args, kwargs).get("x")
        element = datasets.fitted_on(x) if isinstance(x, datasets.Dataset) else x
        if isinstance(element, Unknown):  # said where the model is made: what it was given
            what = "a dataset whose elements" if element is not x else "data whose shape"
            layer.code.setdefault("unbuilt", f"{method}() is given {what} the reader cannot know"
                                  + (f" ({element.why})" if element.why else ""))
        return None
    made = [interp.graph.input(shape, f"{layer.name}_data", "float32", interp.loc(node))
            for shape in (shapes if isinstance(shapes, list) else [shapes])]
    return made if isinstance(shapes, list) else made[0]


MAX_INPUTS = 64


def data_shapes(interp: Interpreter, method: str, args: list[Any], kwargs: dict[str, Any],
                node: ast.AST, named: bool = True) -> tuple | list[tuple] | None:
    """The shape (or, for a list of inputs, the list of shapes) Keras builds a model on
    when ``method`` (fit, predict...) is given x: x's, the batch axis as Keras traces it
    (_first_batch); a dataset's element spec (_dataset_shapes). None when the reader
    cannot tell, or when a size is one it names and ``named`` is False."""
    bound = bind(("x", "batch_size"), args, kwargs) if method == "predict" else bind(("x",), args, kwargs)
    x = bound.get("x")
    if isinstance(x, datasets.Dataset) and not method.endswith("_on_batch"):
        return _dataset_shapes(interp, method, x, node, named)
    data = list(x) if isinstance(x, (list, tuple)) else [x]
    if not data or len(data) > MAX_INPUTS or not all(
            isinstance(a, Array) and len(a.shape) > 1 and _sized(a.shape[1:], named) for a in data):
        return None
    shapes = [(_first_batch(interp, method, a.shape[0], bound.get("batch_size")),
               *_sizes(interp, a.shape[1:], node)) for a in data]
    return shapes if isinstance(x, (list, tuple)) else shapes[0]


def _sized(sizes: tuple, named: bool) -> bool:
    """Each size one a model can be built on: a number, open (None), or (when ``named``) a
    size from data the file names."""
    return all(d.__class__ is int or d is None or named and size_name(d) for d in sizes)


def _sizes(interp: Interpreter, sizes: tuple, node: ast.AST) -> tuple:
    """The sizes as an input's shape holds them, a named size kept (and said, SC604)."""
    return tuple(keep_named(interp, "x", name, node) if (name := size_name(d)) else d for d in sizes)


def _dataset_shapes(interp: Interpreter, method: str, ds: datasets.Dataset, node: ast.AST,
                    named: bool) -> Any:
    """``model.fit(train_ds)``: the shapes of its elements' x, as their spec gives them (the
    batch axis None, or each batch's size with drop_remainder): Keras traces fit() and
    evaluate() on the dataset's iterator. Keras 3's predict() traces on its first batch,
    of the size it has."""
    x = datasets.fitted_on(ds)
    parts = list(x) if isinstance(x, tuple) else [x]
    if not parts or len(parts) > MAX_INPUTS or not all(
            isinstance(p, datasets.Part) and len(p.shape) > 1 and _sized(p.shape[1:], named) for p in parts):
        return None
    shapes = []
    for p in parts:
        batch = p.shape[0]
        if method == "predict" and interp.graph.dialect != "keras2":
            batch = p.sizes[0].at(0) if isinstance(p.sizes[0], datasets.Batch) else p.sizes[0]
            if batch.__class__ is not int:
                return None
        shapes.append((batch, *_sizes(interp, p.shape[1:], node)))
    return shapes if isinstance(x, tuple) else shapes[0]


def _first_batch(interp: Interpreter, method: str, samples: Any, batch_size: Any) -> int | None:
    """The batch axis call() is traced with. fit() and evaluate() trace it on their dataset's
    iterator, whose batches may be short at the end (None), and so does tf_keras's
    predict(); Keras 3's predict() traces it on its first batch, batch_size (32 unless
    given) or fewer, and the *_on_batch methods on the batch they are given."""
    if samples.__class__ is not int:
        return None
    if method.endswith("_on_batch"):
        return samples
    if method == "predict" and interp.graph.dialect != "keras2":
        size = 32 if batch_size is None else batch_size
        return min(size, samples) if size.__class__ is int and size > 0 else None
    return None


def on_data(interp: Interpreter, layer: Layer, value: Any, node: ast.AST) -> Any:
    """What a Model subclass is called on: data of a shape the reader knows
    (``model(np.zeros((1, 28, 28, 1)))``) is, to its call(), an input of that shape, batch
    size included, as Keras's eager call builds it; anything else as it is."""
    if isinstance(value, Array) and all(d.__class__ is int for d in value.shape):
        return interp.graph.input(value.shape, f"{layer.name}_data", "float32", interp.loc(node))
    return value


def _training_wrapper(cls: ClassDef) -> bool:
    """A keras.Model subclass that overrides train_step but has no call(): a GAN's or a
    VAE's training loop around the models it is given."""
    return method(cls, "call") is None and method(cls, "train_step") is not None and all(
        isinstance(b, Module) and b.path[-1] == "Model" for b in cls.bases)


def declared_layer(interp: Interpreter, cls: ClassDef, args: list[Any], kwargs: dict[str, Any],
                   node: ast.AST) -> Any:
    """An instance of a Layer subclass the project declares under ``custom_layers``: a
    layer of that class, its constructor's arguments bound by ``__init__``'s parameters
    (the declaration's rule reads them by name); neither ``__init__`` nor ``call`` runs."""
    init = method(cls, "__init__")
    if init is None:
        return make_layer(interp, cls.name, [], dict(kwargs), node)
    spec = init.args
    bound = interp.bind(interp.function(init, cls.scope, "__init__"), [None, *args], kwargs)
    for self_param in [*spec.posonlyargs, *spec.args][:1]:
        bound.pop(self_param.arg, None)
    if spec.vararg is not None:
        bound.pop(spec.vararg.arg)
    if spec.kwarg is not None:  # name=..., the base Layer's arguments
        bound.update(bound.pop(spec.kwarg.arg))
    return make_layer(interp, cls.name, [], bound, node)


# keras.random's functions that make a tensor of the shape they are given.
RANDOM = ("normal", "uniform", "truncated_normal")
# Keras 2's backend names for them (``K.random_normal(shape=(batch, dim))``, keras.io's
# tf.keras VAE)
BACKEND_RANDOM = {"random_normal": "normal", "random_uniform": "uniform",
                  "truncated_normal": "truncated_normal"}


def random(interp: Interpreter, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
    """``keras.random.normal(shape=(batch, dim))`` in code the reader follows (a Layer
    subclass's call(), a Lambda's function): a tensor of that shape, standing where the
    values will be (the following leaves no node behind): a tensor the layer makes itself,
    a constant of its nested graph, if it has one."""
    return variables.constant(interp, f"keras.random.{name}", args, kwargs, node, label=f"random_{name}")


def arange(interp: Interpreter, values: dict[str, Any], node: ast.AST) -> Any:
    """``keras.ops.arange`` of integers inside a layer's call() the reader follows: the
    tensor Keras makes (``self.pos_emb(ops.arange(maxlen))``, keras.io's
    TokenAndPositionEmbedding), a constant of the layer's nested graph, int32 as Keras
    makes it."""
    start, stop, step = values.get("start", 0), values.get("stop"), values.get("step", 1)
    if stop is None:
        start, stop = 0, start
    if all(isinstance(v, int) and not isinstance(v, bool) for v in (start, stop, step)) and step \
            and values.get("dtype") in (None, "int32"):
        return variables.tensor(interp, (len(range(start, stop, step)),), "constant", node, "int32")
    return Unknown(why="keras.ops.arange of values the reader cannot know")


def tensorflow_in_call(interp: Interpreter, path: tuple[str, ...], args: list[Any], kwargs: dict[str, Any],
                       node: ast.AST) -> Any:
    """TensorFlow in a layer's call() the reader follows, as keras.io's tf.keras examples
    write it: ``tf.random.normal(shape)`` a tensor of that shape (``random``),
    ``tf.shape(x)[-1]`` the static size, ``tf.range`` of it a constant (``arange``); None
    for anything else."""
    if path[:2] == ("tensorflow", "random") and len(path) == 3 and path[2] in RANDOM:
        return random(interp, path[2], args, kwargs, node)
    if path == ("tensorflow", "shape") and len(args) == 1 and not kwargs and isinstance(args[0], Tensor):
        shape = shape_of(interp, args[0])  # a tensor: what the static shape leaves open is known when it runs
        return tuple(DYNAMIC if d is None else d for d in shape) if isinstance(shape, tuple) else shape
    if path == ("tensorflow", "Variable"):
        return variables.variable(interp, args, kwargs, node)
    if path in (("tensorflow", "zeros"), ("tensorflow", "ones")):
        return variables.constant(interp, f"tf.{path[1]}", args, kwargs, node)
    if len(path) == 2 and path[0] == "tensorflow" and path[1].endswith("_initializer"):
        return variables.initializer(f"tf.{path[1]}")
    if path == ("tensorflow", "range"):
        bound = bind(("start", "limit", "delta", "dtype", "name"), args, kwargs)
        return arange(interp, {"start": bound.get("start"), "stop": bound.get("limit"),
                               "step": bound.get("delta", 1), "dtype": bound.get("dtype")}, node)
    return None
