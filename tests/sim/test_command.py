"""`raceday sim serve` options: help with an example, bad values refused before serving."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from raceday.cli.sim import app as mounted
from raceday.sim.command import app

runner = CliRunner(env={"COLUMNS": "200"})  # rich wraps help to the terminal's width


def test_the_root_cli_mounts_this_app() -> None:
    assert mounted is app


@pytest.mark.parametrize("args", [["--help"], ["serve", "--help"]])
def test_help_explains_with_an_example(args: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "Example: raceday sim serve --port 0" in result.output


def test_serve_help_lists_every_option() -> None:
    result = runner.invoke(app, ["serve", "--help"])
    for option in (
        "--host",
        "--port",
        "--start",
        "--speed",
        "--origin",
        "--day",
        "--dst",
        "--seed",
        "--meetings",
        "--races-per-meeting",
        "--runners",
        "--no-scenarios",
        "--fault",
        "--fault-seed",
        "--record",
    ):
        assert option in result.output, option


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--fault", "events:5xx=2"], "--fault"),
        (["--fault", "trains:5xx=0.1"], "unknown route 'trains'"),
        (["--start", "soon"], "--start"),
        (["--origin", "yesterday"], "--origin"),
        (["--day", "17/07/2025"], "--day"),
        (["--day", "2025-07-17", "--dst", "start"], "--day or --dst"),
        (["--dst", "sometime"], "--dst"),
        (["--speed", "0"], "--speed"),
        (["--runners", "2"], "--runners"),
    ],
)
def test_a_bad_option_exits_2_naming_it(args: list[str], says: str) -> None:
    result = runner.invoke(app, ["serve", "--port", "0", *args])
    assert result.exit_code == 2, result.output
    assert says in result.output
