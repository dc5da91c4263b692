-- 0002 history tables (DOWN): undoes 0002_history_tables.up.sql exactly, in reverse order.
-- Dropping a partitioned parent also drops every attached child partition. Children that were
-- detached and kept by retention are ordinary tables; removing them belongs to the migration
-- that installs the partition DDL, which is rolled back before this one.
-- No IF EXISTS: a DOWN that finds the schema in an unexpected state must fail loudly.

DROP TABLE partition_maintenance_runs;
DROP TABLE partition_quarantine;
DROP TABLE partition_config;
DROP TABLE money_flow_history;
DROP TABLE odds_history;
