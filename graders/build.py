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
from graders.ipc_kernel import IpcKernelManager
from graders.sources import ROOT, Source, all_sources

SOLUTIONS_DIR = ROOT / "solutions"


def canonical(path: Path) -> str:
    """Notebook JSON with volatile fields removed, for comparing releases.

    ``language_info.version`` is the Python version of whoever built or last saved the notebook
    (JupyterLab writes its kernel's on save), not part of the course.
    """
    nb = json.loads(path.read_text())
    nb.get("metadata", {}).get("language_info", {}).pop("version", None)
    return json.dumps(nb, sort_keys=True, indent=1)


def fresh_release(course: Course, sources: list[Source]) -> dict[Source, Path]:
    return {s: course.release_path(s) for s in sources}


def release(sources: list[Source] | None = None) -> list[Path]:
    """Regenerate weeks/<assignment>/<stem>.ipynb for every source; return those that changed.

    A committed notebook that differs from the fresh release only in what ``canonical`` ignores
    (the builder's Python version) is left as it is. Also writes
    graders/source/<assignment>/<stem>.ipynb, which nbgrader run from the repository root (the
    instructor's course) reads.
    """
    sources = sources or all_sources()
    write_source_notebooks(ROOT, sources)
    written = []
    with Course(sources) as course:
        for source, path in fresh_release(course, sources).items():
            committed = source.release_path
            if committed.exists() and canonical(committed) == canonical(path):
                continue
            committed.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, committed)
            written.append(committed.relative_to(ROOT))
    return written


def source_notebooks(py_paths: list[str] | None = None, root: Path = ROOT) -> list[Path]:
    """Write ``root/graders/source/<assignment>/<stem>.ipynb`` (the nbgrader source notebooks the
    Formgrader reads) from the given jupytext sources (default: all), and nothing else."""
    if py_paths:
        sources = [Source(Path(p).resolve().parent.name, Path(p).stem) for p in py_paths]
    else:
        sources = all_sources()
    write_source_notebooks(Path(root), sources)
    return [Path(root) / "graders" / "source" / s.assignment / f"{s.stem}.ipynb" for s in sources]


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
            NotebookClient(nb, kernel_manager_class=IpcKernelManager,
                           timeout=1200, kernel_name="python3",
                           resources={"metadata": {"path": str(target.parent)}}).execute()
        nbformat.write(nb, target)
        written.append(target.relative_to(ROOT))
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m graders.build sources [--root DIR] [PY ...]``: what ``make lab`` runs to write
    the source notebooks that are missing or older than their jupytext file (weeks/ is left
    alone: it is committed, and learners may be working in it)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m graders.build")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("sources", help="write graders/source/*/*.ipynb from the jupytext sources")
    p.add_argument("py", nargs="*", help="graders/source/<assignment>/<stem>.py (default: all)")
    p.add_argument("--root", type=Path, default=ROOT, help="course root (default: this repository)")
    args = parser.parse_args(argv)
    for path in source_notebooks(args.py, args.root):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
