-- name: get_dataset
SELECT name, title, params, summary, attribution, loaded_at FROM datasets WHERE name = %(name)s

-- name: list_datasets
SELECT name, title, params, summary, attribution, loaded_at FROM datasets ORDER BY name

-- name: remove_dataset
-- Rows a dataset created go with it; rows it shared with others (a province another load
-- created first) stay. Names that officers have worked on (renamed, abolished, approved
-- or in an application) are not sample data any more: they are detached and kept.
UPDATE place_names p SET dataset = NULL
WHERE p.dataset = %(name)s
  AND (p.status <> 'standard' OR p.approved_on IS NOT NULL
       OR EXISTS (SELECT 1 FROM name_applications a
                  WHERE a.target_id = p.id OR a.result_name_id = p.id)
       OR EXISTS (SELECT 1 FROM place_names q WHERE q.current_id = p.id));
DELETE FROM place_names WHERE dataset = %(name)s;
-- Facilities a planner has edited are kept (detached); the rest go with the dataset.
UPDATE facilities SET dataset = NULL WHERE dataset = %(name)s AND version > 1;
DELETE FROM population WHERE dataset = %(name)s;
DELETE FROM divisions WHERE dataset = %(name)s;
DELETE FROM networks WHERE dataset = %(name)s;
DELETE FROM datasets WHERE name = %(name)s;

-- name: begin_dataset
INSERT INTO datasets (name, title, params, attribution)
VALUES (%(name)s, %(title)s, %(params)s, %(attribution)s)

-- name: finish_dataset
UPDATE datasets SET summary = %(summary)s, loaded_at = now() WHERE name = %(name)s
