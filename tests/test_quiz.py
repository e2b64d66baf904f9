"""The weekly quizzes: question forms, the visible form check, and where the answers may live.

Grading itself (key right: full marks; blank: zero; each known slip: loses its question only and
is named; every question explained after grading) is checked for every notebook, the quizzes
included, by tests/test_grading.py.
"""
from __future__ import annotations

import json
import re

import nbformat
import numpy as np
import pytest

from graders.mutants import explanations_for, mutants_for
from graders.sources import ROOT, all_sources, graded_function, is_answer
from graders.verify import answer_key
from utils.quiz import AnswerFormError, normalise

QUIZZES = [s for s in all_sources() if s.stem == "quiz"]
IDS = [s.key for s in QUIZZES]


def questions(source) -> dict[str, str]:
    """{question: its test cell's source}."""
    cells = source.notebook().cells
    return {graded_function(c): next(t.source for t in cells[i + 1:]
                                     if t.metadata.get("nbgrader", {}).get("grade"))
            for i, c in enumerate(cells) if is_answer(c)}


def test_every_week_has_a_quiz():
    assert sorted(s.assignment for s in QUIZZES) == ["week1", "week2", "week3", "week4"]


@pytest.mark.parametrize("source", QUIZZES, ids=IDS)
def test_ten_to_twelve_questions_a_third_of_them_computed(source):
    tests = questions(source)
    assert 10 <= len(tests) <= 12
    assert list(tests) == [f"q{i}" for i in range(1, len(tests) + 1)]
    forms = {q: re.search(r"answer_form\(\"\w+\", (\w+)=", text).group(1) for q, text in tests.items()}
    assert set(forms.values()) <= {"choice", "number", "shape"}
    computed = [q for q, form in forms.items() if form in ("number", "shape")]
    assert 3 * len(computed) >= len(tests), forms
    assert any("several=True" in text for text in tests.values())
    # one point per question, each with an explanation and at least two known slips
    assert set(explanations_for(source.key)) == set(tests)
    assert all(re.search(r"\blecture \d\.\d+, \w", why) for why in explanations_for(source.key).values())
    slips = {q: [m.label for m in mutants_for(source.key) if m.function == q] for q in tests}
    assert all(len(labels) >= 2 for labels in slips.values()), slips


@pytest.mark.parametrize("source", QUIZZES, ids=IDS)
def test_no_answer_or_explanation_where_a_learner_or_kernel_can_read(source):
    """The release has no answer assignment, the kernel's reference file no case value, and
    neither holds an explanation; only the grader's answer key has them."""
    release = nbformat.read(source.release_path, as_version=4)
    text = "\n".join(c.source for c in release.cells)
    solutions = {graded_function(c): c.source.split("### BEGIN SOLUTION\n")[1].split("\n###")[0]
                 for c in source.notebook().cells if is_answer(c)}
    for question, line in solutions.items():
        assert re.fullmatch(rf"{question} = .+", line), line
        assert line not in text
    kernel = json.loads((ROOT / "utils" / "expected" / f"{source.key}.json").read_text())
    assert kernel["cases"] == {} and len(kernel["hidden"]) == len(solutions)
    readable = text + json.dumps(kernel) + (ROOT / "utils" / "quiz.py").read_text()
    for why in explanations_for(source.key).values():
        assert why[:40] not in readable
    key = answer_key(source)
    assert {c.split("_hidden")[0] for c in key} == set(solutions)
    assert all(case.get("explain") for case in key.values())


# --------------------------------------------------------------------------- the form check
@pytest.mark.parametrize("value, kwargs, expected", [
    ("B", dict(choice="abcd"), "b"),
    (" c ", dict(choice="abcd"), "c"),
    ("DCA", dict(choice="abcd", several=True), "acd"),
    ("a, c", dict(choice="abcd", several=True), "ac"),
    (["c", "a", "a"], dict(choice="abcd", several=True), "ac"),
    (7, dict(number=True), 7.0),
    (np.int64(-30), dict(number=True), -30.0),
    (np.float32(0.5), dict(number=True), 0.5),
    (1 / 7, dict(number=True), 1 / 7),
    ([19, 19, 5, 85], dict(shape=4), (19, 19, 5, 85)),
    ((np.int64(10), 16), dict(shape=2), (10, 16)),
])
def test_well_formed_answers_are_put_in_canonical_form(value, kwargs, expected):
    got = normalise("q3", value, **kwargs)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("value, kwargs, says", [
    (None, dict(choice="abcd"), 'q3 has no answer yet: write it in the cell above, e.g. q3 = "d"'),
    ("e", dict(choice="abcd"), "q3 = 'e': the choices are a, b, c, d"),
    ("ab", dict(choice="abcd"), "this question has one answer; give a single letter"),
    ("", dict(choice="abcd", several=True), "the choices are a, b, c, d (one or more)"),
    (2, dict(choice="abcd"), "q3 should be text with your letter in quotes"),
    ("7", dict(number=True), "q3 should be a number, e.g. q3 = 12.5; got str '7'"),
    (True, dict(number=True), "q3 should be a number"),
    (float("nan"), dict(number=True), "q3 should be a finite number"),
    ((19, 19, 85), dict(shape=4), "q3 should be a tuple of 4 sizes"),
    ((10.0, 16), dict(shape=2), "every size should be a whole number"),
    (np.zeros((10, 16)), dict(shape=2), "q3 should be a tuple of 2 sizes"),
])
def test_a_badly_formed_answer_is_told_what_form_is_wanted(value, kwargs, says):
    with pytest.raises(AnswerFormError) as error:
        normalise("q3", value, **kwargs)
    assert says in str(error.value)


def test_the_form_check_cannot_tell_a_right_answer_from_a_wrong_one():
    """``normalise`` never sees the key: two different well-formed answers get the same reply."""
    from utils.quiz import answer_form

    replies = []
    for value in ("a", "b"):
        namespace = {"q5": value, "answer_form": answer_form}
        exec("import contextlib, io\nout = io.StringIO()\n"
             "with contextlib.redirect_stdout(out):\n    answer_form('q5', choice='abcd')\n", namespace)
        replies.append(namespace["out"].getvalue().replace(repr(value), "X"))
    assert replies[0] == replies[1] and "marked when your notebook is graded" in replies[0]


def test_an_unanswered_release_cell_says_so_in_one_line():
    import linecache

    from utils.checks import friendlier

    cell = "# YOUR CODE HERE\nraise NotImplementedError()\n"   # as nbgrader's release leaves it
    linecache.cache["<answer cell>"] = (len(cell), None, cell.splitlines(True), "<answer cell>")
    try:
        exec(compile(cell, "<answer cell>", "exec"), {})
    except NotImplementedError as error:
        kind, better = friendlier(type(error), error, error.__traceback__)
    assert kind == "short" and str(better).startswith("this answer is not given yet")


def test_the_one_shot_grader_knows_whose_quiz_a_quiz_ipynb_is(tmp_path):
    """Every week has a quiz.ipynb: ``graders grade`` tells them apart by the notebook's imports
    cell, else by its folder, else says it cannot."""
    from graders.grade import GradingError, identify

    for source in QUIZZES:
        nb = nbformat.read(source.release_path, as_version=4)
        assert identify(tmp_path / "quiz.ipynb", nb) == source
        nb.cells = [c for c in nb.cells if "notebook_checks(" not in c.source]
        assert identify(tmp_path / source.assignment / "quiz.ipynb", nb) == source
    with pytest.raises(GradingError, match="could be any of week1_quiz, week2_quiz"):
        identify(tmp_path / "quiz.ipynb", nb)
