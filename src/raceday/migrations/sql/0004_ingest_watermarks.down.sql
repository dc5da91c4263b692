-- 0004 ingest watermarks (DOWN): undoes 0004_ingest_watermarks.up.sql.

ALTER TABLE race_dividends DROP COLUMN api_generated_time;
ALTER TABLE race_result_positions DROP COLUMN api_generated_time;
