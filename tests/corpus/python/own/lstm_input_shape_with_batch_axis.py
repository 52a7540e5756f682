# Written for shapecheck's test corpus (Apache-2.0): our own minimal reproduction of a
# shape bug of the kind reported at https://github.com/keras-team/keras/issues/11480
# (the batch axis written into input_shape, so the LSTM sees 4 axes). Keras 2 style.
from keras.layers import LSTM, Dense
from keras.models import Sequential

window, sensors = 12, 6

model = Sequential()
model.add(LSTM(32, input_shape=(1, window, sensors)))
model.add(Dense(1))
