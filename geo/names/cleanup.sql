-- name: create
INSERT INTO name_cleanup_campaigns (division_code, title, applicant, created_by)
VALUES (%(division)s, %(title)s, %(applicant)s, %(actor)s)
RETURNING id

-- name: item
INSERT INTO name_cleanup_items (campaign_id, name_id, application_id, findings)
VALUES (%(campaign)s, %(name_id)s, %(application)s, %(findings)s)

-- name: open_drafts
-- Names already drafted for renaming by a clean-up campaign, whose draft is still open.
SELECT i.name_id, i.application_id, i.campaign_id
FROM name_cleanup_items i JOIN name_applications a ON a.id = i.application_id
WHERE i.name_id = ANY(%(ids)s) AND a.state IN ('draft', 'submitted', 'assessed')

-- name: campaign
SELECT c.id, c.division_code, c.title, c.applicant, c.created_by, c.created_at
FROM name_cleanup_campaigns c WHERE c.id = %(id)s

-- name: items
SELECT i.name_id, n.name AS current_name, i.application_id, a.name AS proposed_name,
       a.state, i.findings
FROM name_cleanup_items i
JOIN place_names n ON n.id = i.name_id
JOIN name_applications a ON a.id = i.application_id
WHERE i.campaign_id = %(id)s ORDER BY i.name_id

-- name: campaigns
SELECT c.id, c.division_code, c.title, c.created_by, c.created_at,
       count(i.*) AS names,
       count(*) FILTER (WHERE a.state IN ('approved', 'filed', 'announced')) AS approved
FROM name_cleanup_campaigns c
LEFT JOIN name_cleanup_items i ON i.campaign_id = c.id
LEFT JOIN name_applications a ON a.id = i.application_id
WHERE %(division)s::text IS NULL OR c.division_code LIKE %(division)s || '%%'
GROUP BY c.id ORDER BY c.id DESC
