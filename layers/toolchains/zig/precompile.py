"""Precompiles a source of #include lines for exactly the flags of a compile command, as an
xz-compressed PCH.

    python3 precompile.py SOURCE.cpp OUTPUT.pch.xz ZIG c++ FLAGS...

Runs inside the build sandbox with the layer at /opt, because a PCH records the absolute paths of
the headers it holds, and of SOURCE, which must stay where it is (in the layer): built anywhere
else, it would not match the layer where a runner finds it. `zig c++` cannot write a PCH itself,
so this asks it for the clang -cc1 command it would run to compile SOURCE (-###) and runs that
command with -emit-pch instead.
Clang refuses a PCH whose target, language options or predefined macros differ from the
compile's, so the flags here must be the recipe's (languages/cpp/recipe.toml).

Standard library only: the sandbox has the host's python3, not the project's venv.
"""

from __future__ import annotations

import lzma
import shlex
import subprocess
import sys
from pathlib import Path

WORK = Path("/tmp/precompile")


def cc1_command(compile_command: list[str], source: Path, pch: Path) -> list[str]:
    """The clang -cc1 command that `compile_command -c source` runs, as a PCH build of source."""
    planned = subprocess.run([*compile_command, "-c", str(source), "-o", str(pch.with_suffix(".o")), "-###"],
                             capture_output=True, text=True, check=True)
    lines = [line for line in planned.stderr.splitlines() if '"-cc1"' in line]
    if len(lines) != 1:
        sys.exit(f"expected one clang -cc1 command, got:\n{planned.stderr}")
    argv = shlex.split(lines[0])
    zig, cc1 = argv[0], argv[1:]
    cc1[cc1.index("-emit-obj")] = "-emit-pch"
    cc1[cc1.index("-o") + 1] = str(pch)
    if cc1[-3:] != ["-x", "c++", str(source)]:
        sys.exit(f"unexpected end of the -cc1 command: {cc1[-3:]}")
    cc1[-2] = "c++-header"
    # No modification times in the PCH: Lambda unpacks the layer with new ones, and clang would
    # refuse a PCH whose headers' times moved.
    return [zig, "clang", *cc1[:1], "-fno-pch-timestamp", *cc1[1:]]


def main() -> None:
    source, output, compile_command = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
    WORK.mkdir()
    pch = WORK / source.with_suffix(".pch").name
    subprocess.run(cc1_command(compile_command, source, pch), check=True)
    with lzma.open(output, "wb", preset=9) as packed:
        packed.write(pch.read_bytes())


if __name__ == "__main__":
    main()
