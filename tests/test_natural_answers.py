"""The answers the lesson text leads to score full marks; the ones NumPy 2 breaks get advice;
an untouched stub's test says so in one line, in the notebook and in the feedback."""
from __future__ import annotations

import html
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import nbformat  # noqa: E402
import pytest  # noqa: E402

from graders import batch  # noqa: E402
from graders.course import Course  # noqa: E402
from graders.sources import find_source, grade_cells, splice  # noqa: E402

pytestmark = pytest.mark.slow

SOURCE = find_source("week1_conv_step")
POINTS = grade_cells(SOURCE.notebook())
FULL = sum(POINTS.values())

WORKING = {   # the ways learners write conv_single_step's last line on NumPy 2
    "item_of_b": "return float(np.sum(a_slice_prev * W) + b.item())",
    "index_b": "return float(np.sum(a_slice_prev * W) + float(b[0, 0, 0]))",
    "item_of_result": "return (np.sum(a_slice_prev * W) + b).item()",
    "numpy_scalar": "return np.sum(a_slice_prev * W) + b.item()",
}
CRASHING = "return float(np.sum(a_slice_prev * W) + b)"   # NumPy 2: TypeError


def conv_single_step(line: str) -> str:
    return f"def conv_single_step(a_slice_prev, W, b):\n    {line}\n"


@pytest.fixture(scope="module")
def graded():
    with Course([SOURCE]) as scratch:
        solution = SOURCE.notebook()
        for student, line in WORKING.items():
            scratch.submit(student, SOURCE, splice(solution, "conv_single_step", conv_single_step(line)))
        scratch.submit("crashing", SOURCE, splice(solution, "conv_single_step", conv_single_step(CRASHING)))
        scratch.submit("untouched", SOURCE, nbformat.read(scratch.release_path(SOURCE), as_version=4))
        results = batch.autograde(scratch.root, [SOURCE.assignment], workers=2, timeout=120,
                                  log=lambda line: None, sandbox=True)
        feedback = {}
        for student in ("crashing", "untouched"):
            page = scratch.root / "feedback" / student / SOURCE.assignment / f"{SOURCE.stem}.html"
            feedback[student] = html.unescape(page.read_text())
        autograded = nbformat.read(scratch.root / "autograded" / "untouched" / SOURCE.assignment
                                   / f"{SOURCE.stem}.ipynb", as_version=4)
        yield {r["student"]: r for r in results}, feedback, autograded


def scores_by_test(result) -> dict:
    return {t["id"]: t for nb in result["notebooks"] for t in nb["tests"]}


@pytest.mark.parametrize("student", sorted(WORKING))
def test_working_variants_score_full_marks(graded, student):
    assert graded[0][student]["score"] == FULL


def test_the_crashing_float_gets_advice_and_costs_only_its_function(graded):
    tests = scores_by_test(graded[0]["crashing"])
    assert {gid for gid, t in tests.items() if t["score"] < t["max_score"]} == {"conv_single_step_tests"}
    message = tests["conv_single_step_tests"]["message"]
    assert "only 0-dimensional arrays can be converted" in message
    assert "b.item()" in message and "(1, 1, 1)" in message
    assert "b.item()" in graded[1]["crashing"]


def test_an_untouched_stub_says_so_in_one_line(graded):
    tests = scores_by_test(graded[0]["untouched"])
    assert tests["zero_pad_tests"]["message"] == (
        "NotImplementedError: zero_pad is not implemented yet: replace `raise "
        "NotImplementedError()` in its cell with your code")
    cell = next(c for c in graded[2].cells
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "zero_pad_tests")
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert len(errors) == 1 and len(errors[0].traceback) == 1
    page = graded[1]["untouched"]
    assert "zero_pad is not implemented yet" in page
    assert "Traceback (most recent call last)" not in page
