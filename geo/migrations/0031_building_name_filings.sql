-- Building and compound names (建筑物名称备案, issue 21 item 4): a filing is a kind of name
-- application with a shorter path than an approval (draft → checked → filed, or returned
-- with the findings of the checks and submitted again once corrected). The filing record
-- (备案号, the officer who recorded it, the day) is kept on the application and on the
-- standard name the filing puts into the register (geo.names.workflow).
ALTER TABLE name_applications
    DROP CONSTRAINT name_applications_kind_check,
    ADD CONSTRAINT name_applications_kind_check
        CHECK (kind IN ('naming', 'renaming', 'abolition', 'filing')),
    DROP CONSTRAINT name_applications_state_check,
    ADD CONSTRAINT name_applications_state_check CHECK (state IN (
        'draft', 'submitted', 'checked', 'returned', 'assessed', 'approved', 'filed',
        'announced', 'rejected', 'withdrawn')),
    -- renaming and abolition name the current name; a naming or a filing names a new place
    DROP CONSTRAINT name_applications_check1,
    ADD CONSTRAINT name_applications_target_check
        CHECK (kind IN ('naming', 'filing') OR target_id IS NOT NULL),
    ADD CONSTRAINT name_applications_filing_target_check
        CHECK (kind <> 'filing' OR target_id IS NULL),
    ADD COLUMN filing_no text,   -- 备案号 (a filing's, or the approver's filing with the level above)
    ADD COLUMN filed_by  text;   -- the names officer who recorded the filing

-- One 备案号 per building-name filing (numbers are drawn per county and year).
CREATE UNIQUE INDEX name_applications_filing_no ON name_applications (filing_no)
    WHERE kind = 'filing';

-- The filing record of a name that entered the register by filing rather than approval.
ALTER TABLE place_names
    ADD COLUMN filing_no text,   -- 备案号
    ADD COLUMN filed_on  date,   -- 备案日期
    ADD COLUMN filed_by  text;   -- the names officer who recorded it (staff only)
