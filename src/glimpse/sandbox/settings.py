"""Every setting of the sandbox and of the runs it holds, in one place, each with its unit in its
name. What they mean, beside the limits a request sets: docs/limits.md. A runtime reads them
once, at init (`SandboxSettings.for_language`); tests replace single fields
(`dataclasses.replace`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from glimpse.models import KIB, MIB, Limits

if TYPE_CHECKING:
    from glimpse.languages import Recipe

# Names of probed protections to leave off (comma-separated), for a host where one misbehaves.
DISABLE_PROTECTIONS_VARIABLE = "GLIMPSE_DISABLE_PROTECTIONS"


@dataclass(frozen=True)
class JudgeBudgets:
    """Judge mode's bounds beyond each test's own limits and the execution's
    (`SandboxSettings.execution_ms`). All tests together get at most `tests_ms` of wall-clock time.
    Each test's time_ms is cut to what is left of both; a test with less than `min_test_ms` left is
    not run."""

    tests_ms: int = 30_000
    min_test_ms: int = 10
    # The compiled workspace, kept in the runtime's memory (out of the programs' reach) and written
    # again into each test's fresh workspace.
    program_files: int = 4096
    program_bytes: int = 64 * MIB
    # The tests' stdout and stderr in the answer (return_outputs), as JSON text: Lambda's
    # synchronous answer is at most 6 MB, and the rest of the answer needs room too.
    returned_output_chars: int = 2 * MIB


@dataclass(frozen=True)
class SandboxSettings:
    # rlimits of every run, whatever the request asks
    file_size_bytes: int = 32 * MIB  # any one file a program writes (RLIMIT_FSIZE)
    open_files: int = 256  # RLIMIT_NOFILE
    stack_bytes: int = 8 * MIB  # RLIMIT_STACK, as Lambda's; every thread reserves this much address space
    # The recipe's `address_space_limit`: RLIMIT_AS at twice the run's memory_mb plus this
    # headroom, where the language's runtime tolerates it (a backstop for an allocation too fast
    # for the memory watch). Never on a compile.
    address_space_limit: bool = False
    address_space_headroom_mb: int = 64
    # The memory watch samples at most this often (and never takes more than a fifth of the time).
    memory_sample_s: float = 0.005
    # The sweep's time to kill every stray after a run; then reading what the run wrote before it
    # ended, a bound that only matters if a writer escaped the sweep.
    sweep_s: float = 1.0
    drain_s: float = 0.5
    # A compile is the service's work on the user's behalf: it gets its own limits, whatever the run's.
    compile_limits: Limits = Limits(time_ms=20_000, memory_mb=1_024, output_bytes=64 * KIB, processes=128)
    # A whole execution, compile included, plain or judged: with the clean-up it ends inside the
    # runner's Lambda timeout (tests/unit/test_time_budgets.py checks it against template.yaml),
    # so a caller always gets a result. A run is given the smaller of its time_ms and what is left.
    execution_ms: int = 40_000
    judge: JudgeBudgets = field(default_factory=JudgeBudgets)
    # A toolchain cache (seed) of more entries than this is installed afresh: it stays quick to verify.
    seed_cache_entries: int = 4096
    disabled_protections: frozenset[str] = frozenset()

    @classmethod
    def for_language(cls, recipe: Recipe, environ: Mapping[str, str]) -> SandboxSettings:
        """A runtime's settings: the defaults, the recipe's `address_space_limit`, and the
        protections its environment turns off."""
        disabled = frozenset(name for name in environ.get(DISABLE_PROTECTIONS_VARIABLE, "").split(",") if name)
        return cls(address_space_limit=recipe.address_space_limit, disabled_protections=disabled)
