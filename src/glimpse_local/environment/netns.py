"""Where an environment's RAPID listens: a private loopback, as Lambda's microVM has, or the host's.

`enter_private_namespace` moves the calling thread into a new network namespace whose only
interface, `lo`, is brought up; the processes that thread starts stay in that namespace, so RAPID
listens on its 127.0.0.1 and nothing of the host can reach it. Needs root (CAP_SYS_ADMIN);
`os.unshare` needs Python 3.12. Sockets are made in it by `socket_in` from any thread.

Without root, or for a function that needs the host's network, RAPID listens on ports of the
host's loopback, held by `reserve_loopback_port` until it has them.
"""

import fcntl
import os
import socket
import struct

_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1
_IFREQ = struct.Struct("16sH22x")  # struct ifreq: the name, then ifr_flags in the union


def enter_private_namespace() -> int:
    """Move this thread into a new network namespace with `lo` up; a descriptor of it."""
    os.unshare(os.CLONE_NEWNET)
    _bring_loopback_up()
    return os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


def socket_in(namespace: int | None) -> socket.socket:
    """A TCP socket of the given network namespace (None: this thread's own), for any thread."""
    if namespace is None:
        return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.setns(namespace, os.CLONE_NEWNET)
        try:
            return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        finally:
            os.setns(own, os.CLONE_NEWNET)
    finally:
        os.close(own)


def reserve_loopback_port() -> socket.socket:
    """A socket bound to a free port of the host's loopback and not listening: the kernel hands
    the port to no one else, while a listener with SO_REUSEADDR (RAPID's) may still bind it.
    Close it once that listener is up."""
    reservation = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        reservation.bind(("127.0.0.1", 0))
    except BaseException:
        reservation.close()
        raise
    return reservation


def _bring_loopback_up() -> None:
    # An ioctl on any socket of the namespace, so no `ip` binary is needed.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        _, flags = _IFREQ.unpack(fcntl.ioctl(probe, _SIOCGIFFLAGS, _IFREQ.pack(b"lo", 0)))
        fcntl.ioctl(probe, _SIOCSIFFLAGS, _IFREQ.pack(b"lo", flags | _IFF_UP))
