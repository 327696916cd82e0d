-- name: by_key
-- A name imported from this register under this key, with what civgeo's workflow has made
-- of it since: the name it was renamed to, or the approved abolition that ended it.
SELECT n.id, n.name, n.roman, n.roman_toned, n.roman_manual, n.category_code,
       n.division_code, n.location_description, n.meaning, n.origin, n.history,
       n.approved_by, n.document_no, n.approved_on, n.status, lower(n.valid) AS valid_from,
       upper(n.valid) AS valid_to, ST_AsBinary(n.geom) AS wkb,
       next.id AS renamed_to_id, next.name AS renamed_to,
       (SELECT x.id FROM name_applications x
        WHERE x.kind = 'abolition' AND x.target_id = n.id
          AND x.state IN ('approved', 'filed', 'announced')
        ORDER BY x.id DESC LIMIT 1) AS abolished_by
FROM place_names n
LEFT JOIN place_names next ON next.id = n.current_id
WHERE n.source = %(source)s AND n.external_id = %(key)s

-- name: division
SELECT code, name FROM current_divisions WHERE code = %(code)s

-- name: divisions_named
-- Current divisions whose name, or name without its generic (civgeo_division_short), is one
-- of ``texts`` (the endings of a 所属政区 as the register writes it), each with the names
-- of the divisions above it, province first.
SELECT d.code, d.name, civgeo_division_short(d.name) AS short,
       ARRAY(SELECT a.name FROM current_divisions a
             WHERE a.code IN (left(d.code, 2) || '0000', left(d.code, 4) || '00',
                              left(d.code, 6), left(d.code, 9))
               AND a.code <> d.code
             ORDER BY CASE a.code WHEN left(d.code, 2) || '0000' THEN 1
                                  WHEN left(d.code, 4) || '00' THEN 2
                                  WHEN left(d.code, 6) THEN 3 ELSE 4 END) AS above,
       ARRAY(SELECT civgeo_division_short(a.name) FROM current_divisions a
             WHERE a.code IN (left(d.code, 2) || '0000', left(d.code, 4) || '00',
                              left(d.code, 6), left(d.code, 9))
               AND a.code <> d.code
             ORDER BY CASE a.code WHEN left(d.code, 2) || '0000' THEN 1
                                  WHEN left(d.code, 4) || '00' THEN 2
                                  WHEN left(d.code, 6) THEN 3 ELSE 4 END) AS above_short
FROM current_divisions d
WHERE d.name = ANY(%(texts)s) OR civgeo_division_short(d.name) = ANY(%(texts)s)
ORDER BY d.code

-- name: insert_name
INSERT INTO place_names (name, proper, generic, roman, roman_toned, roman_manual,
                         category_code, division_code, geom, location_description, meaning,
                         origin, history, status, valid, approved_by, approved_on,
                         document_no, source, external_id, pinyin, proper_pinyin, initials)
VALUES (%(name)s, %(proper)s, %(generic)s, %(roman)s, %(roman_toned)s, %(roman_manual)s,
        %(category_code)s, %(division_code)s, ST_GeomFromWKB(%(wkb)s, 4490),
        %(location_description)s, %(meaning)s, %(origin)s, %(history)s, %(status)s,
        daterange(%(valid_from)s, %(valid_to)s), %(approved_by)s, %(approved_on)s,
        %(document_no)s, %(source)s, %(external_id)s, %(pinyin)s, %(proper_pinyin)s,
        %(initials)s)
RETURNING id

-- name: update_name
UPDATE place_names
SET name = %(name)s, proper = %(proper)s, generic = %(generic)s, roman = %(roman)s,
    roman_toned = %(roman_toned)s, roman_manual = %(roman_manual)s,
    category_code = %(category_code)s, division_code = %(division_code)s,
    geom = ST_GeomFromWKB(%(wkb)s, 4490), location_description = %(location_description)s,
    meaning = %(meaning)s, origin = %(origin)s, history = %(history)s, status = %(status)s,
    valid = daterange(%(valid_from)s, %(valid_to)s), approved_by = %(approved_by)s,
    approved_on = %(approved_on)s, document_no = %(document_no)s, pinyin = %(pinyin)s,
    proper_pinyin = %(proper_pinyin)s, initials = %(initials)s, version = version + 1,
    updated_at = now()
WHERE id = %(id)s

-- name: former_of
-- The former name (曾用名) recorded for a name: the historical name that leads to it, the
-- one of ``name`` first.
SELECT id, name, upper(valid) AS valid_to, source FROM place_names
WHERE current_id = %(id)s AND status = 'historical'
ORDER BY (name = %(name)s) DESC, id
LIMIT 1

-- name: standard_named
-- Current standard names of a name, category and division (other than ``id``).
SELECT id, source FROM place_names
WHERE name = %(name)s AND category_code = %(category_code)s
  AND division_code IS NOT DISTINCT FROM %(division_code)s AND status = 'standard'
  AND id <> %(id)s
ORDER BY id

-- name: retire
-- A standard name the register says was renamed: historical from the day it was replaced.
UPDATE place_names
SET status = 'historical', valid = daterange(lower(valid), %(on)s), current_id = %(current_id)s,
    version = version + 1, updated_at = now()
WHERE id = %(id)s AND status = 'standard' AND (lower(valid) IS NULL OR lower(valid) < %(on)s)
RETURNING id

-- name: insert_former
-- A former name known only from the register: historical until the day it was replaced,
-- where the name that replaced it lies.
INSERT INTO place_names (name, proper, generic, roman, roman_toned, category_code,
                         division_code, geom, status, valid, current_id, source, pinyin,
                         proper_pinyin, initials)
SELECT %(name)s, %(proper)s, %(generic)s, %(roman)s, %(roman_toned)s, cur.category_code,
       cur.division_code, cur.geom, 'historical', daterange(NULL, %(on)s), cur.id,
       %(source)s, %(pinyin)s, %(proper_pinyin)s, %(initials)s
FROM place_names cur WHERE cur.id = %(current_id)s
RETURNING id

-- name: update_former
UPDATE place_names
SET name = %(name)s, proper = %(proper)s, generic = %(generic)s, roman = %(roman)s,
    roman_toned = %(roman_toned)s, pinyin = %(pinyin)s, proper_pinyin = %(proper_pinyin)s,
    initials = %(initials)s,
    valid = daterange(CASE WHEN lower(valid) < %(on)s THEN lower(valid) END, %(on)s),
    version = version + 1,
    updated_at = now()
WHERE id = %(id)s
