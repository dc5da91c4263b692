"""Each fault as a client sees it, changed at run time, and the seeded rates over many requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest

from raceday.sim.faults import FaultDrawer, parse_fault_config
from tests.fixtures.simulator import Simulator, run_simulator
from tests.sim.conftest import SMALL_DAY

LIST = "/racing/list?limit=1"  # a small body: the fault, not the payload, is what is measured


@pytest.fixture
def faulty(shared_sim: Simulator) -> Iterator[Simulator]:
    """The module's simulator, its faults cleared again after each test."""
    yield shared_sim
    shared_sim.clear_faults()


def _client(sim: Simulator, timeout: float = 10) -> httpx.Client:
    return httpx.Client(base_url=sim.base_url, timeout=timeout)


def test_5xx_answers_a_server_error_envelope_on_that_route_only(faulty: Simulator) -> None:
    faulty.set_faults({"list": {"5xx": 1}})
    with _client(faulty) as client:
        statuses = set()
        for _ in range(30):
            response = client.get(LIST)
            statuses.add(response.status_code)
            header = response.json()["header"]
            assert header["error_code"] == str(response.status_code) and header["error"]
        assert statuses == {500, 502, 503}
        assert client.get("/racing/meetings").status_code == 200


def test_429_says_when_to_come_back(faulty: Simulator) -> None:
    faulty.set_faults({"*": {"429": 1, "retry_after_s": 7}})
    with _client(faulty) as client:
        response = client.get("/racing/meetings")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.json()["header"]["error_code"] == "429"


def test_slow_answers_after_its_delay(faulty: Simulator) -> None:
    faulty.set_faults({"list": {"slow": 1, "slow_ms": 400}})
    # The server sleeps 400 ms before answering, so a client that waits only 100 ms cannot
    # have its answer, however fast the machine; one that waits long enough gets a normal 200.
    with _client(faulty, timeout=0.1) as impatient, pytest.raises(httpx.ReadTimeout):
        impatient.get(LIST)
    with _client(faulty, timeout=20) as patient:
        assert patient.get(LIST).status_code == 200


def test_malformed_is_a_200_that_is_not_json(faulty: Simulator) -> None:
    faulty.set_faults({"list": {"malformed": 1}})
    with _client(faulty) as client:
        for _ in range(6):  # both variants, truncated and invalid, are drawn in six tries
            response = client.get(LIST)
            assert response.status_code == 200
            with pytest.raises(json.JSONDecodeError):
                json.loads(response.content)


def test_drop_is_a_transport_error_not_a_status(faulty: Simulator) -> None:
    faulty.set_faults({"list": {"drop": 1}})
    with _client(faulty) as client:
        for _ in range(3):
            with pytest.raises(httpx.RemoteProtocolError):
                client.get(LIST)
        faulty.clear_faults()
        assert client.get(LIST).status_code == 200  # a new connection, a normal answer


@pytest.mark.anyio
async def test_timeout_holds_the_request_while_others_are_served(faulty: Simulator) -> None:
    faulty.set_faults({"list": {"timeout": 1}})
    async with httpx.AsyncClient(base_url=faulty.base_url, timeout=20) as client:
        held: dict[str, Any] = {}

        async def wait_for_the_held_request() -> None:
            try:
                await client.get(LIST, timeout=httpx.Timeout(20, read=0.8))
            except httpx.ReadTimeout:
                held["outcome"] = "timed out"

        async with anyio.create_task_group() as group:
            group.start_soon(wait_for_the_held_request)
            await anyio.sleep(0.2)  # let the list request reach the server first
            # While the list request is held, the server answers everything else.
            for _ in range(3):
                assert (await client.get("/racing/meetings")).status_code == 200
        assert held == {"outcome": "timed out"}
    with _client(faulty) as client:
        faulty.clear_faults()
        assert client.get(LIST).status_code == 200


def test_faults_change_at_run_time_and_bad_ones_are_refused(faulty: Simulator) -> None:
    assert faulty.faults() == {}
    assert faulty.set_faults({"events": {"5xx": 0.5, "slow_ms": 10}}) == {
        "events": {"5xx": 0.5, "slow_ms": 10}
    }
    with httpx.Client(base_url=faulty.root_url) as client:
        refused = client.put("/_sim/faults", json={"events": {"5xx": 2}})
        assert refused.status_code == 400 and "events.5xx" in refused.json()["error"]
        refused = client.put("/_sim/faults", content=b"{")
        assert refused.status_code == 400 and "not JSON" in refused.json()["error"]
    assert faulty.faults() == {"events": {"5xx": 0.5, "slow_ms": 10}}  # unchanged by refusals


def test_rates_follow_the_fault_seed_over_many_requests() -> None:
    rule = {"5xx": 0.3, "429": 0.1}
    with (
        run_simulator(*SMALL_DAY, "--fault", "list:5xx=0.3,429=0.1", "--fault-seed", "11") as sim,
        _client(sim) as client,
    ):
        assert sim.faults() == {"list": rule}
        seen = [client.get(LIST).status_code for _ in range(300)]
    # The same draws as the seeded drawer makes: the run is repeatable request by request.
    drawer = FaultDrawer(parse_fault_config({"list": rule}), seed=11)
    expected = []
    for _ in range(300):
        decision = drawer.draw("list")
        expected.append(
            200 if decision is None else decision.status if decision.kind == "5xx" else 429
        )
    assert seen == expected
    errors, limited = sum(s >= 500 for s in seen), seen.count(429)
    assert 60 <= errors <= 120 and 10 <= limited <= 50  # 90 and 30 expected; 3.5 sigma either way
