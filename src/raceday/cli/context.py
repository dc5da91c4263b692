"""Turns CLI options into settings and a database, saying where an embedded server lives."""

from __future__ import annotations

from typing import Any

from raceday.cli import render
from raceday.config import Settings, load_settings
from raceday.db.target import Database, resolve_database

__all__ = ["open_database", "settings_from"]


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
