"""Vector tiles over the sample cities: each layer decodes with the features and fields a
style needs, zoom rules hold, and the cache follows the rows under a tile."""

from __future__ import annotations

import mapbox_vector_tile
import pytest

from geo import tiles
from geo.db import connect, execute, fetch_all, fetch_one, transaction
from geo.errors import NotFound

JIANGHAN = (114.2838, 30.5802)      # 江汉路, central Wuhan
XINJIEKOU = (118.7785, 32.042)      # 新街口, central Nanjing
ZHUZHOU = (113.1512, 27.8356)       # 株洲市区


def decode(data: bytes) -> dict:
    return {name: layer["features"] for name, layer in mapbox_vector_tile.decode(data).items()}


def tile_over(conn, layer: str, z: int, lonlat: tuple[float, float]) -> tiles.Tile:
    return tiles.get_tile(conn, layer, z, *tiles.tile_at(*lonlat, z))


@pytest.fixture
def fresh(conn, sample):
    """The sample, with an empty tile cache (rolled back with the test)."""
    tiles.flush(conn)
    return conn


# layer, zoom, where, the MVT layer, fields every feature must carry
LAYER_CASES = [
    ("divisions", 11, JIANGHAN, "divisions", {"code", "name", "level"}),
    ("names", 12, JIANGHAN, "names", {"id", "name", "category_code", "status"}),
    ("names_areas", 12, JIANGHAN, "names_areas", {"name", "category_code"}),
    ("names_lines", 15, XINJIEKOU, "names_lines", {"name", "category_code"}),
    ("network_edges", 14, JIANGHAN, "network_edges", {"id", "highway", "walk"}),
    ("facilities", 12, JIANGHAN, "facilities", {"id", "name", "type", "kind", "status"}),
    ("boundary_lines", 9, JIANGHAN, "boundary_lines", {"id", "number", "name", "level"}),
    ("roads", 14, XINJIEKOU, "roads", {"id", "name", "kind"}),
    ("addresses", 15, XINJIEKOU, "addresses", {"id", "road"}),
    ("plates", 15, XINJIEKOU, "plates", {"id", "kind", "status"}),
]


@pytest.mark.parametrize(("layer", "z", "where", "mvt", "fields"), LAYER_CASES,
                         ids=[c[0] for c in LAYER_CASES])
def test_get_tile_each_layer_decodes_with_its_fields(fresh, layer, z, where, mvt, fields):
    tile = tile_over(fresh, layer, z, where)
    layers = decode(tile.data)
    assert list(layers) == [mvt]
    assert layers[mvt], f"no {layer} features at z{z} over {where}"
    for feature in layers[mvt]:
        assert fields <= set(feature["properties"]), feature["properties"]


def test_get_tile_markers_over_a_marker(fresh):
    row = fetch_one(fresh, "SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, marker_no "
                           "FROM boundary_markers ORDER BY id LIMIT 1")
    features = decode(tile_over(fresh, "boundary_markers", 13, (row["lon"], row["lat"])).data)
    numbers = {f["properties"]["marker_no"] for f in features["boundary_markers"]}
    assert row["marker_no"] in numbers


def test_get_tile_addresses_read_as_standard_addresses(fresh):
    features = decode(tile_over(fresh, "addresses", 15, XINJIEKOU).data)["addresses"]
    numbered = [f["properties"] for f in features if "number" in f["properties"]]
    assert numbered
    for p in numbered:
        assert p["address"].startswith(p["road"]) and p["address"].endswith("号")


def test_get_tile_plates_carry_no_token_or_photo(fresh):
    features = decode(tile_over(fresh, "plates", 15, XINJIEKOU).data)["plates"]
    assert features
    for f in features:
        assert not {"token", "photo", "created_by", "printed_address"} & set(f["properties"])


def test_get_tile_basemap_has_the_six_layers_where_they_apply(fresh):
    nanjing = decode(tile_over(fresh, "basemap", 15, XINJIEKOU).data)
    assert {"buildings", "divisions", "division_labels", "streets", "names"} <= set(nanjing)
    assert any(f["properties"].get("name") for f in nanjing["streets"])   # OSM street names
    assert all(not f["properties"]["category_code"].startswith(("04", "05"))
               for f in nanjing["names"])                                   # divisions: labels
    wuhan = decode(tile_over(fresh, "basemap", 14, JIANGHAN).data)
    assert {"divisions", "division_labels", "streets"} <= set(wuhan)
    assert "buildings" not in wuhan                                         # none ships
    water = fetch_one(fresh, "SELECT ST_X(ST_PointOnSurface(geom)) AS lon, "
                             "ST_Y(ST_PointOnSurface(geom)) AS lat FROM basemap_features "
                             "WHERE kind = 'water' ORDER BY ST_Area(geom) DESC LIMIT 1")
    assert "water" in decode(tile_over(fresh, "basemap", 15, (water["lon"], water["lat"])).data)


def test_get_tile_basemap_low_zoom_keeps_major_streets_and_upper_divisions(fresh):
    layers = decode(tile_over(fresh, "basemap", 8, JIANGHAN).data)
    assert {f["properties"]["highway"] for f in layers["streets"]} <= {"motorway", "trunk"}
    assert not {f["properties"]["level"] for f in layers["divisions"]} & {"township", "community"}
    assert "buildings" not in layers and "names" not in layers


def test_get_tile_network_edges_low_zoom_drops_minor_classes(fresh):
    low = decode(tile_over(fresh, "network_edges", 10, JIANGHAN).data)["network_edges"]
    high = decode(tile_over(fresh, "network_edges", 14, JIANGHAN).data)["network_edges"]
    assert "residential" not in {f["properties"]["highway"] for f in low}
    assert "residential" in {f["properties"]["highway"] for f in high}


def test_get_tile_empty_tile_is_empty_bytes(fresh):
    assert tiles.get_tile(fresh, "facilities", 12, 0, 0).data == b""


def test_get_tile_second_fetch_comes_from_the_cache(fresh):
    first = tile_over(fresh, "network_edges", 14, JIANGHAN)
    second = tile_over(fresh, "network_edges", 14, JIANGHAN)
    assert (first.cached, second.cached) == (False, True)
    assert second.data == first.data and second.etag == first.etag


def test_get_tile_edit_redraws_the_tile_over_it_only(fresh):
    row = fetch_one(fresh, "SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM facilities "
                           "WHERE dataset = 'wuhan' ORDER BY id LIMIT 1")
    here = (row["lon"], row["lat"])
    tile_over(fresh, "facilities", 14, here)
    far = tile_over(fresh, "facilities", 12, ZHUZHOU)
    execute(fresh, "UPDATE facilities SET name = '改名后的养老服务站' WHERE id = %s", (row["id"],))
    again = tile_over(fresh, "facilities", 14, here)
    assert not again.cached
    assert "改名后的养老服务站" in {f["properties"]["name"]
                              for f in decode(again.data)["facilities"]}
    assert tile_over(fresh, "facilities", 12, ZHUZHOU).cached
    assert tile_over(fresh, "facilities", 12, ZHUZHOU).data == far.data


def test_get_tile_road_rename_redraws_its_doors(fresh):
    road = fetch_one(fresh, "SELECT r.id, ST_X(e.geom) AS lon, ST_Y(e.geom) AS lat "
                            "FROM roads r JOIN entrances e ON e.road_id = r.id "
                            "WHERE r.name = '三条巷' AND e.number IS NOT NULL LIMIT 1")
    where = (road["lon"], road["lat"])
    tile_over(fresh, "addresses", 16, where)
    execute(fresh, "UPDATE roads SET name = '三条新巷' WHERE id = %s", (road["id"],))
    again = tile_over(fresh, "addresses", 16, where)
    roads = {f["properties"]["road"] for f in decode(again.data)["addresses"]}
    assert not again.cached and "三条新巷" in roads and "三条巷" not in roads


def test_get_tile_approved_name_appears(fresh):
    tile_over(fresh, "basemap", 15, XINJIEKOU)
    fresh.cursor().execute(
        "UPDATE place_names SET name = '新街口测试路' WHERE id = (SELECT id FROM place_names "
        "WHERE category_code = '0801' ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4490) "
        "LIMIT 1)", XINJIEKOU)
    names = {f["properties"]["name"]
             for f in decode(tile_over(fresh, "basemap", 15, XINJIEKOU).data)["names"]}
    assert "新街口测试路" in names


def test_get_tile_counter_gone_back_is_not_trusted(fresh):
    """A restore that puts the tables (and their counters) back without the cache."""
    tile_over(fresh, "network_edges", 14, JIANGHAN)
    execute(fresh, "UPDATE layer_changes SET version = version - 1 "
                   "WHERE table_name = 'network_edges'")
    assert not tile_over(fresh, "network_edges", 14, JIANGHAN).cached


def test_prune_drops_stale_tiles_and_keeps_fresh_ones(db_url, sample):
    """Committed work (put back after the test by tests/dbstate.py)."""
    c = connect(db_url)
    try:
        row = fetch_one(c, "SELECT id, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM facilities "
                           "WHERE dataset = 'wuhan' ORDER BY id LIMIT 1")
        near = tiles.tile_at(row["lon"], row["lat"], 14)
        far = tiles.tile_at(*ZHUZHOU, 12)
        with transaction(c):
            tiles.get_tile(c, "facilities", 14, *near)
            tiles.get_tile(c, "facilities", 12, *far)
        with transaction(c):
            execute(c, "UPDATE facilities SET status = 'closed' WHERE id = %s", (row["id"],))
        with transaction(c):
            assert tiles.prune(c)["tiles"] >= 1
        kept = {(r["z"], r["x"], r["y"]) for r in fetch_all(
            c, "SELECT z, x, y FROM tile_cache WHERE layer = 'facilities'")}
        assert (12, *far) in kept and (14, *near) not in kept
    finally:
        c.close()


@pytest.mark.parametrize(("layer", "z", "x", "y", "field"), [
    ("nowhere", 5, 0, 0, "layer"),
    ("network_edges", 7, 0, 0, "z"),        # below its range
    ("basemap", 17, 0, 0, "z"),             # above: clients overzoom
    ("basemap", 3, 8, 0, "x"),
    ("basemap", 3, 0, 8, "y"),
    ("basemap", 3, -1, 0, "x"),
    ("basemap", 3, 0, -1, "y"),
])
def test_get_tile_outside_names_the_field(conn, layer, z, x, y, field):
    with pytest.raises(NotFound) as err:
        tiles.get_tile(conn, layer, z, x, y)
    assert err.value.field == field


def test_bounds_and_tile_at_agree():
    x, y = tiles.tile_at(*JIANGHAN, 14)
    w, s, e, n = tiles.bounds(14, x, y)
    assert w <= JIANGHAN[0] < e and s <= JIANGHAN[1] < n
    assert tiles.bounds(0, 0, 0)[0] == -180.0
