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
# # Week 1 · Convolution, step by step
#
# In this notebook you build the two layers that make a convolutional network, the
# **convolution** and the **pooling** layer, in plain NumPy: first the forward pass, then the
# backward pass that training needs. Frameworks do all of this for you, but writing it once by
# hand is the best way to understand what a `Conv2D` layer computes and why it is shaped the
# way it is.
#
# **What you will write** (each in a cell marked `# GRADED FUNCTION`):
#
# | function | what it does |
# |---|---|
# | `zero_pad` | add a border of zeros around every image of a batch |
# | `conv_single_step` | apply one filter to one window |
# | `conv_forward` | a whole convolution layer, forward |
# | `pool_forward` | max or average pooling, forward |
# | `conv_backward` | gradients of a convolution layer |
# | `create_mask_from_window`, `distribute_value` | helpers for pooling's backward pass |
# | `pool_backward` | gradients of a pooling layer |
#
# **How the tests work.** Under each function is a test cell. Run it after your function: it
# prints what it expected and what it got, and when it recognises a common mistake it says which.
# When your notebook is graded, more tests run with other shapes, strides and pads, so write
# general code rather than code that fits the visible example.
# A function that calls another one you write (`conv_forward` calls `zero_pad` and
# `conv_single_step`) is tested with *stand-ins* for those helpers, so a mistake in a helper
# costs only the helper's points. A stand-in knows only the calls a correct solution makes:
# if your function passes a helper something else, the message says which call it was.
#
# **Inside each function** numbered comments split the work into steps, each with about how many
# lines it takes (`≈ 3 lines`) and the names of the variables the text uses (`a_prev_pad`,
# `vert_start`, ...). Each `raise NotImplementedError()` marks where one step's code goes:
# replace every one of them. The comments are a guide, not a rule: only what your function
# returns is graded, so you may restructure or delete them.
#
# **Notation.** Superscript $[l]$ is the layer, $(i)$ the example. Arrays are *channels-last*:
# one image is $n_H \times n_W \times n_C$ (height, width, channels) and a batch of $m$ images is
# $m \times n_H \times n_W \times n_C$. A filter has size $f \times f$, padding $p$ and stride $s$.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from utils.checks import notebook_checks, trusted_helpers
from utils.gradcheck import numerical_gradient, report
from utils.images import sample_photo
from utils.plots import show_images, show_matrices, show_padding, show_pooling

plt.rcParams["figure.figsize"] = (9.0, 3.5)
plt.rcParams["image.cmap"] = "gray"
# the test cells' helpers, for this notebook's test cases
check, check_model, stand_ins = notebook_checks("week1_conv_step")

# %% [markdown]
# ## 1. Why convolutions?
#
# A small 64×64 colour image already has $64 \cdot 64 \cdot 3 = 12{,}288$ input values. A
# 1000×1000 photograph has 3 million. If the first layer of a network were *dense* with 1000
# units, its weight matrix would be $1000 \times 3{,}000{,}000$: three billion parameters, far
# too many to store comfortably or to train without overfitting. Convolutions solve this by
# looking at small windows and reusing the same few weights everywhere.

# %%
for side in (64, 1000):
    n_inputs = side * side * 3
    print(f"{side}x{side}x3 image: {n_inputs:>9,} inputs -> dense layer of 1000 units has "
          f"{1000 * n_inputs:>13,} weights")

# %% [markdown]
# ## 2. Edge detection: what one filter computes
#
# A convolution slides a small matrix, the **filter** (or *kernel*), over the image. At each
# position it multiplies the filter element by element with the window of pixels under it and
# adds up the products. That sum is one pixel of the output.
#
# The filter below responds to **vertical edges**: bright pixels on the left of the window add,
# bright pixels on the right subtract, so flat regions give 0 and a bright-to-dark change from
# left to right gives a large positive number.
#
# Here is the lecture's 6×6 grayscale example. A 3×3 filter fits in $6-3+1=4$ positions per
# direction, so the output is 4×4.

# %%
vertical = np.array([[1, 0, -1],
                     [1, 0, -1],
                     [1, 0, -1]])
horizontal = vertical.T.copy()  # bright on top, dark below -> positive

image6 = np.array([[3, 0, 1, 2, 7, 4],
                   [1, 5, 8, 9, 3, 1],
                   [2, 7, 2, 5, 1, 3],
                   [0, 1, 3, 1, 7, 8],
                   [4, 2, 1, 6, 2, 8],
                   [2, 4, 5, 2, 3, 9]])

from utils.fastconv import correlate2d  # vectorised code, used only to draw these examples

edges6 = correlate2d(image6, vertical)  # a 2-D "convolution" (no flip), from utils/fastconv.py
show_matrices([image6, vertical, edges6], ["6x6 image", "3x3 vertical filter", "4x4 output"])
plt.show()

# %% [markdown]
# Check the top-left entry by hand. The window is the first three rows and columns, so the sum
# is $3+1+2$ (left column, times 1) $+ 0$ (middle column) $- (1+8+2)$ (right column) $= -5$.
# Move the window one column to the right and you get $-4$. The lecture lists the first row
# $-5, -4, 0, 8$, the second row $-10, -2, 2, 3$ and $-16$ in the bottom-right corner. Here is
# the whole output:

# %%
np.testing.assert_array_equal(edges6, [[-5, -4, 0, 8],
                                       [-10, -2, 2, 3],
                                       [0, -2, -4, -7],
                                       [-3, -2, -3, -16]])
print("matches the lecture's worked example")

# %% [markdown]
# A step edge is easier to read. The left half of this image is bright (10) and the right half
# dark (0). The output is 30 exactly where the window straddles the edge and 0 elsewhere. The
# edge looks thick (two columns out of four) only because the image is tiny.
#
# Mirror the image and the sign flips: $-30$ marks a dark-to-bright edge. Take the absolute
# value if the direction does not matter to you.

# %%
step = np.array([[10, 10, 10, 0, 0, 0]] * 6)
show_matrices([step, correlate2d(step, vertical), step[:, ::-1], correlate2d(step[:, ::-1], vertical)],
              ["bright | dark", "vertical filter", "dark | bright", "vertical filter"],
              vmin=-30, vmax=30)
plt.show()
np.testing.assert_array_equal(correlate2d(step, vertical), [[0, 30, 30, 0]] * 4)
np.testing.assert_array_equal(correlate2d(step[:, ::-1], vertical), [[0, -30, -30, 0]] * 4)

# %% [markdown]
# The **horizontal** filter is the vertical one turned by 90°: bright on top, dark below gives
# a positive value. On a checkerboard (bright top-left and bottom-right quadrants) it finds a
# positive edge (30) on the left, a negative one ($-30$) on the right, and in the middle columns
# windows that see part of both edges, so the two partly cancel ($\pm 10$).

# %%
checker = np.zeros((6, 6), dtype=int)
checker[:3, :3] = 10
checker[3:, 3:] = 10
edges_h = correlate2d(checker, horizontal)
show_matrices([checker, horizontal, edges_h], ["checkerboard", "horizontal filter", "output"])
plt.show()
np.testing.assert_array_equal(edges_h, [[0, 0, 0, 0], [30, 10, -10, -30], [30, 10, -10, -30], [0, 0, 0, 0]])

# %% [markdown]
# ### On a real photograph
#
# The same 3×3 filters find the edges of a real picture: the portrait of the computer scientist
# Grace Hopper that ships with matplotlib. We show absolute values, so both edge directions are
# bright. The **Sobel** filter `[[1,0,-1],[2,0,-2],[1,0,-1]]` puts more weight on the centre row,
# which makes it a little more robust to noise.

# %%
photo = sample_photo(gray=True)  # (600, 512) grayscale, values in [0, 1]
sobel = np.array([[1, 0, -1],
                  [2, 0, -2],
                  [1, 0, -1]])
edge_maps = [np.abs(correlate2d(photo, k)) for k in (vertical, horizontal, sobel)]
show_images([photo] + edge_maps, ["photo", "vertical filter", "horizontal filter", "Sobel (vertical)"])
plt.show()
print("photo", photo.shape, "-> edge map", edge_maps[0].shape)

# %% [markdown]
# The vertical filter picks out the stripes of the flag and the sides of the collar; the
# horizontal filter the rim of the glasses and the ribbon bars on the jacket.
#
# Other hand-designed filters exist. The Laplacian `[[0,1,0],[1,-4,1],[0,1,0]]` compares a pixel
# with its four neighbours, so it is zero on flat regions in every direction. On the window
# `[[188,31,0],[32,0,1],[134,3,0]]` (a dark pixel next to brighter ones) it gives
# $31+32+1+3 - 4 \cdot 0 = 67$; on the almost flat bright window
# `[[255,255,253],[255,251,255],[255,255,254]]` only $16$.

# %%
laplacian = np.array([[0, 1, 0],
                      [1, -4, 1],
                      [0, 1, 0]])
for window in ([[188, 31, 0], [32, 0, 1], [134, 3, 0]], [[255, 255, 253], [255, 251, 255], [255, 255, 254]]):
    print(int(np.sum(np.array(window) * laplacian)))

# %% [markdown]
# **The key idea of deep learning** is that nobody has to choose these nine numbers. They are
# *parameters*, learned by backpropagation like the weights of a dense layer, so a network can
# find edges at any angle (45°, 73°, ...) and whatever textures help with its task.

# %% [markdown]
# ## 3. Padding, strides and the output size
#
# Without padding an $n \times n$ image convolved with an $f \times f$ filter gives
# $(n-f+1) \times (n-f+1)$. That has two drawbacks: the image shrinks at every layer, and pixels
# at the border take part in far fewer windows than pixels in the middle, so information there
# is used less.
#
# **Padding** adds $p$ rows and columns of zeros on every side. Two choices have names:
# - **valid**: $p = 0$;
# - **same**: the output has the input's size, which needs $n + 2p - f + 1 = n$, i.e.
#   $p = (f-1)/2$ (so $f = 3 \Rightarrow p = 1$, $f = 5 \Rightarrow p = 2$). This is one reason
#   filter sizes are almost always odd; the other is that an odd filter has a centre pixel.
#
# **Stride** $s$ moves the window $s$ pixels at a time. A window is only used where it fits
# completely inside the padded image, hence the floor in the output size:
#
# $$ n_{out} = \left\lfloor \frac{n + 2p - f}{s} \right\rfloor + 1 $$

# %%
def output_size(n, f, pad=0, stride=1):
    """Output height (or width) of a convolution or pooling layer."""
    return (n + 2 * pad - f) // stride + 1


for n, f, pad, stride in [(6, 3, 0, 1), (6, 3, 1, 1), (7, 3, 0, 2), (39, 3, 0, 1), (37, 5, 0, 2)]:
    print(f"n={n:>2} f={f} p={pad} s={stride} -> {output_size(n, f, pad, stride)}")

# %% [markdown]
# The lecture's stride-2 example convolves a 7×7 image with a 3×3 filter: $\lfloor (7-3)/2
# \rfloor + 1 = 3$, so the output is 3×3. *Erratum:* the lecture slide prints 83 and 127 in the
# third column; recomputing gives **88** and **117**, and those are the values used in this
# course.

# %%
image7 = np.array([[2, 3, 7, 4, 6, 2, 9], [6, 6, 9, 8, 7, 4, 3], [3, 4, 8, 3, 8, 9, 7],
                   [7, 8, 3, 6, 6, 3, 4], [4, 2, 1, 8, 3, 4, 6], [3, 2, 4, 1, 9, 8, 3],
                   [0, 1, 3, 9, 2, 1, 4]])
filter7 = np.array([[3, 4, 4], [1, 0, 2], [-1, 0, 3]])
strided = correlate2d(image7, filter7)[::2, ::2]  # every second window in each direction
print(strided.astype(int))
np.testing.assert_array_equal(strided, [[91, 100, 88], [69, 91, 117], [44, 72, 74]])

# %% [markdown]
# ### Cross-correlation or convolution?
#
# In signal processing, a convolution first flips the filter on both axes (a 180° rotation)
# and then slides it. The flip makes convolution associative, $(A * B) * C = A * (B * C)$,
# which matters in that field but not in deep learning. Deep-learning libraries skip the flip,
# so what they call convolution is, strictly, *cross-correlation*. The functions you write below
# do **not** flip the filter either.
#
# *Erratum:* the lecture notes show `[[7,2,5],[9,0,4],[-1,1,3]]` as the flipped version of
# `[[3,4,5],[1,0,2],[-1,9,7]]`; that is a reflection across the anti-diagonal. A true flip on
# both axes is:

# %%
F = np.array([[3, 4, 5],
              [1, 0, 2],
              [-1, 9, 7]])
flipped = np.flip(F, axis=(0, 1))  # the same as np.rot90(F, 2)
print(flipped)
np.testing.assert_array_equal(flipped, [[7, 9, -1], [2, 0, 1], [5, 4, 3]])

# %% [markdown]
# ## 4. Convolutions over volumes, and one convolutional layer
#
# A colour image is a volume $n_H \times n_W \times 3$. A filter for it is a volume too,
# $f \times f \times 3$: its channel count must equal the input's. At each position the
# $f \cdot f \cdot 3$ products are summed into **one** number, so one filter gives a 2-D output.
# With $n_C'$ filters, stack their outputs: $6 \times 6 \times 3$ convolved with two
# $3 \times 3 \times 3$ filters gives $4 \times 4 \times 2$.
#
# A convolutional layer then adds a bias (one real number per filter, broadcast over all
# positions) and applies a non-linearity such as ReLU. The filters play the role of $W^{[l]}$ in
# a dense layer $z = Wa + b$. Counting parameters shows the point of the design:

# %%
def conv_params(f, n_c_prev, n_c):
    """Weights plus biases of a convolutional layer with n_c filters of size f x f x n_c_prev."""
    return f * f * n_c_prev * n_c + n_c


print("10 filters of 3x3x3:", conv_params(3, 3, 10), "parameters, whatever the image size")

# %% [markdown]
# Ten 3×3×3 filters have $(27 + 1) \times 10 = 280$ parameters, whether the image is 64×64 or
# 5000×5000.
#
# Shapes for layer $l$:
#
# | quantity | shape |
# |---|---|
# | input $a^{[l-1]}$ | $n_H^{[l-1]} \times n_W^{[l-1]} \times n_C^{[l-1]}$ |
# | each filter | $f^{[l]} \times f^{[l]} \times n_C^{[l-1]}$ |
# | all weights $W^{[l]}$ | $f^{[l]} \times f^{[l]} \times n_C^{[l-1]} \times n_C^{[l]}$ |
# | bias $b^{[l]}$ | $n_C^{[l]}$ numbers, stored as $(1, 1, 1, n_C^{[l]})$ |
# | output $a^{[l]}$ | $n_H^{[l]} \times n_W^{[l]} \times n_C^{[l]}$ |
#
# A small ConvNet on a 39×39×3 input: height and width shrink while the number of channels grows.

# %%
n, channels = 39, 3
sizes, counts = [], []
print(f"{'layer':<8}{'f':>3}{'s':>3}{'filters':>9}   output      params")
for name, f, stride, filters in [("conv1", 3, 1, 10), ("conv2", 5, 2, 20), ("conv3", 5, 2, 40)]:
    params = conv_params(f, channels, filters)
    n, channels = output_size(n, f, 0, stride), filters
    sizes.append(n)
    counts.append(params)
    print(f"{name:<8}{f:>3}{stride:>3}{filters:>9}   {n}x{n}x{channels:<6}{params:>7,}")
print(f"flatten -> {n * n * channels} features for a logistic or softmax unit")
assert sizes == [37, 17, 7] and counts == [280, 5020, 20040] and n * n * channels == 1960

# %% [markdown]
# ## 5. Pooling
#
# A pooling layer shrinks height and width by summarising each $f \times f$ window with one
# number: the **maximum** (max pooling, by far the most common) or the **mean** (average
# pooling). It works on each channel separately, so $n_C$ is unchanged, and it has **no
# parameters** to learn, only the hyperparameters $f$ and $s$. Max pooling keeps a feature if it
# was detected anywhere in the window, which also makes the output a little less sensitive to
# small shifts of the input. The output size uses the same formula, with $p = 0$.
#
# The lecture's 4×4 example with $f = 2, s = 2$. In the picture each colour outlines one window
# of the first output row on the input, and the output value it produces; a circle marks each
# window's maximum.

# %%
grid4 = np.array([[1, 3, 2, 1],
                  [2, 9, 1, 1],
                  [1, 4, 2, 3],
                  [5, 6, 1, 2]], dtype=float)
show_pooling(grid4, f=2, stride=2, mode="max")
plt.show()

# %% [markdown]
# With $f = s = 2$ the windows do not overlap, and each output is the largest of four numbers:
# 9, 2, 6 and 3. Average pooling on the same grid gives 3.75, 1.25, 4 and 2. The vectorised
# `pool_forward_fast` from `utils/fastconv.py` works on a batch $(m, n_H, n_W, n_C)$, so the grid
# becomes a batch of one single-channel image:

# %%
from utils.fastconv import pool_forward_fast

batch4 = grid4.reshape(1, 4, 4, 1)
pooled_max, _ = pool_forward_fast(batch4, {"f": 2, "stride": 2}, mode="max")
pooled_avg, _ = pool_forward_fast(batch4, {"f": 2, "stride": 2}, mode="average")
print("max:", pooled_max[0, :, :, 0].tolist(), "  average:", pooled_avg[0, :, :, 0].tolist())
np.testing.assert_allclose(pooled_max[0, :, :, 0], [[9, 2], [6, 3]])
np.testing.assert_allclose(pooled_avg[0, :, :, 0], [[3.75, 1.25], [4, 2]])

# %% [markdown]
# With $f = 3, s = 1$ the windows overlap, and a large value can win several windows: the 9
# below is the maximum of four of them. A 5×5 input gives $(5 - 3)/1 + 1 = 3$, so 3×3.

# %%
grid5 = np.array([[1, 3, 2, 1, 3],
                  [2, 9, 1, 1, 5],
                  [1, 3, 2, 3, 2],
                  [8, 3, 5, 1, 0],
                  [5, 6, 1, 2, 9]], dtype=float)
show_pooling(grid5, f=3, stride=1, mode="max")
plt.show()

# %%
pooled5, _ = pool_forward_fast(grid5.reshape(1, 5, 5, 1), {"f": 3, "stride": 1})
np.testing.assert_allclose(pooled5[0, :, :, 0], [[9, 9, 5], [9, 9, 5], [8, 6, 9]])

# %% [markdown]
# A 5×5×2 input gives 3×3×2: each channel is pooled on its own. Deep in a network, *average*
# pooling over the whole 7×7 map turns 7×7×1000 into 1×1×1000 (global average pooling).

# %% [markdown]
# ## 6. Counting parameters in a LeNet-like network
#
# The lecture's digit classifier follows the common pattern CONV-POOL-CONV-POOL-FC-FC-softmax.
# Only layers with weights are counted as layers, so CONV1 and POOL1 together form "layer 1".
# Pooling layers have no parameters, the conv layers few, and most parameters sit in the dense
# layers. A conv layer has $f \cdot f \cdot n_C^{[l-1]} \cdot n_C^{[l]} + n_C^{[l]}$ parameters
# (weights plus one bias per filter); a dense one $n_{in} \cdot n_{out} + n_{out}$.
#
# *Errata:* the lecture notes say the first activation has about 6,000 values; with 6 filters it
# has $28 \cdot 28 \cdot 6 = 4{,}704$ (6,000 is roughly the 8-filter version of the slide). Only
# 16 filters in CONV2 are consistent with the 400 inputs of FC3.

# %%
layers = [("CONV1 f5 s1, 6 filters", (28, 28, 6), conv_params(5, 3, 6)),
          ("POOL1 max f2 s2", (14, 14, 6), 0),
          ("CONV2 f5 s1, 16 filters", (10, 10, 16), conv_params(5, 6, 16)),
          ("POOL2 max f2 s2", (5, 5, 16), 0),
          ("FC3", (120,), 400 * 120 + 120),
          ("FC4", (84,), 120 * 84 + 84),
          ("softmax", (10,), 84 * 10 + 10)]
print(f"{'layer':<26}{'activation shape':>18}{'size':>8}{'params':>9}")
print(f"{'input':<26}{'(32, 32, 3)':>18}{3072:>8}{0:>9}")
for name, shape, params in layers:
    print(f"{name:<26}{str(shape):>18}{int(np.prod(shape)):>8}{params:>9,}")
assert [p for _, _, p in layers] == [456, 0, 2416, 0, 48120, 10164, 850]

# %% [markdown]
# Why not a dense layer instead of CONV1? Mapping the 3072 inputs to the 4704 outputs of CONV1
# densely takes $3072 \times 4704 = 14{,}450{,}688$ weights; CONV1 needs
# $(5 \cdot 5 \cdot 3 + 1) \times 6 = 456$. (The notes write 156, forgetting the three input
# channels.) Two ideas make the difference:
# - **parameter sharing**: a feature detector that is useful in one part of the image is
#   probably useful everywhere, so the same filter is applied at every position;
# - **sparse connections**: each output depends only on its small window (9 of the 36 inputs in
#   the 6×6 example).

# %%
print(f"dense: {3072 * 4704:,} weights   conv: {conv_params(5, 3, 6)} parameters")
assert 3072 * 4704 == 14_450_688 and conv_params(5, 3, 6) == 456

# %% [markdown]
# Sparse connections alone already save a lot, even before sharing. Connect a 4×4 input to a
# 3×3 output: densely that is $16 \cdot 9 = 144$ weights, with 2×2 windows only $4 \cdot 9 = 36$
# connections. For a 256×256 input the ratio becomes the window size over the input size,
# $4 / 65{,}536 = 1/16{,}384$, about four orders of magnitude. With sharing, the conv layer
# needs only the 4 weights of its kernel.

# %%
for side in (4, 256):
    n_in, n_out = side * side, (side - 1) ** 2
    print(f"{side}x{side} -> {side - 1}x{side - 1}: dense {n_in * n_out:>13,} weights, "
          f"2x2 windows {4 * n_out:>7,} connections")

# %% [markdown]
# ---
# # Part II · Building the layers
#
# ## 7. Zero padding
#
# Implement `zero_pad`, which pads every image of a batch `X` of shape $(m, n_H, n_W, n_C)$
# with `pad` zeros on the top, bottom, left and right. Only the height and width axes are
# padded, never the batch or the channel axis. `np.pad` does the work; read its documentation
# for the `pad_width` argument, which takes one `(before, after)` pair per axis.

# %% nbgrader={"grade": false, "grade_id": "zero_pad_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: zero_pad
def zero_pad(X, pad):
    """Pad the height and width of every image in X with zeros.

    X: (m, n_H, n_W, n_C) batch of images
    pad: int, number of zeros added on each side of height and width
    Returns X_pad: (m, n_H + 2*pad, n_W + 2*pad, n_C)
    """
    # Step 1 (≈ 1 line): call np.pad on X with one (before, after) pair per axis: `pad` zeros
    #   before and after on the height and width axes, nothing on the batch and channel axes.
    #   Keep the name X_pad for the result.
    ### BEGIN SOLUTION
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant",
                   constant_values=0)
    ### END SOLUTION
    return X_pad


# %% nbgrader={"grade": true, "grade_id": "zero_pad_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
np.random.seed(1)
x = np.random.randn(4, 3, 3, 2)
x_pad = zero_pad(x, 3)
print("x.shape =", x.shape, "  x_pad.shape =", x_pad.shape)
check("zero_pad_example", x_pad, name="x_pad")
### BEGIN HIDDEN TESTS
np.random.seed(11)
check("zero_pad_hidden_rectangular", zero_pad(np.random.randn(2, 4, 6, 3), 1), name="x_pad")
check("zero_pad_hidden_pad0", zero_pad(np.random.randn(1, 2, 5, 4), 0), name="x_pad")
check("zero_pad_hidden_pad2", zero_pad(np.random.randn(3, 1, 2, 1), 2), name="x_pad")
### END HIDDEN TESTS

# %% [markdown]
# Seeing is believing: the first channel of a 4×5 image, before and after padding with 2. The
# orange frame marks the original pixels; the border of zeros is a uniform gray.

# %%
np.random.seed(1)
x_demo = np.random.randn(1, 4, 5, 2)
x_demo_pad = zero_pad(x_demo, 2)
show_padding(x_demo[0, :, :, 0], x_demo_pad[0, :, :, 0], pad=2)
plt.show()

# %% [markdown]
# ## 8. A single step of convolution
#
# `conv_single_step` applies **one** filter to **one** window: multiply element by element,
# sum everything, then add the bias **once**:
#
# $$ Z = \sum_{h,w,c} a_{\text{slice}}[h,w,c] \, W[h,w,c] + b $$
#
# Return a Python `float`, not an array. Careful: `b` has shape $(1, 1, 1)$, so `np.sum(s) + b`
# is an array of that shape too, and NumPy 2 refuses `float()` of an array with dimensions
# (`TypeError: only 0-dimensional arrays can be converted to Python scalars`). Take the single
# number out of `b` first with `b.item()` (or out of the result with `.item()`).
#
# *Note on the original assignment:* its code computed `np.sum(a_slice_prev * W + b)`. Because
# `b` is broadcast to every element before the sum, that adds the bias $f \cdot f \cdot n_C$
# times (48 times for a 4×4×3 window). The lecture adds it once, as a dense unit does, and so do
# we: a filter's bias is a single shift of its output, and it should not grow with the filter's
# size. On the test below the two versions give $-7.00$ and $-23.16$.

# %% nbgrader={"grade": false, "grade_id": "conv_single_step_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: conv_single_step
def conv_single_step(a_slice_prev, W, b):
    """Apply one filter (W, b) to one window of the previous layer's activations.

    a_slice_prev: (f, f, n_C_prev) window of the input
    W: (f, f, n_C_prev) weights of one filter
    b: (1, 1, 1) bias of that filter
    Returns Z: float, sum(a_slice_prev * W) + b
    """
    # Step 1 (≈ 1 line): multiply the window and the filter element by element -> s
    ### BEGIN SOLUTION
    s = a_slice_prev * W
    ### END SOLUTION
    # Step 2 (≈ 1 line): add up every entry of s, add the bias once, and turn the result into a
    #   Python float -> Z. (b has shape (1, 1, 1): take its single number out first, see above.)
    ### BEGIN SOLUTION
    Z = float(np.sum(s) + b.item())
    ### END SOLUTION
    return Z


# %% nbgrader={"grade": true, "grade_id": "conv_single_step_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
np.random.seed(1)
a_slice_prev = np.random.randn(4, 4, 3)
W = np.random.randn(4, 4, 3)
b = np.random.randn(1, 1, 1)
Z = conv_single_step(a_slice_prev, W, b)
print("Z =", Z)  # the course's reference value is -6.99908945068
check("conv_single_step_example", Z, name="Z")
### BEGIN HIDDEN TESTS
np.random.seed(5)
check("conv_single_step_hidden_2x2x5", conv_single_step(
    np.random.randn(2, 2, 5), np.random.randn(2, 2, 5), np.random.randn(1, 1, 1)), name="Z")
check("conv_single_step_hidden_3x3x1", conv_single_step(
    np.random.randn(3, 3, 1), np.random.randn(3, 3, 1), np.array([[[2.5]]])), name="Z")
### END HIDDEN TESTS

# %% [markdown]
# ## 9. Convolution forward
#
# Now slide every filter over every image. For output position $(h, w)$ the window in the
# **padded** input starts at row `h * stride` and column `w * stride` and is $f$ wide:
#
# ```
# vert_start = h * stride        vert_end = vert_start + f
# horiz_start = w * stride       horiz_end = horiz_start + f
# ```
#
# The steps, numbered as in the comments of the code cell:
# 1. read the sizes from `A_prev.shape` and `W.shape` (so $f$ and $n_C$), and `stride` and
#    `pad` from `hparameters`;
# 2. compute $n_H, n_W$ with the formula of section 3 (use `//` for the floor);
# 3. create `Z = np.zeros((m, n_H, n_W, n_C))`;
# 4. pad the input with `zero_pad`;
# 5. loop over examples $i$, output rows $h$, output columns $w$ and filters $c$; take the window
#    `a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]` and set
#    `Z[i, h, w, c] = conv_single_step(window, W[:, :, :, c], b[:, :, :, c])`.
#
# No activation here: the layer's ReLU would come after. Return `cache = (A_prev, W, b,
# hparameters)`; the backward pass needs it.

# %% nbgrader={"grade": false, "grade_id": "conv_forward_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: conv_forward
def conv_forward(A_prev, W, b, hparameters):
    """Forward pass of a convolutional layer (no activation).

    A_prev: (m, n_H_prev, n_W_prev, n_C_prev) activations of the previous layer
    W: (f, f, n_C_prev, n_C) filters
    b: (1, 1, 1, n_C) biases
    hparameters: dict with keys "stride" and "pad"
    Returns Z: (m, n_H, n_W, n_C) and cache = (A_prev, W, b, hparameters)
    """
    # Step 1 (≈ 3 lines): read m, n_H_prev, n_W_prev, n_C_prev from A_prev.shape,
    #   f and n_C from W.shape, and stride and pad from hparameters
    ### BEGIN SOLUTION
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    ### END SOLUTION
    # Step 2 (≈ 2 lines): the output height n_H and width n_W, with the formula of section 3
    #   (use // for the floor)
    ### BEGIN SOLUTION
    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f + 2 * pad) // stride + 1
    ### END SOLUTION
    # Step 3 (≈ 1 line): an output volume Z of zeros, shape (m, n_H, n_W, n_C)
    ### BEGIN SOLUTION
    Z = np.zeros((m, n_H, n_W, n_C))
    ### END SOLUTION
    # Step 4 (≈ 1 line): pad A_prev with your zero_pad -> A_prev_pad
    ### BEGIN SOLUTION
    A_prev_pad = zero_pad(A_prev, pad)
    ### END SOLUTION
    # Step 5 (≈ 11 lines): four nested loops, filling Z one number at a time:
    #   for every example i:            a_prev_pad = the i-th image of A_prev_pad
    #     for every output row h:       vert_start, vert_end = the window's first row, and one
    #                                   past its last row, in a_prev_pad
    #       for every output column w:  horiz_start, horiz_end = the same for its columns
    #                                   a_slice_prev = the (f, f, n_C_prev) window at those rows
    #                                   and columns, all channels
    #         for every filter c:       Z[i, h, w, c] = conv_single_step of a_slice_prev with
    #                                   filter c's weights and bias (keep their 3 dimensions)
    ### BEGIN SOLUTION
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                for c in range(n_C):
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])
    ### END SOLUTION
    cache = (A_prev, W, b, hparameters)
    return Z, cache


# %% nbgrader={"grade": true, "grade_id": "conv_forward_tests", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
helpers = stand_ins("zero_pad", "conv_single_step")  # replay the reference's answers
np.random.seed(1)
A_prev = np.random.randn(2, 5, 7, 4)
W = np.random.randn(3, 3, 4, 8)
b = np.random.randn(1, 1, 1, 8)
hparameters = {"pad": 1, "stride": 2}
with trusted_helpers(conv_forward, **helpers):
    Z, cache_conv = conv_forward(A_prev, W, b, hparameters)
print("Z.shape =", Z.shape, "  mean(Z) =", np.mean(Z))
check("conv_forward_example", Z, name="Z")
check("conv_forward_cache", len(cache_conv) == 4 and all(
    kept is given for kept, given in zip(cache_conv, (A_prev, W, b, hparameters))),
    name="'the cache is (A_prev, W, b, hparameters)'")

# the lecture's 7x7 image, stride 2, no padding: [[91, 100, 88], [69, 91, 117], [44, 72, 74]]
image_7x7 = np.array([[2, 3, 7, 4, 6, 2, 9], [6, 6, 9, 8, 7, 4, 3], [3, 4, 8, 3, 8, 9, 7],
                      [7, 8, 3, 6, 6, 3, 4], [4, 2, 1, 8, 3, 4, 6], [3, 2, 4, 1, 9, 8, 3],
                      [0, 1, 3, 9, 2, 1, 4]], dtype=float).reshape(1, 7, 7, 1)
filter_3x3 = np.array([[3, 4, 4], [1, 0, 2], [-1, 0, 3]], dtype=float).reshape(3, 3, 1, 1)
with trusted_helpers(conv_forward, **helpers):
    Z7, _ = conv_forward(image_7x7, filter_3x3, np.zeros((1, 1, 1, 1)), {"pad": 0, "stride": 2})
check("conv_forward_lecture_stride2", Z7[0, :, :, 0], name="Z")
### BEGIN HIDDEN TESTS
np.random.seed(21)
for case, (shape, f, n_C, pad, stride) in {
        "conv_forward_hidden_pad0_stride1": ((1, 4, 4, 3), 2, 2, 0, 1),
        "conv_forward_hidden_pad2_stride3": ((3, 6, 5, 2), 3, 4, 2, 3),
        "conv_forward_hidden_f1": ((2, 3, 5, 3), 1, 5, 0, 2)}.items():
    A_h = np.random.randn(*shape)
    W_h = np.random.randn(f, f, shape[3], n_C)
    b_h = np.random.randn(1, 1, 1, n_C)
    with trusted_helpers(conv_forward, **stand_ins("zero_pad", "conv_single_step")):
        Z_h, _ = conv_forward(A_h, W_h, b_h, {"pad": pad, "stride": stride})
    check(case, Z_h, name="Z")
### END HIDDEN TESTS

# %% [markdown]
# ## 10. Pooling forward
#
# Pooling slides an $f \times f$ window with stride $s$ over each channel, with no padding:
#
# $$ n_H = \left\lfloor \frac{n_{H_{prev}} - f}{s} \right\rfloor + 1, \quad
#    n_W = \left\lfloor \frac{n_{W_{prev}} - f}{s} \right\rfloor + 1, \quad n_C = n_{C_{prev}} $$
#
# Loop over examples, output rows, output columns and **channels**; take the window of *one*
# channel, `A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]`, and store its `np.max`
# (mode `"max"`) or `np.mean` (mode `"average"`). Return `cache = (A_prev, hparameters)`.

# %% nbgrader={"grade": false, "grade_id": "pool_forward_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: pool_forward
def pool_forward(A_prev, hparameters, mode="max"):
    """Forward pass of a pooling layer.

    A_prev: (m, n_H_prev, n_W_prev, n_C_prev) input
    hparameters: dict with keys "f" and "stride"
    mode: "max" or "average"
    Returns A: (m, n_H, n_W, n_C_prev) and cache = (A_prev, hparameters)
    """
    # Step 1 (≈ 2 lines): read m, n_H_prev, n_W_prev, n_C_prev from A_prev.shape, and f and
    #   stride from hparameters
    ### BEGIN SOLUTION
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, stride = hparameters["f"], hparameters["stride"]
    ### END SOLUTION
    # Step 2 (≈ 2 lines): the output height n_H and width n_W (no padding; the channels stay
    #   n_C_prev)
    ### BEGIN SOLUTION
    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    ### END SOLUTION
    # Step 3 (≈ 1 line): an output A of zeros, shape (m, n_H, n_W, n_C_prev)
    ### BEGIN SOLUTION
    A = np.zeros((m, n_H, n_W, n_C_prev))
    ### END SOLUTION
    # Step 4 (≈ 13 lines): loop over examples i, output rows h, output columns w and channels c:
    #   vert_start, vert_end, horiz_start, horiz_end = the window's rows and columns, as in
    #     conv_forward;
    #   a_prev_slice = that window of example i, channel c only: shape (f, f);
    #   A[i, h, w, c] = its maximum when mode is "max", its mean when mode is "average".
    ### BEGIN SOLUTION
    for i in range(m):
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C_prev):
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    elif mode == "average":
                        A[i, h, w, c] = np.mean(a_prev_slice)
    ### END SOLUTION
    cache = (A_prev, hparameters)
    return A, cache


# %% nbgrader={"grade": true, "grade_id": "pool_forward_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
np.random.seed(1)
A_prev = np.random.randn(2, 5, 5, 3)
hparameters = {"stride": 1, "f": 3}
for mode in ("max", "average"):
    A, cache_pool = pool_forward(A_prev, hparameters, mode=mode)
    print(f"mode = {mode}: A.shape = {A.shape}")
    check(f"pool_forward_example_{mode}", A, name="A")
check("pool_forward_cache", len(cache_pool) == 2 and cache_pool[0] is A_prev
      and cache_pool[1] is hparameters, name="'the cache is (A_prev, hparameters)'")

# the lecture's 4x4 example, f=2, s=2: max [[9, 2], [6, 3]], average [[3.75, 1.25], [4, 2]]
grid_4x4 = np.array([[1, 3, 2, 1], [2, 9, 1, 1], [1, 4, 2, 3], [5, 6, 1, 2]], dtype=float)
for mode in ("max", "average"):
    A4, _ = pool_forward(grid_4x4.reshape(1, 4, 4, 1), {"f": 2, "stride": 2}, mode=mode)
    check(f"pool_forward_lecture_{mode}", A4[0, :, :, 0], name="A")
### BEGIN HIDDEN TESTS
np.random.seed(31)
A_h = np.random.randn(2, 6, 7, 3)
for pool_mode in ("max", "average"):
    check(f"pool_forward_hidden_f2_s2_{pool_mode}", pool_forward(A_h, {"f": 2, "stride": 2}, pool_mode)[0],
          name="A")
    check(f"pool_forward_hidden_f2_s3_{pool_mode}", pool_forward(A_h, {"f": 2, "stride": 3}, pool_mode)[0],
          name="A")
grid5 = np.array([[1, 3, 2, 1, 3], [2, 9, 1, 1, 5], [1, 3, 2, 3, 2], [8, 3, 5, 1, 0], [5, 6, 1, 2, 9]])
check("pool_forward_hidden_lecture_5x5", pool_forward(grid5.reshape(1, 5, 5, 1).astype(float),
                                                       {"f": 3, "stride": 1})[0][0, :, :, 0], name="A")
### END HIDDEN TESTS

# %% [markdown]
# ---
# # Part III · Backpropagation
#
# Frameworks compute these gradients for you, and in the rest of the course you will let them.
# Working them out once shows that backpropagation through a convolution is just the chain rule
# applied window by window.
#
# ## 11. Convolution backward
#
# In the forward pass every output $Z[i,h,w,c]$ was computed from one window of the padded
# input and from filter $c$. So, going backward, each $dZ[i,h,w,c]$ sends gradient to exactly
# those things:
#
# $$ dA_{\text{window}} \mathrel{+}= W[:,:,:,c] \cdot dZ[i,h,w,c], \qquad
#    dW[:,:,:,c] \mathrel{+}= a_{\text{window}} \cdot dZ[i,h,w,c], \qquad
#    db[:,:,:,c] \mathrel{+}= dZ[i,h,w,c] $$
#
# The `+=` matters: windows overlap, so a pixel collects gradient from every window it belongs
# to. Accumulate into a padded `dA_prev_pad` and, for each example, strip the padding at the end
# by slicing rows and columns `pad : pad + n_H_prev` and `pad : pad + n_W_prev`. (Beware the
# tempting `[pad:-pad]`: with `pad = 0` it selects nothing.)

# %% nbgrader={"grade": false, "grade_id": "conv_backward_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: conv_backward
def conv_backward(dZ, cache):
    """Backward pass of a convolutional layer.

    dZ: (m, n_H, n_W, n_C) gradient of the cost with respect to the layer's output Z
    cache: (A_prev, W, b, hparameters) from conv_forward
    Returns dA_prev: (m, n_H_prev, n_W_prev, n_C_prev), dW: (f, f, n_C_prev, n_C),
            db: (1, 1, 1, n_C)
    """
    # Step 1 (≈ 1 line): unpack the cache into A_prev, W, b, hparameters
    ### BEGIN SOLUTION
    A_prev, W, b, hparameters = cache
    ### END SOLUTION
    # Step 2 (≈ 4 lines): read the sizes from A_prev.shape, W.shape and dZ.shape (so n_H and n_W
    #   are the output's), and stride and pad from hparameters
    ### BEGIN SOLUTION
    m, n_H_prev, n_W_prev, n_C_prev = A_prev.shape
    f, f, n_C_prev, n_C = W.shape
    stride, pad = hparameters["stride"], hparameters["pad"]
    m, n_H, n_W, n_C = dZ.shape
    ### END SOLUTION
    # Step 3 (≈ 3 lines): the gradients, all zeros to start with: dA_prev shaped like A_prev,
    #   dW like W, db of shape (1, 1, 1, n_C)
    ### BEGIN SOLUTION
    dA_prev = np.zeros(A_prev.shape)
    dW = np.zeros(W.shape)
    db = np.zeros((1, 1, 1, n_C))
    ### END SOLUTION
    # Step 4 (≈ 2 lines): pad A_prev and dA_prev with your zero_pad -> A_prev_pad, dA_prev_pad
    ### BEGIN SOLUTION
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)
    ### END SOLUTION
    # Step 5 (≈ 15 lines): loop over examples i, output rows h, output columns w and filters c:
    #   a_prev_pad, da_prev_pad = the i-th example of A_prev_pad and of dA_prev_pad;
    #   vert_start, vert_end, horiz_start, horiz_end = the window's rows and columns, as in
    #     conv_forward;
    #   a_slice = that window of a_prev_pad, all channels;
    #   then the three += updates of the formulas above, for the same window of da_prev_pad,
    #     for dW[:, :, :, c] and for db[:, :, :, c].
    #   When example i is done (after the h loop, inside the i loop), copy da_prev_pad without
    #   its padding into dA_prev[i, :, :, :].
    ### BEGIN SOLUTION
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                for c in range(n_C):
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        dA_prev[i, :, :, :] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    ### END SOLUTION
    return dA_prev, dW, db


# %% nbgrader={"grade": true, "grade_id": "conv_backward_tests", "locked": true, "points": 5, "schema_version": 3, "solution": false, "task": false}
def run_conv_backward(A_prev, W, b, hparameters, dZ):
    """conv_backward with a stand-in zero_pad; explains the classic pad-0 slicing bug."""
    hint = ("Likely mistake: the padding is stripped with [pad:-pad], which selects nothing when "
            "pad = 0; slice pad:pad + n_H_prev and pad:pad + n_W_prev instead.")
    try:
        with trusted_helpers(conv_backward, **stand_ins("zero_pad")):
            grads = conv_backward(dZ, (A_prev, W, b, hparameters))
    except (ValueError, IndexError) as error:
        if hparameters["pad"] == 0:
            raise AssertionError(f"conv_backward fails with pad = 0 ({error}). {hint}") from None
        raise
    if hparameters["pad"] == 0 and np.size(grads[0]) == 0:
        raise AssertionError(f"conv_backward returns an empty dA_prev with pad = 0. {hint}")
    return grads


np.random.seed(1)
A_prev = np.random.randn(2, 5, 7, 4)
W = np.random.randn(3, 3, 4, 8)
b = np.random.randn(1, 1, 1, 8)
hparameters = {"pad": 1, "stride": 2}
dZ = np.random.randn(2, 3, 4, 8)  # the output of this layer is 3 x 4 x 8
dA_prev, dW, db = run_conv_backward(A_prev, W, b, hparameters, dZ)
print("dA_prev.shape =", dA_prev.shape, " dW.shape =", dW.shape, " db.shape =", db.shape)
check("conv_backward_example_dA_prev", dA_prev, name="dA_prev")
check("conv_backward_example_dW", dW, name="dW")
check("conv_backward_example_db", db, name="db")
### BEGIN HIDDEN TESTS
np.random.seed(41)
for case, (shape, f, n_C, pad, stride) in {
        "conv_backward_hidden_pad0_stride1": ((2, 4, 5, 3), 2, 2, 0, 1),
        "conv_backward_hidden_pad2_stride3": ((1, 7, 6, 2), 3, 3, 2, 3),
        "conv_backward_hidden_pad0_stride2": ((3, 5, 5, 1), 3, 2, 0, 2)}.items():
    A_h = np.random.randn(*shape)
    W_h = np.random.randn(f, f, shape[3], n_C)
    b_h = np.random.randn(1, 1, 1, n_C)
    n_H = (shape[1] - f + 2 * pad) // stride + 1
    n_W = (shape[2] - f + 2 * pad) // stride + 1
    dZ_h = np.random.randn(shape[0], n_H, n_W, n_C)
    dA_h, dW_h, db_h = run_conv_backward(A_h, W_h, b_h, {"pad": pad, "stride": stride}, dZ_h)
    check(case + "_dA_prev", dA_h, name="dA_prev")
    check(case + "_dW", dW_h, name="dW")
    check(case + "_db", db_h, name="db")
### END HIDDEN TESTS

# %% [markdown]
# ## 12. Pooling backward
#
# Pooling has no parameters, but the gradient still has to flow through it to the layers below.
#
# **Max pooling.** Only the largest value of each window reached the output, so only that
# position receives the window's gradient; the others had no influence and get zero. A boolean
# *mask* that is `True` at the maximum does the bookkeeping:
#
# ```
# X = [[1, 3],    ->    mask = [[False, False],
#      [4, 2]]                  [True,  False]]    (True where X == max(X), here the 4)
# ```
#
# Write `create_mask_from_window(x)`: find the largest value of the window, then compare every
# entry of `x` with it. NumPy compares a whole array with a number in one expression and gives
# back an array of booleans of the same shape, so no loop is needed.
#
# **Ties.** When the largest value occurs more than once, this mask is `True` at every copy, and
# `pool_backward` then gives *each* of them the window's whole gradient. Ties are not rare in
# practice: max pooling usually follows a ReLU, and wherever a window covers only negative
# pre-activations, all its values are 0. At a tie the maximum has no derivative, so any choice is
# a convention. Frameworks send the gradient to **one** position: TensorFlow's max-pool gradient
# to the first largest value of the window (in row order), PyTorch to the one index its forward
# pass recorded. This course keeps the simpler mask, which marks every tied maximum, and the
# graded tests include a window with a tie that expects exactly that.

# %% nbgrader={"grade": false, "grade_id": "create_mask_from_window_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: create_mask_from_window
def create_mask_from_window(x):
    """Mark the position(s) of the maximum of a window.

    x: (f, f) window
    Returns mask: boolean (f, f), True where x equals its maximum
    """
    # Step 1 (≈ 1 line): compare every entry of x with the window's largest value -> mask
    ### BEGIN SOLUTION
    mask = x == np.max(x)
    ### END SOLUTION
    return mask


# %% nbgrader={"grade": true, "grade_id": "create_mask_from_window_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
np.random.seed(1)
x = np.random.randn(2, 3)
mask = create_mask_from_window(x)
print("x =\n", x, "\nmask =\n", mask)
check("create_mask_from_window_example", mask, name="mask")
### BEGIN HIDDEN TESTS
check("create_mask_from_window_hidden_ties", create_mask_from_window(np.array([[1.0, 3.0], [3.0, 2.0]])),
      name="mask")
check("create_mask_from_window_hidden_negative", create_mask_from_window(-np.arange(9.0).reshape(3, 3) - 1),
      name="mask")
### END HIDDEN TESTS

# %% [markdown]
# **Average pooling.** Every entry of the window contributed equally, $1/(n_H n_W)$ of the
# output, so the gradient `dz` of the output is shared equally among them:
#
# $$ dz = 1 \;\text{and shape } (2, 2) \quad\Rightarrow\quad
#    \begin{bmatrix} 1/4 & 1/4 \\ 1/4 & 1/4 \end{bmatrix} $$
#
# Write `distribute_value(dz, shape)` that returns an array of the given `shape` filled with
# `dz / (n_H * n_W)`. Windows need not be square.

# %% nbgrader={"grade": false, "grade_id": "distribute_value_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: distribute_value
def distribute_value(dz, shape):
    """Spread a gradient evenly over a window.

    dz: float, gradient of one output of an average-pooling layer
    shape: (n_H, n_W) shape of the window
    Returns a: (n_H, n_W) array, every entry dz / (n_H * n_W)
    """
    # Step 1 (≈ 1 line): unpack shape into n_H and n_W
    ### BEGIN SOLUTION
    n_H, n_W = shape
    ### END SOLUTION
    # Step 2 (≈ 1 line): each entry's share of dz -> average
    ### BEGIN SOLUTION
    average = dz / (n_H * n_W)
    ### END SOLUTION
    # Step 3 (≈ 1 line): an array of the given shape with average in every entry -> a
    ### BEGIN SOLUTION
    a = np.ones(shape) * average
    ### END SOLUTION
    return a


# %% nbgrader={"grade": true, "grade_id": "distribute_value_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
a = distribute_value(2.0, (2, 2))
print("distributed value =\n", a)
check("distribute_value_example", a, name="a")
### BEGIN HIDDEN TESTS
check("distribute_value_hidden_rectangular", distribute_value(3.0, (3, 5)), name="a")
check("distribute_value_hidden_negative", distribute_value(-1.5, (4, 1)), name="a")
### END HIDDEN TESTS

# %% [markdown]
# **Putting it together.** `pool_backward` loops over examples, output positions and channels
# like `pool_forward`. For each output gradient `dA[i, h, w, c]`:
# - mode `"max"`: take the window of `A_prev` (one channel), build its mask and add
#   `mask * dA[i, h, w, c]` to the same window of `dA_prev`;
# - mode `"average"`: add `distribute_value(dA[i, h, w, c], (f, f))` to the window of `dA_prev`.
#
# Again `+=`, because windows may overlap when the stride is smaller than $f$.

# %% nbgrader={"grade": false, "grade_id": "pool_backward_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: pool_backward
def pool_backward(dA, cache, mode="max"):
    """Backward pass of a pooling layer.

    dA: (m, n_H, n_W, n_C) gradient of the cost with respect to the pooling output
    cache: (A_prev, hparameters) from pool_forward
    mode: "max" or "average"
    Returns dA_prev: same shape as A_prev
    """
    # Step 1 (≈ 3 lines): unpack the cache into A_prev, hparameters; read stride and f from
    #   hparameters, and m, n_H, n_W, n_C from dA.shape
    ### BEGIN SOLUTION
    A_prev, hparameters = cache
    stride, f = hparameters["stride"], hparameters["f"]
    m, n_H, n_W, n_C = dA.shape
    ### END SOLUTION
    # Step 2 (≈ 1 line): dA_prev, zeros shaped like A_prev
    ### BEGIN SOLUTION
    dA_prev = np.zeros(A_prev.shape)
    ### END SOLUTION
    # Step 3 (≈ 16 lines): loop over examples i, output rows h, output columns w and channels c:
    #   a_prev = the i-th example of A_prev;
    #   vert_start, vert_end, horiz_start, horiz_end = the window's rows and columns, as in
    #     pool_forward;
    #   mode "max": a_prev_slice = that window of a_prev, channel c only; mask = its
    #     create_mask_from_window; add mask times dA[i, h, w, c] to the same window of dA_prev
    #     (example i, channel c);
    #   mode "average": add distribute_value(dA[i, h, w, c], (f, f)) to that window of dA_prev.
    ### BEGIN SOLUTION
    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    if mode == "max":
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]
                    elif mode == "average":
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += \
                            distribute_value(dA[i, h, w, c], (f, f))
    ### END SOLUTION
    return dA_prev


# %% nbgrader={"grade": true, "grade_id": "pool_backward_tests", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false}
pool_helpers = stand_ins("create_mask_from_window", "distribute_value")
np.random.seed(1)
A_prev = np.random.randn(5, 5, 3, 2)
hparameters = {"stride": 1, "f": 2}
dA = np.random.randn(5, 4, 2, 2)  # pooling output is 4 x 2 x 2
for mode in ("max", "average"):
    with trusted_helpers(pool_backward, **pool_helpers):
        dA_prev = pool_backward(dA, (A_prev, hparameters), mode=mode)
    print(f"mode = {mode}: mean(dA_prev) = {np.mean(dA_prev):.6f}, dA_prev[1, 1] =\n{dA_prev[1, 1]}")
    check(f"pool_backward_example_{mode}", dA_prev, name="dA_prev")
### BEGIN HIDDEN TESTS
np.random.seed(51)
for shape, f, stride in [((2, 6, 4, 3), 2, 2), ((1, 7, 7, 2), 2, 3), ((2, 5, 6, 1), 3, 1)]:
    A_h = np.random.randn(*shape)
    dA_h = np.random.randn(shape[0], (shape[1] - f) // stride + 1, (shape[2] - f) // stride + 1, shape[3])
    for pool_mode in ("max", "average"):
        with trusted_helpers(pool_backward, **stand_ins("create_mask_from_window", "distribute_value")):
            got = pool_backward(dA_h, (A_h, {"f": f, "stride": stride}), mode=pool_mode)
        check(f"pool_backward_hidden_{shape[1]}x{shape[2]}_f{f}_s{stride}_{pool_mode}", got, name="dA_prev")
### END HIDDEN TESTS

# %% [markdown]
# ## 13. Check your gradients numerically
#
# The tests compare your gradients with reference values. A **gradient check** tells you
# whether they are right without any reference: nudge one input by $\pm h$, see how a scalar
# loss changes, and compare
# $\frac{L(x+h) - L(x-h)}{2h}$ with your analytic gradient. We use the loss
# $L = \sum Z \odot G$ for a fixed random $G$; its gradient with respect to $Z$ is exactly $G$,
# so `conv_backward(G, cache)` should return $\partial L / \partial A_{prev}$,
# $\partial L / \partial W$ and $\partial L / \partial b$. Relative errors around $10^{-8}$ or
# smaller mean the gradients agree; $10^{-3}$ or more means a bug.
#
# This cell runs *your* functions (it is not graded).

# %%
np.random.seed(2)
A_chk = np.random.randn(2, 4, 5, 3)
W_chk = np.random.randn(3, 3, 3, 2)
b_chk = np.random.randn(1, 1, 1, 2)
hp_chk = {"pad": 1, "stride": 2}
Z_chk, cache_chk = conv_forward(A_chk, W_chk, b_chk, hp_chk)
G = np.random.randn(*Z_chk.shape)
dA_chk, dW_chk, db_chk = conv_backward(G, cache_chk)


def conv_loss():
    return np.sum(conv_forward(A_chk, W_chk, b_chk, hp_chk)[0] * G)


report("dA_prev", dA_chk, numerical_gradient(conv_loss, A_chk))
report("dW", dW_chk, numerical_gradient(conv_loss, W_chk))
report("db", db_chk, numerical_gradient(conv_loss, b_chk))

# %% [markdown]
# The same check for pooling. Max pooling is not differentiable where two values of a window
# tie. The random real numbers below practically never tie, so the check is meaningful here; on
# the output of a ReLU, where windows of zeros are common, a numerical gradient check of max
# pooling would disagree with any of the conventions above.

# %%
np.random.seed(3)
A_pool = np.random.randn(2, 5, 6, 2)
hp_pool = {"f": 2, "stride": 1}
for mode in ("max", "average"):
    out, cache_p = pool_forward(A_pool, hp_pool, mode=mode)
    G_pool = np.random.randn(*out.shape)
    analytic = pool_backward(G_pool, cache_p, mode=mode)
    numeric = numerical_gradient(lambda: np.sum(pool_forward(A_pool, hp_pool, mode=mode)[0] * G_pool),
                                 A_pool)
    report(f"pool {mode}", analytic, numeric)

# %% [markdown]
# ---
# ## 14. Going further: vectorised convolution (not graded)
#
# Your loops are clear but slow: Python executes the innermost statement
# $m \cdot n_H \cdot n_W \cdot n_C$ times. NumPy can do the same arithmetic in a few large
# operations:
# 1. `numpy.lib.stride_tricks.sliding_window_view` returns a *view* of every $f \times f$ window
#    of the padded input, shape $(m, n_H', n_W', n_{C_{prev}}, f, f)$, without copying;
# 2. slicing `[:, ::stride, ::stride]` keeps the windows the stride visits;
# 3. `np.tensordot` contracts each window with all filters at once.
#
# `utils/fastconv.py` does exactly this (read it; it is short). The cell below checks that it
# agrees with your loop version and times both. Try writing your own before you read it!

# %%
from utils.fastconv import conv_backward_fast, conv_forward_fast

np.random.seed(4)
A_big = np.random.randn(4, 16, 16, 8)
W_big = np.random.randn(3, 3, 8, 16)
b_big = np.random.randn(1, 1, 1, 16)
hp_big = {"pad": 1, "stride": 1}

start = time.perf_counter()
Z_loop, cache_loop = conv_forward(A_big, W_big, b_big, hp_big)
loop_seconds = time.perf_counter() - start
start = time.perf_counter()
Z_fast, cache_fast = conv_forward_fast(A_big, W_big, b_big, hp_big)
fast_seconds = time.perf_counter() - start

print("forward outputs agree:", np.allclose(Z_loop, Z_fast))
dZ_big = np.random.randn(*Z_loop.shape)
agree = [np.allclose(x, y) for x, y in zip(conv_backward(dZ_big, cache_loop),
                                           conv_backward_fast(dZ_big, cache_fast))]
print("backward gradients agree:", all(agree))
print(f"loops {loop_seconds * 1000:.1f} ms, vectorised {fast_seconds * 1000:.2f} ms "
      f"({loop_seconds / fast_seconds:.0f}x faster)")

# %% [markdown]
# One run of each is a rough measurement. For careful timings (each version repeated, several
# sizes) run the benchmark script `bench/conv.py` from the repository root, with `make bench`
# or `.venv/bin/python bench/conv.py`.
#
# ## What you have learned
# - A convolution is a sliding window sum of products; deep learning's version does not flip
#   the filter.
# - Padding keeps the size and uses the border; stride skips positions; the output size is
#   $\lfloor (n + 2p - f)/s \rfloor + 1$.
# - A conv layer's parameter count depends on the filters, not on the image size.
# - Pooling has no parameters; max pooling routes the gradient to the maximum, average pooling
#   spreads it evenly.
# - Backpropagation through a convolution accumulates gradient window by window.
#
# Next: the same layers in TensorFlow/Keras, trained on pictures of hands and faces drawn by
# the course's own image generator.
