"""Partition maintenance under pressure: concurrent maintainers, lock timeouts, lock levels,
retention, interrupted detaches and the one-maintainer rule — on a real PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import psycopg
import pytest

from raceday.cli import main
from raceday.config import Settings, load_settings
from raceday.db import connect
from raceday.db.locks import LockKey
from raceday.partitions import MaintenanceResult, partition_name, read_status, run_maintenance
from raceday.partitions.catalog import read_observed
from raceday.partitions.ddl import RetryPolicy
from raceday.racing_day import day_bounds

NO_SLEEP = lambda _s: None  # noqa: E731 - backoff is not what these tests measure
PARENTS = ["money_flow_history", "odds_history"]
TODAY = date(2026, 5, 12)  # an ordinary 24-hour NZ day, far from any DST change
WORKERS = 8


def _settings(url: str, **overrides: object) -> Settings:
    return load_settings(database_url=url, **overrides)


def _maintain(url: str, settings: Settings, **options: object) -> MaintenanceResult:
    """One maintenance run on its own connection, as a separate process would run it."""
    with connect(url, application_name="raceday-partitions") as conn:
        return run_maintenance(conn, settings, **options)  # type: ignore[arg-type]


def _lived_through(url: str, days: list[date]) -> None:
    """Create `days` as the live runway did back then: ordinary days, not kept from retention."""
    with connect(url) as conn:
        for day in days:
            conn.execute("select create_daily_partitions(%s)", (day,))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


Layout = list[tuple[object, ...]]


def _layout(url: str) -> Layout:
    """Every child of both parents with its bounds and state, in a comparable order."""
    with connect(url, autocommit=True) as conn:
        observed = read_observed(conn, PARENTS)
    return sorted(
        (
            o.parent,
            o.name,
            o.lower,
            o.upper,
            o.attached,
            o.detach_pending,
            tuple(sorted(o.index_names)),
        )
        for o in observed
    )


def _names(layout: Layout) -> set[str]:
    return {str(row[1]) for row in layout}


def _exists(conn: psycopg.Connection, qualified: str) -> bool:
    row = conn.execute("select to_regclass(%s) is not null", (qualified,)).fetchone()
    return bool(row and row[0])


def _is_partition(conn: psycopg.Connection, name: str) -> bool:
    row = conn.execute(
        """select exists (select 1 from pg_inherits i join pg_class c on c.oid = i.inhrelid
                           where c.relname = %s)""",
        (name,),
    ).fetchone()
    return bool(row and row[0])


def _insert_odds(conn: psycopg.Connection, instant: datetime) -> None:
    conn.execute(
        "insert into odds_history (entrant_id, event_timestamp, type, odds) "
        "values (%s, %s, 'fixed_win', 2.5)",
        (uuid.uuid4(), instant),
    )


def _reference_layout(url: str, today: date) -> Layout:
    result = _maintain(url, _settings(url), today=today, sleep=NO_SLEEP)
    assert result.status == "ok" and len(result.created) == 2 * 9
    return _layout(url)


# ----------------------------------------------------------------------------------------------
# 1. Concurrency
# ----------------------------------------------------------------------------------------------


def test_eight_concurrent_maintenance_runs_give_one_layout(
    database_url: str, second_database_url: str
) -> None:
    settings = _settings(database_url)
    start = threading.Barrier(WORKERS)

    def one_run(_n: int) -> MaintenanceResult:
        start.wait(timeout=30)
        return _maintain(database_url, settings, today=TODAY, triggered_by="test", sleep=NO_SLEEP)

    with ThreadPoolExecutor(WORKERS) as pool:
        results = [f.result(timeout=120) for f in [pool.submit(one_run, n) for n in range(WORKERS)]]

    statuses = [r.status for r in results]
    assert "failed" not in statuses
    assert set(statuses) <= {"ok", "skipped"} and "ok" in statuses, statuses
    for r in results:
        if r.status == "skipped":
            assert "another maintainer" in (r.error or "")
    # Across all runs every child was created exactly once.
    created = [name for r in results for name in r.created]
    assert len(created) == len(set(created)) == 2 * 9

    layout = _layout(database_url)
    assert layout == _reference_layout(second_database_url, TODAY)
    assert _names(layout) == {
        partition_name(p, d)
        for p in PARENTS
        for d in _days(TODAY - timedelta(days=1), TODAY + timedelta(days=7))
    }


def test_eight_concurrent_raw_function_calls_give_one_layout(
    database_url: str, second_database_url: str
) -> None:
    days = _days(TODAY - timedelta(days=1), TODAY + timedelta(days=7))
    start = threading.Barrier(WORKERS)

    def caller(n: int) -> list[tuple[str, str, str]]:
        # Half the callers walk the days backwards, so they meet each other mid-way.
        order = days if n % 2 == 0 else list(reversed(days))
        rows: list[tuple[str, str, str]] = []
        with connect(database_url, autocommit=True, application_name=f"raw-{n}") as conn:
            start.wait(timeout=30)
            for day in order:
                rows += conn.execute("select * from create_daily_partitions(%s)", (day,)).fetchall()
        return rows

    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = [
            row
            for f in [pool.submit(caller, n) for n in range(WORKERS)]
            for row in f.result(timeout=120)
        ]

    assert len(outcomes) == WORKERS * len(days) * 2
    assert {action for _p, _n, action in outcomes} <= {"created", "exists"}
    created = sorted(name for _p, name, action in outcomes if action == "created")
    # Serialised per child: each one was created by exactly one caller, the others saw it exist.
    assert created == sorted({partition_name(p, d) for p in PARENTS for d in days})
    assert _layout(database_url) == _reference_layout(second_database_url, TODAY)


# ----------------------------------------------------------------------------------------------
# 2. Lock timeout: deferral, and writers never wait
# ----------------------------------------------------------------------------------------------


@dataclass
class _Inserter:
    """Keeps inserting into an existing odds_history child and records each insert's latency."""

    url: str
    instant: datetime
    latencies: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def __call__(self) -> None:
        with connect(self.url, autocommit=True, application_name="inserter") as conn:
            while not self.stop.is_set():
                started = time.perf_counter()
                _insert_odds(conn, self.instant)
                self.latencies.append(time.perf_counter() - started)
                time.sleep(0.005)


def test_lock_held_on_a_parent_defers_its_steps_and_never_blocks_writers(database_url: str) -> None:
    timeout_ms = 300
    first = _maintain(
        database_url, _settings(database_url, partition_days_ahead=1), today=TODAY, sleep=NO_SLEEP
    )
    assert first.status == "ok" and len(first.created) == 2 * 3  # yesterday, today, tomorrow
    settings = _settings(database_url, partition_days_ahead=3, lock_timeout_ms=timeout_ms)
    later = [TODAY + timedelta(days=2), TODAY + timedelta(days=3)]
    inserter = _Inserter(database_url, day_bounds(TODAY)[0] + timedelta(hours=12))

    with (
        connect(database_url, autocommit=False, application_name="blocker") as blocker,
        ThreadPoolExecutor(1) as pool,
    ):
        # SHARE UPDATE EXCLUSIVE conflicts with ATTACH PARTITION but not with INSERT.
        blocker.execute("lock table odds_history in share update exclusive mode")
        writing = pool.submit(inserter)
        try:
            time.sleep(0.05)
            started = time.monotonic()
            result = _maintain(database_url, settings, today=TODAY, sleep=NO_SLEEP)
            elapsed = time.monotonic() - started
            time.sleep(0.05)
        finally:
            inserter.stop.set()
            writing.result(timeout=30)
        blocker.commit()

    attempts = RetryPolicy().attempts
    assert result.status == "deferred", result.to_dict()
    # Two deferred steps, each at most `attempts` lock timeouts, plus generous slack.
    assert elapsed < len(later) * attempts * timeout_ms / 1000 + 3.0, elapsed
    assert result.deferred == [f"create {partition_name('odds_history', d)}" for d in later]
    assert result.created == [partition_name("money_flow_history", d) for d in later]
    assert result.failed == []
    steps = {o.name: o for o in result.outcomes}
    for day in later:
        step = steps[partition_name("odds_history", day)]
        assert step.attempts == attempts and "lock timeout" in step.detail

    # The writer kept going the whole time, never waiting anywhere near the lock timeout.
    assert len(inserter.latencies) >= 20
    assert max(inserter.latencies) < (timeout_ms + 300) / 1000, max(inserter.latencies)

    with connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "select status, steps_deferred, partitions_created from "
            "partition_maintenance_runs where id = %s",
            (result.run_id,),
        ).fetchone()
        assert row == ("deferred", result.deferred, result.created)
        assert not any(_exists(conn, partition_name("odds_history", d)) for d in later)

    after = _maintain(database_url, settings, today=TODAY, sleep=NO_SLEEP)
    assert after.status == "ok" and after.deferred == []
    assert after.created == [partition_name("odds_history", d) for d in later]
    with connect(database_url, autocommit=True) as conn:
        assert all(_is_partition(conn, partition_name("odds_history", d)) for d in later)
        stored = conn.execute("select count(*) from odds_history").fetchone()
    assert stored == (len(inserter.latencies),)


# ----------------------------------------------------------------------------------------------
# 3. Lock levels: a pg_locks sampler never sees ACCESS EXCLUSIVE on a parent
# ----------------------------------------------------------------------------------------------


@dataclass
class _Sampler:
    url: str
    samples: int = 0
    seen: set[tuple[str, str]] = field(default_factory=set)
    stop: threading.Event = field(default_factory=threading.Event)

    def __call__(self) -> None:
        with connect(self.url, autocommit=True, application_name="lock-sampler") as conn:
            while not self.stop.is_set():
                rows = conn.execute(
                    """select l.mode, c.relname from pg_locks l join pg_class c on c.oid = l.relation
                        where c.relname in ('odds_history', 'money_flow_history')"""
                ).fetchall()
                self.seen.update((str(mode), str(rel)) for mode, rel in rows)
                self.samples += 1
                time.sleep(0.002)


@contextmanager
def _sampling(url: str) -> Iterator[_Sampler]:
    sampler = _Sampler(url)
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(sampler)
        try:
            time.sleep(0.05)  # the sampler is connected and polling before the DDL starts
            yield sampler
            time.sleep(0.02)
        finally:
            sampler.stop.set()
            future.result(timeout=30)


def test_creation_and_retention_never_take_access_exclusive_on_a_parent(database_url: str) -> None:
    start = TODAY
    phases: dict[str, _Sampler] = {}

    # (a) creation of 32 days per parent
    with _sampling(database_url) as phases["create"]:
        made = _maintain(
            database_url,
            _settings(database_url, partition_days_ahead=30, retention_days=0),
            today=start,
            sleep=NO_SLEEP,
        )
    assert made.status == "ok" and len(made.created) == 2 * 32

    # (b) retention, dropping: today moves 12 days on, keep 2 → days start-1 .. start+9 retire
    with _sampling(database_url) as phases["drop"]:
        dropped = _maintain(
            database_url,
            _settings(database_url, partition_days_ahead=1, retention_days=2),
            today=start + timedelta(days=12),
            sleep=NO_SLEEP,
        )
    assert dropped.status == "ok" and dropped.created == [] and len(dropped.retired) == 2 * 11

    # (c) retention, keeping the tables: today moves to start+20 → start+10 .. start+17 retire
    with _sampling(database_url) as phases["keep"]:
        kept = _maintain(
            database_url,
            _settings(database_url, partition_days_ahead=1, retention_days=2, keep_detached=True),
            today=start + timedelta(days=20),
            sleep=NO_SLEEP,
        )
    assert kept.status == "ok" and kept.created == [] and len(kept.retired) == 2 * 8

    for phase, sampler in phases.items():
        assert sampler.samples > 0, phase
        heavy = {rel for mode, rel in sampler.seen if mode == "AccessExclusiveLock"}
        assert heavy == set(), f"{phase}: ACCESS EXCLUSIVE seen on {heavy}"
    # The sampler can see the locks maintenance does take...
    seen = set().union(*(s.seen for s in phases.values()))
    assert ("ShareUpdateExclusiveLock", "odds_history") in seen, seen
    assert ("ShareUpdateExclusiveLock", "money_flow_history") in seen, seen

    # ...and would see the one it must not: the CREATE TABLE ... PARTITION OF it avoids.
    with _sampling(database_url) as control, connect(database_url, autocommit=False) as conn:
        conn.execute(
            "create table odds_history_control partition of odds_history for values "
            "from ('2030-01-01 00:00+00') to ('2030-01-02 00:00+00')"
        )
        conn.execute("select pg_sleep(0.05)")
        conn.rollback()
    assert ("AccessExclusiveLock", "odds_history") in control.seen, control.seen


# ----------------------------------------------------------------------------------------------
# 4. Retention
# ----------------------------------------------------------------------------------------------


def test_retention_drops_old_days_and_never_the_runway(database_url: str) -> None:
    old = _days(TODAY - timedelta(days=12), TODAY - timedelta(days=2))
    first = _maintain(
        database_url,
        _settings(database_url, partition_days_ahead=2, retention_days=0),
        today=TODAY,
        sleep=NO_SLEEP,
    )
    assert first.status == "ok" and len(first.created) == 2 * 4
    _lived_through(database_url, old)
    every = _names(_layout(database_url))
    with connect(database_url, autocommit=True) as conn:
        _insert_odds(conn, day_bounds(old[0])[0] + timedelta(hours=1))

    # retention_days=0 keeps everything, however old.
    keep_all = _maintain(
        database_url,
        _settings(database_url, partition_days_ahead=2, retention_days=0),
        today=TODAY,
        sleep=NO_SLEEP,
    )
    assert keep_all.status == "ok" and keep_all.retired == [] and keep_all.created == []
    assert _names(_layout(database_url)) == every

    # Keep 5 days: the cutoff is TODAY-5, so TODAY-12 .. TODAY-6 go.
    five = _maintain(
        database_url,
        _settings(database_url, partition_days_ahead=2, retention_days=5),
        today=TODAY,
        sleep=NO_SLEEP,
    )
    gone = _days(TODAY - timedelta(days=12), TODAY - timedelta(days=6))
    assert five.status == "ok"
    assert sorted(five.retired) == sorted(partition_name(p, d) for p in PARENTS for d in gone)
    with connect(database_url, autocommit=True) as conn:
        for name in five.retired:
            assert not _exists(conn, name) and not _exists(conn, f"partition_archive.{name}")
        for day in _days(TODAY - timedelta(days=5), TODAY + timedelta(days=2)):
            assert all(_is_partition(conn, partition_name(p, day)) for p in PARENTS)

    # The shortest retention still never touches yesterday, today or the future.
    one = _maintain(
        database_url,
        _settings(database_url, partition_days_ahead=2, retention_days=1),
        today=TODAY,
        sleep=NO_SLEEP,
    )
    assert one.status == "ok"
    assert sorted(one.retired) == sorted(
        partition_name(p, d)
        for p in PARENTS
        for d in _days(TODAY - timedelta(days=5), TODAY - timedelta(days=2))
    )
    assert _names(_layout(database_url)) == {
        partition_name(p, d)
        for p in PARENTS
        for d in _days(TODAY - timedelta(days=1), TODAY + timedelta(days=2))
    }


def test_retention_with_keep_detached_moves_old_days_to_the_archive(database_url: str) -> None:
    old = _days(TODAY - timedelta(days=4), TODAY - timedelta(days=2))
    _maintain(
        database_url,
        _settings(database_url, partition_days_ahead=1, retention_days=0),
        today=TODAY,
        sleep=NO_SLEEP,
    )
    _lived_through(database_url, old)
    oldest_row = day_bounds(old[0])[0] + timedelta(hours=3)
    with connect(database_url, autocommit=True) as conn:
        _insert_odds(conn, oldest_row)

    result = _maintain(
        database_url,
        _settings(database_url, partition_days_ahead=1, retention_days=1, keep_detached=True),
        today=TODAY,
        sleep=NO_SLEEP,
    )
    assert result.status == "ok"
    assert sorted(result.retired) == sorted(partition_name(p, d) for p in PARENTS for d in old)
    with connect(database_url, autocommit=True) as conn:
        for name in result.retired:
            assert _exists(conn, f"partition_archive.{name}"), name
            assert not _exists(conn, f"public.{name}") and not _is_partition(conn, name)
        archived = conn.execute(
            f"select event_timestamp from partition_archive.{partition_name('odds_history', old[0])}"
        ).fetchall()
        assert archived == [(oldest_row,)]
        assert conn.execute("select count(*) from odds_history").fetchone() == (0,)
    assert _names(_layout(database_url)) == {
        partition_name(p, d)
        for p in PARENTS
        for d in _days(TODAY - timedelta(days=1), TODAY + timedelta(days=1))
    }


# ----------------------------------------------------------------------------------------------
# 5. An interrupted DETACH … CONCURRENTLY is finished
# ----------------------------------------------------------------------------------------------


def _pending(conn: psycopg.Connection, name: str) -> bool | None:
    row = conn.execute(
        "select i.inhdetachpending from pg_inherits i join pg_class c "
        "on c.oid = i.inhrelid where c.relname = %s",
        (name,),
    ).fetchone()
    return None if row is None else bool(row[0])


def _verify_kinds(capsys: pytest.CaptureFixture[str], url: str, today: date) -> dict[str, set[str]]:
    main(["partitions", "verify", "--today", today.isoformat(), "--json", "--database-url", url])
    problems = json.loads(capsys.readouterr().out)["problems"]
    kinds: dict[str, set[str]] = {}
    for problem in problems:
        kinds.setdefault(problem["kind"], set()).add(problem["name"])
    return kinds


def test_an_interrupted_concurrent_detach_is_finalized(
    database_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CLI's verify reads the same policy from the environment.
    monkeypatch.setenv("RACEDAY_PARTITION_DAYS_AHEAD", "2")
    monkeypatch.setenv("RACEDAY_RETENTION_DAYS", "3")
    settings = _settings(database_url, partition_days_ahead=2, retention_days=3)
    assert _maintain(database_url, settings, today=TODAY, sleep=NO_SLEEP).status == "ok"
    victim = partition_name("odds_history", TODAY - timedelta(days=1))

    with (
        connect(database_url, autocommit=False, application_name="reader") as reader,
        connect(database_url, autocommit=True, application_name="detacher") as detacher,
    ):
        # An open transaction that has read the parent: the detach's second phase waits for it.
        reader.execute("select count(*) from odds_history").fetchone()
        detacher.execute("set statement_timeout = '300ms'")
        with pytest.raises(psycopg.errors.QueryCanceled):
            detacher.execute(f"alter table odds_history detach partition {victim} concurrently")
        detacher.execute("reset statement_timeout")
        assert _pending(detacher, victim) is True

        # Not yet retirable (it is yesterday): status and verify name the pending detach, and
        # yesterday, which no longer receives rows, as a gap in the live window.
        status = read_status(detacher, settings, TODAY)
        assert [(p.kind, p.name) for p in status.problems] == [
            ("pending_detach", victim),
            ("gap", partition_name("odds_history", TODAY)),
        ]
        assert not status.healthy
        reader.rollback()
    assert _verify_kinds(capsys, database_url, TODAY) == {
        "pending_detach": {victim},
        "gap": {partition_name("odds_history", TODAY)},
    }

    # A maintenance run for which the day is retirable finishes the detach first.
    later = TODAY + timedelta(days=4)  # cutoff later-3 = TODAY+1: yesterday and today retire
    result = _maintain(database_url, settings, today=later, sleep=NO_SLEEP)
    assert result.status == "ok", result.to_dict()
    finals = [o for o in result.outcomes if o.action == "finalize"]
    assert [(o.name, o.status) for o in finals] == [(victim, "finalized")]
    assert result.outcomes.index(finals[0]) < min(
        i for i, o in enumerate(result.outcomes) if o.action == "retire"
    )
    assert victim in result.retired
    with connect(database_url, autocommit=True) as conn:
        assert _pending(conn, victim) is None and not _exists(conn, victim)
        assert read_status(conn, settings, later).problems == []
    assert "pending_detach" not in _verify_kinds(capsys, database_url, later)


# ----------------------------------------------------------------------------------------------
# 6. One maintainer at a time
# ----------------------------------------------------------------------------------------------


def test_a_second_maintainer_skips_and_changes_nothing(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with connect(database_url, autocommit=True, application_name="other-maintainer") as holder:
        holder.execute("select pg_advisory_lock(%s)", (int(LockKey.PARTITION_MAINTENANCE),))
        before = _layout(database_url)
        runs_before = holder.execute("select count(*) from partition_maintenance_runs").fetchone()

        result = _maintain(database_url, _settings(database_url), today=TODAY, sleep=NO_SLEEP)
        assert result.status == "skipped"
        assert "another maintainer" in (result.error or "")
        assert result.outcomes == [] and result.created == [] and result.run_id is None

        code = main(
            ["partitions", "apply", "--today", TODAY.isoformat(), "--database-url", database_url]
        )
        captured = capsys.readouterr()
        assert code == 0
        assert "another maintainer" in captured.out

        assert _layout(database_url) == before == []
        assert (
            holder.execute("select count(*) from partition_maintenance_runs").fetchone()
            == runs_before
        )
        holder.execute("select pg_advisory_unlock(%s)", (int(LockKey.PARTITION_MAINTENANCE),))

    # Once the lock is free, the same call does the work.
    assert (
        _maintain(database_url, _settings(database_url), today=TODAY, sleep=NO_SLEEP).status == "ok"
    )


def test_a_long_reader_defers_retention_instead_of_failing_it(database_url: str) -> None:
    old = [TODAY - timedelta(days=5), TODAY - timedelta(days=4)]
    _maintain(
        database_url,
        _settings(database_url, partition_days_ahead=1, retention_days=0),
        today=TODAY,
        sleep=NO_SLEEP,
    )
    _lived_through(database_url, old)
    settings = _settings(
        database_url, partition_days_ahead=1, retention_days=2, lock_timeout_ms=300
    )
    with connect(database_url, autocommit=False, application_name="long-reader") as reader:
        reader.execute("select count(*) from odds_history").fetchone()  # e.g. a report query
        result = _maintain(database_url, settings, today=TODAY, sleep=NO_SLEEP)
        reader.rollback()
    assert result.retired == [partition_name("money_flow_history", d) for d in old]
    assert result.failed == [], result.failed
    assert result.status == "deferred"
    assert result.deferred == [f"retire {partition_name('odds_history', d)}" for d in old]
    after = _maintain(database_url, settings, today=TODAY, sleep=NO_SLEEP)
    assert after.status == "ok"
    assert sorted(after.retired) == [partition_name("odds_history", d) for d in old]
