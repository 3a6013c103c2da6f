"""A private loopback for one environment's Runtime API, as Lambda's microVM has.

The calling thread moves into a new network namespace whose only interface, `lo`, is brought up;
a socket bound there and the processes that thread starts stay in that namespace. Needs root
(CAP_SYS_ADMIN); `os.unshare` needs Python 3.12.
"""

import fcntl
import os
import socket
import struct

RUNTIME_API_PORT = 9001  # the port Lambda's Runtime API listens on

_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1
_IFREQ = struct.Struct("16sH22x")  # struct ifreq: the name, then ifr_flags in the union


def listen_in_private_namespace() -> socket.socket:
    """Move this thread into a new network namespace and listen on 127.0.0.1:9001 there."""
    os.unshare(os.CLONE_NEWNET)
    _bring_loopback_up()
    return _listen(RUNTIME_API_PORT)


def listen_on_host_loopback() -> socket.socket:
    """Without root: a random port on the host's loopback, reachable by any local process."""
    return _listen(0)


def _bring_loopback_up() -> None:
    # An ioctl on any socket of the namespace, so no `ip` binary is needed.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        _, flags = _IFREQ.unpack(fcntl.ioctl(probe, _SIOCGIFFLAGS, _IFREQ.pack(b"lo", 0)))
        fcntl.ioctl(probe, _SIOCSIFFLAGS, _IFREQ.pack(b"lo", flags | _IFF_UP))


def _listen(port: int) -> socket.socket:
    listener = socket.create_server(("127.0.0.1", port), backlog=64)
    listener.setblocking(False)
    return listener
