"""One question the emulator asks of its sockets, asked without select()'s descriptor limit."""

import select
import socket


def readable(connection: socket.socket, timeout_s: float) -> bool:
    """Whether `connection` has bytes, or its end, to read within `timeout_s`. poll, not select:
    select() refuses a descriptor numbered 1024 or more, which a stack with fifty environments
    reaches (each holds pipes and sockets). Raises ValueError for a closed socket."""
    poller = select.poll()
    poller.register(connection, select.POLLIN)
    return bool(poller.poll(max(timeout_s, 0) * 1000))
