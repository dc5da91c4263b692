"""The HTTP face of raceday: operations endpoints now, the dashboard API next."""
