"""One life of an execution environment: bwrap running the runtime, and its Runtime API.

One dedicated thread does everything that must stay on one thread. As root it enters a new
network namespace, so the Runtime API it binds at 127.0.0.1:9001 is reachable only from the
sandbox it then starts. It starts bwrap, whose parent-death signal fires when the *thread* that
started it exits, so the thread lives exactly as long as bwrap. It serves the Runtime API and the
runtime's output with one selector, then reaps bwrap.

Teardown kills the sandbox's init (pid 1 of its pid namespace): the kernel kills every process of
the namespace, setsid'd ones included, before that init counts as exited, and bwrap exits after it.
The life's confinement (kernel ids, user namespace, cgroups) is acquired before bwrap starts and
released once all that is gone. An OOM in its memory cgroup ends the life, as Lambda ends an
environment that exceeds its memory.
"""

import atexit
import os
import selectors
import signal
import subprocess
import threading
import time
import weakref
from collections.abc import Callable

from .bwrap import BwrapCommand
from .confinement import Confinement
from .logs import LineSplitter
from .netns import listen_in_private_namespace, listen_on_host_loopback
from .runtime_api import RuntimeApi

# After bwrap exits, what the runtime wrote just before dying (a response POSTed right before
# exiting, its last lines of output) still sits in socket and pipe buffers: serve it, briefly.
_DRAIN_LIMIT_S = 1.0
_NAMESPACE_GONE_LIMIT_S = 5.0
_BWRAP_EXITED = object()  # the selector key's data for bwrap's pidfd
_started: "weakref.WeakSet[RuntimeProcess]" = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    # bwrap would die with this process anyway; stopping first also removes the cgroups.
    for process in list(_started):
        process.stop()


class RuntimeProcess:
    def __init__(self, command_for: Callable[[str, int | None], BwrapCommand], *, namespaced: bool, confinement: Confinement,
                 log_sink: Callable[[str], None], name: str) -> None:
        self._command_for = command_for  # the command needs the Runtime API's address and the user namespace
        self._namespaced = namespaced
        self.confinement = confinement
        self._log_sink = log_sink
        self._log_lines = LineSplitter(log_sink)
        self._thread = threading.Thread(target=self._live, name=f"glimpse-env-{name}", daemon=True)
        self._spawned = threading.Event()
        self._spawn_error: BaseException | None = None
        self._pidfds_lock = threading.Lock()  # kill() must never signal a closed, reused fd
        self._bwrap_pidfd: int | None = None
        self._init_pidfd: int | None = None
        self.init_pid: int | None = None
        self.api: RuntimeApi | None = None

    def start(self) -> None:
        """Start bwrap; raise what went wrong if it could not even be started."""
        _started.add(self)
        self._thread.start()
        self._spawned.wait()
        if self._spawn_error is not None:
            self._thread.join()
            raise self._spawn_error

    def kill(self) -> None:
        with self._pidfds_lock:
            target = self._init_pidfd if self._init_pidfd is not None else self._bwrap_pidfd
            if target is not None:
                try:
                    signal.pidfd_send_signal(target, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def stop(self) -> None:
        """Kill everything and return once no process, socket or descriptor of it remains."""
        self.kill()
        self._thread.join()

    def runtime_pid(self) -> int | None:
        """Host pid of the runtime: the only child of the sandbox's init."""
        try:
            with open(f"/proc/{self.init_pid}/task/{self.init_pid}/children") as children:
                return int(children.read().split()[0])
        except (OSError, IndexError, ValueError):
            return None

    def _live(self) -> None:
        try:
            process, logs = self._spawn()
        except BaseException as error:  # handed to start(), on the caller's thread
            self._spawn_error = error
            self._spawned.set()
            return
        self._spawned.set()
        try:
            self._serve(logs)
        finally:
            self.kill()  # no-op after a normal exit; if serving failed, nothing is left running
            self._reap(process, logs)

    def _spawn(self) -> tuple[subprocess.Popen, int]:
        self.confinement.acquire()  # before the network namespace: it spawns a helper process
        try:
            listener = listen_in_private_namespace() if self._namespaced else listen_on_host_loopback()
        except BaseException:
            self.confinement.release()
            raise
        self.api = RuntimeApi(listener)
        logs, output = os.pipe2(os.O_CLOEXEC)
        try:
            command = self._command(self.api.address)
            with self.confinement.joined():
                process, self.init_pid = command.spawn(output=output, prepare=self.confinement.prepare)
        except BaseException:
            self.api.finish(-1)
            os.close(logs)
            self.confinement.release()
            raise
        finally:
            os.close(output)
        os.set_blocking(logs, False)
        with self._pidfds_lock:
            self._bwrap_pidfd = os.pidfd_open(process.pid)
            if self.init_pid is not None:
                self._init_pidfd = _pidfd_or_none(self.init_pid)
        return process, logs

    def _command(self, runtime_api: str) -> BwrapCommand:
        user_namespace = self.confinement.take_user_namespace()  # the command closes it once bwrap has it
        try:
            return self._command_for(runtime_api, user_namespace)
        except BaseException:
            if user_namespace is not None:
                os.close(user_namespace)
            raise

    def _serve(self, logs: int) -> None:
        with selectors.DefaultSelector() as selector:
            self.api.register(selector)
            selector.register(logs, selectors.EVENT_READ, lambda _events: self._read_logs(selector, logs))
            selector.register(self._bwrap_pidfd, selectors.EVENT_READ, _BWRAP_EXITED)
            if self.confinement.out_of_memory_fd is not None:
                selector.register(self.confinement.out_of_memory_fd, selectors.EVENT_READ, self._on_out_of_memory)
            while not self._dispatch(selector.select()):
                pass
            selector.unregister(self._bwrap_pidfd)
            if self.confinement.out_of_memory_fd is not None:
                selector.unregister(self.confinement.out_of_memory_fd)
            self._await_namespace_gone()
            self._drain(selector)

    @staticmethod
    def _dispatch(ready: list) -> bool:
        """Run the callbacks of what is ready; True once bwrap has exited."""
        for key, events in ready:
            if key.data is not _BWRAP_EXITED:
                key.data(events)
        return any(key.data is _BWRAP_EXITED for key, _ in ready)

    def _drain(self, selector: selectors.BaseSelector) -> None:
        deadline = time.monotonic() + _DRAIN_LIMIT_S
        while time.monotonic() < deadline and (ready := selector.select(timeout=0)):
            self._dispatch(ready)

    def _await_namespace_gone(self) -> None:
        # bwrap normally exits only after the sandbox's init; this covers bwrap being killed first.
        if self._init_pidfd is not None:
            with selectors.DefaultSelector() as selector:
                selector.register(self._init_pidfd, selectors.EVENT_READ)
                selector.select(timeout=_NAMESPACE_GONE_LIMIT_S)

    def _on_out_of_memory(self, _events: int) -> None:
        try:
            os.eventfd_read(self.confinement.out_of_memory_fd)
        except BlockingIOError:
            return
        self.kill()
        self._log_sink(f"Error Type: Runtime.OutOfMemory (the environment exceeded its memory size of "
                       f"{self.confinement.memory_mb} MB; everything in it was killed)")

    def _read_logs(self, selector: selectors.BaseSelector, logs: int) -> None:
        try:
            chunk = os.read(logs, 65536)
        except BlockingIOError:
            return
        if chunk:
            self._log_lines.feed(chunk)
        else:
            selector.unregister(logs)
            self._log_lines.close()

    def _reap(self, process: subprocess.Popen, logs: int) -> None:
        exit_status = process.wait()
        with self._pidfds_lock:
            for fd in (self._bwrap_pidfd, self._init_pidfd):
                if fd is not None:
                    os.close(fd)
            self._bwrap_pidfd = self._init_pidfd = None
        os.close(logs)
        self._log_lines.close()
        try:
            self.confinement.release()  # the namespace is gone: nothing is left in the cgroups
        finally:
            self.api.finish(exit_status)


def _pidfd_or_none(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:
        return None
