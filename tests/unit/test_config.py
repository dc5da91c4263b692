"""Settings are validated at start-up and a bad value names its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from raceday.config import load_settings
from raceday.errors import ConfigError


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "RACEDAY_HOME",
        "RACEDAY_TIMEZONE",
        "RACEDAY_PARTITION_DAYS_AHEAD",
        "RACEDAY_RETENTION_DAYS",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.database_url is None
    assert settings.timezone == "Pacific/Auckland"
    assert settings.partition_days_ahead == 7
    assert settings.retention_days == 30
    assert settings.home != Path.home(), "HOME must not leak into RACEDAY_HOME"


def test_environment_and_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RACEDAY_HOME", str(tmp_path))
    monkeypatch.setenv("RACEDAY_RETENTION_DAYS", "0")
    monkeypatch.setenv("DATABASE_URL", "postgresql://a@b/c")
    settings = load_settings(database_url="postgresql://x@y/z")
    assert settings.home == tmp_path
    assert settings.retention_days == 0
    assert settings.database_url == "postgresql://x@y/z"


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("RACEDAY_TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("RACEDAY_PARTITION_DAYS_AHEAD", "0", "greater than or equal to 1"),
        ("RACEDAY_RETENTION_DAYS", "-1", "greater than or equal to 0"),
        ("RACEDAY_LOCK_TIMEOUT_MS", "soon", "integer"),
        ("DATABASE_URL", "mysql://root@localhost/x", "postgresql://"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, says: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.variable == variable
    assert variable in str(caught.value) and says in str(caught.value)
