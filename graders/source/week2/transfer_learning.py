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
# # Week 2 · Transfer learning and data augmentation
#
# Training a ConvNet from nothing needs a lot of pictures. Most real projects have a few dozen
# per class. The lecture's answer is to **start from a network someone already trained** on a
# big, related task, keep what it learnt, and train only what is new; and to **make more
# training pictures out of the ones you have** (mirroring, cropping, rotating, shifting colours).
#
# **The task.** A smart-home panel should react to three hand gestures: **L** (thumb and index
# finger: lights), **horns** (index and little finger: music) and **call me** (thumb and little
# finger: phone). You have 64 pictures of each, 192 in all, and 300 more to test on.
#
# **The pretrained network.** In "Residual networks" you built a ResNet-50 and loaded weights
# trained on SIGNS, 1080 pictures of hands showing 0 to 5 fingers. It has learnt to see hands
# and fingers, but never these three gestures. That is the situation transfer learning is for.
# (The original assignment started from MobileNetV2 trained on ImageNet; section 8 uses it when
# you have its weight file.)
#
# **What you will write** (each in a cell marked `# GRADED FUNCTION`):
#
# | function | what it does |
# |---|---|
# | `data_augmenter` | a Keras pipeline of random flips, rotations, shifts and contrast changes |
# | `pca_colour_shift` | AlexNet's "PCA colour augmentation": one colour shift along the picture's main colour directions |
# | `transfer_model` | a pretrained base, frozen (all of it or its first layers), with a new classifier on top |
# | `precompute_activations` | run a frozen base once over a set of pictures and keep its outputs |
# | `ten_crops` | the 10 crops of test-time augmentation: centre, 4 corners, and their mirror images |
#
# **How the tests work**, as in the earlier notebooks: the test cell under each function prints
# what it expected and what it got, and names a common mistake when it recognises one. The tests
# use tiny networks and pictures drawn from NumPy seeds, so they run in a second or two.
#
# The whole notebook runs in about three minutes on two CPU cores; sections 6 and 7 take most
# of it, and the long cell shows a progress bar.

# %%
from utils.quiet_import import import_tensorflow

import_tensorflow()  # TensorFlow's start-up notices would go to stderr (see utils/quiet_import.py)

import time

import keras
import matplotlib.pyplot as plt
import numpy as np
from keras import layers

from utils.checks import notebook_checks
from utils.transfer import seeded_images, assign_seeded_weights, toy_base, with_input

plt.rcParams["figure.figsize"] = (9.0, 4.0)
check, check_model, stand_ins = notebook_checks("week2_transfer_learning")  # this notebook's test cases

# %% [markdown]
# ## 1. The gestures
#
# The pictures are drawn by the course (`utils/synth/gestures.py`) with the same hands, walls and
# camera as SIGNS; only the fingers differ. Labels: 0 = L, 1 = horns, 2 = call me.

# %%
from utils.datasets import load_gestures
from utils.synth.gestures import NAMES
from utils.training import contact_sheet

X_train_orig, Y_train_orig, X_test_orig, Y_test_orig, classes = load_gestures()
X_train, X_test = X_train_orig / np.float32(255), X_test_orig / np.float32(255)
y_train, y_test = Y_train_orig.ravel(), Y_test_orig.ravel()
print("X_train:", X_train.shape, " X_test:", X_test.shape, " classes:", NAMES)
contact_sheet(X_train_orig, y_train, per_class=8, class_names=NAMES);

# %% [markdown]
# ## 2. The pretrained network
#
# `load_signs_resnet50()` rebuilds the ResNet-50 of "Residual networks" (its architecture is
# stored in `data/weights/resnet50_signs.json`) and loads its trained weights. Its last layer,
# `Dense(6)`, is the SIGNS classifier: it can only say 0 to 5. What does it make of the gestures?

# %%
from utils.transfer import load_signs_resnet50, predict_proba

resnet = load_signs_resnet50()
signs_votes = predict_proba(resnet, X_train).argmax(axis=1)
for gesture, name in enumerate(NAMES):
    counts = np.bincount(signs_votes[y_train == gesture], minlength=6)
    print(f"{name:16s} read as SIGNS digits 0-5: {counts}")

# %% [markdown]
# Mostly "1", and "3" for many L's: the network sees raised fingers, but its classes cannot say
# *which* fingers, so three different gestures land on the same digit. Everything before the
# classifier is still
# useful: the layer just before it holds **2048 numbers per picture**, the network's description
# of what it sees. Transfer learning keeps that description and trains a new classifier on it:
#
# ```
# picture (64, 64, 3) ─ ResNet-50 without its head (frozen) ─ 2048 features ─ Dense(3), softmax
# ```
#
# Before that, two ways to get more out of 192 pictures.
#
# ## 3. Data augmentation
#
# The lecture lists the common ways to make new training pictures from old ones, each keeping
# the label: **mirroring**, **random cropping**, small **rotations** (and shearing, local
# warping, less used), and **colour shifting**. Keras has a layer for each; they are random in
# training and do nothing when the model predicts (`training=False`).
#
# Choose them with the task in mind: a hand mirrored left to right is still the same gesture
# (people use either hand), but upside down it is not something the camera will see.
#
# ### 3.1 A Keras augmentation pipeline
#
# Build a `keras.Sequential` named `"data_augmenter"` with, in this order:
#
# | layer | what it does |
# |---|---|
# | `layers.RandomFlip("horizontal")` | mirror left-right, half of the time |
# | `layers.RandomRotation(0.05)` | rotate by up to 0.05 of a full turn (18°) either way |
# | `layers.RandomTranslation(0.1, 0.1)` | shift by up to 10% of the height and width (a random crop that keeps the size) |
# | `layers.RandomContrast(0.2, value_range=(0, 1))` | stretch or squeeze the contrast by up to 20% (our pixels are in [0, 1]) |
#
# Do not give it an `Input`: it will be used on pictures of any size.

# %% nbgrader={"grade": false, "grade_id": "data_augmenter_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: data_augmenter
def data_augmenter():
    """The training pictures' augmentation: random flip, rotation, shift and contrast.

    Returns:
    augmenter -- keras.Sequential named "data_augmenter"; maps pictures (m, n_H, n_W, 3) in
                 [0, 1] to pictures of the same shape (unchanged when training=False)
    """
    # (≈ 6 lines) keras.Sequential([...], name="data_augmenter") with the four layers of the table
    ### BEGIN SOLUTION
    augmenter = keras.Sequential([
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.05),
        layers.RandomTranslation(0.1, 0.1),
        layers.RandomContrast(0.2, value_range=(0, 1)),
    ], name="data_augmenter")
    ### END SOLUTION
    return augmenter


# %% nbgrader={"grade": true, "grade_id": "data_augmenter_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check_model("data_augmenter_layers", lambda: with_input(data_augmenter(), (64, 64, 3)))
pictures = seeded_images(0, 2, (16, 16, 3))
check("data_augmenter_at_inference", np.asarray(data_augmenter()(pictures, training=False)),
      name="pictures with training=False")
### BEGIN HIDDEN TESTS
check_model("data_augmenter_hidden_32x48", lambda: with_input(data_augmenter(), (32, 48, 3)))
### END HIDDEN TESTS

# %% [markdown]
# Eight random versions of one training picture. Each call draws new ones, so run the cell again
# to see others.

# %%
augmenter = data_augmenter()
copies = np.asarray(augmenter(np.repeat(X_train[:1], 8, axis=0), training=True))
fig, axes = plt.subplots(1, 9, figsize=(13, 1.8))
for ax, picture, title in zip(axes, [X_train[0], *copies], ["original"] + [""] * 8):
    ax.imshow(np.clip(picture, 0, 1))
    ax.set_title(title, fontsize=9)
    ax.axis("off")
plt.show()

# %% [markdown]
# ### 3.2 PCA colour augmentation (AlexNet)
#
# A photograph's colours change with the light: warmer indoors, bluer in shade. AlexNet made its
# network indifferent to that by adding a random colour shift to each training picture, not a
# random one in any direction, but along the directions in which the pixel colours actually vary.
#
# Treat every pixel as a point in RGB space. The 3×3 covariance matrix of those points has
# eigenvectors $p_1, p_2, p_3$ (the main colour directions; for most pictures the first is close
# to "brighter/darker") and eigenvalues $\lambda_1, \lambda_2, \lambda_3$ (how much the colours
# vary along each). With three random numbers $\alpha_i$ (AlexNet drew them from a Gaussian with
# standard deviation 0.1, once per picture per epoch), every pixel gets the same shift
#
# $$\Delta = [p_1, p_2, p_3]\,[\alpha_1 \lambda_1,\ \alpha_2 \lambda_2,\ \alpha_3 \lambda_3]^T.$$
#
# Implement it in NumPy for one picture:
#
# 1. `pixels = image.reshape(-1, 3)`, one row per pixel; their covariance:
#    `np.cov(pixels, rowvar=False)` (it subtracts the mean colour first);
# 2. `np.linalg.eigh(cov)` gives the eigenvalues in ascending order and the eigenvectors as the
#    **columns** of a matrix; `alphas[i]` goes with the i-th of them, in that order;
# 3. the line given in the cell flips each eigenvector's sign so that its largest component is
#    positive (an eigenvector's sign is arbitrary, and different libraries pick differently);
# 4. $\Delta$ = eigenvectors @ (alphas × eigenvalues), added to every pixel, then clipped to [0, 1].

# %% nbgrader={"grade": false, "grade_id": "pca_colour_shift_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: pca_colour_shift
def pca_colour_shift(image, alphas):
    """AlexNet's colour augmentation for one picture.

    Arguments:
    image -- (n_H, n_W, 3) floats in [0, 1]
    alphas -- (3,) random weights, one per principal colour direction (ascending eigenvalues)

    Returns:
    shifted -- (n_H, n_W, 3): image plus the same colour shift at every pixel, clipped to [0, 1]
    """
    # Step 1 (≈ 2 lines): one row per pixel, and the 3x3 covariance of the colour channels
    ### BEGIN SOLUTION
    pixels = image.reshape(-1, 3)
    cov = np.cov(pixels, rowvar=False)
    ### END SOLUTION

    # Step 2 (≈ 1 line): eigenvalues (ascending) and eigenvectors (columns) with np.linalg.eigh
    ### BEGIN SOLUTION
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    ### END SOLUTION

    # given: each eigenvector's largest component made positive
    eigenvectors = eigenvectors * np.sign(eigenvectors[np.abs(eigenvectors).argmax(axis=0), np.arange(3)])

    # Step 3 (≈ 2 lines): the shift, eigenvectors @ (alphas * eigenvalues); add it, clip to [0, 1]
    ### BEGIN SOLUTION
    shift = eigenvectors @ (alphas * eigenvalues)
    shifted = np.clip(image + shift, 0.0, 1.0)
    ### END SOLUTION
    return shifted


# %% nbgrader={"grade": true, "grade_id": "pca_colour_shift_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(1)
image = rng.uniform(0.2, 0.8, size=(4, 5, 3)) * np.array([1.0, 0.7, 0.4])
alphas = rng.normal(0.0, 3.0, size=3)
check("pca_colour_shift_4x5", pca_colour_shift(image, alphas), name="shifted")
bright = np.clip(image + 0.45, 0.0, 1.0)
check("pca_colour_shift_clipped", pca_colour_shift(bright, np.array([0.0, 5.0, 20.0])), name="shifted")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(11)
tall = rng.uniform(0.0, 1.0, size=(6, 3, 3)) ** 2
check("pca_colour_shift_hidden_6x3", pca_colour_shift(tall, rng.normal(0.0, 4.0, size=3)),
      name="shifted")
### END HIDDEN TESTS

# %% [markdown]
# The picture's own colour directions, and five shifts along them. Per picture, on pixels in
# [0, 1], the eigenvalues are small (a few hundredths), so the cell draws $\alpha$ with standard
# deviation 3 to make the shifts visible; AlexNet's 0.1 applied to the covariance of a whole
# dataset of 0-255 pixels.

# %%
picture = X_train[3]
eigenvalues = np.linalg.eigvalsh(np.cov(picture.reshape(-1, 3), rowvar=False))
print("eigenvalues of the picture's colour covariance:", np.round(eigenvalues, 4))
rng = np.random.default_rng(0)
fig, axes = plt.subplots(1, 6, figsize=(11, 2))
for k, ax in enumerate(axes):
    shown = picture if k == 0 else pca_colour_shift(picture, rng.normal(0.0, 3.0, size=3))
    ax.imshow(shown)
    ax.set_title("original" if k == 0 else f"shift {k}", fontsize=9)
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 4. A pretrained base with a new head
#
# `transfer_model(base, n_classes, fine_tune_at=None)` puts a new classifier on a pretrained
# `base`, a Keras model that maps pictures to a feature vector `(m, n_features)`:
#
# ```
# Input (shaped like the base's input) ─ base, called with training=False ─ Dropout(0.2)
#   ─ Dense(n_classes) with softmax, named "classifier"
# ```
#
# **Freezing.** Layers whose `trainable` is False keep their weights while the model trains.
# - `fine_tune_at=None`: freeze the whole base (`base.trainable = False`); only the classifier
#   learns. This is the lecture's choice for a small training set.
# - `fine_tune_at=k`: freeze only the base's first `k` layers (`base.layers[:k]`) and train the
#   rest with the classifier. With more data you can afford to fine-tune more layers; with a lot,
#   all of them (`k = 0`), starting from the pretrained weights.
#   Set `base.trainable = True` first, then `layer.trainable = False` for the first `k` layers.
#   The order matters when the base was frozen before (the usual workflow: train the classifier
#   on the frozen base, then fine-tune): `base.trainable = True` unfreezes every layer of a
#   frozen base, so doing it last would undo the per-layer settings.
#
# **Batch normalisation stays frozen.** Fine-tuning must not let the base's
# `BatchNormalization` layers re-estimate their statistics from a few dozen new pictures (batch
# statistics that jump from batch to batch would undo much of what the base learnt). So when
# fine-tuning, also set `trainable = False` on **every** `BatchNormalization` layer of the base:
# in Keras 3 a frozen batch-normalisation layer runs in inference mode, with the statistics it
# learnt on the original data.
#
# The original assignment relied on calling the base with `training=False` instead. Keep that
# argument (it applies whenever you call the model yourself), but do not count on it when
# training: in Keras 3, `fit` passes `training=True` down into a nested model and overrides it
# (keras-team/keras issue 20285); the test below catches a model whose statistics move.

# %% nbgrader={"grade": false, "grade_id": "transfer_model_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: transfer_model
def transfer_model(base, n_classes, fine_tune_at=None):
    """A pretrained base (frozen, or frozen up to layer fine_tune_at) with a new softmax head.

    Arguments:
    base -- keras.Model mapping pictures (m, n_H, n_W, n_C) to features (m, n_features)
    n_classes -- integer, number of classes of the new task
    fine_tune_at -- None to freeze the whole base; an integer k to freeze only base.layers[:k]
                    (and the base's batch normalisation)

    Returns:
    model -- keras.Model: inputs shaped like base's -> (m, n_classes) probabilities
    """
    # Step 1 (≈ 8 lines): freeze the base; or unfreeze it, freeze its first fine_tune_at layers
    #   and every BatchNormalization layer (isinstance(layer, layers.BatchNormalization))
    ### BEGIN SOLUTION
    if fine_tune_at is None:
        base.trainable = False
    else:
        base.trainable = True
        for layer in base.layers[:fine_tune_at]:
            layer.trainable = False
        for layer in base.layers:
            if isinstance(layer, layers.BatchNormalization):
                layer.trainable = False
    ### END SOLUTION

    # Step 2 (≈ 4 lines): Input shaped like the base's input; the base with training=False;
    #   Dropout(0.2); Dense(n_classes, softmax) named "classifier"
    ### BEGIN SOLUTION
    inputs = keras.Input(base.input_shape[1:])
    x = base(inputs, training=False)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(n_classes, activation="softmax", name="classifier")(x)
    ### END SOLUTION

    model = keras.Model(inputs, outputs, name="transfer_model")
    return model


# %% nbgrader={"grade": true, "grade_id": "transfer_model_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# toy_base(seed): a tiny (8, 8, 3) -> (4,) network with batch normalisation, seeded weights
check_model("transfer_model_frozen", lambda: transfer_model(toy_base(0), 3))

toy = toy_base(1)
toy.trainable = False                     # as after training a classifier on the frozen base
tuned = transfer_model(toy, 2, fine_tune_at=4)
check("transfer_model_trainable_layers", np.array([layer.trainable for layer in toy.layers]),
      name="which base layers are trainable")
check("transfer_model_trainable_weights", np.array(sum(np.prod(w.shape) for w in tuned.trainable_weights)),
      name="trainable numbers")

# a step of training with learning rate 0 changes nothing but batch-norm statistics, if any
toy = toy_base(2)
tuned = transfer_model(toy, 3, fine_tune_at=0)
tuned.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
tuned.train_on_batch(seeded_images(3, 6), np.array([0, 1, 2, 0, 1, 2]))
check("transfer_model_batchnorm_statistics", np.asarray(toy.get_layer("bn1").moving_mean),
      name="bn1's moving mean after a training step")

assign_seeded_weights(tuned, 4)
check("transfer_model_outputs", np.asarray(tuned(seeded_images(5, 2), training=False)),
      name="probabilities")
### BEGIN HIDDEN TESTS
check_model("transfer_model_hidden_5_classes", lambda: transfer_model(toy_base(6), 5))
hidden_base = toy_base(7)
hidden_base.trainable = False
hidden_model = transfer_model(hidden_base, 4, fine_tune_at=2)
check("transfer_model_hidden_fine_tune_at_2",
      np.array([layer.trainable for layer in hidden_base.layers] + [len(hidden_model.trainable_weights)]),
      name="trainable layers and weights")
assign_seeded_weights(hidden_model, 8)
hidden_probabilities = np.asarray(hidden_model(seeded_images(9, 3), training=False))
check("transfer_model_hidden_outputs", hidden_probabilities, name="probabilities")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Precompute the frozen base's activations
#
# A frozen base computes the same features for a picture in every epoch. So compute them
# **once**, save them, and train the classifier on the saved features: an epoch then costs a
# small matrix product instead of a pass through ResNet-50. The lecture recommends exactly this
# when the base is frozen.
#
# Write `precompute_activations(base, images, batch_size=32)`: run the base over the pictures
# `batch_size` at a time (a big network on all pictures at once may not fit in memory), in
# inference mode (`base(batch, training=False)`), convert each batch's output to NumPy with
# `np.asarray`, and join them with `np.concatenate`. The last batch may be smaller.

# %% nbgrader={"grade": false, "grade_id": "precompute_activations_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: precompute_activations
def precompute_activations(base, images, batch_size=32):
    """The base's outputs for every picture, computed batch by batch in inference mode.

    Arguments:
    base -- keras.Model mapping pictures to activations
    images -- (m, n_H, n_W, n_C) pictures
    batch_size -- pictures per call of the base

    Returns:
    activations -- NumPy array (m, *base's output shape[1:]), in the order of images
    """
    # (≈ 4 lines) a loop over range(0, m, batch_size); base(batch, training=False); np.concatenate
    ### BEGIN SOLUTION
    parts = []
    for start in range(0, len(images), batch_size):
        parts.append(np.asarray(base(images[start:start + batch_size], training=False)))
    activations = np.concatenate(parts)
    ### END SOLUTION
    return activations


# %% nbgrader={"grade": true, "grade_id": "precompute_activations_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
check("precompute_activations_10_by_4", precompute_activations(toy_base(10), seeded_images(11, 10), batch_size=4),
      name="activations")
check("precompute_activations_one_batch", precompute_activations(toy_base(12), seeded_images(13, 3)),
      name="activations")
### BEGIN HIDDEN TESTS
hidden_base = toy_base(14, input_shape=(6, 5, 3))
hidden_activations = precompute_activations(hidden_base, seeded_images(15, 7, (6, 5, 3)), 2)
check("precompute_activations_hidden_7_by_2", hidden_activations, name="activations")
### END HIDDEN TESTS

# %% [markdown]
# How much faster is an epoch on saved features? The cell trains the same frozen model, once on
# the pictures (every epoch runs ResNet-50) and once as a classifier on the saved features.

# %%
from utils.transfer import features_model

features = features_model(resnet)                 # pictures -> 2048 features
start = time.perf_counter()
F_train = precompute_activations(features, X_train)
F_test = precompute_activations(features, X_test)
precompute_seconds = time.perf_counter() - start
print(f"features of {len(X_train) + len(X_test)} pictures: {F_train.shape[1]} each, "
      f"{precompute_seconds:.1f} s")

whole = transfer_model(features, 3)                # frozen ResNet-50 + classifier
head = keras.Sequential([keras.Input((2048,)), layers.Dropout(0.2),
                         layers.Dense(3, activation="softmax")])
timings = {}
for name, model, x in (("on pictures", whole, X_train), ("on saved features", head, F_train)):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x[:32], y_train[:32], epochs=1, verbose=0)           # build and compile first
    start = time.perf_counter()
    model.fit(x, y_train, epochs=2, batch_size=32, verbose=0)
    timings[name] = (time.perf_counter() - start) / 2
    print(f"one epoch {name:18s}: {timings[name] * 1000:8.1f} ms")
print(f"speed-up: {timings['on pictures'] / timings['on saved features']:.0f}x per epoch, after "
      f"{precompute_seconds:.1f} s spent once")

# %% [markdown]
# ## 6. The experiment: from scratch, frozen, fine-tuned; with and without augmentation
#
# Now the lecture's advice, measured. Training sets of **8, 24 and 64 pictures per gesture**
# (the first pictures of each class), each trained four ways and tested on the same 300 pictures:
#
# - **from scratch**: a small ConvNet (three convolutions, 24k parameters) with random weights:
#   what you would do without a pretrained network;
# - **frozen base**: the classifier on the saved ResNet-50 features (section 5);
# - **fine-tuned**: start from the frozen model's classifier, then also train ResNet-50's last
#   convolution (`res5c_branch2c`; its batch normalisation stays frozen) at a small learning rate. To
#   keep it fast, the activations entering the last residual block (`res5c`, 2×2×2048) are
#   precomputed too, and `transfer_model` gets that block and the pooling as its base, with
#   `fine_tune_at` set to the position of `res5c_branch2c` in it;
#
# and each once more **with augmentation**: three augmented copies of each training picture
# (`data_augmenter` and `pca_colour_shift`), made once and then treated like extra pictures.
# (With precomputed features the copies have to be made before precomputing; a network trained
# end to end would draw new ones every epoch.)

# %%
from utils.progress import ProgressBar
from utils.training import epochs
from utils.transfer import accuracy, fit_classifier, split_model

LAST_BLOCK = "res5c_branch2a"        # the first layer of ResNet-50's last residual block
SIZES = (8, 24, 64)
COPIES = 3


def augmented_copies(images, copies, seed):
    """``copies`` augmented versions of every picture, (copies * m, ...), in copy-major order."""
    keras.utils.set_random_seed(seed)
    augment = data_augmenter()
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(copies):
        batch = np.clip(np.asarray(augment(images, training=True)), 0.0, 1.0)
        out.append(np.stack([pca_colour_shift(p, rng.normal(0.0, 3.0, size=3)) for p in batch]))
    return np.concatenate(out).astype(np.float32)


def scratch_convnet():
    return keras.Sequential([
        keras.Input((64, 64, 3)),
        layers.Conv2D(16, 3, strides=2, padding="same", activation="relu"), layers.MaxPool2D(2),
        layers.Conv2D(32, 3, padding="same", activation="relu"), layers.MaxPool2D(2),
        layers.Conv2D(64, 3, padding="same", activation="relu"), layers.GlobalAveragePooling2D(),
        layers.Dense(3, activation="softmax"),
    ], name="from_scratch")


start = time.perf_counter()
X_aug = augmented_copies(X_train, COPIES, seed=0)
y_aug = np.tile(y_train, COPIES)
bottom, top = split_model(features, LAST_BLOCK)   # pictures -> (2, 2, 2048) -> 2048 features
FINE_TUNE_AT = [layer.name for layer in top.layers].index("res5c_branch2c")
A_train, A_test, A_aug = (precompute_activations(bottom, x) for x in (X_train, X_test, X_aug))
F_aug = precompute_activations(top, A_aug)
F_train, F_test = precompute_activations(top, A_train), precompute_activations(top, A_test)
print(f"augmented copies and activations: {time.perf_counter() - start:.1f} s")
top_weights = top.get_weights()

# %%
results = {}
runs = [(n, augmented, method) for n in SIZES for augmented in (False, True)
        for method in ("from scratch", "frozen base", "fine-tuned")]
spent = dict.fromkeys(("from scratch", "frozen base", "fine-tuned"), 0.0)   # seconds
bar = ProgressBar(len(runs), "training")
start = time.perf_counter()
for step, (n, augmented, method) in enumerate(runs, 1):
    began = time.perf_counter()
    picked = np.concatenate([np.flatnonzero(y_train == c)[:n] for c in range(3)])
    if augmented:
        picked_aug = np.concatenate([picked + k * len(y_train) for k in range(COPIES)])
    rounds = COPIES + 1 if augmented else 1
    y = np.concatenate([y_train[picked]] + ([y_aug[picked_aug]] if augmented else []))
    if method == "from scratch":
        x = np.concatenate([X_train[picked]] + ([X_aug[picked_aug]] if augmented else []))
        record = fit_classifier(scratch_convnet(), x, y, epochs=epochs(40 // rounds),
                                learning_rate=3e-3, x_test=X_test, y_test=y_test)
    elif method == "frozen base":
        x = np.concatenate([F_train[picked]] + ([F_aug[picked_aug]] if augmented else []))
        classifier = keras.Sequential([keras.Input((2048,)), layers.Dropout(0.2),
                                       layers.Dense(3, activation="softmax", name="classifier")])
        record = fit_classifier(classifier, x, y, epochs=epochs(100 // rounds),
                                x_test=F_test, y_test=y_test)
    else:   # fine-tuned: continue from the frozen base's classifier of the previous run
        top.set_weights(top_weights)
        tuned = transfer_model(top, 3, fine_tune_at=FINE_TUNE_AT)
        tuned.get_layer("classifier").set_weights(classifier.get_layer("classifier").get_weights())
        a = np.concatenate([A_train[picked]] + ([A_aug[picked_aug]] if augmented else []))
        tuned.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy")
        tuned.fit(a, y, epochs=epochs(6 // rounds + 1), batch_size=32, verbose=0)
        record = {"test_accuracy": accuracy(tuned, A_test, y_test)}
    results[n, augmented, method] = record["test_accuracy"]
    spent[method] += time.perf_counter() - began
    bar.update(step, f"{n} per gesture, {method}{' + augmentation' if augmented else ''}")
top.set_weights(top_weights)
bar.close(f"{len(runs)} models trained in {time.perf_counter() - start:.0f} s")

# %% [markdown]
# Test accuracy on the 300 test pictures (chance is 0.33):

# %%
methods = tuple(spent)
print(f"{'per gesture':>12s} {'augmented':>10s}" + "".join(f"{m:>14s}" for m in methods))
for n in SIZES:
    for augmented in (False, True):
        print(f"{n:12d} {'yes' if augmented else 'no':>10s}"
              + "".join(f"{results[n, augmented, m]:14.3f}" for m in methods))
print(f"{'training time':>23s}" + "".join(f"{spent[m]:13.1f}s" for m in methods))

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
for ax, augmented in zip(axes, (False, True)):
    for method, marker in zip(methods, "osD"):
        ax.plot(SIZES, [results[n, augmented, method] for n in SIZES], marker=marker, label=method)
    ax.axhline(1 / 3, color="grey", linestyle=":", label="chance")
    ax.set_xscale("log")
    ax.set_xticks(SIZES, [str(n) for n in SIZES])
    ax.set_xlabel("training pictures per gesture")
    ax.set_title("with augmentation" if augmented else "without augmentation")
axes[0].set_ylabel("test accuracy")
axes[1].legend(loc="lower right")
plt.show()

# %% [markdown]
# What the measurements say (the course's run: the figures move by a point or two between
# machines and releases):
#
# - **From scratch** stays at chance (0.33): a few dozen pictures are far too few to learn what
#   a finger is, let alone which ones are up, and augmented copies do not change that.
# - **The frozen base** is right 87% of the time with only 8 pictures per gesture and about 90%
#   with 64: the features learnt on SIGNS separate the new gestures almost linearly.
# - **Augmentation** adds one to two points to the frozen base (0.90 → 0.92 at 64 per gesture):
#   its copies show the classifier what does *not* matter (which hand, small shifts, the light).
# - **Fine-tuning** the last convolution as well changes less than a point here: with 192
#   pictures there is little the base could learn that it does not know. The lecture's rule
#   "more data, fine-tune more layers" is about datasets much larger than this one.
# - The frozen base also **trains fastest**, because its features were computed once.
#
# ## 7. Test time: ten crops and ensembles
#
# Two tricks win benchmarks (and rarely pay for themselves in production, where every picture
# would cost ten or more passes through the network):
#
# - **Multi-crop**: classify several crops of each test picture and average the predicted
#   probabilities. The classic **10-crop**: the centre crop and the four corner crops, and the
#   mirror images of those five.
# - **Ensembling**: train several networks independently and average their outputs.
#
# Write `ten_crops(image, crop)`. For a picture of height $n_H$ and width $n_W$, the five
# top-left corners are: centre $(\lfloor (n_H - c)/2 \rfloor, \lfloor (n_W - c)/2 \rfloor)$,
# then top-left $(0, 0)$, top-right $(0, n_W - c)$, bottom-left $(n_H - c, 0)$ and bottom-right
# $(n_H - c, n_W - c)$, in that order; then the same five crops mirrored left-right
# (`crop[:, ::-1]`).

# %% nbgrader={"grade": false, "grade_id": "ten_crops_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: ten_crops
def ten_crops(image, crop):
    """The 10 crops of test-time augmentation.

    Arguments:
    image -- (n_H, n_W, n_C) picture
    crop -- integer c, the side of the square crops (c <= n_H and c <= n_W)

    Returns:
    crops -- (10, c, c, n_C): centre, top-left, top-right, bottom-left, bottom-right crops,
             then the same five mirrored left-right
    """
    n_H, n_W = image.shape[0], image.shape[1]

    # Step 1 (≈ 3 lines): the five crops' top-left corners, in the order above, and the crops
    ### BEGIN SOLUTION
    corners = [((n_H - crop) // 2, (n_W - crop) // 2), (0, 0), (0, n_W - crop),
               (n_H - crop, 0), (n_H - crop, n_W - crop)]
    five = [image[i:i + crop, j:j + crop] for i, j in corners]
    ### END SOLUTION

    # Step 2 (≈ 1 line): add the five mirrored crops and stack all ten
    ### BEGIN SOLUTION
    crops = np.stack(five + [c[:, ::-1] for c in five])
    ### END SOLUTION
    return crops


# %% nbgrader={"grade": true, "grade_id": "ten_crops_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
picture = np.random.default_rng(20).integers(0, 10, size=(7, 8, 2))
check("ten_crops_7x8_crop_4", ten_crops(picture, 4), name="crops")
### BEGIN HIDDEN TESTS
check("ten_crops_hidden_9x6_crop_5", ten_crops(np.random.default_rng(21).random((9, 6, 3)), 5),
      name="crops")
### END HIDDEN TESTS

# %% [markdown]
# Our pictures are exactly the network's input size, 64×64, so the cell first pads each test
# picture by 2 pixels (mirroring its edges) to 68×68 and then takes ten 64×64 crops. The
# classifier is the frozen base's, trained on all 64 pictures per gesture with augmentation.
# (100 of the test pictures, to keep the cell short: 1000 crops through ResNet-50.)

# %%
classifier = keras.Sequential([keras.Input((2048,)), layers.Dropout(0.2),
                               layers.Dense(3, activation="softmax", name="classifier")])
fit_classifier(classifier, np.concatenate([F_train, F_aug]), np.concatenate([y_train, y_aug]),
               epochs=epochs(25))
subset, y_subset = X_test[:100], y_test[:100]
start = time.perf_counter()
padded = np.pad(subset, ((0, 0), (2, 2), (2, 2), (0, 0)), mode="reflect")
crops = np.concatenate([ten_crops(p, 64) for p in padded])
crop_probs = predict_proba(classifier, precompute_activations(features, crops)).reshape(-1, 10, 3)
crop_seconds = time.perf_counter() - start
one = crop_probs[:, 0].argmax(axis=1) == y_subset
ten = crop_probs.mean(axis=1).argmax(axis=1) == y_subset
print(f"centre crop only: {one.mean():.3f}   10-crop average: {ten.mean():.3f}   "
      f"({crop_seconds:.1f} s for {len(crops)} crops)")

# %% [markdown]
# And an ensemble: five classifiers on the same features, each started from different random
# weights (and so ending in a different place), their probabilities averaged.

# %%
members = []
for seed in range(5):
    member = keras.Sequential([keras.Input((2048,)), layers.Dropout(0.2),
                               layers.Dense(3, activation="softmax")])
    fit_classifier(member, F_train[:96], y_train[:96], epochs=epochs(60), seed=seed)
    members.append(predict_proba(member, F_test))
singles = [np.mean(p.argmax(axis=1) == y_test) for p in members]
together = np.mean(np.mean(members, axis=0).argmax(axis=1) == y_test)
print("each member alone:", np.round(singles, 3), f" ensemble of 5: {together:.3f}")

# %% [markdown]
# Ten crops buy a point here (0.920 → 0.930 on these 100 pictures); the ensemble of classifiers on
# the *same* features buys almost nothing, because the members disagree only where the features
# are ambiguous. Ensembles pay when the members are different networks (different
# architectures, or trained on different data), at the price of running each one.
#
# ## 8. With ImageNet weights (optional)
#
# The original assignment used **MobileNetV2** (section 3 of "Case studies") trained on
# ImageNet's 1.2 million photographs as its base, with `include_top=False`. This course cannot
# download it, but if you have Keras' published weight file
# (`mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5`, or another alpha or
# size), put it in `data/mobilenet_v2/` and the cell below uses it as the base for the gestures.
# `utils/mobilenet.py` says which names it accepts.

# %%
from utils.mobilenet import MobileNetWeightsMissing, load_mobilenet_v2, mobilenet_preprocess

try:
    mobilenet = load_mobilenet_v2(input_shape=(96, 96, 3))
except MobileNetWeightsMissing as missing:
    mobilenet = None
    print(missing)
if mobilenet is not None:
    enlarge = lambda x: mobilenet_preprocess(np.asarray(keras.ops.image.resize(x, (96, 96))))
    M_train = precompute_activations(mobilenet, enlarge(X_train))
    M_test = precompute_activations(mobilenet, enlarge(X_test))
    head = keras.Sequential([keras.Input(M_train.shape[1:]), layers.Dropout(0.2),
                             layers.Dense(3, activation="softmax")])
    record = fit_classifier(head, M_train, y_train, epochs=100, x_test=M_test, y_test=y_test)
    print(f"MobileNetV2 (ImageNet) frozen base: test accuracy {record['test_accuracy']:.3f}")

# %% [markdown]
# ## 9. What to remember
#
# - With little data, **start from a pretrained network**: freeze it, replace its classifier,
#   train only that. The features of a network trained on a related task are worth far more
#   than a few dozen pictures.
# - A frozen base computes the same thing every epoch: **precompute its activations** once.
# - More data lets you **fine-tune more layers**; keep batch normalisation in inference mode
#   (`training=False`) and use a small learning rate.
# - **Augment** with the changes the task does not care about (mirror, crop, rotate, colour), and
#   not with those it does (upside-down hands).
# - **10-crop and ensembles** trade test-time computation for a few points of accuracy.
