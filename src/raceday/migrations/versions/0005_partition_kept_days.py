"""Racing days retention must not retire on its own: history loaded on purpose (backfills, old files).

The schema change lives in ../sql/0005_partition_kept_days.up.sql and its exact undo in
../sql/0005_partition_kept_days.down.sql.
"""

from raceday.db.sqlfiles import run_sql_file

revision = "0005_partition_kept_days"
down_revision = "0004_ingest_watermarks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(revision, "up")


def downgrade() -> None:
    run_sql_file(revision, "down")
