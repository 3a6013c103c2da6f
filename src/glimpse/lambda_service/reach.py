"""The local Lambda service, reachable from inside an execution environment.

A function that calls Lambda itself (the router invokes the runners) finds the service at the
address its AWS_ENDPOINT_URL_LAMBDA names: the service's own, 127.0.0.1:<port>. As root, each
environment has a network namespace of its own (glimpse.environment), where that address is not
the host's: the service then also listens at it inside the environment's namespace, for as long
as the environment lives. A thread enters the namespace only to bind the socket and exits, which
leaves the namespace; the socket stays bound there. The runners, which do not call Lambda, get
no such socket: their namespace keeps nothing but their Runtime API.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable

from glimpse.environment import InvokeResult

from .pool import Environment


class ReachingEnvironment:
    """An environment, plus the service's socket in its network namespace (if it has one of its own)."""

    def __init__(self, environment: Environment, listener: socket.socket | None) -> None:
        self.environment = environment
        self._listener = listener
        self._lock = threading.Lock()

    @property
    def alive(self) -> bool:
        return self.environment.alive

    def invoke(self, payload: bytes, *, tenant_id: str | None = None) -> InvokeResult:
        return self.environment.invoke(payload, tenant_id=tenant_id)

    def stop(self) -> None:
        """Idempotent, and safe from two threads at once (a pool closing while an invocation ends)."""
        self.environment.stop()
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            listener.close()


def listen_inside(runtime_pid: int, address: tuple[str, int], serve: Callable[[socket.socket, tuple], None]) -> socket.socket | None:
    """Listen at `address` in the network namespace of process `runtime_pid`, handing each
    connection to `serve`; None when that process shares this one's namespace (no root)."""
    namespace = f"/proc/{runtime_pid}/ns/net"
    if os.stat(namespace).st_ino == os.stat("/proc/self/ns/net").st_ino:
        return None
    outcome: list[socket.socket | OSError] = []

    def bind_inside() -> None:
        try:
            descriptor = os.open(namespace, os.O_RDONLY)
            try:
                os.setns(descriptor, os.CLONE_NEWNET)
            finally:
                os.close(descriptor)
            outcome.append(socket.create_server(address))
        except OSError as error:
            outcome.append(error)

    binder = threading.Thread(target=bind_inside, name="glimpse-bind-inside")
    binder.start()
    binder.join()
    listener = outcome[0]
    if isinstance(listener, OSError):
        raise listener
    threading.Thread(target=_accept_all, args=(listener, serve), name="glimpse-accept-inside", daemon=True).start()
    return listener


def _accept_all(listener: socket.socket, serve: Callable[[socket.socket, tuple], None]) -> None:
    while True:
        try:
            connection, peer = listener.accept()
        except OSError:  # shut down: the environment stopped
            return
        serve(connection, peer)
