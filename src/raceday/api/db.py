"""The API's database access: an async pool that belongs to the app's lifespan, a connection
per request, rows as dicts. Resources bring their own SQL and only read (the alert configs
apart)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

__all__ = ["Conn", "fetch_all", "fetch_one", "pool_of"]


def pool_of(request: Request) -> AsyncConnectionPool[Any]:
    pool: AsyncConnectionPool[Any] = request.app.state.pool
    return pool


async def _connection(request: Request) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    async with pool_of(request).connection() as conn:
        yield conn


Conn = Annotated[psycopg.AsyncConnection[Any], Depends(_connection)]


async def fetch_all(
    conn: psycopg.AsyncConnection[Any], query: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


async def fetch_one(
    conn: psycopg.AsyncConnection[Any], query: str, params: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchone()
