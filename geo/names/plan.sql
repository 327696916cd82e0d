-- name: name_lock
-- Two requests for one name at once: the second waits until the first is committed, then
-- sees it among the active reservations (the conflict check reads committed rows).
SELECT pg_advisory_xact_lock(hashtext('civgeo:name_reservation:' || %(name)s))

-- name: conflicting
-- Active reservations of the same name, in the same top class of category, whose legal
-- scope overlaps this one's (scopes are county-code LIKE patterns, NULL the whole nation:
-- two overlap when one pattern is a prefix of another). Active: requested, reserved and
-- not lapsed, or used by an application still in progress.
SELECT r.id, r.name, r.division_code, r.state, r.expires_on, r.application_id
FROM name_reservations r
LEFT JOIN name_applications a ON a.id = r.application_id
WHERE r.name = %(name)s
  AND r.id IS DISTINCT FROM %(id)s
  AND r.state IN ('requested', 'reserved', 'used')
  AND (r.state <> 'reserved' OR r.expires_on IS NULL OR r.expires_on >= %(today)s)
  AND (r.state <> 'used' OR a.state IN ('draft', 'submitted', 'assessed'))
  AND left(r.category_code, 2) = left(%(category)s, 2)
  AND (r.scope_prefixes IS NULL OR %(scope_prefixes)s::text[] IS NULL
       OR EXISTS (SELECT 1
                  FROM unnest(r.scope_prefixes) AS mine(p), unnest(%(scope_prefixes)s::text[])
                       AS theirs(p)
                  WHERE starts_with(rtrim(mine.p, '%%'), rtrim(theirs.p, '%%'))
                     OR starts_with(rtrim(theirs.p, '%%'), rtrim(mine.p, '%%'))))
ORDER BY r.id
LIMIT 1

-- name: create
INSERT INTO name_reservations (state, name, proper, proper_pinyin, category_code,
                               division_code, scope_prefixes, geom, project, applicant,
                               applicant_contact, meaning, origin, location_description,
                               approval_basis, note, findings, expires_on, created_by,
                               decided_by, decided_at)
VALUES (%(state)s, %(name)s, %(proper)s, %(proper_pinyin)s, %(category_code)s,
        %(division_code)s, %(scope_prefixes)s, ST_GeomFromText(%(geom_wkt)s, 4490),
        %(project)s, %(applicant)s, %(applicant_contact)s, %(meaning)s, %(origin)s,
        %(location_description)s, %(approval_basis)s, %(note)s, %(findings)s::jsonb,
        %(expires_on)s, %(created_by)s, %(decided_by)s,
        CASE WHEN %(decided_by)s::text IS NULL THEN NULL ELSE now() END)
RETURNING id

-- name: get
-- A reservation as it stands on ``today`` (Beijing): a reserved name past its expiry day
-- reads as expired (the row keeps 'reserved': nothing has to run at midnight).
SELECT r.id, CASE WHEN r.state = 'reserved' AND r.expires_on < %(today)s THEN 'expired'
                  ELSE r.state END AS state,
       r.name, r.category_code, c.name AS category_name, r.division_code,
       d.name AS division_name, r.scope_prefixes, r.project, r.applicant,
       r.applicant_contact, r.meaning, r.origin, r.location_description, r.approval_basis,
       r.note, r.findings, r.expires_on, r.decision_note, r.application_id,
       a.state AS application_state, r.version, r.created_by, r.created_at, r.decided_by,
       r.decided_at, r.updated_at, ST_AsText(r.geom) AS geom_wkt,
       ST_AsGeoJSON(r.geom, 7, 0)::json AS geometry
FROM name_reservations r
JOIN place_categories c ON c.code = r.category_code
LEFT JOIN current_divisions d ON d.code = r.division_code
LEFT JOIN name_applications a ON a.id = r.application_id
WHERE r.id = %(id)s

-- name: events
SELECT at, actor, action, from_state, to_state, note
FROM name_reservation_events WHERE reservation_id = %(id)s ORDER BY at, id

-- name: event
INSERT INTO name_reservation_events (reservation_id, actor, action, from_state, to_state, note)
VALUES (%(id)s, %(actor)s, %(action)s, %(from_state)s, %(to_state)s, %(note)s)

-- name: lock
SELECT id, state, version, name FROM name_reservations WHERE id = %(id)s FOR UPDATE

-- name: list
-- The plan of a division (every reservation under its code prefix; name_reservations_division
-- serves the LIKE), newest first; ``q`` finds a part of the name or of the project.
SELECT * FROM (
    SELECT r.id, CASE WHEN r.state = 'reserved' AND r.expires_on < %(today)s THEN 'expired'
                      ELSE r.state END AS state,
           r.name, r.category_code, c.name AS category_name, r.division_code,
           d.name AS division_name, r.project, r.applicant, r.applicant_contact, r.findings,
           r.expires_on, r.decision_note, r.application_id, r.version, r.created_by,
           r.created_at, r.decided_at, ST_AsGeoJSON(r.geom, 7, 0)::json AS geometry
    FROM name_reservations r
    JOIN place_categories c ON c.code = r.category_code
    LEFT JOIN current_divisions d ON d.code = r.division_code
    WHERE (%(prefix)s::text IS NULL OR r.division_code LIKE %(prefix)s || '%%')
      AND (%(q)s::text IS NULL OR strpos(r.name, %(q)s) > 0
           OR strpos(coalesce(r.project, ''), %(q)s) > 0)
) plan
WHERE %(state)s::text IS NULL OR plan.state = %(state)s
ORDER BY plan.id DESC
LIMIT %(limit)s OFFSET %(offset)s

-- name: count_by_state
SELECT CASE WHEN r.state = 'reserved' AND r.expires_on < %(today)s THEN 'expired'
            ELSE r.state END AS state, count(*) AS n
FROM name_reservations r
WHERE %(prefix)s::text IS NULL OR r.division_code LIKE %(prefix)s || '%%'
GROUP BY 1

-- name: transition
UPDATE name_reservations
SET state = %(to_state)s,
    version = version + 1,
    updated_at = now(),
    findings = coalesce(%(findings)s::jsonb, findings),
    expires_on = CASE WHEN %(set_expiry)s THEN %(expires_on)s::date ELSE expires_on END,
    decision_note = coalesce(%(decision_note)s, decision_note),
    application_id = coalesce(%(application_id)s, application_id),
    decided_by = CASE WHEN %(decided)s THEN %(actor)s ELSE decided_by END,
    decided_at = CASE WHEN %(decided)s THEN now() ELSE decided_at END
WHERE id = %(id)s AND version = %(version)s
RETURNING version
