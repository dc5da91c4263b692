"""`python -m raceday` runs the CLI."""

from raceday.cli import run

run()
