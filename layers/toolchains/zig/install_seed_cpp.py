"""Installs the C++ runner's Zig cache: install.py's seed, plus <iostream> precompiled for the C++
recipe's flags at pch/iostream.pch, e.g.

    python3 /opt/zig-seed/install_cpp.py /tmp/zig-cache        (or import it and call install())

Parsing <iostream> takes ~1 s of every C++ compile (libc++ in C++20 mode pulls in <format> and
more); with the PCH a hello world compiles in ~0.2 s instead of ~1.2 s. It is kept in the layer
xz-compressed (19 MB to 8 MB: the C++ runner's function and layers must fit Lambda's 250 MiB) and
unpacked here (~0.4 s), inside the cache, so the runner's snapshot of the cache
(glimpse.sandbox.seed_cache) guards it as it guards the rest.
"""

from __future__ import annotations

import lzma
import os
import runpy
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
install_seed = runpy.run_path(str(HERE / "install.py"))["install"]


def install(destination: str | os.PathLike) -> int:
    stamped = install_seed(destination)
    (Path(destination) / "pch").mkdir()
    with lzma.open(HERE / "iostream.pch.xz") as packed, open(Path(destination) / "pch" / "iostream.pch", "wb") as unpacked:
        shutil.copyfileobj(packed, unpacked, 1 << 20)
    return stamped


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} DESTINATION")
    install(sys.argv[1])
