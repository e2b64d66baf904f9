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
from graders.sources import Source, all_sources, splice  # noqa: E402

SOURCES = all_sources()
WORKERS = 2


def mutant_student(mutant: Mutant) -> str:
    return f"mutant-{mutant.function}-{mutant.label}".replace("_", "-")


@dataclass
class GradedCourse:
    source: Source
    owner: dict[str, Course]   # student id -> the course directory that graded it
    results: dict[str, NotebookResult]
    mutants: dict[str, Mutant]


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
    for mutant in mutants_for(source.key):
        student = mutant_student(mutant)
        mutants[student] = mutant
        submissions[student] = splice(solution, mutant.function, mutant.source)
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
