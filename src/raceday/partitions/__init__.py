"""Daily partitions aligned to the NZ racing day: plan, apply, status, verify, ensure, retire,
quarantine. Every entry point takes the caller's connection or pool (`raceday.db`).

The public surface of the partition layer; the CLI and the write path import only these names.
"""

from raceday.partitions.ensure import (
    EnsureDaysResult,
    EnsureResult,
    QuarantineEntry,
    ensure_days,
    ensure_days_for,
    quarantine,
    sanity_reason,
)
from raceday.partitions.kept import read_kept_days
from raceday.partitions.maintain import (
    MaintenanceResult,
    build_plan,
    policy_from,
    retire_days,
    run_maintenance,
    today_in,
)
from raceday.partitions.model import Island, KeptPartition, Plan, Policy, Problem
from raceday.partitions.naming import HISTORY_PARENTS, parse_partition_name, partition_name
from raceday.partitions.status import PartitionStatus, read_status

__all__ = [
    "HISTORY_PARENTS",
    "EnsureDaysResult",
    "EnsureResult",
    "Island",
    "KeptPartition",
    "MaintenanceResult",
    "PartitionStatus",
    "Plan",
    "Policy",
    "Problem",
    "QuarantineEntry",
    "build_plan",
    "ensure_days",
    "ensure_days_for",
    "parse_partition_name",
    "partition_name",
    "policy_from",
    "quarantine",
    "read_kept_days",
    "read_status",
    "retire_days",
    "run_maintenance",
    "sanity_reason",
    "today_in",
]
