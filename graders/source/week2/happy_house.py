# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Week 2 · Keras tutorial: the Happy House
#
# Keras lets you try an idea for a network in a few lines, which is what you want when most of
# the work is *trying architectures*. This notebook is a tour of the Keras workflow on a small
# problem, and this time the architecture is up to you.
#
# **The story.** You are spending a holiday with five friends in a house near the sea, and the
# house has one rule: whoever comes in must be happy. A camera at the front door takes a picture
# of every visitor. Your job: a model that looks at the picture and opens the door only for
# happy people.
#
# **What you will write:** `HappyModel(input_shape)`, any Keras model that maps a 64×64×3 picture
# to the probability that the person is happy. It is graded by training it for 10 epochs and
# measuring its accuracy on the test pictures: **at least 75%** earns the points.

# %%
from utils.quiet_import import import_tensorflow

import_tensorflow()  # TensorFlow's start-up notices would go to stderr (see utils/quiet_import.py)

import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
import keras
from keras import layers

from utils.architecture import draw_model
from utils.checks import notebook_checks
from utils.datasets import load_happy
from utils.training import contact_sheet, epochs, show_history, show_predictions

keras.utils.set_random_seed(1)
check, check_model, stand_ins = notebook_checks("week2_happy_house")  # this notebook's test cases

# %% [markdown]
# ## 1. The pictures
#
# 600 training and 150 test pictures, 64×64 pixels in colour, labelled **1 (happy)** or
# **0 (not happy)**. As in week 1, the pixels are scaled to $[0, 1]$ and the labels become a column.
#
# The pictures are not photographs. The original course's photos cannot be downloaded here, so
# this course draws its visitors with its own generator (`utils/synth`, described in
# `data/README.md`): faces with different hair, hats, glasses, head poses, lighting and blur, whose
# mouth and eyes smile or not. Everything your model learns in this notebook, it learns from
# these drawings.

# %%
X_train_orig, Y_train_orig, X_test_orig, Y_test_orig, classes = load_happy()
X_train, X_test = X_train_orig / 255.0, X_test_orig / 255.0
Y_train, Y_test = Y_train_orig.T, Y_test_orig.T
print("number of training examples =", X_train.shape[0])
print("number of test examples =", X_test.shape[0])
print("X_train shape:", X_train.shape, " Y_train shape:", Y_train.shape)
print("X_test shape: ", X_test.shape, " Y_test shape: ", Y_test.shape)

# %%
contact_sheet(X_train_orig, Y_train_orig, per_class=10, class_names=["not happy", "happy"])
plt.show()

# %% [markdown]
# ## 2. Your model: `HappyModel`
#
# Build any model you like with `input_shape` as its input and **one sigmoid output**. If you want
# a starting point, this is the one the original course suggested, and it passes comfortably:
#
# `ZeroPadding2D(3)` → `Conv2D(32, 7×7, stride 1)` → `BatchNormalization(axis=3)` → `ReLU` →
# `MaxPool2D(2×2)` → `Flatten` → `Dense(1, sigmoid)`.
#
# Things worth trying afterwards: more filters, a second convolution block, `Dropout`,
# a smaller dense layer. Keep it small enough to train in well under a minute on a laptop: the
# grader trains it for 10 epochs.
#
# Hint: write it with the functional API (`keras.Input`, call each layer on a tensor,
# `keras.Model(inputs=..., outputs=...)`) or with `keras.Sequential([keras.Input(...), ...])`.

# %% nbgrader={"grade": false, "grade_id": "HappyModel_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: HappyModel
def HappyModel(input_shape):
    """A binary classifier for Happy House pictures.

    Arguments:
    input_shape -- shape of one picture, (n_H, n_W, n_C)

    Returns:
    model -- keras.Model taking (m, n_H, n_W, n_C) pictures, giving (m, 1) probabilities in [0, 1]
    """
    # A skeleton for the functional API; the architecture is yours (see the suggestion above).
    # Step 1 (≈ 1 line): the input tensor, keras.Input of shape input_shape -> X_input
    ### BEGIN SOLUTION
    X_input = keras.Input(shape=input_shape)
    ### END SOLUTION
    # Step 2 (≈ 5 lines for the suggestion): the hidden layers, each created and called on the
    #   previous tensor: X = layers.Something(...)(X_input), then X = layers.Other(...)(X), ...
    ### BEGIN SOLUTION
    X = layers.ZeroPadding2D((3, 3))(X_input)
    X = layers.Conv2D(32, (7, 7), strides=(1, 1))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.ReLU()(X)
    X = layers.MaxPool2D((2, 2))(X)
    ### END SOLUTION
    # Step 3 (≈ 2 lines): flatten, then one output unit with a sigmoid activation -> X
    ### BEGIN SOLUTION
    X = layers.Flatten()(X)
    X = layers.Dense(1, activation="sigmoid")(X)
    ### END SOLUTION
    # Step 4 (≈ 1 line): the keras.Model from X_input to X -> model
    ### BEGIN SOLUTION
    model = keras.Model(inputs=X_input, outputs=X, name="HappyModel")
    ### END SOLUTION
    return model


# %% [markdown]
# ## 3. Create, compile, fit, evaluate
#
# Every Keras model goes through the same four steps:
#
# 1. **create** it: `model = HappyModel(X_train.shape[1:])`;
# 2. **compile** it: `model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])`
#    chooses how to learn (Adam), what to minimise (the cross-entropy of a yes/no prediction) and
#    what to report;
# 3. **fit** it: `model.fit(x=X_train, y=Y_train, epochs=..., batch_size=...)` runs the training
#    loop for you: forward pass, loss, backward pass, update, minibatch after minibatch;
# 4. **evaluate** it: `model.evaluate(x=X_test, y=Y_test)` returns the loss and the metrics on
#    pictures the model has never seen.
#
# `validation_split=0.1` keeps the last 10% of the training pictures (60) out of training and
# reports the loss and accuracy on them after every epoch (`val_loss`, `val_accuracy`): compare
# your variations of `HappyModel` on those. The test pictures are used only by the final
# `evaluate`, so the test accuracy stays an honest measure of pictures the model has never seen.
# `verbose=2` prints one line per epoch; the ten epochs take about 20 seconds on two CPU
# cores.

# %%
happy_model = HappyModel(X_train.shape[1:])
happy_model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
history = happy_model.fit(x=X_train, y=Y_train, epochs=epochs(10), batch_size=16,
                          validation_split=0.1, verbose=2)
loss, accuracy = happy_model.evaluate(x=X_test, y=Y_test, verbose=0)
print(f"Test loss = {loss:.3f}")
print(f"Test accuracy = {accuracy:.3f}")

# %%
show_history(history, "HappyModel")
plt.show()

# %% [markdown]
# ### The graded test
#
# The next cell builds a fresh model with your function, trains it exactly as above for 10 epochs
# (seeded, so the result is repeatable), and checks two things: the model's shape (it accepts
# `input_shape` and returns one probability per picture) and a test accuracy of at least 0.75.
# It takes 15 to 30 seconds on two CPU cores and prints a line per epoch. The grader counts
# the predictions itself, against the test labels, so only what the model predicts matters.

# %% nbgrader={"grade": true, "grade_id": "HappyModel_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
def happy_predictions(make_model, seed=0, n_epochs=10):
    """The labels (0/1) a model made by ``make_model`` predicts for X_test after training."""
    keras.utils.set_random_seed(seed)
    model = make_model(X_train.shape[1:])
    assert isinstance(model, keras.Model), \
        f"HappyModel should return a keras.Model, got {type(model).__name__}"
    assert tuple(model.inputs[0].shape[1:]) == X_train.shape[1:], \
        f"the model's input is {tuple(model.inputs[0].shape[1:])}, expected input_shape {X_train.shape[1:]}"
    assert tuple(model.outputs[0].shape[1:]) == (1,), \
        f"got outputs of shape (m, {tuple(model.outputs[0].shape[1:])}); the model should output one probability per picture, shape (m, 1)."
    probabilities = np.asarray(model(X_test[:8], training=False))
    assert np.all((probabilities >= 0) & (probabilities <= 1)), \
        "the outputs are not probabilities: end the model with Dense(1, activation='sigmoid')"
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(X_train, Y_train, epochs=n_epochs, batch_size=16, verbose=2)  # a line per epoch
    return (np.asarray(model.predict(X_test, verbose=0)) > 0.5).astype(int).ravel()


graded_predictions = happy_predictions(HappyModel)
graded_accuracy = float(np.mean(graded_predictions == Y_test.ravel()))
print(f"test accuracy after 10 epochs: {graded_accuracy:.3f} (needs 0.75)")
if graded_accuracy < 0.75:
    print("Check that the model ends with Dense(1, activation='sigmoid') and has at least one "
          "convolution; the suggested architecture reaches about 0.9.")
# the grader counts the predictions itself, against the test labels
check("HappyModel_test_accuracy", graded_predictions, name="HappyModel's test predictions",
      minimum=0.75, labels=Y_test.ravel())
### BEGIN HIDDEN TESTS
other = HappyModel((32, 48, 3))
assert tuple(other.inputs[0].shape[1:]) == (32, 48, 3), \
    "HappyModel must build its input from the input_shape argument, not a fixed (64, 64, 3)."
assert tuple(other.outputs[0].shape[1:]) == (1,), "HappyModel must give one output per picture"
check("HappyModel_hidden_other_input_shape",
      (tuple(int(n) for n in other.inputs[0].shape[1:]), tuple(int(n) for n in other.outputs[0].shape[1:])),
      name="(input shape, output shape) of HappyModel((32, 48, 3))")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Look inside the model
#
# `summary()` lists the layers with their output shapes and parameter counts. `draw_model` draws
# the same as a diagram (Keras has `keras.utils.plot_model` for this, but it needs the Graphviz
# program, which many machines lack).

# %%
happy_model.summary()

# %%
draw_model(happy_model, title="HappyModel")
plt.show()

# %% [markdown]
# ## 5. Who is refused at the door?
#
# The test pictures the model gets wrong come first, framed in red (title: predicted / true).

# %%
predicted = (happy_model.predict(X_test, verbose=0) > 0.5).astype(int).ravel()
show_predictions(X_test_orig, Y_test_orig, predicted, class_names=["not happy", "happy"],
                 columns=8, rows=2)
plt.show()

# %% [markdown]
# ## 6. Try your own picture
#
# Any picture file works: `keras.utils.load_img` reads it (JPEG, PNG, ...) and resizes it to
# 64×64. The cell below saves one test picture to a file and runs the model on it; change
# `image_path` to a photo of your own. A photo of a real face is far from the drawings the model
# was trained on, so do not be surprised if it guesses; that difference between training data
# and the real world is one of the main lessons of applied deep learning.

# %%
def predict_image(model, image_path, size=(64, 64)):
    """Load any image file, resize it to ``size``, and return (image array, probability of happy)."""
    image = keras.utils.load_img(image_path, target_size=size)
    x = keras.utils.img_to_array(image)[np.newaxis] / 255.0     # (1, 64, 64, 3)
    return np.asarray(image), float(model.predict(x, verbose=0)[0, 0])


image_path = os.path.join(tempfile.gettempdir(), "happy_house_visitor.png")
plt.imsave(image_path, X_test_orig[3])          # replace image_path with your own photo

image, p_happy = predict_image(happy_model, image_path)
plt.figure(figsize=(2.5, 2.5))
plt.imshow(image)
plt.axis("off")
plt.title(f"P(happy) = {p_happy:.2f}: " + ("come in!" if p_happy > 0.5 else "door stays shut"))
plt.show()

# %% [markdown]
# ## What you should remember
#
# - Keras turns an architecture idea into a trained model in four steps: create, compile, fit,
#   evaluate. `summary()` and a diagram catch shape mistakes before you spend time training.
# - With a small dataset the validation accuracy is noisy from epoch to epoch; judge a model on
#   its learning curves, not on one number.
# - Choose between models with a validation split of the training data; keep the test set for
#   one final measurement.
# - Try your own variations of `HappyModel` and see what they change.
