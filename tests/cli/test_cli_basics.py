"""Every command explains itself, is documented in the README, and exits 0/1/2 as promised."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from raceday.cli import app, main

README = Path(__file__).resolve().parents[2] / "README.md"


def _is_group(command: object) -> bool:
    return hasattr(command, "commands")


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    found: list[tuple[tuple[str, ...], object]] = []
    for name, command in sorted(group.commands.items()):  # type: ignore[attr-defined]
        path = (*prefix, name)
        found.append((path, command))
        if _is_group(command):
            found.extend(_commands(command, path))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_the_cli_has_commands() -> None:
    assert ("db", "upgrade") in [path for path, _ in COMMANDS]


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_every_command_has_help_with_an_example(
    path: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "--help"]) == 0
    text = capsys.readouterr().out
    assert "Usage:" in text
    command = dict(COMMANDS)[path]
    if not _is_group(command):
        assert "Example:" in (getattr(command, "help", None) or ""), (
            f"`raceday {' '.join(path)}` help has no example"
        )


@pytest.mark.parametrize("path", [p for p, c in COMMANDS if not _is_group(c)], ids=" ".join)
def test_every_command_is_in_the_readme(path: tuple[str, ...]) -> None:
    assert f"raceday {' '.join(path)}" in README.read_text(), (
        f"README does not mention raceday {' '.join(path)}"
    )


def test_unknown_command_is_a_usage_error() -> None:
    assert main(["db", "no-such-command"]) == 2


def test_bad_setting_exits_2_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RACEDAY_RETENTION_DAYS", "minus three")
    assert main(["db", "current"]) == 2
    err = capsys.readouterr().err
    assert "RACEDAY_RETENTION_DAYS" in err and "minus three" in err


def test_bad_database_url_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "current", "--database-url", "mysql://nope"]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err


def test_unreachable_database_exits_1_and_says_where(capsys: pytest.CaptureFixture[str]) -> None:
    # Port 9 on loopback: nothing listens, so the connection is refused at once.
    assert main(["db", "current", "--database-url", "postgresql://nobody@127.0.0.1:9/none"]) == 1
    err = capsys.readouterr().err
    assert "cannot connect" in err and "127.0.0.1" in err
