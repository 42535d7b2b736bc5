"""Helpers shared by the benchmarks: timing, memory, medians, results as JSON lines."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def rss_mb() -> float:
    """Current resident memory of this process (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))]


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def machine() -> str:
    return f"{platform.machine()} {os.cpu_count()} cpu, {platform.python_version()}"


def record(name: str, data: dict[str, Any]) -> None:
    """Print and append to bench/results/<name>.jsonl (git-ignored) for the notes."""
    RESULTS.mkdir(exist_ok=True)
    data = {"bench": name, "when": time.strftime("%Y-%m-%d %H:%M"), "machine": machine(), **data}
    print(json.dumps(data))
    with open(RESULTS / f"{name}.jsonl", "a") as f:
        f.write(json.dumps(data) + "\n")
