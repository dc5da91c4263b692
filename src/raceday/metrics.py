"""Every Prometheus metric raceday exports, declared once, units in the names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from raceday.partitions.maintain import MaintenanceResult
    from raceday.partitions.status import PartitionStatus

__all__ = ["REGISTRY", "observe_maintenance", "observe_status"]

REGISTRY = CollectorRegistry(auto_describe=True)

PARTITION_RUNWAY_DAYS = Gauge(
    "raceday_partition_runway_days",
    "Consecutive future racing days with a partition, per parent",
    ["parent"],
    registry=REGISTRY,
)
PARTITIONS = Gauge(
    "raceday_partitions", "Attached daily partitions, per parent", ["parent"], registry=REGISTRY
)
PARTITION_PROBLEMS = Gauge(
    "raceday_partition_problems",
    "Problems found by verify, per parent",
    ["parent"],
    registry=REGISTRY,
)
QUARANTINE_ROWS = Gauge(
    "raceday_partition_quarantine_rows",
    "History rows kept in partition_quarantine",
    registry=REGISTRY,
)
MAINTENANCE_LAST_SUCCESS = Gauge(
    "raceday_partition_maintenance_last_success_timestamp_seconds",
    "Unix time of the last maintenance run that finished ok",
    registry=REGISTRY,
)
MAINTENANCE_DURATION = Histogram(
    "raceday_partition_maintenance_duration_seconds",
    "Duration of maintenance runs",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
MAINTENANCE_RUNS = Counter(
    "raceday_partition_maintenance_runs",
    "Maintenance runs by outcome",
    ["status"],
    registry=REGISTRY,
)
MAINTENANCE_FAILURES = Counter(
    "raceday_partition_maintenance_failures", "Maintenance runs that failed", registry=REGISTRY
)
PARTITIONS_CREATED = Counter(
    "raceday_partitions_created", "Partitions created by maintenance", registry=REGISTRY
)
PARTITIONS_RETIRED = Counter(
    "raceday_partitions_retired", "Partitions retired by maintenance", registry=REGISTRY
)
ROWS_RETIRED = Counter(
    "raceday_partition_rows_retired",
    "History rows that went with retired partitions, per parent",
    ["parent"],
    registry=REGISTRY,
)
PARTITIONS_RETIRED_WITH_ROWS = Counter(
    "raceday_partitions_retired_with_rows",
    "Retired partitions that still held rows, per parent",
    ["parent"],
    registry=REGISTRY,
)
PARTITION_ISLANDS = Gauge(
    "raceday_partition_islands",
    "Runs of partitioned days apart from the live window (kept history), per parent",
    ["parent"],
    registry=REGISTRY,
)
KEPT_DAYS = Gauge(
    "raceday_partition_kept_days",
    "Racing days kept from retention (history loaded on purpose)",
    registry=REGISTRY,
)

# --- the poller (raceday run) ----------------------------------------------------------------
# Instants are read from the service's clock: simulated time when it runs against the simulator.
POLLS = Counter(
    "raceday_polls",
    "Race polls by outcome (ok, fetch_failed, invalid, refused, database_unavailable)",
    ["outcome"],
    registry=REGISTRY,
)
POLL_MISSED_DEADLINES = Counter(
    "raceday_poll_missed_deadlines",
    "Polls that started more than the allowed slack (5 s) after their due time; strict=true for"
    " the polls of a race's last minutes",
    ["strict"],
    registry=REGISTRY,
)
POLL_STAGE_SECONDS = Histogram(
    "raceday_poll_stage_seconds",
    "Wall seconds per poll stage: fetch (HTTP with retries), store (parse, transform, commit), total",
    ["stage"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
POLL_LATENESS_SECONDS = Histogram(
    "raceday_poll_lateness_seconds",
    "Clock seconds between a poll's due time and its start",
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300),
    registry=REGISTRY,
)
POLL_FRESHNESS_SECONDS = Histogram(
    "raceday_poll_freshness_seconds",
    "Clock seconds from a body's header.generated_time to its commit",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
    registry=REGISTRY,
)
ROWS_WRITTEN = Counter(
    "raceday_rows_written", "Rows written by the poller, per table", ["table"], registry=REGISTRY
)
POLL_LAST_SUCCESS = Gauge(
    "raceday_poll_last_success_timestamp_seconds",
    "Clock time (Unix seconds) of the last poll stored",
    registry=REGISTRY,
)
RACES_TRACKED = Gauge(
    "raceday_races_tracked",
    "Races the scheduler knows, by state (active, in_flight, stopped)",
    ["state"],
    registry=REGISTRY,
)
RACES_STOPPED = Counter(
    "raceday_races_stopped",
    "Races whose polling ended, by reason (final, abandoned, capped)",
    ["reason"],
    registry=REGISTRY,
)
MEETINGS_IMPORTS = Counter(
    "raceday_meetings_imports",
    "Meetings imports (one NZ racing day each) by outcome",
    ["outcome"],
    registry=REGISTRY,
)
POLLER_LEADER = Gauge(
    "raceday_poller_leader", "1 while this process is the polling leader", registry=REGISTRY
)


def observe_maintenance(result: MaintenanceResult) -> None:
    MAINTENANCE_RUNS.labels(result.status).inc()
    MAINTENANCE_DURATION.observe(result.duration_ms / 1000)
    PARTITIONS_CREATED.inc(len(result.created))
    PARTITIONS_RETIRED.inc(len(result.retired))
    for outcome in result.outcomes:
        if outcome.status in ("retired", "finalized") and outcome.rows:
            ROWS_RETIRED.labels(outcome.parent).inc(outcome.rows)
            PARTITIONS_RETIRED_WITH_ROWS.labels(outcome.parent).inc()
    if result.status == "failed":
        MAINTENANCE_FAILURES.inc()


def observe_status(status: PartitionStatus) -> None:
    for parent in status.parents:
        PARTITION_RUNWAY_DAYS.labels(parent.parent).set(parent.runway_days)
        PARTITIONS.labels(parent.parent).set(parent.partitions)
        PARTITION_PROBLEMS.labels(parent.parent).set(len(parent.problems))
        PARTITION_ISLANDS.labels(parent.parent).set(len(parent.islands))
    KEPT_DAYS.set(len(status.kept_days))
    QUARANTINE_ROWS.set(status.quarantine_rows)
    if status.last_success_at is not None:
        MAINTENANCE_LAST_SUCCESS.set(status.last_success_at.timestamp())
