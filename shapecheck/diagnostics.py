"""Diagnostics are data: a stable code, a severity, a message that echoes the values
received, where, and a hint that fixes it. Only the output layer formats them.

Codes: SC1xx reading the input, SC2xx the graph and its references, SC3xx shapes,
SC4xx layer arguments, SC5xx layouts in other frameworks (``--layout``). A code never
changes meaning once released.
"""

from __future__ import annotations

from enum import Enum

from .records import record


class Severity(str, Enum):
    """How bad a finding is. Only errors make a report not ``ok`` (and the command
    exit 1); ``[tool.shapecheck.severity]`` can move a code to another level."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@record
class Location:
    """Where a finding is: the file as given (None for a dict), and the 1-based line
    and column of the key or value to fix, when the format keeps positions."""

    path: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    # In a JSON file written on one line (Keras's to_json), line:col says little: the
    # key path there, ``layers[12].config.axis``.
    json_path: str | None = None
    # In a notebook, line:col are the .ipynb file's (what editors and CI annotations
    # open); the place a person sees is (cell, line in it, column), each 1-based.
    cell: tuple[int, int, int] | None = None

    def place(self) -> str:
        """Where, besides ``path:line:col``, as a person finds it: the key path in a
        one-line JSON file, the cell of a notebook; "" when line:col say it all."""
        if self.cell:
            return f"cell {self.cell[0]}, line {self.cell[1]}, column {self.cell[2]}"
        return self.json_path or ""

    def line_place(self) -> str:
        """Its line for a message: "line 12", or in a notebook "cell 3, line 2"."""
        return f"cell {self.cell[0]}, line {self.cell[1]}" if self.cell else f"line {self.line or '?'}"

    def to_dict(self) -> dict:
        """Line and column, and a notebook's cell (the JSON format's ``location``)."""
        out = {"line": self.line, "column": self.column}
        return {**out, "cell": _cell(self.cell)} if self.cell else out


NOWHERE = Location()


@record
class Code:
    code: str
    severity: Severity
    title: str
    explanation: str


@record
class Diagnostic:
    """One finding: a stable ``code`` (docs/diagnostics.md lists them all), its
    ``severity``, a ``message`` that echoes the values received, where it is, the
    ``layer`` it concerns (None for the file as a whole) and a ``hint`` that fixes
    it, when there is one."""

    code: str
    severity: Severity
    message: str
    location: Location = NOWHERE
    layer: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        """The command line's line: ``path:line:col: CODE (severity) message [layer]``,
        then the hint on a line of its own."""
        return self.line()

    def line(self, path: str | None = None, code: str | None = None) -> str:
        """That line, with ``path`` for a finding without one and ``code`` as shown (the
        output formats colour it)."""
        loc = self.location
        where = f"{loc.path or path or '<dict>'}:{loc.line or 1}:{loc.column or 1}"
        sev = "" if self.severity is Severity.ERROR else f"({self.severity.value}) "
        layer = f" [{self.layer}]" if self.layer else ""
        # after the message: `path:line:col: ` stays what editors' problem matchers parse
        at = f" (at {place})" if (place := loc.place()) else ""
        text = f"{where}: {code or self.code} {sev}{self.message}{layer}{at}"
        return text + f"\n    hint: {self.hint}" if self.hint else text

    def to_dict(self) -> dict:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "layer": self.layer,
            "line": self.location.line,
            "column": self.location.column,
            **({"json_path": self.location.json_path} if self.location.json_path else {}),
            **({"cell": _cell(self.location.cell)} if self.location.cell else {}),
            "hint": self.hint,
        }


def _cell(cell: tuple[int, int, int]) -> dict:
    return {"cell": cell[0], "line": cell[1], "column": cell[2]}


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

CATALOGUE: dict[str, Code] = {
    c.code: c
    for c in (
        Code("SC101", _E, "unreadable input", "The file is not valid YAML or JSON, or not text."),
        Code("SC102", _E, "not a model", "The document is not a model spec: a mapping with `layers:`."),
        Code("SC103", _E, "duplicate key", "A mapping repeats a key; YAML would keep only the last."),
        Code("SC104", _E, "invalid spec field", "A spec field (`inputs`, `dims`, `outputs`, a shape, a "
             "size expression) has a value of the wrong form."),
        Code("SC105", _W, "unknown spec field", "A top-level key the spec format does not define."),
        Code("SC106", _E, "size assumption violated", "A `--dim` binding breaks what `dims:` says of "
             "that size (min, max, multiple_of)."),
        Code("SC108", _E, "unsafe file refused", "An archive member that could escape a folder, a zip "
             "bomb, or an HDF5 link to other files: the file is not read further."),
        Code("SC109", _E, "weights disagree with the config", "A weight stored in the file has "
             "another shape than the model config implies."),
        Code("SC110", _E, "missing optional dependency", "Reading this format needs a package that "
             "is not installed."),
        Code("SC111", _E, "code reference in a config", "A layer argument names a function or class "
             "outside Keras (os.system, builtins.eval...): loading the file in Keras would import it."),
        Code("SC112", _E, "invalid configuration", "`[tool.shapecheck]` in pyproject.toml is not valid "
             "TOML, or has a setting of the wrong form."),
        Code("SC113", _W, "weights not inferred", "`infer-config` found a layer whose stored weights "
             "fit no layer it reads (or not the class the file names); the layer is left out of the "
             "inferred spec and its stored shapes are listed."),
        Code("SC114", _E, "no weights to infer from", "`infer-config` was given an HDF5 file or .keras "
             "archive that holds no Keras layer weights (an archive without model.weights.h5, an HDF5 "
             "file in neither Keras layout), or none it could infer: no spec is written."),
        Code("SC115", _W, "inferred spec does not reproduce the weights", "`infer-config` runs "
             "shapecheck on the spec it writes; a stored shape the spec does not give, an error in it, or "
             "a condition on the sizes it names (SC304) is reported: a shapecheck bug."),
        Code("SC116", _I, "Keras 1 config translated", "A Keras 1 model file: its layers' arguments "
             "are read with the meanings Keras 2's legacy interfaces gave them (nb_filter is filters, "
             "border_mode padding, dim_ordering 'th' channels_first, Merge the merge layer of its "
             "mode), said once per file."),
        Code("SC117", _I, "binding for no size", "A --dim (or dims in pyproject.toml, or analyze(dims=...)) "
             "names a size the model does not have: it does nothing."),
        Code("SC118", _I, "the file holds its model config", "`infer-config` was given a file that "
             "also holds the model's config (a legacy whole-model .h5, a .keras archive): it infers from "
             "the weights alone, by design, and says that `shapecheck FILE` reads the exact model."),
        Code("SC201", _E, "unknown reference", "`inputs`, `initial_state` or `outputs` names a layer or "
             "input that does not exist."),
        Code("SC202", _E, "cycle", "Layers feed each other in a loop; a Keras model is acyclic."),
        Code("SC203", _E, "duplicate layer name", "Two layers (or a layer and an input) share a name; "
             "Keras requires unique names."),
        Code("SC204", _E, "output index out of range", "`name[k]` asks for an output the layer does "
             "not have."),
        Code("SC205", _W, "unused layer", "A layer does not contribute to any model output."),
        Code("SC206", _E, "wrong number of inputs", "A layer is given more or fewer input tensors "
             "than it takes."),
        Code("SC207", _I, "not checked", "A layer that depends on a layer shapecheck could not "
             "analyse; it is not checked."),
        Code("SC301", _E, "rank mismatch", "A layer received a tensor of a rank it does not accept."),
        Code("SC302", _E, "undefined axis", "An axis that a weight is built from is unknown (None)."),
        Code("SC303", _E, "element count mismatch", "A Reshape's target does not hold the same number "
             "of elements as its input."),
        Code("SC304", _W, "condition on sizes", "The model is valid only if a condition on symbolic "
             "sizes holds; shapecheck cannot decide it from `dims:`."),
        Code("SC305", _E, "initial state mismatch", "`initial_state` has the wrong number of tensors or "
             "the wrong widths for the recurrent layer."),
        Code("SC306", _E, "axis size mismatch", "Two sizes that must be equal are provably different."),
        Code("SC307", _W, "Keras's static shape is wrong", "Keras's static shape inference for this "
             "layer disagrees with the shape the layer produces when it runs; the message gives "
             "both and which one the report follows."),
        Code("SC308", _E, "non-positive output size", "A convolution or pooling window does not fit "
             "its input: the output would have zero or fewer elements."),
        Code("SC309", _W, "float values as indices", "A layer that looks up integer ids (Embedding) is "
             "fed float values a layer computed; Keras truncates them to int32."),
        Code("SC310", _E, "size out of range", "A size (read, given as an argument, or computed) is "
             "above 2**40, or a shape has more than 64 axes: no real tensor does; the file is "
             "damaged or hostile."),
        Code("SC401", _E, "unknown layer type", "`type:` is not a Keras 3 layer class name."),
        Code("SC402", _E, "unknown argument", "The layer's constructor has no such argument."),
        Code("SC403", _E, "invalid argument value", "An argument has a value Keras would reject."),
        Code("SC404", _E, "missing argument", "A required constructor argument is missing."),
        Code("SC405", _E, "invalid wrapped layer", "A wrapper (Bidirectional, TimeDistributed) wraps a "
             "layer it cannot wrap, or its forward and backward layers disagree."),
        Code("SC406", _E, "layer not supported yet", "A Keras layer shapecheck has no rule for; layers "
             "that depend on it are not checked."),
        Code("SC407", _W, "argument ignored", "A Keras file gives a layer an argument shapecheck does "
             "not know; it was ignored."),
        Code("SC408", _E, "custom or code layer", "A layer class that is not Keras's own, or a Lambda: "
             "shapecheck never imports or runs code named in a model, so its outputs are unknown."),
        Code("SC409", _E, "invalid custom layer rule", "A declared custom-layer rule (`custom_layers:`) "
             "is malformed, or would replace a Keras layer's own rule."),
        Code("SC410", _W, "code layer with a declared shape", "A Lambda's function is never run; "
             "its `output_shape`, given as data, is taken as its output (as Keras does). In Python "
             "source, the reader follows the file's own `output_shape` function, or else the Lambda's "
             "function, as Keras infers the shape, and takes what that gives."),
        Code("SC411", _W, "output shape taken from the file", "shapecheck has no rule for this Keras "
             "operation or layer, and the file records its output shape (Keras 3 writes every tensor's "
             "shape where it is consumed; tf.keras a layer's input shape in its build_config): that "
             "shape stands for the layer's output, so the layers after it are still checked. It is not "
             "derived, and any weights of the layer are not counted."),
        Code("SC601", _W, "Python not followed", "The Python reader meets code it does not follow (a "
             "subclassed Model or Layer whose call() it cannot follow, or a Model subclass the file never "
             "builds; a model built from values it cannot know): what that code builds is not checked."),
        Code("SC602", _W, "value not known", "A value the model depends on comes from data or from code "
             "the reader does not read (len(tokenizer.word_index), a condition on it): the message says "
             "what the reader assumed or left out; --dim NAME=VALUE binds it."),
        Code("SC604", _I, "value from data kept as a named size", "A size the model depends on comes "
             "from data or from code the reader does not read (vocab_size = len(tokenizer.word_index) + 1, "
             "x_train.shape[1]): it stays a named size, so shapes and weights are given in terms of it "
             "((vocab_size, 128)); --dim NAME=VALUE binds it."),
        Code("SC606", _W, "subclassed model left unbuilt", "`model.build(input_shape)` on a Model "
             "subclass without a build() method of its own: Keras 3 marks it built without building its "
             "layers, so summary() lists them unbuilt, with 0 parameters. Calling "
             "the model on a tensor (keras.Input(shape=...)) builds it."),
        Code("SC607", _E, "data the model does not take", "`fit()`, `evaluate()` or `predict()` gives "
             "a model data of a shape it does not take (x of shape (60000, 28, 28) to a model built for "
             "(None, 784), images of 256x256 to one built for 180x180), or labels its loss does not take "
             "(class ids to categorical_crossentropy), fit()'s validation_data included: Keras checks "
             "the data as the model's input, or the first layer or the loss that cannot take it fails, "
             "and the call raises (at the end of the first epoch, for validation_data)."),
        Code("SC608", _W, "variable Keras 3 does not track", "A layer makes a weight with "
             "`tf.Variable` instead of `add_weight`: tf_keras tracks it as one of the layer's weights, "
             "Keras 3 does not, so with Keras 3 it is not trained, not saved by model.save() and not "
             "counted by summary(). The layer still computes with it: its output is checked."),
        Code("SC609", _W, "layer made in call() is not tracked", "A Layer or Model subclass's call() "
             "makes a layer with weights (`layers.Dense(4)(x)` inside call()), or calls one it does not "
             "hold as an attribute. Keras tracks a layer's sublayers by its attributes: the weights of "
             "this one are not the layer's, so Keras neither counts them (summary() and count_params() "
             "leave them out) nor trains them, and a layer made in call() is made anew at every call. "
             "Its output is checked; its weights are left out of the counts, as Keras leaves them."),
        Code("SC605", _E, "not in Keras 3", "The file uses what Keras 3 does not have, such as "
             "TensorFlow's get_shape() on a Keras tensor, or a TensorFlow function or Keras 2's backend "
             "(K.mean) on one outside a Lambda: Keras fails there, before any shape is checked."),
        Code("SC603", _E, "Python too long to follow", "The file takes more steps, deeper calls or "
             "larger values than the reader allows (a loop that does not end, a runaway recursion, "
             "10**10**10): it stops there, and reports the models built before."),
        Code("SC501", _W, "no equivalent in the framework", "`--layout`: the framework has no module "
             "or operator that computes this layer with these arguments (GRU reset_after=False in "
             "PyTorch, an LSTM with another activation...); no layout is invented, and the layer "
             "has no parameter count there."),
        Code("SC502", _W, "output needs an extra operation", "`--layout`: the weights map exactly, "
             "but the framework's module alone does not return Keras's output (a Bidirectional "
             "merge_mode other than concat in PyTorch, go_backwards); the hint says what to add."),
        Code("SC503", _W, "layout not known", "`--layout`: shapecheck has no layout for this layer "
             "type (or this configuration of it) in the framework; none is guessed, and the layer "
             "has no parameter count there."),
    )
}


def make(
    code: str,
    message: str,
    location: Location = NOWHERE,
    layer: str | None = None,
    hint: str | None = None,
) -> Diagnostic:
    return Diagnostic(code, CATALOGUE[code].severity, message, location, layer, hint)


class Finding(Exception):
    """Raised by a rule (or the argument checks before it) when a layer cannot be
    built; the engine turns it into a Diagnostic at the layer's location, or at the
    argument's when ``arg`` names one."""

    def __init__(self, code: str, message: str, hint: str | None = None, arg: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint
        self.arg = arg
        self.config = None  # the LayerConfig whose ``arg`` is meant; set by rules.apply


def did_you_mean(word: str, options) -> str | None:
    import difflib

    options = list(options)
    lower = {o.lower(): o for o in options}
    if word.lower() in lower:
        return lower[word.lower()]
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None
