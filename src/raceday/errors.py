"""The raceday error tree: every failure the library raises on purpose, with its context.

    RacedayError                  root; .hint says what to do next
    ├── ConfigError               a setting is missing or invalid (names the variable)
    ├── DatabaseError             the database could not be reached or used
    │   ├── EmbeddedServerError   the embedded PostgreSQL could not be started or found
    │   └── MigrationError        a migration failed or the schema is not at the expected version
    └── PartitionError            partition maintenance found or caused a problem

The CLI maps a RacedayError to exit status 1 (ConfigError: 2) and prints its message and hint.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DatabaseError",
    "EmbeddedServerError",
    "MigrationError",
    "PartitionError",
    "RacedayError",
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
