"""A Jupyter kernel manager that talks to its kernel over Unix sockets instead of TCP ports.

Over TCP, jupyter_client picks free ports and the kernel binds them a moment later; when several
kernels start at once (parallel tests, parallel reference recording), another one can take a
port in between and the kernel dies ("Address already in use"; seen once in 537 tests). With
ZeroMQ's ``ipc`` transport each kernel's sockets are files with a name no other kernel uses,
and they are removed when the kernel shuts down.

    NotebookClient(nb, kernel_manager_class=IpcKernelManager, kernel_name="python3", ...)

lets nbclient own (and shut down) the manager as it does its default one.

It also starts and stops kernels sooner than jupyter_client's defaults, which cost about a third
of a second per notebook graded (1.3 s -> 0.95 s for a stub notebook in a warm sandbox):

- its clients are :class:`ReadyClient`, ready as soon as the kernel has answered rather than
  after 0.2 s of IOPub silence, and they retry connecting to a starting kernel every 10 ms
  rather than every 100 ms;
- a killed kernel is seen to be gone within 5 ms rather than 100 ms.
"""
from __future__ import annotations

import time
import uuid
from pathlib import Path
from queue import Empty

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir
from traitlets import CaselessStrEnum, DottedObjectName, Type, default

# how long a kernel that has answered kernel_info may take to show its IOPub traffic before the
# request is sent again (its subscription may not have been connected yet)
IOPUB_WAIT = 0.2
RECONNECT_MS = 10
EXIT_POLL = 0.005


class ReadyClient(AsyncKernelClient):
    """An ``AsyncKernelClient`` whose ``wait_for_ready`` returns once the kernel has answered a
    ``kernel_info_request`` on the shell channel and published the end of that request on IOPub.

    jupyter_client's own waits for the same two things and then reads IOPub until it has been
    silent for 0.2 s, a fixed cost on every kernel start. Waiting for the request's ``idle``
    status instead leaves nothing of it to arrive later: the status messages before it belong
    to the kernel's start-up, which nobody reads either.
    """

    def start_channels(self, *args, **kwargs) -> None:
        # The sockets connect before the kernel has bound its own; ZeroMQ then retries every
        # RECONNECT_IVL ms (100 by default), which would be most of a forked kernel's start-up.
        self.context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)
        super().start_channels(*args, **kwargs)

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
        while True:
            request = self.kernel_info()
            reply = await self._reply_to(request, "shell", deadline, per_message=1.0)
            if reply is not None and await self._idle_after(request, deadline):
                self._handle_kernel_info_reply(reply)
                return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")

    wait_for_ready = _async_wait_for_ready

    async def _reply_to(self, request: str, channel: str, deadline: float, per_message: float):
        """The message on ``channel`` whose parent is ``request``; None if none comes within
        ``per_message`` seconds of the last one (or by ``deadline``)."""
        get = getattr(self, f"{channel}_channel").get_msg
        while True:
            wait = min(per_message, deadline - time.monotonic())
            if wait <= 0:
                return None
            try:
                msg = await get(timeout=wait)
            except Empty:
                return None
            if msg.get("parent_header", {}).get("msg_id") == request:
                return msg

    async def _idle_after(self, request: str, deadline: float) -> bool:
        """Whether IOPub shows ``request``'s ``idle`` status (False: IOPub was quiet for
        ``IOPUB_WAIT`` seconds, so it may not have been connected when the kernel answered)."""
        while True:
            msg = await self._reply_to(request, "iopub", deadline, IOPUB_WAIT)
            if msg is None:
                return False
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                return True


class IpcKernelManager(AsyncKernelManager):
    """``AsyncKernelManager`` with ``transport="ipc"`` and a fresh socket prefix by default."""

    transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)
    client_class = DottedObjectName("graders.ipc_kernel.ReadyClient", config=True)
    client_factory = Type(default_value=ReadyClient, klass=AsyncKernelClient, config=True)

    @staticmethod
    def socket_prefix(folder: Path | None = None) -> str:
        """A new path prefix for one kernel's sockets (``<prefix>-1`` ... ``<prefix>-5``)."""
        folder = Path(folder or jupyter_runtime_dir())
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / f"kernel-{uuid.uuid4().hex[:12]}-ipc")

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # jupyter_client checks every 0.1 s whether a killed kernel is gone: a tenth of a second
        # per notebook graded, for a process that is gone in a millisecond or two
        await super()._async_wait(pollinterval=min(pollinterval, EXIT_POLL))

    @default("ip")
    def _ip_default(self) -> str:
        return self.socket_prefix() if self.transport == "ipc" else super()._ip_default()
