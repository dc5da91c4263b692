"""The pure transform: timeline buckets, minutes to start, and sample payloads into rows."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from raceday.ingest.transform import (
    TransformError,
    interval_type,
    minutes_to_start,
    race_batch,
    timeline_bucket,
)
from raceday.nztab.models import RaceEvent
from raceday.nztab.payloads import parse_payload
from tests.fixtures.samples import read_sample

EVENT = "race-event-0f57e087-final.json"


@pytest.fixture
def body(samples_dir: Path) -> dict[str, Any]:
    """A fresh copy of the July event for each test; tests edit it into synthetic variants."""
    return read_sample(samples_dir, EVENT)  # type: ignore[no-any-return]


def _event(body: dict[str, Any]) -> RaceEvent:
    payload = parse_payload(body)
    assert isinstance(payload, RaceEvent)
    return payload


@pytest.mark.parametrize(
    ("minutes", "bucket"),
    [
        ("600", "60"), ("60", "60"), ("59.99", "55"), ("55", "55"), ("12.5", "10"), ("5", "5"),
        ("4.99", "4"), ("4", "4"), ("1.01", "1"), ("0.99", "0"), ("0", "0"), ("-0.01", "-0.5"),
        ("-0.5", "-0.5"), ("-0.51", "-1"), ("-1", "-1"), ("-4.6", "-5"), ("-5", "-5"),
        ("-5.01", "-5"), ("-6.3", "-6"), ("-626.99", "-626"),
    ],
)  # fmt: skip
def test_timeline_bucket_examples(minutes: str, bucket: str) -> None:
    assert timeline_bucket(Decimal(minutes)) == Decimal(bucket)


@given(st.decimals(min_value=-2000, max_value=2000, places=2))
def test_timeline_bucket_properties(minutes: Decimal) -> None:
    bucket = timeline_bucket(minutes)
    assert bucket <= 60
    assert bucket * 2 == int(bucket * 2)  # half minutes at most: the schema's CHECK
    if minutes >= 0:
        assert bucket <= minutes or bucket == 60  # never ahead of the observation
        assert minutes - bucket < 5 or bucket == 60
    elif minutes >= -5:
        assert minutes - Decimal("0.5") < bucket <= minutes  # half-minute steps after the start
    else:
        assert minutes <= bucket < minutes + 1  # then whole minutes
    assert timeline_bucket(minutes + Decimal("0.01")) >= bucket  # monotone


@pytest.mark.parametrize(
    ("minutes", "kind"),
    [
        ("45", "5m"),
        ("30.01", "5m"),
        ("30", "2m"),
        ("5.01", "2m"),
        ("5", "30s"),
        ("0.01", "30s"),
        ("0", "live"),
        ("-3", "live"),
    ],
)
def test_interval_type(minutes: str, kind: str) -> None:
    assert interval_type(Decimal(minutes)) == kind


def test_minutes_to_start_is_real_time_to_the_advertised_start() -> None:
    start = datetime(2025, 7, 17, 0, 50, tzinfo=UTC)
    assert minutes_to_start(start, start - timedelta(minutes=12, seconds=30)) == Decimal("12.50")
    assert minutes_to_start(start, start + timedelta(seconds=20)) == Decimal("-0.33")
    assert minutes_to_start(
        start, datetime(2025, 7, 17, 11, 16, 59, 189042, tzinfo=UTC)
    ) == Decimal("-626.99")


def test_sample_event_becomes_rows_for_every_table(body: dict[str, Any]) -> None:
    batch = race_batch(_event(body))
    assert len(batch.entrants) == 8
    assert len(batch.odds) == 32  # 8 runners x 4 prices
    assert len(batch.money) == 8  # every runner has money_tracker rows
    assert len(batch.pools) == 6
    assert batch.result is not None and batch.result.result_status == "Final"
    assert len(batch.positions) == 8 and len(batch.dividends) == 7
    assert batch.skipped == {
        "money_tracker rows for unknown entrants": 3,
        "dividends repeated (Interim and Final)": 7,
    }
    assert batch.timing.interval_type == "live"
    assert batch.meeting.category == "T" and batch.race.race_date_nz.isoformat() == "2025-07-17"


def test_empty_texts_are_null_and_zero_times_are_not_times(body: dict[str, Any]) -> None:
    batch = race_batch(_event(body))
    assert batch.race.race_group is None and batch.race.gait is None  # "" in the payload
    assert all(e.emergency_position is None and e.scratch_time is None for e in batch.entrants)
    body = copy.deepcopy(body)
    body["data"]["results"][0]["winning_time"] = 0  # synthetic: an untimed result
    body["data"]["results"][0]["time_ran"] = 0
    batch = race_batch(_event(body))
    assert batch.result is not None and batch.result.winning_time is None
    assert batch.positions[0].time_ran is None


def test_results_for_unknown_entrants_are_dropped_and_counted(body: dict[str, Any]) -> None:
    body["data"]["results"][3]["entrant_id"] = "00000000-0000-4000-8000-000000000001"  # synthetic
    batch = race_batch(_event(body))
    assert len(batch.positions) == 7
    assert batch.skipped["results for unknown entrants"] == 1


def test_a_share_above_100_percent_is_refused_naming_the_field(body: dict[str, Any]) -> None:
    runner = body["data"]["runners"][0]["entrant_id"]
    body["data"]["money_tracker"]["entrants"] += [
        {"entrant_id": runner, "hold_percentage": 60, "bet_percentage": 1},
        {"entrant_id": runner, "hold_percentage": 60, "bet_percentage": 1},
    ]  # synthetic
    with pytest.raises(TransformError) as raised:
        race_batch(_event(body))
    assert raised.value.field_path == "data.money_tracker.entrants"
    assert "more than 100 percent" in raised.value.message


def test_a_price_too_large_for_the_column_is_refused_naming_the_field(body: dict[str, Any]) -> None:
    body["data"]["runners"][3]["odds"]["pool_win"] = 123456789  # synthetic
    with pytest.raises(TransformError) as raised:
        race_batch(_event(body))
    assert raised.value.field_path == "data.runners[3].odds.pool_win"
    assert "0f57e087" in raised.value.message


def test_a_repeated_runner_is_refused(body: dict[str, Any]) -> None:
    body["data"]["runners"].append(copy.deepcopy(body["data"]["runners"][0]))  # synthetic
    with pytest.raises(TransformError, match=r"data\.runners\[8\]\.entrant_id"):
        race_batch(_event(body))
