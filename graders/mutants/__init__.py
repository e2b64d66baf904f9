"""Mutation tables: deliberately wrong implementations of graded functions.

Each notebook has a module here named like its reference file (``week1_conv_step``) with a list
``MUTANTS``. A quiz's mutants are known wrong answers (``q1 = 7.5``: no floor), and its module
also has ``EXPLANATIONS``: per question, why the right answer is right, shown in the feedback
after grading (it goes into the answer key, never into anything a kernel reads). They serve two
purposes:
- tests splice each mutant into the solution notebook and assert that only its function loses points;
- ``python -m graders refs`` records each mutant's outputs so feedback can name the likely mistake.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    function: str   # the graded function it replaces
    label: str      # short id, unique per function
    hint: str       # what a learner is told when their output equals this mutant's
    source: str     # the whole cell body that replaces the solution cell (after its first line)


def mutants_for(notebook_key: str) -> list[Mutant]:
    """The mutation table of one notebook, e.g. ``mutants_for("week1_conv_step")``."""
    return list(importlib.import_module(f"graders.mutants.{notebook_key}").MUTANTS)


def explanations_for(notebook_key: str) -> dict[str, str]:
    """``{question: why its answer is right}`` of a quiz (empty for other notebooks)."""
    return dict(getattr(importlib.import_module(f"graders.mutants.{notebook_key}"), "EXPLANATIONS", {}))
