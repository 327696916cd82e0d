-- name: create
INSERT INTO name_applications (kind, name, category_code, division_code, geom, target_id,
    reason, meaning, origin, location_description, roman_manual, protective_measures,
    approval_basis, applicant, applicant_contact, reports, created_by)
VALUES (%(kind)s, %(name)s, %(category_code)s, %(division_code)s,
        ST_GeomFromText(%(geom_wkt)s, 4490), %(target_id)s, %(reason)s, %(meaning)s,
        %(origin)s, %(location_description)s, %(roman_manual)s, %(protective_measures)s,
        %(approval_basis)s, %(applicant)s, %(applicant_contact)s, %(reports)s, %(created_by)s)
RETURNING id

-- name: get
SELECT a.*, ST_AsText(a.geom) AS geom_wkt, ST_AsGeoJSON(a.geom, 7, 0)::json AS geometry,
       a.approved_on + %(filing_days)s AS filing_due,
       a.approved_on + %(announcement_days)s AS announcement_due
FROM name_applications a WHERE a.id = %(id)s

-- name: list
SELECT a.id, a.kind, a.state, a.name, a.name_as_filed, a.division_code, a.category_code,
       a.applicant, a.approved_on, a.effective_on, a.took_effect_at, a.filed_on,
       a.filing_no, a.announced_on, a.version, a.updated_at, t.name AS target_name
FROM name_applications a
LEFT JOIN place_names t ON t.id = a.target_id
WHERE (%(state)s::text IS NULL OR a.state = %(state)s)
  AND (%(kind)s::text IS NULL OR a.kind = %(kind)s)
ORDER BY a.id DESC

-- name: count_by_state
SELECT state, count(*)::int AS n FROM name_applications
WHERE %(kind)s::text IS NULL OR kind = %(kind)s
GROUP BY state

-- name: lock
-- The application's row, locked until the caller's transaction ends: of two officers
-- acting at once the second waits here, then reads the version the first one left.
SELECT id, kind, state, version FROM name_applications WHERE id = %(id)s FOR UPDATE

-- name: transition
-- Optimistic lock: the row changes only if nobody changed it since the caller read it.
UPDATE name_applications
SET state = %(to_state)s, version = version + 1, updated_at = now(),
    name = coalesce(%(name)s, name),
    name_as_filed = coalesce(name_as_filed, %(name_as_filed)s),
    effective_on = coalesce(%(effective_on)s, effective_on),
    findings = coalesce(%(findings)s::jsonb, findings),
    reports = coalesce(%(reports)s::jsonb, reports),
    approving_authority = coalesce(%(approving_authority)s, approving_authority),
    approved_on = coalesce(%(approved_on)s, approved_on),
    document_no = coalesce(%(document_no)s, document_no),
    filed_on = coalesce(%(filed_on)s, filed_on),
    filing_no = coalesce(%(filing_no)s, filing_no),
    filed_by = coalesce(%(filed_by)s, filed_by),
    announced_on = coalesce(%(announced_on)s, announced_on),
    result_name_id = coalesce(%(result_name_id)s, result_name_id),
    announcement = coalesce(%(announcement)s, announcement)
WHERE id = %(id)s AND version = %(version)s AND state = ANY(%(from_states)s)
RETURNING id, state, version

-- name: correct
-- A returned (or draft) filing's fields as its applicant corrected them (checked before).
UPDATE name_applications
SET name = %(name)s, name_as_filed = %(name_as_filed)s, category_code = %(category_code)s,
    geom = ST_GeomFromText(%(geom_wkt)s, 4490),
    location_description = %(location_description)s, roman_manual = %(roman_manual)s,
    approval_basis = %(approval_basis)s, meaning = %(meaning)s, origin = %(origin)s,
    reason = %(reason)s, updated_at = now()
WHERE id = %(id)s

-- name: event
INSERT INTO name_application_events (application_id, actor, action, from_state, to_state,
                                     note, findings)
VALUES (%(id)s, %(actor)s, %(action)s, %(from_state)s, %(to_state)s, %(note)s, %(findings)s)

-- name: events
SELECT at, actor, action, from_state, to_state, note, findings
FROM name_application_events WHERE application_id = %(id)s ORDER BY id

-- name: target
SELECT id, name, status, protected, category_code, division_code, roman
FROM place_names WHERE id = %(id)s

-- name: retire_name
UPDATE place_names
SET status = %(status)s, valid = daterange(lower(valid), %(on)s), current_id = %(current_id)s,
    version = version + 1, updated_at = now()
WHERE id = %(id)s AND status = 'standard'
RETURNING id

-- name: set_approval
UPDATE place_names
SET approved_by = %(authority)s, approved_on = %(on)s, document_no = %(document_no)s,
    valid = daterange(%(valid_from)s, NULL), meaning = %(meaning)s, origin = %(origin)s,
    roman = coalesce(%(roman_manual)s, roman), roman_toned = coalesce(%(roman_manual)s, roman_toned),
    roman_manual = %(roman_manual)s IS NOT NULL
WHERE id = %(id)s

-- name: record_announcement
UPDATE name_applications SET announcement = %(text)s WHERE id = %(id)s

-- name: record_result
UPDATE name_applications SET result_name_id = %(name_id)s, took_effect_at = now()
WHERE id = %(id)s

-- name: due
-- Approvals whose date has come and whose name is not yet in force; one process at a time
-- takes each (another one running the same change of day skips it).
SELECT id FROM name_applications
WHERE took_effect_at IS NULL AND effective_on <= %(today)s
  AND state IN ('approved', 'filed', 'announced')
ORDER BY effective_on, id
FOR UPDATE SKIP LOCKED

-- name: division_chain
-- 所属政区: the names of the divisions above a code, province first, run together.
SELECT string_agg(name, '' ORDER BY length(division_code)) AS chain
FROM place_names
WHERE status = 'standard' AND category_code LIKE '04%%'
  AND division_code IN (left(%(c)s, 2) || '0000', left(%(c)s, 4) || '00', left(%(c)s, 6),
                        left(%(c)s, 9))

-- name: division_of_application
SELECT division_code FROM name_applications WHERE id = %(id)s

-- name: valid_from
SELECT lower(valid) FROM place_names WHERE id = %(id)s
