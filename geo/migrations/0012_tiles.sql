-- Vector tiles (geo/tiles.py): the basemap's own features, the tile cache, and the
-- invalidation log that keeps the cache true to the rows under it.

-- Features drawn only on the basemap: buildings and water from the samples' OSM files,
-- and the streets of a sample that has no routing network (central Nanjing).
CREATE TABLE basemap_features (
    id      bigserial PRIMARY KEY,
    kind    text NOT NULL CHECK (kind IN ('building', 'water', 'street')),
    name    text,
    class   text,                          -- OSM building=*, water=* or highway=*
    geom    geometry(Geometry, 4490) NOT NULL,
    source  text NOT NULL,                 -- 'OpenStreetMap (…) © OpenStreetMap contributors'
    dataset text REFERENCES datasets (name) ON DELETE CASCADE
);
CREATE INDEX basemap_features_geom ON basemap_features USING gist (geom);
CREATE INDEX basemap_features_dataset ON basemap_features (dataset);
CREATE TRIGGER basemap_features_count_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON basemap_features
    FOR EACH STATEMENT EXECUTE FUNCTION civgeo_count_change();
INSERT INTO layer_changes (table_name) VALUES ('basemap_features');

-- One cached tile. ``snap`` is the snapshot it was built from: a change logged in
-- ``tile_dirty`` by a transaction that snapshot does not see, over ``env``, makes it stale.
-- ``tables``/``versions``/``stamps`` are ``layer_changes`` as the build saw them: a counter
-- that went back, or moved to the same number at another time, means the tables were
-- restored underneath (tests/dbstate.py, a restore) and the tile is not trusted.
CREATE TABLE tile_cache (
    layer    text NOT NULL,
    z        smallint NOT NULL,
    x        integer NOT NULL,
    y        integer NOT NULL,
    data     bytea NOT NULL,               -- empty for a tile with no features
    etag     text NOT NULL,
    env      geometry(Polygon, 4490) NOT NULL,  -- the tile with its buffer, in CGCS2000
    snap     pg_snapshot NOT NULL,
    tables   text[] NOT NULL,
    versions bigint[] NOT NULL,
    stamps   timestamptz[] NOT NULL,
    made_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (layer, z, x, y)
);

-- What changed where: one row per 0.01° cell of changed rows (old and new positions) per
-- statement, under the topic (table) a tile layer reads. Writers only append here, so
-- invalidation takes no lock another writer or a tile reader could wait on; readers test
-- a cached tile against the rows its snapshot does not see. ``geo.tiles.prune`` drops the
-- stale tiles and then the rows older than an hour (longer than any tile build runs).
CREATE TABLE tile_dirty (
    id    bigserial PRIMARY KEY,
    topic text NOT NULL,
    box   geometry(Geometry, 4490) NOT NULL,
    xid   xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX tile_dirty_box ON tile_dirty USING gist (box);

COMMENT ON TABLE tile_dirty IS
    'Append-only log of changed areas per table, for the tile cache (geo/tiles.py).';

-- Log the boxes of ``geoms`` under ``topic``, grouped by 0.01° cell so that a bulk
-- statement (a city's 90,000 edges) logs thousands of boxes, not a row per feature.
CREATE FUNCTION tiles_mark(topic text, geoms geometry[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO tile_dirty (topic, box)
    SELECT topic, ST_SetSRID(ST_Extent(g)::geometry, 4490)
      FROM unnest(geoms) AS g
     WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)
     GROUP BY floor(ST_XMin(g) * 100), floor(ST_YMin(g) * 100);
$$;

-- A TRUNCATE (or a change with no position, such as a facility type's name) touches the
-- whole world.
CREATE FUNCTION tiles_mark_all(topic text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO tile_dirty (topic, box) VALUES (topic, ST_MakeEnvelope(-180, -90, 180, 90, 4490));
$$;

-- The tables whose own geometry column is what their tiles show.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['divisions', 'place_names', 'network_edges', 'facilities',
                             'boundary_lines', 'boundary_markers', 'basemap_features']
    LOOP
        EXECUTE format($f$
            CREATE FUNCTION %1$I() RETURNS trigger LANGUAGE plpgsql AS $b$
            DECLARE g geometry[] := '{}';
            BEGIN
                IF TG_OP = 'TRUNCATE' THEN
                    PERFORM tiles_mark_all(%2$L);
                    RETURN NULL;
                END IF;
                IF TG_OP <> 'INSERT' THEN g := g || ARRAY(SELECT geom FROM old_rows); END IF;
                IF TG_OP <> 'DELETE' THEN g := g || ARRAY(SELECT geom FROM new_rows); END IF;
                PERFORM tiles_mark(%2$L, g);
                RETURN NULL;
            END $b$;
            $f$, 'tiles_mark_' || t, t);
    END LOOP;
END $$;

-- Roads: their own line, their doors (an address shows the road's name) and the plates on
-- those doors.
CREATE FUNCTION tiles_mark_roads() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g geometry[] := '{}'; ids bigint[] := '{}';
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM tiles_mark_all('roads');
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        g := g || ARRAY(SELECT geom FROM old_rows);
        ids := ids || ARRAY(SELECT id FROM old_rows);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        g := g || ARRAY(SELECT geom FROM new_rows);
        ids := ids || ARRAY(SELECT id FROM new_rows);
    END IF;
    PERFORM tiles_mark('roads', g);
    IF TG_OP = 'UPDATE' THEN   -- new roads have no doors yet; deleted ones cascade
        PERFORM tiles_mark('entrances', ARRAY(SELECT geom FROM entrances
                                               WHERE road_id = ANY(ids)));
        PERFORM tiles_mark('plates', ARRAY(
            SELECT coalesce(p.installed_geom, e.geom) FROM plates p
              JOIN entrances e ON e.id = p.entrance_id WHERE e.road_id = ANY(ids)));
    END IF;
    RETURN NULL;
END $$;

-- Doors: their own point, and the plates on them (a plate shows its door's address and
-- sits at its door until it is installed somewhere measured).
CREATE FUNCTION tiles_mark_entrances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g geometry[] := '{}'; ids bigint[] := '{}';
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM tiles_mark_all('entrances');
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        g := g || ARRAY(SELECT geom FROM old_rows);
        ids := ids || ARRAY(SELECT id FROM old_rows);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        g := g || ARRAY(SELECT geom FROM new_rows);
        ids := ids || ARRAY(SELECT id FROM new_rows);
    END IF;
    PERFORM tiles_mark('entrances', g);
    IF TG_OP = 'UPDATE' THEN
        PERFORM tiles_mark('plates', g || ARRAY(
            SELECT installed_geom FROM plates WHERE entrance_id = ANY(ids)));
    END IF;
    RETURN NULL;
END $$;

-- Plates: where they hang (measured, or at their door), before and after.
CREATE FUNCTION tiles_mark_plates() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g geometry[] := '{}';
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM tiles_mark_all('plates');
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        g := g || ARRAY(SELECT coalesce(o.installed_geom, e.geom) FROM old_rows o
                          LEFT JOIN entrances e ON e.id = o.entrance_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        g := g || ARRAY(SELECT coalesce(n.installed_geom, e.geom) FROM new_rows n
                          LEFT JOIN entrances e ON e.id = n.entrance_id);
    END IF;
    PERFORM tiles_mark('plates', g);
    RETURN NULL;
END $$;

-- Facility types carry no position: a change there (a renamed type) touches every
-- facility tile.
CREATE FUNCTION tiles_mark_facility_types() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM tiles_mark_all('facility_types');
    RETURN NULL;
END $$;

-- Three statement triggers per table (PostgreSQL allows transition tables on one event
-- only) and one for TRUNCATE. Their names sort after ``<table>_count_change``.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['divisions', 'place_names', 'network_edges', 'facilities',
                             'boundary_lines', 'boundary_markers', 'basemap_features',
                             'roads', 'entrances', 'plates']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       t || '_tiles_insert', t, 'tiles_mark_' || t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows '
                       'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       t || '_tiles_update', t, 'tiles_mark_' || t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       t || '_tiles_delete', t, 'tiles_mark_' || t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       t || '_tiles_truncate', t, 'tiles_mark_' || t);
    END LOOP;
END $$;

CREATE TRIGGER facility_types_tiles AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON facility_types FOR EACH STATEMENT EXECUTE FUNCTION tiles_mark_facility_types();
