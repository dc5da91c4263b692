"""Typed results of writing: what a write stored, and what became of one payload."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

__all__ = ["IngestOutcome", "IngestStatus", "WriteResult"]


@dataclass
class WriteResult:
    """Rows one write inserted or changed, per table, and what it could not store, per reason.

    `rows` keys are table names; fix-ups of neighbouring history rows are reported apart
    ("odds_history (re-decided)", "race_dividends (deleted)", …) so they are not mistaken for
    new rows. `skipped` counts what the payload held that cannot be stored (ids pointing nowhere,
    duplicates), by reason.
    """

    rows: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    def add(self, other: WriteResult) -> None:
        self.rows.update(other.rows)
        self.skipped.update(other.skipped)

    @property
    def changed(self) -> bool:
        return any(self.rows.values())


class IngestStatus(StrEnum):
    OK = "ok"
    SKIPPED = "skipped"  # a kind of body raceday knows and does not store
    FAILED = "failed"


@dataclass(frozen=True)
class IngestOutcome:
    """What became of one payload (a file, or a body the poller just received).

    `quarantined` is the reason its history rows went to partition_quarantine instead of the
    history tables (an absurd time, a day that could not be created); the rest was written.
    """

    payload_type: str
    status: IngestStatus
    race_ids: frozenset[UUID] = frozenset()
    written: WriteResult = field(default_factory=WriteResult)
    reason: str | None = None
    quarantined: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is IngestStatus.OK
