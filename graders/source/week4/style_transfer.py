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
# # Week 4 · Art generation with neural style transfer
#
# Take a photograph (the **content** picture $C$) and a painting (the **style** picture $S$),
# and make a new picture $G$ that shows what the photograph shows, painted the way the painting
# is painted. Gatys, Ecker and Bethge (2015) found that a ConvNet trained for another task
# already knows how to do this: its middle layers describe *what* is in a picture, and the
# correlations between its channels describe *how* it is painted. Nothing is trained here. The
# network stays fixed, and gradient descent changes the **pixels** of $G$.
#
# **What you will write** (each in a cell marked `# GRADED FUNCTION`):
#
# | function | what it does |
# |---|---|
# | `compute_content_cost` | how far $G$'s activations are from $C$'s at one layer |
# | `gram_matrix` | the style matrix: how much each pair of channels fires together |
# | `compute_layer_style_cost` | how far $G$'s style matrix is from $S$'s at one layer |
# | `compute_style_cost` | the weighted sum of the layer style costs |
# | `total_cost` | $J(G) = \alpha J_{content} + \beta J_{style}$ |
# | `train_step` | one Adam step on the pixels of $G$ |
#
# **How the tests work**, as in the earlier weeks: the test cell under each function prints what
# it expected and what it got, and names a common mistake when it recognises one. Grading runs
# more tests with other values, so write general code.
#
# **The pictures and the network** are all on your machine. The photographs come with
# scikit-image and Matplotlib; the paintings are drawn by the course (`utils/synth/paintings.py`).
# The original assignment looked through VGG-19 trained on ImageNet (80 MB, not shipped); this
# notebook uses it if you have its weight file (section 11), and otherwise the small network
# the course trained to find cars in Week 3.

# %%
from utils.quiet_import import import_tensorflow

import_tensorflow()  # TensorFlow's start-up notices would go to stderr (see utils/quiet_import.py)

import time

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from utils.checks import notebook_checks, trusted_helpers

plt.rcParams["figure.figsize"] = (9.0, 4.0)
# the test cells' helpers, for this notebook's test cases
check, check_model, stand_ins = notebook_checks("week4_style_transfer")

# %% [markdown]
# ## 1. Content, style, generated
#
# Here are the two pictures we start from: a photograph of a cat, and a painting of a night
# sky made of short curved brush strokes.

# %%
from utils.art_images import content_image, style_image, to_float, to_uint8

SIZE = (240, 320)                           # height, width: multiples of 16, see section 8
content = content_image("chelsea", SIZE)
style = style_image("starry", SIZE)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
for ax, picture, title in zip(axes, (content, style), ("content C", "style S")):
    ax.imshow(picture)
    ax.set_title(title)
    ax.axis("off")
plt.show()
print("content:", content.shape, content.dtype, " style:", style.shape, style.dtype)

# %% [markdown]
# ## 2. What does a ConvNet look at?
#
# The costs below compare pictures through the eyes of a trained ConvNet, so first look at
# what its units respond to. Zeiler and Fergus (2013) showed, for one unit (one channel of one
# layer), the nine image patches that activate it most, each cut to the part of the picture
# the unit can see (its **receptive field**). Units of the first layer see a few pixels and
# respond to edges and colours; each layer further in sees a larger region and responds to
# more complex patterns.
#
# Our network is the course's road detector from Week 3 (trained on the road scenes the course
# draws): five blocks of 3×3 convolutions, batch normalisation and leaky ReLU, with 2×2
# max-pooling after the first four. Here are four units of each block, with their nine
# favourite patches among 60 road scenes (this takes a few seconds):

# %%
from utils.style_net import load_style_network

network = load_style_network(use_vgg19=False)
print(network.name, "| style layers:", [name for name, _ in network.style_layers],
      "| content layer:", network.content_layer)

# %%
from utils.synth.road_data import load_road_set
from utils.unit_patches import layer_top_patches, plot_top_patches

scenes, _, _ = load_road_set("test", 256, n=60)            # (60, 256, 256, 3) uint8
layers = [name for name, _ in network.style_layers]
patches, units = layer_top_patches(network.model, layers, scenes, count=4, k=9)
plot_top_patches(patches, units=units)
plt.show()

# %% [markdown]
# The first block's units respond to a colour or an edge a few pixels long; by `block3` (18×18
# pixels) to traffic lights and the lamps of cars; by `block4` to whole cars; by `head1`
# (78×78 pixels, almost a third of the picture) to stretches of street with several cars. VGG-19's units, trained on a million photographs of a thousand kinds of
# object, respond to richer things (faces of dogs, text, flowers), but the progression is
# the same.
#
# ## 3. The content cost
#
# Choose a layer $l$ in the **middle** of the network. Too shallow, and matching its
# activations forces $G$ to copy $C$'s pixels; too deep, and it only asks "is there a cat
# somewhere?". Run $C$ and $G$ through the network, and call their activations at that layer
# $a^{(C)}$ and $a^{(G)}$, each of shape $(1, n_H, n_W, n_C)$. The content cost is
#
# $$J_{content}(C,G) = \frac{1}{4 \times n_H \times n_W \times n_C}\sum_{\text{all entries}} (a^{(C)} - a^{(G)})^2$$
#
# **A choice of constant.** The lecture writes $\frac{1}{2}$ in front of the sum and says the
# constant does not matter, since $\alpha$ multiplies it anyway. This course grades
# $\frac{1}{4 n_H n_W n_C}$, the original assignment's, because it matches the style cost's
# constant below; a $\frac{1}{2}$ would only change which $\alpha$ gives the same picture.

# %% nbgrader={"grade": false, "grade_id": "compute_content_cost_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: compute_content_cost
def compute_content_cost(a_C, a_G):
    """The content cost of one layer.

    a_C: tensor (1, n_H, n_W, n_C), the content picture's activations
    a_G: tensor (1, n_H, n_W, n_C), the generated picture's activations
    Returns J_content, a scalar tensor: sum((a_C - a_G)^2) / (4 n_H n_W n_C)
    """
    # Step 1 (≈ 1 line): the dimensions, from a_G.get_shape().as_list().
    ### BEGIN SOLUTION
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    ### END SOLUTION
    # Step 2 (≈ 1 line): J_content.
    ### BEGIN SOLUTION
    J_content = tf.reduce_sum(tf.square(a_C - a_G)) / (4.0 * n_H * n_W * n_C)
    ### END SOLUTION
    return J_content


# %% nbgrader={"grade": true, "grade_id": "compute_content_cost_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(1)
a_C = tf.constant(rng.normal(1.0, 4.0, (1, 4, 4, 3)), tf.float32)
a_G = tf.constant(rng.normal(1.0, 4.0, (1, 4, 4, 3)), tf.float32)
J_content = compute_content_cost(a_C, a_G)
print("J_content =", float(J_content))
check("compute_content_cost_4x4x3", np.asarray(J_content), name="J_content")
check("compute_content_cost_same", np.asarray(compute_content_cost(a_C, a_C)),
      name="J_content of C with itself")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(2)
tall = [tf.constant(rng.normal(0.5, 2.0, (1, 6, 2, 5)), tf.float32) for _ in range(2)]
check("compute_content_cost_hidden_6x2x5", np.asarray(compute_content_cost(*tall)),
      name="J_content of 6x2x5 activations")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Style: the Gram matrix
#
# What is "style"? At layer $l$, look at two channels $k$ and $k'$: one might respond to
# blue, the other to short curved strokes. If, across the picture, they tend to fire at the
# same positions, then in this picture blue comes in short curved strokes. The **style
# matrix** collects this for every pair of channels:
#
# $$G^{[l]}_{kk'} = \sum_{i=1}^{n_H}\sum_{j=1}^{n_W} a^{[l]}_{ijk}\, a^{[l]}_{ijk'}$$
#
# It is an $n_C \times n_C$ matrix; the positions $i, j$ are summed over, so *where* things are
# is forgotten and only *which things come together* is kept. (Nothing is subtracted: it is an
# "unnormalised cross-covariance".) In linear algebra this is a **Gram matrix**: with the
# activations unrolled into a matrix $A$ of shape $(n_C, n_H n_W)$, one row per channel,
#
# $$G_A = A A^T .$$
#
# Its diagonal $G_{kk}$ says how active channel $k$ is overall. Write `gram_matrix`.

# %% nbgrader={"grade": false, "grade_id": "gram_matrix_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: gram_matrix
def gram_matrix(A):
    """The Gram matrix of the rows of A.

    A: tensor (n_C, n_H * n_W), one row per channel
    Returns GA: tensor (n_C, n_C), GA = A A^T
    """
    ### BEGIN SOLUTION
    GA = tf.matmul(A, tf.transpose(A))
    ### END SOLUTION
    return GA


# %% nbgrader={"grade": true, "grade_id": "gram_matrix_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(3)
A = tf.constant(rng.normal(1.0, 4.0, (3, 2 * 1)), tf.float32)
GA = gram_matrix(A)
print("GA =\n", np.round(GA, 4))
check("gram_matrix_3x2", np.asarray(GA), name="GA")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(4)
check("gram_matrix_hidden_5x7",
      np.asarray(gram_matrix(tf.constant(rng.normal(0.0, 1.0, (5, 7)), tf.float32))),
      name="GA of a 5x7 A")
### END HIDDEN TESTS

# %% [markdown]
# The lecture's example has five channels, so its style matrix is 5×5. Here it is for five
# channels of the first block (the five most active on the painting), on the painting and on
# the photograph, divided by the number of positions so that the two sizes compare. The two
# matrices differ; the style cost below measures that difference, and the optimisation makes
# the generated picture's matrix move towards the painting's.

# %%
first_block = keras.Model(network.model.input, network.model.get_layer("block1_leaky").output)
busiest = np.argsort(first_block(to_float(style))[0].numpy().mean(axis=(0, 1)))[-5:]
fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
for ax, picture, title in zip(axes, (style, content), ("style S", "content C")):
    a = first_block(to_float(picture))[0].numpy()            # (n_H, n_W, 16)
    unrolled = a[..., busiest].reshape(-1, 5).T                # (5, n_H * n_W)
    G = gram_matrix(tf.constant(unrolled)).numpy() / unrolled.shape[1]
    shown = ax.imshow(G, cmap="viridis")
    ax.set_title(f"{title}: 5x5 style matrix / positions")
    ax.set_xticks(range(5), [f"ch{c}" for c in busiest])
    ax.set_yticks(range(5), [f"ch{c}" for c in busiest])
    plt.colorbar(shown, ax=ax, fraction=0.046)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 5. The style cost of one layer
#
# Compare the two pictures' style matrices at layer $l$:
#
# $$J^{[l]}_{style}(S,G) = \left(\frac{1}{2\, n_H n_W n_C}\right)^2 \sum_{k=1}^{n_C}\sum_{k'=1}^{n_C}\left(G^{(S)}_{kk'} - G^{(G)}_{kk'}\right)^2 = \frac{1}{4\, n_C^2 (n_H n_W)^2} \sum_{k,k'} \left(G^{(S)}_{kk'} - G^{(G)}_{kk'}\right)^2$$
#
# Both the constant and the difference are squared. (One of the course's lecture summaries drops
# the square on the difference; it must be there, or positive and negative differences would
# cancel.)
#
# **Unrolling correctly.** The activations come as $(1, n_H, n_W, n_C)$, and `gram_matrix` wants
# $(n_C, n_H n_W)$ with one row per channel. Reshape to $(n_H n_W, n_C)$ first, which keeps
# each channel in its own column, and then transpose. A direct `tf.reshape(a, [n_C, -1])` gives
# the right shape but the wrong contents: it cuts the memory, which is ordered position by
# position, into $n_C$ pieces, and every "row" mixes all channels. See for yourself with two
# channels:

# %%
a = tf.constant(np.arange(12).reshape(1, 2, 3, 2) * np.array([1, 100]))  # channel 1 is x100
print("reshape then transpose:\n", tf.transpose(tf.reshape(a, [-1, 2])).numpy())
print("direct reshape (wrong):\n", tf.reshape(a, [2, -1]).numpy())

# %% nbgrader={"grade": false, "grade_id": "compute_layer_style_cost_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: compute_layer_style_cost
def compute_layer_style_cost(a_S, a_G):
    """The style cost of one layer.

    a_S: tensor (1, n_H, n_W, n_C), the style picture's activations
    a_G: tensor (1, n_H, n_W, n_C), the generated picture's activations
    Returns J_style_layer, a scalar tensor
    """
    # Step 1 (≈ 1 line): the dimensions, from a_G.get_shape().as_list().
    ### BEGIN SOLUTION
    _, n_H, n_W, n_C = a_G.get_shape().as_list()
    ### END SOLUTION
    # Step 2 (≈ 2 lines): unroll a_S and a_G to (n_C, n_H * n_W): reshape, then transpose.
    ### BEGIN SOLUTION
    a_S = tf.transpose(tf.reshape(a_S, [n_H * n_W, n_C]))
    a_G = tf.transpose(tf.reshape(a_G, [n_H * n_W, n_C]))
    ### END SOLUTION
    # Step 3 (≈ 2 lines): the style matrices GS and GG, with gram_matrix.
    ### BEGIN SOLUTION
    GS = gram_matrix(a_S)
    GG = gram_matrix(a_G)
    ### END SOLUTION
    # Step 4 (≈ 1 line): J_style_layer.
    ### BEGIN SOLUTION
    J_style_layer = tf.reduce_sum(tf.square(GS - GG)) / (4.0 * n_C ** 2 * (n_H * n_W) ** 2)
    ### END SOLUTION
    return J_style_layer


# %% nbgrader={"grade": true, "grade_id": "compute_layer_style_cost_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# gram_matrix is replaced by a stand-in here, so a mistake in it costs only its own points
rng = np.random.default_rng(5)
a_S = tf.constant(rng.normal(1.0, 4.0, (1, 4, 4, 3)), tf.float32)
a_G = tf.constant(rng.normal(1.0, 4.0, (1, 4, 4, 3)), tf.float32)
with trusted_helpers(compute_layer_style_cost, **stand_ins("gram_matrix")):
    J_style_layer = compute_layer_style_cost(a_S, a_G)
print("J_style_layer =", float(J_style_layer))
check("compute_layer_style_cost_4x4x3", np.asarray(J_style_layer), name="J_style_layer")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(6)
wide = [tf.constant(rng.normal(0.0, 2.0, (1, 2, 5, 4)), tf.float32) for _ in range(2)]
replays = stand_ins("gram_matrix")
with trusted_helpers(compute_layer_style_cost, **replays):
    check("compute_layer_style_cost_hidden_2x5x4", np.asarray(compute_layer_style_cost(*wide)),
          name="J_style_layer of 2x5x4 activations")
### END HIDDEN TESTS

# %% [markdown]
# ## 6. The style cost over several layers
#
# One layer sees one scale. Shallow layers carry colours and fine strokes; deeper ones carry
# larger patterns. Adding the costs of several layers, with weights $\lambda^{[l]}$, gives a
# picture that matches the style at all these scales:
#
# $$J_{style}(S,G) = \sum_l \lambda^{[l]} J^{[l]}_{style}(S,G)$$
#
# The layers and their weights are a list of `(layer name, weight)` pairs, `STYLE_LAYERS`.
# The original used VGG-19's `block1_conv1` ... `block5_conv1`, each with weight 0.2; with our
# network they are `block1_leaky` ... `block4_leaky` and `head1_leaky`, each 0.2 as well.
#
# The network will give us, for a picture, **a list of activations: one per style layer, in
# the order of `STYLE_LAYERS`, and then the content layer's as the last element**. So the
# style layers' activations are `outputs[:-1]`.

# %% nbgrader={"grade": false, "grade_id": "compute_style_cost_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: compute_style_cost
def compute_style_cost(style_image_output, generated_image_output, STYLE_LAYERS):
    """The style cost over several layers.

    style_image_output: list of tensors, the style picture's activations at each style layer
        (in the order of STYLE_LAYERS), then at the content layer (the last element)
    generated_image_output: the same for the generated picture
    STYLE_LAYERS: list of (layer name, weight)
    Returns J_style, a scalar: the sum of weight * compute_layer_style_cost over the layers
    """
    J_style = 0
    # Step 1 (≈ 2 lines): the style layers' activations (all but the last element).
    ### BEGIN SOLUTION
    a_S = style_image_output[:-1]
    a_G = generated_image_output[:-1]
    ### END SOLUTION
    # Step 2 (≈ 3 lines): add each layer's cost times its weight.
    ### BEGIN SOLUTION
    for (name, weight), a_S_layer, a_G_layer in zip(STYLE_LAYERS, a_S, a_G):
        J_style_layer = compute_layer_style_cost(a_S_layer, a_G_layer)
        J_style += weight * J_style_layer
    ### END SOLUTION
    return J_style


# %% nbgrader={"grade": true, "grade_id": "compute_style_cost_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# three style layers with different weights, then a content layer; compute_layer_style_cost is
# replaced by a stand-in, so a mistake in it costs only its own points
rng = np.random.default_rng(7)
shapes = [(1, 4, 4, 2), (1, 2, 2, 3), (1, 1, 1, 4), (1, 2, 2, 3)]
outputs_S = [tf.constant(rng.normal(1.0, 2.0, s), tf.float32) for s in shapes]
outputs_G = [tf.constant(rng.normal(1.0, 2.0, s), tf.float32) for s in shapes]
layers_weighted = [("layer_a", 0.5), ("layer_b", 0.3), ("layer_c", 0.2)]
with trusted_helpers(compute_style_cost, **stand_ins("compute_layer_style_cost")):
    J_style = compute_style_cost(outputs_S, outputs_G, layers_weighted)
print("J_style =", float(J_style))
check("compute_style_cost_three_layers", np.asarray(J_style, dtype=np.float64), name="J_style")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(8)
two = [(1, 3, 3, 2), (1, 2, 2, 2), (1, 3, 3, 2)]
hidden_S = [tf.constant(rng.normal(0.0, 1.0, s), tf.float32) for s in two]
hidden_G = [tf.constant(rng.normal(0.0, 1.0, s), tf.float32) for s in two]
replays = stand_ins("compute_layer_style_cost")
with trusted_helpers(compute_style_cost, **replays):
    check("compute_style_cost_hidden_two_layers",
          np.asarray(compute_style_cost(hidden_S, hidden_G, [("first", 0.9), ("second", 0.1)]),
                     dtype=np.float64),
          name="J_style of two layers weighted 0.9 and 0.1")
### END HIDDEN TESTS

# %% [markdown]
# ## 7. The total cost
#
# $$J(G) = \alpha\, J_{content}(C,G) + \beta\, J_{style}(S,G)$$
#
# Two numbers weigh content against style, as in Gatys et al.; this notebook uses $\alpha = 10$
# and $\beta = 40$, the original assignment's.

# %% nbgrader={"grade": false, "grade_id": "total_cost_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: total_cost
def total_cost(J_content, J_style, alpha=10, beta=40):
    """J = alpha * J_content + beta * J_style.

    J_content, J_style: scalars (numbers or scalar tensors)
    alpha, beta: the weights of content and style
    """
    ### BEGIN SOLUTION
    J = alpha * J_content + beta * J_style
    ### END SOLUTION
    return J


# %% nbgrader={"grade": true, "grade_id": "total_cost_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
np.random.seed(3)
J_content = np.random.randn()
J_style = np.random.randn()
J = total_cost(J_content, J_style)
print("J =", J)
check("total_cost_seed_3", J, name="J", rtol=1e-12)
### BEGIN HIDDEN TESTS
check("total_cost_hidden_weights", total_cost(2.5, 0.125, alpha=3, beta=200), name="J with alpha=3, beta=200")
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Optimising the pixels
#
# Everything is ready. The algorithm of the lecture:
#
# 1. run $C$ and $S$ through the network once and keep their activations;
# 2. start $G$ from $C$ with some noise (starting from pure noise also works, but takes longer);
# 3. repeat: run $G$ through the network, compute $J(G)$, and move the pixels of $G$ a step
#    against $\partial J/\partial G$.
#
# The pixels live in a `tf.Variable` of shape $(1, n_H, n_W, 3)$, in $[0, 1]$. After each step,
# pixels pushed outside $[0, 1]$ are clipped back (`tf.clip_by_value`), so that $G$ stays a
# picture. We use Adam rather than plain gradient descent: it moves each pixel by about the
# learning rate per step, whatever the scale of its gradient.
#
# `train_step` uses these names, which the cells after it define:
#
# - `network_outputs`: a model mapping a picture to the list of activations (style layers,
#   then the content layer);
# - `style_outputs` and `content_outputs`: that list for $S$ and for $C$;
# - `STYLE_LAYERS` and `optimizer` (Adam).

# %% nbgrader={"grade": false, "grade_id": "train_step_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: train_step
def train_step(generated_image):
    """One Adam step on the pixels of generated_image (a tf.Variable (1, n_H, n_W, 3) in [0, 1]).

    Returns J, the total cost of the picture before the step.
    """
    with tf.GradientTape() as tape:
        # Step 1 (≈ 1 line): the generated picture's activations, with network_outputs.
        ### BEGIN SOLUTION
        generated_outputs = network_outputs(generated_image)
        ### END SOLUTION
        # Step 2 (≈ 2 lines): J_style (with style_outputs and STYLE_LAYERS) and J_content
        # (the content layer is the last element of content_outputs and generated_outputs).
        ### BEGIN SOLUTION
        J_style = compute_style_cost(style_outputs, generated_outputs, STYLE_LAYERS)
        J_content = compute_content_cost(content_outputs[-1], generated_outputs[-1])
        ### END SOLUTION
        # Step 3 (≈ 1 line): J, with total_cost and alpha = 10, beta = 40.
        ### BEGIN SOLUTION
        J = total_cost(J_content, J_style, alpha=10, beta=40)
        ### END SOLUTION
    # Step 4 (≈ 3 lines): the gradient of J with respect to the picture, one optimizer step
    # (optimizer.apply_gradients([(grad, generated_image)])), and the clipping to [0, 1].
    ### BEGIN SOLUTION
    grad = tape.gradient(J, generated_image)
    optimizer.apply_gradients([(grad, generated_image)])
    generated_image.assign(tf.clip_by_value(generated_image, 0.0, 1.0))
    ### END SOLUTION
    return J


# %% nbgrader={"grade": true, "grade_id": "train_step_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# A tiny stand-in "network" and stand-in costs (differentiable, but not this notebook's
# formulas), so that this test checks train_step's own work: the costs combined, the gradient,
# the Adam step and the clipping.
def tiny_network(picture):
    return [picture * picture, tf.reduce_mean(picture, axis=-1, keepdims=True), picture[..., :2]]


def tiny_style_cost(style_output, generated_output, STYLE_LAYERS):
    return sum(w * tf.reduce_sum(tf.abs(s - g))
               for (_, w), s, g in zip(STYLE_LAYERS, style_output[:-1], generated_output[:-1]))


def tiny_content_cost(a_C, a_G):
    return tf.reduce_sum((a_C - a_G) ** 2)


def tiny_total(J_content, J_style, alpha=10, beta=40):
    return alpha * J_content + beta * J_style ** 2


rng = np.random.default_rng(9)
tiny_S = tiny_network(tf.constant(rng.uniform(0.8, 1.0, (1, 3, 3, 3)), tf.float32))
tiny_C = tiny_network(tf.constant(rng.uniform(0.0, 1.0, (1, 3, 3, 3)), tf.float32))
picture = tf.Variable(rng.uniform(0.85, 1.0, (1, 3, 3, 3)).astype(np.float32))
with trusted_helpers(train_step, network_outputs=tiny_network, style_outputs=tiny_S,
                     content_outputs=tiny_C, STYLE_LAYERS=[("x", 0.7), ("y", 0.3)],
                     optimizer=keras.optimizers.Adam(learning_rate=0.05),
                     compute_style_cost=tiny_style_cost, compute_content_cost=tiny_content_cost,
                     total_cost=tiny_total):
    J = train_step(picture)
    J_second = train_step(picture)
print("J =", float(J), " then", float(J_second))
check("train_step_cost", np.array([float(J), float(J_second)]), name="J of two steps")
check("train_step_picture", picture.numpy(), name="the picture after two steps")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(10)
hidden_S = tiny_network(tf.constant(rng.uniform(0.0, 0.05, (1, 2, 4, 3)), tf.float32))
hidden_C = tiny_network(tf.constant(rng.uniform(0.0, 0.05, (1, 2, 4, 3)), tf.float32))
dark = tf.Variable(rng.uniform(0.0, 0.08, (1, 2, 4, 3)).astype(np.float32))
costs_in_use = {"compute_style_cost": tiny_style_cost, "compute_content_cost": tiny_content_cost,
                "total_cost": tiny_total}
with trusted_helpers(train_step, network_outputs=tiny_network, style_outputs=hidden_S,
                     content_outputs=hidden_C, STYLE_LAYERS=[("x", 0.4), ("y", 0.6)],
                     optimizer=keras.optimizers.Adam(learning_rate=0.1), **costs_in_use):
    costs = [float(train_step(dark)) for _ in range(3)]
check("train_step_hidden_dark_picture", (np.array(costs), dark.numpy()),
      name="(J of three steps, the picture after them)")
### END HIDDEN TESTS

# %% [markdown]
# Now for real. The network's layers, and the list-of-activations model `train_step` uses:

# %%
STYLE_LAYERS = network.style_layers
network_outputs = network.outputs_model()
content_outputs = network_outputs(to_float(content))
style_outputs = network_outputs(to_float(style))
for (name, weight), a in zip(STYLE_LAYERS + [(network.content_layer, "content")], content_outputs):
    print(f"{name:14s} weight {weight!s:8s} activations {tuple(a.shape)}")

# %% [markdown]
# $G$ starts as the photograph plus uniform noise in $[-0.25, 0.25]$ (NumPy-seeded, so every
# run starts from the same picture), clipped to $[0, 1]$. `tf.function` compiles `train_step`
# into one TensorFlow graph, which makes each step several times faster than running it line
# by line.

# %%
from utils.progress import ProgressBar

noise = np.random.default_rng(0).uniform(-0.25, 0.25, (1, *SIZE, 3))
generated_image = tf.Variable(np.clip(to_float(content) + noise, 0.0, 1.0).astype(np.float32))
optimizer = keras.optimizers.Adam(learning_rate=0.02)
fast_step = tf.function(train_step)

STEPS, SHOW_EVERY = 250, 50
costs, snapshots = [], {0: to_uint8(generated_image)}
bar = ProgressBar(STEPS, "optimising the pixels")
start = time.perf_counter()
for step in range(1, STEPS + 1):
    costs.append(float(fast_step(generated_image)))
    bar.update(step, f"J = {costs[-1]:.3f}")
    if step % SHOW_EVERY == 0:
        snapshots[step] = to_uint8(generated_image)
seconds = time.perf_counter() - start
bar.close(f"{STEPS} steps in {seconds:.1f} s ({1000 * seconds / STEPS:.0f} ms per step)")

# %% [markdown]
# The picture every 50 steps: the noise goes first, then the colours of the painting arrive,
# then its strokes.

# %%
fig, axes = plt.subplots(1, len(snapshots), figsize=(3 * len(snapshots), 2.6))
for ax, (step, picture) in zip(axes, snapshots.items()):
    ax.imshow(picture)
    ax.set_title(f"step {step}")
    ax.axis("off")
plt.tight_layout()
plt.show()

# %%
plt.figure(figsize=(7, 3))
plt.semilogy(range(1, len(costs) + 1), costs)
plt.xlabel("step")
plt.ylabel("J(G) (log scale)")
plt.title("total cost while optimising the pixels")
plt.show()

# %% [markdown]
# ## 9. The result

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
for ax, picture, title in zip(axes, (content, style, to_uint8(generated_image)),
                              ("content", "style", f"generated, {STEPS} steps")):
    ax.imshow(picture)
    ax.set_title(title)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Try it.** Change $\beta$ in `train_step` (more style, less content), the number of steps,
# the content layer, or the weights in `STYLE_LAYERS` (only the first layers: colours and fine
# texture; only the deep ones: larger patterns), and run section 8 again. Your own pictures
# work too: `load_image("my_photo.jpg", SIZE)` from `utils.art_images`.
#
# ## 10. A small gallery
#
# Other photographs and paintings, smaller and with fewer steps (a few seconds each):

# %%
def stylise(content_picture, style_picture, steps=150):
    """Run the optimisation above on another pair; returns the generated picture (uint8)."""
    global content_outputs, style_outputs, optimizer
    content_outputs = network_outputs(to_float(content_picture))
    style_outputs = network_outputs(to_float(style_picture))
    optimizer = keras.optimizers.Adam(learning_rate=0.02)
    start_noise = np.random.default_rng(1).uniform(-0.25, 0.25, (1, *content_picture.shape))
    picture = tf.Variable(np.clip(to_float(content_picture) + start_noise, 0, 1).astype(np.float32))
    step_fn = tf.function(train_step)
    for _ in range(steps):
        step_fn(picture)
    return to_uint8(picture)


pairs = [("astronaut", "mosaic"), ("coffee", "waves"), ("rocket", "strokes")]
fig, axes = plt.subplots(len(pairs), 3, figsize=(10, 2.6 * len(pairs)))
for row, (photo, painting) in zip(axes, pairs):
    c, s = content_image(photo, (160, 224)), style_image(painting, (160, 224))
    for ax, picture, title in zip(row, (c, s, stylise(c, s)), (photo, painting, "generated")):
        ax.imshow(picture)
        ax.set_title(title)
        ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 11. With VGG-19, if you have it
#
# If the file `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5` (what
# `keras.applications.VGG19(include_top=False, weights="imagenet")` downloads, 80 MB) is in
# `data/vgg19/`, the cell below runs the same optimisation through VGG-19 with the original's
# layers. Your functions do not change: only the network, `STYLE_LAYERS` and the content
# layer do. VGG-19 has 20 million parameters (the course's network 0.3 million): on two CPU
# cores a step at 160×224 takes about a second, so the cell runs 30 steps only.

# %%
from utils.vgg19 import find_vgg19_weights

if find_vgg19_weights() is None:
    print("No VGG-19 weights in data/vgg19/: the course's network was used above.")
else:
    network = load_style_network()
    STYLE_LAYERS = network.style_layers
    network_outputs = network.outputs_model()
    small_content, small_style = content_image("chelsea", (160, 224)), style_image("starry", (160, 224))
    picture = stylise(small_content, small_style, steps=30)
    plt.imshow(picture)
    plt.title("VGG-19, 30 steps")
    plt.axis("off")
    plt.show()

# %% [markdown]
# ## 12. Beyond pictures: convolutions in 1D and 3D
#
# The lecture ends the week by noting that convolution is not only for 2D pictures. The rule is
# the same in every dimension: a filter spans the input's channels entirely, slides along the
# other axes, and each filter gives one output channel.
#
# - **1D**, e.g. an electrocardiogram (one number per time step): a signal of length 14 and a
#   filter of length 5 give $14 - 5 + 1 = 10$ values; 16 filters give $10 \times 16$; then 32
#   filters of size $5 \times 16$ give $6 \times 32$.
# - **3D**, e.g. a CT scan (a stack of slices) or a video (frames over time): a
#   $14 \times 14 \times 14$ volume with 16 filters of $5 \times 5 \times 5$ gives
#   $10 \times 10 \times 10 \times 16$; then 32 filters of $5 \times 5 \times 5 \times 16$ give
#   $6 \times 6 \times 6 \times 32$.
#
# Keras has `Conv1D` and `Conv3D` for these; their shapes agree with the lecture:

# %%
ekg = keras.Input((14, 1))                        # 14 time steps, 1 channel
x = keras.layers.Conv1D(16, 5)(ekg)
y = keras.layers.Conv1D(32, 5)(x)
print("1D:", ekg.shape[1:], "->", x.shape[1:], "->", y.shape[1:])
assert x.shape[1:] == (10, 16) and y.shape[1:] == (6, 32)

scan = keras.Input((14, 14, 14, 1))               # 14 x 14 x 14 voxels, 1 channel
x = keras.layers.Conv3D(16, 5)(scan)
y = keras.layers.Conv3D(32, 5)(x)
print("3D:", scan.shape[1:], "->", x.shape[1:], "->", y.shape[1:])
assert x.shape[1:] == (10, 10, 10, 16) and y.shape[1:] == (6, 6, 6, 32)
conv3d = keras.layers.Conv3D(32, 5)
conv3d.build((None, 10, 10, 10, 16))
print("parameters of the second 3D layer: 5*5*5*16*32 + 32 =", conv3d.count_params())

# %% [markdown]
# ## What you built
#
# - the content cost, the Gram matrix, the style cost of a layer and of several layers, and
#   the total cost of Gatys et al.'s neural style transfer;
# - an optimiser that changes pixels, not weights, through a fixed trained network;
# - a look at what units of a ConvNet respond to, layer by layer, and at 1D and 3D
#   convolutions.
#
# The costs are those of the lecture; the network is small, trained by the course on its own
# road scenes, and still carries enough about colours, edges and textures to paint with.
