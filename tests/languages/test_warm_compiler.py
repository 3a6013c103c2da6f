"""The JVM runners' warm compile server: the runtime's own process, known by identity only,
closed to programs, replaced when a program kills it and continued when one stops it."""

import pytest

HELLO = 'fun main() { println("compiled") }\n'

KILL_THE_COMPILER = """
import java.io.File

fun main() {
    val victims = File("/proc").listFiles()!!.filter { it.name.all(Char::isDigit) }.filter {
        runCatching { File(it, "cmdline").readText().contains("compile-server.args") }.getOrDefault(false)
    }
    victims.forEach { ProcessBuilder("kill", "-9", it.name).start().waitFor() }
    println("killed ${victims.size}")
}
"""

STOP_THE_COMPILER = KILL_THE_COMPILER.replace('"-9"', '"-STOP"').replace("killed", "stopped")

IMPOSTOR = """
fun main() {
    // a daemon wearing the compile server's command line, in the hope of being spared by the sweep
    ProcessBuilder("/bin/sh", "-c", "sleep 300", "/opt/jdk/bin/java", "@/opt/kotlinc/compile-server.args").start()
    println("left an impostor")
}
"""

READ_THE_COMPILER = """
import java.io.File

fun main() {
    for (pid in File("/proc").listFiles()!!.filter { it.name.all(Char::isDigit) }) {
        val command = runCatching { File(pid, "cmdline").readText() }.getOrDefault("")
        if ("compile-server.args" in command) {
            println(runCatching { File(pid, "environ").readBytes(); "readable" }.getOrElse { it.javaClass.simpleName })
        }
    }
}
"""


def compile_servers(runner) -> list[int]:
    """Processes of the environment whose command line names the compile server, seen from the host."""
    found = []
    for pid in runner.snapshot()["processes"]:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                if b"compile-server.args" in cmdline.read():
                    found.append(pid)
        except FileNotFoundError:
            continue
    return found


def test_a_killed_compiler_is_replaced_and_the_next_compile_works(runner_for):
    runner = runner_for("kotlin")
    assert runner(language="kotlin", code=HELLO)["run"]["stdout"] == "compiled\n"
    (server,) = compile_servers(runner)
    runner(language="kotlin", code=KILL_THE_COMPILER)
    if runner.environment.profile == "lambda":
        assert compile_servers(runner) == []  # same user, no namespaces: the program could kill it
    else:
        assert compile_servers(runner) == [server]  # out of reach, in another pid namespace
    assert runner(language="kotlin", code=HELLO)["run"]["stdout"] == "compiled\n"
    (replacement,) = compile_servers(runner)
    assert (replacement != server) == (runner.environment.profile == "lambda")
    assert not runner.last_answer.environment_retired


def test_a_stopped_compiler_goes_on_and_the_next_compile_does_not_wait_for_it(runner_for):
    runner = runner_for("kotlin")
    if runner.environment.profile != "lambda":
        pytest.skip("the host profile puts the server out of the program's reach (another pid namespace)")
    assert runner(language="kotlin", code=HELLO)["run"]["stdout"] == "compiled\n"
    (server,) = compile_servers(runner)
    assert runner(language="kotlin", code=STOP_THE_COMPILER)["run"]["stdout"] == "stopped 1\n"
    result = runner(language="kotlin", code=HELLO)
    assert result["run"]["stdout"] == "compiled\n" and result["compile"]["time_ms"] < 5000
    assert compile_servers(runner) == [server]  # the same server, continued, not replaced


def test_a_process_named_like_the_compiler_is_swept_all_the_same(runner_for):
    runner = runner_for("kotlin")
    result = runner(language="kotlin", code=IMPOSTOR)
    assert result["status"] == "ok" and result["run"]["stdout"] == "left an impostor\n"
    assert len(compile_servers(runner)) == 1  # the real one; the impostor is gone


def test_a_program_cannot_read_the_compilers_environment_or_memory(runner_for):
    runner = runner_for("kotlin")
    result = runner(language="kotlin", code=READ_THE_COMPILER)
    assert result["status"] == "ok"
    # lambda: the server is the runtime's child, non-dumpable; host: it is not even visible
    assert "readable" not in result["run"]["stdout"]


def test_a_program_without_main_is_a_compile_error_that_says_so(runner_for):
    runner = runner_for("kotlin")
    result = runner(language="kotlin", code="fun notMain() = 42\n")
    assert result["status"] == "compile_error"
    assert "no main function" in result["compile"]["stderr"] and "run" not in result
