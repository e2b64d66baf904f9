"""Kernels the course starts itself talk over Unix sockets, and leave none behind; their clients
are ready when the kernel is."""
from __future__ import annotations

import asyncio
import json

import nbformat
import pytest
import zmq
from nbclient import NotebookClient

from graders.execute import local_kernel_manager
from graders.ipc_kernel import RECONNECT_MS, IpcKernelManager, ReadyClient


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


async def with_kernel(folder, use):
    """Start a kernel and its client's channels, ``await use(km, kc)``, shut everything down."""
    km = local_kernel_manager(folder)
    await km.start_kernel(cwd=str(folder))
    kc = km.client()
    kc.start_channels()
    try:
        return await use(km, kc)
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


def test_clients_are_ready_once_the_kernel_has_answered_and_nothing_of_that_is_left(tmp_path):
    async def use(km, kc):
        assert isinstance(kc, ReadyClient)
        assert kc.shell_channel.socket.getsockopt(zmq.RECONNECT_IVL) == RECONNECT_MS
        await kc.wait_for_ready(timeout=60)
        # the next request's IOPub messages come first: the kernel_info request's idle status
        # was read by wait_for_ready, and the start-up's statuses came before it
        request = kc.execute("print(6 * 7)")
        seen = []
        while not seen or seen[-1][1:] != ("status", "idle"):
            msg = await kc.iopub_channel.get_msg(timeout=30)
            seen.append((msg["parent_header"].get("msg_id"), msg["msg_type"],
                         msg["content"].get("execution_state")))
        return request, seen

    request, seen = asyncio.run(with_kernel(tmp_path, use))
    assert {parent for parent, *_ in seen} == {request}
    assert "stream" in [kind for _, kind, _ in seen]


def test_waiting_for_a_dead_kernel_says_so(tmp_path):
    async def use(km, kc):
        await km._async_kill_kernel()
        with pytest.raises(RuntimeError, match="died"):
            await kc.wait_for_ready(timeout=30)
        return True

    assert asyncio.run(with_kernel(tmp_path, use))


def test_sandboxed_kernels_have_the_same_client(tmp_path):
    from graders.sandbox import kernel_manager

    km = kernel_manager(tmp_path / "jupyter", tmp_path / "ipc", ["python", "{connection_file}"], "x")
    assert km.transport == "ipc" and isinstance(km.client(), ReadyClient)
