# Written for shapecheck's test corpus (Apache-2.0): our own minimal reproduction of a
# shape bug of the kind reported at https://github.com/keras-team/keras/issues/2721
# (two recurrent layers stacked, the first one returning only its last state).
import keras
from keras import layers

steps, features = 30, 8

forecaster = keras.Sequential(name="forecaster")
forecaster.add(keras.Input(shape=(steps, features)))
forecaster.add(layers.LSTM(64))  # (None, 64): return_sequences is False
forecaster.add(layers.LSTM(32))  # needs (batch, time, features): rejected here
forecaster.add(layers.Dense(1))
