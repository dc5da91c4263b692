"""The raw capture archive: round trip, crash-torn members, NZ racing-day files, concurrency."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from raceday.clock import FixedClock
from raceday.config import load_settings
from raceday.nztab import Capture, CaptureError, CaptureReader, iter_capture
from raceday.nztab.capture import encode_record

pytestmark = pytest.mark.anyio

AT = datetime(2025, 7, 17, 1, 2, 3, 456789, tzinfo=UTC)  # 13:02 NZST on 2025-07-17
URL = "https://api.tab.co.nz/affiliates/v1/racing/events/x?enc=json"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _bodies() -> list[tuple[str, int, bytes]]:
    return [
        (URL, 200, '{"name": "Karacabey Tarim İşletmesi̇", "odds": 5}'.encode()),
        (URL + "&n=2", 503, b"<html>503 Service Unavailable</html>"),
        (URL + "&n=3", 200, b'{"truncat'),  # what the simulator sends on purpose
        (URL + "&n=4", 200, b"\xff\xfe not utf-8 \x80"),
        (URL + "&n=5", 404, b""),
        (URL + "&n=6", 200, b'{"crlf": "a\\r\\nb"}\r\n'),
    ]


def _write_all(capture: Capture, at: datetime = AT) -> Path:
    path = capture.archive_of(at)
    for n, (url, status, body) in enumerate(_bodies()):
        capture.append(url, status, body, received_at=at + timedelta(seconds=n))
    return path


def test_records_round_trip_byte_for_byte(tmp_path: Path) -> None:
    path = _write_all(Capture(tmp_path))
    records = list(iter_capture(path))
    assert [(r.url, r.status, r.body_bytes) for r in records] == _bodies()
    assert [r.received_at for r in records] == [AT + timedelta(seconds=n) for n in range(6)]
    assert [r.ref.line for r in records] == [1, 2, 3, 4, 5, 6]
    assert records[2].ref.name == f"{path}#3"
    assert records[0].body == '{"name": "Karacabey Tarim İşletmesi̇", "odds": 5}'


def test_an_archive_is_plain_gzip_json_lines(tmp_path: Path) -> None:
    # zcat reads it: one JSON object per line with the documented keys.
    path = _write_all(Capture(tmp_path))
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    assert len(lines) == 6
    first = json.loads(lines[0])
    assert first == {
        "received_at": "2025-07-17T01:02:03.456789Z",
        "url": URL,
        "status": 200,
        "body": '{"name": "Karacabey Tarim İşletmesi̇", "odds": 5}',
    }
    assert "İşletmesi" in lines[0]  # UTF-8 text stays readable, not \u-escaped


def test_each_record_is_its_own_gzip_member(tmp_path: Path) -> None:
    path = _write_all(Capture(tmp_path))
    records = list(iter_capture(path))
    offsets = [r.ref.offset for r in records]
    assert offsets[0] == 0 and offsets == sorted(set(offsets))
    raw = path.read_bytes()
    for record, end in zip(records, [*offsets[1:], len(raw)], strict=True):
        member = gzip.decompress(raw[record.ref.offset : end])
        assert json.loads(member)["url"] == record.url


@given(cut=st.integers(min_value=1, max_value=400))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_a_torn_tail_loses_only_the_last_record(tmp_path: Path, cut: int) -> None:
    folder = tmp_path / f"cut-{cut}"
    path = _write_all(Capture(folder))
    raw = path.read_bytes()
    last = list(iter_capture(path))[-1].ref.offset
    cut = min(cut, len(raw) - last)  # somewhere inside the last member, even all of it
    path.write_bytes(raw[: len(raw) - cut])
    with capture_logs() as logs:
        records = list(iter_capture(path))
    assert [(r.url, r.status, r.body_bytes) for r in records] == _bodies()[:-1]
    if cut < len(raw) - last:  # a part of the member is left: the reader says it skipped it
        assert [e["event"] for e in logs] == ["capture_member_skipped"]
        assert logs[0]["archive"] == str(path) and logs[0]["offset"] == last


def test_a_torn_member_in_the_middle_is_skipped_and_reading_resumes(tmp_path: Path) -> None:
    # A crash (kill -9) mid-write, then a restart appending to the same day's archive.
    capture = Capture(tmp_path)
    path = _write_all(capture)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 7])
    capture.append(URL + "&after", 200, b'{"after": "restart"}', received_at=AT)
    with capture_logs() as logs:
        records = list(iter_capture(path))
    assert [r.url for r in records] == [u for u, _, _ in _bodies()[:-1]] + [URL + "&after"]
    assert [r.ref.line for r in records] == [1, 2, 3, 4, 5, 6]
    assert [e["event"] for e in logs] == ["capture_member_skipped"]


def test_garbage_between_and_after_members_is_skipped(tmp_path: Path) -> None:
    capture = Capture(tmp_path)
    path = capture.archive_of(AT)
    capture.append(URL, 200, b"{}", received_at=AT)
    with path.open("ab") as archive:
        archive.write(b"\x1f\x8b\x08 not really gzip \x00" * 3)
    capture.append(URL + "&2", 200, b"[]", received_at=AT)
    with path.open("ab") as archive:
        archive.write(b"\x00" * 100)
    with capture_logs() as logs:
        assert [r.url for r in iter_capture(path)] == [URL, URL + "&2"]
    assert logs and all(e["event"] == "capture_member_skipped" for e in logs)


def test_an_empty_archive_has_no_records(tmp_path: Path) -> None:
    path = tmp_path / "2025-07-17.jsonl.gz"
    path.write_bytes(b"")
    assert list(iter_capture(path)) == []


def test_a_complete_line_that_is_not_a_record_names_the_archive_and_line(tmp_path: Path) -> None:
    capture = Capture(tmp_path)
    path = capture.archive_of(AT)
    capture.append(URL, 200, b"{}", received_at=AT)
    with path.open("ab") as archive:
        archive.write(gzip.compress(b'{"url": "x", "status": "200"}\n'))
    with pytest.raises(CaptureError) as caught:
        list(iter_capture(path))
    assert str(caught.value).startswith(f"{path}#2: not a capture record")
    assert "status is str, expected int" in str(caught.value)
    assert "received_at is NoneType" in str(caught.value)


def test_a_recompressed_archive_reads_the_same(tmp_path: Path) -> None:
    # `zcat a | gzip > b` makes one member of many lines: still read, lines numbered alike.
    path = _write_all(Capture(tmp_path / "a"))
    single = tmp_path / "b.jsonl.gz"
    single.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())))
    again = list(iter_capture(single))
    assert [(r.url, r.status, r.body_bytes) for r in again] == _bodies()
    assert {r.ref.offset for r in again} == {0}
    reader = CaptureReader()
    for record in reversed(again):
        assert reader.read(record.ref) == record


def test_the_reader_reads_a_record_back_by_its_ref(tmp_path: Path) -> None:
    path = _write_all(Capture(tmp_path))
    records = list(iter_capture(path))
    reader = CaptureReader()
    for record in (records[3], records[0], records[5]):
        assert reader.read(record.ref) == record
    path.write_bytes(path.read_bytes()[: records[5].ref.offset + 5])
    with pytest.raises(CaptureError, match="incomplete"):
        CaptureReader().read(records[5].ref)


# --- one archive per NZ racing day ------------------------------------------------------------


@pytest.mark.parametrize(
    ("received_at", "day"),
    [
        (datetime(2025, 7, 17, 11, 59, 59, 999999, tzinfo=UTC), date(2025, 7, 17)),  # 23:59:59 NZST
        (datetime(2025, 7, 17, 12, 0, tzinfo=UTC), date(2025, 7, 18)),  # NZ midnight
        (datetime(2025, 7, 17, 23, 59, tzinfo=UTC), date(2025, 7, 18)),  # UTC midnight ...
        (datetime(2025, 7, 18, 0, 1, tzinfo=UTC), date(2025, 7, 18)),  # ... splits nothing
        (datetime(2026, 4, 4, 10, 59, 59, tzinfo=UTC), date(2026, 4, 4)),  # 23:59:59 NZDT
        (datetime(2026, 4, 4, 11, 0, tzinfo=UTC), date(2026, 4, 5)),  # a 25-hour day begins
        (datetime(2026, 4, 5, 11, 59, 59, tzinfo=UTC), date(2026, 4, 5)),  # its last second
        (datetime(2026, 4, 5, 12, 0, tzinfo=UTC), date(2026, 4, 6)),
    ],
)
def test_each_body_goes_to_the_archive_of_its_nz_racing_day(
    tmp_path: Path, received_at: datetime, day: date
) -> None:
    capture = Capture(tmp_path)
    written = capture.append(URL, 200, b"{}", received_at=received_at)
    assert written == tmp_path / f"{day.isoformat()}.jsonl.gz"
    assert [r.received_at for r in iter_capture(written)] == [received_at]


def test_a_day_boundary_splits_one_stream_of_bodies_into_two_archives(tmp_path: Path) -> None:
    capture = Capture(tmp_path)
    midnight = datetime(2025, 7, 17, 12, 0, tzinfo=UTC)  # 2025-07-18 00:00 NZST
    stamps = [midnight + timedelta(seconds=s) for s in (-2, -1, 0, 1)]
    for stamp in stamps:
        capture.append(URL, 200, b"{}", received_at=stamp)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2025-07-17.jsonl.gz",
        "2025-07-18.jsonl.gz",
    ]
    assert [r.received_at for r in iter_capture(tmp_path / "2025-07-17.jsonl.gz")] == stamps[:2]
    assert [r.received_at for r in iter_capture(tmp_path / "2025-07-18.jsonl.gz")] == stamps[2:]


def test_the_zone_of_the_settings_decides_the_day(tmp_path: Path) -> None:
    capture = Capture.from_settings(
        load_settings(home=str(tmp_path), timezone="Australia/Sydney"), FixedClock(AT)
    )
    assert capture is not None
    late = datetime(2025, 7, 17, 13, 30, tzinfo=UTC)  # 23:30 in Sydney, 01:30 next day in NZ
    assert capture.append(URL, 200, b"{}", received_at=late).name == "2025-07-17.jsonl.gz"


def test_from_settings_is_none_when_capture_is_off(tmp_path: Path) -> None:
    assert Capture.from_settings(load_settings(home=str(tmp_path), capture=False)) is None
    on = Capture.from_settings(load_settings(home=str(tmp_path)))
    assert on is not None and on.folder == tmp_path / "capture"
    elsewhere = Capture.from_settings(
        load_settings(home=str(tmp_path), capture_dir=str(tmp_path / "bodies"))
    )
    assert elsewhere is not None and elsewhere.folder == tmp_path / "bodies"


def test_received_at_defaults_to_the_clock_and_must_be_aware(tmp_path: Path) -> None:
    capture = Capture(tmp_path, clock=FixedClock(AT))
    path = capture.append(URL, 200, b"{}")
    assert [r.received_at for r in iter_capture(path)] == [AT]
    with pytest.raises(ValueError, match="timezone-aware"):
        encode_record(datetime(2025, 7, 17), URL, 200, b"{}")


# --- async writing ----------------------------------------------------------------------------


async def test_many_concurrent_records_are_all_kept_whole(tmp_path: Path) -> None:
    capture = Capture(tmp_path)
    body = b'{"runners": [' + b",".join(b'{"n": %d}' % n for n in range(3000)) + b"]}"
    paths = await asyncio.gather(
        *(capture.record(f"{URL}&n={n}", 200, body + b" " * n, received_at=AT) for n in range(200))
    )
    await capture.aclose()
    assert set(paths) == {capture.archive_of(AT)}
    records = list(iter_capture(paths[0]))
    assert sorted(r.url for r in records) == sorted(f"{URL}&n={n}" for n in range(200))
    assert all(r.body_bytes == body + b" " * int(r.url.rsplit("=", 1)[1]) for r in records)


async def test_the_write_runs_off_the_event_loop_thread(tmp_path: Path) -> None:
    threads: list[int] = []

    class Watched(Capture):
        def append(self, *args: object, **kwargs: object) -> Path:
            threads.append(threading.get_ident())
            return super().append(*args, **kwargs)  # type: ignore[arg-type]

    capture = Watched(tmp_path)
    await capture.record(URL, 200, b"{}", received_at=AT)
    assert threads and threads[0] != threading.get_ident()


async def test_aclose_waits_for_a_write_whose_request_was_cancelled(tmp_path: Path) -> None:
    started, release = threading.Event(), threading.Event()

    class Slow(Capture):
        def append(self, *args: object, **kwargs: object) -> Path:
            started.set()
            release.wait(5)
            return super().append(*args, **kwargs)  # type: ignore[arg-type]

    capture = Slow(tmp_path)
    request = asyncio.create_task(capture.record(URL, 200, b'{"kept": true}', received_at=AT))
    await asyncio.to_thread(started.wait, 5)
    request.cancel()
    closing = asyncio.create_task(capture.aclose())
    await asyncio.sleep(0.01)
    assert not closing.done()  # still waiting for the write in its thread
    release.set()
    await closing
    assert [r.body for r in iter_capture(capture.archive_of(AT))] == ['{"kept": true}']
    with pytest.raises(RuntimeError, match="closed"):
        await capture.record(URL, 200, b"{}", received_at=AT)
