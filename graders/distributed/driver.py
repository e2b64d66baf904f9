"""The batch's side of grading on a Dask cluster (``graders.batch.autograde(scheduler=...)``).

``grade_on_cluster`` connects to the scheduler, checks every worker before anything is graded
(``check_workers``: the same course files as the batch's, one thread, bubblewrap where kernels
are sandboxed), gives each worker process its set-up (``cluster.GradingWorker``), then submits
one task per submission, a few more than there are worker threads at a time (each holds its
files' bytes, read here), and hands every outcome to the batch's ``record`` as it comes:

- a task's result: its graded files are written to ``autograded/`` here, then it is recorded;
- a worker that dies (killed, out of memory): Dask runs its tasks on other workers, so it
  costs nothing; a submission on which ``distributed.scheduler.allowed-failures`` + 1 workers
  died is not tried again (``KilledWorker``): it scores 0 with a message, graded again on the
  next run, like every failure of the grader's;
- the scheduler lost, or a worker whose course files differ: ``ClusterError``; what was
  recorded is kept, and the same command resumes.
"""
from __future__ import annotations

import os
import secrets
import shutil
from collections import Counter, deque
from pathlib import Path

from graders import batch
from graders.distributed import ClusterError, CourseMismatch

CONNECT_SECONDS = 30
WORKERS_SECONDS = 120           # how long to wait for a first worker to join
WORKER_ADVICE = ("start every worker from a checkout of the course at the batch's commit, set up "
                 "with `make setup` (and `make bwrap`), with the venv's `dask worker ADDRESS "
                 "--nthreads 1`; README: \"Grading on several machines\"")


def security_from(ca_file: str | None, cert: str | None, key: str | None):
    """A ``distributed.Security`` requiring TLS with these PEM files, or None when none is
    given (Dask's own configuration then applies, ``distributed.comm.tls``)."""
    given = [ca_file, cert, key]
    if not any(given):
        return None
    if not all(given):
        raise ValueError("--tls-ca-file, --tls-cert and --tls-key go together")
    for path in given:
        if not Path(path).is_file():
            raise ValueError(f"{path}: no such file")
    from distributed.security import Security

    return Security(tls_ca_file=ca_file, tls_client_cert=cert, tls_client_key=key,
                    require_encryption=True)


def connect(address: str, security=None):
    """A ``distributed.Client`` of the scheduler at ``address`` with at least one worker."""
    from distributed import Client

    if security is not None and getattr(security, "require_encryption", False) \
            and not address.startswith("tls://"):
        raise ClusterError(f"TLS is required, but {address} is not a tls:// address")
    try:
        client = Client(address, security=security, timeout=CONNECT_SECONDS,
                        set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({error}); is "
                           "`dask scheduler` running there, and the port open to this "
                           "machine?") from error
    try:
        client.wait_for_workers(1, timeout=WORKERS_SECONDS)
    except TimeoutError:
        client.close()
        raise ClusterError(f"no Dask worker joined the scheduler at {address} within "
                           f"{WORKERS_SECONDS} s; {WORKER_ADVICE}") from None
    return client


def check_workers(client, expected: str, sandbox: bool | None) -> tuple[bool, dict[str, int]]:
    """Check every worker of ``client``'s cluster by running ``cluster.worker_facts`` on it;
    raise ``ClusterError`` naming each worker that cannot grade this batch. Returns whether
    kernels are sandboxed (``sandbox`` None: when any worker can, and then every worker must)
    and the thread count for each host's kernels: its cores shared among its workers, as on
    one machine."""
    from graders.distributed.cluster import worker_facts

    facts = client.run(worker_facts, on_error="return")
    nthreads = client.nthreads()
    if sandbox is None:
        sandbox = any(isinstance(f, dict) and f["bwrap"] for f in facts.values())
    problems = []
    for address, fact in sorted(facts.items()):
        if not isinstance(fact, dict):
            problems.append(f"{address} cannot run the course's grader "
                            f"({type(fact).__name__}: {fact})"[:300])
        elif fact["digest"] != expected:
            problems.append(f"{address} has different course files ({fact['root']} on "
                            f"{fact['host']}: graders/ or utils/ differ from this checkout's)")
        elif nthreads.get(address, 1) != 1:
            problems.append(f"{address} runs {nthreads[address]} threads; grading needs one per "
                            "worker process (its warm sandbox holds one kernel at a time): use "
                            "`dask worker --nthreads 1 --nworkers N`")
        elif sandbox and not fact["bwrap"]:
            problems.append(f"{address} cannot sandbox kernels (bubblewrap is missing or cannot "
                            f"create a sandbox on {fact['host']}): `make bwrap` there, or grade "
                            "with --no-sandbox (only code you trust)")
    if problems:
        raise ClusterError(f"{len(problems)} of the {len(facts)} Dask workers cannot grade this "
                           "batch; nothing was graded:\n  " + "\n  ".join(problems)
                           + f"\n{WORKER_ADVICE}")
    per_host = Counter(get_host(address) for address in facts)
    threads = {host: max(1, min(f["cpus"] for a, f in facts.items() if get_host(a) == host)
                         // count) for host, count in per_host.items()}
    return sandbox, threads


def get_host(address: str) -> str:
    from distributed.comm import get_address_host

    return get_address_host(address)


def submission_files(folder: Path) -> dict[str, bytes | None]:
    """A submission folder's files (bytes) and folders (None), by path inside it."""
    files = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_dir():
            files[name] = None
        elif path.is_file():
            files[name] = path.read_bytes()
    return files


def task_files(folder: Path) -> tuple[dict | None, str | None]:
    """(``submission_files(folder)``, None), or (None, why the submission is not sent to a
    worker: a file over the notebook size limit, or one that cannot be read)."""
    try:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.stat().st_size > batch.MAX_NOTEBOOK_BYTES:
                return None, (f"this submission was not sent to a grading worker: "
                              f"{path.relative_to(folder)} is {path.stat().st_size / 2**20:.0f} "
                              f"MiB (at most {batch.MAX_NOTEBOOK_BYTES // 2**20} MiB a file); "
                              "it scores 0")
        return submission_files(folder), None
    except OSError as error:
        return None, batch.grader_failure("this submission", error)


def write_graded(course: Path, job: batch.Job, graded: dict[str, bytes]) -> None:
    """Write a task's graded files to ``autograded/<student>/<assignment>/``, replacing what a
    previous run left there, each file renamed into place whole."""
    from graders.distributed.cluster import inside

    graded_dir = course / "autograded" / job.student / job.assignment
    shutil.rmtree(graded_dir, ignore_errors=True)
    graded_dir.mkdir(parents=True)
    for name, data in graded.items():
        path = inside(graded_dir, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


def outcome(course: Path, job: batch.Job, keys: list[str], future) -> dict:
    """The result document of a finished task (its graded files written to ``autograded/``),
    or a failure grade; raises ``ClusterError`` when the batch cannot go on."""
    from distributed import CancelledError, KilledWorker

    try:
        value = future.result()
        if not isinstance(value, dict) or not isinstance(value.get("result"), dict):
            raise TypeError(f"the task returned {type(value).__name__}, not a result")
        write_graded(course, job, value["graded"])
        return value["result"]
    except KeyboardInterrupt:
        raise
    except CancelledError as error:
        raise ClusterError(f"lost the Dask scheduler ({getattr(error, 'reason', error)}); the "
                           "submissions graded so far are kept: run the same command to "
                           "resume") from None
    except CourseMismatch as error:
        raise ClusterError(f"{error}; {WORKER_ADVICE}") from None
    except KilledWorker as error:
        message = (f"this submission could not be graded: each of the "
                   f"{error.allowed_failures + 1} Dask workers that took it died while grading "
                   "it (killed, out of memory, or crashed by it); it scores 0 for now and is "
                   "graded again on the next run")
    except Exception as error:      # noqa: BLE001 - one submission never stops a batch
        message = batch.grader_failure("this submission", error)
    batch.discard_graded(course, job)
    return batch.failed_result(job, keys, message)


def grade_on_cluster(scheduler: str, todo: list[batch.Job], keys: dict[str, list[str]],
                     course: Path, record, log, security=None, timeout: float = 1800,
                     sandbox: bool | None = None, figures: bool = True, lean: bool = True,
                     warm: bool = True, grader=batch.grade_job) -> None:
    """Grade ``todo`` on the Dask cluster at ``scheduler``, calling ``record(job, result)`` here
    once for each, as results come. ``keys``: each assignment's source keys."""
    from distributed import as_completed

    from graders.distributed.cluster import (PLUGIN_NAME, GradingWorker, course_digest,
                                             grade_submission)
    from graders.sandbox import Limits
    from graders.sources import find_source
    from graders.warm import preload_for

    client = connect(scheduler, security)
    try:
        expected = course_digest()
        sandbox, threads = check_workers(client, expected, sandbox)
        limits = Limits(cpu_seconds=int(timeout)) if sandbox else None
        preload = preload_for(find_source(key).notebook() for assignment in keys
                              for key in keys[assignment])
        try:
            client.register_plugin(GradingWorker(threads, limits, preload, warm), name=PLUGIN_NAME)
        except Exception as error:
            raise ClusterError(f"setting up the Dask workers failed ({type(error).__name__}: "
                               f"{error}); nothing was graded") from error
        workers = client.nthreads()
        log(f"  {len(workers)} Dask workers on {len({get_host(a) for a in workers})} machine(s)"
            + (", kernels sandboxed" if sandbox else ", NO SANDBOX"))

        pending, futures, finished = deque(todo), {}, as_completed(loop=client.loop)

        def top_up() -> None:
            # a few tasks more than threads, each holding its files: a class is not all in memory
            window = max(2, 2 * sum(client.nthreads().values()))
            while pending and len(futures) < window:
                job = pending.popleft()
                files, refused = task_files(job.folder)
                if refused:
                    batch.discard_graded(course, job)
                    record(job, batch.failed_result(job, keys[job.assignment], refused))
                    continue
                future = client.submit(
                    grade_submission, job.student, job.assignment, files,
                    keys[job.assignment], expected, timeout, limits, figures, lean, warm, grader,
                    pure=False,
                    key=f"grade-{job.assignment}-{job.student}-{secrets.token_hex(4)}")
                futures[future] = job
                finished.add(future)

        top_up()
        for future in finished:
            job = futures.pop(future)
            record(job, outcome(course, job, keys[job.assignment], future))
            top_up()
    finally:
        try:
            client.close(timeout=10)    # cancels what is left (Ctrl-C, a ClusterError)
        except Exception:               # the scheduler may be gone
            pass
