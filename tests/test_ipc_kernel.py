"""Kernels the course starts itself talk over Unix sockets, and leave none behind."""
from __future__ import annotations

import json

import nbformat
from nbclient import NotebookClient

from graders.execute import local_kernel_manager
from graders.ipc_kernel import IpcKernelManager


def test_a_notebook_runs_over_unix_sockets_that_are_removed_afterwards(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    sockets = tmp_path / "sockets"
    km = IpcKernelManager(kernel_name="python3", ip=IpcKernelManager.socket_prefix(sockets))
    seen = {}

    class Watching(NotebookClient):
        async def async_start_new_kernel_client(self):
            await super().async_start_new_kernel_client()
            seen["info"] = json.loads(open(self.km.connection_file).read())
            seen["files"] = sorted(p.name for p in sockets.iterdir())

    Watching(nb, km=km, kernel_name="python3", timeout=60,
             resources={"metadata": {"path": str(tmp_path)}}).execute(cleanup_kc=True)
    assert nb.cells[0].outputs[0]["text"] == "42\n"
    assert seen["info"]["transport"] == "ipc"
    assert seen["info"]["ip"].startswith(str(sockets / "kernel-"))
    assert len(seen["files"]) == 5                  # shell, iopub, stdin, control, heartbeat
    assert list(sockets.iterdir()) == []


def test_each_manager_gets_socket_names_of_its_own(tmp_path):
    first, second = (local_kernel_manager(tmp_path) for _ in range(2))
    assert first.transport == second.transport == "ipc"
    assert first.ip != second.ip and first.ip.startswith(str(tmp_path))
    assert IpcKernelManager(kernel_name="python3").ip != IpcKernelManager(kernel_name="python3").ip
