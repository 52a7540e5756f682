# Written for shapecheck's test corpus (Apache-2.0): our own minimal reproduction of a
# shape bug of the kind reported at https://github.com/keras-team/keras/issues/10128
# (three conv + pool stages on sequences too short for them). Keras 2 style.
from keras.layers import Conv1D, Dense, Embedding, GlobalMaxPooling1D, MaxPooling1D
from keras.models import Sequential

max_words = 25  # tokens kept per title
vocab = len(word_index) + 1  # noqa: F821  (word_index: a Tokenizer fitted on the corpus)

clf = Sequential()
clf.add(Embedding(vocab, 50, input_length=max_words))
clf.add(Conv1D(64, 5, activation="relu"))  # 21
clf.add(MaxPooling1D(2))  # 10
clf.add(Conv1D(64, 5, activation="relu"))  # 6
clf.add(MaxPooling1D(2))  # 3
clf.add(Conv1D(64, 5, activation="relu"))  # 3 - 5 + 1 < 1
clf.add(GlobalMaxPooling1D())
clf.add(Dense(4, activation="softmax"))
