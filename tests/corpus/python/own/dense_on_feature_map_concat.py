# Written for shapecheck's test corpus (Apache-2.0): our own minimal reproduction of a
# shape bug of the kind reported at https://github.com/keras-team/keras-contrib/issues/229
# and https://github.com/keras-team/keras/issues/2724 (Dense applied to a feature map
# without Flatten: it maps only the last axis, and the 4-D result meets a 2-D tensor).
import keras
from keras import layers

photo = keras.Input(shape=(48, 48, 1), name="photo")
meta = keras.Input(shape=(5,), name="meta")

x = layers.Conv2D(16, 3, activation="relu")(photo)
x = layers.MaxPooling2D(2)(x)
x = layers.Dense(32, activation="relu")(x)  # (None, 23, 23, 32), not (None, 32)
joined = layers.Concatenate()([x, meta])
score = layers.Dense(1, activation="sigmoid")(joined)
model = keras.Model(inputs=[photo, meta], outputs=score)
