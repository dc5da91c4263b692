"""Every NZTAB affiliates endpoint raceday calls, with its query parameters, in one place.

Pure: each function returns the `EndpointRequest` to send (path relative to the base URL, query
parameters as text) and touches nothing. The client sends them; tests read them. Paths and
parameters follow the vendor's OpenAPI spec and the captured samples (data guide §8): every
endpoint takes `enc=json`, booleans are sent as `true`/`false`, instants as RFC 3339 in UTC.

Paging: the races list (and the simulator's meetings list) return `data.next_page_token` while
more remains; the next page is the same request with `page_token` set (`next_page`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Literal
from uuid import UUID

__all__ = [
    "EVENT_FLAGS",
    "Endpoint",
    "EndpointRequest",
    "QueryValue",
    "format_query_value",
    "meeting",
    "meetings",
    "next_page",
    "next_page_token",
    "race_event",
    "races_list",
]

# The metric label and log name of each endpoint: a closed set, never a URL (cardinality).
Endpoint = Literal["meetings", "meeting", "races_list", "race_event"]

QueryValue = str | int | bool | date | datetime

# /racing/events/{id}: money tracker, tote trends and will-pays on (results and dividends come
# with every status, no flag needed: data guide §8); the bet lists off, they are large and
# raceday stores none of them.
EVENT_FLAGS: Mapping[str, bool] = {
    "with_money_tracker": True,
    "with_tote_trends_data": True,
    "with_will_pays": True,
    "with_big_bets": False,
    "with_live_bets": False,
    "with_biggest_bet": False,
    "present_overlay": False,
}

# The races list's own defaults as served in the sample (limit 100, order_by 1 = start time).
RACES_PAGE_LIMIT = 100
RACES_ORDER_BY_START = 1


@dataclass(frozen=True)
class EndpointRequest:
    """One GET to send: `path` below the base URL and its query, in a stable order."""

    endpoint: Endpoint
    path: str
    params: tuple[tuple[str, str], ...]

    def with_param(self, name: str, value: QueryValue) -> EndpointRequest:
        """The same request with `name` set to `value` (replacing an earlier value)."""
        kept = tuple((k, v) for k, v in self.params if k != name)
        return replace(self, params=(*kept, (name, format_query_value(value))))


def format_query_value(value: QueryValue) -> str:
    """A query value as NZTAB reads it: true/false, RFC 3339 UTC ("…Z"), YYYY-MM-DD, or text."""
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"a query instant must be timezone-aware, got {value.isoformat()}")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _query(**values: QueryValue | None) -> tuple[tuple[str, str], ...]:
    given = [(name, format_query_value(v)) for name, v in values.items() if v is not None]
    return (("enc", "json"), *given)


def _uuid(value: str | UUID, what: str) -> str:
    # Ids go into the path: refuse anything that is not a UUID rather than build a strange URL.
    try:
        return str(value if isinstance(value, UUID) else UUID(str(value)))
    except ValueError:
        raise ValueError(f"{what} must be a UUID, got {value!r}") from None


def meetings(
    date_from: datetime | date | str,
    date_to: datetime | date | str,
    *,
    limit: int | None = None,
    page_token: str | None = None,
) -> EndpointRequest:
    """GET /racing/meetings: the meetings whose day overlaps [date_from, date_to).

    The API reads the range in UTC (a `YYYY-MM-DD` is a UTC day), so callers that want one NZ
    racing day send its UTC bounds and filter the meetings by their `date` (`raceday.nztab.client`).
    """
    return EndpointRequest(
        "meetings",
        "/racing/meetings",
        _query(date_from=date_from, date_to=date_to, limit=limit, page_token=page_token),
    )


def meeting(meeting_id: str | UUID) -> EndpointRequest:
    """GET /racing/meetings/{id}: one meeting's detail."""
    return EndpointRequest(
        "meeting", f"/racing/meetings/{_uuid(meeting_id, 'meeting id')}", _query()
    )


def races_list(
    date_from: datetime | date | str,
    date_to: datetime | date | str | None = None,
    *,
    limit: int = RACES_PAGE_LIMIT,
    order_by: int = RACES_ORDER_BY_START,
    page_token: str | None = None,
) -> EndpointRequest:
    """GET /racing/list: races by advertised start; `date_from` may be "today" (a UTC day)."""
    return EndpointRequest(
        "races_list",
        "/racing/list",
        _query(
            date_from=date_from,
            date_to=date_to,
            limit=limit,
            order_by=order_by,
            page_token=page_token,
        ),
    )


def race_event(race_id: str | UUID) -> EndpointRequest:
    """GET /racing/events/{id}: one race with runners, pools, money tracker, results, dividends."""
    return EndpointRequest(
        "race_event", f"/racing/events/{_uuid(race_id, 'race id')}", _query(**EVENT_FLAGS)
    )


def next_page_token(body: Mapping[str, object]) -> str | None:
    """`data.next_page_token` of a list body, or None on the last page (absent or empty)."""
    data = body.get("data")
    if not isinstance(data, Mapping):
        return None
    token = data.get("next_page_token")
    return token if isinstance(token, str) and token else None


def next_page(request: EndpointRequest, body: Mapping[str, object]) -> EndpointRequest | None:
    """The request for the page after the one `body` answered, or None when it was the last."""
    token = next_page_token(body)
    return request.with_param("page_token", token) if token else None
