"""Trigger behaviour (updated_at, race status stamps) and the ON DELETE cascades.

raceday_set_updated_at() sets NEW.updated_at := now(), the TRANSACTION time, on every UPDATE (even
one that changes nothing, or that writes updated_at itself); INSERT keeps what it is given. So the
tests insert rows with an old explicit updated_at and compare the value after an UPDATE with now()
read in the same transaction: no sleeping, no clock arithmetic.

raceday_track_race_status() stamps last_status_change_at (and finalized_at / abandoned_at) with the
api_generated_time of the row being written (now() when that is NULL), on INSERT and whenever the
status changes; values the writer sets explicitly in the same statement win.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from tests.db.test_constraints import (
    BASELINES,
    ENTRANT_ID,
    GENERATED,
    KEYS,
    MEETING_ID,
    RACE_ID,
    create_history_partitions,
    dividend_row,
    entrant_row,
    insert,
    meeting_row,
    money_flow_row,
    odds_row,
    prepare,
    race_pool_row,
    race_result_row,
    race_row,
    result_position_row,
    update,
)

OLD = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
UPDATED_AT_TABLES = [
    "meetings",
    "races",
    "entrants",
    "race_pools",
    "race_results",
    "race_result_positions",
    "race_dividends",
    "user_alert_configs",
    "partition_config",
]


def _where(table: str) -> str:
    return " and ".join(f"{k} = %s" for k in KEYS[table])


# ------------------------------------------------------------------------------------------------
# updated_at
# ------------------------------------------------------------------------------------------------


def test_every_table_with_updated_at_has_the_before_update_trigger(db: psycopg.Connection) -> None:
    with_column = {
        r[0]
        for r in db.execute("""
        select c.relname from pg_attribute a join pg_class c on c.oid = a.attrelid
         where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
           and not c.relispartition and a.attname = 'updated_at' and not a.attisdropped""")
    }
    triggers = {
        r[0]: r[1]
        for r in db.execute("""
        select c.relname, pg_get_triggerdef(t.oid)
          from pg_trigger t join pg_class c on c.oid = t.tgrelid
         where c.relnamespace = 'public'::regnamespace and not t.tgisinternal
           and t.tgfoid = 'raceday_set_updated_at()'::regprocedure""")
    }
    assert with_column == set(triggers) == set(UPDATED_AT_TABLES)
    for table, definition in triggers.items():
        assert definition == (
            f"CREATE TRIGGER {table}_set_updated_at BEFORE UPDATE "
            f"ON public.{table} FOR EACH ROW "
            "EXECUTE FUNCTION raceday_set_updated_at()"
        )


@pytest.mark.parametrize("table", UPDATED_AT_TABLES)
def test_update_sets_updated_at_to_the_transaction_time(db: psycopg.Connection, table: str) -> None:
    prepare(db, table)
    key = insert(db, table, BASELINES[table](created_at=OLD, updated_at=OLD))
    read = f"select created_at, updated_at, now() from {table} where {_where(table)}"
    created, updated, _ = db.execute(read, key).fetchone()  # type: ignore[misc]
    assert (created, updated) == (OLD, OLD), "INSERT keeps explicit values (UPDATE-only trigger)"

    first_key_column = KEYS[table][0]
    for label, change in [
        ("no-op update", {first_key_column: key[0]}),
        ("explicit old updated_at", {"updated_at": OLD}),
    ]:
        with db.transaction():
            assert update(db, table, key, change) == 1
            created, updated, now = db.execute(read, key).fetchone()  # type: ignore[misc]
        assert updated == now, f"{label}: updated_at is not the transaction time"
        assert updated != OLD and created == OLD, label


# ------------------------------------------------------------------------------------------------
# Race status stamps
# ------------------------------------------------------------------------------------------------

T_CLOSED = datetime(2025, 7, 17, 0, 49, 58, tzinfo=UTC)
T_INTERIM = datetime(2025, 7, 17, 0, 52, 31, 250000, tzinfo=UTC)
T_FINAL = datetime(2025, 7, 17, 0, 58, 10, tzinfo=UTC)


def _stamps(db: psycopg.Connection, race_id: uuid.UUID = RACE_ID) -> tuple[Any, ...]:
    row = db.execute(
        "select last_status_change_at, finalized_at, abandoned_at from races where race_id = %s",
        (race_id,),
    ).fetchone()
    assert row is not None
    return tuple(row)


def _set(db: psycopg.Connection, **change: Any) -> None:
    assert update(db, "races", (RACE_ID,), change) == 1


@pytest.fixture
def open_race(db: psycopg.Connection) -> psycopg.Connection:
    insert(db, "meetings", meeting_row())
    insert(db, "races", race_row())  # Open, api_generated_time = GENERATED
    assert _stamps(db) == (GENERATED, None, None)
    return db


def test_insert_stamps_each_status_with_the_payload_time(db: psycopg.Connection) -> None:
    insert(db, "meetings", meeting_row())
    for number, status in enumerate(["Open", "Closed", "Interim", "Final", "Abandoned"], 1):
        race_id = uuid.uuid5(RACE_ID, status)
        insert(db, "races", race_row(race_id=race_id, race_number=number, status=status))
        expected = (
            GENERATED,
            GENERATED if status == "Final" else None,
            GENERATED if status == "Abandoned" else None,
        )
        assert _stamps(db, race_id) == expected, status


def test_insert_keeps_nanosecond_payload_time_rounded_to_microseconds(
    db: psycopg.Connection,
) -> None:
    insert(db, "meetings", meeting_row())
    db.execute(
        "insert into races (race_id, meeting_id, race_number, name, status, race_date_nz, "
        "start_time, api_generated_time) values (%s, %s, 1, 'R1', 'Open', '2025-07-17', "
        "'2025-07-17T00:50:00Z', '2025-07-17T00:40:12.123456789Z')",
        (RACE_ID, MEETING_ID),
    )
    assert _stamps(db) == (datetime(2025, 7, 17, 0, 40, 12, 123457, tzinfo=UTC), None, None)


def test_insert_without_payload_time_stamps_the_transaction_time(db: psycopg.Connection) -> None:
    insert(db, "meetings", meeting_row())
    with db.transaction():
        insert(db, "races", race_row(status="Final", api_generated_time=None))
        now = db.execute("select now()").fetchone()[0]  # type: ignore[index]
        assert _stamps(db) == (now, now, None)


def test_insert_keeps_explicitly_written_stamps(db: psycopg.Connection) -> None:
    insert(db, "meetings", meeting_row())
    insert(
        db, "races", race_row(status="Final", last_status_change_at=T_INTERIM, finalized_at=T_FINAL)
    )
    assert _stamps(db) == (T_INTERIM, T_FINAL, None)
    insert(
        db,
        "races",
        race_row(
            race_id=uuid.uuid5(RACE_ID, "2"),
            race_number=2,
            status="Abandoned",
            last_status_change_at=T_CLOSED,
        ),
    )
    assert _stamps(db, uuid.uuid5(RACE_ID, "2")) == (T_CLOSED, None, T_CLOSED)


def test_update_without_a_status_change_leaves_the_stamps(open_race: psycopg.Connection) -> None:
    db = open_race
    _set(db, weather="Overcast", api_generated_time=T_CLOSED)
    assert _stamps(db) == (GENERATED, None, None)
    _set(db, status="Final", api_generated_time=T_FINAL)
    _set(db, status="Final", api_generated_time=datetime(2025, 7, 17, 1, 30, tzinfo=UTC))
    assert _stamps(db) == (T_FINAL, T_FINAL, None), "Final -> Final is not a change"


def test_each_status_change_is_stamped_with_its_payload_time(open_race: psycopg.Connection) -> None:
    db = open_race
    _set(db, status="Closed", api_generated_time=T_CLOSED)
    assert _stamps(db) == (T_CLOSED, None, None)
    _set(db, status="Interim", api_generated_time=T_INTERIM)
    assert _stamps(db) == (T_INTERIM, None, None)
    _set(db, status="Final", api_generated_time=T_FINAL)
    assert _stamps(db) == (T_FINAL, T_FINAL, None)


def test_abandoned_without_payload_time_uses_now_and_keeps_finalized_at(
    open_race: psycopg.Connection,
) -> None:
    db = open_race
    _set(db, status="Final", api_generated_time=T_FINAL)
    with db.transaction():
        _set(db, status="Abandoned", api_generated_time=None)
        now = db.execute("select now()").fetchone()[0]  # type: ignore[index]
        assert _stamps(db) == (now, T_FINAL, now)


def test_explicit_stamps_in_the_changing_update_win(open_race: psycopg.Connection) -> None:
    db = open_race
    # finalized_at written by the writer is kept; last_status_change_at still comes from the payload
    _set(db, status="Final", finalized_at=T_INTERIM, api_generated_time=T_FINAL)
    assert _stamps(db) == (T_FINAL, T_INTERIM, None)
    # last_status_change_at written by the writer is kept, and abandoned_at follows it
    _set(
        db,
        status="Abandoned",
        last_status_change_at=T_CLOSED,
        api_generated_time=datetime(2025, 7, 17, 2, tzinfo=UTC),
    )
    assert _stamps(db) == (T_CLOSED, T_INTERIM, T_CLOSED)


def test_final_again_after_interim_restamps_finalized_at(open_race: psycopg.Connection) -> None:
    db = open_race
    _set(db, status="Final", api_generated_time=T_INTERIM)
    _set(db, status="Interim", api_generated_time=T_FINAL)  # result reopened (protest)
    assert _stamps(db) == (T_FINAL, T_INTERIM, None)
    later = datetime(2025, 7, 17, 1, 15, tzinfo=UTC)
    _set(db, status="Final", api_generated_time=later)
    assert _stamps(db) == (later, later, None)


def test_status_change_without_a_new_payload_time_reuses_the_stored_one(
    open_race: psycopg.Connection,
) -> None:
    # NEW.api_generated_time is the stored value when the UPDATE does not write it, so the change
    # is stamped with the previous payload's time, not now(). Writers must send both together.
    db = open_race
    _set(db, status="Closed")
    assert _stamps(db) == (GENERATED, None, None)


# ------------------------------------------------------------------------------------------------
# ON DELETE cascades
# ------------------------------------------------------------------------------------------------

RACE_TABLES = [
    "races",
    "entrants",
    "race_pools",
    "race_results",
    "race_result_positions",
    "race_dividends",
]


def _card(db: psycopg.Connection, tag: str = "") -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A meeting with one race, two entrants, a pool, a result with two placings and dividends."""
    meeting_id, race_id, entrant_id = (
        uuid.uuid5(x, tag) if tag else x for x in (MEETING_ID, RACE_ID, ENTRANT_ID)
    )
    second = uuid.uuid5(entrant_id, "second")
    insert(db, "meetings", meeting_row(meeting_id=meeting_id))
    insert(db, "races", race_row(race_id=race_id, meeting_id=meeting_id))
    insert(db, "entrants", entrant_row(entrant_id=entrant_id, race_id=race_id))
    insert(
        db,
        "entrants",
        entrant_row(entrant_id=second, race_id=race_id, name="Second", runner_number=2),
    )
    insert(db, "race_pools", race_pool_row(race_id=race_id))
    insert(db, "race_pools", race_pool_row(race_id=race_id, product_type="Place"))
    insert(db, "race_results", race_result_row(race_id=race_id))
    insert(db, "race_result_positions", result_position_row(entrant_id=entrant_id, race_id=race_id))
    insert(
        db,
        "race_result_positions",
        result_position_row(entrant_id=second, race_id=race_id, position=2, time_ran=None),
    )
    insert(db, "race_dividends", dividend_row(race_id=race_id))
    insert(
        db,
        "race_dividends",
        dividend_row(race_id=race_id, product_name="Pool Place", dividend_id=uuid.uuid4()),
    )
    return meeting_id, race_id, entrant_id


def _counts(db: psycopg.Connection, race_id: uuid.UUID) -> dict[str, int]:
    counts = {}
    for table in RACE_TABLES:
        row = db.execute(f"select count(*) from {table} where race_id = %s", (race_id,)).fetchone()
        assert row is not None
        counts[table] = row[0]
    return counts


FULL = {
    "races": 1,
    "entrants": 2,
    "race_pools": 2,
    "race_results": 1,
    "race_result_positions": 2,
    "race_dividends": 2,
}
EMPTY = dict.fromkeys(RACE_TABLES, 0)


def test_deleting_a_meeting_removes_its_card_and_keeps_history(db: psycopg.Connection) -> None:
    meeting_id, race_id, entrant_id = _card(db)
    _, other_race, _ = _card(db, "other meeting")
    create_history_partitions(db)
    insert(db, "odds_history", odds_row(entrant_id=entrant_id))
    insert(db, "money_flow_history", money_flow_row(entrant_id=entrant_id, race_id=race_id))
    assert _counts(db, race_id) == _counts(db, other_race) == FULL

    assert db.execute("delete from meetings where meeting_id = %s", (meeting_id,)).rowcount == 1
    assert _counts(db, race_id) == EMPTY
    assert _counts(db, other_race) == FULL
    history = db.execute(
        "select (select count(*) from odds_history where entrant_id = %s), "
        "(select count(*) from money_flow_history where race_id = %s)",
        (entrant_id, race_id),
    ).fetchone()
    assert history == (1, 1), "history has no FK and must outlive the card"
    assert db.execute("select count(*) from user_alert_configs").fetchone() == (6,)


def test_deleting_a_race_removes_its_rows_but_not_the_meeting(db: psycopg.Connection) -> None:
    meeting_id, race_id, _ = _card(db)
    assert db.execute("delete from races where race_id = %s", (race_id,)).rowcount == 1
    assert _counts(db, race_id) == EMPTY
    assert db.execute(
        "select count(*) from meetings where meeting_id = %s", (meeting_id,)
    ).fetchone() == (1,)


def test_deleting_an_entrant_removes_only_its_placing(db: psycopg.Connection) -> None:
    _, race_id, entrant_id = _card(db)
    assert db.execute("delete from entrants where entrant_id = %s", (entrant_id,)).rowcount == 1
    assert _counts(db, race_id) == FULL | {"entrants": 1, "race_result_positions": 1}


def test_deleting_a_result_removes_placings_and_dividends_only(db: psycopg.Connection) -> None:
    _, race_id, _ = _card(db)
    assert db.execute("delete from race_results where race_id = %s", (race_id,)).rowcount == 1
    assert _counts(db, race_id) == FULL | {
        "race_results": 0,
        "race_result_positions": 0,
        "race_dividends": 0,
    }
