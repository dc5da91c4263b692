"""Synthetic NZTAB data for benchmarks, demos and tests: deterministic racing days.

Everything here is generated, never captured: see `raceday.demo.files`.
"""

from raceday.demo.files import (
    GeneratedDay,
    GeneratedRace,
    generate_day,
    poll_offsets,
    write_day,
)

__all__ = ["GeneratedDay", "GeneratedRace", "generate_day", "poll_offsets", "write_day"]
