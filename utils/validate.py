"""Run a notebook's visible tests and say which pass: ``python -m utils.validate NB.ipynb ...``.

What ``make check`` runs in the student kit (and in the repository). Each notebook is run from
top to bottom in a fresh kernel, in its own folder, as "Restart and Run All" would; every test
cell (nbgrader's autograded cells) is then reported on one line: its id and either "ok" or the
first line of what went wrong, which is the test's own message ("zero_pad is not implemented
yet: ...", "... expected ... got ..."). Hidden tests are not in a student's notebook: they run
only when the instructor grades.

Exit status: 0 when every test of every notebook passes, 1 otherwise, 2 when a notebook could
not be read.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3"}


@dataclass
class TestOutcome:
    grade_id: str
    passed: bool
    message: str


def test_cells(nb) -> list:
    """The autograded test cells of a notebook, in order."""
    return [cell for cell in nb.cells
            if cell.cell_type == "code"
            and cell.get("metadata", {}).get("nbgrader", {}).get("grade")
            and not cell.get("metadata", {}).get("nbgrader", {}).get("solution")]


def _first_line(text: str) -> str:
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[0] if lines else ""


def outcome(cell) -> TestOutcome:
    """Pass/fail and a one-line message for one executed test cell."""
    grade_id = cell.metadata["nbgrader"]["grade_id"]
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            evalue = _first_line(out.get("evalue", ""))
            return TestOutcome(grade_id, False, f"{out.get('ename', 'Error')}: {evalue}".rstrip(": "))
    if cell.get("execution_count") is None:
        return TestOutcome(grade_id, False, "not run: an earlier cell stopped the notebook")
    return TestOutcome(grade_id, True, "ok")


def validate(path, timeout: float = 1800) -> list[TestOutcome]:
    """Run notebook ``path`` in a fresh kernel (in its folder) and report its test cells."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    for key, value in QUIET.items():
        os.environ.setdefault(key, value)
    client = NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    client.execute()
    return [outcome(cell) for cell in test_cells(nb)]


def report(path, outcomes: list[TestOutcome]) -> str:
    passed = sum(o.passed for o in outcomes)
    lines = [f"{path}: {passed} of {len(outcomes)} tests pass"]
    lines += [f"  {'ok  ' if o.passed else 'FAIL'} {o.grade_id}"
              + ("" if o.passed else f": {o.message}") for o in outcomes]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per cell")
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        if not path.exists():
            print(f"{path}: no such notebook", file=sys.stderr)
            status = 2
            continue
        try:
            outcomes = validate(path, args.timeout)
        except Exception as error:   # unreadable notebook, kernel that would not start, ...
            print(f"{path}: could not be run: {type(error).__name__}: {error}", file=sys.stderr)
            status = 2
            continue
        print(report(path, outcomes), flush=True)
        if status == 0 and not all(o.passed for o in outcomes):
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
