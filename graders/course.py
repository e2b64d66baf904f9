"""Run nbgrader's own workflow in a course directory (the repository or a temporary copy).

Scores always come from ``nbgrader autograde`` and its gradebook, so the one-shot grader and
the instructor's workflow agree by construction.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from graders.sources import ROOT, Source, all_sources, grade_cells

# The kernels nbgrader starts inherit this environment: keep TensorFlow's C++ logging quiet.
QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3"}


def tool_env(extra: dict | None = None) -> dict:
    """Environment for nbgrader/nbconvert subprocesses: quiet TensorFlow, this venv's bin on PATH."""
    # nbgrader shells out to `alembic`, which lives beside this interpreter.
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, **QUIET_ENV, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            **(extra or {})}


def tools_on_path() -> None:
    """Put this interpreter's bin folder first on this process's PATH, if it is not on it.

    nbgrader's ``Gradebook`` runs ``alembic`` by name when it creates a gradebook, also in this
    process (``graders.batch``); without an activated venv that fails with
    ``FileNotFoundError: 'alembic'``.
    """
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        os.environ["PATH"] = bin_dir + (os.pathsep + path if path else "")


def nbgrader(args: list[str], cwd: Path, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run an nbgrader command in ``cwd`` with this interpreter; raise with its log on failure."""
    env = tool_env()
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode}):\n"
                           f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def write_source_notebooks(root: Path, sources: list[Source]) -> None:
    """Write each jupytext source as ``<root>/graders/source/<assignment>/<stem>.ipynb``."""
    for source in sources:
        target = root / "graders" / "source" / source.assignment / f"{source.stem}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(source.notebook(), target)


def generate_release(root: Path, assignment: str) -> None:
    nbgrader(["generate_assignment", assignment, "--force"], cwd=root)


@dataclass
class TestResult:
    id: str
    score: float
    max_score: float
    message: str

    def as_dict(self) -> dict:
        return {"id": self.id, "score": self.score, "max_score": self.max_score,
                "message": self.message}


@dataclass
class NotebookResult:
    assignment: str
    notebook: str
    student: str
    tests: list[TestResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    def by_test(self) -> dict[str, float]:
        return {t.id: t.score for t in self.tests}

    def as_dict(self) -> dict:
        return {"assignment": self.assignment, "notebook": self.notebook,
                "score": self.score, "max_score": self.max_score,
                "tests": [t.as_dict() for t in self.tests]}


def _telling_line(text: str) -> str:
    """The line of a stderr text a person should read: a warning's or error's own line
    ("UserWarning: ...", without the file name), not the source line Python prints under it."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in lines:
        found = re.search(r"\b\w*(Warning|Error): .*", line)
        if found:
            return found.group(0)[:300]
    return lines[-1][:300] if lines else ""


def cell_message(cell, passed: bool) -> str:
    """What a person should read about one autograded cell's outcome."""
    if cell is None:
        return "test cell missing from the submission; it was restored from the source and run"
    from graders.verify import WHY

    lines, why = [], ""
    for out in cell.get("outputs", []):
        if out.output_type == "error":
            evalue = out.get("evalue", "").strip()
            lines.append(f"{out.ename}: {evalue}" if evalue else out.ename)
        elif out.output_type == "stream" and out.name == "stderr":
            lines.append("wrote to stderr (scored as a failure): " + _telling_line(out.text))
        elif out.output_type == "stream" and out.get("text", "").startswith(WHY):
            why = " Why: " + out.text[len(WHY):].strip()
    message = "passed" if passed and not lines else "; ".join(lines) or "failed"
    if why:
        message = message.rstrip() + ("" if message.rstrip().endswith(".") else ".") + why
    return message


def export_csv(root: Path) -> Path:
    """``root``'s gradebook to ``root/grades.csv``, by the plugin ``nbgrader export`` uses, run in
    this process (an ``nbgrader`` process costs seconds to start)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    target = Path(root) / "grades.csv"
    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}") as gb:
        CsvExportPlugin(to=str(target)).export(gb)
    return target


def read_results(root: Path, sources: list[Source], assignment: str,
                 student: str) -> list[NotebookResult]:
    """One student's scores (from ``root``'s gradebook) and messages (from the autograded notebooks)."""
    from nbgrader.api import Gradebook

    results = []
    with Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}") as gb:
        for source in sources:
            if source.assignment != assignment:
                continue
            graded_nb = Path(root) / "autograded" / student / assignment / f"{source.stem}.ipynb"
            cells = {}
            if graded_nb.exists():
                for cell in nbformat.read(graded_nb, as_version=4).cells:
                    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                    if gid:
                        cells[gid] = cell
            result = NotebookResult(assignment, source.stem, student)
            for grade_id, points in grade_cells(source.notebook()).items():
                try:
                    grade = gb.find_grade(grade_id, source.stem, assignment, student)
                    score = float(grade.score)
                except Exception:
                    score = 0.0
                message = cell_message(cells.get(grade_id), score == points)
                if not graded_nb.exists():
                    message = "notebook was not autograded"
                result.tests.append(TestResult(grade_id, score, points, message))
            results.append(result)
    return results


class Course:
    """A throwaway nbgrader course directory holding the given sources."""

    def __init__(self, sources: list[Source] | None = None):
        self.sources = sources or all_sources()
        self.root = Path(tempfile.mkdtemp(prefix="cnn-course-grade-"))
        shutil.copy(ROOT / "nbgrader_config.py", self.root / "nbgrader_config.py")
        write_source_notebooks(self.root, self.sources)
        self.assignments = sorted({s.assignment for s in self.sources})
        for assignment in self.assignments:
            generate_release(self.root, assignment)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def release_path(self, source: Source) -> Path:
        return self.root / "weeks" / source.assignment / f"{source.stem}.ipynb"

    def submit(self, student: str, source: Source, nb) -> None:
        """Place a notebook (NotebookNode, dict or path) as ``student``'s submission."""
        folder = self.root / "submitted" / student / source.assignment
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{source.stem}.ipynb"
        if isinstance(nb, (str, Path)):
            shutil.copy(nb, target)
        else:
            nbformat.write(nbformat.from_dict(nb), target)

    def autograde(self, assignment: str, student: str | None = None) -> None:
        args = ["autograde", assignment, "--force"]
        if student:
            args.append(f"--student={student}")
        nbgrader(args, cwd=self.root)

    def results(self, assignment: str, student: str) -> list[NotebookResult]:
        """Scores from the gradebook and messages from the autograded notebooks."""
        return read_results(self.root, self.sources, assignment, student)

    def export_csv(self) -> Path:
        return export_csv(self.root)


def grade_notebooks(source: Source, notebooks: dict[str, object]) -> dict[str, NotebookResult]:
    """Autograde several versions of one notebook in one course: ``{student_id: notebook}``."""
    with Course([source]) as course:
        for student, nb in notebooks.items():
            course.submit(student, source, nb)
        course.autograde(source.assignment)
        return {student: course.results(source.assignment, student)[0] for student in notebooks}
