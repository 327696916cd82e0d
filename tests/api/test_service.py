"""The service skeleton: health, docs without a CDN, auth and roles, the audit log."""

from pathlib import Path

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
    added = [i["after"]["name"] for i in r.json()["items"] if i["action"] == "users.add"]
    assert added == ["张三", "root"]


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
