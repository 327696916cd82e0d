"""The service skeleton: health, docs without a CDN, auth and roles, the audit log."""

from pathlib import Path

from geo.db import connect
from geo.migrate import MIGRATIONS
from tests.factories import committed_token

NEWEST = max(p.stem.split("_", 1)[0] for p in Path(MIGRATIONS).glob("*.sql"))


def test_health_reports_versions_and_migration_level(app):
    r = app.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    db = body["database"]
    assert db["postgresql"].startswith("15")
    assert db["postgis"].startswith("3.") and db["pgrouting"].startswith("3.")
    assert db["migration"] == NEWEST and db["migrations_pending"] is False


def test_health_lists_loaded_datasets(app, sample):
    datasets = app.get("/health").json()["database"]["datasets"]
    assert datasets["zhuzhou"]["aged_60_plus"] == 777_342
    assert datasets["wuhan"]["network_edges"] == 92_667


def test_docs_and_openapi_work_offline(app):
    page = app.get("/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js" in page.text
    assert "cdn." not in page.text and "https://" not in page.text.split("<body>")[0]
    assert app.get("/static/vendor/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200
    spec = app.get("/openapi.json").json()
    assert "/health" in spec["paths"]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_audit_needs_a_token(app):
    r = app.get("/audit")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")


def test_audit_refuses_other_roles(app, db_url):
    token = committed_token(db_url, "planner")
    r = app.get("/audit", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
    assert "admin" in r.json()["detail"]


def test_admin_reads_the_audit_log(app, db_url):
    token = committed_token(db_url, "admin", "root")
    committed_token(db_url, "inspector", "张三")
    r = app.get("/audit", params={"entity": "user"}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    # newest first; users other tests' module fixtures committed may be listed too
    added = [i["after"]["name"] for i in r.json()["items"] if i["action"] == "users.add"]
    assert [n for n in added if n in ("张三", "root")] == ["张三", "root"]


def test_revoked_token_is_refused(app, db_url):
    from geo import users
    from geo.db import connect, transaction
    from tests.factories import TEST_ACTOR

    token = committed_token(db_url, "admin", "temp")
    assert app.get("/audit", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    conn = connect(db_url)
    with transaction(conn):
        users.revoke_user(conn, TEST_ACTOR, "temp")
    conn.close()
    assert app.get("/audit", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_planner_gets_the_divisions_map(app, db_url, sample):
    token = committed_token(db_url, "planner")
    r = app.get("/maps/divisions", params={"division": "430202"},
                headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "/static/vendor/leaflet/dist/leaflet.js" in r.text
    assert "SYNTHETIC" in r.text and "荷塘区" in r.text


def test_health_sees_a_new_migration_level_at_once(app, db_url):
    # The versions and datasets are kept for a few seconds; the migration level is read on
    # every call, so a database migrated (or rolled back) behind the service shows at once.
    assert app.get("/health").json()["status"] == "ok"
    with connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO schema_migrations (version) VALUES ('9999')")
    try:
        body = app.get("/health").json()
        assert body["status"] == "degraded"
        assert body["database"]["migration"] == "9999"
        assert body["database"]["migrations_pending"] is True
    finally:
        with connect(db_url) as conn, conn.cursor() as cur:
            cur.execute("DELETE FROM schema_migrations WHERE version = '9999'")
    assert app.get("/health").json()["status"] == "ok"


def test_reads_cost_no_transaction_and_writes_still_have_one(app, db_url, sample):
    # The API's connections are in autocommit: a read costs no BEGIN and no ROLLBACK round
    # trip, and a connection goes back to the pool that way, after a write that failed too.
    token = committed_token(db_url, "admin", "root")
    assert app.get("/names/search", params={"q": "荷塘"}).status_code == 200
    refused = app.post("/users", json={"name": "", "role": "planner"},
                       headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 422
    pool = app.app.state.pool
    held = [pool.getconn() for _ in range(4)]
    try:
        assert all(c.autocommit for c in held)
    finally:
        for c in held:
            pool.putconn(c)
    with connect(db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'civgeo-api'"
                    " AND state = 'idle in transaction'")
        assert cur.fetchone()[0] == 0


def test_a_warm_start_loads_the_lookups_and_freezes_what_it_loaded(db_url, sample):
    import gc

    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import Settings

    gc.unfreeze()
    try:
        with TestClient(create_app(Settings(database_url=db_url, pool_max=2,
                                            warm_start=True))) as client:
            assert gc.get_freeze_count() > 0      # kept out of the collector's scans
            hits = client.get("/names/search", params={"q": "hetangqu"}).json()["features"]
            assert hits[0]["properties"]["name"] == "荷塘区"
    finally:
        gc.unfreeze()
