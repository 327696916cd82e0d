"""The field app over HTTP: the shell needs no sign-in and holds no data, in Chinese first;
the manifest makes it installable; the service worker names a shell whose every file is
served (one missing file and the worker never installs, so the app never works offline);
``/field/data`` gives an inspector its teams' open inspections only, with lines, markers
and the settings the phone applies, and refuses anyone else."""

from __future__ import annotations

import json
import re

import pytest

from tests.factories import committed_inspector, committed_token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def inspector(app, sample, db_url) -> dict:
    return committed_inspector(db_url, "荷塘巡线员丙", "荷塘区联检工作组")


def test_the_shell_needs_no_sign_in_and_speaks_chinese_first(app):
    page = app.get("/field/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text and "界线巡查" in page.text
    assert 'rel="manifest" href="/field/manifest.webmanifest"' in page.text
    boot = json.loads(re.search(r'id="boot">(.*?)</script>', page.text, re.S).group(1))
    assert boot["messages"]["start_patrol"] == "开始巡线"
    assert boot["messages"]["end_patrol"] == "结束巡线"
    assert boot["conditions"]["intact"] == "完好"
    english = app.get("/field/?lang=en")
    assert '<html lang="en">' in english.text and "Start patrol" in english.text
    assert english.cookies.get("civgeo_lang") == "en"         # remembered, as on the desks
    assert '<html lang="en">' in app.get("/field/").text
    app.cookies.clear()
    assert app.get("/field", follow_redirects=False).headers["location"] == "/field/"


def test_the_manifest_makes_it_installable(app):
    r = app.get("/field/manifest.webmanifest")
    assert r.headers["content-type"].startswith("application/manifest+json")
    m = r.json()
    assert m["start_url"] == "/field/" and m["scope"] == "/field/"
    assert m["display"] == "standalone" and m["name"] == "civgeo 界线巡查"
    sizes = {i["sizes"] for i in m["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in m["icons"]:
        got = app.get(icon["src"])
        assert got.status_code == 200 and got.content.startswith(b"\x89PNG")


def test_every_file_of_the_shell_is_served(app):
    sw = app.get("/field/sw.js")
    assert sw.status_code == 200 and "javascript" in sw.headers["content-type"]
    assert sw.headers["cache-control"] == "no-cache"
    shell = json.loads(re.search(r"^const SHELL = (.*);$", sw.text, re.M).group(1))
    assert "/field/" in shell and any(u.startswith("/field/static/field.js") for u in shell)
    assert "/static/vendor/idb/build/umd.js" in shell
    for url in shell:
        assert app.get(url).status_code == 200, url
    version = re.search(r'^const VERSION = "(\w+)";$', sw.text, re.M).group(1)
    assert f"field.js?v={version}" in app.get("/field/").text


def test_data_needs_an_inspector(app, sample, db_url):
    assert app.get("/field/data").status_code == 401
    planner = bearer(committed_token(db_url, "planner", "规划员甲"))
    assert app.get("/field/data", headers=planner).status_code == 403


def test_data_holds_the_open_inspections_of_the_inspectors_teams(app, inspector):
    r = app.get("/field/data", headers=inspector)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    data = r.json()
    assert data["user"]["name"] == "荷塘巡线员丙"
    assert [t["name"] for t in data["user"]["teams"]] == ["荷塘区联检工作组"]
    # 荷塘区's team: 荷芦线 2024 is open; its signed inspections (荷芦线 2019, 荷石线 2022)
    # are not for the field, and other teams' lines (株衡线) are not there at all.
    assert [(i["line"]["name"], i["year"]) for i in data["inspections"]] == [("荷芦线", 2024)]
    [insp] = data["inspections"]
    assert insp["side"] == "430202" and insp["lead_code"] == "430203"
    assert insp["line"]["geometry"]["type"] in ("LineString", "MultiLineString")
    assert insp["line"]["left_name"] == "荷塘区" and insp["line"]["length_m"] > 10_000
    markers = insp["markers"]
    assert len(markers) == 12 and all(m["no"] and m["type"] for m in markers)
    assert all(110 < m["lon"] < 115 and 26 < m["lat"] < 29 for m in markers)
    assert {"condition", "last_checked"} <= set(markers[0])
    s = data["settings"]
    assert s["patrol_tolerance_m"] > 0 and s["track_gap_s"] > 0
    assert s["photo_long_side_px"] == 2560 and s["photo_chunk_bytes"] > 0
    assert data["csrf"] is None            # a bearer token has no session, so no CSRF token


def test_an_admin_sees_every_open_inspection(app, sample, db_url):
    admin = bearer(committed_token(db_url, "admin", "联检管理员"))
    data = app.get("/field/data", headers=admin).json()
    lines = {(i["line"]["name"], i["year"]) for i in data["inspections"]}
    assert {("荷芦线", 2024), ("株衡线", 2026), ("天株线", 2026)} <= lines
    assert ("株衡线", 2021) not in lines     # signed by both sides: frozen, not for the field
