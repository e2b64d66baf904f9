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
# # Week 3 · Car detection with YOLO
#
# A self-driving car's camera photographs the road several times a second, and the car must
# say, for every picture, **what** is on the road and **where**: a box around each car, bus,
# truck, pedestrian and traffic light. That is *object detection*. In this notebook you build
# the ideas of the lecture one at a time, each with a picture first, and finish with a
# detector that finds the cars in dash-camera pictures.
#
# **What you will write** (each in a cell marked `# GRADED FUNCTION`):
#
# | function | what it does |
# |---|---|
# | `conv_sliding_windows` | turn a window classifier's dense layers into convolutions |
# | `yolo_filter_boxes` | keep the boxes whose class score passes a threshold |
# | `iou` | intersection over union of two boxes |
# | `yolo_non_max_suppression` | drop boxes that repeat a better box of the same class |
# | `yolo_eval` | from the network's output to the final boxes of one picture |
#
# **How the tests work**, as in the earlier weeks: the test cell under each function prints what
# it expected and what it got, and names a common mistake when it recognises one. Grading runs
# more tests with other shapes and values, so write general code. `yolo_eval` calls your
# filtering and suppression functions; its test swaps them for *stand-ins* that replay a correct
# solution's answers, so a mistake in one of them costs only its own points.
#
# **The pictures** are drawn by the course itself (`utils/synth/road.py`): roads, lanes,
# buildings, cars of many shapes and colours, buses, trucks, pedestrians and traffic lights,
# with haze and sensor noise, each with its exact boxes. The detector at the end is a small
# YOLOv2-style network the course trained on such scenes (`python -m graders.trainers.road_detector`).
# The original assignment used the 50-million-parameter YOLOv2 trained on the COCO photographs;
# if you have its Darknet files, section 8 uses them instead.

# %%
from utils.quiet_import import import_tensorflow

import_tensorflow()  # TensorFlow's start-up notices would go to stderr (see utils/quiet_import.py)

import os
import time

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
import keras
from keras import layers

from utils.checks import notebook_checks, trusted_helpers
from utils.detection_plots import draw_boxes_on, draw_grid, midpoints, show_anchor_shapes
from utils.sliding_windows import CLASS_NAMES as WINDOW_CLASSES, crops, window_classifier
from utils.yolo import scale_boxes, yolo_boxes_to_corners, yolo_head

plt.rcParams["figure.figsize"] = (9.0, 4.0)
# the test cells' helpers, for this notebook's test cases
check, check_model, stand_ins = notebook_checks("week3_car_detection")

# %% [markdown]
# ## 1. Classification with localisation
#
# An image classifier says *"there is a car"*. A classifier **with localisation** also says
# where: besides the class it outputs four numbers for one box. With three classes
# (1 pedestrian, 2 car, 3 motorcycle; 4 is "background") the target for one picture is the
# 8-value vector
#
# $$ y = [\,p_c,\ b_x,\ b_y,\ b_h,\ b_w,\ c_1,\ c_2,\ c_3\,]^T $$
#
# - $p_c$ is 1 when the picture holds an object of one of the three classes, 0 for background;
# - $(b_x, b_y)$ is the **midpoint** of the box and $b_h, b_w$ its height and width, all as
#   fractions of the picture: the top-left corner is $(0, 0)$ and the bottom-right $(1, 1)$;
# - $c_1, c_2, c_3$ say which class (at most one of them is 1).
#
# Here is a road scene rendered by the course, with the target of its largest car.

# %%
from utils.synth.road import CLASSES as ROAD_CLASSES, render_scene

scene = render_scene(seed=7, height=360, width=640)
areas = (scene.boxes[:, 2] - scene.boxes[:, 0]) * (scene.boxes[:, 3] - scene.boxes[:, 1])
cars = np.flatnonzero(scene.classes == ROAD_CLASSES.index("car"))
biggest = cars[np.argmax(areas[cars])]
y1, x1, y2, x2 = scene.boxes[biggest]
H, W = scene.image.shape[:2]
b_x, b_y, b_h, b_w = (x1 + x2) / 2 / W, (y1 + y2) / 2 / H, (y2 - y1) / H, (x2 - x1) / W
y_car = np.array([1, b_x, b_y, b_h, b_w, 0, 1, 0])
print("y =", np.round(y_car, 3))

fig, ax = plt.subplots(figsize=(8, 4.5))
draw_boxes_on(ax, scene.image, scene.boxes[[biggest]], labels=["car"])
ax.plot([b_x * W], [b_y * H], "o", color="yellow")
ax.set_title(f"b_x = {b_x:.2f}, b_y = {b_y:.2f}, b_h = {b_h:.2f}, b_w = {b_w:.2f}")
plt.show()

# %% [markdown]
# When $p_c = 0$ the other seven numbers mean nothing ("don't care"), and the loss must not
# punish them. With squared error:
#
# $$ \mathcal{L}(\hat y, y) = \begin{cases} \sum_{i=1}^{8} (\hat y_i - y_i)^2 & \text{if } y_1 = 1 \\
#    (\hat y_1 - y_1)^2 & \text{if } y_1 = 0 \end{cases} $$
#
# (In practice one uses a logistic loss for $p_c$, squared error for the box and a softmax
# log-likelihood for the classes; the idea of ignoring the rest when $p_c = 0$ stays.)

# %%
def localisation_loss(y_hat, y):
    """Squared-error loss of one prediction y_hat (8,) against a target y (8,)."""
    if y[0] == 1:
        return float(np.sum((y_hat - y) ** 2))
    return float((y_hat[0] - y[0]) ** 2)


y_hat = np.array([0.9, 0.45, 0.62, 0.3, 0.35, 0.05, 0.9, 0.05])
y_background = np.array([0, 0, 0, 0, 0, 0, 0, 0])  # only the first value matters
print("loss on a car picture:       ", round(localisation_loss(y_hat, y_car), 4))
print("loss on a background picture:", round(localisation_loss(y_hat, y_background), 4),
      "= (0.9 - 0)^2: the seven other numbers are ignored")

# %% [markdown]
# **Landmarks.** The same trick outputs any points you label consistently: 4 eye corners are 8
# numbers $(l_{1x}, l_{1y}), \dots, (l_{4x}, l_{4y})$; 64 points on a face are 128 numbers,
# plus one "is there a face" flag: **129 outputs**. What matters is that landmark 1 is *the
# same point* (say, the outer corner of the right eye) in every training picture.
#
# The visitors of Week 2's Happy House are drawn by the course, so their landmarks are known
# exactly: 19 of them here (chin, ears, eye corners and pupils, brows, nose tip, mouth). A
# network that outputs them would have $1 + 2 \times 19 = 39$ outputs.

# %%
from utils.synth.happy import render_landmarks

fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
for ax, seed in zip(axes, (3, 8, 11, 20)):
    face, points = render_landmarks(seed, happy=seed % 2)
    ax.imshow(face, extent=(0, 64, 64, 0))
    ax.plot(points[:, 0], points[:, 1], ".", color="lime", markersize=6)
    ax.plot(*points[0], "o", color="yellow", markersize=7)  # landmark 1: the chin
    ax.set_axis_off()
fig.suptitle(f"{len(points)} landmarks per face, {2 * len(points)} numbers; yellow: landmark 1, the chin")
plt.show()

# %% [markdown]
# ## 2. Sliding windows, and doing them with convolutions
#
# A first way to detect: train a classifier on tightly cropped 14×14 pictures, then slide a
# 14×14 window over the big image and classify every crop. A coarse stride misses positions; a
# fine stride means thousands of crops, each sent through the network on its own.
#
# Below is such a classifier (its weights come from a seed: this section is about shapes and
# arithmetic, not accuracy): CONV 16@5×5 → MAXPOOL 2×2 → FC 400 → FC 400 → softmax 4.

# %%
classifier = window_classifier(seed=0)
classifier.summary()

# %% [markdown]
# **The trick (OverFeat).** A dense layer looking at a 5×5×16 volume is the same as 400
# filters of size 5×5×16: each filter's weights are one column of the dense kernel, arranged as
# a 5×5×16 block, and the output is 1×1×400 instead of 400. A dense layer on 400 numbers is
# likewise 400 filters of 1×1×400, and the softmax layer is 4 filters of 1×1 followed by a
# softmax over the channels. The network becomes **fully convolutional**, and a fully
# convolutional network accepts a bigger image:
#
# | input | CONV 16@5×5 | MAXPOOL 2×2 | 400@5×5 | 400@1×1 | 4@1×1 |
# |---|---|---|---|---|---|
# | 14×14×3 | 10×10×16 | 5×5×16 | 1×1×400 | 1×1×400 | 1×1×4 |
# | 16×16×3 | 12×12×16 | 6×6×16 | 2×2×400 | 2×2×400 | **2×2×4** |
# | 28×28×3 | 24×24×16 | 12×12×16 | 8×8×400 | 8×8×400 | **8×8×4** |
#
# On a 16×16 image the 2×2 outputs are the classifier's answers for the four 14×14 windows at
# stride 2 (top-left, top-right, bottom-left, bottom-right), computed in **one** pass that
# shares all the work the windows have in common. The stride 2 of the windows comes from the
# max-pool.
#
# Write `conv_sliding_windows(classifier)`: build that fully convolutional model and copy the
# classifier's weights into it. Keras' `Flatten` on a (5, 5, 16) volume lists the values in
# row, column, channel order, which is exactly the order of a `(5, 5, 16, 400)` kernel, so a
# dense kernel of shape (400, 400) becomes a (1, 1, 400, 400) kernel and one of shape
# (5·5·16, 400) a (5, 5, 16, 400) kernel, each by a `reshape`. A layer's weights are read with
# `layer.get_weights()` (a list `[kernel, bias]`) and written with `layer.set_weights(...)`
# once the layer has been called on an input.

# %% nbgrader={"grade": false, "grade_id": "conv_sliding_windows_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: conv_sliding_windows
def conv_sliding_windows(classifier):
    """The fully convolutional version of a 14×14 window classifier.

    classifier: keras.Model (m, 14, 14, 3) -> (m, 4) with layers named "conv" (Conv2D 16@5×5,
        ReLU), "pool" (MaxPool2D 2×2), "fc1" (Dense 400, ReLU), "fc2" (Dense 400, ReLU) and
        "classes" (Dense 4, softmax)
    Returns a keras.Model taking images of any size, (m, n_H, n_W, 3) -> (m, (n_H - 14) // 2 + 1,
        (n_W - 14) // 2 + 1, 4): at each position, the classifier's output for that window.
    """
    # Step 1 (≈ 3 lines): read the classifier's five layers with classifier.get_layer(name).
    ### BEGIN SOLUTION
    conv, fc1 = classifier.get_layer("conv"), classifier.get_layer("fc1")
    fc2, head = classifier.get_layer("fc2"), classifier.get_layer("classes")
    ### END SOLUTION
    # Step 2 (≈ 6 lines): an input of any size, keras.Input(shape=(None, None, 3)); the same
    #   Conv2D 16@5×5 + ReLU and MaxPool2D 2×2; then Conv2D(400, (5, 5), ReLU),
    #   Conv2D(400, (1, 1), ReLU) and Conv2D(4, (1, 1), activation="softmax"). Keep each new
    #   layer in a variable (conv_new, fc1_conv, fc2_conv, head_conv) to set its weights later.
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=(None, None, 3))
    conv_new = layers.Conv2D(16, (5, 5), activation="relu")
    fc1_conv = layers.Conv2D(400, (5, 5), activation="relu")
    fc2_conv = layers.Conv2D(400, (1, 1), activation="relu")
    head_conv = layers.Conv2D(4, (1, 1), activation="softmax")
    X = layers.MaxPool2D((2, 2))(conv_new(inputs))
    outputs = head_conv(fc2_conv(fc1_conv(X)))
    ### END SOLUTION
    # Step 3 (≈ 5 lines): copy the weights: conv's as they are; each dense kernel reshaped to
    #   the convolution's kernel shape (read it from the new layer's kernel.shape); biases as
    #   they are.
    ### BEGIN SOLUTION
    conv_new.set_weights(conv.get_weights())
    for dense, conv_layer in ((fc1, fc1_conv), (fc2, fc2_conv), (head, head_conv)):
        kernel, bias = dense.get_weights()
        conv_layer.set_weights([kernel.reshape(tuple(conv_layer.kernel.shape)), bias])
    ### END SOLUTION
    return keras.Model(inputs, outputs, name="conv_sliding_windows")


# %% nbgrader={"grade": true, "grade_id": "conv_sliding_windows_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
classifier = window_classifier(seed=0)
sliding = conv_sliding_windows(classifier)
image16 = np.random.default_rng(3).random((1, 16, 16, 3)).astype("float32")
grid16 = np.asarray(sliding(image16))
print("output of the 16x16 image:", grid16.shape)
check("conv_sliding_windows_16x16", grid16, name="outputs on a 16x16 image", rtol=1e-4, atol=1e-6)
### BEGIN HIDDEN TESTS
image28 = np.random.default_rng(4).random((2, 28, 28, 3)).astype("float32")
check("conv_sliding_windows_hidden_28x28", np.asarray(sliding(image28)),
      name="outputs on 28x28 images", rtol=1e-4, atol=1e-6)
other = conv_sliding_windows(window_classifier(seed=5))
image_wide = np.random.default_rng(6).random((1, 14, 20, 3)).astype("float32")
check("conv_sliding_windows_hidden_other_weights", np.asarray(other(image_wide)),
      name="outputs of another classifier on a 14x20 image", rtol=1e-4, atol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# The proof that it works: cut the four 14×14 windows out of the 16×16 image, classify each
# with the original classifier, and compare with the 2×2 grid. Then the 28×28 image, whose 8×8
# grid holds 64 windows, and the time the single pass saves.

# %%
windows16, (rows, cols) = crops(image16)
one_by_one = np.asarray(classifier(windows16)).reshape(1, rows, cols, 4)
print("4 windows one by one == 2x2 grid:", np.allclose(one_by_one, grid16, atol=1e-5))

image28_demo = np.random.default_rng(8).random((1, 28, 28, 3)).astype("float32")
windows28, (rows, cols) = crops(image28_demo)
sliding(image28_demo), classifier(windows28[:1])  # warm up both
start = time.perf_counter()
for window in windows28:
    classifier(window[None])
t_windows = time.perf_counter() - start
start = time.perf_counter()
grid28 = np.asarray(sliding(image28_demo))
t_conv = time.perf_counter() - start
same = np.allclose(np.asarray(classifier(windows28)).reshape(1, rows, cols, 4), grid28, atol=1e-5)
print(f"28x28: {rows * cols} windows, grid {grid28.shape[1:3]}, same answers: {same}")
print(f"one window at a time: {1000 * t_windows:.0f} ms; one convolutional pass: {1000 * t_conv:.1f} ms")

# %% [markdown]
# The weakness that remains: the boxes can only be the windows, at a fixed size and stride, so
# they rarely fit the object. YOLO fixes that.
#
# ## 3. YOLO: a grid, a target per cell, anchor boxes
#
# YOLO ("you only look once") puts a grid on the image and gives **every cell** the
# localisation target of section 1. An object belongs to the **one cell that holds its
# midpoint**, even when it spans several cells. With a 3×3 grid and 8 values per cell the
# network's output is a 3×3×8 volume; the real YOLOv2 uses a 19×19 grid on a 608×608 input.
# Inside a cell, $(b_x, b_y)$ are measured from the cell's top-left corner in cell units
# (between 0 and 1), while $b_h, b_w$ may exceed 1 for an object bigger than the cell.

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
for ax, n in zip(axes, (3, 19)):
    draw_boxes_on(ax, scene.image, scene.boxes,
                  labels=[ROAD_CLASSES[c] for c in scene.classes] if n == 3 else None)
    draw_grid(ax, scene.image.shape, n)
    centres = midpoints(scene.boxes)
    ax.plot(centres[:, 1], centres[:, 0], "o", color="yellow", markersize=4)
    ax.set_title(f"{n}×{n} grid: {n * n} cells; yellow dots: midpoints")
plt.show()

# %% [markdown]
# **Anchor boxes.** One cell can hold the midpoints of two objects (a pedestrian in front of a
# car). So each cell predicts several boxes, one per *anchor box*: a preset shape, for instance
# tall and thin for people, wide for cars. An object goes to the cell of its midpoint **and**
# the anchor whose shape has the highest IoU with its box. With 2 anchors and 3 classes a cell
# holds $2 \times 8 = 16$ numbers and the output is $3 \times 3 \times 2 \times 8$; YOLOv2 on
# the COCO dataset has 5 anchors and 80 classes, so $5 + 80 = 85$ numbers per anchor and an
# output of $19 \times 19 \times 5 \times 85$ (stored as $19 \times 19 \times 425$).
# The picture below builds that $3 \times 3 \times 2 \times 8$ target for the road scene of
# section 1, with the lecture's three classes (pedestrian, car, motorcycle; this scene's buses,
# trucks and lights are left out) and two anchors, a tall one and a wide one. Each object
# sets the 8 numbers of one (cell, anchor) pair; every other pair has $p_c = 0$.

# %%
anchor_shapes = {"tall": (0.3, 0.9), "wide": (1.0, 0.6)}   # (width, height) in grid cells
lecture_class = {"pedestrian": 0, "car": 1}                 # c1 pedestrian, c2 car, c3 motorcycle
target = np.zeros((3, 3, 2, 8))
for (y1, x1, y2, x2), k in zip(scene.boxes, scene.classes):
    if ROAD_CLASSES[k] not in lecture_class:
        continue
    bx, by = (x1 + x2) / 2 / W * 3, (y1 + y2) / 2 / H * 3    # midpoint in cell units
    bh, bw = (y2 - y1) / H * 3, (x2 - x1) / W * 3
    row, col = int(by), int(bx)
    overlaps = [min(bw, aw) * min(bh, ah) / (bw * bh + aw * ah - min(bw, aw) * min(bh, ah))
                for aw, ah in anchor_shapes.values()]       # IoU of shapes sharing a centre
    a = int(np.argmax(overlaps))
    if target[row, col, a, 0] == 0 or bw * bh > target[row, col, a, 3] * target[row, col, a, 4]:
        target[row, col, a] = [1, bx - col, by - row, bh, bw, 0, 0, 0]
        target[row, col, a, 5 + lecture_class[ROAD_CLASSES[k]]] = 1

fig, axes = plt.subplots(1, 2, figsize=(12, 3.6), gridspec_kw={"width_ratios": [1.6, 1]})
draw_boxes_on(axes[0], scene.image, scene.boxes,
              labels=[ROAD_CLASSES[c] for c in scene.classes])
draw_grid(axes[0], scene.image.shape, 3)
axes[1].imshow(target[..., 0].reshape(3, 6), cmap="Greens", vmin=0, vmax=1.5)
for r, c, a in zip(*np.nonzero(target[..., 0])):
    axes[1].text(2 * c + a, r, "ped" if target[r, c, a, 5] else "car", ha="center", va="center")
axes[1].set_xticks(range(6), ["tall", "wide"] * 3)
axes[1].set_yticks(range(3), [f"row {r}" for r in range(3)])
axes[1].set_title("p_c of each (cell, anchor) in the 3×3×2×8 target")
plt.show()
r, c, a = np.argwhere(target[..., 0] == 1)[0]
print(f"cell ({r}, {c}), {list(anchor_shapes)[a]} anchor: y =", np.round(target[r, c, a], 2))

# %% [markdown]
# The course's detector uses 5 anchors found by k-means on its training boxes. It looks at
# 256×256 pictures and its grid has one cell per 16×16 pixels, so a **16×16 grid** (YOLOv2's
# cells are 32×32 pixels, 19×19 of them on 608×608): the finer cells help with the small,
# distant cars of a dash camera.

# %%
from utils.detector import load_course_detector

detector, anchors, class_names = load_course_detector()
print("classes:", class_names)
print("anchors (width, height in grid cells):\n", np.round(anchors, 2))
for label, volume in (("lecture, 2 anchors, 3 classes", (3, 3, 2, 8)),
                      ("YOLOv2 on COCO", (19, 19, 5, 85)),
                      ("this course's detector", (*detector.output_shape[1:3], len(anchors),
                                                  5 + len(class_names)))):
    print(f"{label:>32}: output {' × '.join(map(str, volume))} = {int(np.prod(volume)):,} numbers")
show_anchor_shapes(anchors)
plt.show()

# %% [markdown]
# `yolo_head` (in `utils/yolo.py`) turns the network's raw numbers into, for each cell and
# anchor: a confidence $p_c$ (`box_confidence`, shape $(\dots, 1)$), the box midpoint
# `box_xy` and size `box_wh` as fractions of the image, and the class probabilities
# `box_class_probs` $(\dots, C)$. The rest of this notebook turns those into a short list of
# boxes.
#
# ## 4. Filtering with a threshold on class scores
#
# Each of the $19 \cdot 19 \cdot 5 = 1805$ (cell, anchor) pairs proposes a box. Most of them see
# nothing. The **score** of a box for class $c$ is the probability that there is an object
# *and* that it is of class $c$: $p_c \times c_i$. Keep, for every box, its best class and that
# class's score, and drop the boxes whose score is below a threshold.
#
# Useful TensorFlow operations: `tf.math.argmax` and `tf.math.reduce_max` along
# `axis=-1`, and `tf.boolean_mask(tensor, mask)`, which keeps the entries where a boolean mask
# of the leading dimensions is `True` (so it works for any number of leading dimensions).

# %% nbgrader={"grade": false, "grade_id": "yolo_filter_boxes_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: yolo_filter_boxes
def yolo_filter_boxes(box_confidence, boxes, box_class_probs, threshold=.6):
    """Keep the boxes whose best class score is at least ``threshold``.

    box_confidence: (..., 1) p_c of each (cell, anchor), e.g. (19, 19, 5, 1)
    boxes: (..., 4) corners of each box, e.g. (19, 19, 5, 4)
    box_class_probs: (..., C) class probabilities, e.g. (19, 19, 5, 80)
    threshold: a box is kept when its score is >= threshold
    Returns scores (n,), boxes (n, 4) and classes (n,) of the n kept boxes
    """
    # Step 1 (≈ 1 line): box_scores, the score of every class for every box: p_c × c_i.
    ### BEGIN SOLUTION
    box_scores = box_confidence * box_class_probs
    ### END SOLUTION
    # Step 2 (≈ 2 lines): box_classes, the index of the best class of each box, and
    #   box_class_scores, that class's score.
    ### BEGIN SOLUTION
    box_classes = tf.math.argmax(box_scores, axis=-1)
    box_class_scores = tf.math.reduce_max(box_scores, axis=-1)
    ### END SOLUTION
    # Step 3 (≈ 1 line): filtering_mask, True where box_class_scores >= threshold.
    ### BEGIN SOLUTION
    filtering_mask = box_class_scores >= threshold
    ### END SOLUTION
    # Step 4 (≈ 3 lines): apply the mask to box_class_scores, boxes and box_classes.
    ### BEGIN SOLUTION
    scores = tf.boolean_mask(box_class_scores, filtering_mask)
    boxes = tf.boolean_mask(boxes, filtering_mask)
    classes = tf.boolean_mask(box_classes, filtering_mask)
    ### END SOLUTION
    return scores, boxes, classes


# %% nbgrader={"grade": true, "grade_id": "yolo_filter_boxes_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(1)
box_confidence = tf.constant(rng.normal(1, 4, (19, 19, 5, 1)), tf.float32)
boxes = tf.constant(rng.normal(1, 4, (19, 19, 5, 4)), tf.float32)
box_class_probs = tf.constant(rng.normal(1, 4, (19, 19, 5, 80)), tf.float32)
scores, kept_boxes, classes = yolo_filter_boxes(box_confidence, boxes, box_class_probs, threshold=0.5)
print("scores.shape =", scores.shape, " boxes.shape =", kept_boxes.shape, " classes.shape =", classes.shape)
check("yolo_filter_boxes_scores", np.asarray(scores), name="scores")
check("yolo_filter_boxes_boxes", np.asarray(kept_boxes), name="boxes")
check("yolo_filter_boxes_classes", np.asarray(classes), name="classes")
### BEGIN HIDDEN TESTS
# a score exactly at the threshold is kept; a batch dimension in front
confidence = np.array([1.0, 0.5, 0.9, 1.0], np.float32).reshape(2, 2, 1, 1)
probs = np.array([[0.6, 0.4], [0.2, 0.8], [0.5, 0.5], [0.1, 0.9]], np.float32).reshape(2, 2, 1, 2)
corners = np.arange(16, dtype=np.float32).reshape(2, 2, 1, 4)
edge = yolo_filter_boxes(tf.constant(confidence), tf.constant(corners), tf.constant(probs), threshold=0.6)
check("yolo_filter_boxes_hidden_at_threshold", tuple(map(np.asarray, edge)), name="the kept boxes")
rng = np.random.default_rng(12)
wide = yolo_filter_boxes(tf.constant(rng.random((2, 3, 4, 2, 1)), tf.float32),
                         tf.constant(rng.random((2, 3, 4, 2, 4)), tf.float32),
                         tf.constant(rng.random((2, 3, 4, 2, 5)), tf.float32), threshold=0.3)
check("yolo_filter_boxes_hidden_batch", tuple(map(np.asarray, wide)), name="the kept boxes")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Intersection over union
#
# Two boxes that predict the same object overlap a lot. **IoU** measures by how much: the area
# of their intersection divided by the area of their union. 1 means the same box, 0 no overlap,
# and a detection counts as correct when its IoU with the true box is at least 0.5.
#
# Here a box is given by its corners $(x_1, y_1, x_2, y_2)$: top-left and bottom-right, with
# $y$ growing downwards. The intersection of two boxes is the box from the larger of the two
# $x_1$ (and $y_1$) to the smaller of the two $x_2$ (and $y_2$). When the boxes do not overlap
# that "box" has a negative width or height: its area must be **0**, not a product of two
# negative numbers. So clamp: $\max(0, x_{i2} - x_{i1}) \cdot \max(0, y_{i2} - y_{i1})$.

# %%
box_a, box_b = (2, 1, 4, 3), (1, 2, 3, 4)
fig, ax = plt.subplots(figsize=(3.5, 3.5))
for box, color, name in ((box_a, "tab:red", "box 1"), (box_b, "tab:blue", "box 2")):
    ax.add_patch(plt.Rectangle(box[:2], box[2] - box[0], box[3] - box[1], fill=False,
                               color=color, linewidth=2, label=name))
ax.add_patch(plt.Rectangle((2, 2), 1, 1, color="tab:purple", alpha=0.5, label="intersection"))
ax.set_xlim(0, 5), ax.set_ylim(5, 0), ax.set_aspect("equal"), ax.grid(True, alpha=0.3)
ax.legend(fontsize=8), ax.set_title("intersection 1, union 4 + 4 - 1 = 7")
plt.show()

# %% nbgrader={"grade": false, "grade_id": "iou_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: iou
def iou(box1, box2):
    """Intersection over union of two boxes.

    box1, box2: corners (x1, y1, x2, y2), with x1 < x2 and y1 < y2
    Returns the IoU as a Python float in [0, 1]
    """
    # Step 1 (≈ 5 lines): the corners (xi1, yi1, xi2, yi2) of the intersection, and
    #   inter_area, its area, with the widths and heights clamped at 0.
    ### BEGIN SOLUTION
    xi1, yi1 = max(box1[0], box2[0]), max(box1[1], box2[1])
    xi2, yi2 = min(box1[2], box2[2]), min(box1[3], box2[3])
    inter_area = max(0, xi2 - xi1) * max(0, yi2 - yi1)
    ### END SOLUTION
    # Step 2 (≈ 3 lines): union_area = area of box1 + area of box2 - inter_area.
    ### BEGIN SOLUTION
    box1_area = (box1[2] - box1[0]) * (box1[3] - box1[1])
    box2_area = (box2[2] - box2[0]) * (box2[3] - box2[1])
    union_area = box1_area + box2_area - inter_area
    ### END SOLUTION
    # Step 3 (≈ 1 line): the IoU, as a float.
    ### BEGIN SOLUTION
    return float(inter_area / union_area)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "iou_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
print("iou((2, 1, 4, 3), (1, 2, 3, 4)) =", iou((2, 1, 4, 3), (1, 2, 3, 4)))
check("iou_overlapping", iou((2, 1, 4, 3), (1, 2, 3, 4)), name="iou")
print("iou((1, 2, 3, 4), (5, 6, 7, 8)) =", iou((1, 2, 3, 4), (5, 6, 7, 8)), "(no overlap)")
check("iou_disjoint", iou((1, 2, 3, 4), (5, 6, 7, 8)), name="iou of boxes that do not overlap")
### BEGIN HIDDEN TESTS
check("iou_hidden_identical", iou((1, 1, 3, 4), (1, 1, 3, 4)), name="iou")
check("iou_hidden_corner_touching", iou((1, 1, 2, 2), (2, 2, 3, 3)), name="iou")
check("iou_hidden_edge_touching", iou((1, 1, 2, 2), (1, 2, 2, 3)), name="iou")
check("iou_hidden_diagonal", iou((1, 1, 3, 3), (2, 2, 4, 4)), name="iou")
check("iou_hidden_far_apart_one_axis", iou((0, 0, 2, 2), (5, 0, 7, 2)), name="iou")
check("iou_hidden_inside", iou((0.0, 0.0, 4.0, 4.0), (1.0, 1.0, 2.0, 3.0)), name="iou")
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Non-max suppression
#
# The same car is seen by several neighbouring (cell, anchor) pairs, so after filtering it
# still has several boxes. **Non-max suppression** keeps the best of them:
#
# 1. take the box with the highest score and keep it;
# 2. drop every remaining box whose IoU with it is above `iou_threshold`;
# 3. repeat with the boxes left.
#
# The lecture runs this **separately for each class**: a pedestrian standing in front of a car
# must not be removed because their boxes overlap. (The original programming assignment ran it
# once over all classes together; this course follows the lecture, and its tests check it.)
# `tf.image.non_max_suppression(boxes, scores, max_output_size, iou_threshold)` does steps 1–3
# for one set of boxes and returns the indices of the kept ones. The result must hold at most
# `max_boxes` boxes in all, in descending order of score.

# %% nbgrader={"grade": false, "grade_id": "yolo_non_max_suppression_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: yolo_non_max_suppression
def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5):
    """Non-max suppression, class by class.

    scores: (n,) box scores; boxes: (n, 4) corners (y1, x1, y2, x2); classes: (n,) class indices
    max_boxes: the most boxes to return, over all classes together
    iou_threshold: a box is dropped when its IoU with a better box of its class is above this
    Returns scores (k,), boxes (k, 4), classes (k,) of the kept boxes, best score first,
        k <= max_boxes
    """
    # Step 1 (≈ 6 lines): for each class present (np.unique(classes)), the indices of its boxes
    #   (tf.where(classes == c)[:, 0]), then tf.image.non_max_suppression on those boxes and
    #   scores (tf.gather picks them); keep the chosen indices, mapped back to the full list,
    #   in a list kept.
    ### BEGIN SOLUTION
    kept = []
    for c in np.unique(np.asarray(classes)):
        members = tf.where(classes == c)[:, 0]
        chosen = tf.image.non_max_suppression(tf.gather(boxes, members), tf.gather(scores, members),
                                              max_boxes, iou_threshold)
        kept.append(tf.gather(members, chosen))
    ### END SOLUTION
    # Step 2 (≈ 3 lines): all kept indices together (tf.concat), ordered by descending score
    #   (tf.argsort(..., direction="DESCENDING")) and cut to max_boxes: keep_order.
    ### BEGIN SOLUTION
    kept = tf.concat(kept, axis=0) if kept else tf.zeros([0], tf.int64)
    keep_order = tf.gather(kept, tf.argsort(tf.gather(scores, kept), direction="DESCENDING")[:max_boxes])
    ### END SOLUTION
    # Step 3 (≈ 3 lines): gather scores, boxes and classes at keep_order.
    ### BEGIN SOLUTION
    scores = tf.gather(scores, keep_order)
    boxes = tf.gather(boxes, keep_order)
    classes = tf.gather(classes, keep_order)
    ### END SOLUTION
    return scores, boxes, classes


# %% nbgrader={"grade": true, "grade_id": "yolo_non_max_suppression_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# the lecture's picture: a car seen three times (0.9, 0.7, 0.6), another car (0.8) and a
# pedestrian (class 0) in front of the first car (0.75)
lecture_scores = tf.constant([0.6, 0.9, 0.8, 0.7, 0.75], tf.float32)
lecture_boxes = tf.constant([[102, 300, 218, 470], [100, 310, 220, 480], [120, 40, 210, 200],
                             [96, 318, 224, 490], [90, 330, 260, 400]], tf.float32)
lecture_classes = tf.constant([1, 1, 1, 1, 0], tf.int64)
kept = yolo_non_max_suppression(lecture_scores, lecture_boxes, lecture_classes)
print("kept scores:", np.asarray(kept[0]), " classes:", np.asarray(kept[2]))
check("yolo_non_max_suppression_lecture", tuple(np.asarray(t) for t in kept),
      name="(scores, boxes, classes)")
rng = np.random.default_rng(2)
top_left = rng.uniform(0, 500, (54, 2))
random_boxes = np.concatenate([top_left, top_left + rng.uniform(40, 160, (54, 2))], axis=1)
random_scores = rng.uniform(0.6, 1.0, 54)
random_classes = rng.integers(0, 3, 54)
kept = yolo_non_max_suppression(tf.constant(random_scores, tf.float32),
                                tf.constant(random_boxes, tf.float32),
                                tf.constant(random_classes, tf.int64))
print("random boxes: kept", len(np.asarray(kept[0])), "of 54")
check("yolo_non_max_suppression_random", tuple(np.asarray(t) for t in kept),
      name="(scores, boxes, classes)")
### BEGIN HIDDEN TESTS
as_tensors = lambda n: (tf.constant(random_scores[:n], tf.float32),  # noqa: E731
                        tf.constant(random_boxes[:n], tf.float32),
                        tf.constant(random_classes[:n], tf.int64))
lower = yolo_non_max_suppression(*as_tensors(54), max_boxes=25, iou_threshold=0.3)
check("yolo_non_max_suppression_hidden_threshold_0.3", tuple(map(np.asarray, lower)), name="the kept boxes")
three = yolo_non_max_suppression(*as_tensors(12), max_boxes=3)
check("yolo_non_max_suppression_hidden_three", tuple(map(np.asarray, three)), name="the kept boxes")
### END HIDDEN TESTS

# %% [markdown]
# Before and after, on the lecture's example: the three boxes of the right car become one, the
# left car keeps its box, and the pedestrian keeps hers although she overlaps the car.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
canvas = np.full((300, 560, 3), 235, np.uint8)
for ax, (s, b, c), title in ((axes[0], (lecture_scores, lecture_boxes, lecture_classes), "before"),
                             (axes[1], yolo_non_max_suppression(lecture_scores, lecture_boxes,
                                                                lecture_classes), "after")):
    names = ["pedestrian" if int(k) == 0 else "car" for k in np.asarray(c)]
    draw_boxes_on(ax, canvas, np.asarray(b),
                  labels=[f"{n} {float(v):.2f}" for n, v in zip(names, np.asarray(s))],
                  colors=["tab:green" if n == "pedestrian" else "tab:red" for n in names],
                  title=f"{title} non-max suppression")
plt.show()

# %% [markdown]
# ## 7. Wrapping up: `yolo_eval`
#
# Now put the steps together, from the output of `yolo_head` to the boxes of one picture:
#
# 1. convert the midpoints and sizes to corners: `yolo_boxes_to_corners(box_xy, box_wh)`
#    (given, in `utils/yolo.py`);
# 2. filter with `score_threshold` (your `yolo_filter_boxes`);
# 3. scale the corners from fractions of the image to pixels of the original picture:
#    `scale_boxes(boxes, image_shape)` (given), so they can be drawn on it;
# 4. non-max suppression with `max_boxes` and `iou_threshold` (your
#    `yolo_non_max_suppression`).

# %% nbgrader={"grade": false, "grade_id": "yolo_eval_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: yolo_eval
def yolo_eval(yolo_outputs, image_shape=(720., 1280.), max_boxes=10, score_threshold=.6, iou_threshold=.5):
    """The final boxes of one picture, from the decoded network output.

    yolo_outputs: (box_confidence (S, S, A, 1), box_xy (S, S, A, 2), box_wh (S, S, A, 2),
        box_class_probs (S, S, A, C)), as yolo_head gives them for one picture
    image_shape: (height, width) of the original picture, floats
    Returns scores (k,), boxes (k, 4) as pixel corners (y1, x1, y2, x2), classes (k,)
    """
    # Step 1 (≈ 1 line): unpack yolo_outputs.
    ### BEGIN SOLUTION
    box_confidence, box_xy, box_wh, box_class_probs = yolo_outputs
    ### END SOLUTION
    # Step 2 (≈ 1 line): boxes, the corners of every box.
    ### BEGIN SOLUTION
    boxes = yolo_boxes_to_corners(box_xy, box_wh)
    ### END SOLUTION
    # Step 3 (≈ 1 line): scores, boxes, classes after filtering with score_threshold.
    ### BEGIN SOLUTION
    scores, boxes, classes = yolo_filter_boxes(box_confidence, boxes, box_class_probs, score_threshold)
    ### END SOLUTION
    # Step 4 (≈ 1 line): boxes scaled to image_shape.
    ### BEGIN SOLUTION
    boxes = scale_boxes(boxes, image_shape)
    ### END SOLUTION
    # Step 5 (≈ 1 line): non-max suppression with max_boxes and iou_threshold.
    ### BEGIN SOLUTION
    scores, boxes, classes = yolo_non_max_suppression(scores, boxes, classes, max_boxes, iou_threshold)
    ### END SOLUTION
    return scores, boxes, classes


# %% nbgrader={"grade": true, "grade_id": "yolo_eval_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(10)
yolo_outputs = (tf.constant(rng.normal(1, 4, (19, 19, 5, 1)), tf.float32),
                tf.constant(rng.normal(1, 4, (19, 19, 5, 2)), tf.float32),
                tf.constant(rng.normal(1, 4, (19, 19, 5, 2)), tf.float32),
                tf.constant(rng.normal(1, 4, (19, 19, 5, 80)), tf.float32))
with trusted_helpers(yolo_eval, **stand_ins("yolo_filter_boxes", "yolo_non_max_suppression")):
    scores, found_boxes, classes = yolo_eval(yolo_outputs)
print("scores.shape =", np.shape(scores), " boxes.shape =", np.shape(found_boxes))
check("yolo_eval_defaults", tuple(np.asarray(t) for t in (scores, found_boxes, classes)),
      name="(scores, boxes, classes)")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(11)
small = (tf.constant(rng.random((6, 6, 3, 1)), tf.float32),
         tf.constant(rng.random((6, 6, 3, 2)), tf.float32),
         tf.constant(rng.random((6, 6, 3, 2)) * 0.4, tf.float32),
         tf.constant(rng.random((6, 6, 3, 4)), tf.float32))
replays = stand_ins("yolo_filter_boxes", "yolo_non_max_suppression")
with trusted_helpers(yolo_eval, **replays):
    found = yolo_eval(small, image_shape=(256., 320.), max_boxes=4, score_threshold=0.5,
                      iou_threshold=0.4)
check("yolo_eval_hidden_arguments", tuple(map(np.asarray, found)), name="the final boxes")
### END HIDDEN TESTS

# %% [markdown]
# ## 8. Test on pictures of the road
#
# Time to detect. `predict` (in `utils/yolo.py`) resizes a picture to the detector's input,
# runs the network, decodes its output with `yolo_head`, calls **your** `yolo_eval` and draws
# the boxes it returns. The pictures are 720×1280, like the original drive.ai photographs.

# %%
from utils.synth.road_data import demo_images
from utils.yolo import predict

demo_files = demo_images()
out_scores, out_boxes, out_classes = predict(detector, demo_files[0], yolo_eval, class_names,
                                             anchors, show=True)

# %% [markdown]
# All the demo pictures, with what the detector found:

# %%
for image_file in demo_files[1:]:
    predict(detector, image_file, yolo_eval, class_names, anchors, show=True)

# %% [markdown]
# **The original network.** If you have the Darknet files of YOLOv2 (`yolo.cfg` and
# `yolo.weights`) in `data/`, the next cell builds that network from them and runs it on the
# first picture: 19×19×5×85 outputs for 80 COCO classes. Without them it says so and keeps the
# course's detector.

# %%
from utils.darknet import find_original_yolo, load_darknet

original = find_original_yolo("data")
if original is None:
    print("No yolo.cfg / yolo.weights in data/: the course's own detector is used above.")
else:
    yolo_model, yolo_anchors, n_classes = load_darknet(*original)
    coco_names = (open("data/coco_classes.txt").read().split("\n")[:n_classes]
                  if os.path.exists("data/coco_classes.txt") else [str(i) for i in range(n_classes)])
    predict(yolo_model, demo_files[0], yolo_eval, coco_names, yolo_anchors, show=True)

# %% [markdown]
# ## 9. Region proposals (optional reading)
#
# YOLO looks at the picture once. An older family of detectors works in two stages: first
# propose regions that might hold an object, then classify each region.
#
# - **R-CNN** (Girshick, Donahue, Darrell, Malik) runs a segmentation algorithm that cuts the
#   picture into about 2000 blobs, puts a box around each, and classifies every box with a
#   ConvNet, which also refines the box. It is slow: 2000 forward passes per picture.
# - **Fast R-CNN** (Girshick) classifies all the proposed regions in one convolutional pass, as
#   the sliding windows of section 2 did.
# - **Faster R-CNN** (Ren, He, Girshick, Sun) lets a ConvNet propose the regions too. It is
#   usually still slower than YOLO.
#
# The picture below imitates the first stage on a road scene: it groups neighbouring pixels of
# similar colour into blobs and puts a box around each. Some boxes fit an object, many are sky,
# road or half a car: that is why the second stage, a classifier that also refines the box, is
# needed, and why it has so many regions to look at.

# %%
def colour_blob_proposals(image: np.ndarray, cell: int = 8, levels: int = 5, min_cells: int = 3):
    """Boxes (n, 4) as (y1, x1, y2, x2) around blobs of one colour: a crude stand-in for the
    segmentation step of R-CNN. The image is cut into cell × cell squares, each square's mean
    colour is quantised, and neighbouring squares of the same colour form a blob."""
    n_rows, n_cols = image.shape[0] // cell, image.shape[1] // cell
    means = image[:n_rows * cell, :n_cols * cell].reshape(n_rows, cell, n_cols, cell, 3).mean(axis=(1, 3))
    codes = np.round(means / 255 * (levels - 1)) @ np.array([levels * levels, levels, 1])
    seen, proposals = np.zeros((n_rows, n_cols), bool), []
    for r0 in range(n_rows):
        for c0 in range(n_cols):
            if seen[r0, c0]:
                continue
            seen[r0, c0], stack, members = True, [(r0, c0)], []
            while stack:                      # flood fill over the 4 neighbours
                r, c = stack.pop()
                members.append((r, c))
                for rr, cc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                    if 0 <= rr < n_rows and 0 <= cc < n_cols and not seen[rr, cc] \
                            and codes[rr, cc] == codes[r, c]:
                        seen[rr, cc] = True
                        stack.append((rr, cc))
            if len(members) >= min_cells:
                rows, cols = np.array(members).T
                proposals.append([rows.min() * cell, cols.min() * cell,
                                  (rows.max() + 1) * cell, (cols.max() + 1) * cell])
    return np.array(proposals, dtype=float).reshape(-1, 4)


proposals = colour_blob_proposals(scene.image)
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
draw_boxes_on(axes[0], scene.image, proposals, colors=["tab:orange"] * len(proposals),
              linewidth=1, title=f"stage 1: {len(proposals)} region proposals")
draw_boxes_on(axes[1], scene.image, scene.boxes, labels=[ROAD_CLASSES[c] for c in scene.classes],
              title="what a detector should output")
plt.show()

# %% [markdown]
# ## What you built
#
# - the **convolutional sliding window**: dense layers as convolutions, so one pass classifies
#   every window;
# - **score filtering** with $p_c \times c_i$, **IoU** with a clamped intersection, and
#   **per-class non-max suppression**;
# - `yolo_eval`, which turns a YOLO network's output into the boxes drawn above.
#
# Ideas to try: lower `score_threshold` in `predict(..., score_threshold=0.3)` and watch the
# far-away cars appear (and the false alarms); raise `iou_threshold` to 0.8 and see duplicate
# boxes survive.
