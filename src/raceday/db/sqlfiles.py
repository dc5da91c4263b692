"""Runs a migration's paired SQL file on the connection Alembic is migrating with."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from alembic import op

__all__ = ["SQL_DIR", "run_sql_file", "sql_path"]

SQL_DIR = Path(__file__).resolve().parent.parent / "migrations" / "sql"


def sql_path(revision: str, direction: Literal["up", "down"]) -> Path:
    return SQL_DIR / f"{revision}.{direction}.sql"


def run_sql_file(revision: str, direction: Literal["up", "down"]) -> None:
    """Execute sql/<revision>.<direction>.sql inside the revision's transaction.

    It goes to the psycopg connection directly, without parameters, so the file is sent as one
    simple-protocol query: multi-statement, dollar-quoted bodies and '%' all pass through untouched.
    """
    sql = sql_path(revision, direction).read_text(encoding="utf-8")
    raw = op.get_bind().connection.driver_connection
    assert raw is not None, "Alembic gave no driver connection"
    raw.execute(sql.encode("utf-8"))
