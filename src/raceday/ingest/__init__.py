"""NZTAB payloads into the database: transform (pure), writer (one transaction per race), ingestor.

rows.py          one row type per table: the one definition of its columns (and the price types)
tables.py        those row types as SQL sees them: names, columns, types
transform.py     validated payload -> rows for every table (no clock, no database)
statements.py    the SQL, composed once from the row types with psycopg.sql
writer.py        one pipelined transaction per race / meetings list / races list
history_plan.py  pure: the history rows many polls add (the backfill's planner)
backfill.py      I/O: those rows by COPY, under the races' locks, in one transaction
ingestor.py      payload -> ensured partitions -> transaction; typed outcomes (files or memory)
files.py         files -> ordered, loaded, ingested; a report per file
"""

from raceday.ingest.backfill import backfill, backfill_history
from raceday.ingest.files import FileOutcome, IngestReport, discover_files, ingest_files
from raceday.ingest.history_plan import HistoryPlan, plan_history
from raceday.ingest.ingestor import Ingestor, is_missing_partition
from raceday.ingest.outcomes import IngestOutcome, IngestStatus, WriteResult
from raceday.ingest.rows import PRICE_TYPES, MeetingsBatch, RaceBatch, RacesListBatch
from raceday.ingest.transform import (
    TransformError,
    interval_type,
    meetings_batch,
    race_batch,
    race_batches,
    races_list_batch,
    timeline_bucket,
)
from raceday.ingest.writer import write_meetings, write_race, write_races_list

__all__ = [
    "PRICE_TYPES",
    "FileOutcome",
    "HistoryPlan",
    "IngestOutcome",
    "IngestReport",
    "IngestStatus",
    "Ingestor",
    "MeetingsBatch",
    "RaceBatch",
    "RacesListBatch",
    "TransformError",
    "WriteResult",
    "backfill",
    "backfill_history",
    "discover_files",
    "ingest_files",
    "interval_type",
    "is_missing_partition",
    "meetings_batch",
    "plan_history",
    "race_batch",
    "race_batches",
    "races_list_batch",
    "timeline_bucket",
    "write_meetings",
    "write_race",
    "write_races_list",
]
