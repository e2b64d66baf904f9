"""A Dask cluster on 127.0.0.1, every scheduler and worker a process of its own started with
this venv's ``dask`` command: what the tests and ``bench/distributed.py`` grade on, and a way to
try ``--scheduler`` on one machine.

    with LoopbackCluster(folder, workers=2) as cluster:
        autograde(course, scheduler=cluster.address)
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

START_SECONDS = 120
# Imported by every worker process as it starts (also one its nanny restarts), before it joins:
# the grader is ready when the first batch comes.
PRELOAD = "graders.distributed.cluster"


def grading_env(extra: dict | None = None) -> dict:
    """The environment a local batch's workers have, plus ``extra``: this process's, with this
    interpreter's bin folder first on PATH, as ``autograde`` sets it."""
    from graders.course import tools_on_path

    tools_on_path()
    return {**os.environ, **(extra or {})}


class LoopbackCluster:
    """A scheduler and ``workers`` single-thread workers (``dask worker --nthreads 1 --preload
    graders.distributed.cluster``, each with its nanny, which restarts a worker process that
    dies) on 127.0.0.1. Logs and Dask's files
    go to ``folder``. ``env`` is added to the environment of the workers, ``scheduler_env`` to
    the scheduler's (e.g. ``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES``). Every process
    is stopped by its process id (``stop_worker``, ``close``)."""

    def __init__(self, folder: Path, workers: int = 2, env: dict | None = None,
                 scheduler_env: dict | None = None):
        self.folder, self.env = Path(folder), env or {}
        self.folder.mkdir(parents=True, exist_ok=True)
        self.dask = str(Path(sys.executable).parent / "dask")
        self.scheduler_file = self.folder / "scheduler.json"
        self.workers: list[subprocess.Popen] = []
        self.scheduler = self._start(
            "scheduler", [self.dask, "scheduler", "--host", "127.0.0.1", "--port", "0",
                          "--no-dashboard", "--scheduler-file", str(self.scheduler_file)],
            grading_env(scheduler_env))
        try:
            self.address = self._wait_for_address()
            for _ in range(workers):
                self.start_worker()
        except BaseException:
            self.close()
            raise

    def _start(self, name: str, command: list[str], env: dict, cwd=None) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")
        try:
            # a session of its own: stopping it stops the nanny's worker process too
            return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                    cwd=cwd or self.folder, start_new_session=True)
        finally:
            log.close()

    def _wait_for_address(self) -> str:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.scheduler.poll() is not None:
                raise RuntimeError("the Dask scheduler exited: "
                                   + (self.folder / "scheduler.log").read_text()[-2000:])
            try:
                return json.loads(self.scheduler_file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        raise RuntimeError(f"the Dask scheduler did not start within {START_SECONDS} s")

    def start_worker(self, env: dict | None = None, cwd: Path | None = None,
                     nanny: bool = True) -> subprocess.Popen:
        """Start one more worker (``env`` added to the cluster's, run in ``cwd``); it joins the
        scheduler by itself (wait with ``Client.wait_for_workers``)."""
        name = f"worker-{len(self.workers)}"
        command = [self.dask, "worker", self.address, "--nworkers", "1", "--nthreads", "1",
                   "--no-dashboard", "--name", name, "--local-directory", str(self.folder / name),
                   "--preload", PRELOAD, "--nanny" if nanny else "--no-nanny"]
        worker = self._start(name, command, grading_env({**self.env, **(env or {})}), cwd)
        self.workers.append(worker)
        return worker

    def stop_worker(self, worker: subprocess.Popen) -> None:
        """Stop a worker (and its nanny) by its process id: SIGTERM, then SIGKILL."""
        stop(worker)
        if worker in self.workers:
            self.workers.remove(worker)

    def close(self) -> None:
        for worker in list(self.workers):
            self.stop_worker(worker)
        stop(self.scheduler)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def stop(process: subprocess.Popen, grace: float = 15) -> None:
    """Stop ``process`` and its session: SIGTERM, and SIGKILL after ``grace`` seconds."""
    for number in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, number)
        except ProcessLookupError:
            break
        try:
            process.wait(grace)
            break
        except subprocess.TimeoutExpired:
            continue
    if process.poll() is None:
        process.wait()
    try:
        os.killpg(process.pid, signal.SIGKILL)    # anything of its session still there
    except ProcessLookupError:
        pass
