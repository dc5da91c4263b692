"""Migrate the schema (upgrade, downgrade over Alembic's API) and check where a database stands.

`upgrade` and `downgrade` take a URL: Alembic runs them on a connection of its own, under the
migration lock, one transaction per revision. Everything else takes the caller's connection;
`require_head` is what a service calls before it starts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import psycopg
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from raceday.db.pool import connect
from raceday.errors import MigrationError

__all__ = [
    "MigrationResult",
    "Revision",
    "SchemaState",
    "current",
    "downgrade",
    "head",
    "history",
    "require_head",
    "schema_state",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


@dataclass(frozen=True, slots=True)
class Revision:
    revision: str
    down_revision: str | None
    doc: str


def _config(url: str, *, lock_timeout_ms: int = 10_000) -> Config:
    config = Config(stdout=io.StringIO())
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = url
    config.attributes["lock_timeout_ms"] = lock_timeout_ms
    return config


def _script() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


def head() -> str:
    found = _script().get_current_head()
    assert found is not None
    return found


def history() -> list[Revision]:
    """Every revision, oldest first."""
    revisions = list(_script().walk_revisions())
    revisions.reverse()
    return [
        Revision(
            r.revision,
            r.down_revision if isinstance(r.down_revision, str) else None,
            (r.doc or "").strip(),
        )
        for r in revisions
    ]


def current(conn: psycopg.Connection[Any]) -> str | None:
    """The revision the database is at; None for an empty (base) database."""
    exists = conn.execute("select to_regclass('alembic_version') is not null").fetchone()
    if not exists or not exists[0]:
        return None
    row = conn.execute("select version_num from alembic_version").fetchone()
    return str(row[0]) if row else None


def _current_at(url: str) -> str | None:
    with connect(url, application_name="raceday-migrate") as conn:
        return current(conn)


Standing = Literal["at_head", "behind", "ahead", "empty"]


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where a database's schema stands against this code's head revision.

    `ahead`: the database is at a revision this code does not know, i.e. it was migrated by a
    newer raceday (or a diverging branch); this code must not write to it.
    """

    current: str | None
    head: str
    standing: Standing

    @property
    def at_head(self) -> bool:
        return self.standing == "at_head"

    def to_dict(self) -> dict[str, object]:
        return {"current": self.current, "head": self.head, "standing": self.standing}


def schema_state(conn: psycopg.Connection[Any]) -> SchemaState:
    at, top = current(conn), head()
    if at is None:
        standing: Standing = "empty"
    elif at == top:
        standing = "at_head"
    elif at in {r.revision for r in history()}:
        standing = "behind"
    else:
        standing = "ahead"
    return SchemaState(at, top, standing)


def require_head(conn: psycopg.Connection[Any], *, needed_by: str = "raceday") -> SchemaState:
    """The schema state when it is at head; MigrationError saying behind or ahead otherwise."""
    state = schema_state(conn)
    if state.standing == "empty":
        raise MigrationError(
            f"the database has no raceday schema; {needed_by} needs revision {state.head}",
            hint="run `raceday db upgrade`",
        )
    if state.standing == "behind":
        raise MigrationError(
            f"the database schema is behind: it is at {state.current}, {needed_by} needs "
            f"{state.head}",
            hint="run `raceday db upgrade`",
        )
    if state.standing == "ahead":
        raise MigrationError(
            f"the database schema is ahead of this raceday: it is at {state.current}, a revision "
            f"this code does not know (its newest is {state.head})",
            hint="run the raceday version that migrated it, or downgrade the database with that "
            "version's `raceday db downgrade`",
        )
    return state


@dataclass(frozen=True, slots=True)
class MigrationResult:
    """Where the schema was, where it is now, and the steps this call really applied."""

    before: str | None
    after: str | None
    steps: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.steps)


def _run(action: str, url: str, revision: str) -> tuple[str, ...]:
    config = _config(url)
    try:
        if action == "upgrade":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)
    except CommandError as exc:
        raise MigrationError(
            f"cannot {action} to {revision!r}: {exc}",
            hint="see `raceday db history` for the known revisions",
        ) from exc
    except TimeoutError as exc:
        raise MigrationError(
            str(exc), hint="another migration is running; try again when it ends"
        ) from exc
    return tuple(config.attributes.get("applied", ()))


def upgrade(url: str, revision: str = "head") -> MigrationResult:
    """Upgrade to `revision` (default head). A no-op when already there."""
    before = _current_at(url)
    steps = _run("upgrade", url, revision)
    return MigrationResult(before, _current_at(url), steps)


def downgrade(url: str, revision: str) -> MigrationResult:
    """Downgrade to `revision` ('base' removes everything)."""
    before = _current_at(url)
    steps = _run("downgrade", url, revision)
    return MigrationResult(before, _current_at(url), steps)
