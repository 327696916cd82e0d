"""Addresses and plates never show a missing value spelt out, and romanize every part (no
database: the loader's reading of names, the address parts, the plate's face)."""

import math

import pytest

from fixtures.plates import _text as loaded_name
from geo.plates import addresses
from maps import plate_sheet
from tests.test_no_none import in_html

DOOR = {"entrance_id": 7, "road_id": 3, "road": "长白街", "road_roman": None,
        "road_roman_toned": None, "name_id": 11, "road_districts": [{"name": "秦淮区"}],
        "number": 12, "sub": 1, "number_label": "12-1号", "place": "NaN", "status": "current",
        "lon": 118.79, "lat": 32.04,
        "divisions": [{"level": "province", "code": "320000", "name": "江苏省",
                       "roman": "Jiangsu Sheng", "roman_toned": "Jiāngsū Shěng"},
                      {"level": "community", "code": "320104001001", "name": "长乐社区",
                       "roman": None, "roman_toned": None}]}


@pytest.mark.parametrize("value", [math.nan, None, "", " ", "nan", "NaN", "None", "null",
                                   "undefined", 3.0])
def test_the_loader_reads_a_missing_building_name_as_none(value):
    assert loaded_name(value) is None


def test_the_loader_keeps_a_real_name():
    assert loaded_name(" 金陵饭店 ") == "金陵饭店"


def test_an_address_romanizes_every_part_and_never_shows_nan():
    a = addresses.compose(DOOR, building=3, unit=2, room=501)
    assert a["place"] is None
    assert a["address"] == "江苏省长乐社区长白街12-1号3栋2单元501室"
    roman = a["parts_roman"]
    assert roman["community"].endswith(" Shequ") and roman["road"].endswith(" Jie")
    assert (roman["number"], roman["building"], roman["unit"], roman["room"]) == \
        ("12-1 Hao", "3 Dong", "2 Danyuan", "501 Shi")
    assert a["address_roman"] == " ".join([roman["province"], roman["community"], roman["road"],
                                           "12-1 Hao 3 Dong 2 Danyuan 501 Shi"])
    road = a["standard_names"][-1]
    assert road["roman"] and road["roman_toned"] and road["districts"] == ["秦淮区"]


def test_a_plate_never_prints_none_for_a_missing_romanization():
    plate = {"id": 1, "token": "AbCdEf0123456789", "url": "https://civgeo.example/qr/AbCdEf0123456789",
             "size": "medium", "kind": "unit", "road": "江汉路", "road_roman": None,
             "number_label": "12号", "building": None, "unit": "2单元",
             "address": "湖北省武汉市江汉区江汉路12号", "status": "planned"}
    html = plate_sheet.sheet_html([plate], title="校样", generated_at="2024-05-01")
    assert in_html(html) == []
    assert in_html(html.replace("江汉路12号</div>", "江汉路12号None</div>", 1))  # it would show
