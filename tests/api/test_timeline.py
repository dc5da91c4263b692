"""/money-flow-timeline on a real PostgreSQL: documents of the asked entrants in cents with the
store's values, per-bucket increments as the grid reads them, both spellings and prefixes, 400s,
pool_type, and paging that neither repeats nor skips a row while polls are being stored."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit
from uuid import UUID

import httpx
import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row
from pydantic import TypeAdapter

from raceday.api.errors import BadRequest
from raceday.api.resources.timeline import (
    TimelinePage,
    decode_cursor,
    encode_cursor,
    parse_instant,
)
from raceday.cli import main
from tests.fixtures.api import api_client

SAMPLE_RACE = "0f57e087-00d9-4c61-9549-835abe2ae2ed"
SAMPLE_FILE = "race-event-0f57e087-final.json"
UNKNOWN_RACE = "00000000-0000-4000-8000-000000000000"
PATH = "/api/money-flow-timeline"

NUMBERS = (
    "time_interval",
    "time_to_start",
    "hold_percentage",
    "bet_percentage",
    "betPercentage",
)
CENTS = (
    "win_pool_amount",
    "place_pool_amount",
    "incremental_win_amount",
    "incremental_place_amount",
    "winPoolAmount",
    "placePoolAmount",
)
ODDS = ("fixed_win_odds", "fixed_place_odds", "pool_win_odds", "pool_place_odds")
TIMES = ("polling_timestamp", "event_timestamp", "created_at")
# The timeline serves a committed row 100 ms after its transaction began at the earliest (its
# settling margin): tests that read right after an ingest wait this long first.
SETTLE_S = 0.2


# --- helpers -------------------------------------------------------------------------------------


def _sql(url: str, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(query, params).fetchall()


def _role_sql(template: str, role: str) -> sql.Composed:
    """A statement naming a role, quoted."""
    return sql.SQL(template).format(sql.Identifier(role))


def _as_user(url: str, user: str) -> str:
    """The same database as `url`, as `user` (no password: the test servers trust loopback)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{quote(user)}@{host}"))


def _row_id(entrant_id: UUID, event_timestamp: datetime) -> str:
    """The document id the API gives the row with this primary key."""
    return f"{entrant_id}@{event_timestamp.astimezone(UTC).isoformat(timespec='microseconds')}"


def _store_rows(url: str, race_id: str) -> dict[str, dict[str, Any]]:
    rows = _sql(
        url,
        "SELECT * FROM money_flow_history WHERE race_id = %(r)s ORDER BY entrant_id, event_timestamp",
        {"r": race_id},
    )
    return {_id(r): r for r in rows}


def _id(row: dict[str, Any]) -> str:
    return _row_id(row["entrant_id"], row["event_timestamp"])


def _busiest_race(url: str) -> str:
    rows = _sql(
        url,
        "SELECT race_id FROM money_flow_history GROUP BY race_id "
        "ORDER BY count(DISTINCT time_interval) - count(DISTINCT event_timestamp), race_id LIMIT 1",
    )
    return str(rows[0]["race_id"])


def _all_documents(api: httpx.Client, race_id: str, **params: Any) -> list[dict[str, Any]]:
    body = api.get(PATH, params={"race_id": race_id, "limit": 1000, **params}).json()
    assert body["next_cursor"] is None
    documents: list[dict[str, Any]] = body["documents"]
    return documents


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cents(dollars: Decimal | None) -> int | None:
    return None if dollars is None else int((dollars * 100).to_integral_value())


@pytest.fixture(scope="module")
def race(generated_database: str) -> str:
    """A generated race with a bucket that holds several polls (so increments per bucket and
    per poll differ somewhere)."""
    time.sleep(SETTLE_S)
    return _busiest_race(generated_database)


@pytest.fixture(scope="module")
def samples(samples_api: httpx.Client) -> httpx.Client:
    time.sleep(SETTLE_S)
    return samples_api


# --- ids and cursors (pure) ----------------------------------------------------------------------


def test_a_cursor_round_trips_and_garbage_is_refused() -> None:
    created = datetime.fromisoformat("2026-04-05T08:41:00.253387+00:00")
    entrant = UUID("008b8322-1c94-4d1e-8ab3-f75f60a9af09")
    observed = datetime.fromisoformat("2026-04-05T20:41:00.000001+12:00")
    cursor = encode_cursor(created, entrant, observed)
    assert decode_cursor(cursor) == (created, entrant, observed)
    garbage = ("", "abc", "!!!!", "W10", cursor + "0" * 16, cursor.upper(), cursor[1:-1] + "é")
    for value in garbage:
        with pytest.raises(BadRequest):
            decode_cursor(value)


def test_created_after_must_be_rfc_3339_with_an_offset() -> None:
    assert parse_instant("2025-07-17T12:50:00+12:00", "x").isoformat() == (
        "2025-07-17T12:50:00+12:00"
    )
    assert parse_instant("2025-07-17T00:50:00.123456789Z", "x").microsecond == 123456
    # '+' unescaped in a URL arrives as a space.
    assert parse_instant("2025-07-17T12:50:00 12:00", "x").utcoffset() == timedelta(hours=12)
    for bad in (
        "2025-07-17",
        "2025-07-17T12:50:00",
        "yesterday",
        "1752713400",
        "2025-13-01T00:00:00Z",
    ):
        with pytest.raises(BadRequest):
            parse_instant(bad, "created_after")


# --- the documents -------------------------------------------------------------------------------


def test_documents_belong_to_the_asked_entrants(
    generated_api: httpx.Client, generated_database: str, race: str
) -> None:
    stored = _store_rows(generated_database, race)
    entrants = sorted({str(r["entrant_id"]) for r in stored.values()})
    assert len(entrants) >= 8
    asked = entrants[:3]
    documents = _all_documents(generated_api, race, entrants=",".join(asked))
    assert {d["entrant_id"] for d in documents} == set(asked)
    assert {d["race_id"] for d in documents} == {race}
    assert len(documents) == sum(1 for r in stored.values() if str(r["entrant_id"]) in asked)
    # The key repeated works as well as commas, and an entrant of no race gives nothing.
    params: list[tuple[str, str | int | float | bool | None]] = [("race_id", race), ("limit", 1000)]
    params += [("entrants", asked[0]), ("entrants", f"{asked[1]},{UNKNOWN_RACE}")]
    repeated = generated_api.get(PATH, params=params).json()["documents"]
    assert {d["entrant_id"] for d in repeated} == set(asked[:2])


def test_without_entrants_every_row_of_the_race_is_served(
    generated_api: httpx.Client, generated_database: str, race: str
) -> None:
    stored = _store_rows(generated_database, race)
    documents = _all_documents(generated_api, race)
    assert len(documents) == len(stored) == len({d["id"] for d in documents})
    assert {d["id"] for d in documents} == set(stored)


def test_values_are_the_stores_with_money_in_cents(
    generated_api: httpx.Client, generated_database: str, race: str
) -> None:
    stored = _store_rows(generated_database, race)
    for document in _all_documents(generated_api, race):
        row = stored[document["id"]]
        assert document["win_pool_amount"] == _cents(row["win_pool_amount"])
        assert document["place_pool_amount"] == _cents(row["place_pool_amount"])
        assert document["winPoolAmount"] == document["win_pool_amount"]
        assert document["placePoolAmount"] == document["place_pool_amount"]
        assert document["hold_percentage"] == float(row["hold_percentage"])
        assert (
            document["bet_percentage"] == document["betPercentage"] == float(row["bet_percentage"])
        )
        assert document["time_interval"] == float(row["time_interval"])
        assert document["time_to_start"] == float(row["time_to_start"])
        assert document["interval_type"] == row["interval_type"]
        for odds in ODDS:
            assert document[odds] == float(row[odds]) > 0  # filled, not null (M7)
        assert datetime.fromisoformat(document["polling_timestamp"]) == row["event_timestamp"]
        assert datetime.fromisoformat(document["created_at"]) == row["created_at"]


def test_every_number_is_a_json_number_and_times_carry_the_nz_offset(
    generated_api: httpx.Client, samples: httpx.Client, race: str
) -> None:
    for api, race_id in ((generated_api, race), (samples, SAMPLE_RACE)):
        documents = _all_documents(api, race_id)
        assert documents
        for document in documents:
            for name in NUMBERS + ODDS:
                assert _is_number(document[name]), (name, document[name])
            for name in CENTS:
                value = document[name]
                assert value is None or (isinstance(value, int) and not isinstance(value, bool))
            assert isinstance(document["win_pool_amount"], int)
            for name in TIMES:
                offset = datetime.fromisoformat(document[name]).utcoffset()
                assert offset in (timedelta(hours=12), timedelta(hours=13)), document[name]
            assert 0 <= document["hold_percentage"] <= 100


def test_every_page_is_exactly_the_documented_response_model(
    generated_api: httpx.Client, samples: httpx.Client, race: str
) -> None:
    """The endpoint writes its JSON itself (for speed); TimelinePage, the model the OpenAPI
    document shows, must read every body back without loss: same keys, same values, same types."""
    model = TypeAdapter(TimelinePage)
    for api, race_id in ((generated_api, race), (samples, SAMPLE_RACE)):
        for pool_type in ("win", "place", "odds"):
            first = api.get(PATH, params={"raceId": race_id, "poolType": pool_type, "limit": 7})
            body = first.json()
            assert body["documents"] and body["next_cursor"]
            pages = [body]
            pages.append(
                api.get(
                    PATH,
                    params={
                        "raceId": race_id,
                        "poolType": pool_type,
                        "createdAfter": body["next_created_at"],
                    },
                ).json()
            )
            for page in pages:
                assert json.loads(model.dump_json(model.validate_python(page))) == page


def _expected_increments(rows: list[dict[str, Any]], amount: str) -> dict[str, int | None]:
    """The grid's increment, computed here from the stored rows: at 60 the amount itself, else
    the change since the entrant's last row in the bucket before (None without one)."""
    expected: dict[str, int | None] = {}
    by_entrant: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_entrant[row["entrant_id"]].append(row)
    for line in by_entrant.values():
        line.sort(key=lambda r: r["event_timestamp"])
        before_bucket: Decimal | None = None
        for position, row in enumerate(line):
            if position and line[position - 1]["time_interval"] != row["time_interval"]:
                before_bucket = line[position - 1][amount]
            if row["time_interval"] == 60:
                expected[_id(row)] = _cents(row[amount])
            elif before_bucket is None or position == 0 or row[amount] is None:
                expected[_id(row)] = None
            else:
                expected[_id(row)] = _cents(row[amount] - before_bucket)
    return expected


def test_increments_are_the_change_over_each_bucket_in_cents(
    generated_api: httpx.Client, generated_database: str, race: str
) -> None:
    stored = _store_rows(generated_database, race)
    documents = {d["id"]: d for d in _all_documents(generated_api, race)}
    for column in ("incremental_win_amount", "incremental_place_amount"):
        amount = column.removeprefix("incremental_").replace("_amount", "_pool_amount")
        expected = _expected_increments(list(stored.values()), amount)
        assert {i: d[column] for i, d in documents.items()} == expected
    # Where the bucket before is the previous poll, it is the store's own increment x 100; at 60
    # it is the baseline; in a bucket of several polls the later rows carry the whole change.
    same, baseline, wider = 0, 0, 0
    for row_id, document in documents.items():
        row = stored[row_id]
        store = _cents(row["incremental_win_amount"])
        if row["time_interval"] == 60:
            assert document["incremental_win_amount"] == document["win_pool_amount"]
            baseline += 1
        elif document["incremental_win_amount"] == store:
            same += 1
        else:
            wider += 1
    assert same and baseline and wider, (same, baseline, wider)


def test_a_sample_race_has_the_payloads_values(samples: httpx.Client, samples_dir: Path) -> None:
    body = json.loads((samples_dir / SAMPLE_FILE).read_text())
    win_total = next(p["total"] for p in body["data"]["tote_pools"] if p["product_type"] == "Win")
    holds: dict[str, float] = defaultdict(float)  # the tracker has many rows per entrant
    for tracked in body["data"]["money_tracker"]["entrants"]:
        holds[tracked["entrant_id"]] += tracked["hold_percentage"]
    runners = {r["entrant_id"]: r for r in body["data"]["runners"]}
    response = samples.get(f"/money-flow-timeline?raceId={SAMPLE_RACE}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    documents = response.json()["documents"]
    tickford = next(
        d for d in documents if d["entrant_id"] == "61181b8c-a540-43a8-900c-83ebe680e218"
    )
    assert holds[tickford["entrant_id"]] == 18 == tickford["hold_percentage"]
    assert tickford["win_pool_amount"] == round(win_total * 18) == 164725  # $1,647.25 in cents
    odds = runners[tickford["entrant_id"]]["odds"]
    assert (tickford["fixed_win_odds"], tickford["fixed_place_odds"]) == (5.0, 1.8)
    assert (tickford["pool_win_odds"], tickford["pool_place_odds"]) == (
        odds["pool_win"],
        odds["pool_place"],
    )
    # One poll, 626.99 minutes after the start: bucket -626, no earlier bucket to compare with.
    assert {d["time_interval"] for d in documents} == {-626.0}
    assert {d["interval_type"] for d in documents} == {"live"}
    assert all(d["incremental_win_amount"] is None for d in documents)
    assert tickford["polling_timestamp"] == "2025-07-17T23:16:59.189042+12:00"


# --- parameters ----------------------------------------------------------------------------------


def test_both_spellings_and_both_prefixes_give_the_same_page(
    generated_api: httpx.Client, race: str
) -> None:
    first = generated_api.get(PATH, params={"race_id": race, "limit": 3}).json()
    cursor, created = first["next_cursor"], first["next_created_at"]
    assert cursor and created
    for path in (PATH, "/money-flow-timeline"):
        for names in (
            ("race_id", "pool_type", "cursor_after", "created_after"),
            ("raceId", "poolType", "cursorAfter", "createdAfter"),
        ):
            params = dict(zip(names, (race, "place", cursor, created), strict=True))
            response = generated_api.get(path, params={**params, "limit": 3})
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["pool_type"] == "place"
            assert [d["id"] for d in body["documents"]] == [
                d["id"]
                for d in generated_api.get(
                    PATH,
                    params={
                        "race_id": race,
                        "pool_type": "place",
                        "limit": 3,
                        "cursor_after": cursor,
                        "created_after": created,
                    },
                ).json()["documents"]
            ]
            assert body["documents"] and body["documents"][0]["id"] != first["documents"][0]["id"]


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, "race_id"),
        ({"race_id": "not-a-uuid"}, "race_id"),
        ({"entrants": f"{SAMPLE_RACE},bogus-id"}, "bogus-id"),
        ({"pool_type": "quinella"}, "pool_type"),
        ({"poolType": "WIN"}, "pool_type"),
        ({"limit": 0}, "limit"),
        ({"limit": 2001}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"created_after": "2025-07-17"}, "created_after"),
        ({"createdAfter": "2025-07-17T12:00:00"}, "created_after"),
        ({"created_after": "not a time"}, "created_after"),
        ({"cursor_after": "garbage"}, "cursor_after"),
        ({"cursorAfter": "W10"}, "cursor_after"),
    ],
)
def test_bad_parameters_are_400s_that_say_which(
    samples: httpx.Client, params: dict[str, Any], names: str
) -> None:
    query = {"race_id": SAMPLE_RACE} if "race_id" not in params and params else {}
    response = samples.get(PATH, params={**query, **params})
    assert response.status_code == 400, response.text
    assert names in response.json()["error"]


def test_an_unknown_race_is_a_404(samples: httpx.Client) -> None:
    for path in (PATH, "/money-flow-timeline"):
        response = samples.get(path, params={"raceId": UNKNOWN_RACE})
        assert response.status_code == 404
        assert response.json() == {"error": f"race {UNKNOWN_RACE} not found"}


# --- pool_type -----------------------------------------------------------------------------------


def test_pool_type_chooses_the_generic_increment(generated_api: httpx.Client, race: str) -> None:
    pages = {p: _all_documents(generated_api, race, pool_type=p) for p in ("win", "place", "odds")}
    assert all(d["pool_type"] == "win" for d in pages["win"])
    assert all(d["incremental_amount"] == d["incremental_win_amount"] for d in pages["win"])
    assert all(d["incremental_amount"] == d["incremental_place_amount"] for d in pages["place"])
    assert all(d["incremental_amount"] is None for d in pages["odds"])
    assert any(d["incremental_amount"] not in (None, 0) for d in pages["win"])
    win = {d["id"]: d["incremental_amount"] for d in pages["win"]}
    place = {d["id"]: d["incremental_amount"] for d in pages["place"]}
    assert win.keys() == place.keys() and win != place
    # Every document still carries both pools and the prices (the client draws every view
    # from one request).
    assert all(
        d["incremental_place_amount"] is not None for d in pages["win"] if d["time_interval"] == 60
    )


def _ingest(url: str, *paths: Path) -> None:
    assert main(["ingest", *map(str, paths), "--database-url", url]) == 0


def _race_files(folder: Path) -> tuple[str, list[Path]]:
    """The first generated race (by file name) and its poll files, in poll order."""
    files = sorted(folder.glob("race-*-*.json"))
    race_id = files[0].name[len("race-") : -len("-01.json")]
    return race_id, [f for f in files if f.name.startswith(f"race-{race_id}-")]


def test_pool_type_chooses_the_rows_that_have_its_data(
    database_url: str, generated_files: Path
) -> None:
    race_id, polls = _race_files(generated_files)
    _ingest(database_url, generated_files / "meetings.json", *polls[:4])
    stored = _store_rows(database_url, race_id)
    time.sleep(SETTLE_S)
    no_place, no_prices = sorted(stored)[:3], sorted(stored)[3:5]
    with psycopg.connect(database_url, autocommit=True) as conn:
        for row_id in no_place:  # a poll without a Place pool (small fields have none)
            row = stored[row_id]
            conn.execute(
                "UPDATE money_flow_history SET place_pool_amount = NULL, incremental_place_amount = NULL"
                " WHERE entrant_id = %s AND event_timestamp = %s",
                (row["entrant_id"], row["event_timestamp"]),
            )
        for row_id in no_prices:
            row = stored[row_id]
            conn.execute(
                "UPDATE money_flow_history SET fixed_win_odds = NULL, fixed_place_odds = NULL,"
                " pool_win_odds = NULL, pool_place_odds = NULL"
                " WHERE entrant_id = %s AND event_timestamp = %s",
                (row["entrant_id"], row["event_timestamp"]),
            )
    with api_client(database_url) as api:
        rows = {
            p: {d["id"] for d in _all_documents(api, race_id, poolType=p)}
            for p in ("win", "place", "odds")
        }
        assert rows["win"] == set(stored)
        assert rows["place"] == set(stored) - set(no_place)
        assert rows["odds"] == set(stored) - set(no_prices)
        odd = next(d for d in _all_documents(api, race_id) if d["id"] == no_prices[0])
        assert all(odd[name] is None for name in ODDS)


# --- paging --------------------------------------------------------------------------------------


def test_pages_of_two_cover_the_race_once(
    generated_api: httpx.Client, generated_database: str, race: str
) -> None:
    stored = _store_rows(generated_database, race)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"raceId": race, "limit": 2}
        if cursor:
            params["cursorAfter"] = cursor
        body = generated_api.get(PATH, params=params).json()
        pages += 1
        seen += [d["id"] for d in body["documents"]]
        assert body["interval_coverage"]["total_documents"] == len(body["documents"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert len(body["documents"]) == 2
    assert len(seen) == len(set(seen)) == len(stored) and set(seen) == set(stored)
    assert pages == (len(stored) + 1) // 2  # the last full page already says there is no more
    created = [stored[i]["created_at"] for i in seen]
    assert created == sorted(created)


def test_next_created_at_never_skips_the_rest_of_a_poll(
    generated_api: httpx.Client, generated_database: str, race: str
) -> None:
    stored = _store_rows(generated_database, race)
    first = generated_api.get(PATH, params={"race_id": race, "limit": 5}).json()
    last_created = datetime.fromisoformat(first["documents"][-1]["created_at"])
    # The poll's other rows come on the next page: next_created_at is just before them.
    assert datetime.fromisoformat(first["next_created_at"]) == last_created - timedelta(
        microseconds=1
    )
    refreshed = _all_documents(generated_api, race, created_after=first["next_created_at"])
    assert {d["id"] for d in refreshed} == {
        i for i, r in stored.items() if r["created_at"] >= last_created
    }
    everything = generated_api.get(PATH, params={"race_id": race, "limit": 1000}).json()
    assert everything["next_created_at"] == everything["documents"][-1]["created_at"]
    assert everything["message"] is None and everything["interval_coverage"]["entrants_covered"] > 1
    nothing_new = generated_api.get(
        PATH, params={"race_id": race, "createdAfter": everything["next_created_at"]}
    ).json()
    assert nothing_new["documents"] == [] and nothing_new["next_cursor"] is None
    # An empty refresh says where to refresh from again: where it was asked from.
    assert datetime.fromisoformat(nothing_new["next_created_at"]) == datetime.fromisoformat(
        everything["next_created_at"]
    )


def test_a_race_without_money_flow_says_so(samples: httpx.Client, samples_database: str) -> None:
    quiet = _sql(
        samples_database,
        "SELECT race_id FROM races r WHERE NOT EXISTS"
        " (SELECT 1 FROM money_flow_history m WHERE m.race_id = r.race_id) ORDER BY race_id LIMIT 1",
    )[0]["race_id"]
    body = samples.get(PATH, params={"raceId": str(quiet)}).json()
    assert body["documents"] == [] and body["next_cursor"] is None
    assert body["message"] == "No timeline data available yet"


def test_paging_while_polls_are_stored_repeats_and_skips_nothing(
    database_url: str, generated_files: Path
) -> None:
    race_id, polls = _race_files(generated_files)
    assert len(polls) == 12
    # The third poll comes last, late (a file stored after the live polls): its rows have
    # event_timestamps behind everything the pages have passed.
    first, late, rest = polls[:2] + polls[3:5], polls[2], polls[5:]
    _ingest(database_url, generated_files / "meetings.json", *first)
    before = set(_store_rows(database_url, race_id))
    assert len(before) >= 50
    time.sleep(SETTLE_S)

    def store_the_rest() -> None:
        for poll in [*rest, late]:
            _ingest(database_url, poll)
            time.sleep(0.05)

    writer = threading.Thread(target=store_the_rest)
    served: list[str] = []
    while_writing = 0
    with api_client(database_url) as api:
        at_start = {d["id"] for d in _all_documents(api, race_id)}  # one large page
        assert at_start == before
        writer.start()
        cursor, created_after = None, None
        quiet_after_writer = 0
        # As the client pages: next_cursor to the end, then a refresh from next_created_at;
        # until the writer is done and a refresh after that finds nothing new.
        while quiet_after_writer < 2:
            writer_running = writer.is_alive()
            params: dict[str, Any] = {"raceId": race_id, "limit": 2}
            if cursor:
                params["cursorAfter"] = cursor
            elif created_after:
                params["createdAfter"] = created_after
            body = api.get(PATH, params=params).json()
            served += [d["id"] for d in body["documents"]]
            while_writing += writer_running
            cursor = body["next_cursor"]
            created_after = body["next_created_at"] or created_after
            if cursor is None:
                quiet_after_writer = (
                    quiet_after_writer + 1 if not writer_running and not body["documents"] else 0
                )
                time.sleep(0.3)  # past the settling margin, as a client's next refresh is
            else:
                time.sleep(0.01)
        writer.join()
    after = set(_store_rows(database_url, race_id))
    assert len(after) > len(before)
    assert while_writing > 10  # the pages really were read while polls were being stored
    assert len(served) == len(set(served)), "a row was served twice"
    assert before <= set(served), "a row that existed before paging was skipped"
    assert set(served) == after, "a row stored while paging was skipped"


def test_a_horizon_that_moves_back_between_pages_repeats_and_skips_nothing(
    database_url: str, generated_files: Path
) -> None:
    """The settled horizon is read afresh on every request, and it can move back: a session the
    API's role may not see opens between two pages (the horizon becomes 10 s ago). The page
    after a cursor still serves the rest of the poll the cursor is inside (that poll committed),
    and a page held back says where to resume; the earlier answer (an empty page, no
    next_created_at) sent the client back to a point before rows it already had (CI, stop 13)."""
    race_id, polls = _race_files(generated_files)
    reader = "timeline_reader_" + psycopg.conninfo.conninfo_to_dict(database_url)["dbname"]
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(_role_sql("CREATE ROLE {} LOGIN", reader))
        admin.execute(_role_sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {}", reader))
    reader_url = _as_user(database_url, reader)
    try:
        # Polls stored in the last 10 s, each poll in its own transaction (its own created_at).
        _ingest(database_url, generated_files / "meetings.json", *polls[:3])
        stored = _store_rows(database_url, race_id)
        time.sleep(SETTLE_S)
        served: list[str] = []
        with api_client(reader_url) as api:
            first = api.get(PATH, params={"raceId": race_id, "limit": 2}).json()
            served += [d["id"] for d in first["documents"]]
            first_poll = stored[served[0]]["created_at"]
            assert first["next_cursor"] is not None
            with psycopg.connect(database_url):  # unseen by the reader: the horizon moves back
                cursor, created_after = first["next_cursor"], first["next_created_at"]
                while cursor:
                    body = api.get(
                        PATH, params={"raceId": race_id, "limit": 2, "cursorAfter": cursor}
                    ).json()
                    served += [d["id"] for d in body["documents"]]
                    cursor = body["next_cursor"]
                    created_after = body["next_created_at"] or created_after
                # The first poll's rows all came; the later polls are held back.
                assert {stored[i]["created_at"] for i in served} == {first_poll}
                assert set(served) == {
                    i for i, r in stored.items() if r["created_at"] == first_poll
                }
                assert datetime.fromisoformat(created_after) == first_poll
            time.sleep(SETTLE_S)
            while True:
                body = api.get(
                    PATH,
                    params={
                        "raceId": race_id,
                        "limit": 2,
                        **({"cursorAfter": cursor} if cursor else {"createdAfter": created_after}),
                    },
                ).json()
                served += [d["id"] for d in body["documents"]]
                cursor = body["next_cursor"]
                created_after = body["next_created_at"] or created_after
                if not cursor and not body["documents"]:
                    break
        assert len(served) == len(set(served)), "a row was served twice"
        assert set(served) == set(stored), "a row was skipped"
    finally:
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(_role_sql("DROP OWNED BY {}", reader))
            admin.execute(_role_sql("DROP ROLE {}", reader))


def test_a_transaction_that_started_earlier_cannot_commit_behind_the_cursor(
    database_url: str, generated_files: Path
) -> None:
    """The out-of-order commit the settled horizon exists for: a writer that began before rows
    now visible commits its rows (created_at = its start) after the client paged past them."""
    race_id, polls = _race_files(generated_files)
    _ingest(database_url, generated_files / "meetings.json", polls[0])
    early = set(_store_rows(database_url, race_id))
    row = next(iter(_store_rows(database_url, race_id).values()))
    with api_client(database_url) as api, psycopg.connect(database_url) as slow:
        slow.execute("SELECT pg_current_xact_id()")  # begun, and holding a transaction id
        time.sleep(0.05)
        _ingest(database_url, polls[1])  # begins and commits after `slow` began
        later = set(_store_rows(database_url, race_id)) - early
        time.sleep(0.3)
        held = api.get(PATH, params={"raceId": race_id, "limit": 1000}).json()
        assert {d["id"] for d in held["documents"]} == early  # the later poll is held back
        # `slow` stores a row whose created_at is its own start, before the later poll's rows.
        slow.execute(
            "INSERT INTO money_flow_history (entrant_id, race_id, event_timestamp, hold_percentage,"
            " bet_percentage, win_pool_amount, time_to_start, time_interval, interval_type)"
            " VALUES (%s, %s, %s, 1, 1, 10, 100, 60, '5m')",
            (row["entrant_id"], row["race_id"], row["event_timestamp"] - timedelta(minutes=5)),
        )
        slow.commit()
        time.sleep(0.3)
        rest = api.get(
            PATH, params={"raceId": race_id, "limit": 1000, "createdAfter": held["next_created_at"]}
        ).json()
        ids = [d["id"] for d in rest["documents"]]
        assert set(ids) == later | {
            _row_id(row["entrant_id"], row["event_timestamp"] - timedelta(minutes=5))
        }
