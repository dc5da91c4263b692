"""The --json documents tooling reads are pinned: their keys and value types change only on purpose.

Each document's *shape* (keys, nesting, the type of every value) is compared with a snapshot in
`__snapshots__/`; values such as times and counts are free to vary. After a deliberate change,
refresh the snapshots with `pytest tests/cli/test_json_outputs.py -n0 --snapshot-update` and
review the diff.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from raceday.cli import main
from raceday.clock import FixedClock
from raceday.config import load_settings
from raceday.db import connect
from raceday.demo import generate_day, write_day
from raceday.partitions import ensure_days, partition_name

TODAY = date(2026, 12, 3)


def shape(document: Any) -> Any:
    """Keys and nesting kept, every leaf replaced by its JSON type; a list by its first item."""
    if isinstance(document, dict):
        return {key: shape(value) for key, value in document.items()}
    if isinstance(document, list):
        return [shape(document[0])] if document else []
    if document is None:
        return "null"
    return {bool: "boolean", int: "number", float: "number", str: "string"}[type(document)]


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.fixture
def busy_database(database_url: str, tmp_path: Path) -> str:
    """A database where every list of the documents has an item: a day ingested, the runway,
    kept history (islands), an aged day to retire, and a missing day (a problem)."""
    settings = load_settings(database_url=database_url)
    assert (
        main(["partitions", "apply", "--today", TODAY.isoformat(), "--database-url", database_url])
        == 0
    )
    write_day(generate_day(TODAY, meetings=1, races_per_meeting=2, polls_per_race=2), tmp_path)
    assert main(["ingest", str(tmp_path), "--database-url", database_url]) == 0
    with connect(database_url) as conn:
        ensure_days(conn, settings, [date(2025, 7, 17)], clock=FixedClock.at_local_noon(TODAY))
        conn.execute("select create_daily_partitions(%s)", (TODAY - timedelta(days=40),))
        for parent in ("odds_history", "money_flow_history"):
            conn.execute(f"drop table {partition_name(parent, TODAY + timedelta(days=5))}")
    return database_url


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    main(list(args))
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("command", ["status", "plan", "verify"])
def test_partitions_json(
    command: str,
    busy_database: str,
    capsys: pytest.CaptureFixture[str],
    json_snapshot: SnapshotAssertion,
) -> None:
    document = _json(
        capsys,
        "partitions",
        command,
        "--today",
        TODAY.isoformat(),
        "--json",
        "--database-url",
        busy_database,
    )
    if command == "plan":
        assert document["retire"] and document["kept"] and document["create"]
    else:
        assert document["islands"] and document["problems"]
    assert shape(document) == json_snapshot


def test_ingest_json(
    database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    json_snapshot: SnapshotAssertion,
) -> None:
    write_day(generate_day(TODAY, meetings=1, races_per_meeting=1, polls_per_race=2), tmp_path)
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    document = _json(capsys, "ingest", str(tmp_path), "--json", "--database-url", database_url)
    assert document["errors"] and document["rows"]
    assert shape(document) == json_snapshot


def test_db_summary_json(
    busy_database: str, capsys: pytest.CaptureFixture[str], json_snapshot: SnapshotAssertion
) -> None:
    document = _json(capsys, "db", "summary", "--json", "--database-url", busy_database)
    assert shape(document) == json_snapshot
