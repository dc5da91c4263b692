"""Core schema: meetings, races, entrants, pools, results and alert configurations.

The schema change lives in ../sql/0001_core_schema.up.sql and its exact undo in ../sql/0001_core_schema.down.sql.
"""

from raceday.db.sqlfiles import run_sql_file

revision = "0001_core_schema"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql_file(revision, "up")


def downgrade() -> None:
    run_sql_file(revision, "down")
