"""OGC API – Features for every layer: one geometry type each, tokens for the officers'
layers, CQL2, CRSs, ETags, keyset paging, exports, HTML, and GDAL reading all of it."""

import io
import json
import os
import subprocess
import zipfile

import pyogrio
import pytest

from geo.db import fetch_one
from tests.factories import committed_token, problem

PUBLIC = {"divisions", "names_points", "names_lines", "names_areas", "network_edges",
          "facilities", "boundary_lines", "roads", "addresses"}
OFFICERS = {"boundary_markers", "plates", "signs", "patrol_tracks"}
PERSONAL = {"members", "notes", "recorded_by", "created_by", "user_id", "token", "photo",
            "applicant", "contact", "phone", "signed_by"}
EPSG_4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"


@pytest.fixture
def admin(app):
    token = committed_token(app.app.state.settings.database_url, "admin", "ogc-admin")
    return {"Authorization": f"Bearer {token}"}


def _ids(app, url: str, headers=None) -> list:
    """Every feature id, following the next links."""
    ids = []
    while url:
        body = app.get(url, headers=headers).json()
        ids += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    return ids


def test_every_layer_has_one_geometry_type_and_public_ones_hold_no_personal_data(
        app, sample, admin):
    cols = {c["id"]: c for c in app.get("/ogc/collections", headers=admin).json()["collections"]}
    assert set(cols) == PUBLIC | OFFICERS
    for cid, col in cols.items():
        body = app.get(f"/ogc/collections/{cid}/items", params={"limit": 500},
                       headers=admin).json()
        types = {f["geometry"]["type"] for f in body["features"]}
        assert types <= {col["geometryType"]}, cid
        assert "http://www.opengis.net/def/crs/EPSG/0/4490" in col["crs"], cid
        if cid in PUBLIC:
            keys = set(app.get(f"/ogc/collections/{cid}/queryables").json()["properties"])
            assert not keys & PERSONAL, cid
    assert cols["names_areas"]["geometryType"] == "MultiPolygon"
    assert cols["names_lines"]["geometryType"] == "MultiLineString"
    # the sample's names are areas and lines; each collection holds only its own kind
    areas = app.get("/ogc/collections/names_areas/items", params={"count": "exact"}).json()
    lines = app.get("/ogc/collections/names_lines/items", params={"count": "exact"}).json()
    assert areas["numberMatched"] > 1000 and 50 < lines["numberMatched"] < 1000


def test_officer_layers_need_a_token_of_their_role(app, sample):
    public = {c["id"] for c in app.get("/ogc/collections").json()["collections"]}
    assert public == PUBLIC
    problem(app.get("/ogc/collections/plates/items"), 401)
    db = app.app.state.settings.database_url
    planner = {"Authorization": f"Bearer {committed_token(db, 'planner', 'ogc-planner')}"}
    problem(app.get("/ogc/collections/plates/items", headers=planner), 403, "collectionId")
    officer = {"Authorization": f"Bearer {committed_token(db, 'plates_officer', 'ogc-po')}"}
    body = app.get("/ogc/collections/plates/items", headers=officer).json()
    assert body["numberMatched"] > 10 and "token" not in body["features"][0]["properties"]
    inspector = {"Authorization": f"Bearer {committed_token(db, 'inspector', 'ogc-insp')}"}
    # an inspector in no team sees no line's markers
    assert app.get("/ogc/collections/boundary_markers/items",
                   headers=inspector).json()["numberMatched"] == 0


def test_cql2_filters_are_run_in_the_database(app, sample, conn):
    flt = "beds >= 300 AND kind = 'eldercare' AND name LIKE '%养老%'"
    body = app.get("/ogc/collections/facilities/items",
                   params={"filter": flt, "limit": 1000}).json()
    expected = fetch_one(conn, "SELECT count(*) AS n FROM facilities x JOIN facility_types t "
                               "ON t.code = x.type WHERE beds >= 300 AND t.kind = 'eldercare' "
                               "AND x.name LIKE '%%养老%%'")["n"]
    assert body["numberMatched"] == body["numberReturned"] == expected > 10
    assert all(f["properties"]["beds"] >= 300 for f in body["features"])
    box = "POLYGON((114.2 30.5, 114.4 30.5, 114.4 30.7, 114.2 30.7, 114.2 30.5))"
    inside = app.get("/ogc/collections/facilities/items", params={
        "filter": f"S_INTERSECTS(geometry, {box}) AND type IN ('welfare_home', 'nursing_home') "
                  "AND NOT (beds BETWEEN 0 AND 49)"}).json()
    assert inside["numberMatched"] > 0
    for f in inside["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert 114.2 <= lon <= 114.4 and 30.5 <= lat <= 30.7
        assert f["properties"]["beds"] >= 50
    dated = app.get("/ogc/collections/facilities/items", params={
        "filter": "T_AFTER(opened, DATE('2015-01-01'))", "limit": 1000}).json()
    assert dated["numberReturned"] > 0
    assert all(f["properties"]["opened"] > "2015-01-01" for f in dated["features"])
    as_json = app.get("/ogc/collections/facilities/items", params={
        "filter": json.dumps({"op": ">=", "args": [{"property": "beds"}, 300]}),
        "filter-lang": "cql2-json", "limit": 1}).json()
    assert as_json["numberMatched"] >= expected


def test_sortby_properties_and_queryables_as_parameters(app, sample):
    body = app.get("/ogc/collections/facilities/items", params={
        "sortby": "-beds,name", "properties": "name,beds", "limit": 5, "kind": "eldercare"}
    ).json()
    beds = [f["properties"]["beds"] for f in body["features"]]
    assert beds == sorted(beds, reverse=True) and set(body["features"][0]["properties"]) == {
        "name", "beds"}
    q = app.get("/ogc/collections/facilities/queryables",     # as GDAL asks for it
                headers={"Accept": "application/geo+json, application/json"})
    assert q.headers["content-type"] == "application/json"
    schema = app.get("/ogc/collections/facilities/queryables",
                     headers={"Accept": "application/schema+json"})
    assert schema.headers["content-type"] == "application/schema+json"
    assert schema.json()["properties"]["beds"]["type"] == "integer"
    assert schema.json()["properties"]["opened"]["format"] == "date"


@pytest.mark.parametrize(("params", "field"), [
    ({"filter": "beds >= = 3"}, "filter"),
    ({"filter": "colour = 'red'"}, "filter"),
    ({"filter": "name > 3"}, "filter"),
    ({"filter": "S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))"}, "filter"),
    ({"sortby": "colour"}, "sortby"),
    ({"properties": "name,colour"}, "properties"),
    ({"bbox": "114.4,30.5,114.2,30.7"}, "bbox"),
    ({"bbox": "114.2,30.5,114.4,30.7,9"}, "bbox"),
    ({"crs": "http://www.opengis.net/def/crs/EPSG/0/2000"}, "crs"),
    ({"bbox-crs": "EPSG:9999", "bbox": "1,2,3,4"}, "bbox-crs"),
    ({"datetime": "yesterday"}, "datetime"),
    ({"limit": 10_001}, "limit"),
])
def test_bad_parameters_are_named(app, params, field):
    found = problem(app.get("/ogc/collections/facilities/items", params=params), 422, field)
    if params.get("filter") == "beds >= = 3":
        assert "character 9" in found["detail"]
    problem(app.get("/ogc/collections/rivers/items"), 404, "collectionId")


def test_crs_4490_and_the_local_gauss_kruger_zone(app, sample):
    plain = app.get("/ogc/collections/facilities/items/1")
    lon, lat = plain.json()["geometry"]["coordinates"]
    r = app.get("/ogc/collections/facilities/items", params={
        "crs": EPSG_4490, "filter": "name = '" + plain.json()["properties"]["name"] + "'"})
    assert r.headers["content-crs"] == f"<{EPSG_4490}>"
    assert r.json()["features"][0]["geometry"]["coordinates"] == [lat, lon]
    col = app.get("/ogc/collections/facilities").json()
    gk = next(c for c in col["crs"] if c.endswith("/4547"))        # CM 114°E: Wuhan, Zhuzhou
    north, east = app.get("/ogc/collections/facilities/items/1",
                          params={"crs": gk}).json()["geometry"]["coordinates"]
    assert 2.9e6 < north < 3.5e6 and 300_000 < east < 700_000
    # a bbox given in EPSG:4490 is lat,lon; the same box in CRS84 finds the same features
    a = app.get("/ogc/collections/facilities/items", params={
        "bbox": "114.2,30.5,114.4,30.7"}).json()["numberMatched"]
    b = app.get("/ogc/collections/facilities/items", params={
        "bbox": "30.5,114.2,30.7,114.4", "bbox-crs": EPSG_4490}).json()["numberMatched"]
    assert a == b > 0


def test_bbox_tests_the_geometry_not_its_box(app, sample, conn):
    corner = fetch_one(conn, """
        SELECT ST_XMin(geom) + 0.0005 AS x, ST_YMin(geom) + 0.0005 AS y,
               ST_Intersects(geom, ST_Expand(ST_SetSRID(ST_MakePoint(ST_XMin(geom) + 0.0005,
                             ST_YMin(geom) + 0.0005), 4490), 0.0004)) AS touches
        FROM current_divisions WHERE code = '430202'""")
    assert not corner["touches"]       # the corner of 荷塘区's box is outside 荷塘区
    box = f"{corner['x'] - .0004},{corner['y'] - .0004},{corner['x'] + .0004},{corner['y'] + .0004}"
    found = app.get("/ogc/collections/divisions/items", params={"bbox": box, "level": "county"})
    assert "430202" not in [f["id"] for f in found.json()["features"]]


def test_etag_gives_304_until_the_layer_changes(app, sample):
    url = "/ogc/collections/facilities/items?limit=5"
    first = app.get(url)
    etag = first.headers["etag"]
    assert first.headers["last-modified"]
    assert app.get(url, headers={"If-None-Match": etag}).status_code == 304
    db = app.app.state.settings.database_url
    planner = {"Authorization": f"Bearer {committed_token(db, 'planner', 'ogc-etag')}"}
    made = app.post("/facilities", headers=planner, json={
        "type": "welfare_home", "name": "测试敬老院", "lon": 113.15, "lat": 27.85})
    assert made.status_code == 201, made.text
    again = app.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag


def test_paging_walks_a_layer_by_id_with_growing_pages(app, sample):
    body = app.get("/ogc/collections/facilities/items", params={"limit": 10}).json()
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    assert "after=" in nxt and "limit=1000" in nxt
    ids = _ids(app, "/ogc/collections/facilities/items?limit=10")
    total = app.get("/ogc/collections/facilities/items",
                    params={"count": "exact", "limit": 1}).json()["numberMatched"]
    assert len(ids) == len(set(ids)) == total
    assert ids == sorted(ids)


@pytest.mark.parametrize("fmt", ["gpkg", "csv", "fgb", "shp"])
def test_items_download_as_gis_files(app, sample, tmp_path, fmt):
    params = {"f": fmt, "filter": "kind = 'relief'"}
    r = app.get("/ogc/collections/facilities/items", params=params)
    assert r.status_code == 200, r.text
    path = tmp_path / f"out.{fmt}"
    if fmt == "shp":
        zipfile.ZipFile(io.BytesIO(r.content)).extractall(tmp_path)
        assert (tmp_path / "facilities.cpg").read_text() == "UTF-8"
        path = tmp_path / "facilities.shp"
    else:
        path.write_bytes(r.content)
    frame = pyogrio.read_dataframe(path)
    expected = app.get("/ogc/collections/facilities/items",
                       params={"filter": "kind = 'relief'"}).json()["numberMatched"]
    assert len(frame) == expected > 10
    assert set(frame["kind"]) == {"relief"}


def test_html_for_a_browser(app, sample):
    page = app.get("/ogc/collections/facilities/items", params={"limit": 3},
                   headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "下一页" in page.text and "<table>" in page.text
    assert "民政设施" in app.get("/ogc/collections?f=html").text


def _gdal(args, env=None, timeout=300):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_gdal_copies_every_layer_with_the_api_counts(server, tmp_path):
    listing = _gdal(["ogrinfo", "-ro", "-q", f"OAPIF:{server}/ogc"])
    assert all(f": {cid} " in listing.stdout for cid in PUBLIC), listing.stdout
    assert "plates" not in listing.stdout
    import httpx

    for cid in sorted(PUBLIC - {"network_edges"}):
        matched = httpx.get(f"{server}/ogc/collections/{cid}/items",
                            params={"count": "exact", "limit": 1}).json()["numberMatched"]
        if not matched:
            continue     # the sample has no names drawn as points
        for driver, ext in (("GPKG", "gpkg"), ("ESRI Shapefile", "shp")):
            out = tmp_path / f"{cid}.{ext}"
            done = _gdal(["ogr2ogr", "-f", driver, str(out), f"OAPIF:{server}/ogc", cid])
            assert done.returncode == 0, done.stderr
            assert len(pyogrio.read_dataframe(out, read_geometry=False)) == matched, (cid, driver)


def test_gdal_reads_officer_layers_with_a_bearer_token(server, db_url, tmp_path):
    token = committed_token(db_url, "plates_officer", "gdal-officer")
    without = _gdal(["ogrinfo", "-ro", "-q", f"OAPIF:{server}/ogc"])
    assert "plates" not in without.stdout
    header = {"GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}"}
    listing = _gdal(["ogrinfo", "-ro", "-q", f"OAPIF:{server}/ogc"], header)
    assert ": plates " in listing.stdout
    out = tmp_path / "plates.gpkg"
    done = _gdal(["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{server}/ogc", "plates"], header)
    assert done.returncode == 0, done.stderr
    assert len(pyogrio.read_dataframe(out)) > 10


def test_gdal_where_runs_as_cql_and_files_are_cgcs2000(server, tmp_path):
    out = tmp_path / "big.geojson"
    done = _gdal(["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{server}/ogc", "facilities",
                  "-where", "beds >= 300 AND kind = 'eldercare'", "--debug", "on"])
    assert done.returncode == 0, done.stderr
    assert "filter-lang=cql-text" in done.stderr      # sent to the server, not filtered after
    found = json.loads(out.read_text())["features"]
    assert found and all(f["properties"]["beds"] >= 300 for f in found)
    # GDAL 3.6's OAPIF driver has no CRS option (GDAL 3.7's CRS open option asks the server):
    # it reads CRS84, which is CGCS2000 to the centimetre, and labels the file EPSG:4490
    out4490 = tmp_path / "cgcs2000.gpkg"
    done = _gdal(["ogr2ogr", "-f", "GPKG", "-a_srs", "EPSG:4490", str(out4490),
                  f"OAPIF:{server}/ogc", "boundary_lines"])
    assert done.returncode == 0, done.stderr
    lines = pyogrio.read_dataframe(out4490)
    assert lines.crs.to_epsg() == 4490
    x0, y0, x1, y1 = lines.total_bounds
    assert 110 < x0 < x1 < 120 and 25 < y0 < y1 < 33          # longitude first, in China


def test_gdal_takes_field_types_from_the_feature_schema(server, tmp_path):
    out = tmp_path / "fac.gpkg"
    done = _gdal(["ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{server}/ogc", "facilities"])
    assert done.returncode == 0, done.stderr
    info = _gdal(["ogrinfo", "-so", str(out), "facilities"]).stdout
    assert "opened: Date" in info and "plots_used: Integer" in info, info


def test_downloads_in_a_gauss_kruger_zone_keep_their_types(app, sample, tmp_path):
    gk = "http://www.opengis.net/def/crs/EPSG/0/4547"
    r = app.get("/ogc/collections/facilities/items",
                params={"f": "gpkg", "crs": gk, "filter": "kind = 'relief'"})
    path = tmp_path / "relief.gpkg"
    path.write_bytes(r.content)
    frame = pyogrio.read_dataframe(path)
    assert frame.crs.to_epsg() == 4547
    x0, y0, _, _ = frame.total_bounds
    assert 300_000 < x0 < 1_000_000 and 2.8e6 < y0 < 3.6e6     # easting, northing in metres
    info = pyogrio.read_info(path)
    types = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert types["beds"].startswith("int")       # declared an integer though all empty here
    csv = app.get("/ogc/collections/facilities/items", params={"f": "csv", "limit": 3})
    assert csv.content.startswith(b"\xef\xbb\xbf")          # a BOM: Excel reads UTF-8


def test_unknown_and_mistyped_parameters_are_named(app, sample):
    problem(app.get("/ogc/collections/facilities/items", params={"kindd": "funeral"}),
            422, "kindd")
    problem(app.get("/ogc/collections/divisions/items", params={"population": "abc"}),
            422, "population")
    walk = app.get("/ogc/collections/network_edges/items", params={"walk": "1", "limit": 5})
    assert all(f["properties"]["walk"] for f in walk.json()["features"])
