"""The districts a road runs through are stored with it (migration 0026) and follow both
the road's line and the county outlines, as ``civgeo_road_districts`` computes them."""

from geo.db import fetch_all, fetch_value

ROAD = "SELECT id FROM roads WHERE name = '中山东路' AND status = 'current' LIMIT 1"


def stored(conn, road_id: int) -> list[str]:
    return [d["code"] for d in fetch_value(conn, "SELECT districts FROM roads WHERE id = %s",
                                           (road_id,))]


def test_every_road_holds_the_districts_its_line_runs_through(conn, sample):
    rows = fetch_all(conn, "SELECT districts = civgeo_road_districts(geom) AS same FROM roads")
    assert rows and all(r["same"] for r in rows)


def test_a_moved_line_moves_the_road_to_its_district(conn, sample):
    road = fetch_value(conn, ROAD)
    assert sorted(stored(conn, road)) == ["320102", "320104"]
    with conn.cursor() as cur:   # the line now lies inside 玄武区 only
        cur.execute("UPDATE roads SET geom = ST_Multi(ST_GeomFromText("
                    "'LINESTRING(118.782 32.050, 118.784 32.050)', 4490)) WHERE id = %s", (road,))
    assert stored(conn, road) == ["320102"]


def test_a_changed_county_outline_reaches_the_roads_near_it(conn, sample):
    road = fetch_value(conn, ROAD)
    with conn.cursor() as cur:   # 秦淮区's outline moves far away
        cur.execute("UPDATE divisions SET geom = ST_Multi(ST_Buffer(ST_MakePoint(100, 30), 0.01))"
                    "::geometry(MultiPolygon, 4490) WHERE code = '320104' AND upper_inf(valid)")
    assert stored(conn, road) == ["320102"]
    with conn.cursor() as cur:   # deleted, then a county drawn over the whole road
        cur.execute("DELETE FROM divisions WHERE code = '320104'")
    assert stored(conn, road) == ["320102"]
    with conn.cursor() as cur:
        cur.execute("INSERT INTO divisions (code, name, short_name, level, parent_code, geom, "
                    "valid, source, name_source) SELECT '320199', '测试区', '测试', 'county', "
                    "parent_code, ST_Multi(ST_Buffer(ST_Envelope(r.geom), 0.001)), "
                    "daterange('2020-01-01', NULL), 'test', 'test' "
                    "FROM divisions d, roads r WHERE d.code = '320102' AND upper_inf(d.valid) "
                    "AND r.id = %s", (road,))
    assert "320199" in stored(conn, road)
