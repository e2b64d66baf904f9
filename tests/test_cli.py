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
