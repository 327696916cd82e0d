-- name: divisions_items
-- The inner query filters and pages (GiST index for bbox; count(*) OVER () gives
-- numberMatched in the same pass); GeoJSON is built only for the rows of the page.
SELECT json_build_object(
           'type', 'Feature', 'id', d.code,
           'geometry', ST_AsGeoJSON(d.geom, 7, 0)::json,
           'properties', json_build_object(
               'code', d.code, 'name', d.name, 'short_name', d.short_name, 'level', d.level,
               'kind', d.kind, 'parent_code', d.parent_code, 'source', d.source,
               'name_source', d.name_source, 'population', p.total,
               'aged_60_plus', p.aged_60_plus, 'population_source', p.source)) AS feature,
       d.matched
FROM (
    SELECT x.*, count(*) OVER () AS matched
    FROM current_divisions x
    WHERE x.geom IS NOT NULL
      AND (%(minx)s::float8 IS NULL OR x.geom && ST_MakeEnvelope(
            %(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4490))
      AND (%(level)s::text IS NULL OR x.level = %(level)s)
      AND (%(under)s::text IS NULL OR x.code LIKE civgeo_division_prefix(%(under)s) || '%%')
      AND (%(id)s::text IS NULL OR x.code = %(id)s)
    ORDER BY x.code
    LIMIT %(limit)s OFFSET %(offset)s
) d
LEFT JOIN population p ON p.division_code = d.code AND p.year = 2020
ORDER BY d.code

-- name: network_edges_items
SELECT json_build_object(
           'type', 'Feature', 'id', e.id,
           'geometry', ST_AsGeoJSON(e.geom, 7, 0)::json,
           'properties', json_build_object(
               'network', n.name, 'source_node', e.source, 'target_node', e.target,
               'highway', e.highway, 'name', e.name, 'length_m', round(e.length_m::numeric, 2),
               'walk', e.walk, 'attribution', n.attribution)) AS feature,
       e.matched
FROM (
    SELECT x.*, count(*) OVER () AS matched
    FROM network_edges x
    WHERE (%(minx)s::float8 IS NULL OR x.geom && ST_MakeEnvelope(
            %(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4490))
      AND (%(id)s::text IS NULL OR x.id = %(id)s::bigint)
    ORDER BY x.id
    LIMIT %(limit)s OFFSET %(offset)s
) e
JOIN networks n ON n.id = e.network_id
ORDER BY e.id

-- name: divisions_extent
SELECT ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy
FROM (SELECT ST_Extent(geom) AS e FROM current_divisions) x

-- name: network_edges_extent
SELECT ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy
FROM (SELECT ST_Extent(geom) AS e FROM network_edges) x

-- name: names_items
SELECT json_build_object(
           'type', 'Feature', 'id', n.id,
           'geometry', ST_AsGeoJSON(n.geom, 7, 0)::json,
           'properties', json_build_object(
               'name', n.name, 'roman', n.roman, 'proper', n.proper, 'generic', n.generic,
               'category_code', n.category_code, 'division_code', n.division_code,
               'status', n.status, 'approved_by', n.approved_by, 'approved_on', n.approved_on,
               'document_no', n.document_no, 'source', n.source)) AS feature,
       n.matched
FROM (
    SELECT x.*, count(*) OVER () AS matched
    FROM place_names x
    WHERE x.geom IS NOT NULL AND x.status = 'standard'
      AND (%(minx)s::float8 IS NULL OR x.geom && ST_MakeEnvelope(
            %(minx)s, %(miny)s, %(maxx)s, %(maxy)s, 4490))
      AND (%(category)s::text IS NULL OR x.category_code LIKE %(category)s || '%%')
      AND (%(under)s::text IS NULL OR x.division_code LIKE civgeo_division_prefix(%(under)s) || '%%')
      AND (%(id)s::text IS NULL OR x.id = %(id)s::bigint)
    ORDER BY x.id
    LIMIT %(limit)s OFFSET %(offset)s
) n
ORDER BY n.id

-- name: names_extent
SELECT ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy
FROM (SELECT ST_Extent(geom) AS e FROM place_names WHERE status = 'standard') x
