"""The load generator of `raceday bench api`: HTTP/1.1 keep-alive requests on loopback, timed
from send to the last byte of the (decompressed) body.

aiohttp, not httpx: the generator shares the machine's two cores with the server, and httpx's
own CPU per request (measured: about twice aiohttp's) showed up as server latency at
concurrency 16 and capped the throughput the bench could see.

Three loads:
- `load_level`: a list of requests, `concurrency` of them in flight; each one's latency.
- `race_page`: what one poll of the client's race page sends (contract §4.1,
  hooks/useRacePolling.ts): B5 (the race), then B6-B9 together (its meeting, entrants,
  navigation, results), then B11 and B12 together (pools; the money-flow timeline, following
  `next_cursor` for at most 10 pages, as the client does). Timed as a whole.
- the throughput of one endpoint is `load_level`'s requests over its wall time.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from raceday import fastjson

__all__ = [
    "TIMELINE_MAX_PAGES",
    "LevelResult",
    "PageRequest",
    "PageResult",
    "Target",
    "load_level",
    "race_pages",
]

Target = tuple[str, dict[str, str]]
TIMELINE_MAX_PAGES = 10  # the client's bound on one refresh's pages
_WARMUP = 5  # untimed requests before each level: connections open, caches warm
_TIMEOUT = aiohttp.ClientTimeout(total=60)


@dataclass(frozen=True)
class LevelResult:
    times: list[float]  # seconds, one per request
    statuses: Counter[int]
    wall_s: float  # first send to last body, all requests

    @property
    def per_second(self) -> float:
        return len(self.times) / self.wall_s if self.wall_s > 0 else 0.0


@dataclass(frozen=True)
class PageRequest:
    """One race page refresh: the race, its runners, and where the timeline resumes from
    (None: the first load, from the start)."""

    race_id: str
    entrant_ids: tuple[str, ...]
    created_after: str | None


@dataclass(frozen=True)
class PageResult:
    times: list[float]  # seconds, one per refresh
    requests: list[int]  # HTTP requests per refresh
    timeline_pages: list[int]
    statuses: Counter[int]


def _session(base_url: str, concurrency: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    return aiohttp.ClientSession(base_url, connector=connector, timeout=_TIMEOUT)


async def _get(
    session: aiohttp.ClientSession, target: Target, statuses: Counter[int]
) -> tuple[int, bytes]:
    path, params = target
    async with session.get(path, params=params) as response:
        body = await response.read()
    statuses[response.status] += 1
    return response.status, body


async def _run(jobs: Sequence[Callable[[], Awaitable[None]]], concurrency: int) -> float:
    """Run `jobs` with `concurrency` workers; the wall time."""
    queue = list(reversed(jobs))

    async def worker() -> None:
        while queue:
            await queue.pop()()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def load_level(base_url: str, targets: Sequence[Target], concurrency: int) -> LevelResult:
    """Send `targets` with `concurrency` requests in flight."""

    async def main() -> LevelResult:
        times: list[float] = []
        statuses: Counter[int] = Counter()
        async with _session(base_url, concurrency) as session:
            for target in targets[:_WARMUP]:
                await _get(session, target, Counter())

            def job(target: Target) -> Callable[[], Awaitable[None]]:
                async def timed() -> None:
                    started = time.perf_counter()
                    await _get(session, target, statuses)
                    times.append(time.perf_counter() - started)

                return timed

            wall = await _run([job(t) for t in targets], concurrency)
        return LevelResult(times, statuses, wall)

    return asyncio.run(main())


async def _refresh(
    session: aiohttp.ClientSession, page: PageRequest, statuses: Counter[int]
) -> tuple[int, int]:
    """One race page refresh, as the client makes it; (requests, timeline pages)."""
    race = {"raceId": page.race_id}
    status, body = await _get(session, (f"/api/races/{page.race_id}", {}), statuses)
    if status != 200:
        raise RuntimeError(f"race {page.race_id}: HTTP {status}")
    meeting_id = _json(body)["meeting_id"]
    await asyncio.gather(
        _get(session, (f"/api/meetings/{meeting_id}", {}), statuses),
        _get(session, ("/api/entrants", race), statuses),
        _get(session, ("/api/races/navigation", race), statuses),
        _get(session, ("/api/race-results", race), statuses),  # a 404 is "no results yet"
    )
    _, pages = await asyncio.gather(
        _get(session, ("/api/race-pools", race), statuses),
        _timeline(session, page, statuses),
    )
    return 6 + pages, pages


async def _timeline(
    session: aiohttp.ClientSession, page: PageRequest, statuses: Counter[int]
) -> int:
    params = {"raceId": page.race_id, "entrants": ",".join(page.entrant_ids), "poolType": "win"}
    if page.created_after:
        params["createdAfter"] = page.created_after
    for number in range(1, TIMELINE_MAX_PAGES + 1):
        status, body = await _get(session, ("/api/money-flow-timeline", params), statuses)
        cursor = _json(body).get("next_cursor") if status == 200 else None
        if not cursor:
            return number
        params = {**params, "cursorAfter": cursor}
    return TIMELINE_MAX_PAGES


def _json(body: bytes) -> dict[str, Any]:
    value = fastjson.loads(body)
    if not isinstance(value, dict):
        raise RuntimeError(f"expected a JSON object, got {body[:80]!r}")
    return value


def race_pages(base_url: str, pages: Sequence[PageRequest], concurrency: int) -> PageResult:
    """Refresh `pages`, `concurrency` race pages at once (each page's own calls as the client
    sends them: up to 4 in flight)."""

    async def main() -> PageResult:
        times: list[float] = []
        requests: list[int] = []
        timeline_pages: list[int] = []
        statuses: Counter[int] = Counter()
        # Each page has up to 4 requests in flight: connections for all of them.
        async with _session(base_url, concurrency * 4) as session:
            for page in pages[:_WARMUP]:
                await _refresh(session, page, Counter())

            def job(page: PageRequest) -> Callable[[], Awaitable[None]]:
                async def timed() -> None:
                    started = time.perf_counter()
                    sent, timeline = await _refresh(session, page, statuses)
                    times.append(time.perf_counter() - started)
                    requests.append(sent)
                    timeline_pages.append(timeline)

                return timed

            await _run([job(p) for p in pages], concurrency)
        return PageResult(times, requests, timeline_pages, statuses)

    return asyncio.run(main())
