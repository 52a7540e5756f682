# Written for shapecheck's test corpus (Apache-2.0): our own minimal reproduction of a
# shape bug of the kind reported at https://github.com/keras-team/keras/issues/16925
# (a skip connection added to a branch that was pooled in between).
import keras
from keras import layers


def down_block(x, filters):
    shortcut = x
    y = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    y = layers.BatchNormalization()(y)
    y = layers.MaxPooling2D(2)(y)  # halves height and width
    return layers.Add()([y, shortcut])  # the shortcut kept the full size


image = keras.Input(shape=(64, 64, 3))
stem = layers.Conv2D(24, 3, padding="same")(image)
out = down_block(stem, 24)
model = keras.Model(image, out)
