-- name: doors
SELECT e.id, e.road_id, r.name AS road_name, e.number, e.sub, e.number_raw
FROM entrances e JOIN roads r ON r.id = e.road_id
WHERE e.road_id = ANY(%(roads)s) AND e.status = 'current'

-- name: digest
-- What a proposal was computed against: every door of the road as it stands.
SELECT md5(coalesce(string_agg(concat_ws(':', e.id, e.version, e.number, e.sub, e.number_raw,
                                         e.status, ST_AsText(e.geom)), ',' ORDER BY e.id), ''))
FROM entrances e WHERE e.road_id = %(id)s

-- name: road_name
SELECT name FROM roads WHERE id = %(id)s

-- name: set_geometry
UPDATE roads SET geom = ST_Multi(ST_GeomFromWKB(%(geom)s, 4490)),
                 axis = ST_GeomFromWKB(%(axis)s, 4490),
                 length_m = ST_Length(ST_GeomFromWKB(%(axis)s, 4490)::geography),
                 updated_at = now()
WHERE id = %(id)s

-- name: set_rule
UPDATE roads SET rule = rule || %(rule)s::jsonb, updated_at = now() WHERE id = %(id)s

-- name: set_name
UPDATE roads r SET name = %(name)s, name_id = %(name_id)s, updated_at = now()
WHERE id = %(id)s

-- name: split_point
SELECT f, f * length_m AS measure_m, length_m,
       ST_Distance(axis::geography, pt::geography) AS distance_m
FROM (SELECT r.axis, r.length_m, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490) AS pt
      FROM roads r WHERE r.id = %(id)s) s
CROSS JOIN LATERAL (SELECT ST_LineLocatePoint(axis, pt) AS f) l

-- name: split_road
-- The part of the road beyond fraction f of its axis, counted from where numbering starts,
-- becomes a new road with the doors along it.
WITH o AS (SELECT *, CASE WHEN %(reversed)s THEN ST_LineSubstring(axis, 0, %(f)s)
                          ELSE ST_LineSubstring(axis, %(f)s, 1) END AS far,
                     CASE WHEN %(reversed)s THEN ST_LineSubstring(axis, %(f)s, 1)
                          ELSE ST_LineSubstring(axis, 0, %(f)s) END AS near
           FROM roads WHERE id = %(id)s),
n AS (
    INSERT INTO roads (name, name_id, division_code, kind, geom, axis, length_m, rule, source)
    SELECT %(name)s, %(name_id)s, o.division_code, o.kind, ST_Multi(o.far), o.far, ST_Length(o.far::geography),
           o.rule, 'split from road ' || o.id
    FROM o RETURNING id
), u AS (
    UPDATE roads r SET geom = ST_Multi(o.near), axis = o.near,
                       length_m = ST_Length(o.near::geography), updated_at = now()
    FROM o WHERE r.id = o.id
), m AS (
    UPDATE entrances e SET road_id = (SELECT id FROM n), updated_at = now()
    FROM o WHERE e.road_id = o.id AND e.status = 'current'
      AND (ST_LineLocatePoint(o.axis, e.geom) > %(f)s) <> %(reversed)s
)
SELECT id FROM n

-- name: rule_numbers
SELECT entrance_id, new_number
FROM civgeo_rule_numbers(%(roads)s::bigint[], %(defaults)s::jsonb)

-- name: same_name_clashes
SELECT r.id AS road_id, r.name AS road, civgeo_house_number(e.number, e.sub) AS label
FROM unnest(%(names)s::text[], %(numbers)s::integer[], %(subs)s::integer[]) AS x(name, number, sub)
JOIN roads r ON r.name = x.name AND r.status = 'current' AND r.id <> ALL(%(roads)s::bigint[])
            AND EXISTS (SELECT 1 FROM roads a WHERE a.id = ANY(%(roads)s::bigint[])
                        AND a.division_code IS NOT DISTINCT FROM r.division_code)
JOIN entrances e ON e.road_id = r.id AND e.status = 'current' AND e.number = x.number
                AND coalesce(e.sub, 0) = x.sub
LIMIT 1

-- name: insert_proposal
INSERT INTO numbering_proposals (road_id, road_version, digest, request, result, created_by)
VALUES (%(road)s, %(version)s, %(digest)s, %(request)s::jsonb, %(result)s::jsonb, %(by)s)
RETURNING id

-- name: proposal
SELECT * FROM numbering_proposals WHERE id = %(id)s AND road_id = %(road)s FOR UPDATE

-- name: set_numbers
UPDATE entrances e SET number = x.number, sub = x.sub, number_raw = NULL,
                       version = e.version + 1, updated_at = now()
FROM unnest(%(ids)s::bigint[], %(numbers)s::integer[], %(subs)s::smallint[]) AS x(id, number, sub)
WHERE e.id = x.id

-- name: insert_renumbering
INSERT INTO renumberings (road_id, proposal_id, reason, applied_by)
VALUES (%(road)s, %(proposal)s, %(reason)s, %(by)s) RETURNING id

-- name: insert_items
INSERT INTO renumbering_items (renumbering_id, entrance_id, old_road_id, old_road, old_number,
                               new_road_id, new_road, new_number)
SELECT %(renumbering)s, * FROM unnest(%(ids)s::bigint[], %(old_road_ids)s::bigint[],
                                      %(old_roads)s::text[], %(old_numbers)s::text[],
                                      %(new_road_ids)s::bigint[], %(new_roads)s::text[],
                                      %(new_numbers)s::text[])

-- name: mark_applied
UPDATE numbering_proposals SET applied_at = now() WHERE id = %(id)s

-- name: bump_road
UPDATE roads SET version = version + 1, updated_at = now() WHERE id = ANY(%(ids)s::bigint[])

-- name: history
SELECT n.id, n.road_id, n.proposal_id, n.reason, n.applied_by, n.applied_at,
       (SELECT coalesce(json_agg(json_build_object(
                    'entrance_id', i.entrance_id, 'old_road', i.old_road,
                    'old_number', i.old_number, 'new_road_id', i.new_road_id,
                    'new_road', i.new_road, 'new_number', i.new_number)
                ORDER BY i.entrance_id), '[]')
        FROM renumbering_items i WHERE i.renumbering_id = n.id) AS mapping
FROM renumberings n
WHERE n.road_id = %(id)s
   OR EXISTS (SELECT 1 FROM renumbering_items i WHERE i.renumbering_id = n.id
              AND (i.old_road_id = %(id)s OR i.new_road_id = %(id)s))
ORDER BY n.applied_at DESC, n.id DESC

-- name: bulk_name_clash
SELECT a.id AS a, b.id AS b, a.name, a.division_code
FROM roads a
JOIN roads b ON b.name = a.name AND b.division_code = a.division_code AND b.id <> a.id
            AND b.status = 'current'
WHERE a.id = ANY(%(roads)s::bigint[]) AND a.status = 'current'
  AND ((b.id = ANY(%(roads)s::bigint[]) AND b.id > a.id)
       OR (NOT b.id = ANY(%(roads)s::bigint[])
           AND EXISTS (SELECT 1 FROM entrances e WHERE e.road_id = b.id AND e.number IS NOT NULL)))
LIMIT 1

-- name: number_roads
WITH n AS MATERIALIZED (
    SELECT n.entrance_id, n.road_id, n.new_number, e.number AS old_number, e.sub AS old_sub,
           e.number_raw
    FROM civgeo_rule_numbers(%(roads)s::bigint[], %(defaults)s::jsonb) n
    JOIN entrances e ON e.id = n.entrance_id
), changed AS MATERIALIZED (
    SELECT * FROM n
    WHERE old_number IS DISTINCT FROM new_number OR old_sub IS NOT NULL OR number_raw IS NOT NULL
), r AS (
    INSERT INTO renumberings (road_id, reason, applied_by)
    SELECT DISTINCT road_id, %(reason)s, %(by)s FROM changed
    RETURNING id, road_id
), i AS (
    INSERT INTO renumbering_items (renumbering_id, entrance_id, old_road_id, old_road,
                                   old_number, new_road_id, new_road, new_number)
    SELECT r.id, c.entrance_id, c.road_id, rd.name,
           coalesce(civgeo_house_number(c.old_number, c.old_sub), c.number_raw),
           c.road_id, rd.name, civgeo_house_number(c.new_number, NULL)
    FROM changed c JOIN r USING (road_id) JOIN roads rd ON rd.id = c.road_id
), u AS (
    UPDATE entrances e SET number = c.new_number, sub = NULL, number_raw = NULL,
                           version = e.version + 1, updated_at = now()
    FROM changed c WHERE e.id = c.entrance_id
), v AS (
    UPDATE roads SET version = version + 1, updated_at = now()
    WHERE id IN (SELECT road_id FROM changed)
)
SELECT (SELECT count(*) FROM n) AS doors, (SELECT count(*) FROM changed) AS changed,
       (SELECT count(DISTINCT road_id) FROM changed) AS roads

-- name: lock_roads
SELECT id FROM roads WHERE id = ANY(%(ids)s::bigint[]) ORDER BY id FOR UPDATE

-- name: name_taken
-- Another current road of this name in the road's county.
SELECT o.id FROM roads o JOIN roads r ON r.id = %(id)s
WHERE o.name = %(name)s AND o.id <> r.id AND o.status = 'current'
  AND o.division_code IS NOT DISTINCT FROM r.division_code
LIMIT 1

-- name: mark_outdated
-- Plates made for a door whose address has just changed: they show the old address.
WITH p AS (
    UPDATE plates p SET printed_address = coalesce(p.printed_address, x.old),
           version = p.version + 1, updated_at = now()
    FROM unnest(%(ids)s::bigint[], %(old)s::text[], %(new)s::text[]) AS x(entrance_id, old, new)
    WHERE p.entrance_id = x.entrance_id AND p.kind = 'door'
      AND p.status IN ('ordered', 'installed', 'damaged', 'missing')
    RETURNING p.id, p.status, x.old, x.new
), e AS (
    INSERT INTO plate_events (plate_id, action, from_status, to_status, by_name, note)
    SELECT id, 'address_changed', status, status, %(by)s,
           'the plate shows ' || old || '; the standard address is now ' || new
    FROM p
)
SELECT id, status, old, new FROM p ORDER BY id

-- name: affected_plates
SELECT p.id, p.entrance_id, p.status FROM plates p
WHERE p.entrance_id = ANY(%(ids)s::bigint[]) AND p.kind = 'door'
  AND p.status IN ('ordered', 'installed', 'damaged', 'missing')
ORDER BY p.id
