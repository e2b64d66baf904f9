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
# # Week 2 · Case studies: classic networks, 1×1 convolutions, Inception, MobileNet
#
# The fastest way to get good at designing ConvNets is to read (and rebuild) the ones that
# worked. In this notebook you build the networks of the lecture in Keras, count what they cost,
# and see the two ideas that made later networks cheap: the **1×1 convolution** (Inception's
# bottleneck) and the **depthwise-separable convolution** (MobileNet).
#
# **What you will write** (each in a cell marked `# GRADED FUNCTION`):
#
# | function | what it does |
# |---|---|
# | `LeNet5` | LeNet-5 (1998) as the lecture draws it: 32×32×1 → … → 10 classes, 61,706 parameters |
# | `AlexNet` | AlexNet (2012) on 227×227×3 pictures: 62,378,344 parameters |
# | `VGG16` | VGG-16 (2014): thirteen 3×3 convolutions and three dense layers, 138,357,544 parameters |
# | `inception_module` | the four branches of an Inception module, concatenated: 28×28×192 → 28×28×256 |
# | `branch_multiplications` | the cost of a convolution branch, with or without a 1×1 bottleneck |
# | `depthwise_separable_block` | MobileNet's building block: a depthwise 3×3 then a pointwise 1×1 convolution |
#
# **How the tests work**, as in the earlier notebooks: the test cell under each function prints
# what it expected and what it got, and names a common mistake when it recognises one. Keras
# models are compared layer by layer (kind, settings, output shape, parameters), so
# `Conv2D(..., activation="relu")` and a separate `ReLU()` layer count as the same. Grading runs
# more tests with other input sizes and numbers of classes, so use the arguments, not constants.
#
# The whole notebook runs in about 15 seconds on two CPU cores and needs about 2 GB of memory
# (VGG-16's weights alone take 553 MB).

# %%
from utils.quiet_import import import_tensorflow

import_tensorflow()  # TensorFlow's start-up notices would go to stderr (see utils/quiet_import.py)

import gc
import time

import numpy as np
import keras
from keras import layers
from keras.initializers import GlorotUniform as glorot_uniform

from utils.architecture import layer_costs, print_costs
from utils.checks import notebook_checks

check, check_model, stand_ins = notebook_checks("week2_case_studies")  # this notebook's test cases

# %% [markdown]
# ## 1. Classic networks
#
# Three networks, each about ten times bigger than the one before, show how ConvNets grew:
#
# - **LeNet-5** (LeCun et al., 1998) read hand-written digits;
# - **AlexNet** (Krizhevsky, Sutskever, Hinton, 2012) won ImageNet by a wide margin and
#   convinced computer vision that deep learning works;
# - **VGG-16** (Simonyan, Zisserman, 2014) showed that a very regular design, only 3×3
#   convolutions and 2×2 max-pools, works as well as hand-tuned ones.
#
# A pattern runs through all three: the height and width shrink as you go deeper while the
# number of channels grows, and a few dense layers sit at the end.
#
# All three are built with the functional API, like `ResNet50`:
#
# ```python
# X_input = keras.Input(input_shape)
# X = layers.Conv2D(8, (3, 3), strides=(1, 1), padding="same", activation="relu")(X_input)
# ...
# model = keras.Model(inputs=X_input, outputs=X, name="LeNet5")
# ```
#
# ### 1.1 LeNet-5
#
# The lecture's version, for a 32×32×1 grey-scale picture:
#
# | step | layer | output |
# |---|---|---|
# | 1 | `Conv2D`, 6 filters of 5×5, stride 1, `"valid"`, ReLU | 28×28×6 |
# | 2 | `AveragePooling2D`, 2×2, stride 2 | 14×14×6 |
# | 3 | `Conv2D`, 16 filters of 5×5, stride 1, `"valid"`, ReLU | 10×10×16 |
# | 4 | `AveragePooling2D`, 2×2, stride 2 | 5×5×16 |
# | 5 | `Flatten` | 400 |
# | 6 | `Dense(120)`, ReLU | 120 |
# | 7 | `Dense(84)`, ReLU | 84 |
# | 8 | `Dense(classes)`, softmax | 10 |
#
# This is the *modern* reading of the paper. The 1998 network used sigmoid/tanh units instead
# of ReLU, applied a nonlinearity after each pooling, connected each filter of the second
# convolution to only some of the 6 input channels (to save computation), and its output layer
# was not a softmax. With every filter seeing every channel, as here, LeNet-5 has **61,706**
# parameters: the lecture's "about 60k".

# %% nbgrader={"grade": false, "grade_id": "LeNet5_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: LeNet5
def LeNet5(input_shape=(32, 32, 1), classes=10):
    """LeNet-5, modern variant: CONV -> AVGPOOL -> CONV -> AVGPOOL -> FLATTEN -> FC -> FC -> SOFTMAX

    Arguments:
    input_shape -- shape of one picture, (n_H, n_W, n_C)
    classes -- integer, number of classes

    Returns:
    model -- keras.Model named "LeNet5"
    """
    X_input = keras.Input(input_shape)

    # Step 1 (≈ 2 lines): Conv2D with 6 filters of 5x5, stride 1, "valid", ReLU; then
    #   AveragePooling2D with a 2x2 window and stride 2
    ### BEGIN SOLUTION
    X = layers.Conv2D(6, (5, 5), strides=(1, 1), padding="valid", activation="relu")(X_input)
    X = layers.AveragePooling2D((2, 2), strides=(2, 2))(X)
    ### END SOLUTION

    # Step 2 (≈ 2 lines): the same with 16 filters
    ### BEGIN SOLUTION
    X = layers.Conv2D(16, (5, 5), strides=(1, 1), padding="valid", activation="relu")(X)
    X = layers.AveragePooling2D((2, 2), strides=(2, 2))(X)
    ### END SOLUTION

    # Step 3 (≈ 4 lines): Flatten; Dense(120) and Dense(84), both ReLU; Dense(classes), softmax
    ### BEGIN SOLUTION
    X = layers.Flatten()(X)
    X = layers.Dense(120, activation="relu")(X)
    X = layers.Dense(84, activation="relu")(X)
    X = layers.Dense(classes, activation="softmax")(X)
    ### END SOLUTION

    model = keras.Model(inputs=X_input, outputs=X, name="LeNet5")
    return model


# %% nbgrader={"grade": true, "grade_id": "LeNet5_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# each check builds the model itself, so an error while building is reported as feedback
check_model("LeNet5_layers", lambda: LeNet5())
### BEGIN HIDDEN TESTS
check_model("LeNet5_hidden_28x28_5_classes", lambda: LeNet5(input_shape=(28, 28, 3), classes=5))
### END HIDDEN TESTS

# %% [markdown]
# Where are its parameters, and where is its work? `print_costs` (from `utils/architecture.py`)
# lists every layer with weights: its parameters, and the **multiplications** it does for one
# picture. A convolution does one multiplication per output number per filter weight:
# $n_H^{out} \cdot n_W^{out} \cdot n_C \cdot f \cdot f \cdot n_C^{prev}$; a dense layer
# $n_{in} \cdot n_{out}$.

# %%
lenet = LeNet5()
lenet_costs = print_costs(lenet, "LeNet-5")
assert lenet.count_params() == 61_706          # 156 + 2,416 + 48,120 + 10,164 + 850

# %% [markdown]
# The convolutions hold 4% of the parameters but do most of the multiplications: a filter is
# small, but it is used at every position. The dense layers are the opposite. Keep this in mind:
# it is true of every network in this notebook.
#
# ### 1.2 AlexNet
#
# The lecture's AlexNet takes 227×227×3 pictures (the paper says 224, but only 227 makes the
# arithmetic work: $(227 - 11)/4 + 1 = 55$). Every convolution and the two hidden dense layers
# use ReLU, every pooling is a 3×3 max-pool with stride 2 (windows that overlap):
#
# | step | layer | output |
# |---|---|---|
# | 1 | `Conv2D`, 96 filters of 11×11, **stride 4**, `"valid"`, ReLU | 55×55×96 |
# | 2 | `MaxPool2D`, 3×3, stride 2 | 27×27×96 |
# | 3 | `Conv2D`, 256 filters of 5×5, stride 1, `"same"`, ReLU | 27×27×256 |
# | 4 | `MaxPool2D`, 3×3, stride 2 | 13×13×256 |
# | 5 | `Conv2D`, 384 filters of 3×3, `"same"`, ReLU | 13×13×384 |
# | 6 | `Conv2D`, 384 filters of 3×3, `"same"`, ReLU | 13×13×384 |
# | 7 | `Conv2D`, 256 filters of 3×3, `"same"`, ReLU | 13×13×256 |
# | 8 | `MaxPool2D`, 3×3, stride 2 | 6×6×256 |
# | 9 | `Flatten` | 9216 |
# | 10 | `Dense(4096)`, ReLU; `Dense(4096)`, ReLU | 4096 |
# | 11 | `Dense(classes)`, softmax | 1000 |
#
# (The lecture's notes once print 27×27×**276**: a typo for 256.) The original network also had
# "local response normalisation" layers, later found to help little, and dropout in the dense
# layers; both are left out here, and neither has parameters. It was trained on two GPUs, so its
# second, fourth and fifth convolutions were split in two groups that each saw half the channels;
# this single-tower version connects every filter to every channel and has **62,378,344**
# parameters, the lecture's "about 60M".

# %% nbgrader={"grade": false, "grade_id": "AlexNet_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: AlexNet
def AlexNet(input_shape=(227, 227, 3), classes=1000):
    """AlexNet, one tower: CONV11/4 -> MAXPOOL -> CONV5 -> MAXPOOL -> CONV3 x3 -> MAXPOOL
    -> FLATTEN -> FC4096 -> FC4096 -> SOFTMAX

    Arguments:
    input_shape -- shape of one picture, (n_H, n_W, n_C)
    classes -- integer, number of classes

    Returns:
    model -- keras.Model named "AlexNet"
    """
    X_input = keras.Input(input_shape)

    # Step 1 (≈ 2 lines): Conv2D with 96 filters of 11x11, stride 4, "valid", ReLU; MaxPool2D
    #   with a 3x3 window and stride 2
    ### BEGIN SOLUTION
    X = layers.Conv2D(96, (11, 11), strides=(4, 4), padding="valid", activation="relu")(X_input)
    X = layers.MaxPool2D((3, 3), strides=(2, 2))(X)
    ### END SOLUTION

    # Step 2 (≈ 2 lines): Conv2D with 256 filters of 5x5, stride 1, "same", ReLU; the same max-pool
    ### BEGIN SOLUTION
    X = layers.Conv2D(256, (5, 5), strides=(1, 1), padding="same", activation="relu")(X)
    X = layers.MaxPool2D((3, 3), strides=(2, 2))(X)
    ### END SOLUTION

    # Step 3 (≈ 4 lines): three Conv2D of 3x3, stride 1, "same", ReLU, with 384, 384 and 256
    #   filters; the same max-pool
    ### BEGIN SOLUTION
    X = layers.Conv2D(384, (3, 3), strides=(1, 1), padding="same", activation="relu")(X)
    X = layers.Conv2D(384, (3, 3), strides=(1, 1), padding="same", activation="relu")(X)
    X = layers.Conv2D(256, (3, 3), strides=(1, 1), padding="same", activation="relu")(X)
    X = layers.MaxPool2D((3, 3), strides=(2, 2))(X)
    ### END SOLUTION

    # Step 4 (≈ 4 lines): Flatten; two Dense(4096) with ReLU; Dense(classes) with softmax
    ### BEGIN SOLUTION
    X = layers.Flatten()(X)
    X = layers.Dense(4096, activation="relu")(X)
    X = layers.Dense(4096, activation="relu")(X)
    X = layers.Dense(classes, activation="softmax")(X)
    ### END SOLUTION

    model = keras.Model(inputs=X_input, outputs=X, name="AlexNet")
    return model


# %% [markdown]
# The test builds your AlexNet twice (once at 227×227×3). Each build allocates and initialises its
# 62 million weights (250 MB), which takes about a second; the test lets each model go as soon
# as it has been compared.

# %% nbgrader={"grade": true, "grade_id": "AlexNet_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_model("AlexNet_layers", lambda: AlexNet())
### BEGIN HIDDEN TESTS
check_model("AlexNet_hidden_99x99_10_classes", lambda: AlexNet(input_shape=(99, 99, 1), classes=10))
### END HIDDEN TESTS
gc.collect()

# %%
start = time.perf_counter()
alexnet = AlexNet()
print(f"AlexNet built in {time.perf_counter() - start:.1f} s")
print("first convolution's output:", tuple(alexnet.layers[1].output.shape[1:]))
alexnet_costs = print_costs(alexnet, "AlexNet")
assert tuple(alexnet.layers[1].output.shape[1:]) == (55, 55, 96)
assert alexnet.count_params() == 62_378_344
del alexnet
gc.collect();

# %% [markdown]
# The three dense layers hold **94%** of AlexNet's parameters (the first one alone, 9216 × 4096,
# holds 60%), while the convolutions do 95% of its 1.1 billion multiplications.
#
# ### 1.3 VGG-16
#
# VGG replaces AlexNet's zoo of filter sizes by one rule: **every convolution is 3×3, stride 1,
# `"same"`, ReLU; every pooling is a 2×2 max-pool with stride 2.** The convolutions come in five
# blocks; after each block the pooling halves the height and width, and the number of filters
# doubles from block to block until it reaches 512:
#
# | block | convolutions | output after the pooling |
# |---|---|---|
# | 1 | 2 × `Conv2D(64)` | 112×112×64 |
# | 2 | 2 × `Conv2D(128)` | 56×56×128 |
# | 3 | 3 × `Conv2D(256)` | 28×28×256 |
# | 4 | 3 × `Conv2D(512)` | 14×14×512 |
# | 5 | 3 × `Conv2D(512)` | 7×7×512 |
# | head | `Flatten`; 2 × `Dense(4096)`, ReLU; `Dense(classes)`, softmax | 1000 |
#
# "16" counts the layers with weights: 13 convolutions and 3 dense layers. (The lecture's notes
# name only one 4096 layer and once say 129 filters; both are slips.) VGG-16 has
# **138,357,544** parameters. VGG-19 adds one convolution to each of blocks 3, 4 and 5 and
# does about as well.
#
# A loop over the blocks keeps the code short, for example over
# `[(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]`.

# %% nbgrader={"grade": false, "grade_id": "VGG16_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: VGG16
def VGG16(input_shape=(224, 224, 3), classes=1000):
    """VGG-16: 5 blocks of 3x3 "same" convolutions, each followed by a 2x2 max-pool,
    then FLATTEN -> FC4096 -> FC4096 -> SOFTMAX

    Arguments:
    input_shape -- shape of one picture, (n_H, n_W, n_C)
    classes -- integer, number of classes

    Returns:
    model -- keras.Model named "VGG16"
    """
    X_input = keras.Input(input_shape)
    X = X_input

    # Step 1 (≈ 4 lines): for each block, its Conv2D layers (3x3, stride 1, "same", ReLU), then
    #   MaxPool2D with a 2x2 window and stride 2
    ### BEGIN SOLUTION
    for n_convs, n_filters in [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]:
        for _ in range(n_convs):
            X = layers.Conv2D(n_filters, (3, 3), strides=(1, 1), padding="same", activation="relu")(X)
        X = layers.MaxPool2D((2, 2), strides=(2, 2))(X)
    ### END SOLUTION

    # Step 2 (≈ 4 lines): Flatten; two Dense(4096) with ReLU; Dense(classes) with softmax
    ### BEGIN SOLUTION
    X = layers.Flatten()(X)
    X = layers.Dense(4096, activation="relu")(X)
    X = layers.Dense(4096, activation="relu")(X)
    X = layers.Dense(classes, activation="softmax")(X)
    ### END SOLUTION

    model = keras.Model(inputs=X_input, outputs=X, name="VGG16")
    return model


# %% [markdown]
# **How long, how big.** Building VGG-16 allocates and initialises 138 million weights, 553 MB
# of memory. Measured on the course's machine (2 CPU cores), one build takes 1.3 s (3 s while
# other jobs share the cores). The test
# below builds it once at full size (224×224×3, 1000 classes) and once smaller, and lets each go
# before the next is built, so no more than one copy of the weights is alive at a time. (The
# comparison counts parameters from the weights' shapes; it never copies their values.)

# %% nbgrader={"grade": true, "grade_id": "VGG16_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check_model("VGG16_layers", lambda: VGG16())
gc.collect()
### BEGIN HIDDEN TESTS
check_model("VGG16_hidden_32x32_10_classes", lambda: VGG16(input_shape=(32, 32, 1), classes=10))
gc.collect()
### END HIDDEN TESTS

# %%
start = time.perf_counter()
vgg = VGG16()
build_seconds = time.perf_counter() - start
print(f"VGG-16 built in {build_seconds:.1f} s: {vgg.count_params():,} parameters, "
      f"{vgg.count_params() * 4 / 1e6:,.0f} MB of float32 weights")
vgg_costs = print_costs(vgg, "VGG-16")
assert vgg.count_params() == 138_357_544
del vgg
gc.collect();

# %% [markdown]
# Read the two shares at the bottom of the table. The dense layers hold 89% of VGG-16's
# parameters but do only 0.8% of its 15.5 billion multiplications; the convolutions are where
# the time goes. So, to make a network *smaller*, shrink the dense layers (later networks replace
# them by a global average pooling, see the ResNet notebook); to make it *faster*, make the
# convolutions cheaper. The rest of this notebook is about the second.

# %%
for name, costs in [("LeNet-5", lenet_costs), ("AlexNet", alexnet_costs), ("VGG-16", vgg_costs)]:
    print(f"{name:8} {costs['params']:>12,} parameters ({costs['dense_params'] / costs['params']:.0%} "
          f"dense)  {costs['mults']:>15,} multiplications ({costs['conv_mults'] / costs['mults']:.1%} conv)")

# %% [markdown]
# ## 2. The 1×1 convolution
#
# A 1×1 filter looks like it does nothing. On a one-channel picture it does almost nothing: it
# multiplies every pixel by one number.

# %%
picture = np.arange(1.0, 37.0).reshape(1, 6, 6, 1)
times_two = layers.Conv2D(1, (1, 1), use_bias=False, kernel_initializer=keras.initializers.Constant(2.0))
print(np.asarray(times_two(picture))[0, :, :, 0])

# %% [markdown]
# On a picture with many channels it does much more. At each of the $n_H \times n_W$ positions,
# one 1×1×$n_C^{prev}$ filter takes the dot product of its weights with the $n_C^{prev}$ values
# of that pixel; $n_C$ filters give $n_C$ numbers, then the ReLU. That is exactly a **dense
# layer with $n_C^{prev}$ inputs and $n_C$ units, applied to every pixel separately** with the
# same weights (Lin, Chen, Yan, *Network in Network*, 2013). Below, 32 filters of 1×1×192 on a
# 28×28×192 volume, computed by Keras and as one matrix product: every pixel is a row of a
# (784, 192) matrix, multiplied by the (192, 32) matrix of weights.

# %%
rng = np.random.default_rng(0)
volume = rng.standard_normal((1, 28, 28, 192)).astype("float32")
W = rng.standard_normal((1, 1, 192, 32)).astype("float32") * 0.1
b = rng.standard_normal(32).astype("float32")

conv1x1 = layers.Conv2D(32, (1, 1), activation="relu")
conv1x1.build(volume.shape)
conv1x1.set_weights([W, b])
by_keras = np.asarray(conv1x1(volume))

pixels = volume.reshape(28 * 28, 192)                 # one row per pixel
by_matmul = np.maximum(pixels @ W.reshape(192, 32) + b, 0).reshape(1, 28, 28, 32)
print("28x28x192 ->", by_keras.shape[1:], "; largest difference from the matrix product:",
      float(np.abs(by_keras - by_matmul).max()))
assert by_keras.shape == (1, 28, 28, 32)
assert np.allclose(by_keras, by_matmul, rtol=1e-4, atol=1e-4)

# %% [markdown]
# So a 1×1 convolution changes the number of **channels** the way pooling changes the height and
# width: here it shrinks 192 channels to 32, with 192 × 32 + 32 = 6,176 parameters. With as many
# filters as channels it only adds a nonlinearity; with more it adds channels. Inception uses it
# to make its expensive convolutions cheap.
#
# ## 3. Inception
#
# Instead of choosing between a 1×1, a 3×3 and a 5×5 convolution, or a pooling, an Inception
# module (Szegedy et al., 2014, the network *GoogLeNet*) does **all of them** and stacks their
# outputs along the channels. Every branch keeps the height and width (`"same"` padding, stride
# 1), so the outputs can be concatenated. On a 28×28×192 input:
#
# ```
#            ┌─ Conv 1×1 (64) ─────────────────────────────┐  28×28×64
#            ├─ Conv 1×1 (96)  ─ Conv 3×3 same (128) ───────┤  28×28×128
#  28×28×192 ┼─ Conv 1×1 (16)  ─ Conv 5×5 same (32) ────────┼─ concatenate → 28×28×256
#            └─ MaxPool 3×3 s1 same ─ Conv 1×1 (32) ────────┘  28×28×32
# ```
#
# The 1×1 convolutions before the 3×3 and the 5×5 are **bottlenecks**: they shrink the channels
# first, so the big filters run on 96 and 16 channels instead of 192 (section 3.2 counts what
# that saves). The one after the max-pool shrinks its 192 channels to 32; without it, the
# pooling branch alone would give 192 of the output's channels.
#
# `filters` is `[F1, [F3_reduce, F3], [F5_reduce, F5], F_pool]`, here
# `[64, [96, 128], [16, 32], 32]`. Every convolution has a ReLU and gets
# `kernel_initializer=initializer(seed=0)`; concatenate with `layers.Concatenate(axis=-1)` in the
# order 1×1, 3×3, 5×5, pool.

# %% nbgrader={"grade": false, "grade_id": "inception_module_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: inception_module
def inception_module(X, filters, initializer=glorot_uniform):
    """An Inception module: four branches with "same" padding, concatenated along the channels.

    Arguments:
    X -- input tensor, (m, n_H, n_W, n_C_prev)
    filters -- [F1, [F3_reduce, F3], [F5_reduce, F5], F_pool]
    initializer -- function of a seed returning a kernel initialiser, e.g. glorot_uniform

    Returns:
    X -- output tensor, (m, n_H, n_W, F1 + F3 + F5 + F_pool)
    """
    F1, (F3_reduce, F3), (F5_reduce, F5), F_pool = filters

    # Step 1 (≈ 1 line): the 1x1 branch: Conv2D with F1 filters of 1x1, ReLU -> branch_1x1
    ### BEGIN SOLUTION
    branch_1x1 = layers.Conv2D(F1, (1, 1), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(X)
    ### END SOLUTION

    # Step 2 (≈ 2 lines): the 3x3 branch: Conv2D with F3_reduce filters of 1x1, ReLU; then Conv2D
    #   with F3 filters of 3x3, "same", ReLU -> branch_3x3
    ### BEGIN SOLUTION
    branch_3x3 = layers.Conv2D(F3_reduce, (1, 1), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(X)
    branch_3x3 = layers.Conv2D(F3, (3, 3), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(branch_3x3)
    ### END SOLUTION

    # Step 3 (≈ 2 lines): the 5x5 branch, the same with F5_reduce and F5 filters of 5x5 -> branch_5x5
    ### BEGIN SOLUTION
    branch_5x5 = layers.Conv2D(F5_reduce, (1, 1), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(X)
    branch_5x5 = layers.Conv2D(F5, (5, 5), padding="same", activation="relu",
                               kernel_initializer=initializer(seed=0))(branch_5x5)
    ### END SOLUTION

    # Step 4 (≈ 2 lines): the pooling branch: MaxPool2D with a 3x3 window, stride 1, "same"; then
    #   Conv2D with F_pool filters of 1x1, ReLU -> branch_pool
    ### BEGIN SOLUTION
    branch_pool = layers.MaxPool2D((3, 3), strides=(1, 1), padding="same")(X)
    branch_pool = layers.Conv2D(F_pool, (1, 1), padding="same", activation="relu",
                                kernel_initializer=initializer(seed=0))(branch_pool)
    ### END SOLUTION

    # Step 5 (≈ 1 line): concatenate the four branches along the channels, in this order
    ### BEGIN SOLUTION
    X = layers.Concatenate(axis=-1)([branch_1x1, branch_3x3, branch_5x5, branch_pool])
    ### END SOLUTION
    return X


# %% [markdown]
# The test runs your module on a small NumPy-seeded input with kernels from NumPy's generator
# (so the expected values do not depend on TensorFlow's random numbers), then checks the output
# shape for the lecture's 28×28×192 input.

# %% nbgrader={"grade": true, "grade_id": "inception_module_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def numpy_uniform_init(seed=0):
    """Kernels from NumPy's generator (seeded by the shape), independent of TensorFlow's RNG."""
    def init(shape, dtype=None):
        rng = np.random.default_rng([seed, *shape])
        return rng.uniform(-0.5, 0.5, size=shape).astype("float32")
    return init


def module_output(make, input_shape, seed=1):
    """The output of ``make(inputs)`` on a NumPy-seeded batch of 2, as float64."""
    inputs = keras.Input(shape=input_shape)
    model = keras.Model(inputs, make(inputs))
    x = np.random.default_rng(seed).standard_normal((2, *input_shape)).astype("float32")
    return np.asarray(model(x, training=False), dtype=np.float64)


output = module_output(lambda X: inception_module(X, [3, [2, 4], [2, 3], 2], numpy_uniform_init),
                       (5, 5, 6))
check("inception_module_output", output, name="output", rtol=1e-4, atol=1e-5)
lecture_input = keras.Input(shape=(28, 28, 192))
lecture_output = inception_module(lecture_input, [64, [96, 128], [16, 32], 32])
check("inception_module_shape_28x28x192", tuple(int(n) for n in lecture_output.shape[1:]),
      name="output shape (n_H, n_W, n_C) for a 28x28x192 input")
### BEGIN HIDDEN TESTS
hidden_output = module_output(
    lambda X_h: inception_module(X_h, [2, [3, 2], [1, 4], 3], initializer=numpy_uniform_init),
    (6, 7, 5), seed=7)
check("inception_module_hidden_output", hidden_output, rtol=1e-4, atol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.1 The cost of a branch
#
# Count the multiplications of the 5×5 branch, as in the lecture. A `"same"` convolution with
# $n_C$ filters of $f \times f$ on an $n_H \times n_W \times n_C^{prev}$ volume computes
# $n_H \cdot n_W \cdot n_C$ output numbers, each with $f \cdot f \cdot n_C^{prev}$
# multiplications:
#
# $$ \text{direct} = n_H \, n_W \, n_C \cdot f^2 \, n_C^{prev}. $$
#
# For 32 filters of 5×5 on 28×28×192 that is **120,422,400**: 120 million multiplications for
# one branch of one module, for one picture. With a bottleneck of $b$ channels, the 1×1
# convolution first computes an $n_H \times n_W \times b$ volume (each number costs
# $n_C^{prev}$ multiplications), then the $f \times f$ convolution runs on $b$ channels:
#
# $$ \text{bottleneck} = n_H \, n_W \, b \cdot n_C^{prev} \;+\; n_H \, n_W \, n_C \cdot f^2 \, b. $$
#
# With $b = 16$: 2,408,448 + 10,035,200 = **12,443,648**, about a tenth. (The lecture says
# "about 12.4 million" but its notes print "1204万"; 12,443,648 is "1244万". They also describe
# the 1×1 step as giving a 28×28×192 output; it gives 28×28×16.) Write
# `branch_multiplications`; return a Python `int`.

# %% nbgrader={"grade": false, "grade_id": "branch_multiplications_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: branch_multiplications
def branch_multiplications(n_H, n_W, n_C_prev, f, n_C, bottleneck=None):
    """Multiplications of a "same", stride-1 convolution branch of n_C filters of f x f on an
    n_H x n_W x n_C_prev volume, for one example; with ``bottleneck`` = b, a 1x1 convolution
    to b channels comes first.

    Returns:
    cost -- int, the number of multiplications
    """
    # Step 1 (≈ 2 lines): without a bottleneck, the direct convolution's cost
    ### BEGIN SOLUTION
    if bottleneck is None:
        return int(n_H * n_W * n_C * f * f * n_C_prev)
    ### END SOLUTION

    # Step 2 (≈ 3 lines): with one, the 1x1 convolution's cost plus the f x f convolution's
    ### BEGIN SOLUTION
    reduce_cost = n_H * n_W * bottleneck * n_C_prev
    conv_cost = n_H * n_W * n_C * f * f * bottleneck
    return int(reduce_cost + conv_cost)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "branch_multiplications_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
check("branch_multiplications_direct_5x5", branch_multiplications(28, 28, 192, 5, 32),
      name="multiplications, direct 5x5", rtol=0, atol=0)
check("branch_multiplications_bottleneck_16", branch_multiplications(28, 28, 192, 5, 32, bottleneck=16),
      name="multiplications, 1x1 to 16 then 5x5", rtol=0, atol=0)
check("branch_multiplications_3x3_bottleneck_96", branch_multiplications(28, 28, 192, 3, 128, 96),
      name="multiplications, 1x1 to 96 then 3x3", rtol=0, atol=0)
### BEGIN HIDDEN TESTS
check("branch_multiplications_hidden_direct", branch_multiplications(14, 10, 48, 3, 20), rtol=0, atol=0)
check("branch_multiplications_hidden_bottleneck", branch_multiplications(7, 9, 64, 5, 24, bottleneck=8),
      rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# The same count, from Keras: `layer_costs` reads each layer's output shape and kernel size
# from a model. In the lecture's module the bottlenecks make the 3×3 branch 1.7 times cheaper and
# the 5×5 branch 9.7 times.

# %%
def branch(f, n_C, bottleneck=None):
    inputs = keras.Input((28, 28, 192))
    X = inputs if bottleneck is None else layers.Conv2D(bottleneck, 1)(inputs)
    return keras.Model(inputs, layers.Conv2D(n_C, f, padding="same")(X))


for f, n_C, b in [(5, 32, None), (5, 32, 16), (3, 128, None), (3, 128, 96)]:
    counted = sum(row["mults"] for row in layer_costs(branch(f, n_C, b)))
    print(f"{f}x{f} branch, {n_C} filters, bottleneck {b}: {counted:>11,} multiplications")
    assert counted == branch_multiplications(28, 28, 192, f, n_C, b)

# %% [markdown]
# GoogLeNet stacks nine such modules (with max-pools between some of them to shrink the
# height and width), ends with a global average pooling instead of big dense layers, and adds
# two side branches that predict the class from intermediate layers during training, which
# regularises the network. It has fewer than 7 million parameters, a ninth of AlexNet's.
#
# ## 4. MobileNet: depthwise-separable convolutions
#
# Inception makes a convolution cheaper by shrinking its input channels first. **MobileNet**
# (Howard et al., 2017), designed for phones, goes further and splits every convolution in two:
#
# 1. a **depthwise** convolution: one $f \times f$ filter *per input channel*, each applied to its
#    own channel only; $n_C^{prev}$ channels in, $n_C^{prev}$ out;
# 2. a **pointwise** convolution: a 1×1 convolution with $n_C$ filters, which mixes the channels.
#
# A normal convolution does both at once. The cost, for an output of $n_H \times n_W$:
#
# $$ \text{normal} = n_H \, n_W \, n_C \cdot f^2 \, n_C^{prev}, \qquad
#    \text{separable} = \underbrace{n_H \, n_W \, n_C^{prev} \cdot f^2}_{\text{depthwise}}
#    + \underbrace{n_H \, n_W \, n_C \cdot n_C^{prev}}_{\text{pointwise}}, $$
#
# $$ \frac{\text{separable}}{\text{normal}} = \frac{1}{n_C} + \frac{1}{f^2}. $$
#
# With 3×3 filters and many channels that is about $1/9$: nine times fewer multiplications
# (and parameters) for a layer that computes almost as useful features.

# %%
def conv_model(separable, n_C_prev=64, n_C=128, size=28):
    inputs = keras.Input((size, size, n_C_prev))
    if separable:
        X = layers.DepthwiseConv2D(3, padding="same", use_bias=False)(inputs)
        X = layers.Conv2D(n_C, 1, use_bias=False)(X)
    else:
        X = layers.Conv2D(n_C, 3, padding="same", use_bias=False)(inputs)
    return keras.Model(inputs, X)


normal = sum(row["mults"] for row in layer_costs(conv_model(separable=False)))
separable = sum(row["mults"] for row in layer_costs(conv_model(separable=True)))
print(f"3x3 convolution, 28x28x64 -> 28x28x128: normal {normal:,}, separable {separable:,} "
      f"multiplications, ratio {separable / normal:.4f} = 1/128 + 1/9 = {1 / 128 + 1 / 9:.4f}")
assert normal == 28 * 28 * 128 * 3 * 3 * 64
assert separable == 28 * 28 * 64 * 3 * 3 + 28 * 28 * 128 * 64
assert np.isclose(separable / normal, 1 / 128 + 1 / 9)

# %% [markdown]
# ### 4.1 The depthwise-separable block
#
# MobileNet (v1) is a stack of these blocks, each followed by batch normalisation and **ReLU6**,
# $\min(\max(0, x), 6)$, a ReLU capped at 6 (which keeps values in a range that low-precision
# arithmetic on phones handles well):
#
# ```
#  X ── DepthwiseConv2D 3×3, stride s, same ─ BN ─ ReLU6 ─ Conv2D n_C × 1×1 ─ BN ─ ReLU6 ──▶
# ```
#
# 1. `layers.DepthwiseConv2D((3, 3), strides=(strides, strides), padding="same", use_bias=False,
#    depthwise_initializer=initializer(seed=0))`; `BatchNormalization(axis=3)`;
#    `layers.ReLU(max_value=6)`.
# 2. `layers.Conv2D(n_C, (1, 1), strides=(1, 1), padding="same", use_bias=False,
#    kernel_initializer=initializer(seed=0))`; `BatchNormalization(axis=3)`; `layers.ReLU(max_value=6)`.
#
# The convolutions have no bias because the batch normalisation right after them has its own
# ($\beta$). The stride, when there is one, belongs to the depthwise convolution: it shrinks the
# picture before the pointwise one mixes the channels.

# %% nbgrader={"grade": false, "grade_id": "depthwise_separable_block_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: depthwise_separable_block
def depthwise_separable_block(X, n_C, strides=1, initializer=glorot_uniform):
    """MobileNet's block: depthwise 3x3 conv -> BN -> ReLU6 -> pointwise 1x1 conv -> BN -> ReLU6

    Arguments:
    X -- input tensor, (m, n_H_prev, n_W_prev, n_C_prev)
    n_C -- integer, number of output channels (filters of the pointwise convolution)
    strides -- integer, stride of the depthwise convolution
    initializer -- function of a seed returning a kernel initialiser, e.g. glorot_uniform

    Returns:
    X -- output tensor, (m, ceil(n_H_prev / strides), ceil(n_W_prev / strides), n_C)
    """
    # Step 1 (≈ 3 lines): DepthwiseConv2D 3x3 with the stride, "same", no bias,
    #   depthwise_initializer=initializer(seed=0); BatchNormalization on axis 3; ReLU6
    ### BEGIN SOLUTION
    X = layers.DepthwiseConv2D((3, 3), strides=(strides, strides), padding="same", use_bias=False,
                               depthwise_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.ReLU(max_value=6)(X)
    ### END SOLUTION

    # Step 2 (≈ 3 lines): Conv2D with n_C filters of 1x1, stride 1, no bias,
    #   kernel_initializer=initializer(seed=0); BatchNormalization on axis 3; ReLU6
    ### BEGIN SOLUTION
    X = layers.Conv2D(n_C, (1, 1), strides=(1, 1), padding="same", use_bias=False,
                      kernel_initializer=initializer(seed=0))(X)
    X = layers.BatchNormalization(axis=3)(X)
    X = layers.ReLU(max_value=6)(X)
    ### END SOLUTION
    return X


# %% [markdown]
# The test compares the layers of a small model built around your block, then its output on a
# NumPy-seeded input, in inference mode and in training mode (batch normalisation then uses the
# batch's own statistics).

# %% nbgrader={"grade": true, "grade_id": "depthwise_separable_block_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def numpy_normal_init(seed=0):
    """Kernels from NumPy's generator (seeded by the shape), independent of TensorFlow's RNG."""
    def init(shape, dtype=None):
        return np.random.default_rng([seed, 1, *shape]).normal(0.0, 1.0, size=shape).astype("float32")
    return init


def block_model(input_shape, n_C, strides, initializer=glorot_uniform):
    inputs = keras.Input(shape=input_shape)
    outputs = depthwise_separable_block(inputs, n_C, strides=strides, initializer=initializer)
    return keras.Model(inputs, outputs)


def block_outputs(model, seed=1, scale=3.0):
    """(inference output, training output) on a NumPy-seeded batch of 3, as float64."""
    x = scale * np.random.default_rng(seed).standard_normal((3, *model.inputs[0].shape[1:]))
    x = x.astype("float32")
    return (np.asarray(model(x, training=False), dtype=np.float64),
            np.asarray(model(x, training=True), dtype=np.float64))


check_model("depthwise_separable_block_layers", lambda: block_model((8, 8, 4), n_C=6, strides=2))
inference, training = block_outputs(block_model((5, 5, 3), n_C=4, strides=1, initializer=numpy_normal_init))
check("depthwise_separable_block_inference", inference, name="output (training=False)", rtol=1e-4, atol=1e-5)
check("depthwise_separable_block_training", training, name="output (training=True)", rtol=1e-4, atol=1e-5)
### BEGIN HIDDEN TESTS
check_model("depthwise_separable_block_hidden_layers",
            lambda: block_model((9, 7, 5), n_C=3, strides=3))
hidden_inference, hidden_training = block_outputs(
    block_model((6, 6, 2), n_C=5, strides=2, initializer=numpy_normal_init), seed=5)
check("depthwise_separable_block_hidden_inference", hidden_inference, rtol=1e-4, atol=1e-5)
check("depthwise_separable_block_hidden_training", hidden_training, rtol=1e-4, atol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# ### 4.2 MobileNetV2's bottleneck block
#
# MobileNetV2 (Sandler et al., 2018) wraps the depthwise convolution in a **bottleneck block**
# with two more ideas:
#
# ```
#  X ──┬─ Conv 1×1, t·n_C_prev (expansion) ─ BN ─ ReLU6 ─ Depthwise 3×3, s ─ BN ─ ReLU6
#      │                        ─ Conv 1×1, n_C (projection) ─ BN ──(+)──▶
#      └──────────────────── residual, when s = 1 and n_C = n_C_prev ──┘
# ```
#
# - the **expansion** 1×1 convolution first multiplies the channels by a factor $t$ (6 in the
#   paper), so the depthwise convolution works on a rich representation;
# - the **projection** 1×1 convolution then shrinks them back, *without* a ReLU (a "linear
#   bottleneck": a ReLU on few channels would destroy information);
# - a **residual** connection, as in ResNet, adds the input when the shapes match.
#
# So the block's input and output are small (cheap to store between blocks) while its inside is
# wide. Its cost, for an $n_H \times n_W \times n_C^{prev}$ input and stride 1:
#
# $$ n_H n_W \cdot t n_C^{prev} \cdot n_C^{prev} \;+\; n_H n_W \cdot t n_C^{prev} \cdot 9
#    \;+\; n_H n_W \cdot n_C \cdot t n_C^{prev}. $$
#
# Below, the block is built (by the course, not graded) for a 14×14×64 input with $t = 6$, and
# its multiplications from `layer_costs` are checked against the formula and compared with a
# normal 3×3 convolution of the same input and output.

# %%
def mobilenet_v2_block(X, n_C, expansion=6, strides=1):
    n_C_prev = int(X.shape[-1])
    shortcut = X
    X = layers.Conv2D(expansion * n_C_prev, 1, use_bias=False, name="expand")(X)
    X = layers.ReLU(max_value=6)(layers.BatchNormalization(axis=3)(X))
    X = layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False, name="depthwise")(X)
    X = layers.ReLU(max_value=6)(layers.BatchNormalization(axis=3)(X))
    X = layers.Conv2D(n_C, 1, use_bias=False, name="project")(X)
    X = layers.BatchNormalization(axis=3)(X)                       # linear: no ReLU
    if strides == 1 and n_C == n_C_prev:
        X = layers.Add()([shortcut, X])
    return X


inputs = keras.Input((14, 14, 64))
v2 = keras.Model(inputs, mobilenet_v2_block(inputs, n_C=64, expansion=6))
costs = {row["name"]: row["mults"] for row in layer_costs(v2) if row["mults"]}   # not the BNs
for name, mults in costs.items():
    print(f"{name:10} {mults:>12,} multiplications")
v2_total = sum(costs.values())
expanded = 6 * 64
assert v2_total == 14 * 14 * expanded * 64 + 14 * 14 * expanded * 9 + 14 * 14 * 64 * expanded
normal_3x3 = 14 * 14 * 64 * 3 * 3 * 64
print(f"whole block: {v2_total:,}; a normal 3x3 convolution 64 -> 64: {normal_3x3:,}; "
      f"the block has {v2.count_params():,} parameters against {3 * 3 * 64 * 64:,}")

# %% [markdown]
# The block costs 1.4 times as much as one normal 3×3 convolution from 64 to 64 channels, yet
# its depthwise convolution sees 384 channels instead of 64, and what passes from block to block
# has only 64. MobileNetV2 stacks 17 of them.
#
# ## What you should remember
#
# - Classic ConvNets shrink the height and width and grow the channels as they go deeper, and
#   end with dense layers. LeNet-5 has about 60 thousand parameters, AlexNet 60 million, VGG-16
#   138 million.
# - In those networks the dense layers hold most of the **parameters**, the convolutions do most
#   of the **multiplications**.
# - A 1×1 convolution is a dense layer applied to every pixel: it changes the number of
#   channels, cheaply.
# - An Inception module runs 1×1, 3×3, 5×5 convolutions and a max-pool side by side and
#   concatenates them; 1×1 **bottlenecks** cut the cost of its big filters about tenfold.
# - A depthwise-separable convolution (MobileNet) costs $1/n_C + 1/f^2$ of a normal one;
#   MobileNetV2's block expands, filters depthwise, projects linearly, and adds a residual.
#
# **References.** Y. LeCun, L. Bottou, Y. Bengio, P. Haffner, *Gradient-based learning applied
# to document recognition* (1998). A. Krizhevsky, I. Sutskever, G. Hinton, *ImageNet
# classification with deep convolutional neural networks* (2012). K. Simonyan, A. Zisserman,
# *Very deep convolutional networks for large-scale image recognition* (2014). M. Lin, Q. Chen,
# S. Yan, *Network in network* (2013). C. Szegedy et al., *Going deeper with convolutions*
# (2014). A. Howard et al., *MobileNets* (2017). M. Sandler et al., *MobileNetV2: inverted
# residuals and linear bottlenecks* (2018).
