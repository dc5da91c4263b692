"""/user-alert-configs (contract B15-B17, M14) on fresh databases: defaults seeded once, saves
keyed by display_order, validation as 400s naming the field, and concurrent saves that leave
exactly one posted set."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest

from raceday.api.resources.alerts import DEFAULT_BANDS
from raceday.db.pool import connect
from tests.fixtures.api import api_client

PATH = "/api/user-alert-configs"
NZ_OFFSETS = {timedelta(hours=12), timedelta(hours=13)}

Band = tuple[int, float, float | None, str, bool, bool]  # order, min, max, colour, enabled, audible


def rows_of(database_url: str, user_id: str) -> list[dict[str, Any]]:
    """The user's rows as stored, by display_order."""
    with connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT indicator_id, display_order, percentage_range_min, percentage_range_max,"
            " color, is_default, enabled, audible_alerts_enabled, created_at, updated_at"
            " FROM user_alert_configs WHERE user_id = %s ORDER BY display_order",
            (user_id,),
        )
        names = [column.name for column in cur.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def bands_of(rows: list[dict[str, Any]]) -> list[Band]:
    return [
        (
            int(r["display_order"]),
            float(r["percentage_range_min"]),
            None if r["percentage_range_max"] is None else float(r["percentage_range_max"]),
            r["color"],
            r["enabled"],
            r["audible_alerts_enabled"],
        )
        for r in rows
    ]


def indicator(
    order: int, low: float, high: float | None, color: str, **more: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "indicator_id": None,
        "user_id": more.pop("user_id", "alice"),
        "indicator_type": "percentage_range",
        "percentage_range_min": low,
        "percentage_range_max": high,
        "color": color,
        "is_default": False,
        "enabled": True,
        "display_order": order,
        "audible_alerts_enabled": True,
    }
    return body | more


def full_set(user_id: str, shift: float, color: str = "#a0b1c2") -> dict[str, Any]:
    """Six bands, each `shift` above the defaults (every set a test posts is told apart)."""
    return {
        "user_id": user_id,
        "indicators": [
            indicator(
                order, low + shift, None if high is None else high + shift, color, user_id=user_id
            )
            for order, low, high, _ in DEFAULT_BANDS
        ],
        "audible_alerts_enabled": True,
        "toggle_all": True,
    }


def expected_bands(body: dict[str, Any]) -> list[Band]:
    return [
        (
            i["display_order"],
            float(i["percentage_range_min"]),
            None if i["percentage_range_max"] is None else float(i["percentage_range_max"]),
            i["color"].upper(),
            i["enabled"],
            body["audible_alerts_enabled"],
        )
        for i in sorted(body["indicators"], key=lambda i: i["display_order"])
    ]


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def assert_wire_shape(config: dict[str, Any], user_id: str) -> None:
    assert config["user_id"] == user_id
    assert isinstance(config["toggle_all"], bool)
    assert isinstance(config["audible_alerts_enabled"], bool)
    assert [i["display_order"] for i in config["indicators"]] == [1, 2, 3, 4, 5, 6]
    for item in config["indicators"]:
        UUID(item["indicator_id"])
        assert item["user_id"] == user_id and item["indicator_type"] == "percentage_range"
        assert is_number(item["percentage_range_min"])
        assert item["percentage_range_max"] is None or is_number(item["percentage_range_max"])
        assert item["color"] == item["color"].upper() and len(item["color"]) == 7
        for stamp in ("created_at", "updated_at", "last_updated"):
            assert datetime.fromisoformat(item[stamp]).utcoffset() in NZ_OFFSETS
        assert item["last_updated"] == item["updated_at"]


# ---------------------------------------------------------------------------------------------
# GET
# ---------------------------------------------------------------------------------------------


def test_the_first_get_of_a_user_seeds_the_six_defaults(database_url: str) -> None:
    assert rows_of(database_url, "alice") == []
    with api_client(database_url) as api:
        response = api.get(PATH, params={"userId": "alice"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        config = response.json()
        assert_wire_shape(config, "alice")
        assert config["toggle_all"] is True and config["audible_alerts_enabled"] is True
        rows = rows_of(database_url, "alice")
        assert bands_of(rows) == [
            (order, float(low), None if high is None else float(high), color, True, True)
            for order, low, high, color in DEFAULT_BANDS
        ]
        assert all(r["is_default"] for r in rows)
        assert [UUID(i["indicator_id"]) for i in config["indicators"]] == [
            r["indicator_id"] for r in rows
        ]
        top = config["indicators"][5]
        assert (top["percentage_range_min"], top["percentage_range_max"]) == (50, None)
        assert (config["indicators"][0]["percentage_range_min"], top["color"]) == (5, "#F3E8FF")
        # Seeded once: the next GET (the other spelling, the root path) reads the same rows.
        again = api.get("/user-alert-configs", params={"user_id": "alice"}).json()
        assert again == config
        assert len(rows_of(database_url, "alice")) == 6


def test_without_a_user_the_default_user_and_its_migrated_rows_are_served(
    database_url: str,
) -> None:
    seeded = rows_of(database_url, "Default User")
    assert len(seeded) == 6
    with api_client(database_url) as api:
        config = api.get(PATH).json()
    assert_wire_shape(config, "Default User")
    assert [UUID(i["indicator_id"]) for i in config["indicators"]] == [
        r["indicator_id"] for r in seeded
    ]
    assert rows_of(database_url, "Default User") == seeded


def test_a_bad_user_id_is_a_400(database_url: str) -> None:
    with api_client(database_url) as api:
        for value in ("", "a\x00b", "x" * 201):
            response = api.get(PATH, params={"userId": value})
            assert response.status_code == 400, value
            assert response.json()["details"][0]["where"] == "user_id"


def test_ten_concurrent_first_gets_seed_six_rows(database_url: str) -> None:
    with api_client(database_url) as api:
        responses = in_parallel(
            [lambda: api.get(PATH, params={"userId": "carol"}) for _ in range(10)]
        )
    assert [r.status_code for r in responses] == [200] * 10
    ids = {tuple(i["indicator_id"] for i in r.json()["indicators"]) for r in responses}
    assert len(ids) == 1
    assert len(rows_of(database_url, "carol")) == 6


# ---------------------------------------------------------------------------------------------
# POST
# ---------------------------------------------------------------------------------------------


def test_a_save_round_trips_with_colours_upper_case_and_numbers_as_numbers(
    database_url: str,
) -> None:
    with api_client(database_url) as api:
        before = api.get(PATH, params={"userId": "alice"}).json()
        body = full_set("alice", 0.5, color="#abcdef")
        body["indicators"][2]["enabled"] = False
        body["indicators"][5]["percentage_range_max"] = None
        body["audible_alerts_enabled"] = False
        response = api.post(PATH, json=body)
        assert response.status_code == 200
        saved = response.json()
        assert_wire_shape(saved, "alice")
        assert saved["toggle_all"] is False and saved["audible_alerts_enabled"] is False
        assert saved["indicators"][0]["percentage_range_min"] == 5.5
        assert saved["indicators"][0]["percentage_range_max"] == 10.5
        assert saved["indicators"][0]["color"] == "#ABCDEF"
        assert saved == api.get("/user-alert-configs", params={"user_id": "alice"}).json()
    rows = rows_of(database_url, "alice")
    assert bands_of(rows) == expected_bands(body)
    assert all(r["color"] == "#ABCDEF" for r in rows)
    # The slots kept their ids.
    assert [r["indicator_id"] for r in rows] == [
        UUID(i["indicator_id"]) for i in before["indicators"]
    ]


def test_the_clients_offline_default_ids_update_the_rows_by_display_order(
    database_url: str,
) -> None:
    with api_client(database_url) as api:
        api.get(PATH, params={"userId": "alice"})
        ids = [r["indicator_id"] for r in rows_of(database_url, "alice")]
        body = full_set("alice", 1.0)
        for n, item in enumerate(body["indicators"]):
            item["indicator_id"] = f"default-{n}"
        response = api.post(PATH, json=body)
        assert response.status_code == 200
    rows = rows_of(database_url, "alice")
    assert len(rows) == 6 and [r["indicator_id"] for r in rows] == ids
    assert bands_of(rows) == expected_bands(body)


def test_a_first_save_without_a_get_seeds_the_slots_it_does_not_name(database_url: str) -> None:
    body = {
        "user_id": "dave",
        "indicators": [indicator(2, 11, 14, "#010203", user_id="dave")],
        "audible_alerts_enabled": True,
    }
    with api_client(database_url) as api:
        response = api.post(PATH, json=body)
    assert response.status_code == 200
    assert len(response.json()["indicators"]) == 6
    rows = rows_of(database_url, "dave")
    assert bands_of(rows)[1] == (2, 11.0, 14.0, "#010203", True, True)
    assert [r["is_default"] for r in rows] == [True, False, True, True, True, True]
    assert bands_of(rows)[0] == (1, 5.0, 10.0, "#E5E7EB", True, True)


def test_swapping_two_bands_display_orders_in_one_save(database_url: str) -> None:
    with api_client(database_url) as api:
        config = api.get(PATH, params={"userId": "alice"}).json()
        first, second = config["indicators"][0], config["indicators"][1]
        first["display_order"], second["display_order"] = 2, 1
        body = {
            "user_id": "alice",
            "indicators": config["indicators"],
            "audible_alerts_enabled": True,
            "toggle_all": True,
        }
        response = api.post(PATH, json=body)
        assert response.status_code == 200
    bands = bands_of(rows_of(database_url, "alice"))
    assert bands[0][:4] == (1, 10.0, 15.0, "#BFDBFE")
    assert bands[1][:4] == (2, 5.0, 10.0, "#E5E7EB")


def test_a_save_never_touches_another_users_rows(database_url: str) -> None:
    with api_client(database_url) as api:
        api.get(PATH, params={"userId": "alice"})
        alice = rows_of(database_url, "alice")
        body = full_set("bob", 2.0)
        # Even when bob's bands carry the ids of alice's rows.
        for item, row in zip(body["indicators"], alice, strict=True):
            item["indicator_id"] = str(row["indicator_id"])
        response = api.post(PATH, json=body)
        assert response.status_code == 200
        bob_ids = {i["indicator_id"] for i in response.json()["indicators"]}
    assert rows_of(database_url, "alice") == alice
    assert bands_of(rows_of(database_url, "bob")) == expected_bands(body)
    assert bob_ids.isdisjoint({str(r["indicator_id"]) for r in alice})


def test_the_bodys_audible_flag_applies_to_every_band(database_url: str) -> None:
    with api_client(database_url) as api:
        body = {"user_id": "erin", "indicators": [], "audible_alerts_enabled": False}
        config = api.post(PATH, json=body).json()
    assert config["audible_alerts_enabled"] is False
    assert [r["audible_alerts_enabled"] for r in rows_of(database_url, "erin")] == [False] * 6


def _one_band(**change: Any) -> dict[str, Any]:
    return {"user_id": "alice", "indicators": [indicator(1, 5, 10, "#E5E7EB") | change]}


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("min below 0", _one_band(percentage_range_min=-1), "indicators.0.percentage_range_min"),
    ("min above 100", _one_band(percentage_range_min=101), "indicators.0.percentage_range_min"),
    ("max above 100", _one_band(percentage_range_max=101), "indicators.0.percentage_range_max"),
    ("max below 0", _one_band(percentage_range_max=-5), "indicators.0.percentage_range_max"),
    ("max equal to min", _one_band(percentage_range_max=5), "indicators.0.percentage_range_max"),
    ("max below min", _one_band(percentage_range_max=4), "indicators.0.percentage_range_max"),
    (
        "max = min once rounded",
        _one_band(percentage_range_min=5.001, percentage_range_max=5.004),
        "indicators.0.percentage_range_max",
    ),
    (
        "min not a number",
        _one_band(percentage_range_min="lots"),
        "indicators.0.percentage_range_min",
    ),
    ("colour a name", _one_band(color="red"), "indicators.0.color"),
    ("colour too short", _one_band(color="#12345"), "indicators.0.color"),
    ("colour not hex", _one_band(color="#GGGGGG"), "indicators.0.color"),
    ("display_order 0", _one_band(display_order=0), "indicators.0.display_order"),
    ("display_order 7", _one_band(display_order=7), "indicators.0.display_order"),
    ("wrong indicator_type", _one_band(indicator_type="fixed_odds"), "indicators.0.indicator_type"),
    ("indicator of another user", _one_band(user_id="mallory"), "indicators"),
    ("empty user", {"user_id": "", "indicators": []}, "user_id"),
    ("no indicators key", {"user_id": "alice"}, "indicators"),
    (
        "duplicate display_order",
        {
            "user_id": "alice",
            "indicators": [indicator(3, 5, 10, "#000000"), indicator(3, 10, 20, "#FFFFFF")],
        },
        "indicators",
    ),
    (
        "seven indicators",
        {
            "user_id": "alice",
            "indicators": [indicator(n % 6 + 1, 5, 10, "#000000") for n in range(7)],
        },
        "indicators",
    ),
]


def test_every_bad_value_is_a_400_naming_the_field_and_writes_nothing(
    database_url: str,
) -> None:
    with api_client(database_url) as api:
        api.get(PATH, params={"userId": "alice"})
        before = rows_of(database_url, "alice")
        for label, body, where in BAD_BODIES:
            # A good band next to the bad one: nothing of the request may be saved.
            if body.get("indicators") and len(body["indicators"]) == 1:
                body = body | {
                    "indicators": [*body["indicators"], indicator(6, 60, None, "#123456")]
                }
            response = api.post(PATH, json=body)
            assert response.status_code == 400, (label, response.text)
            problem = response.json()
            assert isinstance(problem["error"], str) and problem["error"], label
            assert where in [d["where"] for d in problem["details"]], (label, problem)
        assert rows_of(database_url, "alice") == before


def test_a_malformed_or_missing_body_is_a_400(database_url: str) -> None:
    with api_client(database_url) as api:
        headers = {"content-type": "application/json"}
        for content in (b"{not json", b"", b"[1, 2]", b'"text"', b"null"):
            response = api.post(PATH, content=content, headers=headers)
            assert response.status_code == 400, (content, response.text)
            assert response.json()["error"], content
        assert api.post("/user-alert-configs").status_code == 400


# ---------------------------------------------------------------------------------------------
# Concurrency
# ---------------------------------------------------------------------------------------------


def in_parallel(calls: list[Any]) -> list[httpx.Response]:
    """Runs the calls at once (each thread waits at a barrier, then calls)."""
    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> httpx.Response:
        barrier.wait()
        response: httpx.Response = call()
        return response

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_ten_concurrent_saves_leave_exactly_one_posted_set(database_url: str) -> None:
    with api_client(database_url) as api:
        for round_ in range(5):  # a race is a matter of timing: several rounds of it
            bodies = [racing_set(round_, n) for n in range(10)]
            responses = in_parallel([lambda b=b: api.post(PATH, json=b) for b in bodies])
            assert [r.status_code for r in responses] == [200] * 10, [r.text for r in responses]
            rows = rows_of(database_url, "frank")
            assert len(rows) == 6
            matches = [n for n, body in enumerate(bodies) if bands_of(rows) == expected_bands(body)]
            assert len(matches) == 1, (round_, bands_of(rows))


def racing_set(round_: int, n: int) -> dict[str, Any]:
    """Set n of a round: its own bands and colour, a different band disabled, half of them
    muted, and the client's offline ids."""
    body = full_set("frank", round_ * 2.5 + n * 0.25, color=f"#{round_:02d}{n:02d}AA")
    body["indicators"][n % 6]["enabled"] = False
    body["audible_alerts_enabled"] = n % 2 == 0
    for item in body["indicators"]:
        item["indicator_id"] = f"default-{item['display_order'] - 1}"
    return body


def test_concurrent_first_gets_and_saves_of_a_new_user(database_url: str) -> None:
    bodies = [full_set("gina", n) for n in range(4)]
    with api_client(database_url) as api:
        calls: list[Any] = [lambda b=b: api.post(PATH, json=b) for b in bodies]
        calls += [lambda: api.get(PATH, params={"userId": "gina"}) for _ in range(4)]
        responses = in_parallel(calls)
    assert [r.status_code for r in responses] == [200] * 8
    rows = rows_of(database_url, "gina")
    assert len(rows) == 6
    assert sum(bands_of(rows) == expected_bands(body) for body in bodies) == 1


@pytest.mark.parametrize("prefix", ["/api", ""])
def test_both_prefixes_save(database_url: str, prefix: str) -> None:
    with api_client(database_url) as api:
        response = api.post(f"{prefix}/user-alert-configs", json=full_set("hana", 3))
    assert response.status_code == 200
    assert bands_of(rows_of(database_url, "hana")) == expected_bands(full_set("hana", 3))
