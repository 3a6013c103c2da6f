"""What the benchmarks share: timing an action, interleaved series, and the table of medians
against the bare toolchain of the same run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping


def timed(action: Callable[[], object]) -> float:
    """Milliseconds the action took."""
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def interleaved(actions: Mapping[str, Callable[[], object]], runs: int, *, warm_up: int) -> dict[str, list[float]]:
    """Each action `runs` times, one of each per round, so drift in the machine's speed falls on
    all of them alike; after `warm_up` untimed calls of each (imports done, caches and connections made)."""
    for action in actions.values():
        for _ in range(warm_up):
            action()
    series: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            series[name].append(timed(action))
    return series


def print_medians(series: Mapping[str, list[float]], runs: int, *, reference: str = "bare") -> None:
    width = max(8, *(len(name) + 2 for name in series))
    ratio = max(8, len(reference) + 4)
    bare = statistics.median(series[reference])
    print(f"{'series':<{width}}{'median ms':>10}{'p90 ms':>9}{'× ' + reference:>{ratio}}   ({runs} interleaved runs each)")
    for name, values in series.items():
        median = statistics.median(values)
        print(f"{name:<{width}}{median:>10.1f}{statistics.quantiles(values, n=10)[-1]:>9.1f}{median / bare:>{ratio}.2f}")
