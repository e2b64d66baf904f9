"""Run a student's Jupyter kernel inside a bubblewrap sandbox (Debian package ``bubblewrap``).

The batch grader (``graders.execute``) writes a kernelspec, ``cnn-sandbox``, whose command is
this module, and starts kernels with it like any other kernel (``graders.warm`` runs one such
sandbox per worker and forks kernels in it). Inside the sandbox the kernel:

- has no network (its own network namespace; the kernel talks to the grader over Unix sockets,
  ZeroMQ's ``ipc`` transport, in a folder shared for that purpose);
- sees the system read-only, the course's ``utils/`` and ``data/`` read-only, and nothing else
  of the course: not ``graders/reference/`` (the answer key: the kernel reads only the visible
  cases, ``utils/expected/``), not ``graders/source/`` (the solutions), not the gradebook, not
  other students' work; ``utils/fastconv.py``, which computes what graded functions must, is
  replaced by a module that refuses to import (``graders/sandbox_stubs/``);
- can write only to its notebook's folder and to a private ``/tmp``;
- runs under resource limits: address space, CPU seconds, file size, open files and, when the
  grader runs as root, processes (``Limits``).

Linux never applies ``RLIMIT_NPROC`` to root, even root mapped inside a user namespace. So when
the grader is root, each kernel gets a user id of its own (``SANDBOX_UID_BASE`` plus the
launcher's process id, unique among the kernels alive at one time): bubblewrap starts as root,
builds the sandbox (it can read the interpreter wherever it is installed), and the first thing
run inside it switches to that id, which drops every capability. The process limit then counts
that kernel's processes and threads alone, and a fork bomb stops at it. As an ordinary user the
limit is not set (it would count all of that user's processes) and bubblewrap uses a user
namespace instead.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent   # the course (not graders.sources: it is slow to import)

KERNEL_NAME = "cnn-sandbox"
SYSTEM_DIRS = ("/usr", "/etc", "/opt")
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib64", "/lib32")
COURSE_DIRS = ("utils", "data")
# Course files a kernel must not run, each shown as the stub of the same name.
HIDDEN_MODULES = ("utils/fastconv.py",)
STUB_DIR = Path(__file__).resolve().parent / "sandbox_stubs"
SANDBOX_UID_BASE = 200_000       # far above the ids of real users and system accounts
# Set inside the sandbox, whatever the grader's environment says.
SANDBOX_ENV = {"HOME": "/tmp/home", "MPLCONFIGDIR": "/tmp/home/matplotlib",
               "KERAS_HOME": "/tmp/home/keras", "TF_CPP_MIN_LOG_LEVEL": "3",
               "PYTHONDONTWRITEBYTECODE": "1"}


@dataclass(frozen=True)
class Limits:
    memory_gib: float = 16.0     # address space (TensorFlow reserves several GiB of it)
    cpu_seconds: int = 1800
    file_mib: int = 256          # largest file the kernel may write
    open_files: int = 1024
    processes: int = 1024        # processes + threads (TensorFlow starts about 3 per core)

    def apply(self, own_uid: bool = False) -> None:
        """Set these limits on this process (inherited by everything it starts).

        ``own_uid``: the process is about to switch to a user id of its own, so the process
        limit can be set (otherwise it would count every process of the current user).
        """
        as_bytes = int(self.memory_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_mib * 2**20,) * 2)
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if own_uid:
            resource.setrlimit(resource.RLIMIT_NPROC, (self.processes, self.processes))


def available() -> bool:
    """Whether bubblewrap is installed and can create a sandbox on this machine."""
    if not shutil.which("bwrap"):
        return False
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid",
                            "--die-with-parent", "--dev", "/dev", "--proc", "/proc", "true"],
                           capture_output=True)
    return probe.returncode == 0


def _python_dirs() -> list[str]:
    """Folders the interpreter and the virtual environment live in."""
    dirs = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    return sorted(d for d in dirs if not any(d.startswith(s + "/") for s in SYSTEM_DIRS))


# Run first inside the sandbox when the grader is root: become the kernel's own user (which clears
# every capability; bubblewrap's no_new_privs keeps setuid programs from giving them back).
SWITCH_USER = ("import os, sys; uid = int(sys.argv[1]); os.setgroups([]); "
               "os.setresgid(uid, uid, uid); os.setresuid(uid, uid, uid); "
               "os.execv(sys.argv[2], sys.argv[2:])")


def bwrap_command(connection_file: str, workdir: str, ipc_dir: str, course: Path = ROOT,
                  uid: int | None = None) -> list[str]:
    """The bubblewrap command line that starts an IPython kernel for ``connection_file``.

    ``uid``: (bubblewrap runs as root) the user id the kernel runs as.
    """
    kernel = [os.path.join(sys.prefix, "bin", "python"), "-m", "ipykernel_launcher",
              "-f", connection_file, "--HistoryManager.hist_file=:memory:"]
    return sandboxed(kernel, workdir, ipc_dir, course, uid, readonly=[connection_file])


def sandboxed(program: list[str], workdir: str, ipc_dir: str, course: Path = ROOT,
              uid: int | None = None, readonly: list[str] = ()) -> list[str]:
    """The bubblewrap command line that runs ``program`` in the sandbox described above, in
    ``workdir``, with ``ipc_dir`` (its sockets) writable too and the ``readonly`` paths visible.

    ``uid``: (bubblewrap runs as root) the user id the program runs as.
    """
    if uid is None:
        isolation = ["--unshare-all", "--cap-drop", "ALL"]
    else:   # no user namespace: the kernel's user id must be a real one, outside too
        isolation = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
                     "--unshare-cgroup-try", "--cap-drop", "ALL",
                     "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    cmd = ["bwrap", "--die-with-parent", "--new-session", *isolation,
           "--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp",
           "--perms", "1777", "--dir", "/tmp/home",
           # ipykernel exits when it cannot see the process that started it (a new PID
           # namespace hides it); --die-with-parent does that job instead.
           "--unsetenv", "JPY_PARENT_PID"]
    for path in SYSTEM_DIRS:
        if os.path.isdir(path):
            cmd += ["--ro-bind", path, path]
    for path in SYSTEM_LINKS:
        if os.path.islink(path):
            cmd += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            cmd += ["--ro-bind", path, path]
    binds = [("--ro-bind", path) for path in _python_dirs()]
    binds += [("--ro-bind", str(course / sub)) for sub in COURSE_DIRS if (course / sub).is_dir()]
    stubs = [(str(STUB_DIR / Path(rel).name), str(course / rel)) for rel in HIDDEN_MODULES
             if (course / rel).exists()]
    binds += [("--bind", ipc_dir), ("--bind", workdir)] + [("--ro-bind", path) for path in readonly]
    made = set(SYSTEM_DIRS) | {"/", "/tmp"}
    for option, path in binds:
        # The folders above a bind are made by bubblewrap; let the kernel's user walk them
        # (they would otherwise copy the modes of the real ones, such as /root's 0700).
        for parent in reversed(Path(path).parents):
            if str(parent) not in made and not any(str(parent).startswith(d + "/") for d in made
                                                   if d in SYSTEM_DIRS):
                cmd += ["--perms", "0755", "--dir", str(parent)]
                made.add(str(parent))
        cmd += [option, path, path]
    for stub, path in stubs:
        cmd += ["--ro-bind", stub, path]
    cmd += ["--chdir", workdir]
    for key, value in SANDBOX_ENV.items():
        cmd += ["--setenv", key, value]
    python = os.path.join(sys.prefix, "bin", "python")
    if uid is not None:
        cmd += ["--", python, "-c", SWITCH_USER, str(uid)]
    else:
        cmd += ["--"]
    return cmd + program


def kernel_manager(jupyter_dir: Path, ipc_dir: Path, argv: list[str], display_name: str):
    """A KernelManager for a sandboxed kernel started by ``argv`` (a kernelspec command, with
    ``{connection_file}``), written as ``<jupyter_dir>/kernels/cnn-sandbox/kernel.json``, its
    ZeroMQ sockets in ``ipc_dir``. The kernel's environment is the one its starter passes, as
    for any kernel."""
    from jupyter_client.kernelspec import KernelSpecManager

    from graders.ipc_kernel import IpcKernelManager

    spec_dir = jupyter_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": argv, "display_name": display_name, "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return IpcKernelManager(kernel_name=KERNEL_NAME, ip=str(ipc_dir / "kernel"),
                           kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir.parent)]))


def cold_kernel_manager(workdir: Path, limits: Limits, course: Path = ROOT):
    """A KernelManager whose kernel this module starts in a sandbox of its own for ``workdir``."""
    ipc = workdir.parent / f"{workdir.name}-ipc"
    ipc.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "graders.sandbox", "{connection_file}", "--workdir", str(workdir),
            "--ipc-dir", str(ipc), "--course", str(course), "--limits", json.dumps(asdict(limits))]
    return kernel_manager(workdir.parent / f"{workdir.name}-jupyter", ipc, argv, "Python 3 (sandboxed)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="start a sandboxed IPython kernel")
    parser.add_argument("connection_file")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--ipc-dir", required=True)
    parser.add_argument("--course", default=str(ROOT))
    parser.add_argument("--limits", default="{}")
    args = parser.parse_args(argv)
    limits = Limits(**json.loads(args.limits))
    connection_file = os.path.abspath(args.connection_file)
    uid = SANDBOX_UID_BASE + os.getpid() if os.geteuid() == 0 else None
    if uid is not None:
        connection_file = hand_over(connection_file, args.workdir, args.ipc_dir, uid)
    limits.apply(own_uid=uid is not None)
    cmd = bwrap_command(connection_file, args.workdir, args.ipc_dir, Path(args.course), uid)
    os.execvp(cmd[0], cmd)


def hand_over(connection_file: str, workdir: str, ipc_dir: str, uid: int) -> str:
    """Let user ``uid`` use the kernel's folders; return a copy of the connection file it can read.

    The kernel may write in ``workdir`` (not in what is already there) and ``ipc_dir`` (its
    sockets). The connection file (the kernel's keys)
    stays private to root where Jupyter wrote it, so the kernel gets its own copy.
    """
    for folder in (workdir, ipc_dir):
        os.chown(folder, uid, uid)
        os.chmod(folder, 0o755)   # bubblewrap, root without its capabilities, must enter it
    copy = os.path.join(ipc_dir, "kernel-" + os.path.basename(connection_file))
    with open(connection_file, "rb") as src, open(copy, "wb") as dst:
        dst.write(src.read())
    os.chown(copy, uid, uid)
    os.chmod(copy, 0o400)
    return copy


if __name__ == "__main__":
    main()
