"""What the runtime sees: Lambda's filesystem layout, its user, its variables, and its command.

    /var/lang     the base interpreter (read-only)      /var/runtime  awslambdaric (read-only)
    /var/task     the function's code (read-only)       /opt          the layers, merged (read-only)
    /tmp          a tmpfs of ephemeral_mb, the only writable place
    /usr, /lib*, /bin, /sbin from the host; a minimal /etc; fresh /proc and /dev

Root's bwrap creates missing parent directories with mode 0700, which uid 993 cannot enter: every
parent is made explicitly with --perms 0755 --dir.

Who the runtime is (see identity.py): as root, bwrap builds everything in the host's user namespace,
then moves into the environment's own (`--userns2`, mapping only 993 and 990 to the environment's
kernel ids) and setpriv takes 993:990 there; as root without that namespace, setpriv takes the
host's 993:990 itself; without root, bwrap's own user namespace maps the caller to 993:990.
"""

import os
from pathlib import Path

from .bwrap import BwrapCommand
from .config import FunctionConfig
from .identity import SANDBOX_GID, SANDBOX_UID
from .seccomp_filter import lambda_filter_fd
from .variables import lambda_variables

SETPRIV = "/usr/bin/setpriv"  # util-linux, from the host's /usr

_ETC_FILES = {
    "passwd": "root:x:0:0:root:/root:/sbin/nologin\n"
              f"sbx_user1051:x:{SANDBOX_UID}:{SANDBOX_GID}::/home/sbx_user1051:/sbin/nologin\n",
    "group": f"root:x:0:\nsbx_user1051:x:{SANDBOX_GID}:\n",
    "hosts": "127.0.0.1   localhost localhost.localdomain\n::1         localhost localhost.localdomain\n",
    "nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n",
}
_HOST_ROOT_LINKS = ("bin", "sbin", "lib", "lib64", "lib32", "libx32")


def runtime_command(
    function: FunctionConfig, *, profile: str, runtime_dir: Path, python_home: Path, runtime_api: str, as_root: bool,
    user_namespace: int | None = None,
) -> BwrapCommand:
    """`user_namespace`: as root, a file descriptor of the environment's own user namespace."""
    program = _identity_program(as_root, user_namespace is not None)
    command = BwrapCommand(program + [f"/var/lang/bin/{function.runtime}", "-m", "awslambdaric", function.handler])
    command.add("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent")
    _add_identity(command, as_root, user_namespace)
    _add_filesystem(command, function, runtime_dir=runtime_dir, python_home=python_home)
    if profile == "lambda":
        command.add_fd_option("--seccomp", lambda_filter_fd())
    for key, value in lambda_variables(function, profile=profile, runtime_api=runtime_api).items():
        command.add("--setenv", key, value)
    command.add("--chdir", "/var/task")
    return command


def _identity_program(as_root: bool, namespaced: bool) -> list[str]:
    if not as_root:
        return []  # the user namespace already maps us to 993:990 with no capabilities
    # Take 993:990 and shed every capability, the bounding set included. In the environment's
    # namespace setgroups is denied, and bwrap starts with no supplementary group to keep.
    groups = "--keep-groups" if namespaced else "--clear-groups"
    return [SETPRIV, f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_GID}", groups, "--inh-caps=-all", "--bounding-set=-all", "--"]


def _add_identity(command: BwrapCommand, as_root: bool, user_namespace: int | None) -> None:
    if as_root:
        if user_namespace is not None:
            command.add_fd_option("--userns2", user_namespace)
        # setpriv needs these three to change user and empty the bounding set; it then drops them.
        command.add("--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP")
    else:
        command.add("--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID))


def _add_filesystem(command: BwrapCommand, function: FunctionConfig, *, runtime_dir: Path, python_home: Path) -> None:
    command.add("--ro-bind", "/usr", "/usr")
    for name in _HOST_ROOT_LINKS:
        host_path = Path("/", name)
        if host_path.is_symlink():
            command.add("--symlink", os.readlink(host_path), f"/{name}")
        elif host_path.is_dir():
            command.add("--ro-bind", str(host_path), f"/{name}")
    _add_etc(command)
    command.add("--perms", "0755", "--dir", "/var")
    command.add("--ro-bind", str(python_home), "/var/lang")
    command.add("--ro-bind", str(runtime_dir), "/var/runtime")
    command.add("--ro-bind", str(function.code_dir), "/var/task")
    _add_layers(command, function.layers)
    command.add("--proc", "/proc", "--dev", "/dev")
    # In a user namespace bwrap's /dev belongs to uid 993, so /dev/shm would be writable; not in
    # Lambda. Device nodes stay writable on a read-only mount.
    command.add("--remount-ro", "/dev")
    command.add("--perms", "1777", "--size", str(function.ephemeral_mb * 1024 * 1024), "--tmpfs", "/tmp")
    command.add("--remount-ro", "/")


def _add_etc(command: BwrapCommand) -> None:
    command.add("--perms", "0755", "--dir", "/etc")
    for name, text in _ETC_FILES.items():
        command.add_data_file(f"/etc/{name}", text.encode())
    command.add("--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache")
    command.add("--perms", "0755", "--dir", "/etc/ssl")
    command.add("--ro-bind-try", "/etc/ssl/certs", "/etc/ssl/certs")
    command.add("--ro-bind-try", "/etc/ssl/openssl.cnf", "/etc/ssl/openssl.cnf")


def _add_layers(command: BwrapCommand, layers: tuple[Path, ...]) -> None:
    if not layers:
        command.add("--perms", "0755", "--dir", "/opt")
    elif len(layers) == 1:
        command.add("--ro-bind", str(layers[0]), "/opt")
    else:
        # One read-only overlay: each --overlay-src lies above the previous one, so later layers win.
        for layer in layers:
            command.add("--overlay-src", str(layer))
        command.add("--ro-overlay", "/opt")
