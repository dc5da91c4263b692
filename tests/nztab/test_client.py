"""NztabClient: headers, paths, paging, the NZ day's UTC range, retries, limits, errors, metrics.

Through `httpx.MockTransport` where the wire does not matter, through a tiny loopback HTTP
server (started here) for real timeouts and connections dropped mid-body, and at the end
against the simulated NZTAB (`raceday sim serve` in a subprocess, tests/fixtures/simulator.py)
with its real bodies, paging, UTC-day quirk and injected faults. Waits go through an injected
sleep that records them, so no test waits for a backoff.
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from structlog.testing import capture_logs

import raceday
from raceday.clock import FixedClock, ScaledClock
from raceday.config import Settings, load_settings
from raceday.metrics import REGISTRY
from raceday.nztab import (
    Capture,
    Fetched,
    MeetingsList,
    NztabClient,
    NztabError,
    RaceEvent,
    RacesList,
    iter_capture,
    parse_payload,
)
from raceday.nztab.client import (
    BACKOFF_BASE_S,
    BACKOFF_CAP_S,
    RETRY_AFTER_CAP_S,
    meetings_on_day,
    retry_after_seconds,
)
from raceday.nztab.times import parse_utc_timestamp
from raceday.racing_day import day_bounds, racing_day_of
from raceday.sim.record import iter_record
from tests.fixtures.simulator import Simulator, run_simulator

pytestmark = pytest.mark.anyio

BASE = "https://nztab.test/affiliates/v1"
RACE = "0f57e087-00d9-4c61-9549-835abe2ae2ed"
RECEIVED = datetime(2025, 7, 17, 11, 16, 59, 500000, tzinfo=UTC)
EVENT_BODY = b'{"header": {"title": "Event Details: x"}, "data": {"race": {}}}'

Handler = Callable[[httpx.Request], Awaitable[httpx.Response] | httpx.Response]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "home": str(tmp_path),
        "capture": False,
        "nztab_retries": 4,
        "nztab_max_rps": 10_000,
        "nztab_max_concurrency": 8,
    }
    values.update(overrides)
    return load_settings(**values)


class Sleeps:
    """The injected sleep: records every wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class Script:
    """A mock NZTAB answering from a list of responses (or exceptions to raise), in order; the
    last one repeats. Records every request."""

    def __init__(self, *steps: httpx.Response | Exception) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps[min(len(self.requests), len(self.steps)) - 1]
        if isinstance(step, Exception):
            raise step
        return step


def _client(
    tmp_path: Path,
    handler: Handler,
    *,
    sleeps: Sleeps | None = None,
    capture: Capture | None = None,
    **settings: Any,
) -> NztabClient:
    return NztabClient(
        _settings(tmp_path, **settings),
        base_url=BASE,
        transport=httpx.MockTransport(handler),
        capture=capture,
        clock=FixedClock(RECEIVED),
        sleep=sleeps or Sleeps(),
    )


def _ok(body: bytes | dict[str, Any] = EVENT_BODY, **headers: str) -> httpx.Response:
    content = json.dumps(body).encode() if isinstance(body, dict) else body
    return httpx.Response(200, content=content, headers=headers)


def _error(status: int, **headers: str) -> httpx.Response:
    envelope = {"header": {"title": "Error", "error": "boom", "error_code": status}}
    return httpx.Response(status, content=json.dumps(envelope).encode(), headers=headers)


def _sample(name: str, default: float = 0.0, **labels: str) -> float:
    value = REGISTRY.get_sample_value(name, labels)
    return default if value is None else value


# --- requests: headers, URLs, what comes back ---------------------------------------------------


async def test_every_request_carries_the_partner_headers_user_agent_and_accept(
    tmp_path: Path,
) -> None:
    script = Script(_ok())
    async with _client(
        tmp_path,
        script,
        nztab_from="ops@example.test",
        nztab_partner="Race Day",
        nztab_partner_id="rd-42",
    ) as client:
        await client.race_event(RACE)
    headers = script.requests[0].headers
    assert headers["From"] == "ops@example.test"
    assert headers["X-Partner"] == "Race Day"
    assert headers["X-Partner-ID"] == "rd-42"
    assert headers["User-Agent"] == f"raceday/{raceday.__version__}"
    assert headers["Accept"] == "application/json"


async def test_an_empty_partner_setting_sends_no_header(tmp_path: Path) -> None:
    script = Script(_ok())
    async with _client(tmp_path, script, nztab_from="ops@example.test") as client:
        await client.race_event(RACE)
    headers = script.requests[0].headers
    assert "From" in headers
    assert "X-Partner" not in headers and "X-Partner-ID" not in headers


async def test_race_event_url_params_and_what_comes_back(tmp_path: Path) -> None:
    script = Script(_ok())
    async with _client(tmp_path, script) as client:
        fetched = await client.race_event(RACE)
    url = urlsplit(str(script.requests[0].url))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{BASE}/racing/events/{RACE}"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["with_money_tracker"] == query["with_tote_trends_data"] == "true"
    assert query["with_will_pays"] == "true"
    assert query["with_big_bets"] == query["with_live_bets"] == query["with_biggest_bet"] == "false"
    assert fetched.url == str(script.requests[0].url)
    assert (fetched.status, fetched.received_at, fetched.body) == (200, RECEIVED, EVENT_BODY)
    assert fetched.json() == json.loads(EVENT_BODY)


async def test_the_base_url_comes_from_the_settings_unless_given(tmp_path: Path) -> None:
    script = Script(_ok())
    settings = _settings(tmp_path, nztab_base_url="http://127.0.0.1:9/affiliates/v1/")
    async with NztabClient(settings, transport=httpx.MockTransport(script)) as client:
        await client.meeting("d3f82a25-7acb-4a07-a942-e5fb36a1e426")
    assert str(script.requests[0].url).startswith(
        "http://127.0.0.1:9/affiliates/v1/racing/meetings/d3f82a25-7acb-4a07-a942-e5fb36a1e426?"
    )


async def test_every_request_has_the_timeout_of_the_settings(tmp_path: Path) -> None:
    script = Script(_ok())
    async with _client(tmp_path, script, nztab_timeout_s=3.5) as client:
        await client.race_event(RACE)
    timeouts = script.requests[0].extensions["timeout"]
    assert timeouts == {"connect": 3.5, "read": 3.5, "write": 3.5, "pool": 3.5}


def test_a_fetched_body_that_is_not_json_says_which_url_and_shows_it() -> None:
    fetched = Fetched("https://x.test/racing/list?enc=json", 200, RECEIVED, b"<html>oops</html>")
    with pytest.raises(NztabError) as caught:
        fetched.json()
    assert "https://x.test/racing/list?enc=json" in str(caught.value)
    assert "<html>oops</html>" in str(caught.value)


# --- paging ---------------------------------------------------------------------------------


def _races_page(n: int, token: str | None) -> httpx.Response:
    data: dict[str, Any] = {"races": [{"id": f"race-{n}"}]}
    if token is not None:
        data["next_page_token"] = token
    return _ok({"header": {"title": "List Races"}, "data": data})


async def test_races_list_follows_next_page_token_to_the_last_page(tmp_path: Path) -> None:
    script = Script(_races_page(1, "t2"), _races_page(2, "t3"), _races_page(3, ""))
    async with _client(tmp_path, script) as client:
        pages = await client.races_list("today")
    assert [p.json()["data"]["races"][0]["id"] for p in pages] == ["race-1", "race-2", "race-3"]
    tokens = [parse_qs(urlsplit(str(r.url)).query).get("page_token") for r in script.requests]
    assert tokens == [None, ["t2"], ["t3"]]
    assert all(parse_qs(r.url.query.decode())["date_from"] == ["today"] for r in script.requests)


async def test_a_paging_loop_is_an_error_not_a_hang(tmp_path: Path) -> None:
    script = Script(_races_page(1, "same"))
    async with _client(tmp_path, script) as client:
        with pytest.raises(NztabError, match="paging does not end"):
            await client.races_list("today")
    assert len(script.requests) == 2


# --- the meetings of one NZ racing day ------------------------------------------------------


def _meeting(meeting_id: str, day: date, *starts: datetime) -> dict[str, Any]:
    return {
        "meeting": meeting_id,
        "name": meeting_id,
        "date": f"{day.isoformat()}T00:00:00Z",
        "races": [
            {"id": f"{meeting_id}-r{n}", "start_time": s.isoformat().replace("+00:00", "Z")}
            for n, s in enumerate(starts, 1)
        ],
    }


class MeetingsApi:
    """Answers the meetings list with the real API's quirk: it works in whole UTC days, so it
    returns every meeting whose NZ day overlaps the UTC days the range touches (neighbouring NZ
    days included), two per page, with a next_page_token while more remain."""

    def __init__(self, meetings: list[dict[str, Any]], zone: str = "Pacific/Auckland") -> None:
        self.meetings = meetings
        self.zone = zone
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        query = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        start = datetime.fromisoformat(query["date_from"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(query["date_to"].replace("Z", "+00:00"))
        start = start.replace(hour=0, minute=0, second=0, microsecond=0)  # widen to UTC days
        if end.time() != datetime.min.time():
            end = end.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        chosen = []
        for meeting in self.meetings:
            lower, upper = day_bounds(date.fromisoformat(meeting["date"][:10]), self.zone)
            if lower < end and start < upper:
                chosen.append(meeting)
        page = int(query.get("page_token", "0"))
        data: dict[str, Any] = {"meetings": chosen[page * 2 : page * 2 + 2]}
        if page * 2 + 2 < len(chosen):
            data["next_page_token"] = str(page + 1)
        return _ok({"header": {"title": "Race Meetings"}, "data": data})


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "utc_from", "utc_to"),
    [
        (date(2025, 7, 17), "2025-07-16T12:00:00", "2025-07-17T12:00:00"),  # NZST, 24 h
        (date(2026, 4, 5), "2026-04-04T11:00:00", "2026-04-05T12:00:00"),  # DST ends, 25 h
        (date(2025, 9, 28), "2025-09-27T12:00:00", "2025-09-28T11:00:00"),  # DST starts, 23 h
    ],
)
async def test_meetings_for_day_asks_for_the_utc_span_of_the_nz_day_and_keeps_its_meetings(
    tmp_path: Path, day: date, utc_from: str, utc_to: str
) -> None:
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    noon = _utc(utc_from) + timedelta(hours=12)
    api = MeetingsApi(
        [
            _meeting("yesterday-late", before, _utc(utc_from) - timedelta(hours=1)),
            _meeting("a", day, noon),
            _meeting("b", day, noon + timedelta(hours=1)),
            # Runs past NZ midnight: its last race starts on the next NZ calendar day.
            _meeting("past-midnight", day, noon, _utc(utc_to) + timedelta(hours=2)),
            _meeting("tomorrow", after, _utc(utc_to) + timedelta(hours=1)),
            _meeting("c", day, noon + timedelta(hours=2)),
        ]
    )
    async with _client(tmp_path, api) as client:
        fetch = await client.meetings_for_day(day)
    first = {k: v[0] for k, v in parse_qs(api.requests[0].url.query.decode()).items()}
    assert (first["date_from"], first["date_to"]) == (f"{utc_from}Z", f"{utc_to}Z")
    assert [m["meeting"] for m in fetch.meetings] == ["a", "b", "past-midnight", "c"]
    assert fetch.day == day
    # Every page is returned as received: each is ingested whole, neighbours' meetings and all.
    assert len(fetch.pages) == len(api.requests) > 1
    served = [m["meeting"] for p in fetch.pages for m in p.json()["data"]["meetings"]]
    assert set(served) >= {"yesterday-late", "tomorrow"}


async def test_meetings_for_day_uses_the_zone_of_the_settings(tmp_path: Path) -> None:
    api = MeetingsApi([], zone="Australia/Sydney")
    async with _client(tmp_path, api, timezone="Australia/Sydney") as client:
        await client.meetings_for_day(date(2025, 7, 17))
    query = parse_qs(api.requests[0].url.query.decode())
    assert query["date_from"] == ["2025-07-16T14:00:00Z"]


def test_the_day_filter_refuses_a_meeting_whose_date_is_not_a_date() -> None:
    body = {"data": {"meetings": [{"meeting": "m1", "date": "2025-07-17T06:29:20Z"}]}}
    page = Fetched(
        "https://x.test/racing/meetings?enc=json", 200, RECEIVED, json.dumps(body).encode()
    )
    with pytest.raises(NztabError, match=r"data\.meetings\[0\] \(meeting 'm1'\)\.date"):
        meetings_on_day([page], date(2025, 7, 17))
    missing = {"data": {"meetings": [{"meeting": "m2"}]}}
    page = Fetched("https://x.test/racing/meetings", 200, RECEIVED, json.dumps(missing).encode())
    with pytest.raises(NztabError, match=r"\(meeting 'm2'\)\.date: .*None"):
        meetings_on_day([page], date(2025, 7, 17))
    empty = Fetched("https://x.test/racing/meetings", 200, RECEIVED, b'{"data": {}}')
    with pytest.raises(NztabError, match=r"no data\.meetings list"):
        meetings_on_day([empty], date(2025, 7, 17))


def test_the_day_filter_keeps_a_meeting_listed_on_two_pages_once() -> None:
    day = date(2025, 7, 17)
    body = json.dumps({"data": {"meetings": [_meeting("m1", day)]}}).encode()
    pages = [Fetched(f"https://x.test/p{n}", 200, RECEIVED, body) for n in (1, 2)]
    assert [m["meeting"] for m in meetings_on_day(pages, day)] == ["m1"]


# --- retries --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_a_5xx_is_retried_with_jittered_exponential_backoff(
    tmp_path: Path, status: int
) -> None:
    script = Script(_error(status), _error(status), _error(status), _ok())
    sleeps = Sleeps()
    retried = _sample("raceday_nztab_retries_total", endpoint="race_event", reason="http_5xx")
    async with _client(tmp_path, script, sleeps=sleeps) as client:
        fetched = await client.race_event(RACE)
    assert fetched.body == EVENT_BODY
    assert len(script.requests) == 4
    assert len(sleeps.waits) == 3
    for n, wait in enumerate(sleeps.waits):  # full jitter: anywhere in [0, base * 2^n]
        assert 0 <= wait <= min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**n)
    after = _sample("raceday_nztab_retries_total", endpoint="race_event", reason="http_5xx")
    assert after - retried == 3


async def test_backoff_windows_widen_up_to_the_cap(tmp_path: Path) -> None:
    script = Script(_error(503))
    sleeps = Sleeps()
    async with _client(tmp_path, script, sleeps=sleeps, nztab_retries=12) as client:
        with pytest.raises(NztabError):
            await client.race_event(RACE)
    assert len(sleeps.waits) == 12
    assert all(0 <= w <= BACKOFF_CAP_S for w in sleeps.waits)
    # With full jitter a single wait may be short, but late windows are 32x the first one:
    # over the last six, some wait must exceed the first window (chance of failing: 2^-30).
    assert max(sleeps.waits[6:]) > BACKOFF_BASE_S


async def test_retries_run_out_and_the_error_says_how_many_attempts(tmp_path: Path) -> None:
    script = Script(_error(503))
    sleeps = Sleeps()
    async with _client(tmp_path, script, sleeps=sleeps, nztab_retries=2) as client:
        with pytest.raises(NztabError) as caught:
            await client.race_event(RACE)
    error = caught.value
    assert len(script.requests) == 3 and len(sleeps.waits) == 2
    assert (error.method, error.status, error.attempts) == ("GET", 503, 3)
    assert error.url == str(script.requests[-1].url)
    assert '"error": "boom"' in error.excerpt
    message = str(error)
    for part in ("GET", f"/racing/events/{RACE}?", "HTTP 503", "after 3 attempts", "boom"):
        assert part in message


async def test_no_retries_when_the_setting_is_zero(tmp_path: Path) -> None:
    script = Script(_error(500))
    async with _client(tmp_path, script, nztab_retries=0) as client:
        with pytest.raises(NztabError, match="after 1 attempt:"):
            await client.race_event(RACE)
    assert len(script.requests) == 1


async def test_a_429_waits_its_retry_after_seconds(tmp_path: Path) -> None:
    script = Script(_error(429, **{"Retry-After": "7"}), _error(429, **{"Retry-After": "2"}), _ok())
    sleeps = Sleeps()
    async with _client(tmp_path, script, sleeps=sleeps) as client:
        await client.race_event(RACE)
    assert sleeps.waits == [7.0, 2.0]


async def test_a_429_retry_after_as_an_http_date_is_measured_from_the_servers_date(
    tmp_path: Path,
) -> None:
    server_now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)  # the server's clock, not ours
    headers = {
        "Date": format_datetime(server_now, usegmt=True),
        "Retry-After": format_datetime(server_now + timedelta(seconds=12), usegmt=True),
    }
    script = Script(_error(429, **headers), _ok())
    sleeps = Sleeps()
    async with _client(tmp_path, script, sleeps=sleeps) as client:
        await client.race_event(RACE)
    assert sleeps.waits == [12.0]


async def test_a_long_retry_after_is_capped_and_a_missing_one_backs_off(tmp_path: Path) -> None:
    script = Script(_error(429, **{"Retry-After": "86400"}), _error(429), _ok())
    sleeps = Sleeps()
    async with _client(tmp_path, script, sleeps=sleeps) as client:
        await client.race_event(RACE)
    assert sleeps.waits[0] == RETRY_AFTER_CAP_S
    assert 0 <= sleeps.waits[1] <= BACKOFF_BASE_S * 2


def test_retry_after_values() -> None:
    now = datetime(2025, 7, 17, tzinfo=UTC)
    assert retry_after_seconds("3", now) == 3.0
    assert retry_after_seconds(" 1.5 ", now) == 1.5
    assert retry_after_seconds("-4", now) == 0.0
    assert retry_after_seconds("Thu, 17 Jul 2025 00:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Wed, 16 Jul 2025 00:00:00 GMT", now) == 0.0  # already past
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None
    assert retry_after_seconds("", now) is None


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("peer closed connection"),
        httpx.ReadError("connection reset"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_transport_failures_are_retried(tmp_path: Path, failure: Exception) -> None:
    script = Script(failure, failure, _ok())
    sleeps = Sleeps()
    async with _client(tmp_path, script, sleeps=sleeps) as client:
        fetched = await client.race_event(RACE)
    assert fetched.status == 200
    assert len(script.requests) == 3 and len(sleeps.waits) == 2


async def test_a_transport_failure_that_runs_out_names_it_and_has_no_status(
    tmp_path: Path,
) -> None:
    script = Script(httpx.ConnectError("connection refused"))
    async with _client(tmp_path, script, nztab_retries=1) as client:
        with pytest.raises(NztabError) as caught:
            await client.race_event(RACE)
    error = caught.value
    assert (error.status, error.attempts, error.excerpt) == (None, 2, "")
    assert "no response" in str(error) and "ConnectError: connection refused" in str(error)
    assert isinstance(error.__cause__, httpx.ConnectError)


async def test_a_configuration_error_of_the_transport_is_not_retried(tmp_path: Path) -> None:
    script = Script(httpx.UnsupportedProtocol("no such scheme"))
    sleeps = Sleeps()
    async with _client(tmp_path, script, sleeps=sleeps) as client:
        with pytest.raises(NztabError, match="UnsupportedProtocol"):
            await client.race_event(RACE)
    assert len(script.requests) == 1 and sleeps.waits == []


@pytest.mark.parametrize(
    "body", [b'{"header": {"title": "Event', b"", b"<html>bad gateway</html>", b"[1, 2]", b"NaN"]
)
async def test_a_200_body_that_is_not_a_json_object_is_retried(tmp_path: Path, body: bytes) -> None:
    script = Script(_ok(body), _ok())
    sleeps = Sleeps()
    async with _client(tmp_path, script, sleeps=sleeps) as client:
        fetched = await client.race_event(RACE)
    assert fetched.body == EVENT_BODY
    assert len(script.requests) == 2 and len(sleeps.waits) == 1


async def test_malformed_bodies_count_as_a_failure_when_retries_run_out(tmp_path: Path) -> None:
    truncated = b'{"header": {"title": "Event Details: ' + RACE.encode()
    script = Script(_ok(truncated))
    async with _client(tmp_path, script, nztab_retries=3) as client:
        with pytest.raises(NztabError) as caught:
            await client.race_event(RACE)
    error = caught.value
    assert (error.status, error.attempts) == (200, 4)
    assert error.excerpt == truncated.decode()
    assert "not a JSON object" in str(error) and "after 4 attempts" in str(error)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
async def test_other_4xx_are_never_retried(tmp_path: Path, status: int) -> None:
    script = Script(_error(status), _ok())
    sleeps = Sleeps()
    async with _client(tmp_path, script, sleeps=sleeps) as client:
        with pytest.raises(NztabError) as caught:
            await client.race_event(RACE)
    assert len(script.requests) == 1 and sleeps.waits == []
    assert (caught.value.status, caught.value.attempts) == (status, 1)
    assert f"HTTP {status}" in str(caught.value) and "after 1 attempt:" in str(caught.value)


async def test_one_log_line_per_retry_and_per_final_failure(tmp_path: Path) -> None:
    script = Script(_error(502), httpx.ReadTimeout("slow"), _error(404))
    with capture_logs() as logs:
        async with _client(tmp_path, script) as client:
            with pytest.raises(NztabError):
                await client.race_event(RACE)
    mine = [e for e in logs if e["event"] in ("nztab_retry", "nztab_request_failed")]
    assert [(e["event"], e["status"], e["attempt"]) for e in mine] == [
        ("nztab_retry", 502, 1),
        ("nztab_retry", None, 2),
        ("nztab_request_failed", 404, 3),
    ]
    assert all(e["method"] == "GET" and RACE in e["url"] for e in mine)


async def test_metrics_count_requests_by_outcome_and_time_them(tmp_path: Path) -> None:
    labels = {"endpoint": "race_event"}
    before_ok = _sample("raceday_nztab_requests_total", **labels, outcome="ok")
    before_5xx = _sample("raceday_nztab_requests_total", **labels, outcome="http_5xx")
    before_timed = _sample("raceday_nztab_request_seconds_count", **labels)
    script = Script(_error(500), _ok())
    async with _client(tmp_path, script) as client:
        await client.race_event(RACE)
    assert _sample("raceday_nztab_requests_total", **labels, outcome="ok") == before_ok + 1
    assert _sample("raceday_nztab_requests_total", **labels, outcome="http_5xx") == before_5xx + 1
    assert _sample("raceday_nztab_request_seconds_count", **labels) == before_timed + 2


# --- limits ---------------------------------------------------------------------------------


class Gate:
    """A mock NZTAB that holds every request until released, counting those in flight."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.in_flight = 0
        self.most_in_flight = 0
        self.started: list[float] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.started.append(asyncio.get_running_loop().time())
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await self.open.wait()
        finally:
            self.in_flight -= 1
        return _ok()


async def _settle() -> None:
    # Let every task that can run do so, without letting time pass on purpose.
    for _ in range(50):
        await asyncio.sleep(0)


async def test_concurrent_requests_are_limited_by_the_setting(tmp_path: Path) -> None:
    gate = Gate()
    async with _client(tmp_path, gate, nztab_max_concurrency=3) as client:
        tasks = [asyncio.create_task(client.race_event(RACE)) for _ in range(10)]
        await _settle()
        assert gate.in_flight == 3  # the limit is reached, and not passed
        gate.open.set()
        results = await asyncio.gather(*tasks)
    assert len(results) == 10 and len(gate.started) == 10
    assert gate.most_in_flight == 3


async def test_a_burst_of_rps_requests_starts_at_once_and_the_next_waits(tmp_path: Path) -> None:
    gate = Gate()
    gate.open.set()
    async with _client(tmp_path, gate, nztab_max_rps=2) as client:
        tasks = [asyncio.create_task(client.race_event(RACE)) for _ in range(5)]
        await _settle()
        assert len(gate.started) == 2  # the bucket's worth; the third only 1/rps s later
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_after_the_burst_request_starts_are_spaced_by_the_rate(tmp_path: Path) -> None:
    gate = Gate()
    gate.open.set()
    rate = 20.0
    async with _client(tmp_path, gate, nztab_max_rps=rate) as client:
        await asyncio.gather(*(client.race_event(RACE) for _ in range(26)))
    # The bucket leaks while the burst of 20 goes out, so the 21st may start early; from then
    # on each start waits for one request's worth to leak away.
    after_burst = gate.started[20:]
    gaps = [b - a for a, b in itertools.pairwise(after_burst)]
    # The event loop's own clock, which the limiter also reads: lower bounds cannot flake.
    assert len(gaps) == 5 and min(gaps) >= 1 / rate - 2e-3
    assert gate.started[-1] - gate.started[0] >= 5 / rate


# --- capture --------------------------------------------------------------------------------


async def test_every_response_body_is_captured_as_received(tmp_path: Path) -> None:
    capture = Capture(tmp_path / "capture")
    script = Script(_error(503), _ok(b'{"truncat'), _ok())
    async with _client(tmp_path, script, capture=capture) as client:
        fetched = await client.race_event(RACE)
    await capture.aclose()
    records = list(iter_capture(capture.archive_of(RECEIVED)))
    assert [r.status for r in records] == [503, 200, 200]
    assert [r.body_bytes for r in records][1:] == [b'{"truncat', EVENT_BODY]
    assert all(r.url == fetched.url and r.received_at == RECEIVED for r in records)


# --- on the wire: a loopback server for real timeouts and dropped connections -------------------


class Wire:
    """A loopback HTTP/1.1 server answering each connection with the next scripted action:
    raw response bytes, "hang" (say nothing until the client goes) or "drop" (start a response
    with Content-Length, send part of the body, close)."""

    def __init__(self, *actions: bytes | str) -> None:
        self.actions = list(actions)
        self.served = 0
        self.url = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            action = self.actions[min(self.served, len(self.actions) - 1)]
            self.served += 1
            if action == "hang":
                await reader.read()  # until the client gives up and closes
            elif action == "drop":
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n" + EVENT_BODY[:20]
                )
                await writer.drain()
            else:
                assert isinstance(action, bytes)
                writer.write(action)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def _http_ok(body: bytes = EVENT_BODY) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"Connection: close\r\n\r\n" + body


@asynccontextmanager
async def _serving(wire: Wire) -> AsyncIterator[str]:
    server = await asyncio.start_server(wire.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/affiliates/v1"
    finally:
        server.close()
        await server.wait_closed()


def _wire_client(tmp_path: Path, url: str, sleeps: Sleeps, **settings: Any) -> NztabClient:
    return NztabClient(
        _settings(tmp_path, **settings), base_url=url, clock=FixedClock(RECEIVED), sleep=sleeps
    )


async def test_a_real_timeout_is_retried_then_succeeds(tmp_path: Path) -> None:
    wire = Wire("hang", _http_ok())
    sleeps = Sleeps()
    async with _serving(wire) as url, _wire_client(tmp_path, url, sleeps, nztab_timeout_s=0.2) as c:
        fetched = await c.race_event(RACE)
    assert fetched.body == EVENT_BODY
    assert wire.served == 2 and len(sleeps.waits) == 1


async def test_a_connection_dropped_mid_body_is_retried(tmp_path: Path) -> None:
    wire = Wire("drop", "drop", _http_ok())
    sleeps = Sleeps()
    async with _serving(wire) as url, _wire_client(tmp_path, url, sleeps) as client:
        fetched = await client.race_event(RACE)
    assert fetched.body == EVENT_BODY
    assert wire.served == 3 and len(sleeps.waits) == 2


async def test_dropped_connections_that_run_out_are_a_transport_error(tmp_path: Path) -> None:
    wire = Wire("drop")
    sleeps = Sleeps()
    async with _serving(wire) as url, _wire_client(tmp_path, url, sleeps, nztab_retries=2) as c:
        with pytest.raises(NztabError) as caught:
            await c.race_event(RACE)
    assert (caught.value.status, caught.value.attempts) == (None, 3)
    assert "RemoteProtocolError" in str(caught.value) or "ReadError" in str(caught.value)


async def test_a_refused_connection_is_retried_then_fails(tmp_path: Path) -> None:
    wire = Wire(_http_ok())
    async with _serving(wire) as url:
        pass  # the server is gone: its port now refuses connections
    sleeps = Sleeps()
    async with _wire_client(tmp_path, url, sleeps, nztab_retries=2) as client:
        with pytest.raises(NztabError, match="ConnectError") as caught:
            await client.race_event(RACE)
    assert caught.value.attempts == 3 and len(sleeps.waits) == 2


# --- against the simulated NZTAB (`raceday sim serve`, a real server on loopback) ---------------

SIM_DAY = date(2025, 7, 17)
# The simulator serves raceday.demo.SimulatedDay; until that lands, the sim tests' stand-in.
SIM_MODEL = (
    ()
    if hasattr(importlib.import_module("raceday.demo"), "SimulatedDay")
    else ("--model", "tests.sim.standin:KIT")
)
# 12:30 NZST on SIM_DAY: 12 meetings of 10 races, so the races list needs two pages of 100.
SIM_ARGS = (
    *SIM_MODEL,
    "--start",
    "2025-07-17T12:30",
    "--seed",
    "3",
    "--meetings",
    "12",
    "--races-per-meeting",
    "10",
    "--runners",
    "8",
)


@pytest.fixture(scope="module")
def shared_sim() -> Iterator[Simulator]:
    with run_simulator(*SIM_ARGS) as running:
        yield running


@pytest.fixture
def sim(shared_sim: Simulator) -> Iterator[Simulator]:
    """The module's simulator, with no faults before and after the test."""
    shared_sim.clear_faults()
    yield shared_sim
    shared_sim.clear_faults()


def _sim_clock(sim: Simulator) -> ScaledClock:
    """The simulator's clock: received_at is simulated time, as in `raceday run`."""
    ready = sim.ready
    return ScaledClock(
        parse_utc_timestamp(ready["start"]),
        float(ready["speed"]),
        parse_utc_timestamp(ready["origin"]),
    )


def _sim_client(
    tmp_path: Path,
    sim: Simulator,
    *,
    sleeps: Sleeps | None = None,
    capture: Capture | None = None,
    **settings: Any,
) -> NztabClient:
    return NztabClient(
        _settings(tmp_path, **settings),
        base_url=sim.base_url,
        capture=capture,
        clock=_sim_clock(sim),
        sleep=sleeps or Sleeps(),
    )


async def test_sim_meetings_for_day_keeps_only_the_nz_days_meetings(
    tmp_path: Path, sim: Simulator
) -> None:
    async with _sim_client(tmp_path, sim) as client:
        fetch = await client.meetings_for_day(SIM_DAY)
    assert len(fetch.meetings) == 12
    assert {m["date"] for m in fetch.meetings} == {"2025-07-17T00:00:00Z"}
    # The API answered in UTC days: the pages also hold the next NZ day's meetings.
    served = {m["date"] for page in fetch.pages for m in page.json()["data"]["meetings"]}
    assert served > {"2025-07-17T00:00:00Z"}
    for page in fetch.pages:
        assert isinstance(parse_payload(page.json(), source=page.url), MeetingsList)
        assert racing_day_of(page.received_at) == SIM_DAY


async def test_sim_races_list_pages_give_every_race_once(tmp_path: Path, sim: Simulator) -> None:
    start, end = day_bounds(SIM_DAY)
    async with _sim_client(tmp_path, sim) as client:
        pages = await client.races_list(start, end)
    assert len(pages) >= 2
    ids = [race["id"] for page in pages for race in page.json()["data"]["races"]]
    assert len(ids) == len(set(ids)) >= 120
    assert all(isinstance(parse_payload(p.json(), source=p.url), RacesList) for p in pages)


async def test_sim_race_events_parse_and_are_captured(tmp_path: Path, sim: Simulator) -> None:
    capture = Capture(tmp_path / "capture")
    async with _sim_client(tmp_path, sim, capture=capture) as client:
        meetings = (await client.meetings_for_day(SIM_DAY)).meetings
        race_ids = [race["id"] for race in meetings[0]["races"]]
        fetched = await asyncio.gather(*(client.race_event(r) for r in race_ids))
    await capture.aclose()
    for race_id, event in zip(race_ids, fetched, strict=True):
        payload = parse_payload(event.json(), source=event.url)
        assert isinstance(payload, RaceEvent) and str(payload.data.race.event_id) == race_id
        params = event.json()["params"]
        assert params["with_money_tracker"] is params["will_pays"] is True
        assert params["with_big_bets"] is params["with_live_bets"] is False
    records = [r for path in sorted(capture.folder.iterdir()) for r in iter_capture(path)]
    captured = {r.url: r.body_bytes for r in records if "/racing/events/" in r.url}
    assert captured == {event.url: event.body for event in fetched}


async def test_sim_unknown_race_is_a_404_without_retries(tmp_path: Path, sim: Simulator) -> None:
    sleeps = Sleeps()
    async with _sim_client(tmp_path, sim, sleeps=sleeps) as client:
        with pytest.raises(NztabError) as caught:
            await client.race_event("00000000-0000-4000-8000-000000000000")
    assert (caught.value.status, caught.value.attempts, sleeps.waits) == (404, 1, [])
    # The error envelope's own words are in the message (its header.error lies past the excerpt).
    assert "Not Found: " in str(caught.value) and "00000000-0000-4000-8000-000000000000" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("fault", "status", "named"),
    [
        ({"5xx": 1.0}, {500, 502, 503}, "HTTP 50"),
        ({"malformed": 1.0}, {200}, "not a JSON object"),
        ({"drop": 1.0}, {None}, "no response"),
        ({"timeout": 1.0}, {None}, "Timeout"),
    ],
    ids=["5xx", "malformed", "drop", "timeout"],
)
async def test_sim_faults_are_retried_then_reported(
    tmp_path: Path, sim: Simulator, fault: dict[str, float], status: set[int | None], named: str
) -> None:
    race_id = await _a_race_id(tmp_path, sim)
    sim.set_faults({"events": fault})
    sleeps = Sleeps()
    async with _sim_client(
        tmp_path, sim, sleeps=sleeps, nztab_retries=2, nztab_timeout_s=0.3
    ) as client:
        with pytest.raises(NztabError) as caught:
            await client.race_event(race_id)
    assert caught.value.status in status and caught.value.attempts == 3
    assert named in str(caught.value) and "after 3 attempts" in str(caught.value)
    assert len(sleeps.waits) == 2


async def test_sim_429_waits_its_retry_after(tmp_path: Path, sim: Simulator) -> None:
    race_id = await _a_race_id(tmp_path, sim)
    sim.set_faults({"events": {"429": 1.0, "retry_after_s": 3}})
    sleeps = Sleeps()
    async with _sim_client(tmp_path, sim, sleeps=sleeps, nztab_retries=2) as client:
        with pytest.raises(NztabError) as caught:
            await client.race_event(race_id)
    assert caught.value.status == 429
    assert sleeps.waits == [3.0, 3.0]


async def _a_race_id(tmp_path: Path, sim: Simulator) -> str:
    async with _sim_client(tmp_path, sim) as client:
        race_id: str = (await client.meetings_for_day(SIM_DAY)).meetings[0]["races"][0]["id"]
    return race_id


async def test_sim_a_flaky_nztab_still_answers_and_the_capture_holds_what_was_served(
    tmp_path: Path,
) -> None:
    record = tmp_path / "served.jsonl.gz"
    capture = Capture(tmp_path / "capture")
    flaky = "events:5xx=0.15,malformed=0.1,drop=0.1,429=0.05,retry_after_s=0"
    with run_simulator(
        *SIM_ARGS, "--fault", flaky, "--fault-seed", "5", "--record", str(record)
    ) as sim:
        sleeps = Sleeps()
        async with _sim_client(tmp_path, sim, sleeps=sleeps, capture=capture, nztab_retries=8) as c:
            meetings = (await c.meetings_for_day(SIM_DAY)).meetings
            race_ids = [race["id"] for m in meetings[:3] for race in m["races"]]
            events = [await c.race_event(race_id) for race_id in race_ids]  # in order: seeded
    await capture.aclose()
    assert len(events) == len(race_ids) >= 20  # every race answered,
    assert sleeps.waits  # some only on a retry
    records = [r for path in sorted(capture.folder.iterdir()) for r in iter_capture(path)]
    statuses = {r.status for r in records}
    assert 200 in statuses and statuses & {500, 502, 503, 429}
    # Every body the simulator served whole is in the capture, byte for byte, in order.
    served = [r.body for r in iter_record(record) if r.fault is None]
    whole = [json.loads(r.body) for r in records if r.status == 200 and _is_json(r.body)]
    assert whole == served
    # And the bodies it sent broken on purpose were captured as received, too.
    broken = [r.malformed for r in iter_record(record) if r.fault == "malformed"]
    assert broken and broken == [
        r.body_bytes for r in records if r.status == 200 and not _is_json(r.body)
    ]


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
