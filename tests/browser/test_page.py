"""raceday's own page in headless Chromium (Debian's, found or installed by
scripts/ensure-chromium; driven by playwright), against the real API over the generated day.

The page must list the day's meetings and races as the API does, show a race's runners and
pools, and draw the API's real timeline in its two uPlot charts; it must load nothing from
another origin and log no console error. Also: how the page's files are served.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from raceday.cli import main
from tests.fixtures.api import GENERATED_DAY, api_client

ENSURE_CHROMIUM = Path(__file__).resolve().parents[2] / "scripts" / "ensure-chromium"
DAY = GENERATED_DAY.isoformat()
WAIT_MS = 20_000  # the machine is slow and shared
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# ---- the browser and a visit ------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium_path() -> str:
    # Within pytest's own 300-s limit: an install from Debian's packages takes a minute or two.
    try:
        result = subprocess.run(
            [str(ENSURE_CHROMIUM)], capture_output=True, text=True, timeout=270, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.skip("no Chromium: ensure-chromium took longer than 270 s")
    if result.returncode != 0 or not result.stdout.strip():
        pytest.skip(f"no Chromium: {result.stderr.strip() or 'ensure-chromium printed nothing'}")
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


# Under build/ (ignored by git); RACEDAY_TEST_ARTIFACTS moves it.
SCREENSHOT = (
    Path(
        os.environ.get(
            "RACEDAY_TEST_ARTIFACTS", Path(__file__).parents[2] / "build" / "test-artifacts"
        )
    )
    / "page-race.png"
)


@dataclass
class Visit:
    """A page open on the API's origin, with every request URL and console error it made."""

    page: Page
    origin: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def request(self, request: Request) -> None:
        self.requests.append(request.url)


@pytest.fixture
def visit(browser: Browser, generated_api: httpx.Client) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    seen = Visit(page, origin=str(generated_api.base_url).rstrip("/"))
    page.on("console", seen.console)
    page.on("pageerror", lambda error: seen.errors.append(f"uncaught: {error}"))
    page.on("request", seen.request)
    try:
        yield seen
    finally:
        context.close()


def ingest(database_url: str, *paths: Path) -> None:
    assert main(["ingest", *map(str, paths), "--database-url", database_url]) == 0


def open_day(visit: Visit, *, race: str | None = None) -> None:
    url = f"{visit.origin}/?date={DAY}" + (f"&race={race}" if race else "")
    visit.page.goto(url, wait_until="load")
    visit.page.wait_for_selector(".meeting")


# ---- what the API says ------------------------------------------------------------------


def api_json(api: httpx.Client, path: str, **params: Any) -> Any:
    response = api.get(path, params=params)
    assert response.status_code == 200, f"{path} {params}: {response.status_code} {response.text}"
    return response.json()


def day_card(api: httpx.Client) -> list[dict[str, Any]]:
    """The API's meetings of the day, each with its races."""
    meetings: list[dict[str, Any]] = api_json(api, "/api/meetings", date=DAY)
    for meeting in meetings:
        meeting["races"] = api_json(api, "/api/races", meeting_id=meeting["meeting_id"])
    return meetings


def timeline(api: httpx.Client, race_id: str, entrant_ids: list[str]) -> list[dict[str, Any]]:
    """Every win-pool timeline document of a race, following next_cursor."""
    documents: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(50):
        params: dict[str, Any] = {"race_id": race_id, "pool_type": "win", "limit": 500}
        params["entrants"] = ",".join(entrant_ids)
        if cursor:
            params["cursor_after"] = cursor
        body = api_json(api, "/api/money-flow-timeline", **params)
        documents += body["documents"]
        cursor = body.get("next_cursor")
        if not cursor:
            return documents
    raise AssertionError("the timeline did not stop paging")


@dataclass
class RaceWithHistory:
    race_id: str
    meeting_name: str
    entrants: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    pools: dict[str, Any]


@pytest.fixture(scope="module")
def race_with_history(generated_api: httpx.Client) -> RaceWithHistory:
    """The first race of the day (by start) with pools and a timeline of several polls."""
    races = [
        (race, meeting["meeting_name"])
        for meeting in day_card(generated_api)
        for race in meeting["races"]
    ]
    for race, meeting_name in sorted(
        races, key=lambda r: datetime.fromisoformat(r[0]["start_time"])
    ):
        entrants = api_json(generated_api, "/api/entrants", race_id=race["race_id"])
        ids = [entrant["entrant_id"] for entrant in entrants]
        documents = timeline(generated_api, race["race_id"], ids) if ids else []
        polls = {doc["polling_timestamp"] for doc in documents}
        pools = generated_api.get("/api/race-pools", params={"race_id": race["race_id"]})
        if len(polls) >= 3 and pools.status_code == 200:
            return RaceWithHistory(race["race_id"], meeting_name, entrants, documents, pools.json())
    raise AssertionError("no race of the generated day has pools and a timeline")


# ---- the day ----------------------------------------------------------------------------


def test_the_day_lists_the_apis_meetings_and_races(
    visit: Visit, generated_api: httpx.Client
) -> None:
    card = day_card(generated_api)
    assert len(card) == 3 and all(meeting["races"] for meeting in card)  # 3 meetings generated
    open_day(visit)
    page = visit.page
    page.wait_for_function(
        "n => document.querySelectorAll('.race-row').length === n",
        arg=sum(len(m["races"]) for m in card),
    )
    shown = page.locator(".meeting-name").all_inner_texts()
    assert sorted(shown) == sorted(m["meeting_name"] for m in card)
    for meeting in card:
        article = page.locator(f'.meeting[data-meeting-id="{meeting["meeting_id"]}"]')
        by_number = sorted(meeting["races"], key=lambda race: race["race_number"])
        names = article.locator(".race-name").all_inner_texts()
        assert names == [race["name"] for race in by_number]
        numbers = article.locator(".race-number").all_inner_texts()
        assert numbers == [f"R{race['race_number']}" for race in by_number]
    assert page.locator("#day-title").inner_text() == f"Meetings of {DAY}"
    assert page.locator("#day-input").input_value() == DAY


def test_race_times_are_nz_times_and_countdowns_tick_each_second(
    visit: Visit, generated_api: httpx.Client
) -> None:
    card = day_card(generated_api)
    race = card[0]["races"][0]
    start = datetime.fromisoformat(race["start_time"])  # carries the NZ offset
    page = visit.page
    # The browser's clock, before the start: near enough that no day refresh (60 s) comes
    # between the page's first draw and the checks below.
    page.clock.install(time=start - timedelta(hours=1, minutes=2, seconds=14))
    open_day(visit)
    row = f'.race-row[data-race-id="{race["race_id"]}"]'
    assert page.locator(f"{row} .race-time").inner_text() == start.strftime("%H:%M")
    assert page.locator(f"{row} .badge").inner_text() == race["status"]
    # Every race of the generated day is settled, and a settled race has no countdown; so the
    # test reopens one (on the page only) to watch the page's own ticking.
    assert race["status"] in {"Final", "Abandoned"}
    assert page.locator(f"{row} .countdown").inner_text() == ""
    page.locator(f"{row} .countdown").evaluate("node => { node.dataset.status = 'Open'; }")
    page.clock.pause_at(start - timedelta(hours=1, minutes=2, seconds=4))
    page.clock.run_for(1000)
    assert page.locator(f"{row} .countdown").inner_text() == "in 1:02:03"
    page.clock.run_for(2000)
    assert page.locator(f"{row} .countdown").inner_text() == "in 1:02:01"
    page.clock.set_system_time(start + timedelta(minutes=3))
    page.clock.run_for(1000)
    assert page.locator(f"{row} .countdown").inner_text() == "3:01 ago"
    assert page.locator("#clock").inner_text() == "NZ " + (
        (start + timedelta(minutes=3, seconds=1)).strftime("%H:%M:%S")
    )


# ---- a race -----------------------------------------------------------------------------

CHART_DATA = """() => {
  const out = {};
  const charts = window.racedayCharts;
  for (const key of ["odds", "hold"]) {
    const chart = charts[key];
    out[key] = { ms: chart.data[0].map(x => Math.round(x * 1000)), ids: chart.racedayIds, series: chart.data.slice(1) };
  }
  return out;
}"""

# Pixels inside the plot area whose colour is the first runner's line (the axes and grid are
# grey, so a match means the series itself was drawn from the data).
LINE_PIXELS = """key => {
  const chart = window.racedayCharts[key];
  const canvas = chart.ctx.canvas;
  const { left, top, width, height } = chart.bbox;
  const pixels = chart.ctx.getImageData(left, top, width, height).data;
  const hex = chart.racedayColors[0];
  const want = [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16));
  let line = 0, painted = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] === 0) continue;
    painted++;
    if (want.every((v, k) => Math.abs(pixels[i + k] - v) < 24)) line++;
  }
  return { line, painted, size: [canvas.width, canvas.height] };
}"""


def epoch_ms(timestamp: str) -> int:
    """A timestamp as whole milliseconds since the epoch, as the browser's Date.parse reads it
    (it keeps milliseconds and drops the microseconds)."""
    return (datetime.fromisoformat(timestamp) - EPOCH) // timedelta(milliseconds=1)


def select(visit: Visit, race_id: str) -> None:
    visit.page.locator(f'.race-row[data-race-id="{race_id}"]').click()
    visit.page.wait_for_function(
        "id => window.racedayCharts.raceId === id && window.racedayCharts.hold !== null",
        arg=race_id,
    )


def test_a_race_shows_its_runners_and_pools(
    visit: Visit, race_with_history: RaceWithHistory
) -> None:
    race = race_with_history
    open_day(visit)
    select(visit, race.race_id)
    page = visit.page
    assert page.locator("#race-title").inner_text().startswith(f"{race.meeting_name} R")
    rows = page.locator("#runners tbody tr")
    assert rows.count() == len(race.entrants)
    for index, entrant in enumerate(race.entrants):
        cells = rows.nth(index).locator("td").all_inner_texts()
        assert cells[0] == str(entrant["runner_number"])
        assert cells[1].startswith(entrant["name"])
        if isinstance(entrant["win_odds"], (int, float)):
            assert cells[2] == f"{entrant['win_odds']:.2f}"
        if isinstance(entrant["hold_percentage"], (int, float)):
            assert cells[4] == f"{entrant['hold_percentage']:.1f}"
    win_cents = race.pools["win_pool_total"]
    shown = page.locator('#pools [data-pool="win_pool_total"]').inner_text()
    assert shown == f"${round(win_cents / 100):,}"
    total = page.locator('#pools [data-pool="total_race_pool"]').inner_text()
    assert total == f"${round(race.pools['total_race_pool'] / 100):,}"
    assert f"race={race.race_id}" in page.url  # the selection is in the URL, to share or reload


def test_the_charts_draw_the_apis_timeline(
    visit: Visit, race_with_history: RaceWithHistory
) -> None:
    race = race_with_history
    open_day(visit, race=race.race_id)  # straight from the URL this time
    visit.page.wait_for_function(
        "id => window.racedayCharts.raceId === id && window.racedayCharts.hold !== null",
        arg=race.race_id,
    )
    charts = visit.page.evaluate(CHART_DATA)
    for key, field_name in (("odds", "fixed_win_odds"), ("hold", "hold_percentage")):
        chart = charts[key]
        expected: dict[tuple[str, int], set[float]] = {}
        for doc in race.documents:
            if isinstance(doc[field_name], (int, float)):
                at = epoch_ms(doc["polling_timestamp"])
                expected.setdefault((doc["entrant_id"], at), set()).add(doc[field_name])
        assert len(expected) >= 6, f"too little {field_name} history to compare"
        plotted: dict[tuple[str, int], float] = {}
        for entrant_id, values in zip(chart["ids"], chart["series"], strict=True):
            for at, value in zip(chart["ms"], values, strict=True):
                if value is not None:
                    plotted[(entrant_id, at)] = value
        # Every value the API gave is on the chart at its poll time, and nothing else is.
        assert set(plotted) == set(expected), key
        for point, value in plotted.items():
            assert any(abs(value - v) < 1e-9 for v in expected[point]), (key, point, value)
        assert chart["ms"] == sorted(chart["ms"]) and len(set(chart["ms"])) >= 3
        pixels = visit.page.evaluate(LINE_PIXELS, key)
        assert pixels["painted"] > 0 and pixels["line"] > 20, (key, pixels)
    # For a person to look at (the closing note points at it): the race as drawn.
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000


def test_the_page_stays_on_its_origin_and_logs_no_error(
    visit: Visit, race_with_history: RaceWithHistory
) -> None:
    open_day(visit)
    select(visit, race_with_history.race_id)
    visit.page.wait_for_timeout(1500)  # a countdown tick or two
    foreign = [url for url in visit.requests if not url.startswith(visit.origin + "/")]
    assert foreign == []
    paths = {urlsplit(url).path for url in visit.requests}
    for needed in (
        "/static/app.js",
        "/static/vendor/uplot/uPlot.iife.min.js",
        "/api/meetings",
        "/api/entrants",
        "/api/race-pools",
        "/api/money-flow-timeline",
    ):
        assert needed in paths, needed
    assert visit.errors == []
    assert not visit.page.locator("#status").evaluate("e => e.classList.contains('error')")


def test_an_unknown_race_is_reported_on_the_status_line_not_a_crash(visit: Visit) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    open_day(visit, race=missing)
    status = visit.page.locator("#status.error")
    status.wait_for()
    assert missing in status.inner_text()
    # The browser logs each 404 fetch as a console error; nothing else may be there.
    assert all("404" in error for error in visit.errors), visit.errors
    assert visit.page.locator(".meeting").count() == 3  # the day is still there


def test_the_charts_update_in_place_as_polls_arrive(
    browser: Browser,
    database_url: str,
    generated_files: Path,
    race_with_history: RaceWithHistory,
) -> None:
    """A database of its own that gets the race's last poll while the page is open: the next
    15-s refresh asks only for what is new (created_after) and the same charts take it."""
    polls = sorted(generated_files.glob(f"race-{race_with_history.race_id}-*.json"))
    assert len(polls) >= 4
    ingest(database_url, generated_files / "meetings.json", *polls[:-1])
    with api_client(database_url) as api:
        context = browser.new_context(viewport={"width": 1400, "height": 1100})
        try:
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url))
            page.clock.install()
            page.goto(f"{api.base_url}/?date={DAY}&race={race_with_history.race_id}")
            page.wait_for_function("() => window.racedayCharts.hold !== null")
            before = page.evaluate(
                "() => { window.racedayCharts.hold.racedayMark = 'first';"
                " return window.racedayCharts.hold.data[0].length; }"
            )
            ingest(database_url, polls[-1])
            grown = "n => window.racedayCharts.hold && window.racedayCharts.hold.data[0].length > n"
            for _ in range(5):  # the API serves a poll's rows once they are settled (< 1 s)
                page.clock.fast_forward(15_000)
                page.wait_for_timeout(1000)
                if page.evaluate(grown, before):
                    break
            page.wait_for_function(grown, arg=before)
            same = page.evaluate("() => window.racedayCharts.hold.racedayMark")
            assert same == "first", "the chart was drawn anew, not updated in place"
            refreshes = [url for url in requests if "money-flow-timeline" in url]
            assert any("created_after=" in url for url in refreshes[1:])
        finally:
            context.close()


# ---- how the files are served -----------------------------------------------------------


def test_the_page_and_its_files_are_served_with_types_and_caching(
    generated_api: httpx.Client,
) -> None:
    index = generated_api.get("/")
    assert index.status_code == 200
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert index.headers["cache-control"] == "no-cache"
    assert "default-src 'self'" in index.headers["content-security-policy"]
    assert '<script type="module" src="/static/app.js">' in index.text
    script = generated_api.get("/static/app.js")
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["cache-control"] == "no-cache"
    assert generated_api.get("/static/style.css").headers["content-type"].startswith("text/css")
    vendor = generated_api.get("/static/vendor/uplot/uPlot.iife.min.js")
    assert vendor.status_code == 200 and "uPlot" in vendor.text[:200]
    assert vendor.headers["cache-control"] == "public, max-age=86400"
    licence = generated_api.get("/static/vendor/uplot/LICENSE")
    assert licence.status_code == 200 and "MIT" in licence.text
    assert "/" not in generated_api.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    "path",
    [
        "/static/..%2Fresources%2Fpage.py",
        "/static/%2e%2e/%2e%2e/app.py",
        "/static/vendor",
        "/static/",
        "/static/no-such-file.js",
    ],
)
def test_nothing_outside_the_static_files_is_served(generated_api: httpx.Client, path: str) -> None:
    response = generated_api.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
