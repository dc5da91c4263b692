"""The raceday error tree: every failure the library raises on purpose, with its context.

    RacedayError                  root; .hint says what to do next
    ├── ConfigError               a setting is missing or invalid (names the variable)
    ├── DatabaseError             the database could not be reached or used
    │   ├── EmbeddedServerError   the embedded PostgreSQL could not be started or found
    │   └── MigrationError        a migration failed or the schema is not at the expected version
    ├── PartitionError            partition maintenance found or caused a problem
    └── PayloadError              an NZTAB body could not be used (names file, race, field path)
        └── UnsupportedPayloadError   a well-formed body raceday does not ingest

The CLI maps a RacedayError to exit status 1 (ConfigError: 2) and prints its message and hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "ConfigError",
    "DatabaseError",
    "EmbeddedServerError",
    "MigrationError",
    "NotJsonError",
    "PartitionError",
    "PayloadError",
    "RacedayError",
    "UnsupportedPayloadError",
]


class RacedayError(Exception):
    """Root of every error raceday raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(RacedayError):
    """A setting is missing or invalid; `variable` names it."""

    def __init__(self, message: str, *, variable: str | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.variable = variable


class DatabaseError(RacedayError):
    """The database could not be reached or used."""


class EmbeddedServerError(DatabaseError):
    """The embedded PostgreSQL server could not be started, found or stopped."""


class MigrationError(DatabaseError):
    """A migration failed, or the schema is not where it should be."""


class PartitionError(RacedayError):
    """Partition maintenance found or caused a problem."""


class PayloadError(RacedayError):
    """An NZTAB body could not be used; `file`, `race_id` and `field_path` say where.

    The message names each that is known: "race-event.json: race 0f57e087-…:
    data.runners[3].odds.fixed_win: Value error, not a number: 'abc'". `problems` lists every
    validation problem as "path: message" (the message shows the first).
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | Path | None = None,
        race_id: str | None = None,
        field_path: str | None = None,
        payload_type: str | None = None,
        problems: Sequence[str] = (),
        hint: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = str(file) if file is not None else None
        self.race_id = race_id
        self.field_path = field_path
        self.payload_type = payload_type
        self.problems = tuple(problems)
        parts = [self.file or "<payload>"]
        if race_id:
            parts.append(f"race {race_id}")
        if field_path:
            parts.append(field_path)
        parts.append(reason)
        super().__init__(
            ": ".join(parts),
            hint=hint or "the file was not ingested; fix or remove it and ingest it again",
        )


class NotJsonError(PayloadError):
    """A body that is not JSON at all (cut short, an HTML error page, NaN): unlike a body that
    does not validate, a fetch of it may be retried and a capture of it skipped."""


class UnsupportedPayloadError(PayloadError):
    """A well-formed body of a kind raceday does not ingest (extras, futures, OpenAPI, ...)."""
