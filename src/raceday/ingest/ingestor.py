"""Payload -> ensured partitions -> one transaction: the write path every caller shares.

The poller hands over a body it has just received; `ingest.files` hands over files' bodies.
Both get an `IngestOutcome`: a bad payload or a row the database refuses fails that payload
alone (its transaction leaves nothing), and only a lost database raises.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date, datetime

import psycopg
from psycopg import errors as pg_errors

from raceday.clock import Clock, SystemClock
from raceday.config import Settings
from raceday.db.pool import ConnectionSource, borrow
from raceday.errors import DatabaseError, PartitionError, PayloadError
from raceday.ingest.backfill import backfill
from raceday.ingest.outcomes import IngestOutcome, IngestStatus, WriteResult
from raceday.ingest.rows import RaceBatch
from raceday.ingest.transform import meetings_batch, race_batch, races_list_batch
from raceday.ingest.writer import write_meetings, write_race, write_races_list
from raceday.nztab.models import MeetingsList, Payload, RaceEvent, RacesList
from raceday.partitions import HISTORY_PARENTS, ensure_days_for, sanity_reason
from raceday.racing_day import racing_day_of

__all__ = ["Ingestor", "describe_refusal", "is_missing_partition", "located"]


def located(exc: PayloadError, source: str | None) -> str:
    """The error's message, naming `source` (a file, a URL) when the error does not say where."""
    if exc.file or source is None:
        return exc.message
    return PayloadError(
        exc.reason, file=source, race_id=exc.race_id, field_path=exc.field_path
    ).message


def is_missing_partition(exc: BaseException) -> bool:
    """A row for a history table found no partition: SQLSTATE 23514 raised on the parent.

    PostgreSQL reports it as a check violation whose table is the partitioned parent, which no
    CHECK constraint of ours is on (those live on the children and on other tables).
    """
    return (
        isinstance(exc, pg_errors.CheckViolation)
        and exc.diag.table_name in HISTORY_PARENTS
        and exc.diag.constraint_name is None
    )


def describe_refusal(exc: psycopg.Error) -> str:
    """The database's reason in one line, with the constraint when there is one."""
    diag = exc.diag
    text = diag.message_primary or str(exc).splitlines()[0]
    if len(text) > 300:  # a refused literal can be a whole array
        text = text[:300] + "…"
    if diag.constraint_name:
        text += f" (constraint {diag.constraint_name})"
    return text


class Ingestor:
    """Writes validated payloads to the database of `source` (a connection or a pool).

    Remembers which racing days already have partitions, so a day is ensured once. Safe to share
    between threads when `source` is a pool (each call borrows its own connection).
    """

    def __init__(
        self, source: ConnectionSource, settings: Settings, *, clock: Clock | None = None
    ) -> None:
        self.source = source
        self.settings = settings
        self.clock = clock or SystemClock()
        self._ready_days: set[date] = set()
        self._lock = threading.Lock()

    def ingest(self, payload: Payload, *, source: str | None = None) -> IngestOutcome:
        """Write one validated payload in one transaction (a race event is one race).

        `source` names where it came from (a file, a URL) in quarantined rows. Returns a FAILED
        outcome for a payload the transform or the database refuses; raises DatabaseError when
        the database is lost.
        """
        kind = type(payload).payload_type
        try:
            if isinstance(payload, RaceEvent):
                written, quarantined = self._race_event(payload, source)
                return IngestOutcome(
                    kind,
                    IngestStatus.OK,
                    frozenset({payload.race_id}),
                    written,
                    quarantined=quarantined,
                )
            if isinstance(payload, MeetingsList | RacesList):
                with borrow(self.source) as conn:
                    if isinstance(payload, MeetingsList):
                        meetings = meetings_batch(payload)
                        written = write_meetings(conn, meetings)
                        races = frozenset(r.race_id for r in meetings.races)
                    else:
                        listed = races_list_batch(payload)
                        written = write_races_list(conn, listed)
                        races = frozenset(r.race_id for r in listed.races)
                return IngestOutcome(kind, IngestStatus.OK, races, written)
        except PayloadError as exc:
            return IngestOutcome(kind, IngestStatus.FAILED, reason=located(exc, source))
        except psycopg.OperationalError as exc:
            raise DatabaseError(f"lost the database while writing {source or kind}: {exc}") from exc
        except psycopg.Error as exc:
            return IngestOutcome(
                kind, IngestStatus.FAILED, reason=f"database refused it: {describe_refusal(exc)}"
            )
        except UnicodeEncodeError as exc:  # text the driver cannot send (read_body checks files)
            return IngestOutcome(
                kind, IngestStatus.FAILED, reason=f"text that cannot be stored: {exc}"
            )
        raise TypeError(f"not an ingestible payload: {type(payload).__name__}")

    def _race_event(self, payload: RaceEvent, source: str | None) -> tuple[WriteResult, str | None]:
        batch = race_batch(payload)
        reason = self._ensure_day(batch.observed_at)
        with borrow(self.source) as conn:
            try:
                return write_race(conn, batch, quarantine_reason=reason, source=source), reason
            except pg_errors.CheckViolation as exc:
                # A day retired or dropped since we last looked: ensure again, once.
                if reason is not None or not is_missing_partition(exc):
                    raise
        with self._lock:
            self._ready_days.clear()
        reason = self._ensure_day(batch.observed_at)
        with borrow(self.source) as conn:
            return write_race(conn, batch, quarantine_reason=reason, source=source), reason

    def _ensure_day(self, instant: datetime) -> str | None:
        """None when the instant's day has partitions (created if needed), else why it cannot."""
        day = racing_day_of(instant, self.settings.timezone)
        if day in self._ready_days:
            return None
        result = ensure_days_for(self.source, self.settings, [instant], clock=self.clock)
        if 0 in result.refused:
            return result.refused[0]
        with self._lock:
            self._ready_days.update(result.ready_days)
        return None

    def can_backfill(self, batch: RaceBatch) -> bool:
        """Whether `batch` may go through `backfill`: its time can be filed in a partition.
        Others take `ingest`, which quarantines their history with the reason."""
        return sanity_reason(batch.observed_at, self.settings, self.clock.now()) is None

    def backfill(self, batches: Sequence[RaceBatch]) -> WriteResult:
        """History of many polls by COPY and each race's newest state, in one transaction.

        Raises PartitionError when a day cannot be created, psycopg.Error when the database
        refuses the chunk (nothing of it is kept), DatabaseError when the database is lost.
        """
        ensured = ensure_days_for(
            self.source, self.settings, [b.observed_at for b in batches], clock=self.clock
        )
        with self._lock:
            self._ready_days.update(ensured.ready_days)
        if ensured.refused:
            raise PartitionError(f"racing days refused: {sorted(set(ensured.refused.values()))}")
        try:
            with borrow(self.source) as conn:
                result = backfill(conn, batches)
        except psycopg.OperationalError as exc:
            raise DatabaseError(f"lost the database during a backfill: {exc}") from exc
        return result
