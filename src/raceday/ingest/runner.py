"""Ingest NZTAB files: find them, order them, validate, transform and write each in its own transaction.

Order matters for what ends up stored (a race needs its meeting; a newer poll must not be
overwritten by an older one), so files are applied by kind — meetings lists and meeting details,
then races lists, then race events — and within a kind by `header.generated_time`, whatever order
the paths were given in. The write rules make any order safe; this one is also the cheapest.

A file is all or nothing: one transaction per file (a race event is one race). A bad file is
reported with its reason and the rest of the batch goes on.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from psycopg import errors as pg_errors

from raceday.clock import Clock, SystemClock
from raceday.config import Settings
from raceday.db.target import connect
from raceday.errors import DatabaseError, PartitionError, PayloadError, UnsupportedPayloadError
from raceday.ingest.backfill import backfill as backfill_batches
from raceday.ingest.rows import RaceBatch
from raceday.ingest.transform import meetings_batch, race_batch, races_list_batch
from raceday.ingest.writer import WriteCounts, write_meetings, write_race, write_races_list
from raceday.nztab.models import MeetingsList, Payload, RaceEvent, RacesList
from raceday.nztab.payloads import detect_payload_type, parse_payload, read_body
from raceday.nztab.times import parse_utc_timestamp
from raceday.partitions import ensure_days_for
from raceday.partitions.ensure import sanity_reason
from raceday.racing_day import racing_day_of

__all__ = ["FileOutcome", "IngestReport", "Ingestor", "discover_files"]

# Known NZTAB bodies raceday deliberately does not store: skipped, not failed.
IGNORED_PAYLOAD_TYPES = frozenset({"extras", "extras_list", "futures", "openapi"})
_APPLY_ORDER = {"meetings": 0, "meeting": 0, "races_list": 1, "race_event": 2}


def discover_files(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and every `*.json` below a folder (sorted); missing paths raise."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise PayloadError("no such file or folder", file=path, hint="check the path")
    unique = dict.fromkeys(p.resolve() for p in found)
    return list(unique)


@dataclass
class FileOutcome:
    path: Path
    payload_type: str
    status: str  # "ok" | "skipped" | "failed"
    race_ids: frozenset[UUID] = frozenset()  # the races the file holds
    counts: WriteCounts = field(default_factory=Counter)
    reason: str | None = None


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    chunk_counts: WriteCounts = field(default_factory=Counter)  # backfill counts per chunk
    seconds: float = 0.0

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def rows(self) -> dict[str, int]:
        """Rows written (inserted or changed) per table, over the whole batch."""
        total: Counter[str] = Counter()
        for counts in (*(o.counts for o in self.outcomes), self.chunk_counts):
            total.update({k: v for k, v in counts.items() if not k.startswith("skipped: ")})
        return dict(sorted(total.items()))

    def skipped(self) -> dict[str, int]:
        """What the payloads held that was not stored, by reason (plus files skipped by kind)."""
        total: Counter[str] = Counter()
        for counts in (*(o.counts for o in self.outcomes), self.chunk_counts):
            for key, value in counts.items():
                if key.startswith("skipped: "):
                    total[key.removeprefix("skipped: ")] += value
        for outcome in self.outcomes:
            if outcome.status == "skipped":
                total[f"files: {outcome.reason}"] += 1
        return dict(sorted(total.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "files": len(self.outcomes),
            "ok": sum(o.status == "ok" for o in self.outcomes),
            "skipped_files": sum(o.status == "skipped" for o in self.outcomes),
            "failed_files": len(self.failed),
            "races": len(frozenset().union(*(o.race_ids for o in self.outcomes))),
            "rows": self.rows(),
            "skipped": self.skipped(),
            "errors": [{"file": str(o.path), "reason": o.reason} for o in self.failed],
            "seconds": round(self.seconds, 3),
        }


class Ingestor:
    """Writes payloads to one database; remembers which racing days have partitions."""

    def __init__(self, url: str, settings: Settings, *, clock: Clock | None = None) -> None:
        self.url = url
        self.settings = settings
        self.clock = clock or SystemClock()
        self._ready_days: set[date] = set()
        self._conn: psycopg.Connection | None = None

    def __enter__(self) -> Ingestor:
        self._conn = connect(self.url, autocommit=True, application_name="raceday-ingest")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @property
    def conn(self) -> psycopg.Connection:
        if self._conn is None:
            raise RuntimeError("use Ingestor as a context manager")
        return self._conn

    # --- files ---

    def ingest_files(
        self,
        paths: Sequence[Path],
        *,
        progress: Callable[[FileOutcome], None] | None = None,
        backfill: bool = False,
        chunk: int = 500,
    ) -> IngestReport:
        """Ingest every file; report per file. Only a lost database connection stops the batch.

        With `backfill`, race events go `chunk` files at a time through the COPY backfill: one
        transaction for a chunk's history (a database error fails the whole chunk), then each
        race's newest state. Meetings and races lists are written as usual, first.
        """
        started = time.perf_counter()
        report = IngestReport()

        def done(outcome: FileOutcome) -> None:
            report.outcomes.append(outcome)
            if progress:
                progress(outcome)

        planned: list[tuple[int, datetime, str, Path]] = []
        for path in paths:
            try:
                kind, stamp = _classify(read_body(path))
            except PayloadError as exc:
                done(FileOutcome(path, "unknown", "failed", reason=exc.message))
                continue
            planned.append((_APPLY_ORDER.get(kind, 3), stamp, str(path), path))
        pending = _Chunk()
        for _, _, _, path in sorted(planned):
            loaded = _load(path)
            if isinstance(loaded, FileOutcome):
                done(loaded)
            elif backfill and isinstance(loaded, RaceEvent):
                try:
                    batch = race_batch(loaded)
                except PayloadError as exc:
                    done(FileOutcome(path, "race_event", "failed", reason=_with_file(exc, path)))
                    continue
                if sanity_reason(batch.observed_at, self.settings, self.clock.now()):
                    done(self._write_file(path, loaded))  # the per-race path quarantines it
                    continue
                pending.add(path, batch)
                if len(pending.files) >= chunk:
                    self._backfill_chunk(pending, report, done)
                    pending = _Chunk()
            else:
                done(self._write_file(path, loaded))
        if pending.files:
            self._backfill_chunk(pending, report, done)
        report.seconds = time.perf_counter() - started
        return report

    def _write_file(self, path: Path, payload: Payload) -> FileOutcome:
        kind = type(payload).payload_type
        try:
            counts, race_ids = self.ingest_payload(payload, source=str(path))
        except PayloadError as exc:
            return FileOutcome(path, kind, "failed", reason=_with_file(exc, path))
        except psycopg.OperationalError as exc:
            raise DatabaseError(f"lost the database while ingesting {path}: {exc}") from exc
        except psycopg.Error as exc:
            return FileOutcome(
                path, kind, "failed", reason=f"{path}: database refused it: {_describe(exc)}"
            )
        except UnicodeEncodeError as exc:  # text the driver cannot send (read_body checks files)
            return FileOutcome(
                path, kind, "failed", reason=f"{path}: text that cannot be stored: {exc}"
            )
        return FileOutcome(path, kind, "ok", race_ids=race_ids, counts=counts)

    def _backfill_chunk(
        self, chunk: _Chunk, report: IngestReport, done: Callable[[FileOutcome], None]
    ) -> None:
        ensured = ensure_days_for(
            self.url, self.settings, [b.observed_at for b in chunk.batches], clock=self.clock
        )
        self._ready_days.update(ensured.ready_days)
        try:
            if ensured.refused:  # checked when staged; only a clock change could get here
                raise PartitionError(
                    f"racing days refused: {sorted(set(ensured.refused.values()))}"
                )
            counts = backfill_batches(self.conn, chunk.batches)
        except psycopg.OperationalError as exc:
            raise DatabaseError(f"lost the database during a backfill: {exc}") from exc
        except (psycopg.Error, PartitionError) as exc:
            why = _describe(exc) if isinstance(exc, psycopg.Error) else exc.message
            for path, _ in chunk.files:
                done(
                    FileOutcome(
                        path,
                        "race_event",
                        "failed",
                        reason=f"{path}: backfill chunk refused: {why}",
                    )
                )
            return
        report.chunk_counts.update(counts)
        for path, race_id in chunk.files:
            done(FileOutcome(path, "race_event", "ok", race_ids=frozenset({race_id})))

    # --- payloads ---

    def ingest_payload(
        self, payload: Payload, *, source: str | None = None
    ) -> tuple[WriteCounts, frozenset[UUID]]:
        """Write one validated payload in one transaction; return (counts, its race ids)."""
        if isinstance(payload, RaceEvent):
            return self.write_race_event(payload, source=source), frozenset({payload.race_id})
        if isinstance(payload, MeetingsList):
            batch = meetings_batch(payload)
            return write_meetings(self.conn, batch), frozenset(r.race_id for r in batch.races)
        if isinstance(payload, RacesList):
            batch_list = races_list_batch(payload)
            return write_races_list(self.conn, batch_list), frozenset(
                r.race_id for r in batch_list.races
            )
        raise TypeError(f"not an ingestible payload: {type(payload).__name__}")

    def write_race_event(self, payload: RaceEvent, *, source: str | None = None) -> WriteCounts:
        batch = race_batch(payload)
        reason = self._ensure_day(batch.observed_at)
        try:
            return write_race(self.conn, batch, quarantine_reason=reason, source=source)
        except pg_errors.CheckViolation as exc:
            # A day retired or dropped since we last looked: ensure again, once.
            if reason is not None or "no partition of relation" not in str(exc):
                raise
            self._ready_days.clear()
            reason = self._ensure_day(batch.observed_at)
            return write_race(self.conn, batch, quarantine_reason=reason, source=source)

    def _ensure_day(self, instant: Any) -> str | None:
        """None when the instant's day has partitions (created if needed), else why it cannot."""
        day = racing_day_of(instant, self.settings.timezone)
        if day in self._ready_days:
            return None
        result = ensure_days_for(self.url, self.settings, [instant], clock=self.clock)
        if 0 in result.refused:
            return result.refused[0]
        self._ready_days.update(result.ready_days)
        return None


class _Chunk:
    """Race events staged for one backfill transaction, kept small: only each race's newest
    poll keeps its current-state rows (runners' form blocks are most of a body's size); the
    older polls keep what history needs."""

    def __init__(self) -> None:
        self.files: list[tuple[Path, UUID]] = []
        self.batches: list[RaceBatch] = []
        self._newest: dict[UUID, int] = {}

    def add(self, path: Path, batch: RaceBatch) -> None:
        self.files.append((path, batch.race_id))
        index = self._newest.get(batch.race_id)
        if index is None:
            self._newest[batch.race_id] = len(self.batches)
            self.batches.append(batch)
        elif self.batches[index].observed_at < batch.observed_at:
            self.batches[index] = self.batches[index].history_only()
            self._newest[batch.race_id] = len(self.batches)
            self.batches.append(batch)
        else:
            self.batches.append(batch.history_only())


def _load(path: Path) -> Payload | FileOutcome:
    """The validated payload of a file, or its outcome when it is skipped or refused."""
    try:
        return parse_payload(read_body(path), source=path)
    except UnsupportedPayloadError as exc:
        kind = exc.payload_type or "unknown"
        if kind in IGNORED_PAYLOAD_TYPES:
            return FileOutcome(path, kind, "skipped", reason=f"{kind} (not stored by raceday)")
        return FileOutcome(path, kind, "failed", reason=exc.message)
    except PayloadError as exc:
        return FileOutcome(path, exc.payload_type or "unknown", "failed", reason=exc.message)


_UNKNOWN_TIME = datetime.min.replace(tzinfo=UTC)


def _classify(body: object) -> tuple[str, datetime]:
    """The payload type and header.generated_time (as an instant: the texts vary in precision)."""
    kind = detect_payload_type(body)
    stamp = _UNKNOWN_TIME
    if isinstance(body, Mapping):
        header = body.get("header")
        if isinstance(header, Mapping) and isinstance(header.get("generated_time"), str):
            with suppress(ValueError):  # validation names the problem when the file is loaded
                stamp = parse_utc_timestamp(header["generated_time"])
    return kind, stamp


def _with_file(exc: PayloadError, path: Path) -> str:
    if exc.file:
        return exc.message
    located = PayloadError(exc.reason, file=path, race_id=exc.race_id, field_path=exc.field_path)
    return located.message


def _describe(exc: psycopg.Error) -> str:
    diag = exc.diag
    text = diag.message_primary or str(exc).splitlines()[0]
    if len(text) > 300:  # a refused literal can be a whole array
        text = text[:300] + "…"
    if diag.constraint_name:
        text += f" (constraint {diag.constraint_name})"
    return text
