"""Warm sandboxed kernels (graders.warm): forked from one sandbox per worker, yet each kernel
starts as clean as a cold one, and none outlives its run."""
from __future__ import annotations

import json
import os
import time

import nbformat
import pytest

from graders import sandbox
from graders.execute import execute
from graders.warm import WarmSandbox

needs_root_sandbox = pytest.mark.skipif(
    os.geteuid() != 0 or not sandbox.available(),
    reason="warm kernels need bubblewrap and a grader running as root")


def run_cells(sources: list[str], workdir, limits=None, warm=None, may_die=False) -> list[str]:
    """Run code cells in a fresh kernel; each cell's stdout."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    workdir.mkdir(parents=True)
    ran, stopped = execute(nb, workdir, 120, limits, None, warm=warm)
    assert stopped is None or (may_die and "died" in stopped)
    return ["".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            for cell in nb.cells]


@pytest.fixture(scope="module")
def warm():
    box = WarmSandbox(sandbox.Limits(cpu_seconds=300))
    box.start()
    yield box
    box.close()


def test_a_kernel_does_not_outlive_its_run(tmp_path):
    out = run_cells(["import os; print(os.getpid())"], tmp_path / "work")
    pid = int(out[0])
    deadline = time.time() + 10
    while os.path.exists(f"/proc/{pid}") and time.time() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{pid}")


@needs_root_sandbox
def test_a_warm_kernel_sees_nothing_the_previous_one_left(warm):
    scratch = warm.scratch()
    out = run_cells([
        "import os, subprocess, sys\n"
        "for folder in ('/tmp', os.path.expanduser('~'), '/dev/shm'):\n"
        "    try:\n"
        "        open(os.path.join(folder, 'planted'), 'w').write('x')\n"
        "    except OSError:\n"
        "        assert folder == '/dev/shm'            # where bubblewrap's /dev has none\n"
        "hidden = 'import ctypes, time; ctypes.CDLL(None).prctl(4, 0, 0, 0, 0); time.sleep(600)'\n"
        "daemons = [subprocess.Popen(['sleep', '600'], start_new_session=True),\n"
        "           subprocess.Popen([sys.executable, '-c', hidden], start_new_session=True)]\n"
        "print(*[d.pid for d in daemons])",
    ], scratch / "first", warm=warm)
    daemons = [int(pid) for pid in out[0].split()]
    out = run_cells([
        "import json, os\n"
        "def uids(pid):\n"
        "    try:\n"
        "        return next(l.split()[1:] for l in open(f'/proc/{pid}/status') if l.startswith('Uid:'))\n"
        "    except OSError:\n"
        "        return []\n"
        "mine = sorted(int(p) for p in os.listdir('/proc') if p.isdigit() and str(os.getuid()) in uids(p))\n"
        "print(json.dumps({'mine': mine, 'me': [os.getpid(), os.getppid()],\n"
        "                  'left': [name for folder in ('/tmp', os.path.expanduser('~'), '/dev/shm')\n"
        "                           if os.path.isdir(folder) for name in os.listdir(folder)]}))",
    ], scratch / "second", warm=warm)
    seen = json.loads(out[0])
    assert len(daemons) == 2 and not set(daemons) & set(seen["mine"])
    assert seen["mine"] == sorted(seen["me"])       # this kernel and the server that forked it
    assert "planted" not in seen["left"]


@needs_root_sandbox
def test_kernels_do_not_share_the_forked_random_state(warm):
    scratch = warm.scratch()
    cell = "import random, numpy as np\nprint(random.random(), np.random.rand())"
    first = run_cells([cell], scratch / "first", warm=warm)[0].split()
    second = run_cells([cell], scratch / "second", warm=warm)[0].split()
    assert first[0] != second[0] and first[1] != second[1]


@needs_root_sandbox
def test_a_kernel_that_kills_the_server_does_not_stop_the_next(warm):
    scratch = warm.scratch()
    run_cells(["import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"], scratch / "first",
              warm=warm, may_die=True)          # the sandbox goes, and this kernel with it
    assert run_cells(["print(1 + 1)"], scratch / "second", warm=warm) == ["2\n"]
    assert warm.alive()                             # a new sandbox


@needs_root_sandbox
def test_the_server_is_free_again_once_a_kernel_ends(warm):
    scratch = warm.scratch()
    run_cells(["x = 1"], scratch / "first", warm=warm)
    started = time.monotonic()
    assert warm.request({"op": "reset"}, timeout=10) == "clean"
    assert time.monotonic() - started < 10


@needs_root_sandbox
def test_the_server_answers_only_the_grader(warm):
    """Kernels cannot even reach the server's socket: it is outside the sandbox."""
    scratch = warm.scratch()
    out = run_cells([f"import os; print(os.path.exists({str(warm.control)!r}), "
                     f"os.path.exists({str(warm.control.parent)!r}))"], scratch / "probe", warm=warm)
    assert out == ["False False\n"]


@needs_root_sandbox
def test_folders_of_dead_workers_are_removed():
    import subprocess
    import tempfile
    from pathlib import Path

    from graders.warm import PREFIX, remove_abandoned

    dead = subprocess.Popen(["true"])
    dead.wait()
    folders = {}
    for name, pid in (("dead", dead.pid), ("alive", os.getpid())):
        folder = Path(tempfile.mkdtemp(prefix=PREFIX))
        (folder / "ipc").mkdir()
        os.chown(folder / "ipc", sandbox.SANDBOX_UID_BASE + pid, 0)
        folders[name] = folder
    try:
        remove_abandoned()
        assert not folders["dead"].exists() and folders["alive"].exists()
    finally:
        for folder in folders.values():
            subprocess.run(["rm", "-rf", str(folder)])


def test_the_server_imports_only_the_heavy_modules_the_notebooks_import():
    from graders.warm import preload_for

    def notebook(*sources):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(s) for s in sources] + [nbformat.v4.new_markdown_cell("import keras")]
        return nb

    assert preload_for([notebook("import numpy as np\nx = 1")]) == ("numpy",)
    assert preload_for([notebook("import os\n    from tensorflow import keras"),
                        notebook("import matplotlib.pyplot as plt")]) == (
        "matplotlib", "matplotlib.pyplot", "keras")
    assert preload_for([notebook("print('import keras')")]) == ()
