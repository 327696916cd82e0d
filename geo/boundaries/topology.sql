-- Topology checks of the boundary register (geo/boundaries/topology.py). ``{units}`` is the
-- relation of polygons checked, with columns (code, name, level, geom): current_divisions,
-- or the temporary table of the national run; the module formats it in as an identifier.
-- Metric work (buffers, lengths, distances) is done in the CGCS2000 3-degree Gauss-Kruger
-- zone of each geometry (civgeo_gk_srid); areas are on the ellipsoid (geography).

-- name: pair_checks
-- One row per pair of neighbouring units of ``level`` (their outlines within twice
-- ``tol_m`` of each other), at least one of the two under ``prefix``, with the overlaps and
-- gaps between them. Pieces of ``min_area_m2`` or less are left out.
--
-- Overlap: the polygonal part of the intersection, computed only where the interiors meet
-- (ST_Relate, several times cheaper than intersecting every pair that shares an edge).
-- Gap: land in no unit that lies between the two. Candidates ("cores") are what lies within
-- ``tol_m`` of both and inside neither; at the ends of every shared edge such a core is a
-- lens that a third unit covers (a T junction) or that opens onto the outside (the coast,
-- the national border), so each core is checked in a small window around it: the units in
-- the window are clipped to it, and the gap is what a morphological closing of them (a
-- buffer out by ``tol_m`` and back in) fills and no unit covers, where it meets the core.
-- A closing fills slivers up to twice ``tol_m`` wide, whole, and leaves the lens at a
-- straight coast empty, so a clean shared edge gives nothing at all.
WITH inside AS MATERIALIZED (
    SELECT u.code, u.name, u.geom, true AS inside, m.srid,
           ST_Transform(ST_Buffer(ST_Transform(u.geom, m.srid), %(tol_m)s, 'quad_segs=4'),
                        4490) AS near
    FROM {units} u
    CROSS JOIN LATERAL (SELECT civgeo_gk_srid((ST_XMin(u.geom) + ST_XMax(u.geom)) / 2)
                               AS srid) m
    WHERE u.level = %(level)s AND u.code LIKE %(prefix)s || '%%' AND NOT ST_IsEmpty(u.geom)
), outside AS MATERIALIZED (
    -- Units of the level outside ``prefix`` within reach of one inside it.
    SELECT o.code, o.name, o.geom, false AS inside, m.srid,
           ST_Transform(ST_Buffer(ST_Transform(o.geom, m.srid), %(tol_m)s, 'quad_segs=4'),
                        4490) AS near
    FROM {units} o
    CROSS JOIN LATERAL (SELECT civgeo_gk_srid((ST_XMin(o.geom) + ST_XMax(o.geom)) / 2)
                               AS srid) m
    WHERE o.level = %(level)s AND o.code NOT LIKE %(prefix)s || '%%' AND NOT ST_IsEmpty(o.geom)
      AND o.code IN (SELECT o2.code FROM inside i
                     JOIN {units} o2 ON o2.geom && ST_Expand(i.near, %(pad_deg)s)
                     WHERE o2.level = %(level)s AND o2.code NOT LIKE %(prefix)s || '%%')
), scope AS MATERIALIZED (
    SELECT * FROM inside
    UNION ALL
    SELECT * FROM outside
    WHERE EXISTS (SELECT 1 FROM inside i
                  WHERE i.near && outside.near AND ST_Intersects(i.near, outside.near))
), pairs AS MATERIALIZED (
    -- The spatial prefilter: the index of {units} on boxes expanded by the buffer.
    SELECT a.code AS a, a.name AS a_name, a.inside AS a_inside,
           b.code AS b, b.name AS b_name, b.inside AS b_inside
    FROM scope a
    JOIN {units} bu ON bu.geom && ST_Expand(a.near, %(pad_deg)s) AND bu.level = %(level)s
                   AND bu.code > a.code
    JOIN scope b ON b.code = bu.code
    WHERE (a.inside OR b.inside) AND ST_Intersects(a.near, b.near)
), overlap_pieces AS (
    SELECT p.a, p.b, d.geom
    FROM pairs p
    JOIN scope a ON a.code = p.a
    JOIN scope b ON b.code = p.b
    CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 3)) d
    WHERE a.geom && b.geom AND ST_Relate(a.geom, b.geom, '2********')
), cores AS MATERIALIZED (
    SELECT p.a, p.b, a.srid, d.geom AS core
    FROM pairs p
    JOIN scope a ON a.code = p.a
    JOIN scope b ON b.code = p.b
    CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(
        ST_Difference(ST_Difference(ST_Intersection(a.near, b.near), a.geom), b.geom), 3)) d
), windows AS MATERIALIZED (
    -- Each core with the units around it clipped to a box reaching 3 * tol_m beyond it
    -- (a closing at a point depends on what lies within twice tol_m of it). Clipping by a
    -- box is linear but can leave a ring touching itself, hence ST_MakeValid.
    SELECT c.a, c.b, c.srid, c.core, w.box,
           (SELECT ST_Union(ST_CollectionExtract(ST_MakeValid(ST_ClipByBox2D(o.geom, w.box)),
                                                 3))
            FROM {units} o
            WHERE o.level = %(level)s AND o.geom && w.box) AS x
    FROM cores c
    CROSS JOIN LATERAL (SELECT ST_Expand(c.core, 3 * %(pad_deg)s)::box2d AS box) w
), uncovered AS MATERIALIZED (
    SELECT a, b, srid, x, open
    FROM windows, ST_Difference(core, x) AS open
    WHERE ST_Area(open::geography) > %(min_area_m2)s / 100
), gap_pieces AS MATERIALIZED (
    -- In the zone's metres. Tiny pieces (left where the buffers round off a vertex) are
    -- dropped before they go back to lon/lat, where they could come out invalid. A piece is
    -- open when part of its outline (the mouth the closing drew) borders no unit.
    SELECT u.a, u.b, ST_MakeValid(ST_Transform(d.geom, 4490)) AS geom,
           ST_Length(ST_Difference(ST_Boundary(d.geom), ST_Buffer(m.xm, 0.01))) > 0.5 AS open
    FROM uncovered u
    CROSS JOIN LATERAL (SELECT ST_Transform(u.x, u.srid) AS xm,
                               ST_Transform(u.open, u.srid) AS open_m) m
    CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(ST_Difference(
        ST_Buffer(ST_Buffer(m.xm, %(tol_m)s, 'quad_segs=4'), -%(tol_m)s, 'quad_segs=4'),
        m.xm), 3)) d
    WHERE ST_Area(d.geom) > %(min_area_m2)s / 2 AND ST_Intersects(d.geom, m.open_m)
), gaps AS (
    -- A gap found from two cores of a pair is one gap: merge, then split again. Land that
    -- a division of a higher level holds which is not above either of the two (another
    -- county, when townships are checked) is not a gap between them: it is that division's,
    -- whose own units may simply not be loaded.
    SELECT g.a, g.b, d.geom,
           EXISTS (SELECT 1 FROM gap_pieces x
                   WHERE x.a = g.a AND x.b = g.b AND x.open
                     AND ST_Intersects(x.geom, d.geom)) AS open
    FROM (SELECT a, b, ST_Union(geom) AS geom FROM gap_pieces GROUP BY a, b) g
    CROSS JOIN LATERAL (
        SELECT ST_Union(ST_CollectionExtract(ST_MakeValid(ST_ClipByBox2D(
                   h.geom, ST_Expand(g.geom::box2d, %(pad_deg)s))), 3)) AS held
        FROM {units} h
        WHERE h.level = ANY(%(higher)s) AND h.geom && g.geom
          AND g.a NOT LIKE civgeo_division_prefix(h.code) || '%%'
          AND g.b NOT LIKE civgeo_division_prefix(h.code) || '%%') o
    CROSS JOIN LATERAL ST_Dump(CASE WHEN o.held IS NULL THEN g.geom
                                    ELSE ST_CollectionExtract(ST_Difference(g.geom, o.held), 3)
                               END) d
), problems AS (
    SELECT a, b, 'overlap' AS kind, NULL::boolean AS open, geom,
           ST_Area(geom::geography) AS area_m2
    FROM overlap_pieces
    UNION ALL
    SELECT a, b, 'gap', open, geom, ST_Area(geom::geography) FROM gaps
), listed AS (
    SELECT a, b, json_agg(json_build_object(
               'kind', kind, 'area_m2', area_m2, 'open', open,
               'point', ST_AsGeoJSON(ST_PointOnSurface(geom), 7)::json,
               'geometry', ST_AsGeoJSON(geom, 7)::json) ORDER BY area_m2 DESC) AS problems
    FROM problems
    WHERE area_m2 > %(min_area_m2)s
    GROUP BY a, b
)
SELECT p.a AS a_code, p.a_name, p.b AS b_code, p.b_name, p.a_inside, p.b_inside,
       l.problems
FROM pairs p
LEFT JOIN listed l ON l.a = p.a AND l.b = p.b
ORDER BY p.a, p.b

-- name: division
SELECT code, name, level, civgeo_division_prefix(code) AS prefix
FROM current_divisions
WHERE code = %(code)s

-- name: markers_off_line
-- Markers farther than ``tol_m`` from their own line (on the ellipsoid), with the shortest
-- line from the marker to it for the map. Lines with a party under ``prefix`` (all when
-- NULL), or the one line ``line_id``.
SELECT m.id, m.marker_no, m.line_id, l.number AS line_number, l.name AS line_name,
       m.custodian_code, m.condition,
       ST_Distance(m.geom::geography, l.geom::geography) AS distance_m,
       ST_AsGeoJSON(m.geom, 7)::json AS geometry,
       ST_AsGeoJSON(ST_ShortestLine(m.geom, l.geom), 7)::json AS offset_line
FROM boundary_markers m
JOIN boundary_lines l ON l.id = m.line_id
WHERE (%(prefix)s::text IS NULL OR l.left_code LIKE %(prefix)s || '%%'
       OR l.right_code LIKE %(prefix)s || '%%')
  AND (%(line_id)s::bigint IS NULL OR l.id = %(line_id)s)
  AND NOT ST_DWithin(m.geom::geography, l.geom::geography, %(tol_m)s)
ORDER BY distance_m DESC, m.marker_no

-- name: lines_off_edge
-- Stored lines against the shared edge of their two parties, re-derived from the current
-- polygons: the part of the left party's outline within ``edge_tol_m`` of the right party.
-- A line is reported when a party is missing, when the parties no longer come within
-- ``edge_tol_m`` of each other, or when stretches of it lie farther than ``tol_m`` from
-- the edge. Each stretch has its own length, the length of edge it runs beside (between
-- where its ends project onto the edge) and its greatest distance from the edge (the
-- directed Hausdorff distance, measured at points 5 m apart). All in the Gauss-Kruger zone
-- of the line.
WITH lines AS (
    SELECT l.id, l.number, l.name, l.level, l.left_code, l.right_code, l.geom,
           civgeo_gk_srid(ST_X(ST_Centroid(l.geom))) AS srid
    FROM boundary_lines l
    WHERE (%(prefix)s::text IS NULL OR l.left_code LIKE %(prefix)s || '%%'
           OR l.right_code LIKE %(prefix)s || '%%')
      AND (%(line_id)s::bigint IS NULL OR l.id = %(line_id)s)
), parties AS (
    SELECT s.*, a.name AS left_name, b.name AS right_name,
           ST_Transform(s.geom, s.srid) AS line_m,
           ST_Transform(a.geom, s.srid) AS left_m,
           ST_Transform(b.geom, s.srid) AS right_m
    FROM lines s
    LEFT JOIN current_divisions a ON a.code = s.left_code
    LEFT JOIN current_divisions b ON b.code = s.right_code
), edges AS MATERIALIZED (
    SELECT p.*,
           CASE WHEN p.left_m IS NOT NULL AND p.right_m IS NOT NULL THEN
               ST_LineMerge(ST_CollectionExtract(ST_Intersection(
                   ST_Boundary(p.left_m),
                   ST_Buffer(p.right_m, %(edge_tol_m)s, 'quad_segs=4')), 2))
           END AS edge_m
    FROM parties p
), judged AS MATERIALIZED (
    SELECT e.*,
           CASE WHEN e.edge_m IS NULL THEN 'party_missing'
                WHEN ST_IsEmpty(e.edge_m) THEN 'parties_apart'
                ELSE 'off_edge' END AS problem,
           CASE WHEN e.edge_m IS NOT NULL AND NOT ST_IsEmpty(e.edge_m) THEN
               ST_LineMerge(ST_CollectionExtract(ST_Difference(
                   e.line_m, ST_Buffer(e.edge_m, %(tol_m)s, 'quad_segs=8')), 2))
           END AS off_m
    FROM edges e
), stretches AS (
    SELECT j.id, d.geom,
           ST_Length(d.geom) AS length_m,
           (SELECT max(ST_Distance(pt.geom, j.edge_m))
            FROM ST_DumpPoints(ST_Segmentize(d.geom, 5)) pt) AS deviation_m,
           (SELECT abs(ST_LineLocatePoint(c.geom, ST_StartPoint(d.geom))
                       - ST_LineLocatePoint(c.geom, ST_EndPoint(d.geom))) * ST_Length(c.geom)
            FROM ST_Dump(j.edge_m) c
            ORDER BY ST_Distance(c.geom, d.geom) LIMIT 1) AS along_m
    FROM judged j
    CROSS JOIN LATERAL ST_Dump(j.off_m) d
    WHERE j.off_m IS NOT NULL AND NOT ST_IsEmpty(j.off_m)
)
SELECT j.id, j.number, j.name, j.level, j.left_code, j.left_name, j.right_code,
       j.right_name, j.problem,
       ST_Length(j.line_m) AS line_length_m,
       ST_Length(j.edge_m) AS edge_length_m,
       CASE WHEN j.problem = 'parties_apart' THEN ST_Distance(j.left_m, j.right_m)
       END AS parties_distance_m,
       s.deviation_m, s.off_length_m,
       coalesce(s.stretches, '[]'::json) AS stretches,
       ST_AsGeoJSON(ST_Transform(coalesce(s.geom, j.line_m), 4490), 7)::json AS geometry
FROM judged j
LEFT JOIN (
    SELECT id, max(deviation_m) AS deviation_m, sum(length_m) AS off_length_m,
           ST_Collect(geom) AS geom,
           json_agg(json_build_object(
               'length_m', round(length_m::numeric, 1),
               'along_m', round(along_m::numeric, 1),
               'deviation_m', round(deviation_m::numeric, 1),
               'geometry', ST_AsGeoJSON(ST_Transform(geom, 4490), 7)::json)
               ORDER BY deviation_m DESC) AS stretches
    FROM stretches GROUP BY id
) s ON s.id = j.id
WHERE j.problem <> 'off_edge' OR s.id IS NOT NULL
ORDER BY j.problem = 'off_edge', s.deviation_m DESC NULLS LAST, j.number

-- name: create_national
DROP TABLE IF EXISTS pg_temp.topology_national_units;
CREATE TEMP TABLE topology_national_units (
    code  text PRIMARY KEY,
    name  text NOT NULL,
    level text NOT NULL,
    geom  geometry(MultiPolygon, 4490) NOT NULL
) ON COMMIT DROP

-- name: index_national
CREATE INDEX ON topology_national_units USING gist (geom);
ANALYZE topology_national_units
