"""The writer's rules over several polls of one race: change-only odds, true increments, newer wins.

The polls are synthetic variants of the real July event (same race, later generated_time, a few
values changed by hand); each test says which values it changed.
"""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from raceday.config import load_settings
from raceday.db import connect
from raceday.errors import PayloadError
from raceday.ingest import Ingestor, backfill
from raceday.ingest.transform import race_batches
from raceday.nztab.payloads import parse_payload
from tests.fixtures.samples import read_sample

RACE = "0f57e087-00d9-4c61-9549-835abe2ae2ed"
FROSBIE = "a8cc87d4-5a53-47b2-bb26-58d555aac7c0"  # runners[1]
CHILDREN = (
    "select inhrelid::regclass::text from pg_inherits"
    " where inhparent in ('odds_history'::regclass, 'money_flow_history'::regclass) order by 1"
)
T0 = datetime(2025, 7, 17, 0, 30, tzinfo=UTC)  # 20 minutes before the advertised 00:50Z start


@pytest.fixture
def event(samples_dir: Path) -> dict[str, Any]:
    return read_sample(samples_dir, "race-event-0f57e087-final.json")  # type: ignore[no-any-return]


def _poll(event: dict[str, Any], minutes: float, **changes: Any) -> dict[str, Any]:
    """A synthetic poll `minutes` after T0, with status Open and no results unless asked."""
    body = copy.deepcopy(event)
    stamp = T0 + timedelta(minutes=minutes)
    body["header"]["generated_time"] = stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    data = body["data"]
    data["race"]["status"] = changes.pop("status", "Open")
    if not changes.pop("results", False):
        data["results"], data["dividends"] = [], []
    if "frosbie_win" in changes:
        data["runners"][1]["odds"]["fixed_win"] = changes.pop("frosbie_win")
    if "win_pool" in changes:
        next(p for p in data["tote_pools"] if p["product_type"] == "Win")["total"] = changes.pop(
            "win_pool"
        )
    assert not changes, changes
    return body


def _ingest(url: str, *bodies: dict[str, Any], **settings: Any) -> list[Counter[str]]:
    """Each body through the Ingestor, as the poller hands them over; the rows each wrote."""
    with connect(url) as conn:
        ingestor = Ingestor(conn, load_settings(database_url=url, **settings))
        outcomes = [ingestor.ingest(parse_payload(b), source="test") for b in bodies]
    for outcome in outcomes:
        if not outcome.ok:
            raise PayloadError(outcome.reason or "failed")
    return [outcome.written.rows for outcome in outcomes]


def _rows(url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with connect(url, autocommit=True) as conn:
        return conn.execute(query, params).fetchall()


def test_odds_rows_only_when_a_price_changes(database_url: str, event: dict[str, Any]) -> None:
    # Poll 2 moves Frosbie's fixed win 7.5 -> 8; poll 3 repeats poll 2 a minute later.
    counts = _ingest(
        database_url,
        _poll(event, 0),
        _poll(event, 1, frosbie_win=8),
        _poll(event, 2, frosbie_win=8),
    )
    assert [c["odds_history"] for c in counts] == [32, 1, 0]
    history = _rows(
        database_url,
        "select event_timestamp, odds from odds_history where entrant_id = %s and type = 'fixed_win' order by 1",
        FROSBIE,
    )
    assert history == [(T0, Decimal("7.50")), (T0 + timedelta(minutes=1), Decimal("8.00"))]
    # The entrant row holds the latest price.
    assert _rows(
        database_url, "select fixed_win_odds from entrants where entrant_id = %s", FROSBIE
    ) == [(Decimal("8.00"),)]


def test_a_price_that_moves_back_is_a_change(database_url: str, event: dict[str, Any]) -> None:
    counts = _ingest(
        database_url,
        _poll(event, 0),
        _poll(event, 1, frosbie_win=8),
        _poll(event, 2, frosbie_win=7.5),
    )
    assert [c["odds_history"] for c in counts] == [32, 1, 1]


def test_increments_are_differences_from_the_previous_stored_observation(
    database_url: str, event: dict[str, Any]
) -> None:
    # Win pool 9151.38 -> 10000.00 -> 10000.00; Frosbie holds 13 % throughout.
    _ingest(
        database_url,
        _poll(event, 0),
        _poll(event, 1, win_pool=10000),
        _poll(event, 2, win_pool=10000),
    )
    flow = _rows(
        database_url,
        """select win_pool_amount, incremental_win_amount, incremental_place_amount, time_to_start,
                  time_interval, interval_type
             from money_flow_history where entrant_id = %s order by event_timestamp""",
        FROSBIE,
    )
    assert flow == [
        # 9151.38 x 13 % = 1189.68; first observation: no difference yet.
        (Decimal("1189.68"), None, None, Decimal("20.00"), Decimal("20.0"), "2m"),
        # 10000 x 13 % = 1300.00; 1300.00 - 1189.68 = 110.32; the Place pool did not move.
        (
            Decimal("1300.00"),
            Decimal("110.32"),
            Decimal("0.00"),
            Decimal("19.00"),
            Decimal("15.0"),
            "2m",
        ),
        (
            Decimal("1300.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("18.00"),
            Decimal("15.0"),
            "2m",
        ),
    ]


def test_an_older_poll_after_a_newer_one_does_not_roll_back_state(
    database_url: str, event: dict[str, Any]
) -> None:
    newer = _poll(event, 5, frosbie_win=9, status="Closed")
    older = _poll(event, 0)
    counts = _ingest(database_url, newer, older)
    assert "entrants" not in counts[1], "the older poll rewrote entrants"
    state = _rows(
        database_url,
        """select r.status, r.last_polled_at, e.fixed_win_odds
             from races r join entrants e using (race_id) where e.entrant_id = %s""",
        FROSBIE,
    )
    assert state == [("Closed", T0 + timedelta(minutes=5), Decimal("9.00"))]
    # The older observation still belongs in the history (it is a fact about its own time).
    assert _rows(
        database_url,
        "select count(*) from odds_history where entrant_id = %s and event_timestamp = %s",
        FROSBIE,
        T0,
    ) == [(4,)]


def test_a_protest_that_changes_the_placings_replaces_them(
    database_url: str, event: dict[str, Any]
) -> None:
    first = _poll(event, 30, status="Interim", results=True)
    second = _poll(event, 40, status="Final", results=True)
    results = second["data"]["results"]
    results[0]["position"], results[1]["position"] = 2, 1  # synthetic: 1st and 2nd swapped
    del results[7]  # synthetic: the last finisher no longer listed
    _ingest(database_url, first, second, first)  # the Interim replay must not bring it back
    placings = _rows(
        database_url,
        "select entrant_id::text, position from race_result_positions where race_id = %s order by position",
        RACE,
    )
    assert len(placings) == 7
    assert placings[0] == (results[1]["entrant_id"], 1)
    assert _rows(
        database_url, "select result_status from race_results where race_id = %s", RACE
    ) == [("Final",)]


def test_history_of_an_absurd_time_is_quarantined_and_the_race_is_written(
    database_url: str, event: dict[str, Any]
) -> None:
    # The July sample is "absurd" for a store whose history starts in August.
    counts = _ingest(database_url, event, history_earliest=date(2025, 8, 1))[0]
    assert counts["partition_quarantine"] == 32 + 8
    assert "odds_history" not in counts
    assert _rows(database_url, "select count(*) from entrants where race_id = %s", RACE) == [(8,)]
    reasons = _rows(
        database_url,
        "select distinct parent_table, reason, source from partition_quarantine order by 1",
    )
    assert [r[0] for r in reasons] == ["money_flow_history", "odds_history"]
    assert "RACEDAY_HISTORY_EARLIEST" in reasons[0][1] and reasons[0][2] == "test"


def test_a_missing_day_is_created_before_the_race_transaction(
    database_url: str, event: dict[str, Any]
) -> None:
    # No partition exists in a fresh database; the historical day must be created, not refused.
    with connect(database_url, autocommit=True) as conn:
        assert conn.execute(CHILDREN).fetchall() == []
    _ingest(database_url, _poll(event, 0))
    children = _rows(database_url, CHILDREN)
    assert children == [("money_flow_history_2025_07_17",), ("odds_history_2025_07_17",)]


def test_an_entrant_of_another_race_refuses_the_race_whole(
    database_url: str, event: dict[str, Any]
) -> None:
    # Synthetic conflict: the same runners already stored under another race of another
    # meeting. An entrant id names one runner of one race: the second race is refused, whole.
    other = copy.deepcopy(event)
    other["data"]["race"]["event_id"] = "11111111-1111-4111-8111-111111111111"
    other["data"]["race"]["meeting_id"] = "22222222-2222-4222-8222-222222222222"
    _ingest(database_url, _poll(other, 0))
    with pytest.raises(PayloadError, match="stored under another race") as raised:
        _ingest(database_url, _poll(event, 1))
    assert FROSBIE in raised.value.message
    assert _rows(database_url, "select count(*) from races where race_id = %s", RACE) == [(0,)]
    assert _rows(
        database_url,
        "select count(*) from odds_history where event_timestamp = %s",
        T0 + timedelta(minutes=1),
    ) == [(0,)]
    assert _rows(database_url, "select count(distinct race_id) from entrants") == [(1,)]


def test_history_does_not_depend_on_the_order_polls_arrive_in(
    database_url: str, second_database_url: str, event: dict[str, Any]
) -> None:
    # Synthetic polls: Frosbie 7.5 -> 8 -> 8 -> 7.5 and the Win pool growing.
    polls = [
        _poll(event, 0),
        _poll(event, 1, frosbie_win=8, win_pool=9500),
        _poll(event, 2, frosbie_win=8, win_pool=9800),
        _poll(event, 3, win_pool=10000),
    ]
    _ingest(database_url, *polls)
    _ingest(second_database_url, polls[3], polls[1], polls[0], polls[2])
    history = (
        "select entrant_id, event_timestamp, type, odds from odds_history order by 1, 2, 3",
        "select entrant_id, event_timestamp, win_pool_amount, incremental_win_amount,"
        " incremental_place_amount from money_flow_history order by 1, 2",
    )
    for query in history:
        assert _rows(second_database_url, query) == _rows(database_url, query)
    frosbie = _rows(
        database_url,
        "select odds from odds_history where entrant_id = %s and type = 'fixed_win' order by event_timestamp",
        FROSBIE,
    )
    assert frosbie == [(Decimal("7.50"),), (Decimal("8.00"),), (Decimal("7.50"),)]


def test_history_is_the_same_for_every_arrival_order(
    database_url: str, event: dict[str, Any]
) -> None:
    # Synthetic polls: Frosbie 7.5, 7.5 (a repeat: not stored in time order), 8, 7.5; the Win
    # pool growing. Every one of the 24 arrival orders must leave the in-order history, which
    # needs the repeated observation at minute 1 to be remembered (money_flow_history's prices).
    polls = [
        _poll(event, 0),
        _poll(event, 1, win_pool=9300),
        _poll(event, 2, frosbie_win=8, win_pool=9600),
        _poll(event, 3, win_pool=9900),
    ]
    history = (
        "select entrant_id, event_timestamp, type, odds from odds_history order by 1, 2, 3",
        "select entrant_id, event_timestamp, win_pool_amount, incremental_win_amount,"
        " fixed_win_odds from money_flow_history order by 1, 2",
    )

    def state_after(order: tuple[int, ...]) -> list[list[tuple[Any, ...]]]:
        with connect(database_url, autocommit=True) as conn:
            conn.execute("truncate odds_history, money_flow_history, meetings cascade")
        _ingest(database_url, *(polls[i] for i in order))
        return [_rows(database_url, query) for query in history]

    expected = state_after((0, 1, 2, 3))
    frosbie = [row[3] for row in expected[0] if str(row[0]) == FROSBIE and row[2] == "fixed_win"]
    assert frosbie == [Decimal("7.50"), Decimal("8.00"), Decimal("7.50")]
    for order in itertools.permutations(range(4)):
        assert state_after(order) == expected, order


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prices=st.lists(st.sampled_from([7.5, 8, 9]), min_size=2, max_size=6),
    data=st.data(),
)
def test_any_arrival_order_and_any_backfill_split_leave_the_in_order_history(
    database_url: str, event: dict[str, Any], prices: list[float], data: st.DataObject
) -> None:
    # Synthetic polls a minute apart: Frosbie's fixed win from `prices` (repeats are common),
    # the Win pool growing. Some polls arrive live in a random order, the rest by backfill.
    polls = [
        _poll(event, n, frosbie_win=price, win_pool=9000 + 100 * n)
        for n, price in enumerate(prices)
    ]
    order = data.draw(st.permutations(range(len(polls))), label="arrival order")
    live = data.draw(st.integers(0, len(polls)), label="polls arriving live")
    history = (
        "select entrant_id, event_timestamp, type, odds from odds_history order by 1, 2, 3",
        "select entrant_id, event_timestamp, incremental_win_amount, incremental_place_amount"
        " from money_flow_history order by 1, 2",
    )

    def reset() -> None:
        with connect(database_url, autocommit=True) as conn:
            conn.execute("truncate odds_history, money_flow_history, meetings cascade")

    reset()
    _ingest(database_url, *polls)
    expected = [_rows(database_url, query) for query in history]
    reset()
    _ingest(database_url, *(polls[i] for i in order[:live]))
    with connect(database_url, autocommit=True) as conn:
        backfill(conn, race_batches(polls[i] for i in order[live:]))
    assert [_rows(database_url, query) for query in history] == expected
