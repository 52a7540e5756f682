# Written for shapecheck's test corpus (Apache-2.0): our own minimal reproduction of a
# shape bug of the kind reported at https://github.com/keras-team/keras/issues/12951
# (too many valid convolutions and poolings for a small image).
import tensorflow as tf

widths = [16, 32, 64, 128, 256]

net = tf.keras.Sequential()
net.add(tf.keras.layers.InputLayer(input_shape=(32, 32, 3)))
for w in widths:
    # 32 -> 30 -> 15 -> 13 -> 6 -> 4 -> 2 -> 0: the fourth conv has nothing left
    net.add(tf.keras.layers.Conv2D(w, 3, activation="relu"))
    net.add(tf.keras.layers.MaxPooling2D(2))
net.add(tf.keras.layers.Flatten())
net.add(tf.keras.layers.Dense(10, activation="softmax"))
