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
# # Week 2 quiz · Case studies
#
# Twelve questions on this week's lectures: the classic networks, residual blocks, 1×1
# convolutions and Inception's cost, batch normalisation, transfer learning, ensembles and
# multi-crop. Some ask you to recall an idea; most ask you to work a number out from given sizes,
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
check, _, _ = notebook_checks("week2_quiz")

# %% [markdown]
# ## Question 1
#
# **AlexNet's first layer.** A 227×227×3 image goes through 96 filters of 11×11 with
# stride 4 and no padding. How many rows does the output have?
#
# Answer with a number: `q1 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q1
### BEGIN SOLUTION
q1 = 55
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q1_given = answer_form("q1", number=True)
### BEGIN HIDDEN TESTS
check("q1_hidden_key", q1_given, name="q1", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 2
#
# **The cost of a 5×5 convolution.** A "same" convolution with 32 filters of 5×5 is applied
# to a 28×28×192 volume. How many multiplications does it take?
#
# Answer with a number: `q2 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q2
### BEGIN SOLUTION
q2 = 120422400
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q2_given = answer_form("q2", number=True)
### BEGIN HIDDEN TESTS
check("q2_hidden_key", q2_given, name="q2", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 3
#
# **With a bottleneck.** The same output is made instead by a 1×1 convolution with 16 filters
# (28×28×192 → 28×28×16), then the 5×5 "same" convolution with 32 filters. How many multiplications
# do the two steps take together?
#
# Answer with a number: `q3 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q3
### BEGIN SOLUTION
q3 = 12443648
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q3_given = answer_form("q3", number=True)
### BEGIN HIDDEN TESTS
check("q3_hidden_key", q3_given, name="q3", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 4
#
# **An Inception module's output.** On a 28×28×192 input, an Inception module has four branches,
# all "same" and stride 1: 64 filters of 1×1; 128 filters of 3×3 (after a 1×1 reduction); 32
# filters of 5×5 (after a 1×1 reduction); and a 3×3 max pooling followed by 32 filters of 1×1. The
# branches are concatenated along the channels. What is the output's shape?
#
# Answer with a tuple: `q4 = (..., ..., ...)`.

# %% nbgrader={"grade": false, "grade_id": "q4_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q4
### BEGIN SOLUTION
q4 = (28, 28, 256)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q4_given = answer_form("q4", shape=3)
### BEGIN HIDDEN TESTS
check("q4_hidden_key", q4_given, name="q4")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 5
#
# **Matching dimensions in a residual block.** In $a^{[l+2]} = g(z^{[l+2]} + W_s a^{[l]})$,
# $a^{[l]}$ has 128 values and $z^{[l+2]}$ has 256. What is the shape of $W_s$?
#
# Answer with a tuple: `q5 = (..., ...)`.

# %% nbgrader={"grade": false, "grade_id": "q5_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q5
### BEGIN SOLUTION
q5 = (256, 128)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q5_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q5_given = answer_form("q5", shape=2)
### BEGIN HIDDEN TESTS
check("q5_hidden_key", q5_given, name="q5")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 6
#
# **Where a shortcut joins.** In a residual block, how is $a^{[l]}$ added?
#
# - a) after the last ReLU: $a^{[l+2]} = g(z^{[l+2]}) + a^{[l]}$
# - b) before the last ReLU: $a^{[l+2]} = g(z^{[l+2]} + a^{[l]})$
# - c) before the first linear step: $z^{[l+1]} = W^{[l+1]}(a^{[l]} + a^{[l]}) + b^{[l+1]}$
# - d) as a product: $a^{[l+2]} = g(z^{[l+2]} \cdot a^{[l]})$
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
# **A 1×1 convolution's parameters.** A 1×1 convolution with 32 filters is applied to a
# 28×28×192 volume. How many parameters (weights and biases) does it have?
#
# Answer with a number: `q7 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q7_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q7
### BEGIN SOLUTION
q7 = 6176
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q7_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q7_given = answer_form("q7", number=True)
### BEGIN HIDDEN TESTS
check("q7_hidden_key", q7_given, name="q7", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 8
#
# **Transfer learning with a lot of data.** You start from a network trained on ImageNet
# and have a large labelled set of your own (hundreds of thousands of pictures). What does the
# lecture advise?
#
# - a) freeze every layer and train only a new softmax layer
# - b) freeze fewer layers and train the later ones (with a great deal of data, use the downloaded weights only as the starting point and train everything)
# - c) train from a random start: pretrained weights would hold the network back
# - d) freeze every layer and precompute the last frozen layer's activations
#
# Answer with one letter: `q8 = "..."`.

# %% nbgrader={"grade": false, "grade_id": "q8_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q8
### BEGIN SOLUTION
q8 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q8_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q8_given = answer_form("q8", choice="abcd")
### BEGIN HIDDEN TESTS
check("q8_hidden_key", q8_given, name="q8")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 9
#
# **Ensembles and multi-crop.** Which statements are true? (one or more)
#
# - a) an ensemble averages the outputs $\hat y$ of independently trained networks
# - b) an ensemble averages the weights of independently trained networks
# - c) 10-crop evaluates the centre and the four corners of the picture and of its mirror image
# - d) both tricks are widely used in production because they cost little at test time
#
# Answer with the letters: `q9 = "..."`.

# %% nbgrader={"grade": false, "grade_id": "q9_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q9
### BEGIN SOLUTION
q9 = "ac"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q9_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q9_given = answer_form("q9", choice="abcd", several=True)
### BEGIN HIDDEN TESTS
check("q9_hidden_key", q9_given, name="q9")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 10
#
# **Batch normalisation by hand.** One value $x = 3$ in a mini-batch whose mean is
# $\mu = 1$ and variance $\sigma^2 = 4$ (take $\epsilon = 0$), with $\gamma = 2$ and
# $\beta = 0.5$. What does batch normalisation output, $y = \gamma \hat x + \beta$?
#
# Answer with a number (±0.001): `q10 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q10_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q10
### BEGIN SOLUTION
q10 = 2.5
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q10_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q10_given = answer_form("q10", number=True)
### BEGIN HIDDEN TESTS
check("q10_hidden_key", q10_given, name="q10", rtol=0, atol=0.001)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 11
#
# **How big the classic networks are.** Which gives their approximate parameter counts?
#
# - a) LeNet-5 about 60 thousand, AlexNet about 60 million, VGG-16 about 138 million
# - b) LeNet-5 about 60 million, AlexNet about 60 thousand, VGG-16 about 138 million
# - c) all three about 60 million
# - d) LeNet-5 about 60 thousand, AlexNet about 138 million, VGG-16 about 60 million
#
# Answer with one letter: `q11 = "..."`.

# %% nbgrader={"grade": false, "grade_id": "q11_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q11
### BEGIN SOLUTION
q11 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q11_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q11_given = answer_form("q11", choice="abcd")
### BEGIN HIDDEN TESTS
check("q11_hidden_key", q11_given, name="q11")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 12
#
# **GoogLeNet's side branches.** GoogLeNet has softmax outputs branching off its middle
# layers. What are they for?
#
# - a) they make the final prediction at test time
# - b) during training they add a loss (weighted 0.3) that regularises the network and sends gradient to the middle layers
# - c) they replace the pooling layers
# - d) they reduce the number of parameters
#
# Answer with one letter: `q12 = "..."`.

# %% nbgrader={"grade": false, "grade_id": "q12_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q12
### BEGIN SOLUTION
q12 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q12_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q12_given = answer_form("q12", choice="abcd")
### BEGIN HIDDEN TESTS
check("q12_hidden_key", q12_given, name="q12")
### END HIDDEN TESTS

# %% [markdown]
# ## Done
#
# Run the whole notebook once more (*Run → Run All Cells*) and check that every test cell says
# its answer is in the right form; then submit it. Your score and an explanation of each answer
# come with your feedback.
