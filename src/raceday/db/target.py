"""Which PostgreSQL raceday talks to: DATABASE_URL when given, else the embedded server."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from raceday.config import Settings
from raceday.db.embedded import EmbeddedServer, ensure_embedded
from raceday.errors import DatabaseError

__all__ = ["Database", "connect", "resolve_database", "with_database"]


@dataclass(frozen=True, slots=True)
class Database:
    """A reachable database: its URL and, when embedded, the server that serves it."""

    url: str
    embedded: EmbeddedServer | None = None

    @property
    def description(self) -> str:
        if self.embedded is not None:
            return f"embedded PostgreSQL (data in {self.embedded.pgdata})"
        return _redact(self.url)


def _redact(url: str) -> str:
    """The URL with any password replaced, for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparseable database URL>"
    if info.get("password"):
        info["password"] = "***"
    host = info.get("host", "")
    port = info.get("port", "")
    return f"postgresql://{info.get('user', '')}@{host}{':' + str(port) if port else ''}/{info.get('dbname', '')}"


def resolve_database(settings: Settings) -> Database:
    """The database to use; starts (or re-attaches to) the embedded server only when no URL is set."""
    if settings.database_url:
        return Database(url=settings.database_url)
    server = ensure_embedded(settings.home)
    return Database(url=server.uri(), embedded=server)


def connect(
    url: str, *, autocommit: bool = False, application_name: str = "raceday"
) -> psycopg.Connection:
    """A psycopg connection in UTC, so that nothing we read or write depends on the server's zone."""
    try:
        return psycopg.connect(
            url,
            autocommit=autocommit,
            application_name=application_name,
            options="-c TimeZone=UTC",
            connect_timeout=10,
        )
    except psycopg.OperationalError as exc:
        raise DatabaseError(
            f"cannot connect to {_redact(url)}: {str(exc).strip()}",
            hint="check DATABASE_URL (or --database-url), or unset it to use the embedded server",
        ) from exc


def with_database(url: str, dbname: str) -> str:
    """The same server and credentials as `url`, but database `dbname` (URL form kept)."""
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(dbname)))
