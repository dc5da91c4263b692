"""`python -m raceday.sim serve …` is `raceday sim serve …` (tests start the simulator this way)."""

from raceday.sim.command import app

app(prog_name="python -m raceday.sim")
