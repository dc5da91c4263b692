"""The async NZTAB affiliates client: partner headers, timeouts, retries, rate limits, capture.

One `NztabClient` is shared by every poll of a service. Each request:

1. waits for a slot (`settings.nztab_max_concurrency` in flight) and then for the client-wide
   rate limiter (`settings.nztab_max_rps` started per second, evenly spaced);
2. is sent with the partner headers and a timeout (`settings.nztab_timeout_s`);
3. has its body, whatever the status, appended to the raw capture (when one is given);
4. succeeds with a 2xx JSON object body, or fails: connection errors, timeouts, dropped
   connections, 5xx, 429 and 2xx bodies that are not JSON (the simulator truncates some on
   purpose) are retried up to `settings.nztab_retries` times with exponential backoff and full
   jitter (a 429 waits its Retry-After instead, capped); any other status fails at once.
   What fails for good raises `NztabError` naming method, URL, status, body excerpt and attempts.

Waits go through the injected `sleep` (tests never wait); `received_at` comes from the injected
clock, so against the simulator it is simulated time. The earlier Node client (reference notes
§5.1) had a 5 s timeout, 100/200/400 ms retries without jitter, no 429 handling, no limits, and
never asked for results or dividends; `endpoints.race_event` always gets them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self, cast
from uuid import UUID

import httpx
from aiolimiter import AsyncLimiter
from prometheus_client import Counter, Histogram
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

import raceday
from raceday import fastjson
from raceday.clock import Clock, SystemClock
from raceday.config import Settings
from raceday.logs import get_logger
from raceday.metrics import REGISTRY
from raceday.nztab import endpoints
from raceday.nztab.capture import Capture
from raceday.nztab.endpoints import Endpoint, EndpointRequest
from raceday.nztab.errors import NztabError, excerpt_of
from raceday.nztab.times import parse_dressed_date
from raceday.racing_day import day_bounds

__all__ = [
    "BACKOFF_BASE_S",
    "BACKOFF_CAP_S",
    "MAX_PAGES",
    "RETRY_AFTER_CAP_S",
    "Fetched",
    "MeetingsFetch",
    "NztabClient",
    "NztabError",
    "meetings_on_day",
    "request_headers",
    "retry_after_seconds",
]

BACKOFF_BASE_S = 0.25  # the first retry waits up to this; each next one up to twice as long
BACKOFF_CAP_S = 8.0  # the longest backoff window
RETRY_AFTER_CAP_S = 60.0  # the longest a 429's Retry-After is honoured
MAX_PAGES = 500  # a paging loop this long means the server keeps handing out tokens: stop

REQUESTS = Counter(
    "raceday_nztab_requests_total",
    "NZTAB HTTP requests sent (each attempt), by endpoint and outcome",
    ["endpoint", "outcome"],
    registry=REGISTRY,
)
RETRIES = Counter(
    "raceday_nztab_retries_total",
    "NZTAB requests retried, by endpoint and the reason of the failed attempt",
    ["endpoint", "reason"],
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    "raceday_nztab_request_seconds",
    "Time from sending an NZTAB request to its whole body (or its failure), by endpoint",
    ["endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)

_log = get_logger("raceday.nztab")
_METHOD = "GET"  # every affiliates endpoint is a GET


@dataclass(frozen=True)
class Fetched:
    """One successful response: the URL requested (with its query), status, when it arrived
    (by the client's clock) and the body bytes exactly as received."""

    url: str
    status: int
    received_at: datetime
    body: bytes
    _decoded: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def json(self) -> dict[str, Any]:
        """The decoded body (decoded once by the client: do not mutate it); NztabError naming
        the URL and an excerpt when the body is not a JSON object."""
        if self._decoded is not None:
            return self._decoded
        decoded = _json_object(self.body)
        if decoded is None:
            raise NztabError(
                "the body is not a JSON object",
                method=_METHOD,
                url=self.url,
                status=self.status,
                excerpt=excerpt_of(self.body),
            )
        return decoded


@dataclass(frozen=True)
class MeetingsFetch:
    """The meetings of one NZ racing day: every page as received (each is ingested whole) and
    the meetings whose NZ date is that day, once each, in page order."""

    day: date
    pages: tuple[Fetched, ...]
    meetings: tuple[dict[str, Any], ...]


def _json_object(body: bytes) -> dict[str, Any] | None:
    # Strict JSON (no NaN, no lone surrogates): what is refused here is retried as malformed.
    try:
        decoded = fastjson.loads(body)
    except fastjson.JSONDecodeError:
        return None
    return decoded if isinstance(decoded, dict) else None


def request_headers(settings: Settings) -> dict[str, str]:
    """The headers of every request: partner identification (TAB asked for them; an empty
    setting sends no header), who we are and what we accept."""
    headers = {
        "User-Agent": f"raceday/{raceday.__version__}",
        "Accept": "application/json",
    }
    for name, value in (
        ("From", settings.nztab_from),
        ("X-Partner", settings.nztab_partner),
        ("X-Partner-ID", settings.nztab_partner_id),
    ):
        if value.strip():
            headers[name] = value.strip()
    return headers


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Seconds a Retry-After header asks to wait: delta-seconds or an HTTP date (against
    `now`); None when absent or unreadable, never negative."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def meetings_on_day(pages: Sequence[Fetched], day: date) -> tuple[dict[str, Any], ...]:
    """The meetings of `pages` whose `date` (the NZ racing day dressed as UTC midnight) is
    `day`, each meeting id once. NztabError naming the page and meeting when a page has no
    `data.meetings` list or a meeting's date cannot be read."""
    chosen: list[dict[str, Any]] = []
    seen: set[object] = set()
    for page in pages:
        data = page.json().get("data")
        listed = data.get("meetings") if isinstance(data, dict) else None
        if not isinstance(listed, list):
            raise _bad_page(page, "the body has no data.meetings list")
        for position, meeting in enumerate(listed):
            where = f"data.meetings[{position}]"
            if not isinstance(meeting, dict):
                raise _bad_page(page, f"{where} is not an object")
            try:
                # cast: the parser itself refuses a value that is not text, naming it
                meeting_day = parse_dressed_date(cast(str, meeting.get("date")))
            except ValueError as exc:
                raise _bad_page(
                    page, f"{where} (meeting {meeting.get('meeting')!r}).date: {exc}"
                ) from None
            key = meeting.get("meeting")
            if meeting_day == day and key not in seen:
                seen.add(key)
                chosen.append(meeting)
    return tuple(chosen)


def _bad_page(page: Fetched, reason: str) -> NztabError:
    return NztabError(
        reason, method=_METHOD, url=page.url, status=page.status, excerpt=excerpt_of(page.body)
    )


class _Failure(Exception):
    """One attempt that failed; `reason` is the metric label, `retryable` decides a retry."""

    def __init__(
        self,
        reason: str,
        description: str,
        *,
        url: str,
        attempt: int,
        retryable: bool,
        status: int | None = None,
        body: bytes = b"",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description
        self.url = url
        self.attempt = attempt
        self.retryable = retryable
        self.status = status
        self.body = body
        self.retry_after = retry_after

    def final(self) -> NztabError:
        hint = (
            "NZTAB did not answer well on any attempt; it is asked again at the next poll"
            if self.retryable
            else "NZTAB refused the request; check the id and the query"
        )
        return NztabError(
            self.description,
            method=_METHOD,
            url=self.url,
            status=self.status,
            excerpt=excerpt_of(self.body),
            attempts=self.attempt,
            hint=hint,
        )


def _is_retryable(exc: BaseException) -> bool:
    return isinstance(exc, _Failure) and exc.retryable


# Transport errors worth another try: the network or the server may recover. Others
# (UnsupportedProtocol, LocalProtocolError, ProxyError) are our own configuration or bugs.
_TRANSIENT: tuple[tuple[type[httpx.TransportError], str], ...] = (
    (httpx.TimeoutException, "timeout"),
    (httpx.ConnectError, "connect_error"),
    (httpx.RemoteProtocolError, "protocol_error"),
    (httpx.NetworkError, "network_error"),
)


class NztabClient:
    """Async client of the NZTAB affiliates API; use `async with` (or call `aclose`)."""

    def __init__(
        self,
        settings: Settings,
        *,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        capture: Capture | None = None,
        clock: Clock | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.base_url = (base_url or settings.nztab_base_url).rstrip("/")
        self._capture = capture
        self._clock: Clock = clock or SystemClock()
        self._sleep = sleep
        concurrency = settings.nztab_max_concurrency
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=request_headers(settings),
            timeout=httpx.Timeout(settings.nztab_timeout_s),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            transport=transport,
            follow_redirects=False,  # an affiliates endpoint never redirects; fail visibly
        )
        self._in_flight = asyncio.Semaphore(concurrency)
        # A leaky bucket of rps: a burst of up to rps due polls (40 races are due within 15 s
        # at the peak) goes out at once instead of queueing 1/rps apart, then one every 1/rps
        # seconds; the average stays at rps. The seconds are the clock's: against a simulator running
        # at 60x the simulated API sees the rate per simulated second the real one would.
        self._limiter = AsyncLimiter(settings.nztab_max_rps, 1 / self._clock.speed)
        self._backoff = wait_random_exponential(multiplier=BACKOFF_BASE_S, max=BACKOFF_CAP_S)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- endpoints -------------------------------------------------------------------------

    async def meetings_for_day(self, day: date) -> MeetingsFetch:
        """The meetings of NZ racing day `day`.

        The API reads dates in UTC, so ask for the UTC range the NZ day spans (23 or 25 hours
        on daylight-saving changes), follow every page, and keep the meetings whose NZ `date` is
        `day` (the range also returns neighbouring days' meetings).
        """
        start, end = day_bounds(day, self.settings.timezone)
        pages = await self._all_pages(endpoints.meetings(start, end))
        return MeetingsFetch(day, tuple(pages), meetings_on_day(pages, day))

    async def race_event(self, race_id: str | UUID) -> Fetched:
        """GET /racing/events/{id} with money tracker, tote trends and will-pays (results and
        dividends come with every status)."""
        return await self.fetch(endpoints.race_event(race_id))

    async def races_list(
        self, date_from: datetime | date | str, date_to: datetime | date | str | None = None
    ) -> list[Fetched]:
        """Every page of GET /racing/list for the range (dates and "today" are UTC days)."""
        return await self._all_pages(endpoints.races_list(date_from, date_to))

    async def meeting(self, meeting_id: str | UUID) -> Fetched:
        """GET /racing/meetings/{id}: one meeting's detail."""
        return await self.fetch(endpoints.meeting(meeting_id))

    # --- the machinery ---------------------------------------------------------------------

    async def _all_pages(self, first: EndpointRequest) -> list[Fetched]:
        pages: list[Fetched] = []
        tokens: set[str] = set()
        request: EndpointRequest | None = first
        while request is not None:
            page = await self.fetch(request)
            pages.append(page)
            token = endpoints.next_page_token(page.json())
            if token is not None and (token in tokens or len(pages) >= MAX_PAGES):
                raise NztabError(
                    f"paging does not end: page {len(pages)} hands out "
                    + ("a token already followed" if token in tokens else "yet another token"),
                    method=_METHOD,
                    url=page.url,
                    status=page.status,
                    excerpt=excerpt_of(page.body),
                    hint="the server keeps paging; report it",
                )
            if token is not None:
                tokens.add(token)
            request = endpoints.next_page(request, page.json())
        return pages

    async def fetch(self, request: EndpointRequest) -> Fetched:
        """Send `request` with retries; the Fetched response, or NztabError."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.nztab_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(_is_retryable),
            sleep=self._sleep,
            before_sleep=lambda state: self._before_retry(request.endpoint, state),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._attempt(request, attempt.retry_state.attempt_number)
        except _Failure as failure:
            error = failure.final()
            _log.warning(
                "nztab_request_failed",
                method=_METHOD,
                url=failure.url,
                status=failure.status,
                attempt=failure.attempt,
                reason=failure.reason,
                error=failure.description,
            )
            raise error from failure.__cause__
        raise AssertionError("tenacity stopped without an outcome")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome is not None else None
        if isinstance(failure, _Failure) and failure.retry_after is not None:
            return min(failure.retry_after, RETRY_AFTER_CAP_S)
        return float(self._backoff(state))

    def _before_retry(self, endpoint: Endpoint, state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome is not None else None
        if not isinstance(failure, _Failure):  # pragma: no cover - only _Failure is retried
            return
        RETRIES.labels(endpoint, failure.reason).inc()
        _log.info(
            "nztab_retry",
            method=_METHOD,
            url=failure.url,
            status=failure.status,
            attempt=failure.attempt,
            reason=failure.reason,
            error=failure.description,
            wait_s=round(state.upcoming_sleep, 3),
        )

    async def _attempt(self, request: EndpointRequest, attempt: int) -> Fetched:
        outgoing = self._http.build_request(_METHOD, request.path, params=request.params)
        url = str(outgoing.url)
        async with self._in_flight:
            await self._limiter.acquire()
            started = time.perf_counter()
            try:
                response = await self._http.send(outgoing)
            except httpx.TransportError as exc:
                reason = next((r for kind, r in _TRANSIENT if isinstance(exc, kind)), None)
                REQUESTS.labels(request.endpoint, reason or "transport_error").inc()
                raise _Failure(
                    reason or "transport_error",
                    f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                    url=url,
                    attempt=attempt,
                    retryable=reason is not None,
                ) from exc
            finally:
                REQUEST_SECONDS.labels(request.endpoint).observe(time.perf_counter() - started)
        received_at = self._clock.now()
        body = response.content
        await self._keep(url, response.status_code, body, received_at)
        return self._judge(request.endpoint, response, url, received_at, attempt)

    async def _keep(self, url: str, status: int, body: bytes, received_at: datetime) -> None:
        if self._capture is None:
            return
        try:
            await self._capture.record(url, status, body, received_at=received_at)
        except OSError as exc:  # a full disk must not stop polling; say so loudly instead
            _log.error("capture_write_failed", url=url, status=status, error=str(exc))

    def _judge(
        self,
        endpoint: Endpoint,
        response: httpx.Response,
        url: str,
        received_at: datetime,
        attempt: int,
    ) -> Fetched:
        status, body = response.status_code, response.content
        if 200 <= status < 300:
            decoded = _json_object(body)
            if decoded is not None:
                REQUESTS.labels(endpoint, "ok").inc()
                return Fetched(url, status, received_at, body, decoded)
            REQUESTS.labels(endpoint, "malformed").inc()
            raise _Failure(
                "malformed",
                "the body is not a JSON object",
                url=url,
                attempt=attempt,
                retryable=True,
                status=status,
                body=body,
            )
        if status == 429:
            REQUESTS.labels(endpoint, "http_429").inc()
            # Measured against the server's own Date when it sends one: its clock set the date.
            server_now = _date_header(response) or received_at
            raise _Failure(
                "http_429",
                _error_description(response),
                url=url,
                attempt=attempt,
                retryable=True,
                status=status,
                body=body,
                retry_after=retry_after_seconds(response.headers.get("Retry-After"), server_now),
            )
        retryable = status >= 500
        reason = "http_5xx" if retryable else "http_4xx"
        REQUESTS.labels(endpoint, reason).inc()
        raise _Failure(
            reason,
            _error_description(response),
            url=url,
            attempt=attempt,
            retryable=retryable,
            status=status,
            body=body,
        )


def _error_description(response: httpx.Response) -> str:
    """The reason phrase, and what NZTAB's error envelope says (header.error, error_code):
    the envelope puts them after title, time and URL, past the excerpt."""
    phrase = response.reason_phrase or "HTTP error"
    envelope = _json_object(response.content)
    header = envelope.get("header") if envelope is not None else None
    if not isinstance(header, dict) or not header.get("error"):
        return phrase
    code = header.get("error_code")
    return f"{phrase}: {header['error']}" + (f" (error_code {code})" if code is not None else "")


def _date_header(response: httpx.Response) -> datetime | None:
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
