"""Daily partitions aligned to the NZ racing day: plan, apply, status, verify, ensure, quarantine.

The public surface of the partition layer; the CLI and the write path import only these names.
"""

from raceday.partitions.ensure import EnsureResult, QuarantineEntry, ensure_days_for, quarantine
from raceday.partitions.maintain import (
    MaintenanceResult,
    build_plan,
    policy_from,
    run_maintenance,
    today_in,
)
from raceday.partitions.model import Plan, Policy, Problem
from raceday.partitions.naming import HISTORY_PARENTS, parse_partition_name, partition_name
from raceday.partitions.status import PartitionStatus, read_status

__all__ = [
    "HISTORY_PARENTS",
    "EnsureResult",
    "MaintenanceResult",
    "PartitionStatus",
    "Plan",
    "Policy",
    "Problem",
    "QuarantineEntry",
    "build_plan",
    "ensure_days_for",
    "parse_partition_name",
    "partition_name",
    "policy_from",
    "quarantine",
    "read_status",
    "run_maintenance",
    "today_in",
]
