"""Frozen value types of partition maintenance: the policy, what the catalog holds, the plan."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from raceday.racing_day import DEFAULT_ZONE, resolve_zone

__all__ = [
    "GAP",
    "LOW_RUNWAY",
    "MISNAMED_CHILD",
    "MISSING_INDEX",
    "NOT_ATTACHED",
    "OVERLAP",
    "PENDING_DETACH",
    "PROBLEM_KINDS",
    "UNEXPECTED_CHILD",
    "WRONG_BOUNDS",
    "CreateStep",
    "FinalizeStep",
    "Island",
    "KeptPartition",
    "ObservedPartition",
    "Plan",
    "Policy",
    "Problem",
    "RetireStep",
]

# Problem kinds. They are part of the --json output, so their values never change.
GAP = "gap"
OVERLAP = "overlap"
WRONG_BOUNDS = "wrong_bounds"
UNEXPECTED_CHILD = "unexpected_child"
MISNAMED_CHILD = "misnamed_child"
NOT_ATTACHED = "not_attached"
MISSING_INDEX = "missing_index"
PENDING_DETACH = "pending_detach"
LOW_RUNWAY = "low_runway"

PROBLEM_KINDS: frozenset[str] = frozenset(
    {
        GAP,
        OVERLAP,
        WRONG_BOUNDS,
        UNEXPECTED_CHILD,
        MISNAMED_CHILD,
        NOT_ATTACHED,
        MISSING_INDEX,
        PENDING_DETACH,
        LOW_RUNWAY,
    }
)


def _instant(value: datetime | None) -> str | None:
    # ISO 8601 in UTC with its offset, so JSON readers need no zone to interpret it.
    return None if value is None else value.astimezone(UTC).isoformat()


def _require_aware(what: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{what} must be an aware datetime, got naive {value.isoformat()}")


@dataclass(frozen=True, slots=True)
class Policy:
    """How many days ahead must exist, how long history is kept, in which zone days are counted."""

    zone: str = DEFAULT_ZONE
    days_ahead: int = 7
    retention_days: int = 30  # 0 keeps every day forever
    keep_detached: bool = False  # retired partitions stay as plain tables instead of being dropped

    def __post_init__(self) -> None:
        resolve_zone(self.zone)
        if self.days_ahead < 0:
            raise ValueError(f"days_ahead must be 0 or more, got {self.days_ahead}")
        if self.retention_days < 0:
            raise ValueError(
                f"retention_days must be 0 (keep forever) or more, got {self.retention_days}"
            )

    def to_dict(self) -> dict[str, object]:
        return {
            "zone": self.zone,
            "days_ahead": self.days_ahead,
            "retention_days": self.retention_days,
            "keep_detached": self.keep_detached,
        }


@dataclass(frozen=True, slots=True)
class ObservedPartition:
    """One table the catalog shows for a parent: an attached child, or a same-named loose table.

    lower/upper are the range bounds (None when not attached; a None on an attached child means
    MINVALUE/MAXVALUE, and both None means a DEFAULT partition). detach_pending marks a
    DETACH ... CONCURRENTLY that was interrupted; such a child still sits in pg_inherits but no
    longer receives rows, whatever `attached` says.
    """

    parent: str
    name: str
    lower: datetime | None
    upper: datetime | None
    attached: bool
    detach_pending: bool
    index_names: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        _require_aware("lower", self.lower)
        _require_aware("upper", self.upper)

    def to_dict(self) -> dict[str, object]:
        return {
            "parent": self.parent,
            "name": self.name,
            "lower": _instant(self.lower),
            "upper": _instant(self.upper),
            "attached": self.attached,
            "detach_pending": self.detach_pending,
            "index_names": sorted(self.index_names),
        }


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a parent's partitions; `name` is the table concerned, if any."""

    kind: str
    parent: str
    name: str | None
    detail: str

    def __post_init__(self) -> None:
        if self.kind not in PROBLEM_KINDS:
            raise ValueError(f"unknown problem kind {self.kind!r}")

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "parent": self.parent, "name": self.name, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class CreateStep:
    """Create child `name` of `parent` for racing day `day`, bounded [lower, upper)."""

    parent: str
    day: date
    name: str
    lower: datetime
    upper: datetime

    def __post_init__(self) -> None:
        _require_aware("lower", self.lower)
        _require_aware("upper", self.upper)

    def to_dict(self) -> dict[str, object]:
        return {
            "parent": self.parent,
            "day": self.day.isoformat(),
            "name": self.name,
            "lower": _instant(self.lower),
            "upper": _instant(self.upper),
        }


@dataclass(frozen=True, slots=True)
class RetireStep:
    """Detach child `name` concurrently, then drop it unless keep_table.

    `rows` is how many rows the child holds (counted by the I/O layer; None when not counted):
    what retiring it costs, shown before it happens and logged when it does."""

    parent: str
    day: date
    name: str
    keep_table: bool
    rows: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "parent": self.parent,
            "day": self.day.isoformat(),
            "name": self.name,
            "keep_table": self.keep_table,
            "rows": self.rows,
        }


@dataclass(frozen=True, slots=True)
class FinalizeStep:
    """Finish the interrupted detach of child `name` (DETACH ... FINALIZE), then drop it unless
    keep_table. The default keeps the table: nothing is dropped unless the plan says so."""

    parent: str
    name: str
    keep_table: bool = True
    rows: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "parent": self.parent,
            "name": self.name,
            "keep_table": self.keep_table,
            "rows": self.rows,
        }


@dataclass(frozen=True, slots=True)
class KeptPartition:
    """A child retention would retire by age, left alone because its day is kept."""

    parent: str
    day: date
    name: str
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {
            "parent": self.parent,
            "day": self.day.isoformat(),
            "name": self.name,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Island:
    """A run of consecutive racing days with partitions, apart from the live window (yesterday
    to the end of the runway): history kept on purpose, such as a backfill. Information, not a
    problem: the days between it and the window were never needed."""

    parent: str
    first_day: date
    last_day: date
    partitions: int
    kept_days: int  # how many of its days are kept from retention

    def to_dict(self) -> dict[str, object]:
        return {
            "parent": self.parent,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "partitions": self.partitions,
            "kept_days": self.kept_days,
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """What one maintenance run would do for `today`, and the problems it cannot fix."""

    today: date
    policy: Policy
    create: tuple[CreateStep, ...]
    retire: tuple[RetireStep, ...]
    finalize: tuple[FinalizeStep, ...]
    problems: tuple[Problem, ...]
    kept: tuple[KeptPartition, ...] = ()

    @property
    def retiring(self) -> tuple[RetireStep | FinalizeStep, ...]:
        """Every step that takes a child (and its rows) away."""
        return (*self.retire, *self.finalize)

    @property
    def is_empty(self) -> bool:
        """True when there is no step to run (problems do not count: they are not steps)."""
        return not (self.create or self.retire or self.finalize)

    def to_dict(self) -> dict[str, object]:
        return {
            "today": self.today.isoformat(),
            "policy": self.policy.to_dict(),
            "is_empty": self.is_empty,
            "create": [step.to_dict() for step in self.create],
            "retire": [step.to_dict() for step in self.retire],
            "finalize": [step.to_dict() for step in self.finalize],
            "kept": [kept.to_dict() for kept in self.kept],
            "problems": [problem.to_dict() for problem in self.problems],
        }

    def with_rows(self, rows: dict[str, int]) -> Plan:
        """The plan with each retire and finalize step's row count filled from `rows`."""
        return replace(
            self,
            retire=tuple(replace(s, rows=rows.get(s.name)) for s in self.retire),
            finalize=tuple(replace(s, rows=rows.get(s.name)) for s in self.finalize),
        )
