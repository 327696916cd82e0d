-- House-number plates (门牌, DOMAIN §C): roads with their numbering rule, entrances (the
-- door addresses along a road), buildings behind them, plates as physical assets with an
-- event history, campaigns, numbering proposals and the old → new mapping of every
-- renumbering.

-- A road to number: a named line, possibly in several pieces. ``axis`` is the one line
-- the numbering runs along (the pieces joined in order, see geo.plates.roads); ``rule``
-- holds this road's numbering settings over the defaults (direction, odd side, spacing …).
CREATE TABLE roads (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 60),
    name_id       bigint REFERENCES place_names (id) ON DELETE SET NULL,  -- its standard name
    division_code text,                       -- the county it lies in (address scope)
    kind          text NOT NULL DEFAULT 'road' CHECK (kind IN ('road', 'lane')),
    geom          geometry(MultiLineString, 4490) NOT NULL,
    axis          geometry(LineString, 4490) NOT NULL,
    length_m      double precision NOT NULL CHECK (length_m > 0),
    rule          jsonb NOT NULL DEFAULT '{}',
    status        text NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'retired')),
    source        text NOT NULL,
    dataset       text REFERENCES datasets (name) ON DELETE CASCADE,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX roads_geom ON roads USING gist (geom);
CREATE INDEX roads_name ON roads (name);
CREATE INDEX roads_division ON roads (division_code text_pattern_ops);

-- Numbering settings per division (longest code prefix wins), over geo/plates defaults.
CREATE TABLE plate_settings (
    division_prefix text PRIMARY KEY CHECK (division_prefix ~ '^[0-9]{2,12}$'),
    rule            jsonb NOT NULL,
    note            text
);

-- 门牌: a door or gate on a road. ``number``/``sub`` is the house number (12, 12-1 附号);
-- ``number_raw`` keeps a number from an old register that is not a valid one (12A), so
-- validation can report it. Duplicates are allowed here because old registers have them:
-- validation finds them, and civgeo's own writes refuse them.
CREATE TABLE entrances (
    id          bigserial PRIMARY KEY,
    road_id     bigint NOT NULL REFERENCES roads (id) ON DELETE CASCADE,
    number      integer CHECK (number > 0),
    sub         smallint CHECK (sub > 0),
    number_raw  text,
    name        text,                          -- a compound or unit behind the door (小区, 单位)
    geom        geometry(Point, 4490) NOT NULL,
    status      text NOT NULL DEFAULT 'current' CHECK (status IN ('current', 'retired')),
    source      text NOT NULL,
    dataset     text REFERENCES datasets (name) ON DELETE CASCADE,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (sub IS NULL OR number IS NOT NULL)
);
CREATE INDEX entrances_geom ON entrances USING gist (geom);
CREATE INDEX entrances_road ON entrances (road_id, number);
CREATE INDEX entrances_name ON entrances (name) WHERE name IS NOT NULL;

-- 楼栋 behind a door; its 单元 and 户室 follow from units, floors and rooms per floor
-- (room = floor + two-digit sequence: 501, 502).
CREATE TABLE buildings (
    id              bigserial PRIMARY KEY,
    entrance_id     bigint NOT NULL REFERENCES entrances (id) ON DELETE CASCADE,
    no              integer NOT NULL CHECK (no > 0),
    units           smallint NOT NULL DEFAULT 1 CHECK (units BETWEEN 1 AND 30),
    floors          smallint NOT NULL DEFAULT 1 CHECK (floors BETWEEN 1 AND 120),
    rooms_per_floor smallint NOT NULL DEFAULT 2 CHECK (rooms_per_floor BETWEEN 1 AND 99),
    geom            geometry(Point, 4490),
    UNIQUE (entrance_id, no)
);

-- A physical plate. The token is opaque and revocable; the QR code carries only the
-- public URL built from it (DOMAIN §C), never an address or a person.
CREATE TABLE plates (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL DEFAULT 'door' CHECK (kind IN ('door', 'building', 'unit')),
    size             text NOT NULL DEFAULT 'medium' CHECK (size IN ('large', 'medium', 'small')),
    -- Doors are retired, not deleted; a cascade only runs when a sample dataset goes.
    entrance_id      bigint NOT NULL REFERENCES entrances (id) ON DELETE CASCADE,
    building_id      bigint REFERENCES buildings (id) ON DELETE CASCADE,
    unit             smallint CHECK (unit > 0),
    status           text NOT NULL DEFAULT 'planned'
                     CHECK (status IN ('planned', 'ordered', 'installed', 'damaged',
                                       'missing', 'replaced', 'removed')),
    token            text NOT NULL UNIQUE CHECK (token ~ '^[A-Za-z0-9_-]{8,64}$'),
    token_revoked_at timestamptz,
    token_revoked_reason text,
    replaces_id      bigint REFERENCES plates (id) ON DELETE SET NULL,
    -- Set when the door's address changed after the plate was made: what the plate shows.
    printed_address  text,
    installed_on     date,
    installed_geom   geometry(Point, 4490),
    photo            bytea,
    photo_type       text,
    version          integer NOT NULL DEFAULT 1,
    created_by       text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'door' AND building_id IS NULL AND unit IS NULL)
           OR (kind = 'building' AND building_id IS NOT NULL AND unit IS NULL)
           OR (kind = 'unit' AND building_id IS NOT NULL AND unit IS NOT NULL))
);
CREATE INDEX plates_entrance ON plates (entrance_id);
CREATE INDEX plates_status ON plates (status);

-- Every token a plate ever had: never given out twice, and a withdrawn one answers
-- "withdrawn" (410) for good, even after the plate got a new one.
CREATE TABLE plate_tokens (
    token          text PRIMARY KEY CHECK (token ~ '^[A-Za-z0-9_-]{8,64}$'),
    plate_id       bigint NOT NULL REFERENCES plates (id) ON DELETE CASCADE,
    issued_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz,
    revoked_reason text
);
CREATE INDEX plate_tokens_plate ON plate_tokens (plate_id);

-- Everything that happened to a plate, append-only: the lifecycle is this history.
CREATE TABLE plate_events (
    id          bigserial PRIMARY KEY,
    plate_id    bigint NOT NULL REFERENCES plates (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    action      text NOT NULL,
    from_status text,
    to_status   text,
    by_name     text NOT NULL,                -- the officer, or 'public' for a public report
    note        text,
    geom        geometry(Point, 4490)
);
CREATE INDEX plate_events_plate ON plate_events (plate_id, at);

CREATE TABLE plate_campaigns (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    kind          text NOT NULL CHECK (kind IN ('new', 'replace')),
    division_code text,
    due_on        date,
    note          text,
    dataset       text REFERENCES datasets (name) ON DELETE CASCADE,  -- sample campaigns
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE campaign_plates (
    campaign_id bigint NOT NULL REFERENCES plate_campaigns (id) ON DELETE CASCADE,
    plate_id    bigint NOT NULL REFERENCES plates (id) ON DELETE CASCADE,
    PRIMARY KEY (campaign_id, plate_id)
);

-- A numbering proposal: what would change, computed against a road version and a digest
-- of its entrances; applying it checks both, so a stale proposal is refused.
CREATE TABLE numbering_proposals (
    id           bigserial PRIMARY KEY,
    road_id      bigint NOT NULL REFERENCES roads (id) ON DELETE CASCADE,
    road_version integer NOT NULL,
    digest       text NOT NULL,
    request      jsonb NOT NULL,
    result       jsonb NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    applied_at   timestamptz
);

-- An applied renumbering (rename, split, extension, rule change, new doors) and its
-- old → new address mapping, kept as history.
CREATE TABLE renumberings (
    id          bigserial PRIMARY KEY,
    road_id     bigint NOT NULL REFERENCES roads (id) ON DELETE CASCADE,
    proposal_id bigint REFERENCES numbering_proposals (id) ON DELETE SET NULL,
    reason      text NOT NULL,
    applied_by  text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE renumbering_items (
    renumbering_id bigint NOT NULL REFERENCES renumberings (id) ON DELETE CASCADE,
    entrance_id    bigint NOT NULL REFERENCES entrances (id) ON DELETE CASCADE,
    old_road_id    bigint NOT NULL,
    old_road       text NOT NULL,
    old_number     text,
    new_road_id    bigint NOT NULL,
    new_road       text NOT NULL,
    new_number     text,
    PRIMARY KEY (renumbering_id, entrance_id)
);
CREATE INDEX renumbering_items_entrance ON renumbering_items (entrance_id);
