"""The student kit (`make student-kit`): self-contained, and holding nothing a student must not see."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from graders.kit import build
from graders.sources import ROOT, all_sources, find_source, graded_function, graded_functions, splice
from utils.checks import is_hidden
from utils.lab_validate import LAB_SERVER_OPTIONS

SOURCES = all_sources()
BINARY = {".npz", ".jpg", ".png", ".h5", ".zip"}


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    return build(tmp_path_factory.mktemp("kit") / "cnn-course-student", zip_it=True)


@pytest.fixture(scope="module")
def kit_texts(kit) -> dict[str, str]:
    return {str(p.relative_to(kit)): p.read_text(encoding="utf-8")
            for p in sorted(kit.rglob("*")) if p.is_file() and p.suffix not in BINARY}


def test_kit_holds_the_student_notebooks_and_nothing_from_graders(kit):
    assert not (kit / "graders").exists() and not (kit / "tests").exists()
    notebooks = sorted(str(p.relative_to(kit)) for p in kit.glob("weeks/*/*.ipynb"))
    assert notebooks == sorted(str(s.release_path.relative_to(ROOT)) for s in SOURCES)
    for source in SOURCES:
        assert (kit / source.release_path.relative_to(ROOT)).read_bytes() == source.release_path.read_bytes()
    for needed in ("Makefile", "README.md", "requirements.lock", "pyproject.toml",
                   "utils/checks.py", "utils/synth/build.py", "data/weights/resnet50_signs.npz"):
        assert (kit / needed).is_file(), needed
    assert not (kit / "data" / "synthetic").exists()
    with zipfile.ZipFile(kit.with_suffix(".zip")) as archive:
        zipped = {name for name in archive.namelist() if not name.endswith("/")}
    assert zipped == {f"{kit.name}/{p.relative_to(kit)}" for p in kit.rglob("*") if p.is_file()}


def test_student_readme_and_makefile_give_the_two_commands(kit):
    readme = (kit / "README.md").read_text()
    assert "make lab" in readme and "make check" in readme
    makefile = (kit / "Makefile").read_text()
    assert "\nlab:" in makefile and "\ncheck:" in makefile and "utils.validate" in makefile
    assert "graders" not in makefile
    for option in LAB_SERVER_OPTIONS:  # Validate's summary line, as in the course's make lab
        assert option in makefile, option


def code_blocks(source, begin: str, end: str) -> list[list[str]]:
    """The stripped code lines of every block between ``begin`` and ``end`` markers."""
    blocks = []
    for cell in source.notebook().cells:
        inside, lines = False, []
        for line in cell.source.splitlines():
            if begin in line:
                inside, lines = True, []
            elif end in line:
                inside = False
                blocks.append(lines)
            elif inside and line.strip() and not line.strip().startswith("#"):
                lines.append(line.strip())
    return blocks


def searchable(path: Path) -> str:
    """A kit file's text, lines stripped; a reference file without its mistakes' hints (the
    hints, which may quote the right line, are what a learner is shown anyway)."""
    text = path.read_text(encoding="utf-8")
    if path.parent.name == "expected":
        document = json.loads(text)
        for case in document.get("cases", {}).values():
            for mistake in case.get("mistakes", []):
                mistake.pop("hint", None)
        text = json.dumps(document, indent=0)
    return "\n".join(line.strip() for line in text.splitlines())


# utils/fastconv.py is Week 1's vectorised convolution, which the lesson shows and times against
# the learner's loops; it shares the output-size formula (given in the notebook's text) and the
# cache's layout with the solution, and nothing else
ALLOWED = {"n_H = (n_H_prev - f + 2 * pad) // stride + 1\nn_W = (n_W_prev - f + 2 * pad) // stride + 1",
           "A_prev, W, b, hparameters = cache"}


def test_no_solution_code_and_no_hidden_test_code_anywhere_in_the_kit(kit):
    """Every two consecutive lines of a solution or hidden-test block (a one-line block alone)
    are searched for in every kit file but the notebooks (tests/test_release.py checks those,
    line by line, and they are the same files)."""
    texts = {str(p.relative_to(kit)): searchable(p) for p in sorted(kit.rglob("*"))
             if p.is_file() and p.suffix not in BINARY and p.relative_to(kit).parts[0] != "weeks"}
    assert "utils/checks.py" in texts and "utils/expected/week1_conv_step.json" in texts
    found = []
    for source in SOURCES:
        for markers in (("### BEGIN SOLUTION", "### END SOLUTION"),
                        ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")):
            for block in code_blocks(source, *markers):
                for piece in ["\n".join(block[i:i + 2]) for i in range(len(block) - 1)] or block:
                    if piece not in ALLOWED:
                        found += [(source.key, piece, name) for name, text in texts.items()
                                  if piece in text]
    assert found == []


def test_kit_references_hold_the_visible_cases_only(kit, kit_texts):
    for source in SOURCES:
        reference = json.loads((ROOT / "graders" / "reference" / f"{source.key}.json").read_text())
        hidden = {case for case in reference["cases"] if is_hidden(case)}
        assert hidden, source.key
        document = json.loads((kit / "utils" / "expected" / f"{source.key}.json").read_text())
        assert "hidden" not in document
        assert not set(document["cases"]) & hidden
        assert set(document["cases"]) == {c for c in reference["cases"] if not is_hidden(c)}
        for case in hidden:
            assert not [name for name, text in kit_texts.items() if case in text], case
            value = json.dumps(reference["cases"][case]["expected"].get("data"))
            if len(value) > 24:   # long enough to be a value, not a coincidence like 0.0
                assert not [name for name, text in kit_texts.items() if value[1:-1] in text], case


def solved_release(source):
    """The student release with every graded function's solution put in (hidden tests absent)."""
    nb = nbformat.read(source.release_path, as_version=4)
    solution = {graded_function(c): c.source for c in source.notebook().cells if graded_function(c)}
    for function in graded_functions(nb):
        nb = splice(nb, function, solution[function].split("\n", 1)[1])
    return nb


def run_validate(folder: Path, *notebooks: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(folder), TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-m", "utils.validate", *notebooks], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=900)


def test_visible_checks_work_in_the_kit_as_in_the_repository(kit):
    source = find_source("week1_conv_step")
    notebook = str(source.release_path.relative_to(ROOT))
    solved = Path(notebook).with_name("solved.ipynb")
    nbformat.write(solved_release(source), kit / solved)
    # the repository's editable install would serve any module the kit lacks: make sure the
    # kit's own copies are the ones used
    probe = subprocess.run(
        [sys.executable, "-c", "import utils.checks, utils.validate, utils.transfer as t; "
         "print(utils.checks.__file__); print(utils.validate.__file__); print(t.__file__)"],
        cwd=kit, env=dict(os.environ, PYTHONPATH=str(kit)), capture_output=True, text=True)
    files = probe.stdout.split()
    assert len(files) == 3 and all(Path(f).resolve().is_relative_to(kit.resolve()) for f in files), \
        probe.stdout + probe.stderr

    in_kit = run_validate(kit, notebook, str(solved))
    assert in_kit.returncode == 1, in_kit.stderr[-2000:]
    blocks = in_kit.stdout.split(f"{solved}:")
    stubs, answers = blocks[0], blocks[1]
    n_tests = len([c for c in source.notebook().cells
                   if c.get("metadata", {}).get("nbgrader", {}).get("grade")
                   and not c.metadata["nbgrader"].get("solution")])
    assert f"0 of {n_tests} tests pass" in stubs
    assert "zero_pad is not implemented yet" in stubs
    assert f" {n_tests} of {n_tests} tests pass" in answers and "FAIL" not in answers

    in_repo = run_validate(ROOT, notebook)
    assert in_repo.stdout == stubs.rstrip("\n") + "\n" or in_repo.stdout.strip() == stubs.strip()
