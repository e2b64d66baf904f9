"""Warm sandboxed kernels: one long-lived sandbox per grading worker, whose server
(``graders.kernel_server``) has imported NumPy, Matplotlib and Keras/TensorFlow (those the
notebooks import) once and forks a fresh kernel for each notebook. A TensorFlow notebook's kernel then starts in about 0.3 s
instead of spending 3-4 s importing.

The sandbox is the one ``graders.sandbox`` describes, run as a user id of the worker's own, with
its ``jobs/`` folder (each notebook's work folder is made in it) and ``ipc/`` folder (ZeroMQ
sockets) writable. Before every kernel the server must answer that nothing of the last kernel is
left (``reset``); when it cannot, or when it has died (a kernel may kill it), the worker starts a
new sandbox. Only when the grader runs as root: each sandbox needs a user id of its own.

The kernelspec's command is this module: it hands the connection file to the sandbox's user,
asks the server for a kernel and lives as long as that kernel, so Jupyter manages it like any
other kernel process (killing it kills the kernel).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from graders.sandbox import (ROOT, SANDBOX_ENV, SANDBOX_UID_BASE, Limits, hand_over, kernel_manager,
                             sandboxed)

SERVER = Path(__file__).resolve().parent / "kernel_server.py"
# (modules a notebook imports, what the server imports for them), in import order
HEAVY = (({"numpy"}, ("numpy",)), ({"matplotlib"}, ("matplotlib", "matplotlib.pyplot")),
         ({"keras", "tensorflow"}, ("keras",)))
PREFIX = "cnn-course-warm-"
START_SECONDS = 120


class WarmSandbox:
    """A worker's sandbox and its kernel server: ``scratch()``, then per notebook ``reset()`` and
    ``kernel_manager()``."""

    def __init__(self, limits: Limits, preload: tuple[str, ...] = (), course: Path = ROOT):
        self.limits, self.preload, self.course = limits, tuple(preload), course
        self.uid = SANDBOX_UID_BASE + os.getpid()
        remove_abandoned()
        self.root = Path(tempfile.mkdtemp(prefix=PREFIX))
        os.chmod(self.root, 0o711)
        self.jobs, self.ipc = self.root / "jobs", self.root / "ipc"
        self.control = self.root / "control" / "server.sock"
        self.process: subprocess.Popen | None = None

    # ------------------------------------------------------------------ the sandbox
    def start(self) -> None:
        self.stop()
        for folder, mode in ((self.jobs, 0o711), (self.ipc, 0o755), (self.control.parent, 0o700)):
            folder.mkdir(mode=mode, exist_ok=True)      # jobs/ may hold the notebook being graded
            os.chmod(folder, mode)
        os.chown(self.ipc, self.uid, self.uid)
        self.control.unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.control))
        listener.listen(4)
        program = [os.path.join(sys.prefix, "bin", "python"), str(SERVER), str(listener.fileno()), "0",
                   ",".join(self.preload)]
        cmd = sandboxed(program, str(self.jobs), str(self.ipc), self.course, self.uid,
                        readonly=[str(SERVER)])
        env = dict(os.environ, MPLBACKEND="module://matplotlib_inline.backend_inline")
        try:
            self.process = subprocess.Popen(
                cmd, pass_fds=[listener.fileno()], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                env=env, start_new_session=True,
                preexec_fn=lambda: self.limits.apply(own_uid=True))
        finally:
            listener.close()
        ready, _, _ = select.select([self.process.stdout], [], [], START_SECONDS)
        if not ready or self.process.stdout.readline().strip() != b"ready":
            self.stop()
            raise RuntimeError("the warm kernel sandbox did not start")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
            self.process.wait()
            self.process.stdout.close()
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def request(self, message: dict, timeout: float = 60) -> str:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(str(self.control))
            conn.sendall(json.dumps(message).encode() + b"\n")
            return conn.makefile("rb").readline().decode().strip()

    def reset(self) -> None:
        """Make sure nothing of the last kernel is left, restarting the sandbox if need be."""
        try:
            clean = self.alive() and self.request({"op": "reset"}) == "clean"
        except OSError:
            clean = False
        if not clean:
            self.start()
        for entry in self.ipc.iterdir():            # the last kernel's sockets and keys
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)

    # ------------------------------------------------------------------ kernels
    def scratch(self) -> Path:
        """A fresh folder for a submission's work folders (the caller removes it)."""
        scratch = Path(tempfile.mkdtemp(dir=self.jobs))
        os.chmod(scratch, 0o711)
        return scratch

    def kernel_manager(self, workdir: Path):
        """A KernelManager whose kernel is forked in this sandbox, working in ``workdir`` (a
        folder in ``scratch()``); call ``reset()`` first."""
        argv = [sys.executable, "-m", "graders.warm", "{connection_file}", "--control",
                str(self.control), "--workdir", str(workdir), "--ipc-dir", str(self.ipc),
                "--uid", str(self.uid)]
        return kernel_manager(self.root / "jupyter", self.ipc, argv, "Python 3 (sandboxed, warm)")


def remove_abandoned() -> None:
    """Delete the folders of warm sandboxes whose worker died without cleaning up (a batch
    killed outright); the worker's process id is the ``ipc`` folder's owner less the base."""
    for folder in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            worker = (folder / "ipc").stat().st_uid - SANDBOX_UID_BASE
        except OSError:
            continue
        if worker > 0 and not os.path.exists(f"/proc/{worker}"):
            shutil.rmtree(folder, ignore_errors=True)


_sandbox: WarmSandbox | None = None
_failed = False             # the sandbox would not start here: do not try again for every job


def preload_for(notebooks) -> tuple[str, ...]:
    """The heavy modules ``notebooks`` import, for the server to import once."""
    imported = set()
    for nb in notebooks:
        for cell in nb.cells:
            if cell.cell_type == "code":
                imported |= set(re.findall(r"^\s*(?:import|from)\s+(\w+)", cell.source, re.M))
    return tuple(module for top, modules in HEAVY for module in modules if top & imported)


def worker_sandbox(limits: Limits | None, preload: tuple[str, ...] = ()) -> WarmSandbox | None:
    """This process's warm sandbox for ``limits`` that has imported ``preload``, started on
    first use; None where warm kernels cannot be used (no limits, i.e. no sandbox; not root;
    the sandbox would not start)."""
    global _sandbox, _failed
    if limits is None or os.geteuid() != 0 or _failed:
        return None
    if _sandbox is None or _sandbox.limits != limits or not set(preload) <= set(_sandbox.preload):
        if _sandbox is not None:
            preload = tuple(dict.fromkeys(_sandbox.preload + tuple(preload)))
            _sandbox.close()
        _sandbox = WarmSandbox(limits, preload)
        try:
            _sandbox.start()
        except (OSError, RuntimeError):
            _sandbox.close()
            _sandbox, _failed = None, True
            return None
        import atexit
        atexit.register(_sandbox.close)
    return _sandbox


# ---------------------------------------------------------------------- the kernel's launcher
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="start a kernel in a worker's warm sandbox")
    parser.add_argument("connection_file")
    parser.add_argument("--control", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--ipc-dir", required=True)
    parser.add_argument("--uid", type=int, required=True)
    args = parser.parse_args(argv)
    connection_file = hand_over(os.path.abspath(args.connection_file), args.workdir, args.ipc_dir,
                                args.uid)
    env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
    env.update(SANDBOX_ENV)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(args.control)
    conn.sendall(json.dumps({"op": "kernel", "connection_file": connection_file,
                             "workdir": args.workdir, "env": env}).encode() + b"\n")

    def forward(number, _frame):
        conn.sendall(f"signal {number}\n".encode())
        if number == signal.SIGTERM:
            sys.exit(1)                 # closing the connection kills the kernel

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    for line in conn.makefile("rb"):
        if line.startswith(b"exited "):
            return int(line.split()[1]) & 0xFF
    return 1


if __name__ == "__main__":
    sys.exit(main())
