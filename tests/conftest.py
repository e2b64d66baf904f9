"""Shared fixtures: each notebook's variants graded once for the whole session.

Every test that needs scores reads them from one grading run in which each "student" is one
variant of the notebook: the solution, the student release, and each mutant from the notebook's
mutation table. Two courses grade at once (two cores): plain ``nbgrader autograde`` grades the
solution, the release and the first mutant, so every test of nbgrader's own results has one of
each; the course's batch grader (lean runs in warm sandboxes, the way a class is graded) grades
the other mutants, which keeps the suite fast. ``tests/test_batch.py`` shows that both graders
give the same scores.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from graders import batch  # noqa: E402
from graders.course import Course, NotebookResult  # noqa: E402
from graders.mutants import Mutant, mutants_for  # noqa: E402
from graders.sources import Source, all_sources, graded_function, is_answer, splice  # noqa: E402

SOURCES = all_sources()
WORKERS = 2


def mutant_student(mutant: Mutant) -> str:
    return f"mutant-{mutant.function}-{mutant.label}".replace("_", "-")


def mutant_groups(source: Source) -> list[tuple[Mutant, ...]]:
    """The mutants to grade, one submission per group. A quiz's questions are independent (each
    answer is one assignment and only its own test reads it), so its mutants are graded in
    rounds: the k-th known slip of every question in one submission; elsewhere one mutant each."""
    mutants = mutants_for(source.key)
    if not all(is_answer(c) for c in source.notebook().cells if graded_function(c)):
        return [(m,) for m in mutants]
    by_question: dict[str, list[Mutant]] = {}
    for mutant in mutants:
        by_question.setdefault(mutant.function, []).append(mutant)
    rounds = max(map(len, by_question.values()))
    return [tuple(ms[k] for ms in by_question.values() if k < len(ms)) for k in range(rounds)]


@dataclass
class GradedCourse:
    source: Source
    owner: dict[str, Course]   # student id -> the course directory that graded it
    results: dict[str, NotebookResult]
    mutants: dict[str, tuple[Mutant, ...]]   # student -> the mutants spliced into its notebook


@pytest.fixture(scope="session", params=SOURCES, ids=[s.key for s in SOURCES])
def graded(request) -> GradedCourse:
    """Solution, release and first mutant by nbgrader; the other mutants by the batch grader."""
    source: Source = request.param
    by_nbgrader, by_batch = Course([source]), Course([source])
    for course in (by_nbgrader, by_batch):
        request.addfinalizer(course.close)
    solution = source.notebook()
    submissions = {"solution": solution, "release": by_nbgrader.release_path(source)}
    mutants = {}
    for group in mutant_groups(source):
        student = mutant_student(group[0]) if len(group) == 1 else f"mutants-{group[0].label}-and-more"
        mutants[student] = group
        submissions[student] = solution
        for mutant in group:
            submissions[student] = splice(submissions[student], mutant.function, mutant.source)
    owner = {}
    for index, (student, nb) in enumerate(submissions.items()):
        owner[student] = by_nbgrader if index < 3 else by_batch
        owner[student].submit(student, source, nb)

    def grade(course: Course) -> None:
        if course is by_nbgrader:
            course.autograde(source.assignment)
        elif any(owner[s] is by_batch for s in submissions):
            batch.autograde(by_batch.root, [source.assignment], workers=1, timeout=900,
                            log=lambda line: None, feedback=False, figures=False)

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(grade, (by_nbgrader, by_batch)))
    results = {s: owner[s].results(source.assignment, s)[0] for s in submissions}
    return GradedCourse(source, owner, results, mutants)
