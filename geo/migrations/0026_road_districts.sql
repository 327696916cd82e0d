-- The districts a road runs through, stored with the road: an address lookup read them
-- from its line against the county outlines on every request (1.1 ms of its 1.4 ms in the
-- database). The triggers that keep the column right, on the road's line and on the
-- county outlines, are in geo/functions/40_plates.sql beside civgeo_road_districts.
ALTER TABLE roads ADD COLUMN districts jsonb;
COMMENT ON COLUMN roads.districts IS
    'civgeo_road_districts(geom), kept by triggers on roads and divisions';
