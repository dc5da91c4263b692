"""A comparable snapshot of everything a migration defines in a database's public schema."""

from __future__ import annotations

from typing import Any

import psycopg

# Each query returns sorted text rows that do not depend on OIDs or creation order.
_QUERIES: dict[str, str] = {
    "relations": """
        select c.relname, c.relkind::text, c.relpersistence::text,
               coalesce(pg_get_partkeydef(c.oid), ''), c.relispartition::text,
               coalesce(pg_get_expr(c.relpartbound, c.oid), ''),
               coalesce(obj_description(c.oid, 'pg_class'), '')
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind in ('r','p','v','m','S','f','c')
         order by 1""",
    "columns": """
        select c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text,
               coalesce(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity::text,
               a.attgenerated::text, coalesce(col_description(c.oid, a.attnum), ''),
               -- the column's place among live columns: attnum itself keeps gaps left by a
               -- DROP COLUMN, so a revision that drops and re-adds a column would look changed
               (row_number() over (partition by c.oid order by a.attnum))::text
          from pg_attribute a
          join pg_class c on c.oid = a.attrelid
          join pg_namespace n on n.oid = c.relnamespace
          left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
         where n.nspname = 'public' and c.relkind in ('r','p','v','m','c')
           and a.attnum > 0 and not a.attisdropped
         order by 1, 2""",
    "constraints": """
        select cl.relname, co.conname, co.contype::text, pg_get_constraintdef(co.oid, true),
               co.condeferrable::text, co.convalidated::text
          from pg_constraint co
          join pg_class cl on cl.oid = co.conrelid
          join pg_namespace n on n.oid = cl.relnamespace
         where n.nspname = 'public'
         order by 1, 2""",
    "indexes": """
        select tablename, indexname, indexdef from pg_indexes
         where schemaname = 'public' order by 1, 2""",
    "functions": """
        select p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid),
               coalesce(obj_description(p.oid, 'pg_proc'), '')
          from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname = 'public' order by 1, 2""",
    "triggers": """
        select c.relname, t.tgname, pg_get_triggerdef(t.oid, true), t.tgenabled::text
          from pg_trigger t join pg_class c on c.oid = t.tgrelid
          join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and not t.tgisinternal order by 1, 2""",
    "types": """
        select t.typname, t.typtype::text from pg_type t join pg_namespace n on n.oid = t.typnamespace
         where n.nspname = 'public' and t.typtype in ('e','d','c','r','m')
           and not exists (select 1 from pg_class c where c.reltype = t.oid)
         order by 1""",
    "extensions": "select extname, extversion from pg_extension order by 1",
    "schemas": """
        select nspname from pg_namespace
         where nspname not like 'pg\\_%' and nspname not in ('information_schema', 'public')
         order by 1""",
}


def snapshot(conn: psycopg.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """The catalog of the schema, leaving out Alembic's own bookkeeping table."""
    return {
        name: [row for row in conn.execute(query).fetchall() if row[0] != "alembic_version"]
        for name, query in _QUERIES.items()
    }


def public_relations(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        """select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relname <> 'alembic_version'
              and c.relname not like 'alembic_version%' order by 1"""
    ).fetchall()
    return [r[0] for r in rows]


def public_functions(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        """select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'public' order by 1"""
    ).fetchall()
    return [r[0] for r in rows]
