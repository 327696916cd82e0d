"""``civgeo import markers|roads|doors`` as a user runs it: a summary, the changed rows,
and a refused file's rows on stderr with exit code 2 and nothing written."""

from __future__ import annotations

import pytest

from geo.db import connect, fetch_value
from tests.cli import civgeo
from tests.registers import FILES, committed_line, csv_bytes, marker_rows


@pytest.fixture
def grid(db_url):
    return committed_line(db_url)


def markers(db_url: str) -> int:
    conn = connect(db_url)
    try:
        return fetch_value(conn, "SELECT count(*) FROM boundary_markers")
    finally:
        conn.close()


def test_import_markers_twice_then_a_change_then_a_refusal(db_url, grid, tmp_path):
    path = tmp_path / "界桩登记表.csv"
    path.write_bytes(csv_bytes(marker_rows(grid)))
    first = civgeo(db_url, "import", "markers", str(path), "--source", "甲乙线2003")
    assert first.returncode == 0, first.stderr
    assert "8 added, 0 changed, 0 unchanged" in first.stdout
    again = civgeo(db_url, "import", "markers", str(path), "--source", "甲乙线2003")
    assert "0 added, 0 changed, 8 unchanged" in again.stdout
    rows = marker_rows(grid)
    rows[1]["高程"] = "320"
    path.write_bytes(csv_bytes(rows))
    changed = civgeo(db_url, "import", "markers", str(path), "--source", "甲乙线2003")
    assert "1 changed" in changed.stdout and "row 3 990601990602002Q: changed elevation_m" \
        in changed.stdout
    rows[5]["界桩编号"] = "99060199060X006Q"
    path.write_bytes(csv_bytes(rows, "gb18030"))
    before = markers(db_url)
    refused = civgeo(db_url, "import", "markers", str(path), "--source", "甲乙线2003")
    assert refused.returncode == 2
    assert "refused, nothing was imported (1 bad row)" in refused.stderr
    assert "row 7, 界桩编号: '99060199060X006Q' is not a marker number" in refused.stderr
    assert markers(db_url) == before


def test_import_markers_in_xian_1980_is_refused_with_the_reason(db_url, grid, tmp_path):
    labelled = civgeo(db_url, "import", "markers", str(FILES / "markers_gb18030.csv"),
                      "--crs", "西安80")          # its rows say CGCS2000
    assert labelled.returncode == 2
    assert "row 2, 坐标系: the row says CGCS2000 but the file was given as 西安80" \
        in labelled.stderr
    path = tmp_path / "界桩.csv"
    path.write_bytes(csv_bytes(marker_rows(grid, 3), "gb18030"))
    refused = civgeo(db_url, "import", "markers", str(path), "--crs", "西安80")
    assert refused.returncode == 2
    assert "row 2, 坐标系: the coordinates are in Xi'an 1980" in refused.stderr
    assert "no official transformation to CGCS2000" in refused.stderr
    given = civgeo(db_url, "import", "markers", str(path), "--crs", "西安80",
                   "--datum-params", "0,0,0,0,0,0,0")
    assert given.returncode == 0, given.stderr
    assert "3 added" in given.stdout
