-- name: types
SELECT code, kind, name, level, circle, institution, public_cemetery
FROM facility_types ORDER BY sort

-- name: containing_division
-- The smallest current division containing the point (community, else township, …).
SELECT code FROM current_divisions
WHERE geom && %(p)s::geometry AND ST_Covers(geom, %(p)s::geometry)
ORDER BY length(code) DESC, level DESC
LIMIT 1

-- name: insert
INSERT INTO facilities (type, name, geom, division_code, address, operator, ownership, status,
                        opened, beds, nursing_beds, places, area_m2, meals_per_day,
                        plots_total, plots_used, notes, source, ext_id, dataset)
VALUES (%(type)s, %(name)s, ST_GeomFromText(%(wkt)s, 4490), %(division_code)s, %(address)s,
        %(operator)s, %(ownership)s, %(status)s, %(opened)s, %(beds)s, %(nursing_beds)s,
        %(places)s, %(area_m2)s, %(meals_per_day)s, %(plots_total)s, %(plots_used)s, %(notes)s,
        %(source)s, %(ext_id)s, %(dataset)s)
RETURNING id

-- name: update
UPDATE facilities SET type = %(type)s, name = %(name)s, geom = ST_GeomFromText(%(wkt)s, 4490),
    division_code = %(division_code)s, address = %(address)s, operator = %(operator)s,
    ownership = %(ownership)s, status = %(status)s, opened = %(opened)s, beds = %(beds)s,
    nursing_beds = %(nursing_beds)s, places = %(places)s, area_m2 = %(area_m2)s,
    meals_per_day = %(meals_per_day)s, plots_total = %(plots_total)s,
    plots_used = %(plots_used)s, notes = %(notes)s, version = version + 1, updated_at = now()
WHERE id = %(id)s AND version = %(version)s
RETURNING id

-- name: keep_history
INSERT INTO facility_history (facility_id, version, actor, row_before)
VALUES (%(id)s, %(version)s, %(actor)s, %(row)s)

-- name: history
SELECT version, valid_until, actor, row_before FROM facility_history
WHERE facility_id = %(id)s ORDER BY version

-- name: by_ext_id
SELECT id FROM facilities WHERE source = %(source)s AND ext_id = %(ext_id)s

-- name: select
-- Facilities with their type; filters are optional.
SELECT f.id, f.type, t.kind, t.name AS type_name, t.level, t.circle, t.institution,
       f.name, f.division_code, f.address, f.operator, f.ownership, f.status, f.opened,
       f.beds, f.nursing_beds, f.places, f.area_m2, f.meals_per_day, f.plots_total,
       f.plots_used, f.notes, f.source, f.ext_id, f.version, f.updated_at,
       ST_X(f.geom) AS lon, ST_Y(f.geom) AS lat,
       coalesce((SELECT json_agg(json_build_object('category', s.category, 'item', s.item,
                                                   'unit', s.unit, 'quantity', s.quantity,
                                                   'expiry', s.expiry) ORDER BY s.id)
                 FROM relief_stock s WHERE s.facility_id = f.id), '[]') AS stock
FROM facilities f JOIN facility_types t ON t.code = f.type
WHERE (%(id)s::bigint IS NULL OR f.id = %(id)s)
  AND (%(prefix)s::text IS NULL OR f.division_code LIKE %(prefix)s || '%%')
  AND (%(kind)s::text IS NULL OR t.kind = %(kind)s)
  AND (%(types)s::text[] IS NULL OR f.type = ANY(%(types)s))
  AND (%(status)s::text IS NULL OR f.status = %(status)s)
  AND (%(bbox)s::float8[] IS NULL OR f.geom && ST_MakeEnvelope(
        (%(bbox)s::float8[])[1], (%(bbox)s::float8[])[2], (%(bbox)s::float8[])[3],
        (%(bbox)s::float8[])[4], 4490))
ORDER BY f.id
LIMIT %(limit)s

-- name: delete_stock
DELETE FROM relief_stock WHERE facility_id = %(id)s

-- name: insert_stock
INSERT INTO relief_stock (facility_id, category, item, unit, quantity, expiry)
VALUES (%(id)s, %(category)s, %(item)s, %(unit)s, %(quantity)s, %(expiry)s)

-- name: bulk_insert
-- Trusted rows (sample data): the containing division is looked up here.
INSERT INTO facilities (type, name, geom, division_code, operator, ownership, status, opened,
                        beds, nursing_beds, places, area_m2, meals_per_day, plots_total,
                        plots_used, source, ext_id, dataset)
SELECT r.type, r.name, g.geom,
       (SELECT code FROM current_divisions d WHERE d.geom && g.geom AND ST_Covers(d.geom, g.geom)
        ORDER BY length(d.code) DESC LIMIT 1),
       r.operator, r.ownership, 'open', r.opened, r.beds, r.nursing_beds, r.places, r.area_m2,
       r.meals_per_day, r.plots_total, r.plots_used, %(source)s, r.ext_id, %(dataset)s
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (
        type text, name text, lon float8, lat float8, operator text, ownership text,
        opened date, beds int, nursing_beds int, places int, area_m2 numeric,
        meals_per_day int, plots_total int, plots_used int, ext_id text),
     LATERAL (SELECT ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4490) AS geom) g
ON CONFLICT (source, ext_id) DO NOTHING

-- name: bulk_stock
INSERT INTO relief_stock (facility_id, category, item, unit, quantity, expiry)
SELECT f.id, r.category, r.item, r.unit, r.quantity, r.expiry
FROM jsonb_to_recordset(%(rows)s::jsonb) AS r (
        ext_id text, category text, item text, unit text, quantity numeric, expiry date)
JOIN facilities f ON f.source = %(source)s AND f.ext_id = r.ext_id
