"""The host's view of processes, read from /proc with no help from the processes themselves."""

import os


def parent_of(pid: int) -> int:
    return _stat_fields(pid)[1]


def start_time(pid: int) -> int:
    """Clock ticks after boot: with the pid, what tells a process apart from a later one reusing its pid."""
    return _stat_fields(pid)[19]


def descendants(ancestor: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                children.setdefault(parent_of(int(name)), []).append(int(name))
            except (OSError, IndexError):
                continue
    found, pending = set(), [ancestor]
    while pending:
        for child in children.get(pending.pop(), []):
            found.add(child)
            pending.append(child)
    return found


def _stat_fields(pid: int) -> list:
    """/proc/<pid>/stat after the command name, numbered as in proc(5) from field 3 (state) on: [1] is
    the parent, [19] the start time."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        return [b""] + [int(field) if field.isdigit() else field for field in stat.read().rsplit(b")", 1)[1].split()[1:]]
