"""Run a student's Jupyter kernel inside a bubblewrap sandbox (Debian package ``bubblewrap``).

The batch grader (``graders.batch``) writes a kernelspec, ``cnn-sandbox``, whose command is this
module; nbgrader starts kernels with it like any other kernel. Inside the sandbox the kernel:

- has no network (its own network namespace; the kernel talks to nbgrader over Unix sockets,
  ZeroMQ's ``ipc`` transport, in a folder shared for that purpose);
- sees the system read-only, the course's ``utils/``, ``data/`` and ``graders/reference/``
  read-only, and nothing else of the course: not ``graders/source/`` (the solutions), not the
  gradebook, not other students' work;
- can write only to its notebook's folder and to a private ``/tmp``;
- runs under resource limits: address space, CPU seconds, file size, open files (``Limits``).

A process count limit is not among them: the sandbox runs as root inside its own PID namespace,
and Linux does not apply ``RLIMIT_NPROC`` to root. The batch's wall-clock timeout ends a fork bomb.
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

from graders.sources import ROOT

KERNEL_NAME = "cnn-sandbox"
SYSTEM_DIRS = ("/usr", "/etc", "/opt")
SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib64", "/lib32")
COURSE_DIRS = ("utils", "data", "graders/reference")


@dataclass(frozen=True)
class Limits:
    memory_gib: float = 16.0     # address space (TensorFlow reserves several GiB of it)
    cpu_seconds: int = 1800
    file_mib: int = 256          # largest file the kernel may write
    open_files: int = 1024

    def apply(self) -> None:
        """Set these limits on this process (inherited by everything it starts)."""
        as_bytes = int(self.memory_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (as_bytes, as_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (self.cpu_seconds, self.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_mib * 2**20,) * 2)
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


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


def bwrap_command(connection_file: str, workdir: str, ipc_dir: str, course: Path = ROOT) -> list[str]:
    """The bubblewrap command line that starts an IPython kernel for ``connection_file``."""
    cmd = ["bwrap", "--die-with-parent", "--new-session", "--unshare-all", "--cap-drop", "ALL",
           "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--dir", "/tmp/home",
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
    for path in _python_dirs():
        cmd += ["--ro-bind", path, path]
    for sub in COURSE_DIRS:
        if (course / sub).is_dir():
            cmd += ["--ro-bind", str(course / sub), str(course / sub)]
    cmd += ["--bind", ipc_dir, ipc_dir, "--bind", workdir, workdir,
            "--ro-bind", connection_file, connection_file, "--chdir", workdir]
    for key, value in {"HOME": "/tmp/home", "MPLCONFIGDIR": "/tmp/home/matplotlib",
                       "KERAS_HOME": "/tmp/home/keras", "TF_CPP_MIN_LOG_LEVEL": "3",
                       "PYTHONDONTWRITEBYTECODE": "1"}.items():
        cmd += ["--setenv", key, value]
    python = os.path.join(sys.prefix, "bin", "python")
    return cmd + ["--", python, "-m", "ipykernel_launcher", "-f", connection_file,
                  "--HistoryManager.hist_file=:memory:"]


def write_kernelspec(jupyter_dir: Path, workdir: Path, ipc_dir: Path, limits: Limits,
                     course: Path = ROOT, env: dict | None = None) -> Path:
    """Write ``<jupyter_dir>/kernels/cnn-sandbox/kernel.json``; put jupyter_dir on JUPYTER_PATH.

    ``env``: extra environment variables for the kernel.
    """
    spec_dir = jupyter_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "graders.sandbox", "{connection_file}", "--workdir", str(workdir),
            "--ipc-dir", str(ipc_dir), "--course", str(course),
            "--limits", json.dumps(asdict(limits))]
    spec = {"argv": argv, "display_name": "Python 3 (sandboxed)", "language": "python",
            "env": dict(env or {})}
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return spec_dir


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="start a sandboxed IPython kernel")
    parser.add_argument("connection_file")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--ipc-dir", required=True)
    parser.add_argument("--course", default=str(ROOT))
    parser.add_argument("--limits", default="{}")
    args = parser.parse_args(argv)
    Limits(**json.loads(args.limits)).apply()
    cmd = bwrap_command(os.path.abspath(args.connection_file), args.workdir, args.ipc_dir,
                        Path(args.course))
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
