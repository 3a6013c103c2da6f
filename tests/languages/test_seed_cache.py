"""The C and C++ runners keep Zig's cache across runs, and throw it away the moment a program
has touched it: a doctored object must never reach the next run's link."""

import os

TAMPER = r"""
#include <dirent.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    /* plant a file in the cache this run was compiled with, and scribble on every manifest */
    FILE *planted = fopen(".zig-cache/planted", "w");
    if (planted) { fputs("doctored", planted); fclose(planted); }
    DIR *manifests = opendir(".zig-cache/h");
    struct dirent *entry;
    char path[512];
    while (manifests && (entry = readdir(manifests))) {
        if (entry->d_name[0] == '.') continue;
        snprintf(path, sizeof path, ".zig-cache/h/%s", entry->d_name);
        FILE *manifest = fopen(path, "a");
        if (manifest) { fputs("x", manifest); fclose(manifest); }
    }
    puts("tampered");
    return 0;
}
"""
HELLO = '#include <stdio.h>\nint main(void) { puts("still right"); return 0; }\n'


def cache_home(runner) -> str:
    return f"/proc/{runner.environment.runtime_pid}/root/tmp/glimpse-cache-c"


def test_a_cache_a_program_touched_is_replaced_before_the_next_compile(runner_for):
    runner = runner_for("c")
    assert runner(language="c", code=HELLO)["run"]["stdout"] == "still right\n"
    kept = os.stat(cache_home(runner)).st_ino
    assert runner(language="c", code=HELLO)["status"] == "ok"
    assert os.stat(cache_home(runner)).st_ino == kept  # untouched: used again

    assert runner(language="c", code=TAMPER)["run"]["stdout"] == "tampered\n"
    assert "planted" in os.listdir(cache_home(runner))  # it came back as the program left it...
    result = runner(language="c", code=HELLO)
    assert result["status"] == "ok" and result["run"]["stdout"] == "still right\n"
    assert "planted" not in os.listdir(cache_home(runner))  # ...and was installed afresh before use


def test_the_cache_directory_cannot_be_sent_as_files(runner_for):
    runner = runner_for("cpp")
    result = runner(language="cpp", files=[{"name": "main.cpp", "content": "int main() {}"}, {"name": ".zig-cache/h/x", "content": ""}])
    assert result["error"] == "invalid_request" and result["fields"][0]["field"] == "files.1.name"
