"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

House rules: the schema change lives in sql/${up_revision}.up.sql and its exact undo in
sql/${up_revision}.down.sql (reverse order, nothing left behind). This file holds ids only.
Statements that cannot run in a transaction (CONCURRENTLY) need their own revision and a note why.
"""

from raceday.db.sqlfiles import run_sql_file

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    run_sql_file(revision, "up")


def downgrade() -> None:
    run_sql_file(revision, "down")
