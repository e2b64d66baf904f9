# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# Toy

# %%
import numpy as np
from utils.checks import check

# %% nbgrader={"grade": false, "grade_id": "double_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: double
def double(x):
    """x: array -> 2x"""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "double_tests", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
np.random.seed(0)
check("double_example", double(np.random.randn(3)), name="y")
### BEGIN HIDDEN TESTS
check("double_hidden", double(np.random.randn(2, 2)), name="y")
### END HIDDEN TESTS

# %% nbgrader={"grade": false, "grade_id": "square_code", "locked": false, "schema_version": 3, "solution": true, "task": false}
# GRADED FUNCTION: square
def square(x):
    ### BEGIN SOLUTION
    return x * x
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "square_tests", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
check("square_example", square(3.0), name="y")
### BEGIN HIDDEN TESTS
check("square_hidden", square(-2.5), name="y")
### END HIDDEN TESTS
