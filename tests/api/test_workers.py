"""Several API processes (issue 19): `civgeo serve --workers 2` behind one port, a browser
session and the QR pages working whichever process answers."""

from __future__ import annotations

import re

import httpx

from geo.db import connect, fetch_value
from tests.factories import committed_staff
from tests.serving import served

PASSWORD = "planner-pass-123"


def _fresh(base: str) -> httpx.Client:
    """A client that opens a new connection for every request, so that the kernel hands
    each to whichever process accepts first."""
    return httpx.Client(base_url=base, timeout=30, follow_redirects=False,
                        limits=httpx.Limits(max_keepalive_connections=0))


def test_a_session_and_the_qr_pages_work_on_every_process(db_url, sample):
    committed_staff(db_url, "planner", "小王", PASSWORD)
    conn = connect(db_url)
    token = fetch_value(conn, "SELECT token FROM plates WHERE status = 'installed' "
                              "ORDER BY id LIMIT 1")
    conn.close()
    with served(db_url, "--workers", "2") as base, _fresh(base) as client:
        form = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        signed = client.post("/login", data={"name": "小王", "password": PASSWORD,
                                             "csrf": csrf, "next": ""})
        assert signed.status_code == 303 and client.cookies.get("civgeo_session")
        answered_by = set()
        for _ in range(40):
            health = client.get("/health").json()
            answered_by.add(health["process"])
            home = client.get("/app/", headers={"Accept": "text/html"})
            assert home.status_code == 200 and "小王" in home.text
            qr = client.get(f"/qr/{token}", headers={"Accept": "application/json"})
            assert qr.status_code == 200 and qr.json()["token"] == token
            if len(answered_by) == 2:
                break
        assert len(answered_by) == 2, "every request landed on one process"
        page = client.get("/app/", headers={"Accept": "text/html"}).text
        session_csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        out = client.post("/logout", data={"csrf": session_csrf})
        assert out.status_code == 303
        # Signed out on one process is signed out on all: the session lives in the database.
        for _ in range(6):
            r = client.get("/app/", headers={"Accept": "text/html"})
            assert r.status_code == 303 and r.headers["location"].startswith("/login")
