"""``civgeo export LAYER --out FILE``: the real formats, every feature, names fitted."""

import pyogrio

from geo.db import connect, fetch_value
from tests.cli import civgeo


def test_layers_export_as_geopackage_shapefile_and_csv(db_url, sample, tmp_path):
    conn = connect(db_url)
    try:
        big = fetch_value(conn, "SELECT count(*) FROM facilities WHERE beds >= 100")
    finally:
        conn.close()
    gpkg, shp, csv = tmp_path / "fac.gpkg", tmp_path / "fac.shp", tmp_path / "fac.csv"
    done = civgeo(db_url, "export", "facilities", "--out", str(gpkg), "--filter", "beds >= 100")
    assert done.returncode == 0, done.stderr
    assert f"({big} facilities, GPKG" in done.stdout
    frame = pyogrio.read_dataframe(gpkg)
    assert len(frame) == big > 50 and frame.crs.to_epsg() == 4490
    assert (frame["beds"] >= 100).all()
    done = civgeo(db_url, "export", "facilities", "--out", str(shp), "--filter", "beds >= 100",
                  "--encoding", "GB18030")
    assert "nursing_beds → nursing_be" in done.stdout
    assert (tmp_path / "fac.cpg").read_text() == "GB18030"
    names = pyogrio.read_dataframe(shp)["name"]
    assert len(names) == big and names.str.contains("养老|敬老|福利").any()
    done = civgeo(db_url, "facilities", "export", "--kind", "relief", "--out", str(csv))
    assert done.returncode == 0, done.stderr
    rows = pyogrio.read_dataframe(csv)
    assert len(rows) > 10 and set(rows["kind"]) == {"relief"} and "X" in rows.columns


def test_an_unknown_extension_is_refused_in_one_line(db_url, tmp_path):
    done = civgeo(db_url, "export", "divisions", "--out", str(tmp_path / "x.txt"))
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "civgeo: x.txt: write .gpkg, .shp, .fgb, .csv or .geojson"]
    assert not (tmp_path / "x.txt").exists()
