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
# # Week 1 quiz · Foundations of convolutional networks
#
# Twelve questions on this week's lectures: padding, stride and output sizes, convolutions over
# volumes, parameter counts, pooling, the layers of a simple ConvNet and why convolutions work.
# Some ask you to recall an idea; most ask you to work a number out from given sizes, so keep a
# pen and paper (or a spare code cell) at hand.
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
check, _, _ = notebook_checks("week1_quiz")

# %% [markdown]
# ## Question 1
#
# **Output size.** A 16×16 image goes through a convolution with a 5×5 filter, padding
# $p = 1$ and stride $s = 2$. How many rows does the output have?
#
# Answer with a number: `q1 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q1
### BEGIN SOLUTION
q1 = 7
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q1_given = answer_form("q1", number=True)
### BEGIN HIDDEN TESTS
check("q1_hidden_key", q1_given, name="q1", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 2
#
# **Same padding.** How much padding $p$ keeps the output the same size as the input for a
# 7×7 filter with stride 1?
#
# Answer with a number: `q2 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q2
### BEGIN SOLUTION
q2 = 3
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q2_given = answer_form("q2", number=True)
### BEGIN HIDDEN TESTS
check("q2_hidden_key", q2_given, name="q2", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 3
#
# **Parameters of a layer.** A convolutional layer has 16 filters of size 5×5 and takes a
# 32×32×3 input. How many parameters (weights and biases) does it have?
#
# Answer with a number: `q3 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q3
### BEGIN SOLUTION
q3 = 1216
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q3_given = answer_form("q3", number=True)
### BEGIN HIDDEN TESTS
check("q3_hidden_key", q3_given, name="q3", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 4
#
# **Shapes through two layers.** A 39×39×3 image goes through a convolution with 10
# filters of 3×3 (stride 1, no padding), then a convolution with 20 filters of 5×5 (stride 2, no
# padding). What is the shape (height, width, channels) of the second layer's output?
#
# Answer with a tuple: `q4 = (..., ..., ...)`.

# %% nbgrader={"grade": false, "grade_id": "q4_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q4
### BEGIN SOLUTION
q4 = (17, 17, 20)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q4_given = answer_form("q4", shape=3)
### BEGIN HIDDEN TESTS
check("q4_hidden_key", q4_given, name="q4")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 5
#
# **Why the output-size formula rounds down.**
#
# - a) so that the output always has an even size
# - b) because the filter is used only at positions where it lies entirely inside the padded image
# - c) because the stride must divide the image size exactly
# - d) to save memory
#
# Answer with one letter: `q5 = "..."`.

# %% nbgrader={"grade": false, "grade_id": "q5_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q5
### BEGIN SOLUTION
q5 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q5_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q5_given = answer_form("q5", choice="abcd")
### BEGIN HIDDEN TESTS
check("q5_hidden_key", q5_given, name="q5")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 6
#
# **What a deep-learning "convolution" computes.**
#
# - a) the mathematical convolution: the filter is flipped on both axes, then slid over the image
# - b) a cross-correlation: the filter is slid over the image without flipping
# - c) a product of the image's and the filter's Fourier transforms
# - d) the filter is flipped left to right only, then slid over the image
#
# Answer with one letter: `q6 = "..."`.

# %% nbgrader={"grade": false, "grade_id": "q6_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q6
### BEGIN SOLUTION
q6 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q6_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q6_given = answer_form("q6", choice="abcd")
### BEGIN HIDDEN TESTS
check("q6_hidden_key", q6_given, name="q6")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 7
#
# **Average pooling by hand.** Average pooling with $f = 2$ and $s = 2$ is applied to
#
# $$\begin{bmatrix} 1 & 3 & 2 & 1 \\ 2 & 9 & 1 & 1 \\ 1 & 4 & 2 & 3 \\ 5 & 6 & 1 & 2 \end{bmatrix}$$
#
# What is the bottom-left entry of the 2×2 output?
#
# Answer with a number: `q7 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q7_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q7
### BEGIN SOLUTION
q7 = 4
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q7_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q7_given = answer_form("q7", number=True)
### BEGIN HIDDEN TESTS
check("q7_hidden_key", q7_given, name="q7", rtol=0, atol=1e-9)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 8
#
# **Pooling layers.** Which statements are true? (one or more)
#
# - a) a pooling layer has hyperparameters, such as $f$ and $s$
# - b) a pooling layer has weights that gradient descent learns
# - c) a pooling layer keeps the number of channels
# - d) max pooling with $f = 2$, $s = 2$ halves the height and the width
#
# Answer with the letters: `q8 = "..."`.

# %% nbgrader={"grade": false, "grade_id": "q8_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q8
### BEGIN SOLUTION
q8 = "acd"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q8_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q8_given = answer_form("q8", choice="abcd", several=True)
### BEGIN HIDDEN TESTS
check("q8_hidden_key", q8_given, name="q8")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 9
#
# **Counting layers.** A network is CONV1 → POOL1 → CONV2 → POOL2 → FC3 → FC4 → softmax
# (the softmax output layer has its own weights). The lecture counts only layers that have weights,
# so a pooling layer is counted with the convolution before it. How many layers does this network
# have?
#
# Answer with a number: `q9 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q9_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q9
### BEGIN SOLUTION
q9 = 5
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q9_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q9_given = answer_form("q9", number=True)
### BEGIN HIDDEN TESTS
check("q9_hidden_key", q9_given, name="q9", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 10
#
# **Why convolutions need few parameters.** The lecture gives two reasons. Which?
#
# - a) parameter sharing and sparse connections
# - b) pooling and padding
# - c) ReLU activations and batch normalisation
# - d) the stride and the number of channels
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
# **A dense layer instead.** Connecting a 32×32×3 input to 28×28×6 output units with a
# fully connected layer: how many weights (not counting biases) would it need?
#
# Answer with a number: `q11 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q11_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q11
### BEGIN SOLUTION
q11 = 14450688
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q11_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q11_given = answer_form("q11", number=True)
### BEGIN HIDDEN TESTS
check("q11_hidden_key", q11_given, name="q11", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 12
#
# **Edge detection.** Every row of a 6×6 image is `[0, 0, 0, 10, 10, 10]` (dark on the left,
# bright on the right). It is convolved (deep-learning style, no flip) with the vertical-edge filter
#
# $$\begin{bmatrix} 1 & 0 & -1 \\ 1 & 0 & -1 \\ 1 & 0 & -1 \end{bmatrix}$$
#
# What value appears in the two middle columns of the 4×4 output?
#
# Answer with a number: `q12 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q12_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q12
### BEGIN SOLUTION
q12 = -30
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q12_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q12_given = answer_form("q12", number=True)
### BEGIN HIDDEN TESTS
check("q12_hidden_key", q12_given, name="q12", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Done
#
# Run the whole notebook once more (*Run → Run All Cells*) and check that every test cell says
# its answer is in the right form; then submit it. Your score and an explanation of each answer
# come with your feedback.
