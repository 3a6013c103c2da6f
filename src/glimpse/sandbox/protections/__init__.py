"""Host hardening beyond what Lambda gives, each probed once per environment."""

from __future__ import annotations

from collections.abc import Collection

from glimpse.sandbox.protections.base import Launch, Protection
from glimpse.sandbox.protections.landlock import Landlock
from glimpse.sandbox.protections.namespaces import Namespaces
from glimpse.sandbox.protections.seccomp import Seccomp

__all__ = ["Launch", "Protection", "probe_protections", "KNOWN"]

# Applied in this order: Namespaces last, because it wraps the command and takes over the
# seccomp filter. Landlock only where namespaces are unavailable: bwrap's mount set-up cannot
# run under Landlock, and the namespaces already confine writes and remove the network.
KNOWN: dict[str, type[Protection]] = {"landlock": Landlock, "seccomp": Seccomp, "namespaces": Namespaces}


def probe_protections(disabled: Collection[str] = ()) -> list[Protection]:
    unknown = set(disabled) - set(KNOWN)
    if unknown:
        raise ValueError(f"unknown protections {sorted(unknown)}; known: {sorted(KNOWN)}")
    found = {name: kind.probe() for name, kind in KNOWN.items() if name not in disabled}
    if found.get("namespaces") is not None:
        found["landlock"] = None
    return [protection for protection in found.values() if protection is not None]
