"""Reading the query of each route the way NZTAB does, pure: values in, a typed query out.

Every problem is a `QueryError` naming the parameter, which the app answers with a 400 error
envelope. The quirks are the real API's (data guide §4, §5): a `YYYY-MM-DD` or `today` bound is
a **UTC** calendar day, the meetings list with no dates reads "now" cut to the minute, and the
params echo has the sample's keys and oddities (`type: " "`, `will_pays` for `with_will_pays`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from urllib.parse import quote, urlencode
from uuid import UUID

from raceday.sim.instants import NS, parse_rfc3339_ns, rfc3339, utc_day_bounds_ns
from raceday.sim.paging import decode_token, request_hash

__all__ = [
    "MAX_LIMIT",
    "MAX_SPAN_NS",
    "Bound",
    "EventQuery",
    "MeetingsQuery",
    "QueryError",
    "QueryItems",
    "RacesListQuery",
    "canonical_url",
    "read_event_query",
    "read_meeting_query",
    "read_meetings_query",
    "read_races_list_query",
    "read_uuid",
]

QueryItems = Sequence[tuple[str, str]]

MAX_LIMIT = 200  # the spec: "Default: 100 Max: 200"
DEFAULT_LIMIT = 100
# The simulator builds each NZ day it lists; a week is plenty for any poller and keeps a stray
# date_to=2100-01-01 from building thousands of days.
MAX_SPAN_NS = 7 * 86_400 * NS
_MINUTE_NS = 60 * NS
_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})  # Go's strconv.ParseBool
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})
_CATEGORIES = frozenset({"T", "H", "G"})
_BOUND_HINT = "use YYYY-MM-DD (a UTC day), today, or an RFC 3339 instant like 2025-07-17T10:48:00Z"


class QueryError(ValueError):
    """A query parameter the server cannot use; `parameter` names it."""

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__(f"{parameter}: {reason}")
        self.parameter = parameter
        self.reason = reason


@dataclass(frozen=True)
class Bound:
    """A date_from/date_to as the server parsed it: an instant in nanoseconds."""

    ns: int

    @property
    def text(self) -> str:
        return rfc3339(self.ns)


def canonical_url(path: str, items: QueryItems) -> str:
    """`header.url`: the path plus the query as served, sorted by name, spaces as %20."""
    if not items:
        return path
    ordered = sorted(items, key=lambda item: item[0])  # stable: repeated names keep their order
    return f"{path}?{urlencode(ordered, quote_via=quote)}"


def read_uuid(parameter: str, text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise QueryError(parameter, f"not a UUID: {text!r}") from None


# --- generic readers ---------------------------------------------------------------------------


class _Reader:
    """The first value of each parameter, with typed readers that name the parameter on error."""

    def __init__(self, items: QueryItems) -> None:
        self.items = items
        self.first: dict[str, str] = {}
        for name, value in items:
            self.first.setdefault(name, value)

    def text(self, name: str) -> str | None:
        value = self.first.get(name)
        return None if value is None or value.strip() == "" else value.strip()

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise QueryError(name, f"not an integer: {raw!r}") from None
        if not low <= value <= high:
            raise QueryError(name, f"must be between {low} and {high}, got {value}")
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        raw = self.text(name)
        if raw is None:
            return default
        if raw in _TRUE:
            return True
        if raw in _FALSE:
            return False
        raise QueryError(name, f"not a boolean: {raw!r} (use true or false)")

    def words(self, name: str) -> tuple[str, ...] | None:
        """A comma-separated list, upper-cased; None when absent."""
        raw = self.text(name)
        if raw is None:
            return None
        words = tuple(word.strip().upper() for word in raw.split(",") if word.strip())
        return words or None

    def categories(self, name: str) -> tuple[str, ...] | None:
        words = self.words(name)
        bad = [w for w in words or () if w not in _CATEGORIES]
        if bad:
            raise QueryError(name, f"unknown category {bad[0]!r} (use T, H or G)")
        return words

    def encoding(self) -> None:
        raw = self.text("enc")
        if raw is not None and raw.lower() != "json":
            raise QueryError("enc", f"the simulator serves json only, got {raw!r}")


def _bound(name: str, raw: str, now_ns: int, *, end: bool) -> Bound:
    """One end of a range: an instant as given, or the first/last nanosecond of a UTC day."""
    if raw.lower() == "today":
        day = _utc_date(now_ns)
    elif raw.lower() in {"week", "month", "all"}:
        raise QueryError(name, f"{raw!r} is not served by the simulator ({_BOUND_HINT})")
    else:
        instant = parse_rfc3339_ns(raw)
        if instant is not None:
            return Bound(instant)
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise QueryError(name, f"not a date or instant: {raw!r} ({_BOUND_HINT})") from None
        if len(raw) != 10:  # fromisoformat also reads "20250717"; the API takes YYYY-MM-DD
            raise QueryError(name, f"not a date or instant: {raw!r} ({_BOUND_HINT})")
    first, last = utc_day_bounds_ns(day)
    return Bound(last if end else first)


def _utc_date(ns: int) -> date:
    return date.fromordinal(date(1970, 1, 1).toordinal() + ns // (86_400 * NS))


def _range(reader: _Reader, now_ns: int, default: Literal["now", "today"]) -> tuple[Bound, Bound]:
    """[date_from, date_to], both inclusive, with the endpoint's default when neither is given.

    An end left out takes the other end's value: a whole day then covers that day, an instant
    is a point (the meetings list then returns the racing days that contain it).
    """
    raw_from, raw_to = reader.text("date_from"), reader.text("date_to")
    if raw_from is None and raw_to is None:
        if default == "now":  # the sample's echo: both bounds "now" cut to the minute
            minute = Bound(now_ns - now_ns % _MINUTE_NS)
            return minute, minute
        raw_from = "today"
    from_name, to_name = "date_from", "date_to"
    if raw_from is None:
        raw_from, from_name = raw_to, "date_to"
    if raw_to is None:
        raw_to, to_name = raw_from, "date_from"
    assert raw_from is not None and raw_to is not None
    low = _bound(from_name, raw_from, now_ns, end=False)
    high = _bound(to_name, raw_to, now_ns, end=True)
    if high.ns < low.ns:
        raise QueryError("date_to", f"{high.text} is before date_from {low.text}")
    if high.ns - low.ns > MAX_SPAN_NS:
        raise QueryError("date_to", "the simulator lists at most 7 days at once")
    return low, high


def _page(reader: _Reader, hashed: str) -> tuple[int, str]:
    token = reader.text("page_token")
    if token is None:
        return 1, ""
    try:
        decoded = decode_token(token)
    except ValueError as exc:
        raise QueryError("page_token", str(exc)) from None
    if decoded.page_request_hash != hashed:
        raise QueryError(
            "page_token", "belongs to another query (send the same parameters with it)"
        )
    return decoded.page_number, token


# --- meetings list -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingsQuery:
    """GET /racing/meetings."""

    date_from: Bound
    date_to: Bound
    categories: tuple[str, ...] | None
    countries: tuple[str, ...] | None
    ids: tuple[str, ...] | None
    meeting_numbers: tuple[int, ...] | None
    limit: int
    offset: int
    futures: bool
    page_number: int
    request_hash: str
    category_text: str | None
    country_text: str | None

    @property
    def start(self) -> int:
        """Index of the first meeting of this page in the whole listing."""
        return self.offset + (self.page_number - 1) * self.limit

    def params(self) -> dict[str, Any]:
        """The echo, in the sample's key order; absent type/country are single spaces."""
        return {
            "enc": "json",
            "ids": list(self.ids) if self.ids else None,
            "date_from": self.date_from.text,
            "date_to": self.date_to.text,
            "type": self.category_text or " ",
            "country": self.country_text or " ",
            "limit": self.limit,
            "offset": self.offset,
            "futures": self.futures,
            "meeting_numbers": list(self.meeting_numbers) if self.meeting_numbers else None,
        }


def read_meetings_query(items: QueryItems, now_ns: int) -> MeetingsQuery:
    reader = _Reader(items)
    reader.encoding()
    low, high = _range(reader, now_ns, "now")
    category_name = "category" if reader.text("category") is not None else "type"
    ids = reader.words("ids")
    for meeting_id in ids or ():
        read_uuid("ids", meeting_id)
    numbers = reader.words("meeting_numbers")
    try:
        meeting_numbers = tuple(int(n) for n in numbers) if numbers else None
    except ValueError:
        raise QueryError("meeting_numbers", "must be comma-separated integers") from None
    hashed = request_hash(items)
    page_number, _ = _page(reader, hashed)
    return MeetingsQuery(
        date_from=low,
        date_to=high,
        categories=reader.categories(category_name),
        countries=reader.words("country"),
        ids=tuple(i.lower() for i in ids) if ids else None,
        meeting_numbers=meeting_numbers,
        limit=reader.integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        offset=reader.integer("offset", 0, 0, 1_000_000),
        futures=reader.boolean("futures"),
        page_number=page_number,
        request_hash=hashed,
        category_text=reader.text(category_name),
        country_text=reader.text("country"),
    )


# --- races list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RacesListQuery:
    """GET /racing/list."""

    date_from: Bound
    date_to: Bound
    countries: tuple[str, ...] | None
    meet_types: tuple[str, ...] | None
    limit: int
    ascending: bool
    page_number: int
    page_token: str
    request_hash: str

    @property
    def start(self) -> int:
        return (self.page_number - 1) * self.limit

    def params(self) -> dict[str, Any]:
        return {
            "enc": "json",
            "limit": self.limit,
            "countries": list(self.countries) if self.countries else None,
            "meet_types": list(self.meet_types) if self.meet_types else None,
            "date_from": self.date_from.text,
            "date_to": self.date_to.text,
            "order_by": 1 if self.ascending else 0,
            "page_token": self.page_token,
        }


def read_races_list_query(items: QueryItems, now_ns: int) -> RacesListQuery:
    reader = _Reader(items)
    reader.encoding()
    low, high = _range(reader, now_ns, "today")
    hashed = request_hash(items)
    page_number, token = _page(reader, hashed)
    return RacesListQuery(
        date_from=low,
        date_to=high,
        countries=reader.words("countries"),
        meet_types=reader.categories("meet_types"),
        limit=reader.integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        ascending=reader.integer("order_by", 1, 0, 1) == 1,
        page_number=page_number,
        page_token=token,
        request_hash=hashed,
    )


# --- race event --------------------------------------------------------------------------------

_EVENT_FLAGS = (
    "present_overlay",
    "with_big_bets",
    "with_live_bets",
    "with_money_tracker",
    "with_biggest_bet",
    "with_will_pays",
    "with_tote_trends_data",
)


@dataclass(frozen=True)
class EventQuery:
    """GET /racing/events/{id}: the race and the query, its flags checked."""

    race_id: UUID
    query: dict[str, str]  # first value of each parameter, for the model's params echo


def read_meeting_query(meeting_id: str, items: QueryItems) -> UUID:
    """GET /racing/meetings/{id}: the id; the only parameter it reads is enc."""
    _Reader(items).encoding()
    return read_uuid("id", meeting_id)


def read_event_query(race_id: str, items: QueryItems) -> EventQuery:
    reader = _Reader(items)
    reader.encoding()
    for name in _EVENT_FLAGS:
        reader.boolean(name)
    reader.integer("bets_limit", 10, 0, 1000)
    return EventQuery(race_id=read_uuid("id", race_id), query=dict(reader.first))
