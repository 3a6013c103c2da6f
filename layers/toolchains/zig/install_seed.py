"""Installs the Zig cache seed of this layer as a writable Zig global cache, e.g.

    python3 /opt/zig-seed/install.py /tmp/zig-cache        (or import it and call install())

Zig writes to its cache, so the read-only seed at /opt/zig-seed/cache is copied. Copying alone
is not enough: Zig 0.17 records each input file's size, inode and mtime in its manifests, and an
input whose inode changed counts as changed even when its content is identical (its content hash
is compared with an empty one: std/Build/Cache.zig, checkInputPath). Lambda unpacks a layer with
new inodes, so a plain copy misses and libc++ is rebuilt (~55 s). This re-stamps every record
that names a file of the toolchain or of the cache with that file's current inode and mtime, when
its size still matches: the layer is immutable and identical to the one the seed was built from.

Standard library only; the manifest format is Zig 0.17's (records of size u64, inode u64,
mtime i64 in ns, digest [16]u8, flags u8 = is_directory:1 metadata_only:1 prefix:6, then a
NUL-terminated path relative to the prefix's directory; a final NUL byte ends the file).
"""

from __future__ import annotations

import os
import shutil
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = HERE / "cache"
ZIG_LIB = HERE.parent / "zig" / "lib"
RECORD = struct.Struct("<QQq")  # size, inode, mtime (ns); then digest[16], flags, path
FLAGS_OFFSET = RECORD.size + 16
# Zig's cache prefixes: 0 the working directory (the user's files: never re-stamped),
# 1 the Zig lib directory, 2 the local and 3 the global cache (both the cache itself for zig cc).
ZIG_LIB_PREFIX, CACHE_PREFIXES = 1, (2, 3)


def install(destination: str | os.PathLike, seed: Path = SEED, zig_lib: Path = ZIG_LIB) -> int:
    """Copies the seed to destination (which must not exist) and re-stamps its manifests.
    Returns how many records were re-stamped."""
    destination = Path(destination)
    shutil.copytree(seed, destination, symlinks=True)
    roots = {ZIG_LIB_PREFIX: zig_lib} | {prefix: destination for prefix in CACHE_PREFIXES}
    stamped, stats = 0, {}
    manifests = destination / "h"
    for manifest in manifests.iterdir() if manifests.is_dir() else ():
        if manifest.name == "timestamp" or not manifest.is_file():
            continue
        data = bytearray(manifest.read_bytes())
        count = restamp(data, roots, stats)
        if count:
            manifest.write_bytes(data)
            stamped += count
    return stamped


def restamp(data: bytearray, roots: dict[int, Path], stats: dict) -> int:
    """Re-stamps the records of one manifest in place; stats caches os.stat by path (the same
    headers recur in many manifests)."""
    stamped, offset = 0, 0
    while offset + FLAGS_OFFSET + 1 < len(data):
        size, _, _ = RECORD.unpack_from(data, offset)
        flags = data[offset + FLAGS_OFFSET]
        end = data.index(0, offset + FLAGS_OFFSET + 1)
        root = roots.get(flags >> 2)
        if root is not None and not flags & 1:  # files; a directory's digest is of its listing
            path = os.path.join(root, data[offset + FLAGS_OFFSET + 1:end].decode(errors="replace"))
            if path not in stats:
                try:
                    stats[path] = os.stat(path)
                except OSError:
                    stats[path] = None
            stat = stats[path]
            if stat is not None and stat.st_size == size:
                RECORD.pack_into(data, offset, size, stat.st_ino, stat.st_mtime_ns)
                stamped += 1
        offset = end + 1
    return stamped


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} DESTINATION")
    install(sys.argv[1])
