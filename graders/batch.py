"""Grade every submission of a class in parallel: ``python -m graders autograde`` (``make grade``).

Submissions sit where nbgrader expects them: ``<course>/submitted/<student>/<assignment>/``.
Each one is graded *alone*, by ``nbgrader autograde`` in its own scratch copy of the course (a
shard with its own gradebook), so that:

- several submissions grade at once (one per worker, ``--workers``, default: every core);
- a submission that crashes, hangs or kills its kernel only affects its own grade;
- SQLite, which allows one writer, is written by the main process alone: it merges every
  shard's scores into ``<course>/gradebook.db`` at the end, then exports ``grades.csv``.

Before grading, each notebook is read and checked (unreadable JSON, a missing or misnamed
notebook and a malformed ``timestamp.txt`` become messages, not crashes), and cell tags and
metadata that could change how it executes are removed. Every finished submission leaves a
result file, ``<course>/autograded/.batch/<assignment>/<student>.json``, written atomically: an
interrupted batch (Ctrl-C, a killed process) resumes where it stopped, and a submission whose
files have not changed is not graded twice.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from graders.course import Course, NotebookResult, export_csv, read_results, tool_env
from graders.sources import Source, all_sources
from graders.verify import Verdict, read_log, verdicts, verification_notebook

RESULTS_DIR = Path("autograded") / ".batch"
# Cell metadata that changes execution: tags such as "skip-execution" or "raises-exception".
EXECUTION_TAGS = ("tags",)


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


# --------------------------------------------------------------------------- preparing a submission
def neutralise(nb) -> None:
    """Remove what could change how the notebook runs: cell tags, per-cell execution metadata,
    and the notebook's own choice of kernel."""
    for cell in nb.cells:
        for key in (*EXECUTION_TAGS, "execution", "jupyter"):
            cell.metadata.pop(key, None)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}


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


def valid_timestamp(text: str) -> bool:
    from nbgrader.utils import parse_utc

    try:
        parse_utc(text.strip())
        return True
    except Exception:
        return False


def stage(job: Job, sources: list[Source], target: Path) -> dict[str, str]:
    """Copy ``job``'s gradable notebooks into ``target``; return {notebook stem: problem}."""
    target.mkdir(parents=True, exist_ok=True)
    problems: dict[str, str] = {}
    present = sorted(p.name for p in job.folder.iterdir())
    for source in sources:
        path = job.folder / f"{source.stem}.ipynb"
        if not path.is_file():
            found = ", ".join(present) or "nothing"
            problems[source.stem] = (f"no {source.stem}.ipynb in the submission (it has: {found}); "
                                     "submit the notebook under its original name")
            continue
        nb, problem = read_submission(path)
        if problem:
            problems[source.stem] = problem
            continue
        neutralise(nb)
        nbformat.write(nb, target / path.name)
    stamp = job.folder / "timestamp.txt"
    if stamp.is_file():
        text = stamp.read_text(errors="replace")
        if valid_timestamp(text):
            (target / "timestamp.txt").write_text(text)
        else:
            problems["timestamp.txt"] = "timestamp.txt is not a date; graded without a timestamp"
    return problems


# --------------------------------------------------------------------------- grading one submission
class Runner:
    """Runs nbgrader in its own process group, so a timeout or Ctrl-C stops its kernel too."""

    def __init__(self):
        self.running: set[subprocess.Popen] = set()
        self.lock = threading.Lock()

    def nbgrader(self, args: list[str], cwd: Path, timeout: float,
                 env: dict | None = None) -> tuple[int | None, str]:
        return self.run("nbgrader", args, cwd, timeout, env)

    def run(self, module: str, args: list[str], cwd: Path, timeout: float,
            env: dict | None = None) -> tuple[int | None, str]:
        """``python -m module args`` in ``cwd``; (exit code or None on timeout, output)."""
        proc = subprocess.Popen([sys.executable, "-m", module, *args], cwd=cwd, env=tool_env(env),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        with self.lock:
            self.running.add(proc)
        try:
            out, _ = proc.communicate(timeout=timeout)
            return proc.returncode, out
        except subprocess.TimeoutExpired:
            self.kill(proc)
            out, _ = proc.communicate()
            return None, out
        finally:
            with self.lock:
                self.running.discard(proc)

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def kill_all(self) -> None:
        with self.lock:
            for proc in list(self.running):
                self.kill(proc)


def _failure_reason(returncode: int | None, log: str, timeout: float) -> str:
    if returncode is None:
        return (f"grading stopped after {timeout:.0f} s (an endless loop or very slow code?); "
                "tests that had not run score 0")
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    died = next((ln for ln in lines if "Kernel died" in ln or "DeadKernelError" in ln), None)
    if died:
        return "the notebook's kernel died while it ran (os._exit, a crash or too much memory)"
    tail = next((ln for ln in reversed(lines) if "[AutogradeApp | ERROR]" in ln), lines[-1] if lines else "")
    return f"nbgrader could not grade this submission: {tail[:300]}"


def sandbox_arguments(jupyter_dir: Path, workdir: Path, ipc: Path, limits, executor: str = "Execute",
                      env: dict | None = None) -> list[str]:
    """Options that make nbgrader/nbconvert run the kernel in bubblewrap (``graders.sandbox``).

    The caller must also set ``JUPYTER_PATH=jupyter_dir`` for the command.
    """
    from graders.sandbox import KERNEL_NAME, write_kernelspec

    workdir.mkdir(parents=True, exist_ok=True)
    ipc.mkdir(parents=True, exist_ok=True)
    write_kernelspec(jupyter_dir, workdir, ipc, limits, env=env)
    return [f"--{executor}.kernel_name={KERNEL_NAME}", "--KernelManager.transport=ipc",
            f"--KernelManager.ip={ipc / workdir.name}"]


def reverify(source: Source, submitted: Path, shard: Path, timeout: float, runner: Runner,
             limits) -> dict[str, Verdict] | str:
    """Run ``graders.verify`` on one staged notebook; its verdicts, or why it could not run."""
    nb = verification_notebook(source, nbformat.read(submitted, as_version=4))
    folder = shard / "verify" / source.stem
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "input.ipynb")
    log = folder / f"record-{secrets.token_hex(8)}.jsonl"
    env = {"CNN_COURSE_RECORD": str(log)}
    args = ["nbconvert", "--to", "notebook", "--execute", "--allow-errors",
            f"--ExecutePreprocessor.timeout={int(timeout)}", f"--output-dir={folder}",
            "--output=executed", str(folder / "input.ipynb")]
    if limits:
        args += sandbox_arguments(shard / "jupyter-verify" / source.stem, folder, shard / "ipc",
                                  limits, "ExecutePreprocessor", env)
        env["JUPYTER_PATH"] = str(shard / "jupyter-verify" / source.stem)
    code, output = runner.run("jupyter", args, cwd=folder, timeout=timeout, env=env)
    if code is None:
        return f"re-verification stopped after {timeout:.0f} s"
    executed = folder / "executed.ipynb"
    if code != 0 or not executed.exists():
        lines = [ln for ln in output.splitlines() if ln.strip()]
        return f"re-verification could not run: {lines[-1][:300] if lines else code}"
    return verdicts(source, read_log(log), nbformat.read(executed, as_version=4))


def apply_verdicts(result: NotebookResult, judged) -> list[str]:
    """Score ``result``'s tests by re-verification; return a flag for each disagreement."""
    flags = []
    for test in result.tests:
        if isinstance(judged, str):             # re-verification itself could not run
            verdict = Verdict(test.id, False, judged)
        else:
            verdict = judged.get(test.id, Verdict(test.id, False, "no re-verification verdict"))
        verified = test.max_score if verdict.passed else 0.0
        if verified != test.score:
            flags.append(f"{result.notebook}/{test.id}: {test.score:g} in the notebook's kernel, "
                         f"{verified:g} when re-verified ({verdict.reason})")
            test.score = verified
            test.message = (verdict.reason if not verdict.passed
                            else f"{test.message}; passed when re-verified outside the notebook")
    return flags


def grade_job(job: Job, template: Path, sources: list[Source], course: Path, timeout: float,
              runner: Runner, sandbox=None, verify: bool = True) -> dict:
    """Grade one submission in a scratch shard of ``template``; return its result document."""
    started = time.time()
    shard = Path(tempfile.mkdtemp(prefix="cnn-course-shard-"))
    try:
        shutil.copytree(template, shard, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("submitted", "autograded", "feedback"))
        problems = stage(job, sources, shard / "submitted" / job.student / job.assignment)
        failure = None
        if any((shard / "submitted" / job.student / job.assignment).glob("*.ipynb")):
            args = ["autograde", job.assignment, f"--student={job.student}", "--force"]
            env = {}
            if sandbox:
                args += sandbox_arguments(shard / "jupyter", shard / "autograded" / job.student
                                          / job.assignment, shard / "ipc", sandbox)
                env["JUPYTER_PATH"] = str(shard / "jupyter")
            code, log = runner.nbgrader(args, cwd=shard, timeout=timeout, env=env)
            if code != 0:
                failure = _failure_reason(code, log, timeout)
            verify = verify and code is not None      # a timed-out notebook would time out again
        notebooks = read_results(shard, sources, job.assignment, job.student)
        flags = []
        for source, result in zip(sources, notebooks):
            if result.notebook in problems:          # never ran: the notebook could not be read
                for test in result.tests:
                    test.score, test.message = 0.0, problems[result.notebook]
                continue
            for test in result.tests:
                if failure and test.score < test.max_score:
                    test.message = failure
            if verify:
                staged = shard / "submitted" / job.student / job.assignment / f"{source.stem}.ipynb"
                judged = reverify(source, staged, shard, timeout, runner, sandbox)
                flags += apply_verdicts(result, judged)
        graded = shard / "autograded" / job.student / job.assignment
        if graded.is_dir():
            destination = course / "autograded" / job.student / job.assignment
            shutil.rmtree(destination, ignore_errors=True)
            shutil.copytree(graded, destination)
        return {
            "student": job.student, "assignment": job.assignment, "digest": digest(job.folder),
            "score": sum(r.score for r in notebooks), "max_score": sum(r.max_score for r in notebooks),
            "notebooks": [r.as_dict() for r in notebooks],
            "problems": sorted(set(problems.values()) | ({failure} if failure else set())),
            "flags": flags,
            "seconds": round(time.time() - started, 2),
        }
    finally:
        shutil.rmtree(shard, ignore_errors=True)


def result_path(course: Path, job: Job) -> Path:
    return course / RESULTS_DIR / job.assignment / f"{job.student}.json"


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_result(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


# --------------------------------------------------------------------------- the gradebook
def merge(course: Path, results: list[dict]) -> None:
    """Write every result into ``course/gradebook.db`` (one writer: this process)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for result in results:
            gb.update_or_create_student(result["student"])
            try:
                gb.find_submission(result["assignment"], result["student"])
            except MissingEntry:
                gb.add_submission(result["assignment"], result["student"])
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
def autograde(course: Path, assignments: list[str] | None = None, students: list[str] | None = None,
              workers: int | None = None, timeout: float = 1800, force: bool = False,
              log=print, sandbox: bool | None = None, verify: bool = True) -> list[dict]:
    """Grade every submission (resuming), merge into the gradebook, export CSV; return results.

    ``sandbox``: run kernels in bubblewrap (``graders.sandbox``); None means "if available".
    """
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
    runner = Runner()
    templates = {}
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
    try:
        for assignment in sorted({job.assignment for job in todo}):
            templates[assignment] = Course(assignment_sources(course, assignment, sources_all))

        def run(job: Job) -> tuple[Job, dict]:
            sources = templates[job.assignment].sources
            result = grade_job(job, templates[job.assignment].root, sources, course, timeout, runner,
                               limits, verify)
            write_atomically(result_path(course, job), json.dumps(result, indent=1))
            notes = result["problems"] + [f"FLAGGED {flag}" for flag in result["flags"]]
            log(f"  {job.assignment}/{job.student}: {result['score']:g}/{result['max_score']:g} "
                f"({result['seconds']:.0f} s){' - ' + '; '.join(notes) if notes else ''}")
            return job, result

        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(run, job) for job in todo]
            try:
                for future in futures:
                    job, result = future.result()
                    results[job] = result
            except BaseException:
                for future in futures:
                    future.cancel()
                runner.kill_all()
                raise
    finally:
        for template in templates.values():
            template.close()
    ordered = [results[job] for job in jobs]
    merge(course, ordered)
    csv = export_csv(course)
    log(f"gradebook: {course / 'gradebook.db'}; scores exported to {csv}")
    return ordered
