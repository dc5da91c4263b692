"""Fault injection, the pure half: which faults a route suffers, and the seeded draw per request.

A configuration maps a route ("meetings", "meeting", "list", "events", or "*" for any route
without its own rule) to the rate of each fault kind:

    {"events": {"5xx": 0.2, "timeout": 0.05}, "*": {"slow": 0.1, "slow_ms": 400}}

Kinds (each rate in [0, 1], their sum at most 1; one draw per request picks at most one):
  5xx        answer 500, 502 or 503 with the error envelope
  429        answer 429 with `Retry-After: <retry_after_s>`
  timeout    hold the request until the client goes away (or `timeout_s` passes, then 504)
  drop       start a 200 with its Content-Length, then close the connection mid-body
  malformed  a 200 whose body is truncated or invalid JSON
  slow       answer normally after `slow_ms` milliseconds (wall time)

Draws come from one `random.Random` per route seeded from the fault seed and the route's name,
so the same requests in the same order suffer the same faults, whatever other routes do.
On the command line a rule reads `events:5xx=0.2,timeout=0.05` (see `parse_fault_option`).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator

__all__ = [
    "FAULT_KINDS",
    "ROUTES",
    "FaultConfig",
    "FaultConfigError",
    "FaultDecision",
    "FaultDrawer",
    "FaultKind",
    "FaultRule",
    "Route",
    "fault_config_from_json",
    "parse_fault_config",
    "parse_fault_option",
]

Route = Literal["meetings", "meeting", "list", "events", "*"]
ROUTES: tuple[str, ...] = ("meetings", "meeting", "list", "events", "*")
FaultKind = Literal["5xx", "429", "timeout", "drop", "malformed", "slow"]
# The order of the cumulative draw; changing it changes which request gets which fault.
FAULT_KINDS: tuple[FaultKind, ...] = ("5xx", "429", "timeout", "drop", "malformed", "slow")
_SERVER_ERRORS = (500, 502, 503)


class FaultConfigError(ValueError):
    """A fault configuration that cannot be used; the message says which part and why."""


class FaultRule(BaseModel):
    """The faults of one route: a rate per kind plus the knobs of the slow/429/timeout kinds."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    rate_5xx: float = Field(default=0.0, ge=0.0, le=1.0, alias="5xx")
    rate_429: float = Field(default=0.0, ge=0.0, le=1.0, alias="429")
    timeout: float = Field(default=0.0, ge=0.0, le=1.0)
    drop: float = Field(default=0.0, ge=0.0, le=1.0)
    malformed: float = Field(default=0.0, ge=0.0, le=1.0)
    slow: float = Field(default=0.0, ge=0.0, le=1.0)
    slow_ms: int = Field(default=1000, ge=0, le=600_000)
    retry_after_s: int = Field(default=1, ge=0, le=86_400)
    timeout_s: float = Field(default=60.0, gt=0, le=3600)

    @model_validator(mode="after")
    def _one_fault_per_request(self) -> FaultRule:
        total = sum(self.rate(kind) for kind in FAULT_KINDS)
        if total > 1.0 + 1e-9:
            raise ValueError(
                f"the rates add up to {total:g}; one request suffers at most one fault"
            )
        return self

    def rate(self, kind: FaultKind) -> float:
        return {
            "5xx": self.rate_5xx,
            "429": self.rate_429,
            "timeout": self.timeout,
            "drop": self.drop,
            "malformed": self.malformed,
            "slow": self.slow,
        }[kind]

    def document(self) -> dict[str, Any]:
        """The rule as JSON, only what differs from no fault at all."""
        return self.model_dump(by_alias=True, exclude_defaults=True)


class FaultConfig(RootModel[dict[Route, FaultRule]]):
    """Route -> rule; a route without a rule takes the "*" rule, if any."""

    root: dict[Route, FaultRule] = Field(default_factory=dict)

    def rule_for(self, route: str) -> FaultRule | None:
        rules = cast(dict[str, FaultRule], self.root)
        return rules.get(route) or rules.get("*")

    def document(self) -> dict[str, Any]:
        return {route: rule.document() for route, rule in self.root.items()}


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "faults"
        problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)


def parse_fault_config(document: object) -> FaultConfig:
    """A configuration from its JSON document (already decoded); FaultConfigError if invalid."""
    try:
        return FaultConfig.model_validate(document)
    except ValidationError as exc:
        raise FaultConfigError(f"bad fault configuration: {_describe(exc)}") from None


def parse_fault_option(specs: Iterable[str]) -> FaultConfig:
    """Rules from repeated `--fault ROUTE:KIND=RATE[,KIND=RATE…]` options.

    `events:5xx=0.2,timeout=0.05`, `*:slow=0.1,slow_ms=300`. A later option for the same route
    adds to (and overrides keys of) an earlier one.
    """
    merged: dict[str, dict[str, float]] = {}
    for spec in specs:
        route, sep, body = spec.partition(":")
        route = route.strip()
        if not sep or not body.strip():
            raise FaultConfigError(
                f"--fault {spec!r}: expected ROUTE:KIND=RATE[,KIND=RATE...], "
                "e.g. events:5xx=0.2,timeout=0.05"
            )
        if route not in ROUTES:
            raise FaultConfigError(
                f"--fault {spec!r}: unknown route {route!r} (use {', '.join(ROUTES)})"
            )
        rule = merged.setdefault(route, {})
        for part in body.split(","):
            key, eq, value = part.partition("=")
            try:
                number = float(value)
            except ValueError:
                number = None
            if not eq or number is None:
                raise FaultConfigError(f"--fault {spec!r}: {part.strip()!r} is not KIND=NUMBER")
            rule[key.strip()] = number
    try:
        return parse_fault_config(merged)
    except FaultConfigError as exc:
        raise FaultConfigError(f"--fault: {exc}") from None


def fault_config_from_json(text: str) -> FaultConfig:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise FaultConfigError(f"bad fault configuration: not JSON ({exc})") from None
    return parse_fault_config(document)


@dataclass(frozen=True)
class FaultDecision:
    """The fault one request suffers, with the details its kind needs."""

    kind: FaultKind
    rule: FaultRule
    status: int = 200  # 5xx: which of 500/502/503
    variant: Literal["truncated", "invalid"] = "truncated"  # malformed: how


class FaultDrawer:
    """Draws each request's fault from a per-route generator; the configuration can be swapped
    at run time (the draws go on from where they were)."""

    def __init__(self, config: FaultConfig | None = None, *, seed: int = 0) -> None:
        self.seed = seed
        self.config = config or FaultConfig()
        self._generators: dict[str, random.Random] = {}

    def replace(self, config: FaultConfig) -> None:
        self.config = config

    def draw(self, route: str) -> FaultDecision | None:
        rule = self.config.rule_for(route)
        if rule is None:
            return None
        generator = self._generators.get(route)
        if generator is None:
            generator = self._generators[route] = random.Random(
                f"raceday-sim-faults:{self.seed}:{route}"
            )
        point = generator.random()
        cumulative = 0.0
        for kind in FAULT_KINDS:
            cumulative += rule.rate(kind)
            if point < cumulative:
                return FaultDecision(
                    kind=kind,
                    rule=rule,
                    status=generator.choice(_SERVER_ERRORS) if kind == "5xx" else 200,
                    variant=generator.choice(("truncated", "invalid")),
                )
        return None
