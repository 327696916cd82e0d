-- Helpers on division codes (re-applied on every migrate).

CREATE OR REPLACE FUNCTION civgeo_division_prefix(code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT CASE
        WHEN length(code) > 6 THEN code
        WHEN code LIKE '__0000' THEN left(code, 2)
        WHEN code LIKE '____00' THEN left(code, 4)
        ELSE code
    END
$$;
COMMENT ON FUNCTION civgeo_division_prefix(text) IS
    'The significant leading digits of a 6/9/12-digit division code: 430000 -> 43, 430200 -> 4302, '
    '430202 -> 430202. Every division under it has a code starting with this prefix.';

CREATE OR REPLACE FUNCTION civgeo_gk_srid(lon double precision) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT 4534 + (floor(lon / 3.0 + 0.5)::integer - 25)
$$;
COMMENT ON FUNCTION civgeo_gk_srid(double precision) IS
    'EPSG code of the CGCS2000 3-degree Gauss-Kruger zone (central meridian form, EPSG:4534-4554) '
    'for a longitude; same rule as geo.crs.gk_zone.';

CREATE OR REPLACE VIEW current_divisions AS
    SELECT * FROM divisions WHERE upper_inf(valid);
COMMENT ON VIEW current_divisions IS 'Divisions as they stand today (open-ended validity).';

CREATE OR REPLACE VIEW walk_edges AS
    SELECT id, network_id, source, target, length_m AS cost, length_m AS reverse_cost, geom
    FROM network_edges WHERE walk;
COMMENT ON VIEW walk_edges IS
    'The walking graph for pgRouting: undirected, cost and reverse_cost in metres.';
