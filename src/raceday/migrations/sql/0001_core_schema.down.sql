-- 0001 core schema (DOWN): undoes 0001_core_schema.up.sql exactly, in reverse order.
-- Dropping a table also drops its indexes, constraints, triggers, comments and seeded rows.
-- No IF EXISTS: a DOWN that finds the schema in an unexpected state must fail loudly.

DROP TABLE user_alert_configs;
DROP TABLE race_dividends;
DROP TABLE race_result_positions;
DROP TABLE race_results;
DROP VIEW race_pool_totals;
DROP TABLE race_pools;
DROP TABLE entrants;
DROP TABLE races;
DROP TABLE meetings;
DROP FUNCTION raceday_track_race_status();
DROP FUNCTION raceday_set_updated_at();
