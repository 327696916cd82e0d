-- Imports of a department's existing place-name register in the national database's record
-- shape (geo.names.importer, issue 21). As for markers, roads and doors (0013_imports.sql),
-- an imported name carries the register it came from (``source``, which place_names has
-- already) and its id there (``external_id``: the register's 地名编号, or its name, category
-- and division where the register has no ids), so that importing the same file again finds
-- each name and changes nothing. Names civgeo makes itself keep ``external_id`` NULL, and
-- the index holds only the imported ones.
ALTER TABLE place_names ADD COLUMN external_id text;
CREATE UNIQUE INDEX place_names_source_external_id ON place_names (source, external_id)
    WHERE external_id IS NOT NULL;

-- 位置描述 of the national detail record, for names that came with one from a register
-- (an approved name has it on its application).
ALTER TABLE place_names ADD COLUMN location_description text;
