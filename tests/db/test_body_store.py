"""The poller's body stores on a real PostgreSQL: a polled body meets the rules a file meets
(strict JSON, storable text) and a refused one writes nothing; threads and worker processes
give the poller the same answer for the same body."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from raceday.clock import FixedClock
from raceday.config import load_settings
from raceday.db.pool import open_pool
from raceday.ingest import Ingestor, IngestStatus
from raceday.pipeline.store import ProcessStore, ThreadStore, store_with
from tests.fixtures.samples import read_sample

pytestmark = pytest.mark.db

EVENT = "race-event-0f57e087-final.json"
URL = "http://127.0.0.1/affiliates/v1/racing/events/x"


def _body(samples_dir: Path) -> dict[str, object]:
    body: dict[str, object] = read_sample(samples_dir, EVENT)
    return body


def _races(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("select count(*) from races").fetchone()
    return int(row[0]) if row else -1


def test_a_nul_in_a_runner_name_is_refused_naming_the_field_and_nothing_is_written(
    database_url: str, samples_dir: Path
) -> None:
    body = _body(samples_dir)
    body["data"]["runners"][2]["name"] = "Tick\x00ford"  # type: ignore[index]
    settings = load_settings(database_url=database_url)
    with open_pool(database_url, max_size=1) as pool:
        stored = store_with(Ingestor(pool, settings), URL, json.dumps(body).encode())
    assert stored.outcome is None and stored.failure is not None
    kind, message = stored.failure
    assert kind == "invalid" and "NUL" in message and "data.runners[2].name" in message
    assert URL in message
    assert _races(database_url) == 0


@pytest.mark.parametrize(
    ("raw", "why"),
    [(b'{"header": {"title": "Event', "not valid JSON"), (b'{"a": NaN}', "not valid JSON")],
)
def test_a_body_that_is_not_strict_json_is_refused_by_name(
    database_url: str, raw: bytes, why: str
) -> None:
    settings = load_settings(database_url=database_url)
    with open_pool(database_url, max_size=1) as pool:
        stored = store_with(Ingestor(pool, settings), URL, raw)
    assert stored.failure is not None and stored.failure[0] == "invalid"
    assert why in stored.failure[1] and URL in stored.failure[1]


def test_threads_and_worker_processes_answer_alike(database_url: str, samples_dir: Path) -> None:
    raw = json.dumps(_body(samples_dir)).encode()
    settings = load_settings(database_url=database_url)
    clock = FixedClock(datetime(2025, 7, 17, 12, tzinfo=UTC))

    async def both() -> tuple[object, object]:
        processes = ProcessStore(database_url, settings, clock, workers=1)
        try:
            in_process = await processes.store(URL, raw)
        finally:
            await asyncio.to_thread(processes.close)
        with open_pool(database_url, max_size=2) as pool:
            threads = ThreadStore(Ingestor(pool, settings, clock=clock), workers=1)
            try:
                in_thread = await threads.store(URL, raw)
            finally:
                threads.close()
        return in_process, in_thread

    first, again = asyncio.run(both())
    for stored in (first, again):
        assert getattr(stored, "failure", "?") is None
        assert getattr(stored, "status", None) == "Final"
    assert first.outcome.status is IngestStatus.OK  # type: ignore[attr-defined]
    # The second write of the same body is the idempotent replay: the same race, no new rows.
    assert again.outcome.written.rows.get("odds_history", 0) == 0  # type: ignore[attr-defined]
    assert _races(database_url) == 1
