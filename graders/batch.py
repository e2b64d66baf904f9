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
4. judges every test cell outside the kernel (``graders.verify``): this process, which holds
   the answer key and never runs student code, compares the values the checks logged with it
   (the kernel holds no hidden case's expected value, so it can judge only the visible ones).
   That verdict is the score, as under ``nbgrader autograde`` (``graders.verified_run``); a
   test where the kernel's own verdict on what it could judge differs is flagged;
5. writes the graded notebook, with each verdict under its test cell, to ``autograded/`` for
   nbgrader's feedback.

Only the main process writes: each finished submission leaves a result file,
``<course>/autograded/.batch/<assignment>/<student>.json``, written atomically, so an interrupted
batch (Ctrl-C, a killed process) resumes where it stopped and a submission whose files have not
changed is not graded twice. At the end the main process merges every result into nbgrader's
``gradebook.db`` (SQLite: one writer), exports ``grades.csv`` and generates the HTML feedback
(first removing ``autograded/`` folders a crashed batch left for students the gradebook has no
submission of, on which nbgrader would fail).

No submission stops the batch: any exception while grading one, in the worker or in this
process, and a worker process that dies, become that submission's grade (0, with a message);
such a grade has no digest, so the next run grades the submission again.

With ``--scheduler`` the submissions are graded by the workers of a Dask cluster instead of a
local pool (``graders.distributed``); everything else, this process's writing included, is the
same.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import secrets
import signal
import shutil
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, as_completed, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import nbformat

from graders.course import cell_message, export_csv, nbgrader, tools_on_path
from graders.sources import (GRADED_PREFIX, Source, all_sources, find_source, grade_cells,
                             graded_function)
from utils.checks import GRADING_LOG_ENV

RESULTS_DIR = Path("autograded") / ".batch"
PARTIAL_PREFIX = ".tmp-"
# Tags nbclient/nbconvert act on: a submission carrying them is flagged (they are ignored).
EXECUTION_TAGS = ("skip-execution", "raises-exception")
SHARD_PREFIX = "cnn-course-shard-"
# A submitted notebook larger than this is not read (outputs make notebooks big, but not this big).
MAX_NOTEBOOK_BYTES = 100 * 2**20
# A graded-function cell longer than this is not run: nobody writes that much code by hand, and
# its source would be copied into the graded notebook and the feedback.
MAX_GRADED_CELL_CHARS = 200_000
_SURROGATE = re.compile("[\ud800-\udfff]")


class BatchIncomplete(RuntimeError):
    """Every submission was graded, but a later step (gradebook, feedback) failed for some."""


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


def digest(folder: Path, files=None) -> str:
    """sha256 of a submission folder's file names and contents (what resuming compares);
    ``files``: only these files in ``folder`` (default: all of them)."""
    h = hashlib.sha256()
    if files is None:
        files = (p for p in folder.rglob("*") if p.is_file())
    for path in sorted(files):
        h.update(str(path.relative_to(folder)).encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


# --------------------------------------------------------------------------- reading a submission
def replace_surrogates(doc) -> int:
    """Replace every lone UTF-16 surrogate (JSON allows ``"\\ud800"``; UTF-8 cannot encode it, so
    neither the kernel's messages nor a saved notebook can hold one) in the strings and keys of a
    parsed JSON document with U+FFFD, in place; return how many were replaced."""
    count = 0

    def fix(text: str) -> str:
        nonlocal count
        text, n = _SURROGATE.subn("\ufffd", text)
        count += n
        return text

    stack = [doc]
    while stack:                        # not recursive: JSON may nest deeper than Python's stack
        node = stack.pop()
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for key, value in items:
            if isinstance(value, str) and _SURROGATE.search(value):
                node[key] = fix(value)
            elif isinstance(value, (dict, list)):
                stack.append(value)
            if isinstance(key, str) and _SURROGATE.search(key):
                node[fix(key)] = node.pop(key)
    return count


def read_submission(path: Path):
    """(notebook, None, notes) or (None, why it cannot be graded, notes); ``notes`` are
    problems that did not stop it being graded."""
    notes = []
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return None, (f"{path.name} is {size / 2**20:.0f} MiB, too large to grade (the limit "
                          f"is {MAX_NOTEBOOK_BYTES // 2**20} MiB); clear its outputs and submit "
                          "again"), notes
        raw = json.loads(path.read_bytes().decode("utf-8"))
    except (ValueError, RecursionError) as error:       # UnicodeDecodeError, JSONDecodeError
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        return None, f"{path.name} is not a readable notebook (invalid JSON: {reason})"[:500], notes
    major = raw.get("nbformat") if isinstance(raw, dict) else None
    if major not in (3, 4) or isinstance(major, bool):
        return None, (f"{path.name} has notebook format version {major!r:.40}; save it from "
                      "JupyterLab (format 4) and submit again"), notes
    replaced = replace_surrogates(raw)
    if replaced:
        notes.append(f"{path.name} holds {replaced} character(s) that are not valid Unicode (lone "
                     "UTF-16 surrogates); each was replaced by U+FFFD before grading")
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
        nbformat.validate(nb)
    except Exception as error:
        return None, f"{path.name} is not a valid notebook ({type(error).__name__}: {error})"[:500], notes
    for cell in nb.cells:
        name = graded_function(cell)
        if name and len(cell.source) > MAX_GRADED_CELL_CHARS:
            notes.append(f"the cell of {name} is {len(cell.source):,} characters long, more than "
                         f"the {MAX_GRADED_CELL_CHARS:,} a graded cell may have; it was not run")
            cell.source = (f"{GRADED_PREFIX}{name}\nraise ValueError('this cell was too long to "
                           f"grade ({len(cell.source):,} characters)')\n")
    return nb, None, notes


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
    points, message, flag or None). The verdicts are written into the cells' outputs
    (``graders.verify.apply_verdicts``), as ``nbgrader autograde`` does, so the messages and
    the feedback agree with the scores.

    A flag marks a test whose verdict differs from the kernel's own on what the kernel could
    judge (a failure on a hidden case, which a kernel never sees, is no disagreement).
    """
    from nbgrader.utils import determine_grade

    from graders.verify import Verdict, apply_verdicts

    points_of = grade_cells(source.notebook())
    if not isinstance(judged, dict):
        judged = {gid: Verdict(gid, False, str(judged)) for gid in points_of}
    cells = {}
    for index, cell in enumerate(run.cells):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid:
            cells[gid] = (index, cell)
    in_kernel = {gid: float(determine_grade(cells[gid][1])[0] or 0) if cells[gid][0] in ran else 0.0
                 for gid in points_of}
    for gid in points_of:
        verdict = judged.setdefault(gid, Verdict(gid, False, "no verdict"))
        if not verdict.passed and cells[gid][0] not in ran:
            verdict.reason = stopped or "the test cell did not run"
    apply_verdicts(run, judged)
    rows = []
    for gid, points in points_of.items():
        index, cell = cells[gid]
        verdict = judged[gid]
        verified = float(points) if verdict.passed else 0.0
        message = cell_message(cell, verdict.passed)
        flag = None
        if verified != in_kernel[gid] and not (verdict.hidden and in_kernel[gid] == points):
            flag = (f"{source.stem}/{gid}: {in_kernel[gid]:g} in the notebook's kernel, "
                    f"{verified:g} when judged outside it ({verdict.reason})")
        rows.append((gid, verified, float(points), message, flag))
    return rows


def grade_notebook(source: Source, nb, workdir: Path, timeout: float, limits, figures: bool,
                   lean: bool = True, warm=None):
    """Run and score one readable submitted notebook; (graded notebook, tests, problems, flags).

    ``lean``: run only the cells the tests need (``graders.verify.needed_cells``).
    """
    from nbgrader.preprocessors import LimitOutput

    from graders.execute import execute
    from graders.verify import (graded_notebook, lean_skip, read_log, skipped_note, verdicts,
                                verification_notebook)

    run = verification_notebook(source, nb, figures)
    skip = lean_skip(run) if lean else set()
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
        graded.cells.insert(0, skipped_note(len(skip)))
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


def grader_failure(what: str, error: BaseException) -> str:
    """The message a submission gets when grading it failed for a reason of the grader's."""
    return (f"{what} could not be graded: the grader failed ({type(error).__name__}: "
            f"{error})"[:400] + "; it scores 0 for now and is graded again on the next run")


def zero_tests(source: Source, message: str) -> list[dict]:
    return [{"id": gid, "score": 0.0, "max_score": float(points), "message": message}
            for gid, points in grade_cells(source.notebook()).items()]


def notebook_result(assignment: str, source: Source, tests: list[dict]) -> dict:
    return {"assignment": assignment, "notebook": source.stem,
            "score": sum(t["score"] for t in tests),
            "max_score": sum(t["max_score"] for t in tests), "tests": tests}


def failed_result(job: Job, keys: list[str], message: str, seconds: float = 0.0) -> dict:
    """A result document for a submission the grader could not grade: every test 0, with
    ``message``. It has no digest, so the next run grades the submission again."""
    notebooks = []
    for key in keys:
        source = find_source(key)
        notebooks.append(notebook_result(job.assignment, source, zero_tests(source, message)))
    try:
        timestamp = read_timestamp(job.folder)[0]
    except Exception:
        timestamp = None
    return {"student": job.student, "assignment": job.assignment, "digest": None,
            "timestamp": timestamp, "score": 0.0,
            "max_score": sum(n["max_score"] for n in notebooks), "notebooks": notebooks,
            "problems": [message], "flags": [], "seconds": round(seconds, 2), "failed": True}


def write_notebook_atomically(nb, path: Path) -> None:
    """Write ``nb`` to ``path`` so that no half-written notebook is ever there."""
    text = nbformat.writes(nb)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def new_scratch() -> Path:
    """A private folder for one submission's work folders, named after this process so that a
    later batch can remove it if this process is killed (``remove_abandoned_scratch``)."""
    remove_abandoned_scratch()
    return Path(tempfile.mkdtemp(prefix=f"{SHARD_PREFIX}{os.getpid()}-"))


def remove_abandoned_scratch() -> None:
    for folder in Path(tempfile.gettempdir()).glob(SHARD_PREFIX + "*"):
        try:
            pid = int(folder.name[len(SHARD_PREFIX):].split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not os.path.exists(f"/proc/{pid}"):
            shutil.rmtree(folder, ignore_errors=True)


def grade_job(job: Job, keys: list[str], course: Path, timeout: float, limits=None,
              figures: bool = True, lean: bool = True, warm: bool = True) -> dict:
    """Grade one submission (every notebook of its assignment); return its result document.

    Runs in a worker process. Writes ``course/autograded/<student>/<assignment>/``. ``warm``:
    fork sandboxed kernels in the worker's warm sandbox (``graders.warm``) where possible.
    Never raises for an ordinary exception: whatever fails becomes the submission's grade, with
    a message (``failed_result``).
    """
    started = time.time()
    try:
        return _grade_job(job, keys, course, timeout, limits, figures, lean, warm, started)
    except Exception as error:
        return failed_result(job, keys, grader_failure("this submission", error),
                             time.time() - started)


def _grade_job(job: Job, keys: list[str], course: Path, timeout: float, limits, figures: bool,
               lean: bool, warm: bool, started: float) -> dict:
    from graders.warm import preload_for, worker_sandbox

    sources = [find_source(key) for key in keys]
    sandbox = worker_sandbox(limits, preload_for(s.notebook() for s in sources)) if warm else None
    scratch = sandbox.scratch() if sandbox else new_scratch()
    os.chmod(scratch, 0o711)
    problems, flags, notebooks = [], [], []
    failed = False
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
            try:
                nb, problem, notes = read_submission(path) if path.is_file() else (None, (
                    f"no {source.stem}.ipynb in the submission (it has: "
                    f"{', '.join(present) or 'nothing'}); submit the notebook under its original "
                    "name"), [])
                problems += notes
                if problem:
                    tests = zero_tests(source, problem)
                    problems.append(problem)
                else:
                    workdir = scratch / source.stem
                    workdir.mkdir()
                    copy_other_files(job.folder, workdir)       # data files a student's code may open
                    left = max(1.0, deadline - time.monotonic())
                    graded, tests, stops, found = grade_notebook(source, nb, workdir, left, limits,
                                                                figures, lean, sandbox)
                    replace_surrogates(graded)      # a kernel's output may hold them too
                    write_notebook_atomically(graded, graded_dir / path.name)
                    problems += stops
                    flags += found
            except Exception as error:      # this notebook only: the others keep their grades
                (graded_dir / path.name).unlink(missing_ok=True)
                message = grader_failure(path.name, error)
                tests = zero_tests(source, message)
                problems.append(message)
                failed = True
            notebooks.append(notebook_result(job.assignment, source, tests))
        result = {
            "student": job.student, "assignment": job.assignment,
            "digest": None if failed else digest(job.folder),
            "timestamp": timestamp,
            "score": sum(n["score"] for n in notebooks),
            "max_score": sum(n["max_score"] for n in notebooks),
            "notebooks": notebooks, "problems": sorted(set(problems)), "flags": flags,
            "seconds": round(time.time() - started, 2),
        }
        if failed:
            result["failed"] = True
        return result
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
        result = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) else None


def reusable(previous: dict | None, job: Job, keys: list[str], course: Path) -> bool:
    """Whether ``previous`` (a result file) still grades ``job``: same files, same tests, and
    its graded notebooks are still in ``autograded/``."""
    if not previous or previous.get("failed") or previous.get("digest") != digest(job.folder):
        return False
    try:
        tests = {(n["notebook"], t["id"]) for n in previous["notebooks"] for t in n["tests"]}
    except (KeyError, TypeError):
        return False
    sources = [find_source(key) for key in keys]
    if tests != {(s.stem, gid) for s in sources for gid in grade_cells(s.notebook())}:
        return False
    return (course / "autograded" / job.student / job.assignment).is_dir()


# --------------------------------------------------------------------------- the gradebook
def merge(course: Path, results: list[dict]) -> list[str]:
    """Write every result into ``course/gradebook.db`` (one writer: this process). A result that
    cannot be written is left out (the others are written); returns why, one line each."""
    import warnings

    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.utils import parse_utc
    from sqlalchemy.exc import SAWarning

    errors = []
    with warnings.catch_warnings(), Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        warnings.simplefilter("ignore", SAWarning)   # nbgrader's add_submission trips autoflush
        for result in results:
            try:
                gb.update_or_create_student(result["student"])
                try:
                    submission = gb.find_submission(result["assignment"], result["student"])
                except MissingEntry:
                    submission = gb.add_submission(result["assignment"], result["student"])
                if result.get("timestamp"):
                    submission.timestamp = parse_utc(result["timestamp"])
                for notebook in result["notebooks"]:
                    for test in notebook["tests"]:
                        grade = gb.find_grade(test["id"], notebook["notebook"],
                                              result["assignment"], result["student"])
                        grade.auto_score = test["score"]
                        grade.needs_manual_grade = False
                gb.db.commit()
            except Exception as error:
                gb.db.rollback()
                errors.append(f"{result.get('assignment')}/{result.get('student')}: not written to "
                              f"the gradebook ({type(error).__name__}: {error})")
    return errors


def repair_autograded(course: Path, assignment: str) -> list[str]:
    """Remove what ``nbgrader generate_feedback`` cannot use from ``autograded/*/<assignment>/``:
    folders of students the gradebook has no submission for, and notebooks it does not list
    (a crashed batch leaves them; nbgrader then fails with "MissingEntry"). Returns what was
    removed."""
    from nbgrader.api import Gradebook, MissingEntry

    removed = []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        try:
            names = {nb.name for nb in gb.find_assignment(assignment).notebooks}
        except MissingEntry:
            names = set()
        students = {s.student.id for s in gb.assignment_submissions(assignment)} if names else set()
    for folder in sorted((course / "autograded").glob(f"*/{assignment}")):
        if not folder.is_dir() or folder.parent.name.startswith("."):
            continue
        if folder.parent.name not in students:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(str(folder.relative_to(course)))
            continue
        for notebook in folder.glob("*.ipynb"):
            if notebook.stem not in names:
                notebook.unlink(missing_ok=True)
                removed.append(str(notebook.relative_to(course)))
    return removed


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


def worker_environment(threads: int) -> None:
    """Set up a grading worker process's environment (a local pool's worker, or a Dask worker:
    ``graders.distributed``); its kernels use ``threads`` threads each.

    Each kernel gets its share of the cores: TensorFlow otherwise starts a thread per core in
    every kernel, and several kernels then fight over every core (on 2 cores, 2 workers
    training at once ran at half the speed of one after the other).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for name in THREAD_ENV:
        os.environ[name] = str(threads)


def _worker_init(threads: int, batch_pid: int) -> None:
    """Set up a local pool's worker process (``worker_environment``).

    The worker dies with the batch (``batch_pid``): a batch killed outright would otherwise
    leave its workers grading on, writing into ``autograded/`` while the resumed batch does.
    It leaves the batch's process group, so a Ctrl-C in the terminal reaches only the batch,
    which stops the workers: a worker that saw it too would have its kernel shut down under it
    (nbclient's handler) and return a grade from half a run.
    """
    if sys.platform.startswith("linux"):
        import ctypes
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != batch_pid:       # it died before prctl
        os._exit(1)
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker_environment(threads)


def duration(seconds: float) -> str:
    """``seconds`` for a person: "42 s", "3 min 5 s", "2 h 10 min"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


class Progress:
    """How far a batch of ``total`` submissions is: how many are recorded and how many of those
    failed (a provisional 0: the grader could not grade them), the rate since the batch started
    and the time left at that rate. ``add`` returns the line to print when ``every`` seconds
    have passed since the last one was due, and always for the last submission."""

    def __init__(self, total: int, every: float = 30.0, clock=time.monotonic):
        self.total, self.every, self.clock = total, every, clock
        self.started = self.last = clock()
        self.done = self.failed = 0

    def add(self, result: dict) -> str | None:
        self.done += 1
        self.failed += bool(result.get("failed"))
        now = self.clock()
        if self.done < self.total and now - self.last < self.every:
            return None
        self.last = now
        return self.line(now)

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-6)
        rate = self.done / elapsed * 60
        left = self.total - self.done
        when = (f"about {duration(left / rate * 60)} left" if left
                else f"done in {duration(elapsed)}")
        return (f"  progress: {self.done}/{self.total} graded, {self.failed} failed, "
                f"{rate:.1f} per minute, {when}")


def discard_graded(course: Path, job: Job) -> None:
    """Remove the graded notebooks of ``job`` from ``autograded/``: half a run's, not to be shown
    as feedback when its grade is a failure."""
    for notebook in (course / "autograded" / job.student / job.assignment).glob("*.ipynb"):
        notebook.unlink(missing_ok=True)


def _kill_pools(pools) -> None:
    for pool in pools:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            try:
                process.kill()      # their sandboxed kernels die with them (--die-with-parent)
            except Exception:
                pass
        pool.shutdown(wait=False, cancel_futures=True)


def autograde(course: Path, assignments: list[str] | None = None, students: list[str] | None = None,
              workers: int | None = None, timeout: float = 1800, force: bool = False,
              log=print, sandbox: bool | None = None, figures: bool = True,
              feedback: bool = True, lean: bool = True, warm: bool = True,
              grader=grade_job, scheduler: str | None = None, security=None) -> list[dict]:
    """Grade every submission (resuming), merge into the gradebook, export CSV, write feedback.

    ``sandbox``: run kernels in bubblewrap (``graders.sandbox``); None means "if available".
    ``figures``: render plots in the graded notebooks (off: faster; feedback shows none).
    ``lean``: run only the cells the tests need (off: every cell, as nbgrader does).
    ``warm``: fork sandboxed kernels from a warm sandbox per worker (``graders.warm``; off:
    every kernel starts cold in a sandbox of its own).
    ``grader``: what grades one submission in a worker (``grade_job``; tests replace it).
    ``scheduler``: grade on the Dask cluster of this scheduler address instead of a local pool
    of ``workers`` processes (``graders.distributed``; ``security``: its TLS settings, a
    ``distributed.Security``); the sandbox is then the workers' (``sandbox``: on all of them).
    Returns every submission's result document, in (student, assignment) order.

    No submission stops the batch: whatever goes wrong grading one (even its worker process
    dying) becomes that submission's grade with a message, and it is graded again on the next
    run. When a worker dies, the submissions it took down with it are graded again, each in a
    process of its own. Raises ``BatchIncomplete`` at the end if some result could not be
    written to the gradebook or the feedback failed (everything else is done by then).
    """
    from graders import sandbox as sandboxing

    tools_on_path()             # nbgrader's Gradebook runs `alembic` by name
    course = Path(course).resolve()
    if scheduler is None:           # on a cluster, the workers' sandboxes are checked instead
        if sandbox is None:
            sandbox = sandboxing.available()
        elif sandbox and not sandboxing.available():
            raise RuntimeError("bubblewrap (bwrap) is not installed or cannot create a sandbox "
                               "here; install Debian's `bubblewrap` or grade with --no-sandbox")
    limits = sandboxing.Limits(cpu_seconds=int(timeout)) if sandbox else None
    sources_all = all_sources()
    assignments = assignments or sorted({s.assignment for s in sources_all})
    workers = workers or os.cpu_count() or 1
    jobs = discover(course, assignments, students)
    remove_partial_results(course, assignments)
    ensure_assignments(course, assignments, sources_all)
    keys = {a: [s.key for s in assignment_sources(course, a, sources_all)]
            for a in sorted({job.assignment for job in jobs})}
    results: dict[Job, dict] = {}
    todo = []
    for job in jobs:
        previous = load_result(result_path(course, job))
        if not force and reusable(previous, job, keys[job.assignment], course):
            results[job] = previous
        else:
            todo.append(job)
    # assignments with more notebooks first: a long one started last keeps one worker busy
    # while the others have nothing left to do
    todo.sort(key=lambda job: -len(keys[job.assignment]))
    where = (f"on the Dask cluster at {scheduler}" if scheduler else f"on {workers} workers"
             + (", kernels sandboxed" if sandbox else ", NO SANDBOX"))
    log(f"{len(jobs)} submissions: {len(jobs) - len(todo)} already graded, {len(todo)} to grade "
        + where)
    progress = Progress(len(todo))

    def record(job: Job, result: dict) -> None:
        write_atomically(result_path(course, job), json.dumps(result, indent=1))
        results[job] = result
        notes = result["problems"] + [f"FLAGGED {flag}" for flag in result["flags"]]
        log(f"  {job.assignment}/{job.student}: {result['score']:g}/{result['max_score']:g} "
            f"({result['seconds']:.0f} s){' - ' + '; '.join(notes) if notes else ''}")
        line = progress.add(result)
        if line:
            log(line)

    def outcome(job: Job, future, died: str | None) -> dict | None:
        """The result of a finished future; None when its pool broke and ``died`` is None."""
        try:
            result = future.result()
            if not isinstance(result, dict):
                raise TypeError(f"the grader returned {type(result).__name__}, not a result")
            return result
        except KeyboardInterrupt:
            raise
        except BrokenProcessPool as error:
            if died is None:
                return None
            message = (f"this submission could not be graded: {died} ({error}); it scores 0 for "
                       "now and is graded again on the next run")
        except BaseException as error:      # noqa: BLE001 - one submission never stops a batch
            message = grader_failure("this submission", error)
        discard_graded(course, job)
        return failed_result(job, keys[job.assignment], message)

    if todo and scheduler:
        from graders.distributed.driver import grade_on_cluster

        grade_on_cluster(scheduler, todo, keys, course, record, log, security=security,
                         timeout=timeout, sandbox=sandbox, figures=figures, lean=lean, warm=warm,
                         grader=grader)
    elif todo:
        # spawn: a clean interpreter per worker (the caller may hold threads a fork would copy)
        threads = max(1, (os.cpu_count() or 1) // workers)

        def new_pool(size: int) -> ProcessPoolExecutor:
            pool = ProcessPoolExecutor(max_workers=size, initializer=_worker_init,
                                       initargs=(threads, os.getpid()),
                                       mp_context=multiprocessing.get_context("spawn"))
            pools.append(pool)
            return pool

        def submit(pool: ProcessPoolExecutor, job: Job):
            return pool.submit(grader, job, keys[job.assignment], course, timeout, limits,
                               figures, lean, warm)

        pools: list[ProcessPoolExecutor] = []
        try:
            pool = new_pool(min(workers, len(todo)))
            futures = {submit(pool, job): job for job in todo}
            broken = []
            for future in as_completed(futures):
                job = futures[future]
                result = outcome(job, future, died=None)
                if result is None:
                    broken.append(job)
                else:
                    record(job, result)
            pool.shutdown()
            pools.remove(pool)
            if broken:
                # Which submission took the worker down is not known: grade each of those it
                # left in a process of its own, so one that kills its process costs only itself.
                log(f"  a grading worker died; grading the {len(broken)} submissions left, each "
                    "in a process of its own")
                pending, running = list(broken), {}
                while pending or running:
                    while pending and len(running) < workers:
                        job = pending.pop(0)
                        alone = new_pool(1)
                        running[submit(alone, job)] = (job, alone)
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        job, alone = running.pop(future)
                        record(job, outcome(job, future, died="its grading process died (out "
                                            "of memory, or killed)"))
                        alone.shutdown()
                        pools.remove(alone)
        except BaseException:
            _kill_pools(pools)
            raise
    ordered = [results[job] for job in jobs]
    errors = merge(course, ordered)
    for error in errors:
        log(f"  ERROR {error}")
    csv = export_csv(course)
    log(f"gradebook: {course / 'gradebook.db'}; scores exported to {csv}")
    if feedback:
        for assignment in sorted({job.assignment for job in jobs}):
            for path in repair_autograded(course, assignment):
                log(f"  removed {path}: it has no entry in the gradebook (left by a crashed run?)")
            if not any(p for p in (course / "autograded").glob(f"*/{assignment}/*.ipynb")
                       if not p.name.startswith(".")):
                continue        # nothing to show (nbgrader would fail: "No notebooks were matched")
            try:
                nbgrader(["generate_feedback", assignment, "--force"], cwd=course)
            except RuntimeError as error:
                errors.append(f"feedback for {assignment}: {error}")
                log(f"  ERROR feedback for {assignment}: {error}")
        log(f"feedback for students: {course / 'feedback'}/<student>/<assignment>/*.html")
    if errors:
        raise BatchIncomplete(f"{len(errors)} problem(s) after grading; every other result is in "
                              "the gradebook, grades.csv and feedback/:\n" + "\n".join(errors))
    return ordered
