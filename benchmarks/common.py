"""Shared helpers for benchmark scripts: machine description, timing, result files."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from lesdistill.provenance import git_revision, package_versions

RESULTS = Path(__file__).resolve().parent / "results"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(threads: int) -> dict:
    """Machine facts recorded next to every benchmark result."""
    return {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "torch_threads": threads,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": package_versions(),
        "git_revision": git_revision(),
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``fn`` over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_results(script: str, machine_info: dict, metrics: dict[str, tuple[float, str]]) -> Path:
    """Write ``benchmarks/results/<script>.json`` in the design's format and return its path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{script}.json"
    payload = {"machine": machine_info, "metrics": {k: {"value": v, "unit": u} for k, (v, u) in metrics.items()}}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
