"""The registry of every PostgreSQL advisory lock raceday takes, so no two features collide.

Two key spaces exist in PostgreSQL and never collide with each other: one bigint (`LockKey`,
one key per exclusive job) and a pair of ints (`LockSpace` as the first int, an object hash as
the second: one lock per race, per partition being created). SQL that takes a lock (migration
0003's create_daily_partition) uses the value registered here; a test checks that it does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from uuid import UUID

import psycopg

__all__ = ["LockKey", "LockSpace", "race_lock_key", "session_lock", "try_session_lock"]


class LockKey(IntEnum):
    """One bigint key per exclusive job ('raceday' in ASCII in the high bytes, then a number)."""

    MIGRATIONS = 0x7261636564610001
    PARTITION_MAINTENANCE = 0x7261636564610002
    EMBEDDED_DATABASE = 0x7261636564610003
    # Held for its whole life by the one `raceday run` that polls NZTAB; the others stand by.
    POLLER_LEADER = 0x7261636564610004


class LockSpace(IntEnum):
    """First int of the two-int keys, ASCII tags; the second int names the object."""

    # pg_advisory_xact_lock(RACE, race hash): writers of one race decide in turn.
    RACE = 0x72616365  # "race"
    # pg_advisory_xact_lock(PARTITION_DAY, hashtext(child name)) in create_daily_partition():
    # one creator of a child at a time, from Python, psql or pg_cron alike.
    PARTITION_DAY = 0x72636164  # "rcad"


def race_lock_key(race_id: UUID) -> tuple[int, int]:
    """(space, object) for pg_advisory_xact_lock; a 32-bit hash collision only serialises."""
    return int(LockSpace.RACE), int.from_bytes(race_id.bytes[:4], "big", signed=True)


@contextmanager
def session_lock(
    conn: psycopg.Connection, key: LockKey, *, wait_s: float = 120.0, poll_s: float = 0.05
) -> Iterator[None]:
    """Hold a session-level advisory lock, waiting up to `wait_s` for it (TimeoutError after).

    Polls pg_try_advisory_lock instead of blocking in pg_advisory_lock so the wait is bounded and
    never joins a deadlock cycle with DDL run by the holder.
    """
    deadline = time.monotonic() + wait_s
    while not _try(conn, key):
        if time.monotonic() >= deadline:
            raise TimeoutError(
                f"advisory lock {key.name} still held by another process after {wait_s:.0f} s"
            )
        time.sleep(poll_s)
    try:
        yield
    finally:
        _release(conn, key)


@contextmanager
def try_session_lock(conn: psycopg.Connection, key: LockKey) -> Iterator[bool]:
    """Try once for a session-level advisory lock; yields whether we hold it."""
    got = _try(conn, key)
    try:
        yield got
    finally:
        if got:
            _release(conn, key)


def _try(conn: psycopg.Connection, key: LockKey) -> bool:
    row = conn.execute("select pg_try_advisory_lock(%s)", (int(key),)).fetchone()
    if not conn.autocommit:
        conn.commit()  # a session lock outlives the transaction; don't leave one open while waiting
    return bool(row and row[0])


def _release(conn: psycopg.Connection, key: LockKey) -> None:
    if conn.closed:
        return  # the lock died with the session
    if conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
        conn.rollback()
    conn.execute("select pg_advisory_unlock(%s)", (int(key),))
    if not conn.autocommit:
        conn.commit()
