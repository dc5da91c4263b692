"""`raceday ingest` and `raceday demo generate` end to end: summary JSON, exit codes, backfill."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from raceday.cli import main
from raceday.db import connect

TABLES = (
    "races",
    "entrants",
    "race_pools",
    "race_results",
    "race_dividends",
    "odds_history",
    "money_flow_history",
)


def _ingest(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["ingest", *args, "--json", "--database-url", url])
    return code, json.loads(capsys.readouterr().out)


def _counts(url: str) -> dict[str, int]:
    with connect(url, autocommit=True) as conn:
        return {t: conn.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]


@pytest.fixture(scope="module")
def demo_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    assert (
        main(
            [
                "demo",
                "generate",
                str(folder),
                "--meetings",
                "1",
                "--races-per-meeting",
                "4",
                "--polls",
                "6",
            ]
        )
        == 0
    )
    return folder


def test_a_bad_file_fails_alone_and_is_named(
    database_url: str, demo_day: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"header": {"title": "Event Details: x"', encoding="utf-8")  # truncated
    code, report = _ingest(capsys, database_url, str(demo_day), str(broken))
    assert code == 1
    assert report["files"] == 1 + 4 * 6 + 1 and report["failed_files"] == 1
    assert report["errors"] == [
        {"file": str(broken.resolve()), "reason": report["errors"][0]["reason"]}
    ]
    assert (
        "not valid JSON" in report["errors"][0]["reason"]
        and str(broken.resolve()) in report["errors"][0]["reason"]
    )
    assert report["races"] == 4
    assert report["rows"]["races"] > 0 and report["rows"]["odds_history"] > 0


def test_backfill_mode_stores_the_same_rows(
    database_url: str, second_database_url: str, demo_day: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, one_by_one = _ingest(capsys, database_url, str(demo_day))
    assert code == 0
    code, bulk = _ingest(capsys, second_database_url, str(demo_day), "--backfill")
    assert code == 0
    assert bulk["rows"]["odds_history"] == one_by_one["rows"]["odds_history"]
    assert _counts(second_database_url) == _counts(database_url)


def test_a_missing_path_is_an_error(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "/no/such/folder", "--database-url", database_url]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_ingest_refuses_an_unmigrated_database(
    empty_database_url: str, demo_day: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", str(demo_day), "--database-url", empty_database_url]) == 1
    assert "raceday db upgrade" in capsys.readouterr().err
