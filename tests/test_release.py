"""The committed student notebooks are exactly what the sources generate, and leak nothing."""
from __future__ import annotations

import re

import nbformat
import pytest

from graders.build import out_of_sync
from graders.sources import all_sources, graded_function

SOURCES = all_sources()
IDS = [s.key for s in SOURCES]


@pytest.mark.slow
def test_weeks_are_in_sync_with_sources():
    assert out_of_sync() == [], "run `make build` and commit weeks/"


def solution_lines(source) -> set[str]:
    """Lines between the solution markers: code a student must not be given."""
    lines = set()
    for cell in source.notebook().cells:
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line:
                inside = True
            elif "### END SOLUTION" in line:
                inside = False
            elif inside and len(line.strip()) > 12 and not line.strip().startswith("#"):
                lines.add(line.strip())
    return lines


def hidden_lines(source) -> set[str]:
    lines = set()
    for cell in source.notebook().cells:
        for block in re.findall(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS",
                                cell.source, re.S):
            lines |= {ln.strip() for ln in block.splitlines() if len(ln.strip()) > 12}
    return lines


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_release_has_no_solution_code_or_hidden_tests(source):
    release = nbformat.read(source.release_path, as_version=4)
    text = "\n".join(cell.source for cell in release.cells)
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS"):
        assert marker not in text
    visible = {ln.strip() for ln in text.splitlines()}
    assert solution_lines(source) & visible == set()
    assert hidden_lines(source) & visible == set()
    graded = [graded_function(c) for c in release.cells if graded_function(c)]
    assert graded and all("raise NotImplementedError()" in c.source
                          for c in release.cells if graded_function(c))


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_release_has_no_outputs_and_locked_tests(source):
    release = nbformat.read(source.release_path, as_version=4)
    for cell in release.cells:
        assert not cell.get("outputs")
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            assert meta.get("locked") is True
