"""The batch autograder: a mixed class graded in parallel, failures become grades, resumable."""
from __future__ import annotations

import csv
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import nbformat  # noqa: E402
import pytest  # noqa: E402

from graders import batch  # noqa: E402
from graders.course import Course  # noqa: E402
from graders.mutants import mutants_for  # noqa: E402
from graders.sources import find_source, grade_cells, splice  # noqa: E402

pytestmark = pytest.mark.slow

SOURCE = find_source("week1_conv_step")
POINTS = grade_cells(SOURCE.notebook())
FULL = sum(POINTS.values())
MUTANT = next(m for m in mutants_for(SOURCE.key) if m.label == "forgot_bias")
TIMEOUT = 90


def with_cell_source(nb, function: str, prefix: str):
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.source.startswith(f"# GRADED FUNCTION: {function}\n"):
            cell.source = cell.source + "\n" + prefix
    return nb


def write(folder, name, content) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, (str, bytes)):
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    else:
        nbformat.write(nbformat.from_dict(content), path)


@pytest.fixture(scope="module")
def course():
    with Course([SOURCE]) as scratch:
        solution = SOURCE.notebook()
        release = nbformat.read(scratch.release_path(SOURCE), as_version=4)
        skipping = nbformat.from_dict(release)
        for cell in skipping.cells:
            if cell.metadata.get("nbgrader", {}).get("grade"):
                cell.metadata["tags"] = ["skip-execution"]
        v5 = json.loads(nbformat.writes(solution))
        v5["nbformat"] = 5
        name = f"{SOURCE.stem}.ipynb"
        submissions = {
            "alice": {name: solution},
            "bob": {name: release},
            "carol": {name: splice(solution, MUTANT.function, MUTANT.source)},
            "dave": {name: '{"cells": [ this is not JSON'},
            "erin": {f"{SOURCE.stem}_final.ipynb": solution, "notes.txt": "hello"},
            "frank": {name: with_cell_source(solution, "conv_forward", "import os\nos._exit(1)\n")},
            "grace": {name: with_cell_source(solution, "pool_forward", "while True:\n    pass\n")},
            "heidi": {name: skipping},
            "ivan": {name: solution, "timestamp.txt": "last tuesday, probably"},
            "judy": {name: json.dumps(v5)},
        }
        for student, files in submissions.items():
            for file_name, content in files.items():
                write(scratch.root / "submitted" / student / SOURCE.assignment, file_name, content)
        lines: list[str] = []
        results = batch.autograde(scratch.root, [SOURCE.assignment], workers=2, timeout=TIMEOUT,
                                  log=lines.append)
        yield scratch.root, {r["student"]: r for r in results}, lines


def scores_of(result) -> dict:
    return {t["id"]: t for nb in result["notebooks"] for t in nb["tests"]}


def test_solution_full_marks_and_release_zero(course):
    _, results, _ = course
    assert results["alice"]["score"] == results["alice"]["max_score"] == FULL
    assert results["bob"]["score"] == 0 and results["bob"]["max_score"] == FULL


def test_a_wrong_function_loses_only_its_points(course):
    _, results, _ = course
    lost = {gid for gid, t in scores_of(results["carol"]).items() if t["score"] < t["max_score"]}
    assert lost == {gid for gid in POINTS if gid.startswith(MUTANT.function + "_")}


@pytest.mark.parametrize("student, needle", [
    ("dave", "is not a readable notebook (invalid JSON"),
    ("erin", f"no {SOURCE.stem}.ipynb in the submission (it has: conv_step_final.ipynb, notes.txt)"),
    ("judy", "has notebook format version 5"),
])
def test_unreadable_or_missing_notebooks_score_zero_with_a_message(course, student, needle):
    _, results, _ = course
    result = results[student]
    assert result["score"] == 0
    assert all(needle in t["message"] for t in scores_of(result).values())


def test_a_kernel_that_dies_is_a_grade_not_a_crash(course):
    _, results, _ = course
    result = results["frank"]
    assert result["score"] < FULL
    assert any("kernel died" in p or "could not grade" in p for p in result["problems"])


def test_an_endless_loop_is_stopped(course):
    _, results, _ = course
    result = results["grace"]
    assert result["seconds"] < TIMEOUT + 60
    assert result["score"] < FULL
    assert any(f"stopped after {TIMEOUT}" in p for p in result["problems"])


def test_skip_execution_tags_are_ignored(course):
    _, results, _ = course
    assert results["heidi"]["score"] == 0


def test_a_malformed_timestamp_is_noted_not_fatal(course):
    _, results, _ = course
    assert results["ivan"]["score"] == FULL
    assert results["ivan"]["problems"] == ["timestamp.txt is not a date; graded without a timestamp"]


def test_gradebook_and_csv_hold_every_result(course):
    from nbgrader.api import Gradebook

    root, results, _ = course
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student, result in results.items():
            submission = gb.find_submission(SOURCE.assignment, student)
            assert submission.score == pytest.approx(result["score"])
        assert len(gb.assignment_submissions(SOURCE.assignment)) == len(results)
    rows = list(csv.DictReader(open(root / "grades.csv")))
    assert {r["student_id"]: float(r["score"]) for r in rows} == {
        s: r["score"] for s, r in results.items()}


def test_a_second_run_resumes_without_regrading_or_duplicating(course):
    from nbgrader.api import Gradebook

    root, results, _ = course
    lines: list[str] = []
    again = batch.autograde(root, [SOURCE.assignment], workers=2, log=lines.append)
    assert lines[0].startswith(f"{len(results)} submissions: {len(results)} already graded, 0 to grade")
    assert {r["student"]: r["score"] for r in again} == {s: r["score"] for s, r in results.items()}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        assert len(gb.assignment_submissions(SOURCE.assignment)) == len(results)


def test_a_changed_or_unfinished_submission_is_graded_again(course):
    root, results, _ = course
    folder = root / "submitted" / "bob" / SOURCE.assignment
    write(folder, f"{SOURCE.stem}.ipynb", SOURCE.notebook())        # bob resubmits the solution
    (root / batch.RESULTS_DIR / SOURCE.assignment / "alice.json").unlink()   # as if killed mid-run
    lines: list[str] = []
    again = {r["student"]: r for r in batch.autograde(root, [SOURCE.assignment], workers=2,
                                                      log=lines.append)}
    assert lines[0].startswith(f"{len(results)} submissions: {len(results) - 2} already graded, 2 to grade")
    assert again["bob"]["score"] == FULL and again["alice"]["score"] == FULL
    assert all(again[s]["score"] == results[s]["score"] for s in results if s not in ("bob",))
