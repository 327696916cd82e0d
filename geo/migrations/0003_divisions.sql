-- Administrative divisions (行政区划) with their history, census population and the
-- sample datasets that loaded them.

CREATE TABLE datasets (
    name        text PRIMARY KEY,           -- 'zhuzhou', 'wuhan', or a loaded city's code
    title       text NOT NULL,
    params      jsonb NOT NULL,             -- what was asked for; a reload with other params rebuilds
    summary     jsonb NOT NULL DEFAULT '{}',
    attribution text[] NOT NULL DEFAULT '{}',
    loaded_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per division per period of validity: a change (撤县设区, a rename, new
-- geometry) closes the current row and opens a new one, so queries can ask "as of".
CREATE TABLE divisions (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL CHECK (code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'),
    name        text NOT NULL,
    short_name  text NOT NULL,              -- without 居委会/村委会 etc.
    level       text NOT NULL CHECK (level IN ('province', 'prefecture', 'county',
                                              'township', 'community')),
    kind        text,                       -- 市辖区/县/县级市, 街道/镇/乡, 社区/村 ...
    urban       boolean,                    -- communities: 社区 (urban) or 村 (rural)
    parent_code text,
    valid       daterange NOT NULL DEFAULT daterange(NULL, NULL),
    geom        geometry(MultiPolygon, 4490),
    centre      geometry(Point, 4490),
    source      text NOT NULL,              -- where the geometry came from; 'synthetic …' if made up
    name_source text NOT NULL,              -- where the name and code came from
    dataset     text REFERENCES datasets (name) ON DELETE SET NULL,
    CONSTRAINT divisions_one_row_per_time EXCLUDE USING gist (code WITH =, valid WITH &&)
);
CREATE INDEX divisions_geom ON divisions USING gist (geom);
CREATE INDEX divisions_centre ON divisions USING gist (centre);
CREATE INDEX divisions_parent ON divisions (parent_code);
CREATE INDEX divisions_code_prefix ON divisions (code text_pattern_ops);

-- Population per division and year. County rows are census figures; community rows
-- in the sample data are the county's census totals spread synthetically (see source).
CREATE TABLE population (
    division_code text NOT NULL,
    year          smallint NOT NULL,
    total         integer NOT NULL CHECK (total >= 0),
    urban         integer CHECK (urban >= 0),
    rural         integer CHECK (rural >= 0),
    aged_60_plus  integer NOT NULL CHECK (aged_60_plus BETWEEN 0 AND total),
    aged_65_plus  integer CHECK (aged_65_plus <= aged_60_plus),
    aged_80_plus  integer CHECK (aged_80_plus <= aged_65_plus),
    source        text NOT NULL,
    dataset       text REFERENCES datasets (name) ON DELETE SET NULL,
    PRIMARY KEY (division_code, year)
);
