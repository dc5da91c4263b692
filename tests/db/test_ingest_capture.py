"""Replaying capture archives: `raceday ingest [--backfill] ARCHIVE` stores what ingesting the
same bodies as files stores.

The bodies are a SYNTHETIC racing day (`raceday.demo.generate_day`) on which NZ daylight saving
ends, recorded through a `Capture` the way the client records them (concurrently, stamped with
their generated time), together with what a flaky NZTAB also sends: error responses and a body
cut short in transit, which the replay must skip.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest

from raceday.cli import main
from raceday.db import connect
from raceday.demo import GeneratedDay, generate_day, write_day
from raceday.nztab import Capture, iter_capture
from raceday.nztab.times import parse_utc_timestamp
from tests.fixtures.postgres import fresh_database

DAY = date(2026, 4, 5)  # NZ daylight saving ends: a 25-hour racing day
BASE = "http://127.0.0.1:8765/affiliates/v1"

# Columns that say when a row was written, not what was observed: they differ between any two
# runs. Everything else must be equal.
_WRITE_TIMES = frozenset({"created_at", "updated_at", "received_at", "started_at", "kept_at"})


@pytest.fixture(scope="module")
def day() -> GeneratedDay:
    return generate_day(DAY, seed=11, meetings=2, races_per_meeting=3, runners=8, polls_per_race=6)


def _bodies(day: GeneratedDay) -> list[tuple[str, dict[str, Any]]]:
    bodies = [(f"{BASE}/racing/meetings?enc=json", day.meetings_body)]
    for race in day.races:
        bodies += [(f"{BASE}/racing/events/{race.race_id}?enc=json", poll) for poll in race.polls]
    return bodies


async def _record(capture: Capture, day: GeneratedDay) -> None:
    """Every body as the client would record it, plus the failures a flaky NZTAB sends."""
    bodies = _bodies(day)
    first_url, first = bodies[1]
    received = parse_utc_timestamp(first["header"]["generated_time"])
    await capture.record(first_url, 503, b'{"header": {"error": "busy"}}', received_at=received)
    cut = json.dumps(first).encode()[:5000]  # the simulator truncates bodies on purpose
    await capture.record(first_url, 200, cut, received_at=received)
    await capture.record(f"{BASE}/racing/events/unknown", 404, b"", received_at=received)
    await asyncio.gather(
        *(
            capture.record(
                url,
                200,
                json.dumps(body).encode(),
                received_at=parse_utc_timestamp(body["header"]["generated_time"]),
            )
            for url, body in bodies
        )
    )
    await capture.aclose()


@pytest.fixture(scope="module")
def archives(day: GeneratedDay, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("capture")
    asyncio.run(_record(Capture(folder), day))
    return folder


@pytest.fixture(scope="module")
def files(day: GeneratedDay, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("files")
    write_day(day, folder)
    return folder


def _ingest(url: str, *args: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = main(["ingest", *args, "--json", "--database-url", url])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert code == 0, report["errors"]
    return report


def _tables(conn: psycopg.Connection[Any]) -> list[str]:
    rows = conn.execute(
        """select relname from pg_class
            where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')
              and not relispartition
            order by relname"""
    ).fetchall()
    return [r[0] for r in rows]


def _state(url: str, exclude: frozenset[str] = frozenset()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every public table (partitions through their parents), write times aside."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    with connect(url, autocommit=True) as conn:
        for table in _tables(conn):
            columns = [
                r[0]
                for r in conn.execute(
                    """select column_name from information_schema.columns
                        where table_schema = 'public' and table_name = %s
                        order by ordinal_position""",
                    [table],
                ).fetchall()
                if r[0] not in _WRITE_TIMES | exclude
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = conn.execute(f'select {listed} from "{table}"').fetchall()
            state[table] = sorted(rows, key=repr)
    return state


def _different(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    return [t for t in left if left[t] != right.get(t)]


def test_the_archive_holds_every_body_and_the_failures(archives: Path, day: GeneratedDay) -> None:
    records = [r for path in sorted(archives.iterdir()) for r in iter_capture(path)]
    assert len(records) == len(_bodies(day)) + 3
    assert sorted(r.status for r in records if r.status != 200) == [404, 503]
    # The archives are split by NZ racing day, not by UTC day.
    names = {p.name for p in archives.iterdir()}
    assert f"{DAY.isoformat()}.jsonl.gz" in names
    assert all(name.endswith(".jsonl.gz") for name in names)


def test_ingest_of_an_archive_equals_ingest_of_the_same_bodies_as_files(
    database_url: str,
    second_database_url: str,
    archives: Path,
    files: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from_files = _ingest(database_url, str(files), capsys=capsys)
    from_archive = _ingest(second_database_url, str(archives), capsys=capsys)
    expected = _state(database_url)
    assert sum(len(rows) for rows in expected.values()) > 100
    assert len(expected["odds_history"]) > 0 and len(expected["money_flow_history"]) > 0
    assert _different(expected, _state(second_database_url)) == []
    assert from_archive["rows"] == from_files["rows"]
    assert from_archive["ok"] == from_files["ok"] == len(list(files.rglob("*.json")))
    records_skipped = {k: v for k, v in from_archive["skipped"].items() if k.startswith("files:")}
    assert records_skipped == {
        "files: captured HTTP 404 responses": 1,
        "files: captured HTTP 503 responses": 1,
        "files: captured bodies that are not JSON (cut short; the client retried)": 1,
    }
    # What the bodies held that is not stored (unknown entrants, repeated dividends) is alike.
    assert {k: v for k, v in from_archive["skipped"].items() if k not in records_skipped} == (
        from_files["skipped"]
    )


def test_backfill_of_an_archive_equals_a_sequential_ingest_of_the_same_bodies(
    database_url: str,
    second_database_url: str,
    archives: Path,
    files: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _ingest(database_url, str(files), capsys=capsys)
    archive_paths = [str(p) for p in sorted(archives.iterdir())]
    report = _ingest(second_database_url, "--backfill", *archive_paths, capsys=capsys)
    assert report["failed_files"] == 0
    # One by one, api_generated_time is the poll that last changed a row; the backfill writes
    # each race's state once, from its newest poll (tests/db/test_ingest_backfill.py).
    exclude = frozenset({"api_generated_time"})
    expected = _state(database_url, exclude)
    assert _different(expected, _state(second_database_url, exclude)) == []


def test_replaying_an_archive_twice_changes_nothing(
    database_url: str, archives: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _ingest(database_url, "--backfill", str(archives), capsys=capsys)
    once = _state(database_url)
    again = _ingest(database_url, "--backfill", str(archives), capsys=capsys)
    assert _different(once, _state(database_url)) == []
    assert again["failed_files"] == 0


def test_a_record_that_fails_is_named_by_archive_and_line(
    server_url: str, template_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = Capture(tmp_path)
    bad = {"header": {"title": "Event Details: x", "generated_time": "not a time"}, "data": {}}
    path = capture.append(f"{BASE}/racing/events/x", 200, json.dumps(bad).encode())
    with fresh_database(server_url, template=template_database) as url:
        code = main(["ingest", str(path), "--json", "--database-url", url])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [e["file"] for e in report["errors"]] == [f"{path}#1"]
    assert report["errors"][0]["reason"].startswith(f"{path}#1: ")


def test_a_corrupt_archive_line_stops_before_anything_is_written(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "2026-04-05.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"not": "a record"}\n'))
    code = main(["ingest", str(path), "--database-url", database_url])
    assert code == 1
    assert f"{path}#1: not a capture record" in " ".join(capsys.readouterr().err.split())
