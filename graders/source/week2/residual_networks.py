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
# # Week 2 · Residual networks
#
# Deeper networks can represent more complicated functions, yet for years adding layers to a
# plain ConvNet made it *worse*, even on its training data. He et al. (2015) found a remarkably
# simple fix: let every few layers add their input back to their output. Those **skip
# connections** made networks of 50, 100 and even 1000 layers trainable, and won ImageNet 2015.
#
# In this notebook you will:
#
# 1. see why plain deep networks are hard to train (vanishing gradients), with a measurement;
# 2. write the two building blocks of a ResNet: `identity_block` and `convolutional_block`;
# 3. assemble them into **ResNet-50** (`ResNet50`), train it briefly, then load weights this
#    course trained for you and classify the SIGNS hand signs.

# %%
from utils.quiet_import import import_tensorflow

import_tensorflow()  # TensorFlow's start-up notices would go to stderr (see utils/quiet_import.py)

import os

import matplotlib.pyplot as plt
import numpy as np
import keras
from keras import layers
from keras.initializers import GlorotUniform as glorot_uniform

from utils.checks import notebook_checks, trusted_helpers
from utils.datasets import convert_to_one_hot, load_signs
from utils.gradients import gradient_norms, plot_gradient_norms
from utils.resnet_weights import load_resnet50_weights
from utils.stand_ins import stand_in_convolutional_block, stand_in_identity_block
from utils.training import epochs, show_predictions

keras.utils.set_random_seed(1)
check, check_model, stand_ins = notebook_checks("week2_residual_networks")  # this notebook's test cases

# %% [markdown]
# ## 1. The SIGNS data
#
# The hand signs from week 1: 1080 training and 120 test pictures of a hand showing 0 to 5
# fingers, 64×64×3, labels one-hot encoded.

# %%
X_train_orig, Y_train_orig, X_test_orig, Y_test_orig, classes = load_signs()
X_train, X_test = X_train_orig / 255.0, X_test_orig / 255.0
Y_train = convert_to_one_hot(Y_train_orig, 6).T
Y_test = convert_to_one_hot(Y_test_orig, 6).T
print("number of training examples =", X_train.shape[0])
print("number of test examples =", X_test.shape[0])
print("X_train shape:", X_train.shape, " Y_train shape:", Y_train.shape)
print("X_test shape: ", X_test.shape, " Y_test shape: ", Y_test.shape)

# %% [markdown]
# ## 2. The problem with very deep plain networks
#
# Backpropagation computes the gradient of the cost with respect to layer $l$'s weights by
# multiplying, layer after layer from the output back to $l$, by each layer's Jacobian. When
# those factors are mostly smaller than one the product shrinks **exponentially** with depth:
# the first layers receive almost no gradient and barely learn (more rarely the factors are
# larger than one and the gradient explodes).
#
# A residual connection changes the product. A block computes $a^{[l+2]} = g(z^{[l+2]} +
# a^{[l]})$: the shortcut is added *before* the ReLU $g$. By the chain rule the derivative of
# its output with respect to its input is
#
# $$ \frac{\partial a^{[l+2]}}{\partial a^{[l]}} = D \left( \frac{\partial z^{[l+2]}}{\partial a^{[l]}} + I \right), $$
#
# where $D$ is the diagonal matrix of $g'(z^{[l+2]} + a^{[l]})$: for a ReLU, 1 at the units whose
# sum is positive and 0 at the units it switches off. A plain network has only
# $D \, \partial z^{[l+2]} / \partial a^{[l]}$, which can be tiny. With the shortcut, the
# identity $I$ carries the gradient back unchanged through every unit that is active after the
# addition, however small the main path's Jacobian is; only the units the final ReLU switches
# off stop it, shortcut or not. So the gradient has a short path back to the early layers
# wherever the block's output is positive. (In the later "pre-activation" ResNet, He et al.
# 2016, the ReLU moves into the main path and the shortcut is a pure identity, so even that
# factor $D$ disappears from the shortcut.)
#
# Let us measure it. Below are two networks of the same depth built from the same 3×3
# convolutions: a *plain* stack, and a *residual* one where every pair of convolutions is
# bypassed by a shortcut, both with Keras's default initialisation (Glorot uniform). For one
# batch of SIGNS pictures, before any training, we compute the norm of the gradient of the cost
# with respect to each layer's bias: that is the error signal backpropagation delivers to the
# layer (a kernel's gradient is the same signal multiplied by the layer's input).

# %%
def deep_convnet(depth, residual, width=16, input_shape=(64, 64, 3), classes=6):
    """``depth`` 3x3 convolutions of ``width`` channels; with ``residual``, a shortcut per pair."""
    seeds = iter(range(1000))
    init = lambda: keras.initializers.GlorotUniform(seed=next(seeds))
    inputs = keras.Input(input_shape)
    X = layers.Conv2D(width, 3, padding="same", activation="relu", kernel_initializer=init())(inputs)
    for _ in range((depth - 1) // 2):
        shortcut = X
        X = layers.Conv2D(width, 3, padding="same", activation="relu", kernel_initializer=init())(X)
        X = layers.Conv2D(width, 3, padding="same", kernel_initializer=init())(X)
        X = layers.ReLU()(layers.Add()([X, shortcut]) if residual else X)
    X = layers.GlobalAveragePooling2D()(X)
    outputs = layers.Dense(classes, activation="softmax", kernel_initializer=init())(X)
    return keras.Model(inputs, outputs, name="residual" if residual else "plain")


batch = slice(0, 64)
print("building two 41-layer networks and backpropagating one batch through each "
      "(about 10 seconds)...")
norms = {kind: gradient_norms(deep_convnet(41, residual=(kind == "residual")),
                              X_train[batch], Y_train[batch])
         for kind in ("plain", "residual")}
plot_gradient_norms(norms, title="Gradient norm per layer, 41-layer networks at initialisation")
plt.show()

# %% [markdown]
# On the log scale the plain network's gradient falls by orders of magnitude from the last layer
# to the first, so gradient descent updates its early layers hardly at all. The residual
# network's gradient stays within a small factor across all its layers. That is the whole idea
# of a ResNet; the rest of the notebook builds one.

# %% [markdown]
# ## 3. The identity block
#
# The **identity block** is used when the input and the output have the same shape. Its main
# path has three convolutions (a "bottleneck": 1×1 to reduce the channels, f×f to look at
# neighbourhoods, 1×1 to restore the channels); the shortcut carries the input unchanged and is
# added just before the last ReLU:
#
# ```
#  X ──┬── Conv2D 1×1 ─ BN ─ ReLU ─ Conv2D f×f ─ BN ─ ReLU ─ Conv2D 1×1 ─ BN ──(+)── ReLU ──▶
#      └──────────────────────────── shortcut ────────────────────────────────┘
# ```
#
# Details of the main path, with `filters = [F1, F2, F3]`:
#
# 1. `Conv2D` with `F1` filters of 1×1, stride 1, padding `"valid"`, named `conv_name_base + "2a"`;
#    `BatchNormalization(axis=3)` named `bn_name_base + "2a"`; ReLU.
# 2. `Conv2D` with `F2` filters of `f`×`f`, stride 1, padding `"same"`, named `conv_name_base + "2b"`;
#    `BatchNormalization(axis=3)` named `bn_name_base + "2b"`; ReLU.
# 3. `Conv2D` with `F3` filters of 1×1, stride 1, padding `"valid"`, named `conv_name_base + "2c"`;
#    `BatchNormalization(axis=3)` named `bn_name_base + "2c"`. **No ReLU yet.**
# 4. `layers.Add()([X, X_shortcut])`, then ReLU.
#
# Every convolution gets `kernel_initializer=initializer(seed=0)`. The tests pass their own
# `initializer` (fixed values, so the expected outputs do not depend on TensorFlow's random
# numbers); the default, Glorot uniform, is what you train with. The addition needs
# `F3` equal to the number of input channels.
#
# **`padding="same"` here.** The middle convolution has stride 1, and with stride 1 Keras's
# `"same"` is the lecture's "same convolution": the output keeps the input's height and width,
# which is what lets the shortcut be added. For an odd `f` Keras pads $(f-1)/2$ on each side, as
# in the lecture; for an even `f` (one test uses `f=2`) it pads one row and one column more at
# the bottom and on the right. With a stride $s > 1$ Keras's `"same"` would instead give
# $\lceil n/s \rceil$ rows, not $n$; this notebook never uses it that way: every stride in
# ResNet-50 sits on a convolution or pooling with `"valid"` padding.

# %% nbgrader={"grade": false, "grade_id": "identity_block_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: identity_block
def identity_block(X, f, filters, stage, block, initializer=glorot_uniform):
    """The ResNet identity block: three convolutions plus a shortcut that skips them.

    Arguments:
    X -- input tensor, (m, n_H_prev, n_W_prev, n_C_prev)
    f -- integer, height and width of the middle convolution's window
    filters -- [F1, F2, F3], the number of filters of the three convolutions (F3 == n_C_prev)
    stage -- integer, names the layers by their position in the network
    block -- string ("a", "b", ...), names the layers by their position in the stage
    initializer -- function of a seed returning a kernel initialiser, e.g. glorot_uniform

    Returns:
    X -- output tensor, (m, n_H_prev, n_W_prev, F3)
    """
    conv_name_base = f"res{stage}{block}_branch"
    bn_name_base = f"bn{stage}{block}_branch"
    F1, F2, F3 = filters
    X_shortcut = X

    # Step 1 (≈ 3 lines): the first component of the main path: Conv2D with F1 filters of 1x1,
    #   stride 1, "valid", named conv_name_base + "2a"; BatchNormalization on axis 3, named
    #   bn_name_base + "2a"; ReLU. Each layer is called on X and its result is the new X, and
    #   every Conv2D gets kernel_initializer=initializer(seed=0).
    ### BEGIN SOLUTION
    X = layers.Conv2D(F1, (1, 1), strides=(1, 1), padding="valid", name=conv_name_base + "2a",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2a")(X)
    X = layers.Activation("relu")(X)
    ### END SOLUTION

    # Step 2 (≈ 3 lines): the second component: Conv2D with F2 filters of f x f, stride 1,
    #   "same", named ...2b; BatchNormalization named ...2b; ReLU
    ### BEGIN SOLUTION
    X = layers.Conv2D(F2, (f, f), strides=(1, 1), padding="same", name=conv_name_base + "2b",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2b")(X)
    X = layers.Activation("relu")(X)
    ### END SOLUTION

    # Step 3 (≈ 2 lines): the third component: Conv2D with F3 filters of 1x1, stride 1, "valid",
    #   named ...2c; BatchNormalization named ...2c; no ReLU yet
    ### BEGIN SOLUTION
    X = layers.Conv2D(F3, (1, 1), strides=(1, 1), padding="valid", name=conv_name_base + "2c",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2c")(X)
    ### END SOLUTION

    # Step 4 (≈ 2 lines): add X_shortcut to X with an Add layer, then the ReLU
    ### BEGIN SOLUTION
    X = layers.Add()([X, X_shortcut])
    X = layers.Activation("relu")(X)
    ### END SOLUTION
    return X


# %% [markdown]
# The test builds a small model around your block and runs it on a fixed NumPy-seeded input,
# once in inference mode (batch normalisation uses its running statistics) and once in training
# mode (it uses the batch's own mean and variance).

# %% nbgrader={"grade": true, "grade_id": "identity_block_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def block_outputs(make_block, input_shape, initializer, seed=1):
    """(inference output, training output) of a block on a NumPy-seeded batch of 3."""
    inputs = keras.Input(shape=input_shape)
    model = keras.Model(inputs, make_block(inputs, initializer))
    x = np.random.default_rng(seed).standard_normal((3, *input_shape)).astype("float32")
    return (np.asarray(model(x, training=False), dtype=np.float64),
            np.asarray(model(x, training=True), dtype=np.float64))


def constant_init(seed=0):
    return keras.initializers.Constant(value=0.1)


def numpy_uniform_init(seed=0):
    """Kernels from NumPy's generator (seeded by the shape), independent of TensorFlow's RNG."""
    def init(shape, dtype=None):
        rng = np.random.default_rng([seed, *shape])
        return rng.uniform(-0.5, 0.5, size=shape).astype("float32")
    return init


inference, training = block_outputs(
    lambda X, init: identity_block(X, f=2, filters=[4, 4, 3], stage=1, block="a", initializer=init),
    (4, 4, 3), constant_init)
check("identity_block_inference", inference, name="output (training=False)", rtol=1e-4, atol=1e-5)
check("identity_block_training", training, name="output (training=True)", rtol=1e-4, atol=1e-5)
### BEGIN HIDDEN TESTS
hidden_inference, hidden_training = block_outputs(
    lambda X_h, hidden_init: identity_block(X_h, f=3, filters=[5, 2, 6], stage=3, block="c",
                                            initializer=hidden_init),
    (5, 6, 6), numpy_uniform_init, seed=7)
check("identity_block_hidden_inference", hidden_inference, rtol=1e-4, atol=1e-5)
check("identity_block_hidden_training", hidden_training, rtol=1e-4, atol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. The convolutional block
#
# When the shape changes (fewer rows and columns, more channels) the input cannot be added to
# the output as it is. The **convolutional block** puts a 1×1 convolution with stride `s` and a
# batch normalisation on the shortcut, so that it produces the output's shape:
#
# ```
#  X ──┬── Conv2D 1×1 /s ─ BN ─ ReLU ─ Conv2D f×f ─ BN ─ ReLU ─ Conv2D 1×1 ─ BN ──(+)── ReLU ──▶
#      └──────────────────────── Conv2D 1×1 /s ─ BN ───────────────────────────┘
# ```
#
# 1. `Conv2D(F1, 1×1)` with **stride `s`**, padding `"valid"`, named `conv_name_base + "2a"`;
#    `BatchNormalization(axis=3)` named `bn_name_base + "2a"`; ReLU.
# 2. `Conv2D(F2, f×f)`, stride 1, padding `"same"`, named `conv_name_base + "2b"`; BN `"2b"`; ReLU.
# 3. `Conv2D(F3, 1×1)`, stride 1, padding `"valid"`, named `conv_name_base + "2c"`; BN `"2c"`.
# 4. Shortcut: `Conv2D(F3, 1×1)` with **stride `s`**, padding `"valid"`, named
#    `conv_name_base + "1"`; `BatchNormalization(axis=3)` named `bn_name_base + "1"`.
# 5. Add the two paths, then ReLU.
#
# A 1×1 convolution with stride $s$ and no padding turns $n$ rows into
# $\lfloor (n - 1)/s \rfloor + 1$, on both paths. Every convolution again gets
# `kernel_initializer=initializer(seed=0)`.

# %% nbgrader={"grade": false, "grade_id": "convolutional_block_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: convolutional_block
def convolutional_block(X, f, filters, stage, block, s=2, initializer=glorot_uniform):
    """The ResNet convolutional block: like the identity block, with a convolution on the shortcut.

    Arguments:
    X -- input tensor, (m, n_H_prev, n_W_prev, n_C_prev)
    f -- integer, height and width of the middle convolution's window
    filters -- [F1, F2, F3], the number of filters of the three main-path convolutions
    stage -- integer, names the layers by their position in the network
    block -- string ("a", "b", ...), names the layers by their position in the stage
    s -- integer, the stride of the first convolution and of the shortcut's convolution
    initializer -- function of a seed returning a kernel initialiser, e.g. glorot_uniform

    Returns:
    X -- output tensor, (m, (n_H_prev - 1) // s + 1, (n_W_prev - 1) // s + 1, F3)
    """
    conv_name_base = f"res{stage}{block}_branch"
    bn_name_base = f"bn{stage}{block}_branch"
    F1, F2, F3 = filters
    X_shortcut = X

    # Step 1 (≈ 3 lines): main path, first component: Conv2D with F1 filters of 1x1, stride s,
    #   "valid", named conv_name_base + "2a"; BatchNormalization on axis 3 named bn_name_base + "2a";
    #   ReLU. As in identity_block, every Conv2D gets kernel_initializer=initializer(seed=0).
    ### BEGIN SOLUTION
    X = layers.Conv2D(F1, (1, 1), strides=(s, s), padding="valid", name=conv_name_base + "2a",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2a")(X)
    X = layers.Activation("relu")(X)
    ### END SOLUTION

    # Step 2 (≈ 3 lines): second component: Conv2D with F2 filters of f x f, stride 1, "same",
    #   named ...2b; BatchNormalization named ...2b; ReLU
    ### BEGIN SOLUTION
    X = layers.Conv2D(F2, (f, f), strides=(1, 1), padding="same", name=conv_name_base + "2b",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2b")(X)
    X = layers.Activation("relu")(X)
    ### END SOLUTION

    # Step 3 (≈ 2 lines): third component: Conv2D with F3 filters of 1x1, stride 1, "valid",
    #   named ...2c; BatchNormalization named ...2c; no ReLU
    ### BEGIN SOLUTION
    X = layers.Conv2D(F3, (1, 1), strides=(1, 1), padding="valid", name=conv_name_base + "2c",
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name=bn_name_base + "2c")(X)
    ### END SOLUTION

    # Step 4 (≈ 2 lines): the shortcut path, from X_shortcut: Conv2D with F3 filters of 1x1,
    #   stride s, "valid", named conv_name_base + "1"; BatchNormalization named bn_name_base + "1"
    ### BEGIN SOLUTION
    X_shortcut = layers.Conv2D(F3, (1, 1), strides=(s, s), padding="valid", name=conv_name_base + "1",
                               kernel_initializer=initializer(seed=0))(X_shortcut)
    X_shortcut = layers.BatchNormalization(axis=3, name=bn_name_base + "1")(X_shortcut)
    ### END SOLUTION

    # Step 5 (≈ 2 lines): add the two paths with an Add layer, then the ReLU
    ### BEGIN SOLUTION
    X = layers.Add()([X, X_shortcut])
    X = layers.Activation("relu")(X)
    ### END SOLUTION
    return X


# %% nbgrader={"grade": true, "grade_id": "convolutional_block_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
inference, training = block_outputs(
    lambda X, init: convolutional_block(X, f=2, filters=[2, 4, 6], stage=1, block="a", s=2,
                                        initializer=init),
    (4, 4, 3), constant_init)
check("convolutional_block_inference", inference, name="output (training=False)", rtol=1e-4, atol=1e-5)
check("convolutional_block_training", training, name="output (training=True)", rtol=1e-4, atol=1e-5)

for s in (1, 2, 3):
    X_in = keras.Input(shape=(7, 7, 5))
    X_out = convolutional_block(X_in, f=3, filters=[2, 3, 8], stage=9, block="x", s=s)
    check(f"convolutional_block_shape_stride_{s}", tuple(int(n) for n in X_out.shape[1:]),
          name=f"output shape (n_H, n_W, n_C) for a 7x7x5 input, s={s}")
### BEGIN HIDDEN TESTS
hidden_inference, hidden_training = block_outputs(
    lambda X_h, hidden_init: convolutional_block(X_h, f=3, filters=[3, 5, 4], stage=4, block="b", s=3,
                                                 initializer=hidden_init),
    (7, 8, 2), numpy_uniform_init, seed=8)
check("convolutional_block_hidden_inference", hidden_inference, rtol=1e-4, atol=1e-5)
check("convolutional_block_hidden_training", hidden_training, rtol=1e-4, atol=1e-5)
hidden_inference, _ = block_outputs(
    lambda X_h, hidden_init: convolutional_block(X_h, f=1, filters=[3, 3, 3], stage=4, block="c", s=1,
                                                 initializer=hidden_init),
    (3, 3, 3), numpy_uniform_init, seed=9)
check("convolutional_block_hidden_stride_1", hidden_inference, rtol=1e-4, atol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# ## 5. ResNet-50
#
# Now stack the blocks. "50" counts the layers with weights: the first convolution, 16 blocks of
# three convolutions, and the final dense layer.
#
# ```
# ZeroPadding2D(3) ─ Stage 1 ─ Stage 2 ─ Stage 3 ─ Stage 4 ─ Stage 5 ─ AvgPool ─ Flatten ─ Dense
# ```
#
# - **Zero padding**: `ZeroPadding2D((3, 3))` on the input.
# - **Stage 1**: `Conv2D(64, 7×7)` with stride 2, named `"conv1"`; `BatchNormalization(axis=3)`
#   named `"bn_conv1"`; ReLU; `MaxPool2D(3×3)` with stride 2.
# - **Stage 2**: a convolutional block with `f=3`, `filters=[64, 64, 256]`, **`s=1`**, block
#   `"a"`; then 2 identity blocks, `"b"` and `"c"`, same `f` and filters.
# - **Stage 3**: a convolutional block, `f=3`, `filters=[128, 128, 512]`, `s=2`, block `"a"`;
#   then 3 identity blocks `"b"`, `"c"`, `"d"`.
# - **Stage 4**: a convolutional block, `f=3`, `filters=[256, 256, 1024]`, `s=2`, block `"a"`;
#   then 5 identity blocks `"b"` to `"f"`.
# - **Stage 5**: a convolutional block, `f=3`, `filters=[512, 512, 2048]`, `s=2`, block `"a"`;
#   then 2 identity blocks `"b"` and `"c"`.
# - **Head**: `AveragePooling2D((2, 2))` named `"avg_pool"`, `Flatten`, and
#   `Dense(classes, activation="softmax")` named `"fc" + str(classes)`.
#
# Use `stage=2, 3, 4, 5` for the blocks of each stage and keep the default initialisers
# (`glorot_uniform(seed=0)` for `conv1` and the dense layer). For a 64×64 input the spatial size
# goes 64 → 70 → 32 → 15 → 15 → 8 → 4 → 2 → 1.

# %% nbgrader={"grade": false, "grade_id": "ResNet50_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: ResNet50
def ResNet50(input_shape=(64, 64, 3), classes=6):
    """ResNet-50: CONV -> BN -> RELU -> MAXPOOL -> CONVBLOCK -> IDBLOCK*2 -> CONVBLOCK -> IDBLOCK*3
    -> CONVBLOCK -> IDBLOCK*5 -> CONVBLOCK -> IDBLOCK*2 -> AVGPOOL -> FLATTEN -> DENSE(softmax)

    Arguments:
    input_shape -- shape of one image, (n_H, n_W, n_C)
    classes -- integer, number of classes

    Returns:
    model -- keras.Model taking (m, n_H, n_W, n_C) images, giving (m, classes) probabilities
    """
    X_input = keras.Input(input_shape)

    # Step 1 (≈ 1 line): zero padding of 3 on the input -> X
    ### BEGIN SOLUTION
    X = layers.ZeroPadding2D((3, 3))(X_input)
    ### END SOLUTION

    # Step 2 (≈ 5 lines), stage 1: Conv2D "conv1" (64 filters of 7x7, stride 2,
    #   kernel_initializer=glorot_uniform(seed=0)); BatchNormalization "bn_conv1" on axis 3; ReLU;
    #   MaxPool2D with a 3x3 window and stride 2
    ### BEGIN SOLUTION
    X = layers.Conv2D(64, (7, 7), strides=(2, 2), name="conv1",
                      kernel_initializer=glorot_uniform(seed=0))(X)
    X = layers.BatchNormalization(axis=3, name="bn_conv1")(X)
    X = layers.Activation("relu")(X)
    X = layers.MaxPool2D((3, 3), strides=(2, 2))(X)
    ### END SOLUTION

    # Step 3 (≈ 3 lines), stage 2: convolutional_block "a" with s=1, then identity blocks "b", "c"
    ### BEGIN SOLUTION
    X = convolutional_block(X, f=3, filters=[64, 64, 256], stage=2, block="a", s=1)
    X = identity_block(X, 3, [64, 64, 256], stage=2, block="b")
    X = identity_block(X, 3, [64, 64, 256], stage=2, block="c")
    ### END SOLUTION

    # Step 4 (≈ 3 lines with a loop over the block letters), stage 3: convolutional_block "a"
    #   with s=2, then identity blocks "b" to "d"
    ### BEGIN SOLUTION
    X = convolutional_block(X, f=3, filters=[128, 128, 512], stage=3, block="a", s=2)
    for block in "bcd":
        X = identity_block(X, 3, [128, 128, 512], stage=3, block=block)
    ### END SOLUTION

    # Step 5 (≈ 3 lines), stage 4: convolutional_block "a" with s=2, then identity blocks "b" to "f"
    ### BEGIN SOLUTION
    X = convolutional_block(X, f=3, filters=[256, 256, 1024], stage=4, block="a", s=2)
    for block in "bcdef":
        X = identity_block(X, 3, [256, 256, 1024], stage=4, block=block)
    ### END SOLUTION

    # Step 6 (≈ 3 lines), stage 5: convolutional_block "a" with s=2, then identity blocks "b", "c"
    ### BEGIN SOLUTION
    X = convolutional_block(X, f=3, filters=[512, 512, 2048], stage=5, block="a", s=2)
    for block in "bc":
        X = identity_block(X, 3, [512, 512, 2048], stage=5, block=block)
    ### END SOLUTION

    # Step 7 (≈ 4 lines), the head: AveragePooling2D with a 2x2 window named "avg_pool"; Flatten;
    #   Dense(classes, softmax) named "fc" + str(classes), kernel_initializer=glorot_uniform(seed=0)
    ### BEGIN SOLUTION
    X = layers.AveragePooling2D((2, 2), name="avg_pool")(X)
    X = layers.Flatten()(X)
    X = layers.Dense(classes, activation="softmax", name="fc" + str(classes),
                     kernel_initializer=glorot_uniform(seed=0))(X)
    ### END SOLUTION

    model = keras.Model(inputs=X_input, outputs=X, name="ResNet50")
    return model


# %% [markdown]
# The test checks your stages and head without depending on your blocks: it swaps
# `identity_block` and `convolutional_block` for stand-ins that only record how they were called
# (`f`, `filters`, `s`, `stage`, `block`) and produce the right output shape. So build every
# stage by calling the two block functions.

# %% nbgrader={"grade": true, "grade_id": "ResNet50_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
with trusted_helpers(ResNet50, identity_block=stand_in_identity_block,
                     convolutional_block=stand_in_convolutional_block):
    # each check builds the model itself, so an error while building is reported as feedback
    check_model("ResNet50_stages", lambda: ResNet50(input_shape=(64, 64, 3), classes=6))
    ### BEGIN HIDDEN TESTS
    check_model("ResNet50_hidden_96x96_4_classes", lambda: ResNet50(input_shape=(96, 96, 1), classes=4))
    ### END HIDDEN TESTS

# %% [markdown]
# With your own blocks inside, the model should have **23,600,006** parameters, as the original
# ResNet-50 for six classes: 23,546,886 trainable and 53,120 non-trainable (the running means and
# variances of the batch normalisations).

# %%
model = ResNet50(input_shape=(64, 64, 3), classes=6)
trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
print(f"parameters: {model.count_params():,}  trainable: {trainable:,}  "
      f"non-trainable: {model.count_params() - trainable:,}")
model.summary(line_length=100, layer_range=["conv1", "res2a_branch2c"])   # the first layers only

# %% [markdown]
# ## 6. Train it (briefly)
#
# Compile with Adam and the categorical cross-entropy, then fit. ResNet-50 is slow to train on
# a CPU, so this section trains on the first 320 training pictures only, for two epochs: as in
# week 1, the last 10% of them (32) are held out for validation, and the test set is kept for the
# final evaluation. That is enough to watch it start to learn, not to learn well; section 7
# shows what full training gives.
#
# **How long.** Measured on the course's machine (2 CPU cores, TensorFlow on the CPU, using
# oneDNN), with little else running: the two epochs took 54 s, most of the first spent preparing
# the computation; an epoch over all 972 training pictures takes over three times as long as one
# over these 288. While other jobs share the two cores it can be two or three times slower; on a
# CPU where TensorFlow does not use oneDNN, about twice as slow; a machine with more cores is
# usually faster. `verbose=2` prints one line as each epoch ends. (While a notebook is
# autograded, `epochs(2, quick=0)` skips the training.)

# %%
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
n_train = 320   # of the 1080 training pictures: two epochs over all of them take minutes
n_epochs = epochs(2, quick=0)   # 0 under autograding: no training
print(f"training for {n_epochs} epochs on {n_train} pictures; a line appears as each one ends...")
history = model.fit(X_train[:n_train], Y_train[:n_train], epochs=n_epochs, batch_size=32,
                    validation_split=0.1, verbose=2)
print(f"evaluating on the {len(X_test)} test pictures...")
loss, accuracy = model.evaluate(X_test, Y_test, verbose=0)
print(f"after {len(history.epoch)} epochs: test loss {loss:.3f}, test accuracy {accuracy:.3f}")

# %% [markdown]
# Do not expect much from two epochs: the test accuracy is often near chance at this point,
# partly because the batch normalisations' running statistics, used at test time, lag behind
# the weights while they change quickly.
#
# ## 7. Load the weights this course trained
#
# Training ResNet-50 to a good accuracy takes more epochs and more pictures than a notebook
# should spend. The course ships weights trained by `graders/trainers/resnet50.py` (the details are
# at the top of that script and in `data/README.md`), stored compactly in `data/weights/`:
#
# - the training set was the 1080 SIGNS training pictures **plus 3000 more** drawn by the same
#   generator (never part of the training or test files), so the model saw almost four times as
#   many pictures as `X_train` holds;
# - 15 epochs of Adam (learning rate 0.001, cosine decay, minibatches of 64), about 16 minutes on
#   two CPU cores;
# - every kernel is then stored with 4 bits per weight (the file is 10.4 MiB instead of 90 MiB).
#
# So the accuracy below comes from more data and much more training than section 6 could give;
# on the 120 test pictures these weights score about 0.99.
# `load_resnet50_weights` copies them into *your* model, layer by layer, and tells you which layer
# does not fit if your architecture differs.
#
# (If you have the original course's `ResNet50.h5`, put it in `data/` and it is used instead.)

# %%
load_resnet50_weights(model)
print(f"evaluating on the {len(X_test)} test pictures...")
loss, accuracy = model.evaluate(X_test, Y_test, verbose=0)
print(f"with the course's weights: test loss {loss:.3f}, test accuracy {accuracy:.3f}")

# %%
print(f"predicting the {len(X_test)} test pictures...")
predicted = model.predict(X_test, verbose=0).argmax(axis=1)
show_predictions(X_test_orig, Y_test_orig, predicted, columns=8, rows=2)
plt.show()

# %% [markdown]
# ## 8. Try your own picture
#
# `keras.utils.load_img` reads any image file and resizes it to 64×64. The cell saves one test
# picture to a file and classifies it; change `image_path` to a photo of your own hand. A
# photograph is far from the drawings the model was trained on, so expect mistakes: that gap
# between training data and the world is worth seeing once.

# %%
import tempfile

image_path = os.path.join(tempfile.gettempdir(), "signs_example.png")
plt.imsave(image_path, X_test_orig[5])          # replace image_path with your own photo

image = keras.utils.load_img(image_path, target_size=(64, 64))
x = keras.utils.img_to_array(image)[np.newaxis] / 255.0
probabilities = model.predict(x, verbose=0)[0]
fig, (ax_image, ax_bars) = plt.subplots(1, 2, figsize=(6, 2.4))
ax_image.imshow(image)
ax_image.axis("off")
ax_image.set_title(f"predicted: {probabilities.argmax()} fingers")
ax_bars.bar(range(6), probabilities)
ax_bars.set_xlabel("class")
ax_bars.set_ylabel("probability")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## What you should remember
#
# - Very deep plain networks are hard to train because gradients shrink (or grow) exponentially
#   on their way back to the first layers.
# - A skip connection adds a block's input to its output before the last ReLU, so each block
#   only has to learn a *residual*, and the gradient has a short path back through every unit
#   that ReLU leaves active; learning the identity is easy, so extra blocks rarely hurt.
# - There are two blocks: the **identity block** when the shapes match, the **convolutional
#   block** (a 1×1 convolution with stride on the shortcut) when they do not.
# - ResNet-50 stacks 16 such blocks in four stages, halving the picture and doubling the channels
#   from stage to stage.
#
# **Reference.** K. He, X. Zhang, S. Ren, J. Sun, *Deep Residual Learning for Image Recognition*
# (2015).
