"""Migrations round-trip exactly, run once under concurrency, and no-op when current."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from raceday.db import connect, migrate
from raceday.db.sqlfiles import sql_path
from raceday.errors import MigrationError
from tests.db.catalog import public_functions, public_relations, snapshot


def _snapshot(url: str) -> dict:
    with connect(url) as conn:
        return snapshot(conn)


def _current(url: str) -> str | None:
    with connect(url) as conn:
        return migrate.current(conn)


def test_every_revision_has_paired_sql_files() -> None:
    revisions = migrate.history()
    assert revisions, "no revisions found"
    for rev in revisions:
        for direction in ("up", "down"):
            path = sql_path(rev.revision, direction)
            assert path.is_file(), f"missing {path.name}"
            assert path.read_text().strip(), f"{path.name} is empty"


def test_upgrade_downgrade_base_upgrade_leaves_identical_catalog(empty_database_url: str) -> None:
    url = empty_database_url
    assert _current(url) is None
    result = migrate.upgrade(url)
    assert (result.before, result.after) == (None, migrate.head())
    assert len(result.steps) == len(migrate.history())
    first = _snapshot(url)
    assert first["relations"], "head schema has no relations"

    migrate.downgrade(url, "base")
    assert _current(url) is None
    with connect(url) as conn:
        assert public_relations(conn) == [], "base left relations behind"
        assert public_functions(conn) == [], "base left functions behind"
        leftovers = snapshot(conn)
    assert leftovers["types"] == [] and leftovers["triggers"] == []
    assert leftovers["schemas"] == [], "base left schemas behind"

    migrate.upgrade(url)
    second = _snapshot(url)
    for part in first:
        assert second[part] == first[part], f"{part} differ after the round trip"


def test_each_revision_round_trips_on_its_own(empty_database_url: str) -> None:
    url = empty_database_url
    previous = _snapshot(url)
    for rev in migrate.history():
        migrate.upgrade(url, rev.revision)
        applied = _snapshot(url)
        assert applied != previous, f"{rev.revision} changed nothing"
        migrate.downgrade(url, rev.down_revision or "base")
        assert _snapshot(url) == previous, f"{rev.revision} DOWN did not restore the catalog"
        migrate.upgrade(url, rev.revision)
        assert _snapshot(url) == applied, f"{rev.revision} UP differs the second time"
        previous = applied


def test_upgrading_an_up_to_date_database_is_a_no_op(database_url: str) -> None:
    catalog = _snapshot(database_url)
    result = migrate.upgrade(database_url)
    assert result.before == result.after == migrate.head()
    assert not result.changed
    assert _snapshot(database_url) == catalog


def test_unknown_revision_is_a_clear_error(database_url: str) -> None:
    with pytest.raises(MigrationError, match="nonsense"):
        migrate.upgrade(database_url, "nonsense")


def test_four_concurrent_upgrades_apply_the_schema_once(empty_database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": empty_database_url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "raceday", "db", "upgrade", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=180), *p.communicate()) for p in procs]
    for code, out, err in results:
        assert code == 0, f"a concurrent upgrade failed:\n{out}\n{err}"
    changed = [out for _, out, _ in results if '"changed": true' in out]
    assert len(changed) == 1, f"expected exactly one process to apply the schema: {results}"
    assert _current(empty_database_url) == migrate.head()
    with connect(empty_database_url) as conn:
        assert conn.execute("select count(*) from alembic_version").fetchone() == (1,)


def test_a_service_refuses_a_schema_that_is_not_at_head_and_says_which_way(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    with connect(url) as conn:
        assert migrate.schema_state(conn).standing == "empty"
        with pytest.raises(MigrationError, match="no raceday schema") as empty:
            migrate.require_head(conn, needed_by="raceday run")
        assert "raceday db upgrade" in str(empty.value)

    older = migrate.history()[-2].revision
    migrate.upgrade(url, older)
    with connect(url) as conn:
        state = migrate.schema_state(conn)
        assert (state.current, state.standing) == (older, "behind")
        with pytest.raises(MigrationError, match=f"behind: it is at {older}") as behind:
            migrate.require_head(conn, needed_by="raceday run")
        assert "raceday run needs" in str(behind.value) and "raceday db upgrade" in str(
            behind.value
        )

    migrate.upgrade(url)
    with connect(url) as conn:
        assert migrate.require_head(conn).at_head
        # A newer raceday migrated this database: this code must not write to it.
        conn.execute("update alembic_version set version_num = '0099_from_the_future'")
        assert migrate.schema_state(conn).standing == "ahead"
        with pytest.raises(MigrationError, match="ahead of this raceday: it is at 0099"):
            migrate.require_head(conn)
