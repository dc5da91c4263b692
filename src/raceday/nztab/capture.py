"""The raw capture: every NZTAB response body as received, one gzip archive per NZ racing day.

`<folder>/<YYYY-MM-DD>.jsonl.gz`, the day being the racing day (settings.timezone) of the
instant the body was received. Each record is one JSON line

    {"received_at": "2025-07-17T10:48:11.805562Z", "url": "https://…", "status": 200, "body": "…"}

holding the body text exactly as received, and each line is written as its own gzip member,
appended. `zcat` reads an archive as plain JSON lines; a crash (kill -9) mid-write can at worst
leave the last member incomplete, and the reader logs and skips such a member, also one in the
middle of an archive (a crash, then a restart appending after it), resuming at the next member.

Writing compresses and appends in a worker thread (`asyncio.to_thread`), under one lock per
process, so concurrent requests never interleave their members and the event loop never waits
on the disk. Replaying an archive (`raceday ingest [--backfill] <archive>`) stores what the live
service stored, or what a fixed transform would have: the point of keeping the bodies.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from raceday.clock import Clock, SystemClock
from raceday.config import Settings
from raceday.logs import get_logger
from raceday.nztab.errors import CaptureError
from raceday.nztab.times import parse_utc_timestamp
from raceday.racing_day import DEFAULT_ZONE, racing_day_of

__all__ = [
    "ARCHIVE_SUFFIX",
    "Capture",
    "CaptureReader",
    "CaptureRecord",
    "CaptureRef",
    "decode_record",
    "encode_record",
    "is_capture_archive",
    "iter_capture",
]

ARCHIVE_SUFFIX = ".jsonl.gz"
# zlib level 3: measured on a simulated 164 kB race event, level 1 gives 26.8 kB in 0.70 ms,
# level 3 23.9 kB in 0.76 ms, level 6 19.8 kB in 1.75 ms. The capture runs on every poll of the
# live path, where CPU is the capacity; level 3 keeps most of level 6's size for half its CPU.
COMPRESS_LEVEL = 3

_GZIP_MAGIC = b"\x1f\x8b\x08"  # ID1 ID2 CM=deflate: how every gzip member starts
_READ_CHUNK = 1 << 20
_FEED_CHUNK = 1 << 16  # fed to the inflater at a time, so what it leaves over stays small
_APPEND_LOCK = threading.Lock()  # one member at a time per process, whichever Capture writes

_log = get_logger("raceday.nztab")


def is_capture_archive(path: Path) -> bool:
    """Does the name say capture archive (`*.jsonl.gz`)?"""
    return path.name.endswith(ARCHIVE_SUFFIX)


# --- records ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaptureRef:
    """Where a record lies: its archive, its line (1-based, as `zcat archive | sed -n Np` counts),
    and the gzip member holding it (byte `offset` in the file, `index`-th line of the member)."""

    archive: Path
    line: int
    offset: int
    index: int = 0

    @property
    def name(self) -> str:
        """How reports name the record: `<archive>#<line>`."""
        return f"{self.archive}#{self.line}"


@dataclass(frozen=True)
class CaptureRecord:
    """One response as captured; `body` is the text received (`body_bytes` the exact bytes)."""

    received_at: datetime
    url: str
    status: int
    body: str
    ref: CaptureRef

    @property
    def body_bytes(self) -> bytes:
        # Bytes that were not UTF-8 were kept as lone surrogates (surrogateescape): undo that.
        return self.body.encode("utf-8", errors="surrogateescape")


def _rfc3339(instant: datetime) -> str:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"received_at must be timezone-aware, got {instant.isoformat()}")
    return instant.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def encode_record(received_at: datetime, url: str, status: int, body: bytes) -> bytes:
    """One capture line (JSON and a newline) for a response; the body is kept byte for byte."""
    try:
        text, ascii_only = body.decode("utf-8"), False
    except UnicodeDecodeError:
        # Not UTF-8 (a broken proxy page?): keep every byte as a surrogate escape, which JSON can
        # only carry as \udcXX escapes, hence ASCII output for this line.
        text, ascii_only = body.decode("utf-8", errors="surrogateescape"), True
    record = {"received_at": _rfc3339(received_at), "url": url, "status": status, "body": text}
    return json.dumps(record, ensure_ascii=ascii_only).encode("utf-8") + b"\n"


def decode_record(line: bytes, ref: CaptureRef) -> CaptureRecord:
    """A capture line read back; CaptureError naming the archive and line when it is not one."""
    try:
        value = json.loads(line)
    except ValueError as exc:
        raise CaptureError(f"not a JSON line: {exc}", archive=ref.archive, line=ref.line) from None
    if not isinstance(value, dict):
        raise CaptureError("not a JSON object", archive=ref.archive, line=ref.line)
    received_at, url, status, body = (
        value.get(k) for k in ("received_at", "url", "status", "body")
    )
    if not (
        isinstance(received_at, str)
        and isinstance(url, str)
        and isinstance(status, int)
        and not isinstance(status, bool)
        and isinstance(body, str)
    ):
        problems = [
            f"{name} is {type(got).__name__}, expected {kind.__name__}"
            for name, got, kind in (
                ("received_at", received_at, str),
                ("url", url, str),
                ("status", status, int),
                ("body", body, str),
            )
            if not isinstance(got, kind) or isinstance(got, bool)
        ]
        raise CaptureError(
            f"not a capture record: {'; '.join(problems)}", archive=ref.archive, line=ref.line
        )
    try:
        instant = parse_utc_timestamp(received_at)
    except ValueError as exc:
        raise CaptureError(f"received_at: {exc}", archive=ref.archive, line=ref.line) from None
    return CaptureRecord(instant, url, status, body, ref)


# --- writing ---------------------------------------------------------------------------------


class Capture:
    """Appends responses to the archive of their racing day under `folder`; safe to share."""

    def __init__(
        self,
        folder: Path,
        *,
        zone: str = DEFAULT_ZONE,
        clock: Clock | None = None,
        compress_level: int = COMPRESS_LEVEL,
    ) -> None:
        self.folder = folder
        self.zone = zone
        self._clock: Clock = clock or SystemClock()
        self._level = compress_level
        self._writes: set[asyncio.Future[Path]] = set()
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Capture | None:
        """The capture the settings ask for, or None when RACEDAY_CAPTURE is off."""
        if not settings.capture:
            return None
        return cls(settings.capture_folder, zone=settings.timezone, clock=clock)

    def archive_for(self, day: date) -> Path:
        """The archive of racing day `day`."""
        return self.folder / f"{day.isoformat()}{ARCHIVE_SUFFIX}"

    def archive_of(self, received_at: datetime) -> Path:
        """The archive a body received at `received_at` goes to: its NZ racing day's, not UTC's."""
        return self.archive_for(racing_day_of(received_at, self.zone))

    async def record(
        self, url: str, status: int, body: bytes, *, received_at: datetime | None = None
    ) -> Path:
        """Append one response (received now by the clock, unless `received_at` says); the
        encoding, compression and write run in a worker thread. Returns the archive written."""
        if self._closed:
            raise RuntimeError(f"the capture under {self.folder} is closed")
        at = received_at if received_at is not None else self._clock.now()
        write = asyncio.ensure_future(
            asyncio.to_thread(self.append, url, status, body, received_at=at)
        )
        self._writes.add(write)
        write.add_done_callback(self._writes.discard)
        # Shielded: a cancelled request still gets its body written whole, and aclose waits.
        return await asyncio.shield(write)

    async def aclose(self) -> None:
        """Wait for the writes still running (those of cancelled requests too); no more after."""
        self._closed = True
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    def append(
        self, url: str, status: int, body: bytes, *, received_at: datetime | None = None
    ) -> Path:
        """`record` for synchronous callers: blocks while it compresses and writes."""
        at = received_at if received_at is not None else self._clock.now()
        member = gzip.compress(encode_record(at, url, status, body), self._level, mtime=0)
        path = self.archive_of(at)
        with _APPEND_LOCK:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab") as archive:
                archive.write(member)  # one write per member: never interleaved, never split
        return path


# --- reading ---------------------------------------------------------------------------------


def iter_capture(path: Path) -> Iterator[CaptureRecord]:
    """Every complete record of the archive at `path`, in the order written.

    An incomplete or damaged gzip member (the tail a crash left, or garbage) is logged and
    skipped; a complete line that is not a capture record raises CaptureError.
    """
    line = 0
    with path.open("rb") as stream:
        for offset, data in _members(stream, path):
            for index, text in enumerate(_lines(data)):
                line += 1
                yield decode_record(text, CaptureRef(path, line, offset, index))


class CaptureReader:
    """Reads records back by their `CaptureRef`, one gzip member at a time.

    Keeps the last member it decompressed: archives written by `Capture` have one record per
    member, and one recompressed into a single member is then still read once per sequential run.
    """

    def __init__(self) -> None:
        self._cached: tuple[Path, int, list[bytes]] | None = None

    def read(self, ref: CaptureRef) -> CaptureRecord:
        """The record at `ref`; CaptureError when the archive no longer holds it there."""
        cached = self._cached
        if cached is None or cached[0] != ref.archive or cached[1] != ref.offset:
            cached = (ref.archive, ref.offset, _lines(_member_at(ref.archive, ref.offset)))
            self._cached = cached
        lines = cached[2]
        if ref.index >= len(lines):
            raise CaptureError(
                f"no line {ref.index + 1} in the gzip member at byte {ref.offset}"
                " (the archive changed since it was read)",
                archive=ref.archive,
                line=ref.line,
            )
        return decode_record(lines[ref.index], ref)


def _lines(data: bytes) -> list[bytes]:
    return [line for line in data.split(b"\n") if line.strip()]


def _member_at(archive: Path, offset: int) -> bytes:
    """The decompressed gzip member that starts at byte `offset` of `archive`."""
    inflater = zlib.decompressobj(wbits=31)
    pieces: list[bytes] = []
    try:
        with archive.open("rb") as stream:
            stream.seek(offset)
            while not inflater.eof:
                chunk = stream.read(_FEED_CHUNK)
                if not chunk:
                    break
                pieces.append(inflater.decompress(chunk))
    except (OSError, zlib.error) as exc:
        raise CaptureError(
            f"cannot read the gzip member at byte {offset}: {exc}", archive=archive
        ) from exc
    if not inflater.eof:
        raise CaptureError(f"the gzip member at byte {offset} is incomplete", archive=archive)
    return b"".join(pieces)


def _members(stream: BinaryIO, archive: Path) -> Iterator[tuple[int, bytes]]:
    """(offset, decompressed data) of every complete gzip member of `stream`, in file order.

    A member that fails (cut short, or a CRC/deflate error) is logged and the scan resumes at
    the next gzip header after its start; CRC32 and length in each member's trailer make a false
    resumption point fail in turn instead of yielding garbage.
    """
    buffer = bytearray()
    base = 0  # file offset of buffer[0]

    def fill() -> bool:
        chunk = stream.read(_READ_CHUNK)
        buffer.extend(chunk)
        return bool(chunk)

    while buffer or fill():
        inflater = zlib.decompressobj(wbits=31)
        pieces: list[bytes] = []
        fed = 0
        problem = "the archive ends inside this member"
        while not inflater.eof:
            if fed == len(buffer) and not fill():
                break
            piece = bytes(buffer[fed : fed + _FEED_CHUNK])
            try:
                pieces.append(inflater.decompress(piece))
            except zlib.error as exc:
                problem = str(exc)
                break
            fed += len(piece)
        if inflater.eof:
            used = fed - len(inflater.unused_data)
            yield base, b"".join(pieces)
            del buffer[:used]
            base += used
            continue
        skipped = _next_member(buffer, fill)
        _log.warning(
            "capture_member_skipped",
            archive=str(archive),
            offset=base,
            skipped_bytes=skipped,
            problem=problem,
        )
        del buffer[:skipped]
        base += skipped


def _next_member(buffer: bytearray, fill: Callable[[], bool]) -> int:
    """Index of the next gzip header after buffer[0] (reading on as needed), or the end."""
    start = 1
    while True:
        found = buffer.find(_GZIP_MAGIC, start)
        if found >= 0:
            return found
        start = max(1, len(buffer) - len(_GZIP_MAGIC) + 1)
        if not fill():
            return len(buffer)
