"""History tables partitioned by NZ racing day, and the partition bookkeeping.

The schema change lives in ../sql/0002_history_tables.up.sql and its exact undo in ../sql/0002_history_tables.down.sql.
"""

from raceday.db.sqlfiles import run_sql_file

revision = "0002_history_tables"
down_revision = "0001_core_schema"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(revision, "up")


def downgrade() -> None:
    run_sql_file(revision, "down")
