"""The registry of PostgreSQL advisory-lock keys raceday takes, so no two features collide."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum

import psycopg

__all__ = ["LockKey", "session_lock", "try_session_lock"]


class LockKey(IntEnum):
    """One bigint key per exclusive job ('raceday' in ASCII in the high bytes, then a number)."""

    MIGRATIONS = 0x7261636564610001
    PARTITION_MAINTENANCE = 0x7261636564610002
    EMBEDDED_DATABASE = 0x7261636564610003


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
