"""The one home of the partition naming rule `{parent}_YYYY_MM_DD` and its inverse."""

from __future__ import annotations

import re
from datetime import date

__all__ = ["HISTORY_PARENTS", "MAX_IDENTIFIER_BYTES", "parse_partition_name", "partition_name"]

HISTORY_PARENTS: tuple[str, ...] = ("odds_history", "money_flow_history")

# PostgreSQL truncates longer identifiers silently (NAMEDATALEN - 1), which would make two days
# share one name; refuse instead.
MAX_IDENTIFIER_BYTES = 63

# [0-9], not \d: \d also matches non-ASCII digits, which no name we write contains.
_NAME = re.compile(r"(?P<parent>.+)_(?P<y>[0-9]{4})_(?P<m>[0-9]{2})_(?P<d>[0-9]{2})", re.DOTALL)


def partition_name(parent: str, day: date) -> str:
    """The child of `parent` that holds racing day `day`, e.g. odds_history_2025_07_16."""
    if not parent or "\x00" in parent:
        raise ValueError(f"invalid parent table name {parent!r}")
    name = f"{parent}_{day.year:04d}_{day.month:02d}_{day.day:02d}"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise ValueError(f"parent table name {parent!r} is not valid UTF-8") from exc
    if size > MAX_IDENTIFIER_BYTES:
        raise ValueError(
            f"partition name {name!r} is longer than {MAX_IDENTIFIER_BYTES} bytes; "
            "PostgreSQL would truncate it, so use a shorter parent name"
        )
    return name


def parse_partition_name(name: str) -> tuple[str, date] | None:
    """(parent, day) for a name partition_name makes; None for other names and invalid dates."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    try:
        day = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        return None
    return match["parent"], day
