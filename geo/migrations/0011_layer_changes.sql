-- A change counter per table that a published layer (OGC collection, vector tile layer)
-- is drawn from. Every statement that writes such a table bumps its row here, in the same
-- transaction, so the counter changes exactly when the committed data does. Clients get
-- it as ETag/Last-Modified (a 304 when nothing changed) and caches of tiles and pages
-- key on it. ``changed_at`` is part of every key, so a counter that ever went back (a
-- restored table) can never match an older cached answer.
CREATE TABLE layer_changes (
    table_name text PRIMARY KEY,
    version    bigint NOT NULL DEFAULT 0,
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION civgeo_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO layer_changes AS c (table_name, version, changed_at)
    VALUES (TG_TABLE_NAME, 1, clock_timestamp())
    ON CONFLICT (table_name)
    DO UPDATE SET version = c.version + 1, changed_at = clock_timestamp();
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['divisions', 'population', 'place_names', 'place_categories',
                             'networks', 'network_edges', 'facilities', 'facility_types',
                             'relief_stock', 'coverage_scenarios', 'boundary_lines',
                             'boundary_markers', 'roads', 'entrances', 'buildings', 'plates']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION civgeo_count_change()',
                       t || '_count_change', t);
        EXECUTE format('INSERT INTO layer_changes (table_name) VALUES (%L)', t);
    END LOOP;
END $$;
