-- 0004 ingest watermarks (DOWN): undoes 0004_ingest_watermarks.up.sql.

ALTER TABLE money_flow_history
    DROP COLUMN pool_place_odds,
    DROP COLUMN pool_win_odds,
    DROP COLUMN fixed_place_odds,
    DROP COLUMN fixed_win_odds;

COMMENT ON COLUMN races.last_polled_at IS
    'Observation bookkeeping: raceday clock time when a payload containing this race was last '
    'received (poll or file ingest), written on every receipt even when nothing changed.';
COMMENT ON COLUMN meetings.last_polled_at IS
    'Observation bookkeeping: raceday clock time when a payload containing this meeting was last '
    'received (poll or file ingest), written on every receipt even when nothing changed.';

ALTER TABLE race_dividends DROP COLUMN api_generated_time;
ALTER TABLE race_result_positions DROP COLUMN api_generated_time;
