"""`raceday bench api --quick`: a smoke test of the machinery — generated day, COPY backfill,
the app in its own process, the load generator, the SQL floor, the report — with numbers
checked for sanity and consistency, never for speed."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import structlog

from raceday.bench.api import (
    BENCH_DAY,
    CALL_TARGET_P95_MS,
    ENTRANTS_TARGET_RPS,
    REFRESH_TARGET_P95_MS,
    ApiBenchOptions,
)
from raceday.cli import main

ENDPOINTS = {
    "race",
    "meeting",
    "entrants",
    "navigation",
    "race_results",
    "race_pools",
    "money_flow_timeline",
    "meetings_of_day",
    "races_of_meeting",
    "races_upcoming",
    "races_next_scheduled",
    "health",
}
QUICK = ApiBenchOptions.quick_run()


@pytest.fixture
def kept_logging() -> Iterator[None]:
    """The command quiets logging for its run; give the next tests theirs back."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def _positive(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _timed(section: dict[str, Any]) -> None:
    assert _positive(section["p50_ms"]) and section["p50_ms"] <= section["p95_ms"]


def test_a_quick_run_times_every_endpoint_against_its_sql(
    server_url: str, capsys: pytest.CaptureFixture[str], kept_logging: None
) -> None:
    assert main(["bench", "api", "--quick", "--json", "--database-url", server_url]) == 0
    report = json.loads(capsys.readouterr().out)

    assert report["day"] == BENCH_DAY.isoformat()
    assert (report["meetings"], report["races"]) == (QUICK.meetings, QUICK.races)
    assert (report["runners_per_race"], report["polls_per_race"]) == (QUICK.runners, QUICK.polls)
    rows = report["rows"]
    assert rows["meetings"] == QUICK.meetings and rows["races"] == QUICK.races
    assert rows["entrants"] == QUICK.races * QUICK.runners
    assert rows["odds_history"] > 0 and rows["money_flow_history"] > 0
    assert rows["race_results"] > 0  # the last poll of a generated race reads Final

    endpoints = report["endpoints"]
    assert set(endpoints) == ENDPOINTS
    for name, section in endpoints.items():
        for level in ("c1", "c16"):
            _timed(section[level])
            statuses = {int(code): n for code, n in section[level]["statuses"].items()}
            assert sum(statuses.values()) == section[level]["requests"] == QUICK.requests
            assert all(code < 500 for code in statuses), (name, level, statuses)
            # Every call is a 200, but race-results for a race without results (a 404).
            allowed = {200, 404} if name == "race_results" else {200}
            assert set(statuses) <= allowed, (name, level, statuses)
        if name == "health":
            assert section["floor_c1"] is None and section["floor_note"]
            continue
        _timed(section["floor_c1"])
        assert section["ratio_p95_c1"] == pytest.approx(
            section["c1"]["p95_ms"] / section["floor_c1"]["p95_ms"], rel=0.02
        )
        assert _positive(section["ratio_p50_c16"])
    assert report["server_errors"] == 0

    # The race page: the client's calls per refresh (6, and the timeline's pages), all answered.
    for kind, section in report["race_page"].items():
        for level in ("c1", "c16"):
            _timed(section[level])
            assert section[level]["refreshes"] == QUICK.pages
            pages = section[level]["timeline_pages_max"]
            assert 1 <= pages <= 10
            assert 7 <= section[level]["requests_per_refresh"] <= 6 + pages
            statuses = {int(code) for code in section[level]["statuses"]}
            assert statuses <= {200, 404}, (kind, level, statuses)
        _timed(section["floor_c1"])
    # A refresh resumes from the last poll: one page; the first load pages from the start.
    assert report["race_page"]["refresh"]["c1"]["requests_per_refresh"] == 7
    assert report["race_page"]["first_load"]["c1"]["timeline_pages_max"] >= 1

    throughput = report["entrants_throughput"]
    assert throughput["requests"] == QUICK.throughput_requests
    assert throughput["statuses"] == {"200": QUICK.throughput_requests}
    assert throughput["per_second"] == pytest.approx(
        throughput["requests"] / throughput["wall_s"], rel=0.01
    )
    assert _positive(throughput["floor_c1_per_second"]) and _positive(throughput["ratio_to_floor"])

    targets = report["targets"]
    call = targets["call_p95_c1_ms"]
    assert call["target"] == CALL_TARGET_P95_MS
    assert call["observed"] == max(s["c1"]["p95_ms"] for s in endpoints.values())
    assert endpoints[call["worst_endpoint"]]["c1"]["p95_ms"] == call["observed"]
    assert call["met"] is (call["observed"] < CALL_TARGET_P95_MS)
    refresh = targets["race_page_refresh_p95_c1_ms"]
    assert refresh["target"] == REFRESH_TARGET_P95_MS
    assert refresh["observed"] == report["race_page"]["refresh"]["c1"]["p95_ms"]
    assert targets["entrants_per_second"]["target"] == ENTRANTS_TARGET_RPS
    assert targets["entrants_per_second"]["observed"] == throughput["per_second"]
    assert report["targets_met"] is all(t["met"] for t in targets.values())
    assert report["load_average"]["cores"] >= 1

    with psycopg.connect(server_url, autocommit=True) as conn:
        left = conn.execute(
            "select datname from pg_database where datname like 'raceday_bench_api%'"
        ).fetchall()
    assert left == []  # the scratch database was dropped
