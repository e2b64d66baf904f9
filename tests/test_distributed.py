"""The batch grader on Dask: a real scheduler and two workers, each a process on 127.0.0.1.

One cluster serves every test (its workers are restarted by their nannies when a test kills
them); its scheduler gives a task up after two of its workers died
(``allowed-failures`` 1), and its workers kill themselves for the student ``POISON``
(``cluster.KILL_WORKER_ENV``, read only where the test sets it).
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import nbformat  # noqa: E402
import pytest  # noqa: E402

from graders import batch  # noqa: E402
from graders.course import Course  # noqa: E402
from graders.distributed import ClusterError  # noqa: E402
from graders.distributed.cluster import KILL_WORKER_ENV  # noqa: E402
from graders.mutants import mutants_for  # noqa: E402
from graders.sources import find_source, grade_cells, splice  # noqa: E402

slow = pytest.mark.slow

SOURCE = find_source("week1_conv_step")
A = SOURCE.assignment
POINTS = grade_cells(SOURCE.notebook())
FULL = sum(POINTS.values())
MUTANT = next(m for m in mutants_for(SOURCE.key) if m.label == "forgot_bias")
MUTANT_SCORE = FULL - sum(p for gid, p in POINTS.items() if gid.startswith(MUTANT.function + "_"))
POISON = "poison-pill"
TIMEOUT = 120
WAIT = 300          # seconds any condition may take on a busy machine


def wait_until(condition, what: str, seconds: float = WAIT):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"still waiting after {seconds} s for {what}")


def alive(pid: int) -> bool:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def worker_pids(client) -> dict[str, int]:
    """{address: process id} of the workers, once there are two and both are alive."""
    def settled():
        pids = client.run(os.getpid, on_error="return")
        ok = len(pids) == 2 and all(isinstance(p, int) and alive(p) for p in pids.values())
        return pids if ok else None
    return wait_until(settled, "two live workers")


@pytest.fixture(scope="module")
def template():
    """An nbgrader course of the notebook, with its release; each test grades a copy."""
    with Course([SOURCE]) as course:
        yield course


@pytest.fixture(scope="module")
def cluster():
    import sys

    import cloudpickle
    from distributed import Client

    from graders.distributed.loopback import LoopbackCluster

    cloudpickle.register_pickle_by_value(sys.modules[__name__])     # workers cannot import it
    folder = Path(tempfile_dir())
    loopback = LoopbackCluster(folder, workers=2, env={KILL_WORKER_ENV: POISON},
                               scheduler_env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"})
    try:
        client = Client(loopback.address, set_as_default=False, timeout=60)
        try:
            yield loopback, client      # each test waits for the workers (worker_pids)
        finally:
            client.close()
    finally:
        loopback.close()
        shutil.rmtree(folder, ignore_errors=True)


def tempfile_dir() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="cnn-dask-", dir="/tmp")


def class_of(template: Course, folder: Path, submissions: dict) -> Path:
    """A copy of the template course in ``folder``, ``{student: notebook or text}`` submitted."""
    root = folder / "course"
    shutil.copytree(template.root, root)
    for student, content in submissions.items():
        target = root / "submitted" / student / A / f"{SOURCE.stem}.ipynb"
        target.parent.mkdir(parents=True)
        if isinstance(content, str):
            target.write_text(content)
        else:
            nbformat.write(nbformat.from_dict(content), target)
    return root


def gradebook_rows(root: Path) -> list[tuple]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return sorted((s.student.id, nb.name, g.name, g.auto_score, g.max_score)
                      for s in gb.assignment_submissions(A) for nb in s.notebooks
                      for g in nb.grades)


def csv_rows(root: Path) -> list[dict]:
    with open(root / "grades.csv") as fh:
        return sorted(csv.DictReader(fh), key=lambda row: row["student_id"])


def graded_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root / "autograded")) for p in (root / "autograded").rglob("*")
                  if p.is_file() and ".batch" not in p.parts)


def coalesced(outputs: list) -> list:
    """Outputs with consecutive stream outputs of one stream joined: how a kernel's printing is
    cut into messages depends on timing, not on what was printed."""
    joined: list = []
    for output in outputs:
        if (output.get("output_type") == "stream" and joined
                and joined[-1].get("output_type") == "stream"
                and joined[-1].get("name") == output.get("name")):
            joined[-1] = {**joined[-1], "text": joined[-1]["text"] + output["text"]}
        else:
            joined.append(dict(output))
    return joined


def graded_cells(path: Path) -> list[tuple]:
    """A graded notebook's cells: type, source, outputs (not ids or execution times)."""
    return [(cell.cell_type, cell.source,
             json.dumps(coalesced(cell.get("outputs", [])), sort_keys=True))
            for cell in nbformat.read(path, as_version=4).cells]


def record_lines(lines: list[str]) -> list[str]:
    """The students of the log's per-submission lines, in order."""
    return [line.split("/", 1)[1].split(":", 1)[0] for line in lines
            if line.startswith(f"  {A}/")]


def last_progress(lines: list[str]) -> list[str]:
    """The counts of the log's last progress line (one comes every 30 s, and one at the end)."""
    return [line for line in lines if line.startswith("  progress: ")][-1].split(", ")[:2]


def without_seconds(results: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "seconds"} for r in results]


def with_cell_source(nb, function: str, extra: str):
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        if cell.source.startswith(f"# GRADED FUNCTION: {function}\n"):
            cell.source += "\n" + extra
    return nb


@slow
def test_a_mixed_class_grades_the_same_on_dask_as_in_the_local_pool(cluster, template, tmp_path):
    loopback, client = cluster
    worker_pids(client)
    solution = SOURCE.notebook()
    release = nbformat.read(template.release_path(SOURCE), as_version=4)
    submissions = {"ann": solution, "ben": splice(solution, MUTANT.function, MUTANT.source),
                   "cid": release, "dee": '{"cells": [ this is not JSON'}
    local = class_of(template, tmp_path / "local", submissions)
    dask = class_of(template, tmp_path / "dask", submissions)
    local_lines, dask_lines = [], []
    by_pool = batch.autograde(local, [A], workers=1, timeout=TIMEOUT, log=local_lines.append,
                              sandbox=True, feedback=False)
    on_dask = batch.autograde(dask, [A], timeout=TIMEOUT, log=dask_lines.append, sandbox=True,
                              feedback=False, scheduler=loopback.address)

    assert {r["student"]: r["score"] for r in on_dask} == {
        "ann": FULL, "ben": MUTANT_SCORE, "cid": 0, "dee": 0}
    assert without_seconds(on_dask) == without_seconds(by_pool)     # tests, messages, digests
    assert gradebook_rows(dask) == gradebook_rows(local)
    assert len(gradebook_rows(dask)) == 4 * len(POINTS)
    assert csv_rows(dask) == csv_rows(local)
    assert {r["student_id"]: float(r["score"]) for r in csv_rows(dask)} == {
        "ann": FULL, "ben": MUTANT_SCORE, "cid": 0, "dee": 0}
    # the graded notebooks came back from the workers and were written here
    assert graded_files(dask) == graded_files(local) == [
        f"{s}/{A}/{SOURCE.stem}.ipynb" for s in ("ann", "ben", "cid")]
    for name in graded_files(dask):
        assert graded_cells(dask / "autograded" / name) == graded_cells(local / "autograded" / name)
    assert dask_lines[0].startswith(
        f"4 submissions: 0 already graded, 4 to grade on the Dask cluster at {loopback.address}")
    assert "  2 Dask workers on 1 machine(s), kernels sandboxed" in dask_lines
    for lines in (local_lines, dask_lines):
        assert sorted(record_lines(lines)) == ["ann", "ben", "cid", "dee"]
        assert last_progress(lines) == ["  progress: 4/4 graded", "0 failed"]

    again: list[str] = []       # resuming needs no cluster: everything is graded
    assert batch.autograde(dask, [A], log=again.append, scheduler="tcp://127.0.0.1:1",
                           feedback=False) == on_dask
    assert again[0].startswith("4 submissions: 4 already graded, 0 to grade")


def executing(dask_worker) -> list[str]:
    """The keys of the tasks a worker is running (run there by ``client.run``)."""
    return [str(task.key) for task in dask_worker.state.executing]


@slow
def test_a_worker_killed_while_grading_costs_nothing(cluster, template, tmp_path):
    """SIGKILL the worker grading "slow" (its conv_forward cell sleeps 4 s, so it is mid-grade):
    its task runs on a worker again; every submission is recorded exactly once."""
    loopback, client = cluster
    pids = worker_pids(client)
    solution = SOURCE.notebook()
    root = class_of(template, tmp_path, {
        "slow": with_cell_source(solution, "conv_forward", "import time\ntime.sleep(4)"),
        "sol": solution, "mut": splice(solution, MUTANT.function, MUTANT.source)})
    lines: list[str] = []
    outcome: dict = {}

    def run():
        try:
            outcome["results"] = batch.autograde(root, [A], timeout=TIMEOUT, log=lines.append,
                                                 sandbox=True, feedback=False,
                                                 scheduler=loopback.address)
        except BaseException as error:      # noqa: BLE001 - reported by the test
            outcome["error"] = error

    grading = threading.Thread(target=run)
    grading.start()

    def grading_slow():
        if not grading.is_alive():
            return "batch ended"
        for address, keys in client.run(executing, on_error="return").items():
            if isinstance(keys, list) and any(key.startswith(f"grade-{A}-slow-") for key in keys):
                return address
        return None

    address = wait_until(grading_slow, "a worker grading 'slow'")
    assert address in pids, (address, lines)
    os.kill(pids[address], signal.SIGKILL)
    grading.join(WAIT)
    assert not grading.is_alive() and "error" not in outcome, outcome
    assert not alive(pids[address])

    results = {r["student"]: r for r in outcome["results"]}
    assert {s: r["score"] for s, r in results.items()} == {"mut": MUTANT_SCORE, "slow": FULL,
                                                           "sol": FULL}
    assert all("failed" not in r and r["problems"] == [] for r in results.values())
    assert sorted(record_lines(lines)) == ["mut", "slow", "sol"]        # each recorded once
    assert sorted(p.name for p in (root / batch.RESULTS_DIR / A).iterdir()) == [
        "mut.json", "slow.json", "sol.json"]
    in_gradebook = {}
    for student, _, _, score, _ in gradebook_rows(root):
        in_gradebook[student] = in_gradebook.get(student, 0) + score
    assert in_gradebook == {s: r["score"] for s, r in results.items()}
    with sqlite3.connect(root / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("SELECT COUNT(*) FROM submitted_assignment").fetchone() == (3,)
    worker_pids(client)         # the nanny started a new worker process


@slow
def test_a_worker_with_other_course_files_is_refused_by_address(cluster, template, tmp_path):
    """A third worker runs from a copy of the course whose utils/ differ by one comment line,
    as a machine at another commit would; the batch names it (and no other) and grades nothing."""
    loopback, client = cluster
    good = set(worker_pids(client))
    checkout = tmp_path / "checkout"
    for folder in ("graders", "utils"):
        shutil.copytree(Path(batch.__file__).parent.parent / folder, checkout / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    with open(checkout / "utils" / "checks.py", "a") as fh:
        fh.write("\n# a later commit\n")
    other = loopback.start_worker(env={"PYTHONPATH": str(checkout)}, cwd=checkout, nanny=False)
    try:
        addresses = wait_until(lambda: len(client.scheduler_info()["workers"]) == 3
                               and set(client.scheduler_info()["workers"]), "the third worker")
        (bad,) = addresses - good
        root = class_of(template, tmp_path, {"ann": SOURCE.notebook()})
        with pytest.raises(ClusterError) as refused:
            batch.autograde(root, [A], timeout=TIMEOUT, log=lambda line: None, sandbox=True,
                            scheduler=loopback.address)
        message = str(refused.value)
        assert message.startswith("1 of the 3 Dask workers cannot grade this batch; nothing was "
                                  f"graded:\n  {bad} has different course files ({checkout} on ")
        assert not [address for address in good if address in message]
        assert not (root / batch.RESULTS_DIR).exists() and gradebook_rows(root) == []
    finally:
        loopback.stop_worker(other)
    wait_until(lambda: len(client.scheduler_info()["workers"]) == 2, "the third worker to leave")


@slow
def test_a_submission_that_kills_every_worker_is_given_up_with_a_message(cluster, template,
                                                                          tmp_path):
    loopback, client = cluster
    worker_pids(client)
    root = class_of(template, tmp_path, {POISON: SOURCE.notebook()})
    lines: list[str] = []
    (result,) = batch.autograde(root, [A], timeout=TIMEOUT, log=lines.append, sandbox=True,
                                feedback=False, scheduler=loopback.address)
    message = ("this submission could not be graded: each of the 2 Dask workers that took it "
               "died while grading it (killed, out of memory, or crashed by it); it scores 0 for "
               "now and is graded again on the next run")
    assert result["score"] == 0 and result["failed"] is True and result["digest"] is None
    assert result["problems"] == [message]
    assert {t["message"] for nb in result["notebooks"] for t in nb["tests"]} == {message}
    assert record_lines(lines) == [POISON]
    assert last_progress(lines) == ["  progress: 1/1 graded", "1 failed"]
    assert [score for *_, score, _ in gradebook_rows(root)] == [0.0] * len(POINTS)
    worker_pids(client)         # both nannies started new worker processes


def reversing_grader(job, keys, course, timeout, limits, figures, lean, warm):
    """A grader for ``grade_submission``: "grades" by writing each notebook reversed."""
    graded = course / "autograded" / job.student / job.assignment
    graded.mkdir(parents=True)
    for notebook in job.folder.glob("*.ipynb"):
        (graded / notebook.name).write_bytes(notebook.read_bytes()[::-1])
    return {"student": job.student, "keys": keys, "digest": batch.digest(job.folder),
            "seen": sorted(str(p.relative_to(job.folder)) for p in job.folder.rglob("*"))}


def test_a_task_grades_from_bytes_in_a_folder_of_its_own(tmp_path):
    from graders.distributed import CourseMismatch
    from graders.distributed.cluster import course_digest, grade_submission
    from graders.distributed.driver import submission_files

    folder = tmp_path / "submitted" / "ann" / A
    (folder / "data").mkdir(parents=True)
    (folder / "empty").mkdir()
    (folder / "nb.ipynb").write_bytes(b"{notebook}")
    (folder / "data" / "x.txt").write_bytes(b"x")
    files = submission_files(folder)
    assert files == {"data": None, "data/x.txt": b"x", "empty": None, "nb.ipynb": b"{notebook}"}
    value = grade_submission("ann", A, files, ["key"], course_digest(), 60,
                             grader=reversing_grader)
    assert value == {"result": {"student": "ann", "keys": ["key"], "digest": batch.digest(folder),
                                "seen": ["data", "data/x.txt", "empty", "nb.ipynb"]},
                     "graded": {"nb.ipynb": b"}koobeton{"}}
    with pytest.raises(ValueError, match="'../x' is not a path inside a submission folder"):
        grade_submission("ann", A, {"../x": b""}, [], course_digest(), 60, grader=reversing_grader)
    with pytest.raises(CourseMismatch, match="joined with different course files"):
        grade_submission("ann", A, files, [], "another digest", 60, grader=reversing_grader)


def test_the_progress_line_counts_rate_and_time_left():
    now = [100.0]
    progress = batch.Progress(10, every=30, clock=lambda: now[0])
    now[0] = 112.0
    assert progress.add({"score": 1}) is None                  # not due yet
    now[0] = 130.0
    assert progress.add({"failed": True}) == (
        "  progress: 2/10 graded, 1 failed, 4.0 per minute, about 2 min 0 s left")
    now[0] = 131.0
    assert progress.add({}) is None
    for _ in range(7):
        progress.add({})
    assert progress.line(now[0]) == (
        "  progress: 10/10 graded, 1 failed, 19.4 per minute, done in 31 s")
    assert batch.duration(7300) == "2 h 1 min"


def test_tls_options_make_a_security_that_requires_encryption(tmp_path):
    from graders.distributed.driver import connect, security_from

    pems = []
    for name in ("ca.pem", "cert.pem", "key.pem"):
        (tmp_path / name).write_text("-----BEGIN CERTIFICATE-----\n")
        pems.append(str(tmp_path / name))
    assert security_from(None, None, None) is None
    security = security_from(*pems)
    assert security.require_encryption is True
    assert (security.tls_ca_file, security.tls_client_cert, security.tls_client_key) == tuple(pems)
    with pytest.raises(ValueError, match="--tls-ca-file, --tls-cert and --tls-key go together"):
        security_from(pems[0], None, pems[2])
    with pytest.raises(ValueError, match="missing.pem: no such file"):
        security_from(pems[0], pems[1], str(tmp_path / "missing.pem"))
    with pytest.raises(ClusterError, match="TLS is required, but tcp://127.0.0.1:8786 is not a "
                                           "tls:// address"):
        connect("tcp://127.0.0.1:8786", security)


def test_the_command_line_keeps_workers_and_tls_to_their_own_mode(capsys):
    from graders.__main__ import main

    for argv in (["autograde", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2"],
                 ["autograde", "--tls-cert", "cert.pem"]):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--workers sizes the local pool; with --scheduler the cluster's workers grade" in err
    assert "--tls-ca-file, --tls-cert and --tls-key need --scheduler" in err
