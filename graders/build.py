"""Generate everything that derives from the jupytext sources.

- ``release``: the student notebooks in weeks/, made by nbgrader's own ``generate_assignment``
  in a scratch copy of the course (so the instructor's gradebook is never touched);
- ``solutions``: executed solution notebooks in solutions/ for self-learners;
- ``out_of_sync``: which committed student notebooks differ from a fresh release.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from graders.course import QUIET_ENV, Course, write_source_notebooks
from graders.sources import ROOT, Source, all_sources

SOLUTIONS_DIR = ROOT / "solutions"


def canonical(path: Path) -> str:
    """Notebook JSON with volatile fields removed, for comparing releases."""
    nb = json.loads(path.read_text())
    return json.dumps(nb, sort_keys=True, indent=1)


def fresh_release(course: Course, sources: list[Source]) -> dict[Source, Path]:
    return {s: course.release_path(s) for s in sources}


def release(sources: list[Source] | None = None) -> list[Path]:
    """Regenerate weeks/<assignment>/<stem>.ipynb for every source.

    Also writes graders/source/<assignment>/<stem>.ipynb, which nbgrader run from the repository
    root (the instructor's course) reads.
    """
    sources = sources or all_sources()
    write_source_notebooks(ROOT, sources)
    written = []
    with Course(sources) as course:
        for source, path in fresh_release(course, sources).items():
            source.release_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, source.release_path)
            written.append(source.release_path.relative_to(ROOT))
    return written


def out_of_sync(sources: list[Source] | None = None) -> list[str]:
    """Relative paths of committed releases that differ from (or are missing against) a fresh one."""
    sources = sources or all_sources()
    stale = []
    with Course(sources) as course:
        for source, path in fresh_release(course, sources).items():
            committed = source.release_path
            if not committed.exists() or canonical(committed) != canonical(path):
                stale.append(str(committed.relative_to(ROOT)))
    return stale


def solutions(sources: list[Source] | None = None, execute: bool = True) -> list[Path]:
    """Write (and run) the full solution notebooks to solutions/<assignment>/<stem>.ipynb."""
    import os

    written = []
    for source in sources or all_sources():
        target = SOLUTIONS_DIR / source.assignment / f"{source.stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nb = source.notebook()
        if execute:
            os.environ.update(QUIET_ENV)
            NotebookClient(nb, timeout=1200, kernel_name="python3",
                           resources={"metadata": {"path": str(target.parent)}}).execute()
        nbformat.write(nb, target)
        written.append(target.relative_to(ROOT))
    return written
