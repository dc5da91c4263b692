"""Alembic environment for raceday: raw SQL revisions, one transaction each, under an advisory lock.

House rules (also stated in script.py.mako):
- the schema lives in paired files sql/<revision>.up.sql and sql/<revision>.down.sql;
- every revision commits on its own (transaction_per_migration);
- only one migrator at a time: a session advisory lock (LockKey.MIGRATIONS) is taken before the
  current version is read, so concurrent `raceday db upgrade` runs wait, then find nothing to do;
- every statement runs under lock_timeout, so a migration never queues writers for long.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from raceday.db.locks import LockKey, session_lock
from raceday.db.pool import connect

config = context.config
url: str = config.attributes["database_url"]
lock_wait_s: float = config.attributes.get("lock_wait_s", 300.0)
lock_timeout_ms: int = config.attributes.get("lock_timeout_ms", 10_000)


def _record_step(*, step: Any, **_: Any) -> None:
    # What really ran, as decided under the lock: callers report this, not a guess made before.
    applied: list[str] = config.attributes.setdefault("applied", [])
    if step.is_upgrade:
        applied.append(f"up {step.up_revision_id}")
    else:
        applied.append(f"down {step.up_revision_id}")


def run_migrations_online() -> None:
    engine = create_engine(
        "postgresql+psycopg://",
        creator=lambda: connect(url, autocommit=False, application_name="raceday-migrate"),
        poolclass=NullPool,
    )
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        with session_lock(raw, LockKey.MIGRATIONS, wait_s=lock_wait_s):
            raw.execute(
                "select set_config('lock_timeout', %s, false)", (f"{int(lock_timeout_ms)}ms",)
            )
            raw.execute("set statement_timeout = '10min'")
            raw.commit()
            context.configure(
                connection=connection,
                transaction_per_migration=True,
                on_version_apply=_record_step,  # type: ignore[arg-type]  # called with keywords
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("raceday migrations run online only; the SQL itself is in migrations/sql/")
run_migrations_online()
