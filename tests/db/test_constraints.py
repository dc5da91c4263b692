"""Every named constraint of the schema refuses the row it exists for, and only that row.

Each table has one valid, realistic baseline row (the `*_row` builders below). A violation case
overrides one column of that baseline (or repeats it, updates it, or deletes what it refers to)
and must fail with the right psycopg error class AND name the expected constraint in
`diag.constraint_name`. Before every insert case the unmodified baseline is inserted in the same
test and rolled back, so a case cannot pass because the baseline itself was broken.

The ~200 cases share one database cloned from the migrated template for this module; each test
runs in a transaction that is always rolled back (`tx`), so the cases cannot see each other's
rows, DDL included. A per-test clone costs 100-200 ms, which would make this module take minutes.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.types.json import Jsonb

from raceday.db import connect, migrate, with_database
from raceday.db.sqlfiles import sql_path
from tests.fixtures.postgres import create_database, drop_database

# ------------------------------------------------------------------------------------------------
# Baseline rows: one valid, realistic row per table (Awapuni Synthetic, 17 July 2025, race 1).
# ------------------------------------------------------------------------------------------------

MEETING_ID = uuid.UUID("e9f2039d-d489-4a7d-aae1-d66225f1a5f4")
RACE_ID = uuid.UUID("0f57e087-00d9-4c61-9549-835abe2ae2ed")
ENTRANT_ID = uuid.UUID("61181b8c-a540-43a8-900c-83ebe680e218")
DIVIDEND_ID = uuid.UUID("3c1f0a7e-5b2d-4e86-9f43-1a2b3c4d5e6f")
INDICATOR_ID = uuid.UUID("7d3e9c51-0b7a-4f4e-8a51-52f0c1d2e3f4")
MISSING_ID = uuid.UUID("00000000-0000-4000-8000-00000000dead")  # referenced by nothing

# header.generated_time of the race event payload; 12:40:12 NZST on racing day 2025-07-17.
GENERATED = datetime(2025, 7, 17, 0, 40, 12, 189042, tzinfo=UTC)
START = datetime(2025, 7, 17, 0, 50, tzinfo=UTC)  # 12:50 NZST
# The NZ racing day 2025-07-17 is [2025-07-16 12:00Z, 2025-07-17 12:00Z) (NZST, UTC+12).
DAY_LOWER = datetime(2025, 7, 16, 12, tzinfo=UTC)
DAY_UPPER = datetime(2025, 7, 17, 12, tzinfo=UTC)
HISTORY_TABLES = ("odds_history", "money_flow_history")


def meeting_row(**change: Any) -> dict[str, Any]:
    return {
        "meeting_id": MEETING_ID,
        "meeting_name": "Awapuni Synthetic",
        "meeting_date": date(2025, 7, 17),
        "country": "NZ",
        "state": "NZ",
        "category": "T",
        "category_name": "Thoroughbred Horse Racing",
        "track_condition": "Synthetic",
        "tote_status": "Open",
        "tote_meeting_number": 3,
        "tote_raceday_date": date(2025, 7, 17),
        "video_channels": ["Trackside1", "Trackside2"],
        "quaddie_race_numbers": [5, 6, 7, 8],
        "early_quaddie_race_numbers": [1, 2, 3, 4],
        "api_generated_time": GENERATED,
        "last_polled_at": GENERATED + timedelta(seconds=1),
    } | change


def race_row(**change: Any) -> dict[str, Any]:
    return {
        "race_id": RACE_ID,
        "meeting_id": MEETING_ID,
        "race_number": 1,
        "name": "PRYDA HANDICAP 1700",
        "status": "Open",
        "race_date_nz": date(2025, 7, 17),
        "start_time": START,
        "actual_start": None,
        "distance": 1700,
        "race_class": "Rating 60 HCP",
        "race_group": None,
        "track_condition": "Synthetic",
        "track_surface": "Synthetic",
        "track_direction": "Left",
        "track_circumference": 1800,
        "track_home_straight": 400,
        "rail_position": "True | No Rain Last 24 Hours",
        "weather": "Fine",
        "start_type": "Barrier",
        "gait": None,
        "total_prize_money": Decimal("30000.00"),
        "prize_monies": Jsonb({"1st": 15350, "2nd": 5350, "3rd": 2600, "total_value": 30000}),
        "entrant_count": 12,
        "field_size": 11,
        "positions_paid": 3,
        "silk_url": "https://silks.example.test/{silk_id}.png",
        "silk_base_url": "https://silks.example.test",
        "video_channels": ["Trackside1"],
        "video_channels_meta": Jsonb({"Trackside1": {"provider": "TAB"}}),
        "comment": "Tickford looks hard to beat.",
        "protest": False,
        "protest_reason": None,
        "api_generated_time": GENERATED,
        "last_polled_at": GENERATED,
        "last_status_change_at": None,
        "finalized_at": None,
        "abandoned_at": None,
    } | change


def entrant_row(**change: Any) -> dict[str, Any]:
    return {
        "entrant_id": ENTRANT_ID,
        "race_id": RACE_ID,
        "name": "Tickford",
        "runner_number": 1,
        "barrier": 4,
        "is_scratched": False,
        "is_late_scratched": False,
        "scratch_time": None,
        "is_emergency": False,
        "emergency_position": None,
        "first_start_indicator": False,
        "fixed_win_odds": Decimal("3.40"),
        "fixed_place_odds": Decimal("1.45"),
        "pool_win_odds": Decimal("3.60"),
        "pool_place_odds": Decimal("1.50"),
        "favourite": True,
        "mover": False,
        "hold_percentage": Decimal("22.50"),
        "bet_percentage": Decimal("18.20"),
        "jockey": "Kate Hercock",
        "apprentice_indicator": "a2",
        "allowance_weight": Decimal("2.00"),
        "weight_allocated": Decimal("58.50"),
        "weight_total": Decimal("56.50"),
        "trainer_name": "Lisa Latta",
        "trainer_location": "Awapuni",
        "silk_colours": "Black, white stars",
        "silk_url_64x64": "https://silks.example.test/64/1.png",
        "silk_url_128x128": "https://silks.example.test/128/1.png",
        "age": 4,
        "sex": "G",
        "colour": "B",
        "gear": "Blinkers",
        "last_twenty_starts": "1x2311",
        "form_indicators": Jsonb([{"group": "Track", "name": "Won at the track"}]),
        "speedmap": Jsonb({"settling_lengths": 2, "barrier_speed": 5}),
        "last_starts": Jsonb([{"finish_position": 1, "distance": 1600}]),
        "form_stats": Jsonb({"overall": {"starts": 9, "wins": 3}}),
        "flucs": Jsonb({"open": 4.2, "latest": 3.4}),
        "runner_change": Jsonb({"gear": "Blinkers first time"}),
        "api_generated_time": GENERATED,
    } | change


def race_pool_row(**change: Any) -> dict[str, Any]:
    return {
        "race_id": RACE_ID,
        "product_type": "Win",
        "leg_race_numbers": [],
        "total": Decimal("12345.67"),
        "status": "OPEN",
        "guarantee": Decimal("0.00"),
        "brought_forward": Decimal("0.00"),
        "jackpot": Decimal("0.00"),
        "is_final": False,
        "is_commingled": False,
        "is_concession": False,
        "api_generated_time": GENERATED,
    } | change


def race_result_row(**change: Any) -> dict[str, Any]:
    return {
        "race_id": RACE_ID,
        "result_status": "Final",
        "winning_time": Decimal("106.73"),
        "api_generated_time": GENERATED,
    } | change


def result_position_row(**change: Any) -> dict[str, Any]:
    return {
        "entrant_id": ENTRANT_ID,
        "race_id": RACE_ID,
        "position": 1,
        "margin_length": Decimal("0.00"),
        "positional_margin": None,
        "time_ran": Decimal("106.73"),
        "api_generated_time": GENERATED,
    } | change


def dividend_row(**change: Any) -> dict[str, Any]:
    return {
        "race_id": RACE_ID,
        "tote": "NZ",
        "product_name": "Pool Win",
        "description": "1",
        "dividend_id": DIVIDEND_ID,
        "status": "Final",
        "dividend": Decimal("3.60"),
        "pool_size": Decimal("12345.67"),
        "jackpot_size": Decimal("0.00"),
        "positions": Jsonb([{"runner_number": 1, "position": 1}]),
        "api_generated_time": GENERATED,
    } | change


def alert_config_row(**change: Any) -> dict[str, Any]:
    return {
        "indicator_id": INDICATOR_ID,
        "user_id": "Trackside Analyst",
        "indicator_type": "percentage_range",
        "percentage_range_min": Decimal("5.00"),
        "percentage_range_max": Decimal("10.00"),
        "color": "#E5E7EB",
        "is_default": False,
        "enabled": True,
        "display_order": 1,
        "audible_alerts_enabled": True,
    } | change


def odds_row(**change: Any) -> dict[str, Any]:
    return {
        "entrant_id": ENTRANT_ID,
        "event_timestamp": GENERATED,
        "type": "fixed_win",
        "odds": Decimal("3.40"),
    } | change


def money_flow_row(**change: Any) -> dict[str, Any]:
    return {
        "entrant_id": ENTRANT_ID,
        "race_id": RACE_ID,
        "event_timestamp": GENERATED,
        "hold_percentage": Decimal("22.50"),
        "bet_percentage": Decimal("18.20"),
        "win_pool_amount": Decimal("2777.78"),
        "place_pool_amount": Decimal("1012.50"),
        "incremental_win_amount": Decimal("150.25"),
        "incremental_place_amount": Decimal("-12.40"),
        "time_to_start": Decimal("9.80"),
        "time_interval": Decimal("10.0"),
        "interval_type": "2m",
        "fixed_win_odds": Decimal("7.50"),
        "fixed_place_odds": Decimal("2.30"),
        "pool_win_odds": Decimal("6.60"),
        "pool_place_odds": Decimal("1.70"),
    } | change


def partition_config_row(**change: Any) -> dict[str, Any]:
    return {
        "parent_table": "settled_odds_history",
        "time_zone": "Australia/Sydney",
        "days_ahead": 7,
        "retention_days": 90,
        "keep_detached": True,
    } | change


def quarantine_row(**change: Any) -> dict[str, Any]:
    return {
        "parent_table": "odds_history",
        "event_timestamp": datetime(2025, 9, 1, 0, 40, tzinfo=UTC),
        "row_data": Jsonb(
            {
                "entrant_id": str(ENTRANT_ID),
                "event_timestamp": "2025-09-01T00:40:00Z",
                "type": "fixed_win",
                "odds": 3.4,
            }
        ),
        "reason": "timestamp more than 30 days ahead",
        "source": f"race {RACE_ID}",
    } | change


def maintenance_run_row(**change: Any) -> dict[str, Any]:
    started = datetime(2025, 7, 17, 12, 0, 0, 500000, tzinfo=UTC)
    return {
        "started_at": started,
        "finished_at": started + timedelta(seconds=2),
        "status": "ok",
        "triggered_by": "midnight",
        "partitions_created": ["odds_history_2025_07_24", "money_flow_history_2025_07_24"],
        "partitions_retired": [],
        "steps_deferred": [],
        "error": None,
        "host": "raceday-1",
        "pid": 4242,
    } | change


def kept_day_row(**change: Any) -> dict[str, Any]:
    return {
        "racing_day": date(2025, 7, 17),
        "reason": "created for rows older than the live window (ingest or backfill)",
        "kept_at": datetime(2026, 12, 3, 1, 0, tzinfo=UTC),
    } | change


BASELINES: dict[str, Callable[..., dict[str, Any]]] = {
    "meetings": meeting_row,
    "races": race_row,
    "entrants": entrant_row,
    "race_pools": race_pool_row,
    "race_results": race_result_row,
    "race_result_positions": result_position_row,
    "race_dividends": dividend_row,
    "user_alert_configs": alert_config_row,
    "odds_history": odds_row,
    "money_flow_history": money_flow_row,
    "partition_config": partition_config_row,
    "partition_quarantine": quarantine_row,
    "partition_maintenance_runs": maintenance_run_row,
    "partition_kept_days": kept_day_row,
}

# Rows a table's baseline refers to, inserted first (in this order).
PARENTS: dict[str, tuple[str, ...]] = {
    "races": ("meetings",),
    "entrants": ("meetings", "races"),
    "race_pools": ("meetings", "races"),
    "race_results": ("meetings", "races"),
    "race_result_positions": ("meetings", "races", "entrants", "race_results"),
    "race_dividends": ("meetings", "races", "race_results"),
}

# Columns that identify the inserted row (returned by `insert`, used by `update`).
KEYS: dict[str, tuple[str, ...]] = {
    "meetings": ("meeting_id",),
    "races": ("race_id",),
    "entrants": ("entrant_id",),
    "race_pools": ("race_id", "product_type", "leg_race_numbers"),
    "race_results": ("race_id",),
    "race_result_positions": ("entrant_id",),
    "race_dividends": ("race_id", "tote", "product_name", "description"),
    "user_alert_configs": ("indicator_id",),
    "odds_history": ("entrant_id", "event_timestamp", "type"),
    "money_flow_history": ("entrant_id", "event_timestamp"),
    "partition_config": ("parent_table",),
    "partition_quarantine": ("id",),
    "partition_maintenance_runs": ("id",),
    "partition_kept_days": ("racing_day",),
}
IDENTITY_TABLES = {"partition_quarantine", "partition_maintenance_runs"}


def _ident_list(names: tuple[str, ...] | list[str]) -> sql.Composable:
    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def insert(conn: psycopg.Connection, table: str, row: Mapping[str, Any]) -> tuple[Any, ...]:
    """INSERT one row (columns as given) and return its key (KEYS[table])."""
    overriding = "id" in row and table in IDENTITY_TABLES
    query = sql.SQL("insert into {} ({}){} values ({}) returning {}").format(
        sql.Identifier(table),
        _ident_list(list(row)),
        sql.SQL(" overriding system value") if overriding else sql.SQL(""),
        sql.SQL(", ").join(sql.Placeholder() * len(row)),
        _ident_list(KEYS[table]),
    )
    returned = conn.execute(query, list(row.values())).fetchone()
    assert returned is not None
    return tuple(returned)


def update(
    conn: psycopg.Connection, table: str, key: tuple[Any, ...], change: Mapping[str, Any]
) -> int:
    """UPDATE the row with this key; returns the number of rows updated."""
    query = sql.SQL("update {} set {} where {}").format(
        sql.Identifier(table),
        sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in change),
        sql.SQL(" and ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in KEYS[table]),
    )
    return conn.execute(query, [*change.values(), *key]).rowcount


def create_history_partitions(conn: psycopg.Connection) -> None:
    """The children of both history tables for NZ racing day 2025-07-17 (plain DDL, no helpers)."""
    for parent in HISTORY_TABLES:
        conn.execute(
            sql.SQL("create table {} partition of {} for values from ({}) to ({})").format(
                sql.Identifier(f"{parent}_2025_07_17"),
                sql.Identifier(parent),
                sql.Literal(DAY_LOWER.isoformat()),
                sql.Literal(DAY_UPPER.isoformat()),
            )
        )


def prepare(conn: psycopg.Connection, table: str) -> None:
    """Insert the baseline rows `table`'s baseline refers to (and the history day partitions)."""
    for parent in PARENTS.get(table, ()):
        insert(conn, parent, BASELINES[parent]())
    if table in HISTORY_TABLES:
        create_history_partitions(conn)


# ------------------------------------------------------------------------------------------------
# A database for this module; each test runs in a transaction that is always rolled back.
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shared_conn(server_url: str, template_database: str) -> Iterator[psycopg.Connection]:
    name = create_database(server_url, template=template_database)
    try:
        with connect(
            with_database(server_url, name), autocommit=True, application_name="raceday-tests"
        ) as conn:
            yield conn
    finally:
        drop_database(server_url, name)


@pytest.fixture
def tx(shared_conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """The module's connection inside a transaction rolled back after the test (DDL included)."""
    with shared_conn.transaction(force_rollback=True):
        yield shared_conn


# ------------------------------------------------------------------------------------------------
# Violation cases
# ------------------------------------------------------------------------------------------------

_SAME = "<the covered constraint>"


@dataclass(frozen=True)
class Bad:
    """One statement that must fail.

    constraint: the pg_constraint name this case covers (None for errors that are not a named
        constraint, e.g. NOT NULL, whose diag names no constraint on PostgreSQL 15 or 18).
    action: insert the baseline with `change`; update the inserted baseline with `change`;
        duplicate = insert baseline+change twice (the second time also with `again`);
        statement = insert the baseline, then run `statement`.
    reported: the diag.constraint_name expected when it is not `constraint` itself.
    column: for NotNullViolation, the column the error must name.
    error_since_pg18: the class PostgreSQL 18+ raises instead of `error` (ON DELETE RESTRICT is
        reported as restrict_violation 23001 since 18, as foreign_key_violation 23503 before).
    """

    constraint: str | None
    table: str
    change: Mapping[str, Any] = field(default_factory=dict)
    variant: str = ""
    error: type[psycopg.Error] = errors.CheckViolation
    action: Literal["insert", "update", "duplicate", "statement"] = "insert"
    again: Mapping[str, Any] = field(default_factory=dict)
    statement: str = ""
    reported: str | None = _SAME
    column: str | None = None
    error_since_pg18: type[psycopg.Error] | None = None

    @property
    def id(self) -> str:
        base = self.constraint or f"{self.table}.{self.column}"
        return f"{base}-{self.variant}" if self.variant else base

    @property
    def expected_name(self) -> str | None:
        return self.constraint if self.reported == _SAME else self.reported


def check(constraint: str, variant: str = "", **change: Any) -> Bad:
    return Bad(constraint, _table_of(constraint), change, variant)


def _table_of(constraint: str) -> str:
    # Longest table name that prefixes the constraint name (race_pools before races, ...).
    return max((t for t in BASELINES if constraint.startswith(t + "_")), key=len)


def fkey(constraint: str, variant: str = "", **change: Any) -> Bad:
    return Bad(constraint, _table_of(constraint), change, variant, errors.ForeignKeyViolation)


def duplicate(
    constraint: str,
    variant: str = "",
    *,
    change: Mapping[str, Any] | None = None,
    again: Mapping[str, Any] | None = None,
    reported: str | None = _SAME,
) -> Bad:
    return Bad(
        constraint,
        _table_of(constraint),
        change or {},
        variant,
        errors.UniqueViolation,
        "duplicate",
        again or {},
        reported=reported,
    )


def not_null(table: str, column: str) -> Bad:
    return Bad(
        None,
        table,
        {column: None},
        "not_null",
        errors.NotNullViolation,
        reported=None,
        column=column,
    )


CASES: list[Bad] = [
    # meetings
    check("meetings_meeting_name_check", meeting_name=""),
    check("meetings_category_check", "racing_code_R", category="R"),
    check("meetings_tote_status_check", "upper_case", tote_status="OPEN"),
    check("meetings_tote_meeting_number_check", tote_meeting_number=-1),
    duplicate("meetings_pkey"),
    not_null("meetings", "meeting_name"),
    # races
    check("races_status_check", "lower_case", status="open"),
    Bad(
        "races_status_check",
        "races",
        {"status": "Finalized"},
        "update_to_Finalized",
        action="update",
    ),
    check("races_race_number_check", race_number=-1),
    check("races_name_check", name=""),
    check("races_distance_check", distance=-1),
    check("races_track_dimensions_check", "circumference", track_circumference=-5),
    check(
        "races_track_dimensions_check",
        "home_straight_other_null",
        track_circumference=None,
        track_home_straight=-1,
    ),
    check("races_total_prize_money_check", total_prize_money=Decimal("-0.01")),
    check("races_field_counts_check", "field_size", field_size=-1),
    check("races_field_counts_check", "positions_paid", positions_paid=-1),
    check("races_prize_monies_check", "array", prize_monies=Jsonb([15350, 5350])),
    check("races_video_channels_meta_check", "string", video_channels_meta=Jsonb("Trackside1")),
    fkey("races_meeting_id_fkey", meeting_id=MISSING_ID),
    duplicate("races_pkey"),
    not_null("races", "start_time"),
    not_null("races", "status"),
    # entrants
    check("entrants_name_check", name=""),
    check("entrants_runner_number_check", runner_number=0),
    check("entrants_barrier_check", barrier=-1),
    check("entrants_fixed_win_odds_check", fixed_win_odds=Decimal("-1")),
    check("entrants_fixed_place_odds_check", fixed_place_odds=Decimal("-1")),
    check("entrants_pool_win_odds_check", pool_win_odds=Decimal("-1")),
    check("entrants_pool_place_odds_check", pool_place_odds=Decimal("-1")),
    check("entrants_hold_percentage_check", "over_100", hold_percentage=Decimal("100.01")),
    check("entrants_bet_percentage_check", "negative", bet_percentage=Decimal("-0.01")),
    check("entrants_weights_check", "weight_total", weight_total=Decimal("-56.5")),
    check("entrants_weights_check", "allowance_weight", allowance_weight=Decimal("-2")),
    check("entrants_age_check", "41", age=41),
    check("entrants_age_check", "negative", age=-1),
    check("entrants_form_indicators_check", "object", form_indicators=Jsonb({})),
    check("entrants_speedmap_check", "array", speedmap=Jsonb([])),
    check("entrants_last_starts_check", "object", last_starts=Jsonb({})),
    check("entrants_form_stats_check", "array", form_stats=Jsonb([])),
    check("entrants_flucs_check", "array", flucs=Jsonb([8.5, 6.0])),
    check("entrants_runner_change_check", "string", runner_change=Jsonb("Gelding")),
    fkey("entrants_race_id_fkey", race_id=MISSING_ID),
    duplicate("entrants_pkey"),
    not_null("entrants", "runner_number"),
    # race_pools
    check("race_pools_product_type_check", "empty", product_type=""),
    check("race_pools_product_type_check", "untrimmed", product_type=" Win"),
    check("race_pools_status_check", "mixed_case", status="Closed"),
    check("race_pools_amounts_check", "total", total=Decimal("-1")),
    check("race_pools_amounts_check", "jackpot", jackpot=Decimal("-0.01")),
    check(
        "race_pools_leg_race_numbers_check",
        "two_dimensional",
        product_type="RunningDouble",
        leg_race_numbers=[[4, 5]],
    ),
    check(
        "race_pools_leg_race_numbers_check",
        "null_leg",
        product_type="Quadrella",
        leg_race_numbers=[4, None, 6, 7],
    ),
    fkey("race_pools_race_id_fkey", race_id=MISSING_ID),
    duplicate("race_pools_pkey", again={"total": Decimal("13000.00")}),
    not_null("race_pools", "total"),
    # race_results
    check("race_results_result_status_check", result_status="Protest"),
    check("race_results_winning_time_check", "zero", winning_time=Decimal("0")),
    fkey("race_results_race_id_fkey", race_id=MISSING_ID),
    duplicate("race_results_pkey"),
    # race_result_positions
    check("race_result_positions_position_check", position=0),
    check("race_result_positions_margin_length_check", margin_length=Decimal("-0.4")),
    check("race_result_positions_time_ran_check", "zero", time_ran=Decimal("0")),
    fkey("race_result_positions_race_id_fkey", "race_without_result", race_id=MISSING_ID),
    fkey("race_result_positions_entrant_id_fkey", entrant_id=MISSING_ID),
    duplicate("race_result_positions_pkey", "dead_heat_same_entrant"),
    # race_dividends
    check("race_dividends_status_check", "upper_case", status="FINAL"),
    check("race_dividends_amounts_check", "dividend", dividend=Decimal("-3.7")),
    check("race_dividends_amounts_check", "pool_size", pool_size=Decimal("-1")),
    check(
        "race_dividends_positions_check",
        "object",
        positions=Jsonb({"runner_number": 1, "position": 1}),
    ),
    fkey("race_dividends_race_id_fkey", race_id=MISSING_ID),
    duplicate(
        "race_dividends_pkey",
        "interim_and_final",
        change={"status": "Interim"},
        again={"status": "Final", "dividend_id": uuid.uuid4()},
    ),
    not_null("race_dividends", "dividend"),
    # user_alert_configs
    check("user_alert_configs_user_id_check", user_id=""),
    check("user_alert_configs_indicator_type_check", indicator_type="absolute"),
    check(
        "user_alert_configs_percentage_range_min_check",
        "negative",
        percentage_range_min=Decimal("-1"),
    ),
    check(
        "user_alert_configs_percentage_range_max_check",
        "over_100",
        percentage_range_min=Decimal("50"),
        percentage_range_max=Decimal("100.01"),
    ),
    check(
        "user_alert_configs_percentage_range_order_check",
        "equal",
        percentage_range_min=Decimal("10"),
        percentage_range_max=Decimal("10"),
    ),
    check(
        "user_alert_configs_percentage_range_order_check",
        "reversed",
        percentage_range_min=Decimal("20"),
        percentage_range_max=Decimal("10"),
    ),
    check("user_alert_configs_color_check", "name", color="red"),
    check("user_alert_configs_color_check", "five_digits", color="#E5E7E"),
    check("user_alert_configs_display_order_check", "0", display_order=0),
    check("user_alert_configs_display_order_check", "7", display_order=7),
    Bad(
        "user_alert_configs_user_id_display_order_key",
        "user_alert_configs",
        {"user_id": "Default User"},
        "seeded_slot_1",
        errors.UniqueViolation,
    ),
    Bad(
        "user_alert_configs_user_id_display_order_key",
        "user_alert_configs",
        {},
        "swap_slots",
        errors.UniqueViolation,
        "statement",
        statement="update user_alert_configs set display_order = 3 - display_order "
        "where user_id = 'Default User' and display_order in (1, 2)",
    ),
    duplicate("user_alert_configs_pkey", again={"display_order": 2}),
    not_null("user_alert_configs", "color"),
    # odds_history (in a child partition: a duplicate names the child's primary key index)
    check("odds_history_type_check", "unknown_type", type="win"),
    check("odds_history_odds_check", "negative", odds=Decimal("-1.5")),
    duplicate(
        "odds_history_pkey",
        "same_instant_new_price",
        again={"odds": Decimal("3.50")},
        reported="odds_history_2025_07_17_pkey",
    ),
    not_null("odds_history", "odds"),
    # money_flow_history
    check("money_flow_history_hold_percentage_check", "over_100", hold_percentage=Decimal("101")),
    check("money_flow_history_bet_percentage_check", "negative", bet_percentage=Decimal("-1")),
    check("money_flow_history_pool_amounts_check", "win", win_pool_amount=Decimal("-1")),
    check("money_flow_history_pool_amounts_check", "place", place_pool_amount=Decimal("-0.01")),
    check("money_flow_history_time_interval_check", "over_60", time_interval=Decimal("65")),
    check(
        "money_flow_history_time_interval_check", "not_half_minute", time_interval=Decimal("-0.7")
    ),
    check("money_flow_history_interval_type_check", "unknown", interval_type="unknown"),
    duplicate(
        "money_flow_history_pkey",
        "replay_without_on_conflict",
        reported="money_flow_history_2025_07_17_pkey",
    ),
    not_null("money_flow_history", "time_to_start"),
    # partition_config
    check(
        "partition_config_parent_table_check", "upper_case_and_dash", parent_table="Odds-History"
    ),
    check("partition_config_parent_table_check", "53_characters", parent_table="h" * 53),
    check("partition_config_time_zone_check", "posix_offset", time_zone="UTC+12"),
    check("partition_config_time_zone_check", "abbreviation", time_zone="NZST"),
    Bad(
        None,
        "partition_config",
        {"time_zone": "Pacific/Atlantis"},
        "unknown_zone",
        errors.InvalidParameterValue,
        reported=None,
        column="time_zone",
    ),
    check("partition_config_days_ahead_check", "negative", days_ahead=-1),
    check("partition_config_days_ahead_check", "367", days_ahead=367),
    check("partition_config_retention_days_check", "negative", retention_days=-1),
    Bad(
        "partition_config_pkey",
        "partition_config",
        {"parent_table": "odds_history"},
        "seeded_odds_history",
        errors.UniqueViolation,
    ),
    # partition_quarantine
    fkey("partition_quarantine_parent_table_fkey", "unconfigured_parent", parent_table="nope"),
    Bad(
        "partition_quarantine_parent_table_fkey",
        "partition_quarantine",
        {},
        "delete_restricted",
        errors.ForeignKeyViolation,
        "statement",
        error_since_pg18=errors.RestrictViolation,
        statement="delete from partition_config where parent_table = 'odds_history'",
    ),
    check("partition_quarantine_row_data_check", "array", row_data=Jsonb([1])),
    check("partition_quarantine_reason_check", reason=""),
    duplicate("partition_quarantine_pkey", "explicit_id", change={"id": 1}),
    not_null("partition_quarantine", "row_data"),
    # partition_kept_days
    check("partition_kept_days_reason_check", reason=""),
    duplicate("partition_kept_days_pkey", "same_day"),
    not_null("partition_kept_days", "reason"),
    # partition_maintenance_runs
    check("partition_maintenance_runs_status_check", "done", status="done"),
    check("partition_maintenance_runs_finished_check", "running_but_finished", status="running"),
    check("partition_maintenance_runs_finished_check", "ok_without_finished_at", finished_at=None),
    check(
        "partition_maintenance_runs_finished_check",
        "finished_before_started",
        finished_at=datetime(2025, 7, 17, 11, 59, tzinfo=UTC),
    ),
    Bad(
        "partition_maintenance_runs_finished_check",
        "partition_maintenance_runs",
        {"status": "ok"},
        "update_running_to_ok_without_finished_at",
        action="update",
    ),
    check("partition_maintenance_runs_error_check", "failed_without_error", status="failed"),
    duplicate("partition_maintenance_runs_pkey", "explicit_id", change={"id": 1}),
    not_null("partition_maintenance_runs", "status"),
]
assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"

_UPDATE_BASE = {
    # update cases start from a row the update then breaks
    ("partition_maintenance_runs", "update_running_to_ok_without_finished_at"): {
        "status": "running",
        "finished_at": None,
    },
}


def _arrange(conn: psycopg.Connection, case: Bad) -> Callable[[], object]:
    """Set up the case's preconditions (which must succeed) and return its failing step."""
    prepare(conn, case.table)
    base = BASELINES[case.table]()
    if case.action == "insert":
        with conn.transaction(force_rollback=True):
            insert(conn, case.table, base)  # the unmodified baseline is valid here and now
        return lambda: insert(conn, case.table, base | dict(case.change))
    if case.action == "update":
        key = insert(conn, case.table, base | _UPDATE_BASE.get((case.table, case.variant), {}))
        return lambda: update(conn, case.table, key, case.change)
    if case.action == "duplicate":
        insert(conn, case.table, base | dict(case.change))
        return lambda: insert(conn, case.table, base | dict(case.change) | dict(case.again))
    insert(conn, case.table, base | dict(case.change))
    return lambda: conn.execute(case.statement)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_violation_is_refused_by_its_constraint(tx: psycopg.Connection, case: Bad) -> None:
    step = _arrange(tx, case)
    with pytest.raises(psycopg.Error) as caught, tx.transaction():
        step()
    exc = caught.value
    error = case.error
    if case.error_since_pg18 and tx.info.server_version >= 180000:
        error = case.error_since_pg18
    assert type(exc) is error, f"{case.id}: {type(exc).__name__} ({exc.sqlstate}): {exc}"
    assert exc.sqlstate == error.sqlstate
    assert exc.diag.constraint_name == case.expected_name, f"{case.id}: {exc}"
    if case.column and case.error is errors.NotNullViolation:
        assert exc.diag.column_name == case.column
        # A history row is checked in the child partition it was routed to.
        child = f"{case.table}_2025_07_17" if case.table in HISTORY_TABLES else case.table
        assert exc.diag.table_name == child


def _constraints_in_catalog(conn: psycopg.Connection) -> dict[str, str]:
    rows = conn.execute("""
        select co.conname, co.contype::text
          from pg_constraint co
          join pg_class cl on cl.oid = co.conrelid
          join pg_namespace n on n.oid = cl.relnamespace
         where n.nspname = 'public' and co.contype in ('c', 'f', 'u', 'p', 'x')
           and not cl.relispartition and cl.relname <> 'alembic_version'""").fetchall()
    return dict(rows)


def _constraints_in_up_files() -> set[str]:
    names: set[str] = set()
    for rev in migrate.history():
        text = sql_path(rev.revision, "up").read_text(encoding="utf-8")
        names |= set(re.findall(r"^\s*CONSTRAINT\s+([a-z_][a-z0-9_]*)", text, flags=re.MULTILINE))
    return names


def test_every_named_constraint_has_a_violation_case(tx: psycopg.Connection) -> None:
    catalog = _constraints_in_catalog(tx)
    covered = {c.constraint for c in CASES if c.constraint}
    assert len(catalog) >= 87, f"suspiciously few constraints: {sorted(catalog)}"
    assert sorted(set(catalog) - covered) == [], "constraints without a violation case"
    assert sorted(covered - set(catalog)) == [], "cases name constraints that do not exist"
    in_files = _constraints_in_up_files()
    assert {"meetings_pkey", "partition_maintenance_runs_error_check"} <= in_files
    assert sorted(in_files - covered) == [], "UP files name constraints without a case"


def test_every_table_has_a_baseline_row_setting_every_writable_column(
    tx: psycopg.Connection,
) -> None:
    tables = {
        r[0]
        for r in tx.execute(
            "select relname from pg_class where relnamespace = 'public'::regnamespace "
            "and relkind in ('r', 'p') and not relispartition and relname <> 'alembic_version'"
        )
    }
    assert tables == set(BASELINES)
    for table, build in BASELINES.items():
        writable = {
            r[0]
            for r in tx.execute(
                "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 "
                "and not attisdropped and attgenerated = '' and attidentity = '' "
                "and attname not in ('created_at', 'updated_at', 'received_at')",
                (table,),
            )
        }
        assert set(build()) == writable, f"{table}: baseline columns differ from the table"


# ------------------------------------------------------------------------------------------------
# Positive cases
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", list(BASELINES))
def test_valid_baseline_row_inserts_and_reads_back(tx: psycopg.Connection, table: str) -> None:
    prepare(tx, table)
    row = BASELINES[table]()
    key = insert(tx, table, row)
    where = sql.SQL(" and ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in KEYS[table])
    query = sql.SQL("select {} from {} where {}").format(
        _ident_list(list(row)), sql.Identifier(table), where
    )
    stored = tx.execute(query, key).fetchone()
    # The status trigger stamps a new race with the time of the payload that carried it.
    filled = {"races": {"last_status_change_at": GENERATED}}.get(table, {})
    expected = tuple(v.obj if isinstance(v, Jsonb) else v for v in (row | filled).values())
    assert stored == expected


@pytest.mark.parametrize("table", list(BASELINES))
def test_row_with_only_required_columns_inserts(tx: psycopg.Connection, table: str) -> None:
    # Every nullable or defaulted column left out: NULLs pass the combined CHECKs, defaults apply.
    prepare(tx, table)
    required = {
        r[0]
        for r in tx.execute(
            "select attname from pg_attribute where attrelid = %s::regclass and attnum > 0 "
            "and not attisdropped and attnotnull and not atthasdef and attidentity = '' "
            "and attgenerated = ''",
            (table,),
        )
    }
    # A maintenance run may be inserted as running and finished later (finished_at is nullable).
    start = {"partition_maintenance_runs": {"status": "running"}}.get(table, {})
    row = {k: v for k, v in BASELINES[table](**start).items() if k in required}
    assert set(row) == required
    insert(tx, table, row)


# Boundary values next to a refused one: they must be accepted.
GOOD: list[tuple[str, str, dict[str, Any]]] = [
    (
        "meetings",
        "greyhound_closed_tote_0",
        {"category": "G", "tote_status": "Closed", "tote_meeting_number": 0},
    ),
    ("races", "futures_race_number_0", {"race_number": 0}),
    ("races", "status_Abandoned", {"status": "Abandoned"}),
    (
        "races",
        "zero_counts_and_prize",
        {
            "entrant_count": 0,
            "field_size": 0,
            "positions_paid": 0,
            "total_prize_money": Decimal("0"),
            "distance": 0,
        },
    ),
    (
        "entrants",
        "percentages_0_and_100",
        {"hold_percentage": Decimal("100"), "bet_percentage": Decimal("0")},
    ),
    (
        "entrants",
        "odds_0_barrier_0_age_40",
        {
            "fixed_win_odds": Decimal("0"),
            "barrier": 0,
            "age": 40,
            "fixed_place_odds": Decimal("501"),
        },
    ),
    (
        "entrants",
        "scratched",
        {
            "is_scratched": True,
            "is_late_scratched": True,
            "scratch_time": GENERATED,
            "fixed_win_odds": None,
        },
    ),
    (
        "race_pools",
        "quadrella_legs",
        {"product_type": "Quadrella", "leg_race_numbers": [5, 6, 7, 8], "status": "CLOSED_FINAL"},
    ),
    ("race_pools", "status_null", {"status": None, "guarantee": None}),
    ("race_results", "interim_no_time", {"result_status": "Interim", "winning_time": None}),
    (
        "race_result_positions",
        "dead_heat_second",
        {"position": 2, "margin_length": None, "positional_margin": "LG NK", "time_ran": None},
    ),
    (
        "race_dividends",
        "interim_zero_dividend",
        {"status": "Interim", "dividend": Decimal("0"), "positions": Jsonb([])},
    ),
    (
        "user_alert_configs",
        "open_ended_max",
        {"percentage_range_min": Decimal("50"), "percentage_range_max": None},
    ),
    (
        "user_alert_configs",
        "full_range_lower_case_colour",
        {
            "percentage_range_min": Decimal("0"),
            "percentage_range_max": Decimal("100"),
            "color": "#abcdef",
            "display_order": 6,
        },
    ),
    ("odds_history", "odds_0_pool_place", {"odds": Decimal("0"), "type": "pool_place"}),
    ("odds_history", "at_lower_partition_bound", {"event_timestamp": DAY_LOWER}),
    (
        "money_flow_history",
        "after_start_half_minute",
        {
            "time_to_start": Decimal("-0.40"),
            "time_interval": Decimal("-0.5"),
            "interval_type": "live",
        },
    ),
    (
        "money_flow_history",
        "interval_60_no_pools",
        {
            "time_interval": Decimal("60"),
            "time_to_start": Decimal("75.00"),
            "interval_type": "5m",
            "win_pool_amount": None,
            "place_pool_amount": None,
        },
    ),
    (
        "partition_config",
        "utc_bounds",
        {"time_zone": "UTC", "days_ahead": 366, "retention_days": 0},
    ),
    (
        "partition_config",
        "three_part_zone_52_chars",
        {"time_zone": "America/Argentina/Buenos_Aires", "parent_table": "h" * 52},
    ),
    (
        "partition_quarantine",
        "unparseable_timestamp",
        {"event_timestamp": None, "row_data": Jsonb({"event_timestamp": "x"})},
    ),
    ("partition_maintenance_runs", "running", {"status": "running", "finished_at": None}),
    (
        "partition_maintenance_runs",
        "failed_with_error",
        {"status": "failed", "error": "lock timeout"},
    ),
    (
        "partition_maintenance_runs",
        "finished_at_started_at",
        {"finished_at": datetime(2025, 7, 17, 12, 0, 0, 500000, tzinfo=UTC)},
    ),
]


@pytest.mark.parametrize(
    ("table", "change"), [pytest.param(t, c, id=f"{t}-{v}") for t, v, c in GOOD]
)
def test_boundary_value_is_accepted(tx: psycopg.Connection, table: str, change: dict) -> None:
    prepare(tx, table)
    insert(tx, table, BASELINES[table](**change))


# ------------------------------------------------------------------------------------------------
# Seeded rows, generated column
# ------------------------------------------------------------------------------------------------

DEFAULT_BANDS = [  # reference-system-notes.md section 6
    (1, Decimal("5.00"), Decimal("10.00"), "#E5E7EB"),
    (2, Decimal("10.00"), Decimal("15.00"), "#BFDBFE"),
    (3, Decimal("15.00"), Decimal("20.00"), "#FEF3C7"),
    (4, Decimal("20.00"), Decimal("25.00"), "#BBF7D0"),
    (5, Decimal("25.00"), Decimal("50.00"), "#FECACA"),
    (6, Decimal("50.00"), None, "#F3E8FF"),
]


def test_default_user_has_the_six_reference_alert_bands(tx: psycopg.Connection) -> None:
    rows = tx.execute("""
        select user_id, display_order, percentage_range_min, percentage_range_max, color,
               indicator_type, is_default, enabled, audible_alerts_enabled
          from user_alert_configs order by user_id, display_order""").fetchall()
    assert rows == [
        ("Default User", *band, "percentage_range", True, True, True) for band in DEFAULT_BANDS
    ]


def test_start_time_nz_is_generated_in_pacific_auckland_and_not_writable(
    tx: psycopg.Connection,
) -> None:
    prepare(tx, "races")
    insert(tx, "races", race_row())  # 00:50Z in July (NZST, +12)
    summer = race_row(
        race_id=MISSING_ID,
        race_number=2,
        race_date_nz=date(2026, 1, 10),
        start_time=datetime(2026, 1, 10, 23, 30, tzinfo=UTC),
    )  # NZDT, next NZ day
    insert(tx, "races", summer)
    got = tx.execute("select race_number, start_time_nz::text from races order by 1").fetchall()
    assert got == [(1, "12:50:00"), (2, "12:30:00")]
    update(tx, "races", (RACE_ID,), {"start_time": datetime(2025, 7, 17, 1, 5, tzinfo=UTC)})
    assert tx.execute(
        "select start_time_nz::text from races where race_id = %s", (RACE_ID,)
    ).fetchone() == ("13:05:00",)
    with pytest.raises(errors.GeneratedAlways), tx.transaction():
        update(tx, "races", (RACE_ID,), {"start_time_nz": "12:00"})


# ------------------------------------------------------------------------------------------------
# History tables: partition routing and idempotent replays
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", HISTORY_TABLES)
@pytest.mark.parametrize(
    "instant",
    [
        pytest.param(DAY_LOWER - timedelta(microseconds=1), id="just_before_the_day"),
        pytest.param(DAY_UPPER, id="upper_bound_exclusive"),
        pytest.param(datetime(2030, 1, 1, tzinfo=UTC), id="far_future"),
    ],
)
def test_history_row_outside_every_partition_is_refused(
    tx: psycopg.Connection,
    table: str,
    instant: datetime,
) -> None:
    prepare(tx, table)  # creates only the 2025-07-17 children
    insert(tx, table, BASELINES[table]())
    with pytest.raises(errors.CheckViolation) as caught, tx.transaction():
        insert(tx, table, BASELINES[table](event_timestamp=instant))
    assert caught.value.sqlstate == "23514"
    assert caught.value.diag.constraint_name is None
    assert f'no partition of relation "{table}" found for row' in str(caught.value)


@pytest.mark.parametrize("table", HISTORY_TABLES)
def test_history_replay_with_on_conflict_do_nothing_inserts_nothing(
    tx: psycopg.Connection,
    table: str,
) -> None:
    prepare(tx, table)
    entrants = [ENTRANT_ID, uuid.UUID("9a0b4d2e-6c1f-4b3a-8e7d-5f6a7b8c9d0e")]
    rows = [BASELINES[table](entrant_id=e) for e in entrants]
    for row in rows:
        insert(tx, table, row)
    count_sql = sql.SQL("select count(*) from {}").format(sql.Identifier(table))
    before = tx.execute(count_sql).fetchone()

    def replay(row: dict[str, Any]) -> int:
        query = sql.SQL("insert into {} ({}) values ({}) on conflict do nothing").format(
            sql.Identifier(table),
            _ident_list(list(row)),
            sql.SQL(", ").join(sql.Placeholder() * len(row)),
        )
        return tx.execute(query, list(row.values())).rowcount

    assert [replay(row) for row in rows] == [0, 0]
    # The same instant written another way (NZ wall time with offset) is the same key.
    nz_text = (GENERATED + timedelta(hours=12)).strftime("%Y-%m-%d %H:%M:%S.%f+12")
    assert replay(rows[0] | {"event_timestamp": nz_text}) == 0
    assert tx.execute(count_sql).fetchone() == before == (2,)
