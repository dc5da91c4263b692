"""Leader election: of any number of `raceday run` on one database, exactly one polls NZTAB.

The leader holds a session-level advisory lock (`LockKey.POLLER_LEADER`) on a connection of its
own for as long as it polls. The others stand by and try again every `retry_s`: when the leader
dies, PostgreSQL ends its session and frees the lock, and a standby takes over within about
`retry_s`. A leader whose connection breaks (a database restart) has lost the lock with it, so
it stops polling and stands by like the others; whoever asks first afterwards leads.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import psycopg

from raceday.db.locks import LockKey
from raceday.db.pool import connection_options, redact
from raceday.logs import get_logger

__all__ = ["Leadership"]

_log = get_logger("raceday.leader")


class Leadership:
    """The poller's lock on a dedicated connection: wait for it, check it, release it."""

    def __init__(
        self,
        conninfo: str,
        *,
        retry_s: float = 2.0,
        check_timeout_s: float = 5.0,
        name: str = "raceday-leader",
    ):
        self._conninfo = conninfo
        self._retry_s = retry_s
        self._check_timeout_s = check_timeout_s
        self._name = name
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self.is_leader = False

    async def wait_until_leader(self, stop: asyncio.Event) -> bool:
        """Stand by until this process holds the lock (True) or `stop` is set (False)."""
        said_standby = False
        while not stop.is_set():
            try:
                if await self._try_lock():
                    self.is_leader = True
                    _log.info("leader_elected", retry_s=self._retry_s)
                    return True
                if not said_standby:
                    _log.info("standby", reason="another raceday run holds the poller lock")
                    said_standby = True
            except psycopg.OperationalError as exc:
                _log.warning("leader_election_waiting_for_database", error=_first_line(exc))
                await self._drop_connection()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._retry_s)
        await self._drop_connection()  # a standby told to stop keeps nothing open
        return False

    async def still_leader(self) -> bool:
        """Whether the lock is still ours: its connection answers within `check_timeout_s`
        (then psycopg gives its cancel request up to 5 s more). False once it broke, or hangs:
        a server that stopped answering may still hold our session and the lock with it, and
        a standby may lead once it frees them; stop polling rather than risk two leaders."""
        if not self.is_leader or self._conn is None:
            return False
        try:
            await asyncio.wait_for(self._conn.execute("select 1"), self._check_timeout_s)
            return True
        except (psycopg.Error, TimeoutError) as exc:
            error = (
                f"no answer within {self._check_timeout_s:g} s"
                if isinstance(exc, TimeoutError)
                else _first_line(exc)
            )
            _log.warning("leadership_lost", error=error)
            self.is_leader = False
            await self._drop_connection()
            return False

    async def release(self) -> None:
        """Give the lock up (closing the session frees it) so a standby takes over at once."""
        self.is_leader = False
        await self._drop_connection()

    async def _try_lock(self) -> bool:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                self._conninfo, **connection_options(self._name)
            )
            _log.debug("leader_connection_opened", database=redact(self._conninfo))
        cur = await self._conn.execute(
            "select pg_try_advisory_lock(%s)", (int(LockKey.POLLER_LEADER),)
        )
        row = await cur.fetchone()
        return bool(row and row[0])

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            with contextlib.suppress(psycopg.Error):
                await conn.close()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
