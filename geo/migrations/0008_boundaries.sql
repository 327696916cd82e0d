-- Administrative boundaries (行政区域界线, DOMAIN §D): division change events, boundary
-- lines and markers (界桩), joint inspections (联检) with their teams, patrols, marker
-- checks, hazards and photos. Field records carry the client's UUID and a hash of their
-- content, so a resubmission is recognised and a changed one refused.

-- A change to the divisions (撤县设区, 撤县设市, a new 街道, a rename, a seat move …): the
-- event, with its effective date; applying it closes the old rows and opens new ones.
CREATE TABLE division_changes (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('county_to_district', 'county_to_city',
                                              'new_division', 'abolish', 'rename',
                                              'seat_move', 'boundary_change', 'merge',
                                              'split', 'recode')),
    effective   date NOT NULL,
    old_code    text,
    old_name    text,
    new_code    text,
    new_name    text,
    approval    text,                    -- e.g. the State Council's reply (国函〔…〕…号)
    note        text,
    source      text NOT NULL,
    dataset     text REFERENCES datasets (name) ON DELETE CASCADE,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CHECK (old_code IS NOT NULL OR new_code IS NOT NULL)
);
CREATE INDEX division_changes_codes ON division_changes (old_code, new_code);

-- A boundary line between two neighbouring divisions of the same level. ``number`` is the
-- line number that marker ids start with (GB/T 17796: for provincial lines the two
-- provinces' codes; the county and township schemes are UNCONFIRMED, see boundaries.lines).
CREATE TABLE boundary_lines (
    id          bigserial PRIMARY KEY,
    number      text NOT NULL UNIQUE,
    name        text NOT NULL,           -- 株衡线
    level       text NOT NULL CHECK (level IN ('province', 'prefecture', 'county',
                                               'township')),
    left_code   text NOT NULL,           -- the party with the smaller code
    right_code  text NOT NULL,
    agreement   text,                    -- 协议书 reference
    geom        geometry(MultiLineString, 4490) NOT NULL,
    length_m    double precision NOT NULL,
    source      text NOT NULL,
    dataset     text REFERENCES datasets (name) ON DELETE CASCADE,
    CHECK (left_code < right_code),
    UNIQUE (left_code, right_code)
);
CREATE INDEX boundary_lines_geom ON boundary_lines USING gist (geom);

-- 界桩. The registered position is stored in CGCS2000; the coordinates as surveyed, with
-- their datum (Xi'an 1980, Beijing 1954, CGCS2000), are kept beside it.
CREATE TABLE boundary_markers (
    id             bigserial PRIMARY KEY,
    line_id        bigint NOT NULL REFERENCES boundary_lines (id) ON DELETE CASCADE,
    marker_no      text NOT NULL UNIQUE,  -- line number + 3-digit sequence + type
    seq            integer NOT NULL CHECK (seq BETWEEN 1 AND 999),
    type           text NOT NULL CHECK (type IN ('Q', 'A', 'B', 'C', 'D', 'E')),
    form           text,                  -- 双面型 / 三面型
    geom           geometry(Point, 4490) NOT NULL,
    source_x       double precision,
    source_y       double precision,
    source_datum   text NOT NULL DEFAULT 'CGCS2000',
    elevation_m    double precision,
    custodian_code text NOT NULL,         -- the side that keeps it
    condition      text NOT NULL DEFAULT 'intact'
                   CHECK (condition IN ('intact', 'damaged', 'lost', 'displaced',
                                        'reference_incomplete', 'threatened')),
    registered_on  date,
    source         text NOT NULL,
    dataset        text REFERENCES datasets (name) ON DELETE CASCADE
);
CREATE INDEX boundary_markers_line ON boundary_markers (line_id, seq);
CREATE INDEX boundary_markers_geom ON boundary_markers USING gist (geom);

-- Teams of one side, and the users in them.
CREATE TABLE inspection_teams (
    id        bigserial PRIMARY KEY,
    name      text NOT NULL UNIQUE,
    side_code text NOT NULL,              -- the division the team works for
    members   text[] NOT NULL DEFAULT '{}'
);
CREATE TABLE team_users (
    team_id bigint NOT NULL REFERENCES inspection_teams (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

-- One joint inspection of a line: planned for a year (every five years, or ad hoc after a
-- disaster), carried out by both sides, signed by both, then frozen.
CREATE TABLE inspections (
    id              bigserial PRIMARY KEY,
    line_id         bigint NOT NULL REFERENCES boundary_lines (id) ON DELETE CASCADE,
    year            integer NOT NULL CHECK (year BETWEEN 1990 AND 2100),
    kind            text NOT NULL DEFAULT 'regular' CHECK (kind IN ('regular', 'ad_hoc')),
    reason          text,
    lead_code       text NOT NULL,
    support_code    text NOT NULL,
    lead_team_id    bigint REFERENCES inspection_teams (id),
    support_team_id bigint REFERENCES inspection_teams (id),
    status          text NOT NULL DEFAULT 'planned'
                    CHECK (status IN ('planned', 'in_progress', 'signed')),
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    signed_at       timestamptz,
    CHECK (lead_code <> support_code)
);
CREATE UNIQUE INDEX inspections_one_regular_per_year ON inspections (line_id, year)
    WHERE kind = 'regular';

CREATE TABLE inspection_signatures (
    inspection_id bigint NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    side_code     text NOT NULL,
    signed_by     text NOT NULL,
    user_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    signed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (inspection_id, side_code)
);

-- A patrol: the raw GPS track as uploaded (M = seconds since the epoch) and the cleaned one.
CREATE TABLE patrols (
    id            bigserial PRIMARY KEY,
    uuid          uuid NOT NULL UNIQUE,
    content_hash  text NOT NULL,
    inspection_id bigint NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    side_code     text NOT NULL,
    team_id       bigint REFERENCES inspection_teams (id),
    members       text[] NOT NULL DEFAULT '{}',
    started_at    timestamptz,
    ended_at      timestamptz,
    raw_track     geometry(LineStringM, 4490),
    track         geometry(LineStringM, 4490),
    raw_points    integer NOT NULL,
    track_points  integer NOT NULL,
    length_m      double precision NOT NULL,
    notes         text,
    recorded_by   text NOT NULL,
    user_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patrols_inspection ON patrols (inspection_id);

CREATE TABLE marker_checks (
    id             bigserial PRIMARY KEY,
    uuid           uuid NOT NULL UNIQUE,
    content_hash   text NOT NULL,
    inspection_id  bigint NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    marker_id      bigint NOT NULL REFERENCES boundary_markers (id),
    patrol_uuid    uuid,
    condition      text NOT NULL
                   CHECK (condition IN ('intact', 'damaged', 'lost', 'displaced',
                                        'reference_incomplete', 'threatened')),
    measured       geometry(Point, 4490),
    displacement_m double precision,
    action         text NOT NULL,         -- what DOMAIN §D requires for the condition
    note           text,
    checked_at     timestamptz NOT NULL,
    recorded_by    text NOT NULL,
    user_id        bigint REFERENCES users (id) ON DELETE SET NULL,
    version        integer NOT NULL DEFAULT 1,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX marker_checks_inspection ON marker_checks (inspection_id);
CREATE INDEX marker_checks_marker ON marker_checks (marker_id, checked_at);

CREATE TABLE hazards (
    id            bigserial PRIMARY KEY,
    uuid          uuid NOT NULL UNIQUE,
    content_hash  text NOT NULL,
    inspection_id bigint NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('construction', 'damage', 'dispute',
                                                'mining', 'other')),
    description   text NOT NULL,
    geom          geometry(Point, 4490) NOT NULL,
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress',
                                                               'closed')),
    follow_up     jsonb NOT NULL DEFAULT '[]',   -- [{at, by, note, status}]
    reported_at   timestamptz NOT NULL,
    closed_at     timestamptz,
    recorded_by   text NOT NULL,
    user_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    version       integer NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hazards_inspection ON hazards (inspection_id);

-- Photos: declared with their SHA-256 and size by the record they belong to, uploaded
-- separately (in parts, resumable), and complete when the bytes match the hash.
CREATE TABLE attachments (
    uuid          uuid PRIMARY KEY,
    inspection_id bigint NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    owner_kind    text NOT NULL CHECK (owner_kind IN ('patrol', 'marker_check', 'hazard')),
    owner_uuid    uuid NOT NULL,
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size          integer NOT NULL CHECK (size > 0),
    media_type    text,
    data          bytea NOT NULL DEFAULT '',
    complete      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz
);
CREATE INDEX attachments_owner ON attachments (owner_uuid);
