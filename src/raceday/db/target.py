"""Which PostgreSQL raceday talks to: DATABASE_URL when given, else the embedded server."""

from __future__ import annotations

from dataclasses import dataclass

from raceday.config import Settings
from raceday.db.embedded import EmbeddedServer, ensure_embedded
from raceday.db.pool import redact

__all__ = ["Database", "resolve_database", "with_database"]


@dataclass(frozen=True, slots=True)
class Database:
    """A reachable database: its URL and, when embedded, the server that serves it."""

    url: str
    embedded: EmbeddedServer | None = None

    @property
    def description(self) -> str:
        if self.embedded is not None:
            return f"embedded PostgreSQL (data in {self.embedded.pgdata})"
        return redact(self.url)


def resolve_database(settings: Settings) -> Database:
    """The database to use; starts (or re-attaches to) the embedded server only when no URL is set."""
    if settings.database_url:
        return Database(url=settings.database_url)
    server = ensure_embedded(settings.home)
    return Database(url=server.uri(), embedded=server)


def with_database(url: str, dbname: str) -> str:
    """The same server and credentials as `url`, but database `dbname` (URL form kept)."""
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(dbname)))
