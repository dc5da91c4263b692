"""Turns CLI options into settings, a database and a connection, saying where an embedded server
lives. Commands hand the connection to the library; they never build SQL themselves."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from raceday.cli import render
from raceday.config import Settings, load_settings
from raceday.db import Database, connect, require_head, resolve_database

__all__ = ["connection", "open_database", "settings_from"]


def settings_from(database_url: str | None = None, **overrides: Any) -> Settings:
    return load_settings(database_url=database_url, **overrides)


def open_database(settings: Settings) -> Database:
    database = resolve_database(settings)
    if database.embedded is not None:
        render.info(
            f"using the embedded PostgreSQL in {database.embedded.pgdata} "
            f"(set DATABASE_URL to use another server)"
        )
    return database


@contextmanager
def connection(
    settings: Settings, *, application_name: str = "raceday-cli", needed_by: str | None = None
) -> Iterator[psycopg.Connection[Any]]:
    """A connection to the configured database for one command (autocommit, session zone UTC).

    With `needed_by` (the command's name) the schema must be at head: a database behind or
    ahead of this code is refused with a message saying which, before anything is read.
    """
    database = open_database(settings)
    with connect(database.url, application_name=application_name) as conn:
        if needed_by is not None:
            require_head(conn, needed_by=needed_by)
        yield conn
