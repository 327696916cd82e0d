-- name: stamp
-- What an audit depends on: the names and their categories (change counters).
SELECT table_name, version, changed_at FROM layer_changes
WHERE table_name IN ('place_names', 'place_categories') ORDER BY table_name

-- name: names
-- The current standard names under a division prefix ('' for the nation), with the legal
-- uniqueness scope of their category.
SELECT n.id, n.name, n.proper, n.proper_pinyin, n.category_code, c.name AS category_name,
       n.division_code, c.scope
FROM place_names n
JOIN place_categories c ON c.code = n.category_code
WHERE n.status = 'standard'
  AND (%(prefix)s = '' OR n.division_code LIKE %(prefix)s || '%%')
ORDER BY n.id

-- name: division
SELECT code FROM current_divisions WHERE code = %(code)s

-- name: urban_districts
-- Counties that are a city's districts (市辖区): together one built-up area.
SELECT code FROM current_divisions WHERE level = 'county' AND kind = '市辖区'
