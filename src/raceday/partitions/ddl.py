"""I/O: the partition DDL statements, each under lock_timeout with retry and backoff.

Creation goes through the SQL function create_daily_partition() (installed by migration 0003),
the one home of the partition DDL. Retirement is DETACH ... CONCURRENTLY, which PostgreSQL will
not run inside a function or a transaction block, so it is issued here on an autocommit
connection. Neither takes ACCESS EXCLUSIVE on a parent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import psycopg
from psycopg import errors, sql
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

__all__ = ["DdlOutcome", "DdlRunner", "RetryPolicy"]

ARCHIVE_SCHEMA = "partition_archive"

Status = Literal["created", "exists", "retired", "finalized", "deferred", "failed"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How each DDL statement waits: lock_timeout per try, `attempts` tries with backoff between."""

    lock_timeout_ms: int = 2000
    attempts: int = 3
    backoff_initial_s: float = 0.2
    backoff_max_s: float = 2.0
    # A concurrent detach waits for every transaction that uses the parent; bound that too.
    detach_timeout_ms: int = 30_000


@dataclass(frozen=True, slots=True)
class DdlOutcome:
    """What one step did: `status` plus a sentence for logs and the CLI."""

    action: str
    parent: str
    name: str
    status: Status
    detail: str = ""
    attempts: int = 1
    duration_ms: float = 0.0
    rows: int | None = None  # rows the retired child held (retire/finalize steps)

    def to_dict(self) -> dict[str, object]:
        return {
            "action": self.action,
            "parent": self.parent,
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "attempts": self.attempts,
            "duration_ms": round(self.duration_ms, 2),
            "rows": self.rows,
        }


class DdlRunner:
    """Runs partition DDL on one autocommit connection; lock waits never exceed the policy."""

    def __init__(
        self,
        conn: psycopg.Connection,
        policy: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not conn.autocommit:
            raise ValueError("DdlRunner needs an autocommit connection (DETACH CONCURRENTLY)")
        self._conn = conn
        self._policy = policy
        self._sleep = sleep

    def create(self, parent: str, day: date, name: str) -> DdlOutcome:
        """Create (or confirm) the child of `parent` for racing `day`."""

        def attempt() -> str:
            with self._conn.transaction():
                self._conn.execute(
                    "select set_config('lock_timeout', %s, true)",
                    (f"{self._policy.lock_timeout_ms}ms",),
                )
                row = self._conn.execute(
                    "select create_daily_partition(%s, %s)", (parent, day)
                ).fetchone()
            return str(row[0]) if row else "created"

        return self._run("create", parent, name, attempt)

    def retire(self, parent: str, name: str, keep_table: bool) -> DdlOutcome:
        """DETACH CONCURRENTLY, then drop the table or move it to the archive schema."""
        return self._run(
            "retire", parent, name, lambda: self._retire_from_where_it_is(parent, name, keep_table)
        )

    def finalize(self, parent: str, name: str, keep_table: bool) -> DdlOutcome:
        """Finish a detach that was interrupted (pending detach), then dispose of the table."""
        return self._run(
            "finalize",
            parent,
            name,
            lambda: self._retire_from_where_it_is(parent, name, keep_table),
        )

    def _retire_from_where_it_is(self, parent: str, name: str, keep_table: bool) -> str:
        # Each try resumes where the last one stopped: a DETACH CONCURRENTLY whose wait for older
        # transactions hit lock_timeout has left the child pending detach, and PostgreSQL then
        # refuses a second CONCURRENTLY; only FINALIZE finishes it.
        state = self._membership(parent, name)
        if state is not None:
            self._detach(parent, name, finalize=state == "pending")
        self._dispose(name, keep_table)
        return "retired" if state != "pending" else "finalized"

    def _membership(self, parent: str, name: str) -> Literal["attached", "pending"] | None:
        row = self._conn.execute(
            """select i.inhdetachpending from pg_inherits i
                 join pg_class c on c.oid = i.inhrelid
                 join pg_class p on p.oid = i.inhparent
                where c.relname = %s and p.relname = %s
                  and c.relnamespace = current_schema()::regnamespace""",
            (name, parent),
        ).fetchone()
        return None if row is None else "pending" if row[0] else "attached"

    def _detach(self, parent: str, name: str, *, finalize: bool) -> None:
        mode = sql.SQL("finalize") if finalize else sql.SQL("concurrently")
        self._set_timeouts(self._policy.detach_timeout_ms)
        try:
            self._conn.execute(
                sql.SQL("alter table {} detach partition {} {}").format(
                    sql.Identifier(parent), sql.Identifier(name), mode
                )
            )
        finally:
            self._set_timeouts(0)

    def _dispose(self, name: str, keep_table: bool) -> None:
        self._set_timeouts(0)
        if keep_table:
            self._conn.execute(
                sql.SQL("alter table {} set schema {}").format(
                    sql.Identifier(name), sql.Identifier(ARCHIVE_SCHEMA)
                )
            )
        else:
            self._conn.execute(sql.SQL("drop table {}").format(sql.Identifier(name)))

    def _set_timeouts(self, statement_timeout_ms: int) -> None:
        self._conn.execute(
            sql.SQL("set lock_timeout = {}").format(
                sql.Literal(f"{self._policy.lock_timeout_ms}ms")
            )
        )
        self._conn.execute(
            sql.SQL("set statement_timeout = {}").format(sql.Literal(f"{statement_timeout_ms}ms"))
        )

    def _run(self, action: str, parent: str, name: str, attempt: Callable[[], str]) -> DdlOutcome:
        started = time.perf_counter()
        retrying = Retrying(
            stop=stop_after_attempt(self._policy.attempts),
            wait=wait_exponential_jitter(
                multiplier=self._policy.backoff_initial_s,
                max=self._policy.backoff_max_s,
                jitter=self._policy.backoff_initial_s,
            ),
            retry=retry_if_exception_type((errors.LockNotAvailable, errors.QueryCanceled)),
            sleep=self._sleep,
            reraise=False,
        )
        tries = 0

        def counted() -> str:
            nonlocal tries
            tries += 1
            return attempt()

        def outcome(status: Status, detail: str = "") -> DdlOutcome:
            return DdlOutcome(
                action, parent, name, status, detail, tries, (time.perf_counter() - started) * 1000
            )

        try:
            result = retrying(counted)
        except RetryError as exc:
            last = exc.last_attempt.exception()
            return outcome(
                "deferred",
                f"gave up after {tries} tries of "
                f"{self._policy.lock_timeout_ms} ms lock timeout: {_first_line(last)}",
            )
        except psycopg.Error as exc:
            return outcome("failed", _first_line(exc))
        done: Status = (
            "exists"
            if result == "exists"
            else "finalized"
            if result == "finalized"
            else "retired"
            if result == "retired"
            else "created"
        )
        return outcome(done)


def _first_line(exc: BaseException | None) -> str:
    if exc is None:
        return ""
    text = str(exc).strip().splitlines()
    message = text[0] if text else type(exc).__name__
    diag = getattr(exc, "diag", None)
    hint = getattr(diag, "message_hint", None) if diag is not None else None
    return f"{message} (hint: {hint})" if hint else message
