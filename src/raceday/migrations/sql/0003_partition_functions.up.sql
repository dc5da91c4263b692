-- Partition DDL, in one place: raceday_partition_bounds() computes a racing day's instants in the
-- parent's configured zone, create_daily_partition() makes one child the lock-friendly way, and
-- create_daily_partitions() does every configured parent. Usable from psql or pg_cron.

create schema partition_archive;
comment on schema partition_archive is
  'Retired history partitions kept as plain tables when keep_detached is set (RACEDAY_KEEP_DETACHED).';

create function raceday_partition_bounds(p_parent text, p_day date,
                                         out lower_bound timestamptz, out upper_bound timestamptz)
language plpgsql stable strict
as $$
declare
  v_zone text;
begin
  select c.time_zone into v_zone from partition_config c where c.parent_table = p_parent;
  if v_zone is null then
    raise exception 'table % is not a configured partitioned parent', p_parent
      using errcode = 'undefined_object', hint = 'see the partition_config table';
  end if;
  -- timestamp AT TIME ZONE zone gives the instant of that local wall time: independent of the
  -- session TimeZone, and 23 or 25 hours apart on the days daylight saving starts or ends.
  lower_bound := p_day::timestamp at time zone v_zone;
  upper_bound := (p_day + 1)::timestamp at time zone v_zone;
end;
$$;
comment on function raceday_partition_bounds(text, date) is
  'The instants [day 00:00, day+1 00:00) of a racing day in the parent''s configured zone.';

create function create_daily_partition(p_parent text, p_day date) returns text
language plpgsql volatile strict
as $$
declare
  v_name   text := p_parent || '_' || to_char(p_day, 'YYYY_MM_DD');
  v_lower  timestamptz;
  v_upper  timestamptz;
  v_lo_lit text;
  v_up_lit text;
  v_expect text;
  v_rel    oid;
  v_bound  text;
  v_parent oid;
  v_pending boolean;
begin
  select b.lower_bound, b.upper_bound into v_lower, v_upper from raceday_partition_bounds(p_parent, p_day) b;
  -- Bounds are written in UTC with an explicit offset: no outcome depends on the session zone.
  v_lo_lit := to_char(v_lower at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00';
  v_up_lit := to_char(v_upper at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00';
  v_parent := to_regclass(quote_ident(p_parent));

  -- Unless the caller chose a limit, never queue behind a long lock (and writers behind us).
  if current_setting('lock_timeout') = '0' then
    perform set_config('lock_timeout', '2s', true);
  end if;
  -- One creator per child at a time, even from psql or pg_cron; taken before any DDL lock.
  perform pg_advisory_xact_lock(1919115620, hashtext(v_name));

  v_rel := to_regclass(quote_ident(v_name));
  if v_rel is not null then
    select pg_get_expr(c.relpartbound, c.oid), i.inhdetachpending into v_bound, v_pending
      from pg_class c join pg_inherits i on i.inhrelid = c.oid
     where c.oid = v_rel and i.inhparent = v_parent;
    if v_pending then
      -- An interrupted DETACH ... CONCURRENTLY: the child no longer receives rows.
      raise exception 'partition % of % is pending detach and receives no rows', v_name, p_parent
        using errcode = 'object_not_in_prerequisite_state',
              hint = format('finish it with ALTER TABLE %I DETACH PARTITION %I FINALIZE, then retry', p_parent, v_name);
    end if;
    if v_bound is null then
      raise exception 'table % exists but is not a partition of %', v_name, p_parent
        using errcode = 'duplicate_table',
              hint = 'inspect it; attach it with the right bounds or rename it, then retry';
    end if;
    -- Compare as instants, whatever zone the catalog text was rendered in.
    if v_bound <> format('FOR VALUES FROM (%L) TO (%L)', v_lower::text, v_upper::text) then
      raise exception 'partition % has bounds % but racing day % needs [%, %)',
        v_name, v_bound, p_day, v_lo_lit, v_up_lit
        using errcode = 'invalid_object_definition',
              hint = 'run raceday partitions verify; detach and recreate the partition';
    end if;
    return 'exists';
  end if;

  -- CREATE + CHECK + ATTACH takes only SHARE UPDATE EXCLUSIVE on the parent (writers keep
  -- going); CREATE TABLE ... PARTITION OF would take ACCESS EXCLUSIVE.
  execute format('create table %I (like %I including defaults including constraints including storage including comments including generated)',
                 v_name, p_parent);
  execute format('alter table %I add constraint %I check (event_timestamp >= %L and event_timestamp < %L)',
                 v_name, v_name || '_bounds', v_lo_lit, v_up_lit);
  execute format('alter table %I attach partition %I for values from (%L) to (%L)',
                 p_parent, v_name, v_lo_lit, v_up_lit);
  -- The partition constraint now says the same; the CHECK only spared ATTACH its scan.
  execute format('alter table %I drop constraint %I', v_name, v_name || '_bounds');
  execute format('comment on table %I is %L', v_name,
                 format('raceday partition of %s for racing day %s [%s, %s)', p_parent, to_char(p_day, 'YYYY-MM-DD'), v_lo_lit, v_up_lit));
  return 'created';
end;
$$;
comment on function create_daily_partition(text, date) is
  'Create (or confirm) the partition of one parent for one racing day; an existing same-named table with other bounds, or not attached, is an error. Returns created or exists.';

create function create_daily_partitions(p_day date)
returns table (parent_table text, partition_name text, action text)
language plpgsql volatile strict
as $$
declare
  v_parent text;
begin
  for v_parent in select c.parent_table from partition_config c order by c.parent_table loop
    parent_table := v_parent;
    partition_name := v_parent || '_' || to_char(p_day, 'YYYY_MM_DD');
    action := create_daily_partition(v_parent, p_day);
    return next;
  end loop;
end;
$$;
comment on function create_daily_partitions(date) is
  'Create (or confirm) the partitions of every configured parent for one racing day, e.g. select * from create_daily_partitions(current_date + 1).';
