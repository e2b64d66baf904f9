"""Shared fixtures: one nbgrader course per notebook, graded once for the whole session.

Every test that needs scores reads them from a single ``nbgrader autograde`` run in which each
"student" is one variant of the notebook: the solution, the student release, and each mutant
from the notebook's mutation table. Autograding them together keeps the suite fast.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from graders.course import Course, NotebookResult  # noqa: E402
from graders.mutants import Mutant, mutants_for  # noqa: E402
from graders.sources import Source, all_sources, splice  # noqa: E402

SOURCES = all_sources()


def mutant_student(mutant: Mutant) -> str:
    return f"mutant-{mutant.function}-{mutant.label}".replace("_", "-")


@dataclass
class GradedCourse:
    source: Source
    course: Course
    results: dict[str, NotebookResult]
    mutants: dict[str, Mutant]


@pytest.fixture(scope="session", params=SOURCES, ids=[s.key for s in SOURCES])
def graded(request) -> GradedCourse:
    source: Source = request.param
    course = Course([source])
    request.addfinalizer(course.close)
    solution = source.notebook()
    course.submit("solution", source, solution)
    course.submit("release", source, course.release_path(source))
    mutants = {}
    for mutant in mutants_for(source.key):
        student = mutant_student(mutant)
        mutants[student] = mutant
        course.submit(student, source, splice(solution, mutant.function, mutant.source))
    course.autograde(source.assignment)
    students = ["solution", "release", *mutants]
    results = {s: course.results(source.assignment, s)[0] for s in students}
    return GradedCourse(source, course, results, mutants)
