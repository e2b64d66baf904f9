"""Grade every submission of a class in parallel: ``python -m graders autograde`` (``make grade``).

Submissions sit where nbgrader expects them: ``<course>/submitted/<student>/<assignment>/``.
Worker processes (``--workers``, default: every core) take one submission at a time; for each
notebook a worker

1. reads and checks it: unreadable JSON, a wrong format version, a missing or misnamed
   notebook and a malformed ``timestamp.txt`` become messages, not crashes;
2. builds the notebook that is graded: the course's own cells (lesson code, test cells, hidden
   tests) around the student's graded-function cells (``graders.verify``). Nothing else of the
   submission runs, so cell tags, kernel choices, edited or deleted test cells and code in other
   cells cannot change the grade; tags that would have changed execution are flagged;
3. runs it once in a fresh kernel in a bubblewrap sandbox (``graders.sandbox``; as root the
   kernel is forked from the worker's warm sandbox, ``graders.warm``) with a grading log, under
   a wall-clock deadline (``graders.execute``). Only the cells the tests need run:
   set-up, graded functions, tests and what they depend on (``graders.verify.needed_cells``);
   lesson cells nobody depends on (plots, demos) do not (``--all-cells`` runs them too);
4. scores every test cell twice: as nbgrader does, from the kernel's outputs (an error or
   stderr scores 0: the "in-kernel" result), and by re-verification, comparing the values the
   checks recorded with the reference outputs, in this process, which holds them and the
   comparison code and never runs student code. The verified score counts; every disagreement
   is flagged;
5. writes the graded notebook to ``autograded/`` (with the outcome of re-verification under
   each test it changed) for nbgrader's feedback.

Only the main process writes: each finished submission leaves a result file,
``<course>/autograded/.batch/<assignment>/<student>.json``, written atomically, so an interrupted
batch (Ctrl-C, a killed process) resumes where it stopped and a submission whose files have not
changed is not graded twice. At the end the main process merges every result into nbgrader's
``gradebook.db`` (SQLite: one writer), exports ``grades.csv`` and generates the HTML feedback.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import secrets
import signal
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from graders.course import cell_message, export_csv, nbgrader
from graders.sources import Source, all_sources, find_source, grade_cells
from utils.checks import GRADING_LOG_ENV

RESULTS_DIR = Path("autograded") / ".batch"
PARTIAL_PREFIX = ".tmp-"
# Tags nbclient/nbconvert act on: a submission carrying them is flagged (they are ignored).
EXECUTION_TAGS = ("skip-execution", "raises-exception")


@dataclass(frozen=True)
class Job:
    student: str
    assignment: str
    folder: Path          # <course>/submitted/<student>/<assignment>


def discover(course: Path, assignments: list[str], students: list[str] | None = None) -> list[Job]:
    """Every (student, assignment) submission folder in ``course/submitted``, sorted."""
    jobs = []
    submitted = course / "submitted"
    for student_dir in sorted(submitted.iterdir()) if submitted.is_dir() else []:
        if not student_dir.is_dir() or (students and student_dir.name not in students):
            continue
        for assignment in assignments:
            folder = student_dir / assignment
            if folder.is_dir():
                jobs.append(Job(student_dir.name, assignment, folder))
    return jobs


def digest(folder: Path) -> str:
    """sha256 of a submission folder's file names and contents (what resuming compares)."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


# --------------------------------------------------------------------------- reading a submission
def read_submission(path: Path):
    """(notebook, None) or (None, why it cannot be graded)."""
    try:
        raw = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, f"{path.name} is not a readable notebook (invalid JSON: {error})"
    major = raw.get("nbformat") if isinstance(raw, dict) else None
    if major not in (3, 4):
        return None, (f"{path.name} has notebook format version {major!r}; save it from "
                      "JupyterLab (format 4) and submit again")
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
        nbformat.validate(nb)
    except Exception as error:
        return None, f"{path.name} is not a valid notebook ({type(error).__name__}: {error})"[:500]
    return nb, None


def execution_tags(nb) -> list[str]:
    """The execution-changing tags a notebook carries, e.g. ['skip-execution (3 cells)']."""
    counts: dict[str, int] = {}
    for cell in nb.cells:
        for tag in cell.get("metadata", {}).get("tags", []):
            if tag in EXECUTION_TAGS:
                counts[tag] = counts.get(tag, 0) + 1
    return [f"{tag} ({n} cell{'s' * (n > 1)})" for tag, n in sorted(counts.items())]


def valid_timestamp(text: str) -> bool:
    from nbgrader.utils import parse_utc

    try:
        parse_utc(text.strip())
        return True
    except Exception:
        return False


def read_timestamp(folder: Path) -> tuple[str | None, str | None]:
    """(timestamp text or None, problem or None) from ``folder/timestamp.txt``."""
    stamp = folder / "timestamp.txt"
    if not stamp.is_file():
        return None, None
    text = stamp.read_text(errors="replace").strip()
    if valid_timestamp(text):
        return text, None
    return None, "timestamp.txt is not a date; graded without a timestamp"


# --------------------------------------------------------------------------- grading one notebook
def score_tests(source: Source, run, ran: set[int], judged, stopped: str | None):
    """Per test cell of the executed verification notebook ``run``: (id, verified score,
    points, message, flag or None). A flagged cell gets a note of the verdict in its outputs."""
    from nbgrader.utils import determine_grade

    from graders.verify import Verdict

    cells = {}
    for index, cell in enumerate(run.cells):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid:
            cells[gid] = (index, cell)
    rows = []
    for gid, points in grade_cells(source.notebook()).items():
        index, cell = cells[gid]
        in_kernel = float(determine_grade(cell)[0] or 0) if index in ran else 0.0
        verdict = (judged.get(gid) if isinstance(judged, dict) else None) or Verdict(
            gid, False, judged if isinstance(judged, str) else "no re-verification verdict")
        verified = float(points) if verdict.passed else 0.0
        if verified == points:
            message = "passed" if in_kernel == points else "passed when re-verified outside the notebook"
        elif in_kernel < points:      # the kernel's own error says most about what is wrong
            message = cell_message(cell, False) if index in ran else (stopped or "did not run")
        else:
            message = verdict.reason
        flag = None
        if verified != in_kernel:
            flag = (f"{source.stem}/{gid}: {in_kernel:g} in the notebook's kernel, {verified:g} "
                    f"when re-verified ({verdict.reason})")
            cell.outputs.append(nbformat.v4.new_output(
                "stream", name="stdout",
                text=f"\n[grader] Re-verified outside this notebook: {verdict.reason}.\n"))
        rows.append((gid, verified, float(points), message, flag))
    return rows


def grade_notebook(source: Source, nb, workdir: Path, timeout: float, limits, figures: bool,
                   lean: bool = True, warm=None):
    """Run and score one readable submitted notebook; (graded notebook, tests, problems, flags).

    ``lean``: run only the cells the tests need (``graders.verify.needed_cells``).
    """
    from nbgrader.preprocessors import LimitOutput

    from graders.execute import execute
    from graders.verify import (graded_notebook, needed_cells, read_log, verdicts,
                                verification_notebook)

    run = verification_notebook(source, nb, figures)
    skip = set()
    if lean:
        needed = needed_cells(run)
        skip = {i for i, c in enumerate(run.cells) if c.cell_type == "code" and i not in needed}
    log = workdir / f".record-{secrets.token_hex(8)}.jsonl"
    # NBGRADER_EXECUTION: what nbgrader sets, so lesson cells take their quick path (utils.training)
    ran, stopped = execute(run, workdir, timeout, limits,
                           {GRADING_LOG_ENV: str(log), "NBGRADER_EXECUTION": "autograde"}, skip, warm)
    try:
        judged = verdicts(source, read_log(log), run)
    except Exception as error:                  # never fail the batch on one odd log
        judged = f"re-verification could not read the run's records ({type(error).__name__})"
    rows = score_tests(source, run, ran, judged, stopped)
    graded = graded_notebook(run)
    if skip:
        graded.cells.insert(0, nbformat.v4.new_markdown_cell(
            f"*Graded run: {len(skip)} lesson cells that no test depends on (plots, demos) were "
            "not run, so they show no output here. Run the notebook yourself to see them.*"))
    LimitOutput().preprocess(graded, {})
    tests = [{"id": gid, "score": score, "max_score": points, "message": message}
             for gid, score, points, message, _ in rows]
    flags = [flag for *_, flag in rows if flag]
    tags = execution_tags(nb)
    if tags:
        flags.append(f"{source.stem}: the submission tagged cells {', '.join(tags)}; "
                     "tags were ignored")
    return graded, tests, [stopped] if stopped else [], flags


def copy_other_files(folder: Path, target: Path) -> None:
    """Copy the files of a submission folder that are not notebooks into ``target``."""
    for path in folder.iterdir():
        if path.is_file() and path.suffix != ".ipynb":
            shutil.copy(path, target / path.name)


def grade_job(job: Job, keys: list[str], course: Path, timeout: float, limits=None,
              figures: bool = True, lean: bool = True, warm: bool = True) -> dict:
    """Grade one submission (every notebook of its assignment); return its result document.

    Runs in a worker process. Writes ``course/autograded/<student>/<assignment>/``. ``warm``:
    fork sandboxed kernels in the worker's warm sandbox (``graders.warm``) where possible.
    """
    from graders.warm import preload_for, worker_sandbox

    started = time.time()
    sources = [find_source(key) for key in keys]
    sandbox = worker_sandbox(limits, preload_for(s.notebook() for s in sources)) if warm else None
    scratch = sandbox.scratch() if sandbox else Path(tempfile.mkdtemp(prefix="cnn-course-shard-"))
    os.chmod(scratch, 0o711)
    problems, flags, notebooks = [], [], []
    graded_dir = course / "autograded" / job.student / job.assignment
    shutil.rmtree(graded_dir, ignore_errors=True)
    graded_dir.mkdir(parents=True)
    deadline = time.monotonic() + timeout
    try:
        present = sorted(p.name for p in job.folder.iterdir())
        copy_other_files(job.folder, graded_dir)        # as nbgrader does
        timestamp, problem = read_timestamp(job.folder)
        if problem:
            problems.append(problem)
        for source in sources:
            path = job.folder / f"{source.stem}.ipynb"
            points = grade_cells(source.notebook())
            nb, problem = read_submission(path) if path.is_file() else (None, (
                f"no {source.stem}.ipynb in the submission (it has: {', '.join(present) or 'nothing'}); "
                "submit the notebook under its original name"))
            if problem:
                tests = [{"id": gid, "score": 0.0, "max_score": float(p), "message": problem}
                         for gid, p in points.items()]
                problems.append(problem)
            else:
                workdir = scratch / source.stem
                workdir.mkdir()
                copy_other_files(job.folder, workdir)       # data files a student's code may open
                left = max(1.0, deadline - time.monotonic())
                graded, tests, stops, found = grade_notebook(source, nb, workdir, left, limits,
                                                            figures, lean, sandbox)
                nbformat.write(graded, graded_dir / path.name)
                problems += stops
                flags += found
            notebooks.append({"assignment": job.assignment, "notebook": source.stem,
                              "score": sum(t["score"] for t in tests),
                              "max_score": sum(t["max_score"] for t in tests), "tests": tests})
        return {
            "student": job.student, "assignment": job.assignment, "digest": digest(job.folder),
            "timestamp": timestamp,
            "score": sum(n["score"] for n in notebooks),
            "max_score": sum(n["max_score"] for n in notebooks),
            "notebooks": notebooks, "problems": sorted(set(problems)), "flags": flags,
            "seconds": round(time.time() - started, 2),
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def result_path(course: Path, job: Job) -> Path:
    return course / RESULTS_DIR / job.assignment / f"{job.student}.json"


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # not *.json: a reader globbing for results must never see a half-written one
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=PARTIAL_PREFIX, suffix=".part")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def remove_partial_results(course: Path, assignments: list[str]) -> None:
    """Delete temporary files a killed batch left before it could rename them into place."""
    for assignment in assignments:
        for leftover in (course / RESULTS_DIR / assignment).glob(PARTIAL_PREFIX + "*"):
            leftover.unlink(missing_ok=True)


def load_result(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


# --------------------------------------------------------------------------- the gradebook
def merge(course: Path, results: list[dict]) -> None:
    """Write every result into ``course/gradebook.db`` (one writer: this process)."""
    import warnings

    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.utils import parse_utc
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings(), Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        warnings.simplefilter("ignore", SAWarning)   # nbgrader's add_submission trips autoflush
        for result in results:
            gb.update_or_create_student(result["student"])
            try:
                submission = gb.find_submission(result["assignment"], result["student"])
            except MissingEntry:
                submission = gb.add_submission(result["assignment"], result["student"])
            if result.get("timestamp"):
                submission.timestamp = parse_utc(result["timestamp"])
            for notebook in result["notebooks"]:
                for test in notebook["tests"]:
                    grade = gb.find_grade(test["id"], notebook["notebook"], result["assignment"],
                                          result["student"])
                    grade.auto_score = test["score"]
                    grade.needs_manual_grade = False
            gb.db.commit()


def ensure_assignments(course: Path, assignments: list[str], sources: list[Source]) -> None:
    """Make sure ``course``'s gradebook knows each assignment's notebooks and test cells."""
    from nbgrader.api import Gradebook, MissingEntry

    from graders.course import generate_release, write_source_notebooks

    missing = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for assignment in assignments:
            try:
                if not gb.find_assignment(assignment).notebooks:
                    missing.append(assignment)
            except MissingEntry:
                missing.append(assignment)
    if missing:
        write_source_notebooks(course, [s for s in sources if s.assignment in missing])
        for assignment in missing:
            generate_release(course, assignment)


def assignment_sources(course: Path, assignment: str, sources: list[Source]) -> list[Source]:
    """The sources of ``assignment`` whose notebooks ``course``'s gradebook lists."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        names = {nb.name for nb in gb.find_assignment(assignment).notebooks}
    return [s for s in sources if s.assignment == assignment and s.stem in names]


# --------------------------------------------------------------------------- the batch
# Thread pools of the numeric libraries a kernel uses (TensorFlow, oneDNN/OpenMP, BLAS).
THREAD_ENV = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS",
              "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


PR_SET_PDEATHSIG = 1


def _worker_init(threads: int, batch_pid: int) -> None:
    """Set up a worker process; its kernels use ``threads`` threads each.

    Each kernel gets its share of the cores: TensorFlow otherwise starts a thread per core in
    every kernel, and several kernels then fight over every core (on 2 cores, 2 workers
    training at once ran at half the speed of one after the other).

    The worker dies with the batch (``batch_pid``): a batch killed outright would otherwise
    leave its workers grading on, writing into ``autograded/`` while the resumed batch does.
    """
    if sys.platform.startswith("linux"):
        import ctypes
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != batch_pid:       # it died before prctl
        os._exit(1)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for name in THREAD_ENV:
        os.environ[name] = str(threads)


def autograde(course: Path, assignments: list[str] | None = None, students: list[str] | None = None,
              workers: int | None = None, timeout: float = 1800, force: bool = False,
              log=print, sandbox: bool | None = None, figures: bool = True,
              feedback: bool = True, lean: bool = True, warm: bool = True) -> list[dict]:
    """Grade every submission (resuming), merge into the gradebook, export CSV, write feedback.

    ``sandbox``: run kernels in bubblewrap (``graders.sandbox``); None means "if available".
    ``figures``: render plots in the graded notebooks (off: faster; feedback shows none).
    ``lean``: run only the cells the tests need (off: every cell, as nbgrader does).
    ``warm``: fork sandboxed kernels from a warm sandbox per worker (``graders.warm``; off:
    every kernel starts cold in a sandbox of its own).
    Returns every submission's result document, in (student, assignment) order.
    """
    from concurrent.futures import as_completed

    from graders import sandbox as sandboxing

    course = Path(course).resolve()
    if sandbox is None:
        sandbox = sandboxing.available()
    elif sandbox and not sandboxing.available():
        raise RuntimeError("bubblewrap (bwrap) is not installed or cannot create a sandbox here; "
                           "install Debian's `bubblewrap` or grade with --no-sandbox")
    limits = sandboxing.Limits(cpu_seconds=int(timeout)) if sandbox else None
    sources_all = all_sources()
    assignments = assignments or sorted({s.assignment for s in sources_all})
    workers = workers or os.cpu_count() or 1
    jobs = discover(course, assignments, students)
    remove_partial_results(course, assignments)
    results: dict[Job, dict] = {}
    todo = []
    for job in jobs:
        previous = load_result(result_path(course, job))
        if not force and previous and previous.get("digest") == digest(job.folder):
            results[job] = previous
        else:
            todo.append(job)
    log(f"{len(jobs)} submissions: {len(jobs) - len(todo)} already graded, {len(todo)} to grade "
        f"on {workers} workers" + (", kernels sandboxed" if sandbox else ", NO SANDBOX"))
    ensure_assignments(course, assignments, sources_all)
    keys = {a: [s.key for s in assignment_sources(course, a, sources_all)]
            for a in sorted({job.assignment for job in todo})}
    if todo:
        # spawn: a clean interpreter per worker (the caller may hold threads a fork would copy)
        threads = max(1, (os.cpu_count() or 1) // workers)
        pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), initializer=_worker_init,
                                   initargs=(threads, os.getpid()),
                                   mp_context=multiprocessing.get_context("spawn"))
        futures = {pool.submit(grade_job, job, keys[job.assignment], course, timeout, limits,
                               figures, lean, warm): job for job in todo}
        try:
            for future in as_completed(futures):
                job = futures[future]
                result = future.result()
                write_atomically(result_path(course, job), json.dumps(result, indent=1))
                results[job] = result
                notes = result["problems"] + [f"FLAGGED {flag}" for flag in result["flags"]]
                log(f"  {job.assignment}/{job.student}: {result['score']:g}/{result['max_score']:g} "
                    f"({result['seconds']:.0f} s){' - ' + '; '.join(notes) if notes else ''}")
        except BaseException:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()          # their sandboxed kernels die with them (--die-with-parent)
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    ordered = [results[job] for job in jobs]
    merge(course, ordered)
    csv = export_csv(course)
    log(f"gradebook: {course / 'gradebook.db'}; scores exported to {csv}")
    if feedback:
        for assignment in sorted({job.assignment for job in jobs}):
            nbgrader(["generate_feedback", assignment, "--force"], cwd=course)
        log(f"feedback for students: {course / 'feedback'}/<student>/<assignment>/*.html")
    return ordered
