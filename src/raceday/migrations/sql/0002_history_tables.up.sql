-- 0002 history tables (UP): the two range-partitioned time series, odds_history and
-- money_flow_history, plus the bookkeeping the partition layer needs (partition_config,
-- partition_quarantine, partition_maintenance_runs).
--
-- Decisions (see docs/schema.md and docs/decisions/):
--   * PARTITION BY RANGE (event_timestamp); children are daily, one per NZ racing day, created by
--     the partition layer (a later migration installs the DDL function). This file creates NO
--     child partition and NO DEFAULT partition: a default partition blocks
--     DETACH ... CONCURRENTLY and makes every ATTACH scan it.
--   * Primary keys include event_timestamp (PostgreSQL requires the partition key in every unique
--     key); they make replays idempotent with INSERT ... ON CONFLICT DO NOTHING.
--   * NO foreign keys to entrants or races: with an FK on a partitioned parent every
--     ATTACH PARTITION clones it and takes SHARE ROW EXCLUSIVE on the referenced table, blocking
--     entrant upserts for the rest of that transaction. Integrity comes from the writer, which
--     inserts history in the same transaction as the entrants it refers to.

-- ---------------------------------------------------------------------------------------------
-- odds_history
-- ---------------------------------------------------------------------------------------------

CREATE TABLE odds_history (
    entrant_id      uuid          NOT NULL,
    event_timestamp timestamptz   NOT NULL,
    type            text          NOT NULL,
    odds            numeric(10,2) NOT NULL,
    created_at      timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT odds_history_pkey PRIMARY KEY (entrant_id, event_timestamp, type),
    CONSTRAINT odds_history_type_check
        CHECK (type IN ('fixed_win', 'fixed_place', 'pool_win', 'pool_place')),
    CONSTRAINT odds_history_odds_check CHECK (odds >= 0)
) PARTITION BY RANGE (event_timestamp);

COMMENT ON TABLE odds_history IS
    'Price history per entrant: one row each time a price differs from the last stored price of '
    'the same entrant and type. Range-partitioned by event_timestamp into one child per NZ racing '
    'day (Pacific/Auckland), children named odds_history_YYYY_MM_DD; no DEFAULT partition. The '
    'primary key (entrant_id, event_timestamp, type) makes replays idempotent (ON CONFLICT DO '
    'NOTHING) and serves history by entrant in time order (either direction). Deliberately NO '
    'foreign key to entrants: an FK on a partitioned parent makes every ATTACH PARTITION take '
    'SHARE ROW EXCLUSIVE on entrants, blocking entrant upserts while partitions are created; the '
    'writer guarantees the entrant exists (same transaction).';
COMMENT ON COLUMN odds_history.entrant_id IS
    'Entrant the price belongs to (entrants.entrant_id; not enforced by FK, see the table comment).';
COMMENT ON COLUMN odds_history.event_timestamp IS
    'Observation instant: header.generated_time of the race event payload (UTC, RFC 3339, stored '
    'to the microsecond). Partition key; a replayed payload yields the same value.';
COMMENT ON COLUMN odds_history.type IS
    'Which price: fixed_win, fixed_place (runners[].odds.fixed_*), pool_win, pool_place '
    '(runners[].odds.pool_*).';
COMMENT ON COLUMN odds_history.odds IS
    'The price, decimal odds (return per 1 dollar incl. stake); 0 allowed when the API sends 0.';
COMMENT ON COLUMN odds_history.created_at IS 'When raceday stored the row (transaction time).';

-- ---------------------------------------------------------------------------------------------
-- money_flow_history
-- ---------------------------------------------------------------------------------------------

CREATE TABLE money_flow_history (
    entrant_id                  uuid          NOT NULL,
    race_id                     uuid          NOT NULL,
    event_timestamp             timestamptz   NOT NULL,
    hold_percentage             numeric(5,2)  NOT NULL,
    bet_percentage              numeric(5,2)  NOT NULL,
    win_pool_amount             numeric(12,2),
    place_pool_amount           numeric(12,2),
    incremental_win_amount      numeric(12,2),
    incremental_place_amount    numeric(12,2),
    time_to_start               numeric(8,2)  NOT NULL,
    time_interval               numeric(6,1)  NOT NULL,
    interval_type               text          NOT NULL,
    created_at                  timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT money_flow_history_pkey PRIMARY KEY (entrant_id, event_timestamp),
    CONSTRAINT money_flow_history_hold_percentage_check CHECK (hold_percentage BETWEEN 0 AND 100),
    CONSTRAINT money_flow_history_bet_percentage_check CHECK (bet_percentage BETWEEN 0 AND 100),
    CONSTRAINT money_flow_history_pool_amounts_check
        CHECK (win_pool_amount >= 0 AND place_pool_amount >= 0),
    CONSTRAINT money_flow_history_time_interval_check
        CHECK (time_interval <= 60 AND time_interval * 2 = trunc(time_interval * 2)),
    CONSTRAINT money_flow_history_interval_type_check
        CHECK (interval_type IN ('5m', '2m', '30s', 'live'))
) PARTITION BY RANGE (event_timestamp);

-- Money-flow timeline of a race (all entrants) in time order.
CREATE INDEX money_flow_history_race_id_event_timestamp_idx
    ON money_flow_history (race_id, event_timestamp);

COMMENT ON TABLE money_flow_history IS
    'Money-flow observations: one row per entrant per race event payload that carried a '
    'money_tracker. Range-partitioned by event_timestamp into one child per NZ racing day '
    '(Pacific/Auckland), children named money_flow_history_YYYY_MM_DD; no DEFAULT partition. The '
    'primary key (entrant_id, event_timestamp) makes replays idempotent (ON CONFLICT DO NOTHING) '
    'and serves history by entrant in time order. Deliberately NO foreign keys to entrants or '
    'races: an FK on a partitioned parent makes every ATTACH PARTITION take SHARE ROW EXCLUSIVE on '
    'the referenced table, blocking upserts while partitions are created; the writer guarantees '
    'the referenced rows exist (same transaction).';
COMMENT ON COLUMN money_flow_history.entrant_id IS
    'Entrant observed (entrants.entrant_id; not enforced by FK, see the table comment).';
COMMENT ON COLUMN money_flow_history.race_id IS
    'Race of the entrant (races.race_id; not enforced by FK). Denormalised so that a race timeline '
    'is one index range scan.';
COMMENT ON COLUMN money_flow_history.event_timestamp IS
    'Observation instant: header.generated_time of the race event payload (UTC, stored to the '
    'microsecond). Partition key; a replayed payload yields the same value.';
COMMENT ON COLUMN money_flow_history.hold_percentage IS
    'Percent (0 to 100) of the money held on the entrant: sum of data.money_tracker.entrants[]'
    '.hold_percentage over the entrant''s rows in this payload.';
COMMENT ON COLUMN money_flow_history.bet_percentage IS
    'Percent (0 to 100) of bets on the entrant: sum of data.money_tracker.entrants[].bet_percentage '
    'over the entrant''s rows in this payload.';
COMMENT ON COLUMN money_flow_history.win_pool_amount IS
    'DOLLARS attributed to the entrant in the Win pool: tote_pools[] Win total times '
    'hold_percentage / 100. NULL when the payload had no Win pool.';
COMMENT ON COLUMN money_flow_history.place_pool_amount IS
    'DOLLARS attributed to the entrant in the Place pool: tote_pools[] Place total times '
    'hold_percentage / 100. NULL when the payload had no Place pool.';
COMMENT ON COLUMN money_flow_history.incremental_win_amount IS
    'DOLLARS: win_pool_amount minus the entrant''s previous stored win_pool_amount (may be '
    'negative); NULL for the entrant''s first observation.';
COMMENT ON COLUMN money_flow_history.incremental_place_amount IS
    'DOLLARS: place_pool_amount minus the entrant''s previous stored place_pool_amount (may be '
    'negative); NULL for the entrant''s first observation.';
COMMENT ON COLUMN money_flow_history.time_to_start IS
    'MINUTES from event_timestamp to the advertised start (data.race.advertised_start), '
    'fractional, negative after the advertised start.';
COMMENT ON COLUMN money_flow_history.time_interval IS
    'Timeline bucket in MINUTES derived from time_to_start: 60 (for anything at or beyond 60), '
    '55, 50 ... 5, 4, 3, 2, 1, 0, then -0.5, -1, -1.5 ... -5 after the start, then whole minutes.';
COMMENT ON COLUMN money_flow_history.interval_type IS
    'Polling phase derived from time_to_start: 5m (over 30 minutes), 2m (over 5), 30s (over 0), '
    'live (at or after the start).';
COMMENT ON COLUMN money_flow_history.created_at IS 'When raceday stored the row (transaction time).';

-- ---------------------------------------------------------------------------------------------
-- partition_config
-- ---------------------------------------------------------------------------------------------

CREATE TABLE partition_config (
    parent_table    text        NOT NULL,
    time_zone       text        NOT NULL DEFAULT 'Pacific/Auckland',
    days_ahead      integer     NOT NULL DEFAULT 7,
    retention_days  integer     NOT NULL DEFAULT 30,
    keep_detached   boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT partition_config_pkey PRIMARY KEY (parent_table),
    CONSTRAINT partition_config_parent_table_check
        CHECK (parent_table ~ '^[a-z_][a-z0-9_]*$' AND length(parent_table) <= 52),
    CONSTRAINT partition_config_time_zone_check
        CHECK ((time_zone = 'UTC' OR time_zone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)+$')
               AND (TIMESTAMPTZ '2000-01-01 00:00:00+00' AT TIME ZONE time_zone) IS NOT NULL),
    CONSTRAINT partition_config_days_ahead_check CHECK (days_ahead BETWEEN 0 AND 366),
    CONSTRAINT partition_config_retention_days_check CHECK (retention_days >= 0)
);

CREATE TRIGGER partition_config_set_updated_at
    BEFORE UPDATE ON partition_config
    FOR EACH ROW EXECUTE FUNCTION raceday_set_updated_at();

COMMENT ON TABLE partition_config IS
    'Partitioning policy, one row per range-partitioned parent. The racing-day zone is stored here '
    'so that partition bounds never depend on the TimeZone of the session that runs the DDL.';
COMMENT ON COLUMN partition_config.parent_table IS
    'Name of the partitioned parent in the migration schema. At most 52 characters so that the '
    'child name parent_YYYY_MM_DD fits the 63-byte identifier limit.';
COMMENT ON COLUMN partition_config.time_zone IS
    'IANA zone that defines the racing day [D 00:00, D+1 00:00) of each child (23 or 25 hours on '
    'DST change days). UTC or an Area/Location name PostgreSQL knows; abbreviations (NZST) and '
    'POSIX offsets (UTC+12) are refused because they are fixed offsets without DST. An unknown '
    'name fails with SQLSTATE 22023.';
COMMENT ON COLUMN partition_config.days_ahead IS
    'Future days (after today, in time_zone) that must always have a partition; today and '
    'yesterday always do.';
COMMENT ON COLUMN partition_config.retention_days IS
    'Days of history to keep: a child whose day ended more than this many days ago is retired. '
    '0 = keep forever.';
COMMENT ON COLUMN partition_config.keep_detached IS
    'Retention detaches the child (DETACH PARTITION CONCURRENTLY); true keeps the detached table, '
    'false drops it.';
COMMENT ON COLUMN partition_config.created_at IS 'When the row was stored (transaction time).';
COMMENT ON COLUMN partition_config.updated_at IS
    'When the row was last updated; maintained by trigger partition_config_set_updated_at.';

INSERT INTO partition_config (parent_table) VALUES ('odds_history'), ('money_flow_history');

-- ---------------------------------------------------------------------------------------------
-- partition_quarantine
-- ---------------------------------------------------------------------------------------------

CREATE TABLE partition_quarantine (
    id              bigint      GENERATED ALWAYS AS IDENTITY,
    parent_table    text        NOT NULL,
    event_timestamp timestamptz,
    row_data        jsonb       NOT NULL,
    reason          text        NOT NULL,
    source          text,
    received_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT partition_quarantine_pkey PRIMARY KEY (id),
    CONSTRAINT partition_quarantine_parent_table_fkey FOREIGN KEY (parent_table)
        REFERENCES partition_config (parent_table) ON DELETE RESTRICT,
    CONSTRAINT partition_quarantine_row_data_check CHECK (jsonb_typeof(row_data) = 'object'),
    CONSTRAINT partition_quarantine_reason_check CHECK (reason <> '')
);

COMMENT ON TABLE partition_quarantine IS
    'History rows that could not be filed in a partition (absurd or unparseable timestamp, a day '
    'that could not be created), kept with the reason instead of being dropped. A parent cannot '
    'be removed from partition_config while it has quarantined rows (ON DELETE RESTRICT).';
COMMENT ON COLUMN partition_quarantine.id IS 'Row id (identity).';
COMMENT ON COLUMN partition_quarantine.parent_table IS
    'Partitioned table the row was meant for. FK to partition_config, ON DELETE RESTRICT.';
COMMENT ON COLUMN partition_quarantine.event_timestamp IS
    'The row''s event_timestamp when it could be parsed; NULL when it could not.';
COMMENT ON COLUMN partition_quarantine.row_data IS
    'The row as a JSON object keyed by column name, with the raw timestamp text when unparseable.';
COMMENT ON COLUMN partition_quarantine.reason IS 'Why the row was quarantined, e.g. timestamp more than 30 days ahead.';
COMMENT ON COLUMN partition_quarantine.source IS 'Where the row came from, e.g. a file path or race id.';
COMMENT ON COLUMN partition_quarantine.received_at IS 'When the row was quarantined (transaction time).';

-- ---------------------------------------------------------------------------------------------
-- partition_maintenance_runs
-- ---------------------------------------------------------------------------------------------

CREATE TABLE partition_maintenance_runs (
    id                  bigint      GENERATED ALWAYS AS IDENTITY,
    started_at          timestamptz NOT NULL DEFAULT now(),
    finished_at         timestamptz,
    status              text        NOT NULL,
    triggered_by        text,
    partitions_created  text[]      NOT NULL DEFAULT '{}',
    partitions_retired  text[]      NOT NULL DEFAULT '{}',
    steps_deferred      text[]      NOT NULL DEFAULT '{}',
    error               text,
    host                text,
    pid                 integer,
    CONSTRAINT partition_maintenance_runs_pkey PRIMARY KEY (id),
    CONSTRAINT partition_maintenance_runs_status_check
        CHECK (status IN ('running', 'ok', 'deferred', 'failed', 'skipped')),
    CONSTRAINT partition_maintenance_runs_finished_check
        CHECK ((status = 'running') = (finished_at IS NULL) AND finished_at >= started_at),
    CONSTRAINT partition_maintenance_runs_error_check CHECK (status <> 'failed' OR error IS NOT NULL)
);

-- Latest runs first (status, last success, metrics).
CREATE INDEX partition_maintenance_runs_started_at_idx ON partition_maintenance_runs (started_at);

COMMENT ON TABLE partition_maintenance_runs IS
    'Log of partition maintenance runs (creation and retention), one row per run. A run may insert '
    'its row as running and finish it, or insert it once finished.';
COMMENT ON COLUMN partition_maintenance_runs.id IS 'Row id (identity).';
COMMENT ON COLUMN partition_maintenance_runs.started_at IS 'When the run started.';
COMMENT ON COLUMN partition_maintenance_runs.finished_at IS 'When the run ended; NULL exactly while status is running.';
COMMENT ON COLUMN partition_maintenance_runs.status IS
    'running (in progress), ok (all steps done), deferred (some DDL gave up on its lock timeout and '
    'will be retried), failed (error set), skipped (another maintainer held the lock).';
COMMENT ON COLUMN partition_maintenance_runs.triggered_by IS
    'What started the run: startup, midnight, hourly, manual, write-path, ...';
COMMENT ON COLUMN partition_maintenance_runs.partitions_created IS 'Names of the children created (count = cardinality).';
COMMENT ON COLUMN partition_maintenance_runs.partitions_retired IS 'Names of the children detached or dropped.';
COMMENT ON COLUMN partition_maintenance_runs.steps_deferred IS
    'Steps postponed because a lock was not granted within lock_timeout, e.g. create odds_history_2025_07_18.';
COMMENT ON COLUMN partition_maintenance_runs.error IS 'Error message of a failed run (required when status is failed).';
COMMENT ON COLUMN partition_maintenance_runs.host IS 'Host name of the process that ran the maintenance.';
COMMENT ON COLUMN partition_maintenance_runs.pid IS 'Operating-system process id of that process.';
