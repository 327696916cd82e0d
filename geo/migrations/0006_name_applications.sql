-- The naming / renaming / abolition workflow of 《地名管理条例》 (DOMAIN §A1).

CREATE TABLE name_applications (
    id                   bigserial PRIMARY KEY,
    kind                 text NOT NULL CHECK (kind IN ('naming', 'renaming', 'abolition')),
    state                text NOT NULL DEFAULT 'draft' CHECK (state IN (
                             'draft', 'submitted', 'assessed', 'approved', 'filed', 'announced',
                             'rejected', 'withdrawn')),
    name                 text,                         -- proposed standard name (not for abolition)
    category_code        text REFERENCES place_categories (code),
    division_code        text NOT NULL,                -- the applicant's jurisdiction
    geom                 geometry(Geometry, 4490),
    target_id            bigint REFERENCES place_names (id),  -- the name renamed or abolished
    reason               text,
    meaning              text,
    origin               text,
    location_description text,
    roman_manual         text,                         -- required for minority-language names
    protective_measures  text,                         -- required to rename a protected name
    approval_basis       text,                         -- e.g. the State Council approval for 中华/国际…
    applicant            text NOT NULL,                -- organisation (机关、企事业单位、自治组织)
    applicant_contact    text,                         -- personal data: never shown to the public
    reports              jsonb NOT NULL DEFAULT '[]',  -- [{type, title, date, summary}]
    findings             jsonb NOT NULL DEFAULT '[]',  -- the last run of the checks
    approving_authority  text,
    approved_on          date,
    document_no          text,
    filed_on             date,
    announced_on         date,
    result_name_id       bigint REFERENCES place_names (id),
    announcement         text,
    version              integer NOT NULL DEFAULT 1,
    created_by           text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'abolition' OR name IS NOT NULL),
    CHECK (kind = 'naming' OR target_id IS NOT NULL)
);
CREATE INDEX name_applications_state ON name_applications (state);

-- Every transition, append-only (the audit log has the same with before/after).
CREATE TABLE name_application_events (
    id             bigserial PRIMARY KEY,
    application_id bigint NOT NULL REFERENCES name_applications (id),
    at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor          text NOT NULL,
    action         text NOT NULL,
    from_state     text,
    to_state       text NOT NULL,
    note           text,
    findings       jsonb
);
CREATE INDEX name_application_events_app ON name_application_events (application_id);

-- Rules that differ by province or city (deadlines, word lists): the most specific
-- scope (longest division prefix) wins over the defaults in geo/names/data/rules.json.
CREATE TABLE name_rules (
    scope_prefix text NOT NULL DEFAULT '',   -- '' = national default, '43' = 湖南, '4302' = 株洲
    key          text NOT NULL,
    value        jsonb NOT NULL,
    PRIMARY KEY (scope_prefix, key)
);
