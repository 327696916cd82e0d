"""Place names split by province (issue 19): a division-scoped query reads one partition
and answers as the whole table does; a query with no division reads them all."""

from geo import partitioning
from geo.db import fetch_all


def test_a_division_scoped_query_reads_one_province(conn, sample):
    made = partitioning.build(conn)
    assert made["provinces"] >= 3          # Hunan, Hubei and Jiangsu in the samples
    assert made["rows"] == fetch_all(conn, "SELECT count(*) AS n FROM place_names")[0]["n"]
    low, high = partitioning.province_range("430202")
    scoped = ("SELECT id, name FROM {t} WHERE division_code >= %(low)s AND "
              "division_code < %(high)s AND name LIKE '荷%%' ORDER BY id")
    args = {"low": low, "high": high}
    tables, _plan_ms, _run_ms = partitioning.scanned_partitions(
        conn, scoped.format(t="by_province.place_names"), args)
    assert tables == ["place_names_43"]
    split = fetch_all(conn, scoped.format(t="by_province.place_names"), args)
    whole = fetch_all(conn, scoped.format(t="public.place_names"), args)
    assert split == whole and len(whole) > 0
    everywhere, _p, _r = partitioning.scanned_partitions(
        conn, "SELECT id FROM by_province.place_names WHERE name = '荷塘区'")
    assert len(everywhere) == made["partitions"]


def test_a_division_code_becomes_the_range_of_codes_under_it():
    assert partitioning.province_range("430000") == ("43", "44")
    assert partitioning.province_range("430200") == ("4302", "4303")
    assert partitioning.province_range("430202") == ("430202", "430203")
    assert partitioning.province_range("431000") == ("4310", "4311")
    assert partitioning.province_range("430202001") == ("430202001", "430202002")
