# Written for shapecheck's test corpus (Apache-2.0): our own minimal reproduction of a
# shape bug of the kind reported at https://github.com/keras-team/keras/issues/19964
# (a U-Net built in loops on an input size that is not a multiple of 2**depth).
import keras
from keras import layers


def unet(size, depth=3, base=8):
    inputs = keras.Input(shape=(size, size, 1))
    x = inputs
    skips = []
    for level in range(depth):
        x = layers.Conv2D(base * 2**level, 3, padding="same", activation="relu")(x)
        skips.append(x)
        x = layers.MaxPooling2D(2)(x)  # floor: an odd side loses a row
    for level in reversed(range(depth)):
        x = layers.Conv2DTranspose(base * 2**level, 2, strides=2, padding="same")(x)
        x = layers.Concatenate()([x, skips[level]])
        x = layers.Conv2D(base * 2**level, 3, padding="same", activation="relu")(x)
    outputs = layers.Conv2D(1, 1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs)


model = unet(100)
