"""The API's common ground on a real PostgreSQL: both prefixes, both parameter spellings,
JSON errors, security headers, OpenAPI, health, metrics."""

from __future__ import annotations

import httpx

from raceday.api.params import snake_case
from tests.fixtures.api import api_client


def test_camel_case_names_become_snake_case() -> None:
    assert snake_case("raceId") == "race_id"
    assert snake_case("windowMinutes") == "window_minutes"
    assert snake_case("cursorAfter") == "cursor_after"
    assert snake_case("meeting_id") == "meeting_id"
    assert snake_case("date") == "date"


def test_health_is_served_at_both_prefixes_and_says_why_it_is_not_ready(
    database_url: str,
) -> None:
    with api_client(database_url) as api:
        for path in ("/health", "/api/health"):
            response = api.get(path)
            body = response.json()
            assert response.headers["content-type"].startswith("application/json")
            # A fresh database has no partitions yet: alive, and not ready, saying so.
            assert response.status_code == 503 and body["status"] == "unhealthy"
            assert any("runway" in problem for problem in body["problems"])
        live = api.get("/api/health/live")
        assert live.status_code == 200 and live.json()["live"] is True


def test_an_unknown_path_is_a_json_404(samples_api: httpx.Client) -> None:
    response = samples_api.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json() == {"error": "not found: /api/no-such-thing"}


def test_a_parameter_in_both_spellings_with_different_values_is_a_400(
    samples_api: httpx.Client,
) -> None:
    response = samples_api.get("/api/health/live", params={"race_id": "a", "raceId": "b"})
    assert response.status_code == 400
    assert "raceId" in response.json()["error"] and "race_id" in response.json()["error"]


def test_every_response_has_security_headers(samples_api: httpx.Client) -> None:
    headers = samples_api.get("/api/health/live").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in headers["content-security-policy"]


def test_openapi_is_served_and_lists_only_the_api_prefix(samples_api: httpx.Client) -> None:
    spec = samples_api.get("/openapi.json").json()
    assert "/api/health" in spec["paths"] and "/health" not in spec["paths"]
    assert samples_api.get("/docs").status_code == 200


def test_metrics_count_requests_by_route_template(samples_api: httpx.Client) -> None:
    samples_api.get("/api/health/live")
    text = samples_api.get("/metrics").text
    assert (
        'raceday_api_request_seconds_bucket{le="0.002",method="GET",route="/api/health/live"}'
        in text
    )


def test_a_base_url_ending_in_api_reaches_every_call_too(samples_api: httpx.Client) -> None:
    """Contract §1.2: with `.env.example`'s base (host + "/api") the client asks /api/api/...
    for every call but /health and the meetings paths; each answers as under /api, unlisted."""
    race = "0f57e087-00d9-4c61-9549-835abe2ae2ed"
    for path, params in (
        (f"/races/{race}", {}),
        ("/entrants", {"raceId": race}),
        ("/races/navigation", {"raceId": race}),
        ("/race-results", {"raceId": race}),
        ("/race-pools", {"raceId": race}),
        ("/money-flow-timeline", {"raceId": race, "poolType": "win"}),
        ("/user-alert-configs", {"userId": "Default User"}),
    ):
        doubled = samples_api.get(f"/api/api{path}", params=params)
        assert doubled.status_code == 200, (path, doubled.text[:200])
        single = samples_api.get(f"/api{path}", params=params)
        assert doubled.json() == single.json(), path
    upcoming = samples_api.get("/api/api/races/upcoming", params={"windowMinutes": "120"})
    assert upcoming.status_code == 200 and upcoming.json()["window"]["window_minutes"] == 120
    spec = samples_api.get("/openapi.json").json()
    assert not [p for p in spec["paths"] if p.startswith("/api/api")]
