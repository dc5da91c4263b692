"""The real NZTAB samples go in whole: counts, hand-checked values, times, replays, every column.

Every expected value here was read off the raw JSON in ../shared/nztab-samples by hand (the
comments say where), not computed with the code under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from raceday.config import load_settings
from raceday.db import connect
from raceday.ingest import IngestReport, discover_files
from raceday.ingest.rows import RACE_TABLES
from tests.fixtures.ingesting import file_ingestor

RACE_0F57 = "0f57e087-00d9-4c61-9549-835abe2ae2ed"  # Awapuni Synthetic R1, 2025-07-17
RACE_A413 = "a413cb06-e120-422b-8452-ce19287467cb"  # Cambridge Synthetic R5, 2025-08-20
FROSBIE = "a8cc87d4-5a53-47b2-bb26-58d555aac7c0"  # 0f57 runner 2, the winner
DON_PAULY = "5b375ed8-6249-4969-84bc-8bd1aa9e547b"  # a413 runner 1
# header.generated_time "2025-07-17T11:16:59.18904298Z", truncated (never rounded) to µs.
OBSERVED_0F57 = datetime(2025, 7, 17, 11, 16, 59, 189042, tzinfo=UTC)

# Columns no sample can fill, with the reason. Any OTHER column that is NULL in every row after
# ingesting the samples fails `test_every_column_is_filled_or_allow_listed`. Mirrored in
# docs/schema.md ("Columns the samples leave empty").
UNFILLABLE: dict[tuple[str, str], str] = {
    (
        "races",
        "race_group",
    ): "data.race.group is '' in both events (neither is a Group/Listed race)",
    ("races", "start_type"): "harness only (mobile/standing); both events are thoroughbred",
    ("races", "gait"): "harness only (trot/pace); both events are thoroughbred",
    ("entrants", "scratch_time"): "no runner in the samples is scratched (scratch_time is 0)",
    ("entrants", "emergency_position"): "no runner in the samples is an emergency ('' everywhere)",
    ("money_flow_history", "incremental_win_amount"): (
        "a difference needs two observations of an entrant; each sample race was polled once"
    ),
    ("money_flow_history", "incremental_place_amount"): (
        "a difference needs two observations of an entrant; each sample race was polled once"
    ),
}

TABLES = RACE_TABLES


def _ingest(url: str, paths: list[Path]) -> IngestReport:
    with file_ingestor(url, load_settings(database_url=url)) as ingestor:
        return ingestor(discover_files(paths))


@pytest.fixture
def loaded(
    database_url: str, samples_dir: Path
) -> Iterator[tuple[psycopg.Connection, IngestReport]]:
    report = _ingest(database_url, [samples_dir])
    with connect(database_url, autocommit=True) as conn:
        yield conn, report


def _one(conn: psycopg.Connection, query: str, *params: Any) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None, query
    return row[0] if len(row) == 1 else row


def _counts(conn: psycopg.Connection) -> dict[str, int]:
    return {t: _one(conn, f"select count(*) from {t}") for t in TABLES}


def _dump(conn: psycopg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {t: conn.execute(f"select * from {t} order by 1, 2, 3").fetchall() for t in TABLES}


def test_every_sample_file_is_ingested_or_skipped_by_kind(
    loaded: tuple[psycopg.Connection, IngestReport],
) -> None:
    _, report = loaded
    by_status = {o.path.name: (o.status, o.payload_type) for o in report.outcomes}
    assert by_status == {
        "meetings-list.json": ("ok", "meetings"),
        "meeting-detail.json": ("ok", "meeting"),
        "races-list.json": ("ok", "races_list"),
        "race-event-0f57e087-final.json": ("ok", "race_event"),
        "race-event-a413cb06-final.json": ("ok", "race_event"),
        "meeting-extras.json": ("skipped", "extras"),
        "meetings-extras-list.json": ("skipped", "extras_list"),
        "futures-list.json": ("skipped", "futures"),
        "openapi.json": ("skipped", "openapi"),
    }
    assert report.ok
    assert report.skipped()["pseudo-race (no race number)"] == 1  # races-list "Cambridge (G)"


def test_meetings_list_gives_76_meetings_and_748_races(
    loaded: tuple[psycopg.Connection, IngestReport],
) -> None:
    conn, _ = loaded
    # 76 meetings / 748 races in meetings-list.json (Grafton's detail is one of them); the
    # 2025-08-20 event adds its own meeting and race (Cambridge is not in the July list).
    assert _one(conn, "select count(*) from meetings where meeting_date = '2025-07-17'") == 76
    assert _one(conn, "select count(*) from races where race_date_nz = '2025-07-17'") == 748
    assert _one(conn, "select count(*) from meetings") == 77
    assert _one(conn, "select count(*) from races") == 749
    by_status = dict(
        conn.execute(
            "select status, count(*) from races where race_date_nz = '2025-07-17' group by 1"
        ).fetchall()
    )
    assert by_status == {"Final": 530, "Open": 196, "Abandoned": 17, "Interim": 3, "Closed": 2}
    categories = dict(
        conn.execute(
            "select category, count(*) from meetings where meeting_date = '2025-07-17' group by 1"
        ).fetchall()
    )
    assert categories == {"T": 35, "G": 30, "H": 11}


def test_events_give_8_and_7_runners_results_dividends_and_pools(
    loaded: tuple[psycopg.Connection, IngestReport],
) -> None:
    conn, _ = loaded
    assert _one(conn, "select count(*) from entrants where race_id = %s", RACE_0F57) == 8
    assert _one(conn, "select count(*) from entrants where race_id = %s", RACE_A413) == 7
    assert (
        _one(conn, "select count(*) from race_result_positions where race_id = %s", RACE_0F57) == 8
    )
    assert (
        _one(conn, "select count(*) from race_result_positions where race_id = %s", RACE_A413) == 4
    )
    # 14 dividend rows in 0f57 = 7 dividends x (Interim, Final); each kept once, Final preferred.
    dividends = conn.execute(
        "select product_name, description, status from race_dividends where race_id = %s order by 1, 2",
        [RACE_0F57],
    ).fetchall()
    assert dividends == [
        ("Pool First4", "2:4:7:6", "Final"),
        ("Pool Place", "2", "Final"),
        ("Pool Place", "4", "Final"),
        ("Pool Place", "7", "Final"),
        ("Pool Quinella", "2:4", "Final"),
        ("Pool Trifecta", "2:4:7", "Final"),
        ("Pool Win", "2", "Final"),
    ]
    assert _one(conn, "select count(*) from race_dividends where race_id = %s", RACE_A413) == 8
    pools = dict(
        conn.execute(
            "select product_type, total from race_pools where race_id = %s", [RACE_0F57]
        ).fetchall()
    )
    assert pools == {
        "Trifecta": Decimal("7976.24"),
        "Place": Decimal("3923.51"),
        "FirstFour": Decimal("4617.92"),
        "Quinella": Decimal("5341.06"),
        "Win": Decimal("9151.38"),
        "EarlyQuadrella": Decimal("8126.61"),
    }
    legs = dict(
        conn.execute(
            "select product_type, leg_race_numbers from race_pools where race_id = %s", [RACE_A413]
        ).fetchall()
    )
    assert legs["Quadrella"] == [4, 5, 6, 7]
    assert legs["RunningDouble"] == [4, 5]
    assert legs["Treble"] == [5, 6, 7]
    assert legs["Win"] == []


def test_race_times_and_racing_day(loaded: tuple[psycopg.Connection, IngestReport]) -> None:
    conn, _ = loaded
    start, day, local, actual = _one(
        conn,
        "select start_time, race_date_nz, start_time_nz::text, actual_start from races where race_id = %s",
        RACE_0F57,
    )
    assert start == datetime(2025, 7, 17, 0, 50, tzinfo=UTC)  # advertised_start 1752713400
    assert day == date(2025, 7, 17)
    assert local == "12:50:00"  # "12:50:00 NZST"
    assert actual == datetime(2025, 7, 17, 0, 52, 46, tzinfo=UTC)  # actual_start 1752713566
    # Every history row of the event carries header.generated_time, never a midnight.
    stamps = conn.execute(
        "select distinct event_timestamp from odds_history o join entrants e using (entrant_id) where e.race_id = %s",
        [RACE_0F57],
    ).fetchall()
    assert stamps == [(OBSERVED_0F57,)]
    child = _one(
        conn,
        "select tableoid::regclass::text from money_flow_history where race_id = %s limit 1",
        RACE_0F57,
    )
    assert child == "money_flow_history_2025_07_17"  # the NZ racing day of 11:16Z (23:16 NZST)


def test_unit_values_match_the_raw_json(loaded: tuple[psycopg.Connection, IngestReport]) -> None:
    conn, _ = loaded
    # runners[1] Frosbie: odds {fixed_win 7.5, fixed_place 2.3, pool_win 6.6, pool_place 1.7},
    # weight "57.5", barrier 2; money_tracker rows for it sum to hold 13, bet 14.
    entrant = _one(
        conn,
        """select name, runner_number, barrier, fixed_win_odds, fixed_place_odds, pool_win_odds,
                  pool_place_odds, weight_allocated, hold_percentage, bet_percentage, favourite, mover
             from entrants where entrant_id = %s""",
        FROSBIE,
    )
    assert entrant == (
        "Frosbie", 2, 2, Decimal("7.50"), Decimal("2.30"), Decimal("6.60"), Decimal("1.70"),
        Decimal("57.50"), Decimal("13.00"), Decimal("14.00"), False, False,
    )  # fmt: skip
    odds = dict(
        conn.execute(
            "select type, odds from odds_history where entrant_id = %s", [FROSBIE]
        ).fetchall()
    )
    assert odds == {
        "fixed_win": Decimal("7.50"),
        "fixed_place": Decimal("2.30"),
        "pool_win": Decimal("6.60"),
        "pool_place": Decimal("1.70"),
    }
    flow = _one(
        conn,
        """select hold_percentage, bet_percentage, win_pool_amount, place_pool_amount,
                  time_to_start, time_interval, interval_type
             from money_flow_history where entrant_id = %s""",
        FROSBIE,
    )
    # Win pool 9151.38 x 13 % = 1189.6794 -> $1189.68; Place 3923.51 x 13 % = 510.0563 -> $510.06.
    # 00:50:00Z start - 11:16:59.189042Z = -626.986... minutes; bucket ceil -> -626; after the start: live.
    assert flow == (
        Decimal("13.00"), Decimal("14.00"), Decimal("1189.68"), Decimal("510.06"),
        Decimal("-626.99"), Decimal("-626.0"), "live",
    )  # fmt: skip
    # Don Pauly (a413 runners[0]): fixed_win 11 (sent without ".0"), pool_place 4.
    assert _one(conn, "select fixed_win_odds, pool_place_odds from entrants where entrant_id = %s", DON_PAULY) == (
        Decimal("11.00"), Decimal("4.00"),
    )  # fmt: skip
    # Race: prize_monies.total_value 17000 dollars; winner's time 106.73 s.
    assert _one(
        conn, "select total_prize_money from races where race_id = %s", RACE_0F57
    ) == Decimal("17000.00")
    assert _one(
        conn, "select winning_time from race_results where race_id = %s", RACE_0F57
    ) == Decimal("106.73")
    assert _one(
        conn,
        "select dividend from race_dividends where race_id = %s and product_name = 'Pool First4'",
        RACE_0F57,
    ) == Decimal("1350.40")


def test_money_shares_sum_to_about_100(
    loaded: tuple[psycopg.Connection, IngestReport], samples_dir: Path
) -> None:
    conn, _ = loaded
    # Summing per entrant (the rows are pieces of one distribution) gives shares that, with the
    # pieces for ids not in runners[] (dropped), add up to about 100: 101 and 105 in the raw JSON.
    for race, dropped_hold in ((RACE_0F57, 8), (RACE_A413, None)):
        hold, bet = _one(
            conn,
            "select sum(hold_percentage), sum(bet_percentage) from money_flow_history where race_id = %s",
            race,
        )
        assert Decimal(85) <= hold <= Decimal(105)
        assert Decimal(90) <= bet <= Decimal(105)
        if dropped_hold is not None:
            assert hold + dropped_hold == 101  # 0f57: one unknown id carries hold 8


def test_replaying_the_samples_changes_nothing(database_url: str, samples_dir: Path) -> None:
    first = _ingest(database_url, [samples_dir])
    assert first.ok and first.rows()
    with connect(database_url, autocommit=True) as conn:
        before = _dump(conn)
        counts = _counts(conn)
    second = _ingest(database_url, [samples_dir])
    assert second.ok
    assert second.rows() == {}, "a replay wrote rows"
    with connect(database_url, autocommit=True) as conn:
        assert _counts(conn) == counts
        assert _dump(conn) == before  # values too, updated_at included: no row was rewritten


def test_order_of_files_does_not_matter(database_url: str, samples_dir: Path) -> None:
    # The events first, the lists after (one call per file): a race event's meeting is created
    # from the event, and the older lists only fill what is still empty.
    files = discover_files([samples_dir])
    events = [f for f in files if f.name.startswith("race-event")]
    rest = [f for f in files if f not in events]
    for path in events + rest:
        assert _ingest(database_url, [path]).ok
    with connect(database_url, autocommit=True) as conn:
        reversed_counts = _counts(conn)
        status = _one(conn, "select status, name from races where race_id = %s", RACE_0F57)
    assert status == ("Final", "PRYDA HANDICAP 1700")
    assert reversed_counts["races"] == 749 and reversed_counts["entrants"] == 15


def test_every_column_is_filled_or_allow_listed(
    loaded: tuple[psycopg.Connection, IngestReport],
) -> None:
    conn, _ = loaded
    empty: set[tuple[str, str]] = set()
    for table in TABLES:
        columns = [
            r[0]
            for r in conn.execute(
                "select column_name from information_schema.columns where table_schema = 'public' and table_name = %s",
                [table],
            )
        ]
        for column in columns:
            if _one(conn, f"select count({column}) from {table}") == 0:
                empty.add((table, column))
    assert empty == set(UNFILLABLE), (
        f"empty but not allow-listed: {sorted(empty - set(UNFILLABLE))}; "
        f"allow-listed but filled (remove them): {sorted(set(UNFILLABLE) - empty)}"
    )
