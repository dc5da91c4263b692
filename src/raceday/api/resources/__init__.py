"""One module per resource of the dashboard API, each with its router and its own SQL."""
