"""Run a notebook in a (sandboxed) Jupyter kernel, cell by cell, under one wall-clock deadline.

Used by the batch grader in its worker processes: nbclient drives the kernel from this process
(no ``jupyter nbconvert`` process per submission), the kernel is started by ``graders.sandbox``
when ``limits`` are given, and its ZeroMQ sockets are Unix sockets in a folder beside the work
folder (the sandbox has no network).
"""
from __future__ import annotations

import time
from pathlib import Path

from graders.course import tool_env


def kernel_manager(workdir: Path, limits=None, warm=None):
    """A KernelManager for a plain ``python3`` kernel, for the sandbox kernel of ``workdir``, or
    for a kernel forked in the warm sandbox ``warm`` (``graders.warm``)."""
    from jupyter_client.manager import AsyncKernelManager

    if warm is not None:
        try:
            warm.reset()
            return warm.kernel_manager(workdir)
        except (OSError, RuntimeError):     # no warm sandbox now: a cold one for this kernel
            pass
    if limits is None:
        return AsyncKernelManager(kernel_name="python3")
    from graders.sandbox import cold_kernel_manager

    return cold_kernel_manager(workdir, limits)


def execute(nb, workdir: Path, timeout: float, limits=None, env: dict | None = None,
            skip: set[int] = frozenset(), warm=None):
    """Run every code cell of ``nb`` but those in ``skip`` (in place) in ``workdir``; errors do
    not stop the run.

    Returns (indices of the cells that ran to completion or error, why the run stopped early or
    None). ``warm``: a ``graders.warm.WarmSandbox`` to fork the kernel in. A run stops early
    when ``timeout`` seconds have passed in all, or when the kernel dies
    (``os._exit``, a crash, a resource limit); the cells after that have no outputs.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    workdir.mkdir(parents=True, exist_ok=True)
    client = NotebookClient(nb, km=kernel_manager(workdir, limits, warm), allow_errors=True,
                            shutdown_kernel="immediate", startup_timeout=120,
                            resources={"metadata": {"path": str(workdir)}})
    deadline = time.monotonic() + timeout
    ran: set[int] = set()
    stopped = None
    try:
        # cleanup_kc: nbclient leaves a kernel it did not make the manager of running otherwise
        with client.setup_kernel(env=tool_env(env), cleanup_kc=True):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or index in skip:
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CellTimeoutError("deadline")
                client.timeout = max(1, int(left))
                client.execute_cell(cell, index)
                ran.add(index)
    except CellTimeoutError:
        stopped = (f"grading stopped after {timeout:.0f} s (an endless loop or very slow code?); "
                   "tests that had not run score 0")
    except DeadKernelError:
        stopped = ("the notebook's kernel died while it ran (os._exit, a crash or too much "
                   "memory); tests that had not run score 0")
    except RuntimeError as error:           # the kernel did not start
        stopped = f"the notebook's kernel could not start ({error})"
    return ran, stopped
