"""The seed question's model: a Bidirectional LSTM(384) over (None, 4995, 12) inputs.

"My Bidirectional(LSTM(384)) takes (None, 4995, 12); why are its weights (12, 1536)?"
"""

import keras
from keras import layers

timesteps = 4995
features = 12

inputs = keras.Input(shape=(timesteps, features), name="x")
outputs = layers.Bidirectional(layers.LSTM(384, return_sequences=True), name="bilstm")(inputs)
model = keras.Model(inputs, outputs, name="seed_bilstm")
model.summary()
