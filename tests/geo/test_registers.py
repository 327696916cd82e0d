"""The shared register reader, with no database: encodings, formats, headers, datums; and
facilities reading GB18030 CSV and XLSX through it."""

from __future__ import annotations

import pytest

from geo import facilities, registers
from geo.errors import InvalidInput
from tests.registers import csv_bytes, xlsx_bytes

COLUMNS = {"name": registers.Column("名称", ("name",)),
           "lon": registers.Column("经度", ("lon",)), "lat": registers.Column("纬度", ("lat",))}


def test_gb18030_utf8_and_bom_read_alike():
    rows = [{"名称": "荷塘区敬老院", "经度": "113.17", "纬度": "27.86"}]
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        table = registers.read(csv_bytes(rows, encoding), "x.csv", COLUMNS, required=["name"])
        assert table.rows[0].values == {"name": "荷塘区敬老院", "lon": "113.17", "lat": "27.86"}
    with pytest.raises(InvalidInput, match="neither UTF-8 nor GB18030"):
        registers.decode_text(b"\xff\xfe\xff")


def test_formats_are_told_by_their_bytes():
    assert registers.sniff(xlsx_bytes([{"a": 1}])) == "xlsx"
    assert registers.sniff(b"SQLite format 3\x00...") == "gpkg"
    with pytest.raises(InvalidInput, match="save the sheet as .xlsx"):
        registers.sniff(b"\xd0\xcf\x11\xe0....", "old.xls")


def test_datum_labels():
    assert registers.datum("EPSG:4547") == registers.Datum("CGCS2000", 4547, True, "EPSG:4547")
    assert registers.datum("西安1980").name == "Xian1980"
    assert registers.datum("EPSG:4214").name == "Beijing1954"
    with pytest.raises(ValueError, match="not a coordinate system civgeo knows"):
        registers.datum("火星2")


def test_facilities_read_gb18030_csv_and_xlsx():
    rows = [{"type": "nursing_home", "name": "荷塘区敬老院", "lon": 113.17, "lat": 27.86}]
    from_csv = facilities.parse_upload(csv_bytes(rows, "gb18030"), "sites.csv")
    assert from_csv[0]["name"] == "荷塘区敬老院" and from_csv[0]["lon"] == "113.17"
    from_xlsx = facilities.parse_upload(xlsx_bytes(rows), "sites.xlsx")
    assert from_xlsx == [rows[0]]
