"""Read-only facts about the schema for `raceday db summary`: tables, columns, rows, partitions."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import psycopg

__all__ = ["TableSummary", "table_summaries"]


@dataclass(frozen=True, slots=True)
class TableSummary:
    name: str
    columns: int
    rows: int
    partitioned: bool
    partitions: int
    rows_estimated: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


ESTIMATE_FROM = 1_000_000

_TABLES = """
select c.oid::regclass::text as name,
       c.relkind = 'p' as partitioned,
       (select count(*) from pg_attribute a
         where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
       (select count(*) from pg_inherits i where i.inhparent = c.oid) as partitions,
       (select coalesce(sum(greatest(k.reltuples, 0)), 0)::bigint
          from pg_inherits i join pg_class k on k.oid = i.inhrelid
         where i.inhparent = c.oid) as estimated_rows
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
 where n.nspname = current_schema()
   and c.relkind in ('r', 'p')
   and not c.relispartition
   and c.relname <> 'alembic_version'
 order by c.relname
"""


def table_summaries(conn: psycopg.Connection) -> list[TableSummary]:
    """One summary per top-level table; big partitioned tables report an estimate, not a count.

    The estimate comes from the children's statistics, which are 0 until autovacuum analyses a
    new day: below ESTIMATE_FROM rows an exact count is cheap, so it is counted instead.
    """
    result = []
    for name, partitioned, columns, partitions, estimated in conn.execute(_TABLES).fetchall():
        if partitioned and estimated >= ESTIMATE_FROM:
            rows, is_estimate = int(estimated), True
        else:
            query = psycopg.sql.SQL("select count(*) from {}").format(psycopg.sql.Identifier(name))
            count = conn.execute(query).fetchone()
            rows, is_estimate = int(count[0]) if count else 0, False
        result.append(
            TableSummary(name, int(columns), rows, bool(partitioned), int(partitions), is_estimate)
        )
    return result
