"""Ingest NZTAB files: find them, order them, load each and hand it to the Ingestor; one report.

A body comes from a JSON file or from a record of a capture archive (`*.jsonl.gz`, written by
`raceday.nztab.Capture`): an archive stands for its records, each named `<archive>#<line>`, and
each record with status 200 whose body is a payload raceday stores is ingested exactly like a
file holding that body. Other records (error statuses, bodies cut short in transit, which the
client retried) are skipped with the reason.

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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from raceday.errors import NotJsonError, PartitionError, PayloadError, UnsupportedPayloadError
from raceday.ingest.ingestor import Ingestor, describe_refusal, located
from raceday.ingest.outcomes import IngestOutcome, IngestStatus, WriteResult
from raceday.ingest.rows import RaceBatch
from raceday.ingest.transform import race_batch
from raceday.nztab.capture import CaptureReader, CaptureRef, is_capture_archive, iter_capture
from raceday.nztab.errors import CaptureError
from raceday.nztab.models import Payload, RaceEvent
from raceday.nztab.payloads import decode_body, detect_payload_type, parse_payload, read_body
from raceday.nztab.times import parse_utc_timestamp

__all__ = ["FileOutcome", "IngestReport", "Source", "discover_files", "ingest_files"]

# Known NZTAB bodies raceday deliberately does not store: skipped, not failed.
IGNORED_PAYLOAD_TYPES = frozenset({"extras", "extras_list", "futures", "openapi"})
_APPLY_ORDER = {"meetings": 0, "meeting": 0, "races_list": 1, "race_event": 2}

Source = Path | CaptureRef
"""Where ingest reads one body: a JSON file, or one record of a capture archive."""


def discover_files(paths: Iterable[Path]) -> list[Source]:
    """Files as given, and every `*.json` and capture archive (`*.jsonl.gz`) below a folder
    (sorted); an archive stands for its records. Missing paths raise PayloadError, an archive
    line that is not a capture record CaptureError (naming `<archive>#<line>`)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and _is_body_file(p)))
        elif path.is_file():
            found.append(path)
        else:
            raise PayloadError("no such file or folder", file=path, hint="check the path")
    unique = dict.fromkeys(p.resolve() for p in found)
    return _expand(unique)


def _is_body_file(path: Path) -> bool:
    return path.name.endswith(".json") or is_capture_archive(path)


def _expand(sources: Iterable[Source]) -> list[Source]:
    """Sources with each capture archive replaced by its records, in the order written."""
    expanded: list[Source] = []
    for source in sources:
        if not (isinstance(source, Path) and is_capture_archive(source)):
            expanded.append(source)
            continue
        try:
            expanded.extend(record.ref for record in iter_capture(source))
        except OSError as exc:
            raise PayloadError(
                f"cannot read the capture archive: {exc.strerror or exc}", file=source
            ) from exc
    return expanded


@dataclass(frozen=True)
class FileOutcome:
    """What became of one file."""

    path: Path
    payload_type: str
    status: IngestStatus
    race_ids: frozenset[UUID] = frozenset()
    written: WriteResult = field(default_factory=WriteResult)
    reason: str | None = None

    @classmethod
    def of(cls, path: Path, outcome: IngestOutcome) -> FileOutcome:
        reason = outcome.reason
        if reason is not None and not reason.startswith(str(path)):
            reason = f"{path}: {reason}"
        return cls(
            path, outcome.payload_type, outcome.status, outcome.race_ids, outcome.written, reason
        )


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    chunks: WriteResult = field(default_factory=WriteResult)  # what backfill chunks wrote
    seconds: float = 0.0

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status is IngestStatus.FAILED]

    @property
    def ok(self) -> bool:
        return not self.failed

    def _written(self) -> WriteResult:
        total = WriteResult()
        for written in (*(o.written for o in self.outcomes), self.chunks):
            total.add(written)
        return total

    def rows(self) -> dict[str, int]:
        """Rows written (inserted or changed) per table, over the whole batch."""
        return dict(sorted((k, v) for k, v in self._written().rows.items() if v))

    def skipped(self) -> dict[str, int]:
        """What the payloads held that was not stored, by reason (plus files skipped by kind)."""
        total: Counter[str] = Counter(self._written().skipped)
        for outcome in self.outcomes:
            if outcome.status is IngestStatus.SKIPPED:
                total[f"files: {outcome.reason}"] += 1
        return dict(sorted(total.items()))

    def count(self, status: IngestStatus) -> int:
        return sum(o.status is status for o in self.outcomes)

    def to_json(self) -> dict[str, Any]:
        return {
            "files": len(self.outcomes),
            "ok": self.count(IngestStatus.OK),
            "skipped_files": self.count(IngestStatus.SKIPPED),
            "failed_files": self.count(IngestStatus.FAILED),
            "races": len(frozenset().union(*(o.race_ids for o in self.outcomes))),
            "rows": self.rows(),
            "skipped": self.skipped(),
            "errors": [{"file": str(o.path), "reason": o.reason} for o in self.failed],
            "seconds": round(self.seconds, 3),
        }


def ingest_files(
    ingestor: Ingestor,
    paths: Sequence[Source],
    *,
    progress: Callable[[FileOutcome], None] | None = None,
    backfill: bool = False,
    chunk: int = 500,
) -> IngestReport:
    """Ingest every file (a capture archive: every record); report per file or record. Only a
    lost database connection stops the batch (an archive line that is not a capture record
    raises CaptureError before anything is written).

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

    reader = CaptureReader()
    planned: list[tuple[int, datetime, str, int, Source]] = []
    for source in _expand(paths):
        path = _name_of(source)
        try:
            kind, stamp = _classify(_read(source, reader))
        except _NotStored as skip:
            done(FileOutcome(path, skip.kind, IngestStatus.SKIPPED, reason=skip.reason))
            continue
        except PayloadError as exc:
            done(FileOutcome(path, "unknown", IngestStatus.FAILED, reason=exc.message))
            continue
        planned.append((_APPLY_ORDER.get(kind, 3), stamp, *_place_of(source), source))
    pending = _Chunk()
    for *_, source in sorted(planned, key=lambda plan: plan[:4]):
        path = _name_of(source)
        loaded = _load(source, reader)
        if isinstance(loaded, FileOutcome):
            done(loaded)
        elif backfill and isinstance(loaded, RaceEvent):
            try:
                batch = race_batch(loaded)
            except PayloadError as exc:
                done(
                    FileOutcome(
                        path, "race_event", IngestStatus.FAILED, reason=located(exc, str(path))
                    )
                )
                continue
            if not ingestor.can_backfill(batch):
                done(FileOutcome.of(path, ingestor.ingest(loaded, source=str(path))))
                continue  # the per-race path quarantines it
            pending.add(path, batch)
            if len(pending.files) >= chunk:
                _backfill_chunk(ingestor, pending, report, done)
                pending = _Chunk()
        else:
            done(_write_file(ingestor, path, loaded))
    if pending.files:
        _backfill_chunk(ingestor, pending, report, done)
    report.seconds = time.perf_counter() - started
    return report


def _write_file(ingestor: Ingestor, path: Path, payload: Payload) -> FileOutcome:
    return FileOutcome.of(path, ingestor.ingest(payload, source=str(path)))


def _backfill_chunk(
    ingestor: Ingestor, chunk: _Chunk, report: IngestReport, done: Callable[[FileOutcome], None]
) -> None:
    try:
        written = ingestor.backfill(chunk.batches)
    except (psycopg.Error, PartitionError) as exc:
        why = describe_refusal(exc) if isinstance(exc, psycopg.Error) else exc.message
        for path, _ in chunk.files:
            done(
                FileOutcome(
                    path,
                    "race_event",
                    IngestStatus.FAILED,
                    reason=f"{path}: backfill chunk refused: {why}",
                )
            )
        return
    report.chunks.add(written)
    for path, race_id in chunk.files:
        done(FileOutcome(path, "race_event", IngestStatus.OK, race_ids=frozenset({race_id})))


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


def _name_of(source: Source) -> Path:
    """How reports name a source: the file, or `<archive>#<line>`."""
    return source if isinstance(source, Path) else Path(source.name)


def _place_of(source: Source) -> tuple[str, int]:
    # The tie-break after kind and generated_time: file name, then line within an archive.
    return (str(source), 0) if isinstance(source, Path) else (str(source.archive), source.line)


class _NotStored(Exception):
    """A capture record that holds no body to store (an error status, a body cut short)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def _read(source: Source, reader: CaptureReader) -> object:
    """The decoded body of a source; PayloadError naming it when it cannot be used."""
    if isinstance(source, Path):
        return read_body(source)
    name = _name_of(source)
    try:
        record = reader.read(source)
    except CaptureError as exc:
        raise PayloadError(exc.reason, file=name) from exc
    if record.status != 200:
        raise _NotStored("http_response", f"captured HTTP {record.status} responses")
    try:
        return decode_body(record.body_bytes, source=name)
    except NotJsonError:
        raise _NotStored(
            "not_json", "captured bodies that are not JSON (cut short; the client retried)"
        ) from None


def _load(source: Source, reader: CaptureReader) -> Payload | FileOutcome:
    """The validated payload of a source, or its outcome when it is skipped or refused."""
    path = _name_of(source)
    try:
        return parse_payload(_read(source, reader), source=path)
    except UnsupportedPayloadError as exc:
        kind = exc.payload_type or "unknown"
        if kind in IGNORED_PAYLOAD_TYPES:
            return FileOutcome(
                path, kind, IngestStatus.SKIPPED, reason=f"{kind} (not stored by raceday)"
            )
        return FileOutcome(path, kind, IngestStatus.FAILED, reason=exc.message)
    except PayloadError as exc:
        return FileOutcome(
            path, exc.payload_type or "unknown", IngestStatus.FAILED, reason=exc.message
        )


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
