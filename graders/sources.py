"""Where the course's notebook sources are and how to turn them into notebooks.

Each assignment notebook has one diffable source, ``graders/source/<assignment>/<stem>.py``
(jupytext py:percent with nbgrader cell metadata). Everything else is generated from it.
"""
from __future__ import annotations

import copy
import functools
import hashlib
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "graders" / "source"
RELEASE_DIR = ROOT / "weeks"
REFERENCE_DIR = ROOT / "graders" / "reference"
GRADED_PREFIX = "# GRADED FUNCTION: "
# A quiz's answer cell (``q3 = "b"``) is graded like a function: its own solution cell, tests
# whose ids start with its name, mutants (known wrong answers) that name a mistake.
ANSWER_PREFIX = "# GRADED ANSWER: "


@dataclass(frozen=True)
class Source:
    assignment: str  # nbgrader assignment id, e.g. "week1"
    stem: str        # notebook name without extension, e.g. "conv_step"

    @property
    def key(self) -> str:
        """Name of the reference file and mutation table, e.g. ``week1_conv_step``."""
        return f"{self.assignment}_{self.stem}"

    @property
    def py_path(self) -> Path:
        return SOURCE_DIR / self.assignment / f"{self.stem}.py"

    @property
    def release_path(self) -> Path:
        return RELEASE_DIR / self.assignment / f"{self.stem}.ipynb"

    @property
    def reference_path(self) -> Path:
        return REFERENCE_DIR / f"{self.key}.json"

    @property
    def uses_checks(self) -> bool:
        """Whether its test cells call ``check``/``check_model`` (and so need a reference file)."""
        return bool(re.search(r"\bcheck(_model)?\(", self.py_path.read_text()))

    def notebook(self) -> nbformat.NotebookNode:
        """The full notebook (solutions and hidden tests included)."""
        return read_source(self.py_path)


def all_sources() -> list[Source]:
    return [Source(p.parent.name, p.stem) for p in sorted(SOURCE_DIR.glob("*/*.py"))]


def assignments() -> list[str]:
    return sorted({s.assignment for s in all_sources()})


def find_source(name: str) -> Source:
    """Look a source up by ``stem``, ``assignment/stem`` or key ``assignment_stem``."""
    for source in all_sources():
        if name in (source.stem, f"{source.assignment}/{source.stem}", source.key):
            return source
    known = ", ".join(s.key for s in all_sources())
    raise LookupError(f"no course notebook named {name!r} (known: {known})")


def read_source(py_path: Path) -> nbformat.NotebookNode:
    """The notebook of a jupytext source, with stable cell ids (so regenerating is a no-op).

    Parsed once per file version (the batch grader reads each source for every submission);
    every call returns a fresh copy the caller may change.
    """
    stat = Path(py_path).stat()
    expected = expected_path(Path(py_path))
    seen = expected.stat().st_mtime_ns if expected.exists() else 0
    return copy.deepcopy(_parse_source(str(py_path), stat.st_mtime_ns, stat.st_size, seen))


def expected_path(py_path: Path) -> Path:
    """The kernel-side references of a source (``utils/expected/<assignment>_<stem>.json``)."""
    return ROOT / "utils" / "expected" / f"{py_path.parent.name}_{py_path.stem}.json"


# The notebook metadata JupyterLab sets when it opens a notebook with the course's kernel: the
# kernelspec's name, display name and language, and the kernel's ``language_info`` (ipykernel's
# kernel_info reply). Built notebooks carry it already, so opening one in JupyterLab changes
# nothing and the tab is not marked modified. ``version`` is the Python that builds (ipykernel
# reports the kernel's ``sys.version.split()[0]``); the sync check ignores it.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def language_info() -> dict:
    return {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
            "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
            "pygments_lexer": "ipython3", "version": sys.version.split()[0]}


@functools.lru_cache(maxsize=32)
def _parse_source(py_path: str, mtime_ns: int, size: int, expected_mtime_ns: int) -> nbformat.NotebookNode:
    from graders.expected_output import add_notes

    nb = jupytext.read(py_path)
    add_notes(nb, expected_path(Path(py_path)))
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = language_info()
    nb.nbformat, nb.nbformat_minor = 4, 5
    seen: set[str] = set()
    for cell in nb.cells:
        cell.metadata.pop("lines_to_next_cell", None)
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        digest = hashlib.sha1((cell.cell_type + cell.source).encode()).hexdigest()[:8]
        cell_id = grade_id or f"{cell.cell_type[:2]}-{digest}"
        while cell_id in seen:
            cell_id += "x"
        seen.add(cell_id)
        cell.id = cell_id
    nbformat.validator.normalize(nb)
    return nb


def graded_prefix(cell) -> str | None:
    """``GRADED_PREFIX`` or ``ANSWER_PREFIX``: how the cell's first line marks it, else None."""
    if cell.cell_type != "code":
        return None
    first = cell.source.split("\n", 1)[0].strip()
    return next((p for p in (GRADED_PREFIX, ANSWER_PREFIX) if first.startswith(p)), None)


def graded_function(cell) -> str | None:
    """The name in a ``# GRADED FUNCTION: name`` (or a quiz's ``# GRADED ANSWER: name``) cell,
    else None."""
    prefix = graded_prefix(cell)
    return cell.source.split("\n", 1)[0].strip()[len(prefix):].strip() if prefix else None


def is_answer(cell) -> bool:
    """Whether ``cell`` is a quiz's answer cell (``# GRADED ANSWER: q3``)."""
    return graded_prefix(cell) == ANSWER_PREFIX


def graded_functions(nb) -> list[str]:
    return [name for name in map(graded_function, nb.cells) if name]


def splice(nb, function: str, body: str):
    """A copy of ``nb`` whose ``# GRADED FUNCTION: function`` (or ``# GRADED ANSWER:``) cell
    body is replaced by ``body``."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if graded_function(cell) == function:
            cell.source = graded_prefix(cell) + function + "\n" + body.strip("\n") + "\n"
            return nb
    raise LookupError(f"no '# GRADED FUNCTION: {function}' cell")


def solution_functions(source: Source, preamble: dict | None = None) -> dict:
    """The graded functions of a source's solution, defined by running only their cells.

    Lets benchmarks and tools use the notebook's reference code without a second copy of it.
    ``preamble`` adds the names the cells expect from the notebook's imports (``np`` is given).
    """
    import numpy as np

    namespace: dict = {"np": np, **(preamble or {})}
    for cell in source.notebook().cells:
        name = graded_function(cell)
        if name:
            exec(compile(cell.source, f"<{source.key}:{name}>", "exec"), namespace)
    return {name: namespace[name] for name in graded_functions(source.notebook())}


def grade_cells(nb) -> dict[str, float]:
    """grade_id -> points for every autograded test cell."""
    out = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            out[meta["grade_id"]] = float(meta.get("points", 0))
    return out


def function_of(grade_id: str, functions: list[str]) -> str | None:
    """The graded function a test id belongs to (longest matching name prefix)."""
    matches = [f for f in functions if re.match(re.escape(f) + r"(_|$)", grade_id)]
    return max(matches, key=len) if matches else None
