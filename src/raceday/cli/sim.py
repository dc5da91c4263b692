"""`raceday sim …`: the simulated NZTAB affiliates API (`raceday sim serve --help`).

The sub-app is defined in `raceday.sim.command`, so that `python -m raceday.sim` starts without
importing the rest of the CLI; this module is where the root CLI mounts it.
"""

from raceday.sim.command import app

__all__ = ["app"]
