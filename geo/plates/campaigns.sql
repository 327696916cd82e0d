-- name: insert_campaign
INSERT INTO plate_campaigns (name, kind, division_code, due_on, note, created_by, subject)
VALUES (%(name)s, %(kind)s, %(division)s, %(due_on)s, %(note)s, %(by)s, %(subject)s)
RETURNING id

-- name: campaign_name_taken
SELECT id FROM plate_campaigns WHERE name = %(name)s

-- name: doors_needing_plates
-- Numbered doors of the roads (or the division) with no plate in service.
SELECT e.id FROM entrances e JOIN roads r ON r.id = e.road_id
WHERE e.status = 'current' AND e.number IS NOT NULL AND r.status = 'current'
  AND (%(roads)s::bigint[] IS NULL OR r.id = ANY(%(roads)s::bigint[]))
  AND (%(division)s::text IS NULL
       OR r.division_code LIKE civgeo_division_prefix(%(division)s) || '%%')
  AND NOT EXISTS (SELECT 1 FROM plates p WHERE p.entrance_id = e.id AND p.kind = 'door'
                  AND p.status NOT IN ('replaced', 'removed'))
ORDER BY r.name, e.number, e.sub NULLS FIRST

-- name: plates_to_replace
SELECT p.id FROM plates p JOIN entrances e ON e.id = p.entrance_id JOIN roads r ON r.id = e.road_id
WHERE (p.status IN ('damaged', 'missing')
       OR (p.status = 'installed' AND p.printed_address IS NOT NULL))
  AND NOT EXISTS (SELECT 1 FROM plates n WHERE n.replaces_id = p.id)
  AND (%(roads)s::bigint[] IS NULL OR r.id = ANY(%(roads)s::bigint[]))
  AND (%(division)s::text IS NULL
       OR r.division_code LIKE civgeo_division_prefix(%(division)s) || '%%')
ORDER BY r.name, e.number, p.id

-- name: link
INSERT INTO campaign_plates (campaign_id, plate_id)
SELECT %(campaign)s, unnest(%(plates)s::bigint[])

-- name: campaigns
SELECT c.id, c.name, c.kind, c.subject, c.division_code, c.due_on, c.note, c.created_by, c.created_at,
       count(p.id) AS plates,
       count(p.id) FILTER (WHERE p.status = 'planned') AS planned,
       count(p.id) FILTER (WHERE p.status = 'ordered') AS ordered,
       count(p.id) FILTER (WHERE p.status = 'installed') AS installed,
       count(p.id) FILTER (WHERE p.status IN ('damaged', 'missing')) AS needing_attention,
       count(p.id) FILTER (WHERE p.status IN ('replaced', 'removed')) AS closed
FROM plate_campaigns c
LEFT JOIN campaign_plates cp ON cp.campaign_id = c.id
LEFT JOIN plates p ON p.id = cp.plate_id
WHERE (%(id)s::bigint IS NULL OR c.id = %(id)s) AND c.subject = %(subject)s
GROUP BY c.id ORDER BY c.created_at DESC, c.id DESC

-- name: campaign_plate_ids
SELECT p.id, p.entrance_id, p.token, p.kind, p.size, p.status, b.no AS building_no, p.unit
FROM campaign_plates cp JOIN plates p ON p.id = cp.plate_id
JOIN entrances e ON e.id = p.entrance_id JOIN roads r ON r.id = e.road_id
LEFT JOIN buildings b ON b.id = p.building_id
WHERE cp.campaign_id = %(id)s AND p.token_revoked_at IS NULL
  AND p.status NOT IN ('replaced', 'removed')
ORDER BY r.name, e.number, e.sub NULLS FIRST, p.kind, b.no, p.unit, p.id
