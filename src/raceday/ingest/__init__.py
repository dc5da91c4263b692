"""NZTAB payloads into the database: transform (pure), writer (one transaction per race), runner.

transform.py   validated payload -> rows for every table (no clock, no database)
statements.py  the SQL, built once from the row types
writer.py      one pipelined transaction per race / meetings list / races list
runner.py      files -> ordered, validated, partition-ensured, written; a report per file
"""

from raceday.ingest.rows import MeetingsBatch, RaceBatch, RacesListBatch
from raceday.ingest.runner import FileOutcome, Ingestor, IngestReport, discover_files
from raceday.ingest.transform import (
    TransformError,
    interval_type,
    meetings_batch,
    race_batch,
    races_list_batch,
    timeline_bucket,
)
from raceday.ingest.writer import write_meetings, write_race, write_races_list

__all__ = [
    "FileOutcome",
    "IngestReport",
    "Ingestor",
    "MeetingsBatch",
    "RaceBatch",
    "RacesListBatch",
    "TransformError",
    "discover_files",
    "interval_type",
    "meetings_batch",
    "race_batch",
    "races_list_batch",
    "timeline_bucket",
    "write_meetings",
    "write_race",
    "write_races_list",
]
