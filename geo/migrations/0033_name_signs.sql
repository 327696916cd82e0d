-- 地名标志 (GB 17733): street and lane signs (街路巷标志), village signs (村标志) and building
-- and compound signs (建筑物、居民区标志) are physical plates like 门牌 and 楼牌, which the same
-- standard counts among its signs. They live in ``plates`` so that one lifecycle (events),
-- one QR-token register, one public damage report and one kind of campaign serve both.
-- A sign stands for a standard name (``name_id``) at a position (``geom``) and keeps the
-- text actually printed on it, so a renaming or a corrected romanization shows it outdated.

ALTER TABLE plates DROP CONSTRAINT plates_kind_check;
ALTER TABLE plates DROP CONSTRAINT plates_check;
ALTER TABLE plates ALTER COLUMN entrance_id DROP NOT NULL;
ALTER TABLE plates
    ADD COLUMN name_id       bigint REFERENCES place_names (id) ON DELETE CASCADE,
    ADD COLUMN road_id       bigint REFERENCES roads (id) ON DELETE CASCADE,
    ADD COLUMN geom          geometry(Point, 4490),
    ADD COLUMN printed_name  text CHECK (length(printed_name) BETWEEN 1 AND 60),
    ADD COLUMN printed_roman text CHECK (length(printed_roman) <= 200),
    ADD COLUMN source        text,
    ADD CONSTRAINT plates_kind_check
        CHECK (kind IN ('door', 'building', 'unit', 'street', 'village', 'compound')),
    ADD CONSTRAINT plates_check
        CHECK ((kind = 'door' AND entrance_id IS NOT NULL AND building_id IS NULL
                AND unit IS NULL)
               OR (kind = 'building' AND entrance_id IS NOT NULL AND building_id IS NOT NULL
                   AND unit IS NULL)
               OR (kind = 'unit' AND entrance_id IS NOT NULL AND building_id IS NOT NULL
                   AND unit IS NOT NULL)
               OR (kind IN ('street', 'village', 'compound') AND entrance_id IS NULL
                   AND building_id IS NULL AND unit IS NULL AND name_id IS NOT NULL
                   AND geom IS NOT NULL AND printed_name IS NOT NULL));
CREATE INDEX plates_name ON plates (name_id) WHERE name_id IS NOT NULL;
CREATE INDEX plates_road ON plates (road_id) WHERE road_id IS NOT NULL;
CREATE INDEX plates_geom ON plates USING gist (geom) WHERE geom IS NOT NULL;

-- A campaign sets up or replaces plates (门牌设置/更换) or signs (地名标志设置/更换).
ALTER TABLE plate_campaigns
    ADD COLUMN subject text NOT NULL DEFAULT 'plates' CHECK (subject IN ('plates', 'signs'));
