"""Realistic wrong implementations of the Week 1 "Convolutional networks in Keras" functions."""
from graders.mutants import Mutant

HAPPY_MODEL = [
    Mutant("happyModel", "no_batchnorm",
           "the BatchNormalization layer (axis=3) between the convolution and the ReLU is missing.",
           """
def happyModel():
    return keras.Sequential([
        keras.Input(shape=(64, 64, 3)),
        layers.ZeroPadding2D(padding=3),
        layers.Conv2D(32, (7, 7)),
        layers.ReLU(),
        layers.MaxPool2D(),
        layers.Flatten(),
        layers.Dense(1, activation="sigmoid"),
    ])
"""),
    Mutant("happyModel", "kernel_3",
           "the convolution uses 3x3 filters; the architecture asks for 32 filters of 7x7.",
           """
def happyModel():
    return keras.Sequential([
        keras.Input(shape=(64, 64, 3)),
        layers.ZeroPadding2D(padding=3),
        layers.Conv2D(32, (3, 3)),
        layers.BatchNormalization(axis=3),
        layers.ReLU(),
        layers.MaxPool2D(),
        layers.Flatten(),
        layers.Dense(1, activation="sigmoid"),
    ])
"""),
    Mutant("happyModel", "no_sigmoid",
           "the last Dense layer has no sigmoid, so it outputs unbounded scores instead of "
           "probabilities; use activation=\"sigmoid\".",
           """
def happyModel():
    return keras.Sequential([
        keras.Input(shape=(64, 64, 3)),
        layers.ZeroPadding2D(padding=3),
        layers.Conv2D(32, (7, 7)),
        layers.BatchNormalization(axis=3),
        layers.ReLU(),
        layers.MaxPool2D(),
        layers.Flatten(),
        layers.Dense(1),
    ])
"""),
    Mutant("happyModel", "relu_before_batchnorm",
           "ReLU and BatchNormalization are swapped; normalise the convolution's output first, "
           "then apply the ReLU.",
           """
def happyModel():
    return keras.Sequential([
        keras.Input(shape=(64, 64, 3)),
        layers.ZeroPadding2D(padding=3),
        layers.Conv2D(32, (7, 7)),
        layers.ReLU(),
        layers.BatchNormalization(axis=3),
        layers.MaxPool2D(),
        layers.Flatten(),
        layers.Dense(1, activation="sigmoid"),
    ])
"""),
]

CONVOLUTIONAL_MODEL = [
    Mutant("convolutional_model", "first_pool_4x4",
           "the first max-pool has a 4x4 window; it should be 8x8 with stride 8 (the second "
           "one is 4x4 with stride 4).",
           """
def convolutional_model(input_shape):
    inputs = keras.Input(shape=input_shape)
    Z = layers.Conv2D(8, (4, 4), padding="same", activation="relu")(inputs)
    Z = layers.MaxPool2D((4, 4), padding="same")(Z)
    Z = layers.Conv2D(16, (2, 2), padding="same", activation="relu")(Z)
    Z = layers.MaxPool2D((4, 4), padding="same")(Z)
    outputs = layers.Dense(6, activation="softmax")(layers.Flatten()(Z))
    return keras.Model(inputs, outputs)
"""),
    Mutant("convolutional_model", "valid_padding",
           "the convolutions use the default padding=\"valid\", which shrinks the image; the "
           "architecture asks for padding=\"same\".",
           """
def convolutional_model(input_shape):
    inputs = keras.Input(shape=input_shape)
    Z = layers.Conv2D(8, (4, 4), activation="relu")(inputs)
    Z = layers.MaxPool2D((8, 8), strides=8, padding="same")(Z)
    Z = layers.Conv2D(16, (2, 2), activation="relu")(Z)
    Z = layers.MaxPool2D((4, 4), strides=4, padding="same")(Z)
    outputs = layers.Dense(6, activation="softmax")(layers.Flatten()(Z))
    return keras.Model(inputs, outputs)
"""),
    Mutant("convolutional_model", "hard_coded_64",
           "the input shape is hard-coded to (64, 64, 3); use the input_shape argument.",
           """
def convolutional_model(input_shape):
    inputs = keras.Input(shape=(64, 64, 3))
    Z = layers.Conv2D(8, (4, 4), padding="same", activation="relu")(inputs)
    Z = layers.MaxPool2D((8, 8), strides=8, padding="same")(Z)
    Z = layers.Conv2D(16, (2, 2), padding="same", activation="relu")(Z)
    Z = layers.MaxPool2D((4, 4), strides=4, padding="same")(Z)
    outputs = layers.Dense(6, activation="softmax")(layers.Flatten()(Z))
    return keras.Model(inputs, outputs)
"""),
    Mutant("convolutional_model", "no_softmax",
           "the output layer has no softmax; use Dense(6, activation=\"softmax\") so the six "
           "outputs are probabilities.",
           """
def convolutional_model(input_shape):
    inputs = keras.Input(shape=input_shape)
    Z = layers.Conv2D(8, (4, 4), padding="same", activation="relu")(inputs)
    Z = layers.MaxPool2D((8, 8), strides=8, padding="same")(Z)
    Z = layers.Conv2D(16, (2, 2), padding="same", activation="relu")(Z)
    Z = layers.MaxPool2D((4, 4), strides=4, padding="same")(Z)
    outputs = layers.Dense(6)(layers.Flatten()(Z))
    return keras.Model(inputs, outputs)
"""),
]

MUTANTS = HAPPY_MODEL + CONVOLUTIONAL_MODEL
