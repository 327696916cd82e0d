-- House numbering helpers (geo.plates): the numbering direction of a road, the side of a
-- door, the n-th number of a parity, and the label of a house number.

-- Whether numbering runs against the axis (starts at its last vertex). ``start`` is
-- 'first' | 'last' | 'east' | 'west' | 'north' | 'south' | 'auto'; 'auto' reads the
-- road's overall orientation: an east-west road starts at ``ew_from``, a north-south one
-- at ``ns_from`` (DOMAIN §C: Beijing numbers east→west and north→south).
CREATE OR REPLACE FUNCTION civgeo_numbering_reversed(axis geometry, start text,
                                                     ew_from text, ns_from text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE s
        WHEN 'first' THEN false
        WHEN 'last' THEN true
        WHEN 'east' THEN ST_X(ST_EndPoint(axis)) > ST_X(ST_StartPoint(axis))
        WHEN 'west' THEN ST_X(ST_EndPoint(axis)) < ST_X(ST_StartPoint(axis))
        WHEN 'north' THEN ST_Y(ST_EndPoint(axis)) > ST_Y(ST_StartPoint(axis))
        WHEN 'south' THEN ST_Y(ST_EndPoint(axis)) < ST_Y(ST_StartPoint(axis))
        ELSE false END
    FROM (SELECT CASE WHEN coalesce(start, 'auto') <> 'auto' THEN start
                      WHEN dx = 0 AND dy = 0 THEN 'first'
                      WHEN abs(dx) >= abs(dy) THEN ew_from
                      ELSE ns_from END AS s
          FROM (SELECT (ST_X(ST_EndPoint(axis)) - ST_X(ST_StartPoint(axis)))
                       * cos(radians(ST_Y(ST_StartPoint(axis)))) AS dx,
                       ST_Y(ST_EndPoint(axis)) - ST_Y(ST_StartPoint(axis)) AS dy) d) c
$$;

-- The side of ``pt`` seen along ``line`` at fraction ``f``: 'left' or 'right' (a point on
-- the line counts as right). Degrees serve: scaling an axis keeps the cross product's sign.
CREATE OR REPLACE FUNCTION civgeo_side(line geometry, f double precision, pt geometry)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN (ST_X(b) - ST_X(a)) * (ST_Y(pt) - ST_Y(a))
                   - (ST_Y(b) - ST_Y(a)) * (ST_X(pt) - ST_X(a)) > 0
                THEN 'left' ELSE 'right' END
    FROM (SELECT ST_LineInterpolatePoint(line, greatest(f - 1e-6, 0)) AS a,
                 ST_LineInterpolatePoint(line, least(f + 1e-6, 1)) AS b) s
$$;

-- The n-th (from 0) house number of a parity (odd: 1, 3, 5 …; even: 2, 4, 6 …), leaving
-- out the numbers a rule skips (e.g. 4, 13, 14 where a city avoids them).
CREATE OR REPLACE FUNCTION civgeo_nth_number(n bigint, odd boolean, skip integer[])
RETURNS integer LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    base integer := CASE WHEN odd THEN 1 ELSE 2 END;
    candidate integer := base + 2 * n;
    skipped integer;
BEGIN
    IF skip IS NULL OR cardinality(skip) = 0 THEN
        RETURN candidate;
    END IF;
    LOOP  -- move up by the skipped numbers of this parity at or below the candidate
        SELECT count(*) INTO skipped FROM unnest(skip) s
        WHERE s >= base AND s <= candidate AND s % 2 = base % 2;
        EXIT WHEN base + 2 * (n + skipped) = candidate;
        candidate := base + 2 * (n + skipped);
    END LOOP;
    RETURN candidate;
END
$$;

-- 12 → '12号', 12 and 1 → '12-1号'.
CREATE OR REPLACE FUNCTION civgeo_house_number(number integer, sub smallint)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN number IS NULL THEN NULL
                ELSE number::text || coalesce('-' || sub::text, '') || '号' END
$$;

-- A road's numbering rule: the defaults, then the longest matching division's settings,
-- then the road's own.
CREATE OR REPLACE FUNCTION civgeo_road_rule(defaults jsonb, division text, own jsonb)
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT defaults
           || coalesce((SELECT s.rule FROM plate_settings s
                        WHERE division LIKE s.division_prefix || '%'
                        ORDER BY length(s.division_prefix) DESC LIMIT 1), '{}')
           || coalesce(own, '{}')
$$;

-- Where each current entrance of the given roads lies along its road: the distance from
-- the numbering start (``measure_m``), the side, which parity it takes (``odd``) and how
-- far it is from the road as drawn (``offset_m``). Doors are projected onto the road with
-- longitude scaled by cos(latitude), so a degree counts the same both ways (projecting in
-- raw degrees shifts doors on a diagonal road by metres).
CREATE OR REPLACE FUNCTION civgeo_entrance_positions(road_ids bigint[], defaults jsonb,
                                                     override jsonb DEFAULT '{}')
RETURNS TABLE (entrance_id bigint, road_id bigint, road_name text, rule jsonb,
               spacing_m double precision, skip integer[], number integer, sub smallint,
               number_raw text, geom geometry, measure_m double precision, side text,
               odd boolean, offset_m double precision, road_length_m double precision)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH r AS MATERIALIZED (  -- once per road: its rule, and the line numbered along
        SELECT r.id, r.name, r.length_m, ru.rule, r.geom::geography AS pieces,
               nullif((ru.rule->>'spacing_m')::double precision, 0) AS spacing_m,
               ARRAY(SELECT jsonb_array_elements_text(ru.rule->'skip_numbers')::integer) AS skip,
               ru.rule->>'sides' AS sides, ru.rule->>'odd_side' AS odd_side,
               k.k, ST_Scale(CASE WHEN civgeo_numbering_reversed(
                                        r.axis, ru.rule->>'start', ru.rule->>'ew_from',
                                        ru.rule->>'ns_from')
                                  THEN ST_Reverse(r.axis) ELSE r.axis END, k.k, 1) AS line
        FROM roads r
        CROSS JOIN LATERAL (SELECT cos(radians(ST_Y(ST_StartPoint(r.axis)))) AS k) k
        CROSS JOIN LATERAL (SELECT civgeo_road_rule(defaults, r.division_code, r.rule)
                                   || override AS rule) ru
        WHERE r.id = ANY(road_ids)
    )
    SELECT e.id, r.id, r.name, r.rule, r.spacing_m, r.skip, e.number, e.sub, e.number_raw,
           e.geom, l.f * r.length_m, l.side,
           CASE r.sides WHEN 'odd' THEN true WHEN 'even' THEN false
                ELSE l.side = r.odd_side END,
           ST_Distance(e.geom::geography, r.pieces),
           r.length_m
    FROM r JOIN entrances e ON e.road_id = r.id AND e.status = 'current'
    -- OFFSET 0: a fence, so f and side are worked out once per door (a subquery pulled up
    -- into the query is copied into every expression that uses its columns)
    CROSS JOIN LATERAL (SELECT f, civgeo_side(r.line, f, pt) AS side
                        FROM (SELECT ST_LineLocatePoint(r.line, pt) AS f, pt
                              FROM (SELECT ST_Scale(e.geom, r.k, 1) AS pt OFFSET 0) s
                              OFFSET 0) x
                        OFFSET 0) l
$$;

-- Numbers by the rule for every current entrance of the given roads, ignoring the numbers
-- they have: per side, in order from the start, each door takes the number of its frontage
-- slot (one number per ``spacing_m`` metres, the rest stay reserved) or, where that is
-- taken, the next free one; with no spacing, numbers run on without reserves.
-- n_k = k + max over j <= k of (slot_j - j) is that greedy assignment as one window.
CREATE OR REPLACE FUNCTION civgeo_rule_numbers(road_ids bigint[], defaults jsonb,
                                               override jsonb DEFAULT '{}')
RETURNS TABLE (entrance_id bigint, road_id bigint, measure_m double precision,
               side text, odd boolean, offset_m double precision, new_number integer)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH s AS (
        SELECT p.*, coalesce(floor(p.measure_m / p.spacing_m), 0)::bigint AS slot,
               row_number() OVER w - 1 AS k
        FROM civgeo_entrance_positions(road_ids, defaults, override) p
        WINDOW w AS (PARTITION BY p.road_id, p.odd ORDER BY p.measure_m, p.entrance_id)
    ), a AS (
        SELECT s.*, k + max(slot - k) OVER (PARTITION BY s.road_id, s.odd
                                            ORDER BY s.measure_m, s.entrance_id
                                            ROWS UNBOUNDED PRECEDING) AS n
        FROM s
    )
    SELECT entrance_id, road_id, measure_m, side, odd, offset_m,
           CASE WHEN cardinality(skip) = 0 THEN (CASE WHEN odd THEN 1 ELSE 2 END + 2 * n)::integer
                ELSE civgeo_nth_number(n, odd, skip) END
    FROM a
$$;

-- Validation of the numbering of the given roads (geo.plates.validation): one row per
-- finding. Kinds: wrong_parity, duplicate, out_of_order, reversed (a whole side numbered
-- from the other end; entrance_id is NULL), gap, too_far, wrong_road, unnumbered,
-- bad_number.
CREATE OR REPLACE FUNCTION civgeo_numbering_findings(road_ids bigint[], defaults jsonb)
RETURNS TABLE (entrance_id bigint, road_id bigint, kind text, detail jsonb)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH p AS MATERIALIZED (  -- narrow rows: the rule's settings as numbers, no geometry
        SELECT entrance_id, road_id, spacing_m, skip, number, sub, number_raw, measure_m,
               side, odd, offset_m,
               (rule->>'gap_tolerance')::integer AS gap_tolerance,
               (rule->>'door_tolerance_m')::double precision AS door_tolerance_m,
               (rule->>'wrong_road_min_m')::double precision AS wrong_road_min_m,
               (rule->>'wrong_road_ratio')::double precision AS wrong_road_ratio
        FROM civgeo_entrance_positions(road_ids, defaults)
    ), n AS (
        SELECT p.*, (number + coalesce(sub, 0) / 1000.0)::double precision AS key,
               count(*) OVER (PARTITION BY p.road_id, number, coalesce(sub, 0)) AS same
        FROM p WHERE number IS NOT NULL
    ), o AS (
        -- A door is "high" when a later door on its side has a lower number, "low" when an
        -- earlier door has a higher one. The smaller of the two groups is what is out of
        -- order (21 and 23 in 1 3 21 23 5 7 9); when they are as large, both are flagged.
        SELECT n.*, coalesce(lag(key) OVER w, '-infinity') AS prev_key,
               coalesce(lead(key) OVER w, 'infinity') AS next_key,
               -- frames that start at the partition's edge are summed up incrementally
               coalesce(key > min(key) OVER (PARTITION BY n.road_id, n.odd
                                             ORDER BY measure_m DESC, n.entrance_id DESC
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                        false) AS high,
               coalesce(key < max(key) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                        false) AS low,
               (number % 2 = 1) <> odd AS wrong_parity
        FROM n WINDOW w AS (PARTITION BY n.road_id, n.odd ORDER BY measure_m, n.entrance_id)
    ), sides AS (  -- a side whose numbers mostly fall along the road runs the wrong way
        SELECT o.road_id, o.odd, count(*) FILTER (WHERE prev_key > key) AS down,
               count(*) FILTER (WHERE prev_key < key AND prev_key > '-infinity') AS up,
               count(*) FILTER (WHERE high) AS highs, count(*) FILTER (WHERE low) AS lows
        FROM o GROUP BY o.road_id, o.odd
    ), f AS (
        SELECT o.*, NOT (s.down > s.up AND s.down >= 2)
                    AND ((o.high AND s.highs <= s.lows) OR (o.low AND s.lows <= s.highs))
                    AS out_of_order
        FROM o JOIN sides s ON s.road_id = o.road_id AND s.odd = o.odd
    ), g AS (  -- gaps between doors that are otherwise in order
        SELECT f.*, lag(number) OVER w AS prev_number, lag(measure_m) OVER w AS prev_measure
        FROM f WHERE NOT wrong_parity AND NOT out_of_order AND same = 1
        WINDOW w AS (PARTITION BY f.road_id, f.odd ORDER BY measure_m, f.entrance_id)
    ), gaps AS (
        SELECT g.*, m.missing,
               greatest(CASE WHEN spacing_m IS NULL THEN 0
                             ELSE floor(measure_m / spacing_m)
                                  - coalesce(floor(prev_measure / spacing_m), -1) - 1 END,
                        0) AS reserved
        FROM g CROSS JOIN LATERAL (
            SELECT (number - coalesce(prev_number, CASE WHEN odd THEN -1 ELSE 0 END)) / 2 - 1
                   - CASE WHEN cardinality(skip) = 0 THEN 0 ELSE
                       (SELECT count(*) FROM unnest(skip) x
                        WHERE x > coalesce(prev_number, 0) AND x < number
                          AND x % 2 = number % 2)::integer END AS missing) m
    )
    SELECT entrance_id, road_id, 'wrong_parity',
           jsonb_build_object('side', side, 'expected', CASE WHEN odd THEN 'odd' ELSE 'even' END)
    FROM f WHERE wrong_parity
    UNION ALL
    SELECT entrance_id, road_id, 'duplicate', jsonb_build_object('count', same)
    FROM f WHERE same > 1
    UNION ALL
    SELECT entrance_id, road_id, 'out_of_order',
           jsonb_build_object('previous', nullif(prev_key, '-infinity'),
                              'next', nullif(next_key, 'infinity'))
    FROM f WHERE out_of_order
    UNION ALL
    SELECT NULL, s.road_id, 'reversed',
           jsonb_build_object('parity', CASE WHEN s.odd THEN 'odd' ELSE 'even' END,
                              'descending', s.down, 'ascending', s.up)
    FROM sides s WHERE s.down > s.up AND s.down >= 2
    UNION ALL
    SELECT entrance_id, road_id, 'gap',
           jsonb_build_object('previous', prev_number, 'missing', missing,
                              'reserved', reserved,
                              'frontage_m', round((measure_m - coalesce(prev_measure, 0))::numeric, 1))
    FROM gaps WHERE missing > reserved + gap_tolerance
    UNION ALL
    SELECT entrance_id, road_id, 'too_far',
           jsonb_build_object('offset_m', round(offset_m::numeric, 1),
                              'tolerance_m', door_tolerance_m)
    FROM p WHERE offset_m > door_tolerance_m
    UNION ALL
    SELECT p.entrance_id, p.road_id, 'wrong_road',
           jsonb_build_object('offset_m', round(p.offset_m::numeric, 1), 'nearest_road_id', o.id,
                              'nearest_road', o.name, 'nearest_m', round(o.d::numeric, 1))
    FROM p JOIN entrances e ON e.id = p.entrance_id JOIN roads pr ON pr.id = p.road_id
    CROSS JOIN LATERAL (
        SELECT r.id, r.name, ST_Distance(r.geom::geography, e.geom::geography) AS d
        FROM roads r
        WHERE r.status = 'current' AND r.name <> pr.name
        ORDER BY r.geom <-> e.geom LIMIT 1) o
    WHERE p.offset_m > p.wrong_road_min_m
      AND o.d < p.offset_m * p.wrong_road_ratio
      AND o.d <= p.door_tolerance_m
    UNION ALL
    SELECT entrance_id, road_id, CASE WHEN number_raw IS NULL THEN 'unnumbered' ELSE 'bad_number' END,
           jsonb_build_object('raw', number_raw)
    FROM p WHERE number IS NULL
$$;

-- The last event on a plate that answers its public reports: any officer's event but a
-- bare note (action 'note': an officer's remark, which closes nothing); 0 when none.
CREATE OR REPLACE FUNCTION civgeo_last_officer_answer(plate bigint)
RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(max(o.id), 0) FROM plate_events o
    WHERE o.plate_id = plate AND o.by_name <> 'public' AND o.action <> 'note'
$$;

-- Public reports on a plate that no officer has answered since: a step of its lifecycle,
-- a token change or closing them (action 'reports_closed', with the officer's note).
CREATE OR REPLACE FUNCTION civgeo_pending_public_reports(plate bigint)
RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT count(*) FROM plate_events v
    WHERE v.plate_id = plate AND v.by_name = 'public'
      AND v.id > civgeo_last_officer_answer(plate)
$$;

-- The counties (districts) a road runs through, from its line against the division areas
-- as they stand today: each with at least 20 m of the road inside it (or half the road,
-- for a road shorter than 40 m), so that a road along a boundary is not placed in the
-- district across the kerb; the longest share first. Most roads lie inside one district:
-- those skip the intersection with its outline (half the time of an address lookup).
CREATE OR REPLACE FUNCTION civgeo_road_districts(line geometry) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(jsonb_agg(jsonb_build_object('code', code, 'name', name,
                                                 'length_m', round(inside::numeric, 1))
                              ORDER BY inside DESC, code), '[]'::jsonb)
    FROM (SELECT d.code, d.name,
                 CASE WHEN ST_CoveredBy(line, d.geom) THEN ST_Length(line::geography)
                      ELSE ST_Length(ST_Intersection(d.geom, line)::geography) END AS inside,
                 ST_Length(line::geography) AS total
          FROM current_divisions d
          WHERE d.level = 'county' AND d.geom && line AND ST_Intersects(d.geom, line)) x
    WHERE inside >= least(20.0, total / 2)
$$;

-- roads.districts holds civgeo_road_districts(geom) (migration 0026): set when a road's
-- line is written, and again for the roads near a county whose outline, validity or name
-- changed. A change to the rule above comes with a migration that sets the column to NULL
-- (the last statement of this file fills it).
CREATE OR REPLACE FUNCTION civgeo_roads_set_districts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.districts := civgeo_road_districts(NEW.geom);
    RETURN NEW;
END $$;

CREATE OR REPLACE TRIGGER roads_districts BEFORE INSERT OR UPDATE OF geom ON roads
    FOR EACH ROW EXECUTE FUNCTION civgeo_roads_set_districts();

CREATE OR REPLACE FUNCTION civgeo_divisions_reset_road_districts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE changed geometry[] := '{}';
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE roads SET districts = '[]'::jsonb;
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        changed := changed || ARRAY(SELECT geom FROM old_rows
                                    WHERE level = 'county' AND geom IS NOT NULL);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        changed := changed || ARRAY(SELECT geom FROM new_rows
                                    WHERE level = 'county' AND geom IS NOT NULL);
    END IF;
    IF cardinality(changed) > 0 THEN
        UPDATE roads r SET districts = civgeo_road_districts(r.geom)
        WHERE EXISTS (SELECT 1 FROM unnest(changed) AS c(g) WHERE c.g && r.geom);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER divisions_road_districts_insert AFTER INSERT ON divisions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION civgeo_divisions_reset_road_districts();
CREATE OR REPLACE TRIGGER divisions_road_districts_update AFTER UPDATE ON divisions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION civgeo_divisions_reset_road_districts();
CREATE OR REPLACE TRIGGER divisions_road_districts_delete AFTER DELETE ON divisions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION civgeo_divisions_reset_road_districts();
CREATE OR REPLACE TRIGGER divisions_road_districts_truncate AFTER TRUNCATE ON divisions
    FOR EACH STATEMENT EXECUTE FUNCTION civgeo_divisions_reset_road_districts();

UPDATE roads SET districts = civgeo_road_districts(geom) WHERE districts IS NULL;
