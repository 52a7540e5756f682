# Written for shapecheck's test corpus (Apache-2.0): our own minimal reproduction of a
# shape bug of the kind reported at https://github.com/wanasit/katakana/issues/1
# (a bidirectional encoder's states handed to a decoder of the wrong width).
import tensorflow as tf
from tensorflow.keras import layers

hidden = 48
src_vocab, tgt_vocab = 40, 70

src = tf.keras.Input(shape=(None,), dtype="int32", name="source")
tgt = tf.keras.Input(shape=(None,), dtype="int32", name="target")

enc = layers.Embedding(src_vocab, 32)(src)
_, fh, fc, bh, bc = layers.Bidirectional(layers.LSTM(hidden, return_state=True))(enc)
state_h = layers.Concatenate()([fh, bh])  # 2 * hidden wide
state_c = layers.Concatenate()([fc, bc])

dec = layers.Embedding(tgt_vocab, 32)(tgt)
dec = layers.LSTM(hidden, return_sequences=True)(dec, initial_state=[state_h, state_c])
probs = layers.Dense(tgt_vocab, activation="softmax")(dec)
translator = tf.keras.Model([src, tgt], probs)
