"""Addresses that are whole (issue 17): no missing value spelt out, the romanization of every
part, and, for a house number the road does not have, the nearest numbers it has."""

import pytest

from geo.db import connect, fetch_value

PARTS = ("province", "prefecture", "county", "township", "community", "road", "number")


def test_reverse_gives_no_nan_and_romanizes_every_part(app, sample):
    body = app.get("/addresses/reverse", params={"lon": 118.779, "lat": 32.050}).json()
    a = body["properties"]
    assert a["place"] not in ("NaN", "nan", "None", "null")
    assert all(a["parts"][k] for k in PARTS)
    assert all(a["parts_roman"][k] for k in PARTS), a["parts_roman"]
    community = next(n for n in a["standard_names"] if n["level"] == "community")
    assert community["name"].endswith("社区") and community["roman"].endswith(" Shequ")
    assert community["roman_toned"] and community["roman_toned"] != community["roman"]
    assert a["parts_roman"]["number"] == a["parts"]["number"].replace("号", " Hao")
    assert a["address_roman"].startswith("Jiangsu Sheng Nanjing Shi ")
    assert a["address_roman"].endswith(f"{a['parts_roman']['road']} {a['parts_roman']['number']}")
    road = next(n for n in a["standard_names"] if n["level"] == "road")
    assert road["name_id"] and road["roman"] and road["districts"]


def test_a_door_name_is_never_a_missing_value_spelt_out(db_url, sample):
    conn = connect(db_url)
    try:
        door = fetch_value(conn, "SELECT id FROM entrances ORDER BY id LIMIT 1")
        with pytest.raises(Exception, match="entrances_name_is_text"):
            with conn.cursor() as cur:
                cur.execute("UPDATE entrances SET name = 'NaN' WHERE id = %s", (door,))
    finally:
        conn.rollback()
        conn.close()


def test_a_missing_number_answers_with_the_nearest_numbers_on_both_sides(app, sample):
    body = app.get("/addresses/search", params={"q": "南京市上海路88号"}).json()
    assert body["features"] == []
    near = body["nearest"]
    assert (near["road"], near["number"], near["parity"]) == ("上海路", "88号", "even")
    same = [int(d["number"].rstrip("号")) for d in near["by_number"]["same_side"]]
    other = [int(d["number"].rstrip("号")) for d in near["by_number"]["other_side"]]
    assert len(same) == 2 and same[0] < 88 < same[1] and all(n % 2 == 0 for n in same)
    assert other and all(n % 2 == 1 for n in other)
    assert sorted(d["side"] for d in near["along"]) == ["other", "same"]
    assert all(d["distance_m"] >= 0 and d["address"].endswith(d["number"])
               for d in near["along"])
    # every number offered exists: searching it finds it
    for d in near["by_number"]["same_side"] + near["by_number"]["other_side"]:
        found = app.get("/addresses/search", params={"q": "南京市上海路" + d["number"]}).json()
        assert found["features"] and found["nearest"] is None


def test_an_existing_number_has_no_nearest_block(app, sample):
    body = app.get("/addresses/search", params={"q": "南京市上海路82号"}).json()
    assert [f["properties"]["parts"]["number"] for f in body["features"]] == ["82号"]
    assert body["nearest"] is None


def test_qr_page_shows_the_community_romanization(app, sample, db_url):
    conn = connect(db_url)
    try:
        token = fetch_value(conn, "SELECT token FROM plates WHERE status = 'installed' "
                                  "AND token_revoked_at IS NULL ORDER BY id LIMIT 1")
    finally:
        conn.close()
    page = app.get(f"/qr/{token}", params={"format": "json"}).json()
    community = next(n for n in page["standard_names"] if n["level"] == "community")
    assert community["roman"] and community["roman"].endswith("Shequ")
    html = app.get(f"/qr/{token}").text
    assert community["roman"].replace("'", "&#39;") in html
    assert page["address_roman"].replace("'", "&#39;") in html
