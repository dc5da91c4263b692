"""A throw-away database for benchmarks: created, migrated, and dropped even when the run fails."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from psycopg import sql

from raceday.db import connect, migrate, with_database

__all__ = ["scratch_database"]


@contextmanager
def scratch_database(server_url: str, label: str = "bench") -> Iterator[str]:
    """Yield the URL of a new, migrated database on `server_url`; drop it afterwards."""
    name = f"raceday_{label}_{os.getpid()}"
    with connect(server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        url = with_database(server_url, name)
        migrate.upgrade(url)
        yield url
    finally:
        with connect(server_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )
