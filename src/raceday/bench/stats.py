"""Percentiles and ratios for benchmark reports (nearest-rank, like the earlier system's)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

__all__ = ["p95", "summary"]


def p95(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(math.ceil(0.95 * len(ordered)) - 1, 0)]


def summary(prefix: str, samples: Sequence[float]) -> dict[str, float]:
    return {
        f"{prefix}p50_ms": round(statistics.median(samples), 3),
        f"{prefix}p95_ms": round(p95(samples), 3),
    }
