"""One life of an execution environment: bwrap running RAPID, which runs the runtime.

RAPID (aws-lambda-rie, Lambda's own Runtime API) serves the runtime and whatever it starts, exactly
as in Lambda; the environment invokes it through RAPID's invoke endpoint and reads how each
invocation went from RAPID's log (rapid_log.py).

One dedicated thread does everything that must stay on one thread. As root it enters a new
network namespace, so RAPID's Runtime API at 127.0.0.1:9001 is reachable only from the sandbox it
then starts. It starts bwrap, whose parent-death signal fires when the *thread* that started it
exits, so the thread lives exactly as long as bwrap. It reads RAPID's output and log with one
selector, then reaps bwrap.

Teardown kills the sandbox's init (pid 1 of its pid namespace): the kernel kills every process of
the namespace, setsid'd ones included, before that init counts as exited, and bwrap exits after it.
The life's confinement (kernel ids, user namespace, cgroups) is acquired before bwrap starts and
released once all that is gone. An OOM in its memory cgroup ends the life, as Lambda ends an
environment that exceeds its memory; so does a runtime that exits while no invocation waits for it
(Lambda resets the environment; RAPID would start another runtime beside what the last one left).
"""

import atexit
import http.client
import os
import selectors
import signal
import socket
import subprocess
import threading
import time
import weakref
from collections.abc import Callable

from glimpse_local.sockets import readable

from .bwrap import BwrapCommand
from .confinement import Confinement
from .layout import RIE_PORT, RUNTIME_API_PORT
from .logs import LineSplitter
from .netns import enter_private_namespace, reserve_loopback_port, socket_in
from .rapid_log import RapidLog

# After bwrap exits, what RAPID and the runtime wrote just before dying still sits in pipe
# buffers: read it, briefly.
_DRAIN_LIMIT_S = 1.0
_NAMESPACE_GONE_LIMIT_S = 5.0
_READY_LIMIT_S = 10.0  # RAPID listens within milliseconds of its start
_ANSWER_READ_LIMIT_S = 10.0
_BWRAP_EXITED = object()  # the selector key's data for bwrap's pidfd
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
_COGNITO_IDENTITY = "X-Amz-Cognito-Identity"
_started: "weakref.WeakSet[RuntimeProcess]" = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    # bwrap would die with this process anyway; stopping first also removes the cgroups.
    for process in list(_started):
        process.stop()


class RuntimeProcess:
    def __init__(self, command_for: Callable[[str, str, int | None], BwrapCommand], *, namespaced: bool,
                 confinement: Confinement, log_sink: Callable[[str], None], name: str) -> None:
        self._command_for = command_for  # (Runtime API address, invoke address, user namespace) -> command
        self._namespaced = namespaced
        self.confinement = confinement
        self._log_sink = log_sink
        self._output_lines = LineSplitter(log_sink)
        self._thread = threading.Thread(target=self._live, name=f"glimpse-env-{name}", daemon=True)
        self._spawned = threading.Event()
        self._spawn_error: BaseException | None = None
        self._pidfds_lock = threading.Lock()  # kill() must never signal a closed, reused fd
        self._bwrap_pidfd: int | None = None
        self._init_pidfd: int | None = None
        self.init_pid: int | None = None
        self.rapid_log: RapidLog | None = None
        self.exit_status: int | None = None  # bwrap's, once everything is gone
        self.invoking = False  # an invocation waits for RAPID's answer: a runtime exit is its to report
        self._exited = threading.Event()
        self._network: int | None = None  # the private network namespace
        self._invoke_address: tuple[str, int] | None = None
        self._reservations: list[socket.socket] = []
        self._connection: http.client.HTTPConnection | None = None

    @property
    def exited(self) -> bool:
        return self._exited.is_set()

    def start(self) -> None:
        """Start bwrap and return once RAPID takes invocations; raise what went wrong if it does not."""
        _started.add(self)
        self._thread.start()
        self._spawned.wait()
        if self._spawn_error is not None:
            self._thread.join()
            raise self._spawn_error
        try:
            self._connection = self._connect(time.monotonic() + _READY_LIMIT_S)
        except BaseException:
            self.stop()
            raise
        finally:
            for reservation in self._reservations:
                reservation.close()

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
        if self._connection is not None:
            self._connection.close()

    def start_init(self) -> None:
        """Have RAPID start the runtime now, as Lambda inits an environment ahead of its first
        invocation (provisioned concurrency), instead of at that invocation.

        RAPID has no request for that: it inits at the first invocation that reaches its invoke
        handler. That handler starts the init before it reads X-Amz-Cognito-Identity, and answers
        500 without invoking anything when that header is not JSON: so this request starts the
        init, and no event reaches the runtime. `rapid_log.init_status` then says how it went."""
        self._connection.request("POST", INVOKE_PATH, body=b"{}", headers={_COGNITO_IDENTITY: "not JSON"})
        answer = self._connection.getresponse()
        answer.read()
        if answer.status != 500:
            raise RuntimeError(f"RAPID answered the init's request with {answer.status}: an invocation may have run")

    def send_invocation(self, payload: bytes, headers: dict[str, str]) -> None:
        """POST an invocation to RAPID's invoke endpoint; `await_answer` says when it answered."""
        self.rapid_log.begin_invocation()
        self._connection.request("POST", INVOKE_PATH, body=payload, headers=headers)

    def await_answer(self, timeout_s: float) -> bool:
        """Wait until RAPID answers or its connection ends (True), or `timeout_s` passes; then take
        in RAPID's log."""
        try:
            ready = readable(self._connection.sock, timeout_s)
        except (OSError, ValueError):  # closed: reading the answer says what happened
            ready = True
        self.rapid_log.drain()
        return ready

    def read_answer(self) -> bytes:
        """RAPID's answer's body (its status says less than its log). Raises OSError or
        HTTPException when RAPID is gone."""
        body = self._connection.getresponse().read()
        self.rapid_log.drain()  # what it logged before answering is all in the pipe now
        return body

    def rapid_pid(self) -> int | None:
        """Host pid of RAPID: the only child of the sandbox's init."""
        return _only_child(self.init_pid)

    def runtime_pid(self) -> int | None:
        """Host pid of the runtime: RAPID's child, once the first invocation started it."""
        return _only_child(self.rapid_pid())

    def _connect(self, deadline: float) -> http.client.HTTPConnection:
        connection = _RapidConnection(*self._invoke_address, network=self._network)
        while True:
            try:
                connection.connect()
                return connection
            except ConnectionRefusedError:
                if self.exited or time.monotonic() > deadline:
                    raise RuntimeError("RAPID did not start: " + ("the sandbox exited" if self.exited else
                                       "its invoke endpoint refused connections")) from None
                time.sleep(0.002)

    def _live(self) -> None:
        try:
            process, output, errors = self._spawn()
        except BaseException as error:  # handed to start(), on the caller's thread
            self._spawn_error = error
            self._spawned.set()
            return
        self._spawned.set()
        try:
            self._serve(output, errors)
        finally:
            self.kill()  # no-op after a normal exit; if serving failed, nothing is left running
            self._reap(process, output, errors)

    def _spawn(self) -> tuple[subprocess.Popen, int, int]:
        self.confinement.acquire()  # before the network namespace: it spawns a helper process
        pipes: list[int] = []
        try:
            runtime_api, invoke_api = self._addresses()
            pipes = [*os.pipe2(os.O_CLOEXEC), *os.pipe2(os.O_CLOEXEC)]
            output, output_end, errors, errors_end = pipes
            command = self._command(runtime_api, invoke_api)
            with self.confinement.joined():
                process, self.init_pid = command.spawn(stdout=output_end, stderr=errors_end, prepare=self.confinement.prepare)
        except BaseException:
            for fd in pipes:
                os.close(fd)
            for reservation in self._reservations:
                reservation.close()
            if self._network is not None:
                os.close(self._network)
            self.confinement.release()
            raise
        os.close(output_end)
        os.close(errors_end)
        for fd in (output, errors):
            os.set_blocking(fd, False)
        self.rapid_log = RapidLog(errors, self._log_sink)
        with self._pidfds_lock:
            self._bwrap_pidfd = os.pidfd_open(process.pid)
            if self.init_pid is not None:
                self._init_pidfd = _pidfd_or_none(self.init_pid)
        return process, output, errors

    def _addresses(self) -> tuple[str, str]:
        """Where RAPID listens: Lambda's 127.0.0.1:9001 in a namespace of the environment's own,
        or two free ports of the host's loopback."""
        if self._namespaced:
            self._network = enter_private_namespace()
            self._invoke_address = ("127.0.0.1", RIE_PORT)
            return f"127.0.0.1:{RUNTIME_API_PORT}", f"127.0.0.1:{RIE_PORT}"
        self._reservations = [reserve_loopback_port(), reserve_loopback_port()]
        runtime_api, invoke = (reservation.getsockname() for reservation in self._reservations)
        self._invoke_address = invoke
        return "{}:{}".format(*runtime_api), "{}:{}".format(*invoke)

    def _command(self, runtime_api: str, invoke_api: str) -> BwrapCommand:
        user_namespace = self.confinement.take_user_namespace()  # the command closes it once bwrap has it
        try:
            return self._command_for(runtime_api, invoke_api, user_namespace)
        except BaseException:
            if user_namespace is not None:
                os.close(user_namespace)
            raise

    def _serve(self, output: int, errors: int) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(output, selectors.EVENT_READ, lambda _events: self._read_output(selector, output))
            selector.register(errors, selectors.EVENT_READ, lambda _events: self._read_rapid_log(selector, errors))
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

    def _read_output(self, selector: selectors.BaseSelector, output: int) -> None:
        try:
            chunk = os.read(output, 65536)
        except BlockingIOError:
            return
        if chunk:
            self._output_lines.feed(chunk)
        else:
            selector.unregister(output)
            self._output_lines.close()

    def _read_rapid_log(self, selector: selectors.BaseSelector, errors: int) -> None:
        self.rapid_log.drain()
        if self.rapid_log.closed:
            selector.unregister(errors)
        if self.rapid_log.runtime_exit is not None and not self.invoking:
            self.kill()  # Lambda resets an environment whose runtime exits

    def _reap(self, process: subprocess.Popen, output: int, errors: int) -> None:
        exit_status = process.wait()
        with self._pidfds_lock:
            for fd in (self._bwrap_pidfd, self._init_pidfd):
                if fd is not None:
                    os.close(fd)
            self._bwrap_pidfd = self._init_pidfd = None
        self._output_lines.close()
        try:
            self.confinement.release()  # the namespace is gone: nothing is left in the cgroups
        finally:
            self.exit_status = exit_status
            self._exited.set()
            os.close(output)
            self.rapid_log.close()
            if self._network is not None:
                os.close(self._network)


class _RapidConnection(http.client.HTTPConnection):
    """HTTP to RAPID's invoke endpoint, connected in the environment's network namespace (when it
    has one) by whichever thread connects, reconnections included."""

    def __init__(self, host: str, port: int, *, network: int | None) -> None:
        super().__init__(host, port, timeout=_ANSWER_READ_LIMIT_S)  # once RAPID answers, all of it comes at once
        self._network = network

    def connect(self) -> None:
        sock = socket_in(self._network)
        try:
            sock.connect((self.host, self.port))
        except BaseException:
            sock.close()
            raise
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.timeout)
        self.sock = sock


def _only_child(pid: int | None) -> int | None:
    if pid is None:
        return None
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        for task in tasks:
            with open(f"/proc/{pid}/task/{task}/children") as children:
                found = children.read().split()
            if found:
                return int(found[0])
    except (OSError, ValueError):
        return None
    return None


def _pidfd_or_none(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:
        return None
