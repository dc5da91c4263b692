-- 0004 ingest watermarks (UP): the observation time on the two result tables that lacked it,
-- and the odds each money-flow observation was made at.
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

-- The prices of the entrant in the same poll. Odds history stores changes only, so without these
-- an observation that repeated the price would be lost, and a poll stored late (a file, a
-- concurrent ingest) could not be fitted between the observations around it. With them the
-- change-only odds history is the same whatever order polls arrive in; the dashboard also gets
-- the prices at each point of the money-flow timeline.
ALTER TABLE money_flow_history
    ADD COLUMN fixed_win_odds numeric(10,2),
    ADD COLUMN fixed_place_odds numeric(10,2),
    ADD COLUMN pool_win_odds numeric(10,2),
    ADD COLUMN pool_place_odds numeric(10,2);

COMMENT ON COLUMN money_flow_history.fixed_win_odds IS
    'Decimal fixed-win price of the entrant in the same poll: runners[].odds.fixed_win.';
COMMENT ON COLUMN money_flow_history.fixed_place_odds IS
    'Decimal fixed-place price of the entrant in the same poll: runners[].odds.fixed_place.';
COMMENT ON COLUMN money_flow_history.pool_win_odds IS
    'Decimal tote win price of the entrant in the same poll: runners[].odds.pool_win.';
COMMENT ON COLUMN money_flow_history.pool_place_odds IS
    'Decimal tote place price of the entrant in the same poll: runners[].odds.pool_place.';
