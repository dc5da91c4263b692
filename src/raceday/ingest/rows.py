"""Rows as the writer stores them: one NamedTuple per table, fields named and ordered as columns.

This module is the one definition of each table's columns: a NamedTuple's `_fields` is the column
list and its annotations give the SQL types (`ingest.tables`), so the statements, COPY and the
backfill are built from these and can never disagree on names or order. The price types, and
the columns they are stored in, are defined here once too (`PRICE_TYPES`, `Prices`).

The transform builds these from validated payloads (pure); the writer sends them as they are.
Columns the database fills (created_at, updated_at, races.start_time_nz, status-change times)
are not here: writers must leave them alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple
from uuid import UUID

from psycopg.types.json import Jsonb

from raceday import fastjson

__all__ = [
    "PRICE_COLUMNS",
    "PRICE_TYPES",
    "RACE_TABLES",
    "DividendRow",
    "EntrantRow",
    "EventMeetingRow",
    "ListedRaceRow",
    "MeetingRow",
    "MeetingsBatch",
    "MoneyFlowRow",
    "MoneyObservation",
    "OddsHistoryRow",
    "OddsObservation",
    "PoolRow",
    "PositionRow",
    "Prices",
    "RaceBatch",
    "RaceRow",
    "RaceTiming",
    "RacesListBatch",
    "ResultRow",
    "SummaryRaceRow",
    "entrant_prices",
    "price_column",
]

# The four prices NZTAB quotes per runner (runners[].odds.*), in the order every tuple of prices
# here uses. Odds history stores them as rows of `type`; entrants and money_flow_history as the
# columns `price_column(type)`.
PRICE_TYPES: tuple[str, ...] = ("fixed_win", "fixed_place", "pool_win", "pool_place")


def price_column(price_type: str) -> str:
    """The column that holds a price of `price_type` (entrants, money_flow_history)."""
    return f"{price_type}_odds"


PRICE_COLUMNS: tuple[str, ...] = tuple(price_column(t) for t in PRICE_TYPES)


class Prices(NamedTuple):
    """An entrant's four prices in one poll (decimal odds; None when not quoted)."""

    fixed_win: Decimal | None
    fixed_place: Decimal | None
    pool_win: Decimal | None
    pool_place: Decimal | None


assert Prices._fields == PRICE_TYPES, "Prices and PRICE_TYPES must list the same prices in order"


# Every table a race-event payload writes, parents before children.
RACE_TABLES: tuple[str, ...] = (
    "meetings",
    "races",
    "entrants",
    "race_pools",
    "race_results",
    "race_result_positions",
    "race_dividends",
    "odds_history",
    "money_flow_history",
)


class MeetingRow(NamedTuple):
    """meetings, from the meetings list or meeting detail."""

    meeting_id: UUID
    meeting_name: str
    meeting_date: date
    country: str
    state: str | None
    category: str
    category_name: str | None
    track_condition: str | None
    tote_status: str | None
    tote_meeting_number: int | None
    tote_raceday_date: date | None
    video_channels: list[str] | None
    quaddie_race_numbers: list[int] | None
    early_quaddie_race_numbers: list[int] | None
    api_generated_time: datetime
    last_polled_at: datetime


class EventMeetingRow(NamedTuple):
    """meetings, the little a race event says about its meeting: inserted only when missing."""

    meeting_id: UUID
    meeting_name: str
    meeting_date: date
    country: str
    state: str | None
    category: str
    api_generated_time: datetime
    last_polled_at: datetime


class ListedRaceRow(NamedTuple):
    """races, from a meeting's races[] in the meetings list or meeting detail."""

    race_id: UUID
    meeting_id: UUID
    race_number: int
    name: str
    status: str
    race_date_nz: date
    start_time: datetime
    distance: int | None
    track_condition: str | None
    weather: str | None
    protest: bool
    protest_reason: str | None
    api_generated_time: datetime
    last_polled_at: datetime


class SummaryRaceRow(NamedTuple):
    """races, from the races list: it can only update races already stored (no status, no day)."""

    race_id: UUID
    meeting_id: UUID
    race_number: int
    name: str
    start_time: datetime
    actual_start: datetime | None
    silk_url: str | None
    protest: bool
    protest_reason: str | None
    api_generated_time: datetime
    last_polled_at: datetime


class RaceRow(NamedTuple):
    """races, from the race event (every column it can fill)."""

    race_id: UUID
    meeting_id: UUID
    race_number: int
    name: str
    status: str
    race_date_nz: date
    start_time: datetime
    actual_start: datetime | None
    distance: int | None
    race_class: str | None
    race_group: str | None
    track_condition: str | None
    track_surface: str | None
    track_direction: str | None
    track_circumference: int | None
    track_home_straight: int | None
    rail_position: str | None
    weather: str | None
    start_type: str | None
    gait: str | None
    total_prize_money: Decimal | None
    prize_monies: Jsonb | None
    entrant_count: int | None
    field_size: int | None
    positions_paid: int | None
    silk_url: str | None
    silk_base_url: str | None
    video_channels: list[str] | None
    video_channels_meta: Jsonb | None
    comment: str | None
    protest: bool
    protest_reason: str | None
    api_generated_time: datetime
    last_polled_at: datetime


class EntrantRow(NamedTuple):
    entrant_id: UUID
    race_id: UUID
    name: str
    runner_number: int
    barrier: int | None
    is_scratched: bool
    is_late_scratched: bool
    scratch_time: datetime | None
    is_emergency: bool
    emergency_position: str | None
    first_start_indicator: bool
    fixed_win_odds: Decimal | None
    fixed_place_odds: Decimal | None
    pool_win_odds: Decimal | None
    pool_place_odds: Decimal | None
    favourite: bool
    mover: bool
    hold_percentage: Decimal | None
    bet_percentage: Decimal | None
    jockey: str | None
    apprentice_indicator: str | None
    allowance_weight: Decimal | None
    weight_allocated: Decimal | None
    weight_total: Decimal | None
    trainer_name: str | None
    trainer_location: str | None
    silk_colours: str | None
    silk_url_64x64: str | None
    silk_url_128x128: str | None
    age: int | None
    sex: str | None
    colour: str | None
    gear: str | None
    last_twenty_starts: str | None
    form_indicators: Jsonb | None
    speedmap: Jsonb | None
    last_starts: Jsonb | None
    form_stats: Jsonb | None
    flucs: Jsonb | None
    runner_change: Jsonb | None
    api_generated_time: datetime


class PoolRow(NamedTuple):
    race_id: UUID
    product_type: str
    leg_race_numbers: list[int]
    total: Decimal
    status: str | None
    guarantee: Decimal | None
    brought_forward: Decimal | None
    jackpot: Decimal | None
    is_final: bool | None
    is_commingled: bool | None
    is_concession: bool | None
    api_generated_time: datetime


class ResultRow(NamedTuple):
    race_id: UUID
    result_status: str
    winning_time: Decimal | None
    api_generated_time: datetime


class PositionRow(NamedTuple):
    entrant_id: UUID
    race_id: UUID
    position: int
    margin_length: Decimal | None
    positional_margin: str | None
    time_ran: Decimal | None
    api_generated_time: datetime


class DividendRow(NamedTuple):
    race_id: UUID
    tote: str
    product_name: str
    description: str
    dividend_id: UUID
    status: str
    dividend: Decimal
    pool_size: Decimal | None
    jackpot_size: Decimal | None
    positions: Jsonb
    api_generated_time: datetime


def entrant_prices(entrant: EntrantRow) -> Prices:
    return Prices(
        entrant.fixed_win_odds,
        entrant.fixed_place_odds,
        entrant.pool_win_odds,
        entrant.pool_place_odds,
    )


class OddsObservation(NamedTuple):
    """One price seen at the payload's time; stored only if it differs from the last stored one."""

    entrant_id: UUID
    type: str  # one of PRICE_TYPES
    odds: Decimal


class MoneyObservation(NamedTuple):
    """One entrant's money share seen at the payload's time (increments are computed in SQL),
    with its prices in the same poll (the record of every observation, changed or not)."""

    entrant_id: UUID
    hold_percentage: Decimal
    bet_percentage: Decimal
    win_pool_amount: Decimal | None
    place_pool_amount: Decimal | None
    prices: Prices


class OddsHistoryRow(NamedTuple):
    """odds_history: a price that changed, at the observation time."""

    entrant_id: UUID
    event_timestamp: datetime
    type: str
    odds: Decimal


class MoneyFlowRow(NamedTuple):
    """money_flow_history: one entrant's money and prices at one observation."""

    entrant_id: UUID
    race_id: UUID
    event_timestamp: datetime
    hold_percentage: Decimal
    bet_percentage: Decimal
    win_pool_amount: Decimal | None
    place_pool_amount: Decimal | None
    incremental_win_amount: Decimal | None
    incremental_place_amount: Decimal | None
    time_to_start: Decimal
    time_interval: Decimal
    interval_type: str
    fixed_win_odds: Decimal | None
    fixed_place_odds: Decimal | None
    pool_win_odds: Decimal | None
    pool_place_odds: Decimal | None

    @classmethod
    def of(
        cls,
        batch: RaceBatch,
        flow: MoneyObservation,
        incremental_win: Decimal | None,
        incremental_place: Decimal | None,
    ) -> MoneyFlowRow:
        timing = batch.timing
        return cls(
            flow.entrant_id,
            batch.race_id,
            batch.observed_at,
            flow.hold_percentage,
            flow.bet_percentage,
            flow.win_pool_amount,
            flow.place_pool_amount,
            incremental_win,
            incremental_place,
            timing.time_to_start,
            timing.time_interval,
            timing.interval_type,
            *flow.prices,  # in PRICE_COLUMNS order (checked below)
        )


assert MoneyFlowRow._fields[-len(PRICE_COLUMNS) :] == PRICE_COLUMNS, (
    "MoneyFlowRow.of needs them last"
)


class RaceTiming(NamedTuple):
    """Where the observation sits on the race's timeline (same for every entrant)."""

    time_to_start: Decimal  # minutes to the advertised start, negative after it
    time_interval: Decimal  # the timeline bucket
    interval_type: str  # 5m | 2m | 30s | live


@dataclass(frozen=True)
class RaceBatch:
    """Everything one race event payload writes, in one transaction."""

    race_id: UUID
    observed_at: datetime  # header.generated_time: every history row's event_timestamp
    meeting: EventMeetingRow
    race: RaceRow
    entrants: tuple[EntrantRow, ...]
    pools: tuple[PoolRow, ...]
    result: ResultRow | None
    positions: tuple[PositionRow, ...]
    dividends: tuple[DividendRow, ...]
    odds: tuple[OddsObservation, ...]
    money: tuple[MoneyObservation, ...]
    timing: RaceTiming
    # What the payload held that cannot be stored, by reason (ids pointing nowhere, duplicates).
    skipped: dict[str, int] = field(default_factory=dict)

    def history_only(self) -> RaceBatch:
        """This poll without its current-state rows (an older poll of a backfill needs only
        its observations; entrants' form blocks are most of a body's size)."""
        return replace(self, entrants=(), pools=(), result=None, positions=(), dividends=())


@dataclass(frozen=True)
class MeetingsBatch:
    """A meetings list or meeting detail: meetings and their races, in one transaction."""

    observed_at: datetime
    meetings: tuple[MeetingRow, ...]
    races: tuple[ListedRaceRow, ...]
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RacesListBatch:
    """A races-list page: updates to races already stored."""

    observed_at: datetime
    races: tuple[SummaryRaceRow, ...]
    skipped: dict[str, int] = field(default_factory=dict)


def jsonb(value: Any) -> Jsonb:
    """JSON for a jsonb column, encoded by orjson (a race's runners carry six jsonb fields each:
    the stdlib's encoder was a visible part of a poll's cost)."""
    return Jsonb(value, dumps=fastjson.dumps)


def jsonb_or_none(value: Any) -> Jsonb | None:
    """JSON for a jsonb column; None and empty containers ({} speedmaps, [] lists) are NULL."""
    if value is None or value == {} or value == []:
        return None
    return jsonb(value)
