"""Benchmark: grading a synthetic class with plain nbgrader vs the batch grader, in one run.

    .venv/bin/python bench/grade.py [--students N] [--notebooks week1_conv_step ...] [--workers W]

The class: N students, each submitting every chosen notebook; student k submits, in turn, the
solution, the student release (stubs), one of the notebook's mutants, or a corrupt file. The same
submissions are graded in several ways, each in its own process so that their peak memory is
measured apart, and compared in pairs that do the same work:

- ``plain``: ``nbgrader autograde <assignment>`` per assignment, as an instructor would (no
  sandbox, no re-verification, one submission at a time) ...
- ``batch``: ... against ``graders.batch.autograde`` with ``--workers`` workers, sandboxed and
  re-verified, gradebook merged and CSV exported, without feedback (``--no-feedback``);
- ``plain+feedback``: ``nbgrader autograde``, then ``generate_feedback`` and ``export`` ...
- ``batch+feedback``: ... against the batch's default (it writes the feedback too);
- ``batch-cold``: ``batch`` with ``--cold-kernels`` (every kernel starts in a new sandbox and
  imports its libraries, instead of being forked from the worker's warm sandbox);
- ``batch-all-cells``: ``batch`` with ``--all-cells`` (lesson cells no test needs run too);
- ``batch-no-figures``: ``batch-all-cells`` with ``--no-figures`` (plots are not rendered).

Printed per way: wall seconds, seconds per submission (wall / submissions), submissions per
minute, throughput relative to its plain counterpart, and the peak resident memory of the
largest process it started (a kernel or a worker, in practice), from
``getrusage(RUSAGE_CHILDREN)``. The machine's core count and load are printed too: compare
ratios from one run only.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

import nbformat  # noqa: E402

from graders.course import Course, nbgrader  # noqa: E402
from graders.mutants import mutants_for  # noqa: E402
from graders.sources import find_source, splice  # noqa: E402


def build_class(course: Course, students: int) -> int:
    """Write the synthetic submissions into ``course``; return how many (student, assignment)."""
    pairs = set()
    for source in course.sources:
        solution = source.notebook()
        release = nbformat.read(course.release_path(source), as_version=4)
        mutants = mutants_for(source.key)
        for k in range(students):
            folder = course.root / "submitted" / f"student{k:03d}" / source.assignment
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{source.stem}.ipynb"
            kind = k % 4
            if kind == 0:
                nbformat.write(solution, target)
            elif kind == 1:
                nbformat.write(release, target)
            elif kind == 2:
                mutant = mutants[(k // 4) % len(mutants)]
                nbformat.write(splice(solution, mutant.function, mutant.source), target)
            else:
                target.write_text('{"cells": [ corrupt')
            pairs.add((k, source.assignment))
    return len(pairs)


class PeakMemory:
    """Samples /proc while grading: the largest peak resident memory (VmHWM) of any kernel, and
    of any grading process (nbgrader itself, or a batch worker), in MiB.

    ``getrusage`` cannot see them: sandboxed kernels are reaped inside bubblewrap's PID namespace.
    """

    def __init__(self, interval: float = 0.25):
        import threading

        self.kernel = self.grader = 0.0
        self.interval = interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    def sample(self) -> None:
        while not self.stop.wait(self.interval):
            for proc in Path("/proc").iterdir():
                try:
                    cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
                    if b"python" not in cmdline:
                        continue
                    hwm = next(int(line.split()[1]) for line in (proc / "status").read_text().splitlines()
                               if line.startswith("VmHWM:")) / 1024
                except (OSError, StopIteration, ValueError):
                    continue
                if b"ipykernel_launcher" in cmdline or b"kernel_server" in cmdline:   # warm: forked
                    self.kernel = max(self.kernel, hwm)
                elif b"multiprocessing" in cmdline or b"nbgrader" in cmdline:
                    self.grader = max(self.grader, hwm)


def run_mode(mode: str, notebooks: list[str], students: int, workers: int) -> dict:
    sources = [find_source(n) for n in notebooks]
    with Course(sources) as course:
        count = build_class(course, students)
        start = time.perf_counter()
        with PeakMemory() as peak:
            grade_class(mode, course, workers)
        seconds = time.perf_counter() - start
    return {"mode": mode, "submissions": count, "seconds": seconds,
            "kernel_mib": peak.kernel, "grader_mib": peak.grader}


def grade_class(mode: str, course: Course, workers: int) -> None:
    if mode.startswith("plain"):
        for assignment in course.assignments:
            try:
                nbgrader(["autograde", assignment, "--force"], cwd=course.root)
            except RuntimeError:
                pass   # nbgrader exits 1 when some submission fails; the others are graded
            if mode == "plain+feedback":
                nbgrader(["generate_feedback", assignment, "--force"], cwd=course.root)
        if mode == "plain+feedback":
            nbgrader(["export", "--to=grades.csv"], cwd=course.root)
    else:
        from graders.batch import autograde

        autograde(course.root, course.assignments, workers=workers, sandbox=True,
                  figures=(mode != "batch-no-figures"), feedback=(mode == "batch+feedback"),
                  lean=mode in ("batch", "batch+feedback", "batch-cold"), warm=mode != "batch-cold",
                  log=lambda *_: None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--notebooks", nargs="+", default=["week1_conv_step"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--modes", nargs="+", default=["plain", "batch", "batch-cold", "batch-all-cells",
                                                      "batch-no-figures",
                                                      "plain+feedback", "batch+feedback"])
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_mode(args.child, args.notebooks, args.students, args.workers)))
        return
    print(f"{args.students} students x {args.notebooks}, {args.workers} workers, "
          f"{os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.2f}")
    rows = []
    for mode in args.modes:
        out = subprocess.run([sys.executable, __file__, "--child", mode, "--students",
                              str(args.students), "--workers", str(args.workers), "--notebooks",
                              *args.notebooks], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    baselines = {r["mode"]: r for r in rows if r["mode"].startswith("plain")}
    print(f"{'mode':<17} {'seconds':>8} {'s/submission':>13} {'per minute':>11} "
          f"{'vs plain':>9} {'kernel MiB':>11} {'grader MiB':>11}")
    for r in rows:
        per_minute = 60 * r["submissions"] / r["seconds"]
        plain = baselines.get("plain+feedback" if r["mode"].endswith("+feedback") else "plain")
        ratio = (plain["seconds"] / r["seconds"]) if plain else float("nan")
        print(f"{r['mode']:<17} {r['seconds']:>8.1f} {r['seconds'] / r['submissions']:>13.2f} "
              f"{per_minute:>11.1f} {ratio:>8.2f}x {r['kernel_mib']:>11.0f} {r['grader_mib']:>11.0f}")
    print("vs plain: against plain nbgrader doing the same work (with feedback or without); "
          "goal: batch (sandboxed, re-verified) at least 3x")


if __name__ == "__main__":
    main()
