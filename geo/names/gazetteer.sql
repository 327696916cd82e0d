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
       n.filing_no, n.filed_on,
       ST_AsGeoJSON(n.geom, 7, 0)::json AS geometry,
       ST_AsGeoJSON(n.label, 7, 0)::json AS point
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

-- name: former_names_due
-- Division changes whose old name is not yet a former name of the division's current
-- standard name (曾用名 from the division history). A change counts when it named the
-- division differently before (撤县设区, renames, merges …) and the new code has a name.
SELECT c.id AS change_id, c.kind, c.effective, c.old_code, c.old_name, c.approval,
       c.source, cur.id AS current_id, cur.name AS current_name, cur.category_code,
       cur.division_code
FROM division_changes c
JOIN LATERAL (
    SELECT n.id, n.name, n.category_code, n.division_code FROM place_names n
    WHERE n.division_code = c.new_code AND n.status = 'standard'
      AND n.category_code LIKE '04%%'
    ORDER BY n.id LIMIT 1
) cur ON true
WHERE c.old_name IS NOT NULL AND c.new_code IS NOT NULL AND c.old_name <> cur.name
  AND (%(prefix)s::text IS NULL OR c.new_code LIKE %(prefix)s || '%%')
  AND NOT EXISTS (SELECT 1 FROM place_names h
                  WHERE h.name = c.old_name AND h.current_id = cur.id)
ORDER BY c.effective, c.id

-- name: insert_former
-- A former name (status historical) that became ``current_id`` on ``effective``; the
-- area is the current one's (the division history keeps the old outline, if it differs).
INSERT INTO place_names (name, proper, generic, roman, roman_toned, category_code,
                         division_code, geom, status, valid, current_id, history,
                         document_no, source, dataset, pinyin, proper_pinyin, initials)
SELECT %(name)s, %(proper)s, %(generic)s, %(roman)s, %(roman_toned)s, %(category_code)s,
       %(division_code)s, cur.geom, 'historical', daterange(NULL, %(effective)s), cur.id,
       %(history)s, %(document_no)s, %(source)s, %(dataset)s, %(pinyin)s,
       %(proper_pinyin)s, %(initials)s
FROM place_names cur WHERE cur.id = %(current_id)s
RETURNING id
