"""RustLayer carries its toolchain as a zstd archive that the runner unpacks into /tmp
(layers/toolchains/rust/install.py). The portability checks of test_portability.py see only the
layer's own files, so here the unpacked tree gets the same checks, and it compiles and runs a
program with nothing but the Lambda base and the layer. The unpacked tree is what the runner's
seed cache verifies before every compile: it must stay cheap to walk."""

from __future__ import annotations

import runpy
import shlex
import time
from pathlib import Path

import pytest

from glimpse.languages import catalogue, placeholders
from glimpse.sandbox.seed_cache import _snapshot
from glimpse.sandbox.settings import SandboxSettings
from layer_checks import elf_files, lambda_facts, recipe_run, run_on_the_base, version_problems

UNPACK_S = 10  # ~1 s on 2 cores; a guard against a pathological archive, not a benchmark
SNAPSHOT_S = 0.2  # the walk before each compile (~100 entries, a few ms)
WORKSPACE = Path("/opt/w")  # where the base sandbox sees the unpacked tree, as <workspace>/.rust


@pytest.fixture(scope="module")
def layer(built_layers) -> Path:
    return built_layers / "RustLayer"


@pytest.fixture(scope="module")
def unpacked(layer, tmp_path_factory) -> Path:
    """The tree as install.py unpacks it, inside a directory that overlays /opt at WORKSPACE."""
    overlay = tmp_path_factory.mktemp("unpacked")
    destination = overlay / WORKSPACE.relative_to("/opt") / catalogue().get("rust").seed.into
    destination.parent.mkdir()
    start = time.monotonic()
    runpy.run_path(str(layer / "rust" / "install.py"))["install"](destination)
    print(f"unpacked in {time.monotonic() - start:.2f} s")
    assert time.monotonic() - start < UNPACK_S
    return destination


def test_the_unpacked_toolchain_is_within_the_base(layer, unpacked):
    problems = [problem for elf in elf_files(unpacked) for problem in version_problems(elf)]
    assert not problems, "\n".join(problems[:40])


def test_the_unpacked_toolchain_needs_only_its_own_libraries_and_the_base(layer, unpacked):
    carried = {path.name for root in (layer, unpacked) for path in root.rglob("*.so*")}
    provided = set(lambda_facts()["base"]["libraries"])
    elves = elf_files(unpacked)
    assert {"rustc", "librustc_driver-df21df4435c507f4.so", "libLLVM.so.19.1", "gcc", "collect2", "ld"} <= {elf.path.name for elf in elves}
    problems = [f"{elf.path.relative_to(unpacked)} needs {library}"
                for elf in elves for library in elf.needed if library not in carried | provided]
    assert not problems, "\n".join(problems[:40])


def test_the_seed_cache_walks_the_unpacked_tree_quickly(unpacked):
    """More entries than the runner's limit would make it unpack afresh before every compile."""
    start = time.monotonic()
    entries = _snapshot(unpacked)
    elapsed = time.monotonic() - start
    print(f"{len(entries)} entries walked in {elapsed * 1000:.1f} ms")
    assert len(entries) <= SandboxSettings().seed_cache_entries
    assert elapsed < SNAPSHOT_S


def test_it_unpacks_compiles_and_runs_on_the_base(layer, unpacked):
    """The layer's zstd reads its archive, and the recipe's own compile and run commands build and
    run a program of two files (rustc, gcc, ld and the program all on the base's libraries only)."""
    recipe = catalogue().get("rust")
    values = placeholders(main="main.rs", toolchains=Path("/opt"), workspace=WORKSPACE, memory_mb=256)
    compile_line = shlex.join(["env", "-i", *(f"{name}={value}" for name, value in recipe.compile.environment(values).items()),
                               *recipe.compile.argv(values, options=["-Copt-level=3"])])
    script = rf"""
        LD_LIBRARY_PATH=/opt/rust/lib /opt/rust/bin/zstd -q -t /opt/rust/toolchain.tar.zst
        printf 'mod helper;\nfn main() {{ let v: Vec<u64> = (1..=10).collect(); println!("{{}} {{}}", helper::NAME, v.iter().sum::<u64>()); }}\n' > main.rs
        printf 'pub const NAME: &str = "rust";\n' > helper.rs
        {compile_line}
        {recipe_run("rust", "main.rs")}
    """
    completed = run_on_the_base([layer, unpacked.parent.parent], script)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "rust 55\n"
