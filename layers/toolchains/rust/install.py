"""Unpacks the Rust toolchain (rustc, its standard library, the linker) from this layer's archive
into a new directory. The toolchain is ~380 MB unpacked, more than a layer may hold beside a
function; compressed it is ~110 MB. The runner calls install(destination) in its own process
(runpy: standard library only) once per environment, and again whenever the unpacked tree is not
exactly as the last compile left it (glimpse/sandbox/seed_cache.py).

    python3 /opt/rust/install.py DESTINATION
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARCHIVE = HERE / "toolchain.tar.zst"
# The runner's Python (3.12) refuses members that would leave the destination; an older one
# (a build machine's, verifying the layer) has no extraction filters, and the archive is our own.
SAFE = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


def install(destination: Path) -> None:
    """zstd (this layer's, with the libraries it loads beside it) decompresses; tarfile unpacks the
    stream into `destination`, which must not exist."""
    destination = Path(destination)
    os.mkdir(destination, 0o755)
    environment = {"LD_LIBRARY_PATH": str(HERE / "lib")}
    with subprocess.Popen([str(HERE / "bin" / "zstd"), "-q", "-d", "-c", str(ARCHIVE)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=environment) as unpacker:
        # Large copy buffers: with tarfile's default 16 KiB ones unpacking takes twice as long.
        with tarfile.open(fileobj=unpacker.stdout, mode="r|", bufsize=1 << 20, copybufsize=4 << 20) as archive:
            archive.extractall(destination, **SAFE)
        error = unpacker.stderr.read()
    if unpacker.returncode != 0:
        raise OSError(f"zstd exited {unpacker.returncode}: {error.decode(errors='replace').strip()}")


if __name__ == "__main__":
    install(Path(sys.argv[1]))
