"""The committed student notebooks are exactly what the sources generate, and leak nothing."""
from __future__ import annotations

import json
import re

import nbformat
import pytest

from graders.build import canonical, out_of_sync
from graders.sources import KERNELSPEC, all_sources, graded_function, language_info

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


def without_version(info: dict) -> dict:
    return {k: v for k, v in info.items() if k != "version"}


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_release_carries_the_metadata_jupyterlab_writes(source):
    """JupyterLab sets these on open; equal values leave the notebook unmodified (tests/test_lab.py
    checks them against the kernel's own and saves through a server)."""
    metadata = nbformat.read(source.release_path, as_version=4).metadata
    assert metadata.kernelspec == KERNELSPEC == {
        "display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    assert without_version(metadata.language_info) == without_version(language_info()) == {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
        "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3"}
    assert re.fullmatch(r"3\.\d+\.\d+\S*", metadata.language_info.version)


def test_sync_check_ignores_the_python_version_and_nothing_else(tmp_path):
    committed = SOURCES[0].release_path
    nb = json.loads(committed.read_text())
    nb["metadata"]["language_info"]["version"] = "3.99.0"
    saved = tmp_path / "saved.ipynb"
    saved.write_text(json.dumps(nb))
    assert canonical(saved) == canonical(committed)
    nb["metadata"]["kernelspec"]["display_name"] = "Python 3"
    saved.write_text(json.dumps(nb))
    assert canonical(saved) != canonical(committed)


def test_readme_lists_every_notebook_with_its_graded_function_count():
    """A new notebook must be added to README's table (what students and instructors read)."""
    import re

    from graders.sources import ROOT, all_sources, graded_functions

    rows = dict(re.findall(r"^\| `(weeks/[^`]+\.ipynb)` \|.*\| (\d+) \|$",
                           (ROOT / "README.md").read_text(), re.M))
    expected = {str(s.release_path.relative_to(ROOT)): str(len(graded_functions(s.notebook())))
                for s in all_sources()}
    assert rows == expected
