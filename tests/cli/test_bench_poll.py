"""`raceday bench poll`: the peak-demand model (pure), and a quick run's JSON document.

The quick run is a smoke test of the machinery — simulator, real poller, scratch databases,
floor, report — with numbers checked for sanity and consistency, never for speed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st

from raceday.bench.poll import (
    FINAL_AFTER,
    INTERIM_AFTER,
    SAMPLES_ENV,
    ScheduledRace,
    peak_of_sample,
    peak_poll_rate,
    scheduled_races,
)
from raceday.cli import main
from raceday.nztab import MeetingsList, load_payload
from raceday.pipeline.cadence import CadenceRules, RaceStatus, interval

START = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _race(start: datetime, tracked_before: timedelta = timedelta(hours=2)) -> ScheduledRace:
    return ScheduledRace(start, start - tracked_before)


# --- the demand model ---------------------------------------------------------------------------


def test_one_race_asks_most_in_its_last_five_minutes() -> None:
    peak = peak_poll_rate([_race(START)])
    assert peak.polls_per_s == pytest.approx(1 / 15)
    assert peak.at == START - 5 * MINUTE  # the edge belongs to the faster band
    assert peak.races == 1


def test_overlapping_final_minutes_add_up_from_the_later_race_s_edge() -> None:
    peak = peak_poll_rate([_race(START), _race(START + 2 * MINUTE)])
    assert peak.polls_per_s == pytest.approx(2 / 15)
    assert peak.at == START - 3 * MINUTE


def test_interim_is_polled_every_30_s_and_final_not_at_all() -> None:
    # Tracked only from 5 min after the start: Interim (from +4) until Final (at +10).
    peak = peak_poll_rate([ScheduledRace(START, START + 5 * MINUTE)])
    assert peak.polls_per_s == pytest.approx(1 / 30)
    assert peak.at == START + 5 * MINUTE
    settled = peak_poll_rate([ScheduledRace(START, START + FINAL_AFTER)])
    assert settled.polls_per_s == 0 and settled.at is None


def test_the_cap_ends_polling_before_final() -> None:
    # The first race, tracked from +3 min, is Interim while the second is in its last minutes;
    # with a 2-minute cap the first is never polled at all.
    races = [ScheduledRace(START, START + 3 * MINUTE), ScheduledRace(START + 10 * MINUTE, START)]
    assert peak_poll_rate(races).polls_per_s == pytest.approx(1 / 15 + 1 / 30)
    capped = CadenceRules(cap_after_start=2 * MINUTE)
    assert peak_poll_rate(races, capped).polls_per_s == pytest.approx(1 / 15)


def test_no_races_no_demand_and_bad_assumptions_are_refused() -> None:
    assert peak_poll_rate([]).polls_per_s == 0
    with pytest.raises(ValueError, match="interim_after <= final_after"):
        peak_poll_rate([_race(START)], interim_after=FINAL_AFTER + MINUTE)


def _brute_force(races: list[ScheduledRace], rules: CadenceRules, at: datetime) -> float:
    """Σ 1/interval at `at`, straight from the cadence module, race by race."""
    total = 0.0
    for race in races:
        since_start = at - race.advertised_start
        if at < race.tracked_from or since_start >= FINAL_AFTER:
            continue
        status = RaceStatus.INTERIM if since_start >= INTERIM_AFTER else RaceStatus.OPEN
        every = interval(rules, race.advertised_start - at, status)
        if every is not None:
            total += 1 / every.total_seconds()
    return total


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 24 * 60), st.integers(0, 24 * 60)), min_size=1, max_size=12),
    st.integers(5, 120),
)
def test_the_sweep_equals_the_cadence_rules_evaluated_everywhere(
    offsets: list[tuple[int, int]], cap_minutes: int
) -> None:
    rules = CadenceRules(cap_after_start=cap_minutes * MINUTE)
    races = [
        ScheduledRace(START + s * MINUTE, START + t * MINUTE - MINUTE * 120) for s, t in offsets
    ]
    peak = peak_poll_rate(races, rules)
    # Every instant where any race's rate can change, and a second after each.
    edges = {r.tracked_from for r in races}
    for race in races:
        for offset in (-60, -15, -5, 0, 4, 10, cap_minutes):
            edges.add(race.advertised_start + offset * MINUTE)
    rates = {
        at: _brute_force(races, rules, at) for e in edges for at in (e, e + timedelta(seconds=1))
    }
    best = max(rates.values())
    assert peak.polls_per_s == pytest.approx(best)
    if best == 0:
        assert peak.at is None  # tracked only once every race had stopped
    else:
        assert peak.at is not None and rates[peak.at] == pytest.approx(best)


def test_the_real_day_needs_about_3_7_polls_a_second(samples_dir: Path) -> None:
    section = peak_of_sample(samples_dir / "meetings-list.json")
    assert section["available"] is True
    assert section["races"] == 731 and section["abandoned_skipped"] == 17  # 748 listed
    assert section["polls_per_s"] == pytest.approx(3.693, abs=0.001)
    assert section["at"] == "2025-07-16T17:33:00Z"


def test_the_real_day_s_races_are_tracked_from_the_evening_before(samples_dir: Path) -> None:
    payload = load_payload(samples_dir / "meetings-list.json")
    assert isinstance(payload, MeetingsList)
    races, abandoned = scheduled_races(payload)
    # Every meeting is of 2025-07-17 (NZST, +12): 18:00 on the 16th is 06:00Z.
    assert {r.tracked_from for r in races} == {datetime(2025, 7, 16, 6, tzinfo=UTC)}
    assert len(races) + abandoned == 748


def test_without_the_sample_the_section_says_why(tmp_path: Path) -> None:
    section = peak_of_sample(tmp_path / "meetings-list.json")
    assert section["available"] is False
    assert str(tmp_path) in section["reason"] and SAMPLES_ENV in section["reason"]


# --- a quick run ---------------------------------------------------------------------------------


@pytest.fixture
def kept_logging() -> Iterator[None]:
    """The command quiets logging for its run; give the next tests theirs back."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def test_a_quick_run_reports_every_part_with_sane_numbers(
    server_url: str,
    samples_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kept_logging: None,
) -> None:
    monkeypatch.setenv(SAMPLES_ENV, str(samples_dir))
    # One store worker process, not the service's four: the path is the same, and the suite's
    # timing-sensitive live tests share these cores.
    monkeypatch.setenv("RACEDAY_STORE_PROCESSES", "1")
    assert main(["bench", "poll", "--quick", "--json", "--database-url", server_url]) == 0
    report = json.loads(capsys.readouterr().out)

    assert report["needed"]["available"] is True
    assert report["needed"]["polls_per_s"] == pytest.approx(3.693, abs=0.001)

    latency = report["latency"]
    assert latency["polls"] > 0 and latency["failed"] == 0
    for prefix in ("", "floor_"):
        assert 0 < latency[f"{prefix}p50_ms"] <= latency[f"{prefix}p95_ms"]
    assert latency["ratio_p95"] == pytest.approx(
        latency["p95_ms"] / latency["floor_p95_ms"], rel=0.01
    )
    for stage in ("fetch", "store"):
        assert 0 < latency[stage]["p50_ms"] <= latency[stage]["p95_ms"] <= latency["p95_ms"] * 1.001
    assert latency["client_max_rps"] > 0
    assert latency["body_store"] == "ProcessStore (1 worker)"

    freshness = report["freshness"]
    assert freshness["polls"] == latency["polls"]
    assert 0 <= freshness["p50_s"] <= freshness["p95_s"] <= freshness["max_s"]
    assert freshness["target_met"] is (freshness["p95_s"] < freshness["target_p95_s"])
    assert report["freshness_target_met"] is freshness["target_met"]

    capacity = report["capacity"]
    assert capacity["polls"] >= 30 and capacity["failed"] == 0
    assert _positive(capacity["polls_per_s"]) and _positive(capacity["elapsed_s"])
    assert capacity["polls_per_s"] == pytest.approx(
        capacity["polls"] / capacity["elapsed_s"], rel=0.01
    )
    assert 0 <= capacity["saturated_fraction"] <= 1
    assert capacity["headroom"] == pytest.approx(
        capacity["polls_per_s"] / capacity["needed_polls_per_s"], rel=0.01
    )
    assert capacity["target_met"] is (capacity["headroom"] >= capacity["target_headroom"])
    assert report["capacity_target_met"] is capacity["target_met"]
    assert _positive(capacity["cpu_ms_per_poll"]["service"])

    memory = report["memory"]
    assert memory["polls"] > 0 and memory["rss_samples"] >= 2
    assert 0 < memory["rss_after_warmup_mb"] <= memory["rss_peak_mb"]
    assert memory["rss_end_mb"] <= memory["rss_peak_mb"]
    for index in (0, 1):  # this process and its store workers add up to the service's RSS
        parts = memory["rss_main_mb"][index] + memory["rss_workers_mb"][index]
        whole = memory["rss_after_warmup_mb"] if index == 0 else memory["rss_end_mb"]
        assert parts == pytest.approx(whole, abs=0.2)
    growth = (memory["rss_end_mb"] - memory["rss_after_warmup_mb"]) / memory["rss_after_warmup_mb"]
    assert memory["growth_pct"] == pytest.approx(growth * 100, abs=0.2)
    assert memory["target_met"] is (memory["growth_pct"] < memory["target_growth_pct"])
    assert report["memory_target_met"] is memory["target_met"]

    with psycopg.connect(server_url, autocommit=True) as conn:
        left = conn.execute(
            "select datname from pg_database where datname like 'raceday_bench_poll%'"
        ).fetchall()
    assert left == []  # every scratch database was dropped
