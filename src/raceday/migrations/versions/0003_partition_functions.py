"""Partition DDL in one place: create_daily_partition(s) and the archive schema for retired days.

The schema change lives in ../sql/0003_partition_functions.up.sql and its exact undo in
../sql/0003_partition_functions.down.sql.
"""

from raceday.db.sqlfiles import run_sql_file

revision = "0003_partition_functions"
down_revision = "0002_history_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(revision, "up")


def downgrade() -> None:
    run_sql_file(revision, "down")
