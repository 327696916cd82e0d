"""The road numbering map: a small road drawn on a grid, its doors numbered with a duplicate,
a number on the wrong side and an unnumbered door, drawn in a real headless browser with no
network; the layers are named, every flagged door is ringed, the chevrons point the way the
numbers rise, the title counts the findings and user text stays inert."""

import re

import folium
import pytest

from geo.audit import Actor
from geo.db import connect, execute, fetch_value, transaction
from geo.errors import NotFound
from geo.names import signs
from geo.plates import validation
from maps import road as road_maps
from maps.base import MapSettings
from tests.browser import open_in_chromium, overlays
from tests.cli import civgeo
from tests.geo.plates.sketched import GRID, add_raw_door, add_road, seeded

SETTINGS = MapSettings(basemap="none", assets_url="vendor")
# A sign and a road end without one, as their marker icons' HTML is written in the page.
SIGN, GAP = 'class=\\"civgeo-sign\\"', 'class=\\"civgeo-sign-gap\\"'

LAYERS = ["道路 road", "编号方向 numbering direction", "单号侧顺序 order along the odd side",
          "双号侧顺序 order along the even side", "单号侧门牌 doors on the odd side",
          "双号侧门牌 doors on the even side", "校验问题 validation findings",
          "地名标志 place-name signs"]


def drawn_map(conn, road_id: int, *, settings: MapSettings) -> folium.Map:
    """The road's map as the route and the CLI draw it: domain result, then drawing."""
    return road_maps.road_map(validation.road_map(conn, road_id), settings=settings)


def layer_names(m: folium.Map) -> list[str]:
    return [c.layer_name for c in m._children.values() if isinstance(c, folium.FeatureGroup)]


def layer(m: folium.Map, name: str) -> folium.FeatureGroup:
    [group] = [c for c in m._children.values()
               if isinstance(c, folium.FeatureGroup) and c.layer_name == name]
    return group


def chevrons(group: folium.FeatureGroup) -> list[list[list[float]]]:
    """The [lat, lon] points of the three-point polylines (chevrons) in a layer."""
    return [c.locations for c in group._children.values()
            if isinstance(c, folium.PolyLine) and len(c.locations) == 3]


def html_of(m: folium.Map) -> str:
    return m.get_root().render()


def test_road_map_draws_offline_with_every_layer(conn, tmp_path):
    road_id = seeded(conn)
    dom = open_in_chromium(drawn_map(conn, road_id, settings=SETTINGS), tmp_path)
    assert list(overlays(dom)) == LAYERS and all(overlays(dom).values())
    title = re.search(r'class="civgeo-title".*?</div></div>', dom, re.S).group(0)
    assert "测试路 门牌编号 house numbering" in title
    assert "长度 length 130 m" in title and "门牌 doors: 10" in title
    assert "numbering starts at the 东 east end" in title
    assert "有问题的门牌 doors flagged: 3 / 10" in title
    assert "重号 duplicate number: 2" in title
    assert "单双号错位 wrong parity for its side: 1" in title
    assert "未编号 no number: 1" in title
    assert "out of order" not in title and "civgeo-ok" not in title
    legend = re.search(r'class="civgeo-legend".*?</div></div>', dom, re.S).group(0)
    for entry in ("单号侧门牌 door on the odd side", "双号侧门牌 door on the even side",
                  "未编号 unnumbered door",
                  "编号未递增 number does not rise", "校验问题 door with a validation finding"):
        assert entry in legend
    # Each door's number is written beside it, away from the road: north side above, south
    # side below (10 doors: 9 numbered, 1 with '?').
    labels = re.findall(r'class="leaflet-tooltip civgeo-door-label[^"]*leaflet-tooltip-(\w+)"'
                        r'[^>]*>\s*<div>\s*(.*?)\s*</div>', dom, re.S)
    assert sorted(labels) == sorted([("top", n) for n in ("1号", "3号", "3号", "5号", "7号")]
                                    + [("bottom", n) for n in ("2号", "4号", "6号", "9号", "?")])


def test_every_flagged_door_is_ringed_and_its_popup_says_why(conn):
    road_id = seeded(conn)
    report = validation.validate(conn, road_id)
    with_findings = {f["entrance_id"] for f in report["findings"]}
    assert report["doors_flagged"] == 3 and len(with_findings) == 4  # unnumbered: not a flag
    m = drawn_map(conn, road_id, settings=SETTINGS)
    rings = layer(m, "校验问题 validation findings")._children.values()
    assert len([r for r in rings if isinstance(r, folium.CircleMarker)]) == 3
    html = html_of(m)
    assert html.count('"className": "civgeo-finding"') == report["doors_flagged"]
    assert "9号 is on the left side, which takes even numbers" in html
    assert html.count("3号 is on 2 doors") == 4    # in both duplicates' ring and door popups
    assert "the door has no number" in html       # the grey door's own popup


def test_chevrons_point_the_way_the_numbers_rise(conn):
    road_id = seeded(conn)
    m = drawn_map(conn, road_id, settings=SETTINGS)
    along = chevrons(layer(m, "编号方向 numbering direction"))
    assert len(along) == 8                       # 130 m at one chevron per 15 m or more
    assert all(tip[1] < wing[1] for _w1, tip, wing in along)   # pointing west
    steps = chevrons(layer(m, "单号侧顺序 order along the odd side"))
    assert len(steps) == 4                       # 1→3, 3→3 (the duplicate), 3→5, 5→7
    assert all(tip[1] < wing[1] for _w1, tip, wing in steps)
    dashed = [c for c in layer(m, "单号侧顺序 order along the odd side")._children.values()
              if isinstance(c, folium.PolyLine) and c.options.get("dashArray")]
    assert len(dashed) == 2                      # the 3→3 step: its line and its chevron


def test_a_road_numbered_from_the_west_points_east_and_can_be_clean(conn):
    numbers = {"n1": "2", "n2": "4", "n3": "6", "s1": "1", "s2": "3", "s3": "5"}
    road_id = add_road(conn, numbers=numbers, rule={"start": "west"})
    m = drawn_map(conn, road_id, settings=SETTINGS)
    assert all(tip[1] > wing[1] for _w1, tip, wing in
               chevrons(layer(m, "编号方向 numbering direction")))
    html = html_of(m)
    assert 'class="civgeo-ok"' in html and "numbering starts at the 西 west end" in html
    assert "doors flagged" not in html and "civgeo-finding" not in html
    assert "校验问题 validation findings" not in layer_names(m)


def test_a_side_numbered_from_the_wrong_end_is_in_the_title(conn):
    # The odd (north) side rises from the west, but this road is numbered from the east.
    numbers = {"n4": "7", "n3": "5", "n2": "3", "n1": "1"}
    road_id = add_road(conn, numbers=numbers)
    report = validation.validate(conn, road_id)
    assert report["summary"]["reversed"] == 1
    html = html_of(drawn_map(conn, road_id, settings=SETTINGS))
    banner = re.search(r'class="civgeo-banner"[^>]*>([^<]*)<', html).group(1)
    assert banner.startswith("编号方向相反 side numbered from the wrong end: the odd side falls")
    assert "编号未递增 number does not rise" in html      # every step falls: dashed red


def test_a_road_with_no_doors_shows_the_road_and_its_direction(conn):
    road_id = add_road(conn, numbers={})
    m = drawn_map(conn, road_id, settings=SETTINGS)
    assert layer_names(m) == ["道路 road", "编号方向 numbering direction",
                              "地名标志 place-name signs"]
    assert "门牌 doors: 0" in html_of(m) and 'class="civgeo-ok"' in html_of(m)


def test_the_road_ends_without_a_sign_are_drawn_and_a_sign_closes_one(conn):
    road_id = add_road(conn, numbers={})
    west, east = GRID["w"], GRID["e"]
    html = html_of(drawn_map(conn, road_id, settings=SETTINGS))
    assert html.count(GAP) == 2 and SIGN not in html
    assert "缺少路牌 without a sign 2" in html
    name_id = fetch_value(conn, "SELECT name_id FROM roads WHERE id = %s", (road_id,))
    signs.create(conn, Actor("地名科", "names_officer"), {
        "name_id": name_id, "lon": west[0], "lat": west[1] + 0.0001,
        "printed_roman": "Ceshi Rd."})
    html = html_of(drawn_map(conn, road_id, settings=SETTINGS))
    assert html.count(GAP) == 1 and html.count(SIGN) == 1
    assert "缺少路牌 without a sign 1 · 需更换 outdated 1" in html
    assert f"{east[0]:.6f}" in html and "需更换的标志 outdated sign" in html


def test_user_text_is_inert(conn):
    road_id = seeded(conn)
    evil = "<script>alert(1)</script>${alert(2)}`"
    execute(conn, "UPDATE roads SET name = %s WHERE id = %s", (evil, road_id))
    add_raw_door(conn, road_id, "s3", number_raw=evil)       # a bad number from a register
    html = html_of(drawn_map(conn, road_id, settings=SETTINGS))
    assert "<script>alert(1)" not in html and "${alert(2)}" not in html
    assert "alert(2)}`" not in html
    assert "&lt;script&gt;alert(1)" in html.replace("\\u0026", "&")


def test_an_unknown_road_is_not_found(conn):
    with pytest.raises(NotFound):
        validation.road_map(conn, 10**9)


def test_cli_writes_the_map_of_a_road_by_name_or_id(db_url, tmp_path):
    conn = connect(db_url)
    try:
        with transaction(conn):
            road_id = add_road(conn, name="命令行测试路")
        out = tmp_path / "road.html"
        proc = civgeo(db_url, "map", "road", "命令行测试路", "--out", str(out))
        assert proc.returncode == 0, proc.stderr
        assert "命令行测试路 门牌编号 house numbering" in out.read_text(encoding="utf-8")
        assert (tmp_path / "vendor" / "leaflet" / "dist" / "leaflet.js").exists()
        assert civgeo(db_url, "map", "road", str(road_id), "--out", str(out)).returncode == 0
        with transaction(conn):   # a road of the same name in another county
            execute(conn, "INSERT INTO roads (name, division_code, kind, geom, axis, length_m, "
                          "rule, source) SELECT name, '999999', kind, geom, axis, length_m, "
                          "rule, source FROM roads WHERE id = %s", (road_id,))
        twice = civgeo(db_url, "map", "road", "命令行测试路", "--out", str(out))
        assert twice.returncode == 2 and "2 current roads are named" in twice.stderr
        none = civgeo(db_url, "map", "road", "命令行测试", "--out", str(out))
        assert none.returncode == 2 and "no current road named" in none.stderr
    finally:
        with transaction(conn):
            execute(conn, "DELETE FROM roads WHERE name = '命令行测试路'")
        conn.close()


def test_on_a_gcj02_base_every_layer_is_shifted_alike(conn):
    road_id = seeded(conn)
    m = drawn_map(conn, road_id, settings=MapSettings(basemap="amap"))
    doors = [tuple(c.location) for name in ("单号侧门牌 doors on the odd side",
                                            "双号侧门牌 doors on the even side")
             for c in layer(m, name)._children.values()]
    rings = [tuple(c.location) for c in layer(m, "校验问题 validation findings")._children.values()]
    assert (GRID["n3"][1], GRID["n3"][0]) not in doors      # shifted for display…
    assert len(rings) == 3 and set(rings) <= set(doors)     # …and the rings with them
