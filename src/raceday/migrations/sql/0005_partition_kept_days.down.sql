-- 0005 partition kept days (DOWN): undoes 0005_partition_kept_days.up.sql. Retention will again
-- retire every day older than the retention period, kept or not.

DROP TABLE partition_kept_days;
