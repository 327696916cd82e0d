-- Gaps in patrol tracks (issue 16): a track breaks into segments where the recording broke
-- off (a GPX trkseg, a part sent by the field app, a gap the app declares, a long silence or
-- a jump no walk covers), and no straight piece across a gap counts as patrolled.
--
-- gaps:          [{start, end, seconds, metres, cause}], one per break, in order: the ISO
--                8601 UTC times of the fix before and the fix after (null without times),
--                the seconds and the straight metres between them, and the cause
--                (screen_off, app_closed, no_fix, paused, other: declared by the field app;
--                segment, time, distance: found by geo.boundaries.tracks.clean).
-- track_breaks:  the 0-based indices of the cleaned track's fixes that start a new segment,
--                one per gap (the track column keeps the whole LineStringM: many readers).
-- track_sha256:  SHA-256 of the parsed raw track (tracks.to_ewkt_m): the same track sent
--                again under another UUID is recognised within its inspection.
-- The statements can run again (IF NOT EXISTS; the update only touches rows without a hash).
ALTER TABLE patrols ADD COLUMN IF NOT EXISTS gaps jsonb NOT NULL DEFAULT '[]';
ALTER TABLE patrols ADD COLUMN IF NOT EXISTS track_breaks integer[] NOT NULL DEFAULT '{}';
ALTER TABLE patrols ADD COLUMN IF NOT EXISTS track_sha256 text;
CREATE INDEX IF NOT EXISTS patrols_track_sha256 ON patrols (inspection_id, track_sha256);

-- Patrols received before: their source segments are lost (they were joined), so only the
-- time rule can find their gaps, on the raw track (its fixes kept every second they came,
-- so a pause at a marker, thinned out of the cleaned track, is no gap): more than 120 s
-- between fixes (track_gap_s when this was written). Each gap breaks the cleaned track
-- before its first fix at or after the gap's end; gaps falling on the same break merge.
-- Their hash stays NULL: a resend of such a patrol under another UUID is stored again.
WITH legacy AS (
    SELECT id, raw_track, track
    FROM patrols
    WHERE track_sha256 IS NULL AND gaps = '[]'::jsonb AND track_breaks = '{}'
      AND raw_track IS NOT NULL AND track IS NOT NULL
), fix AS (
    SELECT l.id, d.path[1] AS i, ST_Force2D(d.geom) AS geom, ST_M(d.geom) AS m
    FROM legacy l, ST_DumpPoints(l.raw_track) d
), step AS (
    SELECT id, m, geom, lag(m) OVER w AS m0, lag(geom) OVER w AS g0
    FROM fix
    WINDOW w AS (PARTITION BY id ORDER BY i)
), silence AS (
    SELECT s.id, s.m0, s.m, s.g0, s.geom,
           (SELECT min(c.path[1]) - 1
            FROM legacy l, ST_DumpPoints(l.track) c
            WHERE l.id = s.id AND ST_M(c.geom) >= s.m) AS brk
    FROM step s
    WHERE s.m0 > 0 AND s.m - s.m0 > 120          -- M = 0: a track without times
), placed AS (
    SELECT id, brk, min(m0) AS m0, max(m) AS m,
           (array_agg(g0 ORDER BY m0))[1] AS g0, (array_agg(geom ORDER BY m DESC))[1] AS g1
    FROM silence
    WHERE brk > 0
    GROUP BY id, brk
), found AS (
    SELECT id,
           jsonb_agg(jsonb_build_object(
               'start', to_char(to_timestamp(m0) AT TIME ZONE 'UTC',
                                'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               'end', to_char(to_timestamp(m) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
               'seconds', round((m - m0)::numeric, 1),
               'metres', round(ST_Distance(g0::geography, g1::geography)::numeric, 1),
               'cause', 'time') ORDER BY brk) AS gaps,
           array_agg(brk ORDER BY brk) AS breaks
    FROM placed
    GROUP BY id
)
UPDATE patrols p SET gaps = f.gaps, track_breaks = f.breaks
FROM found f
WHERE p.id = f.id;
