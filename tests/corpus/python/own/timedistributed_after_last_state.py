# Written for shapecheck's test corpus (Apache-2.0): our own minimal reproduction of a
# shape bug of the kind reported at https://github.com/keras-team/keras/issues/815
# (a per-timestep Dense after a recurrent layer that returns only its last state).
import keras
from keras import layers

n_frames, n_feats, n_labels = 50, 13, 6

inp = keras.Input(shape=(n_frames, n_feats))
h = layers.GRU(64, return_sequences=True)(inp)
h = layers.GRU(64)(h)  # (None, 64): no time axis left
out = layers.TimeDistributed(layers.Dense(n_labels, activation="softmax"))(h)
tagger = keras.Model(inp, out)
