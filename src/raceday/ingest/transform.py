"""Validated NZTAB payloads -> rows for every table. Pure: no clock, no database.

What needs stored state (is this price a change? what did the entrant hold last time?) is decided
by the writer inside the race's transaction; the transform only says what was observed.

Units follow the schema: dollars to the cent, percentages 0-100, decimal odds to 2 places,
minutes to start to 2 places. Values the columns cannot hold raise `TransformError` naming the
field, instead of failing later inside the database with a numeric overflow.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from raceday.errors import PayloadError
from raceday.ingest.rows import (
    PRICE_TYPES,
    DividendRow,
    EntrantRow,
    EventMeetingRow,
    ListedRaceRow,
    MeetingRow,
    MeetingsBatch,
    MoneyObservation,
    OddsObservation,
    PoolRow,
    PositionRow,
    RaceBatch,
    RaceRow,
    RacesListBatch,
    RaceTiming,
    ResultRow,
    SummaryRaceRow,
    entrant_prices,
    jsonb,
    jsonb_or_none,
)
from raceday.nztab.models import MeetingsList, RaceEvent, RacesList, Runner
from raceday.nztab.payloads import parse_payload

__all__ = [
    "TransformError",
    "interval_type",
    "meetings_batch",
    "minutes_to_start",
    "race_batch",
    "race_batches",
    "races_list_batch",
    "timeline_bucket",
]

_CENT = Decimal("0.01")
# Largest magnitude (exclusive) each numeric(p,2) column can hold.
_LIMIT = {"odds": Decimal(10) ** 8, "money": Decimal(10) ** 10, "minutes": Decimal(10) ** 6}
_SECONDS_LIMIT = Decimal(10) ** 6  # numeric(8,2) times in seconds
_LENGTHS_LIMIT = Decimal(10) ** 4  # numeric(6,2) margins
_WEIGHT_LIMIT = Decimal(1000)  # numeric(5,2) kilograms

_ONE_MICROSECOND = timedelta(microseconds=1)


class TransformError(PayloadError):
    """A validated payload holds a value the schema cannot store; names the field."""


def _fit(value: Decimal | None, limit: Decimal, where: str, *, race_id: UUID) -> Decimal | None:
    """Round to 2 places (as numeric(p,2) does) and refuse what the column cannot hold."""
    if value is None:
        return None
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if abs(rounded) >= limit:
        raise TransformError(
            f"value {value} is too large to store (limit {limit})",
            race_id=str(race_id),
            field_path=where,
        )
    return rounded


_INT4_MAX = 2**31 - 1  # integer columns


def _int4(value: int | None, where: str, *, race_id: UUID | None) -> int | None:
    """An integer column's value, or TransformError naming the field when it cannot hold it."""
    if value is not None and abs(value) > _INT4_MAX:
        raise TransformError(
            f"value {value} is too large to store (limit {_INT4_MAX})",
            race_id=str(race_id) if race_id else None,
            field_path=where,
        )
    return value


def _positive(value: Decimal | None) -> Decimal | None:
    # winning_time / time_ran of 0 mean "not timed"; the schema requires > 0.
    return value if value is not None and value > 0 else None


def _text(value: str | None) -> str | None:
    """Free text as stored: "" (the API's "none") is NULL; outer whitespace is the API's noise."""
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


# --- the timeline (reference notes §5.3, with real minutes to start) -----------------------------


def minutes_to_start(advertised_start: datetime, observed_at: datetime) -> Decimal:
    """Minutes from the observation to the advertised start (negative after it), 2 places."""
    seconds = Decimal((advertised_start - observed_at) // _ONE_MICROSECOND) / Decimal(1_000_000)
    return (seconds / 60).quantize(_CENT, rounding=ROUND_HALF_UP)


def timeline_bucket(minutes: Decimal) -> Decimal:
    """The dashboard's column for an observation: 60, 55, ... 5, 4, 3, 2, 1, 0, -0.5, -1, ...

    Before the start: 5-minute steps down to 5, then whole minutes (floored, so 4.9 -> 4).
    After the start: half-minute steps down to -5, then whole minutes (rounded toward the start).
    """
    if minutes >= 60:
        return Decimal(60)
    if minutes >= 5:
        return Decimal(math.floor(minutes / 5) * 5)
    if minutes >= 0:
        return Decimal(math.floor(minutes))
    if minutes >= -5:
        return -Decimal(math.ceil(-minutes * 2)) / 2
    return Decimal(math.ceil(minutes))


def interval_type(minutes: Decimal) -> str:
    """The polling phase the observation belongs to."""
    if minutes > 30:
        return "5m"
    if minutes > 5:
        return "2m"
    if minutes > 0:
        return "30s"
    return "live"


# --- meetings list / meeting detail ------------------------------------------------------------


def meetings_batch(payload: MeetingsList) -> MeetingsBatch:
    """Meetings and their races. Futures-style pseudo-races (number 0) are skipped and counted."""
    seen = payload.generated_time
    meetings: dict[UUID, MeetingRow] = {}
    races: dict[UUID, ListedRaceRow] = {}
    skipped: Counter[str] = Counter()
    for meeting in payload.data.meetings:
        if meeting.meeting_id in meetings:
            skipped["duplicate meeting"] += 1
            continue
        meetings[meeting.meeting_id] = MeetingRow(
            meeting_id=meeting.meeting_id,
            meeting_name=meeting.name,
            meeting_date=meeting.date_nz,
            country=meeting.country,
            state=_text(meeting.state),
            category=meeting.category,
            category_name=_text(meeting.category_name),
            track_condition=_text(meeting.track_condition),
            tote_status=meeting.tote_status,
            tote_meeting_number=_int4(
                meeting.tote_meeting_number, "data.meetings[].tote_meeting_number", race_id=None
            ),
            tote_raceday_date=meeting.tote_raceday_date,
            video_channels=list(meeting.video_channels) if meeting.video_channels else None,
            quaddie_race_numbers=list(meeting.quaddie) if meeting.quaddie else None,
            early_quaddie_race_numbers=list(meeting.early_quaddie)
            if meeting.early_quaddie
            else None,
            api_generated_time=seen,
            last_polled_at=seen,
        )
        for race in meeting.races:
            if race.race_number == 0:
                skipped["pseudo-race (race_number 0)"] += 1
                continue
            if race.id in races:
                skipped["duplicate race"] += 1
                continue
            races[race.id] = ListedRaceRow(
                race_id=race.id,
                meeting_id=meeting.meeting_id,
                race_number=_int4(
                    race.race_number, "data.meetings[].races[].race_number", race_id=race.id
                )
                or 0,
                name=race.name,
                status=race.status,
                race_date_nz=meeting.date_nz,
                start_time=race.start_time,
                distance=_int4(race.distance, "data.meetings[].races[].distance", race_id=race.id),
                track_condition=_text(race.track_condition),
                weather=_text(race.weather),
                protest=race.protest,
                protest_reason=_text(race.protest_reason),
                api_generated_time=seen,
                last_polled_at=seen,
            )
    return MeetingsBatch(
        observed_at=seen,
        meetings=tuple(meetings.values()),
        races=tuple(races.values()),
        skipped=dict(skipped),
    )


def races_list_batch(payload: RacesList) -> RacesListBatch:
    """Updates for races already stored; the pseudo-race without a number is skipped."""
    seen = payload.generated_time
    rows: dict[UUID, SummaryRaceRow] = {}
    skipped: Counter[str] = Counter()
    for race in payload.data.races:
        if race.number is None or race.number == 0:
            skipped["pseudo-race (no race number)"] += 1
            continue
        if race.id in rows:
            skipped["duplicate race"] += 1
            continue
        rows[race.id] = SummaryRaceRow(
            race_id=race.id,
            meeting_id=race.meeting_id,
            race_number=_int4(race.number, "data.races[].number", race_id=race.id) or 0,
            name=race.name,
            start_time=race.advertised_start,
            actual_start=race.actual_start,
            silk_url=_text(race.silk_url),
            protest=race.protest,
            protest_reason=_text(race.protest_reason),
            api_generated_time=seen,
            last_polled_at=seen,
        )
    return RacesListBatch(observed_at=seen, races=tuple(rows.values()), skipped=dict(skipped))


# --- race event ---------------------------------------------------------------------------------


def race_batch(payload: RaceEvent) -> RaceBatch:
    """Every row one race event payload writes, plus its observations for the history tables."""
    seen = payload.generated_time
    race = payload.race
    race_id = race.event_id
    skipped: Counter[str] = Counter()

    runners = _unique_runners(payload.data.runners, race_id)
    shares, dropped_money_rows = payload.money_tracker_by_entrant()
    if dropped_money_rows:
        skipped["money_tracker rows for unknown entrants"] += dropped_money_rows
    for entrant_id, share in shares.items():
        for name, value in (
            ("hold_percentage", share.hold_percentage),
            ("bet_percentage", share.bet_percentage),
        ):
            if value > 100:
                raise TransformError(
                    f"{name} of entrant {entrant_id} sums to {value}, more than 100 percent",
                    race_id=str(race_id),
                    field_path="data.money_tracker.entrants",
                )

    minutes = minutes_to_start(race.advertised_start, seen)
    if abs(minutes) >= _LIMIT["minutes"]:
        raise TransformError(
            f"advertised start {race.advertised_start.isoformat()} is {minutes} minutes from "
            f"header.generated_time {seen.isoformat()}",
            race_id=str(race_id),
            field_path="data.race.advertised_start",
        )

    entrants = tuple(
        _entrant_row(runner, index, race_id, shares.get(runner.entrant_id), seen)
        for index, runner in runners
    )
    pools = _pool_rows(payload, race_id, seen, skipped)
    result, positions, dividends = _result_rows(payload, race_id, seen, skipped)

    return RaceBatch(
        race_id=race_id,
        observed_at=seen,
        meeting=EventMeetingRow(
            meeting_id=race.meeting_id,
            meeting_name=race.meeting_name,
            meeting_date=race.race_date_nz,
            country=race.country,
            state=_text(race.state),
            category=race.type,
            api_generated_time=seen,
            last_polled_at=seen,
        ),
        race=_race_row(payload, seen),
        entrants=entrants,
        pools=pools,
        result=result,
        positions=positions,
        dividends=dividends,
        odds=tuple(_odds_observations(entrants)),
        money=tuple(_money_observations(payload, entrants, race_id)),
        timing=RaceTiming(minutes, timeline_bucket(minutes), interval_type(minutes)),
        skipped=dict(skipped),
    )


def race_batches(bodies: Iterable[object]) -> list[RaceBatch]:
    """Decoded race-event bodies -> batches in the order a poller writes them (time, race)."""
    batches = []
    for body in bodies:
        payload = parse_payload(body)
        if not isinstance(payload, RaceEvent):
            raise PayloadError(f"not a race event: {type(payload).payload_type}")
        batches.append(race_batch(payload))
    return sorted(batches, key=lambda b: (b.observed_at, str(b.race_id)))


def _unique_runners(runners: Sequence[Runner], race_id: UUID) -> list[tuple[int, Runner]]:
    # Two runners with one id would make the entrant upsert touch a row twice: a wrong payload.
    seen: dict[UUID, int] = {}
    for index, runner in enumerate(runners):
        if runner.entrant_id in seen:
            raise TransformError(
                f"entrant_id {runner.entrant_id} repeats runners[{seen[runner.entrant_id]}]",
                race_id=str(race_id),
                field_path=f"data.runners[{index}].entrant_id",
            )
        seen[runner.entrant_id] = index
    return list(enumerate(runners))


def _race_row(payload: RaceEvent, seen: datetime) -> RaceRow:
    race = payload.race
    money = _fit(
        race.total_prize_money,
        _LIMIT["money"],
        "data.race.prize_monies.total_value",
        race_id=race.event_id,
    )
    return RaceRow(
        race_id=race.event_id,
        meeting_id=race.meeting_id,
        race_number=_int4(race.race_number, "data.race.race_number", race_id=race.event_id) or 0,
        name=race.description,
        status=race.status,
        race_date_nz=race.race_date_nz,
        start_time=race.advertised_start,
        actual_start=race.actual_start,
        distance=_int4(race.distance, "data.race.distance", race_id=race.event_id),
        race_class=_text(race.race_class),
        race_group=_text(race.group),
        track_condition=_text(race.track_condition),
        track_surface=_text(race.track_surface),
        track_direction=_text(race.track_direction),
        track_circumference=_int4(
            race.track_circumference, "data.race.track_circumference", race_id=race.event_id
        ),
        track_home_straight=_int4(
            race.track_home_straight, "data.race.track_home_straight", race_id=race.event_id
        ),
        rail_position=_text(race.rail_position),
        weather=_text(race.weather),
        start_type=_text(race.start_type),
        gait=_text(race.gait),
        total_prize_money=money,
        prize_monies=jsonb_or_none(race.prize_monies),
        entrant_count=_int4(race.entrant_count, "data.race.entrant_count", race_id=race.event_id),
        field_size=_int4(race.field_size, "data.race.field_size", race_id=race.event_id),
        positions_paid=_int4(
            race.positions_paid, "data.race.positions_paid", race_id=race.event_id
        ),
        silk_url=_text(race.silk_url),
        silk_base_url=_text(race.silk_base_url),
        video_channels=list(race.video_channels) if race.video_channels else None,
        video_channels_meta=jsonb_or_none(race.video_channels_meta),
        comment=_text(race.comment),
        protest=race.protest,
        protest_reason=_text(race.protest_reason),
        api_generated_time=seen,
        last_polled_at=seen,
    )


def _entrant_row(
    runner: Runner,
    index: int,
    race_id: UUID,
    share: tuple[Decimal, Decimal] | None,
    seen: datetime,
) -> EntrantRow:
    where = f"data.runners[{index}]"
    odds = runner.odds
    weight = runner.weight

    def price(value: Decimal | None, name: str) -> Decimal | None:
        return _fit(value, _LIMIT["odds"], f"{where}.odds.{name}", race_id=race_id)

    def kilograms(value: Decimal | None, name: str) -> Decimal | None:
        return _fit(value, _WEIGHT_LIMIT, f"{where}.{name}", race_id=race_id)

    return EntrantRow(
        entrant_id=runner.entrant_id,
        race_id=race_id,
        name=runner.name,
        runner_number=_int4(runner.runner_number, f"{where}.runner_number", race_id=race_id) or 0,
        barrier=_int4(runner.barrier, f"{where}.barrier", race_id=race_id),
        is_scratched=runner.is_scratched,
        is_late_scratched=runner.is_late_scratched,
        scratch_time=runner.scratch_time,
        is_emergency=runner.is_emergency,
        emergency_position=_text(runner.emergency_position),
        first_start_indicator=runner.first_start_indicator,
        fixed_win_odds=price(odds.fixed_win, "fixed_win"),
        fixed_place_odds=price(odds.fixed_place, "fixed_place"),
        pool_win_odds=price(odds.pool_win, "pool_win"),
        pool_place_odds=price(odds.pool_place, "pool_place"),
        favourite=runner.favourite,
        mover=runner.mover,
        hold_percentage=_fit(share[0], Decimal(1000), "data.money_tracker", race_id=race_id)
        if share
        else None,
        bet_percentage=_fit(share[1], Decimal(1000), "data.money_tracker", race_id=race_id)
        if share
        else None,
        jockey=_text(runner.jockey),
        apprentice_indicator=_text(runner.apprentice_indicator),
        allowance_weight=kilograms(runner.allowance_weight, "allowance_weight"),
        weight_allocated=kilograms(weight.allocated if weight else None, "weight.allocated"),
        weight_total=kilograms(weight.total if weight else None, "weight.total"),
        trainer_name=_text(runner.trainer_name),
        trainer_location=_text(runner.trainer_location),
        silk_colours=_text(runner.silk_colours),
        silk_url_64x64=_text(runner.silk_url_64x64),
        silk_url_128x128=_text(runner.silk_url_128x128),
        age=runner.age,
        sex=_text(runner.sex),
        colour=_text(runner.colour),
        gear=_text(runner.gear),
        last_twenty_starts=_text(runner.last_twenty_starts),
        form_indicators=jsonb_or_none(runner.form_indicators),
        speedmap=jsonb_or_none(runner.speedmap),
        last_starts=jsonb_or_none(runner.last_starts),
        form_stats=jsonb_or_none(runner.form_stats),
        flucs=jsonb_or_none(runner.flucs_with_timestamp),
        runner_change=jsonb_or_none(runner.runner_change),
        api_generated_time=seen,
    )


def _odds_observations(entrants: Iterable[EntrantRow]) -> Iterable[OddsObservation]:
    for entrant in entrants:
        for kind, odds in zip(PRICE_TYPES, entrant_prices(entrant), strict=True):
            if odds is not None:
                yield OddsObservation(entrant.entrant_id, kind, odds)


def _money_observations(
    payload: RaceEvent, entrants: Sequence[EntrantRow], race_id: UUID
) -> Iterable[MoneyObservation]:
    """Per-entrant shares of the Win and Place pools, in dollars, for entrants the tracker covers.

    The money tracker gives one percentage per entrant (hold: share of the money held); the pools
    give dollars. An entrant's amount in a pool is that pool's total times its hold share.
    """
    win = payload.tote_pool("Win")
    place = payload.tote_pool("Place")
    for entrant in entrants:
        if entrant.hold_percentage is None or entrant.bet_percentage is None:
            continue  # no money_tracker row: no observation (not "0 percent")
        share = entrant.hold_percentage / 100
        yield MoneyObservation(
            entrant_id=entrant.entrant_id,
            hold_percentage=entrant.hold_percentage,
            bet_percentage=entrant.bet_percentage,
            win_pool_amount=_fit(
                win.total * share, _LIMIT["money"], "data.tote_pools[Win].total", race_id=race_id
            )
            if win
            else None,
            place_pool_amount=_fit(
                place.total * share,
                _LIMIT["money"],
                "data.tote_pools[Place].total",
                race_id=race_id,
            )
            if place
            else None,
            prices=entrant_prices(entrant),
        )


def _pool_rows(
    payload: RaceEvent, race_id: UUID, seen: datetime, skipped: Counter[str]
) -> tuple[PoolRow, ...]:
    rows: dict[tuple[str, tuple[int, ...]], PoolRow] = {}
    for index, pool in enumerate(payload.data.tote_pools):
        legs = pool.leg_race_numbers()
        if (pool.product_type, legs) in rows:
            skipped["duplicate tote pool"] += 1
            continue
        where = f"data.tote_pools[{index}]"

        def dollars(value: Decimal | None, name: str, where: str = where) -> Decimal | None:
            return _fit(value, _LIMIT["money"], f"{where}.{name}", race_id=race_id)

        rows[(pool.product_type, legs)] = PoolRow(
            race_id=race_id,
            product_type=pool.product_type,
            leg_race_numbers=list(legs),
            total=dollars(pool.total, "total") or Decimal(0),
            status=_pool_status(pool.status),
            guarantee=dollars(pool.guarantee, "guarantee"),
            brought_forward=dollars(pool.brought_forward, "brought_forward"),
            jackpot=dollars(pool.jackpot, "jackpot"),
            is_final=pool.is_final,
            is_commingled=pool.is_commingled,
            is_concession=pool.is_concession,
            api_generated_time=seen,
        )
    return tuple(rows.values())


def _pool_status(status: str | None) -> str | None:
    # Stored upper case as sent ("CLOSED"); anything else the CHECK would refuse is normalised.
    text = _text(status)
    return text.upper().replace(" ", "_") if text else None


def _result_rows(
    payload: RaceEvent, race_id: UUID, seen: datetime, skipped: Counter[str]
) -> tuple[ResultRow | None, tuple[PositionRow, ...], tuple[DividendRow, ...]]:
    data = payload.data
    if not data.results and not data.dividends:
        return None, (), ()
    known = payload.known_entrant_ids()
    positions: dict[UUID, PositionRow] = {}
    winning_time: Decimal | None = None
    for index, result in enumerate(data.results):
        where = f"data.results[{index}]"
        if result.entrant_id not in known:
            skipped["results for unknown entrants"] += 1
            continue
        if result.entrant_id in positions:
            skipped["duplicate result rows"] += 1
            continue
        time_ran = _positive(
            _fit(result.time_ran, _SECONDS_LIMIT, f"{where}.time_ran", race_id=race_id)
        )
        if result.position == 1 and winning_time is None:
            winning_time = _positive(
                _fit(result.winning_time, _SECONDS_LIMIT, f"{where}.winning_time", race_id=race_id)
            )
        positions[result.entrant_id] = PositionRow(
            entrant_id=result.entrant_id,
            race_id=race_id,
            position=_int4(result.position, f"{where}.position", race_id=race_id) or 0,
            margin_length=_fit(
                result.margin_length, _LENGTHS_LIMIT, f"{where}.margin_length", race_id=race_id
            ),
            positional_margin=_text(result.positional_margin),
            time_ran=time_ran,
            api_generated_time=seen,
        )
    kept = payload.dividends_deduplicated()
    dividends = tuple(
        DividendRow(
            race_id=race_id,
            tote=dividend.tote,
            product_name=dividend.product_name,
            description=dividend.description,
            dividend_id=dividend.id,
            status=dividend.status,
            dividend=_fit(
                dividend.dividend,
                _LIMIT["odds"],
                f"data.dividends[{dividend.id}].dividend",
                race_id=race_id,
            )
            or Decimal(0),
            pool_size=_fit(
                dividend.pool_size,
                _LIMIT["money"],
                f"data.dividends[{dividend.id}].pool_size",
                race_id=race_id,
            ),
            jackpot_size=_fit(
                dividend.jackpot_size,
                _LIMIT["money"],
                f"data.dividends[{dividend.id}].jackpot_size",
                race_id=race_id,
            ),
            positions=jsonb([p.model_dump() for p in dividend.positions]),
            api_generated_time=seen,
        )
        for dividend in kept
    )
    if len(kept) < len(data.dividends):
        skipped["dividends repeated (Interim and Final)"] += len(data.dividends) - len(kept)
    status = payload.race.status
    if status not in ("Interim", "Final"):
        status = "Final" if any(d.status == "Final" for d in kept) else "Interim"
    result_row = ResultRow(race_id, status, winning_time, seen)
    return result_row, tuple(positions.values()), dividends
