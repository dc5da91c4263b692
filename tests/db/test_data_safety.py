"""Nothing the user wrote disappears unless asked for: the data-safety rules, end to end.

Each test reproduces a trap of the one-shot CLI: `ensure` that ran retention, retention that
silently dropped loaded history, `verify` failing on history kept apart from the live window,
`make run` loading a day maintenance would drop, and a false "already stored" message.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from raceday.cli import main
from raceday.clock import FixedClock
from raceday.config import load_settings
from raceday.db import connect, upgrade
from raceday.demo import generate_day, write_day
from raceday.metrics import REGISTRY
from raceday.partitions import (
    build_plan,
    ensure_days,
    partition_name,
    read_kept_days,
    read_status,
    retire_days,
    run_maintenance,
    today_in,
)
from raceday.racing_day import day_bounds, days_between

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 12, 3)  # the day the traps were reproduced on
CLOCK = FixedClock.at_local_noon(TODAY)
APRIL = days_between(date(2026, 4, 3), date(2026, 4, 7))
SEPTEMBER = days_between(date(2026, 9, 25), date(2026, 9, 29))


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip().startswith(("{", "[")) else out


def _odds_rows(conn: psycopg.Connection[Any], days: list[date], per_day: int = 3) -> int:
    """Insert `per_day` odds rows at the middle of each of `days`; returns how many."""
    rows = [
        (uuid.uuid4(), day_bounds(day)[0] + timedelta(hours=12, minutes=n))
        for day in days
        for n in range(per_day)
    ]
    with conn.cursor() as cur:
        cur.executemany(
            "insert into odds_history (entrant_id, event_timestamp, type, odds)"
            " values (%s, %s, 'fixed_win', 4.2)",
            rows,
        )
    return len(rows)


def _count(conn: psycopg.Connection[Any], query: str = "select count(*) from odds_history") -> int:
    row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def _lived_through(conn: psycopg.Connection[Any], days: list[date]) -> None:
    """Days the live runway created back then: ordinary days, not kept."""
    for day in days:
        conn.execute("select create_daily_partitions(%s)", (day,))


# -- 1. ensure only creates ----------------------------------------------------------------------


def test_ensure_a_then_ensure_b_then_apply_keeps_every_row_of_a(
    database_url: str, db: psycopg.Connection[Any]
) -> None:
    settings = load_settings(database_url=database_url)  # retention 30 days, the default
    first = ensure_days(db, settings, APRIL, clock=CLOCK)
    assert first.ok and len(first.created) == 2 * len(APRIL) and first.kept == tuple(APRIL)
    written = _odds_rows(db, APRIL)
    second = ensure_days(db, settings, SEPTEMBER, clock=CLOCK)
    assert second.ok and second.kept == tuple(SEPTEMBER)
    assert _count(db) == written, "ensure B retired A"

    applied = run_maintenance(db, settings, today=TODAY, clock=CLOCK)
    assert applied.status == "ok" and applied.retired == []
    assert _count(db) == written
    assert {k.day for k in applied.plan.kept} == set(APRIL) | set(SEPTEMBER)  # type: ignore[union-attr]


def test_the_cli_reproduction_ensure_ensure_apply(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ("--database-url", database_url)
    code, first = _cli(
        capsys, "partitions", "ensure", "--from", "2026-04-03", "--to", "2026-04-07", "--json", *url
    )
    assert code == 0 and first["kept"] == [d.isoformat() for d in APRIL]
    with connect(database_url) as conn:
        written = _odds_rows(conn, APRIL)
    code, second = _cli(
        capsys, "partitions", "ensure", "--from", "2026-09-25", "--to", "2026-09-29", "--json", *url
    )
    assert code == 0 and second["created"] and "retired" not in second
    code, applied = _cli(
        capsys, "partitions", "apply", "--today", TODAY.isoformat(), "--json", *url
    )
    assert code == 0 and applied["retired"] == [] and applied["rows_retired"] == 0
    assert {k["day"] for k in applied["kept"]} >= {d.isoformat() for d in APRIL}
    with connect(database_url) as conn:
        assert _count(conn) == written
    # The kept history is an island: information, not a failure.
    code, verified = _cli(
        capsys, "partitions", "verify", "--today", TODAY.isoformat(), "--json", *url
    )
    assert code == 0 and verified["problems"] == []
    assert sorted(
        (i["parent"], i["first_day"], i["last_day"], i["kept_days"]) for i in verified["islands"]
    ) == [
        (parent, first, last, 5)
        for parent in ("money_flow_history", "odds_history")
        for first, last in (("2026-04-03", "2026-04-07"), ("2026-09-25", "2026-09-29"))
    ]


def test_ensure_never_retires_an_old_day_that_is_not_kept(
    database_url: str, db: psycopg.Connection[Any]
) -> None:
    settings = load_settings(database_url=database_url)
    aged = [TODAY - timedelta(days=40)]
    _lived_through(db, aged)
    written = _odds_rows(db, aged)
    assert ensure_days(db, settings, SEPTEMBER, clock=CLOCK).ok
    assert _count(db) == written


# -- 2. written history is kept; retiring rows is shown, logged and counted -----------------------


def test_ingested_samples_of_2025_survive_maintenance_and_are_islands(
    database_url: str, samples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ("--database-url", database_url)
    code, report = _cli(capsys, "ingest", str(samples_dir), "--json", *url)
    stored = report["rows"]["odds_history"]
    assert code == 0 and stored > 0
    code, applied = _cli(
        capsys, "partitions", "apply", "--today", TODAY.isoformat(), "--json", *url
    )
    assert code == 0 and applied["retired"] == []
    with connect(database_url) as conn:
        assert _count(conn) == stored
        assert set(read_kept_days(conn)) == {date(2025, 7, 17), date(2025, 8, 20)}
    code, status = _cli(
        capsys, "partitions", "status", "--today", TODAY.isoformat(), "--json", *url
    )
    assert code == 0 and status["kept_days"] == ["2025-07-17", "2025-08-20"]
    assert {(i["parent"], i["first_day"]) for i in status["islands"]} == {
        (p, d) for p in ("money_flow_history", "odds_history") for d in ("2025-07-17", "2025-08-20")
    }


def test_a_backfilled_archive_survives_maintenance(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = generate_day(date(2026, 6, 1), meetings=1, races_per_meeting=2, polls_per_race=3)
    write_day(archive, tmp_path)
    url = ("--database-url", database_url)
    code, report = _cli(capsys, "ingest", str(tmp_path), "--backfill", "--json", *url)
    assert code == 0 and report["rows"]["money_flow_history"] > 0
    stored = report["rows"]["odds_history"]
    code, applied = _cli(
        capsys, "partitions", "apply", "--today", TODAY.isoformat(), "--json", *url
    )
    assert code == 0 and applied["retired"] == []
    with connect(database_url) as conn:
        assert _count(conn) == stored
        assert date(2026, 6, 1) in read_kept_days(conn)


def test_retiring_a_day_with_rows_is_shown_before_logged_and_counted(
    database_url: str, db: psycopg.Connection[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(database_url=database_url, retention_days=30)
    aged = [TODAY - timedelta(days=32), TODAY - timedelta(days=31)]
    _lived_through(db, aged)
    written = _odds_rows(db, aged[:1], per_day=4)  # the older day holds 4 rows, the other none

    plan = build_plan(db, settings, TODAY)
    assert {s.name: s.rows for s in plan.retire} == {
        partition_name(p, d): (4 if (p, d) == ("odds_history", aged[0]) else 0)
        for p in ("money_flow_history", "odds_history")
        for d in aged
    }
    code, shown = _cli(
        capsys,
        "partitions",
        "plan",
        "--today",
        TODAY.isoformat(),
        "--json",
        "--database-url",
        database_url,
    )
    assert code == 0
    assert {s["name"]: s["rows"] for s in shown["retire"]}[
        partition_name("odds_history", aged[0])
    ] == 4

    before = (
        REGISTRY.get_sample_value(
            "raceday_partition_rows_retired_total", {"parent": "odds_history"}
        )
        or 0
    )
    code = main(
        [
            "partitions",
            "apply",
            "--today",
            TODAY.isoformat(),
            "--json",
            "--database-url",
            database_url,
        ]
    )
    captured = capsys.readouterr()
    applied = json.loads(captured.out)
    assert code == 0 and applied["rows_retired"] == written
    steps = {s["name"]: s["rows"] for s in applied["steps"] if s["action"] == "retire"}
    assert steps[partition_name("odds_history", aged[0])] == 4
    after = REGISTRY.get_sample_value(
        "raceday_partition_rows_retired_total", {"parent": "odds_history"}
    )
    assert after == before + written
    retired_lines = [line for line in captured.err.splitlines() if "partition_retired" in line]
    assert len(retired_lines) == 4  # every retired child, with its rows
    [with_rows] = [x for x in retired_lines if partition_name("odds_history", aged[0]) in x]
    assert "warning" in with_rows and "rows=4" in with_rows.replace(" ", "").replace(
        '"rows":', "rows="
    )


def test_retire_on_request_shows_first_then_retires_kept_days_and_refuses_live_ones(
    database_url: str, db: psycopg.Connection[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    settings = load_settings(database_url=database_url)
    ensure_days(db, settings, APRIL, clock=CLOCK)
    written = _odds_rows(db, APRIL[:2])

    dry = retire_days(db, settings, APRIL, execute=False, today=TODAY)
    assert dry.outcomes == [] and sum(s.rows or 0 for s in dry.plan.retiring) == written  # type: ignore[union-attr]
    assert _count(db) == written and set(read_kept_days(db)) == set(APRIL)

    url = ("--database-url", database_url)
    code, shown = _cli(
        capsys, "partitions", "retire", "--from", "2026-04-03", "--to", "2026-04-04", *url
    )
    assert code == 0 and "add --yes" in shown and "6 rows" in shown.replace(",", "")
    assert _count(db) == written

    done = retire_days(db, settings, APRIL[:2], execute=True, today=TODAY)
    assert done.status == "ok" and done.rows_retired == written
    assert _count(db) == 0
    assert set(read_kept_days(db)) == set(APRIL[2:])  # released only what went

    live = retire_days(db, settings, [TODAY - timedelta(days=1), TODAY], execute=True, today=TODAY)
    assert live.refused == [TODAY - timedelta(days=1), TODAY] and live.retired == []


def test_days_older_than_retention_when_0005_is_applied_are_kept(
    empty_database_url: str,
) -> None:
    url = empty_database_url
    upgrade(url, "0004_ingest_watermarks")
    old = date.today() - timedelta(days=90)  # migration 0005 reads the server's now()
    with connect(url) as conn:
        _lived_through(conn, [old])
        written = _odds_rows(conn, [old])
    upgrade(url)
    settings = load_settings(database_url=url)
    with connect(url) as conn:
        assert old in read_kept_days(conn)
        assert run_maintenance(conn, settings).retired == []
        assert _count(conn) == written


# -- 3. verify: gaps inside the live window are problems, islands are information ----------------


def test_a_missing_day_inside_the_live_window_is_still_a_gap(
    database_url: str, db: psycopg.Connection[Any]
) -> None:
    settings = load_settings(database_url=database_url)
    assert run_maintenance(db, settings, today=TODAY).status == "ok"
    hole = TODAY + timedelta(days=3)
    for parent in ("odds_history", "money_flow_history"):
        db.execute(f"drop table {partition_name(parent, hole)}")
    status = read_status(db, settings, TODAY)
    assert {(p.kind, p.name) for p in status.problems} == {
        ("gap", partition_name("odds_history", hole + timedelta(days=1))),
        ("gap", partition_name("money_flow_history", hole + timedelta(days=1))),
    }
    assert status.islands == []


# -- 4. make run loads today and leaves healthy partitions ---------------------------------------


def test_demo_generate_writes_todays_racing_day_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "demo",
                "generate",
                str(tmp_path),
                "--meetings",
                "1",
                "--races-per-meeting",
                "1",
                "--polls",
                "1",
            ]
        )
        == 0
    )
    today = today_in(load_settings(), FixedClock(datetime.now(UTC)))
    assert today.isoformat() in capsys.readouterr().out
    meetings = json.loads((tmp_path / "meetings.json").read_text())
    assert {m["date"][:10] for m in meetings["data"]["meetings"]} == {today.isoformat()}


@pytest.mark.skipif(
    not (Path(sys.prefix) / ".raceday-installed").exists(),
    reason="needs the virtual env `make` built (run it through `make test`)",
)
def test_make_run_then_verify_exits_0(database_url: str, tmp_path: Path) -> None:
    # `make run` is the live demo: the simulator and the service, bounded here by FOR.
    env = os.environ | {
        "DATABASE_URL": database_url,
        "RACEDAY_CAPTURE_DIR": str(tmp_path / "capture"),
        "RACEDAY_LOG_FORMAT": "json",
    }
    done = subprocess.run(
        ["make", "-s", "run", f"VENV={sys.prefix}", "FOR=25s", "PORT=0", "SPEED=60"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "polls " in done.stderr and "stored " in done.stderr  # the closing summary
    assert main(["partitions", "verify", "--database-url", database_url]) == 0
    with connect(database_url) as conn:
        days = _count(conn, "select count(distinct race_date_nz) from races")
        races = _count(conn, "select count(*) from races")
        history = _count(conn, "select count(*) from money_flow_history")
        assert days >= 1 and races >= 100  # the simulated day's card, imported at start-up
        assert history > 0  # and polled
        # Maintenance keeps what the demo wrote: nothing of it is retired.
        result = run_maintenance(conn, load_settings(database_url=database_url))
        assert result.retired == []


# -- 5. an ingest where every file failed says so -------------------------------------------------


def test_ingest_of_only_failing_files_says_nothing_was_stored(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text('{"header": {"title": "Event Details', encoding="utf-8")
    assert main(["ingest", str(tmp_path), "--database-url", database_url]) == 1
    out = capsys.readouterr().out
    assert "already stored" not in out
    assert "Nothing was stored: all 2 file(s) failed" in out
