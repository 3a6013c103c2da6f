"""Environments running at once cannot starve each other: each is uid 993 inside and a kernel uid
of its own outside, with Lambda's 1,024 processes and threads for itself alone, and (where the
host allows) a pids and a memory cgroup of its own; stopping one gives everything back."""

import concurrent.futures
import os
import subprocess
import sys
import time

import pytest

from environment_helpers import call, kernel_ids, tasks_of
from glimpse_local.environment import confinement as confinement_module
from glimpse_local.environment import identity
from glimpse_local.environment.cgroups import PROCESS_LIMIT, CgroupSupport, cgroup_support

ROOT = os.geteuid() == 0
as_root = pytest.mark.skipif(not ROOT, reason="kernel ids and cgroups of its own need root")
own_ids = pytest.mark.skipif(not (ROOT and identity.user_namespaces_work()), reason="needs root and user namespaces")
memory_cgroup = pytest.mark.skipif("memory" not in cgroup_support().parents,
                                   reason=f"no memory cgroup here: {cgroup_support().reason}")
OWN_RANGE = range(identity.IDS_BASE, identity.IDS_BASE + identity.IDS_COUNT)


@own_ids
@pytest.mark.parametrize("profile", ["lambda", "host"])
def test_each_environment_is_993_inside_and_kernel_ids_of_its_own_outside(new_environment, profile):
    environments = [new_environment(profile), new_environment(profile)]
    outside = []
    for environment in environments:
        _, found = call(environment, "identity")
        assert (found["uid"], found["gid"], found["groups"]) == (993, 990, [])
        status = found["status"]
        assert status["CapEff"] == status["CapPrm"] == status["CapBnd"] == "0000000000000000"
        assert status["NoNewPrivs"] == "1"
        uid, gid = kernel_ids(environment.runtime_pid)
        assert uid in OWN_RANGE and gid in OWN_RANGE
        assert (uid, gid) == (environment.confinement.ids.uid, environment.confinement.ids.gid)
        # Only Lambda's user and group, and RAPID's, are mapped; root's files show as nobody.
        rapid = environment.confinement.ids.rapid_id
        _, files = call(environment, "read", paths=["/proc/self/uid_map", "/proc/self/gid_map", "/proc/self/setgroups"])
        assert sorted(line.split() for line in files["/proc/self/uid_map"].splitlines()) == [["901", str(rapid), "1"], ["993", str(uid), "1"]]
        assert sorted(line.split() for line in files["/proc/self/gid_map"].splitlines()) == [["901", str(rapid), "1"], ["990", str(gid), "1"]]
        assert files["/proc/self/setgroups"].strip() == "deny"
        # RAPID, the runtime's parent, is a user of its own with nothing but what it needs.
        assert kernel_ids(environment.rapid_pid) == (rapid, rapid) and rapid not in (uid, gid)
        assert _capabilities(environment.rapid_pid) == {"CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_KILL"}
        _, listing = call(environment, "stat", path="/var/task/app.py")
        assert (listing["uid"], listing["gid"]) == (65534, 65534)
        outside.append(uid)
    assert outside[0] != outside[1]


def _capabilities(pid: int) -> set[str]:
    """The effective capabilities of a process, by name."""
    with open(f"/proc/{pid}/status") as status:
        effective = int(next(line for line in status if line.startswith("CapEff:")).split()[1], 16)
    return {name for name, number in _CAPABILITY_NUMBERS.items() if effective >> number & 1}


_CAPABILITY_NUMBERS = {"CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8, "CAP_SYS_ADMIN": 21}


@own_ids
@pytest.mark.parametrize("profile", ["lambda", "host"])
def test_a_bomb_in_one_environment_leaves_the_other_free_to_start_processes_and_threads(new_environment, profile):
    bombed, neighbour = new_environment(profile), new_environment(profile)
    bombed_uid = bombed.confinement.ids.uid
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        bombing = pool.submit(call, bombed, "bomb", processes=200, hold=2)
        deadline = time.monotonic() + 3
        while sum(tasks_of(bombed_uid).values()) < PROCESS_LIMIT and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sum(tasks_of(bombed_uid).values()) == PROCESS_LIMIT  # the bomb holds all it may have
        _, started = call(neighbour, "spawn_many", threads=200, processes=50)
        assert started == {"threads": 200, "processes": 50}
        _, bomb = bombing.result()
    assert bomb["processes"] == 200 and bomb["threads"] > 700
    assert bomb["refused"] == {"thread": "can't start new thread", "last_fork": "Resource temporarily unavailable"}
    assert call(bombed, "count")[1]["count"] == 2  # and it serves on
    assert tasks_of(bombed_uid).keys() == {bombed.runtime_pid}


@own_ids
def test_stop_gives_back_the_ids_and_cgroups_and_leaves_no_process(new_environment):
    environment = new_environment()
    call(environment, "spawn_background")
    confinement = environment.confinement
    uid = confinement.ids.uid
    lease = identity.LEASE_DIR / str(uid)
    cgroups = list(confinement.cgroups.directories.values()) if confinement.cgroups else []
    assert lease.exists()
    assert len(tasks_of(uid)) == 2  # the runtime and its detached sleeper
    with open(f"/proc/{environment.runtime_pid}/cgroup") as membership:
        joined = membership.read()
    for directory in cgroups:
        assert f"/{directory.name}\n" in joined
        assert str(environment.runtime_pid) in (directory / "cgroup.procs").read_text().split()

    environment.stop()
    assert tasks_of(uid) == {}
    assert not lease.exists()
    assert not any(directory.exists() for directory in cgroups)
    environment.start()  # the lowest free ids again: its own, if no other environment took them
    assert environment.confinement.ids.uid in OWN_RANGE


@memory_cgroup
@pytest.mark.parametrize("in_child", [False, True], ids=["in-the-runtime", "in-a-child"])
def test_exceeding_the_memory_size_ends_the_environment_as_lambda_does(new_environment, in_child):
    environment = new_environment(memory_mb=128)
    assert call(environment, "allocate", mb=32, in_child=in_child)[0].function_error is None
    result, payload = call(environment, "allocate", mb=300, in_child=in_child)
    assert result.function_error == "Unhandled" and result.environment_retired
    assert payload == {"errorType": "Runtime.ExitError",
                       "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: signal: killed"}
    assert "Runtime.OutOfMemory" in environment.logs()
    assert call(environment, "count")[1]["count"] == 1
    assert environment.starts == 2


@as_root
def test_without_user_namespaces_or_cgroups_the_runtime_is_the_hosts_993(new_environment, monkeypatch):
    monkeypatch.setattr(identity, "user_namespaces_work", lambda: False)
    monkeypatch.setattr(confinement_module, "cgroup_support", lambda: CgroupSupport({}, "switched off by the test"))
    environment = new_environment()
    _, found = call(environment, "identity")
    assert (found["uid"], found["gid"], found["groups"]) == (993, 990, [])
    assert found["status"]["CapBnd"] == "0000000000000000"
    assert kernel_ids(environment.runtime_pid) == (993, 990)
    assert environment.confinement.ids is None and environment.confinement.cgroups is None


def test_leases_take_the_lowest_free_ids_and_never_share_one(tmp_path, monkeypatch):
    monkeypatch.setattr(identity, "LEASE_DIR", tmp_path / "leases")
    first, second = identity.lease_kernel_ids(), identity.lease_kernel_ids()
    assert (first.uid, second.uid) == (identity.IDS_BASE, identity.IDS_BASE + 1)
    assert first.gid == first.uid
    first.release()
    first.release()  # idempotent
    assert not (tmp_path / "leases" / str(identity.IDS_BASE)).exists()
    again = identity.lease_kernel_ids()
    assert again.uid == identity.IDS_BASE
    # Another process's lease is skipped, and a dead process's lease is free: the kernel unlocked it.
    holder = subprocess.Popen([sys.executable, "-c", HOLD_A_LEASE, str(tmp_path / "leases")], stdout=subprocess.PIPE, text=True)
    try:
        held = int(holder.stdout.readline())
        assert held == identity.IDS_BASE + 2
        assert identity.lease_kernel_ids().uid == identity.IDS_BASE + 3
    finally:
        holder.kill()
        holder.wait()
    assert identity.lease_kernel_ids().uid == held


HOLD_A_LEASE = """
import sys, time
from pathlib import Path
from glimpse_local.environment import identity
identity.LEASE_DIR = Path(sys.argv[1])
print(identity.lease_kernel_ids().uid, flush=True)
time.sleep(60)
"""
