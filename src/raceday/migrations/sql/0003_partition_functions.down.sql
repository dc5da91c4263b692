-- 0003 partition functions (DOWN): undoes 0003_partition_functions.up.sql, in reverse order.
-- Retired partitions kept by retention live in partition_archive; they go with the schema.

DROP FUNCTION create_daily_partitions(date);
DROP FUNCTION create_daily_partition(text, date);
DROP FUNCTION raceday_partition_bounds(text, date);
DROP SCHEMA partition_archive CASCADE;
