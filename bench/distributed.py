"""Benchmark: the batch grader on Dask against the local pool, on this machine, in one run.

    .venv/bin/python bench/distributed.py [--students 8] [--notebook week1_conv_step] [--repeat 2]

(``make bench-distributed``.) A class of N submissions of one notebook (solution, a mutant,
the stub release and a corrupt file, in turn) is graded, each time in a fresh copy of the course,
``--repeat`` times each way, alternately:

1. by the local pool, ``graders.batch.autograde(workers=2)``;
2. on Dask: the first batch on a new cluster, a scheduler and 2 single-thread workers on
   127.0.0.1 (``graders.distributed.loopback``) started beforehand, as a cluster is (the batch
   still checks the workers and starts their warm sandboxes, as the pool's workers start
   theirs);
3. after the last repeat, on the same cluster: a second batch (a cluster that stays up grades
   the next class with its sandboxes warm), and one in which a worker is SIGKILLed as soon as
   it runs a submission: the seconds until its nanny's new worker process is back with its
   warm sandbox, and what the kill cost the batch.

No feedback is written (``--no-feedback``), so the figures are grading and the gradebook. The
best wall time of each way counts (other processes share this machine; its load is printed
before each part): it prints submissions per minute each way, Dask's overhead in percent of
the local pool's time (goal: at most 10%), and a projection, with its arithmetic: machines like
this one (2 cores, 2 workers) needed to grade 10,000 full-course submissions in an hour, from
README's "Performance" table (batch grader, seconds per submission, each notebook of the
course) and the overhead measured here. Compare figures of one run only.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
# Python puts this file's folder first on sys.path: `import distributed` would import this file
sys.path[:] = [str(HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

import nbformat  # noqa: E402

from graders import batch  # noqa: E402
from graders.course import Course  # noqa: E402
from graders.mutants import mutants_for  # noqa: E402
from graders.sources import find_source, splice  # noqa: E402

SUBMISSIONS = 10_000
HOUR = 3600
WORKERS = 2


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f}"


def write_class(course: Course, source, students: int) -> None:
    solution = source.notebook()
    release = nbformat.read(course.release_path(source), as_version=4)
    mutants = mutants_for(source.key)
    for k in range(students):
        folder = course.root / "submitted" / f"student{k:02d}" / source.assignment
        folder.mkdir(parents=True)
        target = folder / f"{source.stem}.ipynb"
        kind = k % 4
        if kind == 0:
            nbformat.write(solution, target)
        elif kind == 1:
            mutant = mutants[(k // 4) % len(mutants)]
            nbformat.write(splice(solution, mutant.function, mutant.source), target)
        elif kind == 2:
            nbformat.write(release, target)
        else:
            target.write_text('{"cells": [')


class Run:
    """One batch graded in a fresh copy of ``template``: its wall seconds (start-up, grading,
    gradebook) and its results."""

    def __init__(self, template: Path, scratch: Path, name: str, assignment: str, **options):
        root = scratch / name
        shutil.copytree(template, root)
        started = time.perf_counter()
        self.results = batch.autograde(root, [assignment], timeout=600, log=lambda line: None,
                                       sandbox=True, feedback=False, **options)
        self.wall = time.perf_counter() - started
        self.n = len(self.results)

    def scores(self) -> dict:
        return {r["student"]: r["score"] for r in self.results}


def sandbox_ready() -> bool:
    """Run on a worker: whether its warm sandbox is up."""
    from graders import warm

    return warm._sandbox is not None and warm._sandbox.alive()


def executing(dask_worker) -> list[str]:
    return [str(task.key) for task in dask_worker.state.executing]


def kill_while_grading(client, template: Path, scratch: Path, assignment: str, address: str):
    """Grade on Dask, SIGKILLing the first worker seen running a submission. Returns (the
    ``Run``, seconds from the kill until a new worker process is back with its warm sandbox)."""
    pids = client.run(os.getpid)
    outcome: dict = {}

    def run() -> None:
        outcome["run"] = Run(template, scratch, "killed", assignment, scheduler=address)

    thread = threading.Thread(target=run)
    thread.start()
    victim = None
    while victim is None and thread.is_alive():
        busy = [a for a, keys in client.run(executing).items() if keys]
        victim = busy[0] if busy else None
        time.sleep(0.05)
    if victim is None:
        raise RuntimeError("the batch ended before a worker could be killed")
    os.kill(pids[victim], signal.SIGKILL)
    killed = time.perf_counter()
    recovered = None
    while recovered is None and time.perf_counter() - killed < 600:
        ready = client.run(sandbox_ready, on_error="return")
        if any(ready[a] is True for a in ready if a not in pids):
            recovered = time.perf_counter() - killed
        time.sleep(0.05)
    if recovered is None:
        raise RuntimeError("no new worker came back within 600 s of the kill")
    thread.join()
    return outcome["run"], recovered


def readme_batch_seconds() -> dict[str, float]:
    """README's "Performance" table: batch grader seconds per submission, by notebook."""
    text = (HERE.parent / "README.md").read_text()
    rows = re.findall(r"^\| (week\d/\w+) \| [\d.]+ \| ([\d.]+) \| [\d.]+x \|$", text, re.M)
    return {notebook: float(seconds) for notebook, seconds in rows}


def best(runs: list[Run]) -> Run:
    return min(runs, key=lambda run: run.wall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=8)
    parser.add_argument("--notebook", default="week1_conv_step")
    parser.add_argument("--repeat", type=int, default=2,
                        help="local and Dask batches, alternately; the best of each counts")
    args = parser.parse_args()

    from distributed import Client

    from graders.distributed.loopback import LoopbackCluster

    source = find_source(args.notebook)
    scratch = Path(tempfile.mkdtemp(prefix="cnn-bench-dask-", dir="/tmp"))
    print(f"{args.students} submissions of {source.key}, {WORKERS} workers, {os.cpu_count()} cores",
          flush=True)
    local, cold = [], []
    try:
        with Course([source]) as course:
            write_class(course, source, args.students)
            for k in range(args.repeat):
                print(f"local pool ({load()})", flush=True)
                local.append(Run(course.root, scratch, f"local-{k}", source.assignment,
                                 workers=WORKERS))
                with LoopbackCluster(scratch / f"cluster-{k}", workers=WORKERS) as cluster:
                    client = Client(cluster.address, set_as_default=False)
                    client.wait_for_workers(WORKERS)
                    print(f"Dask, a new cluster's first batch ({load()})", flush=True)
                    cold.append(Run(course.root, scratch, f"dask-{k}", source.assignment,
                                    scheduler=cluster.address))
                    if k == args.repeat - 1:
                        print(f"Dask, its second batch ({load()})", flush=True)
                        warm = Run(course.root, scratch, "dask-again", source.assignment,
                                   scheduler=cluster.address)
                        print(f"Dask, a worker killed ({load()})", flush=True)
                        killed, recovered = kill_while_grading(
                            client, course.root, scratch, source.assignment, cluster.address)
                    client.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    runs = local + cold + [warm, killed]
    assert all(run.scores() == local[0].scores() for run in runs), [r.scores() for r in runs]
    assert all(not r.get("failed") for run in runs for r in run.results)

    base = best(local).wall
    overhead = (best(cold).wall - base) / base * 100

    def line(what: str, runs: list[Run]) -> str:
        walls = ", ".join(f"{run.wall:.1f}" for run in runs)
        top = best(runs)
        return (f"  {what:<30} {top.wall:5.1f} s  {top.n / top.wall * 60:5.1f} submissions/min  "
                f"{(top.wall - base) / base * 100:+6.1f}%   (walls: {walls} s)")

    print()
    print("Best wall time each way (start-up, grading, gradebook), submissions per minute, "
          "against the local pool:")
    print(line(f"local pool, {WORKERS} workers", local))
    print(line(f"Dask, {WORKERS} workers, first batch", cold))
    print(line("Dask, second batch", [warm]))
    print(line("Dask, a worker SIGKILLed", [killed]))
    print(f"Dask's overhead: {overhead:+.1f}% (goal <= 10%: "
          f"{'met' if overhead <= 10 else 'NOT met'}); the same grades every way, each "
          "submission recorded once")
    print(f"recovery from the kill: a new worker process with its warm sandbox after "
          f"{recovered:.1f} s; the batch's wall time {killed.wall - warm.wall:+.1f} s against the "
          "second batch")

    per_notebook = readme_batch_seconds()
    if not per_notebook:
        print("\nREADME's Performance table has no batch grader figures: no projection")
        return 0
    full = sum(per_notebook.values())
    factor = max(1.0, best(cold).wall / base)
    per_submission = full * factor
    machines = SUBMISSIONS * per_submission / HOUR
    print()
    print(f"Projection: {SUBMISSIONS:,} full-course submissions in one hour")
    print(f"  one full-course submission ({len(per_notebook)} notebooks) keeps a machine like this "
          f"({WORKERS} cores, {WORKERS} workers) busy for README's batch column:")
    print("    " + " + ".join(f"{s:g}" for s in per_notebook.values()) + f" = {full:.2f} s")
    print(f"  on Dask x {factor:.3f} (Dask's best wall / the pool's, above; at least 1) "
          f"= {per_submission:.2f} s")
    print(f"  {SUBMISSIONS:,} x {per_submission:.2f} s = {SUBMISSIONS * per_submission:,.0f} "
          f"machine-seconds; / {HOUR} s = {machines:.1f} -> {math.ceil(machines)} machines like "
          f"this one ({math.ceil(machines) * WORKERS} worker processes)")
    print("  plus the batch's own process, which records every result as it comes, then writes "
          "the gradebook, CSV and (without --no-feedback) the feedback")
    return 0


if __name__ == "__main__":
    sys.exit(main())
