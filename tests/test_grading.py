"""End-to-end grading through nbgrader: solution, release, mutants, export, one-shot CLI."""
from __future__ import annotations

import csv
import json
import subprocess
import sys

import nbformat
from html import escape as html_escape
import pytest

from graders.mutants import explanations_for
from graders.sources import function_of, grade_cells, graded_functions
from graders.verify import answer_key

pytestmark = pytest.mark.slow


def test_solution_scores_full_marks(graded):
    result = graded.results["solution"]
    assert result.max_score > 0
    failed = [(t.id, t.message) for t in result.tests if t.score != t.max_score]
    assert failed == []
    assert result.score == result.max_score == sum(grade_cells(graded.source.notebook()).values())


def test_solution_runs_without_errors_or_stderr(graded):
    path = (graded.owner["solution"].root / "autograded" / "solution" / graded.source.assignment
            / f"{graded.source.stem}.ipynb")
    nb = nbformat.read(path, as_version=4)
    problems = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                problems.append((index, f"{out.ename}: {out.evalue}"))
            elif out.output_type == "stream" and out.name == "stderr":
                problems.append((index, out.text[:200]))
    assert problems == []


def test_release_scores_zero_on_every_test(graded):
    result = graded.results["release"]
    assert [t.id for t in result.tests if t.score != 0] == []
    assert result.max_score == graded.results["solution"].max_score


def test_every_mutant_loses_only_its_own_points(graded):
    solution = graded.results["solution"].by_test()
    functions = graded_functions(graded.source.notebook())
    for student, group in graded.mutants.items():
        got = graded.results[student].by_test()
        lost = {tid for tid in solution if got[tid] < solution[tid]}
        owners = {function_of(tid, functions) for tid in lost}
        names = [f"{m.function}/{m.label}" for m in group]
        assert owners == {m.function for m in group}, f"{names} cost {lost}"
        for mutant in group:
            # every one of the function's tests is lost: partial credit would reward the bug
            own = {tid for tid in solution if function_of(tid, functions) == mutant.function}
            assert sum(got[t] for t in own) < sum(solution[t] for t in own), names


def test_mutant_feedback_names_the_mistake(graded):
    """When a mutant is caught by check(), the message carries that mutant's hint."""
    unnamed = {}
    functions = graded_functions(graded.source.notebook())
    for student, group in graded.mutants.items():
        for mutant in group:
            messages = [t.message for t in graded.results[student].tests
                        if function_of(t.id, functions) == mutant.function and t.score < t.max_score]
            assert messages, (student, mutant.label)
            if not any(mutant.hint in m for m in messages):
                unnamed[f"{student}/{mutant.label}"] = (mutant.hint, messages)
    assert not unnamed, "\n".join(f"{s}: hint {h!r} not in {m}" for s, (h, m) in unnamed.items())


def test_export_csv_matches_gradebook_totals(graded):
    rows = {}
    for course in set(graded.owner.values()):
        with open(course.export_csv()) as fh:
            rows.update({row["student_id"]: float(row["raw_score"])
                         for row in csv.DictReader(fh)
                         if row["assignment"] == graded.source.assignment})
    expected = {student: result.score for student, result in graded.results.items()}
    assert rows == pytest.approx(expected)


def test_export_csv_is_what_nbgrader_export_writes(graded, tmp_path):
    from graders.course import nbgrader

    course = next(iter(set(graded.owner.values())))
    ours = course.export_csv().read_text()
    nbgrader(["export", f"--to={tmp_path / 'theirs.csv'}"], cwd=course.root)
    assert ours.count("\n") > 1 and ours == (tmp_path / "theirs.csv").read_text()


# The one-shot command runs the same nbgrader course as the fixture (graders.course), so it is run
# end to end on one notebook a week and a quiz that is not the first ``quiz.ipynb``; which notebook
# a file is (``graders.grade.identify``) is checked for every notebook in tests/test_cli.py.
ONE_SHOT = {"week1_conv_step", "week2_case_studies", "week2_quiz", "week3_car_detection",
            "week4_face_recognition"}


def test_grade_command_agrees_with_nbgrader_autograde(graded, tmp_path):
    if graded.source.key not in ONE_SHOT:
        pytest.skip("the one-shot command is run end to end on one notebook per week (ONE_SHOT)")
    mutant_student = next(iter(graded.mutants))
    submission = (graded.owner[mutant_student].root / "submitted" / mutant_student / graded.source.assignment
                  / f"{graded.source.stem}.ipynb")
    target = tmp_path / submission.name
    target.write_bytes(submission.read_bytes())
    proc = subprocess.run([sys.executable, "-m", "graders", "grade", str(target), "--json"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    batch = graded.results[mutant_student]
    assert report["score"] == batch.score and report["max_score"] == batch.max_score
    assert {t["id"]: t["score"] for t in report["tests"]} == batch.by_test()
    assert all(set(t) == {"id", "score", "max_score", "message"} for t in report["tests"])


def test_a_quiz_explains_every_question_to_everyone_after_grading(graded):
    """Right, wrong or blank, every question's message ends with why its answer is right; other
    notebooks explain nothing (their hidden cases are not quiz answers)."""
    why = explanations_for(graded.source.key)
    tests = grade_cells(graded.source.notebook())
    if graded.source.stem == "quiz":
        assert set(why) == set(graded_functions(graded.source.notebook())) and len(tests) >= 10
    else:
        assert why == {}
    missing = [(student, t.id) for student, result in graded.results.items() for t in result.tests
               if t.id.rsplit("_tests", 1)[0] in why
               and not t.message.endswith("Why: " + why[t.id.rsplit("_tests", 1)[0]])]
    assert missing == []


def test_messages_never_quote_a_hidden_text_answer_before_the_explanation(graded):
    """A wrong choice is told it is wrong, and its likely slip, but not which letter is right
    (until the explanation that closes the message after grading)."""
    key = answer_key(graded.source)
    functions = graded_functions(graded.source.notebook())
    answers = {case_id.split("_hidden", 1)[0]: case["expected"]["data"]
               for case_id, case in key.items() if "_hidden" in case_id
               and case["expected"]["kind"] == "str"}
    quoted = []
    for student, result in graded.results.items():
        for t in result.tests:
            answer = answers.get(function_of(t.id, functions))
            before = t.message.split(" Why: ", 1)[0]
            if answer is not None and t.score < t.max_score and repr(answer) in before:
                quoted.append((student, t.id, t.message))
    assert quoted == []
    if graded.source.stem == "quiz":
        assert len(answers) >= 4


def test_feedback_shows_scores_but_not_hidden_tests(graded):
    from graders.course import nbgrader
    mutant = next(iter(graded.mutants))
    root = graded.owner[mutant].root
    nbgrader(["generate_feedback", graded.source.assignment, f"--student={mutant}"], cwd=root)
    html = (root / "feedback" / mutant / graded.source.assignment
            / f"{graded.source.stem}.html").read_text()
    score = graded.results[mutant].score
    assert f"{score:g}" in html
    assert "BEGIN HIDDEN TESTS" not in html
    hidden_lines = [line.strip() for line in hidden_test_code(graded.source.notebook())
                    if len(line.strip()) > 15]
    assert hidden_lines, "the notebook has no hidden tests"
    leaked = [line for line in hidden_lines if html_escape(line) in html or line in html]
    assert leaked == []
    for function in {m.function for m in graded.mutants[mutant]}:
        why = explanations_for(graded.source.key).get(function)
        if why is not None:     # a quiz: the feedback explains each question after grading
            assert html_escape(why) in html or why in html


def hidden_test_code(nb) -> list[str]:
    """Every source line between BEGIN and END HIDDEN TESTS markers."""
    lines, inside = [], False
    for cell in nb.cells:
        for line in cell.source.splitlines():
            if "### BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "### END HIDDEN TESTS" in line:
                inside = False
            elif inside:
                lines.append(line)
    return lines
