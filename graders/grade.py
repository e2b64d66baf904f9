"""One-shot grading of a single notebook: ``python -m graders grade PATH.ipynb [--json]``."""
from __future__ import annotations

import json
from pathlib import Path

import nbformat

from graders.course import NotebookResult, grade_notebooks
from graders.sources import Source, all_sources, grade_cells


class GradingError(Exception):
    """The notebook cannot be graded at all (unreadable, or not a course notebook)."""


def identify(path: Path, nb) -> Source:
    """Which course notebook ``nb`` is: by file name first, else by its test cell ids."""
    sources = all_sources()
    named = [s for s in sources if s.stem == path.stem]
    if len(named) > 1:      # every week has a quiz.ipynb: the notebook says whose it is
        text = "\n".join(cell.get("source", "") for cell in nb.cells)
        named = ([s for s in named if f'notebook_checks("{s.key}")' in text]
                 or [s for s in named if s.assignment == path.parent.name] or named)
        if len(named) > 1:
            raise GradingError(f"{path.name} could be any of {', '.join(s.key for s in named)}: "
                               "grade it from its week's folder (e.g. weeks/week2/"
                               f"{path.name}) or keep its first code cell")
    if named:
        return named[0]
    ids = set(grade_cells(nb))
    best = max(sources, key=lambda s: len(ids & set(grade_cells(s.notebook()))), default=None)
    if best is None or not ids & set(grade_cells(best.notebook())):
        names = ", ".join(f"{s.stem}.ipynb" for s in sources)
        raise GradingError(f"{path.name} is not one of the course notebooks ({names}) and has "
                           "none of their test cells")
    return best


def grade(path: str | Path) -> NotebookResult:
    path = Path(path)
    if not path.is_file():
        raise GradingError(f"{path}: no such file")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several types for broken JSON
        raise GradingError(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})")
    source = identify(path, nb)
    return grade_notebooks(source, {"student": path})["student"]


def render(result: NotebookResult) -> str:
    width = max(len(t.id) for t in result.tests) if result.tests else 10
    lines = [f"{result.assignment}/{result.notebook}: {result.score:g} / {result.max_score:g}"]
    for t in result.tests:
        lines.append(f"  {t.id:<{width}}  {t.score:>4g} / {t.max_score:<4g} {t.message}")
    return "\n".join(lines)


def to_json(result: NotebookResult) -> str:
    return json.dumps(result.as_dict(), indent=2)
