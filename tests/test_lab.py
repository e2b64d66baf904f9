"""The instructor's side of `make lab`: every Formgrader and Assignment List button works in a
fresh clone, with no venv on PATH; opening and saving a notebook changes nothing; Validate is
short. Each server runs in a temporary copy of the course with its own Jupyter and HOME folders.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest

from graders.build import canonical
from graders.sources import ROOT, all_sources, grade_cells
from utils.lab_validate import LAB_SERVER_OPTIONS, add_summary

VENV_BIN = Path(sys.executable).parent
TOKEN = "cnn-course-test-token"
DEADLINE = 240  # seconds for a server to come up, or for one request (generous: 2 shared cores)


def bare_env(home: Path) -> dict:
    """This environment with the venv's bin (and any other `alembic`) off PATH, and Jupyter's and
    IPython's per-user folders in ``home``, so nothing of the user's is read or written."""
    path = [p for p in os.environ.get("PATH", os.defpath).split(os.pathsep)
            if p and not (Path(p) / "alembic").exists()
            and Path(p).resolve() != VENV_BIN.resolve()]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "VIRTUAL_ENV", "IPYTHON"))}
    env.update(PATH=os.pathsep.join(path), HOME=str(home), TF_CPP_MIN_LOG_LEVEL="3",
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), IPYTHONDIR=str(home / "ipython"))
    assert shutil.which("alembic", path=env["PATH"]) is None
    return env


def make_course(root: Path) -> Path:
    """A fresh clone's course as `make lab` leaves it: nbgrader_config.py, the committed weeks/
    and the source notebooks written by the command the Makefile runs."""
    course = root / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "weeks", course / "weeks")
    subprocess.run([sys.executable, "-m", "graders.build", "sources", "--root", str(course)],
                   check=True, capture_output=True, timeout=DEADLINE)
    return course


@contextmanager
def lab_server(course: Path, home: Path):
    """`jupyter lab` on a free port of 127.0.0.1 in ``course``; yields its base URL."""
    env = bare_env(home)
    log = open(home.parent / "server.log", "w")
    proc = subprocess.Popen(
        [str(VENV_BIN / "jupyter"), "lab", "--no-browser", "--allow-root",
         "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={course}", *LAB_SERVER_OPTIONS],
        cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url, start = None, time.monotonic()
        while url is None:
            assert proc.poll() is None, "server exited:\n" + server_log(home)
            assert time.monotonic() - start < DEADLINE, "server not up:\n" + server_log(home)
            for info in (home / "runtime").glob("jpserver-*.json"):
                try:
                    url = json.loads(info.read_text())["url"].rstrip("/")
                except (ValueError, KeyError):
                    pass  # being written
            time.sleep(0.2)
        while True:  # the info file can precede the first request being served
            try:
                request(url, "GET", "/api/status")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() - start < DEADLINE, server_log(home)
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(60)
        log.close()


def server_log(home: Path) -> str:
    return (home.parent / "server.log").read_text()[-5000:]


def request(url: str, method: str, path: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method, headers={
        "Authorization": f"token {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=DEADLINE) as response:
        assert response.status in (200, 201), (path, response.status)
        text = response.read().decode()
    return json.loads(text) if text else None


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    course = make_course(root)
    with lab_server(course, root / "home") as url:
        yield course, url, root / "home"


def test_formgrader_lists_the_assignments_without_the_venv_on_path(lab):
    course, url, home = lab
    try:
        assignments = request(url, "GET", "/formgrader/api/assignments")
    except urllib.error.HTTPError as exc:
        pytest.fail(f"{exc}\n{server_log(home)}")
    names = {a["name"] for a in assignments}
    assert {"week1", "week2"} <= names
    assert (course / "gradebook.db").exists()


def test_every_formgrader_and_assignment_list_button(lab):
    """Generate, Release, the Assignment List's courses, Fetch and Submit, then Collect."""
    from nbgrader.utils import get_username

    course, url, home = lab
    api = "/formgrader/api/assignment/week1"
    assert request(url, "POST", f"{api}/assign")["success"]  # Generate
    assert request(url, "POST", f"{api}/release")["success"]
    assert (course / "exchange" / "cnn-course" / "outbound" / "week1" / "conv_step.ipynb").exists()

    courses = request(url, "GET", "/courses")  # "Error fetching courses!" before
    assert courses == {"success": True, "value": ["cnn-course"]}
    listed = request(url, "GET", "/assignments?course_id=cnn-course")
    assert listed["success"] and [a["assignment_id"] for a in listed["value"]] == ["week1"]

    fetched = request(url, "POST", "/assignments/fetch",
                      {"course_id": "cnn-course", "assignment_id": "week1"})
    assert fetched["success"], fetched
    assert {a["status"] for a in fetched["value"]} == {"fetched"}
    assert (course / "week1" / "conv_step.ipynb").exists()
    submitted = request(url, "POST", "/assignments/submit",
                        {"course_id": "cnn-course", "assignment_id": "week1"})
    assert submitted["success"], submitted

    assert request(url, "POST", f"{api}/collect")["success"]
    collected = course / "submitted" / get_username() / "week1"
    assert sorted(p.name for p in collected.glob("*.ipynb")) == sorted(
        f"{s.stem}.ipynb" for s in all_sources() if s.assignment == "week1")
    assert (collected / "timestamp.txt").exists()
    assert request(url, "GET", "/formgrader/api/submissions/week1")[0]["student"] == get_username()


def kernel_language_info() -> dict:
    """``language_info`` from the course kernel's kernel_info reply (what JupyterLab stores)."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=DEADLINE)
    try:
        kc.kernel_info()
        while True:
            reply = kc.get_shell_msg(timeout=DEADLINE)
            if reply["msg_type"] == "kernel_info_reply":
                return reply["content"]["language_info"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_opening_and_saving_in_jupyterlab_leaves_the_notebooks_unchanged(lab):
    """JupyterLab sets the kernelspec (from the kernel's spec) and language_info (from the
    kernel) on open, then saves through the contents API: the committed notebooks already carry
    both, so the bytes stay the same (all but the Python version, which the sync check ignores)."""
    course, url, home = lab
    spec = request(url, "GET", "/api/kernelspecs")["kernelspecs"]["python3"]["spec"]
    kernelspec = {"name": "python3", "display_name": spec["display_name"],
                  "language": spec["language"]}
    language_info = kernel_language_info()
    for source in all_sources():
        committed = source.release_path.read_bytes()
        rel = f"opened/{source.assignment}/{source.stem}.ipynb"
        (course / rel).parent.mkdir(parents=True, exist_ok=True)
        (course / rel).write_bytes(committed)
        model = request(url, "GET", f"/api/contents/{rel}?content=1")
        metadata = model["content"]["metadata"]
        assert metadata["kernelspec"] == kernelspec
        assert {k: v for k, v in metadata["language_info"].items() if k != "version"} == \
            {k: v for k, v in language_info.items() if k != "version"}
        built_version = metadata["language_info"]["version"]
        metadata.update(kernelspec=kernelspec, language_info=language_info)
        request(url, "PUT", f"/api/contents/{rel}",
                {"type": "notebook", "format": "json", "content": model["content"]})
        saved = course / rel
        expected = committed.replace(f'"version": "{built_version}"'.encode(),
                                     f'"version": "{language_info["version"]}"'.encode())
        assert saved.read_bytes() == expected, rel
        assert canonical(saved) == canonical(source.release_path)


@pytest.mark.slow
def test_validate_button_is_short(lab):
    """What JupyterLab's Validate button gets for an untouched release: a summary entry first
    ("7 of 7 tests failed, in zero_pad, ..."), then one short error per test cell, no tracebacks."""
    course, url, home = lab
    result = request(url, "POST", "/assignments/validate",
                     {"path": "weeks/week1/conv_step.ipynb"})
    assert result["success"], result
    summary, *failed = result["value"]["failed"]
    release = nbformat.read(course / "weeks" / "week1" / "conv_step.ipynb", as_version=4)
    tests = len(grade_cells(release))
    assert len(failed) == tests > 0
    assert summary["source"].replace("\n", " ") == (f"{tests} of {tests} tests failed, in zero_pad, conv_single_step, "
                                 "conv_forward, pool_forward, conv_backward, "
                                 "create_mask_from_window, distribute_value, pool_backward.")
    for cell in failed:
        error = cell["raw_error"]
        assert "Traceback" not in error and "---->" not in error, error
        assert len(error.strip().splitlines()) <= 2, error


def test_validate_summary_counts_the_failed_tests_and_names_their_functions():
    """utils.lab_validate.add_summary on nbgrader's reply for a notebook with two graded
    functions and three tests, one of which failed; passing replies are left alone."""
    def code(source, **nbgrader):
        cell = nbformat.v4.new_code_cell(source)
        if nbgrader:
            cell.metadata["nbgrader"] = nbgrader
        return cell
    nb = nbformat.v4.new_notebook(cells=[
        code("# GRADED FUNCTION: pool\ndef pool(): ...", solution=True, grade=False),
        code("# GRADED FUNCTION: pool_backward\ndef pool_backward(): ...", solution=True,
             grade=False),
        code("check('pool_a', pool())", grade=True, grade_id="pool_a", points=1),
        code("check('pool_backward_a', pool_backward())", grade=True,
             grade_id="pool_backward_a", points=1),
        code("check('pool_backward_b', pool_backward())", grade=True,
             grade_id="pool_backward_b", points=1),
    ])
    nb = json.loads(nbformat.writes(nb))
    failed = [{"source": "check('pool_backward_b', pool_backward())", "error": "E", "raw_error": "E"}]
    summary, entry = add_summary({"failed": failed}, nb)["failed"]
    assert summary["source"] == "1 of 3 tests failed, in pool_backward."
    assert summary["error"].startswith("<style>") and summary["raw_error"].startswith("Each")
    assert entry == failed[0]
    both = add_summary({"failed": [failed[0], {"source": "check('pool_a', pool())"}]}, nb)
    assert both["failed"][0]["source"] == "2 of 3 tests failed, in pool, pool_backward."  # notebook order
    assert add_summary({}, nb) == {}
    assert add_summary({"changed": [{"source": "x"}]}, nb) == {"changed": [{"source": "x"}]}


def test_make_lab_builds_the_source_notebooks_and_puts_the_venv_first_on_path():
    """`make -n` (prints, runs nothing): the lab target (re)writes a source notebook whose jupytext
    file changed, and starts JupyterLab with the venv's bin first on PATH."""
    out = subprocess.run(["make", "-n", "-W", "graders/source/week1/conv_step.py", "lab"],
                         cwd=ROOT, capture_output=True, text=True, timeout=DEADLINE)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    build = [i for i, ln in enumerate(lines)
             if "-m graders.build sources graders/source/week1/conv_step.py" in ln]
    lab = [i for i, ln in enumerate(lines) if "/jupyter lab" in ln]
    assert build and lab and build[0] < lab[0]
    assert lines[lab[0]].startswith(f'PATH="{ROOT}/.venv/bin:$PATH" ')
    command = "\n".join(lines[lab[0]:]).replace("\\\n", " ").split("\n")[0].split()
    for option in LAB_SERVER_OPTIONS:  # Validate answered by utils/lab_validate.py
        assert option in command, option


def test_exchange_round_trip_with_nbgrader_commands(tmp_path):
    """release_assignment -> a student's fetch_assignment and submit in a folder of their own ->
    collect: the notebook lands in submitted/<student>/week1/, through the course's exchange/."""
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "weeks" / "week1", course / "weeks" / "week1")
    student = tmp_path / "student"
    student.mkdir()
    env = bare_env(tmp_path / "home")
    exchange = f"--Exchange.root={course / 'exchange'}"

    def nbgrader(*args, cwd):
        proc = subprocess.run([str(VENV_BIN / "nbgrader"), *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=DEADLINE)
        assert proc.returncode == 0, f"nbgrader {args}:\n{proc.stdout}\n{proc.stderr}"
        return proc.stdout + proc.stderr

    nbgrader("release_assignment", "week1", cwd=course)
    assert (course / "exchange").is_dir()  # made by nbgrader_config.py
    nbgrader("fetch_assignment", "week1", "--course=cnn-course", exchange, cwd=student)
    fetched = student / "week1" / "conv_step.ipynb"
    assert fetched.read_bytes() == (ROOT / "weeks" / "week1" / "conv_step.ipynb").read_bytes()
    nb = nbformat.read(fetched, as_version=4)
    nb.cells[0].source += "\n\nMy answers."
    nbformat.write(nb, fetched)
    nbgrader("submit", "week1", "--course=cnn-course", "--student=alice", exchange, cwd=student)
    log = nbgrader("collect", "week1", cwd=course)
    assert re.search(r"Collecting submission: alice week1", log), log
    collected = course / "submitted" / "alice" / "week1"
    assert collected.joinpath("conv_step.ipynb").read_bytes() == fetched.read_bytes()
    assert collected.joinpath("conv_application.ipynb").exists()
    assert collected.joinpath("timestamp.txt").exists()


@pytest.mark.slow
def test_validate_command_prints_a_summary_and_no_tracebacks(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    notebook = ROOT / "weeks" / "week1" / "conv_step.ipynb"
    proc = subprocess.run([str(VENV_BIN / "nbgrader"), "validate", str(notebook)], cwd=course,
                          env=bare_env(tmp_path / "home"), capture_output=True, text=True,
                          timeout=DEADLINE)
    out = proc.stdout
    tests = len(grade_cells(nbformat.read(notebook, as_version=4)))
    assert out.startswith(f"VALIDATION FAILED ON {tests} CELL(S)!"), out[:500]
    assert out.count("The following cell failed:") == tests
    assert "Traceback" not in out and "---->" not in out
    for error in re.findall(r"The error was:\n\n(.*?)(?:\n=====|\Z)", out, re.S):
        assert len(error.strip().splitlines()) <= 2, error
