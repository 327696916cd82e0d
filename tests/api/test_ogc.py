"""OGC API – Features: the published layers, paged GeoJSON, and GDAL reading them."""

import json
import subprocess


def test_landing_and_conformance(app):
    links = {link["rel"]: link["href"] for link in app.get("/ogc/").json()["links"]}
    assert {"self", "conformance", "data", "service-desc"} <= links.keys()
    classes = app.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in classes


def test_collections_have_extents(app, sample):
    cols = {c["id"]: c for c in app.get("/ogc/collections").json()["collections"]}
    assert set(cols) == {"divisions", "names_areas", "names_lines", "names_points",
                         "network_edges", "facilities", "boundary_lines", "roads", "addresses"}
    minx, miny, maxx, maxy = cols["network_edges"]["extent"]["spatial"]["bbox"][0]
    assert 113.9 < minx < maxx < 114.6 and 30.3 < miny < maxy < 30.8


def test_items_page_with_next_link(app, sample):
    r = app.get("/ogc/collections/divisions/items",
                params={"level": "township", "under": "430202", "limit": 3})
    assert r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["numberMatched"] == 7 and body["numberReturned"] == 3
    nxt = next(link["href"] for link in body["links"] if link["rel"] == "next")
    second = app.get(nxt).json()
    first_codes = [f["id"] for f in body["features"]]
    assert not set(first_codes) & {f["id"] for f in second["features"]}
    assert all(f["properties"]["source"].startswith("synthetic") for f in body["features"])


def test_bbox_filters_network_edges(app, sample):
    body = app.get("/ogc/collections/network_edges/items",
                   params={"bbox": "114.28,30.58,114.29,30.59", "limit": 1000}).json()
    assert 50 < body["numberMatched"] < 1000
    for f in body["features"]:
        xs = [c[0] for c in f["geometry"]["coordinates"]]
        assert min(xs) <= 114.29 and max(xs) >= 114.28
    col = app.get("/ogc/collections/network_edges").json()
    assert col["attribution"].startswith("© OpenStreetMap contributors")


def test_one_feature_and_errors(app, sample):
    f = app.get("/ogc/collections/divisions/items/430202").json()
    assert f["properties"]["name"] == "荷塘区" and f["geometry"]["type"] == "MultiPolygon"
    assert app.get("/ogc/collections/divisions/items/999999").status_code == 404
    assert app.get("/ogc/collections/rivers/items").status_code == 404
    bad = app.get("/ogc/collections/divisions/items", params={"bbox": "1,2,x,4"})
    assert bad.status_code == 422 and bad.json()["field"] == "bbox"


def test_gdal_reads_the_layers(server, tmp_path):
    listing = subprocess.run(["ogrinfo", "-ro", f"OAPIF:{server}/ogc"], capture_output=True,
                             text=True, timeout=60)
    assert "divisions" in listing.stdout and "network_edges" in listing.stdout
    out = tmp_path / "counties.geojson"
    subprocess.run(["ogr2ogr", "-f", "GeoJSON", str(out), f"OAPIF:{server}/ogc", "divisions",
                    "-where", "level = 'county'", "-spat", "113.1", "27.8", "113.2", "27.9"],
                   check=True, capture_output=True, timeout=120)
    names = {f["properties"]["name"] for f in json.loads(out.read_text())["features"]}
    assert {"荷塘区", "芦淞区", "石峰区", "天元区"} <= names


def test_standard_names_are_published(app, sample):
    body = app.get("/ogc/collections/names_areas/items",
                   params={"under": "430202", "category": "0404", "limit": 50}).json()
    assert body["numberMatched"] == 7
    props = body["features"][0]["properties"]
    assert props["status"] == "standard"
    assert props["roman"].split()[-1] in ("Jiedao", "Zhen", "Xiang")
    bad = app.get("/ogc/collections/divisions/items", params={"category": "04"})
    assert bad.status_code == 422 and bad.json()["field"] == "category"


def test_odd_ids_and_offsets_are_4xx(app):
    assert app.get("/ogc/collections/names_areas/items/²").status_code == 404
    assert app.get("/ogc/collections/names_areas/items/" + "9" * 20).status_code == 404
    too_far = app.get("/ogc/collections/names_areas/items", params={"offset": 10**19})
    assert too_far.status_code == 422


def test_number_matched_past_the_last_page(app, sample):
    body = app.get("/ogc/collections/divisions/items",
                   params={"level": "county", "under": "430200", "offset": 500}).json()
    assert body["numberReturned"] == 0 and body["numberMatched"] == 9
