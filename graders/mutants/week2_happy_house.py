"""Realistic wrong implementations of the Week 2 "Happy House" function."""
from graders.mutants import Mutant

MUTANTS = [
    Mutant("HappyModel", "softmax_one_unit",
           "a softmax over a single unit is always 1; use activation=\"sigmoid\" for one output.",
           """
def HappyModel(input_shape):
    inputs = keras.Input(shape=input_shape)
    X = layers.Conv2D(32, (7, 7), padding="same", activation="relu")(inputs)
    X = layers.MaxPool2D((2, 2))(layers.BatchNormalization(axis=3)(X))
    outputs = layers.Dense(1, activation="softmax")(layers.Flatten()(X))
    return keras.Model(inputs, outputs)
"""),
    Mutant("HappyModel", "two_outputs",
           # the test cell's own shape check says it before any value is compared
           "the model should output one probability per picture, shape (m, 1).",
           """
def HappyModel(input_shape):
    inputs = keras.Input(shape=input_shape)
    X = layers.Conv2D(32, (7, 7), padding="same", activation="relu")(inputs)
    X = layers.MaxPool2D((2, 2))(layers.BatchNormalization(axis=3)(X))
    outputs = layers.Dense(2, activation="softmax")(layers.Flatten()(X))
    return keras.Model(inputs, outputs)
"""),
    Mutant("HappyModel", "fixed_input_shape",
           "HappyModel must build its input from the input_shape argument, not a fixed (64, 64, 3).",
           """
def HappyModel(input_shape):
    inputs = keras.Input(shape=(64, 64, 3))
    X = layers.ZeroPadding2D((3, 3))(inputs)
    X = layers.Conv2D(32, (7, 7))(X)
    X = layers.ReLU()(layers.BatchNormalization(axis=3)(X))
    X = layers.MaxPool2D((2, 2))(X)
    outputs = layers.Dense(1, activation="sigmoid")(layers.Flatten()(X))
    return keras.Model(inputs, outputs)
"""),
]
