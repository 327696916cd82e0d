-- Imports of the registers a department already keeps (界桩登记表, 门牌登记): every imported
-- row carries the register it came from (``source``, which the tables have already) and its
-- id there (``external_id``: a marker's number, a road's code, a door's register id), so
-- importing the same file again finds each row and changes nothing (geo.registers).
-- Rows civgeo makes itself keep ``external_id`` NULL; NULLs never clash in the key.

ALTER TABLE boundary_markers ADD COLUMN external_id text;
ALTER TABLE boundary_markers ADD COLUMN note text;
ALTER TABLE boundary_markers
    ADD CONSTRAINT boundary_markers_source_external_id UNIQUE (source, external_id);

ALTER TABLE roads ADD COLUMN external_id text;
ALTER TABLE roads ADD CONSTRAINT roads_source_external_id UNIQUE (source, external_id);

ALTER TABLE entrances ADD COLUMN external_id text;
ALTER TABLE entrances ADD COLUMN note text;
ALTER TABLE entrances ADD CONSTRAINT entrances_source_external_id UNIQUE (source, external_id);
