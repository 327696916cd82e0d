-- Addresses and plates that are whole (issue 17, item 5).
--
-- 1. A door's name (a building's or compound's name, shown beside its address) is text or
--    nothing: a missing value written as the words NaN, None, null or undefined (pandas and
--    JavaScript leave these behind) is set back to NULL and refused from now on.
UPDATE entrances SET name = NULL
WHERE name IS NOT NULL
  AND (btrim(name) = '' OR lower(btrim(name)) IN ('nan', 'none', 'null', 'undefined', 'nat', '<na>'));
ALTER TABLE entrances ADD CONSTRAINT entrances_name_is_text CHECK (
    name IS NULL OR (btrim(name) <> ''
                     AND lower(btrim(name)) NOT IN ('nan', 'none', 'null', 'undefined', 'nat',
                                                    '<na>')));

-- 2. A road is linked to its standard name (街路巷 in the gazetteer). Roads written before
--    the link was required get it here: the standard street name of the same spelling filed
--    in the road's county (or a division below it), nearest first. New roads,
--    renamed roads, split roads and imported roads are refused without one (geo.plates.roads).
UPDATE roads r SET name_id = (
    SELECT n.id FROM place_names n
    WHERE n.name = r.name AND n.status = 'standard' AND n.category_code LIKE '08%'
      AND (r.division_code IS NULL OR n.division_code IS NULL
           OR left(n.division_code, 6) = left(r.division_code, 6))
    ORDER BY n.geom <-> r.axis NULLS LAST, n.id
    LIMIT 1)
WHERE r.name_id IS NULL;
CREATE INDEX roads_name_id ON roads (name_id);
