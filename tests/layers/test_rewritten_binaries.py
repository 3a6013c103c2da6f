"""The binaries whose symbol versions the layers' builds rewrite (layertool.py
rewrite-symbol-version; docs/languages.md says why each is sound): compared with Debian's own file
from the download cache, the one symbol binds to the older version of the same library, every other
symbol keeps its version, the newer version is no longer needed, and no byte changed outside
.gnu.version and .gnu.version_r (php's time-zone path aside, tested here too). That they run on the
bare base is test_ruby.py's and test_php.py's (Math.hypot, PHP's hypot, and ICU converting a
document libxml2 reads)."""

import importlib.util
import subprocess
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection, GNUVerSymSection
from layer_checks import ROOT, TOOLCHAINS, elf_files, version_problems

CONDITION_VARIABLE_WAIT = "_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE"
# (layer, file in the layer, its toolchain folder, Debian package, file in the package, symbol, old, new)
REWRITES = [
    ("RubyLayer", "ruby/lib/libruby-3.1.so.3.1", "ruby", "libruby3.1", "usr/lib/x86_64-linux-gnu/libruby-3.1.so.3.1",
     "hypot", "GLIBC_2.35", "GLIBC_2.2.5"),
    ("PhpLayer", "php/bin/php", "php", "php8.2-cli", "usr/bin/php8.2", "hypot", "GLIBC_2.35", "GLIBC_2.2.5"),
    ("PhpLayer", "php/lib/libicuuc.so.72", "php", "libicu72", "usr/lib/x86_64-linux-gnu/libicuuc.so.72",
     CONDITION_VARIABLE_WAIT, "GLIBCXX_3.4.30", "GLIBCXX_3.4.11"),
]
# layertool.py rewrite-path-prefix in the PHP layer's Makefile: undone before comparing.
PATH_PREFIXES = {"php/bin/php": (b"/opt/php/zoneinfo/.", b"/usr/share/zoneinfo")}


def layertool():
    spec = importlib.util.spec_from_file_location("layertool", TOOLCHAINS / "layertool.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def debian_original(folder: str, package: str, member: str, scratch: Path) -> Path:
    """The file as Debian ships it, from the deb the layer's debs.txt pins (in the download cache)."""
    tool = layertool()
    (sha,) = [sha for _, pinned, sha in tool.pinned_debs(TOOLCHAINS / folder / "debs.txt") if pinned.split("=")[0] == package]
    deb = ROOT / "build" / "cache" / "toolchains" / "debs" / f"{package}_{sha[:16]}.deb"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(scratch)], check=True)
    return (scratch / member).resolve()


def symbol_versions(path: Path) -> tuple[dict[str, str], set[tuple[str, str]], dict[str, tuple[int, int]]]:
    """The dynamic symbols' versions (undefined ones included), the (library, version) pairs needed,
    and where each section lies (offset, size)."""
    with path.open("rb") as file:
        elf = ELFFile(file)
        needs = elf.get_section_by_name(".gnu.version_r")
        assert isinstance(needs, GNUVerNeedSection)
        names = {}
        needed = set()
        for need, auxiliaries in needs.iter_versions():
            for auxiliary in auxiliaries:
                names[auxiliary["vna_other"]] = auxiliary.name
                needed.add((need.name, auxiliary.name))
        versions = elf.get_section_by_name(".gnu.version")
        assert isinstance(versions, GNUVerSymSection)
        symbols = {}
        for number, symbol in enumerate(elf.get_section_by_name(".dynsym").iter_symbols()):
            index = versions.get_symbol(number)["ndx"]
            symbols[f"{symbol.name}#{number}"] = names.get(index, index) if isinstance(index, int) else index
        sections = {section.name: (section["sh_offset"], section["sh_size"]) for section in elf.iter_sections()}
    return symbols, needed, sections


@pytest.mark.parametrize("logical_id, relative, folder, package, member, symbol, old, new", REWRITES,
                         ids=[f"{row[0]}-{row[5][:12]}" for row in REWRITES])
def test_only_the_symbol_moved_to_the_older_version(built_layers, tmp_path, logical_id, relative, folder, package, member, symbol, old, new):
    rewritten = built_layers / logical_id / relative
    original = debian_original(folder, package, member, tmp_path)
    before, needed_before, sections = symbol_versions(original)
    after, needed_after, _ = symbol_versions(rewritten)
    changed = {name: (before[name], after[name]) for name in before if before[name] != after.get(name)}
    assert {name.split("#")[0] for name in changed} == {symbol} and set(changed.values()) == {(old, new)}, changed
    assert before.keys() == after.keys()
    assert {version for _, version in needed_before - needed_after} == {old} and needed_after < needed_before

    data, ours = bytearray(original.read_bytes()), bytearray(rewritten.read_bytes())
    for layer_prefix, debian_prefix in [PATH_PREFIXES[relative]] if relative in PATH_PREFIXES else []:
        assert layer_prefix in ours and debian_prefix not in ours
        ours = bytearray(ours.replace(layer_prefix, debian_prefix))
    for name in (".gnu.version", ".gnu.version_r"):
        offset, size = sections[name]
        data[offset:offset + size] = ours[offset:offset + size] = bytes(size)
    assert data == ours, "bytes changed outside the version sections"


@pytest.mark.parametrize("logical_id, relative", sorted({row[:2] for row in REWRITES}))
def test_no_rewritten_binary_needs_more_than_the_base(built_layers, logical_id, relative):
    (elf,) = [elf for elf in elf_files(built_layers / logical_id) if elf.path == built_layers / logical_id / relative]
    assert not version_problems(elf)
    assert not any(version in elf.versions for _, _, _, _, _, _, version, _ in REWRITES)
