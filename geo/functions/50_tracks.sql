-- A patrol's cleaned track split at its breaks (patrols.track_breaks: the 0-based indices of
-- the fixes that start a new segment), as a MultiLineString: what GIS clients and tiles draw
-- never joins the two sides of a gap with a straight line. A one-fix segment is that
-- position twice (a line needs two).
CREATE OR REPLACE FUNCTION civgeo_track_segments(track geometry, breaks integer[])
RETURNS geometry LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ST_Multi(ST_Collect(seg ORDER BY k))
    FROM (
        SELECT b.k, ST_MakeLine(ARRAY(
                   SELECT ST_PointN(track, least(n, b.e))
                   FROM generate_series(b.s + 1, greatest(b.e, b.s + 2)) n)) AS seg
        FROM (
            SELECT u.k, u.s, lead(u.s, 1, ST_NPoints(track)) OVER (ORDER BY u.k) AS e
            FROM unnest(array_prepend(0, coalesce(breaks, '{}'::integer[])))
                 WITH ORDINALITY AS u(s, k)
        ) b
    ) segs
$$;
