-- Where a name's point goes on a map and in a search answer: a point on its surface (inside
-- a district's outline, on a road's line). Computed once per row instead of for every hit
-- of every search: a district's outline of a few hundred vertices cost a third of the
-- database's time per lookup.
ALTER TABLE place_names
    ADD COLUMN label geometry(Point, 4490) GENERATED ALWAYS AS (ST_PointOnSurface(geom)) STORED;
