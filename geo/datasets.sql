-- name: get_dataset
SELECT name, title, params, summary, attribution, loaded_at FROM datasets WHERE name = %(name)s

-- name: list_datasets
SELECT name, title, params, summary, attribution, loaded_at FROM datasets ORDER BY name

-- name: remove_dataset
-- Rows a dataset created go with it; rows it shared with others (a province another load
-- created first) stay.
DELETE FROM place_names WHERE dataset = %(name)s;
DELETE FROM population WHERE dataset = %(name)s;
DELETE FROM divisions WHERE dataset = %(name)s;
DELETE FROM networks WHERE dataset = %(name)s;
DELETE FROM datasets WHERE name = %(name)s;

-- name: begin_dataset
INSERT INTO datasets (name, title, params, attribution)
VALUES (%(name)s, %(title)s, %(params)s, %(attribution)s)

-- name: finish_dataset
UPDATE datasets SET summary = %(summary)s, loaded_at = now() WHERE name = %(name)s
