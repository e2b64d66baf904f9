"""The batch grader on a Dask cluster: ``python -m graders autograde --scheduler tcp://HOST:8786``.

The batch (``graders.batch.autograde``) stays the one process that reads ``submitted/`` and
writes ``autograded/``, the result files, ``gradebook.db``, ``grades.csv`` and the feedback;
each submission is a Dask task that gets the submission's files as bytes and returns its result
document and graded notebooks.

- ``cluster``: what runs on the workers: the digest of the course files, the worker plugin
  that sets a worker process up as the local pool's workers are (environment, warm sandbox),
  and the task that grades one submission;
- ``driver``: what runs in the batch's process: connecting, checking every worker before
  grading, submitting the submissions, and turning each finished task into a result to record;
- ``loopback``: a scheduler and workers started as processes on 127.0.0.1 (tests, benchmark).

This module imports nothing of Dask: the command line imports it for the error types.
"""
from __future__ import annotations


class ClusterError(RuntimeError):
    """The cluster cannot grade this batch (unreachable, no workers, a worker that cannot grade
    or has other course files, the scheduler lost); the message says why and what to do.
    Whatever was graded before it is kept, and the same command resumes."""


class CourseMismatch(RuntimeError):
    """Raised by a task on a worker whose course files differ from the batch's."""
