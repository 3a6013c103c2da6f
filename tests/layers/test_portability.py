"""Every built layer runs on Lambda's python3.12 base (Amazon Linux 2023, glibc 2.34, GCC 11's
libstdc++): each ELF file needs no newer symbol version than the base has, or is static, and each
shared library it needs is in the layer or among the libraries the base provides."""

import pytest

from layer_checks import elf_files, lambda_facts, layer_makefiles, version_problems

LAYERS = sorted(layer_makefiles())


@pytest.mark.parametrize("logical_id", LAYERS)
def test_symbol_versions_are_within_the_base(built_layers, logical_id):
    elves = elf_files(built_layers / logical_id)
    problems = [problem for elf in elves for problem in version_problems(elf)]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("logical_id", LAYERS)
def test_needed_libraries_are_in_the_layer_or_the_base(built_layers, logical_id):
    layer = built_layers / logical_id
    carried = {path.name for path in layer.rglob("*.so*")}
    provided = set(lambda_facts()["base"]["libraries"])
    problems = [f"{elf.path.relative_to(layer)} needs {library}: neither in the layer nor in the base"
                for elf in elf_files(layer) for library in elf.needed if library not in carried | provided]
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("logical_id", LAYERS)
def test_programs_are_dynamic_against_the_base_or_static(built_layers, logical_id):
    """The layer's executables (what a runner starts) are either static or load through the base's
    /lib64/ld-linux-x86-64.so.2: nothing points at a loader the base lacks."""
    from elftools.elf.elffile import ELFFile

    layer = built_layers / logical_id
    problems = []
    for elf in elf_files(layer):
        if elf.static:
            continue
        with elf.path.open("rb") as file:
            for segment in ELFFile(file).iter_segments():
                if segment["p_type"] == "PT_INTERP" and segment.get_interp_name() != "/lib64/ld-linux-x86-64.so.2":
                    problems.append(f"{elf.path.relative_to(layer)}: interpreter {segment.get_interp_name()}")
    assert not problems, "\n".join(problems)


def test_the_checks_see_the_toolchains(built_layers):
    """Guards the scan itself: the binaries the runners start are found and classified."""
    names = {elf.path.name: elf for logical_id in ("NodeLayer", "ZigLayer", "GoLayer") for elf in elf_files(built_layers / logical_id)}
    assert {"node", "zig", "go", "compile", "link"} <= names.keys()
    assert "libstdc++.so.6" in names["node"].needed and any(v.startswith("GLIBCXX_") for v in names["node"].versions)
    assert names["zig"].static and names["go"].static


@pytest.mark.parametrize("logical_id", LAYERS)
def test_everything_is_readable_by_lambdas_user(built_layers, logical_id):
    """Lambda runs as uid 993, not as the files' owner: everything must be world-readable,
    directories world-searchable, and executables world-executable."""
    layer = built_layers / logical_id
    problems = []
    for path in [layer, *layer.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        wanted = 0o005 if path.is_dir() else 0o004 | (0o001 if mode & 0o100 else 0)
        if mode & wanted != wanted:
            problems.append(f"{path.relative_to(layer)}: mode {oct(mode & 0o777)}")
    assert not problems, "\n".join(problems[:40])
