"""``nbgrader autograde``'s execution step, judged outside the kernel like the batch grader's.

``nbgrader_config.py`` puts ``VerifiedExecute`` where nbgrader's ``Execute`` was, so plain
``nbgrader autograde`` (and ``python -m graders grade``, which runs it) scores exactly as
``graders.batch`` does: the course's cells around the student's graded functions, run in a
sandboxed kernel when bubblewrap is available (only the cells the tests need, as the batch
runs them), every test cell judged from the grading log
against the answer key by this process (``graders.verify``), and the verdicts written into
the cells that nbgrader's ``SaveAutoGrades`` then scores.
"""
from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Integer

from utils.checks import GRADING_LOG_ENV


class VerifiedExecute(NbGraderPreprocessor):
    """Run a submitted notebook as the course's verification notebook and judge it."""

    timeout = Integer(1800, help="seconds for the whole notebook (the kernel is stopped after)"
                      ).tag(config=True)
    sandbox = Bool(True, help="run the kernel in the bubblewrap sandbox when bwrap works here"
                   ).tag(config=True)
    lean = Bool(True, help="run only the cells the tests need, as the batch grader does "
                "(graders.verify.needed_cells); False runs every cell").tag(config=True)

    def preprocess(self, nb, resources):
        from graders import sandbox as sandboxing
        from graders.execute import execute
        from graders.sources import find_source
        from graders.verify import (apply_verdicts, graded_notebook, lean_skip, read_log,
                                    skipped_note, verdicts, verification_notebook)

        info = resources.get("nbgrader", {})
        source = find_source(f"{info['assignment']}/{info['notebook']}")
        run = verification_notebook(source, nb)
        skip = lean_skip(run) if self.lean else set()
        limits = None
        if self.sandbox and sandboxing.available():
            limits = sandboxing.Limits(cpu_seconds=self.timeout)
        scratch = Path(tempfile.mkdtemp(prefix="cnn-course-nbgrader-"))
        os.chmod(scratch, 0o711)
        try:
            workdir = scratch / "work"
            workdir.mkdir()
            origin = Path(resources.get("metadata", {}).get("path") or ".")
            for path in origin.iterdir() if origin.is_dir() else []:
                if path.is_file() and path.suffix != ".ipynb":
                    shutil.copy(path, workdir / path.name)
            log = workdir / f".record-{secrets.token_hex(8)}.jsonl"   # the kernel writes it
            env = {GRADING_LOG_ENV: str(log), "NBGRADER_EXECUTION": "autograde"}
            ran, stopped = execute(run, workdir, float(self.timeout), limits, env, skip)
            judged = verdicts(source, read_log(log), run)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if stopped:
            for verdict in judged.values():
                if not verdict.passed and "did not run" in verdict.reason:
                    verdict.reason = stopped
        graded = graded_notebook(run)
        apply_verdicts(graded, judged)
        if skip:
            graded.cells.insert(0, skipped_note(len(skip)))
        graded.metadata = nb.metadata
        return graded, resources
