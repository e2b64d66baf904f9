"""What runs on a Dask worker: the course digest, the worker plugin and the grading task.

A worker grades with its own checkout of the course (the one its ``graders`` package is
imported from): the graders, the answer key in ``graders/reference/`` and the ``utils/`` that
kernels import. ``course_digest`` sums those files up, so the batch can refuse a worker whose
checkout is not the batch's (``graders.distributed.driver``).

Each task holds a submission's files as bytes, writes them into a private folder, grades it
there with the batch's ``grade_job`` exactly as a local worker does, and returns the result
document with the graded files; it never sees the batch's course folder.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import threading
from pathlib import Path

from distributed import WorkerPlugin
from distributed.comm import get_address_host

from graders import batch
from graders.distributed import CourseMismatch
from graders.sandbox import ROOT

PLUGIN_NAME = "cnn-course-grading"
# What a worker grades with: the grading code, sources, answer key and mutants, and the utils/
# kernels import. Not data/: datasets are generated (`make data`) and checked by their tests.
COURSE_FOLDERS = ("graders", "utils")
# Tests only: a task for the student named in this variable of the worker's environment kills
# its worker process, as a submission that crashes whatever grades it would.
KILL_WORKER_ENV = "CNN_COURSE_TEST_KILL_WORKER_FOR"

# The process's warm sandbox (graders.warm) serves one kernel at a time: the plugin's set-up and
# tear-down and a task never use it at once.
_sandbox_lock = threading.Lock()
_digest: str | None = None      # this process's course digest, from when it was set up


def course_files(root: Path):
    """The files of ``root``'s course that grading depends on (``COURSE_FOLDERS``), without
    caches, hidden files and the notebooks ``make build`` generates from the sources."""
    for top in COURSE_FOLDERS:
        for path in (root / top).rglob("*"):
            parts = path.relative_to(root).parts
            if ("__pycache__" in parts or any(part.startswith(".") for part in parts)
                    or (parts[:2] == ("graders", "source") and path.suffix == ".ipynb")):
                continue
            if path.is_file():
                yield path


def course_digest(root: Path = ROOT) -> str:
    """sha256 of the names and contents of ``course_files(root)``."""
    return batch.digest(root, course_files(root))


def worker_facts() -> dict:
    """What the batch checks about a worker process before grading there (``client.run``)."""
    from graders.sandbox import available

    return {"digest": course_digest(), "root": str(ROOT), "host": socket.gethostname(),
            "cpus": os.cpu_count() or 1, "bwrap": available()}


def close_warm_sandbox() -> None:
    """Stop this process's warm sandbox; the next grading starts a new one."""
    from graders import warm

    # graders.warm keeps the process's sandbox in a module global (its workers never close it
    # before they exit); forget it too, or worker_sandbox() would hand out the closed one.
    if warm._sandbox is not None:
        warm._sandbox.close()
    warm._sandbox, warm._failed = None, False


class GradingWorker(WorkerPlugin):
    """Sets a Dask worker process up as ``graders.batch`` sets up a local pool's worker: its
    kernels' thread counts (``batch.worker_environment``; ``threads`` by host, 1 on a host the
    batch did not see) and, with ``warm``, its warm sandbox for ``limits`` that has imported
    ``preload``, started now rather than by the first submission. Closes the sandbox when the
    worker closes; the next batch's plugin, which replaces this one, keeps using it if it has
    the same limits and has imported what that batch needs (``graders.warm.worker_sandbox``)."""

    name = PLUGIN_NAME

    def __init__(self, threads: dict[str, int], limits, preload: tuple[str, ...], warm: bool):
        self.threads, self.limits, self.preload, self.warm = threads, limits, preload, warm

    async def setup(self, worker) -> None:
        # in a thread: starting the sandbox takes seconds, and the worker's event loop must
        # keep answering the scheduler meanwhile
        await asyncio.to_thread(self._setup, get_address_host(worker.address))

    def _setup(self, host: str) -> None:
        global _digest
        from graders.warm import worker_sandbox

        with _sandbox_lock:
            batch.worker_environment(self.threads.get(host, 1))
            _digest = course_digest()
            if self.warm:
                worker_sandbox(self.limits, self.preload)

    async def teardown(self, worker) -> None:
        from distributed.core import Status

        if worker.status in (Status.closing, Status.closing_gracefully, Status.closed):
            await asyncio.to_thread(self._teardown)

    def _teardown(self) -> None:
        with _sandbox_lock:         # after the task being graded, if any
            close_warm_sandbox()


def grade_submission(student: str, assignment: str, files: dict[str, bytes | None],
                     keys: list[str], expected_digest: str, timeout: float, limits=None,
                     figures: bool = True, lean: bool = True, warm: bool = True,
                     grader=batch.grade_job) -> dict:
    """The task: grade one submission from its files (``{path in the submission folder: bytes,
    or None for a folder}``) with ``grader`` (``batch.grade_job``) in a private folder.

    Returns ``{"result": the result document, "graded": {path: bytes}}``, the files the batch
    writes to ``autograded/<student>/<assignment>/``. Raises ``CourseMismatch`` on a worker
    whose course files are not ``expected_digest``'s.
    """
    global _digest
    if _digest is None:             # the plugin computes it; a worker without it is odd
        _digest = course_digest()
    if _digest != expected_digest:
        raise CourseMismatch(f"the Dask worker {worker_address()} joined with different course "
                             f"files ({ROOT} on {socket.gethostname()}: graders/ or utils/ differ "
                             "from the batch's checkout)")
    if student and os.environ.get(KILL_WORKER_ENV) == student:
        os.kill(os.getpid(), signal.SIGKILL)
    scratch = batch.new_scratch()
    try:
        folder = scratch / "submitted" / student / assignment
        folder.mkdir(parents=True)
        for name, data in files.items():
            path = inside(folder, name)
            if data is None:
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        with _sandbox_lock:
            result = grader(batch.Job(student, assignment, folder), keys, scratch, timeout, limits,
                            figures, lean, warm)
        graded_dir = scratch / "autograded" / student / assignment
        graded = {path.relative_to(graded_dir).as_posix(): path.read_bytes()
                  for path in sorted(graded_dir.rglob("*")) if path.is_file()}
        return {"result": result, "graded": graded}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def worker_address() -> str:
    from distributed import get_worker

    try:
        return get_worker().address
    except ValueError:              # called outside a worker's task
        return "(none)"


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refusing a name that leads out of ``folder``."""
    path = folder / name
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise ValueError(f"{name!r} is not a path inside a submission folder")
    return path
