"""Leader election on a real PostgreSQL: one leader per database, a standby takes over."""

from __future__ import annotations

import asyncio
import os
import signal

import psycopg
import pytest

from raceday.db.locks import LockKey
from raceday.pipeline.leader import Leadership


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def _becomes_leader(leadership: Leadership, within_s: float) -> bool:
    stop = asyncio.Event()
    waiting = asyncio.create_task(leadership.wait_until_leader(stop))
    done, _ = await asyncio.wait({waiting}, timeout=within_s)
    if not done:
        stop.set()
    return await waiting


@pytest.mark.anyio
async def test_one_leader_and_a_standby_that_takes_over_when_it_goes(database_url: str) -> None:
    first = Leadership(database_url, retry_s=0.05)
    second = Leadership(database_url, retry_s=0.05)
    assert await _becomes_leader(first, 5)
    assert not await _becomes_leader(second, 0.3)  # stands by while the first holds the lock
    assert await first.still_leader()
    await first.release()
    assert await _becomes_leader(second, 5)
    assert not await _becomes_leader(first, 0.3)
    await second.release()


@pytest.mark.anyio
async def test_a_leader_whose_session_is_killed_knows_it_lost(database_url: str) -> None:
    leader = Leadership(database_url, retry_s=0.05, name="raceday-leader-under-test")
    assert await _becomes_leader(leader, 5)
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity"
            " where application_name = 'raceday-leader-under-test'"
        )
        assert not await leader.still_leader()
        held = admin.execute(
            "select count(*) from pg_locks where locktype = 'advisory' and objid = %s",
            (int(LockKey.POLLER_LEADER) & 0xFFFFFFFF,),
        ).fetchone()
        assert held == (0,)  # the lock died with the session
    assert await _becomes_leader(leader, 5)  # and it can lead again
    await leader.release()


@pytest.mark.anyio
async def test_a_leader_whose_server_stops_answering_stops_leading_within_the_check_timeout(
    database_url: str,
) -> None:
    leader = Leadership(database_url, retry_s=0.05, check_timeout_s=0.5)
    assert await _becomes_leader(leader, 5)
    assert leader._conn is not None
    backend = leader._conn.info.backend_pid
    try:
        os.kill(backend, signal.SIGSTOP)  # the server process of its session hangs
    except (PermissionError, ProcessLookupError):
        await leader.release()
        pytest.skip("the database server's processes cannot be signalled from here")
    try:
        checking = asyncio.create_task(leader.still_leader())
        done, _ = await asyncio.wait({checking}, timeout=10)
        assert done, "still_leader() hung with the server"
        assert checking.result() is False and not leader.is_leader
    finally:
        os.kill(backend, signal.SIGCONT)
    await leader.release()
