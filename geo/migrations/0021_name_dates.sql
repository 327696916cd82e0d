-- Dates that hold (issue 17). An approval may name a later date from which the name is in
-- force (启用日期): until then the gazetteer is untouched, and on that date the new name
-- becomes standard and the old one historical (geo.names.workflow.take_effect). A name filed
-- in traditional characters keeps the form it was filed in once the officer has confirmed
-- its standard (simplified) form.
ALTER TABLE name_applications
    ADD COLUMN effective_on   date,         -- in force from (default: the approval date)
    ADD COLUMN took_effect_at timestamptz,  -- when the gazetteer was changed accordingly
    ADD COLUMN name_as_filed  text;         -- the name as filed, once another form is confirmed

-- Approvals recorded before this migration took effect when they were approved.
UPDATE name_applications SET effective_on = approved_on, took_effect_at = updated_at
WHERE approved_on IS NOT NULL;

-- The approvals still waiting for their date (few; scanned at every change of day).
CREATE INDEX name_applications_pending ON name_applications (effective_on)
    WHERE took_effect_at IS NULL AND effective_on IS NOT NULL;
-- Another application waiting to rename or abolish the same name.
CREATE INDEX name_applications_target ON name_applications (target_id)
    WHERE target_id IS NOT NULL;
