"""`python -m graders grade` on inputs that cannot be graded: a clear error, exit code 2."""
import json
import subprocess
import sys

import nbformat


def grade(path, *extra):
    return subprocess.run([sys.executable, "-m", "graders", "grade", str(path), *extra],
                          capture_output=True, text=True, timeout=120)


def test_missing_file(tmp_path):
    proc = grade(tmp_path / "nope.ipynb", "--json")
    assert proc.returncode == 2
    assert "no such file" in json.loads(proc.stdout)["error"]


def test_corrupt_json(tmp_path):
    bad = tmp_path / "conv_step.ipynb"
    bad.write_text("{ this is not json")
    proc = grade(bad)
    assert proc.returncode == 2 and "not a readable notebook" in proc.stderr


def test_foreign_notebook(tmp_path):
    other = tmp_path / "holiday_photos.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1+1")]), other)
    proc = grade(other, "--json")
    assert proc.returncode == 2
    assert "not one of the course notebooks" in json.loads(proc.stdout)["error"]


def test_autograde_without_an_activated_venv_creates_the_gradebook(tmp_path):
    """`.venv/bin/python -m graders autograde week1` on a course with no gradebook.db, with the
    venv's bin folder not on PATH (no `source .venv/bin/activate`): nbgrader's Gradebook runs
    `alembic` by name, also in the batch's own process. The one notebook is unreadable, so there
    is no feedback to write (nbgrader would fail on an assignment with no graded notebook)."""
    import csv
    import os
    import shutil
    from pathlib import Path

    from graders.sources import ROOT

    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join(d for d in os.environ.get("PATH", "").split(os.pathsep)
                           if d and Path(d).resolve() != Path(bin_dir).resolve())
    assert shutil.which("alembic", path=path) is None        # as on a machine without the venv
    shutil.copy(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    folder = tmp_path / "submitted" / "dave" / "week1"
    folder.mkdir(parents=True)
    (folder / "conv_step.ipynb").write_text("{ not a notebook")
    assert not (tmp_path / "gradebook.db").exists()
    proc = subprocess.run([sys.executable, "-m", "graders", "autograde", "week1", "--course",
                           str(tmp_path)], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PATH": path})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "FileNotFoundError" not in proc.stderr
    rows = list(csv.DictReader(open(tmp_path / "grades.csv")))
    assert [(r["student_id"], r["assignment"], float(r["score"])) for r in rows] == [
        ("dave", "week1", 0.0)]


def test_every_notebook_is_identified_by_name_or_by_its_test_cells(tmp_path):
    """``graders grade`` knows which course notebook a file is: by its name (a quiz, by its
    imports cell), and a renamed one by its test cells."""
    import nbformat

    from graders.grade import identify
    from graders.sources import all_sources

    for source in all_sources():
        nb = nbformat.read(source.release_path, as_version=4)
        assert identify(tmp_path / f"{source.stem}.ipynb", nb) == source
        if source.stem != "quiz":   # the quizzes share their test cells' ids
            assert identify(tmp_path / "my_work.ipynb", nb) == source
