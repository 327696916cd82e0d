-- Vector tiles (geo/tiles.py). Every layer block selects one MVT layer for tile
-- (%(z)s, %(x)s, %(y)s) of WebMercatorQuad. Common parameters, computed in Python:
--   w, s, e, n      the tile with its 64-unit buffer, in CGCS2000 degrees: the filter box.
--                   A constant box (not ST_Transform of a column) keeps the GiST index usable.
--   cw, cs, ce, cn  a box twice that margin, to clip large shapes before they are projected
--                   (a province has 18,000 vertices; a z14 tile needs a few hundred of them)
--   tol             half a tile unit in degrees: ST_Simplify tolerance (display only)
--   small           shapes whose box is smaller than this (w + h, degrees) are dropped
-- ST_AsMVTGeom clips to the tile with a 64-unit buffer (of 4096) and snaps to the grid.

-- name: divisions
-- Levels by zoom (``levels``, from geo.tiles.DIVISION_ZOOM); index divisions_geom.
SELECT ST_AsMVT(t, 'divisions', 4096, 'geom') AS data FROM (
    SELECT d.code, d.name, d.level, d.kind,
           ST_AsMVTGeom(ST_Transform(ST_Simplify(ST_ClipByBox2D(
               d.geom, ST_MakeEnvelope(%(cw)s, %(cs)s, %(ce)s, %(cn)s, 4490)), %(tol)s, true),
               3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
      FROM current_divisions d
     WHERE d.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
       AND d.level = ANY(%(levels)s)
       AND ST_XMax(d.geom) - ST_XMin(d.geom) + ST_YMax(d.geom) - ST_YMin(d.geom) > %(small)s
) t WHERE t.geom IS NOT NULL

-- name: names
-- Standard names with a geometry, as drawn (points, lines, areas; ``dims`` picks which),
-- the larger categories first in zoom: province 3, prefecture 5, county 8, township 10,
-- the rest 12. Index place_names_geom.
SELECT ST_AsMVT(t, %(mvt)s, 4096, 'geom') AS data FROM (
    SELECT p.id, p.name, p.category_code, p.roman, p.status, p.division_code,
           ST_AsMVTGeom(ST_Transform(ST_Simplify(ST_ClipByBox2D(
               p.geom, ST_MakeEnvelope(%(cw)s, %(cs)s, %(ce)s, %(cn)s, 4490)), %(tol)s, true),
               3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
      FROM place_names p
     WHERE p.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
       AND p.status = 'standard'
       AND ST_Dimension(p.geom) = ANY(%(dims)s)
       AND CASE WHEN p.category_code LIKE '0401%%' THEN 3 WHEN p.category_code LIKE '0402%%' THEN 5
                WHEN p.category_code LIKE '0403%%' THEN 8 WHEN p.category_code LIKE '0404%%' THEN 10
                ELSE 12 END <= %(z)s
) t WHERE t.geom IS NOT NULL

-- name: network_edges
-- Street classes by zoom (``classes``; NULL from z14: all). Index network_edges_geom.
SELECT ST_AsMVT(t, 'network_edges', 4096, 'geom') AS data FROM (
    SELECT e.id, e.highway, e.name, e.walk,
           ST_AsMVTGeom(ST_Transform(ST_Simplify(e.geom, %(tol)s), 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
      FROM network_edges e
     WHERE e.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
       AND (%(classes)s::text[] IS NULL OR e.highway = ANY(%(classes)s::text[]))
) t WHERE t.geom IS NOT NULL

-- name: facilities
-- Index facilities_geom. No address, operator or notes: what a style needs.
SELECT ST_AsMVT(t, 'facilities', 4096, 'geom') AS data FROM (
    SELECT f.id, f.name, f.type, ft.name AS type_name, ft.kind, ft.level, f.status,
           ST_AsMVTGeom(ST_Transform(f.geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                        4096, 64, true) AS geom
      FROM facilities f JOIN facility_types ft ON ft.code = f.type
     WHERE f.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
) t WHERE t.geom IS NOT NULL

-- name: boundary_lines
-- Line levels by zoom (``levels``). Index boundary_lines_geom.
SELECT ST_AsMVT(t, 'boundary_lines', 4096, 'geom') AS data FROM (
    SELECT l.id, l.number, l.name, l.level,
           ST_AsMVTGeom(ST_Transform(ST_Simplify(ST_ClipByBox2D(
               l.geom, ST_MakeEnvelope(%(cw)s, %(cs)s, %(ce)s, %(cn)s, 4490)), %(tol)s),
               3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
      FROM boundary_lines l
     WHERE l.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
       AND l.level = ANY(%(levels)s)
) t WHERE t.geom IS NOT NULL

-- name: boundary_markers
-- Index boundary_markers_geom. The surveyed coordinates and custodians stay in the API.
SELECT ST_AsMVT(t, 'boundary_markers', 4096, 'geom') AS data FROM (
    SELECT m.id, m.marker_no, m.line_id, m.type, m.condition,
           ST_AsMVTGeom(ST_Transform(m.geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                        4096, 64, true) AS geom
      FROM boundary_markers m
     WHERE m.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
) t WHERE t.geom IS NOT NULL

-- name: roads
-- Current roads of the house-number register. Index roads_geom.
SELECT ST_AsMVT(t, 'roads', 4096, 'geom') AS data FROM (
    SELECT r.id, r.name, r.kind, r.division_code,
           ST_AsMVTGeom(ST_Transform(ST_Simplify(r.geom, %(tol)s), 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
      FROM roads r
     WHERE r.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
       AND r.status = 'current'
) t WHERE t.geom IS NOT NULL

-- name: addresses
-- Current doors with their standard address (road name + number, 附号 as 12-1).
-- Index entrances_geom.
SELECT ST_AsMVT(t, 'addresses', 4096, 'geom') AS data FROM (
    SELECT e.id, r.name AS road, e.number, e.sub, e.name,
           CASE WHEN e.number IS NOT NULL THEN
                r.name || e.number || coalesce('-' || e.sub, '') || '号' END AS address,
           ST_AsMVTGeom(ST_Transform(e.geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                        4096, 64, true) AS geom
      FROM entrances e JOIN roads r ON r.id = e.road_id
     WHERE e.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
       AND e.status = 'current'
) t WHERE t.geom IS NOT NULL

-- name: plates
-- Plates where they hang (measured, else at their door). No token, photo or officer.
-- Two index scans (measured position, door position) instead of a filter on coalesce().
SELECT ST_AsMVT(t, 'plates', 4096, 'geom') AS data FROM (
    SELECT p.id, p.kind, p.size, p.status, p.installed_on::text AS installed_on,
           CASE WHEN e.number IS NOT NULL THEN
                r.name || e.number || coalesce('-' || e.sub, '') || '号' END AS address,
           ST_AsMVTGeom(ST_Transform(coalesce(p.installed_geom, e.geom), 3857),
                        ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
      FROM plates p JOIN entrances e ON e.id = p.entrance_id JOIN roads r ON r.id = e.road_id
     WHERE p.id IN (SELECT p2.id FROM plates p2
                     WHERE p2.installed_geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
                    UNION
                    SELECT p3.id FROM plates p3 JOIN entrances e3 ON e3.id = p3.entrance_id
                     WHERE p3.installed_geom IS NULL
                       AND e3.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490))
) t WHERE t.geom IS NOT NULL

-- name: basemap
-- The combined basemap source: six MVT layers concatenated into one tile (an MVT tile is
-- a sequence of layers). Buildings from z13; divisions and their labels by level; streets
-- by class (``classes``) from the network and the samples' OSM streets; standard names
-- that are not divisions (those are division_labels) as label points.
SELECT
  (SELECT coalesce(ST_AsMVT(t, 'water', 4096, 'geom'), '') FROM (
      SELECT b.name, b.class,
             ST_AsMVTGeom(ST_Transform(ST_Simplify(ST_ClipByBox2D(
                 b.geom, ST_MakeEnvelope(%(cw)s, %(cs)s, %(ce)s, %(cn)s, 4490)), %(tol)s, true),
                 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
        FROM basemap_features b
       WHERE b.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490) AND b.kind = 'water'
         AND ST_XMax(b.geom) - ST_XMin(b.geom) + ST_YMax(b.geom) - ST_YMin(b.geom) > %(small)s
  ) t WHERE t.geom IS NOT NULL)
  ||
  (SELECT coalesce(ST_AsMVT(t, 'buildings', 4096, 'geom'), '') FROM (
      SELECT b.name,
             ST_AsMVTGeom(ST_Transform(b.geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                          4096, 64, true) AS geom
        FROM basemap_features b
       WHERE %(z)s >= 13 AND b.kind = 'building'
         AND b.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
  ) t WHERE t.geom IS NOT NULL)
  ||
  (SELECT coalesce(ST_AsMVT(t, 'divisions', 4096, 'geom'), '') FROM (
      SELECT d.code, d.name, d.level,
             ST_AsMVTGeom(ST_Transform(ST_Simplify(ST_ClipByBox2D(
                 d.geom, ST_MakeEnvelope(%(cw)s, %(cs)s, %(ce)s, %(cn)s, 4490)), %(tol)s, true),
                 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
        FROM current_divisions d
       WHERE d.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
         AND d.level = ANY(%(levels)s)
         AND ST_XMax(d.geom) - ST_XMin(d.geom) + ST_YMax(d.geom) - ST_YMin(d.geom) > %(small)s
  ) t WHERE t.geom IS NOT NULL)
  ||
  (SELECT coalesce(ST_AsMVT(t, 'division_labels', 4096, 'geom'), '') FROM (
      SELECT l.code, l.name, l.level,
             ST_AsMVTGeom(ST_Transform(l.pt, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                          4096, 64, true) AS geom
        FROM (SELECT d.code, d.name, d.level, ST_PointOnSurface(d.geom) AS pt
                FROM current_divisions d
               WHERE d.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
                 AND d.level = ANY(%(levels)s)) l
       WHERE l.pt && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
  ) t WHERE t.geom IS NOT NULL)
  ||
  (SELECT coalesce(ST_AsMVT(t, 'streets', 4096, 'geom'), '') FROM (
      SELECT s.name, s.highway,
             ST_AsMVTGeom(ST_Transform(ST_Simplify(s.geom, %(tol)s), 3857),
                          ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
        FROM (SELECT e.name, e.highway, e.geom FROM network_edges e
               WHERE e.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
              UNION ALL
              SELECT b.name, b.class, b.geom FROM basemap_features b
               WHERE b.kind = 'street'
                 AND b.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)) s
       WHERE %(classes)s::text[] IS NULL OR s.highway = ANY(%(classes)s::text[])
  ) t WHERE t.geom IS NOT NULL)
  ||
  (SELECT coalesce(ST_AsMVT(t, 'names', 4096, 'geom'), '') FROM (
      SELECT l.name, l.category_code,
             ST_AsMVTGeom(ST_Transform(l.pt, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s),
                          4096, 64, true) AS geom
        FROM (SELECT p.name, p.category_code, ST_PointOnSurface(p.geom) AS pt
                FROM place_names p
               WHERE p.geom && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
                 AND p.status = 'standard' AND %(z)s >= 12
                 AND p.category_code NOT LIKE '04%%' AND p.category_code NOT LIKE '05%%') l
       WHERE l.pt && ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490)
  ) t WHERE t.geom IS NOT NULL) AS data

-- name: cached
-- A cached tile, if nothing it shows has changed since it was built: no change logged
-- over it (index tile_dirty_box) by a transaction its snapshot did not see; its snapshot
-- from this cluster's past; the change counters of its tables not gone back.
SELECT c.data, c.etag FROM tile_cache c
 WHERE c.layer = %(layer)s AND c.z = %(z)s AND c.x = %(x)s AND c.y = %(y)s
   AND pg_snapshot_xmax(c.snap) <= pg_snapshot_xmax(pg_current_snapshot())
   AND NOT EXISTS (SELECT FROM tile_dirty d
                    WHERE d.box && c.env AND d.topic = ANY(c.tables)
                      AND (NOT pg_visible_in_snapshot(d.xid, c.snap)
                           -- a snapshot counts its own transaction's xid as seen: a tile
                           -- built earlier in this transaction predates this one's edits
                           OR d.xid = pg_current_xact_id_if_assigned()))
   AND NOT EXISTS (SELECT FROM unnest(c.tables, c.versions, c.stamps) AS b(t, v, s)
                     LEFT JOIN layer_changes l ON l.table_name = b.t
                    WHERE l.version IS NULL OR l.version < b.v
                       OR (l.version = b.v AND l.changed_at <> b.s))

-- name: build
-- The tile and the cache row in one statement, so the row's snapshot (pg_current_snapshot)
-- and the change counters are exactly the ones the tile was drawn from. The layer block
-- above goes in place of the tile placeholder.
WITH v AS (
    SELECT coalesce(array_agg(table_name ORDER BY table_name), '{}') AS tables,
           coalesce(array_agg(version ORDER BY table_name), '{}') AS versions,
           coalesce(array_agg(changed_at ORDER BY table_name), '{}') AS stamps
      FROM layer_changes WHERE table_name = ANY(%(tables)s)
), tile AS (
    SELECT coalesce(data, '') AS data FROM ({tile}) q
), ins AS (
    INSERT INTO tile_cache AS c (layer, z, x, y, data, etag, env, snap, tables, versions, stamps)
    SELECT %(layer)s, %(z)s, %(x)s, %(y)s, tile.data, md5(tile.data),
           ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, 4490), pg_current_snapshot(),
           v.tables, v.versions, v.stamps
      FROM tile, v
    ON CONFLICT (layer, z, x, y) DO UPDATE
       SET data = EXCLUDED.data, etag = EXCLUDED.etag, env = EXCLUDED.env,
           snap = EXCLUDED.snap, tables = EXCLUDED.tables, versions = EXCLUDED.versions,
           stamps = EXCLUDED.stamps, made_at = clock_timestamp()
    RETURNING c.etag
)
SELECT tile.data, (SELECT etag FROM ins) AS etag FROM tile

-- name: prune_tiles
-- Drop the cached tiles that a logged change has made stale (they would be rebuilt on
-- their next fetch anyway).
DELETE FROM tile_cache c
 WHERE EXISTS (SELECT FROM tile_dirty d
                WHERE d.box && c.env AND d.topic = ANY(c.tables)
                  AND NOT pg_visible_in_snapshot(d.xid, c.snap))

-- name: prune_log
-- Then forget the changes every snapshot still in use sees (older than the oldest
-- backend_xmin) and that are older than an hour: no tile built from before them can
-- still be on its way into the cache.
DELETE FROM tile_dirty d
 WHERE d.at < clock_timestamp() - interval '1 hour'
   AND age(d.xid::xid) > (SELECT coalesce(max(age(backend_xmin)), 0)
                            FROM pg_stat_activity WHERE backend_xmin IS NOT NULL)

-- name: flush
-- Empty the cache of some layers (or all when ``layers`` is NULL): for benchmarks and
-- after a bulk load.
DELETE FROM tile_cache WHERE %(layers)s::text[] IS NULL OR layer = ANY(%(layers)s::text[])

-- name: extent
-- The extent of a layer's tables, for TileJSON bounds and OGC tile-matrix limits.
SELECT ST_XMin(b) AS w, ST_YMin(b) AS s, ST_XMax(b) AS e, ST_YMax(b) AS n
  FROM (SELECT ST_Extent(geom) AS b FROM (
          SELECT geom FROM current_divisions WHERE 'divisions' = ANY(%(tables)s)
                                               AND level <> 'province'
          UNION ALL SELECT geom FROM place_names
                     WHERE 'place_names' = ANY(%(tables)s) AND status = 'standard'
          UNION ALL SELECT geom FROM network_edges WHERE 'network_edges' = ANY(%(tables)s)
          UNION ALL SELECT geom FROM facilities WHERE 'facilities' = ANY(%(tables)s)
          UNION ALL SELECT geom FROM boundary_lines WHERE 'boundary_lines' = ANY(%(tables)s)
          UNION ALL SELECT geom FROM boundary_markers WHERE 'boundary_markers' = ANY(%(tables)s)
          UNION ALL SELECT geom FROM roads WHERE 'roads' = ANY(%(tables)s)
          UNION ALL SELECT geom FROM entrances WHERE 'entrances' = ANY(%(tables)s)
          UNION ALL SELECT geom FROM basemap_features WHERE 'basemap_features' = ANY(%(tables)s)
        ) g) q
 WHERE b IS NOT NULL

-- name: insert_basemap_features
-- execute_values rows: (kind, name, class, WKB hex in CGCS2000 lon/lat, source, dataset).
INSERT INTO basemap_features (kind, name, class, geom, source, dataset)
SELECT v.kind, v.name, v.class, ST_SetSRID(ST_GeomFromWKB(decode(v.wkb, 'hex')), 4490),
       v.source, v.dataset
  FROM (VALUES %s) AS v (kind, name, class, wkb, source, dataset)
