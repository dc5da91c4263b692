"""Connections as raceday wants them, one at a time or pooled: the only place they are configured.

Every connection raceday opens is in autocommit mode with the session zone UTC and names its
application: the library opens its transactions itself (`with conn.transaction()`), DDL such as
DETACH ... CONCURRENTLY cannot run inside one, and nothing read or written may depend on the
server's zone. Library entry points take a `ConnectionSource` (a connection or a pool) from
their caller and `borrow()` from it; they never open a connection from a URL themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeAlias

import psycopg
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from raceday.errors import DatabaseError

if TYPE_CHECKING:
    from raceday.config import Settings

__all__ = [
    "ConnectionSource",
    "borrow",
    "connect",
    "connection_options",
    "open_async_pool",
    "open_pool",
    "redact",
]

ConnectionSource: TypeAlias = "psycopg.Connection[Any] | ConnectionPool[Any]"

CONNECT_TIMEOUT_S = 10


def connection_options(application_name: str) -> dict[str, Any]:
    """The keyword arguments of every raceday connection (see the module docstring)."""
    return {
        "autocommit": True,
        "application_name": application_name,
        "options": "-c TimeZone=UTC",
        "connect_timeout": CONNECT_TIMEOUT_S,
    }


def redact(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable database URL>"
    host = info.get("host", "")
    port = info.get("port", "")
    return f"postgresql://{info.get('user', '')}@{host}{':' + str(port) if port else ''}/{info.get('dbname', '')}"


def _unreachable(url: str, exc: Exception) -> DatabaseError:
    return DatabaseError(
        f"cannot connect to {redact(url)}: {str(exc).strip()}",
        hint="check DATABASE_URL (or --database-url), or unset it to use the embedded server",
    )


def connect(
    url: str, *, autocommit: bool = True, application_name: str = "raceday"
) -> psycopg.Connection[Any]:
    """One connection, configured like the pooled ones; for one-shot commands and tests."""
    options = connection_options(application_name) | {"autocommit": autocommit}
    try:
        return psycopg.connect(url, **options)
    except psycopg.OperationalError as exc:
        raise _unreachable(url, exc) from exc


def _url_of(where: Settings | str) -> str:
    if isinstance(where, str):
        return where
    from raceday.db.target import resolve_database  # target imports redact from here

    return resolve_database(where).url


def _pool_options(name: str, min_size: int, max_size: int, timeout_s: float) -> dict[str, Any]:
    # Opened by the caller once built (open=False): psycopg_pool deprecates opening in __init__.
    return {
        "kwargs": connection_options(name),
        "min_size": min_size,
        "max_size": max_size,
        "timeout": timeout_s,
        "name": name,
        "open": False,
    }


def open_pool(
    where: Settings | str,
    *,
    name: str = "raceday",
    min_size: int = 1,
    max_size: int = 4,
    timeout_s: float = 30.0,
) -> ConnectionPool[Any]:
    """An open pool of raceday connections to `where` (the database of the settings — the
    embedded server when no DATABASE_URL is set — or a URL); close it (or use it as a context
    manager) when done.

    A connection is checked before it is handed out, so a pool outlives a database restart.
    Raises DatabaseError when no first connection can be made within `timeout_s`.
    """
    url = _url_of(where)
    pool: ConnectionPool[Any] = ConnectionPool(
        url,
        check=ConnectionPool.check_connection,
        **_pool_options(name, min_size, max_size, timeout_s),
    )
    pool.open()
    try:
        pool.wait(timeout=timeout_s)
    except Exception as exc:  # PoolTimeout: the server did not answer in time
        pool.close()
        raise _unreachable(url, exc) from exc
    return pool


async def open_async_pool(
    where: Settings | str,
    *,
    name: str = "raceday",
    min_size: int = 1,
    max_size: int = 8,
    timeout_s: float = 30.0,
) -> AsyncConnectionPool[Any]:
    """The async twin of `open_pool`, for callers that are async (the API)."""
    url = _url_of(where)
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        url,
        check=AsyncConnectionPool.check_connection,
        **_pool_options(name, min_size, max_size, timeout_s),
    )
    await pool.open()
    try:
        await pool.wait(timeout=timeout_s)
    except Exception as exc:
        await pool.close()
        raise _unreachable(url, exc) from exc
    return pool


@contextmanager
def borrow(source: ConnectionSource) -> Iterator[psycopg.Connection[Any]]:
    """A connection from `source`: the connection itself, or one taken from the pool and given
    back afterwards. It must be in autocommit mode, outside any transaction: the library opens
    its own transactions and runs DDL that cannot run inside one."""
    if isinstance(source, ConnectionPool):
        with source.connection() as conn:
            _check_idle(conn)
            yield conn
        return
    _check_idle(source)
    yield source


def _check_idle(conn: psycopg.Connection[Any]) -> None:
    if not conn.autocommit:
        raise DatabaseError(
            "raceday needs a connection in autocommit mode",
            hint="open it with raceday.db.connect() or raceday.db.open_pool(), or set "
            "conn.autocommit = True; raceday opens its own transactions",
        )
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise DatabaseError(
            "raceday was handed a connection inside a transaction",
            hint="commit or roll back first; raceday opens its own transactions",
        )
