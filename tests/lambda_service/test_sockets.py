"""The emulator's readiness check works for any descriptor a busy stack holds."""

import os
import resource
import socket

import pytest

from glimpse_local.sockets import readable

HIGH_FD = 1500  # beyond select()'s 1,024, where fifty environments' pipes and sockets put a connection


@pytest.fixture
def high_numbered_pair():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= HIGH_FD:
        pytest.skip(f"the descriptor limit ({hard}) is below {HIGH_FD}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, HIGH_FD + 1), hard))
    ours, theirs = socket.socketpair()
    high = socket.socket(fileno=os.dup2(ours.fileno(), HIGH_FD))
    ours.close()
    yield high, theirs
    high.close()
    theirs.close()
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_connection_numbered_beyond_selects_limit_is_quiet_then_readable_then_ended(high_numbered_pair):
    high, theirs = high_numbered_pair
    assert not readable(high, 0)
    theirs.send(b"x")
    assert readable(high, 1)
    assert high.recv(1) == b"x"
    theirs.close()
    assert readable(high, 1)  # the end is readable: recv answers b""
    assert high.recv(1) == b""


def test_a_closed_socket_is_an_error_not_an_answer():
    ours, theirs = socket.socketpair()
    ours.close()
    with pytest.raises(ValueError):
        readable(ours, 0)
    theirs.close()
