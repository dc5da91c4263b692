"""/user-alert-configs: a dashboard user's six money-flow % indicator bands (contract B15-B17,
§3, M14). The API's one write endpoint.

Rules:
- A user always has six slots, display_order 1-6 (UNIQUE (user_id, display_order)). The first
  GET of a user with missing slots fills them with the defaults (`DEFAULT_BANDS`, the earlier
  backend's); a POST does the same before it applies the request, so a partial save keeps the
  other slots.
- The slot is the key of a save: each posted indicator's values go to the user's row with its
  display_order, which keeps its indicator_id. The posted indicator_id only has to be harmless:
  the client's offline defaults send `default-0` … `default-5` (M14), and a UUID of another
  user's row must not reach that row; so a save never matches on it. Swapping two bands' display
  orders in one save is just two slots taking new values.
- A save is one transaction (all or nothing), serialised per user by an advisory transaction
  lock, so concurrent saves leave exactly the set of one of them, never a mix.
- toggle_all is true when every band is enabled; audible_alerts_enabled when every band sounds.
  A POST's audible_alerts_enabled applies to every band of the user; its toggle_all is derived,
  so it is accepted and ignored.
- Validation (400 naming the field): min 0-100, max 0-100 and greater than min (after rounding
  to the column's 2 decimals) or null, colour #RRGGBB (stored upper case), display_order 1-6
  and unique in the request, indicator_type 'percentage_range', at most 6 indicators, and every
  indicator's user_id (when given) the body's.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import psycopg
from fastapi import APIRouter, Query
from psycopg.types.json import Jsonb
from pydantic import (
    BaseModel,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from raceday.api.db import Conn, fetch_all
from raceday.api.types import Number, NzTime

__all__ = ["DEFAULT_BANDS", "DEFAULT_USER", "router"]

router = APIRouter(tags=["alerts"])

DEFAULT_USER = "Default User"
SLOTS = 6

# (display_order, min %, max % or None for the open top band, colour): the earlier backend's
# defaults (reference-system-notes §6), the same as the migration seeds for Default User.
DEFAULT_BANDS: tuple[tuple[int, int, int | None, str], ...] = (
    (1, 5, 10, "#E5E7EB"),
    (2, 10, 15, "#BFDBFE"),
    (3, 15, 20, "#FEF3C7"),
    (4, 20, 25, "#BBF7D0"),
    (5, 25, 50, "#FECACA"),
    (6, 50, None, "#F3E8FF"),
)

# The first key of the two-key advisory lock: alert-config saves only wait for each other.
_LOCK_CLASS = 0x0A1E27


# PostgreSQL text cannot hold NUL: refused here (a 400, not a 500), and the pattern says so in
# the OpenAPI document.
UserId = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\x00]+$")]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


def _two_decimals(value: float) -> float:
    """The value numeric(5,2) will hold (PostgreSQL rounds half away from zero)."""
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# ---------------------------------------------------------------------------------------------
# Wire shapes
# ---------------------------------------------------------------------------------------------


class Indicator(BaseModel):
    indicator_id: UUID
    user_id: str
    indicator_type: Literal["percentage_range"]
    percentage_range_min: Number
    percentage_range_max: Number | None  # None: the open top band
    color: str  # #RRGGBB, upper case
    is_default: bool
    enabled: bool
    display_order: int
    audible_alerts_enabled: bool
    created_at: NzTime
    updated_at: NzTime
    last_updated: NzTime  # = updated_at (the client's name for it)


class AlertConfig(BaseModel):
    user_id: str
    toggle_all: bool  # every band enabled
    audible_alerts_enabled: bool  # every band sounds
    indicators: list[Indicator]  # by display_order, 1-6


class IndicatorIn(BaseModel):
    """One band as the client posts it (fields it adds, e.g. created_at, are ignored)."""

    indicator_id: str | None = None  # advisory only: a save is keyed by display_order
    user_id: UserId | None = None
    indicator_type: Literal["percentage_range"] = "percentage_range"
    percentage_range_min: Percent
    percentage_range_max: Percent | None = None
    color: Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
    is_default: bool = False
    enabled: bool = True
    display_order: Annotated[int, Field(ge=1, le=SLOTS)]
    audible_alerts_enabled: bool = True

    @field_validator("percentage_range_min", mode="after")
    @classmethod
    def _min_as_stored(cls, value: float) -> float:
        return _two_decimals(value)

    @field_validator("percentage_range_max", mode="after")
    @classmethod
    def _max_above_min(cls, value: float | None, info: ValidationInfo) -> float | None:
        if value is None:
            return None
        value = _two_decimals(value)
        low = info.data.get("percentage_range_min")  # absent when the minimum itself failed
        if low is not None and value <= low:
            raise PydanticCustomError(
                "range_order",
                "must be greater than percentage_range_min ({low}), got {high}",
                {"low": low, "high": value},
            )
        return value

    @field_validator("color", mode="after")
    @classmethod
    def _upper_case(cls, value: str) -> str:
        return value.upper()


class AlertConfigIn(BaseModel):
    """The body of a save (B16, B17)."""

    user_id: UserId | None = None  # else the indicators' user_id, else Default User
    indicators: Annotated[list[IndicatorIn], Field(max_length=SLOTS)]
    audible_alerts_enabled: bool | None = None  # applies to every band of the user
    toggle_all: bool | None = None  # derived from the bands' enabled: ignored

    @field_validator("indicators", mode="after")
    @classmethod
    def _one_band_a_slot(cls, value: list[IndicatorIn]) -> list[IndicatorIn]:
        orders = [indicator.display_order for indicator in value]
        repeated = sorted({order for order in orders if orders.count(order) > 1})
        if repeated:
            raise PydanticCustomError(
                "display_order_repeated",
                "display_order must be unique; repeated: {repeated}",
                {"repeated": repeated},
            )
        return value

    @field_validator("indicators", mode="after")
    @classmethod
    def _one_user(cls, value: list[IndicatorIn], info: ValidationInfo) -> list[IndicatorIn]:
        named = {indicator.user_id for indicator in value} - {None}
        if info.data.get("user_id") is not None:
            named.add(info.data["user_id"])
        if len(named) > 1:
            users = ", ".join(sorted(repr(name) for name in named))
            raise PydanticCustomError(
                "user_mismatch",
                "user_id: the body and its indicators name different users ({users})",
                {"users": users},
            )
        return value

    def owner(self) -> str:
        named = [self.user_id, *(i.user_id for i in self.indicators)]
        return next((name for name in named if name is not None), DEFAULT_USER)


# ---------------------------------------------------------------------------------------------
# SQL
# ---------------------------------------------------------------------------------------------

_SELECT = """
SELECT indicator_id, user_id, indicator_type, percentage_range_min, percentage_range_max,
       upper(color) AS color, is_default, enabled, display_order, audible_alerts_enabled,
       created_at, updated_at, updated_at AS last_updated
FROM user_alert_configs
WHERE user_id = %(user_id)s
ORDER BY display_order
"""

_LOCK = "SELECT pg_advisory_xact_lock(%(lock_class)s, hashtext(%(user_id)s))"

# The defaults into the slots the user lacks; a slot already there (even one a concurrent
# transaction just wrote) is left alone.
_SEED = """
INSERT INTO user_alert_configs AS c
    (user_id, indicator_type, percentage_range_min, percentage_range_max, color,
     is_default, enabled, display_order, audible_alerts_enabled)
SELECT %(user_id)s, 'percentage_range', d.low, d.high, d.color, true, true, d.slot, true
FROM jsonb_to_recordset(%(bands)s) AS d(slot integer, low numeric, high numeric, color text)
ORDER BY d.slot
ON CONFLICT (user_id, display_order) DO NOTHING
"""

# One statement for the whole set, keyed by slot: swapped display orders never collide.
_SAVE = """
INSERT INTO user_alert_configs AS c
    (user_id, indicator_type, percentage_range_min, percentage_range_max, color,
     is_default, enabled, display_order, audible_alerts_enabled)
SELECT %(user_id)s, 'percentage_range', i.percentage_range_min, i.percentage_range_max,
       i.color, i.is_default, i.enabled, i.display_order, i.audible_alerts_enabled
FROM jsonb_to_recordset(%(indicators)s) AS i(
    percentage_range_min numeric, percentage_range_max numeric, color text,
    is_default boolean, enabled boolean, display_order integer, audible_alerts_enabled boolean)
ORDER BY i.display_order
ON CONFLICT (user_id, display_order) DO UPDATE SET
    indicator_type = EXCLUDED.indicator_type,
    percentage_range_min = EXCLUDED.percentage_range_min,
    percentage_range_max = EXCLUDED.percentage_range_max,
    color = EXCLUDED.color,
    is_default = EXCLUDED.is_default,
    enabled = EXCLUDED.enabled,
    audible_alerts_enabled = EXCLUDED.audible_alerts_enabled
"""

_AUDIBLE = """
UPDATE user_alert_configs SET audible_alerts_enabled = %(audible)s
WHERE user_id = %(user_id)s AND audible_alerts_enabled IS DISTINCT FROM %(audible)s
"""


def _default_bands() -> Jsonb:
    return Jsonb(
        [
            {"slot": slot, "low": low, "high": high, "color": color}
            for slot, low, high, color in DEFAULT_BANDS
        ]
    )


async def _lock_and_seed(conn: psycopg.AsyncConnection[Any], user_id: str) -> None:
    """Inside a transaction: wait for the user's other writers, then fill missing slots."""
    await conn.execute(_LOCK, {"lock_class": _LOCK_CLASS, "user_id": user_id})
    await conn.execute(_SEED, {"user_id": user_id, "bands": _default_bands()})


def _config(user_id: str, rows: list[dict[str, Any]]) -> AlertConfig:
    indicators = [Indicator.model_validate(row) for row in rows]
    return AlertConfig(
        user_id=user_id,
        toggle_all=all(i.enabled for i in indicators),
        audible_alerts_enabled=all(i.audible_alerts_enabled for i in indicators),
        indicators=indicators,
    )


# ---------------------------------------------------------------------------------------------
# Endpoints
# ---------------------------------------------------------------------------------------------


@router.get("/user-alert-configs", response_model=AlertConfig)
async def alert_configs(
    conn: Conn,
    user_id: Annotated[UserId, Query(description="the dashboard user (userId works too)")] = (
        DEFAULT_USER
    ),
) -> AlertConfig:
    """The user's six bands by display_order; a user's missing slots are first filled with the
    defaults (once, however many first GETs run at the same time)."""
    rows = await fetch_all(conn, _SELECT, {"user_id": user_id})
    if len(rows) < SLOTS:
        async with conn.transaction():
            await _lock_and_seed(conn, user_id)
            rows = await fetch_all(conn, _SELECT, {"user_id": user_id})
    return _config(user_id, rows)


@router.post("/user-alert-configs", response_model=AlertConfig)
async def save_alert_configs(conn: Conn, body: AlertConfigIn) -> AlertConfig:
    """Saves the posted bands into their slots, all or nothing, and answers with the user's
    whole config (the client only needs the 2xx)."""
    user_id = body.owner()
    bands = [
        indicator.model_dump(exclude={"indicator_id", "user_id", "indicator_type"})
        for indicator in body.indicators
    ]
    async with conn.transaction():
        await _lock_and_seed(conn, user_id)
        if bands:
            await conn.execute(_SAVE, {"user_id": user_id, "indicators": Jsonb(bands)})
        if body.audible_alerts_enabled is not None:
            await conn.execute(
                _AUDIBLE, {"user_id": user_id, "audible": body.audible_alerts_enabled}
            )
        rows = await fetch_all(conn, _SELECT, {"user_id": user_id})
    return _config(user_id, rows)
