-- name: versions
SELECT current_setting('server_version') AS postgresql,
       (SELECT extversion FROM pg_extension WHERE extname = 'postgis') AS postgis,
       (SELECT extversion FROM pg_extension WHERE extname = 'pgrouting') AS pgrouting,
       (SELECT max(version) FROM schema_migrations) AS migration,
       postgis_full_version() AS postgis_full

-- name: migration_level
SELECT max(version) FROM schema_migrations
