-- Coverage answers kept in memory key on the change counters of the tables they are drawn
-- from (``geo.coverage.versions``). A population grid is demand for the circle wherever it
-- exists (issue 20): importing, replacing or removing one (a row of ``population_grids``,
-- its cells attached or dropped with it) counts as a change.
CREATE TRIGGER population_grids_count_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON population_grids
    FOR EACH STATEMENT EXECUTE FUNCTION civgeo_count_change();
INSERT INTO layer_changes (table_name) VALUES ('population_grids');
