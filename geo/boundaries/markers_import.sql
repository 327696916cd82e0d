-- name: line
-- A boundary line by its number (the start of its markers' numbers) or its name.
SELECT id, number, name, left_code, right_code FROM boundary_lines
WHERE number = %(key)s OR name = %(key)s
ORDER BY (number = %(key)s) DESC, id LIMIT 1

-- name: marker
SELECT id, marker_no, line_id, seq, type, form, ST_X(geom) AS lon, ST_Y(geom) AS lat,
       source_x, source_y, source_datum, elevation_m, custodian_code, condition,
       registered_on, note, source, external_id
FROM boundary_markers WHERE marker_no = %(marker_no)s

-- name: distance_to_line
SELECT ST_Distance(l.geom::geography,
                   ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490)::geography)
FROM boundary_lines l WHERE l.id = %(line_id)s

-- name: insert_marker
INSERT INTO boundary_markers (line_id, marker_no, seq, type, form, geom, source_x, source_y,
                              source_datum, elevation_m, custodian_code, condition,
                              registered_on, note, source, external_id)
VALUES (%(line_id)s, %(marker_no)s, %(seq)s, %(type)s, %(form)s,
        ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490), %(source_x)s, %(source_y)s,
        %(source_datum)s, %(elevation_m)s, %(custodian_code)s, %(condition)s,
        %(registered_on)s, %(note)s, %(source)s, %(external_id)s)
RETURNING id

-- name: update_marker
UPDATE boundary_markers SET line_id = %(line_id)s, seq = %(seq)s, type = %(type)s,
       form = %(form)s, geom = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490),
       source_x = %(source_x)s, source_y = %(source_y)s, source_datum = %(source_datum)s,
       elevation_m = %(elevation_m)s, custodian_code = %(custodian_code)s,
       condition = %(condition)s, registered_on = %(registered_on)s, note = %(note)s
WHERE id = %(id)s

-- name: parties
SELECT (SELECT name FROM current_divisions WHERE code = %(left)s) AS left_name,
       (SELECT name FROM current_divisions WHERE code = %(right)s) AS right_name
