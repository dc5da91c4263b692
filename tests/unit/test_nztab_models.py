"""The NZTAB payload models and loader against the real samples, hand-made variants and mutations.

Expected values come from the data guide and from the raw JSON read here with `json`, never from
the models under test. Variants built by editing a sample in a test are synthetic and say so.
"""

# Test parameters are named like the imported samples_dir fixture: that is how pytest injects it.
from __future__ import annotations

import contextlib
import copy
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from raceday.errors import RacedayError
from raceday.nztab import (
    SUPPORTED_PAYLOAD_TYPES,
    MeetingDetail,
    MeetingsList,
    PayloadError,
    RaceEvent,
    RacesList,
    UnsupportedPayloadError,
    detect_payload_type,
    load_payload,
    parse_payload,
)
from raceday.nztab.models import FORM_STAT_KEYS
from tests.fixtures.samples import SAMPLE_FILES, read_sample

JULY = "race-event-0f57e087-final.json"
AUGUST = "race-event-a413cb06-final.json"
JULY_RACE = "0f57e087-00d9-4c61-9549-835abe2ae2ed"

EXPECTED_TYPES = {
    "futures-list.json": "futures",
    "meeting-detail.json": "meeting",
    "meeting-extras.json": "extras",
    "meetings-extras-list.json": "extras_list",
    "meetings-list.json": "meetings",
    "openapi.json": "openapi",
    JULY: "race_event",
    AUGUST: "race_event",
    "races-list.json": "races_list",
}


@pytest.fixture(scope="module")
def raw(samples_dir: Path) -> dict[str, Any]:
    """Every sample decoded with plain `json`, read once; tests deep-copy before editing."""
    return {name: read_sample(samples_dir, name) for name in SAMPLE_FILES}


@pytest.fixture(scope="module")
def july(samples_dir: Path) -> RaceEvent:
    loaded = load_payload(samples_dir / JULY)
    assert isinstance(loaded, RaceEvent)
    return loaded


@pytest.fixture(scope="module")
def august(samples_dir: Path) -> RaceEvent:
    loaded = load_payload(samples_dir / AUGUST)
    assert isinstance(loaded, RaceEvent)
    return loaded


def _edited(body: dict[str, Any], edit: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """A synthetic variant: a deep copy of `body` with `edit` applied."""
    variant = copy.deepcopy(body)
    edit(variant)
    return variant


# --- every sample: parsed or refused ------------------------------------------------------------


def test_sample_files_are_all_known(samples_dir: Path) -> None:
    assert sorted(p.name for p in samples_dir.glob("*.json")) == sorted(EXPECTED_TYPES)


@pytest.mark.parametrize("name", sorted(EXPECTED_TYPES))
def test_every_sample_parses_or_is_refused_as_unsupported(samples_dir: Path, name: str) -> None:
    expected = EXPECTED_TYPES[name]
    assert detect_payload_type(read_sample(samples_dir, name)) == expected
    if expected in SUPPORTED_PAYLOAD_TYPES:
        loaded = load_payload(samples_dir / name)
        assert loaded.payload_type == expected
    else:
        with pytest.raises(UnsupportedPayloadError, match="unsupported payload type") as caught:
            load_payload(samples_dir / name)
        assert caught.value.file == str(samples_dir / name)
        assert caught.value.payload_type == expected
        assert isinstance(caught.value, RacedayError)


def test_supported_types() -> None:
    assert {"meetings", "meeting", "races_list", "race_event"} == SUPPORTED_PAYLOAD_TYPES


def test_detection_falls_back_on_title_and_shape(raw: dict[str, Any]) -> None:
    # Synthetic: headers stripped of their url, then of everything.
    no_url = _edited(raw[JULY], lambda b: b["header"].update(url=""))
    assert detect_payload_type(no_url) == "race_event"
    bare = _edited(raw[JULY], lambda b: b.pop("header"))
    assert detect_payload_type(bare) == "race_event"
    bare_list = _edited(raw["races-list.json"], lambda b: b.pop("header"))
    assert detect_payload_type(bare_list) == "races_list"
    assert detect_payload_type([1, 2]) == "unknown"
    assert detect_payload_type({"header": {"title": "Something new"}, "data": {}}) == "unknown"


def test_header_generated_time_is_truncated(july: RaceEvent) -> None:
    # "2025-07-17T11:16:59.18904298Z": truncated, not rounded (.189043), see times.py.
    assert july.generated_time == datetime(2025, 7, 17, 11, 16, 59, 189042, tzinfo=UTC)


# --- meetings list, meeting detail, races list ---------------------------------------------------


def test_meetings_list(samples_dir: Path) -> None:
    loaded = load_payload(samples_dir / "meetings-list.json")
    assert type(loaded) is MeetingsList
    meetings = loaded.data.meetings
    assert len(meetings) == 76
    assert sum(len(m.races) for m in meetings) == 748
    assert Counter(m.category for m in meetings) == {"T": 35, "G": 30, "H": 11}
    assert Counter(race.status for _, race in loaded.iter_races()) == {
        "Final": 530, "Open": 196, "Abandoned": 17, "Interim": 3, "Closed": 2,
    }  # fmt: skip
    assert {m.date_nz for m in meetings} == {date(2025, 7, 17)}
    assert sum(m.tote_meeting_number is None for m in meetings) == 29
    assert sum(race.protest for _, race in loaded.iter_races()) == 7
    # The tote clock names the advertised start for every race that has one (453 of 748).
    tote = [(m.tote_start(r), r.start_time) for m, r in loaded.iter_races() if r.tote_start_time]
    assert len(tote) == 453
    assert all(a == b for a, b in tote)
    awapuni = next(r for _, r in loaded.iter_races() if str(r.id) == JULY_RACE)
    assert awapuni.start_time == datetime(2025, 7, 17, 0, 50, tzinfo=UTC)


def test_meeting_detail(samples_dir: Path) -> None:
    loaded = load_payload(samples_dir / "meeting-detail.json")
    assert type(loaded) is MeetingDetail
    (grafton,) = loaded.data.meetings
    assert grafton.meeting_id == UUID("d3f82a25-7acb-4a07-a942-e5fb36a1e426")
    assert (grafton.name, grafton.country, grafton.state, grafton.category) == (
        "Grafton", "AUS", "NSW", "T",
    )  # fmt: skip
    assert len(grafton.races) == 8
    assert {r.status for r in grafton.races} == {"Final"}
    assert grafton.meeting_date == date(2025, 7, 17)
    assert (grafton.quaddie, grafton.early_quaddie) == ([5, 6, 7, 8], [1, 2, 3, 4])


def test_races_list(samples_dir: Path, raw: dict[str, Any]) -> None:
    loaded = load_payload(samples_dir / "races-list.json")
    assert isinstance(loaded, RacesList)
    races = loaded.data.races
    assert len(races) == 100
    pseudo = [r for r in races if r.number is None]
    assert [r.name for r in pseudo] == ["Cambridge (G)"]
    assert loaded.data.next_page_token == raw["races-list.json"]["data"]["next_page_token"]
    assert sum(r.silk_url is not None for r in races) == 63


# --- race events --------------------------------------------------------------------------------


def test_july_event_race(july: RaceEvent) -> None:
    race = july.race
    assert july.race_id == UUID(JULY_RACE)
    assert race.advertised_start == datetime(2025, 7, 17, 0, 50, tzinfo=UTC)
    assert race.race_date_nz == date(2025, 7, 17)
    assert race.start_time_nz_instant() == race.advertised_start
    assert race.actual_start == datetime(2025, 7, 17, 0, 52, 46, tzinfo=UTC)
    assert (race.status, race.type, race.race_number, race.distance) == ("Final", "T", 1, 1700)
    assert race.race_class == "Rating 60 HCP"
    assert race.total_prize_money == Decimal("17000")
    assert race.prize_monies is not None and race.prize_monies["1st"] == 9520


def test_event_section_counts(july: RaceEvent, august: RaceEvent) -> None:
    def counts(event: RaceEvent) -> tuple[object, ...]:
        d = event.data
        return (
            len(d.runners), len(d.results), len(d.dividends), len(d.substitutions),
            len(d.tote_pools), len(d.money_tracker.entrants) if d.money_tracker else None,
            None if d.big_bets is None else len(d.big_bets),
            None if d.live_bets is None else len(d.live_bets),
            d.biggest_bet is not None,
        )  # fmt: skip

    assert counts(july) == (8, 8, 14, 1, 6, 76, None, None, False)
    assert counts(august) == (7, 4, 16, 1, 8, 67, 5, 10, True)


def test_august_event_times(august: RaceEvent) -> None:
    assert august.race.race_date_nz == date(2025, 8, 20)
    assert august.race.start_time_nz_instant() == august.race.advertised_start
    assert august.generated_time == datetime(2025, 8, 20, 3, 1, 5, 374230, tzinfo=UTC)


def test_runner_values_hand_checked(july: RaceEvent) -> None:
    by_name = {r.name: r for r in july.data.runners}
    frosbie, tickford = by_name["Frosbie"], by_name["Tickford"]
    # Raw: "odds": {"fixed_win": 7.5, "fixed_place": 2.3, "pool_win": 6.6, "pool_place": 1.7}
    assert frosbie.odds.fixed_win == Decimal("7.5")
    assert frosbie.odds.fixed_place == Decimal("2.3")
    assert frosbie.odds.pool_place == Decimal("1.7")
    # Raw fixed_win: 5 (an int: the ".0" was lost)
    assert tickford.odds.fixed_win == Decimal("5")
    assert frosbie.weight is not None and frosbie.weight.allocated == Decimal("57.5")  # "57.5"
    assert frosbie.win_p == Decimal("12")  # "12%"
    assert tickford.prize_money == Decimal("69510")  # "69510"
    assert tickford.allowance_weight is None  # ""
    assert by_name["Dealers Choice"].allowance_weight == Decimal("2.5")
    assert tickford.scratch_time is None  # 0
    assert tickford.runner_change == {
        "12/11/2020": "Gelding", "30/07/2021": "Stable Change - Steve Hamill",
    }  # fmt: skip
    assert tickford.speedmap == {
        "settling_lengths": 9, "entrant_id": str(tickford.entrant_id), "label": "Front Runner",
    }  # fmt: skip
    assert tickford.flucs == [Decimal("8.5"), Decimal("6"), Decimal("4.6"), Decimal("5")]
    assert tickford.mover is True and tickford.favourite is False
    assert set(tickford.form_stats) == set(FORM_STAT_KEYS)
    assert tickford.form_stats["overall"]["number_of_starts"] == 26
    assert tickford.form_stats["win_p"] == "12%"  # as sent
    # Kept whole, float noise included: rounding is the transform's job.
    assert frosbie.last_12_months_prize_money == {"NZD": 96955.38500000001}


def test_pool_values_hand_checked(july: RaceEvent, august: RaceEvent) -> None:
    win = july.tote_pool("Win")
    assert win is not None and win.total == Decimal("9151.38")  # dollars, raw 9151.38
    trifecta = july.tote_pool("Trifecta")
    assert trifecta is not None and trifecta.tote_trends is not None
    assert trifecta.total == Decimal("7976.24")
    assert trifecta.tote_trends.pool_total == Decimal("8388.2")
    assert trifecta.tote_trends.tote_trends_data is not None
    assert trifecta.tote_trends.tote_trends_data.startswith("<meetings>\r\n")
    assert trifecta.leg_race_numbers() == ()
    early = july.tote_pool("EarlyQuadrella")
    assert early is not None
    assert early.jackpot == Decimal("6826.35")
    assert early.leg_race_numbers() == (1, 2, 3, 4)
    assert early.is_final is None  # missing on multi-race pools
    assert early.tote_trends is not None
    assert early.tote_trends.final_leg_start_time == datetime(2025, 7, 17, 2, 34, tzinfo=UTC)
    assert july.tote_pool("Place") is not None and july.tote_pool("Place").tote_trends is None  # type: ignore[union-attr]
    legs = {p.product_type: p.leg_race_numbers() for p in august.data.tote_pools}
    assert legs["RunningDouble"] == (4, 5)
    assert legs["Treble"] == (5, 6, 7)
    assert legs["Quadrella"] == (4, 5, 6, 7)
    quadrella = august.tote_pool("Quadrella")
    assert quadrella is not None and quadrella.guarantee == Decimal("25000")
    treble = august.tote_pool("Treble")
    assert treble is not None and treble.win_investment is None  # ""


def test_results_and_substitutions(july: RaceEvent, august: RaceEvent) -> None:
    winner = july.data.results[0]
    assert (winner.position, winner.name, winner.winning_time) == (1, "Frosbie", Decimal("106.73"))
    assert winner.positional_margin is None
    assert july.data.results[1].positional_margin == "LG NK"
    assert july.data.results[2].margin_length == Decimal("2.3")
    assert all(r.entrant_id in july.known_entrant_ids() for r in july.data.results)
    assert [r.position for r in august.data.results] == [1, 2, 3, 4]
    (sub,) = july.data.substitutions
    assert sub.entrant_id in july.known_entrant_ids()


# --- ids that point nowhere, money tracker, dividends -------------------------------------------


@pytest.mark.parametrize("name", [JULY, AUGUST])
def test_money_tracker_sums_per_known_entrant(
    name: str, raw: dict[str, Any], july: RaceEvent, august: RaceEvent
) -> None:
    event = july if name == JULY else august
    data = raw[name]["data"]
    known = {r["entrant_id"] for r in data["runners"]}
    rows = data["money_tracker"]["entrants"]
    unknown_rows = [row for row in rows if row["entrant_id"] not in known]
    shares, dropped = event.money_tracker_by_entrant()
    assert dropped == len(unknown_rows) > 0
    assert {str(k) for k in shares} <= known
    for entrant_id, share in shares.items():
        mine = [row for row in rows if row["entrant_id"] == str(entrant_id)]
        assert share.hold_percentage == sum(row["hold_percentage"] for row in mine)
        assert share.bet_percentage == sum(row["bet_percentage"] for row in mine)
    # All rows together are one distribution: about 100 each (101/101 and 105/105).
    assert 95 <= sum(row["hold_percentage"] for row in rows) <= 110
    assert 95 <= sum(row["bet_percentage"] for row in rows) <= 110


def test_money_tracker_hand_computed(july: RaceEvent, raw: dict[str, Any]) -> None:
    # Keepitinyourwallet: its rows in the raw JSON, summed by hand below.
    keepit = "8f3f3ac0-5689-4ec6-a560-c8b451bb383d"
    rows = [r for r in raw[JULY]["data"]["money_tracker"]["entrants"] if r["entrant_id"] == keepit]
    assert len(rows) > 1  # many rows per entrant
    shares, dropped = july.money_tracker_by_entrant()
    assert shares[UUID(keepit)] == (Decimal(19), Decimal(19))
    assert dropped == 3  # bb2abd71…, 6f68d8f6… (hold 8), 1f6678a7…
    assert sum(s.hold_percentage for s in shares.values()) == 93  # 101 minus the unknown 8


def test_ids_that_point_nowhere_are_not_errors(august: RaceEvent, july: RaceEvent) -> None:
    known = august.known_entrant_ids()
    assert len(known) == 7
    # The August mover names "Bonnie Gem" #3 with an id that is not Bonnie Gem's.
    assert august.data.mover is not None and august.data.mover.entrant_id not in known
    assert august.data.mover.odds.fixed_place == Decimal(0)
    assert august.data.mover.odds.pool_win is None
    assert any(tip not in july.known_entrant_ids() for tip in july.race.tips)


@pytest.mark.parametrize(("name", "unique"), [(JULY, 7), (AUGUST, 8)])
def test_dividends_deduplicated(
    name: str, unique: int, raw: dict[str, Any], july: RaceEvent, august: RaceEvent
) -> None:
    event = july if name == JULY else august
    rows = raw[name]["data"]["dividends"]
    keys = Counter((r["tote"], r["product_name"], r["description"]) for r in rows)
    assert set(keys.values()) == {2}  # every dividend twice
    kept = event.dividends_deduplicated()
    assert len(kept) == unique == len(keys)
    assert Counter(d.key for d in kept) == Counter(set(keys))  # each product/description once
    assert {d.status for d in kept} == {"Final"}
    for dividend in kept:
        final = next(
            r for r in rows if r["status"] == "Final"
            and (r["tote"], r["product_name"], r["description"]) == dividend.key
        )  # fmt: skip
        assert str(dividend.id) == final["id"]
        assert dividend.dividend == Decimal(repr(final["dividend"]))
    places = sorted(d.description for d in kept if d.product_name == "Pool Place")
    assert places == (["2", "4", "7"] if name == JULY else ["4", "7"])  # one per placed runner


def test_dividend_preference_synthetic(raw: dict[str, Any]) -> None:
    # Synthetic: only Interim rows; and Final listed before Interim.
    def interim_only(body: dict[str, Any]) -> None:
        body["data"]["dividends"] = [
            d for d in body["data"]["dividends"] if d["status"] == "Interim"
        ]

    event = RaceEvent.model_validate(_edited(raw[JULY], interim_only))
    assert {d.status for d in event.dividends_deduplicated()} == {"Interim"}
    assert len(event.dividends_deduplicated()) == 7

    def final_first(body: dict[str, Any]) -> None:
        body["data"]["dividends"].sort(key=lambda d: d["status"] != "Final")

    for edit in (final_first, lambda b: b["data"]["dividends"].reverse()):
        event = RaceEvent.model_validate(_edited(raw[JULY], edit))
        assert {d.status for d in event.dividends_deduplicated()} == {"Final"}


# --- lenient where the API is inconsistent (synthetic variants) --------------------------------


def test_lenient_numbers_and_missing_keys(raw: dict[str, Any]) -> None:
    def loosen(body: dict[str, Any]) -> None:
        data = body["data"]
        runner = data["runners"][0]
        runner["odds"] = {"fixed_win": "5.5", "fixed_place": 2}  # string, int, pool_* absent
        runner["weight"]["allocated"] = 57.5
        runner["prize_money"] = ""
        runner["barrier"] = "7"
        runner["spr"] = 2673.0
        runner["brand_new_key"] = {"anything": True}
        del runner["picks"], runner["runner_win_history"], runner["foaling_date"]
        data["tote_pools"][0]["total"] = "7976.24"
        data["results"] = None
        data["substitutions"] = None
        data["entrants"] = data.pop("runners")  # the old poller's name
        data["race"]["actual_start"] = 0  # before the jump
        data["race"]["start_time_nz"] = ""
        data["race"]["tips"] = None

    event = RaceEvent.model_validate(_edited(raw[JULY], loosen))
    runner = event.data.runners[0]
    assert runner.odds.fixed_win == Decimal("5.5")
    assert runner.odds.fixed_place == Decimal(2)
    assert runner.odds.pool_win is None
    assert runner.weight is not None and runner.weight.allocated == Decimal("57.5")
    assert runner.prize_money is None
    assert (runner.barrier, runner.spr, runner.picks, runner.foaling_date) == (7, 2673, None, None)
    assert event.data.tote_pools[0].total == Decimal("7976.24")
    assert (event.data.results, event.data.substitutions, event.race.tips) == ([], [], [])
    assert event.race.actual_start is None
    assert event.race.start_time_nz_instant() is None


def test_decimals_keep_the_json_text(raw: dict[str, Any]) -> None:
    # Synthetic: float noise in a money field stays as the JSON text, never binary float noise.
    def noisy(body: dict[str, Any]) -> None:
        body["data"]["tote_pools"][0]["total"] = 96955.38500000001
        body["data"]["tote_pools"][1]["total"] = 0.1

    event = RaceEvent.model_validate(_edited(raw[JULY], noisy))
    assert event.data.tote_pools[0].total == Decimal("96955.38500000001")
    assert event.data.tote_pools[1].total == Decimal("0.1")
    assert json.loads(json.dumps(raw[JULY]))["data"]["tote_pools"][0]["total"] == 7976.24


# --- strict where a value is wrong --------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "path", "reason"),
    [
        (lambda d: d["runners"][3]["odds"].update(fixed_win="abc"),
         "data.runners[3].odds.fixed_win", "not a number"),
        (lambda d: d["runners"][1]["odds"].update(fixed_place=-1.5),
         "data.runners[1].odds.fixed_place", ">= 0"),
        (lambda d: d["race"].pop("event_id"), "data.race.event_id", "required"),
        (lambda d: d["tote_pools"][2].update(total=-10), "data.tote_pools[2].total", ">= 0"),
        (lambda d: d["runners"][5].pop("entrant_id"), "data.runners[5].entrant_id", "required"),
        (lambda d: d["runners"][0].update(entrant_id="not-a-uuid"),
         "data.runners[0].entrant_id", "UUID"),
        (lambda d: d["money_tracker"]["entrants"][4].update(hold_percentage=101),
         "data.money_tracker.entrants[4].hold_percentage", "<= 100"),
        (lambda d: d["race"].update(status="final"), "data.race.status", "Final"),
        (lambda d: d["race"].update(advertised_start=0), "data.race.advertised_start", "positive"),
        (lambda d: d["race"].update(race_date_nz="17/07/2025"), "data.race.race_date_nz", "date"),
        (lambda d: d["dividends"][0].update(dividend=True), "data.dividends[0].dividend", "number"),
        (lambda d: d["race"].update(start_time_nz="12:50 NZST"),
         "data.race.start_time_nz", "NZ clock"),
    ],
)  # fmt: skip
def test_wrong_values_fail_with_file_race_and_path(
    raw: dict[str, Any], edit: Callable[[dict[str, Any]], object], path: str, reason: str
) -> None:
    # Synthetic: one wrong value in the July event.
    body = _edited(raw[JULY], lambda b: edit(b["data"]))
    with pytest.raises(PayloadError) as caught:
        parse_payload(body, source="bad/race.json")
    error = caught.value
    assert (error.file, error.race_id, error.field_path) == ("bad/race.json", JULY_RACE, path)
    assert reason in error.reason
    assert str(error).startswith(f"bad/race.json: race {JULY_RACE}: {path}: ")
    assert isinstance(error.__cause__, ValidationError)


def test_a_bad_race_in_a_meetings_list_names_that_race(raw: dict[str, Any]) -> None:
    body = raw["meetings-list.json"]
    target = body["data"]["meetings"][3]["races"][2]
    variant = _edited(body, lambda b: b["data"]["meetings"][3]["races"][2].update(status="Paying"))
    with pytest.raises(PayloadError) as caught:
        parse_payload(variant, source="m.json")
    assert caught.value.race_id == target["id"]
    assert caught.value.field_path == "data.meetings[3].races[2].status"
    no_id = _edited(body, lambda b: b["data"]["meetings"][0]["races"][0].pop("id"))
    with pytest.raises(PayloadError, match=r"data\.meetings\[0\]\.races\[0\]\.id: Field required"):
        parse_payload(no_id, source="m.json")


def test_meetings_date_must_be_a_dressed_date(raw: dict[str, Any]) -> None:
    # Synthetic: a futures-style real instant in a meetings list.
    variant = _edited(
        raw["meetings-list.json"],
        lambda b: b["data"]["meetings"][0].update(date="2025-07-18T06:29:20Z"),
    )
    with pytest.raises(PayloadError, match=r"data\.meetings\[0\]\.date: not a date dressed"):
        parse_payload(variant)


def test_error_envelope_and_unreadable_files(tmp_path: Path) -> None:
    error_body = {"header": {"title": "Event Details", "generated_time": "2025-07-17T11:16:59Z",
                             "url": "/affiliates/v1/racing/events/x", "error": "not found",
                             "error_code": 404}}  # fmt: skip
    with pytest.raises(PayloadError, match="NZTAB error response: not found") as caught:
        parse_payload(error_body, source="e.json")
    assert not isinstance(caught.value, UnsupportedPayloadError)

    missing = tmp_path / "missing.json"
    with pytest.raises(PayloadError, match="cannot read") as read_error:
        load_payload(missing)
    assert read_error.value.file == str(missing)
    cases = {"broken.json": b'{"header": ', "nan.json": b'{"a": NaN}', "bin.json": b"\xff\xfe\x00"}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(PayloadError, match="not valid JSON"):
            load_payload(tmp_path / name)
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(UnsupportedPayloadError, match="unsupported payload type: unknown"):
        load_payload(tmp_path / "list.json")


# --- hypothesis: mutated payloads never fail any other way --------------------------------------

# Subtrees kept whole as JSON: mutating inside them cannot fail validation, so they are mutated
# only as a whole, which keeps the examples on the fields that are validated.
_OPAQUE = {
    "last_starts", "flucs_with_timestamp", "speedmap", "runner_change", "form_indicators",
    "video_channels_meta", "picks", "runner_win_history", "qla_odds", "will_pays", "legs",
    "last_12_months_prize_money", "params", "tote_trends_data", *FORM_STAT_KEYS,
}  # fmt: skip

Path_ = tuple[str | int, ...]

WEIRD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(
        ["", "abc", "12%", "-1", "1e999", "NaN", " 5 ", "0", "2025-13-45", "26:99:00",
         "99:00:00 NZST", "2025-07-17T00:00:00Z", "0f57e087-00d9-4c61-9549-835abe2ae2ed"]
    ),
    st.just([]),
    st.just({}),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip


def _paths(node: object, prefix: Path_ = ()) -> list[Path_]:
    found: list[Path_] = []
    items: list[tuple[str | int, object]]
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return found
    for key, child in items:
        path = (*prefix, key)
        found.append(path)
        if key not in _OPAQUE:
            found.extend(_paths(child, path))
    return found


def _mutate(node: Any, path: Path_, value: object, delete: bool) -> Any:
    """A copy of `node` with the value at `path` replaced or deleted; untouched parts shared."""
    head, rest = path[0], path[1:]
    clone: Any = dict(node) if isinstance(node, dict) else list(node)
    if rest:
        clone[head] = _mutate(node[head], rest, value, delete)
    elif delete:
        del clone[head]
    else:
        clone[head] = value
    return clone


MUTATION = settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


_PATHS: dict[int, list[Path_]] = {}


def _check_mutations(body: dict[str, Any], data: st.DataObject) -> None:
    paths = _PATHS.setdefault(id(body), _paths(body))  # the bodies live for the whole module
    mutated: Any = body
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        path = data.draw(st.sampled_from(paths), label="path")
        delete = data.draw(st.booleans(), label="delete")
        value = None if delete else data.draw(WEIRD_VALUES, label="value")
        try:
            mutated = _mutate(mutated, path, value, delete)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path's parent
    try:
        loaded = parse_payload(mutated, source="mutated.json")
    except PayloadError as exc:
        assert str(exc).startswith("mutated.json: ")
        return
    # Whatever validated must be usable: the helpers the transform calls cannot fail.
    if isinstance(loaded, RaceEvent):
        loaded.known_entrant_ids()
        loaded.money_tracker_by_entrant()
        loaded.dividends_deduplicated()
        assert loaded.race.total_prize_money is None or loaded.race.total_prize_money >= 0
        for pool in loaded.data.tote_pools:
            pool.leg_race_numbers()


@MUTATION
@given(data=st.data())
def test_mutated_events_fail_only_with_payload_errors(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    body = raw[data.draw(st.sampled_from([JULY, AUGUST]), label="sample")]
    _check_mutations(body, data)


@settings(MUTATION, max_examples=60)
@given(data=st.data())
def test_mutated_lists_fail_only_with_payload_errors(
    raw: dict[str, Any], data: st.DataObject
) -> None:
    name = data.draw(
        st.sampled_from(["meetings-list.json", "meeting-detail.json", "races-list.json"])
    )
    _check_mutations(raw[name], data)


@MUTATION
@given(
    value=WEIRD_VALUES, key=st.sampled_from(["fixed_win", "fixed_place", "pool_win", "pool_place"])
)
def test_model_validation_raises_only_validation_error(
    raw: dict[str, Any], value: object, key: str
) -> None:
    # The model alone (no loader): anything odd in a price is a ValidationError, nothing else.
    body = _mutate(raw[JULY], ("data", "runners", 0, "odds", key), value, False)
    with contextlib.suppress(ValidationError):
        RaceEvent.model_validate(body)


def test_go_zero_time_means_not_started(raw: dict[str, Any]) -> None:
    # Synthetic: before the jump Go would print its zero time, like epoch 0 for actual_start.
    def not_started(body: dict[str, Any]) -> None:
        body["data"]["race"]["actual_start_string"] = "0001-01-01 00:00:00 +0000 UTC"
        body["data"]["race"]["actual_start"] = 0

    event = parse_payload(_edited(raw[JULY], not_started))
    assert isinstance(event, RaceEvent)
    assert event.race.actual_start_string is None and event.race.actual_start is None
