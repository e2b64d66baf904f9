"""A warm kernel starter that runs inside a grading sandbox: it imports the heavy libraries the
notebooks use once (TensorFlow alone takes 3-4 s) and forks a fresh IPython kernel for each
notebook.

This file runs in the sandbox on its own (only it is visible there, not the rest of
``graders/``), so it imports nothing from the course. ``graders.warm`` starts it and talks to it
over a Unix socket it made outside the sandbox, one connection at a time, each a JSON line:

- ``{"op": "kernel", "connection_file": ..., "workdir": ..., "env": {...}}``: fork a kernel. The
  reply is ``started <pid>``, then ``exited <status>`` when the kernel ends. The client may send
  ``signal <n>`` lines meanwhile; when its connection closes the kernel is killed.
- ``{"op": "reset"}``: reply ``clean`` once nothing the last kernel started is left (see below).

Why the next student's kernel cannot see the previous one's: each kernel is forked from this
server, which never runs student code, so it starts from the same untouched state; after a
kernel ends, every other process of the sandbox's user is stopped and killed and ``/tmp`` and
``/dev/shm`` are emptied before the next connection is served; the server cannot be traced or have its memory
read by the kernels (it is not "dumpable"), and it accepts connections only from root (the
grader). A kernel can still kill the server: the grader then starts a new sandbox.
"""
from __future__ import annotations

import ctypes
import importlib
import json
import os
import random
import select
import shutil
import signal
import socket
import struct
import sys
import time

PR_SET_DUMPABLE = 4


def preload(modules: list[str]) -> None:
    """Import what kernels will import anyway, and ipykernel. A module that fails to import is
    left to the kernel (which reports it)."""
    # as ipykernel would set it (matplotlib reads it when it is imported)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in [*modules, "ipykernel.kernelapp"]:
        try:
            importlib.import_module(name)
        except Exception:               # noqa: BLE001 - the kernel reports it when it imports
            pass


def peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1]


def run_kernel(request: dict) -> None:
    """In the forked child: become a fresh IPython kernel (never returns)."""
    try:
        devnull = os.open(os.devnull, os.O_RDWR)      # not the grader's pipe: nobody reads it
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["workdir"])
        random.seed()                   # the forked state is every kernel's: reseed from the OS
        if "numpy" in sys.modules:
            sys.modules["numpy"].random.seed()
        sys.path[0] = ""                # as `python -m ipykernel_launcher` in the work folder
        sys.argv = ["ipykernel_launcher", "-f", request["connection_file"],
                    "--HistoryManager.hist_file=:memory:"]
        from ipykernel import kernelapp
        kernelapp.launch_new_instance()
    except BaseException:               # noqa: BLE001 - the status says it failed
        os._exit(1)
    os._exit(0)


def serve_kernel(conn: socket.socket, request: dict, listener: socket.socket) -> None:
    pid = os.fork()
    if pid == 0:
        listener.close()
        conn.close()
        run_kernel(request)
    conn.sendall(f"started {pid}\n".encode())
    buffered = b""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            try:
                conn.sendall(f"exited {code}\n".encode())
            except OSError:
                pass
            return
        readable, _, _ = select.select([conn], [], [], 0.05)
        if not readable:
            continue
        data = conn.recv(4096)
        if not data:                    # the client is gone: so is the kernel
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return
        buffered += data
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            if line.startswith(b"signal "):
                try:
                    os.kill(pid, int(line.split()[1]))
                except (OSError, ValueError):
                    pass


def others() -> list[int]:
    """Processes of this user other than this one (from their real, effective, saved and file
    system user ids: a process that makes itself undumpable hands /proc/<pid> to root)."""
    me, uid, found = os.getpid(), str(os.getuid()), []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me:
            try:
                with open(f"/proc/{entry}/status") as fh:
                    ids = next(line.split()[1:] for line in fh if line.startswith("Uid:"))
            except (OSError, StopIteration):
                continue
            if uid in ids:
                found.append(int(entry))
    return found


def empty(folder: str) -> None:
    """Delete what this user may delete in ``folder``."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        path = os.path.join(folder, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def reset(rounds: int = 200) -> bool:
    """Stop, then kill, every other process of this user; empty /tmp and /dev/shm. False: could
    not."""
    for _ in range(rounds):        # stopped processes cannot fork: the population only shrinks
        running = [pid for pid in others() if not stopped(pid)]
        if not running:
            break
        for pid in running:
            try:
                os.kill(pid, signal.SIGSTOP)
            except OSError:
                pass
    else:
        return False
    for pid in others():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + 10
    while others() and time.monotonic() < deadline:
        try:
            os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.01)
    if others():
        return False
    for folder in ("/tmp", "/dev/shm", "/dev/mqueue"):
        empty(folder)
    home = os.environ.get("HOME", "/tmp/home")
    os.makedirs(home, exist_ok=True)
    return not os.listdir(home)


def stopped(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True                     # gone
    return state in ("T", "t", "Z", "X")


def main(listener_fd: int, client_uid: int, modules: list[str]) -> None:
    """Serve on ``listener_fd``, a listening Unix socket the grader made outside the sandbox
    (kernels cannot reach or replace it), to clients of user ``client_uid``, having imported
    ``modules``."""
    listener = socket.socket(fileno=listener_fd)
    listener.set_inheritable(False)
    preload(modules)
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        with conn:
            if peer_uid(conn) != client_uid:
                continue
            try:
                request = json.loads(conn.makefile("rb").readline() or b"{}")
            except ValueError:
                continue
            if request.get("op") == "kernel":
                serve_kernel(conn, request, listener)
            elif request.get("op") == "reset":
                if not reset():
                    conn.sendall(b"failed\n")
                    return                  # the grader starts a new sandbox
                conn.sendall(b"clean\n")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), [m for m in sys.argv[3].split(",") if m])
