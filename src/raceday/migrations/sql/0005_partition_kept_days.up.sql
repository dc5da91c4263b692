-- 0005 partition kept days (UP): racing days that retention must not retire on its own.
--
-- Retention retires days older than partition_config.retention_days. That is right for the days
-- the live system wrote as it went, and wrong for history a user loaded on purpose: a backfill of
-- an archive, an ingest of last season's files, `raceday partitions ensure` for old days. Their
-- days are older than the retention period the moment they are written, so the next
-- maintenance run would drop them with their rows. Such days are recorded here and retention
-- skips them; only `raceday partitions retire` (an explicit request) retires them.

CREATE TABLE partition_kept_days (
    racing_day  date        NOT NULL,
    reason      text        NOT NULL,
    kept_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT partition_kept_days_pkey PRIMARY KEY (racing_day),
    CONSTRAINT partition_kept_days_reason_check CHECK (reason <> '')
);

COMMENT ON TABLE partition_kept_days IS
    'Racing days whose history partitions (every parent in partition_config) retention never '
    'retires: days created for old data (backfill, ingest of files older than the live window, '
    'partitions ensure). `raceday partitions retire` retires them and removes the row.';
COMMENT ON COLUMN partition_kept_days.racing_day IS
    'NZ racing day (partition_config.time_zone) whose children are kept, e.g. 2025-07-17.';
COMMENT ON COLUMN partition_kept_days.reason IS
    'Why the day is kept, e.g. "created for rows older than the live window (ingest)".';
COMMENT ON COLUMN partition_kept_days.kept_at IS 'When the day was first marked kept (transaction time).';

-- Days that already exist and are past the retention cutoff were about to be dropped by the next
-- maintenance run: whatever made them, they hold rows nobody asked to lose. Keep them.
INSERT INTO partition_kept_days (racing_day, reason)
SELECT DISTINCT to_date(right(c.relname, 10), 'YYYY_MM_DD'),
       'older than the retention period when revision 0005 was applied'
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid
  JOIN pg_class p ON p.oid = i.inhparent
  JOIN partition_config pc ON pc.parent_table = p.relname
 WHERE p.relnamespace = current_schema()::regnamespace
   AND c.relname ~ '_[0-9]{4}_[0-9]{2}_[0-9]{2}$'
   AND pc.retention_days > 0
   AND to_date(right(c.relname, 10), 'YYYY_MM_DD')
       < (now() AT TIME ZONE pc.time_zone)::date - greatest(pc.retention_days, 1)
ON CONFLICT DO NOTHING;
