"""The public place-name lookup over HTTP, on the sample data (no token needed)."""


def test_search_returns_geojson_with_reasons(app, sample):
    r = app.get("/names/search", params={"q": "株洲", "limit": 5})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    body = r.json()
    top = body["features"][0]
    assert top["properties"]["name"] == "株洲市"
    assert top["properties"]["roman"] == "Zhuzhou Shi"
    assert top["properties"]["why"].startswith("专名")
    assert top["geometry"]["type"] == "Point" and "crs" not in top["geometry"]


def test_search_by_pinyin_and_division(app, sample):
    body = app.get("/names/search", params={"q": "hetang", "division": "430202"}).json()
    assert body["features"][0]["properties"]["name"] == "荷塘区"
    assert all(f["properties"]["division_code"].startswith("430202") for f in body["features"])


def test_search_near_a_gcj02_point(app, sample):
    # The same place given in GCJ-02 (as Amap shows it) lands on the same community.
    plain = app.get("/names/reverse", params={"lon": 113.17, "lat": 27.86}).json()
    from geo.crs import wgs84_to_gcj02

    glon, glat = (float(v) for v in wgs84_to_gcj02(113.17, 27.86))
    shifted = app.get("/names/reverse", params={"lon": glon, "lat": glat, "crs": "gcj02"}).json()
    assert shifted["divisions"] == plain["divisions"]
    assert [d["level"] for d in plain["divisions"]] == ["province", "prefecture", "county",
                                                        "township", "community"]


def test_detail_of_one_name(app, sample):
    hit = app.get("/names/search", params={"q": "渌口区"}).json()["features"][0]
    detail = app.get(f"/names/{hit['id']}").json()
    assert detail["name"] == "渌口区" and detail["roman"] == "Lukou Qu"
    assert detail["category"] == "县级行政区" and detail["status"] == "standard"
    assert detail["geometry"]["type"] == "MultiPolygon"


def test_bad_input_is_422_naming_the_field(app):
    cases = [({"q": ""}, "q"), ({"q": "x" * 51}, "q"),
             ({"q": "株洲", "division": "12"}, "division"),
             ({"near": "113.1"}, "near"), ({"near": "27.8,113.1"}, "near"),
             ({"q": "株洲", "bbox": "a,b,c,d"}, "bbox"), ({"q": "株洲", "crs": "bd09"}, "crs")]
    for params, field in cases:
        r = app.get("/names/search", params=params)
        assert r.status_code == 422, params
        assert r.json()["field"] == field, params
    assert app.get("/names/reverse", params={"lon": 500, "lat": 1}).status_code == 422
    assert app.get("/names/123456789").status_code == 404
