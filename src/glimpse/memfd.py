"""Bytes handed to a child process as a file descriptor, without touching any filesystem."""

import os


def memfd_with(name: str, data: bytes) -> int:
    """An anonymous in-memory file holding `data`, positioned at its start, closed on exec
    unless passed on explicitly (subprocess's pass_fds, or dup2 onto a standard stream)."""
    fd = os.memfd_create(name, os.MFD_CLOEXEC)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
