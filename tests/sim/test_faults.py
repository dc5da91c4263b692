"""Fault configuration and the seeded draw: parsed strictly, drawn repeatably, rates honoured."""

from __future__ import annotations

from collections import Counter

import pytest

from raceday.sim.faults import (
    FAULT_KINDS,
    FaultConfigError,
    FaultDrawer,
    fault_config_from_json,
    parse_fault_config,
    parse_fault_option,
)


def test_cli_rules_become_the_json_document() -> None:
    config = parse_fault_option(
        ["events:5xx=0.2,timeout=0.05", "*:slow=0.1,slow_ms=300", "events:drop=0.1"]
    )
    assert config.document() == {
        "events": {"5xx": 0.2, "timeout": 0.05, "drop": 0.1},
        "*": {"slow": 0.1, "slow_ms": 300},
    }
    assert fault_config_from_json('{"events": {"5xx": 0.2}}').document() == {"events": {"5xx": 0.2}}


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("events", "expected ROUTE:KIND=RATE"),
        ("races:5xx=0.1", "unknown route 'races'"),
        ("events:5xx", "'5xx' is not KIND=NUMBER"),
        ("events:5xx=lots", "'5xx=lots' is not KIND=NUMBER"),
        ("events:explode=0.1", "events.explode"),
        ("events:5xx=1.5", "events.5xx"),
        ("events:5xx=0.7,timeout=0.6", "add up to 1.3"),
    ],
)
def test_a_bad_cli_rule_says_what_is_wrong(spec: str, says: str) -> None:
    with pytest.raises(FaultConfigError, match="--fault") as caught:
        parse_fault_option([spec])
    assert says in str(caught.value)


def test_a_bad_json_document_is_refused_with_the_reason() -> None:
    with pytest.raises(FaultConfigError, match="not JSON"):
        fault_config_from_json("{")
    with pytest.raises(FaultConfigError, match="list"):
        parse_fault_config({"list": {"429": -0.1}})


def _kinds(drawer: FaultDrawer, route: str, n: int) -> list[str | None]:
    return [getattr(drawer.draw(route), "kind", None) for _ in range(n)]


def test_the_same_seed_draws_the_same_faults_and_another_seed_others() -> None:
    config = parse_fault_option(["events:5xx=0.3,drop=0.2"])
    first = _kinds(FaultDrawer(config, seed=7), "events", 200)
    assert first == _kinds(FaultDrawer(config, seed=7), "events", 200)
    assert first != _kinds(FaultDrawer(config, seed=8), "events", 200)


def test_each_route_draws_from_its_own_generator() -> None:
    config = parse_fault_option(["*:5xx=0.5"])
    alone = FaultDrawer(config, seed=1)
    mixed = FaultDrawer(config, seed=1)
    events_alone = _kinds(alone, "events", 100)
    events_mixed = []
    for _ in range(100):
        mixed.draw("meetings")  # other routes' traffic does not shift the events draws
        events_mixed.append(getattr(mixed.draw("events"), "kind", None))
    assert events_alone == events_mixed


def test_a_route_takes_its_own_rule_else_the_star_rule_else_none() -> None:
    drawer = FaultDrawer(parse_fault_option(["events:5xx=1", "*:429=1"]), seed=0)
    assert _kinds(drawer, "events", 3) == ["5xx"] * 3
    assert _kinds(drawer, "list", 3) == ["429"] * 3
    assert _kinds(FaultDrawer(parse_fault_option(["events:5xx=1"])), "list", 3) == [None] * 3


def test_rates_are_honoured_over_many_draws() -> None:
    rates = {"5xx": 0.2, "429": 0.1, "timeout": 0.05, "drop": 0.05, "malformed": 0.1, "slow": 0.15}
    drawer = FaultDrawer(parse_fault_config({"events": rates}), seed=3)
    n = 20_000
    counts = Counter(_kinds(drawer, "events", n))
    for kind in FAULT_KINDS:
        # 4 standard deviations of a binomial: fails by chance about once in 15,000 runs, and
        # the seed is fixed, so it either always passes or names a real bias.
        sigma = (n * rates[kind] * (1 - rates[kind])) ** 0.5
        assert abs(counts[kind] - n * rates[kind]) < 4 * sigma, (kind, counts)
    assert counts[None] == n - sum(counts[k] for k in FAULT_KINDS)


def test_server_errors_are_500_502_and_503() -> None:
    drawer = FaultDrawer(parse_fault_option(["events:5xx=1"]), seed=0)
    statuses = {drawer.draw("events").status for _ in range(200)}  # type: ignore[union-attr]
    assert statuses == {500, 502, 503}


def test_replacing_the_configuration_takes_effect_at_once() -> None:
    drawer = FaultDrawer(parse_fault_option(["events:5xx=1"]), seed=0)
    assert _kinds(drawer, "events", 1) == ["5xx"]
    drawer.replace(parse_fault_config({}))
    assert _kinds(drawer, "events", 5) == [None] * 5
