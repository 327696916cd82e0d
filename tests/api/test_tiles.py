"""The tile routes: MVT and TileJSON, OGC API – Tiles, access per layer, bad input, and an
edit through the API showing on the next fetch while a far tile stays cached."""

from __future__ import annotations

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from geo import tiles
from geo.db import connect, fetch_one
from tests.factories import committed_token, problem

JIANGHAN = (114.2838, 30.5802)
XINJIEKOU = (118.7785, 32.042)
ZHUZHOU = (113.1512, 27.8356)
MVT = "application/vnd.mapbox-vector-tile"


def url(layer: str, z: int, lonlat: tuple[float, float]) -> str:
    x, y = tiles.tile_at(*lonlat, z)
    return f"/tiles/{layer}/{z}/{x}/{y}.mvt"


def features(response, layer: str) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT
    return mapbox_vector_tile.decode(response.content)[layer]["features"]


def bearer(db_url: str, role: str, name: str) -> dict:
    return {"Authorization": f"Bearer {committed_token(db_url, role, name)}"}


def test_tile_basemap_streets_of_central_wuhan(app, sample):
    streets = features(app.get(url("basemap", 14, JIANGHAN)), "streets")
    assert len(streets) > 100


def test_tile_etag_answers_304(app, sample):
    first = app.get(url("network_edges", 14, JIANGHAN))
    again = app.get(url("network_edges", 14, JIANGHAN),
                    headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == first.headers["etag"]


def test_tile_empty_is_204(app, sample):
    response = app.get("/tiles/facilities/12/0/0.mvt")
    assert response.status_code == 204 and response.content == b""


def test_tile_facility_edit_shows_on_next_fetch_far_tile_stays_cached(app, db_url, sample):
    planner = bearer(db_url, "planner", "tiles-planner")
    c = connect(db_url)
    row = fetch_one(c, "SELECT id, version, ST_X(geom) AS lon, ST_Y(geom) AS lat "
                       "FROM facilities WHERE dataset = 'wuhan' ORDER BY id LIMIT 1")
    c.close()
    here, far = url("facilities", 15, (row["lon"], row["lat"])), url("facilities", 12, ZHUZHOU)
    app.get(here)
    app.get(far)
    assert app.get(far).headers["x-tile-cache"] == "hit"
    patched = app.patch(f"/facilities/{row['id']}", headers=planner,
                        json={"name": "江汉测试养老服务站", "version": row["version"]})
    assert patched.status_code == 200, patched.text
    again = app.get(here)
    assert again.headers["x-tile-cache"] == "miss"
    assert "江汉测试养老服务站" in {f["properties"]["name"] for f in features(again, "facilities")}
    assert app.get(far).headers["x-tile-cache"] == "hit"


@pytest.mark.parametrize("path", ["/tiles/boundary_markers/12/3340/1700.mvt",
                                  "/tiles/boundary_markers.json",
                                  "/ogc/collections/boundary_markers/tiles"])
def test_markers_need_a_token(app, sample, path):
    response = app.get(path)
    problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_markers_for_planners_not_inspectors_or_names_officers(app, db_url, sample):
    c = connect(db_url)
    m = fetch_one(c, "SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat FROM boundary_markers "
                     "ORDER BY id LIMIT 1")
    c.close()
    path = url("boundary_markers", 13, (m["lon"], m["lat"]))
    problem(app.get(path, headers=bearer(db_url, "names_officer", "tiles-names")), 403)
    # an inspector sees only its teams' lines: through the OGC items, not the shared tiles
    problem(app.get(path, headers=bearer(db_url, "inspector", "tiles-insp")), 403)
    assert features(app.get(path, headers=bearer(db_url, "planner", "tiles-plan")),
                    "boundary_markers")


def test_plates_for_plates_officers_only(app, db_url, sample):
    path = url("plates", 15, XINJIEKOU)
    problem(app.get(path), 401)
    problem(app.get(path, headers=bearer(db_url, "planner", "tiles-p")), 403)
    assert features(app.get(path, headers=bearer(db_url, "plates_officer", "tiles-po")),
                    "plates")
    assert features(app.get(path, headers=bearer(db_url, "admin", "tiles-admin")), "plates")


def test_facilities_private_when_set(db_url, sample):
    settings = Settings(database_url=db_url, pool_max=2, facilities_public=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        problem(client.get(url("facilities", 12, JIANGHAN)), 401)
        assert features(client.get(url("facilities", 12, JIANGHAN),
                                   headers=bearer(db_url, "planner", "tiles-fp")), "facilities")


@pytest.mark.parametrize(("path", "status", "field"), [
    ("/tiles/nowhere/5/0/0.mvt", 404, "layer"),
    ("/tiles/nowhere.json", 404, "layer"),
    ("/tiles/network_edges/3/0/0.mvt", 404, "z"),
    ("/tiles/basemap/17/0/0.mvt", 404, "z"),
    ("/tiles/basemap/2/4/0.mvt", 404, "x"),
    ("/tiles/basemap/2/0/-1.mvt", 404, "y"),
    ("/tiles/basemap/two/0/0.mvt", 422, "z"),
    ("/ogc/collections/nowhere/tiles", 404, "collectionId"),
    ("/ogc/collections/roads/tiles/WorldCRS84Quad", 404, "tileMatrixSetId"),
    ("/ogc/collections/roads/tiles/WebMercatorQuad/12/0/5000", 404, "tileCol"),
    ("/ogc/collections/roads/tiles/WebMercatorQuad/14/-1/0", 404, "tileRow"),
    ("/ogc/collections/roads/tiles/WebMercatorQuad/20/0/0", 404, "tileMatrix"),
    ("/ogc/tileMatrixSets/nowhere", 404, "tileMatrixSetId"),
])
def test_bad_tile_requests_name_the_field(app, sample, path, status, field):
    problem(app.get(path), status, field)


def test_tilejson_has_absolute_urls_fields_and_attribution(app, sample):
    doc = app.get("/tiles/basemap.json").json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"] == ["http://testserver/tiles/basemap/{z}/{x}/{y}.mvt"]
    assert (doc["minzoom"], doc["maxzoom"]) == (0, 16)
    assert [v["id"] for v in doc["vector_layers"]] == [
        "water", "buildings", "divisions", "division_labels", "streets", "names"]
    assert "© OpenStreetMap contributors" in doc["attribution"]
    w, s, e, n = doc["bounds"]
    assert w < JIANGHAN[0] < e and s < JIANGHAN[1] < n
    edges = app.get("/tiles/network_edges.json").json()
    assert edges["vector_layers"][0]["fields"]["highway"] == "String"
    assert edges["minzoom"] == 8


def test_ogc_tileset_links_to_a_template_that_serves_tiles(app, sample):
    listing = app.get("/ogc/collections/network_edges/tiles").json()
    assert listing["tilesets"][0]["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    meta = app.get("/ogc/collections/network_edges/tiles/WebMercatorQuad").json()
    template = next(link["href"] for link in meta["links"] if link["rel"] == "item")
    x, y = tiles.tile_at(*JIANGHAN, 14)
    href = (template.replace("{tileMatrix}", "14").replace("{tileRow}", str(y))
            .replace("{tileCol}", str(x)).replace("http://testserver", ""))
    assert features(app.get(href), "network_edges")
    limits = {m["tileMatrix"]: m for m in meta["tileMatrixSetLimits"]}
    assert limits["14"]["minTileCol"] <= x <= limits["14"]["maxTileCol"]
    assert meta["layers"][0]["geometryDimension"] == 1


def test_ogc_names_collections_split_by_geometry(app, sample):
    x, y = tiles.tile_at(*XINJIEKOU, 15)
    path = f"/ogc/collections/names_lines/tiles/WebMercatorQuad/15/{y}/{x}"
    lines = features(app.get(path), "names_lines")
    assert lines and all(f["geometry"]["type"].endswith("LineString") for f in lines)


def test_ogc_tile_matrix_set(app):
    tms = app.get("/ogc/tileMatrixSets/WebMercatorQuad").json()
    assert tms["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    assert tms["tileMatrices"][14]["matrixWidth"] == 2 ** 14
    assert app.get("/ogc/tileMatrixSets").json()["tileMatrixSets"][0]["id"] == "WebMercatorQuad"


def test_ogc_dataset_tiles_serve_the_basemap(app, sample):
    x, y = tiles.tile_at(*JIANGHAN, 14)
    assert features(app.get(f"/ogc/tiles/WebMercatorQuad/14/{y}/{x}"), "streets")
