"""The API's wire types: what the dashboard client needs of each value (contract §3, §5.1).

- Timestamps: RFC 3339 with the New Zealand offset of that instant, hours 00-23 (the earlier
  backend wrote NZ midnight as "24", which Date.parse refuses: M12).
- Numbers: JSON numbers, never strings (pydantic writes Decimal as a string: M13).
- Money the contract wants in cents: whole numbers of cents, converted in each resource's SQL
  (`round(amount * 100)::bigint`) or with `cents()`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

__all__ = ["NZ", "IsoDate", "Number", "NzTime", "cents", "nz_time"]

NZ = ZoneInfo("Pacific/Auckland")


def nz_time(value: datetime) -> str:
    """The instant in NZ time, e.g. 2025-07-17T00:30:00+12:00 (never T24:30)."""
    if value.tzinfo is None:
        raise ValueError("a naive timestamp has no instant; the store holds timestamptz")
    return value.astimezone(NZ).isoformat()


def cents(value: Decimal | float | int) -> int:
    """Dollars (numeric(12,2) in the store) as whole cents."""
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


NzTime = Annotated[
    datetime,
    PlainSerializer(nz_time, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
# pydantic reads the store's Decimals as floats itself, in Rust: a Python validator here cost
# ~10 calls per timeline document (2,000 a page).
Number = float


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: object) -> object:
    # pydantic reads a number as a Unix time: ?date=0 would be 1970-01-01, not a 400.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date"}),
]
