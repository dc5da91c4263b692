"""Migrate the schema: upgrade, downgrade, current and history over Alembic's API."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from raceday.db.target import connect
from raceday.errors import MigrationError

__all__ = ["MigrationResult", "Revision", "current", "downgrade", "head", "history", "upgrade"]

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


def current(url: str) -> str | None:
    """The revision the database is at; None for an empty (base) database."""
    with connect(url, application_name="raceday-migrate") as conn:
        exists = conn.execute("select to_regclass('alembic_version') is not null").fetchone()
        if not exists or not exists[0]:
            return None
        row = conn.execute("select version_num from alembic_version").fetchone()
        return str(row[0]) if row else None


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
    before = current(url)
    steps = _run("upgrade", url, revision)
    return MigrationResult(before, current(url), steps)


def downgrade(url: str, revision: str) -> MigrationResult:
    """Downgrade to `revision` ('base' removes everything)."""
    before = current(url)
    steps = _run("downgrade", url, revision)
    return MigrationResult(before, current(url), steps)
