-- name: insert_change
INSERT INTO division_changes (kind, effective, old_code, old_name, new_code, new_name,
                              approval, note, source, dataset)
VALUES (%(kind)s, %(effective)s, %(old_code)s, %(old_name)s, %(new_code)s, %(new_name)s,
        %(approval)s, %(note)s, %(source)s, %(dataset)s)
RETURNING id

-- name: current_row
SELECT id, code, name, short_name, level, kind, urban, parent_code, lower(valid) AS valid_from,
       source, name_source, dataset
FROM divisions WHERE code = %(code)s AND upper_inf(valid)

-- name: close_row
UPDATE divisions SET valid = daterange(lower(valid), %(effective)s)
WHERE id = %(id)s AND (lower(valid) IS NULL OR lower(valid) < %(effective)s)

-- name: open_row
-- A new row for ``new_code`` from ``effective``, with the old row's geometry unless given.
INSERT INTO divisions (code, name, short_name, level, kind, urban, parent_code, valid, geom,
                       centre, source, name_source, dataset)
SELECT %(new_code)s, %(new_name)s, %(new_name)s, d.level, coalesce(%(kind)s, d.kind), d.urban,
       d.parent_code, daterange(%(effective)s, NULL),
       coalesce(ST_Multi(ST_GeomFromText(%(wkt)s, 4490)), d.geom), d.centre,
       %(source)s, %(source)s, d.dataset
FROM divisions d WHERE d.id = %(id)s

-- name: backfill_old
-- The state before a change that the loaded (current) data already shows: the old row,
-- valid until ``effective``, copied from the new one; the new one starts there.
WITH new AS (
    UPDATE divisions SET valid = daterange(%(effective)s, NULL)
    WHERE code = %(new_code)s AND upper_inf(valid) AND lower_inf(valid)
    RETURNING *
)
INSERT INTO divisions (code, name, short_name, level, kind, urban, parent_code, valid, geom,
                       centre, source, name_source, dataset)
SELECT %(old_code)s, %(old_name)s, %(old_name)s, level, %(old_kind)s, urban, parent_code,
       daterange(NULL, %(effective)s), geom, centre, source, %(source)s, dataset
FROM new

-- name: as_of
-- The division and its children on a date. Children count only while the parent itself
-- existed: the sample keeps no township history before a change, so a division that did
-- not yet exist has no children that day (渌口区's townships are not shown for 2017).
SELECT code, name, level, kind, parent_code, lower(valid) AS valid_from,
       upper(valid) AS valid_to
FROM divisions c
WHERE c.valid @> %(on)s::date
  AND (c.code = %(parent)s
       OR (c.parent_code = %(parent)s
           AND EXISTS (SELECT 1 FROM divisions p
                       WHERE p.code = %(parent)s AND p.valid @> %(on)s::date)))
ORDER BY code

-- name: changes
SELECT id, kind, effective, old_code, old_name, new_code, new_name, approval, note, source
FROM division_changes
WHERE %(code)s::text IS NULL OR old_code LIKE %(code)s || '%%' OR new_code LIKE %(code)s || '%%'
ORDER BY effective, id
