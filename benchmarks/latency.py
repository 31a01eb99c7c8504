"""What the benchmarks share: p50/p99 computed the same way, the box's load, the verdicts."""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def latency_stats(values: Sequence[float]) -> dict[str, float]:
    """n, p50, p99 and mean of timings in milliseconds, rounded to microseconds."""
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 3),
        "p99_ms": round(percentile(values, 99), 3),
        "mean_ms": round(statistics.fmean(values), 3) if values else float("nan"),
    }


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages: the box may be shared, and the figures say how much."""
    return [round(x, 2) for x in os.getloadavg()]


def print_checks(checks: Sequence[dict[str, Any]], config: dict[str, Any]) -> None:
    """Each target met or not, the load around the run, and where the JSON went."""
    for check in checks:
        print(f"  [{'met' if check['met'] else 'NOT met'}] {check['what']}: {check['value']}")
    print(f"Load average before / after: {config['load_before']} / {config['load_after']}")
    print(f"JSON: {config['json']}")


def write_json(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
