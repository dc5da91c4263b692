"""Ingest robustness on a real PostgreSQL: a file is all or nothing, replays write nothing, and
concurrent ingests of overlapping polls end where one sequential ingest ends.

Expected row counts come from the payload itself (runners, pools, ...) or from `race_batch`,
the pure transform: these tests are about atomicity and idempotence, not about the values.
Three bugs these tests found are fixed and pinned here: an entrant id stored under another race
(now refused whole), history that depended on the order polls arrived in (now the same), and a
lone surrogate in a string that stopped the whole batch (now refused for that file, by path).
"""

from __future__ import annotations

import copy
import json
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from raceday.config import Settings, load_settings
from raceday.db import connect
from raceday.ingest import IngestReport, discover_files, race_batch
from raceday.ingest.rows import RACE_TABLES as WRITTEN
from raceday.nztab.models import FORM_STAT_KEYS, RaceEvent
from raceday.nztab.payloads import parse_payload
from tests.fixtures.ingesting import file_ingestor
from tests.fixtures.postgres import fresh_database
from tests.fixtures.samples import read_sample

EVENT_0F57 = "race-event-0f57e087-final.json"  # 8 runners, generated 2025-07-17T11:16:59Z
EVENT_A413 = "race-event-a413cb06-final.json"  # 7 runners, generated 2025-08-20T03:01:05Z

# Every table a race event writes to (partition_quarantine: history whose day is refused).
RACE_TABLES = (*WRITTEN, "partition_quarantine")
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# --- helpers ------------------------------------------------------------------------------------


def _settings(url: str) -> Settings:
    return load_settings(database_url=url)


def _write(path: Path, body: object) -> Path:
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def _rekeyed(body: dict[str, Any]) -> dict[str, Any]:
    """A copy whose race, meeting and entrant ids are fresh everywhere they appear.

    The copy then shares no key with the original, so "nothing of it was stored" can be checked
    by id even when the original is stored in the same database.
    """
    data = body["data"]
    old = [data["race"]["event_id"], data["race"]["meeting_id"]]
    old += [runner["entrant_id"] for runner in data["runners"]]
    text = json.dumps(body)
    for old_id in old:
        text = text.replace(old_id, str(uuid.uuid4()))
    rekeyed: dict[str, Any] = json.loads(text)
    return rekeyed


def _race_rows(conn: psycopg.Connection, body: dict[str, Any]) -> dict[str, int]:
    """Rows per table that belong to the race of `body` (by race, meeting and entrant ids)."""
    race = body["data"]["race"]
    race_id, meeting_id = race["event_id"], race["meeting_id"]
    entrant_ids = [runner["entrant_id"] for runner in body["data"]["runners"]]
    queries = {
        "meetings": ("select count(*) from meetings where meeting_id = %s", [meeting_id]),
        "odds_history": (
            "select count(*) from odds_history where entrant_id = any(%s::uuid[])",
            [entrant_ids],
        ),
        "money_flow_history": (
            "select count(*) from money_flow_history"
            " where race_id = %s or entrant_id = any(%s::uuid[])",
            [race_id, entrant_ids],
        ),
    }
    for table in RACE_TABLES[1:7]:  # races .. race_dividends: all keyed by race_id
        queries[table] = (f"select count(*) from {table} where race_id = %s", [race_id])
    counts = {}
    for table, (query, params) in queries.items():
        row = conn.execute(query, params).fetchone()
        assert row is not None
        counts[table] = row[0]
    return counts


def _expected_rows(body: dict[str, Any]) -> dict[str, int]:
    """What a race event writes into an empty database: every row of its batch."""
    payload = parse_payload(body)
    assert isinstance(payload, RaceEvent)
    batch = race_batch(payload)
    return {
        "meetings": 1,
        "races": 1,
        "entrants": len(batch.entrants),
        "race_pools": len(batch.pools),
        "race_results": int(batch.result is not None),
        "race_result_positions": len(batch.positions),
        "race_dividends": len(batch.dividends),
        "odds_history": len(batch.odds),
        "money_flow_history": len(batch.money),
    }


def _table_counts(conn: psycopg.Connection) -> dict[str, int]:
    counts = {}
    for table in RACE_TABLES:
        row = conn.execute(f"select count(*) from {table}").fetchone()
        assert row is not None
        counts[table] = row[0]
    return counts


def _primary_key(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(
        """select a.attname from pg_index i
             join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
            where i.indrelid = %s::regclass and i.indisprimary
            order by array_position(i.indkey::int2[], a.attnum)""",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def _dump(
    conn: psycopg.Connection, table: str, exclude: Sequence[str] = ()
) -> list[tuple[Any, ...]]:
    """Every row of `table` (its partitions included), ordered by primary key."""
    columns = [
        r[0]
        for r in conn.execute(
            """select column_name from information_schema.columns
                where table_schema = 'public' and table_name = %s order by ordinal_position""",
            [table],
        ).fetchall()
        if r[0] not in exclude
    ]
    order = ", ".join(_primary_key(conn, table)) or f"{table}::text"
    query = f"select {', '.join(columns)} from {table} order by {order}"
    return [(*columns,), *conn.execute(query).fetchall()]


def _public_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        """select relname from pg_class
            where relnamespace = 'public'::regnamespace and relkind in ('r', 'p')
              and not relispartition
            order by relname"""
    ).fetchall()
    return [r[0] for r in rows]


# --- 1. hypothesis: mutated race events never crash and never leave a partial race --------------

# JSON blobs the schema keeps whole: mutating inside them cannot fail validation, so they are
# only mutated as a whole, which keeps the examples on the fields that are validated.
_OPAQUE = {
    "last_starts", "flucs_with_timestamp", "speedmap", "runner_change", "form_indicators",
    "video_channels_meta", "picks", "runner_win_history", "qla_odds", "will_pays", "legs",
    "last_12_months_prize_money", "tote_trends_data", *FORM_STAT_KEYS,
}  # fmt: skip

JsonPath = tuple[str | int, ...]

# A value of another type in place of whatever was there.
RETYPED = st.sampled_from(
    ["abc", "", " ", None, True, False, 0, [], [1, "x"], {}, {"x": 1}, "12%", "-1", "NaN"]
)  # fmt: skip
# Numbers that validation must refuse (negative, over 10**15, not a JSON-able magnitude)...
OUT_OF_RANGE = st.sampled_from([-1, -0.01, 10**20, 2**63, 1e308, "1e999", "-5"])
# ...and numbers validation lets through that the transform or a column must refuse: integer
# columns stop at 2**31 - 1, numeric(10,2) odds at 10**8, numeric(12,2) money at 10**10.
EXTREME = st.sampled_from(
    [2**31, 2**31 - 1, 10**14, 1e12, "99999999999999", 99_999_999.995, 100.001, 0, 0.001]
)  # fmt: skip
# Big or odd text. Lone surrogates are left out: they crash the batch, see
# test_a_lone_surrogate_in_a_string_fails_the_file_not_the_batch.
ODD_TEXT = st.sampled_from(
    ["x" * 100_000, "9" * 400, "é" * 20_000, "a\x00b", "\t", "", "'; drop table races; --"]
)  # fmt: skip
GARBAGE_UUIDS = st.one_of(
    st.sampled_from(["not-a-uuid", "", "0f57e087", "0f57e087-00d9-4c61-9549-zzzzzzzzzzzz", 12345]),
    st.uuids().map(str),  # valid but pointing nowhere
)
PERCENT_OVER = st.sampled_from([100.01, 101, "150%", 1000, 1e6])

# What each value mutation draws: (pool of paths, values).
VALUE_MUTATIONS = {
    "retype": ("any", RETYPED),
    "out_of_range": ("number", OUT_OF_RANGE),
    "extreme": ("number", EXTREME),
    "odd_text": ("text", ODD_TEXT),
    "uuid": ("uuid", GARBAGE_UUIDS),
}
MUTATIONS = (*VALUE_MUTATIONS, "remove", "duplicate_runner", "money")
# Keys whose value ends up in a column (of the sections a race event is stored from): a third
# of the paths are drawn among them, so that the examples reach the transform and the database.
STORED = ("race", "runners", "results", "dividends", "tote_pools", "money_tracker")
COLUMN_KEYS = {
    "description", "distance", "race_number", "track_circumference", "entrant_count",
    "field_size", "positions_paid", "advertised_start", "actual_start", "total_value", "name",
    "barrier", "runner_number", "age", "jockey", "fixed_win", "fixed_place", "pool_win",
    "pool_place", "allocated", "total", "allowance_weight", "scratch_time", "position",
    "margin_length", "time_ran", "winning_time", "product_type", "guarantee", "jackpot",
    "brought_forward", "tote", "product_name", "dividend", "pool_size", "jackpot_size",
    "hold_percentage", "bet_percentage", "event_id", "meeting_id", "entrant_id",
}  # fmt: skip


def _walk(node: object, prefix: JsonPath) -> Iterator[tuple[JsonPath, object]]:
    items: list[tuple[str | int, object]]
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return
    for key, child in items:
        path = (*prefix, key)
        yield path, child
        if key not in _OPAQUE:
            yield from _walk(child, path)


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float) or (
        isinstance(value, str) and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value) is not None
    )


def _parent(body: dict[str, Any], path: JsonPath) -> Any:
    node: Any = body
    for part in path[:-1]:
        node = node[part]
    return node


def _draw_path(data: st.DataObject, pool: list[JsonPath]) -> JsonPath:
    where = data.draw(st.sampled_from(["anywhere", "stored section", "column"]), label="where")
    if where != "anywhere":
        narrowed = [p for p in pool if p[1] in STORED]
        if where == "column":
            narrowed = [p for p in narrowed if p[-1] in COLUMN_KEYS]
        pool = narrowed or pool
    return data.draw(st.sampled_from(pool), label="path")


def _mutate(body: dict[str, Any], data: st.DataObject, paths: dict[str, list[JsonPath]]) -> None:
    """Apply one drawn mutation to `body` in place (a stale path, after an earlier one: no-op)."""
    kind = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    runners = body["data"]["runners"]
    try:
        if kind == "duplicate_runner":
            twin = copy.deepcopy(data.draw(st.sampled_from(runners), label="runner"))
            if data.draw(st.booleans(), label="with a fresh entrant_id"):
                twin["entrant_id"] = str(uuid.uuid4())
            runners.append(twin)
        elif kind == "money":
            rows = body["data"]["money_tracker"]["entrants"]
            row = data.draw(st.sampled_from(rows), label="money_tracker row")
            name = data.draw(st.sampled_from(["hold_percentage", "bet_percentage"]), label="field")
            if data.draw(st.booleans(), label="one row over 100"):
                row[name] = data.draw(PERCENT_OVER, label="percent")
            else:  # each row in range, but the entrant's rows sum to more than 100
                for other in rows:
                    if other.get("entrant_id") == row.get("entrant_id"):
                        other[name] = 60
        elif kind == "remove":
            path = _draw_path(data, paths["any"] + paths["section"])
            del _parent(body, path)[path[-1]]
        else:
            pool, values = VALUE_MUTATIONS[kind]
            path = _draw_path(data, paths[pool])
            _parent(body, path)[path[-1]] = data.draw(values, label="value")
    except (KeyError, IndexError, TypeError):
        pass  # an earlier mutation removed or replaced this path's parent


def test_mutated_race_events_are_stored_whole_or_not_at_all(
    database_url: str, samples_dir: Path, tmp_path: Path
) -> None:
    base = read_sample(samples_dir, EVENT_0F57)
    walked = list(_walk(base["data"], ("data",)))
    paths = {
        "any": [p for p, _ in walked if len(p) > 2],  # whole sections are only removed
        "section": [p for p, _ in walked if len(p) == 2],
        "number": [p for p, v in walked if _is_number(v)],
        "uuid": [p for p, v in walked if isinstance(v, str) and UUID_TEXT.fullmatch(v)],
        "text": [p for p, v in walked if isinstance(v, str) and not UUID_TEXT.fullmatch(v)],
    }
    file = tmp_path / "mutated-event.json"
    # One Ingestor (one connection) for the whole run, as in a batch: a failed file must leave
    # it usable. Each example starts from an empty database (TRUNCATE below).
    with (
        file_ingestor(database_url, _settings(database_url)) as ing,
        connect(database_url, autocommit=True) as db,
    ):

        @settings(
            max_examples=60,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(data=st.data())
        def check(data: st.DataObject) -> None:
            body = copy.deepcopy(base)
            for _ in range(data.draw(st.integers(1, 3), label="mutations")):
                _mutate(body, data, paths)
            _write(file, body)
            try:
                report = ing([file])  # nothing may escape: that is the test
                [outcome] = report.outcomes
                event(f"outcome: {outcome.status}")  # --hypothesis-show-statistics
                stored = _table_counts(db)
                if outcome.status == "failed":
                    assert outcome.reason and str(file) in outcome.reason
                    assert stored == dict.fromkeys(RACE_TABLES, 0), outcome.reason
                else:
                    assert outcome.status == "ok", outcome
                    expected = _expected_rows(body)
                    payload = parse_payload(body)
                    assert isinstance(payload, RaceEvent)
                    assert expected["entrants"] == len(payload.known_entrant_ids())
                    assert stored == {**expected, "partition_quarantine": 0}
            finally:
                db.execute(f"truncate {', '.join(RACE_TABLES)}")

        check()


def test_a_bad_file_fails_alone_and_leaves_no_trace(
    database_url: str, samples_dir: Path, tmp_path: Path
) -> None:
    good_0f57 = read_sample(samples_dir, EVENT_0F57)
    good_a413 = read_sample(samples_dir, EVENT_A413)
    # Its own ids: otherwise the good 0f57 event would own the rows we expect to be absent.
    bad = _rekeyed(good_0f57)
    bad["data"]["runners"][2]["odds"]["fixed_win"] = "abc"
    files = [
        _write(tmp_path / "good-0f57.json", good_0f57),
        _write(tmp_path / "corrupt-copy.json", bad),
        _write(tmp_path / "good-a413.json", good_a413),
    ]
    with file_ingestor(database_url, _settings(database_url)) as ing:
        report = ing(files)
        by_name = {o.path.name: o for o in report.outcomes}
        assert [by_name[f.name].status for f in files] == ["ok", "failed", "ok"]
        reason = by_name["corrupt-copy.json"].reason or ""
        assert str(files[1]) in reason
        assert "data.runners[2].odds.fixed_win" in reason
        assert _race_rows(ing.conn, good_0f57) == _expected_rows(good_0f57)
        assert _race_rows(ing.conn, good_a413) == _expected_rows(good_a413)
        assert set(_race_rows(ing.conn, bad).values()) == {0}


def test_a_refusal_by_the_database_late_in_the_transaction_rolls_the_race_back(
    database_url: str, samples_dir: Path, tmp_path: Path
) -> None:
    # A test-only trigger refuses dividends: the refusal comes after meeting, race, entrants,
    # pools, result and placings were sent, in the middle of the race's pipeline.
    body = read_sample(samples_dir, EVENT_0F57)
    file = _write(tmp_path / "refused.json", body)
    with file_ingestor(database_url, _settings(database_url)) as ing:
        ing.conn.execute(
            """create function test_refuse() returns trigger language plpgsql as $$
               begin raise exception 'test refuses dividends' using errcode = '23514'; end $$;
               create trigger test_refuse before insert on race_dividends
                   for each row execute function test_refuse()"""
        )
        [outcome] = ing([file]).outcomes
        assert outcome.status == "failed"
        assert (
            outcome.reason
            and f"{file}: database refused it: test refuses dividends" in outcome.reason
        )
        assert set(_race_rows(ing.conn, body).values()) == {0}
        # The same connection goes on: once the database accepts, the file is stored whole.
        ing.conn.execute("drop trigger test_refuse on race_dividends")
        [after] = ing([file]).outcomes
        assert after.status == "ok"
        assert _race_rows(ing.conn, body) == _expected_rows(body)


def _entrant_of_another_race(conn: psycopg.Connection, entrant_id: str, stamp: datetime) -> str:
    """Store a meeting, race and one entrant `entrant_id` unrelated to the 0f57 event."""
    meeting_id, race_id = uuid.uuid4(), uuid.uuid4()
    conn.execute(
        "insert into meetings (meeting_id, meeting_name, meeting_date, country, category)"
        " values (%s, 'Elsewhere', '2025-07-17', 'NZ', 'T')",
        [meeting_id],
    )
    conn.execute(
        "insert into races (race_id, meeting_id, race_number, name, status, race_date_nz,"
        " start_time) values (%s, %s, 1, 'Another race', 'Open', '2025-07-17',"
        " '2025-07-17T01:00:00Z')",
        [race_id, meeting_id],
    )
    conn.execute(
        "insert into entrants (entrant_id, race_id, name, runner_number, api_generated_time)"
        " values (%s, %s, 'Another horse', 1, %s)",
        [entrant_id, race_id, stamp],
    )
    return str(race_id)


@pytest.mark.parametrize(
    "stamp",
    [
        pytest.param(datetime(2025, 7, 1, tzinfo=UTC), id="older-than-the-event"),
        pytest.param(datetime(2030, 1, 1, tzinfo=UTC), id="newer-than-the-event"),
    ],
)
def test_an_entrant_id_owned_by_another_race_is_all_or_nothing(
    database_url: str, samples_dir: Path, tmp_path: Path, stamp: datetime
) -> None:
    body = read_sample(samples_dir, EVENT_0F57)
    # NZTAB entrant ids are unique across races, so this is a corrupt store or payload: the
    # race is refused whole, whatever the age of the other race's row.
    taken = body["data"]["runners"][0]["entrant_id"]
    file = _write(tmp_path / "event.json", body)
    with file_ingestor(database_url, _settings(database_url)) as ing:
        _entrant_of_another_race(ing.conn, taken, stamp)
        [outcome] = ing([file]).outcomes
        rows = _race_rows(ing.conn, body)
    assert outcome.status == "failed"
    assert "stored under another race" in (outcome.reason or "") and taken in (outcome.reason or "")
    assert rows["races"] == rows["entrants"] == rows["race_result_positions"] == 0


def test_a_lone_surrogate_in_a_string_fails_the_file_not_the_batch(
    database_url: str, samples_dir: Path, tmp_path: Path
) -> None:
    bad = _rekeyed(read_sample(samples_dir, EVENT_0F57))
    bad["data"]["runners"][0]["name"] = "Tick\ud800ford"  # json.dumps writes it as \ud800
    good = read_sample(samples_dir, EVENT_A413)
    files = [_write(tmp_path / "surrogate.json", bad), _write(tmp_path / "good.json", good)]
    with file_ingestor(database_url, _settings(database_url)) as ing:
        report = ing(files)
        assert [o.status for o in report.outcomes] == ["failed", "ok"]
        assert str(files[0]) in (report.outcomes[0].reason or "")
        assert "data.runners[0].name" in (report.outcomes[0].reason or "")
        assert set(_race_rows(ing.conn, bad).values()) == {0}


# --- 2. replay: a second ingest of the same files changes nothing --------------------------------


def test_replaying_the_samples_folder_rewrites_nothing(
    database_url: str, samples_dir: Path
) -> None:
    files = discover_files([samples_dir])
    with file_ingestor(database_url, _settings(database_url)) as ing:
        first = ing(files)
    assert first.ok, first.to_json()["errors"]
    assert first.rows()["races"] > 0 and first.rows()["odds_history"] > 0
    with connect(database_url, autocommit=True) as conn:
        # Everything, created_at and updated_at included: nothing may be rewritten.
        before = {table: _dump(conn, table) for table in _public_tables(conn)}
    with file_ingestor(
        database_url, _settings(database_url)
    ) as ing:  # a second run, as from the CLI
        second = ing(files)
    assert second.ok, second.to_json()["errors"]
    assert second.rows() == {}
    with connect(database_url, autocommit=True) as conn:
        after = {table: _dump(conn, table) for table in _public_tables(conn)}
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table


# --- 3. concurrency: overlapping concurrent ingests end where one sequential ingest ends ----------

OBSERVED_0F57 = datetime(2025, 7, 17, 11, 16, 59, 189042, tzinfo=UTC)
# Poll k (1..5) of one race: some prices repeat between polls, so change detection matters.
FIXED_WIN_0 = (5, 5, 6, 5.5, 5.5)
FIXED_PLACE_2 = (1.8, 1.9, 1.9, 1.8, 2.0)


def _polls(samples_dir: Path, folder: Path) -> list[Path]:
    """Five polls of the 0f57 race a minute apart, with moving prices, money and pools."""
    base = read_sample(samples_dir, EVENT_0F57)
    files = []
    for k in range(1, 6):
        body = copy.deepcopy(base)
        stamp = OBSERVED_0F57 + timedelta(minutes=k)
        body["header"]["generated_time"] = stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        runners = body["data"]["runners"]
        runners[0]["odds"]["fixed_win"] = FIXED_WIN_0[k - 1]
        runners[1]["odds"]["pool_win"] = round(4.0 + 0.1 * k, 2)
        runners[2]["odds"]["fixed_place"] = FIXED_PLACE_2[k - 1]
        rows = body["data"]["money_tracker"]["entrants"]
        for index in (1, 2, 3):  # small shares: the per-entrant sums stay under 100
            rows[index]["hold_percentage"] = (index + k) % 4
            rows[index]["bet_percentage"] = (index * k) % 3
        for pool in body["data"]["tote_pools"]:
            if pool["product_type"] in ("Win", "Place"):
                pool["total"] = round(pool["total"] + 100 * k * (k % 3), 2)
        files.append(_write(folder / f"poll-{k}.json", body))
    return files


# Columns that say when or in which order rows were written, not what was observed.
_WRITE_TIMES = ("created_at", "updated_at")
# newer_wins rows are not rewritten when a newer poll holds the same values (a replay writes
# nothing), so their api_generated_time is that of the first of several identical polls to be
# written: poll 2 when poll 2 commits before poll 1. The values themselves must still match.
_FIRST_WRITER = (*_WRITE_TIMES, "api_generated_time")
COMPARED: dict[str, tuple[str, ...]] = {
    "odds_history": _WRITE_TIMES,
    "money_flow_history": _WRITE_TIMES,
    "entrants": _FIRST_WRITER,
    "races": (*_WRITE_TIMES, "last_status_change_at", "finalized_at", "abandoned_at"),
    "race_pools": _FIRST_WRITER,
    "race_results": _WRITE_TIMES,
    "race_result_positions": _FIRST_WRITER,
    "race_dividends": _FIRST_WRITER,
}


def _state(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with connect(url, autocommit=True) as conn:
        return {table: _dump(conn, table, exclude) for table, exclude in COMPARED.items()}


def _ingest_concurrently(url: str, groups: Sequence[Sequence[Path]]) -> list[IngestReport]:
    """Each group in its own thread and Ingestor, all released at once by a barrier."""
    barrier = threading.Barrier(len(groups))
    reports: list[IngestReport | None] = [None] * len(groups)
    errors: list[BaseException] = []

    def work(index: int, files: Sequence[Path]) -> None:
        try:
            with file_ingestor(url, _settings(url)) as ing:
                barrier.wait(timeout=30)
                reports[index] = ing(files)
        except BaseException as exc:  # re-raised in the test's thread below
            barrier.abort()
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, g)) for i, g in enumerate(groups)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    assert all(r is not None for r in reports), "an ingest thread did not finish"
    return [r for r in reports if r is not None]


def _differences(
    left: dict[str, list[tuple[Any, ...]]], right: dict[str, list[tuple[Any, ...]]]
) -> list[str]:
    return [table for table in left if left[table] != right[table]]


def test_concurrent_overlapping_ingests_end_like_one_sequential_ingest(
    database_url: str, server_url: str, template_database: str, samples_dir: Path, tmp_path: Path
) -> None:
    p1, p2, p3, p4, p5 = _polls(samples_dir, tmp_path)
    # The reference: the union, once, in one process.
    with file_ingestor(database_url, _settings(database_url)) as ing:
        assert ing([p1, p2, p3, p4, p5]).ok
    expected = _state(database_url)
    assert len(expected["odds_history"]) > 1 and len(expected["money_flow_history"]) > 1

    for _run in range(3):  # a race is a matter of luck: give it a few chances to show
        with fresh_database(server_url, template=template_database) as url:
            reports = _ingest_concurrently(url, [[p1, p2, p3, p4], [p3, p4, p5, p2]])
            for report in reports:
                assert report.ok, report.to_json()["errors"]
            differs = _differences(_state(url), expected)
        # Newer wins for current state; history re-decides the neighbour of a late poll.
        assert differs == [], differs


def test_an_older_poll_ingested_after_a_newer_one_gives_the_same_history(
    database_url: str, second_database_url: str, samples_dir: Path, tmp_path: Path
) -> None:
    p1, p2, *_ = _polls(samples_dir, tmp_path)  # poll 1 and 2 share runner 0's fixed_win price
    with file_ingestor(database_url, _settings(database_url)) as ing:
        assert ing([p1, p2]).ok  # time order
    with file_ingestor(second_database_url, _settings(second_database_url)) as ing:
        assert ing([p2]).ok  # poll 2 first, as when another process wins the race
        assert ing([p1]).ok
    in_order, reversed_ = _state(database_url), _state(second_database_url)
    assert reversed_["odds_history"] == in_order["odds_history"]
    assert reversed_["money_flow_history"] == in_order["money_flow_history"]
