# Written for shapecheck's test corpus (Apache-2.0): our own minimal reproduction of a
# shape bug of the kind reported at https://github.com/keras-team/keras/issues/4534
# (a Reshape whose target ignores what the convolution and pooling did to the length).
import tensorflow as tf

chars_per_word, words = 12, 20
L = tf.keras.layers

model = tf.keras.Sequential([
    L.Embedding(80, 16, input_length=chars_per_word * words),
    L.Conv1D(32, 3, activation="relu"),  # 240 -> 238
    L.MaxPooling1D(2),  # 238 -> 119
    L.Reshape((words, 32)),  # 119 * 32 values cannot make 20 * 32
    L.LSTM(64),
])
