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
# # Week 3 quiz · Object detection
#
# Twelve questions on this week's lectures: localisation targets, landmarks, convolutional sliding
# windows, YOLO's grid and anchor boxes, intersection over union, non-max suppression and region
# proposals. Some ask you to recall an idea; most ask you to work a number out from given sizes,
# so keep a pen and paper (or a spare code cell) at hand.
#
# **How to answer.** Each question has an answer cell marked `# GRADED ANSWER: qN`. Replace its
# `raise NotImplementedError()` with one line that sets the question's variable, then run the cell
# and the test cell under it. Answers come in four forms, and each question says which:
#
# | form | example | notes |
# |---|---|---|
# | one letter | `q0 = "c"` | upper or lower case |
# | several letters | `q0 = "ad"` | every true statement, in any order; `"a, d"` and `["a", "d"]` work too |
# | a number | `q0 = 42` | exact unless the question gives a tolerance such as ±0.001; an expression such as `2 * 3 + 1` is fine |
# | a shape | `q0 = (4, 4, 8)` | a tuple of whole numbers |
#
# **What the test cell tells you.** Only whether your answer has the right *form*: a missing answer,
# a letter that is not one of the choices, text where a number is wanted. It does not say whether
# the answer is right; nothing in this notebook knows that. Each question is worth one point and is
# marked when your notebook is graded. The feedback then explains every answer, citing the lecture
# it comes from, and when a wrong number matches a common slip (no floor, forgotten padding, bias or
# input channels) it names the slip.

# %%
from utils.checks import notebook_checks
from utils.quiz import answer_form

# the graded tests' helper for this quiz's questions
check, _, _ = notebook_checks("week3_quiz")

# %% [markdown]
# ## Question 1
#
# **A localisation target.** A network classifies each picture as one of 4 kinds of object
# (or background) and gives a bounding box. How many numbers does its target vector $y$ hold?
#
# Answer with a number: `q1 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q1
### BEGIN SOLUTION
q1 = 9
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q1_given = answer_form("q1", number=True)
### BEGIN HIDDEN TESTS
check("q1_hidden_key", q1_given, name="q1", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 2
#
# **Landmarks.** A pose network outputs whether there is a person and the $(x, y)$ positions
# of 32 landmarks. How many outputs does it have?
#
# Answer with a number: `q2 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q2
### BEGIN SOLUTION
q2 = 65
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q2_given = answer_form("q2", number=True)
### BEGIN HIDDEN TESTS
check("q2_hidden_key", q2_given, name="q2", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 3
#
# **Sliding windows as convolutions.** A network made for 14×14×3 windows (CONV 16@5×5,
# MAX-POOL 2×2, then its fully connected layers turned into convolutions: 400@5×5, 400@1×1, 4@1×1)
# outputs 1×1×4. What shape does it output on a 28×28×3 picture?
#
# Answer with a tuple: `q3 = (..., ..., ...)`.

# %% nbgrader={"grade": false, "grade_id": "q3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q3
### BEGIN SOLUTION
q3 = (8, 8, 4)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q3_given = answer_form("q3", shape=3)
### BEGIN HIDDEN TESTS
check("q3_hidden_key", q3_given, name="q3")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 4
#
# **YOLO's output volume.** A YOLO network uses a 19×19 grid, 5 anchor boxes and 80 classes.
# What is its output's shape, as (rows, columns, anchors, values per anchor)?
#
# Answer with a tuple: `q4 = (..., ..., ..., ...)`.

# %% nbgrader={"grade": false, "grade_id": "q4_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q4
### BEGIN SOLUTION
q4 = (19, 19, 5, 85)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q4_given = answer_form("q4", shape=4)
### BEGIN HIDDEN TESTS
check("q4_hidden_key", q4_given, name="q4")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 5
#
# **Anchor boxes.** A 3×3 grid, 2 anchor boxes and 3 classes. What is the target's shape when
# each cell's values are written as one vector, (rows, columns, values)?
#
# Answer with a tuple: `q5 = (..., ..., ...)`.

# %% nbgrader={"grade": false, "grade_id": "q5_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q5
### BEGIN SOLUTION
q5 = (3, 3, 16)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q5_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q5_given = answer_form("q5", shape=3)
### BEGIN HIDDEN TESTS
check("q5_hidden_key", q5_given, name="q5")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 6
#
# **Intersection over union.** Boxes are given by their corners $(x_1, y_1, x_2, y_2)$.
# What is the IoU of $(2, 1, 4, 3)$ and $(1, 2, 3, 4)$?
#
# Answer with a number (±0.001): `q6 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q6_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q6
### BEGIN SOLUTION
q6 = 1 / 7
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q6_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q6_given = answer_form("q6", number=True)
### BEGIN HIDDEN TESTS
check("q6_hidden_key", q6_given, name="q6", rtol=0, atol=0.001)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 7
#
# **Boxes that do not overlap.** What is the IoU of $(0, 0, 2, 2)$ and $(3, 3, 4, 4)$?
#
# Answer with a number (±0.001): `q7 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q7_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q7
### BEGIN SOLUTION
q7 = 0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q7_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q7_given = answer_form("q7", number=True)
### BEGIN HIDDEN TESTS
check("q7_hidden_key", q7_given, name="q7", rtol=0, atol=0.001)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 8
#
# **Non-max suppression.** Which describes it as the lecture does?
#
# - a) drop boxes with $p_c \le 0.6$; then repeatedly keep the box with the highest $p_c$ and drop the remaining boxes whose IoU with it is 0.5 or more; do this for each class separately
# - b) keep only boxes whose IoU with another box is 0.5 or more
# - c) average all boxes that overlap into one box
# - d) repeatedly keep the box with the lowest $p_c$ and drop the boxes that overlap it
#
# Answer with one letter: `q8 = "..."`.

# %% nbgrader={"grade": false, "grade_id": "q8_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q8
### BEGIN SOLUTION
q8 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q8_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q8_given = answer_form("q8", choice="abcd")
### BEGIN HIDDEN TESTS
check("q8_hidden_key", q8_given, name="q8")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 9
#
# **Which cell predicts an object?** In YOLO, which grid cell is responsible for an
# object?
#
# - a) the cell that holds most of the object's area
# - b) the cell that holds the object's midpoint
# - c) every cell the object overlaps
# - d) the cell that holds the box's top-left corner
#
# Answer with one letter: `q9 = "..."`.

# %% nbgrader={"grade": false, "grade_id": "q9_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q9
### BEGIN SOLUTION
q9 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q9_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q9_given = answer_form("q9", choice="abcd")
### BEGIN HIDDEN TESTS
check("q9_hidden_key", q9_given, name="q9")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 10
#
# **R-CNN and YOLO.** Which is right?
#
# - a) R-CNN first proposes regions (about 2000, from a segmentation algorithm) and then classifies each; YOLO predicts all boxes in one pass of one network
# - b) both are one-stage detectors
# - c) YOLO first proposes regions; R-CNN predicts all boxes at once
# - d) R-CNN uses no convolutional network
#
# Answer with one letter: `q10 = "..."`.

# %% nbgrader={"grade": false, "grade_id": "q10_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q10
### BEGIN SOLUTION
q10 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q10_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q10_given = answer_form("q10", choice="abcd")
### BEGIN HIDDEN TESTS
check("q10_hidden_key", q10_given, name="q10")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 11
#
# **Class scores.** An anchor predicts $p_c = 0.6$ and class probabilities
# $(c_1, c_2, c_3) = (0.1, 0.7, 0.2)$. What is its highest class score?
#
# Answer with a number (±0.001): `q11 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q11_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q11
### BEGIN SOLUTION
q11 = 0.42
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q11_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q11_given = answer_form("q11", number=True)
### BEGIN HIDDEN TESTS
check("q11_hidden_key", q11_given, name="q11", rtol=0, atol=0.001)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 12
#
# **Box coordinates.** In YOLO's encoding, which are true? (one or more)
#
# - a) $b_x$ and $b_y$ lie between 0 and 1, measured in the cell holding the midpoint
# - b) $b_h$ and $b_w$ can be greater than 1
# - c) $b_x$ and $b_y$ are measured relative to the whole picture
# - d) $b_h$ and $b_w$ are at most 1
#
# Answer with the letters: `q12 = "..."`.

# %% nbgrader={"grade": false, "grade_id": "q12_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q12
### BEGIN SOLUTION
q12 = "ab"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q12_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q12_given = answer_form("q12", choice="abcd", several=True)
### BEGIN HIDDEN TESTS
check("q12_hidden_key", q12_given, name="q12")
### END HIDDEN TESTS

# %% [markdown]
# ## Done
#
# Run the whole notebook once more (*Run → Run All Cells*) and check that every test cell says
# its answer is in the right form; then submit it. Your score and an explanation of each answer
# come with your feedback.
