"""The served-bodies record: every 200 body the simulator sent, as sent, in gzip JSON lines.

One gzip member per line, appended and flushed as each response completes, so a reader can
follow a running server and a crash costs at most the member being written: `iter_record`
stops quietly at a truncated last member. A line is

    {"at": "<simulated instant served, = header.generated_time>", "url": "<header.url>",
     "status": 200, "fault": null, "body": <the body exactly as sent>}

and for a body sent broken on purpose (the "malformed" fault) `"fault": "malformed"` with the
bytes in `"body_b64"` instead of `"body"`. The body bytes are spliced into the line, never
decoded and re-encoded, so what is recorded is what the client received.
"""

from __future__ import annotations

import base64
import json
import queue
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from raceday.logs import get_logger
from raceday.sim.instants import from_ns, parse_rfc3339_ns

__all__ = ["RecordError", "RecordWriter", "RecordedBody", "iter_record"]

_log = get_logger("raceday.sim.record")
_GZIP = 31  # zlib wbits for a gzip member
_STOP = None


class RecordError(ValueError):
    """A record file that is damaged other than by a truncated last member."""


@dataclass(frozen=True)
class RecordedBody:
    """One served body read back from the record."""

    at: datetime
    url: str
    status: int
    body: Any  # the decoded JSON body; None for a malformed one
    fault: str | None = None
    malformed: bytes | None = None  # the bytes sent, for a malformed body


@dataclass(frozen=True)
class _Entry:
    at: str
    url: str
    status: int
    body: bytes
    fault: str | None


class RecordWriter:
    """Appends served bodies to `path` from a thread of its own, off the event loop.

    `write` only queues; `close` drains the queue and waits for the thread.
    """

    def __init__(self, path: Path, *, compresslevel: int = 1) -> None:
        self.path = path
        self.compresslevel = compresslevel
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("ab")
        self._queue: queue.SimpleQueue[_Entry | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="sim-record", daemon=True)
        self._thread.start()
        self.written = 0

    def write(
        self, *, at: str, url: str, status: int, body: bytes, fault: str | None = None
    ) -> None:
        self._queue.put(_Entry(at, url, status, body, fault))

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()
        self._file.close()

    def _run(self) -> None:
        while (entry := self._queue.get()) is not _STOP:
            try:
                self._file.write(self._member(entry))
                self._file.flush()
                self.written += 1
            except OSError as exc:  # a full disk must not take the server down with it
                _log.error("sim_record_write_failed", path=str(self.path), error=str(exc))

    def _member(self, entry: _Entry) -> bytes:
        head = (
            f'{{"at":{json.dumps(entry.at)},"url":{json.dumps(entry.url)},'
            f'"status":{entry.status},"fault":{json.dumps(entry.fault)},'
        ).encode()
        if entry.fault == "malformed":
            tail = b'"body_b64":"' + base64.b64encode(entry.body) + b'"}\n'
        else:
            tail = b'"body":' + entry.body + b"}\n"
        compressor = zlib.compressobj(self.compresslevel, zlib.DEFLATED, _GZIP)
        return compressor.compress(head) + compressor.compress(tail) + compressor.flush()


def iter_record(path: Path) -> Iterator[RecordedBody]:
    """Every body of the record at `path`, in the order served.

    A truncated last member (the server stopped mid-write) ends the iteration quietly; damage
    anywhere else raises RecordError saying where.
    """
    with path.open("rb") as file:
        member = zlib.decompressobj(_GZIP)
        line = bytearray()
        read = 0
        while chunk := file.read(1 << 16):
            read += len(chunk)
            data = chunk
            while data:
                try:
                    line += member.decompress(data)
                except zlib.error as exc:
                    raise RecordError(
                        f"{path}: damaged gzip data before byte {read}: {exc}"
                    ) from None
                if not member.eof:
                    break  # the member goes on in the next chunk (or was cut short: the end)
                yield _parse_line(path, bytes(line), read)
                data = member.unused_data
                member = zlib.decompressobj(_GZIP)
                line = bytearray()


def _instant(text: str) -> int:
    ns = parse_rfc3339_ns(text)
    if ns is None:
        raise ValueError(f"'at' is not an RFC 3339 instant: {text!r}")
    return ns


def _parse_line(path: Path, line: bytes, offset: int) -> RecordedBody:
    try:
        entry = json.loads(line)
        body_b64 = entry.get("body_b64")
        return RecordedBody(
            at=from_ns(_instant(entry["at"])),
            url=entry["url"],
            status=entry["status"],
            body=entry.get("body"),
            fault=entry.get("fault"),
            malformed=base64.b64decode(body_b64) if body_b64 is not None else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RecordError(
            f"{path}: an entry before byte {offset} is not a record entry: {exc}"
        ) from None
