"""The rule registry: each Keras class name maps to one pure function.

A rule takes a ``LayerCall`` (the validated constructor arguments and the input
shapes) and returns an ``Output`` (output shapes and weights, each weight axis with
its formula and reason), or raises ``Finding``. Explanations are a by-product of
inference, not a second code path. The argument table each rule declares is what
validates a spec, fills Keras's defaults, and documents the rule.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

from ..diagnostics import Finding, did_you_mean
from ..dims import Dim, DimFacts, NamedSize, Shape, fmt_shape, product, total
from ..records import field, record, replace
from ..spec import LayerConfig
from .keras_names import KERAS_ACTIVATIONS, KERAS_LAYERS, TF_KERAS_ACTIVATIONS, TFA_LAYERS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

REQUIRED = object()


@record
class Axis:
    """One axis of a weight: its size, the formula over config fields and input axes
    it comes from, and a sentence saying why."""

    size: Dim
    formula: str
    why: str


@record
class Weight:
    path: str  # relative to the layer that owns it; the engine prefixes the layer name
    axes: tuple[Axis, ...]
    trainable: bool = True
    # The variable's name in tf.keras 2 (``dense/kernel:0``), for a file tf.keras wrote:
    # where it is more than the path plus ``:0``, a user searching the file needs it.
    tf_keras_path: str | None = None

    @property
    def shape(self) -> Shape:
        return tuple(a.size for a in self.axes)

    @property
    def count(self) -> Dim:
        return product(self.shape)

    def under(self, prefix: str, axes: tuple[Axis, ...] | None = None) -> Weight:
        """The weight as its layer ``prefix`` owns it (and with ``axes``, equal ones)."""
        # the constructor, not replace(): every weight of every layer comes here
        return Weight(f"{prefix}/{self.path}", self.axes if axes is None else axes, self.trainable,
                      self.tf_keras_path)


@record
class Note:
    """A finding that does not stop the layer (a condition on symbolic sizes)."""

    code: str
    message: str
    hint: str | None = None


@record
class Output:
    shapes: tuple[Shape, ...]
    weights: tuple[Weight, ...] = ()
    notes: tuple[Note, ...] = ()
    why: tuple[str, ...] = ()  # sentences explaining the output shape, for the report

    def frozen(self) -> Output:
        """All weights non-trainable, as ``trainable=False`` on the layer makes them."""
        return replace(self, weights=tuple(replace(w, trainable=False) for w in self.weights))


@record
class LayerCall:
    """What a rule sees: the layer's validated arguments and its inputs."""

    name: str
    type: str
    args: Mapping[str, Any]
    inputs: tuple[Shape, ...]
    kwargs: Mapping[str, tuple[Shape, ...]]
    nested: Mapping[str, LayerConfig]
    facts: DimFacts
    custom: Mapping[str, Rule] = field(default_factory=dict)  # declared rules, for wrapped layers
    dialect: str = "spec"  # who wrote the layer (LayerConfig.dialect): Keras 2 and 3 differ

    def __getitem__(self, key: str) -> Any:
        return self.args[key]

    @property
    def shape(self) -> Shape:
        """The single input's shape (rules that take one tensor)."""
        return self.inputs[0]


# --- argument checks ---------------------------------------------------------------


@record
class Arg:
    """A constructor argument that changes a shape or a weight."""

    name: str
    check: Callable[[Any], Any]
    default: Any = REQUIRED
    doc: str = ""
    kind: str = ""
    # A size the rule computes with symbolically: a name (``vocab_size``, a value the
    # Python reader cannot know) is that named size, and the weights say so.
    symbolic: bool = False


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _yaml_hint(v: Any) -> str:
    # YAML 1.1 reads 1e3 as a string and no/off as false; say so instead of "wrong type".
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            return ""
        if not math.isfinite(f):  # "Infinity", "1e1_000": not a size at all
            return ""
        return f" (YAML 1.1 read {v!r} as a string; write {int(f) if f == int(f) else f})"
    return ""


def int_arg(name: str, default: Any = REQUIRED, min: int = 1, doc: str = "",
            symbolic: bool = False) -> Arg:
    def check(v: Any) -> Dim:
        if symbolic and min >= 1:
            named = named_size(v)
            if named is not None:
                return named
        if not _is_int(v):
            raise ValueError(f"expected an integer >= {min}, got {v!r}{_yaml_hint(v)}")
        if v < min:
            raise ValueError(f"expected an integer >= {min}, got {v}")
        return v

    return Arg(name, check, default, doc, f"int >= {min}" + (" | a size's name" if symbolic else ""),
               symbolic)


def named_size(v: Any) -> NamedSize | None:
    """A size's name as an argument: positive, as every named size is (so ``min`` holds)."""
    if v.__class__ is NamedSize:
        return v
    if isinstance(v, str) and v.isidentifier() and not keyword.iskeyword(v) and not _float_spelling(v):
        return NamedSize(v)
    return None


def _float_spelling(v: str) -> bool:
    """`Infinity`, `nan`: numbers to JSON and YAML 1.2 readers, never a size's name."""
    try:
        float(v)
    except ValueError:
        return False
    return True


def bool_arg(name: str, default: bool, doc: str = "") -> Arg:
    def check(v: Any) -> bool:
        if not isinstance(v, bool):
            raise ValueError(f"expected true or false, got {v!r}")
        return v

    return Arg(name, check, default, doc, "bool")


def choice_arg(name: str, choices: Iterable[Any], default: Any = REQUIRED, doc: str = "") -> Arg:
    options = tuple(choices)

    def check(v: Any) -> Any:
        if v not in options or isinstance(v, bool) and not any(o is v for o in options):
            raise ValueError(f"expected one of {', '.join(map(_show, options))}, got {_show(v)}")
        return v

    return Arg(name, check, default, doc, " | ".join(map(_show, options)))


def float_arg(name: str, default: Any = REQUIRED, lo: float = 0.0, hi: float = 1.0,
              doc: str = "") -> Arg:
    def check(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"expected a number in [{lo}, {hi}], got {v!r}{_yaml_hint(v)}")
        if not lo <= v <= hi:
            raise ValueError(f"expected a number in [{lo}, {hi}], got {v}")
        return v

    return Arg(name, check, default, doc, f"float in [{lo}, {hi}]")


def opt_int_arg(name: str, min: int = 1, doc: str = "", symbolic: bool = False) -> Arg:
    inner = int_arg(name, None, min, symbolic=symbolic)

    def check(v: Any) -> int | None:
        return None if v is None else inner.check(v)

    return Arg(name, check, None, doc, f"int >= {min}" + (" | a size's name" if symbolic else "") + " | null",
               symbolic)


def _show(v: Any) -> str:
    return "null" if v is None else repr(v) if isinstance(v, str) else str(v).lower() \
        if isinstance(v, bool) else str(v)


# Arguments every Keras layer's constructor takes (keras.layers.Layer.__init__).
BASE_ACCEPTS = ("trainable", "dtype", "autocast", "input_dim", "input_shape", "activity_regularizer")


@record
class Rule:
    types: tuple[str, ...]
    fn: Callable[[LayerCall], Output]
    args: Mapping[str, Arg]
    accepts: frozenset[str]
    family: str
    inputs: int | None  # how many input tensors; None = two or more (merges)
    call_args: tuple[str, ...] = ()
    doc: str = field(default="")
    # trainable=False marks the layer's weights non-trainable; a wrapper's is its own
    # flag only (Keras 3 leaves the wrapped layer's variables trainable, and a model
    # counts them as trainable).
    freezes: bool = True
    # An op's call parameters in order (``GetItem(x, key)``): a file's constant
    # operands become the arguments of those names, tensors its inputs.
    positional: tuple[str, ...] = ()

    def check_args(self, cfg: LayerConfig) -> tuple[dict[str, Any], tuple[Note, ...]]:
        values: dict[str, Any] = {}
        notes: list[Note] = []
        for key, raw in cfg.args.items():
            arg = self.args.get(key)
            if arg is None:
                if key in self.accepts or key in BASE_ACCEPTS:
                    values[key] = raw
                    continue
                if cfg.lenient:
                    notes.append(Note("SC407", f"{cfg.type} argument {key!r} is unknown to "
                                      "shapecheck and was ignored",
                                      hint="if it changes a shape or a weight, this layer's "
                                      "result may be wrong; please report it"))
                    continue
                guess = did_you_mean(key, [*self.args, *self.accepts])
                raise Finding(
                    "SC402",
                    f"{cfg.type} has no argument {key!r}",
                    hint=f"did you mean {guess!r}?" if guess
                    else f"{cfg.type}'s shape arguments are: {', '.join(self.args) or 'none'}",
                    arg=key,
                )
            if raw is None and arg.kind == "bool" and cfg.lenient:
                # tfjs-layers writes an unset flag as null, which Keras reads as false
                values[key] = False
                continue
            try:
                values[key] = arg.check(raw)
            except ValueError as e:
                single = _single(raw) if cfg.lenient else None
                if single is not None:
                    values[key] = single[0]
                    try:
                        values[key] = arg.check(single[0])
                        continue
                    except ValueError:
                        pass
                raise Finding("SC403", f"{cfg.type} argument {key}: {e}", arg=key,
                              hint=arg.doc or None) from None
        for key, arg in self.args.items():
            if key not in values:
                if arg.default is REQUIRED:
                    raise Finding("SC404", f"{cfg.type} needs the argument {key!r}",
                                  hint=f"add `{key}: ...` ({arg.doc or arg.kind})")
                values[key] = arg.default
        for key in ACTIVATION_ARGS:
            if key in values:
                _check_activation(cfg, key, values[key])
        if "trainable" in values and not isinstance(values["trainable"], bool):
            raise Finding("SC403", f"trainable must be true or false, got {values['trainable']!r}",
                          arg="trainable")
        return values, tuple(notes)


class _Registry(dict):
    """Rules by Keras class name. A family's module is imported the first time one of its
    classes is looked up (``families.FAMILY_OF`` says which, generated from the rules
    themselves), so a run loads the families its model uses: all of them are a quarter of
    a start. Iterating, or asking for the number of rules, loads every family first."""

    def __init__(self) -> None:
        super().__init__()
        self._loaded: set[str] = set()
        self._complete = False

    def __missing__(self, key: str) -> Rule:
        if self._load(key):
            return dict.__getitem__(self, key)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        r = dict.get(self, key)
        if r is None and self._load(key):
            r = dict.get(self, key)
        return default if r is None else r

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or (self._load(key) and dict.__contains__(self, key))

    def __iter__(self):
        self.load_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self.load_all()
        return dict.__len__(self)

    def keys(self):
        self.load_all()
        return dict.keys(self)

    def values(self):
        self.load_all()
        return dict.values(self)

    def items(self):
        self.load_all()
        return dict.items(self)

    def load_all(self) -> None:
        if not self._complete:
            from .families import FAMILIES

            for family in FAMILIES:
                self._import(family)
            self._complete = True

    def _load(self, key: object) -> bool:
        """Import the family of ``key``; False when no family has it or it is loaded."""
        if self._complete or not isinstance(key, str):
            return False
        from .families import FAMILY_OF

        family = FAMILY_OF.get(key)
        if family is None or family in self._loaded:
            return False
        self._import(family)
        return True

    def _import(self, family: str) -> None:
        import importlib

        from .keras_names import ALIASES

        importlib.import_module(f"{__package__}.{family}")
        self._loaded.add(family)
        for alias, name in ALIASES.items():  # Keras's other names of the classes just registered
            r = dict.get(self, name)
            if r is not None:
                dict.setdefault(self, alias, r)


REGISTRY: dict[str, Rule] = _Registry()

def _single(raw: Any) -> tuple[Any] | None:
    """The one item of a one-element list: tf.keras and Keras 2 write some scalar
    arguments that way (``BatchNormalization(axis=[3])``, a ``ListWrapper`` of one), and
    read them back; a file they wrote is read as they read it."""
    if isinstance(raw, (list, tuple)) and len(raw) == 1 and not isinstance(raw[0], (list, tuple, dict)):
        return (raw[0],)
    return None


# Arguments Keras resolves with ``keras.activations.get``.
ACTIVATIONS_BY_DIALECT = {"keras2": TF_KERAS_ACTIVATIONS,
                          "tfjs": KERAS_ACTIVATIONS | TF_KERAS_ACTIVATIONS | {"gelu_new"}}
ACTIVATION_ARGS = ("activation", "recurrent_activation")


def _check_activation(cfg: LayerConfig, key: str, value: Any) -> None:
    """An activation Keras cannot interpret fails the layer's construction. A name must be
    one of Keras's (tf.keras's too, for a file it wrote); Keras 3 serializes a function as
    ``{"module": "keras.activations", "class_name": "function", "config": name}``. Other
    objects (a custom function) are the file's business: SC111 reports foreign code."""
    name = value
    if isinstance(value, dict) and value.get("class_name") == "function" and \
            str(value.get("module", "")).startswith("keras"):
        name = value.get("config")
    if name is None or not isinstance(name, str):
        return
    known = ACTIVATIONS_BY_DIALECT.get(cfg.dialect, KERAS_ACTIVATIONS)
    if name not in known:
        guess = did_you_mean(name, sorted(known))
        said = f"Unknown activation function '{name}' cannot be deserialized" if cfg.dialect == "keras2" \
            else f"Could not interpret activation function identifier: {name}"
        raise Finding("SC403", f"{cfg.type} argument {key}: {said}", arg=key,
                      hint=f"did you mean {guess!r}?" if guess else
                      f"Keras's activations are {', '.join(sorted(KERAS_ACTIVATIONS))}")


def rule(*types: str, args: Iterable[Arg] = (), accepts: Iterable[str] = (), inputs: int | None = 1,
         call_args: Iterable[str] = (), freezes: bool = True, family: str | None = None,
         positional: Iterable[str] = ()):
    """Register ``fn`` as the rule for the Keras classes ``types``; its family (the docs'
    section) is the module it is written in unless ``family`` says otherwise."""

    def register(fn: Callable[[LayerCall], Output]) -> Callable[[LayerCall], Output]:
        r = Rule(tuple(types), fn, {a.name: a for a in args}, frozenset(accepts),
                 family or fn.__module__.rsplit(".", 1)[-1], inputs, tuple(call_args),
                 (fn.__doc__ or "").strip(), freezes, tuple(positional))
        for t in types:
            REGISTRY[t] = r
        return fn

    return register


def apply(cfg: LayerConfig, inputs: tuple[Shape, ...], facts: DimFacts,
          kwargs: Mapping[str, tuple[Shape, ...]] | None = None,
          custom: Mapping[str, Rule] | None = None) -> Output:
    """Check ``cfg``'s arguments and run its rule on ``inputs``. Wrappers call this
    on the layer they wrap. ``custom`` holds the model's declared custom-layer rules."""
    try:
        return _apply(cfg, inputs, facts, kwargs, custom or {})
    except Finding as f:
        if f.config is None:  # the innermost layer that raised it, for its location
            f.config = cfg
        raise


def _apply(cfg: LayerConfig, inputs: tuple[Shape, ...], facts: DimFacts,
           kwargs: Mapping[str, tuple[Shape, ...]] | None, custom: Mapping[str, Rule]) -> Output:
    r = lookup(cfg.type, custom)
    values, notes = r.check_args(cfg)
    if r.inputs is not None and len(inputs) != r.inputs:
        shapes = ", ".join(fmt_shape(s) for s in inputs)
        raise Finding("SC206", f"{cfg.type} takes {r.inputs} input tensor(s), got {len(inputs)}: "
                      f"{shapes}", hint="pick one output with name[k], e.g. `inputs: NAME[0]`"
                      if len(inputs) > 1 else "give the layer an input with `inputs:`")
    call = LayerCall(cfg.name, cfg.type, values, tuple(inputs), dict(kwargs or {}),
                     cfg.nested, facts, custom, cfg.dialect)
    out = r.fn(call)
    if notes:
        out = replace(out, notes=notes + out.notes)
    return out.frozen() if values.get("trainable") is False and r.freezes else out


# Keras layers whose computation is code the model names (a Python function, a torch
# module, a JAX function, a SavedModel): their shapes are never static, by design.
CODE_LAYERS = frozenset({"Lambda", "TorchModuleWrapper", "JaxLayer", "FlaxLayer", "TFSMLayer"})


def lookup(type_name: str, custom: Mapping[str, Rule] | None = None) -> Rule:
    r = REGISTRY.get(type_name)  # imports the rule's family the first time
    if r is not None:
        return r
    if custom:
        r = match(custom, type_name)
        if r is not None:
            return r

    if type_name.startswith(("ops.", "tf.")):
        what = "Keras operation" if type_name.startswith("ops.") else "TensorFlow operation (a tf.keras " \
            "TFOpLambda layer)"
        raise Finding("SC406", f"shapecheck has no rule for the {what} {type_name.split('.', 1)[1]} yet",
                      hint="layers after it are checked only where the file records its output shape "
                      "(SC411); docs/layers.md lists the operations with rules", arg="type")
    if type_name in TFA_LAYERS:
        raise Finding("SC406", f"shapecheck has no rule for TensorFlow Addons' {type_name.split('>')[1]} yet",
                      hint="layers after it are not checked; docs/layers.md lists the tfa layers with rules",
                      arg="type")
    if type_name in CODE_LAYERS or ">" in type_name or "." in type_name:
        what = f"a {type_name} layer runs code the model names" if type_name in CODE_LAYERS else \
            f"{type_name} is not a Keras layer (a custom class)"
        raise Finding("SC408", f"{what}; shapecheck never imports or runs code named in a model, "
                      "so this layer's outputs are unknown",
                      hint="declare its shapes as data: `custom_layers:` in the spec or "
                      "[tool.shapecheck.custom_layers] in pyproject.toml (docs/custom-layers.md)",
                      arg="type")

    if type_name in KERAS_LAYERS:
        raise Finding("SC406", f"shapecheck has no rule for {type_name} yet",
                      hint="layers after it are not checked; see docs/layers.md for the "
                      "supported list", arg="type")
    guess = did_you_mean(type_name, [*REGISTRY, *KERAS_LAYERS])
    raise Finding("SC401", f"unknown layer type {type_name!r}", arg="type",
                  hint=f"did you mean {guess!r}?" if guess else
                  "use a Keras 3 layer class name, e.g. LSTM, Dense; for a class of your own, "
                  "declare its shapes in custom_layers (docs/custom-layers.md)")


def match(custom: Mapping[str, Rule], type_name: str) -> Rule | None:
    """The declared rule for ``type_name``: by its exact name, or by the class name
    after the module (``keras.src.applications.convnext.LayerScale`` is LayerScale)
    when the declaration names no module."""
    r = custom.get(type_name)
    if r is not None:
        return r
    short = re.split(r"[.>]", type_name)[-1]
    return custom.get(short) if short != type_name else None


def params_of(weights: Sequence[Weight]) -> tuple[Dim, Dim]:
    """A layer's parameter count and its trainable part, each weight's count made once."""
    counts = [w.count for w in weights]
    every = total(counts)
    if all(w.trainable for w in weights):
        return every, every
    return every, total(c for c, w in zip(counts, weights) if w.trainable)
