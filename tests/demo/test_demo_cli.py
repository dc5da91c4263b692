"""`raceday demo generate`: --dst picks the change day of --day's year, --scenarios plays them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from raceday.cli import main
from raceday.nztab import MeetingsList, RaceEvent, load_payload
from raceday.racing_day import day_length


def _generate(tmp_path: Path, *extra: str) -> list[Path]:
    args = ["demo", "generate", str(tmp_path), "--meetings", "4", "--races-per-meeting", "3"]
    assert main([*args, "--runners", "6", "--polls", "4", *extra]) == 0
    return sorted(tmp_path.glob("*.json"))


@pytest.mark.parametrize(("kind", "hours"), [("start", 23), ("end", 25)])
def test_dst_writes_the_change_day_of_the_year_given(
    tmp_path: Path, kind: str, hours: int, capsys: pytest.CaptureFixture[str]
) -> None:
    _generate(tmp_path, "--day", "2027-01-15", "--dst", kind)
    listing = load_payload(tmp_path / "meetings.json")
    assert isinstance(listing, MeetingsList)
    (day,) = {m.date_nz for m in listing.data.meetings}
    assert day.year == 2027 and day_length(day).total_seconds() == hours * 3600
    assert day.isoformat() in capsys.readouterr().out


def test_scenarios_add_foreign_meetings_and_every_file_loads(tmp_path: Path) -> None:
    quiet = _generate(tmp_path / "quiet", "--day", "2026-03-12")
    busy = _generate(tmp_path / "busy", "--day", "2026-03-12", "--scenarios")
    countries = {
        m["country"]
        for m in json.loads((tmp_path / "busy" / "meetings.json").read_text())["data"]["meetings"]
    }
    assert countries - {"NZ", "AUS"}  # the foreign evening and early-morning meetings
    quiet_meetings = json.loads((tmp_path / "quiet" / "meetings.json").read_text())
    assert {m["country"] for m in quiet_meetings["data"]["meetings"]} <= {"NZ", "AUS"}
    statuses = set()
    for path in busy:
        payload = load_payload(path)
        if isinstance(payload, RaceEvent):
            statuses.add(payload.race.status)
    assert "Abandoned" in statuses and "Final" in statuses
    assert len(quiet) > 1


def test_a_bad_day_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["demo", "generate", str(tmp_path), "--day", "17/07/2025"]) == 2
    assert main(["demo", "generate", str(tmp_path), "--dst", "middle"]) == 2
