-- Street networks, pgRouting-ready: integer node ids in source/target, lengths in metres.

CREATE TABLE networks (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    source      text NOT NULL,              -- e.g. 'OpenStreetMap (via OSMnx, uscuni/neatnet wuhan_8989)'
    licence     text,
    attribution text,                       -- shown on every map and export that uses it
    dataset     text REFERENCES datasets (name) ON DELETE SET NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE network_nodes (
    id         bigserial PRIMARY KEY,
    network_id integer NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    ext_id     bigint NOT NULL,             -- the source's node id (OSM node id where known)
    geom       geometry(Point, 4490) NOT NULL,
    UNIQUE (network_id, ext_id)
);
CREATE INDEX network_nodes_geom ON network_nodes USING gist (geom);

CREATE TABLE network_edges (
    id         bigserial PRIMARY KEY,
    network_id integer NOT NULL REFERENCES networks (id) ON DELETE CASCADE,
    source     bigint NOT NULL REFERENCES network_nodes (id) ON DELETE CASCADE,
    target     bigint NOT NULL REFERENCES network_nodes (id) ON DELETE CASCADE,
    highway    text,
    name       text,
    length_m   double precision NOT NULL CHECK (length_m >= 0),   -- geodesic, CGCS2000 ellipsoid
    walk       boolean NOT NULL,            -- part of the walking graph
    geom       geometry(LineString, 4490) NOT NULL
);
CREATE INDEX network_edges_geom ON network_edges USING gist (geom);
CREATE INDEX network_edges_network ON network_edges (network_id);
CREATE INDEX network_edges_source ON network_edges (source);
CREATE INDEX network_edges_target ON network_edges (target);
