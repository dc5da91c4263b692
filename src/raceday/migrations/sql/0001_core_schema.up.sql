-- 0001 core schema (UP): meetings, races, entrants, race_pools, race results and dividends,
-- user_alert_configs, plus the shared trigger functions.
--
-- House rules for this file (see docs/schema.md):
--   * plain SQL runnable with psql; no transaction control here (the runner wraps the revision);
--   * CREATE without IF NOT EXISTS: migrations are versioned, a re-run must fail loudly;
--   * every constraint is named so that tests and error handling can refer to it;
--   * units: money in DOLLARS numeric(12,2), percentages 0 to 100 numeric(5,2), odds as decimal
--     prices numeric(10,2), distances in metres, weights in kilograms, every instant timestamptz,
--     NZ racing dates as date;
--   * ids are the NZTAB uuids stored as uuid (the API always sends canonical uuids; ids that
--     point nowhere, e.g. in money_tracker or data.mover, are dropped by the parser, not stored);
--   * free-text fields the API sends as "" are stored as NULL by the transform.

-- ---------------------------------------------------------------------------------------------
-- Shared trigger functions
-- ---------------------------------------------------------------------------------------------

CREATE FUNCTION raceday_set_updated_at() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION raceday_set_updated_at() IS
    'BEFORE UPDATE row trigger shared by every table with an updated_at column: sets updated_at to '
    'the transaction time, so no writer has to remember it.';

CREATE FUNCTION raceday_track_race_status() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    observed timestamptz := coalesce(NEW.api_generated_time, now());
BEGIN
    -- Values a writer sets explicitly win; the trigger only fills what the writer left alone.
    IF TG_OP = 'INSERT' THEN
        NEW.last_status_change_at := coalesce(NEW.last_status_change_at, observed);
        IF NEW.status = 'Final' THEN
            NEW.finalized_at := coalesce(NEW.finalized_at, NEW.last_status_change_at);
        ELSIF NEW.status = 'Abandoned' THEN
            NEW.abandoned_at := coalesce(NEW.abandoned_at, NEW.last_status_change_at);
        END IF;
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NEW.last_status_change_at IS NOT DISTINCT FROM OLD.last_status_change_at THEN
            NEW.last_status_change_at := observed;
        END IF;
        IF NEW.status = 'Final' AND NEW.finalized_at IS NOT DISTINCT FROM OLD.finalized_at THEN
            NEW.finalized_at := NEW.last_status_change_at;
        ELSIF NEW.status = 'Abandoned' AND NEW.abandoned_at IS NOT DISTINCT FROM OLD.abandoned_at THEN
            NEW.abandoned_at := NEW.last_status_change_at;
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION raceday_track_race_status() IS
    'BEFORE INSERT OR UPDATE row trigger on races: when a race is first stored or its status '
    'changes, stamps last_status_change_at (and finalized_at on a change into Final, abandoned_at '
    'on a change into Abandoned) with the api_generated_time of the payload that carried the new '
    'status (now() when that is NULL). Explicitly written values are kept.';

-- ---------------------------------------------------------------------------------------------
-- meetings
-- ---------------------------------------------------------------------------------------------

CREATE TABLE meetings (
    meeting_id                  uuid        NOT NULL,
    meeting_name                text        NOT NULL,
    meeting_date                date        NOT NULL,
    country                     text        NOT NULL,
    state                       text,
    category                    text        NOT NULL,
    category_name               text,
    track_condition             text,
    tote_status                 text,
    tote_meeting_number         integer,
    tote_raceday_date           date,
    video_channels              text[],
    quaddie_race_numbers        integer[],
    early_quaddie_race_numbers  integer[],
    api_generated_time          timestamptz,
    last_polled_at              timestamptz,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT meetings_pkey PRIMARY KEY (meeting_id),
    CONSTRAINT meetings_meeting_name_check CHECK (meeting_name <> ''),
    CONSTRAINT meetings_category_check CHECK (category IN ('T', 'H', 'G')),
    CONSTRAINT meetings_tote_status_check CHECK (tote_status IN ('Open', 'Closed')),
    CONSTRAINT meetings_tote_meeting_number_check CHECK (tote_meeting_number >= 0)
);

CREATE INDEX meetings_meeting_date_category_idx ON meetings (meeting_date, category);

CREATE TRIGGER meetings_set_updated_at
    BEFORE UPDATE ON meetings
    FOR EACH ROW EXECUTE FUNCTION raceday_set_updated_at();

COMMENT ON TABLE meetings IS
    'One row per NZTAB race meeting (a venue on one NZ racing day). Filled from the meetings list '
    '(GET /racing/meetings, data.meetings[]), the meeting detail endpoint, or, when only a race '
    'event was fetched, from its data.race fields.';
COMMENT ON COLUMN meetings.meeting_id IS
    'NZTAB meeting uuid: meetings[].meeting (list/detail) or data.race.meeting_id (race event).';
COMMENT ON COLUMN meetings.meeting_name IS
    'Meeting (venue) name: meetings[].name or data.race.meeting_name. Not unique across meetings.';
COMMENT ON COLUMN meetings.meeting_date IS
    'NZ racing day of the meeting (Pacific/Auckland calendar date): the date part of meetings[].date '
    '(a date dressed as UTC midnight, not an instant) or data.race.race_date_nz.';
COMMENT ON COLUMN meetings.country IS
    'Country code as NZTAB spells it (NZ, AUS, UK, IRE, USA, FR, ... - not ISO 3166): '
    'meetings[].country or data.race.country.';
COMMENT ON COLUMN meetings.state IS
    'State or region code (NSW, VIC, NZ, GBR, ...): meetings[].state or data.race.state.';
COMMENT ON COLUMN meetings.category IS
    'Racing code: T thoroughbred, H harness, G greyhound. meetings[].category or data.race.type.';
COMMENT ON COLUMN meetings.category_name IS
    'Human name of the category, e.g. Thoroughbred Horse Racing: meetings[].category_name.';
COMMENT ON COLUMN meetings.track_condition IS
    'Meeting-level track condition as sent (free text: Good, Soft5, Synthetic, ...): '
    'meetings[].track_condition.';
COMMENT ON COLUMN meetings.tote_status IS
    'NZ tote status of the meeting, Open or Closed; NULL when NZTAB runs no NZ tote on it: '
    'meetings[].tote_status (optional key).';
COMMENT ON COLUMN meetings.tote_meeting_number IS
    'NZ tote meeting number: meetings[].tote_meeting_number (optional key).';
COMMENT ON COLUMN meetings.tote_raceday_date IS
    'NZ tote raceday date (NZ calendar date; can differ from meeting_date): '
    'meetings[].tote_raceday_date (optional key).';
COMMENT ON COLUMN meetings.video_channels IS
    'Video channels showing the meeting, e.g. {Trackside1,Trackside2}: meetings[].video_channels.';
COMMENT ON COLUMN meetings.quaddie_race_numbers IS
    'Race numbers of the Quadrella legs: meetings[].quaddie (optional key).';
COMMENT ON COLUMN meetings.early_quaddie_race_numbers IS
    'Race numbers of the Early Quadrella legs: meetings[].early_quaddie (optional key).';
COMMENT ON COLUMN meetings.api_generated_time IS
    'Observation bookkeeping: header.generated_time (UTC instant) of the last payload that wrote '
    'this row.';
COMMENT ON COLUMN meetings.last_polled_at IS
    'Observation bookkeeping: raceday clock time when a payload containing this meeting was last '
    'received (poll or file ingest), written on every receipt even when nothing changed.';
COMMENT ON COLUMN meetings.created_at IS 'When raceday first stored the row (transaction time).';
COMMENT ON COLUMN meetings.updated_at IS
    'When the row was last updated; maintained by trigger meetings_set_updated_at.';

-- ---------------------------------------------------------------------------------------------
-- races
-- ---------------------------------------------------------------------------------------------

CREATE TABLE races (
    race_id                 uuid        NOT NULL,
    meeting_id              uuid        NOT NULL,
    race_number             integer     NOT NULL,
    name                    text        NOT NULL,
    status                  text        NOT NULL,
    race_date_nz            date        NOT NULL,
    start_time              timestamptz NOT NULL,
    start_time_nz           time        GENERATED ALWAYS AS ((start_time AT TIME ZONE 'Pacific/Auckland')::time) STORED,
    actual_start            timestamptz,
    distance                integer,
    race_class              text,
    race_group              text,
    track_condition         text,
    track_surface           text,
    track_direction         text,
    track_circumference     integer,
    track_home_straight     integer,
    rail_position           text,
    weather                 text,
    start_type              text,
    gait                    text,
    total_prize_money       numeric(12,2),
    prize_monies            jsonb,
    entrant_count           integer,
    field_size              integer,
    positions_paid          integer,
    silk_url                text,
    silk_base_url           text,
    video_channels          text[],
    video_channels_meta     jsonb,
    comment                 text,
    protest                 boolean     NOT NULL DEFAULT false,
    protest_reason          text,
    api_generated_time      timestamptz,
    last_polled_at          timestamptz,
    last_status_change_at   timestamptz,
    finalized_at            timestamptz,
    abandoned_at            timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT races_pkey PRIMARY KEY (race_id),
    CONSTRAINT races_meeting_id_fkey FOREIGN KEY (meeting_id)
        REFERENCES meetings (meeting_id) ON DELETE CASCADE,
    CONSTRAINT races_status_check
        CHECK (status IN ('Open', 'Closed', 'Interim', 'Final', 'Abandoned')),
    CONSTRAINT races_race_number_check CHECK (race_number >= 0),
    CONSTRAINT races_name_check CHECK (name <> ''),
    CONSTRAINT races_distance_check CHECK (distance >= 0),
    CONSTRAINT races_track_dimensions_check
        CHECK (track_circumference >= 0 AND track_home_straight >= 0),
    CONSTRAINT races_total_prize_money_check CHECK (total_prize_money >= 0),
    CONSTRAINT races_field_counts_check
        CHECK (entrant_count >= 0 AND field_size >= 0 AND positions_paid >= 0),
    CONSTRAINT races_prize_monies_check CHECK (jsonb_typeof(prize_monies) = 'object'),
    CONSTRAINT races_video_channels_meta_check CHECK (jsonb_typeof(video_channels_meta) = 'object')
);

-- Races of a meeting in card order; also serves the ON DELETE CASCADE from meetings.
CREATE INDEX races_meeting_id_race_number_idx ON races (meeting_id, race_number);
-- Races of an NZ racing day in start order (day views, evening backfill, navigation).
CREATE INDEX races_race_date_nz_start_time_idx ON races (race_date_nz, start_time);
-- Races still to poll (scheduler, upcoming window): only not-yet-settled statuses.
CREATE INDEX races_open_start_time_idx ON races (start_time)
    WHERE status IN ('Open', 'Closed', 'Interim');

CREATE TRIGGER races_set_updated_at
    BEFORE UPDATE ON races
    FOR EACH ROW EXECUTE FUNCTION raceday_set_updated_at();

CREATE TRIGGER races_track_status
    BEFORE INSERT OR UPDATE ON races
    FOR EACH ROW EXECUTE FUNCTION raceday_track_race_status();

COMMENT ON TABLE races IS
    'One row per race (NZTAB event). Filled from the race event (GET /racing/events/{id}, '
    'data.race), the meetings list (meetings[].races[]) and the races list (data.races[]). '
    'Deleting a meeting deletes its races (ON DELETE CASCADE): a race cannot outlive its card.';
COMMENT ON COLUMN races.race_id IS
    'NZTAB race (event) uuid: data.race.event_id, meetings[].races[].id or data.races[].id.';
COMMENT ON COLUMN races.meeting_id IS
    'Meeting of the race: data.race.meeting_id, the enclosing meetings[].meeting, or '
    'data.races[].meeting_id. FK to meetings, ON DELETE CASCADE.';
COMMENT ON COLUMN races.race_number IS
    'Race number on the card (1..; 0 only for futures pseudo-races): data.race.race_number, '
    'meetings[].races[].race_number or data.races[].number.';
COMMENT ON COLUMN races.name IS
    'Race name, e.g. PRYDA HANDICAP 1700: data.race.description, meetings[].races[].name or '
    'data.races[].name.';
COMMENT ON COLUMN races.status IS
    'Race status exactly as NZTAB spells it: Open, Closed (betting shut), Interim (provisional '
    'result), Final, Abandoned. data.race.status or meetings[].races[].status.';
COMMENT ON COLUMN races.race_date_nz IS
    'NZ racing day the race belongs to (Pacific/Auckland date; a foreign race may start after NZ '
    'midnight and still belong to the previous day): data.race.race_date_nz, or the meeting date '
    'for races from the meetings list.';
COMMENT ON COLUMN races.start_time IS
    'Advertised start instant: data.race.advertised_start (epoch seconds, UTC), '
    'meetings[].races[].start_time or data.races[].advertised_start (RFC 3339 UTC). The single '
    'source of truth for the start; NZ local wall time is derived from it (start_time_nz).';
COMMENT ON COLUMN races.start_time_nz IS
    'Generated (do not write): NZ local wall-clock time of start_time in Pacific/Auckland. Equals '
    'the clock part of data.race.start_time_nz ("12:50:00 NZST"); the NZST/NZDT abbreviation is '
    'not stored because start_time carries the exact instant. Its date may be race_date_nz + 1 for '
    'races after NZ midnight.';
COMMENT ON COLUMN races.actual_start IS
    'Actual jump instant: data.race.actual_start (epoch seconds, UTC) or data.races[].actual_start '
    '(RFC 3339). NULL until the race has started.';
COMMENT ON COLUMN races.distance IS
    'Race distance in metres: data.race.distance or meetings[].races[].distance.';
COMMENT ON COLUMN races.race_class IS 'Race class, e.g. Rating 60 HCP: data.race.class.';
COMMENT ON COLUMN races.race_group IS 'Group/Listed status of the race, e.g. Group 1: data.race.group.';
COMMENT ON COLUMN races.track_condition IS
    'Track condition as sent (free text, e.g. Good4, Synthetic): data.race.track_condition or '
    'meetings[].races[].track_condition.';
COMMENT ON COLUMN races.track_surface IS 'Track surface, e.g. Synthetic, Turf: data.race.track_surface.';
COMMENT ON COLUMN races.track_direction IS 'Direction of running, e.g. Left: data.race.track_direction.';
COMMENT ON COLUMN races.track_circumference IS 'Track circumference in metres: data.race.track_circumference.';
COMMENT ON COLUMN races.track_home_straight IS 'Home straight length in metres: data.race.track_home_straight.';
COMMENT ON COLUMN races.rail_position IS
    'Rail position and track notes as sent, e.g. True | No Rain Last 24 Hours: data.race.rail_position.';
COMMENT ON COLUMN races.weather IS
    'Weather as sent (free text, inconsistent case: FINE, Overcast, SHWRY, ...): data.race.weather '
    'or meetings[].races[].weather.';
COMMENT ON COLUMN races.start_type IS
    'Harness start type (mobile or standing); NULL for gallops: data.race.start_type.';
COMMENT ON COLUMN races.gait IS 'Harness gait (trot or pace); NULL for gallops: data.race.gait.';
COMMENT ON COLUMN races.total_prize_money IS
    'Total prize money in DOLLARS: data.race.prize_monies.total_value.';
COMMENT ON COLUMN races.prize_monies IS
    'Prize money breakdown in DOLLARS as sent, keyed 1st..10th plus total_value: data.race.prize_monies.';
COMMENT ON COLUMN races.entrant_count IS 'Number of entrants (runners incl. emergencies): data.race.entrant_count.';
COMMENT ON COLUMN races.field_size IS 'Field size (starters): data.race.field_size.';
COMMENT ON COLUMN races.positions_paid IS 'Number of placings the Place pool pays (2 or 3): data.race.positions_paid.';
COMMENT ON COLUMN races.silk_url IS
    'URL of the silks sprite for the whole field: data.race.silk_url or data.races[].silk_url.';
COMMENT ON COLUMN races.silk_base_url IS
    'Silks CDN host without scheme, e.g. drr38safykj6s.cloudfront.net: data.race.silk_base_url.';
COMMENT ON COLUMN races.video_channels IS 'Video channels showing the race: data.race.video_channels.';
COMMENT ON COLUMN races.video_channels_meta IS
    'Per-channel broadcast metadata as sent (venue, UtcRaceStartTime, ...): data.race.video_channels_meta.';
COMMENT ON COLUMN races.comment IS 'Race preview text: data.race.comment.';
COMMENT ON COLUMN races.protest IS
    'True once NZTAB has reported a protest or disqualification on the race: '
    'meetings[].races[].protest (the key is only ever sent as true; absent means false).';
COMMENT ON COLUMN races.protest_reason IS
    'Protest outcome text, e.g. Protest UPHELD 2nd (#4) vs 1st (#3): meetings[].races[].protest_reason.';
COMMENT ON COLUMN races.api_generated_time IS
    'Observation bookkeeping: header.generated_time (UTC instant) of the last payload that wrote this row.';
COMMENT ON COLUMN races.last_polled_at IS
    'Observation bookkeeping: raceday clock time when a payload containing this race was last '
    'received (poll or file ingest), written on every receipt even when nothing changed.';
COMMENT ON COLUMN races.last_status_change_at IS
    'Maintained by trigger races_track_status: api_generated_time of the payload in which the '
    'current status was first seen (an upper bound of the real change time).';
COMMENT ON COLUMN races.finalized_at IS
    'Maintained by trigger races_track_status: when the status was last seen changing into Final.';
COMMENT ON COLUMN races.abandoned_at IS
    'Maintained by trigger races_track_status: when the status was last seen changing into Abandoned.';
COMMENT ON COLUMN races.created_at IS 'When raceday first stored the row (transaction time).';
COMMENT ON COLUMN races.updated_at IS
    'When the row was last updated; maintained by trigger races_set_updated_at.';

-- ---------------------------------------------------------------------------------------------
-- entrants
-- ---------------------------------------------------------------------------------------------

CREATE TABLE entrants (
    entrant_id              uuid        NOT NULL,
    race_id                 uuid        NOT NULL,
    name                    text        NOT NULL,
    runner_number           integer     NOT NULL,
    barrier                 integer,
    is_scratched            boolean     NOT NULL DEFAULT false,
    is_late_scratched       boolean     NOT NULL DEFAULT false,
    scratch_time            timestamptz,
    is_emergency            boolean     NOT NULL DEFAULT false,
    emergency_position      text,
    first_start_indicator   boolean     NOT NULL DEFAULT false,
    fixed_win_odds          numeric(10,2),
    fixed_place_odds        numeric(10,2),
    pool_win_odds           numeric(10,2),
    pool_place_odds         numeric(10,2),
    favourite               boolean     NOT NULL DEFAULT false,
    mover                   boolean     NOT NULL DEFAULT false,
    hold_percentage         numeric(5,2),
    bet_percentage          numeric(5,2),
    jockey                  text,
    apprentice_indicator    text,
    allowance_weight        numeric(5,2),
    weight_allocated        numeric(5,2),
    weight_total            numeric(5,2),
    trainer_name            text,
    trainer_location        text,
    silk_colours            text,
    silk_url_64x64          text,
    silk_url_128x128        text,
    age                     integer,
    sex                     text,
    colour                  text,
    gear                    text,
    last_twenty_starts      text,
    form_indicators         jsonb,
    speedmap                jsonb,
    last_starts             jsonb,
    form_stats              jsonb,
    flucs                   jsonb,
    runner_change           jsonb,
    api_generated_time      timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT entrants_pkey PRIMARY KEY (entrant_id),
    CONSTRAINT entrants_race_id_fkey FOREIGN KEY (race_id)
        REFERENCES races (race_id) ON DELETE CASCADE,
    CONSTRAINT entrants_name_check CHECK (name <> ''),
    CONSTRAINT entrants_runner_number_check CHECK (runner_number >= 1),
    CONSTRAINT entrants_barrier_check CHECK (barrier >= 0),
    CONSTRAINT entrants_fixed_win_odds_check CHECK (fixed_win_odds >= 0),
    CONSTRAINT entrants_fixed_place_odds_check CHECK (fixed_place_odds >= 0),
    CONSTRAINT entrants_pool_win_odds_check CHECK (pool_win_odds >= 0),
    CONSTRAINT entrants_pool_place_odds_check CHECK (pool_place_odds >= 0),
    CONSTRAINT entrants_hold_percentage_check CHECK (hold_percentage BETWEEN 0 AND 100),
    CONSTRAINT entrants_bet_percentage_check CHECK (bet_percentage BETWEEN 0 AND 100),
    CONSTRAINT entrants_weights_check
        CHECK (allowance_weight >= 0 AND weight_allocated >= 0 AND weight_total >= 0),
    CONSTRAINT entrants_age_check CHECK (age BETWEEN 0 AND 40),
    CONSTRAINT entrants_form_indicators_check CHECK (jsonb_typeof(form_indicators) = 'array'),
    CONSTRAINT entrants_speedmap_check CHECK (jsonb_typeof(speedmap) = 'object'),
    CONSTRAINT entrants_last_starts_check CHECK (jsonb_typeof(last_starts) = 'array'),
    CONSTRAINT entrants_form_stats_check CHECK (jsonb_typeof(form_stats) = 'object'),
    CONSTRAINT entrants_flucs_check CHECK (jsonb_typeof(flucs) = 'object'),
    CONSTRAINT entrants_runner_change_check CHECK (jsonb_typeof(runner_change) = 'object')
);

-- All entrants of a race (scratched included); also serves the ON DELETE CASCADE from races.
CREATE INDEX entrants_race_id_idx ON entrants (race_id);
-- The active field of a race in runner order (the dashboard's main grid).
CREATE INDEX entrants_active_race_id_runner_number_idx ON entrants (race_id, runner_number)
    WHERE NOT is_scratched;

CREATE TRIGGER entrants_set_updated_at
    BEFORE UPDATE ON entrants
    FOR EACH ROW EXECUTE FUNCTION raceday_set_updated_at();

COMMENT ON TABLE entrants IS
    'One row per runner of a race, holding its latest observed state (odds, flags, money tracker '
    'shares). Filled from the race event data.runners[] (data.entrants[] accepted as an alias) and '
    'data.money_tracker. The data.favourite and data.mover objects are not used: their ids can '
    'point nowhere; runners[].favourite and runners[].mover carry the same flags. Deleting a race '
    'deletes its entrants (ON DELETE CASCADE).';
COMMENT ON COLUMN entrants.entrant_id IS 'NZTAB entrant uuid: runners[].entrant_id.';
COMMENT ON COLUMN entrants.race_id IS 'Race of the entrant (data.race.event_id). FK to races, ON DELETE CASCADE.';
COMMENT ON COLUMN entrants.name IS 'Runner name (Title Case): runners[].name.';
COMMENT ON COLUMN entrants.runner_number IS 'Saddlecloth / box number: runners[].runner_number.';
COMMENT ON COLUMN entrants.barrier IS 'Barrier (gate) number: runners[].barrier.';
COMMENT ON COLUMN entrants.is_scratched IS 'Scratched: runners[].is_scratched (missing means false).';
COMMENT ON COLUMN entrants.is_late_scratched IS
    'Late scratching (after final fields, refunds may go to the tote substitute): runners[].is_late_scratched.';
COMMENT ON COLUMN entrants.scratch_time IS
    'Instant of the scratching (or late scratching, when is_late_scratched): runners[].scratch_time, '
    'epoch seconds UTC, 0 meaning not scratched is stored as NULL.';
COMMENT ON COLUMN entrants.is_emergency IS 'Runner is an emergency (reserve): runners[].is_emergency.';
COMMENT ON COLUMN entrants.emergency_position IS 'Emergency order as sent: runners[].emergency_position.';
COMMENT ON COLUMN entrants.first_start_indicator IS 'First-starter flag: runners[].first_start_indicator.';
COMMENT ON COLUMN entrants.fixed_win_odds IS
    'Latest fixed-odds Win price, decimal odds (return per 1 dollar incl. stake): runners[].odds.fixed_win. '
    '0 is allowed (the API sends 0 for a price not offered).';
COMMENT ON COLUMN entrants.fixed_place_odds IS 'Latest fixed-odds Place price, decimal odds: runners[].odds.fixed_place.';
COMMENT ON COLUMN entrants.pool_win_odds IS
    'Latest tote Win approximate dividend, decimal odds per 1 dollar: runners[].odds.pool_win (optional key).';
COMMENT ON COLUMN entrants.pool_place_odds IS
    'Latest tote Place approximate dividend, decimal odds per 1 dollar: runners[].odds.pool_place (optional key).';
COMMENT ON COLUMN entrants.favourite IS 'NZTAB favourite flag: runners[].favourite.';
COMMENT ON COLUMN entrants.mover IS 'NZTAB market mover flag: runners[].mover (a boolean, never text).';
COMMENT ON COLUMN entrants.hold_percentage IS
    'Percent (0 to 100) of the money held on this runner: the sum of data.money_tracker.entrants[]'
    '.hold_percentage over the rows of this entrant (the rows are pieces of one distribution).';
COMMENT ON COLUMN entrants.bet_percentage IS
    'Percent (0 to 100) of bets placed on this runner: the sum of data.money_tracker.entrants[]'
    '.bet_percentage over the rows of this entrant.';
COMMENT ON COLUMN entrants.jockey IS 'Jockey (gallops) or driver (harness) name: runners[].jockey.';
COMMENT ON COLUMN entrants.apprentice_indicator IS 'A when the rider is an apprentice claiming: runners[].apprentice_indicator.';
COMMENT ON COLUMN entrants.allowance_weight IS
    'Apprentice allowance claimed, kilograms: runners[].allowance_weight (a string, "2.5").';
COMMENT ON COLUMN entrants.weight_allocated IS 'Allocated (handicap) weight, kilograms: runners[].weight.allocated (string).';
COMMENT ON COLUMN entrants.weight_total IS 'Weight carried after allowances, kilograms: runners[].weight.total (string).';
COMMENT ON COLUMN entrants.trainer_name IS 'Trainer name: runners[].trainer_name.';
COMMENT ON COLUMN entrants.trainer_location IS 'Trainer location (stable town): runners[].trainer_location.';
COMMENT ON COLUMN entrants.silk_colours IS 'Silks description: runners[].silk_colours.';
COMMENT ON COLUMN entrants.silk_url_64x64 IS 'Silks image URL, 64x64 pixels: runners[].silk_url_64x64.';
COMMENT ON COLUMN entrants.silk_url_128x128 IS 'Silks image URL, 128x128 pixels: runners[].silk_url_128x128.';
COMMENT ON COLUMN entrants.age IS 'Age in years: runners[].age.';
COMMENT ON COLUMN entrants.sex IS 'Sex code as sent (g gelding, m mare, h horse, ...): runners[].sex.';
COMMENT ON COLUMN entrants.colour IS 'Coat colour code as sent (b, br, ch, gr, ...): runners[].colour.';
COMMENT ON COLUMN entrants.gear IS 'Gear and gear changes as sent: runners[].gear.';
COMMENT ON COLUMN entrants.last_twenty_starts IS 'Recent form string, latest start last, e.g. 4776X: runners[].last_twenty_starts.';
COMMENT ON COLUMN entrants.form_indicators IS
    'Form indicators as sent, an array of {name, group, negative, priority}: runners[].form_indicators '
    '(NULL when the API sends null).';
COMMENT ON COLUMN entrants.speedmap IS
    'Speed map position as sent, {settling_lengths, entrant_id, label}: runners[].speedmap ({} stored as NULL).';
COMMENT ON COLUMN entrants.last_starts IS
    'Previous starts as sent (array of objects, all values strings, dates DD/MM/YYYY): runners[].last_starts.';
COMMENT ON COLUMN entrants.form_stats IS
    'Career statistics, an object keyed by the API block names (overall, track, distance, '
    'track_distance, first_up ... fourth_up, good, soft, heavy, slow, firm, turf, synthetic, '
    'left_handed, right_handed, hurdle, steeple, fresh_30, fresh_90, weight_for_age, last_12_months, '
    'past_performances, jockey_past_performances, plus win_p, place_p, last_12_w, last_12_p), each '
    'copied from the same-named runners[] field.';
COMMENT ON COLUMN entrants.flucs IS
    'NZTAB fixed-win price fluctuations as sent, {open, high, low, nine_am, last_six[]} with RFC 3339 '
    'timestamps: runners[].flucs_with_timestamp. Our own price history is odds_history.';
COMMENT ON COLUMN entrants.runner_change IS
    'Career changes as sent, an object DD/MM/YYYY to text (Gelding, Stable Change ...): runners[].runner_change.';
COMMENT ON COLUMN entrants.api_generated_time IS
    'Observation bookkeeping: header.generated_time (UTC instant) of the last payload that wrote this row.';
COMMENT ON COLUMN entrants.created_at IS 'When raceday first stored the row (transaction time).';
COMMENT ON COLUMN entrants.updated_at IS
    'When the row was last updated; maintained by trigger entrants_set_updated_at.';

-- ---------------------------------------------------------------------------------------------
-- race_pools (one row per tote pool of a race) and the race_pool_totals view
-- ---------------------------------------------------------------------------------------------

CREATE TABLE race_pools (
    race_id             uuid          NOT NULL,
    product_type        text          NOT NULL,
    leg_race_numbers    integer[]     NOT NULL DEFAULT '{}',
    total               numeric(12,2) NOT NULL,
    status              text,
    guarantee           numeric(12,2),
    brought_forward     numeric(12,2),
    jackpot             numeric(12,2),
    is_final            boolean,
    is_commingled       boolean,
    is_concession       boolean,
    api_generated_time  timestamptz,
    created_at          timestamptz   NOT NULL DEFAULT now(),
    updated_at          timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT race_pools_pkey PRIMARY KEY (race_id, product_type, leg_race_numbers),
    CONSTRAINT race_pools_race_id_fkey FOREIGN KEY (race_id)
        REFERENCES races (race_id) ON DELETE CASCADE,
    CONSTRAINT race_pools_product_type_check
        CHECK (product_type <> '' AND product_type = btrim(product_type)),
    CONSTRAINT race_pools_status_check CHECK (status ~ '^[A-Z][A-Z_]*$'),
    CONSTRAINT race_pools_amounts_check
        CHECK (total >= 0 AND guarantee >= 0 AND brought_forward >= 0 AND jackpot >= 0),
    CONSTRAINT race_pools_leg_race_numbers_check CHECK (
        CASE WHEN array_ndims(leg_race_numbers) > 1 THEN false
             ELSE array_position(leg_race_numbers, NULL) IS NULL
        END)
);

CREATE TRIGGER race_pools_set_updated_at
    BEFORE UPDATE ON race_pools
    FOR EACH ROW EXECUTE FUNCTION raceday_set_updated_at();

COMMENT ON TABLE race_pools IS
    'Tote pools of a race, one row per pool as listed in the race event data.tote_pools[] '
    '(Win, Place, Quinella, Trifecta, FirstFour and multi-race pools such as Quadrella, '
    'EarlyQuadrella, RunningDouble, Treble). Amounts in DOLLARS as the API sends them, never cents. '
    'The legacy one-row-per-race shape is the view race_pool_totals. Deleting a race deletes its '
    'pools (ON DELETE CASCADE).';
COMMENT ON COLUMN race_pools.race_id IS 'Race whose payload listed the pool. FK to races, ON DELETE CASCADE.';
COMMENT ON COLUMN race_pools.product_type IS
    'Pool product exactly as sent: tote_pools[].product_type (Win, Place, Quinella, Trifecta, '
    'FirstFour, EarlyQuadrella, Quadrella, RunningDouble, Treble, ...).';
COMMENT ON COLUMN race_pools.leg_race_numbers IS
    'Race numbers of the legs of a multi-race pool (one-dimensional, no NULLs), from '
    'tote_pools[].quaddie, .early_quaddie, .tote_running_double[0] or .tote_treble[0]; empty for '
    'single-race pools. Part of the key so that two pools of one product touching the same race '
    'stay apart.';
COMMENT ON COLUMN race_pools.total IS 'Pool size in DOLLARS: tote_pools[].total.';
COMMENT ON COLUMN race_pools.status IS
    'Pool status as sent, upper case (CLOSED, ...): tote_pools[].status. Kept permissive because '
    'only CLOSED has been observed.';
COMMENT ON COLUMN race_pools.guarantee IS 'Guaranteed pool size in DOLLARS (0 when none): tote_pools[].guarantee.';
COMMENT ON COLUMN race_pools.brought_forward IS 'Jackpot carried in from earlier pools, DOLLARS: tote_pools[].brought_forward.';
COMMENT ON COLUMN race_pools.jackpot IS 'Jackpot amount in DOLLARS: tote_pools[].jackpot.';
COMMENT ON COLUMN race_pools.is_final IS
    'Pool result final flag: tote_pools[].is_final (NULL when the key is missing, as on multi-race pools).';
COMMENT ON COLUMN race_pools.is_commingled IS 'Pool commingled with another tote: tote_pools[].is_commingled.';
COMMENT ON COLUMN race_pools.is_concession IS 'Concession (partial-leg) pool: tote_pools[].is_concession.';
COMMENT ON COLUMN race_pools.api_generated_time IS
    'Observation bookkeeping: header.generated_time (UTC instant) of the last payload that wrote this row.';
COMMENT ON COLUMN race_pools.created_at IS 'When raceday first stored the row (transaction time).';
COMMENT ON COLUMN race_pools.updated_at IS
    'When the row was last updated; maintained by trigger race_pools_set_updated_at.';

CREATE VIEW race_pool_totals AS
SELECT
    race_id,
    sum(total) FILTER (WHERE product_type = 'Win')       AS win_pool_total,
    sum(total) FILTER (WHERE product_type = 'Place')     AS place_pool_total,
    sum(total) FILTER (WHERE product_type = 'Quinella')  AS quinella_pool_total,
    sum(total) FILTER (WHERE product_type = 'Trifecta')  AS trifecta_pool_total,
    sum(total) FILTER (WHERE product_type = 'Exacta')    AS exacta_pool_total,
    sum(total) FILTER (WHERE product_type = 'FirstFour') AS first4_pool_total,
    coalesce(sum(total) FILTER (WHERE cardinality(leg_race_numbers) = 0), 0) AS total_race_pool,
    count(*)                                             AS pool_count,
    max(api_generated_time)                              AS api_generated_time
FROM race_pools
GROUP BY race_id;

COMMENT ON VIEW race_pool_totals IS
    'One row per race with the per-product pool sizes in DOLLARS, pivoted from race_pools (the '
    'shape of the legacy race_pools table and of its REST endpoint).';
COMMENT ON COLUMN race_pool_totals.race_id IS 'Race.';
COMMENT ON COLUMN race_pool_totals.win_pool_total IS 'Win pool, DOLLARS; NULL when the race has no such pool.';
COMMENT ON COLUMN race_pool_totals.place_pool_total IS 'Place pool, DOLLARS; NULL when absent.';
COMMENT ON COLUMN race_pool_totals.quinella_pool_total IS 'Quinella pool, DOLLARS; NULL when absent.';
COMMENT ON COLUMN race_pool_totals.trifecta_pool_total IS 'Trifecta pool, DOLLARS; NULL when absent.';
COMMENT ON COLUMN race_pool_totals.exacta_pool_total IS 'Exacta pool, DOLLARS; NULL when absent.';
COMMENT ON COLUMN race_pool_totals.first4_pool_total IS 'First Four (FirstFour) pool, DOLLARS; NULL when absent.';
COMMENT ON COLUMN race_pool_totals.total_race_pool IS
    'Sum of the single-race pools of the race, DOLLARS (multi-race pools such as Quadrella are '
    'excluded because their money is not bet on this race alone).';
COMMENT ON COLUMN race_pool_totals.pool_count IS 'Number of pools listed for the race, multi-race pools included.';
COMMENT ON COLUMN race_pool_totals.api_generated_time IS 'Latest header.generated_time among the pool rows.';

-- ---------------------------------------------------------------------------------------------
-- race_results, race_result_positions, race_dividends
-- ---------------------------------------------------------------------------------------------

CREATE TABLE race_results (
    race_id             uuid         NOT NULL,
    result_status       text         NOT NULL,
    winning_time        numeric(8,2),
    api_generated_time  timestamptz,
    created_at          timestamptz  NOT NULL DEFAULT now(),
    updated_at          timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT race_results_pkey PRIMARY KEY (race_id),
    CONSTRAINT race_results_race_id_fkey FOREIGN KEY (race_id)
        REFERENCES races (race_id) ON DELETE CASCADE,
    CONSTRAINT race_results_result_status_check CHECK (result_status IN ('Interim', 'Final')),
    CONSTRAINT race_results_winning_time_check CHECK (winning_time > 0)
);

CREATE TRIGGER race_results_set_updated_at
    BEFORE UPDATE ON race_results
    FOR EACH ROW EXECUTE FUNCTION raceday_set_updated_at();

COMMENT ON TABLE race_results IS
    'Result header of a race, present once the race event carries data.results[] or '
    'data.dividends[]. Finishing positions are in race_result_positions, dividends in '
    'race_dividends (both cascade from here). Deleting a race deletes its result (ON DELETE CASCADE).';
COMMENT ON COLUMN race_results.race_id IS 'Race. FK to races, ON DELETE CASCADE.';
COMMENT ON COLUMN race_results.result_status IS
    'Interim or Final, as NZTAB spells it: data.race.status when it is Interim or Final, otherwise '
    'the best data.dividends[].status present (Final over Interim).';
COMMENT ON COLUMN race_results.winning_time IS
    'Winning time in seconds, e.g. 106.73: data.results[].winning_time of the position-1 row.';
COMMENT ON COLUMN race_results.api_generated_time IS
    'Observation bookkeeping: header.generated_time (UTC instant) of the last payload that wrote this row.';
COMMENT ON COLUMN race_results.created_at IS 'When raceday first stored the row (transaction time).';
COMMENT ON COLUMN race_results.updated_at IS
    'When the row was last updated; maintained by trigger race_results_set_updated_at.';

CREATE TABLE race_result_positions (
    entrant_id          uuid         NOT NULL,
    race_id             uuid         NOT NULL,
    position            integer      NOT NULL,
    margin_length       numeric(6,2),
    positional_margin   text,
    time_ran            numeric(8,2),
    created_at          timestamptz  NOT NULL DEFAULT now(),
    updated_at          timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT race_result_positions_pkey PRIMARY KEY (entrant_id),
    CONSTRAINT race_result_positions_race_id_fkey FOREIGN KEY (race_id)
        REFERENCES race_results (race_id) ON DELETE CASCADE,
    CONSTRAINT race_result_positions_entrant_id_fkey FOREIGN KEY (entrant_id)
        REFERENCES entrants (entrant_id) ON DELETE CASCADE,
    CONSTRAINT race_result_positions_position_check CHECK (position >= 1),
    CONSTRAINT race_result_positions_margin_length_check CHECK (margin_length >= 0),
    CONSTRAINT race_result_positions_time_ran_check CHECK (time_ran > 0)
);

-- Placings of a race in finishing order; also serves the ON DELETE CASCADE from race_results.
CREATE INDEX race_result_positions_race_id_position_idx ON race_result_positions (race_id, position);

CREATE TRIGGER race_result_positions_set_updated_at
    BEFORE UPDATE ON race_result_positions
    FOR EACH ROW EXECUTE FUNCTION raceday_set_updated_at();

COMMENT ON TABLE race_result_positions IS
    'Finishing positions, one row per placed entrant: data.results[]. Keyed by entrant, not by '
    'position, because a dead heat repeats a position. Runner number, name and barrier are read '
    'from entrants (not copied). Rows cascade from race_results and from entrants.';
COMMENT ON COLUMN race_result_positions.entrant_id IS
    'Placed entrant: data.results[].entrant_id (matches runners[]). FK to entrants, ON DELETE CASCADE.';
COMMENT ON COLUMN race_result_positions.race_id IS 'Race. FK to race_results, ON DELETE CASCADE.';
COMMENT ON COLUMN race_result_positions.position IS 'Finishing position, 1 = winner (repeats on a dead heat): data.results[].position.';
COMMENT ON COLUMN race_result_positions.margin_length IS
    'Cumulative margin behind the winner in lengths, e.g. 0.4: data.results[].margin_length.';
COMMENT ON COLUMN race_result_positions.positional_margin IS
    'Margin to the runner in front as text, e.g. LG NK, 1-3/4L: data.results[].positional_margin '
    '(optional key, missing for the winner).';
COMMENT ON COLUMN race_result_positions.time_ran IS
    'Time ran in seconds: data.results[].time_ran (optional key, sent on the winner row).';
COMMENT ON COLUMN race_result_positions.created_at IS 'When raceday first stored the row (transaction time).';
COMMENT ON COLUMN race_result_positions.updated_at IS
    'When the row was last updated; maintained by trigger race_result_positions_set_updated_at.';

CREATE TABLE race_dividends (
    race_id         uuid          NOT NULL,
    tote            text          NOT NULL,
    product_name    text          NOT NULL,
    description     text          NOT NULL,
    dividend_id     uuid          NOT NULL,
    status          text          NOT NULL,
    dividend        numeric(10,2) NOT NULL,
    pool_size       numeric(12,2),
    jackpot_size    numeric(12,2),
    positions       jsonb         NOT NULL DEFAULT '[]',
    created_at      timestamptz   NOT NULL DEFAULT now(),
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT race_dividends_pkey PRIMARY KEY (race_id, tote, product_name, description),
    CONSTRAINT race_dividends_race_id_fkey FOREIGN KEY (race_id)
        REFERENCES race_results (race_id) ON DELETE CASCADE,
    CONSTRAINT race_dividends_status_check CHECK (status IN ('Interim', 'Final')),
    CONSTRAINT race_dividends_amounts_check
        CHECK (dividend >= 0 AND pool_size >= 0 AND jackpot_size >= 0),
    CONSTRAINT race_dividends_positions_check CHECK (jsonb_typeof(positions) = 'array')
);

CREATE TRIGGER race_dividends_set_updated_at
    BEFORE UPDATE ON race_dividends
    FOR EACH ROW EXECUTE FUNCTION raceday_set_updated_at();

COMMENT ON TABLE race_dividends IS
    'Tote dividends of a race, deduplicated: data.dividends[] lists every dividend twice (Interim '
    'and Final, with different ids); one row is kept per (tote, product_name, description), the '
    'Final one when present. Rows cascade from race_results.';
COMMENT ON COLUMN race_dividends.race_id IS 'Race. FK to race_results, ON DELETE CASCADE.';
COMMENT ON COLUMN race_dividends.tote IS 'Tote that declared the dividend, e.g. NZ: dividends[].tote.';
COMMENT ON COLUMN race_dividends.product_name IS
    'Product as sent: dividends[].product_name (Pool Win, Pool Place, Pool Quinella, Pool Trifecta, '
    'Pool First4, Pool Double, ...).';
COMMENT ON COLUMN race_dividends.description IS
    'Winning combination as sent: dividends[].description (7, 2:4, 2:4:7:6, 2/4, concession:2/7). '
    'Place pays one row per placed runner, so this is part of the key.';
COMMENT ON COLUMN race_dividends.dividend_id IS 'dividends[].id of the row kept (the Final one when present).';
COMMENT ON COLUMN race_dividends.status IS 'Interim or Final: dividends[].status of the row kept.';
COMMENT ON COLUMN race_dividends.dividend IS 'Dividend in DOLLARS per 1 dollar unit: dividends[].dividend.';
COMMENT ON COLUMN race_dividends.pool_size IS 'Size of the pool the dividend came from, DOLLARS: dividends[].pool_size.';
COMMENT ON COLUMN race_dividends.jackpot_size IS 'Jackpot component, DOLLARS: dividends[].jackpot_size.';
COMMENT ON COLUMN race_dividends.positions IS
    'Winning selections as sent, an array of {runner_number, position} (position is the leg number '
    'for a Double): dividends[].positions.';
COMMENT ON COLUMN race_dividends.created_at IS 'When raceday first stored the row (transaction time).';
COMMENT ON COLUMN race_dividends.updated_at IS
    'When the row was last updated; maintained by trigger race_dividends_set_updated_at.';

-- ---------------------------------------------------------------------------------------------
-- user_alert_configs
-- ---------------------------------------------------------------------------------------------

CREATE TABLE user_alert_configs (
    indicator_id            uuid         NOT NULL DEFAULT gen_random_uuid(),
    user_id                 text         NOT NULL,
    indicator_type          text         NOT NULL DEFAULT 'percentage_range',
    percentage_range_min    numeric(5,2) NOT NULL,
    percentage_range_max    numeric(5,2),
    color                   text         NOT NULL,
    is_default              boolean      NOT NULL DEFAULT false,
    enabled                 boolean      NOT NULL DEFAULT true,
    display_order           integer      NOT NULL,
    audible_alerts_enabled  boolean      NOT NULL DEFAULT true,
    created_at              timestamptz  NOT NULL DEFAULT now(),
    updated_at              timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT user_alert_configs_pkey PRIMARY KEY (indicator_id),
    CONSTRAINT user_alert_configs_user_id_display_order_key UNIQUE (user_id, display_order),
    CONSTRAINT user_alert_configs_user_id_check CHECK (user_id <> ''),
    CONSTRAINT user_alert_configs_indicator_type_check CHECK (indicator_type = 'percentage_range'),
    CONSTRAINT user_alert_configs_percentage_range_min_check
        CHECK (percentage_range_min BETWEEN 0 AND 100),
    CONSTRAINT user_alert_configs_percentage_range_max_check
        CHECK (percentage_range_max BETWEEN 0 AND 100),
    CONSTRAINT user_alert_configs_percentage_range_order_check
        CHECK (percentage_range_max > percentage_range_min),
    CONSTRAINT user_alert_configs_color_check CHECK (color ~ '^#[0-9A-Fa-f]{6}$'),
    CONSTRAINT user_alert_configs_display_order_check CHECK (display_order BETWEEN 1 AND 6)
);

CREATE TRIGGER user_alert_configs_set_updated_at
    BEFORE UPDATE ON user_alert_configs
    FOR EACH ROW EXECUTE FUNCTION raceday_set_updated_at();

COMMENT ON TABLE user_alert_configs IS
    'Dashboard alert colour bands per user: a runner whose money share (percent) falls in '
    '[percentage_range_min, percentage_range_max) is highlighted with color. Six slots per user '
    '(display_order 1 to 6). Written by the dashboard API, not by NZTAB data; the six defaults of '
    'user Default User are seeded by this migration.';
COMMENT ON COLUMN user_alert_configs.indicator_id IS 'Row id (random uuid).';
COMMENT ON COLUMN user_alert_configs.user_id IS 'Dashboard user name; the API uses Default User when none is given.';
COMMENT ON COLUMN user_alert_configs.indicator_type IS 'Kind of indicator; only percentage_range exists.';
COMMENT ON COLUMN user_alert_configs.percentage_range_min IS 'Lower bound of the band, percent 0 to 100 (inclusive).';
COMMENT ON COLUMN user_alert_configs.percentage_range_max IS
    'Upper bound of the band, percent 0 to 100 (exclusive), greater than the minimum; NULL = open-ended.';
COMMENT ON COLUMN user_alert_configs.color IS 'Highlight colour as #RRGGBB (the defaults are upper case).';
COMMENT ON COLUMN user_alert_configs.is_default IS 'True for the seeded default bands.';
COMMENT ON COLUMN user_alert_configs.enabled IS 'Whether the band is shown.';
COMMENT ON COLUMN user_alert_configs.display_order IS 'Slot 1 to 6, unique per user.';
COMMENT ON COLUMN user_alert_configs.audible_alerts_enabled IS 'Whether the band also sounds an alert.';
COMMENT ON COLUMN user_alert_configs.created_at IS 'When the row was stored (transaction time).';
COMMENT ON COLUMN user_alert_configs.updated_at IS
    'When the row was last updated; maintained by trigger user_alert_configs_set_updated_at.';

INSERT INTO user_alert_configs
    (user_id, indicator_type, percentage_range_min, percentage_range_max, color,
     is_default, enabled, display_order, audible_alerts_enabled)
VALUES
    ('Default User', 'percentage_range',  5, 10,   '#E5E7EB', true, true, 1, true),
    ('Default User', 'percentage_range', 10, 15,   '#BFDBFE', true, true, 2, true),
    ('Default User', 'percentage_range', 15, 20,   '#FEF3C7', true, true, 3, true),
    ('Default User', 'percentage_range', 20, 25,   '#BBF7D0', true, true, 4, true),
    ('Default User', 'percentage_range', 25, 50,   '#FECACA', true, true, 5, true),
    ('Default User', 'percentage_range', 50, NULL, '#F3E8FF', true, true, 6, true);
