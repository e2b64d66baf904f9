"""Shared fixtures: one nbgrader course per notebook, graded once for the whole session.

Every test that needs scores reads them from a single ``nbgrader autograde`` run in which each
"student" is one variant of the notebook: the solution, the student release, and each mutant
from the notebook's mutation table. Autograding them together keeps the suite fast.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

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
    """Autograde solution, release and every mutant; two courses in parallel (two cores)."""
    source: Source = request.param
    courses = [Course([source]) for _ in range(WORKERS)]
    for course in courses:
        request.addfinalizer(course.close)
    main = courses[0]
    solution = source.notebook()
    submissions = {"solution": solution, "release": main.release_path(source)}
    mutants = {}
    for mutant in mutants_for(source.key):
        student = mutant_student(mutant)
        mutants[student] = mutant
        submissions[student] = splice(solution, mutant.function, mutant.source)
    owner = {}
    for index, (student, nb) in enumerate(submissions.items()):
        owner[student] = courses[index % WORKERS]
        owner[student].submit(student, source, nb)
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda c: c.autograde(source.assignment), courses))
    results = {s: owner[s].results(source.assignment, s)[0] for s in submissions}
    return GradedCourse(source, owner, results, mutants)
