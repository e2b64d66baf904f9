"""A Jupyter kernel manager that talks to its kernel over Unix sockets instead of TCP ports.

Over TCP, jupyter_client picks free ports and the kernel binds them a moment later; when several
kernels start at once (parallel tests, parallel reference recording), another one can take a
port in between and the kernel dies ("Address already in use"; seen once in 537 tests). With
ZeroMQ's ``ipc`` transport each kernel's sockets are files with a name no other kernel uses,
and they are removed when the kernel shuts down.

    NotebookClient(nb, kernel_manager_class=IpcKernelManager, kernel_name="python3", ...)

lets nbclient own (and shut down) the manager as it does its default one.
"""
from __future__ import annotations

import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir
from traitlets import CaselessStrEnum, default


class IpcKernelManager(AsyncKernelManager):
    """``AsyncKernelManager`` with ``transport="ipc"`` and a fresh socket prefix by default."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

    @staticmethod
    def socket_prefix(folder: Path | None = None) -> str:
        """A new path prefix for one kernel's sockets (``<prefix>-1`` ... ``<prefix>-5``)."""
        folder = Path(folder or jupyter_runtime_dir())
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / f"kernel-{uuid.uuid4().hex[:12]}-ipc")

    @default("ip")
    def _ip_default(self) -> str:
        return self.socket_prefix() if self.transport == "ipc" else super()._ip_default()
