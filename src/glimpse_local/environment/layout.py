"""What the runtime sees: Lambda's filesystem layout, its user, its variables, and its command.

    /var/lang     the base interpreter (read-only)      /var/runtime  awslambdaric and its bootstrap
    /var/task     the function's code (read-only)       /opt          the layers, merged (read-only)
    /var/rapid    RAPID, the Runtime API's process      /tmp          a tmpfs of ephemeral_mb, the only writable place
    /usr, /lib*, /bin, /sbin from the host; a minimal /etc; fresh /proc and /dev

The sandbox runs RAPID (aws-lambda-rie, from the pinned aws-sam-cli wheel), which serves the
Runtime API at 127.0.0.1:9001 and starts the runtime, Lambda's /var/runtime/bootstrap, at the first
invocation, as Lambda does for an on-demand environment. The environment invokes it through RAPID's
own invoke endpoint (RIE_PORT).

Root's bwrap creates missing parent directories with mode 0700, which uid 993 cannot enter: every
parent is made explicitly with --perms 0755 --dir.

Who runs (see identity.py): as root, bwrap builds everything in the host's user namespace, then
moves into the environment's own (`--userns2`, mapping only 993, 990 and 901 to the environment's
kernel ids); setpriv makes RAPID 901:901, with only the capabilities it needs to start the runtime
as another user and to kill it, and RAPID's bootstrap command has setpriv take 993:990 with none.
As root without that namespace RAPID keeps the host's uid 0 with those capabilities only, and
setpriv takes the host's 993:990 for the runtime.
"""

import math

import os
from pathlib import Path

from .bwrap import BwrapCommand
from .config import FunctionConfig
from .identity import RAPID_GID, RAPID_UID, SANDBOX_GID, SANDBOX_UID
from .seccomp_filter import lambda_filter_fd
from .variables import lambda_variables

SETPRIV = "/usr/bin/setpriv"  # util-linux, from the host's /usr
ENV = "/usr/bin/env"
RAPID_PATH = "/var/rapid/aws-lambda-rie"
RUNTIME_API_PORT = 9001  # where Lambda's Runtime API listens
RIE_PORT = 8080  # RAPID's invoke endpoint, its default (no such endpoint is inside Lambda)
# What RAPID may do besides serving: start the runtime as another user, and kill it (on a timeout).
_RAPID_CAPABILITIES = ("setuid", "setgid", "setpcap", "kill")
# RAPID's own settings, which it would pass on to the runtime with the rest of its environment.
_RAPID_ONLY_VARIABLES = ("AWS_LAMBDA_FUNCTION_TIMEOUT",)

_ETC_FILES = {
    "passwd": "root:x:0:0:root:/root:/sbin/nologin\n"
              f"sbx_user1051:x:{SANDBOX_UID}:{SANDBOX_GID}::/home/sbx_user1051:/sbin/nologin\n",
    "group": f"root:x:0:\nsbx_user1051:x:{SANDBOX_GID}:\n",
    "hosts": "127.0.0.1   localhost localhost.localdomain\n::1         localhost localhost.localdomain\n",
    "nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n",
}
_HOST_ROOT_LINKS = ("bin", "sbin", "lib", "lib64", "lib32", "libx32")


def runtime_command(
    function: FunctionConfig, *, profile: str, runtime_dir: Path, python_home: Path, rapid: Path, runtime_api: str,
    invoke_api: str, as_root: bool, user_namespace: int | None = None, sam_local: bool = False,
) -> BwrapCommand:
    """RAPID in Lambda's layout, serving the Runtime API at `runtime_api` and invocations at
    `invoke_api` (host:port). `user_namespace`: as root, a file descriptor of the environment's own
    (which maps RAPID's 901, or 0 with `sam_local`). `sam_local`: RAPID and the runtime are root, as
    `sam local invoke` runs them, with only RAPID's capabilities; the function must leave root."""
    rapid_command = [
        RAPID_PATH, "--log-level", "debug",  # its debug log says how each invocation went (rapid_log.py)
        "--runtime-api-address", runtime_api, "--runtime-interface-emulator-address", invoke_api,
    ]
    runtime_identity = [] if sam_local else _runtime_identity(as_root, user_namespace is not None)
    runtime = [ENV, *(f"--unset={name}" for name in _RAPID_ONLY_VARIABLES), *runtime_identity,
               "/var/runtime/bootstrap", function.handler]  # RAPID sets _HANDLER from the last argument
    command = BwrapCommand(_rapid_identity(user_namespace is not None, sam_local) + rapid_command + runtime)
    command.add("--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent")
    _add_identity(command, as_root, user_namespace)
    _add_filesystem(command, function, runtime_dir=runtime_dir, python_home=python_home, rapid=rapid)
    if profile == "lambda":
        command.add_fd_option("--seccomp", lambda_filter_fd())
    variables = lambda_variables(function, profile=profile, runtime_api=runtime_api)
    variables["AWS_LAMBDA_FUNCTION_TIMEOUT"] = str(math.ceil(function.timeout_s))
    for key, value in variables.items():
        command.add("--setenv", key, value)
    command.add("--chdir", "/var/task")
    return command


def _rapid_identity(namespaced: bool, sam_local: bool) -> list[str]:
    if not namespaced:
        return []  # root, with only the capabilities bwrap keeps (below)
    if sam_local:  # the namespace's root: it gets the capabilities bwrap keeps at each exec
        return [SETPRIV, "--reuid=0", "--regid=0", "--keep-groups", "--"]
    # 901:901 with the capabilities it needs kept across its exec (ambient), and no others.
    capabilities = ",".join(f"+{name}" for name in _RAPID_CAPABILITIES)
    return [SETPRIV, f"--reuid={RAPID_UID}", f"--regid={RAPID_GID}", "--keep-groups", f"--inh-caps={capabilities}",
            f"--ambient-caps={capabilities}", f"--bounding-set=-all,{capabilities}", "--"]


def _runtime_identity(as_root: bool, namespaced: bool) -> list[str]:
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
        # The setpriv steps need these to change user and empty the bounding set; RAPID keeps
        # CAP_KILL for the runtime. Each drops what it does not pass on.
        command.add("--cap-drop", "ALL", *(option for name in _RAPID_CAPABILITIES for option in ("--cap-add", f"CAP_{name.upper()}")))
    else:
        command.add("--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID))


def _add_filesystem(command: BwrapCommand, function: FunctionConfig, *, runtime_dir: Path, python_home: Path, rapid: Path) -> None:
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
    command.add("--perms", "0755", "--dir", "/var/rapid")
    command.add("--ro-bind", str(rapid), RAPID_PATH)
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
