"""Small helpers shared by the table tests."""

from __future__ import annotations

import shapecheck


def one_layer(layer: dict, shape: list, **kw):
    """Analyse one layer (named ``l``) on one input of ``shape``: (report, its layer)."""
    spec = {"inputs": {"x": shape}, "layers": [{"name": "l", **layer}], **kw}
    report = shapecheck.analyze(spec)
    return report, report.layers["l"]


def run(layer: dict, *shapes: list, dims: dict | None = None):
    """One layer ``l`` called on inputs ``x0, x1, ...`` (a list when there are several):
    (report, its layer or None)."""
    names = [f"x{i}" for i in range(len(shapes))]
    entry = {"name": "l", **layer}
    if len(shapes) > 1:
        entry["inputs"] = names
    spec = {"inputs": dict(zip(names, shapes)), "layers": [entry]}
    if dims:
        spec["dims"] = dims
    report = shapecheck.analyze(spec)
    return report, report.layers.get("l")


def check_row(layer: dict, shape: list, outputs: list, weights: dict, params: int) -> None:
    """A table row: the layer alone on ``shape`` is clean and gives these outputs, these
    weights (in Keras's order) and this many params."""
    report, got = one_layer(layer, shape)
    assert report.ok, report.diagnostics
    assert not report.diagnostics, report.diagnostics
    assert got.output_shapes == tuple(outputs)
    assert {w.path: w.shape for w in got.weights} == weights
    assert [w.path for w in got.weights] == list(weights)  # Keras's order
    assert got.params == params


def run_program(keras, source: str) -> dict:
    """Run a Python program with Keras, in a fresh session (the oracle: exec in a test,
    never in the product): the names it binds."""
    keras.backend.clear_session(free_memory=False)
    scope: dict = {}
    exec(compile(source, "<program>", "exec"), scope)  # noqa: S102
    return scope


def program_facts(keras, source: str) -> dict:
    """Run a Python program that builds ``model`` with Keras: its name, each layer's output
    shapes (first call) and params, and the total."""
    model = run_program(keras, source)["model"]
    facts = {}
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        outs = layer._inbound_nodes[0].output_tensors
        facts[layer.name] = ([tuple(t.shape) for t in outs], layer.count_params())
    return {"name": model.name, "layers": facts, "total": model.count_params()}


#: keras.io's "Text classification with Transformer" block, a Layer subclass with sublayers
#: (``keras`` and ``layers`` are the importing file's: Keras 3's, or tensorflow.keras's).
TRANSFORMER_BLOCK = '''\
class TransformerBlock(layers.Layer):  # keras.io: text classification with Transformer
    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
        super().__init__()
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
        self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(rate)
        self.dropout2 = layers.Dropout(rate)

    def call(self, inputs):
        attn_output = self.dropout1(self.att(inputs, inputs))
        out1 = self.layernorm1(inputs + attn_output)
        return self.layernorm2(out1 + self.dropout2(self.ffn(out1)))
'''

#: keras.io's "Text classification with Transformer" embedding (Keras 3): its call() embeds
#: the positions ``ops.arange`` makes, a constant tensor of the layer's own.
TOKEN_AND_POSITION_EMBEDDING = '''\
class TokenAndPositionEmbedding(layers.Layer):  # keras.io: text classification with Transformer
    def __init__(self, maxlen, vocab_size, embed_dim):
        super().__init__()
        self.token_emb = layers.Embedding(input_dim=vocab_size, output_dim=embed_dim)
        self.pos_emb = layers.Embedding(input_dim=maxlen, output_dim=embed_dim)

    def call(self, x):
        maxlen = ops.shape(x)[-1]
        positions = ops.arange(start=0, stop=maxlen, step=1)
        positions = self.pos_emb(positions)
        x = self.token_emb(x)
        return x + positions
'''

