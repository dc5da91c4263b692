"""I/O: read what the database holds — parents, their policy rows, children, bounds and indexes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg

from raceday.partitions.model import ObservedPartition
from raceday.partitions.naming import parse_partition_name

__all__ = [
    "ParentConfig",
    "expected_indexes",
    "index_expectation",
    "read_config",
    "read_observed",
]


@dataclass(frozen=True, slots=True)
class ParentConfig:
    """A row of partition_config: a partitioned parent and the zone its racing days are cut in."""

    parent: str
    zone: str
    days_ahead: int
    retention_days: int
    keep_detached: bool


def read_config(conn: psycopg.Connection) -> list[ParentConfig]:
    rows = conn.execute(
        """select parent_table, time_zone, days_ahead, retention_days, keep_detached
             from partition_config order by parent_table"""
    ).fetchall()
    return [ParentConfig(*row) for row in rows]


# Children (attached or pending detach) with their bounds cast back to instants. The bound text
# is rendered in the session zone with its offset, so the cast is exact whatever that zone is.
_CHILDREN = """
select p.relname, c.relname,
       (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz,
       (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz,
       i.inhdetachpending,
       array(select pix.relname
               from pg_index x
               join pg_inherits xi on xi.inhrelid = x.indexrelid
               join pg_class pix on pix.oid = xi.inhparent
              where x.indrelid = c.oid) as parent_indexes
  from pg_inherits i
  join pg_class c on c.oid = i.inhrelid
  join pg_class p on p.oid = i.inhparent
 where p.relnamespace = current_schema()::regnamespace
   and p.relkind = 'p'
   and p.relname = any(%(parents)s)
"""

# Plain tables named like a partition of one of the parents but not attached to it.
_LOOSE = """
select c.relname
  from pg_class c
 where c.relnamespace = current_schema()::regnamespace
   and c.relkind in ('r', 'p')
   and c.relispartition = false
   and c.relname ~ '_[0-9]{4}_[0-9]{2}_[0-9]{2}$'
"""


def read_observed(conn: psycopg.Connection, parents: list[str]) -> list[ObservedPartition]:
    """Every child of `parents` plus same-named loose tables, as the planner wants them."""
    observed = [
        ObservedPartition(
            parent=parent,
            name=name,
            lower=lower,
            upper=upper,
            attached=True,
            detach_pending=bool(pending),
            index_names=frozenset(indexes or ()),
        )
        for parent, name, lower, upper, pending, indexes in conn.execute(
            _CHILDREN, {"parents": parents}
        ).fetchall()
    ]
    for (name,) in conn.execute(_LOOSE).fetchall():
        parsed = parse_partition_name(name)
        if parsed is not None and parsed[0] in parents:
            observed.append(
                ObservedPartition(
                    parent=parsed[0],
                    name=name,
                    lower=None,
                    upper=None,
                    attached=False,
                    detach_pending=False,
                )
            )
    return observed


def expected_indexes(conn: psycopg.Connection, parents: list[str]) -> dict[str, set[str]]:
    """For each parent, the names of its partitioned indexes: every child must have one of each."""
    rows = conn.execute(
        """select t.relname, ix.relname
             from pg_index x
             join pg_class ix on ix.oid = x.indexrelid
             join pg_class t on t.oid = x.indrelid
            where t.relnamespace = current_schema()::regnamespace and t.relname = any(%s)""",
        (parents,),
    ).fetchall()
    found: dict[str, set[str]] = {parent: set() for parent in parents}
    for parent, index in rows:
        found[parent].add(index)
    return found


def index_expectation(
    conn: psycopg.Connection, parents: list[str], observed: list[ObservedPartition]
) -> Callable[[str], set[str]]:
    """For verify: the parent index names each observed child must have an attached index for."""
    indexes = expected_indexes(conn, parents)
    by_child = {o.name: indexes[o.parent] for o in observed}
    return lambda child: by_child.get(child, set())
