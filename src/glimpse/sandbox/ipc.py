"""System V IPC objects outlive the processes that made them: a run could leave a shared memory
segment or a message queue for the next run to find. The sweep removes every one of ours."""

from __future__ import annotations

import ctypes
import ctypes.util

LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
IPC_RMID = 0
KINDS = {
    "shm": lambda ident: LIBC.shmctl(ident, IPC_RMID, None),
    "msg": lambda ident: LIBC.msgctl(ident, IPC_RMID, None),
    "sem": lambda ident: LIBC.semctl(ident, 0, IPC_RMID),
}


def ipc_objects(uid: int) -> list[tuple[str, int]]:
    found = []
    for kind in KINDS:
        try:
            with open(f"/proc/sysvipc/{kind}") as table:
                header, *rows = table.read().splitlines()
        except FileNotFoundError:
            continue
        columns = header.split()
        for row in rows:
            fields = dict(zip(columns, row.split()))
            if int(fields["uid"]) == uid:
                found.append((kind, int(fields["msqid" if kind == "msg" else kind + "id"])))
    return found


def remove_ipc_objects(uid: int) -> list[tuple[str, int]]:
    """Remove our IPC objects; return the ones that remain."""
    for kind, ident in ipc_objects(uid):
        KINDS[kind](ident)
    return ipc_objects(uid)
