"""Run a notebook in a (sandboxed) Jupyter kernel, cell by cell, under one wall-clock deadline.

Used by the batch grader in its worker processes: nbclient drives the kernel from this process
(no ``jupyter nbconvert`` process per submission), the kernel is started by ``graders.sandbox``
when ``limits`` are given, and its ZeroMQ sockets are Unix sockets in a folder beside the work
folder (the sandbox has no network).

The kernel's connection file (which holds its key) is written to a private folder of this run,
``<tmp>/cnn-course-keys-<pid>-*``, removed when the run ends; the folders of processes that
were killed before they could remove theirs are removed by the next run. The outputs a notebook
keeps are capped (``CELL_OUTPUT_CHARS`` per cell, ``NOTEBOOK_OUTPUT_CHARS`` per notebook), with a
note in each cell that lost some; errors and a cell's first stderr output, which decide a test
cell's in-kernel verdict, are always kept (shortened).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from graders.course import tool_env

KEYS_PREFIX = "cnn-course-keys-"
CELL_OUTPUT_CHARS = 256 * 1024          # characters of output one cell keeps
NOTEBOOK_OUTPUT_CHARS = 4 * 2**20       # ... and a whole notebook
VERDICT_CHARS = 2000                    # an error, or a first stderr output, is kept up to this


def local_kernel_manager(folder: Path | None = None):
    """A kernel manager for a plain ``python3`` kernel whose sockets are in ``folder`` (default:
    Jupyter's runtime folder); see :class:`graders.ipc_kernel.IpcKernelManager`."""
    from graders.ipc_kernel import IpcKernelManager

    return IpcKernelManager(kernel_name="python3", ip=IpcKernelManager.socket_prefix(folder))


def kernel_manager(workdir: Path, limits=None, warm=None, keys: Path | None = None):
    """A KernelManager for a plain ``python3`` kernel (its sockets in ``keys``), for the sandbox
    kernel of ``workdir``, or for a kernel forked in the warm sandbox ``warm``
    (``graders.warm``)."""
    if warm is not None:
        try:
            warm.reset()
            return warm.kernel_manager(workdir)
        except (OSError, RuntimeError):     # no warm sandbox now: a cold one for this kernel
            pass
    if limits is None:
        return local_kernel_manager(keys)
    from graders.sandbox import cold_kernel_manager

    return cold_kernel_manager(workdir, limits)


# --------------------------------------------------------------------------- connection files
def remove_abandoned_keys() -> None:
    """Delete the key folders of runs whose process is gone (killed before it could clean up)."""
    for folder in Path(tempfile.gettempdir()).glob(KEYS_PREFIX + "*"):
        try:
            pid = int(folder.name[len(KEYS_PREFIX):].split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not os.path.exists(f"/proc/{pid}"):
            shutil.rmtree(folder, ignore_errors=True)


def private_keys_folder() -> Path:
    """A new folder, readable only by this user, for one kernel's connection file."""
    remove_abandoned_keys()
    return Path(tempfile.mkdtemp(prefix=f"{KEYS_PREFIX}{os.getpid()}-"))   # mode 0700


# --------------------------------------------------------------------------- output caps
def output_size(out) -> int:
    """Characters an output holds (text, data, traceback)."""
    kind = out.get("output_type")
    if kind == "stream":
        text = out.get("text", "")
        return len(text) if isinstance(text, str) else sum(map(len, text))
    if kind == "error":
        return (len(str(out.get("ename", ""))) + len(str(out.get("evalue", "")))
                + sum(len(str(line)) for line in out.get("traceback", [])))
    size = 0
    for value in (out.get("data") or {}).values():
        if isinstance(value, str):
            size += len(value)
        elif isinstance(value, list):
            size += sum(len(str(v)) for v in value)
        else:
            size += len(str(value))
    return size


def _shorten_error(out) -> None:
    evalue = str(out.get("evalue", ""))
    if len(evalue) > VERDICT_CHARS:
        out["evalue"] = evalue[:VERDICT_CHARS] + " [... cut]"
    kept, room = [], VERDICT_CHARS
    for line in reversed([str(line) for line in out.get("traceback", [])]):
        if len(line) > room:
            kept.append(line[:room] + " [... cut]" if not kept else "[... traceback cut]")
            break
        kept.append(line)
        room -= len(line)
    out["traceback"] = kept[::-1]


class OutputBudget:
    """What one cell's outputs may still hold; ``admit`` each output in order."""

    def __init__(self, chars: int):
        self.left = max(0, chars)
        self.kept = 0
        self.cut = 0
        self.stderr = False

    def admit(self, out) -> bool:
        """Whether ``out`` stays (shortened in place if need be) or must be dropped."""
        size = output_size(out)
        kind = out.get("output_type")
        keep_at_least = 0
        if kind == "error":                       # decides the in-kernel verdict: always kept
            _shorten_error(out)
            keep_at_least = output_size(out)
        elif kind == "stream" and out.get("name") == "stderr" and not self.stderr:
            keep_at_least = VERDICT_CHARS         # the same: some stderr must stay stderr
        elif kind == "execute_result" and size <= VERDICT_CHARS:
            keep_at_least = size                  # a partial-credit number
        if kind == "stream" and out.get("name") == "stderr":
            self.stderr = True
        room = max(self.left, keep_at_least)
        if size <= room:
            self._keep(size)
            return True
        if kind == "stream" and room > 0:
            text = out.get("text", "")
            text = text if isinstance(text, str) else "".join(text)
            out["text"] = text[:room]
            self.cut += size - room
            self._keep(room)
            return True
        if kind == "error":
            self.cut += size - keep_at_least
            self._keep(keep_at_least)
            return True
        self.cut += size
        return False

    def _keep(self, size: int) -> None:
        self.kept += size
        self.left = max(0, self.left - size)


def cut_note(chars: int) -> str:
    return (f"\n[grader] {chars:,} characters of this cell's output were cut: a cell keeps at "
            f"most {CELL_OUTPUT_CHARS:,} characters of output and a notebook "
            f"{NOTEBOOK_OUTPUT_CHARS:,}.\n")


def cap_outputs(nb, already_cut: dict[int, int] | None = None) -> int:
    """Trim every code cell's outputs to the caps (in place) and add a note to each cell that
    lost output (``already_cut``: characters already dropped per cell index). Returns the number
    of characters cut in all."""
    import nbformat

    used, total = 0, 0
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        budget = OutputBudget(min(CELL_OUTPUT_CHARS, NOTEBOOK_OUTPUT_CHARS - used))
        cell["outputs"] = [out for out in cell.get("outputs", []) if budget.admit(out)]
        used += budget.kept
        cut = budget.cut + (already_cut or {}).get(index, 0)
        if cut:
            cell["outputs"].append(nbformat.v4.new_output("stream", name="stdout",
                                                          text=cut_note(cut)))
            total += cut
    return total


def capped_client_class():
    """nbclient's NotebookClient, keeping at most the capped outputs while a notebook runs (so a
    kernel that prints gigabytes does not fill this process's memory)."""
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        def output(self, outs, msg, display_id, cell_index):
            out = super().output(outs, msg, display_id, cell_index)
            if out is None or not outs or outs[-1] is not out:
                return out
            budgets = self.__dict__.setdefault("_budgets", {})
            budget = budgets.get(cell_index)
            if budget is None:
                used = sum(b.kept for b in budgets.values())
                budget = budgets[cell_index] = OutputBudget(
                    min(CELL_OUTPUT_CHARS, NOTEBOOK_OUTPUT_CHARS - used))
            if budget.admit(out):
                return out
            if display_id:            # nbclient keeps the output's index: leave a placeholder
                out["data"] = {"text/plain": "[grader] output cut"}
                out["metadata"] = {}
                return out
            outs.pop()
            return None

        def cut_so_far(self) -> dict[int, int]:
            return {i: b.cut for i, b in self.__dict__.get("_budgets", {}).items() if b.cut}

    return CappedClient


# --------------------------------------------------------------------------- running
def execute(nb, workdir: Path, timeout: float, limits=None, env: dict | None = None,
            skip: set[int] = frozenset(), warm=None):
    """Run every code cell of ``nb`` but those in ``skip`` (in place) in ``workdir``; errors do
    not stop the run.

    Returns (indices of the cells that ran to completion or error, why the run stopped early or
    None). ``warm``: a ``graders.warm.WarmSandbox`` to fork the kernel in. A run stops early
    when ``timeout`` seconds have passed in all, or when the kernel dies
    (``os._exit``, a crash, a resource limit); the cells after that have no outputs. Outputs are
    capped (see the module's docstring).
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    workdir.mkdir(parents=True, exist_ok=True)
    keys = private_keys_folder()
    ran: set[int] = set()
    stopped = None
    client = None
    try:
        km = kernel_manager(workdir, limits, warm, keys)
        km.connection_file = str(keys / "kernel.json")
        client = capped_client_class()(nb, km=km, allow_errors=True,
                                       shutdown_kernel="immediate", startup_timeout=120,
                                       resources={"metadata": {"path": str(workdir)}})
        deadline = time.monotonic() + timeout
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
    finally:
        shutil.rmtree(keys, ignore_errors=True)
        cap_outputs(nb, client.cut_so_far() if client is not None else None)
    return ran, stopped
