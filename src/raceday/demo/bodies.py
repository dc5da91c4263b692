"""The NZTAB envelope (header, params, data; data guide §3) and the params the API echoes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from raceday.demo.formats import NS, epoch_seconds, require_aware, utc_text

__all__ = [
    "EVENT_TITLE",
    "MEETINGS_TITLE",
    "MEETINGS_URL",
    "RACES_TITLE",
    "envelope",
    "event_params",
    "event_url",
    "generated_time",
    "meetings_params",
]

JsonDict = dict[str, Any]

MEETINGS_TITLE = "Race Meetings"
MEETINGS_URL = "/affiliates/v1/racing/meetings"
RACES_TITLE = "List Races"
EVENT_TITLE = "Event Details: {race_id}"
_EVENT_PATH = "/affiliates/v1/racing/events/{race_id}"

# Query flags of the event endpoint and the name each is echoed under (§4.4: the query's
# with_will_pays comes back as will_pays). Absent flags are echoed false.
_EVENT_FLAGS = (
    ("present_overlay", "present_overlay"),
    ("with_big_bets", "with_big_bets"),
    ("with_live_bets", "with_live_bets"),
    ("with_money_tracker", "with_money_tracker"),
    ("with_biggest_bet", "with_biggest_bet"),
    ("with_will_pays", "will_pays"),
    ("with_tote_trends_data", "with_tote_trends_data"),
)
_TRUE, _FALSE = frozenset({"true", "1", "t"}), frozenset({"false", "0", "f", ""})


def generated_time(at: datetime, nanos: int | None = None) -> str:
    """`header.generated_time` for aware `at`: RFC 3339 UTC with Go's nanosecond fraction.

    A datetime holds microseconds; the three digits below them are `nanos` when given, else
    derived from the microseconds, so the text has the real API's nine digits (fewer when they
    end in zeros, as Go prints them) and still reads back as exactly `at`.
    """
    utc = require_aware(at, "generated_at")
    micros = utc.microsecond
    extra = (micros * 7919 + 601) % 1000 if nanos is None else nanos
    if not 0 <= extra < 1000:
        raise ValueError(f"nanos must be 0-999 (below the microsecond), got {nanos}")
    return utc_text(epoch_seconds(utc) * NS + micros * 1000 + extra)


def envelope(
    title: str,
    url: str,
    params: JsonDict,
    data: JsonDict,
    generated_at: datetime,
    *,
    nanos: int | None = None,
) -> JsonDict:
    """A whole NZTAB body: {"header": {title, generated_time, url}, "params", "data"}."""
    return {
        "header": {
            "title": title,
            "generated_time": generated_time(generated_at, nanos),
            "url": url,
        },
        "params": params,
        "data": data,
    }


def event_url(race_id: str) -> str:
    return _EVENT_PATH.format(race_id=race_id)


def event_params(race_id: str, query: Mapping[str, str] | None = None) -> JsonDict:
    """The params echo of GET /racing/events/{id} for the request's `query` (§4.4).

    Flags read true/false (also 1/0); anything else is a ValueError naming the parameter.
    Unknown parameters are ignored, as the API ignores them; `bet_type_filter` is echoed as sent.
    """
    query = query or {}
    params: JsonDict = {"enc": query.get("enc") or "json", "id": race_id}
    for name, echo in _EVENT_FLAGS:
        params[echo] = _flag(query, name)
    params["bet_type_filter"] = query.get("bet_type_filter", "")
    limit = query.get("bets_limit", "10")
    try:
        params["bets_limit"] = int(limit)
    except ValueError:
        raise ValueError(f"query parameter bets_limit={limit!r} is not an integer") from None
    return params


def _flag(query: Mapping[str, str], name: str) -> bool:
    value = query.get(name)
    if value is None:
        return False
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"query parameter {name}={value!r} is not a boolean (true or false)")


def meetings_params(at: datetime) -> JsonDict:
    """The meetings list's params echo with no query: "now" cut to the minute, spaces (§4.1)."""
    minute = require_aware(at).strftime("%Y-%m-%dT%H:%M:00Z")
    return {
        "enc": "json", "ids": None, "date_from": minute, "date_to": minute, "type": " ",
        "country": " ", "limit": 100, "offset": 0, "futures": False, "meeting_numbers": None,
    }  # fmt: skip
