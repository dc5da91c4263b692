"""Each table as SQL sees it, read off its row type in `ingest.rows`: name, columns and types.

The row NamedTuple is the one definition of a table's columns; this module only translates its
annotations into PostgreSQL type names (for `unnest(%s::type[])` casts and binary COPY) and its
names into `psycopg.sql` identifiers, so no statement spells a column list of its own.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple
from uuid import UUID

from psycopg import sql
from psycopg.types.json import Jsonb

from raceday.ingest.rows import MoneyFlowRow, OddsHistoryRow

__all__ = ["MONEY_FLOW_HISTORY", "ODDS_HISTORY", "Table", "sql_types"]

# Type names both SQL casts and psycopg's COPY `set_types` understand.
_SQL_TYPES: dict[Any, str] = {
    UUID: "uuid",
    datetime: "timestamptz",
    date: "date",
    str: "text",
    int: "int4",
    bool: "bool",
    Decimal: "numeric",
    Jsonb: "jsonb",
}


def _sql_type(annotation: Any) -> str:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _sql_type(inner)
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return _sql_type(item) + "[]"
    return _SQL_TYPES[annotation]


@cache
def sql_types(row: type[NamedTuple]) -> tuple[str, ...]:
    """The PostgreSQL type of each of `row`'s fields, in field order."""
    hints = typing.get_type_hints(row)
    return tuple(_sql_type(hints[name]) for name in row._fields)


@dataclass(frozen=True)
class Table:
    """A table and the row type that defines its columns."""

    name: str
    row: type[NamedTuple]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.row._fields

    @property
    def types(self) -> tuple[str, ...]:
        return sql_types(self.row)

    @property
    def identifier(self) -> sql.Identifier:
        return sql.Identifier(self.name)

    def column_list(self) -> sql.Composed:
        """`"col_a", "col_b", …` for INSERT and COPY column lists."""
        return sql.SQL(", ").join(map(sql.Identifier, self.columns))


ODDS_HISTORY = Table("odds_history", OddsHistoryRow)
MONEY_FLOW_HISTORY = Table("money_flow_history", MoneyFlowRow)
