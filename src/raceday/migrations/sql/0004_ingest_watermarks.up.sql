-- 0004 ingest watermarks (UP): the observation time on the two result tables that lacked it.
--
-- The writer applies a payload to a current-state row only when the payload is not older than the
-- observation that last wrote the row (`api_generated_time`), so replaying an old file after a
-- newer poll cannot roll a row back. race_result_positions and race_dividends had no such column;
-- without it an Interim result replayed after the Final one would overwrite it.

ALTER TABLE race_result_positions ADD COLUMN api_generated_time timestamptz;
ALTER TABLE race_dividends ADD COLUMN api_generated_time timestamptz;

COMMENT ON COLUMN race_result_positions.api_generated_time IS
    'Observation bookkeeping: header.generated_time (UTC instant) of the last payload that wrote this row.';
COMMENT ON COLUMN race_dividends.api_generated_time IS
    'Observation bookkeeping: header.generated_time (UTC instant) of the last payload that wrote this row.';

-- last_polled_at is an observation time, like api_generated_time, so replaying a file changes
-- nothing: the newest header.generated_time among the payloads that contained the row.
COMMENT ON COLUMN meetings.last_polled_at IS
    'Observation bookkeeping: header.generated_time (UTC instant) of the newest payload that '
    'contained this meeting (poll or file ingest); it only moves forward.';
COMMENT ON COLUMN races.last_polled_at IS
    'Observation bookkeeping: header.generated_time (UTC instant) of the newest payload that '
    'contained this race (poll or file ingest); it only moves forward.';
