"""Benchmark: the course's speed figures, measured in one run on this machine (`make bench`).

    .venv/bin/python bench/course.py [--students N] [--notebooks KEY ...] [--skip-notebooks]
                                     [--skip-grading] [--skip-conv]

Three parts, printed as Markdown tables (README's "Performance" section shows the latest):

1. **Self-learners**: each solution notebook run from top to bottom in a fresh kernel, as "Run
   All" does (full training, every figure), in its folder under weeks/; seconds per notebook and
   the course total. Goals: no notebook over 3 minutes, the course under 10.
2. **Grading**: per notebook, a class of N students (solution, student release, a mutant and a
   corrupt file, in turn; see bench/grade.py) graded by plain ``nbgrader autograde`` and by the
   course's batch grader (sandboxed, lean, warm kernels, 2 workers); seconds per submission
   and the ratio. The last rows are a full-course submission: the per-notebook figures summed,
   then measured as a class does it, one batch of M students each submitting every notebook
   (``--class-size``), where the batch grader's start-up is paid once for the whole class.
   Goal: the batch grader at least 3x faster.
3. **Week 1 convolution**: bench/conv.py's forward and backward times, loops vs vectorised
   (utils/fastconv.py) vs ``tf.nn.conv2d``, and their ratios.

Each part runs its work one item at a time; the machine's load is printed before each, since
other processes make every figure slower (compare ratios within one run).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def load() -> str:
    return f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def run_notebook(source) -> tuple[float, list[str]]:
    """Seconds to run ``source``'s solution from top to bottom, and any errors or stderr."""
    from nbclient import NotebookClient

    from graders.ipc_kernel import IpcKernelManager

    nb = source.notebook()
    folder = ROOT / "weeks" / source.assignment
    client = NotebookClient(nb, timeout=1800, allow_errors=True, kernel_name="python3",
                            kernel_manager_class=IpcKernelManager,
                            resources={"metadata": {"path": str(folder)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    problems = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"cell {index}: {out.ename}: {str(out.evalue)[:120]}")
            elif out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"cell {index}: stderr: {out.text[:120]!r}")
    return seconds, problems


def notebooks_table(sources) -> list[str]:
    print(f"1. self-learners: solution notebooks run top to bottom ({load()})", flush=True)
    rows, total = [], 0.0
    for source in sources:
        seconds, problems = run_notebook(source)
        total += seconds
        flag = "" if seconds <= 180 else " (over 3 min)"
        rows.append(f"| {source.key} | {seconds:.0f}{flag} |")
        print(f"   {source.key}: {seconds:.1f} s" + (f"; PROBLEMS: {problems}" if problems else ""),
              flush=True)
    rows.append(f"| **course total** | **{total:.0f}** ({total / 60:.1f} min) |")
    return ["| notebook | seconds |", "|---|---|", *rows]


def grade_run(mode: str, keys: list[str], students: int, workers: int) -> dict:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "grade.py"), "--child", mode,
                           "--notebooks", *keys, "--students", str(students),
                           "--workers", str(workers)],
                          capture_output=True, text=True, cwd=ROOT, timeout=7200)
    if proc.returncode != 0:
        raise RuntimeError(f"bench/grade.py {mode} {keys} failed: {proc.stderr[-1500:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def grading_table(sources, students: int, workers: int, class_size: int = 0) -> list[str]:
    print(f"2. grading {students} submissions per notebook, plain nbgrader vs batch "
          f"({workers} workers; {load()})", flush=True)
    rows = []
    totals = {"plain": 0.0, "batch": 0.0}
    for source in sources:
        per = {}
        for mode in ("plain", "batch"):
            result = grade_run(mode, [source.key], students, workers)
            per[mode] = result["seconds"] / result["submissions"]
            totals[mode] += per[mode]
        rows.append(f"| {source.key} | {per['plain']:.2f} | {per['batch']:.2f} | "
                    f"{per['plain'] / per['batch']:.1f}x |")
        print(f"   {source.key}: plain {per['plain']:.2f} s, batch {per['batch']:.2f} s per submission",
              flush=True)
    rows.append(f"| **a full-course submission** (sum of the rows) | **{totals['plain']:.1f}** | "
                f"**{totals['batch']:.1f}** | **{totals['plain'] / totals['batch']:.1f}x** |")
    if class_size:
        print(f"   a class of {class_size}, every notebook each ({load()})", flush=True)
        whole = {}
        for mode in ("plain", "batch"):
            result = grade_run(mode, [s.key for s in sources], class_size, workers)
            whole[mode] = result["seconds"] / class_size
            print(f"   {mode}: {result['seconds']:.0f} s for {class_size} students, "
                  f"{result['submissions']} submissions (a student's week each), "
                  f"{class_size * len(sources)} notebooks", flush=True)
        rows.append(f"| **a full-course submission** (a class of {class_size}, graded together) | "
                    f"**{whole['plain']:.1f}** | **{whole['batch']:.1f}** | "
                    f"**{whole['plain'] / whole['batch']:.1f}x** |")
    return ["| notebook | plain nbgrader, s/submission | batch grader, s/submission | speed-up |",
            "|---|---|---|---|", *rows]


def parse_conv_times(stdout: str) -> dict[str, tuple[float, float]]:
    """``{implementation: (forward ms, backward ms)}`` from bench/conv.py's printed table."""
    times, reading = {}, False
    for line in stdout.splitlines():
        if line.startswith("implementation"):
            reading = True
            continue
        parts = line.rsplit(None, 2)
        if reading and len(parts) == 3:
            try:
                times[parts[0].strip()] = (float(parts[1]), float(parts[2]))
            except ValueError:
                reading = False
        elif reading:
            reading = False
    if not times:
        raise RuntimeError("could not read bench/conv.py's table:\n" + stdout)
    return times


def conv_table(extra: tuple[str, ...] = ()) -> list[str]:
    print(f"3. Week 1 convolution ({load()})", flush=True)
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "conv.py"), *extra],
                          capture_output=True, text=True, cwd=ROOT, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"bench/conv.py failed: {proc.stderr[-1500:]}")
    print("   " + "\n   ".join(proc.stdout.strip().splitlines()), flush=True)
    times = parse_conv_times(proc.stdout)
    fastest = (min(t[0] for t in times.values()), min(t[1] for t in times.values()))
    rows = [f"| {name} | {fwd:.3f} | {bwd:.3f} | {fwd / fastest[0]:.1f}x | {bwd / fastest[1]:.1f}x |"
            for name, (fwd, bwd) in times.items()]
    return ["| implementation | forward ms | backward ms | forward vs fastest | backward vs fastest |",
            "|---|---|---|---|---|", *rows]


def main(argv: list[str] | None = None) -> int:
    from graders.sources import all_sources, find_source

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--class-size", type=int, default=8,
                        help="students in the whole-course grading run (0: skip it)")
    parser.add_argument("--notebooks", nargs="+", default=None, help="keys, e.g. week1_conv_step")
    parser.add_argument("--skip-notebooks", action="store_true")
    parser.add_argument("--skip-grading", action="store_true")
    parser.add_argument("--skip-conv", action="store_true")
    args = parser.parse_args(argv)
    for quick in ("NBGRADER_EXECUTION", "CNN_COURSE_RECORD"):   # a self-learner trains fully
        os.environ.pop(quick, None)
    sources = [find_source(k) for k in args.notebooks] if args.notebooks else all_sources()
    start = time.perf_counter()
    tables = []
    if not args.skip_notebooks:
        tables.append(notebooks_table(sources))
    if not args.skip_grading:
        tables.append(grading_table(sources, args.students, args.workers, args.class_size))
    if not args.skip_conv:
        tables.append(conv_table())
    print()
    for table in tables:
        print("\n".join(table))
        print()
    print(f"measured in {time.perf_counter() - start:.0f} s; {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
