"""Pydantic models of the NZTAB bodies raceday ingests: lenient on quirks, strict on wrong values.

These describe what the API *sends* (style guide, example 9); row types and response schemas are
separate families, and `ingest/transform.py` is the bridge. Field names are the API's own, so a
validation error's location reads like a JSON path; the only renames are `meeting` ->
`meeting_id`, `date` -> `date_nz` and `class` -> `race_class` (their aliases are the API names).

Lenient, because the API is inconsistent (data guide §7):
- numbers may arrive as ints, floats or strings ("69510", "57.5", "12%"); "" and null mean None;
- keys come and go: every optional key defaults to None (lists to []); unknown keys are ignored;
- ids that point nowhere (money_tracker rows, tips, mover/favourite) are kept at model level and
  filtered by the helpers on `RaceEvent`.

Strict, because a wrong value must not reach the database: a non-numeric or negative price, a
negative pool total, a percentage outside 0-100, a missing or malformed id, an unknown race
status or category, an impossible time -> `pydantic.ValidationError` with the field's location.

Money and prices are `Decimal`. A JSON number arrives as a float; it is converted through its
shortest repr, which is the number's JSON text (7976.24 stays 7976.24, 96955.38500000001 stays
exactly that), never through binary float arithmetic. Rounding to the schema's scale (cents,
2-decimal odds) is the transform's job, not the model's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, TypeVar
from uuid import UUID

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from raceday.nztab import times

__all__ = [
    "FORM_STAT_KEYS",
    "Category",
    "Dividend",
    "DividendPosition",
    "EventBet",
    "Header",
    "Meeting",
    "MeetingDetail",
    "MeetingRace",
    "MeetingsData",
    "MeetingsList",
    "MoneyShare",
    "MoneyTracker",
    "MoneyTrackerRow",
    "Odds",
    "Payload",
    "RaceDetail",
    "RaceEvent",
    "RaceEventData",
    "RaceStatus",
    "RaceSummary",
    "RacesList",
    "RacesListData",
    "Result",
    "Runner",
    "Substitution",
    "TotePool",
    "ToteTrends",
    "Weight",
]

RaceStatus = Literal["Open", "Closed", "Interim", "Final", "Abandoned"]
Category = Literal["T", "H", "G"]
DividendStatus = Literal["Interim", "Final"]

# The runner stat blocks the schema keeps together as `entrants.form_stats` (docs/schema.md).
FORM_STAT_KEYS: tuple[str, ...] = (
    "overall", "track", "distance", "track_distance", "first_up", "second_up", "third_up",
    "fourth_up", "good", "soft", "heavy", "slow", "firm", "turf", "synthetic", "left_handed",
    "right_handed", "hurdle", "steeple", "fresh_30", "fresh_90", "weight_for_age",
    "last_12_months", "past_performances", "jockey_past_performances",
    "win_p", "place_p", "last_12_w", "last_12_p",
)  # fmt: skip

# No NZTAB quantity (dollars, odds, metres, ids, epoch seconds) comes near 10^15; a bigger value is
# garbage, and refusing it keeps Decimal/int arithmetic downstream bounded.
_MAX_MAGNITUDE = 10**15
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_INT_TEXT = re.compile(r"[+-]?[0-9]{1,16}")
_TOTE_CLOCK_TEXT = re.compile(r"[0-9]{1,2}:[0-5][0-9]:[0-5][0-9]")
_NZ_CLOCK_TEXT = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9] NZ[SD]T")


# --- lenient scalars ----------------------------------------------------------------------------

_T = TypeVar("_T")


def _to_decimal(value: object, *, percent: bool) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):  # bool is an int subclass; True is never a price
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        number = Decimal(repr(value))  # the shortest repr is the JSON text; see module docstring
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"expected a finite number, got {value!r}")
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if percent and text.endswith("%"):
            text = text[:-1].rstrip()
        if text == "":
            return None
        if _NUMBER_TEXT.fullmatch(text) is None:
            raise ValueError(f"not a number: {value!r}")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"expected a number, got {type(value).__name__}")
    if abs(number) >= _MAX_MAGNITUDE:
        raise ValueError(f"number out of range: {value!r}")
    return number


def _number(
    *, required: bool, ge: int | None = None, le: int | None = None, percent: bool = False
) -> Callable[[object], Decimal | None]:
    def validate(value: object) -> Decimal | None:
        number = _to_decimal(value, percent=percent)
        if number is None:
            if required:
                raise ValueError("a number is required")
            return None
        if ge is not None and number < ge:
            raise ValueError(f"must be >= {ge}, got {number}")
        if le is not None and number > le:
            raise ValueError(f"must be <= {le}, got {number}")
        return number

    return validate


def _integer(
    *, required: bool, ge: int | None = None, le: int | None = None
) -> Callable[[object], int | None]:
    def validate(value: object) -> int | None:
        if value is None or (isinstance(value, str) and value.strip() == ""):
            if required:
                raise ValueError("an integer is required")
            return None
        if isinstance(value, bool):
            raise ValueError(f"expected an integer, got {value!r}")
        if isinstance(value, int):
            number = value
        elif (isinstance(value, float) and value.is_integer()) or (
            isinstance(value, Decimal)
            and value.is_finite()
            and abs(value) < _MAX_MAGNITUDE  # before int(): Decimal("1e999999") is a huge int
            and value == int(value)
        ):
            number = int(value)
        elif isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
            number = int(value.strip())
        else:
            raise ValueError(f"expected an integer, got {value!r}")
        if abs(number) >= _MAX_MAGNITUDE:
            raise ValueError(f"integer out of range: {value!r}")
        if ge is not None and number < ge:
            raise ValueError(f"must be >= {ge}, got {number}")
        if le is not None and number > le:
            raise ValueError(f"must be <= {le}, got {number}")
        return number

    return validate


def _optional_text_time(parse: Callable[[str], _T]) -> Callable[[object], _T | None]:
    # "" and null mean "not given" for every optional time or date NZTAB sends as text.
    def validate(value: object) -> _T | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {type(value).__name__}: {value!r}")
        return parse(value)

    return validate


def _required_text_time(parse: Callable[[str], _T]) -> Callable[[object], _T]:
    def validate(value: object) -> _T:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {type(value).__name__}: {value!r}")
        return parse(value)

    return validate


def _tote_clock_text(value: object) -> str | None:
    # Kept as text (it only means something with the meeting's tote_raceday_date), but checked,
    # so `Meeting.tote_start` cannot fail later on a value that validation let through.
    if value is None or value == "":
        return None
    if not isinstance(value, str) or _TOTE_CLOCK_TEXT.fullmatch(value) is None:
        raise ValueError(f"not a tote clock time ('HH:MM:SS'): {value!r}")
    if int(value.split(":", 1)[0]) >= times.MAX_TOTE_HOURS:
        raise ValueError(f"tote clock time out of range: {value!r}")
    return value


def _nz_clock_text(value: object) -> str | None:
    # Kept as text (which calendar day it belongs to is not always race_date_nz, see
    # times.parse_nz_clock), but its form is checked here.
    if value is None or value == "":
        return None
    if not isinstance(value, str) or _NZ_CLOCK_TEXT.fullmatch(value) is None:
        raise ValueError(f"not an NZ clock time ('12:50:00 NZST' or NZDT): {value!r}")
    return value


def _none_to_empty_list(value: object) -> object:
    return [] if value is None else value


# Prices: decimal odds per 1 dollar. 0 is legal (the API's "not offered").
Price = Annotated[Decimal, BeforeValidator(_number(required=True, ge=0))]
OptPrice = Annotated[Decimal | None, BeforeValidator(_number(required=False, ge=0))]
# Money: dollars, never cents.
Money = Annotated[Decimal, BeforeValidator(_number(required=True, ge=0))]
OptMoney = Annotated[Decimal | None, BeforeValidator(_number(required=False, ge=0))]
OptDecimal = Annotated[Decimal | None, BeforeValidator(_number(required=False))]
OptNonNegDecimal = Annotated[Decimal | None, BeforeValidator(_number(required=False, ge=0))]
# Percentages: whole or fractional percentage points 0-100 (11 = 11 %); "12%" is read as 12.
Percent = Annotated[Decimal, BeforeValidator(_number(required=True, ge=0, le=100, percent=True))]
OptPercent = Annotated[
    Decimal | None, BeforeValidator(_number(required=False, ge=0, le=100, percent=True))
]
Count = Annotated[int, BeforeValidator(_integer(required=True, ge=0))]
OptCount = Annotated[int | None, BeforeValidator(_integer(required=False, ge=0))]
OptInt = Annotated[int | None, BeforeValidator(_integer(required=False))]

UtcTimestamp = Annotated[datetime, BeforeValidator(_required_text_time(times.parse_utc_timestamp))]
OptUtcTimestamp = Annotated[
    datetime | None, BeforeValidator(_optional_text_time(times.parse_utc_timestamp))
]
EpochInstant = Annotated[datetime, BeforeValidator(times.parse_epoch_seconds)]
OptEpochInstant = Annotated[datetime | None, BeforeValidator(times.parse_optional_epoch_seconds)]
# Go's zero time ("0001-01-01 00:00:00 +0000 UTC") is how Go prints "not set", like epoch 0.
_GO_ZERO_TIME = "0001-01-01 00:00:00 +0000 UTC"
OptGoTimestamp = Annotated[
    datetime | None,
    BeforeValidator(_optional_text_time(times.parse_go_timestamp)),
    BeforeValidator(
        lambda v: None if v == _GO_ZERO_TIME else v
    ),  # before validators run last-first
]
IsoDate = Annotated[date, BeforeValidator(_required_text_time(times.parse_iso_date))]
OptIsoDate = Annotated[date | None, BeforeValidator(_optional_text_time(times.parse_iso_date))]
DressedDate = Annotated[date, BeforeValidator(_required_text_time(times.parse_dressed_date))]
OptNzLocalMinute = Annotated[
    datetime | None, BeforeValidator(_optional_text_time(times.parse_nz_local_minute))
]
OptToteClock = Annotated[str | None, BeforeValidator(_tote_clock_text)]
OptNzClock = Annotated[str | None, BeforeValidator(_nz_clock_text)]

JsonObject = dict[str, Any]
# Names of meetings, races and runners: a row without one is useless (the schema agrees).
Name = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class _Model(BaseModel):
    # frozen: a validated payload is a fact about one response; nobody should edit it in place.
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


# --- envelope ----------------------------------------------------------------------------------


class Header(_Model):
    """The envelope every NZTAB response starts with.

    `generated_time` is the observation instant: history rows take it as `event_timestamp`,
    parsed only by `times.parse_utc_timestamp` (truncated to microseconds) so replays match.
    """

    title: str | None = None
    generated_time: UtcTimestamp
    url: str | None = None
    error: str | None = None
    error_code: int | str | None = None


class _Envelope(_Model):
    payload_type: ClassVar[str]

    header: Header
    # The server's echo of the query; its shape differs per endpoint and it can hold junk
    # (data guide §7.10), so it is kept as sent and never relied on.
    params: JsonObject | None = None

    @property
    def generated_time(self) -> datetime:
        """`header.generated_time`: when NZTAB produced this body (UTC, truncated to µs)."""
        return self.header.generated_time


# --- meetings list / meeting detail ------------------------------------------------------------


class MeetingRace(_Model):
    """One race of `data.meetings[].races[]` (schema MeetingRace)."""

    id: UUID
    race_number: Count  # 0 only for futures pseudo-races
    name: Name
    start_time: UtcTimestamp  # the advertised start
    tote_start_time: OptToteClock = None  # "26:22:00", counted from the meeting's tote_raceday_date
    track_condition: str | None = None
    distance: OptCount = None
    weather: str | None = None
    country: str | None = None
    state: str | None = None
    status: RaceStatus
    protest: bool = False  # only ever sent as true; absent means no protest
    protest_reason: str | None = None


class Meeting(_Model):
    """One meeting of `data.meetings[]`: a venue on one NZ racing day, with its races."""

    meeting_id: UUID = Field(alias="meeting")
    name: Name
    date_nz: DressedDate = Field(alias="date")  # the NZ racing day dressed as UTC midnight
    track_condition: str | None = None
    category: Category
    category_name: str | None = None
    country: str
    state: str | None = None
    races: list[MeetingRace] = Field(default_factory=list)
    video_channels: list[str] | None = None
    quaddie: list[Count] | None = None
    early_quaddie: list[Count] | None = None
    tote_running_double: list[list[Count]] | None = None
    tote_treble: list[list[Count]] | None = None
    tote_meeting_number: OptCount = None
    tote_raceday_date: OptIsoDate = None  # can differ from date_nz (Clairefontaine: a day earlier)
    tote_status: Literal["Open", "Closed"] | None = None
    meeting_date: OptIsoDate = None  # meeting detail only; "YYYY-MM-DD" despite the spec

    _none_lists = field_validator("races", mode="before")(_none_to_empty_list)

    def tote_start(self, race: MeetingRace) -> datetime | None:
        """`race.tote_start_time` read as an instant, counted from this meeting's tote day."""
        if race.tote_start_time is None or self.tote_raceday_date is None:
            return None
        return times.parse_tote_clock(race.tote_start_time, self.tote_raceday_date)


class MeetingsData(_Model):
    meetings: list[Meeting]

    _none_lists = field_validator("meetings", mode="before")(_none_to_empty_list)


class MeetingsList(_Envelope):
    """`GET /racing/meetings`: the meetings of a racing day with their races."""

    payload_type: ClassVar[str] = "meetings"
    data: MeetingsData

    def iter_races(self) -> Iterator[tuple[Meeting, MeetingRace]]:
        """Every race with its meeting, in payload order."""
        for meeting in self.data.meetings:
            for race in meeting.races:
                yield meeting, race


class MeetingDetail(MeetingsList):
    """`GET /racing/meetings/{id}`: the same shape as the list, one meeting plus detail fields."""

    payload_type: ClassVar[str] = "meeting"


# --- races list --------------------------------------------------------------------------------


class RaceSummary(_Model):
    """One race of `data.races[]` (schema RaceSummary). Note `number`, not `race_number`."""

    id: UUID
    name: Name
    number: OptCount = None  # missing on pseudo-races ("Cambridge (G)"); such a row is no race
    meeting_id: UUID
    advertised_start: UtcTimestamp
    actual_start: OptUtcTimestamp = None
    silk_url: str | None = None
    protest: bool = False
    protest_reason: str | None = None


class RacesListData(_Model):
    races: list[RaceSummary]
    next_page_token: str | None = None

    _none_lists = field_validator("races", mode="before")(_none_to_empty_list)


class RacesList(_Envelope):
    """`GET /racing/list`: one page of races ordered by advertised start."""

    payload_type: ClassVar[str] = "races_list"
    data: RacesListData


# --- race event --------------------------------------------------------------------------------


class RaceDetail(_Model):
    """`data.race` of the event endpoint."""

    event_id: UUID
    meeting_id: UUID
    meeting_name: Name
    display_meeting_name: str | None = None
    status: RaceStatus
    description: Name  # the race name
    advertised_start: EpochInstant  # the stored start: the single source of truth
    actual_start: OptEpochInstant = None
    advertised_start_string: OptGoTimestamp = None
    actual_start_string: OptGoTimestamp = None
    race_date_nz: IsoDate  # the racing day; never derive it from the start time
    # "12:50:00 NZST": kept as text (the schema generates start_time_nz from advertised_start);
    # `start_time_nz_instant()` reads it for cross-checks.
    start_time_nz: OptNzClock = None
    race_number: Count
    type: Category
    start_type: str | None = None
    country: str
    state: str | None = None
    distance: OptCount = None
    weather: str | None = None
    form_guide: str | None = None
    comment: str | None = None
    silk_base_url: str | None = None
    silk_url: str | None = None
    track_condition: str | None = None
    track_direction: str | None = None
    track_surface: str | None = None
    track_circumference: OptCount = None
    track_home_straight: OptCount = None
    entrant_count: OptCount = None
    field_size: OptCount = None
    positions_paid: OptCount = None
    video_channels: list[str] | None = None
    video_channels_meta: JsonObject | None = None
    tips: list[UUID] = Field(default_factory=list)  # may name entrants not in runners[]
    rail_position: str | None = None
    group: str | None = None
    race_class: str | None = Field(default=None, alias="class")
    gait: str | None = None
    prize_monies: JsonObject | None = None  # {"1st": 9520, ..., "total_value": 17000}, dollars
    protest: bool = False
    protest_reason: str | None = None

    _none_lists = field_validator("tips", mode="before")(_none_to_empty_list)

    @field_validator("prize_monies")
    @classmethod
    def _prize_monies_are_money(cls, value: JsonObject | None) -> JsonObject | None:
        # Kept whole for the dashboard, but every amount must be money, so the transform can
        # read total_value without failing later.
        for key, amount in (value or {}).items():
            try:
                _number(required=False, ge=0)(amount)
            except ValueError as exc:
                raise ValueError(f"prize_monies[{key!r}]: {exc}") from None
        return value

    @property
    def total_prize_money(self) -> Decimal | None:
        """`prize_monies.total_value` in dollars."""
        return _to_decimal((self.prize_monies or {}).get("total_value"), percent=False)

    def start_time_nz_instant(self) -> datetime | None:
        """`start_time_nz` combined with `race_date_nz` (see `times.parse_nz_clock`)."""
        if not self.start_time_nz:
            return None
        return times.parse_nz_clock(self.start_time_nz, self.race_date_nz)


class Odds(_Model):
    """`runners[].odds`: decimal prices; any may be missing (mover has no pool odds)."""

    fixed_win: OptPrice = None
    fixed_place: OptPrice = None
    pool_win: OptPrice = None
    pool_place: OptPrice = None


class Weight(_Model):
    """`runners[].weight`: kilograms, sent as strings ("57.5")."""

    allocated: OptNonNegDecimal = None
    total: OptNonNegDecimal = None


class Runner(_Model):
    """One runner of `data.runners[]`; also the shape of `data.favourite` and `data.mover`.

    Nested blocks the dashboard shows whole stay JSON: `speedmap`, `last_starts`,
    `form_indicators`, `runner_change`, `flucs_with_timestamp`, and the stat blocks gathered
    into `form_stats` (keys `FORM_STAT_KEYS`, as sent).
    """

    entrant_id: UUID
    name: Name
    runner_number: Annotated[int, BeforeValidator(_integer(required=True, ge=1))]
    barrier: OptCount = None
    market_name: str | None = None
    primary_market: bool | None = None
    is_scratched: bool = False
    is_late_scratched: bool = False
    is_emergency: bool = False
    emergency_position: str | None = None
    scratch_time: OptEpochInstant = None  # epoch seconds; 0 = not scratched
    first_start_indicator: bool = False
    foaling_date: OptIsoDate = None
    age: Annotated[int | None, BeforeValidator(_integer(required=False, ge=0, le=40))] = None
    sex: str | None = None
    colour: str | None = None
    odds: Odds = Field(default_factory=Odds)
    gear: str | None = None
    prize_money: OptMoney = None  # "69510": career dollars, sent as a string
    class_level: str | None = None
    rating: OptDecimal = None
    handicap_rating: OptDecimal = None
    jockey: str | None = None
    apprentice_indicator: str | None = None
    allowance_weight: OptNonNegDecimal = None  # kg, "" when none
    weight: Weight | None = None
    owners: str | None = None
    country: str | None = None
    trainer_name: str | None = None
    trainer_location: str | None = None
    last_twenty_starts: str | None = None
    sire: str | None = None
    dam: str | None = None
    dam_dam: str | None = None
    dam_sire: str | None = None
    breeding: str | None = None
    silk_colours: str | None = None
    silk_url_64x64: str | None = None
    silk_url_128x128: str | None = None
    alt_silk_url_64x64: str | None = None
    alt_silk_url_128x128: str | None = None
    favourite: bool = False
    mover: bool = False
    competitor_id: str | None = None
    horse_id: OptInt = None
    spr: OptInt = None
    win_p: OptPercent = None
    place_p: OptPercent = None
    last_12_w: OptPercent = None
    last_12_p: OptPercent = None
    last_12_months_prize_money: JsonObject | None = None  # {"NZD": 96955.38500000001}
    runner_change: JsonObject | None = None  # keys "DD/MM/YYYY"
    speedmap: JsonObject | None = None  # can be {}
    form_indicators: list[Any] | None = None
    last_starts: list[JsonObject] | None = None  # every value a string
    flucs: list[Price] | None = None  # fixed-win price history; the last is the current price
    flucs_with_timestamp: JsonObject | None = None
    picks: list[JsonObject] | None = None
    runner_win_history: list[JsonObject] | None = None
    form_stats: JsonObject = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _gather_form_stats(cls, data: Any) -> Any:
        # The stat blocks are ~30 sibling keys; gather them (as sent) into one JSON object, the
        # shape of the `form_stats` column, instead of declaring each block as a field.
        if isinstance(data, dict):
            stats = {key: data[key] for key in FORM_STAT_KEYS if key in data}
            return {**data, "form_stats": stats}
        return data


class Result(_Model):
    """One placing of `data.results[]`. Dead heats repeat a position: never key by it."""

    position: Annotated[int, BeforeValidator(_integer(required=True, ge=1))]
    entrant_id: UUID
    name: str | None = None
    barrier: OptCount = None
    runner_number: OptCount = None
    margin_length: OptNonNegDecimal = None  # lengths behind the winner, cumulative
    positional_margin: str | None = None
    winning_time: OptNonNegDecimal = None  # seconds; winner row only
    time_ran: OptNonNegDecimal = None  # seconds; winner row only


class DividendPosition(_Model):
    runner_number: Count
    position: Count  # for a Double: the leg number


class Dividend(_Model):
    """One row of `data.dividends[]`; each dividend arrives twice (Interim and Final)."""

    id: UUID
    tote: str
    product_name: str
    status: DividendStatus
    dividend: Price  # dollars per 1 dollar unit
    pool_size: OptMoney = None
    jackpot_size: OptMoney = None
    positions: list[DividendPosition] = Field(default_factory=list)
    description: str  # "7", "2:4", "2/4", "concession:2/7"; Place: one row per placed runner

    _none_lists = field_validator("positions", mode="before")(_none_to_empty_list)

    @property
    def key(self) -> tuple[str, str, str]:
        """(tote, product_name, description): what one paid dividend is, whatever its status."""
        return (self.tote, self.product_name, self.description)


class Substitution(_Model):
    """`data.substitutions[]`: probably the tote's substitute runner for late-scratching refunds."""

    entrant_id: UUID
    tote: str | None = None
    product_name: str | None = None


class MoneyTrackerRow(_Model):
    """One row of `money_tracker.entrants[]`: a piece of an entrant's share, in percent."""

    entrant_id: UUID
    hold_percentage: Percent
    bet_percentage: Percent


class MoneyTracker(_Model):
    entrants: list[MoneyTrackerRow] = Field(default_factory=list)

    _none_lists = field_validator("entrants", mode="before")(_none_to_empty_list)


class MoneyShare(NamedTuple):
    """An entrant's summed money_tracker share, in percent of the pool."""

    hold_percentage: Decimal
    bet_percentage: Decimal


class ToteTrends(_Model):
    """`tote_pools[].tote_trends`, on exotic and multi-race pools only."""

    pool_total: OptMoney = None  # differs from the pool's `total`
    final_leg_start_time: OptNzLocalMinute = None  # "2025-07-17 14:34", NZ local
    tote_trends_data: str | None = None  # an XML document with CRLF line endings, kept as text


class TotePool(_Model):
    """One pool of `data.tote_pools[]`; totals are dollars."""

    product_type: str
    total: Money
    status: str | None = None  # "CLOSED": upper case, unlike race status
    guarantee: OptMoney = None
    brought_forward: OptMoney = None
    jackpot: OptMoney = None
    terminating: bool | None = None
    leg: OptInt = None
    is_commingled: bool | None = None
    commingled_info: bool | None = None
    is_concession: bool | None = None
    is_final: bool | None = None  # missing on multi-race pools
    win_investment: OptDecimal = None  # "71800" or ""; meaning unknown
    will_pay_live_units: OptDecimal = None
    will_pay_current_leg: OptInt = None
    qla_odds: list[JsonObject] | None = None
    will_pays: list[JsonObject] | None = None
    quaddie: list[Count] | None = None
    early_quaddie: list[Count] | None = None
    tote_running_double: list[list[Count]] | None = None
    tote_treble: list[list[Count]] | None = None
    tote_trends: ToteTrends | None = None

    @field_validator("product_type")
    @classmethod
    def _product_type_is_trimmed(cls, value: str) -> str:
        if value != value.strip() or not value:
            raise ValueError(f"product_type must be non-empty, without outer spaces: {value!r}")
        return value

    def leg_race_numbers(self) -> tuple[int, ...]:
        """Race numbers of a multi-race pool's legs; () for a single-race pool."""
        for legs in (self.quaddie, self.early_quaddie):
            if legs:
                return tuple(legs)
        for groups in (self.tote_running_double, self.tote_treble):
            if groups and groups[0]:
                return tuple(groups[0])
        return ()


class EventBet(_Model):
    """One of `big_bets[]`, `live_bets[]` or `biggest_bet` (only present when requested)."""

    title: str
    description: list[str] = Field(default_factory=list)
    stake: Money
    place_odds: OptPrice = None
    place_time: OptUtcTimestamp = None
    legs: list[JsonObject] | None = None

    _none_lists = field_validator("description", mode="before")(_none_to_empty_list)


class RaceEventData(_Model):
    """`data` of the event endpoint. The runner list is `runners`; `entrants` is accepted too."""

    race: RaceDetail
    runners: list[Runner] = Field(validation_alias=AliasChoices("runners", "entrants"))
    results: list[Result] = Field(default_factory=list)
    dividends: list[Dividend] = Field(default_factory=list)
    substitutions: list[Substitution] = Field(default_factory=list)
    # Runner-shaped, but their ids can point nowhere (data guide §4.4): use runners[].favourite
    # and runners[].mover instead.
    favourite: Runner | None = None
    mover: Runner | None = None
    money_tracker: MoneyTracker | None = None
    tote_pools: list[TotePool] = Field(default_factory=list)
    big_bets: list[EventBet] | None = None
    live_bets: list[EventBet] | None = None
    biggest_bet: EventBet | None = None
    error: str | None = None

    _none_lists = field_validator(
        "runners", "results", "dividends", "substitutions", "tote_pools", mode="before"
    )(_none_to_empty_list)


class RaceEvent(_Envelope):
    """`GET /racing/events/{id}`: one race with runners, results, dividends, pools and money."""

    payload_type: ClassVar[str] = "race_event"
    data: RaceEventData

    @property
    def race(self) -> RaceDetail:
        return self.data.race

    @property
    def race_id(self) -> UUID:
        return self.data.race.event_id

    def known_entrant_ids(self) -> frozenset[UUID]:
        """The entrant ids of `runners[]`: the only ids other sections may be joined to."""
        return frozenset(runner.entrant_id for runner in self.data.runners)

    def money_tracker_by_entrant(self) -> tuple[dict[UUID, MoneyShare], int]:
        """Sum `money_tracker.entrants[]` per known entrant; return (shares, dropped row count).

        The rows are pieces of one distribution, not snapshots: the samples have 76 rows for 8
        runners, and all rows together sum to about 100 (101 and 105), so an entrant's share is
        the sum of its rows (keeping the "last" row would keep an arbitrary piece). Rows whose
        entrant is not in `runners[]` cannot be stored; they are dropped and counted. Runners
        without any row are absent from the dict (no observation, not 0).
        """
        known = self.known_entrant_ids()
        holds: dict[UUID, Decimal] = {}
        bets: dict[UUID, Decimal] = {}
        dropped = 0
        rows = self.data.money_tracker.entrants if self.data.money_tracker else []
        for row in rows:
            if row.entrant_id not in known:
                dropped += 1
                continue
            holds[row.entrant_id] = holds.get(row.entrant_id, Decimal(0)) + row.hold_percentage
            bets[row.entrant_id] = bets.get(row.entrant_id, Decimal(0)) + row.bet_percentage
        return {key: MoneyShare(holds[key], bets[key]) for key in holds}, dropped

    def dividends_deduplicated(self) -> list[Dividend]:
        """One dividend per (tote, product_name, description), Final preferred over Interim.

        Every dividend arrives twice with different ids, once Interim and once Final. The key
        keeps Place's one row per placed runner apart (descriptions "2", "4", "7"). Among rows
        of equal status the first in payload order wins; the result keeps first-seen key order.
        """
        kept: dict[tuple[str, str, str], Dividend] = {}
        for dividend in self.data.dividends:
            current = kept.get(dividend.key)
            if current is None or (current.status != "Final" and dividend.status == "Final"):
                kept[dividend.key] = dividend
        return list(kept.values())

    def tote_pool(self, product_type: str) -> TotePool | None:
        """The first pool of `product_type` ("Win", "Place", ...), or None."""
        return next((p for p in self.data.tote_pools if p.product_type == product_type), None)


Payload = MeetingsList | MeetingDetail | RacesList | RaceEvent
