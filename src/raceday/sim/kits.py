"""Which model the simulator serves: the demo model (`raceday.demo.SimulatedDay`) by default."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

from raceday.sim.model import DayModel, DaySizes, ModelKit

__all__ = ["demo_kit", "load_kit"]


def demo_kit() -> ModelKit:
    """The time-based demo model of `raceday.demo`."""
    # Imported by name until raceday.demo publishes SimulatedDay (being written at the same time).
    demo: Any = importlib.import_module("raceday.demo")

    def build(day: date, seed: int, sizes: DaySizes) -> DayModel:
        options = demo.DayOptions(
            day=day,
            seed=seed,
            meetings=sizes.meetings,
            races_per_meeting=sizes.races_per_meeting,
            runners=sizes.runners,
            scenarios=sizes.scenarios,
            zone=sizes.zone,
        )
        model: DayModel = demo.SimulatedDay(options)
        return model

    return ModelKit(
        build=build,
        envelope=demo.envelope,
        event_params=demo.event_params,
        dst_change_day=demo.dst_change_day,
    )


def load_kit(spec: str | None) -> ModelKit:
    """`None`: the demo model; "package.module:name": a ModelKit (or a function returning one)
    found there, for serving another model."""
    if spec is None:
        return demo_kit()
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"--model {spec!r}: expected package.module:name")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"--model {spec!r}: {exc}") from None
    kit = found() if callable(found) and not isinstance(found, ModelKit) else found
    if not isinstance(kit, ModelKit):
        raise ValueError(f"--model {spec!r} is not a ModelKit")
    return kit
