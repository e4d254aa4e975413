"""Benchmarks (not part of `make test`): `python -m bench` runs them all, `python -m bench NAME`
runs bench/NAME.py. A benchmark module is any bench/*.py with a `run() -> None` function
that prints its own figures with the helpers below; speed is measured here, never asserted.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.table import Table

console = Console()


def timings(fn: Callable[[], object], runs: int, warmup: int = 0) -> list[float]:
    """Wall-clock seconds of `runs` calls of `fn`, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def summary(samples: Sequence[float]) -> dict[str, float]:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
    }


def print_figures(title: str, rows: Sequence[Sequence[object]], columns: Sequence[str]) -> None:
    """One table per benchmark: a title, then rows of figures."""
    table = Table(*columns, title=title, title_justify="left")
    for row in rows:
        table.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)
