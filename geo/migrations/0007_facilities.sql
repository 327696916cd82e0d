-- Facilities (elder care, funeral, disaster relief), coverage settings and saved scenarios,
-- burial-prohibited zone layers (三沿六区), and each network's extent (its edges' convex hull
-- with 100 m to spare).

ALTER TABLE networks ADD COLUMN extent geometry(Polygon, 4490);
UPDATE networks n SET extent = (
    SELECT ST_SetSRID(ST_Buffer(ST_ConvexHull(ST_Collect(geom))::geography, 100)::geometry, 4490)
    FROM network_edges WHERE network_id = n.id);
CREATE INDEX networks_extent ON networks USING gist (extent);

-- Kinds of facility. ``circle`` marks the community-level elder-care sites that count for
-- the 15-minute eldercare circle; ``institution`` the ones whose beds count as 养老床位.
CREATE TABLE facility_types (
    code        text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('eldercare', 'funeral', 'relief')),
    name        text NOT NULL,
    level       text,                      -- eldercare: institution/street/community; relief: tier
    circle      boolean NOT NULL DEFAULT false,
    institution boolean NOT NULL DEFAULT false,
    public_cemetery boolean NOT NULL DEFAULT false,
    sort        smallint NOT NULL DEFAULT 0
);

CREATE TABLE facilities (
    id             bigserial PRIMARY KEY,
    type           text NOT NULL REFERENCES facility_types (code),
    name           text NOT NULL CHECK (length(btrim(name)) > 0),
    geom           geometry(Point, 4490) NOT NULL,
    division_code  text,                   -- the smallest division containing it (set on write)
    address        text,
    operator       text,
    ownership      text CHECK (ownership IN ('public', 'private', 'public-private')),
    status         text NOT NULL DEFAULT 'open'
                   CHECK (status IN ('planned', 'building', 'open', 'suspended', 'closed')),
    opened         date,
    beds           integer CHECK (beds >= 0),
    nursing_beds   integer CHECK (nursing_beds >= 0 AND nursing_beds <= coalesce(beds, 0)),
    places         integer CHECK (places >= 0),   -- elderly a community service site can serve
    area_m2        numeric CHECK (area_m2 >= 0),
    meals_per_day  integer CHECK (meals_per_day >= 0),
    plots_total    integer CHECK (plots_total >= 0),
    plots_used     integer CHECK (plots_used >= 0 AND plots_used <= coalesce(plots_total, 0)),
    notes          text,
    source         text NOT NULL,          -- 'synthetic …', 'import <file>', 'api'
    ext_id         text,                   -- the importer's own id: re-importing updates
    dataset        text REFERENCES datasets (name) ON DELETE CASCADE,
    version        integer NOT NULL DEFAULT 1,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, ext_id)
);
CREATE INDEX facilities_geom ON facilities USING gist (geom);
CREATE INDEX facilities_type ON facilities (type);
CREATE INDEX facilities_division ON facilities (division_code text_pattern_ops);

-- Every earlier version of a facility, with who changed it and when.
CREATE TABLE facility_history (
    facility_id bigint NOT NULL REFERENCES facilities (id) ON DELETE CASCADE,
    version     integer NOT NULL,
    valid_until timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    row_before  jsonb NOT NULL,
    PRIMARY KEY (facility_id, version)
);

-- Relief stock: what a warehouse holds.
CREATE TABLE relief_stock (
    id          bigserial PRIMARY KEY,
    facility_id bigint NOT NULL REFERENCES facilities (id) ON DELETE CASCADE,
    category    text NOT NULL,
    item        text NOT NULL,
    unit        text NOT NULL,
    quantity    numeric NOT NULL CHECK (quantity >= 0),
    expiry      date
);
CREATE INDEX relief_stock_facility ON relief_stock (facility_id);

-- Coverage settings overriding geo/coverage/data/defaults.json per province or city.
CREATE TABLE coverage_settings (
    scope_prefix text NOT NULL DEFAULT '',   -- '' national, '43' 湖南, '4302' 株洲
    key          text NOT NULL,
    value        jsonb NOT NULL,
    PRIMARY KEY (scope_prefix, key)
);

-- Saved site-suggestion scenarios, so planners can compare them.
CREATE TABLE coverage_scenarios (
    id            bigserial PRIMARY KEY,
    division_code text NOT NULL,
    name          text NOT NULL,
    params        jsonb NOT NULL,
    result        jsonb NOT NULL,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Polygon and line layers of the burial-prohibited zones (三沿六区); which layers apply in
-- a province, and the buffer of each line layer, are coverage settings.
CREATE TABLE burial_zone_features (
    id       bigserial PRIMARY KEY,
    layer    text NOT NULL,              -- 'railway', 'river', 'water_source', 'scenic' …
    name     text,
    geom     geometry(Geometry, 4490) NOT NULL,
    source   text NOT NULL,
    dataset  text REFERENCES datasets (name) ON DELETE CASCADE
);
CREATE INDEX burial_zone_features_geom ON burial_zone_features USING gist (geom);

-- Zhuzhou's 2018 eldercare facility plan (株洲市养老服务设施布局规划): 32 beds per 1000
-- elderly, community eldercare facilities covering 80 % of urban and 58 % of rural
-- communities. Hunan's 民政厅 reading of 三沿六区 (DOMAIN §F).
INSERT INTO coverage_settings (scope_prefix, key, value) VALUES
    ('4302', 'beds_per_1000_target', '32'),
    ('4302', 'community_coverage_target_urban', '0.8'),
    ('4302', 'community_coverage_target_rural', '0.58'),
    ('43', 'burial_zones', '{"road_highways": ["motorway", "trunk", "primary"],
        "road_buffer_m": 200, "line_layers": {"railway": 200, "river": 100},
        "polygon_layers": ["reservoir", "water_source", "farmland", "forest", "scenic",
                           "residential", "heritage"]}');
