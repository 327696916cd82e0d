"""A road is always linked to its standard name and knows the districts it runs through."""

import pytest

from geo.db import connect
from tests.factories import committed_token, problem
from tests.geo.plates.drawn import standard_street

# A line inside 玄武区 (320102) of the Nanjing sample.
LINE = {"type": "LineString", "coordinates": [[118.782, 32.050], [118.784, 32.050]]}


@pytest.fixture
def officer(db_url, sample):
    return {"Authorization": f"Bearer {committed_token(db_url, 'plates_officer')}"}


def test_a_road_the_gazetteer_lacks_is_refused_naming_the_field(app, officer):
    body = problem(app.post("/roads", json={"name": "无名测试路", "geometry": LINE},
                            headers=officer), 422, "name")
    assert "not a standard name" in body["detail"]
    assert "玄武区 (320102)" in body["detail"] and "naming application" in body["detail"]
    zh = problem(app.post("/roads", json={"name": "无名测试路", "geometry": LINE},
                          headers={**officer, "Accept-Language": "zh-CN"}), 422, "name")
    assert zh["detail"] == ("“无名测试路”不是标准地名：玄武区 (320102)没有这一名称的街路巷地名。"
                            "请先为道路命名：提出地名申报（POST /names/applications）并经批准，"
                            "再以标准名称登记道路。")


def test_a_road_under_its_standard_name_is_linked_to_it(app, officer, db_url):
    conn = connect(db_url)
    try:
        name_id = standard_street(conn, "新命名测试路", LINE)
        conn.commit()
    finally:
        conn.close()
    made = app.post("/roads", json={"name": "新命名测试路", "geometry": LINE}, headers=officer)
    assert made.status_code == 201, made.text
    road = made.json()["properties"]
    assert road["name_id"] == name_id and road["roman"].endswith(" Lu")
    assert road["division_code"] == "320102"
    assert [d["name"] for d in road["districts"]] == ["玄武区"]


def test_a_road_knows_every_district_it_runs_through(app, officer):
    listed = app.get("/roads", params={"q": "中山东路"}, headers=officer).json()
    (feature,) = [f for f in listed["features"] if f["properties"]["name"] == "中山东路"]
    districts = {d["name"] for d in feature["properties"]["districts"]}
    assert districts == {"玄武区", "秦淮区"}
    one = app.get(f"/roads/{feature['id']}", headers=officer).json()["properties"]
    assert {d["code"] for d in one["districts"]} == {"320102", "320104"}
    assert one["name_id"] is not None and one["roman"].startswith("Zhongshan")
    # a road along a boundary is not placed in the district across the kerb
    beside = app.get("/roads", params={"q": "太平北路"}, headers=officer).json()["features"]
    assert [d["name"] for d in beside[0]["properties"]["districts"]] == ["玄武区"]


def test_every_sample_road_is_linked_to_a_standard_street_name(db_url, sample):
    conn = connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT r.name, n.name, n.category_code FROM roads r "
                        "LEFT JOIN place_names n ON n.id = r.name_id WHERE r.dataset IS NOT NULL")
            rows = cur.fetchall()
    finally:
        conn.close()
    assert rows and all(name == linked and category.startswith("08")
                        for name, linked, category in rows)


def test_names_search_places_a_road_in_its_district(app, sample):
    hit = app.get("/names/search", params={"q": "中山路"}).json()["features"][0]["properties"]
    assert hit["name"] == "中山路" and hit["within"].split() == ["江苏省", "南京市", "鼓楼区"]
    district = app.get("/names/search", params={"q": "鼓楼区"}).json()["features"]
    nanjing = next(f["properties"] for f in district if f["properties"]["division_code"]
                   == "320106")
    assert nanjing["within"].split() == ["江苏省", "南京市"]   # a division is not within itself


def test_a_second_road_of_the_same_standard_name_is_refused(app, officer):
    first = app.post("/roads", json={"name": "韩家巷", "geometry": LINE}, headers=officer)
    body = problem(first, 409, "name")     # the sample already has 韩家巷 in 玄武区
    assert "already exists" in body["detail"]
