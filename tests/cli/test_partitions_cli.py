"""`raceday partitions …` on a real database: JSON shapes, exit codes, and plan touching nothing."""

from __future__ import annotations

import json

import pytest

from raceday.cli import main
from raceday.db import connect
from tests.db.catalog import snapshot


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_plan_touches_nothing_and_lists_the_runway(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with connect(database_url) as conn:
        before = snapshot(conn)
    code, plan = _run(
        capsys,
        "partitions",
        "plan",
        "--today",
        "2026-04-05",
        "--json",
        "--database-url",
        database_url,
    )
    assert code == 0
    days = sorted({step["day"] for step in plan["create"]})
    assert days[0] == "2026-04-04" and days[-1] == "2026-04-12" and len(days) == 9
    # The 25-hour day is planned with its real bounds.
    longest = next(s for s in plan["create"] if s["day"] == "2026-04-05")
    assert (longest["lower"], longest["upper"]) == (
        "2026-04-04T11:00:00+00:00",
        "2026-04-05T12:00:00+00:00",
    )
    with connect(database_url) as conn:
        assert snapshot(conn) == before


def test_status_and_verify_exit_1_without_runway_then_0_after_apply(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("--today", "2026-09-27", "--json", "--database-url", database_url)
    code, status = _run(capsys, "partitions", "status", *args)
    assert code == 1 and status["runway_days"] == 0 and status["runway_ok"] is False
    assert any("runway" in key for key in status)
    code, verify = _run(capsys, "partitions", "verify", *args)
    # Nothing covers the live window (yesterday .. 7 days ahead), so the runway is short too.
    assert code == 1 and {p["kind"] for p in verify["problems"]} == {"gap", "low_runway"}

    code, applied = _run(capsys, "partitions", "apply", *args)
    assert code == 0 and applied["status"] == "ok" and len(applied["created"]) == 18

    code, status = _run(capsys, "partitions", "status", *args)
    assert code == 0 and status["runway_days"] == 7 and status["quarantine_rows"] == 0
    assert status["last_run"]["status"] == "ok" and status["last_run"]["created"] == 18
    assert {p["parent"]: p["partitions"] for p in status["parents"]} == {
        "money_flow_history": 9,
        "odds_history": 9,
    }
    assert status["parents"][0]["oldest_day"] == "2026-09-26"
    code, verify = _run(capsys, "partitions", "verify", *args)
    assert code == 0 and verify["problems"] == []

    code, again = _run(capsys, "partitions", "apply", *args)
    assert code == 0 and again["created"] == []


def test_verify_reports_a_child_with_utc_day_bounds(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with connect(database_url, autocommit=True) as conn:
        conn.execute(
            "create table odds_history_2026_01_10 partition of odds_history "
            "for values from ('2026-01-10 00:00+00') to ('2026-01-11 00:00+00')"
        )
    code, verify = _run(
        capsys,
        "partitions",
        "verify",
        "--today",
        "2026-01-10",
        "--json",
        "--database-url",
        database_url,
    )
    assert code == 1
    assert "wrong_bounds" in {p["kind"] for p in verify["problems"]}


def test_ensure_backfills_a_historical_range(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result = _run(
        capsys,
        "partitions",
        "ensure",
        "--from",
        "2025-07-16",
        "--to",
        "2025-07-18",
        "--json",
        "--database-url",
        database_url,
    )
    assert code == 0
    assert {"odds_history_2025_07_16", "odds_history_2025_07_17", "odds_history_2025_07_18"} <= set(
        result["created"]
    )


@pytest.mark.parametrize(
    "args",
    [
        ("partitions", "plan", "--today", "2026-13-01"),
        ("partitions", "ensure", "--from", "2025-07-18", "--to", "2025-07-16"),
    ],
)
def test_bad_dates_are_usage_errors(args: tuple[str, ...], database_url: str) -> None:
    assert main([*args, "--database-url", database_url]) == 2


@pytest.mark.parametrize("command", ["plan", "apply", "status", "verify", "watch"])
def test_partition_commands_refuse_a_database_without_the_schema(
    command: str, empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["partitions", command, "--database-url", empty_database_url]) == 1
    err = capsys.readouterr().err
    assert "no raceday schema" in err and "raceday db upgrade" in err
