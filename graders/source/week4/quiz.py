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
# # Week 4 quiz · Face recognition and neural style transfer
#
# Twelve questions on this week's lectures: verification and recognition, one-shot learning, the
# triplet loss, Siamese networks, the content and style costs, and convolutions in 1D and 3D. Some
# ask you to recall an idea; most ask you to work a number out from given sizes, so keep a pen and
# paper (or a spare code cell) at hand.
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
check, _, _ = notebook_checks("week4_quiz")

# %% [markdown]
# ## Question 1
#
# **Verification and recognition.** Which statements are true? (one or more)
#
# - a) verification is a 1:1 problem: is this the person they claim to be?
# - b) recognition is a 1:K problem: which of the K people in the database is this, if any?
# - c) a verifier that is right 99% of the time is good enough for recognition among 100 people
# - d) liveness detection (a live face, not a photograph) can be learned with supervised learning
#
# Answer with the letters: `q1 = "..."`.

# %% nbgrader={"grade": false, "grade_id": "q1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q1
### BEGIN SOLUTION
q1 = "abd"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q1_given = answer_form("q1", choice="abcd", several=True)
### BEGIN HIDDEN TESTS
check("q1_hidden_key", q1_given, name="q1")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 2
#
# **Triplet loss.** With margin $\alpha = 0.2$, $d(A, P) = 0.5$ and $d(A, N) = 0.51$, what
# is $\mathcal{L}(A, P, N)$?
#
# Answer with a number (±0.001): `q2 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q2
### BEGIN SOLUTION
q2 = 0.19
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q2_given = answer_form("q2", number=True)
### BEGIN HIDDEN TESTS
check("q2_hidden_key", q2_given, name="q2", rtol=0, atol=0.001)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 3
#
# **An easy triplet.** With $\alpha = 0.2$, $d(A, P) = 0.3$ and $d(A, N) = 0.9$, what is the
# loss?
#
# Answer with a number (±0.001): `q3 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q3
### BEGIN SOLUTION
q3 = 0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q3_given = answer_form("q3", number=True)
### BEGIN HIDDEN TESTS
check("q3_hidden_key", q3_given, name="q3", rtol=0, atol=0.001)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 4
#
# **Errors add up.** A verifier wrongly accepts a stranger 1% of the time. A recognition
# system compares a stranger with each of 100 people in its database (assume the comparisons are
# independent). What is the chance that at least one comparison wrongly accepts?
#
# Answer with a number (±0.005): `q4 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q4_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q4
### BEGIN SOLUTION
q4 = 1 - 0.99 ** 100
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q4_given = answer_form("q4", number=True)
### BEGIN HIDDEN TESTS
check("q4_hidden_key", q4_given, name="q4", rtol=0, atol=0.005)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 5
#
# **Adding a person.** A one-shot face recognition system, built on a learned distance
# $d$, gets a new employee. What has to be done?
#
# - a) retrain the softmax layer with one more output
# - b) compute the new person's encoding from one photo and store it; nothing is retrained
# - c) retrain the encoder with triplets that include the new person
# - d) collect at least ten photos of the new person and fine-tune
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
# **A Gram matrix's shape.** A layer's activation is 14×14×256. What is the shape of its
# style (Gram) matrix?
#
# Answer with a tuple: `q6 = (..., ...)`.

# %% nbgrader={"grade": false, "grade_id": "q6_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q6
### BEGIN SOLUTION
q6 = (256, 256)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q6_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q6_given = answer_form("q6", shape=2)
### BEGIN HIDDEN TESTS
check("q6_hidden_key", q6_given, name="q6")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 7
#
# **The style cost's normaliser.** A layer's style cost multiplies the squared differences of
# the Gram matrices by $\left(\frac{1}{2 n_H n_W n_C}\right)^2$. For a 4×4×8 activation, what is
# $(2 n_H n_W n_C)^2$?
#
# Answer with a number: `q7 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q7_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q7
### BEGIN SOLUTION
q7 = 65536
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q7_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q7_given = answer_form("q7", number=True)
### BEGIN HIDDEN TESTS
check("q7_hidden_key", q7_given, name="q7", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 8
#
# **What neural style transfer trains.** Gradient descent on $J(G)$ changes
#
# - a) the pixels of the generated picture $G$
# - b) the weights of the pretrained network
# - c) both the pixels of $G$ and the network's weights
# - d) the pixels of the style picture $S$
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
# **A 1D convolution.** A signal of 14 samples (1 channel) goes through 16 filters of size
# 5 (stride 1, no padding). What is the output's shape, (length, channels)?
#
# Answer with a tuple: `q9 = (..., ...)`.

# %% nbgrader={"grade": false, "grade_id": "q9_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q9
### BEGIN SOLUTION
q9 = (10, 16)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q9_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q9_given = answer_form("q9", shape=2)
### BEGIN HIDDEN TESTS
check("q9_hidden_key", q9_given, name="q9")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 10
#
# **A 3D convolution.** A 14×14×14 volume with 1 channel goes through 16 filters of
# 5×5×5 (stride 1, no padding). What is the output's shape?
#
# Answer with a tuple: `q10 = (..., ..., ..., ...)`.

# %% nbgrader={"grade": false, "grade_id": "q10_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q10
### BEGIN SOLUTION
q10 = (10, 10, 10, 16)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q10_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q10_given = answer_form("q10", shape=4)
### BEGIN HIDDEN TESTS
check("q10_hidden_key", q10_given, name="q10")
### END HIDDEN TESTS

# %% [markdown]
# ## Question 11
#
# **Verification as classification.** A logistic unit decides "same person" from the 128
# values $|f(x^{(i)})_k - f(x^{(j)})_k|$ of two 128-dimensional encodings. How many parameters does
# the unit have?
#
# Answer with a number: `q11 = ...`.

# %% nbgrader={"grade": false, "grade_id": "q11_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED ANSWER: q11
### BEGIN SOLUTION
q11 = 129
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q11_tests", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
q11_given = answer_form("q11", number=True)
### BEGIN HIDDEN TESTS
check("q11_hidden_key", q11_given, name="q11", rtol=0, atol=0)
### END HIDDEN TESTS

# %% [markdown]
# ## Question 12
#
# **The content layer.** Which layer of the pretrained network should the content cost
# use?
#
# - a) the first layer, so the generated picture matches the content's pixels
# - b) a layer in the middle of the network
# - c) the last layer before the classifier
# - d) the softmax output
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
