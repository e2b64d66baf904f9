"""Load test: a class of 50 Week 1 submissions graded in parallel, every total as expected."""
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
STUDENTS = 50


def test_a_class_of_fifty_grades_in_parallel_with_correct_totals():
    from nbgrader.api import Gradebook

    mutants = mutants_for(SOURCE.key)
    expected = {}
    with Course([SOURCE]) as course:
        solution = SOURCE.notebook()
        release = nbformat.read(course.release_path(SOURCE), as_version=4)
        for k in range(STUDENTS):
            student = f"student{k:02d}"
            folder = course.root / "submitted" / student / SOURCE.assignment
            folder.mkdir(parents=True)
            target = folder / f"{SOURCE.stem}.ipynb"
            kind = k % 5
            if kind in (0, 3):
                nbformat.write(solution, target)
                expected[student] = FULL
            elif kind == 1:
                mutant = mutants[(k // 5) % len(mutants)]
                nbformat.write(splice(solution, mutant.function, mutant.source), target)
                expected[student] = FULL - sum(p for gid, p in POINTS.items()
                                               if gid.startswith(mutant.function + "_"))
            elif kind == 2:
                nbformat.write(release, target)
                expected[student] = 0
            else:
                broken = (k // 5) % 3
                if broken == 0:
                    target.write_text('{"cells": [')
                elif broken == 1:
                    nbformat.write(solution, folder / "Untitled.ipynb")
                else:
                    raw = json.loads(nbformat.writes(solution))
                    raw["nbformat"] = 99
                    target.write_text(json.dumps(raw))
                expected[student] = 0
        results = batch.autograde(course.root, [SOURCE.assignment], workers=2, sandbox=True,
                                  log=lambda *_: None)
        assert {r["student"]: r["score"] for r in results} == expected
        assert all(r["flags"] == [] for r in results)
        with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
            submissions = gb.assignment_submissions(SOURCE.assignment)
            assert {s.student.id: s.score for s in submissions} == expected
        rows = list(csv.DictReader(open(course.root / "grades.csv")))
        assert {r["student_id"]: float(r["score"]) for r in rows} == expected
