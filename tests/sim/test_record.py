"""The served-bodies record: bodies read back exactly, a cut-off last member is harmless."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from raceday.sim.bodies import encode
from raceday.sim.record import RecordError, RecordWriter, iter_record

BODY = {
    "header": {"title": "List Races", "generated_time": "2025-07-17T11:07:39.058303432Z"},
    "data": {"races": [{"name": "Kōwhai Gem"}]},
}


def _write(path: Path, count: int) -> list[bytes]:
    writer = RecordWriter(path)
    sent = []
    for n in range(count):
        raw = encode(BODY | {"n": n})
        sent.append(raw)
        writer.write(
            at=f"2025-07-17T11:07:{n:02d}.5Z",
            url=f"/affiliates/v1/racing/list?n={n}",
            status=200,
            body=raw,
        )
    writer.close()
    return sent


def test_bodies_read_back_in_order_with_url_and_instant(tmp_path: Path) -> None:
    path = tmp_path / "record.jsonl.gz"
    sent = _write(path, 3)
    entries = list(iter_record(path))
    assert [e.body for e in entries] == [json.loads(raw) for raw in sent]
    assert [e.url for e in entries] == [f"/affiliates/v1/racing/list?n={n}" for n in range(3)]
    assert entries[1].at == datetime(2025, 7, 17, 11, 7, 1, 500_000, tzinfo=UTC)
    assert {e.status for e in entries} == {200} and {e.fault for e in entries} == {None}


def test_standard_gzip_tools_read_the_file_as_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "record.jsonl.gz"
    _write(path, 2)
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    assert [json.loads(line)["body"]["n"] for line in lines] == [0, 1]


def test_a_reopened_record_appends(tmp_path: Path) -> None:
    path = tmp_path / "record.jsonl.gz"
    _write(path, 2)
    _write(path, 1)
    assert [e.body["n"] for e in iter_record(path)] == [0, 1, 0]


def test_a_truncated_last_member_ends_the_record_quietly(tmp_path: Path) -> None:
    path = tmp_path / "record.jsonl.gz"
    _write(path, 2)
    whole = path.read_bytes()
    one = tmp_path / "one.jsonl.gz"
    _write(one, 1)
    first_member = len(one.read_bytes())
    for cut in (first_member + 1, first_member + 12, len(whole) - 1):
        path.write_bytes(whole[:cut])
        assert [e.body["n"] for e in iter_record(path)] == [0], cut


def test_damage_before_the_end_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "record.jsonl.gz"
    _write(path, 3)
    damaged = bytearray(path.read_bytes())
    damaged[30:40] = b"\xff" * 10
    path.write_bytes(bytes(damaged))
    with pytest.raises(RecordError, match="damaged gzip data"):
        list(iter_record(path))


def test_a_malformed_body_is_kept_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "record.jsonl.gz"
    writer = RecordWriter(path)
    broken = encode(BODY)[:17]  # cut inside "Kōwhai" would be fine too: bytes, not text
    writer.write(at="2025-07-17T11:07:39Z", url="/x", status=200, body=broken, fault="malformed")
    writer.close()
    (entry,) = iter_record(path)
    assert entry.fault == "malformed" and entry.malformed == broken and entry.body is None
