# Written for shapecheck's test corpus (Apache-2.0): our own minimal reproduction of a
# shape bug of the kind reported at https://github.com/keras-team/tf-keras/issues/440
# (one-hot encoded text fed to an Embedding, which adds an axis).
import tensorflow as tf
from tensorflow.keras import layers


def make_tagger(vocab_size, seq_len, n_tags):
    tokens = layers.Input(shape=(seq_len, vocab_size))  # already one-hot
    x = layers.Embedding(vocab_size, 64)(tokens)  # (None, seq_len, vocab_size, 64)
    x = layers.LSTM(128, return_sequences=True)(x)
    tags = layers.Dense(n_tags, activation="softmax")(x)
    return tf.keras.Model(tokens, tags)


tagger = make_tagger(5000, 40, 12)
