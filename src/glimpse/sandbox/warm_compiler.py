"""A compiler kept warm across invocations: the JVM languages' compile server.

Starting kotlinc costs seconds; a JVM that stays up between invocations compiles in tens to low
hundreds of milliseconds. The server belongs to the runtime, not to any run: it is exempt from
the sweep by its identity (pid and start time), spoken to only through the pipes the runtime
holds, never runs what it compiles, caps its own memory (its JVM options), and makes itself
non-dumpable so that a program of the same user can neither read nor write its memory. If it
dies, is killed, or takes too long, it is replaced on the next compile; a compile that finds it
gone only when it sends the request (a JVM takes a while to die) sends it once more to a new one.

The protocol (see layers/toolchains/jdk/compile-server): a request is lines of text — the
compiler (the recipe's [compile] compiler), output path, number of sources, the sources — and the
answer is one line "status mainClass length" followed by `length` bytes of compiler messages.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from glimpse.sandbox.processes import ProcessTable, cpu_ms

SERVER_ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}


@dataclass
class CompileAnswer:
    status: str  # ok, error, crash, time_limit, or unavailable (the server could not be used)
    main_class: str | None
    messages: bytes
    time_ms: int
    cpu_ms: int


class WarmCompiler:
    def __init__(self, argv: list[str], processes: ProcessTable):
        self.argv = argv
        self.processes = processes
        self.process: subprocess.Popen | None = None
        self._pending = b""

    def start(self) -> None:
        """Start the server now, so its JVM boots while the runtime waits for work."""
        self.process = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=SERVER_ENVIRONMENT, cwd="/",
            start_new_session=True,
        )
        self.processes.exempt(self.process.pid)
        self._pending = b""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def compile(self, compiler: str, output: Path, sources: list[Path], timeout_s: float) -> CompileAnswer:
        started = time.monotonic()
        request = f"{compiler}\n{output}\n{len(sources)}\n" + "".join(f"{source}\n" for source in sources)
        answer, process, cpu_before = self._send(request.encode(), started, timeout_s)
        if answer[0] == "unavailable":
            # A server that a program killed may not have finished dying when this compile began
            # (a JVM takes a while): a new one gets the request once more, in the time left.
            answer, process, cpu_before = self._send(request.encode(), started, timeout_s)
        if answer[0] != "unavailable" and self.process is not None and not self._protected():
            self.stop()  # fail closed: a compiler readable by programs must not be kept
            answer = ("unavailable", None, b"the compiler could not make itself non-dumpable\n")
        status, main_class, messages = answer
        used_ms = max(0, cpu_ms(process.pid) - cpu_before) if self.process is not None else 0
        return CompileAnswer(status, main_class, messages, round((time.monotonic() - started) * 1000), used_ms)

    def _send(self, request: bytes, started: float, timeout_s: float) -> tuple[tuple[str, str | None, bytes], subprocess.Popen, int]:
        """The server's answer to one request, by `timeout_s` after `started` (a new server if the
        last one is gone), the server that answered and its CPU time before it did."""
        if self.process is None or self.process.poll() is not None:
            self.start()
        process = self.process
        # A program of our user can stop the server (SIGSTOP) and leave no stray for the sweep to
        # find: it is continued before each compile, or this compile would wait out its limit.
        # Safe by pid: the server is our child, whose pid is not reused before we reap it.
        process.send_signal(signal.SIGCONT)
        cpu_before = cpu_ms(process.pid)
        try:
            process.stdin.write(request)
            process.stdin.flush()
            answer = self._read_answer(started + timeout_s)
        except (BrokenPipeError, EOFError):
            self.stop()
            answer = ("unavailable", None, b"the compiler stopped unexpectedly; it is restarted for the next compile\n")
        except TimeoutError:
            self.stop()
            answer = ("time_limit", None, f"compiling took longer than {timeout_s:g} s\n".encode())
        return answer, process, cpu_before

    def _protected(self) -> bool:
        """Whether a program of our user is kept out of the server's /proc files, as it is when
        the server is non-dumpable: we are of that same user, so we try ourselves."""
        try:
            with open(f"/proc/{self.process.pid}/environ", "rb"):
                return False
        except PermissionError:
            return True
        except FileNotFoundError:
            return False

    def _read_answer(self, deadline: float) -> tuple[str, str | None, bytes]:
        header = self._read_until(lambda data: b"\n" in data, deadline)
        line, _, rest = header.partition(b"\n")
        status, main_class, length = line.decode().split()
        self._pending = rest
        body = self._read_until(lambda data: len(data) >= int(length), deadline)
        self._pending = body[int(length):]
        return status, None if main_class == "-" else main_class, body[: int(length)]

    def _read_until(self, complete, deadline: float) -> bytes:
        fd = self.process.stdout.fileno()
        data, self._pending = self._pending, b""
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while not complete(data):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                if selector.select(remaining):
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        raise EOFError
                    data += chunk
        return data

