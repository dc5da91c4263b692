"""The race-polling pipeline's pure core: cadence rules, the queue of due polls, meetings imports.

Nothing in this package does I/O or reads a clock; the async poller hands it `now` and drives it
(see `queue` for the calling pattern).
"""

from raceday.pipeline.cadence import (
    CadenceRules,
    DeadlineSlot,
    RaceStatus,
    band_edges,
    interval,
    is_banded,
    next_edge_after,
    next_planned,
    required_polls,
)
from raceday.pipeline.meetings_plan import (
    MeetingsRules,
    days_to_import,
    local_instant,
    next_import_at,
)
from raceday.pipeline.queue import (
    DuePoll,
    Finished,
    PollQueue,
    QueueStats,
    StopReason,
    TrackedRace,
)

__all__ = [
    "CadenceRules",
    "DeadlineSlot",
    "DuePoll",
    "Finished",
    "MeetingsRules",
    "PollQueue",
    "QueueStats",
    "RaceStatus",
    "StopReason",
    "TrackedRace",
    "band_edges",
    "days_to_import",
    "interval",
    "is_banded",
    "local_instant",
    "next_edge_after",
    "next_import_at",
    "next_planned",
    "required_polls",
]
