"""Observation time on race_result_positions and race_dividends, so old replays cannot roll them back.

The schema change lives in ../sql/0004_ingest_watermarks.up.sql and its exact undo in
../sql/0004_ingest_watermarks.down.sql.
"""

from raceday.db.sqlfiles import run_sql_file

revision = "0004_ingest_watermarks"
down_revision = "0003_partition_functions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(revision, "up")


def downgrade() -> None:
    run_sql_file(revision, "down")
