-- The clean-up of non-standard names (清理不规范地名, issue 21): a campaign is an officer's
-- selection of names from an audit of a division, each drafted as a renaming application
-- with the audit's findings as its reason. The campaign never renames anything: the drafts
-- go through the naming workflow like any other application.
CREATE TABLE name_cleanup_campaigns (
    id            bigserial PRIMARY KEY,
    division_code text NOT NULL,                 -- the division audited
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    applicant     text NOT NULL,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE name_cleanup_items (
    campaign_id    bigint NOT NULL REFERENCES name_cleanup_campaigns (id) ON DELETE CASCADE,
    name_id        bigint NOT NULL REFERENCES place_names (id),
    application_id bigint NOT NULL REFERENCES name_applications (id),
    findings       jsonb NOT NULL,               -- the audit's findings when drafted
    PRIMARY KEY (campaign_id, name_id)
);
CREATE INDEX name_cleanup_items_name ON name_cleanup_items (name_id);
