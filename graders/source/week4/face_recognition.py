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
# # Week 4 · Face recognition for the Happy House
#
# The Happy House of Week 2 opened its door to anyone who smiled. Now it should open only for
# the people who **live** there, and it should do so from one photo of each of them, taken the
# day they moved in. In this notebook you build the ideas of the lecture one at a time, each
# with a picture first, and finish with a door that recognises its residents.
#
# **What you will write** (each in a cell marked `# GRADED FUNCTION`):
#
# | function | what it does |
# |---|---|
# | `triplet_loss` | the loss that trains an encoder: anchor closer to positive than to negative, by a margin |
# | `verification_score` | the lecture's logistic unit on $\lvert f(x^{(i)}) - f(x^{(j)})\rvert$ |
# | `verify` | face **verification** (1:1): is this the person they claim to be? |
# | `who_is_it` | face **recognition** (1:K): which resident is this, if any? |
#
# **How the tests work**, as in the earlier weeks: the test cell under each function prints what
# it expected and what it got, and names a common mistake when it recognises one. Grading runs
# more tests with other values, so write general code. The tests of `verify` and `who_is_it`
# give them prepared encodings instead of running a network, so they check your logic only.
#
# **The faces** are drawn by the course itself (`utils/synth/faces.py`): a few hundred made-up
# people, each with fixed traits (face shape, skin, hair, eyes, nose, ears, marks) and drawn
# many times with a different pose, expression, light and background. The encoder that turns a
# face into 128 numbers is a small network the course trained on them
# (`python -m graders.trainers.face_encoder`). The original assignment used a pretrained
# FaceNet and photographs of real people; if you have those weights, section 8 uses them.

# %%
from utils.quiet_import import import_tensorflow

import_tensorflow()  # TensorFlow's start-up notices would go to stderr (see utils/quiet_import.py)

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from utils.checks import notebook_checks, trusted_helpers
from utils.face_encoder import img_to_encoding

plt.rcParams["figure.figsize"] = (9.0, 4.0)
# the test cells' helpers, for this notebook's test cases
check, check_model, stand_ins = notebook_checks("week4_face_recognition")

# %% [markdown]
# ## 1. Verification and recognition
#
# - **Verification** (1:1): the input is a picture *and* a name; the output says whether the
#   picture shows that person. A phone that unlocks for its owner does this.
# - **Recognition** (1:K): the input is a picture only; the output is which of $K$ known people
#   it shows, or "not recognised". An office door that knows all its staff does this.
#
# Recognition is much harder. A recogniser compares the picture with all $K$ people, so it has
# $K$ chances to make a mistake. If each comparison is right 99% of the time and $K = 100$:

# %%
for accuracy in (0.99, 0.999):
    at_least_one_error = 1 - accuracy ** 100
    print(f"each check right {accuracy:.1%} of the time: P(at least one false match in 100 checks)"
          f" = {at_least_one_error:.3f}")

# %% [markdown]
# A 99% verifier makes at least one mistake in 100 checks almost two times in three. A
# recogniser for 100 people needs each comparison to be right well above 99.9% of the time.
#
# ## 2. One-shot learning
#
# The house has one photo of each resident. Learning from **one** example is *one-shot
# learning*, and an ordinary classifier cannot do it: a ConvNet with a softmax over "each
# resident, or nobody" ($K + 1$ outputs) would have one training picture per class, far too
# few, and every new resident would add an output and require training again.
#
# Instead the house learns a **similarity function**
#
# $$ d(\text{img}_1, \text{img}_2) = \text{how different the two faces are} $$
#
# and says "same person" when $d \le \tau$, "different" when $d > \tau$, for a threshold
# $\tau$. Recognition compares the new picture with each resident's photo; a new resident is one
# more photo, with no training.
#
# Here are the residents' photos, as the house stores them:

# %%
from utils.synth.face_data import FACES_DIR, residents

faces = residents()          # draws the pictures the first time, then reads them
images_dir = FACES_DIR / "images"
names = list(faces["residents"])
fig, axes = plt.subplots(2, 6, figsize=(11, 4.2))
for ax, name in zip(axes.flat, names):
    ax.imshow(plt.imread(images_dir / f"{name}.jpg"))
    ax.set_title(name)
    ax.set_axis_off()
plt.show()

# %% [markdown]
# ### The naive way: compare pixels
#
# The simplest $d$ is the distance between the pixels of the two pictures. It fails: a change of
# light, pose or background moves many pixels, while two different people in similar light and
# pose can be close. Below, two photos of the **same** person and two photos of **different**
# people, with the pixel distance between them (pixels scaled to $[0, 1]$).

# %%
from utils.synth.faces import HELDOUT_IDENTITIES, render_face


def pixel_distance(a, b):
    return float(np.linalg.norm(a / 255.0 - b / 255.0))


rng = np.random.default_rng(4)
people = rng.choice(np.array(HELDOUT_IDENTITIES), size=60, replace=False)
same = [(render_face(p, 1), render_face(p, 2)) for p in people[:30]]
different = [(render_face(p, 1), render_face(q, 1)) for p, q in zip(people[:30], people[30:])]
same_d = np.array([pixel_distance(a, b) for a, b in same])
different_d = np.array([pixel_distance(a, b) for a, b in different])

worst_same, best_different = int(np.argmax(same_d)), int(np.argmin(different_d))
fig, axes = plt.subplots(1, 4, figsize=(10, 2.9))
for ax, image in zip(axes, (*same[worst_same], *different[best_different])):
    ax.imshow(image)
    ax.set_axis_off()
axes[0].set_title(f"same person: d = {same_d[worst_same]:.1f}", loc="left")
axes[2].set_title(f"two people: d = {different_d[best_different]:.1f}", loc="left")
plt.show()
print(f"pixel distance, same person:    mean {same_d.mean():.1f}, range {same_d.min():.1f} to {same_d.max():.1f}")
print(f"pixel distance, different people: mean {different_d.mean():.1f}, range {different_d.min():.1f} to {different_d.max():.1f}")

# %% [markdown]
# The two ranges overlap: no threshold on pixel distance separates "same" from "different".
#
# ## 3. Siamese networks: compare encodings
#
# Instead, run each picture through a ConvNet that ends in a layer of 128 numbers, the
# **encoding** $f(x)$ of the picture, and compare encodings:
#
# $$ d(x^{(1)}, x^{(2)}) = \lVert f(x^{(1)}) - f(x^{(2)}) \rVert_2^2 $$
#
# The same network, with the same parameters, encodes both pictures: the two copies are a
# **Siamese network** (DeepFace, Taigman et al.). Training must make $d$ small for two pictures
# of one person and large for two people. The course's encoder takes a 96×96×3 picture and
# returns a vector of 128 numbers of length 1. The helper `img_to_encoding(image_path, model)`
# reads a picture file and encodes it; it encodes the mirror image too and averages the two
# (scaled back to length 1), since a face and its mirror image are the same person. On the
# course's held-out people that small trick takes verification from 96.7% to 97.2% right.

# %%
from utils.face_encoder import load_course_encoder

FRmodel = load_course_encoder()
print("parameters:", f"{FRmodel.count_params():,}")
print("input:", FRmodel.input_shape, " output:", FRmodel.output_shape)
encoding = img_to_encoding(images_dir / "younes.jpg", FRmodel)
print("younes:", encoding.shape, " length", round(float(np.linalg.norm(encoding)), 4))

# %% [markdown]
# ## 4. The triplet loss
#
# FaceNet (Schroff, Kalenichenko, Philbin) trains the encoder on **triplets** of pictures: an
# **anchor** $A$, a **positive** $P$ (the same person) and a **negative** $N$ (someone else).
# The goal is $\lVert f(A) - f(P)\rVert^2 \le \lVert f(A) - f(N)\rVert^2$. An encoder that
# outputs the same vector for every face meets it with equality, so we ask for a **margin**
# $\alpha$:
#
# $$ \lVert f(A) - f(P)\rVert_2^2 - \lVert f(A) - f(N)\rVert_2^2 + \alpha \le 0 $$
#
# The loss of one triplet is how far it is from meeting that, and never negative:
#
# $$ \mathcal{L}(A, P, N) = \max\left(\lVert f(A) - f(P)\rVert_2^2 - \lVert f(A) - f(N)\rVert_2^2
#    + \alpha,\ 0\right) $$
#
# and the cost is the **sum** over the triplets: $J = \sum_i \mathcal{L}(A^{(i)}, P^{(i)},
# N^{(i)})$. The lecture's example: $\alpha = 0.2$, $d(A, P) = 0.5$ and $d(A, N) = 0.51$ give
# $\max(0.5 - 0.51 + 0.2, 0) = 0.19$; the encoder is pushed until $d(A, N) \ge 0.7$.
#
# **A note on distances.** The lecture's $d$ and this loss use the **squared** distance. The
# `verify` and `who_is_it` functions below follow the original assignment and threshold the
# **plain** Euclidean distance $\lVert f(x^{(1)}) - f(x^{(2)})\rVert_2$ at 0.7 (that is, a
# squared distance of 0.49). Both conventions are tested.
#
# Useful TensorFlow operations: `tf.square`, `tf.subtract`, `tf.reduce_sum(..., axis=-1)` (one
# distance per triplet), `tf.maximum` and `tf.reduce_sum` (over the batch).

# %% nbgrader={"grade": false, "grade_id": "triplet_loss_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: triplet_loss
def triplet_loss(y_true, y_pred, alpha=0.2):
    """The triplet loss, summed over a batch of triplets.

    y_true: unused (Keras passes the labels to every loss function)
    y_pred: [anchor, positive, negative], three tensors of shape (m, 128): the encodings
    alpha: the margin
    Returns the loss, a scalar tensor
    """
    anchor, positive, negative = y_pred[0], y_pred[1], y_pred[2]
    # Step 1 (≈ 1 line): pos_dist, the squared distance from each anchor to its positive, (m,).
    ### BEGIN SOLUTION
    pos_dist = tf.reduce_sum(tf.square(tf.subtract(anchor, positive)), axis=-1)
    ### END SOLUTION
    # Step 2 (≈ 1 line): neg_dist, the squared distance from each anchor to its negative, (m,).
    ### BEGIN SOLUTION
    neg_dist = tf.reduce_sum(tf.square(tf.subtract(anchor, negative)), axis=-1)
    ### END SOLUTION
    # Step 3 (≈ 1 line): basic_loss = pos_dist - neg_dist + alpha, (m,).
    ### BEGIN SOLUTION
    basic_loss = pos_dist - neg_dist + alpha
    ### END SOLUTION
    # Step 4 (≈ 1 line): the loss: the maximum of basic_loss and 0 for each triplet, summed.
    ### BEGIN SOLUTION
    loss = tf.reduce_sum(tf.maximum(basic_loss, 0.0))
    ### END SOLUTION
    return loss


# %% nbgrader={"grade": true, "grade_id": "triplet_loss_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
# the lecture's example in two dimensions: d(A, P) = 0.5 and d(A, N) = 0.51
lecture = [tf.constant([[0.0, 0.0]]), tf.constant([[0.5 ** 0.5, 0.0]]), tf.constant([[0.0, 0.51 ** 0.5]])]
print("lecture's triplet:", float(triplet_loss(None, lecture)))
check("triplet_loss_lecture", float(triplet_loss(None, lecture)), name="loss", rtol=1e-5)
# three triplets: the first has a negative closer than its positive, the other two are easy
rng = np.random.default_rng(1)
anchor = rng.normal(0, 1, (3, 128))
spread = np.array([[0.05], [1.0], [1.0]])
y_pred = [tf.constant(anchor, tf.float32),
          tf.constant(anchor + rng.normal(0, 0.1, (3, 128)), tf.float32),
          tf.constant(anchor + spread * rng.normal(0, 1, (3, 128)), tf.float32)]
print("one hard and two easy triplets:", float(triplet_loss(None, y_pred)))
check("triplet_loss_random", float(triplet_loss(None, y_pred)), name="loss", rtol=1e-5)
### BEGIN HIDDEN TESTS
unit = lambda v: v / np.linalg.norm(v, axis=-1, keepdims=True)  # noqa: E731
rng = np.random.default_rng(2)
anchors = unit(rng.normal(size=(6, 128)))
triplets = [tf.constant(anchors, tf.float32),
            tf.constant(unit(anchors + rng.normal(0, 0.08, (6, 128))), tf.float32),
            tf.constant(unit(anchors + rng.normal(0, 0.06, (6, 128)) * np.arange(6)[:, None]), tf.float32)]
check("triplet_loss_hidden_some_satisfied", float(triplet_loss(None, triplets)), name="loss", rtol=1e-5)
check("triplet_loss_hidden_margin", float(triplet_loss(None, triplets, alpha=0.5)), name="loss", rtol=1e-5)
### END HIDDEN TESTS

# %% [markdown]
# **Which triplets to train on.** If $A$, $P$, $N$ are picked at random, most triplets already
# satisfy the margin: two random people look very different, so the loss is 0 and gradient
# descent learns nothing from them. Training therefore looks for **hard** triplets, where
# $d(A, N)$ is close to $d(A, P)$. Measured with the course's encoder on people it never saw in
# training, with your `triplet_loss`:

# %%
from utils.face_encoder import preprocess

rng = np.random.default_rng(5)
people = rng.choice(np.array(HELDOUT_IDENTITIES), size=40, replace=False)
shots = np.stack([[render_face(p, s) for s in range(4)] for p in people])   # (40, 4, 96, 96, 3)
codes = np.asarray(FRmodel(preprocess(shots.reshape(-1, 96, 96, 3)), training=False)).reshape(40, 4, -1)


def one_triplet_loss(a, p, n):
    return float(triplet_loss(None, [tf.constant(a[None]), tf.constant(p[None]), tf.constant(n[None])]))


random_losses, hard_losses = [], []
for k in range(200):
    i, j = rng.choice(40, size=2, replace=False)
    s, t = rng.choice(4, size=2, replace=False)
    anchor, positive = codes[i, s], codes[i, t]
    random_losses.append(one_triplet_loss(anchor, positive, codes[j, rng.integers(4)]))
    others = np.delete(codes, i, axis=0).reshape(-1, codes.shape[-1])      # everyone else's shots
    hardest = others[np.argmin(np.sum((others - anchor) ** 2, axis=-1))]    # the closest negative
    hard_losses.append(one_triplet_loss(anchor, positive, hardest))
random_losses, hard_losses = np.array(random_losses), np.array(hard_losses)
print(f"random triplets: {np.mean(random_losses == 0):.0%} already have zero loss "
      f"(mean loss {random_losses.mean():.3f})")
print(f"hard triplets (closest negative): {np.mean(hard_losses == 0):.0%} have zero loss "
      f"(mean loss {hard_losses.mean():.3f})")

# %% [markdown]
# ## 5. What the encoder learned
#
# The distances between encodings of the same person, and of two people, over 40 people the
# encoder never saw, with the threshold 0.7 that `verify` will use (plain distance):

# %%
flat = codes.reshape(-1, codes.shape[-1])
owner = np.repeat(np.arange(40), 4)
distances = np.linalg.norm(flat[:, None] - flat[None], axis=-1)
upper = np.triu(np.ones_like(distances, bool), k=1)
same_person = distances[upper & (owner[:, None] == owner[None])]
two_people = distances[upper & (owner[:, None] != owner[None])]
# the average of the two kinds of pairs, since there are many more pairs of two people
accuracy = (np.mean(same_person < 0.7) + np.mean(two_people >= 0.7)) / 2

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
bins = np.linspace(0, 2, 61)
axes[0].hist(same_person, bins, density=True, alpha=0.6, label=f"same person ({len(same_person)} pairs)")
axes[0].hist(two_people, bins, density=True, alpha=0.6, label=f"two people ({len(two_people)} pairs)")
axes[0].axvline(0.7, color="black", linestyle="--", label="threshold 0.7")
axes[0].set_xlabel("distance between encodings"), axes[0].legend()
axes[0].set_title(f"right on {accuracy:.1%} of pairs at 0.7 (both kinds weighted equally)")
# a 2-D view of the 128-D encodings: their two main directions (principal components)
centred = flat - flat.mean(axis=0)
_, _, directions = np.linalg.svd(centred, full_matrices=False)
xy = centred @ directions[:2].T
first = owner < 12
axes[1].scatter(xy[first, 0], xy[first, 1], c=owner[first], cmap="tab20", s=40)
axes[1].set_title("12 people, 4 pictures each: each colour is one person")
axes[1].set_xticks([]), axes[1].set_yticks([])
plt.show()

# %% [markdown]
# ## 6. Verification as binary classification
#
# Another way to train a Siamese network: feed the two encodings to a **logistic unit** that
# outputs 1 for "same person" and 0 for "different", with the absolute differences as its
# features:
#
# $$ \hat y = \sigma\left(\sum_{k=1}^{128} w_k \, \lvert f(x^{(i)})_k - f(x^{(j)})_k \rvert + b \right) $$
#
# 128 weights and one bias. (The lecture also mentions the $\chi^2$ feature
# $\frac{(f_k - f'_k)^2}{f_k + f'_k}$ in place of $\lvert f_k - f'_k \rvert$.) Write it for a
# batch of pairs.

# %% nbgrader={"grade": false, "grade_id": "verification_score_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: verification_score
def verification_score(f1, f2, w, b):
    """The probability that each pair shows the same person.

    f1, f2: (m, n) encodings of the two pictures of each pair
    w: (n,) one weight per feature; b: the bias, a number
    Returns y_hat, (m,): sigmoid(sum_k w_k |f1_k - f2_k| + b) for each pair
    """
    # Step 1 (≈ 1 line): features, the absolute differences |f1 - f2|, (m, n).
    ### BEGIN SOLUTION
    features = np.abs(np.asarray(f1) - np.asarray(f2))
    ### END SOLUTION
    # Step 2 (≈ 1 line): z, the weighted sum of each pair's features plus b, (m,).
    ### BEGIN SOLUTION
    z = features @ np.asarray(w) + b
    ### END SOLUTION
    # Step 3 (≈ 1 line): y_hat, the sigmoid of z.
    ### BEGIN SOLUTION
    y_hat = 1 / (1 + np.exp(-z))
    ### END SOLUTION
    return y_hat


# %% nbgrader={"grade": true, "grade_id": "verification_score_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(3)
f1, f2 = rng.normal(0, 0.1, (4, 128)), rng.normal(0, 0.1, (4, 128))
w, b = rng.normal(0, 0.5, 128), -0.2
y_hat = verification_score(f1, f2, w, b)
print("y_hat =", np.round(y_hat, 4))
check("verification_score_pairs", np.asarray(y_hat), name="y_hat")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(13)
g1, g2 = rng.normal(0, 0.2, (7, 16)), rng.normal(0, 0.2, (7, 16))
check("verification_score_hidden_small", np.asarray(verification_score(g1, g2, rng.normal(0, 2, 16), -0.5)),
      name="y_hat")
### END HIDDEN TESTS

# %% [markdown]
# The course's encoder was trained with the triplet loss, but its encodings work with a
# logistic unit too. Fitting $w$ and $b$ on pairs of 30 people (gradient descent on the
# logistic loss, the Week 1 way) and scoring pairs of 10 others with your function:

# %%
pairs_i, pairs_j = np.triu_indices(len(flat), k=1)
is_same = (owner[pairs_i] == owner[pairs_j]).astype(float)
fit = owner[pairs_i] < 30
fit &= owner[pairs_j] < 30
held = (owner[pairs_i] >= 30) & (owner[pairs_j] >= 30)
weights = np.where(is_same[fit] == 1, 0.5 / is_same[fit].mean(), 0.5 / (1 - is_same[fit].mean()))
features = np.abs(flat[pairs_i[fit]] - flat[pairs_j[fit]])
w, b = np.zeros(flat.shape[1]), 0.0
for step in range(300):
    y_hat = verification_score(flat[pairs_i[fit]], flat[pairs_j[fit]], w, b)
    error = weights * (y_hat - is_same[fit]) / weights.sum()
    w, b = w - 20.0 * features.T @ error, b - 20.0 * error.sum()
y_held = verification_score(flat[pairs_i[held]], flat[pairs_j[held]], w, b)
print(f"10 new people, {held.sum()} pairs: same person scored {y_held[is_same[held] == 1].mean():.2f} on average, "
      f"two people {y_held[is_same[held] == 0].mean():.2f}; right at 0.5 on "
      f"{np.mean((y_held > 0.5) == (is_same[held] == 1)):.1%}")

# %% [markdown]
# **A trick for deployment.** The house does not need to keep its residents' photos, only
# their encodings: compute them once, store them in a **database**, and at the door encode only
# the new picture.

# %%
database = {name: img_to_encoding(images_dir / f"{name}.jpg", FRmodel) for name in names}
print({name: code.shape for name, code in list(database.items())[:3]}, "...")

# %% [markdown]
# ## 7. Face verification: `verify`
#
# A visitor shows an ID card with a name, and the camera takes their picture. Write `verify`:
#
# 1. compute the encoding of the picture with `img_to_encoding(image_path, model)`;
# 2. compute `dist`, the **plain** Euclidean distance between that encoding and the database's
#    encoding of `identity` (`np.linalg.norm`);
# 3. open the door if `dist < 0.7`: print `"It's <identity>, welcome in!"`, otherwise
#    `"It's not <identity>, please go away"`.

# %% nbgrader={"grade": false, "grade_id": "verify_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: verify
def verify(image_path, identity, database, model):
    """Is the person in the picture the one they claim to be?

    image_path: the camera's picture
    identity: the name the visitor gives; database[identity] is that resident's encoding (1, 128)
    database: {name: encoding (1, 128)}
    model: the encoder, for img_to_encoding
    Returns (dist, door_open): the distance of the encodings, and whether dist < 0.7
    """
    # Step 1 (≈ 1 line): the encoding of the picture.
    ### BEGIN SOLUTION
    encoding = img_to_encoding(image_path, model)
    ### END SOLUTION
    # Step 2 (≈ 1 line): dist, the plain L2 distance to the identity's encoding.
    ### BEGIN SOLUTION
    dist = np.linalg.norm(encoding - database[identity])
    ### END SOLUTION
    # Step 3 (≈ 6 lines): door_open, True when dist < 0.7, and the message.
    ### BEGIN SOLUTION
    if dist < 0.7:
        print(f"It's {identity}, welcome in!")
        door_open = True
    else:
        print(f"It's not {identity}, please go away")
        door_open = False
    ### END SOLUTION
    return dist, door_open


# %% nbgrader={"grade": true, "grade_id": "verify_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# prepared encodings stand in for the camera: each picture's encoding is at a known distance
# from the resident's
rng = np.random.default_rng(7)
unit = lambda v: v / np.linalg.norm(v)  # noqa: E731
residents_db = {name: unit(rng.normal(size=(1, 128))) for name in ("younes", "kian", "tian")}
toward = unit(rng.normal(size=(1, 128)))
camera = {"camera_0.jpg": residents_db["younes"] + 0.55 * toward,
          "camera_2.jpg": residents_db["younes"] + 0.95 * toward}
with trusted_helpers(verify, img_to_encoding=lambda image_path, model: camera[image_path]):
    check("verify_welcome", verify("camera_0.jpg", "younes", residents_db, None),
          name="(dist, door_open)", rtol=1e-6)
    check("verify_go_away", verify("camera_2.jpg", "younes", residents_db, None),
          name="(dist, door_open)", rtol=1e-6)
### BEGIN HIDDEN TESTS
camera_hidden = {"visitor.jpg": residents_db["kian"] + 0.66 * unit(rng.normal(size=(1, 128))),
                 "stranger.jpg": residents_db["tian"] + 0.74 * unit(rng.normal(size=(1, 128)))}
with trusted_helpers(verify, img_to_encoding=lambda image_path, model: camera_hidden[image_path]):
    check("verify_hidden_just_inside", verify("visitor.jpg", "kian", residents_db, None),
          name="(dist, door_open) of a near match", rtol=1e-6)
    check("verify_hidden_just_outside", verify("stranger.jpg", "tian", residents_db, None),
          name="(dist, door_open) of a near miss", rtol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# Now with the course's encoder and the real camera pictures. Younes is at the door:

# %%
def show_pair(camera_file, name, title):
    fig, axes = plt.subplots(1, 2, figsize=(5, 2.8))
    for ax, file, label in zip(axes, (images_dir / camera_file, images_dir / f"{name}.jpg"),
                               ("at the door", f"{name} (database)")):
        ax.imshow(plt.imread(file))
        ax.set_title(label)
        ax.set_axis_off()
    fig.suptitle(title)
    plt.show()


dist, door_open = verify(images_dir / "camera_0.jpg", "younes", database, FRmodel)
show_pair("camera_0.jpg", "younes", f"distance {dist:.3f}: door {'opens' if door_open else 'stays shut'}")

# %% [markdown]
# Someone else borrowed Kian's ID card:

# %%
dist, door_open = verify(images_dir / "camera_2.jpg", "kian", database, FRmodel)
show_pair("camera_2.jpg", "kian", f"distance {dist:.3f}: door {'opens' if door_open else 'stays shut'}")

# %% [markdown]
# ## 8. Face recognition: `who_is_it`
#
# No more ID cards: the door should recognise residents by their face alone. Write `who_is_it`:
#
# 1. compute the picture's encoding;
# 2. find the resident with the **smallest** plain L2 distance: start from `min_dist = 100`
#    (larger than any distance) and, for each `(name, db_enc)` in `database.items()`, keep the
#    distance and the name whenever the distance is below `min_dist`;
# 3. if `min_dist > 0.7` print `"Not in the database."`, otherwise
#    `"it's <identity>, the distance is <min_dist>"`.

# %% nbgrader={"grade": false, "grade_id": "who_is_it_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: who_is_it
def who_is_it(image_path, database, model):
    """Which resident is in the picture?

    image_path: the camera's picture
    database: {name: encoding (1, 128)}
    model: the encoder, for img_to_encoding
    Returns (min_dist, identity): the smallest distance and the name of that resident
    """
    # Step 1 (≈ 1 line): the encoding of the picture.
    ### BEGIN SOLUTION
    encoding = img_to_encoding(image_path, model)
    ### END SOLUTION
    # Step 2 (≈ 6 lines): the closest resident: min_dist and identity.
    ### BEGIN SOLUTION
    min_dist = 100
    identity = None
    for name, db_enc in database.items():
        dist = np.linalg.norm(encoding - db_enc)
        if dist < min_dist:
            min_dist, identity = dist, name
    ### END SOLUTION
    # Step 3 (≈ 4 lines): the message.
    ### BEGIN SOLUTION
    if min_dist > 0.7:
        print("Not in the database.")
    else:
        print(f"it's {identity}, the distance is {min_dist}")
    ### END SOLUTION
    return min_dist, identity


# %% nbgrader={"grade": true, "grade_id": "who_is_it_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
rng = np.random.default_rng(8)
unit = lambda v: v / np.linalg.norm(v)  # noqa: E731
residents_db = {name: unit(rng.normal(size=(1, 128))) for name in ("danielle", "younes", "tian", "kian")}
camera = {"camera_0.jpg": 0.9 * residents_db["younes"] + 0.1 * residents_db["tian"],
          "camera_5.jpg": unit(rng.normal(size=(1, 128)))}
with trusted_helpers(who_is_it, img_to_encoding=lambda image_path, model: camera[image_path]):
    check("who_is_it_resident", who_is_it("camera_0.jpg", residents_db, None),
          name="(min_dist, identity)", rtol=1e-6)
    check("who_is_it_stranger", who_is_it("camera_5.jpg", residents_db, None),
          name="(min_dist, identity)", rtol=1e-6)
### BEGIN HIDDEN TESTS
# the closest resident comes first, in the middle, and last in the database's order
ordered = {name: residents_db[name] for name in ("kian", "danielle", "tian", "younes")}
seen = {f"near_{name}.jpg": residents_db[name] + 0.3 * unit(rng.normal(size=(1, 128)))
        for name in ordered}
with trusted_helpers(who_is_it, img_to_encoding=lambda image_path, model: seen[image_path]):
    for name in ("kian", "tian", "younes"):
        check(f"who_is_it_hidden_{name}", who_is_it(f"near_{name}.jpg", ordered, None),
              name="(min_dist, identity) near a resident", rtol=1e-6)
### END HIDDEN TESTS

# %% [markdown]
# At the door, with the course's encoder: a resident, then two people who do not live here.

# %%
for camera_file in ("camera_4.jpg", "camera_3.jpg", "camera_5.jpg"):
    min_dist, identity = who_is_it(images_dir / camera_file, database, FRmodel)
    verdict = f"{identity}, distance {min_dist:.3f}" if min_dist <= 0.7 else f"nobody (closest: {identity}, {min_dist:.3f})"
    show_pair(camera_file, identity, verdict)

# %% [markdown]
# **The original network.** If you have the weights of the original assignment's FaceNet
# (Keras-OpenFace's CSV files, see `utils/facenet.py` for where to put them), the next cell
# builds that network, encodes the residents with it and asks who is at the door. Without them
# it says so and keeps the course's encoder.

# %%
from utils.facenet import load_original_facenet

original = load_original_facenet()
if original is None:
    print("No FaceNet weights in data/facenet_weights/: the course's own encoder is used above.")
else:
    original_db = {name: img_to_encoding(images_dir / f"{name}.jpg", original) for name in names}
    who_is_it(images_dir / "camera_0.jpg", original_db, original)

# %% [markdown]
# ## What you built
#
# - the **triplet loss**, with its margin, summed over a batch;
# - the **logistic unit** that turns two encodings into "same person or not";
# - **verification** (1:1) with a threshold on the distance of encodings, and **recognition**
#   (1:K) by the nearest resident, both working from one photo per person.
#
# Ideas to try: lower the threshold to 0.5 and see who is turned away; add yourself to the
# database with `render_face(100_150, 0)` saved as a picture; compare the histograms of
# section 5 with the pixel distances of section 2.
