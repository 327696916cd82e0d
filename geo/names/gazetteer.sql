-- name: upsert_category
INSERT INTO place_categories (code, name, parent_code, scope, joined, rank)
VALUES (%(code)s, %(name)s, %(parent_code)s, %(scope)s, %(joined)s, %(rank)s)
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, parent_code = EXCLUDED.parent_code,
    scope = EXCLUDED.scope, joined = EXCLUDED.joined, rank = EXCLUDED.rank

-- name: categories
SELECT code, name, parent_code, scope, joined, rank FROM place_categories ORDER BY code

-- name: stage_names
CREATE TEMP TABLE names_stage (
    name text, proper text, generic text, roman text, roman_toned text, category_code text,
    division_code text, wkb text, meaning text, status text, source text, pinyin text,
    proper_pinyin text, initials text, ordinality bigserial
) ON COMMIT DROP

-- name: insert_staged
INSERT INTO place_names (name, proper, generic, roman, roman_toned, category_code,
                         division_code, geom, meaning, status, source, dataset, pinyin,
                         proper_pinyin, initials)
SELECT name, proper, generic, roman, roman_toned, category_code, division_code,
       ST_GeomFromWKB(decode(wkb, 'hex'), 4490), meaning, status, source, %(dataset)s, pinyin,
       proper_pinyin, initials
FROM names_stage
ORDER BY ordinality
RETURNING id

-- name: get_name
SELECT n.id, n.name, n.proper, n.generic, n.roman, n.roman_toned, n.roman_manual,
       n.minority_name, n.minority_language, n.category_code, c.name AS category,
       n.division_code, n.meaning, n.origin, n.history, n.status,
       lower(n.valid) AS valid_from, upper(n.valid) AS valid_to, n.current_id,
       n.approved_by, n.approved_on, n.document_no, n.protected, n.source, n.version,
       ST_AsGeoJSON(n.geom, 7, 0)::json AS geometry,
       ST_AsGeoJSON(ST_PointOnSurface(n.geom), 7, 0)::json AS point
FROM place_names n JOIN place_categories c ON c.code = n.category_code
WHERE n.id = %(id)s

-- name: former_names
-- 曾用名: every name whose chain of current_id leads here, newest first.
WITH RECURSIVE chain AS (
    SELECT id, name, roman, status, valid, current_id, approved_by, approved_on, document_no
    FROM place_names WHERE current_id = %(id)s
    UNION ALL
    SELECT p.id, p.name, p.roman, p.status, p.valid, p.current_id, p.approved_by,
           p.approved_on, p.document_no
    FROM place_names p JOIN chain c ON p.current_id = c.id
)
SELECT id, name, roman, status, lower(valid) AS valid_from, upper(valid) AS valid_to,
       approved_by, approved_on, document_no
FROM chain ORDER BY upper(valid) DESC NULLS LAST, id DESC

-- name: division_names
-- Names of the sample divisions: their short names, geometry and parent chain.
SELECT d.code, d.short_name AS name, d.level, d.kind, d.urban, d.source,
       ST_AsBinary(d.geom) AS wkb
FROM current_divisions d
WHERE (d.code LIKE civgeo_division_prefix(%(code)s) || '%%' OR d.code = left(%(code)s, 2) || '0000')
  AND d.geom IS NOT NULL
ORDER BY d.code

-- name: street_names
-- Named streets of a network: one line (merged where pieces touch) per name.
SELECT e.name, ST_AsBinary(ST_LineMerge(ST_Collect(e.geom))) AS wkb,
       (SELECT d.code FROM current_divisions d
        WHERE d.geom IS NOT NULL AND ST_Intersects(d.geom, ST_PointOnSurface(ST_Collect(e.geom)))
        ORDER BY length(d.code) DESC LIMIT 1) AS division_code
FROM network_edges e
WHERE e.network_id = %(network_id)s AND e.name IS NOT NULL AND e.name ~ '^[一-龥]+$'
GROUP BY e.name

-- name: register_entries
-- 标准地名录 of a division: current standard names under it, by category; those filed at the
-- division itself too (a district's own rivers and streets, the district's name).
SELECT n.id, n.name, n.roman, n.category_code, c.name AS category, n.division_code,
       n.meaning, n.origin, n.history, n.approved_by, n.approved_on, n.document_no,
       (SELECT string_agg(p.name, '' ORDER BY length(p.division_code), p.division_code)
        FROM place_names p
        WHERE p.division_code IN (left(n.division_code, 4) || '00', left(n.division_code, 6),
                                  left(n.division_code, 9))
          AND p.division_code <> n.division_code AND p.category_code LIKE '04%%'
          AND p.status = 'standard') AS within,
       round(ST_X(ST_PointOnSurface(n.geom))::numeric, 5) AS lon,
       round(ST_Y(ST_PointOnSurface(n.geom))::numeric, 5) AS lat
FROM place_names n JOIN place_categories c ON c.code = n.category_code
WHERE n.status = 'standard'
  AND n.division_code LIKE civgeo_division_prefix(%(code)s) || '%%'
ORDER BY n.category_code, n.division_code, n.name
LIMIT %(limit)s

-- name: names_frame
-- Names with their geometry, for maps.
SELECT n.id, n.name, n.roman, c.name AS category, n.status, n.division_code,
       ST_AsBinary(n.geom) AS geom
FROM place_names n JOIN place_categories c ON c.code = n.category_code
WHERE n.id = ANY(%(ids)s) AND n.geom IS NOT NULL

-- name: count_names
SELECT count(*) FROM place_names WHERE dataset = %(dataset)s

-- name: named_division_codes
SELECT DISTINCT division_code FROM place_names WHERE division_code IS NOT NULL

-- name: refresh_search_indexes
-- After a bulk load the GIN pending lists are long and every search would scan them until
-- autovacuum runs: merge them now and refresh the planner's statistics.
SELECT gin_clean_pending_list(i::regclass)
FROM unnest(ARRAY['place_names_bigrams', 'place_names_chars']) AS i;
ANALYZE place_names;
