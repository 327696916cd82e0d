-- Place-name plans (地名规划, issue 21): names reserved for planned roads and areas before
-- they are built. A division's plan is its reservations. A reservation is checked like a
-- naming application and, while active, blocks the same name for others in its legal
-- scope; when the road is built it becomes a naming application (``used``). The planning
-- and construction departments request reservations before their projects are approved
-- (审批前置) through the role planning_liaison: a request waits as ``requested`` until a
-- names officer accepts (``reserved``) or declines it.
CREATE TABLE name_reservations (
    id                   bigserial PRIMARY KEY,
    state                text NOT NULL CHECK (state IN (
                             'requested', 'reserved', 'declined', 'released', 'used')),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    proper               text NOT NULL,               -- 专名, for the homophone check
    proper_pinyin        text NOT NULL,               -- tone-less pinyin of the 专名
    category_code        text NOT NULL REFERENCES place_categories (code),
    division_code        text NOT NULL,
    -- The legal uniqueness scope when the name was reserved (geo.names.checks.scope_prefixes:
    -- county-code LIKE patterns); NULL is the whole nation.
    scope_prefixes       text[],
    geom                 geometry(Geometry, 4490),     -- the planned road or area
    project              text,                         -- 规划项目, e.g. 荷塘区新华东路延长线工程
    applicant            text NOT NULL,                -- the department asking (规划、住建…)
    applicant_contact    text,                         -- personal data
    meaning              text,
    origin               text,
    location_description text,
    approval_basis       text,
    note                 text,                         -- what the requester adds
    findings             jsonb NOT NULL DEFAULT '[]',   -- the checks when last decided
    expires_on           date,                         -- a reservation lapses after this day
    decision_note        text,                         -- why it was declined or released
    application_id       bigint REFERENCES name_applications (id),  -- when used
    version              integer NOT NULL DEFAULT 1,
    created_by           text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    decided_by           text,
    decided_at           timestamptz,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (state <> 'used' OR application_id IS NOT NULL)
);
CREATE INDEX name_reservations_division ON name_reservations (division_code text_pattern_ops);
-- The checks look up active reservations by name and by the pinyin of the 专名.
CREATE INDEX name_reservations_name ON name_reservations (name)
    WHERE state IN ('requested', 'reserved', 'used');
CREATE INDEX name_reservations_pinyin ON name_reservations (proper_pinyin)
    WHERE state IN ('requested', 'reserved', 'used');
CREATE INDEX name_reservations_application ON name_reservations (application_id);

-- Every step of a reservation, append-only (the audit log has the same with before/after).
CREATE TABLE name_reservation_events (
    id             bigserial PRIMARY KEY,
    reservation_id bigint NOT NULL REFERENCES name_reservations (id),
    at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor          text NOT NULL,
    action         text NOT NULL,
    from_state     text,
    to_state       text NOT NULL,
    note           text
);
CREATE INDEX name_reservation_events_reservation ON name_reservation_events (reservation_id);

-- The planning and construction departments' liaison (规划、住建部门联络人): reads the plan
-- and requests reservations, nothing else.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN (
    'planner', 'inspector', 'names_officer', 'plates_officer', 'planning_liaison', 'admin'));
